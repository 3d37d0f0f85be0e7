"""The machine contract (docs/usage.md, ``schema_version`` 1), validated by
schemas/report.schema.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import chain
from operator import attrgetter

from selenite_inventory_lint.model import RunResult
from selenite_inventory_lint.reports.review import json_text, valid_utf8

SCHEMA_VERSION = 1
TOOL = "selenite-inventory-lint"


def as_dict(result: RunResult) -> dict[str, object]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL, "version": result.tool_version},
        "base": result.base,
        "head": result.head,
        "inventory": result.inventory,
        "changes": [
            {
                "kind": r.change.kind,
                "name": r.change.name,
                "action": r.change.action,
                "old_name": r.change.old_name,
                "path": r.change.path,
                "line": r.change.line,
                "source": r.change.source,
                "documented": r.documented,
            }
            for r in result.changes
        ],
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "object": {"kind": f.object_kind, "name": f.object_name},
                "covered_by_plan": f.covered_by_plan,
            }
            for f in result.findings
        ],
        "summary": {
            "errors": result.errors,
            "warnings": result.warnings,
            "changes": len(result.changes),
        },
    }


def render(result: RunResult, *, color: bool = False) -> str:
    return _fast_text(result) or json_text(as_dict(result))


# The text of ``json_text(as_dict(result))`` without the pure-Python indenting encoder, which
# took a fifth of a large check (a 2.4 MB report): the layout of ``as_dict`` is a template,
# every scalar in it is encoded by one call of the C encoder (which never writes a raw line
# break, so its item separator "\n" splits them again), and one ``%`` fills the template.
# Field specs: a key, or (key, nested keys) for an object of scalars.
_Spec = Sequence[str | tuple[str, Sequence[str]]]
_CHANGE_KEYS: _Spec = ("kind", "name", "action", "old_name", "path", "line", "source", "documented")
_FINDING_KEYS: _Spec = (
    *("code", "severity", "message", "path", "line", "column"),
    ("object", ("kind", "name")),
    "covered_by_plan",
)
# A record's values in its template's order, read in C.
_CHANGE_VALUES = attrgetter(
    *(f"change.{key}" for key in ("kind", "name", "action", "old_name", "path", "line")),
    *("change.source", "documented"),
)
_FINDING_VALUES = attrgetter(
    *("code", "severity", "message", "path", "line", "column", "object_kind", "object_name"),
    "covered_by_plan",
)
_SCALARS = frozenset((str, int, bool, type(None)))


def _template(spec: _Spec, level: int) -> str:
    """The indented text of an object laid out as ``spec``, ``%s`` for each scalar."""
    inner = "  " * (level + 1)
    items = []
    for field in spec:
        if isinstance(field, str):
            items.append(f"{inner}{json.dumps(field)}: %s")
        else:
            items.append(f"{inner}{json.dumps(field[0])}: {_template(field[1], level + 1)}")
    return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"


_CHANGE = "    " + _template(_CHANGE_KEYS, 2)
_FINDING = "    " + _template(_FINDING_KEYS, 2)
_DOCUMENT = _template(
    (
        *("schema_version", ("tool", ("name", "version")), "base", "head", "inventory"),
        *("changes", "findings", ("summary", ("errors", "warnings", "changes"))),
    ),
    0,
)


def _array(template: str, count: int) -> str:
    return "[\n" + ",\n".join([template] * count) + "\n  ]" if count else "[]"


def _fast_text(result: RunResult) -> str | None:
    """``json_text(as_dict(result))``, or None when a value is not a plain scalar."""
    values: list[object] = [SCHEMA_VERSION, TOOL, result.tool_version]
    values += (result.base, result.head, result.inventory)
    values += chain.from_iterable(map(_CHANGE_VALUES, result.changes))
    values += chain.from_iterable(map(_FINDING_VALUES, result.findings))
    values += (result.errors, result.warnings, len(result.changes))
    if not set(map(type, values)) <= _SCALARS:
        return None
    encoded = json.dumps(values, ensure_ascii=False, separators=("\n", ": "))[1:-1].split("\n")
    # The arrays go in as text, so the "%s" of their records join the document's own.
    text = _DOCUMENT.replace(
        '\n  "changes": %s', '\n  "changes": ' + _array(_CHANGE, len(result.changes))
    ).replace('\n  "findings": %s', '\n  "findings": ' + _array(_FINDING, len(result.findings)))
    return valid_utf8(text % tuple(encoded)) + "\n"
