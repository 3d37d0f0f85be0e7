"""A Selenite-like project in a test repository: the reference inventory and Alembic revisions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import GitRepo

REFERENCE = Path(__file__).parent / "inventory" / "fixtures" / "reference.md"
VERSIONS = "backend/alembic/versions"
ALEMBIC_INI = "[alembic]\nscript_location = backend/alembic\n"
# A first revision creating `users`, and a second adding a table and a column.
BASE_REVISION = """\
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))
"""
INVOICES = """\
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_table("invoices", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("users", sa.Column("phone", sa.String(32), nullable=True))
"""


def revision(rev: str, down: str | None, upgrade: str) -> str:
    """An Alembic revision whose upgrade() is the one statement ``upgrade``."""
    return (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f'revision = "{rev}"\ndown_revision = {down!r}\n\n\n'
        f"def upgrade():\n    {upgrade}\n\n\ndef downgrade():\n    pass\n"
    )


# Revision 0002: a column on a documented table, which needs its own entry (INV102).
ADD_PHONE = revision(
    "0002", "0001", 'op.add_column("users", sa.Column("phone", sa.String(32), nullable=True))'
)
PHONE_ENTRY = "- `users.phone`: optional contact number for SMS notifications.\n"


def lay_out(repo: GitRepo, first_upgrade: str = "pass") -> None:
    """Write the reference inventory, alembic.ini and revision 0001 (not staged)."""
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8"))
    repo.write("alembic.ini", ALEMBIC_INI)
    repo.write(f"{VERSIONS}/0001_base.py", revision("0001", None, first_upgrade))


def selenite(repo: GitRepo) -> GitRepo:
    """The project laid out and committed (without hooks)."""
    lay_out(repo)
    repo.commit("base")
    return repo


def document_phone(repo: GitRepo) -> None:
    """Add the `users.phone` entry to the inventory on disk."""
    text = repo.read("DATA_INVENTORY.md").decode()
    anchor = "- `users.last_seen_at`"
    repo.write("DATA_INVENTORY.md", text.replace(anchor, PHONE_ENTRY + anchor))


def selenite_repo(repo: GitRepo, *, invoices: bool = True) -> GitRepo:
    """``repo`` with the reference inventory and the base revision committed, then (with
    ``invoices``) the invoices revision in a second commit."""
    repo.write("DATA_INVENTORY.md", REFERENCE.read_bytes())
    repo.write("alembic.ini", ALEMBIC_INI)
    repo.write(f"{VERSIONS}/0001_base.py", BASE_REVISION)
    repo.commit("base")
    if invoices:
        repo.write(f"{VERSIONS}/0002_invoices.py", INVOICES)
        repo.commit("invoices")
    return repo
