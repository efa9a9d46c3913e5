"""`make demo`: the real Lambda handler on a realistic inventory, in process, against moto.

No AWS account and no network: moto serves ACM, STS and Security Hub, and the doubles in front of
it answer ListCertificates and Config's evaluation API as AWS does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

DEMO_REGION = "us-east-1"
# (domain, key type, days until expiry)
IMPORTED = [
    ("shop.example.com", "RSA_2048", 5.2),
    ("api.example.com", "EC_prime256v1", 12.6),
    ("legacy.example.com", "RSA_4096", 26.1),
    ("www.example.com", "RSA_2048", 201.4),
    ("static.example.com", "EC_prime256v1", 88.9),
    ("vault.example.com", "RSA_4096", 365.3),
]
EXPIRED = ("old-partner.example.com", "EC_prime256v1", 4.3)  # expired this many days ago
PENDING = "new.example.com"  # requested from ACM, still awaiting DNS validation

COLUMNS = [
    ("domain", "DOMAIN"),
    ("type", "TYPE"),
    ("key_algorithm", "KEY"),
    ("expires", "EXPIRES"),
    ("days_left", "DAYS LEFT"),
    ("verdict", "VERDICT"),
    ("annotation", "ANNOTATION"),
]


def run_demo(print_line: Any = print) -> int:
    from acm_expiry_cli.doubles import offline_environment

    offline_environment(DEMO_REGION, MOTO_ACM_VALIDATION_WAIT="86400")
    try:
        import boto3
        from moto import mock_aws
    except ImportError:
        print_line("acm-expiry demo needs moto: pip install 'acm-expiry-rule[demo]'")
        return 1

    from acm_expiry import handler
    from acm_expiry.assess import assess_region
    from acm_expiry_cli.doubles import Doubles, FakeAcm, FakeConfig, moto_acm_source
    from acm_expiry_cli.inventory import config_item, import_certificate, let_expire_in_moto
    from acm_expiry_cli.output import render_table
    from acm_expiry_cli.sample_events import change_event, scheduled_event

    now = datetime.now(UTC).replace(microsecond=0)
    logs: list[str] = []
    handler.RUNTIME = handler.Runtime(now=lambda: now, log=logs.append)
    with mock_aws():
        boto3.setup_default_session()
        doubles, config = Doubles(), FakeConfig()
        doubles.serve("acm", FakeAcm(moto_acm_source()))
        doubles.serve("config", config)
        doubles.install()
        acm = boto3.client("acm", region_name=DEMO_REGION)

        for domain, key_type, days in IMPORTED:
            import_certificate(acm, domain, key_type, now + timedelta(days=days), now)
        domain, key_type, days_ago = EXPIRED
        expired = import_certificate(acm, domain, key_type, now + timedelta(days=30), now)
        let_expire_in_moto(expired, now - timedelta(days=days_ago))
        acm.request_certificate(DomainName=PENDING, ValidationMethod="DNS")

        print_line(
            f"ACMExpiryRule demo: {len(IMPORTED) + 2} certificates in moto's ACM ({DEMO_REGION}), "
            f"daysToExpiration 30, now {now:%Y-%m-%d %H:%M} UTC\n"
        )

        print_line("1. Scheduled run (ScheduledNotification) through lambda_handler:\n")
        sent = {e["ComplianceResourceId"]: e for e in handler.lambda_handler(scheduled_event(now), None)}
        facts = {a.certificate.arn: a for a in assess_region(acm, now, 30)}
        rows = [_row(facts[arn], evaluation) for arn, evaluation in sent.items()]
        rows.sort(key=lambda row: (row["days_left"] is None, row["days_left"] if row["days_left"] is not None else 0))
        print_line(render_table(rows, COLUMNS))
        print_line(f"\nlog line: {logs[-1]}\n")

        target = next(a for a in facts.values() if a.certificate.domain_name == "legacy.example.com")
        described = acm.describe_certificate(CertificateArn=target.certificate.arn)["Certificate"]
        item = config_item(_configuration(described), now)
        print_line(
            "2. Change event (ConfigurationItemChangeNotification) for legacy.example.com, "
            "judged from the configuration item alone:\n"
        )
        (evaluation,) = handler.lambda_handler(change_event(item, now), None)
        print_line(render_table([_row(target, evaluation)], COLUMNS))
        print_line(f"\nlog line: {logs[-1]}")
        counts = json.loads(logs[-2])["evaluations"]
        print_line(f"\nConfig recorded {len(config.sent)} evaluations; scheduled run: {counts}.")
    return 0


def _row(assessment: Any, evaluation: dict[str, Any]) -> dict[str, Any]:
    certificate = assessment.certificate
    return {
        "domain": certificate.domain_name,
        "type": certificate.type,
        "key_algorithm": certificate.key_algorithm,
        "expires": f"{certificate.not_after:%Y-%m-%d}" if certificate.not_after else None,
        "days_left": assessment.verdict.days_left,
        "verdict": evaluation["ComplianceType"],
        "annotation": evaluation.get("Annotation", ""),
    }


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
