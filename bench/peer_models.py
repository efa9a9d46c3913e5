"""The peers' calls and verdicts, as their source makes them (bench/periodic.py's docstring names the
versions read), and the rule's verdict as the reference for them."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from bench.plan import DAYS, REGION

ALL_KEY_TYPES = ("RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1")
CUSTODIAN_KEY_TYPES = tuple(k for k in ALL_KEY_TYPES if k != "RSA_3072")


def run_peer(mode: str, doubles: Any, now: datetime) -> dict[str, Any]:
    """A peer's calls, as its source makes them, and its verdict: flagged or not, per certificate it saw."""
    from acm_expiry.edge import AwsEdge, Clock

    started = time.perf_counter()
    # The same retry policy as ours; the peers do not pace their calls, so the edge's waits are skipped.
    edge = AwsEdge(doubles.session(), region=REGION, clock=Clock(time.perf_counter, lambda seconds: None))
    acm = edge.client("acm")
    listing: dict[str, Any] = {}
    if mode == "prowler":
        listing["Includes"] = {"keyTypes": list(ALL_KEY_TYPES)}
    elif mode == "custodian":
        listing["Includes"] = {"keyTypes": list(CUSTODIAN_KEY_TYPES)}
    pages = acm.get_paginator("list_certificates").paginate(**listing)
    summaries = [summary for page in pages for summary in page["CertificateSummaryList"]]
    flagged: dict[str, bool] = {}
    for summary in summaries:
        arn = summary["CertificateArn"]
        described = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        if mode == "prowler":
            acm.list_tags_for_certificate(CertificateArn=arn)
            flagged[arn] = prowler_flags(summary, now, threshold=DAYS)
        elif mode == "custodian":
            flagged[arn] = custodian_flags(described, now, days=DAYS)
        else:
            from acm_expiry.certificate import Certificate
            from acm_expiry.verdict import judge

            flagged[arn] = judge(Certificate.from_acm(described), now, DAYS).compliance == "NON_COMPLIANT"
    if mode == "custodian":  # universal_augment: GetResources for up to 100 ARNs a call
        tagging = edge.client("resourcegroupstaggingapi")
        arns = list(flagged)
        for start in range(0, len(arns), 100):
            tagging.get_resources(ResourceARNList=arns[start : start + 100])
    return {"flagged": flagged, "wall": time.perf_counter() - started}


def ours_flags(described: dict[str, Any], now: datetime) -> bool:
    """The rule's answer for a certificate: NON_COMPLIANT or not (the reference for the others)."""
    from acm_expiry.certificate import Certificate
    from acm_expiry.verdict import judge

    return bool(judge(Certificate.from_acm(described), now, DAYS).compliance == "NON_COMPLIANT")


def prowler_flags(summary: dict[str, Any], now: datetime, threshold: int) -> bool:
    """Prowler's check: ``(NotAfter - now).days`` (0 without NotAfter); FAIL when ``days <= threshold``."""
    not_after = summary.get("NotAfter")
    days = (not_after - now).days if isinstance(not_after, datetime) else 0
    return days <= threshold


def custodian_flags(described: dict[str, Any], now: datetime, days: int) -> bool:
    """Custodian's ``value_type: expiration`` filter, ``op: lte``: NotAfter <= now + days; no NotAfter: no match."""
    not_after = described.get("NotAfter")
    return isinstance(not_after, datetime) and not_after <= now + timedelta(days=days)
