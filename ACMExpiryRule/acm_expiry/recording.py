"""What a periodic run records in Config, and in what order: only what changed, what matters first.

AWS Config charges for every evaluation recorded. Sending every certificate every day (rdklib's way,
and AWS's managed rule's) records N a day; this run sends, from what it judged and what Config
holds (read once, before anything is sent):

=============  ==========================================================================  =====
reason         which evaluations                                                           order
=============  ==========================================================================  =====
noncompliant   every NON_COMPLIANT one (its days left change daily): expired first (those  1
               ACM calls EXPIRED without a date before the others), then fewest days left
new, changed   a certificate Config holds no result for, or whose verdict or words differ  2
refresh        of the rest, those whose turn it is: a certificate's turn comes every 30    3
               days, on the day its ARN's hash gives (:func:`refresh_day`)
deleted        a result of a certificate that is gone (see below)                          4
=============  ==========================================================================  =====

N is the number of certificates judged. A COMPLIANT annotation names the expiry date, not the days
left, so it stays the same from day to day; NOT_APPLICABLE ones (exempt, never issued) too. A steady
day therefore records NON_COMPLIANT + changed + the certificates whose turn it is, about N/30 (each
certificate's turn is one of 30 days, spread by a hash: N/30 on average, with the spread of a
binomial count; ``make bench`` prints the busiest day), and Config always holds the verdict and words
judging each certificate today would give.

The refresh turns depend on the calendar and the ARN alone, never on Config's ``ResultRecordedTime``:
AWS does not document whether Config moves a result's recorded time when the same evaluation is sent
again, and a rotation that read it would, under one of the two readings, leave some certificates
unrefreshed for months. So every certificate is sent again at least every 30 days whatever Config
does, and no day sends more than the certificates whose turn it is.

Gone, and on whose word. A certificate that ACM's listing no longer shows is gone only when:

- Config held it NON_COMPLIANT: only ACM's own word (DescribeCertificate answering
  ResourceNotFoundException) clears it; a listing that merely left it out must never turn a
  certificate that needs attention into "deleted";
- Config held it COMPLIANT or NOT_APPLICABLE: the listing's word is enough, if the listing can be
  trusted: it lifted every default filter (no gaps) and did not shrink implausibly, that is, it is
  not empty while Config holds results of live certificates, and it leaves out no more than
  :data:`SHRINK_ALLOWANCE` or :data:`SHRINK_SHARE` of them, whichever is more. A listing that shrank
  more is *doubted*: it is treated as a listing with gaps, and nothing is cleared on its word.

What needs ACM's word is asked about, at most :data:`DESCRIBE_LIMIT` certificates a run (held
NON_COMPLIANT ones first), the rest in later runs. A read of Config's results that the deadline cut
short removes nothing.

Pure: no boto3, no clock.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from acm_expiry import RESOURCE_TYPE
from acm_expiry.outcome import Assessment, Outcome, Removed
from acm_expiry.results import HeldResult, HeldResults
from acm_expiry.verdict import Compliance, Scenario

REFRESH_DAYS = 30
DESCRIBE_LIMIT = 100  # certificates a run asks ACM about when the listing's word is not enough
# A listing may leave out this many of the live certificates Config holds results for, or this
# share of them, whichever is more, and still be trusted: certificates are deleted, but rarely a
# tenth of a region's in one day. More, and its silence is doubted (ACM's word decides instead).
SHRINK_ALLOWANCE = 5
SHRINK_SHARE = 0.10
DELETED = "No longer in ACM: deleted since the last periodic run."
OUT_OF_SCOPE = "Not an ACM certificate: outside this rule's scope."
REASONS = ("noncompliant", "new", "changed", "refresh", "deleted")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Planned:
    outcome: Outcome
    reason: str  # one of REASONS


@dataclass(frozen=True, slots=True)
class RecordingPlan:
    sends: tuple[Planned, ...]  # in the order they are sent
    unchanged: int  # judged, held as they are, not their turn: not sent
    ask_acm: tuple[HeldResult, ...] = ()  # not listed, and the listing's word is not enough: DescribeCertificate
    left_for_later: int = 0  # more of those than DESCRIBE_LIMIT
    counts: dict[str, int] = field(default_factory=dict)
    doubt: str | None = None  # why the listing's silence was not trusted, when it was not

    @property
    def outcomes(self) -> list[Outcome]:
        return [planned.outcome for planned in self.sends]


def plan_recording(
    judged: Sequence[Assessment], held: HeldResults, *, now: datetime, listing_complete: bool
) -> RecordingPlan:
    """The evaluations to send, in order, from today's judgements and the results Config holds."""
    noncompliant: list[Assessment] = []
    new: list[Planned] = []
    changed: list[Planned] = []
    unchanged: list[Assessment] = []
    for assessment in judged:
        result = held.get(RESOURCE_TYPE, assessment.certificate.arn)
        if assessment.verdict.compliance is Compliance.NON_COMPLIANT:
            noncompliant.append(assessment)
        elif result is None:
            new.append(Planned(assessment, "new"))
        elif differs(result, str(assessment.verdict.compliance), assessment.verdict.annotation):
            changed.append(Planned(assessment, "changed"))
        else:
            unchanged.append(assessment)
    noncompliant.sort(key=urgency)
    today = day_number(now)
    refresh = [a for a in unchanged if refresh_day(a.certificate.arn) == today % REFRESH_DAYS]
    doubt = listing_doubt(judged, held)
    deleted, uncertain = _gone(judged, held, trusted=listing_complete and doubt is None)
    sends = (
        *(Planned(a, "noncompliant") for a in noncompliant),
        *new,
        *changed,
        *(Planned(a, "refresh") for a in refresh),
        *(Planned(r, "deleted") for r in deleted),
    )
    uncertain.sort(key=lambda r: (r.compliance != "NON_COMPLIANT", r.recorded or _EPOCH, r.resource_id))
    counts = Counter(planned.reason for planned in sends)
    return RecordingPlan(
        sends=tuple(sends),
        unchanged=len(unchanged) - len(refresh),
        ask_acm=tuple(uncertain[:DESCRIBE_LIMIT]),
        left_for_later=max(0, len(uncertain) - DESCRIBE_LIMIT),
        counts={reason: counts[reason] for reason in REASONS if counts[reason]},
        doubt=doubt,
    )


def differs(result: HeldResult, compliance: str, annotation: str) -> bool:
    """Whether Config holds other words or another verdict than this evaluation's."""
    return result.compliance != compliance or result.annotation != (annotation or "")


def day_number(now: datetime) -> int:
    """Days since 1970-01-01 in UTC: the calendar the refresh turns follow."""
    return (now - _EPOCH).days


def refresh_day(arn: str) -> int:
    """The certificate's turn: a refresh is due on the days ``d`` with ``d % 30`` equal to this.

    A hash of the ARN (CRC-32, stable across processes and Python versions), so the turns spread
    over the 30 days and none depends on any other certificate or on what Config recorded when.
    """
    return zlib.crc32(arn.encode()) % REFRESH_DAYS


def urgency(assessment: Assessment) -> tuple[int, int]:
    """Sort key: expired or revoked first (a dateless one before those with a date), then fewest days left."""
    verdict = assessment.verdict
    expired = verdict.scenario in (Scenario.EXPIRED, Scenario.REVOKED)
    return (0 if expired else 1, verdict.days_left if verdict.days_left is not None else -(10**6))


def listing_doubt(judged: Sequence[Assessment], held: HeldResults) -> str | None:
    """Why the listing's silence cannot be taken as deletion, or None when it can.

    Only results of live certificates count (one already marked deleted is not expected in a
    listing), and only from a complete read of Config's results.
    """
    if not held.complete:
        return None
    live = {r.resource_id for r in held.results.values() if _live_certificate(r)}
    if not live:
        return None
    missing = len(live - {a.certificate.arn for a in judged})
    if not judged:
        return (
            f"the listing was empty while Config holds results for {len(live)} certificates: "
            "nothing is cleared on its word"
        )
    allowed = max(SHRINK_ALLOWANCE, int(SHRINK_SHARE * len(live)))
    if missing > allowed:
        return (
            f"the listing left out {missing} of the {len(live)} certificates Config holds results for "
            f"(more than {allowed}): nothing is cleared on its word"
        )
    return None


def _live_certificate(result: HeldResult) -> bool:
    return result.resource_type == RESOURCE_TYPE and not (
        result.compliance == "NOT_APPLICABLE" and result.annotation == DELETED
    )


def _gone(judged: Iterable[Assessment], held: HeldResults, *, trusted: bool) -> tuple[list[Removed], list[HeldResult]]:
    """Results of resources not judged today: NOT_APPLICABLE now, or ACM to be asked first."""
    if not held.complete:  # some results unread: nothing can be said gone
        return [], []
    seen = {assessment.certificate.arn for assessment in judged}
    deleted: list[Removed] = []
    uncertain: list[HeldResult] = []
    for result in held.results.values():
        if result.resource_type == RESOURCE_TYPE and result.resource_id in seen:
            continue
        if result.resource_type != RESOURCE_TYPE:
            removed = Removed(result.resource_id, result.resource_type, OUT_OF_SCOPE)
        elif not _live_certificate(result):
            continue  # marked deleted already
        elif trusted and result.compliance != "NON_COMPLIANT":
            removed = Removed(result.resource_id, RESOURCE_TYPE, DELETED)
        else:
            uncertain.append(result)
            continue
        if differs(result, "NOT_APPLICABLE", removed.annotation):
            deleted.append(removed)
    return deleted, uncertain
