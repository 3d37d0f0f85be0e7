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
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
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
