"""benchmarks/run.py: the generated repository is what it says, every figure is measured
against its baseline by running the real commands, and the table shows them all."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "run.py"
TINY = ["--fraction", "0.01"]


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


def test_quick_run_measures_every_goal_and_writes_the_docs_table(
    bench: ModuleType, git_env: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page = tmp_path / "performance.md"
    page.write_text(
        "# Performance\n\nBefore.\n\n<!-- benchmark-table -->\nold table\n"
        "<!-- /benchmark-table -->\n\nAfter.\n",
        encoding="utf-8",
    )
    argv = [*TINY, "--quick", "--repetitions", "1", "--write-docs", str(page)]
    assert bench.main(argv) == 0
    table = capsys.readouterr().out
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    header = [cell.strip() for cell in rows[0].split("|")[1:-1]]
    assert header[-3:] == ["ratio", "goal", "met"]
    cells = [[cell.strip() for cell in row.split("|")[1:-1]] for row in rows[1:]]
    assert [c[0] for c in cells] == ["1", "1", "1", "1", "1", "2", "2", "3", "3", "4", "4"]
    for row in cells:
        assert row[2] != "—", row
        assert row[5] != "—", row
        assert row[6].endswith("x"), row
    goals = {row[1].split(" — ")[0]: (row[7], row[8]) for row in cells}
    judged = [goal for goal, met in goals.values() if met != "—"]
    assert judged == [
        *("≤ 150 ms and ≤ 3x", "≤ 2x", "≤ 1.2x", "≤ 1.2x"),
        "≤ 1.5x",
        *("≤ 3x", "≤ 1.5x"),
        "≤ 3.00 s",
    ]
    assert all(met in ("✅ yes", "❌ no") for goal, met in goals.values() if goal != "—")
    what = "\n".join(row[1] for row in cells)
    assert "one new revision staged" in what
    assert "first run after install (an empty cache)" in what
    assert "All checks passed" in what
    assert "retirement search" in what
    assert "`squawk --reporter json` over the same files (one process)" in table
    assert "compiled `sqlglotc`" in what  # the speedups extra is installed with dev
    text = page.read_text("utf-8")
    assert text.startswith("# Performance\n\nBefore.\n\n<!-- benchmark-table -->\n`python")
    assert (
        text.endswith("| ❌ no |\n<!-- /benchmark-table -->\n\nAfter.\n")
        or text.endswith("| ✅ yes |\n<!-- /benchmark-table -->\n\nAfter.\n")
        or text.endswith("| — |\n<!-- /benchmark-table -->\n\nAfter.\n")
    )
    assert "old table" not in text
    assert "--write-docs" not in text


def test_goal_measures_that_goal_only(
    bench: ModuleType, git_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main([*TINY, "--quick", "--repetitions", "1", "--goal", "3"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [row.split("|")[1].strip() for row in rows[1:]] == ["3", "3"]


def test_write_docs_needs_the_markers(bench: ModuleType, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# No markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="markers are missing"):
        bench.write_docs(page, "table\n")
    assert page.read_text("utf-8") == "# No markers\n"


def test_inventory_has_the_asked_number_of_entries(
    bench: ModuleType, tmp_path: Path, git_env: None
) -> None:
    sizes = bench.Sizes(revisions=10, sql_files=2, python_files=20, entries=40)
    repo = bench.Repository(root=tmp_path, sizes=sizes)
    repo.grow(1)
    lines = [line for line in repo.inventory().splitlines() if line.startswith("- `")]
    assert len(lines) == 40 + 2  # and the storage path and `.env*`
    assert sum("RESERVED_SETTING_" in line for line in lines) > 0
    repo.sizes = dataclasses.replace(sizes, entries=5)
    lines = [line for line in repo.inventory().splitlines() if line.startswith("- `")]
    assert len(lines) == 5 + 2
    assert "- `s00000.extra_00001`: generated column." in lines  # the newest stay


def test_mixed_corpus_is_read_by_both_tools(bench: ModuleType, tmp_path: Path) -> None:
    options = bench.Options(fraction=0.01, mixed_sql_files=8)
    files, statements = bench.sql_corpus(options, tmp_path / "sql")
    assert files == 1 + 4  # the bulk migrations and the mix, never fewer than one round
    assert statements > files * 5
    texts = "".join(p.read_text("utf-8") for p in (tmp_path / "sql").glob("*_mixed.sql"))
    for construct in ("$$ LANGUAGE plpgsql", "WITH RECURSIVE", "CREATE TRIGGER", "$body$"):
        assert construct in texts
    # The SQL detector finds no statement it cannot parse (the worker exits otherwise).
    assert len(bench.sql_worker(tmp_path / "sql", 1)) == 1
    done = bench.run(
        (
            bench._squawk(),
            "--reporter",
            "json",
            *sorted(p.name for p in (tmp_path / "sql").iterdir()),
        ),
        tmp_path / "sql",
        bench.environment(),
        ok=(0, 1),
    )
    assert all("syntax-error" not in str(v) for v in json.loads(done.output))


def test_sql_worker_times_the_detector(bench: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "0001.sql").write_text(bench.postgres_migration(16), encoding="utf-8")
    timings = bench.sql_worker(tmp_path, 2)
    assert len(timings) == 2
    assert all(t > 0 for t in timings)


def test_stats_and_ratio(bench: ModuleType) -> None:
    stats = bench.Stats.of([3.0, 1.0, 2.0])
    assert (stats.median, stats.minimum, stats.maximum, stats.samples) == (2.0, 1.0, 3.0, 3)
    row = bench.Row(
        figure="3",
        what="x",
        unit="s",
        value=stats,
        baseline_what="y",
        baseline=bench.Stats.of([0.5]),
    )
    assert row.ratio == 4.0
    table = bench.render([row, bench.judge(row, at_most=2.5, ratio_at_most=3)], "header")
    assert "| 3 | x | 2.00 s | 1.00-3.00 | y | 0.50 s | 4.00x | — | — |" in table
    assert (
        "| 3 | x | 2.00 s | 1.00-3.00 | y | 0.50 s | 4.00x | ≤ 2.50 s and ≤ 3x | ❌ no |" in table
    )
    assert bench.judge(row, ratio_at_most=4).met is True
    assert bench.judge(row, at_most=1.9).met is False


def test_audit_targets_scale_with_the_size(bench: ModuleType) -> None:
    def row(seconds: float) -> object:
        return bench.Row(
            figure="4",
            what="audit",
            unit="s",
            value=bench.Stats.of([seconds]),
            baseline_what="",
            baseline=None,
        )

    judged = bench.audit_targets([row(2.5), row(5.5), row(11.5)], (1, 2, 4))
    assert [(r.target, r.met) for r in judged] == [
        ("≤ 3.00 s", True),
        ("≤ 2.2 x 1x = 5.5 s", True),
        ("≤ 4.4 x 1x = 11.0 s", False),
    ]
    assert bench.audit_targets([row(3.5)], (1,))[0].met is False
