"""Change events about records the rule did not expect: each gets a verdict where one is right, else a named error.

- An ``AWS::ACM::Certificate`` item names its certificate by ARN (Config's resource id for ACM
  certificates is the ARN): an item whose ``resourceId`` is anything else, or whose configuration
  names another certificate, is refused before any call, never judged (a COMPLIANT for "not-an-arn"
  would be a result in Config that no certificate backs).
- An item of another resource type is rdklib's NOT_APPLICABLE, whatever its configuration holds.
- Dates out of range (past 9999 or before 1970 in UTC, numbers beyond any date) are unreadable,
  never an ``OverflowError``: an expiry or revocation date the item cannot give is asked of ACM; an
  unreadable capture or notification time is a malformed event, named.
- Nothing is ever sent to DescribeCertificate that is not a certificate ARN.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acm_expiry.acm import describe_certificate
from acm_expiry.arns import NotACertificateArn
from acm_expiry.errors import MalformedEventError, RuleError
from acm_expiry_cli.sample_events import change_event, oversized_event, scheduled_event
from tests.conftest import World
from tests.support.inventory import config_item, synthetic_inventory

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012"


def issued(aws: World, days: float = 200, **fields: Any) -> dict[str, Any]:
    """A recorded configuration of an imported certificate expiring ``days`` from now."""
    return {
        "certificateArn": ARN,
        "domainName": "shop.example.com",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=days)).isoformat(),
    } | fields


def described(aws: World, days: float, **fields: Any) -> dict[str, Any]:
    """The same certificate as ACM's DescribeCertificate tells it."""
    return {
        "CertificateArn": ARN,
        "DomainName": "shop.example.com",
        "Status": "ISSUED",
        "Type": "IMPORTED",
        "KeyAlgorithm": "EC_prime256v1",
        "NotAfter": (aws.now + timedelta(days=days)).timestamp(),
    } | fields


def refused(aws: World, event: dict[str, Any], *named: str) -> str:
    """The event fails with a MalformedEventError naming each of ``named``; nothing was asked of AWS."""
    with pytest.raises(MalformedEventError) as raised:
        aws.run(event)
    message = str(raised.value)
    for words in named:
        assert words in message, message
    assert aws.doubles.requests == [] and aws.config.put_calls == []
    assert aws.log_lines()[-1]["outcome"] == "error"
    return message


# --- an ACM certificate's item must name an ACM certificate ----------------------------------------


@pytest.mark.parametrize("resource_id", ["not-an-arn", "i-0abc", "arn:aws:acm:us-east-1:1234:certificate/x", " "])
def test_an_acm_item_whose_resource_id_is_not_an_arn_is_refused_not_judged(aws: World, resource_id: str) -> None:
    item = config_item(issued(aws), aws.now) | {"resourceId": resource_id}
    del item["configuration"]["certificateArn"]  # nothing else names a certificate either
    message = refused(aws, change_event(item, aws.now), "configurationItem.resourceId", repr(resource_id))
    assert "is not an ACM certificate ARN (arn:<partition>:acm:" in message


def test_an_acm_item_whose_configuration_names_another_certificate_is_refused(aws: World) -> None:
    other = ARN.replace("0b1c2d3e", "99999999")
    item = config_item(issued(aws, certificateArn=other), aws.now) | {"resourceId": ARN}
    refused(aws, change_event(item, aws.now), "configuration.certificateArn", other, "resourceId", ARN)


def test_a_deleted_acm_item_without_an_arn_is_refused_too(aws: World) -> None:
    item = config_item(issued(aws), aws.now, status="ResourceDeleted") | {"resourceId": "placeholder"}
    refused(aws, change_event(item, aws.now), "configurationItem.resourceId", "'placeholder'")


def test_an_oversized_notification_without_an_arn_is_refused_before_config_is_asked(aws: World) -> None:
    item = config_item(issued(aws), aws.now) | {"resourceId": "not-an-arn"}
    refused(aws, oversized_event(item, aws.now), "configurationItemSummary.resourceId", "'not-an-arn'")


def test_describe_certificate_refuses_anything_but_a_certificate_arn_by_name(aws: World) -> None:
    acm = aws.client("acm")
    for value in ("not-an-arn", "", "arn:aws:config:us-east-1:123456789012:config-rule/x"):
        with pytest.raises(NotACertificateArn, match=f"DescribeCertificate: {value!r} is not an ACM certificate ARN"):
            describe_certificate(acm, value)
    assert aws.doubles.requests == []  # not sent: no botocore ParamValidationError, no AWS error
    assert issubclass(NotACertificateArn, RuleError)


# --- another resource type: rdklib's NOT_APPLICABLE -------------------------------------------------


@pytest.mark.parametrize("configuration", [{}, {"instanceId": "i-0abc", "state": {"name": "running"}}, None, "odd"])
def test_an_item_of_another_resource_type_is_not_applicable_whatever_its_configuration(
    aws: World, configuration: object
) -> None:
    item = config_item(issued(aws), aws.now) | {
        "resourceType": "AWS::EC2::Instance",
        "resourceId": "i-0abc",
        "ARN": "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc",
        "configuration": configuration,
    }
    returned = aws.run(change_event(item, aws.now))
    assert [(e["ComplianceResourceType"], e["ComplianceResourceId"], e["ComplianceType"]) for e in returned] == [
        ("AWS::EC2::Instance", "i-0abc", "NOT_APPLICABLE")
    ]
    assert len(aws.config.sent) == 1 and aws.log_lines()[-1]["outcome"] == "ok"
    assert [name for name, _ in aws.doubles.requests if name.startswith(("acm.", "tag"))] == []


# --- dates out of range ---------------------------------------------------------------------------------


OUT_OF_RANGE = ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", 10**400, "1e400", 1e300, 253_402_300_799]


@pytest.mark.parametrize("not_after", OUT_OF_RANGE)
def test_an_expiry_date_out_of_range_is_asked_of_acm_like_any_unreadable_one(aws: World, not_after: object) -> None:
    aws.acm.source = lambda region: [described(aws, 5)]
    aws.run(change_event(config_item(issued(aws, notAfter=not_after), aws.now), aws.now))
    (evaluation,) = aws.config.sent
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("Expires in 5 days")
    assert len(aws.doubles.calls("acm.DescribeCertificate")) == 1


@pytest.mark.parametrize("revoked_at", OUT_OF_RANGE)
def test_a_revocation_date_out_of_range_is_asked_of_acm(aws: World, revoked_at: object) -> None:
    revoked = aws.now - timedelta(days=3)
    aws.acm.source = lambda region: [described(aws, 90, Status="REVOKED", RevokedAt=revoked.timestamp())]
    item = config_item(issued(aws, 90, status="REVOKED", revokedAt=revoked_at), aws.now)
    aws.run(change_event(item, aws.now))
    (evaluation,) = aws.config.sent
    assert (evaluation["ComplianceType"], evaluation["Annotation"]) == (
        "NON_COMPLIANT",
        f"Revoked on {revoked:%Y-%m-%d}: replace it.",
    )


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "1" + "0" * 400])
def test_a_capture_time_out_of_range_is_a_malformed_event_naming_it(aws: World, moment: str) -> None:
    item = config_item(issued(aws), aws.now) | {"configurationItemCaptureTime": moment}
    message = refused(aws, change_event(item, aws.now), "configurationItem.configurationItemCaptureTime")
    assert len(message) < 300


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_notification_time_out_of_range_is_a_malformed_event_naming_it(aws: World, moment: str) -> None:
    event = scheduled_event(aws.now)
    invoking = json.loads(event["invokingEvent"]) | {"notificationCreationTime": moment}
    refused(
        aws,
        event | {"invokingEvent": json.dumps(invoking)},
        "invokingEvent.notificationCreationTime",
        "is outside 1970-01-01 to 9999-12-31 in UTC",
    )


DATES = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([+-][0-9]{2}:[0-9]{2}|Z)?", fullmatch=True),
)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(not_after=DATES, revoked_at=DATES, status=st.sampled_from(["ISSUED", "REVOKED", "EXPIRED"]))
def test_any_dates_in_an_item_give_a_verdict_never_an_exception(
    aws: World, not_after: object, revoked_at: object, status: str
) -> None:
    """Whatever the item's dates hold, the change event is judged: from the item where its dates can be read,
    from ACM where they cannot. Never a bare exception."""
    aws.config.put_calls.clear()
    aws.logs.clear()
    aws.acm.source = lambda region: [described(aws, 10, Status=status)]
    item = config_item(issued(aws, status=status, notAfter=not_after, revokedAt=revoked_at), aws.now)
    (evaluation,) = aws.run(change_event(item, aws.now))
    assert evaluation["ComplianceType"] in ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
    assert 1 <= len(evaluation["Annotation"]) <= 256
    assert aws.log_lines()[-1]["outcome"] == "ok"


# --- a function that serves one rule (deploy/member.yaml) ----------------------------------------------------


def test_a_function_that_serves_one_rule_refuses_another_rules_events(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The invoke permission admits every Config rule of the account (it cannot name a rule not yet
    created); ACM_EXPIRY_RULE_NAME makes the function refuse the others, before any call."""
    aws.acm.source = lambda region: synthetic_inventory(5, aws.now)
    monkeypatch.setenv("ACM_EXPIRY_RULE_NAME", "ACMExpiryRule")
    event = scheduled_event(aws.now)
    aws.run(event)  # its own rule
    assert len(aws.config.sent) == 5
    aws.doubles.requests.clear()
    with pytest.raises(MalformedEventError, match="'AnotherRule' is not 'ACMExpiryRule', the one Config rule"):
        aws.run(event | {"configRuleName": "AnotherRule", "ruleParameters": '{"daysToExpiration": "3650"}'})
    assert aws.doubles.requests == []
    assert aws.log_lines()[-1]["outcome"] == "error"
    monkeypatch.delenv("ACM_EXPIRY_RULE_NAME")
    aws.run(event | {"configRuleName": "AnotherRule"})  # unset (RDK, a central function): any rule
