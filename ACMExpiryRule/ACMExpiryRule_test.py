"""RDK's convention: `rdk test-local ACMExpiryRule` runs the unittest cases of ``*_test.py`` in this folder.

The rule's tests are the pytest suite in ``tests/`` (the verdict table's scenarios, both triggers
through the Lambda handler, AWS's behaviour modelled by the doubles in ``tests/support``). This
one case runs that suite, in this Python, and fails with pytest's last lines when a test fails,
when no test ran, when ``tests/`` is missing or when pytest is not installed: never a quiet
"0 tests, OK". ``PYTEST_ADDOPTS`` narrows it (``-k verdict``), as for any pytest run.

Not deployed: ``rdk deploy`` zips this folder whole, so deploy from ``make rdk-package``'s copy
of it, which leaves this file out (docs/development.md, "RDK's own commands").
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NO_TESTS_COLLECTED = 5  # pytest's exit status


class ACMExpiryRuleTest(unittest.TestCase):
    def test_the_rules_pytest_suite_passes(self) -> None:
        if not (ROOT / "tests").is_dir():
            self.fail(f"no tests/ next to {Path(__file__).parent}: run rdk test-local in a checkout of the repository")
        if importlib.util.find_spec("pytest") is None:
            self.fail(f"pytest is not installed for {sys.executable}: pip install -r requirements.txt")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},  # no caches in the folder RDK zips
            capture_output=True,
            text=True,
            check=False,
        )
        last = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        if result.returncode == NO_TESTS_COLLECTED:
            self.fail(f"pytest ran no test (PYTEST_ADDOPTS={os.environ.get('PYTEST_ADDOPTS', '')!r}):\n{last}")
        self.assertEqual(result.returncode, 0, f"the rule's tests failed:\n{last}")
        print(f"\npytest: {last.splitlines()[-1] if last else 'no output'}", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
