"""``process.env`` and ``import.meta.env`` in JS/TS, Vue and Svelte, outside comments and
strings."""

from __future__ import annotations

import re

from selenite_inventory_lint.detectors.references import Ref, line_starts, ref_at

# Set by Vite on import.meta.env in every build.
_VITE_BUILTINS = frozenset({"MODE", "DEV", "PROD", "SSR", "BASE_URL"})
_JS_SPECIAL = re.compile(r"[/'\"`{}]")
_JS_ENV = re.compile(
    r"\b(?P<base>process\s*\??\.\s*env|import\s*\.\s*meta\s*\.\s*env)\s*"
    r"(?:\??\.\s*(?P<dot>[A-Za-z_$][\w$]*)|(?:\?\.)?\[\s*(?P<q>['\"`])(?P<key>[^'\"`\n]*)(?P=q)\s*\])"
)
_JS_DESTRUCTURE = re.compile(
    r"\b(?:const|let|var)\s*\{(?P<names>[^{}]*)\}\s*=\s*(?P<base>process\s*\.\s*env|import\s*\.\s*meta\s*\.\s*env)\b"
)


def _js_code_mask(text: str) -> bytearray:
    """1 for each character of code, 0 inside comments, strings and template text."""
    n = len(text)
    mask = bytearray(n)
    braces: list[int] = []  # open `${ … }` expressions: nesting of `{` inside each
    in_template = False
    i = 0
    while i < n:
        if in_template:
            ch = text[i]
            if ch == "\\":
                i += 2
            elif ch == "`":
                in_template = False
                i += 1
            elif text.startswith("${", i):
                braces.append(0)
                in_template = False
                i += 2
            else:
                i += 1
            continue
        found = _JS_SPECIAL.search(text, i)
        end = found.start() if found else n
        mask[i:end] = b"\x01" * (end - i)
        if found is None:
            break
        i = end
        ch = text[i]
        if text.startswith("//", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close < 0 else close + 2
        elif ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif ch == "`":
            in_template = True
            i += 1
        else:
            if braces and ch == "{":
                braces[-1] += 1
            elif braces and ch == "}":
                if braces[-1] == 0:
                    braces.pop()
                    in_template = True
                    i += 1
                    continue
                braces[-1] -= 1
            mask[i] = 1
            i += 1
    return mask


def javascript_refs(text: str) -> list[Ref]:
    if "env" not in text:
        return []
    mask = _js_code_mask(text)
    starts = line_starts(text)
    refs: list[Ref] = []
    for match in _JS_ENV.finditer(text):
        if not mask[match.start()]:
            continue
        name = match.group("dot") or match.group("key") or ""
        if match.group("base").startswith("import") and name in _VITE_BUILTINS:
            continue
        refs.append(ref_at(name, match.start(), starts))
    for match in _JS_DESTRUCTURE.finditer(text):
        if not mask[match.start()]:
            continue
        vite = match.group("base").startswith("import")
        offset = match.start("names")
        for part in re.finditer(r"[^,]+", match.group("names")):
            item = part.group().strip()
            name = re.split(r"[\s:=]", item, maxsplit=1)[0]
            if name and not item.startswith("...") and not (vite and name in _VITE_BUILTINS):
                refs.append(ref_at(name, offset + part.start() + part.group().index(name), starts))
    return refs
