"""The IAM action behind every API operation the rule and the CLI call, written once.

The code, its tests and the deployment templates all read these, so that a call the role does not
grant, or a grant the code never uses, is caught by a test rather than in production.
"""

from __future__ import annotations

# IAM action for each API operation the rule's code calls in a member account.
RULE_ACTIONS: dict[str, str] = {
    "acm.ListCertificates": "acm:ListCertificates",
    "acm.DescribeCertificate": "acm:DescribeCertificate",
    "config.PutEvaluations": "config:PutEvaluations",
    "config.GetComplianceDetailsByConfigRule": "config:GetComplianceDetailsByConfigRule",
    "config.GetResourceConfigHistory": "config:GetResourceConfigHistory",
    "securityhub.BatchImportFindings": "securityhub:BatchImportFindings",
    # BatchImportFindings cannot change a finding's workflow once created: resolving the finding
    # of a renewed certificate takes BatchUpdateFindings.
    "securityhub.BatchUpdateFindings": "securityhub:BatchUpdateFindings",
    # ... but only those still NEW or NOTIFIED: GetFindings tells which, so a SUPPRESSED one stays so.
    "securityhub.GetFindings": "securityhub:GetFindings",
    # Certificates carrying the exemptTagKey tag, in one paged query (Resource Groups Tagging API).
    "resourcegroupstaggingapi.GetResources": "tag:GetResources",
    "sts.AssumeRole": "sts:AssumeRole",
    # Pages: one EventBridge event per certificate per crossing, judged against the result Config
    # held (a periodic run reads them all above; a change event reads its certificate's).
    "events.PutEvents": "events:PutEvents",
    "config.GetComplianceDetailsByResource": "config:GetComplianceDetailsByResource",
}
# Granted only when the securityHubFindings parameter is "true".
FINDINGS_ACTIONS = frozenset(
    {"securityhub:BatchImportFindings", "securityhub:BatchUpdateFindings", "securityhub:GetFindings"}
)

# Granted only when the crossingEvents parameter is "true" (its default).
PAGES_ACTIONS = frozenset({"events:PutEvents", "config:GetComplianceDetailsByResource"})

# Granted only when the exemptTagKey parameter is set.
EXEMPTION_ACTIONS = frozenset({"tag:GetResources"})

# What `acm-expiry scan` calls (read-only), by option.
CLI_ACTIONS: dict[str, str] = {
    "acm.ListCertificates": "acm:ListCertificates",
    "acm.DescribeCertificate": "acm:DescribeCertificate",
    "resourcegroupstaggingapi.GetResources": "tag:GetResources",  # --exempt-tag
    "config.SelectAggregateResourceConfig": "config:SelectAggregateResourceConfig",  # --aggregator
    "ec2.DescribeRegions": "ec2:DescribeRegions",  # --all-regions
}

_ALL = RULE_ACTIONS | CLI_ACTIONS


def action_for_operation(operation: str) -> str:
    """The IAM action that allows API ``operation`` (operation names are unique across these services)."""
    for key, action in _ALL.items():
        if key.split(".", 1)[1] == operation:
            return action
    return f"the IAM action for {operation}"
