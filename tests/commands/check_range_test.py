"""Which change set `check` reads: flags, pre-commit's range, CI bases (docs/usage.md), on real
repositories."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import TYPE_CHECKING, Any

import pytest
from selenite_project import ADD_PHONE, VERSIONS, lay_out, revision, selenite

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo, MakeRepo

DROP_JOBS = revision("0003", "0002", 'op.drop_table("jobs")')
JOBS_DROPPED = [("INV201", "jobs"), ("MIG101", "jobs")]


def run_check(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, Any] | None, str]:
    """`check --format json` in-process: exit code, parsed report (None on exit 2), stderr."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["check", "--repo", str(repo.path), "--format", "json", *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, (json.loads(out.getvalue()) if code != 2 else None), err


def codes(report: dict[str, Any] | None) -> list[tuple[str, str]]:
    assert report is not None
    return [(f["code"], f["object"]["name"]) for f in report["findings"]]


@pytest.fixture
def pull_request(make_repo: MakeRepo) -> GitRepo:
    """A CI-like clone on branch `feature`, which adds an undocumented column.

    `main` moved on after the fork (a revision the feature does not have), and the clone has
    no local `main`: only `origin/main`, as actions/checkout leaves it.
    """
    origin = selenite(make_repo("origin"))
    origin.git("checkout", "--quiet", "-b", "feature")
    origin.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    origin.commit("add users.phone")
    origin.git("checkout", "--quiet", "main")
    origin.write(f"{VERSIONS}/0002_other.py", revision("0002b", "0001", "pass"))
    origin.commit("main moves on")
    clone = origin.clone("clone")
    clone.git("checkout", "--quiet", "feature")
    clone.git("branch", "--quiet", "-D", "main")
    return clone


def fork_point(clone: GitRepo) -> str:
    return clone.git("merge-base", "origin/main", "HEAD").strip()


def test_github_base_ref_compares_from_the_merge_base_with_origin(
    pull_request: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    code, report, err = run_check(pull_request, capsys)
    assert code == 1
    assert report is not None
    base = fork_point(pull_request)
    assert report["base"] == base
    assert report["head"] == pull_request.head()
    # From origin/main itself, main's newer revision would look deleted (MIG202).
    assert [c for c in codes(report) if c[0] != "MIG107"] == [("INV102", "users.phone")]
    assert err == (
        "selenite-inventory-lint: base origin/main from GITHUB_BASE_REF=main; "
        f"checking merge base {base[:12]} → {pull_request.head()[:12]}\n"
    )


@pytest.mark.parametrize(
    ("variables", "origin"),
    [
        pytest.param(
            {
                "CI_MERGE_REQUEST_DIFF_BASE_SHA": "{fork}",
                "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "x",
            },
            "CI_MERGE_REQUEST_DIFF_BASE_SHA={fork}",
            id="diff-base-sha-first",
        ),
        pytest.param(
            {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"},
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main",
            id="target-branch",
        ),
    ],
)
def test_gitlab_merge_request_base(
    pull_request: GitRepo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variables: dict[str, str],
    origin: str,
) -> None:
    fork = fork_point(pull_request)
    monkeypatch.setenv("GITLAB_CI", "true")
    for name, value in variables.items():
        monkeypatch.setenv(name, value.format(fork=fork))
    code, report, err = run_check(pull_request, capsys)
    assert code == 1
    assert report is not None
    assert report["base"] == fork
    assert ("INV102", "users.phone") in codes(report)
    assert f"from {origin.format(fork=fork)}; checking merge base {fork[:12]} → " in err


def test_flags_on_the_command_line_win_over_the_environment(
    pull_request: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_BASE_REF", "no-such-branch")
    code, report, err = run_check(pull_request, capsys, "--head", "HEAD")
    assert code == 1
    assert report is not None
    assert report["base"] == pull_request.git("rev-parse", "HEAD~1").strip()
    assert err == ""
    # A staged change: the index is what pre-commit checks. (With nothing staged, as under
    # `pre-commit run --all-files`, the CI's base is used instead: tests/adoption.)
    pull_request.write("README.md", "Selenite\n")
    pull_request.add("README.md")
    code, report, err = run_check(pull_request, capsys, "--staged")
    assert (code, codes(report), err) == (0, [], "")


def test_staged_with_nothing_staged_in_ci_checks_the_merge_request(
    pull_request: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pre-commit run --all-files` in GitLab CI: the hook's `--staged` meets an empty index."""
    fork = fork_point(pull_request)
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", fork)
    code, report, err = run_check(pull_request, capsys, "--staged")
    assert code == 1
    assert report is not None
    assert (report["base"], report["head"]) == (fork, pull_request.head())
    assert ("INV102", "users.phone") in codes(report)
    assert err == (
        f"selenite-inventory-lint: base {fork[:12]} from CI_MERGE_REQUEST_DIFF_BASE_SHA={fork} "
        f"(nothing is staged); checking merge base {fork[:12]} → {pull_request.head()[:12]}\n"
    )


def test_staged_with_nothing_staged_in_ci_without_a_base_audits(
    pull_request: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CI", "true")
    code, report, err = run_check(pull_request, capsys, "--staged")
    assert code == 1
    assert report is not None
    # The audit reads HEAD and judges every entry, not an empty index.
    assert (report["base"], report["head"]) == (None, pull_request.head())
    assert ("INV201", "users") in codes(report)
    assert err == (
        "selenite-inventory-lint: nothing is staged and CI names no base to compare with; "
        "auditing the whole repository at HEAD instead.\n"
    )


@pytest.mark.parametrize(
    ("variables", "hint"),
    [
        pytest.param({"GITHUB_ACTIONS": "true"}, "`fetch-depth: 0`", id="github-push"),
        pytest.param(
            {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": ""}, "`fetch-depth: 0`", id="github-empty"
        ),
        pytest.param({"GITLAB_CI": "true"}, '`GIT_DEPTH: "0"`', id="gitlab-branch-pipeline"),
        pytest.param({"CI": "true"}, "`fetch-depth: 0`", id="any-ci"),
        pytest.param({"CI": "1"}, "--head HEAD", id="any-ci-numeric"),
    ],
)
def test_ci_without_a_base_is_exit_2_and_says_how_to_pass_one(
    pull_request: GitRepo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variables: dict[str, str],
    hint: str,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    code, _, err = run_check(pull_request, capsys)
    assert code == 2
    assert err.startswith("selenite-inventory-lint: error: running in ")
    assert "--base REF" in err
    assert hint in err
    assert len(err.strip().splitlines()) == 1


def test_ci_set_to_false_is_not_ci(
    pull_request: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CI", "false")
    pull_request.write(f"{VERSIONS}/0003_jobs.py", DROP_JOBS)
    code, report, err = run_check(pull_request, capsys)
    assert (code, err) == (1, "")
    assert report is not None
    assert report["head"] == "WORKTREE"


@pytest.mark.parametrize(
    ("clone_args", "message"),
    [
        pytest.param(
            ("--depth=1", "--branch=feature"),
            "cannot resolve --base 'origin/main'",
            id="single-branch",
        ),
        pytest.param(
            ("--depth=1", "--no-single-branch", "--branch=feature"),
            "no merge base in this shallow clone",
            id="all-branches",
        ),
    ],
)
def test_shallow_ci_clone_is_exit_2_with_the_fetch_depth_hint(
    make_repo: MakeRepo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clone_args: tuple[str, ...],
    message: str,
) -> None:
    origin = selenite(make_repo("origin"))
    origin.git("checkout", "--quiet", "-b", "feature")
    origin.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    origin.commit("add users.phone")
    origin.git("checkout", "--quiet", "main")
    origin.write("README.md", "main moves on\n")
    origin.commit("main moves on")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")

    shallow = origin.clone("shallow", *clone_args)
    code, _, err = run_check(shallow, capsys)
    assert code == 2
    assert message in err
    assert "(The range came from GITHUB_BASE_REF=main; check out with `fetch-depth: 0`" in err
    assert len(err.strip().splitlines()) == 1

    full = origin.clone("full", "--branch=feature")
    code, report, _ = run_check(full, capsys)
    assert code == 1
    assert ("INV102", "users.phone") in codes(report)


@pytest.fixture
def history(repo: GitRepo) -> tuple[GitRepo, str, str, str]:
    """A → B (adds an undocumented column) → C (unrelated); then a destructive change staged."""
    first = selenite(repo).head()
    repo.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    second = repo.commit("add users.phone")
    repo.write("README.md", "unrelated\n")
    third = repo.commit("readme")
    repo.write(f"{VERSIONS}/0003_jobs.py", DROP_JOBS)
    repo.add(f"{VERSIONS}/0003_jobs.py")
    return repo, first, second, third


def test_pre_commit_range_replaces_the_index(
    history: tuple[GitRepo, str, str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, first, second, third = history
    code, report, _ = run_check(repo, capsys, "--staged")
    assert (code, codes(report)) == (1, JOBS_DROPPED)

    monkeypatch.setenv("PRE_COMMIT_FROM_REF", second)
    code, report, err = run_check(repo, capsys, "--staged")
    assert (code, codes(report), err) == (1, JOBS_DROPPED, "")  # one alone is ignored

    monkeypatch.setenv("PRE_COMMIT_TO_REF", third)
    code, report, err = run_check(repo, capsys, "--staged")
    assert report is not None
    assert (code, report["base"], report["head"], codes(report)) == (0, second, third, [])
    assert err == (
        f"selenite-inventory-lint: range {second[:12]}..{third[:12]} from PRE_COMMIT_FROM_REF "
        f"and PRE_COMMIT_TO_REF; checking merge base {second[:12]} → {third[:12]}\n"
    )

    monkeypatch.setenv("PRE_COMMIT_FROM_REF", first)
    code, report, _ = run_check(repo, capsys, "--staged")
    assert code == 1
    assert [c for c in codes(report) if c[0] != "MIG107"] == [("INV102", "users.phone")]

    # A range pre-commit names also replaces the work tree of a plain `check`.
    code, report, _ = run_check(repo, capsys)
    assert report is not None
    assert (code, report["base"], report["head"]) == (1, first, third)


def test_pre_commit_range_with_a_missing_ref_names_where_it_came_from(
    history: tuple[GitRepo, str, str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = history[0]
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "f" * 40)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
    code, _, err = run_check(repo, capsys, "--staged")
    assert code == 2
    assert err.rstrip().endswith("(The range came from PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF.)")


def test_root_commit_is_checked_as_all_added(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    lay_out(repo, 'op.create_table("invoices", sa.Column("id", sa.Integer))')
    repo.add()
    code, staged, _ = run_check(repo, capsys, "--staged")  # the first commit's hook
    assert staged is not None
    assert (code, staged["base"], staged["head"]) == (1, None, "INDEX")
    root = repo.commit("root")
    code, committed, _ = run_check(repo, capsys, "--head", root)
    assert committed is not None
    assert (code, committed["base"], committed["head"]) == (1, None, root)
    for report in (staged, committed):
        assert ("INV101", "invoices") in codes(report)
        assert {c["action"] for c in report["changes"]} == {"added"}


def test_unresolvable_ref_in_a_shallow_clone_says_how_to_deepen(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = selenite(make_repo("origin"))
    origin.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    origin.commit("add users.phone")
    shallow = origin.clone("shallow", "--depth=1")
    code, _, err = run_check(shallow, capsys, "--base", "HEAD~1")
    assert code == 2
    assert "cannot resolve --base 'HEAD~1'" in err
    assert "shallow clone" in err
    assert "git fetch --unshallow" in err
    assert len(err.strip().splitlines()) == 1
