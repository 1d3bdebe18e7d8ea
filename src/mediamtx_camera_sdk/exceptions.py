"""The 1.0 SDK's exception module: ``from mediamtx_camera_sdk.exceptions import ...``.

Programs written for the 1.0 SDK import their exceptions from here; these are
the SDK's own classes (defined in :mod:`mediamtx_camera_sdk.errors`, the same
objects the package exports), so an ``except`` written either way catches the
same errors. :class:`TimeoutError` and :class:`ConnectionError` are named like
the builtins on purpose and are subclasses of them. See docs/migrating.md.
"""

from __future__ import annotations

from .errors import (
    AuthenticationError,
    CameraNotFoundError,
    CameraServiceError,
    ConnectionError,
    MediaMTXError,
    TimeoutError,
    ValidationError,
)

__all__ = [
    "AuthenticationError",
    "CameraNotFoundError",
    "CameraServiceError",
    "ConnectionError",
    "MediaMTXError",
    "TimeoutError",
    "ValidationError",
]
