"""Common migration statements read from one regex lexing, without sqlglot (docs/performance.md).

CREATE TABLE with plain columns and constraints, ALTER TABLE … ADD/DROP/RENAME COLUMN, RENAME
TO and ALTER COLUMN … TYPE, CREATE/DROP INDEX, DROP TABLE/TRIGGER, UPDATE, DELETE, INSERT …
VALUES and INSERT … SELECT (with joins, unions, subqueries and WITH queries of the same plain
SELECT), COMMENT ON, BEGIN/COMMIT/ROLLBACK. ``read`` gives the same ``Statement`` the sqlglot
path gives (its key, changes, table and copy), or None for anything it does not recognise
exactly: that statement goes to sqlglot as before, which also judges whether it is well
formed. The forms are strict on purpose: an unknown word, a quoting style, an escape or a
construct the grammar below does not name is a miss, never a guess.
``tests/detectors/sql_reader_test.py`` compares both paths statement by statement over
generated forms and near misses in every dialect.
"""

from __future__ import annotations

import re
from dataclasses import replace

from selenite_inventory_lint.detectors.sql.nodes import Copy, Emitter
from selenite_inventory_lint.schema import Column, Table

# The dialects whose spelling the forms below follow; others always go to sqlglot.
DIALECTS = frozenset({"sqlite", "postgres", "mysql"})
# One token per match, after blanks: a plain string or quoted name (group 1), a word, number or
# punctuation (group 2), or neither for anything else (E'…', $1, a comment inside the statement
# — it would split sqlglot's two-word keywords such as PRIMARY /* … */ KEY — '' escapes, a
# word glued to a quote), which sends the statement to sqlglot.
_TOKEN = re.compile(
    r"""\s*(?:
    ('[^'\\"]*'(?![\w'])|"[A-Za-z0-9_]+"(?![\w"']))
    |([A-Za-z_][A-Za-z0-9_]*(?![\w$'"`])
     |[0-9]+(?:\.[0-9]+)?(?![\w.])
     |::|<>|<=|>=|!=|\|\||[(),;=<>+*%]|\.(?![0-9])|-(?!-)|/(?!\*))
    |\S)""",
    re.VERBOSE | re.ASCII,
)

# Words that sqlglot does not read as a name wherever a name may stand (its tokenizers'
# keywords outside the parser's identifier tokens, and functions called without parentheses,
# in the three dialects: a test keeps this list a superset), and the words the forms below
# test for, so a name is never one of them.
_RESERVED = frozenset(
    """
    _armscii8 _ascii _big5 _binary _cp1250 _cp1251 _cp1256 _cp1257 _cp850 _cp852 _cp866 _cp932
    _dec8 _eucjpms _euckr _gb18030 _gb2312 _gbk _geostd8 _greek _hebrew _hp8 _keybcs2 _koi8r
    _koi8u _latin1 _latin2 _latin5 _latin7 _macce _macroman _sjis _swe7 _tis620 _ucs2 _ujis
    _utf16 _utf16le _utf32 _utf8 _utf8mb3 _utf8mb4 alter and as between by char character
    charset cluster connect create cross distinct distinctrow distribute double drop else
    except fetch for force foreign from glob grant group grouping having ignore ilike indexed
    inner insert integer intersect into join key lateral like lock member mod not notnull of
    on only or order outer partition partitioned partitioned_by precision primary qualify
    regexp returning revoke rlike rollback security select separator sets signed similar sort
    sql straight_join tables tablesample then to uncache union unlock unsigned using values
    variadic varying when where with xor
    add asc auto_increment autoincrement cascade case cast check collate column concurrently
    constraint current_date current_time current_timestamp default delete desc exclude exists
    false fulltext generated if in index interval is isnull null nulls period references
    recursive rename restrict set spatial table temp temporary trigger true type unique update
    any connect_by_root current_catalog current_datetime current_role current_schema
    current_user localtime localtimestamp session_user
    """.split()  # noqa: SIM905
)
# Functions sqlglot reads by name whatever the word; a call to one is read like any other.
_KEYWORD_CALLS = frozenset({"replace", "left", "right", "coalesce", "mod"})
_LITERAL_WORDS = frozenset({"null", "true", "false", "current_timestamp", "current_date"})
# Words that may follow a table but are not its alias (joins, clauses).
_NOT_ALIASES = frozenset(
    {"left", "right", "full", "natural", "semi", "anti", "asof", "window", "limit", "offset"}
)
_JOINS = (("join",), ("inner", "join"), ("left", "join"), ("left", "outer", "join"))
_JOIN_WORDS = frozenset(words[0] for words in _JOINS)
# Tokens that end an expression (those it may continue with are tested one by one).
_ENDS = frozenset({"", ",", ")", "where", "from", "as", "set", "on", "union", "join"})
_CONSTRAINT_WORDS = frozenset(
    {"not", "null", "primary", "unique", "default", "check", "references"}
)
_COMPARE = frozenset({"=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "||"})
# Column types as sqlglot's neutral generator renders them, per dialect where they differ.
_TYPES = {
    "int": "INT",
    "integer": "INT",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "text": "TEXT",
    "boolean": "BOOLEAN",
    "bool": "BOOLEAN",
    "date": "DATE",
    "time": "TIME",
    "datetime": "DATETIME",
    "timestamptz": "TIMESTAMPTZ",
    "uuid": "UUID",
    "json": "JSON",
    "jsonb": "JSONB",
    "blob": "VARBINARY",
    "bytea": "VARBINARY",
    "varchar": "VARCHAR",
    "numeric": "DECIMAL",
    "decimal": "DECIMAL",
}
_DIALECT_TYPES = {
    "sqlite": {"timestamp": "TIMESTAMP"},
    "postgres": {"timestamp": "TIMESTAMP", "serial": "SERIAL", "bigserial": "BIGSERIAL"},
    "mysql": {"timestamp": "TIMESTAMPTZ", "serial": "SERIAL"},
}
# Types that take (length) or (precision[, scale]).
_SIZED = {"varchar": "VARCHAR", "char": "CHAR", "numeric": "DECIMAL", "decimal": "DECIMAL"}
_AUTO_TYPES = ("SERIAL", "BIGSERIAL", "SMALLSERIAL")
_ROWID_TYPES = ("INT", "INTEGER", "BIGINT")
_REFERENTIAL = (("cascade",), ("restrict",), ("set", "null"), ("set", "default"), ("no", "action"))


_DEPTH = 16


class _Miss(Exception):
    """The statement is not one of the forms read here: sqlglot reads it."""


class _Reader:
    """A cursor over one statement's tokens (lower-cased words; strings and quoted names keep
    their quote as the first character)."""

    __slots__ = ("chunk", "depth", "dialect", "end", "lines", "pos", "tokens")

    def __init__(self, tokens: list[str], dialect: str, chunk: str = "") -> None:
        # Two empty tokens past the end: peek and take need no bounds check.
        self.tokens = [*tokens, "", ""]
        self.chunk = chunk
        self.lines: list[int] | None = None
        self.dialect = dialect
        self.pos = 0
        self.end = len(tokens)
        self.depth = 0

    def peek(self, ahead: int = 0) -> str:
        return self.tokens[self.pos + ahead]

    def take(self, word: str, *more: str) -> bool:
        """Consume ``word`` and ``more`` if they come next."""
        at = self.pos
        tokens = self.tokens
        if tokens[at] != word:
            return False
        for offset, following in enumerate(more, 1):
            if tokens[at + offset] != following:
                return False
        self.pos = at + 1 + len(more)
        return True

    def need(self, *words: str) -> None:
        if not self.take(*words):
            raise _Miss

    def done(self) -> None:
        if self.pos != self.end:
            raise _Miss

    def name(self) -> str:
        """A name, maybe qualified (``s.t``): its last part, lower-cased unless quoted."""
        found = self._part()
        for _ in range(2):
            if self.peek() != ".":
                break
            self.pos += 1
            found = self._part()
        if self.peek() == ".":
            raise _Miss
        return found

    def plain(self) -> str:
        """An unqualified name (a column, an index)."""
        found = self._part()
        if self.peek() == ".":
            raise _Miss
        return found

    def _part(self) -> str:
        token = self.peek()
        if not token:
            raise _Miss
        first = token[0]
        if first == '"' and self.dialect != "mysql":
            self.pos += 1
            return token[1:-1]
        if (first.isalpha() or first == "_") and token not in _RESERVED:
            self.pos += 1
            return token
        raise _Miss

    def is_name(self) -> bool:
        token = self.peek()
        return bool(token) and (
            (token[0] == '"' and self.dialect != "mysql")
            or ((token[0].isalpha() or token[0] == "_") and token not in _RESERVED)
        )

    def names(self) -> tuple[str, ...]:
        """``( name, … )``: the parenthesis is required."""
        self.need("(")
        found = [self.plain()]
        while self.take(","):
            found.append(self.plain())
        self.need(")")
        return tuple(found)

    # -- expressions: only the shapes below, each well formed ------------------------------

    def expression(self, *, conjunct: bool = False) -> bool:
        """A condition or value; whether it names a column (outside a call's name).
        ``conjunct`` stops before a top-level AND and refuses OR."""
        column = self._operand()
        tokens = self.tokens
        while True:
            token = tokens[self.pos]
            if token in _ENDS:
                return column  # the common case: a clause word, a comma, the end
            if conjunct and token in ("and", "or"):
                if token == "or":
                    raise _Miss
                return column
            if token in _COMPARE or token in ("and", "or"):
                if token == "||" and self.dialect == "mysql":
                    raise _Miss  # MySQL reads || as OR
                self.pos += 1
                column = self._operand() or column
            elif token == "is":
                self.pos += 1
                self.take("not")
                if self.peek() not in ("null", "true", "false"):
                    raise _Miss
                self.pos += 1
            elif token in ("between", "in", "like") or (
                token == "not" and self.peek(1) in ("between", "in", "like")
            ):
                self.take("not")
                if self.take("between"):
                    column = self._operand() or column
                    self.need("and")
                    column = self._operand() or column
                elif self.take("in"):
                    column = self.list() or column
                else:
                    self.need("like")
                    column = self._operand() or column
            else:
                return column

    def list(self) -> bool:
        self.need("(")
        self.depth += 1
        if self.depth > _DEPTH:
            raise _Miss  # sqlglot's path judges deep nesting (MIG301 when too deep)
        if self.peek() == "select":
            _select(self)
            self.need(")")
            self.depth -= 1
            return True
        column = self.expression()
        while self.take(","):
            column = self.expression() or column
        self.need(")")
        self.depth -= 1
        return column

    def _operand(self) -> bool:
        while self.peek() in ("-", "+", "not"):
            self.pos += 1
        column = self.atom()
        while self.take("::"):
            self.column_type()
        return column

    def atom(self) -> bool:
        token = self.peek()
        if not token:
            raise _Miss
        first = token[0]
        if first == "'" or first.isdigit() or token in _LITERAL_WORDS:
            self.pos += 1
            return False
        if token == "interval":
            self.pos += 1
            if self.peek()[:1] != "'":
                raise _Miss
            self.pos += 1
            return False
        if token == "(":
            return self.list()
        if self.peek(1) == "(" and (self.is_name() or token in _KEYWORD_CALLS):
            self.pos += 1
            if self.take("(", ")"):
                return False
            return self.list()
        self.name()
        return True

    def column_type(self) -> str:
        """A column type this reader knows, as sqlglot renders it."""
        word = self.peek()
        if word in _SIZED and self.peek(1) == "(":
            self.pos += 2
            sizes = [self._number()]
            if _SIZED[word] == "DECIMAL" and self.take(","):
                sizes.append(self._number())
            self.need(")")
            return f"{_SIZED[word]}({', '.join(sizes)})"
        rendered = _TYPES.get(word) or _DIALECT_TYPES[self.dialect].get(word)
        if rendered is None or self.peek(1) in ("(", "["):
            raise _Miss
        self.pos += 1
        return rendered

    def _number(self) -> str:
        token = self.peek()
        if not token[:1].isdigit() or "." in token:
            raise _Miss
        self.pos += 1
        return token

    def line(self, at: int) -> int:
        """1-based line, within the statement, of the token at index ``at``."""
        if "\n" not in self.chunk:
            return 1
        if self.lines is None:
            self.lines = _lines(self.chunk)
        return self.lines[at]


def lex(chunk: str) -> list[str] | None:
    """The statement's tokens (words lower-cased; strings and quoted names keep their quotes),
    or None when a token is not one read here."""
    tokens = [quoted or other.lower() for quoted, other in _TOKEN.findall(chunk)]
    while tokens and tokens[-1] == ";":
        tokens.pop()
    if "" in tokens or ";" in tokens:
        return None
    return tokens


def key(tokens: list[str]) -> str:
    """The statement key as the sqlglot path builds it from its tokens (``statements._key``):
    words lower-cased, strings and quoted names without their quotes."""
    return " ".join([t[1:-1] if t[0] in "'\"" else t for t in tokens])


def _lines(chunk: str) -> list[int]:
    """The 1-based line, within the statement, of each of its tokens."""
    lines = []
    line, at = 1, 0
    for match in _TOKEN.finditer(chunk):
        start = match.end() - len(match.group().lstrip())
        line += chunk.count("\n", at, start)
        at = start
        lines.append(line)
    return lines


def read(
    chunk: str, dialect: str, emitter: Emitter
) -> tuple[str, Table | None, Copy | None] | None:
    """The key, table and copy of a statement of a known form, its changes added to
    ``emitter``; None (and no change added) when it is not one."""
    tokens = lex(chunk)
    if not tokens:
        return None
    reader = _Reader(tokens, dialect, chunk)
    try:
        table, copy = _statement(reader, emitter)
    except _Miss:
        emitter.changes.clear()
        return None
    if "'" in chunk or '"' in chunk:
        return key(tokens), table, copy
    return " ".join(tokens), table, copy


def _statement(r: _Reader, e: Emitter) -> tuple[Table | None, Copy | None]:
    if r.take("with"):
        # Common table expressions before an UPDATE, DELETE or INSERT: queries, named.
        r.take("recursive")
        while True:
            r.plain()
            if r.peek() == "(":
                r.names()
            r.need("as", "(")
            _select(r)
            r.need(")")
            if not r.take(","):
                break
        if r.peek() not in ("update", "delete", "insert"):
            raise _Miss
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
        _alias(r)
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
            raise _Miss
        r.name()
        r.need("is")
        if r.peek()[:1] != "'":
            raise _Miss
        r.pos += 1
        r.done()
    elif first in ("begin", "commit", "rollback"):
        r.pos += 1
        if first != "rollback" and not r.take("transaction"):
            r.take("work")
        r.done()
    else:
        raise _Miss
    return None, None


def _alias(r: _Reader) -> None:
    if r.take("as") or (r.is_name() and r.peek() not in _NOT_ALIASES):
        r.plain()


def _create_table(r: _Reader, e: Emitter) -> Table:
    guarded = r.take("if", "not", "exists")
    name = r.name()
    r.need("(")
    specs: list[Column] = []
    keys: set[str] = set()
    uniques: set[str] = set()
    while True:
        named = r.take("constraint")
        if named:
            r.name()
        if r.take("primary", "key"):
            keys.update(r.names())
        elif r.take("unique"):
            named_columns = r.names()
            if len(named_columns) == 1:
                uniques.add(named_columns[0])
        elif r.take("check"):
            r.list()
        elif r.take("foreign", "key"):
            r.names()
            r.need("references")
            _references(r)
        elif named:
            raise _Miss
        else:
            specs.append(_column(r, line=e.line + r.line(r.pos) - 1, position=len(specs)))
        if r.take(")"):
            break
        r.need(",")
    r.done()
    columns = tuple(
        replace(
            spec,
            primary_key=spec.primary_key or spec.name in keys,
            nullable=spec.nullable and spec.name not in keys,
            unique=spec.unique or spec.name in uniques,
        )
        if spec.name in keys or spec.name in uniques
        else spec
        for spec in specs
    )
    e.add("table", name, "added", "create_table", if_exists=guarded)
    for column in columns:
        e.add(
            "column",
            f"{name}.{column.name}",
            "added",
            "create_table",
            if_exists=guarded,
            at=column.line,
            type=column.type,
            nullable=column.nullable,
            has_default=column.has_default,
            unique=column.unique,
        )
    by_name = {c.name: c for c in columns}
    if len(by_name) == len(columns):
        # Numbered as read, so Table need not copy every column to number it (with a name
        # given twice, it numbers them as its own dict holds them).
        return Table(name=name, columns=by_name, line=e.line, added=len(by_name))
    return Table(name=name, columns=by_name, line=e.line)


def _column(r: _Reader, *, line: int = 1, position: int = 0) -> Column:
    """``name type constraint…`` as ``ddl.column_spec`` reads it."""
    name = r.plain()
    type_ = r.column_type()
    nullable = True
    has_default = type_ in _AUTO_TYPES
    primary_key = unique = False
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
    if primary_key:
        nullable = False
        has_default = has_default or type_ in _ROWID_TYPES
    return Column(
        name=name,
        type=type_,
        nullable=nullable,
        has_default=has_default,
        primary_key=primary_key,
        unique=unique,
        line=line,
        position=position,
    )


def _default(r: _Reader) -> None:
    """One value: a literal, a negative number, a call or a parenthesised expression."""
    if r.take("-") and not r.peek()[:1].isdigit():
        raise _Miss
    token = r.peek()
    literal = token == "(" or token[:1] in ("'", *"0123456789") or token in _LITERAL_WORDS
    if not literal and not (r.peek(1) == "(" and r.is_name()):
        raise _Miss
    r.atom()


def _references(r: _Reader) -> None:
    """What follows REFERENCES: a table, its columns, ON DELETE / ON UPDATE actions."""
    r.name()
    if r.peek() == "(":
        r.names()
    while r.take("on"):
        if not (r.take("delete") or r.take("update")):
            raise _Miss
        if not any(r.take(*action) for action in _REFERENTIAL):
            raise _Miss


def _create_index(r: _Reader, e: Emitter, *, unique: bool) -> None:
    if r.dialect == "postgres":
        r.take("concurrently")
    guarded = r.take("if", "not", "exists")
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
    e.add(
        "index",
        name or "_".join(("ix", table, *columns)),
        "added",
        "create_index",
        if_exists=guarded,
        unique=unique,
        columns=tuple(columns),
        table=table,
    )


def _drop(r: _Reader, e: Emitter) -> None:
    if r.take("table"):
        guarded = r.take("if", "exists")
        names = [r.name()]
        while r.take(","):
            names.append(r.name())
        _cascade(r)
        for name in names:
            e.add("table", name, "dropped", "drop_table", if_exists=guarded)
        return
    if r.dialect != "mysql" and r.take("trigger"):
        # A trigger holds no data; postgres names its table, SQLite does not.
        r.take("if", "exists")
        r.name()
        if r.dialect == "postgres":
            r.need("on")
            r.name()
        r.done()
        return
    r.need("index")
    if r.dialect == "postgres":
        r.take("concurrently")
    guarded = r.take("if", "exists")
    name = r.name()
    _cascade(r)
    e.add("index", name, "dropped", "drop_index", if_exists=guarded, table=None)


def _cascade(r: _Reader) -> None:
    if r.dialect == "postgres" and not r.take("cascade"):
        r.take("restrict")
    r.done()


def _alter(r: _Reader, e: Emitter) -> None:
    table = r.name()
    if r.take("add"):
        r.take("column")
        guarded = r.take("if", "not", "exists")
        spec = _column(r)
        r.done()
        e.add(
            "column",
            f"{table}.{spec.name}",
            "added",
            "add_column",
            if_exists=guarded,
            type=spec.type,
            nullable=spec.nullable,
            has_default=spec.has_default,
            unique=spec.unique,
        )
        if spec.unique:
            e.add(
                "index",
                f"uq_{table}_{spec.name}",
                "added",
                "create_unique_constraint",
                unique=True,
                columns=(spec.name,),
                table=table,
            )
    elif r.take("drop", "column"):
        guarded = r.take("if", "exists")
        column = r.plain()
        _cascade(r)
        e.add("column", f"{table}.{column}", "dropped", "drop_column", if_exists=guarded)
    elif r.take("rename", "column"):
        old = r.plain()
        r.need("to")
        new = r.plain()
        r.done()
        if old != new:
            e.add(
                "column",
                f"{table}.{new}",
                "renamed",
                "rename_column",
                old_name=f"{table}.{old}",
                if_exists=False,
            )
    elif r.take("rename", "to"):
        new = r.plain()
        r.done()
        if new != table:
            e.add("table", new, "renamed", "rename_table", old_name=table, if_exists=False)
    elif r.dialect == "postgres" and r.take("alter", "column"):
        column = r.plain()
        r.need("type")
        type_ = r.column_type()
        if r.take("using"):
            r.expression()
        r.done()
        e.add(
            "column",
            f"{table}.{column}",
            "altered",
            "alter_column",
            if_exists=False,
            type=type_,
            nullable=None,
            has_default=None,
        )
    else:
        raise _Miss


def _update(r: _Reader, e: Emitter) -> None:
    table = r.name()
    _alias(r)
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
        _source(r)
    where = r.take("where")
    null_only: tuple[str, ...] = ()
    if where:
        null_only = _restriction(r)
    r.done()
    e.add(
        "table",
        table,
        "altered",
        "update_rows",
        where=where,
        columns=tuple(columns),
        null_only=null_only,
    )


def _restriction(r: _Reader) -> tuple[str, ...]:
    """An UPDATE's WHERE that restricts rows as ``statements._always_true`` judges it: no OR
    and a column named (a condition on a column is never folded to true); the columns its
    top-level AND operands keep to NULL (``c IS NULL``), as ``statements._null_only`` reads."""
    # Parentheses around the whole condition are looked through, as around each operand.
    whole = r.tokens[r.pos : r.end]
    for _ in range(_DEPTH + 1):
        if not (len(whole) > 2 and whole[0] == "(" and whole[-1] == ")" and _wraps(whole)):
            break
        whole = whole[1:-1]
    else:
        raise _Miss  # nested deeper than the reader reads (linear work on hostile input)
    r.pos = r.end
    r = _Reader(whole, r.dialect)
    found: list[str] = []
    column = False
    while True:
        start = r.pos
        column = r.expression(conjunct=True) or column
        part = r.tokens[start : r.pos]
        while len(part) > 2 and part[0] == "(" and part[-1] == ")" and _wraps(part):
            part = part[1:-1]
        if "or" in part:
            raise _Miss
        if part[-2:] == ["is", "null"]:
            reader = _Reader(part, r.dialect)
            try:
                name: str | None = reader.name()
            except _Miss:
                name = None
            if name is not None and reader.pos == len(part) - 2:
                found.append(name)
        if not r.take("and"):
            r.done()
            if not column:
                raise _Miss
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


def _insert(r: _Reader, e: Emitter) -> Copy | None:
    r.need("into")
    target = r.name()
    columns = r.names() if r.peek() == "(" else None
    if r.take("values"):
        while True:
            r.list()
            if not r.take(","):
                break
        if r.take("on", "conflict"):
            if r.peek() == "(":
                r.names()
            r.need("do", "nothing")
        r.done()
        return None
    found = _select(r)
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


def _select(r: _Reader) -> tuple[list[str | None] | None, str | None] | None:
    """``SELECT values [FROM source [JOIN source ON condition …]] [WHERE condition]``, maybe
    followed by UNION [ALL] and another: the values (``_projections``) and the one table read
    (None with a join or no FROM); None for a compound SELECT."""
    r.need("select")
    values = _projections(r)
    source = None
    if r.take("from"):
        source = _source(r)
        while r.peek() in _JOIN_WORDS and any(r.take(*join) for join in _JOINS):
            _source(r)
            r.need("on")
            r.expression()
            source = None
    if r.take("where"):
        r.expression()
    if r.take("union"):
        r.take("all")
        _select(r)
        return None
    return values, source


def _source(r: _Reader) -> str | None:
    """A table and its alias, or ``(SELECT …) [AS] alias``: the table's name, or None."""
    if r.take("("):
        _select(r)
        r.need(")")
        r.take("as")
        r.plain()
        return None
    name = r.name()
    _alias(r)
    return name


def _projections(r: _Reader) -> list[str | None] | None:
    """A SELECT list: per value the column it is (``nodes.copy_of``), None for ``*``."""
    if r.take("*"):
        return None
    if r.peek() in ("distinct", "all"):
        raise _Miss
    values: list[str | None] = []
    while True:
        start = r.pos
        r.expression()
        plain = r.pos - start
        value = None
        if plain in (1, 3, 5) and all(t == "." for t in r.tokens[start + 1 : r.pos : 2]):
            value = _plain_name(r.tokens[start : r.pos], r.dialect)
        if r.take("as"):
            r.plain()
        values.append(value)
        if not r.take(","):
            return values


def _plain_name(tokens: list[str], dialect: str) -> str | None:
    """The column a projection is when it is only a (qualified) name, as ``nodes.ident``."""
    reader = _Reader(tokens, dialect)
    try:
        return reader.name()
    except _Miss:
        return None
