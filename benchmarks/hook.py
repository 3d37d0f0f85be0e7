"""Wall time of the pre-commit hook on a commit that touches no data-bearing file.

Builds the demo's Selenite-like repository (reference inventory, Alembic project) plus
``--files`` unrelated tracked files in a temporary directory, stages an edit to README.md, and
times, interleaved in the same run: what pre-commit itself asks git (``git diff --cached
--name-only``), a bare interpreter start (``python -c pass``), and the hook's command
(``selenite-inventory-lint check --staged``, the console script pre-commit runs). Each runs once
to warm the disk cache, then ``--repetitions`` times; the median and the spread are reported.

    python benchmarks/hook.py [--repetitions N] [--files N] [--json]

``measure()`` returns the numbers for other scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

GIT_DIFF = "git diff --cached --name-only"
INTERPRETER = "python -c pass"
HOOK = "selenite-inventory-lint check --staged"


@dataclass(frozen=True, slots=True, kw_only=True)
class Stats:
    """Seconds over the repetitions of one command."""

    median: float
    minimum: float
    maximum: float
    stdev: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        return cls(
            median=statistics.median(samples),
            minimum=min(samples),
            maximum=max(samples),
            stdev=statistics.stdev(samples) if len(samples) > 1 else 0.0,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    repetitions: int
    tracked_files: int
    # Command label → its timings; labels are GIT_DIFF, INTERPRETER and HOOK.
    timings: Mapping[str, Stats]
    hook_command: tuple[str, ...]

    @property
    def hook_over_git(self) -> float:
        """The hook's median wall time beyond git's own answer, in seconds."""
        return self.timings[HOOK].median - self.timings[GIT_DIFF].median


def _hook_command() -> tuple[str, ...]:
    """The console script beside this interpreter (what pre-commit runs), else ``-m``."""
    script = Path(sys.executable).with_name("selenite-inventory-lint")
    if script.is_file():
        return (str(script), "check", "--staged")
    found = shutil.which("selenite-inventory-lint")
    if found:
        return (found, "check", "--staged")
    return (sys.executable, "-m", "selenite_inventory_lint", "check", "--staged")


def _environment() -> dict[str, str]:
    # Run from inside a hook or CI job, their variables must not pick the range or the index.
    cleared = ("GIT_", "PRE_COMMIT", "GITHUB_", "CI_MERGE_REQUEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(cleared)}
    # pip byte-compiles what pre-commit installs; a run without cached byte code is not the
    # hook's steady state (the warm-up run writes the cache).
    for name in ("CI", "GITLAB_CI", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return {**env, "NO_COLOR": "1"}


def build_repository(root: Path, files: int) -> None:
    """The demo repository plus ``files`` unrelated files, and README.md edited and staged."""
    from selenite_inventory_lint.changeset import commit_all
    from selenite_inventory_lint.commands import demo

    demo.build(root)
    for number in range(files):
        module = root / "app" / f"part_{number // 100:02d}" / f"module_{number:04d}.py"
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text(f'"""Module {number}."""\n\nVALUE = {number}\n', encoding="utf-8")
    (root / "README.md").write_text("Selenite\n", encoding="utf-8")
    commit_all(root, "Application code")
    (root / "README.md").write_text("Selenite, with a data inventory\n", encoding="utf-8")
    subprocess.run(("git", "add", "README.md"), cwd=root, env=_environment(), check=True)


def _time(command: Sequence[str], root: Path, env: Mapping[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited {done.returncode}: {(done.stdout + done.stderr).strip()}"
        )
    return elapsed, done.stdout


def measure(repetitions: int = 15, files: int = 500, workdir: Path | None = None) -> Measurement:
    """Time the three commands ``repetitions`` times each, interleaved, in one repository."""
    if repetitions < 1:
        raise ValueError("repetitions must be at least 1")
    base = workdir or Path(tempfile.mkdtemp(prefix="inventory-lint-bench-"))
    try:
        root = base / "selenite"
        root.mkdir()
        build_repository(root, files)
        env = _environment()
        hook = _hook_command()
        commands = {
            GIT_DIFF: ("git", "diff", "--cached", "--name-only"),
            INTERPRETER: (sys.executable, "-c", "pass"),
            HOOK: hook,
        }
        staged = _time(commands[GIT_DIFF], root, env)[1]
        if staged.split() != ["README.md"]:
            raise RuntimeError(f"expected only README.md staged, found: {staged.split()}")
        for command in commands.values():
            _time(command, root, env)  # warm-up, not counted
        samples: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(repetitions):
            for label, command in commands.items():
                samples[label].append(_time(command, root, env)[0])
        tracked = _time(("git", "ls-files"), root, env)[1].count("\n")
        return Measurement(
            repetitions=repetitions,
            tracked_files=tracked,
            timings={label: Stats.of(values) for label, values in samples.items()},
            hook_command=hook,
        )
    finally:
        if workdir is None:
            shutil.rmtree(base, ignore_errors=True)


def render(result: Measurement) -> str:
    lines = [
        f"pre-commit hook on a commit touching no data-bearing file "
        f"({result.repetitions} runs each, {result.tracked_files} tracked files)",
        f"{'command':<40} {'median':>9} {'min':>9} {'max':>9} {'stdev':>9}",
    ]
    for label, stats in result.timings.items():
        cells = " ".join(
            f"{value * 1000:>6.1f} ms"
            for value in (stats.median, stats.minimum, stats.maximum, stats.stdev)
        )
        lines.append(f"{label:<40} {cells}")
    program, *args = result.hook_command
    lines.append(
        f"hook beyond `{GIT_DIFF}`: {result.hook_over_git * 1000:.1f} ms (median); "
        f"hook run as: {' '.join([Path(program).name, *args])}"
    )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=15, metavar="N")
    parser.add_argument("--files", type=int, default=500, metavar="N", help="unrelated files")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    result = measure(args.repetitions, args.files)
    if args.json:
        payload = asdict(result)
        payload["hook_over_git"] = result.hook_over_git
        print(json.dumps(payload, indent=2))
    else:
        sys.stdout.write(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
