"""DATA_INVENTORY.md text → ``Inventory`` records (docs/inventory-format.md). Pure: text in,
records out.

**Sections.** A level-2 heading (``## …``, or a setext heading underlined with ``---``) opens a
section that runs to the line before the next level-1 or level-2 heading, or to the end of the
file; ``###`` and deeper belong to the enclosing section. A section's kind is decided by:

1. the ``sections`` overrides (config ``sections:``), keyed by the lower-cased heading text with
   whitespace collapsed; a value of ``None`` means "holds no entries";
2. the heading's words, case-insensitive, with the fixed precedence **schema > paths >
   configuration** when words of several kinds occur ("Database Settings" is schema, "State
   Directory" is paths). A word counts when it is one of these stems or its plural/long form:
   schema ``database``, ``db``, ``schema`` (``schemata``), ``table``; paths ``storage``,
   ``path``, ``directory``/``directories``; configuration ``config``/``configuration``, ``state``,
   ``environment``, ``env``, ``secret``, ``setting``. Whole words only, so "Statement" or
   "Tablespace" do not count. ``db`` and ``env`` are abbreviations the spec's list implies;
3. otherwise ``None`` (Invariants, Required Updates, Rollback…): list items there are ignored.

**Entries.** A list item (at any nesting depth) whose text starts with backticked keys
separated by commas; the description follows ``:``, ``( … )`` or a dash (em, en or ``-``).
Only the leading keys are keys: backticks later in the text are prose. A bold label naming a
database (``**Primary DB**: `path` ``) records a database file, as a paragraph or a list item.
In an entry section these list items are INV302 problems:

- an item whose text does not start with a key — unless it introduces a nested list (a
  grouping label) or sits under an entry (an elaboration of that entry);
- a key that is not valid for its section (schema ``a b c``, an empty key, ``../x``); the
  item's other keys still count;
- keys followed by text without a separator (``- `users` holds accounts``): the entry is
  recorded with that text as its description, and the missing separator is reported;
- a second entry with the same kind and key (table and column keys case-insensitively); both
  entries are kept, so stale checks see every line that names the object.

An entry's ``line``/``column`` locate its key's opening backtick (the list item's line for the
first key). Lines and columns are 1-based and counted after dropping a UTF-8 BOM and turning
CRLF/CR into LF, so those inputs give identical records.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Container, Mapping, Sequence
from typing import TYPE_CHECKING

from selenite_inventory_lint.inventory.plain import KEY_GAP as _KEY_GAP
from selenite_inventory_lint.inventory.plain import Lead as _Lead
from selenite_inventory_lint.inventory.plain import Line as _Line
from selenite_inventory_lint.inventory.plain import plain_lines as _plain_lines
from selenite_inventory_lint.inventory.plain import segment_lead as _segment_lead
from selenite_inventory_lint.inventory.text import collapse as _collapse
from selenite_inventory_lint.inventory.text import description_of as _description
from selenite_inventory_lint.inventory.text import last_nonblank as _last_nonblank
from selenite_inventory_lint.inventory.text import markdown as _markdown
from selenite_inventory_lint.inventory.text import path_key as _path_key
from selenite_inventory_lint.inventory.text import plain_text as _plain
from selenite_inventory_lint.model import Entry, EntryKind, Problem, Section, SectionKind
from selenite_inventory_lint.patterns import lazy
from selenite_inventory_lint.records import Record

if TYPE_CHECKING:
    from markdown_it.token import Token


INV302 = "INV302"

_KIND_WORDS: tuple[tuple[SectionKind, Callable[[], re.Pattern[str]]], ...] = (
    ("schema", lazy(r"databases?|dbs?|schemas?|schemata|tables?")),
    ("paths", lazy(r"storages?|paths?|director(?:y|ies)")),
    (
        "configuration",
        lazy(r"config(?:s|urations?)?|states?|environments?|envs?|secrets?|settings?"),
    ),
)
_WORD = re.compile(r"[^\W\d_]+")

_IDENT = r"[^\W\d]\w*"
_SCHEMA_KEY = re.compile(rf"(?P<table>{_IDENT})(?:\.(?P<column>{_IDENT}|\*))?")
_BARE_COLUMN = lazy(rf"{_IDENT}|\*")
# docs/inventory-format.md: `^[A-Z][A-Z0-9_]*$`, or that pattern with `*` globs
# (`TURNSTILE_*`, `*_KEY`).
_ENV_KEY = lazy(r"(?=[A-Z0-9_*]*[A-Z])[A-Z*][A-Z0-9_*]*")
_DB_LABEL = lazy(r"\b(?:dbs?|databases?)\b", re.IGNORECASE)
_LABEL_GAP = lazy(r"\s*:?\s*")
_TICKS = lazy(r"`+")


def _normal_heading(heading: str) -> str:
    return " ".join(heading.lower().split())


def _kind_of(normal: str, overrides: Mapping[str, SectionKind | None]) -> SectionKind | None:
    if normal in overrides:
        return overrides[normal]
    words = _WORD.findall(normal)
    for kind, pattern in _KIND_WORDS:
        if any(pattern().fullmatch(word) for word in words):
            return kind
    return None


def _normal_overrides(
    overrides: Mapping[str, SectionKind | None] | None,
) -> dict[str, SectionKind | None]:
    return {_normal_heading(k): v for k, v in (overrides or {}).items()}


def section_kind(
    heading: str, overrides: Mapping[str, SectionKind | None] | None = None
) -> SectionKind | None:
    """The kind of entries a section with this heading holds; see the module docstring."""
    return _kind_of(_normal_heading(heading), _normal_overrides(overrides))


class Inventory(Record):
    """A parsed inventory. ``entries`` are in document order with keys fully expanded."""

    path: str
    entries: tuple[Entry, ...]
    sections: tuple[Section, ...]
    problems: tuple[Problem, ...]
    # Aligned with ``entries``: the last non-blank line of the outermost list item (or the
    # paragraph) holding the entry, so an insertion after it never splits a nested list.
    entry_ends: tuple[int, ...] = ()
    # Aligned with ``sections``: the section's last non-blank line (the heading's when empty).
    content_ends: tuple[int, ...] = ()
    # The list items of the Invariants section(s), as plain text: policies the rules read
    # (MIG107 runs when one asks for idempotent migrations).
    invariants: tuple[str, ...] = ()

    @property
    def databases(self) -> tuple[Entry, ...]:
        return self.of_kind("database")

    def of_kind(self, kind: EntryKind) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind == kind)

    def sections_of(self, kind: SectionKind) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.kind == kind)

    def section_at(self, line: int) -> Section | None:
        """The section that contains ``line``, if any."""
        for section in self.sections:
            if section.line <= line <= section.end_line:
                return section
        return None

    def entries_in(self, section: Section) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if section.line <= e.line <= section.end_line)

    def last_entry_line(self, section: Section) -> int | None:
        """The line of the section's last entry (None when it has none)."""
        entries = self.entries_in(section)
        return entries[-1].line if entries else None

    def insertion_line(self, section: Section) -> int:
        """The line after which a new entry of this section belongs (for ``--fix`` stubs).

        The end of the list item (nested lines and continuation lines included) that holds the
        section's last entry; in a section without entries, its last non-blank line. A stub
        after a paragraph (``**Primary DB**`` only) needs a blank line before it to form a list.
        """
        last: int | None = None
        for index, entry in enumerate(self.entries):
            if section.line <= entry.line <= section.end_line:
                last = index
        if last is not None:
            ends = self.entry_ends
            return ends[last] if last < len(ends) else self.entries[last].line
        position = self.sections.index(section) if section in self.sections else -1
        if 0 <= position < len(self.content_ends):
            return self.content_ends[position]
        return section.line


class _Item:
    """An open list item while the parser walks the tokens; its flags are set as it goes."""

    def __init__(
        self, *, line: int, level: int, root_end: int, active: bool, inside_entry: bool, column: int
    ) -> None:
        self.line = line
        self.level = level
        self.root_end = root_end
        self.active = active
        self.inside_entry = inside_entry
        self.column = column
        self.keyed = False
        self.has_list = False
        self.seen_block = False


def _lead(children: Sequence[Token]) -> _Lead | None:
    tokens = [t for t in children if not (t.type == "text" and not t.content)]
    index = 0
    label: str | None = None
    if tokens and tokens[0].type == "strong_open":
        close = next((i for i, t in enumerate(tokens) if t.type == "strong_close"), len(tokens))
        label = _collapse(_plain(tokens[1:close]))
        index = close + 1
        gap = ""
        while index < len(tokens) and tokens[index].type in ("text", "softbreak"):
            gap += tokens[index].content or " "
            index += 1
        if not _LABEL_GAP().fullmatch(gap) or not (":" in gap or label.endswith(":")):
            return None
        label = label.rstrip(":").strip()
        if not _DB_LABEL().search(label):
            return None
    if index >= len(tokens) or tokens[index].type != "code_inline":
        return None
    keys = [tokens[index].content]
    index += 1
    while True:
        probe, gap = index, ""
        while probe < len(tokens) and tokens[probe].type in ("text", "softbreak"):
            gap += tokens[probe].content or " "
            probe += 1
        if probe < len(tokens) and tokens[probe].type == "code_inline" and _KEY_GAP.fullmatch(gap):
            keys.append(tokens[probe].content)
            index = probe + 1
        else:
            break
    return _Lead(label=label, keys=keys, rest=_plain(tokens[index:]))


class _Parser:
    def __init__(self, path: str, lines: list[str], overrides: Mapping[str, SectionKind | None]):
        self.path = path
        self.lines = lines
        self.overrides = overrides
        self.entries: list[Entry] = []
        self.entry_ends: list[int] = []
        self.problems: list[Problem] = []
        self.sections: list[Section] = []
        self.content_ends: list[int] = []
        self.invariants: list[str] = []
        self.seen: dict[tuple[str, str], int] = {}
        self.heading = ""
        self.kind: SectionKind | None = None
        self.section_line = 0
        # Items that read as entries under a heading that names no kind (and is not mapped):
        # they would count for nothing without a word, when most of the section's items do.
        self.stray_entries = 0
        self.stray_items = 0
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        self.starts = starts

    def last_nonblank(self, first: int, last: int) -> int:
        return _last_nonblank(self.lines, first, last)

    def problem(self, line: int, column: int, message: str) -> None:
        self.problems.append(
            Problem(code=INV302, path=self.path, line=line, column=column, message=message)
        )

    def close_section(self, end_line: int) -> None:
        if self.stray_entries and 2 * self.stray_entries > self.stray_items:
            count = self.stray_entries
            self.problem(
                self.section_line,
                1,
                f"section '{self.heading}' holds {count} "
                f"{'item that reads' if count == 1 else 'items that read'} as "
                f"{'an entry' if count == 1 else 'entries'}, but its heading names no kind of "
                "entry (database/schema/table, storage/path/directory, config/state/environment/"
                "secret/setting), so they document nothing: rename the heading or map it with "
                "`sections:`",
            )
        self.stray_entries = self.stray_items = 0
        if self.section_line:
            self.sections.append(
                Section(
                    heading=self.heading, kind=self.kind, line=self.section_line, end_line=end_line
                )
            )
            self.content_ends.append(self.last_nonblank(self.section_line, end_line))
        self.section_line = 0
        self.kind = None

    def unmapped(self) -> bool:
        """A section whose heading named no kind and that ``sections:`` does not map."""
        return (
            bool(self.section_line)
            and self.kind is None
            and _normal_heading(self.heading) not in self.overrides
        )

    def run(self, tokens: Sequence[Token]) -> None:
        stack: list[_Item] = []
        for index, token in enumerate(tokens):
            kind = token.type
            if kind == "heading_open" and token.tag in ("h1", "h2") and token.map:
                self.close_section(token.map[0])
                if token.tag == "h2":
                    self.heading = _collapse(_plain(tokens[index + 1].children or ()))
                    self.kind = _kind_of(_normal_heading(self.heading), self.overrides)
                    self.section_line = token.map[0] + 1
            elif kind == "list_item_open":
                parent = stack[-1] if stack else None
                start, end = token.map or (0, 1)
                first = start + 1
                text = self.lines[start] if start < len(self.lines) else ""
                stack.append(
                    _Item(
                        line=first,
                        level=token.level,
                        root_end=parent.root_end if parent else self.last_nonblank(first, end),
                        active=self.kind is not None,
                        inside_entry=parent is not None and (parent.keyed or parent.inside_entry),
                        column=len(text) - len(text.lstrip()) + 1,
                    )
                )
            elif kind == "list_item_close":
                item = stack.pop()
                if item.active and not (item.keyed or item.has_list or item.inside_entry):
                    self.problem(
                        item.line,
                        item.column,
                        "list item is not an inventory entry: it does not start with a backticked"
                        " key",
                    )
            elif (
                stack and token.block and token.nesting >= 0 and token.level == stack[-1].level + 1
            ):
                item = stack[-1]
                if kind in ("bullet_list_open", "ordered_list_open"):
                    item.has_list = True
                elif kind == "paragraph_open" and not item.seen_block and item.active and token.map:
                    self.item_text(tokens[index + 1], token.map, item)
                elif kind == "paragraph_open" and not item.seen_block and self.unmapped():
                    self.stray_items += 1
                    if _lead(tokens[index + 1].children or ()) is not None:
                        self.stray_entries += 1
                invariant = self.section_line and "invariant" in _normal_heading(self.heading)
                if kind == "paragraph_open" and invariant:
                    self.invariants.append(_plain(tokens[index + 1].children or ()))
                item.seen_block = True
            elif kind == "paragraph_open" and not stack and self.kind is not None and token.map:
                self.paragraph(tokens[index + 1], token.map)
        self.close_section(len(self.lines))

    def key_positions(self, first_line: int, last_line: int, count: int) -> list[tuple[int, int]]:
        """(line, column) of the opening backtick of the first ``count`` code spans in a block."""
        text = "\n".join(self.lines[first_line - 1 : last_line])
        base = self.starts[first_line - 1]
        found: list[tuple[int, int]] = []
        runs = _TICKS().finditer(text)
        for opener in runs:
            offset = base + opener.start()
            line = bisect.bisect_right(self.starts, offset)
            found.append((line, offset - self.starts[line - 1] + 1))
            if len(found) == count:
                break
            # CommonMark: a code span closes at the next run of exactly the same length.
            for closer in runs:
                if len(closer.group()) == len(opener.group()):
                    break
        return found

    def item_text(self, inline: Token, block_map: list[int], item: _Item) -> None:
        lead = _lead(inline.children or ())
        if lead is not None:
            item.keyed = True
            self.record(lead, block_map[0] + 1, block_map[1], item.root_end)

    def paragraph(self, inline: Token, block_map: list[int]) -> None:
        """Database labels in a prose paragraph; each line opening one starts a new record.

        Lines after a label line continue its description; lines before the first are prose.
        """
        first, last = block_map[0] + 1, block_map[1]
        groups: list[tuple[int, _Lead]] = []
        line_tokens: list[Token] = []
        number = first
        for token in [*(inline.children or ()), None]:
            if token is not None and token.type not in ("softbreak", "hardbreak"):
                line_tokens.append(token)
                continue
            lead = _lead(line_tokens)
            if lead is not None and lead.label is not None:
                groups.append((number, lead))
            elif groups:
                groups[-1][1].rest += " " + _plain(line_tokens)
            line_tokens = []
            number += 1
        end = self.last_nonblank(first, last)
        for line, lead in groups:
            self.record(lead, line, last, end)

    def record(
        self,
        lead: _Lead,
        first_line: int,
        last_line: int,
        end: int,
        positions: list[tuple[int, int]] | None = None,
    ) -> None:
        if positions is None:
            positions = self.key_positions(first_line, last_line, len(lead.keys))
        positions += [(first_line, 1)] * (len(lead.keys) - len(positions))
        description, separated = _description(lead.rest)
        if lead.label is not None:
            description = f"{lead.label}: {description}" if description else lead.label
        if not separated:
            self.problem(
                *positions[0],
                "expected ':', '( … )' or ' — ' between the keys and the description",
            )
        table: str | None = None
        for number, (raw, (line, column)) in enumerate(zip(lead.keys, positions, strict=True)):
            resolved = self.resolve(raw, number, table, database=lead.label is not None)
            if isinstance(resolved, str):
                self.problem(line, column, resolved)
                continue
            entry_kind, key = resolved
            if number == 0 and entry_kind == "column":
                table = key.split(".", 1)[0]
            self.add(entry_kind, key, line, column, description, end)

    def resolve(
        self, raw: str, number: int, table: str | None, *, database: bool
    ) -> tuple[EntryKind, str] | str:
        """The entry kind and expanded key of a raw key, or a problem message."""
        if database or self.kind != "schema":
            key = _path_key(raw)
            if key is None:
                return f"`{raw}` is not a valid repository-relative path key"
            if database:
                return "database", key
            if self.kind == "configuration" and _ENV_KEY().fullmatch(raw):
                return "env", raw
            return ("path" if self.kind == "paths" else "config_file"), key
        # docs/inventory-format.md: after a first `t.c` key, bare keys are further columns of `t`.
        if table is not None and _BARE_COLUMN().fullmatch(raw):
            return "column", f"{table}.{raw}"
        match = _SCHEMA_KEY.fullmatch(raw)
        if match is None:
            return (
                f"`{raw}` is not a valid schema key (expected table, table.column or table.*;"
                " a database file is written **Primary DB**: `path`)"
            )
        return ("column" if match.group("column") else "table"), raw

    def add(
        self, kind: EntryKind, key: str, line: int, column: int, description: str, end: int
    ) -> None:
        identity = (kind, key.lower() if kind in ("table", "column") else key)
        if identity in self.seen:
            first = self.seen[identity]
            self.problem(line, column, f"duplicate entry for {kind} {key} (first at line {first})")
        else:
            self.seen[identity] = line
        self.entries.append(
            Entry(
                kind=kind,
                key=key,
                line=line,
                column=column,
                description=description,
                section=self.heading,
            )
        )
        self.entry_ends.append(max(end, line))


# -- the line-level reading of plain Markdown ----------------------------------------------
# Most inventories are ATX headings, one-line list items and prose, where CommonMark's answer
# follows from each line alone; those are read here without markdown-it. A line that could
# mean something else (indentation, emphasis, links, HTML, escapes, entities, fences, longer
# backtick runs, setext underlines, thematic breaks, a line continuing a list item) sends the
# whole file to markdown-it, so the two readings agree (tests/speed/inventory_fast_path_test.py).

# How many inventories went to markdown-it in this process; tests count it.
MARKDOWN_PARSES = [0]
# How many inventory texts were read whole (``parse_inventory``), whichever way; tests count it.
PARSES = [0]


def _run_plain(parser: _Parser, read: Sequence[_Line], only: Container[int] | None = None) -> None:
    """``_Parser.run`` for a file ``_plain_lines`` read: the same records, token-free; with
    ``only``, the items of those lines alone (a line's reading depends on it and its section)."""
    for number, (kind, level, segments) in enumerate(read, 1):
        if kind == "item" and only is not None and number not in only:
            continue
        if kind == "heading" and level <= 2:
            parser.close_section(number - 1)
            if level == 2:
                parser.heading = _collapse("".join(s[1] for s in segments))
                parser.kind = _kind_of(_normal_heading(parser.heading), parser.overrides)
                parser.section_line = number
        elif kind == "item":
            if parser.section_line and "invariant" in _normal_heading(parser.heading):
                parser.invariants.append("".join(s[1] for s in segments))
            lead = _segment_lead(segments)
            if parser.kind is not None:
                if lead is not None:
                    spans = [(number, level + s[2] + 1) for s in segments if s[0]]
                    parser.record(lead, number, number, number, spans[: len(lead.keys)])
                else:
                    parser.problem(
                        number,
                        1,
                        "list item is not an inventory entry: it does not start with a backticked"
                        " key",
                    )
            elif parser.unmapped():
                parser.stray_items += 1
                parser.stray_entries += int(lead is not None)
    parser.close_section(len(read))


# Longest first: a UTF-32 LE mark begins with the UTF-16 LE one.
def _source_lines(text: str) -> list[str]:
    source = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not source:
        return []
    lines = source.split("\n")
    if source.endswith("\n"):
        lines.pop()
    return lines


def parse_inventory(
    text: str,
    path: str = "DATA_INVENTORY.md",
    sections: Mapping[str, SectionKind | None] | None = None,
    *,
    blob: str = "",
    base: tuple[str, str] | None = None,
) -> Inventory:
    """Inventory Markdown → entries, sections, INV302 problems (docs/inventory-format.md);
    ``sections``: config overrides (heading → kind, None: no entries). See ``kept.read``."""
    overrides = tuple(sorted((sections or {}).items(), key=lambda item: item[0]))
    found = _PARSED.get(key := (text, path, overrides))
    if found is None:
        if blob:  # the user cache
            from selenite_inventory_lint.inventory import kept

            found = kept.read(text, path, sections, blob, base)
        else:
            PARSES[0] += 1
            found = _parse(text, path, sections)
        if len(_PARSED) >= _PARSED_KEPT:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = found
    return found


_PARSED_KEPT = 4
_PARSED: dict[tuple[str, str, tuple[tuple[str, SectionKind | None], ...]], Inventory] = {}


def read_lines(
    text: str,
    numbers: Container[int],
    path: str = "DATA_INVENTORY.md",
    sections: Mapping[str, SectionKind | None] | None = None,
) -> Inventory | None:
    """The sections of ``text`` and the entries on the lines ``numbers`` alone, as
    ``parse_inventory`` reads them; None when the file is not plain Markdown (parse it whole).
    ``--fix`` checks its stubs read back this way without reading every entry again."""
    lines = _source_lines(text)
    plain = _plain_lines(lines)
    if plain is None:
        return None
    return _parse(text, path, sections, lines=lines, plain=plain, only=numbers)


def _parse(
    text: str,
    path: str,
    sections: Mapping[str, SectionKind | None] | None,
    *,
    lines: list[str] | None = None,
    plain: list[_Line] | None = None,
    only: Container[int] | None = None,
) -> Inventory:
    if lines is None:
        lines = _source_lines(text)
        plain = _plain_lines(lines)
    parser = _Parser(path, lines, _normal_overrides(sections))
    if plain is not None:
        _run_plain(parser, plain, only)
    else:
        MARKDOWN_PARSES[0] += 1
        # markdown-it gets the normalised text, so its line maps index ``lines`` directly.
        parser.run(_markdown().parse("\n".join(lines) + "\n"))
    return Inventory(
        path=path,
        entries=tuple(parser.entries),
        sections=tuple(parser.sections),
        problems=tuple(sorted(parser.problems, key=lambda p: (p.line, p.column, p.message))),
        entry_ends=tuple(parser.entry_ends),
        content_ends=tuple(parser.content_ends),
        invariants=tuple(parser.invariants),
    )
