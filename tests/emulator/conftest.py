"""Fixtures for the emulator's own tests.

These tests talk to the emulator with plain ``websockets`` clients, never with
the SDK, so that they check the emulator against the wire contract
(docs/protocol.md) on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mediamtx_camera_sdk.testing import CameraServiceEmulator

from .helpers import RawClient, make_emulator


@pytest.fixture
def emu() -> Iterator[CameraServiceEmulator]:
    """A running current-dialect emulator."""
    with make_emulator() as emulator:
        yield emulator


@pytest.fixture
def legacy() -> Iterator[CameraServiceEmulator]:
    """A running legacy-dialect emulator."""
    with make_emulator(dialect="legacy") as emulator:
        yield emulator


@pytest.fixture
def clients() -> Iterator[Callable[..., RawClient]]:
    """Open raw clients (closed after the test): ``clients(emulator, role=None)``."""
    opened: list[RawClient] = []

    def open_client(emulator: CameraServiceEmulator, role: str | None = None) -> RawClient:
        client = RawClient(emulator.url)
        opened.append(client)
        if role is not None:
            params: dict[str, Any] = {"auth_token": emulator.token(role)}
            if emulator.dialect == "legacy":
                params = {"token": emulator.token(role), "auth_type": "jwt"}
            reply = client.result("authenticate", params)
            assert reply["authenticated"] is True
        return client

    yield open_client
    for client in opened:
        client.close()
