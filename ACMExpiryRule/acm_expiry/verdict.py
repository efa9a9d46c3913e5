"""The verdict table and the advice table: a certificate and ``now`` in, compliance and annotation out.

=====================================================================  ==============  =====================
certificate                                                            verdict         annotation says
=====================================================================  ==============  =====================
1. deleted, or the event left scope (decided by the adapter)           NOT_APPLICABLE  —
2. exempt: carries the ``exemptTagKey`` tag                            NOT_APPLICABLE  Exempt by tag KEY: why
3. never issued: PENDING_VALIDATION, VALIDATION_TIMED_OUT, FAILED,     NOT_APPLICABLE  its status; expiry
   or no ``notAfter``                                                                  does not apply yet
4. EXPIRED, or ``notAfter`` <= now                                     NON_COMPLIANT   expired N days ago
5. REVOKED                                                             NON_COMPLIANT   revoked on DATE
6. ``notAfter`` - now <= daysToExpiration x 24 h                       NON_COMPLIANT   expires in N days +
                                                                                       the advice below
7. otherwise                                                           COMPLIANT       expires on DATE
=====================================================================  ==============  =====================

N is :func:`days_left`: while a certificate has not expired, the time left in whole days rounded
*up*, so "expires in N days" is inside the window exactly when N <= daysToExpiration (a
certificate with 30 days and 1 hour left is outside a 30-day window). Once expired, "expired N
days ago" counts whole days since, rounded down. The window's edge is inclusive. A COMPLIANT
annotation names the expiry date, not the days left, so it reads the same every day until the
certificate enters the window: a periodic run records it again only when it changes (or for
the refresh share, :mod:`acm_expiry.recording`).

Inside the window, the advice follows what ACM will do (first matching row):

============================  ==================================================================
certificate                   advice
============================  ==================================================================
key pair origin ACME          ACME-issued: the ACME client renews it, not ACM (which cannot
                              delete it): check that client
IMPORTED                      ACM never renews it: re-import a renewed one to the same ARN
AMAZON_ISSUED, INELIGIBLE     not in use, so ACM will not renew it: attach it or delete it
PRIVATE, INELIGIBLE           not exported or associated: export it or associate it (ACM then
                              renews it), or replace it
renewal PENDING_VALIDATION    ACM cannot validate the domain: restore its DNS validation record;
                              the rule's runbook writes it to a public Route 53 zone here
renewal FAILED                the reason's fix: a CAA record, a domain not allowed, ...; for a
                              PRIVATE certificate (``PCA_*``) what is wrong with the private CA
AMAZON_ISSUED, eligible,      exported: ACM renews it up to 60 days before expiry (charged);
not in use                    the rule's runbook renews it now if allowed to
AMAZON_ISSUED, eligible       ACM renews it up to 60 days before expiry: check its renewal
PRIVATE, ELIGIBLE,            exported: ACM renews it up to 60 days before expiry; the rule's
not in use                    runbook renews it now (acm:RenewCertificate)
PRIVATE, ELIGIBLE             ACM renews it up to 60 days before expiry: check its renewal
PRIVATE, eligibility unknown  ACM renews it only once exported or associated
anything else                 renew or replace it before it expires
============================  ==================================================================

"The rule's runbook" is the SSM Automation runbook of deploy/remediation.yaml and member.yaml
(``Remediate`` in the Config console, or ``acm-expiry remediate``, :mod:`acm_expiry.remediation`):
it writes missing DNS validation records and renews exported certificates, nothing else.

ACME comes first: whatever its type and eligibility, only the ACME client that ordered it can
renew it, and ACM refuses to delete it (DeleteCertificate, API reference), so "delete it" would
be wrong. "Exported" is read from what both triggers know, eligibility and use: ACM makes a
managed certificate ELIGIBLE once it is in use (associated) or exported, so one ELIGIBLE and not
in use has been exported. ListCertificates' ``Exported`` would say it directly, but neither
DescribeCertificate nor the configuration item carries it, and a change event and the periodic
run must say the same.

Eligibility comes before the renewal status: ACM does not try to renew an ineligible
certificate, whatever an old renewal summary says. Every annotation is built from bounded
pieces (dates, numbers, ACM enum values clipped to :data:`MAX_ENUM_LENGTH`, a clipped tag value)
and never quotes the domain name, so it fits Config's 256 characters by construction. Apart
from the exemption tag's value, every piece is ASCII, so a NON_COMPLIANT annotation also fits
when its length is counted in UTF-16 units (the stricter reading of Config's limit).

Nothing here imports boto3 or rdklib, and nothing reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from acm_expiry.certificate import Certificate
from acm_expiry.limits import ANNOTATION_LIMIT
from acm_expiry.text import clip_utf16

MAX_ENUM_LENGTH = 40
NEVER_ISSUED_STATUSES = frozenset({"PENDING_VALIDATION", "VALIDATION_TIMED_OUT", "FAILED"})
MANAGED_TYPES = frozenset({"AMAZON_ISSUED", "PRIVATE"})  # the types ACM renews
_DAY = timedelta(days=1)


class Compliance(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Scenario(StrEnum):
    """Which row of the table decided; tests, findings and the CLI key off it."""

    EXEMPT = "exempt"
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
    days_left: int | None  # days_left(): rounded up while valid, minus whole days since once expired


@dataclass(frozen=True, slots=True)
class Advice:
    """What to do about a certificate inside the window, and where that is explained."""

    key: str
    text: str
    url: str


_GUIDE = "https://docs.aws.amazon.com/acm/latest/userguide/"
# The advice table, row by row (text without the renewal reason, which _stalled() adds).
ADVICE: dict[str, Advice] = {
    advice.key: advice
    for advice in (
        Advice(
            "ACME",
            "ACME-issued: the ACME client that ordered it renews it, not ACM (which cannot delete it): "
            "check that client's renewals.",
            "https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html",
        ),
        Advice(
            "IMPORTED",
            "ACM never renews imported certificates: re-import a renewed one to the same ARN.",
            _GUIDE + "import-reimport.html",
        ),
        Advice(
            "INELIGIBLE",
            "Not in use, so ACM will not renew it: attach it to a resource or delete it.",
            "https://repost.aws/knowledge-center/acm-certificate-ineligible",
        ),
        Advice(
            "PRIVATE_INELIGIBLE",
            "Not exported or associated, so ACM will not renew it: export it or associate it with a resource "
            "(ACM then renews it), or replace it.",
            _GUIDE + "renew-private-cert.html",
        ),
        Advice(
            "PENDING_VALIDATION",
            "ACM renewal is PENDING_VALIDATION: ACM cannot validate the domain: restore its DNS validation CNAME "
            "record; Remediate in Config (the rule's runbook) writes it to a public Route 53 zone here.",
            _GUIDE + "troubleshooting-renewal.html",
        ),
        Advice(
            "RENEWAL_FAILED",
            "ACM renewal is FAILED (REASON): what fixes the reason.",
            _GUIDE + "troubleshooting-renewal.html",
        ),
        Advice(
            "PRIVATE_CA",
            "ACM renewal is FAILED (PCA_...): what is wrong with the private CA.",
            _GUIDE + "exceptions.html",
        ),
        Advice(
            "PUBLIC_EXPORTED",
            "Exported, so ACM renews it up to 60 days before expiry (each renewal is charged); Remediate in "
            "Config (the rule's runbook) renews it now if allowed to.",
            _GUIDE + "managed-renewal.html",
        ),
        Advice(
            "AUTO_RENEWAL",
            "In use and eligible: ACM renews it up to 60 days before expiry; check its renewal status.",
            _GUIDE + "managed-renewal.html",
        ),
        Advice(
            "PRIVATE_EXPORTED",
            "Exported, so ACM renews it up to 60 days before expiry; Remediate in Config (the rule's runbook) "
            "renews it now with acm:RenewCertificate.",
            _GUIDE + "renew-private-cert.html",
        ),
        Advice(
            "PRIVATE_AUTO_RENEWAL",
            "Exported or associated, so ACM renews it up to 60 days before expiry; check its renewal status.",
            _GUIDE + "renew-private-cert.html",
        ),
        Advice(
            "PRIVATE",
            "Private certificate: ACM renews it only once exported or associated with a resource; check its "
            "renewal eligibility.",
            _GUIDE + "renew-private-cert.html",
        ),
        Advice("UNKNOWN", "Renew or replace it before it expires.", _GUIDE + "acm-certificate.html"),
    )
}

# RenewalStatusReason values with what usually fixes them (ACM user guide, "Troubleshoot managed
# certificate renewal" and, for PCA_* and SLR_NOT_FOUND, "Handling exceptions").
RENEWAL_REASON_HINTS: dict[str, str] = {
    "NO_AVAILABLE_CONTACTS": "no contact to validate the domain",
    "ADDITIONAL_VERIFICATION_REQUIRED": "ACM needs more verification; contact AWS Support",
    "DOMAIN_NOT_ALLOWED": "the domain is not allowed",
    "INVALID_PUBLIC_DOMAIN": "the domain is not a valid public domain",
    "DOMAIN_VALIDATION_DENIED": "domain validation was denied",
    "CAA_ERROR": "a CAA record forbids Amazon to issue",
    "PCA_ACCESS_DENIED": "ACM may not use the private CA: grant ACM's service principal permission on it",
    "PCA_INVALID_STATE": "the private CA is not ACTIVE: enable or restore it, or install its CA certificate",
    "PCA_INVALID_DURATION": "it would outlive its private CA: install a longer-lived CA certificate",
    "PCA_RESOURCE_NOT_FOUND": "its private CA was deleted: issue a new certificate from another CA",
    "PCA_LIMIT_EXCEEDED": "the private CA reached its issuance quota: retry, or raise the quota",
    "PCA_REQUEST_FAILED": "AWS Private CA failed the request: retry with acm:RenewCertificate",
    "PCA_INVALID_ARN": "the private CA's ARN is not valid: issue a new certificate from a valid CA",
    "PCA_INVALID_ARGS": "AWS Private CA refused the request's parameters: check the CA's configuration",
    "PCA_NAME_CONSTRAINTS_VALIDATION": "the domain is outside the private CA's name constraints",
    "SLR_NOT_FOUND": "ACM's service-linked role is missing (needed for a CA in another account): create it",
    "OTHER": "see the ACM console",
}
TAG_KEY_LIMIT = 128  # AWS tag keys are 1..128 characters, values 0..256


def days_left(not_after: datetime, now: datetime) -> int:
    """The one count of days, used by the annotation, the CLI, findings and metrics.

    While the certificate has not expired: the time left in whole days, rounded up, so that
    ``days_left <= window`` exactly when ``not_after - now <= window days``. Once expired: minus
    the whole days since expiry, rounded down (0 in the first day).
    """
    remaining = not_after - now
    # At the moment of expiry (remaining 0) both branches give 0, so ``>=`` here would be the same
    # function (an equivalent mutant, bench/mutant_catalogue.py); the verdict decides "expired" itself.
    if remaining > timedelta(0):
        return -(-remaining // _DAY)
    return -((now - not_after) // _DAY)


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
                Compliance.NON_COMPLIANT,
                f"Expired (ACM status EXPIRED): replace it.{_acme(certificate)}",
                Scenario.EXPIRED,
                None,
            )
        return _revoked(certificate, None)

    remaining = not_after - now
    days = days_left(not_after, now)
    if status == "EXPIRED" and remaining > timedelta(0):  # ACM's word over a date still ahead
        return Verdict(
            Compliance.NON_COMPLIANT,
            f"ACM reports it EXPIRED although notAfter is {_date(not_after)}: replace it now.{_acme(certificate)}",
            Scenario.EXPIRED,
            None,
        )
    if remaining <= timedelta(0):
        return Verdict(
            Compliance.NON_COMPLIANT,
            f"Expired {_days_ago(-days)}, on {_date(not_after)}: replace it now.{_acme(certificate)}",
            Scenario.EXPIRED,
            days,
        )
    if status == "REVOKED":
        return _revoked(certificate, days)

    expires = f"Expires {_in_days(days)} ({_date(not_after)})"
    if remaining <= days_to_expiration * _DAY:
        return Verdict(
            Compliance.NON_COMPLIANT,
            f"{expires}, within the {days_to_expiration}-day window. {what_to_do(certificate)}",
            Scenario.EXPIRING,
            days,
        )
    return Verdict(
        Compliance.COMPLIANT,
        f"Expires on {_date(not_after)}, outside the {days_to_expiration}-day window.",
        Scenario.VALID,
        days,
    )


def exempt(tag_key: str, tag_value: str) -> Verdict:
    """Row 2: the certificate carries the exemption tag; its value is the reason people give."""
    head = f"Exempt by tag {tag_key[:TAG_KEY_LIMIT]}: "
    value = " ".join(tag_value.split()) or "(no reason given)"
    # Counted as AWS may count it (UTF-16 units): a tag value of emoji fits Config's 256 either way.
    return Verdict(Compliance.NOT_APPLICABLE, clip_utf16(head + value, ANNOTATION_LIMIT), Scenario.EXEMPT, None)


def advise(certificate: Certificate) -> Advice:
    """The row of the advice table that fits a certificate inside the window."""
    kind, eligibility, renewal = certificate.type, certificate.renewal_eligibility, certificate.renewal_status
    if certificate.key_pair_origin == "ACME":
        return ADVICE["ACME"]
    if kind == "IMPORTED":
        return ADVICE["IMPORTED"]
    if kind in MANAGED_TYPES and eligibility == "INELIGIBLE":
        return ADVICE["PRIVATE_INELIGIBLE" if kind == "PRIVATE" else "INELIGIBLE"]
    if kind in MANAGED_TYPES and renewal == "PENDING_VALIDATION":
        return ADVICE["PENDING_VALIDATION"]
    if kind in MANAGED_TYPES and renewal == "FAILED":
        return ADVICE["PRIVATE_CA" if kind == "PRIVATE" else "RENEWAL_FAILED"]
    if kind == "AMAZON_ISSUED":
        return ADVICE["PUBLIC_EXPORTED" if exported(certificate) else "AUTO_RENEWAL"]
    if kind == "PRIVATE" and eligibility == "ELIGIBLE":
        return ADVICE["PRIVATE_EXPORTED" if exported(certificate) else "PRIVATE_AUTO_RENEWAL"]
    if kind == "PRIVATE":
        return ADVICE["PRIVATE"]
    return ADVICE["UNKNOWN"]


def exported(certificate: Certificate) -> bool:
    """ELIGIBLE and not in use: ACM makes a managed certificate eligible once in use or exported."""
    return certificate.renewal_eligibility == "ELIGIBLE" and certificate.in_use is False


def next_step(certificate: Certificate, verdict: Verdict) -> str:
    """What to do about a judged certificate, in one or two sentences (findings' and pages' advice)."""
    scenario = verdict.scenario
    if scenario is Scenario.VALID:
        return "No action needed: the certificate is outside the expiry window."
    if scenario in (Scenario.EXPIRED, Scenario.REVOKED):
        if certificate.key_pair_origin == "ACME":  # DeleteCertificate refuses these
            return (
                "Replace the certificate on every resource that uses it. It is ACME-issued: ACM cannot delete it, "
                "and deletes it itself 1 year after it expires."
            )
        return "Replace the certificate on every resource that uses it, then delete it from ACM."
    return what_to_do(certificate)


def what_to_do(certificate: Certificate) -> str:
    """The advice's words for this certificate (a failed renewal names its reason and the fix)."""
    advice = advise(certificate)
    if advice.key not in ("RENEWAL_FAILED", "PRIVATE_CA"):
        return advice.text
    reason = certificate.renewal_status_reason
    hint = RENEWAL_REASON_HINTS.get(reason or "", "see the ACM console for why")
    because = f" ({_enum(reason)})" if reason else ""
    return f"ACM renewal is FAILED{because}: {hint}."


# Words of the rule's own annotations that a later run reads back from Config (acm_expiry.crossings):
# an expired or revoked certificate's annotation opens with one of these, and no other does; a stalled
# renewal's advice holds one of those (tests/test_verdict.py checks both over every row).
UNUSABLE_OPENINGS = ("Expired", "ACM reports it EXPIRED", "Revoked")
STALLED_WORDS = ("ACM renewal is PENDING_VALIDATION", "ACM renewal is FAILED")
STALLED_ADVICE = frozenset({"PENDING_VALIDATION", "RENEWAL_FAILED", "PRIVATE_CA"})


def unusable(annotation: str) -> bool:
    """Whether an annotation this rule wrote says the certificate was expired or revoked."""
    return annotation.startswith(UNUSABLE_OPENINGS)


def stalled(annotation: str) -> bool:
    """Whether an annotation this rule wrote says ACM's renewal of the certificate is stuck."""
    return any(words in annotation for words in STALLED_WORDS)


def _revoked(certificate: Certificate, days: int | None) -> Verdict:
    on = f" on {_date(certificate.revoked_at)}" if certificate.revoked_at else ""
    return Verdict(Compliance.NON_COMPLIANT, f"Revoked{on}: replace it.{_acme(certificate)}", Scenario.REVOKED, days)


def _acme(certificate: Certificate) -> str:
    """An expired or revoked ACME-issued certificate is named as such: only its ACME client replaces it."""
    if certificate.key_pair_origin != "ACME":
        return ""
    return " ACME-issued: order a new one from the ACME client; ACM cannot delete it."


def _in_days(days: int) -> str:
    # Called only while not expired, when days_left is at least 1: ``days <= 1`` would read the same
    # (an equivalent mutant, bench/mutant_catalogue.py).
    return "within a day" if days == 1 else f"in {days} days"


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
