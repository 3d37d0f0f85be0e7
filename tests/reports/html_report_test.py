"""The HTML report: self-contained, inert, and — in a real browser — free of injected markup.

The browser test runs Debian's ``chromium`` headless, off the network, on a fresh profile, and
parses the DOM it dumps. ``.ci/run`` installs chromium where it is missing, so in CI
(``CI`` set) a missing browser fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from selenite_inventory_lint.model import RunResult
from selenite_inventory_lint.reports import html_report

from .scenarios import (
    HOSTILE_COLUMN,
    HOSTILE_PATH,
    REVISION_2,
    SCENARIOS,
    change,
    hostile,
    rich,
)

# The elements the report is made of; anything else in the DOM was injected.
OURS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "strong", "code",
    "div", "table", "thead", "tbody", "tr", "th", "td", "span", "pre", "ul", "li", "footer",
    "nav", "a", "section", "h3", "details", "summary", "wbr",
}  # fmt: skip


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Dom:
    dom = _Dom()
    dom.feed(html)
    dom.close()
    return dom


def assert_inert(dom: _Dom) -> None:
    assert set(dom.tags) <= OURS
    assert "script" not in dom.tags
    assert "img" not in dom.tags
    names = {name for name, _ in dom.attributes}
    assert names <= {
        "lang", "charset", "name", "content", "http-equiv", "class", "data-label", "id", "href",
        "aria-label",
    }  # fmt: skip
    assert not any(v and "javascript:" in v for _, v in dom.attributes)
    # Links only move within the page.
    assert all(v and re.fullmatch(r"#[a-z]+(-\d+)?", v) for n, v in dom.attributes if n == "href")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_self_contained_and_inert(scenario: str) -> None:
    page = html_report.render(SCENARIOS[scenario]())
    assert_inert(parse(page))
    assert not re.search(r"<[^>]*\b(?:src|href)=\"[^#]", page)
    assert "<script" not in page
    assert "default-src 'none'" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_hostile_names_are_escaped_exactly() -> None:
    page = html_report.render(hostile())
    assert (
        '<td data-label="object"><code>users.a`|&lt;img src=x onerror=alert(1)&gt;</code></td>'
        '<td data-label="kind">column</td><td data-label="action">added</td>'
    ) in page
    assert '<td data-label="object"><code>storage/x](javascript:alert(1))/</code></td>' in page
    assert '<code class="path">backend/<wbr>a,b:c.py:3</code>' in page
    assert (
        '<td data-label="message">cannot analyze SQL near &#x27;%0A::error title=x::pwned'
        "\\n::warning::injected \\x1b[2J&#x27;</td>"
    ) in page
    assert "anything &lt;script&gt;alert(1)&lt;/script&gt; in the categories" in page
    dom = parse(page)
    text = "".join(dom.text)
    assert f"users.{HOSTILE_COLUMN}" in text
    assert HOSTILE_PATH in text


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: .ci/run installs it")
    return found


def _headless(browser: str, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            f"--user-data-dir={tmp_path / 'profile'}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_hostile_report_in_headless_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    page = tmp_path / "report.html"
    page.write_text(html_report.render(hostile()), encoding="utf-8")
    completed = _headless(browser, tmp_path, "--dump-dom", page.as_uri())
    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = parse(completed.stdout)
    assert "table" in dom.tags  # the page really rendered
    assert_inert(dom)
    text = "".join(dom.text)
    assert f"users.{HOSTILE_COLUMN}" in text
    assert HOSTILE_PATH in text
    assert "<script>alert(1)</script>" in text


def test_root_commit_and_no_changes() -> None:
    empty = hostile()._replace(base=None, changes=(), findings=())
    page = html_report.render(empty)
    assert '<p id="changes">No data-bearing changes.</p>' in page
    assert "· the root → <code>9b8a7c6d5e4f</code></footer>" in page
    assert "<h1>Data inventory PASSED: 0 errors, 0 warnings</h1>" in page


def long_review() -> RunResult:
    """``rich`` with 60 more documented columns: a long table that must not bury the findings."""
    base = rich()
    more = tuple(
        change("column", f"users.c{i:02}", "added", REVISION_2, 30 + i, documented=True)
        for i in range(60)
    )
    return base._replace(changes=base.changes + more)


def test_findings_come_first_under_a_summary() -> None:
    page = html_report.render(long_review())
    order = [
        page.index("<h1>Data inventory FAILED"),
        page.index('<nav class="summary"'),
        page.index('<section id="findings">'),
        page.index('<section id="destructive">'),
        page.index('<h2 id="patch">'),
        page.index('<section id="changes">'),
        page.index("<details>"),
    ]
    assert order == sorted(order)
    nav = page[page.index('<nav class="summary"') : page.index("</nav>")]
    assert '<li class="error">6 errors</li>' in nav
    assert '<li class="warning">2 warnings</li>' in nav
    assert '<li class="plan">1 approved by a plan</li>' in nav
    assert (
        '<a href="#file-1"><code class="path">backend/<wbr>alembic/<wbr>versions/<wbr>'
        "0003_cleanup.py</code></a>"
    ) in nav
    assert '<section id="file-1">' in page
    details = page[page.index("<details>") : page.index("</details>")]
    assert "<summary>Data-bearing changes (69)</summary>" in details
    assert 'class="error">error</span>' not in details  # findings are never collapsed
    assert '<span class="error">error: stale entry</span>' in details
    assert "info (plan)" not in page
    assert "<code>drop_column users.last_seen_at</code>" in page
    assert (
        '<td data-label="operation">file <code class="path">backend/<wbr>alembic/<wbr>'
        "versions/<wbr>0003_cleanup.py</code></td>"
    ) in page


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_in_headless_chromium_at(width: int, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    page = tmp_path / "report.html"
    page.write_text(html_report.render(long_review()), encoding="utf-8")
    shot = tmp_path / f"report-{width}.png"
    size = f"--window-size={width},900"
    completed = _headless(browser, tmp_path, size, f"--screenshot={shot}", page.as_uri())
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dumped = _headless(browser, tmp_path, size, "--dump-dom", page.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = parse(dumped.stdout)
    assert_inert(dom)
    # Chromium built the page in report order: summary, findings by file, then the changes.
    assert dom.tags.index("nav") < dom.tags.index("section") < dom.tags.index("details")
    assert (
        dom.tags.count("section") == 1 + 4 + 1 + 1
    )  # findings, one per file, destructive, changes
