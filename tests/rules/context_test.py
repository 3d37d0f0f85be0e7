"""RuleContext's "earlier/later in this change" questions, on large change sets."""

from __future__ import annotations

from pathlib import Path

from cpu_limit import run_limited

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.inventory.coverage import Coverage
from selenite_inventory_lint.inventory.parse import parse_inventory
from selenite_inventory_lint.model import Action, Change, Kind
from selenite_inventory_lint.rules.context import RuleContext

# Each question scanned every change of the run, for every change: minutes of CPU on these sizes.
CPU_SECONDS = 10
COUNT = 20_000


def _change(
    name: str,
    action: Action,
    line: int,
    *,
    guarded: bool = False,
    guard: int | None = None,
    old_name: str | None = None,
) -> Change:
    kind: Kind = "column" if "." in name else "table"
    return Change(
        kind=kind,
        name=name,
        action=action,
        path="db/0001.sql",
        line=line,
        source="sql",
        guarded=guarded,
        guard=guard,
        old_name=old_name,
    )


def _context(changes: list[Change]) -> RuleContext:
    inventory = parse_inventory("# Inventory\n\n## Database\n- `users`: accounts.\n")
    return RuleContext(
        config=Config(),
        changes=tuple(changes),
        files=(),
        problems=(),
        inventory=inventory,
        coverage=Coverage(inventory),
    )


def test_thousands_of_new_tables_are_judged_in_linear_time() -> None:
    done = run_limited(
        f"""
        import sys
        sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parents[1])!r}]
        from context_test import COUNT, _change, _context
        from selenite_inventory_lint.rules import BY_CODE

        changes = [_change(f"t{{i}}", "added", i + 1) for i in range(COUNT)]
        changes.append(_change("t0", "dropped", COUNT + 1))
        print(len(list(BY_CODE["INV101"].check(_context(changes)))))
        """,
        cpu_seconds=CPU_SECONDS,
    )
    # t0 is created and dropped in the same change: nothing is kept, nothing to document.
    assert done.stdout == f"{COUNT - 1}\n"


def test_questions_about_order() -> None:
    create = _change("t", "added", 1)
    guarded = _change("g", "added", 2, guarded=True, guard=2)
    column = _change("t.c", "added", 3, guarded=True, guard=7)
    drop = _change("t", "dropped", 4)
    again = _change("t", "added", 5)
    rename = _change("g2", "renamed", 6, old_name="g")
    ctx = _context([again, rename, drop, column, guarded, create])
    assert ctx.ordered == (create, guarded, column, drop, again, rename)
    assert ctx.created_before(drop, table="t")
    assert not ctx.created_before(create, table="t")
    assert not ctx.created_before(rename, table="g")
    assert ctx.created_before(rename, table="g", unguarded=False)
    assert ctx.column_added_before(drop, "t.c", 7)
    assert not ctx.column_added_before(drop, "t.c", 8)
    assert not ctx.column_added_before(drop, "t.c", None)
    assert ctx.recreated_after(drop)
    assert ctx.dropped_after(create, "t")
    assert ctx.dropped_after(guarded, "g")
    assert not ctx.dropped_after(again, "t")
    stranger = _change("t", "dropped", 99)  # not one of this run's: after all of them
    assert ctx.created_before(stranger, table="t")
