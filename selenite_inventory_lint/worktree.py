"""The work tree side of a snapshot: files on disk, read without following a link or
blocking on a pipe (docs/security.md). ``snapshot.Snapshot`` reads the work tree through it."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from selenite_inventory_lint.errors import FatalError

# No following a symlink, no blocking on a named pipe swapped in after lstat.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)
# Files whose content this process read (blobs and work-tree files): the measure of work that
# grows with the repository rather than the change, which tests count.
READS = [0]

# A side of a file whose content was looked at: the bytes (None when the side does not
# exist) and whether it was over the size cap (then the bytes were never read).
Content = tuple[bytes | None, bool]
ABSENT: Content = (None, False)
TOO_LARGE: Content = (None, True)


class WorkTree:
    """The files under ``root``: a path under a symlinked directory does not exist, and a
    symlink reads as its target text."""

    def __init__(self, root: Path) -> None:
        self._root = os.path.realpath(root)
        self._safe_dirs: dict[str, bool] = {}

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
        return self.root_path(path)

    def root_path(self, path: str) -> str:
        """``path`` in the work tree, whatever the directories on the way are."""
        return os.path.join(self._root, *path.split("/"))

    def on_disk(self, path: str) -> bool:
        """Whether ``path`` is a file or a symlink in the work tree, reached through no link."""
        full = self._full_path(path)
        if full is None:
            return False
        try:
            mode = os.lstat(full).st_mode
        except OSError:
            return False
        return stat.S_ISREG(mode) or stat.S_ISLNK(mode)

    def read_disk(self, path: str, limit: int | None) -> Content:
        """``path`` in the work tree (a symlink's target text); over ``limit`` bytes, unread."""
        full = self._full_path(path)
        if full is None:
            return ABSENT
        try:
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                target = os.fsencode(os.readlink(full))
                return TOO_LARGE if limit is not None and len(target) > limit else (target, False)
            if not stat.S_ISREG(info.st_mode):
                return ABSENT
            if limit is not None and info.st_size > limit:
                return TOO_LARGE
            READS[0] += 1
            with os.fdopen(os.open(full, _OPEN_FLAGS), "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # pragma: no cover - a race
                    return ABSENT
                data = handle.read(-1 if limit is None else limit + 1)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):  # pragma: no cover - a race
                return ABSENT
            raise FatalError(
                f"cannot read {path} in {self._root} ({exc.strerror}); check its permissions."
            ) from exc
        # It may have grown since lstat.
        return TOO_LARGE if limit is not None and len(data) > limit else (data, False)
