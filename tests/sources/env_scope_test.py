"""Environment variables on real repositories through `check`: which files are the
application, computed names, and Python's module scope (in-process ``main([...])``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = """\
# Data Inventory

## Configuration & State
- `DOCUMENTED`: documented already.
"""


@pytest.fixture(autouse=True)
def _in_repo(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.path)


def check(repo: GitRepo, capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> list[str]:
    """Commit the inventory, then ``files``; the finding lines of `check` over that commit."""
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("app/__init__.py", "")
    base = repo.commit("base")
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("change")
    code = main(["check", "--base", base, "--format", "text"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = [line for line in captured.out.splitlines() if ": INV" in line]
    assert code == (1 if any(" INV104 " in line for line in lines) else 0), captured.err
    return lines


TOOLING = {
    "scripts/seed.py": 'import os\nos.getenv("SEED_COUNT")\n',
    "tools/release.py": 'import os\nos.environ["RELEASE_TOKEN"]\n',
    "bin/dev.py": 'import os\nos.environ.get("DEV_PORT")\n',
    "noxfile.py": 'import os\nos.getenv("NOX_SESSION_DB")\n',
    "tasks.py": 'import os\nos.getenv("INVOKE_TARGET")\n',
    "setup.py": 'import os\nos.getenv("BUILD_NUMBER")\n',
    "docs/conf.py": 'import os\nos.getenv("DOCS_THEME")\n',
    "e2e/login.spec.ts": "const url = process.env.E2E_BASE_URL;\n",
    "web/src/api.test.ts": "const key = process.env.MOCK_API_KEY;\n",
    "web/e2e/smoke.js": "const user = process.env.SMOKE_USER;\n",
    ".devcontainer/docker-compose.yml": (
        "services:\n  app:\n    build: .\n    environment:\n      DEVCONTAINER_ONLY: '1'\n"
    ),
    "docker-compose.test.yml": (
        "services:\n  app:\n    build: .\n    environment:\n      TEST_STACK_FLAG: '1'\n"
    ),
    "docker-compose.yml": (
        "services:\n"
        "  tests:\n    build: .\n    command: pytest\n    environment:\n"
        "      - RUNNER_SHARDS=4\n"
        "  e2e-runner:\n    build: .\n    environment:\n      BROWSER_HEADLESS: '1'\n"
        "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: x\n"
        "  web:\n    build: .\n    environment:\n      APP_SECRET: s\n"
    ),
}


def test_variables_of_tests_dev_containers_and_tooling_are_not_the_applications(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(repo, capsys, TOOLING)
    # Only the service that runs the application itself is configuration.
    assert lines == [
        "docker-compose.yml:18:7: INV104 environment variable APP_SECRET is referenced "
        "but not in the inventory"
    ]


def test_a_variable_tooling_and_the_application_both_read_is_reported_at_the_application(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        repo,
        capsys,
        {
            "scripts/backfill.py": 'import os\nos.getenv("SHARED_URL")\n',
            "tests/test_api.py": 'import os\nos.getenv("SHARED_URL")\n',
            "server/settings.py": 'import os\n\n\nURL = os.getenv("SHARED_URL")\n',
        },
    )
    assert lines == [
        "server/settings.py:4:7: INV104 environment variable SHARED_URL is referenced "
        "but not in the inventory"
    ]


def test_the_list_of_files_that_are_not_the_application_is_configurable(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".inventory-lint.yaml", "sources:\n  non_application: ['ops/']\n")
    lines = check(
        repo,
        capsys,
        {
            "ops/rotate.py": 'import os\nos.getenv("OPS_KEY")\n',
            "scripts/serve.py": 'import os\nos.getenv("SERVE_PORT")\n',
        },
    )
    assert lines == [
        "scripts/serve.py:2:1: INV104 environment variable SERVE_PORT is referenced "
        "but not in the inventory"
    ]


COMPUTED = "INV303 environment variable name is computed here; analysis is incomplete"


def test_reads_with_a_computed_name_are_named_not_guessed(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        repo,
        capsys,
        {
            "app/config.py": (
                "import os\n"
                "\n"
                "PREFIX = 'APP_'\n"
                "\n"
                "\n"
                "def setting(name):\n"
                "    return os.getenv(name)\n"
                "\n"
                "\n"
                "def scoped(x):\n"
                "    return os.environ.get(PREFIX + x), os.environ[x.upper()]\n"
                "\n"
                "\n"
                "KNOWN = os.environ.get(PREFIX + 'DOCUMENTED'[4:]) or os.getenv('DOCUMENTED')\n"
            ),
            # Tooling may compute names freely.
            "scripts/env_dump.py": "import os\n\nfor k in KEYS:\n    print(os.environ[k])\n",
        },
    )
    assert lines == [
        f"app/config.py:7:12: {COMPUTED}",
        # Two computed reads on one line are one finding: the same code, line and message.
        f"app/config.py:11:12: {COMPUTED}",
        f"app/config.py:14:9: {COMPUTED}",
    ]


def test_a_loop_over_literal_names_is_unrolled_into_references(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        repo,
        capsys,
        {
            "app/boot.py": (
                "import os\n"
                "\n"
                "REQUIRED = ('LOOP_ONE', 'LOOP_TWO')\n"
                "for name in ('DOCUMENTED', 'LOOP_THREE'):\n"
                "    os.environ.setdefault(name, '')\n"
                "missing = [n for n in REQUIRED if n not in os.environ]\n"
            )
        },
    )
    message = "INV104 environment variable {} is referenced but not in the inventory"
    assert lines == [
        f"app/boot.py:5:5: {message.format('LOOP_THREE')}",
        f"app/boot.py:6:35: {message.format('LOOP_ONE')}",
        f"app/boot.py:6:35: {message.format('LOOP_TWO')}",
    ]


def test_a_computed_read_already_at_the_base_is_not_reported_again(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("app/util.py", "import os\n\n\ndef get(name):\n    return os.getenv(name)\n")
    lines = check(
        repo,
        capsys,
        {
            "app/util.py": (
                "import os\n\n\ndef get(name):\n    return os.getenv(name)\n\n\n"
                "def other(key):\n    return os.environ[key]\n"
            )
        },
    )
    assert lines == [f"app/util.py:9:12: {COMPUTED}"]


def test_function_bodies_see_the_whole_module_and_module_code_reads_in_order(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        repo,
        capsys,
        {
            "app/modes.py": (
                "import os\n"
                "\n"
                "KEY = 'FIRST_KEY'\n"
                "first = os.getenv(KEY)\n"
                "KEY = 'SECOND_KEY'\n"
                "second = os.environ[KEY]\n"
                "PREFIX = 'APP_'\n"
                "third = os.getenv(PREFIX + 'MODE')\n"
                "PREFIX = 'WORKER_'\n"
                "fourth = os.getenv(f'{PREFIX}MODE')\n"
                "\n"
                "\n"
                "def later():\n"
                "    return os.getenv(KEY)\n"
            ),
            "app/late.py": (
                "def read():\n"
                "    return environ[LATE], fetch(OTHER), system.environ['LATE_ALIAS']\n"
                "\n"
                "\n"
                "LATE = 'LATE_KEY'\n"
                "OTHER = 'LATE_' + 'OTHER'\n"
                "from os import environ, getenv as fetch  # noqa: E402\n"
                "import os as system  # noqa: E402\n"
            ),
        },
    )
    message = "INV104 environment variable {} is referenced but not in the inventory"
    # A function may run at any point after the module body: with KEY bound twice, unknown.
    assert lines == [
        f"app/late.py:2:12: {message.format('LATE_KEY')}",
        f"app/late.py:2:27: {message.format('LATE_OTHER')}",
        f"app/late.py:2:41: {message.format('LATE_ALIAS')}",
        f"app/modes.py:4:9: {message.format('FIRST_KEY')}",
        f"app/modes.py:6:10: {message.format('SECOND_KEY')}",
        f"app/modes.py:8:9: {message.format('APP_MODE')}",
        f"app/modes.py:10:10: {message.format('WORKER_MODE')}",
        f"app/modes.py:14:12: {COMPUTED}",
    ]


def test_the_environment_file_of_test_runs_is_not_the_applications(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = check(
        repo,
        capsys,
        {
            ".env.test": "DATABASE_URL=sqlite:///test.db\nTEST_ONLY_FLAG=1\n",
            ".env.production": "DATABASE_URL=sqlite:///prod.db\n",
        },
    )
    assert [line.split(": ", 1)[1] for line in lines] == [
        "INV104 environment variable DATABASE_URL is referenced but not in the inventory",
        "INV105 config/state file .env.production is added but not covered by the inventory",
    ]
