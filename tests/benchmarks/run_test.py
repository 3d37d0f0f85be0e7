"""benchmarks/run.py: the generated repository is what it says, every figure is measured
against its baseline by running the real commands, and the table shows them all."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "run.py"
TINY = ["--revisions", "6", "--sql-files", "2", "--python-files", "30", "--sql-statements", "40"]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_run", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def test_generated_repository_is_documented_and_passes_audit(
    bench: ModuleType, tmp_path: Path, git_env: None
) -> None:
    repo = bench.Repository(
        root=tmp_path, sizes=bench.Sizes(revisions=6, sql_files=3, python_files=30)
    )
    repo.grow(1)
    files = repo.git("ls-files").split()
    assert len([f for f in files if f.startswith("backend/alembic/versions/")]) == 6
    assert len([f for f in files if f.startswith("db/migrations/")]) == 3
    assert len([f for f in files if f.startswith("app/pkg")]) == 30
    assert (tmp_path / "app/pkg007/mod00007.py").read_text().count("\n") == 100
    env = bench.environment()
    audit = bench.run((*bench.tool_command(), "audit"), tmp_path, env)
    assert audit.output.startswith("All checks passed (")
    assert audit.peak_bytes > 10 * bench.MB
    with repo.trial():
        added = repo.change(revisions=2, sql_files=1)
        assert added[-1] == "app/models.py"
        check = (*bench.tool_command(), "check", "--base", "HEAD~1")
        assert bench.run(check, tmp_path, env).code == 0
    assert repo.revisions == 6
    assert "t00006" not in repo.inventory()
    with repo.trial():
        variable, path = repo.retire_variable()
        check = (*bench.tool_command(), "check", "--base", "HEAD~1")
        done = bench.run(check, tmp_path, env, ok=(1,))
        assert f"{variable}" in done.output
        assert path in repo.git("show", "--name-only", "HEAD")
    assert len(repo.git("log", "--oneline").splitlines()) == 1


def test_a_failing_command_is_an_error(bench: ModuleType, tmp_path: Path, git_env: None) -> None:
    with pytest.raises(RuntimeError, match=r"exited 2: .*not inside a git repository"):
        bench.run(
            (*bench.tool_command(), "check", "--format", "xml"), tmp_path, bench.environment()
        )


def test_quick_run_prints_every_figure_with_its_baseline(
    bench: ModuleType, git_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main([*TINY, "--quick", "--repetitions", "1", "--scale", "1", "--scale", "2"]) == 0
    table = capsys.readouterr().out
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    figures = [row.split("|")[1].strip() for row in rows[1:]]
    assert figures == ["a", "a", "a", "b", "b", "c", "c", "d", "d", "e", "e", "e"]
    for row in rows[1:]:
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        assert cells[2] != "—", row  # measured
        assert cells[4], row  # a baseline named
    assert "`python -c pass` + `git diff --cached --name-only`" in table
    assert "`git diff --cached --name-only` alone" in table
    assert "≤ 150 ms" in table
    assert "< 2.2 x 1x" in table
    assert "compiled `sqlglotc`" in table or "sqlglotc not installed" in table


def test_sql_worker_times_the_detector(bench: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "0001.sql").write_text(bench.postgres_migration(16), encoding="utf-8")
    timings = bench.sql_worker(tmp_path, 2)
    assert len(timings) == 2
    assert all(t > 0 for t in timings)


def test_stats_and_ratio(bench: ModuleType) -> None:
    stats = bench.Stats.of([3.0, 1.0, 2.0])
    assert (stats.median, stats.minimum, stats.maximum, stats.samples) == (2.0, 1.0, 3.0, 3)
    row = bench.Row(
        figure="b",
        what="x",
        unit="s",
        value=stats,
        baseline_what="y",
        baseline=bench.Stats.of([0.5]),
    )
    assert row.ratio == 4.0
    table = bench.render([row], "header")
    assert "| b | x | 2.00 s | 1.00-3.00 | y | 0.50 s | 4.0x |  |" in table


def test_audit_targets_scale_with_the_size(bench: ModuleType) -> None:
    def row(seconds: float) -> object:
        return bench.Row(
            figure="c",
            what="audit",
            unit="s",
            value=bench.Stats.of([seconds]),
            baseline_what="",
            baseline=None,
        )

    judged = bench.audit_targets([row(4.0), row(8.5), row(18.0)], (1, 2, 4))
    assert [(r.target, r.met) for r in judged] == [
        ("< 5 s", True),
        ("< 2.2 x 1x = 8.8 s", True),
        ("< 4.4 x 1x = 17.6 s", False),
    ]
