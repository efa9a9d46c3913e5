"""The rule's results as Config holds them: plain values (read by :mod:`acm_expiry.results`).

Pure: no boto3, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
