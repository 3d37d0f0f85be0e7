"""A range (``check --base/--head``, the CI path) is resolved once: the base's configuration
and the change set read the same commits without asking git again. Processes are counted,
never timed."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo


def _commands(trace: Path) -> list[list[str]]:
    return [
        line.split("trace: built-in: git ", 1)[1].split(" ")
        for line in trace.read_text().splitlines()
        if "trace: built-in: git " in line
    ]


@pytest.mark.parametrize(
    "argv", [["--base", "HEAD~1"], ["--base", "HEAD~1", "--head", "HEAD"], ["--head", "HEAD"]]
)
def test_a_range_is_resolved_once(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    repo.write(".inventory-lint.yaml", "dialect: sqlite\n")
    repo.write("DATA_INVENTORY.md", "# Data Inventory\n\n## Database (SQLite)\n- `users`: a.\n")
    repo.commit("base")
    repo.write("db/migrations/0001_users.sql", "CREATE TABLE users (id INTEGER);\n")
    repo.commit("change")
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["check", "--repo", str(repo.path), *argv]) == 0
    commands = _commands(trace)
    verified = [c[-1] for c in commands if c[:2] == ["rev-parse", "--verify"]]
    # HEAD's commit comes with the repository's discovery; each other ref is verified once.
    assert verified == (["'HEAD~1^{commit}'"] if "--base" in argv else [])
    assert [c[0] for c in commands].count("merge-base") == (1 if "--base" in argv else 0)
    assert [c[0] for c in commands].count("diff-tree") == 1
    assert commands[0][:3] == ["rev-parse", "--absolute-git-dir", "--show-toplevel"]
    assert sum(c[:2] == ["rev-parse", "--absolute-git-dir"] for c in commands) == 1
