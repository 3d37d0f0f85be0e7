"""SQL text → statement spans, ended where the database ends them (docs/usage.md).

A small lexer respects quotes, comments, dollar quoting, trigger and routine bodies, so a
statement sqlglot cannot parse is bounded on its own and the rest of the file is still read.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate
from typing import NamedTuple

# Dialect names as configuration spells them → the names sqlglot knows.
DIALECTS = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres", "mysql": "mysql"}
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


class Span(NamedTuple):
    """One statement of a SQL text: offsets of its first significant character and its end
    (a NamedTuple: one is made per statement, in a third of a frozen dataclass's time).

    ``unclosed`` names the construct that never ends (an open quote, a body without END)
    when the statement cannot be bounded and so runs to the end of the text; ``opened`` is
    that construct's offset.
    """

    start: int
    end: int
    unclosed: str | None = None
    opened: int = 0
    # What the statement defines (``definition_kind``), found while splitting.
    definition: str | None = None


def _alternatives(dialect: str, *, parens: bool = True) -> str:
    """Tokens that matter for splitting, as one alternation whose every branch starts with a
    literal character, so the engine scans for those characters in C (no IGNORECASE, which
    would forbid it: letters are spelt in both cases, with the letters IGNORECASE also took
    for them). ``split`` tells a token's kind from its first character.

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
        quoted += [
            rf"{e}(?<![\w$]{e})'(?:[^'\\]|\\[\s\S]?|'')*(?:'|(?P<o{3 + i}>\Z))"
            for i, e in enumerate("eE")
        ]
    if dialect == "sqlite":
        quoted.append(r"\[[^\]]*(?:\]|(?P<o5>\Z))")
    quoted += [r"`(?:[^`]|``)*(?:`|(?P<o6>\Z))", r"--[^\n]*", r"/\*.*?(?:\*/|\Z)"]
    parts = quoted
    if dialect != "mysql":
        parts.append(r"\$(?<![\w$]\$)(?:[A-Za-z_\u0130\u0131\u017f\u212a]\w*)?\$")
    # BEGIN opens a trigger or routine body; not after "." (new.begin is a column).
    parts += [";", *(rf"{b}(?<![\w$.]{b})[eE][gG][iI\u0130\u0131][nN]\b" for b in "bB")]
    if parens:
        parts += [r"\(", r"\)"]
    return "|".join(parts)


def _lexer(dialect: str, *, parens: bool = True) -> re.Pattern[str]:
    """Parentheses matter only inside a rule; elsewhere a lexer without them skips them."""
    return re.compile(_alternatives(dialect, parens=parens), re.DOTALL)


def _left_open(match: re.Match[str]) -> bool:
    return any(v == "" for k, v in match.groupdict().items() if k[0] == "o")


# A token's kind by its first character.
_KINDS = {
    **dict.fromkeys("'\"`-/#[eE", "quoted"),
    "$": "dollar",
    ";": "semi",
    "b": "begin",
    "B": "begin",
    "(": "paren",
    ")": "paren",
}


_LEXERS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {}
# Unrolled (blanks, then comment-and-blanks) so no two iterations can share text.
_SPACE = re.compile(r"\s*(?:(?:--[^\n]*|/\*.*?(?:\*/|\Z))\s*)*", re.DOTALL)


def _skip(text: str, start: int) -> int:
    """Offset of the first character after blanks and comments (the pattern matches empty)."""
    if start < len(text) and not text[start].isspace() and text[start] not in "-/":
        return start  # the common case, without a regex call
    # The line break after a semicolon: a few blanks, then no comment, need no regex either
    # (``lstrip`` strips what ``\s`` matches).
    head = text[start : start + 32]
    rest = head.lstrip()
    if rest and rest[0] not in "-/":
        return start + len(head) - len(rest)
    found = _SPACE.match(text, start)
    return found.end() if found is not None else start


def definition_kind(text: str, start: int = 0) -> str | None:
    """``trigger``, ``rule``, ``function`` or ``procedure`` when the statement at ``start``
    defines one (code that runs later, with a body of its own), else None."""
    return _definition_at(text, _skip(text, start))


def _definition_at(text: str, first: int) -> str | None:
    # Only CREATE can define one (IGNORECASE folds no other letter to c).
    if text[first : first + 1] not in ("c", "C"):
        return None
    found = _DEFINITION.match(text, first)
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
    dialect = DIALECTS.get(dialect, dialect)
    lexers = _LEXERS.get(dialect)
    if lexers is None:
        lexers = _LEXERS[dialect] = (_lexer(dialect, parens=False), _lexer(dialect))
    spans: list[Span] = []
    pos = 0
    # The current statement's first significant character (each is skipped to once).
    first = _skip(text, 0)
    kind = _definition_at(text, first)
    # A rule counts parentheses, a trigger or routine blocks once its BEGIN is seen; ``body``
    # is where the outermost one opened.
    depth = 0
    body: int | None = None
    while (match := lexers[kind == "rule"].search(text, pos)) is not None:
        pos = match.end()
        group = _KINDS[text[match.start()]]
        if group == "quoted":
            if pos == len(text) and _left_open(match):
                return [*spans, _unclosed(text, first, "a quoted string or name", match.start())]
        elif group == "dollar":
            close = text.find(match.group(), pos)
            if close < 0:
                return [*spans, _unclosed(text, first, "a dollar-quoted body", match.start())]
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
            _add_span(spans, text, first, pos, kind)
            depth, body = 0, None
            first = _skip(text, pos)
            kind = _definition_at(text, first)
    if depth > 0 and body is not None:
        what = "a parenthesised rule action" if kind == "rule" else "a BEGIN … END body"
        return [*spans, _unclosed(text, first, what, body)]
    _add_span(spans, text, first, len(text), kind)
    return spans


def _unclosed(text: str, first: int, what: str, opened: int) -> Span:
    return Span(first, len(text), unclosed=what, opened=opened)


def _add_span(spans: list[Span], text: str, first: int, end: int, kind: str | None) -> None:
    # ``first`` is never past ``end``: a semicolon the lexer ended on is no blank or comment.
    # Past the blanks only a semicolon can start an empty statement (no slice otherwise).
    if first < end and (text[first] != ";" or text[first:end].strip(" \t\r\n;")):
        spans.append(Span(first, end, definition=kind))


def statement_lines(text: str, dialect: str = "sqlite") -> list[tuple[int, int]]:
    """(first line, last line) of every statement, 1-based: what a SQL suppression covers."""
    starts = line_starts(text)
    result = []
    for span in split(text, dialect):
        body = text[span.start : span.end].rstrip(" \t\r\n;")
        last = span.start + max(len(body) - 1, 0)
        result.append((bisect.bisect_right(starts, span.start), bisect.bisect_right(starts, last)))
    return result


def line_starts(text: str) -> list[int]:
    if "\r" in text:
        return [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]
    # Each line's length plus its break, summed in C (a match object per line cost more).
    return list(accumulate(map((1).__add__, map(len, text.split("\n")[:-1])), initial=0))
