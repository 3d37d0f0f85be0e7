"""The "Required Updates" checklist of a plain-Markdown inventory is read line by line, without
markdown-it, and reads exactly as markdown-it reads it (docs/performance.md)."""

from __future__ import annotations

import random
from pathlib import Path

from selenite_inventory_lint.pipeline.review import _markdown_checklist, _plain_checklist

REFERENCE = Path(__file__).parent.parent / "inventory" / "fixtures" / "reference.md"

POOL = (
    "",
    "   ",
    "If you change anything in the categories above:",
    "Before merging, with `DATA_INVENTORY.md` open:",
    "plain words and (parentheses) + signs",
    "1) Update this document (add/modify entries).",
    "2) Note any migration requirements (idempotent + additive by default).",
    "3. Note any new backup/restore considerations.",
    "- a bullet with `code` and text",
    "* another bullet",
    "+ a third kind of bullet",
    "- `only code`",
    # Lines that could mean more: the fast path must decline, or agree.
    "  indented text",
    "    - a nested item",
    "*emphasis* here",
    "# a heading",
    "> a quote",
    "[a link](https://example.invalid)",
    "a line with trailing spaces   ",
    "2) an item that cannot interrupt a paragraph",
    "a `code span` then ``double``",
    "tab\there",
    "&amp; entity",
    "---",
    "1)",
)


def test_the_reference_checklist_is_read_without_markdown_it() -> None:
    lines = REFERENCE.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## Required Updates"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    section = lines[start + 1 : end]
    plain = _plain_checklist(section)
    assert plain is not None
    assert plain == _markdown_checklist("\n".join(section))
    assert len(plain[1]) == 3


def test_the_fast_path_agrees_with_markdown_it_or_declines() -> None:
    rng = random.Random(20261203)
    read_fast = 0
    for _ in range(800):
        section = [rng.choice(POOL) for _ in range(rng.randint(0, 7))]
        plain = _plain_checklist(section)
        if plain is None:
            continue
        read_fast += 1
        assert plain == _markdown_checklist("\n".join(section)), section
    # Most generated sections are plain enough to be read without markdown-it.
    assert read_fast > 100
