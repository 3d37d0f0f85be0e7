"""The inventory is input like any other file: held to ``max_file_bytes``, and read in the
encoding its byte order mark names (UTF-16 from a Windows editor is not silently empty)."""

from __future__ import annotations

import codecs
import json
import resource
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = "# Data inventory\r\n\r\n## Database\r\n- `users`: accounts.\r\n"
ENCODINGS = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-8": codecs.BOM_UTF8,
}


def _encoded(text: str, codec: str) -> bytes:
    return ENCODINGS[codec] + text.encode(codec)


@pytest.mark.parametrize("command", [["check", "--staged"], ["audit"], ["inventory"]])
def test_an_inventory_over_max_file_bytes_is_one_clear_error(
    repo: GitRepo, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".inventory-lint.yaml", "max_file_bytes: 1024\n")
    repo.write("DATA_INVENTORY.md", "## Database\n" + "- `users`: accounts.\n" * 60)
    repo.commit("base")
    repo.write("db/0002_invoices.sql", "CREATE TABLE invoices (id INTEGER);\n")
    repo.add()
    assert main([*command, "--repo", str(repo.path)]) == 2
    assert capsys.readouterr().err == (
        "selenite-inventory-lint: error: the inventory 'DATA_INVENTORY.md' is 1272 bytes, over "
        "max_file_bytes (1024); split it, or raise `max_file_bytes` in the configuration.\n"
    )


def _cpu_limit() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (20, 20))


def test_a_32_megabyte_inventory_is_refused_before_parsing(repo: GitRepo) -> None:
    line = "- `table_{:07d}`: described.\n"
    body = "".join(line.format(i) for i in range(32 * 1024 * 1024 // len(line.format(0)) + 1))
    repo.write("DATA_INVENTORY.md", "## Database\n" + body)
    repo.commit("base")
    repo.write("db/0002_invoices.sql", "CREATE TABLE invoices (id INTEGER);\n")
    repo.add()
    # Parsing it took minutes of CPU; the limit kills a run that tries.
    done = subprocess.run(
        [sys.executable, "-m", "selenite_inventory_lint", "check", "--staged"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        preexec_fn=_cpu_limit,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "selenite-inventory-lint: error: the inventory 'DATA_INVENTORY.md' is 3"
    )
    assert "bytes, over max_file_bytes (5242880)" in done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("codec", ENCODINGS)
def test_an_inventory_with_a_byte_order_mark_is_read(
    repo: GitRepo, codec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", _encoded(INVENTORY, codec))
    repo.commit("base")
    assert main(["inventory", "--repo", str(repo.path), "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)["entries"]
    assert [(e["kind"], e["key"], e["line"]) for e in entries] == [("table", "users", 4)]


@pytest.mark.parametrize("codec", ENCODINGS)
def test_a_changed_inventory_with_a_byte_order_mark_covers_the_change(
    repo: GitRepo, codec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("README.md", "x\n")
    repo.commit("base")
    # The inventory is part of the change set, where UTF-16 bytes look binary.
    repo.write("DATA_INVENTORY.md", _encoded(INVENTORY, codec))
    repo.write("db/0001_users.sql", "CREATE TABLE IF NOT EXISTS users (id INTEGER);\n")
    repo.add()
    code = main(["check", "--repo", str(repo.path), "--staged", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    documented = [(c["name"], c["documented"]) for c in report["changes"]]
    assert documented == [("users.id", True), ("users", True)]
    assert report["findings"] == []


@pytest.mark.parametrize("codec", ENCODINGS)
def test_fix_writes_the_inventory_back_in_its_own_encoding(
    repo: GitRepo, codec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", _encoded(INVENTORY, codec))
    repo.commit("base")
    repo.write("db/0002_invoices.sql", "CREATE TABLE invoices (id INTEGER);\n")
    repo.commit("invoices")
    assert main(["check", "--repo", str(repo.path), "--head", "HEAD", "--fix"]) == 1
    assert "added `invoices: TODO: describe` to ## Database" in capsys.readouterr().err
    fixed = INVENTORY + "- `invoices`: TODO: describe\r\n"
    assert repo.read("DATA_INVENTORY.md") == ENCODINGS[codec] + fixed.encode(codec)


@pytest.mark.parametrize("command", [["check", "--staged"], ["audit"], ["inventory"]])
def test_utf16_without_a_byte_order_mark_is_one_clear_error(
    repo: GitRepo, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY.encode("utf-16-le"))
    repo.commit("base")
    repo.write("db/0002_invoices.sql", "CREATE TABLE invoices (id INTEGER);\n")
    repo.add()
    assert main([*command, "--repo", str(repo.path)]) == 2
    assert capsys.readouterr().err == (
        "selenite-inventory-lint: error: the inventory 'DATA_INVENTORY.md' is not text in a "
        "known encoding (it holds NUL bytes); save it as UTF-8, or as UTF-16 with a byte "
        "order mark.\n"
    )
