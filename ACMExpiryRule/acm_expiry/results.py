"""The rule's results as Config holds them: which certificates it judged before and not now."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from acm_expiry.aws import call

COMPLIANCE_DETAILS_PAGE = 100  # GetComplianceDetailsByConfigRule's maximum Limit


def results_not_seen(config: Any, rule_name: str, seen: set[str]) -> Iterator[tuple[str, str]]:
    """(resource id, resource type) of every COMPLIANT/NON_COMPLIANT result not in ``seen``.

    One pass over the pages, holding only ids: rdklib's own clean-up keeps every old result and
    checks each against a list, which grows with the square of the inventory.
    """
    request: dict[str, Any] = {
        "ConfigRuleName": rule_name,
        "ComplianceTypes": ["COMPLIANT", "NON_COMPLIANT"],
        "Limit": COMPLIANCE_DETAILS_PAGE,
    }
    while True:
        page = call(config, "get_compliance_details_by_config_rule", **request)
        for result in page.get("EvaluationResults", []):
            qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
            if qualifier["ResourceId"] not in seen:
                yield qualifier["ResourceId"], qualifier["ResourceType"]
        token = page.get("NextToken")
        if not token:
            return
        request["NextToken"] = token
