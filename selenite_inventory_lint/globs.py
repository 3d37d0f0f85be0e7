"""Gitignore-style path patterns, shared by config sources, excludes and inventory coverage.

SPEC §1: a pattern without ``/`` (other than a trailing one) matches a base name at any depth;
a pattern with an inner ``/`` is anchored at the repository root; a trailing ``/`` names a
directory and covers everything under it. ``*`` and ``?`` stay inside one path segment, ``**``
crosses segments, ``[...]`` is a character class.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

GLOB_CHARS = frozenset("*?[")


def is_glob(pattern: str) -> bool:
    return any(ch in GLOB_CHARS for ch in pattern)


def _class_char(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[&~|" else ch


def _char_class(pattern: str, start: int) -> tuple[str, int] | None:
    """The regex for the ``[...]`` class opening at ``start`` and the index of its ``]``.

    None when it is not a valid class (unterminated, or a reversed range): the ``[`` is then
    literal, as in git, instead of a ``re.error`` on a user's pattern. Members are escaped so
    ``[[]`` or ``[&&]`` are plain characters, and a class never matches ``/`` (one segment).
    """
    j = start + 1
    negate = j < len(pattern) and pattern[j] in "!^"
    if negate:
        j += 1
    # A "]" right after "[" or "[!" is a member, not the end.
    end = pattern.find("]", j + 1)
    if end == -1:
        return None
    body = pattern[j:end]
    parts: list[str] = []
    k = 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            if body[k] > body[k + 2]:
                return None
            parts.append(f"{_class_char(body[k])}-{_class_char(body[k + 2])}")
            k += 3
        else:
            parts.append(_class_char(body[k]))
            k += 1
    members = "".join(parts)
    return (f"[^/{members}]" if negate else f"(?!/)[{members}]"), end


def _segment_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            parsed = _char_class(pattern, i)
            if parsed is None:
                out.append(re.escape(ch))
            else:
                regex, end = parsed
                out.append(regex)
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    pat = pattern.strip()
    if pat.startswith("./"):
        pat = pat[2:]
    directory = pat.endswith("/")
    body = pat.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    regex = _segment_regex(body)
    prefix = "" if anchored or body.startswith("**/") else "(?:[^/]*/)*"
    # A directory pattern covers the directory itself and everything under it.
    suffix = "(?:/.*)?" if directory else ""
    return re.compile(f"^{prefix}{regex}{suffix}$", re.DOTALL)


def match(pattern: str, path: str) -> bool:
    """Does ``pattern`` cover the repo-relative ``path`` (``/``-separated)?"""
    return compile_pattern(pattern).match(path) is not None


def match_any(patterns: Iterable[str], path: str) -> bool:
    return any(match(p, path) for p in patterns)
