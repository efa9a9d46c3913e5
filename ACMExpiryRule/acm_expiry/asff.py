"""Security Hub findings in ASFF: how urgent a certificate is, in the words and fields Security Hub takes.

Config's own Security Hub integration shows every result as the same MEDIUM finding titled with
the rule name, without the annotation. With ``securityHubFindings`` on, the rule imports its own
(:mod:`acm_expiry.findings` decides which to write in a run; this module builds each one):

==============================  =============  ==========  ========
verdict                         severity       compliance  workflow
==============================  =============  ==========  ========
expired or revoked              CRITICAL       FAILED      NEW
inside the window, <= 7 days    HIGH           FAILED      NEW
inside the window               MEDIUM         FAILED      NEW
outside the window              INFORMATIONAL  PASSED      RESOLVED
never issued                    (no finding)
exempt by tag                   its finding, if any, is archived (RecordState ARCHIVED)
deleted                         its finding, if any, is archived
==============================  =============  ==========  ========

A passing finding's title and description name the expiry date, not the days left, so they stay
the same from day to day. Values outside ASFF's documented lists are left out of the finding (kept
in ``ProductFields`` where they say something).

Where findings go: Security Hub takes a provider's findings only under the product ARN of the
Region it is called in (``arn:<partition>:securityhub:<that region>:<account>:product/<account>/default``),
from the account the findings name in ``AwsAccountId`` (API reference, BatchImportFindings; a
product ARN of another Region is refused as access denied, as Prowler and Cloud Custodian found:
prowler-cloud/prowler#618, cloud-custodian/cloud-custodian#3975). So one :class:`Product` per run,
the Config rule's account and partition in the Region of the Security Hub client, is where findings
are read, imported and updated, whichever Region the certificates are in (``ExecutionRoleRegion``
can point the rule at another). A certificate of another account gets no finding
(:class:`UnreportableCertificate`).

Pure: no boto3, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from acm_expiry.arns import (
    EXPECTED_RULE,
    CertificateArn,
    describe_non_arn,
    parse_certificate_arn,
    parse_config_rule_arn,
)
from acm_expiry.certificate import Certificate
from acm_expiry.errors import MalformedEventError
from acm_expiry.outcome import Assessment
from acm_expiry.text import clip_utf16
from acm_expiry.verdict import Scenario, Verdict, advise, next_step

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


class UnreportableCertificate(ValueError):
    """A certificate from which no finding can be imported: not an ACM certificate ARN, or another account's."""


@dataclass(frozen=True, slots=True)
class Product:
    """The account's own Security Hub product in one Region: where this rule's findings are read and written."""

    partition: str
    region: str
    account: str

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:securityhub:{self.region}:{self.account}:product/{self.account}/default"

    @classmethod
    def of_rule(cls, config_rule_arn: str, region: str) -> Product:
        """The product of the Config rule's account and partition in ``region``, where Security Hub is called."""
        rule = parse_config_rule_arn(config_rule_arn)
        if rule is None:
            raise MalformedEventError(f"event.configRuleArn {describe_non_arn(config_rule_arn, EXPECTED_RULE)}")
        return cls(rule.partition, region, rule.account)


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


def build_finding(
    assessment: Assessment,
    *,
    rule_name: str,
    product: Product,
    window: int,
    now: datetime,
    created_at: str | None = None,
) -> dict[str, Any] | None:
    """One ASFF finding for a judged certificate, in ``product``; None for one never issued or exempt.

    ``created_at``: the finding's CreatedAt when it already exists (an update keeps it).
    Raises :class:`UnreportableCertificate` for anything but an ACM certificate ARN of the product's account.
    """
    certificate, verdict = assessment.certificate, assessment.verdict
    label = severity(verdict)
    if label is None:
        return None
    passed = verdict.scenario is Scenario.VALID
    envelope = _envelope(certificate.arn, rule_name, product, now, created_at)
    return envelope | {
        "Severity": {"Label": label},
        # Security Hub takes later changes of severity and types from a provider only here.
        "FindingProviderFields": {"Severity": {"Label": label}, "Types": [FINDING_TYPE]},
        "Title": title(certificate, verdict),
        "Description": description(certificate, verdict, window),
        "Remediation": {
            "Recommendation": {
                "Text": next_step(certificate, verdict),
                "Url": advise(certificate).url,
            }
        },
        "Compliance": {"Status": "PASSED" if passed else "FAILED"},
        # Taken only when the finding is created; later, BatchUpdateFindings sets it.
        "Workflow": {"Status": "RESOLVED" if passed else "NEW"},
        "RecordState": "ACTIVE",
        "ProductFields": {"acm-expiry/Verdict": str(verdict.compliance)}
        | ({} if verdict.days_left is None else {"acm-expiry/DaysLeft": str(verdict.days_left)})
        | ({"acm-expiry/KeyAlgorithm": certificate.key_algorithm} if certificate.key_algorithm else {}),
        "Resources": [
            _resource(certificate.arn, product)
            | {"Details": {"AwsCertificateManagerCertificate": _details(assessment)}}
        ],
    }


def archived_finding(
    certificate_arn: str, *, rule_name: str, product: Product, now: datetime, why: str, created_at: str | None = None
) -> dict[str, Any]:
    """The finding of a certificate this rule no longer judges, archived so it leaves the active view."""
    envelope = _envelope(certificate_arn, rule_name, product, now, created_at)
    return envelope | {
        "Severity": {"Label": "INFORMATIONAL"},
        "FindingProviderFields": {"Severity": {"Label": "INFORMATIONAL"}, "Types": [FINDING_TYPE]},
        "Title": "ACM certificate no longer judged by this rule",
        "Description": why,
        "RecordState": "ARCHIVED",
        "Resources": [_resource(certificate_arn, product)],
    }


def description(certificate: Certificate, verdict: Verdict, window: int) -> str:
    """The annotation for a failing certificate; for a passing one, words that do not change daily."""
    if verdict.scenario is Scenario.VALID and certificate.not_after is not None:
        return f"Valid until {certificate.not_after:%Y-%m-%d}, outside the {window}-day window."
    return verdict.annotation


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
    room = TITLE_LIMIT - len("ACM certificate  ") - len(tail)  # the rest is ASCII: one unit a character
    return f"ACM certificate {clip_utf16(domain, room)} {tail}"


def _plural(days: int, template: str, unit: str = "day") -> str:
    return template.format(f"1 {unit}" if days == 1 else f"{days} {unit}s")


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


def _envelope(
    certificate_arn: str, rule_name: str, product: Product, now: datetime, created_at: str | None
) -> dict[str, Any]:
    """The fields every finding of this rule carries: in ``product``, about the certificate's account.

    ``created_at``, an existing finding's, is kept if it is a time no later than ``now`` (ASFF wants
    UpdatedAt no earlier than CreatedAt); otherwise the finding is dated now.
    """
    account = reportable(certificate_arn, product).account
    timestamp = _asff_time(now)
    kept = created_at and datetime.min.replace(tzinfo=UTC) < read_asff_time(created_at) <= now
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id(rule_name, certificate_arn),
        "ProductArn": product.arn,
        "GeneratorId": rule_name,
        "AwsAccountId": account,
        "Types": [FINDING_TYPE],
        "CreatedAt": created_at if kept else timestamp,
        "UpdatedAt": timestamp,
    }


def _resource(certificate_arn: str, product: Product) -> dict[str, Any]:
    arn = reportable(certificate_arn, product)
    resource = {"Type": ASFF_RESOURCE_TYPE, "Id": certificate_arn, "Region": arn.region}
    return resource | ({"Partition": arn.partition} if arn.partition in ASFF_PARTITIONS else {})


def reportable(certificate_arn: str, product: Product) -> CertificateArn:
    """The certificate's ARN, read; :class:`UnreportableCertificate` if it is none, or is another account's.

    BatchImportFindings takes a finding only from the account its ``AwsAccountId`` names, and the
    product is the rule's account's.
    """
    arn = parse_certificate_arn(certificate_arn)
    if arn is None:
        raise UnreportableCertificate(f"{describe_non_arn(certificate_arn)}: no finding can be built")
    if arn.account != product.account:
        raise UnreportableCertificate(
            f"the certificate is in account {arn.account}; "
            f"the rule's findings go to account {product.account}'s product"
        )
    return arn


def _asff_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def read_asff_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # unreadable: due for a refresh
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
