"""The Lambda entry point: rdklib does the Config plumbing, this makes its failures loud.

Config invokes the function asynchronously. An invocation that raises is retried by Lambda and
counted in its Errors metric; one that returns is taken as done. rdklib returns quietly after
errors and ignores ``FailedEvaluations``, so around it this module:

1. checks the event and parameters before anything is called;
2. gives every boto3 client, rdklib's included, retries with backoff and jitter;
3. turns rdklib's returned error into a raised one naming the operation and error code;
4. sends again the evaluations Config listed in ``FailedEvaluations`` and raises if any remain;
5. imports Security Hub findings when ``securityHubFindings`` is "true", resending ``FailedFindings``;
6. writes one JSON log line per invocation.
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
from acm_expiry.findings import archived_finding, build_finding
from acm_expiry.parameters import parse_parameters
from acm_expiry.permissions import BATCH_IMPORT_FINDINGS_BATCH, PUT_EVALUATIONS_BATCH
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
            parameters = parse_parameters(checked.rule_parameters)  # fail before any call is made
            configure_default_session()
            rule = ACMExpiryRule(now=runtime.now)
            result = Evaluator(rule, [RESOURCE_TYPE]).handle(event, context)
            if not isinstance(result, list):
                raise _swallowed_error(result, record)
            evaluations = result
            clients = _Clients(event, rule)
            _deliver(
                "evaluations",
                record.take_failed_evaluations(),
                clients.put_evaluations,
                runtime,
                batch_size=PUT_EVALUATIONS_BATCH,
                resend=True,
            )
            if parameters.security_hub_findings:
                findings = _findings(rule, evaluations, runtime.now())
                _deliver(
                    "findings",
                    findings,
                    clients.import_findings,
                    runtime,
                    batch_size=BATCH_IMPORT_FINDINGS_BATCH,
                    resend=False,
                )
                line["findings"] = len(findings)
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


def _findings(rule: ACMExpiryRule, evaluations: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """One finding per judged certificate; archived ones for certificates deleted since the last run."""
    findings = [build_finding(a, rule_name=RULE_NAME, now=now) for a in rule.assessments]
    judged = {a.certificate.arn for a in rule.assessments}
    deleted = [
        e["ComplianceResourceId"]
        for e in evaluations
        if e.get("ComplianceType") == "NOT_APPLICABLE"
        and e.get("ComplianceResourceType") == RESOURCE_TYPE
        and e["ComplianceResourceId"] not in judged
        and str(e["ComplianceResourceId"]).startswith("arn:")
    ]
    archived = [archived_finding(arn, rule_name=RULE_NAME, now=now) for arn in deleted]
    return [f for f in findings if f is not None] + archived


def _swallowed_error(result: Any, record: CallRecord) -> RuleError:
    """rdklib returned an error dict instead of raising: raise what actually failed."""
    if record.failures:
        return record.failures[-1]
    details = result.get("internalErrorDetails") if isinstance(result, dict) else result
    message = result.get("internalErrorMessage") if isinstance(result, dict) else "unexpected result"
    return RuleError(f"rdklib reported an error: {message}: {details}")


class _Clients:
    """Clients for what the handler sends itself, with the credentials rdklib used (built lazily)."""

    def __init__(self, event: dict[str, Any], rule: ACMExpiryRule) -> None:
        self._event = event
        self._factory = ClientFactory(
            role_arn=rule.get_execution_role_arn(event),
            region=rule.get_assume_role_region(event),
            assume_role_mode=rule.get_assume_role_mode(event),
        )
        self._clients: dict[str, Any] = {}

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._factory.build_client(service)
        return self._clients[service]

    def put_evaluations(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        token = self._event["resultToken"]
        answer = call(
            self._client("config"),
            "put_evaluations",
            Evaluations=batch,
            ResultToken=token,
            TestMode=token == "TESTMODE",
        )
        return list(answer.get("FailedEvaluations") or [])

    def import_findings(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answer = call(self._client("securityhub"), "batch_import_findings", Findings=batch)
        failed_ids = {f.get("Id") for f in answer.get("FailedFindings") or []}
        return [finding for finding in batch if finding["Id"] in failed_ids]


def _deliver(
    what: str,
    pending: list[dict[str, Any]],
    send: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
    runtime: Runtime,
    *,
    batch_size: int,
    resend: bool,
) -> None:
    """Send in batches of 100, send again what AWS reports failed, and raise if any never arrive.

    ``resend`` means ``pending`` already failed once (rdklib sent it), so the first round waits.
    """
    rounds = REDELIVERY_ROUNDS if resend else REDELIVERY_ROUNDS + 1
    for attempt in range(rounds):
        if not pending:
            return
        if resend or attempt:
            runtime.sleep(random.uniform(0, 2 ** (attempt + 1)))
        pending = [
            failed
            for start in range(0, len(pending), batch_size)
            for failed in send(pending[start : start + batch_size])
        ]
    if pending:
        ids = [str(item.get("ComplianceResourceId") or item.get("Id")) for item in pending]
        more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
        raise DeliveryError(
            f"{len(pending)} {what} were not recorded after {REDELIVERY_ROUNDS + 1} attempts "
            f"(AWS listed them as failed): {', '.join(ids[:3])}{more}"
        )
