"""`init`: write a first DATA_INVENTORY.md from the repository as it is at HEAD."""

from __future__ import annotations

import argparse
import os
import posixpath
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from selenite_inventory_lint.commands.audit import audit_wants, progress_bar
from selenite_inventory_lint.commands.check import note_unlocated_inis
from selenite_inventory_lint.commands.output import refuse_git_dir, write_atomically
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.errors import EXIT_OK, FatalError
from selenite_inventory_lint.pipeline import INVENTORY_NAME, ChangeSet, Selection, decode
from selenite_inventory_lint.reports import plural


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint import pipeline
    from selenite_inventory_lint.changeset import open_tree
    from selenite_inventory_lint.config import load_config
    from selenite_inventory_lint.git import find_root, git_dirs
    from selenite_inventory_lint.pipeline.history import unlocated_inis

    root = find_root(Path(args.repo))
    config = load_config(root, Path(args.config) if args.config else None)
    relative = args.output or config.inventory or INVENTORY_NAME
    target = Path(relative) if Path(relative).is_absolute() else root / relative
    if not Path(relative).is_absolute() and not _lexically_inside(target, root):
        # The path came from the repository's config: never write outside it (docs/security.md);
        # an absolute --output is the user's own choice.
        raise FatalError(
            f"init will not write {relative}: it leads outside the repository; "
            "pass an absolute --output to write there."
        )
    refuse_git_dir(target, root, git_dirs(root), relative)
    if os.path.lexists(target):
        if not args.force:
            raise FatalError(
                f"{relative} already exists; run `selenite-inventory-lint audit` to check it, "
                "or pass --force to replace it."
            )
        # A link, FIFO or device there is refused by the write itself, without being followed.
        if _lexically_inside(target, root) and stat.S_ISREG(os.lstat(target).st_mode):
            _refuse_ignored(root, target, relative)
    changeset = open_tree(
        root, wants=audit_wants(pipeline.wants(config)), max_bytes=config.max_file_bytes
    )
    text, counts = first_inventory(changeset, config, progress=progress_bar(sys.stderr, "init"))
    note_unlocated_inis(unlocated_inis(changeset.files, changeset.snapshot, config))
    write_atomically(target, text.encode("utf-8"), root=root, display=relative)
    listed = ", ".join(plural(n, what) for what, n in counts.items()) or "nothing found yet"
    print(
        f"Wrote {relative} ({listed}). Replace each `TODO: describe`, commit it, then run "
        "`selenite-inventory-lint audit`.",
        file=sys.stderr,
    )
    return EXIT_OK


def first_inventory(
    changeset: ChangeSet,
    config: Config,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, dict[str, int]]:
    """The text of a first inventory for the repository, and how many entries of each kind:
    the skeleton, audited, with a stub entry for each object `audit` asks for."""
    from selenite_inventory_lint.audit import run_audit
    from selenite_inventory_lint.inventory import template
    from selenite_inventory_lint.inventory.fix import fix_text

    snapshot = changeset.snapshot
    inis = [p for p in snapshot.paths() if posixpath.basename(p) == "alembic.ini"]
    databases = template.sqlite_databases((ini, decode(snapshot.read(ini) or b"")) for ini in inis)
    text = template.skeleton(config)
    audited = (
        config
        if config.path_roots is not None
        else config._replace(path_roots=template.DEFAULT_DATA_ROOTS)
    )
    result = run_audit(
        changeset,
        audited,
        selection=Selection(select=("INV10",)),
        progress=progress,
        inventory_override=(config.inventory or INVENTORY_NAME, text),
    )
    fixed = fix_text(text, result.findings, sections=config.sections)
    document = template.with_databases(fixed.new, databases)
    return document, template.counts(databases, (stub.kind for stub in fixed.stubs))


def _lexically_inside(target: Path, root: Path) -> bool:
    # On the text: a link on the way is refused when writing, not followed here.
    return Path(os.path.abspath(target)).is_relative_to(os.path.realpath(root))


def _refuse_ignored(root: Path, target: Path, relative: str) -> None:
    """--force replaces a file of the work tree (tracked, or new and not ignored), never one
    git ignores: ``.venv/bin/activate`` is not an inventory."""
    from selenite_inventory_lint.changeset import open_changeset

    inside = Path(os.path.abspath(target)).relative_to(os.path.realpath(root)).as_posix()
    if not open_changeset(root, wants=lambda _path: False).snapshot.exists(inside):
        raise FatalError(
            f"init will not replace {relative}: git ignores it, so it is not a file of the "
            "work tree; choose another path with --output or `inventory:`."
        )
