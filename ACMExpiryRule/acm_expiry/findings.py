"""What one run writes to Security Hub: read once, then write only what changed.

Security Hub is eventually consistent: a finding imported a moment ago is not yet visible to
GetFindings or BatchUpdateFindings. So a run reads this rule's findings once, before writing
anything, and :func:`plan_findings` works out from that read and the run's outcomes what to write
(each finding built by :mod:`acm_expiry.asff`); nothing this run wrote is read back. It imports a
finding only when it is new, when its compliance, severity, title or description changed, or when
Security Hub would otherwise age it out (it deletes findings not updated for 90 days: each is
refreshed 60 to 74 days after its last update, spread by its id so a first import of thousands
does not come due on one day). Workflow belongs to BatchUpdateFindings once a finding exists: a
passing finding still NEW or NOTIFIED (a renewed certificate's) is resolved in the same run; one
somebody SUPPRESSED is left alone.

A finding whose certificate is gone is archived on the same terms as Config's result
(:mod:`acm_expiry.recording`): a failing one only on ACM's or Config's own word, a passing one also
on a trusted listing's.

Foreign findings: a finding under this rule's generator whose Id the rule did not make (not
``<rule name>/<ACM certificate ARN>``) is someone else's. It is reported and left alone: never
archived, resolved or overwritten.

Pure: no boto3, no clock.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from acm_expiry import RESOURCE_TYPE
from acm_expiry.arns import CertificateArn, clip, parse_certificate_arn, shown
from acm_expiry.asff import (
    Product,
    UnreportableCertificate,
    archived_finding,
    build_finding,
    finding_id,
    read_asff_time,
    reportable,
)
from acm_expiry.outcome import Outcome, Removed
from acm_expiry.verdict import Scenario

REFRESH_AFTER = timedelta(days=60)  # Security Hub deletes findings not updated for 90 days


REFRESH_SPREAD_DAYS = 15
OPEN_WORKFLOWS = frozenset({"NEW", "NOTIFIED"})
SHOWN_SKIPPED = 20  # records the log line names; its counts say how many in all


class ForeignFinding(ValueError):
    """A finding under this rule's generator that this rule did not make."""

    def __init__(self, finding_id: object, why: str) -> None:
        super().__init__(f"finding {shown(finding_id)} {why}")
        self.id = finding_id if isinstance(finding_id, str) else repr(finding_id)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record the findings step left alone, and why: for the log line."""

    id: str  # a finding's Id, or a certificate's ARN
    why: str

    def shown(self) -> dict[str, str]:
        return {"id": clip(self.id, 160), "why": self.why}


@dataclass(frozen=True, slots=True)
class KnownFinding:
    """What GetFindings says of one of this rule's findings, as far as planning needs it."""

    id: str
    product_arn: str
    certificate_arn: str
    compliance: str | None
    severity: str | None
    title: str
    description: str
    created_at: str
    updated_at: datetime
    workflow: str | None

    @classmethod
    def from_asff(cls, finding: object, rule_name: str) -> KnownFinding:
        """Read one finding GetFindings returned under this rule's generator and product.

        Raises :class:`ForeignFinding` when this rule did not make it: its Id is not
        ``<rule name>/<ACM certificate ARN>``. A field of odd type in one of ours is read as
        missing: the finding then differs from what the rule would write, and is written again.
        """
        if not isinstance(finding, Mapping):
            raise ForeignFinding(finding, "is not an object")
        identifier, product_arn = finding.get("Id"), finding.get("ProductArn")
        if not isinstance(identifier, str) or not isinstance(product_arn, str):
            raise ForeignFinding(identifier, "has no Id and ProductArn strings")
        prefix = f"{rule_name}/"
        arn = identifier[len(prefix) :] if identifier.startswith(prefix) else None
        if arn is None or parse_certificate_arn(arn) is None:
            raise ForeignFinding(
                identifier, f"was not made by this rule: its Id is not {rule_name}/<ACM certificate ARN>"
            )
        return cls(
            id=identifier,
            product_arn=product_arn,
            certificate_arn=arn,
            compliance=_text_at(finding, "Compliance", "Status"),
            severity=_text_at(finding, "Severity", "Label"),
            title=_text_at(finding, "Title") or "",
            description=_text_at(finding, "Description") or "",
            created_at=_text_at(finding, "CreatedAt") or "",
            updated_at=read_asff_time(_text_at(finding, "UpdatedAt") or ""),
            workflow=_text_at(finding, "Workflow", "Status"),
        )


def _text_at(finding: Mapping[str, Any], *path: str) -> str | None:
    node: object = finding
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, str) else None


@dataclass(frozen=True, slots=True)
class FindingsPlan:
    """What one run writes: findings to import (new, changed, due, archived) and workflows to resolve."""

    imports: tuple[dict[str, Any], ...] = ()
    resolve: tuple[dict[str, str], ...] = ()  # {"Id", "ProductArn"} of passing findings still NEW or NOTIFIED
    counts: Mapping[str, int] = field(default_factory=dict)  # new, changed, refreshed, archived, unchanged, ...
    skipped: tuple[Skipped, ...] = ()  # certificates no valid finding can be built for


def plan_findings(
    outcomes: Iterable[Outcome],
    known: Mapping[str, KnownFinding],
    *,
    rule_name: str,
    product: Product,
    window: int,
    now: datetime,
    trust_listing: bool = False,
    confirmed_gone: Collection[str] = frozenset(),
) -> FindingsPlan:
    """From the findings read at the start of the run and this run's outcomes, what to write.

    ``known``: this rule's findings in ``product`` (foreign ones already left out, see
    :meth:`KnownFinding.from_asff`). A finding whose certificate is gone is archived, on the same
    terms as Config's result (:mod:`acm_expiry.recording`): a failing (open) finding only on ACM's
    or Config's own word (a confirmed :class:`Removed`, or its ARN in ``confirmed_gone``), a passing
    one also on the word of a trusted listing. ``trust_listing``: the outcomes cover every certificate
    in the region (a periodic run whose listing lifted every filter and was not doubted); then a
    passing finding read that matches none of them is archived too: its certificate is gone, and
    the run that saw it go did not archive it (Security Hub was failing that day, say), so no later
    run would.
    """
    imports: list[dict[str, Any]] = []
    resolve: list[dict[str, str]] = []
    skipped: list[Skipped] = []
    counts: Counter[str] = Counter()

    def archive(arn: str, existing: KnownFinding, why: str) -> None:
        try:
            imports.append(
                archived_finding(
                    arn, rule_name=rule_name, product=product, now=now, why=why, created_at=existing.created_at
                )
            )
        except UnreportableCertificate as error:
            skipped.append(Skipped(existing.id, str(error)))
            return
        counts["archived"] += 1

    outcomes = list(outcomes)
    for outcome in outcomes:
        if isinstance(outcome, Removed) and outcome.resource_type != RESOURCE_TYPE:
            continue
        arn = _arn(outcome)
        existing = known.get(finding_id(rule_name, arn))
        if isinstance(outcome, Removed):
            # only findings that exist are archived; an open one only on ACM's or Config's word
            if existing is not None and (outcome.confirmed or arn in confirmed_gone or not _open(existing)):
                archive(arn, existing, _gone(outcome))
            continue
        if outcome.verdict.scenario is Scenario.EXEMPT:
            if existing is not None:
                archive(arn, existing, outcome.verdict.annotation)
            continue
        try:
            created = existing.created_at if existing else None
            desired = build_finding(
                outcome, rule_name=rule_name, product=product, window=window, now=now, created_at=created
            )
        except UnreportableCertificate as error:
            skipped.append(Skipped(arn, str(error)))
            continue
        if desired is None:  # never issued: no finding, and one that exists is left as it is
            continue
        if existing is None:
            imports.append(desired)
            counts["new"] += 1
        elif _changed(existing, desired):
            imports.append(desired)
            counts["changed"] += 1
        elif refresh_due(existing, now):
            imports.append(desired)
            counts["refreshed"] += 1
        else:
            counts["unchanged"] += 1
        passes = desired["Compliance"]["Status"] == "PASSED"
        if existing is not None and passes and existing.workflow in OPEN_WORKFLOWS:
            resolve.append({"Id": existing.id, "ProductArn": existing.product_arn})
            counts["resolved"] += 1
    for existing in orphan_findings(outcomes, known, rule_name):
        try:  # another account's certificate: no finding of it can be written here, whatever became of it
            reportable(existing.certificate_arn, product)
        except UnreportableCertificate as error:
            skipped.append(Skipped(existing.id, str(error)))
            continue
        if existing.certificate_arn in confirmed_gone:
            archive(
                existing.certificate_arn, existing, "No longer in ACM: DescribeCertificate found no such certificate."
            )
        elif trust_listing and not _open(existing):
            archive(existing.certificate_arn, existing, "No longer in ACM: the certificate was not among those listed.")
    if skipped:
        counts["skipped"] = len(skipped)
    return FindingsPlan(tuple(imports), tuple(resolve), dict(counts), tuple(skipped))


def orphan_findings(
    outcomes: Iterable[Outcome], known: Mapping[str, KnownFinding], rule_name: str
) -> list[KnownFinding]:
    """The findings read whose certificate this run neither judged nor removed, by Id."""
    judged = {finding_id(rule_name, _arn(o)) for o in outcomes}
    return [known[orphan] for orphan in sorted(set(known) - judged)]


def open_orphans(
    outcomes: Iterable[Outcome], known: Mapping[str, KnownFinding], rule_name: str, product: Product
) -> list[KnownFinding]:
    """The failing findings of certificates of the product's account that this run neither judged nor
    removed: only ACM's word can say those certificates are gone."""
    return [
        f
        for f in orphan_findings(outcomes, known, rule_name)
        if _open(f) and (parse_certificate_arn(f.certificate_arn) or _NOWHERE).account == product.account
    ]


_NOWHERE = CertificateArn("", "", "", "")


def _open(finding: KnownFinding) -> bool:
    """A failing finding (or one whose compliance cannot be read): it says a certificate needs attention."""
    return finding.compliance not in ("PASSED", "NOT_AVAILABLE")


def _arn(outcome: Outcome) -> str:
    return outcome.resource_id if isinstance(outcome, Removed) else outcome.certificate.arn


def refresh_due(existing: KnownFinding, now: datetime) -> bool:
    """Whether an unchanged finding must be imported again before Security Hub ages it out."""
    spread = timedelta(days=zlib.crc32(existing.id.encode()) % REFRESH_SPREAD_DAYS)
    return now - existing.updated_at >= REFRESH_AFTER + spread


def scope_ids(rule_name: str, outcomes: Sequence[Outcome]) -> list[str]:
    """The finding ids a change event's run may touch (its one certificate)."""
    return [finding_id(rule_name, _arn(o)) for o in outcomes]


def _changed(existing: KnownFinding, desired: Mapping[str, Any]) -> bool:
    return bool(
        existing.compliance != desired["Compliance"]["Status"]
        or existing.severity != desired["Severity"]["Label"]
        or existing.title != desired["Title"]
        or existing.description != desired["Description"]
    )


def _gone(outcome: Removed) -> str:
    return outcome.annotation or "The certificate was deleted, or left the rule's scope."
