"""The world around a measured run, worked out from the inventory and never from the rule's own plan: what
yesterday's run left in Config and Security Hub, what changed overnight, and what the rule may do today."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.plan import DAYS, REGION


def changed_verdicts(today: dict[str, bool], yesterday: dict[str, bool]) -> int:
    return sum(1 for arn, flagged in today.items() if arn in yesterday and yesterday[arn] != flagged)


def steady_day_bound(
    inventory: list[dict[str, Any]], exempt: set[str], yesterday: datetime, now: datetime
) -> dict[str, int]:
    """What a steady day may record, counted from the inventory: NON_COMPLIANT + changed + those due a refresh.

    ``refresh``: the certificates whose turn (a hash of the ARN, one day in 30) is today; ``busiestDay``:
    the most any of the 30 days has, and ``meanDay`` N/30, rounded.
    """
    from acm_expiry.certificate import Certificate
    from acm_expiry.recording import REFRESH_DAYS, day_number, refresh_day
    from acm_expiry.verdict import judge

    noncompliant = changed = 0
    for record in inventory:
        if record["CertificateArn"] in exempt:
            continue
        certificate = Certificate.from_acm(record)
        before, after = judge(certificate, yesterday, DAYS), judge(certificate, now, DAYS)
        if after.compliance == "NON_COMPLIANT":
            noncompliant += 1
        elif (before.compliance, before.annotation) != (after.compliance, after.annotation):
            changed += 1
    turns = [refresh_day(str(record["CertificateArn"])) for record in inventory]
    refresh = turns.count(day_number(now) % REFRESH_DAYS)
    bound = noncompliant + changed + refresh
    busiest = max(turns.count(day) for day in range(REFRESH_DAYS)) if turns else 0
    return {
        "nonCompliant": noncompliant,
        "changed": changed,
        "refresh": refresh,
        "bound": bound,
        "busiestDay": busiest,
        "meanDay": round(len(inventory) / REFRESH_DAYS),
    }


def expected_describes(inventory: list[dict[str, Any]], now: datetime, *, exempt: bool) -> set[str]:
    """DescribeCertificate for eligible AMAZON_ISSUED and PRIVATE certificates inside the window, not exempt."""
    window = timedelta(days=DAYS)
    return {
        c["CertificateArn"]
        for c in inventory
        if c["Type"] in ("AMAZON_ISSUED", "PRIVATE")
        and c["RenewalEligibility"] != "INELIGIBLE"
        and c["Status"] == "ISSUED"
        and timedelta(0) < datetime.fromtimestamp(c["NotAfter"], UTC) - now <= window
        and not (exempt and c.get("Tags"))
    }


def seed_previous_run(config: Any, inventory: list[dict[str, Any]], then: datetime) -> None:
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


def seed_previous_findings(hub: Any, inventory: list[dict[str, Any]], then: datetime, now: datetime) -> int:
    """Yesterday's findings, as the rule wrote them, their last updates spread over 1 to 67 days ago;
    returns how many of them are at least 60 days old today.

    With refreshes 60 to 74 days after a finding's last update, a steady state holds findings of
    every age up to about that; a finding written yesterday for the first time is the youngest.
    """
    from acm_expiry.asff import Product
    from acm_expiry.certificate import Certificate
    from acm_expiry.findings import plan_findings
    from acm_expiry.outcome import Assessment
    from acm_expiry.verdict import judge

    outcomes = [Assessment(Certificate.from_acm(c), judge(Certificate.from_acm(c), then, DAYS)) for c in inventory]
    product = Product("aws", REGION, "123456789012")
    imports = plan_findings(outcomes, {}, rule_name="ACMExpiryRule", product=product, window=DAYS, now=then).imports
    for index, finding in enumerate(imports):
        updated = then - timedelta(days=66 * index / max(1, len(imports)))
        stamp = updated.strftime("%Y-%m-%dT%H:%M:%S.") + f"{updated.microsecond // 1000:03d}Z"
        hub.seed(finding | {"CreatedAt": stamp, "UpdatedAt": stamp})
    # How many are 60 days old or more today: at most these can be due for a refresh.
    return sum(1 for index in range(len(imports)) if 66 * index / max(1, len(imports)) + 1 >= 60)


RENEWED_OVERNIGHT = 30


def renew_overnight(inventory: list[dict[str, Any]], yesterday: datetime, now: datetime) -> int:
    """A few dozen verdicts change between two days: up to 30 imported certificates failing yesterday were
    re-imported renewed; how many."""
    failing = [
        c
        for c in inventory
        if c["Type"] == "IMPORTED"
        and c["Status"] == "ISSUED"
        and 0 < c["NotAfter"] - yesterday.timestamp() <= DAYS * 86400
    ]
    for certificate in failing[:RENEWED_OVERNIGHT]:
        certificate["NotAfter"] = (now + timedelta(days=395)).timestamp()
    return min(len(failing), RENEWED_OVERNIGHT)


def inventory_profile(count: int, now: datetime) -> dict[str, Any]:
    from tests.support.inventory import synthetic_inventory

    inventory = synthetic_inventory(count, now, region=REGION)
    window = timedelta(days=DAYS)

    def left(c: dict[str, Any]) -> timedelta | None:
        return datetime.fromtimestamp(c["NotAfter"], UTC) - now if "NotAfter" in c else None

    in_window = [c for c in inventory if c["Status"] == "ISSUED" and timedelta(0) < (left(c) or -window) <= window]
    return {
        "certificates": count,
        "byType": dict(sorted(Counter(c["Type"] for c in inventory).items())),
        "byKeyType": dict(sorted(Counter(c["KeyAlgorithm"] for c in inventory).items())),
        "insideWindow": len(in_window),
        "renewedByAcmInsideWindow": sum(
            1 for c in in_window if c["Type"] != "IMPORTED" and c["RenewalEligibility"] == "ELIGIBLE"
        ),
        "visibleWithoutIncludes": sum(1 for c in inventory if c["KeyAlgorithm"] in ("RSA_1024", "RSA_2048")),
        "rsa3072": sum(1 for c in inventory if c["KeyAlgorithm"] == "RSA_3072"),
    }
