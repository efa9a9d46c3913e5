"""The alarms of deploy/alerts.yaml over simulated days of the rule's real handler.

Each scenario runs the handler (tests/conftest.py's World: moto behind AWS-faithful doubles) day by day: the
periodic run at a time Config picks, moving from day to day, Lambda's two retries when it raises, and change
events in between. Its log lines (Embedded Metric Format) and Lambda's own Errors metric (1 or 0 per
invocation, Lambda Developer Guide) feed the CloudWatch model (tests/support/cloudwatch.py), which evaluates
the alarms, read from deploy/alerts.yaml itself, on CloudWatch's documented schedule. AWS does not document
how far an alarm's evaluation range reaches back, nor what FILL gives over a range without data: every
scenario must come out the same under each reading in :data:`READINGS`.

The stack is taken to be deployed in the minute after the rule's first periodic run; its alarms start then.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World
from tests.support.cloudwatch import History, MetricId, Metrics, Reading, State, simulate
from tests.support.doubles import THROTTLING, access_denied
from tests.support.inventory import config_item
from tests.test_alerts import (
    ERRORS,
    EXPIRED,
    EXPIRING,
    FINDINGS_FAILURES,
    HEARTBEAT,
    INVOCATION_FAILURES,
    LISTING_GAPS,
    ORG_RULE_NAME,
    PACK_RULE_NAME,
    alarms,
)
from tests.test_deploy import RDK_FUNCTION_NAME
from tests.test_metrics import old_sdk

OK, ALARM, INSUFFICIENT = State.OK, State.ALARM, State.INSUFFICIENT_DATA
READINGS = (Reading(extra=1), Reading(extra=2), Reading(extra=10), Reading(extra=10, fill_empty=False))
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/"
FINDINGS_ON = {"daysToExpiration": "30", "securityHubFindings": "true"}
# Minutes after 03:00 at which Config starts day N's periodic run: its "every 24 hours" drifts. The longest gap
# between two runs here is 26 h 15 min, inside the heartbeat's 27 hours.
DRIFT = (0, 55, -40, 95, 20, 5, -70, 30, 140, -10, 45, 0)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def certificate(name: str, not_after: datetime, **fields: Any) -> dict[str, Any]:
    facts = {"CertificateArn": ARN + name, "DomainName": f"{name}.example.com", "Status": "ISSUED",
             "Type": "IMPORTED", "KeyAlgorithm": "EC_prime256v1", "NotAfter": not_after.timestamp()}  # fmt: skip
    return facts | fields


@dataclass
class Days:
    """The rule's invocations over simulated days, and the alarms' states that follow from them."""

    aws: World
    inventory: list[dict[str, Any]]
    parameters: Mapping[str, str] = field(default_factory=lambda: {"daysToExpiration": "30"})
    rule_name: str = "ACMExpiryRule"
    runs: dict[int, datetime] = field(default_factory=dict)
    lambda_errors: list[tuple[datetime, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.start = self.aws.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.aws.now = self.start
        self.aws.acm.source = lambda region: self.inventory

    def at(self, day: int, hour: int = 0, minute: int = 0) -> datetime:
        return self.start + timedelta(days=day, hours=hour, minutes=minute)

    def periodic(self, *days: int) -> None:
        """Each day's periodic run, with Lambda's retries (one minute, then two) while it raises."""
        for day in days:
            at = self.runs[day] = self.at(day, 3, DRIFT[day])
            for wait in (0, 1, 2):
                at += timedelta(minutes=wait)
                if self._invoke(scheduled_event(at, self.parameters), at):
                    break

    def by_hand(self, day: int, hour: int, minute: int) -> None:
        """A periodic evaluation started by hand (start-config-rules-evaluation sends a scheduled notification)."""
        at = self.at(day, hour, minute)
        self._invoke(scheduled_event(at, self.parameters), at)

    def change(self, day: int, hour: int, configuration: Mapping[str, Any]) -> None:
        at = self.at(day, hour)
        self._invoke(change_event(config_item(configuration, at), at, self.parameters), at)

    def cut_short(self, day: int) -> None:
        """A periodic run the deadline stops having recorded part of its evaluations: its NON_COMPLIANT ones
        went first, then PutEvaluations is throttled until too little of a 40 s timeout is left. It returns
        ("partial"), so Lambda counts no error."""
        at = self.runs[day] = self.at(day, 3, DRIFT[day])
        filler = [certificate(f"filler{i:03d}", at + timedelta(days=300)) for i in range(150)]
        self.inventory.extend(filler)  # more than one batch: what is left for tomorrow
        self.aws.doubles.faults.add("config.PutEvaluations", None, *[THROTTLING] * 10_000)
        self.aws.now = at
        event = scheduled_event(at, self.parameters)
        event["configRuleName"] = self.rule_name
        self.aws.run(event, timeout=40)
        assert self.aws.log_lines()[-1]["outcome"] == "partial"
        self.aws.doubles.faults = type(self.aws.doubles.faults)()  # nothing scripted: answer normally again
        del self.inventory[-len(filler) :]
        self.lambda_errors.append((at, 0))

    def _invoke(self, event: dict[str, Any], at: datetime) -> bool:
        event["configRuleName"] = self.rule_name
        self.aws.now = at
        try:
            self.aws.run(event)
        except Exception:
            self.lambda_errors.append((at, 1))
            return False
        self.lambda_errors.append((at, 0))
        return True

    @property
    def deployed(self) -> datetime:
        return noticed(self.runs[0])

    def metrics(self) -> Metrics:
        metrics = Metrics()
        for line in self.aws.log_lines():
            metrics.put_emf(line)
        errors = MetricId("AWS/Lambda", "Errors", frozenset({("FunctionName", RDK_FUNCTION_NAME)}))
        for at, value in self.lambda_errors:
            metrics.put(errors, at, value)
        return metrics

    def histories(self, until_day: int, overrides: Mapping[str, str] | None = None) -> Iterator[dict[str, History]]:
        """For each reading of what AWS leaves open: every alarm's history, from the minute after the first run to
        ``until_day``."""
        metrics, start, stop = self.metrics(), self.deployed, self.at(until_day)
        for reading in READINGS:
            yield {name: simulate(alarm, metrics, start, stop, reading) for name, alarm in alarms(overrides).items()}


def noticed(at: datetime) -> datetime:
    """When an alarm evaluated every minute first sees a value written at ``at``: the end of its minute."""
    return at.replace(second=0, microsecond=0) + MINUTE


def counted(at: datetime) -> datetime:
    """When the hourly-evaluated heartbeat first sees a run at ``at``: the end of its hour."""
    return at.replace(minute=0, second=0, microsecond=0) + HOUR


def heartbeat_fires(last_completed: datetime) -> datetime:
    """27 hours without a completed run: the first hour whose 27 preceding hours hold none."""
    return counted(last_completed) + 27 * HOUR


def hours(start: datetime, stop: datetime) -> list[datetime]:
    first = counted(start)
    return [first + k * HOUR for k in range(int((stop - first) / HOUR))]


def states(history: History) -> list[tuple[datetime, State]]:
    return list(history.changes)


def test_a_certificate_inside_the_threshold_holds_the_alarm_every_hour_until_renewed(aws: World) -> None:
    """10 days 12 hours left at day 0: 7 days left (rounded up) from day 4's run. Day 5's run fails, and a change
    event that day judges another certificate, 300 days from expiry: neither clears the alarm. Renewed before day
    7's run, it is OK from that run on."""
    days = Days(aws, [])
    soon = certificate("soon", days.at(10, 12))
    far = certificate("far", days.at(300))
    days.inventory[:] = [soon, far]
    days.periodic(0, 1, 2, 3, 4)
    aws.doubles.faults.add("acm.ListCertificates", *[access_denied("acm:ListCertificates")] * 3)
    days.periodic(5)
    far_item = {"certificateArn": far["CertificateArn"], "status": "ISSUED", "type": "IMPORTED",
                "notAfter": days.at(300).isoformat()}  # fmt: skip
    days.change(5, 15, far_item)
    days.periodic(6)
    soon["NotAfter"] = days.at(400).timestamp()  # re-imported with a renewed certificate
    days.periodic(7, 8)
    failed_at = days.runs[5]
    for alarm in days.histories(until_day=9):
        assert states(alarm[EXPIRING]) == [
            (days.deployed, OK),
            (noticed(days.runs[4]), ALARM),
            (noticed(days.runs[7]), OK),
        ]
        assert {alarm[EXPIRING].state_at(t) for t in hours(noticed(days.runs[4]), days.runs[7])} == {ALARM}
        assert alarm[EXPIRED].transitions() == []  # OK throughout
        # The failed run: its own failure metric and Lambda's Errors, until the change event succeeds.
        for name in (INVOCATION_FAILURES, ERRORS):
            assert alarm[name].transitions() == [
                (noticed(failed_at), OK, ALARM),
                (noticed(days.at(5, 15)), ALARM, OK),
            ], name
        # No periodic run completed from day 4's to day 6's: the heartbeat, 27 hours after day 4's.
        assert alarm[HEARTBEAT].transitions() == [
            (heartbeat_fires(days.runs[4]), OK, ALARM),
            (counted(days.runs[6]), ALARM, OK),
        ]
        assert alarm[LISTING_GAPS].transitions() == alarm[FINDINGS_FAILURES].transitions() == []


def test_an_expired_certificate_kept_in_acm_holds_an_alarm_until_it_is_deleted(aws: World) -> None:
    """It is inside the threshold, then expired, then deleted: the expiring alarm hands over to the expired one
    at the very run that sees it expire, so at every hour one of the two is in ALARM."""
    days = Days(aws, [])
    old = certificate("old", days.at(2, 12))
    days.inventory[:] = [old, certificate("far", days.at(300))]
    days.periodic(0, 1, 2, 3, 4, 5)
    days.inventory.remove(old)
    days.periodic(6, 7)
    for alarm in days.histories(until_day=8):
        assert states(alarm[EXPIRING]) == [
            (days.deployed, ALARM),
            (noticed(days.runs[3]), OK),  # expired: counted apart from then on
        ]
        assert states(alarm[EXPIRED]) == [
            (days.deployed, OK),
            (noticed(days.runs[3]), ALARM),
            (noticed(days.runs[6]), OK),  # deleted
        ]
        at_risk = hours(days.deployed, days.runs[6])
        assert all(ALARM in (alarm[EXPIRING].state_at(t), alarm[EXPIRED].state_at(t)) for t in at_risk)
        assert alarm[HEARTBEAT].transitions() == []


def test_exempting_an_expired_certificate_by_tag_clears_its_alarm(aws: World) -> None:
    key = "acm-expiry-exempt"
    days = Days(aws, [], parameters={"daysToExpiration": "30", "exemptTagKey": key})
    old = certificate("old", days.at(-5))
    days.inventory[:] = [old, certificate("far", days.at(300))]
    days.periodic(0, 1)
    old["Tags"] = [{"Key": key, "Value": "kept for an audit, not in use"}]
    days.periodic(2, 3)
    for alarm in days.histories(until_day=4):
        assert states(alarm[EXPIRED]) == [
            (days.deployed, ALARM),
            (noticed(days.runs[2]), OK),
        ]


def test_a_rule_that_stops_being_invoked_sets_off_the_heartbeat(aws: World) -> None:
    """Three days of runs, then none (a stopped recorder, a changed permission, a deleted rule): no errors, no
    data. The heartbeat goes off 27 hours after the last run and stays; the expiry alarm keeps the last run's
    word, ALARM, rather than turning OK for want of news."""
    days = Days(aws, [])
    days.inventory[:] = [certificate("soon", days.at(5))]
    days.periodic(0, 1, 2)
    for alarm in days.histories(until_day=8):
        assert alarm[HEARTBEAT].transitions() == [(heartbeat_fires(days.runs[2]), OK, ALARM)]
        assert alarm[HEARTBEAT].state_at(days.at(8)) == ALARM
        assert states(alarm[EXPIRING]) == [(days.deployed, ALARM)]
        for name in (EXPIRED, LISTING_GAPS, INVOCATION_FAILURES, FINDINGS_FAILURES, ERRORS):
            assert alarm[name].state_at(days.at(8)) == OK, name


def test_runs_cut_short_at_their_deadline_are_not_completed_runs(aws: World) -> None:
    days = Days(aws, [])
    days.inventory[:] = [certificate("soon", days.at(5))]
    days.periodic(0, 1)
    days.cut_short(2)
    days.cut_short(3)
    days.periodic(4)
    for alarm in days.histories(until_day=5):
        assert alarm[HEARTBEAT].transitions() == [
            (heartbeat_fires(days.runs[1]), OK, ALARM),
            (counted(days.runs[4]), ALARM, OK),
        ]
        assert states(alarm[EXPIRING]) == [(days.deployed, ALARM)]
        assert alarm[INVOCATION_FAILURES].transitions() == []  # cut short is not failed: it returned


def test_a_renewal_checked_again_by_hand_clears_at_once_and_stays_clear(aws: World) -> None:
    """Two runs twenty minutes apart: the second decides from its minute on, and the first never comes back
    (with hour-long periods rolling with the minute, it would join the second again an hour later)."""
    days = Days(aws, [])
    soon = certificate("soon", days.at(5))
    days.inventory[:] = [soon]
    days.periodic(0)
    soon["NotAfter"] = days.at(400).timestamp()
    days.by_hand(0, 3, 20)
    days.periodic(1, 2)
    for alarm in days.histories(until_day=3):
        assert alarm[EXPIRING].changes[0][1] == ALARM
        assert alarm[EXPIRING].transitions() == [(days.at(0, 3, 21), ALARM, OK)]


def test_a_failure_lambdas_retry_recovers_clears_within_minutes(aws: World) -> None:
    """The first attempt fails, Lambda's retry a minute later completes: the failure alarms go off, and clear once
    the failure has left their ten minutes (and the evaluation range beyond); the heartbeat never notices."""
    days = Days(aws, [])
    days.inventory[:] = [certificate("far", days.at(300))]
    days.periodic(0)
    aws.doubles.faults.add("acm.ListCertificates", access_denied("acm:ListCertificates"))
    days.periodic(1, 2)
    failed = days.runs[1]
    for alarm in days.histories(until_day=3):
        for name in (INVOCATION_FAILURES, ERRORS):
            ((went_off, _, first), (cleared, _, then)) = alarm[name].transitions()
            assert (went_off, first, then) == (noticed(failed), ALARM, OK), name
            assert noticed(failed) + 10 * MINUTE < cleared <= noticed(failed) + 21 * MINUTE, name
        assert alarm[HEARTBEAT].transitions() == []


@pytest.mark.parametrize("rule_name", [ORG_RULE_NAME, PACK_RULE_NAME])
def test_organization_and_conformance_pack_rules_are_watched_by_default(aws: World, rule_name: str) -> None:
    """Config names these rules itself (suffix and all); the default alarms read the metrics without the rule's
    dimension, so they watch it all the same. Narrowed to a rule, the dimension must be its exact name: the
    plain name sees nothing of it, and only the heartbeat speaks."""
    days = Days(aws, [], rule_name=rule_name)
    days.inventory[:] = [certificate("soon", days.at(5))]
    days.periodic(0, 1, 2, 3)
    for overrides in ({}, {"AlarmConfigRuleName": rule_name}):
        for alarm in days.histories(until_day=4, overrides=overrides):
            assert states(alarm[EXPIRING]) == [(days.deployed, ALARM)]
            assert alarm[HEARTBEAT].changes == ((counted(days.runs[0]), OK),)  # evaluated on the hour
    for alarm in days.histories(until_day=4, overrides={"AlarmConfigRuleName": "ACMExpiryRule"}):
        assert alarm[EXPIRING].changes == ((days.deployed, INSUFFICIENT),)
        assert alarm[HEARTBEAT].state_at(days.at(4)) == ALARM


def test_listing_gaps_hold_their_alarm_until_the_sdk_lifts_every_filter(aws: World) -> None:
    days = Days(aws, [])
    days.inventory[:] = [certificate("far", days.at(300))]
    with pytest.MonkeyPatch.context() as patch:
        old_sdk(patch)
        days.periodic(0, 1, 2)
    days.periodic(3, 4)  # the function deployed with the project's layer
    for alarm in days.histories(until_day=5):
        assert states(alarm[LISTING_GAPS]) == [
            (days.deployed, ALARM),
            (noticed(days.runs[3]), OK),
        ]
        assert {alarm[LISTING_GAPS].state_at(t) for t in hours(days.deployed, days.runs[3])} == {ALARM}


def test_findings_failures_hold_their_alarm_until_findings_go_through(aws: World) -> None:
    days = Days(aws, [], parameters=FINDINGS_ON)
    days.inventory[:] = [certificate("far", days.at(300))]
    days.periodic(0)
    aws.security_hub.enabled = False
    days.periodic(1, 2)
    aws.security_hub.enabled = True
    days.periodic(3)
    for alarm in days.histories(until_day=4):
        assert alarm[FINDINGS_FAILURES].transitions() == [
            (noticed(days.runs[1]), OK, ALARM),
            (noticed(days.runs[3]), ALARM, OK),
        ]
        assert alarm[INVOCATION_FAILURES].transitions() == []  # the evaluations were recorded


def test_a_healthy_inventory_keeps_every_alarm_ok_without_flicker(aws: World) -> None:
    """Nothing inside the threshold, a run every day at a drifting time, change events at any hour, findings on:
    every alarm is OK from its first datapoint on, with not one transition, at the start of a day or ever."""
    days = Days(aws, [], parameters=FINDINGS_ON)
    days.inventory[:] = [certificate(f"c{i}", days.at(20 + 37 * i)) for i in range(8)]
    for day in range(11):
        days.periodic(day)
        hour = (6, 13, 23)[day % 3]
        changed = days.inventory[day % len(days.inventory)]
        item = {"certificateArn": changed["CertificateArn"], "status": "ISSUED", "type": "IMPORTED",
                "notAfter": datetime.fromtimestamp(changed["NotAfter"], days.start.tzinfo).isoformat()}  # fmt: skip
        days.change(day, hour, item)
    for alarm in days.histories(until_day=11):
        for name, history in alarm.items():
            assert history.transitions() == [], name
            assert {history.state_at(t) for t in hours(days.deployed, days.at(11))} == {OK}, name
