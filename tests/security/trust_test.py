"""Trust model (docs/security.md): the change under review does not set its own rules.

A range with a base is checked with the base commit's configuration; a configuration change
inside it is SUP102. Data plans the range adds or edits cover only as warnings (or nothing,
with ``plans_from_base_only``). Configuration is never read through a symbolic link that
leaves the repository, and YAML alias bombs are refused.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

REFERENCE = Path(__file__).parents[1] / "inventory" / "fixtures" / "reference.md"
DROP = "db/migrations/0002_drop_legacy.sql"
PLAN = """\
---
id: DP-2026-001
migrations: [0002_drop_legacy]
operations: [drop_column users.legacy_flag]
approved_by: [{approver}]
approved_on: 2026-02-01
backup: storage/backups/2026-02-01/
rollback: restore backup, then re-run 0001
---
"""
# Nine levels of nine-fold aliases: about 387 million values from a few hundred bytes.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def _run(repo: GitRepo, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["check", "--repo", str(repo.path), *args])
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def _json(repo: GitRepo, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = _run(repo, "--format", "json", *args)
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out)
    return code, report


def _found(report: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(f["code"], f["severity"], f["covered_by_plan"]) for f in report["findings"]]


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    """A base commit with a configuration; the work tree then drops a column."""
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8"))
    repo.write(".inventory-lint.yaml", "column_policy: added\n")
    repo.write(
        "db/migrations/0001_init.sql",
        "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, legacy_flag INTEGER);\n",
    )
    repo.commit("base")
    repo.write(DROP, "ALTER TABLE users DROP COLUMN legacy_flag;\n")
    return repo


HOSTILE_CONFIGS = {
    "ignore": ("column_policy: added\nignore: [MIG]\n", "ignore"),
    "select": ("column_policy: added\nselect: [INV]\n", "select"),
    "severity": ("column_policy: added\nseverity: {MIG102: info}\n", "severity.MIG102"),
    "exclude": ("column_policy: added\nexclude: ['db/**']\n", "exclude"),
    "inventory": ("column_policy: added\ninventory: mine/DATA_INVENTORY.md\n", "inventory"),
    "data_plans": ("column_policy: added\ndata_plans: mine/\n", "data_plans"),
}


@pytest.mark.parametrize("key", sorted(HOSTILE_CONFIGS))
def test_a_range_cannot_relax_its_own_configuration(project: GitRepo, key: str) -> None:
    text, named = HOSTILE_CONFIGS[key]
    project.write(".inventory-lint.yaml", text)
    # What the head's configuration points at, so it would pass if it were read.
    project.write("mine/DATA_INVENTORY.md", "# Data inventory\n")
    project.write("mine/DP-1.md", PLAN.format(approver="me@example.com"))
    project.commit("drop the column and relax the rules")
    code, report = _json(project, "--base", "HEAD~1")
    assert ("MIG102", "error", None) in _found(report)
    [sup] = [f for f in report["findings"] if f["code"] == "SUP102"]
    assert (sup["severity"], sup["path"], sup["line"]) == ("warning", ".inventory-lint.yaml", 2)
    assert sup["message"] == (
        f"configuration changed inside the change set ({named}); "
        "the configuration of the base is in force until it is merged"
    )
    assert code == 1


def test_ci_base_detection_reads_the_base_configuration(
    project: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.git("branch", "-M", "main")
    project.git("update-ref", "refs/remotes/origin/main", "HEAD")
    project.git("checkout", "-q", "-b", "feature")
    project.write(".inventory-lint.yaml", "ignore: [MIG]\n")
    project.commit("drop the column, ignore MIG")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    code, report = _json(project)
    assert [c for c, _, _ in _found(report)] == ["SUP102", "MIG102"]
    assert code == 1


def test_pre_push_range_reads_the_base_configuration(
    project: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = project.head()
    project.write(".inventory-lint.yaml", "severity: {MIG102: warning}\n")
    project.commit("drop the column, soften MIG102")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", project.head())
    code, report = _json(project)
    assert ("MIG102", "error", None) in _found(report)
    [sup] = [f for f in report["findings"] if f["code"] == "SUP102"]
    assert "(column_policy, severity.MIG102)" in sup["message"]
    assert code == 1


def test_a_pyproject_table_added_by_the_range_does_not_apply(repo: GitRepo) -> None:
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8"))
    repo.write("pyproject.toml", '[project]\nname = "app"\n')
    repo.write("db/0001.sql", "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY);\n")
    repo.commit("base")
    repo.write("db/0002.sql", "DROP TABLE users;\n")
    repo.write(
        "pyproject.toml",
        '[project]\nname = "app"\n\n[tool.selenite-inventory-lint]\nignore = ["MIG"]\n',
    )
    repo.commit("drop users, ignore MIG")
    code, report = _json(repo, "--base", "HEAD~1")
    sup = [(f["path"], f["line"]) for f in report["findings"] if f["code"] == "SUP102"]
    assert sup == [("pyproject.toml", 5)]
    assert "MIG101" in [c for c, _, _ in _found(report)]
    assert code == 1


def test_deleting_the_configuration_is_reported(project: GitRepo) -> None:
    project.write(".inventory-lint.yaml", "column_policy: added\nignore: [MIG]\n")
    project.commit("base ignores MIG")
    project.remove(".inventory-lint.yaml")
    project.commit("delete the configuration")
    code, report = _json(project, "--base", "HEAD~1")
    [sup] = [f for f in report["findings"] if f["code"] == "SUP102"]
    assert (sup["path"], sup["line"]) == (".inventory-lint.yaml", 1)
    assert "(column_policy, ignore)" in sup["message"]
    # The base still ignores MIG: the deletion takes effect once merged.
    assert "MIG102" not in [c for c, _, _ in _found(report)]
    assert code == 0


def test_a_configuration_change_alone_is_reported(project: GitRepo) -> None:
    project.remove(DROP)
    project.write(".inventory-lint.yaml", "column_policy: all\n")
    project.commit("only the configuration")
    code, report = _json(project, "--base", "HEAD~1")
    assert _found(report) == [("SUP102", "warning", None)]
    assert code == 0


def test_base_configuration_wins_unless_staged_or_given_with_config(
    project: GitRepo, tmp_path: Path
) -> None:
    project.write(".inventory-lint.yaml", "ignore: [MIG]\n")
    project.add()
    # The hook checks the work of the person running it, with their configuration.
    code, report = _json(project, "--staged")
    assert (code, _found(report)) == (0, [])
    project.commit("drop the column, ignore MIG")
    code, report = _json(project, "--base", "HEAD~1")
    assert (code, [c for c, _, _ in _found(report)]) == (1, ["SUP102", "MIG102"])
    explicit = tmp_path / "ci.yaml"
    explicit.write_text("ignore: [MIG]\n", encoding="utf-8")
    code, report = _json(project, "--base", "HEAD~1", "--config", str(explicit))
    assert (code, _found(report)) == (0, [])


def test_a_plan_introduced_in_the_range_covers_as_a_warning_and_is_listed_first(
    project: GitRepo,
) -> None:
    project.write("docs/data-plans/DP-2026-001.md", PLAN.format(approver="pal@example.com"))
    project.commit("drop with its own plan")
    code, report = _json(project, "--base", "HEAD~1")
    [finding] = report["findings"]
    assert (finding["code"], finding["severity"], finding["covered_by_plan"]) == (
        "MIG102",
        "warning",
        "DP-2026-001",
    )
    assert "DP-2026-001" in finding["message"]
    assert "pal@example.com" in finding["message"]
    assert code == 0
    _, markdown, _ = _run(project, "--base", "HEAD~1", "--format", "markdown")
    block = markdown.index("### Data plans introduced in this change (1)")
    assert block < markdown.index("### Data-bearing changes")
    assert (
        "| <code>DP-2026-001</code> | <code>docs/data-plans/DP-2026-001.md</code> "
        "| <code>pal@example.com</code> | MIG102 <code>users.legacy\\_flag</code> |"
    ) in markdown
    assert (
        "| **warning**: approved by plan <code>DP-2026-001</code>, to confirm | MIG102 |"
        in markdown
    )
    _, page, _ = _run(project, "--base", "HEAD~1", "--format", "html")
    block = page.index("<h2>Data plans introduced in this change (1)</h2>")
    assert block < page.index("<h2>Data-bearing changes")
    assert "<code>pal@example.com</code>" in page
    _, sarif, _ = _run(project, "--base", "HEAD~1", "--format", "sarif")
    [result] = json.loads(sarif)["runs"][0]["results"]
    assert result["level"] == "warning"


def test_a_plan_edited_in_the_range_is_introduced_a_renamed_one_is_not(project: GitRepo) -> None:
    plan = "docs/data-plans/DP-2026-001.md"
    project.write("docs/data-plans/old.md", PLAN.format(approver="lead@example.com"))
    project.add("docs/data-plans/old.md")
    project.commit("a plan", stage_all=False)
    project.git("mv", "docs/data-plans/old.md", plan)
    project.commit("rename the plan, then drop")
    code, report = _json(project, "--base", "HEAD~1")
    assert (code, _found(report)) == (0, [("MIG102", "info", "DP-2026-001")])
    project.write(plan, PLAN.format(approver="self@example.com"))
    project.commit("approve it myself")
    code, report = _json(project, "--base", "HEAD~2")
    assert (code, _found(report)) == (0, [("MIG102", "warning", "DP-2026-001")])


def test_plans_from_base_only_makes_introduced_plans_cover_nothing(project: GitRepo) -> None:
    project.write(".inventory-lint.yaml", "plans_from_base_only: true\n")
    project.remove(DROP)
    project.commit("only base plans count")
    project.write(DROP, "ALTER TABLE users DROP COLUMN legacy_flag;\n")
    project.write("docs/data-plans/DP-2026-001.md", PLAN.format(approver="pal@example.com"))
    project.commit("drop with its own plan")
    code, report = _json(project, "--base", "HEAD~1")
    assert _found(report) == [("MIG102", "error", None)]
    assert code == 1
    _, markdown, _ = _run(project, "--base", "HEAD~1", "--format", "markdown")
    assert "| nothing (`plans_from_base_only`) |" in markdown


def test_plans_from_base_only_keeps_plans_of_the_base(project: GitRepo) -> None:
    project.write(".inventory-lint.yaml", "plans_from_base_only: true\n")
    project.write("docs/data-plans/DP-2026-001.md", PLAN.format(approver="lead@example.com"))
    project.remove(DROP)
    project.commit("a merged plan")
    project.write(DROP, "ALTER TABLE users DROP COLUMN legacy_flag;\n")
    project.commit("the drop")
    code, report = _json(project, "--base", "HEAD~1")
    assert _found(report) == [("MIG102", "info", "DP-2026-001")]
    assert code == 0


SECRET = "topsecret: hunter2-do-not-print\n"


@pytest.mark.parametrize("name", [".inventory-lint.yaml", "pyproject.toml"])
def test_configuration_linked_outside_the_repository_is_refused(
    project: GitRepo, tmp_path: Path, name: str
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(
        SECRET if name.endswith(".yaml") else '[tool.selenite-inventory-lint]\nhunter2 = "x"\n',
        encoding="utf-8",
    )
    if name == "pyproject.toml":
        project.remove(".inventory-lint.yaml")
    # A link inside the repository is read.
    project.write("ci/lint.toml", '[tool.selenite-inventory-lint]\nignore = ["MIG"]\n')
    project.write("ci/lint.yaml", "ignore: [MIG]\n")
    project.symlink(name, f"ci/lint.{name.rpartition('.')[2]}")
    code, report = _json(project)
    assert (code, _found(report)) == (0, [])
    project.symlink(name, str(outside))
    code, out, err = _run(project)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"{name} is a symbolic link that leaves the repository" in err
    assert "hunter2" not in err


def test_a_range_reads_a_linked_configuration_as_its_link_text(
    project: GitRepo, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("ignore: [MIG]\n" + SECRET, encoding="utf-8")
    project.symlink(".inventory-lint.yaml", str(outside))
    project.commit("link the configuration out")
    project.write(DROP.replace("0002", "0003"), "DROP TABLE users;\n")
    project.commit("drop users")
    code, out, err = _run(project, "--base", "HEAD~1", "--format", "json")
    assert "hunter2" not in out + err
    assert code == 2
    assert "the configuration must be a mapping" in err


def _limited() -> None:  # pragma: no cover - runs in the child process
    # CPU seconds, not wall-clock time: the old parser took 17 s and 460 MB on this input.
    resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def _check_in_child(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "selenite_inventory_lint", "check", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_limited,
        timeout=600,
    )


def test_a_plan_with_an_alias_bomb_is_plan101(project: GitRepo) -> None:
    project.write("docs/data-plans/DP-9.md", "---\nid: DP-9\n" + BOMB + "---\n")
    project.add()
    done = _check_in_child(project, "--staged", "--format", "json")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    plan = [(f["code"], f["path"], f["message"]) for f in findings if f["code"] == "PLAN101"]
    assert plan == [
        (
            "PLAN101",
            "docs/data-plans/DP-9.md",
            "data plan front matter expands YAML aliases too far "
            "(more than 100000 values once aliases are expanded)",
        )
    ]


def test_a_configuration_with_an_alias_bomb_is_one_clear_error(project: GitRepo) -> None:
    project.write(".inventory-lint.yaml", BOMB)
    done = _check_in_child(project)
    assert done.returncode == 2
    assert done.stderr == (
        "selenite-inventory-lint: error: .inventory-lint.yaml: the configuration's YAML "
        "aliases expand too far (more than 100000 values once aliases are expanded); write "
        "the values out instead of nesting aliases.\n"
    )


def test_introduced_plan_block_escapes_the_plans_text(project: GitRepo) -> None:
    plan = PLAN.format(approver="'x|y<img src=z>'").replace("id: DP-2026-001", "id: 'DP<script>|`'")
    project.write("docs/data-plans/DP-2026-001.md", plan)
    project.commit("drop with a hostile plan")
    _, markdown, _ = _run(project, "--base", "HEAD~1", "--format", "markdown")
    block = markdown.split("### Data plans introduced in this change (1)")[1].split("###")[0]
    assert "| <code>DP\\<script\\>\\|\\`</code> |" in block
    assert "<code>x\\|y\\<img src=z\\></code>" in block
    _, page, _ = _run(project, "--base", "HEAD~1", "--format", "html")
    block = page.split("<h2>Data plans introduced in this change (1)</h2>")[1].split("<h2>")[0]
    assert "<code>DP&lt;script&gt;|`</code>" in block
    assert "<script>" not in page
    assert "<img" not in page
