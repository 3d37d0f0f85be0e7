"""Every scenario rendered by every format, compared byte for byte with its golden file.

``pytest --update-golden`` rewrites them; a golden no scenario produces fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from selenite_inventory_lint import __version__, reports
from selenite_inventory_lint.cli import REPORT_FORMATS

from .scenarios import SCENARIOS, VERSION

GOLDEN = Path(__file__).parent / "golden"
EXTENSIONS = {
    "text": "txt",
    "json": "json",
    "markdown": "md",
    "sarif": "sarif",
    "github": "github.txt",
    "gitlab": "gitlab.json",
    "html": "html",
}
CASES = [(scenario, fmt) for scenario in SCENARIOS for fmt in EXTENSIONS]


def golden_path(scenario: str, fmt: str) -> Path:
    return GOLDEN / f"{scenario}.{EXTENSIONS[fmt]}"


def rendered(scenario: str, fmt: str) -> str:
    return reports.get(fmt)(SCENARIOS[scenario]()).replace(__version__, VERSION)


def test_every_format_has_a_golden_extension() -> None:
    assert set(EXTENSIONS) == set(REPORT_FORMATS) == set(reports.FORMATS)


@pytest.mark.parametrize(("scenario", "fmt"), CASES, ids=[f"{s}.{f}" for s, f in CASES])
def test_report_matches_golden(scenario: str, fmt: str, update_golden: bool) -> None:
    text = rendered(scenario, fmt)
    path = golden_path(scenario, fmt)
    if update_golden:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.is_file(), f"no golden {path.name}: run pytest --update-golden"
    assert text == path.read_bytes().decode("utf-8")


def test_no_orphaned_goldens() -> None:
    expected = {golden_path(s, f).name for s, f in CASES}
    assert {p.name for p in GOLDEN.iterdir()} == expected


def test_rendering_is_deterministic() -> None:
    for scenario, fmt in CASES:
        assert rendered(scenario, fmt) == rendered(scenario, fmt)
