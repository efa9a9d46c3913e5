"""Certificates to test, demonstrate and benchmark against.

Two kinds: real X.509 certificates imported into moto's ACM (:func:`import_certificate`), and
synthetic DescribeCertificate-shaped records for :class:`~acm_expiry_cli.doubles.FakeAcm`
(:func:`synthetic_inventory`), cheap enough for tens of thousands.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from acm_expiry.permissions import ACM_KEY_TYPES
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

_CURVES: dict[str, ec.EllipticCurve] = {
    "EC_prime256v1": ec.SECP256R1(),
    "EC_secp384r1": ec.SECP384R1(),
    "EC_secp521r1": ec.SECP521R1(),
}
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@cache
def private_key(key_type: str) -> PrivateKey:
    """One key per key type, reused: generating RSA keys is the slow part."""
    if key_type in _CURVES:
        return ec.generate_private_key(_CURVES[key_type])
    if key_type.startswith("RSA_"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    raise ValueError(f"unknown key type {key_type!r}; expected one of {', '.join(ACM_KEY_TYPES)}")


def self_signed(domain: str, key_type: str, not_before: datetime, not_after: datetime) -> tuple[bytes, bytes]:
    """A self-signed certificate for ``domain`` and its private key, both PEM."""
    key = private_key(key_type)
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
    """Import a certificate valid until ``not_after`` into ACM (moto or real); its ARN."""
    now = now or datetime.now(UTC)
    certificate, key = self_signed(domain, key_type, now - timedelta(days=1), not_after)
    return str(acm.import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"])


def let_expire_in_moto(arn: str, expired_on: datetime, account_id: str = "123456789012") -> None:
    """Make an imported moto certificate one that has since expired.

    ACM (and moto) refuse to import an expired certificate, so the only honest way to an expired
    certificate is time passing after the import. This replaces the certificate inside moto's
    backend with the same one dated to have expired on ``expired_on``, as if that time had passed.
    """
    from moto.acm.models import acm_backends

    region = arn.split(":")[3]
    bundle = acm_backends[account_id][region].get_certificate(arn)
    key_type = bundle.describe()["Certificate"]["KeyAlgorithm"]
    domain = bundle.common_name
    certificate, _ = self_signed(domain, key_type, expired_on - timedelta(days=90), expired_on)
    bundle.cert = certificate
    bundle._cert = x509.load_pem_x509_certificate(certificate)
    bundle.check()  # moto's own transition to EXPIRED


def synthetic_inventory(
    count: int,
    now: datetime,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    seed: int = 7,
) -> list[dict[str, Any]]:
    """``count`` DescribeCertificate-shaped records, spread over key types, kinds and expiry dates.

    About a tenth expire inside 30 days; a few are expired or awaiting validation.
    """
    rng = random.Random(seed)
    records = []
    for index in range(count):
        key_type = ACM_KEY_TYPES[index % len(ACM_KEY_TYPES)]
        kind = ("IMPORTED", "AMAZON_ISSUED", "AMAZON_ISSUED", "PRIVATE")[index % 4]
        roll = rng.random()
        status = "ISSUED"
        if roll < 0.02:
            status = "PENDING_VALIDATION" if kind == "AMAZON_ISSUED" else "ISSUED"
        days = rng.randint(-20, -1) if roll > 0.98 else rng.randint(1, 30) if roll > 0.88 else rng.randint(31, 395)
        record: dict[str, Any] = {
            "CertificateArn": f"arn:aws:acm:{region}:{account_id}:certificate/{index:08d}-0000-4000-8000-000000000000",
            "DomainName": f"host{index}.example.com",
            "Status": "EXPIRED" if days < 0 else status,
            "Type": kind,
            "KeyAlgorithm": key_type,
            "InUse": kind != "IMPORTED" or index % 3 == 0,
            "RenewalEligibility": "ELIGIBLE" if kind == "AMAZON_ISSUED" and index % 5 else "INELIGIBLE",
        }
        if record["Status"] != "PENDING_VALIDATION":
            record["NotBefore"] = (now - timedelta(days=365)).timestamp()
            record["NotAfter"] = (now + timedelta(days=days, hours=rng.randint(0, 23))).timestamp()
        if kind == "AMAZON_ISSUED" and record["Status"] == "ISSUED":
            renewal = "PENDING_AUTO_RENEWAL" if index % 7 else "PENDING_VALIDATION"
            record["RenewalSummary"] = {"RenewalStatus": renewal, "UpdatedAt": now.timestamp()}
        records.append(record)
    return records


def config_item(configuration: Mapping[str, Any], captured: datetime, status: str = "OK") -> dict[str, Any]:
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
        "tags": {},
        "relationships": [],
        "configuration": None if status != "OK" and status != "ResourceDiscovered" else dict(configuration),
    }
