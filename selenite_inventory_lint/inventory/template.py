"""The text of a first inventory, in the reference layout (pure: text in, text out).

The document starts as the reference's skeleton (title, invariants, empty Database, Storage
Paths and Configuration & State sections, required updates, rollback expectations);
``commands/init.py`` audits the repository against it and ``--fix``'s stub insertion adds one
`TODO: describe` entry per finding — so `init` followed by `audit` leaves exactly the
placeholders (INV301).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from selenite_inventory_lint.config import Config

# Where a repository without an inventory keeps data, by common convention; used by `init`
# for storage-path detection unless `path_roots` is configured (docs/usage.md).
DEFAULT_DATA_ROOTS = ("storage/", "data/", "uploads/", "media/", "logs/", "backups/", "var/")

_HEAD = """\
# Data Inventory (Living)

This document catalogs all data-bearing assets that must be preserved across dev→prod promotions.
It is a living document and must be updated for any change that introduces, renames, or retires
data structures, storage paths, or persistent configuration.

## Invariants
- Production data must never be overwritten by dev data.
- Migrations must be additive unless a documented, approved data plan exists.
- Backup + rehearsal + rollback are mandatory before prod updates.

## Database ({dialect})
Key tables (update if schema changes):

## Storage Paths

## Configuration & State

## Required Updates (When Changing Data)
If you change anything in the categories above:
1) Update this document (add/modify entries).
2) Note any migration requirements (additive by default).
3) Note any new backup/restore considerations.

## Rollback Expectations
- A verified backup path must be recorded before promotion.
- Rehearsal migrations must succeed on a restored backup before touching prod.
- Rollback = stop services → restore backup → restart → re-verify.
- If `.env*` or other config files are not part of the backup, capture them manually and
  record the path in the promotion log.
- Schema snapshots must be captured pre/post upgrade and recorded in the promotion log.
"""
_DIALECT = {"sqlite": "SQLite", "postgres": "PostgreSQL", "mysql": "MySQL"}
# Singular nouns: the count is worded by `reports.plural`.
_COUNTED = {
    "table": "table",
    "column": "column",
    "path": "storage path",
    "env": "environment variable",
    "config_file": "config/state file",
    "database": "database file",
}


def sqlite_databases(inis: Iterable[tuple[str, str]]) -> list[str]:
    """Database files named by ``sqlalchemy.url = sqlite:///relative.db`` in alembic.ini files,
    given as (path, text)."""
    import configparser  # here: the hook imports this module for DEFAULT_DATA_ROOTS alone

    found: list[str] = []
    for ini, text in inis:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            continue
        for section in parser.sections():
            url = parser.get(section, "sqlalchemy.url", fallback="")
            if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
                relative = url.removeprefix("sqlite:///").split("?", 1)[0]
                path = posixpath.normpath(posixpath.join(posixpath.dirname(ini), relative))
                if relative and not path.startswith("../") and path not in found:
                    found.append(path)
    return found


def skeleton(config: Config) -> str:
    return _HEAD.format(dialect=_DIALECT.get(config.dialect, config.dialect))


def with_databases(text: str, databases: list[str]) -> str:
    """The database files, as the reference records them, right under the schema heading."""
    if not databases:
        return text
    lines = "".join(
        f"{'**Primary DB**' if index == 0 else '**Database**'}: `{path}`\n"
        for index, path in enumerate(databases)
    )
    heading, _, rest = text.partition("\n## Database")
    title, newline, body = rest.partition("\n")
    return f"{heading}\n## Database{title}{newline}{lines}\n{body}"


def counts(databases: list[str], stub_kinds: Iterable[str]) -> dict[str, int]:
    """How many entries of each kind a first inventory lists, in words."""
    found: dict[str, int] = {}
    if databases:
        found[_COUNTED["database"]] = len(databases)
    for kind in stub_kinds:
        label = _COUNTED.get(kind, kind)
        found[label] = found.get(label, 0) + 1
    return found
