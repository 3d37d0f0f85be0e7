"""The trust model (docs/security.md#trust-model): in a range with a base, the change under
review does not set its own rules. Its configuration changes are reported (SUP102) and wait for
the merge; the data plans it brings are "introduced" and cover only as warnings, or nothing
with ``plans_from_base_only``. Also where the judge reads data plans from."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, registry, spec
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import FileChange, Problem
from selenite_inventory_lint.pipeline.history import head_revisions, version_dirs
from selenite_inventory_lint.pipeline.inputs import Snapshot, decode, read_text
from selenite_inventory_lint.records import Record

if TYPE_CHECKING:
    from selenite_inventory_lint.data_plans import DataPlan
    from selenite_inventory_lint.rules.context import Hit

    # Destructive hits (code, hit) → (hit index → covering plan, PLAN101 problems).
    PlanSource = Callable[
        [Sequence[tuple[str, Hit]]], tuple[Mapping[int, DataPlan], tuple[Problem, ...]]
    ]

# Read on both sides of a range, for SUP102.
CONFIG_FILES = (".inventory-lint.yaml", "pyproject.toml")


# Changed keys named by a SUP102 message; the rest are counted.
_KEYS_NAMED = 10


class Trust(Record):
    """A range with a base commit (docs/security.md): the change under review does not set
    its own rules. ``config_from_base``: the configuration was read at the base, so a change
    to it inside the range is reported (SUP102) and waits for the merge. Plans added or
    changed inside the range are introduced: what they cover stays a warning naming them, or
    nothing at all with ``plans_from_base_only``."""

    config_from_base: bool = True


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
        return None if moved else read_text(snapshot, name)

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


def touches_plans(files: Sequence[FileChange], config: Config) -> bool:
    from selenite_inventory_lint.detectors.sources import is_plan_path

    return any(is_plan_path(f.path, config.data_plans) for f in files)


def plan_source(
    snapshot: Snapshot,
    files: Sequence[FileChange],
    config: Config,
    ctx: DetectContext,
    introduced: Sequence[DataPlan] = (),
) -> PlanSource:
    """Data plans, read from the head side only when a destructive finding or a plan file
    of the change set needs them (docs/rules.md); with ``plans_from_base_only`` the ``introduced``
    ones cover nothing (docs/security.md)."""
    from selenite_inventory_lint.rules import PLAN_COVERABLE

    def exists() -> Callable[[str], bool]:
        revisions: set[str] | None = None

        def _named(name: str) -> bool:
            """A file at head whose path, base name or base name less its extension is
            ``name``: git is asked for those names only, the tree is never listed."""
            if snapshot.exists(name):
                return True
            if not name or "/" in name:
                return False
            return bool(
                snapshot.paths_matching(name=name) or snapshot.paths_matching(name=name, stem=True)
            )

        def _exists(name: str) -> bool:
            nonlocal revisions
            if _named(name.strip("/")):
                return True
            if revisions is None:
                # The whole revision graph at head, wherever alembic.ini puts it: the change may
                # touch only the plan, so the change set's own directories are not enough.
                every = ctx._replace(alembic_dirs=(*ctx.alembic_dirs, *version_dirs(snapshot)))
                revisions = {
                    r.revision
                    for d in registry()
                    if spec(d.name).revisions is not None
                    for r in head_revisions(snapshot, every, d)
                }
            return name in revisions

        return _exists

    def source(
        hits: Sequence[tuple[str, Hit]],
    ) -> tuple[Mapping[int, DataPlan], tuple[Problem, ...]]:
        from selenite_inventory_lint.detectors.sources import is_plan_path

        folder = config.data_plans
        changed = [f.path for f in files if f.status != "deleted" and is_plan_path(f.path, folder)]
        coverable = [(i, code, hit) for i, (code, hit) in enumerate(hits) if code in PLAN_COVERABLE]
        if not coverable and not changed:
            return {}, ()
        # Imported here: most runs cite nothing a plan could cover.
        from selenite_inventory_lint import data_plans

        cited = [
            data_plans.Cited(
                position=index,
                code=code,
                migration=hit.migration,
                path=hit.path,
                operation=hit.operation,
                object_name=hit.object_name,
            )
            for index, code, hit in coverable
        ]
        under = snapshot.paths_matching(folders=(folder.strip("/").removeprefix("./") + "/",))
        paths = [p for p in under if data_plans.is_plan_path(p, folder)]
        plans = [
            data_plans.parse_plan(path, decode(data))
            for path, data in sorted(snapshot.read_many(paths).items())
        ]
        return data_plans.judge_plans(
            [p for p in plans if p is not None],
            cited,
            changed=changed,
            exists=exists(),
            barred=[p.path for p in introduced] if config.plans_from_base_only else (),
        )

    return source
