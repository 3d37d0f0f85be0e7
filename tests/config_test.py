"""`.inventory-lint.yaml` and `[tool.selenite-inventory-lint]`: discovery, validation, messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from selenite_inventory_lint.config import (
    Config,
    Settings,
    changed_keys,
    load_config,
    parse_config,
    read_settings,
)
from selenite_inventory_lint.errors import FatalError


def test_zero_config_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config()
    assert config.column_policy == "added"
    assert config.dialect == "sqlite"


def test_yaml_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".inventory-lint.yaml").write_text(
        "\ufeffinventory: docs/DATA_INVENTORY.md\n"
        "dialect: postgresql\n"
        "column_policy: all\n"
        "guard_functions: [column_exists]\n"
        "sections:\n  Persistent Volumes: paths\n  Notes: none\n"
        "sources:\n  sql: ['db/migrations/*.sql']\n"
        "select: [INV, MIG1]\nignore: MIG107\n"
        "severity: {MIG107: error}\n"
        "max_file_bytes: 1024\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.inventory == "docs/DATA_INVENTORY.md"
    assert config.dialect == "postgres"
    assert config.column_policy == "all"
    assert config.guard_functions == ("column_exists",)
    assert config.sections == {"persistent volumes": "paths", "notes": None}
    assert config.sources_for("sql", ()) == ("db/migrations/*.sql",)
    assert config.sources_for("alembic", ("x",)) == ("x",)
    assert config.select == ("INV", "MIG1")
    assert config.ignore == ("MIG107",)
    assert config.severity == {"MIG107": "error"}
    assert config.max_file_bytes == 1024
    assert config.source == ".inventory-lint.yaml"


def test_pyproject_table_is_read_when_there_is_no_yaml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.selenite-inventory-lint]\ncolumn_policy = "table"\n',
        encoding="utf-8",
    )
    assert load_config(tmp_path).column_policy == "table"


def test_pyproject_without_our_table_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n", encoding="utf-8")
    assert load_config(tmp_path) == Config()


def test_yaml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / ".inventory-lint.yaml").write_text("column_policy: all\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.selenite-inventory-lint]\ncolumn_policy = "table"\n', encoding="utf-8"
    )
    assert load_config(tmp_path).column_policy == "all"


def test_explicit_config_file(tmp_path: Path) -> None:
    custom = tmp_path / "lint.yaml"
    custom.write_text("dialect: mysql\n", encoding="utf-8")
    assert load_config(tmp_path, custom).dialect == "mysql"
    toml = tmp_path / "custom.toml"
    toml.write_text('[tool.selenite-inventory-lint]\ndialect = "mysql"\n', encoding="utf-8")
    assert load_config(tmp_path, toml).dialect == "mysql"
    empty_toml = tmp_path / "empty.toml"
    empty_toml.write_text("", encoding="utf-8")
    assert load_config(tmp_path, empty_toml).dialect == "sqlite"
    with pytest.raises(FatalError, match="does not exist"):
        load_config(tmp_path, tmp_path / "missing.yaml")


def test_empty_yaml_file_is_the_defaults(tmp_path: Path) -> None:
    (tmp_path / ".inventory-lint.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert load_config(tmp_path).column_policy == "added"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "colum_policy: all\n",
            r"\.inventory-lint\.yaml:1: config key 'colum_policy' is unknown "
            r"\(did you mean 'column_policy'\?\)",
        ),
        (
            "dialect: oracle\n",
            r":1: config key 'dialect' must be one of sqlite, postgres, mysql, not 'oracle'",
        ),
        ("column_policy: 3\n", r"config key 'column_policy' must be a string, not int"),
        (
            "\n\nexclude: {a: 1}\n",
            r"\.inventory-lint\.yaml:3: config key 'exclude' must be a list of strings",
        ),
        ("sections: [a]\n", r"config key 'sections' must be a mapping"),
        ("sections:\n  Storage: files\n", r":2: config key 'sections\.Storage' must be one of"),
        ("sources:\n  flyway: ['*.sql']\n", r":2: config key 'sources\.flyway' is unknown"),
        ("sources:\n  sql: 3\n", r"config key 'sources\.sql' must be a list of strings"),
        (
            "severity:\n  MIG101: fatal\n",
            r":2: config key 'severity\.MIG101' must be one of error, warning, info",
        ),
        (
            "severity:\n  nope: error\n",
            r"config key 'severity\.nope' is invalid: 'NOPE' is not a rule code",
        ),
        (
            "select: [SQL1]\n",
            r"config key 'select' is invalid: 'SQL1' is not a rule code or prefix",
        ),
        ("max_file_bytes: -1\n", r"config key 'max_file_bytes' must be a positive whole number"),
        ("max_file_bytes: true\n", r"config key 'max_file_bytes' must be a positive whole number"),
        ("- a\n- b\n", r"the configuration must be a mapping"),
        ("column_policy: [all\n", r"\.inventory-lint\.yaml:2: the configuration is not valid YAML"),
        ("a: !!python/object:os.system x\n", r"not valid YAML"),
    ],
)
def test_invalid_yaml_config_names_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / ".inventory-lint.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FatalError, match=message):
        load_config(tmp_path)


def test_invalid_pyproject_names_key_and_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.selenite-inventory-lint]\n# comment\ncolumn_policy = "tables"\n', encoding="utf-8"
    )
    with pytest.raises(
        FatalError, match=r"pyproject\.toml:3: config key 'column_policy' must be one of"
    ):
        load_config(tmp_path)


def test_broken_toml_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.selenite-inventory-lint\n", encoding="utf-8")
    with pytest.raises(FatalError, match=r"pyproject\.toml: the file is not valid TOML"):
        load_config(tmp_path)


def test_undecodable_config_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / ".inventory-lint.yaml").write_bytes(b"dialect: \xff\xfe\n")
    with pytest.raises(FatalError, match="cannot read the configuration"):
        load_config(tmp_path)


def test_parse_config_of_none_is_defaults() -> None:
    assert parse_config(None, "x.yaml") == Config(source="x.yaml")


# Regressions found by the fuzz suite (tests/fuzz/config_test.py).


@pytest.mark.parametrize("text", ["tool = 1\n", 'tool = "x"\n', "tool = [1]\n"])
def test_pyproject_whose_tool_is_not_a_table_gives_defaults(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    assert load_config(tmp_path) == Config()


@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_deeply_nested_yaml_config_is_one_clear_error(tmp_path: Path, opener: str) -> None:
    (tmp_path / ".inventory-lint.yaml").write_text("exclude: " + opener * 5000, encoding="utf-8")
    with pytest.raises(FatalError, match=r"^\.inventory-lint\.yaml"):
        load_config(tmp_path)


def test_plans_from_base_only_is_read_and_must_be_true_or_false(tmp_path: Path) -> None:
    (tmp_path / ".inventory-lint.yaml").write_text("plans_from_base_only: true\n", "utf-8")
    assert load_config(tmp_path).plans_from_base_only is True
    (tmp_path / ".inventory-lint.yaml").write_text("\nplans_from_base_only: 'yes'\n", "utf-8")
    with pytest.raises(FatalError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == (
        ".inventory-lint.yaml:2: config key 'plans_from_base_only' must be true or false."
    )


def test_aliases_within_the_bound_are_read(tmp_path: Path) -> None:
    (tmp_path / ".inventory-lint.yaml").write_text(
        "exclude: &skip [tests/, docs/]\nconfig_files: *skip\nplans_from_base_only: true\n",
        "utf-8",
    )
    config = load_config(tmp_path)
    assert config.exclude == config.config_files == ("tests/", "docs/")


@pytest.mark.parametrize(
    ("old", "new", "keys"),
    [
        ("ignore: [MIG]\n", "ignore: [MIG]\n", ()),
        ("ignore: [MIG]\n", "ignore: [MIG1]\n", ("ignore",)),
        ("a: 1\n", "severity: {MIG101: info}\n", ("a", "severity.MIG101")),
        (
            "severity: {MIG101: info, MIG102: info}\n",
            "severity: {MIG101: info}\n",
            ("severity.MIG102",),
        ),
        ("sources: {sql: [a]}\n", "sources: 1\n", ("sources",)),
        ("", None, (".inventory-lint.yaml",)),
        (None, "", (".inventory-lint.yaml",)),
        ("select: [INV]\n", None, ("select",)),
    ],
)
def test_changed_keys_name_what_differs(
    old: str | None, new: str | None, keys: tuple[str, ...]
) -> None:
    def settings(text: str | None) -> Settings | None:
        return None if text is None else read_settings(".inventory-lint.yaml", text, "x")

    assert changed_keys(settings(old), settings(new)) == keys
