"""One function over many items on every core, with results in input order.

An audit parses every Python file of the repository, and ``ast.parse`` holds the interpreter
lock, so threads do not help; forked processes do. Work is shared only when it pays (enough
bytes to parse) and only on Linux, where ``fork`` is cheap and safe for a process that has no
threads: a worker inherits the items and the function instead of receiving them pickled, and
sends back only its results. Items that may not move (their function reads through the parent's
git processes) stay in the parent, which then joins the workers.

The movable items are cut into chunks whose numbers wait in a pipe; every process takes the
next number when it is free, so a process slowed down (by the files only the parent reads, or by
another program on its core) simply takes fewer chunks.

An item whose work turns out to need what only the parent has (its git processes: a detector
that reads a neighbouring file) raises ``InParent`` in the worker; the parent does that item
again itself, so a movable item is one that *usually* needs nothing more.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")

# Below this many bytes of movable input, a fork and the pickled results cost more than the
# parsing they would share out (measured: docs/performance.md, "Every core").
MIN_PARALLEL_BYTES = 256 * 1024
# Chunk numbers must fit in the pipe before anyone reads: 4 bytes each, at most this many.
MAX_CHUNKS = 4096
MAX_CHUNK_SIZE = 32
# A chunk number in the pipe: 4 bytes, little-endian (int.to_bytes; ``struct`` would load an
# extension module on the hook's path for it).
_CHUNK_ID_SIZE = 4
# True in a forked worker (``in_worker``).
_WORKER = [False]
# Items workers sent back to be done in the parent (``InParent``), counted for tests.
SENT_BACK = [0]


class InParent(Exception):
    """Raised by work that needs the parent process's resources (its git processes) while it
    runs in a worker: the parent does the item again."""


def in_worker() -> bool:
    """Is this a forked worker of ``map_items``?"""
    return _WORKER[0]


def cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


def chunk(count: int, size: int) -> list[range]:
    """``range(count)`` cut into runs of ``size``, at most ``MAX_CHUNKS`` of them."""
    size = max(size, -(-count // MAX_CHUNKS), 1)
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def default_chunk_size(count: int, processes: int) -> int:
    """Items a chunk: about eight chunks a process, so that no process waits long for the one
    that took the last chunk (a few hundred SQL files are a few chunks of 32), and at most
    ``MAX_CHUNK_SIZE``, so that a chunk stays worth a read from the pipe."""
    return max(1, min(MAX_CHUNK_SIZE, count // (8 * processes)))


def map_items(
    items: Sequence[T],
    function: Callable[[T], R],
    *,
    movable: Callable[[T], bool],
    weight: Callable[[T], int],
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    min_bytes: int | None = None,
    chunk_size: int | None = None,
    before_fork: Callable[[], None] | None = None,
) -> list[R]:
    """``[function(item) for item in items]``, the movable items shared with forked workers.

    ``workers`` defaults to one fewer than the cores (the parent works too); the work is
    shared only when the movable items weigh ``min_bytes`` (``MIN_PARALLEL_BYTES``) or more,
    and then ``before_fork`` runs first, in the parent (to fetch what the workers may read).
    """
    total = len(items)
    results: list[R | None] = [None] * total
    moving = [i for i, item in enumerate(items) if movable(item)]
    extra = cores() - 1 if workers is None else workers
    threshold = MIN_PARALLEL_BYTES if min_bytes is None else min_bytes
    if (
        sys.platform != "linux"
        or threading.active_count() > 1  # a fork copies no other thread, nor its locks' owners
        or len(moving) < 2
        or sum(weight(items[i]) for i in moving) < threshold
    ):
        extra = 0
    done = 0

    def work(indices: Sequence[int]) -> None:
        nonlocal done
        for index in indices:
            results[index] = function(items[index])
            done += 1
            if progress is not None:
                progress(done, total)

    if extra <= 0:
        work(range(total))
        return cast("list[R]", results)
    if before_fork is not None:
        before_fork()
    if chunk_size is None:
        chunk_size = default_chunk_size(len(moving), extra + 1)
    chunks = [[moving[i] for i in run] for run in chunk(len(moving), chunk_size)]
    tasks = _task_pipe(len(chunks))
    children = [_fork(items, function, chunks, tasks) for _ in range(min(extra, len(chunks)))]
    try:
        moved = set(moving)
        work([i for i in range(total) if i not in moved])
        while (number := _next_chunk(tasks)) is not None:
            work(chunks[number])
        while children:
            pid, reader = children.pop(0)
            for number, found, again in cast(
                "list[tuple[int, list[R], list[int]]]", _collect(pid, reader)
            ):
                for index, result in zip(chunks[number], found, strict=True):
                    results[index] = result
                done += len(found) - len(again)
                SENT_BACK[0] += len(again)
                work(again)
            if progress is not None:
                progress(done, total)
    finally:
        os.close(tasks)
        for pid, reader in children:  # the parent failed or was interrupted
            _stop(pid, reader)
    return cast("list[R]", results)


def _task_pipe(count: int) -> int:
    """A pipe holding the chunk numbers ``0 .. count - 1``, closed for writing; its reader."""
    reader, writer = os.pipe()
    os.write(writer, b"".join(n.to_bytes(_CHUNK_ID_SIZE, "little") for n in range(count)))
    os.close(writer)
    return reader


def _next_chunk(tasks: int) -> int | None:
    # Linux reads a pipe under its lock, so concurrent 4-byte reads never split a number.
    data = os.read(tasks, _CHUNK_ID_SIZE)
    return int.from_bytes(data, "little") if data else None


def _fork(
    items: Sequence[T], function: Callable[[T], R], chunks: list[list[int]], tasks: int
) -> tuple[int, int]:
    import pickle  # only a run that shares work sends results (not a commit's few files)

    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked worker, where coverage is not kept
        os.close(reader)
        # The parent's objects stay as they are: collecting inherited garbage here could run
        # finalizers (GitPython stops git processes in them) that belong to the parent.
        gc.freeze()
        _WORKER[0] = True
        try:
            found = []
            while (number := _next_chunk(tasks)) is not None:
                results: list[R | None] = []
                again: list[int] = []
                for index in chunks[number]:
                    try:
                        results.append(function(items[index]))
                    except InParent:
                        results.append(None)
                        again.append(index)
                found.append((number, results, again))
            payload = pickle.dumps((True, found), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:
            payload = pickle.dumps((False, f"{type(exc).__name__}: {exc}"))
        with os.fdopen(writer, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(writer)
    return pid, reader


def _stop(pid: int, reader: int) -> None:
    os.close(reader)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _collect(pid: int, reader: int) -> object:
    import pickle

    with os.fdopen(reader, "rb") as incoming:
        data = incoming.read()
    _, status = os.waitpid(pid, 0)
    if not data or os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"a detector worker ended without its results (status {status})")
    ok, value = pickle.loads(data)
    if not ok:
        raise RuntimeError(f"a detector worker failed: {value}")
    return value
