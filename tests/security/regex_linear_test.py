"""No regular expression that reads repository SQL is super-linear (docs/security.md: 10 MB files
give a finding, not a hang). Each adversarial input of about 1 MB goes through the public
entry points (the SQL migration detector, the schema snapshot detector, the statement
lines SQL suppressions read) in a child process that has a CPU limit; each must be done
within 2 s of CPU. Before the fix, 4 KB of spaces after ``RENAME TABLE`` took 100 s (a cubic
regex), and semicolons in a trigger body rescanned the statement's leading blanks each time
(quadratic).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cpu_limit import run_limited

SIZE = 1_000_000
BUDGET = 2.0  # CPU seconds for the work, after the imports
HALF = SIZE // 2

CHILD = """
import json, sys, time
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, sql, sqlite_schema
from selenite_inventory_lint.model import FileChange

text = open(sys.argv[1], encoding="utf-8").read()
dialect = sys.argv[2]
ctx = DetectContext(config=Config(dialect=dialect))
sql.parse("SELECT 1;", path="warm.sql", dialect=dialect)  # sqlglot's own start-up
spent = {}
for path, detector in (("db/0002.sql", sql.DETECTOR), ("db/schema.sql", sqlite_schema.DETECTOR)):
    change = FileChange(
        status="added", path=path, new_bytes=text.encode(), new_text=text, loaded=True
    )
    started = time.process_time()
    detector.detect(change, ctx)
    spent[detector.name] = time.process_time() - started
started = time.process_time()
sql.statement_lines(text, dialect)  # what SQL suppressions read
spent["statement_lines"] = time.process_time() - started
print(json.dumps(spent))
"""
# The child's whole CPU (start-up included); a super-linear regex blows it by far.
CPU_SECONDS = 20

CASES = [
    pytest.param("RENAME TABLE a TO b" + " " * SIZE + "x;", "mysql", id="rename-table-spaces"),
    pytest.param("RENAME TABLE a TO b," + " " * SIZE + "c TO", "mysql", id="rename-pairs"),
    pytest.param(
        " " * HALF + "CREATE TRIGGER x AFTER INSERT ON t BEGIN" + ";" * HALF,
        "sqlite",
        id="trigger-body-semicolons-after-blanks",
    ),
    pytest.param(
        "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1"
        + ("; end" + " " * 20 + "if") * (SIZE // 28)
        + "; END;",
        "mysql",
        id="trigger-body-end-lookahead",
    ),
    pytest.param(
        "CREATE TRIGGER x BEGIN " + "a: begin;" * (SIZE // 9), "mysql", id="labelled-blocks"
    ),
    pytest.param("SELECT '" + "''" * HALF, "sqlite", id="unterminated-string-of-escapes"),
    pytest.param("SELECT '" + "\\" * SIZE, "mysql", id="unterminated-string-of-backslashes"),
    pytest.param("SELECT E'" + "\\'" * HALF, "postgres", id="unterminated-e-string"),
    pytest.param("SELECT " + '"' * SIZE, "sqlite", id="double-quotes"),
    pytest.param("SELECT " + "[" * SIZE, "sqlite", id="brackets"),
    pytest.param("SELECT " + "$a" * HALF, "postgres", id="partial-dollar-tags"),
    pytest.param("SELECT $" + "a" * SIZE, "postgres", id="long-partial-dollar-tag"),
    pytest.param("SELECT $a$" + "$a" * HALF, "postgres", id="unterminated-dollar-quote"),
    pytest.param("/*" + "*" * SIZE, "sqlite", id="unterminated-comment"),
    pytest.param("--x\n" * (SIZE // 4) + "SELECT 1;", "sqlite", id="comment-lines"),
    pytest.param(" " * SIZE, "sqlite", id="spaces"),
    pytest.param("create " + "/**/ " * (SIZE // 5) + "x;", "sqlite", id="create-then-comments"),
    pytest.param("create or " * (SIZE // 10) + "x;", "postgres", id="partial-create-or-replace"),
    pytest.param("ALTER" + " " * SIZE + "x;", "sqlite", id="partial-alter-table"),
    pytest.param("begin " * (SIZE // 6), "sqlite", id="begin-words"),
    pytest.param(
        "CREATE RULE r AS ON INSERT TO t DO (" + "(" * HALF, "postgres", id="rule-parentheses"
    ),
    pytest.param(
        # The always-true WHERE check walks AND/OR chains itself: sqlglot's simplify is
        # quadratic on them (3,000 terms took 30 s).
        "UPDATE t SET a = 1 WHERE " + " AND ".join(f"x{i} > {i}" for i in range(5000)) + ";",
        "sqlite",
        id="long-where-chain",
    ),
]


@pytest.mark.parametrize(("text", "dialect"), CASES)
def test_adversarial_sql_is_read_in_linear_time(text: str, dialect: str, tmp_path: Path) -> None:
    source = tmp_path / "input.sql"
    source.write_text(text, encoding="utf-8")
    code = f"import sys\nsys.argv[1:] = [{str(source)!r}, {dialect!r}]\n" + CHILD
    spent = json.loads(run_limited(code, cpu_seconds=CPU_SECONDS).stdout)
    assert max(spent.values()) < BUDGET, spent


def test_a_data_plan_value_of_blanks_is_judged_in_linear_time() -> None:
    # The placeholder pattern backtracked over blanks: quadratic inside a value (8,000 took
    # 0.6 s, 200,000 minutes), cubic around it.
    done = run_limited(
        """
        from selenite_inventory_lint.data_plans import parse_plan

        blanks = " " * 200_000
        text = (
            "---\\nid: DP-1\\nmigrations: [0002]\\noperations: [drop_table t]\\n"
            "approved_by: [a@example.com]\\napproved_on: 2026-01-01\\n"
            f'backup: "todo{blanks}x"\\nrollback: "{blanks}"\\n---\\n'
        )
        plan = parse_plan("docs/data-plans/dp.md", text)
        print(sorted(plan.missing))
        """,
        cpu_seconds=5,
    )
    assert done.stdout == "['rollback']\n"
