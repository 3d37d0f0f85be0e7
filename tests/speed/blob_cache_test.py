"""Revision headers are kept by blob id in the user's cache (``cache.py``), so the hook's
next commit does not grep or read the revisions it saw before.

Work is counted (git processes, files read, cache files loaded), never timed. The answers
with a warm cache are the ones without it; the cache lives outside the repository, can be
turned off, and a damaged or foreign cache file is ignored.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from revision_graph_test import history, revision_text
from selenite_project import VERSIONS

from selenite_inventory_lint import cache, git, snapshot
from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo


def hook(repo: GitRepo) -> tuple[int, str, int, int]:
    """(exit code, output, git processes started, files read)."""
    processes, reads = git.PROCESSES[0], snapshot.READS[0]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["check", "--staged", "--repo", str(repo.path)])
    return code, out.getvalue(), git.PROCESSES[0] - processes, snapshot.READS[0] - reads


def stage_next(repo: GitRepo, number: int, down: int | None = None) -> None:
    parent = number - 1 if down is None else down
    repo.write(f"{VERSIONS}/r{number:04d}.py", revision_text(number, f'"r{parent:04d}"'))
    repo.add()


def cache_files(home: Path) -> list[str]:
    folder = home / cache.FOLDER
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_the_next_commit_takes_old_headers_from_the_cache(
    repo: GitRepo, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(repo, 40)
    stage_next(repo, 40)
    cold = hook(repo)
    assert cold[:2] == (0, "All checks passed (0 data-bearing changes).\n")
    assert [name.split("-")[0] for name in cache_files(cache_home)] == ["alembic", "revisions"]
    # Nothing of the cache lands in the repository.
    assert (
        repo.git("status", "--porcelain", "--ignored") == "A  backend/alembic/versions/r0040.py\n"
    )
    repo.commit("r40")
    stage_next(repo, 41)
    greps: list[tuple[object, ...]] = []
    real = snapshot.Snapshot.grep_lines

    def counted(self: snapshot.Snapshot, *args: Sequence[str]) -> object:
        greps.append(args)
        return real(self, *args)

    monkeypatch.setattr(snapshot.Snapshot, "grep_lines", counted)
    loads = cache.LOADS[0]
    warm = hook(repo)
    assert warm[:2] == cold[:2]
    assert greps == []  # every old header (r40 too, read by the detector last time) was kept
    assert cache.LOADS[0] - loads == 2  # the headers, and what alembic.ini names
    # One process fewer than the first run (no git grep), and alembic.ini is not read.
    assert (warm[2], warm[3]) == (cold[2] - 1, cold[3] - 1)


def test_a_second_head_is_found_from_cached_headers(repo: GitRepo) -> None:
    history(repo, 40)
    stage_next(repo, 40)
    assert hook(repo)[0] == 0
    repo.commit("r40")
    stage_next(repo, 41, down=39)  # r40 and r41 both revise r39
    code, out, _processes, _reads = hook(repo)
    assert code == 1
    assert "MIG201" in out
    assert "r0040" in out


def test_the_cache_gives_the_answers_a_cold_run_gives(repo: GitRepo, cache_home: Path) -> None:
    history(repo, 12)
    stage_next(repo, 12, down=10)
    first = hook(repo)
    second = hook(repo)
    assert first[:2] == second[:2]
    assert first[0] == 1
    assert "MIG201" in first[1]


def test_the_cache_can_be_turned_off(
    repo: GitRepo, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.DISABLE, "1")
    history(repo, 5)
    stage_next(repo, 5)
    assert hook(repo)[0] == 0
    assert cache_files(cache_home) == []


@pytest.mark.parametrize(
    "content", [b"", b"not marshal data", b"\xff" * 40, b"\xe9\x00\x00\x00\x00"]
)
def test_a_damaged_cache_file_counts_as_empty(
    repo: GitRepo, cache_home: Path, content: bytes
) -> None:
    history(repo, 8)
    stage_next(repo, 8)
    expected = hook(repo)[:2]
    for name in cache_files(cache_home):
        (cache_home / cache.FOLDER / name).write_bytes(content)
    assert hook(repo)[:2] == expected
    # And they were written anew, whole.
    for name in cache_files(cache_home):
        assert (cache_home / cache.FOLDER / name).read_bytes() != content


def test_foreign_answers_in_the_cache_are_misses(repo: GitRepo, cache_home: Path) -> None:
    import marshal

    history(repo, 8)
    stage_next(repo, 8, down=6)
    expected = hook(repo)[:2]
    assert "MIG201" in expected[1]
    for name in cache_files(cache_home):
        path = cache_home / cache.FOLDER / name
        kept = marshal.loads(path.read_bytes())
        path.write_bytes(marshal.dumps({blob: ("x", 1, "y") for blob in kept}))
    assert hook(repo)[:2] == expected


def test_the_cache_is_never_written_through_a_symbolic_link(
    repo: GitRepo, cache_home: Path, tmp_path: Path
) -> None:
    history(repo, 4)
    stage_next(repo, 4)
    target = tmp_path / "elsewhere"
    target.write_bytes(b"keep me")
    folder = cache_home / cache.FOLDER
    folder.mkdir(parents=True)
    store = cache.Store("revisions", (cache.__file__,))
    # A link planted where the store's next file would be written from.
    os.symlink(target, folder / f"{store._name}.{os.getpid()}.tmp")
    store.put("a" * 40, ("r", (), 1))
    store.save()
    assert target.read_bytes() == b"keep me"
    assert hook(repo)[0] == 0


def test_a_relative_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CI", raising=False)  # CI runs this suite: the cache would be off
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.directory() == str(tmp_path / ".cache" / cache.FOLDER)


def document(repo: GitRepo, number: int) -> None:
    """Stage an inventory line for step ``number`` (the reference inventory's Storage)."""
    text = repo.read("DATA_INVENTORY.md").decode("utf-8")
    repo.write("DATA_INVENTORY.md", f"{text.rstrip()}\n\n<!-- step {number} -->\n")
    repo.add()


def test_the_next_commit_takes_the_base_inventory_from_the_cache(repo: GitRepo) -> None:
    from selenite_inventory_lint.inventory import parse

    history(repo, 6)
    stage_next(repo, 6)
    document(repo, 6)
    parse._PARSED.clear()  # this process may have read the reference inventory already
    parses = parse.PARSES[0]
    first = hook(repo)
    assert first[0] == 0
    assert parse.PARSES[0] - parses == 2  # the base and the staged inventory
    repo.commit("r6")
    stage_next(repo, 7)
    document(repo, 7)
    parse._PARSED.clear()
    parses = parse.PARSES[0]
    second = hook(repo)
    assert second[:2] == first[:2]
    assert parse.PARSES[0] - parses == 1  # the staged one; the base is the one kept last time


def test_a_kept_inventory_reads_as_the_parse_does(repo: GitRepo, cache_home: Path) -> None:
    import marshal

    from selenite_inventory_lint.inventory import parse

    history(repo, 3)
    repo.write(
        "DATA_INVENTORY.md",
        repo.read("DATA_INVENTORY.md") + b"\n## Storage\n- `data/new/`: a folder.\n- plain\n",
    )
    repo.add()
    text = repo.read("DATA_INVENTORY.md").decode("utf-8")
    blob = repo.git("rev-parse", ":DATA_INVENTORY.md").strip()
    parsed = parse.parse_inventory(text, blob=blob)
    parse._PARSED.clear()
    parses = parse.PARSES[0]
    assert parse.parse_inventory(text, blob=blob) == parsed
    assert parse.PARSES[0] == parses  # from the cache
    assert parsed.problems  # the stray item and the duplicate heading's entries say so
    [name] = [n for n in cache_files(cache_home) if n.startswith("inventories-")]
    path = cache_home / cache.FOLDER / name / f"{blob}.marshal"
    kept = marshal.loads(path.read_bytes())
    [(packed, plain)] = kept.values()
    columns, sections, problems, entry_ends, content_ends, invariants = packed
    assert len(columns) == 6  # a tuple per field of Entry
    assert len(columns[0]) == len(parsed.entries)

    def altered(column: int, change: Callable[[tuple[object, ...]], object]) -> object:
        fields = [*columns]
        fields[column] = change(fields[column])
        return ((tuple(fields), *packed[1:]), plain)

    for damaged in (
        (),
        ((("table", 1, 2, 3, 4, 5),), (), (), (), (), ()),
        "text",
        ((columns[:5], *packed[1:]), plain),  # a field missing
        altered(2, lambda lines: (str(lines[0]), *lines[1:])),  # a line that is no number
        altered(2, lambda lines: (True, *lines[1:])),  # nor is a bool
        altered(1, lambda keys: keys[1:]),  # a field shorter than the others
        altered(3, list),  # marshal keeps lists: not a tuple
        ((columns, sections, problems, entry_ends[1:], content_ends, invariants), plain),
        ((columns, ((1, None, 1, 2),), problems, entry_ends, content_ends, invariants), plain),
        ((columns, sections, problems, entry_ends, content_ends, (1,)), plain),
    ):
        path.write_bytes(marshal.dumps(dict.fromkeys(kept, damaged)))
        parse._PARSED.clear()
        parses = parse.PARSES[0]
        assert parse.parse_inventory(text, blob=blob) == parsed
        assert parse.PARSES[0] - parses == 1


def test_only_the_most_recently_used_inventories_are_kept(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)  # CI runs this suite: the cache would be off
    shelf = cache.Shelf("inventories", (cache.__file__,), kept=3)
    blobs = [f"{n:040x}" for n in range(5)]
    for blob in blobs:
        shelf.put(blob, {"k": blob})
    [folder] = (cache_home / cache.FOLDER).iterdir()
    assert sorted(p.name for p in folder.iterdir()) == [f"{b}.marshal" for b in blobs[2:]]
    assert shelf.get(blobs[4]) == {"k": blobs[4]}
    assert shelf.get(blobs[0]) is None
    assert shelf.get("../../etc/passwd") is None  # only blob ids name files


def test_ci_and_ranges_never_use_the_cache(
    repo: GitRepo, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CI cache can be restored from another pull request's job: the gate reads none.
    history(repo, 4)
    stage_next(repo, 4)
    document(repo, 4)
    monkeypatch.setenv("CI", "true")
    assert hook(repo)[0] == 0
    assert cache_files(cache_home) == []
    monkeypatch.delenv("CI")
    repo.commit("r4")
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["check", "--base", "HEAD~1", "--repo", str(repo.path)])
    assert code == 0
    assert cache_files(cache_home) == []  # only the hook's reading of the index is kept


PLAIN_INVENTORY = """\
# Data Inventory

## Database (SQLite)
- `alembic_version`: the migration head.

## Storage Paths
- `storage/media/`: uploaded media.

## Invariants
- Migrations must be additive.
"""


def test_the_next_commit_reads_only_the_changed_lines_of_the_inventory(repo: GitRepo) -> None:
    from selenite_inventory_lint.inventory import incremental, parse

    def add_path(number: int) -> None:
        text = repo.read("DATA_INVENTORY.md").decode("utf-8")
        heading = "## Storage Paths\n"
        entry = f"- `storage/step{number}/`: files of step {number}.\n"
        repo.write("DATA_INVENTORY.md", text.replace(heading, heading + entry, 1))
        repo.add()

    history(repo, 6)
    # A plain inventory (the reference one has a bold database label: markdown-it reads it).
    repo.write("DATA_INVENTORY.md", PLAIN_INVENTORY)
    repo.commit("a plain inventory")
    stage_next(repo, 6)
    add_path(6)
    first = hook(repo)
    assert first[0] == 0
    repo.commit("r6")
    stage_next(repo, 7)
    add_path(7)
    parse._PARSED.clear()
    parses, rereads = parse.PARSES[0], incremental.REREADS[0]
    second = hook(repo)
    assert second[:2] == first[:2]
    # The staged inventory from the base's kept reading; the base itself from the cache.
    assert (parse.PARSES[0] - parses, incremental.REREADS[0] - rereads) == (0, 1)
