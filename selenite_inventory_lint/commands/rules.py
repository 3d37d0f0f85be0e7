"""`rules [CODE]`: the registry, or one rule's documentation (like `ruff rule`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from selenite_inventory_lint.errors import EXIT_OK, FatalError

if TYPE_CHECKING:
    from selenite_inventory_lint.rules import Rule


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint.rules import BY_CODE, RULES

    chosen: tuple[Rule, ...] = RULES
    if args.code:
        rule = BY_CODE.get(args.code.upper())
        if rule is None:
            raise FatalError(
                f"unknown rule code '{args.code}'; `selenite-inventory-lint rules` lists them."
            )
        chosen = (rule,)
    if args.format == "json":
        rows = [
            {"code": r.code, "severity": r.severity, "summary": r.summary, "docs": r.docs}
            for r in chosen
        ]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    elif args.code or args.all:
        sys.stdout.write("\n".join(_doc(rule) for rule in chosen))
    else:
        width = max(len(rule.code) for rule in RULES)
        severity = max(len(rule.severity) for rule in RULES)
        for rule in RULES:
            sys.stdout.write(f"{rule.code:<{width}}  {rule.severity:<{severity}}  {rule.summary}\n")
    return EXIT_OK


def _doc(rule: Rule) -> str:
    return f"# {rule.code}: {rule.summary}\n\nDefault severity: {rule.severity}\n\n{rule.docs}\n"
