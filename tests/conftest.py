"""Shared fixtures: moto with AWS-faithful doubles in front, a fixed clock, recorded sleeps and logs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.endpoint
import pytest
from moto import mock_aws

from acm_expiry import handler
from acm_expiry_cli.doubles import Doubles, FakeAcm, FakeConfig, SecurityHubRules, moto_acm_source

REGION = "us-east-1"


def amazon_issued_record(now: datetime, name: str, renewal: dict[str, str]) -> dict[str, Any]:
    """An in-use AMAZON_ISSUED certificate 12 days from expiry, with the given renewal summary."""
    return {
        "CertificateArn": f"arn:aws:acm:us-east-1:123456789012:certificate/{name}",
        "DomainName": "app.example.com",
        "Status": "ISSUED",
        "Type": "AMAZON_ISSUED",
        "KeyAlgorithm": "EC_prime256v1",
        "InUse": True,
        "RenewalEligibility": "ELIGIBLE",
        "NotAfter": (now + timedelta(days=12)).timestamp(),
        "RenewalSummary": renewal,
    }


@dataclass
class World:
    """One test's AWS: moto behind the doubles, plus what the handler did."""

    doubles: Doubles
    acm: FakeAcm
    config: FakeConfig
    now: datetime
    botocore_sleeps: list[float]
    handler_sleeps: list[float] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    def client(self, service: str, region: str = REGION) -> Any:
        return boto3.client(service, region_name=region)

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs]

    def run(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        return handler.lambda_handler(event, None)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    # botocore's retry waits go to a list instead of the clock: the suite never sleeps.
    botocore_sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=botocore_sleeps.append))
    with mock_aws():
        boto3.setup_default_session()
        doubles = Doubles()
        acm = FakeAcm(moto_acm_source())
        config = FakeConfig()
        doubles.serve("acm", acm)
        doubles.serve("config", config)
        doubles.serve("securityhub", SecurityHubRules())
        doubles.install()
        now = datetime.now(UTC).replace(microsecond=0)
        world = World(doubles, acm, config, now, botocore_sleeps)
        monkeypatch.setattr(
            handler,
            "RUNTIME",
            handler.Runtime(now=lambda: now, sleep=world.handler_sleeps.append, log=world.logs.append),
        )
        yield world
    boto3.DEFAULT_SESSION = None
