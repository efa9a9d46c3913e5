"""`make demo`: the real Lambda handler on a small inventory, in process, against moto.

No AWS account and no network. moto serves ACM (real X.509 certificates imported into it) and STS.
moto's Config cannot record evaluations (its PutEvaluations accepts only ``TestMode``) nor answer
GetComplianceDetailsByConfigRule, so :class:`DemoConfig` stands in for those two calls and records
what the rule sent. Needs ``pip install 'acm-expiry-rule[demo]'`` (moto, cryptography).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

DEMO_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
# (domain, key type, days from the rule's clock to expiry)
IMPORTED = [
    ("shop.example.com", "RSA_2048", 5.2),
    ("api.example.com", "EC_prime256v1", 12.6),
    ("legacy.example.com", "RSA_4096", 26.1),
    ("www.example.com", "RSA_2048", 201.4),
    ("static.example.com", "EC_prime256v1", 88.9),
    ("vault.example.com", "RSA_4096", 365.3),
]
# ACM (and moto) refuse to import an expired certificate, so the demo lets time pass instead: this
# one is valid for a few more hours when imported, and the rule's clock runs CLOCK_AHEAD ahead.
EXPIRING_SOON = ("old-partner.example.com", "EC_prime256v1", timedelta(hours=16))
CLOCK_AHEAD = timedelta(days=5)
PENDING = "new.example.com"  # requested from ACM, still awaiting DNS validation


def run_demo(print_line: Callable[[str], None] = print) -> int:
    offline_environment(DEMO_REGION, MOTO_ACM_VALIDATION_WAIT="86400")
    try:
        import boto3
        from moto import mock_aws
    except ImportError:
        print_line("acm-expiry demo needs moto: pip install 'acm-expiry-rule[demo]'")
        return 1

    from acm_expiry import handler
    from acm_expiry.acm import ListingPlan
    from acm_expiry.assess import assess_region
    from acm_expiry.edge import AwsEdge
    from acm_expiry.edge import new_session as edge_session
    from acm_expiry_cli.sample_events import change_event, scheduled_event

    machine_now = datetime.now(UTC).replace(microsecond=0)
    now = machine_now + CLOCK_AHEAD
    logs: list[str] = []
    config = DemoConfig()

    def new_session() -> Any:
        session = edge_session()
        session.events.register_first("before-send.config-service", config.answer)
        return session

    runtime = handler.Runtime(now=lambda: now, log=logs.append, new_session=new_session)
    with mock_aws():
        acm = boto3.client("acm", region_name=DEMO_REGION)
        for domain, key_type, days in IMPORTED:
            import_certificate(acm, domain, key_type, now + timedelta(days=days), machine_now)
        domain, key_type, valid_for = EXPIRING_SOON
        import_certificate(acm, domain, key_type, machine_now + valid_for, machine_now)
        acm.request_certificate(DomainName=PENDING, ValidationMethod="DNS")

        print_line(
            f"ACMExpiryRule demo: {len(IMPORTED) + 2} certificates in moto's ACM ({DEMO_REGION}), "
            f"daysToExpiration 30.\nThe rule's clock reads {now:%Y-%m-%d %H:%M} UTC, {CLOCK_AHEAD.days} days "
            f"ahead of this machine's, so {domain}, imported valid until {machine_now + valid_for:%Y-%m-%d %H:%M}, "
            "has since expired (ACM refuses to import expired certificates).\n"
        )

        print_line("1. Scheduled run (ScheduledNotification) through the Lambda handler:\n")
        sent = {e["ComplianceResourceId"]: e for e in handler.handle(scheduled_event(now), None, runtime)}
        edge = AwsEdge(new_session(), region=DEMO_REGION)
        reader = edge.client("acm")
        facts = {a.certificate.arn: a for a in assess_region(reader, ListingPlan.for_client(reader), now, 30)}
        print_line(_table([_row(facts[arn], evaluation) for arn, evaluation in sent.items()], now))
        print_line(f"log line: {logs[-1]}\n")

        target = next(a for a in facts.values() if a.certificate.domain_name == "legacy.example.com")
        described = acm.describe_certificate(CertificateArn=target.certificate.arn)["Certificate"]
        item = config_item(_configuration(described), now)
        print_line(
            "2. Change event (ConfigurationItemChangeNotification) for legacy.example.com, "
            "judged from the configuration item alone:\n"
        )
        (evaluation,) = handler.handle(change_event(item, now), None, runtime)
        print_line(_table([_row(target, evaluation)], now))
        print_line(f"log line: {logs[-1]}")
        counts = json.loads(logs[-2])["evaluations"]
        print_line(f"\nConfig recorded {len(config.sent)} evaluations; scheduled run: {counts}.")
    return 0


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
        else:
            return None  # moto answers the rest
        response = AWSResponse(request.url, 200, {}, _Body(json.dumps(body).encode()))
        # botocore offers the request to every before-send handler, moto's too: point it where moto
        # does not answer, so only this answer counts.
        request.url = "http://answered-by-the-demo.invalid/"
        return response


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


def _table(rows: list[Any], now: datetime) -> str:
    """`acm-expiry scan`'s table, then each annotation exactly as Config recorded it."""
    from acm_expiry_cli.report import Report, render

    rows.sort(key=lambda r: (r.days_left is None, r.days_left if r.days_left is not None else 0))
    table = render(Report(30, now, tuple(rows), "the demo"), "table")
    recorded = "\n".join(f"  {r.domain}: {r.annotation}" for r in rows)
    return f"{table}\nThe annotations, as Config recorded them:\n{recorded}\n"


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
