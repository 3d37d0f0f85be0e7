"""`pre-commit run --all-files` in CI (pre-commit.ci, pre-commit/action): nothing is staged, so
the hook checks the pull request's range when CI names its base, and the whole repository
otherwise — never an empty index that passes. The real pre-commit runs the published hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from pre_commit_test import hook_source, hooked, pre_commit, pre_commit_home
from selenite_project import ADD_PHONE, VERSIONS, document_phone, selenite

if TYPE_CHECKING:
    from conftest import GitRepo

__all__ = ["hook_source", "hooked", "pre_commit_home"]  # fixtures shared with pre_commit_test


@pytest.fixture
def pull_request(hooked: Callable[[str], GitRepo]) -> GitRepo:
    """A branch adding the undocumented column users.phone on top of origin/main, committed
    and checked out as CI checks it out: nothing staged."""
    repo = selenite(hooked("ci"))
    repo.git("update-ref", "refs/remotes/origin/main", repo.head())
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    repo.commit("add users.phone")
    assert repo.git("status", "--porcelain") == ""
    return repo


def test_all_files_in_ci_checks_the_pull_request_range(
    pull_request: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    ran = pre_commit(pull_request, "run", "--all-files")
    assert ran.returncode == 1, ran.stdout
    assert "INV102 column users.phone is added but not covered" in ran.stdout
    assert "base origin/main from GITHUB_BASE_REF=main (nothing is staged)" in ran.stdout

    document_phone(pull_request)
    pull_request.commit("document users.phone")
    ran = pre_commit(pull_request, "run", "--all-files", "--verbose")
    assert ran.returncode == 0, ran.stdout
    assert "Found 0 errors and 1 warning (1 data-bearing change)." in ran.stdout


def test_all_files_in_ci_without_a_base_audits_the_repository(
    pull_request: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Outside CI an empty index is a commit with nothing in it: nothing to check.
    ran = pre_commit(pull_request, "run", "--all-files")
    assert ran.returncode == 0, ran.stdout

    monkeypatch.setenv("CI", "true")
    ran = pre_commit(pull_request, "run", "--all-files")
    assert ran.returncode == 1, ran.stdout
    assert (
        "selenite-inventory-lint: nothing is staged and CI names no base to compare with; "
        "auditing the whole repository at HEAD instead." in ran.stdout
    )
    # The audit judges every entry against the repository at HEAD, not an empty index.
    assert "INV201 inventory entry `users` names a table that no longer exists" in ran.stdout
