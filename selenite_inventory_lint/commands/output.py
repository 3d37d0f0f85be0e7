"""Output shared by the commands: reports, the exit code, and every file written.

Every write — ``check --fix``, ``init``, ``--output``, ``--report FMT=FILE`` — goes through
``write_atomically``, which never follows a symbolic link (docs/rules.md, trust model). The rule:

- a target inside the repository is reached from the repository root one folder at a time
  (``O_NOFOLLOW | O_DIRECTORY``), so a link anywhere on the way — committed or not — is refused;
- a target outside it is reached from its deepest existing folder, taken as it really is
  (the links on the way there belong to the machine, not to the change under review); if that
  folder lies inside the repository the first rule applies, and the folders created below
  it are never links;
- the target itself must be a regular file that is writable, or not exist yet; a link, a FIFO
  or a device there is refused without being opened.

The new bytes go to a temporary file created with ``O_EXCL`` beside the target and renamed
over it, so a reader sees the old bytes or the new ones, and nothing is left behind when the
write fails or is interrupted.
"""

from __future__ import annotations

import argparse
import errno
import os
import stat
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from selenite_inventory_lint.errors import EXIT_FINDINGS, EXIT_OK, FatalError
from selenite_inventory_lint.model import RunResult

# GitHub drops a step summary larger than this.
STEP_SUMMARY_LIMIT = 1024 * 1024
# What git checks a text file out as: the mode of a file that did not exist.
NEW_FILE_MODE = 0o644

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW
# No following a link, no blocking on a FIFO swapped in after lstat.
_READ_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW


def exit_code(result: RunResult, args: argparse.Namespace) -> int:
    return EXIT_FINDINGS if result.errors and not args.exit_zero else EXIT_OK


def _use_color(stream: object, env: Mapping[str, str]) -> bool:
    """Colour on a terminal that is not ``TERM=dumb``; NO_COLOR (no-color.org) turns it off
    and FORCE_COLOR (force-color.org) on, for CI logs that render colour."""
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _split_report(spec: str) -> tuple[str, str]:
    fmt, sep, path = spec.partition("=")
    if not sep or not fmt or not path:
        raise FatalError(f"--report expects FMT=FILE, got '{spec}'.")
    return fmt, path


def write_reports(result: RunResult, args: argparse.Namespace, env: Mapping[str, str]) -> None:
    """Render the main report (stdout or --output) and every --report FMT=FILE."""
    from selenite_inventory_lint import reports
    from selenite_inventory_lint.git import find_root
    from selenite_inventory_lint.reports import text as text_report

    targets = [_split_report(spec) for spec in args.report]
    main_render = reports.get(args.format)
    for fmt, _ in targets:
        reports.get(fmt)  # fail on an unknown format before writing anything
    summary = env.get("GITHUB_STEP_SUMMARY")
    summary_path = Path(summary).resolve() if summary else None
    # GitHub's job summary is shared by every step: a --report aimed at it is appended, and
    # only once, rather than replacing what earlier steps wrote.
    to_summary = [
        reports.get(fmt)(result) for fmt, path in targets if Path(path).resolve() == summary_path
    ]
    files = [
        (Path(path), reports.get(fmt)(result))
        for fmt, path in targets
        if Path(path).resolve() != summary_path
    ]
    if args.output:
        files.append((Path(args.output), main_render(result)))
    if files:
        try:
            root: Path | None = find_root(Path(args.repo))
        except FatalError:  # schema-diff runs outside a repository too
            root = None
        for path, text in files:
            write_atomically(path, text.encode("utf-8"), root=root, display=f"the report {path}")
    if not args.output:
        color = _use_color(sys.stdout, env)
        if args.format == "text" and getattr(args, "statistics", False):
            sys.stdout.write(text_report.statistics(result))
        elif args.format == "text" and getattr(args, "quiet", False):
            sys.stdout.write(text_report.findings_only(result, color=color))
        else:
            sys.stdout.write(main_render(result, color=color))
    if summary and not to_summary and "github" in (args.format, *(fmt for fmt, _ in targets)):
        to_summary.append(reports.get("markdown")(result))
    for text in to_summary:
        append_step_summary(Path(summary or ""), text)


def append_step_summary(path: Path, markdown: str) -> None:
    """Append the markdown report to the job summary, unless it would pass GitHub's limit."""
    data = markdown.encode("utf-8")
    try:
        size = path.stat().st_size if path.exists() else 0
        if size + len(data) > STEP_SUMMARY_LIMIT:
            print(
                f"selenite-inventory-lint: the job summary {path} would pass GitHub's 1 MiB "
                "limit; the report was not added to it.",
                file=sys.stderr,
            )
            return
        with path.open("ab") as summary:
            summary.write(data)
    except OSError as exc:
        raise FatalError(
            f"cannot append to the job summary {path} (GITHUB_STEP_SUMMARY): {exc.strerror or exc}."
        ) from exc


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _deepest_existing(target: Path) -> Path:
    existing = target
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    return existing


def _anchor(path: Path, root: Path | None) -> tuple[Path, tuple[str, ...]]:
    """(a real folder to start from, the components below it) for ``path``; see the module."""
    real_root = Path(os.path.realpath(root)) if root is not None else None
    # Lexical: ".." is settled on the text, never by following a link.
    target = Path(os.path.abspath(path))
    if real_root is not None and _inside(target, real_root):
        return real_root, target.relative_to(real_root).parts
    existing = _deepest_existing(target.parent)
    start = Path(os.path.realpath(existing))
    rest = target.relative_to(existing).parts
    if real_root is not None and _inside(start, real_root):
        return real_root, (*start.relative_to(real_root).parts, *rest)
    return start, rest


def _refuse_link(display: str, where: str | None = None) -> FatalError:
    what = f"its folder {where}" if where else "it"
    return FatalError(
        f"will not write {display}: {what} is a symbolic link, and no file is ever written "
        "through one; replace the link with a real file or folder, or write elsewhere."
    )


@contextmanager
def _folder(
    path: Path, root: Path | None, display: str, *, create: bool
) -> Iterator[tuple[int, str]]:
    """(descriptor of the target's folder, the target's name), reached without following a
    link; missing folders are created when ``create``."""
    start, parts = _anchor(path, root)
    if not parts:
        raise FatalError(f"will not write {display}: it is a folder, not a file.")
    fd = os.open(start, _DIRECTORY_FLAGS & ~_NOFOLLOW)
    try:
        for depth, part in enumerate(parts[:-1]):
            try:
                child = os.open(part, _DIRECTORY_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(part, 0o777, dir_fd=fd)
                child = os.open(part, _DIRECTORY_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK) and stat.S_ISLNK(
                    os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode
                ):
                    where = "/".join(parts[: depth + 1])
                    raise _refuse_link(display, where) from exc
                raise
            os.close(fd)
            fd = child
        yield fd, parts[-1]
    finally:
        os.close(fd)


def _existing(fd: int, name: str, display: str) -> os.stat_result | None:
    """The target's own status, never following it; refuses what must not be replaced."""
    try:
        info = os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise _refuse_link(display)
    if not stat.S_ISREG(info.st_mode):
        raise FatalError(
            f"will not write {display}: it is not a regular file (a folder, FIFO or device)."
        )
    return info


def _os_error(verb: str, display: str, exc: OSError) -> FatalError:
    return FatalError(f"cannot {verb} {display}: {exc.strerror or exc}.")


def read_regular(path: Path, *, root: Path | None, display: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, reached as ``write_atomically`` reaches it: a
    link, a FIFO or a device is refused (reading a FIFO would block), and so is a file over
    ``limit`` bytes."""
    try:
        with _folder(path, root, display, create=False) as (folder, name):
            info = _existing(folder, name, display)
            if info is None:
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
            if info.st_size > limit:
                raise FatalError(
                    f"will not read {display}: it is {info.st_size} bytes, over max_file_bytes "
                    f"({limit})."
                )
            fd = os.open(name, _READ_FLAGS, dir_fd=folder)
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # pragma: no cover - race
                    raise FatalError(f"will not read {display}: it is not a regular file.")
                data = handle.read(limit + 1)
            if len(data) > limit:  # pragma: no cover - it grew since lstat
                raise FatalError(f"will not read {display}: it is over max_file_bytes ({limit}).")
            return data
    except OSError as exc:
        raise _os_error("read", display, exc) from exc


def write_atomically(
    path: Path, data: bytes, *, root: Path | None, display: str | None = None
) -> None:
    """Replace ``path`` by ``data`` without following a link (see the module), through a
    temporary file in the same folder, keeping the old file's mode; a file without write
    permission is refused, not replaced."""
    display = display or str(path)
    try:
        with _folder(path, root, display, create=True) as (folder, name):
            info = _existing(folder, name, display)
            if info is not None and not (
                info.st_mode & 0o222 and os.access(name, os.W_OK, dir_fd=folder)
            ):
                raise FatalError(
                    f"cannot write {display}: Permission denied. It is read-only; make it "
                    "writable to let it be replaced."
                )
            mode = NEW_FILE_MODE if info is None else stat.S_IMODE(info.st_mode)
            _replace(folder, name, data, mode)
    except OSError as exc:
        raise _os_error("write", display, exc) from exc


def _replace(folder: int, name: str, data: bytes, mode: int) -> None:
    while True:
        temp = f".{name}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(temp, _TEMP_FLAGS, 0o600, dir_fd=folder)
            break
        except FileExistsError:  # pragma: no cover - 32 random bits already taken
            continue
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode)
        os.rename(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        # An error or an interrupt (SIGINT) mid-write: leave no temporary file behind.
        with suppress(OSError):
            os.unlink(temp, dir_fd=folder)
        raise


def refuse_git_dir(path: Path, root: Path, git_dirs: Sequence[Path], display: str) -> None:
    """The inventory is a file of the work tree: never under ``.git`` or the git directory
    (``$GIT_DIR``, a linked worktree's shared one), whatever the configuration says."""
    start, parts = _anchor(path, root)
    real = start.joinpath(*parts)
    # ".git" in any case: a case-insensitive file system opens the same folder.
    named_git = any(part.casefold() == ".git" for part in parts)
    if named_git or any(_inside(real, git_dir) for git_dir in git_dirs):
        raise FatalError(
            f"will not write {display}: it is inside the git directory; the inventory must be "
            "a file of the work tree (fix `inventory:` or --output)."
        )
