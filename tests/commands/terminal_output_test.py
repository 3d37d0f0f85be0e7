"""What a person reads in a terminal: counts worded in the singular for one, and colour only
where it renders (NO_COLOR > FORCE_COLOR > TERM=dumb > a terminal). Colour is judged on a real
pseudo-terminal, with the console entry point run as a process."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenite_project import selenite_repo

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo


@pytest.mark.parametrize(
    ("entries", "counted"),
    [
        ("- `users`: accounts.\n", "1 entry"),
        ("- `users`: accounts.\n- `jobs`: queued work.\n", "2 entries"),
    ],
)
def test_inventory_counts_its_entries_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entries: str, counted: str
) -> None:
    inventory = tmp_path / "DATA_INVENTORY.md"
    inventory.write_text(f"# Data\n\n## Database\n\n{entries}", encoding="utf-8")
    assert main(["inventory", str(inventory)]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(f": {counted}")


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    return selenite_repo(repo)


def on_terminal(project: GitRepo, **env: str) -> str:
    """``check --base HEAD~1`` with its output on a pseudo-terminal; what it printed."""
    leader, follower = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    try:
        ran = subprocess.run(
            (sys.executable, "-m", "selenite_inventory_lint", "check", "--base", "HEAD~1"),
            cwd=project.path,
            env={**environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
            check=False,
        )
    finally:
        os.close(follower)
    assert ran.returncode == 1, ran.stderr
    chunks = []
    try:
        while chunk := os.read(leader, 65536):
            chunks.append(chunk)
    except OSError:  # EIO: the terminal's other side is closed, everything was read
        pass
    finally:
        os.close(leader)
    return b"".join(chunks).decode()


@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        pytest.param({"TERM": "xterm-256color"}, True, id="terminal"),
        pytest.param({"TERM": "dumb"}, False, id="TERM=dumb"),
        pytest.param({"TERM": "dumb", "FORCE_COLOR": "1"}, True, id="FORCE_COLOR-over-TERM=dumb"),
        pytest.param(
            {"TERM": "xterm-256color", "NO_COLOR": "1", "FORCE_COLOR": "1"},
            False,
            id="NO_COLOR-over-FORCE_COLOR",
        ),
    ],
)
def test_colour_on_a_terminal_follows_no_color_force_color_and_term(
    project: GitRepo, env: dict[str, str], coloured: bool
) -> None:
    out = on_terminal(project, **env)
    assert "INV101 table invoices" in out.replace("\x1b[0m", "").replace("\x1b[1;31m", "")
    assert ("\x1b[" in out) is coloured
