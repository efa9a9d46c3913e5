"""The benchmark's targets: each a figure, what it must be, and whether it is; printed as PASS/FAIL lines."""

from __future__ import annotations

import math
from typing import Any

from bench.aws_terms import LAMBDA_TIMEOUT_SECONDS
from bench.plan import COUNTS, EXEMPT_COUNT, LABELS, OURS

RSS_LIMIT_MB = 128
PEERS_MIN_SECONDS, OURS_MAX_SECONDS = 900, 10


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
