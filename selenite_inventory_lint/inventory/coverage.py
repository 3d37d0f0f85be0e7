"""Which inventory entry covers a data-bearing object (docs/inventory-format.md "Coverage"). Pure.

- Tables and columns match case-insensitively (SQL identifiers); a column ``t.c`` is covered by
  ``t.c`` or ``t.*``. Whether a *table* entry also covers its columns is ``column_policy``,
  decided by the rules, not here.
- Environment variables match case-sensitively, exactly or by a ``*`` glob.
- Paths, config/state files and database files all follow the gitignore habits
  docs/inventory-format.md gives
  for "file and path keys", exactly as ``globs.match`` does: a key with an inner ``/`` is
  anchored at the repository root, a key without one matches a base name at any depth, and a
  trailing ``/`` names a directory that covers everything under it. So ``storage/media/``
  covers ``storage/media/`` and ``storage/media/x/y.mp3`` but not ``storage/media2/x``, and
  ``logs/`` also covers ``backend/logs/app.log``.

Exact keys sit in dicts and directory keys are found by walking the path's own segments, so a
lookup costs one probe per segment; glob keys are scanned only when the inventory has some.
When several entries cover an object the most specific one is returned: an exact key, then
the deepest directory, then the first matching glob in document order.
"""

from __future__ import annotations

from collections.abc import Iterable

from selenite_inventory_lint import globs
from selenite_inventory_lint.inventory.parse import Inventory
from selenite_inventory_lint.model import Entry


def _strip_dot(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path


class _PathIndex:
    """Gitignore-style lookup over path-like entries, equal to ``globs.match`` on every key."""

    __slots__ = ("_anchored", "_anchored_dirs", "_globs", "_name_dirs", "_names")

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._anchored: dict[str, Entry] = {}
        self._names: dict[str, Entry] = {}
        self._anchored_dirs: dict[str, Entry] = {}
        self._name_dirs: dict[str, Entry] = {}
        self._globs: list[tuple[str, Entry]] = []
        for entry in entries:
            key = _strip_dot(entry.key.strip())
            if globs.is_glob(key):
                self._globs.append((key, entry))
                continue
            body = key.rstrip("/")
            anchored = "/" in body
            body = body.lstrip("/")
            if not body:
                continue
            if key.endswith("/"):
                table = self._anchored_dirs if anchored else self._name_dirs
            else:
                table = self._anchored if anchored else self._names
            table.setdefault(body, entry)

    def find(self, path: str) -> Entry | None:
        path = _strip_dot(path)
        segments = path.split("/")
        found = self._anchored.get(path) or self._names.get(segments[-1])
        if found is not None:
            return found
        if self._anchored_dirs or self._name_dirs:
            for depth in range(len(segments), 0, -1):
                found = self._anchored_dirs.get("/".join(segments[:depth])) or self._name_dirs.get(
                    segments[depth - 1]
                )
                if found is not None:
                    return found
        for key, entry in self._globs:
            if globs.match(key, path):
                return entry
        return None


class Coverage:
    """Lookups from objects to the entries that cover them, built once per inventory."""

    __slots__ = (
        "_by_table",
        "_columns",
        "_config_files",
        "_databases",
        "_env",
        "_env_globs",
        "_paths",
        "_tables",
        "inventory",
    )

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self._tables: dict[str, Entry] = {}
        self._columns: dict[str, Entry] = {}
        self._by_table: dict[str, list[Entry]] = {}
        self._env: dict[str, Entry] = {}
        self._env_globs: list[Entry] = []
        by_kind: dict[str, list[Entry]] = {"path": [], "config_file": [], "database": []}
        for entry in inventory.entries:
            if entry.kind in ("table", "column"):
                key = entry.key.lower()
                target = self._tables if entry.kind == "table" else self._columns
                target.setdefault(key, entry)
                self._by_table.setdefault(key.split(".", 1)[0], []).append(entry)
            elif entry.kind == "env":
                if "*" in entry.key:
                    self._env_globs.append(entry)
                else:
                    self._env.setdefault(entry.key, entry)
            else:
                by_kind[entry.kind].append(entry)
        self._paths = _PathIndex(by_kind["path"])
        self._config_files = _PathIndex(by_kind["config_file"])
        self._databases = _PathIndex(by_kind["database"])

    @classmethod
    def of(cls, inventory: Inventory) -> Coverage:
        """The coverage of ``inventory``, built once however many stages of a run ask (the
        detection, the rules, the review): building it costs a pass over every entry."""
        for kept in _BUILT:
            if kept.inventory is inventory:
                return kept
        built = cls(inventory)
        _BUILT.insert(0, built)
        del _BUILT[_BUILT_KEPT:]
        return built

    def table(self, name: str) -> Entry | None:
        """The entry ``name`` (case-insensitive) of a table."""
        return self._tables.get(name.lower())

    def column(self, table: str, column: str) -> Entry | None:
        """The entry ``table.column``, else ``table.*``; a bare table entry does not count here."""
        key = f"{table}.{column}".lower()
        return self._columns.get(key) or self._columns.get(f"{table.lower()}.*")

    def entries_for_table(self, name: str) -> tuple[Entry, ...]:
        """The table's entry and all its ``t.c``/``t.*`` entries, in document order.

        Duplicates are included, so a dropped table's stale check can name every line.
        """
        return tuple(self._by_table.get(name.lower(), ()))

    def path(self, path: str) -> Entry | None:
        """The Paths-section entry covering a repository-relative path (``/``-separated)."""
        return self._paths.find(path)

    def env(self, name: str) -> Entry | None:
        """The entry for an environment variable: the exact name, else a matching glob."""
        found = self._env.get(name)
        if found is None:
            found = next((e for e in self._env_globs if globs.match(e.key, name)), None)
        return found

    def config_file(self, path: str) -> Entry | None:
        """The Configuration-section file entry covering a repository-relative file path."""
        return self._config_files.find(path)

    def database(self, path: str) -> Entry | None:
        """The database entry (``**Primary DB**: `path` ``) covering a database file path."""
        return self._databases.find(path)


# The few most recent coverages (a run has a head inventory, and a base one or a fixed one).
_BUILT_KEPT = 4
_BUILT: list[Coverage] = []
