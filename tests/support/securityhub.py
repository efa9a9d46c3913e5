"""Security Hub as AWS documents it, for the findings the rule imports (moto's is kinder).

- **Eventually consistent**: a BatchImportFindings answer is success, but the finding (or its
  update) becomes visible to GetFindings and BatchUpdateFindings only when :meth:`settle` runs:
  the ``aws`` fixture settles after each invocation, and a test can hold findings back longer.
  BatchUpdateFindings on a finding not yet visible answers ``FindingNotFound``.
- **Updates**: an import of an existing Id is ignored if its UpdatedAt is not later than the
  stored one; it never changes Workflow (that belongs to BatchUpdateFindings). The workflow
  goes from NOTIFIED or RESOLVED back to NEW when compliance leaves PASSED (for WARNING, FAILED
  or NOT_AVAILABLE) or the record returns from ARCHIVED to ACTIVE; SUPPRESSED stays.
  BatchUpdateFindings does not change UpdatedAt.
- **Limits**: 1..100 findings per import and identifiers per update; GetFindings ``MaxResults``
  1..100, paged with ``NextToken``; at most 10 filter attributes with up to 20 values each.
- **Regional, one product per Region and account**: a finding is identified by its Id and
  ProductArn, and lives in its product's Region. BatchImportFindings takes findings only under the
  product ARN of the Region it is called in and of the calling account, with ``AwsAccountId`` that
  account (API reference: "the identifier of the account that you are calling BatchImportFindings
  from needs to be the same as the AwsAccountId attribute"); anything else refuses the whole call
  with ``AccessDeniedException``, as the field reports (prowler-cloud/prowler#618,
  cloud-custodian/cloud-custodian#3975). GetFindings and BatchUpdateFindings see only the findings
  of the Region they are called in (cross-Region aggregation is not modelled).
- **Not enabled**: every call answers ``InvalidAccessException``.
- **ASFF**: every imported finding is checked against ASFF's documented values
  (:func:`tests.support.asff.asff_violations`); the ``aws`` fixture fails a test that imported
  any finding outside them.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, ClassVar

from tests.support.asff import asff_violations
from tests.support.doubles import AwsError, PassThrough, decode_token, encode_token

NOT_ENABLED = AwsError(
    "InvalidAccessException",
    "Account 123456789012 is not subscribed to AWS Security Hub",
    401,
)


class FakeSecurityHub:
    def __init__(self, account: str = "123456789012") -> None:
        self.account = account  # the caller's: moto's default account
        self.enabled = True
        self.findings: dict[tuple[str, str], dict[str, Any]] = {}  # (ProductArn, Id) -> what GetFindings sees
        self.pending: list[dict[str, Any]] = []  # imported, not yet visible
        self.violations: list[tuple[str, list[str]]] = []

    def __call__(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if not self.enabled:
            raise NOT_ENABLED
        region = params.get("_region", "us-east-1")
        if operation == "BatchImportFindings":
            return self.batch_import_findings(params.get("Findings", []), region)
        if operation == "BatchUpdateFindings":
            return self.batch_update_findings(params.get("FindingIdentifiers", []), params.get("Workflow"), region)
        if operation == "GetFindings":
            return self.get_findings(params, region)
        raise PassThrough()

    # --- the test's controls ------------------------------------------------------------------------

    def settle(self) -> None:
        """Apply every pending import, in order: what eventual consistency does given time."""
        pending, self.pending = self.pending, []
        for finding in pending:
            self._apply(finding)

    def clear(self) -> None:
        self.findings.clear()
        self.pending.clear()

    def seed(self, finding: dict[str, Any]) -> None:
        """Put a finding in place as if it had been imported and settled long ago (in its product's Region)."""
        workflow = {"Workflow": finding.get("Workflow", {"Status": "NEW"})}
        self.findings[_key(finding)] = copy.deepcopy(finding) | workflow

    def visible(self, region: str | None = None) -> list[dict[str, Any]]:
        """Every settled finding, or those of one Region."""
        return [f for f in self.findings.values() if region is None or _region_of(f["ProductArn"]) == region]

    # --- the API ------------------------------------------------------------------------------------

    def batch_import_findings(self, findings: list[dict[str, Any]], region: str = "us-east-1") -> dict[str, Any]:
        if not 1 <= len(findings) <= 100:
            raise AwsError("InvalidInputException", "Findings must hold 1 to 100 findings")
        own = f"product/{self.account}/default"
        for finding in findings:
            product = str(finding.get("ProductArn"))
            if not (_region_of(product) == region and product.endswith(f":{self.account}:{own}")):
                raise AwsError(
                    "AccessDeniedException",
                    f"User: arn:aws:sts::{self.account}:assumed-role/rule/fn is not authorized to perform: "
                    f"securityhub:BatchImportFindings on resource: {product}",
                )
            if finding.get("AwsAccountId") != self.account:
                raise AwsError(
                    "AccessDeniedException",
                    f"Account {self.account} may not import findings for account {finding.get('AwsAccountId')}",
                )
        for finding in findings:
            problems = asff_violations(finding)
            if problems:
                self.violations.append((str(finding.get("Id")), problems))
            self.pending.append(copy.deepcopy(finding))
        return {"FailedCount": 0, "SuccessCount": len(findings), "FailedFindings": []}

    def batch_update_findings(
        self, identifiers: list[dict[str, str]], workflow: dict[str, str] | None, region: str = "us-east-1"
    ) -> dict[str, Any]:
        if not 1 <= len(identifiers) <= 100:
            raise AwsError("InvalidInputException", "FindingIdentifiers must hold 1 to 100 identifiers")
        processed, unprocessed = [], []
        for identifier in identifiers:
            existing = self.findings.get(_key(identifier))
            if existing is None or _region_of(identifier["ProductArn"]) != region:
                unprocessed.append(
                    {
                        "FindingIdentifier": identifier,
                        "ErrorCode": "FindingNotFound",
                        "ErrorMessage": "Finding Not Found",
                    }
                )
                continue
            if workflow:
                existing["Workflow"] = dict(workflow)
            processed.append(identifier)
        return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}

    # GetFindings filter name -> where the value sits in a finding (EQUALS comparisons only).
    FILTER_PATHS: ClassVar[dict[str, tuple[str, ...]]] = {
        "Id": ("Id",),
        "GeneratorId": ("GeneratorId",),
        "ProductArn": ("ProductArn",),
        "AwsAccountId": ("AwsAccountId",),
        "ComplianceStatus": ("Compliance", "Status"),
        "WorkflowStatus": ("Workflow", "Status"),
        "RecordState": ("RecordState",),
        "SeverityLabel": ("Severity", "Label"),
    }

    def get_findings(self, params: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
        max_results = params.get("MaxResults", 100)
        if not 1 <= max_results <= 100:
            raise AwsError("InvalidInputException", "MaxResults must be between 1 and 100")
        filters = params.get("Filters") or {}
        if len(filters) > 10 or any(len(values) > 20 for values in filters.values()):
            raise AwsError("InvalidInputException", "Up to 10 filter attributes with up to 20 values each")
        unknown = set(filters) - set(self.FILTER_PATHS)
        if unknown:
            raise NotImplementedError(f"FakeSecurityHub does not filter on {sorted(unknown)}")

        def value(finding: dict[str, Any], path: tuple[str, ...]) -> Any:
            node: Any = finding
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            return node

        matching = [
            finding
            for finding in self.visible(region)
            if all(
                any(c["Comparison"] == "EQUALS" and value(finding, self.FILTER_PATHS[name]) == c["Value"] for c in cs)
                for name, cs in filters.items()
            )
        ]
        start = decode_token(params.get("NextToken"))
        answer: dict[str, Any] = {"Findings": copy.deepcopy(matching[start : start + max_results])}
        if start + max_results < len(matching):
            answer["NextToken"] = encode_token(start + max_results)
        return answer

    def _apply(self, finding: dict[str, Any]) -> None:
        existing = self.findings.get(_key(finding))
        if existing is None:
            self.findings[_key(finding)] = finding | {"Workflow": finding.get("Workflow") or {"Status": "NEW"}}
            return
        if _time(finding["UpdatedAt"]) <= _time(existing["UpdatedAt"]):
            return  # an update no later than what is stored is ignored
        workflow = dict(existing.get("Workflow") or {"Status": "NEW"})
        left_passed = (existing.get("Compliance") or {}).get("Status") == "PASSED" and (
            finding.get("Compliance") or {}
        ).get("Status") in ("WARNING", "FAILED", "NOT_AVAILABLE")
        unarchived = existing.get("RecordState") == "ARCHIVED" and finding.get("RecordState", "ACTIVE") == "ACTIVE"
        if (left_passed or unarchived) and workflow.get("Status") in ("NOTIFIED", "RESOLVED"):
            workflow = {"Status": "NEW"}
        self.findings[_key(finding)] = {k: v for k, v in finding.items() if k != "Workflow"} | {"Workflow": workflow}


def _key(finding: dict[str, Any]) -> tuple[str, str]:
    """A finding's identity in Security Hub: its product and its Id (BatchUpdateFindings' FindingIdentifier)."""
    return str(finding["ProductArn"]), str(finding["Id"])


def _region_of(product_arn: str) -> str:
    parts = product_arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
