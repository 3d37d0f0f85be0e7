"""What was read from a blob, kept between runs in the user's cache directory
(docs/performance.md "A cache of what blobs say").

A blob id or a content hash names the content, so what was read from it (a revision's header
lines, a parsed inventory) holds in every repository and every later run of the same reader.
The hook reads the same unchanged revisions and the same base inventory commit after commit;
kept here, they cost a dictionary lookup instead of a ``git grep`` and a parse.

The files live in ``$XDG_CACHE_HOME/selenite-inventory-lint/`` (``~/.cache/…`` by default),
never in the repository. A store's file name carries the reader's fingerprint (the tool's
version, Python's marshal format and the reading modules' size and modification time), so a
new version or an edited checkout starts a new file instead of trusting old answers.
``SELENITE_INVENTORY_LINT_NO_CACHE`` (any non-empty value) turns the cache off, and so does
``CI``; only the hook's reading of the index (``check --staged``) uses it. The cache is
an accelerator only: a file that cannot be read, written or understood counts as empty, and a
run never fails because of it. Files are written to a fresh name and renamed over the old
one, so a reader never sees half a file and nothing is written through a symbolic link.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from selenite_inventory_lint import __version__

DISABLE = "SELENITE_INVENTORY_LINT_NO_CACHE"
FOLDER = "selenite-inventory-lint"
# A store holding more than this many answers keeps only those its last run used: loading
# it stays a few milliseconds.
MOST = 20_000
# Cache files this process loaded and saved; tests count them.
LOADS = [0]
SAVES = [0]


def directory() -> str | None:
    """The cache folder, or None when the cache is off or there is no home to put it in.

    Off in CI (``CI`` set): a CI cache can be restored from what another pull request's job
    saved, and a gate must not take its answers from there (docs/security.md)."""
    if os.environ.get(DISABLE) or os.environ.get("CI"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, FOLDER)


def _fingerprint(sources: Sequence[str]) -> str:
    parts = [__version__, f"py{sys.version_info[0]}{sys.version_info[1]}m{marshal.version}"]
    for source in sources:
        try:
            info = os.stat(source)
        except OSError:
            return ""
        parts.append(f"{info.st_size:x}.{info.st_mtime_ns:x}")
    return "-".join(parts)


class Store:
    """One kind of answer (``kind``), keyed by blob id or content hash, read by the modules
    ``sources`` (their files' size and modification time are part of the key).

    ``valid`` checks one loaded answer's shape; an answer that fails it is a miss.
    """

    def __init__(
        self, kind: str, sources: Sequence[str], valid: Callable[[Any], bool] | None = None
    ) -> None:
        self.kind = kind
        self._valid = valid
        self._folder = directory()
        fingerprint = _fingerprint(sources)
        if not fingerprint:
            self._folder = None
        self._name = f"{kind}-{fingerprint}.marshal"
        self._known: dict[str, Any] | None = None
        self._used: set[str] = set()
        self._added = False

    @property
    def enabled(self) -> bool:
        return self._folder is not None

    def _load(self) -> dict[str, Any]:
        if self._known is None:
            self._known = {}
            if self._folder is not None:
                found = _read(os.path.join(self._folder, self._name))
                if isinstance(found, dict):
                    self._known = found
        return self._known

    def get(self, key: str) -> Any:
        """The answer kept for ``key``, or None."""
        if self._folder is None:
            return None
        value = self._load().get(key)
        if value is None or (self._valid is not None and not self._valid(value)):
            return None
        self._used.add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        """Keep ``value`` (made of str, int, bool, None, tuples, lists and dicts) for ``key``."""
        if self._folder is None:
            return
        self._load()[key] = value
        self._used.add(key)
        self._added = True

    def save(self) -> None:
        """Write the store when this run added answers; failures are ignored."""
        if self._folder is None or not self._added or self._known is None:
            return
        known = self._known
        if len(known) > MOST:
            known = {key: known[key] for key in self._used if key in known}
        if _write(self._folder, self._name, known):
            self._added = False


class Shelf:
    """One large answer a file (a parsed inventory), keyed by blob id, in a folder of its own
    per ``kind`` and reader fingerprint; only the ``kept`` most recently used files stay."""

    def __init__(self, kind: str, sources: Sequence[str], kept: int = 16) -> None:
        folder = directory()
        fingerprint = _fingerprint(sources)
        self._folder = (
            os.path.join(folder, f"{kind}-{fingerprint}") if folder and fingerprint else None
        )
        self._kept = kept

    @property
    def enabled(self) -> bool:
        return self._folder is not None

    def get(self, blob: str) -> Any:
        """The answer kept for the blob ``blob`` (its hexadecimal id), or None."""
        if self._folder is None or not _BLOB_ID.fullmatch(blob):
            return None
        path = os.path.join(self._folder, f"{blob}.marshal")
        found = _read(path)
        if found is not None:
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: kept longer
        return found

    def put(self, blob: str, value: Any) -> None:
        """Keep ``value`` for the blob ``blob``, dropping the least recently used files."""
        if self._folder is None or not _BLOB_ID.fullmatch(blob):
            return
        if not _write(self._folder, f"{blob}.marshal", value):
            return
        try:
            with os.scandir(self._folder) as found:
                files = [e for e in found if e.name.endswith(".marshal") and e.is_file()]
            if len(files) > self._kept:
                files.sort(key=lambda e: (e.stat().st_mtime_ns, e.name))
                for old in files[: len(files) - self._kept]:
                    os.unlink(old.path)
        except OSError:
            return


_BLOB_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _read(path: str) -> Any:
    """The value marshalled in ``path``; None when it cannot be read or understood."""
    LOADS[0] += 1
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _write(folder: str, name: str, value: Any) -> bool:
    """Write ``value`` to ``folder/name`` through a fresh file renamed over it; False when
    it could not be written (the cache is an accelerator: nothing else happens)."""
    try:
        data = marshal.dumps(value)
    except ValueError:  # pragma: no cover - a caller put something marshal cannot hold
        return False
    SAVES[0] += 1
    path = os.path.join(folder, name)
    scratch = f"{path}.{os.getpid()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        descriptor = os.open(scratch, flags, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(scratch, path)
        finally:
            if os.path.lexists(scratch):
                os.unlink(scratch)
    except OSError:
        return False
    return True
