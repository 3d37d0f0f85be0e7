"""A one-revision commit lists no more of the tree than it must: the alembic.ini files, the
version folders they name and the folders above nested data roots are listed by git pathspec,
never the whole tree, so its cost does not grow with the repository. Listings are counted,
never timed."""

from __future__ import annotations

import contextlib
import io
import json
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint import git, snapshot
from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = """\
# Data Inventory (Living)

## Database (SQLite)
- `users`: accounts.

## Storage Paths
- `storage/media/`: uploads.
"""


def revision(number: int, down: str, table: str) -> str:
    return (
        f'"""Step {number}."""\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f'revision = "{number:04d}"\ndown_revision = {down}\n\n\ndef upgrade():\n'
        f'    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))\n'
    )


def run_hook(repo: GitRepo, *args: str) -> tuple[int, str, int]:
    listings = snapshot.LISTINGS[0]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["check", *args, "--repo", str(repo.path)])
    return code, out.getvalue(), snapshot.LISTINGS[0] - listings


@pytest.mark.parametrize("ini", ["alembic.ini", "backend/alembic.ini"])
def test_a_staged_revision_lists_no_tree(repo: GitRepo, ini: str) -> None:
    folder = "" if "/" not in ini else "backend/"
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write(ini, "[alembic]\nscript_location = alembic\n")
    repo.write(f"{folder}alembic/versions/0001_users.py", revision(1, "None", "users"))
    repo.write("storage/readme.txt", "kept\n")
    for index in range(20):
        repo.write(f"app/mod{index:02d}.py", "VALUE = 1\n")
    repo.commit("base")
    repo.write(f"{folder}alembic/versions/0002_orders.py", revision(2, '"0001"', "orders"))
    repo.add()
    code, out, listings = run_hook(repo, "--staged")
    assert code == 1
    assert "INV101 table orders is added" in out
    assert listings == 0


def test_an_ini_whose_folder_holds_no_revision_still_gets_its_note(repo: GitRepo) -> None:
    # The one case that lists the tree: an alembic.ini naming a folder with no revision, when
    # no file anywhere matches `sources.alembic`.
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", "[alembic]\nscript_location = nowhere\n")
    repo.write("db/0001_users.py", revision(1, "None", "users"))
    repo.commit("base")
    repo.write("db/0002_orders.py", revision(2, '"0001"', "orders"))
    repo.add()
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        _code, _out, listings = run_hook(repo, "--staged")
    assert "cannot locate the Alembic revisions of alembic.ini" in errors.getvalue()
    assert listings == 1


def test_a_commit_touching_no_data_runs_three_git_commands(repo: GitRepo) -> None:
    # The repository's top, git directory and HEAD (one call), the staged diff, and whether
    # the inventory exists: nothing that lists or reads the tree.
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("README.md", "Selenite\n")
    repo.commit("base")
    repo.write("README.md", "Selenite, again\n")
    repo.add()
    processes = git.PROCESSES[0]
    code, out, listings = run_hook(repo, "--staged")
    assert (code, out, listings) == (0, "All checks passed (0 data-bearing changes).\n", 0)
    assert git.PROCESSES[0] - processes == 3


PLAN = """\
---
id: DP-2026-007
migrations: [{migration}]
operations: [drop_table users]
approved_by: [lead@example.com]
approved_on: 2026-02-01
backup: storage/backups/2026-02-01/
rollback: restore the backup
---
# Drop users
"""


@pytest.mark.parametrize(
    "migration", ["0002_drop", "0002_drop.py", "backend/alembic/versions/0002_drop.py"]
)
def test_a_staged_drop_finds_its_plan_without_listing_the_tree(
    repo: GitRepo, migration: str
) -> None:
    # The plan names its migration by stem, base name or path: git is asked for those names.
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("backend/alembic.ini", "[alembic]\nscript_location = alembic\n")
    repo.write("backend/alembic/versions/0001_users.py", revision(1, "None", "users"))
    repo.commit("base")
    repo.write(
        "backend/alembic/versions/0002_drop.py",
        'from alembic import op\n\nrevision = "0002"\ndown_revision = "0001"\n\n\n'
        'def upgrade():\n    op.drop_table("users")\n',
    )
    repo.write("docs/data-plans/DP-2026-007.md", PLAN.format(migration=migration))
    repo.add()
    _code, out, listings = run_hook(repo, "--staged", "--format", "json")
    found = [(f["code"], f["covered_by_plan"]) for f in json.loads(out)["findings"]]
    assert ("MIG101", "DP-2026-007") in found
    assert "PLAN101" not in [c for c, _ in found]
    assert listings == 0


def test_a_one_file_change_in_a_range_lists_no_tree(repo: GitRepo) -> None:
    # CI's `check --base`: a module reads one more setting; the data root `storage/media/`
    # widens by a listing of `storage/` alone.
    repo.write("DATA_INVENTORY.md", INVENTORY + "\n## Configuration & State\n- `TOKEN`: key.\n")
    for index in range(20):
        repo.write(f"app/mod{index:02d}.py", "VALUE = 1\n")
    repo.commit("base")
    repo.write(
        "app/mod03.py", 'import os\n\nVALUE = os.getenv("TOKEN")\nOTHER = os.getenv("NEW")\n'
    )
    repo.commit("one file")
    code, out, listings = run_hook(repo, "--base", "HEAD~1")
    assert code == 1
    assert "INV104 environment variable NEW" in out
    assert listings == 0


def test_each_alembic_ini_is_read_once_a_run(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version folders (``alembic_dirs``) and the unlocated-ini note ask for the same ini
    files: one reading serves both."""
    from selenite_inventory_lint.detectors import alembic

    read: list[str] = []
    real = alembic.version_dirs_from_ini

    def counted(path: str, text: str) -> tuple[str, ...]:
        read.append(path)
        return real(path, text)

    monkeypatch.setattr(alembic, "version_dirs_from_ini", counted)
    repo.write("DATA_INVENTORY.md", INVENTORY)
    # Flask-Migrate's layout: no sources.alembic default names these revisions.
    repo.write("migrations/alembic.ini", "[alembic]\n")
    repo.write("migrations/versions/0001_users.py", revision(1, "None", "users"))
    repo.commit("base")
    repo.write("migrations/versions/0002_orders.py", revision(2, '"0001"', "orders"))
    repo.add()
    run_hook(repo, "--staged")
    assert read == ["migrations/alembic.ini"]
