"""The pull-request comment: escaping, the comment limit, collapsing, the checklist."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from selenite_inventory_lint.cli import main
from selenite_inventory_lint.pipeline.review import review as review_stage
from selenite_inventory_lint.reports import markdown
from selenite_inventory_lint.reports.review import build

if TYPE_CHECKING:
    from conftest import GitRepo

from .scenarios import (
    HOSTILE_FILE,
    REVISION_2,
    SCENARIOS,
    change,
    finding,
    hostile,
    reference,
    result,
    rich,
)

# What GitHub-flavoured Markdown may contain from us, and nothing else.
ALLOWED_HTML = {"<code>", "</code>", "<details>", "</details>", "<summary>", "</summary>"}
ALLOWED_HTML |= {"<sub>", "</sub>"}


def tokens(text: str) -> list[Token]:
    flat: list[Token] = []
    for token in MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(text):
        flat.append(token)
        flat.extend(token.children or ())
    return flat


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_only_our_own_markup_reaches_the_page(scenario: str) -> None:
    text = markdown.render(SCENARIOS[scenario]())
    found = tokens(text)
    assert not [t for t in found if t.type in ("link_open", "image", "html_block")]
    inline_html = {t.content for t in found if t.type == "html_inline"}
    assert inline_html <= ALLOWED_HTML
    assert all(len(set(row_widths)) == 1 for row_widths in table_shapes(found))


def table_shapes(found: list[Token]) -> list[list[int]]:
    """For each table, the number of cells of each row (header included)."""
    shapes: list[list[int]] = []
    for token in found:
        if token.type == "table_open":
            shapes.append([])
        elif token.type == "tr_open":
            shapes[-1].append(0)
        elif token.type in ("td_open", "th_open"):
            shapes[-1][-1] += 1
    return shapes


def test_hostile_names_are_escaped_exactly() -> None:
    text = markdown.render(hostile())
    assert (
        "| <code>users.a\\`\\|\\<img src=x onerror=alert(1)\\></code> | column | added | "
        "<code>backend/alembic/versions/0002\\_invoices.py:7</code> | **missing** |"
    ) in text
    assert (
        "| <code>storage/x\\](javascript:alert(1))/</code> | path | referenced | "
        "<code>backend/a,b:c.py:3</code> | **missing** |"
    ) in text
    assert (
        "| warning | MIG301 | 9:5 | <code>file backend/a,b:c.py</code> | cannot analyze SQL near "
        "'%0A::error title=x::pwned\\\\n::warning::injected \\\\x1b\\[2J' |"
    ) in text
    assert "If you change anything \\<script\\>alert(1)\\</script\\> in the categories" in text
    assert "\x1b" not in text
    assert "- No stub for column <code>users.a\\`\\|\\<img" in text


def test_hostile_cells_stay_in_their_columns() -> None:
    found = tokens(markdown.render(hostile()))
    texts = [t.content for t in found if t.type == "text"]
    assert "users.a`|<img src=x onerror=alert(1)>" in texts
    assert f"{HOSTILE_FILE}:3" in texts
    assert table_shapes(found) == [[5, 5, 5], [5, 5], [5, 5, 5]]


def test_a_rich_report_has_every_part() -> None:
    text = markdown.render(rich())
    assert text.startswith("## Data inventory FAILED: 6 errors, 2 warnings\n")
    assert "### Data-bearing changes (9)" in text
    assert "### Destructive operations (2)" in text
    assert "covered by <code>DP-2026-001</code> |" in text
    assert "**no approved data plan** |" in text
    assert "```diff\ndiff --git a/DATA_INVENTORY.md b/DATA_INVENTORY.md\n" in text
    assert "- [ ] Note any migration requirements (idempotent + additive by default)." in text


def test_checklist_only_when_the_schema_changed() -> None:
    env_only = result(
        [change("env", "SMTP_HOST", "referenced", "app.py", 3, documented=True, source="env")],
        [],
        reference(),
    )
    assert "Required updates" not in markdown.render(env_only)
    assert "Required updates" in markdown.render(SCENARIOS["clean"]())


def test_no_checklist_without_a_required_updates_section() -> None:
    text = reference().split("## Required Updates")[0]
    plain = review_stage(rich()._replace(inventory_text=text))
    assert build(plain).checklist is None
    assert "Required updates" not in markdown.render(plain)


def test_long_lists_are_collapsed() -> None:
    changes = [
        change("column", f"users.c{i:02}", "added", REVISION_2, i, documented=True)
        for i in range(1, 13)
    ]
    text = markdown.render(result(changes, [], reference()))
    assert "<details>\n<summary>12 changes</summary>\n\n| object |" in text
    short = markdown.render(result(changes[:10], [], reference()))
    assert "<details>" not in short


def test_diff_fence_outgrows_backticks_in_the_inventory() -> None:
    inventory = reference().replace(
        "- `users`: accounts", "- `users`: accounts ```` (fenced) and ``` ", 1
    )
    text = markdown.render(review_stage(rich()._replace(inventory_text=inventory)))
    assert "`````diff\n" in text
    found = tokens(text)
    fences = [t for t in found if t.type == "fence"]
    assert len(fences) == 1
    assert fences[0].info == "diff"
    assert fences[0].content.startswith("diff --git")


def test_five_thousand_findings_stay_under_the_comment_limit() -> None:
    findings = [
        finding(
            "INV102",
            "error",
            f"column users.c{i:04} is added but not covered by the inventory",
            REVISION_2,
            i,
            "column",
            f"users.c{i:04}",
        )
        for i in range(1, 5001)
    ]
    changes = [
        change("column", f"users.c{i:04}", "added", REVISION_2, i, documented=False)
        for i in range(1, 5001)
    ]
    text = markdown.render(result(changes, findings, reference()))
    assert len(text) <= markdown.LIMIT
    shown_findings = text.count("| **error** | INV102 |")
    left = re.search(r"\*([\d,]+) more findings not shown;", text)
    assert left is not None
    assert shown_findings + int(left.group(1).replace(",", "")) == 5000
    shown_changes = text.count("| column | added |")
    left_changes = re.search(r"\*([\d,]+) more changes not shown;", text)
    assert left_changes is not None
    assert shown_changes + int(left_changes.group(1).replace(",", "")) == 5000
    assert shown_findings > 50
    # 5,000 stubs make a patch too long for a comment: --fix is suggested instead.
    assert "The patch (5,000 stubs) is too long for a comment" in text
    assert "### Findings by file (5,000)" in text


def test_the_limit_is_respected_for_any_limit() -> None:
    review = build(rich())
    full = markdown.render_review(review)
    for limit in (len(full), len(full) - 1, 3000, 1500, 200):
        assert len(markdown.render_review(review, limit=limit)) <= limit
    assert markdown.render_review(review, limit=len(full)) == full
    cut = markdown.render_review(review, limit=200)
    assert cut.endswith("*Report cut at GitHub's comment limit.*\n")


def test_a_passing_report() -> None:
    text = markdown.render(SCENARIOS["clean"]())
    assert text.startswith("## Data inventory PASSED: 0 errors, 0 warnings\n")
    assert "**Inventory check passed: 0 errors and 0 warnings in 1 data-bearing change.**" in text
    assert "Suggested inventory patch" not in text


def test_no_changes() -> None:
    text = markdown.render(result([], [], reference()))
    assert "No data-bearing changes." in text
    assert "<sub>selenite-inventory-lint" in text


def with_required_updates(body: str) -> str:
    head = reference().partition("## Required Updates (When Changing Data)\n")[0]
    return head + "## Required Updates\n" + body + "\n## Rollback Expectations\n- restore\n"


def test_checklist_keeps_code_and_drops_links_and_images() -> None:
    inventory = with_required_updates(
        "Before merging:\n"
        "1) Update `DATA_INVENTORY.md` and *the* [wiki](https://example.invalid/x)\n"
        "   with the details.\n"
        "2) Attach ![the diagram](diagram.png) to the PR.\n"
    )
    review = build(review_stage(SCENARIOS["clean"]()._replace(inventory_text=inventory)))
    assert review.checklist is not None
    assert review.checklist.heading == "Required Updates"
    assert review.checklist.intro == ((("text", "Before merging:"),),)
    assert review.checklist.items == (
        (
            ("text", "Update "),
            ("code", "DATA_INVENTORY.md"),
            ("text", " and the wiki with the details."),
        ),
        (("text", "Attach the diagram to the PR."),),
    )
    text = markdown.render(review_stage(SCENARIOS["clean"]()._replace(inventory_text=inventory)))
    assert "- [ ] Update <code>DATA\\_INVENTORY.md</code> and the wiki with the details.\n" in text


def test_intro_text_cannot_open_a_block() -> None:
    inventory = with_required_updates("\\# not a heading\n\n- item\n")
    text = markdown.render(review_stage(SCENARIOS["clean"]()._replace(inventory_text=inventory)))
    assert "\n\\# not a heading\n" in text


def test_an_empty_required_updates_section_gives_no_checklist() -> None:
    inventory = with_required_updates("")
    assert (
        build(review_stage(SCENARIOS["clean"]()._replace(inventory_text=inventory))).checklist
        is None
    )


def test_the_report_leads_with_what_to_do() -> None:
    text = markdown.render(rich())
    order = [
        text.index("## Data inventory FAILED"),
        text.index("### Findings by file (9)"),
        text.index("#### <code>backend/alembic/versions/0003\\_cleanup.py</code>: 2 errors"),
        text.index("### Suggested inventory patch"),
        text.index("### Data-bearing changes (9)"),
    ]
    assert order == sorted(order)
    # The verdict is words; no emoji carries it and no raw identifier is shown as a status.
    assert "❌" not in text
    assert "✅" not in text
    assert "info (plan)" not in text
    assert "| approved by plan <code>DP-2026-001</code> | MIG101 |" in text


def test_destructive_operations_name_what_a_data_plan_lists() -> None:
    text = markdown.render(rich())
    assert (
        "| <code>drop\\_column users.last\\_seen\\_at</code> | MIG102 | column "
        "users.last\\_seen\\_at is dropped |"
    ) in text
    assert "| <code>drop\\_table feedback\\_attachments</code> | MIG101 |" in text


def test_a_stale_entry_is_an_error_in_the_changes_table() -> None:
    text = markdown.render(rich())
    assert (
        "| <code>users.last\\_seen\\_at</code> | column | dropped | "
        "<code>backend/alembic/versions/0003\\_cleanup.py:16</code> | **error: stale entry** |"
    ) in text


def test_identifiers_read_as_words() -> None:
    changes = [
        change("config_file", "settings.yaml", "added", "settings.yaml", 1, documented=False)
    ]
    text = markdown.render(result(changes, [], reference()))
    assert "| <code>settings.yaml</code> | config file | added |" in text


def test_errors_are_never_collapsed() -> None:
    findings = [
        finding(
            "INV102",
            "error",
            f"column users.c{i:02} is added but not covered by the inventory",
            REVISION_2,
            i,
            "column",
            f"users.c{i:02}",
        )
        for i in range(1, 13)
    ]
    changes = [
        change("column", f"users.c{i:02}", "added", REVISION_2, i, documented=False)
        for i in range(1, 13)
    ]
    text = markdown.render(result(changes, findings, reference()))
    details = text[text.index("<details>") : text.index("</details>")]
    assert "| **error** | INV102 |" not in details
    assert text.count("| **error** | INV102 |") == 12
    assert "<summary>12 changes</summary>" in details


def test_a_real_drop_shows_the_operation_a_plan_lists(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", reference())
    repo.write("alembic.ini", "[alembic]\nscript_location = backend/alembic\n")
    head = (
        'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "{}"\ndown_revision = {}\n'
    )
    repo.write(
        "backend/alembic/versions/0001_base.py",
        head.format("0001", "None") + '\n\ndef upgrade():\n    op.create_table("users")\n',
    )
    repo.commit("base")
    repo.write(
        "backend/alembic/versions/0002_drop.py",
        head.format("0002", '"0001"')
        + '\n\ndef upgrade():\n    op.drop_column("users", "last_seen_at")\n',
    )
    repo.commit("drop")
    code = main(["check", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "markdown"])
    text = capsys.readouterr().out
    assert code == 1
    assert "| <code>drop\\_column users.last\\_seen\\_at</code> | MIG102 |" in text
