"""Environment variables a change starts (or stops) reading (SPEC §3.4).

Sources, each chosen by its `sources` key:

- ``python`` (``*.py``), read with ``ast``: ``os.environ["X"]``, ``os.environ.get("X")``,
  ``os.environ.setdefault("X", …)``, ``os.getenv("X")``, ``"X" in os.environ``, the same through
  ``from os import environ, getenv`` and aliases, with keys folded from module constants; and
  pydantic ``BaseSettings`` classes (v1 and v2): every field is a variable, upper-cased unless
  ``case_sensitive=True``, prefixed by ``env_prefix`` (``model_config``, ``class Config`` or
  class keywords), replaced by ``Field(alias=…)``, ``validation_alias`` (``AliasChoices``,
  ``AliasPath``) or v1 ``env=`` / ``Config.fields``;
- ``env_files`` (``.env``, ``.env.*``): keys, ``export KEY=``, comments and quoted multi-line
  values;
- ``javascript`` (JS/TS, Vue, Svelte): ``process.env.X``, ``process.env["X"]``,
  ``import.meta.env.X`` and destructuring ``const { X } = process.env``, outside comments and
  strings;
- ``yaml_env``: compose ``environment:`` (map and list forms), GitHub workflow ``env:`` blocks
  and GitLab CI ``variables:``, read with ``yaml.compose`` (no object is built);
- ``shell``: ``$X`` / ``${X}`` of upper-case names not assigned in the script. Off unless
  configured: shell scripts read and set variables too freely to guess.

A reference is new when its name is absent from the file's old text (a rename compares with the
old path's text). A name the old text had and the new one lacks becomes a ``dropped`` candidate;
``retirement.py`` keeps it only when no reference is left in the repository. Well-known process
variables and ``env_ignore`` are never reported. Unparsable sources are INV303 problems.
"""

from __future__ import annotations

import ast
import bisect
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from selenite_inventory_lint import globs
from selenite_inventory_lint.detectors import DetectContext, sources
from selenite_inventory_lint.detectors import _python as py
from selenite_inventory_lint.model import Action, Change, DetectorResult, FileChange, Kind, Problem
from selenite_inventory_lint.retirement import REMOVED

if TYPE_CHECKING:
    import yaml

SOURCE = "env"
CODE = "INV303"

DEFAULT_SOURCES = sources.ENV_SOURCES
# SPEC §3.4: variables every process sees, set by the OS, the shell, CI or tooling.
DEFAULT_IGNORE = (
    "PATH",
    "HOME",
    "USER",
    "USERNAME",
    "LOGNAME",
    "PWD",
    "OLDPWD",
    "SHELL",
    "SHLVL",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TERM",
    "TERM_*",
    "COLORTERM",
    "TZ",
    "TMPDIR",
    "TMP",
    "TEMP",
    "HOSTNAME",
    "EDITOR",
    "VISUAL",
    "PAGER",
    "DISPLAY",
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "CI",
    "CI_*",
    "GITHUB_*",
    "RUNNER_OS",
    "RUNNER_ARCH",
    "RUNNER_NAME",
    "RUNNER_TEMP",
    "RUNNER_TOOL_CACHE",
    "RUNNER_DEBUG",
    "RUNNER_ENVIRONMENT",
    "ACTIONS_*",
    "GITLAB_*",
    "PYTEST_*",
    "VIRTUAL_ENV",
    "CONDA_*",
    "PYTHON*",
    "PIP_*",
    "NODE_ENV",
    "NODE_OPTIONS",
    "NODE_PATH",
    "XDG_*",
    "SSH_AUTH_SOCK",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SOURCE_DATE_EPOCH",
    "DEBIAN_FRONTEND",
    "COVERAGE_*",
    "APPDATA",
    "LOCALAPPDATA",
    "USERPROFILE",
    "SYSTEMROOT",
    "WINDIR",
    "COMSPEC",
    "PATHEXT",
)
# Set by Vite on import.meta.env in every build.
_VITE_BUILTINS = frozenset({"MODE", "DEV", "PROD", "SSR", "BASE_URL"})
_WHAT = {
    "python": "environment variables or storage paths",
    "env_files": "environment variables",
    "javascript": "environment variables",
    "yaml_env": "environment variables",
    "shell": "environment variables",
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PYTHON_WORDS = ("environ", "getenv", "BaseSettings")
_SHELL_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Ref:
    name: str
    line: int
    column: int = 1


class Unreadable(Exception):
    """A source whose syntax cannot be read; carries where and why."""

    def __init__(self, line: int, column: int, why: str) -> None:
        super().__init__(why)
        self.line = line
        self.column = column
        self.why = why


_style = sources.env_style


_IGNORED_NAMES = frozenset(p for p in DEFAULT_IGNORE if not p.endswith("*"))
_IGNORED_PREFIXES = tuple(p[:-1] for p in DEFAULT_IGNORE if p.endswith("*"))


def ignored(name: str, ctx: DetectContext) -> bool:
    return (
        name in _IGNORED_NAMES
        or name.startswith(_IGNORED_PREFIXES)
        or globs.match_any(ctx.config.env_ignore, name)
    )


class EnvDetector:
    """Reads environment-variable references from Python, .env, JS/TS, YAML and shell."""

    name = "env"

    def claims(self, path: str, ctx: DetectContext) -> bool:
        return sources.env(path, ctx)

    def patterns(self, ctx: DetectContext) -> tuple[str, ...]:
        """Every glob ``claims`` accepts, for narrowing a repository search."""
        return tuple(p for k, d in DEFAULT_SOURCES.items() for p in ctx.config.sources_for(k, d))

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        style = _style(change.path, ctx) or _style(change.old_path or change.path, ctx)
        if style is None:
            return DetectorResult()
        path = change.path
        old = _read_old(change, style, path, ctx.path_roots)
        # When the old side does not parse, a name its text still holds is not new.
        unreadable = change.old_text if old is None else None

        def keep(name: str) -> bool:
            return not ignored(name, ctx) and (unreadable is None or name not in unreadable)

        if change.status == "deleted":
            return DetectorResult(changes=reference_changes("env", SOURCE, path, {}, old, keep))
        if change.binary or change.too_large:
            why = "it is a binary file" if change.binary else "it is larger than max_file_bytes"
            return DetectorResult(problems=_problems(path, style, ctx, 1, 1, why))
        text = change.new_text or ""
        problems: tuple[Problem, ...] = ()
        if change.undecodable:
            problems = _problems(path, style, ctx, 1, 1, "it is not valid UTF-8")
        try:
            new = first_refs(scan(style, path, text, ctx.path_roots))
        except Unreadable as exc:
            return DetectorResult(
                problems=(*problems, *_problems(path, style, ctx, exc.line, exc.column, exc.why))
            )
        changes = reference_changes("env", SOURCE, path, new, old, keep)
        return DetectorResult(changes=changes, problems=problems)

    def references(self, path: str, text: str, ctx: DetectContext) -> frozenset[str]:
        """Every variable ``text`` reads (for retirement); an unreadable file reads nothing."""
        style = _style(path, ctx)
        if style is None:
            return frozenset()
        try:
            return frozenset(first_refs(scan(style, path, text, ctx.path_roots)))
        except Unreadable:
            return frozenset()


DETECTOR = EnvDetector()


def _problems(
    path: str, style: str, ctx: DetectContext, line: int, column: int, why: str
) -> tuple[Problem, ...]:
    if style == "python" and _is_migration(path, ctx):
        return ()  # the Alembic detector reports the revision as MIG301
    return (
        Problem(
            code=CODE,
            path=path,
            line=line,
            column=column,
            message=f"cannot analyze the file for {_WHAT[style]}: {why}",
        ),
    )


def _is_migration(path: str, ctx: DetectContext) -> bool:
    from selenite_inventory_lint.detectors.alembic import DETECTOR as ALEMBIC

    return ALEMBIC.claims(path, ctx)


def _read_old(
    change: FileChange, style: str, path: str, roots: Sequence[str]
) -> dict[str, Ref] | None:
    """References of the old side; None when there is none or it cannot be read."""
    if change.old_text is None or change.binary or change.too_large:
        return None
    try:
        return first_refs(scan(style, change.old_path or path, change.old_text, roots))
    except Unreadable:
        return None


def reference_changes(
    kind: Kind,
    source: str,
    path: str,
    new: Mapping[str, Ref],
    old: Mapping[str, Ref] | None,
    keep: Callable[[str], bool],
) -> tuple[Change, ...]:
    """A ``referenced`` change for each name ``new`` has and ``old`` lacks, then a ``dropped``
    one for each name ``old`` has and ``new`` lacks; only names ``keep`` accepts. ``old`` is
    None when the old side is missing or unreadable: then nothing counts as dropped."""

    def change(name: str, ref: Ref, action: Action, operation: str) -> Change:
        return Change(
            kind=kind,
            name=name,
            action=action,
            path=path,
            line=ref.line,
            column=ref.column,
            source=source,
            operation=operation,
        )

    added = [
        change(name, ref, "referenced", "reference")
        for name, ref in new.items()
        if (old is None or name not in old) and keep(name)
    ]
    dropped = [
        change(name, ref, "dropped", REMOVED)
        for name, ref in (old or {}).items()
        if name not in new and keep(name)
    ]
    return (*added, *dropped)


def first_refs(refs: Iterable[Ref]) -> dict[str, Ref]:
    """The first reference of each name, in name order."""
    first: dict[str, Ref] = {}
    for ref in refs:
        seen = first.get(ref.name)
        if seen is None or (ref.line, ref.column) < (seen.line, seen.column):
            first[ref.name] = ref
    return dict(sorted(first.items()))


def scan(style: str, path: str, text: str, roots: Sequence[str] = ()) -> list[Ref]:
    """References in ``text`` read as ``style``; raises ``Unreadable`` on bad syntax."""
    if style == "python":
        refs = python_refs(path, text, roots)
    elif style == "env_files":
        refs = dotenv_refs(text)
    elif style == "javascript":
        refs = javascript_refs(text)
    elif style == "yaml_env":
        refs = yaml_refs(path, text)
    else:
        refs = shell_refs(text)
    return [ref for ref in refs if _NAME.match(ref.name)]


# --- Python ------------------------------------------------------------------------------


def python_refs(path: str, text: str, roots: Sequence[str] = ()) -> list[Ref]:
    module = py.load(text)
    if isinstance(module, py.Unparsable):
        raise Unreadable(module.line, module.column, module.why)
    if not any(word in text for word in _PYTHON_WORDS):
        return []  # every form below names one of these words in the file itself
    folder = module.folder(path)
    refs: list[Ref] = []
    settings: dict[str, _Settings] = {}
    for node, _parent in module.nodes:
        if isinstance(node, ast.Call):
            refs.extend(_call_ref(node, folder))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if _is_environ(node.value, folder):
                refs.extend(_key_ref(node.slice, node, folder))
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            if isinstance(node.ops[0], (ast.In, ast.NotIn)) and _is_environ(
                node.comparators[0], folder
            ):
                refs.extend(_key_ref(node.left, node, folder))
        elif isinstance(node, ast.ClassDef):
            found = _settings_class(node, settings, folder)
            if found is not None:
                settings[node.name] = found
                refs.extend(_settings_refs(node, found, folder, roots))
    return refs


def _key_ref(key: ast.expr, at: ast.expr, folder: py.Folder) -> Iterator[Ref]:
    name = folder.value(key)
    if name is not None:
        yield Ref(name, at.lineno, at.col_offset + 1)


def _is_environ(node: ast.expr, folder: py.Folder, depth: int = 0) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and folder.is_module(node.value, "os")
    if isinstance(node, ast.Name):
        if folder.origin(node.id) == "os.environ":
            return True
        bound = folder.constants.get(node.id)
        return bound is not None and depth < 4 and _is_environ(bound, folder, depth + 1)
    return False


def _call_ref(node: ast.Call, folder: py.Folder) -> Iterator[Ref]:
    func = node.func
    reads = False
    if isinstance(func, ast.Attribute):
        if func.attr == "getenv":
            reads = folder.is_module(func.value, "os")
        elif func.attr in ("get", "setdefault"):
            reads = _is_environ(func.value, folder)
    elif isinstance(func, ast.Name):
        reads = folder.origin(func.id) == "os.getenv"
    if reads and node.args:
        yield from _key_ref(node.args[0], node, folder)


@dataclass(frozen=True, slots=True)
class _Settings:
    # None when env_prefix is set to something that cannot be resolved: names are unknown.
    prefix: str | None = ""
    case_sensitive: bool = False
    # pydantic v1 `class Config: fields = {"name": {"env": "X"}}`.
    fields: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _settings_class(
    node: ast.ClassDef, known: dict[str, _Settings], folder: py.Folder
) -> _Settings | None:
    inherited: _Settings | None = None
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in known:
            inherited = known[base.id]
            break
        if py.final_name(base) == "BaseSettings" or (
            isinstance(base, ast.Name) and folder.origin(base.id).endswith(".BaseSettings")
        ):
            inherited = _Settings()
            break
    if inherited is None:
        return None
    options: dict[str, ast.expr] = {k.arg: k.value for k in node.keywords if k.arg}
    fields: dict[str, tuple[str, ...]] = dict(inherited.fields)
    for stmt in node.body:
        value: ast.expr | None = None
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "model_config" for t in stmt.targets)
        ) or (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == "model_config"
        ):
            value = stmt.value
        elif isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            for inner in stmt.body:
                if isinstance(inner, ast.Assign):
                    for target in inner.targets:
                        if isinstance(target, ast.Name):
                            options[target.id] = inner.value
        if isinstance(value, ast.Call):
            options.update((k.arg, k.value) for k in value.keywords if k.arg)
        elif isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    options[key.value] = item
    prefix = inherited.prefix
    if "env_prefix" in options:
        prefix = folder.value(options["env_prefix"])
    case_sensitive = inherited.case_sensitive
    if "case_sensitive" in options:
        flag = options["case_sensitive"]
        case_sensitive = isinstance(flag, ast.Constant) and flag.value is True
    if isinstance(options.get("fields"), ast.Dict):
        declared = options["fields"]
        assert isinstance(declared, ast.Dict)
        for key, item in zip(declared.keys, declared.values, strict=True):
            field = folder.value(key) if key is not None else None
            if field is None:
                continue
            # Only {"env": …} names variables; a plain string is an alias, unused by v1 settings.
            env = (
                next(
                    (
                        v
                        for k, v in zip(item.keys, item.values, strict=True)
                        if isinstance(k, ast.Constant) and k.value == "env"
                    ),
                    None,
                )
                if isinstance(item, ast.Dict)
                else None
            )
            if env is not None:
                fields[field] = tuple(_strings(env, folder))
    return _Settings(
        prefix=prefix, case_sensitive=case_sensitive, fields=tuple(sorted(fields.items()))
    )


def _strings(node: ast.expr, folder: py.Folder) -> Iterator[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for element in node.elts:
            yield from _strings(element, folder)
        return
    value = folder.value(node)
    if value is not None:
        yield value


def _alias_names(node: ast.expr, folder: py.Folder) -> Iterator[str]:
    """``"X"``, ``AliasChoices("X", AliasPath("y", 0))`` → X, y."""
    if isinstance(node, ast.Call):
        kind = py.final_name(node.func)
        if kind == "AliasChoices":
            for arg in node.args:
                yield from _alias_names(arg, folder)
        elif kind == "AliasPath" and node.args:
            yield from _strings(node.args[0], folder)
        return
    yield from _strings(node, folder)


def _is_classvar(annotation: ast.expr) -> bool:
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    return py.final_name(target) == "ClassVar"


def _field_calls(stmt: ast.AnnAssign) -> Iterator[ast.Call]:
    if isinstance(stmt.value, ast.Call) and py.final_name(stmt.value.func) == "Field":
        yield stmt.value
    annotation = stmt.annotation
    if isinstance(annotation, ast.Subscript) and py.final_name(annotation.value) == "Annotated":
        parts = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
        for part in parts:
            if isinstance(part, ast.Call) and py.final_name(part.func) == "Field":
                yield part


def _default(stmt: ast.AnnAssign) -> ast.expr | None:
    value = stmt.value
    if isinstance(value, ast.Call) and py.final_name(value.func) == "Field":
        keywords = {k.arg: k.value for k in value.keywords if k.arg}
        return value.args[0] if value.args else keywords.get("default")
    return value


def _settings_refs(
    node: ast.ClassDef, settings: _Settings, folder: py.Folder, roots: Sequence[str]
) -> Iterator[Ref]:
    declared = dict(settings.fields)
    for stmt in node.body:
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        field = stmt.target.id
        if field.startswith("_") or field == "model_config" or _is_classvar(stmt.annotation):
            continue
        default = _default(stmt)
        value = folder.value(default) if default is not None else None
        if value is not None and py.storage_path(value, folder.path, roots):
            continue  # a storage-path setting: the path's entry documents it (INV103)
        explicit: list[str] | None = None
        for call in _field_calls(stmt):
            keywords = {k.arg: k.value for k in call.keywords if k.arg}
            for key in ("validation_alias", "alias", "env"):
                if key in keywords:
                    explicit = list(_alias_names(keywords[key], folder))
                    break
            if explicit is not None:
                break
        if explicit is None and field in declared:
            explicit = list(declared[field])
        if explicit is None:
            if settings.prefix is None:
                continue  # an unresolvable env_prefix: the name is unknown, not guessed
            explicit = [settings.prefix + field]
        for name in explicit:
            yield Ref(
                name if settings.case_sensitive else name.upper(), stmt.lineno, stmt.col_offset + 1
            )


# --- .env files --------------------------------------------------------------------------

_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def dotenv_refs(text: str) -> list[Ref]:
    refs: list[Ref] = []
    open_quote = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote:
            if _closes(line, open_quote, 0):
                open_quote = ""
            continue
        match = _DOTENV.match(line)
        if match is None:
            continue
        refs.append(Ref(match.group(1), number, match.start(1) + 1))
        value = match.group(2)
        if value[:1] in ("'", '"', "`") and not _closes(value, value[0], 1):
            open_quote = value[0]
    return refs


def _closes(text: str, quote: str, start: int) -> bool:
    i = start
    while i < len(text):
        if text[i] == "\\" and quote != "'":
            i += 2
            continue
        if text[i] == quote:
            return True
        i += 1
    return False


# --- JavaScript / TypeScript ------------------------------------------------------------

_JS_SPECIAL = re.compile(r"[/'\"`{}]")
_JS_ENV = re.compile(
    r"\b(?P<base>process\s*\??\.\s*env|import\s*\.\s*meta\s*\.\s*env)\s*"
    r"(?:\??\.\s*(?P<dot>[A-Za-z_$][\w$]*)|(?:\?\.)?\[\s*(?P<q>['\"`])(?P<key>[^'\"`\n]*)(?P=q)\s*\])"
)
_JS_DESTRUCTURE = re.compile(
    r"\b(?:const|let|var)\s*\{(?P<names>[^{}]*)\}\s*=\s*(?P<base>process\s*\.\s*env|import\s*\.\s*meta\s*\.\s*env)\b"
)


def _js_code_mask(text: str) -> bytearray:
    """1 for each character of code, 0 inside comments, strings and template text."""
    n = len(text)
    mask = bytearray(n)
    braces: list[int] = []  # open `${ … }` expressions: nesting of `{` inside each
    in_template = False
    i = 0
    while i < n:
        if in_template:
            ch = text[i]
            if ch == "\\":
                i += 2
            elif ch == "`":
                in_template = False
                i += 1
            elif text.startswith("${", i):
                braces.append(0)
                in_template = False
                i += 2
            else:
                i += 1
            continue
        found = _JS_SPECIAL.search(text, i)
        end = found.start() if found else n
        mask[i:end] = b"\x01" * (end - i)
        if found is None:
            break
        i = end
        ch = text[i]
        if text.startswith("//", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close < 0 else close + 2
        elif ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif ch == "`":
            in_template = True
            i += 1
        else:
            if braces and ch == "{":
                braces[-1] += 1
            elif braces and ch == "}":
                if braces[-1] == 0:
                    braces.pop()
                    in_template = True
                    i += 1
                    continue
                braces[-1] -= 1
            mask[i] = 1
            i += 1
    return mask


def javascript_refs(text: str) -> list[Ref]:
    if "env" not in text:
        return []
    mask = _js_code_mask(text)
    starts = _line_starts(text)
    refs: list[Ref] = []
    for match in _JS_ENV.finditer(text):
        if not mask[match.start()]:
            continue
        name = match.group("dot") or match.group("key") or ""
        if match.group("base").startswith("import") and name in _VITE_BUILTINS:
            continue
        refs.append(_ref_at(name, match.start(), starts))
    for match in _JS_DESTRUCTURE.finditer(text):
        if not mask[match.start()]:
            continue
        vite = match.group("base").startswith("import")
        offset = match.start("names")
        for part in re.finditer(r"[^,]+", match.group("names")):
            item = part.group().strip()
            name = re.split(r"[\s:=]", item, maxsplit=1)[0]
            if name and not item.startswith("...") and not (vite and name in _VITE_BUILTINS):
                refs.append(_ref_at(name, offset + part.start() + part.group().index(name), starts))
    return refs


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _ref_at(name: str, offset: int, starts: Sequence[int]) -> Ref:
    line = bisect.bisect_right(starts, offset)
    return Ref(name, line, offset - starts[line - 1] + 1)


# --- YAML: compose, GitHub workflows, GitLab CI ------------------------------------------


def yaml_refs(path: str, text: str) -> list[Ref]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = list(yaml.compose_all(text, Loader=loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        raise Unreadable(line, column, f"invalid YAML ({exc.problem or exc.context})") from exc
    except yaml.YAMLError as exc:
        raise Unreadable(1, 1, f"invalid YAML ({exc})") from exc
    except RecursionError as exc:
        raise Unreadable(1, 1, "the file is nested too deeply to parse") from exc
    refs: list[Ref] = []
    gitlab = posixpath.basename(path).endswith("gitlab-ci.yml")
    for document in documents:
        top = _mapping(document)
        if "jobs" in top:
            refs.extend(_blocks(document, "env"))
        elif "services" in top:
            for service in _mapping(top["services"]).values():
                if "environment" in (keys := _mapping(service)):
                    refs.extend(_environment(keys["environment"]))
        elif gitlab or "stages" in top:
            for name, node in top.items():
                if name == "variables":
                    refs.extend(_environment(node))
                elif "variables" in (keys := _mapping(node)):
                    refs.extend(_environment(keys["variables"]))
    return refs


def _items(
    node: yaml.Node | None, seen: set[int] | None = None
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node) of a mapping node, ``<<`` merges expanded."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        if key.tag.endswith(":merge"):
            merged = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in merged:
                yield from _items(source, seen)
        else:
            yield str(key.value), key, value


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    return {name: value for name, _key, value in _items(node)}


def _environment(node: yaml.Node) -> Iterator[Ref]:
    """Keys of an environment mapping, or ``KEY=value`` / ``KEY`` items of a list."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for name, key, _value in _items(node):
            yield Ref(name, key.start_mark.line + 1, key.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                name = str(item.value).split("=", 1)[0].strip()
                yield Ref(name, item.start_mark.line + 1, item.start_mark.column + 1)


def _blocks(root: yaml.Node, word: str) -> Iterator[Ref]:
    """Every mapping under a key named ``word``, anywhere in the document."""
    import yaml

    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for name, _key, value in _items(node):
                if name == word and isinstance(value, yaml.MappingNode):
                    yield from _environment(value)
                else:
                    stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


# --- shell (opt-in) ----------------------------------------------------------------------

_SHELL_USE = re.compile(
    r"(?<!\\)\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_SHELL_ASSIGN = re.compile(
    r"(?:^|[;&|\s(])(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)*)?"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>\S*)"
)
_SHELL_BIND = re.compile(r"\b(?:for|read(?:\s+-\w+)*)\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)")
_SINGLE_QUOTED = re.compile(r"'[^'\n]*'")


def shell_refs(text: str) -> list[Ref]:
    lines = []
    for raw in text.splitlines():
        line = _SINGLE_QUOTED.sub(lambda m: " " * len(m.group()), raw)
        comment = re.search(r"(?:^|\s)#", line)
        lines.append(line[: comment.start()] if comment else line)
    local: set[str] = set()
    for line in lines:
        for match in _SHELL_ASSIGN.finditer(line):
            name = match.group("name")
            if f"${{{name}" not in match.group("value") and f"${name}" not in match.group("value"):
                local.add(name)
        local.update(m.group("name") for m in _SHELL_BIND.finditer(line))
    refs: list[Ref] = []
    for number, line in enumerate(lines, start=1):
        for match in _SHELL_USE.finditer(line):
            name = match.group("braced") or match.group("bare")
            if _SHELL_NAME.match(name) and name not in local:
                refs.append(Ref(name, number, match.start() + 1))
    return refs
