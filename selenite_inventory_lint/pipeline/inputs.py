"""What the pipeline reads: the change set's protocols, text decoding, and the inventory
(located, held to the size cap, decoded, parsed) with the data roots it implies."""

from __future__ import annotations

import posixpath
from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, Protocol

from selenite_inventory_lint import globs
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import FileChange

if TYPE_CHECKING:
    from selenite_inventory_lint.inventory.parse import Inventory

INVENTORY_NAME = "DATA_INVENTORY.md"


class Snapshot(Protocol):
    """The head side of a change set: ``changeset.Snapshot`` or ``memory.MemorySnapshot``."""

    def paths(self) -> tuple[str, ...]: ...
    def paths_matching(
        self, *, folders: Sequence[str] = (), name: str | None = None, stem: bool = False
    ) -> tuple[str, ...]: ...
    def exists(self, path: str) -> bool: ...
    def read(self, path: str) -> bytes | None: ...
    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]: ...
    def grep(
        self, needles: Sequence[str], pathspecs: Sequence[str] = ()
    ) -> dict[str, tuple[str, ...]]: ...
    def attributes(
        self, paths: Sequence[str], names: Sequence[str]
    ) -> dict[str, dict[str, str]]: ...
    def grep_lines(
        self, needles: Sequence[str], pathspecs: Sequence[str]
    ) -> dict[str, tuple[tuple[int, str], ...]]: ...
    def blob_ids(self, pathspecs: Sequence[str]) -> dict[str, str] | None: ...
    # Start the git process a later ``attributes`` or ``blob_ids`` reads (nothing to start
    # ahead for a snapshot in memory).
    def expect_attributes(self, paths: Sequence[str], names: Sequence[str]) -> None: ...
    def expect_blob_ids(self, pathspecs: Sequence[str]) -> None: ...


class ChangeSet(Protocol):
    @property
    def base(self) -> str | None: ...
    @property
    def head(self) -> str: ...
    @property
    def files(self) -> tuple[FileChange, ...]: ...
    @property
    def snapshot(self) -> Snapshot: ...


def decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def read_text(snapshot: Snapshot, path: str) -> str | None:
    data = snapshot.read(path)
    return None if data is None else decode(data)


def locate_inventory(snapshot: Snapshot, config: Config, present: Container[str] = ()) -> str:
    """Config ``inventory:``, else DATA_INVENTORY.md at the root, else the shallowest one
    (docs/inventory-format.md). ``present``: paths known to be files on the head side (the
    change set's added and modified files), which git need not be asked about."""
    if config.inventory:
        path = config.inventory.strip("/").removeprefix("./")
        if path not in present and not snapshot.exists(path):
            where = f" (set in {config.source})" if config.source else ""
            raise FatalError(
                f"the inventory '{path}'{where} does not exist; create it or fix `inventory:`."
            )
        return path
    if INVENTORY_NAME in present or snapshot.exists(INVENTORY_NAME):
        return INVENTORY_NAME
    candidates = [p for p in snapshot.paths() if posixpath.basename(p) == INVENTORY_NAME]
    if not candidates:
        raise FatalError(
            f"no {INVENTORY_NAME} found in the repository; write one "
            "(`selenite-inventory-lint init`) or name it with `inventory:` in .inventory-lint.yaml."
        )
    return min(candidates, key=lambda p: (p.count("/"), p))


def load_inventory_text(data: bytes, path: str, config: Config) -> str:
    """The inventory's bytes as text, held to ``max_file_bytes`` like every file read."""
    from selenite_inventory_lint.inventory.text import decode_inventory

    if len(data) > config.max_file_bytes:
        raise FatalError(
            f"the inventory '{path}' is {len(data)} bytes, over max_file_bytes "
            f"({config.max_file_bytes}); split it, or raise `max_file_bytes` in the configuration."
        )
    text = decode_inventory(data)
    if "\0" in text:
        # UTF-16 without a byte order mark, or not text at all: read as UTF-8 it would
        # silently hold no entries.
        raise FatalError(
            f"the inventory '{path}' is not text in a known encoding (it holds NUL bytes); "
            "save it as UTF-8, or as UTF-16 with a byte order mark."
        )
    return text


def read_inventory(
    text: str, path: str, config: Config, *, blob: str = "", base: tuple[str, str] | None = None
) -> Inventory:
    """``text`` parsed; ``blob``, the id of the blob it was read from, lets a reading kept
    from an earlier run serve, and ``base`` (the base side's text and blob id) a reading of
    only the lines that changed (``inventory.kept.read``)."""
    from selenite_inventory_lint.inventory.parse import parse_inventory

    return parse_inventory(text, path, dict(config.sections), blob=blob, base=base)


# docs/usage.md: a file with one of these suffixes is source code, so a directory that tracks
# one is code, not data, and never becomes a data root by inference.
CODE_SUFFIXES = (
    ".py",
    ".pyi",
    ".js",
    ".jsx",
    ".mjs",
    ".cjs",
    ".ts",
    ".tsx",
    ".vue",
    ".svelte",
    ".go",
    ".rs",
    ".rb",
    ".java",
    ".kt",
    ".php",
    ".cs",
    ".c",
    ".h",
    ".cpp",
    ".sh",
)
RELOCATED = "**/"


def path_roots(
    config: Config, inventory: Inventory, snapshot: Snapshot | None = None
) -> tuple[str, ...]:
    """docs/usage.md data roots: config ``path_roots``, else one per top-level directory of the
    inventory's Paths entries — the deepest directory holding all of that directory's entries,
    which gives the spec's ``storage/``, ``logs/``, ``backend/models/`` for the reference (a
    lone ``backend/models/`` must not make all of ``backend/`` a data root). A root below the
    top level widens to its parent when the snapshot tracks no source code under that parent
    (`storage/uploads/` alone makes `storage/` a root). With no Paths entry at all (just
    after `init`), the conventional ``DEFAULT_DATA_ROOTS`` apply."""
    if config.path_roots is not None:
        return tuple(sorted(r.strip("/").removeprefix("./") + "/" for r in config.path_roots))
    from selenite_inventory_lint.inventory.template import DEFAULT_DATA_ROOTS

    groups: dict[str, list[str]] = {}
    entries = [entry for entry in inventory.entries if entry.kind == "path"]
    if not entries:
        return DEFAULT_DATA_ROOTS
    for entry in entries:
        key = entry.key.strip().removeprefix("./")
        directory = key if key.endswith("/") else posixpath.dirname(key)
        parts: list[str] = []
        for part in directory.strip("/").split("/"):
            if not part or globs.is_glob(part):
                break
            parts.append(part)
        if parts:
            groups.setdefault(parts[0], []).append("/".join(parts))
    roots = []
    for dirs in groups.values():
        common = posixpath.commonpath(dirs) if len(dirs) > 1 else dirs[0]
        if "/" in common and snapshot is not None:
            above = posixpath.dirname(common) + "/"
            # Only that folder is listed, not the tree (a 100k-file repository).
            under = snapshot.paths_matching(folders=(above,))
            if not any(p.endswith(CODE_SUFFIXES) for p in under):
                common = above.rstrip("/")
        roots.append(common + "/")
    return tuple(sorted(set(roots)))


def moved_roots(config: Config, inventory: Inventory) -> tuple[str, ...]:
    """Each documented directory of two segments or more, anywhere in the tree
    (``**/storage/media/``), so that moving it under another parent
    (``backend/storage/media/``) is a new path, INV103 (docs/inventory-format.md).
    None when ``path_roots`` is configured: then the roots are exactly those."""
    if config.path_roots is not None:
        return ()
    moved = set()
    for entry in inventory.entries:
        if entry.kind != "path":
            continue
        key = entry.key.strip().removeprefix("./")
        parts = key.strip("/").split("/")
        plain = not globs.is_glob(key) and ".." not in parts and "" not in parts
        # One segment (`storage/`) would make every `…/storage/` in the tree data.
        if key.endswith("/") and plain and len(parts) > 1:
            moved.add(RELOCATED + "/".join(parts) + "/")
    return tuple(sorted(moved))
