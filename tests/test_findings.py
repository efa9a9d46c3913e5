"""Security Hub findings: what each says (pure), and what a run writes, against a Security Hub double as
strict as AWS documents it (eventually consistent, workflow resets, paging; tests/support/securityhub.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acm_expiry.asff import Product, build_finding, title
from acm_expiry.certificate import Certificate
from acm_expiry.errors import InvalidParameterError
from acm_expiry.findings import KnownFinding, plan_findings, refresh_due
from acm_expiry.outcome import Assessment, Removed
from acm_expiry.verdict import judge, what_to_do
from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World, amazon_issued_record
from tests.support.asff import asff_violations
from tests.support.doubles import THROTTLING
from tests.support.inventory import config_item, synthetic_inventory

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
FINDINGS_ON = {"daysToExpiration": "30", "securityHubFindings": "true"}
PRODUCT = Product("aws", "us-east-1", "123456789012")


def finding(days: float | None, **fields: Any) -> dict[str, Any] | None:
    not_after = None if days is None else NOW + timedelta(days=days)
    certificate = Certificate(
        ARN, "www.example.com", **({"status": "ISSUED", "type": "IMPORTED", "not_after": not_after} | fields)
    )
    return build_finding(
        Assessment(certificate, judge(certificate, NOW, 30)), rule_name="ACMExpiryRule", product=PRODUCT, window=30,
        now=NOW,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("days", "fields", "severity", "compliance", "workflow", "title_end"),
    [
        (-3, {}, "CRITICAL", "FAILED", "NEW", "expired 3 days ago"),
        (200, {"status": "REVOKED"}, "CRITICAL", "FAILED", "NEW", "is revoked"),
        (0.5, {}, "HIGH", "FAILED", "NEW", "expires within a day"),
        (6.5, {}, "HIGH", "FAILED", "NEW", "expires in 7 days"),
        (7, {}, "HIGH", "FAILED", "NEW", "expires in 7 days"),
        (7.1, {}, "MEDIUM", "FAILED", "NEW", "expires in 8 days"),
        (30, {}, "MEDIUM", "FAILED", "NEW", "expires in 30 days"),
        (90, {}, "INFORMATIONAL", "PASSED", "RESOLVED", "is valid until 2027-02-25"),
    ],
)
def test_severity_follows_urgency(
    days: float, fields: dict[str, Any], severity: str, compliance: str, workflow: str, title_end: str
) -> None:
    built = finding(days, **fields)
    assert built is not None
    assert built["Severity"] == {"Label": severity}
    assert built["Compliance"] == {"Status": compliance}
    assert built["Workflow"] == {"Status": workflow}
    assert built["Title"] == f"ACM certificate www.example.com {title_end}"


@pytest.mark.parametrize(
    ("days", "fields", "says", "never"),
    [
        # ACM cannot delete an ACME-issued certificate (DeleteCertificate, API reference): never say so.
        (-3, {"type": "AMAZON_ISSUED", "key_pair_origin": "ACME"}, "ACM cannot delete it", "then delete it"),
        (200, {"status": "REVOKED", "key_pair_origin": "ACME"}, "deletes it itself 1 year after", "then delete it"),
        (12, {"type": "AMAZON_ISSUED", "key_pair_origin": "ACME", "renewal_eligibility": "INELIGIBLE"},
         "the ACME client that ordered it renews it", "or delete it"),
        (-3, {"type": "AMAZON_ISSUED", "key_pair_origin": "AWS_MANAGED"}, "then delete it from ACM", "ACME"),
    ],
)  # fmt: skip
def test_an_acme_certificate_is_never_told_to_be_deleted(
    days: float, fields: dict[str, Any], says: str, never: str
) -> None:
    built = finding(days, **fields)
    assert built is not None
    text = built["Remediation"]["Recommendation"]["Text"]
    assert says in text
    assert never not in text


@pytest.mark.parametrize(
    ("fields", "runbook"),
    [
        ({"type": "AMAZON_ISSUED", "renewal_eligibility": "ELIGIBLE", "in_use": True,
          "renewal_status": "PENDING_VALIDATION"}, True),
        ({"type": "PRIVATE", "renewal_eligibility": "ELIGIBLE", "in_use": False}, True),
        ({"type": "PRIVATE", "renewal_eligibility": "ELIGIBLE", "in_use": True}, False),
        ({"type": "IMPORTED"}, False),
    ],
)  # fmt: skip
def test_the_finding_says_when_the_runbook_can_fix_it(fields: dict[str, Any], runbook: bool) -> None:
    built = finding(12, **fields)
    assert built is not None
    assert ("Remediate in Config" in built["Remediation"]["Recommendation"]["Text"]) is runbook


def test_never_issued_certificates_get_no_finding() -> None:
    assert finding(None, status="PENDING_VALIDATION") is None


def test_finding_says_what_to_do_and_names_the_resource() -> None:
    built = finding(
        6.5,
        type="AMAZON_ISSUED",
        renewal_eligibility="ELIGIBLE",
        renewal_status="FAILED",
        renewal_status_reason="CAA_ERROR",
    )
    assert built is not None
    assert built["Id"] == f"ACMExpiryRule/{ARN}"
    assert built["ProductArn"] == "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"
    assert built["Description"].startswith("Expires in 7 days")
    assert "CAA" in built["Remediation"]["Recommendation"]["Text"]
    assert built["Remediation"]["Recommendation"]["Url"].endswith("troubleshooting-renewal.html")
    (resource,) = built["Resources"]
    assert resource["Type"] == "AwsCertificateManagerCertificate"
    assert resource["Id"] == ARN
    details = resource["Details"]["AwsCertificateManagerCertificate"]
    assert details["DomainName"] == "www.example.com"
    assert details["RenewalSummary"] == {"RenewalStatus": "FAILED", "RenewalStatusReason": "CAA_ERROR"}


def test_title_fits_with_a_253_character_domain() -> None:
    certificate = Certificate(ARN, "a" * 253, status="ISSUED", type="IMPORTED", not_after=NOW + timedelta(days=3))
    assert len(title(certificate, judge(certificate, NOW, 30))) <= 256


# --- what a run writes: the plan, pure ----------------------------------------------------------------


def assessed(days: float, name: str = "abc", at: datetime = NOW, **fields: Any) -> Assessment:
    """A certificate expiring ``days`` after NOW, judged ``at``."""
    certificate = Certificate(
        f"arn:aws:acm:us-east-1:123456789012:certificate/{name}",
        f"{name}.example.com",
        **({"status": "ISSUED", "type": "IMPORTED", "not_after": NOW + timedelta(days=days)} | fields),
    )
    return Assessment(certificate, judge(certificate, at, 30))


def known_from(found: dict[str, Any], **changes: Any) -> KnownFinding:
    return KnownFinding.from_asff(found | changes, "ACMExpiryRule")


def plan(outcomes: list[Any], known: list[KnownFinding], now: datetime = NOW, **options: Any) -> Any:
    return plan_findings(
        outcomes, {k.id: k for k in known}, rule_name="ACMExpiryRule", product=PRODUCT, window=30, now=now, **options
    )


def test_a_new_finding_is_imported() -> None:
    result = plan([assessed(5)], [])
    assert [f["Title"] for f in result.imports] == ["ACM certificate abc.example.com expires in 5 days"]
    assert result.counts == {"new": 1} and result.resolve == ()


def test_an_unchanged_finding_is_not_imported_again() -> None:
    (yesterday,) = plan([assessed(200)], []).imports
    tomorrow = NOW + timedelta(days=1)
    today = plan([assessed(200, at=tomorrow)], [known_from(yesterday)], now=tomorrow)
    # A passing finding names its expiry date, not the days left: nothing to write.
    assert today.imports == () and today.counts == {"unchanged": 1}


def test_a_failing_finding_whose_days_changed_is_imported_with_its_creation_time() -> None:
    (yesterday,) = plan([assessed(6)], []).imports
    tomorrow = NOW + timedelta(days=1)
    known = known_from(yesterday, CreatedAt="2026-10-01T00:00:00.000Z")
    today = plan([assessed(6, at=tomorrow)], [known], now=tomorrow)
    (imported,) = today.imports
    assert imported["Title"].endswith("expires in 5 days") and imported["CreatedAt"] == "2026-10-01T00:00:00.000Z"
    assert today.counts == {"changed": 1}


def test_a_renewed_certificate_is_imported_passing_and_resolved_in_the_same_run() -> None:
    (failing,) = plan([assessed(3)], []).imports
    today = plan([assessed(395)], [known_from(failing)])
    (imported,) = today.imports
    assert imported["Compliance"] == {"Status": "PASSED"}
    assert today.resolve == ({"Id": failing["Id"], "ProductArn": failing["ProductArn"]},)


@pytest.mark.parametrize(("workflow", "resolved"), [("NEW", True), ("NOTIFIED", True), ("SUPPRESSED", False),
                                                      ("RESOLVED", False)])  # fmt: skip
def test_only_open_passing_findings_are_resolved(workflow: str, resolved: bool) -> None:
    (passing,) = plan([assessed(200)], []).imports
    result = plan([assessed(200)], [known_from(passing, Workflow={"Status": workflow})])
    assert bool(result.resolve) is resolved


def test_findings_are_refreshed_before_security_hub_ages_them_out() -> None:
    (passing,) = plan([assessed(300)], []).imports
    known = known_from(passing)
    assert not refresh_due(known, NOW + timedelta(days=59))
    assert refresh_due(known, NOW + timedelta(days=75))  # 60 days, plus at most 14 of spread
    due = [d for d in range(59, 76) if refresh_due(known, NOW + timedelta(days=d))]
    assert due[0] >= 60 and due == list(range(due[0], 76))
    at = NOW + timedelta(days=75)
    later = plan([assessed(300, at=at)], [known], now=at)
    assert later.counts == {"refreshed": 1}


def test_refreshes_are_spread_over_a_fortnight() -> None:
    outcomes = [assessed(300, name=f"c{i}") for i in range(200)]
    known = [known_from(f) for f in plan(outcomes, []).imports]
    first_due = [next(d for d in range(55, 80) if refresh_due(k, NOW + timedelta(days=d))) for k in known]
    assert min(first_due) == 60 and max(first_due) == 74 and len(set(first_due)) == 15


def test_only_existing_findings_are_archived() -> None:
    deleted = Removed("arn:aws:acm:us-east-1:123456789012:certificate/gone", "AWS::ACM::Certificate", "deleted", True)
    assert plan([deleted], []).imports == ()
    (had,) = plan([assessed(5, name="gone")], []).imports
    (archived,) = plan([deleted], [known_from(had)]).imports
    assert archived["RecordState"] == "ARCHIVED" and archived["Id"] == had["Id"]


def test_a_failing_finding_is_archived_only_on_acms_or_configs_word() -> None:
    """A listing's silence is not enough to close a finding that says a certificate needs attention."""
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/gone"
    (failing,) = plan([assessed(5, name="gone")], []).imports
    (passing,) = plan([assessed(300, name="gone")], []).imports
    unconfirmed = Removed(arn, "AWS::ACM::Certificate", "deleted")
    assert plan([unconfirmed], [known_from(failing)]).imports == ()
    assert plan([], [known_from(failing)], trust_listing=True).imports == ()  # an orphan, on the listing's word
    (archived,) = plan([unconfirmed], [known_from(failing)], confirmed_gone={arn}).imports
    assert archived["RecordState"] == "ARCHIVED"
    (archived,) = plan([], [known_from(failing)], trust_listing=True, confirmed_gone={arn}).imports
    assert archived["RecordState"] == "ARCHIVED"
    # A passing one goes on the listing's word (trusted), as Config's COMPLIANT result does.
    (archived,) = plan([unconfirmed], [known_from(passing)]).imports
    assert archived["RecordState"] == "ARCHIVED"
    (archived,) = plan([], [known_from(passing)], trust_listing=True).imports
    assert archived["RecordState"] == "ARCHIVED"
    assert plan([], [known_from(passing)], trust_listing=False).imports == ()


def test_exempt_certificates_get_no_finding_and_an_existing_one_is_archived() -> None:
    from acm_expiry.verdict import exempt

    certificate = assessed(5).certificate
    outcome = Assessment(certificate, exempt("acm-expiry-exempt", "retired with the old shop"))
    assert plan([outcome], []).imports == ()
    (had,) = plan([assessed(5)], []).imports
    (archived,) = plan([outcome], [known_from(had)]).imports
    assert archived["RecordState"] == "ARCHIVED"
    assert archived["Description"] == "Exempt by tag acm-expiry-exempt: retired with the old shop"


# --- end to end: the handler, against Security Hub as AWS documents it --------------------------------


def seed_inventory(aws: World, count: int) -> list[dict[str, Any]]:
    inventory = synthetic_inventory(count, aws.now)
    aws.acm.source = lambda region: inventory
    return inventory


def _all_findings(aws: World) -> list[dict[str, Any]]:
    hub = aws.client("securityhub")
    found: list[dict[str, Any]] = []
    for page in hub.get_paginator("get_findings").paginate():
        found.extend(page["Findings"])
    return found


def securityhub_calls(aws: World) -> list[str]:
    return [name for name, _ in aws.doubles.requests if name.startswith("securityhub.")]


def test_the_first_run_reads_once_then_imports_one_finding_per_issued_certificate(aws: World) -> None:
    inventory = seed_inventory(aws, 250)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    calls = securityhub_calls(aws)
    assert calls == ["securityhub.GetFindings"] + ["securityhub.BatchImportFindings"] * 3  # read first, then write
    (read,) = aws.doubles.calls("securityhub.GetFindings")
    assert read["MaxResults"] == 100
    assert read["Filters"]["GeneratorId"] == [{"Value": "ACMExpiryRule", "Comparison": "EQUALS"}]
    assert read["Filters"]["ProductArn"] == [
        {"Value": "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default", "Comparison": "EQUALS"}
    ]
    issued = [c for c in inventory if c["Status"] != "PENDING_VALIDATION"]
    found = _all_findings(aws)
    assert {f["Resources"][0]["Id"] for f in found} == {c["CertificateArn"] for c in issued}
    assert {f["Severity"]["Label"] for f in found} == {"CRITICAL", "HIGH", "MEDIUM", "INFORMATIONAL"}
    assert aws.log_lines()[-1]["findings"] == {"read": 0, "new": len(issued)}


def test_the_next_day_writes_only_what_changed(aws: World) -> None:
    inventory = seed_inventory(aws, 250)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    aws.doubles.requests.clear()
    tomorrow = aws.later(days=1)
    aws.run(scheduled_event(tomorrow, parameters=FINDINGS_ON))
    counts = aws.log_lines()[-1]["findings"]
    reads = len(aws.doubles.calls("securityhub.GetFindings"))
    imported = sum(len(p["Findings"]) for p in aws.doubles.calls("securityhub.BatchImportFindings"))
    failing = [c for c in inventory if c.get("NotAfter", 0) - tomorrow.timestamp() <= 30 * 86400]
    # Failing findings say how many days are left, so they change daily; passing ones do not.
    assert 0 < imported == counts["changed"] <= len(failing)
    assert counts["unchanged"] > 200 and counts["read"] == len(_all_findings(aws))
    assert reads == 3  # 247 findings, 100 a page


def test_a_renewed_certificate_is_resolved_the_same_run(aws: World) -> None:
    record = failing_certificate_with_a_finding(aws)
    (before,) = _all_findings(aws)
    assert (before["Compliance"]["Status"], before["Workflow"]["Status"]) == ("FAILED", "NEW")

    record["NotAfter"] = (aws.now + timedelta(days=395)).timestamp()  # re-imported, renewed
    aws.doubles.requests.clear()
    aws.run(scheduled_event(aws.later(hours=6), parameters=FINDINGS_ON))
    assert securityhub_calls(aws) == [
        "securityhub.GetFindings",
        "securityhub.BatchImportFindings",
        "securityhub.BatchUpdateFindings",
    ]
    (after,) = _all_findings(aws)
    assert (after["Compliance"]["Status"], after["Workflow"]["Status"]) == ("PASSED", "RESOLVED")
    assert after["Severity"]["Label"] == after["FindingProviderFields"]["Severity"]["Label"] == "INFORMATIONAL"
    assert aws.log_lines()[-1]["findings"] == {"read": 1, "changed": 1, "resolved": 1}

    record["NotAfter"] = (aws.now + timedelta(days=2)).timestamp()  # expiring again: Security Hub reopens it
    aws.run(scheduled_event(aws.later(hours=6), parameters=FINDINGS_ON))
    (again,) = _all_findings(aws)
    assert (again["Compliance"]["Status"], again["Workflow"]["Status"]) == ("FAILED", "NEW")


def test_nothing_this_run_imported_is_read_back_or_updated(aws: World) -> None:
    """Imports stay invisible (settle=False): a run never reads or updates what it wrote itself."""
    inventory = seed_inventory(aws, 30)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON), settle=False)
    aws.run(scheduled_event(aws.later(seconds=5), parameters=FINDINGS_ON), settle=False)
    assert len(aws.doubles.calls("securityhub.GetFindings")) == 2
    assert aws.doubles.calls("securityhub.BatchUpdateFindings") == []  # nothing FindingNotFound
    assert all(line["outcome"] == "ok" and "findingsError" not in line for line in aws.log_lines())
    aws.security_hub.settle()
    assert len(_all_findings(aws)) == sum(1 for c in inventory if c["Status"] != "PENDING_VALIDATION")


def test_reading_findings_follows_the_pages(aws: World) -> None:
    seed_inventory(aws, 260)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    aws.doubles.requests.clear()
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    reads = aws.doubles.calls("securityhub.GetFindings")
    assert len(reads) == 3 and [bool(r.get("NextToken")) for r in reads] == [False, True, True]
    assert aws.log_lines()[-1]["findings"]["read"] == len(_all_findings(aws)) > 200


def test_a_change_event_reads_only_its_certificates_finding(aws: World) -> None:
    configuration = {
        "certificateArn": ARN,
        "domainName": "pay.example.com",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=2, hours=1)).isoformat(),
    }
    aws.run(change_event(config_item(configuration, aws.now), aws.now, parameters=FINDINGS_ON))
    (read,) = aws.doubles.calls("securityhub.GetFindings")
    assert read["Filters"]["Id"] == [{"Value": f"ACMExpiryRule/{ARN}", "Comparison": "EQUALS"}]
    (found,) = _all_findings(aws)
    assert found["Title"] == "ACM certificate pay.example.com expires in 3 days"
    assert found["Severity"]["Label"] == "HIGH"


def test_findings_are_off_by_default(aws: World) -> None:
    seed_inventory(aws, 5)
    aws.run(scheduled_event(aws.now))
    assert securityhub_calls(aws) == []
    assert aws.log_lines()[-1]["FindingsFailures"] == 0


def test_invalid_flag_fails_loudly_and_sends_nothing(aws: World) -> None:
    with pytest.raises(InvalidParameterError, match="securityHubFindings is 'yes'"):
        aws.run(scheduled_event(aws.now, parameters={"securityHubFindings": "yes"}))
    assert aws.doubles.requests == []


def test_throttled_calls_are_ridden_out(aws: World) -> None:
    seed_inventory(aws, 5)
    aws.doubles.faults.add("securityhub.GetFindings", *[THROTTLING] * 6)
    aws.doubles.faults.add("securityhub.BatchImportFindings", *[THROTTLING] * 6)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    assert len(_all_findings(aws)) == 5


# --- a findings failure never re-runs the evaluation ----------------------------------------------------


def assert_evaluations_stand_and_the_failure_is_named(aws: World, operation: str, code: str) -> None:
    line = aws.log_lines()[-1]
    assert line["outcome"] == "ok"  # the invocation returned: Lambda does not run it again
    assert len(aws.config.results) == len(aws.acm.certificates("us-east-1"))  # Config has every evaluation
    assert (line["findingsError"]["operation"], line["findingsError"]["code"]) == (operation, code)
    assert line["FindingsFailures"] == 1
    assert {"Name": "FindingsFailures", "Unit": "Count"} in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]


def test_security_hub_not_enabled_leaves_the_evaluations_standing(aws: World) -> None:
    seed_inventory(aws, 30)
    aws.security_hub.enabled = False
    returned = aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    assert len(returned) == 30
    assert_evaluations_stand_and_the_failure_is_named(aws, "GetFindings", "InvalidAccessException")
    assert securityhub_calls(aws) == ["securityhub.GetFindings"]  # 401 is not retried


def test_findings_throttled_past_retries_leave_the_evaluations_standing(aws: World) -> None:
    seed_inventory(aws, 30)
    aws.doubles.faults.add("securityhub.BatchImportFindings", *[THROTTLING] * 7)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    assert_evaluations_stand_and_the_failure_is_named(aws, "BatchImportFindings", "ThrottlingException")


def scripted_import(aws: World, answers: list[list[tuple[str, str]]]) -> None:
    """BatchImportFindings fails the listed (Id, ErrorCode) pairs, one list per call; the rest as AWS does."""
    script = iter(answers)
    hub = aws.security_hub

    def securityhub(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation != "BatchImportFindings":
            return hub(operation, params)
        failed = dict(next(script, []))
        accepted = [f for f in params["Findings"] if f["Id"] not in failed]
        if accepted:
            hub.batch_import_findings(accepted)
        return {
            "SuccessCount": len(params["Findings"]) - len(failed),
            "FailedCount": len(failed),
            "FailedFindings": [{"Id": i, "ErrorCode": code, "ErrorMessage": "x"} for i, code in failed.items()],
        }

    aws.doubles.serve("securityhub", securityhub)


def test_failed_findings_are_sent_again(aws: World) -> None:
    inventory = seed_inventory(aws, 5)
    refused = f"ACMExpiryRule/{inventory[0]['CertificateArn']}"
    scripted_import(aws, [[(refused, "InternalException")], []])
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    calls = aws.doubles.calls("securityhub.BatchImportFindings")
    assert [f["Id"] for f in calls[-1]["Findings"]] == [refused]
    assert "findingsError" not in aws.log_lines()[-1]


def test_findings_still_failing_are_named_with_their_reason(aws: World) -> None:
    inventory = seed_inventory(aws, 5)
    refused = f"ACMExpiryRule/{inventory[0]['CertificateArn']}"
    scripted_import(aws, [[(refused, "InternalException")]] * 4)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    assert len(aws.doubles.calls("securityhub.BatchImportFindings")) == 4
    error = aws.log_lines()[-1]["findingsError"]
    assert error["message"].startswith("1 findings were not recorded (1 InternalException, sent 4 times)")
    assert_evaluations_stand_and_the_failure_is_named(aws, "BatchImportFindings", "InternalException")


def test_invalid_findings_are_not_sent_again(aws: World) -> None:
    inventory = seed_inventory(aws, 5)
    refused = f"ACMExpiryRule/{inventory[0]['CertificateArn']}"
    scripted_import(aws, [[(refused, "InvalidInput")]])
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    assert len(aws.doubles.calls("securityhub.BatchImportFindings")) == 1
    assert aws.clock.sleeps == []
    assert "(1 InvalidInput, sent 1 time)" in aws.log_lines()[-1]["findingsError"]["message"]


# --- workflow, archiving, two rules ----------------------------------------------------------------------


def failing_certificate_with_a_finding(aws: World) -> dict[str, Any]:
    """An imported certificate 3 days from expiry, after one run: its finding is FAILED and NEW."""
    record = {
        "CertificateArn": ARN,
        "DomainName": "www.example.com",
        "Status": "ISSUED",
        "Type": "IMPORTED",
        "KeyAlgorithm": "RSA_2048",
        "NotAfter": (aws.now + timedelta(days=3)).timestamp(),
    }
    aws.acm.source = lambda region: [record]
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    return record


def test_a_suppressed_finding_stays_suppressed(aws: World) -> None:
    record = failing_certificate_with_a_finding(aws)
    (finding,) = _all_findings(aws)
    aws.client("securityhub").batch_update_findings(
        FindingIdentifiers=[{"Id": finding["Id"], "ProductArn": finding["ProductArn"]}],
        Workflow={"Status": "SUPPRESSED"},
    )
    record["NotAfter"] = (aws.now + timedelta(days=395)).timestamp()
    aws.run(scheduled_event(aws.later(hours=1), parameters=FINDINGS_ON))
    (after,) = _all_findings(aws)
    assert (after["Compliance"]["Status"], after["Workflow"]["Status"]) == ("PASSED", "SUPPRESSED")
    record["NotAfter"] = (aws.now + timedelta(days=2)).timestamp()  # failing again: AWS resets only NOTIFIED/RESOLVED
    aws.run(scheduled_event(aws.later(hours=1), parameters=FINDINGS_ON))
    (again,) = _all_findings(aws)
    assert (again["Compliance"]["Status"], again["Workflow"]["Status"]) == ("FAILED", "SUPPRESSED")


def test_findings_of_two_rules_do_not_overwrite_each_other(aws: World) -> None:
    seed_inventory(aws, 3)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    other = scheduled_event(aws.now, parameters={"daysToExpiration": "365", "securityHubFindings": "true"})
    other["configRuleName"] = "acm-expiry-conformance-pack-abc"
    aws.run(other)
    generators = {f["GeneratorId"] for f in _all_findings(aws)}
    assert generators == {"ACMExpiryRule", "acm-expiry-conformance-pack-abc"}
    assert len(_all_findings(aws)) == 6


def test_a_deleted_certificates_finding_is_archived_and_none_is_made_for_one_without(aws: World) -> None:
    inventory = seed_inventory(aws, 10)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    gone = next(c for c in inventory if c["Status"] == "ISSUED")
    inventory.remove(gone)
    # A result in Config for a certificate that never had a finding (judged before findings were on).
    ghost = "arn:aws:acm:us-east-1:123456789012:certificate/never-had-a-finding"
    aws.config.results[ghost] = aws.config.results[gone["CertificateArn"]] | {"ComplianceResourceId": ghost}
    aws.doubles.requests.clear()
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))
    (found,) = [f for f in _all_findings(aws) if f["Id"] == f"ACMExpiryRule/{gone['CertificateArn']}"]
    assert found["RecordState"] == "ARCHIVED"
    imported = [f for p in aws.doubles.calls("securityhub.BatchImportFindings") for f in p["Findings"]]
    archived = [f["Id"] for f in imported if f["RecordState"] == "ARCHIVED"]
    assert archived == [f"ACMExpiryRule/{gone['CertificateArn']}"]  # and none for the ghost
    assert aws.log_lines()[-1]["findings"]["archived"] == 1


def test_a_certificate_deleted_by_a_change_event_has_its_finding_archived(aws: World) -> None:
    configuration = {
        "certificateArn": ARN,
        "domainName": "www.example.com",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=3)).isoformat(),
    }
    aws.run(change_event(config_item(configuration, aws.now), aws.now, parameters=FINDINGS_ON))
    deleted = config_item(configuration, aws.later(minutes=10), status="ResourceDeleted")
    aws.run(change_event(deleted, aws.now, parameters=FINDINGS_ON))
    (found,) = _all_findings(aws)
    assert found["RecordState"] == "ARCHIVED"


# --- the double is as strict as AWS ------------------------------------------------------------------------


def test_the_double_hides_imports_until_they_settle_and_ignores_older_updates(aws: World) -> None:
    hub = aws.client("securityhub")
    (built,) = plan([assessed(5)], []).imports
    hub.batch_import_findings(Findings=[built])
    assert hub.get_findings()["Findings"] == []
    missing = hub.batch_update_findings(
        FindingIdentifiers=[{"Id": built["Id"], "ProductArn": built["ProductArn"]}], Workflow={"Status": "NOTIFIED"}
    )
    assert missing["UnprocessedFindings"][0]["ErrorCode"] == "FindingNotFound"
    aws.security_hub.settle()
    hub.batch_import_findings(Findings=[built | {"Title": "older"}])  # the same UpdatedAt: ignored
    aws.security_hub.settle()
    assert hub.get_findings()["Findings"][0]["Title"] == built["Title"]
    with pytest.raises(Exception, match="InvalidInputException"):
        hub.get_findings(MaxResults=101)


# --- ASFF: every value within its documented values --------------------------------------------------


@pytest.mark.parametrize("key_algorithm", ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1",
                                           "EC_secp384r1", "EC_secp521r1"])  # fmt: skip
def test_key_algorithms_asff_does_not_list_stay_in_product_fields(key_algorithm: str) -> None:
    built = finding(5, key_algorithm=key_algorithm)
    assert built is not None
    details = built["Resources"][0]["Details"]["AwsCertificateManagerCertificate"]
    assert built["ProductFields"]["acm-expiry/KeyAlgorithm"] == key_algorithm
    if key_algorithm == "RSA_3072":  # ACM has it; ASFF's documented values do not
        assert "KeyAlgorithm" not in details
    else:
        assert details["KeyAlgorithm"] == key_algorithm
    assert asff_violations(built) == []


@pytest.mark.parametrize(
    ("partition", "listed"), [("aws", True), ("aws-cn", True), ("aws-us-gov", True), ("aws-iso", False),
                              ("aws-iso-b", False), ("aws-eusc", False)],
)  # fmt: skip
def test_partitions_outside_asffs_list_are_left_out(partition: str, listed: bool) -> None:
    arn = f"arn:{partition}:acm:us-east-1:123456789012:certificate/abc"
    certificate = Certificate(arn, "x.example.com", status="ISSUED", type="IMPORTED", not_after=NOW + timedelta(days=3))
    product = Product(partition, "us-east-1", "123456789012")
    built = build_finding(
        Assessment(certificate, judge(certificate, NOW, 30)), rule_name="R", product=product, window=30, now=NOW
    )
    assert built is not None
    (resource,) = built["Resources"]
    assert resource.get("Partition") == (partition if listed else None)
    assert built["ProductArn"].startswith(f"arn:{partition}:securityhub:")
    assert asff_violations(built) == []


@pytest.mark.parametrize("account", ["12345678901", "1234567890123", "12345678901x", ""])
def test_an_account_that_is_not_12_digits_gets_no_finding(account: str) -> None:
    from acm_expiry.asff import UnreportableCertificate

    arn = f"arn:aws:acm:us-east-1:{account}:certificate/abc"
    certificate = Certificate(arn, "x.example.com", status="ISSUED", type="IMPORTED", not_after=NOW + timedelta(days=3))
    with pytest.raises(UnreportableCertificate, match="12-digit account"):
        build_finding(
            Assessment(certificate, judge(certificate, NOW, 30)), rule_name="R", product=PRODUCT, window=30, now=NOW
        )


def test_unknown_acm_values_are_left_out_of_the_details() -> None:
    built = finding(5, status="ISSUED", type="AMAZON_ISSUED", renewal_eligibility="MAYBE", renewal_status="SOMETHING")
    assert built is not None
    details = built["Resources"][0]["Details"]["AwsCertificateManagerCertificate"]
    assert "RenewalEligibility" not in details and "RenewalSummary" not in details
    assert asff_violations(built) == []


def test_a_finding_left_open_by_a_failed_day_is_archived_by_the_next_complete_run(aws: World) -> None:
    """Security Hub failed the day a certificate was deleted; the next periodic run archives its finding."""
    inventory = seed_inventory(aws, 10)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    gone = next(c for c in inventory if c["Status"] == "ISSUED")
    inventory.remove(gone)
    aws.security_hub.enabled = False
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))  # marks it deleted; findings fail
    assert aws.log_lines()[-1]["findingsError"]["code"] == "InvalidAccessException"
    aws.security_hub.enabled = True
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))  # Config no longer lists it as judged
    (found,) = [f for f in _all_findings(aws) if f["Resources"][0]["Id"] == gone["CertificateArn"]]
    assert found["RecordState"] == "ARCHIVED"
    assert aws.log_lines()[-1]["findings"]["archived"] == 1


def test_a_listing_with_gaps_archives_no_finding_it_did_not_judge(aws: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """An SDK too old to lift a filter may miss certificates: their findings are not taken for orphans."""
    from acm_expiry.acm import ListingPlan

    real = ListingPlan.for_client

    def old_sdk(cls: type[ListingPlan], client: Any) -> ListingPlan:
        return ListingPlan(real(client).requests[:1], ("no RootHierarchyTypes",))

    inventory = seed_inventory(aws, 10)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    hidden = next(c for c in inventory if c["Status"] == "ISSUED")
    inventory.remove(hidden)
    aws.config.results.pop(hidden["CertificateArn"])  # nor does Config hold a result for it
    monkeypatch.setattr(ListingPlan, "for_client", classmethod(old_sdk))
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))
    (found,) = [f for f in _all_findings(aws) if f["Resources"][0]["Id"] == hidden["CertificateArn"]]
    assert found["RecordState"] == "ACTIVE"


# --- where findings go: the rule's account, the Security Hub client's Region (issue 17, point 4) -----------


def imported_certificate(aws: World, name: str, days: float) -> dict[str, Any]:
    return {
        "CertificateArn": f"arn:aws:acm:us-east-1:123456789012:certificate/{name}",
        "DomainName": f"{name}.example.com",
        "Status": "ISSUED",
        "Type": "IMPORTED",
        "KeyAlgorithm": "EC_prime256v1",
        "NotAfter": (aws.now + timedelta(days=days)).timestamp(),
    }


def test_a_rule_in_another_region_reads_and_writes_its_findings_under_one_product(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule in eu-west-1 watching CloudFront's certificates in us-east-1 (ExecutionRoleRegion): over two
    days its findings are updated, resolved and archived, never imported again as new."""
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # the function runs beside the rule
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    renewing, going, staying = (imported_certificate(aws, n, d) for n, d in (("renewing", 3), ("going", 20),
                                                                            ("staying", 200)))  # fmt: skip
    inventory = [renewing, going, staying]
    aws.acm.source = lambda region: inventory if region == "us-east-1" else []

    def day() -> dict[str, Any]:
        event = scheduled_event(aws.now, parameters=FINDINGS_ON | {"ExecutionRoleRegion": "us-east-1"})
        return event | {"configRuleArn": "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-abc123"}

    aws.run(day())
    assert aws.log_lines()[-1]["findings"] == {"read": 0, "new": 3}
    product = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"
    assert {f["ProductArn"] for f in aws.security_hub.visible()} == {product}  # where the client calls

    renewing["NotAfter"] = (aws.now + timedelta(days=395)).timestamp()
    inventory.remove(going)
    aws.run(day() | {"invokingEvent": scheduled_event(aws.later(days=1))["invokingEvent"]})
    line = aws.log_lines()[-1]
    assert "findingsError" not in line
    assert line["findings"] == {"read": 3, "changed": 1, "resolved": 1, "archived": 1, "unchanged": 1}
    found = {f["Resources"][0]["Id"]: f for f in aws.security_hub.visible()}
    assert len(found) == len(aws.security_hub.visible()) == 3  # updated in place, none imported twice
    assert found[renewing["CertificateArn"]]["Workflow"]["Status"] == "RESOLVED"
    assert found[going["CertificateArn"]]["RecordState"] == "ARCHIVED"
    assert found[staying["CertificateArn"]]["RecordState"] == "ACTIVE"
    reads = aws.doubles.calls("securityhub.GetFindings")
    assert {r["Filters"]["ProductArn"][0]["Value"] for r in reads} == {product}


def test_the_double_refuses_findings_under_another_regions_product(aws: World) -> None:
    (built,) = plan([assessed(5)], []).imports
    elsewhere = built["ProductArn"].replace("us-east-1", "eu-west-1")
    with pytest.raises(Exception, match=r"AccessDeniedException.*not authorized to perform: securityhub:BatchImport"):
        aws.client("securityhub").batch_import_findings(Findings=[built | {"ProductArn": elsewhere}])
    with pytest.raises(Exception, match="AccessDeniedException"):
        aws.client("securityhub").batch_import_findings(Findings=[built | {"AwsAccountId": "999999999999"}])
    # In its own Region it is taken, and seen only there.
    aws.client("securityhub", "eu-west-1").batch_import_findings(Findings=[built | {"ProductArn": elsewhere}])
    aws.security_hub.settle()
    assert aws.client("securityhub").get_findings()["Findings"] == []
    assert len(aws.client("securityhub", "eu-west-1").get_findings()["Findings"]) == 1


def test_a_certificate_of_another_account_gets_no_finding_and_is_reported() -> None:
    stranger = assessed(5, name="x")
    foreign = replace(stranger, certificate=replace(stranger.certificate, arn=stranger.certificate.arn.replace(
        "123456789012", "999999999999")))  # fmt: skip
    result = plan([foreign, assessed(6)], [])
    assert [f["Resources"][0]["Id"] for f in result.imports] == [ARN]
    (skipped,) = result.skipped
    assert skipped.id == "arn:aws:acm:us-east-1:999999999999:certificate/x"
    assert "account 999999999999" in skipped.why and result.counts == {"new": 1, "skipped": 1}


# --- findings the rule did not make (issue 17, point 5) ----------------------------------------------------

PRODUCT_ARN = PRODUCT.arn


def someone_elses(finding_id: str, **fields: Any) -> dict[str, Any]:
    """A finding under this rule's generator and product that the rule did not write."""
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": PRODUCT_ARN,
        "GeneratorId": "ACMExpiryRule",
        "AwsAccountId": "123456789012",
        "Types": ["Software and Configuration Checks"],
        "CreatedAt": "2026-01-01T00:00:00.000Z",
        "UpdatedAt": "2026-01-01T00:00:00.000Z",
        "Severity": {"Label": "LOW"},
        "Title": "imported by hand",
        "Description": "not the rule's",
        "RecordState": "ACTIVE",
        "Resources": [{"Type": "Other", "Id": "x"}],
    } | fields


FOREIGN_IDS = [
    "other-tool/finding-1",
    "ACMExpiryRule/not-an-arn",
    "ACMExpiryRule/arn:aws:acm:us-east-1:12345:certificate/short-account",  # no 12-digit account
    "ACMExpiryRule",
]


def test_findings_the_rule_did_not_make_are_reported_and_left_alone(aws: World) -> None:
    record = failing_certificate_with_a_finding(aws)  # one finding of ours, read and written as usual
    for foreign_id in FOREIGN_IDS:
        aws.security_hub.seed(someone_elses(foreign_id))
    # Ours in form, but of a certificate in another account: no finding of it can be written here.
    elsewhere = f"ACMExpiryRule/{ARN.replace('123456789012', '999999999999')}"
    aws.security_hub.seed(someone_elses(elsewhere))
    record["NotAfter"] = (aws.now + timedelta(days=2)).timestamp()
    aws.doubles.requests.clear()
    aws.run(scheduled_event(aws.later(days=1), parameters=FINDINGS_ON))  # a complete run: it archives orphans

    line = aws.log_lines()[-1]
    assert line["outcome"] == "ok" and "findingsError" not in line  # the findings step completed
    assert line["findings"] | {"skippedRecords": None} == {
        "read": 6, "changed": 1, "foreign": 4, "skipped": 1, "skippedRecords": None
    }  # fmt: skip
    reported = {r["id"]: r["why"] for r in line["findings"]["skippedRecords"]}
    assert set(reported) == {*FOREIGN_IDS, elsewhere}
    assert "was not made by this rule" in reported["other-tool/finding-1"]
    assert "account 999999999999" in reported[elsewhere]
    written = {f["Id"] for p in aws.doubles.calls("securityhub.BatchImportFindings") for f in p["Findings"]}
    assert written == {f"ACMExpiryRule/{ARN}"}  # nothing foreign archived or overwritten
    untouched = [f for f in aws.security_hub.visible() if f["Id"] != f"ACMExpiryRule/{ARN}"]
    assert [(f["RecordState"], f["Title"]) for f in untouched] == [("ACTIVE", "imported by hand")] * 5


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
CERTIFICATE_IDS = st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True)
FINDING_IDS = st.one_of(
    CERTIFICATE_IDS.map(lambda i: f"ACMExpiryRule/arn:aws:acm:us-east-1:123456789012:certificate/{i}"),
    st.text(min_size=1, max_size=40).map(lambda t: f"ACMExpiryRule/{t}"),
    st.text(min_size=1, max_size=40),
)
TEXTS = st.text(max_size=30)
ASFF_TIMES = st.datetimes(datetime(2018, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)).map(  # noqa: DTZ001
    lambda d: f"{d:%Y-%m-%dT%H:%M:%S}.000Z"
)  # some later than the run's clock: a stranger's
# Fields as Security Hub returns them: of the types its API model gives (botocore parses the answer by it),
# with any content: values outside ASFF's enums, dates that are not dates, a stranger's words.
ODD_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "Compliance": st.fixed_dictionaries({}, optional={"Status": st.sampled_from(["PASSED", "FAILED", "WARNING"])}),
        "Severity": st.fixed_dictionaries({}, optional={"Label": st.sampled_from(["LOW", "HIGH", "CRITICAL"])}),
        "Workflow": st.fixed_dictionaries({}, optional={"Status": st.sampled_from(["NEW", "RESOLVED", "SUPPRESSED"])}),
        "Title": TEXTS,
        "Description": TEXTS,
        "CreatedAt": ASFF_TIMES,
        "UpdatedAt": ASFF_TIMES,
        "ProductFields": st.dictionaries(TEXTS, TEXTS, max_size=2),
    },
)


def is_ours(finding_id: str) -> bool:
    from acm_expiry.arns import is_certificate_arn

    return finding_id.startswith("ACMExpiryRule/") and is_certificate_arn(finding_id.removeprefix("ACMExpiryRule/"))


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(findings=st.lists(st.tuples(FINDING_IDS, ODD_FIELDS), max_size=12, unique_by=lambda f: f[0]))
def test_any_findings_under_the_rules_generator_never_stop_the_findings_step(
    aws: World, findings: list[tuple[str, dict[str, Any]]]
) -> None:
    """Whatever GetFindings returns under the rule's generator: the run completes, every foreign finding is
    reported, and none is written to; the rule's own findings, however odd their fields, are brought back to
    what the rule says (or archived, their certificates being gone)."""
    aws.security_hub.clear()
    aws.logs.clear()
    aws.doubles.requests.clear()
    inventory = [imported_certificate(aws, "listed", 5)]
    aws.acm.source = lambda region: inventory
    for finding_id, fields in findings:
        aws.security_hub.seed(someone_elses(finding_id) | fields)

    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))

    line = aws.log_lines()[-1]
    assert line["outcome"] == "ok" and "findingsError" not in line
    foreign = {i for i, _ in findings if not is_ours(i)}
    assert line["findings"].get("foreign", 0) == len(foreign)
    assert {r["id"] for r in line["findings"].get("skippedRecords", [])} == foreign
    written = {f["Id"] for p in aws.doubles.calls("securityhub.BatchImportFindings") for f in p["Findings"]}
    assert written.isdisjoint(foreign)
    assert written >= {i for i, _ in findings if is_ours(i)}  # each of ours: rewritten or archived


@settings(max_examples=300, deadline=None, database=None)
@given(finding=JSON_VALUES, outcome_days=st.lists(st.floats(-50, 500), max_size=3))
def test_reading_and_planning_take_any_finding(finding: object, outcome_days: list[float]) -> None:
    """KnownFinding.from_asff reads any JSON value as one of ours or a ForeignFinding, and a plan over what it
    read never raises."""
    from acm_expiry.findings import ForeignFinding

    try:
        known = [KnownFinding.from_asff(finding, "ACMExpiryRule")]
    except ForeignFinding as error:
        assert "finding" in str(error)
        known = []
    outcomes = [assessed(days, name=f"c{n}") for n, days in enumerate(outcome_days)]
    plan(outcomes, known, trust_listing=True)
    plan(outcomes, known, confirmed_gone={k.certificate_arn for k in known})


# --- behaviour no test guarded before (issue 17, point 8) ------------------------------------------------


def scripted_update(aws: World, answers: list[str | None]) -> None:
    """BatchUpdateFindings lists every identifier in UnprocessedFindings with the given code, one answer per
    call (None: processed as AWS does)."""
    script = iter(answers)
    hub = aws.security_hub

    def securityhub(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        code = next(script, None) if operation == "BatchUpdateFindings" else None
        if code is None:
            return hub(operation, params)
        unprocessed = [
            {"FindingIdentifier": identifier, "ErrorCode": code, "ErrorMessage": "try again"}
            for identifier in params["FindingIdentifiers"]
        ]
        return {"ProcessedFindings": [], "UnprocessedFindings": unprocessed}

    aws.doubles.serve("securityhub", securityhub)


def test_a_resolve_security_hub_did_not_process_is_sent_again(aws: World) -> None:
    record = failing_certificate_with_a_finding(aws)
    record["NotAfter"] = (aws.now + timedelta(days=395)).timestamp()  # renewed: its finding is resolved
    scripted_update(aws, ["InternalException", None])
    aws.run(scheduled_event(aws.later(hours=6), parameters=FINDINGS_ON))
    updates = aws.doubles.calls("securityhub.BatchUpdateFindings")
    assert [[i["Id"] for i in u["FindingIdentifiers"]] for u in updates] == [[f"ACMExpiryRule/{ARN}"]] * 2
    (after,) = _all_findings(aws)
    assert after["Workflow"]["Status"] == "RESOLVED"
    assert "findingsError" not in aws.log_lines()[-1] and aws.log_lines()[-1]["findings"]["resolved"] == 1


def test_a_resolve_security_hub_never_processes_is_reported(aws: World) -> None:
    record = failing_certificate_with_a_finding(aws)
    record["NotAfter"] = (aws.now + timedelta(days=395)).timestamp()
    scripted_update(aws, ["InternalException"] * 4)
    aws.run(scheduled_event(aws.later(hours=6), parameters=FINDINGS_ON))
    assert len(aws.doubles.calls("securityhub.BatchUpdateFindings")) == 4
    line = aws.log_lines()[-1]
    assert (line["outcome"], line["FindingsFailures"]) == ("ok", 1)
    assert (line["findingsError"]["operation"], line["findingsError"]["code"]) == (
        "BatchUpdateFindings",
        "InternalException",
    )
    assert line["findingsError"]["message"] == (
        f"1 finding updates were not recorded (1 InternalException, sent 4 times): ACMExpiryRule/{ARN}"
    )


def test_a_finding_whose_description_alone_changed_is_imported_again(aws: World) -> None:
    """The same day, the same days left: ACM's renewal went from FAILED to PENDING_VALIDATION, and the finding's
    advice with it."""
    record = amazon_issued_record(aws.now, "renewing", {"RenewalStatus": "FAILED", "RenewalStatusReason": "CAA_ERROR"})
    aws.acm.source = lambda region: [record]
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    (before,) = _all_findings(aws)
    record["RenewalSummary"] = {"RenewalStatus": "PENDING_VALIDATION"}
    aws.doubles.requests.clear()
    aws.run(scheduled_event(aws.later(hours=1), parameters=FINDINGS_ON))
    (after,) = _all_findings(aws)
    assert (after["Title"], after["Severity"], after["Compliance"]) == (
        before["Title"], before["Severity"], before["Compliance"]
    )  # fmt: skip
    assert "CAA record" in before["Description"] and "DNS validation CNAME" in after["Description"]
    assert aws.log_lines()[-1]["findings"] == {"read": 1, "changed": 1}


# --- what the plan and the findings say, at their edges --------------------------------------------------


def test_a_finding_whose_severity_alone_changed_is_imported_again() -> None:
    """Someone edited it, or a new version moved an edge: the rule's own severity is written back."""
    (yesterday,) = plan([assessed(5)], []).imports
    today = plan([assessed(5)], [known_from(yesterday, Severity={"Label": "LOW"})])
    assert today.counts == {"changed": 1}
    assert [f["Severity"] for f in today.imports] == [{"Label": "HIGH"}]


def test_a_removed_result_of_another_resource_type_never_archives_a_certificates_finding() -> None:
    """Config's results of another type (the rule's scope changed) are not certificates, even if an id matches."""
    for days in (5, 200):  # a failing finding and a passing one
        (existing,) = plan([assessed(days)], []).imports
        arn = existing["Resources"][0]["Id"]
        other = Removed(arn, "AWS::ElasticLoadBalancingV2::LoadBalancer", "deleted", confirmed=True)
        result = plan([other], [known_from(existing)])
        assert result.imports == () and result.counts == {}


def test_a_domain_that_fits_the_title_exactly_is_kept_whole() -> None:
    def titled(domain: str) -> str:
        certificate = Certificate(ARN, domain, status="ISSUED", type="IMPORTED", not_after=NOW + timedelta(days=3))
        return title(certificate, judge(certificate, NOW, 30))

    room = 256 - (len(titled("a")) - 1)
    assert len(titled("a" * room)) == 256 and "a" * room in titled("a" * room)
    longer = titled("a" * (room + 1))
    assert len(longer) == 256 and "a" * (room - 1) + "…" in longer


def test_a_finding_whose_updated_at_cannot_be_read_is_due_for_a_refresh() -> None:
    """Better imported again than aged out by Security Hub unseen."""
    (found,) = plan([assessed(200)], []).imports
    assert not refresh_due(known_from(found), NOW)
    assert refresh_due(known_from(found, UpdatedAt="yesterday"), NOW)


def test_a_passing_findings_description_names_its_date_and_window() -> None:
    built = finding(90)
    assert built is not None
    assert built["Description"] == "Valid until 2027-02-25, outside the 30-day window."


def test_a_passing_finding_recommends_no_renewal_and_a_revoked_one_what_an_expired_one_does() -> None:
    """Wording aside: a passing certificate needs none of the advice table's actions; a revoked one needs replacing."""

    def recommended(days: float, **fields: Any) -> str:
        built = finding(days, **fields)
        assert built is not None
        return str(built["Remediation"]["Recommendation"]["Text"])

    passing = Certificate(ARN, status="ISSUED", type="IMPORTED", not_after=NOW + timedelta(days=90))
    assert recommended(90) != what_to_do(passing)
    assert recommended(200, status="REVOKED") == recommended(-3)
    assert recommended(200, status="REVOKED") != recommended(90)
