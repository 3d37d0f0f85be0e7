"""Writes: only `check --fix` and `init` write, only the inventory, atomically; every other
command works on a read-only checkout.

Two independent proofs. Every command is compared against a snapshot of the whole tree
(``.git`` included: content, mode, size and modification time of every file and folder), so
any write — even one that restores the old bytes — fails. And the read-only runs happen on a
tree with every write bit removed, where a write attempt fails the command. Root ignores
write bits, and CI runs as root: there the command runs under ``setpriv --bounding-set=-all``,
still uid 0 but without CAP_DAC_OVERRIDE, so permission bits bind it like any user.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import REPORT_FORMATS, main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = """\
# Data inventory

## Database (SQLite)
- `users`: accounts.

## Storage Paths
- `storage/media/`: uploads.

## Configuration & State
- `SECRET_KEY`: signing key.
"""
Snapshot = dict[str, tuple[int, int, int, str]]


def snapshot(root: Path) -> Snapshot:
    """Every file, folder and link under ``root``: mode, size, mtime and content hash."""
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in sorted([*dirs, *files]):
            path = Path(folder, name)
            info = path.lstat()
            if stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                digest = os.readlink(path)
            else:
                digest = ""
            found[path.relative_to(root).as_posix()] = (
                info.st_mode,
                info.st_size,
                info.st_mtime_ns,
                digest,
            )
    return found


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


@pytest.fixture
def project(repo: GitRepo) -> tuple[GitRepo, str]:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", "[alembic]\nscript_location = migrations\n")
    repo.write(
        "migrations/versions/0001_users.py",
        "from alembic import op\nimport sqlalchemy as sa\nrevision = '0001'\n"
        "down_revision = None\ndef upgrade():\n"
        "    op.create_table('users', sa.Column('id', sa.Integer()))\n",
    )
    repo.write("db/schema.sql", "CREATE TABLE users (id INTEGER);\n")
    repo.write("db/old.sql", "CREATE TABLE users (id INTEGER);\n")
    base = repo.commit("base")
    repo.write(
        "migrations/versions/0002_more.py",
        "from alembic import op\nimport sqlalchemy as sa\nrevision = '0002'\n"
        "down_revision = '0001'\ndef upgrade():\n"
        "    op.add_column('users', sa.Column('phone', sa.String()))\n"
        "    op.create_table('invoices', sa.Column('id', sa.Integer()))\n",
    )
    repo.write("db/schema.sql", "CREATE TABLE users (id INTEGER, phone TEXT);\n")
    repo.commit("change")
    repo.write("app/settings.py", "import os\nX = os.environ['STAGED_TOKEN']\n")
    repo.add()
    repo.write("app/mail.py", "import os\nX = os.environ['WORKTREE_TOKEN']\n")
    return repo, base


READ_ONLY = [
    ["check"],
    ["check", "--staged"],
    ["check", "--head", "HEAD"],
    *(["check", "--base", "BASE", "--format", fmt] for fmt in REPORT_FORMATS),
    ["audit"],
    ["audit", "--format", "sarif"],
    ["schema-diff", "db/old.sql", "db/schema.sql", "--format", "markdown"],
    ["inventory"],
    ["inventory", "--format", "json"],
    ["rules"],
    ["rules", "MIG101"],
    ["demo"],
]


@pytest.fixture
def read_only(project: tuple[GitRepo, str]) -> Iterator[tuple[GitRepo, str]]:
    """The project with every write bit removed, .git included; restored afterwards."""
    repo, base = project
    paths = [repo.path, *repo.path.rglob("*")]
    modes = {p: p.lstat().st_mode for p in paths if not p.is_symlink()}
    for path, mode in modes.items():
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield repo, base
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def _without_write_permission(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "as root, the read-only test needs setpriv (util-linux)"
    return [setpriv, "--bounding-set=-all", "--", *argv]


def _probe_is_refused(directory: Path, tmp_path: Path) -> None:
    """The technique really forbids writing: a plain write under it fails."""
    probe = _without_write_permission(
        [sys.executable, "-c", f"open({str(directory / 'probe')!r}, 'w')"]
    )
    done = subprocess.run(probe, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode != 0
    assert "PermissionError" in done.stderr


@pytest.mark.parametrize("command", READ_ONLY, ids=[" ".join(c) for c in READ_ONLY])
def test_read_only_checkout_works_for_every_other_command(
    read_only: tuple[GitRepo, str], command: list[str], tmp_path: Path
) -> None:
    repo, base = read_only
    _probe_is_refused(repo.path, tmp_path)
    before = snapshot(repo.path)
    argv = [
        sys.executable,
        "-m",
        "selenite_inventory_lint",
        *(c.replace("BASE", base) for c in command),
    ]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = subprocess.run(
        _without_write_permission(argv),
        cwd=repo.path,
        env={**os.environ, "TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "error" not in done.stderr
    assert done.stdout
    assert changed(before, snapshot(repo.path)) == []


def test_report_files_go_where_asked_and_nowhere_else(
    read_only: tuple[GitRepo, str], tmp_path: Path
) -> None:
    repo, base = read_only
    before = snapshot(repo.path)
    out = tmp_path / "reports"
    argv = [
        sys.executable, "-m", "selenite_inventory_lint", "check", "--base", base,
        "--output", str(out / "report.txt"),
        *(f"--report={fmt}={out / ('r.' + fmt)}" for fmt in REPORT_FORMATS),
    ]  # fmt: skip
    done = subprocess.run(
        _without_write_permission(argv), cwd=repo.path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["report.txt", *(f"r.{fmt}" for fmt in REPORT_FORMATS)]
    )
    assert changed(before, snapshot(repo.path)) == []


def test_fix_writes_only_the_inventory_by_replacing_it(
    project: tuple[GitRepo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = project
    inventory = repo.path / "DATA_INVENTORY.md"
    inode = inventory.stat().st_ino
    before = snapshot(repo.path)
    assert main(["check", "--repo", str(repo.path), "--base", base, "--fix"]) == 1
    assert "added `invoices: TODO: describe`" in capsys.readouterr().err
    assert changed(before, snapshot(repo.path)) == ["DATA_INVENTORY.md"]
    # Atomic: a new file renamed over the old one (a reader sees old or new bytes, never
    # half), with the old mode, and no temporary file left behind.
    assert inventory.stat().st_ino != inode
    assert inventory.stat().st_mode == before["DATA_INVENTORY.md"][0]
    assert not [p for p in repo.path.iterdir() if p.name.endswith(".tmp")]


def test_fix_that_cannot_write_leaves_the_inventory_whole(
    read_only: tuple[GitRepo, str], tmp_path: Path
) -> None:
    repo, base = read_only
    before = snapshot(repo.path)
    argv = [sys.executable, "-m", "selenite_inventory_lint", "check", "--base", base, "--fix"]
    done = subprocess.run(
        _without_write_permission(argv), cwd=repo.path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("selenite-inventory-lint: error: cannot write ")
    assert "DATA_INVENTORY.md: Permission denied." in done.stderr
    assert done.stderr.count("\n") == 1
    assert changed(before, snapshot(repo.path)) == []


@pytest.mark.parametrize("output", [None, "docs/inventory/DATA.md"])
def test_init_writes_only_its_inventory(
    project: tuple[GitRepo, str], output: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = project
    before = snapshot(repo.path)
    argv = ["init", "--repo", str(repo.path), "--force"]
    target = "DATA_INVENTORY.md"
    if output is not None:
        argv += ["--output", output]
        target = output
    assert main(argv) == 0
    capsys.readouterr()
    written = changed(before, snapshot(repo.path))
    if output is None:
        assert written == ["DATA_INVENTORY.md"]
    else:
        assert written == ["docs", "docs/inventory", "docs/inventory/DATA.md"]
    assert stat.S_IMODE((repo.path / target).stat().st_mode) == 0o644


@pytest.mark.parametrize("how", ["symlink", "config"])
def test_init_never_writes_outside_the_repository(
    repo: GitRepo, tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    if how == "symlink":
        repo.symlink("DATA_INVENTORY.md", str(victim))
    else:
        repo.write(".inventory-lint.yaml", "inventory: ../victim.txt\n")
    repo.write("README.md", "x\n")
    repo.commit("hostile")
    assert main(["init", "--repo", str(repo.path), "--force"]) == 2
    err = capsys.readouterr().err
    if how == "symlink":
        assert "will not write DATA_INVENTORY.md: it is a symbolic link" in err
    else:
        assert "leads outside the repository" in err
    assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_json_output_of_a_read_only_run_is_complete(
    read_only: tuple[GitRepo, str],
) -> None:
    repo, base = read_only
    argv = [
        sys.executable,
        "-m",
        "selenite_inventory_lint",
        "check",
        "--base",
        base,
        "--format",
        "json",
    ]
    done = subprocess.run(
        _without_write_permission(argv), cwd=repo.path, capture_output=True, text=True, check=False
    )
    codes = sorted(f["code"] for f in json.loads(done.stdout)["findings"])
    assert codes == ["INV101", "INV102"]
