"""MIG204 in `audit` on real repositories: models read the way SQLAlchemy maps them, and
silence where they cannot be known (in-process ``main([...])``)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import TYPE_CHECKING

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

VERSIONS = "app/alembic/versions"
INI = "[alembic]\nscript_location = app/alembic\n"
INVENTORY = "# Data Inventory\n\n## Database (SQLite)\n"


def revision(tables: dict[str, tuple[str, ...]], helper: str = "") -> str:
    body = "".join(
        f"    op.create_table({name!r}, "
        + ", ".join(f"sa.Column({c!r}, sa.Integer())" for c in columns)
        + ")\n"
        for name, columns in tables.items()
    )
    return (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        'revision = "0001"\ndown_revision = None\n'
        f"{helper}\n\ndef upgrade():\n{body}"
    )


def mig204(repo: GitRepo) -> list[tuple[str, str, int]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["audit", "--repo", str(repo.path), "--format", "json", "--select", "MIG204"])
    report = json.loads(out.getvalue())
    found = [(f["object"]["name"], f["path"], f["line"]) for f in report["findings"]]
    assert code == 0  # MIG204 is a warning
    return found


DB = """\
from sqlalchemy import Column, DateTime, Integer
from sqlalchemy.orm import DeclarativeBase, declared_attr


class Base(DeclarativeBase):
    pass


class Timestamps:
    created_at = Column(DateTime)

    @declared_attr
    def updated_at(cls):
        return Column(DateTime)

    @declared_attr
    def owner(cls):
        return relationship("User")


class Model(Base):
    __abstract__ = True
    id = Column(Integer, primary_key=True)
"""
MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, String

from app.db import Base, Model, Timestamps


class User(Timestamps, Model):
    __tablename__ = "users"
    email = Column(String)
    phone = Column(String)


class Employee(Model):
    __tablename__ = "employees"
    name = Column(String)
    kind = Column(String)


class Engineer(Employee):
    __tablename__ = "engineers"
    id = Column(Integer, ForeignKey("employees.id"), primary_key=True)
    skill = Column(String)


class Manager(Employee):
    reports = Column(Integer)


class Report(Base):
    __tablename__ = "reports"
    id = Column(Integer, primary_key=True)


def init(engine):
    Base.metadata.create_all(engine, tables=[Report.__table__])
"""
FLASK = """\
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class UserProfile(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer)
    bio = db.Column(db.Text)


class HTTPLogEntry(db.Model):
    id = db.Column(db.Integer, primary_key=True)
"""
# A helper a revision describes the rows it moves with: not a model.
HELPER = '\nlegacy = sa.Table("legacy_things", sa.MetaData(), sa.Column("id", sa.Integer()))\n'


def test_inheritance_mixins_declared_attr_flask_names_and_create_all_are_understood(
    repo: GitRepo,
) -> None:
    repo.write("alembic.ini", INI)
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("app/db.py", DB)
    repo.write("app/models.py", MODELS)
    repo.write("app/extensions.py", FLASK)
    repo.write(
        f"{VERSIONS}/0001_initial.py",
        revision(
            {
                "users": ("id", "email", "created_at", "updated_at"),
                "employees": ("id", "name", "kind", "reports"),
                "engineers": ("id", "skill"),
                "user_profile": ("id", "user_id", "bio"),
                "http_log_entry": ("id",),
                "orphans": ("id",),
            },
            HELPER,
        ),
    )
    repo.commit("models")
    # Only the real disagreements: a column no migration adds, a table no model declares.
    assert mig204(repo) == [
        ("orphans", f"{VERSIONS}/0001_initial.py", 16),
        ("users.phone", "app/models.py", 9),
    ]


def test_models_that_cannot_be_known_say_nothing(repo: GitRepo) -> None:
    repo.write("alembic.ini", INI)
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write(
        "app/models.py",
        "from sqlalchemy import Column, Integer\n"
        "from vendor.models import AuditedBase\n"
        "from app.db import Base\n"
        "\n"
        "\n"
        "class Invoice(AuditedBase, Base):\n"
        '    __tablename__ = "invoices"\n'
        "    id = Column(Integer, primary_key=True)\n"
        "\n"
        "\n"
        "class Archive(Base):\n"
        "    __tablename__ = tenant_table('archive')\n"
        "    id = Column(Integer, primary_key=True)\n",
    )
    repo.write(
        "app/db.py", "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
    )
    repo.write(
        f"{VERSIONS}/0001_initial.py",
        revision({"invoices": ("id", "total", "audited_by"), "tenant_archive": ("id",)}),
    )
    repo.commit("models")
    assert mig204(repo) == []
