"""Fuzz: whole change sets through the pipeline and every report (docs/usage.md).

The detector targets feed each parser alone; here their odd outputs meet the rules, data
plans, suppressions and renderers together, the way a hostile pull request would.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from in_memory import changeset_from_texts

from selenite_inventory_lint import pipeline, reports
from selenite_inventory_lint.cli import REPORT_FORMATS
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.errors import FatalError

from . import budget
from .alembic_test import revisions
from .data_plans_test import PLAN
from .env_paths_test import DOTENV, PYTHON
from .inventory_test import MARKDOWN
from .sql_test import SQL
from .strategies import content

TARGET = "pipeline and reports (extra)"
# Each example runs every detector, rule and renderer: a twentieth of a parser's budget.
DIVISOR = 20
SHARE = budget.share(1, divisor=DIVISOR)

REFERENCE = """\
# Data inventory

## Database (SQLite)
- `users`: accounts.
- `users.email`, `phone`: contact.

## Storage Paths
- `storage/media/`: uploads.

## Configuration & State
- `SECRET_KEY`: signing key.
- `.env*`: runtime configuration.
"""
FILES = st.fixed_dictionaries(
    {},
    optional={
        "DATA_INVENTORY.md": st.one_of(st.just(REFERENCE), MARKDOWN.map(lambda t: REFERENCE + t)),
        "alembic/versions/0001_a.py": revisions().map(str.encode),
        "alembic/versions/0002_b.py": revisions().map(str.encode),
        "db/0001_init.sql": content(SQL),
        "db/0002_next.sql": content(SQL),
        "db/schema.sql": content(SQL),
        "app/settings.py": content(PYTHON),
        ".env.example": content(DOTENV),
        "docs/data-plans/dp.md": PLAN.map(str.encode),
    },
)


@SHARE
@given(before=FILES, after=FILES)
@budget.counted(TARGET, divisor=DIVISOR)
def test_any_change_set(before: dict[str, bytes], after: dict[str, bytes]) -> None:
    before = {"DATA_INVENTORY.md": REFERENCE.encode(), **before}
    after = {"DATA_INVENTORY.md": REFERENCE.encode(), **after}
    changeset = changeset_from_texts(before, after)
    try:
        result = pipeline.run(changeset, Config(), selection=pipeline.Selection())
    except FatalError as exc:
        # Only a config or I/O problem may stop a run, or an inventory that is not text (it
        # cannot be judged, and is one clear exit-2 message like a missing inventory).
        inventory = after["DATA_INVENTORY.md"]
        text = inventory.decode("utf-8", "replace") if isinstance(inventory, bytes) else inventory
        if str(exc).startswith("the inventory ") and "\x00" in text:
            return
        raise AssertionError(f"a change set's content stopped the run: {exc}") from exc
    for fmt in REPORT_FORMATS:
        assert isinstance(reports.get(fmt)(result), str)
