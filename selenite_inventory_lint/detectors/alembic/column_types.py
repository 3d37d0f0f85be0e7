"""SQLAlchemy column types as SQL-style names, so they compare with the SQL detector's
(``sa.String(30)`` → ``VARCHAR(30)``)."""

from __future__ import annotations

# Column(...) positional arguments that are not its type.
_NOT_TYPES = frozenset(
    {
        "ForeignKey",
        "Sequence",
        "Computed",
        "Identity",
        "CheckConstraint",
        "FetchedValue",
        "DefaultClause",
    }
)


_SQL_TYPES = {
    "Integer": "INTEGER",
    "BigInteger": "BIGINT",
    "SmallInteger": "SMALLINT",
    "String": "VARCHAR",
    "Unicode": "VARCHAR",
    "Text": "TEXT",
    "UnicodeText": "TEXT",
    "Boolean": "BOOLEAN",
    "DateTime": "DATETIME",
    "Date": "DATE",
    "Time": "TIME",
    "Float": "FLOAT",
    "Double": "DOUBLE",
    "Numeric": "NUMERIC",
    "LargeBinary": "BLOB",
    "PickleType": "BLOB",
    "Uuid": "UUID",
    "Interval": "INTERVAL",
}


_TYPE_WRAPPERS = frozenset({"with_variant", "evaluates_none"})
