"""`acm-expiry`: the rule's own logic from the command line."""

from __future__ import annotations

import argparse
import io
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

from acm_expiry_cli import org_status
from acm_expiry_cli.formats import FORMATS

# Exit 2 means "something is NON_COMPLIANT" for `scan`, so usage errors exit 1 like every other
# error (argparse's own default is 2).
EXIT_USAGE = 1
DISTRIBUTION = "acm-expiry-rule"

SCAN_DESCRIPTION = """\
Judge every ACM certificate with the rule's own code, in this account's regions (ACM directly) or in \
every account and region of an AWS Config aggregator. Read-only: nothing is sent to AWS Config or Security Hub."""
SCAN_EPILOG = """\
Exit status: 0 when no certificate is NON_COMPLIANT, 2 when one is, 1 on error.

Credentials, region and endpoint come from the usual places: --profile or AWS_PROFILE, AWS_REGION / \
AWS_DEFAULT_REGION or the profile's region, AWS_ENDPOINT_URL.

Permissions: acm:ListCertificates and acm:DescribeCertificate; tag:GetResources with --exempt-tag; \
ec2:DescribeRegions with --all-regions; config:SelectAggregateResourceConfig with --aggregator.

Examples:
  acm-expiry scan --region us-east-1 --region eu-west-1 --days 30
  acm-expiry scan --all-regions --exempt-tag acm-expiry-exempt
  acm-expiry scan --profile prod --format csv --output expiring.csv
  acm-expiry scan --aggregator org-aggregator --format html --output report.html"""
EPILOG = """\
Examples:
  acm-expiry demo                     the rule on made-up certificates, offline
  acm-expiry scan --region us-east-1  one region's certificates, judged
  acm-expiry scan --aggregator org-agg --format html --output report.html
  acm-expiry scan --help              where to scan, the window, the formats
  acm-expiry org-status               the roll-out's unhealthy stack instances
  acm-expiry remediate <ARN>          what the runbook would fix (--apply: fix)

Deploying the rule itself: deploy/README.md in the project's folder."""
DEMO_DESCRIPTION = """\
Run the rule's Lambda handler on certificates made in moto, offline, and show what Config receives: each \
certificate's verdict and annotation, a summary of the handler's log line, and the HTML and CSV reports of \
what it judged (in --output-dir). Needs the demo extra: from the project's folder, pip install '.[demo]' \
(make demo does it)."""
FORMAT_HELP = (
    "table (default): for a terminal, 120 columns, long domains and notes wrapped; "
    "csv: for spreadsheets, one row per certificate, cells a spreadsheet would run as formulas made text; "
    "json: for programs, exact values and a summary; "
    "html: one self-contained page to hand over (timeline, sorting, print and phone layouts)"
)


class _Formatter(argparse.HelpFormatter):
    """Wraps descriptions and epilogs paragraph by paragraph, to the terminal's width (argparse joins them).

    A paragraph whose lines after the first are indented (examples) keeps its lines as written.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(
            "\n".join(indent + line for line in paragraph.splitlines())
            if "\n  " in paragraph
            else textwrap.fill(paragraph, width, initial_indent=indent, subsequent_indent=indent)
            for paragraph in text.split("\n\n")
        )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="acm-expiry", description=__doc__, epilog=EPILOG, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="run the real Lambda handler on a built-in inventory, against moto (no AWS account)",
        description=DEMO_DESCRIPTION,
        formatter_class=_Formatter,
    )
    demo.add_argument("--verbose", action="store_true", help="print the handler's whole JSON log lines as well")
    demo.add_argument(
        "--output-dir",
        metavar="DIR",
        default="build/demo",
        help="where the HTML and CSV reports go (default: build/demo, under the current folder)",
    )
    scan = commands.add_parser(
        "scan",
        help="judge every certificate as the rule does (read-only), in one account or an organization",
        description=SCAN_DESCRIPTION,
        epilog=SCAN_EPILOG,
        formatter_class=_Formatter,
    )
    scan.add_argument("--profile", help="AWS profile to use (default: AWS_PROFILE, then the default profile)")
    where = scan.add_argument_group("where")
    where.add_argument(
        "--region",
        dest="regions",
        action="append",
        metavar="REGION",
        help="region to scan (repeatable); with --aggregator, only certificates in it "
        "(default: AWS_REGION, AWS_DEFAULT_REGION or the profile's region)",
    )
    where.add_argument(
        "--all-regions", action="store_true", help="every region enabled in the account (EC2 DescribeRegions)"
    )
    where.add_argument(
        "--aggregator",
        metavar="NAME",
        help="read every account and region from this AWS Config aggregator (in the session's region)",
    )
    where.add_argument(
        "--account",
        dest="accounts",
        action="append",
        metavar="ID",
        help="with --aggregator: only certificates in this account (repeatable)",
    )
    judge = scan.add_argument_group("judging")
    judge.add_argument(
        "--days",
        metavar="N",
        help="flag certificates expiring within N days, 1..3650 (default 30, as the rule's daysToExpiration)",
    )
    judge.add_argument(
        "--exempt-tag",
        metavar="KEY",
        help="certificates carrying this tag key are NOT_APPLICABLE, as with the rule's exemptTagKey "
        "(empty: no exemptions, as there)",
    )
    output = scan.add_argument_group("output")
    output.add_argument("--format", dest="output_format", choices=FORMATS, default="table", help=FORMAT_HELP)
    output.add_argument(
        "--wide",
        action="store_true",
        help="table: add key, in-use and ARN columns and each whole annotation (200 columns); "
        "an error with csv, json and html, which always carry every field",
    )
    output.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    output.add_argument("--only-noncompliant", action="store_true", help="show only NON_COMPLIANT certificates")
    org_status.add_parser(commands, _Formatter)
    from acm_expiry_cli.remediate import add_parser as add_remediate

    add_remediate(commands, _Formatter)
    return parser


def main(argv: Sequence[str] | None = None, new_session: Callable[..., Any] | None = None) -> int:
    """Run ``acm-expiry``; ``new_session`` makes the AWS session (tests pass their doubles')."""
    _escape_what_cannot_be_encoded()
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from acm_expiry_cli.demo import run_demo

        try:
            return run_demo(verbose=args.verbose, output_dir=args.output_dir)
        except BrokenPipeError:  # `acm-expiry demo | head`: the reader left
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    if args.command == "scan":
        from acm_expiry_cli.scan import ScanOptions, run_scan

        options = ScanOptions(
            profile=args.profile,
            regions=tuple(args.regions or ()),
            all_regions=args.all_regions,
            accounts=tuple(args.accounts or ()),
            aggregator=args.aggregator,
            days=args.days,
            exempt_tag=args.exempt_tag,
            output_format=args.output_format,
            wide=args.wide,
            output=args.output,
            only_noncompliant=args.only_noncompliant,
        )
        try:
            return run_scan(options, new_session=new_session) if new_session else run_scan(options)
        except KeyboardInterrupt:
            print("acm-expiry scan: interrupted", file=sys.stderr)
            return 130
    if args.command == "remediate":
        from acm_expiry_cli.remediate import run_remediate

        return run_remediate(args, new_session=new_session) if new_session else run_remediate(args)
    if args.command == "org-status":
        return org_status.run(args, new_session) if new_session else org_status.run(args)
    return EXIT_USAGE


def _escape_what_cannot_be_encoded() -> None:
    """An ASCII-only terminal (PYTHONIOENCODING=ascii, an old locale) gets escapes, never a traceback.

    Reports escape such characters themselves, so that columns line up; this catches the rest
    (error lines quoting a domain, the demo).
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


if __name__ == "__main__":
    sys.exit(main())
