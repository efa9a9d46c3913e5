"""Reading the rule's results from Config (acm_expiry.results): what each says, and what is not ours.

GetComplianceDetailsByConfigRule through botocore and the Config double; the results some other
writer left are served as they are (``FakeConfig.raw_results``), then parsed by botocore as AWS's
answer would be.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from acm_expiry import RESOURCE_TYPE
from acm_expiry.held import FOREIGN_EXAMPLES
from acm_expiry.results import read_results
from tests.conftest import World

RULE = "ACMExpiryRule"
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/"
RECORDED = datetime(2026, 11, 27, 12, tzinfo=UTC)


def result(resource_id: str, resource_type: str = RESOURCE_TYPE, **fields: Any) -> dict[str, Any]:
    """One EvaluationResult as the API reference shows it (times as epoch seconds, as AWS's JSON carries them)."""
    qualifier = {"ConfigRuleName": RULE, "ResourceType": resource_type, "ResourceId": resource_id}
    return {
        "EvaluationResultIdentifier": {"EvaluationResultQualifier": qualifier, "OrderingTimestamp": 1_790_000_000},
        "ComplianceType": "NON_COMPLIANT",
        "ResultRecordedTime": RECORDED.timestamp(),
        "ConfigRuleInvokedTime": 1_790_000_000,
    } | fields


def test_a_result_without_an_annotation_is_held_with_none(aws: World) -> None:
    """Config keeps no annotation for rdklib's NOT_APPLICABLE: compared with what the run would send, not 'None'."""
    aws.config.raw_results = [result(ARN + "quiet", ComplianceType="NOT_APPLICABLE")]
    held = read_results(aws.client("config"), RULE).get(RESOURCE_TYPE, ARN + "quiet")
    assert held is not None and (held.compliance, held.annotation, held.recorded) == ("NOT_APPLICABLE", "", RECORDED)


def test_a_recorded_time_without_a_zone_is_unknown_not_a_naive_time(aws: World) -> None:
    """AWS sends epoch seconds; an ISO time without a zone (botocore reads it naive) cannot be compared: unknown."""
    aws.config.raw_results = [result(ARN + "naive", ResultRecordedTime="2026-11-27T12:00:00")]
    held = read_results(aws.client("config"), RULE).get(RESOURCE_TYPE, ARN + "naive")
    assert held is not None and held.recorded is None


def test_results_not_ours_are_all_counted_a_few_named_each_clipped(aws: World) -> None:
    """Each goes in the log line: a count of all, FOREIGN_EXAMPLES named, ids and types at most AWS's lengths."""
    long_id = "i-" + "0" * 2000
    aws.config.raw_results = [result(f"{long_id}{n}", ComplianceType="INSUFFICIENT_DATA") for n in range(7)]
    held = read_results(aws.client("config"), RULE)
    logged = held.foreign_for_log()
    assert logged["count"] == 7 and len(logged["examples"]) == FOREIGN_EXAMPLES
    assert all(len(e["resourceId"]) == 256 and len(e["resourceType"]) <= 128 for e in logged["examples"])
    assert held.results == {}
