"""`demo`: build a sample repository from files shipped in the package and check a change.

The base commit holds the reference inventory and a small Alembic project; the change adds
an undocumented column (`users.phone`) and drops a documented table (`feedback_attachments`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from selenite_inventory_lint.commands.output import exit_code
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.git import DISCOVERY, Git, GitError, complaint

if TYPE_CHECKING:
    from importlib.abc import Traversable


# The demo repository must build the same commits on any machine, whatever the user's git
# identity, signing, hook or template settings.
_SAMPLE_IDENTITY = {
    "GIT_AUTHOR_NAME": "Selenite Demo",
    "GIT_AUTHOR_EMAIL": "demo@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T12:00:00+00:00",
    "GIT_COMMITTER_NAME": "Selenite Demo",
    "GIT_COMMITTER_EMAIL": "demo@example.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T12:00:00+00:00",
}
_SAMPLE_CONFIG = (
    "commit.gpgSign=false",
    f"core.hooksPath={os.devnull}",
    "core.autocrlf=false",
    "user.useConfigOnly=false",
)


def _sample_git(root: Path) -> Git:
    if not root.is_dir():
        raise FatalError(f"{root} is not a directory; create it before building a repository.")
    options = [part for setting in _SAMPLE_CONFIG for part in ("-c", setting)]
    return Git(root, {**DISCOVERY, **_SAMPLE_IDENTITY}, options)


def init_repo(root: Path) -> None:
    """Make ``root`` (an existing directory) a new repository on ``main``, for ``demo``."""
    try:
        _sample_git(root)("init", "--quiet", "--template=", "--initial-branch=main")
    except GitError as exc:
        raise FatalError(f"cannot create a git repository in {root} ({complaint(exc)}).") from exc


def commit_all(root: Path, message: str) -> str:
    """Stage everything in ``root`` and commit it with a fixed identity and date; the sha."""
    runner = _sample_git(root)
    try:
        runner("add", "--all")
        runner("commit", "--quiet", "--no-verify", "--allow-empty", "-m", message)
        return runner("rev-parse", "HEAD")
    except GitError as exc:
        raise FatalError(f"cannot commit in {root} ({complaint(exc)}).") from exc


def _copy_tree(source: Traversable, target: Path) -> None:
    for item in source.iterdir():
        if item.name == "__pycache__":
            continue
        destination = target / item.name
        if item.is_dir():
            destination.mkdir(exist_ok=True)
            _copy_tree(item, destination)
        else:
            destination.write_bytes(item.read_bytes())


def build(root: Path) -> tuple[str, str]:
    """Create the sample repository in ``root``; return (base sha, head sha)."""
    data = resources.files("selenite_inventory_lint") / "demo_data"
    init_repo(root)
    _copy_tree(data / "base", root)
    base = commit_all(root, "Initial schema and data inventory")
    _copy_tree(data / "change", root)
    head = commit_all(root, "Add users.phone, drop feedback_attachments")
    return base, head


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint import pipeline, reports
    from selenite_inventory_lint.changeset import open_changeset
    from selenite_inventory_lint.config import load_config

    render = reports.get(args.format)
    workdir = Path(tempfile.mkdtemp(prefix="inventory-lint-demo-"))
    try:
        root = workdir / "selenite"
        root.mkdir()
        base, head = build(root)
        config = load_config(root)
        changeset = open_changeset(root, base=base, head=head, wants=pipeline.wants(config))
        result = pipeline.run(changeset, config, selection=pipeline.Selection())
        if args.format == "text":
            sys.stdout.write(
                "Demo: a Selenite-like repository with the reference DATA_INVENTORY.md.\n"
                "The change under review adds users.phone and drops feedback_attachments:\n"
                f"$ selenite-inventory-lint check --base {base[:12]}\n\n"
            )
        sys.stdout.write(render(result))
        if args.keep:
            print(f"\nThe sample repository is kept at {root}", file=sys.stderr)
        return exit_code(result, argparse.Namespace(exit_zero=False))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
