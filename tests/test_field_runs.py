"""Runs that finish in the field: sustained throttling, the Lambda deadline, the clean-up, foreign results.

Everything goes through the real handler and botocore's real stack: the doubles answer
``ThrottlingException`` as AWS does, botocore parses it and emits ``needs-retry``, and the edge's
handler decides. Time is the conftest's simulated clock: waits move it, nothing sleeps, and a
:class:`~tests.conftest.FakeContext` tells the handler how much of its timeout is left on it.
"""

from __future__ import annotations

import math
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import botocore.config
import botocore.endpoint
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import acm_expiry.edge
from acm_expiry import RESOURCE_TYPE
from acm_expiry.acm import ListingPlan
from acm_expiry.arns import is_certificate_arn
from acm_expiry.errors import DeadlineReached
from acm_expiry.limits import DEADLINE_RESERVE_SECONDS, RATES
from acm_expiry.recording import DELETED, DESCRIBE_LIMIT
from acm_expiry_cli.sample_events import scheduled_event
from tests.conftest import World
from tests.support.doubles import THROTTLING
from tests.support.inventory import synthetic_inventory

TIMEOUT = 900  # the timeout docs/deployment.md recommends


def seed(aws: World, count: int) -> list[dict[str, Any]]:
    inventory = synthetic_inventory(count, aws.now)
    aws.acm.source = lambda region: inventory
    return inventory


def held(aws: World) -> dict[str, tuple[str, str]]:
    return {arn: (e["ComplianceType"], e.get("Annotation", "")) for arn, e in aws.config.results.items()}


def worst_case_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every jittered wait at its cap: the deadline tests become exact."""
    monkeypatch.setattr(acm_expiry.edge.random, "uniform", lambda low, high: high)


# 1. Sustained throttling --------------------------------------------------------------------------------


def test_the_fault_pattern_exhausts_botocores_own_retry_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model check: every call throttled three times breaks botocore's standard mode within 60 calls.

    A client as the rule configured them before (standard mode, 7 attempts): its per-client quota
    of 500 tokens loses 5 per throttled retry and gets 5 back per call that succeeds after retries.
    """
    from tests.support.doubles import Doubles

    doubles = Doubles()
    doubles.serve("acm", lambda operation, params: {"CertificateSummaryList": []})
    doubles.faults.throttle_every_call(3)
    session = doubles.session()
    plain = session.client(
        "acm",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 7}),
    )
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=lambda seconds: None))
    with pytest.raises(ClientError, match="ThrottlingException") as raised:
        for _ in range(60):
            plain.list_certificates()
    assert raised.value.response["ResponseMetadata"].get("RetryQuotaReached") is True


@pytest.mark.parametrize("deep", [2, 3])
def test_a_first_and_a_steady_day_complete_with_every_call_throttled(aws: World, deep: int) -> None:
    inventory = seed(aws, 4000)
    aws.doubles.faults.throttle_every_call(deep)
    for day in ("first", "steady"):
        aws.config.put_calls.clear()
        aws.doubles.requests.clear()
        aws.run(scheduled_event(aws.now), timeout=TIMEOUT)
        line = aws.log_lines()[-1]
        calls = sum(line["apiCalls"].values())
        assert line["outcome"] == "ok", day
        assert line["retries"] == line["throttles"] == deep * calls, day
        assert line["deadline"] == {"budgetMs": TIMEOUT * 1000, "reached": False}
        assert line["durationMs"] < (TIMEOUT - DEADLINE_RESERVE_SECONDS) * 1000
        if day == "steady":
            assert line["apiCalls"]["config.GetComplianceDetailsByConfigRule"] == 40  # 4,000 results, 100 a page
        assert set(held(aws)) == {c["CertificateArn"] for c in inventory}
        aws.later(days=1)


def test_calls_are_paced_to_each_operations_documented_rate(aws: World) -> None:
    """300 renewing certificates inside the window: 300 DescribeCertificate calls, at most 10 a second."""
    inventory = []
    for index in range(300):
        inventory.append(
            {
                "CertificateArn": f"arn:aws:acm:us-east-1:123456789012:certificate/{index:08d}-renew",
                "DomainName": f"app{index}.example.com",
                "Status": "ISSUED",
                "Type": "AMAZON_ISSUED",
                "KeyAlgorithm": "RSA_2048",
                "InUse": True,
                "RenewalEligibility": "ELIGIBLE",
                "NotAfter": (aws.now + timedelta(days=10)).timestamp(),
                "RenewalSummary": {"RenewalStatus": "PENDING_VALIDATION"},
            }
        )
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now), timeout=TIMEOUT)
    rate, burst = RATES["acm.DescribeCertificate"]
    times = [t for name, t in aws.doubles.sent_at if name == "acm.DescribeCertificate"]
    assert len(times) == 300
    # A token bucket: the k-th call no sooner than (k - burst + 1) / rate after the first.
    assert all(times[k] - times[0] >= (k - burst + 1) / rate - 1e-9 for k in range(len(times)))
    assert times[-1] - times[0] == pytest.approx((300 - burst) / rate)
    assert aws.log_lines()[-1]["waitedMs"]["pacing"] >= 28_000


# 2. The deadline -----------------------------------------------------------------------------------------


def test_a_run_cut_short_sends_noncompliant_first_writes_its_line_and_leaves_the_rest_to_tomorrow(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    worst_case_backoff(monkeypatch)
    inventory = seed(aws, 3000)
    # Each PutEvaluations throttled five times: 1 + 2 + 4 + 8 + 16 = 31 s of waits a batch.
    aws.doubles.faults.add("config.PutEvaluations", *([THROTTLING] * 5 + [None]) * 30)
    timeout = 100
    aws.run(scheduled_event(aws.now), timeout=timeout)
    line = aws.log_lines()[-1]
    assert line["outcome"] == "partial"
    assert line["deadline"]["reached"] is True and line["deadline"]["stoppedBefore"] == "PutEvaluations"
    assert line["deadline"]["remainingMs"] < (DEADLINE_RESERVE_SECONDS + 16) * 1000
    assert aws.clock.now <= 1_000 + timeout  # ended before Lambda's timeout: the line was written
    recorded = [e for batch in aws.config.put_calls for e in batch]
    assert len(recorded) == 200 and line["recording"]["left"] == 3000 - 200
    noncompliant = [e for e in recorded if e["ComplianceType"] == "NON_COMPLIANT"]
    total_noncompliant = line["recording"]["planned"]["noncompliant"]
    assert "NonCompliantCertificates" not in line  # a run cut short writes no inventory figures
    assert len(noncompliant) == total_noncompliant  # every NON_COMPLIANT one went out ...
    assert recorded[:total_noncompliant] == noncompliant  # ... before anything else
    assert recorded[0]["Annotation"].startswith(("Expired", "Revoked", "ACM reports it EXPIRED"))

    aws.later(days=1)
    aws.run(scheduled_event(aws.now), timeout=TIMEOUT)  # no throttling today
    assert set(held(aws)) == {c["CertificateArn"] for c in inventory}
    assert aws.log_lines()[-1]["outcome"] == "ok"


def test_a_run_cut_short_before_anything_was_recorded_fails_with_its_line(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    worst_case_backoff(monkeypatch)
    seed(aws, 50)
    aws.doubles.faults.add("acm.ListCertificates", *[THROTTLING] * 6)
    with pytest.raises(DeadlineReached, match="Deadline reached before ListCertificates"):
        aws.run(scheduled_event(aws.now), timeout=40)  # 1 + 2 + 4 + 8 s, then 16 s would leave < 15 s
    line = aws.log_lines()[-1]
    assert line["outcome"] == "error" and line["deadline"]["stoppedBefore"] == "ListCertificates"
    assert aws.config.put_calls == []
    assert aws.clock.now <= 1_000 + 40


def test_reading_configs_results_stops_early_enough_to_send(aws: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read of Config's results the deadline cuts short still lets the run send; it removes nothing."""
    worst_case_backoff(monkeypatch)
    inventory = seed(aws, 3000)
    aws.run(scheduled_event(aws.now), timeout=TIMEOUT)
    gone = inventory.pop()
    aws.later(days=1)
    aws.config.put_calls.clear()
    # 30 pages, each throttled four times (15 s of waits): the read cannot finish in 120 s.
    aws.doubles.faults.add("config.GetComplianceDetailsByConfigRule", *([THROTTLING] * 4 + [None]) * 30)
    aws.run(scheduled_event(aws.now), timeout=120)
    line = aws.log_lines()[-1]
    assert line["recording"]["resultsReadComplete"] is False
    assert line["outcome"] == "ok" and "deleted" not in line["recording"]["planned"]
    assert aws.config.results[gone["CertificateArn"]]["ComplianceType"] != "NOT_APPLICABLE"
    assert line["recording"]["planned"]["noncompliant"] == line["NonCompliantCertificates"] > 0


# 3. The clean-up of deleted certificates -----------------------------------------------------------------


def test_after_a_trusted_listing_only_deleted_certificates_held_noncompliant_cost_a_describe(aws: World) -> None:
    inventory = seed(aws, 1000)
    aws.run(scheduled_event(aws.now))
    held = {arn: e["ComplianceType"] for arn, e in aws.config.results.items()}
    deleted = {c["CertificateArn"] for c in inventory[-100:]}  # a tenth: the listing is still trusted
    del inventory[-100:]
    aws.doubles.requests.clear()
    aws.run(scheduled_event(aws.later(days=1)))
    described = {c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")}
    failing = {arn for arn in deleted if held[arn] == "NON_COMPLIANT"}
    assert failing and described & deleted == failing
    assert all(aws.config.results[arn]["Annotation"] == DELETED for arn in deleted)
    line = aws.log_lines()[-1]
    assert line["recording"]["planned"]["deleted"] == 100 - len(failing)
    assert line["recording"]["askedAcm"] == len(failing) and "listingGaps" not in line


def old_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """An SDK too old to lift the ACME and N2 filters: a listing with gaps."""
    real = ListingPlan.for_client

    def plan(cls: type[ListingPlan], client: Any) -> ListingPlan:
        first = {k: v for k, v in real(client).requests[0].items() if k != "CertificateKeyPairOrigins"}
        return ListingPlan((first,), ("no CertificateKeyPairOrigins", "no RootHierarchyTypes"))

    monkeypatch.setattr(ListingPlan, "for_client", classmethod(plan))


def hold(aws: World, arn: str, compliance: str, annotation: str) -> None:
    aws.config.results[arn] = {
        "ComplianceResourceId": arn,
        "ComplianceResourceType": RESOURCE_TYPE,
        "ComplianceType": compliance,
        "OrderingTimestamp": (aws.now - timedelta(days=1)).timestamp(),
        "Annotation": annotation,
    }


def test_after_a_listing_with_gaps_acm_is_asked_a_bounded_number_of_times_then_later(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_sdk(monkeypatch)
    prefix = "arn:aws:acm:us-east-1:123456789012:certificate/"
    hidden = [  # ACME key pairs: ACM has them, the old SDK's listing does not show them
        {
            "CertificateArn": f"{prefix}acme-{i:03d}",
            "DomainName": f"acme{i}.example.com",
            "Status": "ISSUED",
            "Type": "AMAZON_ISSUED",
            "KeyAlgorithm": "RSA_2048",
            "CertificateKeyPairOrigin": "ACME",
            "InUse": True,
            "NotAfter": (aws.now + timedelta(days=200)).timestamp(),
        }
        for i in range(20)
    ]
    hidden[0]["NotAfter"] = (aws.now + timedelta(days=4)).timestamp()
    hidden[0]["Tags"] = [{"Key": "acm-expiry-exempt", "Value": "decommissioned on Friday"}]
    aws.acm.source = lambda region: hidden
    hold(aws, hidden[0]["CertificateArn"], "NON_COMPLIANT", "Expires in 5 days")  # held failing: asked first
    for record in hidden[1:]:
        hold(aws, record["CertificateArn"], "COMPLIANT", "Expires on 2027-01-01, outside the 30-day window.")
    for i in range(130):
        hold(aws, f"{prefix}gone-{i:03d}", "COMPLIANT", "Expires on 2027-01-01, outside the 30-day window.")
    parameters = {"exemptTagKey": "acm-expiry-exempt"}
    aws.run(scheduled_event(aws.now, parameters=parameters))
    asked = [c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")]
    assert len(asked) == DESCRIBE_LIMIT and asked[0] == hidden[0]["CertificateArn"]
    # Found by DescribeCertificate after the listing missed it: still exempt, not judged.
    assert aws.config.results[hidden[0]["CertificateArn"]]["ComplianceType"] == "NOT_APPLICABLE"
    assert aws.config.results[hidden[0]["CertificateArn"]]["Annotation"].startswith("Exempt by tag acm-expiry-exempt")
    assert aws.log_lines()[-1]["recording"]["leftForLater"] == 50
    gone = [arn for arn, e in aws.config.results.items() if e.get("Annotation") == DELETED]
    assert len(gone) == DESCRIBE_LIMIT - len([a for a in asked if "acme" in a])
    aws.doubles.requests.clear()
    aws.run(scheduled_event(aws.later(days=1), parameters=parameters))
    assert len([e for e in aws.config.results.values() if e.get("Annotation") == DELETED]) == 130
    assert (
        "leftForLater" not in aws.log_lines()[-1]["recording"] or aws.log_lines()[-1]["recording"]["leftForLater"] == 0
    )


# 4. Foreign results ----------------------------------------------------------------------------------------


def test_a_result_whose_id_is_not_a_certificate_arn_is_reported_and_skipped(aws: World) -> None:
    inventory = seed(aws, 20)
    aws.run(scheduled_event(aws.now))
    for foreign in ("not-an-arn", "arn:aws:acm:us-east-1:123456789012:certificate-authority/x", "i-0abc"):
        hold(aws, foreign, "COMPLIANT", "someone else's")
    aws.doubles.requests.clear()
    aws.run(scheduled_event(aws.later(days=1)))
    line = aws.log_lines()[-1]
    assert line["outcome"] == "ok"
    assert line["foreignResults"]["count"] == 3
    assert {e["resourceId"] for e in line["foreignResults"]["examples"]} == {
        "not-an-arn",
        "arn:aws:acm:us-east-1:123456789012:certificate-authority/x",
        "i-0abc",
    }
    assert "is not an ACM certificate ARN" in line["foreignResults"]["examples"][0]["why"]
    assert not aws.doubles.calls("acm.DescribeCertificate") or all(
        c["CertificateArn"].startswith("arn:aws:acm:") for c in aws.doubles.calls("acm.DescribeCertificate")
    )
    assert aws.config.results["not-an-arn"]["Annotation"] == "someone else's"  # left alone
    assert {c["CertificateArn"] for c in inventory} <= set(aws.config.results)


_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(["", "AWS::ACM::Certificate", "arn:aws:acm:::", "COMPLIANT"]))


@st.composite
def raw_results(draw: st.DrawFn) -> dict[str, Any]:
    """An EvaluationResult as GetComplianceDetailsByConfigRule's model allows it, any part missing or odd."""
    qualifier = {
        key: draw(_TEXT)
        for key in ("ConfigRuleName", "ResourceType", "ResourceId")
        if draw(st.booleans()) or key != "ConfigRuleName"
    }
    result: dict[str, Any] = {"EvaluationResultIdentifier": {"EvaluationResultQualifier": qualifier}}
    if draw(st.booleans()):
        result["ComplianceType"] = draw(
            st.sampled_from(["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"])
        )
    if draw(st.booleans()):
        result["Annotation"] = draw(_TEXT)
    if draw(st.booleans()):
        result["ResultRecordedTime"] = draw(st.integers(0, 4_000_000_000))
    return result


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(foreign=st.lists(raw_results(), min_size=1, max_size=8))
def test_arbitrary_results_never_stop_a_run_and_each_one_not_ours_is_reported(
    aws: World, foreign: list[dict[str, Any]]
) -> None:
    aws.config.results.clear()
    aws.config.put_calls.clear()
    aws.logs.clear()
    inventory = seed(aws, 12)
    aws.config.raw_results = foreign
    aws.run(scheduled_event(aws.now))
    line = aws.log_lines()[-1]
    assert line["outcome"] == "ok"
    assert {c["CertificateArn"] for c in inventory} <= {e["ComplianceResourceId"] for e in aws.config.sent}

    def ours(raw: dict[str, Any]) -> bool:
        qualifier = raw["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        kind, rid = qualifier.get("ResourceType"), qualifier.get("ResourceId")
        if not kind or not rid or raw.get("ComplianceType") not in ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"):
            return False
        return kind != RESOURCE_TYPE or is_certificate_arn(rid)

    assert line.get("foreignResults", {}).get("count", 0) == sum(1 for raw in foreign if not ours(raw))
    asked = [c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")]
    assert all(is_certificate_arn(arn) for arn in asked)
    aws.config.raw_results = []
    assert math.isfinite(line["durationMs"])
