"""Change set → detectors → changes: which files each detector reads, running them (in worker
processes where they are self-contained), ordering migrations in time, and settling which
removed references retire an inventory entry."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING

from selenite_inventory_lint import globs
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import (
    DetectContext,
    Detector,
    ParsedFiles,
    detector_called,
)
from selenite_inventory_lint.model import (
    Change,
    DetectorResult,
    Entry,
    FileChange,
    Problem,
    Revision,
    Source,
    time_key,
)
from selenite_inventory_lint.pipeline.history import (
    expect_revisions,
    head_revisions,
    topological,
)
from selenite_inventory_lint.pipeline.inputs import INVENTORY_NAME, Snapshot
from selenite_inventory_lint.pipeline.trust import CONFIG_FILES
from selenite_inventory_lint.records import Record

if TYPE_CHECKING:
    from selenite_inventory_lint.inventory.parse import Inventory
    from selenite_inventory_lint.rules.context import EditedMigration
    from selenite_inventory_lint.schema import Schema


class Detection(Record):
    """What the detectors found in one change set."""

    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]
    edited: tuple[EditedMigration, ...]
    revisions: tuple[Revision, ...]
    # Operations edited revisions already had (``DetectorResult.context``), in time order.
    context: tuple[Change, ...] = ()
    # Entries the change removed from the inventory while their object still exists (INV203).
    removed_alive: tuple[Entry, ...] = ()


class WorkerHead:
    """The head side as a forked worker sees it (``parallel.py``): the listing the parent took
    before the fork, if any. A file's content, or a listing not taken, needs the parent's git
    processes, so asking for one sends the file back to the parent (``InParent``)."""

    def __init__(self, listing: tuple[str, ...] | None) -> None:
        self._listing = listing

    def paths(self) -> tuple[str, ...]:
        if self._listing is None:
            raise _in_parent()
        return self._listing

    def paths_matching(
        self, *, folders: Sequence[str] = (), name: str | None = None, stem: bool = False
    ) -> tuple[str, ...]:
        raise _in_parent()

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        raise _in_parent()


def _in_parent() -> Exception:
    from selenite_inventory_lint.parallel import InParent

    return InParent()


# Each file some detector reads, with the sources that claim it (``claims``).
Claims = list[tuple[FileChange, tuple[Source, ...]]]


def claimed(
    files: Sequence[FileChange], ctx: DetectContext, snapshot: Snapshot
) -> list[tuple[FileChange, Sequence[Detector]]]:
    """Each file some detector reads, with those detectors: ``claims`` then ``settle``."""
    return settle(claims(files, ctx), snapshot)


def claims(files: Sequence[FileChange], ctx: DetectContext) -> Claims:
    """Each file some detector claims, with the sources that claim it; decided from paths
    alone. ``settle`` drops the vendored and generated ones."""
    from selenite_inventory_lint.detectors.sources import claimants

    names: Claims = []
    for fc in files:
        if globs.match_any(ctx.config.exclude, fc.path):
            continue
        mine = claimants(fc.path, ctx)
        if not mine and fc.old_path and fc.old_path != fc.path:
            mine = claimants(fc.old_path, ctx)
        if mine:
            names.append((fc, mine))
    return names


def expect(names: Claims, snapshot: Snapshot, ctx: DetectContext) -> None:
    """Start the git processes ``settle`` and then ``detect`` read first (the attributes; the
    revisions' listing when a claiming detector keeps a revision history), so that git
    answers while this process reads the inventory."""
    from selenite_inventory_lint.detectors import spec
    from selenite_inventory_lint.detectors.sources import LINGUIST

    if names:
        snapshot.expect_attributes([fc.path for fc, _ in names], LINGUIST)
    if any(spec(name).revisions is not None for name in {n for _, ns in names for n in ns}):
        expect_revisions(snapshot, ctx)


def settle(names: Claims, snapshot: Snapshot) -> list[tuple[FileChange, Sequence[Detector]]]:
    """The claimed files less those the ``snapshot``'s ``.gitattributes`` mark vendored or
    generated (one git process), with their detectors: the claiming detectors' modules alone
    are imported (a staged revision imports no SQL parser)."""
    from selenite_inventory_lint.detectors.sources import LINGUIST, not_the_projects

    if names:
        marks = snapshot.attributes([fc.path for fc, _ in names], LINGUIST)
        names = [
            (fc, mine) for fc, mine in names if not not_the_projects(mine, marks.get(fc.path, {}))
        ]
    return [(fc, [detector_called(name) for name in mine]) for fc, mine in names]


def wants(config: Config) -> Callable[[str], bool]:
    """Which changed files the change set should read, decided from paths alone.

    A superset of what detectors claim: Alembic version directories are only known after
    reading alembic.ini, so every Python file in a ``versions/`` directory is read too.
    """
    from selenite_inventory_lint.detectors.sources import CLAIMS, is_plan_path

    ctx = DetectContext(config=config)
    claims = tuple(CLAIMS.values())
    inventory = config.inventory

    def _wants(path: str) -> bool:
        return (
            posixpath.basename(path) == INVENTORY_NAME
            or path == inventory
            or path in CONFIG_FILES
            or ("versions/" in path and path.endswith(".py"))
            or is_plan_path(path, config.data_plans)
            or (
                any(claim(path, ctx) for claim in claims)
                and not globs.match_any(config.exclude, path)
            )
        )

    return _wants


def detect(
    work: Sequence[tuple[FileChange, Sequence[Detector]]],
    snapshot: Snapshot,
    ctx: DetectContext,
    progress: Callable[[int, int], None] | None = None,
    parsed: Mapping[str, ParsedFiles] | None = None,
) -> Detection:
    """Run every claiming detector on every loaded file of the change set.

    ``progress(done, total)`` is called after each file, for long audits. ``parsed`` holds the
    parses of files the caller reads too (``audit``'s models): they stay in this process.
    """
    kept = parsed or {}
    from selenite_inventory_lint.detectors import spec
    from selenite_inventory_lint.parallel import in_worker, map_items
    from selenite_inventory_lint.rules.context import EditedMigration

    changes: list[Change] = []
    context: list[Change] = []
    problems: list[Problem] = []
    edited: list[EditedMigration] = []
    # The detector that keeps a revision history, when the change touched its files.
    history: Detector | None = None
    # Revisions the detector read from the head side's text, not to be parsed again.
    known: dict[str, Revision | None] = {}

    names = {d.name for _, ds in work for d in ds}
    self_contained = {name for name in names if spec(name).self_contained}
    # What a worker sees of the head side; the parent lists it before a fork when a detector
    # that may move reads the listing.
    worker_head = [WorkerHead(None)]

    def list_head() -> None:
        if ctx.head is not None and any(spec(name).reads_listing for name in self_contained):
            worker_head[0] = WorkerHead(ctx.head.paths())

    def run_detectors(item: tuple[FileChange, Sequence[Detector]]) -> list[DetectorResult]:
        # Every detector of the file shares one parse of each of its sides.
        file_ctx = ctx._replace(parsed=kept.get(item[0].path) or ParsedFiles())
        if in_worker():
            file_ctx = file_ctx._replace(head=worker_head[0])
        return [detector.detect(item[0], file_ctx) for detector in item[1]]

    every = map_items(
        work,
        run_detectors,
        movable=lambda item: (
            item[0].path not in kept and all(d.name in self_contained for d in item[1])
        ),
        weight=lambda item: len(item[0].new_bytes or b"") + len(item[0].old_bytes or b""),
        progress=progress,
        before_fork=list_head,
    )
    for (fc, detectors), results in zip(work, every, strict=True):
        for detector, result in zip(detectors, results, strict=True):
            changes.extend(result.changes)
            context.extend(result.context)
            problems.extend(result.problems)
            if spec(detector.name).revisions is not None:
                history = detector
                if fc.status != "deleted" and fc.new_text is not None:
                    known[fc.path] = result.revision
            if result.edited:
                rev = result.revision
                edited.append(
                    EditedMigration(
                        path=fc.path,
                        name=rev.revision if rev is not None else fc.path,
                        object_kind="revision" if rev is not None else "file",
                        deleted=fc.status == "deleted",
                    )
                )
    revisions: tuple[Revision, ...] = ()
    if history is not None:
        revisions = head_revisions(snapshot, ctx, history, known)
    # Time order of migrations (docs/rules.md "earlier in the same change"): Alembic revisions in
    # graph order, every other file after them in path order.
    sequence = {rev.path: i for i, rev in enumerate(topological(revisions))}
    offset = len(sequence)
    for i, path in enumerate(sorted({c.path for c in (*changes, *context)} - sequence.keys())):
        sequence[path] = offset + i

    def placed(found: Sequence[Change]) -> tuple[Change, ...]:
        return tuple(
            with_sequence(c, sequence[c.path]) if c.sequence != sequence[c.path] else c
            for c in found
        )

    return Detection(
        changes=net_renames(placed(changes)),
        problems=tuple(problems),
        edited=tuple(sorted(edited, key=lambda e: e.path)),
        revisions=revisions,
        context=placed(context),
    )


_ACTION = attrgetter("action")
_SEQUENCE = Change._fields.index("sequence")


def with_sequence(change: Change, sequence: int) -> Change:
    """``change._replace(sequence=sequence)``, without ``_replace``'s keyword handling (every
    change of a run is placed in time)."""
    return tuple.__new__(Change, (*change[:_SEQUENCE], sequence, *change[_SEQUENCE + 1 :]))


def net_renames(changes: Sequence[Change]) -> tuple[Change, ...]:
    """Renames by their net effect (SPEC): a rename undone later in the change set
    (``t → t_old → t``) is none, and a chain (``t → t_old → u``) is one rename ``t → u``,
    reported where it ends. A name something else touches in between stays as written."""
    if "renamed" not in map(_ACTION, changes):
        return tuple(changes)
    order = sorted(range(len(changes)), key=lambda i: time_key(changes[i]))
    dropped: set[int] = set()
    merged: dict[int, Change] = {}
    # A name a rename produced, not yet touched since → that rename's index.
    pending: dict[tuple[str, str], int] = {}
    for index in order:
        change = changes[index]
        source = (change.kind, change.old_name or "")
        if change.action == "renamed" and source in pending:
            earlier = pending.pop(source)
            origin = merged.get(earlier, changes[earlier]).old_name
            dropped.add(earlier)
            if change.name == origin:
                dropped.add(index)
                continue
            merged[index] = change._replace(old_name=origin)
        else:
            for touched in _touched(change):
                pending.pop(touched, None)
        if change.action == "renamed":
            pending[(change.kind, change.name)] = index
    if not dropped:
        return tuple(changes)
    return tuple(merged.get(i, c) for i, c in enumerate(changes) if i not in dropped)


def _touched(change: Change) -> list[tuple[str, str]]:
    """The names a change reads or writes, as (kind, name): a column's table too."""
    names: list[tuple[str, str]] = [(change.kind, change.name)]
    if change.old_name is not None:
        names.append((change.kind, change.old_name))
    for name in (change.name, change.old_name or ""):
        if change.kind == "column" and "." in name:
            names.append(("table", name.partition(".")[0]))
    if change.table is not None:
        names.append(("table", change.table))
    return names


def settle_retirements(
    detection: Detection, snapshot: Snapshot, ctx: DetectContext, inventory: Inventory
) -> Detection:
    """Keep a "reference removed" candidate only when nothing at head still refers to its entry."""
    from selenite_inventory_lint.retirement import REMOVED

    if not any(c.action == "dropped" and c.operation == REMOVED for c in detection.changes):
        return detection
    from selenite_inventory_lint.inventory.coverage import Coverage
    from selenite_inventory_lint.retirement import settle

    changes = settle(detection.changes, snapshot, ctx, Coverage.of(inventory))
    return detection._replace(changes=changes)


def settle_removed_entries(
    detection: Detection,
    snapshot: Snapshot,
    ctx: DetectContext,
    base: Inventory,
    head: Inventory,
) -> Detection:
    """Entries at the base that the head inventory no longer has, kept when their object is
    still referenced at head."""
    from selenite_inventory_lint.inventory.coverage import Coverage

    kept = set(_identities(head.entries))
    coverage = Coverage.of(head)

    def still_documented(entry: Entry) -> bool:
        """Another entry (a glob, a ``t.*``) now speaks for the object."""
        if entry.kind == "env":
            return coverage.env(entry.key) is not None
        if entry.kind == "path":
            return coverage.path(entry.key) is not None
        if entry.kind == "table":
            return coverage.table(entry.key) is not None
        if entry.kind == "column":
            table, _dot, column = entry.key.partition(".")
            return coverage.column(table, column) is not None
        return True

    removed = [
        e
        for e, identity in zip(base.entries, _identities(base.entries), strict=True)
        if identity not in kept and not still_documented(e)
    ]
    if not removed:
        return detection
    from selenite_inventory_lint.retirement import referenced

    alive = list(referenced(removed, snapshot, ctx))
    schema_entries = [e for e in removed if e.kind in ("table", "column")]
    tables = _head_tables(snapshot, ctx) if schema_entries else None
    if tables is not None:
        for entry in schema_entries:
            table, _dot, column = entry.key.lower().partition(".")
            columns = tables.get(table)
            if columns is not None and (entry.kind == "table" or column in columns):
                alive.append(entry)
    return detection._replace(removed_alive=tuple(alive))


def _identities(entries: Sequence[Entry]) -> Iterator[tuple[str, str]]:
    """(kind, key in lower case) of each entry, made in C: an inventory holds thousands."""
    return zip(
        map(attrgetter("kind"), entries),
        map(str.lower, map(attrgetter("key"), entries)),
        strict=True,
    )


def _head_tables(snapshot: Snapshot, ctx: DetectContext) -> dict[str, frozenset[str]] | None:
    """Table → columns that the migrations and the newest schema snapshot build at head, as
    `audit` replays them; None when a file cannot be read or parsed (nothing is decided)."""
    from selenite_inventory_lint.detectors import detector_called, named
    from selenite_inventory_lint.detectors.sources import claimants

    wanted = named("migrations") | named("schema_snapshots")
    mine = {
        path: [detector_called(n) for n in claimants(path, ctx) if n in wanted]
        for path in snapshot.paths()
        if not globs.match_any(ctx.config.exclude, path)
    }
    mine = {path: detectors for path, detectors in mine.items() if detectors}
    data = snapshot.read_many(sorted(mine))
    work: list[tuple[FileChange, Sequence[Detector]]] = []
    for path, detectors in sorted(mine.items()):
        raw = data.get(path)
        if raw is None or len(raw) > ctx.config.max_file_bytes:
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
        fc = FileChange(status="added", path=path, new_bytes=raw, new_text=text, loaded=True)
        work.append((fc, detectors))
    found = detect(work, snapshot, ctx)
    if found.problems:
        return None

    _, schema = replay(found.changes)
    return {
        name.lower(): frozenset(c.lower() for c in table.columns)
        for name, table in schema.tables.items()
    }


def replay(changes: Sequence[Change]) -> tuple[Schema, Schema]:
    """The schema the migrations among ``changes`` build, in time order, and that schema with
    the newest schema snapshot merged in (the last by name, as dated dumps sort): what
    `audit` and INV203 compare the inventory and the models with."""
    from selenite_inventory_lint.detectors import named
    from selenite_inventory_lint.schema import Schema

    migrations, snapshots = named("migrations"), named("schema_snapshots")
    ordered = sorted(changes, key=time_key)
    migrated = Schema().apply_all([c for c in ordered if c.source in migrations])
    schema = Schema().apply_all([c for c in ordered if c.source in migrations])
    dumps = sorted({c.path for c in changes if c.source in snapshots})
    if dumps:
        schema.merge(Schema().apply_all([c for c in ordered if c.path == dumps[-1]]))
    return migrated, schema
