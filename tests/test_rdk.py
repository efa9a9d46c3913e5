"""RDK's own commands on this repository: `rdk test-local` runs the rule's tests, `rdk deploy` ships no test.

``rdk test-local ACMExpiryRule`` runs the unittest cases of ``ACMExpiryRule/*_test.py``; ours runs
the pytest suite, and must fail loudly (a non-zero exit) when a test fails or none ran. ``rdk
deploy`` zips the rule folder whole (``shutil.make_archive``, no way to leave a file out), so the
folder it should zip is ``make rdk-package``'s copy: RDK's own zipping code, run here against
moto's S3, shows what each would ship.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parent.parent
RDK = Path(sys.executable).parent / "rdk"
pytestmark = pytest.mark.skipif(not RDK.exists(), reason="rdk is not installed next to this Python")


def rdk_test_local(folder: Path, pytest_addopts: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(folder)),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_ADDOPTS": pytest_addopts,
    }
    return subprocess.run([str(RDK), "test-local", "ACMExpiryRule"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip


def test_rdk_test_local_runs_the_rules_tests() -> None:
    result = rdk_test_local(ROOT, "tests/test_verdict.py -k days_left")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "test_the_rules_pytest_suite_passes (ACMExpiryRule_test.ACMExpiryRuleTest" in output
    assert "Ran 1 test in" in output and "\nOK" in output


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what `rdk test-local` needs: the rule folder, its parameters and pytest's configuration."""
    shutil.copytree(ROOT / "ACMExpiryRule", tmp_path / "ACMExpiryRule", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    for name in ("parameters.json", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "tests" / "test_broken.py").write_text("def test_a_broken_rule() -> None:\n    assert 1 + 1 == 3\n")
    return tmp_path


def test_rdk_test_local_fails_loudly_when_a_test_fails(checkout: Path) -> None:
    result = rdk_test_local(checkout, "")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "FAILED (failures=1)" in output and "the rule's tests failed" in output
    assert "1 failed" in output and "test_a_broken_rule" in output  # pytest's own last lines


def test_rdk_test_local_fails_loudly_when_no_test_ran(checkout: Path) -> None:
    result = rdk_test_local(checkout, "-k nothing_is_called_this")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "pytest ran no test (PYTEST_ADDOPTS='-k nothing_is_called_this')" in output


@pytest.fixture
def code_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        session.client("s3").create_bucket(Bucket="rdk-code")
        yield session


def what_rdk_deploy_zips(folder: Path, session: boto3.session.Session, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names in the zip `rdk deploy` uploads for the rule folder in ``folder``: RDK 1.0.0's own code."""
    from rdk import rdk

    monkeypatch.chdir(folder)  # RDK reads <cwd>/<rule name>/, and leaves its zip there
    tool = rdk.rdk(argparse.Namespace(command="test-local"))  # a command that needs no AWS session
    key = tool._rdk__upload_function_code("ACMExpiryRule", {"SourceRuntime": "python3.12-lib"}, "123456789012",
                                          session, "rdk-code")  # fmt: skip
    body = session.client("s3").get_object(Bucket="rdk-code", Key=key)["Body"].read()
    return sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())


def test_rdk_package_leaves_the_test_out_of_what_rdk_deploy_zips(
    tmp_path: Path, code_bucket: boto3.session.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "rdk"
    subprocess.run(["make", "-s", "rdk-package", f"RDK_PACKAGE={package}"], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    names = what_rdk_deploy_zips(package, code_bucket, monkeypatch)
    assert "ACMExpiryRule.py" in names and "acm_expiry/verdict.py" in names
    assert not [name for name in names if "test" in name.lower() or "__pycache__" in name]
    assert "parameters.json" in names  # the link's contents
    handler = {p.relative_to(ROOT / "ACMExpiryRule").as_posix() for p in (ROOT / "ACMExpiryRule").rglob("*.py")}
    assert {name for name in names if name.endswith(".py")} == handler - {"ACMExpiryRule_test.py"}


def test_the_rule_folder_itself_would_ship_the_test(
    tmp_path: Path, code_bucket: boto3.session.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why `make rdk-package`: RDK 1.0.0 has no way to leave a file of the rule folder out of its zip."""
    shutil.copytree(ROOT / "ACMExpiryRule", tmp_path / "ACMExpiryRule", ignore=shutil.ignore_patterns("__pycache__"))
    assert "ACMExpiryRule_test.py" in what_rdk_deploy_zips(tmp_path, code_bucket, monkeypatch)
