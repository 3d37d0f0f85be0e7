"""The change set on tiny real repositories, one test per case of docs/usage.md"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import selenite_inventory_lint
from selenite_inventory_lint.changeset import ChangeSet, open_changeset
from selenite_inventory_lint.commands.demo import commit_all, init_repo
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.git import find_root
from selenite_inventory_lint.model import FileChange
from selenite_inventory_lint.snapshot import INDEX, WORKTREE, Snapshot

if TYPE_CHECKING:  # fixtures come from conftest; importing it at runtime is fragile
    from conftest import GitRepo, MakeRepo


def summary(changeset: ChangeSet) -> list[tuple[str, str, str | None]]:
    return [(change.status, change.path, change.old_path) for change in changeset.files]


def only(changeset: ChangeSet) -> FileChange:
    assert len(changeset.files) == 1, summary(changeset)
    return changeset.files[0]


def open_with(root: Path, option: str, ref: str) -> ChangeSet:
    if option == "base":
        return open_changeset(root, base=ref)
    return open_changeset(root, head=ref)


SQL = "CREATE TABLE users (\n    id INTEGER PRIMARY KEY,\n    name TEXT NOT NULL\n);\n"


def test_root_commit_adds_every_file_against_no_base(repo: GitRepo) -> None:
    repo.write("b.sql", SQL)
    repo.write("a/readme.md", "hello\n")
    head = repo.commit("root")

    changeset = open_changeset(repo.path, head="HEAD")

    assert changeset.base is None
    assert changeset.head == head
    assert changeset.root == repo.path
    assert summary(changeset) == [("added", "a/readme.md", None), ("added", "b.sql", None)]
    added = changeset.files[1]
    assert added.loaded
    assert (added.old_bytes, added.old_text) == (None, None)
    assert (added.new_bytes, added.new_text) == (SQL.encode(), SQL)


def test_modified_file_keeps_its_path_as_old_path_and_both_texts(repo: GitRepo) -> None:
    repo.write("schema.sql", SQL)
    first = repo.commit()
    repo.write("schema.sql", SQL.replace("name", "full_name"))
    repo.commit()

    changeset = open_changeset(repo.path, head="HEAD")

    assert changeset.base == first
    change = only(changeset)
    assert (change.status, change.path, change.old_path) == ("modified", "schema.sql", "schema.sql")
    assert change.old_text == SQL
    assert change.new_text == SQL.replace("name", "full_name")


@pytest.mark.parametrize("edit", [False, True], ids=["pure", "with-edit"])
def test_rename_is_detected_with_or_without_an_edit(repo: GitRepo, edit: bool) -> None:
    repo.write("migrations/001.sql", SQL)
    repo.commit()
    repo.git("mv", "migrations/001.sql", "migrations/001_users.sql")
    new = SQL + "CREATE INDEX ix_name ON users (name);\n" if edit else SQL
    repo.write("migrations/001_users.sql", new)
    repo.commit()

    change = only(open_changeset(repo.path, head="HEAD"))

    assert change.status == "renamed"
    assert (change.path, change.old_path) == ("migrations/001_users.sql", "migrations/001.sql")
    assert (change.old_text, change.new_text) == (SQL, new)


def test_copy_of_a_file_changed_in_the_same_commit_is_copied(repo: GitRepo) -> None:
    # Plain -C only looks for copy sources among files the change also modifies.
    repo.write("schema.sql", SQL)
    repo.commit()
    repo.write("backup/schema.sql", SQL)
    repo.write("schema.sql", SQL + "-- trailing comment\n")
    repo.commit()

    changeset = open_changeset(repo.path, head="HEAD")

    assert summary(changeset) == [
        ("copied", "backup/schema.sql", "schema.sql"),
        ("modified", "schema.sql", "schema.sql"),
    ]
    assert changeset.files[0].old_text == SQL
    assert changeset.files[0].new_text == SQL


def test_deleted_file_has_only_its_old_side(repo: GitRepo) -> None:
    repo.write("keep.txt", "keep\n")
    repo.write("gone.sql", SQL)
    repo.commit()
    repo.git("rm", "--quiet", "gone.sql")
    repo.commit()

    change = only(open_changeset(repo.path, head="HEAD"))

    assert (change.status, change.path, change.old_path) == ("deleted", "gone.sql", "gone.sql")
    assert (change.old_text, change.new_bytes, change.new_text) == (SQL, None, None)


def test_binary_file_keeps_its_bytes_but_no_text(repo: GitRepo) -> None:
    data = b"SQLite format 3\x00" + bytes(range(256))
    repo.write("storage/app.db", data)
    repo.commit()

    change = only(open_changeset(repo.path, head="HEAD"))

    assert change.binary
    assert change.new_bytes == data
    assert (change.old_text, change.new_text, change.undecodable) == (None, None, False)


def test_nul_byte_after_the_first_8000_bytes_is_still_text(repo: GitRepo) -> None:
    repo.write("big.txt", b"a" * 8000 + b"\x00")
    repo.commit()

    change = only(open_changeset(repo.path, head="HEAD"))

    assert not change.binary
    assert change.new_text == "a" * 8000 + "\x00"


def test_non_utf8_file_is_decoded_with_replacement_and_flagged(repo: GitRepo) -> None:
    repo.write("latin1.sql", b"-- caf\xe9\nCREATE TABLE t (id INTEGER);\n")
    repo.write("bom.sql", b"\xef\xbb\xbfCREATE TABLE u (id INTEGER);\n")
    repo.commit()

    bom, latin1 = open_changeset(repo.path, head="HEAD").files

    assert latin1.undecodable
    assert latin1.new_text == "-- caf\ufffd\nCREATE TABLE t (id INTEGER);\n"
    assert not bom.undecodable
    assert bom.new_text == "CREATE TABLE u (id INTEGER);\n"
    assert bom.new_bytes is not None
    assert bom.new_bytes.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("committed", [True, False], ids=["commit", "worktree"])
def test_file_over_the_size_cap_is_flagged_without_content(repo: GitRepo, committed: bool) -> None:
    repo.write("small.sql", "x" * 10)
    repo.commit()
    repo.write("small.sql", "x" * 11)
    repo.write("huge.sql", "y" * 500)
    repo.symlink("link.sql", "z" * 11)
    if committed:
        repo.commit()

    changeset = open_changeset(repo.path, head="HEAD" if committed else None, max_bytes=10)

    assert summary(changeset) == [
        ("added", "huge.sql", None),
        ("added", "link.sql", None),
        ("modified", "small.sql", "small.sql"),
    ]
    for change in changeset.files:
        assert change.too_large
        assert change.loaded
        assert (change.old_bytes, change.new_bytes, change.old_text, change.new_text) == (
            (None,) * 4
        )


def test_detached_head_compares_like_a_branch(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit()
    repo.git("checkout", "--quiet", "--detach")
    repo.write("b.txt", "b\n")
    detached = repo.commit()
    repo.write("c.txt", "c\n")

    by_head = open_changeset(repo.path, head="HEAD")
    worktree = open_changeset(repo.path)

    assert by_head.head == detached
    assert summary(by_head) == [("added", "b.txt", None)]
    assert worktree.base == detached
    assert summary(worktree) == [("added", "c.txt", None)]


def test_merge_commit_is_compared_with_its_first_parent(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit()
    repo.git("checkout", "--quiet", "-b", "topic")
    repo.write("topic.txt", "t\n")
    repo.commit()
    repo.git("checkout", "--quiet", "main")
    repo.write("main.txt", "m\n")
    main_tip = repo.commit()
    repo.git("merge", "--quiet", "--no-ff", "-m", "merge topic", "topic")

    changeset = open_changeset(repo.path, head="HEAD")

    assert changeset.base == main_tip
    assert summary(changeset) == [("added", "topic.txt", None)]


@pytest.fixture
def forked(repo: GitRepo) -> GitRepo:
    """main: base → after-fork; feature (checked out): base → feature work."""
    repo.write("schema.sql", SQL)
    repo.commit("base")
    repo.git("branch", "feature")
    repo.write("main_only.sql", "CREATE TABLE m (id INTEGER);\n")
    repo.commit("main after the fork")
    repo.git("checkout", "--quiet", "feature")
    repo.write("feature.sql", "CREATE TABLE f (id INTEGER);\n")
    repo.commit("feature work")
    return repo


def test_base_compares_from_the_merge_base(forked: GitRepo) -> None:
    fork_point = forked.git("merge-base", "main", "feature").strip()

    changeset = open_changeset(forked.path, base="main")

    assert changeset.base == fork_point
    assert changeset.head == forked.head()
    assert summary(changeset) == [("added", "feature.sql", None)]
    assert not changeset.snapshot.exists("main_only.sql")


def test_base_and_head_work_from_another_checkout(forked: GitRepo) -> None:
    forked.git("checkout", "--quiet", "main")

    changeset = open_changeset(forked.path, base="main", head="feature")

    assert summary(changeset) == [("added", "feature.sql", None)]
    assert changeset.head == forked.git("rev-parse", "feature").strip()


def test_staged_worktree_and_base_each_see_their_own_side(repo: GitRepo) -> None:
    repo.write("committed.txt", "v1\n")
    first = repo.commit()
    repo.write("committed.txt", "v2\n")
    second = repo.commit()
    repo.write("staged.txt", "staged\n")
    repo.add("staged.txt")
    repo.write("committed.txt", "v3 unstaged\n")
    repo.write("untracked.txt", "new\n")

    staged = open_changeset(repo.path, staged=True)
    worktree = open_changeset(repo.path)
    based = open_changeset(repo.path, base=first)

    assert (staged.base, staged.head) == (second, INDEX)
    assert summary(staged) == [("added", "staged.txt", None)]
    assert (worktree.base, worktree.head) == (second, WORKTREE)
    assert summary(worktree) == [
        ("modified", "committed.txt", "committed.txt"),
        ("added", "staged.txt", None),
        ("added", "untracked.txt", None),
    ]
    assert worktree.files[0].old_text == "v2\n"
    assert worktree.files[0].new_text == "v3 unstaged\n"
    assert (based.base, based.head) == (first, second)
    assert summary(based) == [("modified", "committed.txt", "committed.txt")]
    assert based.files[0].new_text == "v2\n"


def test_worktree_includes_untracked_files_but_not_ignored_ones(repo: GitRepo) -> None:
    repo.write(".gitignore", "*.log\nbuild/\n")
    repo.commit()
    repo.write("notes/new.md", "new\n")
    repo.write("debug.log", "noise\n")
    repo.write("build/out.sql", SQL)

    changeset = open_changeset(repo.path)

    assert summary(changeset) == [("added", "notes/new.md", None)]
    assert changeset.files[0].new_text == "new\n"
    assert "debug.log" not in changeset.snapshot.paths()
    assert not changeset.snapshot.exists("debug.log")
    assert changeset.snapshot.read("build/out.sql") is None


def test_worktree_deletions_and_unstaged_removals(repo: GitRepo) -> None:
    repo.write("deleted.txt", "bye\n")
    repo.write("untracked_again.txt", "same\n")
    repo.write("fifo", "a tracked file that becomes a named pipe\n")
    repo.commit()
    repo.remove("deleted.txt")
    repo.git("rm", "--quiet", "--cached", "untracked_again.txt")
    repo.remove("fifo")
    os.mkfifo(repo.path / "fifo")  # reading it would block forever

    changeset = open_changeset(repo.path)

    assert summary(changeset) == [
        ("deleted", "deleted.txt", "deleted.txt"),
        ("deleted", "fifo", "fifo"),
    ]
    assert changeset.snapshot.read("fifo") is None
    assert changeset.snapshot.paths() == ("untracked_again.txt",)


def test_file_untracked_but_changed_on_disk_is_modified(repo: GitRepo) -> None:
    repo.write("config.env", "A=1\n")
    repo.commit()
    repo.git("rm", "--quiet", "--cached", "config.env")
    repo.write("config.env", "A=2\n")

    change = only(open_changeset(repo.path))

    assert (change.status, change.old_text, change.new_text) == ("modified", "A=1\n", "A=2\n")


def test_worktree_ignores_touched_files_and_never_writes_the_index(repo: GitRepo) -> None:
    repo.write("touched.txt", "same\n")
    repo.write("edited.txt", "old\n")
    repo.symlink("link", "touched.txt")
    repo.commit()
    index = repo.path / ".git" / "index"
    before = index.read_bytes()
    later = index.stat().st_mtime + 100
    for name in ("touched.txt", "edited.txt"):
        os.utime(repo.path / name, (later, later))
    os.utime(repo.path / "link", (later, later), follow_symlinks=False)
    repo.write("edited.txt", "new\n")
    os.utime(repo.path / "edited.txt", (later, later))

    changeset = open_changeset(repo.path)

    assert summary(changeset) == [("modified", "edited.txt", "edited.txt")]
    assert index.read_bytes() == before
    assert not (repo.path / ".git" / "index.lock").exists()


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_git_index_file_is_honoured_while_index_lock_is_held(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, relative: bool
) -> None:
    # `git commit -a` runs hooks with a temporary index while holding .git/index.lock.
    repo.write("a.txt", "one\n")
    repo.commit()
    repo.write("a.txt", "one, edited\n")
    repo.write("b.sql", SQL)
    temporary = repo.path / ".git" / "next-index.lock"
    hook_env = {"GIT_INDEX_FILE": str(temporary)}
    repo.git("read-tree", "HEAD", env=hook_env)
    repo.git("update-index", "--add", "a.txt", "b.sql", env=hook_env)
    git_dir = repo.path / ".git"
    lock = git_dir / "index.lock"
    lock.write_bytes(b"held by git commit -a")
    before = {path.name: path.read_bytes() for path in git_dir.iterdir() if path.is_file()}
    assert open_changeset(repo.path, staged=True).files == ()  # the real index: nothing staged
    if relative:
        monkeypatch.chdir(repo.path)
        monkeypatch.setenv("GIT_INDEX_FILE", ".git/next-index.lock")
    else:
        monkeypatch.setenv("GIT_INDEX_FILE", str(temporary))

    changeset = open_changeset(repo.path, staged=True)

    assert summary(changeset) == [("modified", "a.txt", "a.txt"), ("added", "b.sql", None)]
    assert changeset.files[0].new_text == "one, edited\n"
    snapshot = changeset.snapshot
    assert snapshot.paths() == ("a.txt", "b.sql")
    assert snapshot.read("b.sql") == SQL.encode()
    assert snapshot.grep(["users"]) == {"users": ("b.sql",)}
    after = {path.name: path.read_bytes() for path in git_dir.iterdir() if path.is_file()}
    assert after == before


def test_submodule_is_skipped(repo: GitRepo, make_repo: MakeRepo) -> None:
    library = make_repo("library")
    library.write("lib.sql", SQL)
    library.commit()
    repo.write("app.txt", "app\n")
    repo.write("plugin", "a file that becomes a submodule\n")
    repo.commit()
    repo.git("rm", "--quiet", "plugin")
    for path in ("vendor/library", "plugin"):
        repo.git("submodule", "--quiet", "add", str(library.path), path)
    repo.commit("add submodules")
    (repo.path / "vendor" / "library" / "lib.sql").write_text("changed\n", encoding="utf-8")

    committed = open_changeset(repo.path, head="HEAD")
    staged = open_changeset(repo.path, staged=True)
    worktree = open_changeset(repo.path)

    assert summary(committed) == [("added", ".gitmodules", None), ("deleted", "plugin", "plugin")]
    assert staged.files == worktree.files == ()
    assert committed.submodules == ("plugin", "vendor/library")
    assert staged.submodules == worktree.submodules == ()
    for snapshot in (committed.snapshot, staged.snapshot, worktree.snapshot):
        assert snapshot.paths() == (".gitmodules", "app.txt")
        assert not snapshot.exists("vendor/library")
        assert snapshot.read("vendor/library") is None
        assert snapshot.read("vendor/library/lib.sql") is None


def test_symlink_leaving_the_repository_is_never_followed(repo: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.env").write_text("SECRET=1\n", encoding="utf-8")
    repo.write("a.txt", "a\n")
    repo.commit()
    repo.symlink("secret.env", str(outside / "secret.env"))
    repo.symlink("config/escape", "../../outside")

    worktree = open_changeset(repo.path)
    repo.commit()
    committed = open_changeset(repo.path, head="HEAD")

    target = str(outside / "secret.env").encode()
    for changeset in (worktree, committed):
        assert summary(changeset) == [
            ("added", "config/escape", None),
            ("added", "secret.env", None),
        ]
        escape, secret = changeset.files
        assert (secret.new_bytes, secret.new_text) == (target, target.decode())
        assert escape.new_bytes == b"../../outside"
        snapshot = changeset.snapshot
        assert snapshot.read("secret.env") == target
        assert snapshot.read("config/escape/secret.env") is None
        assert not snapshot.exists("config/escape/secret.env")
        assert snapshot.grep(["SECRET"]) == {"SECRET": ()}


def test_tracked_directory_replaced_by_a_symlink_is_not_read_through(
    repo: GitRepo, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "app.env").write_text("SECRET=1\n", encoding="utf-8")
    repo.write("config/app.env", "PUBLIC=1\n")
    repo.commit()
    repo.remove("config/app.env")
    (repo.path / "config").rmdir()
    repo.symlink("config", str(outside))

    changeset = open_changeset(repo.path)

    assert summary(changeset) == [
        ("added", "config", None),
        ("deleted", "config/app.env", "config/app.env"),
    ]
    assert changeset.files[0].new_bytes == str(outside).encode()
    snapshot = changeset.snapshot
    assert snapshot.read("config/app.env") is None
    assert not snapshot.exists("config/app.env")
    assert snapshot.paths() == ("config",)


def test_unreadable_work_tree_file_is_a_fatal_error(repo: GitRepo) -> None:
    repo.write("a.sql", SQL)
    repo.commit()
    repo.write("a.sql", SQL + "-- edited\n").chmod(0)

    if os.geteuid() != 0:
        with pytest.raises(FatalError, match=r"cannot read a\.sql"):
            open_changeset(repo.path)
        return
    # Root reads any file; without its capabilities (still uid 0) permission bits bind it.
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "as root, this test needs setpriv (util-linux)"
    done = subprocess.run(
        [setpriv, "--bounding-set=-all", "--", sys.executable, "-m", "selenite_inventory_lint",
         "check", "--repo", str(repo.path)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("selenite-inventory-lint: error: ")
    assert done.stderr.count("\n") == 1
    assert "'a.sql' for reading: Permission denied" in done.stderr


def test_file_becoming_a_symlink_is_modified(repo: GitRepo) -> None:
    repo.write("settings.env", "A=1\n")
    repo.write("run.sh", "echo\n")
    repo.commit()
    repo.remove("settings.env")
    repo.symlink("settings.env", "shared/settings.env")
    repo.write("run.sh", "echo\n", executable=True)
    repo.commit()

    mode_only, retyped = open_changeset(repo.path, head="HEAD").files

    assert (retyped.status, retyped.path, retyped.new_text) == (
        "modified",
        "settings.env",
        "shared/settings.env",
    )
    assert (mode_only.status, mode_only.old_text, mode_only.new_text) == (
        "modified",
        "echo\n",
        "echo\n",
    )


def test_shallow_clone_without_merge_base_says_to_fetch_more_history(forked: GitRepo) -> None:
    clone = forked.clone("clone", "--depth=1", "--no-single-branch")
    clone.git("checkout", "--quiet", "main")

    with pytest.raises(FatalError, match="fetch-depth: 0") as caught:
        open_changeset(clone.path, base="origin/feature")

    message = str(caught.value)
    assert "shallow" in message
    assert "GIT_DEPTH: 0" in message
    assert "'origin/feature'" in message
    # Its single commit has no parent here; it must not pass for a root commit.
    with pytest.raises(FatalError, match=r"parent of 'HEAD' is not in this shallow clone"):
        open_changeset(clone.path, head="HEAD")


def test_unrelated_history_has_no_merge_base(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit()
    repo.git("checkout", "--quiet", "--orphan", "other")
    repo.write("b.txt", "b\n")
    repo.commit()

    with pytest.raises(FatalError, match="share no history"):
        open_changeset(repo.path, base="main")


@pytest.mark.parametrize("option", ["base", "head"])
def test_unknown_ref_is_a_fatal_error_naming_it(repo: GitRepo, option: str) -> None:
    repo.write("a.txt", "a\n")
    repo.commit()

    with pytest.raises(FatalError, match=f"cannot resolve --{option} 'nosuchref': no such"):
        open_with(repo.path, option, "nosuchref")


@pytest.mark.parametrize("option", ["base", "head"])
def test_ref_that_looks_like_an_option_is_rejected_not_run(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, option: str
) -> None:
    repo.write("a.txt", "a\n")
    repo.commit()
    monkeypatch.chdir(repo.path)

    with pytest.raises(FatalError, match=f"cannot resolve --{option} '--output=x'"):
        open_with(repo.path, option, "--output=x")

    assert not (repo.path / "x").exists()
    assert not (tmp_path / "x").exists()


def test_unborn_head_compares_against_nothing(repo: GitRepo) -> None:
    repo.write("staged.sql", SQL)
    repo.add("staged.sql")
    repo.write("untracked.txt", "u\n")

    staged = open_changeset(repo.path, staged=True)
    worktree = open_changeset(repo.path)

    assert (staged.base, summary(staged)) == (None, [("added", "staged.sql", None)])
    assert staged.files[0].new_text == SQL
    assert worktree.base is None
    assert summary(worktree) == [("added", "staged.sql", None), ("added", "untracked.txt", None)]
    with pytest.raises(FatalError, match=r"cannot resolve HEAD: .* no commits yet"):
        open_changeset(repo.path, base="main")


def test_staged_with_unmerged_paths_asks_to_resolve_them(repo: GitRepo) -> None:
    repo.write("a.txt", "a\nb\nc\n")
    repo.commit()
    repo.git("checkout", "--quiet", "-b", "other")
    repo.write("a.txt", "a\nOTHER\nc\n")
    repo.commit()
    repo.git("checkout", "--quiet", "main")
    repo.write("a.txt", "a\nMAIN\nc\n")
    repo.commit()
    assert repo.run("merge", "--quiet", "other").returncode == 1  # the conflict

    with pytest.raises(FatalError, match=r"unmerged paths \(a.txt\)"):
        open_changeset(repo.path, staged=True)
    assert summary(open_changeset(repo.path)) == [("modified", "a.txt", "a.txt")]


def test_staged_cannot_be_combined_with_refs(repo: GitRepo) -> None:
    with pytest.raises(FatalError, match=r"--staged .* cannot be combined"):
        open_changeset(repo.path, staged=True, base="main")


def test_wants_decides_which_files_are_loaded(repo: GitRepo) -> None:
    repo.write("old.sql", SQL)
    repo.write("notes.txt", "n\n")
    repo.commit()
    repo.git("mv", "old.sql", "renamed.txt")
    repo.write("notes.txt", "changed\n")
    repo.write("new.sql", SQL)
    repo.commit()
    asked: list[str] = []

    def wants(path: str) -> bool:
        asked.append(path)
        return path.endswith(".sql")

    changeset = open_changeset(repo.path, head="HEAD", wants=wants)

    loaded = {change.path: change.loaded for change in changeset.files}
    assert loaded == {"new.sql": True, "notes.txt": False, "renamed.txt": True}
    notes = changeset.files[1]
    assert (notes.old_bytes, notes.new_bytes, notes.old_text, notes.new_text) == (None,) * 4
    assert "old.sql" in asked


@pytest.fixture(params=["commit", "index", "worktree"])
def snapshot(request: pytest.FixtureRequest, repo: GitRepo) -> Snapshot:
    """The same files as each kind of head side."""
    repo.write("DATA_INVENTORY.md", "# Inventory\n- `users`: accounts\n")
    repo.write("db/schema.sql", SQL)
    repo.write("app/settings.py", 'DB = os.environ["DATABASE_URL"]\nTABLE = "users"\n')
    repo.write("weird name:1.txt", "colon\n")
    repo.symlink("current.sql", "db/schema.sql")
    repo.commit()
    kind = request.param
    if kind == "commit":
        return open_changeset(repo.path, head="HEAD").snapshot
    if kind == "index":
        return open_changeset(repo.path, staged=True).snapshot
    return open_changeset(repo.path).snapshot


def test_snapshot_paths_exists_and_read(snapshot: Snapshot) -> None:
    assert snapshot.exists("DATA_INVENTORY.md")
    assert snapshot.exists("weird name:1.txt")
    for absent in ("missing.md", "db", "db/", "./DATA_INVENTORY.md", "../repo/db/schema.sql", ""):
        assert not snapshot.exists(absent), absent
        assert snapshot.read(absent) is None, absent
    assert snapshot.read("db/schema.sql") == SQL.encode()
    assert snapshot.read("current.sql") == b"db/schema.sql"
    assert snapshot.read("weird name:1.txt") == b"colon\n"
    assert snapshot.paths() == (
        "DATA_INVENTORY.md",
        "app/settings.py",
        "current.sql",
        "db/schema.sql",
        "weird name:1.txt",
    )
    # Once listed, the same answers come from the listing.
    assert snapshot.paths() is snapshot.paths()
    assert snapshot.exists("db/schema.sql")
    assert not snapshot.exists("db")
    assert snapshot.read_many(["db/schema.sql", "missing", "DATA_INVENTORY.md"]) == {
        "db/schema.sql": SQL.encode(),
        "DATA_INVENTORY.md": b"# Inventory\n- `users`: accounts\n",
    }
    assert repr(snapshot) == f"Snapshot(head={snapshot.head!r})"
    snapshot.close()  # releases git's helper processes; reading later starts them again
    assert snapshot.read("db/schema.sql") == SQL.encode()


def test_snapshot_grep_maps_each_needle_to_its_files(snapshot: Snapshot) -> None:
    found = snapshot.grep(["users", "schema.sql", "DATABASE_URL", "-nothing-", "", "two\nlines"])

    assert found == {
        "users": ("DATA_INVENTORY.md", "app/settings.py", "db/schema.sql"),
        "schema.sql": (),  # git grep searches regular files only, never a symlink's target text
        "DATABASE_URL": ("app/settings.py",),
        "-nothing-": (),
        "": (),
        "two\nlines": (),
    }
    assert snapshot.grep(["users"], ["*.py"]) == {"users": ("app/settings.py",)}
    assert snapshot.grep(["absent"]) == {"absent": ()}
    assert snapshot.grep([""]) == {"": ()}
    assert snapshot.grep([]) == {}


def test_snapshot_grep_takes_more_needles_than_an_argument_list_holds(repo: GitRepo) -> None:
    # 3 MB of needles, past Linux's 2 MB for a whole command line; one ends in CR, which a
    # patterns file cannot carry (git drops the CR of a CRLF line end).
    needles = [f"NEEDLE_{i:05d}_{'X' * 140}" for i in range(20_000)]
    repo.write("a.txt", f"{needles[3]}\n")
    repo.write("b.txt", "crlf\r\nplain\n")
    repo.commit()
    snapshot = open_changeset(repo.path, head="HEAD").snapshot

    found = snapshot.grep([*needles, "crlf\r", "plain\r"])

    assert found.pop(needles[3]) == ("a.txt",)
    assert found.pop("crlf\r") == ("b.txt",)
    assert set(found.values()) == {()}
    assert len(found) == len(needles)


def test_partial_clone_whose_promisor_is_gone_is_fatal_not_absent(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    origin = make_repo("origin")
    origin.write("a.sql", "v1\n")
    first = origin.commit()
    origin.write("a.sql", "v2\n")
    origin.commit()
    origin.git("config", "uploadpack.allowFilter", "true")
    clone = origin.clone("clone", "--filter=blob:none")  # fetches the blobs at HEAD only
    shutil.move(origin.path, tmp_path / "gone")
    snapshot = open_changeset(clone.path, head=first, wants=lambda path: False).snapshot

    assert snapshot.read_many([]) == {}
    with pytest.raises(FatalError, match=r"partial clone .* promisor remote could not be"):
        snapshot.exists("a.sql")  # one `cat-file -t`
    with pytest.raises(FatalError, match=r"cannot read object .*partial clone"):
        snapshot.read("a.sql")  # the batch reader, which exits on the missing blob
    with pytest.raises(FatalError, match=r"cannot read object .*partial clone"):
        snapshot.exists("a.sql")  # the reader, stopped
    assert open_changeset(clone.path).snapshot.read("a.sql") == b"v2\n"


def test_snapshot_grep_with_a_bad_pathspec_is_fatal(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit()
    snapshot = open_changeset(repo.path).snapshot

    with pytest.raises(FatalError, match="git grep failed"):
        snapshot.grep(["a"], [":(nosuchmagic)x"])


def test_find_root_from_a_subdirectory_and_outside_any_repository(
    repo: GitRepo, tmp_path: Path
) -> None:
    nested = repo.write("a/b/c.txt", "c\n")
    outside = tmp_path / "plain"
    outside.mkdir()

    assert find_root(nested.parent) == repo.path
    assert find_root(nested) == repo.path
    with pytest.raises(FatalError, match="is not inside a git repository"):
        find_root(outside)
    with pytest.raises(FatalError, match="does not exist"):
        find_root(outside / "missing" / "deeper")
    with pytest.raises(FatalError, match="is not inside a git repository"):
        open_changeset(outside)


def test_open_changeset_from_a_subdirectory_uses_the_top(repo: GitRepo) -> None:
    repo.write("a/b.txt", "b\n")

    changeset = open_changeset(repo.path / "a")

    assert changeset.root == repo.path
    assert summary(changeset) == [("added", "a/b.txt", None)]


def loose_object(repo: GitRepo, sha: str) -> Path:
    return repo.path / ".git" / "objects" / sha[:2] / sha[2:]


def test_missing_objects_are_a_fatal_error_not_a_traceback(forked: GitRepo) -> None:
    fork_point = forked.git("merge-base", "main", "feature").strip()
    loose_object(forked, fork_point).unlink()
    with pytest.raises(FatalError, match="git merge-base failed for --base 'main'"):
        open_changeset(forked.path, base="main")
    with pytest.raises(FatalError, match=r"parent of 'HEAD' \(\w+\) is missing"):
        open_changeset(forked.path, head="HEAD")

    tree = forked.git("rev-parse", "HEAD^{tree}").strip()
    loose_object(forked, tree).unlink()
    with pytest.raises(FatalError, match="git diff-index failed"):
        open_changeset(forked.path, staged=True)


def test_head_naming_a_missing_commit_is_not_mistaken_for_an_unborn_branch(
    repo: GitRepo,
) -> None:
    repo.write("a.txt", "a\n")
    repo.commit()
    (repo.path / ".git" / "refs" / "heads" / "main").write_text("1" * 40 + "\n")

    with pytest.raises(FatalError, match=r"HEAD .* names 1111"):
        open_changeset(repo.path, staged=True)


def test_bare_repository_has_no_work_tree(make_repo: MakeRepo, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    make_repo("scratch").git("init", "--quiet", "--bare", str(bare))

    with pytest.raises(FatalError, match="is a bare repository"):
        open_changeset(bare)


def test_inside_the_git_directory_is_no_work_tree(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit("a")

    with pytest.raises(FatalError, match="is a bare repository or a git directory"):
        open_changeset(repo.path / ".git")


def test_inherited_git_dir_does_not_redirect_the_repository(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Git exports GIT_DIR to hooks; --repo names the repository all the same.
    mine, other = make_repo("mine"), make_repo("other")
    mine.write("mine.sql", SQL)
    other.write("other.sql", SQL)
    monkeypatch.setenv("GIT_DIR", str(other.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other.path))

    assert find_root(mine.path) == mine.path
    assert summary(open_changeset(mine.path)) == [("added", "mine.sql", None)]


def test_repository_path_with_a_line_break(make_repo: MakeRepo) -> None:
    odd = make_repo("two\nlines")
    odd.write("schema.sql", SQL)
    odd.commit("base")
    odd.write("schema.sql", SQL + "-- more\n")
    odd.add()

    changeset = open_changeset(odd.path, staged=True)

    assert changeset.root == odd.path
    assert summary(changeset) == [("modified", "schema.sql", "schema.sql")]
    assert changeset.snapshot.exists("schema.sql")


def test_missing_git_binary_is_one_clear_error(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(repo.path / "no-such-git"))

    with pytest.raises(FatalError, match="git is not installed or not on PATH"):
        find_root(repo.path)
    not_executable = repo.write("git-without-x-bit", "#!/bin/sh\n")
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(not_executable))
    with pytest.raises(FatalError, match=r"cannot run .*git-without-x-bit: Permission denied"):
        find_root(repo.path)


def test_sample_repository_commits_are_the_same_whatever_the_user_config(
    git_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # whatever happens, git never runs in the checkout under test
    # No identity, signing on, a hooks directory: none of it may leak into the demo commits.
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_COMMITTER_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_EMAIL",
    ):
        monkeypatch.delenv(name)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    post_commit = hooks / "post-commit"
    post_commit.write_text("#!/bin/sh\ntouch hook-ran\n", encoding="utf-8")
    post_commit.chmod(0o755)
    global_config = Path(os.environ["GIT_CONFIG_GLOBAL"])
    with global_config.open("a", encoding="utf-8") as config:
        config.write(f"[commit]\n    gpgSign = true\n[core]\n    hooksPath = {hooks}\n")
        config.write("[user]\n    useConfigOnly = true\n")
    shas = []
    for name in ("one", "two"):
        root = tmp_path / name
        root.mkdir()
        init_repo(root)
        (root / "schema.sql").write_text(SQL, encoding="utf-8")
        base = commit_all(root, "base")
        (root / "schema.sql").write_text(SQL + "-- more\n", encoding="utf-8")
        shas.append((base, commit_all(root, "change")))
        assert not (root / "hook-ran").exists()

    assert shas[0] == shas[1]
    changeset = open_changeset(tmp_path / "one", base=shas[0][0], head=shas[0][1])
    assert summary(changeset) == [("modified", "schema.sql", "schema.sql")]
    with pytest.raises(FatalError, match="missing is not a directory"):
        init_repo(tmp_path / "missing")
    with pytest.raises(FatalError, match="cannot commit"):
        commit_all(tmp_path, "outside any repository")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / ".git").write_text("not a gitfile\n", encoding="utf-8")
    with pytest.raises(FatalError, match="cannot create a git repository"):
        init_repo(broken)


def _gitpython_imports(tree: ast.Module) -> set[str]:
    """How a module imports GitPython: "at import", "in a function" or "for typing"."""
    found: set[str] = set()

    def visit(node: ast.AST, how: str) -> None:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            names = []
        if any(name == "git" or name.startswith("git.") for name in names):
            found.add(how)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            how = "for typing"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            how = "in a function"
        for child in ast.iter_child_nodes(node):
            visit(child, how)

    visit(tree, "at import")
    return found


def test_no_module_imports_gitpython() -> None:
    # The git layer runs git itself, blobs included (git.CatFile): importing GitPython costs
    # more than a whole pre-commit run (docs/design-decisions.md).
    package = Path(selenite_inventory_lint.__file__).parent
    importers = {
        (path.relative_to(package).as_posix(), how)
        for path in sorted(package.rglob("*.py"))
        if "demo_data" not in path.parts
        for how in _gitpython_imports(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert importers == set()
