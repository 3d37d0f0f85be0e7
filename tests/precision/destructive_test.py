"""Destructive rules fire on what loses data, not on its look-alikes (docs/rules.md): MIG107
is a policy, widening a type is not MIG104, a backfill is not MIG106/MIG110, and an UPDATE
that overwrites values is MIG110 whatever its WHERE. Tiny real repositories, the real CLI."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

VERSIONS = "backend/alembic/versions"
DATABASE = "## Database (SQLite)\n- `orders`, `orders.*`: customer orders and their totals.\n"
INVENTORY = f"# Data inventory\n\n{DATABASE}"
IDEMPOTENT = (
    "# Data inventory\n\n## Invariants\n"
    "- Production data must never be overwritten by dev data.\n"
    "- Migrations must be additive/Idempotent unless an approved data plan exists.\n\n"
    f"{DATABASE}"
)
BASE_UPGRADE = """\
op.create_table(
    "orders",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(16)),
    sa.Column("code", sa.String(50)),
    sa.Column("total", sa.Numeric(10, 2)),
    sa.Column("qty", sa.SmallInteger()),
    sa.Column("note", sa.Text()),
)
"""


def revision(rev: str, down: str | None, upgrade: str) -> str:
    body = textwrap.indent(textwrap.dedent(upgrade).strip("\n"), "    ")
    return (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n\n\ndef upgrade():\n{body}\n"
    )


def project(repo: GitRepo, *, inventory: str = INVENTORY, config: str | None = None) -> None:
    repo.write("DATA_INVENTORY.md", inventory)
    repo.write("alembic.ini", "[alembic]\nscript_location = backend/alembic\n")
    repo.write(f"{VERSIONS}/0001_orders.py", revision("0001", None, BASE_UPGRADE))
    if config is not None:
        repo.write(".inventory-lint.yaml", config)
    repo.commit("base")


def change(repo: GitRepo, files: dict[str, str]) -> None:
    for name, text in files.items():
        repo.write(name, text)
    repo.commit("change")


def upgrade(body: str) -> dict[str, str]:
    return {f"{VERSIONS}/0002_change.py": revision("0002", "0001", body)}


def check(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def codes(report: dict[str, Any], *only: str) -> list[tuple[str, int]]:
    return [(f["code"], f["line"]) for f in report["findings"] if not only or f["code"] in only]


# --- noise 1: MIG107 is a policy -----------------------------------------------------------

UNGUARDED_ADD = 'op.add_column("orders", sa.Column("phone", sa.String(32), nullable=True))'


@pytest.mark.parametrize(
    ("inventory", "config", "expected"),
    [
        pytest.param(IDEMPOTENT, None, [("MIG107", 9)], id="invariants-ask"),
        pytest.param(INVENTORY, None, [], id="no-invariant"),
        pytest.param(INVENTORY, "require_idempotent: true\n", [("MIG107", 9)], id="config-on"),
        pytest.param(IDEMPOTENT, "require_idempotent: false\n", [], id="config-off"),
    ],
)
def test_mig107_runs_only_when_the_invariants_or_the_config_ask(
    repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    inventory: str,
    config: str | None,
    expected: list[tuple[str, int]],
) -> None:
    project(repo, inventory=inventory, config=config)
    change(repo, upgrade(UNGUARDED_ADD))
    code, report = check(repo, capsys)
    assert codes(report) == expected
    assert code == 0  # a warning at most


def test_switching_mig107_off_inside_a_range_waits_for_the_merge(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo, inventory=IDEMPOTENT)
    change(repo, {**upgrade(UNGUARDED_ADD), ".inventory-lint.yaml": "require_idempotent: false\n"})
    _, report = check(repo, capsys)
    assert codes(report, "MIG107") == [("MIG107", 9)]
    [sup] = [f for f in report["findings"] if f["code"] == "SUP102"]
    assert "require_idempotent" in sup["message"]


def test_require_idempotent_must_be_true_or_false(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo, config="require_idempotent: sometimes\n")
    change(repo, upgrade(UNGUARDED_ADD))
    code = main(["check", "--repo", str(repo.path), "--base", "HEAD~1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "'require_idempotent' must be true or false" in err
    assert "Traceback" not in err


# --- noise 6: widening a type is not MIG104 -------------------------------------------------


@pytest.mark.parametrize(
    "alter",
    [
        'op.alter_column("orders", "code", type_=sa.String(255), existing_type=sa.String(50))',
        'op.alter_column("orders", "code", type_=sa.Text(), existing_type=sa.String(50))',
        'op.alter_column("orders", "code", type_=sa.String(), existing_type=sa.String(50))',
        'op.alter_column("orders", "code", type_=sa.TEXT(), existing_type=sa.VARCHAR())',
        'op.alter_column("orders", "id", type_=sa.BigInteger(), existing_type=sa.Integer())',
        'op.alter_column("orders", "qty", type_=sa.Integer(), existing_type=sa.SmallInteger())',
        'op.alter_column("orders", "qty", type_=sa.Float(), existing_type=sa.INTEGER())',
        'op.alter_column("orders", "total", type_=sa.Numeric(12, 2), '
        "existing_type=sa.Numeric(10, 2))",
        'with op.batch_alter_table("orders") as batch:\n'
        '    batch.alter_column("code", type_=sa.String(length=80), '
        "existing_type=sa.String(length=50))",
    ],
)
def test_widening_a_column_type_in_alembic_is_not_mig104(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], alter: str
) -> None:
    project(repo)
    change(repo, upgrade(alter))
    _, report = check(repo, capsys)
    # (On SQLite the batch form is a table rebuild, MIG105: a concern of its own.)
    assert codes(report, "MIG104") == []


@pytest.mark.parametrize(
    ("alter", "message"),
    [
        (
            'op.alter_column("orders", "code", type_=sa.String(20), existing_type=sa.String(50))',
            "column orders.code changes type from VARCHAR(50) to VARCHAR(20)",
        ),
        (
            'op.alter_column("orders", "note", type_=sa.Integer(), existing_type=sa.Text())',
            "column orders.note changes type from TEXT to INTEGER",
        ),
        (
            'op.alter_column("orders", "total", type_=sa.Numeric(12, 4), '
            "existing_type=sa.Numeric(10, 2))",
            "column orders.total changes type from NUMERIC(10, 2) to NUMERIC(12, 4)",
        ),
        (
            'op.alter_column("orders", "id", type_=sa.Integer(), existing_type=sa.BigInteger())',
            "column orders.id changes type from BIGINT to INTEGER",
        ),
        (
            'op.alter_column("orders", "id", type_=sa.Float(), existing_type=sa.BigInteger())',
            "column orders.id changes type from BIGINT to FLOAT",
        ),
        (
            'op.alter_column("orders", "code", type_=sa.Text(), existing_type=sa.String(50), '
            "nullable=False)",
            "column orders.code is made NOT NULL",
        ),
        (
            'op.alter_column("orders", "code", type_=sa.Text())',
            "column orders.code changes type to TEXT (its old type is unknown, so a widening "
            "cannot be told)",
        ),
    ],
)
def test_narrowing_incompatible_not_null_or_unknown_old_type_stays_mig104(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], alter: str, message: str
) -> None:
    project(repo)
    change(repo, upgrade(alter))
    code, report = check(repo, capsys)
    assert [f["message"] for f in report["findings"] if f["code"] == "MIG104"] == [message]
    assert code == 1


def _with_downgrade(upgrade_body: str, downgrade_body: str) -> dict[str, str]:
    text = revision("0002", "0001", upgrade_body)
    return {f"{VERSIONS}/0002_change.py": f"{text}\n\ndef downgrade():\n    {downgrade_body}\n"}


@pytest.mark.parametrize(
    ("downgrade", "expected"),
    [
        # downgrade() says what the column was: a widening, not reported.
        ('op.alter_column("orders", "code", type_=sa.String(length=128))', []),
        # Back to a wider type: the upgrade narrows.
        (
            'op.alter_column("orders", "code", type_=sa.Text())',
            ["column orders.code changes type from TEXT to VARCHAR(256)"],
        ),
        # downgrade() names no type for the column: still unknown, still reported.
        (
            'op.drop_column("orders", "memo")',
            [
                "column orders.code changes type to VARCHAR(256) (its old type is unknown, so "
                "a widening cannot be told)"
            ],
        ),
    ],
)
def test_the_old_type_is_read_from_downgrade_when_existing_type_is_missing(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], downgrade: str, expected: list[str]
) -> None:
    project(repo)
    change(
        repo,
        _with_downgrade(
            'op.alter_column("orders", "code", type_=sa.String(length=256))', downgrade
        ),
    )
    _, report = check(repo, capsys)
    assert [f["message"] for f in report["findings"] if f["code"] == "MIG104"] == expected


SNAPSHOT = "CREATE TABLE orders (id {id}, code {code}, total {total}, note {note});\n"
WIDE = {"id": "INTEGER", "code": "VARCHAR(50)", "total": "NUMERIC(10, 2)", "note": "TEXT"}


@pytest.mark.parametrize(
    ("column", "new", "expected"),
    [
        ("code", "VARCHAR(255)", []),
        ("code", "TEXT", []),
        ("id", "BIGINT", []),
        ("total", "DECIMAL(12, 2)", []),
        ("code", "VARCHAR(10)", [("MIG104", 1)]),
        ("note", "INTEGER", [("MIG104", 1)]),
    ],
)
def test_schema_snapshot_type_changes_judge_widening(
    repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    column: str,
    new: str,
    expected: list[tuple[str, int]],
) -> None:
    repo.write("db/schema.sql", SNAPSHOT.format(**WIDE))
    project(repo)
    change(repo, {"db/schema.sql": SNAPSHOT.format(**{**WIDE, column: new})})
    _, report = check(repo, capsys)
    assert codes(report, "MIG104") == expected


@pytest.mark.parametrize(
    ("new_code", "expected"),
    [("VARCHAR(255)", ["MIG105"]), ("VARCHAR(20)", ["MIG104", "MIG105"])],
)
def test_a_sqlite_rebuild_that_widens_a_column_is_mig105_only(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], new_code: str, expected: list[str]
) -> None:
    repo.write("db/migrations/0001.sql", "CREATE TABLE items (id INTEGER, code VARCHAR(50));\n")
    project(repo, inventory=INVENTORY + "- `items`, `items.*`: catalogue items.\n")
    rebuild = (
        f"CREATE TABLE items_new (id INTEGER, code {new_code});\n"
        "INSERT INTO items_new (id, code) SELECT id, code FROM items;\n"
        "DROP TABLE items;\n"
        "ALTER TABLE items_new RENAME TO items;\n"
    )
    change(repo, {"db/migrations/0002.sql": rebuild})
    _, report = check(repo, capsys)
    assert sorted(c for c, _ in codes(report, *DESTRUCTIVE)) == expected


def test_sql_alter_column_type_has_no_old_type_and_stays_mig104(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    change(repo, {"db/migrations/0002.sql": "ALTER TABLE orders ALTER COLUMN code TYPE TEXT;\n"})
    repo.write(".inventory-lint.yaml", "dialect: postgres\n")
    repo.commit("dialect")
    code = main(["check", "--repo", str(repo.path), "--base", "HEAD~2", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    [finding] = [f for f in report["findings"] if f["code"] == "MIG104"]
    assert "old type is unknown" in finding["message"]
    assert code == 1


# --- noise 9: a backfill of a column added earlier is not destructive -------------------------

BACKFILLS = {
    "loop-of-bounded-text-updates": """\
        op.add_column("orders", sa.Column("region", sa.String(8), nullable=True))
        for order_id, region in [(1, "eu"), (2, "us")]:
            op.execute(
                sa.text("UPDATE orders SET region = :v WHERE id = :id").bindparams(
                    v=region, id=order_id
                )
            )
        op.alter_column("orders", "region", nullable=False, existing_type=sa.String(8))
    """,
    "loop-of-core-updates": """\
        op.add_column("orders", sa.Column("region", sa.String(8), nullable=True))
        conn = op.get_bind()
        orders = sa.table("orders", sa.column("id"), sa.column("region"))
        for row in conn.execute(sa.text("SELECT id FROM orders")).fetchall():
            conn.execute(orders.update().where(orders.c.id == row.id).values(region="eu"))
        op.alter_column("orders", "region", nullable=False, existing_type=sa.String(8))
    """,
    "blanket-update-then-not-null": """\
        op.add_column("orders", sa.Column("region", sa.String(8), nullable=True))
        op.execute("UPDATE orders SET region = 'eu'")
        op.alter_column("orders", "region", nullable=False)
    """,
    "all-under-one-existence-guard": """\
        bind = op.get_bind()
        columns = [c["name"] for c in sa.inspect(bind).get_columns("orders")]
        if "region" not in columns:
            op.add_column("orders", sa.Column("region", sa.String(8), nullable=True))
            op.execute("UPDATE orders SET region = 'eu' WHERE id > 0")
            op.alter_column("orders", "region", nullable=False)
    """,
    "fill-only-the-nulls-of-an-old-column": """\
        op.execute("UPDATE orders SET status = 'new' WHERE status IS NULL AND id > 0")
    """,
}
DESTRUCTIVE = ("MIG101", "MIG102", "MIG103", "MIG104", "MIG105", "MIG106", "MIG108", "MIG110")


@pytest.mark.parametrize("body", BACKFILLS.values(), ids=BACKFILLS.keys())
def test_a_backfill_is_not_destructive(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    project(repo)
    change(repo, upgrade(body))
    _, report = check(repo, capsys)
    assert codes(report, *DESTRUCTIVE) == []


@pytest.mark.parametrize(
    "body", [BACKFILLS["loop-of-bounded-text-updates"], BACKFILLS["loop-of-core-updates"]]
)
def test_the_same_loop_on_a_column_that_holds_data_is_mig110(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    project(repo)
    old_column = "\n".join(
        line.replace("region", "status")
        for line in textwrap.dedent(body).splitlines()
        if "add_column" not in line and "alter_column" not in line
    )
    change(repo, upgrade(old_column))
    code, report = check(repo, capsys)
    assert {c for c, _ in codes(report, *DESTRUCTIVE)} == {"MIG110"}
    assert code == 1


# --- miss 1: MIG110, an UPDATE or upsert that overwrites values -----------------------------

OVERWRITES = {
    "update-with-where": (
        "UPDATE orders SET status = 'archived' WHERE status IN ('done', 'paid');",
        "existing values of table orders are overwritten (status)",
    ),
    "upsert": (
        "INSERT INTO orders (id, status) VALUES (1, 'new') "
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status;",
        "existing rows of table orders are overwritten (status)",
    ),
    "replace": (
        "INSERT OR REPLACE INTO orders (id, status) VALUES (1, 'new');",
        "existing rows of table orders are replaced (REPLACE)",
    ),
}


@pytest.mark.parametrize(("sql", "message"), OVERWRITES.values(), ids=OVERWRITES.keys())
def test_sql_that_overwrites_existing_values_is_mig110(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], sql: str, message: str
) -> None:
    project(repo)
    change(repo, {"db/migrations/0002_archive.sql": f"SELECT 1;\n{sql}\n"})
    code, report = check(repo, capsys)
    assert [(f["code"], f["line"], f["message"]) for f in report["findings"]] == [
        ("MIG110", 2, message)
    ]
    assert report["findings"][0]["object"] == {"kind": "table", "name": "orders"}
    assert code == 1


def test_core_and_orm_updates_with_where_are_mig110_unless_they_fill_nulls(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    body = """\
        orders = sa.table("orders", sa.column("id"), sa.column("status"))
        op.execute(orders.update().where(orders.c.status == "done").values(status="archived"))
        conn = op.get_bind()
        conn.execute(orders.update().where(orders.c.status.is_(None)).values(status="new"))
        conn.execute(
            orders.update()
            .where(sa.and_(orders.c.id > 3, sa.column("status") == None))
            .values(status="new")
        )
        conn.execute(orders.update().where(orders.c.id.is_(None)).values(status="new"))
        session = sa.orm.Session(bind=conn)
        session.query(Order).filter(Order.id == 1).update({"total": 0})
    """
    files = upgrade(body)
    [(name, text)] = files.items()
    model = "class Order:\n    __tablename__ = 'orders'\n\n\ndef upgrade():"
    change(repo, {name: text.replace("def upgrade():", model)})
    _, report = check(repo, capsys)
    # An IS NULL on another column than the one set restricts rows, it fills nothing.
    assert codes(report) == [("MIG110", 14), ("MIG110", 22), ("MIG110", 24)]


def test_update_without_where_stays_mig106_not_mig110(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    change(repo, {"db/migrations/0002_reset.sql": "UPDATE orders SET status = 'new';\n"})
    _, report = check(repo, capsys)
    assert codes(report) == [("MIG106", 1)]


def test_a_data_plan_naming_update_rows_covers_mig110(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    migration = "db/migrations/0002_archive.sql"
    change(
        repo,
        {
            migration: "UPDATE orders SET status = 'archived' WHERE status = 'done';\n",
            "docs/data-plans/DP-2026-010.md": (
                "---\nid: DP-2026-010\n"
                f"migrations: [{migration}]\n"
                "operations: [update_rows orders]\n"
                "approved_by: [lead@example.com]\napproved_on: 2026-02-01\n"
                "backup: storage/backups/2026-02-01/\nrollback: restore the backup\n---\n"
            ),
        },
    )
    _, report = check(repo, capsys)
    [finding] = [f for f in report["findings"] if f["code"] == "MIG110"]
    assert finding["covered_by_plan"] == "DP-2026-010"
