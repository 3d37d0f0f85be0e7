from __future__ import annotations

from pathlib import Path

import pytest

from selenite_inventory_lint.inventory.parse import Inventory, parse_inventory, section_kind
from selenite_inventory_lint.inventory.text import is_placeholder
from selenite_inventory_lint.model import Entry, Section, SectionKind

REFERENCE = (Path(__file__).parent / "fixtures" / "reference.md").read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def reference() -> Inventory:
    return parse_inventory(REFERENCE)


def _rows(inventory: Inventory, *kinds: str) -> list[tuple[str, str, int]]:
    return [(e.kind, e.key, e.line) for e in inventory.entries if e.kind in kinds]


def _problems(inventory: Inventory) -> list[tuple[str, int]]:
    return [(p.code, p.line) for p in inventory.problems]


SP = "system_preferences"
REFERENCE_SCHEMA = [
    ("table", "users", 16),
    ("column", "users.last_seen_at", 17),
    ("table", "user_settings", 18),
    ("table", "jobs", 19),
    ("table", "transcripts", 20),
    ("table", "tags", 21),
    ("table", "job_tags", 21),
    ("table", "feedback_submissions", 22),
    ("table", "feedback_attachments", 23),
    ("table", "audit_logs", 24),
    ("table", "model_providers", 25),
    ("table", "model_sets", 25),
    ("table", "model_entries", 25),
    ("table", "system_preferences", 26),
    ("table", "settings", 26),
    ("column", f"{SP}.session_timeout_minutes", 27),
    ("column", f"{SP}.allow_self_signup", 28),
    ("column", f"{SP}.require_signup_verification", 28),
    ("column", f"{SP}.require_signup_captcha", 28),
    ("column", f"{SP}.signup_captcha_provider", 29),
    ("column", f"{SP}.signup_captcha_site_key", 29),
    ("column", f"{SP}.password_min_length", 30),
    ("column", f"{SP}.password_require_uppercase", 30),
    ("column", f"{SP}.password_require_lowercase", 30),
    ("column", f"{SP}.password_require_number", 30),
    ("column", f"{SP}.password_require_special", 30),
    ("column", f"{SP}.auth_token_not_before", 31),
]
REFERENCE_PATHS = [
    ("path", "storage/media/", 34),
    ("path", "storage/transcripts/", 35),
    ("path", "storage/exports/", 36),
    ("path", "storage/feedback/", 37),
    ("path", "storage/backups/", 38),
    ("path", "logs/", 39),
    ("path", "backend/models/", 40),
]
REFERENCE_CONFIGURATION = [
    ("config_file", ".env*", 43),
    ("config_file", ".workspace-role", 44),
    ("config_file", ".workspace-state.json", 45),
    ("env", "TURNSTILE_SITE_KEY", 46),
    ("env", "TURNSTILE_SECRET_KEY", 47),
    ("env", "RESEND_API_KEY", 48),
]


# --- the reference inventory ------------------------------------------------------------------


def test_reference_schema_has_14_tables_and_13_columns_in_order(reference: Inventory) -> None:
    rows = _rows(reference, "table", "column")
    assert rows == REFERENCE_SCHEMA
    assert sum(kind == "table" for kind, _, _ in rows) == 14
    assert sum(kind == "column" for kind, _, _ in rows) == 13


def test_reference_primary_db_is_the_database_entry(reference: Inventory) -> None:
    assert _rows(reference, "database") == [("database", "backend/selenite.db", 13)]
    (database,) = reference.databases
    assert (database.column, database.description) == (17, "Primary DB")


def test_reference_storage_paths(reference: Inventory) -> None:
    assert _rows(reference, "path") == REFERENCE_PATHS


def test_reference_configuration_files_and_env_vars(reference: Inventory) -> None:
    assert _rows(reference, "config_file", "env") == REFERENCE_CONFIGURATION


def test_reference_has_all_entries_in_document_order_and_no_problems(
    reference: Inventory,
) -> None:
    expected = [
        ("database", "backend/selenite.db", 13),
        *REFERENCE_SCHEMA,
        *REFERENCE_PATHS,
        *REFERENCE_CONFIGURATION,
    ]
    assert _rows(reference, "database", "table", "column", "path", "config_file", "env") == expected
    assert len(reference.entries) == 1 + 27 + 7 + 6
    assert reference.problems == ()


def test_reference_prose_backticks_are_not_keys(reference: Inventory) -> None:
    keys = {e.key for e in reference.entries}
    assert not keys & {"/auth/signup", "turnstile", "require_signup_captcha"}
    # `.env*` is also prose in "Rollback Expectations" (line 60): only the line-43 entry exists.
    assert [e.line for e in reference.entries if e.key == ".env*"] == [43]


@pytest.mark.parametrize(
    ("key", "column"),
    [
        ("users", 3),
        ("job_tags", 11),
        ("model_entries", 36),
        (f"{SP}.require_signup_verification", 43),
        (f"{SP}.password_require_special", 132),
        ("TURNSTILE_SITE_KEY", 3),
    ],
)
def test_reference_entry_column_is_its_key_backtick(
    reference: Inventory, key: str, column: int
) -> None:
    (entry,) = (e for e in reference.entries if e.key == key)
    assert entry.column == column


@pytest.mark.parametrize(
    ("key", "description"),
    [
        ("users", "accounts, admin flags, login identity."),
        (
            f"{SP}.signup_captcha_site_key",
            "CAPTCHA provider/site-key used by /auth/signup and admin UI; provider currently"
            " turnstile only.",
        ),
        ("storage/media/", "uploaded source media"),
        (
            "TURNSTILE_SITE_KEY",
            "required when require_signup_captcha is true and provider is turnstile",
        ),
        ("RESEND_API_KEY", "optional; email delivery for future verification flows"),
    ],
)
def test_reference_descriptions_render_inline_code_as_text(
    reference: Inventory, key: str, description: str
) -> None:
    (entry,) = (e for e in reference.entries if e.key == key)
    assert entry.description == description


def test_reference_sections_with_kinds_and_line_ranges(reference: Inventory) -> None:
    assert reference.sections == (
        Section(heading="Invariants", kind=None, line=7, end_line=11),
        Section(heading="Database (SQLite)", kind="schema", line=12, end_line=32),
        Section(heading="Storage Paths", kind="paths", line=33, end_line=41),
        Section(heading="Configuration & State", kind="configuration", line=42, end_line=49),
        Section(heading="Required Updates (When Changing Data)", kind=None, line=50, end_line=55),
        Section(heading="Rollback Expectations", kind=None, line=56, end_line=61),
    )
    assert {e.section for e in reference.entries} == {
        "Database (SQLite)",
        "Storage Paths",
        "Configuration & State",
    }


@pytest.mark.parametrize(
    ("heading", "last_entry", "insert_after"),
    [
        ("Invariants", None, 10),
        ("Database (SQLite)", 31, 31),
        ("Storage Paths", 40, 40),
        ("Configuration & State", 48, 48),
        ("Rollback Expectations", None, 61),
    ],
)
def test_reference_last_entry_and_insertion_lines(
    reference: Inventory, heading: str, last_entry: int | None, insert_after: int
) -> None:
    (section,) = (s for s in reference.sections if s.heading == heading)
    assert reference.last_entry_line(section) == last_entry
    assert reference.insertion_line(section) == insert_after


def test_reference_accessors(reference: Inventory) -> None:
    (schema,) = reference.sections_of("schema")
    assert reference.section_at(20) == schema
    assert reference.section_at(3) is None
    assert len(reference.entries_in(schema)) == 28
    assert [e.key for e in reference.of_kind("env")] == [
        "TURNSTILE_SITE_KEY",
        "TURNSTILE_SECRET_KEY",
        "RESEND_API_KEY",
    ]


# --- input variants ---------------------------------------------------------------------------


def _trailing_spaces(text: str) -> str:
    return "".join(line + "   \n" for line in text.split("\n")[:-1])


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(REFERENCE.replace("\n", "\r\n"), id="crlf"),
        pytest.param(REFERENCE.replace("\n", "\r"), id="cr"),
        pytest.param("\ufeff" + REFERENCE, id="bom"),
        pytest.param(REFERENCE.rstrip("\n"), id="no-final-newline"),
        pytest.param(_trailing_spaces(REFERENCE), id="trailing-spaces"),
        pytest.param(
            "\ufeff" + _trailing_spaces(REFERENCE).replace("\n", "\r\n").rstrip("\r\n"),
            id="all-combined",
        ),
    ],
)
def test_line_ending_bom_and_whitespace_variants_give_identical_records(
    reference: Inventory, variant: str
) -> None:
    parsed = parse_inventory(variant)
    assert parsed.entries == reference.entries
    assert parsed.sections == reference.sections
    assert parsed.problems == ()
    assert parsed.entry_ends == reference.entry_ends


def test_nested_lists_grouping_labels_and_elaborations() -> None:
    text = (
        "## Tables\n"  # 1
        "- Core:\n"  # 2: a grouping label, not a problem
        "  - `users`: accounts\n"  # 3
        "    - `users.email`: login\n"  # 4: nested entry under an entry
        "    - retained forever\n"  # 5: elaboration of `users`, not a problem
        "  - `jobs`: work\n"  # 6
        "- `tags`: labels\n"  # 7
        "  continued on a second line\n"  # 8
        "\n"
        "Trailing prose.\n"  # 10
    )
    inventory = parse_inventory(text)
    assert _rows(inventory, "table", "column") == [
        ("table", "users", 3),
        ("column", "users.email", 4),
        ("table", "jobs", 6),
        ("table", "tags", 7),
    ]
    assert [e.column for e in inventory.entries] == [5, 7, 5, 3]
    assert inventory.entries[-1].description == "labels continued on a second line"
    assert inventory.problems == ()
    # Insertion goes after the whole outermost item, never inside the nested list.
    assert inventory.entry_ends == (6, 6, 6, 8)
    assert inventory.insertion_line(inventory.sections[0]) == 8


def test_keys_wrapped_onto_the_next_line_keep_their_own_line_and_column() -> None:
    text = "## Schema\n- `tags`,\n  `job_tags`: tag catalog\n"
    assert [(e.key, e.line, e.column) for e in parse_inventory(text).entries] == [
        ("tags", 2, 3),
        ("job_tags", 3, 3),
    ]


def test_deeper_headings_belong_to_the_enclosing_section() -> None:
    text = "## Database\n### Auth tables\n- `users`: accounts\n#### Jobs\n- `jobs`: work\n"
    inventory = parse_inventory(text)
    assert [s.heading for s in inventory.sections] == ["Database"]
    assert _rows(inventory, "table") == [("table", "users", 3), ("table", "jobs", 5)]


def test_level_one_heading_and_setext_level_two_heading_bound_sections() -> None:
    text = (
        "## Paths\n- `storage/`: data\n\n# Appendix\n- `ignored/`: outside any section\n\n"
        "Tables\n------\n- `users`: accounts\n"
    )
    inventory = parse_inventory(text)
    assert inventory.sections == (
        Section(heading="Paths", kind="paths", line=1, end_line=3),
        Section(heading="Tables", kind="schema", line=7, end_line=9),
    )
    assert _rows(inventory, "path", "table") == [("path", "storage/", 2), ("table", "users", 9)]


def test_list_like_lines_in_a_fenced_code_block_are_not_entries() -> None:
    text = "## Tables\n```\n- `users`: accounts\n- not an entry\n```\n- `jobs`: work\n"
    inventory = parse_inventory(text)
    assert _rows(inventory, "table") == [("table", "jobs", 6)]
    assert inventory.problems == ()


def test_empty_document_and_document_without_sections() -> None:
    assert parse_inventory("") == Inventory(
        path="DATA_INVENTORY.md", entries=(), sections=(), problems=()
    )
    inventory = parse_inventory("# Inventory\n- `users`: accounts\n")
    assert (inventory.entries, inventory.sections, inventory.problems) == ((), (), ())


# --- key grammar ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        pytest.param(
            "`tags`, `job_tags`: x", [("table", "tags"), ("table", "job_tags")], id="tables"
        ),
        pytest.param(
            "`t.a`, `b`, `c`: x",
            [("column", "t.a"), ("column", "t.b"), ("column", "t.c")],
            id="first-column-makes-bare-keys-columns",
        ),
        pytest.param("`audit_logs.*`: x", [("column", "audit_logs.*")], id="table-star"),
        pytest.param(
            "`t.a`, `*`: x", [("column", "t.a"), ("column", "t.*")], id="bare-star-after-column"
        ),
        pytest.param(
            "`t.a`, `u.b`, `c`: x",
            [("column", "t.a"), ("column", "u.b"), ("column", "t.c")],
            id="dotted-later-keys-stand-alone",
        ),
        pytest.param(
            "`users`, `jobs.state`: x",
            [("table", "users"), ("column", "jobs.state")],
            id="table-then-column",
        ),
        pytest.param("`Users`: x", [("table", "Users")], id="case-kept-as-written"),
    ],
)
def test_schema_key_expansion(item: str, expected: list[tuple[str, str]]) -> None:
    inventory = parse_inventory(f"## Schema\n- {item}\n")
    assert [(e.kind, e.key) for e in inventory.entries] == expected
    assert inventory.problems == ()


@pytest.mark.parametrize(
    ("key", "kind", "expanded"),
    [
        ("TURNSTILE_SITE_KEY", "env", "TURNSTILE_SITE_KEY"),
        ("TURNSTILE_*", "env", "TURNSTILE_*"),
        ("*_API_KEY", "env", "*_API_KEY"),
        ("S3", "env", "S3"),
        ("api_key", "config_file", "api_key"),
        ("Turnstile_Key", "config_file", "Turnstile_Key"),
        (".env*", "config_file", ".env*"),
        ("./.workspace-role", "config_file", ".workspace-role"),
        ("config/app.yaml", "config_file", "config/app.yaml"),
        ("*", "config_file", "*"),
    ],
)
def test_configuration_key_is_env_var_or_config_file(key: str, kind: str, expanded: str) -> None:
    inventory = parse_inventory(f"## Configuration\n- `{key}`: x\n")
    assert [(e.kind, e.key) for e in inventory.entries] == [(kind, expanded)]


@pytest.mark.parametrize(
    ("key", "expanded"),
    [("./storage/media/", "storage/media/"), ("storage/*.db", "storage/*.db"), ("logs", "logs")],
)
def test_paths_keys_are_normalised_paths(key: str, expanded: str) -> None:
    inventory = parse_inventory(f"## Storage\n- `{key}` (data)\n")
    assert _rows(inventory, "path") == [("path", expanded, 2)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("## Database\n**Primary DB**: `./data/app.db`\n", id="paragraph"),
        pytest.param("## Database\n- **Primary DB**: `data/app.db`\n", id="list-item"),
        pytest.param("## Database\n**Primary DB:** `data/app.db`\n", id="colon-inside-bold"),
        pytest.param("## Storage\n**Database**: `data/app.db`\n", id="other-entry-section"),
    ],
)
def test_bold_database_label_records_a_database_file(text: str) -> None:
    inventory = parse_inventory(text)
    assert _rows(inventory, "database") == [("database", "data/app.db", 2)]
    assert inventory.problems == ()


def test_each_line_of_a_paragraph_may_open_its_own_database_label() -> None:
    text = (
        "## Database\n"
        "Files:\n"  # 2: prose before the first label is ignored
        "**Primary DB**: `app.db`\n"  # 3
        "**Replica DB**: `replica.db` — read\n"  # 4
        "replica for reports\n"  # 5: continues the line-4 description
    )
    inventory = parse_inventory(text)
    assert [(e.key, e.line, e.column, e.description) for e in inventory.databases] == [
        ("app.db", 3, 17, "Primary DB"),
        ("replica.db", 4, 17, "Replica DB: read replica for reports"),
    ]
    assert inventory.entry_ends == (5, 5)


def test_bold_label_that_is_not_a_database_is_not_an_entry() -> None:
    text = "## Database\n**Engine**: `sqlite`\n\n**Primary DB** `x.db`\n\n- **Note**: `x`\n"
    inventory = parse_inventory(text)
    assert inventory.entries == ()
    assert _problems(inventory) == [("INV302", 6)]


def test_bold_database_label_with_trailing_text_keeps_both_in_the_description() -> None:
    (entry,) = parse_inventory("## DB\n**Primary DB**: `app.db` (WAL mode)\n").entries
    assert entry.description == "Primary DB: WAL mode"


# --- descriptions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "description"),
    [
        ("`x`: accounts", "accounts"),
        ("`x` : spaced colon", "spaced colon"),
        ("`x` (uploads) kept 30 days", "uploads kept 30 days"),
        ("`x` (legacy): still read", "legacy still read"),
        ("`x` (legacy) — still read", "legacy still read"),
        ("`x` (uploads) for re-import - see docs", "uploads for re-import - see docs"),
        ("`x` (a (nested) note)", "a (nested) note"),
        ("`x` (unclosed note", "unclosed note"),
        ("`x` — em dash", "em dash"),
        ("`x` \u2013 en dash", "en dash"),
        ("`x` - hyphen", "hyphen"),
        ("`x`: uses `y` and *emphasis*", "uses y and emphasis"),
        ("`x`: see ![the diagram](d.png) and <br> [docs](d.md)", "see the diagram and docs"),
        ("`x`:   lots    of\n  space", "lots of space"),
        ("`x`", ""),
    ],
)
def test_description_after_each_separator(item: str, description: str) -> None:
    inventory = parse_inventory(f"## Paths\n- {item}\n")
    assert [e.description for e in inventory.entries] == [description]
    assert inventory.problems == ()


def test_keys_without_separator_are_an_entry_and_an_inv302() -> None:
    inventory = parse_inventory("## Tables\n- `users` holds accounts\n")
    assert [(e.key, e.description) for e in inventory.entries] == [("users", "holds accounts")]
    (problem,) = inventory.problems
    assert (problem.code, problem.line, problem.column) == ("INV302", 2, 3)
    assert "':'" in problem.message


@pytest.mark.parametrize(
    "item",
    ["`x`: TODO", "`x`:", "`x` (TBD)", "`x` — ...", "`x`: TODO: describe", "`x`", "`x`: …"],
)
def test_placeholder_entries_parse_and_are_detected(item: str) -> None:
    (entry,) = parse_inventory(f"## Tables\n- {item}\n").entries
    assert is_placeholder(entry.description)


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("", True),
        ("   ", True),
        ("TODO", True),
        ("TODO.", True),
        ("TODO: describe", True),
        ("TODO(alice): fill in", True),
        ("TODO — later", True),
        ("TBD", True),
        ("(TBD)", True),
        ("[FIXME]", True),
        ("XXX", True),
        ("...", True),
        ("…", True),
        ("Todo list items", False),
        ("todo", False),
        ("TODOS are tracked elsewhere", False),
        ("TBD-compliant storage", False),
        ("accounts ...", False),
        ("N/A: derived at runtime", False),
    ],
)
def test_is_placeholder(description: str, expected: bool) -> None:
    assert is_placeholder(description) is expected


# --- INV302 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line"),
    [
        pytest.param("- `users`: accounts\n- users: accounts\n", 3, id="no-backticks"),
        pytest.param("- `users`: accounts\n* plain prose bullet\n", 3, id="prose-bullet"),
        pytest.param("- See [users](#users): accounts\n", 2, id="link-first"),
        pytest.param("-\n", 2, id="empty-item"),
        pytest.param("- ``: nothing\n", 2, id="empty-backticks"),
        pytest.param("- Core:\n  - just words\n", 3, id="keyless-leaf-under-label"),
        pytest.param("1. numbered prose\n", 2, id="ordered-list"),
    ],
)
def test_unparseable_list_item_reports_inv302_with_its_line(body: str, line: int) -> None:
    inventory = parse_inventory("## Tables\n" + body)
    assert _problems(inventory) == [("INV302", line)]
    assert inventory.problems[0].path == "DATA_INVENTORY.md"


@pytest.mark.parametrize(
    ("section", "item", "column"),
    [
        ("Tables", "`a b c`: spaces", 3),
        ("Tables", "` `: blank key", 3),
        ("Tables", "`users`, `bad key`: second key only", 12),
        ("Tables", "`backend/app.db`: a path", 3),
        ("Tables", "`1users`: leading digit", 3),
        ("Storage", "`../outside/`: escapes the repo", 3),
        ("Storage", "`./`: nothing left", 3),
        ("Configuration", "` `: blank", 3),
    ],
)
def test_invalid_key_for_its_section_reports_inv302_at_the_key(
    section: str, item: str, column: int
) -> None:
    inventory = parse_inventory(f"## {section}\n- {item}\n", path="docs/INV.md")
    (problem,) = inventory.problems
    assert (problem.code, problem.path, problem.line, problem.column) == (
        "INV302",
        "docs/INV.md",
        2,
        column,
    )


def test_valid_keys_of_an_item_with_one_invalid_key_still_count() -> None:
    inventory = parse_inventory("## Tables\n- `users`, `bad key`: accounts\n")
    assert _rows(inventory, "table") == [("table", "users", 2)]


def test_duplicate_entry_reports_inv302_on_the_later_line_and_keeps_both() -> None:
    text = "## Tables\n- `users`: accounts\n- `jobs`: work\n- `Users`: again\n- `jobs`, `jobs`: x\n"
    inventory = parse_inventory(text)
    assert _rows(inventory, "table") == [
        ("table", "users", 2),
        ("table", "jobs", 3),
        ("table", "Users", 4),
        ("table", "jobs", 5),
        ("table", "jobs", 5),
    ]
    assert [(p.line, p.column, p.message) for p in inventory.problems] == [
        (4, 3, "duplicate entry for table Users (first at line 2)"),
        (5, 3, "duplicate entry for table jobs (first at line 3)"),
        (5, 11, "duplicate entry for table jobs (first at line 3)"),
    ]


def test_same_key_of_different_kinds_is_not_a_duplicate() -> None:
    text = "## Paths\n- `data/app.db`: files\n## Database\n**Primary DB**: `data/app.db`\n"
    assert parse_inventory(text).problems == ()


def test_list_items_in_sections_without_kind_are_ignored() -> None:
    text = "## Invariants\n- plain prose\n- `users`: not an entry here\n"
    inventory = parse_inventory(text)
    assert (inventory.entries, inventory.problems) == ((), ())


# --- section kinds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Database (SQLite)", "schema"),
        ("Key Tables", "schema"),
        ("Schemas", "schema"),
        ("DB", "schema"),
        ("Storage Paths", "paths"),
        ("Directories", "paths"),
        ("Data Directory", "paths"),
        ("Configuration & State", "configuration"),
        ("Secrets", "configuration"),
        ("Environment", "configuration"),
        ("Env vars", "configuration"),
        ("SETTINGS", "configuration"),
        ("Database Settings", "schema"),
        ("State Directory", "paths"),
        ("Invariants", None),
        ("Required Updates (When Changing Data)", None),
        ("Rollback Expectations", None),
        ("Problem Statement", None),
        ("Tablespaces", None),
    ],
)
def test_section_kind_from_heading_words(heading: str, kind: str | None) -> None:
    assert section_kind(heading) == kind


def test_heading_with_inline_code_and_emphasis_is_read_as_plain_text() -> None:
    inventory = parse_inventory("## `storage/` *paths*\n- `storage/`: data\n")
    assert [(s.heading, s.kind) for s in inventory.sections] == [("storage/ paths", "paths")]


def test_section_kind_override_wins_over_heading_words() -> None:
    overrides: dict[str, SectionKind | None] = {
        "storage paths": None,
        "  rollback   EXPECTATIONS ": "paths",
    }
    assert section_kind("Storage Paths", overrides) is None
    assert section_kind("Rollback Expectations", overrides) == "paths"
    assert section_kind("Secrets", overrides) == "configuration"


def test_section_overrides_change_what_the_parser_reads() -> None:
    overrides: dict[str, SectionKind | None] = {
        "storage paths": None,
        "rollback expectations": "configuration",
    }
    inventory = parse_inventory(REFERENCE, sections=overrides)
    assert _rows(inventory, "path") == []
    assert [s.kind for s in inventory.sections if s.heading == "Rollback Expectations"] == [
        "configuration"
    ]
    # Its bullets are prose (the `.env*` on line 60 is mid-sentence): INV302 now that the
    # section holds entries, and no entry.
    assert [e for e in inventory.entries if e.line > 55] == []
    assert _problems(inventory) == [("INV302", line) for line in range(57, 62)]


@pytest.mark.parametrize(
    ("heading", "item", "kind"),
    [
        ("Directories", "`uploads/`: user files", "path"),
        ("Secrets", "`STRIPE_SECRET_KEY`: payments", "env"),
        ("Secrets", "`secrets/prod.json`: vault export", "config_file"),
        ("Environment", "`DATABASE_URL` (connection string)", "env"),
    ],
)
def test_parse_sections_named_directories_secrets_environment(
    heading: str, item: str, kind: str
) -> None:
    inventory = parse_inventory(f"# Inventory\n\n## {heading}\n\n- {item}\n")
    assert [(e.kind, e.line, e.section) for e in inventory.entries] == [(kind, 5, heading)]
    assert [(s.line, s.end_line) for s in inventory.sections] == [(3, 5)]


def test_insertion_line_of_a_section_without_entries_is_its_last_nonblank_line() -> None:
    text = "## Tables\n\nNone yet.\n\n\n## Paths\n"
    inventory = parse_inventory(text)
    tables, paths = inventory.sections
    assert (tables.end_line, inventory.insertion_line(tables)) == (5, 3)
    assert (paths.end_line, inventory.insertion_line(paths)) == (6, 6)
    assert inventory.last_entry_line(tables) is None


def test_hand_built_inventory_without_line_tables_falls_back_to_entry_and_heading_lines() -> None:
    section = Section(heading="Tables", kind="schema", line=1, end_line=9)
    entry = Entry(kind="table", key="users", line=3, description="d", section="Tables")
    inventory = Inventory(path="INV.md", entries=(entry,), sections=(section,), problems=())
    assert inventory.insertion_line(section) == 3
    empty = Inventory(path="INV.md", entries=(), sections=(), problems=())
    assert empty.insertion_line(section) == 1


def test_entries_under_a_heading_that_names_no_kind_are_reported_once() -> None:
    text = "## Runtime knobs\n- `WORKER_COUNT`: workers.\n- `QUEUE_URL`: broker.\n- prose\n"
    inventory = parse_inventory(text)
    assert inventory.entries == ()
    assert [(p.code, p.line) for p in inventory.problems] == [("INV302", 1)]
    assert "2 items that read as entries" in inventory.problems[0].message


def test_a_mapped_heading_is_not_reported() -> None:
    text = "## Runtime knobs\n- `WORKER_COUNT`: workers.\n"
    assert parse_inventory(text, sections={"runtime knobs": None}).problems == ()
    mapped = parse_inventory(text, sections={"Runtime Knobs": "configuration"})
    assert [e.key for e in mapped.entries] == ["WORKER_COUNT"]
