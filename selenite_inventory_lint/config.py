"""`.inventory-lint.yaml` / `[tool.selenite-inventory-lint]` → Config (SPEC §6).

``load_config`` reads one file; ``parse_config`` validates the decoded mapping purely and names
the file and line of every unknown key or wrong type.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import SEVERITIES, SectionKind, Severity

CONFIG_FILE = ".inventory-lint.yaml"
PYPROJECT_TABLE = "selenite-inventory-lint"

DIALECTS = ("sqlite", "postgres", "mysql")
COLUMN_POLICIES = ("added", "table", "all")
SECTION_KINDS: tuple[SectionKind | None, ...] = ("schema", "paths", "configuration", None)

# Per-detector path globs (SPEC §6 `sources`). A key left out keeps the detector's default.
SOURCE_KEYS = (
    "alembic",
    "sql",
    "schema_snapshots",
    "rollback_sql",
    "python",
    "env_files",
    "javascript",
    "yaml_env",
    "shell",
    "models",
)

DEFAULT_EXCLUDE = (
    "tests/",
    "test/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "__tests__/",
    "*.test.*",
    "*.spec.*",
)
# SPEC §3.6, plus Django's `db.sqlite3`.
DEFAULT_CONFIG_FILES = (".env*", ".workspace-*", "*.db", "*.sqlite", "*.sqlite3")
DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
CODE_RE = re.compile(r"^(INV|MIG|PLAN|SUP)\d{0,3}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    inventory: str | None = None
    dialect: str = "sqlite"
    column_policy: str = "added"
    guard_functions: tuple[str, ...] = ()
    sections: Mapping[str, SectionKind | None] = field(default_factory=dict)
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    path_roots: tuple[str, ...] | None = None
    env_ignore: tuple[str, ...] = ()
    config_files: tuple[str, ...] = DEFAULT_CONFIG_FILES
    data_plans: str = "docs/data-plans/"
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    # Where the settings came from ("" for built-in defaults), for messages.
    source: str = ""

    def sources_for(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        return self.sources.get(key, default)


def _str_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


class _Validator:
    def __init__(self, source: str, lines: Mapping[str, int]) -> None:
        self.source = source
        self.lines = lines

    def fail(self, key: str, message: str) -> FatalError:
        line = self.lines.get(key)
        where = f"{self.source}:{line}" if line else self.source
        return FatalError(f"{where}: config key '{key}' {message}.")

    def string(self, key: str, value: object, choices: tuple[str, ...] = ()) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {type(value).__name__}")
        if choices and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, not '{value}'")
        return value

    def strings(self, key: str, value: object) -> tuple[str, ...]:
        result = _str_list(value)
        if result is None:
            raise self.fail(key, "must be a list of strings")
        return result

    def mapping(self, key: str, value: object) -> Mapping[str, Any]:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise self.fail(key, "must be a mapping with string keys")
        return value

    def codes(self, key: str, value: object) -> tuple[str, ...]:
        codes = self.strings(key, value)
        for code in codes:
            if not CODE_RE.match(code):
                raise self.fail(key, f"names '{code}', which is not a rule code or prefix")
        return codes


def _unknown(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"is unknown{hint}"


def parse_config(data: object, source: str, lines: Mapping[str, int] | None = None) -> Config:
    """Validate a decoded config mapping; ``lines`` maps top-level keys to their line."""
    if data is None:
        return Config(source=source)
    v = _Validator(source, lines or {})
    if not isinstance(data, dict):
        raise FatalError(f"{source}: the configuration must be a mapping of keys to values.")
    known = tuple(f.name for f in Config.__dataclass_fields__.values() if f.name != "source")
    kwargs: dict[str, Any] = {"source": source}
    for key, value in data.items():
        if not isinstance(key, str) or key not in known:
            raise v.fail(str(key), _unknown(str(key), known))
        if key in ("inventory", "data_plans"):
            kwargs[key] = v.string(key, value)
        elif key == "dialect":
            kwargs[key] = v.string(key, "postgres" if value == "postgresql" else value, DIALECTS)
        elif key == "column_policy":
            kwargs[key] = v.string(key, value, COLUMN_POLICIES)
        elif key in ("guard_functions", "env_ignore", "config_files", "exclude", "path_roots"):
            kwargs[key] = v.strings(key, value)
        elif key in ("select", "ignore"):
            kwargs[key] = v.codes(key, value)
        elif key == "sections":
            sections: dict[str, SectionKind | None] = {}
            for heading, kind in v.mapping(key, value).items():
                if kind not in SECTION_KINDS and kind != "none":
                    raise v.fail(
                        f"sections.{heading}",
                        "must be one of schema, paths, configuration, none",
                    )
                sections[heading.strip().lower()] = None if kind in (None, "none") else kind
            kwargs[key] = sections
        elif key == "sources":
            sources: dict[str, tuple[str, ...]] = {}
            for name, globs in v.mapping(key, value).items():
                if name not in SOURCE_KEYS:
                    raise v.fail(f"sources.{name}", _unknown(name, SOURCE_KEYS))
                sources[name] = v.strings(f"sources.{name}", globs)
            kwargs[key] = sources
        elif key == "severity":
            levels: dict[str, Severity] = {}
            for code, level in v.mapping(key, value).items():
                if not CODE_RE.match(code):
                    raise v.fail(f"severity.{code}", "is not a rule code")
                if level not in SEVERITIES:
                    raise v.fail(f"severity.{code}", f"must be one of {', '.join(SEVERITIES)}")
                levels[code] = level
            kwargs[key] = levels
        elif key == "max_file_bytes":
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise v.fail(key, "must be a positive whole number of bytes")
            kwargs[key] = value
    return Config(**kwargs)


def _yaml_lines(text: str) -> dict[str, int]:
    """Top-level key → 1-based line, from the YAML node tree (safe: compose builds no objects)."""
    import yaml

    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines[str(key_node.value)] = key_node.start_mark.line + 1
                if isinstance(value_node, yaml.MappingNode):
                    for sub_key, _ in value_node.value:
                        if isinstance(sub_key, yaml.ScalarNode):
                            dotted = f"{key_node.value}.{sub_key.value}"
                            lines[dotted] = sub_key.start_mark.line + 1
    return lines


def _load_yaml(path: Path, display: str) -> Config:
    import yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FatalError(f"{display}: cannot read the configuration ({exc}).") from exc
    try:
        data = yaml.safe_load(text)
        lines = _yaml_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{display}:{mark.line + 1}" if mark is not None else display
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise FatalError(f"{where}: the configuration is not valid YAML ({problem}).") from exc
    except RecursionError as exc:
        raise FatalError(f"{display}: the configuration is nested too deeply to read.") from exc
    return parse_config(data, display, lines)


def _load_pyproject(path: Path, display: str) -> Config | None:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FatalError(f"{display}: cannot read the configuration ({exc}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FatalError(f"{display}: the file is not valid TOML ({exc}).") from exc
    except RecursionError as exc:
        raise FatalError(f"{display}: the file is nested too deeply to read.") from exc
    tool = data.get("tool")
    table = tool.get(PYPROJECT_TABLE) if isinstance(tool, dict) else None
    if table is None:
        return None
    lines = _toml_lines(path.read_text(encoding="utf-8-sig"))
    return parse_config(table, display, lines)


def _toml_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    inside = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("["):
            inside = stripped.strip("[] ") == f"tool.{PYPROJECT_TABLE}"
            continue
        if inside and "=" in stripped and not stripped.startswith("#"):
            lines.setdefault(stripped.split("=", 1)[0].strip().strip('"'), number)
    return lines


def load_config(repo_root: Path, explicit: Path | None = None) -> Config:
    """The repository's configuration, or the defaults when it has none (zero config)."""
    if explicit is not None:
        if not explicit.is_file():
            raise FatalError(
                f"{explicit}: the configuration file given with --config does not exist."
            )
        if explicit.suffix == ".toml":
            return _load_pyproject(explicit, str(explicit)) or Config(source=str(explicit))
        return _load_yaml(explicit, str(explicit))
    yaml_path = repo_root / CONFIG_FILE
    if yaml_path.is_file():
        return _load_yaml(yaml_path, CONFIG_FILE)
    pyproject = repo_root / "pyproject.toml"
    if pyproject.is_file():
        config = _load_pyproject(pyproject, "pyproject.toml")
        if config is not None:
            return config
    return Config()
