"""The documentation a newcomer reads: a short README that starts with the two commands, and links that work.

README.md is the front door (under 350 lines, ``make demo`` and ``make test`` in its first screen, a table of
contents); the reference is in docs/, a page per task. Every relative link in README.md, docs/*.md and
deploy/README.md must reach a file that exists and, with a ``#fragment``, a heading of that file, by the anchors
GitHub gives headings; every page of docs/ is linked from somewhere; and every section of deploy/README.md that a
template or a command's message cites by name is listed there, linked to where it now lives.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
DEPLOY_README = ROOT / "deploy" / "README.md"
PAGES = sorted(DOCS.glob("*.md"))
DOCUMENTS = [README, DEPLOY_README, *PAGES]

README_LINES = 350
FIRST_SCREEN = 30

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^()\s]+(?:\([^()\s]*\))?)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """The file's lines outside fenced code blocks, numbered from 1."""
    lines, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the text as rendered (code spans, links and emphasis reduced to their
    words), lower-cased, every character but letters, digits, spaces, hyphens and underscores dropped, spaces
    made hyphens (as github-slugger does)."""
    text = CODE_SPAN.sub(lambda m: m[2].strip(), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link: its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = re.sub(r"(\*\*|\*|~~)", "", text)
    kept = "".join(c for c in text.lower() if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    """Every heading's anchor in ``path``; a repeated heading gets -1, -2, … as on GitHub."""
    seen: Counter[str] = Counter()
    found = set()
    for _, line in prose_lines(path):
        match = HEADING.match(line)
        if match:
            base = slug(match[2])
            found.add(base if not seen[base] else f"{base}-{seen[base]}")
            seen[base] += 1
    return frozenset(found)


def links(path: Path) -> list[tuple[int, str]]:
    """Every inline link's target in ``path``'s prose (not in code blocks or code spans)."""
    found = []
    for number, line in prose_lines(path):
        for match in LINK.finditer(CODE_SPAN.sub("", line)):
            found.append((number, match[1]))
    return found


def is_relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)  # http:, https:, mailto:, …


def resolve(source: Path, target: str) -> tuple[Path, str | None]:
    """The file a relative link reaches, and its fragment."""
    file, _, fragment = target.partition("#")
    return ((source.parent / file).resolve() if file else source), (fragment or None)


def broken(source: Path, target: str) -> str | None:
    """Why a relative link does not work, or None when it does."""
    path, fragment = resolve(source, target)
    if not path.exists():
        return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} does not exist"
    if fragment is None:
        return None
    if path.suffix != ".md":
        return f"a #{fragment} into {path.name}, which has no headings"
    if fragment not in anchors(path):
        return f"{path.relative_to(ROOT)} has no heading #{fragment}"
    return None


# --- the front door --------------------------------------------------------------------------------------------


def test_the_readme_is_a_front_door_under_350_lines() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) < README_LINES, f"README.md has {len(lines)} lines; the reference belongs in docs/"


@pytest.mark.parametrize("command", ["make demo", "make test"])
def test_the_two_commands_are_in_the_first_screen(command: str) -> None:
    first = README.read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN]
    assert any(line.startswith(command) for line in first), (
        f"{command!r} is not in README.md's first {FIRST_SCREEN} lines"
    )
    # each with what it does, on its own line of the commands' block
    (line,) = [line for line in first if line.startswith(command)]
    assert "#" in line and len(line.split("#", 1)[1].strip()) > 20, line


def test_the_readme_has_a_table_of_contents_of_its_sections() -> None:
    lines = prose_lines(README)
    start = next(
        i for i, (_, line) in enumerate(lines) if HEADING.match(line) and slug(line.lstrip("# ")) == "contents"
    )
    contents = []
    for _, line in lines[start + 1 :]:
        if HEADING.match(line):
            break
        contents += [target for target in (m[1] for m in LINK.finditer(line))]
    assert contents, "README.md's Contents section lists no links"
    assert all(target.startswith("#") for target in contents), contents
    for target in contents:
        assert broken(README, target) is None, (target, broken(README, target))
    sections = [slug(m[2]) for _, line in lines[start + 1 :] if (m := HEADING.match(line)) and len(m[1]) == 2]
    assert [target[1:] for target in contents] == sections, "the Contents section and README.md's sections differ"


# --- every link works ------------------------------------------------------------------------------------------


def relative_links() -> list[tuple[Path, int, str]]:
    return [(path, number, target) for path in DOCUMENTS for number, target in links(path) if is_relative(target)]


@pytest.mark.parametrize(
    ("path", "number", "target"),
    relative_links(),
    ids=[f"{path.relative_to(ROOT)}:{number}:{target}" for path, number, target in relative_links()],
)
def test_every_relative_link_reaches_a_file_and_heading(path: Path, number: int, target: str) -> None:
    assert broken(path, target) is None, f"{path.relative_to(ROOT)}:{number}: {target}: {broken(path, target)}"


def test_the_documents_link_to_something() -> None:
    """The link reader finds links at all (a regular expression that matched nothing would pass every test)."""
    assert len(relative_links()) > 100
    assert all(links(path) for path in DOCUMENTS)


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_docs_page_is_linked_from_somewhere(page: Path) -> None:
    linking = {
        source.relative_to(ROOT).as_posix()
        for source in DOCUMENTS
        if source != page
        for _, target in links(source)
        if is_relative(target) and resolve(source, target)[0] == page
    }
    assert linking, f"nothing links to docs/{page.name}"


def test_the_docs_index_lists_every_page() -> None:
    listed = {resolve(DOCS / "README.md", target)[0] for _, target in links(DOCS / "README.md") if is_relative(target)}
    assert set(PAGES) - {DOCS / "README.md"} <= listed


def test_slugs_follow_githubs_rules() -> None:
    assert slug("The function's SDK") == "the-functions-sdk"
    assert slug("An organization: `--aggregator`") == "an-organization---aggregator"
    assert slug("Parameters (`member.yaml` and `remediation.yaml`)") == "parameters-memberyaml-and-remediationyaml"
    assert slug("Deleted, on ACM's word") == "deleted-on-acms-word"
    assert slug("`acm-expiry scan`") == "acm-expiry-scan"


# --- sections cited by name ------------------------------------------------------------------------------------

CITATION = re.compile(r"deploy/README\.md,?\s*['\"]([^'\"]+)['\"]")


def cited_sections() -> dict[str, set[str]]:
    """Section names that templates, build scripts, the CLI's messages and the Makefile cite as
    ``deploy/README.md, "Name"``, with the files citing each."""
    texts: dict[str, str] = {}
    for path in [*sorted((ROOT / "deploy").glob("*.yaml")), ROOT / "Makefile"]:
        lines = [re.sub(r"^\s*#\s?", "", line) for line in path.read_text(encoding="utf-8").splitlines()]
        texts[path.relative_to(ROOT).as_posix()] = " ".join(" ".join(lines).split())
    for path in [*sorted((ROOT / "deploy").glob("*.py")), *sorted((ROOT / "cli" / "acm_expiry_cli").glob("*.py"))]:
        strings = [
            node.value
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
        texts[path.relative_to(ROOT).as_posix()] = " ".join(" ".join(strings).split())
    cited: dict[str, set[str]] = {}
    for name, text in texts.items():
        for match in CITATION.finditer(text):
            cited.setdefault(match[1], set()).add(name)
    return cited


def test_sections_cited_by_name_are_listed_in_deploy_readme_and_link_where_they_live() -> None:
    cited = cited_sections()
    assert {"Alerts", "A stack instance that failed", "Code signing"} <= set(cited)  # the reader finds them
    listed = {}
    for number, line in prose_lines(DEPLOY_README):
        for match in re.finditer(r"\[([^\]]+)\]\(([^)]+)\)", line):
            listed[match[1]] = (number, match[2])
    for section, files in sorted(cited.items()):
        assert section in listed, f"{', '.join(sorted(files))} cite deploy/README.md, {section!r}: not listed there"
        number, target = listed[section]
        assert broken(DEPLOY_README, target) is None, (section, target, broken(DEPLOY_README, target))
