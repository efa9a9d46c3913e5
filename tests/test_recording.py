"""A steady day records only what changed: the recording plan, and a month of real daily runs.

The plan (``acm_expiry.recording``) is pure and tested as a table first; then the real handler
runs once a day for a month against the Config double, whose GetComplianceDetailsByConfigRule
gives what was recorded and when (``ResultRecordedTime``), and each day checks that Config holds
exactly what judging each certificate that day gives, and that the run sent no more than
NON_COMPLIANT + changed + ⌈N/30⌉ evaluations.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from acm_expiry import RESOURCE_TYPE
from acm_expiry.certificate import Certificate
from acm_expiry.held import HeldResult, HeldResults
from acm_expiry.outcome import Assessment, Removed
from acm_expiry.recording import (
    DELETED,
    DESCRIBE_LIMIT,
    OUT_OF_SCOPE,
    REFRESH_DAYS,
    day_number,
    plan_recording,
    refresh_day,
)
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


def turn_of(name: str) -> datetime:
    """The first day from NOW on which the certificate ``name`` is due its refresh."""
    return next(
        NOW + timedelta(days=d)
        for d in range(REFRESH_DAYS)
        if refresh_day(arn(name)) == day_number(NOW + timedelta(days=d)) % REFRESH_DAYS
    )


def reasons(plan: Any) -> list[tuple[str, str]]:
    return [(resource_id(p.outcome).rsplit("/", 1)[1], p.reason) for p in plan.sends]


# --- the plan, as a table ------------------------------------------------------------------------------


def test_noncompliant_is_sent_every_day_even_when_config_holds_the_same_words() -> None:
    soon = assessed("soon", 5)
    plan = plan_recording([soon], holding(held_as(soon)), now=NOW, listing_complete=True)
    assert reasons(plan) == [("soon", "noncompliant")]


def test_refresh_turns_spread_over_every_day_of_the_30() -> None:
    """3,000 certificates: every day has its share of refreshes (100 on average), none is left empty."""
    per_day = [0] * REFRESH_DAYS
    for i in range(3000):
        per_day[refresh_day(arn(f"{i:08x}-0000-4000-8000-{i:012x}"))] += 1
    assert min(per_day) >= 70 and max(per_day) <= 130, per_day


def test_an_unchanged_compliant_result_is_sent_only_on_its_turn() -> None:
    far = [assessed(f"far{i}", 100 + i) for i in range(90)]
    plan = plan_recording(far, holding(*(held_as(a) for a in far)), now=NOW, listing_complete=True)
    due = {a.certificate.arn for a in far if refresh_day(a.certificate.arn) == day_number(NOW) % REFRESH_DAYS}
    assert {resource_id(p.outcome) for p in plan.sends} == due and due  # today's turn: some, not all
    assert [reason for _, reason in reasons(plan)] == ["refresh"] * len(due)
    assert plan.unchanged == 90 - len(due)


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


def test_the_refresh_turns_follow_the_calendar_never_the_recorded_time() -> None:
    """Were a rotation to read ResultRecordedTime, one of the two readings of Config would starve someone."""
    far = [assessed(f"far{i:02d}", 100 + i) for i in range(60)]
    recently = holding(*(held_as(a, recorded=NOW - timedelta(hours=1)) for a in far))
    long_ago = holding(*(held_as(a, recorded=NOW - timedelta(days=400)) for a in far))
    unknown = holding(*(held_as(a, recorded=None) for a in far))
    picks = [reasons(plan_recording(far, h, now=NOW, listing_complete=True)) for h in (recently, long_ago, unknown)]
    assert picks[0] == picks[1] == picks[2]


@pytest.mark.parametrize("moves", [True, False], ids=["config-moves-recorded-time", "config-keeps-first-recorded-time"])
def test_every_certificate_is_refreshed_once_in_any_30_days_whatever_config_does(moves: bool) -> None:
    far = [assessed(f"far{i:03d}", 400) for i in range(300)]
    recorded = {a.certificate.arn: NOW - timedelta(days=2) for a in far}
    sent_on: dict[str, list[int]] = {a.certificate.arn: [] for a in far}
    for day in range(90):
        now = NOW + timedelta(days=day)
        held = holding(*(held_as(a, recorded=recorded[a.certificate.arn]) for a in far))
        plan = plan_recording(far, held, now=now, listing_complete=True)
        for planned in plan.sends:
            sent_on[resource_id(planned.outcome)].append(day)
            if moves:
                recorded[resource_id(planned.outcome)] = now
    assert all(days[0] < 30 and all(b - a == 30 for a, b in itertools.pairwise(days)) for days in sent_on.values())
    assert all(len(days) == 3 for days in sent_on.values())


def test_expired_first_then_fewest_days_then_changes_then_refresh_then_deleted() -> None:
    expired, soon, later = assessed("expired", -2), assessed("soon", 3), assessed("later", 20)
    renewed, new, old = assessed("renewed", 200), assessed("new", 300), assessed("old", 100)
    held = holding(
        held_as(renewed, compliance="NON_COMPLIANT"),
        held_as(old, recorded=NOW - timedelta(days=31)),
        HeldResult(RESOURCE_TYPE, arn("gone"), "COMPLIANT", "Expires on 2027-01-01, outside the 30-day window.", NOW),
    )
    turn = turn_of("old")
    plan = plan_recording([later, old, renewed, soon, new, expired], held, now=turn, listing_complete=True)
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
    """Held COMPLIANT or NOT_APPLICABLE: the trusted listing's word is enough."""
    kept = assessed("kept", 100)
    held = holding(
        held_as(kept),
        HeldResult(RESOURCE_TYPE, arn("gone"), "COMPLIANT", "Expires on 2027-01-01, outside the 30-day window.", NOW),
        HeldResult(RESOURCE_TYPE, arn("never"), "NOT_APPLICABLE", "Certificate is FAILED: it has not been issued", NOW),
        HeldResult(RESOURCE_TYPE, arn("done"), "NOT_APPLICABLE", DELETED, NOW),  # marked already
        HeldResult("AWS::EC2::Instance", "i-0abc", "COMPLIANT", "", NOW),
    )
    plan = plan_recording([kept], held, now=NOW + timedelta(days=1), listing_complete=True)
    assert [(p.outcome, p.reason) for p in plan.sends if p.reason == "deleted"] == [
        (Removed(arn("gone"), RESOURCE_TYPE, DELETED), "deleted"),
        (Removed(arn("never"), RESOURCE_TYPE, DELETED), "deleted"),
        (Removed("i-0abc", "AWS::EC2::Instance", OUT_OF_SCOPE), "deleted"),
    ]
    assert plan.ask_acm == () and plan.doubt is None


def test_a_certificate_held_noncompliant_is_cleared_only_on_acms_word() -> None:
    """A listing that leaves out a certificate needing attention is not enough to call it deleted."""
    kept = [assessed(f"kept{i}", 100) for i in range(20)]
    failing = HeldResult(RESOURCE_TYPE, arn("failing"), "NON_COMPLIANT", "Expired 2 days ago, on 2026-11-27.", NOW)
    plan = plan_recording(kept, holding(*(held_as(a) for a in kept), failing), now=NOW, listing_complete=True)
    assert "deleted" not in {reason for _, reason in reasons(plan)}
    assert plan.ask_acm == (failing,) and plan.doubt is None


def test_an_empty_listing_while_config_holds_results_is_doubted_and_clears_nothing() -> None:
    held = [HeldResult(RESOURCE_TYPE, arn(f"c{i:02d}"), "COMPLIANT", "x", NOW) for i in range(23)]
    plan = plan_recording([], holding(*held), now=NOW, listing_complete=True)
    assert plan.sends == ()
    assert plan.doubt is not None and "empty" in plan.doubt and "23" in plan.doubt
    assert set(plan.ask_acm) == set(held)  # ACM's word decides, a bounded number a run


@pytest.mark.parametrize(
    ("listed", "doubted"),
    [(20, False), (18, False), (15, False), (14, True), (1, True)],
    ids=["none-missing", "2-missing", "5-missing-the-allowance", "6-missing", "19-missing"],
)
def test_a_listing_that_shrinks_past_its_allowance_is_doubted(listed: int, doubted: bool) -> None:
    """20 live results: the allowance is max(5, a tenth of 20) = 5 certificates."""
    judged = [assessed(f"c{i:02d}", 100) for i in range(20)]
    held = holding(*(held_as(a) for a in judged))
    plan = plan_recording(judged[:listed], held, now=NOW, listing_complete=True)
    assert (plan.doubt is not None) is doubted
    gone = {resource_id(p.outcome) for p in plan.sends if p.reason == "deleted"}
    assert gone == (set() if doubted else {a.certificate.arn for a in judged[listed:]})
    assert {r.resource_id for r in plan.ask_acm} == ({a.certificate.arn for a in judged[listed:]} if doubted else set())


def test_results_marked_deleted_do_not_count_towards_the_allowance() -> None:
    judged = [assessed(f"c{i:02d}", 100) for i in range(20)]
    marked = [HeldResult(RESOURCE_TYPE, arn(f"old{i:02d}"), "NOT_APPLICABLE", DELETED, NOW) for i in range(50)]
    plan = plan_recording(judged, holding(*(held_as(a) for a in judged), *marked), now=NOW, listing_complete=True)
    assert plan.doubt is None and plan.ask_acm == () and "deleted" not in {r for _, r in reasons(plan)}


def test_after_a_listing_with_gaps_acm_is_asked_about_a_bounded_number_held_noncompliant_first() -> None:
    gone = [HeldResult(RESOURCE_TYPE, arn(f"c{i:03d}"), "COMPLIANT", "x", NOW) for i in range(DESCRIBE_LIMIT + 20)]
    failing = HeldResult(RESOURCE_TYPE, arn("z-failing"), "NON_COMPLIANT", "Expires in 3 days", NOW)
    marked = HeldResult(RESOURCE_TYPE, arn("marked"), "NOT_APPLICABLE", DELETED, NOW)
    plan = plan_recording([], holding(*gone, failing, marked), now=NOW, listing_complete=False)
    assert plan.sends == ()
    assert len(plan.ask_acm) == DESCRIBE_LIMIT and plan.ask_acm[0] == failing
    assert plan.left_for_later == 21 and marked not in plan.ask_acm


def test_expired_certificates_without_a_date_go_first() -> None:
    dated = assessed("dated", -3)
    dateless_certificate = Certificate(arn("dateless"), status="EXPIRED", type="IMPORTED")
    dateless = Assessment(dateless_certificate, judge(dateless_certificate, NOW, 30))
    plan = plan_recording([assessed("soon", 2), dated, dateless], holding(), now=NOW, listing_complete=True)
    assert [name for name, _ in reasons(plan)] == ["dateless", "dated", "soon"]


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


def due_today(arns: Any, now: datetime) -> int:
    return sum(1 for a in arns if refresh_day(a) == day_number(now) % REFRESH_DAYS)


def test_a_month_of_daily_runs_keeps_config_right_and_records_only_what_changed(aws: World) -> None:
    count = 400
    inventory = synthetic_inventory(count, aws.now)
    aws.acm.source = lambda region: inventory
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
            due = due_today([r["CertificateArn"] for r in inventory], aws.now)
            assert len(aws.config.sent) <= noncompliant + changed + due, f"day {day}"
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


@pytest.mark.parametrize("moves", [True, False], ids=["config-moves-recorded-time", "config-keeps-first-recorded-time"])
def test_seventy_days_with_30_certificates_added_on_day_10_refresh_everyone_within_30_days(
    aws: World, moves: bool
) -> None:
    """Whichever way Config keeps ResultRecordedTime for an identical evaluation, the real handler re-sends
    every certificate at least every 30 days, and a steady day sends NON_COMPLIANT + changed + those due."""
    aws.config.moves_recorded_time_on_identical = moves
    inventory = synthetic_inventory(300, aws.now)
    added = synthetic_inventory(330, aws.now + timedelta(days=10))[300:]  # other ARNs, judged from day 10
    aws.acm.source = lambda region: inventory
    last_sent: dict[str, datetime] = {}
    yesterday: dict[str, tuple[str, str]] = {}
    for day in range(70):
        if day == 10:
            inventory.extend(added)
        aws.config.put_calls.clear()
        aws.run(scheduled_event(aws.now))
        held = {arn: (e["ComplianceType"], e.get("Annotation", "")) for arn, e in aws.config.results.items()}
        for arn_ in {e["ComplianceResourceId"] for e in aws.config.sent}:
            last_sent[arn_] = aws.now
        arns = [r["CertificateArn"] for r in inventory]
        assert all(aws.now - last_sent[a] <= timedelta(days=30) for a in arns), f"day {day}"
        noncompliant = sum(1 for compliance, _ in held.values() if compliance == "NON_COMPLIANT")
        changed = sum(1 for a, words in held.items() if yesterday.get(a) != words and words[0] != "NON_COMPLIANT")
        if day not in (0, 10):
            assert len(aws.config.sent) <= noncompliant + changed + due_today(arns, aws.now), f"day {day}"
        yesterday = held
        aws.later(days=1)


def test_a_day_with_no_certificates_still_reports_to_config(aws: World) -> None:
    """PutEvaluations with an empty list (AWS accepts it), so the rule's last evaluation time moves on."""
    aws.acm.source = lambda region: []
    aws.run(scheduled_event(aws.now))
    assert aws.config.put_calls == [[]]
