"""Folding Python expressions to the strings they build (``detectors/python/``)."""

from __future__ import annotations

import ast

import pytest

from selenite_inventory_lint.detectors import python as py

MODULE = "backend/app/config.py"
HEADER = """\
import os
import os.path
import posixpath
import pathlib as pl
from os import fspath
from os.path import dirname as up
from pathlib import Path, PurePath
from elsewhere import Path as NotPathlib

ROOT = Path(__file__).resolve().parents[2]
NAME = "media"
TWICE = "a"
TWICE = "b"
ANNOTATED: str = "annotated"
for LOOPED in ("x",):
    pass
COUNTER = "c"
COUNTER += "d"
try:
    IN_TRY = "try"
except ImportError:
    IN_EXCEPT = "except"
else:
    IN_ELSE = "else"
finally:
    IN_FINALLY = "finally"
with open("x") as handle:
    IN_WITH = "with"
while False:
    IN_WHILE = "while"
A, B = "a", "b"
"""


def fold(expression: str) -> str | None:
    tree = ast.parse(HEADER + f"RESULT = {expression}\n")
    assign = tree.body[-1]
    assert isinstance(assign, ast.Assign)
    return py.Folder(py.Module(tree), MODULE).value(assign.value)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('ROOT / "storage"', "storage"),
        ('str(ROOT / "storage" / NAME)', "storage/media"),
        ('pl.Path(ROOT, "logs")', "logs"),
        ('PurePath("storage").joinpath("a", NAME)', "storage/a/media"),
        ('os.path.join(up(up(__file__)), "x")', "backend/x"),
        ('posixpath.join("storage", "x")', "storage/x"),
        ('fspath(Path("storage"))', "storage"),
        ('os.fspath("storage")', "storage"),
        ("os.path.abspath(__file__)", MODULE),
        ("os.path.basename(__file__)", None),
        ('Path("storage").as_posix()', "storage"),
        ('Path("storage").with_suffix(".x")', None),
        ("Path(__file__).parents[0]", "backend/app"),
        ("Path(__file__).parents[-1]", None),
        ("Path(__file__).parents[NAME]", None),
        ("UNKNOWN.parents[0]", None),
        ("UNKNOWN.parent", None),
        ('f"{ROOT}/storage/{NAME}"', "./storage/media"),
        ('f"{NAME:>4}"', None),
        ('f"{UNKNOWN}"', None),
        ('"a" + NAME', "amedia"),
        ('"a" * 2', None),
        ('NotPathlib("storage")', None),
        ('Path("/srv") / "x"', "/srv/x"),
        ('Path("x").joinpath(UNKNOWN)', None),
        ('UNKNOWN.joinpath("x")', None),
        ("Path(*parts)", None),
        ('Path("x", mode=1)', None),
        ("str()", None),
        ('b"bytes"', None),
        ("TWICE", None),
        ("ANNOTATED", "annotated"),
        ("LOOPED", None),
        ("COUNTER", None),
        ("IN_TRY + IN_EXCEPT + IN_ELSE + IN_FINALLY", "tryexceptelsefinally"),
        ("IN_WITH + IN_WHILE", "withwhile"),
        ("A", None),
        ("handle", None),
        ('"x" * 2000 + "y"', None),
    ],
)
def test_fold(expression: str, expected: str | None) -> None:
    assert fold(expression) == expected


def test_values_longer_than_any_path_are_unknown() -> None:
    assert fold('"a" * 10') is None
    assert fold(" + ".join(['"abcdefghij"'] * 103)) is None
    assert fold(" + ".join(['"abcdefghij"'] * 102)) == "abcdefghij" * 102


@pytest.mark.parametrize("operator", [" + ", " / "])
def test_deep_expression_without_priming_is_unknown_not_a_crash(operator: str) -> None:
    chain = operator.join(['"a"'] * 1500)
    tree = ast.parse(f"X = {chain}\n")
    assign = tree.body[0]
    assert isinstance(assign, ast.Assign)
    folder = py.Folder(py.Module(tree), MODULE)
    assert folder.value(assign.value) is None
    folder = py.Folder(py.Module(tree), MODULE)
    folder.prime()
    assert folder.value(assign.value) is None  # over MAX_VALUE, but computed without recursion


def test_unparsable_texts() -> None:
    error = py.load("def broken(:\n")
    assert isinstance(error, py.Unparsable)
    assert error.why.startswith("invalid Python syntax (")
    deep = py.load("X = " + " + ".join(["1"] * 100_000) + "\n")
    assert deep == py.Unparsable(line=1, column=1, why="the file is nested too deeply to parse")


def test_walk_skips_docstrings_and_bare_strings() -> None:
    tree = ast.parse('"""doc"""\n"bare"\nX = "kept"\n')
    constants = [n.value for n, _ in py.Module(tree).nodes if isinstance(n, ast.Constant)]
    assert constants == ["kept"]


@pytest.mark.parametrize(
    ("value", "module", "expected"),
    [
        ("storage/media", MODULE, "storage/media/"),
        ("storage/media/a.mp3", MODULE, "storage/media/a.mp3"),
        ("storage/.cache", MODULE, "storage/.cache/"),
        ("storage", MODULE, None),
        ("storage/tools", "storage/tools/x.py", None),
        ("storage/tools/x.py", "storage/tools/x.py", None),
        ("storage2/x", MODULE, None),
    ],
)
def test_storage_path(value: str, module: str, expected: str | None) -> None:
    assert py.storage_path(value, module, ("storage/",)) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("\"a\" + f\"b{'c'}\" + 'd'", ("abcd", 1)),
        ('\n"a"', ("a", 2)),
        ('f"{x}"', "it is an f-string"),
        ("x", "'x' is not a literal string"),
        ('"a" + 1', "it concatenates a value that is not a literal string"),
        ("1", "it is not a string"),
        ("a.b", "it is not a literal string"),
    ],
)
def test_the_evaluator_alone_folds_literals_and_knows_no_names(
    expression: str, expected: py.Folded
) -> None:
    node = ast.parse(expression, mode="eval").body
    assert py.Evaluator[None]().fold(node, None) == expected
