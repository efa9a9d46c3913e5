"""CloudWatch metrics of one invocation, in Embedded Metric Format, for the log line.

CloudWatch Logs turns a log line carrying an ``_aws`` block into metrics (EMF specification:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
namespace ``ACMExpiryRule``, each under two dimension sets: ``ConfigRuleName`` (this rule) and none
at all (every rule of the account and Region together: "every DimensionSet used creates a new
metric"), so alarms need no rule name to watch every rule.

What an invocation writes is a pure function of what it concluded (:class:`Invocation`):

=========================  =====  =========================  ==========  ======  ======
metric                     unit   periodic run, completed    cut short   change  failed
=========================  =====  =========================  ==========  ======  ======
PeriodicRunsCompleted      Count  1 [1]                      0           --      0 [2]
CertificatesEvaluated      Count  certificates judged [1]    --          --      --
NonCompliantCertificates   Count  of those, NON_COMPLIANT    --          --      --
ExpiredCertificates        Count  expired or revoked, still  --          --      --
                                  in ACM, not exempt
SoonestExpiryDays          None   fewest days left, expired  --          --      --
                                  and revoked ones counting
                                  0, at most 3650 (also
                                  when none)
ListingGaps                Count  filters the SDK could not  same        --      --
                                  lift, plus 1 for a doubted
                                  or unreadable listing
FindingsFailures           Count  1 if findings failed       same        same    --
EventsFailures             Count  pages (EventBridge events) same        same    --
                                  not put
PeriodicRunFailures        Count  0                          0           --      1 [2]
ChangeEventFailures        Count  --                         --          0       1 [3]
=========================  =====  =========================  ==========  ======  ======

[1] only when the inventory is known whole: a listing that was doubted (its silence not taken as
deletion, :mod:`acm_expiry.recording`) and left certificates for later runs to ask ACM about is not
a whole inventory, so the run writes ListingGaps and no figures; ``PeriodicRunsCompleted`` then says
0, and the heartbeat alarm sees the figures are stale if that goes on.
[2] when the failed event was a scheduled one.
[3] when the failed event was a change notification, or one whose type could not be read.

Why so: CloudWatch evaluates an alarm on the most recent datapoints it finds, looking back
further when recent ones are missing (User Guide, "Configuring how CloudWatch alarms treat
missing data"). So every figure an alarm reads must be true of the whole inventory whenever it
is written, and absent otherwise:

- only a completed periodic run saw every certificate and had every verdict recorded, so only
  it writes the inventory's figures. A change event judges one certificate, a run cut short at
  its deadline left verdicts unsent, a failed one decided nothing: any figure from them could
  read as "all clear" for certificates they never looked at, so they write none;
- ``SoonestExpiryDays`` is written by every completed run, even with no unexpired certificate
  (then the horizon, :data:`SOONEST_EXPIRY_HORIZON_DAYS`): silence must mean "no run", never
  "nothing at risk";
- expired and revoked certificates count 0 days in ``SoonestExpiryDays``: the day a certificate
  expires is no day for the expiry alarm to say OK (clients refuse a revoked certificate as an
  expired one, whatever days it has left); ``ExpiredCertificates`` counts them apart. Which
  certificate crossed what is said by the rule's own events (:mod:`acm_expiry.crossings`), one per
  certificate per crossing, which no alarm can do;
- failures are counted per trigger: a change event that succeeds says nothing of the daily run, so
  it must not clear the daily run's failure (and the other way round).

Pure: no boto3, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from acm_expiry.events import SCHEDULED
from acm_expiry.outcome import Assessment, Outcome
from acm_expiry.verdict import Compliance, Scenario

NAMESPACE = "ACMExpiryRule"
DIMENSION = "ConfigRuleName"
# Days counted up to ten years: a region without an unexpired certificate writes this, and no
# alarm threshold the alerts template accepts (1..365 days) reaches it.
SOONEST_EXPIRY_HORIZON_DAYS = 3650
# Certificates clients refuse whatever days they have left: ExpiredCertificates counts them.
UNUSABLE = frozenset({Scenario.EXPIRED, Scenario.REVOKED})
UNITS = {
    "PeriodicRunsCompleted": "Count",
    "CertificatesEvaluated": "Count",
    "NonCompliantCertificates": "Count",
    "ExpiredCertificates": "Count",
    "SoonestExpiryDays": "None",
    "ListingGaps": "Count",
    "FindingsFailures": "Count",
    "EventsFailures": "Count",
    "PeriodicRunFailures": "Count",
    "ChangeEventFailures": "Count",
}
# A Config rule name as CloudWatch may take it for a dimension value, and as the templates write it.
RULE_NAME_DIMENSION = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


@dataclass(frozen=True, slots=True)
class Invocation:
    """What one invocation concluded: everything its metrics depend on.

    ``completed``: it returned having delivered every evaluation it decided on (a periodic run cut
    short at its deadline returns without that). ``failed``: it raised (Lambda retries it).
    ``message_type`` is None when the event's type could not be read. ``inventory_complete``: the
    outcomes cover every certificate (no doubted listing left some for later runs).
    """

    message_type: str | None
    completed: bool
    failed: bool
    outcomes: Sequence[Outcome] = ()
    listing_gaps: Sequence[str] = ()
    findings_failures: int = 0
    events_failures: int = 0
    inventory_complete: bool = True

    def __post_init__(self) -> None:
        if self.completed and self.failed:
            raise ValueError("an invocation cannot both complete and fail")


def invocation_metrics(invocation: Invocation) -> dict[str, int]:
    """The metrics' values for one invocation (see the table above)."""
    periodic = invocation.message_type == SCHEDULED
    failures = "PeriodicRunFailures" if periodic else "ChangeEventFailures"
    whole = invocation.completed and invocation.inventory_complete
    metrics: dict[str, int] = {}
    if periodic:
        metrics["PeriodicRunsCompleted"] = int(whole)
    if invocation.failed:
        return metrics | {failures: 1}
    if periodic and whole:
        metrics |= inventory_figures(invocation.outcomes)
    if periodic:
        metrics["ListingGaps"] = len(invocation.listing_gaps)
    return metrics | {
        "FindingsFailures": invocation.findings_failures,
        "EventsFailures": invocation.events_failures,
        failures: 0,
    }


def inventory_figures(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """The figures of a periodic run that judged every certificate of the region."""
    assessments = [o for o in outcomes if isinstance(o, Assessment)]
    # Expired and revoked ones count 0 days; exempt and never-issued ones have no days left.
    days = [0 if a.verdict.scenario in UNUSABLE else a.verdict.days_left for a in assessments]
    return {
        "CertificatesEvaluated": len(assessments),
        "NonCompliantCertificates": sum(1 for a in assessments if a.verdict.compliance is Compliance.NON_COMPLIANT),
        "ExpiredCertificates": sum(1 for a in assessments if a.verdict.scenario in UNUSABLE),
        "SoonestExpiryDays": min([*(d for d in days if d is not None), SOONEST_EXPIRY_HORIZON_DAYS]),
    }


def embedded(metrics: dict[str, int], rule_name: str | None, at: datetime) -> dict[str, Any]:
    """The members EMF needs at the log line's root: the ``_aws`` directive, the dimension and each value.

    Without a rule name (an event refused before it was read, or another rule's), or with one CloudWatch
    could not take as a dimension value, only the dimensionless set is declared.
    """
    if rule_name is not None and not RULE_NAME_DIMENSION.fullmatch(rule_name):
        rule_name = None
    dimensions: list[list[str]] = [[DIMENSION], []] if rule_name else [[]]
    directive = {
        "Namespace": NAMESPACE,
        "Dimensions": dimensions,
        "Metrics": [{"Name": name, "Unit": UNITS[name]} for name in UNITS if name in metrics],
    }
    root: dict[str, Any] = {"_aws": {"Timestamp": int(at.timestamp() * 1000), "CloudWatchMetrics": [directive]}}
    if rule_name:
        root[DIMENSION] = rule_name
    return root | metrics
