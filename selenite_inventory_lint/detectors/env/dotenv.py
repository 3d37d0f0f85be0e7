"""Keys of ``.env`` files: ``KEY=``, ``export KEY=``, comments and quoted multi-line values."""

from __future__ import annotations

import re

from selenite_inventory_lint.detectors.references import Ref

_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def dotenv_refs(text: str) -> list[Ref]:
    refs: list[Ref] = []
    open_quote = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote:
            if _closes(line, open_quote, 0):
                open_quote = ""
            continue
        match = _DOTENV.match(line)
        if match is None:
            continue
        refs.append(Ref(match.group(1), number, match.start(1) + 1))
        value = match.group(2)
        if value[:1] in ("'", '"', "`") and not _closes(value, value[0], 1):
            open_quote = value[0]
    return refs


def _closes(text: str, quote: str, start: int) -> bool:
    i = start
    while i < len(text):
        if text[i] == "\\" and quote != "'":
            i += 2
            continue
        if text[i] == quote:
            return True
        i += 1
    return False
