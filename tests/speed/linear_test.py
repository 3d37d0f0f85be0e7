"""The line-level readers stay linear on hostile input: a revision header or an inventory of
about 1 MB built to make a regular expression backtrack is read within 2 s of CPU, in a child
process under a CPU limit (the pattern of tests/security/regex_linear_test.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cpu_limit import run_limited

SIZE = 1_000_000
BUDGET = 2.0
CPU_SECONDS = 20
CHILD = """
import json, sys, time
from selenite_inventory_lint.detectors.alembic.revisions import read_header, read_revision
from selenite_inventory_lint.inventory.parse import parse_inventory

text = open(sys.argv[1], encoding="utf-8").read()
spent = {}
if sys.argv[2] == "revision":
    started = time.process_time()
    read_header("r.py", enumerate(text.split("\\n"), 1))
    spent["header"] = time.process_time() - started
    started = time.process_time()
    read_revision("r.py", text)
    spent["revision"] = time.process_time() - started
else:
    started = time.process_time()
    parse_inventory(text)
    spent["inventory"] = time.process_time() - started
print(json.dumps(spent))
"""

CASES = [
    pytest.param("revision", "revision = ('a'" + " " * SIZE + "x", id="header-tuple-spaces"),
    pytest.param(
        "revision", "revision = (" + "'a', " * (SIZE // 5) + "x", id="header-tuple-elements"
    ),
    pytest.param("revision", "revision:" + " a" * (SIZE // 2), id="header-annotation"),
    pytest.param("revision", "revision = " + " " * SIZE + "x", id="header-spaces"),
    pytest.param("revision", 'x = """' + "\\\\" * (SIZE // 2), id="header-string-escapes"),
    pytest.param("revision", '"""\n' * (SIZE // 4), id="header-many-docstrings"),
    pytest.param("inventory", "# a" + " " * SIZE + "x", id="inventory-heading-spaces"),
    pytest.param("inventory", "- `a`" + " " * SIZE + "x", id="inventory-item-spaces"),
    pytest.param("inventory", "- `a`" + "&a" * (SIZE // 2), id="inventory-ampersands"),
    pytest.param("inventory", "<!--" + "-" * SIZE, id="inventory-comment-dashes"),
    pytest.param("inventory", "-" + " " * SIZE + "x", id="inventory-break-spaces"),
    pytest.param("inventory", "- `a`, " + "`b`, " * (SIZE // 5), id="inventory-many-keys"),
    pytest.param("inventory", "- `a`\n" * (SIZE // 6), id="inventory-many-items"),
]


@pytest.mark.parametrize(("reader", "text"), CASES)
def test_hostile_headers_and_inventories_are_read_in_linear_time(
    reader: str, text: str, tmp_path: Path
) -> None:
    source = tmp_path / "input.txt"
    source.write_text(text, encoding="utf-8")
    code = f"import sys\nsys.argv[1:] = [{str(source)!r}, {reader!r}]\n" + CHILD
    spent = json.loads(run_limited(code, cpu_seconds=CPU_SECONDS).stdout)
    assert max(spent.values()) < BUDGET, spent
