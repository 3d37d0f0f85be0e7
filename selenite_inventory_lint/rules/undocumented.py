"""INV1xx: data-bearing objects the change adds that the inventory does not cover."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from selenite_inventory_lint.model import Change, Entry
from selenite_inventory_lint.rules.context import Hit, RuleContext


def split_column(name: str) -> tuple[str, str]:
    table, _, column = name.rpartition(".")
    return table, column


def documenting_entry(change: Change, ctx: RuleContext) -> Entry | None:
    """The inventory entry that documents the object of ``change``
    (docs/inventory-format.md, what an entry covers).

    Columns follow ``column_policy``: with ``added`` (default) a column of a table created in
    this change is covered by the table's entry (in `audit`, where the change is the whole
    history, only a column created together with its table); ``table`` lets a table entry
    cover all of its columns; ``all`` asks every column for ``t.c`` or ``t.*``.
    """
    cov = ctx.coverage
    if change.kind == "table":
        return cov.table(change.name)
    if change.kind == "column":
        table, column = split_column(change.name)
        entry = cov.column(table, column)
        if entry is not None:
            return entry
        policy = ctx.config.column_policy
        with_table = table in ctx.created_tables and not (
            ctx.whole_history and change.operation != "create_table"
        )
        if policy == "table" or (policy == "added" and with_table):
            return cov.table(table)
        return None
    if change.kind == "database":
        return cov.database(change.name) or cov.config_file(change.name)
    if change.kind == "path":
        return cov.path(change.name)
    if change.kind == "env":
        entry = cov.env(change.name)
        if entry is None and change.relocates is not None:
            # A storage-path setting is documented by its path's entry when that names it.
            # (Descriptions are kept as a person reads them: backticks dropped, words kept.)
            moved = cov.path(change.relocates)
            if moved is not None and _names(moved.description, change.name):
                return moved
        return entry
    if change.kind == "config_file":
        return cov.config_file(change.name)
    return None


def _names(text: str, name: str) -> bool:
    """Whether ``text`` holds ``name`` as a whole word."""
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            return True
        start = text.find(name, start + 1)
    return False


def _new_names(ctx: RuleContext, kind: str) -> Iterator[Change]:
    """Added objects of ``kind``, and renamed ones whose old name is not documented either."""
    seen: set[str] = set()
    for change in ctx.ordered:
        if change.kind != kind or change.name in seen:
            continue
        if change.action == "renamed":
            old = change.old_name or ""
            old_entry = (
                ctx.coverage.table(old)
                if kind == "table"
                else ctx.coverage.column(*split_column(old))
            )
            if old_entry is not None:
                continue  # INV202 speaks for it
        elif change.action != "added":
            continue
        seen.add(change.name)
        yield change


def _uncovered(
    changes: Iterable[Change], ctx: RuleContext, message: Callable[[Change], str]
) -> Iterator[Hit]:
    """A hit on each of ``changes`` that no inventory entry documents."""
    for change in changes:
        if documenting_entry(change, ctx) is None:
            yield Hit(
                message=message(change),
                path=change.path,
                line=change.line,
                column=change.column,
                object_kind=change.kind,
                object_name=change.name,
            )


def undocumented_table(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A table that the change creates (or renames to a name the inventory does not know) has
    no entry in a schema section of the inventory.

    ## Why
    Every table holds data that must survive a dev→prod promotion. An undocumented table is
    left out of backups, rehearsals and rollback plans, and nobody knows what it holds.

    ## Example
    ```python
    def upgrade():
        op.create_table("invoices", sa.Column("id", sa.Integer, primary_key=True))
    ```
    fails until the inventory lists the table:
    ```markdown
    ## Database (SQLite)
    - `invoices`: billing documents, one row per issued invoice.
    ```

    ## Fix
    Add an entry for the table to the schema section, with a description of what it holds.
    `check --fix` inserts a stub (`TODO: describe`) that you then complete.
    """
    kept = (c for c in _new_names(ctx, "table") if not ctx.dropped_after(c, c.name))
    # A table created and dropped in the same change keeps nothing.
    yield from _uncovered(kept, ctx, lambda c: f"table {c.name} is added but not in the inventory")


def undocumented_column(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A column that the change adds is not covered by the inventory. With the default
    `column_policy: added`, a column added to a table that existed before the change needs its
    own `table.column` (or `table.*`) entry; the columns of a table created in the same change
    are covered by the table's entry. `column_policy: table` lets a table entry cover all its
    columns; `column_policy: all` asks for an entry per column.

    ## Why
    A new column on an existing table is new data inside an object everybody already
    considers known: backups may exclude it, exports may drop it, and the promotion checklist
    will not mention it unless the inventory does.

    ## Example
    ```python
    def upgrade():
        op.add_column("users", sa.Column("phone", sa.String(32), nullable=True))
    ```
    passes once the inventory says:
    ```markdown
    - `users.phone`: contact number for SMS notifications (optional).
    ```

    ## Fix
    Add a `table.column` entry (or `table.*` to cover every column of the table).
    """
    yield from _uncovered(
        _kept_columns(ctx),
        ctx,
        lambda c: f"column {c.name} is added but not covered by the inventory",
    )


def _kept_columns(ctx: RuleContext) -> Iterator[Change]:
    for change in _new_names(ctx, "column"):
        table, _ = split_column(change.name)
        later = ctx.whole_history and change.operation != "create_table"
        if table in ctx.created_tables and ctx.coverage.table(table) is None and not later:
            continue  # INV101 on the new table stands for the columns it created
        if not ctx.dropped_after(change, table):
            yield change


def _first_references(ctx: RuleContext, kinds: tuple[str, ...], action: str) -> Iterator[Change]:
    """The first change of each object of ``kinds`` with ``action``, in time order."""
    seen: set[tuple[str, str]] = set()
    for change in ctx.ordered:
        key = (change.kind, change.name)
        if change.kind in kinds and change.action == action and key not in seen:
            seen.add(key)
            yield change


def undocumented_path(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    Code that the change adds uses a storage path under a data root (`storage/`, `logs/`,
    `backend/models/` by default: the top-level directories of the inventory's Paths entries)
    that no Paths entry covers. Paths are folded from module constants, so
    `STORAGE_ROOT / "thumbnails"` is `storage/thumbnails/`.

    ## Why
    Files written under a new directory are data that backups, promotions and clean-ups must
    know about. An undocumented directory is the one nobody copies before a server is rebuilt.

    ## Example
    ```python
    thumbnails_storage_path: str = str(STORAGE_ROOT / "thumbnails")
    ```
    passes once the inventory says:
    ```markdown
    ## Storage Paths
    - `storage/thumbnails/` (generated video thumbnails; rebuildable from media)
    ```

    ## Fix
    Add the directory (or a parent directory, or a glob) to the Paths section with what it
    holds and whether it can be rebuilt. Set `path_roots` when your data lives elsewhere.
    """
    yield from _uncovered(
        _first_references(ctx, ("path",), "referenced"),
        ctx,
        lambda c: f"storage path {c.name} is referenced but not covered by the inventory",
    )


def undocumented_env(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    The change starts reading an environment variable that the inventory's configuration
    section does not list: `os.getenv`, `os.environ`, a pydantic `BaseSettings` field, a key in
    a `.env` file, `process.env` / `import.meta.env`, a compose `environment:` or a workflow
    `env:` entry. Well-known process variables (`PATH`, `HOME`, `CI`, `GITHUB_*`, …) and
    `env_ignore` are not reported. A settings field whose default is a storage path
    (`thumbnails_storage_path: str = str(STORAGE_ROOT / "thumbnails")`) is a variable too:
    setting it in production moves that data. It is documented by its own entry, or by the
    path's entry when that names it in backticks.

    ## Why
    Configuration is data too: a production server that lacks the variable fails or silently
    falls back to a default, and a secret nobody listed is never rotated or backed up.

    ## Example
    ```python
    class Settings(BaseSettings):
        redis_url: str | None = None
    ```
    passes once the inventory says:
    ```markdown
    ## Configuration & State
    - `REDIS_URL` (optional; job queue broker, jobs run inline when unset)
    ```

    ## Fix
    List the variable (or a glob such as `REDIS_*`) in the configuration section, saying
    whether it is required and what it holds; add it to `env_ignore` if it is not application
    configuration. For a storage-path setting, naming it in the path's entry is enough:
    ``- `storage/thumbnails/` (thumbnails; moved by `THUMBNAILS_STORAGE_PATH`)``.
    """
    yield from _uncovered(
        _first_references(ctx, ("env",), "referenced"),
        ctx,
        lambda c: f"environment variable {c.name} is referenced but not in the inventory",
    )


def undocumented_config_file(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    The change adds a tracked file matching `config_files` (default `.env*`, `.workspace-*`,
    `*.db`, `*.sqlite`) that no configuration entry (or, for a database file, no database
    entry) covers.

    ## Why
    Config and state files decide how an environment behaves, and database files hold the
    data itself. Promotions must know which ones exist so they are neither overwritten by dev
    copies nor left behind.

    ## Example
    Adding `.workspace-lock` passes once the inventory says:
    ```markdown
    ## Configuration & State
    - `.workspace-*` (workspace identity and state files; never copied between environments)
    ```

    ## Fix
    Add the file name (or a glob) to the configuration section; for a database file, record it
    as `**Primary DB**: \\`path\\`` or list it. If the file should not be tracked, remove it and
    add it to `.gitignore`.
    """
    yield from _uncovered(
        _first_references(ctx, ("config_file", "database"), "added"),
        ctx,
        lambda c: f"{_FILE_KINDS[c.kind]} {c.name} is added but not covered by the inventory",
    )


_FILE_KINDS = {"database": "database file", "config_file": "config/state file"}
