"""examples/ and the hook manifest: each file parses, loads, and names commands that exist."""

from __future__ import annotations

import datetime
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from selenite_project import ADD_PHONE, VERSIONS, revision

from selenite_inventory_lint import __version__, reports
from selenite_inventory_lint.cli import build_parser, main
from selenite_inventory_lint.config import Config, load_config
from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.inventory.parse import parse_inventory

if TYPE_CHECKING:
    from conftest import GitRepo, MakeRepo

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
WORKFLOW = EXAMPLES / ".github" / "workflows" / "data-inventory.yml"
GITLAB = EXAMPLES / ".gitlab-ci.yml"
PRE_COMMIT_CONFIG = EXAMPLES / ".pre-commit-config.yaml"
LINT_CONFIG = EXAMPLES / ".inventory-lint.yaml"
DATA_PLAN = EXAMPLES / "docs" / "data-plans" / "DP-2026-001-drop-legacy-flags.md"
REFERENCE = ROOT / "tests" / "inventory" / "fixtures" / "reference.md"
PROG = "selenite-inventory-lint"
HOOK_TYPES = {"pre-commit", "pre-merge-commit", "pre-push"}
# docs/usage.md: every report format the product defines.
SPEC_FORMATS = frozenset({"text", "json", "markdown", "sarif", "github", "gitlab", "html"})
# docs/rules.md: the front matter a data plan needs to approve anything.
PLAN_FIELDS = ("id", "migrations", "operations", "approved_by", "approved_on", "backup", "rollback")
# The operations destructive findings name (rules/destructive.py), as plans must spell them.
OPERATION = re.compile(
    r"^(drop_table|drop_column|rename_table|rename_column|alter_column|rebuild_table"
    r"|delete_rows|truncate|update_rows) [a-z_][a-z0-9_.]*$"
)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def commands(script: str) -> Iterator[list[str]]:
    """The argument lists after `selenite-inventory-lint` in a shell script, one per line."""
    for line in script.splitlines():
        words = shlex.split(line, comments=True)
        if len(words) > 1 and words[0] == PROG:  # a bare name is a hook id, not a command
            yield words[1:]


def parse_command(argv: list[str]) -> Any:
    """Parse with the real command line; a wrong flag or command fails the test."""
    try:
        return build_parser().parse_args(argv)
    except FatalError as exc:
        pytest.fail(f"`{PROG} {shlex.join(argv)}` does not parse: {exc}")


def report_targets(argv: list[str]) -> dict[str, str]:
    args = parse_command(argv)
    assert args.format in SPEC_FORMATS
    targets = dict(spec.split("=", 1) for spec in args.report)
    assert set(targets) <= SPEC_FORMATS
    return targets


def pinned_version(script: str) -> str:
    """The release tag a script installs from the repository (there is no package index)."""
    assert f"{PROG}==" not in script, "the package is not on an index; install a tag"
    match = re.search(rf'pip install "git\+https://github\.com/OWNER/{PROG}@v(\S+)"', script)
    assert match, "the example installs the release tag it was written for"
    return match.group(1)


def test_manifest_is_valid_and_publishes_both_hooks() -> None:
    validate = run_pre_commit("validate-manifest", str(MANIFEST))
    assert validate.returncode == 0, validate.stdout + validate.stderr
    hooks = {hook["id"]: hook for hook in load(MANIFEST)}
    assert list(hooks) == [PROG, f"{PROG}-audit"]
    check, audit = hooks[PROG], hooks[f"{PROG}-audit"]
    # The hook reads the change set itself and must also run for a deletion-only commit.
    for hook in (check, audit):
        assert (hook["language"], hook["pass_filenames"], hook["always_run"]) == (
            "python",
            False,
            True,
        )
    assert check["stages"] == ["pre-commit", "pre-merge-commit", "pre-push", "manual"]
    assert check["entry"] == f"{PROG} check --staged"
    assert parse_command(shlex.split(check["entry"])[1:]).staged
    assert (audit["entry"], audit["stages"]) == (f"{PROG} audit", ["manual"])


def run_pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        (sys.executable, "-m", "pre_commit", *args),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_example_pre_commit_config_is_valid_and_uses_published_hooks() -> None:
    validate = run_pre_commit("validate-config", str(PRE_COMMIT_CONFIG))
    assert validate.returncode == 0, validate.stdout + validate.stderr
    config = load(PRE_COMMIT_CONFIG)
    published = {hook["id"]: hook for hook in load(MANIFEST)}
    (repo,) = config["repos"]
    assert repo["rev"] == f"v{__version__}"
    assert repo["hooks"]
    for hook in repo["hooks"]:
        entry = shlex.split(published[hook["id"]]["entry"])
        assert entry[0] == PROG
        parse_command(entry[1:])
    # A merge commit runs pre-merge-commit hooks only: without that type, merges go unchecked.
    assert set(config["default_install_hook_types"]) == HOOK_TYPES


def test_github_workflow_fetches_history_and_uploads_what_check_writes() -> None:
    workflow = load(WORKFLOW)
    # YAML 1.1 reads the key `on` as True.
    assert "pull_request" in workflow[True]
    assert workflow["permissions"]["security-events"] == "write"
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    scripts = "\n".join(s["run"] for s in steps if "run" in s)
    assert pinned_version(scripts) == __version__
    (argv,) = commands(scripts)
    targets = report_targets(argv)
    assert argv[argv.index("--format") + 1] == "github"  # annotations and the job summary
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload"))
    assert upload["with"]["sarif_file"] == targets["sarif"]
    assert "!cancelled()" in upload["if"]  # check exits 1 on findings; upload them anyway
    assert "!github.event.pull_request.head.repo.fork" in upload["if"]
    assert upload["continue-on-error"] is True  # no code scanning in the repository
    comment = next(s for s in steps if "gh pr comment" in s.get("run", ""))
    assert "--edit-last" in comment["run"]
    assert f"--body-file {targets['markdown']}" in comment["run"]
    assert workflow["permissions"]["pull-requests"] == "write"


def test_gitlab_job_fetches_history_and_keeps_the_code_quality_report() -> None:
    (job,) = load(GITLAB).values()
    assert job["variables"]["GIT_DEPTH"] == "0"  # a string, as GitLab wants it
    assert "merge_request_event" in job["rules"][0]["if"]
    script = "\n".join(job["script"])
    assert pinned_version(script) == __version__
    (argv,) = commands(script)
    targets = report_targets(argv)
    assert job["artifacts"]["reports"]["codequality"] == targets["gitlab"]
    assert job["artifacts"]["when"] == "always"
    assert targets["markdown"] in job["artifacts"]["paths"]


def test_example_configuration_sets_every_key_each_with_a_comment() -> None:
    config = load_config(EXAMPLES, LINT_CONFIG)
    assert config.source == str(LINT_CONFIG)
    keys = set(load(LINT_CONFIG))
    assert keys == {name for name in Config._fields if name != "source"}
    lines = LINT_CONFIG.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^\w+:", line):
            assert lines[number - 1].startswith("#") or " # " in line, f"{line!r} has no comment"
    assert config.inventory == "DATA_INVENTORY.md"
    assert (EXAMPLES / config.inventory).is_file()
    assert (EXAMPLES / config.data_plans / DATA_PLAN.name).is_file()


def test_example_inventory_is_the_reference_and_parses_without_problems() -> None:
    text = (EXAMPLES / "DATA_INVENTORY.md").read_text(encoding="utf-8")
    assert text == REFERENCE.read_text(encoding="utf-8")
    inventory = parse_inventory(text, sections=load_config(EXAMPLES, LINT_CONFIG).sections)
    assert inventory.problems == ()
    assert len(inventory.entries) == 41


def test_example_data_plan_front_matter_has_every_spec_field() -> None:
    text = DATA_PLAN.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    front, _, body = text.removeprefix("---\n").partition("\n---\n")
    plan = yaml.safe_load(front)
    assert tuple(plan) == PLAN_FIELDS
    assert plan["id"] == DATA_PLAN.name[: len(plan["id"])]
    for key in ("migrations", "operations", "approved_by"):
        assert plan[key]
        assert all(isinstance(item, str) and item for item in plan[key])
    assert all(OPERATION.match(operation) for operation in plan["operations"])
    assert all("@" in person for person in plan["approved_by"])
    assert isinstance(plan["approved_on"], datetime.date)
    assert plan["backup"].endswith("/")
    assert plan["rollback"].strip()
    assert "## Rollback" in body


@pytest.fixture
def adopter(make_repo: MakeRepo) -> GitRepo:
    """A repository set up from examples/: inventory, configuration and data plan."""
    repo = make_repo("adopter")
    for path in (LINT_CONFIG, EXAMPLES / "DATA_INVENTORY.md", DATA_PLAN):
        repo.write(path.relative_to(EXAMPLES).as_posix(), path.read_text(encoding="utf-8"))
    repo.write(f"{VERSIONS}/0001_base.py", revision("0001", None, "pass"))
    repo.commit("adopt the data inventory")
    return repo


def test_example_configuration_drives_a_real_check(
    adopter: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    adopter.write(f"{VERSIONS}/0002_phone.py", ADD_PHONE)
    adopter.add()
    assert main(["check", "--repo", str(adopter.path), "--staged"]) == 1
    out = capsys.readouterr().out
    assert "INV102 column users.phone" in out
    assert "MIG107" in out  # severity: info in the example is shown, not failing
    assert "Found 1 error and 0 warnings" in out


def example_script(example: Path) -> str:
    if example == WORKFLOW:
        (job,) = load(WORKFLOW)["jobs"].values()
        return "\n".join(step["run"] for step in job["steps"] if "run" in step)
    (job,) = load(GITLAB).values()
    return "\n".join(job["script"])


@pytest.mark.parametrize(
    ("example", "variables"),
    [
        pytest.param(
            WORKFLOW,
            {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "main"},
            id="github",
        ),
        pytest.param(
            GITLAB,
            {"GITLAB_CI": "true", "CI_MERGE_REQUEST_DIFF_BASE_SHA": "{main}"},
            id="gitlab",
        ),
    ],
)
def test_example_ci_command_runs_in_a_pull_request(
    adopter: GitRepo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    example: Path,
    variables: dict[str, str],
) -> None:
    (argv,) = commands(example_script(example))
    targets = report_targets(argv)
    missing = set(targets) - set(reports.FORMATS)
    if missing:
        pytest.skip(f"report formats not registered yet: {', '.join(sorted(missing))}")
    clone = adopter.clone("pull-request")
    clone.git("checkout", "--quiet", "-b", "feature")
    clone.write("README.md", "unrelated\n")
    clone.commit("unrelated")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "step-summary.md"))
    for name, value in variables.items():
        monkeypatch.setenv(name, value.format(main=adopter.head()))
    monkeypatch.chdir(clone.path)
    expanded = [os.path.expandvars(word) for word in argv]
    with redirect_stdout(io.StringIO()):
        assert main(expanded) == 0
    assert f"merge base {adopter.head()[:12]}" in capsys.readouterr().err
    for path in targets.values():
        assert (clone.path / os.path.expandvars(path)).read_text(encoding="utf-8")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


@pytest.mark.parametrize(
    ("page", "end"),
    [("README.md", "\n## Security\n"), ("docs/ci.md", "\nThe reports these jobs write")],
)
def test_integration_snippets_parse_and_name_commands_that_exist(page: str, end: str) -> None:
    part = (ROOT / page).read_text(encoding="utf-8").split("\n## pre-commit\n")[1].split(end)[0]
    blocks = re.findall(r"^```yaml\n(.*?)^```$", part, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 3
    documents = [yaml.safe_load(block) for block in blocks]
    pre_commit_config, _, gitlab = documents
    assert set(pre_commit_config["default_install_hook_types"]) == HOOK_TYPES
    published = {hook["id"] for hook in load(MANIFEST)}
    (repo,) = pre_commit_config["repos"]
    assert repo["rev"] == f"v{__version__}"
    assert {hook["id"] for hook in repo["hooks"]} <= published
    assert gitlab["data-inventory"]["variables"]["GIT_DEPTH"] == "0"
    scripts = [text for document in documents for text in strings(document)]
    argvs = [argv for script in scripts for argv in commands(script)]
    assert len(argvs) == 2
    for argv in argvs:
        report_targets(argv)
    assert pinned_version("\n".join(scripts)) == __version__
