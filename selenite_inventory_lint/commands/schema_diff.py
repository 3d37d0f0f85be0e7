"""`schema-diff OLD NEW`: two SQLite schema snapshots, compared and judged (docs/usage.md).

Either side may be a ``.sql`` schema dump or a ``.db``/``.sqlite`` file. The differences go
through the same rules as a change set, against the repository's inventory (or
``--inventory FILE``). A file that cannot be read at all is exit 2; a statement of a dump
that cannot be parsed is a MIG301 finding.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import Change, Problem, RunResult

if TYPE_CHECKING:
    from selenite_inventory_lint.config import Config
    from selenite_inventory_lint.schema import Schema

_SYMBOL = {"added": "+", "dropped": "-", "renamed": ">", "altered": "~", "referenced": " "}


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FatalError(
                f"{path} is {size} bytes, over max_file_bytes ({max_bytes}); "
                "raise `max_file_bytes` in the configuration to compare it."
            )
        return path.read_bytes()
    except OSError as exc:
        raise FatalError(f"cannot read {path}: {exc.strerror or exc}.") from exc


def load_snapshot(path: Path, dialect: str, max_bytes: int) -> tuple[Schema, tuple[Problem, ...]]:
    """One snapshot file as a ``Schema`` and the dump statements that could not be read."""
    from selenite_inventory_lint.detectors import sqlite_schema

    data = _read(path, max_bytes)
    name = path.as_posix()
    if name.lower().endswith(sqlite_schema.BLOB_SUFFIXES):
        try:
            return sqlite_schema.read_blob(data), ()
        except sqlite_schema.SnapshotError as exc:
            raise FatalError(
                f"{path} is not a readable SQLite database ({exc}); "
                "pass a .db/.sqlite file or a .sql schema dump."
            ) from exc
    if b"\0" in data[:8000]:
        raise FatalError(
            f"{path} is a binary file, not a SQL schema dump; name a SQLite database "
            ".db or .sqlite to read it as one."
        )
    text = data.decode("utf-8-sig", errors="replace")
    return sqlite_schema.read_text(text, path=name, dialect=dialect)


def _inventory(args: argparse.Namespace) -> tuple[str, str, Config]:
    """(path, text, config) of the inventory to judge against."""
    from selenite_inventory_lint.config import Config, load_config

    explicit = Path(args.config) if args.config else None
    if args.inventory:
        file = Path(args.inventory)
        config = load_config(Path("."), explicit) if explicit else None
        try:
            text = file.read_bytes().decode("utf-8-sig", errors="replace")
        except OSError as exc:
            raise FatalError(f"cannot read the inventory {file}: {exc.strerror or exc}.") from exc
        return args.inventory, text, config or Config()
    from selenite_inventory_lint.changeset import open_changeset
    from selenite_inventory_lint.git import find_root
    from selenite_inventory_lint.pipeline import decode, locate_inventory

    root = find_root(Path(args.repo))
    config = load_config(root, explicit)
    snapshot = open_changeset(root, wants=lambda _path: False).snapshot
    path = locate_inventory(snapshot, config)
    content = snapshot.read(path)
    if content is None:  # pragma: no cover - located a moment ago
        raise FatalError(f"cannot read the inventory '{path}'.")
    return path, decode(content), config


def compare(args: argparse.Namespace) -> RunResult:
    from selenite_inventory_lint import pipeline
    from selenite_inventory_lint.detectors.sqlite_schema import diff

    inventory_path, inventory_text, config = _inventory(args)
    old_path, new_path = Path(args.old), Path(args.new)
    old, old_problems = load_snapshot(old_path, config.dialect, config.max_file_bytes)
    new, new_problems = load_snapshot(new_path, config.dialect, config.max_file_bytes)
    changes = tuple(diff(old, new, path=new_path.as_posix()))
    detection = pipeline.Detection(
        changes=changes, problems=(*old_problems, *new_problems), edited=(), revisions=()
    )
    inventory = pipeline.read_inventory(inventory_text, inventory_path, config)
    selection = pipeline.Selection(
        select=tuple(args.select) or config.select, ignore=(*config.ignore, *args.ignore)
    )
    return pipeline.judge_detection(
        detection,
        inventory,
        inventory_text,
        config,
        files=(),
        selection=selection,
        judge_all_entries=False,
        base=old_path.as_posix(),
        head=new_path.as_posix(),
    )


def _describe(change: Change) -> str:
    text = f"{_SYMBOL[change.action]} {change.kind} {change.name}"
    if change.action == "renamed" and change.old_name:
        text = f"{_SYMBOL['renamed']} {change.kind} {change.old_name} renamed to {change.name}"
    details = []
    if change.action == "altered":
        if change.type is not None:
            details.append(f"type {change.old_type or '?'} → {change.type}")
        if change.nullable is not None:
            details.append("NULL allowed" if change.nullable else "NOT NULL")
        if change.has_default is not None:
            details.append("default set" if change.has_default else "default dropped")
    elif change.kind == "column" and change.action == "added" and change.type:
        details.append(change.type + ("" if change.nullable is not False else " NOT NULL"))
    elif change.kind == "index" and change.action == "added" and change.table:
        unique = "unique " if change.unique else ""
        details.append(f"{unique}on {change.table} ({', '.join(change.columns)})")
    return text + (f": {', '.join(details)}" if details else "")


def differences(result: RunResult) -> str:
    """The schema differences, one per line, as a person reads a diff."""
    if not result.changes:
        return "No schema differences.\n"
    return "".join(_describe(r.change) + "\n" for r in result.changes)


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint.commands.output import exit_code, write_reports

    result = compare(args)
    if args.format == "text" and not args.output:
        sys.stdout.write(differences(result) + "\n")
    write_reports(result, args, os.environ)
    return exit_code(result, args)
