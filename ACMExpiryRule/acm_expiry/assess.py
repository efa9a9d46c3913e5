"""One region's certificates judged: the periodic run's logic, shared by the rule and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from acm_expiry.acm import ListingPlan, describe_certificate, list_certificates
from acm_expiry.certificate import Certificate
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import NEVER_ISSUED_STATUSES, Scenario, Verdict, judge


def assess_region(acm: Any, plan: ListingPlan, now: datetime, days_to_expiration: int) -> list[Assessment]:
    """List every certificate, judge it from its summary, and describe only where it matters.

    DescribeCertificate is the only source of the renewal status, and the renewal status changes
    the annotation only for an AMAZON_ISSUED certificate inside the window, so only those are
    described; and any summary without the status or expiry date an issued certificate has (an
    SDK older than those summary fields drops them), rather than judging it "never issued". The
    listing is complete or this raises: a partial list is never returned.
    """
    assessments = []
    for certificate in list(list_certificates(acm, plan)):
        assessment = assess_certificate(acm, certificate, now, days_to_expiration)
        if assessment is not None:
            assessments.append(assessment)
    return assessments


def assess_certificate(acm: Any, certificate: Certificate, now: datetime, days_to_expiration: int) -> Assessment | None:
    """Judge one certificate, asking ACM only where its facts cannot decide; ``None`` if ACM no longer has it."""
    verdict = judge(certificate, now, days_to_expiration)
    if _needs_describe(certificate, verdict):
        described = describe_certificate(acm, certificate.arn)
        if described is None:  # deleted since it was listed: nothing left to judge
            return None
        certificate = certificate.with_details(described)
        verdict = judge(certificate, now, days_to_expiration)
    return Assessment(certificate, verdict)


def _needs_describe(certificate: Certificate, verdict: Verdict) -> bool:
    if verdict.scenario is Scenario.EXPIRING and certificate.type == "AMAZON_ISSUED":
        return True
    return certificate.not_after is None and certificate.status not in NEVER_ISSUED_STATUSES
