"""`rules [CODE]`: the registry, or one rule's documentation (like `ruff rule`)."""

from __future__ import annotations

import argparse
import sys

from selenite_inventory_lint.errors import EXIT_OK, FatalError


def run(args: argparse.Namespace) -> int:
    from selenite_inventory_lint.rules import BY_CODE, RULES

    if args.code:
        rule = BY_CODE.get(args.code.upper())
        if rule is None:
            raise FatalError(
                f"unknown rule code '{args.code}'; `selenite-inventory-lint rules` lists them."
            )
        sys.stdout.write(
            f"# {rule.code}: {rule.summary}\n\nDefault severity: {rule.severity}\n\n{rule.docs}\n"
        )
        return EXIT_OK
    for rule in RULES:
        sys.stdout.write(f"{rule.code}  {rule.severity:<7}  {rule.summary}\n")
    return EXIT_OK
