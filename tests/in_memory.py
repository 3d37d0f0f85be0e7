"""Change sets built from texts instead of git, for tests that need no repository."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from selenite_inventory_lint import globs
from selenite_inventory_lint.model import FileChange, FileStatus


@dataclass(frozen=True, slots=True)
class MemorySnapshot:
    files: Mapping[str, bytes] = field(default_factory=dict)

    def paths(self) -> tuple[str, ...]:
        return tuple(sorted(self.files))

    def exists(self, path: str) -> bool:
        return path in self.files

    def paths_matching(
        self, *, folders: Sequence[str] = (), name: str | None = None, stem: bool = False
    ) -> tuple[str, ...]:
        def base(path: str) -> str:
            found = posixpath.basename(path)
            return posixpath.splitext(found)[0] if stem else found

        return tuple(
            p
            for p in self.paths()
            if (base(p) == name if name is not None else p.startswith(tuple(folders)))
        )

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        return {p: self.files[p] for p in paths if p in self.files}

    def grep(
        self, needles: Sequence[str], pathspecs: Sequence[str] = ()
    ) -> dict[str, tuple[str, ...]]:
        """Like ``changeset.Snapshot.grep`` (fixed strings). Pathspecs are plain paths,
        ``:(glob)PATTERN`` or ``:(exclude,glob)PATTERN``."""
        include = [s for s in pathspecs if not s.startswith(":(exclude,glob)")]
        exclude = [s.removeprefix(":(exclude,glob)") for s in pathspecs if s not in include]

        def selected(path: str) -> bool:
            if any(globs.match(pattern, path) for pattern in exclude):
                return False
            return not include or any(
                globs.match(spec.removeprefix(":(glob)"), path)
                if spec.startswith(":(glob)")
                else spec == path
                for spec in include
            )

        files = {p: d for p, d in self.files.items() if selected(p)}
        return {
            needle: tuple(sorted(p for p, d in files.items() if needle and needle.encode() in d))
            for needle in needles
        }

    def attributes(self, paths: Sequence[str], names: Sequence[str]) -> dict[str, dict[str, str]]:
        """No ``.gitattributes`` outside git: nothing is marked."""
        return {}

    def blob_ids(self, pathspecs: Sequence[str]) -> dict[str, str] | None:
        """Like ``changeset.Snapshot.blob_ids`` on a commit: no ids to be had cheaply."""
        return None

    def expect_attributes(self, paths: Sequence[str], names: Sequence[str]) -> None:
        """Nothing to start ahead: the answers are in memory."""

    def expect_blob_ids(self, pathspecs: Sequence[str]) -> None:
        """Nothing to start ahead: the answers are in memory."""

    def grep_lines(
        self, needles: Sequence[str], pathspecs: Sequence[str]
    ) -> dict[str, tuple[tuple[int, str], ...]]:
        """Like ``changeset.Snapshot.grep_lines``. Pathspecs are ``:(literal)PREFIX`` or
        ``:(glob)PATTERN``."""

        def selected(path: str) -> bool:
            return any(
                path.startswith(spec.removeprefix(":(literal)"))
                if spec.startswith(":(literal)")
                else globs.match(spec.removeprefix(":(glob)"), path)
                for spec in pathspecs
            )

        found: dict[str, tuple[tuple[int, str], ...]] = {}
        for path, data in sorted(self.files.items()):
            if b"\0" in data[:8000] or not selected(path):
                continue
            lines = data.decode("utf-8", "surrogateescape").split("\n")
            hits = tuple(
                (n, line) for n, line in enumerate(lines, 1) if any(x in line for x in needles)
            )
            if hits:
                found[path] = hits
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryChangeSet:
    base: str | None
    head: str
    files: tuple[FileChange, ...]
    snapshot: MemorySnapshot


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8-sig", errors="replace")


def file_change(path: str, old: bytes | None, new: bytes | None) -> FileChange:
    status: FileStatus = "added" if old is None else "deleted" if new is None else "modified"
    binary = any(b"\x00" in d[:8000] for d in (old, new) if d is not None)
    return FileChange(
        status=status,
        path=path,
        old_path=None if old is None else path,
        old_bytes=old,
        new_bytes=new,
        old_text=None if binary else _text(old),
        new_text=None if binary else _text(new),
        binary=binary,
        loaded=True,
    )


def changeset_from_texts(
    before: Mapping[str, str | bytes], after: Mapping[str, str | bytes]
) -> MemoryChangeSet:
    """Two trees of files → the change set between them (renames appear as delete + add)."""

    def _bytes(value: str | bytes) -> bytes:
        return value.encode() if isinstance(value, str) else value

    old = {p: _bytes(v) for p, v in before.items()}
    new = {p: _bytes(v) for p, v in after.items()}
    files = tuple(
        file_change(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    )
    return MemoryChangeSet(base="BASE", head="HEAD", files=files, snapshot=MemorySnapshot(new))
