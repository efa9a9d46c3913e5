"""`make bench` still runs: a small inventory through the whole script, no timing asserted."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> tuple[str, dict[str, Any]]:
    """One run of the whole script at N = 250: its output, and the JSON object on its last line."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.periodic", "--counts", "250"],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
        cwd=ROOT,
    )
    return done.stdout, json.loads(done.stdout.splitlines()[-1])


def test_bench_runs_and_ends_with_one_json_line(bench: tuple[str, dict[str, Any]]) -> None:
    stdout, figures = bench
    run = figures["runs"]["250"]
    ours = run["ours"]
    assert ours["apiCalls"]["acm.ListCertificates"] == 2  # everything, then Amazon N2
    assert ours["apiCalls"]["config.PutEvaluations"] == 3
    assert ours["apiCalls"] == ours["handlerApiCalls"]
    assert ours["describedAsExpected"] is True and ours["expectedDescribes"] >= 1
    assert ours["certificatesSeen"] == 250 and ours["certificatesMissed"] == 0 and ours["wrongVerdicts"] == 0
    assert all(target["pass"] for target in figures["targets"]), [t for t in figures["targets"] if not t["pass"]]
    assert "Targets:" in stdout


def test_the_peers_make_the_calls_their_source_makes(bench: tuple[str, dict[str, Any]]) -> None:
    run = bench[1]["runs"]["250"]
    inventory = run["inventory"]
    prowler, custodian, hand = run["prowler"], run["custodian"], run["hand-written"]
    # Prowler: every key type; describe and list tags for each certificate.
    assert prowler["certificatesSeen"] == 250
    assert prowler["apiCalls"]["acm.DescribeCertificate"] == prowler["apiCalls"]["acm.ListTagsForCertificate"] == 250
    # Custodian: six key types (no RSA_3072); describe each; tags for 100 ARNs a call.
    assert custodian["certificatesMissed"] == inventory["rsa3072"] > 0
    assert custodian["apiCalls"]["acm.DescribeCertificate"] == 250 - inventory["rsa3072"]
    assert custodian["apiCalls"]["resourcegroupstaggingapi.GetResources"] == math.ceil(
        (250 - inventory["rsa3072"]) / 100
    )
    # The hand-written rule without Includes sees RSA_1024 and RSA_2048 only.
    assert hand["certificatesMissed"] == 250 - inventory["visibleWithoutIncludes"] > 0
    # Prowler rounds days down and reads a missing NotAfter as 0 days: some verdicts differ from the rule's.
    assert prowler["wrongVerdicts"] > 0


def test_bench_measures_findings_exemptions_and_a_warm_container(bench: tuple[str, dict[str, Any]]) -> None:
    stdout, figures = bench
    run = figures["runs"]["250"]
    findings = run["ours-findings"]
    counts = findings["findings"]
    assert findings["apiCalls"]["securityhub.GetFindings"] == math.ceil(counts["read"] / 100)
    imported = findings["apiCalls"].get("securityhub.BatchImportFindings", 0)
    assert imported < math.ceil(250 / 100)  # not every finding again
    assert counts["unchanged"] > counts.get("changed", 0)
    exempt = run["ours-exempt"]
    assert exempt["apiCalls"]["resourcegroupstaggingapi.GetResources"] == 1
    assert exempt["exemptJudged"] == 100
    warm = figures["warmContainer"]
    assert set(warm) == {"rule's new_session", "plain boto3.Session()"}
    assert "ours+findings" in stdout and "Warm container" in stdout


def test_bench_reports_a_steady_days_cost_and_runs_under_sustained_throttling(
    bench: tuple[str, dict[str, Any]],
) -> None:
    stdout, figures = bench
    cost = figures["cost"]["250"]
    steady = figures["runs"]["250"]["ours-steady"]
    assert cost["steadyDayEvaluations"] == steady["evaluationsSent"] <= steady["steadyDayBound"]["bound"] < 250
    assert cost["everyDayMonthEvaluations"] == 30 * 250 and cost["everyDayMonthCostUsd"] == 7.5
    assert cost["monthCostUsd"] == round(30 * steady["evaluationsSent"] * 0.001, 2)
    for mode, deep in (("throttled-2", 2), ("throttled-3", 3)):
        for day in ("first", "steady"):
            run = figures["throttled"][mode]["days"][day]
            assert run["outcome"] == "ok" and run["retries"] == deep * run["calls"]
            assert 0 < run["modelledSeconds"] < 885
    assert "every call throttled" in stdout and "$ / month" in stdout


def test_config_cost_follows_the_list_prices_tiers() -> None:
    from bench.aws_terms import config_cost

    assert config_cost(75_000) == 75.0  # 2,500 certificates every day
    assert config_cost(300_000) == 260.0  # 10,000: 100,000 at $0.001, 200,000 at $0.0008
    assert config_cost(600_000) == 100 + 320 + 50.0
