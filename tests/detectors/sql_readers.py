"""What the tests of the SQL detector's two readers share: sqlglot's parses counted, and a
text read as the detector reads it and again by sqlglot alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from selenite_inventory_lint.detectors.sql import fast, statements
from selenite_inventory_lint.detectors.sql.statements import Statement, parse

DIALECTS = ("sqlite", "postgres", "mysql")


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every statement that reaches sqlglot's parser from now on, in order."""
    seen: list[str] = []
    real: Callable[..., Any] = statements._syntax_trees

    def counting(tools: Any, tokens: list[Any], text: str) -> Any:
        seen.append(text)
        return real(tools, tokens, text)

    monkeypatch.setattr(statements, "_syntax_trees", counting)
    return seen


def parse_all(text: str, dialect: str) -> list[Statement]:
    return parse(text, path="m.sql", dialect=dialect, migration="m.sql")


def both_paths(
    text: str, dialect: str, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Statement], list[Statement], int]:
    """``text`` read as the detector reads it, then by sqlglot alone (no token reader, no
    inert-statement check), and how many statements the first reading parsed; ``parses``,
    the list ``count_parses`` fills, holds the second reading's parses afterwards."""
    parses.clear()
    quick = parse_all(text, dialect)
    quick_parses = len(parses)
    monkeypatch.setattr(fast, "read", lambda chunk, dialect, emitter: None)
    monkeypatch.setattr(statements, "_inert", lambda tokens, types: False)
    parses.clear()
    return quick, parse_all(text, dialect), quick_parses
