"""`acm-expiry`: the rule's own logic from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="acm-expiry", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the real Lambda handler on a built-in inventory, against moto")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from acm_expiry_cli.demo import run_demo

        return run_demo()
    return 1


if __name__ == "__main__":
    sys.exit(main())
