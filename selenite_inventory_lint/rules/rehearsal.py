"""DATA1xx (data a rehearsed migration loses) and DATA2xx (a rehearsal that failed).

These rules judge what `rehearse` observed on a copy of a real backup, which it hands over
as ``RuleContext.extra["rehearsal"]``; in `check` and `audit` there is none and they are
silent. Losses are computed once by ``rehearsal.losses``; each rule reports its own code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from selenite_inventory_lint.rules.context import Hit, RuleContext

if TYPE_CHECKING:
    from selenite_inventory_lint.rehearsal.losses import Outcome

KEY = "rehearsal"


def _outcome(ctx: RuleContext) -> Outcome | None:
    found = ctx.extra.get(KEY)
    if found is None:
        return None  # `check` and `audit`: the rehearsal modules are never imported
    from selenite_inventory_lint.rehearsal.losses import Outcome

    return found if isinstance(found, Outcome) else None


def _loss_hits(ctx: RuleContext, code: str) -> Iterator[Hit]:
    outcome = _outcome(ctx)
    if outcome is None:
        return
    from selenite_inventory_lint.rehearsal.losses import losses

    for loss in losses(outcome.pre, outcome.post, ctx.changes):
        if loss.code == code:
            yield Hit(
                message=loss.message,
                path=outcome.database,
                line=1,
                object_kind="table" if loss.kind == "table" else "column",
                object_name=loss.name,
                operation=loss.operation,
            )


def _hit(outcome: Outcome, message: str) -> Hit:
    return Hit(
        message=message,
        path=outcome.database,
        line=1,
        object_kind="database",
        object_name=outcome.database,
    )


def lost_table(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    Rehearsed on a copy of a real backup, the pending migrations drop a table that holds rows,
    or leave it empty. The message gives the number of rows lost.

    ## Why
    A linter can only say that `drop_table` *may* destroy data; the rehearsal says how much it
    destroys on the database you are about to promote to. Rows that exist only in that table
    are gone unless a data plan moved them elsewhere first.

    ## Example
    ```text
    backend/app.db:1:1: DATA101 table legacy_flags is dropped holding 1204 rows
    ```

    ## Fix
    Keep the table, move its rows before dropping it, or record the drop in an approved data
    plan (`operations: [drop_table legacy_flags]`, or `delete_rows legacy_flags` for a table
    emptied); the rehearsal then reports it as covered, with its numbers.
    """
    return _loss_hits(ctx, "DATA101")


def lost_rows(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    Rehearsed on a copy of a real backup, a table keeps fewer rows after the pending
    migrations than before (a DELETE, a rebuild that copies only some rows, a deduplication).

    ## Why
    Rows a migration removes cannot be restored without the backup. A table rebuild that
    forgets a `WHERE`-less copy, or an `INSERT OR IGNORE` into a new UNIQUE table, loses rows
    silently; only counting them on real data shows it.

    ## Example
    ```text
    backend/app.db:1:1: DATA102 table sessions loses 310 of 5000 rows (5000 → 4690)
    ```

    ## Fix
    Fix the migration so it keeps every row, or record the deletion in an approved data plan
    (`operations: [delete_rows sessions]`).
    """
    return _loss_hits(ctx, "DATA102")


def lost_column(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    Rehearsed on a copy of a real backup, the pending migrations drop a column (directly, or
    by rebuilding its table without it) that holds non-NULL values.

    ## Why
    Dropping a column deletes every value in it; a `batch_alter_table` rebuild that leaves a
    column out does the same without saying so. The count tells the reviewer what is at stake.

    ## Example
    ```text
    backend/app.db:1:1: DATA103 column users.phone is dropped holding 812 non-NULL values
    ```

    ## Fix
    Keep the column, copy its values elsewhere first, or record the drop in an approved data
    plan (`operations: [drop_column users.phone]`).
    """
    return _loss_hits(ctx, "DATA103")


def lost_values(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    Rehearsed on a copy of a real backup, a column keeps fewer non-NULL values after the
    pending migrations than before, beyond what its lost rows explain: values were set to
    NULL, or dropped by a type change or a rebuild that did not copy them.

    ## Why
    A NULLed value is as lost as a dropped column's, and harder to notice: the schema looks
    the same before and after.

    ## Example
    ```text
    backend/app.db:1:1: DATA104 column users.locale loses 95 non-NULL values (1000 → 905)
    ```

    ## Fix
    Fix the migration so it keeps the values (copy them in the rebuild, convert instead of
    casting), or record it in an approved data plan (`operations: [alter_column users.locale]`).
    """
    return _loss_hits(ctx, "DATA104")


def failed_migration(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    The migration command failed on the copy of the backup: it exited non-zero, or it exited
    0 without bringing the copy's `alembic_version` to the head of the rehearsed commit (it
    migrated some other database). The message gives the exit status and the output's end.

    ## Why
    A migration that fails on real data fails in production too, mid-promotion. One that
    migrates another database (a `DATABASE_URL` from the shell) has rehearsed nothing.

    ## Example
    ```text
    backend/app.db:1:1: DATA201 the migration command failed with exit status 1:
    sqlite3.IntegrityError: UNIQUE constraint failed: users.email
    ```

    ## Fix
    Fix the migration and rehearse again. When the project's `env.py` reads its URL from the
    application's settings, point it at the copy with `--env DATABASE_URL={url}`.
    """
    outcome = _outcome(ctx)
    if outcome is None:
        return
    if outcome.status != 0:
        tail = " | ".join(line.strip() for line in outcome.output[-3:] if line.strip())
        yield _hit(
            outcome,
            f"the migration command failed with exit status {outcome.status}"
            + (f": {tail}" if tail else ""),
        )
    elif outcome.heads and outcome.post.versions != outcome.heads:
        yield _hit(
            outcome,
            f"the migration command exited 0 but the copy is at revision "
            f"{', '.join(outcome.post.versions) or '(none)'}, not {', '.join(outcome.heads)}: "
            "it migrated another database (set its URL with --env NAME={url})",
        )


def broken_integrity(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    After the upgrade, `PRAGMA integrity_check` or `PRAGMA foreign_key_check` reports a
    problem on the copy of the backup.

    ## Why
    SQLite does not check foreign keys unless asked, and a table rebuild can leave rows that
    point at nothing, or an index that no longer matches its table. The application finds out
    later, on production data.

    ## Example
    ```text
    backend/app.db:1:1: DATA202 foreign key check failed after the upgrade: orders row 7 → users
    ```

    ## Fix
    Make the migration keep the referenced rows (or delete the dependent ones under a data
    plan), then rehearse again.
    """
    outcome = _outcome(ctx)
    if outcome is None:
        return
    if outcome.post.integrity:
        shown = "; ".join(outcome.post.integrity[:3])
        yield _hit(outcome, f"integrity check failed after the upgrade: {shown}")
    if outcome.post.foreign_keys:
        shown = "; ".join(outcome.post.foreign_keys[:3])
        more = len(outcome.post.foreign_keys) - 3
        yield _hit(
            outcome,
            f"foreign key check failed after the upgrade: {shown}"
            + (f" (and {more} more)" if more > 0 else ""),
        )


def broken_round_trip(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    With `--down CMD`, the round trip (upgrade, then the down command) does not give back the
    backup's schema and row counts, or the down command fails.

    ## Why
    The inventory's invariants make rollback mandatory before a production update. A
    downgrade that does not restore what was there is not a rollback; the backup is then the
    only way back.

    ## Example
    ```text
    backend/app.db:1:1: DATA203 the round trip does not restore the backup:
    table users has 0 rows, the backup 1000
    ```

    ## Fix
    Make `downgrade()` undo what `upgrade()` did (recreate columns and tables), or name
    "restore the backup" as the rollback in the data plan and rehearse that instead.
    """
    outcome = _outcome(ctx)
    if outcome is None or outcome.down_command is None:
        return
    if outcome.down_status:
        tail = " | ".join(line.strip() for line in outcome.down_output[-3:] if line.strip())
        yield _hit(
            outcome,
            f"the down command failed with exit status {outcome.down_status}"
            + (f": {tail}" if tail else ""),
        )
    elif outcome.down is not None:
        from selenite_inventory_lint.rehearsal.losses import round_trip_differences

        found = round_trip_differences(outcome.pre, outcome.down)
        if found:
            yield _hit(
                outcome, f"the round trip does not restore the backup: {'; '.join(found[:3])}"
            )
