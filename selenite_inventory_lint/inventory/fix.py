"""``--fix``: stub entries for undocumented objects (docs/usage.md). Pure: bytes or text in, out.

Each INV101-INV105 finding names an object; its stub goes where a person would put it:

- a column after the last entry of its table (any schema section), else with the tables;
- a table at the end of the first schema section's entries;
- a path at the end of the first Paths section; an environment variable, a config/state file
  or a database file at the end of the first Configuration section;
- a missing section is created with the reference inventory's heading, after the sections
  that precede it in the reference layout (Database, Storage Paths, Configuration & State).

Every other byte is kept: the BOM and the encoding it names (UTF-16 stays UTF-16), each line's
own ending, a missing final newline, and bytes that are not UTF-8 (decoded with
``surrogateescape`` and written back unchanged).
Objects the inventory already covers get no stub, so fixing twice adds nothing. A stub whose
key the parser would not read back as that object (a backtick or a space in a table name) is
skipped and reported, never written.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence

from selenite_inventory_lint.inventory.coverage import Coverage
from selenite_inventory_lint.inventory.parse import Inventory, parse_inventory, read_lines
from selenite_inventory_lint.inventory.text import inventory_encoding, split_lines
from selenite_inventory_lint.model import EntryKind, Finding, SectionKind
from selenite_inventory_lint.records import Record
from selenite_inventory_lint.rules import FIXABLE

STUB = "TODO: describe"

_ORDER: tuple[SectionKind, ...] = ("schema", "paths", "configuration")
# The reference inventory's headings (docs/inventory-format.md).
_HEADINGS: Mapping[SectionKind, str] = {
    "schema": "Database",
    "paths": "Storage Paths",
    "configuration": "Configuration & State",
}
_ENTRY_KIND: Mapping[str, tuple[EntryKind, SectionKind]] = {
    "table": ("table", "schema"),
    "column": ("column", "schema"),
    "path": ("path", "paths"),
    "env": ("env", "configuration"),
    "config_file": ("config_file", "configuration"),
    "database": ("config_file", "configuration"),
}
_BULLET = re.compile(r"([-*+]) ")
_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])(?:\s|$)")


class Stub(Record):
    """One inserted entry: its key and kind, the section it went to, its line in the new text."""

    kind: EntryKind
    key: str
    section: str
    line: int


class Skipped(Record):
    object_kind: str
    object_name: str
    reason: str


class TextFix(Record):
    """The inventory before and after the stubs (text without BOM, line endings as found)."""

    old: str
    new: str
    stubs: tuple[Stub, ...]
    skipped: tuple[Skipped, ...]

    @property
    def changed(self) -> bool:
        return self.old != self.new


class ByteFix(Record):
    old: bytes
    new: bytes
    stubs: tuple[Stub, ...]
    skipped: tuple[Skipped, ...]

    @property
    def changed(self) -> bool:
        return self.old != self.new


class _Wanted(Record):
    kind: EntryKind
    key: str
    section_kind: SectionKind


class _Insertion(Record):
    after: int  # number of old lines before the inserted block
    order: tuple[int, int, str]
    lines: tuple[str, ...]
    # (index in ``lines``, object) of each stub line of the block.
    stubs: tuple[tuple[int, _Wanted], ...] = ()


def _code_span(key: str) -> str:
    return f"`{key}`"


def wanted_objects(findings: Iterable[Finding]) -> list[tuple[str, str]]:
    """(object kind, name) of every fixable finding, once each, in finding order."""
    seen: dict[tuple[str, str], None] = {}
    for finding in findings:
        if finding.code in FIXABLE and finding.object_kind in _ENTRY_KIND:
            seen.setdefault((finding.object_kind, finding.object_name), None)
    return list(seen)


def _covered(coverage: Coverage, kind: str, name: str) -> bool:
    if kind == "table":
        return coverage.table(name) is not None
    if kind == "column":
        table, _, column = name.rpartition(".")
        return coverage.column(table, column) is not None
    if kind == "path":
        return coverage.path(name) is not None
    if kind == "env":
        return coverage.env(name) is not None
    return coverage.config_file(name) is not None or coverage.database(name) is not None


def _unwritable(key: str) -> str | None:
    if not key or key != key.strip():
        return "its name is empty or has surrounding spaces"
    if any(ch in key for ch in "`\r\n") or not key.isprintable():
        return "its name holds a backtick, a line break or a control character"
    return None


class _Planner:
    def __init__(self, inventory: Inventory, lines: Sequence[str]) -> None:
        self.inventory = inventory
        self.lines = lines
        self.ends = inventory.entry_ends

    def _text(self, number: int) -> str:
        return self.lines[number - 1].rstrip("\r\n") if 0 < number <= len(self.lines) else ""

    def _bullet(self, entry_line: int) -> str:
        found = _BULLET.match(self._text(entry_line))
        return found.group(1) if found else "-"

    def _stub_line(self, want: _Wanted, bullet: str) -> str:
        return f"{bullet} {_code_span(want.key)}: {STUB}"

    def after_table(self, want: _Wanted) -> _Insertion | None:
        table = want.key.split(".", 1)[0].lower()
        last: int | None = None
        for index, entry in enumerate(self.inventory.entries):
            if entry.kind in ("table", "column") and entry.key.split(".", 1)[0].lower() == table:
                last = index
        if last is None:
            return None
        entry = self.inventory.entries[last]
        end = self.ends[last] if last < len(self.ends) else entry.line
        return _Insertion(
            after=end,
            order=(0, 0, want.key.lower()),
            lines=(self._stub_line(want, self._bullet(entry.line)),),
            stubs=((0, want),),
        )

    def in_section(self, want: _Wanted) -> _Insertion | None:
        sections = self.inventory.sections_of(want.section_kind)
        if not sections:
            return None
        section = sections[0]
        after = self.inventory.insertion_line(section)
        entries = self.inventory.entries_in(section)
        bullet = self._bullet(entries[-1].line) if entries else "-"
        lines: tuple[str, ...] = (self._stub_line(want, bullet),)
        in_list = bool(entries) and _ITEM.match(self._text(entries[-1].line)) is not None
        if not in_list and after != section.line and self._text(after).strip():
            lines = ("", *lines)  # after a paragraph (`**Primary DB**` only): a new list
        return _Insertion(
            after=after,
            order=(1, 0, want.key.lower()),
            lines=lines,
            stubs=((len(lines) - 1, want),),
        )

    def new_section(self, kind: SectionKind, wants: Sequence[_Wanted]) -> _Insertion:
        """A section in the reference layout: after the sections that precede it, else before
        the first that follows it, else at the end of the document."""
        rank = _ORDER.index(kind)
        ordered = sorted(wants, key=lambda w: w.key.lower())
        stubs = tuple(self._stub_line(w, "-") for w in ordered)
        heading = f"## {_HEADINGS[kind]}"

        def block(lead: tuple[str, ...], tail: tuple[str, ...] = ()) -> _Insertion:
            head = (*lead, heading, "")
            return _Insertion(
                after=after,
                order=(2, rank, ""),
                lines=(*head, *stubs, *tail),
                stubs=tuple((len(head) + i, w) for i, w in enumerate(ordered)),
            )

        sections = self.inventory.sections
        before = [
            i for i, s in enumerate(sections) if s.kind is not None and _ORDER.index(s.kind) < rank
        ]
        if before:
            index = before[-1]
            ends = self.inventory.content_ends
            after = ends[index] if index < len(ends) else sections[index].end_line
            return block(("",))
        later = [s for s in sections if s.kind is not None and _ORDER.index(s.kind) > rank]
        if later:
            after = later[0].line - 1
            return block(("",) if self._text(after).strip() else (), ("",))
        after = len(self.lines)
        return block(("",) if any(line.strip() for line in self.lines) else ())


def _plan(inventory: Inventory, text: str, wants: Sequence[_Wanted]) -> list[_Insertion]:
    planner = _Planner(inventory, split_lines(text))
    insertions: list[_Insertion] = []
    homeless: dict[SectionKind, list[_Wanted]] = {}
    for want in wants:
        found = planner.after_table(want) if want.kind == "column" else None
        found = found or planner.in_section(want)
        if found is None:
            homeless.setdefault(want.section_kind, []).append(want)
        else:
            insertions.append(found)
    for kind in _ORDER:
        if kind in homeless:
            insertions.append(planner.new_section(kind, homeless[kind]))
    return _one_list(insertions)


def _one_list(insertions: list[_Insertion]) -> list[_Insertion]:
    """Stubs that open a new list at the same point share one blank line, not one each."""
    opened: set[int] = set()
    out: list[_Insertion] = []
    for insertion in sorted(insertions, key=lambda i: (i.after, i.order)):
        if insertion.order[0] == 1 and insertion.lines[:1] == ("",):
            if insertion.after in opened:
                insertion = insertion._replace(
                    lines=insertion.lines[1:],
                    stubs=tuple((index - 1, want) for index, want in insertion.stubs),
                )
            opened.add(insertion.after)
        out.append(insertion)
    return out


def _eol(lines: Sequence[str], after: int) -> str:
    """The ending of the line the block follows, else the first ending in the text, else LF."""
    candidates = [lines[after - 1]] if 0 < after <= len(lines) else []
    candidates += lines
    for line in candidates:
        stripped = line.rstrip("\r\n")
        if stripped != line:
            return line[len(stripped) :]
    return "\n"


def _apply(text: str, insertions: Sequence[_Insertion]) -> tuple[str, list[tuple[_Wanted, int]]]:
    """Insert the blocks; return the new text and each stub's 1-based line in it."""
    lines = split_lines(text)
    by_point: dict[int, list[_Insertion]] = {}
    for insertion in insertions:
        by_point.setdefault(insertion.after, []).append(insertion)
    out: list[str] = []
    placed: list[tuple[_Wanted, int]] = []
    for point in range(len(lines) + 1):
        if point:
            out.append(lines[point - 1])
        blocks = sorted(by_point.get(point, ()), key=lambda i: i.order)
        if not blocks:
            continue
        eol = _eol(lines, point)
        new = [line for block in blocks for line in block.lines]
        if point == len(lines) and out and not out[-1].endswith(("\n", "\r")):
            # docs/usage.md: keep "no final newline" — the block ends the file without one.
            out[-1] += eol
            out.extend(line + eol for line in new[:-1])
            out.append(new[-1])
        else:
            out.extend(line + eol for line in new)
        first = len(out) - len(new) + 1
        for block in blocks:
            placed.extend((want, first + index) for index, want in block.stubs)
            first += len(block.lines)
    return "".join(out), placed


def fix_text(
    text: str,
    findings: Iterable[Finding],
    *,
    sections: Mapping[str, SectionKind | None] | None = None,
) -> TextFix:
    """Stub entries for the fixable findings, inserted into the inventory ``text``."""
    overrides = dict(sections or {})
    inventory = parse_inventory(text, sections=overrides)
    coverage = Coverage.of(inventory)
    wants: list[_Wanted] = []
    skipped: list[Skipped] = []
    for kind, name in wanted_objects(findings):
        if _covered(coverage, kind, name):
            continue
        reason = _unwritable(name)
        if reason is not None:
            skipped.append(Skipped(object_kind=kind, object_name=name, reason=reason))
            continue
        entry_kind, section_kind = _ENTRY_KIND[kind]
        wants.append(_Wanted(kind=entry_kind, key=name, section_kind=section_kind))
    while True:
        new, placed = _apply(text, _plan(inventory, text, wants))
        fixed = _read_back(inventory, new, [line for _, line in placed], overrides)
        check = Coverage.of(fixed)
        unread = [w for w in wants if not _covered(check, w.kind, w.key)]
        if not unread:
            break
        # The parser would not read the key back (e.g. `a b` as a table): never write it.
        for want in unread:
            skipped.append(
                Skipped(
                    object_kind=want.kind,
                    object_name=want.key,
                    reason="the inventory parser would not read it back as an entry",
                )
            )
        wants = [w for w in wants if w not in unread]
    stubs = tuple(
        Stub(kind=w.kind, key=w.key, section=_heading(fixed, line), line=line)
        for w, line in sorted(placed, key=lambda p: p[1])
    )
    return TextFix(old=text, new=new, stubs=stubs, skipped=tuple(skipped))


def _read_back(
    inventory: Inventory, new: str, stubs: Sequence[int], sections: Mapping[str, SectionKind | None]
) -> Inventory:
    """``new`` as the parser reads it, for the coverage of the stubs and the sections holding
    them. In plain Markdown each line reads alone within its section and the stubs only add
    lines, so the entries are ``inventory``'s and those the stub lines hold: only those lines
    are read (a 4,000-entry inventory is not read twice). Otherwise the whole text is."""
    partial = read_lines(new, set(stubs), sections=sections) if stubs else None
    if partial is None:
        return parse_inventory(new, sections=sections)
    return partial._replace(entries=(*inventory.entries, *partial.entries))


def _heading(inventory: Inventory, line: int) -> str:
    found = inventory.section_at(line)
    return found.heading if found is not None else ""


def fix_bytes(
    data: bytes,
    findings: Iterable[Finding],
    *,
    sections: Mapping[str, SectionKind | None] | None = None,
) -> ByteFix:
    """``fix_text`` on a file's bytes, written back in the file's own encoding (the one its BOM
    names, else UTF-8): BOM and undecodable bytes survive unchanged.

    Raises ``UnicodeDecodeError`` for UTF-16/32 bytes that cannot be carried through.
    """
    bom, codec = inventory_encoding(data)
    errors = "surrogateescape" if codec == "utf-8" else "surrogatepass"
    text = data[len(bom) :].decode(codec, errors=errors)
    fixed = fix_text(text, findings, sections=sections)
    new = bom + fixed.new.encode(codec, errors=errors) if fixed.changed else data
    return ByteFix(old=data, new=new, stubs=fixed.stubs, skipped=fixed.skipped)


def _quote(path: str) -> str:
    if not any(ch in path for ch in '"\\') and path.isprintable():
        return path
    body = path.replace("\\", "\\\\").replace('"', '\\"')
    body = "".join(ch if ch.isprintable() else f"\\{ord(ch):03o}" for ch in body)
    return f'"{body}"'


def unified_diff(old: str, new: str, path: str) -> str:
    """``git apply``-able diff of ``old`` → ``new``: git headers, 3 lines of context, line
    endings kept, ``\\ No newline at end of file`` where a side ends without one."""
    a, b = split_lines(old), split_lines(new)
    if a == b:
        return ""
    out = [
        f"diff --git {_quote('a/' + path)} {_quote('b/' + path)}\n",
        f"--- {_quote('a/' + path)}\n",
        f"+++ {_quote('b/' + path)}\n",
    ]

    def emit(prefix: str, line: str) -> None:
        out.append(prefix + line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        old_start = i1 + 1 if i2 > i1 else i1
        new_start = j1 + 1 if j2 > j1 else j1
        out.append(f"@@ -{old_start},{i2 - i1} +{new_start},{j2 - j1} @@\n")
        for tag, s1, s2, t1, t2 in group:
            if tag == "equal":
                for line in a[s1:s2]:
                    emit(" ", line)
                continue
            for line in a[s1:s2]:
                emit("-", line)
            for line in b[t1:t2]:
                emit("+", line)
    return "".join(out)
