"""Python SDK for the MediaMTX Camera Service (WebSocket JSON-RPC 2.0).

Public names are re-exported here and listed in ``__all__``.
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
    UnsupportedError,
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
    "TopicEvent",
    "UnsupportedError",
    "__version__",
]
