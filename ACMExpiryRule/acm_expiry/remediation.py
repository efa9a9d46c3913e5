"""Fix what AWS allows for one ACM certificate, and say why nothing else is done.

=============================  ======================================================================
certificate                    what the runbook does
=============================  ======================================================================
ACME-issued                    nothing: the ACME client that ordered it renews it (ACM cannot delete
                               it, and deletes it itself 1 year after it expires)
expired, revoked, never        nothing: no API renews it; request or import a new one
issued, or not in ACM
IMPORTED                       nothing: re-import a renewed certificate to the same ARN
AMAZON_ISSUED, not in use      nothing: ACM renews it only once it is in use
AMAZON_ISSUED, eligible or     writes each DNS validation record ACM asks for that is missing from
awaiting validation            this account's public hosted zone for its name (longest suffix), with
                               UPSERT; names it cannot serve from here are listed with the record
AMAZON_ISSUED, exported        RenewCertificate if ``RenewExportedPublic`` (ACM charges for it)
PRIVATE, exported              reads its CA's state (DescribeCertificateAuthority); RenewCertificate
                               if ``RenewExportedPrivate`` (the default) and the CA is ACTIVE
=============================  ======================================================================

"Exported" is ELIGIBLE and not in use: ACM makes a managed certificate eligible once in use or
exported (DescribeCertificate does not say "exported" itself). A renewal happens only within
``RenewWithinDays`` of expiry, so a second run after one renews nothing.

It never deletes: certificates for one name share one validation CNAME, and removing it stops
their renewal. It never overwrites a record it did not find missing, never writes into a private
zone (ACM, a public CA, validates through public DNS), and writes only CNAMEs named ``_...``, all
its role may write. Every run is safe to repeat (Config may remediate from a stale result).
``DryRun`` reads and changes nothing. A botocore too old to know ``CertificateKeyPairOrigin``
cannot tell an ACME-issued certificate, so then nothing is done to a managed one.

This file is the runbook's script: ``make runbook`` embeds it, whole, in the aws:executeScript
step of deploy/remediation.yaml and deploy/member.yaml; ``acm-expiry remediate`` imports it. SSM
runs it alone: only the standard library, boto3 and botocore, on Python 3.11.
"""

# No "from __future__ import annotations": SSM may run the script without registering it as a module,
# and dataclasses then cannot resolve string annotations (tests/test_remediation.py execs it so).
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

RUNTIME = "python3.11"  # AWS's recommended aws:executeScript runtime (3.6 to 3.8 no longer run)
ZONES_PAGE = 100  # ListHostedZonesByName: MaxItems at most 100
RECORDS_PAGE = 300  # ListResourceRecordSets: MaxItems at most 300
VALIDATION_TTL = 300  # seconds; ACM looks the record up when it validates, so any TTL serves
RENEW_WITHIN_DAYS = 30  # the rule's default daysToExpiration
MAX_RENEW_WITHIN_DAYS = 3650
# aws:executeScript does not retry throttled calls itself (SSM user guide); botocore does, in standard
# mode, with exponential backoff. Route 53 takes five API requests a second per account (Route 53
# developer guide, "Quotas"), and one certificate can make a few dozen.
RETRIES = Config(retries={"mode": "standard", "max_attempts": 8})
_CERTIFICATE_ARN = re.compile(
    r"arn:(?P<partition>[a-z][a-z0-9-]*):acm:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):certificate/[\w+=,.@-]+",
    re.ASCII,
)
_CA_ARN = re.compile(r"arn:[a-z][a-z0-9-]*:acm-pca:(?P<region>[a-z0-9-]+):[0-9]{12}:certificate-authority/\S+")
_ESCAPE = re.compile(r"\\([0-7]{3})")

# What to do about a private CA that is not ACTIVE (AWS Private CA's CertificateAuthorityStatus).
CA_STATES = {
    "CREATING": "is still being created: wait, then run this again",
    "PENDING_CERTIFICATE": "has no CA certificate: install one (acm-pca import-certificate-authority-certificate)",
    "DISABLED": "is DISABLED: enable it (acm-pca update-certificate-authority --status ACTIVE)",
    "EXPIRED": "has an expired CA certificate: install a renewed one",
    "FAILED": "failed to be created: create a new CA and issue the certificate from it",
    "DELETED": "is deleted: restore it within its restoration period (acm-pca restore-certificate-authority)",
}

WRITE = "write DNS validation record"
RENEW = "renew certificate"
NOTHING = "nothing"
TAKEN, WOULD, IN_PLACE, NOT_TAKEN = "done", "dry run: would do", "in place", "not done"

NewClient = Callable[[str, str], Any]  # (service, region) -> a boto3 client


class InvalidInput(ValueError):
    """The runbook's input or the command line named something that cannot be remediated as given."""


class RemediationFailed(Exception):
    """AWS refused or failed a call the remediation needed; ``report`` holds what was done before."""

    def __init__(self, report: "Report", message: str) -> None:
        super().__init__(f"{message} ({report.summary()})")
        self.report = report
        self.message = message


@dataclass(frozen=True)
class Options:
    dry_run: bool = True
    renew_exported_private: bool = True
    renew_exported_public: bool = False
    renew_within_days: int = RENEW_WITHIN_DAYS

    @classmethod
    def from_input(cls, payload: Mapping[str, Any]) -> "Options":
        """The runbook's InputPayload: SSM passes Boolean and Integer parameters typed, a person may type strings."""
        return cls(
            dry_run=_flag(payload, "DryRun", True),
            renew_exported_private=_flag(payload, "RenewExportedPrivate", True),
            renew_exported_public=_flag(payload, "RenewExportedPublic", False),
            renew_within_days=_days(payload.get("RenewWithinDays", RENEW_WITHIN_DAYS)),
        )


@dataclass(frozen=True)
class Action:
    """One thing the run did, would do (dry run), or did not do, and why."""

    action: str  # WRITE, RENEW or NOTHING
    target: str  # a record, a certificate ARN
    outcome: str  # TAKEN, WOULD, IN_PLACE or NOT_TAKEN
    reason: str

    def output(self) -> dict[str, str]:
        return {"Action": self.action, "Target": self.target, "Outcome": self.outcome, "Reason": self.reason}


@dataclass
class Report:
    certificate_arn: str
    dry_run: bool
    actions: list[Action] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(action.outcome == TAKEN for action in self.actions)

    def summary(self) -> str:
        count = {outcome: sum(a.outcome == outcome for a in self.actions) for outcome in (TAKEN, WOULD, IN_PLACE)}
        left = sum(action.outcome == NOT_TAKEN for action in self.actions)
        done = f"dry run, {count[WOULD]} change(s) would be made" if self.dry_run else f"{count[TAKEN]} change(s) made"
        return f"{done}, {count[IN_PLACE]} already in place, {left} not done (each says why)"

    def output(self) -> dict[str, Any]:
        """The runbook's output (its outputs select these) and ``acm-expiry remediate --format json``."""
        return {
            "CertificateArn": self.certificate_arn,
            "DryRun": self.dry_run,
            "Changed": self.changed,
            "Summary": self.summary(),
            "Actions": [action.output() for action in self.actions],
        }

    def lines(self) -> list[str]:
        head = f"{self.certificate_arn}" + (" (dry run: nothing was changed)" if self.dry_run else "")
        width = max(len(outcome) for outcome in (TAKEN, WOULD, IN_PLACE, NOT_TAKEN))
        body = [f"  {a.outcome:<{width}}  {a.action}: {a.target}: {a.reason}" for a in self.actions]
        return [head, *body, f"  {self.summary()}"]


@dataclass(frozen=True)
class Record:
    """A DNS validation record ACM asks for."""

    name: str  # normalised: lower case, no trailing dot
    value: str
    domain: str  # the certificate's domain name it validates

    def shown(self) -> str:
        return f"CNAME {self.name}. -> {self.value}"


@dataclass(frozen=True)
class Zone:
    id: str
    name: str
    private: bool


def handler(events: Mapping[str, Any], context: object) -> dict[str, Any]:
    """The runbook's entry point (aws:executeScript ``Handler``): the InputPayload in, the output out.

    Raises when AWS refused or failed a call, so that the step, the automation and Config's
    remediation show as failed, with what was done before in the message.
    """
    arn = parse_arn(events.get("CertificateArn"))
    options = Options.from_input(events)
    session = boto3.session.Session()
    report = remediate(
        arn, lambda service, region: session.client(service, region_name=region, config=RETRIES), options
    )
    return report.output()


def parse_arn(value: object) -> str:
    """``value`` if it is an ACM certificate ARN; else :class:`InvalidInput`, naming it."""
    if not isinstance(value, str) or _CERTIFICATE_ARN.fullmatch(value.strip()) is None:
        raise InvalidInput(
            f"CertificateArn {value!r:.200} is not an ACM certificate ARN "
            "(arn:<partition>:acm:<region>:<12-digit account>:certificate/<id>)"
        )
    return value.strip()


def remediate(arn: str, new_client: NewClient, options: Options, now: datetime | None = None) -> Report:
    """Do for certificate ``arn`` what the table above says; ``new_client(service, region)`` makes clients."""
    match = _CERTIFICATE_ARN.fullmatch(parse_arn(arn))
    assert match is not None
    region = match["region"]
    run = _Run(arn, region, new_client, options, now or datetime.now(UTC))
    try:
        run.certificate()
    except (ClientError, BotoCoreError) as error:
        raise RemediationFailed(run.report, f"{run.calling} failed: {_error_text(error)}") from error
    return run.report


class _Run:
    def __init__(self, arn: str, region: str, new_client: NewClient, options: Options, now: datetime) -> None:
        self.arn, self.region, self.options, self.now = arn, region, options, now
        self.new_client = new_client
        self.report = Report(arn, options.dry_run)
        self.calling = "nothing"  # the call in flight, for the failure's message
        self._clients: dict[tuple[str, str], Any] = {}
        self._zones: dict[str, list[Zone]] = {}

    def client(self, service: str, region: str) -> Any:
        if (service, region) not in self._clients:
            self._clients[service, region] = self.new_client(service, region)
        return self._clients[service, region]

    def call(self, service: str, operation: str, region: str, **parameters: Any) -> Any:
        self.calling = f"{service}:{operation}"
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
        return getattr(self.client(service, region), method)(**parameters)

    def nothing(self, reason: str, target: str | None = None) -> None:
        self.report.actions.append(Action(NOTHING, target or self.arn, NOT_TAKEN, reason))

    # --- the certificate ---------------------------------------------------------------------------

    def certificate(self) -> None:
        try:
            described = self.call("acm", "DescribeCertificate", self.region, CertificateArn=self.arn)["Certificate"]
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise
            self.nothing("ACM has no such certificate in this account and Region (deleted?)")
            return
        status, kind = described.get("Status"), described.get("Type")
        not_after = _utc(described.get("NotAfter"))
        if described.get("CertificateKeyPairOrigin") == "ACME":
            self.nothing(
                "it is ACME-issued: the ACME client that ordered it renews it, not ACM; ACM cannot delete it "
                "and deletes it itself 1 year after it expires"
            )
        elif status == "EXPIRED" or (not_after is not None and not_after <= self.now):
            when = f" on {not_after:%Y-%m-%d}" if not_after else ""
            self.nothing(f"it expired{when}: nothing renews an expired certificate; request or import a new one")
        elif status == "REVOKED":
            self.nothing("it is revoked: request a new certificate and replace it where it is used")
        elif kind == "IMPORTED":
            self.nothing("it is imported: ACM never renews it; re-import a renewed certificate to the same ARN")
        elif status in ("VALIDATION_TIMED_OUT", "FAILED"):
            self.nothing(f"it is {status} and will never be issued: request a new certificate")
        elif not self.knows_key_pair_origin():
            self.nothing(
                "this runtime's botocore predates CertificateKeyPairOrigin, so it cannot tell an ACME-issued "
                "certificate (which only its ACME client may renew): nothing done; run acm-expiry remediate "
                "with a current SDK"
            )
        elif kind == "AMAZON_ISSUED":
            self.public(described, status, not_after)
        elif kind == "PRIVATE":
            self.private(described, not_after)
        else:
            self.nothing(f"ACM gives its type as {kind!r:.40}, which this runbook does not know")

    def knows_key_pair_origin(self) -> bool:
        """Whether DescribeCertificate's answer can carry the origin: an older botocore drops unknown fields."""
        detail = self.client("acm", self.region).meta.service_model.shape_for("CertificateDetail")
        return "CertificateKeyPairOrigin" in detail.members

    def public(self, described: Mapping[str, Any], status: str | None, not_after: datetime | None) -> None:
        eligibility, in_use = described.get("RenewalEligibility"), bool(described.get("InUseBy"))
        if status != "PENDING_VALIDATION" and eligibility == "INELIGIBLE":
            self.nothing(
                "it is not in use, so ACM will not renew it: attach it to a resource (then run this again) or delete it"
            )
            return
        self.validation_records(described)
        if eligibility == "ELIGIBLE" and not in_use and status == "ISSUED":
            if not self.options.renew_exported_public:
                self.nothing(
                    "it is exported: ACM renews it itself up to 60 days before expiry; renewing it now is "
                    "charged, so it is done only with RenewExportedPublic true"
                )
            else:
                self.renew(not_after)

    def private(self, described: Mapping[str, Any], not_after: datetime | None) -> None:
        renewal = described.get("RenewalSummary") or {}
        failed = renewal.get("RenewalStatus") == "FAILED"
        eligible, in_use = described.get("RenewalEligibility") == "ELIGIBLE", bool(described.get("InUseBy"))
        ca_arn = described.get("CertificateAuthorityArn")
        ca_state = None
        renewing = eligible and not in_use and self.options.renew_exported_private
        if failed or renewing:  # the CA's state matters: it failed ACM, or the certificate is to be renewed
            if isinstance(ca_arn, str):
                ca_state = self.ca_state(ca_arn)
            else:
                self.nothing("ACM names no private CA for it (CertificateAuthorityArn), so ACM cannot renew it")
        if failed:
            reason = renewal.get("RenewalStatusReason", "no reason given")
            self.nothing(f"ACM's last renewal FAILED ({reason!s:.40})")
        if not eligible:
            self.nothing(
                "it is not exported or associated, so ACM will not renew it: export it or associate it with a "
                "resource (ACM then renews it), or replace it"
            )
        elif in_use:
            self.nothing("it is associated with a resource: ACM renews it itself up to 60 days before expiry")
        elif not renewing:
            self.nothing("it is exported, but renewing it is not allowed here (RenewExportedPrivate false)")
        elif ca_state == "ACTIVE":  # else ca_state() said why not
            self.renew(not_after)

    def ca_state(self, ca_arn: str) -> str | None:
        """The CA's status, and an action saying what is wrong with it unless it is ACTIVE."""
        match = _CA_ARN.fullmatch(ca_arn)
        if match is None:
            self.nothing("its CertificateAuthorityArn is not an AWS Private CA ARN", target=ca_arn)
            return None
        try:
            authority = self.call(
                "acm-pca", "DescribeCertificateAuthority", match["region"], CertificateAuthorityArn=ca_arn
            )["CertificateAuthority"]
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                self.nothing("its private CA does not exist (deleted past its restoration period?)", target=ca_arn)
                return None
            if _code(error) == "AccessDeniedException":
                self.nothing(
                    "its private CA could not be read (DescribeCertificateAuthority denied: another account's CA?)",
                    target=ca_arn,
                )
                return None
            raise
        status = str(authority.get("Status"))
        if status != "ACTIVE":
            why = CA_STATES.get(status, f"is {status:.40}, not ACTIVE")
            self.nothing(f"its private CA {why}: ACM cannot renew the certificate until it is ACTIVE", target=ca_arn)
        return status

    def renew(self, not_after: datetime | None) -> None:
        window = timedelta(days=self.options.renew_within_days)
        if not_after is not None and not_after - self.now > window:
            self.nothing(
                f"it expires on {not_after:%Y-%m-%d}, more than RenewWithinDays ({self.options.renew_within_days}) "
                "away: not renewed now (a renewal is charged, and ACM renews it itself before expiry)"
            )
            return
        if self.options.dry_run:
            self.report.actions.append(Action(RENEW, self.arn, WOULD, "exported, and within RenewWithinDays"))
            return
        try:
            self.call("acm", "RenewCertificate", self.region, CertificateArn=self.arn)
        except ClientError as error:
            if _code(error) in ("RequestInProgressException", "ValidationException"):
                self.nothing(f"ACM did not renew it: {_error_text(error)}")
                return
            raise
        self.report.actions.append(Action(RENEW, self.arn, TAKEN, "exported, and within RenewWithinDays"))

    # --- DNS validation records ------------------------------------------------------------------

    def validation_records(self, described: Mapping[str, Any]) -> None:
        options = list(described.get("DomainValidationOptions") or [])
        options += list((described.get("RenewalSummary") or {}).get("DomainValidationOptions") or [])
        records: dict[tuple[str, str], Record] = {}
        for option in options:
            domain = str(option.get("DomainName", ""))
            method = option.get("ValidationMethod", "DNS")
            resource = option.get("ResourceRecord") or {}
            if method != "DNS":
                self.nothing(
                    f"{domain} is validated by {method}, not DNS: "
                    + ("approve ACM's mail to its contacts" if method == "EMAIL" else "nothing here can do it"),
                    target=domain,
                )
            elif not resource:
                self.nothing("ACM has not given its validation record yet: run this again in a minute", target=domain)
            elif resource.get("Type") == "CNAME" and resource.get("Name") and resource.get("Value"):
                record = Record(_normal(resource["Name"]), str(resource["Value"]), domain)
                records.setdefault((record.name, _normal(record.value)), record)  # shared by several names
        writes: dict[str, tuple[Zone, list[Record]]] = {}
        for record in sorted(records.values(), key=lambda record: record.name):
            zone = self.zone_for(record)
            if zone is not None:
                writes.setdefault(zone.id, (zone, []))[1].append(record)
        for zone, missing in writes.values():
            self.write(zone, missing)

    def zone_for(self, record: Record) -> Zone | None:
        """The public zone where ``record`` is missing and may be written, or None (with an action saying why)."""
        if not record.name.startswith("_"):  # the automation role may write only such names
            self.nothing("not an ACM validation record name (it does not start with '_')", target=record.shown())
            return None
        labels = record.name.split(".")
        private_seen = []
        for depth in range(1, len(labels)):
            suffix = ".".join(labels[depth:])
            zones = self.zones_named(suffix)
            private_seen += [zone for zone in zones if zone.private]
            public = [zone for zone in zones if not zone.private]
            if len(public) > 1:
                ids = ", ".join(zone.id for zone in public)
                self.nothing(
                    f"{len(public)} public hosted zones are named {suffix} here ({ids}); only the one its registrar "
                    f"delegates to is served: create the record there",
                    target=record.shown(),
                )
                return None
            if public:
                return self.missing_in(public[0], record, labels[1:depth])
        where = (
            f" (only a private zone here: {private_seen[0].id}, which public DNS cannot see)" if private_seen else ""
        )
        self.nothing(
            f"no public hosted zone for {record.domain or record.name} in this account{where}: create the record "
            "at the DNS provider or AWS account that serves the domain",
            target=record.shown(),
        )
        return None

    def missing_in(self, zone: Zone, record: Record, between: list[str]) -> Zone | None:
        """``zone`` if ``record`` is missing there and the zone serves its name; else None, saying why."""
        for depth in range(len(between)):  # a delegation below the zone's apex serves the name elsewhere
            name = ".".join([*between[depth:], zone.name])
            first = self.call(
                "route53",
                "ListResourceRecordSets",
                self.region,
                HostedZoneId=zone.id,
                StartRecordName=name,
                StartRecordType="NS",
                MaxItems="1",
            ).get("ResourceRecordSets", [])
            if first and _normal(first[0]["Name"]) == name and first[0].get("Type") == "NS":
                self.nothing(
                    f"zone {zone.name} ({zone.id}) delegates {name} to other name servers: create the record "
                    "where they serve it",
                    target=record.shown(),
                )
                return None
        present = self.records_named(zone, record.name)
        if any(r.get("Type") == "CNAME" and _values(r) == [_normal(record.value)] for r in present):
            self.report.actions.append(Action(WRITE, record.shown(), IN_PLACE, f"in zone {zone.name} ({zone.id})"))
            return None
        if present:
            found = ", ".join(sorted({str(r.get("Type")) for r in present}))
            self.nothing(
                f"zone {zone.name} ({zone.id}) already has {found} at this name, not this value: left as it is "
                "(something else may rely on it); correct it by hand",
                target=record.shown(),
            )
            return None
        return zone

    def write(self, zone: Zone, records: list[Record]) -> None:
        reason = f"missing from public zone {zone.name} ({zone.id})"
        if not self.options.dry_run:
            changes = [
                {
                    "Action": "UPSERT",  # creates it; and, if it appeared meanwhile with the same value, no harm
                    "ResourceRecordSet": {
                        "Name": record.name + ".",
                        "Type": "CNAME",
                        "TTL": VALIDATION_TTL,
                        "ResourceRecords": [{"Value": record.value}],
                    },
                }
                for record in records
            ]
            comment = f"ACM DNS validation for {self.arn}"[:256]
            self.call(
                "route53",
                "ChangeResourceRecordSets",
                self.region,
                HostedZoneId=zone.id,
                ChangeBatch={"Comment": comment, "Changes": changes},
            )
        outcome = WOULD if self.options.dry_run else TAKEN
        self.report.actions += [Action(WRITE, record.shown(), outcome, reason) for record in records]

    def zones_named(self, name: str) -> list[Zone]:
        """Every hosted zone named ``name``: ListHostedZonesByName lists zones in name order from ``name`` on."""
        if name not in self._zones:
            zones: list[Zone] = []
            request: dict[str, str] = {"DNSName": name, "MaxItems": str(ZONES_PAGE)}
            while True:
                page = self.call("route53", "ListHostedZonesByName", self.region, **request)
                listed = page.get("HostedZones", [])
                named = [zone for zone in listed if _normal(zone["Name"]) == name]
                zones += [
                    Zone(zone["Id"].rsplit("/", 1)[-1], name, bool(zone.get("Config", {}).get("PrivateZone")))
                    for zone in named
                ]
                if len(named) < len(listed) or not page.get("IsTruncated"):
                    break
                if _normal(page.get("NextDNSName", "")) != name:
                    break
                request = {
                    "DNSName": page["NextDNSName"],
                    "HostedZoneId": page["NextHostedZoneId"],
                    "MaxItems": str(ZONES_PAGE),
                }
            self._zones[name] = zones
        return self._zones[name]

    def records_named(self, zone: Zone, name: str) -> list[dict[str, Any]]:
        """Every record set named ``name`` in ``zone`` (weighted and other routing sets are several)."""
        found: list[dict[str, Any]] = []
        request: dict[str, str] = {"HostedZoneId": zone.id, "StartRecordName": name, "MaxItems": str(RECORDS_PAGE)}
        while True:
            page = self.call("route53", "ListResourceRecordSets", self.region, **request)
            for record in page.get("ResourceRecordSets", []):
                if _normal(record["Name"]) != name:
                    return found
                found.append(record)
            if not page.get("IsTruncated") or _normal(page.get("NextRecordName", "")) != name:
                return found
            request = {
                "HostedZoneId": zone.id,
                "StartRecordName": page["NextRecordName"],
                "StartRecordType": page["NextRecordType"],
                "MaxItems": str(RECORDS_PAGE),
            }
            if page.get("NextRecordIdentifier"):
                request["StartRecordIdentifier"] = page["NextRecordIdentifier"]


def _normal(name: str) -> str:
    """A DNS name as Route 53's condition keys compare it: octal escapes read, lower case, no trailing dot."""
    return _ESCAPE.sub(lambda match: chr(int(match[1], 8)), str(name)).lower().rstrip(".")


def _values(record: Mapping[str, Any]) -> list[str]:
    return [_normal(value.get("Value", "")) for value in record.get("ResourceRecords", [])]


def _utc(value: object) -> datetime | None:
    return value.astimezone(UTC) if isinstance(value, datetime) else None


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _error_text(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{_code(error)}: {error.response.get('Error', {}).get('Message', '')}"
    return str(error)


def _flag(payload: Mapping[str, Any], name: str, default: bool) -> bool:
    value = payload.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidInput(f"{name} must be true or false, not {value!r:.60}")


def _days(value: object) -> int:
    days = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isdigit():
        days = int(value.strip())
    if days is None or not 1 <= days <= MAX_RENEW_WITHIN_DAYS:
        raise InvalidInput(
            f"RenewWithinDays must be a whole number of days, 1 to {MAX_RENEW_WITHIN_DAYS}, not {value!r:.60}"
        )
    return days
