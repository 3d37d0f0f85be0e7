"""The plain-Markdown fast path of the inventory reader (docs/performance.md): a file of ATX
headings, one-line list items and prose is read line by line; a line that could mean more
(indentation, emphasis, links, HTML other than a one-line comment, escapes, entities, fences,
setext underlines, a line continuing an item) sends the whole file to markdown-it
(``parse.py``). Pure: lines in, line readings out."""

from __future__ import annotations

import re
from collections.abc import Sequence

from selenite_inventory_lint.patterns import lazy

KEY_GAP = re.compile(r"\s*,\s*")


class Lead:
    """The leading part of an item or paragraph: optional database label, keys, the rest (the
    Markdown reader appends a paragraph's continuation lines to it)."""

    __slots__ = ("keys", "label", "rest")

    def __init__(self, *, label: str | None, keys: list[str], rest: str) -> None:
        self.label = label
        self.keys = keys
        self.rest = rest


_ATX = re.compile(r"(#{1,6}) +([^#]*)")
_ITEM = lazy(r"[-*+] (\S.*)")
# An ordered item at the margin (`1) Update this document.`), as the reference inventory's
# Required Updates section writes them; its start number decides whether it may interrupt a
# paragraph (only 1 may, in CommonMark).
_ORDERED = lazy(r"(\d{1,9})[.)] (\S.*)")
_KEYED_ITEM = re.compile(r"[-*+] `([^`]+)`([^`]*)")
_BREAK_OR_UNDERLINE = re.compile(r" {0,3}(?:([-*_])(?: *\1){2,}|=+|-+) *")
# Outside code spans: what inline parsing would turn into something other than text.
_INLINE_SPECIAL = re.compile(r"[\\*_\[\]<>]|&[#A-Za-z0-9]+;")
# What would open a block other than a paragraph: a heading, quote, list, setext underline,
# HTML, fence, table row; or indentation.
_NOT_TEXT_START = lazy(r"[\s#>*+\-=<~_|]|\d{1,9}[.)](?: |$)")
# A whole HTML comment on one line: a block of its own that the parser skips (suppressions).
_COMMENT = re.compile(r"<!--.*-->.*")
# Tabs (column arithmetic), NUL (replaced), whitespace other than the space.
_ODD_SPACE = re.compile(r"[^\S ]|\x00")

# (is code, content, offset of the code span's opening backtick in the text; -1 for text)
Segments = list[tuple[bool, str, int]]


def segments_of(text: str) -> Segments | None:
    """The code and text runs of one line of plain inline text; None when it is not plain."""
    parts = text.split("`")
    if len(parts) % 2 == 0 or "``" in text:
        return None
    found: Segments = []
    offset = 0
    for index, part in enumerate(parts):
        if index % 2:
            content = part
            if part[:1] == part[-1:] == " " and part.strip(" "):
                content = part[1:-1]
            found.append((True, content, offset - 1))
        elif _INLINE_SPECIAL.search(part):
            return None
        elif part:
            found.append((False, part, -1))
        offset += len(part) + 1
    return found


def segment_lead(segments: Segments) -> Lead | None:
    """``parse._lead`` of a line read by ``segments_of``: leading keys, then plain text."""
    if not segments or not segments[0][0]:
        return None
    keys = [segments[0][1]]
    index = 1
    # Text and code alternate: "``" is not plain, so two code spans never touch.
    while index + 1 < len(segments) and KEY_GAP.fullmatch(segments[index][1]):
        keys.append(segments[index + 1][1])
        index += 2
    return Lead(label=None, keys=keys, rest="".join(s[1] for s in segments[index:]))


# (kind, heading level or the item text's offset in the line, segments); kind is "blank",
# "comment", "heading", "item" or "text".
Line = tuple[str, int, Segments]


def plain_lines(lines: Sequence[str]) -> list[Line] | None:
    """Each line's reading when the file is plain Markdown (see above), else None."""
    if any(_ODD_SPACE.search(line) for line in lines):
        return None
    read: list[Line] = []
    previous = "blank"
    for line in lines:
        # Most lines of an inventory: an item of one key and plain text, read in one match.
        keyed = _KEYED_ITEM.fullmatch(line)
        if keyed is not None and not _INLINE_SPECIAL.search(keyed.group(2)):
            key, rest = keyed.group(1), keyed.group(2).rstrip(" ")
            if key[:1] == key[-1:] == " " and key.strip(" "):
                key = key[1:-1]
            read.append(
                ("item", 2, [(True, key, 0), (False, rest, -1)] if rest else [(True, key, 0)])
            )
            previous = "item"
            continue
        if not line.strip(" "):
            read.append(("blank", 0, []))
            previous = "blank"
            continue
        if _BREAK_OR_UNDERLINE.fullmatch(line):
            return None
        if _COMMENT.fullmatch(line):
            read.append(("comment", 0, []))
            previous = "comment"
            continue
        kind, level, text = "text", 0, line.rstrip(" ")
        if heading := _ATX.fullmatch(line):
            kind, level, text = "heading", len(heading.group(1)), heading.group(2).rstrip(" ")
            if not text:
                return None
        elif item := _ITEM().fullmatch(line):
            kind, level, text = "item", item.start(1), item.group(1).rstrip(" ")
            if _NOT_TEXT_START().match(text):
                return None
        elif ordered := _ORDERED().fullmatch(line):
            if previous == "text" and ordered.group(1) != "1":
                return None  # the paragraph goes on: this line is its text
            kind, level, text = "item", ordered.start(2), ordered.group(2).rstrip(" ")
            if _NOT_TEXT_START().match(text):
                return None
        elif previous == "item" or _NOT_TEXT_START().match(text):
            return None  # a lazy continuation of the item, or a block of another kind
        segments = segments_of(text)
        if segments is None:
            return None
        read.append((kind, level, segments))
        previous = kind
    return read
