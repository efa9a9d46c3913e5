"""Security Hub findings (ASFF) that say how urgent a certificate is, built from a verdict.

Config's own Security Hub integration shows every result as the same MEDIUM finding titled with
the rule name, without the annotation. With ``securityHubFindings`` on, the rule imports its own:

==============================  =============  ==========  ========
verdict                         severity       compliance  workflow
==============================  =============  ==========  ========
expired or revoked              CRITICAL       FAILED      NEW
inside the window, <= 7 days    HIGH           FAILED      NEW
inside the window               MEDIUM         FAILED      NEW
outside the window              INFORMATIONAL  PASSED      RESOLVED
never issued                    (no finding)
deleted since the last run      the certificate's finding is archived (RecordState ARCHIVED)
==============================  =============  ==========  ========

Pure: no boto3, no clock.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from acm_expiry.certificate import Certificate
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import Scenario, Verdict, advise, what_to_do

HIGH_WITHIN_DAYS = 7
TITLE_LIMIT = 256
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices"
ASFF_RESOURCE_TYPE = "AwsCertificateManagerCertificate"
# ASFF's documented values (Security Hub API reference, AwsCertificateManagerCertificateDetails and
# Resource). A value outside them is left out of the finding rather than sent: ACM's RSA_3072,
# for one, is not among ASFF's key algorithms, and ARN partitions such as aws-iso are not among
# its partitions. The key algorithm is then kept in ProductFields, which takes any string.
ASFF_KEY_ALGORITHMS = frozenset({"RSA_2048", "RSA_1024", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"})
ASFF_PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov"})
ASFF_STATUSES = frozenset(
    {"PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"}
)
ASFF_CERTIFICATE_TYPES = frozenset({"IMPORTED", "AMAZON_ISSUED", "PRIVATE"})
ASFF_RENEWAL_ELIGIBILITIES = frozenset({"ELIGIBLE", "INELIGIBLE"})
ASFF_RENEWAL_STATUSES = frozenset({"PENDING_AUTO_RENEWAL", "PENDING_VALIDATION", "SUCCESS", "FAILED"})
ASFF_RENEWAL_REASONS = frozenset(
    {
        "NO_AVAILABLE_CONTACTS",
        "ADDITIONAL_VERIFICATION_REQUIRED",
        "DOMAIN_NOT_ALLOWED",
        "INVALID_PUBLIC_DOMAIN",
        "DOMAIN_VALIDATION_DENIED",
        "CAA_ERROR",
        "PCA_LIMIT_EXCEEDED",
        "PCA_INVALID_ARN",
        "PCA_INVALID_STATE",
        "PCA_REQUEST_FAILED",
        "PCA_NAME_CONSTRAINTS_VALIDATION",
        "PCA_RESOURCE_NOT_FOUND",
        "PCA_INVALID_ARGS",
        "PCA_INVALID_DURATION",
        "PCA_ACCESS_DENIED",
        "SLR_NOT_FOUND",
        "OTHER",
    }
)
ACCOUNT_ID = re.compile(r"^\d{12}$")  # AwsAccountId: exactly 12 characters, an account id's digits


class UnreportableCertificate(ValueError):
    """A certificate ARN from which no valid finding can be built (its account is not 12 digits)."""


def severity(verdict: Verdict) -> str | None:
    """The finding's severity label, or None when the certificate gets no finding."""
    if verdict.scenario in (Scenario.EXPIRED, Scenario.REVOKED):
        return "CRITICAL"
    if verdict.scenario is Scenario.EXPIRING:
        return "HIGH" if (verdict.days_left or 0) <= HIGH_WITHIN_DAYS else "MEDIUM"
    if verdict.scenario is Scenario.VALID:
        return "INFORMATIONAL"
    return None


def finding_id(rule_name: str, certificate_arn: str) -> str:
    """Stable per certificate and rule, so a re-run updates the finding instead of adding one."""
    return f"{rule_name}/{certificate_arn}"


def build_finding(assessment: Assessment, *, rule_name: str, now: datetime) -> dict[str, Any] | None:
    """One ASFF finding for a judged certificate; None for a certificate never issued."""
    certificate, verdict = assessment.certificate, assessment.verdict
    label = severity(verdict)
    if label is None:
        return None
    passed = verdict.scenario is Scenario.VALID
    return _envelope(certificate.arn, rule_name, now) | {
        "Severity": {"Label": label},
        # Security Hub takes later changes of severity and types from a provider only here.
        "FindingProviderFields": {"Severity": {"Label": label}, "Types": [FINDING_TYPE]},
        "Title": title(certificate, verdict),
        "Description": verdict.annotation,
        "Remediation": {
            "Recommendation": {
                "Text": _recommendation(assessment),
                "Url": advise(certificate).url,
            }
        },
        "Compliance": {"Status": "PASSED" if passed else "FAILED"},
        # Taken only when the finding is created; the handler resolves passed ones afterwards.
        "Workflow": {"Status": "RESOLVED" if passed else "NEW"},
        "RecordState": "ACTIVE",
        "ProductFields": {"acm-expiry/Verdict": str(verdict.compliance)}
        | ({} if verdict.days_left is None else {"acm-expiry/DaysLeft": str(verdict.days_left)})
        | ({"acm-expiry/KeyAlgorithm": certificate.key_algorithm} if certificate.key_algorithm else {}),
        "Resources": [
            _resource(certificate.arn) | {"Details": {"AwsCertificateManagerCertificate": _details(assessment)}}
        ],
    }


def findings_for_run(
    assessments: list[Assessment], deleted: list[str], *, rule_name: str, now: datetime
) -> list[dict[str, Any]]:
    """A finding per judged certificate, and archived ones for certificates deleted since the last run."""
    findings = [f for f in (build_finding(a, rule_name=rule_name, now=now) for a in assessments) if f is not None]
    return findings + [archived_finding(arn, rule_name=rule_name, now=now) for arn in deleted]


def archived_finding(certificate_arn: str, *, rule_name: str, now: datetime) -> dict[str, Any]:
    """The finding of a certificate that no longer exists, archived so it leaves the active view."""
    return _envelope(certificate_arn, rule_name, now) | {
        "Severity": {"Label": "INFORMATIONAL"},
        "Title": "ACM certificate no longer exists",
        "Description": "The certificate was deleted from ACM; this finding is archived.",
        "RecordState": "ARCHIVED",
        "Resources": [_resource(certificate_arn)],
    }


def title(certificate: Certificate, verdict: Verdict) -> str:
    """ "ACM certificate www.example.com expires in 6 days", with the domain cut to fit 256.

    The days are the annotation's (:func:`~acm_expiry.verdict.days_left`). A passing finding's
    title names the expiry date instead, so it does not change from one day to the next.
    """
    days = verdict.days_left
    if verdict.scenario is Scenario.EXPIRED:
        ago = -(days or 0)
        tail = "expired less than a day ago" if ago == 0 else _plural(ago, "expired {} ago")
        tail = "has expired" if days is None else tail
    elif verdict.scenario is Scenario.REVOKED:
        tail = "is revoked"
    elif verdict.scenario is Scenario.EXPIRING:
        tail = "expires within a day" if days == 1 else _plural(days or 0, "expires in {}")
    else:
        tail = f"is valid until {certificate.not_after:%Y-%m-%d}" if certificate.not_after else "is valid"
    domain = certificate.domain_name or certificate.arn
    room = TITLE_LIMIT - len("ACM certificate  ") - len(tail)
    shown = domain if len(domain) <= room else domain[: room - 1] + "…"
    return f"ACM certificate {shown} {tail}"


def _plural(days: int, template: str, unit: str = "day") -> str:
    return template.format(f"1 {unit}" if days == 1 else f"{days} {unit}s")


def _recommendation(assessment: Assessment) -> str:
    scenario = assessment.verdict.scenario
    if scenario is Scenario.VALID:
        return "No action needed: the certificate is outside the expiry window."
    if scenario in (Scenario.EXPIRED, Scenario.REVOKED):
        return "Replace the certificate on every resource that uses it, then delete it from ACM."
    return what_to_do(assessment.certificate)


def _details(assessment: Assessment) -> dict[str, Any]:
    certificate = assessment.certificate
    details: dict[str, Any] = {
        "DomainName": certificate.domain_name or None,
        "Status": _documented(certificate.status, ASFF_STATUSES),
        "Type": _documented(certificate.type, ASFF_CERTIFICATE_TYPES),
        "KeyAlgorithm": _documented(certificate.key_algorithm, ASFF_KEY_ALGORITHMS),
        "NotAfter": _asff_time(certificate.not_after) if certificate.not_after else None,
        "RenewalEligibility": _documented(certificate.renewal_eligibility, ASFF_RENEWAL_ELIGIBILITIES),
    }
    renewal_status = _documented(certificate.renewal_status, ASFF_RENEWAL_STATUSES)
    if renewal_status:
        reason = _documented(certificate.renewal_status_reason, ASFF_RENEWAL_REASONS)
        details["RenewalSummary"] = {"RenewalStatus": renewal_status} | (
            {"RenewalStatusReason": reason} if reason else {}
        )
    return {k: v for k, v in details.items() if v is not None}


def _documented(value: str | None, documented: frozenset[str]) -> str | None:
    return value if value in documented else None


def _envelope(certificate_arn: str, rule_name: str, now: datetime) -> dict[str, Any]:
    """The fields every finding of this rule carries, in the certificate's own account and region."""
    partition, _, region, account = _arn_parts(certificate_arn)
    timestamp = _asff_time(now)
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id(rule_name, certificate_arn),
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": rule_name,
        "AwsAccountId": account,
        "Types": [FINDING_TYPE],
        "CreatedAt": timestamp,
        "UpdatedAt": timestamp,
    }


def _resource(certificate_arn: str) -> dict[str, Any]:
    partition, _, region, _ = _arn_parts(certificate_arn)
    resource = {"Type": ASFF_RESOURCE_TYPE, "Id": certificate_arn, "Region": region}
    return resource | ({"Partition": partition} if partition in ASFF_PARTITIONS else {})


def _arn_parts(certificate_arn: str) -> tuple[str, str, str, str]:
    """Partition, service, region and account of an ACM ARN; raises if the account is not 12 digits."""
    parts = certificate_arn.split(":")
    if len(parts) < 6 or not ACCOUNT_ID.match(parts[4]):
        raise UnreportableCertificate(f"{certificate_arn!r} names no 12-digit account: no finding can be built")
    return parts[1], parts[2], parts[3], parts[4]


def _asff_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
