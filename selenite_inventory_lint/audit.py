"""The whole repository at HEAD against the whole inventory (`audit`), and what `init` lists.

Every file of the commit goes through the same detectors as `check`, as if added. The
migrations are replayed in order into the schema at head (``schema.Schema``); the newest schema
snapshot and the SQLAlchemy models add what they declare. Every table, column, storage path,
environment variable and config file found must be covered (INV1xx), every entry must still
name something that exists (INV201), and models and migrations must agree (MIG204).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from selenite_inventory_lint import __version__, globs
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, ParsedFiles
from selenite_inventory_lint.inventory.coverage import Coverage
from selenite_inventory_lint.inventory.parse import Inventory
from selenite_inventory_lint.model import (
    Change,
    Entry,
    FileChange,
    Problem,
    RunResult,
)
from selenite_inventory_lint.orm_models import WORDS as MODEL_WORDS
from selenite_inventory_lint.orm_models import DeclaredTable, Models, read_models
from selenite_inventory_lint.pipeline import (
    ChangeSet,
    Detection,
    Selection,
    alembic_dirs,
    claimed,
    detect,
    judge,
    load_inventory_text,
    locate_inventory,
    moved_roots,
    path_roots,
    read_inventory,
)
from selenite_inventory_lint.pipeline.detect import replay
from selenite_inventory_lint.pipeline.review import review
from selenite_inventory_lint.rules import AUDIT_CODES
from selenite_inventory_lint.schema import Schema

REFERENCE_KINDS = frozenset({"path", "env", "config_file", "database"})
Progress = Callable[[int, int], None]
# (needles, git pathspecs) → needle → paths holding it (``Snapshot.grep``).
Grep = Callable[[Sequence[str], Sequence[str]], "dict[str, tuple[str, ...]]"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Survey:
    """What the repository holds at HEAD, from every source."""

    migrated: Schema  # what the migrations build
    schema: Schema  # migrations + newest snapshot + models: everything that exists
    declared: tuple[DeclaredTable, ...]  # as MIG204 compares them (``compared``)
    references: tuple[Change, ...]
    detection: Detection
    problems: tuple[Problem, ...]


def _model_files(files: Sequence[FileChange], ctx: DetectContext) -> dict[str, ParsedFiles]:
    """The Python files the `models` sources name, each with the parse its detectors will
    share; migrations are not models (their ``sa.Table(...)`` helpers only describe what they
    touch)."""
    from selenite_inventory_lint.detectors import sources

    config = ctx.config
    patterns = config.sources_for("models", ("*.py",))
    return {
        fc.path: ParsedFiles()
        for fc in files
        if fc.new_text is not None
        and any(word in fc.new_text for word in MODEL_WORDS)
        and globs.match_any(patterns, fc.path)
        and not globs.match_any(config.exclude, fc.path)
        and not sources.alembic(fc.path, ctx)
    }


def _models(files: Sequence[FileChange], parsed: Mapping[str, ParsedFiles]) -> Models:
    """The models of those files, read together."""
    return read_models(
        ((fc.path, fc.new_text) for fc in files if fc.new_text is not None and fc.path in parsed),
        parsed,
    )


def compared(models: Models, migrated: Schema) -> tuple[DeclaredTable, ...]:
    """The models as MIG204 compares them with the migrations: where a model cannot be known,
    nothing is said (docs/rules/MIG204.md). A table `create_all` makes and no migration does
    is left out; a model with a base found nowhere is taken to hold every migrated column too;
    and while some model's table cannot be named, every migrated table counts as modelled."""
    out: list[DeclaredTable] = []
    for table in models.tables:
        migrated_table = migrated.tables.get(table.name)
        if migrated_table is None and (models.runtime_all or table.name in models.runtime):
            continue
        if not table.complete and migrated_table is not None:
            columns = {c.name: c.line for c in migrated_table.columns.values()}
            table = dataclasses.replace(table, columns={**columns, **table.columns})
        out.append(table)
    if models.unknown:
        named = {t.name for t in out}
        for name, built in sorted(migrated.tables.items()):
            if name not in named:
                columns = {c.name: c.line for c in built.columns.values()}
                out.append(
                    DeclaredTable(name=name, path=built.path, line=built.line, columns=columns)
                )
    return tuple(out)


def survey(changeset: ChangeSet, ctx: DetectContext, progress: Progress | None = None) -> Survey:
    """Everything at HEAD: the replayed schema, the models, every reference."""
    files = [f for f in changeset.files if f.loaded]
    snapshot = changeset.snapshot
    models = _model_files(files, ctx)
    detection = detect(
        claimed(files, ctx, snapshot), snapshot, ctx, progress=progress, parsed=models
    )
    migrated, schema = replay(detection.changes)
    read = _models(files, models)
    for table in read.tables:
        schema.declare(table.name, table.path, table.line, table.columns)
    return Survey(
        migrated=migrated,
        schema=schema,
        declared=compared(read, migrated),
        references=tuple(
            c
            for c in detection.changes
            if c.kind in REFERENCE_KINDS and c.action in ("added", "referenced")
        ),
        detection=detection,
        problems=read.problems,
    )


def objects(found: Survey) -> tuple[Change, ...]:
    """The head state as the changes of a change set that built it from nothing."""
    out: list[Change] = []
    for table in sorted(found.schema.tables.values(), key=lambda t: t.name):
        out.append(
            Change(
                kind="table",
                name=table.name,
                action="added",
                path=table.path,
                line=table.line,
                column=table.column,
                source="audit",
                operation="create_table",
                migration=table.migration,
            )
        )
        for column in sorted(table.columns.values(), key=lambda c: c.name):
            out.append(
                Change(
                    kind="column",
                    name=f"{table.name}.{column.name}",
                    action="added",
                    path=column.path,
                    line=column.line,
                    column=column.column,
                    source="audit",
                    # "added" columns (column_policy) are those of a later migration than
                    # their table's; the rest were created with it.
                    operation="add_column" if table.added_later(column) else "create_table",
                    migration=column.migration,
                    type=column.type,
                    nullable=column.nullable,
                )
            )
    out.extend(found.references)
    return tuple(out)


def _literal_name(key: str) -> str:
    """A key up to its first glob character, without a trailing ``/``: what a mention holds."""
    for index, char in enumerate(key):
        if char in globs.GLOB_CHARS:
            key = key[:index]
            break
    return key.rstrip("/")


def liveness(
    found: Survey, inventory: Inventory, paths: Sequence[str], grep: Grep | None
) -> Callable[[Entry], bool]:
    """Does an entry still name something at HEAD?

    Schema entries ask the schema. Paths, variables and files count as alive when a
    reference or a tracked file is covered by them, or — for names only operators and scripts
    use, like ``.workspace-role`` — when anything in the repository besides the inventory
    mentions them (one ``git grep`` for all of them).
    """
    from selenite_inventory_lint.rules.undocumented import split_column

    coverage = Coverage(inventory)
    tables = {name.lower(): table for name, table in found.schema.tables.items()}
    live: set[Entry] = set()
    for change in found.references:
        lookup = {
            "path": coverage.path,
            "env": coverage.env,
            "config_file": coverage.config_file,
            "database": coverage.database,
        }[change.kind]
        entry = lookup(change.name) or (
            coverage.config_file(change.name) if change.kind == "database" else None
        )
        if entry is not None:
            live.add(entry)
    for path in paths:
        for entry in (coverage.path(path), coverage.config_file(path), coverage.database(path)):
            if entry is not None:
                live.add(entry)
    unresolved = [
        e for e in inventory.entries if e.kind not in ("table", "column") and e not in live
    ]
    needles = sorted(
        {e.key if e.kind == "env" else _literal_name(e.key) for e in unresolved} - {""}
    )
    # The inventory mentions every one of them and does not count: searching it would cost
    # (entries x entries), in git and in the needle-by-file check after it.
    outside = (f":(exclude,literal){inventory.path}",)
    mentions = grep(needles, outside) if grep is not None and needles else {}
    for entry in unresolved:
        needle = entry.key if entry.kind == "env" else _literal_name(entry.key)
        if any(p != inventory.path for p in mentions.get(needle, ())):
            live.add(entry)

    def alive(entry: Entry) -> bool:
        if entry.kind == "table":
            return entry.key.lower() in tables
        if entry.kind == "column":
            table_name, column = split_column(entry.key.lower())
            table = tables.get(table_name)
            if table is None:
                return False
            return column == "*" or column in {c.lower() for c in table.columns}
        return entry in live

    return alive


def run_audit(
    changeset: ChangeSet,
    config: Config,
    *,
    selection: Selection,
    grep: Grep | None = None,
    progress: Progress | None = None,
    inventory_override: tuple[str, str] | None = None,
) -> RunResult:
    """`audit` (docs/usage.md): every object documented, every entry alive.

    ``inventory_override`` is (path, text) of an inventory to judge instead of the
    repository's — `init` audits its skeleton to learn what to list.
    """
    from selenite_inventory_lint.rules.context import RuleContext

    snapshot = changeset.snapshot
    if inventory_override is None:
        inventory_path = locate_inventory(snapshot, config)
        inventory_text = load_inventory_text(
            snapshot.read(inventory_path) or b"", inventory_path, config
        )
    else:
        inventory_path, inventory_text = inventory_override
    inventory = read_inventory(inventory_text, inventory_path, config)
    files = changeset.files
    ctx = DetectContext(
        config=config,
        alembic_dirs=alembic_dirs(files, snapshot, config.exclude),
        path_roots=(*path_roots(config, inventory, snapshot), *moved_roots(config, inventory)),
        head=snapshot,
        parsed=ParsedFiles(),
    )
    found = survey(changeset, ctx, progress)
    rule_ctx = RuleContext(
        config=config,
        changes=objects(found),
        files=tuple(files),
        problems=(*found.detection.problems, *found.problems),
        inventory=inventory,
        coverage=Coverage(inventory),
        revisions=found.detection.revisions,
        judge_all_entries=True,
        whole_history=True,
        alive=liveness(found, inventory, snapshot.paths(), grep),
        declared=found.declared,
        migrated=found.migrated,
    )
    texts = {f.path: f.new_text for f in files if f.new_text is not None}
    texts[inventory_path] = inventory_text
    only = frozenset(code for code in AUDIT_CODES if selection.allows(code))
    changes, findings = judge(rule_ctx, selection=selection, texts=texts, old_texts={}, only=only)
    return review(
        RunResult(
            tool_version=__version__,
            base=None,
            head=changeset.head,
            inventory=inventory_path,
            changes=changes,
            findings=findings,
            inventory_text=inventory_text,
            inventory_sections=tuple(sorted(config.sections.items())),
        )
    )
