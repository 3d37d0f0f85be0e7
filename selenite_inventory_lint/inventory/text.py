"""Inventory text helpers shared by the readers: placeholder descriptions (INV301), the
description after an entry's keys, path keys, and markdown-it's inline tokens as plain text."""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from selenite_inventory_lint.patterns import lazy

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_LINE = lazy(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_DASH = lazy(r"(?:[\u2014\u2013]|--?(?=\s|$))")
_PLACEHOLDER = lazy(
    r"(?:TODO|TBD|FIXME|XXX)(?:\([^)]*\))?(?:[.!]*|\s*[:\u2014\u2013].*|\s+-\s.*)|\.{3,}|…+",
    re.DOTALL,
)


_MARKER = re.compile(r"TODO|TBD|FIXME|XXX|\.\.\.|…")


def split_lines(text: str) -> list[str]:
    """Lines with their own endings; CRLF, CR and LF end a line, as the parser reads them."""
    return _LINE().findall(text)


def last_nonblank(lines: Sequence[str], first: int, last: int) -> int:
    """The last non-blank line in ``first..last`` of ``lines`` (1-based, inclusive), else
    ``first``."""
    for number in range(min(last, len(lines)), first, -1):
        if lines[number - 1].strip():
            return number
    return first


def is_placeholder(description: str) -> bool:
    """True for a description that documents nothing (docs/inventory-format.md, INV301).

    That is an empty one, or only a marker: upper-case ``TODO``/``TBD``/``FIXME``/``XXX``
    (alone, or followed by ``:`` or a dash and text, as in the ``TODO: describe`` stubs of
    ``--fix``), ``...`` or ``…``, optionally wrapped in parentheses or brackets.
    Lower-case words are prose: "Todo list items" documents something.
    """
    text = description.strip()
    if text and not _MARKER.search(text):
        return False  # prose: no marker, no ellipsis (most descriptions, decided at once)
    while len(text) >= 2 and text[0] + text[-1] in ("()", "[]"):
        text = text[1:-1].strip()
    return not text or _PLACEHOLDER().fullmatch(text) is not None


@cache
def markdown() -> MarkdownIt:
    # Imported here: markdown-it costs ~40 ms to import and must stay off the fast path.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def plain_text(tokens: Sequence[Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "text_special", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image":
            parts.append(plain_text(token.children or ()))
    return "".join(parts)


def collapse(text: str) -> str:
    return " ".join(text.split())


def description_of(rest: str) -> tuple[str, bool]:
    """(description, whether a separator introduced it) from the text after the keys."""
    text = rest.strip()
    if not text:
        return "", True
    if text[0] == ":":
        return collapse(text[1:]), True
    if text[0] == "(":
        depth = 0
        for index, char in enumerate(text):
            depth += (char == "(") - (char == ")")
            if depth == 0:
                after = text[index + 1 :].lstrip()
                dash = _DASH().match(after)
                if after.startswith(":") or dash:
                    after = after[dash.end() if dash else 1 :]
                return collapse(f"{text[1:index]} {after}"), True
        return collapse(text[1:]), True
    dash = _DASH().match(text)
    if dash:
        return collapse(text[dash.end() :]), True
    return collapse(text), False


def path_key(key: str) -> str | None:
    while key.startswith("./"):
        key = key[2:]
    if not key or key != key.strip() or key in ("/", ".") or any(c in key for c in "\t\r\n"):
        return None
    if ".." in key.split("/"):
        return None
    return key


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def inventory_encoding(data: bytes) -> tuple[bytes, str]:
    """(byte order mark, codec) of an inventory file: its BOM decides, else UTF-8."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return bom, codec
    return b"", "utf-8"


def decode_inventory(data: bytes) -> str:
    """The inventory's text in the encoding its BOM names (a UTF-16 file written by an editor
    on Windows is read, not garbled); undecodable bytes are replaced."""
    bom, codec = inventory_encoding(data)
    return data[len(bom) :].decode(codec, errors="replace")
