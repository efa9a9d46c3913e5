"""The alerts of deploy/alerts.yaml over simulated days of the rule's real handler: what pages, and when.

Each scenario runs the handler (tests/conftest.py's World: moto behind AWS-faithful doubles) day by day: the
periodic run at a time Config picks, moving from day to day, Lambda's two retries when it raises, and change
events in between. What reaches CloudWatch and EventBridge is then played through the template:

- the handler's log lines (Embedded Metric Format) and Lambda's own Errors metric (1 or 0 per invocation,
  timestamped at the invocation's start and published after its end) feed the CloudWatch model
  (tests/support/cloudwatch.py), which evaluates the alarms, read from deploy/alerts.yaml itself, on CloudWatch's
  documented schedule; Lambda's own log lines (START, END, REPORT, and at a timeout its timeout line) go through
  the template's metric filter into the same model;
- the events the rule puts (the EventBridge double's ``put``) and the compliance-change events AWS Config sends
  when a certificate's recorded compliance changes go through the template's two EventBridge rules (moto's
  pattern matcher and input-template parser, tests/test_alerts.py's ``deliver``).

A page is one message on the topic: a notification of an alarm (a transition into a state that has actions,
tests/support/cloudwatch.py) or an event an enabled rule routed. Each scenario asserts exactly which pages arrive
and when, and that none says OK while nothing got better. AWS does not document how far an alarm's evaluation
range reaches back, nor what FILL gives over a range without data: every scenario must come out the same under
each reading in :data:`READINGS`.

The stack is taken to be deployed in the minute after the rule's first periodic run (with its log group, which
the member stack or ``make rdk-log-retention`` created before): its alarms, its metric filter and its event rules
start then. Every alarm starts in INSUFFICIENT_DATA, and leaving it is a transition like any other: what each alarm
tells at its first evaluation, or at its first datapoint if that comes later and says OK, is the deployment's own
news, asserted once (:func:`test_what_the_deployment_itself_tells`) and left out of the scenarios' pages.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

import pytest

from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World
from tests.support.cloudwatch import History, LogGroups, MetricId, Metrics, Reading, State, simulate
from tests.support.doubles import THROTTLING, access_denied
from tests.support.inventory import config_item
from tests.test_alerts import (
    CHANGE_EVENT_FAILED,
    DAILY_RUN_FAILED,
    ERRORS,
    EXPIRED,
    EXPIRING,
    FINDINGS_FAILURES,
    HEARTBEAT,
    LISTING_GAPS,
    ORG_RULE_NAME,
    PACK_RULE_NAME,
    PAGES_NOT_SENT,
    TIMEOUTS,
    alarms,
    compliance_change_detail,
    crossing_rule,
    deliver,
    envelope,
    event_rules,
    metric_filters,
    on_the_bus,
)
from tests.test_deploy import RDK_FUNCTION_NAME
from tests.test_metrics import old_sdk

OK, ALARM, INSUFFICIENT = State.OK, State.ALARM, State.INSUFFICIENT_DATA
READINGS = (Reading(extra=1), Reading(extra=2), Reading(extra=10), Reading(extra=10, fill_empty=False))
ACCOUNT = "123456789012"
ARN = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/"
LOG_GROUP = f"/aws/lambda/{RDK_FUNCTION_NAME}"
FINDINGS_ON = {"daysToExpiration": "30", "securityHubFindings": "true"}
# Minutes after 03:00 at which Config starts day N's periodic run: its "every 24 hours" drifts. The longest gap
# between two runs here is 26 h 15 min, inside the heartbeat's 27 hours.
DRIFT = (
    0,
    55,
    -40,
    95,
    20,
    5,
    -70,
    30,
    140,
    -10,
    45,
    0,
    25,
    -35,
    60,
    10,
    -20,
    85,
    15,
    50,
    -45,
    5,
    70,
    -15,
    35,
    100,
    -5,
    40,
    -30,
    20,
    65,
    0,
)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
TIMEOUT = timedelta(seconds=900)  # the function's timeout (member.yaml, and --lambda-timeout on the RDK path)
# Lambda publishes an invocation's metrics after it ends ("several minutes" after its start, for a long one): a
# minute after, here.
PUBLISHED_AFTER_END = timedelta(minutes=1)


class LambdaLogs(StrEnum):
    """The two forms Lambda's own lines take at a timeout (tests/test_alerts.py quotes both)."""

    TASK_TIMED_OUT = "a 'Task timed out after N seconds' line"
    REPORT_STATUS = "a REPORT line with 'Status: timeout' (and 'Status: error' on a failure)"


class Page(NamedTuple):
    """One message on the topic: who sent it (an alarm, or an EventBridge rule), when, and what it says (the state
    the alarm went into, or the line the rule made)."""

    at: datetime
    by: str
    says: str


def certificate(name: str, not_after: datetime, **fields: Any) -> dict[str, Any]:
    facts = {
        "CertificateArn": ARN + name,
        "DomainName": f"{name}.example.com",
        "Status": "ISSUED",
        "Type": "IMPORTED",
        "KeyAlgorithm": "EC_prime256v1",
        "NotAfter": not_after.timestamp(),
    }
    return facts | fields


@dataclass
class Days:
    """The rule's invocations over simulated days, and what they page."""

    aws: World
    inventory: list[dict[str, Any]]
    parameters: Mapping[str, str] = field(default_factory=lambda: {"daysToExpiration": "30"})
    rule_name: str = "ACMExpiryRule"
    lambda_logs: LambdaLogs = LambdaLogs.TASK_TIMED_OUT
    runs: dict[int, datetime] = field(default_factory=dict)
    # Lambda's Errors: (timestamp: the invocation's start, value, published).
    lambda_errors: list[tuple[datetime, int, datetime]] = field(default_factory=list)
    logs: LogGroups = field(default_factory=LogGroups)
    # AWS Config's "Config Rules Compliance Change" events: (when, detail).
    compliance_changes: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.start = self.aws.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.aws.now = self.start
        self.aws.acm.source = lambda region: self.inventory
        self.logs.create(LOG_GROUP)  # the member stack's, or make rdk-log-retention's

    def at(self, day: int, hour: int = 0, minute: int = 0) -> datetime:
        return self.start + timedelta(days=day, hours=hour, minutes=minute)

    def date(self, day: int, hour: int = 0) -> str:
        return f"{self.at(day, hour):%Y-%m-%d}"

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
        """A configuration change of a certificate, with Lambda's retries (one minute, then two) while it raises."""
        at = captured = self.at(day, hour)
        for wait in (0, 1, 2):
            at += timedelta(minutes=wait)
            if self._invoke(change_event(config_item(configuration, captured), captured, self.parameters), at):
                break

    def item(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The configuration item Config records for a certificate of the inventory."""
        return {
            "certificateArn": record["CertificateArn"],
            "domainName": record["DomainName"],
            "status": "ISSUED",
            "type": "IMPORTED",
            "notAfter": datetime.fromtimestamp(record["NotAfter"], UTC).isoformat(),
        }

    def cut_short(self, day: int) -> None:
        """A periodic run the deadline stops having recorded part of its evaluations: it read what Config held, sent
        its NON_COMPLIANT ones first, then PutEvaluations is throttled until too little of a 120 s timeout is left.
        It returns ("partial"), so Lambda counts no error."""
        at = self.runs[day] = self.at(day, 3, DRIFT[day])
        filler = [certificate(f"filler{i:03d}", at + timedelta(days=300)) for i in range(150)]
        self.inventory.extend(filler)  # more than one batch: what is left for tomorrow
        self.aws.doubles.faults.add("config.PutEvaluations", None, *[THROTTLING] * 10_000)
        event = scheduled_event(at, self.parameters)
        assert self._invoke(event, at, timeout=120)
        assert self.aws.log_lines()[-1]["outcome"] == "partial"
        self.aws.doubles.faults = type(self.aws.doubles.faults)()  # nothing scripted: answer normally again
        del self.inventory[-len(filler) :]

    def timed_out(self, day: int) -> None:
        """Day ``day``'s periodic run hangs where the function's watchdog cannot reach it, and Lambda stops it at its
        timeout: no line of the rule's, Errors 1 timestamped at its start and published after its end, Lambda's own
        lines at the end. Lambda retries it a minute later, and the retry completes."""
        start = self.runs[day] = self.at(day, 3, DRIFT[day])
        end = start + TIMEOUT
        request = self._start(start)
        if self.lambda_logs is LambdaLogs.TASK_TIMED_OUT:
            self.logs.write(
                LOG_GROUP, end, f"{end:%Y-%m-%dT%H:%M:%S.000Z} {request} Task timed out after 900.00 seconds"
            )
        self.logs.write(LOG_GROUP, end, f"END RequestId: {request}")
        self.logs.write(LOG_GROUP, end, self._report(request, TIMEOUT, "timeout"))
        self.lambda_errors.append((start, 1, end + PUBLISHED_AFTER_END))
        retry = end + MINUTE
        assert self._invoke(scheduled_event(start, self.parameters), retry)

    def _invoke(self, event: dict[str, Any], at: datetime, timeout: float | None = None) -> bool:
        event["configRuleName"] = self.rule_name
        self.aws.now = at
        held = {rid: dict(result) for rid, result in self.aws.config.results.items()}
        written = len(self.aws.logs)
        request = self._start(at)
        failed = False
        try:
            self.aws.run(event, timeout=timeout)
        except Exception:
            failed = True
        for line in self.aws.logs[written:]:
            self.logs.write(LOG_GROUP, at, line)
        self.logs.write(LOG_GROUP, at, f"END RequestId: {request}")
        self.logs.write(LOG_GROUP, at, self._report(request, timedelta(seconds=2), "error" if failed else None))
        self.lambda_errors.append((at, int(failed), at))
        self._compliance_changes(held, at)
        return not failed

    def _start(self, at: datetime) -> str:
        """Lambda's START line of an invocation; its request id."""
        request = str(uuid.uuid4())
        self.logs.write(LOG_GROUP, at, f"START RequestId: {request} Version: $LATEST")
        return request

    def _report(self, request: str, took: timedelta, status: str | None) -> str:
        milliseconds = took.total_seconds() * 1000
        line = (
            f"REPORT RequestId: {request}\tDuration: {milliseconds:.2f} ms\tBilled Duration: {milliseconds:.0f} ms"
            "\tMemory Size: 256 MB\tMax Memory Used: 118 MB"
        )
        if status is not None and self.lambda_logs is LambdaLogs.REPORT_STATUS:
            line += f"\tStatus: {status}"
        return line

    def _compliance_changes(self, held: Mapping[str, Mapping[str, Any]], at: datetime) -> None:
        """AWS Config sends "Config Rules Compliance Change" for each resource whose recorded compliance changed
        (its first evaluation included): the detail as the Config Developer Guide documents it."""
        for resource, result in self.aws.config.results.items():
            before = held.get(resource, {}).get("ComplianceType")
            if result["ComplianceType"] == before:
                continue
            detail = compliance_change_detail(
                rule_name=self.rule_name,
                new=result["ComplianceType"],
                old=before,
                resource_type=result["ComplianceResourceType"],
                resource_id=resource,
            )
            detail["awsAccountId"] = ACCOUNT
            detail["newEvaluationResult"]["annotation"] = result.get("Annotation", "")
            self.compliance_changes.append((at, detail))

    @property
    def deployed(self) -> datetime:
        return noticed(self.runs[0])

    def metrics(self, overrides: Mapping[str, str]) -> Metrics:
        metrics = Metrics()
        for line in self.aws.log_lines():
            metrics.put_emf(line)
        errors = MetricId("AWS/Lambda", "Errors", frozenset({("FunctionName", RDK_FUNCTION_NAME)}))
        for at, value, published in self.lambda_errors:
            metrics.put(errors, at, value, visible=published)
        logs = LogGroups(self.logs.events)
        for metric_filter in metric_filters(overrides):
            logs.put_metric_filter(metric_filter, created=self.deployed)
        return logs.into(metrics)

    def histories(self, until_day: int, overrides: Mapping[str, str] | None = None) -> Iterator[dict[str, History]]:
        """For each reading of what AWS leaves open: every alarm's history, from the minute after the first run to
        ``until_day``."""
        overrides = dict(overrides or {})
        metrics, start, stop = self.metrics(overrides), self.deployed, self.at(until_day)
        for reading in READINGS:
            yield {name: simulate(alarm, metrics, start, stop, reading) for name, alarm in alarms(overrides).items()}

    def pages(self, until_day: int, overrides: Mapping[str, str] | None = None) -> Iterator[list[Page]]:
        """For each reading: every message on the topic after the deployment's own, in order."""
        overrides = dict(overrides or {})
        routed: list[Page] = []
        rules = event_rules(overrides)
        for entry in self.aws.events.put:
            event = on_the_bus(entry, account=ACCOUNT)
            if self.deployed <= datetime.fromisoformat(event["time"]) < self.at(until_day):
                routed += [
                    Page(datetime.fromisoformat(event["time"]), name, message)
                    for name, rule in rules.items()
                    if (message := deliver(rule, event))
                ]
        for at, detail in self.compliance_changes:
            if self.deployed <= at < self.at(until_day):
                event = envelope(detail) | {"account": ACCOUNT, "time": f"{at:%Y-%m-%dT%H:%M:%SZ}"}
                routed += [Page(at, name, message) for name, rule in rules.items() if (message := deliver(rule, event))]
        for histories in self.histories(until_day, overrides):
            told = [
                Page(at, name, str(state))
                for name, history in histories.items()
                for at, state in history.notifications()
                if (at, state) not in arrival(history)
            ]
            yield sorted(routed + told)


def arrival(history: History) -> list[tuple[datetime, State]]:
    """The deployment's own news: the alarm's first evaluation, and its first move from INSUFFICIENT_DATA to OK when
    its first datapoint comes later (a change event days after the deployment, say). A first move to ALARM is news."""
    first = [history.changes[0]]
    later = [(at, new) for at, old, new in history.transitions() if old is State.INSUFFICIENT_DATA and new is OK][:1]
    return first + later


def noticed(at: datetime) -> datetime:
    """When an alarm evaluated every minute first sees a value written at ``at``: the end of its minute."""
    return at.replace(second=0, microsecond=0) + MINUTE


def counted(at: datetime) -> datetime:
    """When an hourly-evaluated alarm (heartbeat, FunctionErrors) first sees a value of ``at``: the end of its hour."""
    return at.replace(minute=0, second=0, microsecond=0) + HOUR


def heartbeat_fires(last_completed: datetime) -> datetime:
    """27 hours without a completed run: the first hour whose 27 preceding hours hold none."""
    return counted(last_completed) + 27 * HOUR


def hours(start: datetime, stop: datetime) -> list[datetime]:
    first = counted(start)
    return [first + k * HOUR for k in range(int((stop - first) / HOUR))]


def states(history: History) -> list[tuple[datetime, State]]:
    return list(history.changes)


def brief(pages: list[Page]) -> list[tuple[datetime, str, str]]:
    """Pages as the scenarios write them: an event's line without its advice and link (domain and what happened)."""
    return [(page.at, page.by, _what_happened(page.says)) for page in pages]


def _what_happened(says: str) -> str:
    config = re.fullmatch(
        r"ACM certificate \S+/(\S+) in account .* turned NON_COMPLIANT under Config rule \S+: (.*)", says
    )
    if config:
        return f"{config.group(1)} turned NON_COMPLIANT: {config.group(2)}"
    rule = re.fullmatch(r"ACM certificate (\S+) in account \d{12} \([a-z0-9-]+\) (.+?)\. .*", says)
    return f"{rule.group(1)} {rule.group(2)}" if rule else says


def reached(name: str, expires: str, left: int = 7, threshold: int = 7) -> str:
    return f"{name}.example.com expires in {left} days ({expires}): reached the {threshold}-day threshold"


def entered(name: str, expires: str, left: int, window: int = 30) -> str:
    return f"{name}.example.com expires in {left} days ({expires}): entered the {window}-day window"


def expired(name: str, on: str) -> str:
    return f"{name}.example.com expired ({on})"


CONFIG_PAGES = {"CertificatePages": "config"}


# --- the certificates: one page per certificate per crossing --------------------------------------------------


def test_the_day_a_second_certificate_expires_names_it_and_no_alarm_says_ok(aws: World) -> None:
    """One certificate expired days ago and is still in ACM; the other expires in the night between day 3 and day 4.
    Day 4's run names it ("expired"), once; the expiry alarm, which counts expired certificates as 0 days, stays in
    ALARM; nothing says OK. With CertificatePages "config" the same day pages nothing at all: Config's compliance
    did not change (NON_COMPLIANT already), and both certificate alarms were in ALARM already (issue 24)."""
    days = Days(aws, [])
    days.inventory[:] = [certificate("old", days.at(-5)), certificate("soon", days.at(3, 12))]
    days.periodic(*range(7))
    for pages in days.pages(until_day=7):
        assert brief(pages) == [
            (days.runs[4], "CrossingRule", expired("soon", days.date(3))),
        ]
    for pages in days.pages(until_day=7, overrides=CONFIG_PAGES):
        assert pages == []
    for alarm in days.histories(until_day=7):
        assert states(alarm[EXPIRING]) == [(days.deployed, ALARM)]
        assert states(alarm[EXPIRED]) == [(days.deployed, ALARM)]
        assert all(history.transitions() == [] for history in alarm.values())


def test_a_certificate_crossing_the_threshold_is_named_once(aws: World) -> None:
    """10 days 12 hours left at day 0 (inside the 30-day window: named on day 0, before the alerts existed): 7 days
    left, rounded up, from day 4's run, which names it once; days 5 and 6 say nothing more. Renewed (re-imported)
    before day 7's run, it pages nothing: leaving a band is no crossing. The expiry alarm holds ALARM from day 4 to
    the renewal, every hour, and tells nobody (the rule's own event named the certificate)."""
    days = Days(aws, [])
    soon = certificate("soon", days.at(10, 12))
    days.inventory[:] = [soon, certificate("far", days.at(300))]
    days.periodic(0, 1, 2, 3, 4, 5, 6)
    soon["NotAfter"] = days.at(400).timestamp()  # re-imported with a renewed certificate
    days.periodic(7, 8)
    for pages in days.pages(until_day=9):
        assert brief(pages) == [
            (days.runs[4], "CrossingRule", reached("soon", days.date(10))),
        ]
        (page,) = pages
        assert page.says == (
            f"ACM certificate soon.example.com in account {ACCOUNT} (us-east-1) expires in 7 days ({days.date(10)}): "
            "reached the 7-day threshold. ACM never renews imported certificates: re-import a renewed one to the same "
            "ARN. Console: https://us-east-1.console.aws.amazon.com/acm/home?region=us-east-1#/certificates/soon "
            "(Config rule ACMExpiryRule)"
        )
    for alarm in days.histories(until_day=9):
        assert states(alarm[EXPIRING]) == [
            (days.deployed, OK),
            (noticed(days.runs[4]), ALARM),
            (noticed(days.runs[7]), OK),
        ]
        assert {alarm[EXPIRING].state_at(t) for t in hours(noticed(days.runs[4]), days.runs[7])} == {ALARM}
    # Where the certificates are named by Config's line instead, the alarm tells both ALARM and OK (OK: renewed).
    for pages in days.pages(until_day=9, overrides=CONFIG_PAGES):
        assert brief(pages) == [(noticed(days.runs[4]), EXPIRING, "ALARM"), (noticed(days.runs[7]), EXPIRING, "OK")]


def test_a_second_certificate_reaching_the_threshold_while_another_is_there_is_named(aws: World) -> None:
    """One certificate has 5 days left from the start (the expiry alarm in ALARM since); the other reaches 7 days at
    day 3's run. The alarm's state does not change, so it could not say so; the rule's event names it. (With
    "config", nothing pages: Config's compliance did not change either.)"""
    days = Days(aws, [])
    days.inventory[:] = [certificate("first", days.at(5, 12)), certificate("second", days.at(9, 12))]
    days.periodic(0, 1, 2, 3)
    for pages in days.pages(until_day=4):
        assert brief(pages) == [
            (days.runs[3], "CrossingRule", reached("second", days.date(9))),
        ]
    for pages in days.pages(until_day=4, overrides=CONFIG_PAGES):
        assert pages == []


def test_config_pages_name_a_certificate_entering_the_window_once(aws: World) -> None:
    """CertificatePages "config": a certificate entering the 30-day window turns NON_COMPLIANT, and Config's line
    names it, once; the rule's own events say the same and more, and are not routed (one line per crossing, never
    two). With "rule" it is the rule's "entered-window" event."""
    days = Days(aws, [])
    days.inventory[:] = [certificate("later", days.at(32, 12)), certificate("far", days.at(300))]
    days.periodic(0, 1, 2, 3, 4)
    annotation = (
        f"Expires in 30 days ({days.date(32)}), within the 30-day window. ACM never renews imported "
        "certificates: re-import a renewed one to the same ARN."
    )
    for pages in days.pages(until_day=5, overrides=CONFIG_PAGES):
        assert brief(pages) == [(days.runs[3], "ComplianceChangeRule", f"later turned NON_COMPLIANT: {annotation}")]
    for pages in days.pages(until_day=5):
        assert brief(pages) == [
            (days.runs[3], "CrossingRule", entered("later", days.date(32), 30)),
        ]


def test_an_expired_certificate_kept_in_acm_holds_an_alarm_until_it_is_deleted(aws: World) -> None:
    """Inside the threshold, then expired, then deleted: the expiry alarm holds ALARM through its expiry (expired
    ones count 0 days) and the expired alarm joins it; both clear once it is deleted. With "rule" the one page is
    the expiry's event; with "config" the expired alarm's ALARM, and the OKs once deleted (fixed)."""
    days = Days(aws, [])
    old = certificate("old", days.at(2, 12))
    days.inventory[:] = [old, certificate("far", days.at(300))]
    days.periodic(0, 1, 2, 3, 4, 5)
    days.inventory.remove(old)
    days.periodic(6, 7)
    for alarm in days.histories(until_day=8):
        assert states(alarm[EXPIRING]) == [(days.deployed, ALARM), (noticed(days.runs[6]), OK)]
        assert states(alarm[EXPIRED]) == [
            (days.deployed, OK),
            (noticed(days.runs[3]), ALARM),
            (noticed(days.runs[6]), OK),
        ]
        assert alarm[HEARTBEAT].transitions() == []
    for pages in days.pages(until_day=8):
        assert brief(pages) == [(days.runs[3], "CrossingRule", expired("old", days.date(2)))]
    for pages in days.pages(until_day=8, overrides=CONFIG_PAGES):
        assert brief(pages) == [
            (noticed(days.runs[3]), EXPIRED, "ALARM"),
            (noticed(days.runs[6]), EXPIRED, "OK"),
            (noticed(days.runs[6]), EXPIRING, "OK"),
        ]


def test_exempting_an_expired_certificate_by_tag_clears_its_alarm(aws: World) -> None:
    key = "acm-expiry-exempt"
    days = Days(aws, [], parameters={"daysToExpiration": "30", "exemptTagKey": key})
    old = certificate("old", days.at(-5))
    days.inventory[:] = [old, certificate("far", days.at(300))]
    days.periodic(0, 1)
    old["Tags"] = [{"Key": key, "Value": "kept for an audit, not in use"}]
    days.periodic(2, 3)
    for alarm in days.histories(until_day=4):
        assert states(alarm[EXPIRED]) == [(days.deployed, ALARM), (noticed(days.runs[2]), OK)]
    for pages in days.pages(until_day=4):
        assert pages == []


def test_a_healthy_inventory_pages_nothing_for_a_month(aws: World) -> None:
    """Nothing inside the window, a run every day at a drifting time, change events at any hour, findings on: for 31
    days, not one page, and every alarm OK from its first datapoint on, with not one transition after it."""
    days = Days(aws, [], parameters=FINDINGS_ON)
    days.inventory[:] = [certificate(f"c{i}", days.at(70 + 37 * i)) for i in range(8)]
    for day in range(31):
        days.periodic(day)
        days.change(day, (6, 13, 23)[day % 3], days.item(days.inventory[day % len(days.inventory)]))
    for pages in days.pages(until_day=31):
        assert pages == []
    first_change = days.at(0, 6, 1)
    for alarm in days.histories(until_day=31):
        for name, history in alarm.items():
            arrived = [(first_change, INSUFFICIENT, OK)] if name == CHANGE_EVENT_FAILED else []
            assert history.transitions() == arrived, name  # the change events' alarm had no data until the first
            assert {history.state_at(t) for t in hours(first_change, days.at(31))} == {OK}, name


def test_what_the_deployment_itself_tells(aws: World) -> None:
    """Every alarm starts in INSUFFICIENT_DATA; leaving it is a transition, told to its actions: a healthy account
    hears OK once from each alarm whose OK means fixed (the hourly heartbeat at the first hour, the change events'
    alarm at the first change event), and nothing else."""
    days = Days(aws, [])
    far = certificate("far", days.at(300))
    days.inventory[:] = [far]
    days.periodic(0, 1)
    days.change(1, 15, days.item(far))
    for alarm, pages in zip(days.histories(until_day=2), days.pages(until_day=2), strict=True):
        assert pages == []
        told = {name: history.notifications() for name, history in alarm.items()}
        assert told == {
            HEARTBEAT: [(counted(days.runs[0]), OK)],
            LISTING_GAPS: [(days.deployed, OK)],
            DAILY_RUN_FAILED: [(days.deployed, OK)],
            # INSUFFICIENT_DATA, kept by "ignore", until the first change event's datapoint.
            CHANGE_EVENT_FAILED: [(days.at(1, 15, 1), OK)],
            FINDINGS_FAILURES: [(days.deployed, OK)],
            EXPIRING: [],
            EXPIRED: [],
            PAGES_NOT_SENT: [],
            ERRORS: [],
            TIMEOUTS: [],
        }


# --- the rule's own health: failures per trigger, no OK while nothing got better -------------------------------


def test_a_failing_daily_run_pages_once_and_says_ok_only_when_a_daily_run_succeeds(aws: World) -> None:
    """Days 2 to 5 the periodic run fails (ListCertificates denied, three attempts each), while change events at 15:00
    succeed every day; day 6's run succeeds. DailyRunFailed goes off at the first failure and stays in ALARM, whatever
    the change events say: one page, and OK only with day 6's run. Lambda's Errors page once too (FunctionErrors
    remembers a failure HeartbeatHours, so it does not go off again each day; its clearing tells nobody), and no
    periodic run completing for 27 hours sets off the heartbeat, until day 6. Lambda's REPORT lines say "Status:
    error" for each failure: not a timeout."""
    days = Days(aws, [], lambda_logs=LambdaLogs.REPORT_STATUS)
    far = certificate("far", days.at(300))
    days.inventory[:] = [far]
    days.periodic(0, 1)
    for day in (2, 3, 4, 5):
        aws.doubles.faults.add("acm.ListCertificates", *[access_denied("acm:ListCertificates")] * 3)
        days.periodic(day)
        days.change(day, 15, days.item(far))
    days.periodic(6, 7)
    first_failure = days.runs[2] + 3 * MINUTE  # the third attempt, after Lambda's two retries
    for pages in days.pages(until_day=8):
        assert brief(pages) == sorted(
            [
                (noticed(days.runs[2]), DAILY_RUN_FAILED, "ALARM"),
                (counted(days.runs[2]), ERRORS, "ALARM"),
                (heartbeat_fires(days.runs[1]), HEARTBEAT, "ALARM"),
                (noticed(days.runs[6]), DAILY_RUN_FAILED, "OK"),
                (counted(days.runs[6]), HEARTBEAT, "OK"),
            ]
        )
    for alarm in days.histories(until_day=8):
        assert {alarm[DAILY_RUN_FAILED].state_at(t) for t in hours(noticed(first_failure), days.runs[6])} == {ALARM}
        assert ALARM not in {state for _, state in alarm[CHANGE_EVENT_FAILED].changes}  # the change events were fine
        assert alarm[TIMEOUTS].transitions() == []


def test_a_failure_lambdas_retry_recovers_clears_within_minutes(aws: World) -> None:
    """The first attempt fails, Lambda's retry a minute later completes: DailyRunFailed goes off and says OK once the
    failure has left its ten minutes (and the evaluation range beyond): fixed, and said so. FunctionErrors tells of
    the failure once and nobody of its clearing; the heartbeat never notices."""
    days = Days(aws, [])
    days.inventory[:] = [certificate("far", days.at(300))]
    days.periodic(0)
    aws.doubles.faults.add("acm.ListCertificates", access_denied("acm:ListCertificates"))
    days.periodic(1, 2)
    failed = days.runs[1]
    for alarm, pages in zip(days.histories(until_day=3), days.pages(until_day=3), strict=True):
        ((went_off, _, first), (cleared, _, then)) = alarm[DAILY_RUN_FAILED].transitions()
        assert (went_off, first, then) == (noticed(failed), ALARM, OK)
        assert noticed(failed) + 10 * MINUTE < cleared <= noticed(failed) + 21 * MINUTE
        assert brief(pages) == sorted(
            [
                (noticed(failed), DAILY_RUN_FAILED, "ALARM"),
                (cleared, DAILY_RUN_FAILED, "OK"),
                (counted(failed), ERRORS, "ALARM"),
            ]
        )
        assert alarm[HEARTBEAT].transitions() == []


def test_a_failing_change_event_pages_apart_from_the_daily_run(aws: World) -> None:
    """A change event fails (PutEvaluations denied, on Lambda's retries too) while the daily runs succeed:
    ChangeEventFailed goes off, and a periodic run succeeding does not clear it; the next change event that succeeds
    says OK."""
    days = Days(aws, [])
    far = certificate("far", days.at(300))
    days.inventory[:] = [far]
    days.periodic(0)
    aws.doubles.faults.add("config.PutEvaluations", *[access_denied("config:PutEvaluations")] * 3)
    days.change(0, 15, days.item(far))
    days.periodic(1)
    days.change(1, 16, days.item(far))
    days.periodic(2)
    for alarm, pages in zip(days.histories(until_day=3), days.pages(until_day=3), strict=True):
        assert brief(pages) == [
            (days.at(0, 15, 1), CHANGE_EVENT_FAILED, "ALARM"),
            (days.at(0, 16), ERRORS, "ALARM"),
            (days.at(1, 16, 1), CHANGE_EVENT_FAILED, "OK"),
        ]
        assert {alarm[CHANGE_EVENT_FAILED].state_at(t) for t in hours(days.at(0, 15, 1), days.at(1, 16))} == {ALARM}


@pytest.mark.parametrize("form", list(LambdaLogs))
def test_a_timeout_pages_within_half_an_hour_of_its_start(aws: World, form: LambdaLogs) -> None:
    """Day 1's periodic run starts at 03:55, hangs, and Lambda stops it at 900 s: no line of the rule's; Errors 1
    stamped 03:55, published after its end, 04:10; Lambda's timeout line at the end (either form). The metric filter
    counts the line at the end's minute: FunctionTimeouts pages 16 minutes after the start, whatever the evaluation
    range; FunctionErrors sees the late Errors at 05:00, the first hour after it is published (not at 04:00: it was
    not there yet). Lambda's retry completes; nothing says OK."""
    days = Days(aws, [], lambda_logs=form)
    days.inventory[:] = [certificate("far", days.at(300))]
    days.periodic(0)
    days.timed_out(1)
    days.periodic(2, 3)
    start = days.runs[1]
    assert start.strftime("%H:%M") == "03:55"
    for pages in days.pages(until_day=4):
        assert brief(pages) == [
            (noticed(start + TIMEOUT), TIMEOUTS, "ALARM"),
            (counted(start + TIMEOUT + PUBLISHED_AFTER_END), ERRORS, "ALARM"),
        ]
        assert pages[0].at - start <= timedelta(minutes=30)


def test_findings_failures_hold_their_alarm_until_findings_go_through(aws: World) -> None:
    days = Days(aws, [], parameters=FINDINGS_ON)
    days.inventory[:] = [certificate("far", days.at(300))]
    days.periodic(0)
    aws.security_hub.enabled = False
    days.periodic(1, 2)
    aws.security_hub.enabled = True
    days.periodic(3)
    for pages in days.pages(until_day=4):
        assert brief(pages) == [
            (noticed(days.runs[1]), FINDINGS_FAILURES, "ALARM"),
            (noticed(days.runs[3]), FINDINGS_FAILURES, "OK"),
        ]


def test_pages_eventbridge_refused_are_told_and_their_clearing_is_not(aws: World) -> None:
    """Day 2's run has a page to put (a certificate reaching 7 days) and EventBridge refuses it: that page is lost,
    and PagesNotSent says so. Day 3's run has none to put and writes EventsFailures 0: OK, which tells nobody, since
    nothing shows pages would go through."""
    days = Days(aws, [])
    days.inventory[:] = [certificate("soon", days.at(8, 12)), certificate("far", days.at(300))]
    days.periodic(0, 1)
    aws.doubles.faults.add("events.PutEvents", access_denied("events:PutEvents"))  # the role lost the grant
    days.periodic(2, 3)
    for alarm, pages in zip(days.histories(until_day=4), days.pages(until_day=4), strict=True):
        assert brief(pages) == [(noticed(days.runs[2]), PAGES_NOT_SENT, "ALARM")]
        assert [new for _, _, new in alarm[PAGES_NOT_SENT].transitions()] == [ALARM, OK]


def test_a_rule_that_stops_being_invoked_sets_off_the_heartbeat(aws: World) -> None:
    """Three days of runs, then none (a stopped recorder, a changed permission, a deleted rule): no errors, no
    data. The heartbeat goes off 27 hours after the last run and stays; the expiry alarm keeps the last run's
    word, ALARM, rather than turning OK for want of news."""
    days = Days(aws, [])
    days.inventory[:] = [certificate("soon", days.at(5))]
    days.periodic(0, 1, 2)
    for alarm, pages in zip(days.histories(until_day=8), days.pages(until_day=8), strict=True):
        assert brief(pages) == [(heartbeat_fires(days.runs[2]), HEARTBEAT, "ALARM")]
        assert alarm[HEARTBEAT].state_at(days.at(8)) == ALARM
        assert states(alarm[EXPIRING]) == [(days.deployed, ALARM)]


def test_runs_cut_short_at_their_deadline_are_not_completed_runs(aws: World) -> None:
    """Days 2 and 3 are cut short (each recorded 100 of its 151 evaluations, the 150 extra certificates gone again
    afterwards): neither completed, and the heartbeat goes off. Day 4's listing has shrunk by those 150, so it is
    doubted: nothing is cleared on its word (ListingGaps), the run asks ACM about 100 of them and leaves 50 for day 5,
    which completes the inventory (the heartbeat clears) on a listing still doubted; day 6's is not (ListingGaps
    clears). The certificate inside the threshold was named before, and is not named again."""
    days = Days(aws, [])
    days.inventory[:] = [certificate("soon", days.at(6, 12))]
    days.periodic(0, 1)
    days.cut_short(2)
    days.cut_short(3)
    days.periodic(4, 5, 6)
    assert [line["recording"].get("leftForLater") for line in aws.log_lines()[-3:]] == [50, 0, None]
    for alarm, pages in zip(days.histories(until_day=7), days.pages(until_day=7), strict=True):
        assert brief(pages) == sorted(
            [
                (heartbeat_fires(days.runs[1]), HEARTBEAT, "ALARM"),
                (noticed(days.runs[4]), LISTING_GAPS, "ALARM"),
                (counted(days.runs[5]), HEARTBEAT, "OK"),
                (noticed(days.runs[6]), LISTING_GAPS, "OK"),
            ]
        )
        assert states(alarm[EXPIRING]) == [(days.deployed, ALARM)]
        assert alarm[DAILY_RUN_FAILED].transitions() == []  # cut short is not failed: it returned


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
    for pages in days.pages(until_day=3, overrides=CONFIG_PAGES):
        assert brief(pages) == [(days.at(0, 3, 21), EXPIRING, "OK")]


@pytest.mark.parametrize("rule_name", [ORG_RULE_NAME, PACK_RULE_NAME])
def test_organization_and_conformance_pack_rules_are_watched_by_default(aws: World, rule_name: str) -> None:
    """Config names these rules itself (suffix and all); the default alarms read the metrics without the rule's
    dimension, so they watch it all the same, and the crossing rule takes the name in Config's forms. Narrowed to a
    rule, the dimension must be its exact name: the plain name sees nothing of it, and only the heartbeat speaks."""
    days = Days(aws, [], rule_name=rule_name)
    days.inventory[:] = [certificate("soon", days.at(5)), certificate("later", days.at(9, 12))]
    days.periodic(0, 1, 2, 3)
    for overrides in ({}, {"AlarmConfigRuleName": rule_name}):
        for alarm in days.histories(until_day=4, overrides=overrides):
            assert states(alarm[EXPIRING]) == [(days.deployed, ALARM)]
            assert alarm[HEARTBEAT].changes == ((counted(days.runs[0]), OK),)  # evaluated on the hour
        for pages in days.pages(until_day=4, overrides=overrides):
            assert brief(pages) == [
                (days.runs[3], "CrossingRule", reached("later", days.date(9))),
            ]
            assert pages[0].says.endswith(f"(Config rule {rule_name})")
    for alarm in days.histories(until_day=4, overrides={"AlarmConfigRuleName": "ACMExpiryRule"}):
        assert alarm[EXPIRING].changes == ((days.deployed, INSUFFICIENT),)
        assert alarm[HEARTBEAT].state_at(days.at(4)) == ALARM
    assert crossing_rule({"ConfigRuleName": "ACMExpiryRule"})["State"] == "ENABLED"


def test_listing_gaps_hold_their_alarm_until_the_sdk_lifts_every_filter(aws: World) -> None:
    days = Days(aws, [])
    days.inventory[:] = [certificate("far", days.at(300))]
    with pytest.MonkeyPatch.context() as patch:
        old_sdk(patch)
        days.periodic(0, 1, 2)
    days.periodic(3, 4)  # the function deployed with the project's layer
    for alarm, pages in zip(days.histories(until_day=5), days.pages(until_day=5), strict=True):
        assert states(alarm[LISTING_GAPS]) == [(days.deployed, ALARM), (noticed(days.runs[3]), OK)]
        assert {alarm[LISTING_GAPS].state_at(t) for t in hours(days.deployed, days.runs[3])} == {ALARM}
        assert brief(pages) == [(noticed(days.runs[3]), LISTING_GAPS, "OK")]
