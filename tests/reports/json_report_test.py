"""The JSON report is the text of the indenting encoder, written without it: the scalars go
through the C encoder in one call and fill a template of the report's layout."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main
from selenite_inventory_lint.model import Finding, ReportedChange, RunResult
from selenite_inventory_lint.reports import json_report
from selenite_inventory_lint.reports.review import json_text

from .scenarios import SCENARIOS, change, finding, result

if TYPE_CHECKING:
    from conftest import GitRepo


@pytest.fixture
def indenting_encoder(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pure-Python encoders built (json.dumps with ``indent`` builds one)."""
    built = [0]
    real = json.encoder._make_iterencode  # type: ignore[attr-defined]

    def counted(*args: object, **kwargs: object) -> Callable[..., object]:
        built[0] += 1
        return real(*args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(json.encoder, "_make_iterencode", counted)
    return built


def _odd_values() -> RunResult:
    """Every kind of scalar the report holds, and strings the encoder escapes."""
    odd = 'q"uote\\back\nline\ttab\x1b[2J\u2028\u00e9\U0001f600 100%s %d'
    stray = "storage/caf\udce9/"  # a file name that is not UTF-8, read with surrogateescape
    changes: list[ReportedChange] = [
        change("table", odd, "added", "db/a.sql", 1, documented=None, source="sql"),
        change("path", stray, "referenced", "app.py", 2, documented=False, source="paths"),
        change("table", "t", "renamed", "db/b.sql", 3, documented=True, old_name="old%"),
    ]
    findings: list[Finding] = [
        finding("INV101", "error", f"table {odd} is added", "db/a.sql", 1, "table", odd),
        finding("INV103", "error", f"path {stray}", "app.py", 2, "path", stray),
        finding("MIG101", "warning", "dropped", "db/b.sql", 3, "table", "t", plan="DP-1"),
    ]
    return result(changes, findings, "")


def _empty() -> RunResult:
    return result([], [], "")


CASES: dict[str, Callable[[], RunResult]] = {**SCENARIOS, "odd": _odd_values, "empty": _empty}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_report_is_the_indenting_encoders_text_without_it(
    case: str, indenting_encoder: list[int]
) -> None:
    run = CASES[case]()
    text = json_report.render(run)
    assert indenting_encoder == [0]
    assert text == json_text(json_report.as_dict(run))
    assert indenting_encoder == [1]


def test_a_value_that_is_not_a_plain_scalar_goes_to_the_indenting_encoder(
    indenting_encoder: list[int],
) -> None:
    class Name(str):
        pass

    run = result(
        [change("table", Name("t"), "added", "db/a.sql", 1, documented=False, source="sql")],
        [],
        "",
    )
    assert json_report._fast_text(run) is None
    assert indenting_encoder == [0]
    assert json_report.render(run) == json_text(json_report.as_dict(run))
    assert '"name": "t"' in json_report.render(run)


def test_check_writes_a_large_json_report_without_the_indenting_encoder(
    repo: GitRepo,
    indenting_encoder: list[int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo.write("DATA_INVENTORY.md", "# Data Inventory\n\n## Database\n\n- `accounts`: kept.\n")
    repo.write(".inventory-lint.yaml", "dialect: postgres\n")
    repo.write("db/migrations/0000_base.sql", "CREATE TABLE accounts (id INTEGER, note TEXT);\n")
    base = repo.commit("base")
    statements = [
        f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, note TEXT);\n"
        f"UPDATE accounts SET note = 'x{i}' WHERE id = {i};\n"
        f"DELETE FROM accounts WHERE id = {i};\n"
        for i in range(60)
    ]
    repo.write("db/migrations/0001_bulk.sql", "".join(statements))
    repo.commit("bulk")
    code = main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1
    assert indenting_encoder == [0]
    report = json.loads(out)
    assert len(report["changes"]) > 100
    assert {f["code"] for f in report["findings"]} >= {"INV101", "MIG106", "MIG110"}
    assert out == json_text(report)
