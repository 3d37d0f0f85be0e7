"""`audit`: the whole repository at HEAD against the whole inventory (docs/usage.md)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from selenite_inventory_lint.commands.check import note_submodules, note_unlocated_inis
from selenite_inventory_lint.commands.output import exit_code, write_reports
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.snapshot import Snapshot

# Below this, an audit finishes before a progress bar would be worth drawing.
PROGRESS_AFTER_SECONDS = 1.0


def progress_bar(stream: TextIO, label: str) -> Callable[[int, int], None] | None:
    """A progress callback drawing on ``stream`` once the work has taken a second — on a
    terminal only; in CI logs and pipes progress is noise."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    started = time.monotonic()
    shown = False

    def report(done: int, total: int) -> None:
        nonlocal shown
        if time.monotonic() - started < PROGRESS_AFTER_SECONDS and not shown:
            return
        shown = True
        width = 30
        filled = width * done // max(total, 1)
        stream.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return report


def audit_wants(config_wants: Callable[[str], bool]) -> Callable[[str], bool]:
    """Files the audit reads: what the detectors claim, and Python files for the models."""
    return lambda path: path.endswith(".py") or config_wants(path)


def _committed_inventory(root: Path, snapshot: Snapshot, config: Config) -> None:
    """`audit` reads HEAD: an inventory only in the working tree (just written by `init`),
    or edited there and not committed, deserves a message that says so."""
    from selenite_inventory_lint.pipeline import INVENTORY_NAME, locate_inventory

    try:
        path = locate_inventory(snapshot, config)
    except FatalError as exc:
        name = config.inventory or INVENTORY_NAME
        if (root / name).is_file():
            raise FatalError(
                f"{name} is in the working tree but not committed; `audit` reads HEAD, so "
                "commit it and run `audit` again."
            ) from exc
        raise
    on_disk = snapshot.read_disk(path, config.max_file_bytes)[0]
    if on_disk is not None and on_disk != snapshot.read(path):
        print(
            f"selenite-inventory-lint: note: {path} in the working tree differs from HEAD; "
            "`audit` reads HEAD, so commit the edit to have it audited.",
            file=sys.stderr,
        )


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint import pipeline
    from selenite_inventory_lint.audit import run_audit
    from selenite_inventory_lint.changeset import open_tree
    from selenite_inventory_lint.config import load_config
    from selenite_inventory_lint.git import find_root
    from selenite_inventory_lint.pipeline.history import unlocated_inis

    root = find_root(Path(args.repo))
    config = load_config(root, Path(args.config) if args.config else None)
    changeset = open_tree(
        root, wants=audit_wants(pipeline.wants(config)), max_bytes=config.max_file_bytes
    )

    _committed_inventory(root, changeset.snapshot, config)

    def grep(needles: Sequence[str], pathspecs: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return changeset.snapshot.grep(needles, pathspecs)

    result = run_audit(
        changeset,
        config,
        selection=pipeline.Selection(
            select=tuple(args.select) or config.select, ignore=(*config.ignore, *args.ignore)
        ),
        grep=grep,
        progress=progress_bar(sys.stderr, "audit"),
    )
    note_submodules(changeset.submodules)
    note_unlocated_inis(unlocated_inis(changeset.files, changeset.snapshot, config))
    write_reports(result, args, os.environ)
    return exit_code(result, args)
