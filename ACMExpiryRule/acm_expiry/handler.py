"""The Lambda entry point: rdklib does the Config plumbing, this makes its failures loud.

Config invokes the function asynchronously. An invocation that raises is retried by Lambda and
counted in its Errors metric; one that returns is taken as done. rdklib returns quietly after
errors and ignores ``FailedEvaluations``, so around it this module:

1. checks the event and parameters before anything is called;
2. gives every boto3 client, rdklib's included, retries with backoff and jitter;
3. turns rdklib's returned error into a raised one naming the operation and error code;
4. sends again the evaluations Config listed in ``FailedEvaluations`` and raises if any remain;
5. writes one JSON log line per invocation.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rdklib import ClientFactory, Evaluator

from acm_expiry import RESOURCE_TYPE
from acm_expiry.aws import CallRecord, call, configure_default_session, recording
from acm_expiry.errors import DeliveryError, RuleError
from acm_expiry.events import check_event
from acm_expiry.parameters import parse_parameters
from acm_expiry.permissions import PUT_EVALUATIONS_BATCH
from acm_expiry.rule import ACMExpiryRule, utc_now

RULE_NAME = "ACMExpiryRule"
REDELIVERY_ROUNDS = 3


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
            parse_parameters(checked.rule_parameters)  # fail before any call is made
            configure_default_session()
            rule = ACMExpiryRule(now=runtime.now)
            result = Evaluator(rule, [RESOURCE_TYPE]).handle(event, context)
            if not isinstance(result, list):
                raise _swallowed_error(result, record)
            evaluations = result
            _redeliver(event, rule, record, runtime)
            line["outcome"] = "ok"
            return evaluations
        except RuleError as error:
            line["error"] = str(error)
            raise
        except Exception as error:
            line["error"] = f"{type(error).__name__}: {error}"
            raise
        finally:
            line.update(
                certificatesSeen=record.certificates_seen,
                evaluations=dict(Counter(e.get("ComplianceType") for e in evaluations)),
                apiCalls=dict(sorted(record.calls.items())),
                retries=record.retries,
                durationMs=round((runtime.monotonic() - started) * 1000),
            )
            runtime.log(json.dumps(line, sort_keys=True))


def _swallowed_error(result: Any, record: CallRecord) -> RuleError:
    """rdklib returned an error dict instead of raising: raise what actually failed."""
    if record.failures:
        return record.failures[-1]
    details = result.get("internalErrorDetails") if isinstance(result, dict) else result
    message = result.get("internalErrorMessage") if isinstance(result, dict) else "unexpected result"
    return RuleError(f"rdklib reported an error: {message}: {details}")


def _redeliver(event: dict[str, Any], rule: ACMExpiryRule, record: CallRecord, runtime: Runtime) -> None:
    """Send again what Config listed in FailedEvaluations, a few rounds with backoff; then raise."""
    if not record.failed_evaluations:
        return
    factory = ClientFactory(
        role_arn=rule.get_execution_role_arn(event),
        region=rule.get_assume_role_region(event),
        assume_role_mode=rule.get_assume_role_mode(event),
    )
    config = factory.build_client("config")
    token = event["resultToken"]
    for attempt in range(REDELIVERY_ROUNDS):
        pending = record.take_failed_evaluations()
        if not pending:
            return
        runtime.sleep(random.uniform(0, 2 ** (attempt + 1)))
        for start in range(0, len(pending), PUT_EVALUATIONS_BATCH):
            call(
                config,
                "put_evaluations",
                Evaluations=pending[start : start + PUT_EVALUATIONS_BATCH],
                ResultToken=token,
                TestMode=token == "TESTMODE",
            )
    if record.failed_evaluations:
        failed = record.failed_evaluations
        shown = ", ".join(str(e.get("ComplianceResourceId")) for e in failed[:3])
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        raise DeliveryError(
            f"PutEvaluations: Config did not record {len(failed)} evaluation(s) after "
            f"{REDELIVERY_ROUNDS + 1} attempts (listed in FailedEvaluations): {shown}{more}"
        )
