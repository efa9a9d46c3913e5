"""`acm-expiry scan`: the rule's judgement of every certificate, read-only, from a terminal.

Two sources:

- **ACM directly** (the default): each region goes through :func:`acm_expiry.assess.assess_region`,
  the code the Config rule runs on its schedule, so the CLI and the rule cannot disagree about a
  certificate. Regions: ``--region`` (repeatable), ``--all-regions`` (the account's enabled
  regions, from EC2 DescribeRegions), or the configured default.
- **An AWS Config aggregator** (``--aggregator NAME``): every account and region the aggregator
  collects, in a few paged calls (:mod:`acm_expiry_cli.aggregator`); ``--account`` and
  ``--region`` narrow the query.

Nothing is written to AWS: no PutEvaluations, no findings. The report goes to stdout or
``--output FILE`` in one of :data:`acm_expiry_cli.formats.FORMATS`.

Exit status: 0 when no certificate is NON_COMPLIANT, 2 when one is (``--only-noncompliant``
filters rows, not this), 1 on any error (one line on stderr, no traceback).
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from acm_expiry.acm import ListingPlan
from acm_expiry.arns import parse_certificate_arn
from acm_expiry.assess import NO_EXEMPTIONS, Exemptions, assess_region
from acm_expiry.certificate import MalformedCertificate, UnreadableTimestamp
from acm_expiry.edge import AwsEdge, call, new_session
from acm_expiry.errors import AwsCallError, InvalidParameterError, RuleError
from acm_expiry.outcome import Assessment
from acm_expiry.parameters import MAX_DAYS, MIN_DAYS, parse_days_to_expiration, parse_tag_key
from acm_expiry.tags import tagged_certificates
from acm_expiry.verdict import Compliance
from acm_expiry_cli import aggregator
from acm_expiry_cli.formats import render
from acm_expiry_cli.report import Report, Row, one_line

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_NON_COMPLIANT = 2
MAX_PARALLEL_REGIONS = 8
NewSession = Callable[..., boto3.Session]  # boto3.Session's signature: profile_name=...


class ScanError(Exception):
    """A failure the user can act on, reported as one line."""


@dataclass(frozen=True)
class ScanOptions:
    profile: str | None = None
    regions: Sequence[str] = ()
    all_regions: bool = False
    accounts: Sequence[str] = ()
    aggregator: str | None = None
    days: str | None = None
    exempt_tag: str | None = None
    output_format: str = "table"
    wide: bool = False
    output: str | None = None
    only_noncompliant: bool = False


@dataclass(frozen=True)
class Scanned:
    """What a scan found: every certificate with its account and region, and where they came from."""

    rows: list[Row]
    source: str
    regions: tuple[str, ...] = ()  # every region scanned, certificates or not (a direct scan's)


def run_scan(
    options: ScanOptions,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    new_session: NewSession = new_session,
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        days = _days(options.days)
        exempt_tag = _exempt_tag(options.exempt_tag)
        _check_options(options)
        scanned_at = now()
        scanned = scan(options, days, exempt_tag, scanned_at, err, new_session)
    except ScanError as error:
        say(err, f"error: {error}")
        return EXIT_ERROR
    every = tuple(sorted(scanned.rows, key=_sort_key))
    non_compliant = any(row.verdict == Compliance.NON_COMPLIANT for row in every)
    rows, source, whole = every, scanned.source, None
    if options.only_noncompliant:
        rows = tuple(row for row in every if row.verdict == Compliance.NON_COMPLIANT)
        source, whole = source + " (NON_COMPLIANT only)", every
    report = Report(days, scanned_at, rows, source, regions=scanned.regions, scanned=whole)
    text = render(report, options.output_format, wide=options.wide)
    status = EXIT_NON_COMPLIANT if non_compliant else EXIT_OK
    if options.output:
        try:
            Path(options.output).write_text(text, encoding="utf-8", newline="")
        except OSError as error:
            say(err, f"error: cannot write {options.output}: {error.strerror}")
            return EXIT_ERROR
        say(err, f"{len(rows)} row(s) written to {options.output}")
        return status
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:  # `acm-expiry scan | head`: the reader left; the verdict still stands
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


def scan(
    options: ScanOptions,
    days: int,
    exempt_tag: str | None,
    now: datetime,
    err: TextIO,
    new_session: NewSession = new_session,
) -> Scanned:
    """The rows of one scan, from ACM or from an aggregator; raises :class:`ScanError`."""
    session = _session(options.profile, new_session)
    _credentials(session, options.profile)
    if options.aggregator:  # in the aggregator's region, found as a direct scan finds its own
        home = _home_region(session)
        _check_known([home], known_regions(session, "config"), "Config")
        _check_known(options.regions, known_regions(session), "ACM")  # before they narrow the query to nothing
        return _scan_aggregator(AwsEdge(session, region=home), options, days, exempt_tag, now, err)
    edge = AwsEdge(session, region=default_region(session))
    regions = _regions(session, edge, options)
    return _scan_acm(edge, regions, days, exempt_tag, now, err)


def scan_regions(
    edge: AwsEdge, regions: Sequence[str], days: int, exempt_tag: str | None, now: datetime, err: TextIO
) -> dict[str, list[Assessment]]:
    """Every region's assessments, in the order the regions were given; raises :class:`ScanError`.

    Warnings go to ``err``, and progress too when it is a terminal.
    """
    # Sessions are not thread-safe, clients are: build each region's here, use them in its thread.
    try:
        clients = {region: edge.client("acm", region) for region in regions}
        tagging = {region: edge.client("resourcegroupstaggingapi", region) for region in regions} if exempt_tag else {}
    except (BotoCoreError, ValueError) as error:  # a malformed endpoint URL, say
        raise ScanError(f"cannot create an AWS client: {error}") from None
    plan = ListingPlan.for_client(clients[regions[0]])  # the SDK's model: the same in every region
    for gap in plan.gaps:
        say(err, f"warning: {gap}; upgrade boto3 to see them")
    report = _progress(err) or (lambda _: None)
    report(f"scanning {len(regions)} region(s): {', '.join(regions)}")

    def assess(region: str) -> list[Assessment]:
        exemptions = NO_EXEMPTIONS
        if exempt_tag is not None:
            exemptions = Exemptions(exempt_tag, tagged_certificates(tagging[region], exempt_tag))
        return assess_region(clients[region], plan, now, days, exemptions)

    results: dict[str, list[Assessment]] = {}
    errors: dict[str, ScanError] = {}
    with ThreadPoolExecutor(max_workers=min(len(regions), MAX_PARALLEL_REGIONS)) as pool:
        futures: dict[Future[list[Assessment]], str] = {pool.submit(assess, region): region for region in regions}
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


def _scan_acm(
    edge: AwsEdge, regions: Sequence[str], days: int, exempt_tag: str | None, now: datetime, err: TextIO
) -> Scanned:
    results = scan_regions(edge, regions, days, exempt_tag, now, err)
    rows = [row(assessment, region) for region, assessments in results.items() for assessment in assessments]
    accounts = sorted({r.account for r in rows})
    where = f" in account {', '.join(accounts)}" if accounts else ""
    return Scanned(rows, f"ACM{where}: {', '.join(regions)}", tuple(regions))


def _scan_aggregator(
    edge: AwsEdge, options: ScanOptions, days: int, exempt_tag: str | None, now: datetime, err: TextIO
) -> Scanned:
    name = str(options.aggregator)
    try:
        expression = aggregator.query(options.accounts, options.regions)
    except aggregator.AggregatorQueryError as error:
        raise ScanError(str(error)) from None
    report = _progress(err) or (lambda _: None)
    report(f"querying Config aggregator {name} in {edge.region}")
    try:
        config = edge.client("config")
        judged = aggregator.judge_results(aggregator.read(config, name, expression), now, days, exempt_tag)
    except AwsCallError as error:
        if error.code == "NoSuchConfigurationAggregatorException":
            raise ScanError(f"no Config aggregator {name!r} in {edge.region} (the aggregator's region)") from None
        raise _scan_error(str(edge.region), error) from None
    except (BotoCoreError, ValueError) as error:
        raise ScanError(f"cannot create an AWS client: {error}") from None
    for rejected in judged.rejected:  # one line each, whatever the result held
        say(err, f"warning: {rejected}")
    report(f"{len(judged.recorded)} certificate(s) recorded")
    rows = [row(r.assessment, r.region, r.account) for r in judged.recorded]
    narrowed = [f"accounts {', '.join(options.accounts)}"] if options.accounts else []
    narrowed += [f"regions {', '.join(options.regions)}"] if options.regions else []
    source = f"Config aggregator {name}" + (f" ({'; '.join(narrowed)})" if narrowed else "")
    if not rows:  # an organization without a single certificate is rare; a scan that reads nothing is not
        say(
            err,
            f"warning: {source} in {edge.region} holds no ACM certificate: check that the accounts' configuration "
            "recorders record AWS::ACM::Certificate, that the aggregator covers those accounts and regions, "
            "and any --account or --region",
        )
    return Scanned(rows, source)


def row(assessment: Assessment, region: str, account: str | None = None) -> Row:
    """A report row: the certificate's facts and the rule's verdict, in the rule's words and numbers."""
    certificate, verdict = assessment.certificate, assessment.verdict
    return Row(
        account=account or _account_of(certificate.arn),  # a direct scan's rows: the ARN names the account
        region=region,
        arn=certificate.arn,
        domain=certificate.domain_name,
        type=certificate.type,
        key_algorithm=certificate.key_algorithm,
        in_use=certificate.in_use,
        expires=certificate.not_after,
        days_left=verdict.days_left,
        verdict=str(verdict.compliance),
        annotation=verdict.annotation,
    )


def _account_of(arn: str) -> str:
    parsed = parse_certificate_arn(arn)
    return parsed.account if parsed else ""


def _sort_key(row: Row) -> tuple[bool, int, str, str, str, str]:
    days = row.days_left
    return (days is None, days if days is not None else 0, row.account, row.region, row.domain, row.arn)


def _check_options(options: ScanOptions) -> None:
    if options.accounts and not options.aggregator:
        raise ScanError("--account needs --aggregator: a direct scan reads the credentials' own account")
    if options.all_regions and options.aggregator:
        raise ScanError("--all-regions is for a direct scan; an aggregator scan covers every region it collects")
    if options.all_regions and options.regions:
        raise ScanError("give either --region or --all-regions, not both")
    if options.wide and options.output_format != "table":
        raise ScanError(f"--wide is for the table; --format {options.output_format} always carries every field")


def _days(value: str | None) -> int:
    try:
        return parse_days_to_expiration(value)
    except InvalidParameterError:
        raise ScanError(
            f"--days {value!r} is not valid: it must be a whole number of days from {MIN_DAYS} to {MAX_DAYS}"
        ) from None


def _exempt_tag(value: str | None) -> str | None:
    """The tag key, or None: absent or empty means no exemptions, as for the rule's exemptTagKey."""
    try:
        return parse_tag_key("--exempt-tag", value)
    except InvalidParameterError as error:
        raise ScanError(str(error).replace("Rule parameter ", "")) from None


def _session(profile: str | None, new_session: NewSession) -> boto3.Session:
    try:
        return new_session(profile_name=profile)
    except ProfileNotFound as error:
        raise _profile_not_found(error, profile) from None
    except BotoCoreError as error:
        raise ScanError(f"cannot read the AWS configuration: {error}") from None


def _credentials(session: boto3.Session, profile: str | None) -> None:
    try:
        credentials = session.get_credentials()
    except ProfileNotFound as error:  # a session may name its profile lazily, and look it up here
        raise _profile_not_found(error, profile) from None
    except BotoCoreError as error:
        raise ScanError(f"cannot load AWS credentials: {error}") from None
    if credentials is None:
        raise ScanError(
            "no AWS credentials found: pass --profile, set AWS_PROFILE, or set AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY"
        )


def _profile_not_found(error: ProfileNotFound, profile: str | None) -> ScanError:
    name = error.kwargs.get("profile", profile)
    source = "--profile" if profile else "AWS_PROFILE"
    return ScanError(f"AWS profile {name!r} (from {source}) not found in the AWS config or shared credentials file")


def default_region(session: boto3.Session) -> str | None:
    """AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region, as the AWS CLI orders them.

    botocore itself reads only the last two (``session.region_name``).
    """
    return os.environ.get("AWS_REGION") or session.region_name or None


def known_regions(session: boto3.Session, service: str = "acm") -> set[str]:
    """Every region botocore knows ``service`` in, across partitions (aws, aws-cn, aws-us-gov, ...)."""
    return {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(service, partition_name=partition)
    }


def _check_known(regions: Sequence[str], known: set[str], service: str) -> None:
    """Refuse a region botocore knows no ``service`` endpoint in (a typo, most likely), naming the closest."""
    for region in regions:
        if region not in known:
            close = difflib.get_close_matches(region, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ScanError(
                f"unknown region {region!r}: botocore knows no {service} endpoint there{hint}; "
                "if the region is new, upgrade boto3"
            )


def enabled_regions(edge: AwsEdge, region: str) -> list[str]:
    """The account's enabled regions (EC2 DescribeRegions without AllRegions lists only those), sorted."""
    answer = call(edge.client("ec2", region), "describe_regions")
    return sorted(str(r["RegionName"]) for r in answer.get("Regions", []))


def _regions(session: boto3.Session, edge: AwsEdge, options: ScanOptions) -> list[str]:
    known = known_regions(session)
    if options.all_regions:
        home = _home_region(session)
        try:
            enabled = enabled_regions(edge, home)
        except AwsCallError as error:
            raise _scan_error(home, error) from None
        except (BotoCoreError, ValueError) as error:
            raise ScanError(f"cannot list the account's regions: {error}") from None
        regions = [region for region in enabled if region in known]  # where ACM has an endpoint
        if not regions:
            raise ScanError(f"DescribeRegions in {home} returned no region where ACM is available")
        return regions
    regions = list(dict.fromkeys(options.regions)) or [_home_region(session)]  # repeated --region: scan once
    _check_known(regions, known, "ACM")
    return regions


def _home_region(session: boto3.Session) -> str:
    region = default_region(session)
    if not region:
        raise ScanError("no region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or give the profile a region")
    return region


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


def _progress(err: TextIO) -> Callable[[str], None] | None:
    """Progress lines go to stderr, and only for a person watching it."""
    isatty = getattr(err, "isatty", None)
    if not (isatty and isatty()):
        return None

    def report(message: str) -> None:
        say(err, message)

    return report


def say(err: TextIO, message: str) -> None:
    """One line on stderr: ``acm-expiry scan: message``, on one line, nothing in it a terminal acts on.

    Messages quote values from AWS (error messages, names, whatever an aggregator row holds).
    """
    print(f"acm-expiry scan: {one_line(message)}", file=err, flush=True)
