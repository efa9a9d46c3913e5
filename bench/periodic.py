"""`make bench`: the rule's periodic evaluation at 1,000 and 10,000 certificates, against the common way.

Each measurement runs in a fresh child process (this script with ``--child``), so peak RSS is that
run's own. Inside the child: moto's ``mock_aws`` (for STS, which rdklib calls), and on boto3's
default session the doubles from ``tests.support.doubles``: FakeAcm serving
``synthetic_inventory(N, now)`` (pages of 1000, ACM's default key-type filter) and FakeConfig
(records PutEvaluations, answers GetComplianceDetailsByConfigRule).

Approaches, same inventory, same ``now``, daysToExpiration 30:

- ``ours``: the real ``acm_expiry.handler.lambda_handler`` with a scheduled event, the rule's FIRST
  periodic run: FakeConfig starts empty, so the rule's clean-up of old results reads one empty page.
- ``ours-steady``: the same run on any later day. FakeConfig starts with the result a run a day
  earlier recorded for every certificate (each judged at ``now`` - 1 day), so the rule's clean-up pages
  through every COMPLIANT and NON_COMPLIANT one, 100 per GetComplianceDetailsByConfigRule call. The
  results are put in ``FakeConfig.results`` directly rather than by an un-measured first run in the
  same process: peak RSS is a high-water mark, and the first run's would hide the steady run's.
  They count in this child's RSS (in AWS they live in Config), as the inventory does in every child.
- ``baseline``: the common way: ListCertificates without ``Includes`` (paged), DescribeCertificate
  for every listed certificate, judge, PutEvaluations in batches of 100. It sees only RSA_1024 and
  RSA_2048 certificates.
- ``baseline+Includes``: the same with the listing fixed (all key types): the cost of describing
  every certificate, without the missed ones.
- ``empty``: the handler on an empty inventory: what Python, boto3, rdklib and moto cost alone.

ACM's documented rate quotas give the API time each approach needs at least in a real account:
ListCertificates calls / 8 + DescribeCertificate calls / 10 seconds. Config's calls
(GetComplianceDetailsByConfigRule, PutEvaluations) are counted but not turned into time: no
documented rate quota for them was found (see CONFIG_QUOTAS).

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the children import the doubles; the parent stays light
    from tests.support.doubles import FakeConfig

COUNTS = (1000, 10_000)
DAYS = 30
REGION = "us-east-1"
LIST_QUOTA, DESCRIBE_QUOTA = 8, 10  # requests per second, ACM's documented rate quotas
# Config's API rate quotas: none documented that we could find. AWS Config's "Service Limits" page
# (developer guide, configlimits.md in awsdocs/aws-config-developer-guide) lists counts only (rules,
# aggregators, conformance packs), and the parts of the General Reference's "AWS Config endpoints and
# quotas" page (docs.aws.amazon.com/general/latest/gr/awsconfig.html) we could retrieve list endpoints
# only. So Config's calls are reported as counts, and the modelled API time covers ACM alone.
CONFIG_OPERATIONS = ("config.GetComplianceDetailsByConfigRule", "config.PutEvaluations")
CONFIG_QUOTAS: dict[str, float | None] = {"GetComplianceDetailsByConfigRule": None, "PutEvaluations": None}
CLEANUP_PAGE = 100  # rdklib reads old results with Limit=100, Config's maximum
RSS_LIMIT_MB = 128
BASELINE_MIN_SECONDS, OURS_MAX_SECONDS = 900, 10
MODES = ("ours", "ours-steady", "baseline", "baseline+Includes")
LABELS = {
    "ours": "ours 1st",
    "ours-steady": "ours steady",
    "baseline": "baseline",
    "baseline+Includes": "baseline+Incl",
}
HANDLER_MODES = ("ours", "ours-steady", "empty")
ROOT = Path(__file__).resolve().parent.parent


# --- child: one measurement -----------------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(mode: str, count: int, now: datetime) -> dict[str, Any]:
    from acm_expiry_cli.demo import offline_environment

    offline_environment(REGION)
    from moto import mock_aws

    from acm_expiry import handler
    from acm_expiry.certificate import Certificate
    from acm_expiry.edge import AwsEdge
    from acm_expiry.verdict import judge
    from acm_expiry_cli.sample_events import scheduled_event
    from tests.support.doubles import Doubles, FakeAcm, FakeConfig
    from tests.support.inventory import synthetic_inventory

    inventory = synthetic_inventory(count, now, region=REGION)
    window = timedelta(days=DAYS)
    expected_described = {
        c["CertificateArn"]
        for c in inventory
        if c["Type"] in ("AMAZON_ISSUED", "PRIVATE")
        and c["RenewalEligibility"] != "INELIGIBLE"
        and c["Status"] == "ISSUED"
        and timedelta(0) < datetime.fromtimestamp(c["NotAfter"], UTC) - now <= window
    }
    config = FakeConfig()
    if mode == "ours-steady":
        seed_previous_run(config, inventory, now - timedelta(days=1))
    prior = dict(sorted(Counter(e["ComplianceType"] for e in config.results.values()).items()))
    logs: list[str] = []
    rss_before = _peak_rss_mb()
    with mock_aws():
        doubles = Doubles()
        doubles.serve("acm", FakeAcm(lambda region: inventory))
        doubles.serve("config", config)
        runtime = handler.Runtime(now=lambda: now, log=logs.append, new_session=doubles.session)
        started = time.perf_counter()
        seen: list[str] = []
        log_line: dict[str, Any] = {}
        if mode in HANDLER_MODES:
            evaluations = handler.handle(scheduled_event(now), None, runtime)
            log_line = json.loads(logs[-1])
            seen = [e["ComplianceResourceId"] for e in evaluations]
        else:
            edge = AwsEdge(doubles.session(), region=REGION)  # the same retry policy as ours
            acm, config_client = edge.client("acm"), edge.client("config")
            paging: dict[str, Any] = {"PaginationConfig": {"PageSize": 1000}}
            if mode == "baseline+Includes":
                paging["Includes"] = {"keyTypes": list(_all_key_types())}
            results = []
            for page in acm.get_paginator("list_certificates").paginate(**paging):
                for summary in page["CertificateSummaryList"]:
                    arn = summary["CertificateArn"]
                    described = acm.describe_certificate(CertificateArn=arn)["Certificate"]
                    verdict = judge(Certificate.from_acm(described), now, DAYS)
                    results.append((arn, verdict))
            evaluations = [
                {
                    "ComplianceResourceType": "AWS::ACM::Certificate",
                    "ComplianceResourceId": arn,
                    "ComplianceType": str(verdict.compliance),
                    "Annotation": verdict.annotation,
                    "OrderingTimestamp": now,
                }
                for arn, verdict in results
            ]
            for start in range(0, len(evaluations), 100):
                config_client.put_evaluations(Evaluations=evaluations[start : start + 100], ResultToken="token")
            seen = [arn for arn, _ in results]
        wall = time.perf_counter() - started
    peak = _peak_rss_mb()

    calls = dict(sorted(Counter(name for name, _ in doubles.requests).items()))
    described = {c["CertificateArn"] for c in doubles.calls("acm.DescribeCertificate")}
    seen_set = set(seen)
    missed = [c for c in inventory if c["CertificateArn"] not in seen_set]
    missed_non_compliant = sum(
        1 for c in missed if judge(Certificate.from_acm(c), now, DAYS).compliance == "NON_COMPLIANT"
    )
    list_calls = calls.get("acm.ListCertificates", 0)
    describe_calls = calls.get("acm.DescribeCertificate", 0)
    prior_listed = prior.get("COMPLIANT", 0) + prior.get("NON_COMPLIANT", 0)
    return {
        "mode": mode,
        "count": count,
        "apiCalls": calls,
        "handlerApiCalls": log_line.get("apiCalls"),
        "acmCalls": list_calls + describe_calls,
        "modelledAcmSeconds": round(list_calls / LIST_QUOTA + describe_calls / DESCRIBE_QUOTA, 3),
        "configCalls": sum(calls.get(op, 0) for op in CONFIG_OPERATIONS),
        "modelledConfigSeconds": None,  # no documented Config rate quota: CONFIG_QUOTAS
        "priorResults": prior,
        # the rule's clean-up asks for COMPLIANT and NON_COMPLIANT only; an empty Config still takes one call.
        "expectedCleanupCalls": max(1, math.ceil(prior_listed / CLEANUP_PAGE)),
        "wallSeconds": round(wall, 3),
        "peakRssMb": round(peak, 1),
        "rssBeforeRunMb": round(rss_before, 1),
        "certificatesSeen": len(seen_set),
        "certificatesMissed": len(missed),
        "missedNonCompliant": missed_non_compliant,
        "evaluationsRecorded": len(config.results),
        "evaluationsByCompliance": dict(sorted(Counter(e["ComplianceType"] for e in config.sent).items())),
        "describedAsExpected": described == expected_described if mode in ("ours", "ours-steady") else None,
        "expectedDescribes": len(expected_described),
        "outcome": log_line.get("outcome", "ok"),
    }


def seed_previous_run(config: FakeConfig, inventory: list[dict[str, Any]], then: datetime) -> None:
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


def _all_key_types() -> tuple[str, ...]:
    from acm_expiry.limits import ACM_KEY_TYPES

    return ACM_KEY_TYPES


def inventory_profile(count: int, now: datetime) -> dict[str, Any]:
    """What the synthetic inventory holds (computed in the parent, which otherwise imports little)."""
    from tests.support.inventory import synthetic_inventory

    inventory = synthetic_inventory(count, now, region=REGION)
    window = timedelta(days=DAYS)

    def days(c: dict[str, Any]) -> timedelta | None:
        return datetime.fromtimestamp(c["NotAfter"], UTC) - now if "NotAfter" in c else None

    in_window = [c for c in inventory if c["Status"] == "ISSUED" and timedelta(0) < (days(c) or -window) <= window]
    return {
        "certificates": count,
        "byType": dict(sorted(Counter(c["Type"] for c in inventory).items())),
        "byKeyType": dict(sorted(Counter(c["KeyAlgorithm"] for c in inventory).items())),
        "byStatus": dict(sorted(Counter(c["Status"] for c in inventory).items())),
        "insideWindow": len(in_window),
        "amazonIssuedInsideWindow": sum(1 for c in in_window if c["Type"] == "AMAZON_ISSUED"),
        "stalledRenewals": sum(
            1 for c in inventory if c.get("RenewalSummary", {}).get("RenewalStatus") in ("PENDING_VALIDATION", "FAILED")
        ),
        "visibleWithoutIncludes": sum(1 for c in inventory if c["KeyAlgorithm"] in ("RSA_1024", "RSA_2048")),
    }


# --- parent: run the children, compare, report --------------------------------------------------


def run_child(mode: str, count: int, now: datetime) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--count", str(count)]
    command += ["--now", str(now.timestamp())]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench child {mode} N={count} failed ({done.returncode}):\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 1) if denominator else None


def _check(name: str, value: Any, want: str, ok: bool) -> tuple[str, Any, str, bool]:
    return name, value, want, ok


def handler_checks(count: int, run: dict[str, Any], first: dict[str, Any]) -> list[tuple[str, Any, str, bool]]:
    """What the handler's run must do at any N, first run or steady state alike."""
    calls, which = run["apiCalls"], "first run" if run["mode"] == "ours" else "steady"
    cleanup = calls.get("config.GetComplianceDetailsByConfigRule", 0)
    checks = [
        _check(
            # + 1: ACM returns Amazon N2 certificates only to a listing that asks for them alone.
            "ListCertificates calls = ceil(N/1000) + 1 (Amazon N2 listing)",
            calls.get("acm.ListCertificates", 0),
            f"= {math.ceil(count / 1000) + 1}",
            calls.get("acm.ListCertificates", 0) == math.ceil(count / 1000) + 1,
        ),
        _check(
            "PutEvaluations calls = ceil(N/100)",
            calls.get("config.PutEvaluations", 0),
            f"= {math.ceil(count / 100)}",
            calls.get("config.PutEvaluations", 0) == math.ceil(count / 100),
        ),
        _check(
            "GetComplianceDetailsByConfigRule calls (Config starts empty) = 1"
            if run["mode"] == "ours"
            else "GetComplianceDetailsByConfigRule calls = ceil(prior COMPLIANT+NON_COMPLIANT / 100)",
            cleanup,
            f"= {run['expectedCleanupCalls']}",
            cleanup == run["expectedCleanupCalls"],
        ),
        _check(
            "DescribeCertificate only for eligible AMAZON_ISSUED and PRIVATE inside the window",
            calls.get("acm.DescribeCertificate", 0),
            f"= {run['expectedDescribes']}, same ARNs",
            bool(run["describedAsExpected"]) and calls.get("acm.DescribeCertificate", 0) == run["expectedDescribes"],
        ),
        _check(
            "every certificate evaluated", run["evaluationsRecorded"], f"= {count}", run["evaluationsRecorded"] == count
        ),
    ]
    if run["mode"] == "ours-steady":
        checks += [
            _check(
                "prior results: one per certificate (a day-old run)",
                sum(run["priorResults"].values()),
                f"= {count}",
                sum(run["priorResults"].values()) == count,
            ),
            _check(
                "same verdicts as the first run (clean-up turns nothing NOT_APPLICABLE)",
                run["evaluationsByCompliance"],
                f"= {first['evaluationsByCompliance']}",
                run["evaluationsByCompliance"] == first["evaluationsByCompliance"],
            ),
        ]
    if count == max(COUNTS):
        checks += [
            _check(
                f"peak RSS at N={count:,} < {RSS_LIMIT_MB} MB",
                run["peakRssMb"],
                f"< {RSS_LIMIT_MB}",
                run["peakRssMb"] < RSS_LIMIT_MB,
            ),
            _check(
                f"modelled ACM API time at N={count:,} < {OURS_MAX_SECONDS} s",
                run["modelledAcmSeconds"],
                f"< {OURS_MAX_SECONDS}",
                run["modelledAcmSeconds"] < OURS_MAX_SECONDS,
            ),
        ]
    return [(f"{which}: {name}", value, want, ok) for name, value, want, ok in checks]


def targets_for(count: int, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    first, steady, baseline = results["ours"], results["ours-steady"], results["baseline"]
    checks = handler_checks(count, first, first) + handler_checks(count, steady, first)
    if count == max(COUNTS):
        checks.append(
            _check(
                f"baseline: modelled ACM API time at N={count:,} > {BASELINE_MIN_SECONDS} s",
                baseline["modelledAcmSeconds"],
                f"> {BASELINE_MIN_SECONDS}",
                baseline["modelledAcmSeconds"] > BASELINE_MIN_SECONDS,
            )
        )
    return [
        {"n": count, "target": name, "value": value, "expected": want, "pass": ok} for name, value, want, ok in checks
    ]


def _row(label: str, values: Sequence[Any]) -> str:
    return f"  {label:<40}" + "".join(f"{_fmt(v):>16}" for v in values)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def report(now: datetime, counts: Sequence[int]) -> dict[str, Any]:
    empty = run_child("empty", 0, now)
    print(f"ACMExpiryRule periodic evaluation benchmark: daysToExpiration {DAYS}, now {now:%Y-%m-%d %H:%M} UTC")
    print("Each figure from a fresh child process; API time modelled at ACM's quotas (List 8/s, Describe 10/s).")
    print(
        "ours 1st: the rule's first periodic run (Config empty); ours steady: any later run (Config holds the "
        "previous day's result for every certificate)."
    )
    print(
        "Config calls are counted only: no documented rate quota was found for GetComplianceDetailsByConfigRule "
        "or PutEvaluations."
    )
    print(
        f"Empty run (handler, 0 certificates, inside mock_aws): peak RSS {empty['peakRssMb']:.1f} MB, "
        f"wall {empty['wallSeconds']:.2f} s, calls {empty['apiCalls']}\n"
    )
    runs: dict[str, Any] = {}
    targets: list[dict[str, Any]] = []
    for count in counts:
        profile = inventory_profile(count, now)
        results = {mode: run_child(mode, count, now) for mode in MODES}
        ours, base, fixed = results["ours"], results["baseline"], results["baseline+Includes"]
        ratios = {
            name: {
                "acmCalls": _ratio(r["acmCalls"], ours["acmCalls"]),
                "modelledAcmSeconds": _ratio(r["modelledAcmSeconds"], ours["modelledAcmSeconds"]),
                "wallSeconds": _ratio(r["wallSeconds"], ours["wallSeconds"]),
                "peakRssMb": _ratio(r["peakRssMb"], ours["peakRssMb"]),
            }
            for name, r in (("baseline", base), ("baseline+Includes", fixed))
        }
        runs[str(count)] = {"inventory": profile, **results, "ratiosToOurs": ratios}
        targets += targets_for(count, results)

        print(
            f"N = {count:,}: {profile['byType']}; {profile['insideWindow']} inside the window, "
            f"{profile['amazonIssuedInsideWindow']} of them AMAZON_ISSUED; {profile['stalledRenewals']} stalled "
            f"renewals; {profile['visibleWithoutIncludes']:,} RSA_1024/RSA_2048 (visible without Includes)"
        )
        columns = [*MODES, "base/ours", "base+I/ours"]
        print(_row("", [LABELS.get(c, c) for c in columns]))
        operations = sorted({op for r in results.values() for op in r["apiCalls"]})
        for op in operations:
            values = [r["apiCalls"].get(op, 0) for r in results.values()]
            print(_row(op, [*values, None, None]))
        for key, label in (
            ("acmCalls", "ACM calls"),
            ("modelledAcmSeconds", "modelled ACM API time (s)"),
            ("configCalls", "Config calls (no documented quota)"),
            ("wallSeconds", "wall time (s)"),
            ("peakRssMb", "peak RSS (MB)"),
        ):
            print(
                _row(
                    label,
                    [r[key] for r in results.values()]
                    + [ratios["baseline"].get(key), ratios["baseline+Includes"].get(key)],
                )
            )
        print(_row("  of it before the run (inventory, imports)", [r["rssBeforeRunMb"] for r in results.values()]))
        print(_row("prior results in Config", [sum(r["priorResults"].values()) for r in results.values()]))
        print(_row("certificates seen", [r["certificatesSeen"] for r in results.values()]))
        print(_row("certificates missed", [r["certificatesMissed"] for r in results.values()]))
        print(_row("  of them NON_COMPLIANT", [r["missedNonCompliant"] for r in results.values()]))
        print()

    print("Targets:")
    for target in targets:
        mark = "PASS" if target["pass"] else "FAIL"
        print(
            f"  [{mark}] N={target['n']:>6,}  {target['target']}: {_fmt(target['value'])} (want {target['expected']})"
        )
    largest = runs[str(max(counts))] if counts else None
    if largest is not None:
        base, fixed = largest["baseline"], largest["baseline+Includes"]
        print(f"\nSteady state at N={max(counts):,}: {steady_line(largest['ours-steady'], largest['ours'])}.")
        print(
            f"Note: without Includes the baseline never sees {base['certificatesMissed']:,} of "
            f"{max(counts):,} certificates ({base['missedNonCompliant']:,} of them NON_COMPLIANT), which is why "
            f"its modelled {base['modelledAcmSeconds']:,.0f} s is not more; describing every certificate with the "
            f"listing fixed needs {fixed['modelledAcmSeconds']:,.0f} s. Wall times are in-process against doubles "
            "(no network, no rate limits): the modelled API time is what a real account imposes."
        )
    return {
        "bench": "periodic",
        "daysToExpiration": DAYS,
        "now": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quotasPerSecond": {"ListCertificates": LIST_QUOTA, "DescribeCertificate": DESCRIBE_QUOTA, **CONFIG_QUOTAS},
        "configQuotaNote": "no documented rate quota found for Config's calls: counted, not modelled",
        "peakRssMbAtLargestN": (
            {"firstRun": largest["ours"]["peakRssMb"], "steadyState": largest["ours-steady"]["peakRssMb"]}
            if largest is not None
            else None
        ),
        "emptyRun": empty,
        "runs": runs,
        "targets": targets,
        "allTargetsPass": all(t["pass"] for t in targets),
    }


def steady_line(steady: dict[str, Any], first: dict[str, Any]) -> str:
    calls = steady["apiCalls"]
    return (
        f"{calls.get('config.GetComplianceDetailsByConfigRule', 0)} GetComplianceDetailsByConfigRule pages "
        f"(first run: {first['apiCalls'].get('config.GetComplianceDetailsByConfigRule', 0)}), "
        f"{calls.get('config.PutEvaluations', 0)} PutEvaluations, {steady['configCalls']} Config calls in all; "
        f"wall {steady['wallSeconds']:.2f} s (first run {first['wallSeconds']:.2f} s); "
        f"peak RSS {steady['peakRssMb']:.1f} MB (first run {first['peakRssMb']:.1f} MB)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    for source in (ROOT, ROOT / "cli", ROOT / "ACMExpiryRule"):  # a checkout, installed or not; tests.support
        if str(source) not in sys.path:
            sys.path.insert(0, str(source))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", choices=(*MODES, "empty"), help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--now", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--counts", type=int, nargs="+", default=list(COUNTS), help="inventory sizes (1000 10000)")
    args = parser.parse_args(argv)
    now = datetime.fromtimestamp(args.now, UTC) if args.now is not None else datetime.now(UTC).replace(microsecond=0)
    if args.child:
        print(json.dumps(measure(args.child, args.count, now), sort_keys=True))
        return 0
    figures = report(now, args.counts)
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
