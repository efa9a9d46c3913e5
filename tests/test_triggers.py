"""Both triggers, one answer: the same certificates judged by change events and by the periodic run.

Each certificate is served by the ACM double (as DescribeCertificate tells it) and, for the change
event, recorded by Config as a configuration item built from the same facts. Where the item cannot
give the whole answer (no readable ``notAfter``; no renewal status, or FAILED without its reason,
for a certificate ACM renews inside the window; a REVOKED certificate without ``revokedAt``, which
Config's resource schema does not record), the change path asks ACM exactly as the periodic path does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World
from tests.support.doubles import key_pair_origin
from tests.support.inventory import config_item

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/"


def record(name: str, now: datetime, days: float | None, **fields: Any) -> dict[str, Any]:
    """A certificate as ACM's DescribeCertificate tells it."""
    described: dict[str, Any] = {
        "CertificateArn": ARN + name,
        "DomainName": f"{name}.example.com",
        "Status": "ISSUED",
        "Type": "IMPORTED",
        "KeyAlgorithm": "EC_prime256v1",
        "InUseBy": [],
        "RenewalEligibility": "INELIGIBLE",
    }
    if days is not None:
        described["NotAfter"] = (now + timedelta(days=days)).timestamp()
    return described | fields


def table(now: datetime) -> list[tuple[dict[str, Any], set[str]]]:
    """(certificate, what the configuration item leaves out) for every verdict and advice row."""
    in_use = {"InUseBy": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"]}
    eligible = in_use | {"RenewalEligibility": "ELIGIBLE"}

    def failed(name: str, days: float, kind: str, reason: str) -> dict[str, Any]:
        """An eligible certificate ACM failed to renew, for ``reason``."""
        renewal = {"RenewalStatus": "FAILED", "RenewalStatusReason": reason}
        return record(name, now, days, Type=kind, RenewalSummary=renewal, **eligible)

    def days_ago(days: float) -> float:
        return (now - timedelta(days=days)).timestamp()

    return [
        (record("imported-valid", now, 200), set()),
        (record("imported-soon", now, 6.5), set()),
        (record("imported-expired", now, -3.2), set()),
        (record("revoked", now, 90, Status="REVOKED", RevokedAt=days_ago(2)), set()),
        (record("pending", now, None, Status="PENDING_VALIDATION", Type="AMAZON_ISSUED"), set()),
        (failed("amazon-caa", 12, "AMAZON_ISSUED", "CAA_ERROR"), set()),
        (
            record(
                "amazon-dns",
                now,
                20,
                Type="AMAZON_ISSUED",
                RenewalSummary={"RenewalStatus": "PENDING_VALIDATION"},
                **eligible,
            ),
            set(),
        ),
        (record("amazon-unused", now, 20, Type="AMAZON_ISSUED"), set()),
        (failed("private-ca-off", 9, "PRIVATE", "PCA_INVALID_STATE"), set()),
        (record("private-unexported", now, 25, Type="PRIVATE"), set()),
        (
            record(
                "private-exported",
                now,
                25,
                Type="PRIVATE",
                RenewalEligibility="ELIGIBLE",
                RenewalSummary={"RenewalStatus": "PENDING_AUTO_RENEWAL"},
            ),
            set(),
        ),
        (record("acme", now, 20, Type="AMAZON_ISSUED", CertificateKeyPairOrigin="ACME"), set()),
        (record("acme-expired", now, -2, Type="AMAZON_ISSUED", CertificateKeyPairOrigin="ACME"), set()),
        (
            record(
                "private-renewing",
                now,
                40,
                Type="PRIVATE",
                RenewalSummary={"RenewalStatus": "PENDING_AUTO_RENEWAL"},
                **eligible,
            ),
            set(),
        ),
        # The configuration item cannot decide: ACM is asked.
        (record("item-without-date", now, 15), {"notAfter"}),
        (record("item-with-unreadable-date", now, 300), {"notAfter:unreadable"}),
        (failed("item-without-renewal", 10, "AMAZON_ISSUED", "DOMAIN_NOT_ALLOWED"), {"renewalSummary"}),
        (failed("private-item-without-renewal", 10, "PRIVATE", "PCA_ACCESS_DENIED"), {"renewalSummary"}),
        # Config's resource schema for AWS::ACM::Certificate has renewalStatus but no renewalStatusReason.
        (failed("item-without-reason", 11, "AMAZON_ISSUED", "CAA_ERROR"), {"renewalStatusReason"}),
        # ... nor revokedAt.
        (record("revoked-item-without-date", now, 60, Status="REVOKED", RevokedAt=days_ago(9)), {"revokedAt"}),
        # Config's resource schema for the item is unverified: it may not record the key pair origin.
        (
            record("acme-item-without-origin", now, 20, Type="AMAZON_ISSUED", CertificateKeyPairOrigin="ACME"),
            {"certificateKeyPairOrigin"},
        ),
        (record("amazon-item-without-origin", now, 20, Type="AMAZON_ISSUED"), {"certificateKeyPairOrigin"}),
        (
            record("acme-expired-item-without-origin", now, -2, Type="AMAZON_ISSUED", CertificateKeyPairOrigin="ACME"),
            {"certificateKeyPairOrigin"},
        ),
        (record("imported-item-without-origin", now, 5), {"certificateKeyPairOrigin"}),
        # Revoked before ACM recorded an expiry date: still NON_COMPLIANT, on ACM's word.
        (record("revoked-without-expiry", now, None, Status="REVOKED", RevokedAt=days_ago(4)), set()),
    ]


def configuration(described: dict[str, Any], left_out: set[str]) -> dict[str, Any]:
    """What Config records for the certificate: camelCase, ISO dates, the renewal summary nested."""
    iso = {
        key: datetime.fromtimestamp(described[source]).astimezone().isoformat()
        for key, source in (("notAfter", "NotAfter"), ("revokedAt", "RevokedAt"))
        if source in described
    }
    recorded: dict[str, Any] = {
        "certificateArn": described["CertificateArn"],
        "domainName": described["DomainName"],
        "status": described["Status"],
        "type": described["Type"],
        "keyAlgorithm": described["KeyAlgorithm"].replace("_", "-", 1),
        "inUseBy": described["InUseBy"],
        "renewalEligibility": described["RenewalEligibility"],
        "certificateKeyPairOrigin": key_pair_origin(described),
        **iso,
    }
    if "RenewalSummary" in described:
        summary = described["RenewalSummary"]
        recorded["renewalSummary"] = {"renewalStatus": summary["RenewalStatus"]} | (
            {"renewalStatusReason": summary["RenewalStatusReason"]} if "RenewalStatusReason" in summary else {}
        )
    for field in left_out:
        name, _, how = field.partition(":")
        if how == "unreadable":
            recorded[name] = "the end of next summer"
        elif name == "renewalStatusReason":
            recorded["renewalSummary"].pop(name)
        else:
            recorded.pop(name, None)
    return recorded


def test_change_events_and_the_periodic_run_send_identical_evaluations(aws: World) -> None:
    certificates = table(aws.now)
    inventory = [described for described, _ in certificates]
    aws.acm.source = lambda region: inventory

    aws.run(scheduled_event(aws.now))
    periodic = {e["ComplianceResourceId"]: (e["ComplianceType"], e.get("Annotation")) for e in aws.config.sent}
    aws.config.put_calls.clear()
    aws.doubles.requests.clear()

    asked = set()
    for described, left_out in certificates:
        item = config_item(configuration(described, left_out), aws.now)
        aws.run(change_event(item, aws.now))
        asked |= {c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")}
        aws.doubles.requests.clear()
    change = {e["ComplianceResourceId"]: (e["ComplianceType"], e.get("Annotation")) for e in aws.config.sent}

    assert change == periodic
    assert len(change) == len(certificates)
    # Every verdict and advice kind occurs, so the comparison covers them all.
    words = " ".join(annotation or "" for _, annotation in change.values())
    for phrase in ("re-import", "CAA record", "DNS validation", "attach it", "private CA is not ACTIVE",
                   "export it or associate it", "Expired 3 days ago", "Revoked on", "PENDING_VALIDATION",
                   "grant ACM's service principal", "DOMAIN_NOT_ALLOWED", "outside the 30-day window",
                   "ACME-issued", "Remediate in Config", "acm:RenewCertificate"):  # fmt: skip
        assert phrase in words, phrase
    assert "see the ACM console" not in words  # every FAILED renewal names its reason, whichever the trigger
    # Both triggers agree on these because both asked ACM; and what they say is right.

    def day(days_ago: int) -> str:
        return f"{aws.now - timedelta(days=days_ago):%Y-%m-%d}"

    assert change[ARN + "item-without-reason"][1].endswith("ACM renewal is FAILED (CAA_ERROR): a CAA record forbids "
                                                            "Amazon to issue.")  # fmt: skip
    assert change[ARN + "revoked-item-without-date"] == ("NON_COMPLIANT", f"Revoked on {day(9)}: replace it.")
    assert change[ARN + "revoked-without-expiry"] == ("NON_COMPLIANT", f"Revoked on {day(4)}: replace it.")
    # An ACME-issued certificate is named so on both triggers, even when the item does not say.
    for name in ("acme", "acme-item-without-origin", "acme-expired", "acme-expired-item-without-origin"):
        assert "ACME-issued" in change[ARN + name][1], name
        assert "delete it" not in change[ARN + name][1].replace("cannot delete it", ""), name
    assert "ACME" not in change[ARN + "amazon-item-without-origin"][1]
    # ACM was asked only where the item could not decide.
    assert asked == {ARN + name for name in ("item-without-date", "item-with-unreadable-date", "item-without-renewal",
                                            "private-item-without-renewal", "item-without-reason",
                                            "revoked-item-without-date", "revoked-without-expiry",
                                            "acme-item-without-origin", "amazon-item-without-origin",
                                            "acme-expired-item-without-origin")}  # fmt: skip


@pytest.mark.parametrize("status", ["ISSUED", "INACTIVE"])
def test_an_issued_item_without_a_date_is_judged_from_acm_not_not_applicable(aws: World, status: str) -> None:
    described = record("no-date", aws.now, 8, Status=status)
    aws.acm.source = lambda region: [described]
    aws.run(change_event(config_item(configuration(described, {"notAfter"}), aws.now), aws.now))
    (evaluation,) = aws.config.sent
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("Expires in 8 days")


def test_an_item_acm_no_longer_has_is_not_applicable(aws: World) -> None:
    described = record("gone", aws.now, 8)
    aws.acm.source = lambda region: []
    aws.run(change_event(config_item(configuration(described, {"notAfter"}), aws.now), aws.now))
    (evaluation,) = aws.config.sent
    assert (evaluation["ComplianceType"], evaluation["Annotation"]) == (
        "NOT_APPLICABLE",
        "Certificate no longer exists in ACM.",
    )


def test_a_change_event_asks_acm_in_the_certificates_own_region(aws: World) -> None:
    """With ExecutionRoleRegion pointing the rule's clients at us-east-1, an eu-west-1 certificate's item is
    still completed by eu-west-1's ACM, not judged gone by us-east-1's."""
    described = record("far", aws.now, 8) | {"CertificateArn": ARN.replace("us-east-1", "eu-west-1") + "far"}
    asked: list[str] = []

    def source(region: str) -> list[dict[str, Any]]:
        asked.append(region)
        return [described] if region == "eu-west-1" else []

    aws.acm.source = source
    item = config_item(configuration(described, {"notAfter"}), aws.now)
    aws.run(change_event(item, aws.now, parameters={"ExecutionRoleRegion": "us-east-1"}))
    (evaluation,) = aws.config.sent
    assert evaluation["Annotation"].startswith("Expires in 8 days") and set(asked) == {"eu-west-1"}
