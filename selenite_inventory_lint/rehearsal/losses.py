"""Before and after a rehearsal, compared (pure): the data a migration would lose.

Row counts are compared per table and non-NULL counts per column. A table or column the
schema diff recognises as renamed is followed to its new name, so a rename loses nothing.
Values a column loses only because its rows went are counted once, as rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from selenite_inventory_lint.model import Change
from selenite_inventory_lint.reports import plural

if TYPE_CHECKING:
    from selenite_inventory_lint.rehearsal.measure import Measurement, TableCount


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What a rehearsal observed; the DATA rules read it from ``RuleContext.extra``."""

    # Repository-relative path of the database the copy stood in for; findings point at it.
    database: str
    pre: Measurement
    post: Measurement
    command: str
    status: int
    output: tuple[str, ...] = ()
    # Migrations that were pending on the backup (Alembic revision ids or SQL file paths).
    migrations: tuple[str, ...] = ()
    # Alembic heads of the exported commit: `alembic_version` must hold them afterwards.
    heads: tuple[str, ...] = ()
    down_command: str | None = None
    down_status: int | None = None
    down_output: tuple[str, ...] = ()
    down: Measurement | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Loss:
    code: str
    kind: str  # "table" or "column"
    name: str
    before: int
    after: int
    # The operation a data plan lists to approve it (docs/rules.md vocabulary).
    operation: str
    message: str


def _renames(changes: Iterable[Change], kind: str) -> dict[str, str]:
    return {
        c.old_name: c.name
        for c in changes
        if c.kind == kind and c.action == "renamed" and c.old_name is not None
    }


def losses(pre: Measurement, post: Measurement, changes: Iterable[Change]) -> tuple[Loss, ...]:
    """Every DATA101 to DATA104 loss from ``pre`` to ``post``, by table then column."""
    changes = tuple(changes)
    tables = _renames(changes, "table")
    columns = _renames(changes, "column")
    found: list[Loss] = []
    for before in pre.tables:
        after = post.table(tables.get(before.name, before.name))
        found.extend(_table_losses(before, after, columns))
    return tuple(found)


def _table_losses(
    before: TableCount, after: TableCount | None, columns: dict[str, str]
) -> Iterator[Loss]:
    name = before.name
    if after is None or (after.rows == 0 < before.rows):
        if before.rows:
            what = "dropped" if after is None else "emptied"
            yield Loss(
                code="DATA101",
                kind="table",
                name=name,
                before=before.rows,
                after=0,
                operation=f"{'drop_table' if after is None else 'delete_rows'} {name}",
                message=f"table {name} is {what} holding {plural(before.rows, 'row')}",
            )
        return
    lost_rows = max(0, before.rows - after.rows)
    if lost_rows:
        yield Loss(
            code="DATA102",
            kind="table",
            name=name,
            before=before.rows,
            after=after.rows,
            operation=f"delete_rows {name}",
            message=f"table {name} loses {lost_rows:,} of {plural(before.rows, 'row')} "
            f"({before.rows:,} → {after.rows:,})",
        )
    for column, values in before.values:
        full = f"{name}.{column}"
        target = columns.get(full, f"{after.name}.{column}").rpartition(".")[2]
        now = after.column(target)
        if now is None:
            if values:
                yield Loss(
                    code="DATA103",
                    kind="column",
                    name=full,
                    before=values,
                    after=0,
                    operation=f"drop_column {full}",
                    message=f"column {full} is dropped holding {plural(values, 'non-NULL value')}",
                )
            continue
        lost = values - now - lost_rows
        if lost > 0:
            yield Loss(
                code="DATA104",
                kind="column",
                name=full,
                before=values,
                after=now,
                operation=f"alter_column {full}",
                message=f"column {full} loses {plural(lost, 'non-NULL value')} "
                f"({values:,} → {now:,})",
            )


def round_trip_differences(pre: Measurement, down: Measurement) -> tuple[str, ...]:
    """How the database after upgrade + down differs from the backup (DATA203)."""
    found = []
    if pre.schema_sql != down.schema_sql:
        found.append("the schema differs from the backup's")
    after = {t.name: t.rows for t in down.tables}
    for table in pre.tables:
        rows = after.get(table.name)
        if rows is None:
            found.append(f"table {table.name} is missing")
        elif rows != table.rows:
            found.append(f"table {table.name} has {plural(rows, 'row')}, the backup {table.rows:,}")
    return tuple(found)
