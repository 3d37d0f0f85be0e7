"""`check` in CI as reviewers meet it: the job summary written once and appended to, and the
`--fix` advice naming the range the run used (in-process ``main([...])`` on real repositories)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenite_project import selenite_repo

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    return selenite_repo(repo)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_report_aimed_at_the_job_summary_is_appended_once(
    project: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("# Earlier step output\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(
        capsys,
        *("--repo", str(project.path), "--base", "HEAD~1", "--format", "github"),
        *("--report", f"markdown={summary}"),
    )
    assert code == 1
    assert out.startswith("::error file=backend/alembic/versions/0002_invoices.py")
    text = summary.read_text("utf-8")
    assert text.startswith("# Earlier step output\n## Data inventory FAILED: ")
    assert text.count("## Data inventory FAILED: ") == 1


def test_fix_advice_names_the_base_the_run_used(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "--repo", str(project.path), "--base", "HEAD~1", "--format", "markdown"
    )
    assert code == 1
    assert "`selenite-inventory-lint check --base 'HEAD~1' --fix`" in out
    assert "`selenite-inventory-lint check --fix`" not in out
    code, out, _ = run(capsys, "--repo", str(project.path), "--base", "HEAD~1", "--format", "html")
    assert code == 1
    assert "<code>selenite-inventory-lint check --base &#x27;HEAD~1&#x27; --fix</code>" in out
    assert "<code>selenite-inventory-lint check --fix</code>" not in out


def test_all_zeros_base_of_a_new_branch_falls_back_to_the_default_branch(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.git("update-ref", "refs/remotes/origin/HEAD", "HEAD~1")
    code, out, err = run(
        capsys, "--repo", str(project.path), "--base", "0" * 40, "--format", "github"
    )
    assert code == 1
    assert "a new branch" in err
    assert out.startswith("::error file=backend/alembic/versions/0002_invoices.py")


def test_github_format_annotates_an_exit_2_error(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--repo", str(project.path), "--base", "no-such-ref", "--format", "github"
    )
    assert code == 2
    assert "error:" in err
    assert out.startswith("::error title=selenite-inventory-lint::")
    assert "no-such-ref" in out


def test_force_color_colours_a_report_that_is_not_on_a_terminal(
    project: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, plain, _ = run(capsys, "--repo", str(project.path), "--base", "HEAD~1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, coloured, _ = run(capsys, "--repo", str(project.path), "--base", "HEAD~1")
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured


def test_rules_table_json_and_all(capsys: pytest.CaptureFixture[str]) -> None:
    from selenite_inventory_lint.rules import RULES

    assert main(["rules"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert len(table) == len(RULES)
    summaries = {line.index(rule.summary) for line, rule in zip(table, RULES, strict=True)}
    assert len(summaries) == 1  # one column, whatever the code's length
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["code"] for row in rows] == [rule.code for rule in RULES]
    assert set(rows[0]) == {"code", "severity", "summary", "docs"}
    assert main(["rules", "--all"]) == 0
    docs = capsys.readouterr().out
    assert all(f"# {rule.code}: {rule.summary}\n" in docs for rule in RULES)


def test_text_summary_counts_what_fix_would_stub(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--repo", str(project.path), "--base", "HEAD~1")
    assert code == 1
    assert out.rstrip().endswith(", 2 fixable with `--fix`).")


def test_statistics_and_quiet(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    where = ("--repo", str(project.path), "--base", "HEAD~1")
    _, full, _ = run(capsys, *where)
    findings = full.split("\n\n")[0].splitlines()
    code, stats, _ = run(capsys, *where, "--statistics")
    assert code == 1
    counts = {line.split()[1]: int(line.split()[0]) for line in stats.splitlines()}
    assert sum(counts.values()) == len(findings)
    assert counts == {c: sum(f" {c} " in f for f in findings) for c in counts}
    code, quiet, _ = run(capsys, *where, "-q")
    assert code == 1
    assert quiet.splitlines() == findings


@pytest.mark.parametrize(
    "command",
    ["check", "audit", "schema-diff", "init", "inventory", "rules", "demo", "rehearse"],
)
def test_every_subcommand_help_has_a_description_and_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    description = text.split("\n\n")[1]
    assert not description.startswith(("positional", "options")), text
    assert "exit codes: 0 " in text
    assert "2 usage or input error" in text


def test_every_option_has_help_text() -> None:
    from selenite_inventory_lint.cli import build_parser

    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a.choices, dict))
    assert isinstance(sub.choices, dict)
    missing = [
        (name, action.dest)
        for name, command in sub.choices.items()
        for action in command._actions
        if not action.help
    ]
    assert missing == []
