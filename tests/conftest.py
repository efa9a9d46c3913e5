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

import acm_expiry.edge
from acm_expiry import handler
from tests.support.doubles import Doubles, FakeAcm, FakeConfig, FakeTagging, moto_acm_source
from tests.support.eventbridge import FakeEvents
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


class FakeTime:
    """A simulated clock: ``sleep`` moves ``monotonic`` on at once, and is recorded."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class FakeContext:
    """Lambda's context object, as far as the handler reads it: the time left, on the simulated clock."""

    clock: FakeTime
    deadline: float

    @classmethod
    def with_timeout(cls, clock: FakeTime, seconds: float) -> FakeContext:
        return cls(clock, clock.now + seconds)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, round((self.deadline - self.clock.now) * 1000))


@dataclass
class World:
    """One test's AWS: moto behind the doubles, plus what the handler did."""

    doubles: Doubles
    acm: FakeAcm
    config: FakeConfig
    security_hub: FakeSecurityHub
    events: FakeEvents
    now: datetime
    # Every wait the edge makes (pacing, retries, redelivery rounds), on the simulated clock;
    # botocore's own sleeps, which must stay zero (the edge waits, then lets botocore retry at once).
    clock: FakeTime
    botocore_sleeps: list[float]
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
        """The handler's world: this clock, simulated waits, log lines, sessions behind the doubles."""
        return handler.Runtime(
            now=lambda: self.now,
            sleep=self.clock.sleep,
            monotonic=self.clock.monotonic,
            log=self.logs.append,
            new_session=self.doubles.session,
        )

    def run(self, event: dict[str, Any], *, settle: bool = True, timeout: float | None = None) -> list[dict[str, Any]]:
        """One invocation (with Lambda's context when a ``timeout`` is given); then, unless ``settle``
        is false, what it imported becomes visible to later ones."""
        context = None if timeout is None else FakeContext.with_timeout(self.clock, timeout)
        try:
            return handler.handle(event, context, self.runtime())
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
    # Waits go to the simulated clock instead of the real one: the suite never sleeps. The edge's
    # own (pacing, retries, redelivery) through acm_expiry.edge's ``time`` (the CLI's system clock
    # too); botocore's are recorded apart, and stay zero.
    clock = FakeTime()
    monkeypatch.setattr(acm_expiry.edge, "time", clock)
    botocore_sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=botocore_sleeps.append))
    default_session = boto3.DEFAULT_SESSION
    with mock_aws():
        doubles = Doubles()
        doubles.clock = clock.monotonic
        acm = FakeAcm(moto_acm_source())
        config = FakeConfig()
        config.clock = lambda: world.now
        doubles.serve("acm", acm)
        doubles.serve("config", config)
        doubles.serve("resourcegroupstaggingapi", FakeTagging(acm))
        security_hub = FakeSecurityHub()
        doubles.serve("securityhub", security_hub)
        events = FakeEvents()
        doubles.serve("events", events)
        now = datetime.now(UTC).replace(microsecond=0)
        world = World(doubles, acm, config, security_hub, events, now, clock, botocore_sleeps)
        yield world
    # Every finding any test had built and imported was within ASFF's documented values.
    assert security_hub.violations == []
    # Nothing the rule does may configure boto3's default session (a warm Lambda container keeps it).
    assert boto3.DEFAULT_SESSION is default_session
    # Every retry wait was the edge's, on its clock: botocore itself never slept.
    assert not any(botocore_sleeps), botocore_sleeps
