"""The change set: what changed between a base and a head, read through git (docs/usage.md).

Part of the git layer (with ``git.py``, the runner, and ``snapshot.py``, the file reader).
It resolves the range the ``check`` flags name, turns git's raw diff of refs, the index in
use or the work tree into ``FileChange`` records beside a ``Snapshot`` of the head side, and
settles the awkward cases here so the core never sees them: submodules are dropped, symlinks
are read as their target text and never followed, undecodable bytes are replaced and flagged.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.git import (
    Found,
    Git,
    GitError,
    chunks,
    complaint,
    first_line,
    open_repo,
    run,
)
from selenite_inventory_lint.model import FileChange, FileStatus
from selenite_inventory_lint.records import Record
from selenite_inventory_lint.snapshot import ABSENT, GITLINK, INDEX, WORKTREE, Content, Snapshot

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_EMPTY_TREE_SHA256 = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
BINARY_SNIFF_BYTES = 8000

_SYMLINK = 0o120000
# "dirty": a submodule whose commit changed is listed (and skipped with a note, docs/usage.md);
# what happens inside its work tree is never looked at.
_DIFF_FLAGS = ("-z", "--raw", "--no-abbrev", "-M", "-C", "--ignore-submodules=dirty")


# How CI checkouts fetch the whole history, for the advice a shallow clone gets.
_CI_DEPTH = "`fetch-depth: 0` in GitHub's actions/checkout, `GIT_DEPTH: 0` in GitLab CI"


def _shallow(repo: Git) -> bool:
    return run(repo, "rev-parse", "--is-shallow-repository") == "true"


def _everything(path: str) -> bool:
    return True


def _is_null(sha: str) -> bool:
    return not sha.strip("0")


class ChangeSet(Record):
    """The files that differ between ``base`` and ``head`` (docs/usage.md), sorted by path.

    ``base`` is None when there is nothing to compare against (root commit, unborn HEAD);
    ``head`` is a commit sha, ``"INDEX"`` or ``"WORKTREE"``.
    """

    root: Path
    base: str | None
    head: str
    files: tuple[FileChange, ...]
    snapshot: Snapshot
    # Submodules whose commit the change set moves, adds or removes: skipped, not checked.
    submodules: tuple[str, ...] = ()


class _Raw(Record):
    """One record of ``git diff --raw``; a sha is "" on the side that does not exist."""

    status: FileStatus
    path: str
    old_path: str | None = None
    old_sha: str = ""
    new_sha: str = ""
    # Work tree only: git did not hash the file, so it may be merely touched.
    unhashed: bool = False
    symlink: bool = False
    submodule: bool = False


class Range(Record):
    """The commits ``--base``/``--head`` name, resolved once for every reader of a run (the
    base's configuration, then the change set)."""

    # The merge base of base and head, or head's first parent; None for a root commit.
    base: str | None
    head: str


def resolve_range(
    root: Path, *, base: str | None = None, head: str | None = None, found: Found | None = None
) -> Range:
    """The range ``open_changeset`` reads for these refs."""
    repo, top = open_repo(root, found)
    known = (
        found.head if found is not None and found.top == top and head in (None, "HEAD") else None
    )
    return Range(*_range(repo, top, base, head, known))


def open_changeset(
    root: Path,
    *,
    base: str | None = None,
    head: str | None = None,
    staged: bool = False,
    wants: Callable[[str], bool] = _everything,
    max_bytes: int = DEFAULT_MAX_BYTES,
    found: Found | None = None,
    resolved: Range | None = None,
) -> ChangeSet:
    """Read the change set named by the ``check`` flags (docs/usage.md).

    ``found`` is what ``git.discover`` said of ``root`` (saves asking git again), and
    ``resolved`` what ``resolve_range`` said of ``base`` and ``head``.
    ``base`` compares merge-base(base, head) → head; ``head`` alone compares its first
    parent → head; ``staged`` compares HEAD → the index in use; nothing compares HEAD →
    the work tree, untracked files that are not ignored included. Content is loaded only
    for files where ``wants(path)`` or ``wants(old_path)`` holds.
    """
    if staged and (base is not None or head is not None):
        raise FatalError(
            "--staged compares HEAD with the index and cannot be combined with --base or "
            "--head; drop one of them."
        )
    repo, top = open_repo(root, found)
    if base is not None or head is not None:
        base_sha, head_sha = resolved if resolved is not None else _range(repo, top, base, head)
        output = run(repo, "diff-tree", "-r", *_DIFF_FLAGS, base_sha or _empty_tree(repo), head_sha)
        records = _parse_raw(output, worktree=False)
        snapshot = Snapshot(repo, top, head_sha)
    else:
        known = found.head if found is not None and found.top == top else None
        base_sha = known or _head_or_none(repo, top)
        against = base_sha or _empty_tree(repo)
        if staged:
            snapshot = Snapshot(repo, top, INDEX)
            # The hook reads blobs (or asks whether the inventory exists) next: the reader
            # starts while git compares the index.
            snapshot.expect_reads()
            output = run(repo, "diff-index", "--cached", *_DIFF_FLAGS, against)
            records = _parse_raw(output, worktree=False)
        else:
            snapshot = Snapshot(repo, top, WORKTREE)
            records = _worktree_records(repo, snapshot, against)
    return _changeset(top, base_sha, snapshot, records, wants, max_bytes)


def _range(
    repo: Git, top: Path, base: str | None, head: str | None, known: str | None = None
) -> tuple[str | None, str]:
    """(merge base or first parent, head) of a range named by ``--base``/``--head``;
    ``known`` is HEAD's commit when ``discover`` read it already."""
    head_ref = head if head is not None else "HEAD"
    head_sha = known or _resolve(repo, top, head_ref, "--head" if head is not None else "HEAD")
    if base is not None:
        base_sha = _merge_base(
            repo, top, _resolve(repo, top, base, "--base"), head_sha, base, head_ref
        )
        return base_sha, head_sha
    return _first_parent(repo, head_sha, head_ref), head_sha


def open_base(
    root: Path,
    *,
    base: str | None = None,
    head: str | None = None,
    found: Found | None = None,
    resolved: Range | None = None,
) -> Snapshot | None:
    """The base commit of the range ``open_changeset`` reads with the same refs, whose
    configuration is in force (docs/security.md); None when the range has no base."""
    repo, top = open_repo(root, found)
    base_sha = resolved.base if resolved is not None else _range(repo, top, base, head)[0]
    return None if base_sha is None else Snapshot(repo, top, base_sha)


def open_tree(
    root: Path,
    *,
    ref: str = "HEAD",
    wants: Callable[[str], bool] = _everything,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ChangeSet:
    """Every file of the commit ``ref`` as added: the whole repository, for ``audit``/``init``."""
    repo, top = open_repo(root)
    head_sha = _resolve(repo, top, ref, "the audited ref")
    output = run(repo, "diff-tree", "-r", *_DIFF_FLAGS, _empty_tree(repo), head_sha)
    snapshot = Snapshot(repo, top, head_sha)
    return _changeset(top, None, snapshot, _parse_raw(output, worktree=False), wants, max_bytes)


def export_tree(root: Path, ref: str, dest: Path) -> str:
    """Write the files of commit ``ref`` into the new directory ``dest`` as `git archive` gives
    them (no .git, no submodules, links kept inside ``dest``), for `rehearse`; the commit's sha."""
    import tarfile

    repo, top = open_repo(root)
    sha = _resolve(repo, top, ref, "--rev")
    if not hasattr(tarfile, "data_filter"):  # pragma: no cover - Python < 3.10.12
        raise FatalError("rehearse needs Python 3.10.12 or later (tarfile's data filter).")
    archive = dest.with_name(dest.name + ".tar")
    run(repo, "archive", "--format=tar", "-o", str(archive), sha)
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise FatalError(f"cannot export {ref} into {dest}: {exc}.") from exc
    finally:
        archive.unlink(missing_ok=True)
    return sha


def _changeset(
    top: Path,
    base_sha: str | None,
    snapshot: Snapshot,
    records: Sequence[_Raw],
    wants: Callable[[str], bool],
    max_bytes: int,
) -> ChangeSet:
    loaded = {
        record
        for record in records
        if not record.submodule
        and (wants(record.path) or (record.old_path is not None and wants(record.old_path)))
    }
    # Every blob of the loaded files, asked of git in a few batches rather than one by one.
    blobs = snapshot.read_blobs(
        [
            sha
            for record in records
            if record in loaded
            for sha in (record.old_sha, _new_blob(snapshot, record))
            if sha
        ],
        max_bytes,
    )
    files = [
        _file_change(snapshot, record, max_bytes, blobs)
        if record in loaded
        else FileChange(status=record.status, path=record.path, old_path=record.old_path)
        for record in records
        if not record.submodule
    ]
    files.sort(key=lambda change: (change.path, change.status))
    return ChangeSet(
        root=top,
        base=base_sha,
        head=snapshot.head,
        files=tuple(files),
        snapshot=snapshot,
        submodules=tuple(sorted({r.path for r in records if r.submodule})),
    )


def _resolve(repo: Git, top: Path, ref: str, option: str) -> str:
    what = f"{option} '{ref}'" if option != "HEAD" else "HEAD"
    if not ref or ref.startswith("-"):
        raise FatalError(
            f"cannot resolve {what}: a branch, tag or commit cannot start with '-' or be "
            "empty; pass a ref name or a commit sha."
        )
    try:
        return repo("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError as exc:
        if ref == "HEAD":
            reason = f"the repository in {top} has no commits yet; commit first"
        elif _shallow(repo):
            reason = (
                f"not found in {top}, which is a shallow clone: its history may stop before "
                f"it. Fetch more history (`git fetch --unshallow`, {_CI_DEPTH}) or fetch the ref, "
                "and run again"
            )
        else:
            reason = (
                f"no such branch, tag or commit in {top}. Check the name, or fetch it "
                "first if it only exists on a remote"
            )
        raise FatalError(f"cannot resolve {what}: {reason}.") from exc


def _merge_base(repo: Git, top: Path, base_sha: str, head_sha: str, base: str, head: str) -> str:
    try:
        return repo("merge-base", base_sha, head_sha)
    except GitError as exc:
        # Exit 1 means "no merge base" only when git says nothing: it also exits 1 after
        # "error: Could not read <commit>" in a damaged repository.
        if exc.status != 1 or first_line(exc):
            raise FatalError(
                f"git merge-base failed for --base '{base}' and '{head}' in {top} "
                f"({complaint(exc)}); check that the repository is intact."
            ) from exc
        if _shallow(repo):
            raise FatalError(
                f"--base '{base}' and '{head}' have no merge base in this shallow clone: "
                "its history stops before their common ancestor. Fetch more history "
                f"(`git fetch --unshallow`, {_CI_DEPTH}) and run again."
            ) from exc
        raise FatalError(
            f"--base '{base}' and '{head}' share no history in {top}, so they have no merge "
            f"base; pass a --base that '{head}' was branched from."
        ) from exc


def _first_parent(repo: Git, head_sha: str, head: str) -> str | None:
    # The commit object itself: history commands hide the parents of a shallow clone's
    # boundary commits, which would make it look like a root commit.
    header = run(repo, "cat-file", "commit", head_sha).partition("\n\n")[0]
    parents = [line[7:] for line in header.split("\n") if line.startswith("parent ")]
    if not parents:
        return None  # the root commit: everything is added
    parent = parents[0]
    try:
        repo("cat-file", "-e", f"{parent}^{{commit}}")
    except GitError as exc:
        # Comparing with nothing instead would report every file as added.
        if _shallow(repo):
            raise FatalError(
                f"the parent of '{head}' is not in this shallow clone, so there is nothing to "
                f"compare it with. Fetch more history (`git fetch --deepen=1`, {_CI_DEPTH}) or "
                "pass --base, and run again."
            ) from exc
        raise FatalError(
            f"the parent of '{head}' ({parent}) is missing from the repository; check that "
            "it is intact."
        ) from exc
    return parent


def _head_or_none(repo: Git, top: Path) -> str | None:
    """HEAD's commit, or None on an unborn branch (no commit yet)."""
    try:
        return repo("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GitError as exc:
        try:
            # A ref naming a missing object resolves here; only an unborn branch does not.
            dangling = repo("rev-parse", "--verify", "--quiet", "HEAD")
        except GitError:
            return None
        raise FatalError(
            f"HEAD in {top} names {dangling}, which is not a commit in the repository; "
            "check that the repository is intact."
        ) from exc


def _empty_tree(repo: Git) -> str:
    try:
        object_format = repo("rev-parse", "--show-object-format")
    except GitError:  # pragma: no cover - git < 2.25 only knows SHA-1
        object_format = "sha1"
    return _EMPTY_TREE_SHA256 if object_format == "sha256" else EMPTY_TREE


def _parse_raw(output: str, *, worktree: bool) -> list[_Raw]:
    """Records of ``git diff-* -z --raw``, submodules dropped (docs/usage.md)."""
    fields = output.split("\0")
    records: list[_Raw] = []
    unmerged: list[str] = []
    position = 0
    while position < len(fields) and fields[position].startswith(":"):
        old_mode, new_mode, old_sha, new_sha, letter = fields[position][1:].split(" ")
        source = target = fields[position + 1]
        position += 2
        if letter[0] in "RC":
            target = fields[position]
            position += 1
        kind = letter[0]
        old_link, new_link = int(old_mode, 8) == GITLINK, int(new_mode, 8) == GITLINK
        if old_link or new_link:
            records.append(_Raw(status="modified", path=target, submodule=True))
            if kind != "T":
                continue
            # A file that became a submodule is gone; one that replaced a submodule is new.
            kind = "A" if old_link else "D"
        if kind == "A":
            records.append(_Raw(status="added", path=target, new_sha=new_sha))
        elif kind == "D":
            records.append(_Raw(status="deleted", path=source, old_path=source, old_sha=old_sha))
        elif kind in "RC":
            records.append(
                _Raw(
                    status="renamed" if kind == "R" else "copied",
                    path=target,
                    old_path=source,
                    old_sha=old_sha,
                    new_sha=new_sha,
                )
            )
        elif kind in "MT":
            records.append(
                _Raw(
                    status="modified",
                    path=target,
                    old_path=source,
                    old_sha=old_sha,
                    new_sha=new_sha,
                    unhashed=worktree
                    and kind == "M"
                    and old_mode == new_mode
                    and _is_null(new_sha),
                    symlink=int(new_mode, 8) == _SYMLINK,
                )
            )
        elif kind == "U":
            unmerged.append(target)
        else:  # pragma: no cover - "X" marks a bug in git itself (git-diff(1))
            raise FatalError(f"git reported an unknown kind of change '{letter}' for {target}.")
    if unmerged:
        raise FatalError(
            f"the index has unmerged paths ({', '.join(sorted(unmerged))}); resolve the "
            "conflicts and stage the files before checking the staged changes."
        )
    return records


def _worktree_records(repo: Git, snapshot: Snapshot, against: str) -> list[_Raw]:
    """HEAD → work tree: tracked changes, then untracked files that are not ignored."""
    records = _parse_raw(run(repo, "diff-index", *_DIFF_FLAGS, against), worktree=True)
    output = run(repo, "ls-files", "-z", "--others", "--exclude-standard")
    untracked = {
        name
        for name in output.split("\0")
        if name and not name.endswith("/") and snapshot.on_disk(name)
    }
    for position, record in enumerate(records):
        if record.submodule:
            continue
        if record.status == "deleted" and record.path in untracked:
            # `git rm --cached` but still on disk: in the work tree it is the same file.
            untracked.discard(record.path)
            records[position] = record._replace(
                status="modified",
                unhashed=True,
                symlink=os.path.islink(snapshot.root_path(record.path)),
            )
        elif record.status != "deleted" and not snapshot.on_disk(record.path):
            # Replaced by a named pipe or the like: no file any more (and never open it).
            records[position] = record._replace(status="deleted", new_sha="", unhashed=False)
    unchanged = _merely_touched(repo, snapshot, [r for r in records if r.unhashed])
    records = [record for record in records if record.path not in unchanged]
    return records + [_Raw(status="added", path=name) for name in untracked]


def _merely_touched(repo: Git, snapshot: Snapshot, candidates: list[_Raw]) -> set[str]:
    """Candidates whose content equals HEAD's although their stat data changed.

    Plumbing does not refresh the index (that would write it), so a touched file looks
    modified; hashing it the way ``git add`` would, filters included, settles it.
    """
    same = {
        record.path
        for record in candidates
        if record.symlink
        and snapshot.read_disk(record.path, None)[0] == snapshot.read_blob(record.old_sha, None)[0]
    }
    files = [record for record in candidates if not record.symlink]
    hashes: list[str] = []
    for chunk in chunks([record.path for record in files]):
        hashes += run(repo, "hash-object", "--", *chunk).split("\n")
    same.update(
        record.path for record, sha in zip(files, hashes, strict=True) if sha == record.old_sha
    )
    return same


def _new_blob(snapshot: Snapshot, record: _Raw) -> str:
    """The blob of the file's head side; "" when it is deleted or in the work tree."""
    return record.new_sha if snapshot.head != WORKTREE and record.status != "deleted" else ""


def _file_change(
    snapshot: Snapshot, record: _Raw, max_bytes: int, blobs: Mapping[str, Content]
) -> FileChange:
    """The change of ``record`` with both sides' content, their blobs read into ``blobs``."""
    new_blob = _new_blob(snapshot, record)
    change = FileChange(
        status=record.status,
        path=record.path,
        old_path=record.old_path,
        old_blob=record.old_sha,
        new_blob=new_blob,
    )
    old_side = blobs.get(record.old_sha, ABSENT) if record.old_sha else ABSENT
    if record.status == "deleted":
        new_side = ABSENT
    elif snapshot.head == WORKTREE:
        new_side = snapshot.read_disk(record.path, max_bytes)
    else:
        new_side = blobs.get(new_blob, ABSENT)
    if old_side[1] or new_side[1]:
        return change._replace(too_large=True, loaded=True)
    old_bytes, new_bytes = old_side[0], new_side[0]
    change = change._replace(old_bytes=old_bytes, new_bytes=new_bytes, loaded=True)
    if any(b"\0" in data[:BINARY_SNIFF_BYTES] for data in (old_bytes, new_bytes) if data):
        return change._replace(binary=True)
    old_text, old_bad = decode_text(old_bytes)
    new_text, new_bad = decode_text(new_bytes)
    return change._replace(old_text=old_text, new_text=new_text, undecodable=old_bad or new_bad)


def decode_text(data: bytes | None) -> tuple[str | None, bool]:
    """UTF-8 text without a BOM, and whether bytes had to be replaced."""
    if data is None:
        return None, False
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True
