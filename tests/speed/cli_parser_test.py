"""The command line builds the parser of the command it runs, alone: argparse makes a help
formatter for every argument it is given, a cost every hook run would pay for all eight
commands. The result must be the parse the whole parser gives."""

from __future__ import annotations

import argparse

import pytest

from selenite_inventory_lint.cli import COMMANDS, build_parser


def commands(parser: argparse.ArgumentParser) -> list[str]:
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(found[0].choices)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--staged"],
        ["check", "--base", "main", "--format", "json", "--select", "INV1", "src/"],
        ["audit", "--report", "sarif=out.sarif"],
        ["rules", "INV101"],
        ["schema-diff", "a.sql", "b.sql", "--inventory", "INV.md"],
        ["rehearse", "backup.db", "--env", "A=1", "--log", "log.md"],
    ],
)
def test_one_command_parses_as_the_whole_parser(argv: list[str]) -> None:
    alone = build_parser(argv[0])
    assert commands(alone) == [argv[0]]
    assert vars(alone.parse_args(argv)) == vars(build_parser().parse_args(argv))
    assert set(commands(build_parser())) == set(COMMANDS)
