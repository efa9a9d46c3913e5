"""Judging certificates: the one path both triggers take, and one region judged for the periodic run and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from acm_expiry.acm import ListingPlan, describe_certificate, list_certificates
from acm_expiry.certificate import Certificate
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import MANAGED_TYPES, NEVER_ISSUED_STATUSES, Compliance, Scenario, Verdict, exempt, judge

Describe = Callable[[str], Certificate | None]


@dataclass(frozen=True, slots=True)
class Exemptions:
    """The certificates carrying the exemption tag key, with the tag's value (the reason people give)."""

    key: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)  # certificate ARN -> tag value

    def verdict(self, arn: str) -> Verdict | None:
        if self.key is None or arn not in self.values:
            return None
        return exempt(self.key, self.values[arn])


NO_EXEMPTIONS = Exemptions()


def assess_region(
    acm: Any,
    plan: ListingPlan,
    now: datetime,
    days_to_expiration: int,
    exemptions: Exemptions = NO_EXEMPTIONS,
    unreadable: list[str] | None = None,
) -> list[Assessment]:
    """List every certificate, judge it from its summary, and describe only where the summary cannot decide.

    An exempt certificate is not judged (nor described). The listing is complete or this raises:
    a partial list is never returned. Summaries ACM answered that cannot be read are said in
    ``unreadable``.
    """
    describe = partial(describe_certificate, acm)
    assessments = []
    for certificate in list(list_certificates(acm, plan, unreadable)):
        verdict = exemptions.verdict(certificate.arn)
        if verdict is not None:
            assessments.append(Assessment(certificate, verdict))
            continue
        assessment = assess_certificate(certificate, now, days_to_expiration, describe)
        if assessment is not None:
            assessments.append(assessment)
    return assessments


def assess_certificate(
    certificate: Certificate, now: datetime, days_to_expiration: int, describe: Describe
) -> Assessment | None:
    """Judge one certificate, from a ListCertificates summary or a configuration item alike.

    ACM is asked (DescribeCertificate) exactly when the facts at hand cannot decide, so that a
    change event and the periodic run give the same answer; ``None`` if ACM no longer has it.
    """
    verdict = judge(certificate, now, days_to_expiration)
    if needs_describe(certificate, verdict):
        described = describe(certificate.arn)
        if described is None:  # deleted meanwhile: nothing left to judge
            return None
        certificate = certificate.with_details(described)
        verdict = judge(certificate, now, days_to_expiration)
    return Assessment(certificate, verdict)


def needs_describe(certificate: Certificate, verdict: Verdict) -> bool:
    """Whether only DescribeCertificate can decide the verdict or its annotation.

    - no expiry date on a certificate that is not "never issued" (an unreadable or missing
      ``notAfter`` in a configuration item; a summary from an SDK older than its date fields);
    - a REVOKED certificate without its revocation date, which the annotation names (Config's
      resource schema for AWS::ACM::Certificate has no ``revokedAt``);
    - a certificate ACM renews (AMAZON_ISSUED or PRIVATE, not INELIGIBLE) inside the window whose
      renewal status is unknown (a ListCertificates summary never carries it), or FAILED without
      its reason (Config's schema lists ``renewalStatus`` but not ``renewalStatusReason``): both
      decide the advice;
    - a NON_COMPLIANT certificate, not IMPORTED, whose key pair origin is unknown (a configuration
      item may not record it; an older SDK drops it from summaries): an ACME-issued one gets other
      advice, and must never be told to be deleted.
    """
    if certificate.not_after is None and certificate.status not in NEVER_ISSUED_STATUSES:
        return True
    if verdict.scenario is Scenario.REVOKED and certificate.revoked_at is None:
        return True
    if (
        verdict.compliance is Compliance.NON_COMPLIANT
        and certificate.key_pair_origin is None
        and certificate.type != "IMPORTED"
    ):
        return True
    renewal_unknown = certificate.renewal_status is None or (
        certificate.renewal_status == "FAILED" and certificate.renewal_status_reason is None
    )
    return (
        verdict.scenario is Scenario.EXPIRING
        and certificate.type in MANAGED_TYPES
        and certificate.renewal_eligibility != "INELIGIBLE"
        and renewal_unknown
    )
