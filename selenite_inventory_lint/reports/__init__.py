"""Report formats: each a function ``render(result, *, color=False) -> str`` (docs/development.md).

The registry names modules, imported only when their format is asked for, so the pre-commit
path never loads renderers it does not print.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from selenite_inventory_lint.errors import FatalError
from selenite_inventory_lint.model import RunResult


class Report(Protocol):
    def __call__(self, result: RunResult, *, color: bool = False) -> str: ...


FORMATS: dict[str, str] = {
    "text": "selenite_inventory_lint.reports.text",
    "json": "selenite_inventory_lint.reports.json_report",
    "markdown": "selenite_inventory_lint.reports.markdown",
    "sarif": "selenite_inventory_lint.reports.sarif",
    "github": "selenite_inventory_lint.reports.github",
    "gitlab": "selenite_inventory_lint.reports.gitlab",
    "html": "selenite_inventory_lint.reports.html_report",
}


def escape_char(char: str) -> str:
    """One character as a Python-style escape, for every format. Git hands over a file name
    that is not UTF-8 with each stray byte as a surrogate (``surrogateescape``): it shows as
    that byte, ``\\xNN``."""
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return repr(char)[1:-1]


def plural(count: int, word: str) -> str:
    """The count and its noun, singular only for one: ``1 entry``, ``2 entries``, ``0 losses``
    (the one helper every command and report counts with)."""
    if count == 1:
        form = word
    elif word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        form = f"{word[:-1]}ies"
    elif word.endswith(("s", "x", "ch", "sh")):
        form = f"{word}es"
    else:
        form = f"{word}s"
    return f"{count:,} {form}"


def scope(result: RunResult) -> str:
    """What the counts of a summary line are about: the data-bearing changes, or, when the
    findings concern none (an unreadable migration, a data plan, the configuration), the files
    they are in, so no line reads "0 data-bearing changes" next to an error."""
    if result.changes or not result.findings:
        return plural(len(result.changes), "data-bearing change")
    files = len({f.path for f in result.findings})
    return f"{plural(files, 'file')}, no data-bearing change"


def get(fmt: str) -> Report:
    module = FORMATS.get(fmt)
    if module is None:
        raise FatalError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}.")
    render: Report = importlib.import_module(module).render
    return render
