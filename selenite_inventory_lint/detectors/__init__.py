"""Detectors: (old text, new text) of one file → data-bearing ``Change`` records (SPEC §3).

The registry is explicit (STYLE §3): a new detector is one module plus one line in
``DETECTORS``. Detector modules import their parsers (sqlglot, yaml, ...) inside functions, so
deciding from paths alone stays cheap on the pre-commit path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.model import DetectorResult, FileChange, FileStatus


class HeadFiles(Protocol):
    """Read access to the head side of the change set (``pipeline.Snapshot`` satisfies it)."""

    def paths(self) -> tuple[str, ...]: ...
    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectContext:
    """Repository-level facts detectors need besides the file itself."""

    config: Config
    # Alembic version directories (repo-relative, ending in "/") found from alembic.ini.
    alembic_dirs: tuple[str, ...] = ()
    # Top-level data directories (SPEC §3.5), from config or the inventory's Paths entries.
    path_roots: tuple[str, ...] = ()
    # The head side, for detectors that need a file's neighbours (SQL migration order and the
    # schema before a rebuild); None when there is no repository (unit tests).
    head: HeadFiles | None = None
    # Status of every file of the change set by path; a rename's old path counts as deleted.
    statuses: Mapping[str, FileStatus] = field(default_factory=dict)
    # Extra facts later detectors may need, keyed by name.
    extra: Mapping[str, object] = field(default_factory=dict)


class Detector(Protocol):
    name: str

    def claims(self, path: str, ctx: DetectContext) -> bool:
        """Decide from the path alone whether this detector reads the file."""
        ...

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        """Changes the file's new text makes compared with its old text."""
        ...


# Detectors that read nothing but the file and the context's facts (never ``ctx.head``), so
# that they may run in a forked worker process (``parallel.py``).
SELF_CONTAINED = frozenset({"alembic", "env", "paths", "config_files"})


def registry() -> tuple[Detector, ...]:
    """Every detector, in the order their changes are reported for the same line."""
    from selenite_inventory_lint.detectors.alembic import DETECTOR as ALEMBIC
    from selenite_inventory_lint.detectors.config_files import DETECTOR as CONFIG_FILES
    from selenite_inventory_lint.detectors.env import DETECTOR as ENV
    from selenite_inventory_lint.detectors.paths import DETECTOR as PATHS
    from selenite_inventory_lint.detectors.sql import DETECTOR as SQL
    from selenite_inventory_lint.detectors.sqlite_schema import DETECTOR as SQLITE_SCHEMA

    return (ALEMBIC, SQL, SQLITE_SCHEMA, ENV, PATHS, CONFIG_FILES)
