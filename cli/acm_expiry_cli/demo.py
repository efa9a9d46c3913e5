"""`make demo`: the real Lambda handler on a small inventory with every kind of advice, in process, against moto.

No AWS account and no network. moto serves ACM (real X.509 certificates imported into it, others
requested from it), a load balancer that uses one of them (ELB), a private CA (ACM PCA), the
Resource Groups Tagging API (the exemption tag) and STS. Two stand-ins answer what moto cannot:

- :class:`DemoConfig`: moto's Config cannot record evaluations (its PutEvaluations accepts only
  ``TestMode``) nor answer GetComplianceDetailsByConfigRule; the stand-in records what the rule sent.
- :class:`AcmStandIn`: moto answers ``RenewalEligibility`` INELIGIBLE for every certificate and
  never a ``RenewalSummary``. The stand-in sets them on moto's own answers, as ACM documents them:
  ELIGIBLE for the certificate the demo attached to a load balancer and the private one it
  exported, and the renewal summaries ACM would report for the two stalled renewals (a DNS
  validation record missing, a private CA disabled, as it is in moto's ACM PCA).

The rule's clock runs ahead of the machine's (:data:`CLOCK_AHEAD`): moto issues requested
certificates for a year from now and refuses to import an expired certificate, so time passes
instead. Needs the demo extra (moto, cryptography): from the project's folder, ``pip install '.[demo]'``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

DEMO_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
WINDOW = 30
EXEMPT_TAG = "acm-expiry-exempt"
PARAMETERS = {"daysToExpiration": str(WINDOW), "exemptTagKey": EXEMPT_TAG}
MOTO_VALIDITY = timedelta(days=365)  # moto issues a requested certificate for a year from the request
# The rule's clock: far enough ahead that moto's issued certificates have 11.6 days left.
CLOCK_AHEAD = MOTO_VALIDITY - timedelta(days=11.6)
# Imported certificates: (domain, key type, days from the rule's clock to expiry).
IMPORTED = [
    ("shop.example.com", "RSA_2048", 5.2),
    ("legacy.example.com", "EC_secp384r1", 26.1),
    ("static.example.com", "EC_prime256v1", 88.9),
    ("www.example.com", "RSA_2048", 201.4),
]
# ACM (and moto) refuse to import an expired certificate: this one is valid when imported, and
# has expired by the rule's clock.
EXPIRED = ("old-partner.example.com", "EC_prime256v1", -4.2)
EXEMPT = ("lab.example.com", "EC_prime256v1", 9.5, "test lab, retired with it in January")
IN_USE = "app.example.com"  # AMAZON_ISSUED, behind a load balancer; its renewal waits on DNS validation
NOT_IN_USE = "old-app.example.com"  # AMAZON_ISSUED, attached to nothing: ACM will not renew it
PRIVATE = "internal.corp.example"  # from a private CA that was disabled since: its renewal failed
PENDING = "new.example.com"  # requested, still awaiting DNS validation: never issued
CA_NAME = "Example Corp Internal CA"
# boto3 and botocore as requirements.txt and deploy/layer-requirements.txt pin them for the function
# (and the demo extra in pyproject.toml); tests/test_demo.py keeps the four equal.
PINNED_SDK = "1.44.8"


def run_demo(
    print_line: Callable[[str], None] = print, *, verbose: bool = False, output_dir: str = "build/demo"
) -> int:
    """The demo; ``verbose`` prints the handler's whole log lines, ``output_dir`` receives the reports."""
    offline_environment(DEMO_REGION)
    try:
        import boto3
        from moto import mock_aws
    except ImportError as error:
        print_line(
            f"acm-expiry demo needs moto and cryptography ({error.name} is missing): from the project's folder, "
            "pip install '.[demo]' (or make demo, which does it)"
        )
        return 1

    from acm_expiry import handler
    from acm_expiry.acm import ListingPlan
    from acm_expiry.assess import Exemptions, assess_region
    from acm_expiry.edge import AwsEdge
    from acm_expiry.edge import new_session as edge_session
    from acm_expiry.tags import tagged_certificates
    from acm_expiry_cli.report import printable
    from acm_expiry_cli.sample_events import change_event, scheduled_event

    machine_now = datetime.now(UTC).replace(microsecond=0)
    now = machine_now + CLOCK_AHEAD
    logs: list[str] = []
    config = DemoConfig()
    acm_stand_in = AcmStandIn()

    def new_session() -> Any:
        session = edge_session()
        session.events.register_first("before-send.config-service", config.answer)
        acm_stand_in.register(session)
        return session

    def log_line(label: str) -> None:
        print_line(f"  {label}: {log_summary(logs[-1])}")
        if verbose:
            print_line(f"log line: {printable(logs[-1])}")

    runtime = handler.Runtime(now=lambda: now, log=logs.append, new_session=new_session)
    with mock_aws():
        inventory = make_inventory(boto3.session.Session(region_name=DEMO_REGION), now, machine_now, acm_stand_in)
        intro = (
            f"ACMExpiryRule demo: the rule's Lambda handler on {len(inventory)} certificates in moto's ACM "
            f"({DEMO_REGION}), offline; daysToExpiration {WINDOW}, exemptTagKey {EXEMPT_TAG}; {sdk_note()}.",
            f"The rule's clock reads {now:%Y-%m-%d %H:%M} UTC, {CLOCK_AHEAD.days} days ahead of this machine's: "
            f"moto issues requested certificates for a year, and ACM refuses to import an expired one, so "
            f"{EXPIRED[0]} was imported valid until {now + timedelta(days=EXPIRED[2]):%Y-%m-%d %H:%M}.",
        )
        print_line(
            "\n".join(textwrap.fill(paragraph, _width()) for paragraph in intro)
            + "\nStood in for what moto cannot answer (everything else is moto's):\n"
            + "".join(f"  - {line}\n" for line in [*acm_stand_in.describe(), *config.describe()])
        )

        print_line("1. Scheduled run (ScheduledNotification) through the Lambda handler; what Config recorded:\n")
        sent = {e["ComplianceResourceId"]: e for e in handler.handle(scheduled_event(now, PARAMETERS), None, runtime)}
        edge = AwsEdge(new_session(), region=DEMO_REGION)
        reader = edge.client("acm")
        exemptions = Exemptions(EXEMPT_TAG, tagged_certificates(edge.client("resourcegroupstaggingapi"), EXEMPT_TAG))
        facts = {
            a.certificate.arn: a for a in assess_region(reader, ListingPlan.for_client(reader), now, WINDOW, exemptions)
        }
        scheduled = _report([_row(facts[arn], evaluation) for arn, evaluation in sent.items()], now)
        print_line(_listing(scheduled))
        log_line("log line")

        target = facts[inventory[IMPORTED[1][0]]]
        described = boto3.client("acm").describe_certificate(CertificateArn=target.certificate.arn)["Certificate"]
        item = config_item(_configuration(described), now)
        print_line(
            f"\n2. Change event (ConfigurationItemChangeNotification) for {IMPORTED[1][0]}, "
            "judged from the configuration item alone:\n"
        )
        (evaluation,) = handler.handle(change_event(item, now, PARAMETERS), None, runtime)
        print_line(_listing(_report([_row(target, evaluation)], now)))
        log_line("log line")
        print_line(f"\nConfig recorded {len(config.sent)} evaluations in all.")
    try:
        written = write_reports(scheduled, Path(output_dir))
    except OSError as error:
        print_line(f"acm-expiry demo: cannot write the reports to {output_dir}: {error.strerror or error}")
        return 1
    print_line(
        "\nThe scheduled run's certificates, as `acm-expiry scan` reports them:\n"
        + "".join(f"  {shown_path(path)}\n" for path in written)
        + NEXT_STEPS
    )
    return 0


NEXT_STEPS = """
Next:
  - Scan a real account, read-only (needs acm:ListCertificates and acm:DescribeCertificate):
      acm-expiry scan --region us-east-1
  - An organization, through an AWS Config aggregator:
      acm-expiry scan --aggregator NAME --format html --output report.html
  - Deploy the rule, in one account or an organization: docs/deployment.md"""


def sdk_note() -> str:
    """The SDK the demo runs on, beside the one the function is pinned to (they differ outside `make demo`)."""
    running = {name: _version(name) for name in ("boto3", "botocore")}
    said = f"boto3 {running['boto3']}, botocore {running['botocore']}"
    if all(version == PINNED_SDK for version in running.values()):
        return f"{said} (the function's pins)"
    return f"{said}, not the function's pins ({PINNED_SDK}: pip install '.[demo]' installs them)"


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def log_summary(line: str) -> str:
    """The handler's JSON log line in one short sentence, from whichever of its fields are there."""
    try:
        entry = json.loads(line)
    except ValueError:
        return f"not JSON ({len(line):,} characters)"
    if not isinstance(entry, dict):
        return f"JSON, but not an object ({len(line):,} characters)"
    parts = []
    if isinstance(entry.get("outcome"), str):
        parts.append(f"outcome {entry['outcome']}")
    evaluations = entry.get("evaluations")
    if isinstance(evaluations, dict):
        counted = ", ".join(f"{count} {verdict}" for verdict, count in sorted(evaluations.items()))
        parts.append(f"sent {counted or 'nothing'}")
    pages = entry.get("pages")
    if isinstance(pages, dict) and isinstance(pages.get("sent"), int):
        crossed = ", ".join(f"{n} {kind}" for kind, n in sorted(pages.items()) if kind != "sent" and isinstance(n, int))
        parts.append(f"{pages['sent']} pages put on EventBridge" + (f" ({crossed})" if crossed else ""))
    if entry.get("pagesError"):
        parts.append("pages not put (see pagesError)")
    calls = entry.get("apiCalls")
    if isinstance(calls, dict) and all(isinstance(count, int) for count in calls.values()):
        parts.append(f"{sum(calls.values())} AWS calls")
    for key, noun in (("retries", "retries"), ("throttles", "throttled")):
        if isinstance(entry.get(key), int) and entry[key]:
            parts.append(f"{entry[key]} {noun}")
    if entry.get("error"):
        parts.append(f"error {str(entry['error'])[:200]}")
    if isinstance(entry.get("durationMs"), int | float):
        parts.append(f"{entry['durationMs']} ms")
    said = "; ".join(parts) or f"{len(entry)} fields"
    return f"{said} ({len(line):,} characters of JSON; --verbose prints it)"


def _report(rows: list[Any], now: datetime) -> Any:
    from acm_expiry_cli.report import Report

    rows.sort(key=lambda r: (r.days_left is None, r.days_left if r.days_left is not None else 0))
    source = f"the demo: moto's ACM in account {ACCOUNT_ID}, {DEMO_REGION}"
    return Report(WINDOW, now, tuple(rows), source, regions=(DEMO_REGION,))


def _listing(report: Any) -> str:
    """Each certificate's verdict and its annotation exactly as Config recorded it, once; then the counts."""
    from acm_expiry_cli.report import EXPIRED as EXPIRED_WORD
    from acm_expiry_cli.report import counts_text, is_expired, printable, scope

    width = _width()
    indent = " " * (2 + len("NOT_APPLICABLE") + 2)
    lines = []
    for row in report.rows:
        verdict = f"{row.verdict}, {EXPIRED_WORD}" if is_expired(row, report.scanned_at) else row.verdict
        kind = f" ({row.type})" if row.type else ""
        lines.append(f"  {row.verdict:<{len(indent) - 4}}  {printable(row.domain)}{kind}")
        if verdict != row.verdict:
            lines[-1] += f", {EXPIRED_WORD}"
        lines += textwrap.wrap(printable(row.annotation), width, initial_indent=indent, subsequent_indent=indent)
    lines.append(f"\n  {scope(report)}, {report.window}-day window: {counts_text(report.all_rows)}")
    return "\n".join(lines)


def _width() -> int:
    """The terminal's width, kept between 60 and 120 columns (100 when it is not a terminal)."""
    return max(60, min(120, shutil.get_terminal_size((100, 24)).columns))


def write_reports(report: Any, folder: Path) -> list[Path]:
    """The report as HTML and CSV in ``folder`` (made if needed); the files written."""
    from acm_expiry_cli.formats import render

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, output_format in (("report.html", "html"), ("report.csv", "csv")):
        path = folder / name
        path.write_text(render(report, output_format), encoding="utf-8", newline="")
        written.append(path)
    return written


def shown_path(path: Path) -> str:
    """A path as a reader can use it: relative to here when under it, and the page also as a URL to open."""
    absolute = path.resolve()
    try:
        said = str(absolute.relative_to(Path.cwd()))
    except ValueError:
        said = str(absolute)
    return f"{said}   (open {absolute.as_uri()} in a browser)" if path.suffix == ".html" else said


def make_inventory(session: Any, now: datetime, machine_now: datetime, stand_in: AcmStandIn) -> dict[str, str]:
    """Every kind of certificate the advice table knows, in moto: domain -> ARN."""
    acm = session.client("acm")
    arns: dict[str, str] = {}
    for domain, key_type, days in IMPORTED:
        arns[domain] = import_certificate(acm, domain, key_type, now + timedelta(days=days), machine_now)
    domain, key_type, days = EXPIRED
    arns[domain] = import_certificate(acm, domain, key_type, now + timedelta(days=days), machine_now)
    domain, key_type, days, reason = EXEMPT
    arns[domain] = import_certificate(acm, domain, key_type, now + timedelta(days=days), machine_now)
    acm.add_tags_to_certificate(CertificateArn=arns[domain], Tags=[{"Key": EXEMPT_TAG, "Value": reason}])

    with acm_validation_wait(0):  # validated at once, as DNS validation does when its record is in place
        for domain in (IN_USE, NOT_IN_USE):
            arns[domain] = acm.request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]
            acm.describe_certificate(CertificateArn=arns[domain])  # moto validates it when it is next read
    session.client("elb").create_load_balancer(
        LoadBalancerName="app",
        Listeners=[
            {
                "Protocol": "HTTPS",
                "LoadBalancerPort": 443,
                "InstanceProtocol": "HTTP",
                "InstancePort": 80,
                "SSLCertificateId": arns[IN_USE],
            }
        ],
        AvailabilityZones=[f"{DEMO_REGION}a"],
    )
    stand_in.eligible.add(arns[IN_USE])  # in use: ACM renews it...
    # ...but cannot validate the domain: its DNS validation CNAME is gone.
    stand_in.renewals[arns[IN_USE]] = {"RenewalStatus": "PENDING_VALIDATION"}

    pca = session.client("acm-pca")
    ca = pca.create_certificate_authority(
        CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048",
            "SigningAlgorithm": "SHA256WITHRSA",
            "Subject": {"CommonName": CA_NAME},
        },
        CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]
    arns[PRIVATE] = acm.request_certificate(DomainName=PRIVATE, CertificateAuthorityArn=ca)["CertificateArn"]
    acm.export_certificate(CertificateArn=arns[PRIVATE], Passphrase=base64.b64encode(b"demo passphrase"))
    pca.update_certificate_authority(CertificateAuthorityArn=ca, Status="DISABLED")  # since the export
    stand_in.eligible.add(arns[PRIVATE])  # exported: ACM renews it, through its CA...
    stand_in.renewals[arns[PRIVATE]] = {"RenewalStatus": "FAILED", "RenewalStatusReason": "PCA_INVALID_STATE"}

    with acm_validation_wait(86400):
        arns[PENDING] = acm.request_certificate(DomainName=PENDING, ValidationMethod="DNS")["CertificateArn"]
    return arns


@contextmanager
def acm_validation_wait(seconds: int) -> Iterator[None]:
    """How long moto keeps a requested certificate PENDING_VALIDATION (MOTO_ACM_VALIDATION_WAIT), meanwhile.

    moto reads that variable once, into ``moto.settings``, and compares a certificate's age with
    it whenever the certificate is read: 0 validates certificates requested now when next read; a
    day keeps those requested now pending for the demo's whole run. The value is set back after.
    """
    from moto import settings

    before = settings.ACM_VALIDATION_WAIT
    settings.ACM_VALIDATION_WAIT = seconds
    try:
        yield
    finally:
        settings.ACM_VALIDATION_WAIT = before


@dataclass
class AcmStandIn:
    """RenewalEligibility, RenewalSummary and CertificateKeyPairOrigin on moto's ACM answers, as ACM would give them.

    Registered on a botocore session: it amends ListCertificates summaries and DescribeCertificate
    answers after moto gave them. ACM's user guide: an AMAZON_ISSUED certificate is ELIGIBLE for
    renewal when in use, a PRIVATE one when exported or associated; IMPORTED ones never are. A
    ``RenewalSummary`` comes with DescribeCertificate only.
    """

    eligible: set[str] = field(default_factory=set)  # certificate ARNs ACM would renew
    renewals: dict[str, dict[str, str]] = field(default_factory=dict)  # ARN -> RenewalSummary

    def register(self, session: Any) -> None:
        for operation in ("ListCertificates", "DescribeCertificate"):
            session.events.register(f"after-call.acm.{operation}", self.amend)

    def amend(self, parsed: dict[str, Any], **_: Any) -> None:
        for summary in parsed.get("CertificateSummaryList", []):
            self._eligibility(summary)
        certificate = parsed.get("Certificate")
        if certificate:
            self._eligibility(certificate)
            if certificate["CertificateArn"] in self.renewals:
                certificate["RenewalSummary"] = dict(self.renewals[certificate["CertificateArn"]])

    def _eligibility(self, certificate: dict[str, Any]) -> None:
        if certificate.get("CertificateArn") in self.eligible:
            certificate["RenewalEligibility"] = "ELIGIBLE"
        # Every ACM answer names the key pair's origin (botocore 1.44's model); moto's never do, and
        # without it the rule asks ACM whether a certificate inside the window is ACME-issued.
        if "CertificateKeyPairOrigin" not in certificate:
            imported = certificate.get("Type") == "IMPORTED"
            certificate["CertificateKeyPairOrigin"] = "CUSTOMER_PROVIDED" if imported else "AWS_MANAGED"

    def describe(self) -> list[str]:
        return [
            f"RenewalEligibility ELIGIBLE for {len(self.eligible)} certificates (moto: always INELIGIBLE)",
            f"RenewalSummary of {len(self.renewals)} certificates, in DescribeCertificate (moto: never one)",
            "CertificateKeyPairOrigin of every certificate (moto: never one)",
        ]


class DemoConfig:
    """PutEvaluations and GetComplianceDetailsByConfigRule for the demo, answered in botocore's ``before-send``."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def answer(self, request: Any, event_name: str, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        operation = event_name.rsplit(".", 1)[-1]
        params = json.loads(request.body or b"{}")
        if operation == "PutEvaluations":
            self.sent.extend(params.get("Evaluations", []))
            body: dict[str, Any] = {"FailedEvaluations": []}
        elif operation == "GetComplianceDetailsByConfigRule":
            body = {"EvaluationResults": []}  # the demo's rule has never run before
        elif operation == "GetComplianceDetailsByResource":  # what the scheduled run recorded for it
            held = [e for e in self.sent if e["ComplianceResourceId"] == params.get("ResourceId")][-1:]
            body = {"EvaluationResults": [_as_result(e) for e in held]}
        else:
            return None  # moto answers the rest
        response = AWSResponse(request.url, 200, {}, _Body(json.dumps(body).encode()))
        # botocore offers the request to every before-send handler, moto's too: point it where moto
        # does not answer, so only this answer counts.
        request.url = "http://answered-by-the-demo.invalid/"
        return response

    def describe(self) -> list[str]:
        return [
            "Config's PutEvaluations (recorded here), GetComplianceDetailsByConfigRule (no earlier results) and "
            "GetComplianceDetailsByResource (what was recorded here)"
        ]


def _as_result(evaluation: Mapping[str, Any]) -> dict[str, Any]:
    """A recorded evaluation as GetComplianceDetailsBy* return it (the demo's rule is named ACMExpiryRule)."""
    return {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": "ACMExpiryRule",
                "ResourceType": evaluation["ComplianceResourceType"],
                "ResourceId": evaluation["ComplianceResourceId"],
            },
            "OrderingTimestamp": evaluation["OrderingTimestamp"],
        },
        "ComplianceType": evaluation["ComplianceType"],
        "ResultRecordedTime": evaluation["OrderingTimestamp"],
        "Annotation": evaluation.get("Annotation", ""),
    }


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def offline_environment(region: str, **extra: str) -> None:
    """Fake credentials, one region, no profile, endpoint or instance metadata: nothing reaches AWS."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="offline",
        AWS_SECRET_ACCESS_KEY="offline",
        AWS_SESSION_TOKEN="offline",
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        AWS_EC2_METADATA_DISABLED="true",
        **extra,
    )


@cache
def _private_key(key_type: str) -> Any:
    """One key per ACM key type, reused: generating RSA keys is the slow part."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    curves = {"EC_prime256v1": ec.SECP256R1(), "EC_secp384r1": ec.SECP384R1(), "EC_secp521r1": ec.SECP521R1()}
    if key_type in curves:
        return ec.generate_private_key(curves[key_type])
    if key_type.startswith("RSA_"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    raise ValueError(f"unknown ACM key type {key_type!r}")


def self_signed(domain: str, key_type: str, not_before: datetime, not_after: datetime) -> tuple[bytes, bytes]:
    """A self-signed certificate for ``domain`` and its private key, both PEM (EC or RSA, by ACM key type)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = _private_key(key_type)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), pem_key


def import_certificate(acm: Any, domain: str, key_type: str, not_after: datetime, now: datetime | None = None) -> str:
    """Import a self-signed certificate valid until ``not_after`` into ACM (moto or real); its ARN."""
    now = now or datetime.now(UTC)
    certificate, key = self_signed(domain, key_type, now - timedelta(days=1), not_after)
    return str(acm.import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"])


def config_item(
    configuration: Mapping[str, Any], captured: datetime, status: str = "OK", tags: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A Config configuration item (notification shape) for an ACM certificate."""
    arn = str(configuration["certificateArn"])
    _, _, _, region, account, _ = arn.split(":", 5)
    return {
        "configurationItemCaptureTime": captured.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "configurationItemStatus": status,
        "configurationStateId": "1",
        "awsAccountId": account,
        "ARN": arn,
        "awsRegion": region,
        "resourceType": "AWS::ACM::Certificate",
        "resourceId": arn,
        "resourceName": str(configuration.get("domainName", arn)),
        "tags": dict(tags or {}),
        "relationships": [],
        "configuration": None if status not in ("OK", "ResourceDiscovered") else dict(configuration),
    }


def _row(assessment: Any, evaluation: dict[str, Any]) -> Any:
    """The certificate's facts, and what Config received for it."""
    from acm_expiry.verdict import Scenario
    from acm_expiry_cli.scan import row

    issued = assessment.verdict.scenario is not Scenario.NEVER_ISSUED  # moto dates unissued ones; ACM does not
    facts = row(assessment, DEMO_REGION)
    return replace(
        facts,
        expires=facts.expires if issued else None,
        verdict=evaluation["ComplianceType"],
        annotation=evaluation.get("Annotation", ""),
    )


def _configuration(described: dict[str, Any]) -> dict[str, Any]:
    """The configuration Config records for a certificate, from DescribeCertificate's answer."""
    return {
        "certificateArn": described["CertificateArn"],
        "domainName": described["DomainName"],
        "status": described["Status"],
        "type": described["Type"],
        "keyAlgorithm": described["KeyAlgorithm"],
        "notAfter": described["NotAfter"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "notBefore": described["NotBefore"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "inUseBy": described.get("InUseBy", []),
        "renewalEligibility": described.get("RenewalEligibility"),
    }
