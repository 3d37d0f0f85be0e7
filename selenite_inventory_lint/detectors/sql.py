"""SQL detector (SPEC §3.2) — placeholder until the sqlglot implementation lands.

Only ``analyze_sql`` exists so far, for the Alembic detector to hand literal SQL to.
"""

from __future__ import annotations

from selenite_inventory_lint.model import DetectorResult


def analyze_sql(
    sql: str,
    *,
    path: str,
    line: int,
    dialect: str,
    migration: str | None,
    source: str,
    guarded: bool,
    guard: int | None,
    sequence: int,
) -> DetectorResult:
    """Changes made by literal SQL that starts at ``line`` of ``path`` (not implemented yet)."""
    del sql, path, line, dialect, migration, source, guarded, guard, sequence
    return DetectorResult()
