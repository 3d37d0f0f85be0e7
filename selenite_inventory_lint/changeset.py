"""The change set: what changed between a base and a head, read through git (SPEC §2).

The only module that runs git. It turns refs, the index in use and the work tree into
``FileChange`` records and a ``Snapshot`` of the head side, and settles the awkward cases
here so the core never sees them: submodules are dropped, symlinks are read as their target
text and never followed, undecodable bytes are replaced and flagged.

Plumbing commands (rev-parse, diff-index, ls-files, grep, ...) are one short process each;
file contents come through GitPython's persistent ``git cat-file --batch``, one round trip
per blob. GitPython is imported only when a blob is read: importing it costs more than
everything else a pre-commit run that touches no data-bearing file does.

Every git command runs with ``GIT_OPTIONAL_LOCKS=0`` and only plumbing that neither writes an
index nor takes a lock: ``git commit -a`` runs its hooks while holding ``.git/index.lock``
with ``GIT_INDEX_FILE`` pointing at a temporary index, and we must read that one.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import FileChange, FileStatus

if TYPE_CHECKING:
    import git

_NO_GIT = "git is not installed or not on PATH; install git (or set GIT_PYTHON_GIT_EXECUTABLE)."

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_EMPTY_TREE_SHA256 = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"
INDEX = "INDEX"
WORKTREE = "WORKTREE"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
BINARY_SNIFF_BYTES = 8000

_GITLINK = 0o160000
_SYMLINK = 0o120000
# "dirty": a submodule whose commit changed is listed (and skipped with a note, SPEC §2);
# what happens inside its work tree is never looked at.
_DIFF_FLAGS = ("-z", "--raw", "--no-abbrev", "-M", "-C", "--ignore-submodules=dirty")
# No following a symlink, no blocking on a named pipe swapped in after lstat.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)
_ARGV_CHUNK = 500
_DRAIN_CHUNK = 1024 * 1024

# A side of a file whose content was looked at: the bytes (None when the side does not
# exist) and whether it was over the size cap (then the bytes were never read).
_Content = tuple[bytes | None, bool]
_ABSENT: _Content = (None, False)
_TOO_LARGE: _Content = (None, True)


def _everything(path: str) -> bool:
    return True


class GitError(Exception):
    """A git command that exited non-zero."""

    def __init__(self, status: int, stderr: str) -> None:
        super().__init__(stderr)
        self.status = status
        self.stderr = stderr


class _Git:
    """Runs git plumbing in ``cwd``, one process per command, with a fixed environment.

    Output is decoded as GitPython does (UTF-8, undecodable bytes kept as surrogates) and
    loses one trailing newline; messages are in English (``LC_ALL=C``) whatever the locale.
    ``env`` is laid over the caller's environment; a None value removes the variable.
    """

    def __init__(
        self,
        cwd: Path,
        env: Mapping[str, str | None] | None = None,
        options: Sequence[str] = (),
    ) -> None:
        self.cwd = cwd
        self.env = {k: v for k, v in (env or {}).items() if v is not None}
        self._unset = [k for k, v in (env or {}).items() if v is None]
        self._options = tuple(options)
        self._executable = os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git"

    def __call__(self, command: str, *args: str, stdin: bytes | None = None) -> str:
        environment = {**os.environ, **self.env, "LANGUAGE": "C", "LC_ALL": "C"}
        for name in self._unset:
            environment.pop(name, None)
        try:
            done = subprocess.run(
                (self._executable, *self._options, command, *args),
                cwd=self.cwd,
                env=environment,
                stdin=subprocess.DEVNULL if stdin is None else None,
                input=stdin,
                capture_output=True,
                check=False,
            )
        except FileNotFoundError as exc:
            if not os.path.isdir(self.cwd):
                raise FatalError(f"cannot run git in {self.cwd}: it does not exist.") from exc
            raise FatalError(_NO_GIT) from exc
        except OSError as exc:  # not executable, too many open files, ...
            raise FatalError(f"cannot run {self._executable}: {exc.strerror or exc}.") from exc
        if done.returncode != 0:
            raise GitError(done.returncode, done.stderr.decode("utf-8", "surrogateescape"))
        out = done.stdout.decode("utf-8", "surrogateescape")
        return out[:-1] if out.endswith("\n") else out

    def cat_file(self) -> git.Git:
        """GitPython's runner for the persistent ``cat-file --batch`` readers."""
        try:
            import git
        except ImportError as exc:  # pragma: no cover - GitPython refuses to load without git
            raise FatalError(_NO_GIT) from exc
        runner = git.Git(self.cwd)
        runner.update_environment(**self.env)
        return runner


def _stderr(exc: GitError) -> str:
    """The first line git wrote to stderr."""
    text = exc.stderr.strip()
    return text.splitlines()[0] if text else ""


def _complaint(exc: GitError) -> str:
    return _stderr(exc) or f"exit status {exc.status}"


def _remedy(exc: GitError) -> str:
    if "promisor remote" in exc.stderr:
        return (
            "this is a partial clone and the object is not in it: its promisor remote could "
            "not be reached to fetch it. Make the remote reachable (network, credentials) or "
            "run in a full clone (no --filter)"
        )
    return "check that the repository is intact and readable"


def _run(runner: _Git, command: str, *args: str) -> str:
    try:
        return runner(command, *args)
    except GitError as exc:
        raise FatalError(
            f"git {command} failed in {runner.cwd} ({_complaint(exc)}); {_remedy(exc)}."
        ) from exc


def _missing(exc: ValueError) -> bool:
    """GitPython's answer to "<name> missing", as opposed to a reader that stopped answering."""
    return "could not be resolved" in str(exc)


def _text(value: str | bytes) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _is_null(sha: str) -> bool:
    return not sha.strip("0")


def _valid_path(path: str) -> bool:
    """A repo-relative, ``/``-separated path naming nothing outside the tree."""
    if not path or "\n" in path or "\0" in path or path.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def _literal(paths: Iterable[str]) -> list[str]:
    return [f":(literal){path}" for path in paths]


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _ARGV_CHUNK):
        yield items[start : start + _ARGV_CHUNK]


class Snapshot:
    """The head side of a change set: a commit, the index in use, or the work tree.

    ``head`` is a full commit sha, ``"INDEX"`` or ``"WORKTREE"``. Paths are repo-relative
    and ``/``-separated; submodules are never files. Reads return a symlink's target text
    and never follow it; in the work tree a path under a symlinked directory does not exist.
    """

    def __init__(self, runner: _Git, root: Path, head: str) -> None:
        self.head = head
        self._git = runner
        self._reader: git.Git | None = None
        self._root = os.path.realpath(root)
        self._listing: tuple[str, ...] | None = None
        self._listed: frozenset[str] = frozenset()
        # Commit and index: path → blob sha, filled by the one listing command.
        self._blobs: dict[str, str] | None = None
        self._safe_dirs: dict[str, bool] = {}

    def __repr__(self) -> str:
        return f"Snapshot(head={self.head!r})"

    def close(self) -> None:
        """Stop the persistent ``git cat-file`` processes now rather than at collection."""
        if self._reader is not None:
            self._reader.clear_cache()

    def paths(self) -> tuple[str, ...]:
        """Every file on the head side, sorted."""
        if self._listing is None:
            self._listing = self._list()
            self._listed = frozenset(self._listing)
        return self._listing

    def exists(self, path: str) -> bool:
        """Whether ``path`` is a file on the head side, without listing the whole tree."""
        if not _valid_path(path):
            return False
        if self._listing is not None:
            return path in self._listed
        if self.head == WORKTREE:
            return self._on_disk(path) and bool(self._visible([path]))
        if self._reader is not None:
            return self._blob_header(self._blob_name(path)) is not None
        # One short process rather than starting the blob reader for a yes or no.
        try:
            return self._git("cat-file", "-t", self._blob_name(path)) == "blob"
        except GitError as exc:
            if "promisor remote" in exc.stderr:
                raise FatalError(
                    f"cannot look up {path} at {self.head} ({_complaint(exc)}); {_remedy(exc)}."
                ) from exc
            return False

    def read(self, path: str) -> bytes | None:
        """The content of ``path`` on the head side; None when it is not a file there."""
        return self.read_many([path]).get(path)

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        """The content of every given path that is a file on the head side."""
        wanted = [path for path in dict.fromkeys(paths) if _valid_path(path)]
        if self.head == WORKTREE:
            if self._listing is not None:
                wanted = [path for path in wanted if path in self._listed]
            else:
                visible = self._visible(wanted)
                wanted = [path for path in wanted if path in visible]
        found: dict[str, bytes] = {}
        for path in wanted:
            data = self._read(path, None)[0]
            if data is not None:
                found[path] = data
        return found

    def grep(
        self, needles: Sequence[str], pathspecs: Sequence[str] = ()
    ) -> dict[str, tuple[str, ...]]:
        """needle → sorted paths on the head side whose content contains it (fixed string).

        ``pathspecs`` are git pathspecs limiting the search. As with ``git grep``, symlinks
        are not searched and a needle that is empty or spans lines never matches.
        """
        result: dict[str, tuple[str, ...]] = {needle: () for needle in needles}
        usable = [needle for needle in result if needle and "\n" not in needle]
        if not usable:
            return result
        args = ["-F", "-l", "-z", "--no-color"]
        prefix = ""
        if self.head == WORKTREE:
            args.append("--untracked")
        elif self.head == INDEX:
            args.append("--cached")
        # Needles go through stdin: an inventory of 100,000 entries is far more than an
        # argument list can hold (E2BIG). `-f` drops the CR of a CRLF line end, so a needle
        # ending in CR keeps to the argument list.
        piped = [needle for needle in usable if not needle.endswith("\r")]
        for needle in usable:
            if needle.endswith("\r"):
                args += ["-e", needle]
        if piped:
            args += ["-f", "-"]
        if self.head not in (WORKTREE, INDEX):
            args.append(self.head)
            prefix = f"{self.head}:"
        try:
            output = self._git(
                "grep",
                *args,
                "--",
                *pathspecs,
                stdin="".join(f"{needle}\n" for needle in piped).encode("utf-8", "surrogateescape"),
            )
        except GitError as exc:
            if exc.status == 1:  # no match
                return result
            raise FatalError(
                f"git grep failed in {self._git.cwd} ({_complaint(exc)}); "
                "check the pathspecs and that the repository is intact."
            ) from exc
        files = sorted(name.removeprefix(prefix) for name in output.split("\0") if name)
        if len(usable) == 1:
            result[usable[0]] = tuple(files)
            return result
        # One grep found the candidates; which needle each holds is settled on the bytes
        # rather than with one git process per needle.
        hits: dict[str, list[str]] = {needle: [] for needle in usable}
        encoded = [(needle, needle.encode()) for needle in usable]
        for path in files:
            data = self._read(path, None)[0] or b""
            for needle, raw in encoded:
                if raw in data:
                    hits[needle].append(path)
        result.update((needle, tuple(paths)) for needle, paths in hits.items())
        return result

    # -- implementation ------------------------------------------------------------------

    def _list(self) -> tuple[str, ...]:
        if self.head == WORKTREE:
            output = _run(self._git, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
            names = {name for name in output.split("\0") if name and not name.endswith("/")}
            # Tracked files deleted from disk and submodule directories drop out here.
            return tuple(sorted(name for name in names if self._on_disk(name)))
        blobs: dict[str, str] = {}
        if self.head == INDEX:
            for record in _run(self._git, "ls-files", "-z", "-s").split("\0"):
                if record:
                    info, _, path = record.partition("\t")
                    mode, sha, stage = info.split(" ")
                    if stage == "0" and int(mode, 8) != _GITLINK:
                        blobs[path] = sha
        else:
            output = _run(self._git, "ls-tree", "-r", "-z", "--full-tree", self.head)
            for record in output.split("\0"):
                if record:
                    info, _, path = record.partition("\t")
                    _mode, kind, sha = info.split(" ")
                    if kind == "blob":
                        blobs[path] = sha
        self._blobs = blobs
        return tuple(sorted(blobs))

    def _blob_name(self, path: str) -> str:
        if self._blobs is not None:
            return self._blobs.get(path, "")
        # ":0:" names stage 0 explicitly, so a path like "1:x" is not read as a stage.
        return f":0:{path}" if self.head == INDEX else f"{self.head}:{path}"

    def _blobs_reader(self) -> git.Git:
        if self._reader is None:
            self._reader = self._git.cat_file()
        return self._reader

    def _blob_header(self, name: str) -> tuple[str, int] | None:
        try:
            sha, kind, size = self._blobs_reader().get_object_header(name)
        except ValueError as exc:
            if _missing(exc):
                return None
            raise self._unreadable(name) from exc
        except OSError as exc:
            raise self._unreadable(name) from exc
        # GitPython annotates str but hands back the header's bytes.
        return (_text(sha), size) if _text(kind) == "blob" else None

    def _read(self, path: str, limit: int | None) -> _Content:
        if self.head == WORKTREE:
            return self._read_disk(path, limit)
        return self._read_blob(self._blob_name(path), limit)

    def _read_blob(self, name: str, limit: int | None) -> _Content:
        if not name:
            return _ABSENT
        # One round trip through the persistent `cat-file --batch`: its header gives type and
        # size before the content, and content that is not wanted is drained in chunks.
        try:
            _sha, kind, size, stream = self._blobs_reader().stream_object_data(name)
            wanted = _text(kind) == "blob"
            if wanted and (limit is None or size <= limit):
                return stream.read(), False
            while stream.read(_DRAIN_CHUNK):
                pass
        except ValueError as exc:
            if _missing(exc):
                return _ABSENT
            raise self._unreadable(name) from exc
        except OSError as exc:  # the reader died: a broken pipe, not a closed stdout
            raise self._unreadable(name) from exc
        return _TOO_LARGE if wanted else _ABSENT

    def _unreadable(self, name: str) -> FatalError:
        """The blob reader stopped (it exits on a blob it cannot get): one process of its own
        asks git for the reason."""
        try:
            self._git("cat-file", "-e", name)
            reason, remedy = "git cat-file stopped", "check that the repository is intact"
        except GitError as exc:
            reason, remedy = _complaint(exc), _remedy(exc)
        return FatalError(f"cannot read object {name} in {self._git.cwd} ({reason}); {remedy}.")

    def _visible(self, paths: Sequence[str]) -> set[str]:
        """The paths git counts as work-tree files: tracked, or untracked and not ignored."""
        found: set[str] = set()
        for chunk in _chunks(paths):
            output = _run(
                self._git,
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
                "--",
                *_literal(chunk),
            )
            found.update(output.split("\0"))
        return found & set(paths)

    def _full_path(self, path: str) -> str | None:
        """Absolute path of ``path`` when no directory on the way is a symlink."""
        parent = path.rpartition("/")[0]
        if parent:
            safe = self._safe_dirs.get(parent)
            if safe is None:
                expected = os.path.join(self._root, *parent.split("/"))
                safe = os.path.realpath(expected) == expected
                self._safe_dirs[parent] = safe
            if not safe:
                return None
        return self._root_path(path)

    def _root_path(self, path: str) -> str:
        return os.path.join(self._root, *path.split("/"))

    def _on_disk(self, path: str) -> bool:
        full = self._full_path(path)
        if full is None:
            return False
        try:
            mode = os.lstat(full).st_mode
        except OSError:
            return False
        return stat.S_ISREG(mode) or stat.S_ISLNK(mode)

    def _read_disk(self, path: str, limit: int | None) -> _Content:
        full = self._full_path(path)
        if full is None:
            return _ABSENT
        try:
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                target = os.fsencode(os.readlink(full))
                return _TOO_LARGE if limit is not None and len(target) > limit else (target, False)
            if not stat.S_ISREG(info.st_mode):
                return _ABSENT
            if limit is not None and info.st_size > limit:
                return _TOO_LARGE
            with os.fdopen(os.open(full, _OPEN_FLAGS), "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # pragma: no cover - a race
                    return _ABSENT
                data = handle.read(-1 if limit is None else limit + 1)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):  # pragma: no cover - a race
                return _ABSENT
            raise FatalError(
                f"cannot read {path} in {self._root} ({exc.strerror}); check its permissions."
            ) from exc
        # It may have grown since lstat.
        return _TOO_LARGE if limit is not None and len(data) > limit else (data, False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeSet:
    """The files that differ between ``base`` and ``head`` (SPEC §2), sorted by path.

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


@dataclass(frozen=True, slots=True, kw_only=True)
class _Raw:
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


def find_root(start: Path) -> Path:
    """The top of the git work tree containing ``start``."""
    directory = start if start.is_dir() else start.parent
    if not directory.is_dir():
        raise FatalError(f"{start} does not exist; pass a directory inside a git repository.")
    try:
        top = _Git(directory, _DISCOVERY)("rev-parse", "--show-toplevel")
    except GitError as exc:
        _refuse_dubious_ownership(exc, directory)
        raise FatalError(
            f"{start} is not inside a git repository's work tree; run the command from "
            "inside one or point --repo at it."
        ) from exc
    return Path(top)


def open_changeset(
    root: Path,
    *,
    base: str | None = None,
    head: str | None = None,
    staged: bool = False,
    wants: Callable[[str], bool] = _everything,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ChangeSet:
    """Read the change set named by the ``check`` flags (SPEC §2).

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
    repo, top = _open_repo(root)
    if base is not None or head is not None:
        base_sha, head_sha = _range(repo, top, base, head)
        output = _run(
            repo, "diff-tree", "-r", *_DIFF_FLAGS, base_sha or _empty_tree(repo), head_sha
        )
        records = _parse_raw(output, worktree=False)
        snapshot = Snapshot(repo, top, head_sha)
    else:
        base_sha = _head_or_none(repo, top)
        against = base_sha or _empty_tree(repo)
        if staged:
            output = _run(repo, "diff-index", "--cached", *_DIFF_FLAGS, against)
            records = _parse_raw(output, worktree=False)
            snapshot = Snapshot(repo, top, INDEX)
        else:
            snapshot = Snapshot(repo, top, WORKTREE)
            records = _worktree_records(repo, snapshot, against)
    return _changeset(top, base_sha, snapshot, records, wants, max_bytes)


def _range(repo: _Git, top: Path, base: str | None, head: str | None) -> tuple[str | None, str]:
    """(merge base or first parent, head) of a range named by ``--base``/``--head``."""
    head_ref = head if head is not None else "HEAD"
    head_sha = _resolve(repo, top, head_ref, "--head" if head is not None else "HEAD")
    if base is not None:
        base_sha = _merge_base(
            repo, top, _resolve(repo, top, base, "--base"), head_sha, base, head_ref
        )
        return base_sha, head_sha
    return _first_parent(repo, head_sha, head_ref), head_sha


def open_base(root: Path, *, base: str | None = None, head: str | None = None) -> Snapshot | None:
    """The base commit of the range ``open_changeset`` reads with the same refs, whose
    configuration is in force (SPEC "Trust model"); None when the range has no base."""
    repo, top = _open_repo(root)
    base_sha, _ = _range(repo, top, base, head)
    return None if base_sha is None else Snapshot(repo, top, base_sha)


def open_tree(
    root: Path,
    *,
    ref: str = "HEAD",
    wants: Callable[[str], bool] = _everything,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ChangeSet:
    """Every file of the commit ``ref`` as added: the whole repository, for ``audit``/``init``."""
    repo, top = _open_repo(root)
    head_sha = _resolve(repo, top, ref, "the audited ref")
    output = _run(repo, "diff-tree", "-r", *_DIFF_FLAGS, _empty_tree(repo), head_sha)
    snapshot = Snapshot(repo, top, head_sha)
    return _changeset(top, None, snapshot, _parse_raw(output, worktree=False), wants, max_bytes)


def export_tree(root: Path, ref: str, dest: Path) -> str:
    """Write the files of commit ``ref`` into the new directory ``dest`` as `git archive` gives
    them (no .git, no submodules, links kept inside ``dest``), for `rehearse`; the commit's sha."""
    import tarfile

    repo, top = _open_repo(root)
    sha = _resolve(repo, top, ref, "--rev")
    if not hasattr(tarfile, "data_filter"):  # pragma: no cover - Python < 3.10.12
        raise FatalError("rehearse needs Python 3.10.12 or later (tarfile's data filter).")
    archive = dest.with_name(dest.name + ".tar")
    _run(repo, "archive", "--format=tar", "-o", str(archive), sha)
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
    files = [
        _file_change(snapshot, record, max_bytes)
        if wants(record.path) or (record.old_path is not None and wants(record.old_path))
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


# The repository is the one --repo names: a GIT_DIR or GIT_WORK_TREE inherited from the
# caller does not redirect the discovery (every later command names both explicitly).
_DISCOVERY: dict[str, str | None] = {"GIT_DIR": None, "GIT_WORK_TREE": None}


def git_dirs(root: Path) -> tuple[Path, ...]:
    """The git directories of the work tree at ``root`` (its own and, for a linked worktree,
    the shared one), real paths: no file under them is ever written (SPEC §7)."""
    runner, top = _open_repo(root)
    common = _run(runner, "rev-parse", "--git-common-dir")
    found = (runner.env["GIT_DIR"], os.path.join(top, common))
    return tuple(dict.fromkeys(Path(os.path.realpath(path)) for path in found))


def _refuse_dubious_ownership(exc: GitError, directory: Path) -> None:
    """git ignores a repository another user owns (CVE-2022-24765): say so, not "no repository"."""
    if "dubious ownership" not in exc.stderr:
        return
    # git prints the exact command, with the path spelled as it wants it.
    advice = [line.strip() for line in exc.stderr.splitlines() if "safe.directory" in line]
    command = advice[0] if advice else f"git config --global --add safe.directory {directory}"
    raise FatalError(
        f"git refuses the repository at {directory.absolute()}: detected dubious ownership "
        f"(another user owns it). If you trust it, run `{command}` and run again."
    ) from exc


def _open_repo(root: Path) -> tuple[_Git, Path]:
    where = root.absolute()
    if not where.is_dir():
        raise FatalError(
            f"{root} is not inside a git repository; run the command from inside one or "
            "point --repo at it."
        )
    discover = _Git(where, _DISCOVERY)
    try:
        # One value per call: a path may contain a line break.
        git_dir = discover("rev-parse", "--absolute-git-dir")
        top = Path(discover("rev-parse", "--show-toplevel"))
    except GitError as exc:
        _refuse_dubious_ownership(exc, where)
        try:
            discover("rev-parse", "--git-dir")
        except GitError:
            raise FatalError(
                f"{root} is not inside a git repository; run the command from inside one or "
                "point --repo at it."
            ) from exc
        # A repository, but no work tree here: a bare one, or inside its git directory.
        raise FatalError(
            f"{root} is a bare repository or a git directory; run the command in a work "
            "tree (or pass --base and --head from a clone)."
        ) from exc
    env = {"GIT_OPTIONAL_LOCKS": "0", "GIT_DIR": git_dir, "GIT_WORK_TREE": str(top)}
    index_file = os.environ.get("GIT_INDEX_FILE")
    if index_file:
        # Hooks may get it relative to their working directory, ours may differ from git's.
        env["GIT_INDEX_FILE"] = os.path.abspath(index_file)
    return _Git(top, env), top


def _resolve(repo: _Git, top: Path, ref: str, option: str) -> str:
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
        else:
            reason = (
                f"no such branch, tag or commit in {top}. Check the name, or fetch it "
                "first if it only exists on a remote"
            )
        raise FatalError(f"cannot resolve {what}: {reason}.") from exc


def _merge_base(repo: _Git, top: Path, base_sha: str, head_sha: str, base: str, head: str) -> str:
    try:
        return repo("merge-base", base_sha, head_sha)
    except GitError as exc:
        # Exit 1 means "no merge base" only when git says nothing: it also exits 1 after
        # "error: Could not read <commit>" in a damaged repository.
        if exc.status != 1 or _stderr(exc):
            raise FatalError(
                f"git merge-base failed for --base '{base}' and '{head}' in {top} "
                f"({_complaint(exc)}); check that the repository is intact."
            ) from exc
        if _run(repo, "rev-parse", "--is-shallow-repository") == "true":
            raise FatalError(
                f"--base '{base}' and '{head}' have no merge base in this shallow clone: "
                "its history stops before their common ancestor. Fetch more history "
                "(`git fetch --unshallow`, `fetch-depth: 0` in GitHub's actions/checkout, "
                "`GIT_DEPTH: 0` in GitLab CI) and run again."
            ) from exc
        raise FatalError(
            f"--base '{base}' and '{head}' share no history in {top}, so they have no merge "
            f"base; pass a --base that '{head}' was branched from."
        ) from exc


# The demo repository must build the same commits on any machine, whatever the user's git
# identity, signing, hook or template settings.
_SAMPLE_IDENTITY = {
    "GIT_AUTHOR_NAME": "Selenite Demo",
    "GIT_AUTHOR_EMAIL": "demo@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T12:00:00+00:00",
    "GIT_COMMITTER_NAME": "Selenite Demo",
    "GIT_COMMITTER_EMAIL": "demo@example.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T12:00:00+00:00",
}
_SAMPLE_CONFIG = (
    "commit.gpgSign=false",
    f"core.hooksPath={os.devnull}",
    "core.autocrlf=false",
    "user.useConfigOnly=false",
)


def _sample_git(root: Path) -> _Git:
    if not root.is_dir():
        raise FatalError(f"{root} is not a directory; create it before building a repository.")
    options = [part for setting in _SAMPLE_CONFIG for part in ("-c", setting)]
    return _Git(root, {**_DISCOVERY, **_SAMPLE_IDENTITY}, options)


def init_repo(root: Path) -> None:
    """Make ``root`` (an existing directory) a new repository on ``main``, for ``demo``."""
    try:
        _sample_git(root)("init", "--quiet", "--template=", "--initial-branch=main")
    except GitError as exc:
        raise FatalError(f"cannot create a git repository in {root} ({_complaint(exc)}).") from exc


def commit_all(root: Path, message: str) -> str:
    """Stage everything in ``root`` and commit it with a fixed identity and date; the sha."""
    runner = _sample_git(root)
    try:
        runner("add", "--all")
        runner("commit", "--quiet", "--no-verify", "--allow-empty", "-m", message)
        return runner("rev-parse", "HEAD")
    except GitError as exc:
        raise FatalError(f"cannot commit in {root} ({_complaint(exc)}).") from exc


def _first_parent(repo: _Git, head_sha: str, head: str) -> str | None:
    # The commit object itself: history commands hide the parents of a shallow clone's
    # boundary commits, which would make it look like a root commit.
    header = _run(repo, "cat-file", "commit", head_sha).partition("\n\n")[0]
    parents = [line[7:] for line in header.split("\n") if line.startswith("parent ")]
    if not parents:
        return None  # the root commit: everything is added
    parent = parents[0]
    try:
        repo("cat-file", "-e", f"{parent}^{{commit}}")
    except GitError as exc:
        # Comparing with nothing instead would report every file as added.
        if _run(repo, "rev-parse", "--is-shallow-repository") == "true":
            raise FatalError(
                f"the parent of '{head}' is not in this shallow clone, so there is nothing to "
                "compare it with. Fetch more history (`git fetch --deepen=1`, `fetch-depth: 0` "
                "in GitHub's actions/checkout, `GIT_DEPTH: 0` in GitLab CI) or pass --base, "
                "and run again."
            ) from exc
        raise FatalError(
            f"the parent of '{head}' ({parent}) is missing from the repository; check that "
            "it is intact."
        ) from exc
    return parent


def _head_or_none(repo: _Git, top: Path) -> str | None:
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


def _empty_tree(repo: _Git) -> str:
    try:
        object_format = repo("rev-parse", "--show-object-format")
    except GitError:  # pragma: no cover - git < 2.25 only knows SHA-1
        object_format = "sha1"
    return _EMPTY_TREE_SHA256 if object_format == "sha256" else EMPTY_TREE


def _parse_raw(output: str, *, worktree: bool) -> list[_Raw]:
    """Records of ``git diff-* -z --raw``, submodules dropped (SPEC §2)."""
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
        old_link, new_link = int(old_mode, 8) == _GITLINK, int(new_mode, 8) == _GITLINK
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


def _worktree_records(repo: _Git, snapshot: Snapshot, against: str) -> list[_Raw]:
    """HEAD → work tree: tracked changes, then untracked files that are not ignored."""
    records = _parse_raw(_run(repo, "diff-index", *_DIFF_FLAGS, against), worktree=True)
    output = _run(repo, "ls-files", "-z", "--others", "--exclude-standard")
    untracked = {
        name
        for name in output.split("\0")
        if name and not name.endswith("/") and snapshot._on_disk(name)
    }
    for position, record in enumerate(records):
        if record.submodule:
            continue
        if record.status == "deleted" and record.path in untracked:
            # `git rm --cached` but still on disk: in the work tree it is the same file.
            untracked.discard(record.path)
            records[position] = replace(
                record,
                status="modified",
                unhashed=True,
                symlink=os.path.islink(snapshot._root_path(record.path)),
            )
        elif record.status != "deleted" and not snapshot._on_disk(record.path):
            # Replaced by a named pipe or the like: no file any more (and never open it).
            records[position] = replace(record, status="deleted", new_sha="", unhashed=False)
    unchanged = _merely_touched(repo, snapshot, [r for r in records if r.unhashed])
    records = [record for record in records if record.path not in unchanged]
    return records + [_Raw(status="added", path=name) for name in untracked]


def _merely_touched(repo: _Git, snapshot: Snapshot, candidates: list[_Raw]) -> set[str]:
    """Candidates whose content equals HEAD's although their stat data changed.

    Plumbing does not refresh the index (that would write it), so a touched file looks
    modified; hashing it the way ``git add`` would, filters included, settles it.
    """
    same = {
        record.path
        for record in candidates
        if record.symlink
        and snapshot._read_disk(record.path, None)[0]
        == snapshot._read_blob(record.old_sha, None)[0]
    }
    files = [record for record in candidates if not record.symlink]
    hashes: list[str] = []
    for chunk in _chunks([record.path for record in files]):
        hashes += _run(repo, "hash-object", "--", *chunk).split("\n")
    same.update(
        record.path for record, sha in zip(files, hashes, strict=True) if sha == record.old_sha
    )
    return same


def _file_change(snapshot: Snapshot, record: _Raw, max_bytes: int) -> FileChange:
    change = FileChange(status=record.status, path=record.path, old_path=record.old_path)
    old_side = snapshot._read_blob(record.old_sha, max_bytes) if record.old_sha else _ABSENT
    if record.status == "deleted":
        new_side = _ABSENT
    elif snapshot.head == WORKTREE:
        new_side = snapshot._read_disk(record.path, max_bytes)
    else:
        new_side = snapshot._read_blob(record.new_sha, max_bytes)
    if old_side[1] or new_side[1]:
        return replace(change, too_large=True, loaded=True)
    old_bytes, new_bytes = old_side[0], new_side[0]
    change = replace(change, old_bytes=old_bytes, new_bytes=new_bytes, loaded=True)
    if any(b"\0" in data[:BINARY_SNIFF_BYTES] for data in (old_bytes, new_bytes) if data):
        return replace(change, binary=True)
    old_text, old_bad = decode_text(old_bytes)
    new_text, new_bad = decode_text(new_bytes)
    return replace(change, old_text=old_text, new_text=new_text, undecodable=old_bad or new_bad)


def decode_text(data: bytes | None) -> tuple[str | None, bool]:
    """UTF-8 text without a BOM, and whether bytes had to be replaced."""
    if data is None:
        return None, False
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True
