"""Fuzz: the inventory parser, coverage and ``--fix`` on arbitrary Markdown and bytes
(docs/inventory-format.md)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint.inventory.coverage import Coverage
from selenite_inventory_lint.inventory.fix import fix_bytes
from selenite_inventory_lint.inventory.parse import parse_inventory
from selenite_inventory_lint.model import Finding, ObjectKind

from . import budget
from .strategies import content, lines

TARGET = "inventory parser"
SHARE = budget.share(4)
KINDS = ("table", "column", "database", "path", "env", "config_file")

WORDS = (
    "# Data inventory",
    "## Database (SQLite)",
    "## Storage Paths",
    "## Configuration & State",
    "## Invariants",
    "### Sub",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "  - ",
    "    ",
    "`users`",
    "`users.email`",
    "`t.*`",
    ", ",
    "`storage/media/`",
    "`.env*`",
    "`TURNSTILE_*`",
    "`SECRET_KEY`",
    ": ",
    " — ",
    " (",
    ")",
    "TODO",
    "**Primary DB**: `backend/selenite.db`",
    "<!-- inventory-lint: ignore[INV301] reason -->",
    "```",
    "> ",
    "| a | b |",
    "[link](x)",
    "\\`",
)
MARKDOWN = lines(WORDS, max_lines=20)
NAMES = st.one_of(
    st.sampled_from(("users", "users.phone", "storage/x/", "NEW_VAR", ".env.local", "a b", "x`y")),
    st.text(max_size=10),
)
OBJECTS: tuple[tuple[str, ObjectKind], ...] = (
    ("INV101", "table"),
    ("INV102", "column"),
    ("INV103", "path"),
    ("INV104", "env"),
    ("INV105", "config_file"),
    ("INV105", "database"),
)
FIXABLE = st.builds(
    lambda pair, name: Finding(
        code=pair[0],
        severity="error",
        message="m",
        path="p",
        line=1,
        object_kind=pair[1],
        object_name=name,
    ),
    st.sampled_from(OBJECTS),
    NAMES,
)


def _check(text: str) -> None:
    inventory = parse_inventory(text)
    count = max(1, len(text.splitlines()) + 1)
    for entry in inventory.entries:
        assert entry.kind in KINDS
        assert 1 <= entry.line <= count, entry
    for problem in inventory.problems:
        assert problem.code in ("INV302", "INV301"), problem
        assert 1 <= problem.line <= count, problem


@SHARE
@given(text=MARKDOWN)
@budget.counted(TARGET)
def test_parse_markdown_like_text(text: str) -> None:
    _check(text)


@SHARE
@given(text=st.text(max_size=300))
@budget.counted(TARGET)
def test_parse_arbitrary_text(text: str) -> None:
    _check(text)


@SHARE
@given(text=MARKDOWN, name=NAMES, other=NAMES)
@budget.counted(TARGET)
def test_coverage_of_any_object(text: str, name: str, other: str) -> None:
    coverage = Coverage(parse_inventory(text))
    coverage.table(name)
    coverage.column(name, other)
    coverage.entries_for_table(name)
    coverage.path(name)
    coverage.env(name)
    coverage.config_file(name)
    coverage.database(name)


@SHARE
@given(data=content(MARKDOWN), findings=st.lists(FIXABLE, max_size=4))
@budget.counted(TARGET)
def test_fix_is_total_and_idempotent(data: bytes, findings: list[Finding]) -> None:
    fixed = fix_bytes(data, findings)
    again = fix_bytes(fixed.new, findings)
    assert again.new == fixed.new
    assert not again.stubs
