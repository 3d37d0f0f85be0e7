"""`.inventory-lint.yaml` / `[tool.selenite-inventory-lint]` → Config (docs/configuration.md).

``load_config`` reads one file; ``parse_config`` validates the decoded mapping purely and names
the file and line of every unknown key or wrong type.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import SEVERITIES, SectionKind, Severity
from selenite_inventory_lint.records import Record

CONFIG_FILE = ".inventory-lint.yaml"
PYPROJECT_TABLE = "selenite-inventory-lint"

DIALECTS = ("sqlite", "postgres", "mysql")
COLUMN_POLICIES = ("added", "table", "all")
SECTION_KINDS: tuple[SectionKind | None, ...] = ("schema", "paths", "configuration", None)

# `sources:` keys that are not a detector's: `models`, the SQLAlchemy models `audit` reads.
# Every detector declares its own keys in its spec (``detectors.DetectorSpec.source_keys``).
EXTRA_SOURCE_KEYS = ("models",)


def _source_keys() -> tuple[str, ...]:
    from selenite_inventory_lint.detectors import source_keys

    return tuple(sorted({*source_keys(), *EXTRA_SOURCE_KEYS}))


DEFAULT_EXCLUDE = (
    "tests/",
    "test/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "__tests__/",
    "*.test.*",
    "*.spec.*",
    # Vendored and generated code is not the project's (docs/configuration.md).
    "node_modules/",
    "vendor/",
    "third_party/",
    ".venv/",
    "venv/",
    "site-packages/",
    "dist/",
    "build/",
    "*.min.js",
    "*.bundle.js",
)
# docs/usage.md, plus Django's `db.sqlite3`.
DEFAULT_CONFIG_FILES = (".env*", ".workspace-*", "*.db", "*.sqlite", "*.sqlite3")
DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024


class Config(Record):
    inventory: str | None = None
    dialect: str = "sqlite"
    column_policy: str = "added"
    guard_functions: tuple[str, ...] = ()
    sections: Mapping[str, SectionKind | None] = MappingProxyType({})
    sources: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    path_roots: tuple[str, ...] | None = None
    env_ignore: tuple[str, ...] = ()
    config_files: tuple[str, ...] = DEFAULT_CONFIG_FILES
    data_plans: str = "docs/data-plans/"
    # docs/security.md: plans added or changed inside a range cover nothing.
    plans_from_base_only: bool = False
    # MIG107 is a policy: None follows the inventory's Invariants ("idempotent").
    require_idempotent: bool | None = None
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = MappingProxyType({})
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
        """Rule codes or prefixes, case-insensitive; each must select at least one rule."""
        from selenite_inventory_lint.rules import unknown_code

        codes = tuple(code.strip().upper() for code in self.strings(key, value))
        for code in codes:
            why = unknown_code(code)
            if why is not None:
                raise self.fail(key, f"is invalid: {why}")
        return codes


def _unknown(key: str, known: tuple[str, ...]) -> str:
    import difflib

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
    known = tuple(name for name in Config._fields if name != "source")
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
            source_names = _source_keys()  # the detectors' specs, read only when `sources:` is set
            for name, globs in v.mapping(key, value).items():
                if name not in source_names:
                    raise v.fail(f"sources.{name}", _unknown(name, source_names))
                sources[name] = v.strings(f"sources.{name}", globs)
            kwargs[key] = sources
        elif key == "severity":
            from selenite_inventory_lint.rules import unknown_code

            levels: dict[str, Severity] = {}
            for name, level in v.mapping(key, value).items():
                code = name.strip().upper()
                why = unknown_code(code, prefix=False)
                if why is not None:
                    raise v.fail(f"severity.{name}", f"is invalid: {why}")
                if level not in SEVERITIES:
                    raise v.fail(f"severity.{code}", f"must be one of {', '.join(SEVERITIES)}")
                levels[code] = level
            kwargs[key] = levels
        elif key in ("plans_from_base_only", "require_idempotent"):
            if not isinstance(value, bool):
                raise v.fail(key, "must be true or false")
            kwargs[key] = value
        elif key == "max_file_bytes":
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise v.fail(key, "must be a positive whole number of bytes")
            kwargs[key] = value
    return Config(**kwargs)


class YamlTooLarge(ValueError):
    """YAML whose aliases expand past ``MAX_YAML_NODES`` (a "billion laughs" document)."""


# Real configuration and plan front matter hold a few hundred nodes; 593 bytes of nested
# aliases stood for billions of them (docs/security.md).
MAX_YAML_NODES = 100_000


def read_yaml(text: str) -> tuple[Any, Any]:
    """One YAML document as (node tree, data), built by the safe loader.

    Aliases are counted as the copies they stand for before any object is built, so a small
    document that expands past ``MAX_YAML_NODES`` raises ``YamlTooLarge`` instead of eating
    the CPU and memory of whatever turns it into text. A document nested deeper than Python's
    recursion limit raises ``RecursionError``.
    """
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _expanded_size(node, {})
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(node: Any, seen: dict[int, int]) -> int:
    import yaml

    key = id(node)
    if key in seen:
        return seen[key]
    seen[key] = 1  # a recursive alias counts once: the constructor builds a cycle, not copies
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        children = []
    size = 1
    for child in children:
        size += _expanded_size(child, seen)
        if size > MAX_YAML_NODES:
            raise YamlTooLarge(f"more than {MAX_YAML_NODES} values once aliases are expanded")
    seen[key] = size
    return size


def _yaml_lines(node: Any) -> dict[str, int]:
    """Top-level key → 1-based line, from the YAML node tree."""
    import yaml

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


def _yaml_data(text: str, display: str) -> tuple[Any, dict[str, int]]:
    import yaml

    try:
        node, data = read_yaml(text)
    except yaml.YAMLError as exc:
        # Only the line and the parser's problem: never the offending text itself.
        mark = getattr(exc, "problem_mark", None)
        where = f"{display}:{mark.line + 1}" if mark is not None else display
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise FatalError(f"{where}: the configuration is not valid YAML ({problem}).") from exc
    except YamlTooLarge as exc:
        raise FatalError(
            f"{display}: the configuration's YAML aliases expand too far ({exc}); "
            "write the values out instead of nesting aliases."
        ) from exc
    except RecursionError as exc:
        raise FatalError(f"{display}: the configuration is nested too deeply to read.") from exc
    return data, _yaml_lines(node)


def _toml_table(text: str, display: str) -> object | None:
    """The ``[tool.selenite-inventory-lint]`` table; None when there is none."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FatalError(f"{display}: the file is not valid TOML ({exc}).") from exc
    except RecursionError as exc:
        raise FatalError(f"{display}: the file is nested too deeply to read.") from exc
    tool = data.get("tool")
    return tool.get(PYPROJECT_TABLE) if isinstance(tool, dict) else None


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


class Settings(Record):
    """The configuration as written: its file, the decoded mapping and each key's line."""

    path: str
    data: object
    lines: Mapping[str, int] = MappingProxyType({})


def read_settings(name: str, text: str, display: str) -> Settings | None:
    """The settings in ``text``, the content of ``name`` (`.inventory-lint.yaml` or a
    pyproject file); None for a pyproject file without our table. Pure."""
    if name.endswith(".toml"):
        table = _toml_table(text, display)
        return None if table is None else Settings(path=name, data=table, lines=_toml_lines(text))
    data, lines = _yaml_data(text, display)
    return Settings(path=name, data=data, lines=lines)


def discover_settings(read: Callable[[str], str | None], display: str = "") -> Settings | None:
    """`.inventory-lint.yaml`, else pyproject.toml's table, from ``read`` (repo path → text or
    None); ``display`` prefixes the file names in messages."""
    for name in (CONFIG_FILE, "pyproject.toml"):
        text = read(name)
        if text is not None:
            settings = read_settings(name, text, f"{display}{name}")
            if settings is not None:
                return settings
    return None


def changed_keys(old: Settings | None, new: Settings | None) -> tuple[str, ...]:
    """The keys whose values differ between two settings, one level into mappings
    (``severity.MIG101``), sorted; a file that moved without a change of value is named."""
    before = old.data if old is not None and isinstance(old.data, dict) else {}
    after = new.data if new is not None and isinstance(new.data, dict) else {}
    missing = object()
    found: list[str] = []
    for key in sorted({*before, *after}, key=str):
        a, b = before.get(key, missing), after.get(key, missing)
        if a == b:
            continue
        if (isinstance(a, dict) or a is missing) and (isinstance(b, dict) or b is missing):
            a, b = a if isinstance(a, dict) else {}, b if isinstance(b, dict) else {}
            found.extend(
                f"{key}.{sub}"
                for sub in sorted({*a, *b}, key=str)
                if a.get(sub, missing) != b.get(sub, missing)
            )
        else:
            found.append(str(key))
    if not found and old is not None and new is None:
        found.append(old.path)
    elif not found and new is not None and (old is None or old.path != new.path):
        found.append(new.path)
    return tuple(found)


def _read_in_repo(root: Path, name: str) -> str | None:
    """A configuration file at the top of the work tree; never read through a symbolic link
    that leaves the repository, and nothing of such a file reaches a message."""
    path = root / name
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FatalError(f"{name}: cannot read the configuration ({exc.strerror}).") from exc
    if stat.S_ISLNK(info.st_mode):
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            raise FatalError(
                f"{name} is a symbolic link that leaves the repository, so the configuration "
                "is not read; replace the link by the file itself or pass --config FILE."
            )
    if not path.is_file():
        return None
    return _read_text(path, name)


def _read_text(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FatalError(f"{display}: cannot read the configuration ({exc}).") from exc


class _Tree(Protocol):
    """A commit as ``changeset.Snapshot`` reads it."""

    @property
    def head(self) -> str: ...
    def read(self, path: str) -> bytes | None: ...


def settings_at(tree: _Tree) -> Settings | None:
    """The settings committed in ``tree`` (blobs, so a symbolic link is never followed)."""

    def read(name: str) -> str | None:
        data = tree.read(name)
        if data is None:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FatalError(
                f"{tree.head[:12]}:{name}: cannot read the configuration (not UTF-8)."
            ) from exc

    return discover_settings(read, f"{tree.head[:12]}:")


def _config(settings: Settings | None, display: str) -> Config:
    if settings is None:
        return Config()
    return parse_config(settings.data, display, settings.lines)


def load_config(repo_root: Path, explicit: Path | None = None, base: _Tree | None = None) -> Config:
    """The configuration in force, or the defaults when there is none (zero config).

    ``--config FILE`` (``explicit``) wins; else the settings committed at ``base`` when a
    range has one (docs/security.md: the change under review does not set its own rules);
    else the work tree's.
    """
    if explicit is not None:
        if not explicit.is_file():
            raise FatalError(
                f"{explicit}: the configuration file given with --config does not exist."
            )
        name = "pyproject.toml" if explicit.suffix == ".toml" else CONFIG_FILE
        settings = read_settings(name, _read_text(explicit, str(explicit)), str(explicit))
        if settings is None:
            return Config(source=str(explicit))
        return parse_config(settings.data, str(explicit), settings.lines)
    if base is not None:
        settings = settings_at(base)
        return _config(settings, f"{base.head[:12]}:{settings.path}" if settings else "")
    settings = discover_settings(lambda name: _read_in_repo(repo_root, name))
    return _config(settings, settings.path if settings else "")
