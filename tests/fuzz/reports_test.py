"""Fuzz: every report format on arbitrary ``RunResult`` records with hostile strings
(docs/usage.md).

Beyond not raising: machine formats stay valid JSON, a GitHub annotation never spills onto a
second line (a new workflow command), terminal text carries no escape sequence, and HTML
never carries a tag that came from the repository.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint import reports
from selenite_inventory_lint.cli import REPORT_FORMATS
from selenite_inventory_lint.model import (
    Change,
    Finding,
    ReportedChange,
    RunResult,
    change_key,
    finding_key,
)
from selenite_inventory_lint.pipeline.review import review
from selenite_inventory_lint.rules import RULES

from . import budget
from .inventory_test import MARKDOWN
from .strategies import mixed

TARGET = "report renderers"
SHARE = budget.share(len(REPORT_FORMATS))

HOSTILE = mixed(
    (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "](javascript:alert(1))",
        "::error::pwned",
        "%0A",
        "%",
        "\n::warning::x",
        "|",
        "`",
        "${{ secrets.X }}",
        "&amp;",
        "-->",
        "<!--",
        "\x1b]8;;http://x\x07",
        "\x1b[2J",
        "users.phone",
        "storage/media/",
        "a,b:c",
        "\u202e",
    ),
    max_tokens=8,
)
KINDS = st.sampled_from(("table", "column", "index", "path", "env", "config_file", "database"))
ACTIONS = st.sampled_from(("added", "dropped", "renamed", "altered", "referenced"))
LINES = st.integers(1, 10**6)
CHANGES = st.builds(
    lambda kind, name, action, path, line, old, documented: ReportedChange(
        change=Change(
            kind=kind, name=name, action=action, path=path, line=line, source="sql", old_name=old
        ),
        documented=documented,
    ),
    KINDS,
    HOSTILE,
    ACTIONS,
    HOSTILE,
    LINES,
    st.none() | HOSTILE,
    st.none() | st.booleans(),
)
FINDINGS = st.builds(
    Finding,
    code=st.sampled_from(tuple(rule.code for rule in RULES)),
    severity=st.sampled_from(("error", "warning", "info")),
    message=HOSTILE,
    path=HOSTILE,
    line=LINES,
    column=st.integers(1, 500),
    object_kind=st.sampled_from(("table", "column", "path", "env", "entry", "file", "revision")),
    object_name=HOSTILE,
    covered_by_plan=st.none() | HOSTILE,
)
RESULTS = st.builds(
    lambda changes, findings, inventory, base: review(
        RunResult(
            tool_version="0.0.0",
            base=base,
            head="WORKTREE",
            inventory="DATA_INVENTORY.md",
            changes=tuple(sorted(changes, key=lambda r: change_key(r.change))),
            findings=tuple(sorted(findings, key=finding_key)),
            inventory_text=inventory,
        )
    ),
    st.lists(CHANGES, max_size=6),
    st.lists(FINDINGS, max_size=6),
    MARKDOWN,
    st.none() | st.just("4f1c2a9be07d5e3c8a6b1d0f2e4a6c8b0d2f4a6c"),
)


def _render(fmt: str, result: RunResult) -> str:
    output = reports.get(fmt)(result)
    assert isinstance(output, str)
    assert output == reports.get(fmt)(result), "same input, same bytes"
    return output


@SHARE
@given(result=RESULTS)
@budget.counted(TARGET)
def test_text(result: RunResult) -> None:
    output = _render("text", result)
    assert "\x1b" not in output
    assert output.count("\n") == len(result.findings) + (2 if result.findings else 1)


@SHARE
@given(result=RESULTS)
@budget.counted(TARGET)
def test_json(result: RunResult) -> None:
    data = json.loads(_render("json", result))
    assert [f["message"] for f in data["findings"]] == [f.message for f in result.findings]


@SHARE
@given(result=RESULTS)
@budget.counted(TARGET)
def test_sarif(result: RunResult) -> None:
    data = json.loads(_render("sarif", result))
    assert len(data["runs"][0]["results"]) == len(result.findings)


@SHARE
@given(result=RESULTS)
@budget.counted(TARGET)
def test_gitlab(result: RunResult) -> None:
    assert len(json.loads(_render("gitlab", result))) == len(result.findings)


@SHARE
@given(result=RESULTS)
@budget.counted(TARGET)
def test_github(result: RunResult) -> None:
    *annotations, verdict = _render("github", result).splitlines()
    assert all(line.startswith("::") for line in annotations), annotations
    assert not verdict.startswith("::")


@SHARE
@given(result=RESULTS)
@budget.counted(TARGET)
def test_markdown(result: RunResult) -> None:
    from markdown_it import MarkdownIt

    # As a pull-request comment shows it: CommonMark with inline HTML allowed.
    shown = MarkdownIt("commonmark").render(_render("markdown", result)).lower()
    assert "<script" not in shown
    assert "<img" not in shown


@SHARE
@given(result=RESULTS)
@budget.counted(TARGET)
def test_html(result: RunResult) -> None:
    output = _render("html", result)
    assert "<script" not in output.lower()
    assert "<img" not in output.lower()
