"""Judging a WHERE costs little: sqlglot's simplifier (a copy and a fold of the condition) only
runs on conditions that name no column, the only ones that can be the tautologies MIG106
looks for. Counted work through the real SQL detector, not time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlglot.optimizer.simplify

from selenite_inventory_lint.detectors.sql.statements import parse


@pytest.fixture
def simplified(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each condition the real simplifier is asked to fold, in order."""
    calls: list[str] = []
    real: Callable[..., Any] = sqlglot.optimizer.simplify.simplify

    def counting(expression: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(expression.sql())
        return real(expression, *args, **kwargs)

    monkeypatch.setattr(sqlglot.optimizer.simplify, "simplify", counting)
    return calls


def _updates(text: str) -> list[tuple[bool | None, tuple[str, ...]]]:
    return [
        (change.where, change.null_only)
        for statement in parse(text, path="m.sql")
        for change in statement.changes
        if change.operation == "update_rows"
    ]


def test_conditions_on_columns_are_never_simplified(simplified: list[str]) -> None:
    wheres = [
        "id = 1",
        "status IN ('done', 'paid')",
        "id = id",
        "total > 10 AND status = 'new'",
        "NOT (id = 3)",
        "status IS NULL",
        "lower(status) = 'x'",
    ]
    text = "".join(f"UPDATE orders SET status = 'x' WHERE {w};\n" for w in wheres * 20)
    found = _updates(text)
    assert len(found) == len(wheres) * 20
    assert all(where is True for where, _ in found)
    assert simplified == []


@pytest.mark.parametrize("where", ["1=1", "TRUE", "1", "'a'='a'", "NOT 0", "2 > 1", "id > 5 OR 1"])
def test_tautologies_are_still_folded_and_unbounded(simplified: list[str], where: str) -> None:
    assert _updates(f"UPDATE orders SET status = 'x' WHERE {where};") == [(False, ())]
    assert simplified


def test_null_only_reads_the_top_level_and() -> None:
    text = (
        "UPDATE t SET a = 1 WHERE a IS NULL AND (b IS NULL) AND c > 1;\n"
        "UPDATE t SET a = 1 WHERE a IS NULL OR b IS NULL;\n"
        "UPDATE t SET a = 1 WHERE NOT a IS NULL;\n"
    )
    assert _updates(text) == [(True, ("a", "b")), (True, ()), (True, ())]
