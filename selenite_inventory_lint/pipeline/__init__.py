"""Change set → detectors → changes → rules → findings → ``RunResult``, one stage a module:

- ``inputs``: the change set's protocols and the inventory it is checked against;
- ``detect``: which detectors read which files, and what they find (``history`` orders the
  Alembic revisions in time);
- ``judge``: rules, severities, plans, suppressions and the selection, into findings;
- ``trust``: what a range with a base may not decide for itself (docs/security.md).

Pure apart from reading the head side through the change set's ``Snapshot``. Everything that
reaches the result is sorted by the keys in ``model.py`` (same input, same bytes).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from selenite_inventory_lint import __version__
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, ParsedFiles
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import FileChange, FileStatus, RunResult
from selenite_inventory_lint.pipeline.detect import (
    Detection,
    claimed,
    claims,
    detect,
    expect,
    settle,
    settle_removed_entries,
    settle_retirements,
    wants,
)
from selenite_inventory_lint.pipeline.history import alembic_dirs
from selenite_inventory_lint.pipeline.inputs import (
    INVENTORY_NAME,
    ChangeSet,
    Snapshot,
    decode,
    load_inventory_text,
    locate_inventory,
    moved_roots,
    path_roots,
    read_inventory,
    read_text,
)
from selenite_inventory_lint.pipeline.judge import Selection, judge, judge_detection
from selenite_inventory_lint.pipeline.trust import (
    CONFIG_FILES,
    Trust,
    config_change_problem,
    introduced_plans,
    plan_source,
    touches_plans,
)
from selenite_inventory_lint.snapshot import INDEX

if TYPE_CHECKING:
    from selenite_inventory_lint.inventory.parse import Inventory
    from selenite_inventory_lint.pipeline.trust import PlanSource

__all__ = [
    "CONFIG_FILES",
    "INVENTORY_NAME",
    "ChangeSet",
    "Detection",
    "PlanSource",
    "Selection",
    "Snapshot",
    "Trust",
    "alembic_dirs",
    "claimed",
    "decode",
    "detect",
    "judge",
    "judge_detection",
    "load_inventory_text",
    "locate_inventory",
    "moved_roots",
    "path_roots",
    "read_inventory",
    "run",
    "wants",
]


def run(
    changeset: ChangeSet, config: Config, *, selection: Selection, trust: Trust | None = None
) -> RunResult:
    """The whole check of one change set (docs/usage.md); ``trust`` for a range with a base."""
    snapshot = changeset.snapshot
    files = changeset.files
    config_change = (
        config_change_problem(files, snapshot) if trust and trust.config_from_base else None
    )
    introduced = introduced_plans(files, config) if trust else ()
    present = {f.path for f in files if f.status != "deleted"}
    inventory_path = locate_inventory(snapshot, config, present)
    statuses: dict[str, FileStatus] = {
        f.old_path: "deleted" for f in files if f.status == "renamed" and f.old_path
    }
    statuses.update({f.path: f.status for f in files})
    ctx = DetectContext(
        config=config,
        alembic_dirs=alembic_dirs(files, snapshot, config.exclude),
        head=snapshot,
        statuses=statuses,
        # The run's own: the retirement search reads a file once for both of its finders.
        parsed=ParsedFiles(),
    )
    found = claims([f for f in files if f.loaded], ctx)
    expect(found, snapshot, ctx)
    inventory_file = next((f for f in files if inventory_path in (f.path, f.old_path)), None)
    # A change to the inventory has it read whatever is claimed: while git answers ``expect``.
    read = _read(changeset, config, inventory_path, inventory_file) if inventory_file else None
    work = settle(found, snapshot)
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
        and not touches_plans(files, config)
    ):
        return empty  # the pre-commit fast path: nothing data-bearing, nothing parsed
    text, inventory, base_text, base_blob = read or _read(
        changeset, config, inventory_path, inventory_file
    )
    roots = (*path_roots(config, inventory, snapshot), *moved_roots(config, inventory))
    ctx = ctx._replace(path_roots=roots)
    detection = detect(work, snapshot, ctx)
    detection = settle_retirements(detection, snapshot, ctx, inventory)
    if base_text is not None:
        base_inventory = read_inventory(base_text, inventory_path, config, blob=base_blob)
        detection = settle_removed_entries(detection, snapshot, ctx, base_inventory, inventory)
    if config_change is not None:
        detection = detection._replace(problems=(*detection.problems, config_change))
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
        read=lambda p: read_text(snapshot, p),
        plans=plan_source(snapshot, files, config, ctx, introduced),
        introduced=introduced,
    )


def _read(
    changeset: ChangeSet, config: Config, path: str, file: FileChange | None
) -> tuple[str, Inventory, str | None, str]:
    """The inventory at ``path`` (``file`` when the change edits it): its text and reading,
    and its base text (None when there is none, or it cannot be read: then no entry is judged
    removed) with the base's blob id for the user cache."""
    data = file.new_bytes if file is not None else None
    if data is None:
        data = changeset.snapshot.read(path)
        if data is None:
            raise FatalError(f"cannot read the inventory '{path}'.")
    text = load_inventory_text(data, path, config)
    base_text = None
    if file is not None and file.old_bytes is not None:
        with contextlib.suppress(FatalError):
            base_text = load_inventory_text(file.old_bytes, path, config)
    # The user cache serves the hook alone (``cache.py``): the index, on the developer's machine.
    blob, base = "", None
    if changeset.head == INDEX and file is not None:
        blob = file.new_blob
        base = (base_text, file.old_blob) if base_text is not None else None
    inventory = read_inventory(text, path, config, blob=blob, base=base)
    return text, inventory, base_text, base[1] if base is not None else ""
