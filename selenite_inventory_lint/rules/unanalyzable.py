"""MIG301 / INV303: content a detector could not read. Never a silent pass (SPEC §7)."""

from __future__ import annotations

from collections.abc import Iterator

from selenite_inventory_lint.rules.context import Hit, RuleContext


def _problems(ctx: RuleContext, code: str) -> Iterator[Hit]:
    for problem in ctx.problems:
        if problem.code == code:
            yield Hit(
                message=problem.message,
                path=problem.path,
                line=problem.line,
                column=problem.column,
                object_kind="file",
                object_name=problem.path,
            )


def unanalyzable_migration(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    Migration content the linter cannot analyse: a Python syntax error in a revision, SQL
    that does not parse, dynamic SQL (f-strings, `.format`, concatenation with variables),
    a binary or oversized migration file.

    ## Why
    What cannot be read cannot be judged: a destructive statement hidden in dynamic SQL
    would otherwise pass unnoticed. The warning makes the blind spot visible to a reviewer.

    ## Example
    ```python
    def upgrade():
        op.execute(f"DELETE FROM {table}")
    ```

    ## Fix
    Write the SQL as a literal string, fix the syntax error, or — when the content is right
    and only the linter cannot follow it — suppress with a reason:
    `# inventory-lint: ignore[MIG301] table name comes from a fixed list above`.
    """
    return _problems(ctx, "MIG301")


def unanalyzable_source(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A non-migration source file that the linter reads for storage paths, environment
    variables or config files could not be analysed: a syntax error, undecodable bytes, or a
    file over the size cap (`max_file_bytes`, 5 MB by default).

    ## Why
    A reference in a file that cannot be read is a reference nobody checks; the warning keeps
    the blind spot visible instead of passing silently.

    ## Example
    `backend/app/settings.py` with a syntax error in the commit.

    ## Fix
    Fix the file, exclude it with `exclude:` in `.inventory-lint.yaml` if it is not
    application code, or raise `max_file_bytes`.
    """
    return _problems(ctx, "INV303")
