"""`make bench`: the rule's periodic evaluation at 100, 2,500 and 10,000 certificates, beside what its peers do.

Each measurement runs in a fresh child process (``python -m bench.periodic --child``), so peak RSS is that
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

The last line printed is one JSON object with every figure. Run it as ``python -m bench.periodic``
from the project's folder (``make bench`` does). One concern a file:

- :mod:`bench.plan`: the sizes, the window and the runs measured;
- :mod:`bench.aws_terms`: AWS's documented quotas and list prices, the Lambda settings;
- :mod:`bench.simclock`: the simulated clock and Lambda context;
- :mod:`bench.world`: yesterday's results and findings, overnight renewals, what a day may record;
- :mod:`bench.peer_models`: the peers' calls and verdicts;
- :mod:`bench.measure`: one measurement, in a child process;
- :mod:`bench.targets`: the PASS/FAIL targets;
- this file: runs the children and prints the tables, the targets and the JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.aws_terms import (
    DESCRIBE_QUOTA,
    LAMBDA_MEMORY_GB,
    LAMBDA_TIMEOUT_SECONDS,
    LIST_QUOTA,
    SECURITY_HUB_QUOTAS,
    config_cost,
)
from bench.measure import measure, measure_throttled, measure_warm
from bench.plan import COUNTS, DAYS, LABELS, MODES, THROTTLED
from bench.targets import targets_for, throttled_targets
from bench.world import inventory_profile

ROOT = Path(__file__).resolve().parent.parent
CHILD = (sys.executable, "-m", "bench.periodic")  # each measurement, in a process of its own


def run_child(mode: str, count: int, now: datetime) -> dict[str, Any]:
    command = [*CHILD, "--child", mode, "--count", str(count), "--now", str(now.timestamp())]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"bench child {mode} N={count} failed ({done.returncode}):\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


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
    command = [*CHILD, "--child", mode, "--count", str(count), "--now", str(now.timestamp())]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
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
