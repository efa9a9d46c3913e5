"""Getting evaluations and findings recorded: batches of 100, failures sent again, then loud.

Config's ``PutEvaluations`` lists what it did not record in ``FailedEvaluations``; Security Hub's
``BatchImportFindings`` in ``FailedFindings`` and ``BatchUpdateFindings`` in
``UnprocessedFindings``. Each is sent again a few rounds with backoff, except failures the same
request would meet again (invalid input, access denied); whatever remains makes the invocation
raise, saying how many, which, and why.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from rdklib import ClientFactory

from acm_expiry.aws import aws_call_error, call
from acm_expiry.errors import DeliveryError

REDELIVERY_ROUNDS = 3
# The item AWS did not record, and its error code ("" where AWS gives none).
Failure = tuple[dict[str, Any], str]
Send = Callable[[list[dict[str, Any]]], list[Failure]]
# Failures the same request will meet again. (FindingNotFound is not among them: a finding just
# imported may not be visible to BatchUpdateFindings yet.)
_PERMANENT = ("Invalid", "AccessDenied")


class Reporter:
    """Clients with the credentials rdklib uses, and the calls that report results (built lazily)."""

    def __init__(self, event: dict[str, Any], rule: Any) -> None:
        self._token = str(event["resultToken"])
        self._factory = ClientFactory(
            role_arn=rule.get_execution_role_arn(event),
            region=rule.get_assume_role_region(event),
            assume_role_mode=rule.get_assume_role_mode(event),
        )
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            try:
                self._clients[service] = self._factory.build_client(service)
            except ClientError as error:  # rdklib's AssumeRole
                raise aws_call_error(error) from error
        return self._clients[service]

    def put_evaluations(self, batch: list[dict[str, Any]]) -> list[Failure]:
        answer = call(
            self.client("config"),
            "put_evaluations",
            Evaluations=batch,
            ResultToken=self._token,
            TestMode=self._token == "TESTMODE",
        )
        return [(evaluation, "") for evaluation in answer.get("FailedEvaluations") or []]

    def import_findings(self, batch: list[dict[str, Any]]) -> list[Failure]:
        answer = call(self.client("securityhub"), "batch_import_findings", Findings=batch)
        codes = {f.get("Id"): str(f.get("ErrorCode") or "") for f in answer.get("FailedFindings") or []}
        return [(finding, codes[finding["Id"]]) for finding in batch if finding["Id"] in codes]

    def findings_to_resolve(self, rule_name: str, product_arns: set[str]) -> list[dict[str, Any]]:
        """This rule's findings that pass but are still NEW or NOTIFIED (a renewed certificate's).

        BatchImportFindings keeps a finding's workflow once it exists; a SUPPRESSED or RESOLVED one
        is left as people set it.
        """
        filters = {
            "GeneratorId": [{"Value": rule_name, "Comparison": "EQUALS"}],
            "ProductArn": [{"Value": arn, "Comparison": "EQUALS"} for arn in sorted(product_arns)],
            "ComplianceStatus": [{"Value": "PASSED", "Comparison": "EQUALS"}],
            "WorkflowStatus": [{"Value": s, "Comparison": "EQUALS"} for s in ("NEW", "NOTIFIED")],
            "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        }
        request: dict[str, Any] = {"Filters": filters, "MaxResults": 100}
        found: list[dict[str, Any]] = []
        while True:
            page = call(self.client("securityhub"), "get_findings", **request)
            found.extend({"Id": f["Id"], "ProductArn": f["ProductArn"]} for f in page.get("Findings", []))
            if not page.get("NextToken"):
                return found
            request["NextToken"] = page["NextToken"]

    def resolve_findings(self, batch: list[dict[str, Any]]) -> list[Failure]:
        """Set Workflow RESOLVED on these findings: BatchImportFindings cannot, once they exist."""
        answer = call(
            self.client("securityhub"),
            "batch_update_findings",
            FindingIdentifiers=[{"Id": f["Id"], "ProductArn": f["ProductArn"]} for f in batch],
            Workflow={"Status": "RESOLVED"},
        )
        codes = {
            u.get("FindingIdentifier", {}).get("Id"): str(u.get("ErrorCode") or "")
            for u in answer.get("UnprocessedFindings") or []
        }
        return [(finding, codes[finding["Id"]]) for finding in batch if finding["Id"] in codes]


def deliver(
    what: str,
    pending: list[Failure] | list[dict[str, Any]],
    send: Send,
    sleep: Callable[[float], None],
    *,
    batch_size: int,
) -> None:
    """Send ``pending`` (items, or failures already met once) in batches; resend; raise if any remain."""
    failures: list[Failure] = [p if isinstance(p, tuple) else (p, "") for p in pending]
    retried = any(isinstance(p, tuple) for p in pending)  # they failed once already: wait first
    sent = 1 if retried else 0  # times the items now failing have been sent
    final: list[tuple[Failure, int]] = []
    for attempt in range(REDELIVERY_ROUNDS + (0 if retried else 1)):
        final.extend((f, sent) for f in failures if f[1].startswith(_PERMANENT))
        items = [item for item, code in failures if not code.startswith(_PERMANENT)]
        if not items:
            break
        if retried or attempt:
            sleep(random.uniform(0, 2 ** (attempt + 1)))
        failures = [f for start in range(0, len(items), batch_size) for f in send(items[start : start + batch_size])]
        sent += 1
    else:
        final.extend((f, sent) for f in failures)
    if final:
        raise DeliveryError(_failure_message(what, final))


def _failure_message(what: str, final: list[tuple[Failure, int]]) -> str:
    ids = [str(item.get("ComplianceResourceId") or item.get("Id")) for (item, _), _ in final]
    more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
    reasons = Counter(
        f"{code or 'listed as failed, no reason given'}, sent {times} time{'s' if times > 1 else ''}"
        for (_, code), times in final
    )
    why = "; ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    return f"{len(final)} {what} were not recorded ({why}): {', '.join(ids[:3])}{more}"
