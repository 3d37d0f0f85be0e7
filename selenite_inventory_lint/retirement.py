"""Retired environment variables and storage paths (docs/rules.md INV201, issue "Retirement").

Detectors see one file, so they report every env var or path a file stopped referencing as a
``dropped`` candidate. A candidate is kept only when the inventory entry documenting it has no
reference left anywhere in the repository at head; then ``rules/stale.py`` reports the entry.

The search is one ``git grep`` (``Snapshot.grep``) for every candidate at once, for a literal
that any reference must contain: the entry's name (or the longest literal run of its glob) for
env vars, plus ``BaseSettings`` because pydantic builds names from prefixes and field names; for
paths, the last literal segment of the entry. Only the few files that match are read, and only
those a reference detector claims (and ``exclude`` allows) are analysed, to tell a reference
from a mention in prose. A candidate whose object the inventory does not document is dropped
unsearched: its retirement leaves nothing stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from selenite_inventory_lint import globs
from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.detectors.references import REMOVED
from selenite_inventory_lint.inventory.coverage import Coverage
from selenite_inventory_lint.model import Change, Entry
from selenite_inventory_lint.patterns import lazy

__all__ = ["REMOVED", "referenced", "settle"]
_GLOB_PARTS = lazy(r"\*+|\?|\[[^\]]*\]")
# Every pydantic settings class names its base in the file that declares it.
_SETTINGS_NEEDLE = "BaseSettings"


class Searchable(Protocol):
    def grep(
        self, needles: Sequence[str], pathspecs: Sequence[str] = ()
    ) -> dict[str, tuple[str, ...]]: ...
    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]: ...


class ReferenceFinder(Protocol):
    name: str

    def claims(self, path: str, ctx: DetectContext) -> bool: ...
    def patterns(self, ctx: DetectContext) -> tuple[str, ...]: ...
    def references(self, path: str, text: str, ctx: DetectContext) -> frozenset[str]: ...


def _finders() -> dict[str, ReferenceFinder]:
    from selenite_inventory_lint.detectors.env import DETECTOR as ENV
    from selenite_inventory_lint.detectors.paths import DETECTOR as PATHS

    return {"env": ENV, "path": PATHS}


def literal_run(key: str) -> str:
    """The longest glob-free run of the last segment of ``key`` that has one."""
    for segment in reversed([s for s in key.strip("/").split("/") if s]):
        best = max(_GLOB_PARTS().split(segment), key=len)
        if best:
            return best
    return ""


def pathspec(pattern: str, *, exclude: bool = False) -> str:
    """A ``globs`` pattern as a git pathspec with the same meaning (gitignore habits)."""
    body = pattern.strip().removeprefix("./")
    directory = body.endswith("/")
    body = body.rstrip("/")
    if "/" not in body:
        body = f"**/{body}"
    body = body.lstrip("/")
    if directory:
        body += "/**"
    return f":({'exclude,' if exclude else ''}glob){body}"


def _needles(kind: str, entry: Entry) -> tuple[str, ...]:
    run = literal_run(entry.key)
    if kind == "env":
        return (run, _SETTINGS_NEEDLE) if run else ()
    return (run,) if run else ()


def _covers(entry: Entry, kind: str, name: str) -> bool:
    if kind == "env":
        return entry.key == name or ("*" in entry.key and globs.match(entry.key, name))
    return globs.match(entry.key, name)


def settle(
    changes: tuple[Change, ...],
    snapshot: Searchable,
    ctx: DetectContext,
    coverage: Coverage,
) -> tuple[Change, ...]:
    """``changes`` without the candidates whose entry is still referenced at head."""
    candidates = [c for c in changes if c.action == "dropped" and c.operation == REMOVED]
    if not candidates:
        return changes
    finders = _finders()
    entry_of: dict[int, tuple[str, Entry]] = {}  # id(candidate) → (kind, entry)
    for change in candidates:
        entry = coverage.env(change.name) if change.kind == "env" else coverage.path(change.name)
        if entry is not None and change.kind in finders and _needles(change.kind, entry):
            entry_of[id(change)] = (change.kind, entry)
    wanted = {_key(entry): (kind, entry) for kind, entry in entry_of.values()}
    stale = _stale_entries(wanted, snapshot, ctx, finders)
    return tuple(
        change
        for change in changes
        if not (change.action == "dropped" and change.operation == REMOVED)
        or (id(change) in entry_of and _key(entry_of[id(change)][1]) in stale)
    )


def referenced(
    entries: Sequence[Entry], snapshot: Searchable, ctx: DetectContext
) -> tuple[Entry, ...]:
    """The env and path ``entries`` something at head still refers to; entries of other kinds
    cannot be decided this way and are left out."""
    finders = _finders()
    wanted = {
        _key(entry): (entry.kind, entry)
        for entry in entries
        if entry.kind in finders and _needles(entry.kind, entry)
    }
    stale = _stale_entries(wanted, snapshot, ctx, finders)
    return tuple(entry for key, (_kind, entry) in wanted.items() if key not in stale)


def _key(entry: Entry) -> tuple[int, str]:
    return entry.line, entry.key


def _stale_entries(
    wanted: Mapping[tuple[int, str], tuple[str, Entry]],
    snapshot: Searchable,
    ctx: DetectContext,
    finders: Mapping[str, ReferenceFinder],
) -> set[tuple[int, str]]:
    if not wanted:
        return set()
    needles = sorted({n for kind, entry in wanted.values() for n in _needles(kind, entry)})
    exclude = ctx.config.exclude
    # Narrow the search to the sources the finders read, so git never lists prose or tests;
    # `claims` below still decides exactly.
    kinds = sorted({kind for kind, _entry in wanted.values()})
    patterns = sorted({p for kind in kinds for p in finders[kind].patterns(ctx)})
    specs = [pathspec(p) for p in patterns] + [pathspec(p, exclude=True) for p in exclude]
    found = snapshot.grep(needles, specs) if patterns else {}
    hits: dict[tuple[int, str], list[str]] = {}
    to_read: set[str] = set()
    for key, (kind, entry) in wanted.items():
        finder = finders[kind]
        files = sorted(
            {
                path
                for needle in _needles(kind, entry)
                for path in found.get(needle, ())
                if finder.claims(path, ctx) and not globs.match_any(exclude, path)
            }
        )
        hits[key] = files
        to_read.update(files)
    texts = {
        path: data.decode("utf-8-sig", errors="replace")
        for path, data in snapshot.read_many(sorted(to_read)).items()
    }
    cache: dict[tuple[str, str], frozenset[str] | None] = {}

    def references(kind: str, path: str) -> Iterable[str] | None:
        if (kind, path) not in cache:
            text = texts.get(path)
            if text is not None and len(text) > ctx.config.max_file_bytes:
                cache[kind, path] = None  # too large to analyse: assume it still refers
            else:
                cache[kind, path] = finders[kind].references(path, text or "", ctx)
        return cache[kind, path]

    stale: set[tuple[int, str]] = set()
    for key, (kind, entry) in wanted.items():
        alive = False
        for path in hits[key]:
            names = references(kind, path)
            if names is None or any(_covers(entry, kind, name) for name in names):
                alive = True
                break
        if not alive:
            stale.add(key)
    return stale
