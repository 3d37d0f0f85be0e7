"""Pipeline steps: data roots, `exclude` for every detector, one parse per file."""

from __future__ import annotations

from pathlib import Path

import pytest
from in_memory import changeset_from_texts

from selenite_inventory_lint import pipeline
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.inventory.parse import parse_inventory

REFERENCE = Path(__file__).parent / "inventory" / "fixtures" / "reference.md"
DROP = (
    'from alembic import op\n\nrevision = "0002"\ndown_revision = None\n\n\n'
    'def upgrade():\n    op.drop_table("users")\n'
)


def roots(inventory: str, config: Config | None = None) -> tuple[str, ...]:
    parsed = parse_inventory(inventory, "DATA_INVENTORY.md", {})
    return pipeline.path_roots(config or Config(), parsed)


def test_reference_roots_are_the_spec_examples() -> None:
    reference = REFERENCE.read_text(encoding="utf-8")
    assert roots(reference) == ("backend/models/", "logs/", "storage/")


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (["storage/media/", "storage/media/thumbs/"], ("storage/media/",)),
        (["backend/models/", "backend/uploads/"], ("backend/",)),
        (["storage/*/cache/", "logs/app.log"], ("logs/", "storage/")),
        (["*.log", "data"], ()),
    ],
)
def test_roots_are_the_deepest_common_directory_per_top_level(
    entries: list[str], expected: tuple[str, ...]
) -> None:
    inventory = "## Storage Paths\n" + "".join(f"- `{e}` (data)\n" for e in entries)
    assert roots(inventory) == expected


def test_configured_roots_win_and_are_normalised() -> None:
    config = Config(path_roots=("./data", "cache/"))
    assert roots(REFERENCE.read_text(encoding="utf-8"), config) == ("cache/", "data/")


def run(files: dict[str, str], config: Config) -> list[str]:
    reference = REFERENCE.read_text(encoding="utf-8")
    changeset = changeset_from_texts(
        {"DATA_INVENTORY.md": reference}, {"DATA_INVENTORY.md": reference, **files}
    )
    result = pipeline.run(changeset, config, selection=pipeline.Selection())
    return [f"{f.code} {f.path}" for f in result.findings]


def test_exclude_applies_to_every_detector() -> None:
    files = {
        "tests/alembic/versions/0002_drop.py": DROP,
        "backend/alembic/versions/0002_drop.py": DROP,
    }
    found = run(files, Config())
    assert "MIG101 backend/alembic/versions/0002_drop.py" in found
    assert not any(f.endswith("tests/alembic/versions/0002_drop.py") for f in found)
    assert "MIG101 tests/alembic/versions/0002_drop.py" in run(files, Config(exclude=()))


def test_excluded_files_are_not_even_loaded() -> None:
    wants = pipeline.wants(Config())
    assert wants("backend/app/config.py")
    assert wants(".env")
    assert not wants("backend/tests/config_test.py")
    assert not wants("web/src/api.test.ts")
    assert wants("tests/DATA_INVENTORY.md")


def test_each_python_file_is_parsed_once_for_every_detector_that_reads_it() -> None:
    from selenite_inventory_lint.detectors.python import source

    revision = (
        "import os\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
        'revision = "0002"\ndown_revision = None\nSTORE = os.getenv("UPLOADS_DIR")\n\n\n'
        'def upgrade():\n    op.add_column("users", sa.Column("phone", sa.Text()))\n'
    )
    settings = 'import os\n\nKEY = os.environ["SECRET_KEY"]\n'
    before = {
        "DATA_INVENTORY.md": b"# Inventory\n\n## Database\n- `users`: accounts.\n",
        "app/settings.py": b"import os\n",
    }
    after = {
        **before,
        "alembic/versions/0002_phone.py": revision.encode(),
        "app/settings.py": settings.encode(),
    }
    changeset = changeset_from_texts(before, after)
    parses = source.PARSES[0]
    result = pipeline.run(changeset, Config(), selection=pipeline.Selection())
    # The revision is read by the Alembic, env and paths detectors, the settings module (old
    # and new side) by env and paths: three texts, three parses.
    assert source.PARSES[0] - parses == 3
    assert {c.change.name for c in result.changes} >= {"users.phone", "SECRET_KEY", "UPLOADS_DIR"}


def test_placing_a_change_in_time_keeps_every_other_field() -> None:
    from selenite_inventory_lint.model import Change
    from selenite_inventory_lint.pipeline.detect import with_sequence

    change = Change(
        kind="column",
        name="jobs.status",
        action="renamed",
        old_name="jobs.state",
        path="db/0002.sql",
        line=3,
        source="sql",
        sequence=0,
        guarded=True,
        guard=7,
    )
    placed = with_sequence(change, 5)
    assert type(placed) is Change
    assert placed == change._replace(sequence=5)
    assert placed.sequence == 5
    assert placed.guard == 7
