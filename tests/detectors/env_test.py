"""Env detector (docs/usage.md): golden fixtures plus focused cases.

Each directory ``fixtures/env/<case>/`` holds one source file at its repository path (so the
detector's ``sources`` decide how it is read); it is detected as an added file and the result
is compared with ``fixtures/env/<case>.json``. Regenerate after an intended change, then review:

    .venv/bin/pytest tests/detectors/env_test.py --update-golden
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext, registry, sources
from selenite_inventory_lint.detectors.env import DETECTOR
from selenite_inventory_lint.detectors.env.dotenv import dotenv_refs
from selenite_inventory_lint.detectors.env.javascript import javascript_refs
from selenite_inventory_lint.model import Change, DetectorResult, FileChange, FileStatus, Problem

FIXTURES = Path(__file__).parent / "fixtures" / "env"
CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
ROOTS = ("backend/models/", "logs/", "storage/")
CTX = DetectContext(config=Config(), path_roots=ROOTS)
# The golden fixtures include CI pipelines, which are read only when configured.
WITH_CI = Config(sources={"yaml_env": (*sources.ENV_SOURCES["yaml_env"], *sources.CI_YAML)})
GOLDEN_CTX = DetectContext(config=WITH_CI, path_roots=ROOTS)
PUBLIC_FIELDS = 7
# Python and PyYAML word their errors differently across versions.
DETAIL = re.compile(r"(invalid Python syntax|invalid YAML) \(.*\)")


def source_of(case: Path) -> tuple[str, bytes]:
    files = [p for p in case.rglob("*") if p.is_file()]
    assert len(files) == 1, files
    return files[0].relative_to(case).as_posix(), files[0].read_bytes()


def plain(record: Change | Problem) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for index, name in enumerate(record._fields):
        value = getattr(record, name)
        default = record._field_defaults.get(name)
        if isinstance(record, Change) and index >= PUBLIC_FIELDS and value == default:
            continue
        data[name] = list(value) if isinstance(value, tuple) else value
    if isinstance(record, Problem):
        data["message"] = DETAIL.sub(r"\1 (…)", data["message"])
    return data


def as_json(result: DetectorResult) -> dict[str, Any]:
    return {
        "changes": [plain(c) for c in result.changes],
        "problems": [plain(p) for p in result.problems],
    }


def change(
    path: str,
    new: str | None,
    old: str | None = None,
    *,
    status: FileStatus | None = None,
    old_path: str | None = None,
    binary: bool = False,
    too_large: bool = False,
    undecodable: bool = False,
) -> FileChange:
    if status is None:
        status = "added" if old is None else "deleted" if new is None else "modified"
    return FileChange(
        status=status,
        path=path,
        old_path=old_path or (path if old is not None else None),
        old_text=old,
        new_text=new,
        new_bytes=None if new is None else new.encode(),
        old_bytes=None if old is None else old.encode(),
        loaded=True,
        binary=binary,
        too_large=too_large,
        undecodable=undecodable,
    )


def names(result: DetectorResult) -> list[tuple[str, str, int]]:
    return [(c.name, c.action, c.line) for c in result.changes]


# --- golden fixtures ------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden(case: Path, update_golden: bool) -> None:
    path, data = source_of(case)
    text = data.decode("utf-8-sig", errors="replace")
    result = DETECTOR.detect(change(path, text), GOLDEN_CTX)
    actual = {"path": path, **as_json(result)}
    golden = case.with_suffix(".json")
    if update_golden:
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert actual == json.loads(golden.read_text("utf-8"))


def test_every_golden_has_a_fixture() -> None:
    orphans = [g.name for g in FIXTURES.glob("*.json") if not g.with_suffix("").is_dir()]
    assert orphans == []


def test_detectors_are_registered_once() -> None:
    named = [d.name for d in registry()]
    assert [named.count(n) for n in ("env", "paths", "config_files")] == [1, 1, 1]


# --- what "new" means -----------------------------------------------------------------------

OLD = 'import os\n\nA = os.getenv("ALPHA")\nB = os.getenv("BETA")\n'


def test_only_references_absent_from_the_old_text_are_new() -> None:
    new = 'import os\n\nB = os.environ["BETA"]\nG = os.getenv("GAMMA")\n'
    result = DETECTOR.detect(change("app/x.py", new, OLD), CTX)
    assert names(result) == [("GAMMA", "referenced", 4), ("ALPHA", "dropped", 3)]
    dropped = result.changes[1]
    assert dropped.operation == "reference_removed"


def test_a_rename_with_the_same_references_is_not_new() -> None:
    moved = change("lib/x.py", OLD, OLD, status="renamed", old_path="app/x.py")
    assert DETECTOR.detect(moved, CTX).changes == ()


def test_a_deleted_file_drops_every_reference() -> None:
    result = DETECTOR.detect(change("app/x.py", None, OLD), CTX)
    assert names(result) == [("ALPHA", "dropped", 3), ("BETA", "dropped", 4)]


def test_old_text_that_does_not_parse_is_searched_as_text() -> None:
    old = 'import os\nA = os.getenv("ALPHA"\n'
    new = 'import os\nA = os.getenv("ALPHA")\nB = os.getenv("BETA")\n'
    result = DETECTOR.detect(change("app/x.py", new, old), CTX)
    assert names(result) == [("BETA", "referenced", 3)]


def test_new_text_that_does_not_parse_drops_nothing() -> None:
    result = DETECTOR.detect(change("app/x.py", "def broken(:\n", OLD), CTX)
    assert names(result) == []
    assert [p.code for p in result.problems] == ["INV303"]


def test_ignored_variables_are_neither_new_nor_dropped() -> None:
    ctx = CTX._replace(config=Config(env_ignore=("ALPHA",)))
    new = 'import os\nH = os.getenv("HOME")\n'
    result = DETECTOR.detect(change("app/x.py", new, OLD), ctx)
    assert names(result) == [("BETA", "dropped", 4)]


# --- inputs that cannot be analysed -------------------------------------------------------


@pytest.mark.parametrize(
    ("binary", "why"),
    [(True, "it is a binary file"), (False, "it is larger than max_file_bytes")],
)
def test_binary_and_oversized_sources_are_inv303(binary: bool, why: str) -> None:
    fc = change(".env", None, status="added", binary=binary, too_large=not binary)
    result = DETECTOR.detect(fc, CTX)
    assert result.changes == ()
    assert [(p.code, p.path, p.line) for p in result.problems] == [("INV303", ".env", 1)]
    assert result.problems[0].message.endswith(why)


def test_undecodable_source_is_reported_and_still_read() -> None:
    result = DETECTOR.detect(change(".env", "KEY=caf\ufffd\n", undecodable=True), CTX)
    assert names(result) == [("KEY", "referenced", 1)]
    assert [p.message for p in result.problems] == [
        "cannot analyze the file for environment variables: it is not valid UTF-8"
    ]


def test_alembic_revisions_leave_syntax_errors_to_mig301() -> None:
    path = "backend/alembic/versions/0002_x.py"
    result = DETECTOR.detect(change(path, "def upgrade(:\n"), CTX)
    assert result == DetectorResult()
    assert DETECTOR.detect(change(path, None, status="added", binary=True), CTX).problems == ()


def test_unclaimed_path_gives_nothing() -> None:
    assert DETECTOR.detect(change("README.md", "os.getenv('X')\n"), CTX) == DetectorResult()


# --- forms --------------------------------------------------------------------------------


def test_shell_is_read_only_when_configured() -> None:
    script = 'echo "${DEPLOY_TOKEN}"\n'
    assert not DETECTOR.claims("scripts/deploy.sh", CTX)
    ctx = DetectContext(config=Config(sources={"shell": ("*.sh",)}))
    assert DETECTOR.claims("scripts/deploy.sh", ctx)
    assert names(DETECTOR.detect(change("scripts/deploy.sh", script), ctx)) == [
        ("DEPLOY_TOKEN", "referenced", 1)
    ]


def test_shell_reads_defaults_and_skips_locals_and_quotes() -> None:
    ctx = DetectContext(config=Config(sources={"shell": ("*.sh",)}))
    script = (
        "#!/bin/sh\n"
        'OUT=build; for FILE in *; do read -r LINE; echo "$FILE $LINE"; done\n'
        'HOST="${HOST:-localhost}"\n'
        "echo '$SINGLE' \\$ESCAPED $lower $1 \"$OUT\" # $COMMENT\n"
        'echo "$REMOTE"\n'
    )
    assert names(DETECTOR.detect(change("x.sh", script), ctx)) == [
        ("HOST", "referenced", 3),
        ("REMOTE", "referenced", 5),
    ]


def test_sources_config_replaces_a_default() -> None:
    ctx = DetectContext(config=Config(sources={"env_files": ("config/*.env",)}))
    assert DETECTOR.claims("config/prod.env", ctx)
    assert not DETECTOR.claims(".env", ctx)


def test_dotenv_multiline_values_and_escapes() -> None:
    text = 'A="one\\"\nB=still inside"\nC=\'x\nD=inside\'\nE=`t\nF`\nG=1\n'
    assert [r.name for r in dotenv_refs(text)] == ["A", "C", "E", "G"]


def test_javascript_regex_like_quote_does_not_hide_the_next_line() -> None:
    text = "const re = /'/;\nconst k = process.env.NEXT_LINE_KEY;\n"
    assert [(r.name, r.line) for r in javascript_refs(text)] == [("NEXT_LINE_KEY", 2)]


def test_javascript_without_env_is_not_scanned() -> None:
    assert javascript_refs("const x = 1;\n" * 10) == []


def test_references_api_reads_every_form_and_survives_bad_input() -> None:
    assert DETECTOR.references(".env", "A=1\nB=2\n", CTX) == {"A", "B"}
    assert DETECTOR.references("app.py", "def broken(:\n", CTX) == frozenset()
    assert DETECTOR.references("README.md", "A=1\n", CTX) == frozenset()


def test_javascript_templates_with_escapes_and_object_literals() -> None:
    text = (
        "const a = `\\` process.env.ESCAPED_TEXT ${ {k: process.env.IN_OBJECT}.k } `;\n"
        "/* const { HIDDEN } = process.env; */\n"
        "const b = `${process.env.LAST}`;\n"
    )
    assert [(r.name, r.line) for r in javascript_refs(text)] == [("IN_OBJECT", 1), ("LAST", 3)]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("services:\n  api:\n    environment: {A: \x07}\n", "invalid YAML"),
        ("services: [\n", "invalid YAML"),
    ],
)
def test_yaml_errors_with_and_without_a_position(text: str, why: str) -> None:
    result = DETECTOR.detect(change("docker-compose.yml", text), CTX)
    assert [p.code for p in result.problems] == ["INV303"]
    assert why in result.problems[0].message


def test_yaml_shapes_that_hold_no_variables() -> None:
    text = (
        "services:\n"
        "  scalar: just-a-string\n"
        "  ? [complex, key]\n"
        "  : {environment: {NOT_READ: 1}}\n"
        "  api:\n"
        "    environment: [{NOT: scalar}, PLAIN=1]\n"
    )
    assert names(DETECTOR.detect(change("compose.yaml", text), CTX)) == [("PLAIN", "referenced", 6)]


def test_settings_config_shapes() -> None:
    text = (
        "from pydantic import BaseSettings\n\n\n"
        "class S(BaseSettings):\n"
        "    a: str = ''\n"
        "    b: str = ''\n"
        "    model_config: dict = {'env_prefix': 'P_', 1: 'ignored'}\n\n"
        "    class Config:\n"
        "        fields = {'a': {'env': 'A_ENV'}, UNKNOWN: {'env': 'X'}, 'b': {'alias': 'B'}}\n"
        "        x.y = 1\n"
        "        def method(self): pass\n"
    )
    refs = DETECTOR.detect(change("app/settings.py", text), CTX)
    assert names(refs) == [("A_ENV", "referenced", 5), ("P_B", "referenced", 6)]


def test_environ_lookups_through_names_and_other_callables() -> None:
    text = (
        "import os\nfrom os import environ\n\n"
        "E = environ\nF = E\n"
        "a = F.get('THROUGH_NAMES')\n"
        "b = (lambda: 1)()\n"
        "c = os.environ.get()\n"
        "d = os.getenv(*names)\n"
        "e = other.getenv('NOT_OS')\n"
    )
    assert names(DETECTOR.detect(change("app/x.py", text), CTX)) == [
        ("THROUGH_NAMES", "referenced", 6)
    ]


def test_default_ignore_list_is_names_and_prefixes() -> None:
    from selenite_inventory_lint.detectors.env import DEFAULT_IGNORE

    assert all("*" not in pattern[:-1] for pattern in DEFAULT_IGNORE)
    assert not any(c in pattern for pattern in DEFAULT_IGNORE for c in "?[")


def test_python_without_any_env_word_is_parsed_but_not_walked() -> None:
    assert DETECTOR.references("app/x.py", "X = 1\n", CTX) == frozenset()
    result = DETECTOR.detect(change("app/x.py", "def broken(:\n"), CTX)
    assert [p.code for p in result.problems] == ["INV303"]
