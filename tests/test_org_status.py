"""`acm-expiry org-status`: every stack instance of the organization roll-out that is not CURRENT, with its reason.

ListStackInstances is answered by tests/support/stack_instances.py (paging at most 100 a page, CallAs as
CloudFormation judges it), behind the real botocore stack and its paginator.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from acm_expiry.edge import new_session
from acm_expiry_cli.main import main
from acm_expiry_cli.org_status import run
from tests.support.stack_instances import FakeStackInstances

RULE, ALERTS = "acm-expiry-organization-rule", "acm-expiry-organization-alerts"
NO_RECORDER = (
    "ResourceLogicalId:Rule, ResourceType:AWS::Config::ConfigRule, ResourceStatusReason:NoAvailableConfiguration"
    "RecorderException."
)


def instance(index: int, status: str = "CURRENT", detailed: str = "SUCCEEDED", reason: str = "") -> dict[str, Any]:
    account = f"{100000000000 + index // 2}"
    region = ("us-east-1", "eu-west-1")[index % 2]
    found: dict[str, Any] = {
        "StackSetId": f"{RULE}:0123abcd-0123-4567-89ab-0123456789ab",
        "Region": region,
        "Account": account,
        "StackId": f"arn:aws:cloudformation:{region}:{account}:stack/StackSet-{RULE}-{index}/x",
        "Status": status,
        "StackInstanceStatus": {"DetailedStatus": detailed},
        "OrganizationalUnitId": "ou-ab12-cdef3456",
    }
    if reason:
        found["StatusReason"] = reason
    return found


@pytest.fixture
def double(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStackInstances]:
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield FakeStackInstances()


def org_status(double: FakeStackInstances, *arguments: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()

    def session(profile_name: str | None = None) -> boto3.Session:
        return double.install(new_session(profile_name))

    from acm_expiry_cli.main import build_parser

    args = build_parser().parse_args(["org-status", *arguments])
    code = run(args, session, out, err)
    return code, out.getvalue(), err.getvalue()


def test_every_instance_not_current_is_listed_from_every_page(double: FakeStackInstances) -> None:
    """250 instances (three pages of 100): the ones not CURRENT on the first and the last page are both found."""
    instances = [instance(index) for index in range(250)]
    instances[3] = instance(3, "OUTDATED", "FAILED", NO_RECORDER)
    instances[241] = instance(241, "INOPERABLE", "INOPERABLE", "DeleteStackInstances failed")
    double.add(RULE, instances)
    double.add(ALERTS, [instance(0), instance(1)])
    code, out, _ = org_status(double)
    assert code == 2
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["StackSet", "Account", "Region", "Status", "Detailed"]
    assert lines[1].split()[:5] == [RULE, "100000000001", "eu-west-1", "OUTDATED", "FAILED"]
    assert lines[1].endswith(NO_RECORDER)
    assert lines[2].split()[:5] == [RULE, "100000000120", "eu-west-1", "INOPERABLE", "INOPERABLE"]
    assert lines[-1] == "2 stack instance(s) not CURRENT."
    rule_requests = [request for request in double.requests if request["StackSetName"] == RULE]
    assert len(rule_requests) == 3  # 100, 100 and 50: the last page carries no token
    assert all(request["MaxResults"] == "100" for request in rule_requests)
    assert "NextToken" not in rule_requests[0] and all("NextToken" in r for r in rule_requests[1:])


def test_all_current_exits_zero(double: FakeStackInstances) -> None:
    double.add(RULE, [instance(index) for index in range(4)])
    double.add(ALERTS, [instance(index) for index in range(4)])
    assert org_status(double) == (0, f"Every stack instance of {RULE}, {ALERTS} is CURRENT.\n", "")


def test_a_stack_deployed_with_alerts_false_has_no_alerts_stack_set_and_that_is_no_error(
    double: FakeStackInstances,
) -> None:
    double.add(RULE, [instance(index) for index in range(4)])
    code, out, err = org_status(double)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"No StackSet {ALERTS}: the organization stack was deployed with Alerts=false.",
        f"Every stack instance of {RULE} is CURRENT.",
    ]
    double.add(RULE, [instance(0, "OUTDATED", "FAILED", NO_RECORDER)])
    assert org_status(double)[0] == 2
    # Named explicitly, or without the rule's StackSet, a missing StackSet is an error.
    code, out, err = org_status(double, "--stack-set", ALERTS)
    assert (code, out) == (1, "") and "StackSetNotFoundException" in err
    code, out, err = org_status(double, "--stack-name", "elsewhere")
    assert (code, out) == (1, "") and "StackSetNotFoundException" in err and "elsewhere-rule" in err


def test_a_delegated_administrator_reads_with_call_as(double: FakeStackInstances) -> None:
    """StackSets made from a delegated administrator are found there only with CallAs DELEGATED_ADMIN."""
    double.add(
        RULE,
        [instance(0, "OUTDATED", "CANCELLED", "Cancelled since failure tolerance has exceeded")],
        "DELEGATED_ADMIN",
    )
    double.add(ALERTS, [instance(1)], "DELEGATED_ADMIN")
    code, out, err = org_status(double)
    assert (code, out) == (1, "")
    assert "StackSetNotFoundException" in err and "--call-as DELEGATED_ADMIN" in err
    code, out, _ = org_status(double, "--call-as", "DELEGATED_ADMIN")
    assert code == 2
    assert "CANCELLED" in out and "Cancelled since failure tolerance has exceeded" in out
    assert {request["CallAs"] for request in double.requests[-2:]} == {"DELEGATED_ADMIN"}


def test_other_stack_sets_and_names(double: FakeStackInstances) -> None:
    double.add("prod-org-rule", [instance(0, "OUTDATED", "SKIPPED_SUSPENDED_ACCOUNT")])
    double.add("prod-org-alerts", [instance(0)])
    code, out, _ = org_status(double, "--stack-name", "prod-org")
    assert code == 2 and "SKIPPED_SUSPENDED_ACCOUNT" in out
    code, out, _ = org_status(double, "--stack-set", "prod-org-alerts")
    assert code == 0 and "prod-org-rule" not in out


def test_a_reason_cannot_write_to_the_terminal(double: FakeStackInstances) -> None:
    """Reasons are CloudFormation's text about others' stacks: line breaks and bidi controls are shown escaped."""
    double.add(RULE, [instance(0, "OUTDATED", "FAILED", "bad\u202e reversed\nline")])
    double.add(ALERTS, [])
    code, out, _ = org_status(double)
    assert code == 2 and "\u202e" not in out and out.count("\n") == 3


def test_org_status_is_an_acm_expiry_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as help_exit:
        main(["org-status", "--help"])
    assert help_exit.value.code == 0
    text = capsys.readouterr().out
    assert "--call-as" in text and "DELEGATED_ADMIN" in text and "ListStackInstances" in text
