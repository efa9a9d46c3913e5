"""The rule's results as Config holds them, read once per periodic run before anything is sent.

``GetComplianceDetailsByConfigRule`` (100 a page) gives each result's resource, ``ComplianceType``,
``Annotation`` and ``ResultRecordedTime``: enough to send only what differs from what Config holds
(:mod:`acm_expiry.recording`) and to find the certificates judged before that are gone now.

A result the rule cannot have written (no resource id, an ACM result whose id is not a
certificate ARN, a compliance type Config does not use for evaluations) is *foreign*: it is
reported in the log line and left alone, never sent to ACM, never a reason to fail the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from acm_expiry import RESOURCE_TYPE
from acm_expiry.arns import describe_non_arn, is_certificate_arn, shown
from acm_expiry.edge import pages
from acm_expiry.errors import DeadlineReached
from acm_expiry.limits import COMPLIANCE_DETAILS_PAGE

# What a rule's evaluations can hold (PutEvaluations refuses INSUFFICIENT_DATA); all three are
# asked for, so a NOT_APPLICABLE result (exempt, never issued, deleted) is compared like the others.
EVALUATION_COMPLIANCE = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
FOREIGN_EXAMPLES = 5  # how many foreign results the log line names (it counts them all)


@dataclass(frozen=True, slots=True)
class HeldResult:
    """One result of this rule, as Config holds it."""

    resource_type: str
    resource_id: str
    compliance: str
    annotation: str  # "" when Config holds none
    recorded: datetime | None  # ResultRecordedTime


@dataclass(frozen=True, slots=True)
class ForeignResult:
    resource_type: str
    resource_id: str
    why: str

    def for_log(self) -> dict[str, str]:
        return {"resourceType": self.resource_type[:128], "resourceId": self.resource_id[:256], "why": self.why}


@dataclass
class HeldResults:
    """Every result read, by (resource type, resource id); ``complete`` unless the deadline cut the read short."""

    results: dict[tuple[str, str], HeldResult] = field(default_factory=dict)
    foreign: list[ForeignResult] = field(default_factory=list)
    complete: bool = True

    def get(self, resource_type: str, resource_id: str) -> HeldResult | None:
        return self.results.get((resource_type, resource_id))

    def foreign_for_log(self) -> dict[str, Any]:
        return {"count": len(self.foreign), "examples": [f.for_log() for f in self.foreign[:FOREIGN_EXAMPLES]]}


def read_results(config: Any, rule_name: str) -> HeldResults:
    """Every result Config holds for the rule, in one pass over the pages.

    A read the deadline stops part-way is returned with ``complete`` False (what was read still
    says what need not be sent again); any other failure raises, before anything is sent.
    """
    held = HeldResults()
    try:
        for page in pages(
            config,
            "get_compliance_details_by_config_rule",
            COMPLIANCE_DETAILS_PAGE,
            ConfigRuleName=rule_name,
            ComplianceTypes=list(EVALUATION_COMPLIANCE),
        ):
            for raw in page.get("EvaluationResults") or []:
                result = _read(raw)
                if isinstance(result, ForeignResult):
                    held.foreign.append(result)
                else:
                    held.results[(result.resource_type, result.resource_id)] = result
    except DeadlineReached:
        held.complete = False
    return held


def read_result(config: Any, rule_name: str, resource_type: str, resource_id: str) -> HeldResult | None:
    """The result Config holds for one resource under this rule, or None: GetComplianceDetailsByResource.

    Read before anything is sent for it (a change event's crossing is judged against it). The
    answer covers every rule evaluating the resource; only this rule's result counts.
    """
    held: HeldResult | None = None
    for page in pages(
        config,
        "get_compliance_details_by_resource",
        None,
        ResourceType=resource_type,
        ResourceId=resource_id,
        ComplianceTypes=list(EVALUATION_COMPLIANCE),
    ):
        for raw in page.get("EvaluationResults") or []:
            qualifier = _qualifier(raw)
            if qualifier.get("ConfigRuleName") != rule_name:
                continue
            result = _read(raw)
            if isinstance(result, HeldResult) and result.resource_id == resource_id:
                held = result
    return held


def _qualifier(raw: object) -> Mapping[str, Any]:
    identifier = raw.get("EvaluationResultIdentifier") if isinstance(raw, Mapping) else None
    qualifier = identifier.get("EvaluationResultQualifier") if isinstance(identifier, Mapping) else None
    return qualifier if isinstance(qualifier, Mapping) else {}


def _read(raw: object) -> HeldResult | ForeignResult:
    if not isinstance(raw, Mapping):
        return ForeignResult("", "", f"an evaluation result that is not an object ({type(raw).__name__})")
    qualifier = _qualifier(raw)
    resource_type, resource_id = qualifier.get("ResourceType"), qualifier.get("ResourceId")
    if not isinstance(resource_type, str) or not resource_type or not isinstance(resource_id, str) or not resource_id:
        return ForeignResult(str(resource_type or ""), str(resource_id or ""), "no resource type or id")
    if resource_type == RESOURCE_TYPE and not is_certificate_arn(resource_id):
        return ForeignResult(resource_type, resource_id, f"resource id {describe_non_arn(resource_id)}")
    compliance = raw.get("ComplianceType")
    if compliance not in EVALUATION_COMPLIANCE:
        return ForeignResult(
            resource_type,
            resource_id,
            f"ComplianceType {shown(compliance)} is not one of {', '.join(EVALUATION_COMPLIANCE)}",
        )
    annotation = raw.get("Annotation")
    recorded = raw.get("ResultRecordedTime")
    return HeldResult(
        resource_type=resource_type,
        resource_id=resource_id,
        compliance=str(compliance),
        annotation=annotation if isinstance(annotation, str) else "",
        recorded=recorded if isinstance(recorded, datetime) and recorded.tzinfo is not None else None,
    )
