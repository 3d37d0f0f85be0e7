"""A release is one version everywhere: `pyproject.toml`, `__version__`, the newest heading of
CHANGELOG.md, and every tag the README, the docs and the examples tell users to install or to
name as pre-commit's `rev:` (the package is installed from the repository at a tag)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from selenite_inventory_lint import __version__

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[2]
# This project's tags: an install from the repository, a pre-commit `rev:`, "release tag `v…`".
TAG = re.compile(
    r"selenite-inventory-lint@(v[\w.]+\w)|^\s*rev: (\S+)|release tag `(v[\w.]+)`", re.MULTILINE
)
DOCUMENTS = sorted(
    [
        ROOT / "README.md",
        *(ROOT / "docs").glob("*.md"),
        *(path for path in (ROOT / "examples").rglob("*") if path.is_file()),
    ]
)


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        version: str = tomllib.load(handle)["project"]["version"]
    return version


def newest_release() -> str:
    """The newest `## X.Y.Z` heading of the changelog ("Unreleased" may stand above it)."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings: list[str] = re.findall(r"^## (.+?)\s*$", text, flags=re.MULTILINE)
    return next(h.split()[0] for h in headings if re.match(r"\d+\.\d+\.\d+\b", h))


def test_pyproject_package_and_changelog_name_one_version() -> None:
    assert (project_version(), __version__) == (newest_release(), newest_release())


@pytest.mark.parametrize(
    "document", DOCUMENTS, ids=[path.relative_to(ROOT).as_posix() for path in DOCUMENTS]
)
def test_every_tag_the_documentation_names_is_the_release(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    named = {"".join(groups) for groups in TAG.findall(text)}
    assert named <= {f"v{project_version()}"}, document.relative_to(ROOT).as_posix()
