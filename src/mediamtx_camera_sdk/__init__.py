"""Python SDK for the MediaMTX Camera Service (WebSocket JSON-RPC 2.0).

Public names are re-exported here and listed in ``__all__``. The 1.0 SDK's
modules are here too: :mod:`mediamtx_camera_sdk.exceptions`,
:mod:`mediamtx_camera_sdk.client`, :mod:`mediamtx_camera_sdk.models` and
:mod:`mediamtx_camera_sdk.cli` (see docs/migrating.md).

``TimeoutError`` and ``ConnectionError`` are the SDK's own classes, named like
the builtins (and subclasses of them): ``from mediamtx_camera_sdk import *``
shadows the builtins with them, which still catch what the builtins catch
from the SDK.
"""

from __future__ import annotations

from ._async.client import CameraClient, EventStream
from ._sync.client import SyncCameraClient, SyncEventStream
from .config import Settings
from .errors import (
    AuthenticationError,
    CallTimeoutError,
    CameraNotFoundError,
    CameraServiceError,
    CameraUnavailableError,
    ClientClosedError,
    ConnectionClosedError,
    ConnectionError,
    InternalServerError,
    InvalidParamsError,
    InvalidRequestError,
    InvalidStateError,
    MediaMTXError,
    MethodNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitedError,
    RecordingInProgressError,
    RpcError,
    TimeoutError,
    UnsupportedError,
    ValidationError,
)
from .models import (
    AuthResult,
    CameraCapabilities,
    CameraInfo,
    CameraList,
    FileInfo,
    FilePage,
    RecordingInfo,
    SnapshotInfo,
    TopicEvent,
)
from .protocol import Notification

__version__ = "1.1.0.dev0"
__author__ = "mediamtx-camera-sdk developers"
__email__ = "team@mediamtx-camera-service.com"

__all__ = [
    "AuthResult",
    "AuthenticationError",
    "CallTimeoutError",
    "CameraCapabilities",
    "CameraClient",
    "CameraInfo",
    "CameraList",
    "CameraNotFoundError",
    "CameraServiceError",
    "CameraUnavailableError",
    "ClientClosedError",
    "ConnectionClosedError",
    "ConnectionError",
    "EventStream",
    "FileInfo",
    "FilePage",
    "InternalServerError",
    "InvalidParamsError",
    "InvalidRequestError",
    "InvalidStateError",
    "MediaMTXError",
    "MethodNotFoundError",
    "NotFoundError",
    "Notification",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitedError",
    "RecordingInProgressError",
    "RecordingInfo",
    "RpcError",
    "Settings",
    "SnapshotInfo",
    "SyncCameraClient",
    "SyncEventStream",
    "TimeoutError",
    "TopicEvent",
    "UnsupportedError",
    "ValidationError",
    "__author__",
    "__email__",
    "__version__",
]
