"""Speed and memory of selenite-inventory-lint, each figure next to a baseline from the same run.

    python benchmarks/run.py [--quick] [--scale N ...] [--repetitions N] [--keep DIR]

Generates a synthetic repository (Alembic revisions, SQL migrations, Python files and an
inventory that documents them) and measures, running the installed console script as
pre-commit and CI do:

a. the pre-commit hook on a commit touching no data-bearing file, against a bare interpreter
   start plus the same ``git diff --cached --name-only`` pre-commit asks;
b. ``check`` of a change adding 50 revisions and 20 SQL files, against parsing those files
   once (``ast`` and sqlglot in a fresh interpreter);
c. ``audit`` at 1x, 2x and 4x of 1,000 revisions / 200 SQL files / 5,000 Python files
   (~500k lines), against parsing every file of the repository once;
d. SQL detector throughput (with and without the compiled ``sqlglotc`` parser) against
   ``squawk`` (PyPI ``squawk-cli``) on the same postgres files;
e. peak memory (the child's maximum resident set) of b and c, against an interpreter that
   imports the same libraries and does nothing.

Every command runs once to warm caches, then ``--repetitions`` times; the median and the
spread (min-max) are reported as a Markdown table. The package is byte-compiled first and
PYTHONDONTWRITEBYTECODE is cleared for the measured runs, as pip-installed packages are.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

MB = 1024 * 1024
GIT_DIFF = ("git", "diff", "--cached", "--name-only")
# What a fresh interpreter needs to parse files the way the detectors do: the floor for b and c.
PARSE_BASELINE = """\
import ast, sys, sqlglot
for name in sys.stdin.read().split("\\0"):
    if name.endswith(".py"):
        ast.parse(open(name, "rb").read())
    elif name.endswith(".sql"):
        sqlglot.parse(open(name, encoding="utf-8").read(), read="sqlite")
"""
LIBRARIES_ONLY = "import git, yaml, sqlglot, markdown_it"
_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T12:00:00+00:00",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T12:00:00+00:00",
}


# -- numbers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Stats:
    """Repeated samples of one quantity: seconds, bytes or statements per second."""

    median: float
    minimum: float
    maximum: float
    samples: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(
            median=statistics.median(values),
            minimum=min(values),
            maximum=max(values),
            samples=len(values),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One figure of the table: what was measured, against what, and the target."""

    figure: str
    what: str
    unit: str  # "s", "ms", "MB", "µs/stmt"
    value: Stats | None
    baseline_what: str
    baseline: Stats | None
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.baseline is None or not self.baseline.median:
            return None
        return self.value.median / self.baseline.median


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """A finished child process: wall seconds, peak resident bytes, exit code, output."""

    seconds: float
    peak_bytes: int
    code: int
    output: str


# -- running things ----------------------------------------------------------------------


def environment() -> dict[str, str]:
    """The environment of measured runs: no hook, CI or git variables choosing a range, and
    byte code written and read as in an installed package."""
    cleared = ("GIT_", "PRE_COMMIT", "GITHUB_", "CI_MERGE_REQUEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(cleared)}
    for name in ("CI", "GITLAB_CI", "PYTHONDONTWRITEBYTECODE", "GITHUB_STEP_SUMMARY"):
        env.pop(name, None)
    return {**env, **_GIT_IDENTITY, "NO_COLOR": "1"}


def tool_command() -> tuple[str, ...]:
    """The console script beside this interpreter (what pre-commit runs), else ``-m``."""
    script = Path(sys.executable).with_name("selenite-inventory-lint")
    if script.is_file():
        return (str(script),)
    return (sys.executable, "-m", "selenite_inventory_lint")


def byte_compile() -> None:
    """Compile the package as pip would, so no measured run pays for it."""
    import selenite_inventory_lint

    compileall.compile_dir(Path(selenite_inventory_lint.__file__).parent, quiet=1)


def run(
    command: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    *,
    stdin: str | None = None,
    ok: Sequence[int] = (0,),
) -> Run:
    """Run ``command`` to its end; wall time from fork to reaping, and its peak memory."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        if stdin is not None:
            assert child.stdin is not None
            child.stdin.write(stdin.encode())
            child.stdin.close()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    if child.returncode not in ok:
        raise RuntimeError(
            f"{' '.join(command)} exited {child.returncode}: {output.strip()[-2000:]}"
        )
    # Linux reports ru_maxrss in KiB.
    return Run(
        seconds=seconds, peak_bytes=usage.ru_maxrss * 1024, code=child.returncode, output=output
    )


def repeat(
    commands: Mapping[str, Callable[[], Run]], repetitions: int, *, warm_up: bool = True
) -> dict[str, list[Run]]:
    """Each command once to warm up, then ``repetitions`` times, interleaved so that a
    change in machine load touches all of them alike."""
    if warm_up:
        for command in commands.values():
            command()
    runs: dict[str, list[Run]] = {label: [] for label in commands}
    for _ in range(repetitions):
        for label, command in commands.items():
            runs[label].append(command())
    return runs


def seconds(runs: Sequence[Run]) -> Stats:
    return Stats.of([r.seconds for r in runs])


def peak(runs: Sequence[Run]) -> Stats:
    return Stats.of([r.peak_bytes for r in runs])


# -- the synthetic repository ------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Sizes:
    """One unit of the synthetic repository; ``--scale`` multiplies it."""

    revisions: int = 1000
    sql_files: int = 200
    python_files: int = 5000
    python_lines: int = 100


@dataclass(slots=True, kw_only=True)
class Repository:
    """A generated repository that grows unit by unit; ``facts`` say what it holds."""

    root: Path
    sizes: Sizes
    units: int = 0
    revisions: int = 0
    sql_files: int = 0
    python_files: int = 0
    # table → its columns, in the order the migrations build them
    tables: dict[str, list[str]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    variables: set[str] = field(default_factory=set)

    def git(self, *args: str) -> str:
        return subprocess.run(
            ("git", *args),
            cwd=self.root,
            env=environment(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def lines(self) -> int:
        return self.python_files * self.sizes.python_lines

    # - content -

    def revision(self) -> str:
        """The next Alembic revision: a table, or a column added to the last table, each
        behind an existence guard as docs/usage.md asks of idempotent migrations."""
        n = self.revisions
        path = f"backend/alembic/versions/r{n:05d}_step.py"
        down = f'"r{n - 1:05d}"' if n else "None"
        if n % 2 == 0:
            table = f"t{n:05d}"
            self.tables[table] = ["id", "name", "created_at"]
            ops = (
                "    tables = set(sa.inspect(op.get_bind()).get_table_names())\n"
                f"    if {table!r} not in tables:\n"
                f"        op.create_table(\n            {table!r},\n"
                '            sa.Column("id", sa.Integer(), primary_key=True),\n'
                '            sa.Column("name", sa.String(64), nullable=False),\n'
                '            sa.Column("created_at", sa.DateTime(), nullable=True),\n'
                "        )\n"
                f'        op.create_index("ix_{table}_name", {table!r}, ["name"])\n'
            )
            undo = f"    op.drop_table({table!r})\n"
        else:
            table = f"t{n - 1:05d}"
            column = f"note_{n:05d}"
            self.tables[table].append(column)
            self.columns.append(f"{table}.{column}")
            ops = (
                "    columns = {c['name'] for c in "
                f"sa.inspect(op.get_bind()).get_columns({table!r})}}\n"
                f"    if {column!r} not in columns:\n"
                f"        op.add_column({table!r}, "
                f"sa.Column({column!r}, sa.String(120), nullable=True))\n"
            )
            undo = f"    op.drop_column({table!r}, {column!r})\n"
        self.revisions += 1
        self.write(
            path,
            f'"""Step {n}.\n\nRevision ID: r{n:05d}\nRevises: {down}\n"""\n\n'
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            f'revision = "r{n:05d}"\ndown_revision = {down}\n\n\n'
            f"def upgrade() -> None:\n{ops}\n\ndef downgrade() -> None:\n{undo}",
        )
        return path

    def sql_file(self) -> str:
        """The next SQL migration: a table with an index, a column on the previous one,
        data moved between them."""
        n = self.sql_files
        table = f"s{n:05d}"
        self.tables[table] = ["id", "label", "amount", "created_at"]
        statements = [
            f"CREATE TABLE IF NOT EXISTS {table} (\n  id INTEGER PRIMARY KEY,\n"
            "  label TEXT NOT NULL,\n  amount NUMERIC(12, 2) DEFAULT 0,\n"
            "  created_at TIMESTAMP\n);",
            f"CREATE INDEX IF NOT EXISTS ix_{table}_label ON {table} (label);",
        ]
        if n:
            previous, column = f"s{n - 1:05d}", f"extra_{n:05d}"
            self.tables[previous].append(column)
            self.columns.append(f"{previous}.{column}")
            statements += [
                f"ALTER TABLE {previous} ADD COLUMN IF NOT EXISTS {column} TEXT;",
                f"INSERT INTO {table} (id, label) SELECT id, label FROM {previous} WHERE id > 10;",
                f"UPDATE {previous} SET {column} = 'moved' WHERE id > 10;",
            ]
        statements += [
            f"-- housekeeping {k}\nUPDATE {table} SET amount = amount + {k} WHERE id = {k};"
            for k in range(5)
        ]
        path = f"db/migrations/{n:05d}_step.sql"
        self.sql_files += 1
        self.write(path, "\n".join(statements) + "\n")
        return path

    def python_file(self) -> str:
        """The next application module: plain functions, now and then a setting or a
        storage path."""
        n = self.python_files
        body = [f'"""Application module {n}."""', "", "import os", "from pathlib import Path", ""]
        if n % 10 == 0:
            variable = f"APP_SETTING_{n // 10 % 300:03d}"
            self.variables.add(variable)
            body.append(f'SETTING = os.getenv("{variable}", "default")')
        if n % 25 == 0:
            body += [
                "ROOT = Path(__file__).parents[2]",
                f'MEDIA = ROOT / "storage" / "media" / "m{n}"',
            ]
        k = 0
        while len(body) + 5 <= self.sizes.python_lines:
            body += [
                "",
                "",
                f"def handler_{k}(value: int) -> int:",
                f"    total = value * {k} + {n}",
                "    return total if total > 0 else -total",
            ]
            k += 1
        path = f"app/pkg{n % 100:03d}/mod{n:05d}.py"
        self.python_files += 1
        body += ["# end of module"] * (self.sizes.python_lines - len(body))
        self.write(path, "\n".join(body) + "\n")
        return path

    def models(self) -> None:
        """SQLAlchemy models of every table, as an application declares them (MIG204)."""
        classes = []
        for table, columns in self.tables.items():
            classes += ["", "", f"class {table.title()}(Base):", f'    __tablename__ = "{table}"']
            classes += [f"    {c} = Column(Integer)" for c in columns]
        self.write(
            "app/models.py",
            '"""The models."""\n\nfrom sqlalchemy import Column, Integer\n'
            "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
            + "\n".join(classes)
            + "\n",
        )

    def inventory(self) -> str:
        """DATA_INVENTORY.md documenting everything generated so far."""
        schema = [f"- `{t}`: generated table." for t in self.tables]
        schema += [f"- `{c}`: generated column." for c in self.columns]
        config = [f"- `{v}` (generated setting)" for v in sorted(self.variables)]
        return (
            "# Data Inventory (Living)\n\n## Database (SQLite)\n"
            + "\n".join(schema)
            + "\n\n## Storage Paths\n- `storage/media/` (uploads)\n\n"
            "## Configuration & State\n- `.env*` (runtime configuration)\n"
            + "\n".join(config)
            + "\n"
        )

    # - growth -

    def grow(self, units: int = 1) -> None:
        """Add ``units`` units of content and commit them with the updated inventory."""
        if not self.units:
            self.git("init", "-q", "-b", "main")
            self.git("config", "gc.auto", "0")  # no background gc racing the clean-up
            self.write("README.md", "Synthetic repository.\n")
            self.write("backend/alembic.ini", "[alembic]\nscript_location = backend/alembic\n")
            self.write(".env.example", "APP_SETTING_000=default\n")
        for _ in range(units):
            for _ in range(self.sizes.revisions):
                self.revision()
            for _ in range(self.sizes.sql_files):
                self.sql_file()
            for _ in range(self.sizes.python_files):
                self.python_file()
        self.units += units
        self.models()
        self.write("DATA_INVENTORY.md", self.inventory())
        self.git("add", "-A")
        self.git("commit", "-q", "-m", f"{self.units}x")

    @contextlib.contextmanager
    def trial(self) -> Iterator[None]:
        """Commits made inside are undone on the way out, and so is what they recorded."""
        saved = (
            self.revisions,
            self.sql_files,
            self.python_files,
            {table: list(columns) for table, columns in self.tables.items()},
            list(self.columns),
            set(self.variables),
        )
        head = self.git("rev-parse", "HEAD").strip()
        try:
            yield
        finally:
            self.git("reset", "-q", "--hard", head)
            (
                self.revisions,
                self.sql_files,
                self.python_files,
                self.tables,
                self.columns,
                self.variables,
            ) = saved

    def retire_variable(self) -> tuple[str, str]:
        """Commit the removal of the only reference to a documented variable."""
        files = self.git("grep", "-l", "-F", "os.getenv", "--", "app/").split()
        for path in sorted(files, reverse=True):
            text = (self.root / path).read_text("utf-8")
            variable = text.split('os.getenv("', 1)[1].split('"', 1)[0]
            found = self.git("grep", "-l", "-F", variable, "--", ".", ":!DATA_INVENTORY.md")
            if found.split() == [path]:
                self.write(path, text.replace(f'os.getenv("{variable}", "default")', '"default"'))
                self.git("commit", "-q", "-am", f"retire {variable}")
                return variable, path
        raise RuntimeError("no variable is referenced only once")

    def change(self, revisions: int = 50, sql_files: int = 20) -> list[str]:
        """Commit a change adding revisions and SQL files, documented; the paths it adds."""
        added = [self.revision() for _ in range(revisions)]
        added += [self.sql_file() for _ in range(sql_files)]
        self.models()
        added.append("app/models.py")
        self.write("DATA_INVENTORY.md", self.inventory())
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "change")
        return added


# -- the figures -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    sizes: Sizes = Sizes()
    scales: tuple[int, ...] = (1, 2, 4)
    hook_repetitions: int = 15
    check_repetitions: int = 7
    audit_repetitions: int = 5
    sql_statements: int = 2000
    sql_files: int = 5
    sql_repetitions: int = 5
    # The audit's first run is a warm-up; --quick counts it (the files were just written, so
    # they are in the page cache, and the package is byte-compiled already).
    warm_up: bool = True


def measure_hook(repo: Repository, repetitions: int) -> list[Row]:
    """(a) ``check --staged`` with README.md staged, next to what pre-commit itself costs."""
    env = environment()
    repo.write("README.md", "Synthetic repository, edited.\n")
    repo.git("add", "README.md")
    try:
        staged = repo.git(*GIT_DIFF[1:]).split()
        if staged != ["README.md"]:
            raise RuntimeError(f"expected only README.md staged, found {staged}")
        hook = (*tool_command(), "check", "--staged")
        runs = repeat(
            {
                "git": lambda: run(GIT_DIFF, repo.root, env),
                "python": lambda: run((sys.executable, "-c", "pass"), repo.root, env),
                "libraries": lambda: run(
                    (sys.executable, "-c", "import git, yaml"), repo.root, env
                ),
                "hook": lambda: run(hook, repo.root, env),
            },
            repetitions,
        )
    finally:
        repo.git("reset", "-q", "--hard", "HEAD")
    hook_time = seconds(runs["hook"])
    # The baseline: a bare interpreter start plus the same git command, sample by sample.
    floor = Stats.of(
        [p.seconds + g.seconds for p, g in zip(runs["python"], runs["git"], strict=True)]
    )
    libs = Stats.of(
        [p.seconds + g.seconds for p, g in zip(runs["libraries"], runs["git"], strict=True)]
    )
    files = repo.git("ls-files").count("\n")
    return [
        Row(
            figure="a",
            what=f"hook `check --staged`, README.md staged ({files:,} tracked files)",
            unit="ms",
            value=hook_time,
            baseline_what="`python -c pass` + `git diff --cached --name-only`",
            baseline=floor,
            target="≤ 150 ms",
            met=hook_time.median <= 0.150,
        ),
        Row(
            figure="a",
            what="same hook, against git's own answer",
            unit="ms",
            value=hook_time,
            baseline_what="`git diff --cached --name-only` alone",
            baseline=seconds(runs["git"]),
        ),
        Row(
            figure="a",
            what="same hook, against merely importing GitPython and PyYAML",
            unit="ms",
            value=hook_time,
            baseline_what='`python -c "import git, yaml"` + the same git command',
            baseline=libs,
        ),
    ]


def _parse_baseline(root: Path, paths: Sequence[str], env: Mapping[str, str]) -> Run:
    return run((sys.executable, "-c", PARSE_BASELINE), root, env, stdin="\0".join(paths))


def measure_check(
    repo: Repository, repetitions: int, *, revisions: int, sql_files: int
) -> tuple[Row, Row]:
    """(b) ``check`` of a commit adding revisions and SQL files; (e) its peak memory."""
    env = environment()
    check = (*tool_command(), "check", "--base", "HEAD~1", "--head", "HEAD")
    with repo.trial():
        added = repo.change(revisions, sql_files)
        runs = repeat(
            {
                "check": lambda: run(check, repo.root, env, ok=(0, 1)),
                "parse": lambda: _parse_baseline(repo.root, added, env),
                "libraries": lambda: run((sys.executable, "-c", LIBRARIES_ONLY), repo.root, env),
            },
            repetitions,
        )
    time_stats = seconds(runs["check"])
    what = f"`check` of a commit adding {revisions} revisions + {sql_files} SQL files"
    return (
        Row(
            figure="b",
            what=what,
            unit="s",
            value=time_stats,
            baseline_what=f"parsing those {len(added)} files once (ast + sqlglot)",
            baseline=seconds(runs["parse"]),
            target="≤ 1.5 s",
            met=time_stats.median <= 1.5,
            note=_outcome(runs["check"][-1]),
        ),
        Row(
            figure="e",
            what=f"peak memory of b: {what}",
            unit="MB",
            value=peak(runs["check"]),
            baseline_what=f'`python -c "{LIBRARIES_ONLY}"`',
            baseline=peak(runs["libraries"]),
        ),
    )


def measure_retirement(repo: Repository, repetitions: int) -> Row:
    """``check`` of a commit removing the last reference to a documented variable: the
    linter asks ``git grep`` whether anything else in the repository still names it."""
    env = environment()
    with repo.trial():
        variable, path = repo.retire_variable()
        check = (*tool_command(), "check", "--base", "HEAD~1", "--head", "HEAD")
        grep = ("git", "grep", "-F", "-l", "-e", variable, "HEAD")
        runs = repeat(
            {
                "check": lambda: run(check, repo.root, env, ok=(0, 1)),
                "grep": lambda: run(grep, repo.root, env, ok=(0, 1)),
            },
            repetitions,
        )
    return Row(
        figure="b",
        what=f"`check` of a commit removing the last reference to {variable} ({path})",
        unit="s",
        value=seconds(runs["check"]),
        baseline_what=f"`git grep -F -l {variable} HEAD`",
        baseline=seconds(runs["grep"]),
        note=_outcome(runs["check"][-1]),
    )


def _outcome(done: Run) -> str:
    lines = [line.strip() for line in done.output.splitlines() if line.strip()]
    return f"exit {done.code}: {lines[-1] if lines else 'no output'}"


def measure_audit(
    repo: Repository, repetitions: int, libraries: Stats | None, *, warm_up: bool = True
) -> list[Row]:
    """(c) ``audit`` of the whole repository; (e) its peak memory."""
    env = environment()
    files = repo.git("ls-files", "-z").split("\0")
    sources = [f for f in files if f.endswith((".py", ".sql"))]
    audit = (*tool_command(), "audit")
    runs = repeat(
        {
            "audit": lambda: run(audit, repo.root, env, ok=(0, 1)),
            "parse": lambda: _parse_baseline(repo.root, sources, env),
        },
        repetitions,
        warm_up=warm_up,
    )
    scale = repo.units
    memory = peak(runs["audit"])
    return [
        Row(
            figure="c",
            what=(
                f"`audit` at {scale}x: {repo.revisions:,} revisions, {repo.sql_files:,} SQL "
                f"files, {repo.python_files:,} Python files ({repo.lines() / 1000:,.0f}k lines)"
            ),
            unit="s",
            value=seconds(runs["audit"]),
            baseline_what=f"parsing those {len(sources):,} files once (ast + sqlglot)",
            baseline=seconds(runs["parse"]),
            note=_outcome(runs["audit"][-1]),
        ),
        Row(
            figure="e",
            what=f"peak memory of `audit` at {scale}x",
            unit="MB",
            value=memory,
            baseline_what=f'`python -c "{LIBRARIES_ONLY}"`',
            baseline=libraries,
            target="< 300 MB" if scale == 4 else "",
            met=memory.median < 300 * MB if scale == 4 else None,
        ),
    ]


def audit_targets(rows: Sequence[Row], scales: Sequence[int]) -> list[Row]:
    """(c) targets: 1x under 5 s; k times the size under 1.1 k times the time."""
    first = rows[0].value.median if rows and rows[0].value else 0.0
    judged = []
    for scale, row in zip(scales, rows, strict=True):
        assert row.value is not None
        if scale == 1:
            target, met = "< 5 s", row.value.median < 5
        else:
            factor = 1.1 * scale / scales[0]
            limit = factor * first
            target = f"< {factor:.1f} x {scales[0]}x = {limit:.1f} s"
            met = row.value.median < limit
        judged.append(replace(row, target=target, met=met))
    return judged


# -- (d) SQL throughput ------------------------------------------------------------------

_SQL_TEMPLATES = (
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


def postgres_migration(statements: int) -> str:
    """A postgres migration of ``statements`` statements (~100 bytes each)."""
    out = []
    for n in range(statements):
        template = _SQL_TEMPLATES[n % len(_SQL_TEMPLATES)]
        out.append(template.format(i=n, j=n % 97, k=n * 3))
    return "\n".join(out) + "\n"


def sql_worker(folder: Path, repetitions: int) -> list[float]:
    """Seconds per repetition for our SQL detector over every file of ``folder``, in this
    process after one warm-up (run in a child, with or without the compiled parser)."""
    from selenite_inventory_lint.detectors.sql import analyze_sql

    texts = [(p.name, p.read_text("utf-8")) for p in sorted(folder.glob("*.sql"))]

    def once() -> None:
        for name, text in texts:
            result = analyze_sql(
                text,
                path=f"migrations/{name}",
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

    once()
    timings = []
    for _ in range(repetitions):
        started = time.perf_counter()
        once()
        timings.append(time.perf_counter() - started)
    return timings


def _compiled_sqlglot() -> Path | None:
    """sqlglot's folder when the ``sqlglotc`` extension modules are installed into it."""
    import importlib.util

    spec = importlib.util.find_spec("sqlglot")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent
    return folder if any(folder.glob("parser*.so")) or any(folder.glob("parser*.pyd")) else None


def _squawk() -> str | None:
    beside = Path(sys.executable).with_name("squawk")
    return str(beside) if beside.exists() else shutil.which("squawk")


def measure_sql(options: Options, workdir: Path) -> list[Row]:
    """(d) microseconds per statement: our detector (compiled and pure sqlglot) vs squawk."""
    folder = workdir / "sql"
    folder.mkdir()
    for index in range(options.sql_files):
        (folder / f"{index:04d}_migration.sql").write_text(
            postgres_migration(options.sql_statements), encoding="utf-8"
        )
    total = options.sql_files * options.sql_statements
    env = environment()
    worker = (
        sys.executable,
        __file__,
        "--sql-worker",
        str(folder),
        "--repetitions",
        str(options.sql_repetitions),
    )
    per_statement: dict[str, Stats] = {}

    def rate(timings: Sequence[float]) -> Stats:
        return Stats.of([t / total for t in timings])

    compiled = _compiled_sqlglot()
    if compiled is not None:
        per_statement["compiled"] = rate(json.loads(run(worker, folder, env).output))
        # The same sources without the extension modules: the parser as plain Python.
        pure = workdir / "pure"
        shutil.copytree(
            compiled,
            pure / "sqlglot",
            ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"),
        )
        pure_env = {
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(pure), env.get("PYTHONPATH")])),
        }
        per_statement["pure"] = rate(json.loads(run(worker, folder, pure_env).output))
    else:
        per_statement["pure"] = rate(json.loads(run(worker, folder, env).output))
    squawk = _squawk()
    squawk_stats: Stats | None = None
    if squawk is not None:
        files = [str(p) for p in sorted(folder.glob("*.sql"))]
        command = (squawk, *files)
        runs = repeat(
            {"squawk": lambda: run(command, folder, env, ok=range(256))}, options.sql_repetitions
        )
        squawk_stats = Stats.of([r.seconds / total for r in runs["squawk"]])
    size = sum(p.stat().st_size for p in folder.glob("*.sql"))
    squawk_name = "`squawk` (one process over all files)" if squawk else "squawk: not installed"
    rows = []
    for label, stats in per_statement.items():
        parser = "compiled `sqlglotc`" if label == "compiled" else "pure-Python sqlglot"
        best = label == "compiled" or compiled is None
        ratio = stats.median / squawk_stats.median if squawk_stats else None
        rows.append(
            Row(
                figure="d",
                what=f"SQL detector, {parser}: {total:,} postgres statements ({size / MB:.1f} MB)",
                unit="µs/stmt",
                value=stats,
                baseline_what=squawk_name,
                baseline=squawk_stats,
                target="within 5x of squawk" if best else "",
                met=(ratio is not None and ratio <= 5) if best else None,
                note="" if compiled is not None or label != "pure" else "sqlglotc not installed",
            )
        )
    return rows


# -- the table ---------------------------------------------------------------------------


def _format(stats: Stats | None, unit: str) -> tuple[str, str]:
    if stats is None:
        return "—", ""
    scale = {"s": 1.0, "ms": 1000.0, "MB": 1 / MB, "µs/stmt": 1e6}[unit]
    digits = {"s": 2, "ms": 0, "MB": 0, "µs/stmt": 0}[unit]
    if unit == "µs/stmt":
        digits = 1 if stats.median * scale < 100 else 0

    def show(value: float) -> str:
        return f"{value * scale:,.{digits}f}"

    return f"{show(stats.median)} {unit}", f"{show(stats.minimum)}-{show(stats.maximum)}"


def render(rows: Sequence[Row], header: str) -> str:
    lines = [
        header,
        "",
        "| | measured | median | spread (min-max) | baseline | baseline median | ratio | target |",
        "|---|---|---:|---:|---|---:|---:|---|",
    ]
    for row in rows:
        value, spread = _format(row.value, row.unit)
        base, _ = _format(row.baseline, row.unit)
        ratio = f"{row.ratio:.1f}x" if row.ratio is not None else "—"
        target = row.target
        if row.met is not None:
            target = f"{target} {'✅' if row.met else '❌'}".strip()
        what = row.what + (f" — {row.note}" if row.note else "")
        lines.append(
            f"| {row.figure} | {what} | {value} | {spread} | {row.baseline_what} | {base} | "
            f"{ratio} | {target} |"
        )
    return "\n".join(lines) + "\n"


def _machine() -> str:
    import platform
    from importlib.metadata import version

    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"GitPython {version('GitPython')}, sqlglot {version('sqlglot')}"
    )


def measure(options: Options, workdir: Path, log: Callable[[str], None] = print) -> list[Row]:
    """Every figure, in the order of the table."""
    byte_compile()
    repo = Repository(root=workdir / "repo", sizes=options.sizes)
    repo.root.mkdir()
    log("building the 1x repository")
    repo.grow(1)
    log("a: the no-op hook")
    hook = measure_hook(repo, options.hook_repetitions)
    log("b: check of a change")
    check, check_memory = measure_check(repo, options.check_repetitions, revisions=50, sql_files=20)
    retire = measure_retirement(repo, options.check_repetitions)
    audits: list[Row] = []
    memories: list[Row] = []
    for scale in options.scales:
        if scale > repo.units:
            log(f"growing the repository to {scale}x")
            repo.grow(scale - repo.units)
        log(f"c: audit at {scale}x")
        timing, memory = measure_audit(
            repo, options.audit_repetitions, check_memory.baseline, warm_up=options.warm_up
        )
        audits.append(timing)
        memories.append(memory)
    log("d: SQL throughput")
    sql = measure_sql(options, workdir)
    return [
        *hook,
        check,
        retire,
        *audit_targets(audits, options.scales),
        *sql,
        check_memory,
        *memories,
    ]


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (under 2 minutes)")
    parser.add_argument("--repetitions", type=int, metavar="N", help="repetitions of every figure")
    parser.add_argument(
        "--scale", type=int, action="append", metavar="N", help="audit scales (1 2 4)"
    )
    parser.add_argument("--revisions", type=int, default=1000, metavar="N")
    parser.add_argument("--sql-files", type=int, default=200, metavar="N")
    parser.add_argument("--python-files", type=int, default=5000, metavar="N")
    parser.add_argument(
        "--sql-statements", type=int, metavar="N", help="per SQL file of d (2000; 500 quick)"
    )
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it")
    parser.add_argument("--sql-worker", metavar="DIR", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def options_from(args: argparse.Namespace) -> Options:
    quick = {"hook": 7, "check": 3, "audit": 1, "sql": 3} if args.quick else {}
    fixed = args.repetitions

    def count(name: str, default: int) -> int:
        return fixed or quick.get(name, default)

    return Options(
        sizes=Sizes(
            revisions=args.revisions, sql_files=args.sql_files, python_files=args.python_files
        ),
        scales=tuple(sorted(set(args.scale or (1, 2, 4)))),
        hook_repetitions=count("hook", 15),
        check_repetitions=count("check", 7),
        audit_repetitions=count("audit", 5),
        sql_statements=args.sql_statements or (500 if args.quick else 2000),
        sql_repetitions=count("sql", 5),
        warm_up=not args.quick,
    )


@contextlib.contextmanager
def _workdir(keep: str | None) -> Iterator[Path]:
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=False)
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="inventory-lint-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.sql_worker:
        timings = sql_worker(Path(args.sql_worker), args.repetitions or 5)
        print(json.dumps(timings))
        return 0
    options = options_from(args)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    started = time.perf_counter()
    with _workdir(args.keep) as workdir:
        rows = measure(options, workdir, log=lambda text: print(f"... {text}", file=sys.stderr))
    elapsed = time.perf_counter() - started
    command = " ".join(["python benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])
    header = (
        f"`{command}` — {_machine()}, load average {load:.1f} at the start; "
        f"median of {options.hook_repetitions} (a), "
        f"{options.check_repetitions} (b), {options.audit_repetitions} (c) and "
        f"{options.sql_repetitions} (d) runs after a warm-up"
        f"{'' if options.warm_up else ' (none for c)'}; {elapsed:.0f} s in all."
    )
    sys.stdout.write(render(rows, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
