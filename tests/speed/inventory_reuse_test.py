"""One run builds each inventory's coverage (the object → entry lookups) once, however many
stages ask: detection, the rules and the review's ``--fix`` patch. Builds are counted, never
timed: each costs a pass over every entry, so a 4,000-entry inventory paid it three times."""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING

from selenite_inventory_lint.cli import main
from selenite_inventory_lint.inventory import coverage, parse

if TYPE_CHECKING:
    import pytest
    from conftest import GitRepo

    from selenite_inventory_lint.inventory.parse import Inventory

INVENTORY = "# Data Inventory (Living)\n\n## Configuration & State\n" + "".join(
    f"- `SETTING_{index:03d}`: a setting.\n" for index in range(50)
)


def test_a_run_builds_each_coverage_once(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("app/settings.py", 'import os\n\nA = os.getenv("SETTING_001")\n')
    repo.commit("base")
    repo.write(
        "app/settings.py", 'import os\n\nA = os.getenv("SETTING_001")\nB = os.getenv("NEW")\n'
    )
    repo.add()
    built: list[int] = []
    real = coverage.Coverage.__init__

    def counting(self: coverage.Coverage, inventory: Inventory) -> None:
        built.append(len(inventory.entries))
        real(self, inventory)

    monkeypatch.setattr(coverage.Coverage, "__init__", counting)
    parses = parse.PARSES[0]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["check", "--staged", "--repo", str(repo.path)])
    assert code == 1
    assert "INV104 environment variable NEW" in out.getvalue()
    assert "1 fixable with `--fix`" in out.getvalue()
    # The inventory at head, and the one the review's patch would write (one stub more).
    assert built == [50, 51]
    # The patched text is plain Markdown: only its stub line is read, not every entry again.
    assert parse.PARSES[0] - parses == 1
