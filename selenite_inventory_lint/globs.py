"""Gitignore-style path patterns, shared by config sources, excludes and inventory coverage.

docs/inventory-format.md: a pattern without ``/`` (other than a trailing one) matches a base
name at any depth;
a pattern with an inner ``/`` is anchored at the repository root; a trailing ``/`` names a
directory and covers everything under it. ``*`` and ``?`` stay inside one path segment, ``**``
crosses segments, ``[...]`` is a character class.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from selenite_inventory_lint.records import Record

GLOB_CHARS = frozenset("*?[")


_GLOB_CHAR = re.compile(r"[*?\[]")


def is_glob(pattern: str) -> bool:
    return _GLOB_CHAR.search(pattern) is not None


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


# Tokens of a pattern: a literal character, or one of these.
_STAR = "*"  # [^/]*
_ANY = "?"  # [^/]
_SEGMENTS = "**/"  # (?:[^/]*/)*: whole segments, none or more
_DEEP = "**"  # .*
_QUANTIFIERS = frozenset({_STAR, _SEGMENTS, _DEEP})


class _Class(Record):
    regex: re.Pattern[str]


_Token = str | _Class


def _tokens(pattern: str) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append(_SEGMENTS)
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(_DEEP)
            i += 2
            continue
        if ch == "*":
            out.append(_STAR)
        elif ch == "?":
            out.append(_ANY)
        elif ch == "[" and (parsed := _char_class(pattern, i)) is not None:
            out.append(_Class(re.compile(parsed[0])))
            i = parsed[1]
        else:
            out.append(ch)
        i += 1
    return out


def _regex(tokens: Sequence[_Token]) -> str:
    parts = {_STAR: "[^/]*", _ANY: "[^/]", _SEGMENTS: "(?:[^/]*/)*", _DEEP: ".*"}
    return "".join(
        t.regex.pattern if isinstance(t, _Class) else parts.get(t) or re.escape(t) for t in tokens
    )


def _backtracks(tokens: Sequence[_Token]) -> bool:
    """Could a regex for these tokens backtrack without bound on a hostile path?

    Patterns come from the repository (config, inventory entries) and so do paths and
    variable names: quantifiers that can take the same characters (``**/**/…``, ``*a*a*a…``
    in one segment, ``**`` with any other) make Python's regex engine exponential. Such
    patterns are matched by ``_Automaton`` instead; the common ones (``*.py``, ``.env*``,
    ``**/alembic/versions/*.py``) keep the faster regex.
    """
    if _DEEP in tokens or sum(1 for t in tokens if t == _SEGMENTS) > 1:
        return True
    stars = 0
    for token in tokens:
        if token == "/":
            stars = 0
        elif token == _STAR:
            stars += 1
            if stars > 1:
                return True
    return False


class _Automaton:
    """A pattern matched as an NFA: linear in the path, whatever the pattern (no backtracking)."""

    def __init__(self, tokens: Sequence[_Token], directory: bool) -> None:
        self.tokens = tuple(tokens)
        self.directory = directory

    def match(self, path: str) -> bool:
        end = len(self.tokens)
        # A state is (token index, inside a segment of a "**/"); end + 1 means "under the
        # directory": everything after the pattern's "/" matches.
        states = self._closure({(0, False)})
        for ch in path:
            states = self._closure({n for s in states for n in self._step(s, ch)})
            if not states:
                return False
        return (end, False) in states or (end + 1, False) in states

    def _closure(self, states: set[tuple[int, bool]]) -> set[tuple[int, bool]]:
        todo = [s for s in states if not s[1]]
        while todo:
            index, _ = todo.pop()
            if index < len(self.tokens) and self.tokens[index] in _QUANTIFIERS:
                following = (index + 1, False)
                if following not in states:
                    states.add(following)
                    todo.append(following)
        return states

    def _step(self, state: tuple[int, bool], ch: str) -> list[tuple[int, bool]]:
        index = state[0]
        end = len(self.tokens)
        if index == end + 1:
            return [state]
        if index == end:
            return [(end + 1, False)] if self.directory and ch == "/" else []
        token = self.tokens[index]
        if token == _SEGMENTS:
            return [(index, False)] if ch == "/" else [(index, True)]
        if token == _DEEP:
            return [state]
        if ch == "/":
            return [(index + 1, False)] if token == "/" else []
        if token == _STAR:
            return [state]
        if token == _ANY or (isinstance(token, _Class) and token.regex.match(ch)):
            return [(index + 1, False)]
        return [(index + 1, False)] if token == ch else []


class _Regex:
    def __init__(self, regex: str) -> None:
        self.regex = re.compile(regex, re.DOTALL)

    def match(self, path: str) -> bool:
        return self.regex.match(path) is not None


class _Segment:
    """A pattern that names one path segment with literals and ``*`` only (``*.test.*``,
    ``tests/``, ``conftest.py``): the segment is compared by ``startswith``/``find``/
    ``endswith``, the leftmost-first scan that is exact for ``*`` and cannot backtrack.

    Without a trailing ``/`` the last segment must match (a base name at any depth); with one,
    any segment (the directory, and everything under it). The same meaning as the regex.
    """

    __slots__ = ("directory", "pieces")

    def __init__(self, pieces: Sequence[str], directory: bool) -> None:
        self.pieces = tuple(pieces)  # the literals between the stars
        self.directory = directory

    def match(self, path: str) -> bool:
        pieces = self.pieces
        if len(pieces) == 1:  # no star: one substring test
            if self.directory:
                return f"/{pieces[0]}/" in f"/{path}/"
            return path.endswith(pieces[0]) and (
                len(path) == len(pieces[0]) or path[-len(pieces[0]) - 1] == "/"
            )
        if self.directory:
            return any(self._fits(segment) for segment in path.split("/"))
        return self._fits(path[path.rfind("/") + 1 :])

    def _fits(self, name: str) -> bool:
        pieces = self.pieces  # two or more: ``match`` tests a starless pattern itself
        first, last = pieces[0], pieces[-1]
        stop = len(name) - len(last)
        if stop < len(first) or not name.startswith(first) or not name.endswith(last):
            return False
        at = len(first)
        for piece in pieces[1:-1]:
            found = name.find(piece, at, stop)
            if found < 0:
                return False
            at = found + len(piece)
        return True


def _segment(tokens: Sequence[_Token], directory: bool) -> _Segment | None:
    """The fast matcher when ``tokens`` are ``**/`` then literals and ``*`` without ``/``."""
    if tokens[:1] != [_SEGMENTS]:
        return None
    pieces = [""]
    for token in tokens[1:]:
        if token == _STAR:
            pieces.append("")
        elif isinstance(token, str) and token not in _QUANTIFIERS and token not in "/?":
            pieces[-1] += token
        else:
            return None
    return _Segment(pieces, directory)


def _parts(pattern: str) -> tuple[list[_Token], bool]:
    """The tokens of ``pattern`` as a whole-path match, and whether it names a directory."""
    pat = pattern.strip()
    if pat.startswith("./"):
        pat = pat[2:]
    directory = pat.endswith("/")
    body = pat.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    tokens = _tokens(body)
    if not anchored and tokens[:1] != [_SEGMENTS]:
        tokens.insert(0, _SEGMENTS)
    return tokens, directory


def reference_pattern(pattern: str) -> _Regex | _Automaton:
    """The regex (or, where it could backtrack, the automaton) that defines what a pattern
    means; ``compile_pattern`` may answer the same question faster."""
    tokens, directory = _parts(pattern)
    if _backtracks(tokens):
        return _Automaton(tokens, directory)
    # A directory pattern covers the directory itself and everything under it. \Z, not $:
    # "$" would also match before a final newline, so "a_test.py\n" would look excluded.
    suffix = "(?:/.*)?" if directory else ""
    return _Regex(f"^{_regex(tokens)}{suffix}\\Z")


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> _Segment | _Regex | _Automaton:
    tokens, directory = _parts(pattern)
    return _segment(tokens, directory) or reference_pattern(pattern)


class _Set:
    """Patterns asked together (``match_any``): the commonest shapes of one segment are
    answered for all of them at once, by set lookups and one ``startswith``/``endswith`` of
    string tuples, and every other pattern one by one. A default set such as the 38
    ``non_application`` globs is a handful of C calls, not 38 matcher calls, for each path."""

    __slots__ = ("directories", "names", "prefixes", "rest", "suffixes")

    def __init__(self, patterns: Sequence[str]) -> None:
        names: set[str] = set()
        directories: set[str] = set()
        suffixes: list[str] = []
        prefixes: list[str] = []
        rest: list[_Segment | _Regex | _Automaton] = []
        for pattern in patterns:
            matcher = compile_pattern(pattern)
            if not isinstance(matcher, _Segment):
                rest.append(matcher)
                continue
            pieces = matcher.pieces
            if len(pieces) == 1 and pieces[0]:  # `conftest.py`, `tests/`
                (directories if matcher.directory else names).add(pieces[0])
            elif len(pieces) == 2 and not matcher.directory and not pieces[1]:  # `.env.*`
                prefixes.append(pieces[0])
            elif len(pieces) == 2 and not matcher.directory and not pieces[0]:  # `*.sql`
                suffixes.append(pieces[1])
            else:
                rest.append(matcher)
        self.names = frozenset(names)
        self.directories = frozenset(directories)
        self.suffixes = tuple(suffixes)
        self.prefixes = tuple(prefixes)
        self.rest = tuple(rest)

    def match(self, path: str) -> bool:
        base = path[path.rfind("/") + 1 :]
        if (
            base in self.names
            or (self.suffixes and base.endswith(self.suffixes))
            or (self.prefixes and base.startswith(self.prefixes))
            or (self.directories and not self.directories.isdisjoint(path.split("/")))
        ):
            return True
        return any(m.match(path) for m in self.rest)


@lru_cache(maxsize=256)
def _compile_set(patterns: tuple[str, ...]) -> _Set:
    return _Set(patterns)


def match(pattern: str, path: str) -> bool:
    """Does ``pattern`` cover the repo-relative ``path`` (``/``-separated)?"""
    return compile_pattern(pattern).match(path)


def match_any(patterns: Iterable[str], path: str) -> bool:
    if isinstance(patterns, tuple):
        return _match_set(patterns, path)
    return any(match(p, path) for p in patterns)


# A run asks the same set about the same path several times (which detector claims it, its
# SQL role, the exclude list, then the rules): each answer is computed once.
@lru_cache(maxsize=1 << 16)
def _match_set(patterns: tuple[str, ...], path: str) -> bool:
    return _compile_set(patterns).match(path)
