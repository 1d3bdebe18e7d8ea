"""Shared test configuration: async tests run on both anyio backends.

Model-decoding tests that use ``model_decoders`` run once with the C decoders
(when the extension is built, as it is wherever a C compiler is available: see
``tests/test_speedups.py``) and once with the Python decoders alone.
"""

from __future__ import annotations

import pytest

from mediamtx_camera_sdk import _convert

DECODER_KINDS = (["extension"] if getattr(_convert, "_speedups", None) is not None else []) + ["python"]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every ``@pytest.mark.anyio`` test runs once on asyncio and once on trio."""
    return str(request.param)


@pytest.fixture(params=DECODER_KINDS)
def model_decoders(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Decoders made afresh during the test: the C ones ("extension") or the Python ones."""
    if request.param == "python":
        monkeypatch.setenv(_convert.PURE_PYTHON_ENV, "1")
    else:
        monkeypatch.delenv(_convert.PURE_PYTHON_ENV, raising=False)
    monkeypatch.setattr(_convert, "_checkers", {})
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
