"""Reading this rule's Security Hub findings."""

from __future__ import annotations

from typing import Any

from acm_expiry.edge import pages
from acm_expiry.limits import GET_FINDINGS_PAGE


def findings_to_resolve(securityhub: Any, rule_name: str, product_arns: set[str]) -> list[dict[str, Any]]:
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
    return [
        {"Id": f["Id"], "ProductArn": f["ProductArn"]}
        for page in pages(securityhub, "get_findings", GET_FINDINGS_PAGE, Filters=filters)
        for f in page.get("Findings", [])
    ]
