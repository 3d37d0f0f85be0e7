"""`audit` parses each Python file once, however many readers it has: the detectors that
claim it and, for a models module, the SQLAlchemy model reader."""

from __future__ import annotations

import ast
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = """\
# Inventory

## Database (SQLite)
- `users`: accounts.
- `users.phone`: contact number.

## Configuration & State
- `SECRET_KEY`: signing key.
- `UPLOADS_DIR`: where uploads go.
"""
FILES = {
    "alembic/versions/0001_users.py": (
        'import os\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = "0001"\n'
        'down_revision = None\nSTORE = os.getenv("UPLOADS_DIR")\n\n\ndef upgrade():\n'
        '    op.create_table("users", sa.Column("id", sa.Integer()),'
        ' sa.Column("phone", sa.Text()))\n'
    ),
    "app/settings.py": 'import os\n\nKEY = os.environ["SECRET_KEY"]\n',
    "app/models.py": (
        "import os\nfrom sqlalchemy import Column, Integer, Text\n"
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
        'MEDIA = os.getenv("UPLOADS_DIR")\n\n\nclass User(Base):\n    __tablename__ = "users"\n'
        "    id = Column(Integer)\n    phone = Column(Text)\n"
    ),
    "app/plain.py": "def twice(x):\n    return 2 * x\n",
}


def test_audit_parses_every_python_file_once(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", "[alembic]\nscript_location = alembic\n")
    for path, text in FILES.items():
        repo.write(path, text)
    repo.commit("a small application")
    parses: Counter[str] = Counter()
    parse = ast.parse

    def counted(source: Any, *args: Any, **kwargs: Any) -> ast.Module:
        parses[source if isinstance(source, str) else source.decode()] += 1
        return parse(source, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(ast, "parse", counted)
    code = main(["audit", "--repo", str(repo.path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("All checks passed (")
    by_file = {path: parses[text] for path, text in FILES.items()}
    assert by_file == dict.fromkeys(FILES, 1)
    assert sum(parses.values()) == len(FILES)


def test_a_models_module_that_does_not_parse_is_still_inv303(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("app/models.py", 'class User(Base:\n    __tablename__ = "users"\n')
    repo.commit("broken models")
    assert main(["audit", "--repo", str(repo.path), "--select", "INV303"]) == 0  # warnings
    out = capsys.readouterr().out
    assert "app/models.py:1:1: INV303 cannot parse app/models.py: invalid syntax" in out
