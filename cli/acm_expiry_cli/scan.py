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
import html
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from acm_expiry.acm import ListingPlan
from acm_expiry.arns import parse_certificate_arn
from acm_expiry.assess import NO_EXEMPTIONS, Exemptions, assess_region
from acm_expiry.certificate import MalformedCertificate, UnreadableTimestamp
from acm_expiry.edge import SYSTEM_CLOCK, AwsEdge, Clock, call, new_session
from acm_expiry.errors import AwsCallError, InvalidParameterError, RuleError
from acm_expiry.limits import MAX_ATTEMPTS
from acm_expiry.outcome import Assessment
from acm_expiry.parameters import MAX_DAYS, MIN_DAYS, parse_days_to_expiration, parse_tag_key
from acm_expiry.tags import tagged_certificates
from acm_expiry.verdict import Compliance
from acm_expiry_cli import aggregator
from acm_expiry_cli.formats import render
from acm_expiry_cli.report import Report, Row, ascii_escaped, one_line

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_NON_COMPLIANT = 2
MAX_PARALLEL_REGIONS = 8
MESSAGE_SHOWN = 300  # characters of an AWS error message an error line quotes; the rest is cut
# ConfigurationAggregatorName, as the Config API model gives it (botocore): 1..256, pattern [\w\-]+.
# The service is taken to read \w as Java does, ASCII letters, digits and _ (an assumption); the CLI
# refuses anything else before a call, rather than let AWS answer ValidationException.
AGGREGATOR_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
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
    accounts: tuple[str, ...] = ()  # every account scanned, certificates or not, where known


def encodable(text: str, report: Report, options: ScanOptions, encoding: str | None) -> str:
    """``text`` as the output's encoding can carry it: an ASCII-only terminal gets escapes, never an error.

    The table and CSV are rendered again from ASCII-escaped values, so that columns still line up
    (``\\u00e9`` for an accented letter, as for the characters every format escapes); the page gets
    character references, which browsers show as the characters themselves; JSON is ASCII already.
    """
    try:
        text.encode(encoding or "utf-8")
        return text
    except (UnicodeEncodeError, LookupError):
        pass
    if options.output_format == "html":
        return text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    if options.output_format == "json":
        return text
    escaped = replace(
        report,
        rows=tuple(_ascii_row(row) for row in report.rows),
        scanned=None if report.scanned is None else tuple(_ascii_row(row) for row in report.scanned),
        source=ascii_escaped(report.source),
    )
    return render(escaped, options.output_format, wide=options.wide)


def _ascii_row(row: Row) -> Row:
    return replace(
        row,
        arn=ascii_escaped(row.arn),
        domain=ascii_escaped(row.domain),
        region=ascii_escaped(row.region),
        account=ascii_escaped(row.account),
        annotation=ascii_escaped(row.annotation),
    )


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
    report = Report(days, scanned_at, rows, source, regions=scanned.regions, scanned=whole, accounts=scanned.accounts)
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
        out.write(encodable(text, report, options, getattr(out, "encoding", None)))
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
    notes = Attempts(err)
    notes.install(session)
    if options.aggregator:  # in the aggregator's region, found as a direct scan finds its own
        home = _home_region(session)
        _check_known([home], known_regions(session, "config"), "Config", source="the session's region")
        _check_known(options.regions, known_regions(session), "ACM")  # before they narrow the query to nothing
        edge = AwsEdge(session, region=home, clock=notes.clock)
        return _scan_aggregator(edge, options, days, exempt_tag, now, err)
    edge = AwsEdge(session, region=default_region(session), clock=notes.clock)
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
    # No certificate names the account: ask whose credentials these are (GetCallerIdentity needs no permission).
    accounts = sorted({r.account for r in rows}) or _caller_account(edge)
    where = f" in account {', '.join(accounts)}" if accounts else ""
    return Scanned(rows, f"ACM{where}: {', '.join(regions)}", tuple(regions), tuple(accounts))


def _caller_account(edge: AwsEdge) -> list[str]:
    """The credentials' account, or nothing if STS will not say: a report without it is still right."""
    try:
        account = call(edge.client("sts"), "get_caller_identity").get("Account")
    except (AwsCallError, BotoCoreError, ClientError, ValueError, NotAnAwsAnswer):
        return []
    return [account] if isinstance(account, str) and account else []


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
    except NotAnAwsAnswer as error:
        raise ScanError(f"{edge.region}: {error}") from None
    except BotoCoreError as error:  # a connection that failed after its retries, an answer botocore cannot read
        raise _scan_error(str(edge.region), error) from None
    except ValueError as error:
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
    narrowed_accounts = tuple(dict.fromkeys(options.accounts))
    return Scanned(rows, source, accounts=narrowed_accounts if not rows else ())


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
    if options.aggregator is not None and not AGGREGATOR_NAME.fullmatch(options.aggregator):
        raise ScanError(
            f"--aggregator {options.aggregator!r} is not an aggregator name: 1 to 256 letters (A-Z, a-z), "
            "digits, _ and -"
        )


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


def _check_known(regions: Sequence[str], known: set[str], service: str, source: str = "--region") -> None:
    """Refuse a region botocore knows no ``service`` endpoint in (a typo, most likely), naming the closest.

    Region names are lower case: ``US-EAST-1`` or `` us-east-1 `` is taken for what it most likely
    means only in the hint, never silently.
    """
    for region in regions:
        if region in known:
            continue
        if not region.strip():
            raise ScanError(f"{source} is empty: give a region name, such as us-east-1")
        tidy = region.strip().lower()
        close = [tidy] if tidy in known else difflib.get_close_matches(tidy, sorted(known), n=1)
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
    if isinstance(error, NotAnAwsAnswer):
        return ScanError(f"{region}: {error}")
    if isinstance(error, AwsCallError):
        detail = readable(error.message)
        if error.missing_permission:
            return ScanError(
                f"{region}: access denied: {error.operation} needs IAM permission {error.missing_permission}"
                + (f" ({detail})" if detail else "")
            )
        hint = ""
        if error.code in ("UnrecognizedClientException", "InvalidClientTokenId"):
            hint = " (are the credentials valid, and is the region enabled in this account?)"
        code = f"HTTP {error.code}" if error.code.isdigit() else error.code  # botocore's code for a bare HTTP error
        return ScanError(f"{region}: {error.operation} failed: {code}: {detail}{hint}")
    if isinstance(error, NoCredentialsError):
        return ScanError(f"{region}: no AWS credentials found")
    if isinstance(error, BotoCoreError | ClientError | RuleError | MalformedCertificate | UnreadableTimestamp):
        return ScanError(f"{region}: {readable(str(error))}")
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


# What AWS (or whatever answers in its place) said ------------------------------------------------

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def readable(message: str) -> str:
    """An error message fit for one line: a web page said in a few words, anything long cut.

    A proxy, a captive portal or a wrong ``AWS_ENDPOINT_URL`` answers with an HTML page, which
    botocore hands on whole as the error's message.
    """
    if _is_html(message):
        title = _TITLE.search(message)
        named = f" ({' '.join(html.unescape(title[1]).split())[:80]!r})" if title and title[1].strip() else ""
        return f"an HTML page{named} instead of an AWS answer: is a proxy or AWS_ENDPOINT_URL in the way?"
    text = " ".join(message.split())
    return text if len(text) <= MESSAGE_SHOWN else text[:MESSAGE_SHOWN] + f"... ({len(text):,} characters)"


def _is_html(text: str) -> bool:
    start = text.lstrip()[:200].lower()
    return start.startswith(("<!doctype html", "<html")) or ("<html" in start and "<body" in text.lower())


class NotAnAwsAnswer(Exception):
    """A successful HTTP answer that is not the AWS API's (an HTML page from a proxy, say).

    botocore would read it as an empty answer, and an empty answer reads as "no certificate".
    """


class Attempts:
    """Watches each AWS call's attempts: notes each wait before a retry on stderr, refuses non-AWS answers.

    Its handlers go on the session, so every client made from it carries them ahead of the edge's
    own (a client copies its session's handlers when it is made); the edge's retry handler then
    waits on :attr:`clock`, which writes the note first. State is per thread: regions are scanned
    in threads, and botocore calls a client's handlers in the thread that made the call.
    """

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._local = threading.local()
        self.clock = Clock(SYSTEM_CLOCK.monotonic, self._sleep)

    def install(self, session: boto3.Session) -> None:
        session.events.register("request-created", self._attempting)
        session.events.register("needs-retry", self._answered)
        session.events.register("after-call", self._check_answer)

    def _attempting(self, **_: Any) -> None:
        self._local.failed = None  # a new attempt: a wait from here on is its pacing, not a retry's

    def _answered(self, attempts: int, operation: Any, response: Any = None, caught_exception: Any = None,
                  request_dict: Any = None, **_: Any) -> None:  # fmt: skip
        """Before the edge decides on a retry: what went wrong with this attempt, if anything."""
        why = _what_failed(response, caught_exception)
        region = ((request_dict or {}).get("context") or {}).get("client_region") or ""
        self._local.failed = (f"{region}: " if region else "") + f"{operation.name} {why}" if why else None
        self._local.attempt = attempts

    def _sleep(self, seconds: float) -> None:
        failed = getattr(self._local, "failed", None)
        if failed:  # a wait after a failed attempt is a retry's; pacing waits come before an attempt
            attempt = getattr(self._local, "attempt", 0)
            say(self._err, f"{failed} (attempt {attempt} of {MAX_ATTEMPTS}): retrying in {seconds:.1f} s")
            self._local.failed = None
        SYSTEM_CLOCK.sleep(seconds)

    def _check_answer(self, http_response: Any, model: Any, **_: Any) -> None:
        if http_response is None or http_response.status_code >= 300:
            return
        content_type = str(http_response.headers.get("content-type", "")).lower()
        body = bytes(http_response.content or b"")
        protocol = model.service_model.protocol
        not_json = protocol in ("json", "rest-json") and body.strip() and not _is_json(body)
        if "text/html" in content_type or _is_html(body[:4096].decode("utf-8", "replace")) or not_json:
            raise NotAnAwsAnswer(
                f"{model.name} answered HTTP {http_response.status_code} with "
                f"{readable(body[:65536].decode('utf-8', 'replace'))}"
            )


def _what_failed(response: Any, caught_exception: Any) -> str | None:
    if caught_exception is not None:
        return f"failed: {type(caught_exception).__name__}"
    if not response:
        return None
    http_response, parsed = response
    status = getattr(http_response, "status_code", 200)
    if status < 400:
        return None
    code = str(((parsed or {}).get("Error") or {}).get("Code") or "")
    if code and not code.isdigit():
        return f"answered {code} (HTTP {status})"
    message = str(((parsed or {}).get("Error") or {}).get("Message") or "")
    return f"answered HTTP {status}" + (" with an HTML page" if _is_html(message) else "")


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True
