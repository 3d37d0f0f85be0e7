"""``RunResult`` records built directly, one per report scenario (docs/development.md).

``rich``: a table and columns, a storage path, an environment variable, a destructive drop
covered by a data plan, one not covered, and MIG301. ``clean``: nothing to report.
``hostile``: repository names built to break out of every format. ``crlf``: an inventory with
CRLF line endings. ``VERSION`` is what goldens show instead of the real version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from selenite_inventory_lint import __version__
from selenite_inventory_lint.model import (
    Action,
    Change,
    Finding,
    Kind,
    ObjectKind,
    ReportedChange,
    RunResult,
    Severity,
    Source,
    change_key,
    finding_key,
)
from selenite_inventory_lint.pipeline.review import review

VERSION = "[VERSION]"
REFERENCE = Path(__file__).parents[1] / "inventory" / "fixtures" / "reference.md"
BASE = "4f1c2a9be07d5e3c8a6b1d0f2e4a6c8b0d2f4a6c"
HEAD = "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
REVISION_2 = "backend/alembic/versions/0002_invoices.py"
REVISION_3 = "backend/alembic/versions/0003_cleanup.py"

HOSTILE_COLUMN = "a`|<img src=x onerror=alert(1)>"
HOSTILE_PATH = "storage/x](javascript:alert(1))/"
HOSTILE_MESSAGE = "cannot analyze SQL near '%0A::error title=x::pwned\n::warning::injected \x1b[2J'"
HOSTILE_FILE = "backend/a,b:c.py"


def reference() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def change(
    kind: Kind,
    name: str,
    action: Action,
    path: str,
    line: int,
    *,
    documented: bool | None,
    source: Source = "alembic",
    old_name: str | None = None,
) -> ReportedChange:
    return ReportedChange(
        change=Change(
            kind=kind,
            name=name,
            action=action,
            path=path,
            line=line,
            column=5,
            source=source,
            old_name=old_name,
        ),
        documented=documented,
    )


def finding(
    code: str,
    severity: Severity,
    message: str,
    path: str,
    line: int,
    kind: ObjectKind,
    name: str,
    *,
    column: int = 5,
    plan: str | None = None,
    operation: str | None = None,
) -> Finding:
    return Finding(
        code=code,
        severity=severity,
        message=message,
        path=path,
        line=line,
        column=column,
        object_kind=kind,
        object_name=name,
        covered_by_plan=plan,
        operation=operation,
    )


def result(
    changes: Sequence[ReportedChange],
    findings: Sequence[Finding],
    inventory_text: str,
    *,
    version: str = __version__,
) -> RunResult:
    return review(
        RunResult(
            tool_version=version,
            base=BASE,
            head=HEAD,
            inventory="DATA_INVENTORY.md",
            changes=tuple(sorted(changes, key=lambda r: change_key(r.change))),
            findings=tuple(sorted(findings, key=finding_key)),
            inventory_text=inventory_text,
        )
    )


def rich() -> RunResult:
    inventory = reference().replace(
        "- `feedback_attachments`: feedback and admin message attachments.\n", ""
    )
    changes = [
        change("table", "invoices", "added", REVISION_2, 9, documented=False),
        change("column", "invoices.id", "added", REVISION_2, 11, documented=False),
        change("column", "invoices.total_cents", "added", REVISION_2, 12, documented=False),
        change("column", "users.phone", "added", REVISION_2, 15, documented=False),
        change("table", "feedback_attachments", "dropped", REVISION_3, 14, documented=False),
        change("column", "users.last_seen_at", "dropped", REVISION_3, 16, documented=True),
        change(
            "path",
            "storage/uploads/avatars/",
            "referenced",
            "backend/app/storage.py",
            12,
            documented=False,
            source="paths",
        ),
        change(
            "env",
            "SMTP_PASSWORD",
            "referenced",
            "backend/app/mail.py",
            4,
            documented=False,
            source="env",
        ),
        change(
            "index",
            "ix_invoices_total",
            "added",
            REVISION_2,
            18,
            documented=None,
        ),
    ]
    findings = [
        finding(
            "INV101",
            "error",
            "table invoices is added but not in the inventory",
            REVISION_2,
            9,
            "table",
            "invoices",
        ),
        finding(
            "MIG107",
            "warning",
            "table invoices is created without an existence guard (not idempotent)",
            REVISION_2,
            9,
            "table",
            "invoices",
        ),
        finding(
            "INV102",
            "error",
            "column users.phone is added but not covered by the inventory",
            REVISION_2,
            15,
            "column",
            "users.phone",
        ),
        finding(
            "MIG101",
            "info",
            "table feedback_attachments is dropped",
            REVISION_3,
            14,
            "table",
            "feedback_attachments",
            plan="DP-2026-001",
            operation="drop_table feedback_attachments",
        ),
        finding(
            "MIG102",
            "error",
            "column users.last_seen_at is dropped",
            REVISION_3,
            16,
            "column",
            "users.last_seen_at",
            operation="drop_column users.last_seen_at",
        ),
        finding(
            "INV201",
            "error",
            "column users.last_seen_at is dropped but the inventory still lists "
            "`users.last_seen_at` (DATA_INVENTORY.md:17)",
            REVISION_3,
            16,
            "column",
            "users.last_seen_at",
        ),
        finding(
            "MIG301",
            "warning",
            "cannot analyze dynamic SQL: op.execute() of an f-string",
            REVISION_3,
            20,
            "file",
            REVISION_3,
        ),
        finding(
            "INV103",
            "error",
            "storage path storage/uploads/avatars/ is referenced but not covered by the inventory",
            "backend/app/storage.py",
            12,
            "path",
            "storage/uploads/avatars/",
            column=18,
        ),
        finding(
            "INV104",
            "error",
            "environment variable SMTP_PASSWORD is referenced but not covered by the inventory",
            "backend/app/mail.py",
            4,
            "env",
            "SMTP_PASSWORD",
            column=12,
        ),
    ]
    return result(changes, findings, inventory)


def clean() -> RunResult:
    return result(
        [change("column", "users.last_seen_at", "added", REVISION_2, 9, documented=True)],
        [],
        reference(),
    )


def hostile() -> RunResult:
    column = f"users.{HOSTILE_COLUMN}"
    changes = [
        change("column", column, "added", REVISION_2, 7, documented=False),
        change(
            "path",
            HOSTILE_PATH,
            "referenced",
            HOSTILE_FILE,
            3,
            documented=False,
            source="paths",
        ),
    ]
    findings = [
        finding(
            "INV102",
            "error",
            f"column {column} is added but not covered by the inventory",
            REVISION_2,
            7,
            "column",
            column,
        ),
        finding(
            "INV103",
            "error",
            f"storage path {HOSTILE_PATH} is referenced but not covered by the inventory",
            HOSTILE_FILE,
            3,
            "path",
            HOSTILE_PATH,
        ),
        finding("MIG301", "warning", HOSTILE_MESSAGE, HOSTILE_FILE, 9, "file", HOSTILE_FILE),
    ]
    inventory = reference().replace(
        "If you change anything in the categories above:",
        "If you change anything <script>alert(1)</script> in the categories above:",
    )
    return result(changes, findings, inventory)


def crlf() -> RunResult:
    return result(
        [change("column", "jobs.priority", "added", REVISION_2, 9, documented=False)],
        [
            finding(
                "INV102",
                "error",
                "column jobs.priority is added but not covered by the inventory",
                REVISION_2,
                9,
                "column",
                "jobs.priority",
            )
        ],
        reference().replace("\n", "\r\n"),
    )


SCENARIOS: dict[str, Callable[[], RunResult]] = {
    "rich": rich,
    "clean": clean,
    "hostile": hostile,
    "crlf": crlf,
}
