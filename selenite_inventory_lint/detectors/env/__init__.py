"""Environment variables a change starts (or stops) reading (docs/usage.md).

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
the retirement stage (``retirement.py``) keeps it only when no reference is left in the
repository. Well-known process variables and ``env_ignore`` are never reported. Unparsable
sources are INV303 problems, and so is a Python read whose variable name is computed
(``os.getenv(name)``): the analysis is incomplete there. Files that are not the application
(``sources.non_application``: tests, dev containers, test compose files, tooling scripts) set
and read variables for themselves: none of their references count, so a variable that the
application also reads is reported where the application reads it. Each source style is read
by a module of its own in this package.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Final

from selenite_inventory_lint import globs
from selenite_inventory_lint.detectors import DetectContext, DetectorSpec, ParsedFiles, sources
from selenite_inventory_lint.detectors.references import (
    Ref,
    Unreadable,
    first_refs,
    reference_changes,
)
from selenite_inventory_lint.model import DetectorResult, FileChange, Problem
from selenite_inventory_lint.patterns import lazy

SOURCE: Final = "env"
CODE = "INV303"

DEFAULT_SOURCES = sources.ENV_SOURCES
# Variables every process sees, set by the OS, the shell, a CI runner or tooling: never the
# application's configuration (docs/usage.md lists them; `env_ignore` adds more).
DEFAULT_IGNORE = (
    # The operating system and the shell.
    "PATH",
    "HOME",
    "USER",
    "USERNAME",
    "LOGNAME",
    "PWD",
    "OLDPWD",
    "SHELL",
    "SHLVL",
    "SHELLOPTS",
    "BASH*",
    "ZSH*",
    "IFS",
    "PS1",
    "PS2",
    "HISTFILE",
    "HOSTTYPE",
    "MACHTYPE",
    "OSTYPE",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TERM",
    "TERM_*",
    "COLORTERM",
    "CLICOLOR*",
    "LS_COLORS",
    "TZ",
    "TMPDIR",
    "TMP",
    "TEMP",
    "HOSTNAME",
    "EDITOR",
    "VISUAL",
    "PAGER",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "XDG_*",
    "SSH_AUTH_SOCK",
    "SSH_CONNECTION",
    "SSH_TTY",
    "SUDO_*",
    "DBUS_SESSION_BUS_ADDRESS",
    # Windows (and MSYS/Git Bash on Windows).
    "APPDATA",
    "LOCALAPPDATA",
    "USERPROFILE",
    "USERDOMAIN",
    "COMPUTERNAME",
    "HOMEDRIVE",
    "HOMEPATH",
    "SYSTEMROOT",
    "SystemRoot",
    "SYSTEMDRIVE",
    "SystemDrive",
    "WINDIR",
    "windir",
    "COMSPEC",
    "ComSpec",
    "PATHEXT",
    "OS",
    "PROCESSOR_*",
    "NUMBER_OF_PROCESSORS",
    "PROGRAMFILES*",
    "ProgramFiles*",
    "ProgramData",
    "PROGRAMDATA",
    "CommonProgramFiles*",
    "COMMONPROGRAMFILES*",
    "ALLUSERSPROFILE",
    "MSYSTEM*",
    # CI runners.
    "CI",
    "CI_*",
    "GITHUB_*",
    "RUNNER_*",
    "ACTIONS_*",
    "GITLAB_*",
    "CIRCLECI",
    "CIRCLE_*",
    "BUILDKITE",
    "BUILDKITE_*",
    "TRAVIS",
    "TRAVIS_*",
    "JENKINS_*",
    "JENKINS_URL",
    "TEAMCITY_*",
    "APPVEYOR",
    "APPVEYOR_*",
    "BITBUCKET_*",
    "DRONE",
    "DRONE_*",
    "TF_BUILD",
    "CODEBUILD_*",
    "HEROKU_TEST_RUN_ID",
    # Tooling of the development environment.
    "PYTEST_*",
    "VIRTUAL_ENV",
    "CONDA_*",
    "PYTHON*",
    "PIP_*",
    "NODE_ENV",
    "NODE_OPTIONS",
    "NODE_PATH",
    "NPM_CONFIG_*",
    "npm_*",
    "COVERAGE_*",
    "SOURCE_DATE_EPOCH",
    "DEBIAN_FRONTEND",
    # Networking conventions every HTTP client honours.
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
)
COMPUTED = "environment variable name is computed here; analysis is incomplete"
_WHAT = {
    "python": "environment variables or storage paths",
    "env_files": "environment variables",
    "javascript": "environment variables",
    "yaml_env": "environment variables",
    "shell": "environment variables",
}
_NAME = lazy(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
        # Shell scripts are read only where configured, and then wherever configured.
        tooling = style != "shell" and sources.non_application(path, ctx)
        old = _read_old(change, style, path, ctx)
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
        computed: list[Ref] = []
        try:
            refs = scan(style, path, text, ctx.path_roots, ctx.parsed, computed)
        except Unreadable as exc:
            return DetectorResult(
                problems=(*problems, *_problems(path, style, ctx, exc.line, exc.column, exc.why))
            )
        new = {} if tooling else first_refs(refs)
        changes = reference_changes("env", SOURCE, path, new, old, keep)
        if not tooling and not _is_migration(path, ctx):
            problems = (*problems, *_computed(path, computed, change, style, ctx))
        return DetectorResult(changes=changes, problems=problems)

    def references(self, path: str, text: str, ctx: DetectContext) -> frozenset[str]:
        """Every variable ``text`` reads (for retirement); an unreadable file reads nothing."""
        style = _style(path, ctx)
        if style is None or (style != "shell" and sources.non_application(path, ctx)):
            return frozenset()
        try:
            return frozenset(first_refs(scan(style, path, text, ctx.path_roots, ctx.parsed)))
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


def _computed(
    path: str, sites: Sequence[Ref], change: FileChange, style: str, ctx: DetectContext
) -> Iterator[Problem]:
    """A problem for each computed read the old side did not already have (by its key)."""
    before: set[str] = set()
    if (
        sites
        and change.old_text is not None
        and not sources.non_application(change.old_path or path, ctx)
    ):
        old: list[Ref] = []
        with contextlib.suppress(Unreadable):
            scan(style, change.old_path or path, change.old_text, ctx.path_roots, ctx.parsed, old)
        before = {ref.name for ref in old}
    for site in sites:
        if site.name not in before:
            yield Problem(
                code=CODE, path=path, line=site.line, column=site.column, message=COMPUTED
            )


def _is_migration(path: str, ctx: DetectContext) -> bool:
    from selenite_inventory_lint.detectors.alembic import DETECTOR as ALEMBIC

    return ALEMBIC.claims(path, ctx)


def _read_old(
    change: FileChange, style: str, path: str, ctx: DetectContext
) -> dict[str, Ref] | None:
    """References of the old side; None when there is none or it cannot be read."""
    if change.old_text is None or change.binary or change.too_large:
        return None
    if style != "shell" and sources.non_application(change.old_path or path, ctx):
        return {}
    try:
        old_path = change.old_path or path
        return first_refs(scan(style, old_path, change.old_text, ctx.path_roots, ctx.parsed))
    except Unreadable:
        return None


def scan(
    style: str,
    path: str,
    text: str,
    roots: Sequence[str] = (),
    parsed: ParsedFiles | None = None,
    computed: list[Ref] | None = None,
) -> list[Ref]:
    """References in ``text`` read as ``style``; raises ``Unreadable`` on bad syntax. Python
    reads whose name is computed are added to ``computed`` when it is given."""
    # One module per source style, imported when a file of that style is read.
    refs: list[Ref]
    if style == "python":
        from selenite_inventory_lint.detectors.env.python import python_reads

        refs, sites = python_reads(path, text, roots, parsed or ParsedFiles())
        if computed is not None:
            computed.extend(sites)
    elif style == "env_files":
        from selenite_inventory_lint.detectors.env.dotenv import dotenv_refs

        refs = dotenv_refs(text)
    elif style == "javascript":
        from selenite_inventory_lint.detectors.env.javascript import javascript_refs

        refs = javascript_refs(text)
    elif style == "yaml_env":
        from selenite_inventory_lint.detectors.env.yaml_env import yaml_refs

        refs = yaml_refs(path, text)
    else:
        from selenite_inventory_lint.detectors.env.shell import shell_refs

        refs = shell_refs(text)
    return [ref for ref in refs if _NAME().match(ref.name)]


SPEC = DetectorSpec(
    name="env",
    role="references",
    source_keys=(*DEFAULT_SOURCES, "non_application"),
    self_contained=True,
)
