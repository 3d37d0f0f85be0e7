"""Alembic history at the head: the version directories alembic.ini names or changed revisions
reveal, every revision, and their graph order (parents first), which defines "earlier in the
same change"."""

from __future__ import annotations

import heapq
import os
import posixpath
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from selenite_inventory_lint import globs
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, Detector
from selenite_inventory_lint.model import FileChange, Revision
from selenite_inventory_lint.pipeline.inputs import Snapshot, decode

if TYPE_CHECKING:
    from selenite_inventory_lint.cache import Store

ALEMBIC_INI = "alembic.ini"


def alembic_dirs(
    files: Sequence[FileChange], snapshot: Snapshot, exclude: Sequence[str]
) -> tuple[str, ...]:
    """Version directories named by alembic.ini files, plus the folder of every changed file
    that reads as a revision (``sniffed_dirs``) — the ini files are looked up only when a
    changed Python file lives in some ``versions/`` directory or reads as a revision, or an
    alembic.ini changed, so ordinary commits never list the tree."""
    sniffed = sniffed_dirs(files, exclude)
    if not sniffed and not _touches_alembic(files):
        return ()
    return tuple(sorted({*version_dirs(snapshot, exclude), *sniffed}))


def _touches_alembic(files: Sequence[FileChange]) -> bool:
    return any(
        ("versions/" in f.path and f.path.endswith(".py"))
        or posixpath.basename(f.path) == ALEMBIC_INI
        for f in files
    )


def version_dirs(snapshot: Snapshot, exclude: Sequence[str] = ()) -> tuple[str, ...]:
    """Version directories named by every alembic.ini at the head (lists only those files)."""
    return tuple(sorted({d for dirs in _ini_dirs(snapshot, exclude).values() for d in dirs}))


def unlocated_inis(
    files: Sequence[FileChange], snapshot: Snapshot, config: Config
) -> tuple[str, ...]:
    """The alembic.ini files whose version directories hold no Python file at the head, when
    no file matches ``sources.alembic`` either — looked up when ``alembic_dirs`` would look."""
    from selenite_inventory_lint.detectors.sources import ALEMBIC_SOURCES

    exclude = config.exclude
    if not sniffed_dirs(files, exclude) and not _touches_alembic(files):
        return ()
    patterns = config.sources_for("alembic", ALEMBIC_SOURCES)
    if any(
        f.status != "deleted" and f.path.endswith(".py") and globs.match_any(patterns, f.path)
        for f in files
    ):
        return ()  # a changed file at head is one of them: no need to look further
    # Each ini's own folders next: the whole tree is listed only when one holds no revision.
    unlocated = tuple(
        ini
        for ini, dirs in sorted(_ini_dirs(snapshot, exclude).items())
        if not any(p.endswith(".py") for p in snapshot.paths_matching(folders=dirs))
    )
    if not unlocated:
        return ()
    if any(p.endswith(".py") and globs.match_any(patterns, p) for p in snapshot.paths()):
        return ()
    return unlocated


# The latest answers of ``_ini_dirs``: a run asks for the same snapshot's ini files from
# ``alembic_dirs`` and ``unlocated_inis`` (and the trust stage), so each is read once.
_INI_DIRS: list[tuple[Snapshot, tuple[str, ...], dict[str, tuple[str, ...]]]] = []
_INI_DIRS_KEPT = 2


def _ini_dirs(snapshot: Snapshot, exclude: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Every alembic.ini of ``snapshot`` outside ``exclude`` → the version folders it names."""
    key = tuple(exclude)
    for kept, kept_key, found in _INI_DIRS:
        if kept is snapshot and kept_key == key:
            return found
    from selenite_inventory_lint.detectors.alembic import version_dirs_from_ini

    # In the index (the hook), what an alembic.ini names is kept by its blob id (cache.py).
    blobs = snapshot.blob_ids([f":(glob)**/{ALEMBIC_INI}"])
    store = _ini_store() if blobs is not None else None
    if blobs is None:
        blobs = dict.fromkeys(snapshot.paths_matching(name=ALEMBIC_INI), "")
    named: dict[str, tuple[str, ...]] = {}
    for ini, blob in blobs.items():
        dirs = store.get(f"{blob}\0{ini}") if store is not None else None
        if dirs is not None and not globs.match_any(exclude, ini):
            named[ini] = dirs
    wanted = [ini for ini in blobs if ini not in named and not globs.match_any(exclude, ini)]
    for ini, data in snapshot.read_many(wanted).items():
        named[ini] = version_dirs_from_ini(ini, decode(data))
        if store is not None:
            store.put(f"{blobs[ini]}\0{ini}", named[ini])
    if store is not None:
        store.save()
    _INI_DIRS.insert(0, (snapshot, key, named))
    del _INI_DIRS[_INI_DIRS_KEPT:]
    return named


def sniffed_dirs(files: Sequence[FileChange], exclude: Sequence[str] = ()) -> tuple[str, ...]:
    """Folders (ending in ``/``) of the changed Python files that read as Alembic revisions,
    wherever they live: content decides, not only alembic.ini (Flask-Migrate sets
    ``script_location`` at run time)."""
    found: set[str] = set()
    for f in files:
        folder = posixpath.dirname(f.path)
        data = f.new_bytes if f.new_bytes is not None else f.old_bytes
        if (
            folder
            and data is not None
            and f.path.endswith(".py")
            and folder + "/" not in found
            and not globs.match_any(exclude, f.path)
            and is_revision(data)
        ):
            found.add(folder + "/")
    return tuple(sorted(found))


_MARKERS = (b"revision", b"down_revision", b"def upgrade")
# Module level is column 0.
_LINE_MARKERS = (
    re.compile(rb"^revision[ \t]*(?::[^=\n]*)?=", re.MULTILINE),
    re.compile(rb"^down_revision[ \t]*(?::[^=\n]*)?=", re.MULTILINE),
    re.compile(rb"^def[ \t]+upgrade[ \t]*\(", re.MULTILINE),
)


def is_revision(data: bytes) -> bool:
    """Module-level ``revision`` and ``down_revision`` assignments and a ``def upgrade``.

    Read from the lines (module level is column 0), never parsed: the sniff runs on every
    changed Python file, and a revision that does not parse still reaches the detector (MIG301).
    """
    if not all(marker in data for marker in _MARKERS):
        return False
    return all(pattern.search(data) for pattern in _LINE_MARKERS)


def topological(revisions: Iterable[Revision]) -> list[Revision]:
    """Revisions parents-first; ties broken by id so the order is deterministic."""
    by_id = {rev.revision: rev for rev in revisions}
    waiting = {rid: {d for d in rev.down_revisions if d in by_id} for rid, rev in by_id.items()}
    children: dict[str, list[str]] = {rid: [] for rid in by_id}
    for rid, parents in waiting.items():
        for parent in parents:
            children[parent].append(rid)
    ready = [rid for rid, parents in waiting.items() if not parents]
    heapq.heapify(ready)
    order: list[Revision] = []
    while ready:
        rid = heapq.heappop(ready)
        order.append(by_id[rid])
        for child in children[rid]:
            waiting[child].discard(rid)
            if not waiting[child]:
                heapq.heappush(ready, child)
    placed = {rev.revision for rev in order}
    order.extend(
        sorted((r for r in by_id.values() if r.revision not in placed), key=lambda r: r.path)
    )
    return order


def head_revisions(
    snapshot: Snapshot,
    ctx: DetectContext,
    detector: Detector,
    known: Mapping[str, Revision | None] | None = None,
) -> tuple[Revision, ...]:
    """Every revision of ``detector`` (one whose spec reads revisions) on the head side;
    ``known`` holds those it already read.

    The others are read from their header lines, which one ``git grep`` over the version
    directories hands over: no listing of the tree, no blob read, no parse, unless a header
    is not plain assignments (then that file is read and parsed). In the index (the hook),
    one ``git ls-files -s`` names each revision's blob first, and a blob read in an earlier
    run is taken from the cache: then git greps only the revisions never seen.
    """
    from selenite_inventory_lint.detectors import spec

    read_revision = spec(detector.name).revisions
    assert read_revision is not None, detector.name
    known = known or {}
    found = {p: rev for p, rev in known.items() if detector.claims(p, ctx)}
    pathspecs = _pathspecs(ctx)
    blobs = snapshot.blob_ids(pathspecs) if pathspecs else None
    store = _header_store() if blobs is not None else None
    if blobs is None or store is None:
        found.update(_read_headers(snapshot, ctx, detector, pathspecs, known))
        return tuple(rev for _, rev in sorted(found.items()) if rev is not None)
    missing: list[str] = []
    for path, blob in blobs.items():
        if path in known:
            # Read by the detector this run: kept for the commits that follow.
            rev = known[path]
            if store.get(blob) is None:
                store.put(blob, (rev.revision, rev.down_revisions, rev.line) if rev else ("",))
            continue
        if not detector.claims(path, ctx):
            continue
        header = store.get(blob)
        if header is None:
            missing.append(path)
        elif header[0]:
            found[path] = Revision(
                revision=header[0], down_revisions=tuple(header[1]), path=path, line=header[2]
            )
    if missing:
        # Never seen: their own paths, unless most are new (a first run), then the folders.
        wanted = pathspecs if 2 * len(missing) > len(blobs) else [f":(literal){p}" for p in missing]
        fresh = _read_headers(snapshot, ctx, detector, wanted, known, only=set(missing))
        for path in missing:
            rev = fresh.get(path)
            store.put(blobs[path], (rev.revision, rev.down_revisions, rev.line) if rev else ("",))
            if rev is not None:
                found[path] = rev
    store.save()
    return tuple(rev for _, rev in sorted(found.items()) if rev is not None)


def expect_revisions(snapshot: Snapshot, ctx: DetectContext) -> None:
    """Start the listing of the revisions' blob ids that ``head_revisions`` reads first (the
    hook's), so that git lists while this process goes on."""
    if pathspecs := _pathspecs(ctx):
        snapshot.expect_blob_ids(pathspecs)


def _ini_store() -> Store | None:
    """The cache of the version folders an alembic.ini names, by blob id and path."""
    from selenite_inventory_lint import cache
    from selenite_inventory_lint.detectors import alembic

    reader = os.path.join(os.path.dirname(alembic.__file__), "ini.py")
    store = cache.Store("alembic-ini", (alembic.__file__, reader), _valid_dirs)
    return store if store.enabled else None


def _valid_dirs(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(d, str) for d in value)


def _header_store() -> Store | None:
    """The cache of revision headers by blob id (``cache.py``), or None when it is off."""
    from selenite_inventory_lint import cache
    from selenite_inventory_lint.detectors.alembic import revisions

    store = cache.Store("revisions", (revisions.__file__,), _valid_header)
    return store if store.enabled else None


def _valid_header(value: object) -> bool:
    """A kept header: ``("",)`` for no revision, else (revision, down revisions, line)."""
    if type(value) is not tuple:
        return False
    if len(value) == 1:
        return bool(value[0] == "")
    return (
        len(value) == 3
        and type(value[0]) is str
        and value[0] != ""
        and type(value[1]) is tuple
        and type(value[2]) is int
        and all(type(down) is str for down in value[1])
    )


def _read_headers(
    snapshot: Snapshot,
    ctx: DetectContext,
    detector: Detector,
    pathspecs: Sequence[str],
    known: Mapping[str, Revision | None],
    only: Container[str] | None = None,
) -> dict[str, Revision | None]:
    """path → revision (None: not one) of the files ``pathspecs`` select that ``detector``
    claims and ``known`` lacks (with ``only``, those in it): their header lines from one
    ``git grep``, and the files whose header is not plain assignments read and parsed. A file
    holding no header line at all is not a revision (None)."""
    from selenite_inventory_lint.detectors import spec
    from selenite_inventory_lint.detectors.alembic.revisions import HEADER_NEEDLES, read_header

    read_revision = spec(detector.name).revisions
    assert read_revision is not None, detector.name
    found: dict[str, Revision | None] = {}
    unclear: list[str] = []
    for path, lines in snapshot.grep_lines(HEADER_NEEDLES, pathspecs).items():
        if path in known or (only is not None and path not in only):
            continue
        if not detector.claims(path, ctx):
            continue
        header = read_header(path, lines)
        if header is False:
            unclear.append(path)
        else:
            found[path] = header
    for path, data in snapshot.read_many(unclear).items():
        found[path] = read_revision(path, decode(data))
    return found


def _pathspecs(ctx: DetectContext) -> list[str]:
    """Git pathspecs covering every path the Alembic detector claims (it decides the rest)."""
    from selenite_inventory_lint.detectors.sources import ALEMBIC_SOURCES
    from selenite_inventory_lint.retirement import pathspec

    dirs = [f":(literal){d}" for d in ctx.alembic_dirs if d]
    return [*dirs, *(pathspec(g) for g in ctx.config.sources_for("alembic", ALEMBIC_SOURCES))]
