"""Alembic revisions → data-bearing changes, read with ``ast`` only (docs/usage.md).

A revision is parsed once and never imported or executed, but decoded as CPython would (its
coding cookie). ``upgrade()`` (and the multi-db template's ``upgrade_<engine>()``, however the
name is bound: a def, a lambda, another function of the module) and the module-level code Alembic
runs on import count; ``downgrade()`` does not. Calls on ``op`` and on batch objects (``with
op.batch_alter_table(...) as b`` or ``b = op.batch_alter_table(...)``) become ``Change``
records, literal SQL goes to the SQL detector, and whatever cannot be resolved to literals
becomes a MIG301 problem. Indirect calls are resolved when they can be read statically
(``getattr(op, "drop_table")``, aliases, ``functools.partial``, ``Operations.drop_table(op,
...)``, ``op.invoke(ops.DropTableOp(...))``, ``sa.Table(...).drop(bind)``, ORM
``session.query(X).delete()``); any other use of op or a batch object as a value is MIG301.
Module helpers and methods that can touch data are followed with their arguments bound;
what they do is reported at the operation's own line.

Column types are normalised to SQL-style upper-case names so they compare with the SQL
detector's: ``sa.String(30)`` → ``VARCHAR(30)``, ``sa.Integer()`` → ``INTEGER``,
``sa.DateTime(timezone=True)`` → ``DATETIME(timezone=True)``; an unknown type class keeps its
name upper-cased (``GUID()`` → ``GUID``); any other expression is kept as ``ast.unparse`` text.
Object names are the literals lower-cased (``quoted_name``/``op.f`` unwrapped); ``schema=`` is
ignored.
"""

from __future__ import annotations

from selenite_inventory_lint.detectors import DetectContext, DetectorSpec, sources
from selenite_inventory_lint.model import DetectorResult, FileChange, Revision

# The parts (ini, revisions, facts, the walker and its operations) are imported when a file
# is read, never with this module: the pre-commit path decides from paths alone.
DEFAULT_SOURCES = sources.ALEMBIC_SOURCES


class AlembicDetector:
    """Reads Alembic revision files (docs/usage.md)."""

    name = "alembic"

    def claims(self, path: str, ctx: DetectContext) -> bool:
        return sources.alembic(path, ctx)

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        """Operations of ``upgrade()`` that the change adds, with the revision's identity."""
        try:
            return _detect(change, ctx)
        except (RecursionError, MemoryError):
            from selenite_inventory_lint.detectors.alembic.revisions import _problem

            why = "the file is nested too deeply to analyze"
            return DetectorResult(problems=(_problem(change.path, 1, 1, why),))


DETECTOR = AlembicDetector()


def _detect(change: FileChange, ctx: DetectContext) -> DetectorResult:
    from selenite_inventory_lint.detectors.alembic.detect import detect

    return detect(change, ctx)


def read_revision(path: str, text: str) -> Revision | None:
    """``revision`` / ``down_revision`` of a revision file; None when it has no ``revision``."""
    from selenite_inventory_lint.detectors.alembic.revisions import read_revision as read

    return read(path, text)


def version_dirs_from_ini(ini_path: str, ini_text: str) -> tuple[str, ...]:
    """Repo-relative version directories (ending in ``/``) named by an ``alembic.ini``
    (see ``ini.version_dirs_from_ini``)."""
    from selenite_inventory_lint.detectors.alembic.ini import version_dirs_from_ini as read

    return read(ini_path, ini_text)


SPEC = DetectorSpec(
    name="alembic",
    role="migrations",
    source_keys=("alembic",),
    self_contained=True,
    idempotent_ops=("create_table", "add_column", "create_index"),
    revisions=read_revision,
)
