"""Changes → rules → findings: severities, data plans, suppressions and the selection, into a
``RunResult``."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from selenite_inventory_lint import __version__
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.model import (
    FileChange,
    Finding,
    IntroducedPlan,
    ReportedChange,
    RunResult,
    finding_key,
    reported_key,
)
from selenite_inventory_lint.pipeline.review import review
from selenite_inventory_lint.records import Record

if TYPE_CHECKING:
    from selenite_inventory_lint.data_plans import DataPlan
    from selenite_inventory_lint.inventory.parse import Inventory
    from selenite_inventory_lint.pipeline.detect import Detection
    from selenite_inventory_lint.pipeline.trust import PlanSource
    from selenite_inventory_lint.rules.context import RuleContext


def _code_matches(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(p) for p in prefixes)


class Selection(Record):
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
    ctx = ctx._replace(used_entry_lines=frozenset(used))

    def finding(code: str, hit: object, plan: DataPlan | None = None) -> Finding:
        from selenite_inventory_lint.rules.context import Hit

        assert isinstance(hit, Hit)
        severity = ctx.config.severity.get(code, BY_CODE[code].severity)
        message = hit.message
        if plan is not None and plan.path in introduced:
            # docs/security.md: the change approves itself, so a reviewer must see it.
            severity = "warning"
            message += (
                f"; data plan {plan.id} is introduced in this change: confirm that "
                f"{', '.join(plan.approved_by)} approved it"
            )
        elif plan is not None:
            severity = "info"  # docs/rules.md: an operation an approved plan covers is reported
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
            operation=hit.operation,
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
    plan_ctx = ctx._replace(problems=plan_problems)
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
    sup_ctx = ctx._replace(problems=sup_problems)
    kept = (*kept, *(finding("SUP101", hit) for hit in BY_CODE["SUP101"].check(sup_ctx)))
    findings = _distinct(sorted((f for f in kept if selection.allows(f.code)), key=finding_key))
    changes = tuple(sorted(reported, key=reported_key))
    return changes, findings


def _distinct(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Each finding once: the same code, place and message twice says nothing more."""
    seen: set[tuple[str, str, int, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        key = (finding.code, finding.path, finding.line, finding.message)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return tuple(kept)


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
        coverage=Coverage.of(inventory),
        revisions=detection.revisions,
        edited=detection.edited,
        context=detection.context,
        judge_all_entries=judge_all_entries,
        extra={"removed_alive": detection.removed_alive},
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
    return review(
        RunResult(
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
    )
