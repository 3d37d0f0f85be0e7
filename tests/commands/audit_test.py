"""`audit` and `init` on real repositories, in-process (``main([...])``)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main
from selenite_inventory_lint.commands import audit

if TYPE_CHECKING:
    from conftest import GitRepo

VERSIONS = "backend/alembic/versions"
REVISIONS = {
    f"{VERSIONS}/0001_users.py": """\
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(255), nullable=False),
    )
    op.create_table("jobs", sa.Column("id", sa.Integer(), primary_key=True))
""",
    f"{VERSIONS}/0002_phone.py": """\
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("users", sa.Column("phone", sa.String(32)))
    op.create_table("legacy", sa.Column("id", sa.Integer(), primary_key=True))
    op.drop_table("legacy")
""",
}
COMPLETE = """\
# Data Inventory

## Database (SQLite)
**Primary DB**: `backend/app.db`

- `users`: accounts and their login e-mail.
- `users.phone`: optional contact number, added after launch.
- `jobs`: transcription jobs.
"""


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    for path, text in REVISIONS.items():
        repo.write(path, text)
    repo.write(
        "alembic.ini",
        "[alembic]\nscript_location = backend/alembic\nsqlalchemy.url = sqlite:///backend/app.db\n",
    )
    repo.write("DATA_INVENTORY.md", COMPLETE)
    repo.commit("base")
    return repo


def run(repo: GitRepo, *args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["audit", "--repo", str(repo.path), "--format", "json", *args])
    return code, json.loads(out.getvalue())


def codes(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["code"], f["object"]["name"]) for f in report["findings"]]


def test_complete_inventory_passes(project: GitRepo) -> None:
    code, report = run(project)
    assert (code, codes(report)) == (0, [])
    names = {c["name"] for c in report["changes"]}
    assert {"users", "users.email", "users.phone", "jobs"} <= names
    assert "legacy" not in names


def test_deleting_one_entry_gives_exactly_one_finding(project: GitRepo) -> None:
    project.write(
        "DATA_INVENTORY.md",
        COMPLETE.replace("- `users.phone`: optional contact number, added after launch.\n", ""),
    )
    project.commit("forget phone")
    code, report = run(project)
    assert code == 1
    assert codes(report) == [("INV102", "users.phone")]
    finding = report["findings"][0]
    assert (finding["path"], finding["line"]) == (f"{VERSIONS}/0002_phone.py", 9)


def test_entry_for_a_dropped_table_is_exactly_one_inv201(project: GitRepo) -> None:
    project.write("DATA_INVENTORY.md", COMPLETE + "- `legacy`: the old accounts table.\n")
    project.commit("stale entry")
    code, report = run(project)
    assert code == 1
    assert codes(report) == [("INV201", "legacy")]
    assert report["findings"][0]["path"] == "DATA_INVENTORY.md"
    assert report["findings"][0]["line"] == 9


def test_audit_reads_head_not_the_worktree(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(project)[0] == 0
    assert capsys.readouterr().err == ""  # nothing edited, nothing said
    project.write("DATA_INVENTORY.md", "# emptied but not committed\n")
    assert run(project)[0] == 0
    err = capsys.readouterr().err
    # The edit is not judged, and not passed over in silence either.
    assert "DATA_INVENTORY.md in the working tree differs from HEAD" in err
    assert "`audit` reads HEAD" in err


def test_init_then_audit_leaves_only_placeholders(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, text in REVISIONS.items():
        repo.write(path, text)
    repo.write(
        "alembic.ini",
        "[alembic]\nscript_location = backend/alembic\nsqlalchemy.url = sqlite:///backend/app.db\n",
    )
    repo.commit("no inventory yet")
    assert main(["init", "--repo", str(repo.path)]) == 0
    assert (
        "Wrote DATA_INVENTORY.md (1 database file, 2 tables, 1 column)" in capsys.readouterr().err
    )
    written = repo.read("DATA_INVENTORY.md").decode()
    assert "**Primary DB**: `backend/app.db`" in written
    assert "- `users`: TODO: describe\n- `users.phone`: TODO: describe\n" in written
    assert "## Rollback Expectations" in written
    repo.commit("first inventory")
    code, report = run(repo)
    assert code == 1
    assert {f["code"] for f in report["findings"]} == {"INV301"}
    assert sorted(f["object"]["name"] for f in report["findings"]) == [
        "jobs",
        "users",
        "users.phone",
    ]

    repo.write("DATA_INVENTORY.md", written.replace("TODO: describe", "what it holds and why"))
    repo.commit("described")
    assert run(repo) == (0, run(repo)[1])
    assert codes(run(repo)[1]) == []


def test_init_refuses_to_overwrite_without_force(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--repo", str(project.path)]) == 2
    assert "DATA_INVENTORY.md already exists" in capsys.readouterr().err
    assert project.read("DATA_INVENTORY.md").decode() == COMPLETE
    assert main(["init", "--repo", str(project.path), "--force"]) == 0
    assert "TODO: describe" in project.read("DATA_INVENTORY.md").decode()


def test_init_on_a_repository_with_nothing_writes_the_skeleton(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("nothing data-bearing")
    target = "docs/INVENTORY.md"
    assert main(["init", "--repo", str(repo.path), "--output", target]) == 0
    text = repo.read(target).decode()
    for heading in (
        "## Invariants",
        "## Database (SQLite)",
        "## Storage Paths",
        "## Configuration & State",
        "## Required Updates (When Changing Data)",
        "## Rollback Expectations",
    ):
        assert heading in text
    assert "TODO" not in text


def test_an_uncommitted_inventory_is_named(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("no inventory")
    assert main(["init", "--repo", str(repo.path)]) == 0
    assert "commit it, then run" in capsys.readouterr().err
    assert main(["audit", "--repo", str(repo.path)]) == 2
    assert "DATA_INVENTORY.md is in the working tree but not committed" in capsys.readouterr().err


def test_audit_without_an_inventory_is_exit_2(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("no inventory")
    assert main(["audit", "--repo", str(repo.path)]) == 2
    assert "no DATA_INVENTORY.md found" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_after_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    assert audit.progress_bar(io.StringIO(), "audit") is None  # not a terminal: silent
    terminal = _Terminal()
    report = audit.progress_bar(terminal, "audit")
    assert report is not None
    report(1, 4)
    assert terminal.getvalue() == ""  # quick audits draw nothing
    monkeypatch.setattr(audit, "PROGRESS_AFTER_SECONDS", 0.0)
    report = audit.progress_bar(terminal, "audit")
    assert report is not None
    report(2, 4)
    report(4, 4)
    assert terminal.getvalue().endswith("\raudit [" + "#" * 30 + "] 4/4 files\n")
