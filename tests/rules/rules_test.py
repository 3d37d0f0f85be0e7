"""Rule cases, run through the real pipeline without git (docs/development.md).

Each ``cases/<CODE>.yaml`` maps case names to a scenario:

``before`` / ``after``
    repository files (path → text) at the base and at the head of the change;
``inventory`` / ``inventory_before``
    the inventory at the head (default: the reference inventory) and at the base (default:
    the same, i.e. the inventory is not part of the change);
``config``
    `.inventory-lint.yaml` content as a mapping;
``trust``
    true to check the change as a range with a base commit (docs/security.md): the
    configuration is the ``before`` tree's `.inventory-lint.yaml` (or pyproject.toml) and
    plans of the change are introduced;
``audit``
    true to judge the ``after`` tree with `audit` (the whole repository at HEAD) instead of
    checking the change;
``expect``
    ``"CODE path:line"`` for every finding of the file's code (``err_*`` cases), nothing
    for ``ok_*`` cases. Findings of other codes are not compared.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from in_memory import changeset_from_texts

from selenite_inventory_lint import pipeline
from selenite_inventory_lint.config import Config, discover_settings, parse_config
from selenite_inventory_lint.rules import BY_CODE, RULES

CASES = Path(__file__).parent / "cases"
REFERENCE = Path(__file__).parents[1] / "inventory" / "fixtures" / "reference.md"
SPEC_CODES = {
    *(f"INV{n}" for n in (101, 102, 103, 104, 105, 201, 202, 203, 301, 302, 303)),
    *(f"MIG{n}" for n in (101, 102, 103, 104, 105, 106, 107, 108, 109, 110)),
    *(f"MIG{n}" for n in (201, 202, 203, 204, 205, 301)),
    "SUP101",
    "SUP102",
    "PLAN101",
    *(f"DATA{n}" for n in (101, 102, 103, 104, 201, 202, 203)),
}
# DATA codes judge a rehearsed database, not a change set: their cases are tests of
# `rehearse`, named in that module's RULE_CASES (code → a passing and a failing test).
REHEARSE_TESTS = Path(__file__).parents[1] / "commands" / "rehearse_test.py"


def _load() -> list[Any]:
    params = []
    for file in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for name, case in data.items():
            if name.startswith("_"):
                continue  # YAML anchors shared by the cases
            params.append(pytest.param(file.stem, name, case, id=f"{file.stem}::{name}"))
    return params


def run_case(case: dict[str, Any]) -> list[str]:
    reference = REFERENCE.read_text(encoding="utf-8")
    inventory = case.get("inventory", reference)
    before = {
        "DATA_INVENTORY.md": case.get("inventory_before", inventory),
        **case.get("before", {}),
    }
    after = {"DATA_INVENTORY.md": inventory, **case.get("after", {})}
    config = parse_config(case.get("config"), ".inventory-lint.yaml")
    if case.get("audit"):
        from selenite_inventory_lint.audit import run_audit

        tree = changeset_from_texts({}, after)
        result = run_audit(tree, config, selection=pipeline.Selection())
        return [f"{f.code} {f.path}:{f.line}" for f in result.findings]
    changeset = changeset_from_texts(before, after)
    trust = None
    if case.get("trust"):
        settings = discover_settings(before.get)
        config = parse_config(settings.data, settings.path) if settings else Config()
        trust = pipeline.Trust()
    result = pipeline.run(changeset, config, selection=pipeline.Selection(), trust=trust)
    return [f"{f.code} {f.path}:{f.line}" for f in result.findings]


@pytest.mark.parametrize(("code", "name", "case"), _load())
def test_rule_case(code: str, name: str, case: dict[str, Any]) -> None:
    assert name.startswith(("ok_", "err_")), "case names start with ok_ or err_"
    found = [f for f in run_case(case) if f.split()[0] == code]
    expected = case.get("expect", [])
    if name.startswith("ok_"):
        assert found == []
    else:
        assert expected, "an err_ case names the findings it expects"
        assert found == expected


def test_codes_are_unique_sorted_and_in_the_spec() -> None:
    codes = [rule.code for rule in RULES]
    assert codes == sorted(set(codes))
    assert all(re.fullmatch(r"(INV|MIG|PLAN|SUP|DATA)\d{3}", c) for c in codes)
    assert set(codes) <= SPEC_CODES


@pytest.mark.parametrize("code", sorted(BY_CODE))
def test_rule_docs_have_the_four_sections_in_order(code: str) -> None:
    rule = BY_CODE[code]
    headings = re.findall(r"^## (\w+)$", rule.docs, flags=re.MULTILINE)
    assert headings == ["What", "Why", "Example", "Fix"]
    assert not rule.summary.endswith(".")


def _rehearse_cases() -> tuple[dict[str, tuple[str, str]], set[str]]:
    """``RULE_CASES`` of the rehearse tests, and the test functions that module defines."""
    import ast

    tree = ast.parse(REHEARSE_TESTS.read_text(encoding="utf-8"))
    cases: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "RULE_CASES" for t in node.targets
        ):
            cases = ast.literal_eval(node.value)
    tests = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return cases, tests


@pytest.mark.parametrize("code", sorted(BY_CODE))
def test_every_code_has_passing_and_failing_cases(code: str) -> None:
    if code.startswith("DATA"):
        cases, tests = _rehearse_cases()
        assert code in cases, f"{code} missing from RULE_CASES in {REHEARSE_TESTS.name}"
        assert set(cases[code]) <= tests
        return
    file = CASES / f"{code}.yaml"
    assert file.is_file(), f"missing {file.name}"
    names = yaml.safe_load(file.read_text(encoding="utf-8")).keys()
    assert any(n.startswith("ok_") for n in names)
    assert any(n.startswith("err_") for n in names)


def test_no_orphan_case_files() -> None:
    assert {f.stem for f in CASES.glob("*.yaml")} <= set(BY_CODE)


def test_rule_facts_hang_together() -> None:
    from selenite_inventory_lint.rules import (
        AUDIT_CODES,
        DESTRUCTIVE,
        FIXABLE,
        LATE,
        PLAN_COVERABLE,
    )

    # A destructive operation is exactly what a data plan exists to approve.
    assert DESTRUCTIVE <= PLAN_COVERABLE
    # --fix writes inventory entries: only the "not in the inventory" family is fixable.
    assert {code for code in BY_CODE if code.startswith("INV1")} == FIXABLE
    # A late rule judges the findings of the others; it cannot be one of them.
    assert LATE == ("PLAN101", "SUP101")
    assert {"INV101", "MIG201", "SUP101"} <= AUDIT_CODES
    assert not AUDIT_CODES & DESTRUCTIVE  # audit judges a repository, not a change's operations
