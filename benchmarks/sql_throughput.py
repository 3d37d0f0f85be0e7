"""SQL detector throughput next to squawk, on the same generated postgres migrations.

    python benchmarks/sql_throughput.py [--files 5] [--statements 2000] [--repeat 5]

Generates ``--files`` postgres-dialect migration files of about ``--statements`` statements
(~200 KB) each, then, in the same run, times our SQL detector (in-process, after one warm-up)
and ``squawk`` (PyPI ``squawk-cli``; one process over all files per repetition, so its start-up
counts). Prints statements per second for both — the median over ``--repeat`` runs with the
spread (min-max) — and the ratio. Exits 0 when squawk is missing, saying so.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from selenite_inventory_lint.detectors.sql import analyze_sql

_TEMPLATES = (
    "CREATE TABLE IF NOT EXISTS t{i} (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, flags INT, "
    "created_at TIMESTAMPTZ DEFAULT now());",
    "ALTER TABLE t{j} ADD COLUMN IF NOT EXISTS note_{i} VARCHAR(120) DEFAULT 'none' NOT NULL;",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_t{j}_{i} ON t{j} (name, created_at) "
    "WHERE name IS NOT NULL;",
    "UPDATE t{j} SET name = 'renamed {i}', note_{i} = NULL "
    "WHERE id BETWEEN {i} AND {k} AND name IS NOT NULL;",
    "-- housekeeping for batch {i}: keep thirty days\n"
    "DELETE FROM t{j} WHERE created_at < now() - interval '30 days';",
    "ALTER TABLE t{j} ALTER COLUMN note_{i} TYPE TEXT USING note_{i}::text;",
    "INSERT INTO archive_{j} (id, name, created_at) "
    "SELECT id, name, created_at FROM t{j} WHERE id > {k};",
    "DROP INDEX CONCURRENTLY IF EXISTS ix_old_{i}; -- replaced by ix_t{j}_{i} above",
)


def generate(statements: int) -> str:
    """A postgres migration of ``statements`` statements (~100 bytes each)."""
    out = []
    for n in range(statements):
        template = _TEMPLATES[n % len(_TEMPLATES)]
        out.append(template.format(i=n, j=n % 97, k=n * 3))
    return "\n".join(out) + "\n"


def _ours(texts: Sequence[str]) -> None:
    for index, text in enumerate(texts):
        result = analyze_sql(
            text,
            path=f"migrations/{index:04d}.sql",
            line=1,
            dialect="postgres",
            migration=None,
            source="sql",
            guarded=False,
            guard=None,
            sequence=0,
        )
        if result.problems:
            raise SystemExit(f"generated SQL did not parse: {result.problems[0].message}")


def _squawk_command(files: Sequence[Path]) -> list[str] | None:
    beside = Path(sys.executable).with_name("squawk")
    found = str(beside) if beside.exists() else shutil.which("squawk")
    return [found, *map(str, files)] if found else None


def _time(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm-up: imports, caches, the OS file cache
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return timings


def _rates(total: int, timings: Sequence[float]) -> dict[str, float]:
    rates = [total / t for t in timings]
    return {
        "median": statistics.median(rates),
        "min": min(rates),
        "max": max(rates),
    }


def measure(files: int = 5, statements: int = 2000, repeat: int = 5) -> dict[str, object]:
    """Statements per second for our detector and for squawk on the same files."""
    texts = [generate(statements) for _ in range(files)]
    total = files * statements
    numbers: dict[str, object] = {
        "files": files,
        "statements": total,
        "bytes": sum(len(t.encode()) for t in texts),
        "repeat": repeat,
    }
    import sqlglot.parser

    # sqlglotc (the `speedups` extra) replaces sqlglot's modules with compiled ones in place.
    numbers["sqlglotc"] = not str(sqlglot.parser.__file__).endswith(".py")
    numbers["ours"] = _rates(total, _time(lambda: _ours(texts), repeat))
    with tempfile.TemporaryDirectory(prefix="sql-throughput-") as tmp:
        paths = []
        for index, text in enumerate(texts):
            path = Path(tmp) / f"{index:04d}_migration.sql"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        command = _squawk_command(paths)
        if command is None:
            numbers["squawk"] = None
        else:

            def squawk() -> None:
                subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            numbers["squawk"] = _rates(total, _time(squawk, repeat))
    return numbers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    numbers = measure(args.files, args.statements, args.repeat)
    ours = numbers["ours"]
    assert isinstance(ours, dict)
    print(
        f"{numbers['files']} postgres files, {numbers['statements']} statements, "
        f"{numbers['bytes']} bytes, median of {numbers['repeat']} runs (min-max)"
    )
    speedups = " (sqlglotc installed)" if numbers["sqlglotc"] else ""
    print(
        f"selenite SQL detector{speedups}: {ours['median']:,.0f} statements/s "
        f"({ours['min']:,.0f}-{ours['max']:,.0f})"
    )
    squawk = numbers["squawk"]
    if not isinstance(squawk, dict):
        print("squawk: not installed (pip install squawk-cli); no comparison")
        return 0
    print(
        f"squawk: {squawk['median']:,.0f} statements/s ({squawk['min']:,.0f}-{squawk['max']:,.0f})"
    )
    print(f"ratio: squawk is {squawk['median'] / ours['median']:.1f}x our throughput")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
