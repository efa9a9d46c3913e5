"""The rule's results as Config holds them: which certificates it judged before and not now."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from acm_expiry.edge import pages
from acm_expiry.limits import COMPLIANCE_DETAILS_PAGE


def results_not_seen(config: Any, rule_name: str, seen: set[str]) -> Iterator[tuple[str, str]]:
    """(resource id, resource type) of every COMPLIANT/NON_COMPLIANT result not in ``seen``.

    One pass over the pages, holding only ids: rdklib's own clean-up keeps every old result and
    checks each against a list, which grows with the square of the inventory.
    """
    for page in pages(
        config,
        "get_compliance_details_by_config_rule",
        COMPLIANCE_DETAILS_PAGE,
        ConfigRuleName=rule_name,
        ComplianceTypes=["COMPLIANT", "NON_COMPLIANT"],
    ):
        for result in page.get("EvaluationResults", []):
            qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
            if qualifier["ResourceId"] not in seen:
                yield qualifier["ResourceId"], qualifier["ResourceType"]
