"""`acm-expiry remediate ARN`: the runbook's code from a terminal, against the runbook tests' moto world."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from acm_expiry_cli.main import main
from tests.support.doubles import AwsError
from tests.test_remediation import ACCOUNT, World, moto_world, requested


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from moto_world(monkeypatch)


def run(world: World, *argv: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    status = main(["remediate", *argv], new_session=lambda profile_name=None: world.session)
    return status, out.getvalue(), err.getvalue()


def current(world: World, arn: str) -> None:
    """The CLI reads the real clock: the certificate expires 20 days from now."""
    world.acm.overlay[arn]["NotAfter"] = (datetime.now(UTC) + timedelta(days=20)).timestamp()


def test_a_dry_run_by_default_says_what_it_would_write(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.zone("example.com")
    arn = requested(world, "example.com", "www.example.com")
    current(world, arn)
    status, out, err = run(world, arn, monkeypatch=monkeypatch)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{arn} (dry run: nothing was changed)"
    assert [line.split("  ")[1] for line in lines[1:3]] == ["dry run: would do"] * 2
    assert all("write DNS validation record: CNAME _" in line for line in lines[1:3])
    assert lines[-1] == "  (a dry run: --apply makes the changes)"
    assert world.calls("route53.ChangeResourceRecordSets") == 0


def test_apply_writes_and_a_second_run_finds_them_in_place(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.zone("example.com")
    arn = requested(world, "example.com")
    current(world, arn)
    status, out, _ = run(world, arn, "--apply", monkeypatch=monkeypatch)
    assert status == 0 and "  done " in out and "1 change(s) made" in out
    status, out, _ = run(world, arn, "--apply", "--format", "json", monkeypatch=monkeypatch)
    printed = json.loads(out)
    assert status == 0 and printed["Changed"] is False and printed["DryRun"] is False
    assert [action["Outcome"] for action in printed["Actions"]] == ["in place"]
    assert set(printed) == {"CertificateArn", "DryRun", "Changed", "Summary", "Actions"}  # the runbook's output


def test_renewal_flags_reach_the_runbooks_options(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = world.add("exported", 12, RenewalEligibility="ELIGIBLE", Exported=True)
    current(world, arn)
    world.acm.overlay[arn]["NotAfter"] = (datetime.now(UTC) + timedelta(days=45)).timestamp()
    _, out, _ = run(world, arn, "--apply", "--renew-exported-public", monkeypatch=monkeypatch)
    assert "more than RenewWithinDays (30) away" in out and world.acm.renewed == []
    _, out, _ = run(
        world, arn, "--apply", "--renew-exported-public", "--renew-within-days", "60", monkeypatch=monkeypatch
    )
    assert "renew certificate" in out and world.acm.renewed == [arn]


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["not-an-arn"], "CertificateArn 'not-an-arn' is not an ACM certificate ARN"),
        ([f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/x", "--renew-within-days", "0"],
         "RenewWithinDays must be a whole number of days, 1 to 3650, not '0'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_it(
    world: World, monkeypatch: pytest.MonkeyPatch, argv: list[str], error: str
) -> None:
    status, out, err = run(world, *argv, monkeypatch=monkeypatch)
    assert (status, out) == (1, "")
    assert err.startswith(f"acm-expiry remediate: error: {error}") and err.count("\n") == 1


def test_a_refused_call_prints_what_was_done_then_the_error(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.zone("example.com")
    arn = requested(world, "example.com")
    current(world, arn)
    world.doubles.faults.always("route53.ChangeResourceRecordSets", AwsError("AccessDenied", "not authorized"))
    status, out, err = run(world, arn, "--apply", monkeypatch=monkeypatch)
    assert status == 1 and out.startswith(arn)
    assert err.startswith("acm-expiry remediate: error: route53:ChangeResourceRecordSets failed: AccessDenied")


def test_help_names_the_permissions(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    with pytest.raises(SystemExit):
        main(["remediate", "--help"])
    text = " ".join(out.getvalue().split())
    assert "route53:ChangeResourceRecordSets" in text and "acm:RenewCertificate" in text and "--apply" in text
