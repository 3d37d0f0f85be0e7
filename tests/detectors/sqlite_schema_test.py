"""Schema snapshots in a change set (docs/usage.md): dumps and blobs become changes for the
rules."""

from __future__ import annotations

import io
import json
import sqlite3
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main
from selenite_inventory_lint.config import Config, parse_config
from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.detectors.sqlite_schema import DETECTOR, diff
from selenite_inventory_lint.schema import Column, Index, Schema, Table

if TYPE_CHECKING:
    from conftest import GitRepo

REFERENCE = Path(__file__).parents[1] / "inventory" / "fixtures" / "reference.md"


def _blob(tmp_path: Path, schema: str) -> bytes:
    path = tmp_path / "build.db"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(schema)
    conn.close()
    return path.read_bytes()


def _check(repo: GitRepo) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["check", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "json"])
    return code, json.loads(out.getvalue())


def _found(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(f["code"], f["object"]["name"], f["line"]) for f in report["findings"]]


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8"))
    repo.write(
        "db/schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n"
        "CREATE TABLE audit_logs (id INTEGER PRIMARY KEY);\n",
    )
    repo.commit("base")
    return repo


def test_modified_schema_dump_feeds_the_rules(project: GitRepo) -> None:
    project.write(
        "db/schema.sql",
        "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n"
        "  email TEXT NOT NULL,\n  phone TEXT\n);\n"
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY);\n",
    )
    project.commit("snapshot after the upgrade")
    code, report = _check(project)
    assert _found(report) == [
        ("INV201", "audit_logs", 1),
        ("MIG101", "audit_logs", 1),
        ("MIG104", "users.email", 3),
        ("INV102", "users.phone", 4),
        ("INV101", "invoices", 6),
    ]
    assert code == 1


def test_modified_database_blob_feeds_the_rules(project: GitRepo, tmp_path: Path) -> None:
    old = "CREATE TABLE users (id INTEGER PRIMARY KEY, last_seen_at TEXT);"
    project.write("backend/selenite.db", _blob(tmp_path, old))
    project.commit("database")
    project.write(
        "backend/selenite.db", _blob(tmp_path, "CREATE TABLE users (id INTEGER PRIMARY KEY);")
    )
    project.commit("column dropped")
    code, report = _check(project)
    assert _found(report) == [
        ("INV201", "users.last_seen_at", 1),
        ("MIG102", "users.last_seen_at", 1),
    ]
    assert code == 1


def test_truncated_database_blob_is_mig301(project: GitRepo, tmp_path: Path) -> None:
    data = _blob(tmp_path, "CREATE TABLE users (id INTEGER PRIMARY KEY);" * 1)
    project.write("backend/selenite.db", data)
    project.commit("database")
    project.write("backend/selenite.db", data[:1000])
    project.commit("truncated")
    code, report = _check(project)
    [finding] = report["findings"]
    assert finding["code"] == "MIG301"
    assert "not a readable SQLite database" in finding["message"]
    assert code == 1  # MIG301 is an error


def test_added_snapshot_compares_with_the_previous_one(project: GitRepo) -> None:
    project.write("db/snapshots/2026-01-01-pre.sql", "CREATE TABLE users (id INTEGER);\n")
    project.commit("pre")
    project.write(
        "db/snapshots/2026-01-02-post.sql", "CREATE TABLE users (id INTEGER, phone TEXT);\n"
    )
    project.commit("post")
    code, report = _check(project)
    assert [(c["name"], c["action"]) for c in report["changes"]] == [("users.phone", "added")]
    assert _found(report) == [("INV102", "users.phone", 1)]
    assert code == 1


def test_deleted_snapshot_says_nothing(project: GitRepo) -> None:
    project.remove("db/schema.sql")
    project.commit("stop capturing")
    assert _check(project) == (0, _check(project)[1])
    assert _check(project)[1]["changes"] == []


def _spec(*columns: tuple[str, str]) -> Table:
    return Table(name="t", columns={n: Column(name=n, type=t) for n, t in columns})


def test_diff_recognises_table_and_column_renames() -> None:
    old = Schema(tables={"t": _spec(("id", "INT"), ("a", "TEXT"))})
    new = Schema(tables={"u": _spec(("id", "INT"), ("a", "TEXT"))})
    [rename] = diff(old, new, path="schema.sql")
    assert (rename.operation, rename.old_name, rename.name) == ("rename_table", "t", "u")
    renamed_column = Schema(tables={"t": _spec(("id", "INT"), ("b", "TEXT"))})
    [column] = diff(old, renamed_column, path="schema.sql")
    assert (column.operation, column.old_name, column.name) == ("rename_column", "t.a", "t.b")


def test_rebuilt_or_dropped_index_changes() -> None:
    table = _spec(("id", "INT"), ("a", "TEXT"))
    old = Schema(
        tables={"t": table},
        indexes={"ix": Index(name="ix", table="t", columns=("a",), unique=False)},
    )
    new = Schema(
        tables={"t": table},
        indexes={"ix": Index(name="ix", table="t", columns=("a",), unique=True)},
    )
    assert [(c.operation, c.unique) for c in diff(old, new, path="s.sql")] == [
        ("drop_index", False),
        ("create_index", True),
    ]
    assert [c.operation for c in diff(old, Schema(tables={"t": table}), path="s.sql")] == [
        "drop_index"
    ]


@pytest.mark.parametrize(
    ("path", "config", "claimed"),
    [
        ("backend/selenite.db", {}, True),
        ("data/app.sqlite3", {}, True),
        ("db/schema.sql", {}, True),
        ("db/0001_init.sql", {}, False),
        ("backend/selenite.db", {"sources": {"schema_snapshots": ["snap/*.sql"]}}, False),
        ("snap/a.sql", {"sources": {"schema_snapshots": ["snap/*.sql"]}}, True),
    ],
)
def test_which_paths_are_snapshots(path: str, config: dict[str, Any], claimed: bool) -> None:
    ctx = DetectContext(config=parse_config(config, "x.yaml") if config else Config())
    assert DETECTOR.claims(path, ctx) is claimed


def test_database_with_undecodable_names_is_read_with_replacement(tmp_path: Path) -> None:
    # Found by the fuzz suite: names SQLite stores as bytes that are not UTF-8 raised
    # UnicodeDecodeError from the cursor (an internal error in `check` and `schema-diff`).
    path = tmp_path / "latin.db"
    conn = sqlite3.connect(path)
    conn.execute('CREATE TABLE "caf\u00e9" (id INTEGER)')
    conn.commit()
    conn.close()
    data = path.read_bytes()
    assert data.count("caf\u00e9".encode()) >= 2
    path.write_bytes(data.replace("caf\u00e9".encode(), b"caf\xe9\x80"))

    from selenite_inventory_lint.detectors.sqlite_schema import read_blob

    schema = read_blob(path.read_bytes())
    assert list(schema.tables) == ["caf\ufffd"]
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["schema-diff", str(path), str(path)])
    assert code == 0


def test_damaged_schema_whose_error_is_not_utf8_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    # Found by the fuzz suite: SQLite's message about a damaged schema quoted bytes that are
    # not UTF-8, and decoding that message raised UnicodeDecodeError, not sqlite3.Error.
    path = tmp_path / "damaged.db"
    conn = sqlite3.connect(path)
    conn.execute('CREATE TABLE "tab\u00e9" (id INTEGER)')
    conn.execute('CREATE UNIQUE INDEX "ix" ON "tab\u00e9" (id)')
    conn.commit()
    conn.close()
    data = path.read_bytes()
    # The index now names a table that does not exist, spelled with a broken byte.
    index_sql = 'ON "tab\u00e9"'.encode()
    at = data.rindex(index_sql)
    path.write_bytes(data[:at] + b'ON "tab\x80\x80"' + data[at + len(index_sql) :])
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["schema-diff", str(path), str(path)])
    assert code in (0, 2)
