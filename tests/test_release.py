"""`make release`: a new version of the code is one command (deploy/artifacts.py release).

Nothing here reaches AWS: the command lines are read from ``--dry-run``, and a stand-in ``aws`` executable
answers as the AWS CLI v2 does for the calls the release makes (``--query ... --output text`` answers, a missing
object's 404 on stderr, S3 versions per bucket, S3's stored SHA-256) and records every call. What is left unproven
offline is AWS's side: that CloudFormation accepts the stacks and StackSets roll the update out
(tests/test_organization.py runs the release's uploads and the member template through moto as far as moto goes).
"""

from __future__ import annotations

import json
import shlex
import stat
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import artifacts
from tests.support.templates import Resolver, load
from tests.test_deploy import assert_lints_clean as lints_clean

ACCOUNT = "210987654321"
ORGANIZATION = "o-exampleorg1"
REGIONS = ("us-east-1", "eu-west-1")

# The stand-in AWS CLI. State (objects with their versions and SHA-256, log groups, the answers a test scripts) is a
# JSON file beside it; every call is appended to calls.jsonl.
FAKE_AWS = r"""
import json, sys
from pathlib import Path

here = Path(__file__).parent
args = sys.argv[1:]
with open(here / "calls.jsonl", "a") as log:
    log.write(json.dumps(args) + "\n")
state_file = here / "state.json"
state = json.loads(state_file.read_text())

def option(name):
    return args[args.index(name) + 1] if name in args else None

def fail(message):
    sys.stderr.write("\n" + message + "\n")
    sys.exit(254)

def save():
    state_file.write_text(json.dumps(state))

command = tuple(args[:2])
objects = state.setdefault("objects", {})
where = f"{option('--bucket')}/{option('--key')}"
if command == ("sts", "get-caller-identity"):
    print(state["account"])
elif command == ("organizations", "describe-organization"):
    print(state["organization"])
elif command == ("s3api", "head-object"):
    if where not in objects:
        fail("An error occurred (404) when calling the HeadObject operation: Not Found")
    version, checksum = objects[where][-1]
    print(version if option("--query") == "VersionId" else f"{version}\t{checksum}")
elif command == ("s3api", "put-object"):
    if option("--bucket") in state.get("unversioned", []):
        objects[where] = [["null", option("--checksum-sha256")]]
        save()
        print("None")
    else:
        version = f"v{sum(len(v) for v in objects.values()) + 1}-{option('--region')}"
        objects.setdefault(where, []).append([version, option("--checksum-sha256")])
        save()
        print(version)
elif command == ("s3api", "list-objects-v2"):
    found = sorted(key for key in objects if key.startswith(f"{option('--bucket')}/{option('--prefix')}"))
    print(found[0].split("/", 1)[1] if found else "None")
elif command == ("signer", "get-signing-profile"):
    print(f"arn:aws:signer:{option('--region')}:{state['account']}:/signing-profiles/{option('--profile-name')}/a1b2c3d4e5")
elif command == ("signer", "start-signing-job"):
    source = dict(item.split("=", 1) for item in option("--source")[4:-1].split(","))
    destination = dict(item.split("=", 1) for item in option("--destination")[4:-1].split(","))
    job = f"job{len(state.setdefault('jobs', {})) + 1}"
    state["jobs"][job] = [destination["bucketName"], destination["prefix"] + job + ".zip", source["version"]]
    save()
    print(job)
elif command == ("signer", "wait"):
    bucket, key, _ = state["jobs"][option("--job-id")]
    objects.setdefault(f"{bucket}/{key}", []).append([f"signed-{option('--job-id')}", "none"])
    save()
elif command == ("signer", "describe-signing-job"):
    print(state["jobs"][option("--job-id")][1])
elif command == ("cloudformation", "list-stack-instances"):
    print("\n".join(state.get("not_current", {}).get(option("--stack-set-name"), [])))
elif command == ("logs", "create-log-group"):
    if option("--log-group-name") in state.get("log_groups", []):
        fail("An error occurred (ResourceAlreadyExistsException) when calling the CreateLogGroup operation: exists")
    if state.get("logs_denied"):
        fail("An error occurred (AccessDeniedException) when calling the CreateLogGroup operation: denied")
    state.setdefault("log_groups", []).append(option("--log-group-name"))
    save()
"""


class FakeAws:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "aws"
        self.path.write_text(f"#!{sys.executable}\n{FAKE_AWS}")
        self.path.chmod(self.path.stat().st_mode | stat.S_IEXEC)
        self.state_file = folder / "state.json"
        self.state_file.write_text(json.dumps({"account": ACCOUNT, "organization": ORGANIZATION}))
        (folder / "calls.jsonl").write_text("")

    @property
    def state(self) -> dict[str, Any]:
        return dict(json.loads(self.state_file.read_text()))

    def set(self, **values: Any) -> None:
        self.state_file.write_text(json.dumps(self.state | values))

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in (self.folder / "calls.jsonl").read_text().splitlines()]

    def clear(self) -> None:
        (self.folder / "calls.jsonl").write_text("")


def fake_dist(folder: Path, code: str = "def lambda_handler(event, context): ...\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, entry, text in (
        (artifacts.LAYER_ZIP, "python/boto3/__init__.py", "__version__ = '1.44.8'\n"),
        (artifacts.FUNCTION_ZIP, "ACMExpiryRule.py", code),
    ):
        with zipfile.ZipFile(folder / name, "w") as archive:
            archive.writestr(zipfile.ZipInfo(entry, date_time=artifacts.ZIP_EPOCH), text)
    return folder


def release_lines(capsys: pytest.CaptureFixture[str], dist: Path, *extra: str) -> list[list[str]]:
    artifacts.main(
        ["release", "--regions", *REGIONS, "--dist", str(dist), "--no-build", "--dry-run", "--account-id", ACCOUNT,
         "--organization-id", ORGANIZATION, *extra]
    )  # fmt: skip
    return [shlex.split(line) for line in capsys.readouterr().out.splitlines()]


def run_release(aws: FakeAws, dist: Path, *extra: str) -> None:
    artifacts.main(
        ["release", "--regions", *REGIONS, "--dist", str(dist), "--no-build", "--aws", str(aws.path), *extra]
    )


def overrides_of(command: list[str]) -> dict[str, str]:
    at = command.index("--parameter-overrides")
    return dict(item.split("=", 1) for item in command[at + 1 :])


def organization_call(calls: list[list[str]]) -> list[str]:
    (deploy,) = [c for c in calls if c[:2] == ["cloudformation", "deploy"] and "acm-expiry-organization" in c]
    return deploy


def puts(calls: list[list[str]]) -> list[str]:
    return [c[c.index("--key") + 1] for c in calls if c[:2] == ["s3api", "put-object"]]


# --- the command lines --------------------------------------------------------------------------------------


def test_release_ensures_buckets_uploads_pins_then_updates_the_organization_stack(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dist = fake_dist(tmp_path / "dist")
    lines = release_lines(capsys, dist, "--target-ous", "r-ab12")
    assert all(line[0] == "aws" for line in lines)
    lines = [line[1:] for line in lines]
    buckets = lines[:2]
    for region, command in zip(REGIONS, buckets, strict=True):
        assert command[:3] == ["cloudformation", "deploy", "--region"] and command[3] == region
        assert command[command.index("--template-file") + 1] == str(artifacts.ARTIFACTS_TEMPLATE)
        assert overrides_of(command) == {"OrganizationId": ORGANIZATION}
        Resolver(load("artifacts.yaml"), overrides_of(command))  # values the template accepts
    # Each zip in each Region: asked for first (S3's SHA-256 of what the key holds), uploaded with its SHA-256.
    uploads = [line for line in lines if line[:2] == ["s3api", "put-object"]]
    expected = [
        (region, dist / name) for region in REGIONS for name in (artifacts.FUNCTION_ZIP, artifacts.LAYER_ZIP)
    ] + [("us-east-1", dist / "member.yaml"), ("us-east-1", artifacts.ALERTS_TEMPLATE)]
    assert [(u[u.index("--region") + 1], Path(u[u.index("--body") + 1])) for u in uploads] == expected
    for upload in uploads:
        body = Path(upload[upload.index("--body") + 1])
        region = upload[upload.index("--region") + 1]
        assert upload[upload.index("--bucket") + 1] == f"acm-expiry-artifacts-{ACCOUNT}-{region}"
        assert upload[upload.index("--key") + 1] == artifacts.versioned_key(body)
        assert upload[upload.index("--expected-bucket-owner") + 1] == ACCOUNT
        assert upload[upload.index("--checksum-sha256") + 1] == artifacts.sha256_base64(body)
    heads = [line for line in lines if line[:2] == ["s3api", "head-object"]]
    assert len(heads) == len(uploads)
    assert all(head[head.index("--expected-bucket-owner") + 1] == ACCOUNT for head in heads)

    organization = organization_call(lines)
    assert organization[:4] == ["cloudformation", "deploy", "--region", "us-east-1"]
    parameters = overrides_of(organization)
    base = f"https://acm-expiry-artifacts-{ACCOUNT}-us-east-1.s3.us-east-1.amazonaws.com"
    assert parameters == {
        "ArtifactBucketAccount": ACCOUNT,
        "TargetRegions": "us-east-1,eu-west-1",
        "MemberTemplateURL": f"{base}/{artifacts.versioned_key(dist / 'member.yaml')}",
        "AlertsTemplateURL": f"{base}/{artifacts.versioned_key(artifacts.ALERTS_TEMPLATE)}",
        "SigningProfileVersionArns": "",
        "TargetOrganizationalUnitIds": "r-ab12",
    }
    resolver = Resolver(load("organization.yaml"), parameters)  # names and patterns the template takes
    assert resolver.values["TargetRegions"] == list(REGIONS)
    assert "--no-fail-on-empty-changeset" in organization
    # Last: every stack instance of both StackSets that is not CURRENT.
    statuses = lines[lines.index(organization) + 1 :]
    assert [s[s.index("--stack-set-name") + 1] for s in statuses] == [
        "acm-expiry-organization-rule",
        "acm-expiry-organization-alerts",
    ]
    assert all("Summaries[?Status!='CURRENT']" in s[s.index("--query") + 1] for s in statuses)


def test_a_dry_run_needs_the_account_and_organization(tmp_path: Path) -> None:
    dist = fake_dist(tmp_path / "dist")
    with pytest.raises(SystemExit, match="--account-id and --organization-id"):
        artifacts.main(["release", "--regions", "us-east-1", "--dist", str(dist), "--no-build", "--dry-run"])


def test_release_refuses_missing_zips(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="make layer package"):
        artifacts.main(["release", "--regions", "us-east-1", "--dist", str(tmp_path), "--no-build", "--dry-run"])


# --- running it -------------------------------------------------------------------------------------------


def test_release_runs_the_commands_it_prints_and_asks_aws_for_the_account_and_organization(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    aws = FakeAws(tmp_path / "bin")
    dist = fake_dist(tmp_path / "dist")
    run_release(aws, dist)
    printed = [shlex.split(line) for line in capsys.readouterr().out.splitlines()]
    calls = aws.calls()
    assert calls[0] == ["sts", "get-caller-identity", "--query", "Account", "--output", "text"]
    assert calls[1] == ["organizations", "describe-organization", "--query", "Organization.Id", "--output", "text"]
    assert calls[2:] == [command[1:] for command in printed]


def test_each_region_is_pinned_to_its_own_versions(tmp_path: Path) -> None:
    """One bucket per Region, so the same zip has a different S3 version in each: the released member template
    maps each Region to the versions its own bucket assigned."""
    aws = FakeAws(tmp_path / "bin")
    dist = fake_dist(tmp_path / "dist")
    run_release(aws, dist)
    mapping = load(str(dist / "member.yaml"))["Mappings"]["Artifacts"]
    objects = aws.state["objects"]
    for region in REGIONS:
        bucket = f"acm-expiry-artifacts-{ACCOUNT}-{region}"
        for name, key_field, version_field in (
            (artifacts.FUNCTION_ZIP, "FunctionKey", "FunctionVersion"),
            (artifacts.LAYER_ZIP, "LayerKey", "LayerVersion"),
        ):
            key = artifacts.versioned_key(dist / name)
            assert mapping[region][key_field] == key
            assert mapping[region][version_field] == objects[f"{bucket}/{key}"][-1][0]
            assert mapping[region][version_field].endswith(region)
    assert set(mapping) == set(REGIONS)
    lints_clean(dist / "member.yaml")  # the released copy is a template CloudFormation takes


def test_a_release_without_changes_uploads_nothing_and_changes_nothing(tmp_path: Path) -> None:
    """The keys are content hashes and S3 keeps each object's SHA-256: the same code again is found, its version
    reused, and organization.yaml gets the very same parameters (CloudFormation has nothing to update). Changed
    code is a new key, a new version, and a new member template."""
    aws = FakeAws(tmp_path / "bin")
    run_release(aws, fake_dist(tmp_path / "a"))
    first = overrides_of(organization_call(aws.calls()))
    aws.clear()
    run_release(aws, fake_dist(tmp_path / "b"))
    assert puts(aws.calls()) == []
    assert overrides_of(organization_call(aws.calls())) == first
    # Later releases leave the OUs out: `aws cloudformation deploy` keeps a parameter's previous value.
    assert "TargetOrganizationalUnitIds" not in first
    aws.clear()
    changed = fake_dist(tmp_path / "c", code="# v2\n")
    run_release(aws, changed)
    function_key = artifacts.versioned_key(changed / artifacts.FUNCTION_ZIP)
    assert puts(aws.calls()) == [function_key, function_key, artifacts.versioned_key(changed / "member.yaml")]
    then = overrides_of(organization_call(aws.calls()))
    assert {key for key in first if first[key] != then[key]} == {"MemberTemplateURL"}


def test_an_object_changed_under_its_key_is_uploaded_again(tmp_path: Path) -> None:
    """The latest object under a released key is not what the release built (someone wrote there): its SHA-256
    differs, so the zip goes up again and the new version is pinned, not theirs."""
    aws = FakeAws(tmp_path / "bin")
    dist = fake_dist(tmp_path / "dist")
    run_release(aws, dist)
    state = aws.state
    key = f"acm-expiry-artifacts-{ACCOUNT}-eu-west-1/{artifacts.versioned_key(dist / artifacts.FUNCTION_ZIP)}"
    state["objects"][key].append(["theirs", "c29tZW9uZSBlbHNl"])
    aws.set(objects=state["objects"])
    aws.clear()
    run_release(aws, dist)
    assert puts(aws.calls()) == [key.split("/", 1)[1], artifacts.versioned_key(dist / "member.yaml")]
    pinned = load(str(dist / "member.yaml"))["Mappings"]["Artifacts"]["eu-west-1"]["FunctionVersion"]
    assert pinned == aws.state["objects"][key][-1][0] != "theirs"


def test_an_unversioned_bucket_is_refused(tmp_path: Path) -> None:
    aws = FakeAws(tmp_path / "bin")
    aws.set(unversioned=[f"acm-expiry-artifacts-{ACCOUNT}-us-east-1"])
    with pytest.raises(SystemExit, match="is not versioned, so nothing can be pinned"):
        run_release(aws, fake_dist(tmp_path / "dist"))


def test_instances_left_behind_are_listed_and_fail_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The StackSets tolerate every failed account (organization.yaml), so the release itself says which did not
    take it, and exits non-zero; the other accounts have it."""
    aws = FakeAws(tmp_path / "bin")
    reason = 'ResourceLogicalId:Rule, ResourceType:AWS::Config::ConfigRule, ResourceStatusReason:"No recorder"'
    aws.set(not_current={"acm-expiry-organization-rule": [f"111111111111\teu-west-1\tOUTDATED\tFAILED\t{reason}"]})
    with pytest.raises(SystemExit, match=r"1 stack instance\(s\) did not take this release"):
        run_release(aws, fake_dist(tmp_path / "dist"), "--parameter", "CallAs=DELEGATED_ADMIN")
    out = capsys.readouterr().out
    assert f"acm-expiry-organization-rule\t111111111111\teu-west-1\tOUTDATED\tFAILED\t{reason}" in out
    asked = [c for c in aws.calls() if c[:2] == ["cloudformation", "list-stack-instances"]]
    assert all(c[c.index("--call-as") + 1] == "DELEGATED_ADMIN" for c in asked)


def test_without_the_alerts_stack_set_only_the_rule_is_checked(tmp_path: Path) -> None:
    aws = FakeAws(tmp_path / "bin")
    run_release(aws, fake_dist(tmp_path / "dist"), "--parameter", "Alerts=false")
    asked = [c for c in aws.calls() if c[:2] == ["cloudformation", "list-stack-instances"]]
    assert [c[c.index("--stack-set-name") + 1] for c in asked] == ["acm-expiry-organization-rule"]


# --- code signing -----------------------------------------------------------------------------------------


def test_signing_pins_the_signed_copies_and_names_each_regions_profile(tmp_path: Path) -> None:
    aws = FakeAws(tmp_path / "bin")
    dist = fake_dist(tmp_path / "dist")
    run_release(aws, dist, "--signing-profile", "acm_expiry")
    calls = aws.calls()
    jobs = [c for c in calls if c[:2] == ["signer", "start-signing-job"]]
    assert len(jobs) == 4  # both zips, both Regions
    for job in jobs:
        source = job[job.index("--source") + 1]
        assert "version=v" in source  # the uploaded version is what Signer signs
        assert job[job.index("--destination") + 1].endswith(f"prefix={artifacts.KEY_PREFIX}/signed/{_stem(source)}-}}")
    mapping = load(str(dist / "member.yaml"))["Mappings"]["Artifacts"]
    for region in REGIONS:
        assert mapping[region]["FunctionKey"].startswith("acm-expiry/signed/acm-expiry-function-")
        assert mapping[region]["FunctionVersion"].startswith("signed-job")
        assert mapping[region]["LayerKey"].startswith("acm-expiry/signed/acm-expiry-layer-")
    arns = overrides_of(organization_call(calls))["SigningProfileVersionArns"].split(",")
    assert arns == [f"arn:aws:signer:{region}:{ACCOUNT}:/signing-profiles/acm_expiry/a1b2c3d4e5" for region in REGIONS]
    given = overrides_of(organization_call(calls)) | {"TargetOrganizationalUnitIds": "r-ab12"}
    Resolver(load("organization.yaml"), given)  # the pattern takes them
    # Signed copies already there are reused: a second release signs nothing and changes nothing.
    aws.clear()
    run_release(aws, dist, "--signing-profile", "acm_expiry")
    assert not [c for c in aws.calls() if c[:2] == ["signer", "start-signing-job"]]
    assert puts(aws.calls()) == []


def _stem(source: str) -> str:
    key = source.split("key=", 1)[1].split(",", 1)[0]
    return Path(key).stem


def test_signing_is_refused_past_twenty_regions(tmp_path: Path) -> None:
    regions = [f"us-east-{n}" for n in range(1, 22)]
    aws = FakeAws(tmp_path / "bin")
    with pytest.raises(SystemExit, match="at most 20 Regions"):
        artifacts.stage(
            artifacts.AwsCli(str(aws.path)), ACCOUNT, regions, tmp_path / "l.zip", tmp_path / "f.zip", tmp_path, "p"
        )


# --- partitions -------------------------------------------------------------------------------------------


def test_a_china_region_is_refused_with_what_is_missing_there(tmp_path: Path) -> None:
    dist = fake_dist(tmp_path / "dist")
    for regions in (["cn-north-1"], ["cn-northwest-1", "cn-north-1"]):
        with pytest.raises(SystemExit) as refused:
            artifacts.main(["release", "--regions", *regions, "--dist", str(dist), "--no-build", "--dry-run"])
        message = str(refused.value)
        assert regions[0] in message and "aws-cn partition" in message
        assert "trusted access with AWS Organizations" in message and "service-managed StackSets" in message
        assert "stage" in message  # where to go instead


def test_a_release_stays_in_one_partition(tmp_path: Path) -> None:
    dist = fake_dist(tmp_path / "dist")
    with pytest.raises(SystemExit, match=r"one partition.*us-east-1 \(aws\), us-gov-west-1 \(aws-us-gov\)"):
        artifacts.main(["release", "--regions", "us-east-1", "us-gov-west-1", "--dist", str(dist), "--no-build"])


def test_template_urls_use_the_partitions_own_domain(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert artifacts.partition_of("cn-north-1") == artifacts.Partition("aws-cn", "amazonaws.com.cn")
    assert artifacts.partition_of("us-gov-west-1") == artifacts.Partition("aws-us-gov", "amazonaws.com")
    assert artifacts.partition_of("eu-central-2") == artifacts.Partition("aws", "amazonaws.com")
    assert artifacts.partition_of("ap-southeast-9") == artifacts.Partition("aws", "amazonaws.com")  # not yet listed
    with pytest.raises(SystemExit, match="'mars-north-1' is not a Region"):
        artifacts.partition_of("mars-north-1")
    dist = fake_dist(tmp_path / "dist")
    artifacts.main(
        ["release", "--regions", "us-gov-west-1", "--dist", str(dist), "--no-build", "--dry-run", "--account-id",
         ACCOUNT, "--organization-id", ORGANIZATION]
    )  # fmt: skip
    lines = [shlex.split(line) for line in capsys.readouterr().out.splitlines()]
    url = overrides_of(organization_call([line[1:] for line in lines]))["MemberTemplateURL"]
    assert url.startswith(f"https://acm-expiry-artifacts-{ACCOUNT}-us-gov-west-1.s3.us-gov-west-1.amazonaws.com/")


def test_one_account_in_a_china_region_is_staged(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """stage serves a single account in any partition: the zips pinned in its bucket, the member template written."""
    aws = FakeAws(tmp_path / "bin")
    dist = fake_dist(tmp_path / "dist")
    artifacts.main(["stage", "--regions", "cn-north-1", "--dist", str(dist), "--no-build", "--aws", str(aws.path)])
    mapping = load(str(dist / "member.yaml"))["Mappings"]["Artifacts"]
    assert set(mapping) == {"cn-north-1"}
    assert mapping["cn-north-1"]["FunctionVersion"].endswith("cn-north-1")
    assert f"{dist / 'member.yaml'}: deploy it as a plain stack in cn-north-1" in capsys.readouterr().out


# --- the RDK path's log group -----------------------------------------------------------------------------


def test_log_retention_creates_the_group_only_when_missing_and_sets_the_retention(tmp_path: Path) -> None:
    aws = FakeAws(tmp_path / "bin")
    command = ["log-retention", "--aws", str(aws.path), "--region", "eu-west-1"]
    artifacts.main(command)
    group = "/aws/lambda/RDK-Rule-Function-ACMExpiryRule"
    assert aws.calls() == [
        ["logs", "create-log-group", "--region", "eu-west-1", "--log-group-name", group],
        ["logs", "put-retention-policy", "--region", "eu-west-1", "--log-group-name", group, "--retention-in-days",
         "365"],
    ]  # fmt: skip
    aws.clear()
    artifacts.main([*command, "--days", "30"])  # Lambda (or the first run) made it: the retention still follows
    assert [call[:2] for call in aws.calls()] == [["logs", "create-log-group"], ["logs", "put-retention-policy"]]
    assert aws.calls()[-1][-1] == "30"


def test_log_retention_stops_on_any_other_error(tmp_path: Path) -> None:
    aws = FakeAws(tmp_path / "bin")
    aws.set(logs_denied=True)
    with pytest.raises(SystemExit, match="AccessDeniedException"):
        artifacts.main(["log-retention", "--aws", str(aws.path)])
    assert [call[:2] for call in aws.calls()] == [["logs", "create-log-group"]]
    with pytest.raises(SystemExit):
        artifacts.main(["log-retention", "--aws", str(aws.path), "--days", "10"])  # not a CloudWatch Logs value
