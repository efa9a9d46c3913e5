"""`acm-expiry demo` (what `make demo` runs), end to end: the installed command, in a process of its own.

Its output must show every kind of advice the rule gives, as Config recorded it from the real
Lambda handler, each once and quietly (no raw log line unless --verbose), say which fields were
stood in for moto, write the HTML and CSV reports of what it judged, and end with what to do next.
The environment points at a profile and an endpoint that do not exist: the demo must not need
either (nothing reaches AWS).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from acm_expiry.verdict import ADVICE, RENEWAL_REASON_HINTS
from acm_expiry_cli.demo import (
    CLOCK_AHEAD,
    EXEMPT,
    EXPIRED,
    IMPORTED,
    IN_USE,
    NOT_IN_USE,
    PENDING,
    PINNED_SDK,
    PRIVATE,
    log_summary,
)

BIN = Path(sys.executable).parent
DEMO = [str(BIN / "acm-expiry"), "demo"] if (BIN / "acm-expiry").exists() else [
    sys.executable, "-m", "acm_expiry_cli.main", "demo"]  # fmt: skip


ROOT = Path(__file__).resolve().parent.parent
VERDICT = re.compile(r"^  (COMPLIANT|NON_COMPLIANT|NOT_APPLICABLE) +(\S+) \(")


def run_demo(home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The installed command, run in ``home`` (its reports go under it), offline."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_PROFILE": "does-not-exist",
        "AWS_ENDPOINT_URL": "http://192.0.2.1:9",  # TEST-NET-1: nothing answers there
        "AWS_CONFIG_FILE": str(home / "missing"),
    }
    return subprocess.run([*DEMO, *arguments], env=env, cwd=home, capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def demo(demo_home: Path) -> subprocess.CompletedProcess[str]:
    return run_demo(demo_home)


@pytest.fixture(scope="module")
def verbose(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return run_demo(tmp_path_factory.mktemp("verbose"), "--verbose", "--output-dir", "elsewhere")


def recorded(output: str) -> dict[str, str]:
    """The scheduled run's certificates as the demo lists them: domain -> annotation (its wrapped lines joined)."""
    block = output.split("what Config recorded:\n", 1)[1].split("\n\n  ", 1)[0]
    annotations: dict[str, str] = {}
    domain = ""
    for line in block.splitlines():
        if match := VERDICT.match(line):
            domain = match[2]
            annotations[domain] = ""
        elif line.strip():
            annotations[domain] = f"{annotations[domain]} {line.strip()}".strip()
    return annotations


def log_lines(output: str) -> list[dict[str, object]]:
    """The handler's JSON log lines, which only --verbose prints."""
    return [
        json.loads(line.removeprefix("log line: ")) for line in output.splitlines() if line.startswith("log line: ")
    ]


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
    verbose: subprocess.CompletedProcess[str],
) -> None:
    scheduled, change = log_lines(verbose.stdout)
    assert scheduled["messageType"] == "ScheduledNotification" and scheduled["outcome"] == "ok"
    assert scheduled["evaluations"] == {"COMPLIANT": 2, "NON_COMPLIANT": 6, "NOT_APPLICABLE": 2}
    # The two eligible managed certificates inside the window, whose renewal status decides the advice.
    assert scheduled["apiCalls"]["acm.DescribeCertificate"] == 2
    assert scheduled["apiCalls"]["resourcegroupstaggingapi.GetResources"] == 1  # the exemptions, in one call
    assert change["messageType"] == "ConfigurationItemChangeNotification" and change["evaluations"] == {
        "NON_COMPLIANT": 1
    }
    assert f"Change event (ConfigurationItemChangeNotification) for {IMPORTED[1][0]}" in verbose.stdout
    assert "Config recorded 11 evaluations" in verbose.stdout


def test_the_docs_example_log_line_is_the_demos(verbose: subprocess.CompletedProcess[str]) -> None:
    """docs/alerts.md's "The metrics" quotes the demo's scheduled run (--verbose prints it): the same fields and
    figures (not the timings)."""
    scheduled = log_lines(verbose.stdout)[0]
    page = (ROOT / "docs" / "alerts.md").read_text()
    quote = re.search(r"demo's scheduled run writes[^\n]*:\n\n```json\n(.*?)\n```", page, re.DOTALL)
    assert quote, "docs/alerts.md no longer quotes the demo's log line"
    quoted = json.loads(quote[1])
    assert sorted(quoted) == sorted(scheduled)
    timings = {"durationMs", "_aws"}  # the run's own duration, and its timestamp
    assert {k: v for k, v in quoted.items() if k not in timings} == {
        k: v for k, v in scheduled.items() if k not in timings
    }
    assert quoted["_aws"]["CloudWatchMetrics"] == scheduled["_aws"]["CloudWatchMetrics"]


def test_each_annotation_shows_once_and_no_raw_json_unless_verbose(
    demo: subprocess.CompletedProcess[str], verbose: subprocess.CompletedProcess[str]
) -> None:
    # Once per run: the change event's certificate (legacy) is judged again, in section 2.
    scheduled, change = demo.stdout.split("\n2. Change event", 1)
    for annotation in recorded(demo.stdout).values():
        assert " ".join(scheduled.split()).count(annotation) == 1, annotation
        assert " ".join(change.split()).count(annotation) == (annotation.startswith("Expires in 27 days")), annotation
    assert "{" not in demo.stdout and "}" not in demo.stdout  # no JSON, no Python dict
    assert log_lines(demo.stdout) == [] and len(log_lines(verbose.stdout)) == 2
    summaries = [line.strip() for line in demo.stdout.splitlines() if line.strip().startswith("log line: ")]
    assert summaries[0].startswith(
        "log line: outcome ok; sent 2 COMPLIANT, 6 NON_COMPLIANT, 2 NOT_APPLICABLE; "
        "6 pages put on EventBridge (4 entered-window, 1 expired, 1 threshold); 9 AWS calls"
    )
    # The change event's certificate was already inside the window: no page again.
    assert summaries[1].startswith("log line: outcome ok; sent 1 NON_COMPLIANT; 0 pages put on EventBridge")
    assert summaries[1].startswith("log line: outcome ok; sent 1 NON_COMPLIANT;")
    assert all(line.endswith("characters of JSON; --verbose prints it)") for line in summaries)


def test_the_demo_writes_its_reports_and_says_what_to_try_next(
    demo: subprocess.CompletedProcess[str], demo_home: Path
) -> None:
    page, table = demo_home / "build" / "demo" / "report.html", demo_home / "build" / "demo" / "report.csv"
    assert f"  build/demo/report.html   (open {page.as_uri()} in a browser)\n  build/demo/report.csv\n" in demo.stdout
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"), newline="")))
    assert {row["domain"]: row["annotation"] for row in rows} == recorded(demo.stdout)
    assert "ACM certificate expiry: account 123456789012 in us-east-1" in page.read_text(encoding="utf-8")
    assert demo.stdout.rstrip().endswith("- Deploy the rule, in one account or an organization: docs/deployment.md")
    assert "\nNext:\n" in demo.stdout and "      acm-expiry scan --region us-east-1\n" in demo.stdout
    assert (ROOT / "docs" / "deployment.md").is_file()


def test_the_demo_runs_on_the_sdk_the_function_is_pinned_to(
    demo: subprocess.CompletedProcess[str], verbose: subprocess.CompletedProcess[str]
) -> None:
    def pins(text: str) -> dict[str, str]:
        return dict(re.findall(r"^(boto3|botocore)==([\w.]+)", text, re.MULTILINE))

    function = pins((ROOT / "requirements.txt").read_text())
    assert (
        function
        == pins((ROOT / "deploy" / "layer-requirements.txt").read_text())
        == {
            "boto3": PINNED_SDK,
            "botocore": PINNED_SDK,
        }
    )
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["demo"]
    assert sorted(r for r in extra if r.startswith(("boto3", "botocore"))) == [
        f"boto3=={PINNED_SDK}",
        f"botocore=={PINNED_SDK}",
    ]  # `make demo` (pip install '.[demo]') installs them, not the newest boto3
    assert f"boto3 {PINNED_SDK}, botocore {PINNED_SDK} (the function's pins)" in " ".join(demo.stdout.split())
    assert log_lines(verbose.stdout)[0]["sdk"] == {"boto3": PINNED_SDK, "botocore": PINNED_SDK}


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('{"outcome": "ok", "evaluations": {}, "apiCalls": {"a": 1, "b": 2}, "durationMs": 5, "new": [1]}',
         "outcome ok; sent nothing; 3 AWS calls; 5 ms ({n} characters of JSON; --verbose prints it)"),
        ('{"outcome": "error", "error": "DeadlineReached: x", "retries": 2}',
         "outcome error; 2 retries; error DeadlineReached: x ({n} characters of JSON; --verbose prints it)"),
        ('{"apiCalls": "many"}', "1 fields ({n} characters of JSON; --verbose prints it)"),
        ("[1, 2]", "JSON, but not an object ({n} characters)"),
        ("rdklib said hello", "not JSON ({n} characters)"),
    ],
)  # fmt: skip
def test_the_log_lines_summary_reads_whatever_fields_are_there(line: str, said: str) -> None:
    assert log_summary(line) == said.format(n=len(line))


def test_without_moto_the_demo_says_what_to_install_and_exits_1(tmp_path: Path) -> None:
    """The command installed without the demo extra: one line naming what is missing and how to get it."""
    block = "import sys; sys.modules['moto'] = None; from acm_expiry_cli.main import main; sys.exit(main(['demo']))"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", block], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stdout.strip().splitlines() == [
        "acm-expiry demo needs moto and cryptography (moto is missing): from the project's folder, "
        "pip install '.[demo]' (or make demo, which does it)"
    ]
    assert "Traceback" not in done.stderr
