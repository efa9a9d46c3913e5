"""Reading this rule's Security Hub findings: once per run, before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from acm_expiry.asff import Product
from acm_expiry.edge import pages
from acm_expiry.findings import ForeignFinding, KnownFinding, Skipped
from acm_expiry.limits import GET_FINDINGS_PAGE

MAX_FILTER_VALUES = 20  # GetFindings takes up to 20 values per filter attribute


@dataclass(frozen=True, slots=True)
class FindingsRead:
    """This rule's findings, by id, and the findings under its generator that it did not make."""

    known: dict[str, KnownFinding]
    foreign: tuple[Skipped, ...] = ()


def product_of(securityhub: Any, config_rule_arn: str) -> Product:
    """The product this run's findings are read and written under: the rule's account, the client's Region.

    Security Hub takes findings only under the product ARN of the Region it is called in.
    """
    return Product.of_rule(config_rule_arn, str(securityhub.meta.region_name))


def read_findings(securityhub: Any, rule_name: str, product: Product, ids: Sequence[str] | None = None) -> FindingsRead:
    """This rule's ACTIVE findings in the account's own product, by id; only ``ids`` when given.

    Security Hub is eventually consistent: what this invocation imports is not read back; a
    finding imported by an earlier invocation is. A finding under the rule's generator whose Id
    the rule did not make is kept apart (``foreign``), never planned for.
    """
    filters: dict[str, Any] = {
        "GeneratorId": [_equals(rule_name)],
        "ProductArn": [_equals(product.arn)],
        "RecordState": [_equals("ACTIVE")],
    }
    known: dict[str, KnownFinding] = {}
    foreign: list[Skipped] = []
    batches = [None] if ids is None else [ids[i : i + MAX_FILTER_VALUES] for i in range(0, len(ids), MAX_FILTER_VALUES)]
    for batch in batches:
        request = filters if batch is None else filters | {"Id": [_equals(i) for i in batch]}
        for page in pages(securityhub, "get_findings", GET_FINDINGS_PAGE, Filters=request):
            for finding in page.get("Findings", []):
                try:
                    read = KnownFinding.from_asff(finding, rule_name)
                except ForeignFinding as error:
                    foreign.append(Skipped(error.id, str(error)))
                    continue
                known[read.id] = read
    return FindingsRead(known, tuple(foreign))


def _equals(value: str) -> dict[str, str]:
    return {"Value": value, "Comparison": "EQUALS"}
