"""Facts about the AWS APIs the rule calls, written once.

The code, its tests and the deployment templates all read these, so that a call the role does not
grant, or a grant the code never uses, is caught by a test rather than in production.
"""

from __future__ import annotations

# Every key type ACM issues or imports. ListCertificates returns only RSA_1024 and RSA_2048
# unless all of them are named in Includes.keyTypes.
ACM_KEY_TYPES: tuple[str, ...] = (
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
)
# ListCertificates also leaves out ACME key pairs unless every origin is named, and Amazon N2
# certificates unless a listing asks for them (and then for them alone).
KEY_PAIR_ORIGINS: tuple[str, ...] = ("AWS_MANAGED", "ACME", "CUSTOMER_PROVIDED")
N2_ROOT_HIERARCHIES: tuple[str, ...] = ("N2_AMAZON_MANAGED", "N2_SFG2_AMAZON_MANAGED")
LIST_CERTIFICATES_PAGE_SIZE = 1000  # ACM's maximum MaxItems
PUT_EVALUATIONS_BATCH = 100  # Config's maximum Evaluations per PutEvaluations
FINDINGS_BATCH = 100  # Security Hub's maximum per BatchImportFindings and BatchUpdateFindings

# IAM action for each API operation the rule's code calls in a member account.
# botocore's service names differ from IAM prefixes only where noted.
ACTIONS_BY_OPERATION: dict[str, str] = {
    "acm.ListCertificates": "acm:ListCertificates",
    "acm.DescribeCertificate": "acm:DescribeCertificate",
    "config.PutEvaluations": "config:PutEvaluations",
    "config.GetComplianceDetailsByConfigRule": "config:GetComplianceDetailsByConfigRule",
    "config.GetResourceConfigHistory": "config:GetResourceConfigHistory",
    "securityhub.BatchImportFindings": "securityhub:BatchImportFindings",
    # BatchImportFindings cannot change a finding's workflow once created: resolving the finding
    # of a certificate that was renewed takes BatchUpdateFindings.
    "securityhub.BatchUpdateFindings": "securityhub:BatchUpdateFindings",
    # ... but only those still NEW or NOTIFIED: GetFindings tells which, so a SUPPRESSED one stays so.
    "securityhub.GetFindings": "securityhub:GetFindings",
    "sts.AssumeRole": "sts:AssumeRole",
}
# Granted only when the securityHubFindings parameter is "true".
FINDINGS_ACTIONS = frozenset(
    {"securityhub:BatchImportFindings", "securityhub:BatchUpdateFindings", "securityhub:GetFindings"}
)


def action_for_operation(operation: str) -> str:
    """The IAM action that allows API ``operation`` (operation names are unique across these services)."""
    for key, action in ACTIONS_BY_OPERATION.items():
        if key.split(".", 1)[1] == operation:
            return action
    return f"the IAM action for {operation}"
