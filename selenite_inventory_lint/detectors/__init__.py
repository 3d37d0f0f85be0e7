"""Detectors: (old text, new text) of one file → data-bearing ``Change`` records.

Each detector module declares what it is in one ``SPEC`` (a ``DetectorSpec``): its name (the
``Change.source`` of everything it finds), its role, its keys under ``sources:``, whether it
may run in a worker process, which operations must be idempotent, and whether it reads a
revision history. The pipeline, ``audit``, the rules and the configuration ask the spec; no
module tests a detector's name. The registry, ``MODULES``, maps names to modules and imports
them lazily; detector modules import their parsers (sqlglot, yaml, ...) inside functions, so
deciding from paths alone (``sources.py``) stays cheap on the pre-commit path. A new detector
is one module with its ``SPEC`` and ``DETECTOR``, one line in ``MODULES`` (and its path claim
in ``sources.py``), and its tests (docs/development.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, Protocol

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.model import (
    DetectorResult,
    FileChange,
    FileStatus,
    Revision,
    Source,
)
from selenite_inventory_lint.records import Record

if TYPE_CHECKING:
    from selenite_inventory_lint.detectors.python.source import Module, Unparsable

# migrations: forward changes applied in order (``audit`` replays them into a schema);
# schema_snapshots: a description of the database, compared old → new (the newest one is the
# schema ``audit`` merges); references: code and config that refer to data by name;
# files: files that are data themselves.
Role = Literal["migrations", "schema_snapshots", "references", "files"]


class DetectorSpec(Record):
    """What a detector is and can do, declared by its module as ``SPEC``."""

    name: Source
    role: Role
    # Its keys under `sources:` in the configuration (globs of the files it reads).
    source_keys: tuple[str, ...]
    # It may run in a forked worker process (``parallel.py``): it reads the file and the
    # context's facts, and the head side seldom (a worker's head answers only ``paths()``, from
    # the listing taken before the fork when ``reads_listing``; any other question sends the
    # file back to the parent).
    self_contained: bool
    # A worker needs the head side's listing (``ctx.head.paths()``) for most of its files.
    reads_listing: bool = False
    # Operations MIG107 asks an existence guard of, when idempotence is the policy.
    idempotent_ops: tuple[str, ...] = ()
    # Reads a revision's identity (id and parents) from its text: the detector keeps a
    # revision history (heads, order, unknown parents: MIG201, MIG203, "earlier in the
    # same change").
    revisions: Callable[[str, str], Revision | None] | None = None


# The registry: name → module, in the order their changes are reported for the same line.
MODULES: Mapping[Source, str] = {
    "alembic": "selenite_inventory_lint.detectors.alembic",
    "sql": "selenite_inventory_lint.detectors.sql",
    "schema_snapshot": "selenite_inventory_lint.detectors.sqlite_schema",
    "env": "selenite_inventory_lint.detectors.env",
    "paths": "selenite_inventory_lint.detectors.paths",
    "config_files": "selenite_inventory_lint.detectors.config_files",
}


class HeadFiles(Protocol):
    """Read access to the head side of the change set (``pipeline.Snapshot`` satisfies it)."""

    def paths(self) -> tuple[str, ...]: ...
    def paths_matching(
        self, *, folders: Sequence[str] = (), name: str | None = None, stem: bool = False
    ) -> tuple[str, ...]: ...
    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]: ...


class ParsedFiles:
    """The parsed texts of the file being read, shared by every detector that reads it: the
    pipeline gives each file a fresh one, so a Python file is parsed once per side however many
    detectors read it, and nothing outlives the file. One made with ``keep=False`` keeps
    nothing (``UNKEPT``)."""

    __slots__ = ("_python",)

    def __init__(self, *, keep: bool = True) -> None:
        self._python: dict[str, Module | Unparsable] | None = {} if keep else None

    def python(self, text: str) -> Module | Unparsable:
        key = text.removeprefix("\ufeff")
        found = self._python.get(key) if self._python is not None else None
        if found is None:
            from selenite_inventory_lint.detectors.python.source import load

            found = load(key)
            if self._python is not None:
                self._python[key] = found
        return found


# The default of a context built outside the pipeline (which gives each file its own): a
# record's default is one object for every context, so it must keep nothing.
UNKEPT = ParsedFiles(keep=False)


class DetectContext(Record):
    """Repository-level facts detectors need besides the file itself."""

    config: Config
    # Alembic version directories (repo-relative, ending in "/") found from alembic.ini.
    alembic_dirs: tuple[str, ...] = ()
    # Top-level data directories (docs/usage.md), from config or the inventory's Paths entries.
    path_roots: tuple[str, ...] = ()
    # The head side, for detectors that need a file's neighbours (SQL migration order and the
    # schema before a rebuild); None when there is no repository (unit tests).
    head: HeadFiles | None = None
    # Status of every file of the change set by path; a rename's old path counts as deleted.
    statuses: Mapping[str, FileStatus] = MappingProxyType({})
    # Extra facts later detectors may need, keyed by name.
    extra: Mapping[str, object] = MappingProxyType({})
    # The parsed texts of the file being read (see ``ParsedFiles``).
    parsed: ParsedFiles = UNKEPT


class Detector(Protocol):
    name: Source

    def claims(self, path: str, ctx: DetectContext) -> bool:
        """Decide from the path alone whether this detector reads the file."""
        ...

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        """Changes the file's new text makes compared with its old text."""
        ...


def spec(name: Source) -> DetectorSpec:
    """The spec of the detector called ``name`` (imports its module)."""
    found: DetectorSpec = importlib.import_module(MODULES[name]).SPEC
    return found


def spec_of(source: str) -> DetectorSpec | None:
    """The spec of the detector that reports changes with ``source``; None for another source
    (``audit``'s survey of a whole repository)."""
    for name in MODULES:
        if name == source:
            return spec(name)
    return None


def specs() -> tuple[DetectorSpec, ...]:
    """Every detector's spec, in the registry's order."""
    return tuple(spec(name) for name in MODULES)


def named(role: Role) -> frozenset[Source]:
    """Names (= change sources) of the detectors with ``role``."""
    return frozenset(s.name for s in specs() if s.role == role)


def source_keys() -> frozenset[str]:
    """Every detector's keys under `sources:`."""
    return frozenset(key for s in specs() for key in s.source_keys)


def detector_called(name: Source) -> Detector:
    """The detector called ``name`` (imports its module and no other)."""
    found: Detector = importlib.import_module(MODULES[name]).DETECTOR
    return found


def registry() -> tuple[Detector, ...]:
    """Every detector, in the order their changes are reported for the same line."""
    return tuple(detector_called(name) for name in MODULES)
