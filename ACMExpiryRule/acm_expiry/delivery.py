"""Getting evaluations and findings recorded: batches, failures sent again, then loud.

Config's ``PutEvaluations`` lists what it did not record in ``FailedEvaluations``; Security Hub's
``BatchImportFindings`` in ``FailedFindings`` and ``BatchUpdateFindings`` in
``UnprocessedFindings``. Each sender here reads that list from its own answer; :func:`deliver`
sends the failures again a few rounds with backoff, except those the same request would meet
again (invalid input, access denied), and raises for whatever remains, saying how many, which,
and why.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from acm_expiry.edge import call
from acm_expiry.errors import DeliveryError

REDELIVERY_ROUNDS = 3
# The item AWS did not record, and its error code ("" where AWS gives none).
Failure = tuple[dict[str, Any], str]


@dataclass(frozen=True, slots=True)
class Sender:
    """One write API: its name, and a call that sends a batch and returns the failures its answer lists."""

    operation: str
    send: Callable[[list[dict[str, Any]]], list[Failure]]


# Failures the same request will meet again.
_PERMANENT = ("Invalid", "AccessDenied")


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
        return [(evaluation, "") for evaluation in answer.get("FailedEvaluations") or []]

    return Sender("PutEvaluations", send)


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


def deliver(
    what: str,
    items: Sequence[dict[str, Any]],
    sender: Sender,
    sleep: Callable[[float], None],
    *,
    batch_size: int,
) -> None:
    """Send ``items`` in batches; send the failures again up to 3 rounds; raise if any remain."""
    failures: list[Failure] = [(item, "") for item in items]
    final: list[tuple[Failure, int]] = []  # with the times each was sent
    for sent in range(REDELIVERY_ROUNDS + 1):  # ``sent``: times the items now failing have been sent
        final.extend((f, sent) for f in failures if f[1].startswith(_PERMANENT))
        pending = [item for item, code in failures if not code.startswith(_PERMANENT)]
        if not pending:
            break
        if sent:
            sleep(random.uniform(0, 2**sent))
        failures = [f for i in range(0, len(pending), batch_size) for f in sender.send(pending[i : i + batch_size])]
    else:
        final.extend((f, REDELIVERY_ROUNDS + 1) for f in failures)
    if final:
        codes = tuple(sorted({code for (_, code), _ in final}))
        raise DeliveryError(_failure_message(what, final), operation=sender.operation, codes=codes)


def _failure_message(what: str, final: list[tuple[Failure, int]]) -> str:
    ids = [str(item.get("ComplianceResourceId") or item.get("Id")) for (item, _), _ in final]
    more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
    reasons = Counter(
        f"{code or 'listed as failed, no reason given'}, sent {times} time{'s' if times > 1 else ''}"
        for (_, code), times in final
    )
    why = "; ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    return f"{len(final)} {what} were not recorded ({why}): {', '.join(ids[:3])}{more}"
