"""Denial of service and crashes at the edges: hostile names in every report format, one-line
errors where git gives up, and input sizes that must not turn quadratic or overflow argv."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main
from selenite_inventory_lint.reports import FORMATS

if TYPE_CHECKING:
    from conftest import GitRepo, MakeRepo

INVENTORY = """\
# Data inventory

## Database (SQLite)
- `users`: accounts.
"""
CPU_SECONDS = 30


def _cpu_limited() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _check(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", "--repo", str(repo.path), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_a_line_of_unclosed_suppression_markers_parses_in_linear_time(repo: GitRepo) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.commit("base")
    marker = "# inventory-lint: ignore["
    repo.write("app/settings.py", "import os\n" + marker * (1024 * 1024 // len(marker)) + "\n")
    repo.add()
    # Quadratic parsing needs minutes of CPU for this megabyte; the child is killed
    # (SIGXCPU) long before, linear parsing needs a second or two.
    done = subprocess.run(
        [sys.executable, "-m", "selenite_inventory_lint", "check", "--staged", "--format", "json"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        preexec_fn=_cpu_limited,
    )
    assert done.returncode in (0, 1), (done.returncode, done.stderr)
    assert done.stderr == ""
    assert json.loads(done.stdout)["findings"] == []


# The stray byte as each format must carry it: visible, valid UTF-8, never a surrogate.
NON_UTF8_NAME = {
    "text": "db/0002_\\xff.sql:1:1: MIG101 table users is dropped",
    "json": '"path": "db/0002_\\\\xff.sql"',
    "markdown": "<code>db/0002\\_\\\\xff.sql:1</code>",
    "sarif": '"uri": "db/0002_%FF.sql"',
    "github": "::error file=db/0002_\\xff.sql,line=1,col=1,title=MIG101::",
    "gitlab": '"path": "db/0002_\\\\xff.sql"',
    "html": "0002_\\xff.sql</code>",
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_file_name_that_is_not_utf8_is_escaped_in_every_format(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.commit("base")
    # The name's byte 0xff reaches Python as the surrogate U+DCFF (surrogateescape).
    repo.write("db/0002_\udcff.sql", "DROP TABLE users;\n")
    repo.add()
    assert "db/0002_\\377.sql" in repo.git("status", "--short")
    output = tmp_path / f"report.{fmt}"
    code, out, err = _check(repo, capsys, "--staged", "--format", fmt, "--output", str(output))
    assert (code, out, err) == (1, "", "")
    written = output.read_bytes().decode("utf-8")  # strict: no stray byte, no surrogate
    assert NON_UTF8_NAME[fmt] in written
    if fmt in ("json", "gitlab", "sarif"):
        json.loads(written)
    code, out, err = _check(repo, capsys, "--staged", "--format", fmt)
    assert (code, err) == (1, "")
    assert out == written


def _annotation(line: str) -> bool:
    return line.startswith(("::error ", "::warning ", "::notice "))


# The hostile names sit at the root, where a `.sql` file is a migration only when configured.
ALL_SQL_MIGRATES = "sources:\n  sql_migrations: ['*.sql']\n"


@pytest.mark.parametrize(
    "name", ["::error file=x::pwned.sql", "  ::warning::pwned.sql", ":: spaced.sql"]
)
def test_no_text_line_starts_a_github_workflow_command(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write(".inventory-lint.yaml", ALL_SQL_MIGRATES)
    repo.commit("base")
    repo.write(name, "DROP TABLE users;\n")
    repo.add()
    code, out, err = _check(repo, capsys, "--staged", "--format", "text")
    assert (code, err) == (1, "")
    assert "MIG101" in out
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::")]
    assert "\n./" in "\n" + out
    # The github format starts lines with "::" on purpose: only its own commands, with the
    # name's colons escaped inside the file property.
    code, out, err = _check(repo, capsys, "--staged", "--format", "github")
    assert (code, err) == (1, "")
    commands = [line for line in out.splitlines() if line.lstrip().startswith("::")]
    assert commands
    assert all(_annotation(line) and "%3A%3A" in line for line in commands), commands


def test_no_report_line_starts_a_workflow_command_of_the_repository(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "DATA_INVENTORY.md",
        INVENTORY + "\n## Required Updates\n::error::intro\n- ::warning::item\n",
    )
    repo.write(".inventory-lint.yaml", ALL_SQL_MIGRATES)
    repo.commit("base")
    repo.write("::error file=x::pwned.sql", "DROP TABLE users;\n")
    repo.add()
    for fmt in sorted(FORMATS):
        code, out, err = _check(repo, capsys, "--staged", "--format", fmt)
        assert (code, err) == (1, ""), fmt
        assert "pwned" in out, fmt
        starts = [line for line in out.splitlines() if line.lstrip().startswith("::")]
        assert all(fmt == "github" and _annotation(line) for line in starts), (fmt, starts)


def test_the_inventory_listing_starts_no_workflow_command(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    from selenite_inventory_lint.cli import main

    name = "::error::pwned/DATA_INVENTORY.md"
    repo.write(".inventory-lint.yaml", f'inventory: "{name}"\n')
    repo.write(name, INVENTORY + "\n## Database\n- not an entry\n")
    repo.commit("base")
    assert main(["inventory", "--repo", str(repo.path)]) == 0
    out, err = capsys.readouterr()
    assert "pwned" in out
    assert "pwned" in err  # the INV302 line names the file too
    lines = [*out.splitlines(), *err.splitlines()]
    assert not [line for line in lines if line.lstrip().startswith("::")]


def test_partial_clone_with_an_unreachable_promisor_says_so_in_one_line(
    make_repo: MakeRepo, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    origin = make_repo("origin")
    origin.write("DATA_INVENTORY.md", INVENTORY)
    origin.write("db/0001_users.sql", "CREATE TABLE users (id INTEGER);\n")
    origin.commit("base")
    origin.write("db/0002_drop.sql", "DROP TABLE users;\n")
    origin.commit("drop users")
    origin.git("config", "uploadpack.allowFilter", "true")
    clone = origin.clone("clone", "--filter=blob:none", "--no-checkout")
    assert clone.git("config", "remote.origin.promisor").strip() == "true"
    shutil.move(origin.path, tmp_path / "gone")  # the promisor is unreachable now
    capfd.readouterr()
    # capfd: git's own complaints on file descriptor 2 would count as more lines.
    code, out, err = _check(clone, capfd, "--head", "HEAD", "--format", "json")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1, err
    assert "partial clone" in err
    assert "promisor remote" in err


def test_audit_of_an_inventory_larger_than_the_argument_list(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Names only operators use are searched for in the repository: 3.2 MB of them, well past
    # the 2 MB Linux allows a command line (far fewer bytes than 120,000 short names).
    names = [f"VAR_{i:05d}_{'X' * 150}" for i in range(20_000)]
    lines = ["# Data inventory", "", "## Configuration & State"]
    lines += [f"- `{name}`: set by the operators." for name in names]
    repo.write("DATA_INVENTORY.md", "\n".join(lines) + "\n")
    repo.write("deploy/run.sh", f"export {names[7]}=1\n")
    repo.commit("base")
    code = main(["audit", "--repo", str(repo.path), "--format", "json"])
    out, err = capsys.readouterr()
    assert "Argument list too long" not in err
    assert (code, err) == (1, "")
    report: dict[str, Any] = json.loads(out)
    stale = {f["object"]["name"] for f in report["findings"] if f["code"] == "INV201"}
    assert stale == set(names) - {names[7]}


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="giving the repository to another user needs root (CI runs as root)",
)
@pytest.mark.parametrize("command", ["check", "audit"])
def test_repository_owned_by_another_user_names_safe_directory(
    repo: GitRepo, capfd: pytest.CaptureFixture[str], command: str
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.commit("base")
    # The pinned global config has no safe.directory, so git's own check runs.
    assert "safe" not in Path(os.environ["GIT_CONFIG_GLOBAL"]).read_text(encoding="utf-8")
    os.chown(repo.path, 12345, -1)
    os.chown(repo.path / ".git", 12345, -1)
    capfd.readouterr()
    code = main([command, "--repo", str(repo.path)])
    out, err = capfd.readouterr()
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1, err
    assert "dubious ownership" in err
    assert f"`git config --global --add safe.directory {repo.path}`" in err
