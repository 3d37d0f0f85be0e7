"""``check`` works in proportion to the change, not the repository: the search for what still
refers to a retired variable is ``git grep``'s, and no file is read to settle which needle a
file holds. Reads are counted, never timed."""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint import snapshot
from selenite_inventory_lint.changeset import open_changeset
from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = """\
# Data Inventory (Living)

## Configuration & State
- `APP_TOKEN`: API token.
- `APP_TOKEN_TTL`: how long a token lives.
"""


def settings_module(index: int) -> str:
    return f'"""Module {index}."""\n\nimport os\n\nTTL = os.getenv("APP_TOKEN_TTL")\n'


@pytest.mark.parametrize("others", [2, 60])
def test_retiring_a_variable_reads_only_the_files_git_grep_names(
    repo: GitRepo, others: int
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("app/token.py", 'import os\n\nTOKEN = os.getenv("APP_TOKEN")\n')
    repo.write("app/plain.py", '"""Nothing to see."""\n')
    for index in range(others):
        repo.write(f"app/pkg/mod{index:03d}.py", settings_module(index))
    repo.commit("base")
    repo.write("app/token.py", 'TOKEN = "fixed"\n')
    repo.add()
    reads = snapshot.READS[0]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["check", "--staged", "--repo", str(repo.path)])
    # `APP_TOKEN` is in every module (inside `APP_TOKEN_TTL`), which git grep reports and the
    # env detector then reads to tell a reference from a longer name: `APP_TOKEN` is retired.
    assert code == 1
    assert "INV201" in out.getvalue()
    assert "APP_TOKEN " in out.getvalue()
    # Both sides of the change, the inventory, and each matching module once: no file is read
    # twice, and none that git grep did not name.
    assert snapshot.READS[0] - reads == 3 + others


def test_one_search_tells_overlapping_and_nested_needles_apart(repo: GitRepo) -> None:
    repo.write("a.txt", "MY_KEY_A\n")
    repo.write("b.txt", "APP_10\n")
    repo.write("c.txt", "KEY_A and MY_KEY\n")
    repo.write("d.txt", "nothing\n")
    repo.commit("files")
    # A user's grep settings must not change what the output looks like.
    repo.git("config", "grep.lineNumber", "true")
    repo.git("config", "grep.column", "true")
    changeset = open_changeset(repo.path, head="HEAD")
    reads = snapshot.READS[0]
    found = changeset.snapshot.grep(["MY_KEY", "KEY_A", "APP_1", "APP_10", "ZZZ", ""])
    assert snapshot.READS[0] == reads
    assert found == {
        "MY_KEY": ("a.txt", "c.txt"),
        "KEY_A": ("a.txt", "c.txt"),
        "APP_1": ("b.txt",),
        "APP_10": ("b.txt",),
        "ZZZ": (),
        "": (),
    }
    lines = changeset.snapshot.grep_lines(["KEY_A"], [":(literal)a.txt", ":(literal)c.txt"])
    assert lines == {"a.txt": ((1, "MY_KEY_A"),), "c.txt": ((1, "KEY_A and MY_KEY"),)}
