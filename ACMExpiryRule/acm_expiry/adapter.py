"""Running the rdklib rule for one invocation: the one place rdklib's ``Evaluator`` is bypassed.

The rule is an rdklib ``ConfigRule`` and returns rdklib ``Evaluation``s; this module runs it as
``Evaluator.handle`` would, through rdklib's own pieces: the rule's ``evaluate_parameters``,
``evaluate_change`` and ``evaluate_periodic``, ``is_applicable_status`` and
``is_applicable_resource_type`` for change events, and each Evaluation's
``import_fields_from_periodic_event`` / ``import_fields_from_configuration_item`` (the ordering
timestamps), ``is_valid`` and ``get_json``.

Why not ``Evaluator.handle`` itself: it would

- build its own ``ClientFactory``: a second AssumeRole, and clients from boto3's default session
  without the rule's retry policy or call counts;
- catch ``ClientError`` and ``ValueError`` from ``evaluate_*`` (and invalid parameters) and
  *return* them as a dict: the invocation succeeds, Lambda never retries it, and its Errors metric
  never counts it;
- send PutEvaluations itself and ignore ``FailedEvaluations``, so evaluations Config did not record
  are lost without a word;
- read an oversized notification's item without checking the answer.

Here the invocation's :class:`~acm_expiry.edge.AwsEdge` is the client factory the rule receives,
every failure propagates, and the evaluations are sent with PutEvaluations, whose own answer says
which ones to send again. A periodic run records only what :mod:`acm_expiry.recording` plans
(NON_COMPLIANT first, then what differs from what Config holds, the refresh share, the clean-up),
against the results read from Config before anything is sent.

The deadline: a run the deadline stops before anything was recorded raises
:class:`~acm_expiry.errors.DeadlineReached` (Lambda retries it, its Errors metric counts it); one
stopped after some evaluations were recorded returns what was, with ``stopped`` set: the next
day's run sends what is left, since it records what differs from what Config holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rdklib.util.service import is_applicable_resource_type, is_applicable_status

from acm_expiry import RESOURCE_TYPE
from acm_expiry.delivery import deliver, put_evaluations
from acm_expiry.edge import AwsEdge
from acm_expiry.errors import DeadlineReached, DeliveryError, RuleError
from acm_expiry.events import SCHEDULED, CheckedEvent
from acm_expiry.limits import PUT_EVALUATIONS_BATCH, SENDING_RESERVE_SECONDS
from acm_expiry.outcome import Assessment, Outcome, Removed
from acm_expiry.parameters import RuleParameters
from acm_expiry.recording import RecordingPlan, plan_recording
from acm_expiry.results import HeldResults, read_results
from acm_expiry.rule import ACMExpiryRule, RuleEvaluation, RuleEvaluations, resource_id


@dataclass(frozen=True, slots=True)
class RuleRun:
    """One invocation: the evaluations Config recorded, and everything the run concluded behind them.

    ``outcomes`` covers every certificate judged, recorded today or not (metrics and findings read
    it); ``recording`` says what a periodic run sent and why; ``stopped`` is the deadline that cut
    the delivery short, if one did. ``held``: what Config held before the run sent anything (a
    periodic run reads it all). ``trust_listing``: a periodic run's listing lifted every filter and
    was not doubted, so its silence may be taken as deletion; ``inventory_complete``: the outcomes
    cover every certificate (nothing was left for later runs to ask ACM about).
    """

    evaluations: list[dict[str, Any]]
    outcomes: list[Outcome]
    listing_gaps: tuple[str, ...] = ()
    recording: dict[str, Any] = field(default_factory=dict)
    foreign_results: dict[str, Any] | None = None
    stopped: DeadlineReached | None = None
    held: HeldResults | None = None
    trust_listing: bool = False
    inventory_complete: bool = True

    @property
    def recorded(self) -> frozenset[tuple[str, str]]:
        """(resource type, resource id) of every evaluation Config recorded."""
        return frozenset((e["ComplianceResourceType"], e["ComplianceResourceId"]) for e in self.evaluations)


def run_rule(rule: ACMExpiryRule, event: Mapping[str, Any], checked: CheckedEvent, edge: AwsEdge) -> RuleRun:
    """Evaluate, then deliver to Config; raise on any failure, never return one.

    A failure after something was judged carries what the run had concluded (``partial``), so the
    log line can say what Config did record.
    """
    parameters = rule.evaluate_parameters(checked.rule_parameters)
    if checked.message_type == SCHEDULED:
        return _periodic(rule, event, parameters, edge)
    item = checked.invoking_event["configurationItem"]
    scope = {**event, "eventLeftScope": checked.left_scope}  # absent means it did not leave
    if is_applicable_status(item, scope) and is_applicable_resource_type(item, [RESOURCE_TYPE]):
        result = rule.evaluate_change(event, edge, item, parameters)
    else:  # deleted, or the event left the rule's scope
        # Config's own word: the item says the resource was deleted (or it left the rule's scope).
        result = RuleEvaluations([RuleEvaluation(Removed(item["resourceId"], item["resourceType"], confirmed=True))])
    for evaluation in result:
        evaluation.import_fields_from_configuration_item(item)
    evaluations = [evaluation.get_json() for evaluation in result if evaluation.is_valid()]
    outcomes = [evaluation.outcome for evaluation in result]
    try:
        recorded = _send(evaluations, event, edge)
    except RuleError as error:
        error.partial = RuleRun(_delivered(error), outcomes, result.listing_gaps)
        raise
    return RuleRun(recorded, outcomes, result.listing_gaps)


def _periodic(rule: ACMExpiryRule, event: Mapping[str, Any], parameters: RuleParameters, edge: AwsEdge) -> RuleRun:
    judged = rule.evaluate_periodic(event, edge, parameters)
    assessments = [e.outcome for e in judged if isinstance(e.outcome, Assessment)]
    # Read before writing, and stop reading early enough to still send what was judged.
    with edge.deadline.keeping(SENDING_RESERVE_SECONDS):
        held = read_results(edge.client("config"), str(event["configRuleName"]))
    plan = plan_recording(assessments, held, now=rule.now(), listing_complete=not judged.listing_gaps)
    gaps = judged.listing_gaps + ((plan.doubt,) if plan.doubt else ())
    outcomes: list[Outcome] = list(assessments)
    recorded: list[dict[str, Any]] = []
    stopped = None

    def concluded(stopped: DeadlineReached | None, *, failed: bool = False) -> RuleRun:
        return RuleRun(
            recorded,
            outcomes,
            gaps,
            recording=_recording_for_log(plan, held, unfinished=failed or stopped is not None, recorded=len(recorded)),
            foreign_results=held.foreign_for_log() if held.foreign else None,
            stopped=stopped,
            held=held,
            trust_listing=not gaps and held.complete,
            inventory_complete=plan.left_for_later == 0 and stopped is None,
        )

    try:
        recorded += _send(_as_evaluations(plan.outcomes, event), event, edge)
        outcomes += [planned.outcome for planned in plan.sends if isinstance(planned.outcome, Removed)]
        if plan.ask_acm:  # what the listing's word could not clear: after the verdicts, bounded
            unlisted = rule.assess_unlisted(plan.ask_acm, edge, parameters, judged.exemptions)
            outcomes += unlisted
            recorded += _send(_as_evaluations(unlisted, event), event, edge, empty_too=False)
    except DeadlineReached as error:
        recorded += error.delivered
        if not recorded:
            error.partial = concluded(error, failed=True)
            raise
        stopped = error
    except RuleError as error:
        recorded += _delivered(error)
        error.partial = concluded(None, failed=True)
        raise
    return concluded(stopped)


def _delivered(error: RuleError) -> list[dict[str, Any]]:
    """What a failed delivery had got recorded before it failed."""
    return list(error.delivered) if isinstance(error, DeliveryError | DeadlineReached) else []


def _as_evaluations(outcomes: list[Outcome], event: Mapping[str, Any]) -> list[dict[str, Any]]:
    evaluations = []
    for outcome in outcomes:
        evaluation = RuleEvaluation(outcome, resource_id(outcome))
        evaluation.import_fields_from_periodic_event(event)
        if evaluation.is_valid():
            evaluations.append(evaluation.get_json())
    return evaluations


def _send(
    evaluations: list[dict[str, Any]], event: Mapping[str, Any], edge: AwsEdge, *, empty_too: bool = True
) -> list[dict[str, Any]]:
    sender = put_evaluations(edge.client("config"), str(event["resultToken"]))
    if evaluations:
        return deliver("evaluations", evaluations, sender, edge.wait, batch_size=PUT_EVALUATIONS_BATCH)
    if empty_too:  # as rdklib does: an empty report still tells Config the run is done
        sender.send([])
    return []


def _recording_for_log(plan: RecordingPlan, held: HeldResults, *, unfinished: bool, recorded: int) -> dict[str, Any]:
    line: dict[str, Any] = {"planned": dict(plan.counts), "unchanged": plan.unchanged, "resultsRead": len(held.results)}
    if not held.complete:
        line["resultsReadComplete"] = False
    if plan.ask_acm or plan.left_for_later:
        line["askedAcm"], line["leftForLater"] = len(plan.ask_acm), plan.left_for_later
    if plan.doubt:
        line["listingDoubted"] = True
    if unfinished:  # of those planned (each certificate asked about makes one), how many went unsent
        line["left"] = len(plan.sends) + len(plan.ask_acm) - recorded
    return line
