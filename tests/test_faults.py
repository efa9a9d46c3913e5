"""No evaluation lost, no failure hidden: the real lambda_handler under injected faults.

The Faults double answers chosen attempts of an operation with throttling, 5xx or access denied,
through botocore's real error parsing and retry handler; retry waits go to a list (conftest).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from acm_expiry.errors import AwsCallError, DeliveryError
from acm_expiry_cli.sample_events import change_event, oversized_event, scheduled_event
from tests.conftest import World
from tests.support.doubles import INTERNAL_ERROR, SERVICE_UNAVAILABLE, THROTTLING, access_denied
from tests.support.inventory import config_item, synthetic_inventory

RETRIES_RIDDEN_OUT = 6  # the requirement, not the code's constant: six faults in a row still succeed
FAULTS_THAT_FAIL = RETRIES_RIDDEN_OUT + 1


def seed(aws: World, count: int) -> list[dict[str, object]]:
    inventory = synthetic_inventory(count, aws.now)
    aws.acm.source = lambda region: inventory
    return inventory


def change(aws: World, arn: str = "arn:aws:acm:us-east-1:123456789012:certificate/c1") -> dict[str, object]:
    configuration = {
        "certificateArn": arn,
        "domainName": "www.example.com",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=3)).isoformat(),
    }
    return change_event(config_item(configuration, aws.now), aws.now)


# 1. Throttling and server errors are ridden out --------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        "acm.ListCertificates",
        "acm.DescribeCertificate",
        "config.PutEvaluations",
        "config.GetComplianceDetailsByConfigRule",
        "sts.AssumeRole",
    ],
)
@pytest.mark.parametrize("fault", [THROTTLING, SERVICE_UNAVAILABLE, INTERNAL_ERROR], ids=["throttling", "503", "500"])
def test_six_faults_in_a_row_are_ridden_out(aws: World, operation: str, fault: object) -> None:
    inventory = seed(aws, 250)
    aws.doubles.faults.add(operation, *[fault] * RETRIES_RIDDEN_OUT)  # type: ignore[list-item]
    aws.run(scheduled_event(aws.now))
    assert {e["ComplianceResourceId"] for e in aws.config.results.values()} == {c["CertificateArn"] for c in inventory}
    assert len(aws.clock.sleeps) == RETRIES_RIDDEN_OUT
    assert aws.log_lines()[-1]["retries"] == RETRIES_RIDDEN_OUT


def test_backoff_is_exponential_with_jitter(aws: World) -> None:
    seed(aws, 10)
    aws.doubles.faults.add("acm.ListCertificates", *[THROTTLING] * RETRIES_RIDDEN_OUT)
    aws.run(scheduled_event(aws.now))
    caps = [min(20, 2**attempt) for attempt in range(RETRIES_RIDDEN_OUT)]
    assert all(0 <= wait <= cap for wait, cap in zip(aws.clock.sleeps, caps, strict=True))
    assert len(set(aws.clock.sleeps)) > 1  # jittered, not a fixed wait


def test_a_seventh_throttle_fails_the_invocation_loudly(aws: World) -> None:
    seed(aws, 10)
    aws.doubles.faults.add("acm.ListCertificates", *[THROTTLING] * FAULTS_THAT_FAIL)
    with pytest.raises(AwsCallError, match="ListCertificates failed: ThrottlingException"):
        aws.run(scheduled_event(aws.now))
    assert aws.config.put_calls == []


# 2. Every evaluation is delivered ----------------------------------------------------------------


def test_failed_evaluations_are_sent_again(aws: World) -> None:
    inventory = seed(aws, 250)
    refused = str(inventory[7]["CertificateArn"])
    aws.config.refuse_times(refused, 2)
    aws.run(scheduled_event(aws.now))
    assert refused in aws.config.results
    assert len(aws.config.results) == 250
    assert [e["ComplianceResourceId"] for e in aws.config.put_calls[-1]] == [refused]
    assert len(aws.clock.sleeps) == 2


def test_evaluations_still_failing_make_the_invocation_raise(aws: World) -> None:
    inventory = seed(aws, 250)
    refused = [str(c["CertificateArn"]) for c in inventory[:5]]
    for arn in refused:
        aws.config.refuse_times(arn, 100)
    with pytest.raises(
        DeliveryError, match=r"5 evaluations were not recorded \(5 listed as failed, no reason given, sent 4 times\)"
    ) as raised:
        aws.run(scheduled_event(aws.now))
    assert refused[0] in str(raised.value)
    assert aws.log_lines()[-1]["outcome"] == "error"


def test_batches_never_exceed_100(aws: World) -> None:
    seed(aws, 1001)
    aws.run(scheduled_event(aws.now))
    assert [len(batch) for batch in aws.config.put_calls] == [100] * 10 + [1]


# 3. Failures are loud ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "permission"),
    [
        ("acm.ListCertificates", "acm:ListCertificates"),
        ("acm.DescribeCertificate", "acm:DescribeCertificate"),
        ("config.PutEvaluations", "config:PutEvaluations"),
        ("config.GetComplianceDetailsByConfigRule", "config:GetComplianceDetailsByConfigRule"),
    ],
)
def test_access_denied_names_the_missing_permission(aws: World, operation: str, permission: str) -> None:
    seed(aws, 250)
    aws.doubles.faults.add(operation, access_denied(permission))
    name = operation.split(".")[1]
    with pytest.raises(
        AwsCallError, match=f"{name} failed: AccessDeniedException.*missing IAM permission: {permission}"
    ):
        aws.run(scheduled_event(aws.now))
    assert aws.log_lines()[-1]["outcome"] == "error"


def test_put_evaluations_failure_in_a_change_event_is_not_swallowed(aws: World) -> None:
    """rdklib turns this ClientError into a returned dict; the handler raises it."""
    aws.doubles.faults.add("config.PutEvaluations", *[SERVICE_UNAVAILABLE] * FAULTS_THAT_FAIL)
    with pytest.raises(AwsCallError, match="PutEvaluations failed: ServiceUnavailable"):
        aws.run(change(aws))


def test_oversized_item_missing_from_history_is_named(aws: World) -> None:
    item = config_item({"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}, aws.now)
    with pytest.raises(AwsCallError, match="GetResourceConfigHistory failed: ResourceNotDiscoveredException"):
        aws.run(oversized_event(item, aws.now))
    assert aws.config.put_calls == []


def test_oversized_history_access_denied_names_the_permission(aws: World) -> None:
    item = config_item({"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}, aws.now)
    aws.doubles.faults.add("config.GetResourceConfigHistory", access_denied("config:GetResourceConfigHistory"))
    with pytest.raises(AwsCallError, match="missing IAM permission: config:GetResourceConfigHistory"):
        aws.run(oversized_event(item, aws.now))


def test_oversized_history_throttling_is_ridden_out(aws: World) -> None:
    configuration = {
        "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=90)).isoformat(),
    }
    item = config_item(configuration, aws.now)
    aws.config.record_history(item)
    aws.doubles.faults.add("config.GetResourceConfigHistory", *[THROTTLING] * RETRIES_RIDDEN_OUT)
    aws.run(oversized_event(item, aws.now))
    assert aws.config.sent[0]["ComplianceType"] == "COMPLIANT"


def test_oversized_deleted_item_is_not_applicable(aws: World) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/gone"
    item = config_item({"certificateArn": arn}, aws.now, status="ResourceDeleted")
    aws.config.record_history(item)
    aws.run(oversized_event(item, aws.now))
    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in aws.config.sent] == [(arn, "NOT_APPLICABLE")]


def test_sts_access_denied_names_the_permission(aws: World) -> None:
    aws.doubles.faults.add("sts.AssumeRole", access_denied("sts:AssumeRole"), access_denied("sts:AssumeRole"))
    with pytest.raises(AwsCallError, match=r"AssumeRole failed: AccessDenied.*missing IAM permission: sts:AssumeRole"):
        aws.run(change(aws))


# 4. Nothing is lost ------------------------------------------------------------------------------


def test_a_listing_broken_on_its_second_page_changes_no_result(aws: World) -> None:
    inventory = seed(aws, 2500)
    aws.run(scheduled_event(aws.now))
    before = dict(aws.config.results)
    assert len(before) == 2500
    aws.config.put_calls.clear()

    aws.doubles.faults.add("acm.ListCertificates", None, *[INTERNAL_ERROR] * FAULTS_THAT_FAIL)
    with pytest.raises(AwsCallError, match="ListCertificates failed: InternalFailure"):
        aws.run(scheduled_event(aws.now + timedelta(hours=24)))
    assert aws.config.put_calls == []
    assert aws.config.results == before
    assert len(inventory) == 2500


# 6. Operators can see what happened --------------------------------------------------------------


def test_one_json_log_line_per_invocation(aws: World) -> None:
    seed(aws, 150)
    aws.doubles.faults.add("acm.ListCertificates", THROTTLING, THROTTLING)
    aws.run(scheduled_event(aws.now))
    (line,) = aws.log_lines()
    assert line["messageType"] == "ScheduledNotification"
    assert line["certificatesSeen"] == 150
    assert sum(line["evaluations"].values()) == 150
    assert set(line["evaluations"]) <= {"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"}
    assert line["apiCalls"]["acm.ListCertificates"] == 2  # everything, then Amazon N2
    assert line["apiCalls"]["config.PutEvaluations"] == 2
    assert line["retries"] == 2
    assert isinstance(line["durationMs"], int)
    assert line["outcome"] == "ok"


def test_log_lines_carry_no_secrets(aws: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrSECRETKEYEXAMPLE")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FQoGSESSIONTOKENEXAMPLE")
    seed(aws, 5)
    event = scheduled_event(aws.now, token="result-token-SENSITIVE-123")
    aws.run(event)
    aws.doubles.faults.add("acm.ListCertificates", access_denied("acm:ListCertificates"))
    with pytest.raises(AwsCallError):
        aws.run(event)
    text = "\n".join(aws.logs)
    for secret in ("wJalrSECRETKEYEXAMPLE", "FQoGSESSIONTOKENEXAMPLE", "result-token-SENSITIVE-123"):
        assert secret not in text
    keys = {
        "rule",
        "messageType",
        "configRuleName",
        "outcome",
        "error",
        "certificatesSeen",
        "evaluations",
        "apiCalls",
        "retries",
        "durationMs",
        "findings",
        "findingsError",
        "listingGaps",
        "sdk",
        "deadline",
        "recording",
        "foreignResults",
        "throttles",
        "waitedMs",
        # CloudWatch Embedded Metric Format: the directive, the dimension and the values.
        "_aws",
        "ConfigRuleName",
        "PeriodicRunsCompleted",
        "CertificatesEvaluated",
        "NonCompliantCertificates",
        "ExpiredCertificates",
        "SoonestExpiryDays",
        "ListingGaps",
        "FindingsFailures",
        "EventsFailures",
        "PeriodicRunFailures",
        "ChangeEventFailures",
        # Pages: what was put, or why not; anything else printed meanwhile (rdklib's own lines).
        "pages",
        "pagesError",
        "printed",
    }
    assert all(set(json.loads(line)) <= keys for line in aws.logs)


def test_the_error_raised_is_the_one_rdklib_swallowed_not_an_earlier_handled_one(aws: World) -> None:
    """DescribeCertificate's ResourceNotFound is handled (deleted meanwhile); PutEvaluations' failure is not."""
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/gone"
    configuration = {"certificateArn": arn, "status": "ISSUED", "type": "IMPORTED", "notAfter": "soon"}
    aws.doubles.faults.add("config.PutEvaluations", *[SERVICE_UNAVAILABLE] * FAULTS_THAT_FAIL)
    with pytest.raises(AwsCallError, match="PutEvaluations failed: ServiceUnavailable"):
        aws.run(change_event(config_item(configuration, aws.now), aws.now))
    assert aws.doubles.calls("acm.DescribeCertificate")


def test_empty_rdklib_parameters_mean_unset(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(3, aws.now)
    aws.run(
        scheduled_event(aws.now, parameters={"ExecutionRoleName": "", "ExecutionRoleRegion": "", "AssumeRoleMode": ""})
    )
    (assumed,) = aws.doubles.calls("sts.AssumeRole")
    assert assumed["RoleArn"].endswith(":role/rdk/config-role")
