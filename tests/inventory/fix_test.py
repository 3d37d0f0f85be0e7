"""``inventory/fix.py``: where stubs go, what bytes survive, and the unified diff."""

from __future__ import annotations

import codecs
import subprocess
from pathlib import Path

import pytest

from selenite_inventory_lint.inventory.fix import fix_bytes, fix_text, unified_diff
from selenite_inventory_lint.inventory.parse import parse_inventory
from selenite_inventory_lint.inventory.text import split_lines
from selenite_inventory_lint.model import Finding, ObjectKind

REFERENCE = Path(__file__).parent / "fixtures" / "reference.md"
CODES = {
    "table": "INV101",
    "column": "INV102",
    "path": "INV103",
    "env": "INV104",
    "config_file": "INV105",
    "database": "INV105",
}


def undocumented(kind: ObjectKind, name: str, code: str | None = None) -> Finding:
    return Finding(
        code=code or CODES[kind],
        severity="error",
        message=f"{kind} {name} is not documented",
        path="backend/app.py",
        line=1,
        object_kind=kind,
        object_name=name,
    )


def reference() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def inserted(old: str, new: str) -> list[tuple[int, str]]:
    """(1-based line in the new text, line) of every line the fix added; asserts that it
    only added lines."""
    a, b = split_lines(old), split_lines(new)
    added = []
    i = 0
    for number, line in enumerate(b, 1):
        if i < len(a) and line == a[i]:
            i += 1
        else:
            added.append((number, line))
    assert i == len(a), "the fix changed or removed a line"
    return added


def test_each_kind_goes_to_its_section() -> None:
    findings = [
        undocumented("table", "invoices"),
        undocumented("column", "users.phone"),
        undocumented("column", "job_tags.added_by"),
        undocumented("path", "storage/uploads/"),
        undocumented("env", "SMTP_HOST"),
        undocumented("config_file", "backend/.secrets.json"),
        undocumented("database", "backend/analytics.db"),
    ]
    fixed = fix_text(reference(), findings)
    assert inserted(fixed.old, fixed.new) == [
        (18, "- `users.phone`: TODO: describe\n"),
        (23, "- `job_tags.added_by`: TODO: describe\n"),
        (34, "- `invoices`: TODO: describe\n"),
        (44, "- `storage/uploads/`: TODO: describe\n"),
        (53, "- `backend/.secrets.json`: TODO: describe\n"),
        (54, "- `backend/analytics.db`: TODO: describe\n"),
        (55, "- `SMTP_HOST`: TODO: describe\n"),
    ]
    assert [(s.key, s.section, s.line) for s in fixed.stubs] == [
        ("users.phone", "Database (SQLite)", 18),
        ("job_tags.added_by", "Database (SQLite)", 23),
        ("invoices", "Database (SQLite)", 34),
        ("storage/uploads/", "Storage Paths", 44),
        ("backend/.secrets.json", "Configuration & State", 53),
        ("backend/analytics.db", "Configuration & State", 54),
        ("SMTP_HOST", "Configuration & State", 55),
    ]
    entries = {(e.kind, e.key): e for e in parse_inventory(fixed.new).entries}
    assert entries["column", "users.phone"].description == "TODO: describe"
    assert entries["env", "SMTP_HOST"].section == "Configuration & State"
    assert entries["config_file", "backend/analytics.db"].line == 54


def test_fixing_twice_adds_nothing() -> None:
    findings = [undocumented("table", "invoices"), undocumented("env", "SMTP_HOST")]
    once = fix_text(reference(), findings)
    twice = fix_text(once.new, findings)
    assert once.changed
    assert not twice.changed
    assert twice.stubs == ()


def test_objects_the_inventory_covers_get_no_stub() -> None:
    findings = [
        undocumented("column", "system_preferences.password_min_length"),
        undocumented("path", "storage/media/2026/a.mp3"),
        undocumented("config_file", "backend/.env.local"),
        undocumented("env", "TURNSTILE_SITE_KEY"),
        undocumented("table", "users"),
        undocumented("database", "backend/selenite.db"),
    ]
    assert not fix_text(reference(), findings).changed


def test_only_fixable_codes_and_kinds_count() -> None:
    findings = [
        undocumented("table", "invoices", code="MIG107"),
        undocumented("index", "ix_users_email", code="INV101"),
    ]
    assert not fix_text(reference(), findings).changed


def test_crlf_bom_bytes_change_only_by_inserted_lines() -> None:
    data = b"\xef\xbb\xbf" + reference().replace("\n", "\r\n").encode("utf-8")
    fixed = fix_bytes(data, [undocumented("column", "users.phone")])
    marker = b"- `users.last_seen_at`: idle-session tracking for timeout enforcement.\r\n"
    expected = data.replace(marker, marker + b"- `users.phone`: TODO: describe\r\n")
    assert fixed.new == expected
    assert fixed.new.startswith(b"\xef\xbb\xbf# Data Inventory")
    assert fix_bytes(fixed.new, [undocumented("column", "users.phone")]).new == fixed.new


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"],
)
def test_utf16_and_utf32_are_written_back_in_their_own_encoding(bom: bytes, codec: str) -> None:
    text = reference().replace("\n", "\r\n")
    fixed = fix_bytes(bom + text.encode(codec), [undocumented("column", "users.phone")])
    marker = "- `users.last_seen_at`: idle-session tracking for timeout enforcement.\r\n"
    expected = text.replace(marker, marker + "- `users.phone`: TODO: describe\r\n")
    assert fixed.new == bom + expected.encode(codec)
    assert [stub.key for stub in fixed.stubs] == ["users.phone"]


def test_a_lone_surrogate_in_utf16_survives() -> None:
    data = codecs.BOM_UTF16_LE + "## Database\n- `users`: a \ud800 b.\n".encode(
        "utf-16-le", errors="surrogatepass"
    )
    fixed = fix_bytes(data, [undocumented("table", "invoices")])
    stub = "- `invoices`: TODO: describe\n".encode("utf-16-le")
    assert fixed.new == data + stub


def test_undecodable_bytes_survive() -> None:
    data = reference().encode("utf-8").replace(b"export metadata", b"export \xff\xfe metadata")
    fixed = fix_bytes(data, [undocumented("table", "invoices")])
    assert b"export \xff\xfe metadata" in fixed.new
    assert fixed.new.replace(b"- `invoices`: TODO: describe\n", b"") == data


def test_unchanged_bytes_are_returned_as_they_were() -> None:
    data = b"\xef\xbb\xbf# Inventory\r\n"
    fixed = fix_bytes(data, [])
    assert fixed.new is data
    assert not fixed.changed


def test_no_final_newline_stays_so() -> None:
    text = "## Database\n- `users`: accounts"
    fixed = fix_text(text, [undocumented("table", "invoices")])
    assert fixed.new == "## Database\n- `users`: accounts\n- `invoices`: TODO: describe"


def test_missing_sections_are_created_in_the_reference_layout() -> None:
    text = "# Inventory\n\n## Invariants\n- Keep data.\n\n## Storage Paths\n- `logs/`: logs\n"
    fixed = fix_text(
        text,
        [
            undocumented("table", "invoices"),
            undocumented("env", "SMTP_HOST"),
            undocumented("column", "users.phone"),
        ],
    )
    assert fixed.new == (
        "# Inventory\n\n## Invariants\n- Keep data.\n\n"
        "## Database\n\n- `invoices`: TODO: describe\n- `users.phone`: TODO: describe\n\n"
        "## Storage Paths\n- `logs/`: logs\n\n"
        "## Configuration & State\n\n- `SMTP_HOST`: TODO: describe\n"
    )
    assert {s.kind for s in parse_inventory(fixed.new).sections if s.kind} == {
        "schema",
        "paths",
        "configuration",
    }


def test_an_empty_inventory_gets_sections() -> None:
    fixed = fix_text("", [undocumented("path", "storage/x/")])
    assert fixed.new == "## Storage Paths\n\n- `storage/x/`: TODO: describe\n"


def test_a_section_with_only_a_paragraph_gets_a_list_after_a_gap() -> None:
    text = "## Database\n**Primary DB**: `app.db`\n\n## Rollback\n- restore\n"
    fixed = fix_text(text, [undocumented("table", "invoices")])
    assert fixed.new == (
        "## Database\n**Primary DB**: `app.db`\n\n- `invoices`: TODO: describe\n\n"
        "## Rollback\n- restore\n"
    )


def test_an_empty_section_gets_the_stub_under_its_heading() -> None:
    fixed = fix_text("## Configuration\n\n## Other\n", [undocumented("env", "A_B")])
    assert fixed.new == "## Configuration\n- `A_B`: TODO: describe\n\n## Other\n"


def test_stub_follows_the_bullet_of_the_list() -> None:
    text = "## Tables\n* `users`: accounts\n* `jobs`: work\n"
    fixed = fix_text(text, [undocumented("column", "users.phone")])
    assert fixed.new == (
        "## Tables\n* `users`: accounts\n* `users.phone`: TODO: describe\n* `jobs`: work\n"
    )


def test_column_stub_goes_after_a_nested_entry_list() -> None:
    text = "## Database\n- `users`: accounts\n  - nested detail\n- `jobs`: work\n"
    fixed = fix_text(text, [undocumented("column", "users.phone")])
    assert inserted(fixed.old, fixed.new) == [(4, "- `users.phone`: TODO: describe\n")]


def test_configured_section_names_are_honoured() -> None:
    text = "## Where things live\n- `logs/`: logs\n"
    fixed = fix_text(
        text, [undocumented("path", "storage/x/")], sections={"where things live": "paths"}
    )
    assert fixed.new == "## Where things live\n- `logs/`: logs\n- `storage/x/`: TODO: describe\n"


@pytest.mark.parametrize(
    ("kind", "name", "reason"),
    [
        ("column", "users.a`|<img src=x onerror=alert(1)>", "backtick"),
        ("env", "BAD\nNAME", "line break"),
        ("table", " padded", "surrounding spaces"),
        ("table", "two words", "would not read it back"),
    ],
)
def test_names_that_cannot_be_keys_are_skipped(kind: ObjectKind, name: str, reason: str) -> None:
    fixed = fix_text(reference(), [undocumented(kind, name), undocumented("table", "invoices")])
    assert [s.key for s in fixed.stubs] == ["invoices"]
    assert len(fixed.skipped) == 1
    assert fixed.skipped[0].object_name == name
    assert reason in fixed.skipped[0].reason


def test_diff_of_an_insertion(tmp_path: Path) -> None:
    old = reference()
    new = fix_text(old, [undocumented("table", "invoices")]).new
    diff = unified_diff(old, new, "DATA_INVENTORY.md")
    assert diff.startswith(
        "diff --git a/DATA_INVENTORY.md b/DATA_INVENTORY.md\n"
        "--- a/DATA_INVENTORY.md\n+++ b/DATA_INVENTORY.md\n@@ -29,6 +29,7 @@\n"
    )
    assert unified_diff(old, old, "DATA_INVENTORY.md") == ""


@pytest.mark.parametrize(
    "old",
    [
        pytest.param("## Database\n- `users`: accounts", id="no-final-newline"),
        pytest.param("## Database\r\n- `users`: accounts\r\n\r\n## Other\r\n", id="crlf"),
        pytest.param("", id="empty"),
        pytest.param("Intro\n\n## Paths\n- `logs/`: l\n", id="new-section"),
    ],
)
def test_git_apply_accepts_the_diff(tmp_path: Path, old: str) -> None:
    """`git apply` is the judge: the diff turns the old bytes into the new ones exactly."""
    findings = [undocumented("table", "invoices"), undocumented("env", "SMTP_HOST")]
    new = fix_text(old, findings).new
    (tmp_path / "DATA_INVENTORY.md").write_bytes(old.encode())
    patch = tmp_path / "fix.patch"
    patch.write_bytes(unified_diff(old, new, "DATA_INVENTORY.md").encode())
    subprocess.run(
        ["git", "apply", "--unsafe-paths", str(patch)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent), "PATH": "/usr/bin:/bin"},
    )
    assert (tmp_path / "DATA_INVENTORY.md").read_bytes() == new.encode()


def test_paths_that_git_quotes_are_quoted() -> None:
    diff = unified_diff("a\n", "a\nb\n", 'docs/my "inv"\\.md')
    assert diff.splitlines()[1] == '--- "a/docs/my \\"inv\\"\\\\.md"'


_READ_BACK_CASES = [
    reference(),
    "# Data Inventory\n\n## Database (SQLite)\n- `users`: accounts.\n  - `users.email`: address.\n",
    "# Inventory\n\nIntro prose.\n\n## Configuration & State\n\n**Primary DB**: `db.sqlite3`\n",
    "# Inventory\n\n## Storage Paths\n- `storage/`: files.\n\n# Appendix\n\n- `not/an/entry`\n",
    "## Database\r\n- `orders`: sales.\r\n## Notes\r\n- `x`: y\r\n",
    "# Inventory\n\n## Storage Paths\n- `media/`: uploads.\n<!-- more -->\n\n"
    "## Invariants\n- Migrations are additive.\n\n## Database (SQLite)\n- `users`: accounts.",
    "# Inventory\n\nNothing yet.\n",
]
_READ_BACK_WANTS = [
    ("table", "invoices"),
    ("column", "users.last_seen_at"),
    ("column", "orders.total"),
    ("env", "NEW_SETTING"),
    ("path", "storage/exports/"),
    ("config_file", "config/app.toml"),
    ("table", "a b"),
    ("table", "café"),
]


@pytest.mark.parametrize("text", _READ_BACK_CASES)
def test_stubs_read_from_their_lines_as_a_whole_parse_reads_them(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fix_text reads back only the stub lines of a plain patched inventory; a whole parse
    # (what it does for any other inventory) must decide the same stubs, lines and sections.
    from selenite_inventory_lint.inventory import fix

    findings = [undocumented(kind, name) for kind, name in _READ_BACK_WANTS]  # type: ignore[arg-type]
    fast = fix_text(text, findings)
    monkeypatch.setattr(fix, "read_lines", lambda *_args, **_kwargs: None)
    whole = fix_text(text, findings)
    assert fast == whole
    assert fast.stubs
