"""The HTML report: one self-contained page a security engineer can hand over.

Nothing is fetched: the style and a small script are inline, the timeline is inline SVG. Without
the script every row shows, in the scan's order (days left); with it, column headings sort and a
filter narrows the rows, offline.

The page, top to bottom:

- a title naming the scope ("account 123456789012 in us-east-1, eu-west-1", "3 accounts in 4
  regions"), then the source, the scan time and the window;
- a summary: counts by verdict, expired certificates counted apart;
- the timeline (:func:`_svg`): an **expired** bar, then one bar per week for the
  :data:`TIMELINE_DAYS` days after the scan (:data:`TIMELINE_WEEKS` bars, the last one 6 days
  long), each stacking NON_COMPLIANT on COMPLIANT; the window's span is shaded and its edge is a
  dashed line labelled "N-day window" (beyond the chart: a label at its right end says so). The
  week holding the edge is drawn as two narrower bars, one either side of it, so that no
  NON_COMPLIANT bar reaches past the window. An empty chart says so in its wider part, clear of the edge.
  Never-issued, exempt, undated certificates and those expiring later are counted under it;
- the certificates: one table, or, when the rows span several accounts, one section per account
  with its own summary. Expired rows carry the class ``expired`` and an EXPIRED badge (words as
  well as colour, so a black-and-white print shows it), and a dark mark beside the domain that is a
  border of its own, never over the text. Dates, regions and types never wrap, nor a badge; a domain
  of up to :data:`DOMAIN_WHOLE` characters never wraps, a longer one only after its dots; the ARN
  shows as its certificate id's first characters, the whole ARN in the tooltip and in a visually
  hidden span that a copy of the row takes along.

Print (A4 or Letter, landscape): rows are never split across pages, headings stay with their
table, an account's name and summary head its table on every page the table runs onto, the
controls are left out, and colours print. At 480 px or less (a phone): the certificates come right
after the summary, each a compact card (domain; verdict, days and date; the advice; the rest in
small type), and the timeline after them as a list of its bars, which never needs scrolling
sideways. Every value goes through :func:`~acm_expiry_cli.report.printable`, then is HTML-escaped.
"""

from __future__ import annotations

import html as html_escaping
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from acm_expiry_cli.report import (
    MISSING,
    Report,
    Row,
    accounts,
    counts_text,
    date,
    is_expired,
    iso,
    minute,
    note,
    plural,
    printable,
    regions,
    scanned_accounts,
    scope,
    verdict_counts,
)

TIMELINE_DAYS = 90
TIMELINE_WEEKS = 13  # 12 weeks of 7 days, then one of 6: exactly TIMELINE_DAYS
WEEK = timedelta(days=7)
HORIZON = timedelta(days=TIMELINE_DAYS)
STACK = ("NON_COMPLIANT", "COMPLIANT")  # the timeline's segments, bottom up
# Okabe-Ito vermillion and bluish green, and a dark red for expired, told apart by lightness too.
FILLS = {"NON_COMPLIANT": "#d55e00", "COMPLIANT": "#009e73", "expired": "#6b0000"}
NUMBER = ' data-type="number"'  # a heading whose column sorts as numbers
ARN_SHOWN = 8  # characters of the certificate id the ARN column shows
DOMAIN_WHOLE = 32  # domains up to this long never wrap (most do); longer ones wrap after their dots
EXPIRED_MARK = 5  # px: the dark bar left of an expired row, a border of its own beside the text
# The SVG's geometry, in user units.
SLOT = 64  # one bar and its gap
BAR = 44
LEFT, TOP, PLOT_HEIGHT = 40, 44, 170  # TOP: room for the window's label above the tallest bar's count
WEEKS_X = LEFT + SLOT + 16  # the expired bar's slot, a gap, then the weeks
BASELINE = TOP + PLOT_HEIGHT
SVG_WIDTH = WEEKS_X + TIMELINE_WEEKS * SLOT + 8
SVG_HEIGHT = BASELINE + 56

type _Place = int | Literal["not_applicable", "undated", "expired", "later"]

_STYLE_TEMPLATE = """\
:root { --line: #c8c8c8; --muted: #555; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
.meta, .note, .account-summary { color: var(--muted); margin: .25rem 0; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: .5rem 0; }
.counts li { border: 1px solid var(--line); border-radius: 4px; padding: .25rem .6rem; }
.counts b { font-size: 1.1rem; }
.badge { display: inline-block; border-radius: 3px; padding: 0 .3em; font-size: .85em; font-weight: 600;
  white-space: nowrap; }
.NON_COMPLIANT { color: #a33c00; }
.COMPLIANT { color: #00664a; }
.NOT_APPLICABLE { color: #666; }
.badge.NON_COMPLIANT { background: #fbe3d4; }
.badge.COMPLIANT { background: #d6f0e8; }
.badge.NOT_APPLICABLE { background: #eee; }
.badge.expired { background: #6b0000; color: #fff; }
.chart { overflow-x: auto; }
svg { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg .grid { stroke: #e2e2e2; }
svg .axis { stroke: #333; }
svg .window-band { fill: #fdf0e6; }
svg .window-edge { stroke: #a33c00; stroke-width: 1.5; stroke-dasharray: 5 4; }
svg .window-label { fill: #a33c00; font-weight: 600; }
.controls { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin: .5rem 0; }
.controls[hidden] { display: none; }
table.certs { border-collapse: collapse; width: 100%; }
table.certs th, table.certs td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left;
  vertical-align: top; }
table.certs th { background: #f2f2f2; white-space: nowrap; }
table.certs th button { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer;
  text-align: inherit; }
table.certs th[aria-sort=ascending] button::after { content: " \\25b2"; }
table.certs th[aria-sort=descending] button::after { content: " \\25bc"; }
.nowrap, time, td.num { white-space: nowrap; }
/* Each badge whole; the EXPIRED one goes under the verdict where the row needs the room. */
td.verdict { white-space: normal; }
td.num { text-align: right; }
td.domain { min-width: 10em; font-weight: 600; overflow-wrap: anywhere; }
td.domain.whole { white-space: nowrap; }
thead tr.account-heading { display: none; }
ol.weeks { display: none; }
td.annotation { min-width: 16rem; }
td.arn { position: relative; white-space: nowrap; font-family: ui-monospace, monospace; font-size: .85em; }
td.arn .short { user-select: none; }
td.arn .full { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
tr.expired td { background: #fbe9e9; }
tr.expired td:first-child { border-left: EXPIRED_MARKpx solid #6b0000; }
@page { size: landscape; margin: 10mm; }
@media print {
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  body { font-size: 7.5pt; line-height: 1.25; margin: 0; }
  h1 { font-size: 13pt; } h2 { font-size: 10.5pt; margin: 8pt 0 3pt; } h3 { font-size: 9.5pt; margin: 6pt 0 2pt; }
  h2, h3 { break-after: avoid; }
  /* The account's name and summary head its table, which Chromium repeats on every page it spans. */
  section.account > h3, section.account > .account-summary { display: none; }
  thead tr.account-heading { display: table-row; }
  thead tr.account-heading th { background: #fff; border: 0; padding: 4pt 0 2pt; white-space: normal; }
  .controls { display: none; }
  .timeline { break-inside: avoid; }
  .chart svg { width: 70%; }
  table.certs th, table.certs td { padding: 1pt 3pt; }
  tr.expired td:first-child { padding-left: 4pt; }  /* clear of the expired mark: its border, not over the text */
  table.certs tr { break-inside: avoid; }
  table.certs thead { display: table-header-group; }
  /* Chromium leaves buttons out of the header it repeats on each page: print the heading instead. */
  table.certs th button { display: none; }
  table.certs th.sortable::before { content: attr(data-heading); }
  td.domain { min-width: 13em; }
  td.annotation { min-width: 0; }
}
@media (max-width: 480px) {
  /* A phone: the certificates right after the summary, each a compact card; the timeline after them, as a list. */
  body { margin: .6rem; display: flex; flex-direction: column; }
  section.certificates { order: 1; }
  section.timeline { order: 2; }
  h1 { font-size: 1.2rem; }
  h2 { margin: 1rem 0 .4rem; }
  .counts { margin: .3rem 0; }
  .chart { display: none; }
  ol.weeks { display: block; list-style: none; padding: 0; margin: .5rem 0; font-size: .85rem; }
  ol.weeks li { display: flex; align-items: center; gap: .4rem; padding: .05rem .2rem; }
  ol.weeks li.inside { background: #fdf0e6; }
  ol.weeks li.edge { color: #a33c00; font-weight: 600; border-top: 2px dashed #a33c00; padding-top: .15rem; }
  ol.weeks .when { flex: 0 0 4.2rem; }
  ol.weeks .track { flex: 1 1 auto; display: flex; height: .8rem; }
  ol.weeks .count { flex: 0 0 2rem; text-align: right; }
  table.certs, table.certs tbody { display: block; width: auto; }
  table.certs thead { display: none; }
  table.certs tr { display: flex; flex-wrap: wrap; align-items: baseline; gap: .1rem .7rem;
    border: 1px solid var(--line); border-radius: 6px; margin: .45rem 0; padding: .35rem .55rem; }
  table.certs td { display: block; border: 0; padding: 0; min-width: 0; }
  table.certs td.missing { display: none; }
  table.certs td.domain { flex: 1 0 100%; font-size: 1rem; white-space: normal; overflow-wrap: anywhere; }
  table.certs td.annotation { flex: 1 0 100%; overflow-wrap: break-word; }
  table.certs td[data-label="Days"]::before, table.certs td[data-label="Expires"]::before,
  table.certs td[data-label="In use"]::before { content: attr(data-label) " "; color: var(--muted); }
  table.certs td[data-label="Type"], table.certs td[data-label="Key"], table.certs td[data-label="In use"],
  table.certs td[data-label="Region"], table.certs td.arn { font-size: .8rem; color: var(--muted); }
  tr.expired td:first-child { border-left: 0; }
  table.certs tr.expired { border-left: EXPIRED_MARK_PHONEpx solid #6b0000; background: #fbe9e9; }
  tr.expired td { background: transparent; }
}"""

_STYLE = _STYLE_TEMPLATE.replace("EXPIRED_MARK_PHONE", str(EXPIRED_MARK + 1)).replace("EXPIRED_MARK", str(EXPIRED_MARK))

# Sorting by a column's heading, a filter by text and by verdict; what matches stays, in order.
# Values to sort by are each cell's data-sort, else its text; empty values sort last either way.
_SCRIPT = """\
(function () {
  "use strict";
  var controls = document.getElementById("controls");
  var text = document.getElementById("filter-text");
  var verdict = document.getElementById("filter-verdict");
  var shown = document.getElementById("shown");
  var tables = Array.prototype.slice.call(document.querySelectorAll("table.certs"));
  if (!controls || !tables.length) { return; }
  controls.hidden = false;
  function key(row, index) {
    var cell = row.cells[index];
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }
  function sortBy(index, numeric, ascending) {
    tables.forEach(function (table) {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
        return { row: row, key: key(row, index), position: position };
      });
      rows.sort(function (a, b) {
        if ((a.key === "") !== (b.key === "")) { return a.key === "" ? 1 : -1; }
        var order = numeric ? Number(a.key) - Number(b.key) : a.key.localeCompare(b.key);
        return (ascending ? order : -order) || a.position - b.position;
      });
      rows.forEach(function (item) { body.appendChild(item.row); });
      Array.prototype.forEach.call(headings(table).cells, function (th, at) {
        if (at === index) { th.setAttribute("aria-sort", ascending ? "ascending" : "descending"); }
        else { th.removeAttribute("aria-sort"); }
      });
    });
  }
  function filter() {
    var words = text.value.trim().toLowerCase(), wanted = verdict.value, visible = 0, total = 0;
    tables.forEach(function (table) {
      var left = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var match = (!words || row.textContent.toLowerCase().indexOf(words) !== -1) &&
          (!wanted || row.getAttribute("data-verdict") === wanted ||
           (wanted === "expired" && row.classList.contains("expired")));
        row.hidden = !match;
        total += 1;
        if (match) { visible += 1; left += 1; }
      });
      var section = table.closest("section.account");
      if (section) { section.hidden = left === 0; }
    });
    shown.textContent = visible + " of " + total + " certificate(s) shown";
  }
  function headings(table) { return table.tHead.rows[table.tHead.rows.length - 1]; }  // under the account's row
  tables.forEach(function (table) {
    Array.prototype.forEach.call(headings(table).cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      button.title = "Sort by " + th.textContent.toLowerCase();
      th.textContent = "";
      th.appendChild(button);
      th.classList.add("sortable");
      button.addEventListener("click", function () {
        sortBy(index, th.getAttribute("data-type") === "number", th.getAttribute("aria-sort") !== "ascending");
      });
    });
  });
  text.addEventListener("input", filter);
  verdict.addEventListener("change", filter);
  filter();
}());"""


def html(report: Report) -> str:
    """The page (see the module's docstring)."""
    timeline = _timeline(report)
    heading = title(report)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(heading)} ({_e(minute(report.scanned_at))})</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_words(heading)}</h1>",
        f'<p class="meta">From {_words(report.source)}; scanned <time datetime="{iso(report.scanned_at)}">'
        f"{_e(minute(report.scanned_at))}</time>; {report.window}-day window (daysToExpiration).</p>",
        "</header>",
        *_summary(report, timeline),
        *_timeline_section(report, timeline),
        *_certificates(report),
        f"<script>\n{_SCRIPT}\n</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def title(report: Report) -> str:
    """The page's title: whose and where ("account 123456789012 in us-east-1", "3 accounts in 5 regions")."""
    named = scanned_accounts(report)
    places = regions(report)
    where = ", ".join(places) if len(places) <= 3 else f"{len(places)} regions"
    who = f"account {named[0]}" if len(named) == 1 else f"{len(named)} accounts" if named else "no certificates"
    return f"ACM certificate expiry: {who}" + (f" in {where}" if places else "")


def _e(value: object) -> str:
    """Untrusted text for the page: printable, then escaped."""
    return html_escaping.escape(printable(str(value)), quote=True)


# Dates, region names and ARNs in running text: browsers would break them after a hyphen.
_UNBREAKABLE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b[a-z]{2}(?:-[a-z]+)+-\d{1,2}\b|\barn:[^\s<&]+")


def _words(value: object) -> str:
    """Running text for the page: :func:`_e`, with dates, regions and ARNs kept on one line each."""
    return _UNBREAKABLE.sub(lambda match: f'<span class="nowrap">{match[0]}</span>', _e(value))


def _summary(report: Report, timeline: _Timeline) -> list[str]:
    counts = verdict_counts(report.all_rows)
    expired = sum(1 for row in report.all_rows if is_expired(row, report.scanned_at))
    items = [
        f'<li class="NON_COMPLIANT"><b>{counts["NON_COMPLIANT"]}</b> NON_COMPLIANT, '
        f'<span class="badge expired">{expired} expired</span></li>',
        f'<li class="COMPLIANT"><b>{counts["COMPLIANT"]}</b> COMPLIANT</li>',
        f'<li class="NOT_APPLICABLE"><b>{counts["NOT_APPLICABLE"]}</b> NOT_APPLICABLE (never issued or exempt)</li>',
    ]
    shown = f" ({len(report.rows)} shown)" if len(report.rows) != len(report.all_rows) else ""
    return [
        '<section class="summary">',
        "<h2>Summary</h2>",
        f"<p>{_e(scope(report))}{_e(shown)}; {timeline.left_out['later']} expire later than {TIMELINE_DAYS} days.</p>",
        '<ul class="counts">',
        *items,
        "</ul>",
        "</section>",
    ]


# timeline ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    """One bar of the timeline: the certificates expiring ``start`` to ``end`` days after the scan.

    A week holding the window's edge is two spans, split at the edge, so that no bar straddles it:
    its NON_COMPLIANT certificates (the edge day included, as the rule counts days) are drawn inside
    the shaded window, its COMPLIANT ones outside.
    """

    week: int
    start: float
    end: float
    part: str = ""  # "inside" or "outside" the window, for the two spans of a split week

    @property
    def inside(self) -> bool:
        return self.part == "inside"


def _spans(window: int) -> tuple[_Span, ...]:
    spans: list[_Span] = []
    for week in range(TIMELINE_WEEKS):
        start, end = week * 7, min(week * 7 + 7, TIMELINE_DAYS)
        if start < window < end:
            spans += [_Span(week, start, window, "inside"), _Span(week, window, end, "outside")]
        else:
            spans.append(_Span(week, start, end))
    return tuple(spans)


@dataclass(frozen=True, slots=True)
class _Timeline:
    spans: tuple[_Span, ...]
    counts: Counter[tuple[int, str]]  # (span's index, verdict) -> certificates; 0 when absent
    left_out: Counter[str]  # not_applicable, undated, expired, later -> certificates; 0 when absent

    def total(self, index: int) -> int:
        return sum(self.counts[(index, verdict)] for verdict in STACK)


def _place(row: Row, scanned_at: datetime, window: int, spans: tuple[_Span, ...]) -> _Place:
    """The span a row's expiry falls in (its index), or why it is not in a bar."""
    if row.verdict == "NOT_APPLICABLE":
        return "not_applicable"
    if is_expired(row, scanned_at):
        return "expired"
    if row.expires is None:
        return "undated"
    left = row.expires - scanned_at
    if left >= HORIZON:
        return "later"
    days = left / timedelta(days=1)
    week = left // WEEK
    if days == window == week * 7 and week:  # expiring exactly at an edge on a week's start: the window's, as
        week -= 1  # the rule counts it
    for index, span in enumerate(spans):
        edge = span.end if span.inside else span.start  # where a split week splits
        if span.week == week and (not span.part or span.inside == (days <= edge)):
            return index
    raise AssertionError(f"no span for {days} days")  # the spans cover every week


def _timeline(report: Report) -> _Timeline:
    spans = _spans(report.window)
    counts: Counter[tuple[int, str]] = Counter()
    left_out: Counter[str] = Counter()
    for row in report.rows:
        place = _place(row, report.scanned_at, report.window, spans)
        if isinstance(place, int):
            counts[(place, row.verdict)] += 1
        else:
            left_out[place] += 1
    return _Timeline(spans, counts, left_out)


def _timeline_section(report: Report, timeline: _Timeline) -> list[str]:
    left_out = timeline.left_out
    note = (
        f"The first bar counts the certificates that had expired when scanned; then one bar per week after the "
        f"scan ({TIMELINE_WEEKS} bars for exactly {TIMELINE_DAYS} days: the last covers days 84 to 89), "
        f"NON_COMPLIANT stacked on COMPLIANT. The shaded span is the {report.window}-day window. "
        f"Not in a bar: {left_out['not_applicable']} NOT_APPLICABLE (never issued or exempt), "
        f"{left_out['undated']} without an expiry date, {left_out['later']} expiring later than {TIMELINE_DAYS} days."
    )
    return [
        '<section class="timeline">',
        f"<h2>Expired, and expiring in the next {TIMELINE_DAYS} days, by week</h2>",
        '<div class="chart">',
        *_svg(report, timeline),
        "</div>",
        *_week_list(report, timeline),
        f'<p class="note">{_e(note)}</p>',
        "</section>",
    ]


def _week_list(report: Report, timeline: _Timeline) -> list[str]:
    """The timeline as a list, one line a bar, for a phone (the chart would be cut, or too small to read).

    Shown instead of the chart at 480 px or less; the window's lines are shaded, its edge a line of its own.
    """
    expired = timeline.left_out["expired"]
    top = max([*(timeline.total(index) for index in range(len(timeline.spans))), expired, 1])

    def line(css: str, when: str, counts: Mapping[str, int]) -> str:
        segments = "".join(
            f'<span style="width:{100 * count / top:.1f}%;background:{FILLS[name]}" title="{count} {name}"></span>'
            for name, count in counts.items()
            if count
        )
        total = sum(counts.values())
        return f'<li class="{css}"><span class="when">{when}</span><span class="track">{segments}</span>' + (
            f'<span class="count">{total}</span></li>'
        )

    edge = report.scanned_at + timedelta(days=report.window)
    items = [line("expired-row", "expired", {"expired": expired})]
    for index, span in enumerate(timeline.spans):
        if span.start == report.window:
            items.append(f'<li class="edge">{report.window}-day window ends {_e(minute(edge))}</li>')
        start = report.scanned_at + timedelta(days=span.start)
        counts = {verdict: timeline.counts[(index, verdict)] for verdict in STACK}
        css = "inside" if span.end <= report.window else "outside"
        items.append(line(css, f"{_MONTHS[start.month - 1]} {start.day}", counts))
    if report.window >= TIMELINE_DAYS:
        items.append(
            f'<li class="edge">{report.window}-day window: its edge lies beyond these {TIMELINE_DAYS} days</li>'
        )
    return ['<ol class="weeks">', *items, "</ol>"]


def _x(day: float) -> float:
    """Where a day after the scan lies on the chart."""
    return WEEKS_X + day / 7 * SLOT


def _svg(report: Report, timeline: _Timeline) -> list[str]:
    expired = timeline.left_out["expired"]
    top = max([*(timeline.total(index) for index in range(len(timeline.spans))), expired])
    scale = PLOT_HEIGHT / max(top, 1)
    parts = [
        f'<svg viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}" width="{SVG_WIDTH}" height="{SVG_HEIGHT}" '
        'role="img" aria-labelledby="timeline-title">',
        f'<title id="timeline-title">Certificates expired, and expiring in the next {TIMELINE_DAYS} days, '
        f"by week; the {report.window}-day window shaded</title>",
        *_window(report.window),
        *_y_axis(top, scale),
        *_expired_bar(expired, scale),
    ]
    for index, span in enumerate(timeline.spans):
        parts += _span_bar(report.scanned_at, report.window, index, span, timeline.counts, scale)
    for week in range(TIMELINE_WEEKS):
        parts.append(_week_label(report.scanned_at, week))
    if top == 0:
        parts.append(_nothing_to_draw(report.window))
    parts += _legend()
    parts.append("</svg>")
    return parts


NOTHING = f"No certificate expired or expiring in the next {TIMELINE_DAYS} days"


def _nothing_to_draw(window: int) -> str:
    """The empty chart's sentence, in the wider part on either side of the window's edge: never across it."""
    edge = min(window, TIMELINE_DAYS)
    left, right = (0.0, float(edge)), (float(edge), float(TIMELINE_DAYS))
    start, end = max(left, right, key=lambda part: part[1] - part[0])
    x = (_x(start) + _x(end)) / 2
    return f'<text class="nothing" x="{_n(x)}" y="{TOP + PLOT_HEIGHT // 2}" text-anchor="middle">{NOTHING}</text>'


def _window(window: int) -> list[str]:
    """The window's span, shaded, and its edge: a dashed line labelled with the word "window"."""
    edge = min(window, TIMELINE_DAYS)
    parts = [
        f'<rect class="window-band" x="{_n(_x(0))}" y="{TOP}" width="{_n(_x(edge) - _x(0))}" '
        f'height="{PLOT_HEIGHT}" data-window="{window}"/>'
    ]
    if window < TIMELINE_DAYS:
        x = _n(_x(window))
        parts.append(f'<line class="window-edge" x1="{x}" y1="{TOP - 18}" x2="{x}" y2="{BASELINE}"/>')
        parts.append(
            f'<text class="window-label" x="{x}" y="{TOP - 22}" text-anchor="middle">{window}-day window</text>'
        )
    else:
        parts.append(
            f'<text class="window-label" x="{_n(_x(TIMELINE_DAYS))}" y="{TOP - 22}" text-anchor="end">'
            f"{window}-day window: its edge lies beyond this chart \u2192</text>"
        )
    return parts


def _y_axis(top: int, scale: float) -> list[str]:
    step = next(step for step in _steps() if top <= 5 * step)
    right = _n(_x(TIMELINE_DAYS))
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


def _bar(
    x: float, bottom: float, count: int, scale: float, fill: str, attributes: str, tooltip: str, width: float = BAR
) -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(bottom - count * scale)}" width="{_n(width)}" height="{_n(count * scale)}" '
        f'fill="{fill}" {attributes} data-count="{count}"><title>{_e(tooltip)}</title></rect>'
    )


def _expired_bar(count: int, scale: float) -> list[str]:
    x = LEFT + (SLOT - BAR) / 2
    parts = []
    if count:
        tooltip = f"{count} expired when scanned: replace them now"
        parts.append(_bar(x, BASELINE, count, scale, FILLS["expired"], 'data-bar="expired"', tooltip))
        parts.append(f'<text x="{_n(x + BAR / 2)}" y="{_n(BASELINE - count * scale - 4)}" text-anchor="middle">'
                     f"{count}</text>")  # fmt: skip
    parts.append(
        f'<text x="{_n(x + BAR / 2)}" y="{BASELINE + 16}" text-anchor="middle" class="expired-label" '
        f'font-weight="600" fill="{FILLS["expired"]}">expired</text>'
    )
    return parts


def _span_bar(
    scanned_at: datetime, window: int, index: int, span: _Span, counts: Mapping[tuple[int, str], int], scale: float
) -> list[str]:
    """A span's bar, NON_COMPLIANT stacked on COMPLIANT, and its count above it."""
    if span.part:  # half a week: as wide as its days allow, a gap either side, never past the edge
        room = _x(span.end) - _x(span.start)
        width = max(3.0, min(BAR, room - 6))
        x = _x(span.start) + (room - width) / 2
    else:
        width, x = BAR, _x(span.start) + (SLOT - BAR) / 2
    start = scanned_at + timedelta(days=span.start)
    end = scanned_at + timedelta(days=span.end)
    until = f"to the {window}-day window's edge, {minute(end)}" if span.inside else f"to before {minute(end)}"
    parts = []
    stacked = 0
    for verdict in STACK:
        count = counts.get((index, verdict), 0)
        if not count:
            continue
        tooltip = f"{count} {verdict}: expiring from {minute(start)} {until}"
        attributes = f'data-week="{span.week}" data-verdict="{verdict}"'
        attributes += f' data-part="{span.part}"' if span.part else ""
        parts.append(_bar(x, BASELINE - stacked * scale, count, scale, FILLS[verdict], attributes, tooltip, width))
        stacked += count
    if stacked:
        top = _n(BASELINE - stacked * scale - 4)
        parts.append(f'<text x="{_n(x + width / 2)}" y="{top}" text-anchor="middle">{stacked}</text>')
    return parts


def _week_label(scanned_at: datetime, week: int) -> str:
    start = scanned_at + week * WEEK
    label = f'<text x="{_n(_x(week * 7 + 3.5))}" y="{BASELINE + 16}" text-anchor="middle" data-date="{date(start)}">'
    return f"{label}{_MONTHS[start.month - 1]} {start.day}</text>"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the locale's


def _legend() -> list[str]:
    y = BASELINE + 36
    parts = []
    x = LEFT
    for name, label in (("expired", "expired"), ("NON_COMPLIANT", "NON_COMPLIANT"), ("COMPLIANT", "COMPLIANT")):
        parts.append(f'<rect class="swatch" x="{x}" y="{y}" width="12" height="12" fill="{FILLS[name]}"/>')
        parts.append(f'<text x="{x + 18}" y="{y + 10}">{label}</text>')
        x += 130
    parts.append(f'<text x="{x}" y="{y + 10}">Labels: the first day of each week (UTC)</text>')
    return parts


def _n(value: float) -> str:
    """A coordinate, to a tenth of a unit."""
    return f"{value:.1f}"


# the certificates ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _HtmlColumn:
    heading: str
    cell: Callable[[Row, datetime], str]  # the cell's inner HTML, escaped
    css: str = ""  # the cells' class
    sort: Callable[[Row, datetime], str] | None = None  # data-sort, where the text does not sort right
    number: bool = False  # sorts as a number


def _domain(row: Row, _: datetime) -> str:
    """A long domain: a break opportunity after each dot, and nowhere else (a short one never breaks: CSS)."""
    if len(printable(row.domain)) <= DOMAIN_WHOLE:
        return _e(row.domain) or MISSING
    return ".<wbr>".join(_e(label) for label in row.domain.split(".")) or MISSING


def _verdict(row: Row, scanned_at: datetime) -> str:
    badge = f'<span class="badge {row.verdict}">{_e(row.verdict)}</span>'
    return badge + (' <span class="badge expired">EXPIRED</span>' if is_expired(row, scanned_at) else "")


def _expires(row: Row, _: datetime) -> str:
    if row.expires is None:
        return MISSING
    return f'<time datetime="{iso(row.expires)}" title="{iso(row.expires)}">{date(row.expires)}</time>'


def _days(row: Row) -> str:
    return MISSING if row.days_left is None else str(row.days_left)


def _days_sort(row: Row, _: datetime) -> str:
    return "" if row.days_left is None else str(row.days_left)  # empty: sorts last


def _arn(row: Row, _: datetime) -> str:
    """The certificate id's first characters; the whole ARN in a hidden span that copying takes along."""
    identifier = row.arn.rsplit("/", 1)[-1]
    short = identifier[:ARN_SHOWN] + ("\u2026" if len(identifier) > ARN_SHOWN else "")
    return f'<span class="short" aria-hidden="true">{_e(short)}</span><span class="full">{_e(row.arn)}</span>'


_RANKS = {"NON_COMPLIANT": "1", "COMPLIANT": "2", "NOT_APPLICABLE": "3"}


def _severity(row: Row, scanned_at: datetime) -> str:
    """Sorts expired first, then NON_COMPLIANT, COMPLIANT, NOT_APPLICABLE, each by days left."""
    rank = "0" if is_expired(row, scanned_at) else _RANKS[row.verdict]
    return rank + ("9" * 8 if row.days_left is None else str(row.days_left + 10**7).zfill(8))


_COLUMNS = (
    _HtmlColumn("Domain", _domain, "domain"),
    _HtmlColumn("Verdict", _verdict, "verdict", sort=_severity),
    _HtmlColumn("Days", lambda row, _: _e(_days(row)), "num", sort=_days_sort, number=True),
    _HtmlColumn("Expires", _expires, "nowrap", sort=lambda row, _: iso(row.expires) if row.expires else ""),
    _HtmlColumn("Note", lambda row, _: _words(note(row.annotation)) or MISSING, "annotation"),
    _HtmlColumn("Type", lambda row, _: _e(row.type or MISSING), "nowrap"),
    _HtmlColumn("Key", lambda row, _: _e(row.key_algorithm or MISSING), "nowrap"),
    _HtmlColumn("In use", lambda row, _: {True: "yes", False: "no", None: MISSING}[row.in_use], "nowrap"),
    _HtmlColumn("Region", lambda row, _: _e(row.region), "nowrap"),
    _HtmlColumn("ARN", _arn, "arn", sort=lambda row, _: row.arn),
)

# The whole value on hover, where the cell shows part of it.
_TOOLTIPS: dict[str, Callable[[Row], str]] = {"ARN": lambda row: row.arn, "Note": lambda row: row.annotation}


def _certificates(report: Report) -> list[str]:
    options = "".join(
        f'<option value="{value}">{label}</option>'
        for value, label in (
            ("", "every verdict"),
            ("NON_COMPLIANT", "NON_COMPLIANT"),
            ("expired", "expired"),
            ("COMPLIANT", "COMPLIANT"),
            ("NOT_APPLICABLE", "NOT_APPLICABLE"),
        )
    )
    parts = [
        '<section class="certificates">',
        "<h2>Certificates</h2>",
        '<div class="controls" id="controls" hidden>',
        '<label>Filter <input type="search" id="filter-text" placeholder="domain, ARN, region, advice"></label>',
        f'<label>Show <select id="filter-verdict">{options}</select></label>',
        '<span id="shown" aria-live="polite"></span>',
        "</div>",
    ]
    named = accounts(report.all_rows)
    if len(named) <= 1:
        parts += _table(report.rows, report.scanned_at, "")
    else:
        for account in named:
            rows = tuple(row for row in report.rows if row.account == account)
            everything = [row for row in report.all_rows if row.account == account]
            places = sorted({row.region for row in everything})
            expired = sum(1 for row in everything if is_expired(row, report.scanned_at))
            shown = f"; {len(rows)} shown" if len(rows) != len(everything) else ""
            summary = (
                f"{_e(plural(len(everything), 'certificate'))} in {_words(', '.join(places))}: "
                f"{_e(counts_text(everything))} ({expired} expired){_e(shown)}"
            )
            heading = f"<b>Account {_e(account)}</b> {summary}"
            parts += [
                f'<section class="account" id="account-{_e(account)}" data-account="{_e(account)}">',
                f"<h3>Account {_e(account)}</h3>",
                f'<p class="account-summary">{summary}</p>',
                *(_table(rows, report.scanned_at, heading) if rows else ["<p>None shown.</p>"]),
                "</section>",
            ]
    parts.append("</section>")
    return parts


def _table(rows: Iterable[Row], scanned_at: datetime, account: str) -> list[str]:
    """The certificates' table; ``account`` (HTML), if any, heads it on every printed page it spans."""
    above = f'<tr class="account-heading"><th colspan="{len(_COLUMNS)}">{account}</th></tr>' if account else ""
    head = "".join(
        f'<th scope="col" data-heading="{name}"{NUMBER if column.number else ""}>{name}</th>'
        for column in _COLUMNS
        if (name := _e(column.heading))
    )
    return [
        '<table class="certs">',
        f"<thead>{above}<tr>{head}</tr></thead>",
        "<tbody>",
        *(_row(row, scanned_at) for row in rows),
        "</tbody>",
        "</table>",
    ]


def _row(row: Row, scanned_at: datetime) -> str:
    cells = []
    whole = len(printable(row.domain)) <= DOMAIN_WHOLE
    for column in _COLUMNS:
        content = column.cell(row, scanned_at)
        classes = [column.css] if column.css else []
        classes += ["whole"] if column.css == "domain" and whole else []
        classes += ["missing"] if content == MISSING else []  # a phone's card leaves it out
        attributes = f' class="{" ".join(classes)}"' if classes else ""
        attributes += f' data-label="{_e(column.heading)}"'
        if column.sort is not None:
            attributes += f' data-sort="{_e(column.sort(row, scanned_at))}"'
        if column.heading in _TOOLTIPS:
            attributes += f' title="{_e(_TOOLTIPS[column.heading](row))}"'
        cells.append(f"<td{attributes}>{content}</td>")
    expired = ' class="expired"' if is_expired(row, scanned_at) else ""
    return f'<tr{expired} data-verdict="{row.verdict}">{"".join(cells)}</tr>'
