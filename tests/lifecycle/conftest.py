"""Fixtures of the lifecycle suite (issue 15): the client harness of ``tests/integration``.

Every scenario here is an ``async def`` test run by the harness of
``tests/integration/_client_harness.py`` (read its docstring): on asyncio and
trio, through ``CameraClient`` (awaited) and ``SyncCameraClient`` (its blocking
calls in worker threads). The integration fixtures (``make_client``, ``emu``,
``emulator_factory``, ``secrets``, ``client_kind``, ``dialect``,
``client_class`` and the autouse credential check) are made available here by
loading that folder's ``conftest.py`` under a private module name.

Added here: ``proxy_for(target)`` (a started :class:`FaultProxy`, stopped after
the test) and ``silent_server`` (a TCP listener that accepts and never says a
word, see ``_lifecycle.SilentServer``).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent
_INTEGRATION = _HERE.parent / "integration"
for _folder in (_INTEGRATION, _HERE):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


def _integration_conftest() -> ModuleType:
    """tests/integration/conftest.py as a module of its own (shared if already loaded)."""
    name = "_lifecycle_integration_conftest"
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, _INTEGRATION / "conftest.py")
    if spec is None or spec.loader is None:  # pragma: no cover - the file is in the repo
        raise ImportError("cannot load tests/integration/conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_shared = _integration_conftest()
# pytest collects fixtures from this module's globals: bind the shared ones here.
for _name in (
    "secrets",
    "_no_secret_in_logs",
    "client_kind",
    "dialect",
    "emulator_factory",
    "emu",
    "make_client",
    "client_class",
):
    globals()[_name] = getattr(_shared, _name)

from _lifecycle import SilentServer  # noqa: E402 - needs sys.path set above

from mediamtx_camera_sdk.testing import FaultProxy  # noqa: E402


@pytest.fixture
def proxy_for() -> Iterator[Callable[[Any], FaultProxy]]:
    """``proxy_for(emu)``: a running FaultProxy in front of ``emu`` (stopped afterwards)."""
    proxies: list[FaultProxy] = []

    def start(target: Any) -> FaultProxy:
        proxy = FaultProxy(target.host, target.port)
        proxy.start()
        proxies.append(proxy)
        return proxy

    yield start
    while proxies:
        proxies.pop().stop()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    """A TCP server that accepts every connection and never sends a byte."""
    server = SilentServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
