"""Fixtures of the reliability suite: the client scenario harness plus a FaultProxy.

The scenarios here run through the very harness of ``tests/integration`` (read
``tests/integration/_client_harness.py``): one ``async def`` scenario drives
``CameraClient`` (awaited) and ``SyncCameraClient`` (in worker threads), on
asyncio and trio, against the emulator in both dialects. Its fixtures
(``make_client``, ``emu``, ``emulator_factory``, ``secrets``, ``client_kind``,
``dialect``) and its autouse credential check (every client-side log record
captured at DEBUG, every exception that went through the harness and every
client ``repr`` are searched for the tokens and API keys handed out) apply to
every test in this folder too.

Added here: ``proxy_for(emu)`` puts a :class:`FaultProxy` between the client
and the emulator, and ``proxied_client(emu, proxy, ...)`` points a client at
the proxy.

The 60-second soak is marked ``soak``: ``pytest -m "not soak"`` skips it
locally; the default ``pytest`` run (CI) includes it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_INTEGRATION = Path(__file__).resolve().parent.parent / "integration"
# The harness module is imported by name (as the integration tests do).
if str(_INTEGRATION) not in sys.path:
    sys.path.insert(0, str(_INTEGRATION))


def _load_integration_fixtures() -> Any:
    """The integration suite's conftest, loaded under a name of its own."""
    name = "_integration_fixtures"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _INTEGRATION / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_fixtures = _load_integration_fixtures()
# Re-exported: pytest finds fixtures by scanning this module's names.
secrets = _fixtures.secrets
_no_secret_in_logs = _fixtures._no_secret_in_logs
client_kind = _fixtures.client_kind
dialect = _fixtures.dialect
emulator_factory = _fixtures.emulator_factory
emu = _fixtures.emu
make_client = _fixtures.make_client
client_class = _fixtures.client_class

from _client_harness import ClientHarness  # noqa: E402 - needs the path set above

from mediamtx_camera_sdk.testing import CameraServiceEmulator, FaultProxy  # noqa: E402

#: Client settings of the fault scenarios: reconnect forever, quickly; notice a
#: stalled handshake quickly (a blackhole accepts TCP and then says nothing).
RELIABLE_SETTINGS: dict[str, Any] = {
    "max_retries": None,
    "retry_delay": 0.01,
    "max_retry_delay": 0.05,
    "open_timeout": 1.0,
    "timeout": 10.0,
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "soak: the 60-second soak test (deselect locally with -m 'not soak')"
    )


@pytest.fixture
def proxy_for() -> Iterator[Callable[[CameraServiceEmulator], FaultProxy]]:
    """``proxy_for(emu)``: a started FaultProxy in front of ``emu`` (stopped after the test)."""
    started: list[FaultProxy] = []

    def make(target: CameraServiceEmulator) -> FaultProxy:
        proxy = FaultProxy(target.host, target.port)
        proxy.start()
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        proxy.stop()


@pytest.fixture
def proxy(
    emu: CameraServiceEmulator, proxy_for: Callable[[CameraServiceEmulator], FaultProxy]
) -> FaultProxy:
    """A FaultProxy in front of the test's emulator."""
    return proxy_for(emu)


@pytest.fixture
def proxied_client(
    make_client: Callable[..., ClientHarness],
) -> Callable[..., ClientHarness]:
    """``proxied_client(emu, proxy, role="operator", **settings)``: a client through ``proxy``.

    It uses :data:`RELIABLE_SETTINGS` unless told otherwise.
    """

    def make(
        emu: CameraServiceEmulator, proxy: FaultProxy, *, role: str | None = "operator", **kw: Any
    ) -> ClientHarness:
        settings = {**RELIABLE_SETTINGS, **kw}
        return make_client(emu, role=role, url=proxy.url, **settings)

    return make
