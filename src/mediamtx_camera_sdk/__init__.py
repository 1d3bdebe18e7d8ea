"""Python SDK for the MediaMTX Camera Service (WebSocket JSON-RPC 2.0).

Public names are re-exported here and listed in ``__all__``.
"""

from __future__ import annotations

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

__version__ = "1.1.0.dev0"

__all__ = [
    "AuthenticationError",
    "CallTimeoutError",
    "CameraNotFoundError",
    "CameraServiceError",
    "CameraUnavailableError",
    "ClientClosedError",
    "ConnectionClosedError",
    "ConnectionError",
    "InternalServerError",
    "InvalidParamsError",
    "InvalidRequestError",
    "InvalidStateError",
    "MediaMTXError",
    "MethodNotFoundError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitedError",
    "RecordingInProgressError",
    "RpcError",
    "UnsupportedError",
    "__version__",
]
