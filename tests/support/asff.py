"""ASFF as the Security Hub API reference documents it, to check every finding the suite builds.

Written from the documentation (AwsSecurityFinding, Resource, AwsCertificateManagerCertificateDetails,
Severity, Compliance, Workflow), independently of ``acm_expiry.findings``: a value the product
lets through by mistake is caught here. Many of these are documented limits that the SDK's model
does not enforce (its fields are plain strings), so neither botocore nor moto would catch them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

REQUIRED = ("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt", "Title",
            "Description", "Resources")  # fmt: skip
PARTITIONS = {"aws", "aws-cn", "aws-us-gov"}
SEVERITY_LABELS = {"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
COMPLIANCE_STATUSES = {"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"}
WORKFLOW_STATUSES = {"NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"}
RECORD_STATES = {"ACTIVE", "ARCHIVED"}
CERTIFICATE_DETAILS: dict[str, set[str]] = {
    "KeyAlgorithm": {"RSA_2048", "RSA_1024", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"},
    "Status": {"PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"},
    "Type": {"IMPORTED", "AMAZON_ISSUED", "PRIVATE"},
    "RenewalEligibility": {"ELIGIBLE", "INELIGIBLE"},
}
RENEWAL_STATUSES = {"PENDING_AUTO_RENEWAL", "PENDING_VALIDATION", "SUCCESS", "FAILED"}
RENEWAL_REASONS = {
    "NO_AVAILABLE_CONTACTS", "ADDITIONAL_VERIFICATION_REQUIRED", "DOMAIN_NOT_ALLOWED", "INVALID_PUBLIC_DOMAIN",
    "DOMAIN_VALIDATION_DENIED", "CAA_ERROR", "PCA_LIMIT_EXCEEDED", "PCA_INVALID_ARN", "PCA_INVALID_STATE",
    "PCA_REQUEST_FAILED", "PCA_NAME_CONSTRAINTS_VALIDATION", "PCA_RESOURCE_NOT_FOUND", "PCA_INVALID_ARGS",
    "PCA_INVALID_DURATION", "PCA_ACCESS_DENIED", "SLR_NOT_FOUND", "OTHER",
}  # fmt: skip
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def asff_violations(finding: dict[str, Any]) -> list[str]:
    """What in ``finding`` is outside ASFF's documented values and limits (empty when all is well)."""
    problems = [f"{key} missing" for key in REQUIRED if key not in finding]
    if finding.get("SchemaVersion") != "2018-10-08":
        problems.append(f"SchemaVersion {finding.get('SchemaVersion')!r}")
    account = str(finding.get("AwsAccountId", ""))
    if not re.fullmatch(r"\d{12}", account):
        problems.append(f"AwsAccountId {account!r} is not 12 digits")
    for key, limit in (("Id", 512), ("GeneratorId", 512), ("Title", 256), ("Description", 1024)):
        value = finding.get(key)
        if value is not None and not (isinstance(value, str) and 1 <= len(value) <= limit):
            problems.append(f"{key} is not a string of 1..{limit} characters")
    for key in ("CreatedAt", "UpdatedAt"):
        if key in finding and not TIMESTAMP.match(str(finding[key])):
            problems.append(f"{key} {finding[key]!r} is not an ASFF timestamp")
    if "CreatedAt" in finding and "UpdatedAt" in finding and _time(finding["UpdatedAt"]) < _time(finding["CreatedAt"]):
        problems.append("UpdatedAt is before CreatedAt")
    for path, allowed in (
        (("Severity", "Label"), SEVERITY_LABELS),
        (("FindingProviderFields", "Severity", "Label"), SEVERITY_LABELS),
        (("Compliance", "Status"), COMPLIANCE_STATUSES),
        (("Workflow", "Status"), WORKFLOW_STATUSES),
        (("RecordState",), RECORD_STATES),
    ):
        value = _get(finding, path)
        if value is not None and value not in allowed:
            problems.append(f"{'.'.join(path)} {value!r} is not one of {sorted(allowed)}")
    fields = finding.get("ProductFields") or {}
    if len(fields) > 50 or any(len(k) > 128 or len(str(v)) > 2048 for k, v in fields.items()):
        problems.append("ProductFields exceed 50 pairs of 128/2048 characters")
    resources = finding.get("Resources") or []
    if not 1 <= len(resources) <= 32:
        problems.append(f"{len(resources)} Resources, not 1..32")
    for resource in resources:
        problems += _resource_violations(resource)
    return problems


def _resource_violations(resource: dict[str, Any]) -> list[str]:
    problems = []
    if not resource.get("Type") or not resource.get("Id"):
        problems.append("a resource without Type or Id")
    if "Partition" in resource and resource["Partition"] not in PARTITIONS:
        problems.append(f"Resource.Partition {resource['Partition']!r} is not one of {sorted(PARTITIONS)}")
    if len(str(resource.get("Region", ""))) > 16:
        problems.append("Resource.Region longer than 16 characters")
    details = (resource.get("Details") or {}).get("AwsCertificateManagerCertificate") or {}
    for key, allowed in CERTIFICATE_DETAILS.items():
        if key in details and details[key] not in allowed:
            problems.append(f"Details.AwsCertificateManagerCertificate.{key} {details[key]!r} is not documented")
    renewal = details.get("RenewalSummary") or {}
    if "RenewalStatus" in renewal and renewal["RenewalStatus"] not in RENEWAL_STATUSES:
        problems.append(f"RenewalSummary.RenewalStatus {renewal['RenewalStatus']!r} is not documented")
    if "RenewalStatusReason" in renewal and renewal["RenewalStatusReason"] not in RENEWAL_REASONS:
        problems.append(f"RenewalSummary.RenewalStatusReason {renewal['RenewalStatusReason']!r} is not documented")
    for key, value in details.items():
        if isinstance(value, str) and not value:
            problems.append(f"Details.AwsCertificateManagerCertificate.{key} is empty (NonEmptyString)")
    return problems


def _get(finding: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = finding
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
