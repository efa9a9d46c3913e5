"""`acm-expiry demo` (what `make demo` runs), end to end: the installed command, in a process of its own.

Its output must show every kind of advice the rule gives, as Config recorded it from the real
Lambda handler, and say which fields were stood in for moto. The environment points at a profile
and an endpoint that do not exist: the demo must not need either (nothing reaches AWS).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from acm_expiry.verdict import ADVICE, RENEWAL_REASON_HINTS
from acm_expiry_cli.demo import CLOCK_AHEAD, EXEMPT, EXPIRED, IMPORTED, IN_USE, NOT_IN_USE, PENDING, PRIVATE

BIN = Path(sys.executable).parent
DEMO = [str(BIN / "acm-expiry"), "demo"] if (BIN / "acm-expiry").exists() else [
    sys.executable, "-m", "acm_expiry_cli.main", "demo"]  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    home = tmp_path_factory.mktemp("home")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_PROFILE": "does-not-exist",
        "AWS_ENDPOINT_URL": "http://192.0.2.1:9",  # TEST-NET-1: nothing answers there
        "AWS_CONFIG_FILE": str(home / "missing"),
    }
    return subprocess.run(DEMO, env=env, capture_output=True, text=True, timeout=300, check=False)


def recorded(output: str) -> dict[str, str]:
    """The scheduled run's annotations as Config recorded them: domain -> annotation."""
    block = output.split("The annotations, as Config recorded them:\n", 1)[1].split("\n\n", 1)[0]
    return dict(line.strip().split(": ", 1) for line in block.splitlines())


def test_the_demo_runs_offline_and_exits_0(demo: subprocess.CompletedProcess[str]) -> None:
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stderr


def test_the_demo_shows_every_kind_of_advice(demo: subprocess.CompletedProcess[str]) -> None:
    annotations = recorded(demo.stdout)
    window = "within the 30-day window."
    expected_advice = {
        IMPORTED[0][0]: ADVICE["IMPORTED"].text,  # re-import
        IN_USE: ADVICE["PENDING_VALIDATION"].text,  # restore the DNS validation CNAME
        NOT_IN_USE: ADVICE["INELIGIBLE"].text,  # not in use: attach or delete
        PRIVATE: f"ACM renewal is FAILED (PCA_INVALID_STATE): {RENEWAL_REASON_HINTS['PCA_INVALID_STATE']}.",
    }
    for domain, advice in expected_advice.items():
        assert re.fullmatch(rf"Expires in \d+ days \(\d{{4}}-\d{{2}}-\d{{2}}\), {window} {re.escape(advice)}",
                            annotations[domain]), domain  # fmt: skip
    assert annotations[EXPIRED[0]].startswith("Expired 4 days ago, on ")  # expired
    assert annotations[EXEMPT[0]] == f"Exempt by tag acm-expiry-exempt: {EXEMPT[3]}"  # exempt
    assert annotations[PENDING] == (  # never issued
        "Certificate is PENDING_VALIDATION: it has not been issued, so expiry does not apply yet."
    )
    compliant = [domain for domain, words in annotations.items() if words.endswith("outside the 30-day window.")]
    assert sorted(compliant) == ["static.example.com", "www.example.com"]
    assert len(annotations) == 10
    assert "10 certificate(s) in 1 region(s), 30-day window: 2 COMPLIANT, 6 NON_COMPLIANT, 2 NOT_APPLICABLE" in (
        demo.stdout
    )


def test_the_demo_says_what_was_stood_in_for_moto(demo: subprocess.CompletedProcess[str]) -> None:
    assert "Stood in for what moto cannot answer (everything else is moto's):" in demo.stdout
    assert "RenewalEligibility ELIGIBLE for 2 certificates (moto: always INELIGIBLE)" in demo.stdout
    assert "RenewalSummary of 2 certificates, in DescribeCertificate (moto: never one)" in demo.stdout
    assert f"{CLOCK_AHEAD.days} days ahead of this machine's" in demo.stdout


def test_the_handler_asked_acm_only_about_the_renewals_it_could_not_judge(
    demo: subprocess.CompletedProcess[str],
) -> None:
    scheduled, change = (json.loads(line.removeprefix("log line: ")) for line in demo.stdout.splitlines()
                         if line.startswith("log line: "))  # fmt: skip
    assert scheduled["messageType"] == "ScheduledNotification" and scheduled["outcome"] == "ok"
    assert scheduled["evaluations"] == {"COMPLIANT": 2, "NON_COMPLIANT": 6, "NOT_APPLICABLE": 2}
    # The two eligible managed certificates inside the window, whose renewal status decides the advice.
    assert scheduled["apiCalls"]["acm.DescribeCertificate"] == 2
    assert scheduled["apiCalls"]["resourcegroupstaggingapi.GetResources"] == 1  # the exemptions, in one call
    assert change["messageType"] == "ConfigurationItemChangeNotification" and change["evaluations"] == {
        "NON_COMPLIANT": 1
    }
    assert f"Change event (ConfigurationItemChangeNotification) for {IMPORTED[1][0]}" in demo.stdout
    assert "Config recorded 11 evaluations" in demo.stdout


def test_the_readmes_example_log_line_is_the_demos(demo: subprocess.CompletedProcess[str]) -> None:
    """README's "The metrics" quotes the demo's scheduled run: the same fields and figures (not the timings)."""
    lines = [line.removeprefix("log line: ") for line in demo.stdout.splitlines() if line.startswith("log line: ")]
    scheduled = json.loads(lines[0])
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    quoted = json.loads(readme.split("demo's scheduled run writes:\n\n```json\n", 1)[1].split("\n```", 1)[0])
    assert sorted(quoted) == sorted(scheduled)
    timings = {"durationMs", "_aws"}  # the run's own duration, and its timestamp
    assert {k: v for k, v in quoted.items() if k not in timings} == {
        k: v for k, v in scheduled.items() if k not in timings
    }
    assert quoted["_aws"]["CloudWatchMetrics"] == scheduled["_aws"]["CloudWatchMetrics"]
