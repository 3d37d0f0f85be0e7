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
