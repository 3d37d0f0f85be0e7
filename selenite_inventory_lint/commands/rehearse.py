"""`rehearse BACKUP`: run the pending migrations on a copy of a SQLite backup (docs/promotion.md).

The commit (``--rev``, default HEAD) is exported to a temporary directory, the backup is
copied to the inventory's primary database path in it, the migration command runs there, and
the copy is measured before and after. The backup itself is only hashed and copied, and the
work tree is never touched. This command runs repository code (Alembic revisions, `env.py`):
it is for trusted operators, never part of `check`, `audit` or the hooks.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from selenite_inventory_lint.errors import EXIT_FINDINGS, EXIT_OK, FatalError
from selenite_inventory_lint.reports import plural

if TYPE_CHECKING:
    from selenite_inventory_lint.config import Config
    from selenite_inventory_lint.pipeline import PlanSource, Snapshot
    from selenite_inventory_lint.rehearsal.measure import Measurement
    from selenite_inventory_lint.rehearsal.report import Rehearsal

# Tables are counted one by one with a progress line when the copy is at least this large.
_LOUD_BYTES = 64 * 1024 * 1024
# What a rehearsal judges: the data it loses, and what the upgrade added to the schema.
CODES = frozenset(
    {"DATA101", "DATA102", "DATA103", "DATA104", "DATA201", "DATA202", "DATA203"}
    | {"INV101", "INV102"}
)


def _say(message: str) -> None:
    print(f"selenite-inventory-lint: rehearse: {message}", file=sys.stderr)


def _quiet(message: str) -> None:
    pass


def _date(value: str | None) -> str:
    if value is None:
        return datetime.date.today().isoformat()
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise FatalError(f"--date expects YYYY-MM-DD, got '{value}'.") from exc


def _env(pairs: Sequence[str]) -> list[tuple[str, str]]:
    found = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise FatalError(f"--env expects NAME=VALUE, got '{pair}'.")
        found.append((name.strip(), value))
    return found


def _targets(args: argparse.Namespace) -> list[tuple[str, str]]:
    from selenite_inventory_lint.commands.output import _split_report
    from selenite_inventory_lint.rehearsal.report import FORMATS

    targets = [_split_report(spec) for spec in args.report]
    for fmt in (args.format, *(fmt for fmt, _ in targets)):
        if fmt not in FORMATS:
            raise FatalError(
                f"unknown format '{fmt}' for rehearse; choose one of {', '.join(FORMATS)}."
            )
    return targets


@dataclass(frozen=True, slots=True, kw_only=True)
class _Plan:
    """How the copy is migrated, decided before anything runs."""

    display: str
    command: str | None  # a shell command, or None: apply ``sql`` with sqlite3
    cwd: Path
    sql: tuple[str, ...] = ()
    # Pending migrations as (id, file path): Alembic revision ids, or SQL file paths.
    pending: tuple[tuple[str, str], ...] = ()
    heads: tuple[str, ...] = ()


def _alembic_ini(snapshot: Snapshot) -> str | None:
    inis = [p for p in snapshot.paths() if p.rsplit("/", 1)[-1] == "alembic.ini"]
    return min(inis, key=lambda p: (p.count("/"), p)) if inis else None


def _alembic_pending(
    snapshot: Snapshot, ini: str, pre: Measurement
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    from selenite_inventory_lint.detectors.alembic import read_revision, version_dirs_from_ini
    from selenite_inventory_lint.pipeline import decode
    from selenite_inventory_lint.rehearsal.run import pending_revisions

    dirs = version_dirs_from_ini(ini, decode(snapshot.read(ini) or b""))
    files = [
        p
        for p in snapshot.paths()
        if p.endswith(".py") and not p.endswith("/__init__.py") and p.startswith(dirs)
    ]
    revisions = [
        rev
        for path, data in sorted(snapshot.read_many(files).items())
        if (rev := read_revision(path, decode(data))) is not None
    ]
    pending, heads = pending_revisions(revisions, pre.versions)
    paths = {r.revision: r.path for r in revisions}
    return tuple((rid, paths[rid]) for rid in pending), heads


def _decide(
    args: argparse.Namespace,
    export: Path,
    snapshot: Snapshot,
    config: Config,
    copy: Path,
    pre: Measurement,
) -> _Plan:
    from selenite_inventory_lint.detectors import DetectContext, sources
    from selenite_inventory_lint.rehearsal import run as rehearsal_run

    ini = _alembic_ini(snapshot)
    pending: tuple[tuple[str, str], ...] = ()
    heads: tuple[str, ...] = ()
    migrations: tuple[str, ...] = ()
    sql: tuple[str, ...] = ()
    if ini is not None:
        pending, heads = _alembic_pending(snapshot, ini, pre)
    else:
        ctx = DetectContext(config=config)
        applied = rehearsal_run.applied_sql(copy)
        migrations = tuple(p for p in snapshot.paths() if sources.sql_role(p, ctx) == "migration")
        sql = tuple(sorted(p for p in migrations if not rehearsal_run.is_applied(p, applied)))
        pending = tuple((p, p) for p in sql)
    if args.run is not None:
        return _Plan(
            display=args.run,
            command=rehearsal_run.substitute(args.run, copy, shell=True),
            cwd=export,
            pending=pending,
        )
    if ini is not None:
        ini_path = export / ini
        display = rehearsal_run.alembic_command(ini_path, copy)
        return _Plan(
            display=display.replace(rehearsal_run.PYTHON, "python", 1),
            command=rehearsal_run.substitute(display, copy, shell=True),
            cwd=ini_path.parent,
            pending=pending,
            heads=heads,
        )
    if not migrations:
        raise FatalError(
            "found neither an alembic.ini nor SQL migrations to apply at "
            f"{args.rev}; pass the migration command with --run CMD."
        )
    return _Plan(
        display=f"apply {plural(len(sql), 'pending SQL migration')} with sqlite3",
        command=None,
        cwd=export,
        sql=sql,
        pending=pending,
    )


def _plan_source(
    snapshot: Snapshot, config: Config, pending: Sequence[tuple[str, str]]
) -> PlanSource:
    """Data plans cover DATA1xx losses by the rules that cover MIG1xx findings (docs/rules.md): a
    plan must list one of the pending migrations and the loss's operation."""
    from selenite_inventory_lint import data_plans
    from selenite_inventory_lint.data_plans import DataPlan
    from selenite_inventory_lint.model import Problem
    from selenite_inventory_lint.pipeline import decode
    from selenite_inventory_lint.rules import PLAN_COVERABLE
    from selenite_inventory_lint.rules.context import Hit

    def source(
        hits: Sequence[tuple[str, Hit]],
    ) -> tuple[Mapping[int, DataPlan], tuple[Problem, ...]]:
        cited = [
            data_plans.Cited(
                position=index,
                code=code,
                migration=migration,
                path=path,
                operation=hit.operation,
                object_name=hit.object_name,
            )
            for index, (code, hit) in enumerate(hits)
            if code in PLAN_COVERABLE
            for migration, path in pending
        ]
        if not cited:
            return {}, ()
        paths = [p for p in snapshot.paths() if data_plans.is_plan_path(p, config.data_plans)]
        plans = [
            data_plans.parse_plan(path, decode(data))
            for path, data in sorted(snapshot.read_many(paths).items())
        ]
        covered, problems = data_plans.judge_plans(
            [p for p in plans if p is not None], cited, changed=(), exists=lambda _m: True
        )
        return covered, tuple(dict.fromkeys(problems))

    return source


def _execute(
    plan: _Plan, env: Mapping[str, str], copy: Path, export: Path
) -> tuple[int, tuple[str, ...]]:
    from selenite_inventory_lint.rehearsal import run as rehearsal_run

    if plan.command is None:
        ran = rehearsal_run.apply_sql(export, plan.sql, copy)
    else:
        ran = rehearsal_run.run_shell(plan.command, plan.cwd, env)
    return ran.status, ran.output


def rehearse(args: argparse.Namespace, say: Callable[[str], None] = _say) -> Rehearsal:
    """Export, copy, migrate, measure and judge."""
    from selenite_inventory_lint import pipeline
    from selenite_inventory_lint.changeset import export_tree, open_tree
    from selenite_inventory_lint.config import load_config
    from selenite_inventory_lint.detectors.sqlite_schema import diff
    from selenite_inventory_lint.git import find_root
    from selenite_inventory_lint.inventory.coverage import Coverage
    from selenite_inventory_lint.rehearsal import measure as measuring
    from selenite_inventory_lint.rehearsal import run as rehearsal_run
    from selenite_inventory_lint.rehearsal.losses import Outcome
    from selenite_inventory_lint.rehearsal.report import Rehearsal
    from selenite_inventory_lint.rules.context import RuleContext
    from selenite_inventory_lint.rules.rehearsal import KEY

    backup = Path(args.backup)
    if not backup.is_file():
        raise FatalError(f"the backup {backup} does not exist or is not a file.")
    wal = backup.with_name(backup.name + "-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        # Committed rows may live only in the write-ahead log: a copy of the main file alone
        # would rehearse an older database.
        raise FatalError(
            f"the backup {backup} has a write-ahead log ({wal.name}); rehearse a consistent "
            'single-file backup (`sqlite3 live.db ".backup backup.db"` or `VACUUM INTO`).'
        )
    env_pairs = _env(args.env)
    root = find_root(Path(args.repo))
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="inventory-lint-rehearse-"))
        export = Path(tmp) / "tree"
        say(f"exporting {args.rev}")
        commit = export_tree(root, args.rev, export)
        config = load_config(export, Path(args.config) if args.config else None)
        snapshot = open_tree(root, ref=commit, wants=lambda _path: False).snapshot
        stack.callback(snapshot.close)
        inventory_path = pipeline.locate_inventory(snapshot, config)
        inventory_text = pipeline.decode(snapshot.read(inventory_path) or b"")
        inventory = pipeline.read_inventory(inventory_text, inventory_path, config)
        relative = rehearsal_run.database_path(args.db_path, [e.key for e in inventory.databases])
        copy = rehearsal_run.place_copy(export, relative)
        digest = measuring.copy_backup(backup, copy, say)
        count = say if copy.stat().st_size >= _LOUD_BYTES else _quiet
        say("measuring the copy before the upgrade")
        pre = measuring.measure(copy, count)
        pre_schema = measuring.read_schema(copy)
        plan = _decide(args, export, snapshot, config, copy, pre)
        env = {
            name: rehearsal_run.substitute(value, copy, shell=False) for name, value in env_pairs
        }
        say(f"running {plan.display}")
        started = time.monotonic()
        status, output = _execute(plan, env, copy, export)
        duration = time.monotonic() - started
        say("measuring the copy after the upgrade")
        post = measuring.measure(copy, count, checks=True)
        post_schema = measuring.read_schema(copy)
        down = None
        down_status: int | None = None
        down_output: tuple[str, ...] = ()
        if args.down is not None and status == 0:
            say(f"running {args.down}")
            ran = rehearsal_run.run_shell(
                rehearsal_run.substitute(args.down, copy, shell=True), plan.cwd, env
            )
            down_status, down_output = ran.status, ran.output
            down = measuring.measure(copy, count)
        after = measuring.sha256(backup)
        if after != digest:
            raise FatalError(
                f"the backup {backup} changed during the rehearsal (sha256 {digest[:12]}… → "
                f"{after[:12]}…); something else writes to it: rehearse a copy that nothing uses."
            )
        outcome = Outcome(
            database=relative,
            pre=pre,
            post=post,
            command=plan.display,
            status=status,
            output=output,
            migrations=tuple(rid for rid, _ in plan.pending),
            heads=plan.heads,
            down_command=args.down,
            down_status=down_status,
            down_output=down_output,
            down=down,
        )
        ctx = RuleContext(
            config=config,
            changes=tuple(diff(pre_schema, post_schema, path=relative)),
            files=(),
            problems=(),
            inventory=inventory,
            coverage=Coverage(inventory),
            extra={KEY: outcome},
        )
        changes, findings = pipeline.judge(
            ctx,
            selection=pipeline.Selection(),
            texts={inventory_path: inventory_text},
            old_texts={},
            plans=_plan_source(snapshot, config, plan.pending),
            only=CODES,
        )
    from selenite_inventory_lint import __version__
    from selenite_inventory_lint.model import RunResult

    result = RunResult(
        tool_version=__version__,
        base=None,
        head=commit,
        inventory=inventory_path,
        changes=changes,
        findings=findings,
        inventory_text=inventory_text,
    )
    return Rehearsal(
        backup=str(args.backup),
        sha256=digest,
        unchanged=True,
        rev=args.rev,
        commit=commit,
        command=plan.display,
        duration=duration,
        outcome=outcome,
        result=result,
    )


# A promotion log is read whole to be appended to; one larger than this is not a log.
LOG_LIMIT = 64 * 1024 * 1024


def _write(path: Path, data: bytes, root: Path | None, display: str) -> None:
    """Every file rehearse writes goes through the shared writer: never through a link."""
    from selenite_inventory_lint.commands.output import write_atomically

    write_atomically(path, data, root=root, display=display)


def write_log(log: Path, rehearsal: Rehearsal, date: str, root: Path | None = None) -> Path:
    """Append the rehearsal to the promotion log and write its snapshots next to it; the
    snapshot folder. Nothing is written through a symbolic link (``commands/output.py``)."""
    from selenite_inventory_lint.commands.output import read_regular
    from selenite_inventory_lint.rehearsal.report import log_entry

    parent = log.parent
    stem = f"{date}-{rehearsal.commit[:7]}"
    for n in range(1, 1000):
        name = stem if n == 1 else f"{stem}-{n}"
        if not os.path.lexists(parent / name):
            break
    else:  # pragma: no cover - a thousand rehearsals of one commit on one day
        raise FatalError(f"too many snapshot folders named {stem}-* next to {log}.")
    old = b"# Promotion log\n"
    if os.path.lexists(log):
        old = read_regular(log, root=root, display=f"the promotion log {log}", limit=LOG_LIMIT)
    folder = parent / name
    outcome = rehearsal.outcome
    for snapshot, schema in (
        ("pre.sql", outcome.pre.schema_sql),
        ("post.sql", outcome.post.schema_sql),
    ):
        _write(folder / snapshot, schema.encode("utf-8"), root, f"the snapshot {folder / snapshot}")
    separator = b"" if old.endswith(b"\n\n") else (b"\n" if old.endswith(b"\n") else b"\n\n")
    entry = log_entry(rehearsal, date, name).encode("utf-8")
    _write(log, old + separator + entry, root, f"the promotion log {log}")
    return folder


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint.git import find_root
    from selenite_inventory_lint.rehearsal.report import render

    date = _date(args.date)
    targets = _targets(args)
    rehearsal = rehearse(args)
    root = find_root(Path(args.repo))
    if args.log:
        folder = write_log(Path(args.log), rehearsal, date, root)
        _say(f"logged to {args.log}, snapshots in {folder}")
    reports = [(Path(path), render(rehearsal, fmt)) for fmt, path in targets]
    if args.output:
        reports.append((Path(args.output), render(rehearsal, args.format)))
    for path, text in reports:
        _write(path, text.encode("utf-8"), root, f"the report {path}")
    if not args.output:
        sys.stdout.write(render(rehearsal, args.format))
    return EXIT_FINDINGS if rehearsal.result.errors else EXIT_OK
