"""No silent pass on a destructive Alembic revision, however the operation is spelled.

Each case commits a base with a documented ``users`` table, then a revision whose ``upgrade()``
(or module-level code, which Alembic also runs on import) reaches a destructive operation
indirectly. ``check --base`` must report the precise MIG1xx finding, or MIG301 when the code
cannot be followed statically, and exit 1: never exit 0 with "0 data-bearing changes".
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import GitRepo

INVENTORY = """\
# Data inventory

## Database (SQLite)
- `users`: accounts.
- `users.email`: login address.
"""
VERSIONS = "backend/alembic/versions"
HEADER = """\
import functools

import sqlalchemy as sa
from alembic import op
from alembic.operations import Operations, ops

revision = "0002"
down_revision = "0001"
"""


def _check(
    repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str | bytes],
    *,
    ini: str = "[alembic]\nscript_location = backend/alembic\n",
) -> tuple[int, list[str]]:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", ini)
    repo.write(
        f"{VERSIONS}/0001_base.py",
        'revision = "0001"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n',
    )
    base = repo.commit("base")
    for name, content in files.items():
        repo.write(name, content)
    repo.commit("change")
    code = main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    report = json.loads(out)
    return code, [f"{f['code']} {f['object']['name']}:{f['line']}" for f in report["findings"]]


def _revision(body: str, *, module: str = "") -> dict[str, str | bytes]:
    text = HEADER + module + "\n\ndef upgrade():\n" + body
    return {f"{VERSIONS}/0002_change.py": text}


DROP_USERS = "MIG101 users"
DROP_EMAIL = "MIG102 users.email"
ROWS = "MIG106 users"
CANNOT = "MIG301"

# (id, upgrade body, extra module-level code, expected code + object prefix)
INDIRECT_CALLS = [
    ("getattr_literal", '    getattr(op, "drop_table")("users")\n', "", DROP_USERS),
    ("local_alias", '    drop = op.drop_table\n    drop("users")\n', "", DROP_USERS),
    ("partial", '    functools.partial(op.drop_table, "users")()\n', "", DROP_USERS),
    (
        "partial_bound_later",
        '    drop = functools.partial(op.drop_column, "users")\n    drop("email")\n',
        "",
        DROP_EMAIL,
    ),
    ("unbound_operations", '    Operations.drop_table(op, "users")\n', "", DROP_USERS),
    ("invoke_op_object", '    op.invoke(ops.DropTableOp("users"))\n', "", DROP_USERS),
    (
        "invoke_drop_column",
        '    op.invoke(ops.DropColumnOp("users", "email"))\n',
        "",
        DROP_EMAIL,
    ),
    (
        "core_table_drop",
        '    sa.Table("users", sa.MetaData()).drop(op.get_bind())\n',
        "",
        DROP_USERS,
    ),
    ("metadata_drop_all", "    META.drop_all(op.get_bind())\n", "META = sa.MetaData()\n", CANNOT),
    (
        "metadata_create_all",
        "    META.create_all(bind=op.get_bind())\n",
        "META = sa.MetaData()\n",
        CANNOT,
    ),
    (
        "orm_query_delete",
        "    session = sa.orm.Session(bind=op.get_bind())\n    session.query(User).delete()\n",
        "User = sa.table('users')\n",
        ROWS,
    ),
    (
        "orm_query_delete_unknown_model",
        "    session = sa.orm.Session(bind=op.get_bind())\n    session.query(User).delete()\n",
        "from app.models import User\n",
        CANNOT,
    ),
    (
        "orm_execute_delete",
        "    session = sa.orm.Session(bind=op.get_bind())\n    session.execute(sa.delete(User))\n",
        "from app.models import User\n",
        CANNOT,
    ),
    ("getattr_dynamic", "    getattr(op, NAME)('users')\n", "NAME = input()\n", CANNOT),
    ("op_passed_to_import", "    helpers.cleanup(op)\n", "from app import helpers\n", CANNOT),
    (
        "op_stored_in_dict",
        "    table = {'o': op}\n    table['o'].drop_table('users')\n",
        "",
        CANNOT,
    ),
    (
        "op_through_lambda",
        "    run = lambda: op.drop_table('users')\n    run()\n",
        "",
        DROP_USERS,
    ),
    (
        "nested_function",
        "    def inner():\n        op.drop_table('users')\n    inner()\n",
        "",
        DROP_USERS,
    ),
    (
        "imported_from_alembic_op",
        '    drop_table("users")\n',
        "from alembic.op import drop_table\n",
        DROP_USERS,
    ),
    (
        "star_imported_from_alembic_op",
        '    drop_table("users")\n',
        "from alembic.op import *\n",
        DROP_USERS,
    ),
    (
        "alembic_op_module",
        '    alembic.op.drop_table("users")\n',
        "import alembic.op\n",
        DROP_USERS,
    ),
    (
        "dynamic_import",
        '    __import__("alembic").op.drop_table("users")\n',
        "",
        CANNOT,
    ),
    (
        "helper_with_indirect_call",
        "    _cleanup()\n",
        "def _cleanup():\n    getattr(op, 'drop_table')('users')\n",
        DROP_USERS,
    ),
    (
        "helper_handed_to_a_callback",
        "    helpers.on_commit(_cleanup)\n",
        "from app import helpers\n\n\ndef _cleanup():\n    op.drop_table('users')\n",
        DROP_USERS,
    ),
    (
        "method_of_a_revision_class",
        "    Cleaner().run('users')\n",
        "class Cleaner:\n    def run(self, name):\n        op.drop_table(name)\n",
        DROP_USERS,
    ),
    (
        "second_operations_object",
        "    ops2 = Operations(MigrationContext.configure(op.get_bind()))\n"
        "    ops2.drop_table('users')\n",
        "from alembic.runtime.migration import MigrationContext\n",
        DROP_USERS,
    ),
    (
        "drop_all_handed_to_run_sync",
        "    op.get_bind().run_sync(META.drop_all)\n",
        "META = sa.MetaData()\n",
        CANNOT,
    ),
    (
        "helper_handed_to_run_async",
        "    op.run_async(_cleanup)\n",
        "async def _cleanup(conn):\n    await conn.execute(sa.text('DELETE FROM users'))\n",
        ROWS,
    ),
    (
        "helper_receives_op",
        "    _cleanup(op)\n",
        "def _cleanup(o):\n    o.drop_table('users')\n",
        DROP_USERS,
    ),
]


@pytest.mark.parametrize(
    ("body", "module", "expected"),
    [
        pytest.param(body, module, expected, id=name)
        for name, body, module, expected in INDIRECT_CALLS
    ],
)
def test_indirect_operation_is_never_a_silent_pass(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], body: str, module: str, expected: str
) -> None:
    code, findings = _check(repo, capsys, _revision(body, module=module))
    assert code == 1, findings
    assert any(f.startswith(expected) for f in findings), findings


UPGRADE_FORMS = [
    (
        "lambda",
        'upgrade = lambda: op.drop_table("users")\n',
        DROP_USERS,
    ),
    (
        "assigned_from_function",
        'def _real():\n    op.drop_table("users")\n\n\nupgrade = _real\n',
        DROP_USERS,
    ),
    (
        "reassigned_after_def",
        'def upgrade():\n    pass\n\n\ndef _real():\n    op.drop_column("users", "email")\n\n\n'
        "upgrade = _real\n",
        DROP_EMAIL,
    ),
    ("assigned_from_import", "from app.migrations import upgrade\n", CANNOT),
    ("module_level_call", 'op.drop_table("users")\n', DROP_USERS),
    (
        "annotated_alias",
        'def _real():\n    op.drop_table("users")\n\n\nupgrade: object = _real\n',
        DROP_USERS,
    ),
    (
        "defined_under_module_if",
        'if revision:\n\n    def upgrade():\n        op.drop_table("users")\n',
        DROP_USERS,
    ),
    (
        "decorator",
        'def register(fn):\n    return fn\n\n\n@register(op.drop_table("users"))\n'
        "def downgrade():\n    pass\n",
        DROP_USERS,
    ),
]


@pytest.mark.parametrize(
    ("module", "expected"),
    [pytest.param(module, expected, id=name) for name, module, expected in UPGRADE_FORMS],
)
def test_upgrade_time_code_is_analysed(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], module: str, expected: str
) -> None:
    files: dict[str, str | bytes] = {f"{VERSIONS}/0002_change.py": HEADER + "\n\n" + module}
    code, findings = _check(repo, capsys, files)
    assert code == 1, findings
    assert any(f.startswith(expected) for f in findings), findings


BATCH_FORMS = [
    (
        "batch_passed_to_helper",
        '    with op.batch_alter_table("users") as b:\n        _drop(b)\n',
        'def _drop(batch):\n    batch.drop_column("email")\n',
        DROP_EMAIL,
    ),
    (
        "batch_bound_by_assignment",
        '    b = op.batch_alter_table("users")\n    b.drop_column("email")\n',
        "",
        DROP_EMAIL,
    ),
    (
        "batch_entered_after_assignment",
        '    b = op.batch_alter_table("users")\n    with b as batch:\n'
        '        batch.drop_column("email")\n',
        "",
        DROP_EMAIL,
    ),
    (
        "batch_passed_to_import",
        '    with op.batch_alter_table("users") as b:\n        helpers.drop(b)\n',
        "from app import helpers\n",
        CANNOT,
    ),
]


@pytest.mark.parametrize(
    ("body", "module", "expected"),
    [pytest.param(body, module, expected, id=name) for name, body, module, expected in BATCH_FORMS],
)
def test_batch_object_is_followed(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], body: str, module: str, expected: str
) -> None:
    code, findings = _check(repo, capsys, _revision(body, module=module))
    assert code == 1, findings
    assert any(f.startswith(expected) for f in findings), findings


def test_coding_cookie_is_honoured(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    # Read as UTF-8 the drop is inside a comment; CPython decodes UTF-7 and runs it.
    text = (
        "# -*- coding: utf-7 -*-\n"
        'revision = "0002"\ndown_revision = "0001"\n'
        "from alembic import op\n\n\ndef upgrade():\n"
        '    pass  # +AAo-    op.drop_table("users")\n'
    )
    code, findings = _check(repo, capsys, {f"{VERSIONS}/0002_change.py": text})
    assert code == 1, findings
    assert any(f.startswith(DROP_USERS) for f in findings), findings


def test_unknown_coding_cookie_is_unanalyzable(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    text = '# coding: no-such-codec\nrevision = "0002"\ndown_revision = "0001"\n'
    code, findings = _check(repo, capsys, {f"{VERSIONS}/0002_change.py": text})
    assert code == 1, findings
    assert findings == [f"{CANNOT} {VERSIONS}/0002_change.py:1"], findings


@pytest.mark.parametrize(
    "ini",
    [
        pytest.param(
            "[alembic]\nroot = %(here)s/db\nscript_location = %(root)s/migrations\n",
            id="here_through_custom",
        ),
        pytest.param(
            "[alembic]\nroot = db\nscript_location = %(root)s/migrations\n", id="same_section"
        ),
        pytest.param(
            "[DEFAULT]\nroot = db\n\n[alembic]\nscript_location = %(root)s/migrations\n",
            id="default_section",
        ),
    ],
)
def test_interpolated_script_location(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], ini: str
) -> None:
    files: dict[str, str | bytes] = {
        "db/migrations/versions/0002_change.py": HEADER
        + '\n\ndef upgrade():\n    op.drop_table("users")\n'
    }
    code, findings = _check(repo, capsys, files, ini=ini)
    assert code == 1, findings
    assert any(f.startswith(DROP_USERS) for f in findings), findings


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\x00\x01\x02binary\xff\xfe" * 64, id="binary"),
        pytest.param(b'revision = "0002"\ndown_revision = "0001"\n# caf\xe9\n', id="undecodable"),
    ],
)
def test_unreadable_revision_fails_closed(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    code, findings = _check(repo, capsys, {f"{VERSIONS}/0002_change.py": content})
    assert code == 1, findings
    assert any(f.startswith(f"{CANNOT} {VERSIONS}/0002_change.py") for f in findings), findings


def test_unanalyzable_revision_fails_unless_suppressed_with_a_reason(
    make_repo: Callable[[str], GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    call = "    helpers.cleanup(op)\n"
    reason = "    # inventory-lint: ignore[MIG301] helpers.cleanup only logs\n"
    module = "from app import helpers\n"
    code, findings = _check(make_repo("plain"), capsys, _revision(call, module=module))
    assert (code, findings) == (1, [f"{CANNOT} {VERSIONS}/0002_change.py:13"])
    code, findings = _check(
        make_repo("suppressed"), capsys, _revision(reason + call, module=module)
    )
    assert (code, findings) == (0, [])
