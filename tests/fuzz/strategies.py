"""Hostile input for the fuzz targets: grammar fragments mixed with arbitrary text and bytes.

Pure ``st.text()`` rarely gets past a parser's first token, so each target mixes its own
vocabulary with characters known to break parsers and escapers (NUL, BOM, CR, line and
paragraph separators, ANSI escapes, unbalanced quotes and brackets).
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence

from hypothesis import strategies as st
from in_memory import MemorySnapshot

from selenite_inventory_lint.changeset import decode_text
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.model import DetectorResult, FileChange, FileStatus

HOSTILE = (
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "\x00",
    "\ufeff",
    "\u2028",
    "\x85",
    "\x0c",
    "\x1b[2J",
    "\\",
    "'",
    '"',
    "`",
    "```",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "<script>",
    "%0A",
    "::",
    "é",
    "\U0001f600",
    "\u202e",
    "-- ",
    "# ",
    "/*",
    "*/",
    ";",
    ",",
    ":",
    "=",
    "*",
    "/",
    "..",
    "$$",
)


def mixed(vocabulary: Sequence[str], *, max_tokens: int = 40) -> st.SearchStrategy[str]:
    """Text made of ``vocabulary`` words, hostile fragments and arbitrary snippets."""
    token = st.one_of(
        st.sampled_from(tuple(vocabulary)),
        st.sampled_from(HOSTILE),
        st.text(max_size=6),
    )
    return st.lists(token, max_size=max_tokens).map("".join)


def lines(vocabulary: Sequence[str], *, max_lines: int = 12) -> st.SearchStrategy[str]:
    """Line-structured text: each line a few tokens, joined by LF, CRLF or CR."""
    line = mixed(vocabulary, max_tokens=8)
    eol = st.sampled_from(("\n", "\r\n", "\r"))
    return st.tuples(st.lists(line, max_size=max_lines), eol).map(lambda t: t[1].join(t[0]))


def content(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """File bytes: the text as UTF-8 (sometimes with a BOM), or arbitrary bytes."""
    encoded = st.tuples(text, st.booleans()).map(
        lambda t: (codecs.BOM_UTF8 if t[1] else b"") + t[0].encode("utf-8")
    )
    return st.one_of(encoded, encoded, encoded, st.binary(max_size=200))


def file_change(
    path: str,
    old: bytes | None,
    new: bytes | None,
    *,
    too_large: bool = False,
    old_path: str | None = None,
) -> FileChange:
    """A ``FileChange`` classified exactly as ``changeset.py`` classifies git's bytes."""
    status: FileStatus = "added" if old is None else "deleted" if new is None else "modified"
    if old_path is not None and old is not None and new is not None:
        status = "renamed"
    if too_large:
        return FileChange(status=status, path=path, old_path=old_path, too_large=True, loaded=True)
    binary = any(b"\0" in data[:8000] for data in (old, new) if data)
    old_text, old_bad = (None, False) if binary else decode_text(old)
    new_text, new_bad = (None, False) if binary else decode_text(new)
    return FileChange(
        status=status,
        path=path,
        old_path=old_path if old_path is not None else (path if old is not None else None),
        old_bytes=old,
        new_bytes=new,
        old_text=old_text,
        new_text=new_text,
        binary=binary,
        undecodable=old_bad or new_bad,
        loaded=True,
    )


@st.composite
def file_changes(draw: st.DrawFn, paths: Sequence[str], text: st.SearchStrategy[str]) -> FileChange:
    """One file of a change set: added, modified, renamed, deleted or over the size cap."""
    path = draw(st.sampled_from(tuple(paths)))
    body = content(text)
    old = draw(st.none() | body)
    new = draw(body) if old is None else draw(st.none() | body)
    renamed = old is not None and new is not None and draw(st.booleans())
    return file_change(
        path,
        old,
        new,
        too_large=draw(st.integers(0, 19)) == 0,
        old_path=draw(st.sampled_from(tuple(paths))) if renamed else None,
    )


def context(files: dict[str, bytes] | None = None, config: Config | None = None) -> DetectContext:
    return DetectContext(
        config=config or Config(),
        alembic_dirs=("migrations/versions/",),
        path_roots=("storage/", "logs/", "backend/models/"),
        head=MemorySnapshot(files or {}),
        statuses={},
    )


def check_result(result: DetectorResult, codes: frozenset[str]) -> None:
    """The detector contract: records, with problems only of the codes that report them."""
    assert isinstance(result, DetectorResult)
    for problem in result.problems:
        assert problem.code in codes, problem
        assert problem.line >= 1, problem
        assert problem.message.strip(), problem
    for change in result.changes:
        assert change.line >= 1, change
        assert isinstance(change.name, str), change
