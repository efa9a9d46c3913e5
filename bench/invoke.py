"""Run the rule's Lambda handler once, as Lambda imports it: ``python bench/invoke.py EVENT.json``.

`make bench-peers` times the handler as a whole process with this: it imports only the standard
library and ``ACMExpiryRule`` from the rule's folder (what RDK zips), so the process holds what an
invocation would, and nothing of the bench.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

RULE_FOLDER = Path(__file__).resolve().parent.parent / "ACMExpiryRule"


class LambdaContext:
    """The parts of Lambda's context object a handler reads, with a budget of the rule's recommended
    900-second timeout from now."""

    function_name = "ACMExpiryRule"
    memory_limit_in_mb = "256"
    aws_request_id = "bench-peers"

    def __init__(self, budget_seconds: float = 900) -> None:
        self._deadline = time.monotonic() + budget_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python bench/invoke.py EVENT.json", file=sys.stderr)
        return 1
    sys.path.insert(0, str(RULE_FOLDER))
    entry = importlib.import_module("ACMExpiryRule")
    entry.lambda_handler(json.loads(Path(argv[0]).read_text(encoding="utf-8")), LambdaContext())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
