"""Time `check --staged` on generated change sets of growing size: the run must stay linear.

    python benchmarks/scale.py [MEGABYTES ...]      (default: 10 25 50)
    python benchmarks/scale.py --hook [RUNS]        (default: 7)

Each size is a fresh repository whose staged change adds that many megabytes of
data-bearing sources in the proportions of a busy pull request: Python modules with
environment variables and storage paths (60%), SQL migrations (20%), Alembic revisions (10%)
and TypeScript and compose files (10%). Prints seconds per size and seconds per megabyte.

``--hook`` measures the other direction: the pre-commit hook staging one new Alembic revision in
a repository of 5,000 files, with 500 or 2,000 revisions and an inventory of 1,000 or 4,000
entries. A one-revision commit must cost the same whatever the history and the inventory hold.
Prints the median CPU seconds (the hook and the git commands it runs) next to
``python -c pass`` and ``git diff --cached --name-only`` measured in turn with it.
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from selenite_inventory_lint.cli import main

MB = 1024 * 1024
FILE_BYTES = 100 * 1024
INVENTORY = """\
# Data inventory

## Database (SQLite)
- `users`: accounts.

## Storage Paths
- `storage/media/`: uploads.

## Configuration & State
- `SECRET_KEY`: signing key.
"""
ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


@dataclass(frozen=True, slots=True)
class Timing:
    megabytes: float
    files: int
    seconds: float
    findings: int
    cpu_seconds: (
        float  # this process and its reaped children: what a loaded machine does not inflate
    )


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _git(root: Path, *args: str) -> None:
    subprocess.run(("git", *args), cwd=root, check=True, env={**os.environ, **ENV})


def _fill(block: str, size: int) -> str:
    return block * max(1, size // len(block))


def python_module(index: int, size: int) -> str:
    head = (
        "import os\nfrom pathlib import Path\n\nROOT = Path(__file__).parents[2]\n"
        f'MEDIA = ROOT / "storage" / "media" / "m{index}"\n'
        f'TOKEN = os.getenv("SERVICE_{index}_TOKEN")\n'
    )
    body = "\n\ndef handler(x, y=1):\n    total = 0\n    for i in range(x):\n" * 1
    body += "        total += i * y  # arithmetic, nothing data-bearing\n    return total\n"
    return head + _fill(body, size - len(head))


def sql_migration(index: int, size: int) -> str:
    block = (
        f"CREATE TABLE IF NOT EXISTS t{index}_{{n}} (id INTEGER PRIMARY KEY, name TEXT);\n"
        f"CREATE INDEX IF NOT EXISTS ix{index}_{{n}} ON t{index}_{{n}} (name);\n"
    )
    count = max(1, size // len(block.format(n=0)))
    return "".join(block.format(n=n) for n in range(count))


def revision(index: int, size: int) -> str:
    head = (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f'revision = "r{index:05d}"\ndown_revision = {f"r{index - 1:05d}" if index else None!r}\n\n'
        "def upgrade():\n"
    )
    op = (
        f"    if 'r{index}' not in sa.inspect(op.get_bind()).get_table_names():\n"
        f"        op.create_table('r{index}', sa.Column('id', sa.Integer(), primary_key=True))\n"
    )
    return head + _fill(op, size - len(head)) + "\n\ndef downgrade():\n    pass\n"


def typescript(index: int, size: int) -> str:
    return _fill(f"export const url{index} = process.env.API_URL ?? '/api';\n", size)


def build(root: Path, megabytes: float) -> int:
    """A repository with one base commit and ``megabytes`` of staged sources; the file count."""
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "gc.auto", "0")
    (root / "DATA_INVENTORY.md").write_text(INVENTORY, "utf-8")
    (root / "README.md").write_text("bench\n", "utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    total = int(megabytes * MB)
    files = 0
    written = 0
    while written < total:
        kind = files % 10
        if kind < 6:
            path, text = f"app/pkg{files % 40}/mod{files}.py", python_module(files, FILE_BYTES)
        elif kind < 8:
            path, text = f"db/migrations/{files:06d}.sql", sql_migration(files, FILE_BYTES // 2)
        elif kind < 9:
            path, text = f"alembic/versions/{files:06d}.py", revision(files, FILE_BYTES // 4)
        else:
            path, text = f"web/src/v{files}.ts", typescript(files, FILE_BYTES)
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        written += len(text)
        files += 1
    _git(root, "add", "-A")
    return files


def measure(megabytes: Sequence[float], workdir: Path | None = None) -> list[Timing]:
    timings = []
    for size in megabytes:
        with tempfile.TemporaryDirectory(dir=workdir, ignore_cleanup_errors=True) as tmp:
            root = Path(tmp)
            files = build(root, size)
            out = io.StringIO()
            start, cpu = time.perf_counter(), _cpu()
            with redirect_stdout(out):
                code = main(["check", "--repo", str(root), "--staged", "--format", "json"])
            seconds, cpu = time.perf_counter() - start, _cpu() - cpu
            if code not in (0, 1):
                raise RuntimeError(f"check exited {code} on {size} MB")
            findings = out.getvalue().count('"code":')
            timings.append(Timing(size, files, seconds, findings, cpu))
    return timings


# -- the hook on a long history ---------------------------------------------------------------

HOOK_SIZES = ((500, 1000), (2000, 1000), (500, 4000), (2000, 4000))
HOOK_FILES = 5000


@dataclass(frozen=True, slots=True)
class HookTiming:
    revisions: int
    entries: int
    hook: float  # median CPU seconds of `check --staged`
    python: float  # median CPU seconds of `python -c pass`
    git: float  # median CPU seconds of `git diff --cached --name-only`


def history_revision(index: int) -> str:
    down = f'"h{index - 1:05d}"' if index else "None"
    return (
        f'"""Step {index}.\n\nRevision ID: h{index:05d}\nRevises: {down}\n"""\n\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f'revision = "h{index:05d}"\ndown_revision = {down}\n\n\n'
        "def upgrade() -> None:\n"
        f'    op.create_table("h{index:05d}", sa.Column("id", sa.Integer(), primary_key=True))\n'
    )


def build_history(root: Path, revisions: int, entries: int) -> None:
    """A committed history of ``revisions`` revisions among ``HOOK_FILES`` files, an inventory of
    ``entries`` entries, and one more revision staged."""
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "gc.auto", "0")
    (root / "backend").mkdir()
    (root / "backend" / "alembic.ini").write_text(
        "[alembic]\nscript_location = backend/alembic\n", "utf-8"
    )
    versions = root / "backend" / "alembic" / "versions"
    versions.mkdir(parents=True)
    for index in range(revisions):
        (versions / f"h{index:05d}.py").write_text(history_revision(index), "utf-8")
    for index in range(HOOK_FILES - revisions - 2):
        module = root / "app" / f"pkg{index % 50:02d}" / f"mod{index:05d}.py"
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text(f"def handler_{index}(value: int) -> int:\n    return value\n", "utf-8")
    tables = [f"- `h{index:05d}`: generated table." for index in range(min(revisions, entries))]
    columns = [f"- `h00000.c{index:05d}`: generated column." for index in range(entries)]
    (root / "DATA_INVENTORY.md").write_text(
        "# Data Inventory (Living)\n\n## Database (SQLite)\n"
        + "\n".join([*tables, *columns][:entries])
        + "\n\n## Storage Paths\n- `storage/media/`: uploads.\n",
        "utf-8",
    )
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "history")
    (versions / f"h{revisions:05d}.py").write_text(history_revision(revisions), "utf-8")
    _git(root, "add", "-A")


def _child_cpu(command: Sequence[str], root: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=root, check=False, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def measure_hook(runs: int = 7, workdir: Path | None = None) -> list[HookTiming]:
    tool = shutil.which("selenite-inventory-lint")
    hook = (
        (tool, "check", "--staged") if tool else (sys.executable, "-m", "selenite_inventory_lint")
    )
    if not tool:
        hook = (*hook, "check", "--staged")
    timings = []
    for revisions, entries in HOOK_SIZES:
        with tempfile.TemporaryDirectory(dir=workdir, ignore_cleanup_errors=True) as tmp:
            root = Path(tmp)
            build_history(root, revisions, entries)
            samples: dict[str, list[float]] = {"hook": [], "python": [], "git": []}
            _child_cpu(hook, root)  # warm-up: the page cache, byte-compiled modules
            for _ in range(runs):
                samples["hook"].append(_child_cpu(hook, root))
                samples["python"].append(_child_cpu((sys.executable, "-c", "pass"), root))
                samples["git"].append(_child_cpu(("git", "diff", "--cached", "--name-only"), root))
            median = {name: statistics.median(values) for name, values in samples.items()}
            timings.append(
                HookTiming(revisions, entries, median["hook"], median["python"], median["git"])
            )
    return timings


def render_hook(timings: Sequence[HookTiming]) -> str:
    first = timings[0].hook
    lines = [
        "| revisions | entries | hook CPU ms | python -c pass + git diff | ratio | vs first row |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for t in timings:
        floor = t.python + t.git
        lines.append(
            f"| {t.revisions:,} | {t.entries:,} | {t.hook * 1000:.0f} | {floor * 1000:.0f} "
            f"| {t.hook / floor:.1f}x | {t.hook / first:.2f}x |"
        )
    return "\n".join(lines)


def render(timings: Sequence[Timing]) -> str:
    lines = [
        "| change set | files | seconds | s/MB | findings |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {t.megabytes:g} MB | {t.files} | {t.seconds:.1f} | {t.seconds / t.megabytes:.2f} "
        f"| {t.findings} |"
        for t in timings
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--hook"]:
        print(render_hook(measure_hook(int(sys.argv[2]) if sys.argv[2:] else 7)))
    else:
        sizes = [float(a) for a in sys.argv[1:]] or [10.0, 25.0, 50.0]
        print(render(measure(sizes)))
