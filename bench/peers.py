"""`make bench-peers`: the real Prowler and Cloud Custodian beside `acm-expiry scan` and the rule's handler.

One inventory of ACM certificates in moto_server, every tool run as a whole process against it
through :mod:`bench.requestlog` (a proxy that logs each AWS call by service and operation), each
tool's verdicts compared with the expected verdict of every certificate, worked out here from the
inventory's own definition and the rule's documented table (docs/verdicts.md), not by any tool.

The inventory (:data:`INVENTORY`) covers every ACM key type inside and outside the window, the
window's edge (30 days) ± 1 hour, a certificate with an hour left, an expired one, one never issued
(PENDING_VALIDATION), two in use (listeners of a classic load balancer), one exempt by tag inside the
window, and a private one.

**Time.** ACM and moto refuse to import an expired certificate, so nothing is faked: one certificate
is imported valid for :data:`EXPIRING` (20 seconds), and the tools run after it has expired, by
the machine's own clock (moto then reports it EXPIRED, as ACM does). The other certificates are
hours or days from every edge, so the minutes the run takes change no verdict; each tool's expected
verdicts are worked out at its start and again at its end, and the run stops if they differ.

**What moto cannot show**, and what stands in for it, is :data:`MOTO_LIMITS`, printed with every run.

Tools (their versions are read from their virtualenvs under ``build/``):

- ``acm-expiry scan --days 30 --exempt-tag acm-expiry-exempt --format json``;
- the rule's Lambda handler (``ACMExpiryRule.lambda_handler``, run by ``bench/invoke.py``), a scheduled event with
  daysToExpiration 30, exemptTagKey acm-expiry-exempt, AssumeRoleMode "false";
- Prowler, check ``acm_certificates_expiration_check``, ``days_to_expire_threshold`` 30, a
  mutelist muting the exemption tag, with ``--scan-unused-services`` and in its default scope;
- Cloud Custodian, ``acm-certificate`` with ``value_type: expiration`` on NotAfter, 30 days, and
  ``tag:acm-expiry-exempt: absent``, a fresh cache file per run.

Each tool runs :data:`REPEAT` times, each a fresh process from a clean working directory. Prints a
markdown table and, last, one JSON object with every figure; writes both to ``build/bench-peers/``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from bench.requestlog import Entry, RequestLog, count_calls, listed_arns

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
DAYS = 30
EXEMPT_TAG = "acm-expiry-exempt"
EXPIRING = timedelta(seconds=20)  # how long the certificate meant to be expired is imported valid for
TOOL_TIMEOUT = 600  # seconds; a tool still running then is killed and the run fails
REPEAT = 3
COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE = "COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"
KEY_TYPES = ("RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1")


# --- the inventory and its expected verdicts (pure) ------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One certificate of the inventory, as defined: how it gets into ACM and when it expires.

    ``expires_in`` is from the moment it is imported; None for a certificate ACM issues itself
    (``private``: moto issues it for a year) or never issues (``requested``).
    """

    domain: str
    key_type: str
    origin: str  # "imported", "private" or "requested"
    expires_in: timedelta | None
    case: str
    in_use: bool = False
    exempt: bool = False


def _slug(key_type: str) -> str:
    return key_type.lower().replace("_", "-").replace("ec-", "")


def _imported(domain: str, key_type: str, expires_in: timedelta, case: str, **flags: bool) -> Spec:
    return Spec(domain, key_type, "imported", expires_in, case, **flags)


WINDOW = timedelta(days=DAYS)
HOUR = timedelta(hours=1)
INVENTORY: tuple[Spec, ...] = (
    *(_imported(f"{_slug(k)}-soon.example.com", k, timedelta(days=10), "key type, 10 days left") for k in KEY_TYPES),
    *(_imported(f"{_slug(k)}-later.example.com", k, timedelta(days=200), "key type, 200 days left") for k in KEY_TYPES),
    _imported("edge-in.example.com", "RSA_2048", WINDOW - HOUR, "window edge - 1 h"),
    _imported("edge-out.example.com", "RSA_2048", WINDOW + HOUR, "window edge + 1 h"),
    _imported("edge-in-ec.example.com", "EC_prime256v1", WINDOW - HOUR, "window edge - 1 h"),
    _imported("edge-out-ec.example.com", "EC_prime256v1", WINDOW + HOUR, "window edge + 1 h"),
    _imported("last-hour.example.com", "EC_prime256v1", HOUR, "1 hour left"),
    _imported("expired.example.com", "EC_prime256v1", EXPIRING, "expired"),
    Spec("pending.example.com", "RSA_2048", "requested", None, "never issued (PENDING_VALIDATION)"),
    _imported("in-use-soon.example.com", "RSA_2048", timedelta(days=12), "in use, 12 days left", in_use=True),
    _imported("in-use-later.example.com", "EC_prime256v1", timedelta(days=300), "in use, 300 days left", in_use=True),
    _imported("exempt.example.com", "RSA_2048", timedelta(days=5), "exempt by tag, 5 days left", exempt=True),
    Spec("private.example.com", "RSA_2048", "private", None, "private (moto issues it for 365 days)"),
)  # fmt: skip


@dataclass(frozen=True)
class Fact:
    """A certificate as it stands in ACM after setup: what the expected verdict is worked out from."""

    arn: str
    spec: Spec
    not_after: datetime | None  # None: never issued

    def to_json(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "domain": self.spec.domain,
            "keyType": self.spec.key_type,
            "origin": self.spec.origin,
            "case": self.spec.case,
            "inUse": self.spec.in_use,
            "exempt": self.spec.exempt,
            "notAfter": self.not_after.strftime("%Y-%m-%dT%H:%M:%SZ") if self.not_after else None,
        }


def expected_verdict(fact: Fact, now: datetime, days: int = DAYS) -> str:
    """The rule's documented table (docs/verdicts.md), first matching row, from the inventory's facts."""
    if fact.spec.exempt:
        return NOT_APPLICABLE
    if fact.not_after is None:  # never issued
        return NOT_APPLICABLE
    if fact.not_after <= now:  # expired
        return NON_COMPLIANT
    if fact.not_after - now <= timedelta(days=days):  # the edge is inclusive
        return NON_COMPLIANT
    return COMPLIANT


def days_left(fact: Fact, now: datetime) -> int | None:
    """Whole days left, rounded up (docs/verdicts.md); negative once expired (whole days since, rounded down)."""
    if fact.not_after is None:
        return None
    seconds = (fact.not_after - now).total_seconds()
    return math.ceil(seconds / 86400) if seconds > 0 else -math.floor(-seconds / 86400)


def is_right(expected: str, got: str | None, *, flags_only: bool) -> bool:
    """Whether a tool's verdict is the expected one.

    A peer says only whether a certificate needs attention (a failing finding, a policy match):
    it is right when it flags exactly the certificates expected NON_COMPLIANT. The rule and the
    scan are held to the exact verdict. A certificate a tool never reported is never right.
    """
    if got is None:
        return False
    if flags_only:
        return (got == NON_COMPLIANT) == (expected == NON_COMPLIANT)
    return got == expected


# --- the tools ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    """One tool as the bench runs it: its command, and how to read its verdicts."""

    key: str
    label: str
    flags_only: bool
    command: Callable[[Paths, Path], list[str]]
    verdicts: Callable[[Path, list[Entry]], dict[str, str | None]]
    prepare: Callable[[Path], None] = lambda workdir: None  # writes its event, config or policy


@dataclass(frozen=True)
class Paths:
    python: Path  # the project's virtualenv
    acm_expiry: Path
    prowler: Path
    custodian: Path


def _scan_command(paths: Paths, workdir: Path) -> list[str]:
    return [str(paths.acm_expiry), "scan", "--region", REGION, "--days", str(DAYS), "--exempt-tag", EXEMPT_TAG,
            "--format", "json", "--output", str(workdir / "scan.json")]  # fmt: skip


def scan_verdicts(workdir: Path, entries: list[Entry]) -> dict[str, str | None]:
    rows = json.loads((workdir / "scan.json").read_text(encoding="utf-8"))["rows"]
    return {row["arn"]: row["verdict"] for row in rows}


def _handler_prepare(workdir: Path) -> None:
    from acm_expiry_cli.sample_events import scheduled_event

    parameters = {"daysToExpiration": str(DAYS), "exemptTagKey": EXEMPT_TAG, "AssumeRoleMode": "false"}
    event = scheduled_event(datetime.now(UTC), parameters=parameters, token="TESTMODE")
    (workdir / "event.json").write_text(json.dumps(event), encoding="utf-8")


def _handler_command(paths: Paths, workdir: Path) -> list[str]:
    return [str(paths.python), str(ROOT / "bench" / "invoke.py"), str(workdir / "event.json")]


def handler_verdicts(workdir: Path, entries: list[Entry]) -> dict[str, str | None]:
    """What Config received: the evaluations in the PutEvaluations requests of the log."""
    return {
        evaluation["ComplianceResourceId"]: evaluation["ComplianceType"]
        for entry in entries
        if entry.name == "config.PutEvaluations" and isinstance(entry.params, dict)
        for evaluation in entry.params.get("Evaluations", [])
    }


PROWLER_CHECK = "acm_certificates_expiration_check"


def _prowler_prepare(workdir: Path) -> None:
    # Only the setting the check reads; Prowler takes its defaults for the rest.
    (workdir / "config.yaml").write_text(f"aws:\n  days_to_expire_threshold: {DAYS}\n", encoding="utf-8")
    mutelist = {
        "Mutelist": {
            "Accounts": {
                "*": {"Checks": {PROWLER_CHECK: {"Regions": ["*"], "Resources": ["*"], "Tags": [f"{EXEMPT_TAG}=.*"]}}}
            }
        }
    }
    (workdir / "mutelist.yaml").write_text(json.dumps(mutelist, indent=2), encoding="utf-8")  # JSON is YAML


def _prowler_command(*, unused: bool) -> Callable[[Paths, Path], list[str]]:
    def command(paths: Paths, workdir: Path) -> list[str]:
        words = [str(paths.prowler), "aws", "--region", REGION, "--checks", PROWLER_CHECK,
                 "--config-file", str(workdir / "config.yaml"), "--mutelist-file", str(workdir / "mutelist.yaml"),
                 "--output-formats", "json-ocsf", "--output-directory", str(workdir), "--output-filename", "prowler",
                 "--no-banner"]  # fmt: skip
        return [*words, "--scan-unused-services"] if unused else words

    return command


def prowler_verdicts(workdir: Path, entries: list[Entry]) -> dict[str, str | None]:
    """Prowler's OCSF findings: FAIL is NON_COMPLIANT, PASS COMPLIANT, a muted finding NOT_APPLICABLE."""
    findings = json.loads((workdir / "prowler.ocsf.json").read_text(encoding="utf-8"))
    verdicts: dict[str, str | None] = {}
    for finding in findings:
        arn = finding["resources"][0]["uid"]
        if finding.get("status") == "Suppressed":  # muted: Prowler keeps the FAIL/PASS beside it
            verdicts[arn] = NOT_APPLICABLE
        else:
            verdicts[arn] = NON_COMPLIANT if finding["status_code"] == "FAIL" else COMPLIANT
    return verdicts


CUSTODIAN_POLICY = "acm-expiring-within-30-days"


def _custodian_prepare(workdir: Path) -> None:
    policy = {
        "policies": [
            {
                "name": CUSTODIAN_POLICY,
                "resource": "aws.acm-certificate",
                "filters": [
                    {f"tag:{EXEMPT_TAG}": "absent"},
                    {"type": "value", "key": "NotAfter", "value_type": "expiration", "op": "lte", "value": DAYS},
                ],
            }
        ]
    }
    (workdir / "policy.yml").write_text(json.dumps(policy, indent=2), encoding="utf-8")


def _custodian_command(paths: Paths, workdir: Path) -> list[str]:
    # A fresh cache file: Custodian keeps answers 15 minutes, so a re-run would otherwise make no calls.
    return [str(paths.custodian), "run", "--region", REGION, "--output-dir", str(workdir / "out"),
            "--cache", str(workdir / "custodian.cache"), str(workdir / "policy.yml")]  # fmt: skip


def custodian_verdicts(workdir: Path, entries: list[Entry]) -> dict[str, str | None]:
    """A matched certificate is NON_COMPLIANT; one listed to Custodian and not matched, COMPLIANT."""
    matched = json.loads((workdir / "out" / CUSTODIAN_POLICY / "resources.json").read_text(encoding="utf-8"))
    flagged = {resource["CertificateArn"] for resource in matched}
    return {arn: NON_COMPLIANT if arn in flagged else COMPLIANT for arn in listed_arns(entries) | flagged}


TOOLS: tuple[Tool, ...] = (
    Tool("scan", "`acm-expiry scan`", False, _scan_command, scan_verdicts),
    Tool("handler", "the rule's handler (scheduled event)", False, _handler_command, handler_verdicts,
         prepare=_handler_prepare),
    Tool("prowler", "Prowler, threshold 30, `--scan-unused-services`", True, _prowler_command(unused=True),
         prowler_verdicts, prepare=_prowler_prepare),
    Tool("prowler-default", "Prowler, threshold 30, default scope (in use only)", True,
         _prowler_command(unused=False), prowler_verdicts, prepare=_prowler_prepare),
    Tool("custodian", "Cloud Custodian, `value_type: expiration`, 30 days", True, _custodian_command,
         custodian_verdicts, prepare=_custodian_prepare),
)  # fmt: skip


# --- moto_server and the inventory in it ----------------------------------------------------------


@contextmanager
def moto_server(executable: Path, logfile: Path) -> Iterator[str]:
    """moto_server on a free local port for the block, stopped (its own pid) however the block ends."""
    from tests.support.moto_server import MotoServerError
    from tests.support.moto_server import moto_server as running

    environment = {**os.environ, "MOTO_ACM_VALIDATION_WAIT": str(7 * 86400)}  # requested ones stay pending
    with logfile.open("wb") as log:
        try:
            with running(executable, environment, output=log) as endpoint:
                yield endpoint
        except MotoServerError as error:
            fail(f"{error} (see {logfile})")


def build_inventory(endpoint: str, inventory: Sequence[Spec] = INVENTORY) -> list[Fact]:
    """Put the inventory into moto's ACM (directly, not through the request log); its facts.

    The expired certificate goes in first, so that it has expired by the time setup is done.
    """
    import boto3
    from cryptography import x509

    from acm_expiry_cli.demo import self_signed

    def client(service: str) -> Any:
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    acm = client("acm")
    authority = client("acm-pca").create_certificate_authority(
        CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048",
            "SigningAlgorithm": "SHA256WITHRSA",
            "Subject": {"CommonName": "bench-peers private CA"},
        },
        CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]
    facts: list[Fact] = []
    for spec in sorted(inventory, key=lambda s: s.expires_in or timedelta.max):
        tags = [{"Key": EXEMPT_TAG, "Value": "accepted: decommissioned with the old shop"}] if spec.exempt else []
        extra: dict[str, Any] = {"Tags": tags} if tags else {}
        if spec.origin == "imported" and spec.expires_in is not None:
            now = datetime.now(UTC).replace(microsecond=0)
            not_after = now + spec.expires_in
            certificate, key = self_signed(spec.domain, spec.key_type, now - timedelta(days=1), not_after)
            arn = acm.import_certificate(Certificate=certificate, PrivateKey=key, **extra)["CertificateArn"]
        elif spec.origin == "private":
            arn = acm.request_certificate(DomainName=spec.domain, CertificateAuthorityArn=authority, **extra)[
                "CertificateArn"
            ]
            issued = x509.load_pem_x509_certificate(acm.get_certificate(CertificateArn=arn)["Certificate"].encode())
            not_after = issued.not_valid_after_utc
        elif spec.origin == "requested":
            arn = acm.request_certificate(DomainName=spec.domain, ValidationMethod="DNS", **extra)["CertificateArn"]
            not_after = None
        else:
            raise ValueError(f"inventory: {spec.domain}: unknown origin {spec.origin!r}")
        facts.append(Fact(arn, spec, not_after))
    in_use = [f for f in facts if f.spec.in_use]
    if in_use:
        client("elb").create_load_balancer(
            LoadBalancerName="bench-peers-shop",
            Listeners=[
                {
                    "Protocol": "HTTPS",
                    "LoadBalancerPort": 443 + i,
                    "InstanceProtocol": "HTTP",
                    "InstancePort": 80,
                    "SSLCertificateId": fact.arn,
                }
                for i, fact in enumerate(in_use)
            ],
            AvailabilityZones=[f"{REGION}a"],
        )
    for fact in in_use:
        if not acm.describe_certificate(CertificateArn=fact.arn)["Certificate"].get("InUseBy"):
            fail(f"{fact.spec.domain} is not in use after the listener was created")
    order = {spec.domain: i for i, spec in enumerate(inventory)}
    return sorted(facts, key=lambda f: order[f.spec.domain])


def wait_until_expired(facts: Sequence[Fact]) -> float:
    """Sleep until every certificate meant to be expired has; how many seconds it had expired by then."""
    expired = [f.not_after for f in facts if f.spec.expires_in == EXPIRING and f.not_after is not None]
    if not expired:
        return 0.0
    latest = max(expired)
    while (wait := (latest - datetime.now(UTC)).total_seconds()) >= 0:
        time.sleep(wait + 1)
    return (datetime.now(UTC) - latest).total_seconds()


# --- running one tool -------------------------------------------------------------------------------


@dataclass
class Run:
    """One tool's runs: what it said, what it cost. Calls and verdicts are the first run's (the others must
    agree, or ``consistent`` is False); the time is the median of the runs, the memory their peak."""

    tool: Tool
    version: str
    command: list[str]
    measured: list[Measured]
    calls: dict[str, int]
    adjusted: list[str]
    verdicts: dict[str, str | None]
    expected: dict[str, str]
    consistent: bool = True
    right: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.right = [
            arn
            for arn, want in self.expected.items()
            if is_right(want, self.verdicts.get(arn), flags_only=self.tool.flags_only)
        ]

    @property
    def wall_seconds(self) -> float:
        return statistics.median(m.wall_seconds for m in self.measured)

    @property
    def cpu_seconds(self) -> float:
        return statistics.median(m.cpu_seconds for m in self.measured)

    @property
    def peak_rss_mib(self) -> float:
        return max(m.peak_rss_mib for m in self.measured)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def to_json(self, facts: Sequence[Fact]) -> dict[str, Any]:
        domains = {f.arn: f.spec.domain for f in facts}
        return {
            "label": self.tool.label,
            "version": self.version,
            "command": self.command,
            "exitCodes": [m.exit_code for m in self.measured],
            "wallSeconds": round(self.wall_seconds, 3),
            "cpuSeconds": round(self.cpu_seconds, 3),
            "peakRssMiB": round(self.peak_rss_mib, 1),
            "eachRun": [
                {
                    "wallSeconds": round(m.wall_seconds, 3),
                    "cpuSeconds": round(m.cpu_seconds, 3),
                    "peakRssMiB": round(m.peak_rss_mib, 1),
                }
                for m in self.measured
            ],
            "sameCallsAndVerdictsEachRun": self.consistent,
            "awsCalls": self.total_calls,
            "callsByOperation": self.calls,
            "answersAdjusted": self.adjusted,
            "rightVerdicts": len(self.right),
            "certificates": len(self.expected),
            "wrong": {
                domains[arn]: {"expected": want, "got": self.verdicts.get(arn)}
                for arn, want in self.expected.items()
                if arn not in self.right
            },
            "verdicts": {domains.get(arn, arn): got for arn, got in sorted(self.verdicts.items())},
        }


def tool_environment(endpoint: str, home: Path, *, ours: bool) -> dict[str, str]:
    """Fake credentials, one region, the request log as every endpoint; nothing from the user's AWS config."""
    environment = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    environment.update(
        HOME=str(home),
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
    )
    if ours:  # as `make` runs it: no bytecode written into ACMExpiryRule/, which `rdk deploy` zips
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


@dataclass(frozen=True)
class Measured:
    """One whole process: its exit code, wall time, CPU time (user + system) and peak RSS (``wait4``'s
    ru_maxrss: the largest of the process and the children it waited for)."""

    exit_code: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mib: float


def timed(command: list[str], environment: Mapping[str, str], workdir: Path) -> Measured:
    """Run ``command`` as a whole process, its output in ``workdir``; what it took."""
    with (workdir / "stdout.txt").open("wb") as out, (workdir / "stderr.txt").open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=dict(environment), cwd=ROOT)
        timer = threading.Timer(TOOL_TIMEOUT, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # interrupted (SIGTERM, Ctrl-C): the tool does not outlive the bench
            process.kill()
            process.wait()
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Measured(process.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # KiB


def run_tool(
    tool: Tool, paths: Paths, log: RequestLog, facts: Sequence[Fact], workdir: Path, version: str, repeat: int
) -> Run:
    """Run ``tool`` ``repeat`` times, each from a clean working directory (no cache carried over)."""
    before = {f.arn: expected_verdict(f, datetime.now(UTC)) for f in facts}
    runs: list[tuple[Measured, list[Entry], dict[str, str | None]]] = []
    command: list[str] = []
    for _ in range(repeat):
        if workdir.exists():
            shutil.rmtree(workdir)
        (workdir / "home").mkdir(parents=True)
        tool.prepare(workdir)
        command = tool.command(paths, workdir)
        environment = tool_environment(log.url, workdir / "home", ours=tool.key in ("scan", "handler"))
        mark = log.mark()
        measured = timed(command, environment, workdir)
        entries = log.since(mark)
        if measured.exit_code not in _ACCEPTED_EXIT.get(tool.key, (0,)):
            stderr = (workdir / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-3000:]
            fail(f"{tool.label} exited {measured.exit_code}:\n{stderr}")
        runs.append((measured, entries, tool.verdicts(workdir, entries)))
    after = {f.arn: expected_verdict(f, datetime.now(UTC)) for f in facts}
    if before != after:
        fail(f"{tool.label}: an expected verdict changed while it ran; the inventory is too close to an edge")
    _, entries, verdicts = runs[0]
    calls = count_calls(entries)
    return Run(
        tool=tool,
        version=version,
        command=[_shown(word) for word in command],
        measured=[m for m, _, _ in runs],
        calls=calls,
        adjusted=sorted({f"{e.name}: {note}" for e in entries for note in e.adjusted}),
        verdicts=verdicts,
        expected=before,
        consistent=all(count_calls(e) == calls and v == verdicts for _, e, v in runs),
    )


# `acm-expiry scan` exits 2 when a certificate is NON_COMPLIANT; Prowler exits 3 when a check fails.
_ACCEPTED_EXIT = {"scan": (0, 2), "prowler": (0, 3), "prowler-default": (0, 3)}


def _shown(word: str) -> str:
    """A command word as the report shows it: paths relative to the checkout."""
    try:
        return str(Path(word).relative_to(ROOT))
    except ValueError:
        return word


def fail(message: str) -> NoReturn:
    raise SystemExit(f"bench-peers: {message}")


def installed_version(python: Path, distribution: str) -> str:
    done = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


# --- the report ---------------------------------------------------------------------------------------

SHORT = {COMPLIANT: "C", NON_COMPLIANT: "NC", NOT_APPLICABLE: "NA"}

MOTO_LIMITS = (
    "moto never returns RenewalSummary and always says RenewalEligibility INELIGIBLE, so no certificate "
    "here is one ACM renews: the rule's DescribeCertificate calls for renewal status are not exercised",
    "requested certificates get an RSA-2048 key in moto; key types are covered by imported certificates",
    "in use means a listener of a classic load balancer (moto records InUseBy only for load balancers)",
    "moto does not implement GetComplianceDetailsByConfigRule, and records PutEvaluations only in TestMode: "
    "the handler runs with result token TESTMODE (validated, not recorded) and the request log answers the "
    "read with no results, as Config does for a rule's first run; left out: Config recording the evaluations "
    "and the clean-up of certificates deleted since an earlier run",
    "moto dates certificates it never issued; ACM has none to date: the request log removes their NotBefore, "
    "NotAfter and IssuedAt (counted per tool under answersAdjusted)",
    "moto does not page ListCertificates; with this inventory every tool needs one page anyway",
)


def _cell(run: Run, arn: str) -> str:
    got = run.verdicts.get(arn)
    shown = SHORT[got] if got is not None else "—"
    return shown if arn in run.right else f"{shown} ✗"


def _days_shown(fact: Fact, now: datetime) -> str:
    left = days_left(fact, now)
    if left is None:
        return "-"
    return "expired" if fact.not_after is not None and fact.not_after <= now else str(left)


def render_markdown(
    runs: Sequence[Run], facts: Sequence[Fact], judged_at: datetime, expired_by: float, machine: Mapping[str, Any]
) -> str:
    """The summary table, the calls by operation, and every certificate's verdict per tool."""
    lines = [
        f"bench-peers: {len(facts)} certificates in moto_server ({REGION}), a {DAYS}-day window, "
        f"judged at {judged_at:%Y-%m-%d %H:%M:%S} UTC",
        "",
        "| tool | version | right verdicts | AWS calls | whole-process time | CPU time | peak RSS |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        varies = "" if run.consistent else " (not the same every run)"
        lines.append(
            f"| {run.tool.label} | {run.version} | {len(run.right)}/{len(run.expected)}{varies} | "
            f"{run.total_calls}{varies} | {run.wall_seconds:.2f} s | {run.cpu_seconds:.2f} s | "
            f"{run.peak_rss_mib:.0f} MiB |"
        )
    repeats = ", ".join(sorted({str(len(r.measured)) for r in runs}))
    lines.append(
        f"\nEach tool ran {repeats} time(s), each a fresh process: times are the median, CPU time is user + "
        "system, peak RSS the largest; calls and verdicts are the first run's. Python "
        f"{machine.get('python')}, moto {machine.get('moto')}, {machine.get('cpus')} CPUs, load average "
        f"{machine.get('loadAverageBefore')} before and {machine.get('loadAverageAfter')} after (1, 5, 15 min): "
        "other work on the machine stretches wall times more than CPU times."
    )
    operations = sorted({op for run in runs for op in run.calls})
    lines += ["", "AWS calls by operation (from the request log):", ""]
    lines.append("| operation | " + " | ".join(run.tool.key for run in runs) + " |")
    lines.append("|---|" + "---:|" * len(runs))
    for op in operations:
        lines.append(f"| {op} | " + " | ".join(str(run.calls.get(op, 0)) for run in runs) + " |")
    lines += [
        "",
        "Verdicts (C COMPLIANT, NC NON_COMPLIANT, NA NOT_APPLICABLE, — not reported; ✗ wrong). Peers say only "
        "flagged (NC) or not (C; a Prowler finding muted by the mutelist is NA): they are right when they flag "
        "exactly the certificates expected NC.",
        "",
        "| certificate | key | case | days left | expected | " + " | ".join(run.tool.key for run in runs) + " |",
        "|---|---|---|---:|---|" + "---|" * len(runs),
    ]
    for fact in facts:
        expected = SHORT[expected_verdict(fact, judged_at)]
        cells = " | ".join(_cell(run, fact.arn) for run in runs)
        lines.append(
            f"| {fact.spec.domain} | {fact.spec.key_type} | {fact.spec.case} | {_days_shown(fact, judged_at)} | "
            f"{expected} | {cells} |"
        )
    lines += ["", f"The expired certificate had expired {expired_by:.0f} s before the first tool started.", ""]
    lines += ["What moto cannot show, and what stands in:", ""]
    lines += [f"- {limit}" for limit in MOTO_LIMITS]
    return "\n".join(lines) + "\n"


def figures(
    runs: Sequence[Run], facts: Sequence[Fact], judged_at: datetime, expired_by: float, machine: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "bench": "peers",
        "judgedAt": judged_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "daysToExpiration": DAYS,
        "certificates": len(facts),
        "expiredBySeconds": round(expired_by, 1),
        "inventory": [{**f.to_json(), "expected": expected_verdict(f, judged_at)} for f in facts],
        "tools": {run.tool.key: run.to_json(facts) for run in runs},
        "machine": dict(machine),
        "motoLimits": list(MOTO_LIMITS),
    }


# --- the whole run -----------------------------------------------------------------------------------


def bench(paths: Paths, out: Path, moto: Path, tools: Sequence[Tool], repeat: int) -> tuple[str, dict[str, Any]]:
    out.mkdir(parents=True, exist_ok=True)
    distributions = {
        "scan": (paths.python, "acm-expiry-rule"),
        "handler": (paths.python, "acm-expiry-rule"),
        "prowler": (paths.prowler.parent / "python", "prowler"),
        "prowler-default": (paths.prowler.parent / "python", "prowler"),
        "custodian": (paths.custodian.parent / "python", "c7n"),
    }
    versions = {tool.key: installed_version(*distributions[tool.key]) for tool in tools}
    machine: dict[str, Any] = {
        "python": sys.version.split()[0],
        "moto": installed_version(paths.python, "moto"),
        "cpus": os.cpu_count(),
        "loadAverageBefore": [round(x, 2) for x in os.getloadavg()],
    }
    with moto_server(moto, out / "moto_server.log") as endpoint:
        facts = build_inventory(endpoint)
        expired_by = wait_until_expired(facts)
        judged_at = datetime.now(UTC).replace(microsecond=0)
        with RequestLog(endpoint, out / "request-log.jsonl") as log:
            runs = [run_tool(tool, paths, log, facts, out / tool.key, versions[tool.key], repeat) for tool in tools]
    machine["loadAverageAfter"] = [round(x, 2) for x in os.getloadavg()]
    table = render_markdown(runs, facts, judged_at, expired_by, machine)
    return table, figures(runs, facts, judged_at, expired_by, machine)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--prowler", type=Path, required=True, help="the prowler command of its virtualenv")
    parser.add_argument("--custodian", type=Path, required=True, help="the custodian command of its virtualenv")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench-peers", help="where to write")
    parser.add_argument("--only", nargs="+", choices=[t.key for t in TOOLS], help="run only these tools")
    parser.add_argument(
        "--repeat", type=int, default=REPEAT, help="runs of each tool; the time reported is their median"
    )
    options = parser.parse_args(argv)
    if options.repeat < 1:
        parser.error(f"--repeat must be 1 or more, not {options.repeat}")
    bin_dir = Path(sys.executable).parent
    paths = Paths(
        python=Path(sys.executable),
        acm_expiry=bin_dir / "acm-expiry",
        prowler=options.prowler.absolute(),
        custodian=options.custodian.absolute(),
    )
    # SIGTERM (make interrupted, a CI timeout) unwinds like Ctrl-C, so moto_server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tools = [t for t in TOOLS if not options.only or t.key in options.only]
    table, numbers = bench(paths, options.out, bin_dir / "moto_server", tools, options.repeat)
    (options.out / "peers.md").write_text(table, encoding="utf-8")
    (options.out / "peers.json").write_text(json.dumps(numbers, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(table)
    print(json.dumps(numbers, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
