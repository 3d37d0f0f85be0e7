"""Shared fixtures: tiny real git repositories, in the style of pre-commit's ``make_repo``.

``repo`` is a fresh repository on branch ``main`` in ``tmp_path / "repo"``; ``make_repo``
builds more of them (a remote to clone, a submodule). Both run git in a pinned environment:
fixed identity and dates, no system or global configuration, no ``GIT_*``, pre-commit or CI
variables leaking in from a surrounding hook or job, and discovery stopping at ``tmp_path``.
The code under test sees the same environment, so commits made here have the same shas on
every machine. The working directory is left alone: use ``monkeypatch.chdir(repo.path)`` when
a test needs it. Import ``GitRepo`` for annotations only, under ``TYPE_CHECKING``:

    if TYPE_CHECKING:
        from conftest import GitRepo

    def test_something(repo: GitRepo) -> None:
        repo.write("schema.sql", "CREATE TABLE t (id INTEGER);\\n")
        first = repo.commit("add schema")
        repo.write("schema.sql", "CREATE TABLE t (id INTEGER, name TEXT);\\n")
        assert repo.git("status", "--porcelain") == " M schema.sql\\n"
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

GIT_DATE = "2026-01-01T12:00:00+00:00"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_AUTHOR_DATE": GIT_DATE,
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_COMMITTER_DATE": GIT_DATE,
}
# Written as the "global" config so a developer's own settings never change a test.
GLOBAL_CONFIG = """\
[init]
    defaultBranch = main
[commit]
    gpgSign = false
[tag]
    gpgSign = false
[core]
    autocrlf = false
[advice]
    detachedHead = false
[protocol "file"]
    allow = always
"""


# A surrounding hook or CI job must not choose the range `check` compares (docs/usage.md).
CLEARED_PREFIXES = ("GIT_", "PRE_COMMIT", "GITHUB_", "CI_MERGE_REQUEST_")
CLEARED_NAMES = frozenset({"CI", "GITLAB_CI"})


@dataclass(frozen=True, slots=True)
class GitRepo:
    """A throwaway repository; every method works in ``path``, the top of its work tree."""

    path: Path

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``git *args`` in the work tree, whatever its exit status.

        ``env`` adds variables for this one command (e.g. ``GIT_INDEX_FILE``).
        """
        return subprocess.run(
            ("git", *args),
            cwd=self.path,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run ``git *args`` in the work tree and return stdout; fail the test on error."""
        result = self.run(*args, env=env)
        if result.returncode != 0:
            pytest.fail(f"git {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result.stdout

    def write(self, name: str, content: str | bytes = "", *, executable: bool = False) -> Path:
        """Create or overwrite ``name`` (``/``-separated, parents created).

        Text is written as UTF-8 exactly as given (no newline translation).
        """
        target = self.path.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        if target.is_symlink():
            target.unlink()
        target.write_bytes(data)
        target.chmod(0o755 if executable else 0o644)
        return target

    def symlink(self, name: str, target: str) -> Path:
        """Create ``name`` as a symlink whose target text is ``target`` (never resolved)."""
        link = self.path.joinpath(*name.split("/"))
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
        return link

    def remove(self, name: str) -> None:
        """Delete ``name`` from disk only (the index keeps it until the next commit)."""
        self.path.joinpath(*name.split("/")).unlink()

    def read(self, name: str) -> bytes:
        """The bytes of ``name`` on disk."""
        return self.path.joinpath(*name.split("/")).read_bytes()

    def add(self, *names: str) -> None:
        """Stage ``names``, or every change (``git add -A``) when none is given."""
        if names:
            self.git("add", "--", *names)
        else:
            self.git("add", "-A")

    def commit(self, message: str = "commit", *, stage_all: bool = True) -> str:
        """Commit (staging every change first unless ``stage_all`` is False); the new sha."""
        if stage_all:
            self.add()
        self.git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", message)
        return self.head()

    def head(self) -> str:
        """Full sha of HEAD."""
        return self.git("rev-parse", "HEAD").strip()

    def clone(self, name: str, *args: str) -> GitRepo:
        """Clone this repository into the sibling directory ``name``.

        ``args`` go to ``git clone``: ``"--depth=1"`` makes a CI-like shallow clone.
        """
        target = self.path.parent / name
        self.git("clone", "--quiet", *args, f"file://{self.path}", str(target))
        return GitRepo(target)


MakeRepo = Callable[[str], GitRepo]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files (tests/reports/golden/) from the current code, for review",
    )


@pytest.fixture(autouse=True)
def cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every test its own, empty user cache directory: none reads a developer's cache or one
    another test filled (``selenite_inventory_lint.cache``)."""
    folder = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("SELENITE_INVENTORY_LINT_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True under ``pytest --update-golden``."""
    return bool(request.config.getoption("update_golden", default=False))


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Pin git's environment for the test (identity, dates, config, discovery)."""
    for name in list(os.environ):
        if name.startswith(CLEARED_PREFIXES) or name in CLEARED_NAMES:
            monkeypatch.delenv(name)
    config = tmp_path / "gitconfig"
    config.write_text(GLOBAL_CONFIG, encoding="utf-8")
    for name, value in GIT_IDENTITY.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")


@pytest.fixture
def make_repo(git_env: None, tmp_path: Path) -> MakeRepo:
    """Factory: ``make_repo("name")`` initialises ``tmp_path / name`` on branch ``main``."""

    def make(name: str) -> GitRepo:
        path = tmp_path / name
        path.mkdir()
        created = GitRepo(path)
        created.git("init", "--quiet", "--initial-branch=main")
        return created

    return make


@pytest.fixture
def repo(make_repo: MakeRepo) -> GitRepo:
    """An empty repository (unborn ``main``) at ``tmp_path / "repo"``."""
    return make_repo("repo")


# Fuzz budgets (tests/fuzz/budget.py): the default profile runs 300 examples per fuzz target,
# `--hypothesis-profile=ci-long` 10,000 and `--hypothesis-profile=long` 100,000.
settings.register_profile("ci-long", max_examples=100)
settings.register_profile("long", max_examples=1_000)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from fuzz import budget

    if budget.EXAMPLES:
        terminalreporter.section("fuzz examples per target")
        for line in budget.summary():
            terminalreporter.write_line(line)
        for shortfall in budget.shortfalls():
            terminalreporter.write_line(f"SHORT OF BUDGET {shortfall}", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from fuzz import budget

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller sums the counts
        workeroutput["fuzz"] = budget.export()
    elif budget.shortfalls() and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    from fuzz import budget

    budget.merge(getattr(node, "workeroutput", {}).get("fuzz", {}))
