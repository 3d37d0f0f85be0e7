"""New tracked config/state and database files (docs/usage.md), decided from the path alone.

A file is new at its path when the change adds, copies or renames it there, and it matches
`config_files` (default ``.env*``, ``.workspace-*``, ``*.db``, ``*.sqlite``, ``*.sqlite3``;
matched case-sensitively, as git does). SQLite files
(``.db``, ``.sqlite``, ``.sqlite3``, ``.db3``) are ``database`` changes, covered by a database
entry (``**Primary DB**``) or a file entry; everything else is a ``config_file``. Content is
never read, so binary and oversized files are handled like any other.
"""

from __future__ import annotations

import posixpath
from typing import Final

from selenite_inventory_lint.detectors import DetectContext, DetectorSpec, sources
from selenite_inventory_lint.model import Change, DetectorResult, FileChange, Kind

SOURCE: Final = "config_files"
DATABASE_SUFFIXES = frozenset({".db", ".sqlite", ".sqlite3", ".db3"})


class ConfigFilesDetector:
    name = "config_files"

    def claims(self, path: str, ctx: DetectContext) -> bool:
        return sources.config_file(path, ctx)

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        if change.status not in ("added", "copied", "renamed") or not self.claims(change.path, ctx):
            return DetectorResult()
        suffix = posixpath.splitext(change.path)[1].lower()
        kind: Kind = "database" if suffix in DATABASE_SUFFIXES else "config_file"
        return DetectorResult(
            changes=(
                Change(
                    kind=kind,
                    name=change.path,
                    action="added",
                    path=change.path,
                    line=1,
                    source=SOURCE,
                    operation="add_file",
                ),
            )
        )


DETECTOR = ConfigFilesDetector()

# Its globs are the `config_files` key, not a `sources:` key.
SPEC = DetectorSpec(name="config_files", role="files", source_keys=(), self_contained=True)
