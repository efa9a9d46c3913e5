"""`make bench`: the rule's periodic evaluation at 100, 2,500 and 10,000 certificates, beside what its peers do.

Each measurement runs in a fresh child process (this script with ``--child``), so peak RSS is that
run's own. Inside the child: moto's ``mock_aws`` (for STS), and the AWS doubles of ``tests/support``
in front of every client: FakeAcm serving ``synthetic_inventory(N, now)`` (pages of up to 1000,
ACM's default filters), FakeConfig, FakeTagging and FakeSecurityHub.

The rule (the real ``acm_expiry.handler.handle``, a scheduled event, daysToExpiration 30):

- ``ours``: its FIRST periodic run: Config holds no results yet, so the read of them is one empty page.
- ``ours-steady``: any later day: Config holds yesterday's result for every certificate, and the
  run records only what changed (NON_COMPLIANT ones, verdicts or words that differ) and the
  certificates whose 30-day refresh turn is today (about N/30; the busiest of the 30 days is
  printed). Its evaluations recorded, times 30, are a month's; beside them, "every certificate
  every day" (rdklib's default and AWS's managed rule): 30 N. Config's list price: $0.001 per
  evaluation for the first 100,000 a month per account and Region, $0.0008 up to 500,000, $0.0005
  beyond.
- ``ours-findings``: a later day with ``securityHubFindings`` on: Config and Security Hub hold
  yesterday's results and findings (the findings' last updates spread over 1 to 67 days ago, as
  refreshes leave them in a steady state), and 30 imported certificates that failed yesterday
  were renewed overnight.
- ``ours-exempt``: a first run with ``exemptTagKey`` set and 100 certificates carrying the tag.
- ``throttled-2``, ``throttled-3`` (at the largest N only): a first day and then a steady day with
  EVERY call throttled two (three) times before it succeeds, through botocore's real retry
  machinery, with a Lambda context of 900 s (the recommended timeout): calls, retries, and the
  modelled duration on a simulated clock (compute as measured, plus pacing and backoff waits,
  plus 50 ms of network latency per request, an assumption).

Lambda GB-seconds per run are the modelled duration times 0.25 GB (the recommended 256 MB).

Its peers, their calls as their source makes them (read from the wheels of the versions named):

- ``prowler``: Prowler 5.46 ``acm_certificates_expiration_check``
  (``prowler/providers/aws/services/acm/acm_service.py``): the ``list_certificates`` paginator with
  ``Includes.keyTypes`` all seven and no ``MaxItems`` (ACM's default page size, which the model
  does not state: the double's is 1000, the most the API allows, so the figure is a lower bound),
  then ``DescribeCertificate`` and ``ListTagsForCertificate`` for every certificate. Its verdict
  (the check's ``.py``): whole days from the summary's ``NotAfter`` rounded down (0 when there is
  none), FAIL when ``days <= days_to_expire_threshold``. Modelled at its best for a 30-day
  window: threshold 30 and ``--scan-unused-services`` (by default it uses 7 days and reports
  certificates in use only).
- ``custodian``: Cloud Custodian 0.9.53 ``acm-certificate`` (``c7n/resources/acm.py``):
  ``list_certificates`` with six key types (not RSA_3072), ``DescribeCertificate`` for every
  certificate, tags by Resource Groups Tagging ``GetResources`` for 100 ARNs a call
  (``universal_augment``), and a ``value_type: expiration`` filter on ``NotAfter`` within 30 days.
- ``hand-written``: a rule written without knowing ACM's default filter: ListCertificates without
  ``Includes`` (RSA_1024 and RSA_2048 only), ``DescribeCertificate`` for every certificate.

ACM's documented rate quotas give the API time each needs at least in a real account:
ListCertificates calls / 8 + DescribeCertificate calls / 10 seconds. Calls without a quota in our
sources (ListTagsForCertificate, the Tagging API, Config's) are counted, not turned into time, so
the peers' modelled times are lower bounds. Security Hub's documented quotas (GetFindings 3/s,
BatchImportFindings and BatchUpdateFindings 10/s) give the findings' API time.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

COUNTS = (100, 2_500, 10_000)
DAYS = 30
REGION = "us-east-1"
EXEMPT_COUNT = 100
LIST_QUOTA, DESCRIBE_QUOTA = 8, 10  # requests per second, ACM's documented rate quotas
SECURITY_HUB_QUOTAS = {"GetFindings": 3, "BatchImportFindings": 10, "BatchUpdateFindings": 10}
RSS_LIMIT_MB = 128
PEERS_MIN_SECONDS, OURS_MAX_SECONDS = 900, 10
ALL_KEY_TYPES = ("RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1")
CUSTODIAN_KEY_TYPES = tuple(k for k in ALL_KEY_TYPES if k != "RSA_3072")
OURS = ("ours", "ours-steady", "ours-findings", "ours-exempt")
THROTTLED = ("throttled-2", "throttled-3")
LAMBDA_TIMEOUT_SECONDS, LAMBDA_MEMORY_GB = 900, 0.25  # what deploy/README.md recommends
LATENCY_SECONDS = 0.05  # modelled network round trip per request
# AWS Config rule evaluations, list price per evaluation recorded, per account and Region a month.
CONFIG_PRICE_TIERS = ((100_000, 0.001), (400_000, 0.0008), (None, 0.0005))
PEERS = ("prowler", "custodian", "hand-written")
MODES = (*OURS, *PEERS)
LABELS = {
    "ours": "ours 1st",
    "ours-steady": "ours steady",
    "ours-findings": "ours+findings",
    "ours-exempt": "ours+exempt",
    "prowler": "Prowler",
    "custodian": "Custodian",
    "hand-written": "hand-written",
}
ROOT = Path(__file__).resolve().parent.parent


# --- child: one measurement -----------------------------------------------------------------------


class SimClock:
    """Time as measured in process, plus every wait the edge asks for and each request's modelled latency."""

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self.waited = 0.0
        self.latency = 0.0

    def monotonic(self) -> float:
        return time.perf_counter() - self._start + self.waited + self.latency

    def sleep(self, seconds: float) -> None:
        self.waited += seconds

    def request(self, operation: str) -> None:
        self.latency += LATENCY_SECONDS


class LambdaContext:
    """Lambda's context as the handler reads it: the time left of the timeout, on the simulated clock."""

    def __init__(self, clock: SimClock, timeout: float) -> None:
        self._clock, self._deadline = clock, clock.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, round((self._deadline - self._clock.monotonic()) * 1000))


def config_cost(evaluations_a_month: int) -> float:
    """The month's AWS Config rule evaluation charge at list price, in dollars."""
    cost, left = 0.0, evaluations_a_month
    for size, price in CONFIG_PRICE_TIERS:
        part = left if size is None else min(left, size)
        cost, left = cost + part * price, left - part
    return round(cost, 2)


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
            math.ceil((sum(truth.values()) + _changed(truth, yesterday_flags) + aged) / 100)
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


def _changed(today: dict[str, bool], yesterday: dict[str, bool]) -> int:
    return sum(1 for arn, flagged in today.items() if arn in yesterday and yesterday[arn] != flagged)


def steady_day_bound(
    inventory: list[dict[str, Any]], exempt: set[str], yesterday: datetime, now: datetime
) -> dict[str, int]:
    """What a steady day may record, counted from the inventory: NON_COMPLIANT + changed + those due a refresh.

    ``refresh``: the certificates whose turn (a hash of the ARN, one day in 30) is today; ``busiestDay``:
    the most any of the 30 days has, and ``meanDay`` N/30.
    """
    from acm_expiry.certificate import Certificate
    from acm_expiry.recording import REFRESH_DAYS, day_number, refresh_day
    from acm_expiry.verdict import judge

    noncompliant = changed = 0
    for record in inventory:
        if record["CertificateArn"] in exempt:
            continue
        certificate = Certificate.from_acm(record)
        before, after = judge(certificate, yesterday, DAYS), judge(certificate, now, DAYS)
        if after.compliance == "NON_COMPLIANT":
            noncompliant += 1
        elif (before.compliance, before.annotation) != (after.compliance, after.annotation):
            changed += 1
    turns = [refresh_day(str(record["CertificateArn"])) for record in inventory]
    refresh = turns.count(day_number(now) % REFRESH_DAYS)
    bound = noncompliant + changed + refresh
    busiest = max(turns.count(day) for day in range(REFRESH_DAYS)) if turns else 0
    return {
        "nonCompliant": noncompliant,
        "changed": changed,
        "refresh": refresh,
        "bound": bound,
        "busiestDay": busiest,
        "meanDay": round(len(inventory) / REFRESH_DAYS),
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


def run_peer(mode: str, doubles: Any, now: datetime) -> dict[str, Any]:
    """A peer's calls, as its source makes them, and its verdict: flagged or not, per certificate it saw."""
    from acm_expiry.edge import AwsEdge, Clock

    started = time.perf_counter()
    # The same retry policy as ours; the peers do not pace their calls, so the edge's waits are skipped.
    edge = AwsEdge(doubles.session(), region=REGION, clock=Clock(time.perf_counter, lambda seconds: None))
    acm = edge.client("acm")
    listing: dict[str, Any] = {}
    if mode == "prowler":
        listing["Includes"] = {"keyTypes": list(ALL_KEY_TYPES)}
    elif mode == "custodian":
        listing["Includes"] = {"keyTypes": list(CUSTODIAN_KEY_TYPES)}
    pages = acm.get_paginator("list_certificates").paginate(**listing)
    summaries = [summary for page in pages for summary in page["CertificateSummaryList"]]
    flagged: dict[str, bool] = {}
    for summary in summaries:
        arn = summary["CertificateArn"]
        described = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        if mode == "prowler":
            acm.list_tags_for_certificate(CertificateArn=arn)
            flagged[arn] = prowler_flags(summary, now, threshold=DAYS)
        elif mode == "custodian":
            flagged[arn] = custodian_flags(described, now, days=DAYS)
        else:
            from acm_expiry.certificate import Certificate
            from acm_expiry.verdict import judge

            flagged[arn] = judge(Certificate.from_acm(described), now, DAYS).compliance == "NON_COMPLIANT"
    if mode == "custodian":  # universal_augment: GetResources for up to 100 ARNs a call
        tagging = edge.client("resourcegroupstaggingapi")
        arns = list(flagged)
        for start in range(0, len(arns), 100):
            tagging.get_resources(ResourceARNList=arns[start : start + 100])
    return {"flagged": flagged, "wall": time.perf_counter() - started}


def ours_flags(described: dict[str, Any], now: datetime) -> bool:
    """The rule's answer for a certificate: NON_COMPLIANT or not (the reference for the others)."""
    from acm_expiry.certificate import Certificate
    from acm_expiry.verdict import judge

    return bool(judge(Certificate.from_acm(described), now, DAYS).compliance == "NON_COMPLIANT")


def prowler_flags(summary: dict[str, Any], now: datetime, threshold: int) -> bool:
    """Prowler's check: ``(NotAfter - now).days`` (0 without NotAfter); FAIL when ``days <= threshold``."""
    not_after = summary.get("NotAfter")
    days = (not_after - now).days if isinstance(not_after, datetime) else 0
    return days <= threshold


def custodian_flags(described: dict[str, Any], now: datetime, days: int) -> bool:
    """Custodian's ``value_type: expiration`` filter, ``op: lte``: NotAfter <= now + days; no NotAfter: no match."""
    not_after = described.get("NotAfter")
    return isinstance(not_after, datetime) and not_after <= now + timedelta(days=days)


def expected_describes(inventory: list[dict[str, Any]], now: datetime, *, exempt: bool) -> set[str]:
    """DescribeCertificate for eligible AMAZON_ISSUED and PRIVATE certificates inside the window, not exempt."""
    window = timedelta(days=DAYS)
    return {
        c["CertificateArn"]
        for c in inventory
        if c["Type"] in ("AMAZON_ISSUED", "PRIVATE")
        and c["RenewalEligibility"] != "INELIGIBLE"
        and c["Status"] == "ISSUED"
        and timedelta(0) < datetime.fromtimestamp(c["NotAfter"], UTC) - now <= window
        and not (exempt and c.get("Tags"))
    }


def seed_previous_run(config: Any, inventory: list[dict[str, Any]], then: datetime) -> None:
    """What a run at ``then`` left in Config: one result per certificate (judged at ``then``)."""
    from acm_expiry.certificate import Certificate
    from acm_expiry.verdict import judge

    for certificate in inventory:
        verdict = judge(Certificate.from_acm(certificate), then, DAYS)
        arn = certificate["CertificateArn"]
        config.results[arn] = {
            "ComplianceResourceType": "AWS::ACM::Certificate",
            "ComplianceResourceId": arn,
            "ComplianceType": str(verdict.compliance),
            "Annotation": verdict.annotation,
            "OrderingTimestamp": then,
        }


def seed_previous_findings(hub: Any, inventory: list[dict[str, Any]], then: datetime, now: datetime) -> int:
    """Yesterday's findings, as the rule wrote them, their last updates spread over 1 to 67 days ago;
    returns how many of them are at least 60 days old today.

    With refreshes 60 to 74 days after a finding's last update, a steady state holds findings of
    every age up to about that; a finding written yesterday for the first time is the youngest.
    """
    from acm_expiry.certificate import Certificate
    from acm_expiry.findings import Product, plan_findings
    from acm_expiry.outcome import Assessment
    from acm_expiry.verdict import judge

    outcomes = [Assessment(Certificate.from_acm(c), judge(Certificate.from_acm(c), then, DAYS)) for c in inventory]
    product = Product("aws", REGION, "123456789012")
    imports = plan_findings(outcomes, {}, rule_name="ACMExpiryRule", product=product, window=DAYS, now=then).imports
    for index, finding in enumerate(imports):
        updated = then - timedelta(days=66 * index / max(1, len(imports)))
        stamp = updated.strftime("%Y-%m-%dT%H:%M:%S.") + f"{updated.microsecond // 1000:03d}Z"
        hub.seed(finding | {"CreatedAt": stamp, "UpdatedAt": stamp})
    # How many are 60 days old or more today: at most these can be due for a refresh.
    return sum(1 for index in range(len(imports)) if 66 * index / max(1, len(imports)) + 1 >= 60)


RENEWED_OVERNIGHT = 30


def renew_overnight(inventory: list[dict[str, Any]], yesterday: datetime, now: datetime) -> int:
    """A few dozen verdicts change between two days: up to 30 imported certificates failing yesterday were
    re-imported renewed; how many."""
    failing = [
        c
        for c in inventory
        if c["Type"] == "IMPORTED"
        and c["Status"] == "ISSUED"
        and 0 < c["NotAfter"] - yesterday.timestamp() <= DAYS * 86400
    ]
    for certificate in failing[:RENEWED_OVERNIGHT]:
        certificate["NotAfter"] = (now + timedelta(days=395)).timestamp()
    return min(len(failing), RENEWED_OVERNIGHT)


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


# --- parent: run the children, compare, report --------------------------------------------------


def run_child(mode: str, count: int, now: datetime) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--count", str(count)]
    command += ["--now", str(now.timestamp())]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench child {mode} N={count} failed ({done.returncode}):\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _check(name: str, value: Any, want: str, ok: bool) -> tuple[str, Any, str, bool]:
    return name, value, want, ok


def targets_for(count: int, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    checks = []
    for mode in OURS:
        run = results[mode]
        calls = run["apiCalls"]
        label = LABELS[mode]
        checks += [
            _check(
                f"{label}: ListCertificates calls = ceil(N/1000) + 1 (the Amazon N2 listing)",
                calls.get("acm.ListCertificates", 0),
                f"= {math.ceil(count / 1000) + 1}",
                calls.get("acm.ListCertificates", 0) == math.ceil(count / 1000) + 1,
            ),
            _check(
                f"{label}: PutEvaluations calls = ceil(evaluations sent / 100)",
                calls.get("config.PutEvaluations", 0),
                f"= {max(1, math.ceil(run['evaluationsSent'] / 100))}",
                calls.get("config.PutEvaluations", 0) == max(1, math.ceil(run["evaluationsSent"] / 100)),
            ),
            _check(
                f"{label}: GetComplianceDetailsByConfigRule calls = ceil(results held before / 100), at least 1",
                calls.get("config.GetComplianceDetailsByConfigRule", 0),
                f"= {run['expectedResultPages']}",
                calls.get("config.GetComplianceDetailsByConfigRule", 0) == run["expectedResultPages"],
            ),
            _check(
                f"{label}: DescribeCertificate only for eligible AMAZON_ISSUED and PRIVATE inside the window",
                calls.get("acm.DescribeCertificate", 0),
                f"= {run['expectedDescribes']}, same ARNs",
                bool(run["describedAsExpected"]),
            ),
            _check(
                f"{label}: Config holds a result for every certificate",
                run["resultsHeld"],
                f"= {count}",
                run["resultsHeld"] == count,
            ),
            _check(
                f"{label}: every result Config holds equals judging its certificate directly",
                run["wrongVerdicts"],
                "= 0",
                run["wrongVerdicts"] == 0 and run["certificatesMissed"] == 0,
            ),
        ]
        if mode in ("ours", "ours-exempt"):
            checks.append(
                _check(
                    f"{label}: a first run records every certificate",
                    run["evaluationsSent"],
                    f"= {count}",
                    run["evaluationsSent"] == count,
                )
            )
        if mode == "ours-steady":
            bound = run["steadyDayBound"]
            checks.append(
                _check(
                    f"{label}: evaluations recorded <= NON_COMPLIANT + changed + due a refresh today"
                    f" (N/30 = {bound['meanDay']}, busiest day {bound['busiestDay']}), from the inventory",
                    run["evaluationsSent"],
                    f"<= {bound['nonCompliant']} + {bound['changed']} + {bound['refresh']} = {bound['bound']}",
                    run["evaluationsSent"] <= bound["bound"],
                )
            )
        if count == max(COUNTS) and mode in ("ours", "ours-steady"):
            checks += [
                _check(
                    f"{label}: peak RSS at N={count:,} < {RSS_LIMIT_MB} MB",
                    run["peakRssMb"],
                    f"< {RSS_LIMIT_MB}",
                    run["peakRssMb"] < RSS_LIMIT_MB,
                ),
                _check(
                    f"{label}: modelled ACM API time at N={count:,} < {OURS_MAX_SECONDS} s",
                    run["modelledAcmSeconds"],
                    f"< {OURS_MAX_SECONDS}",
                    run["modelledAcmSeconds"] < OURS_MAX_SECONDS,
                ),
            ]
    findings = results["ours-findings"]
    counts = findings["findings"] or {}
    imports = findings["apiCalls"].get("securityhub.BatchImportFindings", 0)
    bound = findings["findingsImportBound"]
    checks += [
        _check(
            "ours+findings: BatchImportFindings calls <= ceil((failing + verdicts changed + findings 60+ days old)"
            " / 100), counted from the inventory, not ceil(N/100)",
            imports,
            f"<= {bound} (ceil(N/100) = {math.ceil(count / 100)})",
            # Below ceil(N/100) too, wherever importing every finding takes more than one call.
            imports <= bound and (bound < math.ceil(count / 100) or math.ceil(count / 100) == 1),
        ),
        _check(
            "ours+findings: GetFindings calls = ceil(findings held / 100)",
            findings["apiCalls"].get("securityhub.GetFindings", 0),
            f"= {math.ceil(counts.get('read', 0) / 100)}",
            findings["apiCalls"].get("securityhub.GetFindings", 0) == math.ceil(counts.get("read", 0) / 100),
        ),
    ]
    updates, renewed = findings["apiCalls"].get("securityhub.BatchUpdateFindings", 0), findings["renewedOvernight"]
    checks.append(
        _check(
            f"ours+findings: the {renewed} certificates renewed overnight have their findings resolved the same run",
            counts.get("resolved", 0),
            f">= {renewed}, in ceil(resolved/100) BatchUpdateFindings calls",
            renewed > 0 and counts.get("resolved", 0) >= renewed and updates == math.ceil(counts["resolved"] / 100),
        )
    )
    exempt = results["ours-exempt"]["apiCalls"].get("resourcegroupstaggingapi.GetResources", 0)
    checks.append(
        _check(
            f"ours+exempt: tagging GetResources calls = ceil({EXEMPT_COUNT} exempt / 100)",
            exempt,
            f"= {math.ceil(EXEMPT_COUNT / 100)}",
            exempt == math.ceil(EXEMPT_COUNT / 100),
        )
    )
    if count == max(COUNTS):
        for mode in ("prowler", "custodian"):
            checks.append(
                _check(
                    f"{LABELS[mode]}: modelled ACM API time at N={count:,} > {PEERS_MIN_SECONDS} s (Lambda's limit)",
                    results[mode]["modelledAcmSeconds"],
                    f"> {PEERS_MIN_SECONDS}",
                    results[mode]["modelledAcmSeconds"] > PEERS_MIN_SECONDS,
                )
            )
    return [{"n": count, "target": n, "value": v, "expected": w, "pass": ok} for n, v, w, ok in checks]


def throttled_targets(count: int, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    checks = []
    limit = LAMBDA_TIMEOUT_SECONDS - 15
    for run in results.values():
        for day, figures in run["days"].items():
            label = f"{run['deep']} throttles a call, {day} day"
            checks += [
                _check(
                    f"{label}: completes, every certificate's result recorded",
                    figures["outcome"],
                    f"ok, {count} held",
                    figures["outcome"] == "ok" and not figures["deadlineReached"] and figures["resultsHeld"] == count,
                ),
                _check(
                    f"{label}: retries = {run['deep']} x calls, none lost to a retry quota",
                    figures["retries"],
                    f"= {run['deep'] * figures['calls']}",
                    figures["retries"] == figures["throttles"] == run["deep"] * figures["calls"],
                ),
                _check(
                    f"{label}: modelled duration fits the {LAMBDA_TIMEOUT_SECONDS} s timeout with the 15 s reserve",
                    figures["modelledSeconds"],
                    f"< {limit}",
                    figures["modelledSeconds"] < limit,
                ),
            ]
    return [{"n": count, "target": n, "value": v, "expected": w, "pass": ok} for n, v, w, ok in checks]


def cost_figures(runs: dict[str, Any]) -> dict[str, Any]:
    """Per N: a steady day's evaluations, a month of them and its list price, beside every certificate every day."""
    figures = {}
    for count, run in runs.items():
        n = int(count)
        steady = run["ours-steady"]["evaluationsSent"]
        figures[count] = {
            "steadyDayEvaluations": steady,
            "monthEvaluations": 30 * steady,
            "monthCostUsd": config_cost(30 * steady),
            "everyDayMonthEvaluations": 30 * n,
            "everyDayMonthCostUsd": config_cost(30 * n),
            "lambdaGbSecondsFirstRun": run["ours"]["lambdaGbSeconds"],
            "lambdaGbSecondsSteadyDay": run["ours-steady"]["lambdaGbSeconds"],
        }
    return figures


def _row(label: str, values: Sequence[Any], width: int = 14) -> str:
    return f"  {label:<44}" + "".join(f"{_fmt(v):>{width}}" for v in values)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def inventory_profile(count: int, now: datetime) -> dict[str, Any]:
    from tests.support.inventory import synthetic_inventory

    inventory = synthetic_inventory(count, now, region=REGION)
    window = timedelta(days=DAYS)

    def left(c: dict[str, Any]) -> timedelta | None:
        return datetime.fromtimestamp(c["NotAfter"], UTC) - now if "NotAfter" in c else None

    in_window = [c for c in inventory if c["Status"] == "ISSUED" and timedelta(0) < (left(c) or -window) <= window]
    return {
        "certificates": count,
        "byType": dict(sorted(Counter(c["Type"] for c in inventory).items())),
        "byKeyType": dict(sorted(Counter(c["KeyAlgorithm"] for c in inventory).items())),
        "insideWindow": len(in_window),
        "renewedByAcmInsideWindow": sum(
            1 for c in in_window if c["Type"] != "IMPORTED" and c["RenewalEligibility"] == "ELIGIBLE"
        ),
        "visibleWithoutIncludes": sum(1 for c in inventory if c["KeyAlgorithm"] in ("RSA_1024", "RSA_2048")),
        "rsa3072": sum(1 for c in inventory if c["KeyAlgorithm"] == "RSA_3072"),
    }


def report(now: datetime, counts: Sequence[int]) -> dict[str, Any]:
    print(f"ACMExpiryRule periodic evaluation benchmark: daysToExpiration {DAYS}, now {now:%Y-%m-%d %H:%M} UTC")
    print("Each figure from a fresh child process. Modelled API time at documented quotas: ACM ListCertificates 8/s,")
    print("DescribeCertificate 10/s; Security Hub GetFindings 3/s, BatchImport/UpdateFindings 10/s. Calls without a")
    print("documented quota in our sources (ListTagsForCertificate, Tagging, Config) are counted, not modelled.\n")
    warm = json.loads(_child_output("warm", 10, now))
    runs: dict[str, Any] = {}
    targets: list[dict[str, Any]] = []
    for count in counts:
        profile = inventory_profile(count, now)
        results = {mode: run_child(mode, count, now) for mode in MODES}
        runs[str(count)] = {"inventory": profile, **results}
        targets += targets_for(count, results)
        print(
            f"N = {count:,}: {profile['byType']}; {profile['insideWindow']} inside the window, "
            f"{profile['renewedByAcmInsideWindow']} of them ACM would renew; "
            f"{profile['visibleWithoutIncludes']:,} RSA_1024/2048, {profile['rsa3072']} RSA_3072"
        )
        print(_row("", [LABELS[m] for m in MODES]))
        operations = sorted({op for r in results.values() for op in r["apiCalls"]})
        for op in operations:
            print(_row(op, [r["apiCalls"].get(op, 0) for r in results.values()]))
        for key, label in (
            ("modelledAcmSeconds", "modelled ACM API time (s)"),
            ("modelledSecurityHubSeconds", "modelled Security Hub API time (s)"),
            ("wallSeconds", "wall time in process (s)"),
            ("peakRssMb", "peak RSS (MB)"),
            ("certificatesSeen", "certificates judged"),
            ("certificatesMissed", "certificates never listed"),
            ("missedNeedingAttention", "  of them NON_COMPLIANT"),
            ("wrongVerdicts", "verdicts unlike the rule's"),
            ("wrongVerdictsWithoutNotAfter", "  of them for a certificate without NotAfter"),
        ):
            print(_row(label, [r[key] for r in results.values()]))
        findings = results["ours-findings"]
        print(
            f"  ours+findings: {findings['findings']}; {findings['findingsVerdictsChanged']} verdicts changed since "
            "yesterday\n"
        )
    costs = cost_figures(runs)
    memory = f"{LAMBDA_MEMORY_GB * 1024:.0f} MB"
    print(f"A month of AWS Config rule evaluations (list price), and Lambda GB-seconds at {memory}:")
    print(_row("", ["steady day", "month", "$ / month", "every day", "$ / month", "GB-s 1st", "GB-s day"], 12))
    for size, figures in costs.items():
        print(_row(f"N = {int(size):,}", list(figures.values()), 12))
    print()
    throttled: dict[str, Any] = {}
    largest = max(counts)
    throttled = {mode: run_child(mode, largest, now) for mode in THROTTLED}
    targets += throttled_targets(largest, throttled)
    print(f"N = {largest:,}, every call throttled before it succeeds (Lambda timeout {LAMBDA_TIMEOUT_SECONDS} s):")
    keys: tuple[str, ...] = ("calls", "retries", "backoffSeconds", "pacingSeconds", "latencySeconds")
    keys += ("modelledSeconds", "lambdaGbSeconds")
    print(_row("", [f"{m.split('-')[1]} deep, {d}" for m in THROTTLED for d in ("first", "steady")], 16))
    for key in keys:
        print(_row(key, [throttled[m]["days"][d][key] for m in THROTTLED for d in ("first", "steady")], 16))
    print()
    print(
        "Warm container (10 invocations in one process, N=100): "
        + "; ".join(f"{k}: first {v['firstMs']} ms, then median {v['warmMedianMs']} ms" for k, v in warm.items())
        + "\n"
    )
    print("Targets:")
    for target in targets:
        mark = "PASS" if target["pass"] else "FAIL"
        print(
            f"  [{mark}] N={target['n']:>6,}  {target['target']}: {_fmt(target['value'])} (want {target['expected']})"
        )
    return {
        "bench": "periodic",
        "daysToExpiration": DAYS,
        "now": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quotasPerSecond": {
            "ListCertificates": LIST_QUOTA,
            "DescribeCertificate": DESCRIBE_QUOTA,
            **SECURITY_HUB_QUOTAS,
        },
        "warmContainer": warm,
        "runs": runs,
        "cost": costs,
        "throttled": throttled,
        "targets": targets,
        "allTargetsPass": all(t["pass"] for t in targets),
    }


def _child_output(mode: str, count: int, now: datetime) -> str:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--count", str(count)]
    done = subprocess.run([*command, "--now", str(now.timestamp())], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench child {mode} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def main(argv: Sequence[str] | None = None) -> int:
    for source in (ROOT, ROOT / "cli", ROOT / "ACMExpiryRule"):  # a checkout, installed or not; tests.support
        if str(source) not in sys.path:
            sys.path.insert(0, str(source))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", choices=(*MODES, *THROTTLED, "warm"), help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--now", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--counts", type=int, nargs="+", default=list(COUNTS), help="inventory sizes (100 2500 10000)")
    args = parser.parse_args(argv)
    now = datetime.fromtimestamp(args.now, UTC) if args.now is not None else datetime.now(UTC).replace(microsecond=0)
    if args.child == "warm":
        print(json.dumps(measure_warm(args.count, now)))
        return 0
    if args.child in THROTTLED:
        print(json.dumps(measure_throttled(args.child, args.count, now), sort_keys=True, default=str))
        return 0
    if args.child:
        print(json.dumps(measure(args.child, args.count, now), sort_keys=True, default=str))
        return 0
    figures = report(now, args.counts)
    print(json.dumps(figures, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
