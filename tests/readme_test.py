"""The README is the front door: its example, install and quickstart cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from selenite_inventory_lint import __version__
from selenite_inventory_lint.config import Config

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
CONFIGURATION = ROOT / "docs" / "configuration.md"
FRONT_DOOR_BYTES = 12 * 1024
SETUP = [
    "git clone https://github.com/OWNER/selenite-inventory-lint",
    "cd selenite-inventory-lint",
    "python3 -m venv .venv && . .venv/bin/activate",
]


def section(text: str, heading: str) -> str:
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def shell_blocks(text: str) -> list[list[str]]:
    blocks = re.findall(r"^```sh\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    return [block.splitlines() for block in blocks]


def test_configuration_table_names_every_key() -> None:
    text = section(CONFIGURATION.read_text(encoding="utf-8"), "Keys")
    documented = set(re.findall(r"^\| `(\w+)`(?: / `(\w+)`)? \|", text, flags=re.MULTILINE))
    keys = {k for pair in documented for k in pair if k}
    assert keys == {f for f in Config._fields if f != "source"}


def test_opening_example_is_what_the_demo_prints(
    git_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from selenite_inventory_lint.cli import main

    text = README.read_text(encoding="utf-8")
    example = text.split("```\n$ selenite-inventory-lint check --base main\n", 1)[1]
    example = example.split("```", 1)[0]
    assert main(["demo"]) == 1
    printed = capsys.readouterr().out
    assert printed.split("\n\n", 1)[1] == example


def test_readme_is_a_front_door_linking_every_docs_page() -> None:
    data = README.read_bytes()
    assert len(data) <= FRONT_DOOR_BYTES, f"README.md is {len(data)} bytes; move detail to docs/"
    links = set(re.findall(r"\]\((docs/[^)#\s]+)", data.decode("utf-8")))
    pages = {path.relative_to(ROOT).as_posix() for path in (ROOT / "docs").glob("*.md")}
    assert pages <= links, f"README.md does not link {sorted(pages - links)}"


def test_quickstart_is_setup_then_two_commands() -> None:
    """A fresh machine: clone, a venv (Debian's Python refuses a global pip install), then the
    demo and the test suite, each one command; `.ci/run` runs the second exactly."""
    setup, demo, suite = shell_blocks(section(README.read_text(encoding="utf-8"), "Quickstart"))
    assert setup == SETUP
    assert demo == ["python3 -m pip install . && selenite-inventory-lint demo"]
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert len(suite) == 1
    assert suite[0] in ci_run  # run exactly, as one line of its own
    assert suite == [
        "python3 -m pip install -e '.[test]' && python3 -m pytest --cov --cov-fail-under=95"
    ]


def test_install_is_the_release_tag_from_the_repository() -> None:
    text = README.read_text(encoding="utf-8")
    (install,) = shell_blocks(section(text, "Install"))
    assert install == [
        SETUP[-1],
        "python3 -m pip install "
        f'"git+https://github.com/OWNER/selenite-inventory-lint@v{__version__}"',
    ]
    assert "selenite-inventory-lint==" not in text  # not on a package index
    assert set(re.findall(r"\brev: (\S+)", text)) == {f"v{__version__}"}
    # That the changelog's newest release is this version: tests/adoption/release_test.py.
