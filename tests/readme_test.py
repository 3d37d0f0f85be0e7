"""The README's rule and configuration references cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.rules import RULES

README = Path(__file__).parents[1] / "README.md"


def test_rules_table_matches_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- rules-table")[1].split("<!-- /rules-table -->")[0]
    rows = re.findall(r"^\| ([A-Z]+\d{3}) \| (\w+) \| (.+) \|$", block, flags=re.MULTILINE)
    assert rows == [(r.code, r.severity, r.summary) for r in RULES]


def test_configuration_table_names_every_key() -> None:
    text = README.read_text(encoding="utf-8").split("\n## Configuration\n")[1].split("\n## ")[0]
    documented = set(re.findall(r"^\| `(\w+)`(?: / `(\w+)`)? \|", text, flags=re.MULTILINE))
    keys = {k for pair in documented for k in pair if k}
    assert keys == {f for f in Config.__dataclass_fields__ if f != "source"}


def test_opening_example_is_what_the_demo_prints(
    git_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from selenite_inventory_lint.cli import main

    text = README.read_text(encoding="utf-8")
    example = text.split("```\n$ selenite-inventory-lint check --base main\n", 1)[1]
    example = example.split("```", 1)[0]
    assert main(["demo"]) == 1
    printed = capsys.readouterr().out
    assert printed.split("\n\n", 1)[1] == example
