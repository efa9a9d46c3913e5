"""The function runs on the SDK it was tested with: `make layer` and `make package` (deploy/artifacts.py).

The layer zip holds, under python/ (the folder Lambda puts on a Python function's path), exactly the
wheels deploy/layer-requirements.txt pins: boto3, botocore, rdklib and what they need, at the versions
requirements.txt pins and this test run imports, and nothing else (no pytest, no moto). Lambda's Python
runtime searches a layer's python/ before its own copy of the SDK (AWS Lambda Developer Guide, "Dependency
search path and runtime-included libraries"); the last test imports the packaged handler on that path,
next to a stale "runtime" SDK, and sees the layer's.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import artifacts

ROOT = Path(__file__).resolve().parent.parent
RULE = ROOT / "ACMExpiryRule"
LAYER_PACKAGES = {"boto3", "botocore", "rdklib", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
NOT_FOR_THE_FUNCTION = ("pytest", "moto", "hypothesis", "cfnlint", "rdk/", "acm_expiry_cli", "_pytest", "mypy")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The layer built twice (into two folders) and the function zip, as `make layer package` builds them."""
    first, second = tmp_path_factory.mktemp("dist1"), tmp_path_factory.mktemp("dist2")
    return {
        "layer": artifacts.build_layer(first),
        "layer again": artifacts.build_layer(second),
        "function": artifacts.build_function(first),
    }


def names(path: Path) -> list[str]:
    return zipfile.ZipFile(path).namelist()


def distributions(layer: Path) -> dict[str, str]:
    """Distribution name -> version, from the layer's *.dist-info/METADATA."""
    found = {}
    archive = zipfile.ZipFile(layer)
    for name in archive.namelist():
        if name.endswith(".dist-info/METADATA"):
            fields = dict(
                line.split(": ", 1)
                for line in archive.read(name).decode().splitlines()
                if ": " in line and line[0] != " "
            )
            found[fields["Name"].lower()] = fields["Version"]
    return found


def pins(path: Path) -> dict[str, str]:
    """name -> version of every ``name==version`` line of a requirements file."""
    found = {}
    for line in path.read_text().splitlines():
        requirement = line.split("#", 1)[0].split(" --hash", 1)[0].strip()
        if "==" in requirement:
            name, pinned = requirement.split("==", 1)
            found[name.strip().lower()] = pinned.strip()
    return found


def test_layer_has_the_python_layout(built: dict[str, Path]) -> None:
    entries = names(built["layer"])
    assert entries and all(entry.startswith("python/") for entry in entries)
    assert {"python/boto3/__init__.py", "python/botocore/__init__.py", "python/rdklib/__init__.py"} <= set(entries)
    # No bytecode (built elsewhere, it may not load in Lambda), no console scripts.
    assert not [e for e in entries if "__pycache__" in e or e.endswith(".pyc") or e.startswith("python/bin/")]
    assert not [e for e in entries if e.endswith((".so", ".pyd"))]  # pure Python: x86_64 and arm64 alike


def test_layer_holds_the_pinned_sdk_the_tests_run_on(built: dict[str, Path]) -> None:
    in_layer = distributions(built["layer"])
    layer_pins = pins(artifacts.LAYER_REQUIREMENTS)
    assert set(in_layer) == LAYER_PACKAGES == set(layer_pins)
    assert in_layer == layer_pins
    # requirements.txt (the test virtualenv) pins the same versions, and this run imports them.
    assert {name: pins(ROOT / "requirements.txt")[name] for name in LAYER_PACKAGES} == layer_pins
    assert {name: version(name) for name in LAYER_PACKAGES} == layer_pins
    import boto3
    import botocore

    assert (boto3.__version__, botocore.__version__) == (layer_pins["boto3"], layer_pins["botocore"])


def test_layer_holds_nothing_the_function_does_not_need(built: dict[str, Path]) -> None:
    """Every file belongs to one of the pinned distributions (its RECORD lists it)."""
    archive = zipfile.ZipFile(built["layer"])
    recorded = set()
    for name in archive.namelist():
        if name.endswith(".dist-info/RECORD"):
            recorded |= {f"python/{line.split(',', 1)[0]}" for line in archive.read(name).decode().splitlines()}
    assert set(archive.namelist()) <= recorded
    assert not [e for e in archive.namelist() if any(f"python/{bad}" in e for bad in NOT_FOR_THE_FUNCTION)]


def test_layer_is_reproducible(built: dict[str, Path]) -> None:
    digest = [hashlib.sha256(built[key].read_bytes()).hexdigest() for key in ("layer", "layer again")]
    assert digest[0] == digest[1]
    assert artifacts.versioned_key(built["layer"]) == artifacts.versioned_key(built["layer again"])
    assert artifacts.versioned_key(built["layer"]).startswith(f"acm-expiry/acm-expiry-layer-{digest[0][:16]}")


def test_function_zip_is_the_rule_code_alone(built: dict[str, Path]) -> None:
    """The handler module at the root and the acm_expiry package: no tests, no caches, no parameters.json."""
    archive = zipfile.ZipFile(built["function"])
    every = sorted(p.relative_to(RULE).as_posix() for p in RULE.rglob("*.py") if "__pycache__" not in p.parts)
    sources = [name for name in every if not name.endswith("_test.py")]
    assert archive.namelist() == sources
    assert "ACMExpiryRule.py" in sources and "acm_expiry/handler.py" in sources
    assert "ACMExpiryRule_test.py" in every  # rdk test-local's, and not the function's
    assert all(archive.read(name) == (RULE / name).read_bytes() for name in sources)
    assert all((info.external_attr >> 16) & 0o777 == 0o644 for info in archive.infolist())
    rebuilt = artifacts.build_function(built["function"].parent / "again")
    assert rebuilt.read_bytes() == built["function"].read_bytes()


PROBE = """
import json, sys
sys.path[:0] = sys.argv[1:]
import ACMExpiryRule, boto3, botocore, rdklib
print(json.dumps({"handler": callable(ACMExpiryRule.lambda_handler), "boto3": boto3.__version__,
                  "botocore": botocore.__version__, "files": [boto3.__file__, botocore.__file__, rdklib.__file__]}))
"""


def lambda_imports(search_path: list[Path]) -> dict[str, object]:
    """Import the handler with nothing on the path but ``search_path`` (and the standard library)."""
    answer = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, *map(str, search_path)], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(answer.stdout)
    return result


def stale_runtime_sdk(folder: Path) -> Path:
    """A stand-in for the runtime's own SDK (/var/lang/lib/python3.12/site-packages): an old boto3 and botocore."""
    for package in ("boto3", "botocore"):
        (folder / package).mkdir(parents=True)
        (folder / package / "__init__.py").write_text('__version__ = "1.0.0-runtime"\n')
    return folder


def test_packaged_handler_imports_the_layers_sdk_before_the_runtimes(built: dict[str, Path], tmp_path: Path) -> None:
    task, opt = tmp_path / "var" / "task", tmp_path / "opt"
    zipfile.ZipFile(built["function"]).extractall(task)
    zipfile.ZipFile(built["layer"]).extractall(opt)
    runtime = stale_runtime_sdk(tmp_path / "var" / "lang" / "site-packages")
    # Lambda's order: the function's folder, the layer's folders, then the runtime's libraries.
    site = opt / "python" / "lib" / "python3.12" / "site-packages"
    answer = lambda_imports([task, site, opt / "python", runtime])
    assert answer["handler"] is True
    assert (answer["boto3"], answer["botocore"]) == (version("boto3"), version("botocore"))
    assert all(str(file).startswith(str(opt / "python")) for file in answer["files"])  # type: ignore[attr-defined]

    # Live: the stand-in is found when the layer is not there.
    sdk_only = "import sys; sys.path[:0] = sys.argv[1:]; import boto3; print(boto3.__version__)"
    for path, expected in (
        ([task, runtime], "1.0.0-runtime"),
        ([task, site, opt / "python", runtime], version("boto3")),
    ):
        found = subprocess.run(
            [sys.executable, "-I", "-S", "-c", sdk_only, *map(str, path)], capture_output=True, text=True, check=True
        )
        assert found.stdout.strip() == expected
