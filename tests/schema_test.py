"""The schema at head, replayed from a revision history without a database (`audit`)."""

from __future__ import annotations

from in_memory import changeset_from_texts

from selenite_inventory_lint.audit import survey
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.detectors.sql import parse, replay
from selenite_inventory_lint.schema import Schema

VERSIONS = "backend/alembic/versions"

# One upgrade() body per revision, applied in order: creates, renames, alters and drops of
# tables and columns, batch operations, literal SQL, a guard and a rebuild.
STEPS = [
    'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True),\n'
    '    sa.Column("email", sa.String(255), nullable=False))',
    'op.create_table("jobs", sa.Column("id", sa.Integer(), primary_key=True),\n'
    '    sa.Column("user_id", sa.Integer()), sa.Column("status", sa.String(16)))',
    'op.add_column("users", sa.Column("name", sa.String(64)))',
    'op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True),\n'
    '    sa.Column("label", sa.String(32)))',
    'op.execute("CREATE TABLE job_tags (job_id INTEGER NOT NULL, tag_id INTEGER NOT NULL)")',
    'with op.batch_alter_table("jobs") as batch_op:\n'
    '    batch_op.add_column(sa.Column("progress", sa.Float()))\n'
    '    batch_op.add_column(sa.Column("created_at", sa.DateTime()))',
    'op.rename_table("tags", "labels")',
    'op.alter_column("users", "name", new_column_name="display_name")',
    'op.alter_column("jobs", "progress", type_=sa.Integer(), existing_type=sa.Float())',
    'op.drop_column("jobs", "created_at")',
    'op.create_table("audit_logs", sa.Column("id", sa.Integer(), primary_key=True),\n'
    '    sa.Column("event", sa.Text()))',
    'op.execute("ALTER TABLE audit_logs ADD COLUMN actor_id INTEGER")',
    'op.create_index("ix_jobs_status", "jobs", ["status"])',
    'op.drop_table("audit_logs")',
    'op.execute("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT)")',
    'columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")}\n'
    'if "last_seen_at" not in columns:\n'
    '    op.add_column("users", sa.Column("last_seen_at", sa.DateTime(), nullable=True))',
    'with op.batch_alter_table("users") as batch_op:\n'
    '    batch_op.alter_column("display_name", nullable=False, existing_type=sa.String(64))',
    'op.execute("ALTER TABLE settings RENAME COLUMN value TO payload")',
    'op.rename_table("labels", "tags")',
    'op.add_column("tags", sa.Column("color", sa.String(7)))',
    'op.execute("ALTER TABLE job_tags RENAME TO job_labels")',
    'op.drop_index("ix_jobs_status", table_name="jobs")',
    'op.create_table("transcripts", sa.Column("id", sa.Integer(), primary_key=True),\n'
    '    sa.Column("job_id", sa.Integer()), sa.Column("path", sa.Text()))',
    'with op.batch_alter_table("transcripts", recreate="always") as batch_op:\n'
    '    batch_op.drop_column("path")',
    'op.add_column("transcripts", sa.Column("format", sa.String(8)))',
    'op.execute("DROP TABLE IF EXISTS job_labels")',
    'op.alter_column("users", "last_seen_at", nullable=True, existing_type=sa.DateTime())',
    'op.create_table("feedback", sa.Column("id", sa.Integer(), primary_key=True),\n'
    '    sa.Column("body", sa.Text(), nullable=False))',
    'op.execute("UPDATE users SET display_name = email WHERE display_name IS NULL")',
    'op.drop_column("feedback", "body")\n'
    'op.add_column("feedback", sa.Column("message", sa.Text()))',
]


def _revision(index: int, body: str) -> str:
    down = f'"{index - 1:04d}"' if index > 1 else "None"
    indented = "\n".join(f"    {line}" for line in body.splitlines())
    return (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f'revision = "{index:04d}"\ndown_revision = {down}\n\n\n'
        f"def upgrade():\n{indented}\n\n\ndef downgrade():\n    pass\n"
    )


def _replay(files: dict[str, str]) -> Schema:
    changeset = changeset_from_texts({}, files)
    ctx = DetectContext(config=Config(), head=changeset.snapshot)
    found = survey(changeset, ctx)
    assert found.detection.problems == ()
    return found.migrated


def test_thirty_revisions_replay_into_the_expected_schema() -> None:
    assert len(STEPS) == 30
    # File names sort differently from the revision order: the graph decides, not the name.
    files = {
        f"{VERSIONS}/{(31 - i) * 7 % 97:02d}_step.py": _revision(i, body)
        for i, body in enumerate(STEPS, start=1)
    }
    schema = _replay(files)
    assert schema.as_dict() == {
        "feedback": {"id": ("INTEGER", False), "message": ("TEXT", True)},
        "jobs": {
            "id": ("INTEGER", False),
            "progress": ("INTEGER", True),
            "status": ("VARCHAR(16)", True),
            "user_id": ("INTEGER", True),
        },
        "settings": {"key": ("TEXT", False), "payload": ("TEXT", True)},
        "tags": {
            "color": ("VARCHAR(7)", True),
            "id": ("INTEGER", False),
            "label": ("VARCHAR(32)", True),
        },
        "transcripts": {
            "format": ("VARCHAR(8)", True),
            "id": ("INTEGER", False),
            "job_id": ("INTEGER", True),
        },
        "users": {
            "display_name": ("VARCHAR(64)", False),
            "email": ("VARCHAR(255)", False),
            "id": ("INTEGER", False),
            "last_seen_at": ("DATETIME", True),
        },
    }
    assert schema.indexes == {}
    users = schema.tables["users"]
    # column_policy "added": columns of a later revision than their table's
    assert sorted(c.name for c in users.columns.values() if users.added_later(c)) == [
        "display_name",
        "last_seen_at",
    ]


def test_a_guarded_create_of_a_table_that_exists_leaves_its_columns_alone() -> None:
    files = {
        f"{VERSIONS}/0001_users.py": _revision(
            1, 'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))'
        ),
        f"{VERSIONS}/0002_again.py": _revision(
            2, 'op.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER, nickname TEXT)")'
        ),
    }
    # The database skips the whole statement: users never gets a nickname column.
    assert _replay(files).as_dict() == {"users": {"id": ("INTEGER", False)}}


def test_the_sql_detector_and_audit_replay_into_one_schema_model() -> None:
    sql = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);\n"
        "ALTER TABLE t ADD COLUMN b INT;\n"
        "ALTER TABLE t RENAME COLUMN a TO c;\n"
        "CREATE TABLE IF NOT EXISTS t (id INTEGER, d TEXT);\n"
        "CREATE INDEX ix_t_c ON t (c);\n"
    )
    changeset = changeset_from_texts({}, {"db/migrations/0001_init.sql": sql})
    found = survey(changeset, DetectContext(config=Config(), head=changeset.snapshot))
    detector = replay(parse(sql, path="db/migrations/0001_init.sql"))
    assert isinstance(detector, Schema)
    assert detector.as_dict() == found.migrated.as_dict()
    assert detector.as_dict() == {
        "t": {"b": ("INT", True), "c": ("TEXT", False), "id": ("INT", False)}
    }
    # The rename keeps the column's place, as a dump's column order needs.
    assert [c.name for c in detector.tables["t"].ordered()] == ["id", "c", "b"]
    assert [c.name for c in found.migrated.tables["t"].ordered()] == ["id", "c", "b"]
    assert detector.indexes == found.migrated.indexes
