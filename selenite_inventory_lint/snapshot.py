"""Reading files at a commit, in the index in use or in the work tree: the ``Snapshot``.

Part of the git layer (with ``git.py`` and ``changeset.py``). Listings and ``git grep`` are
one short process each; file contents come through one persistent ``git cat-file --batch``
(``git.CatFile``), one round trip per blob, started on the first read (the hook's with its diff).
Symlinks are read as their target text and never followed; in the work tree (``worktree.py``)
a path under a symlinked directory does not exist and a file is never opened through a link
or a pipe.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.git import (
    CatFile,
    Git,
    GitError,
    Running,
    asked_batches,
    chunks,
    complaint,
    finish,
    remedy,
    run,
)
from selenite_inventory_lint.patterns import lazy

# Re-exported: the change set reads both sides through them, tests count ``READS``.
from selenite_inventory_lint.worktree import ABSENT as ABSENT
from selenite_inventory_lint.worktree import READS as READS
from selenite_inventory_lint.worktree import TOO_LARGE as TOO_LARGE
from selenite_inventory_lint.worktree import Content as Content
from selenite_inventory_lint.worktree import WorkTree

INDEX = "INDEX"
WORKTREE = "WORKTREE"
# The mode git gives a submodule's entry (a gitlink): never a file.
GITLINK = 0o160000
# Listings of the whole head side: what a check of a one-file change in a large repository
# must not need; tests count them.
LISTINGS = [0]


def _valid_path(path: str) -> bool:
    """A repo-relative, ``/``-separated path naming nothing outside the tree."""
    if not path or "\n" in path or "\0" in path or path.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


# One line of `git grep -n -z` output: the file, its line number, the line.
_GREP_LINE = lazy(r"^([^\0\n]+)\0(\d+)\0([^\n]*)$", re.MULTILINE)


def _overlapping(needles: Sequence[str]) -> set[str]:
    """The needles that begin with the end of another one and run past it (``"KEY_A"`` after
    ``"MY_KEY"``): where both occur overlapping, a search for all reports only the first."""
    ends: dict[str, set[str]] = {}
    for needle in needles:
        for start in range(1, len(needle)):
            ends.setdefault(needle[start:], set()).add(needle)
    return {
        needle
        for needle in needles
        if any(ends.get(needle[:stop], set()) - {needle} for stop in range(1, len(needle)))
    }


_GLOB = lazy(r"[*?\[\\]")


def _literal(paths: Iterable[str]) -> list[str]:
    return [f":(literal){path}" for path in paths]


class Snapshot:
    """The head side of a change set: a commit, the index in use, or the work tree.

    ``head`` is a full commit sha, ``"INDEX"`` or ``"WORKTREE"``. Paths are repo-relative
    and ``/``-separated; submodules are never files. Reads return a symlink's target text
    and never follow it; in the work tree a path under a symlinked directory does not exist.
    """

    def __init__(self, runner: Git, root: Path, head: str) -> None:
        self.head = head
        self._git = runner
        self._reader: CatFile | None = None
        self._checker: CatFile | None = None
        self._tree = WorkTree(root)
        self._listing: tuple[str, ...] | None = None
        self._listed: frozenset[str] = frozenset()
        # Commit and index: path → blob sha, filled by the one listing command.
        self._blobs: dict[str, str] | None = None
        # Commands started ahead of the question they answer (``expect_*``), by that question.
        self._started: dict[tuple[object, ...], Running] = {}

    def __repr__(self) -> str:
        return f"Snapshot(head={self.head!r})"

    def close(self) -> None:
        """Stop the persistent ``git cat-file`` processes now rather than at collection."""
        for reader in (self._reader, self._checker):
            if reader is not None:
                reader.close()
        for started in self._started.values():
            started.discard()
        self._started.clear()
        # A later read starts a new one.
        self._reader = self._checker = None

    def paths(self) -> tuple[str, ...]:
        """Every file on the head side, sorted."""
        if self._listing is None:
            self._listing = self._list()
            self._listed = frozenset(self._listing)
        return self._listing

    def paths_matching(
        self, *, folders: Sequence[str] = (), name: str | None = None, stem: bool = False
    ) -> tuple[str, ...]:
        """The files on the head side under one of ``folders`` (each ending in ``/``) or, with
        ``name``, whose base name is ``name`` (with ``stem``: whose base name less its last
        extension is); sorted. Git lists only those (one process) unless the whole tree is
        listed already."""

        def wanted(path: str) -> bool:
            if name is not None:
                base = posixpath.basename(path)
                return (posixpath.splitext(base)[0] if stem else base) == name
            return any(path.startswith(folder) for folder in folders)

        if name is None and not folders:
            return ()
        whole = (
            self._listing is not None
            or any(not folder.endswith("/") or folder == "/" for folder in folders)
            or (
                name is not None
                and (self.head not in (INDEX, WORKTREE) or not name or _GLOB().search(name))
            )
        )
        if whole:
            return tuple(path for path in self.paths() if wanted(path))
        if name is not None:
            pathspecs = [f":(glob)**/{name}.*" if stem else f":(glob)**/{name}"]
        else:
            pathspecs = list(folders) if self.head not in (INDEX, WORKTREE) else _literal(folders)
        return tuple(path for path in self._list(pathspecs) if wanted(path))

    def exists(self, path: str) -> bool:
        """Whether ``path`` is a file on the head side, without listing the whole tree."""
        if not _valid_path(path):
            return False
        if self._listing is not None:
            return path in self._listed
        if self.head == WORKTREE:
            return self.on_disk(path) and bool(self._visible([path]))
        if self._reader is not None or self._checker is not None:
            return self._blob_header(self._blob_name(path)) is not None
        # One short process rather than starting the blob reader for a yes or no.
        try:
            return self._git("cat-file", "-t", self._blob_name(path)) == "blob"
        except GitError as exc:
            if "promisor remote" in exc.stderr:
                raise FatalError(
                    f"cannot look up {path} at {self.head} ({complaint(exc)}); {remedy(exc)}."
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
        are not searched and a needle that is empty or spans lines never matches. One
        ``git grep`` answers for every needle, and no file is read here.
        """
        result: dict[str, tuple[str, ...]] = {needle: () for needle in needles}
        usable = [needle for needle in result if needle and "\n" not in needle]
        if len(usable) == 1:
            output, prefix = self._grep(["-l"], usable, pathspecs)
            names = (name.removeprefix(prefix) for name in output.split("\0") if name)
            result[usable[0]] = tuple(sorted(names))
            return result
        # Every match, with the file it is in: a needle is in a file when a match there
        # contains it. Git reports the leftmost-longest match and goes on after its end, so
        # only a needle that starts inside another needle's match and runs past it can go
        # unreported: those few get a search of their own.
        alone = _overlapping(usable)
        shared = [needle for needle in usable if needle not in alone]
        found: dict[str, set[str]] = {}
        if shared:
            mode = ["-o", "--text", "--no-line-number", "--no-column"]  # whatever grep.* says
            output, prefix = self._grep(mode, shared, pathspecs)
            for record in output.split("\n"):
                path, _, match = record.partition("\0")
                if match:
                    found.setdefault(match, set()).add(path.removeprefix(prefix))
        wanted = set(shared)
        lengths = sorted({len(needle) for needle in shared})
        paths: dict[str, set[str]] = {}
        for match, where in found.items():
            for size in lengths:
                for start in range(len(match) - size + 1):
                    if (part := match[start : start + size]) in wanted:
                        paths.setdefault(part, set()).update(where)
        for needle in shared:
            result[needle] = tuple(sorted(paths.get(needle, ())))
        for needle in alone:
            result.update(self.grep([needle], pathspecs))
        return result

    def _grep(
        self, mode: Sequence[str], needles: Sequence[str], pathspecs: Sequence[str]
    ) -> tuple[str, str]:
        """``git grep`` output for fixed-string ``needles`` ("" when nothing matches) and the
        prefix its file names carry (the commit's)."""
        args = ["-F", "-z", "--no-color", *mode]
        prefix = ""
        if self.head == WORKTREE:
            args.append("--untracked")
        elif self.head == INDEX:
            args.append("--cached")
        # Needles go through stdin: an inventory of 100,000 entries is far more than an
        # argument list can hold (E2BIG). `-f` drops the CR of a CRLF line end, so a needle
        # ending in CR keeps to the argument list.
        piped = [needle for needle in needles if not needle.endswith("\r")]
        for needle in needles:
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
                return "", prefix
            raise FatalError(
                f"git grep failed in {self._git.cwd} ({complaint(exc)}); "
                "check the pathspecs and that the repository is intact."
            ) from exc
        return output, prefix

    def grep_lines(
        self, needles: Sequence[str], pathspecs: Sequence[str]
    ) -> dict[str, tuple[tuple[int, str], ...]]:
        """path → (line number, line) of every line holding one of ``needles`` (fixed
        strings), in the files on the head side that ``pathspecs`` select; git reads them.

        Files git takes for binary are not searched. Lines are decoded like ``decode``'s input
        would be as UTF-8, undecodable bytes kept as surrogates.
        """
        usable = [needle for needle in dict.fromkeys(needles) if needle and "\n" not in needle]
        if not usable or not pathspecs:
            return {}
        args = ["-F", "-n", "-z", "-I", "--no-color", "--no-column"]
        for needle in usable:
            args += ["-e", needle]
        prefix = ""
        if self.head == WORKTREE:
            args.append("--untracked")
        elif self.head == INDEX:
            args.append("--cached")
        else:
            args.append(self.head)
            prefix = f"{self.head}:"
        found: dict[str, list[tuple[int, str]]] = {}
        for chunk in chunks(pathspecs):
            try:
                output = self._git("grep", *args, "--", *chunk)
            except GitError as exc:
                if exc.status == 1:  # no match
                    continue
                raise FatalError(
                    f"git grep failed in {self._git.cwd} ({complaint(exc)}); "
                    "check that the repository is intact."
                ) from exc
            for name, number, line in _GREP_LINE().findall(output):
                found.setdefault(name.removeprefix(prefix), []).append((int(number), line))
        return {path: tuple(lines) for path, lines in sorted(found.items())}

    def blob_ids(self, pathspecs: Sequence[str]) -> dict[str, str] | None:
        """path → blob id of the index's files that ``pathspecs`` select (one ``git ls-files
        -s``); None on the other sides, where ids are not to be had as cheaply. A blob id
        names its content, so what was read from it can be looked up in ``cache``."""
        if self.head != INDEX or not pathspecs:
            return None
        blobs: dict[str, str] = {}
        for chunk in chunks(pathspecs):
            blobs.update(self._index_blobs(("--", *chunk)))
        return blobs

    def expect_blob_ids(self, pathspecs: Sequence[str]) -> None:
        """Start the listing a later ``blob_ids(pathspecs)`` reads, so that git lists while
        this process goes on; nothing when it would take more than one command."""
        if self.head == INDEX and pathspecs and len(list(chunks(pathspecs))) == 1:
            self._start(("ls-files", "-z", "-s", "--", *pathspecs))

    def attributes(self, paths: Sequence[str], names: Sequence[str]) -> dict[str, dict[str, str]]:
        """path → attribute → value (``set``, ``unset`` or the value) for ``names``, as git
        resolves the ``.gitattributes`` files of the head side; unspecified ones are left out.

        One ``git check-attr --stdin`` for all paths. A commit's attributes are read through a
        temporary index (``--source`` needs git 2.40), never the repository's, holding only the
        ``.gitattributes`` files that can apply (at the root and in each folder on the way to a
        path): reading the whole tree into it would cost time that grows with the repository.
        """
        wanted = [path for path in dict.fromkeys(paths) if _valid_path(path)]
        if not wanted or not names:
            return {}
        args, stdin = self._attributes_query(wanted, names)
        if self.head in (INDEX, WORKTREE):
            output = self._check_attr(self._git, args, stdin)
        else:
            import tempfile

            entries = self._attribute_files(wanted)
            with tempfile.TemporaryDirectory(prefix="inventory-lint-") as scratch:
                index = os.path.join(scratch, "index")
                runner = Git(self._git.cwd, {**self._git.env, "GIT_INDEX_FILE": index})
                if entries:
                    listed = "".join(f"{entry}\0" for entry in entries)
                    info = listed.encode("utf-8", "surrogateescape")
                    try:
                        runner("update-index", "-z", "--add", "--index-info", stdin=info)
                    except GitError as exc:
                        raise FatalError(
                            f"cannot read the attributes of {self.head} in {self._git.cwd} "
                            f"({complaint(exc)}); {remedy(exc)}."
                        ) from exc
                output = self._check_attr(runner, args, stdin)
        found: dict[str, dict[str, str]] = {}
        fields = output.split("\0")
        for start in range(0, len(fields) - 2, 3):
            path, name, value = fields[start : start + 3]
            if value != "unspecified":
                found.setdefault(path, {})[name] = value
        return found

    def expect_attributes(self, paths: Sequence[str], names: Sequence[str]) -> None:
        """Start the ``check-attr`` a later ``attributes(paths, names)`` reads (index and work
        tree), so that git answers while this process goes on."""
        wanted = [path for path in dict.fromkeys(paths) if _valid_path(path)]
        if wanted and names and self.head in (INDEX, WORKTREE):
            args, stdin = self._attributes_query(wanted, names)
            self._start(("check-attr", *args), stdin)

    def _attributes_query(
        self, wanted: Sequence[str], names: Sequence[str]
    ) -> tuple[tuple[str, ...], bytes]:
        """The arguments and input of the one ``check-attr`` for ``wanted``: of the index (a
        commit's is a temporary one) or of the work tree."""
        stdin = "".join(f"{path}\0" for path in wanted).encode("utf-8", "surrogateescape")
        cached = () if self.head == WORKTREE else ("--cached",)
        return (*cached, "-z", "--stdin", *names), stdin

    def _start(self, argv: tuple[str, ...], stdin: bytes | None = None) -> None:
        key = (*argv, stdin)
        if key not in self._started:
            self._started[key] = self._git.start(*argv, stdin=stdin)

    def _take(self, argv: tuple[str, ...], stdin: bytes | None = None) -> Running:
        """The command started ahead for ``argv`` and ``stdin``, else started now."""
        started = self._started.pop((*argv, stdin), None)
        return started if started is not None else self._git.start(*argv, stdin=stdin)

    def _attribute_files(self, paths: Sequence[str]) -> list[str]:
        """``mode sha\tpath`` of the commit's ``.gitattributes`` files at the root and in each
        folder holding one of ``paths`` (one ``git ls-tree``, which walks only those trees)."""
        folders = {""}
        for path in paths:
            parts = path.split("/")[:-1]
            folders.update("/".join(parts[:stop]) + "/" for stop in range(1, len(parts) + 1))
        names = [f"{folder}.gitattributes" for folder in sorted(folders)]
        literal = Git(self._git.cwd, {**self._git.env, "GIT_LITERAL_PATHSPECS": "1"})
        found = []
        for chunk in chunks(names):
            for record in run(literal, "ls-tree", "-z", "--full-tree", self.head, *chunk).split(
                "\0"
            ):
                info, _, path = record.partition("\t")
                if info:
                    mode, kind, sha = info.split(" ")
                    if kind == "blob":
                        found.append(f"{mode} {sha}\t{path}")
        return found

    def _check_attr(self, runner: Git, args: Sequence[str], stdin: bytes) -> str:
        try:
            if runner is self._git:
                return self._take(("check-attr", *args), stdin).result()
            return runner("check-attr", *args, stdin=stdin)
        except GitError as exc:
            raise FatalError(
                f"git check-attr failed in {runner.cwd} ({complaint(exc)}); {remedy(exc)}."
            ) from exc

    # -- implementation; changeset.py reads both sides of a change through the public
    # read_blob, read_disk, on_disk and root_path below ---------------------------------------

    def _list(self, pathspecs: Sequence[str] = ()) -> tuple[str, ...]:
        """Every file, or those ``pathspecs`` select (then nothing is kept for later reads)."""
        if not pathspecs:
            LISTINGS[0] += 1
        limit = ("--", *pathspecs) if pathspecs else ()
        if self.head == WORKTREE:
            output = run(
                self._git, "ls-files", "-z", "--cached", "--others", "--exclude-standard", *limit
            )
            names = {name for name in output.split("\0") if name and not name.endswith("/")}
            # Tracked files deleted from disk and submodule directories drop out here.
            return tuple(sorted(name for name in names if self.on_disk(name)))
        blobs: dict[str, str] = {}
        if self.head == INDEX:
            blobs = self._index_blobs(limit)
        else:
            # ls-tree takes no pathspec magic: its paths are read literally here.
            runner = self._git
            if pathspecs:
                runner = Git(runner.cwd, {**runner.env, "GIT_LITERAL_PATHSPECS": "1"})
            output = run(runner, "ls-tree", "-r", "-z", "--full-tree", self.head, *limit)
            for record in output.split("\0"):
                if record:
                    info, _, path = record.partition("\t")
                    _mode, kind, sha = info.split(" ")
                    if kind == "blob":
                        blobs[path] = sha
        if not pathspecs:
            self._blobs = blobs
        return tuple(sorted(blobs))

    def _index_blobs(self, limit: Sequence[str]) -> dict[str, str]:
        """path → blob id of the index's files (those ``limit``, ``("--", *pathspecs)``,
        selects), leaving out submodules and unmerged paths."""
        blobs: dict[str, str] = {}
        listing = finish(self._take(("ls-files", "-z", "-s", *limit)), self._git, "ls-files")
        for record in listing.split("\0"):
            if record:
                info, _, path = record.partition("\t")
                mode, sha, stage = info.split(" ")
                if stage == "0" and int(mode, 8) != GITLINK:
                    blobs[path] = sha
        return blobs

    def _blob_name(self, path: str) -> str:
        if self._blobs is not None:
            return self._blobs.get(path, "")
        # ":0:" names stage 0 explicitly, so a path like "1:x" is not read as a stage.
        return f":0:{path}" if self.head == INDEX else f"{self.head}:{path}"

    def _blobs_reader(self) -> CatFile:
        if self._reader is None:
            self._reader = self._git.cat_file("--batch")
        return self._reader

    def _blob_header(self, name: str) -> tuple[str, int] | None:
        # The blob reader, when it runs, answers too (its content drained): no second process.
        reader = self._checker or self._reader
        if reader is None:
            reader = self._checker = self._git.cat_file("--batch-check")
        try:
            found = reader.header(name)
            if found is not None and reader is self._reader:
                reader.content(found[2], keep=False)
        except (OSError, ValueError) as exc:
            raise self._unreadable(name) from exc
        return (found[0], found[2]) if found is not None and found[1] == "blob" else None

    def expect_reads(self) -> None:
        """Start the blob reader now, so that it starts while git answers something else."""
        self._blobs_reader()

    def _read(self, path: str, limit: int | None) -> Content:
        if self.head == WORKTREE:
            return self.read_disk(path, limit)
        return self.read_blob(self._blob_name(path), limit)

    def read_blob(self, name: str, limit: int | None) -> Content:
        """The blob ``name`` (a sha, ``rev:path`` or ``:0:path``); over ``limit`` bytes, unread."""
        return self.read_blobs([name], limit).get(name, ABSENT)

    def read_blobs(self, names: Sequence[str], limit: int | None) -> dict[str, Content]:
        """Each blob of ``names`` as ``read_blob`` reads it, through the persistent
        ``cat-file --batch``: its header gives type and size before the content, and content
        that is not wanted is drained in chunks. The names go a few kilobytes at a time, then
        their answers are read, so git does not wait on this process between blobs."""
        wanted = [name for name in dict.fromkeys(names) if name and "\n" not in name]
        if not wanted:
            return {}
        reader = self._blobs_reader()
        found: dict[str, Content] = {}
        for batch in asked_batches(wanted):
            name = batch[0]
            try:
                reader.ask(batch)
                for name in batch:
                    READS[0] += 1
                    found[name] = self._answer(reader, limit)
            except (OSError, ValueError) as exc:  # the reader died: a broken pipe, a short read
                raise self._unreadable(name) from exc
        return found

    def _answer(self, reader: CatFile, limit: int | None) -> Content:
        header = reader.answer()
        if header is None:
            return ABSENT
        _sha, kind, size = header
        keep = kind == "blob" and (limit is None or size <= limit)
        data = reader.content(size, keep=keep)
        if keep:
            return data, False
        return TOO_LARGE if kind == "blob" else ABSENT

    def _unreadable(self, name: str) -> FatalError:
        """The blob reader stopped (it exits on a blob it cannot get): one process of its own
        asks git for the reason."""
        try:
            self._git("cat-file", "-e", name)
            reason, advice = "git cat-file stopped", "check that the repository is intact"
        except GitError as exc:
            reason, advice = complaint(exc), remedy(exc)
        return FatalError(f"cannot read object {name} in {self._git.cwd} ({reason}); {advice}.")

    def _visible(self, paths: Sequence[str]) -> set[str]:
        """The paths git counts as work-tree files: tracked, or untracked and not ignored."""
        found: set[str] = set()
        for chunk in chunks(paths):
            output = run(
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

    def root_path(self, path: str) -> str:
        """``path`` in the work tree, whatever the directories on the way are."""
        return self._tree.root_path(path)

    def on_disk(self, path: str) -> bool:
        """Whether ``path`` is a file or a symlink in the work tree, reached through no link."""
        return self._tree.on_disk(path)

    def read_disk(self, path: str, limit: int | None) -> Content:
        """``path`` in the work tree (a symlink's target text); over ``limit`` bytes, unread."""
        return self._tree.read_disk(path, limit)
