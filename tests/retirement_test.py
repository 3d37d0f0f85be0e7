"""Env vars, storage paths and config files end to end, on tiny real repositories.

The command line runs in-process (``main([...])``) against the reference inventory, so these
prove the acceptance criteria through git: new references, renames, and retirement decided by
``git grep`` at the head of a commit range, the index and the work tree.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from in_memory import MemorySnapshot

from selenite_inventory_lint.changeset import open_changeset
from selenite_inventory_lint.cli import main
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.inventory.coverage import Coverage
from selenite_inventory_lint.inventory.parse import parse_inventory
from selenite_inventory_lint.model import Change
from selenite_inventory_lint.retirement import literal_run, pathspec, settle

if TYPE_CHECKING:
    from collections.abc import Sequence

    from conftest import GitRepo

REFERENCE = Path(__file__).parent / "inventory" / "fixtures" / "reference.md"
CONFIG = "backend/app/config.py"
SETTINGS = """\
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

BACKEND_ROOT = Path(__file__).resolve().parents[1]
PROJECT_ROOT = BACKEND_ROOT.parent
STORAGE_ROOT = PROJECT_ROOT / "storage"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    media_storage_path: str = str(STORAGE_ROOT / "media")
"""
MAIL = 'import os\n\nKEY = os.getenv("RESEND_API_KEY")\n'


@pytest.fixture
def selenite(repo: GitRepo) -> GitRepo:
    """The reference inventory and a backend settings module, committed."""
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8"))
    repo.write(CONFIG, SETTINGS)
    repo.commit("base")
    return repo


def run(repo: GitRepo, *args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["check", "--repo", str(repo.path), "--format", "json", *args])
    return code, json.loads(out.getvalue())


def found(report: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [(f["code"], f["object"]["name"], f["path"], f["line"]) for f in report["findings"]]


# --- acceptance: the Settings class ---------------------------------------------------------


def test_settings_gaining_a_storage_path_and_a_variable(selenite: GitRepo) -> None:
    selenite.write(
        CONFIG,
        SETTINGS
        + '    thumbnails_storage_path: str = str(STORAGE_ROOT / "thumbnails")\n'
        + "    redis_url: str | None = None\n"
        + "    turnstile_site_key: str | None = None\n",
    )
    selenite.commit("settings")
    code, report = run(selenite, "--base", "HEAD~1")
    assert code == 1
    # The setting is a variable too: set in production, it moves the thumbnails elsewhere.
    assert sorted(found(report)) == [
        ("INV103", "storage/thumbnails/", CONFIG, 14),
        ("INV104", "REDIS_URL", CONFIG, 15),
        ("INV104", "THUMBNAILS_STORAGE_PATH", CONFIG, 14),
    ]
    changes = {(c["kind"], c["name"]): c["documented"] for c in report["changes"]}
    assert changes == {
        ("path", "storage/thumbnails/"): False,
        ("env", "REDIS_URL"): False,
        ("env", "THUMBNAILS_STORAGE_PATH"): False,
        ("env", "TURNSTILE_SITE_KEY"): True,
    }


def test_a_storage_setting_named_by_its_path_entry_is_documented(selenite: GitRepo) -> None:
    inventory = selenite.path / "DATA_INVENTORY.md"
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(
        text.replace(
            "## Storage Paths\n",
            "## Storage Paths\n- `storage/thumbnails/` (thumbnails; moved by "
            "`THUMBNAILS_STORAGE_PATH`)\n",
        ),
        encoding="utf-8",
    )
    selenite.write(
        CONFIG, SETTINGS + '    thumbnails_storage_path: str = str(STORAGE_ROOT / "thumbnails")\n'
    )
    selenite.commit("thumbnails")
    code, report = run(selenite, "--base", "HEAD~1")
    assert (code, found(report)) == (0, [])


def test_documented_settings_pass(selenite: GitRepo) -> None:
    selenite.write(CONFIG, SETTINGS + "    turnstile_site_key: str | None = None\n")
    selenite.commit("captcha")
    code, report = run(selenite, "--base", "HEAD~1")
    assert (code, found(report)) == (0, [])


def test_env_prefix_and_alias(selenite: GitRepo) -> None:
    selenite.write(
        "backend/app/runner.py",
        "from pydantic import Field\n"
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\n"
        "class Runner(BaseSettings):\n"
        '    model_config = SettingsConfigDict(env_prefix="APP_")\n\n'
        "    token: str\n"
        '    secret: str = Field(alias="WORKER_SECRET")\n',
    )
    selenite.commit("runner")
    assert [name for _, name, _, _ in found(run(selenite, "--base", "HEAD~1")[1])] == [
        "APP_TOKEN",
        "WORKER_SECRET",
    ]


# --- renames and broken neighbours ----------------------------------------------------------


def test_renamed_file_with_the_same_references_is_not_new(selenite: GitRepo) -> None:
    selenite.write("backend/app/mail.py", 'import os\n\nKEY = os.getenv("MAILGUN_TOKEN")\n')
    selenite.commit("mail")
    selenite.git("mv", "backend/app/mail.py", "backend/app/mailer.py")
    selenite.commit("rename")
    code, report = run(selenite, "--base", "HEAD~1")
    assert (code, found(report)) == (0, [])


def test_syntax_error_leaves_the_neighbours_analysed(selenite: GitRepo) -> None:
    selenite.write(CONFIG, SETTINGS + "    broken: str = (\n")
    selenite.write("backend/.env.example", "REDIS_URL=\nRESEND_API_KEY=\n")
    selenite.write("docker-compose.yml", "services:\n  api:\n    environment: [QUEUE=1]\n")
    selenite.commit("broken")
    code, report = run(selenite, "--base", "HEAD~1")
    assert code == 1
    assert [(c, n) for c, n, _, _ in found(report)] == [
        ("INV104", "REDIS_URL"),
        ("INV303", CONFIG),
        ("INV104", "QUEUE"),
    ]
    warning = next(f for f in report["findings"] if f["code"] == "INV303")
    assert warning["severity"] == "warning"
    assert warning["message"].startswith("cannot analyze the file for environment variables")


# --- retirement, decided by git grep at head -----------------------------------------------


def test_removing_the_only_reference_retires_the_entry(selenite: GitRepo) -> None:
    selenite.write("backend/app/mail.py", MAIL)
    selenite.commit("mail")
    selenite.write("backend/app/mail.py", "import os\n\nKEY = None\n")
    selenite.commit("no mail")
    code, report = run(selenite, "--base", "HEAD~1")
    assert code == 1
    assert found(report) == [("INV201", "RESEND_API_KEY", "backend/app/mail.py", 3)]
    assert "still lists `RESEND_API_KEY`" in report["findings"][0]["message"]


def test_removing_one_of_two_references_is_fine(selenite: GitRepo) -> None:
    selenite.write("backend/app/mail.py", MAIL)
    selenite.write("backend/app/worker.py", MAIL)
    selenite.commit("mail")
    selenite.write("backend/app/mail.py", "import os\n\nKEY = None\n")
    selenite.commit("one left")
    code, report = run(selenite, "--base", "HEAD~1")
    assert (code, found(report)) == (0, [])


def test_settings_field_keeps_the_variable_alive(selenite: GitRepo) -> None:
    selenite.write("backend/app/mail.py", MAIL)
    selenite.write(CONFIG, SETTINGS + "    resend_api_key: str | None = None\n")
    selenite.commit("mail")
    selenite.remove("backend/app/mail.py")
    selenite.commit("drop mail")
    assert found(run(selenite, "--base", "HEAD~1")[1]) == []


def test_retirement_sees_the_index_and_the_work_tree(selenite: GitRepo) -> None:
    selenite.write("backend/app/mail.py", MAIL)
    selenite.commit("mail")
    selenite.write("backend/app/mail.py", "KEY = None\n")
    selenite.add("backend/app/mail.py")
    assert [c for c, *_ in found(run(selenite, "--staged")[1])] == ["INV201"]
    # An untracked (not ignored) file still reads it: the work tree is not retiring it.
    selenite.write("backend/app/new_mail.py", MAIL)
    assert found(run(selenite)[1]) == []
    # ...but the index does not have that file yet.
    assert [c for c, *_ in found(run(selenite, "--staged")[1])] == ["INV201"]


def test_removing_the_last_storage_path_retires_its_entry(selenite: GitRepo) -> None:
    selenite.write(CONFIG, SETTINGS.replace('"media"', '"exports"'))
    selenite.commit("exports instead of media")
    code, report = run(selenite, "--base", "HEAD~1")
    assert code == 1
    assert [(c, n) for c, n, _, _ in found(report)] == [("INV201", "storage/media/")]
    selenite.write("backend/app/media.py", 'MEDIA = "storage/media/originals"\n')
    selenite.commit("media again")
    assert found(run(selenite, "--base", "HEAD~2")[1]) == []


# --- config/state files ----------------------------------------------------------------------


def empty_database(path: Path) -> None:
    """A valid SQLite file without tables (its schema is read by the snapshot detector)."""
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA user_version = 1")
        connection.commit()
    finally:
        connection.close()


def test_new_tracked_state_and_database_files(selenite: GitRepo) -> None:
    selenite.write(".workspace-lock", "pid=1\n")
    selenite.write("backend/.env.example", "RESEND_API_KEY=\n")
    for name in ("backend/selenite.db", "data/cache.sqlite"):
        empty_database(selenite.path / name)
    selenite.commit("state")
    code, report = run(selenite, "--base", "HEAD~1")
    assert code == 1
    assert [(c, n) for c, n, _, _ in found(report)] == [
        ("INV105", ".workspace-lock"),
        ("INV105", "data/cache.sqlite"),
    ]
    kinds = {c["name"]: c["kind"] for c in report["changes"]}
    assert kinds["data/cache.sqlite"] == "database"
    assert kinds[".workspace-lock"] == "config_file"


def test_untracked_env_file_in_the_work_tree_is_checked(selenite: GitRepo) -> None:
    selenite.write(".workspace-lock", "pid=1\n")
    assert [c for c, *_ in found(run(selenite)[1])] == ["INV105"]
    selenite.write(".gitignore", ".workspace-lock\n")
    assert found(run(selenite)[1]) == []


# --- the retirement step on its own ----------------------------------------------------------


class NoSearch(MemorySnapshot):
    def grep(
        self, needles: Sequence[str], pathspecs: Sequence[str] = ()
    ) -> dict[str, tuple[str, ...]]:
        raise AssertionError("searched although nothing could be retired")


def _coverage() -> Coverage:
    text = REFERENCE.read_text(encoding="utf-8")
    return Coverage(parse_inventory(text, "DATA_INVENTORY.md", {}))


def _dropped(kind: str, name: str) -> Change:
    return Change(
        kind=kind,  # type: ignore[arg-type]
        name=name,
        action="dropped",
        path="app.py",
        line=1,
        source="env",
        operation="reference_removed",
    )


def test_no_candidates_or_only_undocumented_ones_never_search() -> None:
    ctx = DetectContext(config=Config(), path_roots=("storage/",))
    added = Change(kind="env", name="X", action="referenced", path="a.py", line=1, source="env")
    assert settle((added,), NoSearch(), ctx, _coverage()) == (added,)
    undocumented = _dropped("env", "MAILGUN_TOKEN")
    assert settle((added, undocumented), NoSearch(), ctx, _coverage()) == (added,)


def test_a_file_over_the_size_cap_counts_as_still_referring() -> None:
    ctx = DetectContext(config=Config(max_file_bytes=10), path_roots=("storage/",))
    snapshot = MemorySnapshot({"big.py": b'KEY = os.getenv("RESEND_API_KEY")  # long line\n'})
    assert settle((_dropped("env", "RESEND_API_KEY"),), snapshot, ctx, _coverage()) == ()
    ctx = DetectContext(config=Config(), path_roots=("storage/",))
    snapshot = MemorySnapshot({"mention.py": b"# RESEND_API_KEY\n"})
    candidate = _dropped("env", "RESEND_API_KEY")
    assert settle((candidate,), snapshot, ctx, _coverage()) == (candidate,)


@pytest.mark.parametrize(
    ("key", "needle"),
    [
        ("storage/media/", "media"),
        ("storage/*/cache/", "cache"),
        ("logs/*.log", ".log"),
        ("storage/media/*", "media"),
        ("TURNSTILE_*", "TURNSTILE_"),
        ("*", ""),
    ],
)
def test_literal_run_of_an_entry(key: str, needle: str) -> None:
    assert literal_run(key) == needle


def test_memory_snapshot_grep_is_a_fixed_string_search() -> None:
    snapshot = MemorySnapshot({"a.py": b"x = 'A.B'\n", "b.py": b"AxB\n"})
    assert snapshot.grep(["A.B", "", "zzz"]) == {"A.B": ("a.py",), "": (), "zzz": ()}
    assert snapshot.grep(["x"], ["b.py"]) == {"x": ("b.py",)}


@pytest.mark.parametrize(
    ("pattern", "spec"),
    [
        ("*.py", ":(glob)**/*.py"),
        ("tests/", ":(glob)**/tests/**"),
        (".github/workflows/*.yml", ":(glob).github/workflows/*.yml"),
        ("./scripts/", ":(glob)**/scripts/**"),
        ("/top.py", ":(glob)top.py"),
        ("backend/app/", ":(glob)backend/app/**"),
        ("**/alembic/versions/*.py", ":(glob)**/alembic/versions/*.py"),
    ],
)
def test_pathspec_keeps_the_glob_meaning(pattern: str, spec: str) -> None:
    assert pathspec(pattern) == spec
    assert pathspec(pattern, exclude=True) == spec.replace(":(glob)", ":(exclude,glob)")


def test_pathspecs_mean_the_same_to_git_and_to_memory(repo: GitRepo) -> None:
    files = {
        "a.py": "NEEDLE\n",
        "pkg/b.py": "NEEDLE\n",
        "pkg/tests/c.py": "NEEDLE\n",
        "tests/d.py": "NEEDLE\n",
        "docs/e.md": "NEEDLE\n",
        ".github/workflows/f.yml": "NEEDLE\n",
    }
    for name, text in files.items():
        repo.write(name, text)
    repo.commit("files")
    specs = [
        pathspec("*.py"),
        pathspec(".github/workflows/*.yml"),
        pathspec("tests/", exclude=True),
    ]
    expected = {"NEEDLE": [".github/workflows/f.yml", "a.py", "pkg/b.py"]}
    for snapshot in (
        open_changeset(repo.path, head="HEAD").snapshot,
        open_changeset(repo.path, staged=True).snapshot,
        open_changeset(repo.path).snapshot,
    ):
        try:
            in_git = snapshot.grep(["NEEDLE"], specs)
        finally:
            snapshot.close()
        assert {k: sorted(v) for k, v in in_git.items()} == expected
    in_memory = MemorySnapshot({k: v.encode() for k, v in files.items()}).grep(["NEEDLE"], specs)
    assert {k: sorted(v) for k, v in in_memory.items()} == expected
