"""Vendored and generated code is not the project's (docs/configuration.md `exclude`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from layout_support import INVENTORY, findings, run_json

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
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
