"""Pages: one EventBridge event per certificate per threshold it crosses (acm_expiry.crossings).

First the band table, pure; then the real handler day by day against the doubles (Config's results
and EventBridge's PutEvents as AWS documents them), where "once per crossing" is what Config held.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from acm_expiry import RESOURCE_TYPE
from acm_expiry.certificate import Certificate
from acm_expiry.crossings import DETAIL_TYPE, SOURCE, Bands, Context, Crossing, entry, pages_for
from acm_expiry.held import HeldResult
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import STALLED_ADVICE, Compliance, Scenario, advise, judge, stalled, unusable
from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World
from tests.support.doubles import AwsError
from tests.support.eventbridge import FakeEvents
from tests.support.inventory import config_item

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/"
BANDS = Bands.of(30, (7,))


def judged(name: str, days: float, now: datetime = NOW, **facts: Any) -> Assessment:
    certificate = Certificate(
        ARN + name,
        domain_name=facts.pop("domain_name", f"{name}.example.com"),
        status=facts.pop("status", "ISSUED"),
        type=facts.pop("type", "IMPORTED"),
        not_after=now + timedelta(days=days),
        **facts,
    )
    return Assessment(certificate, judge(certificate, now, 30))


def held(assessment: Assessment, recorded: datetime | None) -> HeldResult:
    verdict = assessment.verdict
    return HeldResult(RESOURCE_TYPE, assessment.certificate.arn, str(verdict.compliance), verdict.annotation, recorded)


def crossings(today: Assessment, before: HeldResult | None, bands: Bands = BANDS) -> list[tuple[str, int | None]]:
    return [(str(p.crossing), p.threshold) for p in pages_for([today], lambda arn: before, bands)]


# --- what a later run reads back from Config's annotations -----------------------------------------------


STATUS_DAYS = (
    ("ISSUED", 300), ("ISSUED", 12), ("ISSUED", -3), ("EXPIRED", None), ("EXPIRED", 5), ("REVOKED", 40),
    ("REVOKED", None), ("FAILED", None),
)  # fmt: skip


def test_the_words_read_back_say_exactly_expired_or_revoked_and_a_stalled_renewal() -> None:
    """crossings reads two facts back from the annotations the rule wrote: over every row of the verdict and
    advice tables, each holds exactly when it should (a reworded advice would otherwise page again)."""
    seen = set()
    for kind in ("IMPORTED", "AMAZON_ISSUED", "PRIVATE", None):
        for eligibility in ("ELIGIBLE", "INELIGIBLE", None):
            for renewal in ("PENDING_AUTO_RENEWAL", "PENDING_VALIDATION", "FAILED", "SUCCESS", None):
                for reason in ("CAA_ERROR", "PCA_INVALID_STATE", None):
                    for status, days in STATUS_DAYS:
                        certificate = Certificate(
                            ARN + "c", status=status, type=kind, renewal_eligibility=eligibility,
                            renewal_status=renewal, renewal_status_reason=reason,
                            not_after=None if days is None else NOW + timedelta(days=days),
                        )  # fmt: skip
                        verdict = judge(certificate, NOW, 30)
                        expired = verdict.scenario in (Scenario.EXPIRED, Scenario.REVOKED)
                        assert unusable(verdict.annotation) is expired, verdict.annotation
                        stuck = verdict.scenario is Scenario.EXPIRING and advise(certificate).key in STALLED_ADVICE
                        assert stalled(verdict.annotation) is stuck, verdict.annotation
                        seen.add((expired, stuck))
    assert seen == {(True, False), (False, True), (False, False)}


# --- the band table ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_now", "elapsed", "expected"),
    [
        (30, 1, [("entered-window", 30)]),  # 31 days left when Config recorded it yesterday, 30 today
        (29, 1, []),  # inside yesterday and today
        (7, 1, [("threshold", 7)]),
        (6.5, 1.5, [("threshold", 7)]),
        (6, 1, []),  # the threshold was reached yesterday: not again
        (5, 35, [("threshold", 7)]),  # several bands at once (the rule was stopped): one page, the band it is in
        (-0.1, 1, [("expired", 0)]),
        (-3, 13, [("expired", 0)]),
        (-2, 1, []),  # expired yesterday already
        (-1.5, 1, []),  # recorded half a day after it expired (0 days, "less than a day ago"): expired already
    ],
)
def test_a_page_when_the_band_rises(days_now: float, elapsed: float, expected: list[tuple[str, int]]) -> None:
    recorded = NOW - timedelta(days=elapsed)
    before = judged("c", days_now + elapsed, now=recorded)  # the same certificate, judged when Config recorded it
    today = judged("c", days_now)
    assert before.certificate.not_after == today.certificate.not_after
    assert crossings(today, held(before, recorded)) == expected


def test_no_result_held_is_band_zero() -> None:
    """A certificate first seen inside the window (the rule's first run, a new import) is paged once."""
    assert crossings(judged("new", 12), None) == [("entered-window", 30)]
    assert crossings(judged("new", 3), None) == [("threshold", 7)]
    assert crossings(judged("new", 300), None) == []


def test_exempt_or_never_issued_held_is_band_zero() -> None:
    today = judged("c", 12)
    exempt = HeldResult(RESOURCE_TYPE, ARN + "c", "NOT_APPLICABLE", "Exempt by tag x: lab", NOW - timedelta(days=1))
    assert crossings(today, exempt) == [("entered-window", 30)]


def test_revoked_is_its_own_crossing_and_not_again() -> None:
    today = judged("c", 100, status="REVOKED", revoked_at=NOW - timedelta(hours=2))
    before = judged("c", 101, now=NOW - timedelta(days=1))
    assert crossings(today, held(before, NOW - timedelta(days=1))) == [("revoked", 0)]
    assert crossings(today, held(today, NOW)) == []


def test_a_renewal_that_newly_stalls_is_a_crossing_once() -> None:
    stalled = judged("c", 20, type="AMAZON_ISSUED", renewal_eligibility="ELIGIBLE", renewal_status="PENDING_VALIDATION")
    waiting = judged(
        "c", 21, now=NOW - timedelta(days=1), type="AMAZON_ISSUED", renewal_eligibility="ELIGIBLE",
        renewal_status="PENDING_AUTO_RENEWAL",
    )  # fmt: skip
    assert crossings(stalled, held(waiting, NOW - timedelta(days=1))) == [("renewal-stalled", None)]
    assert crossings(stalled, held(stalled, NOW - timedelta(hours=1))) == []  # said already
    failed = judged("c", 20, type="AMAZON_ISSUED", renewal_eligibility="ELIGIBLE", renewal_status="FAILED",
                    renewal_status_reason="CAA_ERROR")  # fmt: skip
    assert crossings(failed, held(stalled, NOW - timedelta(days=1))) == []  # stalled still, another reason


def test_a_band_crossing_wins_over_a_stall() -> None:
    """One page per certificate per run: the band it entered, whose words say the renewal is stuck."""
    stalled = judged("c", 6.5, type="AMAZON_ISSUED", renewal_eligibility="ELIGIBLE", renewal_status="FAILED")
    before = judged("c", 7.5, now=NOW - timedelta(days=1), type="AMAZON_ISSUED", renewal_eligibility="ELIGIBLE")
    assert crossings(stalled, held(before, NOW - timedelta(days=1))) == [("threshold", 7)]


def test_words_judged_before_expiry_but_stamped_after_it_still_page_the_expiry() -> None:
    """The rule judged a minute before expiry; Config stamped ResultRecordedTime a minute after it.

    The held words say "expires", so "expired" was never paged: it is paged today, once.
    """
    not_after = NOW - timedelta(days=1)
    before = judged("c", 1 / (24 * 60), now=not_after - timedelta(minutes=1))
    assert before.certificate.not_after == not_after and before.verdict.scenario is Scenario.EXPIRING
    stamped_after = held(before, not_after + timedelta(minutes=1))
    today = judged("c", -1)
    assert crossings(today, stamped_after) == [("expired", 0)]
    assert crossings(today, held(today, NOW)) == []  # and not again


def test_a_result_held_noncompliant_under_a_wider_window_was_paged_then() -> None:
    """daysToExpiration lowered from 45 to 30: the certificate paged entering 45 days is not paged at 30."""
    recorded = NOW - timedelta(days=1)
    certificate = Certificate(ARN + "c", domain_name="c.example.com", status="ISSUED", type="IMPORTED",
                              not_after=NOW + timedelta(days=30))  # fmt: skip
    wider = Assessment(certificate, judge(certificate, recorded, 45))
    assert wider.verdict.compliance is Compliance.NON_COMPLIANT and wider.verdict.days_left == 31
    assert crossings(judged("c", 30), held(wider, recorded)) == []


def test_without_a_recorded_time_a_held_noncompliant_result_is_the_window_band() -> None:
    """At worst a threshold page is sent again; never missed; and never the window's again."""
    held_without_time = HeldResult(RESOURCE_TYPE, ARN + "c", "NON_COMPLIANT", "Expires in 9 days", None)
    assert crossings(judged("c", 6), held_without_time) == [("threshold", 7)]
    assert crossings(judged("c", 20), held_without_time) == []


@pytest.mark.parametrize(
    ("window", "alert_days", "days_now", "expected"),
    [
        (30, (14, 7, 1), 14, [("threshold", 14)]),
        (30, (14, 7, 1), 7, [("threshold", 7)]),
        (30, (14, 7, 1), 0.5, [("threshold", 1)]),
        (30, (45, 7), 30, [("entered-window", 30)]),  # a threshold beyond the window adds nothing
        (30, (30, 7), 30, [("entered-window", 30)]),  # nor one at the window: entering it is the crossing
        (5, (7,), 5, [("entered-window", 5)]),
    ],
)
def test_thresholds_are_a_rule_parameter(
    window: int, alert_days: tuple[int, ...], days_now: float, expected: list[Any]
) -> None:
    bands = Bands.of(window, alert_days)
    yesterday = NOW - timedelta(days=1)
    before = judged("c", days_now + 1, now=yesterday)
    before = Assessment(before.certificate, judge(before.certificate, yesterday, window))
    today = judged("c", days_now)
    today = Assessment(today.certificate, judge(today.certificate, NOW, window))
    assert crossings(today, held(before, yesterday), bands) == expected


def test_the_event_carries_what_a_page_needs_on_one_line_each() -> None:
    page = pages_for([judged("shop", 6.5)], lambda arn: None, BANDS)[0]
    sent = entry(page, Context("ACMExpiryRule", NOW))
    assert (sent["Source"], sent["DetailType"], sent["Resources"]) == (SOURCE, DETAIL_TYPE, [ARN + "shop"])
    assert not sent["Source"].startswith("aws.")
    detail = json.loads(sent["Detail"])
    assert detail == {
        "crossing": "threshold",
        "threshold": 7,
        "certificateArn": ARN + "shop",
        "domainName": "shop.example.com",
        "accountId": "123456789012",
        "region": "us-east-1",
        "daysLeft": 7,
        "notAfter": "2026-12-13T18:00:00Z",
        "annotation": page.assessment.verdict.annotation,
        "advice": "ACM never renews imported certificates: re-import a renewed one to the same ARN.",
        "headline": "expires in 7 days (2026-12-13): reached the 7-day threshold",
        "consoleUrl": "https://us-east-1.console.aws.amazon.com/acm/home?region=us-east-1#/certificates/shop",
        "configRuleName": "ACMExpiryRule",
    }


def test_a_hostile_domain_cannot_break_the_line_a_transformer_quotes() -> None:
    page = pages_for([judged("x", 3, domain_name='evil"\n\\name\u2028.example.com')], lambda arn: None, BANDS)[0]
    detail = json.loads(entry(page, Context("r", NOW))["Detail"])
    assert detail["domainName"] == "evil   name .example.com"
    for text in (detail["domainName"], detail["headline"], detail["advice"], detail["annotation"]):
        assert not set(text) & {'"', "\\", "\n", "\r", "\u2028"}


# --- the real handler, day by day -----------------------------------------------------------------------


def record(name: str, not_after: datetime, **fields: Any) -> dict[str, Any]:
    facts = {"CertificateArn": ARN + name, "DomainName": f"{name}.example.com", "Status": "ISSUED",
             "Type": "IMPORTED", "KeyAlgorithm": "EC_prime256v1", "NotAfter": not_after.timestamp()}  # fmt: skip
    return facts | fields


def paged(aws: World) -> list[tuple[str, str]]:
    return [(d["certificateArn"].rsplit("/", 1)[1], d["crossing"]) for d in aws.events.details()]


def test_a_month_of_daily_runs_pages_each_crossing_once(aws: World) -> None:
    start = aws.now
    inventory = [
        record("soon", start + timedelta(days=9, hours=12)),  # 7 days left (rounded up) on day 3, expired day 10
        record("later", start + timedelta(days=33, hours=12)),  # enters the window on day 4
        record("far", start + timedelta(days=400)),
    ]
    aws.acm.source = lambda region: inventory
    by_day: dict[int, list[tuple[str, str]]] = {}
    for day in range(14):
        aws.events.put.clear()
        aws.run(scheduled_event(aws.now))
        by_day[day] = paged(aws)
        aws.later(days=1)
    assert {day: pages for day, pages in by_day.items() if pages} == {
        0: [("soon", "entered-window")],
        3: [("soon", "threshold")],
        4: [("later", "entered-window")],
        10: [("soon", "expired")],
    }


def test_a_second_certificate_entering_the_band_while_another_is_there_is_named(aws: World) -> None:
    start = aws.now
    inventory = [record("first", start + timedelta(days=5)), record("second", start + timedelta(days=8, hours=12))]
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    assert paged(aws) == [("first", "threshold"), ("second", "entered-window")]
    aws.events.put.clear()
    aws.run(scheduled_event(aws.later(days=2)))
    assert paged(aws) == [("second", "threshold")]


def test_a_run_that_did_not_record_an_evaluation_pages_nothing_for_it_and_the_next_does(aws: World) -> None:
    """Config's results are the memory: a crossing whose evaluation was not recorded is found again."""
    inventory = [record("soon", aws.now + timedelta(days=6))]
    aws.acm.source = lambda region: inventory
    aws.config.refuse_times(ARN + "soon", 4)  # FailedEvaluations, the first delivery and its three resends
    with pytest.raises(Exception, match="not recorded"):
        aws.run(scheduled_event(aws.now))
    assert paged(aws) == []
    aws.run(scheduled_event(aws.later(hours=1)))
    assert paged(aws) == [("soon", "threshold")]


def test_a_change_event_pages_the_crossing_it_sees_against_the_result_held(aws: World) -> None:
    item = {"certificateArn": ARN + "app", "status": "ISSUED", "type": "AMAZON_ISSUED",
            "renewalEligibility": "ELIGIBLE", "inUseBy": ["arn:aws:elasticloadbalancing:listener/app"],
            "notAfter": (aws.now + timedelta(days=20)).isoformat(),
            "renewalSummary": {"renewalStatus": "PENDING_AUTO_RENEWAL"},
            # Without its key pair origin the item cannot say it is not ACME-issued, and the rule asks ACM.
            "certificateKeyPairOrigin": "AWS_MANAGED"}  # fmt: skip
    aws.run(change_event(config_item(item, aws.now), aws.now))
    assert paged(aws) == [("app", "entered-window")]  # nothing held before
    (read,) = aws.doubles.calls("config.GetComplianceDetailsByResource")
    assert (read["ResourceType"], read["ResourceId"]) == (RESOURCE_TYPE, ARN + "app")
    # ACM's renewal then stalls: the item changes, Config sends it, and the rule names the stall once.
    stalled = item | {"renewalSummary": {"renewalStatus": "PENDING_VALIDATION"}}
    for hours in (1, 2):
        aws.events.put.clear()
        aws.run(change_event(config_item(stalled, aws.later(hours=hours)), aws.now))
        assert paged(aws) == ([("app", "renewal-stalled")] if hours == 1 else [])
    # The daily run that follows agrees: nothing new.
    aws.acm.source = lambda region: [
        record("app", aws.now + timedelta(days=20), Type="AMAZON_ISSUED", InUse=True, RenewalEligibility="ELIGIBLE",
               RenewalSummary={"RenewalStatus": "PENDING_VALIDATION"})
    ]  # fmt: skip
    aws.events.put.clear()
    aws.run(scheduled_event(aws.later(hours=1)))
    assert paged(aws) == []


def test_only_this_rules_result_decides_and_it_is_read_page_by_page(aws: World) -> None:
    """GetComplianceDetailsByResource answers every rule's result for the resource, paged with NextToken."""
    arn = ARN + "app"
    aws.config.by_resource_page = 1
    aws.config.other_rules = [
        {"resource_id": arn, "rule_name": "someone-elses-rule", "compliance": "NON_COMPLIANT", "Annotation": "x"},
        {"resource_id": arn, "rule_name": "another", "compliance": "COMPLIANT"},
    ]
    aws.config.results[arn] = {"ComplianceResourceId": arn, "ComplianceResourceType": RESOURCE_TYPE,
                               "ComplianceType": "NON_COMPLIANT", "Annotation": "Expires in 8 days (x)",
                               "OrderingTimestamp": (aws.now - timedelta(days=1)).timestamp()}  # fmt: skip
    aws.config.recorded_at[arn] = aws.now - timedelta(days=1)
    item = {
        "certificateArn": arn,
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=7)).isoformat(),
    }
    aws.run(change_event(config_item(item, aws.now), aws.now))
    assert len(aws.doubles.calls("config.GetComplianceDetailsByResource")) == 3
    assert paged(aws) == [("app", "threshold")]  # 8 days when this rule's result was recorded, 7 now


def test_eventbridge_refusing_entries_never_stops_or_repeats_the_evaluations(aws: World) -> None:
    inventory = [record(f"c{i}", aws.now + timedelta(days=5 + i)) for i in range(12)]
    aws.acm.source = lambda region: inventory
    aws.events.fail_next("AccessDeniedException", "AccessDeniedException", "InternalFailure")
    aws.run(scheduled_event(aws.now))
    line = aws.log_lines()[-1]
    assert line["outcome"] == "ok" and len(aws.config.sent) == 12  # every evaluation recorded, once
    # Two batches (PutEvents takes 10): the InternalFailure entry is sent again and put, the others are not.
    assert len(aws.events.put) == 10 and aws.events.requests == 3
    assert line["pagesError"]["operation"] == "PutEvents"
    assert line["pagesError"]["code"] == "AccessDeniedException"
    assert line["EventsFailures"] == 2  # the pages not put, counted


def test_no_pages_when_crossing_events_are_off(aws: World) -> None:
    aws.acm.source = lambda region: [record("soon", aws.now + timedelta(days=3))]
    aws.run(scheduled_event(aws.now, parameters={"daysToExpiration": "30", "crossingEvents": "false"}))
    assert aws.events.put == [] and "pages" not in aws.log_lines()[-1]
    assert aws.doubles.calls("events.PutEvents") == []


def test_the_handlers_pages_are_what_the_pure_table_says(aws: World) -> None:
    """The periodic run's events, against the band table applied to what Config held before it."""
    inventory = [record(f"c{i:02d}", aws.now + timedelta(days=i * 1.7 - 3)) for i in range(25)]
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    before = {arn: dict(e) for arn, e in aws.config.results.items()}
    recorded = dict(aws.config.recorded_at)
    aws.events.put.clear()
    now = aws.later(days=3)
    aws.run(scheduled_event(now))
    expected = []
    for r in inventory:
        today = judged(r["CertificateArn"].rsplit("/", 1)[1], (r["NotAfter"] - now.timestamp()) / 86400, now=now)
        e = before[r["CertificateArn"]]
        result = HeldResult(RESOURCE_TYPE, r["CertificateArn"], e["ComplianceType"], e.get("Annotation", ""),
                            recorded[r["CertificateArn"]])  # fmt: skip
        if today.verdict.compliance is Compliance.NON_COMPLIANT:
            pages = pages_for([today], lambda arn, result=result: result, BANDS)
            expected += [(r["CertificateArn"], str(p.crossing)) for p in pages]
    assert sorted((d["certificateArn"], d["crossing"]) for d in aws.events.details()) == sorted(expected)
    assert {str(Crossing.THRESHOLD), str(Crossing.EXPIRED)} <= {c for _, c in expected}


def test_a_day_whose_read_of_configs_results_was_cut_short_pages_only_what_it_read(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A certificate whose earlier result went unread may have been paged already: no second page for it."""
    from acm_expiry import adapter
    from acm_expiry.held import HeldResults

    inventory = [record(f"c{i}", aws.now + timedelta(days=8 + i)) for i in range(4)]
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    assert len(aws.events.put) == 4
    real = adapter.read_results

    def cut_short(config: Any, rule_name: str) -> HeldResults:
        held = real(config, rule_name)
        first = dict(list(held.results.items())[:1])  # one result read, then the deadline
        return HeldResults(first, held.foreign, complete=False)

    monkeypatch.setattr(adapter, "read_results", cut_short)
    aws.events.put.clear()
    inventory.append(record("new", aws.now + timedelta(days=3)))
    aws.run(scheduled_event(aws.later(days=3)))  # c0..c2 reached 7 days; c0 read, c1 and c2 not
    assert paged(aws) == [("c0", "threshold")]
    assert aws.log_lines()[-1]["pages"]["skippedUnread"] == 4  # c1, c2, c3 and the new one


def test_the_eventbridge_double_is_as_strict_as_putevents() -> None:
    """The double answers as PutEvents documents: an ``aws.*`` source fails its entry (and only it), counted in
    FailedEntryCount, results in the order sent; more than 10 entries fail the whole request."""
    page = pages_for([judged("shop", 6.5)], lambda arn: None, BANDS)[0]
    ours = entry(page, Context("ACMExpiryRule", NOW))
    double = FakeEvents()
    answer = double("PutEvents", {"Entries": [ours | {"Source": "aws.acm"}, ours, ours | {"Detail": "[1]"}]})
    assert answer["FailedEntryCount"] == 2
    codes = [result.get("ErrorCode") for result in answer["Entries"]]
    assert codes == ["NotAuthorizedForSourceException", None, "MalformedDetail"]
    assert "EventId" in answer["Entries"][1] and [e["Source"] for e in double.put] == [SOURCE]
    with pytest.raises(AwsError, match="ValidationException"):
        double("PutEvents", {"Entries": [ours] * 11})
    assert len(double.put) == 1
