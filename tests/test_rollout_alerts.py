"""Someone is told when an account does not get the release: organization.yaml's rule on CloudFormation's
"CloudFormation StackSet StackInstance Status Change" events, its topic and key.

The events are the CloudFormation User Guide's own example ("StackSet Stack Instance Status Change event
detail", "Example: StackSet Stack Instance Status Change event"), quoted below as published, and that example
with the detailed statuses the rule is for. The pattern is run by moto's EventBridge (routing ``PutEvents``
through its pattern matcher to a queue); the plain-text input template is filled in as the EventBridge API
Reference documents (InputTransformer: each ``<name>`` replaced by the value at its path), since moto reads every
template as JSON.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.policy import ALLOW, Request, decide
from tests.support.templates import Resolver, active_resources, load

# The User Guide's example, verbatim (whitespace aside).
EXAMPLE_STACK_SET = (
    "arn:aws:cloudformation:us-east-1:111122223333:stackset/test1234:e5f54eea-d041-44ad-94f8-b8268aca1e59"
)
DOCUMENTED_EXAMPLE: dict[str, Any] = {
    "version": "0",
    "id": "42h6hb90-hg0w-11op-b01v-0xhnh0934z09",
    "detail-type": "CloudFormation StackSet StackInstance Status Change",
    "source": "aws.cloudformation",
    "account": "111122223333",
    "time": "2021-09-22T19:19:23Z",
    "region": "us-east-1",
    "resources": [
        "arn:aws:cloudformation:us-east-1:111122223333:stackset/test1234:e5f54eea-d041-44ad-94f8-b8268aca1e59"
    ],
    "detail": {
        "stack-set-arn": EXAMPLE_STACK_SET,
        "stack-id": "arn:aws:cloudformation:us-west-1:111122223333:stack/teststack",
        "status-details": {"status": "OUTDATED", "status-reason": "User Initiated", "detailed-status": "PENDING"},
    },
}
ACCOUNT, REGION = "111122223333", "us-east-1"
# The example's StackSet is the organization stack's rule StackSet here (Ref of a StackSet is its StackSetId).
RULE_STACK_SET_ID = "test1234:e5f54eea-d041-44ad-94f8-b8268aca1e59"
ALERTS_STACK_SET_ID = "test1234-alerts:0b5e7a1c-3c2d-4e5f-8a9b-1c2d3e4f5a6b"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/acm-expiry-organization-StackInstanceFailures-1A2B3C"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:acm-expiry-organization-RolloutTopic-1A2B3C"
REQUIRED = {
    "TargetOrganizationalUnitIds": "ou-ab12-cdef3456",
    "TargetRegions": "us-east-1,us-west-1",
    "ArtifactBucketAccount": ACCOUNT,
    "MemberTemplateURL": "https://b.s3.us-east-1.amazonaws.com/acm-expiry/member-0123456789abcdef.yaml",
    "AlertsTemplateURL": "https://b.s3.us-east-1.amazonaws.com/acm-expiry/alerts-0123456789abcdef.yaml",
}
NOT_TAKEN = ("FAILED", "INOPERABLE", "FAILED_IMPORT", "CANCELLED", "SKIPPED_SUSPENDED_ACCOUNT")
TAKEN_OR_UNDER_WAY = ("SUCCEEDED", "PENDING", "RUNNING")


def resources(overrides: Mapping[str, str] | None = None) -> dict[str, tuple[str, dict[str, Any]]]:
    template = load("organization.yaml")
    resolver = Resolver(
        template,
        {**REQUIRED, **(overrides or {})},
        pseudo={"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::StackName": "acm-expiry-organization"},
        known={
            "RuleStackSet": RULE_STACK_SET_ID,
            "AlertsStackSet": ALERTS_STACK_SET_ID,
            "StackInstanceFailures.Arn": RULE_ARN,
            "RolloutTopic": TOPIC_ARN,
        },
    )
    return {logical_id: (kind, props) for logical_id, kind, props in active_resources(template, resolver)}


def failure_rule(overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
    kind, rule = resources(overrides)["StackInstanceFailures"]
    assert kind == "AWS::Events::Rule"
    return rule


def example(detailed: str, status: str = "OUTDATED", stack_set_id: str = RULE_STACK_SET_ID) -> dict[str, Any]:
    event = copy.deepcopy(DOCUMENTED_EXAMPLE)
    event["detail"]["status-details"].update({"detailed-status": detailed, "status": status})
    event["detail"]["stack-set-arn"] = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stackset/{stack_set_id}"
    return event


@pytest.fixture
def eventbridge() -> Iterator[tuple[Any, Any, str]]:
    """moto's EventBridge with the template's rule (pattern as resolved), delivering whole events to a queue."""
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        queue = sqs.create_queue(QueueName="rollout")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rule = failure_rule()
        events.put_rule(Name="failures", EventPattern=json.dumps(rule["EventPattern"]), State="ENABLED")
        events.put_targets(Rule="failures", Targets=[{"Id": "queue", "Arn": queue_arn}])
        yield events, sqs, queue


def delivered(eventbridge: tuple[Any, Any, str], event: Mapping[str, Any]) -> list[dict[str, Any]]:
    events, sqs, queue = eventbridge
    answer = events.put_events(
        Entries=[
            {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "Resources": event["resources"],
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def transformed(rule: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    """A plain-text InputTemplate filled in as EventBridge does: each <name> becomes the value at its JSON path."""
    (target,) = rule["Targets"]
    transformer = target["InputTransformer"]
    text = str(transformer["InputTemplate"])
    for name, path in transformer["InputPathsMap"].items():
        value: Any = event
        for part in str(path).removeprefix("$.").split("."):
            value = value[part]
        text = text.replace(f"<{name}>", str(value))
    return text


def test_the_documented_example_is_the_organizations_rule_stack_set() -> None:
    """Resolved for the example's account and Region, the rule's pattern names the example's very StackSet."""
    assert EXAMPLE_STACK_SET in failure_rule()["EventPattern"]["detail"]["stack-set-arn"]


def test_the_documented_example_is_not_a_failure_and_its_failures_are_matched(
    eventbridge: tuple[Any, Any, str],
) -> None:
    """As published, the example is an instance waiting to be updated (OUTDATED, PENDING): nothing to tell. The same
    instance FAILED, INOPERABLE, ... is delivered, in the rule StackSet and in the alerts StackSet."""
    assert delivered(eventbridge, DOCUMENTED_EXAMPLE) == []
    for detailed in NOT_TAKEN:
        for stack_set in (RULE_STACK_SET_ID, ALERTS_STACK_SET_ID):
            (event,) = delivered(eventbridge, example(detailed, stack_set_id=stack_set))
            assert event["detail"]["status-details"]["detailed-status"] == detailed
    for detailed in TAKEN_OR_UNDER_WAY:
        assert delivered(eventbridge, example(detailed, status="CURRENT")) == []


def test_other_stack_sets_and_other_sources_are_not_matched(eventbridge: tuple[Any, Any, str]) -> None:
    assert delivered(eventbridge, example("FAILED", stack_set_id="someone-else:0b5e7a1c-0000")) == []
    other_source = example("FAILED") | {"source": "acm-expiry-rule"}
    assert delivered(eventbridge, other_source) == []
    other_type = example("FAILED") | {"detail-type": "CloudFormation StackSet Operation Status Change"}
    assert delivered(eventbridge, other_type) == []


def test_without_the_alerts_stack_set_only_the_rules_instances_are_matched() -> None:
    pattern = failure_rule({"Alerts": "false"})["EventPattern"]
    assert pattern["detail"]["stack-set-arn"] == [
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stackset/{RULE_STACK_SET_ID}"
    ]


def test_the_message_names_the_instance_account_region_and_reason() -> None:
    """The event's own account and region are the StackSet's (us-east-1 in the example); the instance's are in its
    stack ARN (us-west-1), which the message carries whole, with the status and CloudFormation's reason."""
    rule = failure_rule()
    message = transformed(rule, example("FAILED"))
    assert "arn:aws:cloudformation:us-west-1:111122223333:stack/teststack" in message
    assert "is FAILED (OUTDATED): User Initiated." in message
    assert f"stackset/{RULE_STACK_SET_ID}" in message
    assert "acm-expiry org-status --stack-name acm-expiry-organization --region us-east-1" in message
    # Plain text, not a JSON string: a reason holding quotes ("Resource handler returned message: \"...\"") cannot
    # make the message invalid.
    template = str(rule["Targets"][0]["InputTransformer"]["InputTemplate"])
    assert not template.startswith(('"', "{"))
    quoted = example("FAILED")
    quoted["detail"]["status-details"]["status-reason"] = 'Resource handler returned message: "No recorder"'
    assert 'returned message: "No recorder".' in transformed(rule, quoted)


def test_the_topic_is_encrypted_and_only_the_rule_may_publish() -> None:
    found = resources()
    _, topic = found["RolloutTopic"]
    assert topic["KmsMasterKeyId"] == "sample-RolloutKey-Arn"
    (target,) = failure_rule()["Targets"]
    assert target["Arn"] == TOPIC_ARN and "RoleArn" not in target
    _, policy = found["RolloutTopicPolicy"]
    document = policy["PolicyDocument"]
    publish = Request("events.amazonaws.com", "sns:Publish", TOPIC_ARN, {"aws:SourceArn": RULE_ARN})
    assert decide(document, publish) == ALLOW
    other_rule = Request("events.amazonaws.com", "sns:Publish", TOPIC_ARN, {"aws:SourceArn": RULE_ARN + "x"})
    assert decide(document, other_rule) != ALLOW
    _, key = found["RolloutKey"]
    assert key["EnableKeyRotation"] is True
    key_policy = key["KeyPolicy"]
    # EventBridge may use the key (no source conditions: not supported for EventBridge, SNS Developer Guide); no
    # other service may.
    assert decide(key_policy, Request("events.amazonaws.com", "kms:GenerateDataKey", "*")) == ALLOW
    assert decide(key_policy, Request("cloudwatch.amazonaws.com", "kms:GenerateDataKey", "*")) != ALLOW


def test_the_email_subscription_exists_only_with_an_address() -> None:
    assert "RolloutAlertEmailSubscription" not in resources()
    _, subscription = resources({"RolloutAlertEmail": "ops@example.com"})["RolloutAlertEmailSubscription"]
    assert subscription == {"TopicArn": TOPIC_ARN, "Protocol": "email", "Endpoint": "ops@example.com"}
