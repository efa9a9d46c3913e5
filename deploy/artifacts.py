"""Build the rule's two Lambda artifacts and ship a new version to an organization in one command.

    python deploy/artifacts.py layer      dist/acm-expiry-layer.zip: python/ holding the pinned SDK and rdklib
    python deploy/artifacts.py function   dist/acm-expiry-function.zip: ACMExpiryRule.py and acm_expiry/
    python deploy/artifacts.py release --regions us-east-1 eu-west-1 [--dry-run] ...

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
   ``acm-expiry-artifacts-<account>-<region>``, readable by the organization). Lambda takes code only
   from a bucket in the function's own Region, hence one bucket per Region;
2. in each Region: the two zips, under keys named by their SHA-256, so a new version is a new key and
   an old one stays for rollback;
3. in the home Region: the member and alerts templates, the same way (StackSets read them from S3);
4. ``deploy/organization.yaml`` as stack ``acm-expiry-organization`` with the new keys: CloudFormation
   updates the StackSets, which roll the new code out to every account and Region they target.

Every AWS call is an AWS CLI command line; ``--dry-run`` prints them instead of running them.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

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


# --- releasing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """One release of the rule to an organization: what goes where, as AWS CLI command lines."""

    account_id: str
    organization_id: str
    regions: tuple[str, ...]
    home_region: str
    layer: Path
    function: Path
    member_template: Path = MEMBER_TEMPLATE
    alerts_template: Path = ALERTS_TEMPLATE
    stack_name: str = ORGANIZATION_STACK
    target_ous: str = ""
    parameters: tuple[str, ...] = ()

    def template_url(self, template: Path) -> str:
        bucket = artifact_bucket(self.account_id, self.home_region)
        return f"https://{bucket}.s3.{self.home_region}.amazonaws.com/{versioned_key(template)}"

    def commands(self, aws: str = "aws") -> list[list[str]]:
        commands = [
            [
                aws, "cloudformation", "deploy", "--region", region, "--stack-name", ARTIFACTS_STACK,
                "--template-file", str(ARTIFACTS_TEMPLATE), "--no-fail-on-empty-changeset",
                "--parameter-overrides", f"OrganizationId={self.organization_id}",
            ]
            for region in self.regions
        ]  # fmt: skip
        uploads = [(region, artifact) for region in self.regions for artifact in (self.layer, self.function)]
        uploads += [(self.home_region, template) for template in (self.member_template, self.alerts_template)]
        for region, artifact in uploads:
            bucket = artifact_bucket(self.account_id, region)
            commands.append(
                [
                    aws, "s3", "cp", str(artifact), f"s3://{bucket}/{versioned_key(artifact)}", "--region", region,
                    # A bucket of that name in another account (S3 names are global) gets nothing.
                    "--expected-bucket-owner", self.account_id,
                ]
            )  # fmt: skip
        overrides = [
            f"ArtifactBucketAccount={self.account_id}",
            f"TargetRegions={','.join(self.regions)}",
            f"LayerKey={versioned_key(self.layer)}",
            f"FunctionKey={versioned_key(self.function)}",
            f"MemberTemplateURL={self.template_url(self.member_template)}",
            f"AlertsTemplateURL={self.template_url(self.alerts_template)}",
            *([f"TargetOrganizationalUnitIds={self.target_ous}"] if self.target_ous else []),
            *self.parameters,
        ]
        commands.append(
            [
                aws, "cloudformation", "deploy", "--region", self.home_region, "--stack-name", self.stack_name,
                "--template-file", str(ORGANIZATION_TEMPLATE), "--no-fail-on-empty-changeset",
                "--parameter-overrides", *overrides,
            ]
        )  # fmt: skip
        return commands


def _ask(aws: str, *arguments: str) -> str:
    return subprocess.run([aws, *arguments], check=True, capture_output=True, text=True).stdout.strip()


def release(arguments: argparse.Namespace) -> None:
    dist = Path(arguments.dist)
    layer, function = (
        (dist / LAYER_ZIP, dist / FUNCTION_ZIP) if arguments.no_build else (build_layer(dist), build_function(dist))
    )
    for artifact in (layer, function):
        if not artifact.is_file():
            raise SystemExit(f"{artifact} is missing: run `make layer package`, or leave out --no-build")
    if arguments.dry_run and not (arguments.account_id and arguments.organization_id):
        raise SystemExit("--dry-run calls nothing: give --account-id and --organization-id")
    aws = arguments.aws
    account_id = arguments.account_id or _ask(
        aws, "sts", "get-caller-identity", "--query", "Account", "--output", "text"
    )
    organization_id = arguments.organization_id or _ask(
        aws, "organizations", "describe-organization", "--query", "Organization.Id", "--output", "text"
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
    )
    for command in plan.commands(aws):
        print(shlex.join(command), flush=True)
        if not arguments.dry_run:
            subprocess.run(command, check=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="deploy/artifacts.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, what in (("layer", "the Lambda layer zip"), ("function", "the function zip")):
        command = commands.add_parser(name, help=f"build {what} under --dist")
        command.add_argument("--dist", default=str(DIST))
    ship = commands.add_parser("release", help="build both zips and roll them out to the organization")
    ship.add_argument("--regions", nargs="+", required=True, help="every Region the rule runs in")
    ship.add_argument("--home-region", help="where the organization stack lives (default: the first Region)")
    ship.add_argument("--stack-name", default=ORGANIZATION_STACK)
    ship.add_argument("--target-ous", default="", help="comma-separated OU or root ids (first release; kept after)")
    ship.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE", help="organization.yaml")
    ship.add_argument("--account-id", help="default: aws sts get-caller-identity")
    ship.add_argument("--organization-id", help="default: aws organizations describe-organization")
    ship.add_argument("--aws", default="aws", help="the AWS CLI v2 executable")
    ship.add_argument("--dist", default=str(DIST))
    ship.add_argument("--no-build", action="store_true", help="ship the zips already in --dist")
    ship.add_argument("--dry-run", action="store_true", help="print the AWS CLI commands, run none")
    arguments = parser.parse_args(argv)
    if arguments.command == "layer":
        print(build_layer(Path(arguments.dist)))
    elif arguments.command == "function":
        print(build_function(Path(arguments.dist)))
    else:
        release(arguments)


if __name__ == "__main__":
    main()
