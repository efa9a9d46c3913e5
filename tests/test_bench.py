"""`make bench` still runs: a small inventory through the whole script, no timing asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "periodic.py"


@pytest.fixture(scope="module")
def bench() -> tuple[str, dict[str, Any]]:
    """One run of the whole script at N = 250: its output, and the JSON object on its last line."""
    done = subprocess.run(
        [sys.executable, str(BENCH), "--counts", "250"], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout, json.loads(done.stdout.splitlines()[-1])


def test_bench_runs_and_ends_with_one_json_line(bench: tuple[str, dict[str, Any]]) -> None:
    stdout, figures = bench
    run = figures["runs"]["250"]
    ours, baseline = run["ours"], run["baseline"]
    assert ours["apiCalls"]["acm.ListCertificates"] == 2  # everything, then Amazon N2
    assert ours["apiCalls"]["config.PutEvaluations"] == 3
    assert ours["apiCalls"] == ours["handlerApiCalls"]
    assert ours["describedAsExpected"] is True and ours["expectedDescribes"] >= 1
    assert ours["certificatesSeen"] == 250 and ours["certificatesMissed"] == 0
    assert baseline["certificatesMissed"] == 250 - run["inventory"]["visibleWithoutIncludes"] > 0
    assert baseline["apiCalls"]["acm.DescribeCertificate"] == baseline["certificatesSeen"]
    assert run["baseline+Includes"]["apiCalls"]["acm.DescribeCertificate"] == 250
    assert all(target["pass"] for target in figures["targets"])
    assert "Targets:" in stdout


def test_bench_measures_the_steady_state_too(bench: tuple[str, dict[str, Any]]) -> None:
    """A later day's run: Config holds a result per certificate, and the rule's clean-up pages through them."""
    stdout, figures = bench
    first, steady = figures["runs"]["250"]["ours"], figures["runs"]["250"]["ours-steady"]
    assert first["priorResults"] == {} and first["apiCalls"]["config.GetComplianceDetailsByConfigRule"] == 1
    assert sum(steady["priorResults"].values()) == 250
    listed = steady["priorResults"].get("COMPLIANT", 0) + steady["priorResults"].get("NON_COMPLIANT", 0)
    pages = steady["apiCalls"]["config.GetComplianceDetailsByConfigRule"]
    assert pages == -(-listed // 100) == 3
    assert steady["apiCalls"] == steady["handlerApiCalls"]
    assert steady["apiCalls"]["config.PutEvaluations"] == 3 and steady["apiCalls"]["acm.ListCertificates"] == 2
    assert steady["configCalls"] == pages + 3 and steady["modelledConfigSeconds"] is None
    assert steady["evaluationsByCompliance"] == first["evaluationsByCompliance"]
    assert figures["peakRssMbAtLargestN"] == {"firstRun": first["peakRssMb"], "steadyState": steady["peakRssMb"]}
    assert figures["quotasPerSecond"]["PutEvaluations"] is None
    assert "ours steady" in stdout
