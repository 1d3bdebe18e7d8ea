"""Shared test configuration: async tests run on both anyio backends."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every ``@pytest.mark.anyio`` test runs once on asyncio and once on trio."""
    return str(request.param)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report the core modules' branch coverage measured by tests/test_coverage.py."""
    import sys

    module = sys.modules.get("test_coverage")
    report = getattr(module, "REPORT", None)
    if report:
        terminalreporter.section("branch coverage of the core modules")
        for name, percent in sorted(report.items()):
            terminalreporter.write_line(f"{name:<14} {percent:6.2f}%")
