"""Fuzz: suppression comments in any file, applied to any findings (docs/rules.md).

Besides never raising, the indexed lookup must agree with the plain reading of the rules:
a finding is suppressed by the first comment (in file order) that covers its line, names
its code and gives a reason.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint.model import Finding
from selenite_inventory_lint.suppressions import Suppression, apply_suppressions, parse_suppressions

from . import budget
from .strategies import lines

TARGET = "suppressions parser"
SHARE = budget.share(2)
CODES = ("INV101", "MIG101", "MIG102", "SUP101")

WORDS = (
    "# inventory-lint: ignore[MIG101] reason",
    "-- inventory-lint: ignore[MIG101,MIG102] dropped on purpose",
    "<!-- inventory-lint: ignore[INV101] ok -->",
    "// inventory-lint: ignore[INV101]",
    "# inventory-lint: ignore[] x",
    "# inventory-lint: ignore[NOPE1] x",
    "inventory-lint:",
    "ignore[",
    "DROP TABLE t",
    "CREATE TABLE t (a INT)",
    "BEGIN ",
    " END",
    "; ",
    "'",
    "/*",
    "*/",
    "x = 1",
    "\x0c",
    "\u2028",
    "  ",
)
TEXT = lines(WORDS, max_lines=16)
PATHS = st.sampled_from(("m.sql", "app.py", "DATA_INVENTORY.md"))
FINDINGS = st.lists(
    st.builds(
        lambda code, line, path: Finding(
            code=code,
            severity="error",
            message="m",
            path=path,
            line=line,
            object_kind="table",
            object_name="t",
        ),
        st.sampled_from(CODES),
        st.integers(1, 18),
        PATHS,
    ),
    max_size=8,
)


def _reference(finding: Finding, sups: tuple[Suppression, ...]) -> Suppression | None:
    for sup in sups:
        covered = any(first <= finding.line <= last for first, last in sup.covers)
        if covered and finding.code in sup.codes and sup.reason:
            return sup
    return None


@SHARE
@given(path=PATHS, text=TEXT)
@budget.counted(TARGET)
def test_parse_any_text(path: str, text: str) -> None:
    count = text.count("\n") + text.count("\r") + 1
    for sup in parse_suppressions(path, text):
        assert 1 <= sup.line <= count
        assert all(1 <= first <= last <= count for first, last in sup.covers), sup


@SHARE
@given(path=PATHS, text=TEXT, findings=FINDINGS)
@budget.counted(TARGET)
def test_apply_agrees_with_the_plain_reading(path: str, text: str, findings: list[Finding]) -> None:
    sups = parse_suppressions(path, text)
    kept, problems = apply_suppressions(
        findings, {path: sups} if sups else {}, CODES[:3], lambda p, line: True
    )
    expected = [f for f in findings if f.path != path or _reference(f, sups) is None]
    assert list(kept) == expected
    assert all(p.code == "SUP101" for p in problems)
