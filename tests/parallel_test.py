"""parallel.map_items: the same results in the same order, on one core or several."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

from selenite_inventory_lint import parallel
from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

PARENT = os.getpid()
forked = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
R = TypeVar("R")


def square(n: int) -> tuple[int, int]:
    return n, n * n


def test_chunks_cover_every_item_in_order() -> None:
    assert parallel.chunk(7, 3) == [range(0, 3), range(3, 6), range(6, 7)]
    assert parallel.chunk(0, 3) == []
    many = parallel.chunk(10 * parallel.MAX_CHUNKS, 1)
    assert len(many) == parallel.MAX_CHUNKS
    assert [i for run in many for i in run] == list(range(10 * parallel.MAX_CHUNKS))


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_results_come_back_in_input_order(workers: int) -> None:
    items = list(range(200))
    seen: list[tuple[int, int]] = []
    got = parallel.map_items(
        items,
        square,
        movable=lambda n: n % 5 != 0,
        weight=lambda n: 10,
        progress=lambda done, total: seen.append((done, total)),
        workers=workers,
        min_bytes=0,
        chunk_size=7,
    )
    assert got == [square(n) for n in items]
    assert seen[-1] == (200, 200)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_small_work_stays_in_this_process() -> None:
    pids = parallel.map_items(
        range(4), lambda _: os.getpid(), movable=lambda _: True, weight=lambda _: 1, workers=3
    )
    assert set(pids) == {PARENT}


def slow_pid(_: int) -> int:
    time.sleep(0.02)
    return os.getpid()


def with_one_worker(function: Callable[[int], R], *, min_bytes: int) -> list[R]:
    """``function`` over 0..19 in chunks of one, shared with one forked worker."""
    return parallel.map_items(
        range(20),
        function,
        movable=lambda _: True,
        weight=lambda _: 1,
        workers=1,
        min_bytes=min_bytes,
        chunk_size=1,
    )


@forked
def test_work_is_shared_with_workers_past_the_threshold() -> None:
    pids = with_one_worker(slow_pid, min_bytes=20)
    assert PARENT in pids
    assert len(set(pids)) == 2


def fail_in_worker(n: int) -> int:
    if os.getpid() != PARENT:
        raise ValueError("seven")
    time.sleep(0.02)
    return n


@forked
def test_a_failing_worker_is_an_error_not_a_silent_gap() -> None:
    with pytest.raises(RuntimeError, match="a detector worker failed: ValueError: seven"):
        with_one_worker(fail_in_worker, min_bytes=0)


def exit_in_worker(n: int) -> int:
    if os.getpid() != PARENT:
        os._exit(3)
    time.sleep(0.02)
    return n


@forked
def test_a_worker_that_dies_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="ended without its results"):
        with_one_worker(exit_in_worker, min_bytes=0)


def fail_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("seven")
    return n


def test_a_failure_here_stops_the_workers() -> None:
    with pytest.raises(ValueError, match="seven"):
        parallel.map_items(
            range(10),
            fail_on_seven,
            movable=lambda n: n != 7,
            weight=lambda _: 1,
            workers=1,
            min_bytes=0,
        )


def test_audit_output_is_the_same_in_parallel(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = Path(__file__).parent / "inventory" / "fixtures" / "reference.md"
    repo.write("DATA_INVENTORY.md", reference.read_bytes())
    repo.write("alembic.ini", "[alembic]\nscript_location = backend/alembic\n")
    for n in range(40):
        down = f'"{n - 1:04d}"' if n else "None"
        repo.write(
            f"backend/alembic/versions/{n:04d}_step.py",
            f'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "{n:04d}"\n'
            f"down_revision = {down}\n\n\ndef upgrade():\n"
            f'    op.create_table("t{n}", sa.Column("id", sa.Integer, primary_key=True))\n',
        )
        repo.write(
            f"backend/app/mod{n}.py",
            f'import os\n\nKEY = os.getenv("SETTING_{n}")\nMEDIA = "storage/media/m{n}"\n',
        )
    repo.write("backend/app/broken.py", "def broken(:\n")
    repo.write("db/0001_init.sql", "CREATE TABLE invoices (id INTEGER);\n")
    repo.commit("project")
    runs = []
    for threshold in (parallel.MIN_PARALLEL_BYTES, 0):
        monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", threshold)
        code = main(["audit", "--repo", str(repo.path), "--format", "json"])
        runs.append((code, capsys.readouterr().out))
    assert runs[0] == runs[1]
    assert runs[0][0] == 1
    assert "INV303" in runs[0][1]
    assert "SETTING_39" in runs[0][1]


@forked
def test_a_process_with_threads_does_not_fork() -> None:
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        pids = parallel.map_items(
            range(20), slow_pid, movable=lambda _: True, weight=lambda _: 1, workers=1, min_bytes=0
        )
    finally:
        release.set()
        other.join()
    assert set(pids) == {PARENT}
