"""The rehearsal's IO apart from measuring: where the copy goes, which command migrates it.

The default command is decided from the exported commit alone: Alembic (`alembic.ini`) runs
``python -m alembic upgrade heads`` against the copy; SQL-file migrations are applied here,
in path order, with sqlite3, so no repository code runs for them.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import Revision

TAIL_LINES = 20
PYTHON = shlex.quote(sys.executable)
_PLACEHOLDER = re.compile(r"\{(db|url)\}")
_URL_LINE = re.compile(r"^(\s*sqlalchemy\.url\s*[=:]).*$", re.MULTILINE)


def url_of(db: Path) -> str:
    return f"sqlite:///{db}"


def substitute(template: str, db: Path, *, shell: bool) -> str:
    """``{db}`` → the copy's absolute path, ``{url}`` → ``sqlite:///{db}``; quoted for a shell."""
    values = {"db": str(db), "url": url_of(db)}
    return _PLACEHOLDER.sub(
        lambda m: shlex.quote(values[m.group(1)]) if shell else values[m.group(1)], template
    )


def database_path(given: str | None, entries: Sequence[str]) -> str:
    """The repository-relative path the copy takes: ``--db-path``, else the inventory's
    first ``**Primary DB**`` entry."""
    path = given if given is not None else (entries[0] if entries else None)
    if path is None:
        raise FatalError(
            "no primary database path is known: add a `**Primary DB**: `backend/app.db`` line "
            "to the inventory or pass --db-path PATH."
        )
    clean = posixpath.normpath(path.strip().replace("\\", "/")).removeprefix("./")
    if not clean or clean == "." or clean.startswith(("/", "../")) or clean == "..":
        raise FatalError(
            f"the database path '{path}' must be relative to the repository and stay inside it."
        )
    return clean


def place_copy(export: Path, relative: str) -> Path:
    """Where the copy goes in the export, with anything the commit had there removed."""
    target = export / relative
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
    except OSError as exc:
        raise FatalError(f"cannot place the copy at {relative}: {exc.strerror or exc}.") from exc
    if not target.parent.resolve().is_relative_to(export.resolve()):
        raise FatalError(f"the database path '{relative}' leads out of the exported tree.")
    return target


@dataclass(frozen=True, slots=True, kw_only=True)
class Ran:
    status: int
    output: tuple[str, ...]


def run_shell(command: str, cwd: Path, env: Mapping[str, str]) -> Ran:
    """Run ``command`` with the user's shell in ``cwd``; its exit status and last lines."""
    shell = os.environ.get("SHELL") or "/bin/sh"
    try:
        done = subprocess.run(
            command,
            shell=True,
            executable=shell,
            cwd=cwd,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
    except OSError as exc:
        raise FatalError(f"cannot run {shell}: {exc.strerror or exc}.") from exc
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()
    return Ran(status=done.returncode, output=tuple(lines[-TAIL_LINES:]))


def alembic_command(ini: Path, db: Path) -> str:
    """Point the exported ``alembic.ini`` at the copy; the upgrade command, with ``{url}``.

    The URL is written into the ini's ``sqlalchemy.url`` (what a standard ``env.py`` reads)
    and also passed as ``-x sqlalchemy.url=…`` for an ``env.py`` that reads its x-arguments.
    """
    url = url_of(db)
    try:
        text = ini.read_text(encoding="utf-8-sig", errors="replace")
        line = "sqlalchemy.url = " + url.replace("%", "%%")
        if _URL_LINE.search(text):
            text = _URL_LINE.sub(lambda m: line, text)
        else:
            text = re.sub(
                r"^\[alembic\][^\n]*$",
                lambda m: f"{m.group(0)}\n{line}",
                text,
                count=1,
                flags=re.MULTILINE,
            )
        ini.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FatalError(f"cannot prepare {ini.name} for the rehearsal: {exc}.") from exc
    return f"{PYTHON} -m alembic -c {shlex.quote(ini.name)} -x sqlalchemy.url={{url}} upgrade heads"


def pending_revisions(
    revisions: Sequence[Revision], applied: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(pending revision ids in id order, heads): those that are not ``applied`` or below."""
    by_id = {r.revision: r for r in revisions}
    done: set[str] = set()
    stack = [a for a in applied if a in by_id]
    while stack:
        rid = stack.pop()
        if rid in done:
            continue
        done.add(rid)
        stack.extend(d for d in by_id[rid].down_revisions if d in by_id)
    parents = {d for r in revisions for d in r.down_revisions}
    heads = tuple(sorted(r for r in by_id if r not in parents))
    return tuple(sorted(set(by_id) - done)), heads


def applied_sql(db: Path) -> frozenset[str]:
    """Versions listed in the backup's ``schema_migrations`` table (dbmate, golang-migrate)."""
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
    except sqlite3.Error:
        return frozenset()
    finally:
        conn.close()
    return frozenset(str(r[0]) for r in rows)


def is_applied(path: str, applied: frozenset[str]) -> bool:
    stem = posixpath.basename(path).rsplit(".", 1)[0]
    digits = re.match(r"\d+", stem)
    return stem in applied or (digits is not None and digits.group(0) in applied)


def apply_sql(export: Path, paths: Sequence[str], db: Path) -> Ran:
    """Apply SQL migration files to the copy with sqlite3, in order; stop at the first error."""
    output: list[str] = []
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for path in paths:
            try:
                script = (export / path).read_text(encoding="utf-8-sig", errors="replace")
                conn.executescript(script)
            except (OSError, sqlite3.Error) as exc:
                output.append(f"{path}: {exc}")
                return Ran(status=1, output=tuple(output))
            output.append(f"applied {path}")
    finally:
        conn.close()
    return Ran(status=0, output=tuple(output[-TAIL_LINES:]))
