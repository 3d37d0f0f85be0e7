"""The published hook run by the real pre-commit, through real `git commit` and `git push`.

The hook repository is this project's work tree as it is (uncommitted edits included), copied
into a one-commit repository once per session; adopters' repositories use the example
`.pre-commit-config.yaml` pointed at it. pre-commit builds the hook's environment once per
session in a shared PRE_COMMIT_HOME (about ten seconds, and it needs the package index that
`pip install` uses: it installs the project and its dependencies).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from conftest import CLEARED_NAMES, CLEARED_PREFIXES, GIT_IDENTITY
from selenite_project import ADD_PHONE, VERSIONS, document_phone, lay_out, revision, selenite

if TYPE_CHECKING:
    from conftest import GitRepo, MakeRepo

ROOT = Path(__file__).parents[1]
EXAMPLE_CONFIG = ROOT / "examples" / ".pre-commit-config.yaml"
HOOK_NAME = "data inventory (selenite-inventory-lint)"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(CLEARED_PREFIXES) and name not in CLEARED_NAMES
    }
    return {**env, **GIT_IDENTITY, "GIT_CONFIG_NOSYSTEM": "1", **extra}


@dataclass(frozen=True, slots=True)
class HookSource:
    """This project at one commit, as pre-commit clones it: a path and a sha."""

    path: Path
    rev: str


@pytest.fixture(scope="session")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> HookSource:
    env = _clean_env(GIT_CONFIG_GLOBAL=os.devnull)
    listed = subprocess.run(
        ("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
    ).stdout.decode()
    target = tmp_path_factory.mktemp("hook-source")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    for args in (
        ("init", "--quiet", "--initial-branch=main"),
        ("add", "--all"),
        ("commit", "--quiet", "--no-verify", "-m", "hook source"),
    ):
        subprocess.run(("git", *args), cwd=target, env=env, check=True, capture_output=True)
    rev = subprocess.run(
        ("git", "rev-parse", "HEAD"), cwd=target, env=env, check=True, capture_output=True
    )
    return HookSource(target, rev.stdout.decode().strip())


def example_config(source: HookSource) -> str:
    """examples/.pre-commit-config.yaml, pointed at this project's hook source."""
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    config["repos"][0].update(repo=str(source.path), rev=source.rev)
    return yaml.safe_dump(config, sort_keys=False)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory, hook_source: HookSource) -> Path:
    """A PRE_COMMIT_HOME holding the hook's environment, built once for the session."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    scratch = tmp_path_factory.mktemp("pre-commit-scratch")
    env = _clean_env(GIT_CONFIG_GLOBAL=os.devnull, PRE_COMMIT_HOME=str(home))
    subprocess.run(("git", "init", "--quiet"), cwd=scratch, env=env, check=True)
    (scratch / ".pre-commit-config.yaml").write_text(example_config(hook_source), "utf-8")
    built = subprocess.run(
        (sys.executable, "-m", "pre_commit", "install-hooks"),
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        pytest.fail(
            "pre-commit could not build the hook's environment (pip installs this project and "
            f"its dependencies from the package index):\n{built.stdout}{built.stderr}"
        )
    return home


@pytest.fixture
def hooked(
    make_repo: MakeRepo,
    hook_source: HookSource,
    pre_commit_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[str], GitRepo]:
    """Factory: a repository with the example pre-commit config and its hooks installed."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PRE_COMMIT_COLOR", "never")

    def make(name: str) -> GitRepo:
        repo = make_repo(name)
        repo.write(".pre-commit-config.yaml", example_config(hook_source))
        installed = pre_commit(repo, "install")
        assert installed.returncode == 0, installed.stdout + installed.stderr
        return repo

    return make


def pre_commit(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        (sys.executable, "-m", "pre_commit", *args),
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def adopter(hooked: Callable[[str], GitRepo]) -> GitRepo:
    return selenite(hooked("adopter"))


def commit(repo: GitRepo, *args: str) -> tuple[bool, str]:
    """`git commit` with the hooks; whether a commit was made, and everything printed."""
    before = repo.run("rev-parse", "--verify", "--quiet", "HEAD").stdout
    result = repo.run("commit", "--quiet", *args)
    after = repo.run("rev-parse", "--verify", "--quiet", "HEAD").stdout
    assert (result.returncode == 0) == (before != after), result.stdout + result.stderr
    return result.returncode == 0, result.stdout + result.stderr


def test_undocumented_column_is_rejected_then_accepted_with_its_entry(adopter: GitRepo) -> None:
    adopter.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    adopter.add()
    made, output = commit(adopter, "-m", "add users.phone")
    assert not made
    assert f"{HOOK_NAME}..." in output
    assert "Failed" in output
    assert (
        f"{VERSIONS}/0002_phone.py:9:5: INV102 column users.phone is added but not covered "
        "by the inventory" in output
    )

    document_phone(adopter)
    adopter.add("DATA_INVENTORY.md")
    made, output = commit(adopter, "-m", "add users.phone, documented")
    assert made, output
    assert "Passed" in output
    assert adopter.git("show", "--name-only", "--format=", "HEAD").split() == [
        "DATA_INVENTORY.md",
        f"{VERSIONS}/0002_phone.py",
    ]


def test_commits_touching_no_data_bearing_file_pass(adopter: GitRepo) -> None:
    adopter.write("README.md", "Selenite\n")
    adopter.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)  # on disk, never staged
    adopter.add("README.md")
    made, output = commit(adopter, "-m", "readme")
    assert made, output
    assert f"{HOOK_NAME}" in output

    document_phone(adopter)  # an inventory-only commit
    adopter.add("DATA_INVENTORY.md")
    assert commit(adopter, "-m", "document users.phone ahead of the migration")[0]


def test_deletion_only_commit_still_runs_the_hook(adopter: GitRepo) -> None:
    adopter.git("rm", "--quiet", f"{VERSIONS}/0001_base.py")
    made, output = commit(adopter, "-m", "delete a shipped migration")
    assert not made
    assert "MIG202" in output


def test_commit_all_sees_the_auto_staged_change_and_leaves_no_lock(adopter: GitRepo) -> None:
    adopter.write("README.md", "Selenite\n")
    adopter.commit("readme")
    adopter.write("README.md", "Selenite, with a data inventory\n")
    assert commit(adopter, "-a", "-m", "tracked, unrelated")[0]

    adopter.write(
        f"{VERSIONS}/0001_base.py",
        revision("0001", None, 'op.create_table("invoices", sa.Column("id", sa.Integer))'),
    )
    made, output = commit(adopter, "-a", "-m", "edit a shipped migration")
    assert not made
    assert f"{VERSIONS}/0001_base.py" in output
    assert "MIG202" in output
    assert "INV101 table invoices" in output
    assert not (adopter.path / ".git" / "index.lock").exists()
    # The real index is untouched: the change is still only in the work tree.
    assert adopter.git("status", "--porcelain") == f" M {VERSIONS}/0001_base.py\n"


def test_run_from_ref_to_ref_checks_exactly_that_range(adopter: GitRepo) -> None:
    first = adopter.head()
    adopter.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    second = adopter.commit("add users.phone, undocumented")
    adopter.write("README.md", "Selenite\n")
    third = adopter.commit("readme")
    # Staged but outside every range below: a documented table dropped.
    adopter.write(f"{VERSIONS}/0003_jobs.py", revision("0003", "0002", 'op.drop_table("jobs")'))
    adopter.add()

    after = pre_commit(adopter, "run", "--from-ref", second, "--to-ref", third)
    assert after.returncode == 0, after.stdout
    whole = pre_commit(adopter, "run", "--from-ref", first, "--to-ref", third)
    assert whole.returncode == 1
    assert "INV102 column users.phone" in whole.stdout
    assert "jobs" not in whole.stdout
    assert f"checking merge base {first[:12]} → {third[:12]}" in whole.stdout
    staged = pre_commit(adopter, "run")
    assert staged.returncode == 1
    assert "MIG101 table jobs is dropped" in staged.stdout
    assert "users.phone" not in staged.stdout


def test_pre_push_checks_the_pushed_commits(adopter: GitRepo, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    adopter.git("init", "--quiet", "--bare", str(remote))
    adopter.git("remote", "add", "origin", str(remote))
    pushed = adopter.run("push", "--quiet", "origin", "main")
    assert pushed.returncode == 0, pushed.stderr

    adopter.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    adopter.commit("add users.phone, undocumented")
    adopter.write("README.md", "Selenite\n")
    adopter.commit("readme")
    rejected = adopter.run("push", "--quiet", "origin", "main")
    assert rejected.returncode != 0
    assert "INV102 column users.phone" in rejected.stdout + rejected.stderr
    assert adopter.git("ls-remote", str(remote), "main").split()[0] != adopter.head()

    document_phone(adopter)
    adopter.commit("document users.phone")
    accepted = adopter.run("push", "--quiet", "origin", "main")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_first_commit_is_checked_as_all_added(hooked: Callable[[str], GitRepo]) -> None:
    repo = hooked("fresh")
    lay_out(repo, 'op.create_table("invoices", sa.Column("id", sa.Integer))')
    repo.add()
    made, output = commit(repo, "-m", "root")
    assert not made
    assert "INV101 table invoices" in output

    text = repo.read("DATA_INVENTORY.md").decode()
    repo.write(
        "DATA_INVENTORY.md", text.replace("- `jobs`:", "- `invoices`: issued invoices.\n- `jobs`:")
    )
    repo.add()
    made, output = commit(repo, "-m", "root, documented")
    assert made, output
    assert repo.run("rev-parse", "--verify", "--quiet", "HEAD~1").returncode != 0


def test_merge_commit_is_checked_by_the_example_config(adopter: GitRepo) -> None:
    main = adopter.head()
    adopter.git("checkout", "--quiet", "-b", "feature")
    adopter.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    adopter.commit("add users.phone, undocumented")
    adopter.git("checkout", "--quiet", "main")

    rejected = adopter.run("merge", "--no-ff", "--no-edit", "feature")
    assert rejected.returncode != 0
    assert "INV102 column users.phone" in rejected.stdout + rejected.stderr
    assert adopter.head() == main
    adopter.git("merge", "--abort")

    adopter.git("checkout", "--quiet", "feature")
    document_phone(adopter)
    adopter.commit("document users.phone")
    adopter.git("checkout", "--quiet", "main")
    accepted = adopter.run("merge", "--no-ff", "--no-edit", "feature")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert adopter.head() != main
