"""`--select`/`--ignore` and the `select:`/`ignore:`/`severity:` keys read codes as ruff does:
case-insensitive, repeated flags accumulate, and a code or prefix that selects no rule is a
usage error instead of switching rules off in silence."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = "# Inventory\n\n## Database\n- `users`: accounts.\n- `legacy`: old flags.\n"


@pytest.fixture
def change(repo: GitRepo) -> GitRepo:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write(
        "db/0001_init.sql", "CREATE TABLE users (id INTEGER);\nCREATE TABLE legacy (id INTEGER);\n"
    )
    repo.commit("base")
    # MIG101 (legacy dropped) and INV101 (invoices undocumented); INV201 for the stale entry.
    repo.write(
        "db/0002_more.sql",
        "DROP TABLE legacy;\nCREATE TABLE IF NOT EXISTS invoices (id INTEGER);\n",
    )
    repo.commit("change")
    return repo


def _codes(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    code = main(["check", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "json", *args])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return sorted({f["code"] for f in json.loads(out)["findings"]})


def test_repeated_flags_accumulate_and_codes_are_case_insensitive(
    change: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _codes(change, capsys) == ["INV101", "INV201", "MIG101"]
    assert _codes(change, capsys, "--select", "mig1", "--select", "inv1") == ["INV101", "MIG101"]
    assert _codes(change, capsys, "--select", "MIG101,inv101") == ["INV101", "MIG101"]
    assert _codes(change, capsys, "--ignore", "mig", "--ignore", "INV2") == ["INV101"]


@pytest.mark.parametrize(
    "args",
    [("--select", "INV999"), ("--select", "inv9"), ("--ignore", "FOO"), ("--select", "MIG1,XYZ")],
    ids=["unknown-code", "prefix-of-nothing", "not-a-code", "one-bad-in-a-list"],
)
def test_a_code_that_selects_no_rule_is_a_usage_error(
    change: GitRepo, capsys: pytest.CaptureFixture[str], args: tuple[str, str]
) -> None:
    code = main(["check", "--repo", str(change.path), "--base", "HEAD~1", *args])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "is not a rule code or prefix" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("select: [INV9]\n", "select"),
        ("ignore: [foo]\n", "ignore"),
        ("severity: {MIG1: warning}\n", "severity.MIG1"),
    ],
)
def test_configuration_codes_are_checked_too(
    change: GitRepo, capsys: pytest.CaptureFixture[str], config: str, message: str
) -> None:
    change.write(".inventory-lint.yaml", config)
    code = main(
        ["check", "--repo", str(change.path), "--config", str(change.path / ".inventory-lint.yaml")]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert "is not a rule code" in err


def test_configuration_codes_are_case_insensitive(
    change: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    change.write(".inventory-lint.yaml", "select: [mig1, Inv1]\nseverity: {mig101: warning}\n")
    config = str(change.path / ".inventory-lint.yaml")
    code = main(
        [
            "check",
            "--repo",
            str(change.path),
            "--base",
            "HEAD~1",
            "--config",
            config,
            "--format",
            "json",
        ]
    )
    out, _ = capsys.readouterr()
    found = {(f["code"], f["severity"]) for f in json.loads(out)["findings"]}
    assert found == {("INV101", "error"), ("MIG101", "warning")}
    assert code == 1
