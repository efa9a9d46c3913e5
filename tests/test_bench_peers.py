"""`make bench-peers`, the pieces that need no peer: the inventory and its expected verdicts, the request
log and its counting, the verdict readers, the measurement of a process, and the table.

The peers themselves (Prowler, Cloud Custodian) are installed and run only by `make bench-peers`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from acm_expiry.certificate import Certificate
from acm_expiry.verdict import judge
from acm_expiry_cli.demo import self_signed
from bench import peers
from bench.peers import COMPLIANT, INVENTORY, NON_COMPLIANT, NOT_APPLICABLE, Fact, Measured, Run, Spec, Tool
from bench.requestlog import Entry, RequestLog, adjust_acm, count_calls, listed_arns, operation_of
from tests.support.moto_server import free_port

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/"


def facts_at(now: datetime) -> list[Fact]:
    """The inventory as setup leaves it, had every certificate been imported at ``now``; the expired one
    expired a minute before."""
    facts = []
    for index, spec in enumerate(INVENTORY):
        if spec.origin == "requested":
            not_after = None
        elif spec.origin == "private":
            not_after = now + timedelta(days=365)
        elif spec.expires_in == peers.EXPIRING:
            not_after = now - timedelta(minutes=1)
        else:
            assert spec.expires_in is not None
            not_after = now + spec.expires_in
        facts.append(Fact(f"{ARN}{index:04d}", spec, not_after))
    return facts


# --- the inventory --------------------------------------------------------------------------------


def test_the_inventory_covers_every_key_type_inside_and_outside_the_window() -> None:
    inside = {s.key_type for s in INVENTORY if s.origin == "imported" and s.expires_in == timedelta(days=10)}
    outside = {s.key_type for s in INVENTORY if s.origin == "imported" and s.expires_in == timedelta(days=200)}
    assert inside == outside == set(peers.KEY_TYPES)
    assert len(peers.KEY_TYPES) == 7


def test_the_inventory_covers_the_edges_expired_never_issued_in_use_exempt_and_private() -> None:
    window = timedelta(days=peers.DAYS)
    edges = sorted(
        s.expires_in - window for s in INVENTORY if s.expires_in and abs(s.expires_in - window) <= window / 30
    )
    assert edges == [timedelta(hours=-1)] * 2 + [timedelta(hours=1)] * 2
    assert [s.domain for s in INVENTORY if s.expires_in == peers.EXPIRING] == ["expired.example.com"]
    assert peers.EXPIRING.total_seconds() < 60  # expired before the tools run, not hours into the run
    assert [s.origin for s in INVENTORY if s.expires_in is None] == ["requested", "private"]
    assert sum(s.in_use for s in INVENTORY) == 2
    assert [s.expires_in for s in INVENTORY if s.exempt] == [timedelta(days=5)]  # inside the window: it matters
    assert len({s.domain for s in INVENTORY}) == len(INVENTORY)


EXPECTED = {
    # Every key type: 10 days left is inside the window, 200 days outside.
    **{f"{peers._slug(k)}-soon.example.com": NON_COMPLIANT for k in peers.KEY_TYPES},
    **{f"{peers._slug(k)}-later.example.com": COMPLIANT for k in peers.KEY_TYPES},
    "edge-in.example.com": NON_COMPLIANT,  # 30 days - 1 h: within 30 x 24 h
    "edge-out.example.com": COMPLIANT,  # 30 days + 1 h: 31 days, rounded up
    "edge-in-ec.example.com": NON_COMPLIANT,
    "edge-out-ec.example.com": COMPLIANT,
    "last-hour.example.com": NON_COMPLIANT,
    "expired.example.com": NON_COMPLIANT,
    "pending.example.com": NOT_APPLICABLE,  # never issued
    "in-use-soon.example.com": NON_COMPLIANT,
    "in-use-later.example.com": COMPLIANT,
    "exempt.example.com": NOT_APPLICABLE,  # exempt by tag, though 5 days from expiry
    "private.example.com": COMPLIANT,
}


def test_expected_verdicts_follow_the_documented_table() -> None:
    got = {f.spec.domain: peers.expected_verdict(f, NOW) for f in facts_at(NOW)}
    assert got == EXPECTED


def test_the_rules_own_judgement_agrees_with_the_expected_verdicts() -> None:
    """The expectation is written apart from the rule; on this inventory the two must agree."""
    for fact in facts_at(NOW):
        if fact.spec.exempt:
            continue  # exemption is decided before judging, from the tag
        answer: dict[str, Any] = {
            "CertificateArn": fact.arn,
            "DomainName": fact.spec.domain,
            "Status": "PENDING_VALIDATION" if fact.not_after is None else "ISSUED",
            "Type": {"imported": "IMPORTED", "private": "PRIVATE", "requested": "AMAZON_ISSUED"}[fact.spec.origin],
            "KeyAlgorithm": fact.spec.key_type,
            "InUse": fact.spec.in_use,
            "RenewalEligibility": "INELIGIBLE",
        }
        if fact.not_after is not None:
            answer["NotAfter"] = fact.not_after
        verdict = judge(Certificate.from_acm(answer), NOW, peers.DAYS)
        assert str(verdict.compliance) == peers.expected_verdict(fact, NOW), fact.spec.domain


def test_days_left_are_rounded_up_while_valid() -> None:
    days = {f.spec.domain: peers.days_left(f, NOW) for f in facts_at(NOW)}
    assert days["edge-in.example.com"] == 30
    assert days["edge-out.example.com"] == 31
    assert days["last-hour.example.com"] == 1
    assert days["expired.example.com"] == 0  # a minute ago: no whole day since
    assert days["pending.example.com"] is None


def test_a_peer_is_right_when_it_flags_exactly_what_is_expected_non_compliant() -> None:
    assert peers.is_right(NOT_APPLICABLE, COMPLIANT, flags_only=True)  # not flagged: right for a peer
    assert not peers.is_right(NOT_APPLICABLE, NON_COMPLIANT, flags_only=True)
    assert not peers.is_right(NOT_APPLICABLE, COMPLIANT, flags_only=False)  # the rule must say NOT_APPLICABLE
    assert not peers.is_right(COMPLIANT, None, flags_only=True)  # never reported is never right


# --- the request log --------------------------------------------------------------------------------


def signed(service: str) -> dict[str, str]:
    scope = f"AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/{service}/aws4_request, SignedHeaders=host"
    return {"Authorization": scope}


@pytest.mark.parametrize(
    ("method", "target", "headers", "body", "named"),
    [
        ("POST", "/", {**signed("acm"), "X-Amz-Target": "CertificateManager.ListCertificates"}, b"{}",
         ("acm", "ListCertificates")),
        ("POST", "/", {**signed("sts"), "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
         b"Action=GetCallerIdentity&Version=2011-06-15", ("sts", "GetCallerIdentity")),
        ("GET", "/?Action=DescribeRegions&Version=2016-11-15", signed("ec2"), b"", ("ec2", "DescribeRegions")),
        ("POST", "/service/GraniteServiceVersion20100801/operation/PutMetricData", signed("monitoring"), b"\xa0",
         ("monitoring", "PutMetricData")),
        ("GET", "/2015-03-31/functions/", signed("lambda"), b"", ("lambda", "GET /2015-03-31/functions/")),
        ("GET", "/moto-api/", {}, b"", ("unsigned", "GET /moto-api/")),
    ],
)  # fmt: skip
def test_each_request_is_named_by_its_signing_scope_and_protocol(
    method: str, target: str, headers: dict[str, str], body: bytes, named: tuple[str, str]
) -> None:
    assert operation_of(method, target, headers, body) == named


def test_calls_are_counted_by_service_and_operation() -> None:
    entries = [Entry("acm", "DescribeCertificate", 200, "moto")] * 3 + [Entry("acm", "ListCertificates", 200, "moto")]
    assert count_calls(entries) == {"acm.DescribeCertificate": 3, "acm.ListCertificates": 1}
    assert count_calls([]) == {}
    logged = [json.loads(json.dumps(e.to_json())) for e in entries]
    assert [Entry.from_json(line) for line in logged] == entries


def test_never_issued_certificates_lose_the_dates_moto_invents() -> None:
    pending = {"CertificateArn": f"{ARN}p", "Status": "PENDING_VALIDATION", "KeyAlgorithm": "RSA_2048",
               "NotBefore": 1.0, "NotAfter": 2.0, "IssuedAt": 1.0}  # fmt: skip
    issued = {"CertificateArn": f"{ARN}i", "Status": "ISSUED", "KeyAlgorithm": "EC_prime256v1", "NotAfter": 2.0}
    listing = {"CertificateSummaryList": [pending, issued]}
    answer, notes = adjust_acm("ListCertificates", {"Includes": {"keyTypes": ["RSA_2048", "EC_prime256v1"]}}, listing)
    assert answer["CertificateSummaryList"] == [{"CertificateArn": f"{ARN}p", "Status": "PENDING_VALIDATION",
                                                 "KeyAlgorithm": "RSA_2048"}, issued]  # fmt: skip
    assert notes == ["dates removed from 1 never-issued certificate(s)"]
    described, notes = adjust_acm("DescribeCertificate", {}, {"Certificate": pending})
    assert "NotAfter" not in described["Certificate"] and notes
    assert adjust_acm("DescribeCertificate", {}, {"Certificate": issued}) == ({"Certificate": issued}, [])


def test_a_listing_without_key_types_gets_acms_default_filter() -> None:
    summaries = [{"CertificateArn": arn, "Status": "ISSUED", "KeyAlgorithm": key}
                 for arn, key in (("a", "RSA_2048"), ("b", "RSA_3072"))]  # fmt: skip
    listing = {"CertificateSummaryList": summaries}
    answer, notes = adjust_acm("ListCertificates", {}, listing)
    assert [s["CertificateArn"] for s in answer["CertificateSummaryList"]] == ["a"]
    assert notes == ["1 left out by ACM's default key-type filter"]


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        requests.post(f"http://127.0.0.1:{port}/moto-api/reset", timeout=10)  # moto's state is process-wide
        server.stop()


def client(service: str, endpoint: str) -> Any:
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="testing",
                        aws_secret_access_key="testing")  # fmt: skip


def test_the_request_log_forwards_to_moto_logs_every_call_and_stands_in_where_moto_cannot(
    moto_endpoint: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    certificate, key = self_signed(
        "shop.example.com", "EC_prime256v1", now - timedelta(days=1), now + timedelta(days=9)
    )
    direct = client("acm", moto_endpoint)  # setup is not logged
    issued = direct.import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
    pending = direct.request_certificate(DomainName="new.example.com", ValidationMethod="DNS")["CertificateArn"]

    with RequestLog(moto_endpoint, tmp_path / "log.jsonl") as log:
        mark = log.mark()
        acm, config = client("acm", log.url), client("config", log.url)
        listing = acm.list_certificates(Includes={"keyTypes": list(peers.KEY_TYPES)})["CertificateSummaryList"]
        with pytest.raises(acm.exceptions.ResourceNotFoundException):
            acm.describe_certificate(CertificateArn=f"{ARN}00000000-0000-0000-0000-000000000000")
        details = config.get_compliance_details_by_config_rule(ConfigRuleName="ACMExpiryRule")
        evaluation = {"ComplianceResourceType": "AWS::ACM::Certificate", "ComplianceResourceId": issued,
                      "ComplianceType": "NON_COMPLIANT", "OrderingTimestamp": now}  # fmt: skip
        config.put_evaluations(Evaluations=[evaluation], ResultToken="TESTMODE", TestMode=True)
        client("sts", log.url).get_caller_identity()
        entries = log.since(mark)

    by_arn = {s["CertificateArn"]: s for s in listing}
    assert "NotAfter" in by_arn[issued] and "NotAfter" not in by_arn[pending]
    assert details["EvaluationResults"] == []
    assert count_calls(entries) == {
        "acm.DescribeCertificate": 1,
        "acm.ListCertificates": 1,
        "config.GetComplianceDetailsByConfigRule": 1,
        "config.PutEvaluations": 1,
        "sts.GetCallerIdentity": 1,
    }
    assert [(e.operation, e.status, e.answered_by) for e in entries][1:3] == [
        ("DescribeCertificate", 400, "moto"),
        ("GetComplianceDetailsByConfigRule", 200, "proxy"),
    ]
    assert listed_arns(entries) == {issued, pending}
    assert peers.handler_verdicts(tmp_path, entries) == {issued: NON_COMPLIANT}
    lines = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [Entry.from_json(line) for line in lines] == entries


def test_setup_puts_each_kind_of_certificate_into_moto(moto_endpoint: str) -> None:
    kinds = [s for s in INVENTORY if s.origin != "imported" or s.in_use or s.exempt]
    facts = {f.spec.domain: f for f in peers.build_inventory(moto_endpoint, kinds)}

    acm = client("acm", moto_endpoint)
    described = {d: acm.describe_certificate(CertificateArn=f.arn)["Certificate"] for d, f in facts.items()}
    assert described["pending.example.com"]["Status"] == "PENDING_VALIDATION"
    assert facts["pending.example.com"].not_after is None
    assert described["private.example.com"]["Type"] == "PRIVATE"
    assert facts["private.example.com"].not_after == described["private.example.com"]["NotAfter"]
    assert described["in-use-later.example.com"]["InUseBy"]  # a load balancer's listener
    assert described["in-use-later.example.com"]["KeyAlgorithm"] == "EC_prime256v1"
    tags = acm.list_tags_for_certificate(CertificateArn=facts["exempt.example.com"].arn)["Tags"]
    assert [t["Key"] for t in tags] == [peers.EXEMPT_TAG]


def test_moto_server_is_stopped_however_the_block_ends(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "moto_server"
    with pytest.raises(RuntimeError), peers.moto_server(executable, tmp_path / "moto.log") as endpoint:
        assert requests.get(f"{endpoint}/moto-api/", timeout=10).status_code == 200
        raise RuntimeError("a tool failed")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{endpoint}/moto-api/", timeout=10)


def test_a_tool_runs_as_whole_processes_through_the_request_log(moto_endpoint: str, tmp_path: Path) -> None:
    """A stand-in tool: a Python process listing certificates through AWS_ENDPOINT_URL, three times."""
    now = datetime.now(UTC).replace(microsecond=0)
    certificate, key = self_signed("a.example.com", "EC_prime256v1", now - timedelta(days=1), now + timedelta(days=9))
    arn = client("acm", moto_endpoint).import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
    fact = Fact(
        arn, Spec("a.example.com", "EC_prime256v1", "imported", timedelta(days=9), "9 days"), now + timedelta(days=9)
    )
    lister = "import boto3; boto3.client('acm').list_certificates(Includes={'keyTypes': ['EC_prime256v1']})"

    def command(paths: peers.Paths, workdir: Path) -> list[str]:
        return [sys.executable, "-c", lister]

    tool = Tool("lister", "a lister", True, command, lambda workdir, entries: dict.fromkeys(listed_arns(entries)))
    paths = peers.Paths(Path(sys.executable), Path("unused"), Path("unused"), Path("unused"))
    with RequestLog(moto_endpoint, tmp_path / "log.jsonl") as log:
        run = peers.run_tool(tool, paths, log, [fact], tmp_path / "lister", "0", repeat=3)

    assert run.calls == {"acm.ListCertificates": 1}  # each run's own calls, not the three runs' together
    assert run.consistent and len(run.measured) == 3
    assert run.verdicts == {arn: None} and run.right == []  # listed, but said nothing: never right
    assert run.expected == {arn: NON_COMPLIANT}


OURS_CALLS = {
    "scan": {"acm.ListCertificates": 2, "tagging.GetResources": 1},
    "handler": {
        "acm.ListCertificates": 2,
        "config.GetComplianceDetailsByConfigRule": 1,  # answered by the request log
        "config.PutEvaluations": 1,
        "tagging.GetResources": 1,
        "events.PutEvents": 1,  # the page for the certificate inside the window
    },
}


@pytest.mark.parametrize("key", sorted(OURS_CALLS))
def test_the_scan_and_the_handler_run_whole_through_the_request_log(
    key: str, moto_endpoint: str, tmp_path: Path
) -> None:
    """The real `acm-expiry` command, and bench/invoke.py importing the handler from the rule's folder
    (its verdicts read from what PutEvaluations carried, which moto validates in test mode)."""
    kinds = [s for s in INVENTORY if s.domain in ("prime256v1-soon.example.com", "pending.example.com")]
    facts = peers.build_inventory(moto_endpoint, kinds)
    (tool,) = [t for t in peers.TOOLS if t.key == key]
    python = Path(sys.executable)
    paths = peers.Paths(python, python.parent / "acm-expiry", Path("unused"), Path("unused"))
    with RequestLog(moto_endpoint, tmp_path / "log.jsonl") as log:
        run = peers.run_tool(tool, paths, log, facts, tmp_path / key, "0", repeat=1)

    assert run.calls == OURS_CALLS[key]
    by_domain = {f.spec.domain: run.verdicts.get(f.arn) for f in facts}
    assert by_domain == {"prime256v1-soon.example.com": NON_COMPLIANT, "pending.example.com": NOT_APPLICABLE}
    assert len(run.right) == 2
    assert run.adjusted == ["acm.ListCertificates: dates removed from 1 never-issued certificate(s)"]


# --- reading each tool's verdicts ------------------------------------------------------------------


def test_the_scan_is_read_from_its_json_report(tmp_path: Path) -> None:
    rows = [{"arn": f"{ARN}a", "verdict": NON_COMPLIANT}, {"arn": f"{ARN}b", "verdict": NOT_APPLICABLE}]
    (tmp_path / "scan.json").write_text(json.dumps({"window": 30, "rows": rows}))
    assert peers.scan_verdicts(tmp_path, []) == {f"{ARN}a": NON_COMPLIANT, f"{ARN}b": NOT_APPLICABLE}


def test_custodian_flags_what_it_matched_and_passes_what_it_was_listed(tmp_path: Path) -> None:
    matched = tmp_path / "out" / peers.CUSTODIAN_POLICY
    matched.mkdir(parents=True)
    (matched / "resources.json").write_text(json.dumps([{"CertificateArn": f"{ARN}a", "NotAfter": "..."}]))
    listing = [Entry("acm", "ListCertificates", 200, "moto", listed=(f"{ARN}a", f"{ARN}b"))]
    assert peers.custodian_verdicts(tmp_path, listing) == {f"{ARN}a": NON_COMPLIANT, f"{ARN}b": COMPLIANT}


def test_prowler_is_read_from_its_ocsf_findings_a_muted_one_as_exempt(tmp_path: Path) -> None:
    def finding(arn: str, status_code: str, status: str = "New") -> dict[str, Any]:
        return {
            "status_code": status_code,
            "status": status,
            "resources": [{"uid": arn, "type": "AwsCertificateManager"}],
        }

    findings = [finding(f"{ARN}a", "FAIL"), finding(f"{ARN}b", "PASS"), finding(f"{ARN}c", "FAIL", "Suppressed")]
    (tmp_path / "prowler.ocsf.json").write_text(json.dumps(findings))
    assert peers.prowler_verdicts(tmp_path, []) == {
        f"{ARN}a": NON_COMPLIANT,
        f"{ARN}b": COMPLIANT,
        f"{ARN}c": NOT_APPLICABLE,
    }


# --- measuring a process, and the table -------------------------------------------------------------


def test_a_process_is_timed_whole_and_its_peak_memory_read(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; block = bytearray(96 * 2**20); sys.exit(3)"]
    measured = peers.timed(command, {}, tmp_path)
    assert measured.exit_code == 3
    assert 0 < measured.cpu_seconds <= measured.wall_seconds < 60
    assert measured.peak_rss_mib >= 96


def fake_run(key: str, flags_only: bool, verdicts: dict[str, str | None], expected: dict[str, str]) -> Run:
    def unused(*_: Any) -> Any:
        raise AssertionError("not run")

    tool = Tool(key, f"tool {key}", flags_only, unused, unused)
    calls = {"acm.ListCertificates": 2, "tagging.GetResources": 1}
    measured = [Measured(0, 0.5, 0.41, 57.0), Measured(0, 0.364, 0.3, 58.4), Measured(0, 0.3, 0.28, 56.1)]
    return Run(tool, "1.0", ["tool"], measured, calls, [], verdicts, expected)


def test_the_table_shows_right_verdicts_calls_time_and_memory_and_marks_what_is_wrong() -> None:
    facts = facts_at(NOW)[:2]  # rsa-1024-soon, rsa-2048-soon: both NON_COMPLIANT
    expected = {f.arn: NON_COMPLIANT for f in facts}
    ours = fake_run("ours", False, {f.arn: NON_COMPLIANT for f in facts}, expected)
    peer = fake_run("peer", True, {facts[0].arn: COMPLIANT}, expected)
    machine = {"python": "3.12.1", "moto": "5.2.5", "cpus": 2, "loadAverageBefore": [0.5, 0.4, 0.3]}
    table = peers.render_markdown([ours, peer], facts, NOW, 12, machine | {"loadAverageAfter": [0.9, 0.5, 0.3]})

    assert "| tool ours | 1.0 | 2/2 | 3 | 0.36 s | 0.30 s | 58 MiB |" in table  # median time, peak memory
    assert "| tool peer | 1.0 | 0/2 | 3 | 0.36 s | 0.30 s | 58 MiB |" in table
    assert "| acm.ListCertificates | 2 | 2 |" in table
    assert "load average [0.5, 0.4, 0.3] before and [0.9, 0.5, 0.3] after" in table
    assert "| rsa-1024-soon.example.com | RSA_1024 | key type, 10 days left | 10 | NC | NC | C ✗ |" in table
    assert "| rsa-2048-soon.example.com | RSA_2048 | key type, 10 days left | 10 | NC | NC | — ✗ |" in table
    numbers = peers.figures([ours, peer], facts, NOW, 12.0, {"cpus": 2})
    assert numbers["tools"]["peer"]["rightVerdicts"] == 0
    assert numbers["tools"]["peer"]["wrong"]["rsa-2048-soon.example.com"] == {"expected": NON_COMPLIANT, "got": None}
    assert numbers["tools"]["ours"]["awsCalls"] == 3
    assert json.loads(json.dumps(numbers)) == numbers
