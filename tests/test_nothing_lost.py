"""Nothing lost on a listing's silence, a malformed byte or a failure part-way, each through the real handler.

- A listing's silence is not deletion: a certificate Config holds NON_COMPLIANT is cleared only on ACM's
  word, and a listing that is empty (or shrinks past its allowance) clears nothing, says so, and writes no
  figure that reads as all-clear.
- Every malformed input gets an error the rule names, exactly one log line, and no line over 256 KiB.
- The log line says what Config recorded even when delivery failed part-way, and nothing else reaches stdout.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from acm_expiry import RESOURCE_TYPE
from acm_expiry.errors import AwsCallError, DeliveryError, InvalidParameterError, MalformedEventError, RuleError
from acm_expiry.recording import DELETED
from acm_expiry.rule import ACMExpiryRule
from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World
from tests.support.doubles import encode_token
from tests.support.inventory import config_item

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/"
FINDINGS_ON = {"daysToExpiration": "30", "securityHubFindings": "true"}
CLOUDWATCH_EVENT_BYTES = 262_144 - 26  # PutLogEvents: the most an event may hold, less its overhead


def record(name: str, not_after: datetime, **fields: Any) -> dict[str, Any]:
    facts = {"CertificateArn": ARN + name, "DomainName": f"{name}.example.com", "Status": "ISSUED",
             "Type": "IMPORTED", "KeyAlgorithm": "EC_prime256v1", "NotAfter": not_after.timestamp()}  # fmt: skip
    return facts | fields


def one_line(aws: World) -> dict[str, Any]:
    """The invocation's one log line: one JSON object, on one line, within what CloudWatch Logs takes."""
    (raw,) = aws.logs
    assert "\n" not in raw and len(raw.encode()) <= CLOUDWATCH_EVENT_BYTES
    line = json.loads(raw)
    assert isinstance(line, dict)
    return line


# --- a listing's silence ------------------------------------------------------------------------------------


def test_a_listing_that_leaves_out_a_noncompliant_certificate_acm_still_has_keeps_it(aws: World) -> None:
    inventory = [record(f"c{i:02d}", aws.now + timedelta(days=100 + i)) for i in range(20)]
    inventory.append(record("failing", aws.now - timedelta(days=2)))
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    assert aws.config.results[ARN + "failing"]["ComplianceType"] == "NON_COMPLIANT"
    aws.acm.unlisted = {ARN + "failing"}  # ACM still has it; the listing says nothing of it
    aws.logs.clear()
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))
    assert aws.config.results[ARN + "failing"]["ComplianceType"] == "NON_COMPLIANT"  # ACM's word: still there
    assert [c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")] == [ARN + "failing"]
    (finding,) = [f for f in aws.security_hub.visible() if f["Id"].endswith("/failing")]
    assert finding["RecordState"] == "ACTIVE" and finding["Compliance"]["Status"] == "FAILED"
    line = one_line(aws)
    assert line["recording"]["askedAcm"] == 1 and "listingGaps" not in line  # one left out: within the allowance
    assert line["ExpiredCertificates"] == 1 and line["SoonestExpiryDays"] == 0


def test_an_empty_listing_while_acm_holds_23_clears_nothing_and_reads_as_no_all_clear(aws: World) -> None:
    inventory = [record(f"c{i:02d}", aws.now + timedelta(days=i * 5 - 20)) for i in range(23)]
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    held = {arn: (e["ComplianceType"], e.get("Annotation")) for arn, e in aws.config.results.items()}
    noncompliant = sum(1 for compliance, _ in held.values() if compliance == "NON_COMPLIANT")
    assert noncompliant and len(held) == 23
    aws.acm.unlisted = {r["CertificateArn"] for r in inventory}  # the listing comes back empty
    aws.logs.clear()
    aws.run(scheduled_event(aws.later(hours=1), parameters=FINDINGS_ON))
    after = {arn: e["ComplianceType"] for arn, e in aws.config.results.items()}
    assert all(compliance != "NOT_APPLICABLE" for compliance in after.values())  # nothing marked deleted
    assert not any(f["RecordState"] == "ARCHIVED" for f in aws.security_hub.visible())
    line = one_line(aws)
    assert any("empty while Config holds results for 23" in gap for gap in line["listingGaps"])
    assert line["ListingGaps"] == 1
    # ACM confirmed every one of them (23 is within a run's describes): the figures are ACM's, not all-clear.
    assert line["NonCompliantCertificates"] == noncompliant and line["SoonestExpiryDays"] < 30


def test_an_empty_listing_too_large_to_confirm_in_one_run_writes_no_figures(aws: World) -> None:
    inventory = [record(f"c{i:03d}", aws.now + timedelta(days=i - 20)) for i in range(130)]
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    aws.acm.unlisted = {r["CertificateArn"] for r in inventory}
    aws.logs.clear()
    aws.run(scheduled_event(aws.later(hours=1)))
    line = one_line(aws)
    assert line["recording"]["askedAcm"] == 100 and line["recording"]["leftForLater"] == 30
    assert line["PeriodicRunsCompleted"] == 0 and line["ListingGaps"] == 1
    for figure in ("CertificatesEvaluated", "NonCompliantCertificates", "SoonestExpiryDays", "ExpiredCertificates"):
        assert figure not in line  # nothing that an alarm could read as "all clear"
    assert all(e["ComplianceType"] != "NOT_APPLICABLE" for e in aws.config.results.values())


def test_a_certificate_really_deleted_turns_not_applicable_the_next_run(aws: World) -> None:
    inventory = [record(f"c{i:02d}", aws.now + timedelta(days=100 + i)) for i in range(10)]
    inventory += [record("failing", aws.now + timedelta(days=3)), record("fine", aws.now + timedelta(days=300))]
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    del inventory[-2:]  # deleted from ACM: neither listed nor described
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))
    for name in ("failing", "fine"):
        assert (aws.config.results[ARN + name]["ComplianceType"], aws.config.results[ARN + name]["Annotation"]) == (
            "NOT_APPLICABLE",
            DELETED,
        )
    # Held NON_COMPLIANT: on ACM's word (one DescribeCertificate); held COMPLIANT: on the listing's.
    assert [c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")] == [ARN + "failing"]
    archived = {f["Id"].rsplit("/", 1)[1] for f in aws.security_hub.visible() if f["RecordState"] == "ARCHIVED"}
    assert archived == {"failing", "fine"}


# --- malformed input, each through the real handler ---------------------------------------------------------


def scheduled(aws: World, **invoking: Any) -> dict[str, Any]:
    event = scheduled_event(aws.now)
    event["invokingEvent"] = json.dumps(json.loads(event["invokingEvent"]) | invoking)
    return event


MALFORMED = [
    ("deeply nested JSON", lambda aws: {**scheduled_event(aws.now), "invokingEvent": "[" * 100_000 + "]" * 100_000},
     MalformedEventError, "nests JSON deeper"),
    ("a 5,000-digit number", lambda aws: {**scheduled_event(aws.now),
     "invokingEvent": '{"messageType": "ScheduledNotification", "n": ' + "9" * 5000 + "}"},
     MalformedEventError, "number too long"),
    ("a region that is no DNS label", lambda aws: change_event(config_item(
        {"certificateArn": "arn:aws:acm:us-east-1/../x:123456789012:certificate/c", "status": "ISSUED"}, aws.now),
        aws.now), MalformedEventError, "is not an ACM certificate ARN"),
    ("a 1 MB rule name", lambda aws: {**scheduled_event(aws.now), "configRuleName": "r" * 1_000_000},
     MalformedEventError, "1,000,000 characters long"),
    ("a 1 MB resource id", lambda aws: change_event(config_item(
        {"certificateArn": ARN + "x" * 1_000_000, "status": "ISSUED"}, aws.now), aws.now),
     MalformedEventError, "is not an ACM certificate ARN"),
    ("a 1 MB parameter", lambda aws: scheduled_event(aws.now, parameters={"daysToExpiration": "9" * 1_000_000}),
     InvalidParameterError, "daysToExpiration"),
    ("an exemption tag key ending in a line break", lambda aws: scheduled_event(
        aws.now, parameters={"exemptTagKey": "acm-expiry-exempt\n"}), InvalidParameterError, "must be a tag key"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "error", "words"), [pytest.param(*case[1:], id=case[0]) for case in MALFORMED])
def test_malformed_input_gets_a_named_error_and_one_bounded_line(
    aws: World, make: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words) as raised:
        aws.run(make(aws))
    assert len(str(raised.value)) < 2_000  # the value is clipped, never copied whole
    line = one_line(aws)
    assert words in line["error"] and line["outcome"] == "error"
    assert aws.doubles.requests == []  # refused before any call


def test_a_summary_without_an_arn_is_left_out_and_makes_the_listing_a_gap(aws: World) -> None:
    inventory = [record("ok", aws.now + timedelta(days=90)), {"DomainName": "no-arn.example.com",
                 "Status": "ISSUED", "KeyAlgorithm": "RSA_2048"}]  # fmt: skip
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    line = one_line(aws)
    assert line["outcome"] == "ok" and line["certificatesSeen"] == 1
    assert any(
        "summaries the rule cannot read" in gap and "without CertificateArn" in gap for gap in line["listingGaps"]
    )
    assert line["ListingGaps"] == 1


def test_a_page_token_acm_repeats_is_a_named_failure(aws: World) -> None:
    aws.acm.source = lambda region: [record("ok", aws.now + timedelta(days=90))]
    aws.acm.stuck_token = encode_token(0)  # every page says "next: the first page" again
    with pytest.raises(AwsCallError, match="ListCertificates failed: PaginationError"):
        aws.run(scheduled_event(aws.now))
    assert "PaginationError" in one_line(aws)["error"]


@pytest.mark.parametrize(
    "answer",
    [None, "900000", True, float("nan"), "raises"],
    ids=["None", "text", "bool", "NaN", "raises"],
)
def test_a_context_without_a_usable_remaining_time_means_no_deadline(aws: World, answer: Any) -> None:
    class Context:
        def get_remaining_time_in_millis(self) -> Any:
            if answer == "raises":
                raise RuntimeError("no time here")
            return answer

    aws.acm.source = lambda region: [record("ok", aws.now + timedelta(days=90))]
    handler_module = __import__("acm_expiry.handler", fromlist=["handle"])
    handler_module.handle(scheduled_event(aws.now), Context(), aws.runtime())
    line = one_line(aws)
    assert line["outcome"] == "ok" and "deadline" not in line


# --- honest logs ------------------------------------------------------------------------------------------------


def test_after_a_delivery_error_the_line_counts_what_config_did_record(aws: World) -> None:
    inventory = [record(f"c{i:03d}", aws.now + timedelta(days=10 + i)) for i in range(300)]
    aws.acm.source = lambda region: inventory
    aws.config.refuse_times(ARN + "c150", 4)  # listed as failed at every delivery and its three resends
    with pytest.raises(DeliveryError, match="1 evaluations were not recorded"):
        aws.run(scheduled_event(aws.now))
    line = one_line(aws)
    assert line["certificatesSeen"] == 300
    assert sum(line["evaluations"].values()) == 299 == len(aws.config.results)
    assert line["recording"]["left"] == 1 and line["PeriodicRunFailures"] == 1


def test_rdklib_prints_reach_the_line_not_stdout(
    aws: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = ACMExpiryRule.evaluate_periodic

    def chatty(self: ACMExpiryRule, *args: Any) -> Any:
        print("Missing orderingTimestamp from an evaluation result.")  # as rdklib's Evaluation.is_valid prints
        return original(self, *args)

    monkeypatch.setattr(ACMExpiryRule, "evaluate_periodic", chatty)
    aws.acm.source = lambda region: []
    aws.run(scheduled_event(aws.now))
    assert capsys.readouterr().out == ""
    assert one_line(aws)["printed"] == "Missing orderingTimestamp from an evaluation result.\n"


def test_every_failure_the_handler_raises_is_the_rules_own_or_named(aws: World) -> None:
    """A fault the rule did not foresee still leaves its one line, naming its type."""
    aws.acm.source = lambda region: [record("ok", aws.now + timedelta(days=90))]
    event = scheduled_event(aws.now)
    event["resultToken"] = 42  # rdklib and botocore would fail on it; the rule refuses it by name
    with pytest.raises(RuleError, match="resultToken"):
        aws.run(event)
    assert "resultToken" in one_line(aws)["error"]


def test_the_held_result_a_change_event_reads_is_this_resources(aws: World) -> None:
    """GetComplianceDetailsByResource is asked about the certificate of the item, with its resource type."""
    item = {"certificateArn": ARN + "x", "status": "ISSUED", "type": "IMPORTED",
            "notAfter": (aws.now + timedelta(days=200)).isoformat()}  # fmt: skip
    aws.run(change_event(config_item(item, aws.now), aws.now))
    (read,) = aws.doubles.calls("config.GetComplianceDetailsByResource")
    assert read == {"ResourceType": RESOURCE_TYPE, "ResourceId": ARN + "x",
                    "ComplianceTypes": ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"]}  # fmt: skip


def test_a_failing_finding_whose_certificate_acm_still_has_is_never_archived_on_silence(aws: World) -> None:
    """A finding of a certificate neither listed nor held in Config is closed only if ACM says it is gone."""
    inventory = [record(f"c{i:02d}", aws.now + timedelta(days=100 + i)) for i in range(10)]
    inventory.append(record("failing", aws.now + timedelta(days=3)))
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    del aws.config.results[ARN + "failing"]  # Config holds nothing for it (its result was never recorded, say)
    aws.acm.unlisted = {ARN + "failing"}  # and the listing says nothing of it: ACM still has it
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))
    assert [c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")] == [ARN + "failing"]
    (finding,) = [f for f in aws.security_hub.visible() if f["Id"].endswith("/failing")]
    assert finding["RecordState"] == "ACTIVE"
    inventory.pop()  # now really deleted
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))
    (finding,) = [f for f in aws.security_hub.visible() if f["Id"].endswith("/failing")]
    assert finding["RecordState"] == "ARCHIVED"


def test_findings_of_certificates_a_cut_short_read_did_not_cover_are_left_alone(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Config's results read in part: the listing is not trusted to say which passing findings are orphans."""
    from acm_expiry import adapter
    from acm_expiry.held import HeldResults

    inventory = [record(f"c{i:02d}", aws.now + timedelta(days=100 + i)) for i in range(10)]
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    real = adapter.read_results
    monkeypatch.setattr(
        adapter, "read_results", lambda config, name: HeldResults(dict(real(config, name).results), complete=False)
    )
    gone = inventory.pop()["CertificateArn"]  # deleted, and no result of its was cleared (the read was partial)
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))
    (finding,) = [f for f in aws.security_hub.visible() if f["Id"].endswith(gone.rsplit("/", 1)[1])]
    assert finding["RecordState"] == "ACTIVE" and finding["Compliance"]["Status"] == "PASSED"
