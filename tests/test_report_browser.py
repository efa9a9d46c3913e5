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
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from acm_expiry_cli.formats import render
from tests.support.browser import PAPERS, find_chromium, pdf, pdf_page_count
from tests.support.browser import run as run_chromium
from tests.support.report_preview import sample_report

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
    var cells = table.tHead.rows[0].cells;
    for (var i = 0; i < cells.length; i += 1) { if (cells[i].getAttribute("data-heading") === heading) { return i; } }
    return -1;
  }
  function click(heading) { table.tHead.rows[0].cells[column(heading)].querySelector("button").click(); }
  function keys(heading) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      var cell = r.cells[column(heading)];
      return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    });
  }
  click("Days");
  seen.daysAscending = keys("Days");
  seen.ariaSort = table.tHead.rows[0].cells[column("Days")].getAttribute("aria-sort");
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
