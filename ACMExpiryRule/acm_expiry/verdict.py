"""The verdict table: a certificate and ``now`` in, compliance and annotation out.

=====================================================================  ==============  =====================
certificate                                                            verdict         annotation says
=====================================================================  ==============  =====================
1. deleted, or the event left scope (decided by rdklib)                NOT_APPLICABLE  —
2. never issued: PENDING_VALIDATION, VALIDATION_TIMED_OUT, FAILED,     NOT_APPLICABLE  its status; expiry
   or no ``notAfter``                                                                  does not apply yet
3. EXPIRED, or ``notAfter`` <= now                                     NON_COMPLIANT   expired N days ago
4. REVOKED                                                             NON_COMPLIANT   revoked on DATE
5. ``notAfter`` - now <= daysToExpiration x 24 h                       NON_COMPLIANT   expires in N days +
                                                                                       what to do for its kind
6. otherwise                                                           COMPLIANT       expires in N days
=====================================================================  ==============  =====================

N is whole days, rounded down. The window's edge is inclusive. Every annotation is built from
bounded pieces (dates, numbers, ACM enum values clipped to :data:`MAX_ENUM_LENGTH`) and never
quotes the domain name, so it fits Config's 256 characters by construction.

Nothing here imports boto3 or rdklib, and nothing reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from acm_expiry.certificate import Certificate

ANNOTATION_LIMIT = 256
MAX_ENUM_LENGTH = 40
NEVER_ISSUED_STATUSES = frozenset({"PENDING_VALIDATION", "VALIDATION_TIMED_OUT", "FAILED"})
STALLED_RENEWAL_STATUSES = frozenset({"PENDING_VALIDATION", "FAILED"})
_DAY = timedelta(days=1)


class Compliance(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Scenario(StrEnum):
    """Which row of the table decided; tests, findings and the CLI key off it."""

    NEVER_ISSUED = "never_issued"
    EXPIRED = "expired"
    REVOKED = "revoked"
    EXPIRING = "expiring"
    VALID = "valid"


@dataclass(frozen=True, slots=True)
class Verdict:
    compliance: Compliance
    annotation: str
    scenario: Scenario
    days_left: int | None  # whole days, rounded down; negative once expired


# What an operator should do about a certificate inside the window, by what kind it is.
REMEDIATION: dict[str, str] = {
    "IMPORTED": "ACM never renews imported certificates: re-import a renewed one to the same ARN.",
    "INELIGIBLE": "Not in use, so ACM will not renew it: attach it to a resource or delete it.",
    "PRIVATE": "Private certificate: renew it through the private CA (acm:RenewCertificate).",
    "AUTO_RENEWAL": "In use and eligible: ACM renews it up to 60 days before expiry; check its renewal status.",
    "UNKNOWN": "Renew or replace it before it expires.",
}

# Where each remediation is explained (Security Hub findings link to it).
REMEDIATION_URL: dict[str, str] = {
    "IMPORTED": "https://docs.aws.amazon.com/acm/latest/userguide/import-reimport.html",
    "INELIGIBLE": "https://repost.aws/knowledge-center/acm-certificate-ineligible",
    "PRIVATE": "https://docs.aws.amazon.com/acm/latest/userguide/renew-private-cert.html",
    "AUTO_RENEWAL": "https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html",
    "STALLED": "https://docs.aws.amazon.com/acm/latest/userguide/troubleshooting-renewal.html",
    "UNKNOWN": "https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html",
}

# RenewalStatusReason values with a hint on what usually fixes them.
RENEWAL_REASON_HINTS: dict[str, str] = {
    "NO_AVAILABLE_CONTACTS": "no contact to validate the domain",
    "ADDITIONAL_VERIFICATION_REQUIRED": "ACM needs more verification; contact AWS Support",
    "DOMAIN_NOT_ALLOWED": "the domain is not allowed",
    "INVALID_PUBLIC_DOMAIN": "the domain is not a valid public domain",
    "DOMAIN_VALIDATION_DENIED": "domain validation was denied",
    "CAA_ERROR": "a CAA record forbids Amazon to issue",
    "OTHER": "see the ACM console",
}
_PENDING_VALIDATION_HINT = "ACM cannot validate the domain: restore its DNS validation CNAME record"


def judge(certificate: Certificate, now: datetime, days_to_expiration: int) -> Verdict:
    """Apply the verdict table to one certificate at ``now`` (timezone-aware, UTC)."""
    status = certificate.status
    not_after = certificate.not_after

    if status in NEVER_ISSUED_STATUSES or (not_after is None and status not in ("EXPIRED", "REVOKED")):
        if status in NEVER_ISSUED_STATUSES:
            annotation = f"Certificate is {status}: it has not been issued, so expiry does not apply yet."
        else:
            annotation = (
                f"Certificate is {_enum(status or 'UNKNOWN')} without an expiry date: expiry does not apply yet."
            )
        return Verdict(Compliance.NOT_APPLICABLE, annotation, Scenario.NEVER_ISSUED, None)

    if not_after is None:  # EXPIRED or REVOKED without a date: ACM's word is enough.
        if status == "EXPIRED":
            return Verdict(
                Compliance.NON_COMPLIANT, "Expired (ACM status EXPIRED): replace it.", Scenario.EXPIRED, None
            )
        return _revoked(certificate, None)

    remaining = not_after - now
    days_left = _whole_days(remaining)
    if status == "EXPIRED" and remaining > timedelta(0):  # ACM's word over a date still ahead
        return Verdict(
            Compliance.NON_COMPLIANT,
            f"ACM reports it EXPIRED although notAfter is {_date(not_after)}: replace it now.",
            Scenario.EXPIRED,
            None,
        )
    if status == "EXPIRED" or remaining <= timedelta(0):
        ago = _whole_days(now - not_after)
        return Verdict(
            Compliance.NON_COMPLIANT,
            f"Expired {_days_ago(ago)}, on {_date(not_after)}: replace it now.",
            Scenario.EXPIRED,
            -ago,
        )
    if status == "REVOKED":
        return _revoked(certificate, days_left)

    expires = f"Expires {_in_days(days_left)} ({_date(not_after)})"
    if remaining <= days_to_expiration * _DAY:
        return Verdict(
            Compliance.NON_COMPLIANT,
            f"{expires}, within the {days_to_expiration}-day window. {what_to_do(certificate)}",
            Scenario.EXPIRING,
            days_left,
        )
    return Verdict(
        Compliance.COMPLIANT,
        f"{expires}, outside the {days_to_expiration}-day window.",
        Scenario.VALID,
        days_left,
    )


def remediation_key(certificate: Certificate) -> str:
    """Which :data:`REMEDIATION_URL` (and, but for STALLED, :data:`REMEDIATION`) entry fits this certificate."""
    if certificate.type == "AMAZON_ISSUED" and certificate.renewal_status in STALLED_RENEWAL_STATUSES:
        return "STALLED"
    if certificate.type == "IMPORTED":
        return "IMPORTED"
    if certificate.type == "PRIVATE":
        return "PRIVATE"
    if certificate.type == "AMAZON_ISSUED":
        if certificate.renewal_eligibility == "INELIGIBLE":
            return "INELIGIBLE"
        return "AUTO_RENEWAL"
    return "UNKNOWN"


def what_to_do(certificate: Certificate) -> str:
    """The advice for a certificate inside the window, by its kind and renewal state."""
    key = remediation_key(certificate)
    return _stalled_renewal(certificate) if key == "STALLED" else REMEDIATION[key]


def _stalled_renewal(certificate: Certificate) -> str:
    status = certificate.renewal_status or ""
    reason = certificate.renewal_status_reason
    if status == "PENDING_VALIDATION":
        hint = _PENDING_VALIDATION_HINT
    else:
        hint = RENEWAL_REASON_HINTS.get(reason or "", "see the ACM console for why")
    because = f" ({_enum(reason)})" if reason else ""
    return f"ACM renewal is {status}{because}: {hint}."


def _revoked(certificate: Certificate, days_left: int | None) -> Verdict:
    on = f" on {_date(certificate.revoked_at)}" if certificate.revoked_at else ""
    return Verdict(Compliance.NON_COMPLIANT, f"Revoked{on}: replace it.", Scenario.REVOKED, days_left)


def _whole_days(delta: timedelta) -> int:
    return delta // _DAY


def _in_days(days: int) -> str:
    if days == 0:
        return "in less than a day"
    return "in 1 day" if days == 1 else f"in {days} days"


def _days_ago(days: int) -> str:
    if days == 0:
        return "less than a day ago"
    return "1 day ago" if days == 1 else f"{days} days ago"


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _enum(value: str | None) -> str:
    """ACM enum values are short; clip anything unexpected so annotations stay bounded."""
    text = value or ""
    return text if len(text) <= MAX_ENUM_LENGTH else text[: MAX_ENUM_LENGTH - 1] + "…"
