"""`make bench` still runs: a small inventory through the whole script, no timing asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "periodic.py"


def test_bench_runs_and_ends_with_one_json_line() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--counts", "250"], capture_output=True, text=True, timeout=120, check=True
    )
    figures = json.loads(done.stdout.splitlines()[-1])
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
    assert "Targets:" in done.stdout
