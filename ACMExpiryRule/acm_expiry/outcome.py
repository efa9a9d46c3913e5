"""What the rule concluded about each resource of one run: plain values, for Config, findings and metrics."""

from __future__ import annotations

from dataclasses import dataclass

from acm_expiry.certificate import Certificate
from acm_expiry.verdict import Verdict


@dataclass(frozen=True, slots=True)
class Assessment:
    """A certificate judged: the facts it was judged from, and the verdict."""

    certificate: Certificate
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class Removed:
    """A resource this rule no longer evaluates: deleted from ACM, or out of the rule's scope (NOT_APPLICABLE).

    ``confirmed``: the deletion is ACM's or Config's own word (DescribeCertificate found no such
    certificate; Config sent a deleted configuration item), not only a listing's silence.
    """

    resource_id: str
    resource_type: str
    annotation: str = ""
    confirmed: bool = False


Outcome = Assessment | Removed
