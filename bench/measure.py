"""One measurement, in a child process of its own (so that peak RSS is that run's): the rule's handler or a
peer against the AWS doubles of tests/support, with moto for STS; returns every figure as a dict."""

from __future__ import annotations

import json
import math
import resource
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bench.aws_terms import DESCRIBE_QUOTA, LAMBDA_MEMORY_GB, LAMBDA_TIMEOUT_SECONDS, LIST_QUOTA, SECURITY_HUB_QUOTAS
from bench.peer_models import ours_flags, run_peer
from bench.plan import DAYS, EXEMPT_COUNT, OURS, REGION
from bench.simclock import LambdaContext, SimClock
from bench.world import (
    changed_verdicts,
    expected_describes,
    renew_overnight,
    seed_previous_findings,
    seed_previous_run,
    steady_day_bound,
)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(mode: str, count: int, now: datetime) -> dict[str, Any]:
    from acm_expiry_cli.demo import offline_environment

    offline_environment(REGION)
    from moto import mock_aws

    from tests.support.doubles import Doubles, FakeAcm, FakeConfig, FakeTagging
    from tests.support.inventory import synthetic_inventory
    from tests.support.securityhub import FakeSecurityHub

    inventory = synthetic_inventory(count, now, region=REGION)
    exempt: set[str] = set()
    if mode == "ours-exempt":
        for record in inventory[:: max(1, count // EXEMPT_COUNT)][:EXEMPT_COUNT]:
            record["Tags"] = [{"Key": "acm-expiry-exempt", "Value": "accepted: decommissioning"}]
            exempt.add(record["CertificateArn"])
    config, hub = FakeConfig(), FakeSecurityHub()
    yesterday = now - timedelta(days=1)
    if mode in ("ours-steady", "ours-findings"):
        seed_previous_run(config, inventory, yesterday)
    renewed, aged = 0, 0
    if mode == "ours-findings":
        aged = seed_previous_findings(hub, inventory, yesterday, now)
        renewed = renew_overnight(inventory, yesterday, now)
    prior = dict(sorted(Counter(e["ComplianceType"] for e in config.results.values()).items()))
    # What a findings day must import at most, worked out from the inventory, not from the rule's plan:
    # failing certificates (their titles count the days), verdicts that changed, findings 60+ days old.
    yesterday_flags = {arn: e["ComplianceType"] == "NON_COMPLIANT" for arn, e in config.results.items()}
    rss_before = _peak_rss_mb()
    with mock_aws():
        doubles = Doubles()
        acm = FakeAcm(lambda region: inventory)
        doubles.serve("acm", acm)
        doubles.serve("config", config)
        doubles.serve("resourcegroupstaggingapi", FakeTagging(acm))
        doubles.serve("securityhub", hub)
        if mode in OURS:
            clock = SimClock()
            doubles.per_request = clock.request
            outcome = run_ours(mode, doubles, hub, now, clock)
            # What Config holds for each certificate once the run is done: the rule's verdict, end to end.
            outcome["flagged"] = {
                arn: e["ComplianceType"] == "NON_COMPLIANT"
                for arn, e in config.results.items()
                if arn not in exempt and not e.get("Annotation", "").startswith("Exempt by tag")
            }
        else:
            outcome = run_peer(mode, doubles, now)
        wall = outcome["wall"]
    peak = _peak_rss_mb()

    calls = dict(sorted(Counter(name for name, _ in doubles.requests).items()))
    list_calls, describe_calls = calls.get("acm.ListCertificates", 0), calls.get("acm.DescribeCertificate", 0)
    hub_seconds = sum(calls.get(f"securityhub.{op}", 0) / quota for op, quota in SECURITY_HUB_QUOTAS.items())
    # The rule's own verdicts are the reference; exempt certificates are judged NOT_APPLICABLE on purpose.
    truth = {c["CertificateArn"]: ours_flags(c, now) for c in inventory if c["CertificateArn"] not in exempt}
    flagged: dict[str, bool] = outcome["flagged"]
    missed = [arn for arn in truth if arn not in flagged]
    disagree = [arn for arn in flagged if flagged[arn] != truth[arn]]
    undated = {c["CertificateArn"] for c in inventory if "NotAfter" not in c}
    described = {c["CertificateArn"] for c in doubles.calls("acm.DescribeCertificate")}
    expected_described = expected_describes(inventory, now, exempt=mode == "ours-exempt")
    return {
        "mode": mode,
        "count": count,
        "apiCalls": calls,
        "handlerApiCalls": outcome.get("log", {}).get("apiCalls"),
        "acmCalls": list_calls + describe_calls + calls.get("acm.ListTagsForCertificate", 0),
        "modelledAcmSeconds": round(list_calls / LIST_QUOTA + describe_calls / DESCRIBE_QUOTA, 3),
        "modelledSecurityHubSeconds": round(hub_seconds, 3),
        "priorResults": prior,
        "expectedResultPages": max(1, math.ceil(sum(prior.values()) / 100)),
        "wallSeconds": round(wall, 3),
        "peakRssMb": round(peak, 1),
        "rssBeforeRunMb": round(rss_before, 1),
        "certificatesSeen": len(flagged),
        "certificatesMissed": len(missed),
        "missedNeedingAttention": sum(1 for arn in missed if truth[arn]),
        "wrongVerdicts": len(disagree),
        "wrongVerdictsWithoutNotAfter": sum(1 for arn in disagree if arn in undated),
        "findingsImportBound": (
            math.ceil((sum(truth.values()) + changed_verdicts(truth, yesterday_flags) + aged) / 100)
            if mode == "ours-findings"
            else None
        ),
        "rightVerdicts": len(flagged) - len(disagree),
        "resultsHeld": len(config.results) if mode in OURS else None,
        "evaluationsSent": sum(len(batch) for batch in config.put_calls) if mode in OURS else None,
        "steadyDayBound": steady_day_bound(inventory, exempt, yesterday, now) if mode == "ours-steady" else None,
        "modelledSeconds": outcome.get("modelledSeconds"),
        "lambdaGbSeconds": (
            round(outcome["modelledSeconds"] * LAMBDA_MEMORY_GB, 2) if "modelledSeconds" in outcome else None
        ),
        "describedAsExpected": described == expected_described if mode in OURS else None,
        "expectedDescribes": len(expected_described),
        "findings": outcome.get("log", {}).get("findings"),
        "exemptJudged": outcome.get("exempt"),
        "findingsVerdictsChanged": outcome.get("verdictsChanged"),
        "renewedOvernight": renewed,
        "metrics": {k: outcome.get("log", {}).get(k) for k in ("CertificatesEvaluated", "SoonestExpiryDays")},
        "outcome": outcome.get("log", {}).get("outcome", "ok"),
    }


def run_ours(mode: str, doubles: Any, hub: Any, now: datetime, clock: SimClock) -> dict[str, Any]:
    from acm_expiry import handler
    from acm_expiry_cli.sample_events import scheduled_event

    logs: list[str] = []
    runtime = handler.Runtime(
        now=lambda: now, log=logs.append, new_session=doubles.session, sleep=clock.sleep, monotonic=clock.monotonic
    )
    parameters: dict[str, str] = {"daysToExpiration": str(DAYS)}
    if mode == "ours-findings":
        parameters["securityHubFindings"] = "true"
    if mode == "ours-exempt":
        parameters["exemptTagKey"] = "acm-expiry-exempt"
    event = scheduled_event(now, parameters=parameters)
    started, modelled_from = time.perf_counter(), clock.monotonic()
    evaluations = handler.handle(event, LambdaContext(clock, LAMBDA_TIMEOUT_SECONDS), runtime)
    wall = time.perf_counter() - started
    log = json.loads(logs[-1])
    flagged = {e["ComplianceResourceId"]: e["ComplianceType"] == "NON_COMPLIANT" for e in evaluations}
    exempt = {e["ComplianceResourceId"] for e in evaluations if e.get("Annotation", "").startswith("Exempt by tag")}
    # An exempt certificate is NOT_APPLICABLE on purpose: compare the others.
    flagged = {arn: f for arn, f in flagged.items() if arn not in exempt}
    outcome: dict[str, Any] = {
        "log": log,
        "flagged": flagged,
        "exempt": len(exempt),
        "wall": wall,
        "modelledSeconds": round(clock.monotonic() - modelled_from, 2),
    }
    if mode == "ours-findings":  # the hub is not settled: what it shows is still yesterday's
        before = {f["Resources"][0]["Id"]: f["Compliance"]["Status"] == "PASSED" for f in hub.visible()}
        outcome["verdictsChanged"] = sum(
            1
            for e in evaluations
            if e["ComplianceResourceId"] in before and _passes(e) != before[e["ComplianceResourceId"]]
        )
    return outcome


def _passes(evaluation: dict[str, Any]) -> bool:
    return bool(evaluation["ComplianceType"] == "COMPLIANT")


def measure_throttled(mode: str, count: int, now: datetime) -> dict[str, Any]:
    """A first day and a steady day with every call throttled ``deep`` times, within a 900 s Lambda context."""
    from acm_expiry_cli.demo import offline_environment

    offline_environment(REGION)
    import random

    from moto import mock_aws

    from acm_expiry import handler
    from acm_expiry_cli.sample_events import scheduled_event
    from tests.support.doubles import Doubles, FakeAcm, FakeConfig
    from tests.support.inventory import synthetic_inventory

    deep = int(mode.rsplit("-", 1)[1])
    random.seed(count * 10 + deep)  # the backoff's jitter, repeatable
    inventory = synthetic_inventory(count, now, region=REGION)
    config = FakeConfig()
    days: dict[str, Any] = {}
    with mock_aws():
        doubles = Doubles()
        doubles.serve("acm", FakeAcm(lambda region: inventory))
        doubles.serve("config", config)
        doubles.faults.throttle_every_call(deep)
        for day, when in (("first", now), ("steady", now + timedelta(days=1))):
            clock, logs = SimClock(), list[str]()
            doubles.per_request = clock.request
            config.clock = partial(_at, when)
            runtime = handler.Runtime(
                now=partial(_at, when),
                log=logs.append,
                new_session=doubles.session,
                sleep=clock.sleep,
                monotonic=clock.monotonic,
            )
            handler.handle(scheduled_event(when), LambdaContext(clock, LAMBDA_TIMEOUT_SECONDS), runtime)
            line = json.loads(logs[-1])
            modelled = clock.monotonic()
            days[day] = {
                "apiCalls": line["apiCalls"],
                "calls": sum(line["apiCalls"].values()),
                "retries": line["retries"],
                "throttles": line["throttles"],
                "outcome": line["outcome"],
                "deadlineReached": line["deadline"]["reached"],
                "backoffSeconds": round(line["waitedMs"]["backoff"] / 1000, 1),
                "pacingSeconds": round(line["waitedMs"]["pacing"] / 1000, 1),
                "latencySeconds": round(clock.latency, 1),
                "modelledSeconds": round(modelled, 1),
                "lambdaGbSeconds": round(modelled * LAMBDA_MEMORY_GB, 1),
                "evaluationsSent": line["recording"]["planned"],
                "resultsHeld": len(config.results),
            }
    return {"mode": mode, "count": count, "deep": deep, "days": days}


def _at(moment: datetime) -> datetime:
    return moment


def measure_warm(runs: int, now: datetime) -> dict[str, Any]:
    """The handler run ``runs`` times in one process (a warm container), new session per invocation."""
    from acm_expiry_cli.demo import offline_environment

    offline_environment(REGION)
    import boto3
    from moto import mock_aws

    from acm_expiry import handler
    from acm_expiry_cli.sample_events import scheduled_event
    from tests.support.doubles import Doubles, FakeAcm, FakeConfig
    from tests.support.inventory import synthetic_inventory

    inventory = synthetic_inventory(100, now, region=REGION)
    figures: dict[str, Any] = {}
    with mock_aws():
        for name, make in (("rule's new_session", None), ("plain boto3.Session()", boto3.Session)):
            doubles = Doubles()
            doubles.serve("acm", FakeAcm(lambda region: inventory))
            doubles.serve("config", FakeConfig())
            factory: Callable[[], Any] = doubles.session
            if make is not None:
                factory = _plain_sessions(doubles, make)
            logs: list[str] = []
            runtime = handler.Runtime(now=lambda: now, log=logs.append, new_session=factory)
            for _ in range(runs):
                handler.handle(scheduled_event(now, parameters={"AssumeRoleMode": "false"}), None, runtime)
            durations = [json.loads(line)["durationMs"] for line in logs]
            figures[name] = {"firstMs": durations[0], "warmMedianMs": statistics.median(durations[1:])}
    return figures


def _plain_sessions(doubles: Any, make: Callable[[], Any]) -> Callable[[], Any]:
    def new_session() -> Any:
        return doubles.install(make())

    return new_session
