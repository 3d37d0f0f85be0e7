"""Alembic revisions → data-bearing changes, read with ``ast`` only (SPEC §3.1).

A revision is parsed once and never imported or executed, but decoded as CPython would (its
coding cookie). ``upgrade()`` (and the multi-db template's ``upgrade_<engine>()``, however the
name is bound: a def, a lambda, another function of the module) and the module-level code Alembic
runs on import count; ``downgrade()`` does not. Calls on ``op`` and on batch objects (``with
op.batch_alter_table(...) as b`` or ``b = op.batch_alter_table(...)``) become ``Change``
records, literal SQL goes to the SQL detector, and whatever cannot be resolved to literals
becomes a MIG301 problem. Indirect calls are resolved when they can be read statically
(``getattr(op, "drop_table")``, aliases, ``functools.partial``, ``Operations.drop_table(op,
...)``, ``op.invoke(ops.DropTableOp(...))``, ``sa.Table(...).drop(bind)``, ORM
``session.query(X).delete()``); any other use of op or a batch object as a value is MIG301.
Module helpers and methods that can touch data are followed with their arguments bound;
everything they do is reported at the call that led into them.

Column types are normalised to SQL-style upper-case names so they compare with the SQL
detector's: ``sa.String(30)`` → ``VARCHAR(30)``, ``sa.Integer()`` → ``INTEGER``,
``sa.DateTime(timezone=True)`` → ``DATETIME(timezone=True)``; an unknown type class keeps its
name upper-cased (``GUID()`` → ``GUID``); any other expression is kept as ``ast.unparse`` text.
Object names are the literals lower-cased (``quoted_name``/``op.f`` unwrapped); ``schema=`` is
ignored.
"""

from __future__ import annotations

import ast
import configparser
import io
import posixpath
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from selenite_inventory_lint.detectors import DetectContext, sources
from selenite_inventory_lint.model import (
    Action,
    Change,
    DetectorResult,
    FileChange,
    Kind,
    Problem,
    Revision,
)

DEFAULT_SOURCES = sources.ALEMBIC_SOURCES
CODE = "MIG301"
SOURCE = "alembic"

# Inspector calls that make an `if` an existence guard (SPEC §3.1).
_INSPECT = frozenset(
    {
        "get_table_names",
        "get_columns",
        "get_indexes",
        "get_unique_constraints",
        "get_foreign_keys",
        "get_pk_constraint",
        "get_check_constraints",
        "get_view_names",
        "has_table",
        "has_column",
        "has_index",
    }
)
# Hand-written existence checks on SQLite / information_schema count as guards too.
_EXISTENCE_SQL = re.compile(
    r"sqlite_master|sqlite_schema|information_schema|"
    r"pragma\s+(?:table_info|table_xinfo|index_list|index_info)",
    re.IGNORECASE,
)
# Dynamic SQL that can only read is not a data-bearing change, so it is not MIG301 either.
_READ_SQL = re.compile(r"\s*(?:select|explain|pragma\s+(?:table_|index_|foreign_key_list))", re.I)
_EXECUTE = frozenset({"execute", "exec_driver_sql", "executescript", "executemany"})
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
_NAME_WRAPPERS = frozenset({"f", "quoted_name", "conv", "text"})
_STATEMENT_WRAPPERS = frozenset({"bindparams", "execution_options", "columns", "params"})
_FILLERS = frozenset({"add", "append", "extend", "update", "setdefault", "insert"})
_NOT_LITERAL = "it is not a literal string"
_CORE_BASES = frozenset({"table", "Table", "update", "delete", "insert", "select"})
# Operation objects handed to op.invoke(): class → the op method it stands for, with the
# keywords that are spelled differently there.
_OP_CLASSES = {
    "CreateTableOp": "create_table",
    "DropTableOp": "drop_table",
    "AddColumnOp": "add_column",
    "DropColumnOp": "drop_column",
    "RenameTableOp": "rename_table",
    "AlterColumnOp": "alter_column",
    "CreateIndexOp": "create_index",
    "DropIndexOp": "drop_index",
    "CreateUniqueConstraintOp": "create_unique_constraint",
    "ExecuteSQLOp": "execute",
}
_OP_KEYWORDS = {
    "modify_type": "type_",
    "modify_nullable": "nullable",
    "modify_name": "new_column_name",
    "modify_server_default": "server_default",
}
# Attributes of op that hand out no operation: reading them is not an indirect call.
_OP_READS = frozenset({"get_bind", "get_context", "f", "inline_literal"})
_OPERATIONS_CLASSES = frozenset({"Operations", "BatchOperations"})
# Methods that change the schema or rows when called on SQLAlchemy objects.
_DATA_METHODS = frozenset({"drop_all", "create_all", "drop", "create", "delete", "update"})
# Builtins that import or run code the revision names at run time.
_DYNAMIC_CODE = frozenset({"__import__", "import_module", "eval", "exec"})
# Schema objects with .create(bind)/.drop(bind) that are not tables.
_SCHEMA_OBJECTS = frozenset({"Enum", "Sequence", "Index", "DDL", "Identity", "Computed"})
_BIND_NAMES = frozenset({"bind", "conn", "connection", "engine"})
_MAX_LOOP = 256
_MAX_ALTERNATIVES = 16
_MAX_HELPER_DEPTH = 8
# How far names are followed when comparing an operation with its old version.
_MAX_KEY_DEPTH = 6
_EDIT_STATUSES = ("modified", "renamed")
_SCALARS = (str, int, float, bool, type(None))


class _Scope:
    """Names bound to expressions; each binding keeps the scope it was made in."""

    __slots__ = ("names", "parent")

    def __init__(
        self,
        parent: _Scope | None = None,
        names: dict[str, tuple[tuple[ast.expr, _Scope], ...]] | None = None,
    ) -> None:
        self.parent = parent
        self.names = names if names is not None else {}

    def lookup(self, name: str) -> tuple[tuple[ast.expr, _Scope], ...] | None:
        scope: _Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def bind(self, name: str, values: tuple[tuple[ast.expr, _Scope], ...]) -> _Scope:
        names = dict(self.names)
        names[name] = values
        return _Scope(self.parent, names)


_Value = tuple[ast.expr, _Scope]


@dataclass(frozen=True, slots=True)
class _Batch:
    table: str | None
    recreate: bool


@dataclass(frozen=True, slots=True)
class _Target:
    """An operation reached indirectly: its op method, batch, and the arguments bound so far."""

    method: str
    batch: _Batch | None = None
    args: tuple[ast.expr, ...] = ()
    keywords: tuple[ast.keyword, ...] = ()
    # Operations.drop_table(op, ...): the call's first argument is the op object itself.
    unbound: bool = False


@dataclass(frozen=True, slots=True)
class _State:
    fn: str
    guard: int | None = None
    batches: Mapping[str, _Batch] = field(default_factory=dict)
    # The call in upgrade() that led into a module helper: everything inside reports there.
    site: ast.expr | None = None
    stack: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Sql:
    """Literal SQL for the SQL detector, analysed only if its operation is kept."""

    text: str
    line: int
    guard: int | None


@dataclass(frozen=True, slots=True)
class _Item:
    key: tuple[str, ...]
    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]
    sql: _Sql | None = None


@dataclass(frozen=True, slots=True)
class _ColumnSpec:
    name: str
    node: ast.Call
    type: str | None
    nullable: bool | None
    explicit_nullable: bool
    has_default: bool
    unique: bool
    primary_key: bool


@dataclass(slots=True)
class _Facts:
    """What the whole module says once: imports, helpers, module-level constants."""

    op_names: set[str] = field(default_factory=lambda: {"op"})
    # Names imported from alembic.op (local → op method); "*" when star-imported.
    op_functions: dict[str, str] = field(default_factory=dict)
    alembic_modules: set[str] = field(default_factory=set)
    aliases: dict[str, str] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    guard_helpers: set[str] = field(default_factory=set)
    op_helpers: set[str] = field(default_factory=set)
    # upgrade() and upgrade_<engine>(): the name and the body Alembic would run.
    upgrades: list[tuple[str, list[ast.stmt]]] = field(default_factory=list)
    # Bindings of an upgrade name that cannot be followed (imported, built by a call…).
    hidden_upgrades: list[tuple[ast.stmt, str]] = field(default_factory=list)
    # Methods of the revision's classes that reach op or the database, by name.
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    # ORM classes declared in the revision: class name → __tablename__.
    tables: dict[str, str] = field(default_factory=dict)
    scope: _Scope = field(default_factory=_Scope)


class AlembicDetector:
    """Reads Alembic revision files (SPEC §3.1)."""

    name = "alembic"

    def claims(self, path: str, ctx: DetectContext) -> bool:
        return sources.alembic(path, ctx)

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        """Operations of ``upgrade()`` that the change adds, with the revision's identity."""
        try:
            return _detect(change, ctx)
        except (RecursionError, MemoryError):
            return DetectorResult(
                problems=(_problem(change.path, 1, 1, "the file is nested too deeply to analyze"),)
            )


DETECTOR = AlembicDetector()


def read_revision(path: str, text: str) -> Revision | None:
    """``revision`` / ``down_revision`` of a revision file; None when it has no ``revision``."""
    tree = _parse(path, text)
    return _revision(tree, path) if isinstance(tree, ast.Module) else None


def version_dirs_from_ini(ini_path: str, ini_text: str) -> tuple[str, ...]:
    """Repo-relative version directories (ending in ``/``) named by an ``alembic.ini``.

    Every section with ``script_location`` contributes ``<script_location>/versions/`` and each
    entry of its ``version_locations``. Values are interpolated as Alembic's ``ConfigParser``
    does (``%(here)s`` is the ini's directory; ``%(name)s`` comes from the same section or
    ``[DEFAULT]``); relative paths are taken from the ini's directory; ``package:dir`` is read
    as ``package/dir`` there (best effort); absolute paths and paths leaving the repository are
    skipped.
    """
    parser = configparser.ConfigParser(defaults={"here": _HERE}, strict=False)
    try:
        parser.read_string(ini_text.lstrip("\ufeff"), source=ini_path)
    except configparser.Error:
        return ()
    base = posixpath.dirname(ini_path)
    dirs: list[str] = []
    for section in parser.sections():
        location = _ini_value(parser, section, "script_location")
        if location and (found := _repo_dir(location, base)) is not None:
            dirs.append(found + "versions/")
        extra = _ini_value(parser, section, "version_locations")
        if extra:
            separator = _ini_value(parser, section, "path_separator") or _ini_value(
                parser, section, "version_path_separator"
            )
            for part in _split_locations(extra, separator):
                if (found := _repo_dir(part, base)) is not None:
                    dirs.append(found)
    return tuple(dict.fromkeys(dirs))


def _ini_value(parser: configparser.ConfigParser, section: str, key: str) -> str | None:
    """``key`` interpolated; a value Alembic could not interpolate is read as written."""
    try:
        return parser.get(section, key, fallback=None)
    except (configparser.Error, ValueError):
        raw = parser.get(section, key, raw=True, fallback=None)
        return raw.replace("%(here)s", _HERE) if raw is not None else None


def _repo_dir(value: str, base: str) -> str | None:
    value = value.strip().replace("\\", "/").replace(_HERE, ".")
    if ":" in value:
        package, _, sub = value.partition(":")
        if "/" in package or not package:
            return None
        value = posixpath.join(package.replace(".", "/"), sub)
    if value.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(base, value))
    if joined == ".." or joined.startswith("../"):
        return None
    return "" if joined == "." else joined + "/"


# Stands for the ini's directory until the value is resolved against the repository.
_HERE = "\x00here\x00"


def _split_locations(text: str, separator: str | None) -> list[str]:
    sep = (separator or "").strip()
    if sep == "space":
        parts = text.split()
    elif sep == "newline":
        parts = text.splitlines()
    elif sep == "os":
        parts = re.split(r"[:;]", text)
    elif sep in (":", ";", ","):
        parts = text.split(sep)
    else:
        parts = re.split(r"[,\s]+", text)
    return [p.strip() for p in parts if p.strip()]


# --- parsing and the file-level flow -------------------------------------------------------


def _problem(path: str, line: int, column: int, why: str) -> Problem:
    return Problem(
        code=CODE,
        path=path,
        line=line,
        column=column,
        message=f"cannot analyze Alembic revision: {why}",
    )


def _source_text(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _parse(path: str, text: str) -> ast.Module | Problem:
    try:
        return ast.parse(_source_text(text), filename=path)
    except SyntaxError as exc:
        why = f"invalid Python syntax ({exc.msg})"
        return _problem(path, exc.lineno or 1, exc.offset or 1, why)
    except ValueError as exc:  # pragma: no cover - older Pythons raise ValueError on null bytes
        return _problem(path, 1, 1, f"invalid Python syntax ({exc})")
    except (RecursionError, MemoryError):
        return _problem(path, 1, 1, "the file is nested too deeply to parse")


def _revision(tree: ast.Module, path: str) -> Revision | None:
    revision: str | None = None
    line = 1
    down: tuple[str, ...] = ()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if target.id == "revision":
                literal = _const_str(value)
                revision, line = (literal, stmt.lineno) if literal else (None, 1)
            elif target.id == "down_revision":
                down = _down_revisions(value)
    if revision is None:
        return None
    return Revision(revision=revision, down_revisions=down, path=path, line=line)


def _const_str(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _down_revisions(node: ast.expr) -> tuple[str, ...]:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return tuple(s for e in node.elts if (s := _const_str(e)))
    single = _const_str(node)
    return (single,) if single else ()


def _code_dump(tree: ast.Module) -> str:
    """The module's code without docstrings or positions (comments never reach the AST).

    Docstrings are removed from ``tree`` in place; the analysis never looks at them.
    """
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and _const_str(body[0].value) is not None:
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def _detect(change: FileChange, ctx: DetectContext) -> DetectorResult:
    path = change.path
    if change.status == "deleted":
        return DetectorResult(edited=True)
    edit_status = change.status in _EDIT_STATUSES
    if change.binary or change.too_large:
        why = "it is a binary file" if change.binary else "it is larger than max_file_bytes"
        return DetectorResult(problems=(_problem(path, 1, 1, why),), edited=edit_status)
    text, undecoded = _python_text(change.new_bytes, change.new_text)
    if undecoded is not None:
        return DetectorResult(problems=(_problem(path, 1, 1, undecoded),), edited=edit_status)
    if text is None:
        return DetectorResult()
    old_text, _ = _python_text(change.old_bytes, change.old_text)
    problems: list[Problem] = []
    if change.undecodable and text is change.new_text:
        problems.append(_problem(path, 1, 1, "it is not valid UTF-8 (read with replacements)"))
    tree = _parse(path, text)
    if isinstance(tree, Problem):
        changed = edit_status and old_text != text
        return DetectorResult(problems=(*problems, tree), edited=changed)
    revision = _revision(tree, path)
    migration = revision.revision if revision else path

    old_tree: ast.Module | None = None
    if change.status in (*_EDIT_STATUSES, "copied") and old_text is not None:
        parsed = _parse(change.old_path or path, old_text)
        old_tree = parsed if isinstance(parsed, ast.Module) else None
    same_id = False
    if old_tree is not None:
        old_revision = _revision(old_tree, path)
        same_id = (old_revision.revision if old_revision else None) == (
            revision.revision if revision else None
        )

    same_code = False
    if old_tree is not None:
        try:
            same_code = _code_dump(old_tree) == _code_dump(tree)
        except RecursionError:
            same_code = old_text == text
    edited = edit_status and not same_code

    items: list[_Item] = []
    if not (same_id and same_code):
        items = _Analyzer(tree, _source_text(text), path, migration, ctx, want_keys=same_id).run()
    if same_id and not same_code and old_tree is not None:
        old_source = _source_text(old_text or "")
        old_items = _Analyzer(old_tree, old_source, path, migration, ctx, want_keys=True).run()
        items = _new_items(items, old_items)
    changes: list[Change] = []
    for item in items:
        changes.extend(item.changes)
        problems.extend(item.problems)
        if item.sql is not None:
            found = _analyze_sql(item.sql, path, migration, ctx.config.dialect)
            changes.extend(found.changes)
            problems.extend(found.problems)
    return DetectorResult(
        changes=tuple(changes), problems=tuple(problems), revision=revision, edited=edited
    )


def _python_text(data: bytes | None, text: str | None) -> tuple[str | None, str | None]:
    """The source as CPython decodes it (PEP 263 coding cookie, ``tokenize.detect_encoding``),
    or why it cannot be decoded that way. UTF-8 sources keep the change set's text."""
    if data is None or text is None:
        return text, None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return None, f"Python would not decode it ({exc.msg})"
    if encoding in ("utf-8", "utf-8-sig"):
        return text, None
    try:
        return data.decode(encoding), None
    except (UnicodeDecodeError, LookupError):
        return None, f"its bytes are not valid {encoding}, the encoding its coding cookie names"


def _analyze_sql(sql: _Sql, path: str, migration: str, dialect: str) -> DetectorResult:
    from selenite_inventory_lint.detectors.sql import analyze_sql

    return analyze_sql(
        sql.text,
        path=path,
        line=sql.line,
        dialect=dialect,
        migration=migration,
        source=SOURCE,
        guarded=sql.guard is not None,
        guard=sql.guard,
        sequence=0,
    )


def _new_items(items: Sequence[_Item], old_items: Sequence[_Item]) -> list[_Item]:
    """Items of the new upgrade() with no counterpart in the old one, as multisets (SPEC §3.1).

    An item without a key (a statement too deep to compare) is always kept.
    """
    remaining = Counter(item.key for item in old_items)
    kept: list[_Item] = []
    for item in items:
        if item.key and remaining[item.key] > 0:
            remaining[item.key] -= 1
        else:
            kept.append(item)
    return kept


# --- module facts -------------------------------------------------------------------------


def _callee(func: ast.expr, aliases: Mapping[str, str]) -> str:
    if isinstance(func, ast.Name):
        return aliases.get(func.id, func.id)
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _facts(tree: ast.Module, guard_functions: frozenset[str]) -> _Facts:
    facts = _Facts()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name
                if node.module == "alembic" and alias.name == "op":
                    facts.op_names.add(local)
                elif node.module == "alembic.op":
                    # from alembic.op import drop_table: the proxy's functions are op's methods.
                    facts.op_functions[local] = alias.name
                else:
                    facts.aliases[local] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "alembic" or (alias.name == "alembic.op" and not alias.asname):
                    facts.alembic_modules.add(alias.asname or "alembic")
                elif alias.name == "alembic.op" and alias.asname:
                    facts.op_names.add(alias.asname)
    scope = facts.scope
    direct_guard: set[str] = set()
    direct_ops: set[str] = set()
    calls: dict[str, set[str]] = {}
    upgrades: dict[str, tuple[ast.stmt, list[ast.stmt] | None]] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _is_upgrade(stmt.name):
                upgrades[stmt.name] = (stmt, stmt.body)
                continue
            facts.functions[stmt.name] = stmt
            calls[stmt.name] = set()
            if _touches_data(stmt, facts):
                direct_ops.add(stmt.name)
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call):
                    name = _callee(node.func, facts.aliases)
                    if name in _INSPECT or name in guard_functions:
                        direct_guard.add(stmt.name)
                    if isinstance(node.func, ast.Name):
                        calls[stmt.name].add(node.func.id)
                elif isinstance(node, ast.Constant) and _EXISTENCE_SQL.search(str(node.value)):
                    direct_guard.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    scope = scope.bind(target.id, ((stmt.value, scope),))
                    if target.id == "upgrade" or (
                        _is_upgrade(target.id) and isinstance(stmt.value, (ast.Lambda, ast.Name))
                    ):
                        upgrades[target.id] = (stmt, _upgrade_body(stmt.value))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                if local == "upgrade":
                    upgrades[local] = (stmt, None)
        elif isinstance(stmt, ast.ClassDef):
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _touches_data(
                    item, facts
                ):
                    facts.methods[item.name] = item
                elif (
                    isinstance(item, ast.Assign)
                    and any(
                        isinstance(t, ast.Name) and t.id == "__tablename__" for t in item.targets
                    )
                    and (tablename := _const_str(item.value))
                ):
                    facts.tables[stmt.name] = tablename.lower()
    # `upgrade = _real` or `upgrade = lambda: ...`: Alembic runs whatever the name holds last.
    for name, (stmt, body) in upgrades.items():
        value = getattr(stmt, "value", None)
        if body is None and isinstance(value, ast.Name):
            real = facts.functions.get(value.id)
            body = real.body if real is not None else None
        if body is None:
            facts.hidden_upgrades.append((stmt, f"{name} is bound to something defined elsewhere"))
        else:
            facts.upgrades.append((name, body))
    facts.scope = scope
    facts.guard_helpers = _closure(direct_guard, calls)
    facts.op_helpers = _closure(direct_ops, calls)
    return facts


def _touches_data(fn: ast.FunctionDef | ast.AsyncFunctionDef, facts: _Facts) -> bool:
    """Can calling ``fn`` change data: does it name op (however imported) or call something
    that executes SQL or drops, creates, deletes or updates?"""
    star = "*" in facts.op_functions
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and (
            node.id in facts.op_names
            or node.id in facts.op_functions
            or (star and node.id in _HANDLERS)
            or facts.aliases.get(node.id, node.id) in _OPERATIONS_CLASSES
            or node.id in _DYNAMIC_CODE
        ):
            return True
        if isinstance(node, ast.Attribute) and (
            _is_op(node, facts) or node.attr in _EXECUTE or node.attr in _DATA_METHODS
        ):
            return True
    return False


def _is_upgrade(name: str) -> bool:
    return name == "upgrade" or name.startswith("upgrade_")


def _upgrade_body(value: ast.expr) -> list[ast.stmt] | None:
    if isinstance(value, ast.Lambda):
        body = ast.Expr(value=value.body)
        return [ast.copy_location(body, value.body)]
    return None


def _closure(seeds: set[str], calls: Mapping[str, set[str]]) -> set[str]:
    found = set(seeds)
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name not in found and callees & found:
                found.add(name)
                changed = True
    return found


def _is_op(node: ast.expr, facts: _Facts) -> bool:
    if isinstance(node, ast.Name):
        return node.id in facts.op_names
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "op"
        and isinstance(node.value, ast.Name)
        and node.value.id in facts.alembic_modules
    )


def _args(call: ast.Call, params: Sequence[str]) -> dict[str, ast.expr]:
    """Arguments by parameter name; positions after a ``*args`` are unknown."""
    found: dict[str, ast.expr] = {}
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred) or index >= len(params):
            break
        found[params[index]] = arg
    for keyword in call.keywords:
        if keyword.arg is not None:
            found[keyword.arg] = keyword.value
    return found


def _returns(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.Return, ast.Continue))


def _target_names(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _merge(base: _Scope, branches: Sequence[_Scope]) -> _Scope:
    """Bindings after an if/else: a name bound differently on two branches keeps both values."""
    first = branches[0]
    if all(b is first for b in branches[1:]):
        return first
    names = dict(base.names)
    for name in dict.fromkeys(n for b in branches for n in b.names):
        combined: list[_Value] = []
        for branch in branches:
            values = branch.names.get(name, base.names.get(name))
            if values is None:
                continue
            if not values:
                combined = []
                break
            combined.extend(v for v in values if not any(v[0] is c[0] for c in combined))
        names[name] = tuple(combined[:_MAX_ALTERNATIVES])
    return _Scope(base.parent, names)


# --- the upgrade() walker -----------------------------------------------------------------


class _Analyzer:
    def __init__(
        self,
        tree: ast.Module,
        text: str,
        path: str,
        migration: str,
        ctx: DetectContext,
        *,
        want_keys: bool,
    ) -> None:
        self.guard_functions = frozenset(g.rsplit(".", 1)[-1] for g in ctx.config.guard_functions)
        self.facts = _facts(tree, self.guard_functions)
        self.text = text
        self.ascii = text.isascii()
        self.lines: list[str] | None = None
        self.path = path
        self.migration = migration
        self.want_keys = want_keys
        self.tree = tree
        self.items: list[_Item] = []
        self.guard_vars: set[str] = set()
        self.local_functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}

    def run(self) -> list[_Item]:
        module = _State(fn="<module>")
        # Alembic imports the revision: module-level code and decorators run with upgrade().
        self._module(self.tree.body, _Scope(self.facts.scope), module)
        for stmt, why in self.facts.hidden_upgrades:
            problem = self._problem_at(stmt, module, f"cannot analyze the revision: {why}")
            self._emit((), problems=(problem,))
        for name, body in self.facts.upgrades:
            self.guard_vars = set()
            self.local_functions = {}
            self._block(body, _Scope(self.facts.scope), _State(fn=name))
        return self.items

    def _module(self, body: Sequence[ast.stmt], scope: _Scope, state: _State) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for expr in _definition_exprs(stmt):
                    self._scan(expr, scope, state)
                if isinstance(stmt, ast.ClassDef):
                    self._module(stmt.body, scope, state)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)) or (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and _is_upgrade(t.id) for t in stmt.targets)
            ):
                continue
            else:
                scope, _ = self._block((stmt,), scope, state)

    # positions, records, keys

    def _pos(self, node: ast.expr | ast.stmt, state: _State) -> tuple[int, int]:
        at = state.site or node
        line, offset = at.lineno, at.col_offset
        if self.ascii:
            return line, offset + 1
        if self.lines is None:
            self.lines = re.split(r"\r\n|\r|\n", self.text)
        raw = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        # ast columns count UTF-8 bytes; reports count characters.
        return line, len(raw.encode()[:offset].decode("utf-8", "replace")) + 1

    def _change(
        self,
        node: ast.expr,
        state: _State,
        kind: Kind,
        name: str,
        action: Action,
        operation: str,
        *,
        old_name: str | None = None,
        type_: str | None = None,
        old_type: str | None = None,
        nullable: bool | None = None,
        has_default: bool | None = None,
        unique: bool = False,
        where: bool | None = None,
        columns: tuple[str, ...] = (),
        table: str | None = None,
    ) -> Change:
        line, column = self._pos(node, state)
        return Change(
            kind=kind,
            name=name,
            action=action,
            path=self.path,
            line=line,
            column=column,
            source=SOURCE,
            old_name=old_name,
            operation=operation,
            guarded=state.guard is not None,
            guard=state.guard,
            migration=self.migration,
            type=type_,
            old_type=old_type,
            nullable=nullable,
            has_default=has_default,
            unique=unique,
            where=where,
            columns=columns,
            table=table,
        )

    def _key(self, node: ast.expr, scope: _Scope, state: _State, *extra: str) -> tuple[str, ...]:
        if not self.want_keys:
            return ()
        guarded = "guarded" if state.guard is not None else "unguarded"
        return (state.fn, *state.stack, guarded, *extra, self._dump(node, scope, 0))

    def _dump(self, node: ast.expr, scope: _Scope, depth: int) -> str:
        text = ast.dump(node)
        if depth >= _MAX_KEY_DEPTH:
            return text
        resolved = [
            f"{sub.id}={self._dump(value, vscope, depth + 1)}"
            for sub in ast.walk(node)
            if isinstance(sub, ast.Name)
            for value, vscope in scope.lookup(sub.id) or ()
        ]
        return text + "|" + ";".join(resolved)

    def _emit(
        self,
        key: tuple[str, ...],
        changes: Iterable[Change] = (),
        problems: Iterable[Problem] = (),
        sql: _Sql | None = None,
    ) -> None:
        self.items.append(_Item(key, tuple(changes), tuple(problems), sql))

    def _fail(self, node: ast.expr, scope: _Scope, state: _State, why: str, *extra: str) -> None:
        line, column = self._pos(node, state)
        problem = Problem(code=CODE, path=self.path, line=line, column=column, message=why)
        self._emit(self._key(node, scope, state, *extra), problems=(problem,))

    # statements

    def _block(self, body: Sequence[ast.stmt], scope: _Scope, state: _State) -> tuple[_Scope, bool]:
        for stmt in body:
            try:
                scope, state, stop = self._stmt(stmt, scope, state)
            except RecursionError:
                why = "cannot analyze this statement: it is nested too deeply"
                self._emit((), problems=(self._problem_at(stmt, state, why),))
                stop = False
            if stop:
                return scope, True
        return scope, False

    def _stmt(self, stmt: ast.stmt, scope: _Scope, state: _State) -> tuple[_Scope, _State, bool]:
        if isinstance(stmt, ast.If):
            return self._if(stmt, scope, state)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            return self._for(stmt, scope, state), state, False
        if isinstance(stmt, ast.While):
            scope = self._merge_block(stmt.body, scope, state)
            return self._merge_block(stmt.orelse, scope, state), state, False
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            return self._with(stmt, scope, state)
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            return self._try(stmt, scope, state), state, False
        if isinstance(stmt, ast.Match):
            branches = [self._block(case.body, scope, state) for case in stmt.cases]
            return _merge(scope, [s for s, stop in branches if not stop] + [scope]), state, False
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self._nested(stmt, scope, state), state, False
        if isinstance(stmt, ast.Assign):
            return self._assign_stmt(stmt.targets, stmt.value, scope, state)
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                return scope, state, False
            return self._assign_stmt([stmt.target], stmt.value, scope, state)
        if isinstance(stmt, ast.AugAssign):
            self._scan(stmt.value, scope, state)
            if isinstance(stmt.target, ast.Name):
                grown = ast.BinOp(
                    left=ast.Name(id=stmt.target.id, ctx=ast.Load()), op=stmt.op, right=stmt.value
                )
                ast.copy_location(grown, stmt)
                scope = scope.bind(stmt.target.id, ((grown, scope),))
            return scope, state, False
        if isinstance(stmt, ast.Expr):
            self._scan(stmt.value, scope, state)
            return scope, state, False
        if isinstance(stmt, ast.Return):
            if stmt.value is not None:
                self._scan(stmt.value, scope, state)
            return scope, state, True
        if isinstance(stmt, (ast.Raise, ast.Continue, ast.Break)):
            return scope, state, True
        return scope, state, False

    def _nested(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope, state: _State
    ) -> _Scope:
        """A function defined inside upgrade() may run there: its body counts where it is
        written (parameters unknown), and again with arguments bound when op reaches it."""
        for expr in _definition_exprs(fn):
            self._scan(expr, scope, state)
        self.local_functions[fn.name] = fn
        if fn.name.startswith("downgrade"):
            return scope.bind(fn.name, ())  # a downgrade() under a module-level `if`
        inner = scope
        for param in _params(fn.args):
            inner = inner.bind(param, ())
        saved = self.guard_vars
        self.guard_vars = set()
        self._block(fn.body, inner, state)
        self.guard_vars = saved
        return scope.bind(fn.name, ())

    def _assign_stmt(
        self, targets: Sequence[ast.expr], value: ast.expr, scope: _Scope, state: _State
    ) -> tuple[_Scope, _State, bool]:
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if len(names) == len(targets):
            batch_call = (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == "batch_alter_table"
                and self._ref(value.func.value, scope, state) == "op"
            )
            if batch_call and isinstance(value, ast.Call):
                # b = op.batch_alter_table("t"): b is followed like a `with ... as b` context.
                batch = self._batch(value, scope, state)
                batches = dict(state.batches)
                for name in names:
                    batches[name] = batch
                    scope = scope.bind(name, ())
                return scope, replace(state, batches=batches), False
            if self._op_like(value, scope, state):
                # An alias of op or of one of its methods is followed where it is called.
                return self._assign(targets, value, scope), state, False
        self._scan(value, scope, state)
        return self._assign(targets, value, scope), state, False

    def _merge_block(self, body: Sequence[ast.stmt], scope: _Scope, state: _State) -> _Scope:
        after, stop = self._block(body, scope, state)
        return scope if stop else _merge(scope, [after, scope])

    def _if(self, stmt: ast.If, scope: _Scope, state: _State) -> tuple[_Scope, _State, bool]:
        guard = self._is_guard(stmt.test, scope)
        inner = replace(state, guard=self._guard_id(stmt, state)) if guard else state
        body, body_stop = self._block(stmt.body, scope, inner)
        orelse, else_stop = self._block(stmt.orelse, scope, inner)
        if body_stop and else_stop:
            return scope, state, True
        scope = _merge(
            scope, [s for s, stop in ((body, body_stop), (orelse, else_stop)) if not stop]
        )
        # `if "t" in inspector.get_table_names(): return` guards the rest of the block (SPEC §3.1).
        if guard and stmt.body and _returns(stmt.body[-1]):
            state = inner
        return scope, state, False

    def _guard_id(self, node: ast.stmt | ast.expr, state: _State) -> int:
        """A guard's identity is its line; inside a helper, the line of the call into it."""
        return (state.site or node).lineno

    def _for(self, stmt: ast.For | ast.AsyncFor, scope: _Scope, state: _State) -> _Scope:
        elements = self._elements(stmt.iter, scope)
        if elements is not None:
            after = scope
            for value in elements:
                bound = self._bind(stmt.target, value, scope)
                after, _ = self._block(stmt.body, bound, state)
        else:
            if self._is_guard(stmt.iter, scope):
                self.guard_vars.update(self._filled_names(stmt.body))
            unknown = scope
            for name in _target_names(stmt.target):
                unknown = unknown.bind(name, ())
            after, _ = self._block(stmt.body, unknown, state)
        self._block(stmt.orelse, after, state)
        return after

    def _filled_names(self, body: Sequence[ast.stmt]) -> set[str]:
        """Names a loop over inspector results fills (``seen.add(c["name"])``, ``d[k] = v``)."""
        names: set[str] = set()
        for stmt in body:
            for node in ast.walk(stmt):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _FILLERS
                    and isinstance(node.func.value, ast.Name)
                ):
                    names.add(node.func.value.id)
                elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        names.update(_target_names(target))
        return names

    def _with(
        self, stmt: ast.With | ast.AsyncWith, scope: _Scope, state: _State
    ) -> tuple[_Scope, _State, bool]:
        batches = dict(state.batches)
        for item in stmt.items:
            expr = item.context_expr
            if (
                isinstance(expr, ast.Call)
                and isinstance(expr.func, ast.Attribute)
                and expr.func.attr == "batch_alter_table"
                and self._ref(expr.func.value, scope, state) == "op"
            ):
                batch = self._batch(expr, scope, state)
                if isinstance(item.optional_vars, ast.Name):
                    batches[item.optional_vars.id] = batch
            elif isinstance(found := self._ref(expr, scope, state), _Batch):
                if isinstance(item.optional_vars, ast.Name):
                    batches[item.optional_vars.id] = found
            else:
                self._scan(expr, scope, state)
                if item.optional_vars is not None:
                    for name in _target_names(item.optional_vars):
                        scope = scope.bind(name, ())
                        batches.pop(name, None)
        after, stop = self._block(stmt.body, scope, replace(state, batches=batches))
        return after, state, stop

    def _try(self, stmt: ast.stmt, scope: _Scope, state: _State) -> _Scope:
        body, _ = self._block(getattr(stmt, "body", []), scope, state)
        for handler in getattr(stmt, "handlers", []):
            self._block(handler.body, scope, state)
        body, _ = self._block(getattr(stmt, "orelse", []), body, state)
        body, _ = self._block(getattr(stmt, "finalbody", []), body, state)
        return body

    def _assign(self, targets: Sequence[ast.expr], value: ast.expr, scope: _Scope) -> _Scope:
        guard = self._is_guard(value, scope)
        for target in targets:
            names = _target_names(target)
            if guard:
                self.guard_vars.update(names)
            else:
                self.guard_vars.difference_update(names)
            if isinstance(target, ast.Name):
                scope = scope.bind(target.id, ((value, scope),))
            elif (
                isinstance(target, (ast.Tuple, ast.List))
                and isinstance(value, (ast.Tuple, ast.List))
                and len(target.elts) == len(value.elts)
            ):
                scope = self._bind(target, (value, scope), scope)
            else:
                for name in names:
                    scope = scope.bind(name, ())
        return scope

    def _bind(self, target: ast.expr, value: _Value, scope: _Scope) -> _Scope:
        if isinstance(target, ast.Name):
            return scope.bind(target.id, (value,))
        expr, vscope = self._deref(value[0], value[1])
        if (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(expr, (ast.Tuple, ast.List))
            and len(expr.elts) == len(target.elts)
        ):
            for sub, elt in zip(target.elts, expr.elts, strict=True):
                scope = self._bind(sub, (elt, vscope), scope)
            return scope
        for name in _target_names(target):
            scope = scope.bind(name, ())
        return scope

    def _elements(self, expr: ast.expr, scope: _Scope) -> list[_Value] | None:
        """The values a loop iterates over, when they are written out literally."""
        expr, scope = self._deref(expr, scope)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and not expr.args:
            mapping, mscope = self._deref(expr.func.value, scope)
            if isinstance(mapping, ast.Dict) and None not in mapping.keys:
                keys = [k for k in mapping.keys if k is not None]
                if expr.func.attr == "keys":
                    return [(k, mscope) for k in keys]
                if expr.func.attr == "values":
                    return [(v, mscope) for v in mapping.values]
                if expr.func.attr == "items":
                    pairs = [
                        ast.Tuple(elts=[k, v], ctx=ast.Load())
                        for k, v in zip(keys, mapping.values, strict=True)
                    ]
                    return [(p, mscope) for p in pairs]
            return None
        if isinstance(expr, (ast.Tuple, ast.List, ast.Set)) and len(expr.elts) <= _MAX_LOOP:
            if any(isinstance(e, ast.Starred) for e in expr.elts):
                return None
            return [(e, scope) for e in expr.elts]
        if isinstance(expr, ast.Dict) and None not in expr.keys:
            return [(k, scope) for k in expr.keys if k is not None]
        return None

    # guards

    def _is_guard(self, expr: ast.expr, scope: _Scope) -> bool:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                name = _callee(node.func, self.facts.aliases)
                if (
                    name in _INSPECT
                    or name in self.facts.guard_helpers
                    or name in self.guard_functions
                ):
                    return True
            elif isinstance(node, ast.Name):
                if node.id in self.guard_vars:
                    return True
            elif isinstance(node, ast.Constant) and _EXISTENCE_SQL.search(str(node.value)):
                return True
        return False

    # expressions

    def _scan(self, expr: ast.expr, scope: _Scope, state: _State) -> None:
        """Handle every operation call in ``expr``, outermost first, in source order."""
        stack: list[ast.AST] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda):
                # The lambda may be called here or later: its body counts where it is written.
                inner = scope
                for param in _params(node.args):
                    inner = inner.bind(param, ())
                self._scan(node.body, inner, state)
                continue
            if isinstance(node, ast.Call) and self._call(node, scope, state):
                continue
            if isinstance(node, ast.Attribute) and node.attr in ("drop_all", "create_all"):
                # conn.run_sync(metadata.drop_all): handed over, it still runs.
                why = (
                    f"cannot analyze {ast.unparse(node)[:60]}: the tables it changes are not known"
                )
                self._fail(node, scope, state, why)
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if self._op_like(node, scope, state):
                    self._indirect(node, scope, state)
                    continue
                helper = self.facts.functions.get(node.id)
                if (
                    helper is not None
                    and node.id in self.facts.op_helpers
                    and scope.lookup(node.id) is None
                    and self._can_inline(node.id, state)
                ):
                    # A helper handed to something else may be called there: follow it.
                    called = ast.copy_location(ast.Call(func=node, args=[], keywords=[]), node)
                    self._inline(helper, called, scope, state)
                    continue
            stack.extend(reversed(list(ast.iter_child_nodes(node))))

    def _indirect(self, node: ast.expr, scope: _Scope, state: _State) -> None:
        what = (
            "a batch operation object"
            if isinstance(self._ref(node, scope, state), _Batch)
            else "op"
        )
        self._fail(
            node, scope, state, f"cannot analyze: indirect use of {what} at line {node.lineno}"
        )

    def _ref(self, expr: ast.expr, scope: _Scope, state: _State) -> _Batch | str | None:
        """``"op"`` when ``expr`` is the op object (aliases and helper parameters included),
        the batch when it is a batch operation object, else None."""
        for _ in range(64):
            if not isinstance(expr, ast.Name):
                break
            if expr.id in state.batches:
                return state.batches[expr.id]
            values = scope.lookup(expr.id)
            if values is None:
                return "op" if expr.id in self.facts.op_names else None
            if len(values) != 1:
                return None
            expr, scope = values[0]
        if isinstance(expr, ast.Call) and _callee(expr.func, self.facts.aliases) == "Operations":
            return "op"  # Operations(MigrationContext.configure(bind)) is another op
        return "op" if _is_op(expr, self.facts) and not isinstance(expr, ast.Name) else None

    def _op_like(self, expr: ast.expr, scope: _Scope, state: _State, depth: int = 0) -> bool:
        """Does ``expr`` carry op, a batch, or one of their operations (``op.drop_table``,
        ``getattr(op, ...)``, ``partial(op.drop_table, ...)``)?"""
        if depth > 8:
            return False
        if self._ref(expr, scope, state) is not None:
            return True
        if isinstance(expr, ast.Name):
            if scope.lookup(expr.id) is None and self._op_function(expr.id):
                return True
            values = scope.lookup(expr.id) or ()
            # Branches are looked into once, not at every step: alternatives multiply.
            if len(values) > 1 and depth > 0:
                return False
            return any(self._op_like(v, s, state, depth + 1) for v, s in values)
        if isinstance(expr, ast.Attribute):
            if self._operations_class(expr.value):
                return True
            return expr.attr not in _OP_READS and self._ref(expr.value, scope, state) is not None
        if (
            isinstance(expr, ast.Call)
            and expr.args
            and _callee(expr.func, self.facts.aliases) in ("getattr", "partial")
        ):
            return self._op_like(expr.args[0], scope, state, depth + 1)
        return False

    def _op_function(self, name: str) -> str | None:
        """The op method a bare name imported from ``alembic.op`` stands for."""
        found = self.facts.op_functions.get(name)
        if found == "*":
            return None
        if found is None and "*" in self.facts.op_functions and name in _HANDLERS:
            return name
        return found

    def _operations_class(self, node: ast.expr) -> bool:
        return (
            isinstance(node, (ast.Name, ast.Attribute))
            and _callee(node, self.facts.aliases) in _OPERATIONS_CLASSES
        )

    def _target(
        self, func: ast.expr, scope: _Scope, state: _State, depth: int = 0
    ) -> _Target | str | None:
        """The operation a called expression stands for, why it cannot be known, or None
        when it is not an operation of op at all."""
        if depth > 8:
            return None
        if isinstance(func, ast.Name):
            values = scope.lookup(func.id)
            if values is None:
                method = self._op_function(func.id)
                return _Target(method) if method else None
            if not values:
                return None
            if len(values) != 1:
                if any(self._op_like(v, s, state) for v, s in values):
                    return f"'{func.id}' has different values on different branches"
                return None
            return self._target(values[0][0], values[0][1], state, depth + 1)
        if isinstance(func, ast.Attribute):
            ref = self._ref(func.value, scope, state)
            if ref is not None:
                return _Target(func.attr, ref if isinstance(ref, _Batch) else None)
            if self._operations_class(func.value):
                return _Target(func.attr, unbound=True)
            return None
        if not isinstance(func, ast.Call) or not func.args:
            return None
        name = _callee(func.func, self.facts.aliases)
        if name == "getattr" and len(func.args) >= 2:
            ref = self._ref(func.args[0], scope, state)
            if ref is None:
                return None
            attr = self._fold(func.args[1], scope)
            if not isinstance(attr, tuple):
                return "the attribute name passed to getattr() is not a literal string"
            return _Target(attr[0], ref if isinstance(ref, _Batch) else None)
        if name == "partial":
            inner = self._target(func.args[0], scope, state, depth + 1)
            if isinstance(inner, _Target):
                args = (*inner.args, *func.args[1:])
                return replace(inner, args=args, keywords=(*inner.keywords, *func.keywords))
            return inner
        return None

    def _dispatch(self, call: ast.Call, target: _Target, scope: _Scope, state: _State) -> None:
        """Handle ``call`` as the direct operation ``target`` stands for."""
        args = list(call.args)
        batch = target.batch
        if target.unbound:
            if target.method != "invoke" and target.method not in _HANDLERS:
                return  # Operations.register_operation(...) and other class-level helpers
            ref = self._ref(args[0], scope, state) if args else None
            if ref is None:
                why = f"cannot analyze {_label(call)}: it is not called on the op object"
                self._fail(call, scope, state, why)
                return
            batch, args = (ref if isinstance(ref, _Batch) else None), args[1:]
        args = [*target.args, *args]
        keywords = [*target.keywords, *call.keywords]
        method = target.method
        if method == "invoke":
            self._invoke(call, args, scope, state, batch)
            return
        handler = _HANDLERS.get(method)
        if handler is None:
            return
        func = call.func
        if target.unbound or not (isinstance(func, ast.Attribute) and func.attr == method):
            func = ast.Attribute(
                value=ast.Name(id="op", ctx=ast.Load()), attr=method, ctx=ast.Load()
            )
        direct = ast.Call(func=func, args=args, keywords=keywords)
        handler(self, ast.copy_location(direct, call), scope, state, batch)

    def _invoke(
        self,
        call: ast.Call,
        args: Sequence[ast.expr],
        scope: _Scope,
        state: _State,
        batch: _Batch | None,
    ) -> None:
        """``op.invoke(ops.DropTableOp("t"))``: the operation object as its op method."""
        operation, oscope = self._deref(args[0], scope) if args else (None, scope)
        kind = (
            _callee(operation.func, self.facts.aliases) if isinstance(operation, ast.Call) else ""
        )
        if not isinstance(operation, ast.Call) or kind not in _OP_CLASSES:
            # Other *Op classes change no data; DropTableOp.from_table(...) and the like are MIG301.
            if not kind.endswith("Op"):
                why = f"cannot analyze {_label(call)}: the operation object is not known statically"
                self._fail(call, scope, state, why)
            return
        op_args = list(operation.args)
        if kind == "CreateTableOp" and len(op_args) >= 2:
            columns = op_args[1]
            op_args = [op_args[0], ast.Starred(value=columns, ctx=ast.Load()), *op_args[2:]]
        keywords = [
            ast.keyword(arg=_OP_KEYWORDS.get(k.arg or "", k.arg), value=k.value)
            for k in operation.keywords
        ]
        target = _Target(_OP_CLASSES[kind], batch)
        direct = ast.copy_location(ast.Call(func=call.func, args=op_args, keywords=keywords), call)
        self._dispatch(direct, target, oscope, state)

    def _call(self, call: ast.Call, scope: _Scope, state: _State) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute):
            receiver = func.value
            ref = self._ref(receiver, scope, state)
            if ref is not None:
                batch = ref if isinstance(ref, _Batch) else None
                if func.attr == "invoke" or func.attr in _HANDLERS:
                    self._dispatch(call, _Target(func.attr, batch), scope, state)
                    return True
                # Other methods change no data themselves; what they are handed may
                # (op.run_async(helper), a batch passed along).
                for arg in _call_args(call):
                    self._scan(arg, scope, state)
                return True
            if func.attr in _EXECUTE:
                self._execute(call, scope, state, None)
                return True
            if self._core_call(call, func, scope, state):
                return True
            method = self.facts.methods.get(func.attr)
            if method is not None and self._can_inline(method.name, state):
                # obj.method(...) of a class in the revision: self is the receiver.
                bound = ast.Call(func=func, args=[receiver, *call.args], keywords=call.keywords)
                self._inline(method, ast.copy_location(bound, call), scope, state)
                return True
        if isinstance(func, ast.Name):
            fn = self.local_functions.get(func.id) or self.facts.functions.get(func.id)
            if (
                fn is not None
                and (
                    func.id in self.facts.op_helpers
                    or any(self._op_like(a, scope, state) for a in _call_args(call))
                )
                and self._can_inline(func.id, state)
            ):
                self._inline(fn, call, scope, state)
                return True
        dynamic = _callee(func, {})
        if dynamic in _DYNAMIC_CODE and (isinstance(func, ast.Name) or dynamic == "import_module"):
            why = f"cannot analyze {_label(call)}: it imports or runs code chosen at run time"
            self._fail(call, scope, state, why)
            return True
        target = self._target(func, scope, state)
        if isinstance(target, _Target):
            self._dispatch(call, target, scope, state)
            return True
        if isinstance(target, str):
            self._fail(call, scope, state, f"cannot analyze {_label(call)}: {target}")
            return True
        return False

    def _can_inline(self, name: str, state: _State) -> bool:
        return name not in state.stack and len(state.stack) < _MAX_HELPER_DEPTH

    def _core_call(self, call: ast.Call, func: ast.Attribute, scope: _Scope, state: _State) -> bool:
        """SQLAlchemy Core and ORM calls that change the schema or rows without op."""
        if func.attr in ("drop_all", "create_all"):
            verb = "drops" if func.attr == "drop_all" else "creates"
            why = f"cannot analyze {_label(call)}: the tables it {verb} are not known statically"
            self._fail(call, scope, state, why)
            return True
        if func.attr in ("drop", "create") and self._binds(call, scope):
            table, tscope = self._deref(func.value, scope)
            kind = _callee(table.func, self.facts.aliases) if isinstance(table, ast.Call) else ""
            if kind in _SCHEMA_OBJECTS or kind.upper().endswith("ENUM"):
                return False  # a type, sequence or index holds no rows
            if not (
                isinstance(table, ast.Call)
                and _callee(table.func, self.facts.aliases) in ("Table", "table")
                and table.args
            ):
                why = f"cannot analyze {_label(call)}: it is not called on sa.Table(...)"
                self._fail(call, scope, state, why)
                return True
            if func.attr == "drop":
                args = [table.args[0]]
            else:
                skip = 2 if _callee(table.func, self.facts.aliases) == "Table" else 1
                args = [table.args[0], *table.args[skip:]]
            method = "drop_table" if func.attr == "drop" else "create_table"
            direct = ast.copy_location(ast.Call(func=func, args=args, keywords=[]), call)
            self._dispatch(direct, _Target(method), tscope, state)
            return True
        if func.attr in ("delete", "update"):
            return self._query_rows(call, func, scope, state)
        return False

    def _binds(self, call: ast.Call, scope: _Scope) -> bool:
        """Is ``call`` handed a connection (``op.get_bind()``, ``bind=``, ``conn``)?"""
        if any(k.arg == "bind" for k in call.keywords):
            return True
        for arg in _call_args(call):
            value, _ = self._deref(arg, scope)
            if isinstance(value, ast.Name) and value.id in _BIND_NAMES:
                return True
            if isinstance(value, ast.Attribute) and value.attr in ("bind", "connection"):
                return True
            if isinstance(value, ast.Call) and _callee(value.func, self.facts.aliases) in (
                "get_bind",
                "connect",
                "begin",
            ):
                return True
        return False

    def _query_rows(
        self, call: ast.Call, func: ast.Attribute, scope: _Scope, state: _State
    ) -> bool:
        """ORM ``session.query(X)[.filter(...)].delete()`` / ``.update({...})``: MIG106 rules."""
        node, nscope = self._deref(func.value, scope)
        methods: set[str] = set()
        model: ast.expr | None = None
        for _ in range(64):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                return False
            if node.func.attr == "query":
                model = node.args[0] if node.args else None
                break
            methods.add(node.func.attr)
            node, nscope = self._deref(node.func.value, nscope)
        else:
            return False
        table = self._model_table(model, nscope) if model is not None else None
        if table is None:
            why = f"cannot analyze {_label(call)}: the table of the queried model is not known"
            self._fail(call, scope, state, why)
            return True
        columns: list[str] = []
        if func.attr == "update" and call.args:
            mapping, mscope = self._deref(call.args[0], scope)
            if isinstance(mapping, ast.Dict):
                columns = [
                    c for k in mapping.keys if k is not None and (c := self._column_key(k, mscope))
                ]
        change = self._change(
            call,
            state,
            "table",
            table,
            "altered",
            "update_rows" if func.attr == "update" else "delete_rows",
            where=bool(methods & {"filter", "filter_by", "where"}),
            columns=tuple(dict.fromkeys(columns)),
        )
        self._emit(self._key(call, scope, state), (change,))
        return True

    def _model_table(self, expr: ast.expr, scope: _Scope) -> str | None:
        """The table of ``sa.table("t")``, ``sa.Table("t", ...)`` or an ORM class declared in
        the revision with a literal ``__tablename__``."""
        expr, scope = self._deref(expr, scope)
        if isinstance(expr, ast.Attribute) and expr.attr == "__table__":
            expr, scope = self._deref(expr.value, scope)
        if isinstance(expr, ast.Name) and scope.lookup(expr.id) is None:
            return self.facts.tables.get(expr.id)
        if (
            isinstance(expr, ast.Call)
            and _callee(expr.func, self.facts.aliases) in ("table", "Table")
            and expr.args
        ):
            folded = self._fold(expr.args[0], scope)
            return folded[0].lower() if isinstance(folded, tuple) else None
        return None

    def _inline(
        self,
        fn: ast.FunctionDef | ast.AsyncFunctionDef,
        call: ast.Call,
        scope: _Scope,
        state: _State,
    ) -> None:
        """Follow a module helper with its parameters bound to the call's arguments."""
        env = _Scope(self.facts.scope)
        args = fn.args
        positional = [*args.posonlyargs, *args.args]
        defaults = dict(zip([a.arg for a in positional[::-1]], args.defaults[::-1], strict=False))
        for kwarg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if default is not None:
                defaults[kwarg.arg] = default
        given = _args(call, [a.arg for a in positional])
        starred = any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        )
        for param in [*positional, *args.kwonlyargs]:
            if param.arg in given:
                env = env.bind(param.arg, ((given[param.arg], scope),))
            elif param.arg in defaults and not starred:
                env = env.bind(param.arg, ((defaults[param.arg], self.facts.scope),))
            else:
                env = env.bind(param.arg, ())
        if args.vararg is not None:
            rest = ast.Tuple(elts=call.args[len(positional) :], ctx=ast.Load())
            env = env.bind(args.vararg.arg, () if starred else ((rest, scope),))
        if args.kwarg is not None:
            env = env.bind(args.kwarg.arg, ())
        batches: dict[str, _Batch] = {}
        for param in [*positional, *args.kwonlyargs]:
            if param.arg in given:
                ref = self._ref(given[param.arg], scope, state)
                if isinstance(ref, _Batch):
                    batches[param.arg] = ref
        inner = replace(
            state, site=state.site or call, stack=(*state.stack, fn.name), batches=batches
        )
        saved = self.guard_vars
        self.guard_vars = set()
        self._block(fn.body, env, inner)
        self.guard_vars = saved

    def _deref(self, expr: ast.expr, scope: _Scope) -> _Value:
        """Follow a name to its single known value (unchanged when unknown or ambiguous)."""
        # Terminates: a binding only ever refers to an older scope.
        while isinstance(expr, ast.Name):
            values = scope.lookup(expr.id)
            if not values or len(values) != 1:
                break
            expr, scope = values[0]
        return expr, scope

    def _alternatives(self, expr: ast.expr, scope: _Scope) -> list[_Value]:
        """A name bound differently on if/else branches stands for each of its values."""
        pending: list[_Value] = [(expr, scope)]
        found: list[_Value] = []
        while pending and len(found) < _MAX_ALTERNATIVES:
            node, nscope = pending.pop(0)
            values = nscope.lookup(node.id) if isinstance(node, ast.Name) else None
            if isinstance(node, ast.Name) and values and len(found) + len(pending) < 64:
                pending.extend(values)
            else:
                found.append((node, nscope))
        return found

    def _fold(self, expr: ast.expr, scope: _Scope, depth: int = 0) -> tuple[str, int] | str:
        """A string built from literals only, with its first line; otherwise why it is not."""
        if depth > 32:
            return "it is nested too deeply"
        if isinstance(expr, ast.Name):
            values = scope.lookup(expr.id)
            if not values:
                return f"'{expr.id}' is not a literal string"
            folded = [self._fold(v, s, depth + 1) for v, s in values]
            pieces = [f for f in folded if isinstance(f, tuple)]
            reasons = [f for f in folded if isinstance(f, str)]
            if reasons:
                return (
                    f"'{expr.id}' is not a literal string"
                    if _NOT_LITERAL in reasons
                    else reasons[0]
                )
            if len({p[0] for p in pieces}) == 1:
                return pieces[0]
            return f"'{expr.id}' has different values on different branches"
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, str):
                return expr.value, expr.lineno
            return "it is not a string"
        if isinstance(expr, ast.JoinedStr):
            if all(isinstance(v, ast.Constant) for v in expr.values):
                return "".join(str(v.value) for v in expr.values if isinstance(v, ast.Constant)), (
                    expr.lineno
                )
            return "it is an f-string"
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            parts: list[ast.expr] = []
            node: ast.expr = expr
            while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                parts.append(node.right)
                node = node.left
            parts.append(node)
            folded = [self._fold(p, scope, depth + 1) for p in reversed(parts)]
            if all(isinstance(f, tuple) for f in folded):
                pieces = [f for f in folded if isinstance(f, tuple)]
                return "".join(p[0] for p in pieces), pieces[0][1]
            return "it concatenates a value that is not a literal string"
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            return self._fold_percent(expr, scope, depth)
        if isinstance(expr, ast.Call):
            return self._fold_call(expr, scope, depth)
        return _NOT_LITERAL

    def _fold_percent(self, expr: ast.BinOp, scope: _Scope, depth: int) -> tuple[str, int] | str:
        template = self._fold(expr.left, scope, depth + 1)
        why = "it uses %-formatting with values that are not literals"
        if not isinstance(template, tuple):
            return why
        right, rscope = self._deref(expr.right, scope)
        elts = right.elts if isinstance(right, ast.Tuple) else [right]
        values = [self._scalar(e, rscope) for e in elts]
        if any(v is _MISSING for v in values):
            return why
        try:
            return template[0] % tuple(values), template[1]
        except (TypeError, ValueError, KeyError, OverflowError):
            return why

    def _fold_call(self, expr: ast.Call, scope: _Scope, depth: int) -> tuple[str, int] | str:
        func = expr.func
        name = _callee(func, self.facts.aliases)
        if isinstance(func, ast.Attribute) and name == "format":
            template = self._fold(func.value, scope, depth + 1)
            why = "it uses str.format() with values that are not literals"
            if not isinstance(template, tuple):
                return why
            args = [self._scalar(a, scope) for a in expr.args]
            kwargs = {k.arg: self._scalar(k.value, scope) for k in expr.keywords if k.arg}
            if _MISSING in args or _MISSING in kwargs.values() or len(kwargs) != len(expr.keywords):
                return why
            if re.search(r"\{[^{}]*[.\[]", template[0]):
                return why
            try:
                return template[0].format(*args, **kwargs), template[1]
            except (IndexError, KeyError, ValueError):
                return why
        if isinstance(func, ast.Attribute) and name == "join" and len(expr.args) == 1:
            separator = self._fold(func.value, scope, depth + 1)
            items, iscope = self._deref(expr.args[0], scope)
            if isinstance(separator, tuple) and isinstance(items, (ast.List, ast.Tuple)):
                folded = [self._fold(e, iscope, depth + 1) for e in items.elts]
                if folded and all(isinstance(f, tuple) for f in folded):
                    pieces = [f for f in folded if isinstance(f, tuple)]
                    return separator[0].join(p[0] for p in pieces), pieces[0][1]
            return "it joins values that are not literal strings"
        if name in _NAME_WRAPPERS and expr.args:
            return self._fold(expr.args[0], scope, depth + 1)
        return _NOT_LITERAL

    def _scalar(self, expr: ast.expr, scope: _Scope) -> object:
        expr, _ = self._deref(expr, scope)
        if isinstance(expr, ast.Constant) and isinstance(expr.value, _SCALARS):
            return expr.value
        return _MISSING

    def _name(
        self, expr: ast.expr | None, scope: _Scope, call: ast.Call, state: _State, what: str
    ) -> str | None:
        """A lower-cased literal object name, or a MIG301 problem and None."""
        if expr is None:
            folded: tuple[str, int] | str = "it is missing"
        else:
            folded = self._fold(expr, scope)
        if isinstance(folded, tuple):
            return folded[0].lower()
        self._fail(call, scope, state, f"cannot analyze {_label(call)}: the {what} {_why(folded)}")
        return None

    def _bool(self, expr: ast.expr | None, scope: _Scope) -> bool | None:
        if expr is None:
            return None
        value = self._scalar(expr, scope)
        return value if isinstance(value, bool) else None

    def _type(self, expr: ast.expr | None, scope: _Scope) -> str | None:
        if expr is None:
            return None
        expr, scope = self._deref(expr, scope)
        args: list[str] = []
        if isinstance(expr, ast.Call):
            if isinstance(expr.func, ast.Attribute) and expr.func.attr in _TYPE_WRAPPERS:
                return self._type(expr.func.value, scope)
            name = _callee(expr.func, self.facts.aliases)
            for arg in expr.args:
                args.append(self._type_arg(arg, scope))
            for keyword in expr.keywords:
                if keyword.arg == "length":
                    args.insert(0, self._type_arg(keyword.value, scope))
                elif keyword.arg is not None:
                    args.append(f"{keyword.arg}={self._type_arg(keyword.value, scope)}")
        elif isinstance(expr, (ast.Name, ast.Attribute)):
            name = _callee(expr, self.facts.aliases)
        else:
            return ast.unparse(expr)
        base = _SQL_TYPES.get(name, name.upper())
        return f"{base}({', '.join(args)})" if args else base

    def _type_arg(self, expr: ast.expr, scope: _Scope) -> str:
        value, vscope = self._deref(expr, scope)
        if isinstance(value, ast.Call):
            return self._type(value, vscope) or ""
        return ast.unparse(value)

    def _columns(self, expr: ast.expr | None, scope: _Scope) -> tuple[str, ...]:
        if expr is None:
            return ()
        expr, scope = self._deref(expr, scope)
        elts = expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else [expr]
        names: list[str] = []
        for elt in elts:
            folded = self._fold(elt, scope)
            if isinstance(folded, tuple):
                names.append(folded[0].lower())
        return tuple(names)

    def _column_spec(self, expr: ast.expr, scope: _Scope) -> _ColumnSpec | str:
        expr, scope = self._deref(expr, scope)
        if not isinstance(expr, ast.Call) or _callee(expr.func, self.facts.aliases) != "Column":
            return "the column is not a literal sa.Column(...)"
        params = _args(expr, ("name", "type_"))
        type_expr = params.get("type_")
        if (
            type_expr is not None
            and _callee(
                type_expr.func if isinstance(type_expr, ast.Call) else type_expr, self.facts.aliases
            )
            in _NOT_TYPES
        ):
            type_expr = None
        name = self._fold(params["name"], scope) if "name" in params else "it is missing"
        if not isinstance(name, tuple):
            return f"the column name {_why(name)}"
        keywords = {k.arg: k.value for k in expr.keywords if k.arg}
        primary_key = self._bool(keywords.get("primary_key"), scope) is True
        explicit = "nullable" in keywords
        nullable = self._bool(keywords["nullable"], scope) if explicit else not primary_key
        has_default = any(
            key in keywords and self._scalar(keywords[key], scope) is not None
            for key in ("server_default", "default")
        )
        return _ColumnSpec(
            name=name[0].lower(),
            node=expr,
            type=self._type(type_expr, scope),
            nullable=nullable,
            explicit_nullable=explicit,
            has_default=has_default,
            unique=self._bool(keywords.get("unique"), scope) is True,
            primary_key=primary_key,
        )

    # operations (SPEC §3.1)

    def _idempotent(self, call: ast.Call, scope: _Scope, state: _State) -> _State:
        """Alembic ≥ 1.16 ``if_not_exists=True`` / ``if_exists=True`` guard the call itself."""
        for keyword in call.keywords:
            if keyword.arg in ("if_not_exists", "if_exists") and self._bool(keyword.value, scope):
                return replace(state, guard=self._guard_id(call, state))
        return state

    def _batch(self, call: ast.Call, scope: _Scope, state: _State) -> _Batch:
        params = _args(call, ("table_name", "schema", "recreate"))
        table = self._name(params.get("table_name"), scope, call, state, "table name")
        recreate = params.get("recreate")
        folded = self._fold(recreate, scope) if recreate is not None else None
        batch = _Batch(table=table, recreate=isinstance(folded, tuple) and folded[0] == "always")
        if table is not None and batch.recreate:
            change = self._change(call, state, "table", table, "altered", "rebuild_table")
            self._emit(self._key(call, scope, state), (change,))
        return batch

    def _table(
        self,
        params: Mapping[str, ast.expr],
        call: ast.Call,
        scope: _Scope,
        state: _State,
        batch: _Batch | None,
    ) -> str | None:
        if batch is not None:
            return batch.table
        return self._name(params.get("table_name"), scope, call, state, "table name")

    def _batch_key(self, batch: _Batch | None) -> tuple[str, ...]:
        return () if batch is None else (f"batch:{batch.table}:{batch.recreate}",)

    def _create_table(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        params = _args(call, ("table_name",))
        table = self._name(params.get("table_name"), scope, call, state, "table name")
        if table is None:
            return
        key = self._key(call, scope, state)
        changes = [self._change(call, state, "table", table, "added", "create_table")]
        problems: list[Problem] = []
        specs: list[_ColumnSpec] = []
        not_null: set[str] = set()
        unique: set[str] = set()
        for arg, ascope in self._positional(call.args[1:], scope):
            if arg is None:
                why = f"cannot analyze {_label(call)}: its columns are not written out literally"
                problems.append(self._problem_at(call, state, why))
                continue
            expr, escope = self._deref(arg, ascope)
            name = _callee(expr.func, self.facts.aliases) if isinstance(expr, ast.Call) else ""
            if name == "Column":
                spec = self._column_spec(expr, escope)
                if isinstance(spec, str):
                    why = f"cannot analyze {_label(call)}: {spec}"
                    problems.append(self._problem_at(call, state, why))
                else:
                    specs.append(spec)
            elif name == "PrimaryKeyConstraint" and isinstance(expr, ast.Call):
                not_null.update(self._columns(ast.Tuple(elts=expr.args, ctx=ast.Load()), escope))
            elif name == "UniqueConstraint" and isinstance(expr, ast.Call) and len(expr.args) == 1:
                unique.update(self._columns(expr.args[0], escope))
            elif not name.endswith(("Constraint", "Index")):
                what = ast.unparse(expr)[:60]
                why = f"cannot analyze {_label(call)}: {what} is not a literal sa.Column(...)"
                problems.append(self._problem_at(call, state, why))
        for spec in specs:
            nullable = spec.nullable
            if spec.name in not_null and not spec.explicit_nullable:
                nullable = False
            changes.append(
                self._change(
                    spec.node,
                    state,
                    "column",
                    f"{table}.{spec.name}",
                    "added",
                    "create_table",
                    type_=spec.type,
                    nullable=nullable,
                    has_default=spec.has_default,
                    unique=spec.unique or spec.name in unique,
                )
            )
        self._emit(key, changes, problems)

    def _positional(
        self, args: Sequence[ast.expr], scope: _Scope
    ) -> list[tuple[ast.expr | None, _Scope]]:
        out: list[tuple[ast.expr | None, _Scope]] = []
        for arg in args:
            if isinstance(arg, ast.Starred):
                value, vscope = self._deref(arg.value, scope)
                if isinstance(value, (ast.List, ast.Tuple)):
                    out.extend(self._positional(value.elts, vscope))
                else:
                    out.append((None, scope))
            else:
                out.append((arg, scope))
        return out

    def _problem_at(self, node: ast.expr | ast.stmt, state: _State, why: str) -> Problem:
        line, column = self._pos(node, state)
        return Problem(code=CODE, path=self.path, line=line, column=column, message=why)

    def _add_column(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        params = _args(call, ("column",) if batch else ("table_name", "column"))
        table = self._table(params, call, scope, state, batch)
        if table is None:
            return
        extra = self._batch_key(batch)
        column = params.get("column")
        spec = self._column_spec(column, scope) if column is not None else "the column is missing"
        if isinstance(spec, str):
            self._fail(call, scope, state, f"cannot analyze {_label(call)}: {spec}", *extra)
            return
        change = self._change(
            call,
            state,
            "column",
            f"{table}.{spec.name}",
            "added",
            "add_column",
            type_=spec.type,
            nullable=spec.nullable,
            has_default=spec.has_default,
            unique=spec.unique,
        )
        self._emit(self._key(call, scope, state, *extra), (change,))

    def _drop_column(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        params = _args(call, ("column_name",) if batch else ("table_name", "column_name"))
        table = self._table(params, call, scope, state, batch)
        extra = self._batch_key(batch)
        if table is None:
            return
        column = self._name(params.get("column_name"), scope, call, state, "column name")
        if column is None:
            return
        change = self._change(call, state, "column", f"{table}.{column}", "dropped", "drop_column")
        self._emit(self._key(call, scope, state, *extra), (change,))

    def _drop_table(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        table = self._name(
            _args(call, ("table_name",)).get("table_name"), scope, call, state, "table name"
        )
        if table is not None:
            change = self._change(call, state, "table", table, "dropped", "drop_table")
            self._emit(self._key(call, scope, state), (change,))

    def _rename_table(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        params = _args(call, ("old_table_name", "new_table_name"))
        old = self._name(params.get("old_table_name"), scope, call, state, "old table name")
        new = self._name(params.get("new_table_name"), scope, call, state, "new table name")
        if old is not None and new is not None:
            change = self._change(
                call, state, "table", new, "renamed", "rename_table", old_name=old
            )
            self._emit(self._key(call, scope, state), (change,))

    def _alter_column(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        params = _args(call, ("column_name",) if batch else ("table_name", "column_name"))
        table = self._table(params, call, scope, state, batch)
        extra = self._batch_key(batch)
        if table is None:
            return
        column = self._name(params.get("column_name"), scope, call, state, "column name")
        if column is None:
            return
        changes: list[Change] = []
        final = column
        if "new_column_name" in params:
            new = self._name(params["new_column_name"], scope, call, state, "new column name")
            if new is None:
                return
            if new != column:
                final = new
                changes.append(
                    self._change(
                        call,
                        state,
                        "column",
                        f"{table}.{new}",
                        "renamed",
                        "rename_column",
                        old_name=f"{table}.{column}",
                    )
                )
        type_ = self._type(params.get("type_"), scope)
        old_type = self._type(params.get("existing_type"), scope)
        if type_ is not None and type_ == old_type:
            type_ = None
        nullable = self._bool(params.get("nullable"), scope)
        if nullable is not None and nullable == self._bool(params.get("existing_nullable"), scope):
            nullable = None
        has_default: bool | None = None
        if "server_default" in params:
            value = self._scalar(params["server_default"], scope)
            # Alembic reads server_default=False as "unchanged" and None as "drop the default".
            has_default = None if value is False else value is not None
        if type_ is not None or nullable is not None or has_default is not None:
            changes.append(
                self._change(
                    call,
                    state,
                    "column",
                    f"{table}.{final}",
                    "altered",
                    "alter_column",
                    type_=type_,
                    old_type=old_type,
                    nullable=nullable,
                    has_default=has_default,
                )
            )
        if changes:
            self._emit(self._key(call, scope, state, *extra), changes)

    def _create_index(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        names = ("index_name", "columns") if batch else ("index_name", "table_name", "columns")
        params = _args(call, names)
        unique = self._bool(params.get("unique"), scope) is True
        self._index_added(
            call,
            scope,
            state,
            batch,
            params,
            name=params.get("index_name"),
            convention="ix",
            operation="create_index",
            unique=unique,
        )

    def _create_unique_constraint(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        names = (
            ("constraint_name", "columns")
            if batch
            else ("constraint_name", "table_name", "columns")
        )
        params = _args(call, names)
        # Alembic < 0.7 spelled them source= and local_cols=.
        if "source" in params and "table_name" not in params:
            params["table_name"] = params["source"]
        if "local_cols" in params and "columns" not in params:
            params["columns"] = params["local_cols"]
        self._index_added(
            call,
            scope,
            state,
            batch,
            params,
            name=params.get("constraint_name"),
            convention="uq",
            operation="create_unique_constraint",
            unique=True,
        )

    def _index_added(
        self,
        call: ast.Call,
        scope: _Scope,
        state: _State,
        batch: _Batch | None,
        params: dict[str, ast.expr],
        *,
        name: ast.expr | None,
        convention: str,
        operation: str,
        unique: bool,
    ) -> None:
        """An index (or unique constraint) added on ``table_name`` over ``columns``; without
        a name, the one a naming convention would give it (``ix_t_c``, ``uq_t_c``)."""
        table = self._table(params, call, scope, state, batch)
        if table is None:
            return
        columns = self._columns(params.get("columns"), scope)
        index = self._index_name(name, scope, call, state, f"{convention}_{table}", columns)
        if index is None:
            return
        change = self._change(
            call,
            state,
            "index",
            index,
            "added",
            operation,
            unique=unique,
            columns=columns,
            table=table,
        )
        self._emit(self._key(call, scope, state, *self._batch_key(batch)), (change,))

    def _index_name(
        self,
        expr: ast.expr | None,
        scope: _Scope,
        call: ast.Call,
        state: _State,
        prefix: str,
        columns: tuple[str, ...],
    ) -> str | None:
        # A None name leaves naming to the metadata's convention; name it the conventional way.
        if expr is None or self._scalar(expr, scope) is None:
            return "_".join((prefix, *(c for c in columns if c.isidentifier())))
        return self._name(expr, scope, call, state, "index name")

    def _drop_index(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        params = _args(call, ("index_name",) if batch else ("index_name", "table_name"))
        name = self._name(params.get("index_name"), scope, call, state, "index name")
        if name is None:
            return
        table = batch.table if batch else None
        if batch is None and "table_name" in params:
            folded = self._fold(params["table_name"], scope)
            table = folded[0].lower() if isinstance(folded, tuple) else None
        change = self._change(call, state, "index", name, "dropped", "drop_index", table=table)
        self._emit(self._key(call, scope, state, *self._batch_key(batch)), (change,))

    def _execute(self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None) -> None:
        params = _args(call, ("statement",))
        statement = params.get("statement")
        for keyword in ("sqltext", "sql", "sql_script"):
            statement = statement or params.get(keyword)
        if statement is None:
            return
        for expr, escope in self._alternatives(statement, scope):
            self._statement(call, expr, escope, state)

    def _statement(self, call: ast.Call, expr: ast.expr, scope: _Scope, state: _State) -> None:
        """One SQL statement handed to execute: literal SQL, a Core construct, or MIG301."""
        key = self._key(call, scope, state, ast.dump(expr) if self.want_keys else "")
        chain: list[tuple[str, ast.Call]] = []
        base, bscope = self._deref(expr, scope)
        while isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute):
            receiver, rscope = self._deref(base.func.value, bscope)
            if base.func.attr in ("format", "join") or self._is_module(receiver, rscope):
                break
            chain.append((base.func.attr, base))
            base, bscope = receiver, rscope
        verbs = {attr for attr, _ in chain}
        if (
            isinstance(base, ast.Call) and _callee(base.func, self.facts.aliases) in _CORE_BASES
        ) or verbs & {"update", "delete"}:
            self._core(call, key, base, bscope, chain, state)
            return
        if chain and all(attr in _STATEMENT_WRAPPERS for attr, _ in chain):
            expr, scope = base, bscope
        folded = self._fold(expr, scope)
        if isinstance(folded, str):
            if not _READ_SQL.match(self._leading_text(expr, scope)):
                why = (
                    f"cannot analyze dynamic SQL in {_label(call)}: {folded}; "
                    "write literal SQL or add a data plan"
                )
                self._emit(key, problems=(self._problem_at(call, state, why),))
            return
        line = folded[1] if state.site is None else self._pos(call, state)[0]
        self._emit(key, sql=_Sql(folded[0], line, state.guard))

    def _is_module(self, node: ast.expr, scope: _Scope) -> bool:
        """``sa`` in ``sa.update(t)``: a dotted name bound to nothing the revision assigns."""
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and scope.lookup(node.id) is None

    def _leading_text(self, expr: ast.expr, scope: _Scope) -> str:
        """The literal text a dynamic statement starts with, to recognise reads."""
        for _ in range(64):
            expr, scope = self._deref(expr, scope)
            if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                return expr.value
            if isinstance(expr, ast.JoinedStr) and expr.values:
                expr = expr.values[0]
            elif isinstance(expr, ast.BinOp):
                expr = expr.left
            elif (
                isinstance(expr, ast.Call)
                and expr.args
                and _callee(expr.func, self.facts.aliases) in _NAME_WRAPPERS
            ):
                expr = expr.args[0]
            elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
                expr = expr.func.value
            else:
                break
        return ""

    def _core(
        self,
        call: ast.Call,
        key: tuple[str, ...],
        base: ast.expr,
        scope: _Scope,
        chain: Sequence[tuple[str, ast.Call]],
        state: _State,
    ) -> None:
        """SQLAlchemy Core ``table(...).update()/.delete()`` follow the SQL rules (SPEC §3.1)."""
        methods = {attr for attr, _ in chain}
        verb = _callee(base.func, self.facts.aliases) if isinstance(base, ast.Call) else ""
        table_call: ast.expr | None = base
        where = "where" in methods or "filter" in methods
        if isinstance(base, ast.Call) and verb in ("update", "delete", "insert", "select"):
            table_call = base.args[0] if base.args else None
            where = where or any(k.arg == "whereclause" for k in base.keywords)
        else:
            verb = next((v for v in ("update", "delete", "insert", "select") if v in methods), "")
        if verb in ("insert", "select"):
            return
        table: str | None = None
        tscope = scope
        if table_call is not None:
            table_call, tscope = self._deref(table_call, scope)
        if table_call is not None:
            table = self._model_table(table_call, tscope)
        if table is None or not verb:
            why = (
                f"cannot analyze {_label(call)}: it is neither literal SQL nor "
                "table(...).update()/.delete() on a literal table name"
            )
            self._emit(key, problems=(self._problem_at(call, state, why),))
            return
        columns: list[str] = []
        for attr, link in reversed(chain):
            if attr != "values":
                continue
            mappings = list(link.args)
            for keyword in link.keywords:
                if keyword.arg is not None:
                    columns.append(keyword.arg.lower())
                else:
                    mappings.append(keyword.value)
            for arg in mappings:
                mapping, _ = self._deref(arg, scope)
                if isinstance(mapping, ast.Dict):
                    for k in mapping.keys:
                        if k is not None and (text := self._column_key(k, scope)):
                            columns.append(text)
        operation = "update_rows" if verb == "update" else "delete_rows"
        change = self._change(
            call,
            state,
            "table",
            table,
            "altered",
            operation,
            where=where,
            columns=tuple(dict.fromkeys(columns)),
        )
        self._emit(key, (change,))

    def _column_key(self, key: ast.expr, scope: _Scope) -> str:
        folded = self._fold(key, scope)
        if isinstance(folded, tuple):
            return folded[0].lower()
        return key.attr.lower() if isinstance(key, ast.Attribute) else ""


class _Missing:
    pass


_MISSING = _Missing()

_HANDLERS = {
    "create_table": _Analyzer._create_table,
    "add_column": _Analyzer._add_column,
    "drop_column": _Analyzer._drop_column,
    "drop_table": _Analyzer._drop_table,
    "rename_table": _Analyzer._rename_table,
    "alter_column": _Analyzer._alter_column,
    "create_index": _Analyzer._create_index,
    "drop_index": _Analyzer._drop_index,
    "create_unique_constraint": _Analyzer._create_unique_constraint,
    "execute": _Analyzer._execute,
}


def _params(args: ast.arguments) -> list[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return [a.arg for a in every if a is not None]


def _definition_exprs(
    stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
) -> list[ast.expr]:
    """What a def or class statement evaluates where it stands: decorators, defaults, bases."""
    if isinstance(stmt, ast.ClassDef):
        return [*stmt.decorator_list, *stmt.bases, *(k.value for k in stmt.keywords)]
    defaults = [d for d in stmt.args.kw_defaults if d is not None]
    return [*stmt.decorator_list, *stmt.args.defaults, *defaults]


def _call_args(call: ast.Call) -> list[ast.expr]:
    return [*call.args, *(k.value for k in call.keywords)]


def _label(call: ast.Call) -> str:
    text = ast.unparse(call.func)
    if len(text) > 60 and isinstance(call.func, ast.Attribute):
        text = call.func.attr
    return f"{text}()"


def _why(reason: str) -> str:
    return reason.removeprefix("it ") if reason.startswith("it ") else reason
