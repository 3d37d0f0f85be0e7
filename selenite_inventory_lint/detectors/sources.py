"""Which files each detector reads, decided from the path alone (docs/usage.md).

The pre-commit hook asks this for every staged path, so it imports nothing heavy: no
detector module (nor its parser) is imported for a commit that touches nothing data-bearing.
Each detector's ``claims`` is the function of the same name here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from selenite_inventory_lint import globs
from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.model import Source

ALEMBIC_SOURCES = ("**/alembic/versions/*.py",)
SQL_SOURCES = ("*.sql",)
# docs/usage.md: schema snapshots and rollback files, by base name or folder.
SQL_SNAPSHOTS = ("schema.sql", "*.schema.sql", "schema_*.sql", "*_schema.sql", "snapshots/")
SQL_ROLLBACK = ("down.sql", "*.down.sql", "*_down.sql", "down/")
# docs/usage.md: only migration-like SQL is a migration — a file under a migrations folder, or
# named the way migration tools version files (Flyway `V1__x.sql`, `0001_x.sql`,
# `20210315_x.sql`, sqlx `*.up.sql`, Diesel `<version>_<name>/up.sql`). Queries, seed data and
# templates elsewhere are not read (`sources.sql_migrations` opts them in).
SQL_MIGRATION_DIRS = (
    "migrations/",
    "migration/",
    "migrate/",
    "schema/",
    "schemas/",
    "db/",
    "database/",
    "ddl/",
)
# Folders that hold nothing but migrations: there even a file with template syntax is one.
SQL_MIGRATION_ONLY_DIRS = ("migrations/", "migration/", "migrate/")
# SQL under a templates folder is rendered by the application, never run as a migration.
SQL_TEMPLATE_DIRS = ("templates/", "template/")
SQL_MIGRATION_NAMES = ("V[0-9]*__*.sql", "[0-9]*_*.sql", "*.up.sql", "up.sql")
SQL_MIGRATIONS = SQL_MIGRATION_DIRS + SQL_MIGRATION_NAMES
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
SQLITE_BLOBS = ("*.db", "*.sqlite", "*.sqlite3")
ENV_SOURCES: dict[str, tuple[str, ...]] = {
    "python": ("*.py",),
    "env_files": (".env", ".env.*"),
    "javascript": (
        "*.js",
        "*.jsx",
        "*.mjs",
        "*.cjs",
        "*.ts",
        "*.tsx",
        "*.mts",
        "*.cts",
        "*.vue",
        "*.svelte",
    ),
    "yaml_env": (
        "docker-compose*.yml",
        "docker-compose*.yaml",
        "compose.yml",
        "compose.yaml",
        "compose.*.yml",
        "compose.*.yaml",
    ),
    "shell": (),
}
# CI pipelines set variables for the CI's own jobs (test databases, tokens), not the
# application's runtime configuration: a variable the application reads is reported where its
# code reads it. Opt in by adding these to `sources.yaml_env`.
CI_YAML = (".github/workflows/*.yml", ".github/workflows/*.yaml", ".gitlab-ci.yml")

Role = Literal["migration", "snapshot", "rollback"]


def alembic(path: str, ctx: DetectContext) -> bool:
    """A ``*.py`` under a configured or discovered versions directory, not ``__init__.py``."""
    if not path.endswith(".py") or path.endswith("/__init__.py") or path == "__init__.py":
        return False
    if path.startswith(tuple(filter(None, ctx.alembic_dirs))):  # asked for every revision
        return True
    return globs.match_any(ctx.config.sources_for("alembic", ALEMBIC_SOURCES), path)


def sql_role(path: str, ctx: DetectContext) -> Role | None:
    """What a ``.sql`` path is (docs/usage.md): a forward migration, a snapshot, a rollback, or
    None (not migration-like: a query, seed data, a template)."""
    config = ctx.config
    if not globs.match_any(config.sources_for("sql", SQL_SOURCES), path):
        return None
    if globs.match_any(config.sources_for("rollback_sql", SQL_ROLLBACK), path):
        return "rollback"
    if globs.match_any(config.sources_for("schema_snapshots", SQL_SNAPSHOTS), path):
        return "snapshot"
    if "sql_migrations" not in config.sources and globs.match_any(SQL_TEMPLATE_DIRS, path):
        return None  # a web framework's SQL templates (`.../templates/.../create.sql`)
    if globs.match_any(config.sources_for("sql_migrations", SQL_MIGRATIONS), path):
        return "migration"
    return None


def sql_opted_in(path: str, ctx: DetectContext) -> bool:
    """A migration whatever its content: under a migrations folder, or configured
    (``sources.sql_migrations``) — elsewhere (a versioned name, a `schema/` or `db/` folder) a
    file holding template syntax or ``$1`` placeholders is a query, not a migration."""
    return "sql_migrations" in ctx.config.sources or globs.match_any(SQL_MIGRATION_ONLY_DIRS, path)


def sql(path: str, ctx: DetectContext) -> bool:
    return sql_role(path, ctx) == "migration"


def sqlite_schema(path: str, ctx: DetectContext) -> bool:
    if path.lower().endswith(SQLITE_SUFFIXES):
        patterns = ctx.config.sources.get("schema_snapshots", SQLITE_BLOBS)
        return globs.match_any(patterns, path)
    return sql_role(path, ctx) == "snapshot"


def env_style(path: str, ctx: DetectContext) -> str | None:
    """How the env detector reads ``path`` (a key of ``ENV_SOURCES``), or None."""
    for key, default in ENV_SOURCES.items():
        if globs.match_any(ctx.config.sources_for(key, default), path):
            return key
    return None


def env(path: str, ctx: DetectContext) -> bool:
    return env_style(path, ctx) is not None


def python(path: str, ctx: DetectContext) -> bool:
    """Python sources, read for storage paths."""
    return globs.match_any(ctx.config.sources_for("python", ENV_SOURCES["python"]), path)


# docs/configuration.md: paths that are not the application's runtime. CI pipelines are not
# listed: they are not read unless added to `sources.yaml_env` (``sources.CI_YAML``).
NON_APPLICATION = (
    # Tests.
    "tests/",
    "test/",
    "testing/",
    "e2e/",
    "__tests__/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "*.test.*",
    "*.spec.*",
    ".env.test",
    ".env.test.*",
    ".env.testing",
    ".env.e2e",
    ".env.ci",
    # Development containers and the compose files of test runs.
    ".devcontainer/",
    "*compose*.test.yml",
    "*compose*.test.yaml",
    "*compose*.ci.yml",
    "*compose*.ci.yaml",
    "*compose*.e2e.yml",
    "*compose*.e2e.yaml",
    "*compose-test*.yml",
    "*compose-test*.yaml",
    # Tooling.
    "scripts/",
    "tools/",
    "bin/",
    "Makefile",
    "noxfile.py",
    "tasks.py",
    "fabfile.py",
    "setup.py",
    "docs/conf.py",
    "doc/conf.py",
)


def non_application(path: str, ctx: DetectContext) -> bool:
    """Is ``path`` a test, a dev container or tooling rather than the application?"""
    return globs.match_any(ctx.config.sources_for("non_application", NON_APPLICATION), path)


def config_file(path: str, ctx: DetectContext) -> bool:
    """A config/state file the application keeps (INV105): not one of tests or tooling
    (``sources.non_application``, such as `.env.test`)."""
    return globs.match_any(ctx.config.config_files, path) and not non_application(path, ctx)


PLAN_SUFFIXES = (".md", ".markdown")


def is_plan_path(path: str, folder: str) -> bool:
    """A data plan (docs/rules.md): a Markdown file in the plans folder."""
    prefix = folder.strip("/").removeprefix("./")
    return path.startswith(prefix + "/") and path.lower().endswith(PLAN_SUFFIXES)


# Detector name → its claim, in the registry's order.
CLAIMS: dict[Source, Callable[[str, DetectContext], bool]] = {
    "alembic": alembic,
    "sql": sql,
    "schema_snapshot": sqlite_schema,
    "env": env,
    "paths": python,
    "config_files": config_file,
}


# docs/configuration.md: `.gitattributes` marks of code that is not the project's.
LINGUIST = ("linguist-vendored", "linguist-generated")
# A generated migration or schema dump still describes the project's own database.
_SCHEMA_SOURCES = ("alembic", "sql", "schema_snapshot")


def not_the_projects(claims: Sequence[Source], attributes: Mapping[str, str]) -> bool:
    """A file ``.gitattributes`` marks ``linguist-vendored``, or ``linguist-generated`` unless a
    migration or schema snapshot detector reads it (``attributes`` as git resolves them:
    ``-linguist-vendored`` is ``unset``, a false value re-includes)."""

    def marked(name: str) -> bool:
        return attributes.get(name, "unspecified").lower() in ("set", "true", "1", "yes")

    if marked("linguist-vendored"):
        return True
    return marked("linguist-generated") and not any(c in _SCHEMA_SOURCES for c in claims)


def claimants(path: str, ctx: DetectContext) -> tuple[Source, ...]:
    """Names of the detectors that read ``path``, in the registry's order."""
    return tuple(name for name, claim in CLAIMS.items() if claim(path, ctx))
