"""Common migration statements read from one regex lexing, without sqlglot (docs/performance.md).

CREATE TABLE with plain columns and constraints, ALTER TABLE … ADD/DROP/RENAME COLUMN, RENAME
TO and ALTER COLUMN … TYPE, CREATE/DROP INDEX, DROP TABLE/TRIGGER, UPDATE, DELETE, INSERT …
VALUES and INSERT … SELECT (with joins, unions, subqueries and WITH queries of the same plain
SELECT), COMMENT ON, BEGIN/COMMIT/ROLLBACK. ``read`` gives the same ``Statement`` the sqlglot
path gives (its key, changes, table and copy), or None for anything it does not recognise
exactly: that statement goes to sqlglot as before, which also judges whether it is well
formed. The forms are strict on purpose: an unknown word, a quoting style, an escape or a
construct the grammar does not name is a miss, never a guess. ``cursor`` holds the tokens and
the expression and SELECT grammar; this module, the statements.
``tests/detectors/sql_reader_test.py`` compares both paths statement by statement over
generated forms and near misses in every dialect.
"""

from __future__ import annotations

from selenite_inventory_lint.detectors.sql.cursor import (
    DEPTH,
    LITERAL_WORDS,
    Miss,
    Reader,
    alias,
    key,
    lex,
    select,
    table_source,
)
from selenite_inventory_lint.detectors.sql.nodes import Copy, Emitter, column_def, keyed
from selenite_inventory_lint.schema import Column, Table

# The dialects whose spelling the forms below follow; others always go to sqlglot.
DIALECTS = frozenset({"sqlite", "postgres", "mysql"})
_CONSTRAINT_WORDS = frozenset(
    {"not", "null", "primary", "unique", "default", "check", "references"}
)
_REFERENTIAL = (("cascade",), ("restrict",), ("set", "null"), ("set", "default"), ("no", "action"))


def read(
    chunk: str, dialect: str, emitter: Emitter
) -> tuple[str, Table | None, Copy | None] | None:
    """The key, table and copy of a statement of a known form, its changes added to
    ``emitter``; None (and no change added) when it is not one."""
    tokens = lex(chunk)
    if not tokens:
        return None
    reader = Reader(tokens, dialect, chunk)
    try:
        table, copy = _statement(reader, emitter)
    except Miss:
        emitter.changes.clear()
        return None
    if "'" in chunk or '"' in chunk:
        return key(tokens), table, copy
    return " ".join(tokens), table, copy


def _statement(r: Reader, e: Emitter) -> tuple[Table | None, Copy | None]:
    if r.take("with"):
        # Common table expressions before an UPDATE, DELETE or INSERT: queries, named.
        r.take("recursive")
        while True:
            r.plain()
            if r.peek() == "(":
                r.names()
            r.need("as", "(")
            select(r)
            r.need(")")
            if not r.take(","):
                break
        if r.peek() not in ("update", "delete", "insert"):
            raise Miss
    first = r.peek()
    if first == "create":
        r.pos += 1
        if r.take("table"):
            return _create_table(r, e), None
        unique = r.take("unique")
        r.need("index")
        _create_index(r, e, unique=unique)
    elif first == "alter":
        r.pos += 1
        r.need("table")
        _alter(r, e)
    elif first == "drop":
        r.pos += 1
        _drop(r, e)
    elif first == "update":
        r.pos += 1
        _update(r, e)
    elif first == "delete":
        r.pos += 1
        r.need("from")
        table = r.name()
        alias(r)
        where = r.take("where")
        if where:
            r.expression()
        r.done()
        e.add("table", table, "altered", "delete_rows", where=where)
    elif first == "insert":
        r.pos += 1
        return None, _insert(r, e)
    elif first == "comment":
        # COMMENT ON TABLE|COLUMN name IS 'text': documentation, no data.
        r.pos += 1
        r.need("on")
        if not (r.take("table") or r.take("column")):
            raise Miss
        r.name()
        r.need("is")
        if r.peek()[:1] != "'":
            raise Miss
        r.pos += 1
        r.done()
    elif first in ("begin", "commit", "rollback"):
        r.pos += 1
        if first != "rollback" and not r.take("transaction"):
            r.take("work")
        r.done()
    else:
        raise Miss
    return None, None


def _create_table(r: Reader, e: Emitter) -> Table:
    guarded = r.takes("if", "not", "exists")
    name = r.name()
    r.need("(")
    specs: list[Column] = []
    keys: set[str] = set()
    uniques: set[str] = set()
    while True:
        named = r.take("constraint")
        if named:
            r.name()
        if r.takes("primary", "key"):
            keys.update(r.names())
        elif r.take("unique"):
            named_columns = r.names()
            if len(named_columns) == 1:
                uniques.add(named_columns[0])
        elif r.take("check"):
            r.list()
        elif r.takes("foreign", "key"):
            r.names()
            r.need("references")
            _references(r)
        elif named:
            raise Miss
        else:
            specs.append(_column(r, line=e.line + r.line(r.pos) - 1, position=len(specs)))
        if r.take(")"):
            break
        r.need(",")
    r.done()
    columns = keyed(specs, keys, uniques)
    e.created_table(name, columns, guarded=guarded)
    by_name = {c.name: c for c in columns}
    if len(by_name) == len(columns):
        # Numbered as read, so Table need not copy every column to number it (with a name
        # given twice, it numbers them as its own dict holds them).
        return Table(name=name, columns=by_name, line=e.line, added=len(by_name))
    return Table(name=name, columns=by_name, line=e.line)


def _column(r: Reader, *, line: int = 1, position: int = 0) -> Column:
    """``name type constraint…`` as ``ddl.column_spec`` reads it."""
    name = r.plain()
    type_ = r.column_type()
    nullable = True
    has_default = primary_key = unique = False
    tokens = r.tokens
    while True:
        word = tokens[r.pos]
        if word not in _CONSTRAINT_WORDS:
            break
        r.pos += 1
        if word == "not":
            r.need("null")
            nullable = False
        elif word == "null":
            nullable = True
        elif word == "primary":
            r.need("key")
            primary_key = True
        elif word == "unique":
            unique = True
        elif word == "default":
            has_default = True
            _default(r)
        elif word == "check":
            r.list()
        else:
            _references(r)
    return column_def(name, type_, nullable, has_default, primary_key, unique, line, position)


def _default(r: Reader) -> None:
    """One value: a literal, a negative number, a call or a parenthesised expression."""
    if r.take("-") and not r.peek()[:1].isdigit():
        raise Miss
    token = r.peek()
    literal = token == "(" or token[:1] in ("'", *"0123456789") or token in LITERAL_WORDS
    if not literal and not (r.peek(1) == "(" and r.is_name()):
        raise Miss
    r.atom()


def _references(r: Reader) -> None:
    """What follows REFERENCES: a table, its columns, ON DELETE / ON UPDATE actions."""
    r.name()
    if r.peek() == "(":
        r.names()
    while r.take("on"):
        if not (r.take("delete") or r.take("update")):
            raise Miss
        if not any(r.takes(*action) for action in _REFERENTIAL):
            raise Miss


def _create_index(r: Reader, e: Emitter, *, unique: bool) -> None:
    if r.dialect == "postgres":
        r.take("concurrently")
    guarded = r.takes("if", "not", "exists")
    name = r.plain() if r.peek() != "on" else None
    r.need("on")
    table = r.name()
    r.need("(")
    columns = []
    while True:
        columns.append(r.plain())
        if not r.take("asc"):
            r.take("desc")
        if r.take(")"):
            break
        r.need(",")
    if r.take("where"):
        r.expression()
    r.done()
    e.created_index(name, table, tuple(columns), unique=unique, guarded=guarded)


def _drop(r: Reader, e: Emitter) -> None:
    if r.take("table"):
        guarded = r.takes("if", "exists")
        names = [r.name()]
        while r.take(","):
            names.append(r.name())
        _cascade(r)
        for name in names:
            e.add("table", name, "dropped", "drop_table", if_exists=guarded)
        return
    if r.dialect != "mysql" and r.take("trigger"):
        # A trigger holds no data; postgres names its table, SQLite does not.
        r.takes("if", "exists")
        r.name()
        if r.dialect == "postgres":
            r.need("on")
            r.name()
        r.done()
        return
    r.need("index")
    if r.dialect == "postgres":
        r.take("concurrently")
    guarded = r.takes("if", "exists")
    name = r.name()
    _cascade(r)
    e.add("index", name, "dropped", "drop_index", if_exists=guarded, table=None)


def _cascade(r: Reader) -> None:
    if r.dialect == "postgres" and not r.take("cascade"):
        r.take("restrict")
    r.done()


def _alter(r: Reader, e: Emitter) -> None:
    table = r.name()
    if r.take("add"):
        r.take("column")
        guarded = r.takes("if", "not", "exists")
        spec = _column(r)
        r.done()
        e.added_column(table, spec, guarded=guarded)
    elif r.takes("drop", "column"):
        guarded = r.takes("if", "exists")
        column = r.plain()
        _cascade(r)
        e.add("column", f"{table}.{column}", "dropped", "drop_column", if_exists=guarded)
    elif r.takes("rename", "column"):
        old = r.plain()
        r.need("to")
        new = r.plain()
        r.done()
        e.renamed_column(table, old, new, guarded=False)
    elif r.takes("rename", "to"):
        new = r.plain()
        r.done()
        if new != table:
            e.add("table", new, "renamed", "rename_table", old_name=table, if_exists=False)
    elif r.dialect == "postgres" and r.takes("alter", "column"):
        column = r.plain()
        r.need("type")
        type_ = r.column_type()
        if r.take("using"):
            r.expression()
        r.done()
        e.altered_column(table, column, type_=type_, nullable=None, has_default=None, guarded=False)
    else:
        raise Miss


def _update(r: Reader, e: Emitter) -> None:
    table = r.name()
    alias(r)
    r.need("set")
    columns = []
    while True:
        columns.append(r.plain())
        r.need("=")
        r.expression()
        if not r.take(","):
            break
    if r.take("from"):
        # ``FROM t [AS] a`` or ``FROM (SELECT …) [AS] a``: rows to join, not rows changed.
        table_source(r)
    where = r.take("where")
    null_only: tuple[str, ...] = ()
    if where:
        null_only = _restriction(r)
    r.done()
    e.updated_rows(table, tuple(columns), where=where, null_only=null_only)


def _restriction(r: Reader) -> tuple[str, ...]:
    """An UPDATE's WHERE that restricts rows as ``statements._always_true`` judges it: no OR
    and a column named (a condition on a column is never folded to true); the columns its
    top-level AND operands keep to NULL (``c IS NULL``), as ``statements._null_only`` reads."""
    # Parentheses around the whole condition are looked through, as around each operand;
    # without them the condition is read where it stands.
    if r.tokens[r.pos] == "(":
        whole = r.tokens[r.pos : r.end]
        for _ in range(DEPTH + 1):
            if not (len(whole) > 2 and whole[0] == "(" and whole[-1] == ")" and _wraps(whole)):
                break
            whole = whole[1:-1]
        else:
            raise Miss  # nested deeper than the reader reads (linear work on hostile input)
        r.pos = r.end
        r = Reader(whole, r.dialect)
    found: list[str] = []
    column = False
    while True:
        start = r.pos
        column = r.expression(conjunct=True) or column
        part = r.tokens[start : r.pos]
        while len(part) > 2 and part[0] == "(" and part[-1] == ")" and _wraps(part):
            part = part[1:-1]
        if "or" in part:
            raise Miss
        if part[-2:] == ["is", "null"]:
            reader = Reader(part, r.dialect)
            try:
                name: str | None = reader.name()
            except Miss:
                name = None
            if name is not None and reader.pos == len(part) - 2:
                found.append(name)
        if not r.take("and"):
            r.done()
            if not column:
                raise Miss
            return tuple(dict.fromkeys(found))


def _wraps(part: list[str]) -> bool:
    """Does the opening parenthesis close at the last token?"""
    depth = 0
    for index, token in enumerate(part):
        depth += token == "("
        depth -= token == ")"
        if depth == 0:
            return index == len(part) - 1
    return False


def _insert(r: Reader, e: Emitter) -> Copy | None:
    r.need("into")
    target = r.name()
    columns = r.names() if r.peek() == "(" else None
    if r.take("values"):
        while True:
            r.list()
            if not r.take(","):
                break
        if r.takes("on", "conflict"):
            if r.peek() == "(":
                r.names()
            r.need("do", "nothing")
        r.done()
        return None
    found = select(r)
    r.done()
    if found is None:
        return None  # a compound SELECT (UNION …) is no plain copy: nodes.copy_of is not asked
    values, source = found
    e.add("table", target, "altered", "insert_select", columns=columns or ())
    return Copy(
        target=target,
        source=source,
        columns=columns,
        values=None if values is None else tuple(values),
    )
