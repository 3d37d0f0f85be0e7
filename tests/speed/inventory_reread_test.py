"""A changed inventory read from its base's reading equals the text parsed whole.

``inventory/incremental.py`` reads only the run of lines that changed when they are items,
blank lines or comments of sections holding entries, and takes everything else from the
base's reading, moved by the lines added or removed. Generated inventories and edits hold the
two readings equal (or the shortcut declines); counted reads show the hook's usual edit — a
line added to a long inventory — is not parsed whole.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from selenite_inventory_lint.inventory import incremental, parse
from selenite_inventory_lint.inventory.plain import plain_lines
from selenite_inventory_lint.model import SectionKind

SECTIONS: dict[str, SectionKind | None] = {"misc": "paths", "ignored": None}
LINES = [
    "# Data Inventory",
    "## Database (SQLite)",
    "## Storage",
    "## Configuration",
    "## Invariants",
    "## Notes",
    "## Misc",
    "## Ignored",
    "### Detail",
    "- `users`: accounts",
    "- `Users`: the same table, spelled otherwise",
    "- `users.email`, `phone` — contact",
    "- `orders` (customer orders) — seven years",
    "- `t.*`: every column",
    "- `items` holds things",
    "- plain prose, not an entry",
    "- `a b c`: not a schema key",
    "- `storage/media/`: uploads",
    "- `../outside`: not a path",
    "- `APP_SECRET`: signing key",
    "- `config/app.toml`: settings",
    "- `TODO`",
    "1) Update this document",
    "2) Then the other",
    "",
    "<!-- a comment -->",
    "Prose that is a paragraph.",
    "  - `nested`: indented",
]


def reading(lines: list[str]) -> tuple[str, list[str]]:
    text = "\n".join(lines) + "\n"
    return text, parse._source_lines(text)


def both(old: list[str], new: list[str]) -> tuple[parse.Inventory | None, parse.Inventory]:
    base_text, base_lines = reading(old)
    text, lines = reading(new)
    base_plain = plain_lines(base_lines)
    base = parse._parse(base_text, "INV.md", SECTIONS, lines=base_lines, plain=base_plain)
    whole = parse._parse(text, "INV.md", SECTIONS, lines=lines, plain=plain_lines(lines))
    if base_plain is None:
        return None, whole
    return incremental.reread(text, lines, "INV.md", SECTIONS, base_text, base), whole


# Mostly entries and blank lines under entry headings, as inventories are.
COMMON = st.sampled_from([line for line in LINES[1:4] + LINES[9:22] + ["", ""]])


@settings(max_examples=400, deadline=None)
@given(
    old=st.lists(st.one_of(COMMON, COMMON, st.sampled_from(LINES)), max_size=30),
    where=st.integers(min_value=0, max_value=30),
    removed=st.integers(min_value=0, max_value=4),
    added=st.lists(st.one_of(COMMON, st.sampled_from(LINES)), max_size=4),
)
def test_a_reread_equals_the_whole_parse(
    old: list[str], where: int, removed: int, added: list[str]
) -> None:
    where = min(where, len(old))
    new = old[:where] + added + old[where + removed :]
    reread, whole = both(old, new)
    if reread is not None:
        assert reread == whole


def long_inventory(entries: int) -> list[str]:
    lines = ["# Data Inventory", "", "## Database (SQLite)"]
    lines += [f"- `table_{n:05d}`: rows of batch {n}." for n in range(entries)]
    lines += ["", "## Storage", "- `storage/media/`: uploads", "", "## Invariants", "- additive"]
    return lines


def test_an_added_entry_is_read_alone() -> None:
    old = long_inventory(2000)
    new = [*old[:1000], "- `table_new`: the new one.", *old[1000:]]
    before = incremental.REREADS[0]
    reread, whole = both(old, new)
    assert incremental.REREADS[0] == before + 1
    assert reread == whole
    assert reread is not None
    assert reread.entries[997].key == "table_new"


def test_edits_the_shortcut_cannot_follow_are_declined() -> None:
    old = long_inventory(20)
    heading = [*old[:10], "## Storage", *old[10:]]
    duplicate = [*old[:10], "- `table_00003`: again.", *old[10:]]
    invariant = [*old, "- idempotent"]
    for new in (heading, duplicate, invariant):
        reread, whole = both(old, new)
        assert reread is None
        assert whole.entries


@settings(max_examples=300, deadline=None)
@given(
    layout=st.lists(
        st.tuples(
            st.sampled_from(LINES[1:8]),
            st.lists(st.one_of(st.integers(0, 10**6), st.sampled_from(LINES)), max_size=8),
        ),
        min_size=1,
        max_size=4,
    ),
    where=st.integers(min_value=0, max_value=40),
    removed=st.integers(min_value=0, max_value=3),
    added=st.lists(st.one_of(st.integers(0, 10**6), st.sampled_from(LINES)), max_size=3),
)
def test_edits_among_unique_entries_read_as_the_whole_parse(
    layout: list[tuple[str, list[int | str]]], where: int, removed: int, added: list[int | str]
) -> None:
    def line(item: int | str) -> str:
        return f"- `key_{item}`: entry {item}." if isinstance(item, int) else item

    old = ["# Data Inventory", ""]
    for heading, items in layout:
        old += [heading, *map(line, items), ""]
    where = min(where, len(old))
    new = old[:where] + [line(item) for item in added] + old[where + removed :]
    reread, whole = both(old, new)
    if reread is not None:
        assert reread == whole
