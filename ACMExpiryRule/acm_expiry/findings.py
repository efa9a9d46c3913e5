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

from datetime import datetime
from typing import Any

from acm_expiry.outcome import Assessment
from acm_expiry.verdict import REMEDIATION_URL, Scenario, Verdict, remediation_key, what_to_do

HIGH_WITHIN_DAYS = 7
TITLE_LIMIT = 256
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices"
ASFF_RESOURCE_TYPE = "AwsCertificateManagerCertificate"


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
    key = remediation_key(certificate)
    return _envelope(certificate.arn, rule_name, now) | {
        "Severity": {"Label": label},
        # Security Hub takes later changes of severity and types from a provider only here.
        "FindingProviderFields": {"Severity": {"Label": label}, "Types": [FINDING_TYPE]},
        "Title": title(certificate.domain_name or certificate.arn, verdict),
        "Description": verdict.annotation,
        "Remediation": {
            "Recommendation": {
                "Text": _recommendation(assessment),
                "Url": REMEDIATION_URL[key],
            }
        },
        "Compliance": {"Status": "PASSED" if passed else "FAILED"},
        # Taken only when the finding is created; the handler resolves passed ones afterwards.
        "Workflow": {"Status": "RESOLVED" if passed else "NEW"},
        "RecordState": "ACTIVE",
        "ProductFields": {"acm-expiry/Verdict": str(verdict.compliance)}
        | ({} if verdict.days_left is None else {"acm-expiry/DaysLeft": str(verdict.days_left)}),
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


def title(domain: str, verdict: Verdict) -> str:
    """ "ACM certificate www.example.com expires in 6 days", with the domain cut to fit 256."""
    days = verdict.days_left
    if verdict.scenario is Scenario.EXPIRED:
        ago = -(days or 0)
        tail = "has expired" if days is None else ("expired today" if ago == 0 else _plural(ago, "expired {} ago"))
    elif verdict.scenario is Scenario.REVOKED:
        tail = "is revoked"
    elif verdict.scenario is Scenario.EXPIRING:
        tail = "expires within a day" if days == 0 else _plural(days or 0, "expires in {}")
    else:
        tail = _plural(days or 0, "is valid for {}", unit="more day")
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
        "DomainName": certificate.domain_name,
        "Status": certificate.status,
        "Type": certificate.type,
        "KeyAlgorithm": certificate.key_algorithm,
        "NotAfter": _asff_time(certificate.not_after) if certificate.not_after else None,
        "RenewalEligibility": certificate.renewal_eligibility,
    }
    if certificate.renewal_status:
        details["RenewalSummary"] = {
            "RenewalStatus": certificate.renewal_status,
            **({"RenewalStatusReason": certificate.renewal_status_reason} if certificate.renewal_status_reason else {}),
        }
    return {k: v for k, v in details.items() if v is not None}


def _envelope(certificate_arn: str, rule_name: str, now: datetime) -> dict[str, Any]:
    """The fields every finding of this rule carries, in the certificate's own account and region."""
    partition, _, region, account = certificate_arn.split(":")[1:5]
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
    partition, _, region = certificate_arn.split(":")[1:4]
    return {"Type": ASFF_RESOURCE_TYPE, "Id": certificate_arn, "Partition": partition, "Region": region}


def _asff_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
