"""The Lambda entry point: one invocation, one edge to AWS, failures loud, one log line.

Config invokes the function asynchronously. An invocation that raises is retried by Lambda and
counted in its Errors metric; one that returns is taken as done. So, per invocation:

1. the event and parameters are checked before anything is called;
2. one :class:`~acm_expiry.edge.AwsEdge` is made from a new session: credentials, retries, pace,
   call counts and the deadline (``context.get_remaining_time_in_millis()``) for this invocation
   alone; a :class:`~acm_expiry.edge.Watchdog` ends whatever is still under way shortly before
   Lambda's timeout (a server dripping its answer outlasts any read timeout), so the line is written;
3. a change event with pages on reads the result Config holds for its certificate (before anything
   is written: its crossing is judged against it);
4. the rdklib rule runs through :mod:`acm_expiry.adapter`, which raises every failure and sends
   again the evaluations Config lists in ``FailedEvaluations``. A periodic run records only what
   changed (:mod:`acm_expiry.recording`), NON_COMPLIANT first; one the deadline stops after some
   evaluations were recorded returns ("outcome": "partial"), the rest going out the next day;
5. Config has the evaluations by then, so what follows never fails the invocation (Lambda would run
   the whole evaluation again): the log line names the failed operation and error code, and a
   metric counts it.

   - Security Hub findings, when ``securityHubFindings`` is "true": read first, then written where
     something changed (``FindingsFailures``);
   - pages, when ``crossingEvents`` is "true" (the default): one EventBridge event per certificate
     that crossed a threshold, among the evaluations Config recorded (:mod:`acm_expiry.crossings`;
     ``EventsFailures``);
6. one JSON log line is written (bounded: :mod:`acm_expiry.logline`), carrying the run's CloudWatch
   metrics (Embedded Metric Format), worked out by :mod:`acm_expiry.metrics` from what the
   invocation concluded, and what Config recorded even when a failure stopped it part-way.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import botocore

from acm_expiry import RESOURCE_TYPE
from acm_expiry.acm import describe_certificate
from acm_expiry.adapter import RuleRun, run_rule
from acm_expiry.crossings import PUT_EVENTS_BATCH, Bands, pages_for
from acm_expiry.crossings import Context as PageContext
from acm_expiry.crossings import entries as page_entries
from acm_expiry.delivery import deliver, import_findings, put_events, update_workflow
from acm_expiry.edge import AwsEdge, Clock, Deadline, Watchdog, new_session
from acm_expiry.errors import AwsCallError, DeadlineReached, DeliveryError, RuleError
from acm_expiry.events import (
    DELETED_STATUSES,
    OVERSIZED,
    SCHEDULED,
    SERVED_RULE_VARIABLE,
    CheckedEvent,
    check_event,
    check_served_rule,
    message_type_of,
    without_empty_rdklib_parameters,
)
from acm_expiry.findings import SHOWN_SKIPPED, open_orphans, plan_findings, scope_ids
from acm_expiry.held import HeldResult
from acm_expiry.limits import DEADLINE_RESERVE_SECONDS, FINDINGS_BATCH, WATCHDOG_RESERVE_SECONDS
from acm_expiry.logline import render
from acm_expiry.metrics import Invocation, embedded, invocation_metrics
from acm_expiry.outcome import Assessment
from acm_expiry.oversized import inflate
from acm_expiry.results import read_result
from acm_expiry.rule import ACMExpiryRule, utc_now
from acm_expiry.securityhub import product_of, read_findings

ORPHANS_ASKED = 20  # failing findings of unjudged certificates a run asks ACM about (the rest, later runs)

RULE_NAME = "ACMExpiryRule"


@dataclass(frozen=True)
class Runtime:
    """What the handler takes from the world: the clock, waiting, log lines, a new session, the rule it serves."""

    now: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    log: Callable[[str], None] = field(default=print)
    # A session per invocation: nothing configured on it outlives the invocation.
    new_session: Callable[[], boto3.Session] = new_session
    # The one Config rule this function serves, from its environment, read at each invocation.
    served_rule: Callable[[], str | None] = field(default=lambda: os.environ.get(SERVED_RULE_VARIABLE) or None)
    # How long before Lambda's timeout no call may start, and the watchdog ends a call under way.
    deadline_reserve: float = DEADLINE_RESERVE_SECONDS
    watchdog_reserve: float = WATCHDOG_RESERVE_SECONDS


RUNTIME = Runtime()
# The SDK the function runs on (the Lambda layer's, built by `make layer`, or else the runtime's own).
SDK = {"boto3": boto3.__version__, "botocore": botocore.__version__}
PRINTED_LIMIT = 1_000  # what the log line keeps of anything else printed meanwhile (rdklib's own lines)


def lambda_handler(event: Any, context: Any) -> list[dict[str, Any]]:
    return handle(event, context, RUNTIME)


def handle(event: Any, context: Any, runtime: Runtime) -> list[dict[str, Any]]:
    clock = Clock(runtime.monotonic, runtime.sleep)
    started = clock.monotonic()
    deadline = Deadline.from_context(context, clock, reserve=runtime.deadline_reserve)
    watchdog = Watchdog(deadline, runtime.watchdog_reserve)
    line: dict[str, Any] = {"rule": RULE_NAME, "messageType": message_type_of(event), "outcome": "error", "sdk": SDK}
    edge: AwsEdge | None = None
    run: RuleRun | None = None
    served = False  # the event is of the Config rule this function serves: its name may name the metrics
    findings_failures = events_failures = 0
    printed = io.StringIO()
    try:
        # The watchdog ends whatever is under way in time for the log line; rdklib's own prints are
        # kept for the line instead of reaching stdout beside it.
        with watchdog.arm(), contextlib.redirect_stdout(printed):
            checked = check_event(event)  # and the parameters: fail before any call is made
            line["messageType"] = checked.message_type
            line["configRuleName"] = checked.config_rule_name
            check_served_rule(checked, runtime.served_rule())
            served = True
            event = without_empty_rdklib_parameters(event, checked)
            rule = ACMExpiryRule(now=runtime.now)
            edge = AwsEdge.for_rule_event(event, rule, runtime.new_session(), clock=clock, deadline=deadline)
            if checked.message_type == OVERSIZED:
                event, checked = inflate(event, checked, edge.client("config"))
            pages_on = checked.parameters.crossing_events
            before: HeldBefore | None = None
            if pages_on and checked.message_type != SCHEDULED:
                before = held_before_change(checked, edge)  # read before anything is written
            run = run_rule(rule, event, checked, edge)
            # Config has recorded the evaluations: from here on, nothing makes Lambda run them again.
            if checked.parameters.security_hub_findings:
                try:
                    line["findings"] = publish_findings(run, checked, edge, runtime)
                except Exception as error:
                    findings_failures = 1
                    line["findingsError"] = _failure(error, "findings")
            if pages_on:
                try:
                    line["pages"] = publish_pages(run, checked, edge, runtime, before)
                except Exception as error:
                    events_failures = error.failed if isinstance(error, DeliveryError) and error.failed else 1
                    line["pagesError"] = _failure(error, "pages")
            line["outcome"] = "ok" if run.stopped is None else "partial"
        return run.evaluations
    except Exception as error:
        partial = error.partial if isinstance(error, RuleError) else None
        run = run if run is not None else partial if isinstance(partial, RuleRun) else None
        line["error"] = str(error) if isinstance(error, RuleError) else f"{type(error).__name__}: {error}"
        raise
    finally:
        evaluations = run.evaluations if run is not None else []
        if run is not None and run.listing_gaps:
            line["listingGaps"] = list(run.listing_gaps)
        if run is not None and run.recording:
            line["recording"] = run.recording
        if run is not None and run.foreign_results:
            line["foreignResults"] = run.foreign_results
        if deadline.at is not None:
            line["deadline"] = _deadline_for_log(deadline, watchdog)
        if printed.getvalue():
            line["printed"] = printed.getvalue()[:PRINTED_LIMIT]
        outcomes = run.outcomes if run is not None else []
        line.update(
            certificatesSeen=sum(1 for o in outcomes if isinstance(o, Assessment)),
            evaluations=dict(Counter(e.get("ComplianceType") for e in evaluations)),
            apiCalls=edge.counts.calls if edge is not None else {},
            retries=edge.counts.retries if edge is not None else 0,
            throttles=edge.counts.throttles if edge is not None else 0,
            waitedMs={
                "backoff": round(edge.counts.backoff_seconds * 1000) if edge is not None else 0,
                "pacing": round(edge.counts.pacing_seconds * 1000) if edge is not None else 0,
            },
            durationMs=round((clock.monotonic() - started) * 1000),
        )
        concluded = Invocation(
            message_type=line["messageType"],
            completed=line["outcome"] == "ok",  # returned with every evaluation it decided delivered ("partial": not)
            failed=line["outcome"] == "error",
            outcomes=outcomes,
            listing_gaps=run.listing_gaps if run is not None else (),
            findings_failures=findings_failures,
            events_failures=events_failures,
            inventory_complete=run.inventory_complete if run is not None else False,
        )
        rule_name = line.get("configRuleName") if served else None
        line.update(embedded(invocation_metrics(concluded), rule_name, runtime.now()))
        runtime.log(render(line))


@dataclass(frozen=True, slots=True)
class HeldBefore:
    """What Config held for a change event's resource before the run wrote anything (for its pages)."""

    result: HeldResult | None
    error: Exception | None = None


def held_before_change(checked: CheckedEvent, edge: AwsEdge) -> HeldBefore:
    """The result Config holds for the change event's certificate under this rule; a failed read does
    not stop the evaluation (its pages are then not sent, and the log line says why)."""
    item = checked.invoking_event["configurationItem"]
    gone = item.get("configurationItemStatus") in DELETED_STATUSES or checked.left_scope
    if item.get("resourceType") != RESOURCE_TYPE or gone:  # nothing judged, nothing to page
        return HeldBefore(None)
    try:
        return HeldBefore(
            read_result(edge.client("config"), str(checked.config_rule_name), RESOURCE_TYPE, str(item["resourceId"]))
        )
    except Exception as error:  # pages are the only thing that needs it: the evaluation goes on
        return HeldBefore(None, error)


def publish_pages(
    run: RuleRun, checked: CheckedEvent, edge: AwsEdge, runtime: Runtime, before: HeldBefore | None
) -> dict[str, Any]:
    """One EventBridge event per certificate that crossed a threshold, among the evaluations Config recorded."""
    if before is not None and before.error is not None:
        raise before.error
    parameters = checked.parameters
    bands = Bands.of(parameters.days_to_expiration, parameters.alert_threshold_days)
    recorded = run.recorded
    assessments = [
        o for o in run.outcomes if isinstance(o, Assessment) and (RESOURCE_TYPE, o.certificate.arn) in recorded
    ]

    def held(arn: str) -> HeldResult | None:
        if before is not None:
            return before.result
        return run.held.get(RESOURCE_TYPE, arn) if run.held is not None else None

    unread = 0
    if run.held is not None and not run.held.complete:
        # The deadline cut the read of Config's results short: a certificate whose result went unread
        # may have been paged already. Paging only those read keeps "once" (a day like that is rare; a
        # page for every NON_COMPLIANT certificate at once would not be).
        read = [a for a in assessments if run.held.get(RESOURCE_TYPE, a.certificate.arn) is not None]
        unread, assessments = len(assessments) - len(read), read
    pages = pages_for(assessments, held, bands)
    entries = page_entries(pages, PageContext(str(checked.config_rule_name), runtime.now()))
    if entries:
        deliver("pages", entries, put_events(edge.client("events")), edge.wait, batch_size=PUT_EVENTS_BATCH)
    counts = {"sent": len(entries)} | dict(sorted(Counter(str(p.crossing) for p in pages).items()))
    return counts | ({"skippedUnread": unread} if unread else {})


def publish_findings(run: RuleRun, checked: CheckedEvent, edge: AwsEdge, runtime: Runtime) -> dict[str, Any]:
    """Read this rule's findings once, then write only what changed; what was written, by kind, and
    the records left alone (foreign findings, certificates no finding can be built for), by id and why."""
    rule_name, rule_arn = str(checked.config_rule_name), str(checked.config_rule_arn)
    securityhub = edge.client("securityhub")
    product = product_of(securityhub, rule_arn)  # read and written under the same product
    scope = None if checked.message_type == SCHEDULED else scope_ids(rule_name, run.outcomes)
    read = read_findings(securityhub, rule_name, product, scope)
    # A periodic run whose listing lifted every filter, and was not doubted, saw every certificate: a
    # passing finding it did not judge belongs to a certificate that is gone. A failing one is gone
    # only on ACM's word: asked here, a bounded number a run.
    trust_listing = checked.message_type == SCHEDULED and run.trust_listing
    confirmed_gone: set[str] = set()
    if checked.message_type == SCHEDULED:
        acm = edge.client("acm")
        for orphan in open_orphans(run.outcomes, read.known, rule_name, product)[:ORPHANS_ASKED]:
            if describe_certificate(acm, orphan.certificate_arn) is None:
                confirmed_gone.add(orphan.certificate_arn)
    window = checked.parameters.days_to_expiration
    plan = plan_findings(
        run.outcomes,
        read.known,
        rule_name=rule_name,
        product=product,
        window=window,
        now=runtime.now(),
        trust_listing=trust_listing,
        confirmed_gone=confirmed_gone,
    )
    deliver("findings", plan.imports, import_findings(securityhub), edge.wait, batch_size=FINDINGS_BATCH)
    deliver(
        "finding updates", plan.resolve, update_workflow(securityhub, "RESOLVED"), edge.wait, batch_size=FINDINGS_BATCH
    )
    left_alone = read.foreign + plan.skipped
    return (
        {"read": len(read.known) + len(read.foreign), **plan.counts}
        | ({"foreign": len(read.foreign)} if read.foreign else {})
        | ({"skippedRecords": [s.shown() for s in left_alone[:SHOWN_SKIPPED]]} if left_alone else {})
    )


def _failure(error: Exception, step: str) -> dict[str, str]:
    """What the log line says of a failed step after the evaluations (findings, pages): operation and error code."""
    if isinstance(error, AwsCallError):
        return {"operation": error.operation, "code": error.code, "message": str(error)}
    if isinstance(error, DeliveryError):
        return {"operation": error.operation, "code": ",".join(c or "FailedWithoutCode" for c in error.codes),
                "message": str(error)}  # fmt: skip
    if isinstance(error, DeadlineReached):
        return {"operation": error.operation, "code": "DeadlineReached", "message": str(error)}
    return {"operation": step, "code": type(error).__name__, "message": str(error)}


def _deadline_for_log(deadline: Deadline, watchdog: Watchdog) -> dict[str, Any]:
    """How much time the invocation had, and whether (and before what) the deadline stopped it."""
    line: dict[str, Any] = {"budgetMs": round((deadline.budget or 0) * 1000), "reached": deadline.reached is not None}
    if not watchdog.armed:
        line["watchdog"] = "unarmed (not the main thread)"
    elif watchdog.fired:
        line["watchdog"] = "fired"
    if deadline.reached is not None:
        line["stoppedBefore"] = deadline.reached.operation
        line["remainingMs"] = round(deadline.reached.remaining * 1000)
    return line
