"""PLAN101: data plans that cannot approve what they are meant to approve (docs/rules.md).

Which plans fail is settled by ``data_plans.judge_plans`` once the destructive findings are
known; the pipeline hands the resulting problems to this rule, as it does for SUP101.
"""

from __future__ import annotations

from collections.abc import Iterator

from selenite_inventory_lint.rules.context import Hit, RuleContext, problem_hits


def invalid_data_plan(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A data plan under `docs/data-plans/` (config `data_plans`) that cannot approve anything:
    its front matter is missing `approved_by`, `approved_on`, `backup` or `rollback` (or
    fills them with a placeholder), is not valid YAML, lists no migrations or operations, or
    names a migration that does not exist. Plans changed by the commit are always judged;
    other plans when they list a destructive operation of the change.

    ## Why
    A data plan is the inventory's only exception to "migrations are additive": it promises a
    verified backup, a rehearsed rollback and a named approver. A plan without them is a
    promise nobody made, and the destructive migration it names still fails.

    ## Example
    ```yaml
    ---
    id: DP-2026-001
    migrations: [20260201_drop_legacy_flags]
    operations: [drop_column users.legacy_flag]
    approved_on: 2026-02-01
    backup: storage/backups/2026-02-01/
    rollback: restore backup, then re-run 20260131 head
    ---
    ```
    is reported: `approved_by` is missing.

    ## Fix
    Fill every field — `approved_by: [name@example.com]` once the approver has signed off —
    and make `migrations` name revision ids or SQL file paths that exist.
    """
    return problem_hits(ctx.problems, "PLAN101", object_kind="plan")
