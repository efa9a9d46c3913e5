"""The AWS Config developer guide's own example events, rebuilt around an ACM configuration item.

From "Example events for AWS Config rules"
(https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_example-events.html):
every top-level key and every invokingEvent key as the guide prints them, with two changes only:
the configuration item (or its summary) is an ACM certificate's instead of an EC2 instance's, and
``ruleParameters`` carries this rule's parameter instead of ``myParameterKey`` (which the rule
refuses by name, as it does every unknown parameter). The guide's change and oversized examples
have no ``notificationCreationTime`` and no ``recordVersion``; the rule reads neither for them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rdklib.util.service import convert_into_notification_config_item

from acm_expiry.errors import MalformedEventError
from acm_expiry.events import check_configuration_item
from tests.conftest import World

CERTIFICATE = "arn:aws:acm:us-east-2:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
PARAMETERS = json.dumps({"daysToExpiration": "30"})


def envelope(invoking_event: dict[str, Any], rule_name: str, rule_id: str) -> dict[str, Any]:
    """The guide's top-level keys and values, in its order."""
    return {
        "invokingEvent": json.dumps(invoking_event),
        "ruleParameters": PARAMETERS,
        "resultToken": "myResultToken",
        "eventLeftScope": False,
        "executionRoleArn": "arn:aws:iam::123456789012:role/config-role",
        "configRuleArn": f"arn:aws:config:us-east-2:123456789012:config-rule/{rule_id}",
        "configRuleName": rule_name,
        "configRuleId": rule_id,
        "accountId": "123456789012",
        "version": "1.0",
    }


def acm_item(aws: World, days: float) -> dict[str, Any]:
    """The guide's configurationItem keys, for an ACM certificate."""
    return {
        "configurationItemCaptureTime": "2016-02-17T01:36:34.043Z",
        "awsAccountId": "123456789012",
        "configurationItemStatus": "OK",
        "resourceId": CERTIFICATE,
        "ARN": CERTIFICATE,
        "awsRegion": "us-east-2",
        "availabilityZone": "Regional",
        "resourceType": "AWS::ACM::Certificate",
        "tags": {"Foo": "Bar"},
        "relationships": [],
        "configuration": {
            "certificateArn": CERTIFICATE,
            "domainName": "www.example.com",
            "status": "ISSUED",
            "type": "IMPORTED",
            "keyAlgorithm": "RSA-2048",
            "notAfter": (aws.now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "inUseBy": [],
        },
    }


def change_example(aws: World, days: float = 12.5) -> dict[str, Any]:
    invoking = {"configurationItem": acm_item(aws, days), "messageType": "ConfigurationItemChangeNotification"}
    return envelope(invoking, "change-triggered-config-rule", "config-rule-0123456")


def oversized_example(aws: World) -> dict[str, Any]:
    item = acm_item(aws, 200)
    invoking = {
        "configurationItemSummary": {
            "changeType": "UPDATE",
            "configurationItemVersion": "1.2",
            "configurationItemCaptureTime": "2016-10-06T16:46:16.261Z",
            "configurationStateId": 0,
            "awsAccountId": "123456789012",
            "configurationItemStatus": "OK",
            "resourceType": "AWS::ACM::Certificate",
            "resourceId": CERTIFICATE,
            "resourceName": None,
            "ARN": CERTIFICATE,
            "awsRegion": "us-east-2",
            "availabilityZone": "Regional",
            "configurationStateMd5Hash": "8f1ee69b287895a0f8bc5753eca68e96",
            "resourceCreationTime": "2016-10-06T16:46:10.489Z",
        },
        "messageType": "OversizedConfigurationItemChangeNotification",
    }
    aws.config.record_history(item)
    return envelope(invoking, "change-triggered-config-rule", "config-rule-0123456")


def scheduled_example() -> dict[str, Any]:
    invoking = {
        "awsAccountId": "123456789012",
        "notificationCreationTime": "2016-07-13T21:50:00.373Z",
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    return envelope(invoking, "periodic-config-rule", "config-rule-6543210")


def test_the_guides_change_example_is_judged(aws: World) -> None:
    aws.run(change_example(aws))
    (evaluation,) = aws.config.sent
    assert evaluation["ComplianceResourceId"] == CERTIFICATE
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("Expires in 13 days")
    assert aws.doubles.calls("config.PutEvaluations")[0]["ResultToken"] == "myResultToken"
    assert aws.doubles.calls("sts.AssumeRole")[0]["RoleArn"] == "arn:aws:iam::123456789012:role/config-role"
    assert aws.log_lines()[-1]["configRuleName"] == "change-triggered-config-rule"


def test_the_guides_oversized_example_is_judged(aws: World) -> None:
    aws.run(oversized_example(aws))
    assert aws.doubles.calls("config.GetResourceConfigHistory")[0]["resourceId"] == CERTIFICATE
    (evaluation,) = aws.config.sent
    assert (evaluation["ComplianceResourceId"], evaluation["ComplianceType"]) == (CERTIFICATE, "COMPLIANT")


def test_the_guides_scheduled_example_is_judged(aws: World) -> None:
    aws.acm.source = lambda region: [
        {
            "CertificateArn": CERTIFICATE.replace("us-east-2", region),
            "DomainName": "www.example.com",
            "Status": "ISSUED",
            "Type": "IMPORTED",
            "KeyAlgorithm": "RSA_2048",
            "NotAfter": (aws.now + timedelta(days=3)).timestamp(),
        }
    ]
    aws.run(scheduled_example())
    (evaluation,) = aws.config.sent
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    # The periodic evaluation's ordering timestamp is the notification's creation time.
    assert evaluation["OrderingTimestamp"] == 1468446600.373
    assert aws.doubles.calls("config.GetComplianceDetailsByConfigRule")[0]["ConfigRuleName"] == "periodic-config-rule"


# What the rule does not read may be missing; what it reads may not.

TOLERATED = [
    ("eventLeftScope missing: the item did not leave scope", lambda e: e.pop("eventLeftScope")),
    (
        "configRuleId, configRuleArn, accountId, version missing",
        lambda e: [e.pop(k) for k in ("configRuleId", "configRuleArn", "accountId", "version")],
    ),
    (
        "configRuleName missing from a change event without pages",
        lambda e: (e.pop("configRuleName"), e.update(ruleParameters=json.dumps({"crossingEvents": "false"}))),
    ),
    (
        "no executionRoleArn when the function's own role is used",
        lambda e: (e.pop("executionRoleArn"), e.update(ruleParameters=json.dumps({"AssumeRoleMode": "false"}))),
    ),
    ("no ruleParameters at all", lambda e: e.pop("ruleParameters")),
    (
        "no executionRoleArn with AssumeRoleMode 'FALSE' (rdklib reads it in any case)",
        lambda e: (e.pop("executionRoleArn"), e.update(ruleParameters=json.dumps({"AssumeRoleMode": "FALSE"}))),
    ),
]


@pytest.mark.parametrize("change", [pytest.param(change, id=name) for name, change in TOLERATED])
def test_parts_the_rule_does_not_read_may_be_missing(aws: World, change: Any) -> None:
    event = change_example(aws)
    change(event)
    aws.run(event)
    (evaluation,) = aws.config.sent
    assert (evaluation["ComplianceResourceId"], evaluation["ComplianceType"]) == (CERTIFICATE, "NON_COMPLIANT")


NEEDED = [
    ("change", "resultToken", "event.resultToken is missing"),
    ("change", "executionRoleArn", "event.executionRoleArn is missing"),  # a role is assumed by default
    ("scheduled", "configRuleName", "event.configRuleName is missing"),
    # Pages are on by default: a change event's crossing is judged against its rule's earlier result.
    ("change", "configRuleName", "event.configRuleName is missing"),
]


@pytest.mark.parametrize(("kind", "key", "message"), NEEDED)
def test_parts_the_rule_reads_are_required(aws: World, kind: str, key: str, message: str) -> None:
    event = change_example(aws) if kind == "change" else scheduled_example()
    del event[key]
    with pytest.raises(MalformedEventError, match=message):
        aws.run(event)
    assert aws.doubles.requests == []


def test_a_scheduled_event_needs_its_creation_time(aws: World) -> None:
    event = scheduled_example()
    invoking = json.loads(event["invokingEvent"])
    del invoking["notificationCreationTime"]
    event["invokingEvent"] = json.dumps(invoking)
    with pytest.raises(MalformedEventError, match=r"invokingEvent\.notificationCreationTime is missing"):
        aws.run(event)


def test_findings_need_the_rule_arn(aws: World) -> None:
    event = change_example(aws)
    event["ruleParameters"] = json.dumps({"securityHubFindings": "true"})
    del event["configRuleArn"]
    with pytest.raises(MalformedEventError, match=r"event\.configRuleArn is missing"):
        aws.run(event)


# What the rule reads must have the form AWS gives it: anything else is refused by name, before any call.


def refused(aws: World, event: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedEventError, match=message):
        aws.run(event)
    assert aws.doubles.requests == [] and aws.config.sent == []


def with_invoking(event: dict[str, Any], change: Any) -> dict[str, Any]:
    invoking = json.loads(event["invokingEvent"])
    change(invoking)
    return event | {"invokingEvent": json.dumps(invoking)}


@pytest.mark.parametrize("value", ["false", "true", 0, None])
def test_event_left_scope_is_a_json_boolean_or_refused(aws: World, value: object) -> None:
    """A string "false" is not false: read as a truth value it would turn the certificate NOT_APPLICABLE."""
    refused(aws, change_example(aws) | {"eventLeftScope": value}, r"event\.eventLeftScope must be true or false")


@pytest.mark.parametrize("status", ["Bogus", "ok", "ResourceDeleted "])
def test_an_unknown_configuration_item_status_is_refused(aws: World, status: str) -> None:
    event = with_invoking(change_example(aws), lambda i: i["configurationItem"].update(configurationItemStatus=status))
    refused(aws, event, rf"configurationItem\.configurationItemStatus '{status}' is not one of")


@pytest.mark.parametrize(
    ("example", "where", "key"),
    [
        ("scheduled", lambda i: i, "notificationCreationTime"),
        ("change", lambda i: i["configurationItem"], "configurationItemCaptureTime"),
    ],
    ids=["notificationCreationTime", "configurationItemCaptureTime"],
)
@pytest.mark.parametrize("number", ["1468446600", "1468446600373", "1468446600.373"])
def test_timestamps_aws_writes_as_iso_strings_are_refused_as_numbers(
    aws: World, example: str, where: Any, key: str, number: str
) -> None:
    """Config writes these as ISO-8601 strings; a number in a string is no such thing (botocore would misread it)."""
    event = change_example(aws) if example == "change" else scheduled_example()
    refused(aws, with_invoking(event, lambda i: where(i).update({key: number})), rf"{key} '{number}' is not an ISO")


def test_findings_need_the_rule_name_even_for_a_change_event(aws: World) -> None:
    """The rule's name is its findings' generator, and part of each finding's id (crossing events, which need it
    too, are off here: findings alone ask for it)."""
    parameters = {"securityHubFindings": "true", "crossingEvents": "false"}
    event = change_example(aws) | {"ruleParameters": json.dumps(parameters)}
    del event["configRuleName"]
    refused(aws, event, r"event\.configRuleName is missing")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:role/config-role",
        "arn:aws:config:us-east-2:123456789012:config-rule",
        "config-rule-0123456",
    ],
)
def test_findings_need_a_config_rule_arn_not_any_string(aws: World, arn: str) -> None:
    """The rule's ARN names the account and partition whose Security Hub product takes the findings."""
    event = change_example(aws) | {"ruleParameters": json.dumps({"securityHubFindings": "true"}), "configRuleArn": arn}
    refused(aws, event, r"event\.configRuleArn")


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("inUseBy", "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/x/1", "inUseBy"),
        ("notAfter", True, "notAfter"),  # JSON's true is no number of seconds
        ("renewalSummary", {"renewalStatus": 7}, "renewalSummary.renewalStatus"),
        (
            "renewalSummary",
            {"renewalStatus": "FAILED", "renewalStatusReason": ["CAA_ERROR"]},
            "renewalSummary.renewalStatusReason",
        ),
    ],
    ids=["inUseBy-string", "notAfter-boolean", "renewalStatus-number", "renewalStatusReason-array"],
)
def test_configuration_fields_of_another_type_than_configs_are_refused(
    aws: World, field: str, value: object, named: str
) -> None:
    event = with_invoking(change_example(aws), lambda i: i["configurationItem"]["configuration"].update({field: value}))
    refused(aws, event, rf"configuration\.{named} must be")


def test_an_item_as_rdklibs_own_evaluator_reads_it_from_config_history_is_accepted(aws: World) -> None:
    """The rule is an rdklib ConfigRule: rdklib's Evaluator (which the handler bypasses) would hand evaluate_change
    an oversized notification's item with the capture time boto3 parsed, a datetime."""
    recorded = acm_item(aws, 200)
    history = {
        "configurationItemCaptureTime": datetime(2016, 10, 6, 16, 46, 16, 261000, tzinfo=UTC),
        "configurationItemStatus": "OK",
        "accountId": "123456789012",
        "arn": CERTIFICATE,
        "resourceType": "AWS::ACM::Certificate",
        "resourceId": CERTIFICATE,
        "awsRegion": "us-east-2",
        "configuration": json.dumps(recorded["configuration"]),
        "relationships": [],
        "supplementaryConfiguration": {},
    }
    item = convert_into_notification_config_item(history)
    assert check_configuration_item(item, "configuration item") is item


@pytest.mark.parametrize("role", ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role"])
def test_an_execution_role_arn_without_a_role_name_is_refused(aws: World, role: str) -> None:
    refused(aws, change_example(aws) | {"executionRoleArn": role}, r"event\.executionRoleArn .* is not an IAM role ARN")


def test_an_oversized_notification_names_its_resource(aws: World) -> None:
    """Its summary's resourceId is what GetResourceConfigHistory is asked for."""
    event = with_invoking(oversized_example(aws), lambda i: i["configurationItemSummary"].pop("resourceId"))
    refused(aws, event, r"configurationItemSummary\.resourceId is missing")
