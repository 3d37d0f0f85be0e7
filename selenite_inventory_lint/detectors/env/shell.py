"""``$X`` / ``${X}`` of upper-case names a shell script reads without assigning them (opt-in)."""

from __future__ import annotations

import re

from selenite_inventory_lint.detectors.references import Ref

_SHELL_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SHELL_USE = re.compile(
    r"(?<!\\)\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_SHELL_ASSIGN = re.compile(
    r"(?:^|[;&|\s(])(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)*)?"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>\S*)"
)
_SHELL_BIND = re.compile(r"\b(?:for|read(?:\s+-\w+)*)\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)")
_SINGLE_QUOTED = re.compile(r"'[^'\n]*'")


def shell_refs(text: str) -> list[Ref]:
    lines = []
    for raw in text.splitlines():
        line = _SINGLE_QUOTED.sub(lambda m: " " * len(m.group()), raw)
        comment = re.search(r"(?:^|\s)#", line)
        lines.append(line[: comment.start()] if comment else line)
    local: set[str] = set()
    for line in lines:
        for match in _SHELL_ASSIGN.finditer(line):
            name = match.group("name")
            if f"${{{name}" not in match.group("value") and f"${name}" not in match.group("value"):
                local.add(name)
        local.update(m.group("name") for m in _SHELL_BIND.finditer(line))
    refs: list[Ref] = []
    for number, line in enumerate(lines, start=1):
        for match in _SHELL_USE.finditer(line):
            name = match.group("braced") or match.group("bare")
            if _SHELL_NAME.match(name) and name not in local:
                refs.append(Ref(name, number, match.start() + 1))
    return refs
