"""The Lambda entry point: rdklib does the Config plumbing, this makes its failures loud.

Config invokes the function asynchronously. An invocation that raises is retried by Lambda and
counted in its Errors metric; one that returns is taken as done. rdklib returns quietly after
errors and ignores ``FailedEvaluations``, so around it this module:

1. checks the event and parameters before anything is called;
2. gives every boto3 client, rdklib's included, retries with backoff and jitter;
3. turns rdklib's returned error into a raised one naming the operation and error code;
4. sends again the evaluations Config listed in ``FailedEvaluations`` and raises if any remain;
5. imports Security Hub findings when ``securityHubFindings`` is "true" and resolves those that passed;
6. writes one JSON log line per invocation.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rdklib import Evaluator

from acm_expiry import RESOURCE_TYPE
from acm_expiry.aws import CallRecord, configure_default_session, recording
from acm_expiry.delivery import Reporter, deliver
from acm_expiry.errors import RuleError
from acm_expiry.events import OVERSIZED, SCHEDULED, check_event, without_empty_rdklib_parameters
from acm_expiry.findings import findings_for_run
from acm_expiry.oversized import inflate
from acm_expiry.parameters import parse_parameters
from acm_expiry.permissions import FINDINGS_BATCH, PUT_EVALUATIONS_BATCH
from acm_expiry.rule import ACMExpiryRule, utc_now

RULE_NAME = "ACMExpiryRule"


@dataclass(frozen=True)
class Runtime:
    """What the handler takes from the world: the clock, waiting, and where log lines go."""

    now: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    log: Callable[[str], None] = field(default=print)


RUNTIME = Runtime()


def lambda_handler(event: Any, context: Any) -> list[dict[str, Any]]:
    return handle(event, context, RUNTIME)


def handle(event: Any, context: Any, runtime: Runtime) -> list[dict[str, Any]]:
    started = runtime.monotonic()
    line: dict[str, Any] = {"rule": RULE_NAME, "messageType": None, "outcome": "error"}
    evaluations: list[dict[str, Any]] = []
    with recording() as record:
        try:
            checked = check_event(event)
            line["messageType"] = checked.message_type
            line["configRuleName"] = checked.config_rule_name
            parameters = parse_parameters(checked.rule_parameters)  # fail before any call is made
            configure_default_session()
            rule = ACMExpiryRule(now=runtime.now)
            event = without_empty_rdklib_parameters(event, checked)
            reporter = Reporter(event, rule)
            if checked.message_type == OVERSIZED:
                event = inflate(event, checked.invoking_event, reporter.client("config"))
            result = Evaluator(rule, [RESOURCE_TYPE]).handle(event, context)
            if not isinstance(result, list):
                raise _swallowed_error(result, record)
            evaluations = result
            if checked.message_type != SCHEDULED and not rule.assessments:
                # rdklib answered NOT_APPLICABLE itself (deleted, or out of scope), or the rule found
                # the certificate gone from ACM: its finding, if any, is archived.
                rule.deleted = [
                    e["ComplianceResourceId"] for e in result if e["ComplianceResourceType"] == RESOURCE_TYPE
                ]
            failed = [(e, "") for e in record.take_failed_evaluations()]
            deliver("evaluations", failed, reporter.put_evaluations, runtime.sleep, batch_size=PUT_EVALUATIONS_BATCH)
            if parameters.security_hub_findings:
                line["findings"] = _publish_findings(rule, checked.config_rule_name, reporter, runtime)
            line["outcome"] = "ok"
            return evaluations
        except Exception as error:
            line["error"] = str(error) if isinstance(error, RuleError) else f"{type(error).__name__}: {error}"
            raise
        finally:
            if record.listing_gaps:
                line["listingGaps"] = record.listing_gaps
            line.update(
                certificatesSeen=record.certificates_seen,
                evaluations=dict(Counter(e.get("ComplianceType") for e in evaluations)),
                apiCalls=dict(sorted(record.calls.items())),
                retries=record.retries,
                durationMs=round((runtime.monotonic() - started) * 1000),
            )
            runtime.log(json.dumps(line, sort_keys=True))


def _publish_findings(rule: ACMExpiryRule, rule_name: str, reporter: Reporter, runtime: Runtime) -> int:
    """Import this run's findings, then resolve this rule's passing ones still open; how many imported."""
    findings = findings_for_run(rule.assessments, rule.deleted, rule_name=rule_name, now=runtime.now())
    deliver("findings", findings, reporter.import_findings, runtime.sleep, batch_size=FINDINGS_BATCH)
    if findings:
        still_open = reporter.findings_to_resolve(rule_name, {f["ProductArn"] for f in findings})
        deliver("finding updates", still_open, reporter.resolve_findings, runtime.sleep, batch_size=FINDINGS_BATCH)
    return len(findings)


def _swallowed_error(result: Any, record: CallRecord) -> RuleError:
    """rdklib returned an error dict instead of raising: raise what actually failed.

    rdklib's details are ``str(ClientError)``, which names the operation; the call record has the
    same failure with its code. Failures the rule handled itself (a certificate deleted between
    listing and describing, say) are in the record too, so match on the operation.
    """
    details = result.get("internalErrorDetails") if isinstance(result, dict) else result
    for failure in reversed(record.failures):
        if f"calling the {failure.operation} operation" in str(details):
            return failure
    message = result.get("internalErrorMessage") if isinstance(result, dict) else "unexpected result"
    return RuleError(f"rdklib reported an error: {message}: {details}")
