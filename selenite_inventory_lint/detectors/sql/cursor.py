"""One SQL statement's tokens, and the expression and SELECT grammar the reader in ``fast``
follows (docs/performance.md).

``lex`` turns a statement into words (lower-cased), numbers, punctuation, plain strings and
quoted names with one regex ``findall``, or refuses it; ``Reader`` walks the tokens. Every
method either consumes a well formed piece or raises ``Miss``: the statement then goes to
sqlglot, which reads (and judges) it as before.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate, repeat

# A token after blanks: a plain string or quoted name, a word, number or punctuation (the
# group), or the empty string for anything else (E'…', $1, a comment inside the statement —
# it would split sqlglot's two-word keywords such as PRIMARY /* … */ KEY — '' escapes, a word
# glued to a quote), which sends the statement to sqlglot.
_STRING = r"""'[^'\\"]*'(?![\w'])|"[A-Za-z0-9_]+"(?![\w"'])"""
_PLAIN = r"""[A-Za-z_][A-Za-z0-9_]*(?![\w$'"`])
    |[0-9]+(?:\.[0-9]+)?(?![\w.])
    |::|<>|<=|>=|!=|\|\||[(),;=<>+*%]|\.(?![0-9])|-(?!-)|/(?!\*)"""
_TOKEN = re.compile(rf"\s*(?:({_STRING}|{_PLAIN})|\S)", re.VERBOSE | re.ASCII)
# ``lex`` reads plain tokens a single space apart as one match, split after: a regex match
# costs as much as a few Python operations (its state is set up and torn down each time),
# and one group gives strings, not tuples. Each token's own test of what follows it is met
# by the space inside a run and made as usual at its end, so the tokens are those of _TOKEN.
_TOKENS = re.compile(
    rf"\s*(?:({_STRING}|(?:{_PLAIN})(?:\ (?:{_PLAIN}))*)|\S)", re.VERBOSE | re.ASCII
)
_QUOTES = ("'", '"')

# Words that sqlglot does not read as a name wherever a name may stand (its tokenizers'
# keywords outside the parser's identifier tokens, and functions called without parentheses,
# in the three dialects: a test keeps this list a superset), and the words the forms below
# test for, so a name is never one of them.
RESERVED = frozenset(
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
LITERAL_WORDS = frozenset({"null", "true", "false", "current_timestamp", "current_date"})
# Words that may follow a table but are not its alias (joins, clauses).
_NOT_ALIASES = frozenset(
    {"left", "right", "full", "natural", "semi", "anti", "asof", "window", "limit", "offset"}
)
_JOINS = (("join",), ("inner", "join"), ("left", "join"), ("left", "outer", "join"))
_JOIN_WORDS = frozenset(words[0] for words in _JOINS)
# Tokens that end an expression (those it may continue with are tested one by one).
_ENDS = frozenset({"", ",", ")", "where", "from", "as", "set", "on", "union", "join"})
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
DEPTH = 16
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyz_")


class Miss(Exception):
    """The statement is not one of the forms read here: sqlglot reads it."""


class Reader:
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

    def take(self, word: str) -> bool:
        """Consume ``word`` if it comes next."""
        if self.tokens[self.pos] == word:
            self.pos += 1
            return True
        return False

    def takes(self, *words: str) -> bool:
        """Consume ``words`` if they come next, in order."""
        at = self.pos
        tokens = self.tokens
        if tokens[at] != words[0]:
            return False  # the common case: not these words
        for offset, word in enumerate(words):
            if tokens[at + offset] != word:
                return False
        self.pos = at + len(words)
        return True

    def need(self, word: str, *more: str) -> None:
        if more:
            if not self.takes(word, *more):
                raise Miss
        elif self.tokens[self.pos] == word:
            self.pos += 1
        else:
            raise Miss

    def done(self) -> None:
        if self.pos != self.end:
            raise Miss

    def name(self) -> str:
        """A name, maybe qualified (``s.t``): its last part, lower-cased unless quoted."""
        found = self._part()
        tokens = self.tokens
        if tokens[self.pos] != ".":
            return found  # the common case, unqualified
        for _ in range(2):
            if tokens[self.pos] != ".":
                return found
            self.pos += 1
            found = self._part()
        if tokens[self.pos] == ".":
            raise Miss
        return found

    def plain(self) -> str:
        """An unqualified name (a column, an index)."""
        found = self._part()
        if self.tokens[self.pos] == ".":
            raise Miss
        return found

    def _part(self) -> str:
        token = self.tokens[self.pos]
        first = token[:1]
        if first in _NAME_START and token not in RESERVED:
            self.pos += 1
            return token
        if first == '"' and self.dialect != "mysql":
            self.pos += 1
            return token[1:-1]
        raise Miss

    def is_name(self) -> bool:
        token = self.tokens[self.pos]
        first = token[:1]
        return (first in _NAME_START and token not in RESERVED) or (
            first == '"' and self.dialect != "mysql"
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
                    raise Miss
                return column
            if token in _COMPARE or token in ("and", "or"):
                if token == "||" and self.dialect == "mysql":
                    raise Miss  # MySQL reads || as OR
                self.pos += 1
                column = self._operand() or column
            elif token == "is":
                self.pos += 1
                self.take("not")
                if self.peek() not in ("null", "true", "false"):
                    raise Miss
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
        if self.depth > DEPTH:
            raise Miss  # sqlglot's path judges deep nesting (MIG301 when too deep)
        if self.peek() == "select":
            select(self)
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
        tokens = self.tokens
        while tokens[self.pos] in ("-", "+", "not"):
            self.pos += 1
        column = self.atom()
        while tokens[self.pos] == "::":
            self.pos += 1
            self.column_type()
        return column

    def atom(self) -> bool:
        tokens = self.tokens
        token = tokens[self.pos]
        if not token:
            raise Miss
        first = token[0]
        if first == "'" or first.isdigit() or token in LITERAL_WORDS:
            self.pos += 1
            return False
        if token == "interval":
            self.pos += 1
            if self.peek()[:1] != "'":
                raise Miss
            self.pos += 1
            return False
        if token == "(":
            return self.list()
        if tokens[self.pos + 1] == "(" and (self.is_name() or token in _KEYWORD_CALLS):
            self.pos += 1
            if self.takes("(", ")"):
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
            raise Miss
        self.pos += 1
        return rendered

    def _number(self) -> str:
        token = self.peek()
        if not token[:1].isdigit() or "." in token:
            raise Miss
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
    if not chunk.isascii() or "\0" in chunk or "\1" in chunk:
        tokens = _TOKEN.findall(chunk)
        if "" in tokens:
            return None
        tokens = [t if t[0] in _QUOTES else t.lower() for t in tokens]
    else:
        # Lower-casing ASCII moves no character and the pattern reads both cases alike, so
        # the tokens are those of the chunk, lower-cased but for strings and quoted names;
        # a space inside a string is a NUL while the runs are split at spaces.
        quoted = "'" in chunk or '"' in chunk
        runs = _TOKENS.findall(_prepared(chunk) if quoted else chunk.lower())
        if not runs:
            return []
        joined = " ".join(runs)  # a miss ("") stays a token of its own
        if quoted:
            tokens = joined.replace(" ", "\1").replace("\0", " ").split("\1")
        else:
            tokens = joined.split(" ")
    while tokens and tokens[-1] == ";":
        tokens.pop()
    if "" in tokens or ";" in tokens:
        return None
    return tokens


def _prepared(chunk: str) -> str:
    """``chunk`` lower-cased outside its strings and quoted names, and with the spaces inside
    its strings as NULs. In a chunk that lexes, a string holds no quote of either kind and a
    quoted name only letters, digits and ``_``, so its quotes alternate opening and closing;
    in one that does not, a quote that cannot close is a miss whatever the rest becomes
    (neither the case of letters nor a NUL for a space changes a token's bounds)."""
    parts = chunk.split("'")
    for index, part in enumerate(parts):
        if index % 2:
            parts[index] = part.replace(" ", "\0")
        elif '"' in part:
            names = part.split('"')
            names[::2] = [outside.lower() for outside in names[::2]]
            parts[index] = '"'.join(names)
        else:
            parts[index] = part.lower()
    return "'".join(parts)


def key(tokens: list[str]) -> str:
    """The statement key as the sqlglot path builds it from its tokens (``statements._key``):
    words lower-cased, strings and quoted names without their quotes. Only those tokens
    hold a quote, and only as their first and last character."""
    return " ".join(tokens).replace("'", "").replace('"', "")


def _lines(chunk: str) -> list[int]:
    """The 1-based line, within the statement, of each of its tokens (where each starts: the
    statement lexed, so every match holds a token), found among the line starts in C."""
    starts = list(accumulate(map((1).__add__, map(len, chunk.split("\n")[:-1])), initial=0))
    tokens = [m.start(1) for m in _TOKEN.finditer(chunk)]
    return list(map(bisect.bisect_right, repeat(starts), tokens))


def alias(r: Reader) -> None:
    if r.take("as") or (r.is_name() and r.peek() not in _NOT_ALIASES):
        r.plain()


def select(r: Reader) -> tuple[list[str | None] | None, str | None] | None:
    """``SELECT values [FROM source [JOIN source ON condition …]] [WHERE condition]``, maybe
    followed by UNION [ALL] and another: the values (``projections``) and the one table read
    (None with a join or no FROM); None for a compound SELECT."""
    r.need("select")
    values = projections(r)
    source = None
    if r.take("from"):
        source = table_source(r)
        while r.peek() in _JOIN_WORDS and any(r.takes(*join) for join in _JOINS):
            table_source(r)
            r.need("on")
            r.expression()
            source = None
    if r.take("where"):
        r.expression()
    if r.take("union"):
        r.take("all")
        select(r)
        return None
    return values, source


def table_source(r: Reader) -> str | None:
    """A table and its alias, or ``(SELECT …) [AS] alias``: the table's name, or None."""
    if r.take("("):
        select(r)
        r.need(")")
        r.take("as")
        r.plain()
        return None
    name = r.name()
    alias(r)
    return name


def projections(r: Reader) -> list[str | None] | None:
    """A SELECT list: per value the column it is (``nodes.copy_of``), None for ``*``."""
    if r.take("*"):
        return None
    if r.peek() in ("distinct", "all"):
        raise Miss
    values: list[str | None] = []
    while True:
        start = r.pos
        r.expression()
        plain = r.pos - start
        value = None
        if plain == 1:
            value = _single_name(r.tokens[start], r.dialect)
        elif plain in (3, 5) and all(t == "." for t in r.tokens[start + 1 : r.pos : 2]):
            value = plain_name(r.tokens[start : r.pos], r.dialect)
        if r.take("as"):
            r.plain()
        values.append(value)
        if not r.take(","):
            return values


def _single_name(token: str, dialect: str) -> str | None:
    """``plain_name`` of one token, without a reader (``Reader._part``'s test)."""
    first = token[:1]
    if first in _NAME_START and token not in RESERVED:
        return token
    return token[1:-1] if first == '"' and dialect != "mysql" else None


def plain_name(tokens: list[str], dialect: str) -> str | None:
    """The column a projection is when it is only a (qualified) name, as ``nodes.ident``."""
    reader = Reader(tokens, dialect)
    try:
        return reader.name()
    except Miss:
        return None
