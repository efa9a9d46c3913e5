"""Certificates to test, demonstrate and benchmark against.

Two kinds: real X.509 certificates imported into moto's ACM (:func:`import_certificate`), and
synthetic DescribeCertificate-shaped records for :class:`~tests.support.doubles.FakeAcm`
(:func:`synthetic_inventory`), cheap enough for tens of thousands.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509

from acm_expiry_cli.demo import config_item, import_certificate, self_signed

__all__ = ["config_item", "import_certificate", "let_expire_in_moto", "synthetic_inventory"]


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


@dataclass(frozen=True)
class _Profile:
    """One kind of certificate in the synthetic inventory."""

    kind: str  # Type
    status: str
    days: tuple[float, float] | None  # NotAfter - now, in days: (low, high]; None: no NotAfter
    in_use: bool | None  # None: drawn (70 % in use)
    eligible: bool = False  # RenewalEligibility
    renewal: str | None = None  # RenewalSummary.RenewalStatus; "stalled" draws PENDING_VALIDATION or FAILED,
    # "ca_failed" FAILED with a PCA_* reason, "renewed" SUCCESS or none


_VALID = (30.5, 395.0)  # outside any 30-day window
_SOON = (0.25, 7.0)
_WINDOW = (7.0, 29.5)
_EXPIRED = (-60.0, -0.25)
# How 400 certificates are made up. ACM renews AMAZON_ISSUED certificates that are in use (ELIGIBLE)
# from 60 days before expiry, so those sit inside a 30-day window only when the renewal stalled
# (~0.5 % of them). AMAZON_ISSUED certificates not in use (INELIGIBLE), IMPORTED ones (never
# renewed) and PRIVATE ones not in use can sit anywhere, expired included.
_PLAN: tuple[tuple[int, _Profile], ...] = (
    (191, _Profile("AMAZON_ISSUED", "ISSUED", (60.5, 395.0), True, True, "renewed")),
    (2, _Profile("AMAZON_ISSUED", "ISSUED", (50.0, 60.0), True, True, "PENDING_AUTO_RENEWAL")),
    (1, _Profile("AMAZON_ISSUED", "ISSUED", (0.25, 60.0), True, True, "stalled")),
    (18, _Profile("AMAZON_ISSUED", "ISSUED", _VALID, False)),
    (2, _Profile("AMAZON_ISSUED", "ISSUED", _WINDOW, False)),
    (2, _Profile("AMAZON_ISSUED", "EXPIRED", _EXPIRED, False)),
    (85, _Profile("IMPORTED", "ISSUED", _VALID, None)),
    (3, _Profile("IMPORTED", "ISSUED", _SOON, None)),
    (4, _Profile("IMPORTED", "ISSUED", _WINDOW, None)),
    (8, _Profile("IMPORTED", "EXPIRED", _EXPIRED, None)),
    (55, _Profile("PRIVATE", "ISSUED", (60.5, 395.0), True, True)),
    (1, _Profile("PRIVATE", "ISSUED", (0.25, 60.0), True, True, "ca_failed")),
    (20, _Profile("PRIVATE", "ISSUED", _VALID, False)),
    (2, _Profile("PRIVATE", "ISSUED", _WINDOW, False)),
    (2, _Profile("PRIVATE", "EXPIRED", _EXPIRED, False)),
    (4, _Profile("AMAZON_ISSUED", "PENDING_VALIDATION", None, False)),
)
_DECK_SIZE = sum(count for count, _ in _PLAN)
# Card j of the plan goes to position j * STRIDE % 400: a stride near 400 / golden ratio spreads
# every kind evenly, so any 250 consecutive certificates hold each kind of two or more cards.
_STRIDE = 247
# Key types as each kind is seen in practice; ACM issues public certificates only as RSA_2048,
# EC_prime256v1 and EC_secp384r1; RSA_1024 exists only imported.
_KEY_TYPE_WEIGHTS: dict[str, dict[str, int]] = {
    "AMAZON_ISSUED": {"RSA_2048": 80, "EC_prime256v1": 17, "EC_secp384r1": 3},
    "IMPORTED": {
        "RSA_2048": 70,
        "RSA_4096": 12,
        "EC_prime256v1": 8,
        "RSA_3072": 4,
        "EC_secp384r1": 3,
        "RSA_1024": 2,
        "EC_secp521r1": 1,
    },
    "PRIVATE": {
        "RSA_2048": 60,
        "EC_prime256v1": 20,
        "RSA_4096": 8,
        "EC_secp384r1": 8,
        "RSA_3072": 2,
        "EC_secp521r1": 2,
    },
}
_FAILURE_REASONS = (
    "CAA_ERROR",
    "NO_AVAILABLE_CONTACTS",
    "DOMAIN_VALIDATION_DENIED",
    "ADDITIONAL_VERIFICATION_REQUIRED",
)
_CA_FAILURE_REASONS = ("PCA_INVALID_STATE", "PCA_ACCESS_DENIED", "PCA_RESOURCE_NOT_FOUND", "PCA_INVALID_DURATION")


def _deck() -> list[_Profile]:
    cards = [profile for count, profile in _PLAN for _ in range(count)]
    deck: list[_Profile | None] = [None] * _DECK_SIZE
    for j, profile in enumerate(cards):
        deck[j * _STRIDE % _DECK_SIZE] = profile
    assert all(card is not None for card in deck)
    return [card for card in deck if card is not None]


_DECK = _deck()


def synthetic_inventory(
    count: int,
    now: datetime,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    seed: int = 7,
) -> list[dict[str, Any]]:
    """``count`` DescribeCertificate-shaped records, shaped like a real account's certificates.

    Every 400 consecutive records follow ``_PLAN`` exactly: 55 % AMAZON_ISSUED (mostly in use and
    renewed by ACM long before a 30-day window; 0.5 % of those with a stalled renewal; some not in
    use, hence never renewed), 25 % IMPORTED, 20 % PRIVATE; 1 % PENDING_VALIDATION without
    ``NotAfter``; 3 % expired; about 3 % inside a 30-day window, about 0.5 % AMAZON_ISSUED inside it.
    Key types follow ``_KEY_TYPE_WEIGHTS`` (all seven occur, RSA_2048 most). ``seed`` moves dates,
    key types and renewal details; the mix is fixed.
    """
    rng = random.Random(seed)
    key_types = {kind: (list(weights), list(weights.values())) for kind, weights in _KEY_TYPE_WEIGHTS.items()}
    records = []
    for index in range(count):
        profile = _DECK[index % _DECK_SIZE]
        names, weights = key_types[profile.kind]
        in_use = profile.in_use if profile.in_use is not None else rng.random() < 0.7
        host = "svc" if profile.kind == "PRIVATE" else "host"
        zone = "internal.example" if profile.kind == "PRIVATE" else "example.com"
        created = now - timedelta(days=rng.uniform(1, 900))
        record: dict[str, Any] = {
            "CertificateArn": f"arn:aws:acm:{region}:{account_id}:certificate/{index:08d}-0000-4000-8000-000000000000",
            "DomainName": f"{host}{index}.{zone}",
            "Status": profile.status,
            "Type": profile.kind,
            "KeyAlgorithm": rng.choices(names, weights)[0],
            "InUse": in_use,
            "RenewalEligibility": "ELIGIBLE" if profile.eligible else "INELIGIBLE",
            "CreatedAt": created.timestamp(),
        }
        if profile.days is not None:
            low, high = profile.days
            not_after = now + timedelta(days=high - (high - low) * rng.random())  # (low, high]
            validity = timedelta(days=90 if profile.kind == "IMPORTED" and rng.random() < 0.3 else 395)
            not_before = min(not_after - validity, now - timedelta(days=1))
            record["NotBefore"] = not_before.timestamp()
            record["NotAfter"] = not_after.timestamp()
            record["ImportedAt" if profile.kind == "IMPORTED" else "IssuedAt"] = not_before.timestamp()
        renewal = profile.renewal
        if renewal == "renewed":  # renewed by ACM before: a SUCCESS summary, or none yet
            renewal = "SUCCESS" if rng.random() < 0.5 else None
        elif renewal == "stalled":
            renewal = "PENDING_VALIDATION" if rng.random() < 0.5 else "FAILED"
        reasons = _FAILURE_REASONS
        if renewal == "ca_failed":  # a private certificate whose CA broke
            renewal, reasons = "FAILED", _CA_FAILURE_REASONS
        if renewal is not None:
            summary: dict[str, Any] = {"RenewalStatus": renewal, "UpdatedAt": (now - timedelta(days=1)).timestamp()}
            if renewal == "FAILED":
                summary["RenewalStatusReason"] = rng.choice(reasons)
            record["RenewalSummary"] = summary
        records.append(record)
    return records
