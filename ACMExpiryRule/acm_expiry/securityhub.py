"""Reading this rule's Security Hub findings: once per run, before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from acm_expiry.edge import pages
from acm_expiry.findings import KnownFinding
from acm_expiry.limits import GET_FINDINGS_PAGE

MAX_FILTER_VALUES = 20  # GetFindings takes up to 20 values per filter attribute


def read_findings(
    securityhub: Any, rule_name: str, product_arn: str, ids: Sequence[str] | None = None
) -> dict[str, KnownFinding]:
    """This rule's ACTIVE findings in the account's own product, by id; only ``ids`` when given.

    Security Hub is eventually consistent: what this invocation imports is not read back; a
    finding imported by an earlier invocation is.
    """
    filters: dict[str, Any] = {
        "GeneratorId": [_equals(rule_name)],
        "ProductArn": [_equals(product_arn)],
        "RecordState": [_equals("ACTIVE")],
    }
    known: dict[str, KnownFinding] = {}
    batches = [None] if ids is None else [ids[i : i + MAX_FILTER_VALUES] for i in range(0, len(ids), MAX_FILTER_VALUES)]
    for batch in batches:
        request = filters if batch is None else filters | {"Id": [_equals(i) for i in batch]}
        for page in pages(securityhub, "get_findings", GET_FINDINGS_PAGE, Filters=request):
            for finding in page.get("Findings", []):
                known[str(finding["Id"])] = KnownFinding.from_asff(finding)
    return known


def _equals(value: str) -> dict[str, str]:
    return {"Value": value, "Comparison": "EQUALS"}
