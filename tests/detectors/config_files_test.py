"""Config/state and database file detector (docs/usage.md): decided from the path and status."""

from __future__ import annotations

import pytest

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.detectors.config_files import DETECTOR
from selenite_inventory_lint.model import FileChange, FileStatus

CTX = DetectContext(config=Config())


def detect(
    path: str, status: FileStatus = "added", *, binary: bool = False, too_large: bool = False
) -> list[tuple[str, str]]:
    old_path = None if status == "added" else path
    change = FileChange(
        status=status,
        path=path,
        old_path=old_path,
        loaded=True,
        binary=binary,
        too_large=too_large,
    )
    return [(c.kind, c.name) for c in DETECTOR.detect(change, CTX).changes]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (".env", "config_file"),
        ("backend/.env.example", "config_file"),
        (".workspace-role", "config_file"),
        ("deploy/.workspace-state.json", "config_file"),
        ("backend/selenite.db", "database"),
        ("data/cache.sqlite", "database"),
        ("db.sqlite3", "database"),
    ],
)
def test_default_patterns(path: str, kind: str) -> None:
    assert DETECTOR.claims(path, CTX)
    assert detect(path) == [(kind, path)]


@pytest.mark.parametrize(
    "path", ["README.md", "env.py", "backend/.environment/x.txt", "a.dbx", "Cache.DB"]
)
def test_other_files_are_not_claimed(path: str) -> None:
    assert not DETECTOR.claims(path, CTX)
    assert detect(path) == []


@pytest.mark.parametrize(("status", "found"), [("added", 1), ("copied", 1), ("renamed", 1)])
def test_new_at_its_path(status: FileStatus, found: int) -> None:
    assert len(detect(".env.local", status)) == found


@pytest.mark.parametrize("status", ["modified", "deleted"])
def test_modified_and_deleted_files_are_not_new(status: FileStatus) -> None:
    assert detect(".env.local", status) == []


def test_content_is_never_needed() -> None:
    assert detect("data/big.sqlite", binary=True) == [("database", "data/big.sqlite")]
    assert detect("data/huge.db", too_large=True) == [("database", "data/huge.db")]


def test_configured_patterns_replace_the_defaults() -> None:
    ctx = DetectContext(config=Config(config_files=("settings/*.json",)))
    assert DETECTOR.claims("settings/prod.json", ctx)
    assert not DETECTOR.claims(".env", ctx)
