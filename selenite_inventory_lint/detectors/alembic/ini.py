"""``alembic.ini`` → the version directories it names, interpolated as Alembic does."""

from __future__ import annotations

import configparser
import posixpath
import re

# Stands for the ini's directory until the value is resolved against the repository.
_HERE = "\x00here\x00"


def version_dirs_from_ini(ini_path: str, ini_text: str) -> tuple[str, ...]:
    """Repo-relative version directories (ending in ``/``) named by an ``alembic.ini``.

    Every section with ``script_location`` contributes ``<script_location>/versions/`` and each
    entry of its ``version_locations``. Values are interpolated as Alembic's ``ConfigParser``
    does (``%(here)s`` is the ini's directory; ``%(name)s`` comes from the same section or
    ``[DEFAULT]``); relative paths are taken from the ini's directory; ``package:dir`` is read
    as ``package/dir`` there (best effort); absolute paths and paths leaving the repository are
    skipped. An ``[alembic]`` section that sets neither key, with none elsewhere, is
    Flask-Migrate's: it sets ``script_location`` to the ini's own directory at run time, so
    ``<ini dir>/versions/``.
    """
    parser = configparser.ConfigParser(defaults={"here": _HERE}, strict=False)
    try:
        parser.read_string(ini_text.lstrip("\ufeff"), source=ini_path)
    except configparser.Error:
        return ()
    base = posixpath.dirname(ini_path)
    dirs: list[str] = []
    named = False
    for section in parser.sections():
        named = named or any(
            parser.has_option(section, key) for key in ("script_location", "version_locations")
        )
        location = _ini_value(parser, section, "script_location")
        if location and (found := _repo_dir(location, base)) is not None:
            dirs.append(found + "versions/")
        extra = _ini_value(parser, section, "version_locations")
        if extra:
            separator = _ini_value(parser, section, "path_separator") or _ini_value(
                parser, section, "version_path_separator"
            )
            for part in _split_locations(extra, separator):
                if (found := _repo_dir(part, base)) is not None:
                    dirs.append(found)
    if not named and parser.has_section("alembic"):
        dirs.append(f"{base}/versions/" if base else "versions/")
    return tuple(dict.fromkeys(dirs))


def _ini_value(parser: configparser.ConfigParser, section: str, key: str) -> str | None:
    """``key`` interpolated; a value Alembic could not interpolate is read as written."""
    try:
        return parser.get(section, key, fallback=None)
    except (configparser.Error, ValueError):
        raw = parser.get(section, key, raw=True, fallback=None)
        return raw.replace("%(here)s", _HERE) if raw is not None else None


def _repo_dir(value: str, base: str) -> str | None:
    value = value.strip().replace("\\", "/").replace(_HERE, ".")
    if ":" in value:
        package, _, sub = value.partition(":")
        if "/" in package or not package:
            return None
        value = posixpath.join(package.replace(".", "/"), sub)
    if value.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(base, value))
    if joined == ".." or joined.startswith("../"):
        return None
    return "" if joined == "." else joined + "/"


def _split_locations(text: str, separator: str | None) -> list[str]:
    sep = (separator or "").strip()
    if sep == "space":
        parts = text.split()
    elif sep == "newline":
        parts = text.splitlines()
    elif sep == "os":
        parts = re.split(r"[:;]", text)
    elif sep in (":", ";", ","):
        parts = text.split(sep)
    else:
        parts = re.split(r"[,\s]+", text)
    return [p.strip() for p in parts if p.strip()]
