"""Data plans: the one way a destructive migration passes (docs/rules.md). Pure.

A plan is a Markdown file under ``data_plans`` (default ``docs/data-plans/``) whose YAML front
matter (read with ``yaml.safe_load``) names the migrations and operations it approves. It
covers a MIG1xx finding when it lists the finding's migration and operation and has
``approved_by``, ``approved_on``, ``backup`` and ``rollback`` filled. A plan that would cover a
finding but is incomplete, or a plan in the change set that is incomplete or names a
migration that does not exist, is a PLAN101 problem.
"""

from __future__ import annotations

import datetime
import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from selenite_inventory_lint.detectors.sources import PLAN_SUFFIXES as PLAN_SUFFIXES
from selenite_inventory_lint.detectors.sources import is_plan_path as is_plan_path
from selenite_inventory_lint.model import Problem
from selenite_inventory_lint.records import Record

CODE = "PLAN101"
REQUIRED = ("approved_by", "approved_on", "backup", "rollback")
# Matched against the stripped value: one optional word and an optional colon, so no two
# quantifiers compete for the same blanks (the unstripped pattern was cubic in spaces).
_PLACEHOLDER = re.compile(r"(?:todo|tbd|fixme|\.\.\.|-|n/?a|none|null)?\s*:?", re.I)
_FRONT_END = re.compile(r"^(?:---|\.\.\.)\s*$")


class DataPlan(Record):
    path: str
    id: str
    migrations: tuple[str, ...]
    operations: tuple[str, ...]
    # Required fields that are absent, empty or a placeholder, in SPEC order.
    missing: tuple[str, ...]
    # Line of each front-matter key, for findings that name one.
    lines: tuple[tuple[str, int], ...] = ()
    approved_by: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing

    def line(self, key: str) -> int:
        return dict(self.lines).get(key, 1)

    def covers(self, migration: str | None, path: str, operation: str | None) -> bool:
        """Does the plan list this finding's migration and operation?"""
        if operation is None or _normal(operation) not in {_normal(o) for o in self.operations}:
            return False
        names = {migration, path, posixpath.basename(path), _stem(path)} - {None}
        return any(m in names or _stem(m) in names for m in self.migrations)


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _stem(path: str) -> str:
    base = posixpath.basename(path)
    return base.rsplit(".", 1)[0] if "." in base else base


def _problem(path: str, line: int, message: str) -> Problem:
    return Problem(code=CODE, path=path, line=line, message=message)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
    text = str(value).strip()
    return (text,) if text else ()


def _filled(value: Any) -> bool:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return True
    values = _strings(value)
    return bool(values) and not all(_PLACEHOLDER.fullmatch(v.strip()) for v in values)


def _raw_scalars(node: Any) -> dict[str, tuple[str, ...]]:
    """Top-level values as written: YAML would read `0002` as the number 2."""
    import yaml

    found: dict[str, tuple[str, ...]] = {}
    if not isinstance(node, yaml.MappingNode):
        return found
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        items = value.value if isinstance(value, yaml.SequenceNode) else [value]
        found[str(key.value)] = tuple(
            str(item.value).strip()
            for item in items
            if isinstance(item, yaml.ScalarNode) and str(item.value).strip()
        )
    return found


def parse_plan(path: str, text: str) -> DataPlan | Problem | None:
    """A plan from its file text; None when the file has no front matter (not a plan)."""
    import yaml

    from selenite_inventory_lint.config import YamlTooLarge, read_yaml

    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i in range(1, len(lines)) if _FRONT_END.match(lines[i])), None)
    if end is None:
        return _problem(path, 1, "data plan front matter is not closed by a `---` line")
    block = "\n".join(lines[1:end])
    try:
        node, data = read_yaml(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        why = getattr(exc, "problem", None) or "invalid YAML"
        return _problem(path, line, f"data plan front matter is not valid YAML ({why})")
    except RecursionError:
        return _problem(path, 1, "data plan front matter is nested too deeply")
    except YamlTooLarge as exc:
        return _problem(path, 1, f"data plan front matter expands YAML aliases too far ({exc})")
    if not isinstance(data, dict):
        return _problem(path, 1, "data plan front matter must be a mapping of keys to values")
    keys = tuple(
        (m.group(1), number + 2)
        for number, raw in enumerate(lines[1:end])
        if (m := re.match(r"^([A-Za-z_][\w-]*)\s*:", raw))
    )
    raw = _raw_scalars(node)
    plan_id = raw.get("id", ())
    return DataPlan(
        path=path,
        id=plan_id[0] if plan_id else _stem(path),
        migrations=raw.get("migrations", ()),
        operations=raw.get("operations", ()),
        missing=tuple(key for key in REQUIRED if not _filled(data.get(key))),
        lines=keys,
        approved_by=raw.get("approved_by", ()),
    )


class Cited(Record):
    """A destructive finding as plans see it: its place among them (``position``; a record's
    ``index`` is the tuple method), migration, path and operation."""

    position: int
    code: str
    migration: str | None
    path: str
    operation: str | None
    object_name: str


def judge_plans(
    plans: Iterable[DataPlan | Problem],
    cited: Sequence[Cited],
    *,
    changed: Iterable[str],
    exists: Callable[[str], bool],
    barred: Iterable[str] = (),
) -> tuple[dict[int, DataPlan], tuple[Problem, ...]]:
    """Which findings complete plans cover (index → plan) and the PLAN101 problems.

    Plans in the change set (``changed``) are judged whole: readable, complete, listing
    migrations and operations, every migration existing. Other plans only when they list a
    finding's migration and operation but cannot cover it. Plans in ``barred`` cover nothing
    (``plans_from_base_only``) but are judged all the same.
    """
    changed = set(changed)
    barred = set(barred)
    covered: dict[int, DataPlan] = {}
    problems: list[Problem] = []
    readable: list[DataPlan] = []
    for plan in plans:
        if isinstance(plan, Problem):
            if plan.path in changed:
                problems.append(plan)
        else:
            readable.append(plan)
    readable.sort(key=lambda p: p.path)
    for finding in cited:
        for plan in readable:
            if plan.path in barred:
                continue
            if plan.complete and plan.covers(finding.migration, finding.path, finding.operation):
                covered[finding.position] = plan
                break
    reported: set[str] = set()
    for finding in cited:
        if finding.position in covered:
            continue
        for plan in readable:
            if plan.complete or not plan.covers(finding.migration, finding.path, finding.operation):
                continue
            reported.add(plan.path)
            problems.append(
                _problem(
                    plan.path,
                    plan.line(plan.missing[0]),
                    f"data plan {plan.id} cannot approve {finding.code} on "
                    f"{finding.object_name}: {_missing(plan)}",
                )
            )
    for plan in readable:
        if plan.path not in changed:
            continue
        if not plan.complete and plan.path not in reported:
            problems.append(
                _problem(
                    plan.path, plan.line(plan.missing[0]), f"data plan {plan.id}: {_missing(plan)}"
                )
            )
        if not plan.migrations or not plan.operations:
            what = "migrations" if not plan.migrations else "operations"
            problems.append(
                _problem(plan.path, plan.line(what), f"data plan {plan.id} lists no {what}")
            )
        for migration in plan.migrations:
            if not exists(migration):
                problems.append(
                    _problem(
                        plan.path,
                        plan.line("migrations"),
                        f"data plan {plan.id} names migration {migration}, which does not exist",
                    )
                )
    return covered, tuple(problems)


def _missing(plan: DataPlan) -> str:
    fields = ", ".join(plan.missing)
    return f"{fields} {'is' if len(plan.missing) == 1 else 'are'} missing or empty"
