"""The 1.0 SDK's client module: ``from mediamtx_camera_sdk.client import CameraClient``.

The same :class:`~mediamtx_camera_sdk.CameraClient` the package exports (the
asyncio/trio client); the blocking :class:`~mediamtx_camera_sdk.SyncCameraClient`
is here too. See docs/migrating.md.
"""

from __future__ import annotations

from ._async.client import CameraClient
from ._sync.client import SyncCameraClient

__all__ = ["CameraClient", "SyncCameraClient"]
