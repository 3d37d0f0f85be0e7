"""The revision graph at head is read from header lines, not from the revisions' content.

A commit adding one revision to a history of many must not read, let alone parse, the
revisions it did not touch: ``git grep`` hands over their header lines. Work is counted
(files read, revisions parsed), never timed. A header that is not plain assignments is still
read and parsed, and both readings give the same ``Revision``.
"""

from __future__ import annotations

import ast
import contextlib
import io
from typing import TYPE_CHECKING

import pytest
from selenite_project import ALEMBIC_INI, REFERENCE, VERSIONS

from selenite_inventory_lint import snapshot
from selenite_inventory_lint.cli import main
from selenite_inventory_lint.detectors.alembic import revisions
from selenite_inventory_lint.detectors.alembic.revisions import read_revision

if TYPE_CHECKING:
    from conftest import GitRepo


def revision_text(number: int, down: str) -> str:
    return (
        f'"""Step {number}.\n\nRevision ID: r{number:04d}\nRevises: {down}\n"""\n\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f'revision = "r{number:04d}"\ndown_revision = {down}\n\n\n'
        f"def upgrade():\n    op.execute(\"SELECT 'revision = 1'\")\n"
    )


def history(repo: GitRepo, count: int) -> None:
    repo.write("DATA_INVENTORY.md", REFERENCE.read_bytes())
    repo.write("backend/alembic.ini", ALEMBIC_INI)
    for number in range(count):
        down = f'"r{number - 1:04d}"' if number else "None"
        repo.write(f"{VERSIONS}/r{number:04d}.py", revision_text(number, down))
    repo.commit("history")


def hook(repo: GitRepo) -> tuple[int, str, int, int]:
    """(exit code, output, files read, revisions parsed outside the detector)."""
    reads, parses = snapshot.READS[0], revisions.PARSES[0]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["check", "--staged", "--repo", str(repo.path)])
    return code, out.getvalue(), snapshot.READS[0] - reads, revisions.PARSES[0] - parses


@pytest.mark.parametrize("count", [3, 40])
def test_one_new_revision_reads_no_other_revision(repo: GitRepo, count: int) -> None:
    history(repo, count)
    repo.write(f"{VERSIONS}/r{count:04d}.py", revision_text(count, f'"r{count - 1:04d}"'))
    repo.add()
    code, out, reads, parses = hook(repo)
    assert (code, out) == (0, "All checks passed (0 data-bearing changes).\n")
    # The new revision, alembic.ini and the inventory: nothing per old revision.
    assert (reads, parses) == (3, 0)


def test_a_second_head_among_unread_revisions_is_still_found(repo: GitRepo) -> None:
    history(repo, 40)
    repo.write(f"{VERSIONS}/r0040.py", revision_text(40, '"r0038"'))
    repo.add()
    code, out, reads, parses = hook(repo)
    assert code == 1
    assert "MIG201" in out
    assert "r0039" in out
    # And the one other revision a finding points at, for its ignore comments.
    assert (reads, parses) == (4, 0)


def test_a_header_that_is_not_plain_is_read_and_parsed(repo: GitRepo) -> None:
    history(repo, 5)
    repo.write(
        f"{VERSIONS}/r0002.py",
        revision_text(2, '(\n    "r0001",\n)').replace('revision = "r0002"', "revision = 'r0002'"),
    )
    repo.commit("a multi-line down_revision")
    repo.write(f"{VERSIONS}/r0005.py", revision_text(5, '"r0003"'))
    repo.add()
    code, out, reads, parses = hook(repo)
    # r0003 has two children (r0004 and r0005): the graph knew r0002 → r0003.
    assert code == 1
    assert "MIG201" in out
    assert "unknown" not in out
    # r0002 is read and parsed, and r0004, which a finding points at, is read.
    assert (reads, parses) == (5, 1)


PLAIN = [
    'revision = "a1"\ndown_revision = None\n',
    "revision: str = 'a1'\ndown_revision: Union[str, None] = 'z9'  # parent\n",
    'revision = "a1"\ndown_revision = ("x", "y",)\n',
    'revision = "a1"\ndown_revision = ["x", None, ""]\n',
    'revision = "a1"\ndown_revision = ()\n',
    '"""Doc.\n\nrevision = "fake"\n"""\nrevision = "a1"\n',
    '\'\'\'Doc with """ inside.\nrevision = "fake"\n\'\'\'\nrevision = "a1"\n',
    '# """\nrevision = "a1"\n',
    's = "it\'s"\nrevision = "a1"\ndown_revision = "b"\n',
    "x = 1\n",
    'revision = ""\n',
    '\ufeffrevision = "a1"\r\ndown_revision = "b"\r\n',
    'if True:\n    revision = "nested"\nrevision = "a1"\n',
    'x = "a\\\\b"  # revision\nrevision = "a1"\n',
]
NOT_PLAIN = [
    'revision = "a1"\ndown_revision = (\n    "x",\n)\n',
    'revision = "a1"\nrevision = "a2"\n',
    "revision = REV\n",
    'revision = "a" "1"\n',
    'revision = "a\\x31"\n',
    'revision = down_revision = "a1"\n',
    'x = """\nrevision = "a1"\n',
    'x = "open\\\nrevision = "a1"\n',
    'revision = "a1"; down_revision = None\n',
    'x = 1 + \\\nrevision = "a1"\n',
]


def parsed(text: str) -> object:
    tree = revisions._parse("r.py", text)
    return revisions._revision(tree, "r.py") if isinstance(tree, ast.Module) else None


@pytest.mark.parametrize("text", PLAIN)
def test_a_plain_header_is_read_without_parsing(text: str) -> None:
    before = revisions.PARSES[0]
    found = read_revision("r.py", text)
    assert revisions.PARSES[0] == before
    assert found == parsed(text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_any_other_header_is_parsed(text: str) -> None:
    before = revisions.PARSES[0]
    found = read_revision("r.py", text)
    assert revisions.PARSES[0] == before + 1
    assert found == parsed(text)
