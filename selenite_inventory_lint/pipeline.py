"""Change set → detectors → changes → rules → findings → ``RunResult``.

Pure apart from reading the head side through the change set's ``Snapshot``. Everything that
reaches the result is sorted by the keys in ``model.py`` (STYLE §2: same input, same bytes).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import heapq
import posixpath
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from selenite_inventory_lint import __version__, globs
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, Detector, registry
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import (
    Change,
    DetectorResult,
    FileChange,
    FileStatus,
    Finding,
    IntroducedPlan,
    Problem,
    ReportedChange,
    Revision,
    RunResult,
    change_key,
    finding_key,
)

if TYPE_CHECKING:
    from selenite_inventory_lint.data_plans import DataPlan
    from selenite_inventory_lint.inventory.parse import Inventory
    from selenite_inventory_lint.rules.context import EditedMigration, Hit, RuleContext

    # Destructive hits (code, hit) → (hit index → covering plan, PLAN101 problems).
    PlanSource = Callable[
        [Sequence[tuple[str, Hit]]], tuple[Mapping[int, DataPlan], tuple[Problem, ...]]
    ]

INVENTORY_NAME = "DATA_INVENTORY.md"
# Read on both sides of a range, for SUP102.
CONFIG_FILES = (".inventory-lint.yaml", "pyproject.toml")
# Changed keys named by a SUP102 message; the rest are counted.
_KEYS_NAMED = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Trust:
    """A range with a base commit (SPEC "Trust model"): the change under review does not set
    its own rules. ``config_from_base``: the configuration was read at the base, so a change
    to it inside the range is reported (SUP102) and waits for the merge. Plans added or
    changed inside the range are introduced: what they cover stays a warning naming them, or
    nothing at all with ``plans_from_base_only``."""

    config_from_base: bool = True


class Snapshot(Protocol):
    """The head side of a change set: ``changeset.Snapshot`` or ``memory.MemorySnapshot``."""

    def paths(self) -> tuple[str, ...]: ...
    def exists(self, path: str) -> bool: ...
    def read(self, path: str) -> bytes | None: ...
    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]: ...
    def grep(
        self, needles: Sequence[str], pathspecs: Sequence[str] = ()
    ) -> dict[str, tuple[str, ...]]: ...


class ChangeSet(Protocol):
    @property
    def base(self) -> str | None: ...
    @property
    def head(self) -> str: ...
    @property
    def files(self) -> tuple[FileChange, ...]: ...
    @property
    def snapshot(self) -> Snapshot: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """What the detectors found in one change set."""

    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]
    edited: tuple[EditedMigration, ...]
    revisions: tuple[Revision, ...]


def decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def locate_inventory(snapshot: Snapshot, config: Config) -> str:
    """SPEC §1: config ``inventory:``, else DATA_INVENTORY.md at the root, else the shallowest."""
    if config.inventory:
        path = config.inventory.strip("/").removeprefix("./")
        if not snapshot.exists(path):
            where = f" (set in {config.source})" if config.source else ""
            raise FatalError(
                f"the inventory '{path}'{where} does not exist; create it or fix `inventory:`."
            )
        return path
    if snapshot.exists(INVENTORY_NAME):
        return INVENTORY_NAME
    candidates = [p for p in snapshot.paths() if posixpath.basename(p) == INVENTORY_NAME]
    if not candidates:
        raise FatalError(
            f"no {INVENTORY_NAME} found in the repository; write one "
            "(`selenite-inventory-lint init`) or name it with `inventory:` in .inventory-lint.yaml."
        )
    return min(candidates, key=lambda p: (p.count("/"), p))


def alembic_dirs(files: Sequence[FileChange], snapshot: Snapshot) -> tuple[str, ...]:
    """Version directories named by alembic.ini files — looked up only when a changed Python
    file lives in some ``versions/`` directory, so ordinary commits never list the tree."""
    if not any("versions/" in f.path and f.path.endswith(".py") for f in files):
        return ()
    from selenite_inventory_lint.detectors.alembic import version_dirs_from_ini

    inis = [p for p in snapshot.paths() if posixpath.basename(p) == "alembic.ini"]
    dirs: list[str] = []
    for ini in inis:
        data = snapshot.read(ini)
        if data is not None:
            dirs.extend(version_dirs_from_ini(ini, decode(data)))
    return tuple(sorted(set(dirs)))


def _topological(revisions: Iterable[Revision]) -> list[Revision]:
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


def _head_revisions(
    snapshot: Snapshot,
    ctx: DetectContext,
    alembic: Detector,
    known: Mapping[str, Revision | None] | None = None,
) -> tuple[Revision, ...]:
    """Every revision on the head side; ``known`` holds those the detector already read."""
    from selenite_inventory_lint.detectors.alembic import read_revision

    known = known or {}
    paths = [p for p in snapshot.paths() if alembic.claims(p, ctx)]
    found = {p: known[p] for p in paths if p in known}
    for path, data in snapshot.read_many([p for p in paths if p not in known]).items():
        found[path] = read_revision(path, decode(data))
    return tuple(rev for _, rev in sorted(found.items()) if rev is not None)


def claimed(
    files: Sequence[FileChange], ctx: DetectContext
) -> list[tuple[FileChange, Sequence[Detector]]]:
    """Each file some detector reads, with those detectors; decided from paths alone, so the
    detector modules are imported only when a file is claimed."""
    from selenite_inventory_lint.detectors.sources import claimants

    names: list[tuple[FileChange, tuple[str, ...]]] = []
    for fc in files:
        if globs.match_any(ctx.config.exclude, fc.path):
            continue
        mine = claimants(fc.path, ctx)
        if not mine and fc.old_path and fc.old_path != fc.path:
            mine = claimants(fc.old_path, ctx)
        if mine:
            names.append((fc, mine))
    if not names:
        return []
    by_name = {detector.name: detector for detector in registry()}
    return [(fc, [by_name[name] for name in mine]) for fc, mine in names]


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


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """Parsing thousands of files allocates millions of short-lived objects; with the default
    thresholds the garbage collector ran hundreds of full collections over everything alive
    (imported modules, the change set), a third of a large audit's time. That heap is frozen
    (it lives through the run anyway) and young objects are collected less often."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def detect(
    work: Sequence[tuple[FileChange, Sequence[Detector]]],
    snapshot: Snapshot,
    ctx: DetectContext,
    progress: Callable[[int, int], None] | None = None,
) -> Detection:
    """Run every claiming detector on every loaded file of the change set.

    ``progress(done, total)`` is called after each file, for long audits.
    """
    from selenite_inventory_lint.detectors import SELF_CONTAINED
    from selenite_inventory_lint.parallel import map_items
    from selenite_inventory_lint.rules.context import EditedMigration

    changes: list[Change] = []
    problems: list[Problem] = []
    edited: list[EditedMigration] = []
    alembic_touched = False
    # Revisions the detector read from the head side's text, not to be parsed again.
    known: dict[str, Revision | None] = {}

    def run_detectors(item: tuple[FileChange, Sequence[Detector]]) -> list[DetectorResult]:
        return [detector.detect(item[0], ctx) for detector in item[1]]

    with _few_collections():
        every = map_items(
            work,
            run_detectors,
            movable=lambda item: all(d.name in SELF_CONTAINED for d in item[1]),
            weight=lambda item: len(item[0].new_bytes or b"") + len(item[0].old_bytes or b""),
            progress=progress,
        )
    for (fc, detectors), results in zip(work, every, strict=True):
        for detector, result in zip(detectors, results, strict=True):
            changes.extend(result.changes)
            problems.extend(result.problems)
            if detector.name == "alembic":
                alembic_touched = True
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
    if alembic_touched:
        alembic = next(d for d in registry() if d.name == "alembic")
        revisions = _head_revisions(snapshot, ctx, alembic, known)
    # Time order of migrations (SPEC §4 "earlier in the same change"): Alembic revisions in
    # graph order, every other file after them in path order.
    sequence = {rev.path: i for i, rev in enumerate(_topological(revisions))}
    offset = len(sequence)
    for i, path in enumerate(sorted({c.path for c in changes} - sequence.keys())):
        sequence[path] = offset + i
    ordered = tuple(
        dataclasses.replace(c, sequence=sequence[c.path]) if c.sequence != sequence[c.path] else c
        for c in changes
    )
    return Detection(
        changes=ordered,
        problems=tuple(problems),
        edited=tuple(sorted(edited, key=lambda e: e.path)),
        revisions=revisions,
    )


def path_roots(config: Config, inventory: Inventory) -> tuple[str, ...]:
    """SPEC §3.5 data roots: config ``path_roots``, else one per top-level directory of the
    inventory's Paths entries — the deepest directory holding all of that directory's entries,
    which gives the spec's ``storage/``, ``logs/``, ``backend/models/`` for the reference (a
    lone ``backend/models/`` must not make all of ``backend/`` a data root)."""
    if config.path_roots is not None:
        return tuple(sorted(r.strip("/").removeprefix("./") + "/" for r in config.path_roots))
    groups: dict[str, list[str]] = {}
    for entry in inventory.entries:
        if entry.kind != "path":
            continue
        key = entry.key.strip().removeprefix("./")
        directory = key if key.endswith("/") else posixpath.dirname(key)
        parts: list[str] = []
        for part in directory.strip("/").split("/"):
            if not part or globs.is_glob(part):
                break
            parts.append(part)
        if parts:
            groups.setdefault(parts[0], []).append("/".join(parts))
    roots = []
    for dirs in groups.values():
        common = posixpath.commonpath(dirs) if len(dirs) > 1 else dirs[0]
        roots.append(common + "/")
    return tuple(sorted(roots))


def _code_matches(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(p) for p in prefixes)


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """Which codes run, from config and command line (``--select`` replaces, ``--ignore`` adds)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def allows(self, code: str) -> bool:
        if self.select and not _code_matches(code, self.select):
            return False
        return not _code_matches(code, self.ignore)


def judge(
    ctx: RuleContext,
    *,
    selection: Selection,
    texts: Mapping[str, str],
    old_texts: Mapping[str, str],
    read: Callable[[str], str | None] | None = None,
    plans: PlanSource | None = None,
    only: frozenset[str] | None = None,
    introduced: Collection[str] = (),
) -> tuple[tuple[ReportedChange, ...], tuple[Finding, ...]]:
    """Run the rules on ``ctx``; apply severities, suppressions and the selection.

    ``only`` limits the rules that run (``audit`` runs the ones that judge a whole repository);
    a suppression of a code that did not run is never reported as unused. What a plan in
    ``introduced`` (paths of plans added or changed inside a range) covers stays a warning.
    """
    from selenite_inventory_lint.rules import BY_CODE, RULES
    from selenite_inventory_lint.rules.undocumented import documenting_entry
    from selenite_inventory_lint.suppressions import apply_suppressions, parse_suppressions

    reported = []
    used: set[int] = set()
    for change in ctx.changes:
        entry = documenting_entry(change, ctx)
        documented = None if change.kind == "index" else entry is not None
        if entry is not None and change.action != "dropped":
            used.add(entry.line)
        reported.append(ReportedChange(change=change, documented=documented))
    ctx = dataclasses.replace(ctx, used_entry_lines=frozenset(used))

    def finding(code: str, hit: object, plan: DataPlan | None = None) -> Finding:
        from selenite_inventory_lint.rules.context import Hit

        assert isinstance(hit, Hit)
        severity = ctx.config.severity.get(code, BY_CODE[code].severity)
        message = hit.message
        if plan is not None and plan.path in introduced:
            # SPEC "Trust model": the change approves itself, so a reviewer must see it.
            severity = "warning"
            message += (
                f"; data plan {plan.id} is introduced in this change: confirm that "
                f"{', '.join(plan.approved_by)} approved it"
            )
        elif plan is not None:
            severity = "info"  # SPEC §4: an operation an approved plan covers is reported
        return Finding(
            code=code,
            severity=severity,
            message=message,
            path=hit.path,
            line=hit.line,
            column=hit.column,
            object_kind=hit.object_kind,
            object_name=hit.object_name,
            covered_by_plan=plan.id if plan is not None else None,
        )

    # Late rules (PLAN101, SUP101) judge the other findings, so they run after them.
    hits = [
        (rule.code, hit)
        for rule in RULES
        if not rule.late and (only is None or rule.code in only)
        for hit in rule.check(ctx)
    ]
    covered, plan_problems = plans(hits) if plans is not None else ({}, ())
    raw = [finding(code, hit, covered.get(i)) for i, (code, hit) in enumerate(hits)]
    plan_ctx = dataclasses.replace(ctx, problems=plan_problems)
    raw.extend(finding("PLAN101", hit) for hit in BY_CODE["PLAN101"].check(plan_ctx))

    # Suppression comments live in the files findings point at and in the changed files.
    suppressions = {}
    paths = set(texts) | {f.path for f in raw}
    for path in sorted(paths):
        text = texts.get(path)
        if text is None and read is not None:
            text = read(path)
        if text:
            found = parse_suppressions(path, text)
            if found:
                suppressions[path] = found

    old_lines: dict[str, set[str]] = {}

    def is_new(path: str, line: int) -> bool:
        old = old_texts.get(path)
        if old is None:
            return True
        if path not in old_lines:
            old_lines[path] = {o.strip() for o in old.splitlines()}
        lines = texts.get(path, "").splitlines()
        return 0 < line <= len(lines) and lines[line - 1].strip() not in old_lines[path]

    kept, sup_problems = apply_suppressions(raw, suppressions, BY_CODE.keys(), is_new, checked=only)
    sup_ctx = dataclasses.replace(ctx, problems=sup_problems)
    kept = (*kept, *(finding("SUP101", hit) for hit in BY_CODE["SUP101"].check(sup_ctx)))
    findings = tuple(sorted((f for f in kept if selection.allows(f.code)), key=finding_key))
    changes = tuple(sorted(reported, key=lambda r: change_key(r.change)))
    return changes, findings


def load_inventory_text(data: bytes, path: str, config: Config) -> str:
    """The inventory's bytes as text, held to ``max_file_bytes`` like every file read."""
    from selenite_inventory_lint.inventory.parse import decode_inventory

    if len(data) > config.max_file_bytes:
        raise FatalError(
            f"the inventory '{path}' is {len(data)} bytes, over max_file_bytes "
            f"({config.max_file_bytes}); split it, or raise `max_file_bytes` in the configuration."
        )
    text = decode_inventory(data)
    if "\0" in text:
        # UTF-16 without a byte order mark, or not text at all: read as UTF-8 it would
        # silently hold no entries.
        raise FatalError(
            f"the inventory '{path}' is not text in a known encoding (it holds NUL bytes); "
            "save it as UTF-8, or as UTF-16 with a byte order mark."
        )
    return text


def read_inventory(text: str, path: str, config: Config) -> Inventory:
    from selenite_inventory_lint.inventory.parse import parse_inventory

    return parse_inventory(text, path, dict(config.sections))


def run(
    changeset: ChangeSet, config: Config, *, selection: Selection, trust: Trust | None = None
) -> RunResult:
    """The whole check of one change set (SPEC §2 to §5); ``trust`` for a range with a base."""
    snapshot = changeset.snapshot
    files = changeset.files
    config_change = (
        config_change_problem(files, snapshot) if trust and trust.config_from_base else None
    )
    introduced = introduced_plans(files, config) if trust else ()
    inventory_path = locate_inventory(snapshot, config)
    statuses: dict[str, FileStatus] = {
        f.old_path: "deleted" for f in files if f.status == "renamed" and f.old_path
    }
    statuses.update({f.path: f.status for f in files})
    ctx = DetectContext(
        config=config,
        alembic_dirs=alembic_dirs(files, snapshot),
        head=snapshot,
        statuses=statuses,
    )
    work = claimed([f for f in files if f.loaded], ctx)
    inventory_file = next((f for f in files if inventory_path in (f.path, f.old_path)), None)
    empty = RunResult(
        tool_version=__version__,
        base=changeset.base,
        head=changeset.head,
        inventory=inventory_path,
        changes=(),
        findings=(),
    )
    if (
        not work
        and inventory_file is None
        and config_change is None
        and not _touches_plans(files, config)
    ):
        return empty  # the pre-commit fast path: nothing data-bearing, nothing parsed
    data = inventory_file.new_bytes if inventory_file is not None else None
    if data is None:
        data = snapshot.read(inventory_path)
        if data is None:
            raise FatalError(f"cannot read the inventory '{inventory_path}'.")
    text = load_inventory_text(data, inventory_path, config)
    inventory = read_inventory(text, inventory_path, config)
    ctx = dataclasses.replace(ctx, path_roots=path_roots(config, inventory))
    detection = detect(work, snapshot, ctx)
    detection = _settle_retirements(detection, snapshot, ctx, inventory)
    if config_change is not None:
        detection = dataclasses.replace(detection, problems=(*detection.problems, config_change))
    return judge_detection(
        detection,
        inventory,
        text,
        config,
        files=files,
        selection=selection,
        judge_all_entries=inventory_file is not None,
        base=changeset.base,
        head=changeset.head,
        read=lambda p: _read_text(snapshot, p),
        plans=_plan_source(snapshot, files, config, ctx, introduced),
        introduced=introduced,
    )


def config_change_problem(files: Sequence[FileChange], snapshot: Snapshot) -> Problem | None:
    """SUP102: the settings at the head differ from those at the base, which are in force."""
    from selenite_inventory_lint.config import (
        CONFIG_FILE,
        changed_keys,
        discover_settings,
        parse_config,
    )

    names = (CONFIG_FILE, "pyproject.toml")
    old: dict[str, str | None] = {}
    new: dict[str, str | None] = {}
    touched = False
    for fc in files:
        if fc.path in names and fc.status != "deleted":
            new[fc.path] = fc.new_text
            touched = True
        source = fc.old_path or fc.path
        if source in names and fc.status not in ("added", "copied"):
            old[source] = fc.old_text
            touched = True
    if not touched:
        return None

    def side(texts: Mapping[str, str | None], name: str) -> str | None:
        if name in texts:
            return texts[name]
        moved = any(name in (fc.path, fc.old_path) for fc in files)
        return None if moved else _read_text(snapshot, name)

    try:
        before = discover_settings(lambda name: side(old, name))
    except FatalError:
        before = None  # the run already stopped on the base's configuration if it is in force
    # Fail closed: a configuration that would break every run once merged stops this one.
    after = discover_settings(lambda name: side(new, name))
    if after is not None:
        parse_config(after.data, after.path, after.lines)
    keys = changed_keys(before, after)
    if not keys:
        return None
    path = after.path if after is not None else before.path if before is not None else CONFIG_FILE
    named = ", ".join(keys[:_KEYS_NAMED])
    more = len(keys) - _KEYS_NAMED
    what = named + (f" and {more} more" if more > 0 else "")
    line = after.lines.get(keys[0], 1) if after is not None else 1
    return Problem(
        code="SUP102",
        path=path,
        line=line,
        message=f"configuration changed inside the change set ({what}); "
        "the configuration of the base is in force until it is merged",
    )


def introduced_plans(files: Sequence[FileChange], config: Config) -> tuple[DataPlan, ...]:
    """Readable data plans added or changed inside the range; a plan that was only renamed
    is the base's."""
    from selenite_inventory_lint import data_plans

    found = []
    for fc in files:
        if fc.status == "deleted" or not data_plans.is_plan_path(fc.path, config.data_plans):
            continue
        if fc.status == "renamed" and fc.old_bytes == fc.new_bytes:
            continue
        plan = data_plans.parse_plan(fc.path, fc.new_text or "")
        if isinstance(plan, data_plans.DataPlan):
            found.append(plan)
    return tuple(sorted(found, key=lambda p: p.path))


def _touches_plans(files: Sequence[FileChange], config: Config) -> bool:
    from selenite_inventory_lint.detectors.sources import is_plan_path

    return any(is_plan_path(f.path, config.data_plans) for f in files)


def _plan_source(
    snapshot: Snapshot,
    files: Sequence[FileChange],
    config: Config,
    ctx: DetectContext,
    introduced: Sequence[DataPlan] = (),
) -> PlanSource:
    """Data plans, read from the head side only when a destructive finding or a plan file
    of the change set needs them (SPEC §4); with ``plans_from_base_only`` the ``introduced``
    ones cover nothing (SPEC "Trust model")."""
    from selenite_inventory_lint import data_plans
    from selenite_inventory_lint.rules import PLAN_COVERABLE

    def exists(listing: Sequence[str]) -> Callable[[str], bool]:
        names = set(listing)
        for path in listing:
            names.add(posixpath.basename(path))
            names.add(posixpath.splitext(posixpath.basename(path))[0])
        revisions: set[str] | None = None

        def _exists(name: str) -> bool:
            nonlocal revisions
            if name.strip("/") in names:
                return True
            if revisions is None:
                alembic = next(d for d in registry() if d.name == "alembic")
                revisions = {r.revision for r in _head_revisions(snapshot, ctx, alembic)}
            return name in revisions

        return _exists

    def source(
        hits: Sequence[tuple[str, Hit]],
    ) -> tuple[Mapping[int, DataPlan], tuple[Problem, ...]]:
        folder = config.data_plans
        changed = [
            f.path
            for f in files
            if f.status != "deleted" and data_plans.is_plan_path(f.path, folder)
        ]
        cited = [
            data_plans.Cited(
                index=index,
                code=code,
                migration=hit.migration,
                path=hit.path,
                operation=hit.operation,
                object_name=hit.object_name,
            )
            for index, (code, hit) in enumerate(hits)
            if code in PLAN_COVERABLE
        ]
        if not cited and not changed:
            return {}, ()
        listing = snapshot.paths()
        paths = [p for p in listing if data_plans.is_plan_path(p, folder)]
        plans = [
            data_plans.parse_plan(path, decode(data))
            for path, data in sorted(snapshot.read_many(paths).items())
        ]
        return data_plans.judge_plans(
            [p for p in plans if p is not None],
            cited,
            changed=changed,
            exists=exists(listing),
            barred=[p.path for p in introduced] if config.plans_from_base_only else (),
        )

    return source


def _settle_retirements(
    detection: Detection, snapshot: Snapshot, ctx: DetectContext, inventory: Inventory
) -> Detection:
    """Keep a "reference removed" candidate only when nothing at head still refers to its entry."""
    from selenite_inventory_lint.retirement import REMOVED

    if not any(c.action == "dropped" and c.operation == REMOVED for c in detection.changes):
        return detection
    from selenite_inventory_lint.inventory.coverage import Coverage
    from selenite_inventory_lint.retirement import settle

    changes = settle(detection.changes, snapshot, ctx, Coverage(inventory))
    return dataclasses.replace(detection, changes=changes)


def _read_text(snapshot: Snapshot, path: str) -> str | None:
    data = snapshot.read(path)
    return None if data is None else decode(data)


def judge_detection(
    detection: Detection,
    inventory: Inventory,
    inventory_text: str,
    config: Config,
    *,
    files: Sequence[FileChange],
    selection: Selection,
    judge_all_entries: bool,
    base: str | None,
    head: str,
    read: Callable[[str], str | None] | None = None,
    plans: PlanSource | None = None,
    introduced: Sequence[DataPlan] = (),
) -> RunResult:
    """Detected changes + the inventory → findings, as a ``RunResult``."""
    from selenite_inventory_lint.inventory.coverage import Coverage
    from selenite_inventory_lint.rules.context import RuleContext

    ctx = RuleContext(
        config=config,
        changes=detection.changes,
        files=tuple(files),
        problems=detection.problems,
        inventory=inventory,
        coverage=Coverage(inventory),
        revisions=detection.revisions,
        edited=detection.edited,
        judge_all_entries=judge_all_entries,
    )
    texts = {f.path: f.new_text for f in files if f.new_text is not None}
    texts[inventory.path] = inventory_text
    old_texts = {f.path: f.old_text for f in files if f.old_text is not None}
    changes, findings = judge(
        ctx,
        selection=selection,
        texts=texts,
        old_texts=old_texts,
        read=read,
        plans=plans,
        introduced=frozenset(p.path for p in introduced),
    )
    return RunResult(
        tool_version=__version__,
        base=base,
        head=head,
        inventory=inventory.path,
        changes=changes,
        findings=findings,
        inventory_text=inventory_text,
        inventory_sections=tuple(sorted(config.sections.items())),
        introduced_plans=tuple(
            IntroducedPlan(
                id=plan.id,
                path=plan.path,
                approved_by=plan.approved_by,
                covers=tuple(f for f in findings if f.covered_by_plan == plan.id),
                barred=config.plans_from_base_only,
            )
            for plan in introduced
        ),
    )
