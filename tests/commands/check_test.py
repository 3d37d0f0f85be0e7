"""`check` as a reviewer and CI use it: report files, the job summary, the suggested patch
applied with `git apply`, and `--fix` on real repositories (in-process ``main([...])``)."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenite_project import BASE_REVISION, INVOICES, REFERENCE, VERSIONS

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

STUB_USERS = b"- `users.phone`: TODO: describe"
STUB_INVOICES = b"- `invoices`: TODO: describe"


def base_project(repo: GitRepo, inventory: bytes) -> GitRepo:
    repo.write("DATA_INVENTORY.md", inventory)
    repo.write("alembic.ini", "[alembic]\nscript_location = backend/alembic\n")
    repo.write(f"{VERSIONS}/0001_base.py", BASE_REVISION)
    repo.commit("base")
    return repo


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    return base_project(repo, REFERENCE.read_bytes())


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_markdown_patch_applies_and_then_check_passes(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    code, out, _ = run(
        capsys, "--repo", str(project.path), "--base", "HEAD~1", "--format", "markdown"
    )
    assert code == 1
    block = re.search(r"^```diff\n(.*?)^```$", out, flags=re.MULTILINE | re.DOTALL)
    assert block is not None
    (project.path.parent / "inventory.patch").write_text(block.group(1), encoding="utf-8")
    project.git("apply", "--check", "../inventory.patch")
    project.git("apply", "../inventory.patch")
    patched = project.read("DATA_INVENTORY.md")
    assert STUB_USERS in patched
    assert STUB_INVOICES in patched

    # Stubs are entries (no INV10x) but not documentation: INV301 until described.
    project.commit("apply the suggested patch")
    code, out, _ = run(capsys, "--repo", str(project.path), "--base", "HEAD~2")
    assert code == 1
    assert out.count("INV301") == 2
    assert "INV101" not in out
    assert "INV102" not in out

    described = patched.replace(
        STUB_USERS, b"- `users.phone`: optional contact number for SMS notifications."
    ).replace(STUB_INVOICES, b"- `invoices`: issued invoices; kept ten years.")
    project.write("DATA_INVENTORY.md", described)
    project.commit("describe")
    code, out, _ = run(capsys, "--repo", str(project.path), "--base", "HEAD~3")
    assert code == 0, out
    assert "INV" not in out


def test_fix_on_crlf_and_bom_changes_only_the_inserted_lines(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    original = b"\xef\xbb\xbf" + REFERENCE.read_bytes().replace(b"\n", b"\r\n")
    project = base_project(repo, original)
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)  # not committed: worktree mode

    code, out, err = run(capsys, "--repo", str(project.path), "--fix")
    after = project.read("DATA_INVENTORY.md")
    last_seen = b"- `users.last_seen_at`: idle-session tracking for timeout enforcement.\r\n"
    watermark = (
        b"- `system_preferences.auth_token_not_before`: restart/administrator session "
        b"invalidation watermark.\r\n"
    )
    expected = original.replace(last_seen, last_seen + STUB_USERS + b"\r\n").replace(
        watermark, watermark + STUB_INVOICES + b"\r\n"
    )
    assert after == expected
    assert err.splitlines() == [
        "DATA_INVENTORY.md:18: added `users.phone: TODO: describe` to ## Database (SQLite)",
        "DATA_INVENTORY.md:33: added `invoices: TODO: describe` to ## Database (SQLite)",
        "Fixed DATA_INVENTORY.md: 2 stubs inserted; replace each `TODO: describe` with a "
        "description (INV301 fails until then).",
    ]
    # The report is of the fixed inventory: stubs still fail, as placeholders.
    assert code == 1
    assert re.findall(r"INV\d+ .*", out) == [
        "INV301 inventory entry `users.phone` has a placeholder description ('TODO: describe')",
        "INV301 inventory entry `invoices` has a placeholder description ('TODO: describe')",
    ]

    code, out, err = run(capsys, "--repo", str(project.path), "--fix")
    assert code == 1
    assert err == ""
    assert project.read("DATA_INVENTORY.md") == expected
    assert sorted(p.name for p in project.path.iterdir() if p.name.startswith(".DATA")) == []


def test_fix_against_a_base_edits_the_worktree_inventory_once(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    inventory = project.path / "DATA_INVENTORY.md"
    inventory.chmod(0o640)
    code, out, err = run(capsys, "--repo", str(project.path), "--base", "HEAD~1", "--fix")
    assert code == 1
    assert "2 stubs inserted" in err
    # The report is of the fixed inventory, not the committed one: the stubs remain.
    assert "INV101" not in out
    assert out.count("INV301") == 2
    fixed = project.read("DATA_INVENTORY.md")
    assert fixed.count(b"TODO: describe") == 2
    assert stat.S_IMODE(inventory.stat().st_mode) == 0o640

    code, _, err = run(capsys, "--repo", str(project.path), "--base", "HEAD~1", "--fix")
    assert err == ""
    assert project.read("DATA_INVENTORY.md") == fixed


def test_fix_reports_names_it_cannot_write(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(
        f"{VERSIONS}/0002_odd.py",
        INVOICES.replace('"invoices"', '"odd name"').replace('"phone"', '"ok_col"'),
    )
    code, _, err = run(capsys, "--repo", str(project.path), "--fix")
    assert code == 1
    assert (
        "DATA_INVENTORY.md: no stub for table odd name: the inventory parser would not read it "
        "back as an entry; add its entry by hand."
    ) in err
    assert "added `users.ok_col: TODO: describe`" in err


def test_fix_without_the_inventory_on_disk_is_exit_2(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    project.remove("DATA_INVENTORY.md")
    code, _, err = run(capsys, "--repo", str(project.path), "--base", "HEAD~1", "--fix")
    assert code == 2
    assert err.startswith("selenite-inventory-lint: error: cannot read DATA_INVENTORY.md: ")
    assert len(err.strip().splitlines()) == 1


def test_one_run_writes_several_formats(
    project: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    out_dir = tmp_path / "reports"
    code, out, _ = run(
        capsys,
        "--repo",
        str(project.path),
        "--base",
        "HEAD~1",
        "--format",
        "markdown",
        "--output",
        str(out_dir / "comment.md"),
        "--report",
        f"sarif={out_dir / 'results.sarif'}",
        "--report",
        f"gitlab={out_dir / 'gl-code-quality.json'}",
        "--report",
        f"html={out_dir / 'report.html'}",
    )
    assert code == 1
    assert out == ""
    assert (out_dir / "comment.md").read_text("utf-8").startswith("## Data inventory FAILED")
    sarif = json.loads((out_dir / "results.sarif").read_text("utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]][:2] == ["INV101", "MIG107"]
    issues = json.loads((out_dir / "gl-code-quality.json").read_text("utf-8"))
    assert {i["check_name"] for i in issues} == {"INV101", "INV102", "MIG107"}
    assert (out_dir / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")


def test_github_format_appends_the_markdown_to_the_job_summary(
    project: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    summary = tmp_path / "step_summary.md"
    summary.write_text("# Earlier step output\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(
        capsys, "--repo", str(project.path), "--base", "HEAD~1", "--format", "github"
    )
    assert code == 1
    assert out.splitlines()[0].startswith(
        "::error file=backend/alembic/versions/0002_invoices.py,line=9,col=5,title=INV101::"
    )
    text = summary.read_text("utf-8")
    assert text.startswith(
        "# Earlier step output\n## Data inventory FAILED: 2 errors, 2 warnings\n"
    )
    assert "```diff" in text


def test_job_summary_over_githubs_limit_is_left_alone(
    project: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    summary = tmp_path / "step_summary.md"
    summary.write_bytes(b"x" * (1024 * 1024 - 100))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, _, err = run(
        capsys,
        "--repo",
        str(project.path),
        "--base",
        "HEAD~1",
        "--report",
        f"github={tmp_path / 'annotations.txt'}",
    )
    assert code == 1
    assert "would pass GitHub's 1 MiB limit" in err
    assert summary.stat().st_size == 1024 * 1024 - 100


def test_job_summary_that_cannot_be_written_is_exit_2(
    project: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a directory
    code, _, err = run(
        capsys, "--repo", str(project.path), "--base", "HEAD~1", "--format", "github"
    )
    assert code == 2
    assert "cannot append to the job summary" in err


def test_no_job_summary_without_the_github_format(
    project: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    summary = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    run(capsys, "--repo", str(project.path), "--base", "HEAD~1")
    assert not summary.exists()
    assert os.environ["GITHUB_STEP_SUMMARY"] == str(summary)


def test_fix_never_writes_through_a_link_out_of_the_repository(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_bytes(REFERENCE.read_bytes())
    project = base_project(repo, REFERENCE.read_bytes())
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    project.symlink("DATA_INVENTORY.md", str(outside))
    code, _, err = run(capsys, "--repo", str(project.path), "--base", "HEAD~1", "--fix")
    assert code == 2
    assert "will not write DATA_INVENTORY.md: it is a symbolic link" in err
    assert outside.read_bytes() == REFERENCE.read_bytes()
