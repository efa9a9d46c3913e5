"""Amazon CloudWatch metric alarms as AWS documents them: the model the alerts are tested against.

CloudWatch, not this project, decides when an alarm pages, so ``deploy/alerts.yaml`` is tested
against this model of the documentation, fed with the log lines of real handler runs. What it
follows, and where AWS says so:

Amazon CloudWatch User Guide, "Using Amazon CloudWatch alarms"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):

- "Evaluating an alarm": Period, Evaluation Periods (N), Datapoints to Alarm (M). "For any period
  of one minute or longer, an alarm is evaluated every minute", on the periods that end with that
  minute ("at the end of minute 5 the alarm evaluates based on data from minutes 1 to 5"). "If the
  number of evaluation periods multiplied by the length of each evaluation period exceeds one
  day, the alarm is evaluated once per hour", taking "into account only the metrics up to the
  current hour at the :00 minute".
- "Alarm actions": actions happen "only on state transitions" (SNS notifications included), and an
  alarm has actions of its own for each state (AlarmActions, OKActions, InsufficientDataActions; API
  Reference, PutMetricAlarm), so a notification is a transition *into a state that has actions*
  (:meth:`History.notifications`). A new alarm starts in INSUFFICIENT_DATA; its first evaluation is a
  transition like any other.
- "Configuring how CloudWatch alarms treat missing data", "How alarm state is evaluated when data
  is missing": CloudWatch retrieves more datapoints than N, the *evaluation range*. With none
  missing, or at least N real ones, the N most recent real datapoints decide and the setting
  for missing data is not used; with fewer than N real ones, missing datapoints are filled "as
  few times as possible", every real datapoint of the range still counts, and fewer than M
  breaching means OK. ``missing``: "If all data points in the alarm evaluation range are missing,
  the alarm transitions to INSUFFICIENT_DATA"; ``ignore``: "The current alarm state is
  maintained". Two tables of examples (N=3, M=3 and M=2, range 5), and "Avoiding premature
  transitions to alarm state": ALARM "when the oldest available breaching datapoint ... is at
  least as old as the value of Datapoints to Alarm, and all other more recent data points are
  breaching or missing". The 2019 edition of the page (awsdocs/amazon-cloudwatch-user-guide,
  doc_source/AlarmThatSendsEmail.md) has two more rows, ``- - - - X`` and ``X - - - -``.
- "Alarms on math expressions": a datapoint "is considered missing if the math expression doesn't
  return a value for that data point". Metric math, ``FILL``: "Fills the missing values of a
  time series".

CloudWatch API Reference, PutMetricAlarm: Period is 10, 20, 30 or a multiple of 60; Period x
EvaluationPeriods at most 86,400 s for periods under an hour, at most 604,800 s otherwise;
DatapointsToAlarm between 1 and EvaluationPeriods; TreatMissingData ``breaching``,
``notBreaching``, ``ignore`` or ``missing`` (the default). An alarm names one metric by namespace,
name and all of its dimensions ("you must include all of the dimensions for the custom metric").

Embedded Metric Format specification: "Every DimensionSet used creates a new metric"; "A
DimensionSet MAY be empty". Standard-resolution values are stored per minute.

A value carries two moments: its timestamp (the minute it is stored under) and the minute it becomes
visible. AWS Lambda Developer Guide, "Working with Lambda function metrics": "The timestamp on a metric
reflects when the function was invoked. Depending on the duration of the invocation, this can be
several minutes before the metric is emitted. For example, if your function has a 10-minute timeout,
look more than 10 minutes in the past for accurate metrics." An evaluation at minute m sees only values
visible by m, in the periods their timestamps fall into; the model evaluates at the minute a value
becomes visible as well as at period boundaries (:func:`simulate`).

CloudWatch Logs User Guide, "Creating metrics from log events using filters" and "Filter and pattern
syntax" (:class:`MetricFilter`): a metric filter turns matching log events of one log group into a
metric value ("Filters do not retroactively filter data": only events from the filter's creation on);
"Filter patterns are case sensitive. Enclose exact phrases and terms that include non-alphanumeric
characters in double quotation marks"; terms side by side must all appear, ``?term ?term`` matches
either, ``-term`` excludes; "Dimensions ... only available for JSON and space-delimited filter
patterns"; DefaultValue is "the value reported ... during a period when logs are ingested but no
matching logs are found ... If no logs are ingested during a one-minute period, then no value is
reported", and without one "CloudWatch won't report data when your metric filter doesn't find a
match".

What the documentation leaves open, and what the model does about it (:class:`Reading`):

- the length of the evaluation range "depends on the length of the alarm period"; the one example
  is N=3 with a range of 5. ``extra`` is how many periods the range adds to N (default 2, as in
  the example); the alerts' tests run every scenario with several values, so no design rests on
  one guess.
- ``FILL`` over a range without a single datapoint: ``fill_empty`` says whether it fills (True) or
  returns nothing (False); the alerts' tests run both.
- when ``missing``/``ignore`` meet fewer than N real datapoints that all breach, fewer than M,
  and the oldest is younger than M periods: the 2019 table answers INSUFFICIENT_DATA (``ignore``:
  the state it had), which the rule in :func:`judge` follows; with that, every row of both
  editions' tables comes out as printed (``tests/test_cloudwatch_model.py``).
- the delay between a log line and its metric is not modelled: a value written in a log line is visible
  from its own minute; a value published later (Lambda's Errors) says when (``Metrics.put(visible=)``).
- a metric filter's value is stored under its log event's timestamp (AWS does not say; for a line
  written at the end of an invocation, as Lambda's timeout line is, the timestamp and the moment it is
  ingested are the same minute). Only term patterns of quoted phrases are modelled; JSON,
  space-delimited and bare-word patterns are refused rather than guessed at.
- "If data points are missing soon after you create an alarm, and the metric was being reported to
  CloudWatch before you created the alarm, CloudWatch retrieves the most recent data points from
  before the alarm was created": not modelled; simulations start with data in the range.
- a multi-day alarm is evaluated on the hour (the documentation's example evaluates at :03, on the
  data up to :00): the model records its state at :00.
"""

from __future__ import annotations

import bisect
import math
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class State(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


TREATMENTS = ("breaching", "notBreaching", "ignore", "missing")
STATISTICS: dict[str, Callable[[Sequence[float]], float]] = {
    "SampleCount": lambda values: float(len(values)),
    "Sum": lambda values: math.fsum(values),
    "Average": lambda values: math.fsum(values) / len(values),
    "Minimum": min,
    "Maximum": max,
}
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
DAY = 86_400
WEEK = 7 * DAY
_MINUTE = 60
_HOUR = 3600
# AWS::CloudWatch::Alarm properties that change nothing about the state (the actions say who is told of it).
_INERT = {"AlarmName", "AlarmDescription"}
_ACTIONS = {"AlarmActions": "ALARM", "OKActions": "OK", "InsufficientDataActions": "INSUFFICIENT_DATA"}
_FILL = re.compile(r"^FILL\(\s*([a-z][a-zA-Z0-9_]*)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)$")


@dataclass(frozen=True, slots=True)
class MetricId:
    """One metric: namespace, name and the exact set of its dimensions."""

    namespace: str
    name: str
    dimensions: frozenset[tuple[str, str]] = frozenset()


@dataclass
class Metrics:
    """Values as CloudWatch stores them at standard resolution: per metric, by minute, each visible from a minute on."""

    _minutes: dict[MetricId, list[int]] = field(default_factory=lambda: defaultdict(list))
    _values: dict[MetricId, list[float]] = field(default_factory=lambda: defaultdict(list))
    _visible: dict[MetricId, list[int]] = field(default_factory=lambda: defaultdict(list))

    def put(self, metric: MetricId, at: datetime, value: float, *, visible: datetime | None = None) -> None:
        """A value timestamped ``at``; seen by evaluations from the end of the minute it becomes ``visible``
        (by default its own: a value written in a log line is there as soon as the line is)."""
        minute = _minute(at)
        shown = minute if visible is None else _minute(visible)
        if shown < minute:
            raise ValueError(f"{metric.name}: a value cannot be visible before its own timestamp")
        minutes = self._minutes[metric]
        index = bisect.bisect_right(minutes, minute)
        minutes.insert(index, minute)
        self._values[metric].insert(index, float(value))
        self._visible[metric].insert(index, shown)

    def put_emf(self, line: Mapping[str, Any]) -> None:
        """The metrics CloudWatch Logs extracts from one log line in Embedded Metric Format."""
        metadata = line.get("_aws")
        if not isinstance(metadata, Mapping):
            return
        at = datetime.fromtimestamp(metadata["Timestamp"] / 1000, UTC)
        for directive in metadata["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((str(key), str(line[key])) for key in dimension_set)
                for definition in directive["Metrics"]:
                    value = line[definition["Name"]]
                    for each in value if isinstance(value, list) else [value]:
                        self.put(MetricId(directive["Namespace"], definition["Name"], dimensions), at, each)

    def in_window(self, metric: MetricId, start: int, end: int, seen_by: int | None = None) -> list[float]:
        """Values of minutes ``start`` (inclusive) to ``end`` (exclusive), minutes since the epoch; with ``seen_by``,
        only those visible before that minute (an evaluation at the end of minute ``seen_by - 1``)."""
        minutes = self._minutes.get(metric, [])
        low, high = bisect.bisect_left(minutes, start), bisect.bisect_left(minutes, end)
        values, visible = self._values[metric][low:high], self._visible[metric][low:high]
        return [v for v, shown in zip(values, visible, strict=True) if seen_by is None or shown < seen_by]

    def minutes_of(self, metric: MetricId) -> list[int]:
        return list(self._minutes.get(metric, []))

    def moments_of(self, metric: MetricId) -> list[tuple[int, int]]:
        """(timestamp minute, minute it becomes visible) of each value."""
        return list(zip(self._minutes.get(metric, []), self._visible.get(metric, []), strict=True))


@dataclass(frozen=True, slots=True)
class Reading:
    """How the model settles what the documentation leaves open (see the module's docstring)."""

    extra: int = 2
    fill_empty: bool = True


@dataclass(frozen=True, slots=True)
class MetricAlarm:
    """A metric alarm, as PutMetricAlarm takes it; refused when PutMetricAlarm would refuse it."""

    name: str
    metric: MetricId
    statistic: str
    period: int
    evaluation_periods: int
    threshold: float
    comparison: str
    datapoints_to_alarm: int | None = None
    treat_missing_data: str = "missing"
    fill: float | None = None  # the alarm watches FILL(metric, fill) rather than the metric itself
    # What each state's transition into it does: (state, targets) pairs (PutMetricAlarm's AlarmActions,
    # OKActions, InsufficientDataActions); ActionsEnabled false runs none of them.
    actions: tuple[tuple[State, tuple[str, ...]], ...] = ()
    actions_enabled: bool = True

    def __post_init__(self) -> None:
        n, m = self.evaluation_periods, self.datapoints
        if not (self.period in (10, 20, 30) or (self.period > 0 and self.period % 60 == 0)):
            raise ValueError(f"{self.name}: Period {self.period} is not 10, 20, 30 or a multiple of 60")
        if self.period < _MINUTE:
            raise ValueError(f"{self.name}: high-resolution alarms (evaluated every 10 s) are not modelled")
        limit = DAY if self.period < _HOUR else WEEK
        if n < 1 or self.period * n > limit:
            raise ValueError(f"{self.name}: Period x EvaluationPeriods = {self.period * n} s exceeds {limit} s")
        if not 1 <= m <= n:
            raise ValueError(f"{self.name}: DatapointsToAlarm {m} is not between 1 and EvaluationPeriods {n}")
        if self.statistic not in STATISTICS:
            raise ValueError(f"{self.name}: statistic {self.statistic!r} is not one of {sorted(STATISTICS)}")
        if self.comparison not in COMPARISONS:
            raise ValueError(f"{self.name}: comparison {self.comparison!r} is not one of {sorted(COMPARISONS)}")
        if self.treat_missing_data not in TREATMENTS:
            raise ValueError(f"{self.name}: TreatMissingData {self.treat_missing_data!r} is not one of {TREATMENTS}")

    @property
    def datapoints(self) -> int:
        """M: DatapointsToAlarm, which defaults to EvaluationPeriods."""
        return self.datapoints_to_alarm if self.datapoints_to_alarm is not None else self.evaluation_periods

    @property
    def multi_day(self) -> bool:
        return self.period * self.evaluation_periods > DAY

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison](value, self.threshold)

    def actions_on(self, state: State) -> tuple[str, ...]:
        """The targets told when the alarm goes into ``state`` (none while actions are disabled)."""
        if not self.actions_enabled:
            return ()
        return next((targets for each, targets in self.actions if each == state), ())

    @classmethod
    def from_properties(cls, name: str, properties: Mapping[str, Any]) -> MetricAlarm:
        """The alarm an ``AWS::CloudWatch::Alarm``'s resolved properties describe.

        Either a metric (Namespace, MetricName, Dimensions, Statistic, Period) or ``Metrics`` holding
        one MetricStat and one ``FILL(id, number)`` expression over it; anything else is refused, so
        a template cannot lean on something the model does not know.
        """
        evaluation = {
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
        }
        if "Metrics" in properties:
            unknown = set(properties) - _INERT - evaluation - {"Metrics"}
            metric, statistic, period, fill = _filled_metric(name, properties["Metrics"])
        else:
            single = {"Namespace", "MetricName", "Dimensions", "Statistic", "Period"}
            unknown = set(properties) - _INERT - evaluation - single
            metric = MetricId(
                str(properties["Namespace"]), str(properties["MetricName"]), _dimensions(properties.get("Dimensions"))
            )
            statistic, period, fill = str(properties["Statistic"]), int(properties["Period"]), None
        unknown -= set(_ACTIONS) | {"ActionsEnabled"}
        if unknown:
            raise ValueError(f"{name}: the model does not know {sorted(unknown)}")
        points = properties.get("DatapointsToAlarm")
        actions = tuple(
            (State(state), tuple(str(target) for target in properties[key]))
            for key, state in _ACTIONS.items()
            if properties.get(key)
        )
        enabled = properties.get("ActionsEnabled", True)
        return cls(
            name=name,
            metric=metric,
            statistic=statistic,
            period=period,
            evaluation_periods=int(properties["EvaluationPeriods"]),
            datapoints_to_alarm=None if points is None else int(points),
            threshold=float(properties["Threshold"]),
            comparison=str(properties["ComparisonOperator"]),
            treat_missing_data=str(properties.get("TreatMissingData", "missing")),
            fill=fill,
            actions=actions,
            actions_enabled=enabled in (True, "true", "True"),
        )


def judge(points: Sequence[bool | None], n: int, m: int, treatment: str, previous: State) -> State:
    """The state the evaluation range's datapoints give, oldest first: True breaching, False not, None missing."""
    real = [(age, point) for age, point in enumerate(reversed(points), start=1) if point is not None]
    if len(real) >= n:  # enough real datapoints: the N most recent decide, missing data is not looked at
        return State.ALARM if sum(point for _, point in real[:n]) >= m else State.OK
    breaching = sum(point for _, point in real)
    if treatment in ("breaching", "notBreaching"):  # filled as few times as possible; every real one counts
        filled = (n - len(real)) if treatment == "breaching" else 0
        return State.ALARM if breaching + filled >= m else State.OK
    undecided = State.INSUFFICIENT_DATA if treatment == "missing" else previous
    if not real:
        return undecided
    if breaching >= m:
        return State.ALARM
    if breaching < len(real):  # a real datapoint within the threshold
        return State.OK
    oldest_age = real[-1][0]
    if oldest_age >= m:  # "avoiding premature transitions": old enough to be no blip
        return State.ALARM if treatment == "missing" else previous
    return undecided


def datapoints(alarm: MetricAlarm, metrics: Metrics, end: int, reading: Reading) -> list[float | None]:
    """The evaluation range's datapoints, oldest first, for periods ending at minute ``end``."""
    width = alarm.period // _MINUTE
    count = alarm.evaluation_periods + reading.extra
    points: list[float | None] = []
    for k in range(count, 0, -1):
        values = metrics.in_window(alarm.metric, end - k * width, end - (k - 1) * width, seen_by=end)
        points.append(STATISTICS[alarm.statistic](values) if values else None)
    if alarm.fill is not None and (reading.fill_empty or any(p is not None for p in points)):
        points = [alarm.fill if point is None else point for point in points]
    return points


def evaluate(alarm: MetricAlarm, metrics: Metrics, end: int, previous: State, reading: Reading) -> State:
    points = [None if p is None else alarm.breaches(p) for p in datapoints(alarm, metrics, end, reading)]
    return judge(points, alarm.evaluation_periods, alarm.datapoints, alarm.treat_missing_data, previous)


@dataclass(frozen=True)
class History:
    """An alarm's states from ``start``: the first evaluation's, then every transition (each one notifies)."""

    alarm: MetricAlarm
    changes: tuple[tuple[datetime, State], ...]

    def state_at(self, moment: datetime) -> State:
        state = State.INSUFFICIENT_DATA  # "The alarm has just started"
        for at, new in self.changes:
            if at > moment:
                break
            state = new
        return state

    def transitions(self) -> list[tuple[datetime, State, State]]:
        """(when, from, to) of every change of state after the first evaluation."""
        return [(at, old, new) for (_, old), (at, new) in zip(self.changes, self.changes[1:], strict=False)]

    def notifications(self) -> list[tuple[datetime, State]]:
        """(when, state) of every transition into a state that has actions: what the targets are told. The first
        evaluation counts too when it leaves INSUFFICIENT_DATA, the state every new alarm starts in."""
        moves = [(at, new) for at, _, new in self.transitions()]
        if self.changes and self.changes[0][1] is not State.INSUFFICIENT_DATA:
            moves.insert(0, self.changes[0])
        return [(at, state) for at, state in moves if self.alarm.actions_on(state)]


def simulate(alarm: MetricAlarm, metrics: Metrics, start: datetime, stop: datetime, reading: Reading) -> History:
    """Evaluate the alarm on CloudWatch's schedule from ``start`` to ``stop`` (the alarm created at ``start``)."""
    state = State.INSUFFICIENT_DATA
    changes: list[tuple[datetime, State]] = []
    for minute in _evaluation_minutes(alarm, metrics, _minute(start), _minute(stop), reading):
        new = evaluate(alarm, metrics, minute, state, reading)
        if not changes or new != state:
            changes.append((_moment(minute), new))
        state = new
    return History(alarm, tuple(changes))


def _evaluation_minutes(alarm: MetricAlarm, metrics: Metrics, first: int, last: int, reading: Reading) -> Iterator[int]:
    """When CloudWatch evaluates: every minute, or every hour (on the hour's data) for multi-day alarms.

    Evaluating every minute of a simulated week is slow, and needless: the state can change only
    when a datapoint of the range changes, which is when a value becomes visible (the end of that
    minute) or enters or leaves one of its periods (a minute after it, then every period). Those
    minutes, and the first, are evaluated; at the others the state is what it was.
    """
    if alarm.multi_day:
        hour = -(-first // 60) * 60
        yield from range(hour, last + 1, 60)
        return
    width = alarm.period // _MINUTE
    reach = alarm.evaluation_periods + reading.extra
    moments = {first}
    for minute, visible in metrics.moments_of(alarm.metric):
        moments.add(visible + 1)
        moments.update(minute + 1 + j * width for j in range(reach + 1))
    yield from sorted(m for m in moments if first <= m <= last)


# --- CloudWatch Logs metric filters ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogEvent:
    timestamp: datetime
    message: str


@dataclass(frozen=True, slots=True)
class TermPattern:
    """A filter pattern of quoted terms: all ``required`` ones, or any one of ``any_of``, and none of ``excluded``.

    The forms the User Guide shows ("ERROR ARGUMENTS", "?ERROR ?ARGUMENTS", "ERROR -ARGUMENTS", "INTERNAL SERVER
    ERROR" in quotes), with every term quoted; a quoted phrase is matched as it is written, case and all, anywhere in
    the message. Anything else (bare words, whose word boundaries the guide does not define; ``?`` mixed with other
    terms, which it does not show; JSON and space-delimited patterns) is refused.
    """

    required: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    @classmethod
    def parse(cls, pattern: str) -> TermPattern:
        text = pattern.strip()
        if not text or text[0] in "{[":
            raise ValueError(f"{pattern!r}: only term patterns of quoted phrases are modelled")
        terms: dict[str, list[str]] = {"": [], "?": [], "-": []}
        for prefix, phrase, bare in _TERM.findall(text):
            if bare or not phrase.strip() or "\\" in phrase:
                raise ValueError(f"{pattern!r}: every term must be a quoted phrase (no escapes)")
            terms[prefix].append(phrase)
        if terms["?"] and (terms[""] or terms["-"]):
            raise ValueError(f"{pattern!r}: ?terms mixed with other terms are not documented")
        if terms["-"] and not terms[""]:
            raise ValueError(f"{pattern!r}: an exclusion needs a term to include")
        return cls(tuple(terms[""]), tuple(terms["?"]), tuple(terms["-"]))

    def matches(self, message: str) -> bool:
        if any(term in message for term in self.excluded):
            return False
        if self.any_of:
            return any(term in message for term in self.any_of)
        return all(term in message for term in self.required)


_TERM = re.compile(r'([?-]?)(?:"([^"]*)"|(\S+))')


@dataclass(frozen=True, slots=True)
class MetricFilter:
    """An ``AWS::Logs::MetricFilter`` as PutMetricFilter takes it, for term patterns."""

    name: str
    log_group: str
    pattern: TermPattern
    metric: MetricId
    value: float
    default: float | None = None

    @classmethod
    def from_properties(cls, name: str, properties: Mapping[str, Any]) -> MetricFilter:
        unknown = set(properties) - {"LogGroupName", "FilterPattern", "MetricTransformations", "FilterName"}
        if unknown:
            raise ValueError(f"{name}: the model does not know {sorted(unknown)}")
        (transformation,) = properties["MetricTransformations"]  # PutMetricFilter takes exactly one
        unknown = set(transformation) - {"MetricName", "MetricNamespace", "MetricValue", "DefaultValue", "Unit"}
        if "Dimensions" in transformation:
            raise ValueError(f"{name}: dimensions are only available for JSON and space-delimited filter patterns")
        if unknown:
            raise ValueError(f"{name}: the model does not know {sorted(unknown)}")
        value = str(transformation["MetricValue"])
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            raise ValueError(f"{name}: a term pattern has no fields for MetricValue {value!r} to name")
        default = transformation.get("DefaultValue")
        return cls(
            name=name,
            log_group=str(properties["LogGroupName"]),
            pattern=TermPattern.parse(str(properties["FilterPattern"])),
            metric=MetricId(str(transformation["MetricNamespace"]), str(transformation["MetricName"])),
            value=float(value),
            default=None if default is None else float(default),
        )

    def apply(self, events: Iterable[LogEvent], metrics: Metrics, created: datetime) -> None:
        """Turn the log group's events from ``created`` on into values: MetricValue for each match, at the event's
        timestamp; DefaultValue (if any) for each minute that had events and no match."""
        matched: set[int] = set()
        seen: dict[int, datetime] = {}
        for event in events:
            if event.timestamp < created:
                continue  # "Filters do not retroactively filter data"
            seen.setdefault(_minute(event.timestamp), event.timestamp)
            if self.pattern.matches(event.message):
                matched.add(_minute(event.timestamp))
                metrics.put(self.metric, event.timestamp, self.value)
        if self.default is not None:
            for minute, at in sorted(seen.items()):
                if minute not in matched:
                    metrics.put(self.metric, at, self.default)


@dataclass
class LogGroups:
    """CloudWatch Logs' log groups with their events, and metric filters, which only an existing group takes."""

    events: dict[str, list[LogEvent]] = field(default_factory=dict)
    filters: list[tuple[MetricFilter, datetime]] = field(default_factory=list)

    def create(self, name: str) -> None:
        if name in self.events:
            raise ValueError(f"ResourceAlreadyExistsException: log group {name} exists")
        self.events[name] = []

    def write(self, name: str, at: datetime, message: str) -> None:
        if name not in self.events:  # Lambda makes its function's group on the first write (no retention)
            self.events[name] = []
        self.events[name].append(LogEvent(at, message))

    def put_metric_filter(self, metric_filter: MetricFilter, created: datetime) -> None:
        if metric_filter.log_group not in self.events:
            group = metric_filter.log_group
            raise ValueError(f"ResourceNotFoundException: The specified log group does not exist: {group}")
        self.filters.append((metric_filter, created))

    def into(self, metrics: Metrics) -> Metrics:
        for metric_filter, created in self.filters:
            metric_filter.apply(self.events[metric_filter.log_group], metrics, created)
        return metrics


def _filled_metric(name: str, queries: Sequence[Mapping[str, Any]]) -> tuple[MetricId, str, int, float]:
    stats = [q for q in queries if "MetricStat" in q]
    expressions = [q for q in queries if "Expression" in q]
    if len(stats) != 1 or len(expressions) != 1 or len(queries) != 2:
        raise ValueError(f"{name}: the model knows one MetricStat under one FILL expression, not {queries}")
    (stat,), (expression,) = stats, expressions
    if stat.get("ReturnData", True) or not expression.get("ReturnData", True):
        raise ValueError(f"{name}: only the expression may return data")
    match = _FILL.match(str(expression["Expression"]))
    if match is None or match.group(1) != stat["Id"]:
        raise ValueError(f"{name}: {expression['Expression']!r} is not FILL({stat['Id']}, <number>)")
    spec = stat["MetricStat"]
    metric = spec["Metric"]
    identity = MetricId(str(metric["Namespace"]), str(metric["MetricName"]), _dimensions(metric.get("Dimensions")))
    return identity, str(spec["Stat"]), int(spec["Period"]), float(match.group(2))


def _dimensions(dimensions: Sequence[Mapping[str, Any]] | None) -> frozenset[tuple[str, str]]:
    return frozenset((str(d["Name"]), str(d["Value"])) for d in dimensions or ())


def _minute(moment: datetime) -> int:
    return math.floor(moment.timestamp() / _MINUTE)


def _moment(minute: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=minute)
