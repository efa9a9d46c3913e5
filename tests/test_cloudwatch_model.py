"""The CloudWatch alarm model (tests/support/cloudwatch.py) reproduces the documentation's own examples.

Each table below is the User Guide's, row by row ("Configuring how CloudWatch alarms treat missing data"):
datapoints oldest first, 0 within the threshold, X breaching, - missing; the state for MISSING, IGNORE,
BREACHING and NOT BREACHING. "retain" is IGNORE's "Retain current state", checked from both OK and ALARM.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.cloudwatch import (
    MetricAlarm,
    MetricId,
    Metrics,
    Reading,
    State,
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
