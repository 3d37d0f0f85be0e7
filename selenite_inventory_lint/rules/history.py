"""MIG2xx: the migration history itself — heads, edits of applied migrations, broken links."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from selenite_inventory_lint.model import Revision
from selenite_inventory_lint.rules.context import Hit, RuleContext, problem_hits


def _environments(revisions: tuple[Revision, ...]) -> dict[str, list[Revision]]:
    """Revisions grouped by directory: each Alembic environment has its own history."""
    groups: dict[str, list[Revision]] = defaultdict(list)
    for rev in revisions:
        groups[rev.path.rpartition("/")[0]].append(rev)
    return groups


def multiple_heads(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    After the change, the Alembic history has more than one head: two revisions share a
    `down_revision` (typically two branches each added a migration) and nothing merges them.
    A head that exists only because a `down_revision` names an unknown revision is reported
    as that cause (MIG203), not as a head.

    ## Why
    `alembic upgrade head` refuses to run with several heads, so the promotion stops at the
    worst moment; applying heads one by one runs migrations in an order nobody tested.

    ## Example
    Two revisions, `a1` and `b2`, both with `down_revision = "0007"`.

    ## Fix
    Rebase your revision onto the other head (set its `down_revision` to that head), or
    create a merge revision with `alembic merge heads`.
    """
    for revisions in _environments(ctx.revisions).values():
        # A head that only exists because a down_revision is unknown is MIG203's, not ours.
        not_heads = {down for rev in revisions for down in rev.down_revisions}
        not_heads |= _detached(revisions)
        heads = sorted(
            (rev for rev in revisions if rev.revision not in not_heads), key=lambda r: r.revision
        )
        if len(heads) < 2:
            continue
        names = ", ".join(rev.revision for rev in heads)
        for rev in heads:
            yield Hit(
                message=f"revision {rev.revision} is one of {len(heads)} heads ({names})",
                path=rev.path,
                line=rev.line,
                object_kind="revision",
                object_name=rev.revision,
            )


def _detached(revisions: list[Revision]) -> set[str]:
    """Revisions whose history runs into a ``down_revision`` that does not exist (MIG203)."""
    known = {rev.revision for rev in revisions}
    children: dict[str, list[str]] = defaultdict(list)
    for rev in revisions:
        for down in rev.down_revisions:
            children[down].append(rev.revision)
    pending = [r.revision for r in revisions if any(d not in known for d in r.down_revisions)]
    found: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(children.get(name, ()))
    return found


def edited_migration(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A migration that already exists at the base of the change is modified in code or
    deleted. Formatting, comments and docstrings do not count; the operations do.

    ## Why
    Databases that already applied the migration will never run the new version: dev, staging
    and production silently diverge, and a fresh install no longer matches production.

    ## Example
    Editing `0007_add_jobs.py` to add `op.add_column("jobs", ...)` after it was merged.

    ## Fix
    Revert the edit and write a new migration with the change. Deleting an applied
    migration needs a data plan or a squash procedure agreed with operators.
    """
    for edit in ctx.edited:
        what = "deleted" if edit.deleted else "modified"
        label = "migration" if edit.object_kind == "file" else "revision"
        yield Hit(
            message=f"{label} {edit.name} exists at the base and is {what}",
            path=edit.path,
            line=1,
            object_kind=edit.object_kind,
            object_name=edit.name,
            migration=edit.name,
        )


def unknown_down_revision(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A revision's `down_revision` names a revision that does not exist in the history.

    ## Why
    Alembic cannot build the revision graph: every command fails, including the upgrade
    during the promotion. It usually means a parent was deleted or a branch was rebased
    without updating its child.

    ## Example
    `down_revision = "0007_add_jobs"` when the file with `revision = "0007_add_jobs"` is gone.

    ## Fix
    Point `down_revision` at the current head (`alembic heads`) or restore the missing
    revision.
    """
    for revisions in _environments(ctx.revisions).values():
        known = {rev.revision for rev in revisions}
        for rev in revisions:
            for down in rev.down_revisions:
                if down not in known:
                    yield Hit(
                        message=(
                            f"revision {rev.revision} names down_revision {down}, "
                            "which does not exist"
                        ),
                        path=rev.path,
                        line=rev.line,
                        object_kind="revision",
                        object_name=rev.revision,
                    )


def out_of_order_migration(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A new SQL migration file sorts before migration files of the same directory that already
    exist at the base of the change (for example `0003_add_tags.sql` added after
    `0004_add_invoices.sql` was merged).

    ## Why
    SQL migration runners apply files in name order and skip the ones they have already
    applied. Databases that ran `0004` will never run the new `0003`, or will run it after
    `0004` — an order no one tested. The history is no longer linear.

    ## Example
    `migrations/0003_add_tags.sql` added while `migrations/0004_add_invoices.sql` is at the
    base.

    ## Fix
    Rename the new file so it sorts after every existing migration (`0005_add_tags.sql`).
    """
    return problem_hits(ctx.problems, "MIG205", is_migration=True)


def models_disagree(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    `audit` only: the SQLAlchemy models and the migrations disagree about a table or a
    column — a model declares what no migration creates, or the migrations create what no
    model declares. Compared only when the repository has both. Models are read the way
    SQLAlchemy maps them (mixins, abstract bases, `declared_attr`, joined- and single-table
    inheritance, Flask-SQLAlchemy's implicit names, `create_all`). Where a model cannot be
    known (a base class found nowhere, a computed `__tablename__`, `__table__ =`), nothing is
    said about it.

    ## Why
    Production gets its schema from the migrations, the application reads and writes through
    its models. When they differ, either a migration is missing (the promotion will fail on
    the first query) or data sits in a column the application no longer knows about.

    ## Example
    `class User(Base)` declares `phone = Column(String)`, but no revision adds `users.phone`.

    ## Fix
    Generate the missing migration (`alembic revision --autogenerate`) or remove the stale
    declaration; for a column kept only for history, document it and say so in the inventory.
    """
    schema = ctx.migrated
    if schema is None or not schema.tables or not ctx.declared:
        return
    declared = {t.name: t for t in ctx.declared}
    for name in sorted(declared.keys() - schema.tables.keys()):
        model = declared[name]
        yield Hit(
            message=f"table {name} is declared by a model but no migration creates it",
            path=model.path,
            line=model.line,
            object_kind="table",
            object_name=name,
        )
    for name in sorted(schema.tables.keys() - declared.keys()):
        table = schema.tables[name]
        yield Hit(
            message=f"table {name} is created by the migrations but no model declares it",
            path=table.path,
            line=table.line,
            object_kind="table",
            object_name=name,
        )
    for name in sorted(schema.tables.keys() & declared.keys()):
        model, table = declared[name], schema.tables[name]
        for column in sorted(model.columns.keys() - table.columns.keys()):
            yield Hit(
                message=(
                    f"column {name}.{column} is declared by a model but no migration creates it"
                ),
                path=model.path,
                line=model.columns[column],
                object_kind="column",
                object_name=f"{name}.{column}",
            )
        for column in sorted(table.columns.keys() - model.columns.keys()):
            created = table.columns[column]
            yield Hit(
                message=(
                    f"column {name}.{column} is created by the migrations but the model of "
                    f"{name} does not declare it"
                ),
                path=created.path,
                line=created.line,
                object_kind="column",
                object_name=f"{name}.{column}",
            )
