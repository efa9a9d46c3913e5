"""One edge per invocation: no process-wide state, so a warm Lambda container behaves as a cold one."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import acm_expiry.edge
from acm_expiry import handler
from acm_expiry.edge import SYSTEM_CLOCK, AwsEdge, Clock, Deadline, aws_call_error
from acm_expiry.errors import DeadlineReached
from acm_expiry.limits import DEADLINE_RESERVE_SECONDS, MAX_ATTEMPTS
from acm_expiry_cli.sample_events import change_event, oversized_event, scheduled_event
from tests.conftest import FakeTime, World
from tests.support.doubles import INTERNAL_ERROR, SERVICE_UNAVAILABLE, THROTTLING
from tests.support.inventory import config_item, synthetic_inventory

ASSUMED = {"daysToExpiration": "30", "securityHubFindings": "true", "ExecutionRoleName": "ACMExpiryRule-Member"}


def _reset_aws(aws: World, inventory: list[dict[str, Any]]) -> None:
    """AWS as it was before the first invocation: the same certificates, nothing recorded."""
    aws.acm.source = lambda region: inventory
    aws.config.results.clear()
    aws.config.put_calls.clear()
    aws.doubles.requests.clear()
    aws.security_hub.clear()


@pytest.mark.parametrize("trigger", ["scheduled", "change", "oversized"])
def test_a_warm_container_runs_each_invocation_exactly_as_a_cold_one(
    aws: World, monkeypatch: pytest.MonkeyPatch, trigger: str
) -> None:
    """Three invocations of the real ``lambda_handler`` in one process: the same calls, the same log line."""
    inventory = synthetic_inventory(150, aws.now)
    arn = str(inventory[0]["CertificateArn"])
    configuration = {
        "certificateArn": arn,
        "domainName": "warm.example.com",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=4)).isoformat(),
    }
    item = config_item(configuration, aws.now)
    aws.config.record_history(item)
    event = {
        "scheduled": scheduled_event(aws.now, parameters=ASSUMED),
        "change": change_event(item, aws.now, parameters=ASSUMED),
        "oversized": oversized_event(item, aws.now, parameters=ASSUMED),
    }[trigger]
    # The Lambda entry point's own runtime, with a clock that does not move (durationMs stays 0).
    monkeypatch.setattr(handler, "RUNTIME", replace(aws.runtime(), monotonic=lambda: 0.0))
    default_session = boto3.DEFAULT_SESSION

    runs = []
    for _ in range(3):
        _reset_aws(aws, inventory)
        aws.logs.clear()
        aws.doubles.faults.add("acm.ListCertificates", THROTTLING)  # a retry to count, every time
        returned = handler.lambda_handler(json.loads(json.dumps(event)), None)
        requests = sorted(name for name, _ in aws.doubles.requests)
        runs.append((requests, aws.logs[-1], returned))

    # The same calls, log line and answer each time, but for the retry's wait, which is jittered.
    lines = [json.loads(log) for _, log, _ in runs]
    assert len({line.pop("waitedMs")["pacing"] for line in lines}) == 1
    assert [(r[0], r[2]) for r in runs[1:]] == [(runs[0][0], runs[0][2])] * 2 and lines[0] == lines[1] == lines[2]
    line = json.loads(runs[0][1])
    assert line["outcome"] == "ok"
    assert line["apiCalls"]["sts.AssumeRole"] == 1  # one AssumeRole per invocation, whatever it calls
    assert boto3.DEFAULT_SESSION is default_session


def test_one_assume_role_serves_every_client_of_an_invocation(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(20, aws.now)
    aws.run(scheduled_event(aws.now, parameters=ASSUMED))
    (assumed,) = aws.doubles.calls("sts.AssumeRole")
    assert assumed["RoleArn"] == "arn:aws:iam::123456789012:role/ACMExpiryRule-Member"
    called = {name.split(".")[0] for name, _ in aws.doubles.requests}
    assert called == {"sts", "acm", "config", "securityhub", "events"}


def test_nothing_is_configured_beyond_the_edges_own_clients(aws: World) -> None:
    """The retry policy and the call counting live on the edge's clients, not on the session they came from."""
    aws.acm.source = lambda region: synthetic_inventory(20, aws.now)
    aws.run(scheduled_event(aws.now))
    session = aws.doubles.session()
    assert session._session.get_config_variable("max_attempts") is None
    edge = AwsEdge(session, region="us-east-1")
    edge.client("acm").list_certificates()
    plain = session.client("acm", region_name="us-east-1")
    plain.list_certificates()
    assert edge.counts.calls == {"acm.ListCertificates": 1}
    assert plain.meta.config.retries.get("total_max_attempts") is None


def test_two_edges_count_only_their_own_calls_even_in_threads(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(10, aws.now)
    edges = [AwsEdge(aws.doubles.session(), region="us-east-1") for _ in range(2)]

    def list_twice(edge: AwsEdge) -> None:
        for _ in range(2):
            edge.client("acm").list_certificates()

    threads = [
        threading.Thread(target=list_twice, args=(edges[0],)),
        threading.Thread(target=edges[1].client("acm").list_certificates),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert edges[0].counts.calls == {"acm.ListCertificates": 2}
    assert edges[1].counts.calls == {"acm.ListCertificates": 1}


def test_the_retry_policy_is_the_edges_own(aws: World) -> None:
    """botocore's standard mode tries once (so its retry quota is never used); the edge's handler retries."""
    edge = AwsEdge(aws.doubles.session(), region="us-east-1")
    config = edge.client("acm").meta.config
    assert (config.retries["mode"], config.retries["total_max_attempts"]) == ("standard", 1)
    assert (config.connect_timeout, config.read_timeout) == (3, 10)
    aws.doubles.faults.add("acm.ListCertificates", THROTTLING, THROTTLING)
    edge.client("acm").list_certificates()
    assert edge.counts.retries == 2 and edge.counts.throttles == 2


def test_deleted_results_are_read_page_by_page(aws: World) -> None:
    """GetComplianceDetailsByConfigRule, paged at 100: 250 earlier results take three pages."""
    inventory = synthetic_inventory(250, aws.now)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    assert len(aws.config.results) == 250
    held_before = {arn: e["ComplianceType"] for arn, e in aws.config.results.items()}
    deleted = inventory[-25:]  # as many as a trusted listing may leave out of 250 (a tenth)
    del inventory[-25:]
    aws.config.put_calls.clear()
    aws.doubles.requests.clear()
    aws.run(scheduled_event(aws.now))
    pages = aws.doubles.calls("config.GetComplianceDetailsByConfigRule")
    assert [page.get("Limit") for page in pages] == [100, 100, 100]
    assert [bool(page.get("NextToken")) for page in pages] == [False, True, True]
    # Every deleted certificate's result turns NOT_APPLICABLE, "deleted" (a never-issued one's too: its
    # words change): on the listing's word where Config held it COMPLIANT or NOT_APPLICABLE, on ACM's where
    # it held it NON_COMPLIANT (the listing was complete and trusted).
    judged_before = {str(c["CertificateArn"]) for c in deleted}
    marked = {e["ComplianceResourceId"] for e in aws.config.sent if e.get("Annotation", "").startswith("No longer")}
    assert marked == judged_before
    described = {call["CertificateArn"] for call in aws.doubles.calls("acm.DescribeCertificate")}
    failing = {arn for arn in judged_before if held_before[arn] == "NON_COMPLIANT"}
    assert failing and described & judged_before == failing


PURE = (
    "acm_expiry.verdict",
    "acm_expiry.certificate",
    "acm_expiry.outcome",
    "acm_expiry.findings",
    "acm_expiry.asff",
    "acm_expiry.arns",
    "acm_expiry.recording",
    "acm_expiry.crossings",
    "acm_expiry.logline",
    "acm_expiry.text",
    "acm_expiry.held",
)


@pytest.mark.parametrize("module", PURE)
def test_the_pure_core_imports_neither_boto3_nor_rdklib(module: str) -> None:
    probe = f"import sys, {module}; print(sorted(m for m in ('boto3', 'botocore', 'rdklib') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- every wait and attempt within the deadline; retries as botocore would judge them -------------------


def at_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every jittered backoff at its cap, so that waits are exact."""
    monkeypatch.setattr(acm_expiry.edge.random, "uniform", lambda low, high: high)


def edge_with(aws: World, seconds_left: float | None) -> AwsEdge:
    """An edge on the simulated clock, with ``seconds_left`` before its deadline (None: no deadline, the CLI)."""
    at = None if seconds_left is None else aws.clock.now + seconds_left
    return AwsEdge(aws.doubles.session(), region="us-east-1", deadline=Deadline(SYSTEM_CLOCK, at))


def test_a_call_that_ends_exactly_at_the_reserve_still_starts() -> None:
    """The reserve is what must be left when an attempt starts: exactly that much is enough."""
    clock = FakeTime()
    deadline = Deadline(Clock(clock.monotonic, clock.sleep), clock.now + DEADLINE_RESERVE_SECONDS + 2)
    deadline.check("ListCertificates", wait=2)
    with pytest.raises(DeadlineReached, match="ListCertificates"):
        deadline.check("ListCertificates", wait=2.001)


def test_a_pacing_wait_counts_against_the_deadline(aws: World) -> None:
    """The ninth ListCertificates in a second waits its turn (8 a second): not when that turn would come too late."""
    aws.acm.source = lambda region: []
    edge = edge_with(aws, DEADLINE_RESERVE_SECONDS + 0.1)
    acm = edge.client("acm")
    for _ in range(8):  # the burst: no wait
        acm.list_certificates()
    with pytest.raises(DeadlineReached, match="ListCertificates"):
        acm.list_certificates()  # its turn is 1/8 s away, past the reserve
    assert aws.clock.sleeps == [] and edge.counts.pacing_seconds == 0


def test_a_backoff_wait_is_checked_against_the_deadline_before_it_starts(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_cap(monkeypatch)
    aws.acm.source = lambda region: []
    aws.doubles.faults.add("acm.ListCertificates", THROTTLING)
    edge = edge_with(aws, DEADLINE_RESERVE_SECONDS + 0.5)  # the first backoff, 1 s, does not fit
    with pytest.raises(DeadlineReached, match="ListCertificates"):
        edge.client("acm").list_certificates()
    assert aws.clock.sleeps == []  # stopped before waiting, not after
    assert edge.deadline.reached is not None


def test_a_redelivery_wait_counts_against_the_deadline(aws: World) -> None:
    edge = edge_with(aws, DEADLINE_RESERVE_SECONDS + 1)
    edge.wait(1, "PutEvaluations")  # ends exactly at the reserve: waited
    with pytest.raises(DeadlineReached, match="PutEvaluations"):
        edge.wait(0.5, "PutEvaluations")
    assert aws.clock.sleeps == [1] and edge.counts.backoff_seconds == 1


def test_backoff_doubles_from_one_second_and_is_capped_at_20(aws: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a deadline (the CLI): six throttles in a row, each backoff at its cap."""
    at_cap(monkeypatch)
    aws.acm.source = lambda region: []
    aws.doubles.faults.add("acm.ListCertificates", *[THROTTLING] * (MAX_ATTEMPTS - 1))
    edge = edge_with(aws, None)
    edge.client("acm").list_certificates()
    assert aws.clock.sleeps == [1, 2, 4, 8, 16, 20]
    assert edge.counts.backoff_seconds == 51 and edge.counts.pacing_seconds == 0


def test_under_a_deadline_calls_are_retried_past_the_attempt_limit(aws: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda's deadline, not a count, bounds the retries: ten throttles in a row are ridden out in 900 s."""
    at_cap(monkeypatch)
    aws.acm.source = lambda region: []
    aws.doubles.faults.add("acm.ListCertificates", *[THROTTLING] * 10)
    edge = edge_with(aws, 900)
    edge.client("acm").list_certificates()
    assert (edge.counts.retries, edge.counts.throttles) == (10, 10)


def test_only_throttling_answers_count_as_throttles(aws: World) -> None:
    """Server errors are retried too, but they say nothing of the pace: the log line's throttles count only these."""
    aws.acm.source = lambda region: []
    aws.doubles.faults.add("acm.ListCertificates", SERVICE_UNAVAILABLE, INTERNAL_ERROR, THROTTLING)
    edge = edge_with(aws, None)
    edge.client("acm").list_certificates()
    assert (edge.counts.retries, edge.counts.throttles) == (3, 1)


def test_the_deadline_reports_the_first_thing_it_stopped() -> None:
    """The log line's stoppedBefore: the read it cut short, not the writes refused after it."""
    clock = FakeTime()
    deadline = Deadline(Clock(clock.monotonic, clock.sleep), clock.now + DEADLINE_RESERVE_SECONDS - 1)
    for operation in ("GetComplianceDetailsByConfigRule", "PutEvaluations"):
        with pytest.raises(DeadlineReached, match=operation):
            deadline.check(operation)
    assert deadline.reached is not None and deadline.reached.operation == "GetComplianceDetailsByConfigRule"


@pytest.mark.parametrize("code", ["AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "Unauthorized"])
def test_an_access_error_names_the_missing_permission(code: str) -> None:
    error = ClientError({"Error": {"Code": code, "Message": "not authorized"}}, "PutEvaluations")
    assert aws_call_error(error).missing_permission == "config:PutEvaluations"
    other = ClientError({"Error": {"Code": "ValidationException", "Message": "bad"}}, "PutEvaluations")
    assert aws_call_error(other).missing_permission is None
