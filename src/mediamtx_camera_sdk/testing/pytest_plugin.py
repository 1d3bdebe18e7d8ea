"""pytest plugin (entry point ``pytest11``): fixtures for the camera-service emulator.

Fixtures (function scope, each yields a running
:class:`~mediamtx_camera_sdk.testing.CameraServiceEmulator` on 127.0.0.1 with a
free port, stopped after the test):

``camera_service``
    The current dialect, two cameras (``camera0``, ``camera1``). Use
    ``camera_service.url`` to connect and ``camera_service.token("operator")``
    (or ``api_key(...)``) to authenticate.
``legacy_camera_service``
    The legacy dialect, two cameras (``/dev/video0``, ``/dev/video1``).
``camera_service_factory``
    A function taking the emulator's keyword arguments and returning a started
    emulator, for other settings (``camera_service_factory(cameras=4,
    idle_timeout=None)``); every emulator it made is stopped after the test.

All three play the real services as observed (the emulator's default), with
one difference: they push notifications on the current dialect too, as its
documentation promises, so that tests of notification handling work. Pass
``push_notifications=False`` to the factory to play the real current service
exactly (it pushes nothing: code that must notice changes has to poll).

The emulator is imported only when a fixture is used, so the plugin costs
nothing at pytest start-up and needs PyJWT (the ``emulator`` extra) only then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._emulator import CameraServiceEmulator

__all__ = ["camera_service", "camera_service_factory", "legacy_camera_service"]


@pytest.fixture
def camera_service_factory() -> Iterator[Callable[..., CameraServiceEmulator]]:
    """Make started emulators with any settings; all are stopped after the test."""
    from ._emulator import CameraServiceEmulator

    started: list[CameraServiceEmulator] = []

    def make(**kwargs: Any) -> CameraServiceEmulator:
        kwargs.setdefault("push_notifications", True)
        emulator = CameraServiceEmulator(**kwargs)
        emulator.start()
        started.append(emulator)
        return emulator

    try:
        yield make
    finally:
        for emulator in reversed(started):
            emulator.stop()


@pytest.fixture
def camera_service(
    camera_service_factory: Callable[..., CameraServiceEmulator],
) -> CameraServiceEmulator:
    """A running current-dialect emulator with two cameras."""
    return camera_service_factory(dialect="current")


@pytest.fixture
def legacy_camera_service(
    camera_service_factory: Callable[..., CameraServiceEmulator],
) -> CameraServiceEmulator:
    """A running legacy-dialect emulator with two cameras."""
    return camera_service_factory(dialect="legacy")
