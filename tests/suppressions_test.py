"""Suppression comments: which lines they cover, and hostile files stay linear."""

from __future__ import annotations

import time

from selenite_inventory_lint.model import Finding
from selenite_inventory_lint.suppressions import apply_suppressions, parse_suppressions

COMMENT = "# inventory-lint: ignore[MIG101] dropped on purpose"
# Quadratic work on these files took minutes; linear work takes well under a second.
SECONDS = 10.0  # of CPU (time.process_time): a loaded machine does not inflate it


def _finding(line: int, path: str = "m.sql", code: str = "MIG101") -> Finding:
    return Finding(
        code=code,
        severity="error",
        message="table t is dropped",
        path=path,
        line=line,
        object_kind="table",
        object_name="t",
    )


def test_comment_only_line_covers_itself_and_the_next_code_line() -> None:
    (sup,) = parse_suppressions("a.py", f"{COMMENT}\n\n# note\nop.drop_table('t')\n")
    assert sup.covers == ((1, 1), (4, 4))


def test_form_feed_and_line_separator_do_not_shift_lines() -> None:
    # str.splitlines() also breaks at \x0c and U+2028; the detectors number lines at
    # LF, CRLF and CR only, so a suppression must too.
    text = "x = 1\x0c\ny = '\u2028'\n" + COMMENT + "\nop.drop_table('t')\n"
    (sup,) = parse_suppressions("a.py", text)
    assert sup.line == 3
    assert sup.covers == ((3, 3), (4, 4))


def test_statements_sharing_a_line_are_all_covered() -> None:
    text = "-- inventory-lint: ignore[MIG101] both go\nDROP TABLE a; DROP TABLE b;\n"
    (sup,) = parse_suppressions("m.sql", text)
    kept, problems = apply_suppressions(
        [_finding(2), _finding(2)], {"m.sql": (sup,)}, {"MIG101"}, lambda p, n: True
    )
    assert kept == ()
    assert problems == ()


def test_thousands_of_comment_only_suppressions_stay_linear() -> None:
    text = (COMMENT + "\n") * 100_000 + "op.drop_table('t')\n"
    started = time.process_time()
    sups = parse_suppressions("a.py", text)
    kept, _ = apply_suppressions(
        [_finding(100_001, "a.py")] * 1_000, {"a.py": sups}, {"MIG101"}, lambda p, n: False
    )
    assert time.process_time() - started < SECONDS
    assert kept == ()
    assert sups[0].covers == ((1, 1), (100_001, 100_001))


def test_suppressions_inside_one_huge_statement_stay_linear() -> None:
    body = "".join(f"  a{i} INT, -- inventory-lint: ignore[MIG101] x\n" for i in range(20_000))
    text = f"CREATE TABLE t (\n{body}  z INT\n);\n"
    started = time.process_time()
    sups = parse_suppressions("m.sql", text)
    kept, _ = apply_suppressions(
        [_finding(n) for n in range(1, 20_003)], {"m.sql": sups}, {"MIG101"}, lambda p, n: False
    )
    assert time.process_time() - started < SECONDS
    assert kept == ()
    assert sups[0].covers == ((1, 20_003),)
