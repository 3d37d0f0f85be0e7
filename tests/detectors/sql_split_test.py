"""The SQL splitter's lexer: every alternative starts with a literal character, so the regex
engine scans for those characters in C, and spelling letters in both cases gives the same
spans as the case-insensitive alternation, for every dialect."""

from __future__ import annotations

import importlib
import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# The package exports a function of the same name: take the module itself.
splitting = importlib.import_module("selenite_inventory_lint.detectors.sql.split")

FRAGMENTS = st.sampled_from(
    [
        "CREATE TABLE t (a INT);",
        "create trigger g after insert on t begin update t set a = 1; end;",
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;",
        "$tag$ ; $tag$",
        "E'it\\'s; fine'",
        "'a;b'",
        '"x;y"',
        "`q;`",
        "[w;]",
        "# mysql; comment\n",
        "-- c;\n",
        "/* ; */",
        "new.begin",
        "BEGIN",
        # Letters IGNORECASE also took for i, s and k (the lexer spells them out).
        "BEG\u0130N",
        "beg\u0131n",
        "$\u017f$ ; $\u017f$",
        "$\u212a$",
        "END;",
        "CREATE RULE r AS ON INSERT TO t DO (INSERT INTO u VALUES (1); DELETE FROM v);",
        "(",
        ")",
        ";",
        " ",
        "\n",
        "'",
        "e",
        "b",
        "x",
    ]
)


def _spans(text: str, dialect: str) -> list[tuple[int, int, str | None, int]]:
    return [(s.start, s.end, s.unclosed, s.opened) for s in splitting.split(text, dialect)]


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql", "tsql"])
@settings(max_examples=400, deadline=None)
@given(parts=st.lists(FRAGMENTS, max_size=12))
def test_lexers_keep_every_span_of_the_case_insensitive_alternation(
    dialect: str, parts: list[str]
) -> None:
    """Neither spelling letters in both cases nor leaving parentheses out outside a rule
    changes a span: compared with the alternation read case-insensitively, with parentheses
    everywhere."""
    text = "".join(parts)
    fast = _spans(text, dialect)
    plain = re.compile(splitting._alternatives(dialect), re.DOTALL | re.IGNORECASE)
    name = splitting.DIALECTS.get(dialect, dialect)
    saved = splitting._LEXERS[name]
    splitting._LEXERS[name] = (plain, plain)
    try:
        assert _spans(text, dialect) == fast
    finally:
        splitting._LEXERS[name] = saved


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql", "tsql"])
@pytest.mark.parametrize("parens", [True, False])
def test_every_token_has_a_kind_by_its_first_character(dialect: str, parens: bool) -> None:
    samples = ["'", '"', "`", "--", "/*", ";", "(", ")", "begin", "BEGIN", "E'", "$$", "[", "#"]
    lexer = splitting._lexer(dialect, parens=parens)
    matched = [sample for sample in samples if lexer.match(sample)]
    assert {splitting._KINDS[sample[0]] for sample in matched} >= {"quoted", "semi", "begin"}
    assert ("(" in matched) is parens


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql", "tsql"])
@pytest.mark.parametrize("parens", [True, False])
def test_the_lexer_has_a_first_character_set_the_engine_scans_for(
    dialect: str, parens: bool
) -> None:
    """The property that makes ``split`` fast: the compiled pattern starts with a set of
    characters, which ``search`` skips to in C instead of trying the pattern at every offset
    (IGNORECASE, or a branch opening with a lookbehind or a group, loses it)."""
    if sys.version_info >= (3, 11):
        from re import _compiler as compiler
        from re import _parser as parser
    else:  # pragma: no cover - Python 3.10 names the same functions sre_*
        import sre_compile as compiler
        import sre_parse as parser
    lexer = splitting._lexer(dialect, parens=parens)
    tree = parser.parse(lexer.pattern, lexer.flags)
    prefix = compiler._get_charset_prefix(tree, lexer.flags)  # type: ignore[attr-defined]
    assert prefix is not None
    assert {chr(value) for _, value in prefix} <= set(splitting._KINDS)
