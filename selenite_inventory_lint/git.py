"""Running git: the process runner, its errors, and finding the repository (docs/usage.md).

With ``snapshot.py`` and ``changeset.py`` this is the git layer: no other module runs git or
runs git. Plumbing commands (rev-parse, diff-index, ls-files, grep, ...) are one short
process each, run by ``Git``; blobs come through one persistent ``git cat-file`` process,
``CatFile``, started only when a blob is first read. GitPython is not imported: its import
costs more than a whole pre-commit run (docs/design-decisions.md).

Every git command runs with ``GIT_OPTIONAL_LOCKS=0`` and only plumbing that neither writes an
index nor takes a lock: ``git commit -a`` runs its hooks while holding ``.git/index.lock``
with ``GIT_INDEX_FILE`` pointing at a temporary index, and we must read that one.
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.records import Record

_NO_GIT = "git is not installed or not on PATH; install git (or set GIT_PYTHON_GIT_EXECUTABLE)."
_ARGV_CHUNK = 500
_DRAIN_CHUNK = 1024 * 1024
# Input written to a started command at once: well under any pipe's buffer.
_EARLY_INPUT = 16 * 1024
# Names asked of a blob reader before reading its answers: far below any pipe's buffer.
_ASK_AT_ONCE = 4096
# git processes this process started: each costs a fork and git's start-up, which the
# pre-commit hook pays on every commit; tests count them.
PROCESSES = [0]

# The repository is the one --repo names: a GIT_DIR or GIT_WORK_TREE inherited from the
# caller does not redirect the discovery (every later command names both explicitly).
DISCOVERY: dict[str, str | None] = {"GIT_DIR": None, "GIT_WORK_TREE": None}


@functools.cache
def _git_on_path(path: str) -> str:
    """The git of ``path`` (``PATH``), found once: each process is then started by its full
    name rather than by trying every folder in turn. Relative entries are skipped, since git
    runs in the repository's folder and must never be one of its files; "git" when none is
    found (the error then comes from starting it)."""
    for folder in path.split(os.pathsep):
        candidate = os.path.join(folder, "git")
        if os.path.isabs(folder) and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return "git"


class GitError(Exception):
    """A git command that exited non-zero."""

    def __init__(self, status: int, stderr: str) -> None:
        super().__init__(stderr)
        self.status = status
        self.stderr = stderr


class Git:
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
        self._executable = os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or _git_on_path(
            os.environ.get("PATH", os.defpath)
        )

    def environment(self) -> dict[str, str]:
        environment = {**os.environ, **self.env, "LANGUAGE": "C", "LC_ALL": "C"}
        for name in self._unset:
            environment.pop(name, None)
        return environment

    def argv(self, command: str, *args: str) -> tuple[str, ...]:
        return (self._executable, *self._options, command, *args)

    def __call__(self, command: str, *args: str, stdin: bytes | None = None) -> str:
        return self.start(command, *args, stdin=stdin).result()

    def start(self, command: str, *args: str, stdin: bytes | None = None) -> Running:
        """The command started, its output collected by ``Running.result``: git works on it
        while this process goes on (two cores answer a commit sooner than one)."""
        PROCESSES[0] += 1
        try:
            process = subprocess.Popen(
                self.argv(command, *args),
                cwd=self.cwd,
                env=self.environment(),
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            if not os.path.isdir(self.cwd):
                raise FatalError(f"cannot run git in {self.cwd}: it does not exist.") from exc
            raise FatalError(_NO_GIT) from exc
        except OSError as exc:  # not executable, too many open files, ...
            raise FatalError(f"cannot run {self._executable}: {exc.strerror or exc}.") from exc
        return Running(process, stdin)

    def cat_file(self, mode: str) -> CatFile:
        """A persistent ``git cat-file --batch`` (or ``--batch-check``) reader."""
        return CatFile(self, mode)


class Running:
    """A started git command (``Git.start``). Input that fits a pipe's buffer is written at
    once, so git can answer before ``result`` is asked for; more is written by ``result``
    (writing it all first could fill both pipes and stop both processes)."""

    def __init__(self, process: subprocess.Popen[bytes], stdin: bytes | None) -> None:
        self._process = process
        self._input = stdin
        if stdin is not None and len(stdin) <= _EARLY_INPUT and process.stdin is not None:
            try:
                process.stdin.write(stdin)
                process.stdin.flush()
            except BrokenPipeError:  # git exited early: ``result`` reports its status
                pass
            self._input = None
        # Reaped when dropped unread (a run that stopped on an error): no zombie stays.
        self._finalizer = weakref.finalize(self, _drop, process)

    def discard(self) -> None:
        """Stop it now, its output unread."""
        self._finalizer()

    def result(self) -> str:
        """The output, less one trailing newline; a ``GitError`` when git failed."""
        out, err = self._process.communicate(self._input)
        self._finalizer.detach()
        if self._process.returncode != 0:
            raise GitError(self._process.returncode, err.decode("utf-8", "surrogateescape"))
        text = out.decode("utf-8", "surrogateescape")
        return text[:-1] if text.endswith("\n") else text


def _drop(process: subprocess.Popen[bytes]) -> None:
    """Stop a started command whose output nobody reads: closing its pipes ends it."""
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    process.wait()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        with contextlib.suppress(OSError):  # the reader died with data unflushed
            process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - a reader that ignores end of input
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


class CatFile:
    """One ``git cat-file --batch``/``--batch-check`` process answering name after name.

    ``header`` gives (sha, type, size), or None for a name git cannot resolve; with
    ``--batch`` the content follows and ``stream`` reads it. A reader that stopped
    answering (git exits on an object it cannot get) is an ``OSError``.
    """

    def __init__(self, runner: Git, mode: str) -> None:
        PROCESSES[0] += 1
        try:
            self._process = subprocess.Popen(
                runner.argv("cat-file", mode),
                cwd=runner.cwd,
                env=runner.environment(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except FileNotFoundError as exc:
            raise FatalError(_NO_GIT) from exc
        except OSError as exc:
            raise FatalError(f"cannot run git cat-file: {exc.strerror or exc}.") from exc
        # Stopped when the reader is dropped, as GitPython's were: no process outlives its use.
        self._finalizer = weakref.finalize(self, _stop, self._process)

    def close(self) -> None:
        self._finalizer()

    def header(self, name: str) -> tuple[str, str, int] | None:
        if "\n" in name:
            return None  # one name a line: git could not be asked about it
        self.ask([name])
        return self.answer()

    def ask(self, names: Sequence[str]) -> None:
        """Send ``names`` (none holding a newline) at once; ``answer`` then reads their headers
        in order. Names that fill a pipe's buffer could stop both processes: ``asked_batches``
        gives runs of about ``_ASK_AT_ONCE`` bytes."""
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(b"".join(name.encode("utf-8", "surrogateescape") + b"\n" for name in names))
        stdin.flush()

    def answer(self) -> tuple[str, str, int] | None:
        """The header of the next name asked: (sha, type, size), or None when git cannot
        resolve it."""
        stdout = self._process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line.endswith(b"\n"):
            raise OSError("git cat-file stopped answering")
        text = line[:-1].decode("utf-8", "surrogateescape")
        if text.endswith((" missing", " ambiguous")):
            return None
        sha, kind, size = text.split(" ")
        return sha, kind, int(size)

    def content(self, size: int, *, keep: bool) -> bytes:
        """The ``size`` bytes that follow the last ``--batch`` header; when not ``keep``, read
        in chunks and dropped (b"")."""
        stdout = self._process.stdout
        assert stdout is not None
        data = stdout.read(size) if keep else b""
        left = size - len(data)
        while not keep and left > 0:
            chunk = stdout.read(min(left, _DRAIN_CHUNK))
            if not chunk:
                break
            left -= len(chunk)
        if left or stdout.read(1) != b"\n":
            raise OSError("git cat-file stopped answering")
        return data


def first_line(exc: GitError) -> str:
    """The first line git wrote to stderr."""
    text = exc.stderr.strip()
    return text.splitlines()[0] if text else ""


def complaint(exc: GitError) -> str:
    """What went wrong, for a message: git's first line, or its exit status."""
    return first_line(exc) or f"exit status {exc.status}"


def remedy(exc: GitError) -> str:
    """What to do about a failed command, for a message."""
    if "promisor remote" in exc.stderr:
        return (
            "this is a partial clone and the object is not in it: its promisor remote could "
            "not be reached to fetch it. Make the remote reachable (network, credentials) or "
            "run in a full clone (no --filter)"
        )
    return "check that the repository is intact and readable"


def run(runner: Git, command: str, *args: str) -> str:
    """The output of a command that is expected to succeed; a ``FatalError`` when it fails."""
    return finish(runner.start(command, *args), runner, command)


def finish(started: Running, runner: Git, command: str) -> str:
    """The output of a command ``runner`` started, expected to succeed, as ``run`` gives it."""
    try:
        return started.result()
    except GitError as exc:
        raise FatalError(
            f"git {command} failed in {runner.cwd} ({complaint(exc)}); {remedy(exc)}."
        ) from exc


def asked_batches(names: Sequence[str]) -> Iterator[list[str]]:
    """``names`` in runs of about ``_ASK_AT_ONCE`` bytes, one name at least, for
    ``CatFile.ask``."""
    batch: list[str] = []
    size = 0
    for name in names:
        if batch and size >= _ASK_AT_ONCE - 512:
            yield batch
            batch, size = [], 0
        batch.append(name)
        size += len(name.encode("utf-8", "surrogateescape")) + 1
    if batch:
        yield batch


def chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    """``items`` in slices short enough for one command line."""
    for start in range(0, len(items), _ARGV_CHUNK):
        yield items[start : start + _ARGV_CHUNK]


class Found(Record):
    """What one ``rev-parse`` tells of the repository around a folder (``discover``)."""

    top: Path
    git_dir: str
    # HEAD's commit; None on an unborn branch or when HEAD names no commit.
    head: str | None


def discover(start: Path) -> Found:
    """The work tree containing ``start``: its top, git directory and HEAD, in one process
    (two on an unborn branch), handed to ``open_repo`` and the change set."""
    directory = start if start.is_dir() else start.parent
    if not directory.is_dir():
        raise FatalError(f"{start} does not exist; pass a directory inside a git repository.")
    runner = Git(directory, DISCOVERY)
    ask = ("rev-parse", "--absolute-git-dir", "--show-toplevel")
    try:
        try:
            lines = runner(*ask, "--verify", "--quiet", "HEAD^{commit}").split("\n")
        except GitError as exc:
            if exc.status != 1:
                raise
            lines = runner(*ask).split("\n")  # no commit yet, or HEAD names no commit
    except GitError as exc:
        _refuse_dubious_ownership(exc, directory)
        raise FatalError(
            f"{start} is not inside a git repository's work tree; run the command from "
            "inside one or point --repo at it."
        ) from exc
    if len(lines) not in (2, 3):  # a path holding a line break: one question a call
        git_dir = runner("rev-parse", "--absolute-git-dir")
        return Found(Path(runner("rev-parse", "--show-toplevel")), git_dir, None)
    return Found(Path(lines[1]), lines[0], lines[2] if len(lines) == 3 else None)


def find_root(start: Path) -> Path:
    """The top of the git work tree containing ``start``."""
    return discover(start).top


def git_dirs(root: Path) -> tuple[Path, ...]:
    """The git directories of the work tree at ``root`` (its own and, for a linked worktree,
    the shared one), real paths: no file under them is ever written (docs/security.md)."""
    runner, top = open_repo(root)
    common = run(runner, "rev-parse", "--git-common-dir")
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


def open_repo(root: Path, found: Found | None = None) -> tuple[Git, Path]:
    """A runner bound to the repository of the work tree at ``root``, and its top directory;
    ``found``, what ``discover`` said of that top, saves asking git again."""
    where = root.absolute()
    if not where.is_dir():
        raise FatalError(
            f"{root} is not inside a git repository; run the command from inside one or "
            "point --repo at it."
        )
    asking = Git(where, DISCOVERY)
    try:
        # One process for both; a path holding a line break gets one call per value.
        both = (
            [found.git_dir, str(found.top)]
            if found is not None and found.top == where
            else asking("rev-parse", "--absolute-git-dir", "--show-toplevel").split("\n")
        )
        if len(both) != 2:
            both = [asking("rev-parse", "--absolute-git-dir")]
            both.append(asking("rev-parse", "--show-toplevel"))
        git_dir, top = both[0], Path(both[1])
    except GitError as exc:
        _refuse_dubious_ownership(exc, where)
        try:
            asking("rev-parse", "--git-dir")
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
    return Git(top, env), top
