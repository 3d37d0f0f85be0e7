"""Vendored and generated code is not the project's (docs/configuration.md `exclude`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from layout_support import INVENTORY, findings, run_json

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import GitRepo

JS = "export const token = process.env.VENDOR_TOKEN;\n"
DROP = "DROP TABLE users;\n"


def test_vendored_and_built_files_are_excluded_by_default(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    base = repo.commit("base")
    for path in (
        "node_modules/left-pad/index.js",
        "web/vendor/chart.js",
        "static/app.min.js",
        "static/app.bundle.js",
        "frontend/dist/main.js",
        "frontend/build/main.js",
    ):
        repo.write(path, JS)
    repo.write("third_party/lib/migrations/0001_init.sql", DROP)
    repo.write(".venv/lib/python3.12/site-packages/pkg/migrations/0001.sql", DROP)
    repo.write("venv/lib/migrations/0001.sql", DROP)
    repo.write("lib/site-packages/pkg/migrations/0001.sql", DROP)
    # The project's own code next to them is still read.
    repo.write("web/app.js", "export const key = process.env.APP_KEY;\n")
    repo.commit("vendored code")
    _code, report, _err = run_json(repo, capsys, "check", "--base", base)
    assert findings(report) == [("INV104", "APP_KEY", "web/app.js")]
    # Setting `exclude` replaces the defaults: what it no longer lists is read again.
    override = tmp_path / "override.yaml"
    override.write_text("exclude: [tests/, node_modules/, venv/, .venv/, dist/, build/]\n")
    _code, report, _err = run_json(repo, capsys, "check", "--base", base, "--config", str(override))
    assert sorted(f for f in findings(report) if f[0] != "INV201") == [
        ("INV104", "APP_KEY", "web/app.js"),
        ("INV104", "VENDOR_TOKEN", "static/app.bundle.js"),  # one finding per variable
        ("MIG101", "users", "lib/site-packages/pkg/migrations/0001.sql"),
        ("MIG101", "users", "third_party/lib/migrations/0001_init.sql"),
    ]


GITATTRIBUTES = """\
libs/** linguist-vendored
libs/ours/** -linguist-vendored
gen/** linguist-generated=true
gen/kept.js linguist-generated=false
db/migrations/*.sql linguist-generated
"""


@pytest.mark.parametrize("side", ["commit", "index", "worktree"])
def test_gitattributes_linguist_marks_of_the_checked_side_are_honoured(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], side: str
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    base = repo.commit("base")
    repo.write(".gitattributes", GITATTRIBUTES)
    repo.write("libs/chart/index.js", JS)
    repo.write("libs/ours/app.js", "export const a = process.env.OURS_KEY;\n")
    repo.write("gen/api.js", "export const b = process.env.GENERATED_KEY;\n")
    repo.write("gen/kept.js", "export const c = process.env.KEPT_KEY;\n")
    # A generated migration still runs against the project's database.
    repo.write("db/migrations/0002_drop.sql", DROP)
    args: tuple[str, ...] = ()
    if side == "commit":
        repo.commit("marked files")
        repo.remove(".gitattributes")  # the commit's attributes count, not the work tree's
        args = ("--base", base)
    elif side == "index":
        repo.add()
        args = ("--staged",)
    _code, report, _err = run_json(repo, capsys, "check", *args)
    assert [f for f in findings(report) if f[0] != "INV201"] == [
        ("MIG101", "users", "db/migrations/0002_drop.sql"),
        ("INV104", "KEPT_KEY", "gen/kept.js"),
        ("INV104", "OURS_KEY", "libs/ours/app.js"),
    ]


def test_a_commits_nested_attributes_are_read_without_reading_its_whole_tree(
    repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    for number in range(30):  # files the attribute reading must not need
        repo.write(f"other/f{number}.txt", "x\n")
    base = repo.commit("base")
    repo.write("gen/.gitattributes", "*.js linguist-generated\n")
    repo.write("gen/api.js", "export const b = process.env.GENERATED_KEY;\n")
    repo.write("libs/ours/.gitattributes", "vendor/** linguist-vendored\n")
    repo.write("libs/ours/vendor/x.js", "export const v = process.env.VENDORED_KEY;\n")
    repo.write("libs/ours/app.js", "export const a = process.env.OURS_KEY;\n")
    repo.commit("nested attributes")
    trace = tmp_path / "trace2"
    monkeypatch.setenv("GIT_TRACE2", str(trace))
    _code, report, _err = run_json(repo, capsys, "check", "--base", base)
    assert [f for f in findings(report) if f[0] != "INV201"] == [
        ("INV104", "OURS_KEY", "libs/ours/app.js"),
    ]
    commands = trace.read_text(encoding="utf-8")
    assert "check-attr" in commands
    assert "read-tree" not in commands  # only the .gitattributes files on the way
