"""`Model.__table__.create(bind)` in a revision creates the table the model declares: read from
the model's module at the head (never imported), it is judged like `op.create_table`; a model
that cannot be found stays MIG301."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from destructive_test import VERSIONS, change, check, codes, project, revision, upgrade

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    import pytest
    from conftest import GitRepo

MODEL = """\
import sqlalchemy as sa
from app.db import Base


class UserSettings(Base):
    __tablename__ = "user_settings"

    id = sa.Column(sa.Integer, primary_key=True)
    theme = sa.Column(sa.String(16))
"""

CREATE = """\
bind = op.get_bind()
if "user_settings" not in sa.inspect(bind).get_table_names():
    from app.models.user_settings import UserSettings

    UserSettings.__table__.create(bind, checkfirst=True)
"""


def test_a_models_table_created_by_a_revision_is_read_from_the_model(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    repo.write("backend/app/models/user_settings.py", MODEL)
    change(repo, upgrade(CREATE))
    _, report = check(repo, capsys)
    assert codes(report) == [("INV101", 13)]
    assert [f["message"] for f in report["findings"]] == [
        "table user_settings is added but not in the inventory"
    ]


def test_a_model_that_cannot_be_found_stays_mig301(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    change(repo, upgrade(CREATE))
    _, report = check(repo, capsys)
    assert [c for c, _ in codes(report)] == ["MIG301"]


HELPER = """\
from app.schema_helpers import column_names

columns = column_names(op=op, table="orders")
if "memo" not in columns:
    op.add_column("orders", sa.Column("memo", sa.Text()))
"""


def test_op_handed_to_a_declared_guard_function_is_no_indirect_use(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """An imported helper handed ``op`` fails closed (MIG301) until `guard_functions` says it
    only reads the schema (docs/configuration.md)."""
    project(repo)
    change(repo, upgrade(HELPER))
    _, report = check(repo, capsys)
    assert [c for c, _ in codes(report)] == ["MIG301"]
    config = repo.path.parent / "lint.yaml"
    config.write_text("guard_functions: [column_names]\n", encoding="utf-8")
    argv = ["check", "--repo", str(repo.path), "--base", "HEAD~1", "--config", str(config)]
    main([*argv, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert codes(report) == []


DEDENTED = """\
op.execute(
    dedent(
        '''
        UPDATE orders
        SET status = 'archived'
        WHERE status = 'done'
        '''
    )
)
"""


def dedented(tail: str = "") -> dict[str, str]:
    """The revision running ``DEDENTED``, ``dedent`` imported from textwrap, then ``tail``."""
    return {
        name: text.replace(
            "import sqlalchemy as sa\n", "import sqlalchemy as sa\nfrom textwrap import dedent\n"
        )
        + tail
        for name, text in upgrade(DEDENTED).items()
    }


def test_sql_dedented_by_textwrap_is_read(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    change(repo, dedented())
    _, report = check(repo, capsys)
    assert [c for c, _ in codes(report)] == ["MIG110"]


def test_a_local_dedent_is_not_trusted(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """A function the revision defines could return other SQL than its argument: MIG301."""
    project(repo)
    change(repo, dedented("\n\ndef dedent(sql):\n    return 'DROP TABLE orders'\n"))
    _, report = check(repo, capsys)
    assert [c for c, _ in codes(report)] == ["MIG301"]


def test_a_model_is_read_by_the_parent_when_a_worker_finds_the_revision(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked worker cannot read the model's module (the parent's git processes): it sends
    the revision back (parallel.InParent), and the findings are those of one process."""
    from selenite_inventory_lint import parallel

    project(repo)
    repo.write("backend/app/models/user_settings.py", MODEL)
    steps = {
        f"{VERSIONS}/{n:04d}_step.py": revision(f"{n:04d}", f"{n - 1:04d}", "pass")
        for n in range(2, 40)
    }
    change(repo, {**steps, **{f"{VERSIONS}/0040_settings.py": revision("0040", "0039", CREATE)}})
    reports = []
    for threshold in (parallel.MIN_PARALLEL_BYTES, 0):
        monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", threshold)
        reports.append(check(repo, capsys))
    assert reports[0] == reports[1]
    assert [f["message"] for f in reports[0][1]["findings"]] == [
        "table user_settings is added but not in the inventory"
    ]
