"""Storage-path detector (docs/usage.md): golden fixtures plus focused cases.

Each directory ``fixtures/paths/<case>/`` holds one Python file at its repository path; it is
detected as an added file with the reference inventory's data roots and compared with
``fixtures/paths/<case>.json``. Regenerate after an intended change, then review:

    .venv/bin/pytest tests/detectors/paths_test.py --update-golden
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from env_test import ROOTS, as_json, change, names, source_of

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.detectors import python as py
from selenite_inventory_lint.detectors.paths import DETECTOR, path_refs

FIXTURES = Path(__file__).parent / "fixtures" / "paths"
CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
CTX = DetectContext(config=Config(), path_roots=ROOTS)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden(case: Path, update_golden: bool) -> None:
    path, data = source_of(case)
    result = DETECTOR.detect(change(path, data.decode("utf-8")), CTX)
    actual = {"path": path, **as_json(result)}
    golden = case.with_suffix(".json")
    if update_golden:
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert actual == json.loads(golden.read_text("utf-8"))


def test_every_golden_has_a_fixture() -> None:
    orphans = [g.name for g in FIXTURES.glob("*.json") if not g.with_suffix("").is_dir()]
    assert orphans == []


OLD = 'from pathlib import Path\n\nROOT = Path("storage")\nA = ROOT / "alpha"\nB = ROOT / "beta"\n'


def test_only_paths_absent_from_the_old_text_are_new() -> None:
    new = 'from pathlib import Path\n\nB = "storage/beta"\nG = Path("storage", "gamma")\n'
    result = DETECTOR.detect(change("app/x.py", new, OLD), CTX)
    assert names(result) == [("storage/gamma/", "referenced", 4), ("storage/alpha/", "dropped", 4)]


def test_a_rename_with_the_same_paths_is_not_new() -> None:
    moved = change("lib/x.py", OLD, OLD, status="renamed", old_path="app/x.py")
    assert DETECTOR.detect(moved, CTX).changes == ()


def test_a_deleted_file_drops_every_path() -> None:
    result = DETECTOR.detect(change("app/x.py", None, OLD), CTX)
    assert names(result) == [("storage/alpha/", "dropped", 4), ("storage/beta/", "dropped", 5)]


def test_unparsable_old_text_is_searched_as_text() -> None:
    old = 'A = "storage/alpha"\ndef broken(:\n'
    new = 'A = "storage/alpha"\nB = "storage/beta"\n'
    result = DETECTOR.detect(change("app/x.py", new, old), CTX)
    assert names(result) == [("storage/beta/", "referenced", 2)]


def test_syntax_errors_are_left_to_the_env_detector() -> None:
    assert DETECTOR.detect(change("app/x.py", "def broken(:\n", OLD), CTX).changes == ()
    assert path_refs("app/x.py", "def broken(:\n", ROOTS) is None


@pytest.mark.parametrize("binary", [True, False])
def test_binary_and_oversized_files_give_nothing(binary: bool) -> None:
    fc = change("app/x.py", None, status="added", binary=binary, too_large=not binary)
    result = DETECTOR.detect(fc, CTX)
    assert result.changes == ()
    assert result.problems == ()


def test_no_data_roots_no_paths() -> None:
    ctx = DetectContext(config=Config())
    assert DETECTOR.detect(change("app/x.py", 'A = "storage/alpha"\n'), ctx).changes == ()
    assert path_refs("app/x.py", 'A = "storage/alpha"\n', ()) == []


def test_claims_python_sources_only() -> None:
    assert DETECTOR.claims("backend/app/config.py", CTX)
    assert not DETECTOR.claims("backend/app/config.yaml", CTX)


def test_references_api() -> None:
    assert DETECTOR.references("app/x.py", OLD, CTX) == {"storage/alpha/", "storage/beta/"}
    assert DETECTOR.references("app/x.py", "def broken(:\n", CTX) == frozenset()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("storage/a/../b", "storage/b"),
        ("./storage//a/", "storage/a"),
        ("..", None),
        ("../x", None),
        (".", None),
        ("", None),
        ("/abs", None),
        ("~/x", None),
        ("C:/x", None),
        ("http://x/y", None),
        ("with space/x", None),
    ],
)
def test_repo_path_normalisation(value: str, expected: str | None) -> None:
    assert py.repo_path(value) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [("", ".."), (".", ".."), ("..", "../.."), ("a/..", "a/../.."), ("a/b/", "a"), ("a", ".")],
)
def test_parent(path: str, expected: str) -> None:
    assert py.parent(path) == expected


def test_folding_follows_globals_and_cycles_to_unknown() -> None:
    text = (
        'A = B\nB = A\nC = "storage/c"\n'
        'def f():\n    global C\n    C = "x"\n'
        'D = C + "/d"\nE = [1][0]\nF = Path(*parts)\nG = Path("storage", x=1)\n'
    )
    found = path_refs("app/x.py", text, ROOTS)
    assert [(r.name, r.line) for r in found or ()] == [("storage/c/", 3)]
