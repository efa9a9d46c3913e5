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
which ones to send again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rdklib.util.service import is_applicable_resource_type, is_applicable_status

from acm_expiry import RESOURCE_TYPE
from acm_expiry.delivery import deliver, put_evaluations
from acm_expiry.edge import AwsEdge
from acm_expiry.events import SCHEDULED, CheckedEvent
from acm_expiry.limits import PUT_EVALUATIONS_BATCH
from acm_expiry.outcome import Outcome, Removed
from acm_expiry.rule import ACMExpiryRule, RuleEvaluation, RuleEvaluations


@dataclass(frozen=True, slots=True)
class RuleRun:
    """One invocation's evaluations, as Config recorded them, and the outcomes behind them."""

    evaluations: list[dict[str, Any]]
    outcomes: list[Outcome]
    listing_gaps: tuple[str, ...] = ()


def run_rule(
    rule: ACMExpiryRule, event: Mapping[str, Any], checked: CheckedEvent, edge: AwsEdge, sleep: Callable[[float], None]
) -> RuleRun:
    """Evaluate, then deliver every evaluation to Config; raise on any failure, never return one."""
    parameters = rule.evaluate_parameters(checked.rule_parameters)
    if checked.message_type == SCHEDULED:
        result = rule.evaluate_periodic(event, edge, parameters)
        for evaluation in result:
            evaluation.import_fields_from_periodic_event(event)
    else:
        item = checked.invoking_event["configurationItem"]
        scope = {**event, "eventLeftScope": checked.left_scope}  # absent means it did not leave
        if is_applicable_status(item, scope) and is_applicable_resource_type(item, [RESOURCE_TYPE]):
            result = rule.evaluate_change(event, edge, item, parameters)
        else:  # deleted, or the event left the rule's scope
            result = RuleEvaluations([RuleEvaluation(Removed(item["resourceId"], item["resourceType"]))])
        for evaluation in result:
            evaluation.import_fields_from_configuration_item(item)
    evaluations = [evaluation.get_json() for evaluation in result if evaluation.is_valid()]
    sender = put_evaluations(edge.client("config"), str(event["resultToken"]))
    if evaluations:
        deliver("evaluations", evaluations, sender, sleep, batch_size=PUT_EVALUATIONS_BATCH)
    else:
        sender.send([])  # as rdklib does: an empty report still tells Config the run is done
    return RuleRun(evaluations, [evaluation.outcome for evaluation in result], result.listing_gaps)
