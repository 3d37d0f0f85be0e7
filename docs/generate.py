"""Write the rule reference from the rule registry: docs/rules.md and docs/rules/<CODE>.md.

Each page is the rule's code, default severity, summary and documentation (its check function's
docstring), so the text lives in one place. After adding or changing a rule, run

    python docs/generate.py

and commit the result; tests/docs_test.py fails while the pages differ from the registry.
"""

from __future__ import annotations

import sys
from pathlib import Path

from selenite_inventory_lint.rules import RULES, Rule

DOCS = Path(__file__).resolve().parent
COMMAND = "python docs/generate.py"
NOTICE = f"<!-- generated from the rule registry by `{COMMAND}`: do not edit -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _facts(rule: Rule) -> str:
    """What else the registry says of the rule, in words."""
    facts = [
        ("destructive", rule.destructive),
        ("a data plan can approve it", rule.plan_coverable),
        ("`--fix` writes a stub", rule.fixable),
        ("also in `audit`", rule.in_audit),
    ]
    return ", ".join(text for text, present in facts if present)


def rules_index(rules: tuple[Rule, ...] = RULES) -> str:
    rows = "".join(
        f"| [{rule.code}](rules/{rule.code}.md) | {rule.severity} | {_cell(rule.summary)} "
        f"| {_facts(rule)} |\n"
        for rule in rules
    )
    return f"""{NOTICE}
# Rules

`selenite-inventory-lint rules` lists the rules; `selenite-inventory-lint rules CODE` explains
one (what it detects, why it matters, an example, how to fix), as the pages below do. Codes are
permanent: a code is never renumbered or reused. The severity is the default; the `severity`
key of the [configuration](configuration.md) overrides it per code, and `select` / `ignore`
choose the codes that run.

| code | severity | finding | notes |
| --- | --- | --- | --- |
{rows}
## Suppressions

Suppress one finding with a comment on its line or the line above, always with a reason:
`# inventory-lint: ignore[MIG102] never written in production` (SQL: `-- inventory-lint: …`,
JavaScript: `// inventory-lint: …`, Markdown: `<!-- inventory-lint: … -->`). A suppression
without a reason, naming an unknown code, or (when the comment is new in the change)
suppressing nothing is [SUP101](rules/SUP101.md).
"""


def rule_page(rule: Rule) -> str:
    module = rule.check.__module__.replace(".", "/")
    return f"""{NOTICE}
# {rule.code}: {rule.summary}

Default severity: **{rule.severity}**{"; " + _facts(rule) if _facts(rule) else ""}. Check
function: `{rule.name}` in `{module}.py`.
`selenite-inventory-lint rules {rule.code}` prints the same documentation.

{rule.docs}

[All rules](../rules.md)
"""


def pages(rules: tuple[Rule, ...] = RULES) -> dict[str, str]:
    """Every generated page, by its path relative to docs/."""
    generated = {"rules.md": rules_index(rules)}
    generated.update({f"rules/{rule.code}.md": rule_page(rule) for rule in rules})
    return generated


def orphans(docs: Path, expected: dict[str, str]) -> list[str]:
    """Rule pages in docs/rules/ that no rule generates any more."""
    found = sorted(p.relative_to(docs).as_posix() for p in (docs / "rules").glob("*.md"))
    return [path for path in found if path not in expected]


def main() -> int:
    expected = pages()
    (DOCS / "rules").mkdir(exist_ok=True)
    for path in orphans(DOCS, expected):
        (DOCS / path).unlink()
        print(f"removed docs/{path}")
    for path, text in expected.items():
        target = DOCS / path
        if target.is_symlink():
            print(f"docs/{path} is a symbolic link; not writing through it", file=sys.stderr)
            return 2
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote docs/{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
