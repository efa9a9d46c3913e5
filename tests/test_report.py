"""acm_expiry_cli.report: every format of a scan report, from reports built by hand (no AWS, no clock).

Expectations are computed here from the rows themselves, not from the module's helpers.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import escape
from html.parser import HTMLParser
from typing import Literal

import pytest

from acm_expiry.verdict import Compliance, days_left
from acm_expiry_cli.report import CSV_FIELDS, FORMATS, VERDICTS, Report, Row, render

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
WINDOW = 30
A1, A2 = "111111111111", "222222222222"
US, EU, AP = "us-east-1", "eu-west-1", "ap-southeast-2"
LONG_DOMAIN = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 57, "com"])
SPECIAL_DOMAIN = "x<b>&\"'.example.com"
SPECIAL_ANNOTATION = "Exempt by tag owner: <script>alert(\"x\")</script> & 'quotes', a comma"
LONG_ANNOTATION = ('Expires in 45 days (2027-01-11), outside the 30-day window; "quoted", with, commas ' * 4)[
    :255
] + "!"
COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE = VERDICTS


def row(
    account: str,
    region: str,
    name: str,
    days: float | None,
    *,
    verdict: str | None = None,
    annotation: str | None = None,
    domain: str | None = None,
    type: str | None = "AMAZON_ISSUED",
    key: str | None = "RSA_2048",
    in_use: bool | None = True,
    left: int | Literal["auto"] | None = "auto",
) -> Row:
    """A row as the rule would judge it at NOW; days_left comes from the date unless ``left`` is given."""
    expires = NOW + timedelta(days=days) if days is not None else None
    number = (days_left(expires, NOW) if expires else None) if left == "auto" else left
    if verdict is None:
        verdict = NON_COMPLIANT if number is not None and number <= WINDOW else COMPLIANT
    return Row(
        account=account,
        region=region,
        arn=f"arn:aws:acm:{region}:{account}:certificate/{name}",
        domain=domain or f"{name}.example.com",
        type=type,
        key_algorithm=key,
        in_use=in_use,
        expires=expires,
        days_left=number,
        verdict=verdict,
        annotation=annotation if annotation is not None else f"Expires in {number} days ({name}).",
    )


ROWS = [
    row(A1, US, "soon", 0.25),  # week 0, days_left 1
    row(A1, US, "three", 3),
    row(A1, EU, "almost-a-week", 6.99),  # still week 0
    row(A2, US, "one-week", 7),  # exactly 7 days: week 1
    row(A2, AP, "special", 13, domain=SPECIAL_DOMAIN),
    row(A2, AP, "revoked", 10, annotation="Revoked on 2026-11-20: replace it."),
    row(A1, US, "bare", 20, type=None, key=None, in_use=None),
    row(A2, EU, "edge", 30),  # days_left 30: inside the window
    row(A1, EU, "past-edge", 30.01, in_use=False),  # days_left 31: outside
    row(A1, AP, "long", 45, domain=LONG_DOMAIN, annotation=LONG_ANNOTATION, type="IMPORTED"),
    row(A2, US, "sixty", 60, type="PRIVATE"),
    row(A1, US, "eleven", 83.9),  # week 11
    row(A2, EU, "twelve", 84),  # week 12, the short one
    row(A1, AP, "last-day", 89.9),  # week 12
    row(A2, AP, "ninety", 90),  # 90 days exactly: later
    row(A1, US, "hundred", 100),
    row(A2, EU, "far", 120),
    row(A1, US, "expired", -3, annotation="Expired 3 days ago, on 2026-11-24: replace it now."),
    row(A2, EU, "expired-today", -0.1),  # days_left 0
    row(A1, EU, "pending", None, verdict=NOT_APPLICABLE, type=None, in_use=None, annotation="Never issued."),
    row(A2, US, "exempt", 40, verdict=NOT_APPLICABLE, left=None, annotation=SPECIAL_ANNOTATION),
    row(A1, US, "acm-expired", None, verdict=NON_COMPLIANT, annotation="Expired (ACM status EXPIRED): replace it."),
]
REPORT = Report(
    window=WINDOW,
    scanned_at=NOW,
    rows=tuple(sorted(ROWS, key=lambda r: (r.days_left is None, r.days_left or 0, r.region, r.domain))),
    source=f"ACM in {A1}, {A2}: {US}, {EU}, {AP}",
)
ONE_ACCOUNT = Report(WINDOW, NOW, tuple(r for r in REPORT.rows if r.account == A1), f"ACM in {A1}")


def test_the_fixture_covers_what_the_formats_must_handle() -> None:
    assert len(LONG_DOMAIN) == 253 and len(LONG_ANNOTATION) == 256
    assert {r.verdict for r in ROWS} == set(VERDICTS) == {str(c) for c in Compliance}
    assert tuple(Compliance) == VERDICTS


# table -----------------------------------------------------------------------------------------


def table_cells(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The table's headings and rows, cut at the spans of the dashes line under the headings.

    A line that starts with blanks continues the last column of the row above (the narrow table
    wraps its NOTE column); its pieces are joined with single spaces.
    """
    lines = text.split("\n")
    spans = [match.span() for match in re.finditer(r"-+", lines[1])]
    cut = [(start, end) for start, end in spans[:-1]] + [(spans[-1][0], None)]
    headings = [lines[0][start:end].strip() for start, end in cut]
    rows: list[dict[str, str]] = []
    for line in lines[2 : lines.index("")]:
        if line.startswith(" ") and rows:
            rows[-1][headings[-1]] += " " + line.strip()
            continue
        rows.append(dict(zip(headings, (line[start:end].strip() for start, end in cut), strict=True)))
    return headings, rows


def note_of(annotation: str) -> str:
    """What the narrow table's NOTE shows: the annotation after the sentence the columns already say."""
    said = re.match(
        r"Expires (in \d+ days \(\S+\)|within a day \(\S+\)|on \S+), (within|outside) the \d+-day window\. ?",
        annotation,
    )
    rest = annotation[said.end() :] if said else annotation
    return " ".join(rest.split()) or "-"


def clipped_from(cell: str, full: str) -> bool:
    return cell == full or (cell.endswith("…") and full.startswith(cell[:-1]))


def test_table_fits_120_columns_even_with_the_long_domain_and_annotation() -> None:
    text = render(REPORT, "table")
    lines = text.removesuffix("\n").split("\n")
    assert max(len(line) for line in lines) <= 120
    assert all(line == line.rstrip() for line in lines)
    headings, cells = table_cells(text)
    assert headings == ["ACCOUNT", "REGION", "DOMAIN", "TYPE", "EXPIRES", "DAYS", "VERDICT", "NOTE"]
    assert len(cells) == len(REPORT.rows)
    for shown, source in zip(cells, REPORT.rows, strict=True):
        assert shown["ACCOUNT"] == source.account
        assert shown["REGION"] == source.region
        assert shown["TYPE"] == (source.type or "-")
        assert shown["EXPIRES"] == (source.expires.strftime("%Y-%m-%d") if source.expires else "-")
        assert shown["DAYS"] == ("-" if source.days_left is None else str(source.days_left))
        assert shown["VERDICT"] == source.verdict
        assert len(shown["DOMAIN"]) <= 24 and clipped_from(shown["DOMAIN"], source.domain)
        # Wrapped, never cut: every word of the note is there (a word longer than the column may be split).
        assert shown["NOTE"].replace(" ", "") == note_of(source.annotation).replace(" ", "")
    long = next(shown for shown, source in zip(cells, REPORT.rows, strict=True) if source.domain == LONG_DOMAIN)
    assert long["DOMAIN"].endswith("…")


def test_the_note_is_the_advice_the_other_columns_do_not_say() -> None:
    annotation = (
        "Expires in 6 days (2026-12-03), within the 30-day window. ACM never renews imported certificates: "
        "re-import a renewed one to the same ARN."
    )
    rows = (row(A1, US, "shop", 5.5, annotation=annotation, type="IMPORTED"),)
    text = render(Report(WINDOW, NOW, rows, "ACM"), "table")
    (shown,) = table_cells(text)[1]
    assert shown["NOTE"] == "ACM never renews imported certificates: re-import a renewed one to the same ARN."
    assert max(len(line) for line in text.split("\n")) <= 120
    assert len(text.split("\n")) > 5  # the note wraps onto lines of its own rather than being cut


@pytest.mark.parametrize("width", [100, 80, 40])
def test_table_lines_fit_narrower_widths(width: int) -> None:
    *table, blank, summary = render(REPORT, "table", width=width).removesuffix("\n").split("\n")
    assert blank == "" and summary.startswith("22 certificate(s)")  # the summary is never clipped
    assert max(len(line) for line in table) <= width


def test_account_column_only_for_more_than_one_account() -> None:
    text = render(ONE_ACCOUNT, "table")
    headings, cells = table_cells(text)
    assert headings == ["REGION", "DOMAIN", "TYPE", "EXPIRES", "DAYS", "VERDICT", "NOTE"]
    assert len(cells) == len(ONE_ACCOUNT.rows)
    assert A1 not in text.replace(ONE_ACCOUNT.source, "")
    counts = Counter(r.verdict for r in ONE_ACCOUNT.rows)
    assert text.endswith(
        f"\n\n{len(ONE_ACCOUNT.rows)} certificate(s) in 3 region(s), 30-day window: {counts[COMPLIANT]} COMPLIANT, "
        f"{counts[NON_COMPLIANT]} NON_COMPLIANT, {counts[NOT_APPLICABLE]} NOT_APPLICABLE\n"
    )
    assert "account(s)" not in text


def test_wide_table_shows_arns_and_whole_annotations() -> None:
    text = render(REPORT, "table", wide=True)
    headings, cells = table_cells(text)
    assert headings == [
        "ACCOUNT",
        "REGION",
        "DOMAIN",
        "TYPE",
        "KEY",
        "IN USE",
        "EXPIRES",
        "DAYS",
        "VERDICT",
        "ARN",
        "ANNOTATION",
    ]
    for shown, source in zip(cells, REPORT.rows, strict=True):
        assert shown["ARN"] == source.arn
        assert shown["DOMAIN"] == source.domain
        assert shown["ANNOTATION"] == source.annotation
        assert shown["KEY"] == (source.key_algorithm or "-")
        assert shown["IN USE"] == {True: "yes", False: "no", None: "-"}[source.in_use]
    assert max(len(line) for line in text.split("\n")) > 120
    assert all(line == line.rstrip() for line in text.split("\n"))


def test_table_summary_line() -> None:
    counts = Counter(r.verdict for r in ROWS)
    assert render(REPORT, "table").endswith(
        "\n\n22 certificate(s) in 3 region(s) of 2 account(s), 30-day window: "
        f"{counts[COMPLIANT]} COMPLIANT, {counts[NON_COMPLIANT]} NON_COMPLIANT, "
        f"{counts[NOT_APPLICABLE]} NOT_APPLICABLE\n"
    )
    assert counts == {COMPLIANT: 9, NON_COMPLIANT: 11, NOT_APPLICABLE: 2}


def test_small_table_exactly() -> None:
    rows = (row(A1, US, "api", 5.5), row(A1, US, "pending", None, verdict=NOT_APPLICABLE, type=None, annotation=""))
    assert render(Report(7, NOW, rows, "ACM"), "table") == (
        "REGION     DOMAIN               TYPE           EXPIRES     DAYS  VERDICT         NOTE\n"
        "---------  -------------------  -------------  ----------  ----  --------------  ------------------------\n"
        "us-east-1  api.example.com      AMAZON_ISSUED  2026-12-03     6  NON_COMPLIANT   Expires in 6 days (api).\n"
        "us-east-1  pending.example.com  -              -              -  NOT_APPLICABLE  -\n"
        "\n"
        "2 certificate(s) in 1 region(s), 7-day window: 0 COMPLIANT, 1 NON_COMPLIANT, 1 NOT_APPLICABLE\n"
    )


def test_the_summary_counts_every_region_scanned_and_the_whole_scan() -> None:
    """Regions without certificates count; --only-noncompliant shows some rows but counts them all."""
    shown = tuple(r for r in ONE_ACCOUNT.rows if r.verdict == NON_COMPLIANT)
    report = Report(WINDOW, NOW, shown, "ACM", regions=(US, EU, AP, "me-central-1"), scanned=ONE_ACCOUNT.rows)
    counts = Counter(r.verdict for r in ONE_ACCOUNT.rows)
    assert render(report, "table").endswith(
        f"{len(ONE_ACCOUNT.rows)} certificate(s) in 4 region(s), 30-day window: {counts[COMPLIANT]} COMPLIANT, "
        f"{counts[NON_COMPLIANT]} NON_COMPLIANT, {counts[NOT_APPLICABLE]} NOT_APPLICABLE; {len(shown)} shown\n"
    )
    document = json.loads(render(report, "json"))
    assert len(document["rows"]) == document["summary"]["shown"] == len(shown)
    assert document["summary"]["certificates"] == len(ONE_ACCOUNT.rows)
    assert {"account": A1, "region": "me-central-1", COMPLIANT: 0, NON_COMPLIANT: 0, NOT_APPLICABLE: 0} in document[
        "summary"
    ]["byAccountRegion"]


def test_empty_table_is_the_summary_alone() -> None:
    assert render(Report(30, NOW, (), "ACM"), "table") == (
        "0 certificate(s) in 0 region(s), 30-day window: 0 COMPLIANT, 0 NON_COMPLIANT, 0 NOT_APPLICABLE\n"
    )


# csv -------------------------------------------------------------------------------------------


def test_csv_round_trips_every_value() -> None:
    text = render(REPORT, "csv")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert (
        records[0]
        == list(CSV_FIELDS)
        == [
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
        ]
    )
    assert records.count(records[0]) == 1
    assert len(records) == 1 + len(REPORT.rows)
    for record, source in zip(records[1:], REPORT.rows, strict=True):
        assert record == [
            source.account,
            source.region,
            source.arn,
            source.domain,
            source.type or "",
            source.key_algorithm or "",
            {True: "true", False: "false", None: ""}[source.in_use],
            source.expires.strftime("%Y-%m-%dT%H:%M:%SZ") if source.expires else "",
            "" if source.days_left is None else str(source.days_left),
            source.verdict,
            source.annotation,
        ]
    assert [r[-1] for r in records].count(LONG_ANNOTATION) == 1  # commas and quotes intact


def test_csv_uses_crlf_line_ends_and_minimal_quoting() -> None:
    text = render(REPORT, "csv")
    assert text.endswith("\r\n") and text.count("\r\n") == 1 + len(REPORT.rows)
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    assert text.startswith(",".join(CSV_FIELDS) + "\r\n")
    assert f",{escape(SPECIAL_ANNOTATION, quote=False)}," not in text  # not escaped for HTML
    assert '"' + SPECIAL_ANNOTATION.replace('"', '""') + '"\r\n' in text
    assert f",{NOW + timedelta(days=3):%Y-%m-%dT%H:%M:%SZ},3,NON_COMPLIANT,Expires in 3 days (three).\r\n" in text


# json ------------------------------------------------------------------------------------------


def test_json_document() -> None:
    text = render(REPORT, "json")
    assert text.endswith("}\n") and text.startswith('{\n  "window": 30,')
    document = json.loads(text)
    assert list(document) == ["window", "scannedAt", "source", "rows", "summary"]
    assert document["window"] == 30
    assert document["scannedAt"] == "2026-11-27T12:00:00Z"
    assert document["source"] == REPORT.source
    assert len(document["rows"]) == len(REPORT.rows)
    for shown, source in zip(document["rows"], REPORT.rows, strict=True):
        assert list(shown) == [
            "account",
            "region",
            "arn",
            "domain",
            "type",
            "keyAlgorithm",
            "inUse",
            "expires",
            "daysLeft",
            "verdict",
            "annotation",
        ]
        assert (shown["account"], shown["region"], shown["arn"]) == (source.account, source.region, source.arn)
        assert (shown["domain"], shown["annotation"]) == (source.domain, source.annotation)
        assert (shown["type"], shown["keyAlgorithm"], shown["inUse"]) == (
            source.type,
            source.key_algorithm,
            source.in_use,
        )
        assert shown["expires"] == (source.expires.strftime("%Y-%m-%dT%H:%M:%SZ") if source.expires else None)
        assert (shown["daysLeft"], shown["verdict"]) == (source.days_left, source.verdict)


def test_json_summary_counts_the_rows() -> None:
    summary = json.loads(render(REPORT, "json"))["summary"]
    counts = Counter(r.verdict for r in ROWS)
    assert summary["certificates"] == len(ROWS)
    assert {verdict: summary[verdict] for verdict in VERDICTS} == {verdict: counts[verdict] for verdict in VERDICTS}
    places = sorted({(r.account, r.region) for r in ROWS})
    assert [(entry["account"], entry["region"]) for entry in summary["byAccountRegion"]] == places
    for entry in summary["byAccountRegion"]:
        here = Counter(r.verdict for r in ROWS if (r.account, r.region) == (entry["account"], entry["region"]))
        assert entry == {"account": entry["account"], "region": entry["region"], **{v: here[v] for v in VERDICTS}}


# html ------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """What the tests look at in the HTML report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rects: list[dict[str, str | None]] = []  # the bars: rects with data-count
        self.rect_titles: list[str] = []
        self.svg_texts: list[str] = []
        self.rows: list[list[str]] = []  # each <tr>'s cells
        self.heading = ""
        self.text: list[str] = []
        self._open: list[str] = []
        self._cell: list[str] | None = None
        self._in_bar = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._open.append(tag)
        if tag == "rect" and "data-count" in attributes:
            self.rects.append(attributes)
            self._in_bar = True
        elif tag == "title" and self._in_bar:
            self.rect_titles.append("")
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()
        if tag == "rect":
            self._in_bar = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        where = self._open[-1] if self._open else ""
        if self._cell is not None:
            self._cell.append(data)
        elif where == "title" and self._in_bar:
            self.rect_titles[-1] += data
        elif where == "text" and "svg" in self._open:
            self.svg_texts.append(data)
        elif "h1" in self._open:
            self.heading += data


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def timeline_place(r: Row) -> int | str:
    """Where the HTML timeline should put a row, worked out from the requirements."""
    if r.verdict == NOT_APPLICABLE or r.expires is None:
        return "out"
    offset = r.expires - NOW
    if offset <= timedelta(0) or (r.days_left is not None and r.days_left < 1):
        return "expired"
    if offset >= timedelta(days=90):
        return "later"
    return int(offset.total_seconds() // (7 * 86400))


def test_html_is_self_contained() -> None:
    text = render(REPORT, "html")
    page = parse(text)
    names = [tag for tag, _ in page.tags]
    assert text.startswith("<!DOCTYPE html>") and text.endswith("</html>\n")
    assert "script" not in names and "link" not in names and "iframe" not in names and "img" not in names
    assert "<script" not in text.lower()
    assert names.count("svg") == 1 and names.count("style") == 1
    for _, attributes in page.tags:
        assert "src" not in attributes and "href" not in attributes
        assert not any(value and "http" in value for value in attributes.values())
    assert "url(" not in text and "@import" not in text
    assert REPORT.source in page.heading
    assert "2026-11-27 12:00 UTC" in text


def test_html_timeline_counts_each_week_by_verdict() -> None:
    page = parse(render(REPORT, "html"))
    expected = Counter((place, r.verdict) for r in REPORT.rows if isinstance(place := timeline_place(r), int))
    shown = Counter[tuple[int, str]]()
    for rect in page.rects:
        key = (int(rect["data-week"] or ""), rect["data-verdict"] or "")
        assert key not in shown, "one rect per (week, verdict)"
        shown[key] = int(rect["data-count"] or "")
    assert shown == expected
    assert {week for week, _ in shown} <= set(range(13)) and {verdict for _, verdict in shown} <= {
        COMPLIANT,
        NON_COMPLIANT,
    }
    within_90_days = [r for r in REPORT.rows if isinstance(timeline_place(r), int)]
    assert sum(shown.values()) == len(within_90_days) == 14
    assert shown[(12, COMPLIANT)] == 2 and shown[(0, NON_COMPLIANT)] == 3 and shown[(4, NON_COMPLIANT)] == 1
    fills = {rect["data-verdict"]: rect["fill"] for rect in page.rects}
    assert len(set(fills.values())) == 2
    assert len(page.rect_titles) == len(page.rects)
    for rect, title in zip(page.rects, page.rect_titles, strict=True):
        assert title.startswith(f"{rect['data-count']} {rect['data-verdict']}: expiring from ")


def test_html_timeline_axis_and_what_it_leaves_out() -> None:
    text = render(REPORT, "html")
    page = parse(text)
    dates = [label for label in page.svg_texts if re.fullmatch(r"\d{4}-\d{2}-\d{2}", label)]
    assert dates == [(NOW + timedelta(days=7 * week)).strftime("%Y-%m-%d") for week in range(13)]
    assert "COMPLIANT" in page.svg_texts and "NON_COMPLIANT" in page.svg_texts  # the legend
    places = Counter(timeline_place(r) for r in REPORT.rows)
    words = " ".join("".join(page.text).split())
    assert f"expired: {places['expired']}" in words and places["expired"] == 2
    assert f"{places['later']} expire later than 90 days" in words and places["later"] == 3
    for verdict, count in Counter(r.verdict for r in REPORT.rows).items():
        assert f"{count} {verdict}" in words
    assert "30-day window" in words


def test_html_table_has_every_row_and_every_value_escaped() -> None:
    text = render(REPORT, "html")
    page = parse(text)
    header, *body = page.rows
    assert header == [
        "Account",
        "Region",
        "Domain",
        "Type",
        "Key",
        "In use",
        "Expires",
        "Days",
        "Verdict",
        "ARN",
        "Annotation",
    ]
    assert [tag for tag, _ in page.tags].count("tr") == 1 + len(REPORT.rows)
    for cells, source in zip(body, REPORT.rows, strict=True):
        assert cells[0:3] == [source.account, source.region, source.domain]
        assert cells[8:] == [source.verdict, source.arn, source.annotation]
    assert escape(SPECIAL_DOMAIN) in text and SPECIAL_DOMAIN not in text
    assert escape(SPECIAL_ANNOTATION) in text and SPECIAL_ANNOTATION not in text
    assert "&lt;script&gt;" in text and "&amp;" in text and "&quot;" in text and "&#x27;" in text
    assert LONG_DOMAIN in text and escape(LONG_ANNOTATION) in text


def test_html_of_an_empty_report() -> None:
    page = parse(render(Report(30, NOW, (), "Config aggregator <org>"), "html"))
    assert page.rects == [] and len(page.rows) == 1
    assert "No certificate expires in the next 90 days" in page.svg_texts
    assert page.heading == "ACM certificate expiry: Config aggregator <org>"


# every format ----------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", FORMATS)
def test_same_report_same_text(output_format: str) -> None:
    copy = Report(WINDOW, NOW, tuple(REPORT.rows), REPORT.source)
    assert render(REPORT, output_format) == render(copy, output_format)
    assert render(REPORT, output_format).endswith("\n")


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render(REPORT, "xml")
    with pytest.raises(ValueError, match="timezone-aware"):
        render(Report(WINDOW, NOW.replace(tzinfo=None), (), "ACM"), "json")
    with pytest.raises(ValueError, match="unknown verdict"):
        render(Report(WINDOW, NOW, (row(A1, US, "x", 5, verdict="MAYBE"),), "ACM"), "csv")
