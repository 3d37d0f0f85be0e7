"""docs/: the rule pages are the registry's, and every relative link lands on a page and heading."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from selenite_inventory_lint import __version__
from selenite_inventory_lint.rules import RULES

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
REGENERATE = "run `python docs/generate.py` and commit the result"
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```$", flags=re.MULTILINE | re.DOTALL)


def load_generator() -> ModuleType:
    """docs/generate.py is a script, not a package module: load it from its path."""
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATE = load_generator()


def test_rule_pages_match_the_registry() -> None:
    expected: dict[str, str] = GENERATE.pages()
    assert sorted(expected) == sorted(["rules.md", *(f"rules/{rule.code}.md" for rule in RULES)])
    stale = [
        path
        for path, text in expected.items()
        if not (DOCS / path).is_file() or (DOCS / path).read_text(encoding="utf-8") != text
    ]
    assert not stale, f"docs pages differ from the rule registry: {stale}; {REGENERATE}"


def test_rule_page_holds_the_code_severity_summary_and_docstring() -> None:
    rule = RULES[0]
    page = (DOCS / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
    assert f"# {rule.code}: {rule.summary}\n" in page
    assert f"Default severity: **{rule.severity}**" in page
    assert rule.docs in page
    index = (DOCS / "rules.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"| [{rule.code}](rules/{rule.code}.md) | {rule.severity} | " in index


def test_no_orphan_rule_pages() -> None:
    orphans: list[str] = GENERATE.orphans(DOCS, GENERATE.pages())
    assert not orphans, f"rule pages without a rule: {orphans}; {REGENERATE}"


def test_a_page_for_a_code_no_longer_in_the_registry_is_an_orphan(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DOCS / "rules", docs / "rules")
    (docs / "rules" / "INV999.md").write_text("# INV999: gone\n", encoding="utf-8")
    assert GENERATE.orphans(docs, GENERATE.pages()) == ["rules/INV999.md"]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(heading) for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}


DOCUMENTS = sorted(
    [ROOT / "README.md", ROOT / "CHANGELOG.md", *DOCS.glob("*.md"), *DOCS.glob("rules/*.md")]
)


@pytest.mark.parametrize(
    "document", DOCUMENTS, ids=[path.relative_to(ROOT).as_posix() for path in DOCUMENTS]
)
def test_relative_links_resolve(document: Path) -> None:
    text = FENCE.sub("", document.read_text(encoding="utf-8"))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        name, _, anchor = target.partition("#")
        resolved = (document.parent / name).resolve() if name else document
        if not resolved.exists() or (
            anchor and resolved.suffix == ".md" and anchor not in anchors(resolved)
        ):
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)} links to missing pages or headings: {broken}"


def test_every_docs_page_is_linked_from_another() -> None:
    pages = {path.resolve() for path in DOCS.rglob("*.md")}
    linked = set()
    for document in [ROOT / "README.md", *pages]:
        for target in LINK.findall(FENCE.sub("", document.read_text(encoding="utf-8"))):
            name = target.partition("#")[0]
            if name and not re.match(r"[a-z]+:", name):
                linked.add((document.parent / name).resolve())
    assert pages <= linked, f"unreachable docs pages: {sorted(map(str, pages - linked))}"


INSTALLABLE = sorted(
    [
        ROOT / "README.md",
        *DOCS.glob("*.md"),
        *(path for path in (ROOT / "examples").rglob("*") if path.is_file()),
    ]
)


@pytest.mark.parametrize(
    "document", INSTALLABLE, ids=[path.relative_to(ROOT).as_posix() for path in INSTALLABLE]
)
def test_every_install_names_the_release_tag(document: Path) -> None:
    """The package is not on an index: each install is the repository at tag v<version>, and
    each pre-commit `rev:` is that tag."""
    tag = f"git+https://github.com/OWNER/selenite-inventory-lint@v{__version__}"
    for line in document.read_text(encoding="utf-8").splitlines():
        if re.search(r"pip install [^&]*selenite-inventory-lint", line):
            assert tag in line, f"{document.relative_to(ROOT)}: {line.strip()}"
        if match := re.match(r"\s*rev: (\S+)", line):
            assert match.group(1) == f"v{__version__}", f"{document.relative_to(ROOT)}: {line}"
