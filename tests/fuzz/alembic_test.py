"""Fuzz: the Alembic detector on generated revisions and arbitrary Python-ish text (docs/usage.md).

Generated revisions are valid Python built from the operations the detector knows, with
hostile literals, dynamic SQL, guards and batch contexts, so the analysis itself (not only
the syntax-error path) meets odd input.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint.detectors import alembic
from selenite_inventory_lint.detectors.alembic.records import OP_METHODS
from selenite_inventory_lint.model import FileChange

from . import budget
from .strategies import check_result, content, context, file_change, file_changes, mixed

TARGET = "alembic detector"
SHARE = budget.share(4)
CODES = frozenset({"MIG301"})
PATH = "migrations/versions/0002_next.py"

NAMES = st.sampled_from(("users", "t", "jobs", "x" * 70, "", "a b", "é", "_alembic_tmp_t"))
STRINGS = st.one_of(NAMES, st.text(max_size=12), mixed(("DROP TABLE t", "UPDATE t SET a=1", ";")))
TYPES = st.sampled_from(
    ("sa.Integer()", "sa.String(30)", "sa.Text", "sa.Boolean()", "Foo()", "sa.Enum('a', 'b')", "1")
)
# The op methods the walker maps, and two it must pass over.
OPS = (*sorted(OP_METHODS), "bulk_insert", "get_bind")


_LEAVES = st.one_of(
    STRINGS.map(repr),
    STRINGS.map(lambda s: f"f{s!r}"),
    st.sampled_from(("name", "None", "True", "0", "-1", "...", "TABLE", "op")),
    st.tuples(STRINGS, TYPES, st.booleans()).map(
        lambda t: f"sa.Column({t[0]!r}, {t[1]}, nullable={t[2]})"
    ),
    STRINGS.map(lambda s: f"sa.text({s!r})"),
    STRINGS.map(lambda s: f"{s!r} + name"),
    STRINGS.map(lambda s: f"{s!r}.format(x)"),
)
EXPRESSIONS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        inner.map(lambda e: f"[{e}]"),
        inner.map(lambda e: f"({e},)"),
        st.tuples(inner, inner).map(lambda t: f"{{{t[0]}: {t[1]}}}"),
        inner.map(lambda e: f"sa.Column({e})"),
    ),
    max_leaves=4,
)


@st.composite
def statements(draw: st.DrawFn, depth: int = 0) -> list[str]:
    op = draw(st.sampled_from(OPS))
    args = ", ".join(draw(st.lists(EXPRESSIONS, max_size=4)))
    keywords = ", ".join(
        f"{key}={draw(EXPRESSIONS)}"
        for key in draw(
            st.lists(
                st.sampled_from(
                    ("type_", "nullable", "new_column_name", "server_default", "unique", "recreate")
                ),
                max_size=2,
                unique=True,
            )
        )
    )
    arguments = ", ".join(a for a in (args, keywords) if a)
    call = f"op.{op}({arguments})"
    kind = draw(st.integers(0, 9)) if depth < 2 else 0
    if kind >= 8:
        return draw(_indirect(op, arguments, depth))
    if kind == 1:
        body = [f"    {line}" for line in draw(statements(depth + 1))]
        return [f"if {draw(NAMES)!r} not in inspector.get_table_names():", *body]
    if kind == 2:
        batch = f"with op.batch_alter_table({draw(EXPRESSIONS)}) as batch_op:"
        inner = call.replace("op.", "batch_op.", 1)
        return [batch, f"    {inner}"]
    if kind == 3:
        return [f"name = {draw(EXPRESSIONS)}", call]
    if kind == 4:
        return [f"for name in {draw(EXPRESSIONS)}:", f"    {call}"]
    if kind == 5:
        return ["conn = op.get_bind()", f"conn.execute({draw(EXPRESSIONS)})"]
    if kind == 6:
        body = [f"    {line}" for line in draw(statements(depth + 1))]
        return ["def helper(name):", *body, "helper(name)"]
    return [call]


# The ways a revision can reach an operation without writing `op.<name>(...)`
# (docs/usage.md, Alembic revisions).
_OP_CLASS = {
    "create_table": "CreateTableOp",
    "drop_table": "DropTableOp",
    "add_column": "AddColumnOp",
    "drop_column": "DropColumnOp",
    "rename_table": "RenameTableOp",
    "alter_column": "AlterColumnOp",
    "create_index": "CreateIndexOp",
    "drop_index": "DropIndexOp",
    "execute": "ExecuteSQLOp",
}


@st.composite
def _indirect(draw: st.DrawFn, op: str, arguments: str, depth: int) -> list[str]:
    comma = f", {arguments}" if arguments else ""
    target = draw(EXPRESSIONS)
    forms = [
        [f"getattr(op, {op!r})({arguments})"],
        [f"getattr(op, {target})({arguments})"],
        [f"alias = op.{op}", f"alias({arguments})"],
        [f"functools.partial(op.{op}{comma})()"],
        [f"bound = functools.partial(op.{op})", f"bound({arguments})"],
        [f"Operations.{op}(op{comma})"],
        [f"op.invoke(ops.{_OP_CLASS.get(op, 'DropConstraintOp')}({arguments}))"],
        [f"op.invoke({target})"],
        [f"sa.Table({target}, sa.MetaData()).drop(op.get_bind())"],
        [f"sa.Table({target}, sa.MetaData(), {target}).create(bind=op.get_bind())"],
        ["META.drop_all(op.get_bind())"],
        ["session = Session(bind=op.get_bind())", f"session.query({target}).delete()"],
        [f"session.query({target}).filter(x).update({{{target}: 1}})"],
        [f"session.execute(sa.delete({target}))"],
        [f"with op.batch_alter_table({target}) as batch_op:", "    _with_batch(batch_op)"],
        [f"batch = op.batch_alter_table({target})", f"batch.{op}({arguments})"],
        [f"run = lambda: op.{op}({arguments})", "run()"],
        ["def inner(o):", f"    o.{op}({arguments})", "inner(op)"],
        ["helpers.apply(op)"],
        [f"stash = [op, {target}]", f"stash[0].{op}({arguments})"],
    ]
    if depth < 1:
        nested = [f"    {line}" for line in draw(statements(depth + 1))]
        forms.append(["def closure():", *nested, "closure()"])
    return draw(st.sampled_from(forms))


# Whole-module forms: how upgrade() itself can be spelled, and code Alembic runs on import.
_MODULE_FORMS = st.sampled_from(
    (
        "upgrade = lambda: op.drop_table(TABLE)",
        "upgrade = _real",
        "from app.migrations import upgrade",
        "op.drop_table(TABLE)",
        "@register(op.drop_table(TABLE))\ndef decorated():\n    pass",
        "class Model:\n    __tablename__ = TABLE",
        "",
    )
)
_CODINGS = st.sampled_from(("", "utf-8", "latin-1", "utf-7", "ascii", "no-such-codec", "utf-16"))


@st.composite
def revisions(draw: st.DrawFn) -> str:
    body = [line for block in draw(st.lists(statements(), max_size=6)) for line in block]
    down = draw(st.sampled_from(("None", "'0001'", "('0001', '0003')", "name", "[1]")))
    coding = draw(_CODINGS)
    lines = [
        *([f"# -*- coding: {coding} -*-"] if coding else []),
        "import functools",
        "from alembic import op",
        "from alembic.operations import Operations, ops",
        "import sqlalchemy as sa",
        f"revision = {draw(st.sampled_from(('0002', '', 'x' * 50)))!r}",
        f"down_revision = {down}",
        f"TABLE = {draw(STRINGS)!r}",
        "def _with_batch(b):",
        "    b.drop_column('c')",
        "def _real():",
        "    op.drop_column(TABLE, 'c')",
        "def upgrade():",
        "    inspector = sa.inspect(op.get_bind())",
        *(f"    {line}" for line in body),
        "def downgrade():",
        *(f"    {line}" for line in draw(st.one_of(st.just(["pass"]), statements()))),
        draw(_MODULE_FORMS),
    ]
    return "\n".join(lines) + "\n"


@SHARE
@given(
    name=NAMES,
    form=st.sampled_from(
        (
            "getattr(op, 'drop_table')({t})",
            "drop = op.drop_table\ndrop({t})",
            "functools.partial(op.drop_table, {t})()",
            "Operations.drop_table(op, {t})",
            "op.invoke(ops.DropTableOp({t}))",
            "sa.Table({t}, sa.MetaData()).drop(op.get_bind())",
            "session.query(sa.table({t})).delete()",
            "with op.batch_alter_table({t}) as b:\n    _drop(b)",
            "b = op.batch_alter_table({t})\nb.drop_column('c')",
            "(lambda: op.drop_table({t}))()",
            "getattr(op, NAME)({t})",
            "helpers.run(op, {t})",
            "META.drop_all(op.get_bind())",
        )
    ),
    wrap=st.sampled_from(
        (("", ""), ("if x:", ""), ("for _ in y:", ""), ("try:", "finally:\n    pass"))
    ),
)
@budget.counted(TARGET)
def test_indirect_destructive_operation_is_never_silent(
    name: str, form: str, wrap: tuple[str, str]
) -> None:
    lines = form.format(t=repr(name)).split("\n")
    header, footer = wrap
    if header:
        lines = [header, *(f"    {line}" for line in lines), *footer.split("\n")]
    statement = "\n    ".join(line for line in lines if line)
    text = (
        "import functools\nimport sqlalchemy as sa\nfrom alembic import op\n"
        "from alembic.operations import Operations, ops\nfrom app import helpers\n"
        "revision = '0002'\ndown_revision = '0001'\n"
        "def _drop(batch):\n    batch.drop_column('c')\n"
        f"def upgrade():\n    {statement}\n"
    )
    result = alembic.DETECTOR.detect(file_change(PATH, None, text.encode()), context())
    check_result(result, CODES)
    destructive = [
        c for c in result.changes if c.action == "dropped" or c.operation == "delete_rows"
    ]
    assert destructive or result.problems, text


PYTHONISH = mixed(
    (
        "op.",
        "drop_table(",
        "add_column(",
        "def upgrade():\n    ",
        "revision = ",
        "'t'",
        ")",
        "sa.Column(",
        "if ",
        ":\n    ",
        "with op.batch_alter_table('t') as batch_op:\n        batch_op.",
    ),
    max_tokens=50,
)


@SHARE
@given(new=revisions(), old=st.none() | revisions())
@budget.counted(TARGET)
def test_generated_revisions(new: str, old: str | None) -> None:
    change = file_change(PATH, None if old is None else old.encode(), new.encode())
    check_result(alembic.DETECTOR.detect(change, context()), CODES)


@SHARE
@given(text=revisions(), cut=st.integers(0, 2000), noise=PYTHONISH)
@budget.counted(TARGET)
def test_revisions_cut_and_spliced(text: str, cut: int, noise: str) -> None:
    spliced = text[:cut] + noise + text[cut:]
    change = file_change(PATH, None, spliced.encode())
    check_result(alembic.DETECTOR.detect(change, context()), CODES)
    alembic.read_revision(PATH, spliced)


@SHARE
@given(change=file_changes((PATH, "migrations/versions/0003.py"), PYTHONISH))
@budget.counted(TARGET)
def test_any_file_change(change: FileChange) -> None:
    check_result(alembic.DETECTOR.detect(change, context()), CODES)


@SHARE
@given(
    ini=content(
        mixed(
            (
                "[alembic]\n",
                "[DEFAULT]\n",
                "script_location = ",
                "root = ",
                "%(here)s/",
                "%(root)s/",
                "%(",
                "%%",
                "version_locations = ",
                "../",
                "pkg:dir",
                " ",
                ",",
                "\n",
                "/abs",
                "[",
                "]",
            )
        )
    )
)
@budget.counted(TARGET)
def test_alembic_ini(ini: bytes) -> None:
    dirs = alembic.version_dirs_from_ini("backend/alembic.ini", ini.decode("utf-8", "replace"))
    assert all(d.endswith("/") and not d.startswith(("/", "../")) for d in dirs)
