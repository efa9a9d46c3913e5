"""`acm-expiry remediate ARN`: the remediation runbook's own code, from a terminal.

It runs :func:`acm_expiry.remediation.remediate`, the function the runbook's ``aws:executeScript``
step runs, with the caller's credentials instead of the runbook's role, and prints the same
actions (``--format json``: the runbook's output, key for key). A dry run unless ``--apply``.

Exit status: 0 when the run finished (whatever it did or left undone, each line says why), 1 on
bad input or when AWS refused or failed a call (one line on stderr; what was done before it is
printed first).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

import boto3
from botocore.exceptions import BotoCoreError, ProfileNotFound

from acm_expiry.edge import new_session
from acm_expiry.remediation import (
    MAX_RENEW_WITHIN_DAYS,
    RENEW_WITHIN_DAYS,
    RETRIES,
    InvalidInput,
    Options,
    RemediationFailed,
    Report,
    parse_arn,
    remediate,
)

EXIT_OK, EXIT_ERROR = 0, 1
NewSession = Callable[..., boto3.Session]

DESCRIPTION = """\
Fix what AWS allows for one ACM certificate, with the remediation runbook's own code (deploy/remediation.yaml): \
write its DNS validation records missing from this account's public Route 53 zones (UPSERT, never a delete, never a \
private zone), renew it if it is exported and close to expiry; for anything else, say why nothing is done. \
A dry run unless --apply."""
EPILOG = """\
Exit status: 0 when the run finished (each line says what was done or why not), 1 on bad input or when AWS \
refused a call.

Permissions: acm:DescribeCertificate, route53:ListHostedZonesByName, route53:ListResourceRecordSets, \
acm-pca:DescribeCertificateAuthority; with --apply, route53:ChangeResourceRecordSets and acm:RenewCertificate. \
The Region is the certificate's (from its ARN)."""


def add_parser(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """The ``remediate`` subcommand, on ``acm-expiry``'s subparsers."""
    parser = commands.add_parser(
        "remediate",
        help="fix what AWS allows for one certificate (missing DNS validation records, renewal of an exported one)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("certificate_arn", metavar="ARN", help="the ACM certificate's ARN")
    parser.add_argument("--apply", action="store_true", help="make the changes (default: a dry run, read-only)")
    parser.add_argument(
        "--renew-exported-public",
        action="store_true",
        help="renew an exported public certificate too (ACM charges for each renewal)",
    )
    parser.add_argument(
        "--no-renew-exported-private", action="store_true", help="do not renew an exported private certificate"
    )
    parser.add_argument(
        "--renew-within-days",
        metavar="N",
        default=str(RENEW_WITHIN_DAYS),
        help=f"renew only a certificate this close to expiry, 1..{MAX_RENEW_WITHIN_DAYS} "
        f"(default {RENEW_WITHIN_DAYS}, the rule's daysToExpiration)",
    )
    parser.add_argument("--profile", help="AWS profile to use (default: AWS_PROFILE, then the default profile)")
    parser.add_argument(
        "--format", dest="output_format", choices=("text", "json"), default="text", help="text (default) or json"
    )


def run_remediate(
    args: argparse.Namespace,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    new_session: NewSession = new_session,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        arn = parse_arn(args.certificate_arn)
        options = Options.from_input(
            {
                "DryRun": not args.apply,
                "RenewExportedPrivate": not args.no_renew_exported_private,
                "RenewExportedPublic": args.renew_exported_public,
                "RenewWithinDays": args.renew_within_days,
            }
        )
        session = new_session(profile_name=args.profile)
        if session.get_credentials() is None:
            raise InvalidInput("no AWS credentials found: pass --profile, set AWS_PROFILE, or set AWS_ACCESS_KEY_ID")
    except (InvalidInput, ProfileNotFound, BotoCoreError) as error:
        say(err, str(error))
        return EXIT_ERROR
    try:
        report = remediate(
            arn, lambda service, region: session.client(service, region_name=region, config=RETRIES), options
        )
    except RemediationFailed as failed:
        show(out, failed.report, args.output_format)
        say(err, failed.message)
        return EXIT_ERROR
    show(out, report, args.output_format)
    return EXIT_OK


def show(out: TextIO, report: Report, output_format: str) -> None:
    if output_format == "json":
        print(json.dumps(report.output(), indent=2), file=out)
    else:
        print("\n".join(report.lines()), file=out)
        if report.dry_run:
            print("  (a dry run: --apply makes the changes)", file=out)


def say(err: TextIO, message: str) -> None:
    print(f"acm-expiry remediate: error: {' '.join(message.split())}", file=err, flush=True)
