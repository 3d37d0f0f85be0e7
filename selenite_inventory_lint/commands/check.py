"""`check`: one change set against the inventory (docs/usage.md)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from selenite_inventory_lint.commands.output import (
    exit_code,
    read_regular,
    refuse_git_dir,
    write_atomically,
    write_reports,
)
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import RunResult
from selenite_inventory_lint.records import Record

if TYPE_CHECKING:
    from selenite_inventory_lint.changeset import ChangeSet
    from selenite_inventory_lint.config import Config
    from selenite_inventory_lint.model import Finding


class Range(Record):
    base: str | None = None
    head: str | None = None
    staged: bool = False
    # Where the range came from, said on stderr when it was not given on the command line.
    origin: str = ""
    # Added to a git error about a range taken from the environment: how to make it work.
    hint: str = ""


_GITHUB_HISTORY = "check out with `fetch-depth: 0` in actions/checkout"
_GITLAB_HISTORY = 'set `GIT_DEPTH: "0"` in the job\'s variables'


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("", "0", "false", "no")


def choose_range(args: argparse.Namespace, env: Mapping[str, str]) -> Range:
    """The change set to check: command-line refs, pre-commit's range, the index, a CI base.

    docs/usage.md: ``--base``/``--head`` win; pre-commit's ``--from-ref/--to-ref`` and pre-push name
    their range in the environment and replace the hook's ``--staged``; in CI with no flags
    the pull request's base is auto-detected, and a CI job with none fails rather than
    checking an empty work-tree diff.
    """
    if args.base and len(args.base) in (40, 64) and not args.base.strip("0"):
        # GitHub's `github.event.before` on the first push of a new branch: there is no
        # earlier commit, so compare with the default branch instead.
        return Range(
            base="origin/HEAD",
            head=args.head,
            staged=args.staged,
            origin=f"--base {_short(args.base)} (a new branch: no earlier commit; using the "
            "default branch)",
            hint=f"{_GITHUB_HISTORY}, or pass --base origin/<default branch>",
        )
    if args.base or args.head:
        return Range(base=args.base, head=args.head, staged=args.staged)
    from_ref, to_ref = env.get("PRE_COMMIT_FROM_REF"), env.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        return Range(base=from_ref, head=to_ref, origin="PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF")
    if args.staged:
        return Range(staged=True)
    ci = ci_range(env)
    if ci is not None:
        return ci
    _refuse_ci_without_base(env)
    return Range()


def in_ci(env: Mapping[str, str]) -> bool:
    return any(_truthy(env.get(name)) for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI"))


def ci_range(env: Mapping[str, str]) -> Range | None:
    """The pull or merge request's base a CI job names in its environment, if any."""
    if env.get("GITHUB_BASE_REF"):
        ref = env["GITHUB_BASE_REF"]
        return Range(
            base=f"origin/{ref}",
            origin=f"GITHUB_BASE_REF={ref}",
            hint=f"{_GITHUB_HISTORY} so that origin/{ref} and its history are in the clone",
        )
    if env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        sha = env["CI_MERGE_REQUEST_DIFF_BASE_SHA"]
        return Range(
            base=sha,
            origin=f"CI_MERGE_REQUEST_DIFF_BASE_SHA={sha}",
            hint=f"{_GITLAB_HISTORY} so that the merge base is in the clone",
        )
    if env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        ref = env["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"]
        return Range(
            base=f"origin/{ref}",
            origin=f"CI_MERGE_REQUEST_TARGET_BRANCH_NAME={ref}",
            hint=f"{_GITLAB_HISTORY} and `git fetch origin {ref}` so that origin/{ref} "
            "and its history are in the clone",
        )
    return None


def _refuse_ci_without_base(env: Mapping[str, str]) -> None:
    """In CI, HEAD → work tree is an empty diff that would always pass: say how to set a base."""
    if _truthy(env.get("GITHUB_ACTIONS")):
        raise FatalError(
            "running in GitHub Actions without a pull request base (GITHUB_BASE_REF is set "
            "only for pull_request events), so there is no change set to check; pass one with "
            "--base REF (e.g. `--base origin/main`, or `--base ${{ github.event.before }}` on "
            f"push) and {_GITHUB_HISTORY}."
        )
    if _truthy(env.get("GITLAB_CI")):
        raise FatalError(
            "running in GitLab CI outside a merge request pipeline (neither "
            "CI_MERGE_REQUEST_DIFF_BASE_SHA nor CI_MERGE_REQUEST_TARGET_BRANCH_NAME is set), so "
            "there is no change set to check; pass one with --base REF (e.g. `--base "
            f'"$CI_COMMIT_BEFORE_SHA"` or `--base origin/main`) and {_GITLAB_HISTORY}.'
        )
    if _truthy(env.get("CI")):
        raise FatalError(
            "running in CI (CI is set) with no base to compare with, so there is no change set "
            "to check; pass the branch the change goes into with --base REF (e.g. "
            "`--base origin/main`) and fetch its full history (`fetch-depth: 0` in GitHub's "
            'actions/checkout, `GIT_DEPTH: "0"` in GitLab CI), or check the last commit with '
            "--head HEAD."
        )


def fix_inventory(root: Path, result: RunResult, config: Config) -> bytes | None:
    """``--fix`` (docs/usage.md): stub entries in the inventory on disk; say what changed.
    The inventory's new bytes, or None when nothing changed."""
    from selenite_inventory_lint.git import git_dirs
    from selenite_inventory_lint.inventory.fix import STUB, fix_bytes
    from selenite_inventory_lint.reports.review import plural, visible

    path = root / result.inventory
    display = result.inventory
    # docs/security.md, trust model: a committed link, a FIFO or the git directory is refused here.
    refuse_git_dir(path, root, git_dirs(root), display)
    data = read_regular(path, root=root, display=display, limit=config.max_file_bytes)
    try:
        fixed = fix_bytes(data, result.findings, sections=config.sections)
    except UnicodeDecodeError as exc:
        raise FatalError(
            f"--fix cannot rewrite {result.inventory}: it is not valid {exc.encoding} text; "
            "re-save it (as UTF-8) and run --fix again."
        ) from exc
    for skipped in fixed.skipped:
        print(
            f"{result.inventory}: no stub for {skipped.object_kind} "
            f"{visible(skipped.object_name)}: {skipped.reason}; add its entry by hand.",
            file=sys.stderr,
        )
    if not fixed.changed:
        return None
    write_atomically(path, fixed.new, root=root, display=result.inventory)
    for stub in fixed.stubs:
        print(
            f"{result.inventory}:{stub.line}: added `{visible(stub.key)}: {STUB}` "
            f"to ## {visible(stub.section)}",
            file=sys.stderr,
        )
    print(
        f"Fixed {result.inventory}: {plural(len(fixed.stubs), 'stub')} inserted; "
        f"replace each `{STUB}` with a description (INV301 fails until then).",
        file=sys.stderr,
    )
    return fixed.new


def _short(ref: str) -> str:
    return ref[:12] if len(ref) in (40, 64) and all(c in "0123456789abcdef" for c in ref) else ref


def _say_range(chosen: Range, base: str | None, head: str) -> None:
    """Name the range taken from the environment, as resolved, so a CI log shows what ran."""
    given = _short(chosen.base or "")
    named = f"range {given}..{_short(chosen.head)}" if chosen.head else f"base {given}"
    print(
        f"selenite-inventory-lint: {named} from {chosen.origin}; "
        f"checking merge base {_short(base or '-')} → {_short(head)}",
        file=sys.stderr,
    )


def note_submodules(paths: Sequence[str]) -> None:
    """Submodules are skipped (docs/usage.md): say so, so a change inside one is not taken as
    checked."""
    if paths:
        from selenite_inventory_lint.reports.review import plural, visible

        print(
            f"selenite-inventory-lint: note: skipped {plural(len(paths), 'submodule')} "
            f"({', '.join(visible(p) for p in paths)}); "
            "run the linter in the submodule's own repository to check it.",
            file=sys.stderr,
        )


def note_unlocated_inis(paths: Sequence[str]) -> None:
    """An alembic.ini whose revisions cannot be located is said, never silently skipped
    (``pipeline.history.unlocated_inis``)."""
    for ini in paths:
        from selenite_inventory_lint.reports.review import visible

        print(
            f"selenite-inventory-lint: note: cannot locate the Alembic revisions of "
            f"{visible(ini)}: its script_location or version_locations names no folder with "
            "revisions; fix it, or name the folder in `sources.alembic`.",
            file=sys.stderr,
        )


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint import pipeline
    from selenite_inventory_lint.changeset import open_base, open_changeset, resolve_range
    from selenite_inventory_lint.config import load_config
    from selenite_inventory_lint.git import discover
    from selenite_inventory_lint.pipeline.history import unlocated_inis

    env = os.environ
    found = discover(Path(args.repo))
    root = found.top
    explicit = Path(args.config) if args.config else None
    paths = within_repository(root, args.paths)
    chosen = choose_range(args, env)
    if chosen.staged and in_ci(env) and _nothing_staged(root):
        # `pre-commit run --all-files` in CI (pre-commit.ci, pre-commit/action): the hook's
        # empty index would pass without checking anything.
        ci = ci_range(env)
        if ci is None:
            print(
                "selenite-inventory-lint: nothing is staged and CI names no base to compare "
                "with; auditing the whole repository at HEAD instead.",
                file=sys.stderr,
            )
            from selenite_inventory_lint.commands import audit

            return audit.run(args)
        chosen = ci._replace(origin=f"{ci.origin} (nothing is staged)")
    submodules: list[str] = []
    unlocated: list[str] = []

    @contextlib.contextmanager
    def range_errors() -> Iterator[None]:
        try:
            yield
        except FatalError as exc:
            if not chosen.origin:
                raise
            hint = f"; {chosen.hint}" if chosen.hint else ""
            raise FatalError(f"{exc} (The range came from {chosen.origin}{hint}.)") from exc

    # docs/security.md: a range's configuration is its base commit's, unless --config names one.
    base = resolved = None
    if (chosen.base is not None or chosen.head is not None) and not chosen.staged:
        with range_errors():
            # Resolved once: the base's configuration and the change set read the same range.
            resolved = resolve_range(root, base=chosen.base, head=chosen.head, found=found)
            base = open_base(root, found=found, resolved=resolved)
    try:
        config = load_config(root, explicit, None if explicit else base)
    finally:
        if base is not None:
            base.close()
    trust = pipeline.Trust(config_from_base=explicit is None) if base is not None else None

    opened: list[ChangeSet] = []

    def check(inventory: tuple[str, bytes] | None = None) -> RunResult:
        if not opened:
            with range_errors():
                changeset = open_changeset(
                    root,
                    base=chosen.base,
                    head=chosen.head,
                    staged=chosen.staged,
                    wants=pipeline.wants(config),
                    max_bytes=config.max_file_bytes,
                    found=found,
                    resolved=resolved,
                )
            opened.append(changeset)
            submodules[:] = changeset.submodules
            unlocated[:] = unlocated_inis(changeset.files, changeset.snapshot, config)
        changeset = opened[0]
        if inventory is not None:
            # --fix wrote only the inventory: the change set read once serves the second run.
            changeset = with_inventory(changeset, *inventory)
        selection = pipeline.Selection(
            select=tuple(args.select) or config.select, ignore=(*config.ignore, *args.ignore)
        )
        return only_paths(pipeline.run(changeset, config, selection=selection, trust=trust), paths)

    result = check()
    fix = "selenite-inventory-lint check --fix"
    if chosen.base and not chosen.staged:
        import shlex

        fix = f"selenite-inventory-lint check --base {shlex.quote(chosen.base)} --fix"
    result = result._replace(fix_command=fix)
    if chosen.origin:
        _say_range(chosen, result.base, result.head)
    note_submodules(submodules)
    note_unlocated_inis(unlocated)
    fixed = fix_inventory(root, result, config) if args.fix else None
    if fixed is not None:
        # docs/usage.md, --fix: the report is of the fixed inventory, whatever side of the
        # range the run read it from, as ruff reports what remains.
        after = check((result.inventory, fixed))
        result = after._replace(fix_command=result.fix_command, fixed=_resolved(result, after))
    _say_no_changes(result, args.paths, paths)
    write_reports(result, args, env)
    return exit_code(result, args)


def _nothing_staged(root: Path) -> bool:
    from selenite_inventory_lint.changeset import open_changeset

    index = open_changeset(root, staged=True, wants=lambda _path: False)
    return not index.files and not index.submodules


def with_inventory(changeset: ChangeSet, path: str, data: bytes) -> ChangeSet:
    """``changeset`` with the inventory's new side replaced by ``data`` (what ``--fix`` wrote)."""
    from selenite_inventory_lint.changeset import decode_text
    from selenite_inventory_lint.model import FileChange

    text, undecodable = decode_text(data)
    files = list(changeset.files)
    found = next((i for i, f in enumerate(files) if f.path == path), None)
    if found is None:
        old = changeset.snapshot.read(path)
        current = FileChange(status="modified", path=path, old_bytes=old, loaded=True)
        current = current._replace(old_text=decode_text(old)[0])
        files = sorted([*files, current], key=lambda f: (f.path, f.status))
        found = files.index(current)
    files[found] = files[found]._replace(new_bytes=data, new_text=text, undecodable=undecodable)
    return changeset._replace(files=tuple(files))


def _resolved(before: RunResult, after: RunResult) -> int:
    """How many of ``before``'s findings are gone from ``after``."""

    def key(f: Finding) -> tuple[str, str, str, str]:
        return (f.code, f.path, f.object_kind, f.object_name)

    remaining = {key(f) for f in after.findings}
    return sum(1 for f in before.findings if key(f) not in remaining)


def within_repository(root: Path, given: Sequence[str]) -> tuple[str, ...]:
    """``check PATH...``: each path, relative to the current folder as in ruff, as a
    repository-relative path ("" for the whole repository); one outside it is a usage error."""
    top = Path(os.path.realpath(root))
    inside: list[str] = []
    for path in given:
        real = Path(os.path.realpath(path))
        if real != top and top not in real.parents:
            raise FatalError(
                f"{path} is outside the repository {root}; name files or folders inside it, "
                "or pass --repo."
            )
        relative = real.relative_to(top).as_posix()
        inside.append("" if relative == "." else relative)
    return tuple(inside)


def _under(path: str, paths: Sequence[str]) -> bool:
    return any(not p or path == p or path.startswith(f"{p}/") for p in paths)


def only_paths(result: RunResult, paths: Sequence[str]) -> RunResult:
    """docs/usage.md, ``check PATH...``: the run judges the whole change set (history rules need
    it) and reports the changes and findings located under ``paths``."""
    if not paths:
        return result
    from selenite_inventory_lint.pipeline.review import review

    return review(
        result._replace(
            changes=tuple(c for c in result.changes if _under(c.change.path, paths)),
            findings=tuple(f for f in result.findings if _under(f.path, paths)),
        )
    )


def _say_no_changes(result: RunResult, given: Sequence[str], paths: Sequence[str]) -> None:
    located = [*(c.change.path for c in result.changes), *(f.path for f in result.findings)]
    for shown, path in zip(given, paths, strict=True):
        if not any(_under(p, [path]) for p in located):
            print(f"No data-bearing changes in {shown}", file=sys.stderr)
