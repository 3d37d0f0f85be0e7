"""Fuzz: data plan files (YAML front matter) and judging plans against findings (docs/rules.md)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint import data_plans
from selenite_inventory_lint.model import Problem

from . import budget
from .strategies import lines

TARGET = "data plan parser"
SHARE = budget.share(2)
PATH = "docs/data-plans/dp-1.md"

WORDS = (
    "---",
    "...",
    "id: DP-1",
    "migrations: [0002, db/0003.sql]",
    "operations: [drop_column users.legacy]",
    "operations:\n  - drop_table t",
    "approved_by: [a@example.com]",
    "approved_on: 2026-02-01",
    "backup: storage/backups/",
    "rollback: restore",
    "rollback: TODO",
    "approved_by: ",
    "!!python/object/apply:os.system ['touch x']",
    "&a [1]",
    "*a",
    "<<: *a",
    "? ",
    ": ",
    "- ",
    "[",
    "{",
    "'",
    "# Plan",
    "\t",
)
PLAN = st.tuples(st.booleans(), lines(WORDS, max_lines=14)).map(
    lambda t: ("---\n" if t[0] else "") + t[1]
)
CITED = st.lists(
    st.builds(
        data_plans.Cited,
        position=st.integers(0, 5),
        code=st.sampled_from(("MIG101", "MIG102", "MIG106")),
        migration=st.none() | st.sampled_from(("0002", "db/0003.sql", "")),
        path=st.sampled_from(("db/0003.sql", "m/versions/0002.py")),
        operation=st.none() | st.sampled_from(("drop_column users.legacy", "drop_table t")),
        object_name=st.text(max_size=8),
    ),
    max_size=4,
)


@SHARE
@given(text=PLAN)
@budget.counted(TARGET)
def test_parse_any_plan(text: str) -> None:
    plan = data_plans.parse_plan(PATH, text)
    assert plan is None or isinstance(plan, (data_plans.DataPlan, Problem))
    if isinstance(plan, Problem):
        assert plan.code == "PLAN101"
        assert plan.line >= 1


@SHARE
@given(texts=st.lists(PLAN, max_size=3), cited=CITED, changed=st.booleans())
@budget.counted(TARGET)
def test_judge_any_plans(texts: list[str], cited: list[data_plans.Cited], changed: bool) -> None:
    plans = [data_plans.parse_plan(f"docs/data-plans/{i}.md", t) for i, t in enumerate(texts)]
    covered, problems = data_plans.judge_plans(
        [p for p in plans if p is not None],
        cited,
        changed=[f"docs/data-plans/{i}.md" for i in range(len(texts))] if changed else [],
        exists=lambda name: name == "0002",
    )
    assert set(covered) <= {c.position for c in cited}
    assert all(p.code == "PLAN101" and p.line >= 1 for p in problems)
