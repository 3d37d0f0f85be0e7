"""Writes on an untrusted checkout (docs/security.md): `check --fix`, `init`, `--output` and
`--report` never write through a symbolic link, never into the git directory, never into a FIFO
or over a read-only file, and leave no temporary file behind when interrupted."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = "# Data inventory\n\n## Database\n- `users`: accounts.\n"
ACTIVATE = "# venv activate script\nexport VIRTUAL_ENV=/opt/venv\n"


def _changed_schema(repo: GitRepo, inventory: str = "DATA_INVENTORY.md") -> str:
    """A base commit with the inventory, then a commit adding an undocumented table; the base."""
    repo.write(inventory, INVENTORY)
    base = repo.commit("base")
    repo.write("db/0002_invoices.sql", "CREATE TABLE invoices (id INTEGER);\n")
    repo.commit("invoices")
    return base


def _run(repo: GitRepo, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main([*argv, "--repo", str(repo.path)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_fix_refuses_an_inventory_that_is_a_committed_link(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # The link stays inside the repository, to a file git ignores: resolving it finds no
    # escape, so only refusing the link itself protects the script.
    repo.write(".gitignore", ".venv/\n")
    repo.write(".venv/bin/activate", ACTIVATE)
    repo.symlink("DATA_INVENTORY.md", ".venv/bin/activate")
    repo.commit("hostile inventory")
    repo.write("db/0002_invoices.sql", "CREATE TABLE invoices (id INTEGER);\n")
    code, err = _run(repo, capsys, "check", "--fix")
    assert code == 2
    assert err == (
        "selenite-inventory-lint: error: will not write DATA_INVENTORY.md: it is a symbolic "
        "link, and no file is ever written through one; replace the link with a real file or "
        "folder, or write elsewhere.\n"
    )
    assert repo.read(".venv/bin/activate").decode() == ACTIVATE
    assert os.readlink(repo.path / "DATA_INVENTORY.md") == ".venv/bin/activate"


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_fix_refuses_an_inventory_whose_folder_is_a_committed_link(
    repo: GitRepo, tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".inventory-lint.yaml", "inventory: docs/DATA_INVENTORY.md\n")
    repo.write(".gitignore", "build/\n")
    base = _changed_schema(repo, "docs/DATA_INVENTORY.md")
    head = repo.head()
    # The pull request's last commit swaps the folder for a link; the range checked is
    # the one before it, whose inventory is a real file.
    elsewhere = repo.path / "build" if where == "inside" else tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "DATA_INVENTORY.md"
    victim.write_text(INVENTORY, encoding="utf-8")
    repo.git("rm", "-q", "-r", "docs")
    repo.symlink("docs", "build" if where == "inside" else str(elsewhere))
    repo.commit("docs is a link")
    code, err = _run(repo, capsys, "check", "--base", base, "--head", head, "--fix")
    assert code == 2
    assert "will not write docs/DATA_INVENTORY.md: its folder docs is a symbolic link" in err
    assert victim.read_text(encoding="utf-8") == INVENTORY
    assert sorted(p.name for p in elsewhere.iterdir()) == ["DATA_INVENTORY.md"]


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_init_refuses_an_inventory_folder_that_is_a_committed_link(
    repo: GitRepo, tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".inventory-lint.yaml", "inventory: docs/DATA_INVENTORY.md\n")
    repo.write(".gitignore", "build/\n")
    elsewhere = repo.path / "build" if where == "inside" else tmp_path / "elsewhere"
    elsewhere.mkdir()
    repo.symlink("docs", "build" if where == "inside" else str(elsewhere))
    repo.commit("docs is a link")
    code, err = _run(repo, capsys, "init")
    assert code == 2
    assert "will not write docs/DATA_INVENTORY.md: its folder docs is a symbolic link" in err
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize(
    "output",
    ["out/report.md", "nested/out/report.md", "report.md", "ABSOLUTE/out/report.md"],
)
@pytest.mark.parametrize("option", ["--output", "--report"])
def test_reports_refuse_a_link_in_the_repository(
    repo: GitRepo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    output: str,
    option: str,
) -> None:
    base = _changed_schema(repo)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "report.md"
    victim.write_text("keep me\n", encoding="utf-8")
    link = output.removeprefix("ABSOLUTE/").rpartition("/report.md")[0] or "report.md"
    repo.symlink(link, str(victim if link == "report.md" else elsewhere))
    repo.commit("hostile links")
    monkeypatch.chdir(repo.path)
    target = output.replace("ABSOLUTE", str(repo.path))
    spec = ["--output", target] if option == "--output" else [f"--report=markdown={target}"]
    code, err = _run(repo, capsys, "check", "--base", base, "--format", "json", *spec)
    assert code == 2
    assert err.startswith(f"selenite-inventory-lint: error: will not write the report {target}: ")
    assert " is a symbolic link" in err
    assert err.count("\n") == 1
    assert sorted(p.name for p in elsewhere.iterdir()) == ["report.md"]
    assert victim.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize(
    "inventory",
    [".git/hooks/pre-commit", ".git/config", "./.git/info/exclude", "sub/../.git/HEAD"],
)
@pytest.mark.parametrize("source", ["config", "--output"])
def test_init_never_writes_into_the_git_directory(
    repo: GitRepo, inventory: str, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("README.md", "x\n")
    if source == "config":
        repo.write(".inventory-lint.yaml", f"inventory: {inventory}\n")
    repo.commit("init")
    git_dir = repo.path / ".git"
    before = {p: p.read_bytes() for p in git_dir.rglob("*") if p.is_file()}
    argv = ["init", "--force"] + (["--output", inventory] if source == "--output" else [])
    code, err = _run(repo, capsys, *argv)
    assert code == 2
    assert "it is inside the git directory" in err
    assert {p: p.read_bytes() for p in git_dir.rglob("*") if p.is_file()} == before


def test_init_never_writes_into_a_git_directory_with_another_name(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # `.git` is a file naming the real git directory (as `git init --separate-git-dir`
    # and worktrees make it); here that directory sits in the work tree as `store/`.
    repo.write("README.md", "x\n")
    repo.commit("init")
    (repo.path / ".git").rename(repo.path / "store")
    (repo.path / ".git").write_text("gitdir: store\n", encoding="utf-8")
    repo.write(".inventory-lint.yaml", "inventory: store/hooks/post-checkout\n")
    code, err = _run(repo, capsys, "init", "--force")
    assert code == 2
    assert "it is inside the git directory" in err
    assert not (repo.path / "store" / "hooks" / "post-checkout").exists()


def test_init_will_not_replace_a_file_git_ignores(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".gitignore", ".venv/\n")
    repo.write(".venv/bin/activate", ACTIVATE)
    repo.write(".inventory-lint.yaml", "inventory: .venv/bin/activate\n")
    repo.commit("init")
    code, err = _run(repo, capsys, "init", "--force")
    assert code == 2
    assert "init will not replace .venv/bin/activate: git ignores it" in err
    assert repo.read(".venv/bin/activate").decode() == ACTIVATE


def _subprocess(repo: GitRepo, *argv: str) -> subprocess.CompletedProcess[str]:
    # A child with a deadline: a command that blocks fails the test instead of hanging it.
    return subprocess.run(
        [sys.executable, "-m", "selenite_inventory_lint", *argv],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_fix_with_a_fifo_in_place_of_the_inventory_is_an_error_not_a_hang(repo: GitRepo) -> None:
    base = _changed_schema(repo)
    inventory = repo.path / "DATA_INVENTORY.md"
    inventory.unlink()
    os.mkfifo(inventory)
    done = _subprocess(repo, "check", "--base", base, "--head", "HEAD", "--fix")
    assert done.returncode == 2
    assert done.stderr == (
        "selenite-inventory-lint: error: will not write DATA_INVENTORY.md: it is not a regular "
        "file (a folder, FIFO or device).\n"
    )
    assert stat.S_ISFIFO(inventory.lstat().st_mode)


def test_init_with_a_fifo_in_place_of_the_inventory_is_an_error(repo: GitRepo) -> None:
    repo.write("README.md", "x\n")
    repo.commit("init")
    os.mkfifo(repo.path / "DATA_INVENTORY.md")
    done = _subprocess(repo, "init", "--force")
    assert done.returncode == 2
    assert "it is not a regular file" in done.stderr
    assert stat.S_ISFIFO((repo.path / "DATA_INVENTORY.md").lstat().st_mode)


def test_fix_does_not_replace_a_read_only_inventory(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Checked on the file's mode, not by trying: root (CI) may write anything.
    _changed_schema(repo)
    inventory = repo.path / "DATA_INVENTORY.md"
    inventory.chmod(0o444)
    inode = inventory.stat().st_ino
    code, err = _run(repo, capsys, "check", "--head", "HEAD", "--fix")
    assert code == 2
    assert err == (
        "selenite-inventory-lint: error: cannot write DATA_INVENTORY.md: Permission denied. "
        "It is read-only; make it writable to let it be replaced.\n"
    )
    assert inventory.read_text(encoding="utf-8") == INVENTORY
    assert inventory.stat().st_ino == inode
    assert stat.S_IMODE(inventory.stat().st_mode) == 0o444
    assert _temporaries(repo.path) == []


def test_fix_interrupted_mid_write_leaves_no_temporary_file(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _changed_schema(repo)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt  # what SIGINT raises in the middle of the write

    monkeypatch.setattr(os, "fsync", interrupted)
    code, err = _run(repo, capsys, "check", "--head", "HEAD", "--fix")
    assert code == 2
    assert err.endswith("selenite-inventory-lint: interrupted\n")
    assert _temporaries(repo.path) == []
    assert repo.read("DATA_INVENTORY.md").decode() == INVENTORY
