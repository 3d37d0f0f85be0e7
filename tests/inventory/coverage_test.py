from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selenite_inventory_lint import globs
from selenite_inventory_lint.inventory.coverage import Coverage
from selenite_inventory_lint.inventory.parse import Inventory, parse_inventory
from selenite_inventory_lint.model import Entry, EntryKind

REFERENCE = (Path(__file__).parent / "fixtures" / "reference.md").read_bytes().decode("utf-8")

EXTRA = """\
## Schema
- `audit_logs.*`: every audit column.
- `users.*`: every user column.

## Storage
- `storage/`: all application data.
- `storage/media/`: uploads.
- `cache/*.bin` (binary caches)
- `reports/[0-9][0-9][0-9][0-9]/` (yearly reports)
- `exports/latest.zip`: newest export.
- `thumbs.db`: any-depth file.
- `**/tmp/` (scratch)

## Configuration
- `config/app.yaml`: anchored config.
- `settings.toml`: any-depth config.
- `.workspace-*`: workspace markers.
- `*_API_KEY`: third-party keys.
- `DATABASE_URL`: connection string.

## Database
**Primary DB**: `backend/selenite.db`
**Analytics DB**: `data/*.sqlite`
"""


@pytest.fixture(scope="module")
def reference() -> Coverage:
    return Coverage(parse_inventory(REFERENCE))


@pytest.fixture(scope="module")
def extra() -> Coverage:
    return Coverage(parse_inventory(EXTRA))


def _key(entry: Entry | None) -> str | None:
    return None if entry is None else entry.key


# --- tables and columns -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("users", "users"),
        ("USERS", "users"),
        ("job_tags", "job_tags"),
        ("settings", "settings"),
        ("users_archive", None),
        ("user", None),
        ("last_seen_at", None),
    ],
)
def test_table_is_covered_by_its_entry_case_insensitively(
    reference: Coverage, name: str, key: str | None
) -> None:
    assert _key(reference.table(name)) == key


@pytest.mark.parametrize(
    ("table", "column", "key"),
    [
        ("users", "last_seen_at", "users.last_seen_at"),
        ("Users", "LAST_SEEN_AT", "users.last_seen_at"),
        (
            "system_preferences",
            "require_signup_verification",
            "system_preferences.require_signup_verification",
        ),
        ("users", "email", None),
        ("jobs", "state", None),
        ("system_preferences", "nonexistent", None),
    ],
)
def test_column_is_covered_by_its_t_c_entry_not_by_the_table_entry(
    reference: Coverage, table: str, column: str, key: str | None
) -> None:
    assert _key(reference.column(table, column)) == key


@pytest.mark.parametrize(
    ("table", "column", "key"),
    [
        ("audit_logs", "actor_id", "audit_logs.*"),
        ("AUDIT_LOGS", "anything", "audit_logs.*"),
        ("users", "email", "users.*"),
        ("users_archive", "c", None),
        ("user", "email", None),
        ("audit", "logs", None),
    ],
)
def test_column_is_covered_by_a_t_star_entry_of_exactly_that_table(
    extra: Coverage, table: str, column: str, key: str | None
) -> None:
    assert _key(extra.column(table, column)) == key


def test_exact_column_entry_wins_over_t_star() -> None:
    coverage = Coverage(parse_inventory("## Schema\n- `t.*`: all\n- `t.c`: one\n"))
    assert _key(coverage.column("t", "c")) == "t.c"
    assert _key(coverage.column("t", "d")) == "t.*"


SYSTEM_PREFERENCES_COLUMNS = [
    "session_timeout_minutes",
    "allow_self_signup",
    "require_signup_verification",
    "require_signup_captcha",
    "signup_captcha_provider",
    "signup_captcha_site_key",
    "password_min_length",
    "password_require_uppercase",
    "password_require_lowercase",
    "password_require_number",
    "password_require_special",
    "auth_token_not_before",
]


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        ("users", ["users", "users.last_seen_at"]),
        (
            "system_preferences",
            [
                "system_preferences",
                *(f"system_preferences.{c}" for c in SYSTEM_PREFERENCES_COLUMNS),
            ],
        ),
        ("tags", ["tags"]),
        ("missing", []),
    ],
)
def test_entries_for_table_lists_the_table_and_all_its_column_entries(
    reference: Coverage, table: str, keys: list[str]
) -> None:
    assert [e.key for e in reference.entries_for_table(table)] == keys


def test_entries_for_table_includes_t_star_and_duplicates_in_document_order() -> None:
    text = "## Schema\n- `t`: a\n- `t.*`: b\n- `T`: dup\n- `tt`: other\n"
    coverage = Coverage(parse_inventory(text))
    assert [(e.key, e.line) for e in coverage.entries_for_table("t")] == [
        ("t", 2),
        ("t.*", 3),
        ("T", 4),
    ]
    assert _key(coverage.table("t")) == "t"


# --- storage paths ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        pytest.param("storage/media/", "storage/media/", id="directory-itself"),
        pytest.param("storage/media", "storage/media/", id="directory-without-slash"),
        pytest.param("storage/media/x/y.mp3", "storage/media/", id="deep-under-directory"),
        pytest.param("./storage/media/a.mp3", "storage/media/", id="dot-slash-lookup"),
        pytest.param("backend/models/whisper/", "backend/models/", id="nested-anchored-dir"),
        pytest.param("logs/app.log", "logs/", id="top-level-dir"),
        pytest.param("backend/logs/app.log", "logs/", id="unanchored-dir-any-depth"),
        pytest.param("storage2/x", None, id="sibling-prefix-is-not-a-directory"),
        pytest.param("storage/media2/x", None, id="sibling-subdirectory"),
        pytest.param("storage/cache/x", None, id="uncovered-subdirectory"),
        pytest.param("models/x", None, id="anchored-dir-not-at-depth"),
        pytest.param("x/backend/models/y", None, id="anchored-dir-elsewhere"),
        pytest.param("logsx/app.log", None, id="name-prefix"),
    ],
)
def test_reference_path_coverage(reference: Coverage, path: str, key: str | None) -> None:
    assert _key(reference.path(path)) == key


@pytest.mark.parametrize(
    ("path", "key"),
    [
        pytest.param("storage/media/a.mp3", "storage/media/", id="deepest-directory-wins"),
        pytest.param("storage/other/a", "storage/", id="outer-directory"),
        pytest.param("cache/a.bin", "cache/*.bin", id="glob"),
        pytest.param("cache/sub/a.bin", None, id="glob-star-stays-in-one-segment"),
        pytest.param("reports/2026/q1.pdf", "reports/[0-9][0-9][0-9][0-9]/", id="glob-class-dir"),
        pytest.param("reports/20x6/q1.pdf", None, id="glob-class-mismatch"),
        pytest.param("exports/latest.zip", "exports/latest.zip", id="anchored-file-exact"),
        pytest.param("exports/latest.zip/x", None, id="file-key-is-not-a-directory"),
        pytest.param("a/exports/latest.zip", None, id="anchored-file-elsewhere"),
        pytest.param("thumbs.db", "thumbs.db", id="basename-at-root"),
        pytest.param("a/b/thumbs.db", "thumbs.db", id="basename-at-depth"),
        pytest.param("a/b/tmp/x", "**/tmp/", id="double-star-dir"),
    ],
)
def test_path_coverage_exact_directory_and_glob(
    extra: Coverage, path: str, key: str | None
) -> None:
    assert _key(extra.path(path)) == key


def test_exact_path_entry_wins_over_directory_and_glob() -> None:
    text = "## Paths\n- `data/*`: glob\n- `data/`: dir\n- `data/x.csv`: exact\n"
    coverage = Coverage(parse_inventory(text))
    assert _key(coverage.path("data/x.csv")) == "data/x.csv"
    assert _key(coverage.path("data/y.csv")) == "data/"


# --- environment variables --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("TURNSTILE_SITE_KEY", "TURNSTILE_SITE_KEY"),
        ("RESEND_API_KEY", "RESEND_API_KEY"),
        ("turnstile_site_key", None),
        ("TURNSTILE", None),
        ("OTHER_KEY", None),
    ],
)
def test_env_var_exact_and_case_sensitive(reference: Coverage, name: str, key: str | None) -> None:
    assert _key(reference.env(name)) == key


@pytest.mark.parametrize(
    ("text", "name", "key"),
    [
        ("`TURNSTILE_*`", "TURNSTILE_SITE_KEY", "TURNSTILE_*"),
        ("`TURNSTILE_*`", "TURNSTILE_", "TURNSTILE_*"),
        ("`TURNSTILE_*`", "TURNSTILE", None),
        ("`TURNSTILE_*`", "turnstile_site_key", None),
        ("`TURNSTILE_*`", "X_TURNSTILE_KEY", None),
        ("`*_API_KEY`", "STRIPE_API_KEY", "*_API_KEY"),
        ("`*_API_KEY`", "STRIPE_API_KEYS", None),
        ("`DATABASE_URL`, `DATABASE_*`", "DATABASE_URL", "DATABASE_URL"),
    ],
)
def test_env_var_glob(text: str, name: str, key: str | None) -> None:
    coverage = Coverage(parse_inventory(f"## Environment\n- {text}: x\n"))
    assert _key(coverage.env(name)) == key


# --- config/state files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        pytest.param(".env", ".env*", id="glob-at-root"),
        pytest.param("backend/.env.example", ".env*", id="glob-basename-at-depth"),
        pytest.param(".env.production", ".env*", id="glob-suffix"),
        pytest.param("envfile", None, id="glob-needs-the-dot"),
        pytest.param("backend/envfile", None, id="glob-needs-the-dot-at-depth"),
        pytest.param("x.env", None, id="glob-anchored-at-basename-start"),
        pytest.param(".workspace-role", ".workspace-role", id="exact"),
        pytest.param("sub/dir/.workspace-role", ".workspace-role", id="basename-at-any-depth"),
        pytest.param(".workspace-role.bak", None, id="longer-name"),
        pytest.param("x.workspace-state.json", None, id="name-suffix-is-not-a-match"),
    ],
)
def test_reference_config_file_coverage(reference: Coverage, path: str, key: str | None) -> None:
    assert _key(reference.config_file(path)) == key


@pytest.mark.parametrize(
    ("path", "key"),
    [
        pytest.param("config/app.yaml", "config/app.yaml", id="anchored-exact"),
        pytest.param("backend/config/app.yaml", None, id="anchored-key-not-at-depth"),
        pytest.param("settings.toml", "settings.toml", id="basename-root"),
        pytest.param("backend/settings.toml", "settings.toml", id="basename-depth"),
        pytest.param("a/.workspace-state.json", ".workspace-*", id="basename-glob-depth"),
    ],
)
def test_config_file_anchored_versus_basename(extra: Coverage, path: str, key: str | None) -> None:
    assert _key(extra.config_file(path)) == key


def test_kinds_do_not_cover_each_other(reference: Coverage, extra: Coverage) -> None:
    # A path entry does not cover a config file, nor a config-file key an env var.
    assert reference.config_file("storage/media/x") is None
    assert reference.path(".env") is None
    assert extra.env("settings.toml") is None
    assert reference.database("storage/media/x.db") is None


# --- database files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("backend/selenite.db", "backend/selenite.db"),
        ("./backend/selenite.db", "backend/selenite.db"),
        ("selenite.db", None),
        ("other/backend/selenite.db", None),
        ("backend/selenite.db-wal", None),
    ],
)
def test_reference_database_file(reference: Coverage, path: str, key: str | None) -> None:
    assert _key(reference.database(path)) == key


@pytest.mark.parametrize(
    ("path", "key"),
    [("data/events.sqlite", "data/*.sqlite"), ("data/x/events.sqlite", None)],
)
def test_database_glob(extra: Coverage, path: str, key: str | None) -> None:
    assert _key(extra.database(path)) == key


# --- the fast index agrees with globs.match ---------------------------------------------------

_SEGMENT = st.sampled_from(["a", "b", "ab", ".env", "x.db", "*", "a*", "?b", "[ab]", "**"])
_PATH_SEGMENT = st.sampled_from(["a", "b", "ab", ".env", "x.db", "c"])


@st.composite
def _keys(draw: st.DrawFn) -> str:
    segments = draw(st.lists(_SEGMENT, min_size=1, max_size=3))
    prefix = draw(st.sampled_from(["", "/", "./"]))
    suffix = draw(st.sampled_from(["", "/"]))
    return prefix + "/".join(segments) + suffix


@st.composite
def _paths(draw: st.DrawFn) -> str:
    segments = draw(st.lists(_PATH_SEGMENT, min_size=1, max_size=4))
    return "/".join(segments) + draw(st.sampled_from(["", "/"]))


def _inventory(kind: EntryKind, keys: list[str]) -> Inventory:
    entries = tuple(
        Entry(kind=kind, key=key, line=n, description="d", section="s")
        for n, key in enumerate(keys, start=1)
    )
    return Inventory(path="DATA_INVENTORY.md", entries=entries, sections=(), problems=())


@settings(max_examples=400, deadline=None, database=None)
@given(keys=st.lists(_keys(), min_size=1, max_size=4), path=_paths())
def test_path_lookup_agrees_with_globs_match(keys: list[str], path: str) -> None:
    coverage = Coverage(_inventory("path", keys))
    expected = any(globs.match(key, path) for key in keys)
    found = coverage.path(path)
    assert (found is not None) == expected
    if found is not None:
        assert globs.match(found.key, path)


def test_degenerate_hand_built_path_keys_cover_nothing() -> None:
    coverage = Coverage(_inventory("config_file", ["/", "./", " "]))
    assert coverage.config_file("a/") is None
    assert coverage.config_file("a") is None
