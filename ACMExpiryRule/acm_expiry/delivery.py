"""Getting evaluations and findings recorded: batches, failures sent again, then loud.

Config's ``PutEvaluations`` lists what it did not record in ``FailedEvaluations``; Security Hub's
``BatchImportFindings`` in ``FailedFindings`` and ``BatchUpdateFindings`` in
``UnprocessedFindings``. Each sender here reads that list from its own answer; :func:`deliver`
sends the failures again a few rounds with backoff, except those the same request would meet
again (invalid input, access denied), and raises for whatever remains, saying how many, which,
and why. When the invocation's deadline stops it, the :class:`DeadlineReached` it raises carries what
was recorded.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from acm_expiry.arns import clip
from acm_expiry.edge import call
from acm_expiry.errors import DeadlineReached, DeliveryError

REDELIVERY_ROUNDS = 3
# The item AWS did not record, and its error code ("" where AWS gives none).
Failure = tuple[dict[str, Any], str]


@dataclass(frozen=True, slots=True)
class Sender:
    """One write API: its name, and a call that sends a batch and returns the failures its answer lists."""

    operation: str
    send: Callable[[list[dict[str, Any]]], list[Failure]]


# Failures the same request will meet again (EventBridge's entry codes too: MalformedDetail,
# NotAuthorizedForSourceException for a source it keeps for AWS).
_PERMANENT = ("Invalid", "AccessDenied", "Malformed", "NotAuthorized")


def put_evaluations(config: Any, result_token: str) -> Sender:
    """PutEvaluations for this invocation's result token; its failures are its ``FailedEvaluations``."""

    def send(batch: list[dict[str, Any]]) -> list[Failure]:
        answer = call(
            config,
            "put_evaluations",
            Evaluations=batch,
            ResultToken=result_token,
            TestMode=result_token == "TESTMODE",
        )
        failed = {_evaluated(evaluation) for evaluation in answer.get("FailedEvaluations") or []}
        return [(evaluation, "") for evaluation in batch if _evaluated(evaluation) in failed]

    return Sender("PutEvaluations", send)


def _evaluated(evaluation: dict[str, Any]) -> tuple[object, object]:
    return evaluation.get("ComplianceResourceType"), evaluation.get("ComplianceResourceId")


def import_findings(securityhub: Any) -> Sender:
    """BatchImportFindings; its failures are its ``FailedFindings``, with their error codes."""

    def send(batch: list[dict[str, Any]]) -> list[Failure]:
        answer = call(securityhub, "batch_import_findings", Findings=batch)
        codes = {f.get("Id"): str(f.get("ErrorCode") or "") for f in answer.get("FailedFindings") or []}
        return [(finding, codes[finding["Id"]]) for finding in batch if finding["Id"] in codes]

    return Sender("BatchImportFindings", send)


def update_workflow(securityhub: Any, status: str) -> Sender:
    """BatchUpdateFindings setting ``Workflow.Status``; its failures are its ``UnprocessedFindings``."""

    def send(batch: list[dict[str, Any]]) -> list[Failure]:
        answer = call(
            securityhub,
            "batch_update_findings",
            FindingIdentifiers=[{"Id": f["Id"], "ProductArn": f["ProductArn"]} for f in batch],
            Workflow={"Status": status},
        )
        codes = {
            u.get("FindingIdentifier", {}).get("Id"): str(u.get("ErrorCode") or "")
            for u in answer.get("UnprocessedFindings") or []
        }
        return [(finding, codes[finding["Id"]]) for finding in batch if finding["Id"] in codes]

    return Sender("BatchUpdateFindings", send)


def put_events(events: Any) -> Sender:
    """PutEvents on the default bus; its failures are the entries its answer gives an ``ErrorCode``.

    EventBridge answers ``FailedEntryCount`` and one result per entry, in the order sent.
    """

    def send(batch: list[dict[str, Any]]) -> list[Failure]:
        answer = call(events, "put_events", Entries=batch)
        if not answer.get("FailedEntryCount"):
            return []
        results = answer.get("Entries") or []
        return [
            (entry, str(result.get("ErrorCode") or ""))
            for entry, result in zip(batch, results, strict=False)
            if isinstance(result, dict) and result.get("ErrorCode")
        ] + [(entry, "") for entry in batch[len(results) :]]  # no result at all: not put

    return Sender("PutEvents", send)


def deliver(
    what: str,
    items: Sequence[dict[str, Any]],
    sender: Sender,
    wait: Callable[[float, str], None],
    *,
    batch_size: int,
) -> list[dict[str, Any]]:
    """Send ``items`` in batches; send the failures again up to 3 rounds; raise if any remain.

    ``wait(seconds, before)``: the edge's wait between rounds (it refuses one the deadline does
    not leave time for). Returns what was recorded, in the order it was.
    """
    failures: list[Failure] = [(item, "") for item in items]
    final: list[tuple[Failure, int]] = []  # with the times each was sent
    recorded: list[dict[str, Any]] = []
    try:
        for sent in range(REDELIVERY_ROUNDS + 1):  # ``sent``: times the items now failing have been sent
            final.extend((f, sent) for f in failures if f[1].startswith(_PERMANENT))
            pending = [item for item, code in failures if not code.startswith(_PERMANENT)]
            if not pending:
                break
            if sent:
                wait(random.uniform(0, 2**sent), sender.operation)
            failures = []
            for i in range(0, len(pending), batch_size):
                batch = pending[i : i + batch_size]
                failed = sender.send(batch)
                refused = {id(item) for item, _ in failed}
                recorded.extend(item for item in batch if id(item) not in refused)
                failures.extend(failed)
        else:
            final.extend((f, REDELIVERY_ROUNDS + 1) for f in failures)
    except DeadlineReached as stopped:
        stopped.delivered = recorded
        raise
    if final:
        codes = tuple(sorted({code for (_, code), _ in final}))
        raise DeliveryError(
            _failure_message(what, final),
            operation=sender.operation,
            codes=codes,
            delivered=recorded,
            failed=len(final),
        )
    return recorded


def _first(values: object) -> object:
    return values[0] if isinstance(values, list) and values else None


def _failure_message(what: str, final: list[tuple[Failure, int]]) -> str:
    ids = [clip(str(item.get("ComplianceResourceId") or item.get("Id") or _first(item.get("Resources"))), 160)
           for (item, _), _ in final]  # fmt: skip
    more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
    reasons = Counter(
        f"{code or 'listed as failed, no reason given'}, sent {times} time{'s' if times > 1 else ''}"
        for (_, code), times in final
    )
    why = "; ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    return f"{len(final)} {what} were not recorded ({clip(why, 300)}): {', '.join(ids[:3])}{more}"
