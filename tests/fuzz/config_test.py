"""Fuzz: the configuration loader on arbitrary data and arbitrary file bytes
(docs/configuration.md).

A repository's own `.inventory-lint.yaml` or `pyproject.toml` is as hostile as the rest of a
pull request: whatever it holds gives a ``Config`` or a ``FatalError`` (exit 2), nothing else.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint.config import CONFIG_FILE, load_config, parse_config
from selenite_inventory_lint.errors import FatalError

from . import budget
from .strategies import content, lines

TARGET = "config loader"
SHARE = budget.share(3)

KEYS = st.sampled_from(
    (
        "inventory",
        "dialect",
        "column_policy",
        "guard_functions",
        "sections",
        "sources",
        "path_roots",
        "env_ignore",
        "config_files",
        "data_plans",
        "exclude",
        "select",
        "ignore",
        "severity",
        "max_file_bytes",
        "python",
        "alembic",
        "MIG101",
        "schema",
        "",
    )
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.sampled_from(("sqlite", "postgresql", "added", "error", "none", "MIG1", "**/x", "[")),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(KEYS, SCALARS), inner, max_size=4),
    ),
    max_leaves=12,
)
YAML_WORDS = (
    "inventory: ",
    "dialect: ",
    "sections:\n  ",
    "sources:\n  python: ",
    "severity:\n  MIG101: ",
    "max_file_bytes: ",
    "select: [",
    "]",
    "- ",
    "  ",
    ": ",
    "&a ",
    "*a",
    "<<: *a",
    "!!python/object/apply:os.system ['touch x']",
    "!!binary ",
    "? ",
    "{",
    "}",
    "'",
    '"',
    "---\n",
    "...\n",
    "%TAG ! tag:x,2000:\n",
    "1e309",
    "0x1F",
    "~",
    "[[[[[[[[",
)
TOML_WORDS = (
    "[tool.selenite-inventory-lint]\n",
    "[tool]\n",
    "tool = 1\n",
    "[[tool]]\n",
    "tool.selenite-inventory-lint = 3\n",
    "inventory = ",
    "select = [",
    "]",
    '"',
    "'''",
    "max_file_bytes = 10\n",
    "[tool.selenite-inventory-lint.severity]\n",
    "MIG101 = ",
    "{",
    "}",
    "=",
)


def _load(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / name).write_bytes(data)
        message = "ok"
        try:
            load_config(root)
        except FatalError as exc:
            message = str(exc).strip()
        assert message
        assert "\n" not in message


@SHARE
@given(data=st.dictionaries(st.one_of(KEYS, SCALARS), VALUES, max_size=5) | VALUES)
@budget.counted(TARGET)
def test_parse_config_on_any_data(data: Any) -> None:
    message = CONFIG_FILE
    try:
        parse_config(data, CONFIG_FILE, {"inventory": 1})
    except FatalError as exc:
        message = str(exc)
    assert message.startswith(CONFIG_FILE)


@SHARE
@given(data=content(lines(YAML_WORDS)))
@budget.counted(TARGET)
def test_yaml_file_of_any_bytes(data: bytes) -> None:
    _load(CONFIG_FILE, data)


@SHARE
@given(data=content(lines(TOML_WORDS)))
@budget.counted(TARGET)
def test_pyproject_of_any_bytes(data: bytes) -> None:
    _load("pyproject.toml", data)


@budget.few()
@given(depth=st.integers(1, 20_000), opener=st.sampled_from(("[", "{a: ", "- ", "a:\n ")))
@budget.counted(TARGET)
def test_deeply_nested_yaml(depth: int, opener: str) -> None:
    _load(CONFIG_FILE, ("inventory: " + opener * depth).encode())


@budget.few()
@given(depth=st.integers(1, 20_000), opener=st.sampled_from(("[", "{a = ", "[[")))
@budget.counted(TARGET)
def test_deeply_nested_toml(depth: int, opener: str) -> None:
    head = "[tool.selenite-inventory-lint]\nselect = "
    _load("pyproject.toml", (head + opener * depth).encode())
