"""Pages: one EventBridge event per certificate per threshold it crosses, decided from what Config held.

An alarm says that something is at risk; it cannot say which certificate, and it pages only when
its own state changes (a second certificate entering the band while another is there pages nobody).
So the rule names each certificate itself, once per crossing: a run compares what it judges today
with the result Config held before it sent anything (the periodic run reads them all anyway; a
change event reads its certificate's), and puts one event for each certificate whose band rose:

======  =======================================  ================================================
band    the certificate                          crossing named when it enters the band
======  =======================================  ================================================
0       outside the window; never issued;        (none)
        exempt; no result held
1       inside the ``daysToExpiration`` window   ``entered-window``
2..k    at or below each ``alertThresholdDays``  ``threshold`` (the lowest threshold reached)
        day count (7 by default), lowest last
k+1     expired, or revoked                      ``expired``, ``revoked``
======  =======================================  ================================================

A certificate in the same band as before whose renewal newly stalls (ACM's renewal summary turned
PENDING_VALIDATION or FAILED: the annotation says so) is a crossing too, ``renewal-stalled``. A
certificate crossing several bands at once (the rule was stopped for a week) gets one event, for
the band it is in now. The next day it is in the same band: no event. What Config held is the
memory, so an evaluation that was not recorded pages nothing and its crossing is found again by the
next run; events go out only for evaluations Config recorded.

The band Config held: a COMPLIANT or NOT_APPLICABLE result is band 0; a NON_COMPLIANT one is the top
band if its words say the certificate was expired or revoked (:func:`acm_expiry.verdict.unusable`),
else the band of the days it had left when Config recorded it (``ResultRecordedTime``), never the top
band (only the words say expired; a result judged a minute before expiry may be stamped a minute
after), and at least band 1: NON_COMPLIANT annotations change daily, so Config records each one the
day it is sent. Without a recorded time,
band 1: at worst a threshold event is sent again, never missed.

The event (``source`` :data:`SOURCE`, never ``aws.*``; ``detail-type`` :data:`DETAIL_TYPE`) carries in
``detail``: crossing, threshold (days; 0 for expiry; null for revoked and stalled), certificateArn,
domainName, accountId, region, daysLeft, notAfter, annotation, advice, headline, consoleUrl,
configRuleName. ``headline`` and ``advice`` are one line each and hold no double quote, so an input
transformer can put them in a message as they are.

Pure: no boto3, no clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from acm_expiry.arns import parse_certificate_arn
from acm_expiry.held import HeldResult
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import Compliance, Scenario, days_left, next_step, stalled, unusable

SOURCE = "acm-expiry-rule"
DETAIL_TYPE = "ACM Certificate Crossed an Expiry Threshold"
PUT_EVENTS_BATCH = 10  # PutEvents takes 1 to 10 entries
DETAIL_TEXT_LIMIT = 1024  # each text of the detail: far below PutEvents' 256 KB an entry


class Crossing(StrEnum):
    ENTERED_WINDOW = "entered-window"
    THRESHOLD = "threshold"
    EXPIRED = "expired"
    REVOKED = "revoked"
    RENEWAL_STALLED = "renewal-stalled"


@dataclass(frozen=True, slots=True)
class Bands:
    """The day counts that bound the bands: the window, then the alert thresholds inside it, highest first."""

    window: int
    thresholds: tuple[int, ...]

    @classmethod
    def of(cls, window: int, alert_days: Iterable[int]) -> Bands:
        """Thresholds at or above the window add nothing (the window's crossing comes first) and are dropped."""
        return cls(window, tuple(sorted({d for d in alert_days if d < window}, reverse=True)))

    @property
    def top(self) -> int:
        return len(self.thresholds) + 2

    def of_days(self, days: int) -> int:
        """The band of a certificate not yet expired with ``days`` left (days_left: rounded up)."""
        if days > self.window:
            return 0
        return 1 + sum(1 for t in self.thresholds if days <= t)

    def threshold_of(self, band: int) -> int | None:
        """The day count whose crossing enters ``band``: the window, a threshold, 0 for expiry."""
        if band == 1:
            return self.window
        if 2 <= band < self.top:
            return self.thresholds[band - 2]
        return 0 if band == self.top else None


@dataclass(frozen=True, slots=True)
class Page:
    """One certificate's crossing, with the band it crossed into."""

    crossing: Crossing
    assessment: Assessment
    threshold: int | None


def band_now(assessment: Assessment, bands: Bands) -> int:
    verdict = assessment.verdict
    if verdict.scenario in (Scenario.EXPIRED, Scenario.REVOKED):
        return bands.top
    if verdict.compliance is Compliance.NON_COMPLIANT and verdict.days_left is not None:
        return bands.of_days(verdict.days_left)
    return 0


def band_held(result: HeldResult | None, assessment: Assessment, bands: Bands) -> int:
    """The band of the result Config held for this certificate (see the module's docstring)."""
    if result is None or result.compliance != "NON_COMPLIANT":
        return 0
    if unusable(result.annotation):
        return bands.top
    not_after = assessment.certificate.not_after
    if result.recorded is None or not_after is None:
        return 1
    # Recorded at or after the expiry moment under words that do not say expired (the rule judged a
    # minute before expiry; Config stamped its time a minute after): the words decide, so "expired"
    # has not been paged yet. of_days never gives the top band; NON_COMPLIANT words were in a window.
    return max(1, bands.of_days(days_left(not_after, result.recorded)))


def pages_for(assessments: Iterable[Assessment], held: Callable[[str], HeldResult | None], bands: Bands) -> list[Page]:
    """Every crossing among ``assessments`` (those Config recorded today), against what it held before."""
    pages: list[Page] = []
    for assessment in assessments:
        result = held(assessment.certificate.arn)
        now, before = band_now(assessment, bands), band_held(result, assessment, bands)
        if now > before:
            pages.append(Page(_crossing(assessment, now, bands), assessment, bands.threshold_of(now)))
        elif (
            now >= 1
            and stalled(assessment.verdict.annotation)
            and not (result is not None and stalled(result.annotation))
        ):
            pages.append(Page(Crossing.RENEWAL_STALLED, assessment, None))
    return pages


def _crossing(assessment: Assessment, band: int, bands: Bands) -> Crossing:
    if band == bands.top:
        return Crossing.REVOKED if assessment.verdict.scenario is Scenario.REVOKED else Crossing.EXPIRED
    return Crossing.ENTERED_WINDOW if band == 1 else Crossing.THRESHOLD


@dataclass(frozen=True, slots=True)
class Context:
    """Where the pages come from: the Config rule, and the moment of the run."""

    rule_name: str
    now: datetime


def entry(page: Page, context: Context) -> dict[str, Any]:
    """The PutEvents entry for one page (on the default bus, which PutEvents uses without EventBusName)."""
    certificate, verdict = page.assessment.certificate, page.assessment.verdict
    arn = parse_certificate_arn(certificate.arn)
    account, region = (arn.account, arn.region) if arn else ("", "")
    detail = {
        "crossing": str(page.crossing),
        "threshold": page.threshold,
        "certificateArn": certificate.arn,
        "domainName": _line(certificate.domain_name),
        "accountId": account,
        "region": region,
        "daysLeft": verdict.days_left,
        "notAfter": certificate.not_after.strftime("%Y-%m-%dT%H:%M:%SZ") if certificate.not_after else None,
        "annotation": _line(verdict.annotation),
        "advice": _line(next_step(certificate, verdict)),
        "headline": _line(headline(page)),
        "consoleUrl": console_url(certificate.arn),
        "configRuleName": context.rule_name,
    }
    return {
        "Time": context.now,
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Resources": [certificate.arn],
        "Detail": json.dumps(detail, sort_keys=True),
    }


def entries(pages: Sequence[Page], context: Context) -> list[dict[str, Any]]:
    return [entry(page, context) for page in pages]


def headline(page: Page) -> str:
    """One line naming what changed: "expires in 7 days (2026-12-14): reached the 7-day threshold"."""
    verdict, certificate = page.assessment.verdict, page.assessment.certificate
    date = f" ({certificate.not_after:%Y-%m-%d})" if certificate.not_after else ""
    if page.crossing is Crossing.EXPIRED:
        return f"expired{date}"
    if page.crossing is Crossing.REVOKED:
        return "was revoked"
    days = verdict.days_left
    expires = "expires within a day" if days is not None and days <= 1 else f"expires in {days} days"
    if page.crossing is Crossing.ENTERED_WINDOW:
        return f"{expires}{date}: entered the {page.threshold}-day window"
    if page.crossing is Crossing.THRESHOLD:
        return f"{expires}{date}: reached the {page.threshold}-day threshold"
    return f"{expires}{date}: its renewal stalled"


def console_url(arn: str) -> str:
    """The certificate in the ACM console of its partition and Region ("" for an ARN that is not one)."""
    parsed = parse_certificate_arn(arn)
    if parsed is None:
        return ""
    host = _CONSOLES.get(parsed.partition, "console.aws.amazon.com")
    return f"https://{parsed.region}.{host}/acm/home?region={parsed.region}#/certificates/{parsed.id}"


_CONSOLES = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
_UNSAFE = re.compile(r'["\\\x00-\x1f\x7f\u2028\u2029]')


def _line(text: str) -> str:
    """One line an input transformer can quote as it is: no double quote, backslash or line break; bounded."""
    cleaned = _UNSAFE.sub(" ", text)
    return cleaned if len(cleaned) <= DETAIL_TEXT_LIMIT else cleaned[: DETAIL_TEXT_LIMIT - 1] + "…"
