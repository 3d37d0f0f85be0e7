"""One SQL statement → ``Change`` records in the vocabulary the rules read (docs/usage.md).

create_table, add_column, drop_column, rename_table, rename_column, alter_column, drop_table,
create_index, drop_index (``ddl``), delete_rows, update_rows, truncate, replace_rows and
insert_select (here). A statement sqlglot cannot parse becomes one MIG301 at its line.

Identifiers are lower-cased unless quoted; a schema qualifier (``public.t``) is dropped.
Column types are sqlglot's neutral rendering (``VARCHAR(30)``, ``INT``), so two snapshots of
different dialects compare equal when they mean the same type.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from selenite_inventory_lint.detectors.sql import ddl, fast
from selenite_inventory_lint.detectors.sql.nodes import Copy, Emitter, Found, copy_of, ident, idents
from selenite_inventory_lint.detectors.sql.split import (
    DIALECTS,
    line_starts,
    split,
)
from selenite_inventory_lint.model import Change, Problem, Source
from selenite_inventory_lint.schema import Table

CODE = "MIG301"
SOURCE: Final = "sql"

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


class Statement(NamedTuple):
    """One analysed statement: its position, normalised text and what it changes (a
    NamedTuple, like ``split.Span``: one is made per statement)."""

    line: int
    column: int
    key: str
    changes: tuple[Change, ...] = ()
    problems: tuple[Problem, ...] = ()
    table: Table | None = None
    copy: Copy | None = None


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
        _SQLGLOT.update(sqlglot=sqlglot, exp=exp, error=SqlglotError, tokens=sqlglot.TokenType)
    return _SQLGLOT


@dataclass(frozen=True, slots=True)
class _Tools:
    """One dialect's tokenizer and parser, built once: both reset themselves on every call,
    and building them per statement was a tenth of the detector's time."""

    tokenizer: Any
    parser: Any


_TOOLS: dict[str, _Tools] = {}


def _tools(name: str, lib: Mapping[str, Any]) -> _Tools:
    tools = _TOOLS.get(name)
    if tools is None:
        dialect = lib["sqlglot"].Dialect.get_or_raise(name)
        tools = _TOOLS[name] = _Tools(tokenizer=dialect.tokenizer(), parser=dialect.parser())
    return tools


def _syntax_trees(tools: _Tools, tokens: list[Any], text: str) -> list[Any]:
    """sqlglot's parse of one statement (a function of its own, so tests can count calls)."""
    return list(tools.parser.parse(tokens, text))


def parse(
    text: str,
    *,
    path: str,
    dialect: str = "sqlite",
    line: int = 1,
    column: int | None = None,
    source: Source = SOURCE,
    migration: str | None = None,
    guarded: bool = False,
    guard: int | None = None,
) -> list[Statement]:
    """Every statement of ``text`` analysed; ``line`` is where ``text`` starts in ``path``.

    ``column`` is the column of statements on the first line when ``text`` is embedded in
    another file (then other statements report column 1).
    """
    name = DIALECTS.get(dialect, dialect)
    quick = name in fast.DIALECTS
    starts = line_starts(text)
    result: list[Statement] = []
    # One emitter for every statement, moved to each one's position: each reader copies its
    # changes out before the next statement.
    emitter = Emitter(
        path=path,
        line=line,
        column=1,
        source=source,
        migration=migration,
        guarded=guarded,
        guard=guard,
    )
    for span in split(text, name):
        chunk = text[span.start : span.end]
        row = bisect.bisect_right(starts, span.start)
        at_line = line + row - 1
        at_column = span.start - starts[row - 1] + 1
        if column is not None:
            at_column = column if row == 1 else 1
        emitter.line = at_line
        emitter.column = at_column
        emitter.changes.clear()
        if span.unclosed is not None:
            opened = line + bisect.bisect_right(starts, span.opened) - 1
            why = (
                f"{span.unclosed} opened at line {opened} is never closed, so the statement has "
                "no end; the rest of the text is not analysed"
            )
            result.append(_problem_statement(chunk, emitter, why))
        elif span.definition:
            # A trigger, rule or routine body runs on later calls or writes, not during the
            # migration: nothing to judge (the splitter has already bounded it).
            result.append(Statement(line=at_line, column=at_column, key=" ".join(chunk.split())))
        elif quick and (found := fast.read(chunk, name, emitter)) is not None:
            key, table, copy = found
            changes = tuple(emitter.changes)
            result.append(Statement(at_line, at_column, key, changes, (), table, copy))
        else:
            lib = _sqlglot()
            result.append(_statement(chunk, _tools(name, lib), emitter, lib))
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


def _problem_statement(chunk: str, emitter: Emitter, why: str) -> Statement:
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


def _statement(chunk: str, tools: _Tools, emitter: Emitter, lib: Mapping[str, Any]) -> Statement:
    def problem(why: str) -> Statement:
        return _problem_statement(chunk, emitter, why)

    # sqlglot keeps REPLACE INTO as an opaque command; read it as the INSERT it is, same length
    # so positions hold, and remember that it replaces existing rows.
    replacing = _REPLACE.match(chunk) is not None
    text = "INSERT " + chunk[7:] if replacing else chunk
    try:
        tokens = tools.tokenizer.tokenize(text)
        key = ("replace " if replacing else "") + _key(tokens, lib["tokens"])
        if not replacing and _inert(tokens, lib["tokens"]):
            return Statement(line=emitter.line, column=emitter.column, key=key)
        expressions = _syntax_trees(tools, tokens, text)
    except RecursionError:
        return problem("it is nested too deeply")
    except (lib["error"], *_PARSER_ERRORS) as exc:
        return problem(_reason(exc))
    table: Table | None = None
    copy: Copy | None = None
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


def _key(tokens: list[Any], types: Any) -> str:
    """The statement's tokens, lower-cased but for strings and quoted names: equal keys mean
    the same statement however it is spaced or cased."""
    string, quoted, semicolon = types.STRING, types.IDENTIFIER, types.SEMICOLON
    words = []
    for token in tokens:
        kind = token.token_type
        if kind is semicolon:
            continue
        words.append(token.text if kind is string or kind is quoted else token.text.lower())
    return " ".join(words)


def _inert(tokens: list[Any], types: Any) -> bool:
    """Does the token stream alone show a statement that changes nothing, exactly as its
    parse would? Only whole, closed forms qualify: nothing (comments), BEGIN/COMMIT/ROLLBACK,
    ``COMMENT ON TABLE|COLUMN name IS 'text'`` and ``INSERT INTO name [(names)] VALUES
    (literals), … [ON CONFLICT [(names)] DO NOTHING]``. Anything else, however close, is
    parsed by sqlglot, which also judges whether it is well formed (SET is left to it: some
    names, such as ``transaction``, make it another statement)."""
    end = len(tokens)
    while end and tokens[end - 1].token_type is types.SEMICOLON:
        end -= 1
    if end and tokens[0].token_type not in (
        types.INSERT,
        types.BEGIN,
        types.COMMIT,
        types.ROLLBACK,
        types.COMMENT,
    ):
        return False  # most statements, decided without building the lists below
    kinds = [t.token_type for t in tokens[:end]]
    words = [t.text.lower() for t in tokens[:end]]
    if not kinds:
        return True
    first = kinds[0]
    if first is types.BEGIN or first is types.COMMIT:
        return end == 1 or (end == 2 and words[1] in ("transaction", "work"))
    if first is types.ROLLBACK:
        return end == 1
    if first is types.COMMENT:
        return (
            end >= 6
            and kinds[1] is types.ON
            and kinds[2] in (types.TABLE, types.COLUMN)
            and _name(kinds, 3, types) == end - 2
            and kinds[end - 2] is types.IS
            and kinds[end - 1] is types.STRING
        )
    if first is types.INSERT and end > 2 and kinds[1] is types.INTO:
        return _insert_values(kinds, words, types)
    return False


def _name(kinds: list[Any], at: int, types: Any) -> int:
    """Where a plain, possibly qualified name starting at ``at`` ends; ``at`` if there is none."""
    pos = at
    for _ in range(3):
        if pos >= len(kinds) or kinds[pos] not in (types.VAR, types.IDENTIFIER):
            return at
        pos += 1
        if pos >= len(kinds) or kinds[pos] is not types.DOT:
            return pos
        pos += 1
    return at


def _insert_values(kinds: list[Any], words: list[str], types: Any) -> bool:
    """``INSERT INTO name [(names)] VALUES (literals), … [ON CONFLICT [(names)] DO NOTHING]``:
    new rows only, which lose nothing (see ``_insert``)."""
    end = len(kinds)
    pos = _name(kinds, 2, types)
    if pos == 2:
        return False
    pos = _names_list(kinds, pos, types)
    if pos >= end or kinds[pos] is not types.VALUES:
        return False
    literals = (types.STRING, types.NUMBER, types.NULL, types.TRUE, types.FALSE)
    while True:
        pos += 1
        if pos >= end or kinds[pos] is not types.L_PAREN:
            return False
        while True:
            pos += 1
            if pos < end and kinds[pos] is types.DASH:
                pos += 1
                if pos >= end or kinds[pos] is not types.NUMBER:
                    return False
            elif pos >= end or kinds[pos] not in literals:
                return False
            pos += 1
            if pos < end and kinds[pos] is types.COMMA:
                continue
            if pos < end and kinds[pos] is types.R_PAREN:
                break
            return False
        pos += 1
        if pos < end and kinds[pos] is types.COMMA:
            continue
        break
    if pos == end:
        return True
    if kinds[pos] is not types.ON or words[pos + 1 : pos + 2] != ["conflict"]:
        return False
    pos = _names_list(kinds, pos + 2, types)
    return words[pos:] == ["do", "nothing"] and kinds[pos + 1] is types.VAR


def _names_list(kinds: list[Any], pos: int, types: Any) -> int:
    """Past an optional ``(name, …)`` at ``pos``; ``pos`` itself when there is none or it is
    not one (then the caller's next check fails)."""
    if pos >= len(kinds) or kinds[pos] is not types.L_PAREN:
        return pos
    at = pos
    while True:
        pos += 1
        if pos >= len(kinds) or kinds[pos] not in (types.VAR, types.IDENTIFIER):
            return at
        pos += 1
        if pos < len(kinds) and kinds[pos] is types.COMMA:
            continue
        if pos < len(kinds) and kinds[pos] is types.R_PAREN:
            return pos + 1
        return at


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return f"sqlglot cannot parse it ({text[:160]})"


def _changes(node: Any, emitter: Emitter, exp: Any, chunk: str, *, replacing: bool) -> Found:
    """Changes of one parsed statement, or why it cannot be analysed."""
    if isinstance(node, exp.Create):
        return ddl.create(node, emitter, exp)
    if isinstance(node, exp.Alter):
        return ddl.alter(node, emitter, exp)
    if isinstance(node, exp.Drop):
        return ddl.drop(node, emitter, exp)
    if isinstance(node, exp.Delete):
        table = ident(node.this, exp)
        if table is not None:
            emitter.add(
                "table", table, "altered", "delete_rows", where=bool(node.args.get("where"))
            )
        return None, None
    if isinstance(node, exp.Update):
        table = ident(node.this, exp)
        if table is not None:
            columns = idents((eq.this for eq in node.expressions if isinstance(eq, exp.EQ)), exp)
            where = node.args.get("where")
            emitter.updated_rows(
                table,
                columns,
                # A WHERE that folds to true restricts nothing (docs/rules.md MIG106).
                where=where is not None and not _always_true(where.this, exp),
                null_only=_null_only(where.this, exp) if where is not None else (),
            )
        return None, None
    if isinstance(node, exp.TruncateTable):
        for table in idents(node.expressions, exp):
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


def _insert(node: Any, emitter: Emitter, exp: Any, *, replacing: bool) -> Found:
    target_node = node.this
    columns: tuple[str, ...] | None = None
    if isinstance(target_node, exp.Schema):
        columns = idents(target_node.expressions, exp)
        target_node = target_node.this
    target = ident(target_node, exp)
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
    copy = copy_of(target, columns, select, exp)
    emitter.add("table", target, "altered", "insert_select", columns=columns or ())
    return None, copy


def _set_columns(conflict: Any, exp: Any) -> tuple[str, ...]:
    targets: list[Any] = []
    for assignment in conflict.expressions:
        if isinstance(assignment, exp.EQ):
            left = assignment.this
            targets.extend(left.expressions if isinstance(left, exp.Tuple) else (left,))
    return idents(targets, exp)


_TAUTOLOGY_NODES = 32
_FALSE_SETTINGS = frozenset({"0", "off", "false", "no", "reset"})


def _null_only(node: Any, exp: Any) -> tuple[str, ...]:
    """Columns the condition restricts to NULL: ``c IS NULL`` operands of its top-level AND."""
    while isinstance(node, exp.Paren):
        node = node.this
    parts = node.flatten() if isinstance(node, exp.And) else (node,)
    found: list[str] = []
    for part in parts:
        while isinstance(part, exp.Paren):
            part = part.this
        # ``c IS NOT NULL`` is an Is too, negated: it keeps the rows that hold a value.
        if (
            isinstance(part, exp.Is)
            and isinstance(part.expression, exp.Null)
            and not part.args.get("negate")
        ):
            name = ident(part.this, exp) if isinstance(part.this, exp.Column) else None
            if name is not None:
                found.append(name)
    return tuple(dict.fromkeys(found))


def _always_true(node: Any, exp: Any) -> bool:
    """Does a WHERE condition hold for every row, as sqlglot's simplifier folds it?

    ``1=1``, ``TRUE``, ``'a'='a'``, ``1``, ``NOT 0``, ``x IS x`` and any OR with such an
    operand are true; ``x = x`` is not (NULL = NULL is not true, so it skips rows where x is
    NULL). AND/OR chains are walked here, linearly. Only small operands that name no column go
    through ``simplify``: it is quadratic on long chains and costly on every WHERE, and a
    condition on a column is taken as the restriction it appears to be.
    """
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Or):
        return any(_always_true(part, exp) for part in node.flatten())
    if isinstance(node, exp.And):
        return all(_always_true(part, exp) for part in node.flatten())
    if isinstance(node, exp.NullSafeEQ):
        # x IS x holds for NULL too; only plain columns, a function call may differ each time.
        left, right = node.this, node.expression
        return isinstance(left, exp.Column) and left == right
    nodes = list(itertools.islice(node.walk(), _TAUTOLOGY_NODES + 1))
    if len(nodes) > _TAUTOLOGY_NODES or any(isinstance(n, exp.Column) for n in nodes):
        return False
    from sqlglot.errors import SqlglotError
    from sqlglot.optimizer.simplify import simplify

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
    if isinstance(folded, exp.Not) and isinstance(folded.this, exp.Literal):
        return not folded.this.is_string and _number(folded.this.this) == 0
    return False


def _number(text: Any) -> float | None:
    try:
        return float(str(text))
    except ValueError:
        return None


def _pragma(node: Any, exp: Any) -> Found:
    setting = node.this
    if not isinstance(setting, exp.EQ) or ident(setting.this, exp) != "writable_schema":
        return None, None
    if (ident(setting.expression, exp) or "").lower() in _FALSE_SETTINGS:
        return None, None
    # MIG301, not MIG105: the statements that follow rewrite sqlite_master's text directly,
    # so which tables change, and how, is not something a plan could name.
    return (
        "PRAGMA writable_schema lets the migration rewrite sqlite_master directly; "
        "the schema changes it makes cannot be analysed"
    )


def _command(node: Any, emitter: Emitter, chunk: str) -> Found:
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
