"""Alembic detector (docs/usage.md): golden fixtures plus focused cases.

Each ``fixtures/alembic/<name>.py`` is read as an added revision at
``backend/alembic/versions/<name>.py`` — or, when ``<name>.base.py`` exists beside it, as a
modification of that base — and the result is compared with ``<name>.json``: the revision, the
``edited`` flag, the Change records (past the public seven fields, only those not at their
default) and problems as dicts, and the literal SQL handed to the SQL detector (recorded by a
stub, so these goldens do not move when that detector does).
Regenerate after an intended change, then review the diff:

    .venv/bin/pytest tests/detectors/alembic_test.py --update-golden

Python words syntax errors differently from one version to the next, so the detail inside
"invalid Python syntax (...)" is compared as "(…)".
"""

from __future__ import annotations

import ast
import json
import re
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, alembic, sql
from selenite_inventory_lint.detectors import python as py
from selenite_inventory_lint.detectors.alembic import (
    DETECTOR,
    read_revision,
    version_dirs_from_ini,
)
from selenite_inventory_lint.model import (
    Change,
    DetectorResult,
    FileChange,
    FileStatus,
    Problem,
    Revision,
)

FIXTURES = Path(__file__).parent / "fixtures" / "alembic"
CASES = sorted(p for p in FIXTURES.glob("*.py") if not p.name.endswith(".base.py"))
PATH = "backend/alembic/versions/rev.py"
CTX = DetectContext(config=Config())
SYNTAX_DETAIL = re.compile(r"invalid Python syntax \(.*\)")
# kind, name, action, path, line, source, old_name: the JSON `changes` record (docs/usage.md).
PUBLIC_FIELDS = 7


@pytest.fixture
def sql_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record what reaches the SQL detector instead of running it."""
    calls: list[dict[str, Any]] = []

    def record(text: str, **kwargs: Any) -> DetectorResult:
        calls.append({"sql": text, **kwargs})
        return DetectorResult()

    monkeypatch.setattr(sql, "analyze_sql", record)
    return calls


def _detect(
    text: str,
    *,
    old: str | None = None,
    status: FileStatus | None = None,
    path: str = PATH,
    ctx: DetectContext = CTX,
) -> DetectorResult:
    change = FileChange(
        status=status or ("added" if old is None else "modified"),
        path=path,
        old_path=path if old is not None else None,
        new_text=text,
        old_text=old,
        loaded=True,
    )
    return DETECTOR.detect(change, ctx)


def _revision_text(upgrade: str, *, head: str = "", revision: str = "abc123") -> str:
    body = textwrap.indent(textwrap.dedent(upgrade).strip("\n"), "    ")
    return (
        "from alembic import op\nimport sqlalchemy as sa\n"
        f"{textwrap.dedent(head)}\n"
        f'revision = "{revision}"\ndown_revision = None\n\n\n'
        f"def upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n"
    )


def _line(text: str, offset: int = 0) -> int:
    """1-based line of the ``offset``-th line of ``upgrade()``'s body."""
    return text.splitlines().index("def upgrade():") + 2 + offset


def _names(result: DetectorResult) -> list[tuple[str, str, str]]:
    return [(c.kind, c.name, c.action) for c in result.changes]


def _one(result: DetectorResult) -> Change:
    assert len(result.changes) == 1, result.changes
    return result.changes[0]


def _plain(record: Change | Problem | Revision) -> dict[str, Any]:
    """A record as JSON data. Change fields past the public seven are left out at their default,
    so a field added to the model later does not rewrite every golden."""
    data: dict[str, Any] = {}
    for index, name in enumerate(record._fields):
        value = getattr(record, name)
        default = record._field_defaults.get(name)
        if isinstance(record, Change) and index >= PUBLIC_FIELDS and value == default:
            continue
        data[name] = list(value) if isinstance(value, tuple) else value
    return data


def _as_json(result: DetectorResult, calls: list[dict[str, Any]]) -> dict[str, Any]:
    problems = [_plain(p) for p in result.problems]
    for problem in problems:
        problem["message"] = SYNTAX_DETAIL.sub("invalid Python syntax (…)", problem["message"])
    return {
        "revision": None if result.revision is None else _plain(result.revision),
        "edited": result.edited,
        "changes": [_plain(c) for c in result.changes],
        "problems": problems,
        "sql": calls,
    }


# --- golden fixtures ------------------------------------------------------------------------


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.stem)
def test_golden(source: Path, sql_calls: list[dict[str, Any]], update_golden: bool) -> None:
    base = source.with_name(source.stem + ".base.py")
    old = base.read_bytes().decode("utf-8") if base.exists() else None
    result = _detect(
        source.read_bytes().decode("utf-8"),
        old=old,
        path=f"backend/alembic/versions/{source.name}",
    )
    actual = _as_json(result, sql_calls)
    golden = source.with_suffix(".json")
    if update_golden:
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert actual == json.loads(golden.read_text("utf-8"))


def test_every_golden_has_a_fixture() -> None:
    orphans = [g.name for g in FIXTURES.glob("*.json") if not g.with_suffix(".py").exists()]
    assert orphans == []


def test_detector_never_imports_the_revision() -> None:
    marker = FIXTURES / "import_side_effect.IMPORTED"
    result = _detect((FIXTURES / "import_side_effect.py").read_text("utf-8"))
    assert _names(result) == [("column", "users.theme", "added")]
    assert not marker.exists()
    assert not any("import_side_effect" in name for name in sys.modules)


# --- upgrade() vs downgrade() ---------------------------------------------------------------


def test_drop_in_downgrade_is_not_a_change() -> None:
    text = _revision_text('op.add_column("users", sa.Column("phone", sa.String(20)))')
    text = text.replace(
        "    pass\n", '    op.drop_column("users", "phone")\n    op.drop_table("t")\n'
    )
    result = _detect(text)
    assert _names(result) == [("column", "users.phone", "added")]


def test_revision_without_upgrade_has_no_changes() -> None:
    result = _detect('revision = "x"\ndown_revision = None\n')
    assert result.changes == ()
    assert result.revision == Revision(revision="x", down_revisions=(), path=PATH, line=1)


def test_migration_is_the_path_when_the_file_has_no_revision() -> None:
    text = _revision_text('op.drop_table("t")').replace('revision = "abc123"\n', "")
    assert _one(_detect(text)).migration == PATH


def test_change_records_carry_source_path_and_position() -> None:
    change = _one(_detect(_revision_text('op.drop_table("Legacy")')))
    assert (change.source, change.path, change.migration) == ("alembic", PATH, "abc123")
    assert (change.name, change.line, change.column, change.operation) == (
        "legacy",
        9,
        5,
        "drop_table",
    )


# --- operations -----------------------------------------------------------------------------


def test_add_column_inside_batch_alter_table() -> None:
    result = _detect(
        _revision_text(
            """
            with op.batch_alter_table("users") as batch_op:
                batch_op.add_column(sa.Column("phone", sa.String(20), nullable=False))
            """
        )
    )
    change = _one(result)
    assert (change.name, change.operation, change.nullable, change.has_default) == (
        "users.phone",
        "add_column",
        False,
        False,
    )


def test_recreate_always_and_auto_on_sqlite_are_rebuilds() -> None:
    result = _detect(
        _revision_text(
            """
            with op.batch_alter_table("jobs", recreate="always") as b:
                b.drop_column("legacy")
            with op.batch_alter_table("tags", recreate="auto") as b:
                b.drop_column("old")
            """
        )
    )
    assert [(c.name, c.action, c.operation) for c in result.changes] == [
        ("jobs", "altered", "rebuild_table"),
        ("jobs.legacy", "dropped", "drop_column"),
        ("tags.old", "dropped", "drop_column"),
        # recreate="auto" on SQLite: dropping a column rebuilds the table too.
        ("tags", "altered", "rebuild_table"),
    ]


def test_column_defaults_follow_sqlalchemy() -> None:
    result = _detect(
        _revision_text(
            """
            op.create_table(
                "t",
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("a", sa.Text),
                sa.Column("b", sa.Text, default=None),
                sa.Column("c", sa.Text, default="x", unique=True),
            )
            """
        )
    )
    assert [(c.name, c.nullable, c.has_default, c.unique) for c in result.changes[1:]] == [
        ("t.id", False, False, False),
        ("t.a", True, False, False),
        ("t.b", True, False, False),
        ("t.c", True, True, True),
    ]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('op.alter_column("t", "c", nullable=False)', (None, None, False, None)),
        (
            'op.alter_column("t", "c", type_=sa.Text(), existing_type=sa.String(10))',
            ("TEXT", "VARCHAR(10)", None, None),
        ),
        ('op.alter_column("t", "c", server_default="0")', (None, None, None, True)),
        ('op.alter_column("t", "c", server_default=None)', (None, None, None, False)),
    ],
)
def test_alter_column_fields(
    call: str, expected: tuple[str | None, str | None, bool | None, bool | None]
) -> None:
    change = _one(_detect(_revision_text(call)))
    assert (change.action, change.operation) == ("altered", "alter_column")
    assert (change.type, change.old_type, change.nullable, change.has_default) == expected


@pytest.mark.parametrize(
    "call",
    [
        'op.alter_column("t", "c", nullable=False, existing_nullable=False)',
        'op.alter_column("t", "c", type_=sa.Text(), existing_type=sa.Text)',
        'op.alter_column("t", "c", server_default=False)',
        'op.alter_column("t", "c", comment="why")',
    ],
)
def test_alter_column_that_changes_nothing_is_no_change(call: str) -> None:
    assert _detect(_revision_text(call)).changes == ()


def test_unique_index_records_its_table() -> None:
    change = _one(
        _detect(_revision_text('op.create_index("ix_u", "Users", ["Email"], unique=True)'))
    )
    assert (change.kind, change.name, change.table, change.columns, change.unique) == (
        "index",
        "ix_u",
        "users",
        ("email",),
        True,
    )


def test_if_not_exists_keyword_guards_the_call() -> None:
    change = _one(_detect(_revision_text('op.create_table("t", if_not_exists=True)')))
    assert (change.guarded, change.guard) == (True, 9)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        ("op.drop_table(name)", "op.drop_table(): the table name 'name' is not a literal string"),
        ('op.add_column(f"t_{x}", sa.Column("c", sa.Text))', "the table name is an f-string"),
        ('op.add_column("t", make_column())', "the column is not a literal sa.Column(...)"),
        ('op.create_table("t", *cols)', "its columns are not written out literally"),
        ('op.create_table("t", id_column())', "id_column() is not a literal sa.Column(...)"),
    ],
)
def test_non_literal_names_are_mig301(call: str, fragment: str) -> None:
    result = _detect(_revision_text(call))
    assert [p.code for p in result.problems] == ["MIG301"]
    assert fragment in result.problems[0].message
    assert result.problems[0].line == 9


def test_helper_operations_report_at_their_own_line_guarded_at_the_call() -> None:
    head = """
        def _add(table, column, *, guarded=True):
            if guarded and "x" in sa.inspect(op.get_bind()).get_table_names():
                return
            op.add_column(table, column)
    """
    text = _revision_text('_add("users", sa.Column("nick", sa.Text()))', head=head)
    change = _one(_detect(text))
    assert (change.name, change.line, change.guarded, change.guard) == (
        "users.nick",
        text.splitlines().index("    op.add_column(table, column)") + 1,
        True,
        _line(text),
    )


def test_recursive_helpers_stop() -> None:
    head = """
        def _loop(n):
            op.drop_table("t")
            _loop(n)
    """
    result = _detect(_revision_text("_loop(1)", head=head))
    assert _names(result) == [("table", "t", "dropped")]


# --- literal SQL hand-off ------------------------------------------------------------------


def test_literal_sql_reaches_the_sql_detector(sql_calls: list[dict[str, Any]]) -> None:
    head = 'PURGE = "DELETE FROM jobs"\n'
    text = _revision_text(
        """
        op.execute(sa.text(PURGE))
        if "x" not in sa.inspect(op.get_bind()).get_table_names():
            op.get_bind().execute(
                "UPDATE t SET a = 1"
            )
        """,
        head=head,
    )
    result = _detect(text)
    assert result.problems == ()
    assert [
        (c["sql"], c["line"], c["guarded"], c["guard"], c["migration"], c["source"])
        for c in sql_calls
    ] == [
        ("DELETE FROM jobs", 10, False, None, "abc123", "alembic"),
        ("UPDATE t SET a = 1", 13, True, 11, "abc123", "alembic"),
    ]
    assert {c["dialect"] for c in sql_calls} == {"sqlite"}


def test_sql_chosen_per_dialect_is_analysed_on_both_branches(
    sql_calls: list[dict[str, Any]],
) -> None:
    text = _revision_text(
        """
        if op.get_bind().dialect.name == "sqlite":
            stmt = "DELETE FROM a"
        else:
            stmt = "TRUNCATE b"
        op.execute(stmt)
        """
    )
    assert _detect(text).problems == ()
    assert [c["sql"] for c in sql_calls] == ["DELETE FROM a", "TRUNCATE b"]


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ('f"DELETE FROM {t}"', "it is an f-string"),
        ('"DELETE FROM " + t', "it concatenates a value that is not a literal string"),
        ('"DELETE FROM {}".format(t)', "str.format() with values that are not literals"),
        ('"DELETE FROM %s" % t', "%-formatting with values that are not literals"),
        ("sa.text(t)", "'t' is not a literal string"),
        ("build()", "it is not a literal string"),
    ],
)
def test_dynamic_sql_is_mig301(statement: str, why: str, sql_calls: list[dict[str, Any]]) -> None:
    result = _detect(_revision_text(f"t = pick()\nop.execute({statement})"))
    assert sql_calls == []
    (problem,) = result.problems
    assert problem.code == "MIG301"
    assert problem.message.startswith("cannot analyze dynamic SQL in op.execute(): ")
    assert why in problem.message
    assert (problem.line, problem.column) == (10, 5)


F_STRING_NAMES = 'NAME = "users"\nPREFIX = "old_"\nCOUNT = 3\n'


@pytest.mark.parametrize(
    ("statement", "folded"),
    [
        ('f"DROP TABLE {NAME}"', "DROP TABLE users"),
        ('f"DROP TABLE {NAME!s}"', "DROP TABLE users"),
        ('f"DROP TABLE {PREFIX + NAME}"', "DROP TABLE old_users"),
        ("f\"DROP TABLE {f'{PREFIX}{NAME}'}\"", "DROP TABLE old_users"),
        ('f"DROP TABLE {NAME!r}"', None),
        ('f"DROP TABLE {NAME:>8}"', None),
        ('f"DROP TABLE {pick()}"', None),
        ('f"DROP TABLE {COUNT}"', None),
    ],
)
def test_f_string_sql_folds_exactly_when_every_part_does(
    statement: str, folded: str | None, sql_calls: list[dict[str, Any]]
) -> None:
    result = _detect(_revision_text(f"op.execute({statement})", head=F_STRING_NAMES))
    if folded is None:
        assert sql_calls == []
        (problem,) = result.problems
        assert problem.message.endswith(
            "it is an f-string, so the analysis is incomplete here; write literal SQL or add a "
            "data plan"
        )
    else:
        assert result.problems == ()
        assert [call["sql"] for call in sql_calls] == [folded]
    # The env and paths detectors read the same f-string the same way: one evaluator.
    tree = ast.parse(f"{F_STRING_NAMES}VALUE = {statement}\n")
    assign = tree.body[-1]
    assert isinstance(assign, ast.Assign)
    assert py.Folder(py.Module(tree), PATH).value(assign.value) == folded


def test_f_string_table_name_of_literal_parts_is_the_table() -> None:
    text = _revision_text('op.drop_table(f"{PREFIX}{NAME}")', head=F_STRING_NAMES)
    assert _names(_detect(text)) == [("table", "old_users", "dropped")]


def test_dynamic_sql_that_only_reads_is_not_reported(sql_calls: list[dict[str, Any]]) -> None:
    text = _revision_text('rows = op.get_bind().execute(sa.text(f"SELECT id FROM {t}"))')
    assert _detect(text).problems == ()
    assert sql_calls == []


# --- existence guards ----------------------------------------------------------------------

# (upgrade body, offset of the guarding statement in it)
GUARDED = [
    ('if "t" not in sa.inspect(op.get_bind()).get_table_names():\n    {op}', 0),
    ('insp = sa.inspect(op.get_bind())\nif not insp.has_table("t"):\n    {op}', 1),
    ('cols = {{c["name"] for c in insp.get_columns("t")}}\nif "c" not in cols:\n    {op}', 1),
    ('ix = [i["name"] for i in insp.get_indexes("t")]\nif "ix" not in ix:\n    {op}', 1),
    ('if not insp.get_unique_constraints("t"):\n    {op}', 0),
    ('if not insp.has_index("t", "ix"):\n    {op}', 0),
    ('if not has_column("t", "c"):\n    {op}', 0),
    ('if "t" in insp.get_table_names():\n    pass\nelse:\n    {op}', 0),
    ('if "t" in insp.get_table_names():\n    return\n{op}', 0),
    ('for t in ("a",):\n    if t in insp.get_table_names():\n        continue\n    {op}', 1),
    (
        "seen = set()\nfor c in insp.get_columns('t'):\n    seen.add(c['name'])\n"
        "if 'c' not in seen:\n    {op}",
        3,
    ),
    (
        "row = op.get_bind().execute(sa.text(\"SELECT 1 FROM sqlite_master WHERE name='t'\"))\n"
        "if row.first() is None:\n    {op}",
        1,
    ),
    ('if not _exists("t"):\n    {op}', 0),
    ('if not _exists_transitively("t"):\n    {op}', 0),
    ('if not table_exists("t"):\n    {op}', 0),
    ('if not _exists_sql("t"):\n    {op}', 0),
    (
        "found = {{}}\nfor c in insp.get_columns('t'):\n    found[c['name']] = c\n"
        "if 'c' not in found:\n    {op}",
        3,
    ),
]
HELPERS = """
    def _exists(name):
        return name in sa.inspect(op.get_bind()).get_table_names()


    def _exists_transitively(name):
        return _exists(name)


    def _exists_sql(name):
        query = sa.text("SELECT name FROM sqlite_master WHERE type = 'table' AND name = :n")
        return op.get_bind().execute(query, {"n": name}).first() is not None
"""
NOT_GUARDED = [
    'if op.get_bind().dialect.name == "sqlite":\n    {op}',
    'if op.get_bind().dialect.name != "sqlite":\n    pass\nelse:\n    {op}',
    "if context.is_offline_mode():\n    {op}",
    'if _plain("t"):\n    {op}',
    'if "t" in insp.get_table_names():\n    pass\n{op}',
    'if op.get_bind().dialect.name == "sqlite":\n    return\n{op}',
    'names = ["t"]\nif "t" not in names:\n    {op}',
]
GUARD_CTX = DetectContext(config=Config(guard_functions=("helpers.table_exists",)))


@pytest.mark.parametrize(("body", "offset"), GUARDED)
def test_operation_inside_existence_guard_is_guarded(body: str, offset: int) -> None:
    op = 'op.create_table("t", sa.Column("id", sa.Integer))'
    text = _revision_text(body.format(op=op), head=HELPERS)
    result = _detect(text, ctx=GUARD_CTX)
    assert [(c.guarded, c.guard) for c in result.changes] == [(True, _line(text, offset))] * 2


@pytest.mark.parametrize("body", NOT_GUARDED)
def test_operation_outside_existence_guard_is_not_guarded(body: str) -> None:
    head = "def _plain(x):\n    return x\n"
    op = 'op.create_table("t", sa.Column("id", sa.Integer))'
    result = _detect(_revision_text(body.format(op=op), head=head), ctx=GUARD_CTX)
    assert [(c.guarded, c.guard) for c in result.changes] == [(False, None)] * 2


def test_guard_function_must_be_configured() -> None:
    text = _revision_text('if not table_exists("t"):\n    op.drop_table("t")')
    assert _one(_detect(text)).guarded is False
    assert _one(_detect(text, ctx=GUARD_CTX)).guarded is True


# --- loops ----------------------------------------------------------------------------------


def test_loop_over_literal_tuple_is_expanded() -> None:
    text = _revision_text(
        'for col in ("a", "b"):\n    op.add_column("t", sa.Column(col, sa.Text()))'
    )
    assert _names(_detect(text)) == [("column", "t.a", "added"), ("column", "t.b", "added")]


def test_loop_over_unknown_values_is_mig301() -> None:
    text = _revision_text('for col in cols():\n    op.drop_column("t", col)')
    result = _detect(text)
    assert result.changes == ()
    assert [(p.code, p.line) for p in result.problems] == [("MIG301", 10)]


# --- modified, renamed, copied, deleted revisions -------------------------------------------

OLD = _revision_text(
    """
    op.add_column("users", sa.Column("phone", sa.String(20)))
    op.execute("UPDATE users SET phone = ''")
    """
)


def test_modified_revision_contributes_only_the_new_operation() -> None:
    new = OLD.replace(
        "    op.execute(", '    op.drop_column("users", "fax")\n    op.execute(', 1
    ).replace("import sqlalchemy as sa\n", "import sqlalchemy as sa\n\n# reformatted\n")
    result = _detect(new, old=OLD)
    assert _names(result) == [("column", "users.fax", "dropped")]
    assert result.edited is True


def test_comment_and_docstring_edit_is_not_an_edit() -> None:
    new = '"""A new docstring."""\n' + OLD.replace(
        "def upgrade():\n", 'def upgrade():\n    """Explain."""\n    # a comment\n'
    ).replace('"users"', "'users'")
    result = _detect(new, old=OLD)
    assert (result.changes, result.problems, result.edited) == ((), (), False)


def test_changed_argument_makes_the_operation_new() -> None:
    result = _detect(OLD.replace("sa.String(20)", "sa.String(40)"), old=OLD)
    assert _names(result) == [("column", "users.phone", "added")]
    assert result.edited is True


def test_changed_constant_makes_the_sql_new(sql_calls: list[dict[str, Any]]) -> None:
    old = _revision_text("op.execute(SQL)", head='SQL = "DELETE FROM a"')
    new = old.replace("DELETE FROM a", "DELETE FROM b")
    assert _detect(new, old=old).edited is True
    assert [c["sql"] for c in sql_calls] == ["DELETE FROM b"]
    sql_calls.clear()
    assert _detect(old, old=old).edited is False
    assert sql_calls == []


def test_names_are_compared_by_their_values() -> None:
    chain = "n0 = 'jobs'\n" + "".join(f"n{i + 1} = n{i}\n" for i in range(8))
    old = _revision_text(chain + "op.drop_table(n8)")
    assert _detect(old, old=old).changes == ()
    new = old.replace("n8 = n7", "n8 = 'tags'")
    assert _names(_detect(new, old=old)) == [("table", "tags", "dropped")]


def test_duplicated_operation_is_not_new_in_meaning() -> None:
    new = OLD.replace(
        "    op.execute(",
        '    op.add_column("users", sa.Column("phone", sa.String(20)))\n    op.execute(',
    )
    result = _detect(new, old=OLD)
    assert (result.changes, result.edited) == ((), True)


def test_renamed_revision_is_compared_with_its_old_text() -> None:
    result = _detect(OLD, old=OLD, status="renamed")
    assert (result.changes, result.edited) == ((), False)


def test_revision_with_a_new_id_is_a_new_migration(sql_calls: list[dict[str, Any]]) -> None:
    new = OLD.replace('revision = "abc123"', 'revision = "def456"')
    result = _detect(new, old=OLD, status="renamed")
    assert _names(result) == [("column", "users.phone", "added")]
    assert result.edited is True


def test_copied_revision_is_never_an_edit(sql_calls: list[dict[str, Any]]) -> None:
    new = OLD.replace('revision = "abc123"', 'revision = "def456"')
    result = _detect(new, old=OLD, status="copied")
    assert (len(result.changes), result.edited) == (1, False)


def test_deleted_revision_is_an_edit() -> None:
    change = FileChange(status="deleted", path=PATH, old_text=OLD, loaded=True)
    result = DETECTOR.detect(change, CTX)
    assert (result.changes, result.edited, result.revision) == ((), True, None)


def test_old_side_that_did_not_parse_counts_everything(sql_calls: list[dict[str, Any]]) -> None:
    result = _detect(OLD, old="def upgrade(:\n")
    assert _names(result) == [("column", "users.phone", "added")]
    assert result.edited is True


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (FileChange(status="added", path=PATH, binary=True), "binary"),
        (FileChange(status="added", path=PATH, too_large=True), "max_file_bytes"),
        (FileChange(status="added", path=PATH, new_text="x = '\0'\n"), "invalid Python s"),
        (
            FileChange(status="added", path=PATH, new_text="def upgrade(:\n"),
            "invalid Python syntax",
        ),
    ],
)
def test_unreadable_file_is_one_mig301(change: FileChange, why: str) -> None:
    result = DETECTOR.detect(change, CTX)
    assert [p.code for p in result.problems] == ["MIG301"]
    assert why in result.problems[0].message
    assert result.changes == ()


def test_undecodable_file_is_reported_and_still_read() -> None:
    change = FileChange(
        status="added",
        path=PATH,
        new_text="# caf\ufffd\n" + _revision_text('op.drop_table("t")'),
        undecodable=True,
    )
    result = DETECTOR.detect(change, CTX)
    assert [p.code for p in result.problems] == ["MIG301"]
    assert _names(result) == [("table", "t", "dropped")]


def test_expression_too_deep_for_the_parser_is_mig301() -> None:
    text = _revision_text("op.execute(" + " + ".join(['"x"'] * 100_000) + ")")
    result = _detect(text)
    assert [p.code for p in result.problems] == ["MIG301"]
    assert result.changes == ()


def test_expression_too_deep_to_dump_is_compared_by_meaning_not_a_crash() -> None:
    # Parses, but is deeper than ast.dump can go on CPython 3.11 (newer parsers may refuse it).
    deep = _revision_text("op.execute(" + " + ".join(['"x"'] * 1500) + ")")
    assert [p.code for p in _detect(deep).problems] == ["MIG301"]
    result = _detect(deep.replace("down_revision = None", 'down_revision = "a0"'), old=deep)
    # The same unreadable statement as at the base: the edit is MIG202, not a new MIG301.
    assert (result.problems, result.edited) == ((), True)


def test_last_resort_recursion_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(change: FileChange, ctx: DetectContext) -> DetectorResult:
        raise RecursionError

    monkeypatch.setattr(alembic, "_detect", explode)
    result = _detect("revision = 'x'\n")
    assert [(p.code, p.line) for p in result.problems] == [("MIG301", 1)]


def test_code_after_a_branch_that_always_leaves_is_skipped() -> None:
    text = _revision_text(
        'if cond():\n    return\nelse:\n    raise ValueError\nop.drop_table("dead")'
    )
    assert _detect(text).changes == ()


def test_unloaded_file_yields_nothing() -> None:
    assert DETECTOR.detect(FileChange(status="added", path=PATH), CTX) == DetectorResult()


def test_output_is_deterministic() -> None:
    text = (FIXTURES / "guarded_add_column.py").read_text("utf-8")
    assert _detect(text) == _detect(text)


def test_large_modified_revision_is_fast() -> None:
    ops = "\n".join(
        f'op.add_column("t{i % 40}", sa.Column("c{i}", sa.String({i}), nullable=True))'
        for i in range(2000)
    )
    old = _revision_text(ops)
    new = _revision_text(ops + '\nop.drop_table("gone")')
    start = time.process_time()
    result = _detect(new, old=old)
    assert _names(result) == [("table", "gone", "dropped")]
    assert time.process_time() - start < 5


# --- read_revision --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('revision = "a1"\ndown_revision = "a0"\n', ("a1", ("a0",), 1)),
        ('x = 1\nrevision: str = "a1"\ndown_revision: Union[str, None] = None\n', ("a1", (), 2)),
        ("revision = 'm'\ndown_revision = ('a', 'b')\n", ("m", ("a", "b"), 1)),
        ("revision = 'm'\ndown_revision = ['a', 'b']\n", ("m", ("a", "b"), 1)),
        ("\ufeffrevision = 'b'\r\ndown_revision = 'a'", ("b", ("a",), 1)),
        ("revision = 'only'\n", ("only", (), 1)),
        ("a, b = 1, 2\nx.y = 3\nrevision = 'r'\n", ("r", (), 3)),
    ],
)
def test_read_revision(text: str, expected: tuple[str, tuple[str, ...], int]) -> None:
    revision = read_revision(PATH, text)
    assert revision is not None
    assert (revision.revision, revision.down_revisions, revision.line) == expected
    assert revision.path == PATH


@pytest.mark.parametrize(
    "text",
    [
        "",
        "down_revision = 'a'\n",
        "revision = make_id()\n",
        "revision = None\n",
        "def f(:\n",
        "x = '\0'\n",
        "def upgrade():\n    revision = 'inner'\n",
    ],
)
def test_read_revision_of_a_non_revision_is_none(text: str) -> None:
    assert read_revision(PATH, text) is None


# --- alembic.ini ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ini_path", "ini", "expected"),
    [
        ("alembic.ini", "[alembic]\nscript_location = alembic\n", ("alembic/versions/",)),
        (
            "backend/alembic.ini",
            "[alembic]\nscript_location = %(here)s/alembic\n",
            ("backend/alembic/versions/",),
        ),
        (
            "backend/alembic.ini",
            "[alembic]\nscript_location = ./migrations\n",
            ("backend/migrations/versions/",),
        ),
        (
            "alembic.ini",
            "[alembic]\nscript_location = myapp.db:migrations\n",
            ("myapp/db/migrations/versions/",),
        ),
        (
            "svc/alembic.ini",
            "\ufeff[alembic]\r\nscript_location = db\r\n"
            "version_locations = %(here)s/db/versions %(here)s/extra/versions\r\n",
            ("svc/db/versions/", "svc/extra/versions/"),
        ),
        (
            "alembic.ini",
            "[alembic]\nscript_location = alembic\nversion_path_separator = ;\n"
            "version_locations = a/versions;b/versions\n",
            ("alembic/versions/", "a/versions/", "b/versions/"),
        ),
        (
            "alembic.ini",
            "[alembic]\nscript_location = alembic\npath_separator = newline\n"
            "version_locations =\n    one\n    two\n",
            ("alembic/versions/", "one/", "two/"),
        ),
        ("alembic.ini", "[alembic]\nscript_location = /srv/app/alembic\n", ()),
        ("alembic.ini", "[alembic]\nscript_location = :versions\n", ()),
        ("app/alembic.ini", "[alembic]\nscript_location = ../..\n", ()),
        ("app/alembic.ini", "[alembic]\nscript_location = ..\n", ("versions/",)),
        ("app/alembic.ini", "[alembic]\nscript_location = .\n", ("app/versions/",)),
        (
            "alembic.ini",
            "[alembic]\nscript_location = a\nversion_path_separator = space\n"
            "version_locations = x/v /abs/v\n",
            ("a/versions/", "x/v/"),
        ),
        (
            "alembic.ini",
            "[alembic]\nscript_location = a\nversion_path_separator = os\n"
            "version_locations = x/v:y/v\n",
            ("a/versions/", "x/v/", "y/v/"),
        ),
        ("alembic.ini", "[alembic]\nscript_location = ../elsewhere\n", ()),
        ("alembic.ini", "[loggers]\nkeys = root\n", ()),
        ("alembic.ini", "script_location = alembic\n", ()),
        (
            "alembic.ini",
            "[alembic]\nscript_location = a\n\n[reports]\nscript_location = b\n",
            ("a/versions/", "b/versions/"),
        ),
        # Interpolated as Alembic's ConfigParser does: same section, [DEFAULT], %(here)s.
        (
            "svc/alembic.ini",
            "[alembic]\nroot = %(here)s/db\nscript_location = %(root)s/migrations\n",
            ("svc/db/migrations/versions/",),
        ),
        (
            "alembic.ini",
            "[DEFAULT]\nbase = app\n\n[alembic]\nscript_location = %(base)s/alembic\n"
            "version_locations = %(base)s/extra %(base)s/more\n",
            ("app/alembic/versions/", "app/extra/", "app/more/"),
        ),
    ],
)
def test_version_dirs_from_ini(ini_path: str, ini: str, expected: tuple[str, ...]) -> None:
    assert version_dirs_from_ini(ini_path, ini) == expected


# --- claims ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "ctx", "claimed"),
    [
        ("alembic/versions/0001_init.py", CTX, True),
        ("backend/alembic/versions/0001_init.py", CTX, True),
        ("backend/alembic/versions/__init__.py", CTX, False),
        ("backend/alembic/versions/README", CTX, False),
        ("backend/alembic/env.py", CTX, False),
        ("backend/migrations/versions/0001.py", CTX, False),
        (
            "backend/migrations/versions/0001.py",
            DetectContext(config=Config(), alembic_dirs=("backend/migrations/versions/",)),
            True,
        ),
        (
            "db/revs/0001.py",
            DetectContext(config=Config(sources={"alembic": ("db/revs/*.py",)})),
            True,
        ),
        (
            "alembic/versions/0001.py",
            DetectContext(config=Config(sources={"alembic": ("db/revs/*.py",)})),
            False,
        ),
    ],
)
def test_claims(path: str, ctx: DetectContext, claimed: bool) -> None:
    assert DETECTOR.claims(path, ctx) is claimed
    assert DETECTOR.name == "alembic"
