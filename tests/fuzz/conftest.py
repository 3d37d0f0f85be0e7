"""Print the examples each fuzz target ran; fail a run that fell short of a budget."""

from __future__ import annotations

import pytest

from . import budget


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not budget.EXAMPLES:
        return
    terminalreporter.section("fuzz examples per target")
    for target in sorted(budget.EXAMPLES):
        tests = len(budget.RAN.get(target, ()))
        terminalreporter.write_line(
            f"{target}: {budget.EXAMPLES[target]} examples in {tests} tests"
        )
    for shortfall in budget.shortfalls():
        terminalreporter.write_line(f"SHORT OF BUDGET {shortfall}", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if budget.shortfalls() and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
