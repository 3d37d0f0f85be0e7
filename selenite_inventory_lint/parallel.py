"""One function over many items on every core, with results in input order.

An audit parses every Python file of the repository, and ``ast.parse`` holds the interpreter
lock, so threads do not help; forked processes do. Work is split only when it pays (enough
bytes to parse) and only on Linux, where ``fork`` is cheap and safe for a process that has no
threads: a worker inherits the items and the function instead of receiving them pickled, and
sends back only its results. Items that may not move (their function reads through the parent's
git processes) stay in the parent, which also does a share of the rest.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")

# Below this many bytes of movable input, a fork and the pickled results cost more than the
# parsing they would share out (measured with benchmarks/run.py).
MIN_PARALLEL_BYTES = 2 * 1024 * 1024


def cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


def split(weights: Sequence[int], parts: int) -> list[list[int]]:
    """Indices of ``weights`` in ``parts`` runs of consecutive items of about equal weight."""
    total = sum(weights)
    groups: list[list[int]] = [[] for _ in range(parts)]
    done = 0
    for index, weight in enumerate(weights):
        # The group is chosen by where the item's middle falls on the cumulative weight.
        part = min(parts - 1, (2 * done + weight) * parts // (2 * total)) if total else 0
        groups[part].append(index)
        done += weight
    return groups


def map_items(
    items: Sequence[T],
    function: Callable[[T], R],
    *,
    movable: Callable[[T], bool],
    weight: Callable[[T], int],
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    min_bytes: int | None = None,
) -> list[R]:
    """``[function(item) for item in items]``, the movable items shared with forked workers.

    ``workers`` defaults to one fewer than the cores (the parent works too); the work is
    shared only when the movable items weigh ``min_bytes`` (``MIN_PARALLEL_BYTES``) or more.
    """
    if min_bytes is None:
        min_bytes = MIN_PARALLEL_BYTES
    total = len(items)
    results: list[R | None] = [None] * total
    moving = [i for i, item in enumerate(items) if movable(item)]
    weights = [weight(items[i]) for i in moving]
    extra = cores() - 1 if workers is None else workers
    if sys.platform != "linux" or not hasattr(os, "fork") or sum(weights) < min_bytes:
        extra = 0
    extra = min(extra, len(moving) - 1) if moving else 0
    groups = split(weights, extra + 1) if extra > 0 else [list(range(len(moving)))]
    children = [_fork(items, function, [moving[i] for i in group]) for group in groups[1:]]
    try:
        staying = set(range(total)) - {moving[i] for group in groups[1:] for i in group}
        done = 0
        for index in sorted(staying):
            results[index] = function(items[index])
            done += 1
            if progress is not None:
                progress(done, total)
        while children:
            pid, reader, group = children.pop(0)
            collected = cast("list[R]", _collect(pid, reader))
            for index, result in zip(group, collected, strict=True):
                results[index] = result
            done += len(group)
            if progress is not None:
                progress(done, total)
    finally:
        for pid, reader, _ in children:  # the parent failed or was interrupted
            _stop(pid, reader)
    return results  # type: ignore[return-value]  # every index was filled above


def _fork(
    items: Sequence[T], function: Callable[[T], R], group: list[int]
) -> tuple[int, int, list[int]]:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked worker, where coverage is not kept
        os.close(reader)
        # The parent's objects stay as they are: collecting inherited garbage here could run
        # finalizers (GitPython stops git processes in them) that belong to the parent.
        gc.freeze()
        try:
            payload = pickle.dumps((True, [function(items[i]) for i in group]), protocol=-1)
        except BaseException as exc:
            payload = pickle.dumps((False, f"{type(exc).__name__}: {exc}"), protocol=-1)
        with os.fdopen(writer, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(writer)
    return pid, reader, group


def _stop(pid: int, reader: int) -> None:
    os.close(reader)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _collect(pid: int, reader: int) -> object:
    with os.fdopen(reader, "rb", closefd=False) as incoming:
        data = incoming.read()
    os.close(reader)
    _, status = os.waitpid(pid, 0)
    if not data or os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"a detector worker ended without its results (status {status})")
    ok, value = pickle.loads(data)
    if not ok:
        raise RuntimeError(f"a detector worker failed: {value}")
    return value
