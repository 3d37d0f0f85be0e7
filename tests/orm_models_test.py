"""SQLAlchemy declarations read by `ast` (what `audit` compares with the migrations, MIG204)."""

from __future__ import annotations

import textwrap

from selenite_inventory_lint.orm_models import declared_tables


def _tables(source: str) -> dict[str, dict[str, int]]:
    tables, problems = declared_tables("app/models.py", textwrap.dedent(source))
    assert problems == ()
    return {t.name: t.columns for t in tables}


def test_declarative_class_with_column_and_mapped_column() -> None:
    assert _tables(
        """
        class User(Base):
            __tablename__ = "Users"
            id = Column(Integer, primary_key=True)
            email = Column("email_address", String(255))
            name: Mapped[str] = mapped_column(String(64))
            phone: Mapped[str] = mapped_column(name="phone_number")
            nickname: Mapped[str | None]
            legacy: "Mapped[int]"
            helper = relationship("Job")
            __table_args__ = ()
        """
    ) == {
        "users": {
            "id": 4,
            "email_address": 5,
            "name": 6,
            "phone_number": 7,
            "nickname": 8,
            "legacy": 9,
        }
    }


def test_mixins_in_the_same_file_contribute_columns() -> None:
    assert _tables(
        """
        class Timestamps:
            created_at = Column(DateTime)


        class Owned(Timestamps):
            owner_id: Mapped[int] = mapped_column()


        class Job(Owned, ExternalBase):
            __tablename__ = "jobs"
            id = Column(Integer, primary_key=True)
            created_at = Column(DateTime, nullable=False)
        """
    ) == {"jobs": {"created_at": 13, "owner_id": 7, "id": 12}}


def test_table_objects_module_level_and_dunder_table() -> None:
    assert _tables(
        """
        job_tags = Table(
            "job_tags",
            metadata,
            Column("job_id", ForeignKey("jobs.id")),
            sa.Column("tag_id", Integer),
            Index("ix_job_tags", "job_id"),
        )


        class Tag(Base):
            __table__ = Table("tags", Base.metadata, Column("id", Integer), Column("label", Text))
        """
    ) == {
        "job_tags": {"job_id": 5, "tag_id": 6},
        "tags": {"id": 12, "label": 12},
    }


def test_what_is_not_a_table_is_ignored() -> None:
    assert (
        _tables(
            """
        class Base(DeclarativeBase):
            pass


        class Computed(Base):
            __tablename__ = TABLE_NAMES["computed"]
            id = Column(Integer)


        class View(Base):
            __table__ = build_table()


        frame = Table(name_from_config, metadata)
        nameless = Table()
        """
        )
        == {}
    )


def test_a_file_that_does_not_parse_is_one_problem_not_a_crash() -> None:
    tables, problems = declared_tables("app/models.py", "class User(Base:\n    pass\n")
    assert tables == ()
    assert [(p.code, p.path, p.line) for p in problems] == [("INV303", "app/models.py", 1)]


def test_names_built_from_module_constants_are_read_like_every_other_detector() -> None:
    assert _tables(
        """
        PREFIX = "app_"
        EMAIL = "email_address"

        class User(Base):
            __tablename__ = f"{PREFIX}users"
            id = Column(Integer, primary_key=True)
            email = Column(EMAIL, String(255))

        events = Table(PREFIX + "events", metadata, Column("id", Integer))
        unknown = Table(f"{PREFIX!r}x", metadata)
        """
    ) == {"app_users": {"id": 7, "email_address": 8}, "app_events": {"id": 10}}
