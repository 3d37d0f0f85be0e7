"""`init`: write a first DATA_INVENTORY.md from the repository as it is at HEAD."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from selenite_inventory_lint.commands.audit import audit_wants, progress_bar
from selenite_inventory_lint.commands.check import write_atomically
from selenite_inventory_lint.errors import EXIT_OK, FatalError
from selenite_inventory_lint.pipeline import INVENTORY_NAME


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint import pipeline
    from selenite_inventory_lint.changeset import find_root, open_tree
    from selenite_inventory_lint.config import load_config
    from selenite_inventory_lint.inventory.template import first_inventory

    root = find_root(Path(args.repo))
    config = load_config(root, Path(args.config) if args.config else None)
    relative = args.output or config.inventory or INVENTORY_NAME
    target = Path(relative) if Path(relative).is_absolute() else root / relative
    if not Path(relative).is_absolute() and not target.resolve().is_relative_to(root.resolve()):
        # The path came from the repository (its config or a symlink in it): never write
        # outside it (SPEC §7); an absolute --output is the user's own choice.
        raise FatalError(
            f"init will not write {relative}: it leads outside the repository; "
            "pass an absolute --output to write there."
        )
    if target.exists() and not args.force:
        raise FatalError(
            f"{relative} already exists; run `selenite-inventory-lint audit` to check it, or "
            "pass --force to replace it."
        )
    changeset = open_tree(
        root, wants=audit_wants(pipeline.wants(config)), max_bytes=config.max_file_bytes
    )
    text, counts = first_inventory(changeset, config, progress=progress_bar(sys.stderr, "init"))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FatalError(f"cannot create the folder of {relative}: {exc.strerror or exc}.") from exc
    write_atomically(target, text.encode("utf-8"))
    listed = ", ".join(f"{n} {what}" for what, n in counts.items()) or "nothing found yet"
    print(
        f"Wrote {relative} ({listed}). Replace each `TODO: describe`, commit it, then run "
        "`selenite-inventory-lint audit`.",
        file=sys.stderr,
    )
    return EXIT_OK
