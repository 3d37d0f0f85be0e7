"""SQL files and literal SQL → data-bearing changes, parsed with sqlglot (SPEC §3.2).

A file is split into statements by a small lexer (quotes, comments, dollar quoting and
trigger bodies respected), so a statement sqlglot cannot parse becomes one MIG301 at its line
and the rest of the file is still analysed. Each statement becomes ``Change`` records in the
vocabulary the rules read (create_table, add_column, drop_column, rename_table, rename_column,
alter_column, drop_table, create_index, drop_index, delete_rows, update_rows, truncate,
insert_select); the SQLite table-rebuild pattern is then folded into one ``rebuild_table``.

Identifiers are lower-cased unless quoted; a schema qualifier (``public.t``) is dropped.
Column types are sqlglot's neutral rendering (``VARCHAR(30)``, ``INT``), so two snapshots of
different dialects compare equal when they mean the same type.
"""

from __future__ import annotations

import bisect
import itertools
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from selenite_inventory_lint.detectors import DetectContext, DetectorSpec, sources
from selenite_inventory_lint.model import Change, DetectorResult, FileChange, Problem

CODE = "MIG301"
SOURCE = "sql"
DEFAULT_SOURCES = sources.SQL_SOURCES
DEFAULT_SNAPSHOTS = sources.SQL_SNAPSHOTS
DEFAULT_ROLLBACK = sources.SQL_ROLLBACK
Role = sources.Role
role = sources.sql_role

# Statements sqlglot only knows as an opaque Command that still change data or schema.
_DATA_COMMAND = re.compile(
    r"(?:alter\s+table|drop\s+(?:table|index)|create\s+(?:unique\s+)?(?:table|index)|"
    r"delete|update|truncate|rename|insert|replace)\b",
    re.IGNORECASE,
)
_RENAME_TABLE = re.compile(r"rename\s+tables?\s", re.IGNORECASE)
_REPLACE = re.compile(r"replace\b", re.IGNORECASE)
# Postgres DO runs a procedural block now: what it changes is not SQL sqlglot can read.
_DO_BLOCK = re.compile(r"do\b", re.IGNORECASE)
# Real statements sqlglot parses as a bare expression; they change no data.
_BARE_STATEMENTS = frozenset(
    {"END", "SAVEPOINT", "RELEASE", "REINDEX", "CHECKPOINT", "LISTEN", "NOTIFY", "UNLISTEN"}
)
_EDIT_STATUSES = ("modified", "renamed")
# Blanks and comments between keywords. Each alternative starts with its own character, so
# the loop has one way to match any text and cannot backtrack into a blow-up.
_GAP = r"(?:\s|--[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)+"
# A statement that defines code run later (trigger, rule, routine): its body has semicolons.
_DEFINITION = re.compile(
    rf"create{_GAP}(?:or{_GAP}replace{_GAP})?(?:temp(?:orary)?{_GAP})?"
    r"(?P<kind>trigger|rule|function|procedure)\b",
    re.IGNORECASE,
)
_BODIES = ("trigger", "function", "procedure")
# Inside a BEGIN … END body, the statement after a semicolon may close or open a block.
# MySQL's END IF / END LOOP … close compound statements, not blocks; a label may precede BEGIN.
_BLOCK_STEP = re.compile(
    r"(?P<end>end\b(?![ \t\r\n]*(?:if|loop|while|repeat|case)\b))"
    r"|(?:\w+[ \t\r\n]*:[ \t\r\n]*)?begin\b",
    re.IGNORECASE,
)


# --- splitting -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """One statement of a SQL text: offsets of its first significant character and its end.

    ``unclosed`` names the construct that never ends (an open quote, a body without END)
    when the statement cannot be bounded and so runs to the end of the text; ``opened`` is
    that construct's offset.
    """

    start: int
    end: int
    unclosed: str | None = None
    opened: int = 0


def _lexer(dialect: str) -> re.Pattern[str]:
    """Tokens that matter for splitting, one named group per kind.

    Every quoted form ends at its closing quote or, left open, at the end of the text, where
    the empty group ``o…`` says so; no alternative can fail after scanning far. Dollar quotes
    match only their opening ``$tag$``: ``split`` finds the closing one with ``str.find``.
    """
    if dialect == "mysql":
        # Backslash escapes in both quote styles; `#` starts a comment too.
        quoted = [
            r"'(?:[^'\\]|\\[\s\S]?|'')*(?:'|(?P<o1>\Z))",
            r'"(?:[^"\\]|\\[\s\S]?|"")*(?:"|(?P<o2>\Z))',
            r"#[^\n]*",
        ]
    else:
        quoted = [r"'(?:[^']|'')*(?:'|(?P<o1>\Z))", r'"(?:[^"]|"")*(?:"|(?P<o2>\Z))']
    if dialect == "postgres":
        # E'…' strings take backslash escapes: E'it\'s; fine' is one string.
        quoted.insert(0, r"(?<![\w$])[eE]'(?:[^'\\]|\\[\s\S]?|'')*(?:'|(?P<o3>\Z))")
    if dialect == "sqlite":
        quoted.append(r"\[[^\]]*(?:\]|(?P<o4>\Z))")
    quoted += [r"`(?:[^`]|``)*(?:`|(?P<o5>\Z))", r"--[^\n]*", r"/\*.*?(?:\*/|\Z)"]
    parts = [rf"(?P<quoted>{'|'.join(quoted)})"]
    if dialect != "mysql":
        parts.append(r"(?P<dollar>(?<![\w$])\$(?:[A-Za-z_]\w*)?\$)")
    # BEGIN opens a trigger or routine body; not after "." (new.begin is a column).
    parts += [r"(?P<semi>;)", r"(?P<paren>[()])", r"(?P<begin>(?<![\w$.])begin\b)"]
    return re.compile("|".join(parts), re.DOTALL | re.IGNORECASE)


def _left_open(match: re.Match[str]) -> bool:
    return any(v == "" for k, v in match.groupdict().items() if k[0] == "o")


_LEXERS: dict[str, re.Pattern[str]] = {}
# Unrolled (blanks, then comment-and-blanks) so no two iterations can share text.
_SPACE = re.compile(r"\s*(?:(?:--[^\n]*|/\*.*?(?:\*/|\Z))\s*)*", re.DOTALL)


def _skip(text: str, start: int, end: int | None = None) -> int:
    """Offset of the first character after blanks and comments (the pattern matches empty)."""
    if start < len(text) and not text[start].isspace() and text[start] not in "-/":
        return start  # the common case, without a regex call
    found = _SPACE.match(text, start, len(text) if end is None else end)
    return found.end() if found is not None else start


def definition_kind(text: str, start: int = 0) -> str | None:
    """``trigger``, ``rule``, ``function`` or ``procedure`` when the statement at ``start``
    defines one (code that runs later, with a body of its own), else None."""
    found = _DEFINITION.match(text, _skip(text, start))
    return found.group("kind").lower() if found else None


def _block_step(text: str, pos: int, depth: int) -> int:
    """Block depth after the body statement that starts at ``pos`` (past blanks, comments)."""
    found = _BLOCK_STEP.match(text, _skip(text, pos))
    if found is None:
        return depth
    return depth - 1 if found.group("end") is not None else depth + 1


def split(text: str, dialect: str = "sqlite") -> list[Span]:
    """Statement spans of ``text``, each ended where the database ends it.

    Semicolons stay inside strings, quoted identifiers, comments, dollar quotes, trigger and
    routine bodies (``BEGIN … END``; ``begin``/``end`` may also be column names, and CASE …
    END inside a body is an expression) and a rule's parenthesised action. A statement that
    cannot be bounded (an unterminated quote, a body without END) runs to the end of the text
    and names the construct in ``unclosed``: nothing after it is split off and passed.
    """
    dialect = _DIALECTS.get(dialect, dialect)
    lexer = _LEXERS.get(dialect)
    if lexer is None:
        lexer = _LEXERS[dialect] = _lexer(dialect)
    spans: list[Span] = []
    start = pos = 0
    kind = definition_kind(text, 0)
    # A rule counts parentheses, a trigger or routine blocks once its BEGIN is seen; ``body``
    # is where the outermost one opened.
    depth = 0
    body: int | None = None
    while (match := lexer.search(text, pos)) is not None:
        pos = match.end()
        group = match.lastgroup
        if group == "quoted":
            if pos == len(text) and _left_open(match):
                return [*spans, _unclosed(text, start, "a quoted string or name", match.start())]
        elif group == "dollar":
            close = text.find(match.group(), pos)
            if close < 0:
                return [*spans, _unclosed(text, start, "a dollar-quoted body", match.start())]
            pos = close + len(match.group())
        elif group == "begin":
            if kind in _BODIES and body is None:
                body = match.start()
                depth = _block_step(text, pos, 1)
        elif group == "paren":
            if kind == "rule" and match.group() == "(":
                body = match.start() if depth == 0 else body
                depth += 1
            elif kind == "rule":
                depth = max(0, depth - 1)
        elif depth > 0 and kind == "rule":
            continue
        elif depth > 0 and body is not None:
            depth = _block_step(text, pos, depth)
        else:
            _add_span(spans, text, start, pos)
            start, depth, body = pos, 0, None
            kind = definition_kind(text, start)
    if depth > 0 and body is not None:
        what = "a parenthesised rule action" if kind == "rule" else "a BEGIN … END body"
        return [*spans, _unclosed(text, start, what, body)]
    _add_span(spans, text, start, len(text))
    return spans


def _unclosed(text: str, start: int, what: str, opened: int) -> Span:
    return Span(_skip(text, start), len(text), unclosed=what, opened=opened)


def _add_span(spans: list[Span], text: str, start: int, end: int) -> None:
    first = _skip(text, start, end)
    if first < end and text[first:end].strip(" \t\r\n;"):
        spans.append(Span(first, end))


def statement_lines(text: str, dialect: str = "sqlite") -> list[tuple[int, int]]:
    """(first line, last line) of every statement, 1-based: what a SQL suppression covers."""
    starts = _line_starts(text)
    result = []
    for span in split(text, dialect):
        body = text[span.start : span.end].rstrip(" \t\r\n;")
        last = span.start + max(len(body) - 1, 0)
        result.append((bisect.bisect_right(starts, span.start), bisect.bisect_right(starts, last)))
    return result


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]


# --- schema records (shared with the snapshot detector) ----------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnSpec:
    name: str
    type: str | None
    nullable: bool = True
    has_default: bool = False
    primary_key: bool = False
    unique: bool = False
    line: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    line: int = 1

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSpec:
    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool
    line: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Schema:
    tables: Mapping[str, TableSpec] = field(default_factory=dict)
    indexes: Mapping[str, IndexSpec] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Copy:
    """``INSERT INTO target [(columns)] SELECT values FROM source`` (or CREATE TABLE … AS)."""

    target: str
    source: str | None
    columns: tuple[str, ...] | None
    # The source column each selected value is, None for an expression; None for SELECT *.
    values: tuple[str | None, ...] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One analysed statement: its position, normalised text and what it changes."""

    line: int
    column: int
    key: str
    changes: tuple[Change, ...] = ()
    problems: tuple[Problem, ...] = ()
    table: TableSpec | None = None
    copy: _Copy | None = None


# --- parsing -------------------------------------------------------------------------------

_SQLGLOT: dict[str, Any] = {}


def _sqlglot() -> dict[str, Any]:
    """sqlglot, imported on first use (STYLE: heavy libraries stay off the pre-commit path)."""
    if not _SQLGLOT:
        import logging

        import sqlglot
        from sqlglot import exp
        from sqlglot.errors import SqlglotError

        # "Falling back to parsing as a 'Command'" is judged here, not logged to stderr.
        logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
        _SQLGLOT.update(sqlglot=sqlglot, exp=exp, error=SqlglotError)
    return _SQLGLOT


_DIALECTS = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres", "mysql": "mysql"}


@dataclass(slots=True)
class _Emitter:
    path: str
    line: int
    column: int
    source: str
    migration: str | None
    guarded: bool
    guard: int | None
    changes: list[Change] = field(default_factory=list)

    def add(self, kind: Any, name: str, action: Any, operation: str, **extra: Any) -> None:
        guarded = bool(extra.pop("if_exists", False)) or self.guarded
        line = extra.pop("at", None) or self.line
        self.changes.append(
            Change(
                kind=kind,
                name=name,
                action=action,
                path=self.path,
                line=line,
                column=self.column if line == self.line else 1,
                source=self.source,
                operation=operation,
                guarded=guarded,
                guard=self.guard,
                migration=self.migration,
                **extra,
            )
        )


def parse(
    text: str,
    *,
    path: str,
    dialect: str = "sqlite",
    line: int = 1,
    column: int | None = None,
    source: str = SOURCE,
    migration: str | None = None,
    guarded: bool = False,
    guard: int | None = None,
) -> list[Statement]:
    """Every statement of ``text`` analysed; ``line`` is where ``text`` starts in ``path``.

    ``column`` is the column of statements on the first line when ``text`` is embedded in
    another file (then other statements report column 1).
    """
    lib = _sqlglot()
    name = _DIALECTS.get(dialect, dialect)
    dialect_obj = lib["sqlglot"].Dialect.get_or_raise(name)
    starts = _line_starts(text)
    result: list[Statement] = []
    for span in split(text, name):
        chunk = text[span.start : span.end]
        row = bisect.bisect_right(starts, span.start)
        at_line = line + row - 1
        at_column = span.start - starts[row - 1] + 1
        if column is not None:
            at_column = column if row == 1 else 1
        emitter = _Emitter(
            path=path,
            line=at_line,
            column=at_column,
            source=source,
            migration=migration,
            guarded=guarded,
            guard=guard,
        )
        if span.unclosed is not None:
            opened = line + bisect.bisect_right(starts, span.opened) - 1
            why = (
                f"{span.unclosed} opened at line {opened} is never closed, so the statement has "
                "no end; the rest of the text is not analysed"
            )
            result.append(_problem_statement(chunk, emitter, why))
        else:
            result.append(_statement(chunk, dialect_obj, emitter, lib))
    return result


_PARSER_ERRORS: tuple[type[BaseException], ...] = (
    RecursionError,
    MemoryError,
    # sqlglot raises plain Python errors on some malformed input, not only SqlglotError.
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    AttributeError,
)


def _problem_statement(chunk: str, emitter: _Emitter, why: str) -> Statement:
    return Statement(
        line=emitter.line,
        column=emitter.column,
        key=" ".join(chunk.split()),
        problems=(
            Problem(
                code=CODE,
                path=emitter.path,
                line=emitter.line,
                column=emitter.column,
                message=f"cannot analyze SQL statement: {why}",
            ),
        ),
    )


def _statement(chunk: str, dialect: Any, emitter: _Emitter, lib: Mapping[str, Any]) -> Statement:
    def problem(why: str) -> Statement:
        return _problem_statement(chunk, emitter, why)

    if definition_kind(chunk):
        # A trigger, rule or routine body runs on later calls or writes, not during the
        # migration: nothing to judge (the splitter has already bounded it).
        return Statement(line=emitter.line, column=emitter.column, key=" ".join(chunk.split()))
    # sqlglot keeps REPLACE INTO as an opaque command; read it as the INSERT it is, same length
    # so positions hold, and remember that it replaces existing rows.
    replacing = _REPLACE.match(chunk) is not None
    text = "INSERT " + chunk[7:] if replacing else chunk
    try:
        tokens = dialect.tokenize(text)
        key = ("replace " if replacing else "") + " ".join(
            t.text if t.token_type.name in ("STRING", "IDENTIFIER") else t.text.lower()
            for t in tokens
            if t.token_type.name != "SEMICOLON"
        )
        expressions = dialect.parser().parse(tokens, text)
    except RecursionError:
        return problem("it is nested too deeply")
    except (lib["error"], *_PARSER_ERRORS) as exc:
        return problem(_reason(exc))
    table: TableSpec | None = None
    copy: _Copy | None = None
    try:
        for expression in expressions:
            if expression is None:
                continue
            found = _changes(expression, emitter, lib["exp"], chunk, replacing=replacing)
            if isinstance(found, str):
                return problem(found)
            table = found[0] or table
            copy = found[1] or copy
    except RecursionError:
        return problem("it is nested too deeply")
    return Statement(
        line=emitter.line,
        column=emitter.column,
        key=key,
        changes=tuple(emitter.changes),
        table=table,
        copy=copy,
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return f"sqlglot cannot parse it ({text[:160]})"


def _ident(node: Any, exp: Any) -> str | None:
    """An identifier as SPEC §5 names it: lower-cased unless quoted."""
    if node is None:
        return None
    if isinstance(node, exp.Table):
        node = node.this
    if isinstance(node, (exp.Column, exp.Ordered, exp.Alias)):
        return _ident(node.this, exp) if not isinstance(node, exp.Alias) else None
    if isinstance(node, exp.Identifier):
        return str(node.this) if node.quoted else str(node.this).lower()
    if isinstance(node, exp.Dot):
        return _ident(node.expression, exp)
    if isinstance(node, (exp.Var, exp.Literal)):
        return str(node.this).lower()
    return None


def _meta_line(node: Any, emitter: _Emitter) -> int | None:
    meta = getattr(node, "_meta", None) or {}
    found = meta.get("line")
    return emitter.line + int(found) - 1 if isinstance(found, int) else None


def _type_text(kind: Any) -> str | None:
    if kind is None:
        return None
    text = kind.sql()
    return str(text) if text else None


_AUTO_TYPES = ("SERIAL", "BIGSERIAL", "SMALLSERIAL")


def column_spec(node: Any, exp: Any, *, line: int = 1) -> ColumnSpec | None:
    """A ``ColumnDef`` (or a typeless SQLite column) as a ``ColumnSpec``."""
    if isinstance(node, exp.Identifier):
        return ColumnSpec(name=_ident(node, exp) or "", type=None, line=line)
    if not isinstance(node, exp.ColumnDef):
        return None
    name = _ident(node.this, exp)
    if name is None:
        return None
    kind = node.args.get("kind")
    type_ = _type_text(kind)
    nullable = True
    has_default = bool(type_ and type_.upper() in _AUTO_TYPES)
    primary_key = unique = False
    for constraint in node.args.get("constraints") or ():
        ckind = (
            constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else None
        )
        if isinstance(ckind, exp.NotNullColumnConstraint):
            nullable = bool(ckind.args.get("allow_null"))
        elif isinstance(ckind, exp.PrimaryKeyColumnConstraint):
            primary_key = True
        elif isinstance(ckind, exp.UniqueColumnConstraint):
            unique = True
        elif isinstance(
            ckind,
            (
                exp.DefaultColumnConstraint,
                exp.AutoIncrementColumnConstraint,
                exp.GeneratedAsIdentityColumnConstraint,
                exp.ComputedColumnConstraint,
            ),
        ):
            has_default = True
    if primary_key:
        nullable = False
        # SQLite's INTEGER PRIMARY KEY is the rowid: every insert gets one.
        has_default = has_default or (type_ or "").upper() in ("INT", "INTEGER", "BIGINT")
    return ColumnSpec(
        name=name,
        type=type_,
        nullable=nullable,
        has_default=has_default,
        primary_key=primary_key,
        unique=unique,
        line=line,
    )


def _names(nodes: Iterable[Any], exp: Any) -> tuple[str, ...]:
    found = []
    for node in nodes:
        name = _ident(node, exp)
        if name is not None:
            found.append(name)
    return tuple(found)


def _constraint_columns(node: Any, exp: Any) -> tuple[str, ...]:
    target = node.this if isinstance(node.this, exp.Schema) else node
    return _names(target.expressions, exp)


def _table_spec(schema: Any, name: str, exp: Any, emitter: _Emitter) -> TableSpec:
    specs: list[ColumnSpec] = []
    keys: set[str] = set()
    uniques: set[str] = set()
    constraints = []
    for item in schema.expressions:
        if isinstance(item, exp.Constraint):
            constraints.extend(item.expressions)
        else:
            constraints.append(item)
    for item in constraints:
        if isinstance(item, exp.PrimaryKey):
            keys.update(_names(item.expressions, exp))
        elif isinstance(item, exp.UniqueColumnConstraint):
            columns = _constraint_columns(item, exp)
            if len(columns) == 1:
                uniques.add(columns[0])
        else:
            spec = column_spec(item, exp, line=_meta_line(item.this, emitter) or emitter.line)
            if spec is not None:
                specs.append(spec)
    final = tuple(
        replace(
            spec,
            primary_key=spec.primary_key or spec.name in keys,
            nullable=spec.nullable and spec.name not in keys,
            unique=spec.unique or spec.name in uniques,
        )
        for spec in specs
    )
    return TableSpec(name=name, columns=final, line=emitter.line)


def _is_temporary(node: Any, exp: Any) -> bool:
    properties = node.args.get("properties")
    return properties is not None and any(
        isinstance(p, exp.TemporaryProperty) for p in properties.expressions
    )


_Found = tuple[TableSpec | None, _Copy | None] | str


def _changes(node: Any, emitter: _Emitter, exp: Any, chunk: str, *, replacing: bool) -> _Found:
    """Changes of one parsed statement, or why it cannot be analysed."""
    if isinstance(node, exp.Create):
        return _create(node, emitter, exp)
    if isinstance(node, exp.Alter):
        return _alter(node, emitter, exp)
    if isinstance(node, exp.Drop):
        return _drop(node, emitter, exp)
    if isinstance(node, exp.Delete):
        table = _ident(node.this, exp)
        if table is not None:
            emitter.add(
                "table", table, "altered", "delete_rows", where=bool(node.args.get("where"))
            )
        return None, None
    if isinstance(node, exp.Update):
        table = _ident(node.this, exp)
        if table is not None:
            columns = _names((eq.this for eq in node.expressions if isinstance(eq, exp.EQ)), exp)
            where = node.args.get("where")
            emitter.add(
                "table",
                table,
                "altered",
                "update_rows",
                # A WHERE that folds to true restricts nothing (SPEC §4 MIG106).
                where=where is not None and not _always_true(where.this, exp),
                columns=columns,
            )
        return None, None
    if isinstance(node, exp.TruncateTable):
        for table in _names(node.expressions, exp):
            emitter.add("table", table, "altered", "truncate")
        return None, None
    if isinstance(node, exp.Insert):
        return _insert(node, emitter, exp, replacing=replacing)
    if isinstance(node, exp.Pragma):
        return _pragma(node, exp)
    if isinstance(node, exp.Command):
        return _command(node, emitter, chunk)
    if isinstance(node, (exp.Condition, exp.Alias, exp.Identifier)):
        # sqlglot reads an unknown leading word as an expression (`SELEC x` → an alias).
        first = chunk.split(None, 1)[0].upper() if chunk.split() else ""
        if first not in _BARE_STATEMENTS:
            return "it is not a statement sqlglot knows"
    return None, None


def _create(node: Any, emitter: _Emitter, exp: Any) -> _Found:
    kind = str(node.args.get("kind") or "").upper()
    guarded = bool(node.args.get("exists"))
    if kind == "TABLE":
        if _is_temporary(node, exp):
            return None, None  # gone at the end of the session: holds no data
        target = node.this
        name = _ident(target.this if isinstance(target, exp.Schema) else target, exp)
        if name is None:
            return "the table name is not an identifier"
        emitter.add("table", name, "added", "create_table", if_exists=guarded)
        copy = None
        if isinstance(target, exp.Schema):
            spec = _table_spec(target, name, exp, emitter)
        else:
            spec = TableSpec(name=name, columns=(), line=emitter.line)
            select = node.expression
            if isinstance(select, exp.Select):
                # CREATE TABLE … AS SELECT a AS b: the new column is b, filled from a.
                names = tuple(
                    n
                    for p in select.expressions
                    if (n := _ident(p.args.get("alias") or p, exp)) is not None
                )
                copy = _copy_of(name, names or None, select, exp)
                spec = TableSpec(
                    name=name,
                    columns=tuple(ColumnSpec(name=c, type=None) for c in names),
                    line=emitter.line,
                )
        for column in spec.columns:
            emitter.add(
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
        return spec, copy
    if kind == "INDEX":
        index = node.this
        name = _ident(index.this, exp)
        table = _ident(index.args.get("table"), exp)
        params = index.args.get("params")
        indexed = _names(params.args.get("columns") or () if params else (), exp)
        if name is None and table is not None:
            name = "_".join(("ix", table, *indexed))
        if name is not None:
            emitter.add(
                "index",
                name,
                "added",
                "create_index",
                if_exists=guarded,
                unique=bool(node.args.get("unique")),
                columns=indexed,
                table=table,
            )
    return None, None


def _alter(node: Any, emitter: _Emitter, exp: Any) -> _Found:
    if str(node.args.get("kind") or "TABLE").upper() != "TABLE":
        return None, None
    table = _ident(node.this, exp)
    if table is None:
        return "the table name is not an identifier"
    guarded = bool(node.args.get("exists"))
    for action in node.args.get("actions") or ():
        if isinstance(action, exp.ColumnDef):
            spec = column_spec(action, exp)
            if spec is None:
                continue
            emitter.add(
                "column",
                f"{table}.{spec.name}",
                "added",
                "add_column",
                if_exists=guarded or bool(action.args.get("exists")),
                type=spec.type,
                nullable=spec.nullable,
                has_default=spec.has_default,
                unique=spec.unique,
            )
            if spec.unique:
                emitter.add(
                    "index",
                    f"uq_{table}_{spec.name}",
                    "added",
                    "create_unique_constraint",
                    unique=True,
                    columns=(spec.name,),
                    table=table,
                )
        elif isinstance(action, exp.Drop):
            if str(action.args.get("kind") or "COLUMN").upper() == "COLUMN":
                for column in _names(action.args.get("tables") or (), exp):
                    emitter.add(
                        "column",
                        f"{table}.{column}",
                        "dropped",
                        "drop_column",
                        if_exists=guarded or bool(action.args.get("exists")),
                    )
        elif isinstance(action, exp.RenameColumn):
            old, new = _ident(action.this, exp), _ident(action.args.get("to"), exp)
            if old and new and old != new:
                emitter.add(
                    "column",
                    f"{table}.{new}",
                    "renamed",
                    "rename_column",
                    old_name=f"{table}.{old}",
                    if_exists=guarded,
                )
        elif isinstance(action, exp.AlterRename):
            new = _ident(action.this, exp)
            if new and new != table:
                emitter.add(
                    "table", new, "renamed", "rename_table", old_name=table, if_exists=guarded
                )
        elif isinstance(action, exp.AlterColumn):
            _alter_column(action, table, guarded, emitter, exp)
        elif isinstance(action, exp.ModifyColumn):
            _modify_column(action, table, guarded, emitter, exp)
        elif isinstance(action, exp.AddConstraint):
            _add_constraint(action, table, guarded, emitter, exp)
    return None, None


def _alter_column(action: Any, table: str, guarded: bool, emitter: _Emitter, exp: Any) -> None:
    column = _ident(action.this, exp)
    if column is None:
        return
    type_ = _type_text(action.args.get("dtype"))
    allow_null = action.args.get("allow_null")
    nullable = None if allow_null is None else bool(allow_null)
    has_default: bool | None = None
    if action.args.get("default") is not None:
        has_default = True
    elif action.args.get("drop") and allow_null is None:
        has_default = False
    if type_ is None and nullable is None and has_default is None:
        return
    emitter.add(
        "column",
        f"{table}.{column}",
        "altered",
        "alter_column",
        if_exists=guarded,
        type=type_,
        nullable=nullable,
        has_default=has_default,
    )


def _modify_column(action: Any, table: str, guarded: bool, emitter: _Emitter, exp: Any) -> None:
    """MySQL ``MODIFY`` / ``CHANGE``: the column restated in full, maybe under a new name."""
    spec = column_spec(action.this, exp)
    if spec is None:
        return
    old = _ident(action.args.get("rename_from"), exp)
    if old is not None and old != spec.name:
        emitter.add(
            "column",
            f"{table}.{spec.name}",
            "renamed",
            "rename_column",
            old_name=f"{table}.{old}",
            if_exists=guarded,
        )
    emitter.add(
        "column",
        f"{table}.{spec.name}",
        "altered",
        "alter_column",
        if_exists=guarded,
        type=spec.type,
        nullable=spec.nullable,
        has_default=spec.has_default,
    )


def _add_constraint(action: Any, table: str, guarded: bool, emitter: _Emitter, exp: Any) -> None:
    for item in action.expressions:
        name: str | None = None
        parts = [item]
        if isinstance(item, exp.Constraint):
            name = _ident(item.this, exp)
            parts = list(item.expressions)
        for part in parts:
            if not isinstance(part, exp.UniqueColumnConstraint):
                continue
            columns = _constraint_columns(part, exp)
            if isinstance(part.this, exp.Schema) and name is None:
                name = _ident(part.this.this, exp)
            emitter.add(
                "index",
                name or "_".join(("uq", table, *columns)),
                "added",
                "create_unique_constraint",
                if_exists=guarded,
                unique=True,
                columns=columns,
                table=table,
            )


def _drop(node: Any, emitter: _Emitter, exp: Any) -> _Found:
    kind = str(node.args.get("kind") or "").upper()
    guarded = bool(node.args.get("exists"))
    names = _names(node.args.get("tables") or (), exp)
    if kind == "TABLE":
        if _is_temporary(node, exp):
            return None, None
        for name in names:
            emitter.add("table", name, "dropped", "drop_table", if_exists=guarded)
    elif kind == "INDEX":
        cluster = node.args.get("cluster")
        table = _ident(cluster.this, exp) if isinstance(cluster, exp.OnProperty) else None
        for name in names:
            emitter.add("index", name, "dropped", "drop_index", if_exists=guarded, table=table)
    return None, None


def _copy_of(target: str, columns: tuple[str, ...] | None, select: Any, exp: Any) -> _Copy:
    from_ = select.args.get("from_") or select.args.get("from")
    source = None
    if from_ is not None and isinstance(from_.this, exp.Table) and not select.args.get("joins"):
        source = _ident(from_.this, exp)
    values: list[str | None] | None = []
    for projection in select.expressions:
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            values = None
            break
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        assert values is not None
        values.append(_ident(inner, exp) if isinstance(inner, exp.Column) else None)
    return _Copy(
        target=target,
        source=source,
        columns=columns,
        values=None if values is None else tuple(values),
    )


def _insert(node: Any, emitter: _Emitter, exp: Any, *, replacing: bool) -> _Found:
    target_node = node.this
    columns: tuple[str, ...] | None = None
    if isinstance(target_node, exp.Schema):
        columns = _names(target_node.expressions, exp)
        target_node = target_node.this
    target = _ident(target_node, exp)
    if target is None:
        return None, None
    conflict = node.args.get("conflict")
    if replacing or str(node.args.get("alternative") or "").upper() == "REPLACE":
        # REPLACE deletes each conflicting row and inserts the new one: whole rows overwritten.
        emitter.add("table", target, "altered", "replace_rows")
    elif conflict is not None and conflict.expressions:
        # ON CONFLICT … DO UPDATE SET / ON DUPLICATE KEY UPDATE: these columns are overwritten.
        emitter.add("table", target, "altered", "replace_rows", columns=_set_columns(conflict, exp))
    select = node.expression
    if not isinstance(select, exp.Select):
        return None, None  # the inserted rows themselves are new; they lose none
    copy = _copy_of(target, columns, select, exp)
    emitter.add("table", target, "altered", "insert_select", columns=columns or ())
    return None, copy


def _set_columns(conflict: Any, exp: Any) -> tuple[str, ...]:
    targets: list[Any] = []
    for assignment in conflict.expressions:
        if isinstance(assignment, exp.EQ):
            left = assignment.this
            targets.extend(left.expressions if isinstance(left, exp.Tuple) else (left,))
    return _names(targets, exp)


_TAUTOLOGY_NODES = 32
_FALSE_SETTINGS = frozenset({"0", "off", "false", "no", "reset"})


def _always_true(node: Any, exp: Any) -> bool:
    """Does a WHERE condition hold for every row, as sqlglot's simplifier folds it?

    ``1=1``, ``TRUE``, ``'a'='a'``, ``1``, ``x IS x`` and any OR with such an operand are
    true; ``x = x`` is not (NULL = NULL is not true, so it skips rows where x is NULL). AND/OR
    chains are walked here, linearly; only small operands go through ``simplify``, which is
    quadratic on long chains.
    """
    from sqlglot.errors import SqlglotError
    from sqlglot.optimizer.simplify import simplify

    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Or):
        return any(_always_true(part, exp) for part in node.flatten())
    if isinstance(node, exp.And):
        return all(_always_true(part, exp) for part in node.flatten())
    if sum(1 for _ in itertools.islice(node.walk(), _TAUTOLOGY_NODES + 1)) > _TAUTOLOGY_NODES:
        return False
    errors: tuple[type[BaseException], ...] = (SqlglotError, *_PARSER_ERRORS)
    try:
        folded = simplify(node.copy())
    except errors:
        return False  # not foldable: judged as the restricting WHERE it appears to be
    if isinstance(folded, exp.Boolean):
        return bool(folded.this)
    if isinstance(folded, exp.Literal) and not folded.is_string:
        # SQLite and MySQL read a non-zero number as true.
        return _number(folded.this) not in (None, 0)
    if isinstance(folded, exp.NullSafeEQ):
        # x IS x holds for NULL too; only plain columns, a function call may differ each time.
        left, right = folded.this, folded.expression
        return isinstance(left, exp.Column) and left == right
    return False


def _number(text: Any) -> float | None:
    try:
        return float(str(text))
    except ValueError:
        return None


def _pragma(node: Any, exp: Any) -> _Found:
    setting = node.this
    if not isinstance(setting, exp.EQ) or _ident(setting.this, exp) != "writable_schema":
        return None, None
    if (_ident(setting.expression, exp) or "").lower() in _FALSE_SETTINGS:
        return None, None
    # MIG301, not MIG105: the statements that follow rewrite sqlite_master's text directly,
    # so which tables change, and how, is not something a plan could name.
    return (
        "PRAGMA writable_schema lets the migration rewrite sqlite_master directly; "
        "the schema changes it makes cannot be analysed"
    )


def _command(node: Any, emitter: _Emitter, chunk: str) -> _Found:
    match = _RENAME_TABLE.match(chunk)
    if match:
        # str.split, not a regex: linear whatever the spacing (the old regex was cubic).
        for pair in chunk[match.end() :].rstrip(" \t\r\n;").split(","):
            names = pair.split()
            if len(names) != 3 or names[1].lower() != "to":
                return "RENAME TABLE is not `old TO new`"
            old, new = _plain(names[0]), _plain(names[2])
            emitter.add("table", new, "renamed", "rename_table", old_name=old)
        return None, None
    if _DO_BLOCK.match(chunk):
        return "a DO block runs procedural code whose changes cannot be analysed"
    if _DATA_COMMAND.match(chunk):
        return "sqlglot does not understand this statement"
    return None, None


def _plain(name: str) -> str:
    name = name.rsplit(".", 1)[-1]
    if name[:1] in '`"[' and len(name) > 1:
        return name[1:-1]
    return name.lower()


# --- the rebuild pattern ------------------------------------------------------------------


def _one(stmt: Statement, operation: str, name: str) -> Change | None:
    return next(
        (
            c
            for c in stmt.changes
            if c.operation == operation and c.name == name and (c.kind == "table")
        ),
        None,
    )


def _copy_into(stmt: Statement, target: str, source: str) -> bool:
    return stmt.copy is not None and stmt.copy.target == target and stmt.copy.source == source


@dataclass(frozen=True, slots=True)
class _Rebuild:
    table: str
    temp: str
    create: int
    copy: int
    # Statement indexes and the change each contributes that the rebuild replaces.
    consumed: tuple[tuple[int, str, str], ...]


def _find_rebuilds(stmts: Sequence[Statement]) -> list[_Rebuild]:
    """The create → copy → drop → rename pattern and its rename-away-first variant (SPEC §3.2)."""
    found: list[_Rebuild] = []
    used: set[int] = set()
    for r, stmt in enumerate(stmts):
        for rename in stmt.changes:
            if rename.operation != "rename_table" or rename.old_name is None or r in used:
                continue
            forward = _forward(stmts, r, rename.old_name, rename.name, used)
            backward = None if forward else _backward(stmts, r, rename.name, rename.old_name, used)
            hit = forward or backward
            if hit is not None:
                found.append(hit)
                used.update(i for i, _, _ in hit.consumed)
    return found


def _forward(
    stmts: Sequence[Statement], r: int, temp: str, table: str, used: set[int]
) -> _Rebuild | None:
    """create temp → copy table into temp → drop table → rename temp to table."""
    drop = next((d for d in range(r - 1, -1, -1) if _one(stmts[d], "drop_table", table)), None)
    if drop is None or drop in used:
        return None
    for c in range(drop - 1, -1, -1):
        if _one(stmts[c], "create_table", temp) is None:
            continue
        copy = next((i for i in range(c, drop) if _copy_into(stmts[i], temp, table)), None)
        if copy is None or c in used or copy in used:
            return None
        consumed = (
            (c, "", temp),
            (copy, "insert_select", temp),
            (drop, "drop_table", table),
            (r, "rename_table", table),
        )
        return _Rebuild(table=table, temp=temp, create=c, copy=copy, consumed=consumed)
    return None


def _backward(
    stmts: Sequence[Statement], r: int, old: str, table: str, used: set[int]
) -> _Rebuild | None:
    """rename table away → create table → copy from the old copy → drop the old copy."""
    create = next(
        (c for c in range(r + 1, len(stmts)) if _one(stmts[c], "create_table", table)), None
    )
    if create is None or create in used:
        return None
    copy = next((i for i in range(create, len(stmts)) if _copy_into(stmts[i], table, old)), None)
    if copy is None or copy in used:
        return None
    drop = next((d for d in range(copy + 1, len(stmts)) if _one(stmts[d], "drop_table", old)), None)
    if drop is None or drop in used:
        return None
    consumed = (
        (r, "rename_table", old),
        (create, "", table),
        (copy, "insert_select", table),
        (drop, "drop_table", old),
    )
    return _Rebuild(table=table, temp=old, create=create, copy=copy, consumed=consumed)


def _replaced(change: Change, rebuild: _Rebuild, index: int) -> bool:
    for i, operation, name in rebuild.consumed:
        if i != index:
            continue
        if operation == "" and change.operation == "create_table":
            return True  # the new table and its columns
        if operation == "insert_select" and change.kind == "table" and change.name == name:
            return True  # the copy, also when it is a REPLACE INTO the new table
        if change.operation == operation and change.name == name and change.kind == "table":
            return True
    return False


def _rebuild_changes(
    rebuild: _Rebuild, stmts: Sequence[Statement], old: TableSpec | None
) -> list[Change]:
    """One rebuild_table, plus the columns the copy loses, renames or narrows (SPEC §3.2)."""
    create = stmts[rebuild.create]
    anchor = next(c for c in create.changes if c.kind == "table")
    table = rebuild.table
    new = create.table or TableSpec(name=table, columns=())
    copy = stmts[rebuild.copy].copy
    assert copy is not None

    def change(kind: Any, name: str, action: Any, operation: str, **extra: Any) -> Change:
        line = extra.pop("line", anchor.line)
        return replace(
            anchor,
            kind=kind,
            name=name,
            action=action,
            operation=operation,
            line=line,
            column=anchor.column if line == anchor.line else 1,
            **extra,
        )

    out = [change("table", table, "altered", "rebuild_table")]
    targets = list(copy.columns) if copy.columns is not None else [c.name for c in new.columns]
    filled: dict[str, str | None] = {}
    if copy.values is None:  # SELECT *: by position from the old table, else by name
        sources = [c.name for c in old.columns] if old is not None else targets
        filled = dict(zip(targets, sources, strict=False))
    else:
        filled = dict(zip(targets, copy.values, strict=False))
    used_sources = {s for s in filled.values() if s is not None}
    for column in new.columns:
        name = f"{table}.{column.name}"
        if column.name in filled:
            source = filled[column.name]
            before = old.column(source) if old is not None and source is not None else None
            if source is not None and source != column.name and (old is None or before):
                out.append(
                    change(
                        "column",
                        name,
                        "renamed",
                        "rename_column",
                        old_name=f"{table}.{source}",
                        line=column.line,
                    )
                )
            if before is None:
                continue
            retyped = (
                before.type is not None
                and column.type is not None
                and (_normal_type(before.type) != _normal_type(column.type))
            )
            narrowed = before.nullable and not column.nullable and not column.primary_key
            if retyped or narrowed:
                out.append(
                    change(
                        "column",
                        name,
                        "altered",
                        "alter_column",
                        type=column.type if retyped else None,
                        old_type=before.type if retyped else None,
                        nullable=False if narrowed else None,
                        has_default=column.has_default,
                        line=column.line,
                    )
                )
        elif old is not None and old.column(column.name) is None:
            out.append(
                change(
                    "column",
                    name,
                    "added",
                    "add_column",
                    type=column.type,
                    nullable=column.nullable,
                    has_default=column.has_default,
                    unique=column.unique,
                    line=column.line,
                )
            )
        elif not column.nullable and not column.has_default:
            # Not filled by the copy, NOT NULL and no default: every copied row fails or is
            # forced a value nobody reviewed (SPEC §3.2 "newly NOT NULL").
            out.append(
                change(
                    "column",
                    name,
                    "altered",
                    "alter_column",
                    nullable=False,
                    has_default=False,
                    line=column.line,
                )
            )
    if old is not None:
        for column in old.columns:
            if column.name not in used_sources and new.column(column.name) is None:
                out.append(change("column", f"{table}.{column.name}", "dropped", "drop_column"))
    return out


def _normal_type(text: str | None) -> str:
    return "".join((text or "").lower().split())


def fold_rebuilds(
    stmts: Sequence[Statement], prior: Callable[[], Schema] | None = None
) -> list[Change]:
    """The statements' changes with every rebuild pattern folded into one ``rebuild_table``.

    ``prior`` gives the schema before the first statement (read lazily: only a rebuild needs
    the old table's columns to tell which ones the copy loses).
    """
    rebuilds = _find_rebuilds(stmts)
    if not rebuilds:
        return [c for s in stmts for c in s.changes]
    base = prior() if prior is not None else Schema()
    by_first: dict[int, _Rebuild] = {min(i for i, _, _ in rb.consumed): rb for rb in rebuilds}
    out: list[Change] = []
    for index, stmt in enumerate(stmts):
        rebuild = by_first.get(index)
        if rebuild is not None:
            before = replay(stmts[:index], base)
            old_name = rebuild.table
            out.extend(_rebuild_changes(rebuild, stmts, before.tables.get(old_name)))
        for change in stmt.changes:
            if not any(_replaced(change, rb, index) for rb in rebuilds):
                out.append(change)
    return out


# --- schema replay ------------------------------------------------------------------------


def replay(stmts: Iterable[Statement], schema: Schema | None = None) -> Schema:
    """The schema after applying ``stmts`` to ``schema`` (SQL migrations, dumps)."""
    tables = dict(schema.tables) if schema is not None else {}
    indexes = dict(schema.indexes) if schema is not None else {}
    for stmt in stmts:
        for change in stmt.changes:
            _apply(change, stmt, tables, indexes)
    return Schema(tables=tables, indexes=indexes)


def _apply(
    change: Change, stmt: Statement, tables: dict[str, TableSpec], indexes: dict[str, IndexSpec]
) -> None:
    op = change.operation
    table_name, _, column_name = change.name.rpartition(".")
    if op == "create_table" and change.kind == "table":
        if change.guarded and change.name in tables:
            return
        tables[change.name] = stmt.table or TableSpec(name=change.name, columns=())
    elif op == "drop_table":
        tables.pop(change.name, None)
        for key in [k for k, v in indexes.items() if v.table == change.name]:
            del indexes[key]
    elif op == "rename_table" and change.old_name in tables:
        spec = tables.pop(change.old_name)
        tables[change.name] = replace(spec, name=change.name)
        for key, index in list(indexes.items()):
            if index.table == change.old_name:
                indexes[key] = replace(index, table=change.name)
    elif change.kind == "column" and table_name in tables:
        spec = tables[table_name]
        columns = list(spec.columns)
        if op == "add_column" and spec.column(column_name) is None:
            columns.append(
                ColumnSpec(
                    name=column_name,
                    type=change.type,
                    nullable=change.nullable is not False,
                    has_default=bool(change.has_default),
                    unique=change.unique,
                    line=change.line,
                )
            )
        elif op == "drop_column":
            columns = [c for c in columns if c.name != column_name]
        elif op == "rename_column" and change.old_name:
            old = change.old_name.rpartition(".")[2]
            columns = [replace(c, name=column_name) if c.name == old else c for c in columns]
        elif op == "alter_column":
            columns = [
                replace(
                    c,
                    type=change.type or c.type,
                    nullable=c.nullable if change.nullable is None else change.nullable,
                    has_default=c.has_default if change.has_default is None else change.has_default,
                )
                if c.name == column_name
                else c
                for c in columns
            ]
        tables[table_name] = replace(spec, columns=tuple(columns))
    elif op in ("create_index", "create_unique_constraint") and change.table:
        indexes[change.name] = IndexSpec(
            name=change.name,
            table=change.table,
            columns=change.columns,
            unique=change.unique,
            line=change.line,
        )
    elif op == "drop_index":
        indexes.pop(change.name, None)


# --- entry points -------------------------------------------------------------------------


def analyze_sql(
    sql: str,
    *,
    path: str,
    line: int,
    dialect: str,
    migration: str | None,
    source: str,
    guarded: bool,
    guard: int | None,
    sequence: int,
    column: int | None = None,
    prior: Callable[[], Schema] | None = None,
) -> DetectorResult:
    """Changes made by literal SQL that starts at ``line`` of ``path`` (SPEC §3.1, §3.2)."""
    stmts = parse(
        sql,
        path=path,
        dialect=dialect,
        line=line,
        column=column if column is not None else (1 if source != SOURCE else None),
        source=source,
        migration=migration,
        guarded=guarded,
        guard=guard,
    )
    changes = fold_rebuilds(stmts, prior)
    if sequence:
        changes = [replace(c, sequence=sequence) for c in changes]
    return DetectorResult(
        changes=tuple(changes), problems=tuple(p for s in stmts for p in s.problems)
    )


def _problem(path: str, why: str) -> Problem:
    return Problem(code=CODE, path=path, line=1, message=f"cannot analyze SQL migration: {why}")


class SqlDetector:
    """Forward SQL migrations (``*.sql`` that are neither snapshots nor rollbacks)."""

    name = "sql"

    def claims(self, path: str, ctx: DetectContext) -> bool:
        return sources.sql(path, ctx)

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        path = change.path
        if change.status == "deleted":
            return DetectorResult(edited=True)
        edit_status = change.status in _EDIT_STATUSES
        if change.binary or change.too_large:
            why = "it is a binary file" if change.binary else "it is larger than max_file_bytes"
            return DetectorResult(problems=(_problem(path, why),), edited=edit_status)
        text = change.new_text
        if text is None:
            return DetectorResult()
        problems: list[Problem] = []
        if change.undecodable:
            problems.append(_problem(path, "it is not valid UTF-8 (read with replacements)"))
        if "\0" in text:
            # Past the binary sniff: databases stop reading, or refuse, at a NUL byte.
            problems.append(_problem(path, "it contains NUL bytes"))
        dialect = ctx.config.dialect
        stmts = parse(text, path=path, dialect=dialect, migration=path)
        edited = False
        if edit_status and change.old_text is not None:
            old = parse(change.old_text, path=path, dialect=dialect, migration=path)
            edited = [s.key for s in old] != [s.key for s in stmts]
            stmts = _new_statements(stmts, old)
        if change.status in ("added", "copied"):
            problems.extend(_out_of_order(path, ctx))
        changes = fold_rebuilds(stmts, lambda: _prior_schema(path, ctx))
        problems.extend(p for s in stmts for p in s.problems)
        return DetectorResult(changes=tuple(changes), problems=tuple(problems), edited=edited)


def _new_statements(stmts: Sequence[Statement], old: Sequence[Statement]) -> list[Statement]:
    """Statements of the new text with no counterpart in the old one, as multisets."""
    remaining = Counter(s.key for s in old)
    kept = []
    for stmt in stmts:
        if remaining[stmt.key] > 0:
            remaining[stmt.key] -= 1
        else:
            kept.append(stmt)
    return kept


def _siblings(path: str, ctx: DetectContext) -> list[str]:
    """SQL migrations in the same directory as ``path`` on the head side, sorted by name."""
    return list(_migrations_by_folder(ctx).get(posixpath.dirname(path), ()))


# The last listing indexed, with its config: every SQL file of a run asks for its siblings,
# and scanning the whole listing each time makes an audit quadratic in the repository size.
_FOLDERS: list[tuple[tuple[str, ...], object, dict[str, tuple[str, ...]]]] = []


def _migrations_by_folder(ctx: DetectContext) -> Mapping[str, tuple[str, ...]]:
    if ctx.head is None:
        return {}
    listing = ctx.head.paths()
    if _FOLDERS and _FOLDERS[0][0] is listing and _FOLDERS[0][1] is ctx.config:
        return _FOLDERS[0][2]
    found: dict[str, list[str]] = {}
    for p in listing:
        if role(p, ctx) == "migration":
            found.setdefault(posixpath.dirname(p), []).append(p)
    index = {folder: tuple(sorted(paths)) for folder, paths in found.items()}
    _FOLDERS[:] = [(listing, ctx.config, index)]
    return index


def _out_of_order(path: str, ctx: DetectContext) -> Iterator[Problem]:
    """MIG205: a new migration that sorts before one already present at the base."""
    added = {p for p, status in ctx.statuses.items() if status in ("added", "copied")}
    deleted = {p for p, status in ctx.statuses.items() if status == "deleted"}
    folder = posixpath.dirname(path)
    base = [p for p in _siblings(path, ctx) if p not in added]
    base += [p for p in deleted if posixpath.dirname(p) == folder and role(p, ctx) == "migration"]
    name = posixpath.basename(path)
    later = sorted(p for p in base if posixpath.basename(p) > name)
    if later:
        yield Problem(
            code="MIG205",
            path=path,
            line=1,
            message=(
                f"new migration {name} sorts before {posixpath.basename(later[-1])}, "
                "which is already present at the base"
            ),
        )


def _prior_schema(path: str, ctx: DetectContext) -> Schema:
    """The schema built by the SQL migrations that sort before ``path`` in its directory."""
    if ctx.head is None:
        return Schema()
    earlier = [p for p in _siblings(path, ctx) if p < path]
    schema = Schema()
    texts = ctx.head.read_many(earlier)
    for sibling in earlier:
        data = texts.get(sibling)
        if data is None or b"\0" in data[:8000]:
            continue
        text = data.decode("utf-8-sig", errors="replace")
        schema = replay(parse(text, path=sibling, dialect=ctx.config.dialect), schema)
    return schema


DETECTOR = SqlDetector()

# It reads earlier migrations of the same folder from the head side (the schema before a
# rebuild), so it stays in the main process.
SPEC = DetectorSpec(
    name="sql",
    role="migrations",
    source_keys=("sql", "rollback_sql"),
    self_contained=False,
    idempotent_ops=("create_table", "create_index"),
)
