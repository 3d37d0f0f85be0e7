"""No code execution: nothing from the checked repository is ever imported, run or evaluated.

Every command runs on a repository whose migrations, settings, models, conftest, Alembic
``env.py``, package ``__init__`` and modules named like the libraries and stdlib modules the
linter imports lazily (``yaml``, ``sqlglot``, ``sqlite3``, ``tempfile``…) would each create a
marker file when imported. Commands run in-process and as ``python -m`` from the
repository's root, where Python puts the current directory first on ``sys.path``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import selenite_inventory_lint
from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = """\
# Data inventory

## Database (SQLite)
- `users`: accounts.

## Storage Paths
- `storage/media/`: uploads.

## Configuration & State
- `SECRET_KEY`: signing key.
"""
# Modules the linter imports lazily, inside functions: a file of that name at the top of the
# repository would shadow it if the current directory were on sys.path.
SHADOWED = (
    "yaml",
    "sqlglot",
    "markdown_it",
    "git",
    "sqlite3",
    "tempfile",
    "tomllib",
    "difflib",
    "configparser",
    "hashlib",
    "importlib_resources",
    "jsonschema",
    "textwrap",
    "shutil",
)


def _canary(marker: Path, name: str) -> str:
    return (
        f"import pathlib\npathlib.Path({str(marker)!r}).joinpath({name!r}).write_text('imported')\n"
    )


def _build(repo: GitRepo, marker: Path) -> str:
    def canary(name: str) -> str:
        return _canary(marker, name)

    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", "[alembic]\nscript_location = backend/alembic\n")
    repo.write("backend/alembic/env.py", canary("env.py"))
    repo.write(
        "backend/alembic/versions/0001_initial.py",
        canary("0001")
        + (
            "from alembic import op\nimport sqlalchemy as sa\n"
            "revision = '0001'\ndown_revision = None\n"
            "def upgrade():\n"
            "    " + canary("upgrade").replace("\n", "\n    ") + "\n"
            "    op.create_table('users', sa.Column('id', sa.Integer()))\n"
            "def downgrade():\n    op.drop_table('users')\n"
        ),
    )
    repo.write("backend/app/__init__.py", canary("package"))
    repo.write(
        "backend/app/models.py",
        canary("models")
        + (
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
            "class Base(DeclarativeBase):\n    pass\n"
            "class User(Base):\n    __tablename__ = 'users'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        ),
    )
    repo.write("conftest.py", canary("conftest"))
    repo.write("setup.py", canary("setup"))
    repo.write("sitecustomize.py", canary("sitecustomize"))
    for module in SHADOWED:
        repo.write(f"{module}.py", canary(f"shadow-{module}"))
    repo.write("schema.sql", "CREATE TABLE users (id INTEGER);\n")
    base = repo.commit("base")
    repo.write(
        "backend/alembic/versions/0002_more.py",
        canary("0002")
        + (
            "from alembic import op\nimport sqlalchemy as sa\n"
            "revision = '0002'\ndown_revision = '0001'\n"
            "def upgrade():\n"
            "    op.add_column('users', sa.Column('phone', sa.String()))\n"
            "    op.drop_table('legacy')\n"
            "def downgrade():\n    pass\n"
        ),
    )
    repo.write(
        "backend/app/settings.py",
        canary("settings")
        + (
            "import os\nfrom pydantic_settings import BaseSettings\n"
            "class Settings(BaseSettings):\n    secret_key: str = 'x'\n    api_token: str = ''\n"
            "MEDIA = os.environ.get('MEDIA_ROOT', 'storage/uploads/')\n"
        ),
    )
    repo.write("schema.sql", "CREATE TABLE users (id INTEGER, phone TEXT);\n")
    repo.commit("change")
    repo.write("backend/app/settings.py", canary("settings-worktree") + "import os\n")
    repo.add("backend/app/settings.py")
    return base


COMMANDS = [
    ["check"],
    ["check", "--staged"],
    ["check", "--head", "HEAD"],
    ["check", "--base", "BASE", "--format", "json"],
    ["check", "--base", "BASE", "--format", "html"],
    ["check", "--base", "BASE", "--fix"],
    ["audit"],
    ["audit", "--format", "sarif"],
    ["init", "--output", "NEW_INVENTORY.md"],
    ["schema-diff", "schema.sql", "schema.sql"],
    ["inventory"],
    ["rules"],
    ["rules", "MIG101"],
    ["demo"],
]


@pytest.fixture
def canaries(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, Path, str]:
    marker = tmp_path / "markers"
    marker.mkdir()
    return repo, marker, _build(repo, marker)


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_no_command_imports_repository_code(
    canaries: tuple[GitRepo, Path, str],
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, marker, base = canaries
    argv = [part.replace("BASE", base) for part in command]
    monkeypatch.chdir(repo.path)
    assert main(argv) in (0, 1)
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(p.name for p in marker.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_python_dash_m_from_the_repository_root_imports_nothing_from_it(
    canaries: tuple[GitRepo, Path, str], command: list[str]
) -> None:
    repo, marker, base = canaries
    argv = [part.replace("BASE", base) for part in command]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    done = subprocess.run(
        [sys.executable, "-m", "selenite_inventory_lint", *argv],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in marker.iterdir()) == []


# --- the package's own source: only data-reading parsers, no dynamic code -----------------

PACKAGE = Path(selenite_inventory_lint.__file__).parent
FORBIDDEN_CALLS = frozenset({"eval", "exec", "compile", "__import__", "execfile", "breakpoint"})
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "load",  # yaml.load, pickle.load, marshal.load, json.load is not used either
        "loads",
        "unsafe_load",
        "full_load",
        "load_all",
        "unsafe_load_all",
        "full_load_all",
        "Loader",
        "FullLoader",
        "UnsafeLoader",
        "system",
        "popen",
        "run_path",
        "run_module",
        "exec_module",
        "load_module",
        "spec_from_file_location",
        "enable_load_extension",
        "load_extension",
    }
)
# tomllib.loads reads TOML text, json.loads JSON: both build only data. ``py.load`` is
# detectors/python/source.py, which parses with ``ast``.
ALLOWED = {("tomllib", "loads"), ("json", "loads"), ("json", "load"), ("py", "load")}
# parallel.py unpickles what its own forked worker wrote to a private pipe: records the
# worker built, never bytes from the repository.
# cache.py reads back what this tool marshalled into the user's own cache directory (never
# in CI, never from the repository); every value is type-checked before use.
ALLOWED_IN = {("parallel.py", "pickle", "loads"), ("cache.py", "marshal", "loads")}
# Where importlib.import_module may appear: our own modules, by constant names.
# The registries: command modules, report formats and detectors, all our own module names.
IMPORTERS = {"cli.py", "reports/__init__.py", "detectors/__init__.py"}


def _sources() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "demo_data" not in path.parts
    ]


def test_no_eval_exec_or_dynamic_import_in_the_package() -> None:
    found = []
    for name, tree in _sources():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in FORBIDDEN_CALLS
            ):
                found.append(f"{name}:{node.lineno} {node.func.id}()")
            if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
                owner = node.value.id if isinstance(node.value, ast.Name) else ""
                if (owner, node.attr) not in ALLOWED and (name, owner, node.attr) not in ALLOWED_IN:
                    found.append(f"{name}:{node.lineno} {ast.unparse(node)}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "import_module"
                and name not in IMPORTERS
            ):
                found.append(f"{name}:{node.lineno} import_module")
    assert found == []


def test_import_module_only_loads_the_linters_own_modules() -> None:
    for name, tree in _sources():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "import_module"
            ):
                argument = node.args[0]
                if isinstance(argument, ast.JoinedStr):
                    first = argument.values[0]
                    assert isinstance(first, ast.Constant), name
                    assert str(first.value).startswith("selenite_inventory_lint."), name
                else:
                    # reports.get and the detector registry: values of their tables, all our
                    # own module names.
                    from selenite_inventory_lint.detectors import MODULES
                    from selenite_inventory_lint.reports import FORMATS

                    assert name in ("reports/__init__.py", "detectors/__init__.py"), name
                    tables = [*FORMATS.values(), *MODULES.values()]
                    assert all(m.startswith("selenite_inventory_lint.") for m in tables)


def test_yaml_is_only_read_with_the_safe_loader() -> None:
    uses = []
    for name, tree in _sources():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "yaml"
                and node.attr
                not in (
                    "safe_load",
                    "compose",
                    "compose_all",
                    "SafeLoader",
                    "CSafeLoader",
                    "YAMLError",
                    "Node",
                    "ScalarNode",
                    "MappingNode",
                    "SequenceNode",
                    "MarkedYAMLError",
                )
            ):
                uses.append(f"{name}:{node.lineno} yaml.{node.attr}")
            if isinstance(node, ast.keyword) and node.arg == "Loader":
                loader = ast.unparse(node.value)
                if "SafeLoader" not in loader and loader != "loader":
                    uses.append(f"{name}:{node.lineno} Loader={loader}")
    assert uses == []
