"""`check --fix` with a range or the index: the report printed afterwards is of the fixed
inventory, as ruff reports what remains (in-process ``main([...])`` on real repositories)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from selenite_project import INVOICES, VERSIONS, selenite_repo

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    return selenite_repo(repo, invoices=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def codes(out: str) -> list[str]:
    return re.findall(r" ((?:INV|MIG)\d{3}) ", out)


def test_fix_against_a_base_reports_what_remains(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    # MIG107 (the reference inventory asks for idempotent migrations) is not the point here.
    where = ("--repo", str(project.path), "--base", "HEAD~1", "--ignore", "MIG107")
    code, out, _ = run(capsys, *where)
    assert sorted(codes(out)) == ["INV101", "INV102"]

    code, out, err = run(capsys, *where, "--fix")
    assert "2 stubs inserted" in err
    # The stubs document the objects; as placeholders they still fail, and only they do.
    assert codes(out) == ["INV301", "INV301"]
    assert code == 1
    assert out.endswith(
        "Found 2 errors and 0 warnings (3 data-bearing changes, 2 fixed, 2 remaining).\n"
    )


def test_fix_of_the_index_exits_on_what_remains(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.add()
    where = ("--repo", str(project.path), "--staged", "--ignore", "INV301,MIG107")
    code, out, _ = run(capsys, *where)
    assert code == 1
    assert sorted(codes(out)) == ["INV101", "INV102"]

    code, out, _ = run(capsys, *where, "--fix")
    assert code == 0, out
    assert codes(out) == []
    assert out == "All checks passed (3 data-bearing changes, 2 fixed, 0 remaining).\n"
    assert project.read("DATA_INVENTORY.md").count(b"TODO: describe") == 2


def test_the_report_after_fix_reads_the_change_set_once(
    project: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--fix writes only the inventory: the second judging reuses the change set it read."""
    from selenite_inventory_lint import changeset

    opened: list[object] = []
    real = changeset.open_changeset

    def counted(*args: object, **kwargs: object) -> changeset.ChangeSet:
        opened.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(changeset, "open_changeset", counted)
    project.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
    project.commit("invoices")
    code, out, _ = run(
        capsys, "--repo", str(project.path), "--base", "HEAD~1", "--ignore", "MIG107", "--fix"
    )
    assert code == 1
    assert codes(out) == ["INV301", "INV301"]
    assert len(opened) == 1
