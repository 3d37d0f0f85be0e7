"""`schema-diff OLD NEW` end to end, in-process, on snapshots the tests build with sqlite3."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

REFERENCE = Path(__file__).parents[1] / "inventory" / "fixtures" / "reference.md"
OLD_SCHEMA = """\
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, legacy_flag INTEGER);
CREATE TABLE jobs (id INTEGER PRIMARY KEY, progress REAL, status TEXT NOT NULL DEFAULT 'queued');
CREATE TABLE audit_logs (id INTEGER PRIMARY KEY, event TEXT);
CREATE INDEX ix_jobs_status ON jobs (status);
"""
NEW_SCHEMA = """\
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, phone TEXT);
CREATE TABLE jobs (id INTEGER PRIMARY KEY, progress INTEGER, status TEXT NOT NULL DEFAULT 'queued');
CREATE TABLE invoices (id INTEGER PRIMARY KEY, number TEXT NOT NULL);
CREATE UNIQUE INDEX ux_users_email ON users (email);
"""


def _database(path: Path, schema: str) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(schema)
    conn.execute("INSERT INTO jobs (progress) VALUES (0.5)")
    conn.commit()
    conn.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["schema-diff", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.fixture
def snapshots(tmp_path: Path) -> tuple[Path, Path]:
    return (
        _database(tmp_path / "old.db", OLD_SCHEMA),
        _database(tmp_path / "new.sqlite", NEW_SCHEMA),
    )


EXPECTED_CHANGES = [
    ("table", "audit_logs", "dropped"),
    ("table", "invoices", "added"),
    ("column", "invoices.id", "added"),
    ("column", "invoices.number", "added"),
    ("column", "jobs.progress", "altered"),
    ("column", "users.email", "altered"),
    ("column", "users.legacy_flag", "dropped"),
    ("column", "users.phone", "added"),
    ("index", "ix_jobs_status", "dropped"),
    ("index", "ux_users_email", "added"),
]


def test_two_databases_are_compared_and_left_byte_identical(
    snapshots: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = snapshots
    before = (_digest(old), _digest(new))
    code, out, _ = _run(
        capsys, str(old), str(new), "--inventory", str(REFERENCE), "--format", "json"
    )
    assert (_digest(old), _digest(new)) == before
    assert not list(old.parent.glob("*-journal"))
    assert not list(old.parent.glob("*-wal"))
    report: dict[str, Any] = json.loads(out)
    changes = sorted(
        ((c["kind"], c["name"], c["action"]) for c in report["changes"]),
        key=lambda c: (c[0] != "table", c[0] == "index", c[1]),
    )
    assert changes == EXPECTED_CHANGES
    findings = [(f["code"], f["object"]["name"]) for f in report["findings"]]
    assert sorted(findings) == [
        ("INV101", "invoices"),
        ("INV102", "users.phone"),
        ("INV201", "audit_logs"),
        ("MIG101", "audit_logs"),
        ("MIG102", "users.legacy_flag"),
        ("MIG104", "jobs.progress"),
        ("MIG104", "users.email"),
        ("MIG109", "ux_users_email"),
    ]
    assert code == 1


def test_text_output_lists_the_differences_then_the_findings(
    snapshots: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = snapshots
    code, out, _ = _run(capsys, str(old), str(new), "--inventory", str(REFERENCE))
    assert code == 1
    assert "~ column jobs.progress: type DOUBLE → INT\n" in out
    assert "~ column users.email: NOT NULL\n" in out
    assert "- table audit_logs\n" in out
    assert "+ index ux_users_email: unique on users (email)\n" in out
    assert "MIG104 column jobs.progress changes type from DOUBLE to INT" in out
    assert out.rstrip().endswith("data-bearing changes).")


def test_sql_dump_against_a_database(
    tmp_path: Path, snapshots: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "schema.sql"
    dump.write_text(OLD_SCHEMA, encoding="utf-8")
    _, new = snapshots
    code, out, _ = _run(
        capsys, str(dump), str(new), "--inventory", str(REFERENCE), "--format", "json"
    )
    names = sorted((c["kind"], c["name"], c["action"]) for c in json.loads(out)["changes"])
    assert names == sorted(EXPECTED_CHANGES)
    assert code == 1


def test_same_schema_in_both_kinds_has_no_differences(
    tmp_path: Path, snapshots: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "new.sql"
    dump.write_text(NEW_SCHEMA.replace("INTEGER PRIMARY KEY", "integer primary key"), "utf-8")
    code, out, _ = _run(capsys, str(dump), str(snapshots[1]), "--inventory", str(REFERENCE))
    assert (code, out) == (
        0,
        "No schema differences.\n\nAll checks passed (0 data-bearing changes).\n",
    )


def test_unparseable_dump_statement_is_mig301(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.sql"
    old.write_text("CREATE TABLE users (id INTEGER);\n", encoding="utf-8")
    new = tmp_path / "new.sql"
    new.write_text("CREATE TABLE users (id INTEGER);\nCREATE TABLE (broken;\n", encoding="utf-8")
    code, out, _ = _run(capsys, str(old), str(new), "--inventory", str(REFERENCE))
    assert f"{new.as_posix()}:2:1: MIG301 cannot analyze SQL statement" in out
    assert code == 1  # a snapshot that cannot be read must not pass


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("truncated.db", "truncate", "is not a readable SQLite database"),
        ("binary.sql", b"\x00\x01\x02 not sql", "is a binary file, not a SQL schema dump"),
        ("missing.db", None, "cannot read"),
    ],
)
def test_unreadable_snapshot_is_a_clear_exit_2(
    tmp_path: Path,
    snapshots: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | str | None,
    message: str,
) -> None:
    bad = tmp_path / name
    if content == "truncate":
        bad.write_bytes(snapshots[0].read_bytes()[:1500])
    elif isinstance(content, bytes):
        bad.write_bytes(content)
    code, out, err = _run(capsys, str(snapshots[0]), str(bad), "--inventory", str(REFERENCE))
    assert (code, out) == (2, "")
    assert err.startswith("selenite-inventory-lint: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_oversized_snapshot_is_a_clear_exit_2(
    tmp_path: Path, snapshots: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "lint.yaml"
    config.write_text("max_file_bytes: 1000\n", encoding="utf-8")
    code, _, err = _run(
        capsys,
        *map(str, snapshots),
        "--inventory",
        str(REFERENCE),
        "--config",
        str(config),
    )
    assert code == 2
    assert "over max_file_bytes (1000)" in err


def test_inventory_of_the_repository_and_report_files(
    repo: GitRepo, snapshots: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8"))
    repo.commit("inventory")
    report = repo.path / "out" / "report.json"
    code, out, _ = _run(
        capsys,
        *map(str, snapshots),
        "--repo",
        str(repo.path),
        "--report",
        f"json={report}",
        "--exit-zero",
        "--select",
        "MIG1",
    )
    assert code == 0
    payload = json.loads(report.read_text(encoding="utf-8"))
    assert payload["inventory"] == "DATA_INVENTORY.md"
    assert {f["code"] for f in payload["findings"]} == {"MIG101", "MIG102", "MIG104", "MIG109"}
    assert "INV101" not in out
