"""The HTML report in a real browser: Debian's chromium, headless, offline.

The page's own inline script is driven by a test script appended to a copy of the page (the
report itself is unchanged); what it saw comes back through ``--dump-dom``. Layout is measured
at a phone's width and a desktop's, and the page is printed on A4 and Letter. Skipped where no
chromium is installed (``apt-get install -y chromium``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from dataclasses import replace
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from acm_expiry_cli.formats import render
from acm_expiry_cli.report import Report, Row
from tests.support.browser import PAPERS, find_chromium, pdf, pdf_page_count
from tests.support.browser import run as run_chromium
from tests.support.inventory import synthetic_inventory
from tests.support.report_preview import ACCOUNTS, NOW, WINDOW, sample_report, sample_rows

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="the HTML report is not checked in a browser: no chromium on PATH (apt-get install -y chromium)",
)

# Runs after the report's script: filters, sorts, selects, measures, and leaves what it saw on <body>.
DRIVER = """
(function () {
  "use strict";
  var seen = {};
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("table.certs tbody tr")); }
  function visible() { return rows().filter(function (r) { return !r.hidden; }); }
  function set(id, value, event) {
    var field = document.getElementById(id); field.value = value; field.dispatchEvent(new Event(event));
  }
  seen.controls = !document.getElementById("controls").hidden;
  seen.total = rows().length;
  seen.shownAtFirst = document.getElementById("shown").textContent;
  set("filter-text", "HOST17.example", "input");
  seen.byText = visible().map(function (r) { return r.cells[0].textContent; });
  seen.shownByText = document.getElementById("shown").textContent;
  set("filter-text", "", "input");
  set("filter-verdict", "expired", "change");
  seen.expired = visible().map(function (r) { return r.className; });
  set("filter-verdict", "NOT_APPLICABLE", "change");
  seen.hiddenSections = Array.prototype.slice.call(document.querySelectorAll("section.account"))
    .filter(function (s) { return s.hidden; }).map(function (s) { return s.getAttribute("data-account"); });
  set("filter-verdict", "", "change");
  var table = document.querySelector("table.certs");
  function column(heading) {
    var cells = table.tHead.rows[table.tHead.rows.length - 1].cells;
    for (var i = 0; i < cells.length; i += 1) { if (cells[i].getAttribute("data-heading") === heading) { return i; } }
    return -1;
  }
  function head() { return table.tHead.rows[table.tHead.rows.length - 1]; }
  function click(heading) { head().cells[column(heading)].querySelector("button").click(); }
  function keys(heading) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      var cell = r.cells[column(heading)];
      return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    });
  }
  click("Days");
  seen.daysAscending = keys("Days");
  seen.ariaSort = table.tHead.rows[table.tHead.rows.length - 1].cells[column("Days")].getAttribute("aria-sort");
  click("Days");
  seen.daysDescending = keys("Days");
  click("Domain");
  seen.domains = keys("Domain");
  click("Verdict");
  seen.verdicts = keys("Verdict");
  seen.firstByVerdict = table.tBodies[0].rows[0].className;
  var arn = table.tBodies[0].rows[0].cells[column("ARN")];
  getSelection().selectAllChildren(arn);
  seen.copied = getSelection().toString();
  seen.arn = arn.getAttribute("title");
  seen.viewport = window.innerWidth;
  seen.phone = matchMedia("(max-width: 480px)").matches;
  seen.pageWidth = document.documentElement.scrollWidth;
  seen.verdictsInView = rows().every(function (r) {
    var box = r.cells[column("Verdict")].getBoundingClientRect();
    return box.width > 0 && box.left >= 0 && box.right <= window.innerWidth;
  });
  parent.postMessage(JSON.stringify(seen), "*");
}());
"""
# Headless chromium lays a window out at 500 CSS pixels or more: a phone's width is an iframe's.
FRAME = """<!DOCTYPE html>
<html><body style="margin:0">
<script>addEventListener("message", function (e) { document.body.setAttribute("data-seen", e.data); });</script>
<iframe src="{page}" width="{width}" height="900" style="border:0"></iframe>
</body></html>
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    path = folder / "report.html"
    path.write_text(render(sample_report(), "html"), encoding="utf-8")
    return path


@functools.cache
def drive(page: Path, width: int) -> dict[str, Any]:
    """The report in a frame ``width`` CSS pixels wide, driven by :data:`DRIVER`: what it saw."""
    assert CHROMIUM is not None
    driven = page.with_name("driven.html")
    driven.write_text(page.read_text(encoding="utf-8").replace("</body>", f"<script>{DRIVER}</script>\n</body>"))
    frame = page.with_name(f"frame-{width}.html")
    frame.write_text(FRAME.replace("{page}", driven.name).replace("{width}", str(width)))
    dom = run_chromium(CHROMIUM, f"--window-size={width + 100},1000", "--virtual-time-budget=10000", "--dump-dom",
                       frame.as_uri()).stdout  # fmt: skip
    match = re.search(r'<body style="margin:0" data-seen="([^"]*)"', dom)
    assert match, "the driver did not run: " + dom[:300]
    seen: dict[str, Any] = json.loads(unescape(match[1]))
    return seen


def test_the_script_filters_by_text_and_verdict_offline(page: Path) -> None:
    report = sample_report()
    seen = drive(page, 1400)
    assert seen["controls"] is True  # hidden in the markup, shown by the script
    assert (
        seen["total"] == len(report.rows) and seen["shownAtFirst"] == f"{len(report.rows)} of 53 certificate(s) shown"
    )
    host17 = [r.domain for r in report.rows if "host17.example" in r.domain]
    assert sorted(seen["byText"]) == sorted(host17) and len(host17) >= 2  # case-insensitive
    assert seen["shownByText"] == f"{len(host17)} of 53 certificate(s) shown"
    expired = [r for r in report.rows if r.days_left is not None and r.days_left < 1 and r.verdict == "NON_COMPLIANT"]
    assert seen["expired"] == ["expired"] * len(expired) and len(expired) == 6
    # An account without a NOT_APPLICABLE certificate has nothing left to show: its section hides.
    exempted = {r.account for r in report.rows if r.verdict == "NOT_APPLICABLE"}
    assert seen["hiddenSections"] == sorted({r.account for r in report.rows} - exempted)


def test_the_script_sorts_by_a_heading_both_ways_missing_values_last(page: Path) -> None:
    seen = drive(page, 1400)
    first = min(r.account for r in sample_report().rows)  # the first table
    days = [r.days_left for r in sample_report().rows if r.account == first]
    numbers = sorted(d for d in days if d is not None)
    missing = [""] * days.count(None)
    assert seen["daysAscending"] == [str(d) for d in numbers] + missing
    assert seen["daysDescending"] == [str(d) for d in reversed(numbers)] + missing
    assert seen["ariaSort"] == "ascending"
    assert seen["domains"] == sorted(seen["domains"], key=str.lower) or seen["domains"] == sorted(seen["domains"])
    # By verdict: expired first, then NON_COMPLIANT, COMPLIANT, NOT_APPLICABLE, each by days left.
    assert seen["verdicts"] == sorted(seen["verdicts"]) and seen["firstByVerdict"] == "expired"


def test_copying_the_arn_cell_copies_the_whole_arn(page: Path) -> None:
    seen = drive(page, 1400)
    assert seen["copied"] == seen["arn"] and seen["arn"].startswith("arn:aws:acm:")


@pytest.mark.parametrize("width", [1400, 420])
def test_nothing_scrolls_sideways_and_every_verdict_shows(page: Path, width: int) -> None:
    seen = drive(page, width)
    assert seen["viewport"] == width and seen["phone"] is (width <= 480)
    assert seen["pageWidth"] <= width  # the timeline's chart scrolls inside its own box on a phone
    assert seen["verdictsInView"] is True


@pytest.mark.parametrize("paper", PAPERS)
def test_printed_about_25_certificates_a_page(page: Path, tmp_path: Path, paper: str) -> None:
    assert CHROMIUM is not None
    printed = pdf(CHROMIUM, page, tmp_path / f"report-{paper}.pdf", paper)
    pages = pdf_page_count(printed.read_bytes())
    # 53 certificates, the summary and the timeline: 3 pages (the first half taken by the summary).
    assert 2 <= pages <= 3, pages


# --- geometry: the empty, one-account, many-accounts and edge-of-window reports at desktop, phone and print ---

DESKTOP, PHONE = (1366, 900), (390, 844)  # a laptop's screen; a phone's (CSS pixels)
# The printable width of A4 and Letter in landscape, 10 mm margins (the page's @page), at 96 CSS px an inch.
PRINT_WIDTHS = {"A4": round((297 - 20) / 25.4 * 96), "Letter": round((279.4 - 20) / 25.4 * 96)}

# Runs in the page once laid out: the boxes the assertions need, left on the parent frame.
GEOMETRY = """
(function () {
  "use strict";
  function box(el) {
    if (!el) { return null; }
    var r = el.getBoundingClientRect();
    return {l: r.left, r: r.right, t: r.top + scrollY, b: r.bottom + scrollY, w: r.width, h: r.height};
  }
  function all(selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); }
  var seen = {viewport: innerWidth, pageWidth: document.documentElement.scrollWidth,
              pageHeight: document.documentElement.scrollHeight};
  seen.chart = box(document.querySelector(".chart svg"));
  seen.band = box(document.querySelector("rect.window-band"));
  seen.edge = box(document.querySelector("line.window-edge"));
  seen.nothing = box(document.querySelector("text.nothing"));
  seen.bars = all("rect[data-verdict]").map(function (r) {
    return {verdict: r.getAttribute("data-verdict"), part: r.getAttribute("data-part"), box: box(r)};
  });
  seen.labels = all(".chart svg text").map(function (t) { return {text: t.textContent, box: box(t)}; });
  seen.weeks = box(document.querySelector("ol.weeks"));
  seen.weekLines = all("ol.weeks li").map(function (li) { return {text: li.textContent, box: box(li)}; });
  seen.rows = all("table.certs tbody tr").map(function (tr) {
    var cell = tr.querySelector("td.domain"), first = document.createRange(), whole = document.createRange();
    var text = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT).nextNode();
    first.setStart(text, 0); first.setEnd(text, 1);
    whole.selectNodeContents(cell);
    var tops = {};
    Array.prototype.forEach.call(whole.getClientRects(), function (r) { tops[Math.round(r.top)] = true; });
    return {domain: cell.textContent, expired: tr.classList.contains("expired"), cell: box(cell), row: box(tr),
            letter: first.getBoundingClientRect().left, lines: Object.keys(tops).length};
  });
  parent.postMessage(JSON.stringify(seen), "*");
}());
"""
PRINT_ON_SCREEN = "<style>@media all {{{}}}</style>"


def edge_rows() -> tuple[Row, ...]:
    """Certificates either side of the 30-day window's edge, in the week it splits (days 28 to 35)."""
    from acm_expiry.certificate import Certificate
    from acm_expiry.outcome import Assessment
    from acm_expiry.verdict import judge
    from acm_expiry_cli.scan import row

    rows = []
    for number, days in enumerate((-3, 12, 28.2, 29.5, 30.0, 30.4, 31, 33.9, 34.9)):
        record = synthetic_inventory(1, NOW, seed=number)[0] | {
            "Type": "IMPORTED", "Status": "ISSUED", "NotAfter": (NOW + timedelta(days=days)).timestamp(),
            "DomainName": f"edge{number}.example.com"}  # fmt: skip
        if days < 0:  # expired certificates keep their status ISSUED in ACM's listing until ACM marks them
            record["Status"] = "EXPIRED"
        certificate = Certificate.from_acm(record)
        rows.append(row(Assessment(certificate, judge(certificate, NOW, WINDOW)), "us-east-1", ACCOUNTS[0]))
    return tuple(sorted(rows, key=lambda r: r.days_left if r.days_left is not None else 0))


def reports() -> dict[str, Report]:
    every = sample_rows()
    return {
        "empty": Report(
            WINDOW, NOW, (), f"ACM in account {ACCOUNTS[0]}: us-east-1", regions=("us-east-1",), accounts=(ACCOUNTS[0],)
        ),
        "one-account": Report(WINDOW, NOW, tuple(r for r in every if r.account == ACCOUNTS[0]), "ACM"),
        "many-accounts": sample_report(),
        "edge-of-window": Report(WINDOW, NOW, edge_rows(), "ACM"),
    }


@functools.cache
def measured(name: str, width: int, height: int, printed: bool = False) -> dict[str, Any]:
    """The named report laid out ``width`` CSS pixels wide (with its print style when ``printed``): its boxes."""
    assert CHROMIUM is not None
    folder = Path(tempfile.mkdtemp(prefix="report-geometry-"))
    text = render(reports()[name], "html")
    if printed:  # the print rules over the screen's, at the paper's printable width: print's layout, measurable
        rules = text.split("@media print {", 1)[1].split("\n}\n", 1)[0]
        text = text.replace("</head>", PRINT_ON_SCREEN.format(rules) + "\n</head>", 1)
    page = folder / "page.html"
    page.write_text(text.replace("</body>", f"<script>{GEOMETRY}</script>\n</body>"), encoding="utf-8")
    frame = folder / "frame.html"
    frame.write_text(FRAME.replace("{page}", page.name).replace("{width}", str(width)).replace("900", str(height)))
    dom = run_chromium(CHROMIUM, f"--window-size={width + 100},{height + 100}", "--virtual-time-budget=10000",
                       "--dump-dom", frame.as_uri()).stdout  # fmt: skip
    match = re.search(r'<body style="margin:0" data-seen="([^"]*)"', dom)
    assert match, "the geometry script did not run: " + dom[:300]
    seen: dict[str, Any] = json.loads(unescape(match[1]))
    return seen


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]


@pytest.mark.parametrize("name", ["empty", "one-account", "many-accounts", "edge-of-window"])
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_nothing_is_cut_at_the_right_edge_nor_drawn_over_anything(name: str, size: tuple[int, int]) -> None:
    seen = measured(name, *size)
    assert seen["viewport"] == size[0] and seen["pageWidth"] <= size[0]
    if size == PHONE:  # the timeline as a list, every line of it within the screen
        assert seen["chart"]["w"] == 0 and seen["weeks"]["w"] > 0
        assert all(line["box"]["l"] >= 0 and line["box"]["r"] <= size[0] for line in seen["weekLines"])
        assert len([line for line in seen["weekLines"] if "window ends" in line["text"]]) == 1
        return
    assert seen["weeks"]["w"] == 0 and seen["chart"]["r"] <= size[0]
    texts = [label for label in seen["labels"] if label["text"].strip()]
    crossing = [
        (a["text"], b["text"]) for i, a in enumerate(texts) for b in texts[i + 1 :] if overlap(a["box"], b["box"])
    ]
    assert crossing == []
    for bar in seen["bars"]:  # bars inside the chart, none over another
        assert seen["chart"]["l"] <= bar["box"]["l"] and bar["box"]["r"] <= seen["chart"]["r"]
    boxes = [{k: v + (0.5 if k in "lt" else -0.5) for k, v in bar["box"].items()} for bar in seen["bars"]]
    assert not [1 for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlap(a, b)]  # stacked bars only touch


def test_the_empty_charts_sentence_keeps_clear_of_the_windows_edge() -> None:
    seen = measured("empty", *DESKTOP)
    sentence, edge = seen["nothing"], seen["edge"]
    assert sentence["w"] > 200 and not (sentence["l"] <= edge["r"] and edge["l"] <= sentence["r"])
    assert seen["chart"]["l"] <= sentence["l"] and sentence["r"] <= seen["chart"]["r"]


def test_the_week_holding_the_windows_edge_draws_each_verdict_on_its_side() -> None:
    seen = measured("edge-of-window", *DESKTOP)
    edge, band = seen["edge"], seen["band"]
    split = [bar for bar in seen["bars"] if bar["part"]]
    assert {bar["verdict"] for bar in split} == {"NON_COMPLIANT", "COMPLIANT"}  # both sides of the split week hold some
    for bar in seen["bars"]:
        if bar["verdict"] == "NON_COMPLIANT":  # within the shaded window, left of the dashed edge
            assert band["l"] <= bar["box"]["l"] and bar["box"]["r"] <= edge["l"], bar
        else:
            assert bar["box"]["l"] >= edge["r"], bar


@pytest.mark.parametrize("name", ["one-account", "many-accounts", "edge-of-window"])
def test_no_domain_of_32_characters_or_fewer_wraps_on_a_desktop(name: str) -> None:
    from acm_expiry_cli.html_report import DOMAIN_WHOLE

    rows = measured(name, *DESKTOP)["rows"]
    short = [row for row in rows if len(row["domain"]) <= DOMAIN_WHOLE]
    assert len(short) >= 5 and [row["domain"] for row in short if row["lines"] != 1] == []


@pytest.mark.parametrize("name", ["one-account", "many-accounts"])
def test_a_phones_first_screen_shows_certificates_each_a_compact_card(name: str) -> None:
    seen = measured(name, *PHONE)
    rows = seen["rows"]
    assert rows[0]["row"]["b"] <= PHONE[1]  # the first certificate whole on the first screen
    heights = sorted(row["row"]["h"] for row in rows)
    assert heights[len(heights) // 2] <= 140, heights  # the median card: a few lines, not ten
    assert seen["pageHeight"] < 180 * len(rows) + 1200, seen["pageHeight"]


@pytest.mark.parametrize("where", ["desktop", "phone", *PRINT_WIDTHS])
def test_the_expired_mark_never_covers_a_domains_first_letter(where: str) -> None:
    from acm_expiry_cli.html_report import EXPIRED_MARK

    if where in PRINT_WIDTHS:
        seen = measured("one-account", PRINT_WIDTHS[where], 900, printed=True)
    else:
        seen = measured("one-account", *(DESKTOP if where == "desktop" else PHONE))
    expired = [row for row in seen["rows"] if row["expired"]]
    assert len(expired) >= 2
    for row in expired:  # the mark is the row's (phone) or first cell's left border, EXPIRED_MARK px at most
        assert row["letter"] >= min(row["cell"]["l"], row["row"]["l"]) + EXPIRED_MARK + 1, row


def test_every_printed_page_names_the_accounts_whose_rows_it_holds(tmp_path: Path) -> None:
    import pypdf

    assert CHROMIUM is not None
    rows = []
    for account in ACCOUNTS:  # enough rows that each account's table runs onto a second page
        for number in range(40):
            domain = f"a{account[0]}-host{number:02d}.example.com"
            rows.append(replace(sample_rows()[10], account=account, domain=domain, arn=f"{domain}/{account}"))
    page = tmp_path / "long.html"
    page.write_text(render(Report(WINDOW, NOW, tuple(rows), "Config aggregator org"), "html"), encoding="utf-8")
    for paper in PAPERS:
        printed = pypdf.PdfReader(pdf(CHROMIUM, page, tmp_path / f"long-{paper}.pdf", paper))
        continued = 0
        for number, sheet in enumerate(printed.pages, start=1):
            text = sheet.extract_text()
            holding = {f"Account {r.account}" for r in rows if r.domain in text}
            named = {name for name in holding if name in text}
            assert holding == named, (paper, number, holding - named)
            continued += bool(holding) and text.count("Account ") >= 1 and not text.lstrip().startswith("ACM")
        assert continued >= len(ACCOUNTS)  # pages that begin mid-account exist, and say whose rows they hold
