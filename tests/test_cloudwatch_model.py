"""The CloudWatch alarm model (tests/support/cloudwatch.py) reproduces the documentation's own examples.

Each table below is the User Guide's, row by row ("Configuring how CloudWatch alarms treat missing data"):
datapoints oldest first, 0 within the threshold, X breaching, - missing; the state for MISSING, IGNORE,
BREACHING and NOT BREACHING. "retain" is IGNORE's "Retain current state", checked from both OK and ALARM.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.cloudwatch import (
    LogEvent,
    LogGroups,
    MetricAlarm,
    MetricFilter,
    MetricId,
    Metrics,
    Reading,
    State,
    TermPattern,
    judge,
    simulate,
)

OK, ALARM, INSUFFICIENT = State.OK, State.ALARM, State.INSUFFICIENT_DATA
RETAIN = "retain"
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")

# Datapoints to Alarm 3 of Evaluation Periods 3, evaluation range 5: the current edition's first table.
THREE_OF_THREE = [
    ("0 - X - X", (OK, OK, OK, OK)),
    ("0 - - - -", (OK, OK, OK, OK)),
    ("- - - - -", (INSUFFICIENT, RETAIN, ALARM, OK)),
    ("0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("- - X - -", (ALARM, RETAIN, ALARM, OK)),  # the premature-transition row
]
# The same table's 2019 edition had these rows as well.
THREE_OF_THREE_2019 = [
    ("- - - - X", (INSUFFICIENT, RETAIN, ALARM, OK)),
    ("X - - - -", (ALARM, RETAIN, ALARM, OK)),
]
# 2 of 3, range 5: the second table.
TWO_OF_THREE = [
    ("0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", (OK, OK, ALARM, OK)),
    ("- - - - 0", (OK, OK, ALARM, OK)),
    ("- - - X -", (ALARM, RETAIN, ALARM, OK)),
]
TWO_OF_THREE_2019 = [("- - - - X", (INSUFFICIENT, RETAIN, ALARM, OK))]


def points(row: str) -> list[bool | None]:
    return [{"0": False, "X": True, "-": None}[symbol] for symbol in row.split()]


def rows(m: int, table: list[tuple[str, tuple[State | str, ...]]]) -> list[object]:
    return [
        pytest.param(m, row, treatment, expected, id=f"{m}of3 {row} {treatment}")
        for row, states in table
        for treatment, expected in zip(TREATMENTS, states, strict=True)
    ]


@pytest.mark.parametrize(
    ("m", "row", "treatment", "expected"),
    rows(3, THREE_OF_THREE + THREE_OF_THREE_2019) + rows(2, TWO_OF_THREE + TWO_OF_THREE_2019),
)
def test_the_documented_missing_data_tables(m: int, row: str, treatment: str, expected: State | str) -> None:
    for previous in (OK, ALARM):
        got = judge(points(row), 3, m, treatment, previous)
        assert got == (previous if expected == RETAIN else expected), (row, treatment, previous)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # "the alarm does not go immediately into ALARM state when the data is either - - - - X or - - - X -"
        ("- - - - X", INSUFFICIENT),
        ("- - - X -", INSUFFICIENT),
        # "false positives are avoided when the next data point is non-breaching"
        ("- - - X 0", OK),
        ("- - X - 0", OK),
        # "if the last few data points are - - X - -, the alarm goes into ALARM state"
        ("- - X - -", ALARM),
    ],
)
def test_avoiding_premature_transitions(row: str, expected: State) -> None:
    assert judge(points(row), 3, 3, "missing", OK) == expected


# --- the schedule, through simulate ------------------------------------------------------------------

T0 = datetime(2026, 3, 2, tzinfo=UTC)
JOB = MetricId("Jobs", "Failed")


def alarm(**settings: object) -> MetricAlarm:
    base: dict[str, object] = {
        "name": "test",
        "metric": JOB,
        "statistic": "Maximum",
        "period": 300,
        "evaluation_periods": 1,
        "threshold": 1,
        "comparison": "GreaterThanOrEqualToThreshold",
    }
    return MetricAlarm(**(base | settings))  # type: ignore[arg-type]


def test_evaluated_every_minute_on_the_periods_ending_with_it() -> None:
    """With a 5-minute period and N=1, "at the end of minute 5 the alarm evaluates based on data
    from minutes 1 to 5. Then at the end of minute 6, the alarm is evaluated based on the data from minutes 2
    to 6" (the User Guide's words)."""
    metrics = Metrics()
    metrics.put(JOB, T0 + timedelta(seconds=30), 1)  # in minute 1
    metrics.put(JOB, T0 + timedelta(minutes=5, seconds=30), 0)  # in minute 6
    history = simulate(alarm(), metrics, T0, T0 + timedelta(minutes=30), Reading())
    assert history.state_at(T0 + timedelta(minutes=5)) == ALARM
    assert history.state_at(T0 + timedelta(minutes=6)) == OK


def test_a_multi_day_alarm_is_evaluated_hourly_on_the_hours_data() -> None:
    """The User Guide's example: a job that runs every 3 days at 10:00 fails at 10:02; at 10:03 the alarm
    stays OK (data up to 10:00), at 11:03 it is in ALARM; fixed at 11:43, it is OK at 12:03. Here the job
    writes Failed 1 or 0, and the alarm is its Minimum over 3 days, N=1 (3 days: a multi-day alarm)."""
    metrics = Metrics()
    ten = T0 + timedelta(hours=10)
    metrics.put(JOB, ten - timedelta(days=3), 0)  # the run before, fine
    metrics.put(JOB, ten + timedelta(minutes=2), 1)
    metrics.put(JOB, ten + timedelta(minutes=103), 0)  # 11:43
    job_alarm = alarm(statistic="Minimum", period=3 * 86_400)
    assert job_alarm.multi_day
    history = simulate(job_alarm, metrics, ten - timedelta(hours=1), ten + timedelta(hours=5), Reading())
    assert history.state_at(ten + timedelta(minutes=3)) == OK
    assert history.state_at(ten + timedelta(minutes=63)) == ALARM
    assert history.state_at(ten + timedelta(minutes=123)) == OK
    assert [(at.strftime("%H:%M"), new) for at, _, new in history.transitions()] == [("11:00", ALARM), ("12:00", OK)]


def test_the_next_evaluation_after_the_second_row_goes_to_alarm() -> None:
    """The table's second row, 0 - - - - treated as breaching, stays OK; "The next time this alarm is
    evaluated, if the data is still missing it will go to ALARM, as that non-breaching data point will no
    longer be in the evaluation range." (5-minute periods, 3 of 3, range 5)"""
    metrics = Metrics()
    metrics.put(JOB, T0 + timedelta(minutes=1), 0)
    watch = alarm(evaluation_periods=3, treat_missing_data="breaching")
    history = simulate(watch, metrics, T0 + timedelta(minutes=6), T0 + timedelta(hours=1), Reading(extra=2))
    # The 0 is in the oldest of the five periods ending at minute 26 ([1, 6) ... [21, 26)): 0 - - - -
    assert history.state_at(T0 + timedelta(minutes=26)) == OK
    assert history.state_at(T0 + timedelta(minutes=27)) == ALARM  # the 0 has left the range


def test_a_daily_heartbeat_on_breaching_fires_only_when_the_range_runs_dry() -> None:
    """Why the alerts' heartbeat does not rest on missing data: a 1-day, 1 of 1 alarm with missing data
    breaching keeps judging on the last real datapoint while it is in the evaluation range, so it fires
    (extra + 1) days after the last run, not one day (with the documented range, 3 days; the Stack Overflow
    question "CloudWatch alarm not triggering on missing data" reports "something like 3 or 4")."""
    metrics = Metrics()
    metrics.put(JOB, T0, 1)
    watch = alarm(period=86_400, comparison="LessThanThreshold", treat_missing_data="breaching", statistic="Sum")
    for extra in (1, 2, 4):
        history = simulate(watch, metrics, T0 + timedelta(minutes=1), T0 + timedelta(days=10), Reading(extra=extra))
        assert history.changes[0][1] == OK
        ((fired, _, new),) = history.transitions()
        assert new == ALARM
        assert fired == T0 + timedelta(days=extra + 1, minutes=1)


def test_notifications_happen_on_transitions_only() -> None:
    metrics = Metrics()
    for hour in range(-1, 6):
        metrics.put(JOB, T0 + timedelta(hours=hour), 1)
    history = simulate(alarm(period=3600), metrics, T0, T0 + timedelta(hours=8), Reading())
    assert [new for _, _, new in history.transitions()] == []  # ALARM from the first evaluation, held
    assert history.changes[0][1] == ALARM


def test_fill_gives_every_period_a_value() -> None:
    """FILL(m, 0) under M of N: every period of the range is real, so the last N decide, whatever the range."""
    metrics = Metrics()
    metrics.put(JOB, T0, 1)
    watch = alarm(
        statistic="Sum",
        period=3600,
        evaluation_periods=5,
        comparison="LessThanThreshold",
        treat_missing_data="breaching",
        fill=0,
    )
    for reading in (Reading(extra=1), Reading(extra=6), Reading(extra=6, fill_empty=False)):
        history = simulate(watch, metrics, T0, T0 + timedelta(hours=20), reading)
        assert history.state_at(T0 + timedelta(hours=5)) == OK
        assert history.state_at(T0 + timedelta(hours=5, minutes=1)) == ALARM, reading  # five zeros


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"period": 90}, "is not 10, 20, 30 or a multiple of 60"),
        ({"period": 10}, "high-resolution"),
        ({"period": 300, "evaluation_periods": 289}, "exceeds 86400 s"),
        ({"period": 3600, "evaluation_periods": 169}, "exceeds 604800 s"),
        ({"evaluation_periods": 2, "datapoints_to_alarm": 3}, "DatapointsToAlarm 3 is not between 1"),
        ({"evaluation_periods": 0}, "exceeds"),
        ({"statistic": "p99"}, "statistic"),
        ({"comparison": "LessThanLowerOrGreaterThanUpperThreshold"}, "comparison"),
        ({"treat_missing_data": "zero"}, "TreatMissingData"),
    ],
)
def test_put_metric_alarm_limits(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        alarm(**settings)


def test_the_limits_admit_what_put_metric_alarm_admits() -> None:
    assert not alarm(period=60, evaluation_periods=1440).multi_day  # one day of minutes
    assert alarm(period=3600, evaluation_periods=168).multi_day  # a week of hours
    assert alarm(period=86_400, evaluation_periods=7).datapoints == 7  # M defaults to N


def test_emf_makes_one_metric_per_dimension_set() -> None:
    line = {
        "_aws": {
            "Timestamp": int(T0.timestamp() * 1000),
            "CloudWatchMetrics": [
                {"Namespace": "Ns", "Dimensions": [["Rule"], []], "Metrics": [{"Name": "Runs", "Unit": "Count"}]}
            ],
        },
        "Rule": "r1",
        "Runs": [1, 2],
    }
    metrics = Metrics()
    metrics.put_emf(line)
    minute = int(T0.timestamp() // 60)
    assert metrics.in_window(MetricId("Ns", "Runs", frozenset({("Rule", "r1")})), minute, minute + 1) == [1, 2]
    assert metrics.in_window(MetricId("Ns", "Runs"), minute, minute + 1) == [1, 2]
    assert metrics.in_window(MetricId("Ns", "Runs", frozenset({("Rule", "r2")})), minute, minute + 1) == []


def test_template_properties_the_model_does_not_know_are_refused() -> None:
    properties = {
        "Namespace": "Ns",
        "MetricName": "M",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    assert MetricAlarm.from_properties("a", properties).treat_missing_data == "missing"
    with pytest.raises(ValueError, match="does not know \\['ExtendedStatistic'\\]"):
        MetricAlarm.from_properties("a", properties | {"ExtendedStatistic": "p99"})
    expression = {
        "Metrics": [
            {"Id": "m", "ReturnData": False, "MetricStat": {"Metric": {"Namespace": "Ns", "MetricName": "M"},
                                                            "Period": 60, "Stat": "Sum"}},
            {"Id": "e", "Expression": "RATE(m)"},
        ],
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanThreshold",
    }  # fmt: skip
    with pytest.raises(ValueError, match="is not FILL"):
        MetricAlarm.from_properties("a", expression)


# --- datapoints visible once published ---------------------------------------------------------------

ERRORS = MetricId("AWS/Lambda", "Errors", frozenset({("FunctionName", "f")}))


def test_a_value_counts_from_the_minute_it_is_published_in_the_period_of_its_timestamp() -> None:
    """The Lambda Developer Guide's note: Errors is timestamped when the invocation started and emitted after it
    ends, "if your function has a 10-minute timeout, look more than 10 minutes in the past". A run started at 03:00
    that times out at 03:15: its 1 belongs to minute 03:00 and is seen from 03:16 (the end of the minute it was
    published in), by an alarm whose range still reaches back to 03:00, and never by one that does not."""
    start = T0 + timedelta(hours=3)
    metrics = Metrics()
    metrics.put(ERRORS, start, 1, visible=start + timedelta(minutes=15))
    ten = alarm(metric=ERRORS, statistic="Sum", period=60, evaluation_periods=10, datapoints_to_alarm=1,
                treat_missing_data="notBreaching")  # fmt: skip
    twenty = alarm(metric=ERRORS, statistic="Sum", period=60, evaluation_periods=20, datapoints_to_alarm=1,
                   treat_missing_data="notBreaching")  # fmt: skip
    for reading in (Reading(extra=1), Reading(extra=4)):  # ranges of 11 and 14 minutes: the value is 16 minutes old
        assert simulate(ten, metrics, start, start + timedelta(hours=1), reading).transitions() == []
    history = simulate(twenty, metrics, start, start + timedelta(hours=1), Reading(extra=1))
    assert history.transitions()[0] == (start + timedelta(minutes=16), OK, ALARM)
    assert history.state_at(start + timedelta(minutes=15)) == OK  # not yet published: not yet seen


def test_a_value_cannot_be_visible_before_its_timestamp() -> None:
    with pytest.raises(ValueError, match="visible before"):
        Metrics().put(ERRORS, T0, 1, visible=T0 - timedelta(minutes=1))


def test_an_hourly_evaluated_alarm_sees_a_late_value_at_the_first_hour_after_it_is_published() -> None:
    """Multi-day alarms are evaluated hourly on data up to the hour: a value of 03:50 published at 04:05 is not there
    at 04:00, and is at 05:00."""
    metrics = Metrics()
    metrics.put(ERRORS, T0 + timedelta(hours=3, minutes=50), 1, visible=T0 + timedelta(hours=4, minutes=5))
    watch = alarm(metric=ERRORS, statistic="Sum", period=3600, evaluation_periods=27, datapoints_to_alarm=1,
                  treat_missing_data="notBreaching", fill=0)  # fmt: skip
    assert watch.multi_day
    history = simulate(watch, metrics, T0, T0 + timedelta(hours=12), Reading())
    assert [(at.strftime("%H:%M"), new) for at, _, new in history.transitions()] == [("05:00", ALARM)]


# --- alarm actions: what is told ---------------------------------------------------------------------

TOPIC = "arn:aws:sns:us-east-1:111111111111:alerts"


def test_notifications_are_transitions_into_states_that_have_actions() -> None:
    """A job failing (1) then fixed (0): the alarm goes ALARM then OK. With AlarmActions alone, only ALARM is told;
    OK transitions still happen and are recorded."""
    metrics = Metrics()
    metrics.put(JOB, T0 + timedelta(minutes=1), 0)
    metrics.put(JOB, T0 + timedelta(minutes=20), 1)
    metrics.put(JOB, T0 + timedelta(minutes=40), 0)
    both = alarm(period=60, treat_missing_data="ignore", actions=((ALARM, (TOPIC,)), (OK, (TOPIC,))))
    alarm_only = alarm(period=60, treat_missing_data="ignore", actions=((ALARM, (TOPIC,)),))
    moves = [(T0 + timedelta(minutes=21), OK, ALARM), (T0 + timedelta(minutes=41), ALARM, OK)]
    # With OK actions, the first evaluation (INSUFFICIENT_DATA to OK) is told too.
    for watch, told in ((both, [OK, ALARM, OK]), (alarm_only, [ALARM])):
        history = simulate(watch, metrics, T0 + timedelta(minutes=2), T0 + timedelta(hours=1), Reading())
        assert history.transitions() == moves
        assert [state for _, state in history.notifications()] == told
    muted = alarm(period=60, treat_missing_data="ignore", actions=((ALARM, (TOPIC,)),), actions_enabled=False)
    assert simulate(muted, metrics, T0 + timedelta(minutes=2), T0 + timedelta(hours=1), Reading()).notifications() == []


def test_a_new_alarms_first_evaluation_is_a_transition_from_insufficient_data() -> None:
    """Every alarm starts in INSUFFICIENT_DATA: its first evaluation to OK tells the OK actions, once."""
    metrics = Metrics()
    metrics.put(JOB, T0, 0)
    watch = alarm(period=60, actions=((OK, (TOPIC,)),))
    history = simulate(watch, metrics, T0 + timedelta(minutes=1), T0 + timedelta(hours=1), Reading())
    assert history.notifications() == [(T0 + timedelta(minutes=1), OK)]


def test_template_actions_are_read() -> None:
    properties = {
        "Namespace": "Ns", "MetricName": "M", "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1,
        "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": [TOPIC],
    }  # fmt: skip
    read = MetricAlarm.from_properties("a", properties)
    assert (read.actions_on(ALARM), read.actions_on(OK)) == ((TOPIC,), ())
    assert MetricAlarm.from_properties("a", properties | {"ActionsEnabled": False}).actions_on(ALARM) == ()


# --- log metric filters ------------------------------------------------------------------------------

FILTERED = MetricId("Ns", "Matches")


def metric_filter(pattern: str, **transformation: object) -> MetricFilter:
    return MetricFilter.from_properties(
        "f",
        {
            "LogGroupName": "/aws/lambda/f",
            "FilterPattern": pattern,
            "MetricTransformations": [{"MetricNamespace": "Ns", "MetricName": "Matches", "MetricValue": "1"}
                                      | transformation],
        },
    )  # fmt: skip


@pytest.mark.parametrize(
    ("pattern", "message", "matched"),
    [
        # The User Guide's examples ("Using filter patterns to match terms in log events"), quoted.
        ('"ERROR"', "[ERROR 400] BAD REQUEST", True),
        ('"ERROR" "ARGUMENTS"', "[ERROR 419] MISSING ARGUMENTS", True),
        ('"ERROR" "ARGUMENTS"', "[ERROR 400] BAD REQUEST", False),
        ('?"ERROR" ?"ARGUMENTS"', "[ERROR 400] BAD REQUEST", True),
        ('?"ERROR" ?"ARGUMENTS"', "[WARN 419] MISSING ARGUMENTS", True),
        ('?"ERROR" ?"ARGUMENTS"', "[WARN 200] OK", False),
        ('"INTERNAL SERVER ERROR"', "[ERROR 500] INTERNAL SERVER ERROR", True),
        ('"INTERNAL SERVER ERROR"', "[ERROR 500] INTERNAL ERROR", False),
        ('"ERROR" -"ARGUMENTS"', "[ERROR 401] UNAUTHORIZED REQUEST", True),
        ('"ERROR" -"ARGUMENTS"', "[ERROR 420] INVALID ARGUMENTS", False),
        # "Filter patterns are case sensitive."
        ('"ERROR"', "[error 400] bad request", False),
    ],
)
def test_term_patterns_match_as_documented(pattern: str, message: str, matched: bool) -> None:
    assert TermPattern.parse(pattern).matches(message) is matched


@pytest.mark.parametrize(
    "pattern",
    ["ERROR", '?"ERROR" "ARGUMENTS"', '-"ERROR"', '{ $.level = "ERROR" }', "[ip, user, status = 404]", "", '" "'],
)
def test_patterns_the_model_does_not_know_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        TermPattern.parse(pattern)


def test_a_term_pattern_cannot_have_dimensions_nor_a_field_as_its_value() -> None:
    """ "Dimensions ... only available for JSON and space-delimited filter patterns", whose fields MetricValue could
    also name."""
    with pytest.raises(ValueError, match="dimensions are only available"):
        metric_filter('"ERROR"', Dimensions=[{"Key": "Function", "Value": "$.function"}])
    with pytest.raises(ValueError, match="no fields"):
        metric_filter('"ERROR"', MetricValue="$.count")


def test_a_filter_counts_matching_events_from_its_creation_at_their_timestamps() -> None:
    """ "Filters do not retroactively filter data"; without a DefaultValue "CloudWatch won't report data when your
    metric filter doesn't find a match"; with one, each minute that had events and no match gets it, and a minute
    without events gets nothing."""
    events = [
        LogEvent(T0, "ERROR before the filter"),
        LogEvent(T0 + timedelta(minutes=5), "ERROR one"),
        LogEvent(T0 + timedelta(minutes=5, seconds=30), "ERROR two"),
        LogEvent(T0 + timedelta(minutes=7), "all fine"),
    ]
    minute = int(T0.timestamp() // 60)
    plain, defaulted = Metrics(), Metrics()
    metric_filter('"ERROR"').apply(events, plain, created=T0 + timedelta(minutes=1))
    metric_filter('"ERROR"', DefaultValue=0).apply(events, defaulted, created=T0 + timedelta(minutes=1))
    assert [plain.in_window(FILTERED, minute + k, minute + k + 1) for k in (0, 5, 6, 7)] == [[], [1, 1], [], []]
    assert [defaulted.in_window(FILTERED, minute + k, minute + k + 1) for k in (0, 5, 6, 7)] == [[], [1, 1], [], [0]]


def test_a_metric_filter_needs_its_log_group() -> None:
    groups = LogGroups()
    with pytest.raises(ValueError, match="ResourceNotFoundException"):
        groups.put_metric_filter(metric_filter('"ERROR"'), T0)
    groups.create("/aws/lambda/f")
    groups.put_metric_filter(metric_filter('"ERROR"'), T0)
    groups.write("/aws/lambda/f", T0 + timedelta(minutes=3), "ERROR")
    minute = int(T0.timestamp() // 60)
    assert groups.into(Metrics()).in_window(FILTERED, minute, minute + 10) == [1]
