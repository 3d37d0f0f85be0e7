"""Command line: argparse and dispatch only; ``main`` is the one catcher (docs/development.md)."""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from selenite_inventory_lint import __version__
from selenite_inventory_lint.errors import EXIT_ERROR, FatalError

PROG = "selenite-inventory-lint"
REPORT_FORMATS = ("text", "json", "markdown", "sarif", "github", "gitlab", "html")


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, measuring the terminal only when it formats: argparse makes
    one for every argument it is given (to check its metavar), and the measuring imports
    ``shutil`` and its compressors, which a check never needs."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=80)  # measured in format_help

    def format_help(self) -> str:
        import shutil

        # As HelpFormatter.__init__ does when given no width.
        self._width = shutil.get_terminal_size().columns - 2
        self._max_help_position = min(24, max(self._width - 20, self._indent_increment * 2))
        return super().format_help()


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors are one line and exit 2."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(**kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise FatalError(f"{message} (see `{self.prog} --help`).")


def _codes(value: str) -> list[str]:
    """Comma-separated codes or prefixes, case-insensitive; one that selects no rule is a usage
    error (a typo must not switch rules off in silence)."""
    from selenite_inventory_lint.rules import unknown_code

    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    for code in codes:
        why = unknown_code(code)
        if why is not None:
            raise argparse.ArgumentTypeError(why)
    return codes


def _common(parser: argparse.ArgumentParser, *, formats: bool = True) -> None:
    parser.add_argument(
        "--repo", default=".", metavar="DIR", help="repository to check (default: .)"
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: discovered)")
    if formats:
        _outputs(parser, ", ".join(REPORT_FORMATS))
        parser.add_argument(
            "--select",
            type=_codes,
            action="extend",
            default=[],
            metavar="CODES",
            help="only these codes or prefixes, comma-separated (repeatable, case-insensitive)",
        )
        parser.add_argument(
            "--ignore",
            type=_codes,
            action="extend",
            default=[],
            metavar="CODES",
            help="skip these codes or prefixes, comma-separated (repeatable, case-insensitive)",
        )
        parser.add_argument(
            "--exit-zero", action="store_true", help="exit 0 even when errors are found"
        )
        parser.add_argument(
            "--statistics",
            action="store_true",
            help="with the text format: print the number of findings per code, not each finding",
        )
        parser.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            help="with the text format: print the findings only, without the summary line",
        )


def _outputs(parser: argparse.ArgumentParser, formats: str) -> None:
    """--format (one of ``formats``), --output and --report."""
    parser.add_argument("--format", default="text", metavar="FMT", help=f"output format: {formats}")
    parser.add_argument(
        "--output", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FMT=FILE",
        help="also write a report in FMT to FILE (repeatable)",
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of ``only`` alone: argparse builds a help formatter
    for each argument it is given, and the hook runs one command."""
    parser = _Parser(
        prog=PROG,
        description="Keep DATA_INVENTORY.md honest about every data-bearing change.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # The prog argparse would compute by formatting a usage line (and measuring the terminal).
    sub = parser.add_subparsers(prog=PROG, dest="command", metavar="COMMAND", parser_class=_Parser)

    if only in (None, "check"):
        check = sub.add_parser("check", help="check a change set against the inventory")
        check.add_argument(
            "paths",
            nargs="*",
            metavar="PATH",
            help="report only the changes and findings in these files or folders (default: all)",
        )
        check.add_argument("--base", metavar="REF", help="compare merge-base(REF, head) → head")
        check.add_argument("--head", metavar="REF", help="head of the change set (default: HEAD)")
        check.add_argument(
            "--staged", action="store_true", help="compare HEAD → the index (pre-commit)"
        )
        _common(check)
        check.add_argument(
            "--fix",
            action="store_true",
            help="insert a `TODO: describe` stub entry for each undocumented object "
            "(INV101-INV105)",
        )

    if only in (None, "audit"):
        audit = sub.add_parser(
            "audit", help="the whole repository at HEAD: every object documented, every entry alive"
        )
        _common(audit)

    if only in (None, "init"):
        init = sub.add_parser("init", help="write a first DATA_INVENTORY.md from the repository")
        init.add_argument("--repo", default=".", metavar="DIR", help="repository (default: .)")
        init.add_argument(
            "--config", metavar="FILE", help="configuration file (default: discovered)"
        )
        init.add_argument(
            "--output", metavar="PATH", help="where to write it (default: the inventory's path)"
        )
        init.add_argument("--force", action="store_true", help="overwrite an existing file")

    if only in (None, "inventory"):
        inventory = sub.add_parser("inventory", help="print the inventory's entries as parsed")
        inventory.add_argument(
            "path", nargs="?", metavar="FILE", help="an inventory file (default: the repository's)"
        )
        inventory.add_argument(
            "--format", default="text", choices=("text", "json"), help="text (default) or json"
        )
        inventory.add_argument(
            "--repo",
            default=".",
            metavar="DIR",
            help="the repository (default: the current folder)",
        )
        inventory.add_argument(
            "--config", metavar="FILE", help="the configuration file (default: the repository's)"
        )

    if only in (None, "schema-diff"):
        diff = sub.add_parser(
            "schema-diff", help="compare two SQLite schema snapshots (.sql dump or .db file)"
        )
        diff.add_argument("old", metavar="OLD", help="the snapshot before")
        diff.add_argument("new", metavar="NEW", help="the snapshot after")
        diff.add_argument(
            "--inventory", metavar="FILE", help="inventory to judge against (default: the repo's)"
        )
        _common(diff)

    if only in (None, "rehearse"):
        rehearse = sub.add_parser(
            "rehearse",
            help="run the pending migrations on a copy of a SQLite backup and count the data "
            "they lose (RUNS REPOSITORY CODE)",
            description="Export REF to a temporary directory, copy BACKUP to the inventory's "
            "primary database path in it, run the migration command there and report the rows "
            "and values it loses (DATA1xx) and how it fails (DATA2xx). WARNING: this executes "
            "repository code (Alembic revisions, env.py, application settings); run it only on "
            "code you trust, before a promotion. check, audit and the hooks never run it. BACKUP "
            "is only hashed and copied; the work tree is never touched.",
        )
        rehearse.add_argument("backup", metavar="BACKUP", help="a SQLite database file (a backup)")
        rehearse.add_argument("--rev", default="HEAD", metavar="REF", help="commit to rehearse")
        rehearse.add_argument(
            "--run",
            metavar="CMD",
            help="migration command, run with your shell in the export; {db} is the copy's path, "
            "{url} sqlite:///{db} (default: alembic upgrade heads, or the pending .sql migrations)",
        )
        rehearse.add_argument(
            "--env",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="environment for the commands ({db} and {url} expand; repeatable)",
        )
        rehearse.add_argument(
            "--db-path",
            metavar="PATH",
            help="where the copy goes (default: the inventory's Primary DB)",
        )
        rehearse.add_argument(
            "--down", metavar="CMD", help="rollback command: check that the round trip restores"
        )
        rehearse.add_argument(
            "--log", metavar="FILE", help="append an entry to this Markdown promotion log"
        )
        rehearse.add_argument("--date", metavar="YYYY-MM-DD", help="date of the log entry")
        _common(rehearse, formats=False)
        _outputs(rehearse, "text, json, markdown, html")

    if only in (None, "rules"):
        rules = sub.add_parser("rules", help="list the rules, or explain one")
        rules.add_argument(
            "code", nargs="?", metavar="CODE", help="the rule to explain, e.g. INV101"
        )
        rules.add_argument(
            "--all", action="store_true", help="print every rule's documentation, one after another"
        )
        rules.add_argument(
            "--format",
            choices=("text", "json"),
            default="text",
            help="text (an aligned table) or json (code, severity, summary, docs of each rule)",
        )

    if only in (None, "demo"):
        demo = sub.add_parser("demo", help="build a sample repository and check a change in it")
        demo.add_argument(
            "--format", default="text", metavar="FMT", help="the report format (default: text)"
        )
        demo.add_argument(
            "--keep", action="store_true", help="keep the sample repository and print its path"
        )

    helps = {action.dest: action.help for action in sub._choices_actions}
    for name, command in sub.choices.items():
        summary = helps.get(name)
        if command.description is None and summary:
            command.description = f"{summary[0].upper()}{summary[1:]}."
        if command.epilog is None:
            command.epilog = _EXIT_FINDINGS if name in _JUDGING else _EXIT_PLAIN
    return parser


_JUDGING = frozenset({"check", "audit", "schema-diff", "rehearse", "demo"})
_EXIT_FINDINGS = "exit codes: 0 no errors found, 1 errors found, 2 usage or input error"
_EXIT_PLAIN = "exit codes: 0 done, 2 usage or input error"


# Subcommand → module in commands/, imported only when it runs.
COMMANDS = {
    "check": "check",
    "audit": "audit",
    "schema-diff": "schema_diff",
    "init": "init",
    "inventory": "inventory",
    "rules": "rules",
    "demo": "demo",
    "rehearse": "rehearse",
}


def _dispatch(argv: Sequence[str] | None) -> int:
    import importlib

    given = list(sys.argv[1:] if argv is None else argv)
    # The parser of the command named first, alone (the hook's `check`); --help and a
    # misspelt command get the whole parser.
    only = given[0] if given and given[0] in COMMANDS else None
    args = build_parser(only).parse_args(given)
    if args.command is None:
        build_parser().print_help()
        return EXIT_ERROR
    module = importlib.import_module(f"selenite_inventory_lint.commands.{COMMANDS[args.command]}")
    code: int = module.run(args)
    return code


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """The garbage collector's tuning, at the edge of the process (the core never sets it).

    Parsing thousands of files allocates millions of short-lived objects; with the default
    thresholds the garbage collector ran hundreds of full collections over everything alive
    (imported modules, the change set), a third of a large audit's time. That heap is frozen
    (it lives through the run anyway) and young objects are collected less often."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _github_format(argv: Sequence[str] | None) -> bool:
    args = list(sys.argv[1:] if argv is None else argv)
    pairs = zip(args, [*args[1:], ""], strict=True)
    return "--format=github" in args or any(a == "--format" and b == "github" for a, b in pairs)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with few_collections():
            return _dispatch(argv)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except FatalError as exc:
        from selenite_inventory_lint.reports.review import visible

        # Messages quote repository content (config keys, refs, paths): one line, and no
        # escape sequence reaches the terminal.
        print(f"{PROG}: error: {visible(str(exc))}", file=sys.stderr)
        if _github_format(argv):
            # A workflow annotation, so the failure shows on the run's page, not only in its log.
            message = visible(str(exc)).replace("%", "%25")
            print(f"::error title={PROG}::{message}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # the last-resort guard: a test reaching it has found a bug
        from selenite_inventory_lint.reports.review import visible

        print(
            f"{PROG}: internal error: {type(exc).__name__}: {visible(str(exc))} — "
            "please report this.",
            file=sys.stderr,
        )
        return EXIT_ERROR
