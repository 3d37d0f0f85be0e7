"""SUP101: suppression comments that are wrong or do nothing; SUP102: a range that changes
the configuration it is checked with."""

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


def changed_configuration(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A range with a base (`--base`, a CI pull request, a pre-push range) that changes
    `.inventory-lint.yaml` or the `[tool.selenite-inventory-lint]` table of `pyproject.toml`.
    The message names the keys that changed (`ignore`, `severity.MIG101`, ...). The check
    itself ran with the configuration of the base commit.

    ## Why
    The change under review must not set its own rules: a pull request that adds
    `ignore: [MIG]`, points `data_plans:` at a folder it wrote or lowers `severity` would
    otherwise pass its own destructive migration. Its configuration takes effect once merged,
    and the reviewer sees that it changes.

    ## Example
    ```yaml
    # .inventory-lint.yaml, changed by the pull request
    ignore: [MIG102]
    severity: {MIG101: info}
    ```
    is reported as `configuration changed inside the change set (ignore, severity.MIG101)`.

    ## Fix
    Review the configuration change like code. If it is right, merge it (in its own pull
    request when other changes depend on it); `--config FILE` names a configuration
    explicitly.
    """
    return problem_hits(ctx.problems, "SUP102")
