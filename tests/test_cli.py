"""`acm-expiry scan`, run as a user runs it: a subprocess against `moto_server` on 127.0.0.1.

A few tests run the scan in process instead, behind the AWS doubles (conftest's ``aws``), for what
moto cannot show: access denied, throttling, the exact requests made, and agreement with the
rule's periodic run.
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import socket
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

from acm_expiry_cli import scan as scan_module
from acm_expiry_cli.main import main
from acm_expiry_cli.sample_events import scheduled_event
from tests.conftest import World, amazon_issued_record
from tests.support.doubles import THROTTLING, access_denied
from tests.support.inventory import import_certificate, synthetic_inventory

BIN = Path(sys.executable).parent
CLI = [str(BIN / "acm-expiry")] if (BIN / "acm-expiry").exists() else [sys.executable, "-m", "acm_expiry_cli.main"]
US, EU, AP = "us-east-1", "eu-west-1", "ap-southeast-2"
ROW_KEYS = set(scan_module.ROW_FIELDS)

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["MOTO_ACM_VALIDATION_WAIT"] = "86400"  # requested certificates stay PENDING_VALIDATION
    server = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                pytest.fail(f"moto_server exited with status {server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("moto_server did not start listening within 30 s")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


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
    expires = now + timedelta(seconds=2)
    arns[domain] = import_certificate(client(region), domain, key_type, expires, now)
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


def test_table_has_one_row_per_certificate_sorted_by_days_left(seeded: Seeded) -> None:
    result = run_cli(seeded, "--region", US, "--region", EU)
    assert result.returncode == 2
    assert result.stderr == ""  # stderr is not a terminal: no progress lines
    lines = result.stdout.splitlines()
    header = lines[0].split()
    assert header[:2] == ["REGION", "DOMAIN"] and header[-3:] == ["VERDICT", "ARN", "ANNOTATION"]
    rows = lines[2 : 2 + len(US_EU_ORDER)]
    assert [row.split()[1] for row in rows] == US_EU_ORDER
    by_domain = {row.split()[1]: row for row in rows}
    api = by_domain["api.example.com"].split()
    expiry_date = api[5]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", expiry_date)
    assert api[:5] + api[6:9] == [
        US,
        "api.example.com",
        "IMPORTED",
        "EC_prime256v1",
        "no",
        "6",  # 5.05 days left, rounded up
        "NON_COMPLIANT",
        seeded.arns["api.example.com"],
    ]
    assert f"Expires in 6 days ({expiry_date})" in by_domain["api.example.com"]
    assert "ACM never renews imported certificates" in by_domain["api.example.com"]
    assert "Expired less than a day ago" in by_domain["old.example.eu"]
    assert by_domain["new.example.com"].split()[6:8] == ["-", "NOT_APPLICABLE"]
    assert lines[-1] == (
        "8 certificate(s) in 2 region(s), 30-day window: 3 COMPLIANT, 4 NON_COMPLIANT, 1 NOT_APPLICABLE"
    )


def test_json_rows_and_summary(seeded: Seeded) -> None:
    status, answer = scan_json(seeded, "--region", US, "--region", EU)
    assert status == 2
    assert set(answer) == {"rows", "summary"}
    assert answer["summary"] == {
        US: {"COMPLIANT": 2, "NON_COMPLIANT": 2, "NOT_APPLICABLE": 1},
        EU: {"COMPLIANT": 1, "NON_COMPLIANT": 2, "NOT_APPLICABLE": 0},
    }
    rows = answer["rows"]
    assert all(set(row) == ROW_KEYS for row in rows)
    assert [row["domain"] for row in rows] == US_EU_ORDER
    days = [row["days_left"] for row in rows]
    assert days[-1] is None and days[:-1] == sorted(days[:-1])
    assert {row["arn"]: row["domain"] for row in rows} == {
        arn: domain for domain, arn in seeded.arns.items() if domain in US_EU_ORDER
    }
    assert all(row["arn"].split(":")[3] == row["region"] for row in rows)
    legacy = next(row for row in rows if row["domain"] == "legacy.example.com")
    assert legacy | {"arn": "-", "expires": "-", "annotation": "-"} == {
        "region": US,
        "arn": "-",
        "domain": "legacy.example.com",
        "type": "IMPORTED",
        "key_algorithm": "EC_secp384r1",
        "in_use": False,
        "expires": "-",
        "days_left": 21,  # 20.05 days: rounded up
        "verdict": "NON_COMPLIANT",
        "annotation": "-",
    }
    expires = datetime.strptime(legacy["expires"], "%Y-%m-%dT%H:%M:%S%z")
    assert timedelta(days=19) < expires - datetime.now(UTC) < timedelta(days=21)
    assert legacy["annotation"].startswith(f"Expires in 21 days ({expires:%Y-%m-%d}), within the 30-day window.")
    assert {row["key_algorithm"] for row in rows} == {"EC_prime256v1", "EC_secp384r1", "EC_secp521r1", "RSA_2048"}


def test_only_noncompliant_shows_those_and_keeps_the_whole_summary(seeded: Seeded) -> None:
    status, answer = scan_json(seeded, "--region", US, "--region", EU, "--only-noncompliant")
    assert status == 2
    assert {row["domain"] for row in answer["rows"]} == NON_COMPLIANT_US_EU
    assert [row["domain"] for row in answer["rows"]] == [d for d in US_EU_ORDER if d in NON_COMPLIANT_US_EU]
    assert sum(sum(counts.values()) for counts in answer["summary"].values()) == len(US_EU_ORDER)

    table = run_cli(seeded, "--region", US, "--only-noncompliant")
    assert table.returncode == 2
    assert "COMPLIANT " not in table.stdout.replace("NON_COMPLIANT", "")
    assert table.stdout.splitlines()[-1].endswith("; 2 shown")


def test_exit_0_when_nothing_is_noncompliant(seeded: Seeded) -> None:
    status, answer = scan_json(seeded, "--region", AP)
    assert status == 0
    assert [row["domain"] for row in answer["rows"]] == ["calm.example.com", "steady.example.com"]
    assert answer["summary"] == {AP: {"COMPLIANT": 2, "NON_COMPLIANT": 0, "NOT_APPLICABLE": 0}}
    empty = run_cli(seeded, "--region", AP, "--only-noncompliant")
    assert (empty.returncode, empty.stdout) == (
        0,
        "2 certificate(s) in 1 region(s), 30-day window: 2 COMPLIANT, 0 NON_COMPLIANT, 0 NOT_APPLICABLE; 0 shown\n",
    )


@pytest.mark.parametrize(("region", "days", "status"), [(US, "3", 0), (US, " 30 ", 2), (AP, "3650", 2), (AP, "120", 0)])
def test_days_moves_the_window(seeded: Seeded, region: str, days: str, status: int) -> None:
    assert run_cli(seeded, "--region", region, "--days", days).returncode == status


def test_a_region_repeated_is_scanned_once(seeded: Seeded) -> None:
    _, answer = scan_json(seeded, "--region", AP, "--region", AP)
    assert len(answer["rows"]) == 2 and list(answer["summary"]) == [AP]


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
    assert list(answer["summary"]) == [region]
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
        assert list(answer["summary"]) == [EU]
        assert {row["domain"] for row in answer["rows"]} == {"shop.example.eu", "static.example.eu", "old.example.eu"}
    _, answer = scan_json(seeded, "--profile", "seeded", **files, AWS_DEFAULT_REGION=AP)
    assert list(answer["summary"]) == [AP]  # the environment beats the profile, as in the AWS CLI


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
    assert json.loads(result.stdout)["summary"].keys() == {AP, EU}  # stdout stays clean JSON
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
    results = scan_module.scan(None, [US], 30, doubled.now, io.StringIO(), doubled.doubles.session)
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
    assert len(doubled.botocore_sleeps) == 3
