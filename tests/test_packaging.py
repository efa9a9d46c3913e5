"""The rule as RDK ships it: ACMExpiryRule/ alone, plus the rdklib layer (rdklib, boto3)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE = ROOT / "ACMExpiryRule"

PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import ACMExpiryRule
loaded = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"handler": callable(ACMExpiryRule.lambda_handler),
                  "package": sys.modules["acm_expiry"].__file__, "loaded": loaded}))
"""


def test_the_zipped_folder_is_self_contained(tmp_path: Path) -> None:
    """Everything the handler imports comes from the rule folder or the layer, never the CLI."""
    bundle = tmp_path / "bundle"
    shutil.copytree(RULE, bundle, symlinks=False, ignore=shutil.ignore_patterns("__pycache__"))
    probe = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(bundle)], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    answer = json.loads(probe.stdout)
    assert answer["handler"] is True
    assert answer["package"].startswith(str(bundle))
    assert "acm_expiry_cli" not in answer["loaded"]
    assert "moto" not in answer["loaded"]


def test_parameters_json_is_one_file_seen_from_both_places() -> None:
    link = RULE / "parameters.json"
    assert link.is_symlink() and link.resolve() == (ROOT / "parameters.json").resolve()
    parameters = json.loads((ROOT / "parameters.json").read_text())["Parameters"]
    assert parameters["RuleName"] == RULE.name == "ACMExpiryRule"
    assert parameters["SourceRuntime"] == "python3.12-lib"
    assert parameters["SourceEvents"] == "AWS::ACM::Certificate"
    assert parameters["SourcePeriodic"] == "TwentyFour_Hours"
    assert json.loads(parameters["InputParameters"]) == {"daysToExpiration": "30"}


def test_no_tests_inside_the_rule_folder_but_rdks_own() -> None:
    """Tests and their fixtures live in tests/; the rule folder holds only the module `rdk test-local` runs.

    RDK zips the whole folder, so `make rdk-package` leaves that one out (tests/test_rdk.py).
    """
    tests = [p.relative_to(RULE).as_posix() for p in RULE.rglob("*") if "test" in p.name.lower()]
    assert tests == ["ACMExpiryRule_test.py"]


def test_the_wheel_holds_product_code_only(tmp_path: Path) -> None:
    """`pip install .` installs the rule and the CLI: no test doubles, no inventory generators, no tests."""
    source = tmp_path / "source"  # built from a copy: setuptools writes build/ and *.egg-info where it builds
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__"))
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    subprocess.run([*build, str(source)], check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("acm_expiry_rule-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    code = sorted(n for n in names if not n.startswith("acm_expiry_rule-"))
    packages = {n.split("/")[0] for n in code}
    assert packages == {"acm_expiry", "acm_expiry_cli"}
    assert not [n for n in code if any(word in n for word in ("test", "double", "inventory", "fake"))]
    assert "acm_expiry/verdict.py" in code and "acm_expiry_cli/demo.py" in code
    metadata = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith("/METADATA"))
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    # What the demo imports beyond the rule's own dependencies is declared in its extra.
    assert any("cryptography" in line and 'extra == "demo"' in line for line in requires)
    assert any("moto" in line and 'extra == "demo"' in line for line in requires)
