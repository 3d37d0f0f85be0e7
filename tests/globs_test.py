"""Glob patterns: gitignore habits, and no pattern from a hostile repository can hang a run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from cpu_limit import run_limited
from hypothesis import given, settings
from hypothesis import strategies as st

from selenite_inventory_lint import globs
from selenite_inventory_lint.config import DEFAULT_CONFIG_FILES, DEFAULT_EXCLUDE

if TYPE_CHECKING:
    from conftest import GitRepo

# The regex engine took minutes (exponential backtracking) on these before they went through
# the automaton; a linear match takes milliseconds of CPU. The limit is generous.
CPU_SECONDS = 5


@pytest.mark.parametrize(
    ("pattern", "subject"),
    [
        ("**/" * 30 + "z", "/".join(["a"] * 2000)),
        ("storage/**/**/**/**/**/**/**/**/x/", "storage/" + "a/" * 2000 + "y"),
        ("A*" * 40 + "Z", "A" * 4000),
        ("*a*a*a*a*a*a*a*a*a*a*b.py", "a" * 4000),
        ("**a**a**a**a**a**a**b", "a" * 4000),
    ],
    ids=["double-star-segments", "anchored-directory", "env-glob", "stars-in-a-segment", "deep"],
)
def test_hostile_pattern_matches_in_linear_time(pattern: str, subject: str) -> None:
    done = run_limited(
        f"""
        from selenite_inventory_lint import globs
        print(globs.match({pattern!r}, {subject!r}))
        """,
        cpu_seconds=CPU_SECONDS,
    )
    assert done.stdout == "False\n"
    assert not globs.match(pattern, subject)  # in-process too, for coverage


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**/**/x", "x", True),
        ("**/**/x", "a/b/x", True),
        ("**/**/x", "a/b/y", False),
        ("a*b*c", "dir/aXbYc", True),
        ("a*b*c", "a/b/c", False),
        ("storage/**/**/media/", "storage/a/b/media/f.png", True),
        ("storage/**/**/media/", "storage/media", True),
        ("storage/**/**/media/", "storage/mediax", False),
        ("TURNSTILE_*_*", "TURNSTILE_SITE_KEY", True),
        ("x**y*z", "x/a/yz", True),
        ("x**y*z", "x/a/y/bz", False),
        ("x**y*z", "x/a/y/b/z", False),
        ("[a-c]*[!x]*.py", "pkg/bqq.py", True),
        ("[a-c]*[!x]*.py", "pkg/xqq.py", False),
    ],
)
def test_patterns_that_need_the_automaton_keep_their_meaning(
    pattern: str, path: str, expected: bool
) -> None:
    assert not isinstance(globs.compile_pattern(pattern), globs._Regex)
    assert globs.match(pattern, path) is expected


SMALL_PATTERN = st.text(alphabet="*?[]!-/ab", max_size=7)
SMALL_PATH = st.text(alphabet="/ab", max_size=12)


@settings(max_examples=2_000, deadline=None)
@given(pattern=SMALL_PATTERN, path=SMALL_PATH)
def test_automaton_agrees_with_the_regex(pattern: str, path: str) -> None:
    # Small inputs keep the backtracking regex fast enough to serve as the reference.
    compiled = globs.compile_pattern(pattern)
    if not isinstance(compiled, globs._Automaton):
        return
    suffix = "(?:/.*)?" if compiled.directory else ""
    reference = globs._Regex(f"^{globs._regex(compiled.tokens)}{suffix}\\Z")
    assert compiled.match(path) is reference.match(path)


@pytest.mark.parametrize("pattern", [*DEFAULT_EXCLUDE, *DEFAULT_CONFIG_FILES])
def test_every_default_glob_takes_the_segment_path(pattern: str) -> None:
    assert isinstance(globs.compile_pattern(pattern), globs._Segment)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.test.*", "web/src/app.test.ts", True),
        ("*.test.*", "web/src/app.test", False),
        ("*.test.*", "web/x.test.dir/app.ts", False),
        ("*.spec.*", ".spec.", True),
        ("tests/", "pkg/tests/unit/a.py", True),
        ("tests/", "pkg/tests", True),
        ("tests/", "pkg/testsuite/a.py", False),
        ("test_*.py", "a/test_.py", True),
        ("*_test.py", "a/b_test.py\n", False),
        ("a*a", "a", False),
        ("a*a", "aa", True),
        ("conftest.py", "x/conftest.py", True),
        ("**/alembic.ini", "deploy/alembic.ini", True),
    ],
)
def test_segment_patterns_keep_their_meaning(pattern: str, path: str, expected: bool) -> None:
    assert globs.match(pattern, path) is expected
    assert globs.reference_pattern(pattern).match(path) is expected
    assert globs.match_any(("nothing/", pattern), path) is expected


SEGMENT_PATTERN = st.text(alphabet="*./ab", max_size=8)
SEGMENT_PATH = st.text(alphabet="/.ab\n", max_size=14)


@settings(max_examples=3_000, deadline=None)
@given(pattern=SEGMENT_PATTERN, path=SEGMENT_PATH)
def test_fast_matcher_agrees_with_the_reference(pattern: str, path: str) -> None:
    compiled = globs.compile_pattern(pattern)
    assert compiled.match(path) is globs.reference_pattern(pattern).match(path)


@settings(max_examples=2_000, deadline=None)
@given(patterns=st.lists(SEGMENT_PATTERN, max_size=8), path=SEGMENT_PATH)
def test_match_any_agrees_with_each_pattern(patterns: list[str], path: str) -> None:
    expected = any(globs.reference_pattern(p).match(path) for p in patterns)
    assert globs.match_any(tuple(patterns), path) is expected
    assert globs.match_any(iter(patterns), path) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("app/conftest.py", True),
        ("conftest.py", True),
        ("conftest.pyc", False),
        ("pkg/tests/unit/a.py", True),
        ("pkg/tests", True),
        ("pkg/testsuite/a.py", False),
        ("web/app.test.ts", True),
        ("web/test_x.py", True),
        ("web/x_test.py", True),
        ("web/x_test.pyc", False),
        (".env.test.local", True),
        ("deploy/.env.testing", True),
        ("deploy/.env", False),
        ("src/app.py", False),
    ],
)
def test_a_set_answers_as_its_patterns_do(path: str, expected: bool) -> None:
    from selenite_inventory_lint.detectors.sources import NON_APPLICATION

    compiled = globs._compile_set(NON_APPLICATION)
    # Names, folders, prefixes and suffixes are answered together; the rest one by one.
    assert {"conftest.py", "Makefile"} <= compiled.names
    assert {"tests", "scripts"} <= compiled.directories
    assert "test_" not in compiled.prefixes  # `test_*.py` has two literals: one by one
    assert "_test.py" in compiled.suffixes
    assert ".env.test." in compiled.prefixes
    assert len(compiled.rest) < len(NON_APPLICATION) // 2
    assert compiled.match(path) is expected
    assert any(globs.reference_pattern(p).match(path) for p in NON_APPLICATION) is expected


def test_a_check_matches_each_path_against_each_set_once(repo: GitRepo) -> None:
    # Which detector claims a file, its SQL role, the excludes and the rules ask the same sets
    # about the same paths: each answer is computed once a run.
    import contextlib
    import io

    from selenite_inventory_lint.cli import main

    repo.write("DATA_INVENTORY.md", "# Data Inventory\n\n## Database (PostgreSQL)\n")
    repo.commit("base")
    for number in range(20):
        repo.write(f"db/migrations/{number:04d}_t.sql", f"CREATE TABLE t{number} (id INT);\n")
    repo.add()
    globs._match_set.cache_clear()
    with contextlib.redirect_stdout(io.StringIO()):
        main(["check", "--staged", "--repo", str(repo.path)])
    info = globs._match_set.cache_info()
    assert info.hits > info.misses  # asked again and again, computed once
    with contextlib.redirect_stdout(io.StringIO()):
        main(["check", "--staged", "--repo", str(repo.path)])
    assert globs._match_set.cache_info().misses == info.misses  # a second run: nothing new
