"""A report in the format named on the command line: :data:`FORMATS`, :func:`render`.

The one place that knows every format: :mod:`acm_expiry_cli.report` holds the model and the text
formats, :mod:`acm_expiry_cli.html_report` the page, and each uses only what it needs.
"""

from __future__ import annotations

from acm_expiry_cli.html_report import html
from acm_expiry_cli.report import Report, check, csv_text, json_text, table

FORMATS = ("table", "csv", "json", "html")


def render(report: Report, output_format: str, *, wide: bool = False, width: int | None = None) -> str:
    """The report in one of :data:`FORMATS`; ``wide`` and ``width`` only matter to ``table``.

    ``width`` defaults to :data:`~acm_expiry_cli.report.DEFAULT_WIDTH`, or
    :data:`~acm_expiry_cli.report.WIDE_WIDTH` when ``wide``. Raises :class:`ValueError` for an unknown
    format, a width under 1, a naive datetime or an unknown verdict.
    """
    if output_format not in FORMATS:
        raise ValueError(f"unknown report format {output_format!r}: expected one of {', '.join(FORMATS)}")
    if width is not None and width < 1:
        raise ValueError(f"width must be at least 1, not {width}")
    check(report)
    if output_format == "table":
        return table(report, wide, width)
    if output_format == "csv":
        return csv_text(report)
    if output_format == "json":
        return json_text(report)
    return html(report)
