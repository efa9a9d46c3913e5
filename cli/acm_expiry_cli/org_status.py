"""`acm-expiry org-status`: every stack instance of the organization roll-out that is not CURRENT, and why.

deploy/organization.yaml makes two StackSets, ``<stack>-rule`` and ``<stack>-alerts``, in the administering
account's home Region. This reads their stack instances with CloudFormation's ListStackInstances, every page of
it (at most 100 instances a page), and prints those not CURRENT with the status reason CloudFormation gives: the
accounts and Regions that do not run the release, or run an older one. A StackSet made from a delegated
administrator is read with ``--call-as DELEGATED_ADMIN`` there, as CloudFormation requires.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from acm_expiry.edge import new_session as _new_session
from acm_expiry_cli.report import printable

NewSession = Callable[..., Any]
EXIT_ALL_CURRENT, EXIT_ERROR, EXIT_NOT_CURRENT = 0, 1, 2
PAGE_SIZE = 100  # ListStackInstances' MaxResults: 1..100
DEFAULT_STACK = "acm-expiry-organization"

DESCRIPTION = __doc__.split("\n\n", 1)[1].replace("\n", " ")
EPILOG = (
    "Exit status: 0 when every stack instance is CURRENT, 2 when one is not, 1 on error. Retry a failed "
    "instance once its cause is fixed: deploy/README.md, 'A stack instance that failed'. Permissions: "
    "cloudformation:ListStackInstances on both StackSets."
)


@dataclass(frozen=True)
class Instance:
    stack_set: str
    account: str
    region: str
    status: str
    detailed_status: str
    reason: str


def add_parser(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """``acm-expiry org-status``, on ``acm-expiry``'s subcommands."""
    command = commands.add_parser(
        "org-status",
        help="list the organization roll-out's stack instances that are not CURRENT, with CloudFormation's reason",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=formatter,
    )
    command.add_argument("--profile", help="AWS profile to use (default: AWS_PROFILE, then the default profile)")
    command.add_argument("--region", help="the organization stack's Region (default: the session's)")
    command.add_argument(
        "--stack-name",
        default=DEFAULT_STACK,
        help=f"the organization stack; its StackSets are <name>-rule and <name>-alerts (default {DEFAULT_STACK})",
    )
    command.add_argument(
        "--stack-set",
        dest="stack_sets",
        action="append",
        metavar="NAME",
        help="read this StackSet instead (repeatable)",
    )
    command.add_argument(
        "--call-as",
        choices=("SELF", "DELEGATED_ADMIN"),
        default="SELF",
        help="DELEGATED_ADMIN from a CloudFormation delegated administrator (default SELF: the management account)",
    )


def not_current(client: Any, stack_set: str, call_as: str) -> Iterator[Instance]:
    """Every instance of ``stack_set`` whose status is not CURRENT, from all pages of ListStackInstances."""
    paginator = client.get_paginator("list_stack_instances")
    pages = paginator.paginate(StackSetName=stack_set, CallAs=call_as, PaginationConfig={"PageSize": PAGE_SIZE})
    for page in pages:
        for summary in page["Summaries"]:
            if summary.get("Status") != "CURRENT":
                yield Instance(
                    stack_set,
                    str(summary.get("Account", "")),
                    str(summary.get("Region", "")),
                    str(summary.get("Status", "")),
                    str(summary.get("StackInstanceStatus", {}).get("DetailedStatus", "")),
                    str(summary.get("StatusReason", "")),
                )


def run(
    args: argparse.Namespace,
    new_session: NewSession = _new_session,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    alerts = f"{args.stack_name}-alerts"
    stack_sets: Sequence[str] = args.stack_sets or (f"{args.stack_name}-rule", alerts)
    # The alerts StackSet exists only with Alerts=true; its absence is no error when the rule's StackSet is there.
    optional_alerts = "" if args.stack_sets else alerts
    try:
        session = new_session(profile_name=args.profile)
        client = session.client("cloudformation", region_name=args.region)
        found: list[Instance] = []
        read: list[str] = []
        for stack_set in stack_sets:
            try:
                found += not_current(client, stack_set, args.call_as)
            except ClientError as error:
                if not (_absent(error) and stack_set == optional_alerts and read):
                    raise
                print(f"No StackSet {stack_set}: the organization stack was deployed with Alerts=false.", file=out)
                continue
            read.append(stack_set)
    except ClientError as error:
        print(f"acm-expiry org-status: {_explain(error, args)}", file=err)
        return EXIT_ERROR
    except BotoCoreError as error:
        print(f"acm-expiry org-status: {error}", file=err)
        return EXIT_ERROR
    if not found:
        print(f"Every stack instance of {', '.join(read)} is CURRENT.", file=out)
        return EXIT_ALL_CURRENT
    header = ("StackSet", "Account", "Region", "Status", "Detailed status", "Reason")
    rows = [header] + [
        (i.stack_set, i.account, i.region, i.status, i.detailed_status, printable(i.reason)) for i in found
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    for row in rows:
        print(
            "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=False)) + "  " + row[-1], file=out
        )
    print(f"{len(found)} stack instance(s) not CURRENT.", file=out)
    return EXIT_NOT_CURRENT


def _absent(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) == "StackSetNotFoundException"


def _explain(error: ClientError, args: argparse.Namespace) -> str:
    details = error.response.get("Error", {})
    code, message = details.get("Code", "Unknown"), details.get("Message", "")
    text = f"{error.operation_name}: {code}: {message}"
    if _absent(error):
        hint = (
            "check --stack-name and --region; from a delegated administrator, pass --call-as DELEGATED_ADMIN"
            if args.call_as == "SELF"
            else "check --stack-name and --region, and that this account is a registered delegated administrator"
        )
        text += f" ({hint})"
    return text
