"""A mutation run: each hand-made mutation of bench/mutant_catalogue.py against the tests of its module.

    make mutants                                     # every module (tens of minutes on two cores)
    make mutants ARGS="--module verdict"             # one module (repeat --module for more)
    make mutants ARGS="--mutant edge/backoff-uncapped"
    .venv/bin/python -m bench.mutants --list         # the catalogue, nothing run

Each mutant is applied in a temporary copy of the repository, never in the working tree (others read
those files while it runs): the copy's module gets the mutation, the module's test files run there
(``pytest -x``, with a timeout per mutant), and the module is put back before the next mutant. Tests
that fail, or a run past the timeout, *kill* the mutant; tests that all pass let it *survive*: a bug
nobody would notice. Before its mutants, each module's tests run once unmutated in the copy; a module
whose tests fail already is reported as such and its mutants are not run (they would all look killed).

Prints a table per module (mutants, killed, survived with the survivors named, the score) and ends
with one JSON object on its last line. Exit status: 0 when everything ran (survivors included: they are
the report), 2 when the catalogue no longer matches the code or a module's tests fail unmutated.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any

from bench.mutant_catalogue import MUTATIONS, TARGETS, Mutation

ROOT = Path(__file__).resolve().parent.parent
# Left out of the copy: virtualenvs, caches and build output (the peers' virtualenvs are gigabytes).
IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".venv-*",
    "build",
    "dist",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "*.egg-info",
)
DEFAULT_TIMEOUT = 300.0
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
# The test runs under way (their process groups), ended together when the run is interrupted.
_RUNNING: set[int] = set()
_RUNNING_LOCK = threading.Lock()


class CatalogueError(Exception):
    """A mutation's snippet no longer occurs exactly once in its module."""


@dataclass(frozen=True, slots=True)
class Result:
    mutation: Mutation
    status: str  # killed, survived, timeout (counts as killed), equivalent, not run (baseline failed)
    seconds: float = 0.0
    killed_by: str = ""  # the first failing test

    @property
    def killed(self) -> bool:
        return self.status in ("killed", "timeout")


def mutated(source: str, mutation: Mutation) -> str:
    """``source`` with ``mutation`` applied; :class:`CatalogueError` unless its snippet occurs exactly once."""
    count = source.count(mutation.original)
    if count != 1:
        raise CatalogueError(
            f"{mutation.id}: its snippet occurs {count} times in {TARGETS[mutation.module].path}, not once: "
            "update bench/mutant_catalogue.py to the code"
        )
    return source.replace(mutation.original, mutation.replacement)


def copy_repository(destination: Path, source: Path = ROOT) -> Path:
    """The working tree (uncommitted changes included) without virtualenvs and caches."""
    shutil.copytree(source, destination, ignore=IGNORED, symlinks=True)
    return destination


def run_tests(copy: Path, tests: Sequence[str], timeout: float) -> tuple[str, float, str]:
    """``pytest -x`` on ``tests`` in ``copy``: (passed | failed | timeout, seconds, the first failing test).

    The copy's modules come first on the path (not the editable install's), bytecode is not written
    (a mutant of the same size in the same second could reuse a stale cache), and Hypothesis is seeded
    so that a property test kills a mutant every run or never.
    """
    path = [str(copy / "ACMExpiryRule"), str(copy / "cli"), str(copy / "deploy"), str(copy)]
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }
    # -rfE: the first failing test is named in the output, whatever -r the project's addopts set.
    options = ["-x", "-q", "-rfE", "-p", "no:cacheprovider", "--hypothesis-seed=0"]
    command = [sys.executable, "-m", "pytest", *options, *tests]
    started = time.monotonic()
    # A session of its own, so that a timeout ends the tests' own subprocesses (moto servers) with them.
    process = subprocess.Popen(
        command, cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    with _RUNNING_LOCK:
        _RUNNING.add(process.pid)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return "timeout", time.monotonic() - started, ""
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process.pid)
    seconds = time.monotonic() - started
    if process.returncode == 0:
        return "passed", seconds, ""
    first = _FAILED.search(output)
    return "failed", seconds, first.group(1) if first else f"pytest exit status {process.returncode}"


def run_mutant(copy: Path, mutation: Mutation, timeout: float, tests: Sequence[str] | None = None) -> Result:
    """Apply ``mutation`` in ``copy``, run its module's tests (or ``tests``), and put the module back."""
    module = copy / TARGETS[mutation.module].path
    original = module.read_text()
    module.write_text(mutated(original, mutation))
    try:
        outcome, seconds, failed = run_tests(copy, tests or TARGETS[mutation.module].tests, timeout)
    finally:
        module.write_text(original)
    status = {"passed": "survived", "failed": "killed", "timeout": "timeout"}[outcome]
    return Result(mutation, status, seconds, failed)


def select(modules: Iterable[str] = (), mutants: Iterable[str] = ()) -> list[Mutation]:
    """The catalogue's mutations of ``modules`` and the ``mutants`` named by id; all of them when neither is given."""
    modules, mutants = set(modules), set(mutants)
    unknown = (modules - TARGETS.keys()) | (mutants - {m.id for m in MUTATIONS})
    if unknown:
        raise SystemExit(f"bench/mutants.py: not in the catalogue: {', '.join(sorted(unknown))} (see --list)")
    if not modules and not mutants:
        return list(MUTATIONS)
    return [m for m in MUTATIONS if m.module in modules or m.id in mutants]


def run(
    chosen: Sequence[Mutation],
    *,
    jobs: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    baseline: bool = True,
    progress: Callable[[str], None] = print,
) -> tuple[list[Result], dict[str, str]]:
    """Run ``chosen`` in ``jobs`` temporary copies; the results, and the modules whose tests failed unmutated."""
    for mutation in chosen:  # the whole selection is checked before anything runs
        mutated((ROOT / TARGETS[mutation.module].path).read_text(), mutation)
    results: list[Result] = [Result(m, "equivalent") for m in chosen if m.equivalent]
    live = [m for m in chosen if not m.equivalent]
    broken: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="acm-expiry-mutants-") as scratch:
        copies = [copy_repository(Path(scratch) / f"copy{i}") for i in range(max(1, jobs))]
        if baseline:
            for module in dict.fromkeys(m.module for m in live):
                outcome, seconds, failed = run_tests(copies[0], TARGETS[module].tests, timeout)
                progress(f"baseline {module}: tests {outcome} in {seconds:.0f} s")
                if outcome != "passed":
                    broken[module] = failed or outcome
        queue: SimpleQueue[Mutation] = SimpleQueue()
        for mutation in live:
            if mutation.module in broken:
                results.append(Result(mutation, "not run"))
            else:
                queue.put(mutation)
        lock = threading.Lock()
        done = [0]
        total = queue.qsize()

        stop = threading.Event()

        def work(copy: Path) -> None:
            while not stop.is_set():
                try:
                    mutation = queue.get_nowait()
                except Empty:
                    return
                try:
                    result = run_mutant(copy, mutation, timeout)
                except OSError:
                    if stop.is_set():  # interrupted: its copy is being removed
                        return
                    raise
                with lock:
                    results.append(result)
                    done[0] += 1
                    by = f" by {result.killed_by}" if result.killed_by else ""
                    progress(f"[{done[0]}/{total}] {mutation.id}: {result.status}{by} ({result.seconds:.0f} s)")

        workers = [threading.Thread(target=work, args=(copy,), daemon=True) for copy in copies]
        for worker in workers:
            worker.start()
        try:
            for worker in workers:
                worker.join()
        except BaseException:  # Ctrl-C, or SIGTERM (see main): no tests left running in a copy
            stop.set()
            with _RUNNING_LOCK:
                for group in _RUNNING:
                    os.killpg(group, signal.SIGKILL)
            raise
    order = {m.id: i for i, m in enumerate(MUTATIONS)}
    return sorted(results, key=lambda r: order[r.mutation.id]), broken


def summary(results: Sequence[Result], broken: dict[str, str]) -> dict[str, Any]:
    """Per module and in all: mutants run, killed, survived (named), equivalent, and the score (killed / run)."""
    modules: dict[str, dict[str, Any]] = {}
    for result in results:
        row = modules.setdefault(
            result.mutation.module, {"mutants": 0, "killed": 0, "survived": [], "equivalent": [], "notRun": 0}
        )
        if result.status == "equivalent":
            row["equivalent"].append(result.mutation.id)
        elif result.status == "not run":
            row["notRun"] += 1
        else:
            row["mutants"] += 1
            row["killed"] += result.killed
            if result.status == "survived":
                row["survived"].append(result.mutation.id)
    for row in modules.values():
        row["score"] = round(row["killed"] / row["mutants"], 3) if row["mutants"] else None
    run_count = sum(row["mutants"] for row in modules.values())
    killed = sum(row["killed"] for row in modules.values())
    return {
        "modules": modules,
        "total": {
            "mutants": run_count,
            "killed": killed,
            "survived": run_count - killed,
            "equivalent": sum(len(row["equivalent"]) for row in modules.values()),
            "score": round(killed / run_count, 3) if run_count else None,
        },
        "baselineFailed": broken,
        "timeouts": [r.mutation.id for r in results if r.status == "timeout"],
    }


def table(figures: dict[str, Any]) -> str:
    lines = [f"{'module':<12} {'mutants':>7} {'killed':>6} {'survived':>8} {'equivalent':>10} {'score':>6}"]
    rows = [*figures["modules"].items(), ("total", figures["total"])]
    for name, row in rows:
        survived = row["survived"] if isinstance(row["survived"], int) else len(row["survived"])
        equivalent = row["equivalent"] if isinstance(row["equivalent"], int) else len(row["equivalent"])
        score = "-" if row["score"] is None else f"{row['score']:.0%}"
        lines.append(f"{name:<12} {row['mutants']:>7} {row['killed']:>6} {survived:>8} {equivalent:>10} {score:>6}")
    for name, row in figures["modules"].items():
        for mutant in row["survived"]:
            lines.append(f"  survived: {mutant}")
        if row["notRun"]:
            why = figures["baselineFailed"][name]
            lines.append(f"  {name}: {row['notRun']} not run, its tests fail unmutated: {why}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mutants", description="Hand-made mutations against the tests of their modules."
    )
    parser.add_argument("--module", action="append", default=[], help="a module of the catalogue (repeatable)")
    parser.add_argument("--mutant", action="append", default=[], help="one mutant by id, module/name (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once, each in its own copy (default 1)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per mutant's tests")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run of each module's tests")
    parser.add_argument("--list", action="store_true", help="print the catalogue and run nothing")
    args = parser.parse_args(argv)
    chosen = select(args.module, args.mutant)
    if args.list:
        for mutation in chosen:
            note = f"  [equivalent: {mutation.equivalent}]" if mutation.equivalent else ""
            print(f"{mutation.id}: {mutation.description}{note}")
        return 0
    # A terminated run still ends its tests and removes its copies (SystemExit unwinds like Ctrl-C).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        results, broken = run(chosen, jobs=args.jobs, timeout=args.timeout, baseline=not args.no_baseline)
    except CatalogueError as error:
        print(f"bench/mutants.py: {error}", file=sys.stderr)
        return 2
    figures = summary(results, broken)
    figures["mutants"] = [
        {"id": r.mutation.id, "status": r.status, "seconds": round(r.seconds, 1)}
        | ({"killedBy": r.killed_by} if r.killed_by else {})
        for r in results
    ]
    print(table(figures))
    print(json.dumps(figures, separators=(",", ":")))
    return 2 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
