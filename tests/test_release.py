"""`make release`: a new version of the code is one command (deploy/artifacts.py release).

Nothing here reaches AWS: the command lines are read from ``--dry-run``, and a stand-in ``aws``
executable records what a real run would call. What is left unproven offline is AWS's side: that
CloudFormation accepts the stacks and StackSets roll the update out (tests/test_organization.py runs
the member template through moto's StackSets as far as moto goes).
"""

from __future__ import annotations

import json
import shlex
import stat
import sys
import zipfile
from pathlib import Path

import pytest

import artifacts
from tests.support.templates import Resolver, load

ACCOUNT = "210987654321"
ORGANIZATION = "o-exampleorg1"
REGIONS = ("us-east-1", "eu-west-1")


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


def overrides_of(command: list[str]) -> dict[str, str]:
    at = command.index("--parameter-overrides")
    return dict(item.split("=", 1) for item in command[at + 1 :])


def test_release_ensures_buckets_uploads_then_updates_the_organization_stack(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dist = fake_dist(tmp_path / "dist")
    lines = release_lines(capsys, dist, "--target-ous", "r-ab12")
    layer_key = artifacts.versioned_key(dist / artifacts.LAYER_ZIP)
    function_key = artifacts.versioned_key(dist / artifacts.FUNCTION_ZIP)
    member_key = artifacts.versioned_key(artifacts.MEMBER_TEMPLATE)
    alerts_key = artifacts.versioned_key(artifacts.ALERTS_TEMPLATE)

    buckets, uploads, organization = lines[:2], lines[2:-1], lines[-1]
    for region, command in zip(REGIONS, buckets, strict=True):
        assert command[:4] == ["aws", "cloudformation", "deploy", "--region"] and command[4] == region
        assert command[command.index("--template-file") + 1] == str(artifacts.ARTIFACTS_TEMPLATE)
        assert overrides_of(command) == {"OrganizationId": ORGANIZATION}
        Resolver(load("artifacts.yaml"), overrides_of(command))  # values the template accepts
    expected_uploads = [
        (region, dist / name, f"s3://acm-expiry-artifacts-{ACCOUNT}-{region}/{key}")
        for region in REGIONS
        for name, key in ((artifacts.LAYER_ZIP, layer_key), (artifacts.FUNCTION_ZIP, function_key))
    ] + [
        ("us-east-1", artifacts.MEMBER_TEMPLATE, f"s3://acm-expiry-artifacts-{ACCOUNT}-us-east-1/{member_key}"),
        ("us-east-1", artifacts.ALERTS_TEMPLATE, f"s3://acm-expiry-artifacts-{ACCOUNT}-us-east-1/{alerts_key}"),
    ]
    assert uploads == [
        ["aws", "s3", "cp", str(path), target, "--region", region, "--expected-bucket-owner", ACCOUNT]
        for region, path, target in expected_uploads
    ]
    assert organization[:6] == ["aws", "cloudformation", "deploy", "--region", "us-east-1", "--stack-name"]
    assert organization[6] == "acm-expiry-organization"
    parameters = overrides_of(organization)
    base = f"https://acm-expiry-artifacts-{ACCOUNT}-us-east-1.s3.us-east-1.amazonaws.com"
    assert parameters == {
        "ArtifactBucketAccount": ACCOUNT,
        "TargetRegions": "us-east-1,eu-west-1",
        "LayerKey": layer_key,
        "FunctionKey": function_key,
        "MemberTemplateURL": f"{base}/{member_key}",
        "AlertsTemplateURL": f"{base}/{alerts_key}",
        "TargetOrganizationalUnitIds": "r-ab12",
    }
    # organization.yaml takes every one of these (names and patterns), and the StackSets get the new keys.
    resolver = Resolver(load("organization.yaml"), parameters)
    assert resolver.values["TargetRegions"] == list(REGIONS)
    assert "--no-fail-on-empty-changeset" in organization


def test_a_release_without_changes_names_the_same_keys_and_a_new_function_a_new_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Keys are content hashes: the same code twice is the same key (CloudFormation sees nothing to update);
    changed code is a new key, so the StackSets update the function and nothing else."""
    first = overrides_of(release_lines(capsys, fake_dist(tmp_path / "a"))[-1])
    again = overrides_of(release_lines(capsys, fake_dist(tmp_path / "b"))[-1])
    changed = overrides_of(release_lines(capsys, fake_dist(tmp_path / "c", code="# v2\n"))[-1])
    assert first == again
    assert {key for key in first if first[key] != changed[key]} == {"FunctionKey"}
    # Later releases leave the OUs out: `aws cloudformation deploy` keeps a parameter's previous value.
    assert "TargetOrganizationalUnitIds" not in first


def test_release_runs_the_commands_it_prints_and_asks_aws_for_the_account_and_organization(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "calls.jsonl"
    aws = tmp_path / "aws"
    aws.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"answers = {{'sts': {ACCOUNT!r}, 'organizations': {ORGANIZATION!r}}}\n"
        "print(answers.get(sys.argv[1], ''))\n"
    )
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)
    dist = fake_dist(tmp_path / "dist")
    printed = release_lines(capsys, dist)
    artifacts.main(["release", "--regions", *REGIONS, "--dist", str(dist), "--no-build", "--aws", str(aws)])
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls[0] == ["sts", "get-caller-identity", "--query", "Account", "--output", "text"]
    assert calls[1] == ["organizations", "describe-organization", "--query", "Organization.Id", "--output", "text"]
    assert calls[2:] == [command[1:] for command in printed]


def test_a_dry_run_needs_the_account_and_organization(tmp_path: Path) -> None:
    dist = fake_dist(tmp_path / "dist")
    with pytest.raises(SystemExit, match="--account-id and --organization-id"):
        artifacts.main(["release", "--regions", "us-east-1", "--dist", str(dist), "--no-build", "--dry-run"])


def test_release_refuses_missing_zips(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="make layer package"):
        artifacts.main(["release", "--regions", "us-east-1", "--dist", str(tmp_path), "--no-build", "--dry-run"])
