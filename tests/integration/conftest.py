"""Fixtures of the client scenarios: emulators, clients behind the harness, secret checks.

The harness itself (the wrapper that lets one ``async def`` scenario drive the
async and the sync client, and the waiting helpers) is ``_client_harness.py``;
read its docstring first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _client_harness import (
    CLIENT_KINDS,
    CLIENT_LOGGERS,
    FAST_CLIENT_SETTINGS,
    JWT_SECRET,
    SERVER_LOGGERS,
    SYNC_CLIENT,
    ClientHarness,
    SecretRegistry,
)

from mediamtx_camera_sdk import CameraClient
from mediamtx_camera_sdk.testing import CameraServiceEmulator


@pytest.fixture
def secrets() -> SecretRegistry:
    """The credentials handed out in this test (checked for leaks afterwards)."""
    registry = SecretRegistry()
    registry.add(JWT_SECRET)
    return registry


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog: pytest.LogCaptureFixture, secrets: SecretRegistry) -> Iterator[None]:
    """Capture the client side's logs at DEBUG; fail if a credential shows up in one."""
    for name in CLIENT_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    for phase in ("setup", "call"):
        for record in caplog.get_records(phase):
            if record.name.startswith(SERVER_LOGGERS):
                continue
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                secrets.check_exception(record.exc_info[1], f"log record {record.name}")
            secrets.check(text, f"log record {record.name} ({record.levelname})")


@pytest.fixture(params=CLIENT_KINDS)
def client_kind(request: pytest.FixtureRequest) -> str:
    """``"async"`` (CameraClient) or ``"sync"`` (SyncCameraClient)."""
    return str(request.param)


@pytest.fixture(params=["current", "legacy"])
def dialect(request: pytest.FixtureRequest) -> str:
    """The service generation the emulator plays."""
    return str(request.param)


@pytest.fixture
def emulator_factory(secrets: SecretRegistry) -> Iterator[Callable[..., CameraServiceEmulator]]:
    """Start emulators (stopped after the test); their credentials are registered as secrets."""
    started: list[CameraServiceEmulator] = []

    def make(**kwargs: Any) -> CameraServiceEmulator:
        kwargs.setdefault("jwt_secret", JWT_SECRET)
        # The scenarios are written to the documented service (its error data,
        # notifications, idle close frame); the observed one has tests of its own.
        kwargs.setdefault("behaviour", "documented")
        emulator = CameraServiceEmulator(**kwargs)
        issue_token, issue_key = emulator.token, emulator.api_key

        def token(role: str = "operator", expires_in: float = 3600.0) -> str:
            return secrets.add(issue_token(role, expires_in))

        def api_key(role: str = "operator") -> str:
            return secrets.add(issue_key(role))

        # Instance attributes shadow the methods: every credential is recorded.
        emulator.token = token  # type: ignore[method-assign]
        emulator.api_key = api_key  # type: ignore[method-assign]
        for key in kwargs.get("api_keys") or {}:
            secrets.add(key)
        emulator.start()
        started.append(emulator)
        return emulator

    try:
        yield make
    finally:
        for emulator in reversed(started):
            emulator.stop()


@pytest.fixture
def emu(
    emulator_factory: Callable[..., CameraServiceEmulator], dialect: str
) -> CameraServiceEmulator:
    """A running emulator of the test's dialect with two cameras."""
    return emulator_factory(dialect=dialect)


@pytest.fixture
def make_client(
    client_kind: str, secrets: SecretRegistry
) -> Iterator[Callable[..., ClientHarness]]:
    """Build a client of the test's kind (not connected) behind the harness.

    ``make_client(emu, role="operator", **settings)`` points it at ``emu`` with a
    JWT for ``role`` (``role=None``: no credentials); other keyword arguments go
    to the client's constructor and beat the fast test defaults.
    """
    made: list[ClientHarness] = []

    def make(
        emu: CameraServiceEmulator | None = None, *, role: str | None = "operator", **kwargs: Any
    ) -> ClientHarness:
        settings = dict(FAST_CLIENT_SETTINGS)
        if emu is not None and "url" not in kwargs:
            settings.update(host="127.0.0.1", port=emu.port)
        if emu is not None and role is not None:
            settings.update(auth_type="jwt", auth_token=emu.token(role))
        settings.update(kwargs)
        for key in ("auth_token", "api_key"):
            if isinstance(settings.get(key), str):
                secrets.add(settings[key])
        cls = CameraClient if client_kind == "async" else SYNC_CLIENT
        assert cls is not None  # the sync runs are skipped while it does not exist
        harness = ClientHarness(client_kind, cls(**settings), secrets)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        secrets.check(repr(harness.raw), "the client's repr")
        secrets.check(repr(harness.raw.settings), "the settings' repr")


@pytest.fixture
def client_class(client_kind: str) -> type[Any]:
    """The client class of the test's kind."""
    cls = CameraClient if client_kind == "async" else SYNC_CLIENT
    assert cls is not None  # the sync runs are skipped while it does not exist
    return cls
