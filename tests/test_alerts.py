"""deploy/alerts.yaml: the SNS topic and its KMS key, the EventBridge rule on AWS Config's compliance-change
events, and the CloudWatch alarms on the rule's metrics.

The event pattern and the input transformer are run by a real EventBridge implementation, moto's: moto does not
implement TestEventPattern, but its PutEvents routes every event through its pattern matcher and applies a
target's InputTransformer. Moto delivers to SQS targets, not SNS ones, so the rule is created there with a queue
as its target and the template's InputTransformer. The events are shaped as the AWS Config Developer Guide
documents a compliance-change notification (whose ``Message`` is the EventBridge event's ``detail``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.events.models import EventPattern

from tests.test_deploy import (
    ACCOUNT,
    DEPLOY,
    PSEUDO_PARAMETERS,
    RDK_FUNCTION_NAME,
    Resolver,
    active_resources,
    allowed_by_pattern,
    as_list,
    assert_lints_clean,
    load,
    parliament_findings,
)

TEMPLATE = "alerts.yaml"
REGION = PSEUDO_PARAMETERS["AWS::Region"]
RULE_NAME = "ACMExpiryRule"
# Names Config gives a conformance pack's rule and, in member accounts, an organization rule (examples: the
# suffixes are Config's; the forms are those of the Audit Manager API reference's examples of such rule names).
PACK_RULE_NAME = "ACMExpiryRule-conformance-pack-szsm1uv0w"
ORG_RULE_NAME = "OrgConfigRule-ACMExpiryRule-dbgzf8ba"
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0b5e7a1c-3c2d-4e5f-8a9b-1c2d3e4f5a6b"
# A NON_COMPLIANT annotation of the rule's kind. (moto tests `"time" in` the transformed input before sending it to
# SQS, a substring test on a string: an annotation holding "time" would break moto, not the template.)
ANNOTATION = (
    "Expires in 5 days (2026-12-02), within the 30-day window. Not in use: ACM does not renew it, "
    "request a new certificate."
)

# The contract with the rule's function, which writes these in CloudWatch embedded metric format.
NAMESPACE = "ACMExpiryRule"
DIMENSION = "ConfigRuleName"
SOONEST_EXPIRY = "SoonestExpiryDays"
FINDINGS_FAILURES = "FindingsFailures"

# What CloudFormation would give the resources the template refers to.
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:acm-expiry-alerts-AlertsTopic-1A2B3C4D5E6F"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EVENT_RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/acm-expiry-alerts-ComplianceChangeRule-1A2B3C4D5E6F"


class AlertsResolver(Resolver):
    """The template's intrinsics, with ARN-shaped values for the resources it creates."""

    def ref(self, name: str) -> str:
        return {"AlertsTopic": TOPIC_ARN, "AlertsKey": KEY_ARN.rsplit("/", 1)[1]}.get(name) or super().ref(name)

    def get_att(self, name: str, attribute: str) -> str:
        known = {("AlertsKey", "Arn"): KEY_ARN, ("ComplianceChangeRule", "Arn"): EVENT_RULE_ARN}
        return known.get((name, attribute)) or super().get_att(name, attribute)


def deployment(overrides: Mapping[str, str] | None = None) -> dict[str, tuple[str, dict[str, Any]]]:
    """Logical id -> (type, resolved properties) of each resource the stack creates with these parameters."""
    template = load(TEMPLATE)
    resolver = AlertsResolver(template, overrides)
    return {logical_id: (kind, props) for logical_id, kind, props in active_resources(template, resolver)}


def of_type(resources: Mapping[str, tuple[str, dict[str, Any]]], kind: str) -> dict[str, dict[str, Any]]:
    return {logical_id: props for logical_id, (k, props) in resources.items() if k == kind}


def event_rule(overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
    (rule,) = of_type(deployment(overrides), "AWS::Events::Rule").values()
    return rule


# --- the events --------------------------------------------------------------------------------------


def evaluation_result(rule_name: str, resource_type: str, resource_id: str, compliance: str, at: str) -> dict[str, Any]:
    return {
        "evaluationResultIdentifier": {
            "evaluationResultQualifier": {
                "configRuleName": rule_name,
                "resourceType": resource_type,
                "resourceId": resource_id,
            },
            "orderingTimestamp": f"2026-11-27T{at}.619Z",
        },
        "complianceType": compliance,
        "resultRecordedTime": f"2026-11-27T{at}.905Z",
        "configRuleInvokedTime": f"2026-11-27T{at}.714Z",
        "annotation": ANNOTATION if compliance == "NON_COMPLIANT" else "Expires in 80 days (2027-02-15).",
    }


def compliance_change_detail(
    rule_name: str = RULE_NAME,
    new: str = "NON_COMPLIANT",
    old: str | None = "COMPLIANT",
    resource_type: str = "AWS::ACM::Certificate",
    resource_id: str = CERTIFICATE,
) -> dict[str, Any]:
    """The ``detail`` of a "Config Rules Compliance Change" event: the compliance-change notification of the
    AWS Config Developer Guide. ``old`` None: the resource's first evaluation, without oldEvaluationResult."""
    detail: dict[str, Any] = {
        "resourceId": resource_id,
        "awsRegion": REGION,
        "awsAccountId": ACCOUNT,
        "configRuleName": rule_name,
        "recordVersion": "1.0",
        "configRuleARN": f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-9rpvxc",
        "messageType": "ComplianceChangeNotification",
        "resourceType": resource_type,
        "notificationCreationTime": "2026-11-27T06:12:03.111Z",
        "newEvaluationResult": evaluation_result(rule_name, resource_type, resource_id, new, "06:12:01"),
    }
    if old is not None:
        detail["oldEvaluationResult"] = evaluation_result(rule_name, resource_type, resource_id, old, "05:10:44")
    return detail


def envelope(detail: Mapping[str, Any], source: str = "aws.config") -> dict[str, Any]:
    """The EventBridge event around ``detail``, as a rule's pattern sees it."""
    return {
        "version": "0",
        "id": "5b4f6a2e-0c1d-4f8e-9a7b-3c2d1e0f9a8b",
        "detail-type": "Config Rules Compliance Change",
        "source": source,
        "account": ACCOUNT,
        "time": "2026-11-27T06:12:03Z",
        "region": REGION,
        "resources": [],
        "detail": dict(detail),
    }


def expected_message(rule_name: str) -> str:
    return (
        f"ACM certificate {CERTIFICATE} in account {ACCOUNT} ({REGION}) turned NON_COMPLIANT "
        f"under Config rule {rule_name}: {ANNOTATION}"
    )


# (case, event detail, source, delivered as one line for this rule name or None: no alert)
CASES = [
    ("turns-non-compliant", compliance_change_detail(), "aws.config", RULE_NAME),
    ("first-evaluation-non-compliant", compliance_change_detail(old=None), "aws.config", RULE_NAME),
    ("from-not-applicable", compliance_change_detail(old="NOT_APPLICABLE"), "aws.config", RULE_NAME),
    ("conformance-pack-rule", compliance_change_detail(rule_name=PACK_RULE_NAME), "aws.config", PACK_RULE_NAME),
    # The prefix match's price: a rule whose name merely starts with ConfigRuleName is taken as well.
    ("longer-name-same-prefix", compliance_change_detail(rule_name="ACMExpiryRule2"), "aws.config", "ACMExpiryRule2"),
    ("turns-compliant", compliance_change_detail(new="COMPLIANT", old="NON_COMPLIANT"), "aws.config", None),
    ("turns-not-applicable", compliance_change_detail(new="NOT_APPLICABLE", old="NON_COMPLIANT"), "aws.config", None),
    ("another-rule", compliance_change_detail(rule_name="acm-certificate-expiration-check"), "aws.config", None),
    ("name-not-at-the-start", compliance_change_detail(rule_name="MyACMExpiryRule"), "aws.config", None),
    # An organization rule's name in a member account: ConfigRuleName has to be OrgConfigRule-ACMExpiryRule.
    ("organization-rule", compliance_change_detail(rule_name=ORG_RULE_NAME), "aws.config", None),
    (
        "other-resource-type",
        compliance_change_detail(resource_type="AWS::::Account", resource_id=ACCOUNT),
        "aws.config",
        None,
    ),
    ("not-from-config", compliance_change_detail(), "custom.config", None),
]
CASE_PARAMS = [pytest.param(detail, source, delivered, id=case) for case, detail, source, delivered in CASES]


@pytest.fixture
def eventbridge(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """moto's EventBridge and SQS (never AWS): fake credentials, no profile, no endpoint override."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)


def route(clients: tuple[Any, Any], rule: Mapping[str, Any], source: str, detail: Mapping[str, Any]) -> list[str]:
    """Put one event on moto's default bus with the template's rule in place; what reached the target."""
    events, sqs = clients
    queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    (target,) = rule["Targets"]
    events.put_rule(Name="acm-expiry-alerts", EventPattern=json.dumps(rule["EventPattern"]), State=rule["State"])
    events.put_targets(
        Rule="acm-expiry-alerts",
        Targets=[{"Id": target["Id"], "Arn": queue_arn, "InputTransformer": target["InputTransformer"]}],
    )
    response = events.put_events(
        Entries=[{"Source": source, "DetailType": "Config Rules Compliance Change", "Detail": json.dumps(detail)}]
    )
    assert response["FailedEntryCount"] == 0, response
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    # The transformed input is a JSON string (the template is one); moto JSON-encodes it into the message body.
    return [json.loads(message["Body"]) for message in messages]


# --- tests: the EventBridge rule ---------------------------------------------------------------------


def test_alerts_template_lints_clean() -> None:
    assert_lints_clean(DEPLOY / TEMPLATE)


def test_event_pattern_is_what_the_alert_needs() -> None:
    assert event_rule()["EventPattern"] == {
        "source": ["aws.config"],
        "detail-type": ["Config Rules Compliance Change"],
        "detail": {
            "configRuleName": [{"prefix": RULE_NAME}],
            "resourceType": ["AWS::ACM::Certificate"],
            "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]},
        },
    }
    assert event_rule({"ConfigRuleName": PACK_RULE_NAME})["EventPattern"]["detail"]["configRuleName"] == [
        {"prefix": PACK_RULE_NAME}
    ]


@pytest.mark.parametrize(("detail", "source", "delivered_for"), CASE_PARAMS)
def test_eventbridge_delivers_certificates_turning_non_compliant(
    eventbridge: tuple[Any, Any], detail: dict[str, Any], source: str, delivered_for: str | None
) -> None:
    delivered = route(eventbridge, event_rule(), source, detail)
    if delivered_for is None:
        assert delivered == []
    else:
        assert delivered == [expected_message(delivered_for)]


@pytest.mark.parametrize(("detail", "source", "delivered_for"), CASE_PARAMS)
def test_event_pattern_matches_as_eventbridge_would(
    detail: dict[str, Any], source: str, delivered_for: str | None
) -> None:
    """The same cases through moto's pattern matcher directly, on the whole event."""
    pattern = EventPattern.load(json.dumps(event_rule()["EventPattern"]))
    assert pattern.matches_event(envelope(detail, source)) is (delivered_for is not None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("config_rule_name", "rule_name"),
    [
        pytest.param(PACK_RULE_NAME, PACK_RULE_NAME, id="pack-rule-full-name"),
        pytest.param("OrgConfigRule-ACMExpiryRule", ORG_RULE_NAME, id="organization-rule-prefix"),
        pytest.param(ORG_RULE_NAME, ORG_RULE_NAME, id="organization-rule-full-name"),
    ],
)
def test_config_rule_name_for_packs_and_organizations(
    eventbridge: tuple[Any, Any], config_rule_name: str, rule_name: str
) -> None:
    """With the full name (which the alarms need) or the organization rule's prefix, the events arrive."""
    rule = event_rule({"ConfigRuleName": config_rule_name})
    assert route(eventbridge, rule, "aws.config", compliance_change_detail(rule_name=rule_name)) == [
        expected_message(rule_name)
    ]


def test_the_message_is_one_readable_line() -> None:
    (target,) = event_rule()["Targets"]
    transformer = target["InputTransformer"]
    assert transformer["InputPathsMap"] == {
        "resourceId": "$.detail.resourceId",
        "awsAccountId": "$.detail.awsAccountId",
        "awsRegion": "$.detail.awsRegion",
        "configRuleName": "$.detail.configRuleName",
        "annotation": "$.detail.newEvaluationResult.annotation",
    }
    # Every path names a string of the documented event, so no placeholder is left standing.
    event = envelope(compliance_change_detail())
    for path in transformer["InputPathsMap"].values():
        value: Any = event
        for key in path.removeprefix("$.").split("."):
            value = value[key]
        assert isinstance(value, str), path
    # A JSON string (quotes required for strings), on one line.
    template = transformer["InputTemplate"]
    assert template.startswith('"') and template.endswith('"')
    assert "\n" not in template
    filled = template
    for name, path in transformer["InputPathsMap"].items():
        filled = filled.replace(f"<{name}>", f"<{path}>")
    assert json.loads(filled) == (
        "ACM certificate <$.detail.resourceId> in account <$.detail.awsAccountId> (<$.detail.awsRegion>) turned "
        "NON_COMPLIANT under Config rule <$.detail.configRuleName>: <$.detail.newEvaluationResult.annotation>"
    )


def test_the_target_is_the_topic_without_a_role() -> None:
    """EventBridge publishes under the topic policy; a RoleArn can break delivery to an encrypted topic."""
    rule = event_rule()
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert target["Arn"] == TOPIC_ARN
    assert "RoleArn" not in target
    assert "EventBusName" not in rule  # the default bus, where AWS Config's events arrive


# --- tests: topic, key, subscription -----------------------------------------------------------------


def test_the_topic_is_encrypted_with_the_stacks_key() -> None:
    resources = deployment()
    (topic,) = of_type(resources, "AWS::SNS::Topic").values()
    assert topic["KmsMasterKeyId"] == KEY_ARN
    (key,) = of_type(resources, "AWS::KMS::Key").values()
    assert key["EnableKeyRotation"] is True


def test_the_key_lets_eventbridge_and_cloudwatch_publish() -> None:
    """The Amazon SNS Developer Guide: the service principals need kms:GenerateDataKey* and kms:Decrypt on a
    customer managed key; source conditions in the key policy are not supported for EventBridge."""
    (key,) = of_type(deployment(), "AWS::KMS::Key").values()
    statements = {statement["Sid"]: statement for statement in key["KeyPolicy"]["Statement"]}
    assert len(statements) == 2
    administer = statements["AccountAdministersTheKey"]
    publish = statements["ServicesPublishToTheTopic"]
    assert administer["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert as_list(administer["Action"]) == ["kms:*"]
    assert set(as_list(publish["Principal"]["Service"])) == {"events.amazonaws.com", "cloudwatch.amazonaws.com"}
    assert set(as_list(publish["Action"])) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert publish["Resource"] == "*"  # in a key policy: this key
    assert "Condition" not in publish
    assert all(statement["Effect"] == "Allow" for statement in statements.values())


def test_the_topic_policy_names_the_rule_and_this_accounts_alarms() -> None:
    (policy,) = of_type(deployment(), "AWS::SNS::TopicPolicy").values()
    assert policy["Topics"] == [TOPIC_ARN]
    statements = policy["PolicyDocument"]["Statement"]
    by_service = {statement["Principal"]["Service"]: statement for statement in statements}
    assert set(by_service) == {"events.amazonaws.com", "cloudwatch.amazonaws.com"}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert as_list(statement["Action"]) == ["sns:Publish"]
        assert as_list(statement["Resource"]) == [TOPIC_ARN]
    assert by_service["events.amazonaws.com"]["Condition"] == {"ArnEquals": {"aws:SourceArn": EVENT_RULE_ARN}}
    assert by_service["cloudwatch.amazonaws.com"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"},
    }
    assert not parliament_findings(policy["PolicyDocument"])


def test_member_accounts_get_no_alarms_and_no_alarm_grants() -> None:
    """MetricAlarms "false" (an organization's member accounts, where the function does not run): the
    compliance-change alerts only, and nothing lets CloudWatch publish or use the key."""
    resources = deployment({"MetricAlarms": "false"})
    assert not of_type(resources, "AWS::CloudWatch::Alarm")
    assert {kind for kind, _ in resources.values()} == {
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
        "AWS::SNS::Topic",
        "AWS::SNS::TopicPolicy",
        "AWS::Events::Rule",
    }
    (policy,) = of_type(resources, "AWS::SNS::TopicPolicy").values()
    assert [s["Principal"] for s in policy["PolicyDocument"]["Statement"]] == [{"Service": "events.amazonaws.com"}]
    (key,) = of_type(resources, "AWS::KMS::Key").values()
    services = [s["Principal"].get("Service") for s in key["KeyPolicy"]["Statement"]]
    assert [service for service in services if service] == [["events.amazonaws.com"]]


def test_the_email_subscription_exists_only_with_an_address() -> None:
    assert not of_type(deployment(), "AWS::SNS::Subscription")
    (subscription,) = of_type(deployment({"AlertEmail": "ops@example.com"}), "AWS::SNS::Subscription").values()
    assert subscription == {"TopicArn": TOPIC_ARN, "Protocol": "email", "Endpoint": "ops@example.com"}


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("", True), ("ops@example.com", True), ("team+acm@mail.example.co.uk", True), ("ops", False), ("a b@c.d", False)],
)
def test_alert_email_takes_an_address_or_nothing(address: str, allowed: bool) -> None:
    spec = load(TEMPLATE)["Parameters"]["AlertEmail"]
    assert spec["Default"] == ""
    assert allowed_by_pattern(str(spec["AllowedPattern"]), address) is allowed


# --- tests: the alarms -------------------------------------------------------------------------------


def alarms(overrides: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The stack's alarms by metric name."""
    found = of_type(deployment(overrides), "AWS::CloudWatch::Alarm").values()
    by_metric = {alarm["MetricName"]: alarm for alarm in found}
    assert len(by_metric) == len(found)
    return by_metric


def test_there_are_three_alarms_and_they_all_notify_the_topic() -> None:
    found = alarms()
    assert set(found) == {SOONEST_EXPIRY, FINDINGS_FAILURES, "Errors"}
    for alarm in found.values():
        assert alarm["AlarmActions"] == [TOPIC_ARN]
        assert alarm["EvaluationPeriods"] == 1
        assert alarm["TreatMissingData"] == "notBreaching"
    # A certificate that is renewed (or goes) is news too.
    assert found[SOONEST_EXPIRY]["OKActions"] == [TOPIC_ARN]


@pytest.mark.parametrize("rule_name", [RULE_NAME, PACK_RULE_NAME])
def test_rule_alarms_read_the_functions_metrics(rule_name: str) -> None:
    """Namespace, metric names and the one dimension are what the function writes (its EMF contract)."""
    found = alarms({"ConfigRuleName": rule_name})
    for metric in (SOONEST_EXPIRY, FINDINGS_FAILURES):
        assert found[metric]["Namespace"] == NAMESPACE
        assert found[metric]["Dimensions"] == [{"Name": DIMENSION, "Value": rule_name}]


@pytest.mark.parametrize(("threshold", "expected"), [(None, "7"), ("14", "14"), ("0", "0")])
def test_soonest_expiry_alarm(threshold: str | None, expected: str) -> None:
    """The fewest days left, over a day (the periodic run's interval), at or under the threshold."""
    alarm = alarms({} if threshold is None else {"SoonestExpiryThresholdDays": threshold})[SOONEST_EXPIRY]
    assert alarm["Statistic"] == "Minimum"
    assert alarm["Period"] == 86400
    assert alarm["ComparisonOperator"] == "LessThanOrEqualToThreshold"
    assert str(alarm["Threshold"]) == expected


def test_findings_failures_alarm() -> None:
    alarm = alarms()[FINDINGS_FAILURES]
    assert (alarm["Statistic"], alarm["Period"]) == ("Sum", 3600)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


@pytest.mark.parametrize("function_name", [RDK_FUNCTION_NAME, "acm-expiry-rule"])
def test_function_errors_alarm(function_name: str) -> None:
    alarm = alarms({"FunctionName": function_name})["Errors"]
    assert alarm["Namespace"] == "AWS/Lambda"
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": function_name}]
    assert (alarm["Statistic"], alarm["Period"]) == ("Sum", 3600)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


def test_defaults_agree_with_the_other_templates() -> None:
    parameters = load(TEMPLATE)["Parameters"]
    assert parameters["FunctionName"]["Default"] == load("execution-role.yaml")["Parameters"]["FunctionName"]["Default"]
    rule_names = {r["Properties"]["ConfigRuleName"] for r in load("conformance-pack.yaml")["Resources"].values()}
    assert rule_names == {parameters["ConfigRuleName"]["Default"]}


def test_deploy_readme_has_an_alerts_section() -> None:
    text = (DEPLOY / "README.md").read_text()
    assert "## Alerts" in text
    assert "deploy/alerts.yaml" in text
