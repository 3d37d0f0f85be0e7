"""MIG301 / INV303: content a detector could not read. Never a silent pass (docs/security.md)."""

from __future__ import annotations

from collections.abc import Iterator

from selenite_inventory_lint.rules.context import Hit, RuleContext, problem_hits


def unanalyzable_migration(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    Migration content the linter cannot analyse: a Python syntax error in a revision, SQL
    that does not parse, dynamic SQL (f-strings, `.format`, concatenation with variables),
    an indirect use of `op` or of a batch object that cannot be followed statically
    (`getattr(op, name)`, `op` passed to a helper imported from another module),
    `metadata.drop_all()` / `create_all()`, an ORM query on a model whose table is not
    known, a coding cookie Python would not decode, a binary, undecodable or oversized
    migration file.

    ## Why
    What cannot be read cannot be judged: a destructive statement hidden in dynamic SQL
    would otherwise pass unnoticed. A gate that cannot read a migration must not pass it,
    so this is an error by default.

    ## Example
    ```python
    def upgrade():
        op.execute(f"DELETE FROM {table}")
        helpers.cleanup(op)  # imported from another module: never imported by the linter
    ```

    ## Fix
    Write the SQL as a literal string, fix the syntax error, or — when the content is right
    and only the linter cannot follow it — suppress with a reason:
    `# inventory-lint: ignore[MIG301] table name comes from a fixed list above`.
    """
    return problem_hits(ctx.problems, "MIG301")


def unanalyzable_source(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A source file that the environment-variable or storage-path detectors read, but could
    not analyse: a Python syntax error, YAML that does not parse, a binary or oversized file,
    bytes that are not UTF-8. Other files of the change are still analysed. A Python read
    whose variable name is computed (`os.getenv(name)`, `os.environ[prefix + x]`) is reported
    where it happens: the analysis is incomplete there. A loop over a literal tuple of names is
    read as those names; tests and tooling (`sources.non_application`) are not reported.

    ## Why
    What cannot be read cannot be judged: a new secret or storage directory in that file
    would pass unnoticed. The warning makes the blind spot visible.

    ## Example
    ```python
    REDIS_URL = os.getenv("REDIS_URL"
    ```

    ## Fix
    Fix the syntax error or the encoding. For a file that is meant to be unreadable (an
    encrypted `.env.production`), add it to `exclude`.
    """
    return problem_hits(ctx.problems, "INV303")
