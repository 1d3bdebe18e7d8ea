"""Test helpers: the camera-service emulator and the pytest plugin.

``from mediamtx_camera_sdk.testing import CameraServiceEmulator`` gives a real
WebSocket JSON-RPC server with simulated cameras that speaks either dialect of
the MediaMTX Camera Service (see ``docs/emulator.md``), and
``from mediamtx_camera_sdk.testing import FaultProxy`` a TCP proxy that injects
network faults between a client and a server (see ``docs/reliability.md``).
Both modules are loaded on first use, so importing this package (as the pytest
plugin does) stays cheap and works without the ``emulator`` extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._emulator import CameraServiceEmulator, ConnectionRecord
    from ._proxy import FaultProxy

__all__ = ["CameraServiceEmulator", "ConnectionRecord", "FaultProxy"]


def __getattr__(name: str) -> Any:
    if name == "FaultProxy":
        from . import _proxy

        return _proxy.FaultProxy
    if name in __all__:
        from . import _emulator

        return getattr(_emulator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
