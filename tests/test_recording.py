"""A steady day records only what changed: the recording plan, and a month of real daily runs.

The plan (``acm_expiry.recording``) is pure and tested as a table first; then the real handler
runs once a day for a month against the Config double, whose GetComplianceDetailsByConfigRule
gives what was recorded and when (``ResultRecordedTime``), and each day checks that Config holds
exactly what judging each certificate that day gives, and that the run sent no more than
NON_COMPLIANT + changed + ⌈N/30⌉ evaluations.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from acm_expiry import RESOURCE_TYPE
from acm_expiry.certificate import Certificate
from acm_expiry.outcome import Assessment, Removed
from acm_expiry.recording import DELETED, DESCRIBE_LIMIT, OUT_OF_SCOPE, plan_recording
from acm_expiry.results import HeldResult, HeldResults
from acm_expiry.rule import resource_id
from acm_expiry.verdict import judge
from acm_expiry_cli.sample_events import scheduled_event
from tests.conftest import World
from tests.support.inventory import synthetic_inventory

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def arn(name: str) -> str:
    return f"arn:aws:acm:us-east-1:123456789012:certificate/{name}"


def assessed(name: str, days: float, now: datetime = NOW) -> Assessment:
    certificate = Certificate(arn(name), status="ISSUED", type="IMPORTED", not_after=now + timedelta(days=days))
    return Assessment(certificate, judge(certificate, now, 30))


def held_as(
    assessment: Assessment, *, recorded: datetime | None = NOW - timedelta(days=1), **change: str
) -> HeldResult:
    verdict = assessment.verdict
    return HeldResult(
        RESOURCE_TYPE,
        assessment.certificate.arn,
        change.get("compliance", str(verdict.compliance)),
        change.get("annotation", verdict.annotation),
        recorded,
    )


def holding(*results: HeldResult, complete: bool = True) -> HeldResults:
    return HeldResults({(r.resource_type, r.resource_id): r for r in results}, complete=complete)


def reasons(plan: Any) -> list[tuple[str, str]]:
    return [(resource_id(p.outcome).rsplit("/", 1)[1], p.reason) for p in plan.sends]


# --- the plan, as a table ------------------------------------------------------------------------------


def test_noncompliant_is_sent_every_day_even_when_config_holds_the_same_words() -> None:
    soon = assessed("soon", 5)
    plan = plan_recording([soon], holding(held_as(soon)), now=NOW, listing_complete=True)
    assert reasons(plan) == [("soon", "noncompliant")]


def test_an_unchanged_compliant_result_is_not_sent_until_its_turn() -> None:
    far = [assessed(f"far{i}", 100 + i) for i in range(90)]
    plan = plan_recording(far, holding(*(held_as(a) for a in far)), now=NOW, listing_complete=True)
    assert [reason for _, reason in reasons(plan)] == ["refresh"] * 3  # ⌈90/30⌉
    assert plan.unchanged == 87


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"annotation": "Expires in 100 days (2027-03-09), outside the 30-day window."}, "the words of an old version"),
        ({"compliance": "NON_COMPLIANT"}, "a renewed certificate: NON_COMPLIANT yesterday"),
        ({"compliance": "NOT_APPLICABLE", "annotation": DELETED}, "a certificate marked deleted that is back"),
    ],
)
def test_a_result_whose_verdict_or_words_differ_is_sent(change: dict[str, str], why: str) -> None:
    far = assessed("far", 100)
    plan = plan_recording([far], holding(held_as(far, **change)), now=NOW, listing_complete=True)
    assert reasons(plan) == [("far", "changed")], why


def test_a_certificate_config_holds_nothing_for_is_sent() -> None:
    plan = plan_recording([assessed("new", 100)], holding(), now=NOW, listing_complete=True)
    assert reasons(plan) == [("new", "new")]


def test_the_refresh_takes_the_longest_held_up_to_a_thirtieth() -> None:
    far = [assessed(f"far{i:02d}", 100 + i) for i in range(60)]  # quota ⌈60/30⌉ = 2
    held = [held_as(a, recorded=NOW - timedelta(days=1, hours=i)) for i, a in enumerate(far)]
    plan = plan_recording(far, holding(*held), now=NOW, listing_complete=True)
    assert reasons(plan) == [("far59", "refresh"), ("far58", "refresh")]
    # Three held 40 days (after an outage, say): the quota still holds; the third goes tomorrow.
    held[:3] = [held_as(a, recorded=NOW - timedelta(days=40, hours=i)) for i, a in enumerate(far[:3])]
    plan = plan_recording(far, holding(*held), now=NOW, listing_complete=True)
    assert reasons(plan) == [("far02", "refresh"), ("far01", "refresh")]


def test_refreshes_rotate_even_if_config_kept_the_first_recorded_time() -> None:
    """Were ResultRecordedTime not moved by an identical evaluation, the rotation still covers everyone in 30 days."""
    far = [assessed(f"far{i:03d}", 400) for i in range(300)]
    held = holding(*(held_as(a, recorded=NOW - timedelta(days=2)) for a in far))
    picked: set[str] = set()
    for day in range(30):
        now = NOW + timedelta(days=day)
        plan = plan_recording(far, held, now=now, listing_complete=True)
        assert len(plan.sends) == math.ceil(300 / 30)  # a thirtieth a day, never all at once
        picked |= {name for name, _ in reasons(plan)}
        if day == 29:
            assert len(picked) == 300  # every one in the first 30 days


def test_expired_first_then_fewest_days_then_changes_then_refresh_then_deleted() -> None:
    expired, soon, later = assessed("expired", -2), assessed("soon", 3), assessed("later", 20)
    renewed, new, old = assessed("renewed", 200), assessed("new", 300), assessed("old", 100)
    held = holding(
        held_as(renewed, compliance="NON_COMPLIANT"),
        held_as(old, recorded=NOW - timedelta(days=31)),
        HeldResult(RESOURCE_TYPE, arn("gone"), "COMPLIANT", "Expires on 2027-01-01, outside the 30-day window.", NOW),
    )
    plan = plan_recording([later, old, renewed, soon, new, expired], held, now=NOW, listing_complete=True)
    assert reasons(plan) == [
        ("expired", "noncompliant"),
        ("soon", "noncompliant"),
        ("later", "noncompliant"),
        ("new", "new"),
        ("renewed", "changed"),
        ("old", "refresh"),
        ("gone", "deleted"),
    ]


def test_after_a_complete_listing_what_it_did_not_list_is_gone_without_asking_acm() -> None:
    held = holding(
        HeldResult(RESOURCE_TYPE, arn("gone"), "NON_COMPLIANT", "Expires in 3 days", NOW),
        HeldResult(RESOURCE_TYPE, arn("done"), "NOT_APPLICABLE", DELETED, NOW),  # marked already
        HeldResult("AWS::EC2::Instance", "i-0abc", "COMPLIANT", "", NOW),
    )
    plan = plan_recording([], held, now=NOW, listing_complete=True)
    assert [(p.outcome, p.reason) for p in plan.sends] == [
        (Removed(arn("gone"), RESOURCE_TYPE, DELETED), "deleted"),
        (Removed("i-0abc", "AWS::EC2::Instance", OUT_OF_SCOPE), "deleted"),
    ]
    assert plan.ask_acm == ()


def test_after_a_listing_with_gaps_acm_is_asked_about_a_bounded_number_held_noncompliant_first() -> None:
    gone = [HeldResult(RESOURCE_TYPE, arn(f"c{i:03d}"), "COMPLIANT", "x", NOW) for i in range(DESCRIBE_LIMIT + 20)]
    failing = HeldResult(RESOURCE_TYPE, arn("z-failing"), "NON_COMPLIANT", "Expires in 3 days", NOW)
    marked = HeldResult(RESOURCE_TYPE, arn("marked"), "NOT_APPLICABLE", DELETED, NOW)
    plan = plan_recording([], holding(*gone, failing, marked), now=NOW, listing_complete=False)
    assert plan.sends == ()
    assert len(plan.ask_acm) == DESCRIBE_LIMIT and plan.ask_acm[0] == failing
    assert plan.left_for_later == 21 and marked not in plan.ask_acm


def test_a_read_of_config_cut_short_removes_nothing() -> None:
    held = holding(HeldResult(RESOURCE_TYPE, arn("gone"), "COMPLIANT", "x", NOW), complete=False)
    plan = plan_recording([assessed("new", 100)], held, now=NOW, listing_complete=True)
    assert reasons(plan) == [("new", "new")]


# --- a month of daily runs -----------------------------------------------------------------------------


def judged_today(inventory: list[dict[str, Any]], now: datetime, aws: World) -> dict[str, tuple[str, str]]:
    """What judging each certificate directly today gives (DescribeCertificate's facts, as ACM tells them)."""
    expected = {}
    for record in inventory:
        described = aws.acm.describe_certificate({"CertificateArn": record["CertificateArn"], "_region": "us-east-1"})
        verdict = judge(Certificate.from_acm(described["Certificate"]), now, 30)
        expected[record["CertificateArn"]] = (str(verdict.compliance), verdict.annotation)
    return expected


def test_a_month_of_daily_runs_keeps_config_right_and_records_only_what_changed(aws: World) -> None:
    count = 400
    inventory = synthetic_inventory(count, aws.now)
    aws.acm.source = lambda region: inventory
    quota = math.ceil(count / 30)
    yesterday: dict[str, tuple[str, str]] = {}
    recorded_at: dict[str, datetime] = {}
    renewed = next(r for r in inventory if r["Type"] == "IMPORTED" and r["Status"] == "ISSUED")
    renewed["NotAfter"] = (aws.now + timedelta(days=12)).timestamp()  # NON_COMPLIANT until day 15
    sent_per_day = []
    for day in range(31):
        if day == 15:  # re-imported with a new expiry date, mid-month
            renewed["NotAfter"] = (aws.now + timedelta(days=365)).timestamp()
        aws.config.put_calls.clear()
        aws.run(scheduled_event(aws.now))
        today = judged_today(inventory, aws.now, aws)
        held = {arn: (e["ComplianceType"], e.get("Annotation", "")) for arn, e in aws.config.results.items()}
        assert held == today, f"day {day}: Config holds something judging today would not give"
        sent = {e["ComplianceResourceId"] for e in aws.config.sent}
        for arn_ in sent:
            recorded_at[arn_] = aws.now
        noncompliant = sum(1 for compliance, _ in today.values() if compliance == "NON_COMPLIANT")
        changed = sum(1 for a, words in today.items() if yesterday.get(a) != words and words[0] != "NON_COMPLIANT")
        if day:
            assert len(aws.config.sent) <= noncompliant + changed + quota, f"day {day}"
            assert all(aws.now - when <= timedelta(days=30) for when in recorded_at.values()), f"day {day}"
        if day == 15:
            assert aws.config.results[renewed["CertificateArn"]]["ComplianceType"] == "COMPLIANT"
            assert renewed["CertificateArn"] in sent  # recorded the day it was renewed
        sent_per_day.append(len(aws.config.sent))
        yesterday = today
        aws.later(days=1)
    assert sent_per_day[0] == count  # the first day records everything
    assert max(sent_per_day[1:]) < count / 4  # then a fraction of it
    line = aws.log_lines()[-1]
    assert line["recording"]["unchanged"] > count / 2 and line["outcome"] == "ok"


def test_a_day_with_no_certificates_still_reports_to_config(aws: World) -> None:
    """PutEvaluations with an empty list (AWS accepts it), so the rule's last evaluation time moves on."""
    aws.acm.source = lambda region: []
    aws.run(scheduled_event(aws.now))
    assert aws.config.put_calls == [[]]
