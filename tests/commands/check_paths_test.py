"""`check PATH...`, as ruff users type it: the report is limited to the changes and findings in
those files or folders, relative to the current folder (in-process ``main([...])``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from selenite_project import BASE_REVISION, INVOICES, REFERENCE, VERSIONS, revision

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

SETTINGS = "backend/app/settings.py"


@pytest.fixture
def project(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A commit adding an undocumented table and column, dropping the documented `jobs`
    table, reading an undocumented environment variable and adding a placeholder entry; the
    current folder is the repository."""
    repo.write("DATA_INVENTORY.md", REFERENCE.read_bytes())
    repo.write("alembic.ini", "[alembic]\nscript_location = backend/alembic\n")
    repo.write(f"{VERSIONS}/0001_base.py", BASE_REVISION)
    repo.commit("base")
    repo.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    repo.write(f"{VERSIONS}/0003_jobs.py", revision("0003", "0002", 'op.drop_table("jobs")'))
    repo.write(SETTINGS, 'import os\n\nKEY = os.environ["BILLING_API_KEY"]\n')
    inventory = REFERENCE.read_text(encoding="utf-8")
    anchor = "- `RESEND_API_KEY`"
    repo.write("DATA_INVENTORY.md", inventory.replace(anchor, f"- `BILLING_MODE`: TODO\n{anchor}"))
    repo.commit("invoices, billing, no more jobs")
    monkeypatch.chdir(repo.path)
    return repo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", "--base", "HEAD~1", "--ignore", "MIG107", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def located(out: str) -> list[str]:
    """``CODE path`` of each finding line."""
    return [f"{m[2]} {m[1]}" for m in re.findall(r"^(\./)?(.+?):\d+:\d+: (\w+) ", out, re.M)]


def test_a_folder_limits_the_report_to_it(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys)
    assert code == 1
    assert located(out) == [
        "INV301 DATA_INVENTORY.md",
        "INV101 backend/alembic/versions/0002_invoices.py",
        "INV102 backend/alembic/versions/0002_invoices.py",
        "INV201 backend/alembic/versions/0003_jobs.py",
        "MIG101 backend/alembic/versions/0003_jobs.py",
        f"INV104 {SETTINGS}",
    ]

    assert run(capsys, ".") == (code, out, "")  # the repository itself: everything

    code, out, err = run(capsys, "backend/alembic")
    assert code == 1
    assert located(out) == [
        "INV101 backend/alembic/versions/0002_invoices.py",
        "INV102 backend/alembic/versions/0002_invoices.py",
        "INV201 backend/alembic/versions/0003_jobs.py",
        "MIG101 backend/alembic/versions/0003_jobs.py",
    ]
    assert "(4 data-bearing changes" in out  # invoices, invoices.id, users.phone, jobs
    assert err == ""


def test_paths_are_relative_to_the_current_folder(
    project: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.path / "backend")
    code, out, _ = run(capsys, "app/settings.py", "../DATA_INVENTORY.md")
    assert code == 1
    assert located(out) == ["INV301 DATA_INVENTORY.md", f"INV104 {SETTINGS}"]


def test_a_path_with_no_changes_passes_and_says_so(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "docs", f"{VERSIONS}/0001_base.py")
    assert code == 0
    assert out == "All checks passed (0 data-bearing changes).\n"
    assert err == (
        f"No data-bearing changes in docs\nNo data-bearing changes in {VERSIONS}/0001_base.py\n"
    )


def test_a_path_outside_the_repository_is_a_usage_error(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "backend", "..")
    assert code == 2
    assert out == ""
    assert err.startswith("selenite-inventory-lint: error: .. is outside the repository")
    assert err.count("\n") == 1
