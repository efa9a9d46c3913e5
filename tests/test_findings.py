"""Security Hub findings: severity by urgency, stable ids, delivery; pure rows and moto's Security Hub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from acm_expiry.assess import Assessment
from acm_expiry.certificate import Certificate
from acm_expiry.errors import DeliveryError, InvalidParameterError
from acm_expiry.findings import build_finding, title
from acm_expiry.verdict import judge
from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World
from tests.support.asff import asff_violations
from tests.support.doubles import THROTTLING
from tests.support.inventory import config_item, synthetic_inventory

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
FINDINGS_ON = {"daysToExpiration": "30", "securityHubFindings": "true"}


def finding(days: float | None, **fields: Any) -> dict[str, Any] | None:
    not_after = None if days is None else NOW + timedelta(days=days)
    certificate = Certificate(
        ARN, "www.example.com", **({"status": "ISSUED", "type": "IMPORTED", "not_after": not_after} | fields)
    )
    return build_finding(Assessment(certificate, judge(certificate, NOW, 30)), rule_name="ACMExpiryRule", now=NOW)


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


# --- end to end, moto's Security Hub --------------------------------------------------------------


def test_periodic_run_imports_one_finding_per_issued_certificate(aws: World) -> None:
    inventory = synthetic_inventory(250, aws.now)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    imported = [params for params in aws.doubles.calls("securityhub.BatchImportFindings")]
    assert max(len(p["Findings"]) for p in imported) <= 100
    issued = [c for c in inventory if c["Status"] != "PENDING_VALIDATION"]
    found = _all_findings(aws)
    assert {f["Resources"][0]["Id"] for f in found} == {c["CertificateArn"] for c in issued}
    labels = {f["Severity"]["Label"] for f in found}
    assert labels == {"CRITICAL", "HIGH", "MEDIUM", "INFORMATIONAL"}
    assert aws.log_lines()[-1]["findings"] == len(issued)


def test_rerun_updates_findings_instead_of_adding(aws: World) -> None:
    inventory = synthetic_inventory(20, aws.now)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    first = len(_all_findings(aws))
    aws.run(scheduled_event(aws.now + timedelta(days=1), parameters=FINDINGS_ON))
    assert len(_all_findings(aws)) == first


def test_change_event_updates_its_certificate_finding(aws: World) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/ch"
    configuration = {
        "certificateArn": arn,
        "domainName": "pay.example.com",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=2, hours=1)).isoformat(),
    }
    aws.run(change_event(config_item(configuration, aws.now), aws.now, parameters=FINDINGS_ON))
    (found,) = _all_findings(aws)
    assert found["Title"] == "ACM certificate pay.example.com expires in 3 days"
    assert found["Severity"]["Label"] == "HIGH"


def test_findings_are_off_by_default(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(5, aws.now)
    aws.run(scheduled_event(aws.now))
    assert aws.doubles.calls("securityhub.BatchImportFindings") == []


def test_invalid_flag_fails_loudly_and_sends_nothing(aws: World) -> None:
    with pytest.raises(InvalidParameterError, match="securityHubFindings is 'yes'"):
        aws.run(scheduled_event(aws.now, parameters={"securityHubFindings": "yes"}))
    assert aws.doubles.requests == []


def test_throttled_imports_are_ridden_out(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(5, aws.now)
    aws.doubles.faults.add("securityhub.BatchImportFindings", *[THROTTLING] * 6)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    assert len(_all_findings(aws)) == 5


def scripted_import(answers: list[list[tuple[str, str]]]) -> Any:
    """A BatchImportFindings that fails the listed (Id, ErrorCode) pairs, one list per call."""
    script = iter(answers)

    def securityhub(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "BatchUpdateFindings":
            return {"ProcessedFindings": params["FindingIdentifiers"], "UnprocessedFindings": []}
        if operation == "GetFindings":
            return {"Findings": []}
        failed = next(script, [])
        return {
            "SuccessCount": len(params["Findings"]) - len(failed),
            "FailedCount": len(failed),
            "FailedFindings": [{"Id": i, "ErrorCode": code, "ErrorMessage": "x"} for i, code in failed],
        }

    return securityhub


def test_failed_findings_are_sent_again(aws: World) -> None:
    inventory = synthetic_inventory(5, aws.now)
    aws.acm.source = lambda region: inventory
    refused = f"ACMExpiryRule/{inventory[0]['CertificateArn']}"
    aws.doubles.serve("securityhub", scripted_import([[(refused, "InternalException")], []]))
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    calls = aws.doubles.calls("securityhub.BatchImportFindings")
    assert [f["Id"] for f in calls[-1]["Findings"]] == [refused]


def test_findings_still_failing_raise_with_the_reason(aws: World) -> None:
    inventory = synthetic_inventory(5, aws.now)
    aws.acm.source = lambda region: inventory
    refused = f"ACMExpiryRule/{inventory[0]['CertificateArn']}"
    aws.doubles.serve("securityhub", scripted_import([[(refused, "InternalException")]] * 4))
    with pytest.raises(DeliveryError, match=r"1 findings were not recorded \(1 InternalException, sent 4 times\)"):
        aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    assert len(aws.doubles.calls("securityhub.BatchImportFindings")) == 4


def test_invalid_findings_are_not_sent_again(aws: World) -> None:
    inventory = synthetic_inventory(5, aws.now)
    aws.acm.source = lambda region: inventory
    refused = f"ACMExpiryRule/{inventory[0]['CertificateArn']}"
    aws.doubles.serve("securityhub", scripted_import([[(refused, "InvalidInput")]]))
    with pytest.raises(DeliveryError, match=r"\(1 InvalidInput, sent 1 time\)"):
        aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    assert len(aws.doubles.calls("securityhub.BatchImportFindings")) == 1
    assert aws.handler_sleeps == []


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


def test_a_renewed_certificate_finding_is_resolved(aws: World) -> None:
    """BatchImportFindings cannot change the workflow of an existing finding; the rule resolves it."""
    record = failing_certificate_with_a_finding(aws)
    (before,) = _all_findings(aws)
    assert (before["Compliance"]["Status"], before["Workflow"]["Status"]) == ("FAILED", "NEW")

    record["NotAfter"] = (aws.now + timedelta(days=395)).timestamp()  # re-imported, renewed
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    (after,) = _all_findings(aws)
    assert (after["Compliance"]["Status"], after["Workflow"]["Status"]) == ("PASSED", "RESOLVED")
    assert after["Severity"]["Label"] == after["FindingProviderFields"]["Severity"]["Label"] == "INFORMATIONAL"

    record["NotAfter"] = (aws.now + timedelta(days=2)).timestamp()  # expiring again
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    (again,) = _all_findings(aws)
    assert (again["Compliance"]["Status"], again["Workflow"]["Status"]) == ("FAILED", "NEW")


def test_findings_of_two_rules_do_not_overwrite_each_other(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(3, aws.now)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    other = scheduled_event(aws.now, parameters={"daysToExpiration": "365", "securityHubFindings": "true"})
    other["configRuleName"] = "acm-expiry-conformance-pack-abc"
    aws.run(other)
    generators = {f["GeneratorId"] for f in _all_findings(aws)}
    assert generators == {"ACMExpiryRule", "acm-expiry-conformance-pack-abc"}
    assert len(_all_findings(aws)) == 6


def _all_findings(aws: World) -> list[dict[str, Any]]:
    hub = aws.client("securityhub")
    found: list[dict[str, Any]] = []
    for page in hub.get_paginator("get_findings").paginate():
        found.extend(page["Findings"])
    return found


def test_deleted_certificate_finding_is_archived(aws: World) -> None:
    inventory = synthetic_inventory(10, aws.now)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    before = len(_all_findings(aws))
    gone = next(c for c in inventory if c["Status"] == "ISSUED")
    inventory.remove(gone)
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    (found,) = [f for f in _all_findings(aws) if f["Id"] == f"ACMExpiryRule/{gone['CertificateArn']}"]
    assert found["RecordState"] == "ARCHIVED"
    assert len(_all_findings(aws)) == before


def test_a_suppressed_finding_stays_suppressed(aws: World) -> None:
    record = failing_certificate_with_a_finding(aws)
    (finding,) = _all_findings(aws)
    aws.client("securityhub").batch_update_findings(
        FindingIdentifiers=[{"Id": finding["Id"], "ProductArn": finding["ProductArn"]}],
        Workflow={"Status": "SUPPRESSED"},
    )
    record["NotAfter"] = (aws.now + timedelta(days=395)).timestamp()
    aws.run(scheduled_event(aws.now, parameters=FINDINGS_ON))
    (after,) = _all_findings(aws)
    assert (after["Compliance"]["Status"], after["Workflow"]["Status"]) == ("PASSED", "SUPPRESSED")
    assert aws.doubles.calls("securityhub.BatchUpdateFindings")[-1]["Workflow"] == {"Status": "SUPPRESSED"}


def test_a_certificate_deleted_by_a_change_event_has_its_finding_archived(aws: World) -> None:
    configuration = {
        "certificateArn": ARN,
        "domainName": "www.example.com",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=3)).isoformat(),
    }
    aws.run(change_event(config_item(configuration, aws.now), aws.now, parameters=FINDINGS_ON))
    aws.run(
        change_event(config_item(configuration, aws.now, status="ResourceDeleted"), aws.now, parameters=FINDINGS_ON)
    )
    (found,) = _all_findings(aws)
    assert found["RecordState"] == "ARCHIVED"


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
    built = build_finding(Assessment(certificate, judge(certificate, NOW, 30)), rule_name="R", now=NOW)
    assert built is not None
    (resource,) = built["Resources"]
    assert resource.get("Partition") == (partition if listed else None)
    assert built["ProductArn"].startswith(f"arn:{partition}:securityhub:")
    assert asff_violations(built) == []


@pytest.mark.parametrize("account", ["12345678901", "1234567890123", "12345678901x", ""])
def test_an_account_that_is_not_12_digits_gets_no_finding(account: str) -> None:
    from acm_expiry.findings import UnreportableCertificate

    arn = f"arn:aws:acm:us-east-1:{account}:certificate/abc"
    certificate = Certificate(arn, "x.example.com", status="ISSUED", type="IMPORTED", not_after=NOW + timedelta(days=3))
    with pytest.raises(UnreportableCertificate, match="12-digit account"):
        build_finding(Assessment(certificate, judge(certificate, NOW, 30)), rule_name="R", now=NOW)


def test_unknown_acm_values_are_left_out_of_the_details() -> None:
    built = finding(5, status="ISSUED", type="AMAZON_ISSUED", renewal_eligibility="MAYBE", renewal_status="SOMETHING")
    assert built is not None
    details = built["Resources"][0]["Details"]["AwsCertificateManagerCertificate"]
    assert "RenewalEligibility" not in details and "RenewalSummary" not in details
    assert asff_violations(built) == []
