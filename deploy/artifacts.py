"""Build the rule's two Lambda artifacts and ship a new version to an organization in one command.

    python deploy/artifacts.py layer      dist/acm-expiry-layer.zip: python/ holding the pinned SDK and rdklib
    python deploy/artifacts.py function   dist/acm-expiry-function.zip: ACMExpiryRule.py and acm_expiry/
    python deploy/artifacts.py release --regions us-east-1 eu-west-1 [--dry-run] ...
    python deploy/artifacts.py stage --regions us-east-1      one account: pinned zips, dist/member.yaml
    python deploy/artifacts.py log-retention                  the RDK function's log group, with a retention

``make layer``, ``make package`` and ``make release`` run these. Building needs PyPI (pip), never AWS.
Both zips are reproducible: the same inputs give the same bytes (entries sorted, fixed timestamps and
modes, no bytecode), so a release that changed nothing uploads nothing new and updates nothing.

Why a layer of our own: RDK's public rdklib layer ships without boto3 and botocore, so the function
would run on whatever SDK the Lambda runtime carries. A layer's python/ directory comes before the
runtime's own libraries on sys.path (AWS Lambda Developer Guide, "Deploy Python Lambda functions with
.zip file archives", section "Dependency search path and runtime-included libraries": "Libraries in
function layers therefore have precedence over versions included in the runtime"), so the function
runs on the SDK it was tested with. The guide also asks for the whole SDK when any of it is
shipped (a newer urllib3 beside the runtime's boto3 can break it): the layer holds the full closure.

``release`` does, in order, for the account it runs in (the organization's management account or a
CloudFormation delegated administrator):

1. in each Region: ``deploy/artifacts.yaml`` as stack ``acm-expiry-artifacts`` (the artifact bucket
   ``acm-expiry-artifacts-<account>-<region>``, versioned and retained, readable by the organization's
   StackSets roles). Lambda takes code only from a bucket in the function's own Region, hence one bucket
   per Region, and so each Region has S3 versions of its own;
2. in each Region: the two zips, under keys named by their SHA-256 (reused when S3 already holds that
   content, uploaded with their SHA-256 otherwise), and the S3 version of each (with ``--signing-profile``,
   of its signed copy);
3. ``dist/member.yaml``: ``deploy/member.yaml`` with those keys and versions, Region by Region, in its
   ``Artifacts`` mapping. Every stack the StackSet makes, in the accounts that join later too, looks its own
   Region up there. Not StackSet parameter overrides: "Accounts added to the target OUs ... in the future
   won't use the overridden values" (CloudFormation API Reference, UpdateStackInstances), so a joining
   account would get one Region's version id in every Region;
4. in the home Region: that member template and ``deploy/alerts.yaml`` (StackSets read templates from S3);
5. ``deploy/organization.yaml`` as stack ``acm-expiry-organization``: CloudFormation updates the StackSets,
   which roll the release out to every account and Region they target;
6. every stack instance that is not CURRENT, listed; the release then exits non-zero (the others have it).

A release stays in one partition: a China Region is refused with what is missing there (``stage`` serves
single accounts in any partition).

Every AWS call is an AWS CLI command line; ``--dry-run`` prints them instead of running them.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shlex
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from botocore.loaders import create_loader

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
DIST = ROOT / "dist"
RULE_FOLDER = ROOT / "ACMExpiryRule"
LAYER_REQUIREMENTS = DEPLOY / "layer-requirements.txt"
LAYER_ZIP = "acm-expiry-layer.zip"
FUNCTION_ZIP = "acm-expiry-function.zip"
MEMBER_TEMPLATE = DEPLOY / "member.yaml"
ALERTS_TEMPLATE = DEPLOY / "alerts.yaml"
ORGANIZATION_TEMPLATE = DEPLOY / "organization.yaml"
ARTIFACTS_TEMPLATE = DEPLOY / "artifacts.yaml"
ARTIFACTS_STACK = "acm-expiry-artifacts"
ORGANIZATION_STACK = "acm-expiry-organization"
KEY_PREFIX = "acm-expiry"

# The Lambda runtime the layer is for (python3.12); its wheels must be ones Lambda's Linux can load.
PYTHON_VERSION = "3.12"
PLATFORM = "manylinux2014_x86_64"
PIP = (sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check")
TARGET_PLATFORM = (f"--platform={PLATFORM}", f"--python-version={PYTHON_VERSION}", "--implementation=cp")
# Downloaded once, checked against layer-requirements.txt's hashes on every build.
WHEEL_CACHE = DIST / "wheels"
# ZIP's earliest date: no build time in the archive.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Lambda needs files readable by its runtime user: 644 (AWS Lambda Developer Guide, python-package).
FILE_MODE = 0o100644


def artifact_bucket(account_id: str, region: str) -> str:
    """The artifact bucket of ``region``: artifacts.yaml names it so, member.yaml reads from it."""
    return f"acm-expiry-artifacts-{account_id}-{region}"


# --- building ----------------------------------------------------------------------------------------


def write_zip(entries: Iterable[tuple[str, Path]], target: Path) -> Path:
    """A reproducible zip of (name in the archive, file) pairs: sorted, fixed time and mode."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(target)
    return target


def _shipped(path: Path) -> bool:
    return "__pycache__" not in path.parts and path.suffix != ".pyc"


def pinned_hashes() -> set[str]:
    """The SHA-256 of every wheel layer-requirements.txt pins."""
    lines = LAYER_REQUIREMENTS.read_text().splitlines()
    return {line.partition(" --hash=sha256:")[2].strip() for line in lines if " --hash=sha256:" in line}


def fetch_wheels(cache: Path = WHEEL_CACHE) -> Path:
    """The pinned wheels in ``cache``, downloaded from the package index only when one is missing."""
    cache.mkdir(parents=True, exist_ok=True)
    present = {sha256(path) for path in cache.glob("*.whl")}
    if not pinned_hashes() <= present:
        subprocess.run(
            [*PIP, "download", "--no-deps", "--require-hashes", "--only-binary=:all:", *TARGET_PLATFORM,
             f"--dest={cache}", "-r", str(LAYER_REQUIREMENTS)],
            check=True,
        )  # fmt: skip
    return cache


def build_layer(dist: Path = DIST) -> Path:
    """The layer zip: the pinned wheels, hash-checked, installed under python/ (Lambda's path for Python)."""
    wheels = fetch_wheels()
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "python"
        subprocess.run(
            # --isolated: no pip configuration, so nothing but the cache can supply a wheel.
            [*PIP, "--isolated", "install", "--no-index", f"--find-links={wheels}", "--no-deps", "--require-hashes",
             "--only-binary=:all:", "--no-compile", *TARGET_PLATFORM, f"--target={site}",
             "-r", str(LAYER_REQUIREMENTS)],
            check=True,
        )  # fmt: skip
        files = [path for path in site.rglob("*") if path.is_file() and _shipped(path)]
        # Console scripts (jmespath's jp.py) are no use to the function.
        files = [path for path in files if path.relative_to(site).parts[0] != "bin"]
        native = [path.name for path in files if path.suffix in (".so", ".pyd")]
        if native:
            raise SystemExit(f"the layer must be pure Python (it serves x86_64 and arm64), found {native}")
        return write_zip(((f"python/{path.relative_to(site).as_posix()}", path) for path in files), dist / LAYER_ZIP)


def build_function(dist: Path = DIST) -> Path:
    """The function zip: the handler module at the root (``ACMExpiryRule.lambda_handler``) and its package.

    Only the rule's Python sources: no tests (``ACMExpiryRule_test.py`` is for ``rdk test-local``), no
    caches, no parameters.json (RDK's, not the function's).
    """
    sources = [path for path in RULE_FOLDER.rglob("*.py") if _shipped(path) and not path.name.endswith("_test.py")]
    return write_zip(((path.relative_to(RULE_FOLDER).as_posix(), path) for path in sources), dist / FUNCTION_ZIP)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def versioned_key(path: Path) -> str:
    """``acm-expiry/<name>-<first 16 hex digits of its SHA-256><suffix>``: new content, new key."""
    stem, _, suffix = path.name.partition(".")
    return f"{KEY_PREFIX}/{stem}-{sha256(path)[:16]}.{suffix}"


# --- releasing ---


# Regions are judged by botocore's own partitions data (the endpoint rules' table: each partition's Regions,
# the pattern of future ones, and its DNS suffix), so a Region AWS adds is placed without an edit here.
@dataclass(frozen=True)
class Partition:
    name: str
    dns_suffix: str


def partition_of(region: str) -> Partition:
    """The partition ``region`` belongs to, or a SystemExit naming the Region."""
    partitions = create_loader().load_data("partitions")["partitions"]
    for partition in partitions:
        if region in partition["regions"] and not region.endswith("-global"):
            return Partition(partition["id"], partition["outputs"]["dnsSuffix"])
    for partition in partitions:
        if re.match(partition["regionRegex"], region):
            return Partition(partition["id"], partition["outputs"]["dnsSuffix"])
    raise SystemExit(f"{region!r} is not a Region of any AWS partition (botocore's partitions data)")


# Where organization.yaml can run. The China Regions lack what it is built on; the other partitions were not
# checked against it, so they are refused rather than guessed at (stage still serves single accounts there).
ORGANIZATION_PARTITIONS = ("aws", "aws-us-gov")
NOT_IN_PARTITION = {
    "aws-cn": (
        "trusted access with AWS Organizations, which service-managed StackSets need, is not supported in the "
        "China (Beijing) and (Ningxia) Regions (CloudFormation User Guide, 'Activate trusted access for stack "
        "sets with Organizations')"
    ),
}


def organization_partition(regions: Sequence[str]) -> Partition:
    """The one partition of ``regions``, if organization.yaml can run there; otherwise a SystemExit saying why."""
    found = {region: partition_of(region) for region in regions}
    names = sorted({partition.name for partition in found.values()})
    if len(names) > 1:
        listing = ", ".join(f"{region} ({partition.name})" for region, partition in found.items())
        raise SystemExit(f"a release stays in one partition (a StackSet does): {listing}")
    partition = found[regions[0]]
    if partition.name not in ORGANIZATION_PARTITIONS:
        missing = NOT_IN_PARTITION.get(
            partition.name, "this project has not checked service-managed StackSets in that partition"
        )
        raise SystemExit(
            f"{regions[0]} is in the {partition.name} partition: {missing}. Deploy the member template as a plain "
            "stack in each account there instead (make stage; deploy/README.md, 'One account, with CloudFormation "
            "alone')."
        )
    return partition


# --- the AWS CLI ---------------------------------------------------------------------------------------


class AwsCli:
    """Runs AWS CLI v2 command lines, printing each first; with ``dry_run`` it only prints them.

    ``ask`` returns a command's output (in a dry run, ``placeholder``); ``ask_if_found`` returns None where
    the AWS CLI reports that the object asked for does not exist (and in a dry run).
    """

    def __init__(self, executable: str = "aws", *, dry_run: bool = False, out: TextIO | None = None) -> None:
        self.executable = executable
        self.dry_run = dry_run
        self.out = out or sys.stdout

    def _print(self, arguments: Sequence[str]) -> None:
        print(shlex.join([self.executable, *arguments]), file=self.out, flush=True)

    def run(self, *arguments: str) -> None:
        self._print(arguments)
        if not self.dry_run:
            subprocess.run([self.executable, *arguments], check=True)

    def ask(self, *arguments: str, placeholder: str) -> str:
        self._print(arguments)
        if self.dry_run:
            return placeholder
        answer = subprocess.run([self.executable, *arguments], check=True, capture_output=True, text=True)
        return answer.stdout.strip()

    def run_tolerating(self, error_code: str, *arguments: str) -> bool:
        """Runs the command; False when it failed with ``error_code`` (any other failure is a SystemExit)."""
        self._print(arguments)
        if self.dry_run:
            return True
        answer = subprocess.run([self.executable, *arguments], check=False, capture_output=True, text=True)
        if answer.returncode == 0:
            return True
        if f"({error_code})" in answer.stderr:
            return False
        raise SystemExit(f"{shlex.join([self.executable, *arguments])} failed: {answer.stderr.strip()}")

    def ask_if_found(self, *arguments: str) -> str | None:
        self._print(arguments)
        if self.dry_run:
            return None
        answer = subprocess.run([self.executable, *arguments], check=False, capture_output=True, text=True)
        if answer.returncode == 0:
            return answer.stdout.strip()
        if NOT_FOUND.search(answer.stderr):
            return None
        raise SystemExit(f"{shlex.join([self.executable, *arguments])} failed: {answer.stderr.strip()}")


# How the AWS CLI reports a missing object: HeadObject answers a bare 404 ("An error occurred (404) when calling
# the HeadObject operation: Not Found"), the other calls NoSuchKey / NoSuchBucket.
NOT_FOUND = re.compile(r"\(404\)|Not Found|NoSuchKey")
NO_VERSION = ("", "None", "null")


# --- pinning the artifacts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pins:
    """What one Region's stacks run: each zip's key in the Region's bucket and the S3 version the release pinned."""

    function_key: str
    function_version: str
    layer_key: str
    layer_version: str

    def as_mapping(self) -> dict[str, str]:
        return {
            "FunctionKey": self.function_key,
            "FunctionVersion": self.function_version,
            "LayerKey": self.layer_key,
            "LayerVersion": self.layer_version,
        }


def sha256_base64(path: Path) -> str:
    """The SHA-256 as S3 takes and returns it (x-amz-checksum-sha256: base64 of the digest)."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def upload(aws: AwsCli, account_id: str, region: str, path: Path, key: str) -> str:
    """The S3 version of ``path`` under ``key`` in the Region's bucket, uploaded unless already there.

    The key's latest version is reused when S3's own SHA-256 of it is the file's (so a release that changed
    nothing pins nothing new and the StackSets update nothing); otherwise the file is uploaded with its
    SHA-256, which S3 checks on arrival, and the version S3 assigned is returned. Every call names the bucket's
    owner: a bucket of that name in another account (names are global) gets nothing and answers nothing.
    """
    bucket = artifact_bucket(account_id, region)
    digest = sha256_base64(path)
    owner = ("--region", region, "--expected-bucket-owner", account_id)
    found = aws.ask_if_found(
        "s3api", "head-object", "--bucket", bucket, "--key", key, *owner, "--checksum-mode", "ENABLED",
        "--query", "[VersionId, ChecksumSHA256]", "--output", "text",
    )  # fmt: skip
    if found:
        version, _, checksum = found.partition("\t")
        if checksum.strip() == digest and version not in NO_VERSION:
            return version
    version = aws.ask(
        "s3api", "put-object", "--bucket", bucket, "--key", key, "--body", str(path), *owner,
        "--checksum-sha256", digest, "--query", "VersionId", "--output", "text",
        placeholder=f"<VersionId of s3://{bucket}/{key}>",
    )  # fmt: skip
    if version in NO_VERSION:
        raise SystemExit(
            f"s3://{bucket} is not versioned, so nothing can be pinned: deploy the stack deploy/artifacts.yaml there"
        )
    return version


def sign(aws: AwsCli, account_id: str, region: str, profile: str, key: str, version: str) -> tuple[str, str]:
    """The key and S3 version of ``key`` signed by the AWS Signer profile ``profile`` of the Region.

    Signer writes the signed copy under a prefix the release names (``acm-expiry/signed/<name>-``, inside what
    the bucket policy lets the StackSets roles read) and a key of its own; a copy already signed for this
    content is reused, as Lambda checks the signature itself at every deployment.
    """
    bucket = artifact_bucket(account_id, region)
    owner = ("--region", region, "--expected-bucket-owner", account_id)
    prefix = f"{KEY_PREFIX}/signed/{Path(key).stem}-"
    signed = aws.ask_if_found(
        "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix, *owner,
        "--query", "Contents[0].Key", "--output", "text",
    )  # fmt: skip
    if not signed or signed in NO_VERSION:
        job = aws.ask(
            "signer", "start-signing-job", "--region", region, "--profile-name", profile,
            "--source", f"s3={{bucketName={bucket},key={key},version={version}}}",
            "--destination", f"s3={{bucketName={bucket},prefix={prefix}}}",
            "--query", "jobId", "--output", "text", placeholder=f"<signing job of s3://{bucket}/{key}>",
        )  # fmt: skip
        aws.run("signer", "wait", "successful-signing-job", "--job-id", job, "--region", region)
        signed = aws.ask(
            "signer", "describe-signing-job", "--job-id", job, "--region", region,
            "--query", "signedObject.s3.key", "--output", "text", placeholder=f"{prefix}<signing job>.zip",
        )  # fmt: skip
    signed_version = aws.ask(
        "s3api", "head-object", "--bucket", bucket, "--key", signed, *owner, "--query", "VersionId", "--output", "text",
        placeholder=f"<VersionId of s3://{bucket}/{signed}>",
    )  # fmt: skip
    return signed, signed_version


# The line of member.yaml's Artifacts mapping that names no Region; the released copy replaces it.
UNRELEASED = "    unreleased: {FunctionKey: none, FunctionVersion: none, LayerKey: none, LayerVersion: none}\n"


def render_member_template(pins: Mapping[str, Pins], template: Path = MEMBER_TEMPLATE) -> str:
    """member.yaml as released: its Artifacts mapping holds each Region's keys and versions (JSON flow mappings,
    which YAML reads as they are; json.dumps escapes whatever a version id holds)."""
    if not pins:
        raise SystemExit("no Region to release to")
    text = template.read_text()
    if text.count(UNRELEASED) != 1:
        raise SystemExit(f"{template} lost its Artifacts placeholder line ({UNRELEASED.strip()!r})")
    lines = "".join(f"    {region}: {json.dumps(pins[region].as_mapping())}\n" for region in sorted(pins))
    return text.replace(UNRELEASED, lines)


@dataclass(frozen=True)
class Staged:
    """The artifacts of a release, in place: each Region's pins, the member template that carries them, and the
    signing profile versions whose signatures the functions will require (empty: no signing)."""

    pins: Mapping[str, Pins]
    member_template: Path
    signing_profile_versions: tuple[str, ...] = ()


def stage(
    aws: AwsCli,
    account_id: str,
    regions: Sequence[str],
    layer: Path,
    function: Path,
    dist: Path,
    signing_profile: str = "",
) -> Staged:
    """Both zips in every Region's bucket (signed there too, with ``signing_profile``), pinned, and
    ``dist/member.yaml`` rendered with the pins."""
    if signing_profile and len(regions) > MAX_SIGNING_PROFILES:
        raise SystemExit(
            f"code signing allows {MAX_SIGNING_PROFILES} signing profile versions per function, and each Region has "
            f"its own profile: release to at most {MAX_SIGNING_PROFILES} Regions with --signing-profile"
        )
    pins: dict[str, Pins] = {}
    profiles: list[str] = []
    for region in regions:
        pinned: dict[str, tuple[str, str]] = {}
        for name, path in (("function", function), ("layer", layer)):
            key = versioned_key(path)
            version = upload(aws, account_id, region, path, key)
            pinned[name] = (
                sign(aws, account_id, region, signing_profile, key, version) if signing_profile else (key, version)
            )
        pins[region] = Pins(*pinned["function"], *pinned["layer"])
        if signing_profile:
            profiles.append(signing_profile_version(aws, signing_profile, region))
    dist.mkdir(parents=True, exist_ok=True)
    member = dist / "member.yaml"
    member.write_text(render_member_template(pins))
    return Staged(pins, member, tuple(profiles))


def signing_profile_version(aws: AwsCli, profile: str, region: str) -> str:
    """The ARN of the profile's current version in the Region, which the functions' code signing names."""
    return aws.ask(
        "signer", "get-signing-profile", "--profile-name", profile, "--region", region,
        "--query", "profileVersionArn", "--output", "text", placeholder=f"<{profile} in {region}>",
    )  # fmt: skip


# AllowedPublishers takes at most 20 signing profile versions (Lambda API Reference, AllowedPublishers).
MAX_SIGNING_PROFILES = 20


@dataclass(frozen=True)
class Release:
    """One release of the rule to an organization, as AWS CLI command lines."""

    account_id: str
    organization_id: str
    regions: tuple[str, ...]
    home_region: str
    layer: Path
    function: Path
    alerts_template: Path = ALERTS_TEMPLATE
    stack_name: str = ORGANIZATION_STACK
    target_ous: str = ""
    parameters: tuple[str, ...] = ()
    signing_profile: str = ""
    reader_account_ids: str = ""

    def __post_init__(self) -> None:
        if self.home_region not in self.regions:
            raise SystemExit(
                f"the home Region {self.home_region} must be one of the Regions ({', '.join(self.regions)})"
            )
        organization_partition(self.regions)

    @property
    def partition(self) -> Partition:
        return partition_of(self.home_region)

    def template_url(self, key: str) -> str:
        bucket = artifact_bucket(self.account_id, self.home_region)
        return f"https://{bucket}.s3.{self.home_region}.{self.partition.dns_suffix}/{key}"

    def _parameter(self, name: str, default: str) -> str:
        given = [item.split("=", 1)[1] for item in self.parameters if item.startswith(f"{name}=")]
        return given[-1] if given else default

    def bucket_commands(self) -> list[list[str]]:
        overrides = [f"OrganizationId={self.organization_id}"]
        if self.reader_account_ids:
            overrides.append(f"ReaderAccountIds={self.reader_account_ids}")
        return [
            [
                "cloudformation", "deploy", "--region", region, "--stack-name", ARTIFACTS_STACK,
                "--template-file", str(ARTIFACTS_TEMPLATE), "--no-fail-on-empty-changeset",
                "--parameter-overrides", *overrides,
            ]
            for region in self.regions
        ]  # fmt: skip

    def organization_command(self, staged: Staged, member_key: str, alerts_key: str) -> list[str]:
        overrides = [
            f"ArtifactBucketAccount={self.account_id}",
            f"TargetRegions={','.join(self.regions)}",
            f"MemberTemplateURL={self.template_url(member_key)}",
            f"AlertsTemplateURL={self.template_url(alerts_key)}",
            f"SigningProfileVersionArns={','.join(staged.signing_profile_versions)}",
            *([f"TargetOrganizationalUnitIds={self.target_ous}"] if self.target_ous else []),
            *self.parameters,
        ]
        return [
            "cloudformation", "deploy", "--region", self.home_region, "--stack-name", self.stack_name,
            "--template-file", str(ORGANIZATION_TEMPLATE), "--no-fail-on-empty-changeset",
            "--parameter-overrides", *overrides,
        ]  # fmt: skip

    def stack_sets(self) -> list[str]:
        names = [f"{self.stack_name}-rule"]
        if self._parameter("Alerts", "true") == "true":
            names.append(f"{self.stack_name}-alerts")
        return names

    def status_command(self, stack_set: str) -> list[str]:
        """The stack instances of ``stack_set`` that are not CURRENT, one per line (the AWS CLI pages for itself)."""
        return [
            "cloudformation", "list-stack-instances", "--region", self.home_region, "--stack-set-name", stack_set,
            "--call-as", self._parameter("CallAs", "SELF"),
            "--query", "Summaries[?Status!='CURRENT'].[Account, Region, Status, StackInstanceStatus.DetailedStatus, "
            "StatusReason]",
            "--output", "text",
        ]  # fmt: skip

    def run(self, aws: AwsCli, dist: Path) -> list[str]:
        """The release, step by step; returns the stack instances left not CURRENT (tab-separated lines)."""
        for command in self.bucket_commands():
            aws.run(*command)
        staged = stage(aws, self.account_id, self.regions, self.layer, self.function, dist, self.signing_profile)
        keys = {}
        for template in (staged.member_template, self.alerts_template):
            keys[template] = versioned_key(template)
            upload(aws, self.account_id, self.home_region, template, keys[template])
        aws.run(*self.organization_command(staged, keys[staged.member_template], keys[self.alerts_template]))
        failed: list[str] = []
        for stack_set in self.stack_sets():
            answer = aws.ask(*self.status_command(stack_set), placeholder="")
            failed += [f"{stack_set}\t{line}" for line in answer.splitlines() if line.strip()]
        return failed


def _ask(aws: str, *arguments: str) -> str:
    return subprocess.run([aws, *arguments], check=True, capture_output=True, text=True).stdout.strip()


def _zips(arguments: argparse.Namespace) -> tuple[Path, Path]:
    dist = Path(arguments.dist)
    layer, function = (
        (dist / LAYER_ZIP, dist / FUNCTION_ZIP) if arguments.no_build else (build_layer(dist), build_function(dist))
    )
    for artifact in (layer, function):
        if not artifact.is_file():
            raise SystemExit(f"{artifact} is missing: run `make layer package`, or leave out --no-build")
    return layer, function


def release(arguments: argparse.Namespace) -> None:
    organization_partition(arguments.regions)  # before anything is built or asked
    layer, function = _zips(arguments)
    if arguments.dry_run and not (arguments.account_id and arguments.organization_id):
        raise SystemExit("--dry-run calls nothing: give --account-id and --organization-id")
    account_id = arguments.account_id or _ask(
        arguments.aws, "sts", "get-caller-identity", "--query", "Account", "--output", "text"
    )
    organization_id = arguments.organization_id or _ask(
        arguments.aws, "organizations", "describe-organization", "--query", "Organization.Id", "--output", "text"
    )
    plan = Release(
        account_id=account_id,
        organization_id=organization_id,
        regions=tuple(arguments.regions),
        home_region=arguments.home_region or arguments.regions[0],
        layer=layer,
        function=function,
        stack_name=arguments.stack_name,
        target_ous=arguments.target_ous,
        parameters=tuple(arguments.parameter),
        signing_profile=arguments.signing_profile,
        reader_account_ids=arguments.reader_account_ids,
    )
    failed = plan.run(AwsCli(arguments.aws, dry_run=arguments.dry_run), Path(arguments.dist))
    if failed:
        print("Stack instances not CURRENT (StackSet, account, Region, status, detailed status, reason):")
        print("\n".join(failed))
        raise SystemExit(
            f"release: {len(failed)} stack instance(s) did not take this release; the others did. Fix the cause and "
            "retry them (deploy/README.md, 'A stack instance that failed')."
        )


def stage_command(arguments: argparse.Namespace) -> None:
    layer, function = _zips(arguments)
    for region in arguments.regions:
        partition_of(region)
    aws = AwsCli(arguments.aws, dry_run=arguments.dry_run)
    account_id = arguments.account_id or (
        "<account>" if arguments.dry_run else _ask(arguments.aws, "sts", "get-caller-identity", "--query", "Account",
                                                   "--output", "text")
    )  # fmt: skip
    staged = stage(aws, account_id, arguments.regions, layer, function, Path(arguments.dist), arguments.signing_profile)
    print(f"{staged.member_template}: deploy it as a plain stack in {', '.join(arguments.regions)} (deploy/README.md)")
    if staged.signing_profile_versions:
        print(f"with SigningProfileVersionArns={','.join(staged.signing_profile_versions)}")


def log_retention(arguments: argparse.Namespace) -> None:
    """The RDK path's log group, with a retention: Lambda makes /aws/lambda/<function> with none on the function's
    first run, and a template creating it would fail once it exists, so this creates it only when missing."""
    aws = AwsCli(arguments.aws, dry_run=arguments.dry_run)
    group = f"/aws/lambda/{arguments.function_name}"
    region = ("--region", arguments.region) if arguments.region else ()
    # CreateLogGroup answers ResourceAlreadyExistsException when Lambda (or an earlier run) made the group.
    aws.run_tolerating("ResourceAlreadyExistsException", "logs", "create-log-group", *region, "--log-group-name", group)
    aws.run(
        "logs", "put-retention-policy", *region, "--log-group-name", group, "--retention-in-days", str(arguments.days)
    )


def _aws_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--aws", default="aws", help="the AWS CLI v2 executable")
    command.add_argument("--dry-run", action="store_true", help="print the AWS CLI commands, run none")


def _artifact_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--regions", nargs="+", required=True, help="every Region the rule runs in")
    command.add_argument("--account-id", help="the releasing account (default: aws sts get-caller-identity)")
    command.add_argument("--dist", default=str(DIST))
    command.add_argument("--no-build", action="store_true", help="ship the zips already in --dist")
    command.add_argument(
        "--signing-profile",
        default="",
        metavar="NAME",
        help="an AWS Signer profile of this name in every Region signs both zips, and the functions accept "
        "nothing else (deploy/README.md, 'Code signing')",
    )
    _aws_options(command)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="deploy/artifacts.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, what in (("layer", "the Lambda layer zip"), ("function", "the function zip")):
        command = commands.add_parser(name, help=f"build {what} under --dist")
        command.add_argument("--dist", default=str(DIST))
    ship = commands.add_parser("release", help="build both zips and roll them out to the organization")
    _artifact_options(ship)
    ship.add_argument("--home-region", help="where the organization stack lives (default: the first Region)")
    ship.add_argument("--stack-name", default=ORGANIZATION_STACK)
    ship.add_argument("--target-ous", default="", help="comma-separated OU or root ids (first release; kept after)")
    ship.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE", help="organization.yaml")
    ship.add_argument("--organization-id", help="default: aws organizations describe-organization")
    ship.add_argument(
        "--reader-account-ids",
        default="",
        metavar="IDS",
        help="artifacts.yaml ReaderAccountIds: accounts whose plain stacks read the artifacts (the management "
        "account, when releasing from a delegated administrator)",
    )
    staging = commands.add_parser(
        "stage", help="upload and pin both zips in existing buckets and write dist/member.yaml (one account)"
    )
    _artifact_options(staging)
    logs = commands.add_parser(
        "log-retention", help="give the RDK function's log group a retention (creating the group if missing)"
    )
    logs.add_argument("--function-name", default="RDK-Rule-Function-ACMExpiryRule")
    logs.add_argument("--days", type=int, default=365, choices=LOG_RETENTION_DAYS, metavar="DAYS")
    logs.add_argument("--region", help="default: the AWS CLI's")
    _aws_options(logs)
    arguments = parser.parse_args(argv)
    if arguments.command == "layer":
        print(build_layer(Path(arguments.dist)))
    elif arguments.command == "function":
        print(build_function(Path(arguments.dist)))
    elif arguments.command == "stage":
        stage_command(arguments)
    elif arguments.command == "log-retention":
        log_retention(arguments)
    else:
        release(arguments)


# What CloudWatch Logs accepts as a retention (PutRetentionPolicy), as member.yaml's LogRetentionDays.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)  # fmt: skip


if __name__ == "__main__":
    main()
