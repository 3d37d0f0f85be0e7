"""Git edge cases, each on a real repository through the real CLI (docs/usage.md).

The change-set records themselves are pinned in tests/changeset_test.py; here every case runs
``check`` end to end and is judged by its exit code, findings and stderr — never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo, MakeRepo

INVENTORY = """\
# Data inventory

## Database (SQLite)
- `users`: accounts.

## Storage Paths
- `storage/media/`: uploads.

## Configuration & State
- `SECRET_KEY`: signing key.
"""
REVISION = """\
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down}


def upgrade():
{body}


def downgrade():
    pass
"""


def revision(rev: str, down: str | None, *body: str) -> str:
    lines = "\n".join(f"    {line}" for line in body) or "    pass"
    return REVISION.format(rev=rev, down=repr(down), body=lines)


def base_repo(repo: GitRepo) -> str:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write(
        "migrations/versions/0001_users.py",
        revision("0001", None, "op.create_table('users', sa.Column('id', sa.Integer()))"),
    )
    repo.write("app/settings.py", "import os\nKEY = os.environ['SECRET_KEY']\n")
    return repo.commit("base")


def check(
    capsys: pytest.CaptureFixture[str], repo: GitRepo, *args: str
) -> tuple[int, dict[str, Any], str]:
    code = main(["check", "--repo", str(repo.path), "--format", "json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out) if out else {}, err


def findings(report: dict[str, Any]) -> list[str]:
    return [f"{f['code']} {f['path']}:{f['line']}" for f in report["findings"]]


def test_detached_head(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base = base_repo(repo)
    repo.write("app/mail.py", "import os\nPASSWORD = os.getenv('SMTP_PASSWORD')\n")
    repo.commit("mail")
    repo.git("checkout", "--quiet", "--detach", "HEAD")
    code, report, _ = check(capsys, repo, "--base", base)
    assert (code, findings(report)) == (1, ["INV104 app/mail.py:2"])
    repo.write("app/other.py", "import os\nX = os.getenv('OTHER_TOKEN')\n")
    code, report, _ = check(capsys, repo)  # detached HEAD → work tree
    assert (code, findings(report)) == (1, ["INV104 app/other.py:2"])


def test_merge_commit_as_head(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base_repo(repo)
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.write("app/mail.py", "import os\nPASSWORD = os.getenv('SMTP_PASSWORD')\n")
    repo.commit("feature")
    repo.git("checkout", "--quiet", "main")
    repo.write("README.md", "main moved on\n")
    main_tip = repo.commit("main")
    repo.git("merge", "--quiet", "--no-ff", "--no-edit", "feature")
    # --head alone compares with the first parent: what the merge brought in.
    code, report, _ = check(capsys, repo, "--head", "HEAD")
    assert (code, findings(report)) == (1, ["INV104 app/mail.py:2"])
    code, report, _ = check(capsys, repo, "--base", main_tip)
    assert (code, findings(report)) == (1, ["INV104 app/mail.py:2"])


def test_rename_with_modification(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base_repo(repo)
    repo.git("mv", "app/settings.py", "app/config.py")
    repo.write(
        "app/config.py",
        "import os\nKEY = os.environ['SECRET_KEY']\nTOKEN = os.environ['API_TOKEN']\n",
    )
    repo.add()
    assert repo.git("diff", "--cached", "--name-status", "-M").startswith("R")
    code, report, _ = check(capsys, repo, "--staged")
    # Only the new variable: moving the file neither adds SECRET_KEY nor retires it.
    assert (code, findings(report)) == (1, ["INV104 app/config.py:3"])
    assert [c["name"] for c in report["changes"]] == ["API_TOKEN"]


def test_file_mode_change_only(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base_repo(repo)
    for name in ("migrations/versions/0001_users.py", "app/settings.py", "DATA_INVENTORY.md"):
        (repo.path / name).chmod(0o755)
    repo.add()
    assert repo.git("diff", "--cached", "--summary").count("mode change 100644 => 100755") == 3
    code, report, _ = check(capsys, repo, "--staged")
    assert (code, report["findings"], report["changes"]) == (0, [], [])


def test_symlink_pointing_outside_the_repository(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base_repo(repo)
    outside = tmp_path / "outside.py"
    outside.write_text("import os\nX = os.environ['OUTSIDE_SECRET']\n", encoding="utf-8")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "settings.py").write_text(outside.read_text(), encoding="utf-8")
    repo.symlink("app/linked.py", str(outside))
    repo.symlink("app/linked_dir", str(tmp_path / "outside"))
    repo.symlink("migrations/versions/0002_link.py", str(outside))
    for args in ((), ("--staged",)):
        if args:
            repo.add()
        code, report, _ = check(capsys, repo, *args)
        names = [c["name"] for c in report["changes"]]
        assert "OUTSIDE_SECRET" not in names
        assert code in (0, 1)
    repo.commit("links")
    code, report, _ = check(capsys, repo, "--head", "HEAD")
    assert "OUTSIDE_SECRET" not in json.dumps(report)


def test_submodule_is_skipped_with_a_note(
    repo: GitRepo, make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base_repo(repo)
    library = make_repo("library")
    library.write("migrations/versions/0001_x.py", revision("x1", None, "op.drop_table('users')"))
    library.commit("library")
    repo.git("submodule", "--quiet", "add", str(library.path), "vendor/library")
    code, report, err = check(capsys, repo, "--staged")
    assert (code, report["findings"]) == (0, [])
    assert "note: skipped 1 submodule (vendor/library)" in err
    repo.commit("add submodule")
    code, report, err = check(capsys, repo, "--head", "HEAD")
    assert (code, report["findings"]) == (0, [])
    assert "vendor/library" in err
    code, _, err = check(capsys, repo)  # nothing moved in the work tree: no note
    assert (code, err) == (0, "")


def test_binary_and_non_utf8_files(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base_repo(repo)
    repo.write("db/0002_blob.sql", b"\x00\x01DROP TABLE users;\xff")
    repo.write(
        "app/latin1.py", "import os\n# caf\xe9\nX = os.environ['LATIN_TOKEN']\n".encode("latin-1")
    )
    repo.write("app/blob.py", b"\x00" * 64 + b"os.environ['BLOB_TOKEN']")
    repo.add()
    code, report, _ = check(capsys, repo, "--staged")
    assert (code, findings(report)) == (
        1,
        [
            "INV303 app/blob.py:1",
            "INV303 app/latin1.py:1",
            "INV104 app/latin1.py:3",
            "MIG301 db/0002_blob.sql:1",
        ],
    )


def test_crlf_everywhere_finds_what_lf_finds(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    results = []
    for name, eol in (("lf", "\n"), ("crlf", "\r\n")):
        repo = make_repo(name)
        repo.write("DATA_INVENTORY.md", INVENTORY.replace("\n", eol))
        repo.write(
            "migrations/versions/0001_users.py",
            revision(
                "0001", None, "op.create_table('users', sa.Column('id', sa.Integer()))"
            ).replace("\n", eol),
        )
        repo.write("db/0001.sql", f"CREATE TABLE IF NOT EXISTS t (id INT);{eol}")
        repo.commit("base")
        repo.write(
            "migrations/versions/0002_more.py",
            revision(
                "0002",
                "0001",
                "op.add_column('users', sa.Column('phone', sa.String()))",
                "op.drop_table('legacy')  # inventory-lint: ignore[MIG101] gone for good",
            ).replace("\n", eol),
        )
        repo.write("db/0002.sql", f"-- note{eol}ALTER TABLE t{eol}  DROP COLUMN id;{eol}")
        repo.write("app/settings.py", f"import os{eol}{eol}X = os.getenv('CRLF_TOKEN'){eol}")
        repo.write(".env.example", f"EXAMPLE_KEY=1{eol}")
        repo.add()
        code, report, _ = check(capsys, repo, "--staged")
        results.append((code, findings(report)))
    assert results[0] == results[1]
    assert results[0][0] == 1
    assert "MIG102 db/0002.sql:2" in results[0][1]


def test_empty_repository(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["check"], ["check", "--staged"], ["audit"], ["check", "--head", "HEAD"]):
        code = main([*command, "--repo", str(repo.path)])
        out, err = capsys.readouterr()
        assert code == 2, command
        assert out == ""
        assert err.count("\n") == 1
        assert err.startswith("selenite-inventory-lint: error: ")
    # The first commit being prepared: everything staged is added.
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("app/settings.py", "import os\nX = os.environ['FIRST_TOKEN']\n")
    repo.add()
    code, report, _ = check(capsys, repo, "--staged")
    assert (code, findings(report)) == (1, ["INV104 app/settings.py:2"])
    assert report["base"] is None


def test_linked_worktree(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base = base_repo(repo)
    other = repo.path.parent / "linked"
    repo.git("worktree", "add", "--quiet", "-b", "feature", str(other))
    (other / "app" / "mail.py").write_text(
        "import os\nPASSWORD = os.getenv('SMTP_PASSWORD')\n", encoding="utf-8"
    )
    code = main(["check", "--repo", str(other / "app"), "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, findings(json.loads(out))) == (1, ["INV104 app/mail.py:2"]), err
    repo.git("-C", str(other), "add", "-A")
    repo.git("-C", str(other), "commit", "--quiet", "-m", "mail")
    code = main(["check", "--repo", str(other), "--base", base, "--format", "json"])
    out, _ = capsys.readouterr()
    assert (code, findings(json.loads(out))) == (1, ["INV104 app/mail.py:2"])
    # The main checkout is untouched by the linked one's work.
    assert main(["check", "--repo", str(repo.path)]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    "argv",
    [["--base=--output=x"], ["--base", "--output=x"], ["--head=--output=x"], ["--base=-x"]],
    ids=["base-equals", "base-separate", "head-equals", "short-option"],
)
def test_ref_named_like_an_option(
    repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    base_repo(repo)
    # A ref of that very name exists: it is still never handed to git as an option.
    repo.git("update-ref", "refs/heads/--output=x", "HEAD")
    monkeypatch.chdir(repo.path)
    before = sorted(os.listdir(repo.path))
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert sorted(os.listdir(repo.path)) == before
    assert not (repo.path / "x").exists()


def test_a_git_in_the_repository_never_runs(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # git runs in the repository's folder: with "." (or "") on PATH, starting "git" by name
    # would run a file the repository holds. Relative PATH entries are never searched.
    marker = tmp_path / "ran"
    repo.write("git", f"#!/bin/sh\ntouch {marker}\nexit 1\n", executable=True)
    repo.write("DATA_INVENTORY.md", "# Data Inventory\n\n## Database (SQLite)\n- `users`: a.\n")
    repo.commit("base")
    repo.write("DATA_INVENTORY.md", "# Data Inventory\n\n## Database (SQLite)\n- `users`: b.\n")
    repo.add()
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("PATH", os.pathsep.join([".", "", os.environ["PATH"]]))
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["check", "--staged"]) == 0
    assert out.getvalue() == "All checks passed (0 data-bearing changes).\n"
    assert not marker.exists()
