"""The detector registry: each module declares what it is, and everyone asks that."""

from __future__ import annotations

import importlib

from selenite_inventory_lint.config import Config, parse_config
from selenite_inventory_lint.detectors import (
    MODULES,
    DetectContext,
    named,
    registry,
    source_keys,
    spec,
    spec_of,
    specs,
)
from selenite_inventory_lint.detectors.sources import CLAIMS
from selenite_inventory_lint.model import FileChange


def test_every_module_declares_a_spec_under_its_registry_name() -> None:
    for name, module in MODULES.items():
        loaded = importlib.import_module(module)
        assert loaded.SPEC.name == name
        assert loaded.DETECTOR.name == name
    assert [d.name for d in registry()] == list(MODULES)
    assert list(CLAIMS) == list(MODULES)  # one path claim per detector, in the same order


def test_changes_carry_the_name_their_detector_declares() -> None:
    # `audit` once looked for snapshot changes under the detector's old name and never found
    # them: the source of a change and the spec's name are one and the same now.
    change = FileChange(
        status="added",
        path="db/schema.sql",
        new_text="CREATE TABLE users (id INTEGER);\n",
        new_bytes=b"CREATE TABLE users (id INTEGER);\n",
        loaded=True,
    )
    detector = next(d for d in registry() if d.name == "schema_snapshot")
    found = detector.detect(change, DetectContext(config=Config()))
    assert {c.source for c in found.changes} == {"schema_snapshot"}
    assert named("schema_snapshots") == {"schema_snapshot"}
    assert named("migrations") == {"alembic", "sql"}


def test_the_facts_the_pipeline_and_rules_ask_for() -> None:
    assert {s.name for s in specs() if s.self_contained} == {
        "alembic",
        "sql",
        "env",
        "paths",
        "config_files",
    }
    assert [s.name for s in specs() if s.reads_listing] == ["sql"]
    assert [s.name for s in specs() if s.revisions is not None] == ["alembic"]
    assert spec("alembic").idempotent_ops == ("create_table", "add_column", "create_index")
    assert spec("schema_snapshot").idempotent_ops == ()
    assert spec_of("audit") is None


def test_configuration_sources_are_the_detectors_keys() -> None:
    assert source_keys() >= {"alembic", "sql", "schema_snapshots", "python", "yaml_env"}
    for key in source_keys():
        assert parse_config({"sources": {key: ["x/*"]}}, "c.yaml").sources[key] == ("x/*",)
    assert parse_config({"sources": {"models": ["m.py"]}}, "c.yaml").sources["models"]
