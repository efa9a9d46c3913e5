"""`make mutants` keeps working as the code changes: the catalogue still matches the code, and the run tells
a killed mutant from a surviving one without touching the working tree."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.mutant_catalogue import MUTATIONS, TARGETS, Mutation
from bench.mutants import ROOT, CatalogueError, copy_repository, mutated, run_mutant, select


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.id)
def test_every_mutation_still_applies_once_and_its_module_still_compiles(mutation: Mutation) -> None:
    """When this fails, the code changed under the catalogue: update the snippet in bench/mutant_catalogue.py."""
    path = ROOT / TARGETS[mutation.module].path
    source = path.read_text()
    assert source.count(mutation.original) == 1, f"{mutation.id}: update its snippet to {path.name}'s code"
    assert mutation.replacement != mutation.original
    compile(mutated(source, mutation), str(path), "exec")


def test_the_catalogue_names_each_mutant_once_and_every_test_file_exists() -> None:
    repeated = [name for name, count in Counter(m.id for m in MUTATIONS).items() if count > 1]
    assert repeated == []
    assert {m.module for m in MUTATIONS} <= TARGETS.keys()
    for target in TARGETS.values():
        assert (ROOT / target.path).is_file(), target.path
        assert target.tests and all((ROOT / test).is_file() for test in target.tests), target.tests


def test_a_snippet_that_no_longer_occurs_once_is_refused() -> None:
    mutation = MUTATIONS[0]
    with pytest.raises(CatalogueError, match="occurs 0 times"):
        mutated("", mutation)
    with pytest.raises(CatalogueError, match="occurs 2 times"):
        mutated(mutation.original * 2, mutation)


def test_one_module_or_one_mutant_can_be_chosen() -> None:
    assert {m.module for m in select(["tags"])} == {"tags"}
    assert [m.id for m in select(mutants=["edge/backoff-uncapped"])] == ["edge/backoff-uncapped"]
    assert len(select()) == len(MUTATIONS)
    with pytest.raises(SystemExit, match="not in the catalogue: nowhere"):
        select(["nowhere"])


def test_a_mutant_is_run_in_a_copy_and_killed_or_survives_by_the_tests(tmp_path: Path) -> None:
    """Two runs of one test file's single test: one that catches the mutant, one that cannot."""
    (mutation,) = select(mutants=["verdict/window-edge-exclusive"])
    module = ROOT / TARGETS["verdict"].path
    before = module.read_text()
    copy = copy_repository(tmp_path / "copy")
    catches = "tests/test_verdict.py::test_window_edge_is_inclusive"
    killed = run_mutant(copy, mutation, timeout=120, tests=[catches])
    assert (killed.status, killed.killed_by.split("[")[0]) == ("killed", catches)
    survived = run_mutant(copy, mutation, timeout=120, tests=["tests/test_verdict.py::test_scenario_names_are_unique"])
    assert survived.status == "survived"
    assert (copy / TARGETS["verdict"].path).read_text() == before  # put back after each mutant
    assert module.read_text() == before  # the working tree never touched
