"""Reports of an `acm-expiry scan`: the :class:`Report` and its rows, and the text formats.

What every format shares lives here: the model, the escaping of untrusted text, the counts and
dates; the ``table``, ``csv`` and ``json`` formats too. The ``html`` page is
:mod:`acm_expiry_cli.html_report`, which uses this module (never the other way round), and
:func:`acm_expiry_cli.formats.render` picks a format by name.

Pure rendering: no AWS, no clock, no randomness, so the same report always renders to the same
text. Every format ends with a newline; write it as is (``out.write(render(...))``).

Values that come from AWS (domain names, ARNs, tags quoted in annotations, whatever an
aggregator row holds) are untrusted: ACM imports a certificate with any subject, and an
organization scan reads accounts you do not control. So every text format shows them through
:func:`printable`, which writes each control, format (bidi overrides, zero-width characters),
separator or unassigned character as a visible escape (``\\x1b``, ``\\u202e``): nothing from a
certificate can move the cursor, recolour, hide or reorder what a terminal or page shows.

``table``
    For a terminal. Columns: ACCOUNT (only when the rows span more than one account), REGION,
    DOMAIN, TYPE, EXPIRES (the date), DAYS, VERDICT, NOTE (the annotation without the sentence
    the date, days and verdict columns already say: the advice); missing values print ``-``.
    Nothing is cut: a cell too long for its column wraps onto the next lines of the row, names
    (domains, ARNs, regions) after a ``.``, ``:``, ``/``, ``-``, ``_`` or ``@``, prose at spaces.
    DOMAIN wraps beyond :data:`DOMAIN_MAX` characters; NOTE gets what is left of ``width`` (120
    by default) and wraps in it; when that is under :data:`NOTE_MIN`, the names give up room down
    to their floors. Were even the floors too wide for ``width`` (never at 120 with region names
    of up to 14 characters, an ACCOUNT column included), lines would be longer than ``width``
    rather than lose anything. ``wide=True`` adds KEY, IN USE and the whole ARN, and writes each
    row's whole annotation on the lines under it from the DOMAIN column, in :data:`WIDE_WIDTH`
    columns. Then a blank line and one summary line (the summary alone when there are no rows)::

        20 certificate(s) in 3 region(s) of 2 account(s), 30-day window: 9 COMPLIANT, ...

    (R counts distinct region names; "of A account(s)" only appears for more than one account.)

``csv``
    RFC 4180: "\\r\\n" line ends, one header row (:data:`CSV_FIELDS`), one record per row.
    ``days_left`` is a bare integer (negative once expired), so a spreadsheet reads it as a
    number; every other cell is quoted text, shown through :func:`printable`, and a text cell a
    spreadsheet would run as a formula (its first character, or first after spaces, is ``=``,
    ``+``, ``-`` or ``@``; a leading TAB, CR or NUL cannot remain after :func:`printable`) gets a
    leading ``'``, as OWASP recommends (:func:`spreadsheet_text`). ``expires`` is
    ``YYYY-MM-DDTHH:MM:SSZ``, ``in_use`` is ``true``/``false``; missing values are empty cells.

``json``
    One object: ``window``, ``scannedAt``, ``source``, ``rows`` (objects with the CSV's fields in
    camelCase, ``null`` for missing values) and ``summary``: ``certificates``, the count of each
    verdict, and ``byAccountRegion``, those counts per (account, region) sorted by account then
    region. Values are exact (JSON escapes control characters itself); ASCII only, indented by 2.

``html``
    One self-contained page, for people: see :mod:`acm_expiry_cli.html_report`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

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
WIDE_WIDTH = 200  # --wide: the ARN and the whole annotation, still short of most screens' full width
DOMAIN_MAX = 30  # the DOMAIN column wraps longer names
DOMAIN_MIN = 16  # ... and narrows down to this to give the NOTE room
NOTE_MIN = 23  # the room the NOTE should get before names narrow
MISSING = "-"
EXPIRED = "expired"  # the table's word beside an expired row's verdict
# Spreadsheets run a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = frozenset("=+-@\t\r\n\0")
# ... and their look-alikes: a character whose compatibility form (NFKC) is one of them (full-width
# U+FF1D, U+FF0B, U+FF0D, U+FF20; the small forms U+FE62, U+FE63, U+FE66, U+FE6B; superscript and
# subscript signs) or the minus sign U+2212, which superscript minus becomes. Whether a given
# spreadsheet or import path folds them into formulas is not verified here; a quote costs nothing.
MINUS_SIGN = "\u2212"
# Printable by Python's reckoning, yet drawn as nothing (or as a blank) by terminals, browsers and
# spreadsheets, so a name made of them looks empty or like another name. Two sources:
# - Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt, Unicode 15.0, the
#   version of this Python's unicodedata): "should be rendered as completely invisible"; its other
#   members are format (Cf) or unassigned code points, which str.isprintable already refuses.
#   tests/test_report.py checks this set against the property as the regex module knows it.
# - Graphic characters that render blank, from invisible-characters.com's list: BRAILLE PATTERN
#   BLANK U+2800 and MUSICAL SYMBOL NULL NOTEHEAD U+1D159; and KHITAN SMALL SCRIPT FILLER U+16FE4,
#   a filler like Hangul's.
INVISIBLE = frozenset(
    chr(code)
    for first, last in (
        (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
        (0x115F, 0x1160),  # HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER
        (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ, AA
        (0x180B, 0x180D),  # MONGOLIAN FREE VARIATION SELECTOR ONE..THREE
        (0x180F, 0x180F),  # MONGOLIAN FREE VARIATION SELECTOR FOUR
        (0x3164, 0x3164),  # HANGUL FILLER
        (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1..16
        (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
        (0xE0100, 0xE01EF),  # VARIATION SELECTOR-17..256
        (0x2800, 0x2800),  # BRAILLE PATTERN BLANK
        (0x16FE4, 0x16FE4),  # KHITAN SMALL SCRIPT FILLER
        (0x1D159, 0x1D159),  # MUSICAL SYMBOL NULL NOTEHEAD
    )
    for code in range(first, last + 1)
)


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
    source: str  # e.g. "ACM in account 123456789012: us-east-1, eu-west-1" or "Config aggregator org-agg"
    regions: tuple[str, ...] = ()  # every region scanned, certificates or not (default: the rows')
    scanned: tuple[Row, ...] | None = None  # every row of the scan, when ``rows`` shows only some
    accounts: tuple[str, ...] = ()  # every account scanned, certificates or not, where known (default: the rows')

    @property
    def all_rows(self) -> tuple[Row, ...]:
        """The whole scan, which summaries count (``rows`` may be a filtered part of it)."""
        return self.rows if self.scanned is None else self.scanned


def check(report: Report) -> None:
    """Raise :class:`ValueError` for a naive datetime or an unknown verdict."""
    if report.scanned_at.tzinfo is None:
        raise ValueError("scanned_at must be timezone-aware")
    for row in report.all_rows + (report.rows if report.scanned is not None else ()):
        if row.expires is not None and row.expires.tzinfo is None:
            raise ValueError(f"{row.arn}: expires must be timezone-aware")
        if row.verdict not in VERDICTS:
            raise ValueError(f"{row.arn}: unknown verdict {row.verdict!r}")


# Untrusted text ------------------------------------------------------------------------------


def printable(text: str) -> str:
    """``text`` with every character a terminal, spreadsheet or page could act on written as an escape.

    Escaped: control characters (C0, DEL, C1: ESC starts terminal sequences, CR overwrites a line,
    NUL cuts strings), format characters (bidi overrides and isolates, zero-width characters),
    line and paragraph separators, other spaces than U+0020, surrogates, private-use and unassigned
    code points: everything ``str.isprintable`` refuses; and the printable characters that are drawn
    as nothing or as a blank (:data:`INVISIBLE`: Hangul fillers, braille blank, variation selectors).
    ``\\x1b`` for code points under 256, ``\\u202e`` or ``\\U000e0001`` above. Other text is
    returned as it is.
    """
    if text.isprintable() and INVISIBLE.isdisjoint(text):
        return text
    return "".join(char if char == " " or (char.isprintable() and char not in INVISIBLE) else _escape(char)
                   for char in text)  # fmt: skip


def ascii_escaped(text: str) -> str:
    """:func:`printable`, and every non-ASCII character escaped the same way: for an ASCII-only output."""
    return "".join(char if char.isascii() else _escape(char) for char in printable(text))


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def one_line(text: str) -> str:
    """A message for stderr: whitespace runs made one space, then :func:`printable`."""
    return printable(" ".join(text.split()))


def spreadsheet_text(value: str) -> str:
    """A text cell no spreadsheet runs as a formula: :func:`printable`, then a leading ``'`` where needed.

    The quote goes before a value whose first character, or first after spaces (which some
    importers trim), is one of :data:`FORMULA_STARTS` or a look-alike of one (full-width,
    small, superscript or subscript forms, the minus sign). Excel and LibreOffice show such a cell as text,
    the quote visible; the value itself is unchanged after it.
    """
    text = printable(value)
    if _starts_formula(text[:1]) or _starts_formula(text.lstrip(" ")[:1]):
        return "'" + text
    return text


def _starts_formula(char: str) -> bool:
    if not char:
        return False
    if char in FORMULA_STARTS or char == MINUS_SIGN:
        return True
    compatible = unicodedata.normalize("NFKC", char)[:1]
    return compatible in FORMULA_STARTS or compatible == MINUS_SIGN


# Shared pieces -------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}(s)"


def verdict_counts(rows: Iterable[Row]) -> dict[str, int]:
    counts = Counter(row.verdict for row in rows)
    return {verdict: counts[verdict] for verdict in VERDICTS}


def counts_text(rows: Iterable[Row]) -> str:
    return ", ".join(f"{count} {verdict}" for verdict, count in verdict_counts(rows).items())


def accounts(rows: Iterable[Row]) -> list[str]:
    return sorted({row.account for row in rows})


def scanned_accounts(report: Report) -> list[str]:
    """Every account scanned, with certificates or not (where the scan knows it), sorted."""
    return sorted(set(report.accounts) | {row.account for row in report.all_rows})


def regions(report: Report) -> list[str]:
    """Every region scanned, with certificates or not, sorted."""
    return sorted(set(report.regions) | {row.region for row in report.all_rows})


def scope(report: Report) -> str:
    """The summary's "N certificate(s) in R region(s)", plus " of A account(s)" when there are several."""
    count = len(scanned_accounts(report))
    where = f"{plural(len(report.all_rows), 'certificate')} in {plural(len(regions(report)), 'region')}"
    return where + (f" of {plural(count, 'account')}" if count > 1 else "")


def is_expired(row: Row, scanned_at: datetime) -> bool:
    """Whether the certificate had expired when scanned (its date is past, or its days left under 1)."""
    if row.verdict != "NON_COMPLIANT":
        return False
    return (row.expires is not None and row.expires <= scanned_at) or (row.days_left is not None and row.days_left < 1)


# table ---------------------------------------------------------------------------------------

_NAME_BREAK = re.compile(r".+?(?:[.:/@_-]|$)")  # a name's pieces, each ending after a separator


@dataclass(frozen=True, slots=True)
class _Column:
    heading: str
    value: Callable[[Row, datetime], str | int | bool | None]  # the row and when it was scanned
    right: bool = False  # right-aligned (numbers)
    floor: int | None = None  # the narrowest it wraps to; None: values we write, never wrapped
    cap: int | None = None  # the widest it grows before wrapping; None: its longest value
    prose: bool = False  # wraps at spaces; otherwise a name, wrapped after separators


_ACCOUNT = _Column("ACCOUNT", lambda row, _: row.account, floor=12)
_REGION = _Column("REGION", lambda row, _: row.region, floor=14)
_DOMAIN = _Column("DOMAIN", lambda row, _: row.domain, floor=DOMAIN_MIN, cap=DOMAIN_MAX)
_TYPE = _Column("TYPE", lambda row, _: row.type, floor=13)
_KEY = _Column("KEY", lambda row, _: row.key_algorithm, floor=13)
_IN_USE = _Column("IN USE", lambda row, _: row.in_use)
_EXPIRES = _Column("EXPIRES", lambda row, _: date(row.expires) if row.expires else None)
_DAYS = _Column("DAYS", lambda row, _: row.days_left, right=True)
# Expired rows say so in words as well as with negative days, as the HTML page's EXPIRED badge does.
# Too wide a line, and "NON_COMPLIANT, expired" wraps after its comma (before the note narrows).
_VERDICT = _Column(
    "VERDICT",
    lambda row, at: f"{row.verdict}, {EXPIRED}" if is_expired(row, at) else row.verdict,
    floor=len("NOT_APPLICABLE"),
    prose=True,
)
_ARN = _Column("ARN", lambda row, _: row.arn, floor=24)
# The annotation's first sentence for a dated certificate repeats the EXPIRES, DAYS and VERDICT
# columns ("Expires in 6 days (2026-12-08), within the 30-day window."; a COMPLIANT one "Expires on
# 2027-03-28, outside the 30-day window."); the narrow table shows what follows it, the advice.
_SAID_BY_COLUMNS = re.compile(
    r"^Expires (?:in \d+ days \(\d{4}-\d{2}-\d{2}\)|within a day \(\d{4}-\d{2}-\d{2}\)|on \d{4}-\d{2}-\d{2}), "
    r"(?:within|outside) the \d+-day window\.\s*"
)
_NOTE = _Column("NOTE", lambda row, _: note(row.annotation) or None, floor=NOTE_MIN, prose=True)


def note(annotation: str) -> str:
    """The annotation without the sentence a report's expiry, days and verdict columns already say: the advice."""
    return _SAID_BY_COLUMNS.sub("", annotation)


# Which columns give up room first when the line is too long: the verdict's word, the prose, then the longest names.
_SHRINK_ORDER = (_VERDICT, _NOTE, _DOMAIN, _ARN, _KEY, _TYPE, _REGION, _ACCOUNT)


def table(report: Report, wide: bool = False, width: int | None = None) -> str:
    """The ``table`` format; ``width`` defaults to :data:`DEFAULT_WIDTH`, or :data:`WIDE_WIDTH` when ``wide``."""
    width = width if width is not None else WIDE_WIDTH if wide else DEFAULT_WIDTH
    if width < 1:
        raise ValueError(f"width must be at least 1, not {width}")
    lines = _table_lines(report, wide, width) if report.rows else []
    if lines:
        lines.append("")
    shown = f"; {len(report.rows)} shown" if len(report.rows) != len(report.all_rows) else ""
    lines.append(f"{scope(report)}, {report.window}-day window: {counts_text(report.all_rows)}{shown}")
    return "\n".join(lines) + "\n"


def _table_columns(report: Report, wide: bool) -> list[_Column]:
    columns = [_ACCOUNT] if len(accounts(report.all_rows)) > 1 else []
    columns += [_REGION, _DOMAIN, _TYPE]
    if wide:
        columns += [_KEY, _IN_USE]
    columns += [_EXPIRES, _DAYS, _VERDICT]
    return [*columns, _ARN] if wide else [*columns, _NOTE]


def _table_lines(report: Report, wide: bool, width: int) -> list[str]:
    """Headings, dashes, then each row's lines; wide, each row's whole annotation below it, from the DOMAIN column."""
    columns = _table_columns(report, wide)
    cells = [[_cell(column.value(row, report.scanned_at)) for column in columns] for row in report.rows]
    widths = _layout(columns, cells, width)
    indent = sum(size + 2 for size in widths[: columns.index(_DOMAIN)])
    lines = [_line([column.heading for column in columns], columns, widths)]
    lines.append("  ".join("-" * size for size in widths))
    for row, line in zip(report.rows, cells, strict=True):
        pieces = [_wrap(cell, column, size) for cell, column, size in zip(line, columns, widths, strict=True)]
        for index in range(max(len(piece) for piece in pieces)):
            lines.append(_line([p[index] if index < len(p) else "" for p in pieces], columns, widths))
        if wide:
            below = textwrap.wrap(_cell(row.annotation), max(width - indent, NOTE_MIN), break_on_hyphens=False)
            lines += [" " * indent + piece for piece in below or [MISSING]]
    return lines


def _cell(value: str | int | bool | None) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    return " ".join(printable(str(value)).split()) or MISSING


def _layout(columns: Sequence[_Column], cells: Sequence[Sequence[str]], width: int) -> list[int]:
    """Each column's width: its longest value (up to its cap), narrowed in :data:`_SHRINK_ORDER` to fit ``width``."""
    widths = []
    for index, column in enumerate(columns):
        longest = max([len(column.heading), *(len(line[index]) for line in cells)])
        widths.append(min(longest, column.cap) if column.cap else longest)
    excess = sum(widths) + 2 * (len(widths) - 1) - width
    for column in _SHRINK_ORDER:
        if excess <= 0:
            break
        if column in columns and column.floor is not None:
            index = columns.index(column)
            give = min(excess, widths[index] - max(column.floor, len(column.heading)))
            if give > 0:
                widths[index] -= give
                excess -= give
    return widths


def _wrap(cell: str, column: _Column, width: int) -> list[str]:
    """The cell's lines in a column ``width`` wide; their characters are exactly the cell's (prose: its words)."""
    if len(cell) <= width:
        return [cell]
    if column.prose:
        return textwrap.wrap(cell, width, break_on_hyphens=False)
    lines = [""]
    for piece in _NAME_BREAK.findall(cell):
        while piece:
            room = width - len(lines[-1])
            if len(piece) <= room:
                lines[-1] += piece
                piece = ""
            elif lines[-1] and len(piece) <= width:
                lines.append("")
            else:  # longer than a whole line: cut it where the line ends
                lines[-1] += piece[:room]
                piece = piece[room:]
                lines.append("")
    return [line for line in lines if line]


def _line(values: Sequence[str], columns: Sequence[_Column], widths: Sequence[int]) -> str:
    padded = [
        value.rjust(size) if column.right else value.ljust(size)
        for value, column, size in zip(values[:-1], columns[:-1], widths[:-1], strict=True)
    ]
    return "  ".join([*padded, values[-1]]).rstrip()


# csv and json --------------------------------------------------------------------------------


def csv_text(report: Report) -> str:
    """The ``csv`` format."""
    buffer = io.StringIO(newline="")
    # QUOTE_NONNUMERIC: every text cell quoted (a ';' in one cannot start a new cell where ';'
    # separates), the one number bare.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(CSV_FIELDS)
    writer.writerows(_csv_row(row) for row in report.rows)
    return buffer.getvalue()


def _csv_row(row: Row) -> list[str | int]:
    text = [
        row.account,
        row.region,
        row.arn,
        row.domain,
        row.type or "",
        row.key_algorithm or "",
        "" if row.in_use is None else str(row.in_use).lower(),
        iso(row.expires) if row.expires else "",
    ]
    after = [row.verdict, row.annotation]
    days: list[str | int] = ["" if row.days_left is None else row.days_left]
    return [*map(spreadsheet_text, text), *days, *map(spreadsheet_text, after)]


def json_text(report: Report) -> str:
    """The ``json`` format."""
    document = {
        "window": report.window,
        "scannedAt": iso(report.scanned_at),
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
        "expires": iso(row.expires) if row.expires else None,
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
    named = scanned_accounts(report)
    if len(named) <= 1:
        for region in report.regions:
            places.setdefault((named[0] if named else "", region), [])
    by_place = [
        {"account": account, "region": region, **verdict_counts(rows)}
        for (account, region), rows in sorted(places.items())
    ]
    rows = report.all_rows
    shown = {"shown": len(report.rows)} if report.scanned is not None else {}
    return {"certificates": len(rows), **verdict_counts(rows), **shown, "byAccountRegion": by_place}
