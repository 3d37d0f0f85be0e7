"""Alembic changes are judged by their net effect: cosmetic edits, moved or repeated operations,
reversed renames and dialect branches are not findings (SPEC: findings judge the net effect)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo, MakeRepo

VERSIONS = "db/alembic/versions"
INVENTORY = """\
# Data Inventory

## Database
- `accounts`: account records.
- `accounts.email`: login address.
- `accounts.nickname`: display name.
- `orders`: orders placed.
- `orders.total`: order amount.
- `orders.owner_id`: who placed it.
"""
BASE_REVISION = '''\
"""create accounts and orders"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(200)),
        sa.Column("nickname", sa.String(50)),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("total", sa.Integer()),
        sa.Column("owner_id", sa.Integer()),
    )


def downgrade():
    op.drop_table("orders")
    op.drop_table("accounts")
'''


def revision(number: str, down: str | None, body: str, header: str = "") -> str:
    parent = "None" if down is None else f'"{down}"'
    return (
        f'"""revision {number}"""\nimport sqlalchemy as sa\nfrom alembic import op\n{header}\n'
        f'revision = "{number}"\ndown_revision = {parent}\n\n\ndef upgrade():\n{body}\n\n'
        "def downgrade():\n    pass\n"
    )


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write(f"{VERSIONS}/0001_initial.py", BASE_REVISION)
    repo.commit("base")
    return repo


def check(repo: GitRepo, *args: str) -> tuple[int, list[tuple[str, str, int, int]], list[Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["check", "--repo", str(repo.path), "--format", "json", *args])
    report = json.loads(out.getvalue())
    found = [(f["code"], f["object"]["name"], f["line"], f["column"]) for f in report["findings"]]
    return code, found, report["findings"]


def check_change(repo: GitRepo, files: dict[str, str]) -> list[tuple[str, str, int, int]]:
    for name, text in files.items():
        repo.write(name, text)
    repo.commit("change")
    return check(repo, "--base", "HEAD~1")[1]


# --- noise 2: cosmetic edits of an applied revision are not MIG202 ---------------------------

COSMETIC = {
    "annotations": BASE_REVISION.replace('revision = "0001"', 'revision: str = "0001"')
    .replace("down_revision = None", "down_revision: str | None = None")
    .replace("branch_labels = None", "branch_labels: str | Sequence[str] | None = None")
    .replace("def upgrade():", "def upgrade() -> None:")
    .replace("from alembic import op\n", "from typing import Sequence\n\nfrom alembic import op\n"),
    "import_style": BASE_REVISION.replace(
        "import sqlalchemy as sa\n", "from sqlalchemy import Column, Integer, String\n"
    )
    .replace("sa.Column", "Column")
    .replace("sa.Integer", "Integer")
    .replace("sa.String", "String"),
    "import_order": BASE_REVISION.replace(
        "import sqlalchemy as sa\nfrom alembic import op\n",
        "from alembic import op\nimport sqlalchemy as sa  # the types\n",
    ),
    "docstring_and_format": BASE_REVISION.replace('"""create accounts and orders"""', '"""New."""')
    .replace("def upgrade():", 'def upgrade() -> None:\n    """Create the tables."""')
    .replace(
        '    op.create_table(\n        "orders",', '    # orders\n    op.create_table("orders",'
    )
    .replace('"accounts",\n', "'accounts',\n"),
    # An f-string without a placeholder: a linter drops the f.
    "f_string_without_fields": BASE_REVISION.replace('"accounts",\n', 'f"accounts",\n'),
    # Python 2's u"" prefix dropped by a formatter: the same string.
    "string_prefix": BASE_REVISION.replace('"accounts",\n', 'u"accounts",\n'),
    "sqlalchemy_module_alias": BASE_REVISION.replace(
        "import sqlalchemy as sa\n", "import sqlalchemy as sql\n"
    ).replace("sa.", "sql."),
}


@pytest.mark.parametrize("edit", sorted(COSMETIC))
def test_cosmetic_edit_of_an_applied_revision_is_not_a_finding(project: GitRepo, edit: str) -> None:
    assert COSMETIC[edit] != BASE_REVISION
    assert check_change(project, {f"{VERSIONS}/0001_initial.py": COSMETIC[edit]}) == []


def test_a_real_edit_is_still_mig202_without_re_reporting_old_operations(
    project: GitRepo,
) -> None:
    edited = (
        COSMETIC["import_style"]
        .replace("import Column, Integer, String", "import Column, Integer, String, Text")
        .replace(
            '        Column("owner_id", Integer()),\n    )\n',
            '        Column("owner_id", Integer()),\n    )\n'
            '    op.add_column("orders", Column("note", Text()))\n',
        )
    )
    found = check_change(project, {f"{VERSIONS}/0001_initial.py": edited})
    assert ("MIG202", "0001") in [c[:2] for c in found]
    # Only the new column: the tables the revision always created are not "added" again.
    assert {c[1] for c in found} == {"0001", "orders.note"}


# --- noise 3: operations merely moved are not judged again ----------------------------------

SECOND = revision("0002", "0001", '    op.drop_column("orders", "total")')


def test_an_operation_moved_into_a_dialect_branch_is_not_judged_again(project: GitRepo) -> None:
    project.write(f"{VERSIONS}/0002_drop_total.py", SECOND)
    project.commit("drop total")
    moved = revision(
        "0002",
        "0001",
        "    bind = op.get_bind()\n"
        '    if bind.dialect.name == "sqlite":\n'
        '        op.execute("PRAGMA foreign_keys=OFF")\n'
        '        op.drop_column("orders", "total")\n'
        '        op.execute("PRAGMA foreign_keys=ON")\n'
        "    else:\n"
        '        op.drop_column("orders", "total")\n',
    )
    found = check_change(project, {f"{VERSIONS}/0002_drop_total.py": moved})
    assert [c[:2] for c in found] == [("MIG202", "0002")]


# --- noise 4: a rename and its reversal -----------------------------------------------------


def test_a_table_renamed_and_back_is_no_rename(project: GitRepo) -> None:
    found = check_change(
        project,
        {
            f"{VERSIONS}/0002_rename.py": revision(
                "0002", "0001", '    op.rename_table("orders", "orders_old")'
            ),
            f"{VERSIONS}/0003_rename_back.py": revision(
                "0003", "0002", '    op.rename_table("orders_old", "orders")'
            ),
        },
    )
    assert found == []


def test_a_column_renamed_and_back_is_no_rename(project: GitRepo) -> None:
    body = (
        '    op.alter_column("accounts", "nickname", new_column_name="handle")\n'
        '    op.alter_column("accounts", "handle", new_column_name="nickname")\n'
    )
    found = check_change(project, {f"{VERSIONS}/0002_rename.py": revision("0002", "0001", body)})
    assert found == []


def test_a_chain_of_renames_is_one_rename_where_it_ends(project: GitRepo) -> None:
    body = (
        '    op.rename_table("orders", "orders_old")\n'
        '    op.rename_table("orders_old", "purchases")\n'
        # Touched in between: the reversal is not a no-op, it stays as written.
        '    op.rename_table("accounts", "accounts_tmp")\n'
        '    op.drop_column("accounts_tmp", "nickname")\n'
        '    op.rename_table("accounts_tmp", "accounts")\n'
    )
    project.write(f"{VERSIONS}/0002_rename.py", revision("0002", "0001", body))
    project.commit("change")
    _, found, findings = check(project, "--base", "HEAD~1")
    assert [c[:3] for c in found if c[0] == "MIG103"] == [
        ("MIG103", "orders", 11),
        ("MIG103", "accounts", 12),
        ("MIG103", "accounts_tmp", 14),
    ]
    assert "table orders is renamed to purchases" in [f["message"] for f in findings]


# --- noise 5: one operation in dialect branches is one finding ------------------------------


@pytest.mark.parametrize("recreate", ['recreate="never"', ""])
def test_the_same_operation_in_dialect_branches_is_one_finding(
    project: GitRepo, recreate: str
) -> None:
    body = (
        "    bind = op.get_bind()\n"
        '    if bind.dialect.name == "postgresql":\n'
        '        op.alter_column("orders", "total", type_=sa.SmallInteger(), '
        "existing_type=sa.Integer())\n"
        "    else:\n"
        f'        with op.batch_alter_table("orders", {recreate}) as batch:\n'
        '            batch.alter_column("total", type_=sa.SmallInteger(), '
        "existing_type=sa.Integer())\n"
    )
    found = check_change(project, {f"{VERSIONS}/0002_narrow.py": revision("0002", "0001", body)})
    # Left to recreate="auto", SQLite runs the batch by rebuilding the table: that is MIG105.
    rebuilt = [] if recreate else [("MIG105", "orders")]
    assert [c[:2] for c in found] == [("MIG104", "orders.total"), *rebuilt]


def test_identical_findings_are_reported_once(project: GitRepo) -> None:
    body = '    op.execute("DELETE FROM orders"); op.execute("DELETE FROM orders")'
    text = revision("0002", "0001", body)
    found = check_change(project, {f"{VERSIONS}/0002_purge.py": text})
    assert [c[:3] for c in found] == [("MIG106", "orders", text.splitlines().index(body) + 1)]


# --- noise 11: findings point at the operation -----------------------------------------------


def test_an_operation_in_a_helper_is_reported_on_its_own_line(project: GitRepo) -> None:
    helper = (
        "def _finish():\n"
        '    op.drop_column("orders", "total")\n'
        "    op.execute(\"UPDATE orders SET memo = ''\")\n"
    )
    body = '    op.add_column("orders", sa.Column("memo", sa.Text()))\n    _finish()'
    text = revision("0002", "0001", body).replace(
        "\n\ndef upgrade():", f"\n\n{helper}\n\ndef upgrade():"
    )
    found = check_change(project, {f"{VERSIONS}/0002_finish.py": text})
    lines = text.splitlines()
    drop = lines.index('    op.drop_column("orders", "total")') + 1
    add = lines.index('    op.add_column("orders", sa.Column("memo", sa.Text()))') + 1
    # The helper runs after the column is added: its UPDATE is a backfill, not MIG106.
    assert [f for f in found if f[0] != "MIG107"] == [
        ("INV201", "orders.total", drop, 5),
        ("MIG102", "orders.total", drop, 5),
        ("INV102", "orders.memo", add, 5),
    ]


def test_mig106_names_the_column_of_op_execute(project: GitRepo) -> None:
    body = '    if True: op.execute("DELETE FROM orders")\n'
    text = revision("0002", "0001", body)
    found = check_change(project, {f"{VERSIONS}/0002_purge.py": text})
    line = text.splitlines().index(body.rstrip("\n")) + 1
    assert found == [("MIG106", "orders", line, 14)]


# --- miss 7: a broken down_revision is reported as the cause, not as extra heads -----------


def test_a_broken_down_revision_is_mig203_without_mig201(project: GitRepo) -> None:
    found = check_change(
        project,
        {
            f"{VERSIONS}/0002_nickname.py": revision(
                "0002", "0001", '    op.drop_column("accounts", "nickname")'
            ),
            f"{VERSIONS}/0003_total.py": revision(
                "0003", "0020", '    op.add_column("orders", sa.Column("memo", sa.Text()))'
            ),
        },
    )
    assert [c[:2] for c in found if c[0].startswith("MIG2")] == [("MIG203", "0003")]


def test_two_heads_beside_a_broken_down_revision_are_still_mig201(project: GitRepo) -> None:
    found = check_change(
        project,
        {
            f"{VERSIONS}/0002_a.py": revision("0002", "0001", "    pass"),
            f"{VERSIONS}/0003_b.py": revision("0003", "0001", "    pass"),
            f"{VERSIONS}/0004_c.py": revision("0004", "0099", "    pass"),
        },
    )
    assert sorted(c[:2] for c in found if c[0].startswith("MIG2")) == [
        ("MIG201", "0002"),
        ("MIG201", "0003"),
        ("MIG203", "0004"),
    ]


def test_identical_findings_from_any_detector_are_reported_once(project: GitRepo) -> None:
    found = check_change(
        project, {"db/migrations/0002_purge.sql": "DELETE FROM orders; DELETE FROM orders;\n"}
    )
    assert [c[:3] for c in found] == [("MIG106", "orders", 1)]


# --- miss 6: batch operations SQLite can only run by rebuilding the table -------------------

BATCH_REBUILDS = {
    "alter_column": 'batch.alter_column("total", new_column_name="amount")',
    "drop_column": 'batch.drop_column("total")',
    "create_foreign_key": 'batch.create_foreign_key("fk_owner", "accounts", ["owner_id"], ["id"])',
    "drop_constraint": 'batch.drop_constraint("uq_total", type_="unique")',
    "create_unique_constraint": 'batch.create_unique_constraint("uq_owner", ["owner_id"])',
}


@pytest.mark.parametrize("operation", sorted(BATCH_REBUILDS))
def test_a_batch_sqlite_runs_by_rebuilding_the_table_is_mig105(
    project: GitRepo, operation: str
) -> None:
    body = f'    with op.batch_alter_table("orders") as batch:\n        {BATCH_REBUILDS[operation]}'
    text = revision("0002", "0001", body)
    found = check_change(project, {f"{VERSIONS}/0002_batch.py": text})
    line = text.splitlines().index('    with op.batch_alter_table("orders") as batch:') + 1
    assert ("MIG105", "orders", line, 10) in found


def test_only_batches_that_sqlite_must_rebuild_are_mig105(make_repo: MakeRepo) -> None:
    body = (
        '    with op.batch_alter_table("orders") as batch:\n'
        '        batch.drop_column("total")\n'
        # SQLite adds columns and indexes in place.
        '    with op.batch_alter_table("accounts") as batch:\n'
        '        batch.add_column(sa.Column("memo", sa.Text()))\n'
        '        batch.create_index("ix_accounts_email", ["email"])\n'
        # A table created in the same change holds no data yet.
        '    op.create_table("carts", sa.Column("id", sa.Integer(), primary_key=True))\n'
        '    with op.batch_alter_table("carts") as batch:\n'
        '        batch.create_foreign_key("fk_cart", "accounts", ["id"], ["id"])\n'
    )
    text = revision("0002", "0001", body)
    line = text.splitlines().index('    with op.batch_alter_table("orders") as batch:') + 1
    rebuilt: dict[str, list[tuple[str, str, int, int]]] = {}
    for dialect in ("sqlite", "postgresql"):
        repo = make_repo(dialect)
        repo.write(".inventory-lint.yaml", f"dialect: {dialect}\n")
        repo.write("DATA_INVENTORY.md", INVENTORY)
        repo.write(f"{VERSIONS}/0001_initial.py", BASE_REVISION)
        repo.commit("base")
        found = check_change(repo, {f"{VERSIONS}/0002_batch.py": text})
        assert ("MIG102", "orders.total") in [c[:2] for c in found]
        rebuilt[dialect] = [c for c in found if c[0] == "MIG105"]
    assert rebuilt == {"sqlite": [("MIG105", "orders", line, 10)], "postgresql": []}


# --- miss 2: dynamic SQL is folded where it can be, and named where it cannot ---------------


def test_f_string_sql_of_module_constants_is_read(project: GitRepo) -> None:
    header = 'SCHEMA, TABLE = "main", "orders"\n'
    body = '    op.execute(f"DELETE FROM {SCHEMA}.{TABLE} WHERE total IS NULL")'
    text = revision("0002", "0001", body, header=header)
    found = check_change(project, {f"{VERSIONS}/0002_purge.py": text})
    assert [c[:3] for c in found] == [("MIG106", "orders", text.splitlines().index(body) + 1)]


@pytest.mark.parametrize("loop", ["TABLES", "sorted(TABLES)"])
def test_sql_built_in_a_loop_over_literal_table_names_is_unrolled(
    project: GitRepo, loop: str
) -> None:
    header = 'TABLES = ["orders", "accounts"]\n'
    body = f'    for name in {loop}:\n        op.execute(f"DELETE FROM {{name}}")'
    text = revision("0002", "0001", body, header=header)
    found = check_change(project, {f"{VERSIONS}/0002_purge.py": text})
    line = text.splitlines().index('        op.execute(f"DELETE FROM {name}")') + 1
    assert [c[:4] for c in found] == [
        ("MIG106", "accounts", line, 9),
        ("MIG106", "orders", line, 9),
    ]


@pytest.mark.parametrize(
    ("header", "body"),
    [
        (
            "TABLES = load_tables()\n",
            '    for name in TABLES:\n        op.execute(f"DELETE FROM {name}")',
        ),
        ("", '    name = context.get_x_argument()[0]\n    op.execute(f"DELETE FROM {name}")'),
        ('TABLE = "orders"\n', '    op.execute(f"DELETE FROM {TABLE!r}")'),
    ],
    ids=["loop_over_a_call", "run_time_argument", "repr_conversion"],
)
def test_dynamic_sql_that_does_not_fold_is_mig301_at_its_line(
    project: GitRepo, header: str, body: str
) -> None:
    text = revision("0002", "0001", body, header=header)
    project.write(f"{VERSIONS}/0002_purge.py", text)
    project.commit("change")
    _, found, findings = check(project, "--base", "HEAD~1")
    last = body.splitlines()[-1]
    at = (text.splitlines().index(last) + 1, len(last) - len(last.lstrip()) + 1)
    assert [c[:4] for c in found] == [("MIG301", f"{VERSIONS}/0002_purge.py", *at)]
    assert "the analysis is incomplete here" in findings[0]["message"]


# --- an edited revision is judged with the operations it already had ------------------------


def test_a_backfill_added_to_a_revision_that_adds_the_column_is_not_destructive(
    project: GitRepo,
) -> None:
    """Where the edited revision was never applied it runs whole (add nullable → backfill →
    NOT NULL: the safe pattern); where it was, the new lines never run. Either way only the
    edit itself (MIG202) is worth a reviewer's look."""
    add = '    op.add_column("orders", sa.Column("flagged", sa.Boolean(), nullable=True))'
    first = revision("0002", "0001", add)
    project.write(f"{VERSIONS}/0002_flag.py", first)
    project.commit("add the column")
    backfill = (
        f"{add}\n"
        '    op.execute("UPDATE orders SET flagged = 0")\n'
        '    op.alter_column("orders", "flagged", existing_type=sa.Boolean(), nullable=False)'
    )
    found = check_change(project, {f"{VERSIONS}/0002_flag.py": revision("0002", "0001", backfill)})
    assert [c[:2] for c in found] == [("MIG202", "0002")]
