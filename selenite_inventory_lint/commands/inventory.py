"""`inventory`: the entries as parsed — kind, key, line (docs/usage.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from selenite_inventory_lint.errors import EXIT_OK, FatalError
from selenite_inventory_lint.model import SectionKind
from selenite_inventory_lint.reports import plural


def _load(args: argparse.Namespace) -> tuple[str, str, dict[str, SectionKind | None]]:
    """(display path, text, section overrides) of the inventory asked for."""
    from selenite_inventory_lint.config import load_config
    from selenite_inventory_lint.inventory.text import decode_inventory

    explicit = Path(args.config) if args.config else None
    if args.path:
        file = Path(args.path)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise FatalError(f"cannot read the inventory {file}: {exc.strerror or exc}.") from exc
        config = load_config(Path("."), explicit) if explicit else None
        sections = dict(config.sections) if config else {}
        return args.path, decode_inventory(data), sections
    from selenite_inventory_lint.changeset import open_changeset
    from selenite_inventory_lint.git import find_root
    from selenite_inventory_lint.pipeline import load_inventory_text, locate_inventory

    root = find_root(Path(args.repo))
    config = load_config(root, explicit)
    snapshot = open_changeset(root, wants=lambda _path: False).snapshot
    path = locate_inventory(snapshot, config)
    content = snapshot.read(path)
    if content is None:
        raise FatalError(f"cannot read the inventory '{path}'.")
    return path, load_inventory_text(content, path, config), dict(config.sections)


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint.inventory.parse import parse_inventory
    from selenite_inventory_lint.reports.text import clean, line_path

    path, text, sections = _load(args)
    inventory = parse_inventory(text, path, sections)
    for problem in inventory.problems:
        print(
            f"{line_path(problem.path)}:{problem.line}:{problem.column}: {problem.code} "
            f"{clean(problem.message)}",
            file=sys.stderr,
        )
    if args.format == "json":
        payload = {
            "path": inventory.path,
            "entries": [
                {"kind": e.kind, "key": e.key, "line": e.line, "description": e.description}
                for e in inventory.entries
            ],
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    width = max((len(e.key) for e in inventory.entries), default=0)
    lines = [f"{line_path(inventory.path)}: {plural(len(inventory.entries), 'entry')}"]
    for e in inventory.entries:
        lines.append(f"{e.line:>5}  {e.kind:<11}  {clean(e.key):<{width}}  {clean(e.description)}")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK
