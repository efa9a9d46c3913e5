"""What a periodic run records in Config, and in what order: only what changed, what matters first.

AWS Config charges for every evaluation recorded. Sending every certificate every day (rdklib's way,
and AWS's managed rule's) records N a day; this run sends, from what it judged and what Config
holds (read once, before anything is sent):

=============  ==========================================================================  =====
reason         which evaluations                                                           order
=============  ==========================================================================  =====
noncompliant   every NON_COMPLIANT one (its days left change daily): expired first, then   1
               fewest days left
new, changed   a certificate Config holds no result for, or whose verdict or words differ  2
refresh        of the rest, the ⌈N/30⌉ Config recorded longest ago (among equals, a daily  3
               rotation by a hash of the ARN): N results, a thirtieth a day, the oldest
               first, so each is recorded again within 30 days, spread evenly
deleted        a result of a certificate the listing no longer shows (the clean-up)        4
=============  ==========================================================================  =====

N is the number of certificates judged. A COMPLIANT annotation names the expiry date, not the days
left, so it stays the same from day to day; NOT_APPLICABLE ones (exempt, never issued) too. A steady
day therefore records at most NON_COMPLIANT + changed + ⌈N/30⌉ evaluations, and Config always holds
the verdict and words judging each certificate today would give.

The clean-up of deleted certificates trusts a complete listing: a certificate it did not list is
gone, and its result turns NOT_APPLICABLE without asking ACM. Only a listing with gaps (an SDK
too old to lift a default filter) leaves that uncertain: then ACM is asked about at most
:data:`DESCRIBE_LIMIT` such certificates a run (held NON_COMPLIANT ones first), the rest in later
runs. A read of Config's results that the deadline cut short removes nothing.

Pure: no boto3, no clock.
"""

from __future__ import annotations

import math
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
DESCRIBE_LIMIT = 100  # certificates a run asks ACM about when a listing with gaps did not show them
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
    unchanged: int  # judged, held as they are, not due: not sent
    ask_acm: tuple[HeldResult, ...] = ()  # not listed by a listing with gaps: DescribeCertificate decides
    left_for_later: int = 0  # more of those than DESCRIBE_LIMIT
    counts: dict[str, int] = field(default_factory=dict)

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
    candidates: list[tuple[Assessment, HeldResult]] = []
    for assessment in judged:
        result = held.get(RESOURCE_TYPE, assessment.certificate.arn)
        if assessment.verdict.compliance is Compliance.NON_COMPLIANT:
            noncompliant.append(assessment)
        elif result is None:
            new.append(Planned(assessment, "new"))
        elif differs(result, str(assessment.verdict.compliance), assessment.verdict.annotation):
            changed.append(Planned(assessment, "changed"))
        else:
            candidates.append((assessment, result))
    noncompliant.sort(key=_urgency)
    refresh = _refresh(candidates, len(judged), now)
    deleted, uncertain = _gone(judged, held, listing_complete)
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
        unchanged=len(candidates) - len(refresh),
        ask_acm=tuple(uncertain[:DESCRIBE_LIMIT]),
        left_for_later=max(0, len(uncertain) - DESCRIBE_LIMIT),
        counts={reason: counts[reason] for reason in REASONS if counts[reason]},
    )


def differs(result: HeldResult, compliance: str, annotation: str) -> bool:
    """Whether Config holds other words or another verdict than this evaluation's."""
    return result.compliance != compliance or result.annotation != (annotation or "")


def refresh_quota(judged: int) -> int:
    return math.ceil(judged / REFRESH_DAYS)


def _urgency(assessment: Assessment) -> tuple[int, int]:
    verdict = assessment.verdict
    expired = verdict.scenario in (Scenario.EXPIRED, Scenario.REVOKED)
    return (0 if expired else 1, verdict.days_left if verdict.days_left is not None else -(10**6))


def _refresh(candidates: list[tuple[Assessment, HeldResult]], judged: int, now: datetime) -> list[Assessment]:
    """The ⌈N/30⌉ results Config recorded longest ago.

    Oldest first, a thirtieth a day: a result waits at most 30 days for its turn (fewer when it is
    recorded meanwhile because it changed). Among results recorded at the same time (the first run
    records them all at once) a rotation picks a different thirtieth each day: ranked by a hash of
    the ARN, rank r falls on the days when r ≡ day (mod 30), so each day's share fits the quota
    and the refreshes also cover everyone in 30 days if Config kept a result's recorded time when
    the same evaluation is sent again. Nothing is sent beyond the quota, whatever the ages: were
    Config to keep the first recorded time, an "older than 30 days, send it" rule would send
    everything daily.
    """
    day = (now - _EPOCH).days
    arns = sorted((c[0].certificate.arn for c in candidates), key=lambda a: (zlib.crc32(a.encode()), a))
    turn = {arn: (rank - day) % REFRESH_DAYS for rank, arn in enumerate(arns)}
    ordered = sorted(
        candidates, key=lambda c: (c[1].recorded or _EPOCH, turn[c[0].certificate.arn], c[0].certificate.arn)
    )
    return [assessment for assessment, _ in ordered[: refresh_quota(judged)]]


def _gone(
    judged: Iterable[Assessment], held: HeldResults, listing_complete: bool
) -> tuple[list[Removed], list[HeldResult]]:
    """Results of resources not judged today: NOT_APPLICABLE now, or (after a listing with gaps) ask ACM."""
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
        elif listing_complete:
            removed = Removed(result.resource_id, RESOURCE_TYPE, DELETED)
        else:
            if differs(result, "NOT_APPLICABLE", DELETED):
                uncertain.append(result)
            continue
        if differs(result, "NOT_APPLICABLE", removed.annotation):
            deleted.append(removed)
    return deleted, uncertain
