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


def back_if_three(n: int) -> tuple[int, int]:
    if n % 3 == 0 and parallel.in_worker():
        raise parallel.InParent
    time.sleep(0.02)
    return n, os.getpid()


@forked
def test_an_item_a_worker_cannot_do_is_done_again_in_the_parent() -> None:
    before = parallel.SENT_BACK[0]
    got = with_one_worker(back_if_three, min_bytes=0)
    assert [n for n, _ in got] == list(range(20))
    assert {pid for n, pid in got if n % 3 == 0} == {PARENT}
    assert len({pid for _, pid in got}) == 2
    assert parallel.SENT_BACK[0] > before


def test_before_fork_runs_only_when_work_is_shared() -> None:
    calls: list[int] = []
    for threshold in (10**9, 0):

        def note(threshold: int = threshold) -> None:
            calls.append(threshold)

        parallel.map_items(
            range(20),
            slow_pid,
            movable=lambda _: True,
            weight=lambda _: 1,
            workers=1 if hasattr(os, "fork") else 0,
            min_bytes=threshold,
            chunk_size=1,
            before_fork=note,
        )
    assert calls == ([0] if hasattr(os, "fork") else [])


def _sql_project(repo: GitRepo) -> None:
    repo.write("DATA_INVENTORY.md", "# Data Inventory\n\n## Database\n- `jobs`: jobs.\n")
    repo.write(
        "db/migrations/0001_init.sql",
        "CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT, legacy TEXT);\n",
    )
    repo.write("db/migrations/0500_present.sql", "CREATE TABLE present (id INTEGER);\n")
    repo.commit("base")
    for n in range(2, 40):
        repo.write(
            f"db/migrations/{n:04d}_step.sql",
            f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY, note TEXT);\n"
            f"UPDATE jobs SET status = 'x{n}' WHERE id = {n};\n",
        )
    # A rebuild reads the earlier migrations' texts: a worker sends it back to the parent.
    repo.write(
        "db/migrations/0040_rebuild.sql",
        "CREATE TABLE new_jobs (id INTEGER PRIMARY KEY, status TEXT);\n"
        "INSERT INTO new_jobs (id, status) SELECT id, status FROM jobs;\n"
        "DROP TABLE jobs;\nALTER TABLE new_jobs RENAME TO jobs;\n",
    )
    repo.commit("steps")


@forked
def test_sql_check_output_is_the_same_in_parallel(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _sql_project(repo)
    runs = []
    sent_back = []
    for threshold in (parallel.MIN_PARALLEL_BYTES, 0):
        monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", threshold)
        before = parallel.SENT_BACK[0]
        argv = ["check", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "json"]
        code = main(argv)
        runs.append((code, capsys.readouterr().out))
        sent_back.append(parallel.SENT_BACK[0] - before)
    assert runs[0] == runs[1]
    out = runs[0][1]
    # MIG205 needs the head's listing (taken before the fork), the rebuild's MIG105 the texts
    # of earlier migrations (read by the parent).
    assert '"MIG205"' in out
    assert '"MIG105"' in out
    assert sent_back[0] == 0
    assert sent_back[1] in (0, 1)  # 1 when the worker took the rebuild's chunk


def test_a_worker_sql_detector_reads_the_listing_and_sends_a_rebuild_back() -> None:
    from in_memory import file_change

    from selenite_inventory_lint.config import Config
    from selenite_inventory_lint.detectors import DetectContext
    from selenite_inventory_lint.detectors.sql import DETECTOR
    from selenite_inventory_lint.pipeline.detect import WorkerHead

    listing = (
        "db/migrations/0001_init.sql",
        "db/migrations/0002_new.sql",
        "db/migrations/0500.sql",
    )
    ctx = DetectContext(
        config=Config(),
        head=WorkerHead(listing),
        statuses={"db/migrations/0002_new.sql": "added"},
    )
    plain = file_change("db/migrations/0002_new.sql", None, b"CREATE TABLE t (id INTEGER);\n")
    assert [p.code for p in DETECTOR.detect(plain, ctx).problems] == ["MIG205"]
    rebuild = file_change(
        "db/migrations/0002_new.sql",
        None,
        b"CREATE TABLE new_jobs (id INTEGER);\nINSERT INTO new_jobs (id) SELECT id FROM jobs;\n"
        b"DROP TABLE jobs;\nALTER TABLE new_jobs RENAME TO jobs;\n",
    )
    with pytest.raises(parallel.InParent):
        DETECTOR.detect(rebuild, ctx)
    with pytest.raises(parallel.InParent):
        DETECTOR.detect(plain, ctx._replace(head=WorkerHead(None)))


def test_chunks_are_small_enough_to_balance_two_processes() -> None:
    assert parallel.default_chunk_size(305, 2) == 19  # 17 chunks, not 10 of 32
    assert parallel.default_chunk_size(1_250, 2) == parallel.MAX_CHUNK_SIZE
    assert parallel.default_chunk_size(5, 2) == 1
    assert parallel.default_chunk_size(0, 4) == 1
