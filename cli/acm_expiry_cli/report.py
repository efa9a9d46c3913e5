"""Reports of an `acm-expiry scan`: one :class:`Report` in, text in one of :data:`FORMATS` out.

Pure rendering: no AWS, no clock, no randomness, so the same report always renders to the same
text. Every format ends with a newline; write it as is (``out.write(render(...))``).

``table``
    For a terminal. Columns: ACCOUNT (only when the rows span more than one account), REGION,
    DOMAIN, TYPE, EXPIRES (the date), DAYS, VERDICT, ANNOTATION; missing values print ``-``. Every
    line of the table fits ``width`` columns (120 by default): domains are clipped with "…" to
    :data:`DOMAIN_MAX` characters, and the annotation, last, gets what is left of the line and is
    clipped with "…" (when that is less than :data:`ANNOTATION_MIN`, domains give up room down to
    :data:`DOMAIN_MIN`; were even the other columns too wide, whole lines would be clipped). With
    ``wide=True`` the KEY, IN USE and ARN columns are added and nothing is clipped. Then a blank
    line and one summary line, never clipped (the summary alone when there are no rows)::

        20 certificate(s) in 3 region(s) of 2 account(s), 30-day window: 9 COMPLIANT, ...

    (R counts distinct region names; "of A account(s)" only appears for more than one account.)

``csv``
    RFC 4180: "\\r\\n" line ends, fields quoted only when needed, one header row
    (:data:`CSV_FIELDS`), one record per row, full values. ``expires`` is
    ``YYYY-MM-DDTHH:MM:SSZ``, ``in_use`` is ``true``/``false``; missing values are empty cells.

``json``
    One object: ``window``, ``scannedAt``, ``source``, ``rows`` (objects with the CSV's fields in
    camelCase, ``null`` for missing values) and ``summary``: ``certificates``, the count of each
    verdict, and ``byAccountRegion``, those counts per (account, region) sorted by account then
    region. Indented by 2; ASCII only ("…" is written ``\\u2026``).

``html``
    One self-contained page: inline ``<style>``, no script, no external resource. A heading with
    the source and the scan time; a summary (counts by verdict, the window, what the timeline
    leaves out); an inline SVG timeline; a table of every row with every column, values in full.
    Every value is HTML-escaped.

    The timeline covers exactly the :data:`TIMELINE_DAYS` (90) days after ``scanned_at`` in
    :data:`TIMELINE_WEEKS` (13) bars: bar k (``data-week="k"``, 0-based) counts the certificates
    whose ``expires - scanned_at`` lies in [7k, 7k + 7) days, and the 13th bar (k = 12) is the
    short one, days [84, 90). Each bar stacks a NON_COMPLIANT and a COMPLIANT segment; each
    segment is a ``<rect>`` with ``data-week``, ``data-verdict`` and ``data-count`` and a
    ``<title>`` tooltip (no rect for an empty segment). Not in the timeline, but counted in the
    summary: NOT_APPLICABLE rows (never issued, or exempt), rows without an expiry date, expired
    rows (``expires <= scanned_at`` or ``days_left < 1``), and rows expiring 90 days or more after
    ``scanned_at`` ("N expire later than 90 days").
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

FORMATS = ("table", "csv", "json", "html")
# acm_expiry.verdict.Compliance's values, in its order (this module needs nothing but the standard library).
VERDICTS = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
CSV_FIELDS = (
    "account",
    "region",
    "arn",
    "domain",
    "type",
    "key_algorithm",
    "in_use",
    "expires",
    "days_left",
    "verdict",
    "annotation",
)
DEFAULT_WIDTH = 120
DOMAIN_MAX = 24  # the table's DOMAIN column, unless wide
DOMAIN_MIN = 16  # ... when it gives room to the annotation
ANNOTATION_MIN = 20  # the room the annotation should get before domains are clipped further
ELLIPSIS = "…"
MISSING = "-"
TIMELINE_DAYS = 90
TIMELINE_WEEKS = 13  # 12 weeks of 7 days, then one of 6: exactly TIMELINE_DAYS
WEEK = timedelta(days=7)
HORIZON = timedelta(days=TIMELINE_DAYS)


@dataclass(frozen=True, slots=True)
class Row:
    """One certificate as the rule judged it."""

    account: str  # 12-digit account id
    region: str
    arn: str
    domain: str
    type: str | None  # IMPORTED | AMAZON_ISSUED | PRIVATE | None
    key_algorithm: str | None
    in_use: bool | None
    expires: datetime | None  # timezone-aware UTC; None for never-issued certificates
    days_left: int | None  # the rule's number: rounded up while valid, negative once expired, None if no date
    verdict: str  # COMPLIANT | NON_COMPLIANT | NOT_APPLICABLE
    annotation: str  # up to 256 characters


@dataclass(frozen=True, slots=True)
class Report:
    """A scan: its rows, already sorted, and what they came from."""

    window: int  # daysToExpiration
    scanned_at: datetime  # timezone-aware UTC
    rows: tuple[Row, ...]  # what the report shows
    source: str  # e.g. "ACM in 123456789012: us-east-1, eu-west-1" or "Config aggregator org-agg"
    regions: tuple[str, ...] = ()  # every region scanned, certificates or not (default: the rows')
    scanned: tuple[Row, ...] | None = None  # every row of the scan, when ``rows`` shows only some

    @property
    def all_rows(self) -> tuple[Row, ...]:
        """The whole scan, which summaries count (``rows`` may be a filtered part of it)."""
        return self.rows if self.scanned is None else self.scanned


def render(report: Report, output_format: str, *, wide: bool = False, width: int = DEFAULT_WIDTH) -> str:
    """The report in one of :data:`FORMATS`; ``wide`` and ``width`` only matter to ``table``.

    Raises :class:`ValueError` for an unknown format, a width under 1, a naive datetime or an
    unknown verdict.
    """
    if output_format not in FORMATS:
        raise ValueError(f"unknown report format {output_format!r}: expected one of {', '.join(FORMATS)}")
    if width < 1:
        raise ValueError(f"width must be at least 1, not {width}")
    _check(report)
    if output_format == "table":
        return _table(report, wide, width)
    if output_format == "csv":
        return _csv(report)
    if output_format == "json":
        return _json(report)
    return _html(report)


def _check(report: Report) -> None:
    if report.scanned_at.tzinfo is None:
        raise ValueError("scanned_at must be timezone-aware")
    for row in report.all_rows + (report.rows if report.scanned is not None else ()):
        if row.expires is not None and row.expires.tzinfo is None:
            raise ValueError(f"{row.arn}: expires must be timezone-aware")
        if row.verdict not in VERDICTS:
            raise ValueError(f"{row.arn}: unknown verdict {row.verdict!r}")


# Shared pieces -------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}(s)"


def _verdict_counts(rows: Iterable[Row]) -> dict[str, int]:
    counts = Counter(row.verdict for row in rows)
    return {verdict: counts[verdict] for verdict in VERDICTS}


def _accounts(report: Report) -> list[str]:
    return sorted({row.account for row in report.all_rows})


def _scope(report: Report) -> str:
    """The summary's "N certificate(s) in R region(s)", plus " of A account(s)" when there are several."""
    regions = len(set(report.regions) | {row.region for row in report.all_rows})
    accounts = len(_accounts(report))
    scope = f"{_plural(len(report.all_rows), 'certificate')} in {_plural(regions, 'region')}"
    return scope + (f" of {_plural(accounts, 'account')}" if accounts > 1 else "")


# table ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column:
    heading: str
    value: Callable[[Row], str | int | bool | None]
    right: bool = False  # right-aligned (numbers)


_ACCOUNT = _Column("ACCOUNT", lambda row: row.account)
_REGION = _Column("REGION", lambda row: row.region)
_DOMAIN = _Column("DOMAIN", lambda row: row.domain)
_TYPE = _Column("TYPE", lambda row: row.type)
_KEY = _Column("KEY", lambda row: row.key_algorithm)
_IN_USE = _Column("IN USE", lambda row: row.in_use)
_EXPIRES = _Column("EXPIRES", lambda row: _date(row.expires) if row.expires else None)
_DAYS = _Column("DAYS", lambda row: row.days_left, right=True)
_VERDICT = _Column("VERDICT", lambda row: row.verdict)
_ARN = _Column("ARN", lambda row: row.arn)
_ANNOTATION = _Column("ANNOTATION", lambda row: row.annotation)
# The annotation's first sentence for a dated certificate repeats the EXPIRES, DAYS and VERDICT
# columns ("Expires in 6 days (2026-12-08), within the 30-day window."; a COMPLIANT one "Expires on
# 2027-03-28, outside the 30-day window."); the narrow table shows what follows it, the advice,
# and wraps it rather than cutting it.
_SAID_BY_COLUMNS = re.compile(
    r"^Expires (?:in \d+ days \(\d{4}-\d{2}-\d{2}\)|within a day \(\d{4}-\d{2}-\d{2}\)|on \d{4}-\d{2}-\d{2}), "
    r"(?:within|outside) the \d+-day window\.\s*"
)
_NOTE = _Column("NOTE", lambda row: _SAID_BY_COLUMNS.sub("", row.annotation) or None)


def _table(report: Report, wide: bool, width: int) -> str:
    lines = _table_lines(report, wide, width) if report.rows else []
    if lines:
        lines.append("")
    shown = f"; {len(report.rows)} shown" if len(report.rows) != len(report.all_rows) else ""
    lines.append(f"{_scope(report)}, {report.window}-day window: {_counts_text(report.all_rows)}{shown}")
    return "\n".join(lines) + "\n"


def _counts_text(rows: Iterable[Row]) -> str:
    return ", ".join(f"{count} {verdict}" for verdict, count in _verdict_counts(rows).items())


def _table_columns(report: Report, wide: bool) -> list[_Column]:
    columns = [_ACCOUNT] if len(_accounts(report)) > 1 else []
    columns += [_REGION, _DOMAIN, _TYPE]
    if wide:
        columns += [_KEY, _IN_USE]
    columns += [_EXPIRES, _DAYS, _VERDICT]
    if wide:
        return [*columns, _ARN, _ANNOTATION]
    return [*columns, _NOTE]


def _table_lines(report: Report, wide: bool, width: int) -> list[str]:
    columns = _table_columns(report, wide)
    cells = [[_cell(column.value(row)) for column in columns] for row in report.rows]
    widths = _widths(columns, cells)
    if wide:
        lines = [_line([column.heading for column in columns], columns, widths)]
        lines.append("  ".join("-" * size for size in widths))
        return lines + [_line(line, columns, widths) for line in cells]
    domain = columns.index(_DOMAIN)
    _clip_column(cells, widths, domain, DOMAIN_MAX)
    room = width - _prefix_width(widths)
    if room < ANNOTATION_MIN:
        floor = max(DOMAIN_MIN, len(_DOMAIN.heading))
        room += _clip_column(cells, widths, domain, max(floor, widths[domain] - (ANNOTATION_MIN - room)))
    room = max(room, len(_NOTE.heading))
    widths[-1] = min(widths[-1], room)
    indent = " " * _prefix_width(widths)
    lines = [_line([column.heading for column in columns], columns, widths)]
    lines.append("  ".join("-" * size for size in widths))
    for line in cells:
        pieces = textwrap.wrap(line[-1], room, break_on_hyphens=False) or [MISSING]
        lines.append(_line([*line[:-1], pieces[0]], columns, widths))
        lines += [indent + piece for piece in pieces[1:]]
    return [_clip(line, width) for line in lines]  # a no-op unless width is very small


def _cell(value: str | int | bool | None) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    return " ".join(str(value).split()) or MISSING  # one line, whatever the value holds


def _widths(columns: Sequence[_Column], cells: Sequence[Sequence[str]]) -> list[int]:
    return [max([len(column.heading), *(len(line[index]) for line in cells)]) for index, column in enumerate(columns)]


def _prefix_width(widths: Sequence[int]) -> int:
    """Where the last column starts: every other column and its two-space gap."""
    return sum(widths[:-1]) + 2 * (len(widths) - 1)


def _clip_column(cells: list[list[str]], widths: list[int], index: int, limit: int) -> int:
    """Clip a column's cells to ``limit`` characters; returns the room that freed."""
    for line in cells:
        line[index] = _clip(line[index], limit)
    before = widths[index]
    widths[index] = min(before, max(limit, 0))
    return before - widths[index]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    return text[: limit - 1].rstrip() + ELLIPSIS


def _line(values: Sequence[str], columns: Sequence[_Column], widths: Sequence[int]) -> str:
    padded = [
        value.rjust(size) if column.right else value.ljust(size)
        for value, column, size in zip(values[:-1], columns[:-1], widths[:-1], strict=True)
    ]
    return "  ".join([*padded, values[-1]]).rstrip()


# csv and json --------------------------------------------------------------------------------


def _csv(report: Report) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_FIELDS)
    writer.writerows(_csv_row(row) for row in report.rows)
    return buffer.getvalue()


def _csv_row(row: Row) -> list[str]:
    return [
        row.account,
        row.region,
        row.arn,
        row.domain,
        row.type or "",
        row.key_algorithm or "",
        "" if row.in_use is None else str(row.in_use).lower(),
        _iso(row.expires) if row.expires else "",
        "" if row.days_left is None else str(row.days_left),
        row.verdict,
        row.annotation,
    ]


def _json(report: Report) -> str:
    document = {
        "window": report.window,
        "scannedAt": _iso(report.scanned_at),
        "source": report.source,
        "rows": [_json_row(row) for row in report.rows],
        "summary": summary(report),
    }
    return json.dumps(document, indent=2) + "\n"


def _json_row(row: Row) -> dict[str, str | int | bool | None]:
    return {
        "account": row.account,
        "region": row.region,
        "arn": row.arn,
        "domain": row.domain,
        "type": row.type,
        "keyAlgorithm": row.key_algorithm,
        "inUse": row.in_use,
        "expires": _iso(row.expires) if row.expires else None,
        "daysLeft": row.days_left,
        "verdict": row.verdict,
        "annotation": row.annotation,
    }


def summary(report: Report) -> dict[str, object]:
    """The JSON summary of the whole scan: counts by verdict, overall and per (account, region), sorted.

    Regions scanned without a certificate appear with zero counts (with the one account the rows
    name, when they name one).
    """
    places: dict[tuple[str, str], list[Row]] = {}
    for row in report.all_rows:
        places.setdefault((row.account, row.region), []).append(row)
    accounts = _accounts(report)
    if len(accounts) <= 1:
        for region in report.regions:
            places.setdefault((accounts[0] if accounts else "", region), [])
    by_place = [
        {"account": account, "region": region, **_verdict_counts(rows)}
        for (account, region), rows in sorted(places.items())
    ]
    rows = report.all_rows
    shown = {"shown": len(report.rows)} if report.scanned is not None else {}
    return {"certificates": len(rows), **_verdict_counts(rows), **shown, "byAccountRegion": by_place}


# html ----------------------------------------------------------------------------------------

type _Place = int | Literal["not_applicable", "undated", "expired", "later"]
STACK = ("NON_COMPLIANT", "COMPLIANT")  # the timeline's segments, bottom up
FILLS = {"NON_COMPLIANT": "#d55e00", "COMPLIANT": "#009e73", "NOT_APPLICABLE": "#999999"}  # Okabe-Ito
# The SVG's geometry, in user units.
SLOT = 72  # one week's bar and its gap
BAR = 48
LEFT, TOP, PLOT_HEIGHT = 44, 20, 180
BASELINE = TOP + PLOT_HEIGHT
SVG_WIDTH = LEFT + TIMELINE_WEEKS * SLOT + 12
SVG_HEIGHT = BASELINE + 56

_STYLE = """\
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.4rem; margin-bottom: .25rem; }
h2 { font-size: 1.1rem; margin-top: 1.5rem; }
.scanned { color: #555; margin-top: 0; }
.summary li { margin: .1rem 0; }
.NON_COMPLIANT { color: #a33c00; font-weight: 600; }
.COMPLIANT { color: #00664a; }
.NOT_APPLICABLE { color: #666; }
svg { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg .grid { stroke: #ddd; }
svg .axis { stroke: #333; }
.note { color: #555; font-size: .9rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; }
td.long { overflow-wrap: anywhere; max-width: 28rem; }"""


@dataclass(frozen=True, slots=True)
class _Timeline:
    counts: Counter[tuple[int, str]]  # (week, verdict) -> certificates; 0 when absent
    left_out: Counter[str]  # not_applicable, undated, expired, later -> certificates; 0 when absent


def _place(row: Row, scanned_at: datetime) -> _Place:
    """The week a row's expiry falls in, or why it is not in the timeline."""
    if row.verdict == "NOT_APPLICABLE":
        return "not_applicable"
    if row.expires is None:
        return "undated"
    left = row.expires - scanned_at
    if left <= timedelta(0) or (row.days_left is not None and row.days_left < 1):
        return "expired"
    if left >= HORIZON:
        return "later"
    return left // WEEK


def _timeline(report: Report) -> _Timeline:
    counts: Counter[tuple[int, str]] = Counter()
    left_out: Counter[str] = Counter()
    for row in report.rows:
        place = _place(row, report.scanned_at)
        if isinstance(place, int):
            counts[(place, row.verdict)] += 1
        else:
            left_out[place] += 1
    return _Timeline(counts, left_out)


def _week_span(scanned_at: datetime, week: int) -> tuple[datetime, datetime]:
    start = scanned_at + week * WEEK
    return start, min(start + WEEK, scanned_at + HORIZON)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _html(report: Report) -> str:
    timeline = _timeline(report)
    title = f"ACM certificate expiry: {report.source}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} ({_e(_minute(report.scanned_at))})</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="scanned">Scanned <time datetime="{_iso(report.scanned_at)}">'
        f"{_e(_minute(report.scanned_at))}</time></p>",
        *_html_summary(report, timeline),
        *_html_timeline(report, timeline),
        *_html_table(report),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _html_summary(report: Report, timeline: _Timeline) -> list[str]:
    counts = _verdict_counts(report.all_rows)
    items = [
        f"{_e(_scope(report))}, {report.window}-day window (daysToExpiration)",
        *(f'<span class="{verdict}">{counts[verdict]} {verdict}</span>' for verdict in VERDICTS),
        f"expired: {timeline.left_out['expired']}",
        f"{timeline.left_out['later']} expire later than {TIMELINE_DAYS} days",
    ]
    return [
        '<section class="summary">',
        "<h2>Summary</h2>",
        "<ul>",
        *(f"<li>{item}</li>" for item in items),
        "</ul>",
        "</section>",
    ]


def _html_timeline(report: Report, timeline: _Timeline) -> list[str]:
    left_out = timeline.left_out
    note = (
        f"Bars count the COMPLIANT and NON_COMPLIANT certificates expiring in each week after the scan "
        f"({TIMELINE_WEEKS} bars for exactly {TIMELINE_DAYS} days: the last bar covers days 84 to 89). "
        f"Not shown: {left_out['expired']} expired, {left_out['not_applicable']} NOT_APPLICABLE "
        f"(never issued or exempt), {left_out['undated']} without an expiry date, "
        f"{left_out['later']} expiring later than {TIMELINE_DAYS} days."
    )
    return [
        '<section class="timeline">',
        f"<h2>Expiries in the next {TIMELINE_DAYS} days, by week</h2>",
        *_svg(report, timeline),
        f'<p class="note">{_e(note)}</p>',
        "</section>",
    ]


def _svg(report: Report, timeline: _Timeline) -> list[str]:
    totals = [sum(timeline.counts[(week, verdict)] for verdict in STACK) for week in range(TIMELINE_WEEKS)]
    top = max(totals)
    scale = PLOT_HEIGHT / max(top, 1)
    parts = [
        f'<svg viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}" width="{SVG_WIDTH}" height="{SVG_HEIGHT}" '
        'role="img" aria-labelledby="timeline-title">',
        f'<title id="timeline-title">Certificates expiring in the next {TIMELINE_DAYS} days, by week</title>',
        *_y_axis(top, scale),
    ]
    for week in range(TIMELINE_WEEKS):
        parts += _week_bar(report.scanned_at, week, timeline.counts, scale)
    if top == 0:
        parts.append(
            f'<text x="{LEFT + TIMELINE_WEEKS * SLOT // 2}" y="{TOP + PLOT_HEIGHT // 2}" text-anchor="middle">'
            f"No certificate expires in the next {TIMELINE_DAYS} days</text>"
        )
    parts += _legend()
    parts.append("</svg>")
    return parts


def _y_axis(top: int, scale: float) -> list[str]:
    step = next(step for step in _steps() if top <= 5 * step)
    right = LEFT + TIMELINE_WEEKS * SLOT
    parts = []
    for tick in range(0, top + 1, step):
        y = _n(BASELINE - tick * scale)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y}" dy="4" text-anchor="end">{tick}</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{BASELINE}" x2="{right}" y2="{BASELINE}"/>')
    return parts


def _steps() -> Iterable[int]:
    """1, 2, 5, 10, 20, 50, ...: the y axis's tick steps."""
    magnitude = 1
    while True:
        yield from (magnitude, 2 * magnitude, 5 * magnitude)
        magnitude *= 10


def _week_bar(scanned_at: datetime, week: int, counts: Mapping[tuple[int, str], int], scale: float) -> list[str]:
    start, end = _week_span(scanned_at, week)
    x = LEFT + week * SLOT + (SLOT - BAR) // 2
    parts = []
    stacked = 0
    for verdict in STACK:
        count = counts.get((week, verdict), 0)
        if not count:
            continue
        y = BASELINE - (stacked + count) * scale
        tooltip = f"{count} {verdict}: expiring from {_minute(start)} to before {_minute(end)}"
        parts.append(
            f'<rect x="{x}" y="{_n(y)}" width="{BAR}" height="{_n(count * scale)}" fill="{FILLS[verdict]}" '
            f'data-week="{week}" data-verdict="{verdict}" data-count="{count}">'
            f"<title>{_e(tooltip)}</title></rect>"
        )
        stacked += count
    if stacked:
        top = _n(BASELINE - stacked * scale - 4)
        parts.append(f'<text x="{x + BAR // 2}" y="{top}" text-anchor="middle">{stacked}</text>')
    label_x = LEFT + week * SLOT + SLOT // 2
    parts.append(f'<text x="{label_x}" y="{BASELINE + 16}" text-anchor="middle">{_date(start)}</text>')
    return parts


def _legend() -> list[str]:
    y = BASELINE + 36
    parts = []
    x = LEFT
    for verdict in STACK:
        parts.append(f'<rect class="swatch" x="{x}" y="{y}" width="12" height="12" fill="{FILLS[verdict]}"/>')
        parts.append(f'<text x="{x + 18}" y="{y + 10}">{verdict}</text>')
        x += 140
    parts.append(f'<text x="{x}" y="{y + 10}">Labels: the first day of each week (UTC)</text>')
    return parts


def _n(value: float) -> str:
    """A coordinate, to a tenth of a unit."""
    return f"{value:.1f}"


@dataclass(frozen=True, slots=True)
class _HtmlColumn:
    heading: str
    text: Callable[[Row], str]
    css: str = ""  # the cells' class
    by_verdict: bool = False  # the cells' class also names the row's verdict


_HTML_COLUMNS = (
    _HtmlColumn("Account", lambda row: row.account),
    _HtmlColumn("Region", lambda row: row.region),
    _HtmlColumn("Domain", lambda row: row.domain, "long"),
    _HtmlColumn("Type", lambda row: row.type or MISSING),
    _HtmlColumn("Key", lambda row: row.key_algorithm or MISSING),
    _HtmlColumn("In use", lambda row: _cell(row.in_use)),
    _HtmlColumn("Expires", lambda row: _iso(row.expires) if row.expires else MISSING),
    _HtmlColumn("Days", lambda row: MISSING if row.days_left is None else str(row.days_left), "num"),
    _HtmlColumn("Verdict", lambda row: row.verdict, by_verdict=True),
    _HtmlColumn("ARN", lambda row: row.arn, "long"),
    _HtmlColumn("Annotation", lambda row: row.annotation, "long"),
)


def _html_table(report: Report) -> list[str]:
    head = "".join(f"<th>{_e(column.heading)}</th>" for column in _HTML_COLUMNS)
    return [
        '<section class="certificates">',
        "<h2>Certificates</h2>",
        "<table>",
        f"<thead><tr>{head}</tr></thead>",
        "<tbody>",
        *(_html_row(row) for row in report.rows),
        "</tbody>",
        "</table>",
        "</section>",
    ]


def _html_row(row: Row) -> str:
    """Values in full, escaped; ``-`` for what is missing."""
    cells = []
    for column in _HTML_COLUMNS:
        classes = " ".join(name for name in (column.css, row.verdict if column.by_verdict else "") if name)
        attribute = f' class="{classes}"' if classes else ""
        cells.append(f"<td{attribute}>{_e(column.text(row))}</td>")
    return f"<tr>{''.join(cells)}</tr>"
