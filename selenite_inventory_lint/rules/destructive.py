"""MIG1xx: forward migrations that can lose or lock production data.

Only `upgrade()` and forward SQL reach these rules (detectors drop the rest). A table created
unconditionally earlier in the same change holds no production data yet, so MIG101 to MIG106,
MIG108 and MIG110 skip it and its columns (docs/rules.md); a create under an existence guard may
meet an existing table and gets no such pass.
"""

from __future__ import annotations

from collections.abc import Iterator

from selenite_inventory_lint.model import Change
from selenite_inventory_lint.patterns import lazy
from selenite_inventory_lint.rules.context import Hit, RuleContext
from selenite_inventory_lint.rules.undocumented import split_column


def _table_of(change: Change) -> str:
    if change.kind == "column":
        return split_column(
            change.old_name if change.action == "renamed" and change.old_name else change.name
        )[0]
    if change.action == "renamed" and change.old_name:
        return change.old_name
    return change.name


def _fresh(change: Change, ctx: RuleContext) -> bool:
    """Is the object of ``change`` new in this change, so no production data is at stake?"""
    if ctx.created_before(change, table=_table_of(change)):
        return True
    if change.kind == "column":
        name = change.old_name if change.action == "renamed" and change.old_name else change.name
        # Under the same existence guard as the add, the change meets only the new column.
        return ctx.column_added_before(change, name, guard=change.guard)
    return False


def _hit(change: Change, message: str, operation: str, name: str | None = None) -> Hit:
    target = name or change.name
    return Hit(
        message=message,
        path=change.path,
        line=change.line,
        column=change.column,
        object_kind=change.kind,
        object_name=target,
        migration=change.migration,
        operation=f"{operation} {target}",
    )


def dropped_table(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A forward migration drops a table that existed before the change.

    ## Why
    Dropping a table deletes every row in it. Unless an approved data plan records a verified
    backup and a rollback, the data is gone the moment the migration runs in production.

    ## Example
    ```python
    def upgrade():
        op.drop_table("feedback_attachments")
    ```
    passes only with a data plan such as:
    ```yaml
    migrations: [20260201_drop_feedback_attachments]
    operations: [drop_table feedback_attachments]
    approved_by: [lead@example.com]
    approved_on: 2026-02-01
    backup: storage/backups/2026-02-01/
    rollback: restore backup, then downgrade to 20260131
    ```

    ## Fix
    Keep the table (stop writing to it instead), or write and get approval for a data plan
    under `docs/data-plans/` that names this migration and operation.
    """
    for change in ctx.ordered:
        if change.kind == "table" and change.action == "dropped" and not _fresh(change, ctx):
            yield _hit(change, f"table {change.name} is dropped", "drop_table")


def dropped_column(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A forward migration drops a column of a table that existed before the change.

    ## Why
    The column's values are deleted for every row. On SQLite the drop also rebuilds the
    table. Without a backup and a rollback plan the data cannot be recovered.

    ## Example
    ```python
    def upgrade():
        op.drop_column("users", "last_seen_at")
    ```

    ## Fix
    Stop using the column first and drop it later under an approved data plan
    (`operations: [drop_column users.last_seen_at]`), or keep it.
    """
    for change in ctx.ordered:
        if change.kind == "column" and change.action == "dropped" and not _fresh(change, ctx):
            yield _hit(change, f"column {change.name} is dropped", "drop_column")


def renamed_object(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A forward migration renames a table or a column.

    ## Why
    A rename breaks every reader that still uses the old name — older application
    versions during a rolling deploy, backup and export scripts, reports. It is destructive
    for anyone who is not upgraded in the same instant.

    ## Example
    ```python
    def upgrade():
        op.alter_column("users", "email", new_column_name="login_email")
    ```

    ## Fix
    Prefer add-new / backfill / switch readers / drop-old over a rename; if the rename is
    intended, record it in a data plan (`operations: [rename_column users.email]`) and rename
    the inventory entry.
    """
    for change in ctx.ordered:
        if change.action != "renamed" or change.kind not in ("table", "column"):
            continue
        if _fresh(change, ctx):
            continue
        old = change.old_name or change.name
        yield _hit(
            change,
            f"{change.kind} {old} is renamed to {change.name}",
            f"rename_{change.kind}",
            name=old,
        )


def _normal_type(text: str | None) -> str:
    return "".join((text or "").lower().split())


_TYPE = lazy(r"([a-z][a-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?")
# Integer types by size: a later one holds every value of an earlier one.
_INTEGERS = {"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "integer": 4, "bigint": 5}
_VARCHARS = frozenset({"varchar", "character varying", "nvarchar", "string", "unicode"})
_TEXTS = frozenset({"text", "clob", "mediumtext", "longtext", "unicodetext"})
_DECIMALS = frozenset({"numeric", "decimal"})
# Double-precision types hold every 32-bit integer exactly (a 53-bit mantissa); BIGINT is left
# out, its values above 2**53 would be rounded.
_DOUBLES = frozenset({"float", "double", "double precision", "real"})


def _widened(old: str, new: str) -> bool:
    """Does type ``new`` hold every value of ``old`` unchanged (longer VARCHAR, VARCHAR→TEXT,
    INTEGER→BIGINT, more NUMERIC precision at the same scale)? Anything else, an unknown type
    or an argument that is not a plain number included, is not a widening."""
    parsed = []
    for text in (old, new):
        match = _TYPE().fullmatch(" ".join(text.lower().split()))
        if match is None:
            return False
        name, first, second = match.groups()
        parsed.append((name, None if first is None else int(first), second))
    (old_name, old_size, old_scale), (new_name, new_size, new_scale) = parsed
    if old_name in _INTEGERS and new_name in _INTEGERS:
        return old_size is None and new_size is None and _INTEGERS[new_name] > _INTEGERS[old_name]
    if old_name in _INTEGERS and new_name in _DOUBLES:
        return old_size is None and new_size is None and _INTEGERS[old_name] <= _INTEGERS["int"]
    if old_name in _DECIMALS and new_name in _DECIMALS:
        return (
            old_size is not None
            and new_size is not None
            and new_size >= old_size
            and int(old_scale or 0) == int(new_scale or 0)
        )
    if old_name in _VARCHARS and new_name in _TEXTS:
        return True
    if old_name in _VARCHARS and new_name in _VARCHARS:
        return old_size is not None and (new_size is None or new_size >= old_size)
    return False


def narrowed_column(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A forward migration changes a column's type, or makes it NOT NULL. Relaxing a column to
    nullable, changing only its server default, or widening its type (a longer VARCHAR, a
    length removed, VARCHAR/`String` to TEXT, SMALLINT to INTEGER to BIGINT, INTEGER to a
    double-precision FLOAT, NUMERIC with more precision at the same scale) is not reported. A
    type change whose old type is unknown (an Alembic `alter_column` without `existing_type=`
    whose `downgrade()` does not set the column back to one type, SQL `ALTER COLUMN ... TYPE`)
    is reported: it cannot be told from a narrowing.

    ## Why
    A type change can truncate or reinterpret stored values (on SQLite it also rebuilds the
    table); NOT NULL fails on, or forces a value into, every existing row that is NULL.

    ## Example
    ```python
    def upgrade():
        op.alter_column("jobs", "progress", type_=sa.Integer(), existing_type=sa.Float())
        op.alter_column("users", "email", nullable=False)
    ```

    ## Fix
    Backfill NULLs and verify the conversion on a restored backup, then record the change
    in an approved data plan (`operations: [alter_column users.email]`). For a widening, pass
    `existing_type=` so the old type is known.
    """
    for change in ctx.ordered:
        if change.kind != "column" or change.action != "altered" or _fresh(change, ctx):
            continue
        retyped = change.type is not None and _normal_type(change.type) != _normal_type(
            change.old_type
        )
        if retyped and change.old_type is None:
            yield _hit(
                change,
                f"column {change.name} changes type to {change.type} (its old type is unknown, "
                "so a widening cannot be told)",
                "alter_column",
            )
        elif retyped and not _widened(change.old_type or "", change.type or ""):
            yield _hit(
                change,
                f"column {change.name} changes type from {change.old_type} to {change.type}",
                "alter_column",
            )
        elif change.nullable is False:
            yield _hit(change, f"column {change.name} is made NOT NULL", "alter_column")


def rebuilt_table(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A forward migration rebuilds a table: the SQLite pattern that creates a new table, copies
    the rows, drops the old one and renames the new one into place, or Alembic's
    `batch_alter_table(..., recreate="always")`.

    ## Why
    Every row is copied through a temporary table. Columns missing from the copy, changed
    types and constraints that reject existing rows lose data silently; a failure half-way
    leaves two tables.

    ## Example
    ```sql
    CREATE TABLE new_jobs (id INTEGER PRIMARY KEY, status TEXT NOT NULL);
    INSERT INTO new_jobs (id, status) SELECT id, status FROM jobs;
    DROP TABLE jobs;
    ALTER TABLE new_jobs RENAME TO jobs;
    ```

    ## Fix
    Rehearse the rebuild on a restored backup, compare row counts, and record it in an
    approved data plan (`operations: [rebuild_table jobs]`).
    """
    for change in ctx.ordered:
        if change.operation == "rebuild_table" and not _fresh(change, ctx):
            yield _hit(change, f"table {change.name} is rebuilt (rows are copied)", "rebuild_table")


def rewritten_rows(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A forward migration deletes or truncates rows, or runs an UPDATE without WHERE (or with a
    WHERE that always holds, such as `1=1`, `TRUE` or `1`). Such an UPDATE is a backfill, and
    passes, when every column it sets was added earlier in the same change, unconditionally or
    under the same existence guard. An UPDATE with a real WHERE, and REPLACE or upserts, are
    MIG110.

    ## Why
    Row deletions and blanket updates overwrite production data with what a developer
    tested on dev data — the one thing the inventory's invariants forbid.

    ## Example
    ```sql
    DELETE FROM audit_logs;
    UPDATE users SET is_admin = 0;
    ```

    ## Fix
    Restrict the statement with WHERE to the rows you mean, move data clean-up to an
    operator runbook, or record it in an approved data plan (`operations: [delete_rows
    audit_logs]`; a blanket update is `update_rows users`).
    """
    for change in ctx.ordered:
        if change.operation in ("delete_rows", "truncate"):
            verb = "truncated" if change.operation == "truncate" else "deleted"
            if not _fresh(change, ctx):
                yield _hit(change, f"rows of table {change.name} are {verb}", change.operation)
        elif change.operation == "update_rows" and change.where is False:
            if _fresh(change, ctx) or _backfill(change, ctx):
                continue
            message = f"every row of table {change.name} is updated (UPDATE without WHERE)"
            yield _hit(change, message, change.operation)


def overwritten_rows(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A forward migration overwrites values that rows already hold: an UPDATE with a WHERE
    (`UPDATE orders SET status = 'archived' WHERE status IN ('done', 'paid')`, SQLAlchemy's
    `t.update().where(...).values(...)`, `query(...).filter(...).update(...)`), `REPLACE INTO`,
    `INSERT OR REPLACE`, `INSERT ... ON CONFLICT ... DO UPDATE` or MySQL's `ON DUPLICATE KEY
    UPDATE`. An UPDATE or upsert is a backfill, and passes, when each column it sets was added
    earlier in the same change, or the WHERE restricts it to NULLs (`c IS NULL` joined by
    AND); a REPLACE rewrites whole rows and never is. An UPDATE without WHERE is
    MIG106.

    ## Why
    A WHERE limits which rows change, not whether their values are lost: the old values are
    gone once the migration runs, and production rows are not the rows it was tested on.

    ## Example
    ```sql
    UPDATE orders SET status = 'archived' WHERE status IN ('done', 'paid');
    INSERT OR REPLACE INTO settings (key, value) VALUES ('theme', 'dark');
    ```
    while this backfill passes:
    ```sql
    UPDATE orders SET archived_at = created_at WHERE archived_at IS NULL;
    ```

    ## Fix
    Write the new value to a new column and switch readers to it, limit the statement to
    NULLs, or record it in an approved data plan (`operations: [update_rows orders]`; an
    upsert or REPLACE is `replace_rows settings`).
    """
    for change in ctx.ordered:
        updates = change.operation == "update_rows" and change.where
        if not (updates or change.operation == "replace_rows"):
            continue
        if _fresh(change, ctx) or _backfill(change, ctx):
            continue
        listed = ", ".join(change.columns)
        if updates:
            columns = f" ({listed})" if listed else ""
            message = f"existing values of table {change.name} are overwritten{columns}"
        elif listed:
            message = f"existing rows of table {change.name} are overwritten ({listed})"
        else:
            message = f"existing rows of table {change.name} are replaced (REPLACE)"
        yield _hit(change, message, change.operation)


def _backfill(change: Change, ctx: RuleContext) -> bool:
    """Does the statement only fill columns: each one added earlier in the same change, or
    set only where it is NULL (docs/rules.md)?"""
    return bool(change.columns) and all(
        col in change.null_only
        or ctx.column_added_before(change, f"{change.name}.{col}", guard=change.guard)
        for col in change.columns
    )


def non_idempotent_ddl(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    DDL that fails when it runs twice: an Alembic `create_table`, `add_column` or
    `create_index` outside an existence guard, or SQL `CREATE TABLE` / `CREATE INDEX`
    without `IF NOT EXISTS`.

    ## Why
    Where the inventory's invariants ask for additive *and idempotent* migrations, a
    promotion re-run after a partial failure, or a database that already got the change by
    hand, must not stop half-way. This is a policy, so the rule runs only when an item of the
    inventory's Invariants section mentions `idempotent` (case-insensitive), or when config
    `require_idempotent: true`; `require_idempotent: false` turns it off whatever the
    inventory says.

    ## Example
    ```python
    def upgrade():
        bind = op.get_bind()
        columns = {c["name"] for c in sa.inspect(bind).get_columns("users")}
        if "phone" not in columns:
            op.add_column("users", sa.Column("phone", sa.String(32)))
    ```
    is idempotent; the bare `op.add_column(...)` is reported.

    ## Fix
    Wrap the operation in an existence guard (`inspector.get_table_names()`,
    `get_columns()`, `get_indexes()`, `has_table()`, or a helper listed in
    `guard_functions`), or use `IF NOT EXISTS` in SQL.
    """
    from selenite_inventory_lint.detectors import spec_of

    if not _idempotence_required(ctx):
        return
    for change in ctx.ordered:
        # Each detector says which of its operations must be idempotent.
        found = spec_of(change.source)
        ops = found.idempotent_ops if found is not None else ()
        if change.guarded or change.operation not in ops or change.action != "added":
            continue
        if change.operation == "create_table" and change.kind != "table":
            continue  # the table's change speaks for the columns it creates
        what = {"create_table": "table", "add_column": "column", "create_index": "index"}[
            change.operation
        ]
        yield _hit(
            change,
            f"{what} {change.name} is created without an existence guard (not idempotent)",
            change.operation,
        )


def _idempotence_required(ctx: RuleContext) -> bool:
    """MIG107 is a policy (docs/configuration.md): the config decides, else the Invariants."""
    if ctx.config.require_idempotent is not None:
        return ctx.config.require_idempotent
    return any("idempotent" in item.lower() for item in ctx.inventory.invariants)


def not_null_column_without_default(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A forward migration adds a NOT NULL column without a server default to a table that
    existed before the change.

    ## Why
    Existing rows have no value for the column: SQLite refuses the ALTER, other databases
    fail on the first row, and a default chosen later by hand is data nobody reviewed.

    ## Example
    ```python
    def upgrade():
        op.add_column("jobs", sa.Column("priority", sa.Integer(), nullable=False))
    ```

    ## Fix
    Add a `server_default` (and drop it afterwards if you must), or add the column nullable,
    backfill it, then make it NOT NULL under a data plan.
    """
    for change in ctx.ordered:
        if (
            change.kind == "column"
            and change.action == "added"
            and change.operation == "add_column"
            and change.nullable is False
            and not change.has_default
            and not ctx.created_before(change, table=_table_of(change))
        ):
            yield _hit(
                change,
                f"column {change.name} is added NOT NULL without a default",
                "add_column",
            )


def unique_index_on_existing_table(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A forward migration adds a UNIQUE index or constraint to a table that existed before the
    change (`CREATE UNIQUE INDEX`, `ALTER TABLE ... ADD CONSTRAINT ... UNIQUE`,
    `op.create_unique_constraint`, `op.create_index(..., unique=True)`). A table created
    earlier in the same change holds no production rows, even when its creation is guarded by
    an existence check (the guard makes a re-run safe): an index on it is not reported.

    ## Why
    Production rows were never held to the constraint: one pair of duplicates makes the
    migration fail half-way through the promotion, and "fixing" it on the spot means deleting
    rows nobody reviewed.

    ## Example
    ```sql
    CREATE UNIQUE INDEX ux_users_email ON users (email);
    ```

    ## Fix
    Check production for duplicates first (`SELECT email, COUNT(*) FROM users GROUP BY email
    HAVING COUNT(*) > 1`) on a restored backup, resolve them under a data plan
    (`operations: [create_index ux_users_email]`), then add the constraint.
    """
    for change in ctx.ordered:
        if (
            change.kind == "index"
            and change.action == "added"
            and change.unique
            and change.table
            # A table the change creates, even under an existence guard (which only makes a
            # re-run of the same migration safe), holds no production rows to collide.
            and not ctx.created_before(change, table=change.table, unguarded=False)
        ):
            columns = f" ({', '.join(change.columns)})" if change.columns else ""
            yield _hit(
                change,
                f"unique index {change.name} on existing table {change.table}{columns} "
                "fails if duplicates exist",
                change.operation,
            )
