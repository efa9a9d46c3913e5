"""`make runbook`: write the remediation runbook's script into the templates that hold the runbook.

The runbook's ``aws:executeScript`` step runs ACMExpiryRule/acm_expiry/remediation.py, whole: the
code the tests run is the code SSM runs. Each template marks the step's ``Script`` block scalar with
:data:`MARKER` on the line before it; this replaces the block's lines with the module's, indented
under the key. ``--check`` changes nothing and exits 1 if a template holds another script (a module
edited without ``make runbook``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "ACMExpiryRule" / "acm_expiry" / "remediation.py"
TEMPLATES = (ROOT / "deploy" / "remediation.yaml", ROOT / "deploy" / "member.yaml")
MARKER = "# The runbook's script: written by make runbook from ACMExpiryRule/acm_expiry/remediation.py."
KEY = "Script: |"


class TemplateWithoutScript(ValueError):
    """A template lacks the marked ``Script: |`` block this writes into."""


def embed(template: str, script: str) -> str:
    """``template`` with the block under its marked ``Script: |`` replaced by ``script``, indented."""
    lines, key, end, indent = _block(template)
    body = [indent + line if line.strip() else "\n" for line in script.splitlines(keepends=True)]
    return "".join(lines[: key + 1] + body + lines[end:])


def extract(template: str) -> str:
    """The script ``template`` holds, as YAML reads the block (what SSM receives)."""
    lines, key, end, indent = _block(template)
    return "".join(line.removeprefix(indent) if line.strip() else "\n" for line in lines[key + 1 : end])


def _block(template: str) -> tuple[list[str], int, int, str]:
    """The template's lines, the marked key's index, the index after its block, and the block's indent."""
    lines = template.splitlines(keepends=True)
    marked = [index for index, line in enumerate(lines) if line.strip() == MARKER]
    if len(marked) != 1 or marked[0] + 1 >= len(lines) or lines[marked[0] + 1].strip() != KEY:
        raise TemplateWithoutScript(f"expected one {MARKER!r} line followed by {KEY!r}, found {len(marked)} markers")
    key = marked[0] + 1
    indent = " " * (len(lines[key]) - len(lines[key].lstrip()) + 2)
    end = key + 1
    # The block runs on over blank lines and lines indented deeper than the key.
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith(indent)):
        end += 1
    while end > key + 1 and not lines[end - 1].strip():  # blank lines after the block stay the template's
        end -= 1
    return lines, key, end, indent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="runbook.py", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a template is out of date")
    args = parser.parse_args(argv)
    script = SCRIPT.read_text()
    stale = []
    for template in TEMPLATES:
        text = template.read_text()
        written = embed(text, script)
        if written != text:
            stale.append(template)
            if not args.check:
                template.write_text(written)
    for template in stale:
        verb = "is out of date (run make runbook)" if args.check else "written"
        print(f"{template.relative_to(ROOT)}: {verb}", file=sys.stderr if args.check else sys.stdout)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
