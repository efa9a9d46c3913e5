"""`acm-expiry scan`: the rule's periodic evaluation of every certificate, read-only, from a terminal.

Each region goes through :func:`acm_expiry.assess.assess_region`, the code the Config rule runs on
its schedule, so the CLI and the rule cannot disagree about a certificate. Nothing is written
anywhere: no PutEvaluations, no findings.

Exit status: 0 when no certificate is NON_COMPLIANT, 2 when one is, 1 on any error (one line on
stderr, no traceback).
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from acm_expiry.acm import ListingPlan
from acm_expiry.assess import assess_region
from acm_expiry.certificate import MalformedCertificate, UnreadableTimestamp
from acm_expiry.edge import AwsEdge
from acm_expiry.errors import AwsCallError, InvalidParameterError, RuleError
from acm_expiry.outcome import Assessment
from acm_expiry.parameters import MAX_DAYS, MIN_DAYS, parse_days_to_expiration
from acm_expiry.verdict import Compliance
from acm_expiry_cli.output import render_table

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_NON_COMPLIANT = 2
MAX_PARALLEL_REGIONS = 8

TABLE_COLUMNS = [
    ("region", "REGION"),
    ("domain", "DOMAIN"),
    ("type", "TYPE"),
    ("key_algorithm", "KEY"),
    ("in_use", "IN USE"),
    ("expiry_date", "EXPIRES"),
    ("days_left", "DAYS LEFT"),
    ("verdict", "VERDICT"),
    ("arn", "ARN"),
    ("annotation", "ANNOTATION"),
]
# The fields of a JSON row, in order (the table shows the date part of ``expires``).
ROW_FIELDS = (
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


class ScanError(Exception):
    """A failure the user can act on, reported as one line."""


@dataclass(frozen=True)
class ScanOptions:
    profile: str | None = None
    regions: Sequence[str] = ()
    days: str | None = None
    output_format: str = "table"
    only_noncompliant: bool = False


NewSession = Callable[..., boto3.Session]  # boto3.Session's signature: profile_name=...


def run_scan(
    options: ScanOptions,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    new_session: NewSession = boto3.Session,
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        days = _days(options.days)
        results = scan(options.profile, options.regions, days, now(), err, new_session)
    except ScanError as error:
        print(f"acm-expiry scan: error: {_one_line(str(error))}", file=err)
        return EXIT_ERROR
    rows = [row for region in results for row in _rows(region, results[region])]
    rows.sort(key=_sort_key)
    summary = {region: _summary(assessments) for region, assessments in results.items()}
    non_compliant = any(counts[Compliance.NON_COMPLIANT] for counts in summary.values())
    if options.only_noncompliant:
        rows = [row for row in rows if row["verdict"] == Compliance.NON_COMPLIANT]
    status = EXIT_NON_COMPLIANT if non_compliant else EXIT_OK
    try:
        if options.output_format == "json":
            print(json.dumps({"rows": rows, "summary": summary}, indent=2), file=out)
        else:
            _print_table(rows, summary, days, options.only_noncompliant, out)
        out.flush()
    except BrokenPipeError:  # `acm-expiry scan | head`: the reader left; the verdict still stands
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


def scan(
    profile: str | None,
    given_regions: Sequence[str],
    days: int,
    now: datetime,
    err: TextIO,
    new_session: NewSession = boto3.Session,
) -> dict[str, list[Assessment]]:
    """Every region's assessments, in the order the regions were given; raises :class:`ScanError`.

    Warnings go to ``err``, and progress too when it is a terminal.
    """
    try:
        session = new_session(profile_name=profile)
    except ProfileNotFound as error:
        name = error.kwargs.get("profile", profile)
        source = "--profile" if profile else "AWS_PROFILE"
        raise ScanError(
            f"AWS profile {name!r} (from {source}) not found in the AWS config or shared credentials file"
        ) from None
    except BotoCoreError as error:
        raise ScanError(f"cannot read the AWS configuration: {error}") from None
    regions = _regions(session, given_regions)
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:
        raise ScanError(f"cannot load AWS credentials: {error}") from None
    if credentials is None:
        raise ScanError(
            "no AWS credentials found: pass --profile, set AWS_PROFILE, or set AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY"
        )
    edge = AwsEdge(session)
    # Sessions are not thread-safe, clients are: build one per region here, use it in its thread.
    try:
        clients = {region: edge.client("acm", region) for region in regions}
    except (BotoCoreError, ValueError) as error:  # a malformed endpoint URL, say
        raise ScanError(f"cannot create an ACM client: {error}") from None
    plan = ListingPlan.for_client(clients[regions[0]])  # the SDK's model: the same in every region
    for gap in plan.gaps:
        print(f"acm-expiry scan: warning: {gap}; upgrade boto3 to see them", file=err)
    report = _progress(err) or (lambda _: None)
    report(f"scanning {len(regions)} region(s): {', '.join(regions)}")
    results: dict[str, list[Assessment]] = {}
    errors: dict[str, ScanError] = {}
    with ThreadPoolExecutor(max_workers=min(len(regions), MAX_PARALLEL_REGIONS)) as pool:
        futures: dict[Future[list[Assessment]], str] = {
            pool.submit(assess_region, clients[region], plan, now, days): region for region in regions
        }
        for done, future in enumerate(as_completed(futures), start=1):
            region = futures[future]
            try:
                results[region] = future.result()
            except Exception as error:
                errors[region] = _scan_error(region, error)
                report(f"[{done}/{len(regions)}] {region}: failed")
                continue
            report(f"[{done}/{len(regions)}] {region}: {len(results[region])} certificate(s)")
    for region in regions:  # the first region given that failed, whichever finished first
        if region in errors:
            raise errors[region]
    return {region: results[region] for region in regions}


def _days(value: str | None) -> int:
    try:
        return parse_days_to_expiration(value)
    except InvalidParameterError:
        raise ScanError(
            f"--days {value!r} is not valid: it must be a whole number of days from {MIN_DAYS} to {MAX_DAYS}"
        ) from None


def default_region(session: boto3.Session) -> str | None:
    """AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region, as the AWS CLI orders them.

    botocore itself reads only the last two (``session.region_name``).
    """
    return os.environ.get("AWS_REGION") or session.region_name or None


def known_regions(session: boto3.Session) -> set[str]:
    """Every region botocore knows ACM in, across partitions (aws, aws-cn, aws-us-gov, ...)."""
    return {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("acm", partition_name=partition)
    }


def _regions(session: boto3.Session, given: Sequence[str]) -> list[str]:
    regions = list(dict.fromkeys(given))  # repeated --region: scan once
    if not regions:
        region = default_region(session)
        if not region:
            raise ScanError(
                "no region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or give the profile a region"
            )
        regions = [region]
    known = known_regions(session)
    for region in regions:
        if region not in known:
            close = difflib.get_close_matches(region, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ScanError(
                f"unknown region {region!r}: botocore knows no ACM endpoint there{hint}; "
                "if the region is new, upgrade boto3"
            )
    return regions


def _scan_error(region: str, error: Exception) -> ScanError:
    if isinstance(error, AwsCallError):
        detail = error.message
        if error.missing_permission:
            return ScanError(
                f"{region}: access denied: {error.operation} needs IAM permission {error.missing_permission}"
                + (f" ({detail})" if detail else "")
            )
        hint = ""
        if error.code in ("UnrecognizedClientException", "InvalidClientTokenId"):
            hint = " (are the credentials valid, and is the region enabled in this account?)"
        return ScanError(f"{region}: {error.operation} failed: {error.code}: {detail}{hint}")
    if isinstance(error, NoCredentialsError):
        return ScanError(f"{region}: no AWS credentials found")
    if isinstance(error, BotoCoreError | ClientError | RuleError | MalformedCertificate | UnreadableTimestamp):
        return ScanError(f"{region}: {error}")
    return ScanError(f"{region}: {type(error).__name__}: {error}")


def _rows(region: str, assessments: Sequence[Assessment]) -> list[dict[str, Any]]:
    rows = []
    for assessment in assessments:
        certificate, verdict = assessment.certificate, assessment.verdict
        not_after = certificate.not_after
        rows.append(
            {
                "region": region,
                "arn": certificate.arn,
                "domain": certificate.domain_name,
                "type": certificate.type,
                "key_algorithm": certificate.key_algorithm,
                "in_use": certificate.in_use,
                "expires": not_after.strftime("%Y-%m-%dT%H:%M:%SZ") if not_after else None,
                "days_left": verdict.days_left,
                "verdict": str(verdict.compliance),
                "annotation": verdict.annotation,
            }
        )
    return rows


def _sort_key(row: Mapping[str, Any]) -> tuple[bool, int, str, str, str]:
    days = row["days_left"]
    return (days is None, days if days is not None else 0, row["region"], row["domain"], row["arn"])


def _summary(assessments: Sequence[Assessment]) -> dict[str, int]:
    counts = Counter(str(a.verdict.compliance) for a in assessments)
    return {str(compliance): counts[str(compliance)] for compliance in Compliance}


def _print_table(
    rows: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Mapping[str, int]],
    days: int,
    only_noncompliant: bool,
    out: TextIO,
) -> None:
    if rows:
        shown = [dict(row, expiry_date=row["expires"][:10] if row["expires"] else None) for row in rows]
        print(render_table(shown, TABLE_COLUMNS), file=out)
        print(file=out)
    total = Counter[str]()
    for counts in summary.values():
        total.update(counts)
    parts = ", ".join(f"{total[str(c)]} {c}" for c in Compliance)
    shown_note = f"; {len(rows)} shown" if only_noncompliant else ""
    print(
        f"{sum(total.values())} certificate(s) in {len(summary)} region(s), {days}-day window: {parts}{shown_note}",
        file=out,
    )


def _progress(err: TextIO) -> Callable[[str], None] | None:
    """Progress lines go to stderr, and only for a person watching it."""
    isatty = getattr(err, "isatty", None)
    if not (isatty and isatty()):
        return None

    def report(message: str) -> None:
        print(f"acm-expiry scan: {message}", file=err, flush=True)

    return report


def _one_line(text: str) -> str:
    return " ".join(text.split())
