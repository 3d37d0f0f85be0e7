"""The console script ends its process without tearing the interpreter down (docs/performance.md):
the exit handlers still run (they stop git's processes, write coverage data), the output is
flushed and the exit code is the command's. Runs real interpreters; nothing is timed."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import GitRepo

PROBE = """\
import atexit, sys
from selenite_inventory_lint.__main__ import end

class Noisy:
    def __del__(self):
        print("torn down")

kept = Noisy()
atexit.register(lambda: print("handler ran"))
print("out", end="")
print("err", file=sys.stderr, end="")
end(int(sys.argv[1]))
"""


@pytest.mark.parametrize("code", [0, 1, 2])
def test_the_process_ends_with_its_code_after_its_exit_handlers(code: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(code)], capture_output=True, text=True, check=False
    )
    assert done.returncode == code
    assert done.stdout == "outhandler ran\n"  # flushed, after the handlers
    assert done.stderr == "err"
    # No teardown: objects alive at the end are never finalized one by one.
    assert "torn down" not in done.stdout


def hook(repo: GitRepo, inventory: str) -> subprocess.CompletedProcess[str]:
    """``check --staged`` through the real entry point, ``inventory`` staged."""
    repo.write("DATA_INVENTORY.md", f"# Data Inventory\n\n## Database (SQLite)\n{inventory}\n")
    repo.add()
    return subprocess.run(
        [sys.executable, "-m", "selenite_inventory_lint", "check", "--staged"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_hook_through_its_entry_point_says_everything(repo: GitRepo) -> None:
    # The real entry point, with git's processes open until the end: the whole report, and
    # the exit code of the findings.
    hook(repo, "- `users`: a.")
    repo.commit("base")
    done = hook(repo, "- `users`: b.")
    assert (done.returncode, done.stdout) == (0, "All checks passed (0 data-bearing changes).\n")
    done = hook(repo, "- `users`:")
    assert done.returncode == 1
    assert "INV301" in done.stdout
    assert done.stdout.endswith("(1 file, no data-bearing change).\n")
