"""Security Hub findings (ASFF) that say how urgent a certificate is, and what one run must write.

Config's own Security Hub integration shows every result as the same MEDIUM finding titled with
the rule name, without the annotation. With ``securityHubFindings`` on, the rule imports its own:

==============================  =============  ==========  ========
verdict                         severity       compliance  workflow
==============================  =============  ==========  ========
expired or revoked              CRITICAL       FAILED      NEW
inside the window, <= 7 days    HIGH           FAILED      NEW
inside the window               MEDIUM         FAILED      NEW
outside the window              INFORMATIONAL  PASSED      RESOLVED
never issued                    (no finding)
exempt by tag                   its finding, if any, is archived (RecordState ARCHIVED)
deleted                         its finding, if any, is archived
==============================  =============  ==========  ========

Security Hub is eventually consistent: a finding imported a moment ago is not yet visible to
GetFindings or BatchUpdateFindings. So a run reads this rule's findings once, before writing
anything, and :func:`plan_findings` works out from that read and the run's outcomes what to write;
nothing this run wrote is read back. It imports a finding only when it is new, when its
compliance, severity, title or description changed, or when Security Hub would otherwise age it
out (it deletes findings not updated for 90 days: each is refreshed 60 to 74 days after its last
update, spread by its id so a first import of thousands does not come due on one day). A passing
finding's title and description name the expiry date, not the days left, so they stay the same
from day to day. Workflow belongs to BatchUpdateFindings once a finding exists: a passing finding
still NEW or NOTIFIED (a renewed certificate's) is resolved in the same run; one somebody
SUPPRESSED is left alone.

Where findings go: Security Hub takes a provider's findings only under the product ARN of the
Region it is called in (``arn:<partition>:securityhub:<that region>:<account>:product/<account>/default``),
from the account the findings name in ``AwsAccountId`` (API reference, BatchImportFindings; a
product ARN of another Region is refused as access denied, as Prowler and Cloud Custodian found:
prowler-cloud/prowler#618, cloud-custodian/cloud-custodian#3975). So one :class:`Product` per run,
the Config rule's account and partition in the Region of the Security Hub client, is where findings
are read, imported and updated, whichever Region the certificates are in (``ExecutionRoleRegion``
can point the rule at another). A certificate of another account gets no finding (it is skipped and
reported).

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
from datetime import UTC, datetime, timedelta
from typing import Any

from acm_expiry import RESOURCE_TYPE
from acm_expiry.arns import (
    EXPECTED_RULE,
    CertificateArn,
    clip,
    describe_non_arn,
    parse_certificate_arn,
    parse_config_rule_arn,
    shown,
)
from acm_expiry.certificate import Certificate
from acm_expiry.errors import MalformedEventError
from acm_expiry.outcome import Assessment, Outcome, Removed
from acm_expiry.text import clip_utf16
from acm_expiry.verdict import Scenario, Verdict, advise, what_to_do

HIGH_WITHIN_DAYS = 7
REFRESH_AFTER = timedelta(days=60)  # Security Hub deletes findings not updated for 90 days
REFRESH_SPREAD_DAYS = 15
OPEN_WORKFLOWS = frozenset({"NEW", "NOTIFIED"})
TITLE_LIMIT = 256
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices"
ASFF_RESOURCE_TYPE = "AwsCertificateManagerCertificate"
# ASFF's documented values (Security Hub API reference, AwsCertificateManagerCertificateDetails and
# Resource). A value outside them is left out of the finding rather than sent: ACM's RSA_3072,
# for one, is not among ASFF's key algorithms, and ARN partitions such as aws-iso are not among
# its partitions. The key algorithm is then kept in ProductFields, which takes any string.
ASFF_KEY_ALGORITHMS = frozenset({"RSA_2048", "RSA_1024", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"})
ASFF_PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov"})
ASFF_STATUSES = frozenset(
    {"PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"}
)
ASFF_CERTIFICATE_TYPES = frozenset({"IMPORTED", "AMAZON_ISSUED", "PRIVATE"})
ASFF_RENEWAL_ELIGIBILITIES = frozenset({"ELIGIBLE", "INELIGIBLE"})
ASFF_RENEWAL_STATUSES = frozenset({"PENDING_AUTO_RENEWAL", "PENDING_VALIDATION", "SUCCESS", "FAILED"})
ASFF_RENEWAL_REASONS = frozenset(
    {
        "NO_AVAILABLE_CONTACTS",
        "ADDITIONAL_VERIFICATION_REQUIRED",
        "DOMAIN_NOT_ALLOWED",
        "INVALID_PUBLIC_DOMAIN",
        "DOMAIN_VALIDATION_DENIED",
        "CAA_ERROR",
        "PCA_LIMIT_EXCEEDED",
        "PCA_INVALID_ARN",
        "PCA_INVALID_STATE",
        "PCA_REQUEST_FAILED",
        "PCA_NAME_CONSTRAINTS_VALIDATION",
        "PCA_RESOURCE_NOT_FOUND",
        "PCA_INVALID_ARGS",
        "PCA_INVALID_DURATION",
        "PCA_ACCESS_DENIED",
        "SLR_NOT_FOUND",
        "OTHER",
    }
)
SHOWN_SKIPPED = 20  # records the log line names; its counts say how many in all


class UnreportableCertificate(ValueError):
    """A certificate from which no finding can be imported: not an ACM certificate ARN, or another account's."""


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
class Product:
    """The account's own Security Hub product in one Region: where this rule's findings are read and written."""

    partition: str
    region: str
    account: str

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:securityhub:{self.region}:{self.account}:product/{self.account}/default"

    @classmethod
    def of_rule(cls, config_rule_arn: str, region: str) -> Product:
        """The product of the Config rule's account and partition in ``region``, where Security Hub is called."""
        rule = parse_config_rule_arn(config_rule_arn)
        if rule is None:
            raise MalformedEventError(f"event.configRuleArn {describe_non_arn(config_rule_arn, EXPECTED_RULE)}")
        return cls(rule.partition, region, rule.account)


def severity(verdict: Verdict) -> str | None:
    """The finding's severity label, or None when the certificate gets no finding."""
    if verdict.scenario in (Scenario.EXPIRED, Scenario.REVOKED):
        return "CRITICAL"
    if verdict.scenario is Scenario.EXPIRING:
        return "HIGH" if (verdict.days_left or 0) <= HIGH_WITHIN_DAYS else "MEDIUM"
    if verdict.scenario is Scenario.VALID:
        return "INFORMATIONAL"
    return None


def finding_id(rule_name: str, certificate_arn: str) -> str:
    """Stable per certificate and rule, so a re-run updates the finding instead of adding one."""
    return f"{rule_name}/{certificate_arn}"


def build_finding(
    assessment: Assessment,
    *,
    rule_name: str,
    product: Product,
    window: int,
    now: datetime,
    created_at: str | None = None,
) -> dict[str, Any] | None:
    """One ASFF finding for a judged certificate, in ``product``; None for one never issued or exempt.

    ``created_at``: the finding's CreatedAt when it already exists (an update keeps it).
    Raises :class:`UnreportableCertificate` for anything but an ACM certificate ARN of the product's account.
    """
    certificate, verdict = assessment.certificate, assessment.verdict
    label = severity(verdict)
    if label is None:
        return None
    passed = verdict.scenario is Scenario.VALID
    envelope = _envelope(certificate.arn, rule_name, product, now, created_at)
    return envelope | {
        "Severity": {"Label": label},
        # Security Hub takes later changes of severity and types from a provider only here.
        "FindingProviderFields": {"Severity": {"Label": label}, "Types": [FINDING_TYPE]},
        "Title": title(certificate, verdict),
        "Description": description(certificate, verdict, window),
        "Remediation": {
            "Recommendation": {
                "Text": recommendation(assessment),
                "Url": advise(certificate).url,
            }
        },
        "Compliance": {"Status": "PASSED" if passed else "FAILED"},
        # Taken only when the finding is created; later, BatchUpdateFindings sets it.
        "Workflow": {"Status": "RESOLVED" if passed else "NEW"},
        "RecordState": "ACTIVE",
        "ProductFields": {"acm-expiry/Verdict": str(verdict.compliance)}
        | ({} if verdict.days_left is None else {"acm-expiry/DaysLeft": str(verdict.days_left)})
        | ({"acm-expiry/KeyAlgorithm": certificate.key_algorithm} if certificate.key_algorithm else {}),
        "Resources": [
            _resource(certificate.arn, product)
            | {"Details": {"AwsCertificateManagerCertificate": _details(assessment)}}
        ],
    }


def archived_finding(
    certificate_arn: str, *, rule_name: str, product: Product, now: datetime, why: str, created_at: str | None = None
) -> dict[str, Any]:
    """The finding of a certificate this rule no longer judges, archived so it leaves the active view."""
    envelope = _envelope(certificate_arn, rule_name, product, now, created_at)
    return envelope | {
        "Severity": {"Label": "INFORMATIONAL"},
        "FindingProviderFields": {"Severity": {"Label": "INFORMATIONAL"}, "Types": [FINDING_TYPE]},
        "Title": "ACM certificate no longer judged by this rule",
        "Description": why,
        "RecordState": "ARCHIVED",
        "Resources": [_resource(certificate_arn, product)],
    }


def description(certificate: Certificate, verdict: Verdict, window: int) -> str:
    """The annotation for a failing certificate; for a passing one, words that do not change daily."""
    if verdict.scenario is Scenario.VALID and certificate.not_after is not None:
        return f"Valid until {certificate.not_after:%Y-%m-%d}, outside the {window}-day window."
    return verdict.annotation


# --- what one run writes ----------------------------------------------------------------------------


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
            updated_at=_read_asff_time(_text_at(finding, "UpdatedAt") or ""),
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
            _reportable(existing.certificate_arn, product)
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


def _read_asff_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # unreadable: due for a refresh
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def title(certificate: Certificate, verdict: Verdict) -> str:
    """ "ACM certificate www.example.com expires in 6 days", with the domain cut to fit 256.

    The days are the annotation's (:func:`~acm_expiry.verdict.days_left`). A passing finding's
    title names the expiry date instead, so it does not change from one day to the next.
    """
    days = verdict.days_left
    if verdict.scenario is Scenario.EXPIRED:
        ago = -(days or 0)
        tail = "expired less than a day ago" if ago == 0 else _plural(ago, "expired {} ago")
        tail = "has expired" if days is None else tail
    elif verdict.scenario is Scenario.REVOKED:
        tail = "is revoked"
    elif verdict.scenario is Scenario.EXPIRING:
        tail = "expires within a day" if days == 1 else _plural(days or 0, "expires in {}")
    else:
        tail = f"is valid until {certificate.not_after:%Y-%m-%d}" if certificate.not_after else "is valid"
    domain = certificate.domain_name or certificate.arn
    room = TITLE_LIMIT - len("ACM certificate  ") - len(tail)  # the rest is ASCII: one unit a character
    return f"ACM certificate {clip_utf16(domain, room)} {tail}"


def _plural(days: int, template: str, unit: str = "day") -> str:
    return template.format(f"1 {unit}" if days == 1 else f"{days} {unit}s")


def recommendation(assessment: Assessment) -> str:
    """What to do about a judged certificate, in one or two sentences."""
    scenario = assessment.verdict.scenario
    if scenario is Scenario.VALID:
        return "No action needed: the certificate is outside the expiry window."
    if scenario in (Scenario.EXPIRED, Scenario.REVOKED):
        if assessment.certificate.key_pair_origin == "ACME":  # DeleteCertificate refuses these
            return (
                "Replace the certificate on every resource that uses it. It is ACME-issued: ACM cannot delete it, "
                "and deletes it itself 1 year after it expires."
            )
        return "Replace the certificate on every resource that uses it, then delete it from ACM."
    return what_to_do(assessment.certificate)


def _details(assessment: Assessment) -> dict[str, Any]:
    certificate = assessment.certificate
    details: dict[str, Any] = {
        "DomainName": certificate.domain_name or None,
        "Status": _documented(certificate.status, ASFF_STATUSES),
        "Type": _documented(certificate.type, ASFF_CERTIFICATE_TYPES),
        "KeyAlgorithm": _documented(certificate.key_algorithm, ASFF_KEY_ALGORITHMS),
        "NotAfter": _asff_time(certificate.not_after) if certificate.not_after else None,
        "RenewalEligibility": _documented(certificate.renewal_eligibility, ASFF_RENEWAL_ELIGIBILITIES),
    }
    renewal_status = _documented(certificate.renewal_status, ASFF_RENEWAL_STATUSES)
    if renewal_status:
        reason = _documented(certificate.renewal_status_reason, ASFF_RENEWAL_REASONS)
        details["RenewalSummary"] = {"RenewalStatus": renewal_status} | (
            {"RenewalStatusReason": reason} if reason else {}
        )
    return {k: v for k, v in details.items() if v is not None}


def _documented(value: str | None, documented: frozenset[str]) -> str | None:
    return value if value in documented else None


def _envelope(
    certificate_arn: str, rule_name: str, product: Product, now: datetime, created_at: str | None
) -> dict[str, Any]:
    """The fields every finding of this rule carries: in ``product``, about the certificate's account.

    ``created_at``, an existing finding's, is kept if it is a time no later than ``now`` (ASFF wants
    UpdatedAt no earlier than CreatedAt); otherwise the finding is dated now.
    """
    account = _reportable(certificate_arn, product).account
    timestamp = _asff_time(now)
    kept = created_at and datetime.min.replace(tzinfo=UTC) < _read_asff_time(created_at) <= now
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id(rule_name, certificate_arn),
        "ProductArn": product.arn,
        "GeneratorId": rule_name,
        "AwsAccountId": account,
        "Types": [FINDING_TYPE],
        "CreatedAt": created_at if kept else timestamp,
        "UpdatedAt": timestamp,
    }


def _resource(certificate_arn: str, product: Product) -> dict[str, Any]:
    arn = _reportable(certificate_arn, product)
    resource = {"Type": ASFF_RESOURCE_TYPE, "Id": certificate_arn, "Region": arn.region}
    return resource | ({"Partition": arn.partition} if arn.partition in ASFF_PARTITIONS else {})


def _reportable(certificate_arn: str, product: Product) -> CertificateArn:
    """The certificate's ARN, read; :class:`UnreportableCertificate` if it is none, or is another account's.

    BatchImportFindings takes a finding only from the account its ``AwsAccountId`` names, and the
    product is the rule's account's.
    """
    arn = parse_certificate_arn(certificate_arn)
    if arn is None:
        raise UnreportableCertificate(f"{describe_non_arn(certificate_arn)}: no finding can be built")
    if arn.account != product.account:
        raise UnreportableCertificate(
            f"the certificate is in account {arn.account}; "
            f"the rule's findings go to account {product.account}'s product"
        )
    return arn


def _asff_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
