"""Alembic history at the head: the version directories alembic.ini names, every revision, and
their graph order (parents first), which defines "earlier in the same change"."""

from __future__ import annotations

import heapq
import posixpath
from collections.abc import Iterable, Mapping, Sequence

from selenite_inventory_lint.detectors import DetectContext, Detector
from selenite_inventory_lint.model import FileChange, Revision
from selenite_inventory_lint.pipeline.inputs import Snapshot, decode


def alembic_dirs(files: Sequence[FileChange], snapshot: Snapshot) -> tuple[str, ...]:
    """Version directories named by alembic.ini files — looked up only when a changed Python
    file lives in some ``versions/`` directory, so ordinary commits never list the tree."""
    if not any("versions/" in f.path and f.path.endswith(".py") for f in files):
        return ()
    return version_dirs(snapshot)


def version_dirs(snapshot: Snapshot) -> tuple[str, ...]:
    """Version directories named by every alembic.ini at the head (lists the tree)."""
    from selenite_inventory_lint.detectors.alembic import version_dirs_from_ini

    inis = [p for p in snapshot.paths() if posixpath.basename(p) == "alembic.ini"]
    dirs: list[str] = []
    for ini in inis:
        data = snapshot.read(ini)
        if data is not None:
            dirs.extend(version_dirs_from_ini(ini, decode(data)))
    return tuple(sorted(set(dirs)))


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
