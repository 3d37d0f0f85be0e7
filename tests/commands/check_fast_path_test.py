"""The pre-commit fast path: a commit touching no data-bearing file imports no parser.

Not GitPython either (no run imports it): importing it costs more than the rest of such a run.

Each case runs the real hook command, ``check --staged``, in a fresh interpreter on a real
repository and lists the modules it imported, so that a heavy import creeping onto the path
every commit takes (sqlglot, yaml, markdown-it, a detector or a report) fails here rather than
in someone's commit latency. Not timed: ``benchmarks/run.py`` measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import GitRepo

REFERENCE = Path(__file__).parents[1] / "inventory" / "fixtures" / "reference.md"
PROBE = """\
import contextlib, io, json, re, sys, typing
# Counted from before the package is imported: every distinct pattern the run compiled (or
# took from re's cache), every class typing.NamedTuple built, every annotation it evaluated.
patterns, work = {}, {"namedtuples": 0, "forward_refs": 0}
compile_pattern, make_namedtuple = re._compile, typing.NamedTupleMeta.__new__
forward_ref = typing.ForwardRef.__init__
def counted_compile(*args):
    pattern = compile_pattern(*args)
    patterns[id(pattern)] = pattern
    return pattern
def counted_namedtuple(*args):
    work["namedtuples"] += 1
    return make_namedtuple(*args)
def counted_forward_ref(self, *args, **kwargs):
    work["forward_refs"] += 1
    forward_ref(self, *args, **kwargs)
re._compile = counted_compile
typing.NamedTupleMeta.__new__ = counted_namedtuple
typing.ForwardRef.__init__ = counted_forward_ref
from selenite_inventory_lint.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["check", "--staged", "--repo", sys.argv[1]])
records = {
    f"{value.__module__}.{value.__qualname__}"
    for module in list(sys.modules.values())
    if module is not None
    for value in list(vars(module).values())
    if isinstance(value, type) and "__dataclass_fields__" in vars(value)
}
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules),
                  "dataclasses": sorted(records), "patterns": len(patterns), **work}))
"""
HEAVY = ("sqlglot", "markdown_it", "jinja2", "sqlite3")
# Standard library a commit never needs (docs/design-decisions.md, "Records on the check
# path"): dataclasses brings inspect, dis and tokenize; the fixer brings difflib; work shared
# with forked workers brings pickle; argparse measuring the terminal brings shutil and its
# compressors.
UNNEEDED = (
    "dataclasses",
    "inspect",
    "dis",
    "tokenize",
    "copy",
    "pickle",
    "difflib",
    "shutil",
    "bz2",
    "lzma",
)
# Distinct regular expressions the benchmark's hook case compiles, the standard library's
# included: 70 when every module compiled its patterns at import, 35 since.
PATTERN_BOUND = 40
REVISION = """\
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))
"""

PLAIN_INVENTORY = """\
# Data Inventory

## Database (SQLite)
- `users`: accounts and login identity.
- `users.last_seen_at`: idle-session tracking.

## Required Updates
- Update this document for any data-bearing change.
"""
SEEN_REVISION = """\
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("users", sa.Column("last_seen_at", sa.DateTime(), nullable=True))
"""


def imported_by_hook(repo: GitRepo) -> tuple[int, str, set[str]]:
    found = _run_hook(repo)
    return found["code"], found["out"], set(found["modules"])


def _run_hook(repo: GitRepo) -> dict[str, Any]:
    done = subprocess.run(
        (sys.executable, "-c", PROBE, str(repo.path)),
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.write("DATA_INVENTORY.md", REFERENCE.read_bytes())
    repo.write("alembic.ini", "[alembic]\nscript_location = backend/alembic\n")
    repo.write("backend/alembic/versions/0001_users.py", REVISION)
    repo.write("db/migrations/0001_init.sql", "CREATE TABLE users (id INTEGER);\n")
    repo.write("README.md", "Selenite\n")
    repo.write("docs/guide.md", "How to run it.\n")
    repo.commit("base")
    return repo


def test_no_data_bearing_file_staged_imports_no_parser(project: GitRepo) -> None:
    project.write("README.md", "Selenite, with a data inventory\n")
    project.write("docs/guide.md", "How to run it, twice.\n")
    project.add()
    code, out, modules = imported_by_hook(project)
    assert (code, out) == (0, "All checks passed (0 data-bearing changes).\n")
    assert not top_level(modules) & {*HEAVY, "yaml", "git"}
    ours = {m for m in modules if m.startswith("selenite_inventory_lint.")}
    assert not {m for m in ours if m.startswith("selenite_inventory_lint.detectors.")} - {
        "selenite_inventory_lint.detectors.sources"
    }
    assert not {m for m in ours if m.startswith("selenite_inventory_lint.rules")}
    assert not {m for m in ours if m.startswith("selenite_inventory_lint.inventory")}
    assert {m for m in ours if m.startswith("selenite_inventory_lint.reports.")} == {
        "selenite_inventory_lint.reports.text"
    }


def test_a_config_file_brings_yaml_but_no_sql_parser(project: GitRepo) -> None:
    project.write(".inventory-lint.yaml", "dialect: postgres\n")
    project.commit("config")
    project.write("README.md", "Selenite, configured\n")
    project.add()
    code, _, modules = imported_by_hook(project)
    assert code == 0
    assert "yaml" in top_level(modules)
    assert not top_level(modules) & set(HEAVY)


def test_a_staged_migration_loads_its_detector_but_not_sqlglot_for_plain_ddl(
    project: GitRepo,
) -> None:
    # The probe sees imports: the same run on a data-bearing change finds sqlglot loaded.
    project.write("db/migrations/0002_more.sql", "CREATE TABLE invoices (id INTEGER);\n")
    project.add()
    code, out, modules = imported_by_hook(project)
    assert code == 1
    assert "INV101" in out
    assert "markdown_it" in top_level(modules)
    # A plain CREATE TABLE is read without sqlglot (detectors/sql/fast.py).
    assert "sqlglot" not in top_level(modules)
    # An undocumented table is fixable: this run does reach the fixer the next test keeps off.
    assert "selenite_inventory_lint.inventory.fix" in modules
    assert "git" not in top_level(modules)  # blobs are read by our own cat-file reader
    assert "selenite_inventory_lint.detectors.sql" in modules


def stage_seen_revision(project: GitRepo) -> None:
    """The benchmark's hook case: a plain inventory, one new Alembic revision whose column it
    documents."""
    project.write("DATA_INVENTORY.md", PLAIN_INVENTORY)
    project.commit("plain inventory")
    project.write("backend/alembic/versions/0002_seen.py", SEEN_REVISION)
    project.add()


def test_a_staged_revision_creates_no_dataclass_and_imports_no_unneeded_stdlib(
    project: GitRepo,
) -> None:
    # The benchmark's hook case: a plain inventory, one new Alembic revision whose column it
    # documents. Each dataclass costs about 1 ms to create (its methods are generated and
    # compiled), the module about 10 ms with inspect: the records of this path are NamedTuples.
    stage_seen_revision(project)
    found = _run_hook(project)
    modules = set(found["modules"])
    assert (found["code"], found["out"]) == (0, "All checks passed (1 data-bearing change).\n")
    assert "selenite_inventory_lint.detectors.alembic.detect" in modules  # the revision was read
    assert found["dataclasses"] == []
    assert not top_level(modules) & {*UNNEEDED, "markdown_it"}
    assert "selenite_inventory_lint.inventory.fix" not in modules


def test_a_staged_revision_builds_its_records_and_patterns_without_compiling_spares(
    project: GitRepo,
) -> None:
    # The same case as the benchmark's, its cache warmed by an earlier commit's hook. At import,
    # typing.NamedTuple compiles every annotation string into a ForwardRef (half of 20 ms for
    # the path's records: they are `records.Record`s), each module-level re.compile costs
    # 0.1-0.4 ms (a pattern most commits never use is compiled on first use, `patterns.lazy`),
    # and configparser is for alembic.ini files, whose answers the cache already holds.
    stage_seen_revision(project)
    assert _run_hook(project)["code"] == 0
    found = _run_hook(project)
    assert (found["code"], found["out"]) == (0, "All checks passed (1 data-bearing change).\n")
    assert "selenite_inventory_lint.detectors.alembic.detect" in found["modules"]
    assert (found["namedtuples"], found["forward_refs"]) == (0, 0)
    assert "configparser" not in found["modules"]
    assert found["patterns"] <= PATTERN_BOUND, found["patterns"]
