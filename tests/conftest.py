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
from tests.support.doubles import Doubles, FakeAcm, FakeConfig, FakeTagging, moto_acm_source
from tests.support.securityhub import FakeSecurityHub

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
    security_hub: FakeSecurityHub
    now: datetime
    botocore_sleeps: list[float]
    handler_sleeps: list[float] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    def client(self, service: str, region: str = REGION) -> Any:
        """A client for the test's own use (seeding, reading back), behind the doubles."""
        return self.doubles.session().client(service, region_name=region)

    def later(self, **delta: float) -> datetime:
        """Move the clock on (runs a day apart, say): Security Hub ignores an update no later than the last."""
        self.now += timedelta(**delta)
        return self.now

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs]

    def runtime(self) -> handler.Runtime:
        """The handler's world: this clock, recorded sleeps and log lines, sessions behind the doubles."""
        return handler.Runtime(
            now=lambda: self.now,
            sleep=self.handler_sleeps.append,
            log=self.logs.append,
            new_session=self.doubles.session,
        )

    def run(self, event: dict[str, Any], *, settle: bool = True) -> list[dict[str, Any]]:
        """One invocation; then, unless ``settle`` is false, what it imported becomes visible to later ones."""
        try:
            return handler.handle(event, None, self.runtime())
        finally:
            if settle:
                self.security_hub.settle()


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
    default_session = boto3.DEFAULT_SESSION
    with mock_aws():
        doubles = Doubles()
        acm = FakeAcm(moto_acm_source())
        config = FakeConfig()
        doubles.serve("acm", acm)
        doubles.serve("config", config)
        doubles.serve("resourcegroupstaggingapi", FakeTagging(acm))
        security_hub = FakeSecurityHub()
        doubles.serve("securityhub", security_hub)
        now = datetime.now(UTC).replace(microsecond=0)
        yield World(doubles, acm, config, security_hub, now, botocore_sleeps)
    # Every finding any test had built and imported was within ASFF's documented values.
    assert security_hub.violations == []
    # Nothing the rule does may configure boto3's default session (a warm Lambda container keeps it).
    assert boto3.DEFAULT_SESSION is default_session
