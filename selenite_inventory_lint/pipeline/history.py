"""Alembic history at the head: the version directories alembic.ini names or changed revisions
reveal, every revision, and their graph order (parents first), which defines "earlier in the
same change"."""

from __future__ import annotations

import heapq
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence

from selenite_inventory_lint import globs
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, Detector
from selenite_inventory_lint.model import FileChange, Revision
from selenite_inventory_lint.pipeline.inputs import Snapshot, decode

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

    inis = [p for p in snapshot.paths_matching(name=ALEMBIC_INI) if not globs.match_any(exclude, p)]
    found = {}
    for ini, data in snapshot.read_many(inis).items():
        found[ini] = version_dirs_from_ini(ini, decode(data))
    _INI_DIRS.insert(0, (snapshot, key, found))
    del _INI_DIRS[_INI_DIRS_KEPT:]
    return found


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
    is not plain assignments (then that file is read and parsed).
    """
    from selenite_inventory_lint.detectors import spec
    from selenite_inventory_lint.detectors.alembic.revisions import HEADER_NEEDLES, read_header

    read_revision = spec(detector.name).revisions
    assert read_revision is not None, detector.name
    known = known or {}
    found = {p: rev for p, rev in known.items() if detector.claims(p, ctx)}
    unclear: list[str] = []
    for path, lines in snapshot.grep_lines(HEADER_NEEDLES, _pathspecs(ctx)).items():
        if path in known or not detector.claims(path, ctx):
            continue
        header = read_header(path, lines)
        if header is False:
            unclear.append(path)
        else:
            found[path] = header
    for path, data in snapshot.read_many(unclear).items():
        found[path] = read_revision(path, decode(data))
    return tuple(rev for _, rev in sorted(found.items()) if rev is not None)


def _pathspecs(ctx: DetectContext) -> list[str]:
    """Git pathspecs covering every path the Alembic detector claims (it decides the rest)."""
    from selenite_inventory_lint.detectors.sources import ALEMBIC_SOURCES
    from selenite_inventory_lint.retirement import pathspec

    dirs = [f":(literal){d}" for d in ctx.alembic_dirs if d]
    return [*dirs, *(pathspec(g) for g in ctx.config.sources_for("alembic", ALEMBIC_SOURCES))]
