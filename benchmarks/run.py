"""Speed of selenite-inventory-lint against the goals of its performance issue, each figure
next to a baseline measured in the same run.

    python benchmarks/run.py [--quick] [--goal N ...] [--scale N ...] [--repetitions N]
                             [--write-docs [PAGE]]

Generates repositories (Alembic revisions, SQL migrations, Python files and an inventory that
documents them) and runs the installed console script as pre-commit and CI do:

1. the hook (``check --staged``) with one new revision staged in a repository of ~5,000 files,
   500 revisions and a 1,000-entry inventory, against a bare interpreter start plus the
   ``git diff --cached --name-only`` pre-commit asks; a no-op commit; and the same hook at
   2,000 revisions and at 4,000 entries against the first;
2. ``check`` of a one-file change in 100,000 files (10,000 with ``--quick``) against the same
   change in 1,000; the retirement search (the last reference to a setting removed) against
   ``git grep``;
3. SQL: ``check`` of a commit adding a corpus of postgres migrations against
   ``squawk --reporter json`` (PyPI ``squawk-cli``) over the same files, both whole
   processes; and our SQL detector in-process, after a warm-up, against the same squawk run;
4. ``audit`` at 1x (250 revisions, 50 SQL files, 1,250 Python files; 2x and 4x in the full
   run) against parsing every file once, and its peak memory.

Every row prints its median, spread, baseline, ratio and goal, and whether the goal is met.
Commands run once to warm caches (``--quick`` counts the audit's first run), then
``--repetitions`` times, interleaved with their baselines. The package is byte-compiled first
and PYTHONDONTWRITEBYTECODE is cleared, as for pip-installed packages. ``--write-docs``
writes the table between the markers of docs/performance.md.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import functools
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
    # Lines of DATA_INVENTORY.md: filler entries pad it, or the oldest entries are left out
    # (0: exactly what the repository holds).
    entries: int = 0


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
                f"UPDATE {previous} SET {column} = 'moved' WHERE {column} IS NULL;",
            ]
        statements += [
            f"-- housekeeping {k}\n"
            f"UPDATE {table} SET amount = {k} WHERE amount IS NULL AND id = {k};"
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
        wanted = self.sizes.entries
        if wanted and len(schema) + len(config) > wanted:
            # The newest entries stay: a commit adding a table documents it.
            schema = schema[len(schema) + len(config) - wanted :]
        elif wanted:
            missing = wanted - len(schema) - len(config)
            config += [f"- `RESERVED_SETTING_{k:05d}` (not read yet)" for k in range(missing)]
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
            self.sizes,
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
                self.sizes,
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
    """What to build and how often to run it; ``fraction`` shrinks every size (tests)."""

    quick: bool = False
    fraction: float = 1.0
    repetitions: int = 7
    audit_repetitions: int = 5
    audit_scales: tuple[int, ...] = (1, 2, 4)
    sql_repetitions: int = 5
    # Files of the goal-2 pair: the same one-file change in a small and a large repository.
    small_files: int = 1000
    large_files: int = 100_000
    sql_files: int = 5
    sql_statements: int = 2000
    mixed_sql_files: int = 300
    goals: tuple[int, ...] = (1, 2, 3, 4)

    def size(self, count: int, least: int = 1) -> int:
        return max(least, round(count * self.fraction))


def judge(row: Row, *, at_most: float | None = None, ratio_at_most: float | None = None) -> Row:
    """``row`` with its goal: the median at most ``at_most`` (in seconds), and/or at most
    ``ratio_at_most`` times its baseline."""
    goals: list[str] = []
    met = True
    if at_most is not None:
        shown, _ = _format(Stats.of([at_most]), row.unit)
        goals.append(f"≤ {shown}")
        met = met and row.value is not None and row.value.median <= at_most
    if ratio_at_most is not None:
        goals.append(f"≤ {ratio_at_most:g}x")
        met = met and row.ratio is not None and row.ratio <= ratio_at_most
    return replace(row, target=" and ".join(goals), met=met)


def _interpreter_floor(runs: Mapping[str, Sequence[Run]]) -> Stats:
    """A bare interpreter start plus ``git diff --cached --name-only``, sample by sample."""
    return Stats.of(
        [p.seconds + g.seconds for p, g in zip(runs["python"], runs["git"], strict=True)]
    )


FLOOR = "`python -c pass` + `git diff --cached --name-only`"


def hook_repository(options: Options, root: Path) -> Repository:
    """Goal 1's repository: ~5,000 files, 500 revisions, a 1,000-entry inventory."""
    repo = Repository(
        root=root,
        sizes=Sizes(
            revisions=options.size(500, 2),
            sql_files=options.size(50),
            python_files=options.size(4400, 10),
            entries=options.size(1000, 4),
        ),
    )
    root.mkdir()
    repo.grow(1)
    return repo


def _stage_revision(repo: Repository) -> None:
    """Stage one new revision and its inventory entry, as a developer commits them."""
    repo.revision()
    if repo.sizes.entries:  # one more line: no entry leaves to make room for it
        repo.sizes = replace(repo.sizes, entries=repo.sizes.entries + 1)
    repo.write("DATA_INVENTORY.md", repo.inventory())
    repo.git("add", "-A")


def _hook_runs(repo: Repository, options: Options, *, noop: bool = False) -> dict[str, list[Run]]:
    """``check --staged`` with one new revision staged; with ``noop``, also with only
    README.md staged and the first run after install (an empty cache), interleaved with the
    interpreter floor.

    The user cache (``$XDG_CACHE_HOME``) of every sample is the one the previous commit's
    hook left, as for a developer committing revision after revision: the headers of the
    committed revisions and the committed inventory are in it, the staged ones are not (each
    sample starts from a copy, so no sample reads what an earlier one kept).
    """
    env = environment()
    hook = (*tool_command(), "check", "--staged")
    commands: dict[str, Callable[[], Run]] = {}
    runs: dict[str, list[Run]] = {}
    caches = repo.root.parent / f"{repo.root.name}-caches"
    shutil.rmtree(caches, ignore_errors=True)
    used = caches / "run"

    def with_cache(kept: Path | None) -> Callable[[], Run]:
        def sample() -> Run:
            shutil.rmtree(used, ignore_errors=True)
            if kept is not None:
                shutil.copytree(kept, used)
            return run(hook, repo.root, {**env, "XDG_CACHE_HOME": str(used)}, ok=(0, 1))

        return sample

    if noop:
        commands = {
            "git": lambda: run(GIT_DIFF, repo.root, env),
            "python": lambda: run((sys.executable, "-c", "pass"), repo.root, env),
        }
        with repo.trial():
            repo.write("README.md", "Synthetic repository, edited.\n")
            repo.git("add", "README.md")
            staged = repo.git(*GIT_DIFF[1:]).split()
            if staged != ["README.md"]:
                raise RuntimeError(f"expected only README.md staged, found {staged}")
            runs |= repeat({**commands, "noop": with_cache(None)}, options.repetitions)
    with repo.trial():
        # The previous commit: its hook fills the cache, then it is committed.
        _stage_revision(repo)
        warm = caches / "warm"
        run(hook, repo.root, {**env, "XDG_CACHE_HOME": str(warm)}, ok=(0, 1))
        repo.git("commit", "-q", "-m", "the previous revision")
        _stage_revision(repo)
        measured = {**commands, "hook": with_cache(warm)}
        if noop:
            measured["cold"] = with_cache(None)
        runs |= repeat(measured, options.repetitions)
        runs["outcome"] = runs["hook"][-1:]
    shutil.rmtree(caches, ignore_errors=True)
    return runs


def measure_hook(repo: Repository, options: Options, log: Callable[[str], None]) -> list[Row]:
    """Goal 1: the hook with one revision staged, the no-op commit, and growth pairs."""
    files = repo.git("ls-files").count("\n")
    log("1: the hook, one new revision staged, and a no-op commit")
    runs = _hook_runs(repo, options, noop=True)
    floor = _interpreter_floor(runs)
    hook = seconds(runs["hook"])
    size = f"{files:,} files, {repo.revisions:,} revisions, {repo.sizes.entries:,} entries"
    rows = [
        judge(
            Row(
                figure="1",
                what=(
                    f"hook `check --staged`, one new revision staged ({size}); the user cache"
                    " as the previous commit's hook left it"
                ),
                unit="ms",
                value=hook,
                baseline_what=FLOOR,
                baseline=floor,
                note=_outcome(runs["outcome"][-1]),
            ),
            at_most=0.150,
            ratio_at_most=3,
        ),
        Row(
            figure="1",
            what="the same hook's first run after install (an empty cache)",
            unit="ms",
            value=seconds(runs["cold"]),
            baseline_what=FLOOR,
            baseline=floor,
        ),
        judge(
            Row(
                figure="1",
                what="no-op commit: the hook with README.md staged",
                unit="ms",
                value=seconds(runs["noop"]),
                baseline_what=FLOOR,
                baseline=floor,
            ),
            ratio_at_most=2,
        ),
    ]

    def growth(what: str, runs: dict[str, list[Run]], baseline_what: str) -> Row:
        """The one-revision hook again in a larger repository, against the first size."""
        return judge(
            Row(
                figure="1",
                what=f"growth: the same hook {what}",
                unit="ms",
                value=seconds(runs["hook"]),
                baseline_what=f"the hook {baseline_what}",
                baseline=hook,
            ),
            ratio_at_most=1.2,
        )

    more = options.size(2000, 4) - repo.revisions
    log(f"1: the same hook at {repo.revisions + more:,} revisions")
    with repo.trial():
        for _ in range(more):
            repo.revision()
        repo.write("DATA_INVENTORY.md", repo.inventory())
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", "more revisions")
        grown = _hook_runs(repo, options)
        revisions = repo.revisions
    rows.append(
        growth(f"at {revisions:,} revisions", grown, f"at {repo.revisions:,} revisions (above)")
    )
    entries = repo.sizes.entries * 4
    log(f"1: the same hook with {entries:,} inventory entries")
    sizes = repo.sizes
    with repo.trial():
        repo.sizes = replace(sizes, entries=entries)
        repo.write("DATA_INVENTORY.md", repo.inventory())
        repo.git("commit", "-q", "-am", "a longer inventory")
        longer = _hook_runs(repo, options)
    rows.append(
        growth(
            f"with {entries:,} inventory entries", longer, f"with {sizes.entries:,} entries (above)"
        )
    )
    return rows


def change_repository(root: Path, files: int) -> Repository:
    """Goal 2's repositories: ``files`` short Python modules and a few migrations."""
    repo = Repository(
        root=root,
        sizes=Sizes(revisions=20, sql_files=5, python_files=max(files - 30, 10), python_lines=20),
    )
    root.mkdir()
    repo.grow(1)
    # One setting read by one module only, for the retirement search.
    repo.variables.add("LEGACY_SETTING")
    repo.write("app/retired.py", 'import os\n\nLEGACY = os.getenv("LEGACY_SETTING", "default")\n')
    repo.write("DATA_INVENTORY.md", repo.inventory())
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "a legacy setting")
    return repo


def _one_file_change(repo: Repository) -> None:
    """Commit a change to one module: a documented setting is read there too."""
    variable = sorted(repo.variables)[0]
    path = "app/pkg001/mod00001.py"
    text = (repo.root / path).read_text("utf-8")
    repo.write(path, text + f'\nOTHER = os.getenv("{variable}")\n')
    repo.git("commit", "-q", "-am", "one file")


def measure_change(options: Options, workdir: Path, log: Callable[[str], None]) -> list[Row]:
    """Goal 2: one-file change in a large repository vs in a small one; the retirement search
    (removing the last reference to a setting) on its own row against ``git grep``."""
    env = environment()
    check = (*tool_command(), "check", "--base", "HEAD~1", "--head", "HEAD")
    large_files = options.size(options.large_files, 100)
    small_files = options.size(options.small_files, 10)
    log(f"2: building repositories of {small_files:,} and {large_files:,} files")
    small = change_repository(workdir / "small", small_files)
    large = change_repository(workdir / "large", large_files)
    timings: dict[str, Stats] = {}
    counts: dict[str, int] = {}
    for label, repo in (("small", small), ("large", large)):
        counts[label] = repo.git("ls-files").count("\n")
        with repo.trial():
            _one_file_change(repo)
            runs = repeat(
                {"check": functools.partial(run, check, repo.root, env)}, options.repetitions
            )
        timings[label] = seconds(runs["check"])
    note = (
        f"100,000 files in the full run; {counts['large']:,} with --quick (building 100k "
        "takes minutes)"
        if options.quick and options.fraction == 1
        else ""
    )
    rows = [
        judge(
            Row(
                figure="2",
                what=f"`check` of a one-file change in {counts['large']:,} files",
                unit="ms",
                value=timings["large"],
                baseline_what=f"the same change in {counts['small']:,} files",
                baseline=timings["small"],
                note=note,
            ),
            ratio_at_most=1.5,
        )
    ]
    with large.trial():
        variable, _ = large.retire_variable()
        grep = ("git", "grep", "-F", "-l", "-e", variable, "HEAD")
        runs = repeat(
            {
                "check": lambda: run(check, large.root, env, ok=(0, 1)),
                "grep": lambda: run(grep, large.root, env, ok=(0, 1)),
            },
            options.repetitions,
        )
    rows.append(
        Row(
            figure="2",
            what=(
                f"retirement search: `check` of a commit removing the last reference to "
                f"{variable} in {counts['large']:,} files"
            ),
            unit="ms",
            value=seconds(runs["check"]),
            baseline_what=f"`git grep -F -l {variable} HEAD`",
            baseline=seconds(runs["grep"]),
            note=_outcome(runs["check"][-1]),
        )
    )
    return rows


def _outcome(done: Run) -> str:
    lines = [line.strip() for line in done.output.splitlines() if line.strip()]
    return f"exit {done.code}: {lines[-1] if lines else 'no output'}"


def _parse_baseline(root: Path, paths: Sequence[str], env: Mapping[str, str]) -> Run:
    return run((sys.executable, "-c", PARSE_BASELINE), root, env, stdin="\0".join(paths))


def measure_audit(
    repo: Repository, repetitions: int, libraries: Stats | None, *, warm_up: bool = True
) -> list[Row]:
    """Goal 4: ``audit`` of the whole repository, and its peak memory."""
    env = environment()
    files = repo.git("ls-files", "-z").split("\0")
    sources = [f for f in files if f.endswith((".py", ".sql"))]
    audit = (*tool_command(), "audit")
    commands: dict[str, Callable[[], Run]] = {
        "audit": lambda: run(audit, repo.root, env, ok=(0, 1)),
        "parse": lambda: _parse_baseline(repo.root, sources, env),
    }
    if libraries is None:
        commands["libraries"] = lambda: run((sys.executable, "-c", LIBRARIES_ONLY), repo.root, env)
    runs = repeat(commands, repetitions, warm_up=warm_up)
    scale = repo.units
    memory = peak(runs["audit"])
    return [
        Row(
            figure="4",
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
            figure="4",
            what=f"peak memory of `audit` at {scale}x",
            unit="MB",
            value=memory,
            baseline_what=f'`python -c "{LIBRARIES_ONLY}"`',
            baseline=libraries if libraries is not None else peak(runs["libraries"]),
        ),
    ]


def audit_targets(rows: Sequence[Row], scales: Sequence[int]) -> list[Row]:
    """Goal 4: 1x at most 3 s; k times the size within 1.1 k times the 1x time."""
    first = rows[0].value.median if rows and rows[0].value else 0.0
    judged = []
    for scale, row in zip(scales, rows, strict=True):
        assert row.value is not None
        if scale == 1:
            judged.append(judge(row, at_most=3.0))
            continue
        factor = 1.1 * scale / scales[0]
        limit = factor * first
        target = f"≤ {factor:.1f} x {scales[0]}x = {limit:.1f} s"
        judged.append(replace(row, target=target, met=row.value.median <= limit))
    return judged


# -- (3) SQL throughput ------------------------------------------------------------------

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


def mixed_migration(n: int) -> str:
    """The ``n``-th migration of a realistic mix, in turn: a schema change, a plpgsql trigger
    function with dollar-quoted bodies, a data migration with CTEs, and a SQLite-style
    migration in the subset both databases read."""
    table, previous = f"acct_{n:04d}", f"acct_{max(n - 1, 0):04d}"
    notes = f"note_{n:04d}"
    out: list[str] = []
    if n % 4 == 0:
        out += [
            f"CREATE TABLE IF NOT EXISTS {table} (\n  id BIGSERIAL PRIMARY KEY,\n"
            "  email TEXT NOT NULL UNIQUE,\n  status VARCHAR(16) NOT NULL DEFAULT 'new'"
            " CHECK (status IN ('new', 'active', 'closed')),\n"
            "  balance NUMERIC(12, 2) NOT NULL DEFAULT 0,\n"
            "  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n  updated_at TIMESTAMPTZ\n);",
            f"CREATE INDEX IF NOT EXISTS ix_{table}_status ON {table} (status, created_at DESC)"
            " WHERE status <> 'closed';",
            f"COMMENT ON TABLE {table} IS 'accounts, batch {n}; kept for audit';",
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS region TEXT DEFAULT 'eu';",
        ]
        out += [
            f"INSERT INTO {table} (email, status) VALUES ('user{k}@example.invalid', 'new')"
            " ON CONFLICT (email) DO NOTHING;"
            for k in range(8)
        ]
    elif n % 4 == 1:
        out += [
            f"CREATE OR REPLACE FUNCTION touch_{table}() RETURNS trigger AS $$\nBEGIN\n"
            "  NEW.updated_at := now();\n  IF NEW.status = 'closed' THEN\n"
            f"    INSERT INTO audit_log (tbl, row_id, note) VALUES ('{table}', NEW.id, 'closed;"
            " archived');\n  END IF;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;",
            f"DROP TRIGGER IF EXISTS trg_touch_{table} ON {previous};",
            f"CREATE TRIGGER trg_touch_{table} BEFORE UPDATE ON {previous} FOR EACH ROW"
            f" EXECUTE FUNCTION touch_{table}();",
            f"CREATE OR REPLACE FUNCTION total_{table}(since TIMESTAMPTZ) RETURNS NUMERIC"
            " LANGUAGE sql STABLE AS $body$\n"
            f"  SELECT coalesce(sum(balance), 0) FROM {previous} WHERE created_at >= since;"
            " -- inside the body\n$body$;",
        ]
        out += [f"UPDATE {previous} SET updated_at = now() WHERE id % 10 = {k};" for k in range(6)]
    elif n % 4 == 2:
        out += [
            "WITH stale AS (\n"
            f"  SELECT id FROM {previous} WHERE status = 'closed'"
            " AND updated_at < now() - interval '90 days'\n)\n"
            f"UPDATE {previous} SET region = NULL WHERE id IN (SELECT id FROM stale);",
            "WITH RECURSIVE chain(id, depth) AS (\n"
            f"  SELECT id, 0 FROM {previous} WHERE id = 1\n  UNION ALL\n"
            f"  SELECT a.id, c.depth + 1 FROM {previous} AS a JOIN chain AS c"
            " ON a.id = c.id + 1 WHERE c.depth < 5\n)\n"
            f"INSERT INTO audit_log (tbl, row_id, note) SELECT '{previous}', id,"
            " 'depth ' || depth FROM chain;",
            "INSERT INTO audit_log (tbl, row_id, note)\n"
            f"SELECT '{previous}', a.id, 'balance ' || a.balance::text\nFROM {previous} AS a\n"
            f"LEFT JOIN audit_log AS l ON l.row_id = a.id AND l.tbl = '{previous}'\n"
            f"WHERE l.row_id IS NULL AND a.balance > {n};",
        ]
        out += [
            f"UPDATE {previous} AS a SET balance = a.balance + s.amount"
            f" FROM (SELECT {k} AS id, {k}.5 AS amount) AS s WHERE a.id = s.id;"
            for k in range(6)
        ]
    else:
        out += [
            f"CREATE TABLE IF NOT EXISTS {notes} (\n  id INTEGER PRIMARY KEY,\n"
            f"  acct_id INTEGER NOT NULL REFERENCES {previous} (id) ON DELETE CASCADE,\n"
            "  body TEXT NOT NULL,\n  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP\n);",
            f"CREATE INDEX IF NOT EXISTS ix_{notes}_acct ON {notes} (acct_id);",
            f"CREATE UNIQUE INDEX IF NOT EXISTS ux_{notes} ON {notes} (acct_id, created_at);",
            f"/* backfill; keep ordering */\nINSERT INTO {notes} (acct_id, body)"
            f" SELECT id, 'migrated: ' || email FROM {previous} WHERE status = 'active';",
            f"DELETE FROM {notes} WHERE body LIKE '%;%' AND created_at < CURRENT_TIMESTAMP;",
        ]
        out += [
            f"UPDATE {notes} SET body = replace(body, 'old', 'new') WHERE id > {k * 100};"
            for k in range(6)
        ]
    return "\n\n".join(out) + "\n"


def sql_corpus(options: Options, folder: Path) -> tuple[int, int]:
    """Write goal 3's corpus into ``folder``: the generated bulk migrations and the mixed
    ones; the number of files and of statements."""
    from selenite_inventory_lint.detectors.sql.split import split

    folder.mkdir(parents=True)
    texts = {
        f"{index:04d}_bulk.sql": postgres_migration(options.size(options.sql_statements, 8))
        for index in range(options.size(options.sql_files))
    }
    texts |= {
        f"{1000 + n:04d}_mixed.sql": mixed_migration(n)
        for n in range(options.size(options.mixed_sql_files, 4))
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return len(texts), sum(len(split(text, "postgres")) for text in texts.values())


def sql_worker(folder: Path, repetitions: int) -> list[float]:
    """Seconds per repetition for our SQL detector over every file of ``folder``, in this
    process after one warm-up (run in a child)."""
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


def sqlglot_compiled() -> bool:
    """Is sqlglot's parser the compiled ``sqlglotc`` extension in this interpreter?"""
    import sqlglot.parser

    return not (sqlglot.parser.__file__ or "").endswith(".py")


def _squawk() -> str | None:
    beside = Path(sys.executable).with_name("squawk")
    return str(beside) if beside.exists() else shutil.which("squawk")


SQL_CONFIG = "dialect: postgres\n"


def measure_sql(options: Options, workdir: Path, log: Callable[[str], None]) -> list[Row]:
    """Goal 3: our SQL detector against ``squawk --reporter json`` over the same files, both
    as whole processes, and our detector in-process beside it."""
    env = environment()
    repo = Repository(root=workdir / "sql", sizes=Sizes())
    folder = repo.root / "db" / "migrations"
    log("3: writing the SQL corpus")
    files, statements = sql_corpus(options, folder)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "gc.auto", "0")
    repo.write(".inventory-lint.yaml", SQL_CONFIG)
    repo.write("DATA_INVENTORY.md", "# Data Inventory\n\n## Database (PostgreSQL)\n")
    repo.git("add", ".inventory-lint.yaml", "DATA_INVENTORY.md")
    repo.git("commit", "-q", "-m", "base")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "the corpus")
    size = sum(p.stat().st_size for p in folder.glob("*.sql"))
    names = sorted(p.name for p in folder.glob("*.sql"))
    check = (*tool_command(), "check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    commands: dict[str, Callable[[], Run]] = {"ours": lambda: run(check, repo.root, env, ok=(0, 1))}
    squawk = _squawk()
    if squawk is not None:
        squawk_command = (squawk, "--reporter", "json", *names)
        commands["squawk"] = lambda: run(squawk_command, folder, env, ok=range(256))
    log("3: both tools over the corpus")
    runs = repeat(commands, options.sql_repetitions)
    worker = (
        sys.executable,
        __file__,
        "--sql-worker",
        str(folder),
        "--repetitions",
        str(options.sql_repetitions),
    )
    inside = Stats.of(json.loads(run(worker, folder, env).output))
    squawk_stats = seconds(runs["squawk"]) if squawk is not None else None
    squawk_what = (
        "`squawk --reporter json` over the same files (one process)"
        if squawk is not None
        else "squawk: not installed (`pip install squawk-cli`)"
    )
    corpus = (
        f"{files:,} files, {statements:,} statements ({size / MB:.1f} MB; generated bulk "
        "migrations and a mix of schema changes, plpgsql triggers, CTEs, SQLite-style DDL)"
    )
    parser = "compiled `sqlglotc`" if sqlglot_compiled() else "pure-Python sqlglot"
    ours = seconds(runs["ours"])
    return [
        judge(
            Row(
                figure="3",
                what=(
                    f"SQL, whole process: `check --format json` of a commit adding {corpus}"
                    f" — {_rate(ours, statements)}"
                ),
                unit="s",
                value=ours,
                baseline_what=squawk_what,
                baseline=squawk_stats,
            ),
            ratio_at_most=3,
        ),
        judge(
            Row(
                figure="3",
                what=(
                    f"SQL, in-process: the SQL detector over the same files, {parser}, "
                    f"after a warm-up — {_rate(inside, statements)}"
                ),
                unit="s",
                value=inside,
                baseline_what=squawk_what,
                baseline=squawk_stats,
            ),
            ratio_at_most=1.5,
        ),
    ]


def _rate(stats: Stats, statements: int) -> str:
    return f"{stats.median / max(statements, 1) * 1e6:,.0f} µs/statement"


# -- the table ---------------------------------------------------------------------------


def _format(stats: Stats | None, unit: str) -> tuple[str, str]:
    if stats is None:
        return "—", ""
    scale = {"s": 1.0, "ms": 1000.0, "MB": 1 / MB}[unit]
    digits = {"s": 2, "ms": 0, "MB": 0}[unit]

    def show(value: float) -> str:
        return f"{value * scale:,.{digits}f}"

    return f"{show(stats.median)} {unit}", f"{show(stats.minimum)}-{show(stats.maximum)}"


def render(rows: Sequence[Row], header: str) -> str:
    lines = [
        header,
        "",
        "| goal | measured | median | spread (min-max) | baseline | baseline median | ratio "
        "| goal | met |",
        "|---|---|---:|---:|---|---:|---:|---|---|",
    ]
    for row in rows:
        value, spread = _format(row.value, row.unit)
        base, _ = _format(row.baseline, row.unit)
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "—"
        met = "—" if row.met is None else ("✅ yes" if row.met else "❌ no")
        what = row.what + (f" — {row.note}" if row.note else "")
        lines.append(
            f"| {row.figure} | {what} | {value} | {spread} | {row.baseline_what} | {base} | "
            f"{ratio} | {row.target or '—'} | {met} |"
        )
    return "\n".join(lines) + "\n"


MARKERS = ("<!-- benchmark-table -->\n", "<!-- /benchmark-table -->\n")


def write_docs(page: Path, table: str) -> None:
    """Replace what stands between the markers of ``page`` with ``table``."""
    text = page.read_text("utf-8")
    start, end = text.find(MARKERS[0]), text.find(MARKERS[1])
    if start < 0 or end < start:
        raise SystemExit(f"{page}: the {MARKERS[0].strip()} markers are missing")
    head = text[: start + len(MARKERS[0])]
    page.write_text(f"{head}{table}{text[end:]}", encoding="utf-8")


def _machine() -> str:
    import platform
    from importlib.metadata import version

    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"GitPython {version('GitPython')}, sqlglot {version('sqlglot')}"
    )


def measure(options: Options, workdir: Path, log: Callable[[str], None] = print) -> list[Row]:
    """Every figure of the goals asked for, goal by goal."""
    byte_compile()
    rows: list[Row] = []
    if 1 in options.goals:
        log("1: building the hook repository")
        rows += measure_hook(hook_repository(options, workdir / "hook"), options, log)
    if 2 in options.goals:
        rows += measure_change(options, workdir, log)
    if 3 in options.goals:
        rows += measure_sql(options, workdir, log)
    if 4 not in options.goals:
        return rows
    repo = Repository(
        root=workdir / "audit",
        sizes=Sizes(
            revisions=options.size(250, 2),
            sql_files=options.size(50),
            python_files=options.size(1250, 10),
        ),
    )
    repo.root.mkdir()
    audits: list[Row] = []
    memories: list[Row] = []
    libraries: Stats | None = None
    for scale in options.audit_scales:
        log(f"4: audit at {scale}x")
        repo.grow(scale - repo.units)
        timing, memory = measure_audit(
            repo, options.audit_repetitions, libraries, warm_up=not options.quick
        )
        libraries = memory.baseline
        audits.append(timing)
        memories.append(memory)
    return [*rows, *audit_targets(audits, options.audit_scales), *memories]


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer samples, 10k files for goal 2 (< 2 minutes)"
    )
    parser.add_argument("--repetitions", type=int, metavar="N", help="samples of every figure")
    parser.add_argument(
        "--goal",
        type=int,
        action="append",
        choices=(1, 2, 3, 4),
        metavar="N",
        help="measure only goal N (repeatable; default: all four)",
    )
    parser.add_argument(
        "--scale", type=int, action="append", metavar="N", help="audit scales (1 2 4)"
    )
    parser.add_argument(
        "--fraction", type=float, default=1.0, metavar="F", help="shrink every size by F (tests)"
    )
    parser.add_argument(
        "--write-docs",
        metavar="PAGE",
        nargs="?",
        const=str(Path(__file__).parents[1] / "docs" / "performance.md"),
        help="also write the table between the markers of PAGE (docs/performance.md)",
    )
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it")
    parser.add_argument("--sql-worker", metavar="DIR", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def options_from(args: argparse.Namespace) -> Options:
    quick = {"hook": 5, "audit": 1, "sql": 3} if args.quick else {}
    fixed = args.repetitions

    def count(name: str, default: int) -> int:
        return fixed or quick.get(name, default)

    return Options(
        quick=args.quick,
        fraction=args.fraction,
        repetitions=count("hook", 15),
        audit_repetitions=count("audit", 5),
        audit_scales=tuple(sorted(set(args.scale or ((1,) if args.quick else (1, 2, 4))))),
        sql_repetitions=count("sql", 5),
        large_files=10_000 if args.quick else 100_000,
        sql_statements=500 if args.quick else 2000,
        goals=tuple(sorted(set(args.goal or (1, 2, 3, 4)))),
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
        rows = measure(
            options,
            workdir,
            log=lambda text: print(
                f"... {time.perf_counter() - started:5.0f} s  {text}", file=sys.stderr
            ),
        )
    elapsed = time.perf_counter() - started
    shown = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--write-docs"]
    command = " ".join(["python benchmarks/run.py", *shown])
    header = (
        f"`{command}` — {_machine()}, load average {load:.1f} at the start; "
        f"median of {options.repetitions} (goals 1 and 2), {options.sql_repetitions} (3) and "
        f"{options.audit_repetitions} (4) runs"
        f"{', the audit without a warm-up' if options.quick else ' after a warm-up'}; "
        f"{elapsed:.0f} s in all."
    )
    table = render(rows, header)
    sys.stdout.write(table)
    if args.write_docs:
        write_docs(Path(args.write_docs), table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
