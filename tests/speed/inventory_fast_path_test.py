"""The inventory's line-level reading gives markdown-it's records, and takes plain files.

Every text is parsed twice, once as ``parse_inventory`` does (without its memo) and once with
the line-level reading switched off, and the two ``Inventory`` records must be equal: entries,
sections, problems and the line ends ``--fix`` inserts after.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selenite_inventory_lint.inventory import parse
from selenite_inventory_lint.inventory.parse import Inventory, parse_inventory
from selenite_inventory_lint.model import SectionKind

REFERENCE = Path(__file__).parents[1] / "inventory" / "fixtures" / "reference.md"
SECTIONS: dict[str, SectionKind | None] = {"invariants": None, "misc": "paths"}
PLAIN = """\
# Data Inventory (Living)

## Database (SQLite)
- `users`: accounts.
- `users.email`, `phone` — contact details
- `orders` (customer orders) — kept 7 years
- `t.*`: every column of t
- `users` holds accounts
- plain prose, not an entry
- ` spaced `: a key with spaces kept apart
- `a b c`: not a valid schema key

## Storage Paths
* `storage/media/`: uploads
+ `../outside`: not a path key

Prose between lists, with `code` & ampersands.
- `logs/` - rotated daily

### Sub heading
- `storage/cache/`: TODO

## Configuration & State
- `.env*` (runtime configuration)
- `SECRET_KEY`: signing key
- `TURNSTILE_*`: captcha
- `SECRET_KEY`: said twice

## Notes
- `stray/`: reads as an entry
- `another/`: reads as one too
- prose

## Misc
- `mapped/`: by the configuration
<!-- inventory-lint: ignore[INV301] kept for now -->

## Invariants
- `users` is never deleted
"""
WORDS = (
    "# Data inventory",
    "## Database (SQLite)",
    "## Storage Paths",
    "## Configuration & State",
    "## Invariants",
    "## Notes",
    "### Sub",
    "#",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "1) ",
    "2) ",
    "12. ",
    "  ",
    "-",
    "---",
    "===",
    "`users`",
    "`users.email`",
    "` x `",
    "`t.*`",
    ", ",
    "`storage/media/`",
    "`.env*`",
    "`SECRET_KEY`",
    ": ",
    " — ",
    " - ",
    " (",
    ")",
    "TODO",
    "prose",
    "&",
    "&amp;",
    "**Primary DB**: `db.sqlite`",
    "<!-- note -->",
    "<!--",
    "```",
    "``",
    "`",
    "> ",
    "[link](x)",
    "\\`",
    "_",
    "\t",
    "\u00a0",
    "\x00",
)


def both(text: str) -> tuple[Inventory, Inventory, bool]:
    """(as parsed, as markdown-it alone parses it, whether markdown-it was needed)."""
    before = parse.MARKDOWN_PARSES[0]
    fast = parse._parse(text, "DATA_INVENTORY.md", SECTIONS)
    needed = parse.MARKDOWN_PARSES[0] > before
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "_plain_lines", lambda _lines: None)
        slow = parse._parse(text, "DATA_INVENTORY.md", SECTIONS)
    assert parse.MARKDOWN_PARSES[0] == before + needed + 1
    return fast, slow, needed


def test_a_plain_inventory_is_read_without_markdown_it() -> None:
    fast, slow, needed = both(PLAIN)
    assert not needed
    assert fast == slow
    # The case covers what the reading must get right, not an empty document.
    assert len(fast.entries) >= 15
    assert {p.message.split(" ")[0] for p in fast.problems} >= {"list", "`a", "duplicate"}
    assert any("holds 2 items" in p.message for p in fast.problems)


@pytest.mark.parametrize(
    "line",
    [
        "- `users`: see [the docs](x)",
        "- `users`: *emphasis*",
        "  - `nested`: item",
        "- `users`: accounts\ncontinued lazily",
        "Setext\n---",
        "- `a``b`: two backticks",
        "- `users`: caf&eacute;",
        "- `users`:\taccounts",
    ],
)
def test_a_line_that_may_mean_more_goes_to_markdown_it(line: str) -> None:
    fast, slow, needed = both(f"## Database\n{line}\n")
    assert needed
    assert fast == slow


def test_the_reference_inventory_reads_the_same() -> None:
    text = REFERENCE.read_text("utf-8")
    fast, slow, _ = both(text)
    assert fast == slow
    assert fast.entries


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=6).map("".join), max_size=14))
def test_any_mix_of_lines_reads_the_same(lines: list[str]) -> None:
    fast, slow, _ = both("\n".join(lines) + "\n")
    assert fast == slow


def test_a_text_read_again_in_the_same_run_is_not_parsed_again() -> None:
    text = PLAIN.replace("accounts", "accounts, read twice")
    first = parse_inventory(text, "DATA_INVENTORY.md", SECTIONS)
    before = parse.MARKDOWN_PARSES[0]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "_plain_lines", lambda _lines: None)
        again = parse_inventory(text, "DATA_INVENTORY.md", dict(reversed(SECTIONS.items())))
        assert again is first
        other = parse_inventory(text, "docs/DATA_INVENTORY.md", SECTIONS)
    assert other is not first
    assert parse.MARKDOWN_PARSES[0] == before + 1


@pytest.mark.parametrize(
    "text",
    [
        "## Database\n1. `users`: ordered\n2) `jobs`: also ordered\n",
        "## Required Updates\nIf you change anything:\n1) Update this document.\n2) Note it.\n",
    ],
)
def test_ordered_items_are_read_without_markdown_it(text: str) -> None:
    fast, slow, needed = both(text)
    assert not needed
    assert fast == slow


def test_an_ordered_item_that_cannot_interrupt_a_paragraph_goes_to_markdown_it() -> None:
    fast, slow, needed = both("## Database\nSome prose\n2) `users`: the paragraph goes on\n")
    assert needed
    assert fast == slow
