"""SUP101: suppression comments that are wrong or do nothing."""

from __future__ import annotations

from collections.abc import Iterator

from selenite_inventory_lint.rules.context import Hit, RuleContext, problem_hits


def invalid_suppression(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    An `inventory-lint: ignore[CODE] reason` comment that has no reason, names a code that
    does not exist, or suppresses nothing on its line or the line below it. A suppression
    without a reason does not suppress.

    ## Why
    Suppressions are the audit trail of deliberate exceptions. Without a reason nobody can
    review them; a stale or mistyped one hides nothing today and something unexpected
    tomorrow.

    ## Example
    ```python
    op.drop_column("users", "legacy_flag")  # inventory-lint: ignore[MIG102]
    ```

    ## Fix
    Give the reason after the bracket —
    `# inventory-lint: ignore[MIG102] column was never written in production (see DP-2026-004)`
    — fix the code, or delete the comment. Destructive operations are better covered by a
    data plan than by a suppression.
    """
    return problem_hits(ctx.problems, "SUP101")
