"""Resource limits: oversized files are reported, never parsed; deep nesting never escapes
as a ``RecursionError`` (or a crash); a run grows linearly with the change set."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main

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
- `.env*`: runtime configuration.
"""
CAP = 2048
# One file per detector, each just over the configured cap.
OVERSIZED = {
    "migrations/versions/0002_big.py": ("MIG301", "op.drop_table('users')\n"),
    "db/0002_big.sql": ("MIG301", "DROP TABLE users;\n"),
    "db/schema.sql": ("MIG301", "CREATE TABLE users (id INTEGER);\n"),
    "app/settings.py": ("INV303", "X = os.environ['BIG_TOKEN']\n"),
    ".env.example": ("INV303", "BIG_TOKEN=1\n"),
    "web/app.ts": ("INV303", "const x = process.env.BIG_TOKEN;\n"),
    "docker-compose.yml": ("INV303", "services: {app: {environment: {BIG_TOKEN: 1}}}\n"),
}


def _check(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["check", "--repo", str(repo.path), "--format", "json", *args])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "Traceback" not in err
    report: dict[str, Any] = json.loads(out)
    return report


def test_every_detector_reports_a_file_over_the_cap_and_parses_none(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", "[alembic]\nscript_location = migrations\n")
    repo.write(".inventory-lint.yaml", f"max_file_bytes: {CAP}\n")
    repo.commit("base")
    for path, (_, line) in OVERSIZED.items():
        repo.write(path, line * (CAP // len(line) + 1))
    repo.add()
    report = _check(repo, capsys, "--staged")
    found = {(f["code"], f["path"]) for f in report["findings"]}
    assert found == {(code, path) for path, (code, _) in OVERSIZED.items()}
    # Migrations and snapshots fail closed; other sources are warnings.
    assert all(
        f["severity"] == ("error" if f["code"] == "MIG301" else "warning")
        for f in report["findings"]
    )
    assert all("max_file_bytes" in f["message"] for f in report["findings"])
    # Not parsed: nothing the files hold became a change; a new .env file is still one.
    assert [(c["kind"], c["name"]) for c in report["changes"]] == [("config_file", ".env.example")]


def test_default_cap_is_five_megabytes(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.commit("base")
    line = "X = os.environ['HUGE_TOKEN']\n"
    repo.write("app/huge.py", "import os\n" + line * (5 * 1024 * 1024 // len(line) + 1))
    repo.write("app/fine.py", "import os\n" + line * 1000)
    repo.add()
    report = _check(repo, capsys, "--staged")
    assert [(f["code"], f["path"]) for f in report["findings"]] == [
        ("INV104", "app/fine.py"),
        ("INV303", "app/huge.py"),
    ]


DEPTH = 100_000


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("db/0002_nested.sql", "SELECT " + "(" * DEPTH + "1" + ")" * DEPTH + ";\n"),
        ("db/0003_chain.sql", "UPDATE t SET a = " + " + ".join(["1"] * DEPTH) + ";\n"),
        ("db/0004_case.sql", "SELECT " + "CASE WHEN 1 THEN " * 5000 + "1" + " END" * 5000 + ";"),
        (
            "db/schema.sql",
            "CREATE TABLE t (a INT CHECK (" + "(" * DEPTH + "a" + ")" * DEPTH + "));",
        ),
        ("migrations/versions/0002_deep.py", "x = " + "[" * DEPTH + "]" * DEPTH + "\n"),
        (
            "migrations/versions/0003_chain.py",
            "from alembic import op\nrevision = '3'\ndown_revision = None\n"
            "def upgrade():\n    op.execute('DROP TABLE t' + "
            + " + ".join(["' '"] * DEPTH)
            + ")\n",
        ),
        ("app/deep.py", "import os\nX = " + "(" * DEPTH + "1" + ")" * DEPTH + "\n"),
        ("app/chain.py", "import os\nP = 'storage/' + " + " + ".join(["'a'"] * DEPTH) + "\n"),
        (
            "app/settings.py",
            "import os\nK = os.environ[" + " + ".join(["'A'"] * DEPTH) + "]\n",
        ),
        ("docker-compose.yml", "x: " + "[" * DEPTH + "]" * DEPTH + "\n"),
        ("web/app.ts", "const x = " + "(" * DEPTH + "process.env.DEEP" + ")" * DEPTH + ";\n"),
    ],
    ids=[
        "sql-parentheses",
        "sql-operator-chain",
        "sql-case",
        "snapshot-check",
        "alembic-lists",
        "alembic-concatenation",
        "python-parentheses",
        "python-path-concatenation",
        "python-env-key-concatenation",
        "yaml-flow",
        "javascript",
    ],
)
def test_pathological_nesting_stays_within_the_recursion_limit(
    repo: GitRepo, path: str, text: str, tmp_path: Path
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", "[alembic]\nscript_location = migrations\n")
    repo.commit("base")
    repo.write(path, text)
    repo.add()
    # A child process, so a crash of the interpreter (a C stack overflow) fails the test
    # instead of the test run.
    done = subprocess.run(
        [sys.executable, "-m", "selenite_inventory_lint", "check", "--staged", "--format", "json"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    assert done.stderr == ""
    report = json.loads(done.stdout)
    assert isinstance(report["findings"], list)


SCALE = Path(__file__).parents[2] / "benchmarks" / "scale.py"


@pytest.fixture(scope="module")
def scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_scale", SCALE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_run_time_grows_linearly_with_the_change_set(
    scale: ModuleType, tmp_path: Path, git_env: None
) -> None:
    # benchmarks/scale.py measures 10, 25 and 50 MB (README); CI checks the shape on smaller
    # sizes, in CPU seconds (a loaded machine inflates wall-clock time, not CPU time). Linear
    # growth gives a ratio near 4 (less, with the fixed start-up cost); a quadratic step 16.
    small, large = scale.measure([0.5, 2.0], workdir=tmp_path)
    assert large.files > 3 * small.files
    assert large.cpu_seconds < 8 * small.cpu_seconds, scale.render([small, large])
