"""The hook's git questions that wait on nothing this process computes are started ahead of
the answer: the attributes of the claimed files and the listing of the revisions' blob ids
run while the inventory is read, and the process started ahead is the one that answers.
Processes are counted, never timed."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint import git, pipeline
from selenite_inventory_lint.cli import main
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.snapshot import INDEX, WORKTREE, Snapshot

if TYPE_CHECKING:
    from conftest import GitRepo

REVISION = """\
from alembic import op
import sqlalchemy as sa

revision = "{number}"
down_revision = {down}


def upgrade():
    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))
"""
INVENTORY = "# Data Inventory\n\n## Database (SQLite)\n- `users`: accounts.\n"
LISTING = [":(literal)a/"]
VENDORED = ["linguist-vendored"]


def small_repository(repo: GitRepo) -> None:
    repo.write(".gitattributes", "a/vendor/** linguist-vendored\n")
    repo.write("a/x.py", "X = 1\n")
    repo.write("a/vendor/y.py", "Y = 1\n")
    repo.write("b/z.py", "Z = 1\n")
    repo.commit("base")


@pytest.mark.parametrize("side", [INDEX, WORKTREE])
def test_a_command_started_ahead_gives_the_later_answer(repo: GitRepo, side: str) -> None:
    small_repository(repo)
    snapshot = Snapshot(git.Git(repo.path), repo.path, side)
    marks = snapshot.attributes(["a/x.py", "a/vendor/y.py"], VENDORED)
    assert marks == {"a/vendor/y.py": {"linguist-vendored": "set"}}
    ids = snapshot.blob_ids(LISTING)
    before = git.PROCESSES[0]
    snapshot.expect_attributes(["a/x.py", "a/vendor/y.py"], VENDORED)
    snapshot.expect_blob_ids(LISTING)
    started = git.PROCESSES[0] - before
    assert started == (2 if side == INDEX else 1)  # blob ids come from the index alone
    assert snapshot.attributes(["a/x.py", "a/vendor/y.py"], VENDORED) == marks
    assert snapshot.blob_ids(LISTING) == ids
    assert git.PROCESSES[0] - before == started  # answered by the processes started ahead
    # Each answer is taken once: the same question again starts a process of its own.
    assert snapshot.attributes(["a/x.py", "a/vendor/y.py"], VENDORED) == marks
    assert git.PROCESSES[0] - before == started + 1


def test_a_command_started_for_another_question_is_not_its_answer(repo: GitRepo) -> None:
    small_repository(repo)
    snapshot = Snapshot(git.Git(repo.path), repo.path, INDEX)
    snapshot.expect_blob_ids([":(literal)b/"])
    snapshot.expect_attributes(["b/z.py"], VENDORED)
    before = git.PROCESSES[0]
    assert snapshot.blob_ids(LISTING) is not None
    assert set(snapshot.blob_ids(LISTING) or {}) == {"a/x.py", "a/vendor/y.py"}
    assert snapshot.attributes(["a/vendor/y.py"], VENDORED) == {
        "a/vendor/y.py": {"linguist-vendored": "set"}
    }
    assert git.PROCESSES[0] - before == 3
    # Closing stops what nobody asked for; a later question starts its own.
    snapshot.close()
    assert set(snapshot.blob_ids([":(literal)b/"]) or {}) == {"b/z.py"}


def test_a_failing_command_started_ahead_fails_when_asked(repo: GitRepo) -> None:
    small_repository(repo)
    snapshot = Snapshot(git.Git(repo.path), repo.path, INDEX)
    snapshot.expect_blob_ids([":(bogus-magic)a/"])
    with pytest.raises(FatalError, match="git ls-files failed"):
        snapshot.blob_ids([":(bogus-magic)a/"])


def test_the_hook_starts_them_before_reading_the_inventory(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", "[alembic]\nscript_location = alembic\n")
    repo.write(
        "alembic/versions/0001.py", REVISION.format(number="0001", down="None", table="users")
    )
    repo.commit("base")
    repo.write(
        "alembic/versions/0002.py", REVISION.format(number="0002", down='"0001"', table="logs")
    )
    repo.write("DATA_INVENTORY.md", INVENTORY + "- `logs`: events.\n")
    repo.add()
    seen: list[int] = []
    reading: Callable[..., Any] = pipeline.read_inventory

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(git.PROCESSES[0] - before)
        return reading(*args, **kwargs)

    monkeypatch.setattr(pipeline, "read_inventory", spy)
    before = git.PROCESSES[0]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["check", "--staged", "--repo", str(repo.path)])
    assert (code, out.getvalue()) == (0, "All checks passed (2 data-bearing changes).\n")
    # rev-parse, diff-index, cat-file, the alembic.ini listing, then check-attr and the
    # revisions' listing, started before the staged inventory is read; then only the grep of
    # the committed revision's header (the cache is empty); nothing runs twice.
    assert seen[0] == 6
    assert git.PROCESSES[0] - before == 7


@pytest.mark.parametrize("staged", ["README.md", "DATA_INVENTORY.md"])
def test_the_blob_reader_starts_while_git_compares_the_index(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, staged: str
) -> None:
    # The same reader answers whether the inventory exists (a commit touching no data) and
    # reads the staged blobs: one process, started with `diff-index`.
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("README.md", "Selenite\n")
    repo.commit("base")
    repo.write(staged, repo.read(staged).decode() + "- `logs`: events.\n")
    repo.add()
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["check", "--staged", "--repo", str(repo.path)]) == 0
    commands = [
        line.split("trace: built-in: git ", 1)[1].split(" ")[0:2]
        for line in trace.read_text().splitlines()
        if "trace: built-in: git " in line
    ]
    # Both run at once, so either may write its trace line first.
    assert commands[0] == ["rev-parse", "--absolute-git-dir"]
    assert sorted(commands[1:3]) == [["cat-file", "--batch"], ["diff-index", "--cached"]]
    assert [c for c in commands if c[0] == "cat-file"] == [["cat-file", "--batch"]]
