"""The one registry of rules (docs/development.md): a code-sorted tuple of ``Rule`` records.

A rule's check function takes the ``RuleContext`` of a run and yields ``Hit`` records; the
pipeline turns hits into findings with the rule's code and configured severity. The check
function's docstring is the rule's documentation (What / Why / Example / Fix).
"""

from __future__ import annotations

from collections.abc import Mapping

from selenite_inventory_lint.model import Severity
from selenite_inventory_lint.records import Record
from selenite_inventory_lint.rules import (
    destructive,
    entries,
    history,
    plans,
    rehearsal,
    stale,
    suppression,
    unanalyzable,
    undocumented,
)
from selenite_inventory_lint.rules.context import Check


class Rule(Record):
    """Every fact about a rule, in one place: the reports, ``--fix``, ``audit``, data plans and
    the pipeline's order all ask the rule rather than keeping lists of codes of their own."""

    code: str
    severity: Severity
    summary: str
    check: Check
    # It reports an operation that destroys or rewrites data (critical in GitLab, listed
    # among the destructive operations of the review).
    destructive: bool = False
    # A data plan can approve it (by migration and operation).
    plan_coverable: bool = False
    # `--fix` can write a stub entry for it.
    fixable: bool = False
    # It judges a whole repository, so `audit` runs it too.
    in_audit: bool = False
    # It judges the other findings (suppressions, plans), so it runs after them.
    late: bool = False

    @property
    def name(self) -> str:
        return self.check.__name__

    @property
    def docs(self) -> str:
        import inspect

        return inspect.cleandoc(self.check.__doc__ or "")


def _build() -> tuple[Rule, ...]:
    rules = [
        Rule(
            code="DATA101",
            severity="error",
            summary="Rehearsed migration drops or empties a table holding rows",
            check=rehearsal.lost_table,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="DATA102",
            severity="error",
            summary="Rehearsed migration loses rows of a table",
            check=rehearsal.lost_rows,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="DATA103",
            severity="error",
            summary="Rehearsed migration drops a column holding values",
            check=rehearsal.lost_column,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="DATA104",
            severity="error",
            summary="Rehearsed migration loses values of a column",
            check=rehearsal.lost_values,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="DATA201",
            severity="error",
            summary="Migration command failed on the copy of the backup",
            check=rehearsal.failed_migration,
        ),
        Rule(
            code="DATA202",
            severity="error",
            summary="Integrity or foreign key check failed after the upgrade",
            check=rehearsal.broken_integrity,
        ),
        Rule(
            code="DATA203",
            severity="error",
            summary="Round trip (upgrade, then down) does not restore the backup",
            check=rehearsal.broken_round_trip,
        ),
        Rule(
            code="INV101",
            severity="error",
            summary="Table added, not in the inventory",
            check=undocumented.undocumented_table,
            fixable=True,
            in_audit=True,
        ),
        Rule(
            code="INV102",
            severity="error",
            summary="Column added, not covered by the inventory",
            check=undocumented.undocumented_column,
            fixable=True,
            in_audit=True,
        ),
        Rule(
            code="INV103",
            severity="error",
            summary="Storage path referenced, not covered by the inventory",
            check=undocumented.undocumented_path,
            fixable=True,
            in_audit=True,
        ),
        Rule(
            code="INV104",
            severity="error",
            summary="Environment variable referenced, not in the inventory",
            check=undocumented.undocumented_env,
            fixable=True,
            in_audit=True,
        ),
        Rule(
            code="INV105",
            severity="error",
            summary="Config/state or database file added, not covered by the inventory",
            check=undocumented.undocumented_config_file,
            fixable=True,
            in_audit=True,
        ),
        Rule(
            code="INV201",
            severity="error",
            summary="Object retired but its inventory entry remains",
            check=stale.retired_entry,
            in_audit=True,
        ),
        Rule(
            code="INV202",
            severity="error",
            summary="Object renamed; the inventory still has only the old name",
            check=stale.renamed_entry,
        ),
        Rule(
            code="INV203",
            severity="error",
            summary="Inventory entry removed while its object still exists",
            check=stale.removed_entry,
        ),
        Rule(
            code="INV301",
            severity="error",
            summary="Inventory entry with a placeholder or empty description",
            check=entries.placeholder_description,
            in_audit=True,
        ),
        Rule(
            code="INV302",
            severity="warning",
            summary="Inventory list item that is not an entry, or a duplicate entry",
            check=entries.malformed_entry,
            in_audit=True,
        ),
        Rule(
            code="INV303",
            severity="warning",
            summary="Source file that cannot be analyzed for env vars or storage paths",
            check=unanalyzable.unanalyzable_source,
            in_audit=True,
        ),
        Rule(
            code="MIG101",
            severity="error",
            summary="Table dropped",
            check=destructive.dropped_table,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="MIG102",
            severity="error",
            summary="Column dropped",
            check=destructive.dropped_column,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="MIG103",
            severity="error",
            summary="Table or column renamed",
            check=destructive.renamed_object,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="MIG104",
            severity="error",
            summary="Column type changed or made NOT NULL",
            check=destructive.narrowed_column,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="MIG105",
            severity="error",
            summary="Table rebuilt or copied",
            check=destructive.rebuilt_table,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="MIG106",
            severity="error",
            summary="Rows deleted, truncated, or updated without WHERE",
            check=destructive.rewritten_rows,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="MIG107",
            severity="warning",
            summary="Non-idempotent DDL",
            check=destructive.non_idempotent_ddl,
            plan_coverable=True,
        ),
        Rule(
            code="MIG108",
            severity="error",
            summary="NOT NULL column added without a default",
            check=destructive.not_null_column_without_default,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="MIG109",
            severity="warning",
            summary="UNIQUE index or constraint added on an existing table",
            check=destructive.unique_index_on_existing_table,
            plan_coverable=True,
        ),
        Rule(
            code="MIG110",
            severity="error",
            summary="UPDATE, REPLACE or upsert that overwrites existing values",
            check=destructive.overwritten_rows,
            destructive=True,
            plan_coverable=True,
        ),
        Rule(
            code="MIG201",
            severity="error",
            summary="Alembic history has more than one head",
            check=history.multiple_heads,
            in_audit=True,
        ),
        Rule(
            code="MIG202",
            severity="error",
            summary="Migration present at the base was modified or deleted",
            check=history.edited_migration,
        ),
        Rule(
            code="MIG203",
            severity="error",
            summary="down_revision names a revision that does not exist",
            check=history.unknown_down_revision,
            in_audit=True,
        ),
        Rule(
            code="MIG204",
            severity="warning",
            summary="SQLAlchemy models and the migrations disagree about a table or column",
            check=history.models_disagree,
            in_audit=True,
        ),
        Rule(
            code="MIG205",
            severity="error",
            summary="New SQL migration sorts before migrations present at the base",
            check=history.out_of_order_migration,
        ),
        Rule(
            code="MIG301",
            severity="error",
            summary="Migration content that cannot be analyzed",
            check=unanalyzable.unanalyzable_migration,
            in_audit=True,
        ),
        Rule(
            code="PLAN101",
            severity="error",
            summary="Data plan that is missing, unapproved or incomplete",
            check=plans.invalid_data_plan,
            late=True,
        ),
        Rule(
            code="SUP101",
            severity="warning",
            summary="Suppression comment without a reason, with an unknown code, or unused",
            check=suppression.invalid_suppression,
            in_audit=True,
            late=True,
        ),
        Rule(
            code="SUP102",
            severity="warning",
            summary="Configuration changed inside the change set; it takes effect once merged",
            check=suppression.changed_configuration,
        ),
    ]
    return tuple(sorted(rules, key=lambda r: r.code))


RULES: tuple[Rule, ...] = _build()
BY_CODE: Mapping[str, Rule] = {rule.code: rule for rule in RULES}
DESTRUCTIVE = frozenset(rule.code for rule in RULES if rule.destructive)


def unknown_code(value: str, *, prefix: bool = True) -> str | None:
    """Why ``value`` (upper-cased) selects no rule, with the nearest code or family as a hint;
    None when it is a code (or, with ``prefix``, the start of one), as ruff reads them."""
    import difflib

    if value in BY_CODE or (prefix and any(code.startswith(value) for code in BY_CODE)):
        return None
    families = sorted({code[: len(code) - 2] for code in BY_CODE} | {code[:-3] for code in BY_CODE})
    known = [*BY_CODE, *(families if prefix else ())]
    close = difflib.get_close_matches(value, known, n=1)
    what = "rule code or prefix" if prefix else "rule code"
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"'{value}' is not a {what}{hint}; `selenite-inventory-lint rules` lists them"


PLAN_COVERABLE = frozenset(rule.code for rule in RULES if rule.plan_coverable)
FIXABLE = frozenset(rule.code for rule in RULES if rule.fixable)
AUDIT_CODES = frozenset(rule.code for rule in RULES if rule.in_audit)
LATE = tuple(rule.code for rule in RULES if rule.late)
