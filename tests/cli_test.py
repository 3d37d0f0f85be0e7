"""The command line end to end, in-process (``main([...])``) on tiny real repositories."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

REFERENCE = Path(__file__).parent / "inventory" / "fixtures" / "reference.md"
VERSIONS = "backend/alembic/versions"
ALEMBIC_INI = "[alembic]\nscript_location = backend/alembic\n"
BASE_REVISION = """\
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))
"""


def revision(rev: str, down: str | None, upgrade: str, downgrade: str = "pass") -> str:
    body = "\n".join(f"    {line}" for line in upgrade.splitlines())
    down_body = "\n".join(f"    {line}" for line in downgrade.splitlines())
    return (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f'revision = "{rev}"\ndown_revision = {down!r}\n\n\n'
        f"def upgrade():\n{body}\n\n\ndef downgrade():\n{down_body}\n"
    )


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    """A Selenite-like repository: the reference inventory and one Alembic revision."""
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8"))
    repo.write("alembic.ini", ALEMBIC_INI)
    repo.write(f"{VERSIONS}/0001_base.py", BASE_REVISION)
    repo.commit("base")
    return repo


def check(repo: GitRepo, *args: str) -> tuple[int, dict[str, Any]]:
    """Run `check --format json` on the last commit; (exit code, parsed report)."""
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(
            ["check", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "json", *args]
        )
    return code, json.loads(out.getvalue())


def codes(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["code"], f["object"]["name"]) for f in report["findings"]]


def test_inventory_json_lists_the_reference_entries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(REFERENCE), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    entries = payload["entries"]
    tables = [e["key"] for e in entries if e["kind"] == "table"]
    columns = [e["key"] for e in entries if e["kind"] == "column"]
    assert tables == [
        "users",
        "user_settings",
        "jobs",
        "transcripts",
        "tags",
        "job_tags",
        "feedback_submissions",
        "feedback_attachments",
        "audit_logs",
        "model_providers",
        "model_sets",
        "model_entries",
        "system_preferences",
        "settings",
    ]
    assert columns == [
        "users.last_seen_at",
        *(
            f"system_preferences.{c}"
            for c in (
                "session_timeout_minutes",
                "allow_self_signup",
                "require_signup_verification",
                "require_signup_captcha",
                "signup_captcha_provider",
                "signup_captcha_site_key",
                "password_min_length",
                "password_require_uppercase",
                "password_require_lowercase",
                "password_require_number",
                "password_require_special",
                "auth_token_not_before",
            )
        ),
    ]
    by_kind = {
        k: [e["key"] for e in entries if e["kind"] == k]
        for k in ("database", "path", "env", "config_file")
    }
    assert by_kind["database"] == ["backend/selenite.db"]
    assert len(by_kind["path"]) == 7
    assert by_kind["config_file"] == [".env*", ".workspace-role", ".workspace-state.json"]
    assert by_kind["env"] == ["TURNSTILE_SITE_KEY", "TURNSTILE_SECRET_KEY", "RESEND_API_KEY"]
    lines = {e["key"]: e["line"] for e in entries}
    assert (lines["users"], lines["users.last_seen_at"], lines["logs/"]) == (16, 17, 39)
    keys = {e["key"] for e in entries}
    assert not keys & {"/auth/signup", "turnstile", "require_signup_captcha"}


def test_inventory_text_of_the_repository(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inventory", "--repo", str(project.path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("DATA_INVENTORY.md: 41 entries\n")
    assert "   16  table        users" in out


def test_new_table_and_column_need_entries(project: GitRepo) -> None:
    project.write(
        f"{VERSIONS}/0002_invoices.py",
        revision(
            "0002",
            "0001",
            'op.create_table(\n    "invoices",\n'
            '    sa.Column("id", sa.Integer, primary_key=True),\n'
            '    sa.Column("total_cents", sa.Integer, nullable=False),\n)\n'
            'op.add_column("users", sa.Column("phone", sa.String(32), nullable=True))',
        ),
    )
    project.commit("invoices")
    code, report = check(project)
    assert code == 1
    errors = [c for c in codes(report) if c[0].startswith("INV")]
    assert errors == [("INV101", "invoices"), ("INV102", "users.phone")]
    assert report["summary"]["errors"] == 2
    documented = {c["name"]: c["documented"] for c in report["changes"]}
    assert documented["invoices.total_cents"] is False

    inventory = REFERENCE.read_text(encoding="utf-8").replace(
        "- `users.last_seen_at`",
        "- `users.phone`: optional contact number for SMS notifications.\n"
        "- `invoices`: issued invoices; legal retention ten years.\n- `users.last_seen_at`",
    )
    project.write("DATA_INVENTORY.md", inventory)
    project.commit("document invoices and phone")
    code, report = check(project, "--base", "HEAD~2")
    assert [c for c in codes(report) if c[0].startswith("INV")] == []
    assert code == 0  # the unguarded create/add are MIG107 warnings only
    assert {c[0] for c in codes(report)} == {"MIG107"}


@pytest.mark.parametrize(
    ("upgrade", "expected"),
    [
        pytest.param(
            'op.drop_column("users", "last_seen_at")',
            [("INV201", "users.last_seen_at"), ("MIG102", "users.last_seen_at")],
            id="drop-documented-column",
        ),
        pytest.param(
            'op.alter_column("users", "last_seen_at", new_column_name="last_active_at")',
            [("INV202", "users.last_seen_at"), ("MIG103", "users.last_seen_at")],
            id="rename-column",
        ),
        pytest.param(
            'op.alter_column("users", "last_seen_at", nullable=False, existing_type=sa.DateTime())',
            [("MIG104", "users.last_seen_at")],
            id="made-not-null",
        ),
        pytest.param(
            'op.add_column("jobs", sa.Column("priority", sa.Integer(), nullable=False))',
            [("MIG108", "jobs.priority"), ("INV102", "jobs.priority"), ("MIG107", "jobs.priority")],
            id="not-null-without-default",
        ),
    ],
)
def test_destructive_upgrades(
    project: GitRepo, upgrade: str, expected: list[tuple[str, str]]
) -> None:
    project.write(f"{VERSIONS}/0002_change.py", revision("0002", "0001", upgrade))
    project.commit("change")
    code, report = check(project)
    assert code == 1
    assert sorted(codes(report)) == sorted(expected)


def test_the_same_drop_in_downgrade_is_nothing(project: GitRepo) -> None:
    project.write(
        f"{VERSIONS}/0002_change.py",
        revision("0002", "0001", "pass", downgrade='op.drop_column("users", "last_seen_at")'),
    )
    project.commit("change")
    assert check(project) == (0, check(project)[1])
    assert codes(check(project)[1]) == []


def test_two_heads_and_an_edited_revision(project: GitRepo) -> None:
    project.write(f"{VERSIONS}/0002_a.py", revision("0002a", "0001", "pass"))
    project.write(f"{VERSIONS}/0002_b.py", revision("0002b", "0001", "pass"))
    project.write(f"{VERSIONS}/0001_base.py", BASE_REVISION + '    op.drop_table("jobs")\n')
    project.commit("branches")
    code, report = check(project)
    assert code == 1
    assert sorted(codes(report)) == [
        ("INV201", "jobs"),
        ("MIG101", "jobs"),
        ("MIG201", "0002a"),
        ("MIG201", "0002b"),
        ("MIG202", "0001"),
    ]


def test_json_report_validates_against_the_shipped_schema(project: GitRepo) -> None:
    project.write(f"{VERSIONS}/0002_change.py", revision("0002", "0001", 'op.drop_table("jobs")'))
    project.commit("drop")
    _, report = check(project)
    schema_text = (
        resources.files("selenite_inventory_lint") / "schemas" / "report.schema.json"
    ).read_text()
    jsonschema.Draft202012Validator(json.loads(schema_text)).validate(report)
    assert report["base"]
    assert report["head"] == project.head()
    assert report["inventory"] == "DATA_INVENTORY.md"


def test_text_output_is_path_line_col_code_message(
    project: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    project.write(f"{VERSIONS}/0002_change.py", revision("0002", "0001", 'op.drop_table("jobs")'))
    project.commit("drop")
    assert main(["check", "--repo", str(project.path), "--base", "HEAD~1"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        f"{VERSIONS}/0002_change.py:9:5: INV201 table jobs is dropped but the inventory still "
        "lists `jobs` (DATA_INVENTORY.md:19)"
    )
    assert "\x1b[" not in out  # not a terminal: no colour
    assert out.endswith("Found 2 errors and 0 warnings (1 data-bearing change).\n")


def test_select_ignore_severity_and_exit_zero(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(f"{VERSIONS}/0002_change.py", revision("0002", "0001", 'op.drop_table("jobs")'))
    project.commit("drop")
    assert codes(check(project, "--select", "MIG")[1]) == [("MIG101", "jobs")]
    assert codes(check(project, "--ignore", "MIG1,INV2")[1]) == []
    assert check(project, "--exit-zero")[0] == 0
    config = project.write(".inventory-lint.yaml", "severity:\n  MIG101: warning\n  INV201: info\n")
    project.commit("relax")
    # A range is checked with its base's configuration; its own waits for the merge (SUP102).
    code, report = check(project, "--base", "HEAD~2")
    assert code == 1
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [
        ("SUP102", "warning"),
        ("INV201", "error"),
        ("MIG101", "error"),
    ]
    code, report = check(project, "--base", "HEAD~2", "--config", str(config))
    assert code == 0
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [
        ("INV201", "info"),
        ("MIG101", "warning"),
    ]


def test_report_files_and_output(project: GitRepo, tmp_path: Path) -> None:
    project.write(f"{VERSIONS}/0002_change.py", revision("0002", "0001", 'op.drop_table("jobs")'))
    project.commit("drop")
    text_file, json_file = tmp_path / "out" / "report.txt", tmp_path / "report.json"
    code = main(
        [
            "check",
            "--repo",
            str(project.path),
            "--base",
            "HEAD~1",
            "--output",
            str(text_file),
            "--report",
            f"json={json_file}",
        ]
    )
    assert code == 1
    assert "MIG101 table jobs is dropped" in text_file.read_text(encoding="utf-8")
    assert json.loads(json_file.read_text(encoding="utf-8"))["summary"]["errors"] == 2


def test_staged_and_worktree_modes(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    project.write(f"{VERSIONS}/0002_change.py", revision("0002", "0001", 'op.drop_table("jobs")'))
    assert main(["check", "--repo", str(project.path)]) == 1  # untracked file in the worktree
    assert main(["check", "--repo", str(project.path), "--staged"]) == 0  # nothing staged yet
    project.add(f"{VERSIONS}/0002_change.py")
    assert main(["check", "--repo", str(project.path), "--staged"]) == 1
    assert "MIG101" in capsys.readouterr().out


def test_unanalyzable_migration_and_malformed_inventory_are_findings(project: GitRepo) -> None:
    project.write(
        f"{VERSIONS}/0002_broken.py", 'revision = "0002"\ndown_revision = "0001"\ndef upgrade(:\n'
    )
    inventory = REFERENCE.read_text(encoding="utf-8").replace(
        "- `logs/` (runtime logs", "- storage/thumbnails/ (thumbnails)\n- `logs/` (runtime logs"
    )
    project.write("DATA_INVENTORY.md", inventory)
    project.commit("broken")
    code, report = check(project)
    assert code == 1  # MIG301 fails closed; INV302 is a warning
    assert sorted(c[0] for c in codes(report)) == ["INV302", "MIG301"]


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        pytest.param(
            {".inventory-lint.yaml": "colum_policy: table\n"},
            ["--base", "HEAD~1"],
            ".inventory-lint.yaml:1: config key 'colum_policy' is unknown"
            " (did you mean 'column_policy'?).",
            id="config-typo",
        ),
        pytest.param(
            {".inventory-lint.yaml": "column_policy: [table\n"},
            ["--base", "HEAD~1"],
            ".inventory-lint.yaml:",
            id="broken-yaml",
        ),
        pytest.param({}, ["--base", "nosuchref"], "nosuchref", id="bad-ref"),
        pytest.param({}, ["--base=--output=x"], "--output=x", id="ref-like-an-option"),
        pytest.param(
            {}, ["--format", "xml", "--base", "HEAD~1"], "unknown format 'xml'", id="bad-format"
        ),
        # Found by the fuzz suite: a key quoting a line break or an escape sequence made the
        # message span lines or drive the terminal.
        pytest.param(
            {".inventory-lint.yaml": '"bad\\nkey\\e[2J": 1\n'},
            ["--base", "HEAD~1"],
            "config key 'bad\\nkey\\x1b[2J' is unknown",
            id="control-characters-in-a-key",
        ),
        pytest.param(
            {"pyproject.toml": "tool = 1\n"},
            ["--base", "nosuchref"],
            "nosuchref",
            id="pyproject-tool-not-a-table",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    project: GitRepo,
    capsys: pytest.CaptureFixture[str],
    setup: dict[str, str],
    args: list[str],
    message: str,
) -> None:
    for name, text in setup.items():
        project.write(name, text)
    project.commit("setup")
    assert main(["check", "--repo", str(project.path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (project.path / "x").exists()


def test_missing_inventory_is_exit_2(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(f"{VERSIONS}/0001_base.py", BASE_REVISION)
    repo.commit("base")
    assert main(["check", "--repo", str(repo.path), "--head", "HEAD"]) == 2
    err = capsys.readouterr().err
    assert "no DATA_INVENTORY.md found" in err
    assert "Traceback" not in err


def test_not_a_repository_is_exit_2(
    tmp_path: Path, git_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--repo", str(tmp_path)]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_shallow_clone_without_merge_base_says_fetch_depth(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.git("checkout", "--quiet", "-b", "feature")
    project.write(f"{VERSIONS}/0002_change.py", revision("0002", "0001", "pass"))
    project.commit("feature work")
    project.git("checkout", "--quiet", "main")
    project.write("README.md", "main moves on\n")
    project.commit("main work")
    shallow = project.clone("shallow", "--depth=1", "--no-single-branch")
    shallow.git("checkout", "--quiet", "feature")
    assert main(["check", "--repo", str(shallow.path), "--base", "origin/main"]) == 2
    err = capsys.readouterr().err
    assert "fetch-depth: 0" in err
    assert "Traceback" not in err
    full = project.clone("full")
    full.git("checkout", "--quiet", "feature")
    assert main(["check", "--repo", str(full.path), "--base", "origin/main"]) == 0


def test_rules_lists_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert "INV101   error    Table added, not in the inventory" in listing
    assert main(["rules", "mig102"]) == 0
    doc = capsys.readouterr().out
    assert doc.startswith("# MIG102: Column dropped\n")
    assert "## What" in doc
    assert "## Fix" in doc
    assert main(["rules", "XYZ999"]) == 2


def test_no_command_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["--help"]) == 0
    assert "check" in capsys.readouterr().out
    assert main(["check", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_demo_prints_findings_and_exits_1(
    git_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 1
    out = capsys.readouterr().out
    assert "INV102 column users.phone is added but not covered by the inventory" in out
    assert "MIG101 table feedback_attachments is dropped" in out
    assert "Traceback" not in out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("no_color", "coloured"), [("", True), ("1", False)])
def test_colour_only_on_a_terminal_without_no_color(
    project: GitRepo, monkeypatch: pytest.MonkeyPatch, no_color: str, coloured: bool
) -> None:
    project.write(f"{VERSIONS}/0002_change.py", revision("0002", "0001", 'op.drop_table("jobs")'))
    project.commit("drop")
    terminal = _Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    monkeypatch.setenv("NO_COLOR", no_color)
    assert main(["check", "--repo", str(project.path), "--base", "HEAD~1"]) == 1
    out = terminal.getvalue()
    assert ("\x1b[1;31mMIG101\x1b[0m" in out) is coloured
    assert ("\x1b[" in out) is coloured
