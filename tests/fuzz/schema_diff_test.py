"""Fuzz: the `schema-diff` reader on arbitrary dumps and damaged SQLite files (docs/usage.md)."""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint.commands.schema_diff import load_snapshot
from selenite_inventory_lint.detectors import sqlite_schema
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import Problem

from . import budget
from .sql_test import SQL, WORDS
from .strategies import content, lines

TARGET = "schema-diff dump reader"
SHARE = budget.share(3)
MAX = 1 << 20

IDENTIFIERS = st.text(min_size=1, max_size=8).filter(lambda s: "\0" not in s)


def _database(statements: list[str]) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.db"
        conn = sqlite3.connect(path)
        # Small pages keep the file (and Hypothesis's repr of it) a few kilobytes.
        conn.execute("PRAGMA page_size = 512")
        for statement in statements:
            with contextlib.suppress(sqlite3.Error):
                conn.execute(statement)
        conn.commit()
        conn.close()
        return path.read_bytes()


@st.composite
def databases(draw: st.DrawFn) -> bytes:
    """A real SQLite file with hostile names, then perhaps damaged byte by byte."""
    statements = []
    for table in draw(st.lists(IDENTIFIERS, max_size=3)):
        quoted = '"' + table.replace('"', '""') + '"'
        columns = ", ".join(
            '"' + c.replace('"', '""') + '" ' + draw(st.sampled_from(("INT", "TEXT NOT NULL", "")))
            for c in draw(st.lists(IDENTIFIERS, min_size=1, max_size=3))
        )
        statements.append(f"CREATE TABLE {quoted} ({columns})")
        if draw(st.booleans()):
            statements.append(f'CREATE UNIQUE INDEX "ix_{len(statements)}" ON {quoted} (1)')
    data = bytearray(_database(statements))
    for _ in range(draw(st.integers(0, 4)) if data else 0):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data)


def _load(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            _, problems = load_snapshot(path, "sqlite", MAX)
        except FatalError as exc:
            problems = (Problem(code="exit 2", path=name, line=1, message=str(exc)),)
        assert all(p.code in ("MIG301", "exit 2") and p.message.strip() for p in problems)


@SHARE
@given(data=content(lines(WORDS, max_lines=20)))
@budget.counted(TARGET)
def test_dump_of_any_bytes(data: bytes) -> None:
    _load("schema.sql", data)


@SHARE
@given(data=databases() | st.binary(max_size=2048))
@budget.counted(TARGET)
def test_database_of_any_bytes(data: bytes) -> None:
    _load("snapshot.db", data)


@SHARE
@given(old=SQL, new=SQL)
@budget.counted(TARGET)
def test_diff_of_any_two_dumps(old: str, new: str) -> None:
    before, _ = sqlite_schema.read_text(old, path="schema.sql", dialect="sqlite")
    after, _ = sqlite_schema.read_text(new, path="schema.sql", dialect="sqlite")
    for change in sqlite_schema.diff(before, after, path="schema.sql"):
        assert change.line >= 1
