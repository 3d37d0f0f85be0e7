"""benchmarks/replay.py: adoption, then each data-bearing commit checked as its own range."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import GitRepo

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "replay.py"
INI = "[alembic]\nscript_location = migrations\n"
REVISION = """\
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down}


def upgrade():
    {body}


def downgrade():
    pass
"""


@pytest.fixture(scope="module")
def replay() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_replay", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _revision(repo: GitRepo, rev: str, down: str | None, body: str) -> None:
    text = REVISION.format(rev=rev, down=repr(down), body=body)
    repo.write(f"migrations/versions/{rev}.py", text)


def test_replays_only_data_bearing_commits_and_writes_every_finding(
    replay: ModuleType, repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("alembic.ini", INI)
    _revision(repo, "0001", None, 'op.create_table("users", sa.Column("id", sa.Integer))')
    adoption = repo.commit("users")
    repo.write("README.md", "docs only\n")
    repo.commit("docs")
    _revision(repo, "0002", "0001", 'op.add_column("users", sa.Column("email", sa.Text))')
    repo.commit("email")
    _revision(repo, "0003", "0002", 'op.drop_table("users")')
    dropped = repo.commit("drop")
    out = tmp_path / "findings.json"

    assert replay.main([str(repo.path), adoption, "5", "--out", str(out)]) == 0

    printed = capsys.readouterr().out
    assert "commits replayed: 2; exit codes: 1: 2" in printed
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    by_code = {(f["code"], f["upstream"]) for f in findings}
    assert ("MIG101", dropped) in by_code
    assert any(code == "INV102" for code, _ in by_code)
    assert repo.git("status", "--porcelain") == ""  # the clone was replayed, never the original
