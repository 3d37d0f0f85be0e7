"""The change set's blobs are asked of the one ``git cat-file --batch`` a few kilobytes of
names at a time and their answers read after (``Snapshot.read_blobs``), so git does not wait
on this process between blobs; the answers are those of one blob at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from selenite_inventory_lint import git
from selenite_inventory_lint.changeset import open_changeset
from selenite_inventory_lint.snapshot import ABSENT, INDEX, TOO_LARGE, Snapshot

if TYPE_CHECKING:
    from conftest import GitRepo


def test_blobs_read_in_batches_read_as_one_at_a_time(repo: GitRepo) -> None:
    for number in range(250):  # names well past one batch of ASK_AT_ONCE bytes
        repo.write(f"db/{number:03d}.sql", f"CREATE TABLE t{number} (id INTEGER);\n" * number)
    repo.write("big.sql", "x" * 20_000)
    repo.commit("base")
    shas = [repo.git("rev-parse", f"HEAD:db/{n:03d}.sql").strip() for n in range(250)]
    names = [
        *shas,
        repo.git("rev-parse", "HEAD:big.sql").strip(),
        "0" * 40,  # no such object
        repo.git("rev-parse", "HEAD:db").strip(),  # a tree, not a blob
        "",
        "HEAD:two\nlines",
        shas[7],  # asked twice
    ]
    one_by_one = Snapshot(git.Git(repo.path), repo.path, INDEX)
    expected = {name: one_by_one.read_blob(name, 10_000) for name in names if name}
    batched = Snapshot(git.Git(repo.path), repo.path, INDEX)
    processes = git.PROCESSES[0]
    found = batched.read_blobs(names, 10_000)
    assert git.PROCESSES[0] - processes == 1  # one reader
    assert {name: found.get(name, ABSENT) for name in expected} == expected
    assert found[shas[0]] == (b"", False)
    assert found[shas[249]] == (b"CREATE TABLE t249 (id INTEGER);\n" * 249, False)
    assert found[names[250]] == TOO_LARGE
    assert found.get("0" * 40, ABSENT) == ABSENT
    assert found.get(names[252], ABSENT) == ABSENT
    assert batched.read_blobs([], None) == {}


def test_a_large_change_set_reads_every_file(repo: GitRepo) -> None:
    repo.write("README.md", "x\n")
    repo.commit("base")
    for number in range(300):
        repo.write(f"db/migrations/{number:04d}_t.sql", f"CREATE TABLE t{number} (id INT);\n")
    repo.add()
    changes = open_changeset(repo.path, staged=True)
    assert len(changes.files) == 300
    assert all(
        f.new_text == f"CREATE TABLE t{int(f.path[14:18])} (id INT);\n" for f in changes.files
    )
