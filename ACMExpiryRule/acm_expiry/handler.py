"""The Lambda entry point: one invocation, one edge to AWS, failures loud, one log line.

Config invokes the function asynchronously. An invocation that raises is retried by Lambda and
counted in its Errors metric; one that returns is taken as done. So, per invocation:

1. the event and parameters are checked before anything is called;
2. one :class:`~acm_expiry.edge.AwsEdge` is made from a new session: credentials, retries and call
   counts for this invocation alone;
3. the rdklib rule runs through :mod:`acm_expiry.adapter`, which raises every failure and sends
   again the evaluations Config lists in ``FailedEvaluations``;
4. Security Hub findings are published when ``securityHubFindings`` is "true";
5. one JSON log line is written.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3

from acm_expiry import RESOURCE_TYPE
from acm_expiry.adapter import RuleRun, run_rule
from acm_expiry.delivery import deliver, import_findings, update_workflow
from acm_expiry.edge import AwsEdge, new_session
from acm_expiry.errors import RuleError
from acm_expiry.events import OVERSIZED, check_event, without_empty_rdklib_parameters
from acm_expiry.findings import findings_for_run
from acm_expiry.limits import FINDINGS_BATCH
from acm_expiry.outcome import Assessment, Removed
from acm_expiry.oversized import inflate
from acm_expiry.rule import ACMExpiryRule, utc_now
from acm_expiry.securityhub import findings_to_resolve

RULE_NAME = "ACMExpiryRule"


@dataclass(frozen=True)
class Runtime:
    """What the handler takes from the world: the clock, waiting, log lines, and a new AWS session."""

    now: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    log: Callable[[str], None] = field(default=print)
    # A session per invocation: nothing configured on it outlives the invocation.
    new_session: Callable[[], boto3.Session] = new_session


RUNTIME = Runtime()


def lambda_handler(event: Any, context: Any) -> list[dict[str, Any]]:
    return handle(event, context, RUNTIME)


def handle(event: Any, context: Any, runtime: Runtime) -> list[dict[str, Any]]:
    started = runtime.monotonic()
    line: dict[str, Any] = {"rule": RULE_NAME, "messageType": None, "outcome": "error"}
    edge: AwsEdge | None = None
    run: RuleRun | None = None
    try:
        checked = check_event(event)  # and the parameters: fail before any call is made
        line["messageType"] = checked.message_type
        line["configRuleName"] = checked.config_rule_name
        parameters = checked.parameters
        event = without_empty_rdklib_parameters(event, checked)
        rule = ACMExpiryRule(now=runtime.now)
        edge = AwsEdge.for_rule_event(event, rule, runtime.new_session())
        if checked.message_type == OVERSIZED:
            event, checked = inflate(event, checked, edge.client("config"))
        run = run_rule(rule, event, checked, edge, runtime.sleep)
        if parameters.security_hub_findings:
            line["findings"] = _publish_findings(run, str(checked.config_rule_name), edge, runtime)
        line["outcome"] = "ok"
        return run.evaluations
    except Exception as error:
        line["error"] = str(error) if isinstance(error, RuleError) else f"{type(error).__name__}: {error}"
        raise
    finally:
        evaluations = run.evaluations if run is not None else []
        if run is not None and run.listing_gaps:
            line["listingGaps"] = list(run.listing_gaps)
        line.update(
            certificatesSeen=sum(1 for o in run.outcomes if isinstance(o, Assessment)) if run is not None else 0,
            evaluations=dict(Counter(e.get("ComplianceType") for e in evaluations)),
            apiCalls=edge.counts.calls if edge is not None else {},
            retries=edge.counts.retries if edge is not None else 0,
            durationMs=round((runtime.monotonic() - started) * 1000),
        )
        runtime.log(json.dumps(line, sort_keys=True))


def _publish_findings(run: RuleRun, rule_name: str, edge: AwsEdge, runtime: Runtime) -> int:
    """Import this run's findings, then resolve this rule's passing ones still open; how many imported."""
    assessments = [o for o in run.outcomes if isinstance(o, Assessment)]
    deleted = [o.resource_id for o in run.outcomes if isinstance(o, Removed) and o.resource_type == RESOURCE_TYPE]
    findings = findings_for_run(assessments, deleted, rule_name=rule_name, now=runtime.now())
    securityhub = edge.client("securityhub")
    deliver("findings", findings, import_findings(securityhub), runtime.sleep, batch_size=FINDINGS_BATCH)
    if findings:
        still_open = findings_to_resolve(securityhub, rule_name, {f["ProductArn"] for f in findings})
        deliver(
            "finding updates",
            still_open,
            update_workflow(securityhub, "RESOLVED"),
            runtime.sleep,
            batch_size=FINDINGS_BATCH,
        )
    return len(findings)
