"""Data roots on real repositories through `check`: a documented directory's parent, a
directory moved under another parent, and the roots before any Paths entry exists."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo


@pytest.fixture(autouse=True)
def _in_repo(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.path)


def findings(capsys: pytest.CaptureFixture[str], base: str) -> list[str]:
    code = main(["check", "--base", base, "--format", "text"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = [line for line in captured.out.splitlines() if ": INV" in line]
    assert code == (1 if lines else 0), captured.out + captured.err
    return lines


UNCOVERED = "INV103 storage path {} is referenced but not covered by the inventory"


def test_one_documented_directory_makes_its_parent_a_root_unless_the_parent_holds_code(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "DATA_INVENTORY.md",
        "# Data Inventory\n\n## Storage Paths\n"
        "- `storage/uploads/`: user uploads.\n"
        "- `server/models/`: trained model files.\n",
    )
    repo.write("storage/uploads/.gitkeep", "")
    repo.write("server/app.py", "")
    base = repo.commit("base")
    repo.write(
        "server/thumbs.py",
        "from pathlib import Path\n\n"
        'UPLOADS = Path("storage") / "uploads"\n'
        'THUMBNAILS = Path("storage") / "thumbnails"\n'
        'CACHE = Path("server") / "cache"\n',
    )
    repo.commit("thumbnails")
    # `server/` tracks code: only its documented subdirectory is data.
    assert findings(capsys, base) == [
        f"server/thumbs.py:4:14: {UNCOVERED.format('storage/thumbnails/')}"
    ]


MEDIA_INVENTORY = "# Data Inventory\n\n## Storage Paths\n- `storage/media/`: uploaded media.\n"


def test_a_documented_directory_moved_under_another_parent_is_new_and_the_old_entry_stale(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", MEDIA_INVENTORY)
    repo.write("server/media.py", 'MEDIA_ROOT = "storage/media"\n')
    base = repo.commit("base")
    repo.write("server/media.py", 'MEDIA_ROOT = "backend/storage/media"\n')
    repo.commit("move media")
    assert findings(capsys, base) == [
        f"server/media.py:1:14: {UNCOVERED.format('backend/storage/media/')}",
        "server/media.py:1:14: INV201 storage path storage/media/ is no longer referenced "
        "anywhere but the inventory still lists `storage/media/` (DATA_INVENTORY.md:4)",
    ]


def test_a_moved_directory_still_referenced_elsewhere_keeps_its_entry(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", MEDIA_INVENTORY)
    repo.write("server/media.py", 'MEDIA_ROOT = "storage/media"\n')
    repo.write("server/cleanup.py", 'OLD_MEDIA = "storage/media"\n')
    base = repo.commit("base")
    repo.write("server/media.py", 'MEDIA_ROOT = "backend/storage/media"\n')
    repo.commit("move media")
    assert findings(capsys, base) == [
        f"server/media.py:1:14: {UNCOVERED.format('backend/storage/media/')}"
    ]


def test_after_init_the_conventional_data_roots_apply_until_paths_are_documented(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("server/app.py", "")
    repo.commit("code")
    assert main(["init"]) == 0
    capsys.readouterr()
    base = repo.commit("inventory")
    repo.write(
        "server/export.py",
        "from pathlib import Path\n\n"
        'EXPORTS = Path("data") / "exports"\n'
        'ARCHIVE = "backups/nightly/"\n'
        'TEMPLATES = Path("server") / "templates"\n',
    )
    repo.commit("exports")
    assert findings(capsys, base) == [
        f"server/export.py:3:11: {UNCOVERED.format('data/exports/')}",
        f"server/export.py:4:11: {UNCOVERED.format('backups/nightly/')}",
    ]


def test_storage_paths_named_by_tooling_and_tests_are_not_the_applications(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "DATA_INVENTORY.md", "# Inventory\n\n## Storage Paths\n- `storage/media/`: uploads.\n"
    )
    repo.write("app/__init__.py", "")
    base = repo.commit("base")
    tool = 'from pathlib import Path\nROOT = Path("storage")\nSCRATCH = ROOT / "test-media"\n'
    repo.write("scripts/check_hygiene.py", tool)
    repo.write("tests/test_upload.py", tool)
    repo.write("app/thumbs.py", 'from pathlib import Path\nTHUMBS = Path("storage") / "thumbs"\n')
    repo.commit("change")
    main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert [(f["code"], f["path"]) for f in report["findings"]] == [("INV103", "app/thumbs.py")]
