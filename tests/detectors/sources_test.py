"""detectors/sources.py decides from paths what every registered detector reads."""

from __future__ import annotations

import pytest

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, registry
from selenite_inventory_lint.detectors.sources import CLAIMS, claimants
from selenite_inventory_lint.pipeline import wants


def test_every_detector_has_its_claim_in_registry_order() -> None:
    assert list(CLAIMS) == [detector.name for detector in registry()]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("backend/alembic/versions/0001_init.py", ("alembic", "env", "paths")),
        ("backend/alembic/versions/__init__.py", ("env", "paths")),
        ("db/migrations/0001_init.sql", ("sql",)),
        ("db/schema.sql", ("schema_snapshot",)),
        ("db/down/0001.sql", ()),
        ("backend/selenite.db", ("schema_snapshot", "config_files")),
        (".env.example", ("env", "config_files")),
        ("web/src/app.tsx", ("env",)),
        ("docker-compose.yml", ("env",)),
        ("README.md", ()),
    ],
)
def test_claimants_by_path(path: str, expected: tuple[str, ...]) -> None:
    ctx = DetectContext(config=Config())
    assert claimants(path, ctx) == expected
    assert expected == tuple(d.name for d in registry() if d.claims(path, ctx))
    assert wants(Config())(path) == bool(expected)


def test_plans_and_the_inventory_are_read_though_no_detector_claims_them() -> None:
    config = Config()
    assert wants(config)(f"{config.data_plans}/drop-users.md")
    assert wants(config)("docs/DATA_INVENTORY.md")
    assert not wants(config)("docs/notes.md")
