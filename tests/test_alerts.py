"""deploy/alerts.yaml: the SNS topic and its KMS key, the two EventBridge rules (the rule's own crossing events;
AWS Config's compliance-change events), the CloudWatch alarms on the rule's metrics and the timeout metric filter.

The event patterns and the input transformers are run by a real EventBridge implementation, moto's: moto does not
implement TestEventPattern, but its PutEvents routes every event through its pattern matcher and applies a
target's InputTransformer. Moto delivers to SQS targets, not SNS ones, so the rule is created there with a queue
as its target and the template's InputTransformer. Config's events are shaped as the AWS Config Developer Guide
documents a compliance-change notification (whose ``Message`` is the EventBridge event's ``detail``); the rule's
own are the entries ``acm_expiry.crossings`` builds, as PutEvents puts them on the bus.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.events.models import EventPattern
from moto.events.utils import EventTemplateParser

from acm_expiry import crossings
from acm_expiry.certificate import Certificate
from acm_expiry.metrics import SOONEST_EXPIRY_HORIZON_DAYS
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import judge
from tests.support.cloudwatch import MetricAlarm, MetricFilter, State, TermPattern
from tests.support.policy import ALLOW, Request, decide
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
# Names Config gives a conformance pack's rule and, in member accounts, an organization rule: the forms of the
# AWS Audit Manager API Reference's examples of service-linked rule names (SourceKeyword:
# "CustomRuleForAccount-conformance-pack-szsm1uv0w", "OrgConfigRule-s3-bucket-versioning-enabled-dbgzf8ba").
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

# What CloudFormation would give the resources the template refers to.
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:acm-expiry-alerts-AlertsTopic-1A2B3C4D5E6F"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EVENT_RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/acm-expiry-alerts-ComplianceChangeRule-1A2B3C4D5E6F"
CROSSING_RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/acm-expiry-alerts-CrossingRule-1A2B3C4D5E6F"
# CertificatePages: who names the certificates.
RULE_PAGES, CONFIG_PAGES = {"CertificatePages": "rule"}, {"CertificatePages": "config"}


class AlertsResolver(Resolver):
    """The template's intrinsics, with ARN-shaped values for the resources it creates."""

    def ref(self, name: str) -> str:
        return {"AlertsTopic": TOPIC_ARN, "AlertsKey": KEY_ARN.rsplit("/", 1)[1]}.get(name) or super().ref(name)

    def get_att(self, name: str, attribute: str) -> str:
        known = {
            ("AlertsKey", "Arn"): KEY_ARN,
            ("ComplianceChangeRule", "Arn"): EVENT_RULE_ARN,
            ("CrossingRule", "Arn"): CROSSING_RULE_ARN,
        }
        return known.get((name, attribute)) or super().get_att(name, attribute)


def deployment(overrides: Mapping[str, str] | None = None) -> dict[str, tuple[str, dict[str, Any]]]:
    """Logical id -> (type, resolved properties) of each resource the stack creates with these parameters."""
    template = load(TEMPLATE)
    resolver = AlertsResolver(template, overrides)
    return {logical_id: (kind, props) for logical_id, kind, props in active_resources(template, resolver)}


def of_type(resources: Mapping[str, tuple[str, dict[str, Any]]], kind: str) -> dict[str, dict[str, Any]]:
    return {logical_id: props for logical_id, (k, props) in resources.items() if k == kind}


def event_rules(overrides: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    return of_type(deployment(overrides), "AWS::Events::Rule")


def event_rule(overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The compliance-change rule, as deployed with CertificatePages "config" (where it is on) unless told."""
    return event_rules({**CONFIG_PAGES, **(overrides or {})})["ComplianceChangeRule"]


def crossing_rule(overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
    return event_rules(overrides)["CrossingRule"]


def deliver(rule: Mapping[str, Any], event: Mapping[str, Any]) -> str | None:
    """What an EventBridge rule of the template sends its target for ``event``: None if it is off or does not match;
    else the input its transformer makes (moto's own matcher and template parser), a JSON string read back."""
    if rule["State"] != "ENABLED":
        return None
    if not EventPattern.load(json.dumps(rule["EventPattern"])).matches_event(dict(event)):  # type: ignore[arg-type]
        return None
    (target,) = rule["Targets"]
    transformer = target["InputTransformer"]
    transformed: Any = EventTemplateParser.parse(
        input_template=transformer["InputTemplate"],
        input_paths_map=transformer["InputPathsMap"],
        event=dict(event) | {"ingestion-time": event["time"]},  # type: ignore[arg-type]
    )
    assert isinstance(transformed, str), transformed  # one line of text, never an object
    return transformed


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
    ("organization-rule", compliance_change_detail(rule_name=ORG_RULE_NAME), "aws.config", ORG_RULE_NAME),
    ("turns-compliant", compliance_change_detail(new="COMPLIANT", old="NON_COMPLIANT"), "aws.config", None),
    ("turns-not-applicable", compliance_change_detail(new="NOT_APPLICABLE", old="NON_COMPLIANT"), "aws.config", None),
    ("another-rule", compliance_change_detail(rule_name="acm-certificate-expiration-check"), "aws.config", None),
    # Other rules whose names merely start like this one's, or contain it.
    ("longer-name", compliance_change_detail(rule_name="ACMExpiryRule2"), "aws.config", None),
    ("hyphenated-name", compliance_change_detail(rule_name="ACMExpiryRule-staging"), "aws.config", None),
    ("name-not-at-the-start", compliance_change_detail(rule_name="MyACMExpiryRule"), "aws.config", None),
    ("other-rule-in-a-pack", compliance_change_detail(rule_name="ACMExpiryRule2-conformance-pack-szsm1uv0w"),
     "aws.config", None),
    ("other-organization-rule", compliance_change_detail(rule_name="OrgConfigRule-ACMExpiryRule2-dbgzf8ba"),
     "aws.config", None),
    ("other-case", compliance_change_detail(rule_name="acmexpiryrule"), "aws.config", None),
    (
        "other-resource-type",
        compliance_change_detail(resource_type="AWS::::Account", resource_id=ACCOUNT),
        "aws.config",
        None,
    ),
    ("not-from-config", compliance_change_detail(), "custom.config", None),
]  # fmt: skip
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


def route(
    clients: tuple[Any, Any],
    rule: Mapping[str, Any],
    source: str,
    detail: Mapping[str, Any],
    detail_type: str = "Config Rules Compliance Change",
) -> list[str]:
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
    response = events.put_events(Entries=[{"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}])
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
            "configRuleName": [
                RULE_NAME,
                {"prefix": f"{RULE_NAME}-conformance-pack-"},
                {"prefix": f"OrgConfigRule-{RULE_NAME}-"},
            ],
            "resourceType": ["AWS::ACM::Certificate"],
            "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]},
        },
    }


def operators(pattern: Any) -> set[str]:
    """Every content-filter operator a pattern uses ("exact" for a plain value)."""
    if isinstance(pattern, Mapping):
        return set().union(*(operators(value) for value in pattern.values()))
    found: set[str] = set()
    for item in pattern:
        found |= set(item) if isinstance(item, Mapping) else {"exact"}
    return found


def test_the_pattern_uses_only_what_moto_matches_as_eventbridge_does() -> None:
    """moto's matcher takes an operator it does not know as matching everything; exact values and "prefix" (the
    EventBridge User Guide's "Prefix matching") it implements, so the routing tests below can fail."""
    for rule in event_rules().values():
        assert operators(rule["EventPattern"]) == {"exact", "prefix"}


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
    ("rule_name", "delivered"),
    [
        pytest.param("CertExpiry", True, id="as-named"),
        pytest.param("CertExpiry-conformance-pack-k2v9x0aqe", True, id="conformance-pack"),
        pytest.param("OrgConfigRule-CertExpiry-q8f2m1zz", True, id="organization"),
        pytest.param("CertExpiryRule", False, id="longer-name"),
        pytest.param("ACMExpiryRule", False, id="the-default-name"),
    ],
)
def test_another_rule_name_is_matched_in_all_three_forms(
    eventbridge: tuple[Any, Any], rule_name: str, delivered: bool
) -> None:
    rule = event_rule({"ConfigRuleName": "CertExpiry"})
    expected = [expected_message(rule_name)] if delivered else []
    assert route(eventbridge, rule, "aws.config", compliance_change_detail(rule_name=rule_name)) == expected


def test_the_compliance_change_message_is_one_readable_line() -> None:
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


def test_the_targets_are_the_topic_without_a_role() -> None:
    """EventBridge publishes under the topic policy; a RoleArn can break delivery to an encrypted topic."""
    for rule in event_rules().values():
        (target,) = rule["Targets"]
        assert target["Arn"] == TOPIC_ARN
        assert "RoleArn" not in target
        assert "EventBusName" not in rule  # the default bus, where AWS Config's events and the rule's arrive


@pytest.mark.parametrize(
    ("overrides", "on"),
    [({}, "CrossingRule"), (RULE_PAGES, "CrossingRule"), (CONFIG_PAGES, "ComplianceChangeRule")],
)
def test_one_event_rule_is_on_whoever_names_the_certificates(overrides: dict[str, str], on: str) -> None:
    """Both exist, so switching CertificatePages changes a State, not the stack's shape; one is on, so a certificate
    is never named twice for one crossing."""
    states = {name: rule["State"] for name, rule in event_rules(overrides).items()}
    assert states == {
        name: "ENABLED" if name == on else "DISABLED" for name in ("CrossingRule", "ComplianceChangeRule")
    }


# --- tests: the rule's own events (CrossingRule) -----------------------------------------------------

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def judged(name: str, not_after: datetime, **facts: Any) -> Assessment:
    """A certificate as the rule judges it at NOW with its default 30-day window."""
    fields: dict[str, Any] = {"domain_name": f"{name}.example.com", "status": "ISSUED", "type": "IMPORTED"} | facts
    certificate = Certificate(arn=f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/{name}", not_after=not_after, **fields)
    return Assessment(certificate, judge(certificate, NOW, 30))


Crossing = crossings.Crossing
# One page of each kind the rule puts, and the odd domain name (a wildcard; one holding a quote, which no valid
# certificate has, to show the line stays one JSON string whatever reaches the rule).
PAGES: dict[str, crossings.Page] = {
    "entered-window": crossings.Page(Crossing.ENTERED_WINDOW, judged("a", NOW + 29 * DAY), 30),
    "threshold": crossings.Page(Crossing.THRESHOLD, judged("b", NOW + 6 * DAY + timedelta(hours=9)), 7),
    "expired": crossings.Page(Crossing.EXPIRED, judged("c", NOW - DAY), 0),
    "revoked": crossings.Page(
        Crossing.REVOKED, judged("d", NOW + 90 * DAY, status="REVOKED", revoked_at=NOW - DAY), None
    ),
    "renewal-stalled": crossings.Page(
        Crossing.RENEWAL_STALLED,
        judged("e", NOW + 12 * DAY, type="AMAZON_ISSUED", in_use=True, renewal_eligibility="ELIGIBLE",
               renewal_status="PENDING_VALIDATION"),
        None,
    ),
    "wildcard-domain": crossings.Page(Crossing.THRESHOLD, judged("f", NOW + 2 * DAY, domain_name="*.example.com"), 7),
    "quote-in-domain": crossings.Page(Crossing.EXPIRED, judged("g", NOW - DAY, domain_name='x".example.com'), 0),
}  # fmt: skip


def entry_of(page: crossings.Page, rule_name: str = RULE_NAME) -> dict[str, Any]:
    return crossings.entry(page, crossings.Context(rule_name, NOW))


def on_the_bus(entry: Mapping[str, Any], account: str = ACCOUNT, region: str = REGION) -> dict[str, Any]:
    """The event EventBridge makes of a PutEvents entry (EventBridge User Guide, "Amazon EventBridge events"): the
    entry's Source, DetailType, Resources and Detail (parsed), the caller's account and Region, the entry's Time."""
    at = entry["Time"]
    when = at if isinstance(at, datetime) else datetime.fromtimestamp(float(at), UTC)
    return {
        "version": "0",
        "id": "0d079340-135a-c8c6-95c2-41fb8f496c53",
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": list(entry.get("Resources", [])),
        "detail": json.loads(entry["Detail"]) if isinstance(entry["Detail"], str) else dict(entry["Detail"]),
    }


def crossing_message(detail: Mapping[str, Any]) -> str:
    """The line the topic gets for one of the rule's events (docs/alerts.md, "Pages", quotes one)."""
    return (
        f"ACM certificate {detail['domainName']} in account {detail['accountId']} ({detail['region']}) "
        f"{detail['headline']}. {detail['advice']} Console: {detail['consoleUrl']} "
        f"(Config rule {detail['configRuleName']})"
    )


def test_crossing_pattern_takes_the_rules_own_events_by_config_rule_name() -> None:
    assert crossing_rule()["EventPattern"] == {
        "source": [crossings.SOURCE],
        "detail-type": [crossings.DETAIL_TYPE],
        "detail": {
            "configRuleName": [
                RULE_NAME,
                {"prefix": f"{RULE_NAME}-conformance-pack-"},
                {"prefix": f"OrgConfigRule-{RULE_NAME}-"},
            ],
        },
    }


@pytest.mark.parametrize("case", PAGES)
def test_each_page_the_rule_puts_becomes_one_readable_line(case: str) -> None:
    entry = entry_of(PAGES[case])
    event = on_the_bus(entry)
    message = deliver(crossing_rule(), event)
    assert message == crossing_message(event["detail"])
    assert "\n" not in message and '"' not in message
    assert event["detail"]["domainName"] in message and event["detail"]["headline"] in message
    assert deliver(crossing_rule(CONFIG_PAGES), event) is None  # off: Config's line names the certificates instead
    assert deliver(event_rule(), event) is None  # and the compliance-change rule never takes the rule's events


def test_the_line_reads_as_the_readme_shows_it() -> None:
    """The message docs/alerts.md quotes, word for word: produced here by the template's own transformer."""
    shop = judged(CERTIFICATE.rsplit("/", 1)[1], NOW + 6 * DAY + timedelta(hours=9), domain_name="shop.example.com")
    entry = entry_of(crossings.Page(Crossing.THRESHOLD, shop, 7), "acm-expiry-rule")
    message = deliver(crossing_rule({"ConfigRuleName": "acm-expiry-rule"}), on_the_bus(entry))
    quoted = (
        "ACM certificate shop.example.com in account 111111111111 (us-east-1) expires in 7 days (2026-12-13): reached "
        "the 7-day threshold. ACM never renews imported certificates: re-import a renewed one to the same ARN. "
        "Console: https://us-east-1.console.aws.amazon.com/acm/home?region=us-east-1#/certificates/"
        "0b5e7a1c-3c2d-4e5f-8a9b-1c2d3e4f5a6b (Config rule acm-expiry-rule)"
    )
    assert message == quoted
    assert quoted in " ".join((DEPLOY.parent / "docs" / "alerts.md").read_text().split())


def test_every_placeholder_names_a_string_of_the_detail() -> None:
    """No placeholder is left standing: each path names a string of the rule's detail (crossings.entry); the
    template is a JSON string ("For Strings, quotes are required") on one line."""
    (target,) = crossing_rule()["Targets"]
    transformer = target["InputTransformer"]
    for page in PAGES.values():
        event = on_the_bus(entry_of(page))
        for name, path in transformer["InputPathsMap"].items():
            value: Any = event
            for key in path.removeprefix("$.").split("."):
                value = value[key]
            assert isinstance(value, str) and value, (name, path)
            assert f"<{name}>" in transformer["InputTemplate"], name
    template = transformer["InputTemplate"]
    assert template.startswith('"') and template.endswith('"') and "\n" not in template


@pytest.mark.parametrize(
    ("rule_name", "delivered"),
    [
        pytest.param(RULE_NAME, True, id="as-named"),
        pytest.param(PACK_RULE_NAME, True, id="conformance-pack"),
        pytest.param(ORG_RULE_NAME, True, id="organization"),
        pytest.param("ACMExpiryRule2", False, id="longer-name"),
        pytest.param("ACMExpiryRule-staging", False, id="hyphenated-name"),
        pytest.param("OrgConfigRule-ACMExpiryRule2-dbgzf8ba", False, id="other-organization-rule"),
        pytest.param("acmexpiryrule", False, id="other-case"),
    ],
)
def test_crossing_rule_takes_this_rules_names_only(
    eventbridge: tuple[Any, Any], rule_name: str, delivered: bool
) -> None:
    """Through moto's EventBridge end to end (PutEvents, the rule, the transformer, an SQS target)."""
    entry = entry_of(PAGES["expired"], rule_name)
    got = route(eventbridge, crossing_rule(), entry["Source"], json.loads(entry["Detail"]), entry["DetailType"])
    assert got == ([crossing_message(json.loads(entry["Detail"]))] if delivered else [])


@pytest.mark.parametrize(
    ("source", "detail_type"),
    [
        pytest.param("acm-expiry-rule-2", crossings.DETAIL_TYPE, id="other-source"),
        pytest.param(crossings.SOURCE, "ACM Certificate Approaching Expiration", id="other-detail-type"),
        pytest.param("aws.acm", "ACM Certificate Approaching Expiration", id="acms-own-event"),
    ],
)
def test_other_events_are_not_pages(source: str, detail_type: str) -> None:
    event = on_the_bus(entry_of(PAGES["expired"])) | {"source": source, "detail-type": detail_type}
    assert deliver(crossing_rule(), event) is None


# --- tests: topic, key, subscription -----------------------------------------------------------------


def test_the_topic_is_encrypted_with_the_stacks_key() -> None:
    resources = deployment()
    (topic,) = of_type(resources, "AWS::SNS::Topic").values()
    assert topic["KmsMasterKeyId"] == KEY_ARN
    (key,) = of_type(resources, "AWS::KMS::Key").values()
    assert key["EnableKeyRotation"] is True


def test_the_key_lets_eventbridge_and_cloudwatch_publish() -> None:
    """The Amazon SNS Developer Guide: the service principals need kms:GenerateDataKey* and kms:Decrypt on a
    customer managed key; source conditions in the key policy are not supported for EventBridge, so its statement
    has none, while CloudWatch's names this account and its alarms in this Region (the confused deputy)."""
    (key,) = of_type(deployment(), "AWS::KMS::Key").values()
    policy = key["KeyPolicy"]
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert set(statements) == {"AccountAdministersTheKey", "EventBridgePublishesToTheTopic", "AlarmsPublishToTheTopic"}
    administer = statements["AccountAdministersTheKey"]
    assert administer["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert as_list(administer["Action"]) == ["kms:*"]
    events, alarms = statements["EventBridgePublishesToTheTopic"], statements["AlarmsPublishToTheTopic"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    for publish in (events, alarms):
        assert set(as_list(publish["Action"])) == {"kms:GenerateDataKey*", "kms:Decrypt"}
        assert publish["Resource"] == "*"  # in a key policy: this key
    assert "Condition" not in events
    assert all(statement["Effect"] == "Allow" for statement in statements.values())
    alarm = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:acm-expiry-alerts-CertificateExpiring"
    for context, allowed in (
        ({"aws:SourceAccount": ACCOUNT, "aws:SourceArn": alarm}, True),
        ({"aws:SourceAccount": "999999999999", "aws:SourceArn": alarm.replace(ACCOUNT, "999999999999")}, False),
        ({"aws:SourceAccount": ACCOUNT, "aws:SourceArn": alarm.replace(REGION, "eu-west-1")}, False),
        ({}, False),
    ):
        request = Request("cloudwatch.amazonaws.com", "kms:GenerateDataKey", KEY_ARN, context)
        assert (decide(policy, request) == ALLOW) is allowed, context
    assert decide(policy, Request("events.amazonaws.com", "kms:Decrypt", KEY_ARN)) == ALLOW


@pytest.mark.parametrize(("overrides", "rule_arn"), [(RULE_PAGES, CROSSING_RULE_ARN), (CONFIG_PAGES, EVENT_RULE_ARN)])
def test_the_topic_policy_names_the_rule_that_is_on_and_this_accounts_alarms(
    overrides: dict[str, str], rule_arn: str
) -> None:
    (policy,) = of_type(deployment(overrides), "AWS::SNS::TopicPolicy").values()
    assert policy["Topics"] == [TOPIC_ARN]
    statements = policy["PolicyDocument"]["Statement"]
    by_service = {statement["Principal"]["Service"]: statement for statement in statements}
    assert set(by_service) == {"events.amazonaws.com", "cloudwatch.amazonaws.com"}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert as_list(statement["Action"]) == ["sns:Publish"]
        assert as_list(statement["Resource"]) == [TOPIC_ARN]
    assert by_service["events.amazonaws.com"]["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn}}
    other = EVENT_RULE_ARN if rule_arn == CROSSING_RULE_ARN else CROSSING_RULE_ARN
    for source, allowed in ((rule_arn, True), (other, False), (None, False)):
        context = {} if source is None else {"aws:SourceArn": source}
        request = Request("events.amazonaws.com", "sns:Publish", TOPIC_ARN, context)
        assert (decide(policy["PolicyDocument"], request) == ALLOW) is allowed, source
    assert by_service["cloudwatch.amazonaws.com"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"},
    }
    assert not parliament_findings(policy["PolicyDocument"])


def test_member_accounts_get_no_alarms_and_no_alarm_grants() -> None:
    """MetricAlarms "false" (an organization's member accounts, where the function does not run): the event rules
    only (no metric filter either: the function's log group is not there), and nothing lets CloudWatch publish or
    use the key."""
    resources = deployment({"MetricAlarms": "false"})
    assert not of_type(resources, "AWS::CloudWatch::Alarm")
    assert not of_type(resources, "AWS::Logs::MetricFilter")
    assert set(event_rules({"MetricAlarms": "false"})) == {"CrossingRule", "ComplianceChangeRule"}
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
    assert [service for service in services if service] == ["events.amazonaws.com"]


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
# What the alarms do over days of real runs is in tests/test_alarm_days.py; here, what they are made of.

EXPIRING, EXPIRED, HEARTBEAT = "CertificateExpiring", "CertificateExpired", "NoCompletedRun"
LISTING_GAPS, FINDINGS_FAILURES = "ListingGaps", "FindingsFailures"
DAILY_RUN_FAILED, CHANGE_EVENT_FAILED, PAGES_NOT_SENT = "DailyRunFailed", "ChangeEventFailed", "PagesNotSent"
ERRORS, TIMEOUTS = "FunctionErrors", "FunctionTimeouts"
STACK = PSEUDO_PARAMETERS["AWS::StackName"]
# Who each alarm tells, and of what: (on ALARM, on OK). OK is told only where it means fixed; the certificate alarms
# tell nobody while the rule's own events name the certificates (CertificatePages "rule").
TOLD = {
    EXPIRING: {"rule": (False, False), "config": (True, True)},
    EXPIRED: {"rule": (False, False), "config": (True, True)},
    HEARTBEAT: {"rule": (True, True), "config": (True, True)},
    LISTING_GAPS: {"rule": (True, True), "config": (True, True)},
    DAILY_RUN_FAILED: {"rule": (True, True), "config": (True, True)},
    CHANGE_EVENT_FAILED: {"rule": (True, True), "config": (True, True)},
    FINDINGS_FAILURES: {"rule": (True, True), "config": (True, True)},
    PAGES_NOT_SENT: {"rule": (True, False), "config": (True, False)},
    ERRORS: {"rule": (True, False), "config": (True, False)},
    TIMEOUTS: {"rule": (True, False), "config": (True, False)},
}


def alarm_properties(overrides: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The stack's alarms' resolved properties, by alarm name without the stack's prefix."""
    found = of_type(deployment(overrides), "AWS::CloudWatch::Alarm").values()
    by_name = {str(alarm["AlarmName"]).removeprefix(f"{STACK}-"): alarm for alarm in found}
    assert len(by_name) == len(found)
    return by_name


def alarms(overrides: Mapping[str, str] | None = None) -> dict[str, MetricAlarm]:
    """The stack's alarms as CloudWatch takes them (the model refuses what PutMetricAlarm would)."""
    return {name: MetricAlarm.from_properties(name, props) for name, props in alarm_properties(overrides).items()}


def metric_filters(overrides: Mapping[str, str] | None = None) -> list[MetricFilter]:
    """The stack's metric filters as CloudWatch Logs takes them (the model refuses what it does not know)."""
    return [
        MetricFilter.from_properties(name, props)
        for name, props in of_type(deployment(overrides), "AWS::Logs::MetricFilter").items()
    ]


def test_the_alarms_and_what_they_watch() -> None:
    found = alarms()
    watched = {name: (alarm.metric.namespace, alarm.metric.name) for name, alarm in found.items()}
    assert watched == {
        EXPIRING: (NAMESPACE, "SoonestExpiryDays"),
        EXPIRED: (NAMESPACE, "ExpiredCertificates"),
        HEARTBEAT: (NAMESPACE, "PeriodicRunsCompleted"),
        LISTING_GAPS: (NAMESPACE, "ListingGaps"),
        DAILY_RUN_FAILED: (NAMESPACE, "PeriodicRunFailures"),
        CHANGE_EVENT_FAILED: (NAMESPACE, "ChangeEventFailures"),
        FINDINGS_FAILURES: (NAMESPACE, "FindingsFailures"),
        PAGES_NOT_SENT: (NAMESPACE, "EventsFailures"),
        ERRORS: ("AWS/Lambda", "Errors"),
        TIMEOUTS: (NAMESPACE, f"FunctionTimeouts-{RDK_FUNCTION_NAME}"),
    }


@pytest.mark.parametrize("pages", ["rule", "config"])
def test_ok_is_told_only_where_it_means_fixed(pages: str) -> None:
    for name, alarm in alarms({"CertificatePages": pages}).items():
        told_alarm, told_ok = TOLD[name][pages]
        assert alarm.actions_on(State.ALARM) == ((TOPIC_ARN,) if told_alarm else ()), name
        assert alarm.actions_on(State.OK) == ((TOPIC_ARN,) if told_ok else ()), name
        assert alarm.actions_on(State.INSUFFICIENT_DATA) == (), name
        assert alarm.actions_enabled, name


def test_each_alarm_says_what_alarm_and_ok_mean() -> None:
    """PutMetricAlarm takes 1024 characters of AlarmDescription; each says what ALARM means and what OK means, and
    the ones whose OK tells nobody say so."""
    for name, props in alarm_properties().items():
        description = props["AlarmDescription"]
        assert len(description) <= 1024, name
        assert description.startswith("ALARM: "), name
        assert "OK: " in description or "OK notifies nobody" in description, name
        if TOLD[name]["rule"] == (True, False):
            assert "OK notifies nobody" in description, name


def test_with_default_parameters_the_alarms_watch_every_rule() -> None:
    """The rule's metrics carry two dimension sets; without AlarmConfigRuleName the alarms read the empty one,
    which every rule writing to the namespace in the account and Region adds to, whatever its name."""
    for name, alarm in alarms().items():
        if alarm.metric.namespace == NAMESPACE:
            assert alarm.metric.dimensions == frozenset(), name


@pytest.mark.parametrize("rule_name", [RULE_NAME, PACK_RULE_NAME, ORG_RULE_NAME])
def test_alarm_config_rule_name_narrows_the_alarms_to_one_rule(rule_name: str) -> None:
    for name, alarm in alarms({"AlarmConfigRuleName": rule_name}).items():
        if alarm.metric.namespace == NAMESPACE and name != TIMEOUTS:
            assert alarm.metric.dimensions == frozenset({(DIMENSION, rule_name)}), name
    # The timeout metric comes from a plain-text filter, which cannot carry dimensions: it is the function's by name.
    assert alarms({"AlarmConfigRuleName": rule_name})[TIMEOUTS].metric.dimensions == frozenset()


def test_the_latest_run_decides_the_state_alarms() -> None:
    """One-minute periods (CloudWatch's own minutes: two values never share a datapoint), 1 of 10, missing data
    keeping the state: the latest value decides, and only a new value changes it (tests/test_alarm_days.py shows
    it over days)."""
    for name in (EXPIRING, EXPIRED, LISTING_GAPS, DAILY_RUN_FAILED, CHANGE_EVENT_FAILED, FINDINGS_FAILURES,
                 PAGES_NOT_SENT):  # fmt: skip
        alarm = alarms()[name]
        assert (alarm.period, alarm.evaluation_periods, alarm.datapoints) == (60, 10, 1), name
        assert alarm.treat_missing_data == "ignore", name
    assert (alarms()[EXPIRING].statistic, alarms()[EXPIRING].comparison) == ("Minimum", "LessThanOrEqualToThreshold")


def test_the_heartbeat_counts_hours_without_a_completed_run() -> None:
    heartbeat = alarms()[HEARTBEAT]
    assert (heartbeat.statistic, heartbeat.period, heartbeat.fill) == ("Sum", 3600, 0)
    assert heartbeat.evaluation_periods == heartbeat.datapoints == 27
    assert (heartbeat.comparison, heartbeat.threshold) == ("LessThanThreshold", 1)
    assert heartbeat.treat_missing_data == "breaching"
    assert alarms({"HeartbeatHours": "49"})[HEARTBEAT].evaluation_periods == 49


def test_function_errors_remember_a_failure_as_long_as_the_heartbeat_waits_for_a_run() -> None:
    """Errors counted per hour, gaps as 0, any hour of the last HeartbeatHours: a failure that comes back at every
    schedule keeps it in ALARM (one notification), and a value published a quarter of an hour after its timestamp
    is still inside."""
    errors = alarms()[ERRORS]
    assert (errors.statistic, errors.period, errors.fill) == ("Sum", 3600, 0)
    assert (errors.evaluation_periods, errors.datapoints) == (27, 1)
    assert (errors.comparison, errors.threshold) == ("GreaterThanOrEqualToThreshold", 1)
    assert errors.treat_missing_data == "notBreaching"
    assert alarms({"HeartbeatHours": "49"})[ERRORS].evaluation_periods == 49


@pytest.mark.parametrize("function_name", [RDK_FUNCTION_NAME, "acm-expiry-rule"])
def test_timeouts_are_counted_from_the_functions_own_log_group(function_name: str) -> None:
    (timeouts,) = metric_filters({"FunctionName": function_name})
    assert timeouts.log_group == f"/aws/lambda/{function_name}"
    assert timeouts.metric == alarms({"FunctionName": function_name})[TIMEOUTS].metric
    assert timeouts.metric.name == f"FunctionTimeouts-{function_name}"  # one metric per function, no dimension
    assert (timeouts.value, timeouts.default) == (1.0, None)  # nothing written while nothing times out
    alarm = alarms({"FunctionName": function_name})[TIMEOUTS]
    assert (alarm.statistic, alarm.period, alarm.evaluation_periods, alarm.datapoints) == ("Sum", 60, 10, 1)
    assert (alarm.comparison, alarm.threshold, alarm.treat_missing_data) == (
        "GreaterThanOrEqualToThreshold",
        1,
        "notBreaching",
    )


# Lambda's lines around a timeout, in both forms: the older "Task timed out" line (Lambda Developer Guide,
# "Troubleshoot networking issues": "Error: Task timed out after 10.00 seconds"), and a REPORT line ending
# "Status: timeout" with no such line (DataBiosphere/azul#8140). Then lines that must not count.
TIMED_OUT = [
    "2026-12-07T03:15:00.123Z 5b1e2f0c-7d3a-4c2b-9e1f-0a1b2c3d4e5f Task timed out after 900.00 seconds",
    "REPORT RequestId: 5b1e2f0c-7d3a-4c2b-9e1f-0a1b2c3d4e5f\tDuration: 900000.00 ms\tBilled Duration: 900000 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 131 MB\tStatus: timeout",
]
NOT_TIMED_OUT = [
    "START RequestId: 5b1e2f0c-7d3a-4c2b-9e1f-0a1b2c3d4e5f Version: $LATEST",
    "REPORT RequestId: 5b1e2f0c-7d3a-4c2b-9e1f-0a1b2c3d4e5f\tDuration: 1834.20 ms\tBilled Duration: 1835 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 118 MB",
    "REPORT RequestId: 5b1e2f0c-7d3a-4c2b-9e1f-0a1b2c3d4e5f\tDuration: 2012.55 ms\tBilled Duration: 2013 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 121 MB\tStatus: error\tError Type: Runtime.Unknown",
    '{"rule": "ACMExpiryRule", "outcome": "partial", "deadline": {"reached": true, "watchdog": "fired"}}',
    "task timed out after 900.00 seconds",  # filter patterns are case sensitive
]


@pytest.mark.parametrize(("message", "counted"), [(m, True) for m in TIMED_OUT] + [(m, False) for m in NOT_TIMED_OUT])
def test_the_timeout_filter_takes_lambdas_timeout_lines_only(message: str, counted: bool) -> None:
    (timeouts,) = metric_filters()
    assert timeouts.pattern == TermPattern(any_of=("Task timed out", "Status: timeout"))
    assert timeouts.pattern.matches(message) is counted


@pytest.mark.parametrize(("threshold", "expected"), [(None, 7.0), ("14", 14.0), ("1", 1.0), ("365", 365.0)])
def test_expiry_threshold(threshold: str | None, expected: float) -> None:
    alarm = alarms({} if threshold is None else {"SoonestExpiryThresholdDays": threshold})[EXPIRING]
    assert alarm.threshold == expected
    assert alarm.threshold < SOONEST_EXPIRY_HORIZON_DAYS  # a run with nothing unexpired never breaches


def cloudformation_accepts(parameter: str, value: str) -> bool:
    """Whether CloudFormation takes ``value`` for the parameter: its AllowedValues, AllowedPattern, MinValue and
    MaxValue, as the template declares them."""
    spec = load(TEMPLATE)["Parameters"][parameter]
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        return False
    if "AllowedPattern" in spec and not allowed_by_pattern(str(spec["AllowedPattern"]), value):
        return False
    if spec["Type"] == "Number":
        number = float(value)
        return float(spec.get("MinValue", number)) <= number <= float(spec.get("MaxValue", number))
    return True


@pytest.mark.parametrize(
    ("parameter", "value", "accepted"),
    [
        ("SoonestExpiryThresholdDays", "1", True),
        ("SoonestExpiryThresholdDays", "365", True),
        ("SoonestExpiryThresholdDays", "0", False),  # a certificate has at least 1 day left until it expires
        ("SoonestExpiryThresholdDays", "366", False),
        ("HeartbeatHours", "2", True),
        ("HeartbeatHours", "168", True),  # 7 days of hours: the most PutMetricAlarm takes
        ("HeartbeatHours", "1", False),
        ("HeartbeatHours", "169", False),
        ("AlarmConfigRuleName", "", True),
        ("AlarmConfigRuleName", ORG_RULE_NAME, True),
        ("AlarmConfigRuleName", "rule name with spaces", False),
        ("ConfigRuleName", PACK_RULE_NAME, True),
        ("ConfigRuleName", "", False),
        ("MetricAlarms", "yes", False),
    ],
)
def test_parameters_out_of_range_are_refused(parameter: str, value: str, accepted: bool) -> None:
    assert cloudformation_accepts(parameter, value) is accepted


def test_every_accepted_parameter_makes_alarms_cloudwatch_takes() -> None:
    """At the bounds the template accepts, PutMetricAlarm's limits hold (the model refuses what it would
    refuse); one hour beyond the heartbeat's bound, they would not."""
    for hours in ("2", "24", "25", "168"):
        assert alarms({"HeartbeatHours": hours})[HEARTBEAT].evaluation_periods == int(hours)
    properties = alarm_properties()[HEARTBEAT]
    with pytest.raises(ValueError, match="exceeds 604800 s"):
        MetricAlarm.from_properties(HEARTBEAT, properties | {"EvaluationPeriods": 169, "DatapointsToAlarm": 169})


@pytest.mark.parametrize("function_name", [RDK_FUNCTION_NAME, "acm-expiry-rule"])
def test_function_errors_alarm(function_name: str) -> None:
    alarm = alarms({"FunctionName": function_name})[ERRORS]
    assert alarm.metric.dimensions == frozenset({("FunctionName", function_name)})


def test_defaults_agree_with_the_other_templates() -> None:
    parameters = load(TEMPLATE)["Parameters"]
    assert parameters["FunctionName"]["Default"] == load("execution-role.yaml")["Parameters"]["FunctionName"]["Default"]
    rule_names = {r["Properties"]["ConfigRuleName"] for r in load("conformance-pack.yaml")["Resources"].values()}
    assert rule_names == {parameters["ConfigRuleName"]["Default"]}


def test_the_deployment_guide_has_an_alerts_section() -> None:
    text = (DEPLOY.parent / "docs" / "deployment.md").read_text()
    assert "## Alerts" in text
    assert "deploy/alerts.yaml" in text
