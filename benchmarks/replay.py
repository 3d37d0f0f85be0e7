"""Replay a real project's history through the linter, to measure what its findings are worth.

    python benchmarks/replay.py CLONE ADOPTION N [--out FINDINGS.json] [--work DIR]

CLONE is a local clone of a public project (never this repository); ADOPTION a commit of it.
The harness clones CLONE into a scratch folder, checks out ADOPTION, runs ``init`` there as a
team adopting the tool would, fills the TODO descriptions, commits the inventory and runs
``audit``. Then it replays the next N first-parent commits that touch migrations, models,
settings, ``.env`` files or SQL: each becomes a commit whose tree is the upstream commit's tree
plus the adopted inventory, checked with ``check --base PREVIOUS --head THIS --format json``.

It prints the exit codes, the findings per code and the median and maximum time, and writes
every finding (with the upstream commit it came from) to ``--out`` for judging by hand. No
content of the replayed project is kept anywhere but the scratch folder.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# What a data-bearing commit touches, by path: migrations, models, settings, env files, SQL.
INTERESTING = re.compile(
    r"(^|/)(migrations?|migrate|versions|alembic|schema|db)/"
    r"|(^|/)(models?|settings|config|conf)(\.py|/)"
    r"|(^|/)\.env"
    r"|\.sql$|alembic\.ini$|\.ini$"
)
INVENTORY = "DATA_INVENTORY.md"
FILLED = "replayed: description filled by the replay harness"
IDENTITY = {
    "GIT_AUTHOR_NAME": "replay",
    "GIT_AUTHOR_EMAIL": "replay@example.invalid",
    "GIT_COMMITTER_NAME": "replay",
    "GIT_COMMITTER_EMAIL": "replay@example.invalid",
}


@dataclass(slots=True)
class Step:
    upstream: str
    subject: str
    code: int
    seconds: float
    findings: list[dict[str, object]] = field(default_factory=list)
    error: str = ""


def _environment() -> dict[str, str]:
    """No hook, CI or repository-choosing git variable leaks in; git's own configuration does."""
    cleared: tuple[str, ...] = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX", "GIT_OBJECT")
    cleared += ("GIT_ALTERNATE", "PRE_COMMIT", "GITHUB_", "CI_MERGE_REQUEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(cleared)}
    for name in ("CI", "GITLAB_CI"):
        env.pop(name, None)
    return {**env, **IDENTITY, "NO_COLOR": "1"}


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ("git", *args),
        cwd=repo,
        env=env or _environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def tool(repo: Path, *args: str) -> tuple[int, str, str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        (sys.executable, "-m", "selenite_inventory_lint", *args, "--repo", str(repo)),
        env=_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - started


def candidates(repo: Path, adoption: str, count: int) -> list[tuple[str, str]]:
    """The next ``count`` first-parent commits after ``adoption`` that touch data-bearing paths."""
    shas = git(repo, "rev-list", "--first-parent", "--reverse", f"{adoption}..HEAD").split()
    chosen: list[tuple[str, str]] = []
    for sha in shas:
        names = git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", f"{sha}^", sha)
        if any(INTERESTING.search(name) for name in names.splitlines()):
            subject = git(repo, "log", "-1", "--format=%s", sha).strip()
            chosen.append((sha, subject))
            if len(chosen) == count:
                break
    return chosen


def adopt(repo: Path, adoption: str) -> tuple[str, str]:
    """Check out ``adoption``, run ``init``, fill the TODOs and commit; (commit, inventory blob)."""
    git(repo, "checkout", "-q", "-B", "replay", adoption)
    code, out, err, _ = tool(repo, "init")
    if code != 0:
        raise RuntimeError(f"init exited {code}: {err.strip() or out.strip()}")
    path = repo / INVENTORY
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"TODO[^\n]*", FILLED, text), encoding="utf-8")
    git(repo, "add", INVENTORY)
    # Snapshots of public repositories may lack their largest blobs: build trees without them.
    tree = git(repo, "write-tree", "--missing-ok").strip()
    commit = git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "adopt the inventory").strip()
    git(repo, "update-ref", "refs/heads/replay", commit)
    return commit, git(repo, "rev-parse", f"{commit}:{INVENTORY}").strip()


def grafted(repo: Path, upstream: str, inventory: str, parent: str, index: Path) -> str:
    """A commit with the tree of ``upstream`` plus the adopted inventory, on top of ``parent``."""
    env = {**_environment(), "GIT_INDEX_FILE": str(index)}
    git(repo, "read-tree", upstream, env=env)
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{inventory},{INVENTORY}", env=env)
    tree = git(repo, "write-tree", "--missing-ok", env=env).strip()
    message = f"replay {upstream}"
    return git(repo, "commit-tree", tree, "-p", parent, "-m", message).strip()


def replay(
    clone: Path, adoption: str, count: int, work: Path
) -> tuple[dict[str, object], list[Step]]:
    repo = work / "replay"
    git(work, "clone", "-q", "--shared", "--no-checkout", str(clone), str(repo))
    chosen = candidates(repo, adoption, count)
    head, inventory = adopt(repo, adoption)
    code, out, err, seconds = tool(repo, "audit", "--format", "json")
    audit: dict[str, object] = {"code": code, "seconds": round(seconds, 3), "error": err.strip()}
    if out.strip().startswith("{"):
        audit["findings"] = json.loads(out)["findings"]
    steps: list[Step] = []
    index = work / "replay.index"
    for upstream, subject in chosen:
        commit = grafted(repo, upstream, inventory, head, index)
        code, out, err, seconds = tool(
            repo, "check", "--base", head, "--head", commit, "--format", "json"
        )
        step = Step(upstream=upstream, subject=subject, code=code, seconds=seconds)
        if out.strip().startswith("{"):
            step.findings = json.loads(out)["findings"]
        if code not in (0, 1):
            step.error = (err.strip() or out.strip()).splitlines()[-1:][0] if (err or out) else ""
        steps.append(step)
        head = commit
    return audit, steps


def render(audit: dict[str, object], steps: Sequence[Step]) -> str:
    codes = collections.Counter(
        str(f["code"]) for step in steps for f in step.findings if not f.get("covered_by_plan")
    )
    exits = collections.Counter(step.code for step in steps)
    times = [step.seconds for step in steps] or [0.0]
    audit_findings = audit.get("findings", [])
    assert isinstance(audit_findings, list)
    lines = [
        f"audit at adoption: exit {audit['code']}, {len(audit_findings)} findings, "
        f"{audit['seconds']} s",
        f"commits replayed: {len(steps)}; exit codes: "
        + ", ".join(f"{code}: {n}" for code, n in sorted(exits.items())),
        f"time per check: median {statistics.median(times):.2f} s, max {max(times):.2f} s",
        "findings per code: "
        + (", ".join(f"{code} {n}" for code, n in sorted(codes.items())) or "none"),
    ]
    lines += [
        f"exit {step.code} at {step.upstream[:10]}: {step.error}" for step in steps if step.error
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clone", type=Path, help="a local clone of the project to replay")
    parser.add_argument("adoption", help="the commit at which the inventory is adopted")
    parser.add_argument("count", type=int, help="how many data-bearing commits to replay")
    parser.add_argument("--out", type=Path, help="write every finding here as JSON")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="inventory-lint-replay-") as tmp:
        work = options.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        audit, steps = replay(options.clone.resolve(), options.adoption, options.count, work)
    print(render(audit, steps))
    if options.out:
        records = [
            {"upstream": s.upstream, "subject": s.subject, "exit": s.code, **finding}
            for s in steps
            for finding in s.findings
        ]
        timings = [
            {"upstream": s.upstream, "exit": s.code, "seconds": round(s.seconds, 3)} for s in steps
        ]
        payload = {"audit": audit, "steps": timings, "findings": records}
        options.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
