"""INV2xx: inventory entries the change leaves behind (retired or renamed objects)."""

from __future__ import annotations

from collections.abc import Iterator

from selenite_inventory_lint.model import Change, Entry
from selenite_inventory_lint.rules.context import Hit, RuleContext
from selenite_inventory_lint.rules.undocumented import documenting_entry, split_column

_LABELS = {
    "env": "environment variable",
    "path": "storage path",
    "config_file": "config file",
    "database": "database file",
}


def _own_entry(ctx: RuleContext, kind: str, name: str) -> Entry | None:
    """The entry naming exactly this object (a ``t.*`` entry outlives one column)."""
    if kind == "table":
        return ctx.coverage.table(name)
    table, column = split_column(name)
    entry = ctx.coverage.column(table, column)
    if entry is not None and entry.key.lower() == name.lower():
        return entry
    return None


def _stale_entries(change: Change, ctx: RuleContext) -> tuple[Entry, ...]:
    if change.kind == "table":
        return ctx.coverage.entries_for_table(change.name)
    if change.kind == "column":
        entry = _own_entry(ctx, "column", change.name)
        return (entry,) if entry is not None else ()
    if change.kind in ("path", "env", "config_file", "database"):
        entry = documenting_entry(change, ctx)
        return (entry,) if entry is not None else ()
    return ()


_WHAT = {
    "table": "a table",
    "column": "a column",
    "database": "a database file",
    "path": "a storage path",
    "env": "an environment variable",
    "config_file": "a config or state file",
}


def _dead_entries(ctx: RuleContext) -> Iterator[Hit]:
    """`audit`: entries naming nothing that exists at HEAD, reported on the entry itself."""
    assert ctx.alive is not None
    for entry in ctx.inventory.entries:
        if not ctx.alive(entry):
            yield Hit(
                message=(
                    f"inventory entry `{entry.key}` names {_WHAT[entry.kind]} that no longer "
                    "exists in the repository"
                ),
                path=ctx.inventory.path,
                line=entry.line,
                column=entry.column,
                object_kind=entry.kind,
                object_name=entry.key,
            )


def retired_entry(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    The change retires an object — drops a table or column, removes the last reference to a
    storage path or environment variable — but the inventory still lists it. A rename whose
    old and new names are both listed also leaves the old entry behind. `audit` reports every
    entry that names nothing existing in the repository at HEAD.

    ## Why
    The inventory is what operators trust during a promotion. A stale entry sends them
    looking for data that no longer exists, and hides the fact that data was retired.

    ## Example
    ```python
    def upgrade():
        op.drop_column("users", "last_seen_at")
    ```
    with `- \\`users.last_seen_at\\`: idle-session tracking` still in the inventory.

    ## Fix
    Remove the entry (or move it to a "Retired" note in the same commit), and make sure the
    drop is covered by an approved data plan (see MIG101/MIG102).
    """
    if ctx.alive is not None:
        yield from _dead_entries(ctx)
        return
    reported: set[tuple[int, str]] = set()
    for change in ctx.ordered:
        if change.action == "dropped":
            if ctx.recreated_after(change):
                continue
            stale = _stale_entries(change, ctx)
            what = (
                "dropped"
                if change.kind in ("table", "column", "index")
                else "no longer referenced anywhere"
            )
        elif change.action == "renamed" and change.old_name and change.kind in ("table", "column"):
            if documenting_entry(change, ctx) is None:
                continue  # INV202 speaks for it
            entry = _own_entry(ctx, change.kind, change.old_name)
            stale = (entry,) if entry is not None else ()
            what = f"renamed to {change.name}"
        else:
            continue
        name = change.old_name if change.action == "renamed" and change.old_name else change.name
        for entry in stale:
            if (entry.line, entry.key) in reported:
                continue
            reported.add((entry.line, entry.key))
            yield Hit(
                message=(
                    f"{_LABELS.get(change.kind, change.kind)} {name} is {what} but the "
                    f"inventory still lists `{entry.key}` ({ctx.inventory.path}:{entry.line})"
                ),
                path=change.path,
                line=change.line,
                column=change.column,
                object_kind=change.kind,
                object_name=name,
            )


def renamed_entry(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A table or column is renamed, and the inventory lists the old name but not the new one.

    ## Why
    After the promotion the old name no longer exists; operators reading the inventory will
    not find the table, and backup or export scripts keyed on the documented name break.

    ## Example
    ```python
    def upgrade():
        op.rename_table("transcripts", "transcript_exports")
    ```
    with only `- \\`transcripts\\`: export metadata.` in the inventory.

    ## Fix
    Rename the entry in the inventory (`transcript_exports`), keeping its description, in
    the same change as the migration.
    """
    for change in ctx.ordered:
        if change.action != "renamed" or change.kind not in ("table", "column"):
            continue
        old = change.old_name or ""
        old_entry = (
            ctx.coverage.table(old)
            if change.kind == "table"
            else ctx.coverage.column(*split_column(old))
        )
        if old_entry is None or documenting_entry(change, ctx) is not None:
            continue
        yield Hit(
            message=(
                f"{change.kind} {old} is renamed to {change.name} but the inventory "
                f"still has only `{old}`"
            ),
            path=change.path,
            line=change.line,
            column=change.column,
            object_kind=change.kind,
            object_name=old,
        )


def removed_entry(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    The change removes an inventory entry, but the object it documents still exists: a table
    or column the migrations (or the newest schema snapshot) still build at head, or an
    environment variable or storage path that code at head still refers to. When that cannot
    be decided (a migration that does not parse), nothing is reported.

    ## Why
    An entry removed by mistake (or in a tidy-up) silently drops the object from the
    inventory: nothing else reports it, since the object itself did not change, and
    operators stop knowing the data is there.

    ## Example
    Deleting `- \\`TRANSCRIPT_STORE\\`: where transcripts are written` from the inventory
    while `os.environ["TRANSCRIPT_STORE"]` is still read in `backend/app/config.py`.

    ## Fix
    Put the entry back. If the object is really retired, remove its last reference in the
    same change; then the entry may go.
    """
    removed = ctx.extra.get("removed_alive", ())
    assert isinstance(removed, tuple)
    for entry in removed:
        assert isinstance(entry, Entry)
        yield Hit(
            message=(
                f"inventory entry `{entry.key}` was removed (line {entry.line} at the base) but "
                f"{_WHAT[entry.kind]} of that name still exists in the repository"
            ),
            path=ctx.inventory.path,
            line=1,
            object_kind=entry.kind,
            object_name=entry.key,
        )
