"""Run a snippet in a child interpreter under a CPU-time limit (``RLIMIT_CPU``).

Denial-of-service regressions are judged by CPU seconds spent, which a loaded machine does
not inflate the way it inflates wall-clock time: a super-linear algorithm on a hostile input
blows any generous limit by orders of magnitude, a linear one stays far below it.
"""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path


def run_limited(
    code: str, *, cpu_seconds: int, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with ``cpu_seconds`` of CPU; fail the test when the limit kills it."""

    def limit() -> None:  # pragma: no cover - runs in the child, after fork
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))

    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=limit,
    )
    assert done.returncode not in (-signal.SIGXCPU, -signal.SIGKILL), (
        f"more than {cpu_seconds} s of CPU: {done.stderr[-500:]}"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def rusage_cpu() -> float:
    """CPU seconds spent so far by this process and its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
