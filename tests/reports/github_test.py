"""GitHub workflow-command annotations: escaping, severity order, the 10-per-level limit."""

from __future__ import annotations

from selenite_inventory_lint.reports import github

from .scenarios import REVISION_2, finding, hostile, reference, result, rich


def test_escaping_follows_the_toolkit() -> None:
    assert github.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert github.escape_property("a,b:c%d\n") == "a%2Cb%3Ac%25d%0A"
    assert github.escape_data("%0A") == "%250A"


def test_hostile_annotations_are_exact() -> None:
    lines = github.render(hostile()).splitlines()
    assert lines == [
        "::error file=backend/a%2Cb%3Ac.py,line=3,col=5,title=INV103::storage path "
        "storage/x](javascript:alert(1))/ is referenced but not covered by the inventory",
        "::error file=backend/alembic/versions/0002_invoices.py,line=7,col=5,title=INV102::"
        "column users.a`|<img src=x onerror=alert(1)> is added but not covered by the inventory",
        "::warning file=backend/a%2Cb%3Ac.py,line=9,col=5,title=MIG301::cannot analyze SQL near "
        "'%250A::error title=x::pwned%0A::warning::injected \\x1b[2J'",
        "Inventory check failed: 2 errors and 1 warning in 2 data-bearing changes.",
    ]


def test_every_command_is_one_line() -> None:
    text = github.render(hostile())
    commands = [line for line in text.splitlines() if line.startswith("::")]
    assert len(commands) == 3
    assert "\x1b" not in text


def test_errors_first_then_warnings_then_notices() -> None:
    levels = [line.split(" ", 1)[0] for line in github.render(rich()).splitlines()[:-1]]
    assert levels == ["::error"] * 6 + ["::warning"] * 2 + ["::notice"]
    notice = github.render(rich()).splitlines()[-2]
    assert notice.endswith(
        "title=MIG101::table feedback_attachments is dropped (covered by data plan DP-2026-001)"
    )


def test_more_than_ten_per_level_says_how_many_are_hidden() -> None:
    findings = [
        finding("INV102", "error", f"column t.c{i} is added", REVISION_2, i, "column", f"t.c{i}")
        for i in range(1, 14)
    ] + [
        finding(
            "MIG107", "warning", f"index i{i} is created", REVISION_2, 100 + i, "index", f"i{i}"
        )
        for i in range(1, 12)
    ]
    lines = github.render(result([], findings, reference())).splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:24]] == ["::error"] * 13 + ["::warning"] * 11
    assert lines[24] == (
        "::notice title=selenite-inventory-lint::GitHub shows 10 annotations of each level per "
        "step: 3 more errors and 1 more warning are listed in the job summary and the log."
    )
    assert lines[25].startswith("Inventory check failed: 13 errors and 11 warnings")


def test_no_findings_prints_only_the_verdict() -> None:
    assert github.render(result([], [], reference())) == (
        "Inventory check passed: 0 errors and 0 warnings in 0 data-bearing changes.\n"
    )
