"""The SDK's exception tree and the tables that map server error codes onto it.

Every exception the SDK raises on purpose derives from :class:`CameraServiceError`::

    CameraServiceError
    ├── ConnectionError            (also builtins.ConnectionError)
    │   └── ConnectionClosedError      the connection ended while a call was pending
    ├── CallTimeoutError           (also builtins.TimeoutError)
    ├── ProtocolError              the peer sent something the contract does not allow
    ├── ClientClosedError          the client was closed (or never connected) by the caller
    └── RpcError                   the server answered a call with an error
        ├── AuthenticationError        -32001 (both); legacy ``authenticated: false``
        ├── PermissionDeniedError      -32002 (current), -32003 (legacy)
        ├── NotFoundError              -32010 (current)
        │   └── CameraNotFoundError    -32010 with a camera resource; -1000 (legacy)
        ├── InvalidStateError          -32020 (current)
        │   └── RecordingInProgressError   -32020 "already recording"; -1002 (legacy)
        ├── UnsupportedError           -32030 (current)
        ├── RateLimitedError           -32040 (current), -32002 (legacy); ``retry_after``
        ├── InvalidParamsError         -32602; also raised before sending on bad arguments
        ├── MethodNotFoundError        -32601
        ├── InvalidRequestError        -32600, -32700
        ├── InternalServerError        -32603
        ├── MediaMTXError              -32050 (current); -1003, -1004 (legacy);
        │   │                          legacy snapshot results with ``status: FAILED``
        │   └── CameraUnavailableError -1001 (legacy)
        └── (RpcError itself)          any other code

Errors that come from a server reply carry ``code``, ``message``, ``data`` (the
reply's ``error.data``, or ``None``) and ``method`` (the call that failed).
Errors raised by the SDK itself carry ``code=None`` unless they mirror a server
error (client-side parameter validation raises :class:`InvalidParamsError` with
code -32602 so that callers handle both the same way).

The code tables are dialect-aware: -32002 means *permission denied* on the
current service and *rate limited* on the legacy one. Use :func:`error_for_code`
to build the right exception for a reply.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, Final, Literal

__all__ = [
    "DIALECTS",
    "AuthenticationError",
    "CallTimeoutError",
    "CameraNotFoundError",
    "CameraServiceError",
    "CameraUnavailableError",
    "ClientClosedError",
    "ConnectionClosedError",
    "ConnectionError",
    "Dialect",
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
    "error_for_code",
]

#: The two service generations. ``"auto"`` (a setting, not a dialect) means
#: "detect from the ``authenticate`` reply".
Dialect = Literal["current", "legacy"]
DIALECTS: Final[tuple[Dialect, ...]] = ("current", "legacy")


class CameraServiceError(Exception):
    """Base class of every error raised by the SDK.

    Attributes:
        message: a human-readable description (never contains credentials).
        code: the JSON-RPC error code when the error mirrors one, else ``None``.
        data: the server's ``error.data`` (or details the SDK adds), else ``None``.
        method: the service method the error concerns, when there is one.
    """

    code: int | None
    message: str
    data: Any
    method: str | None

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        data: Any = None,
        method: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.data = data
        self.method = method

    def __str__(self) -> str:
        parts = [self.message or type(self).__name__]
        if self.method is not None:
            parts.append(f"(method {self.method!r}")
            parts[-1] += f", code {self.code})" if self.code is not None else ")"
        elif self.code is not None:
            parts.append(f"(code {self.code})")
        return " ".join(parts)

    def __repr__(self) -> str:
        fields = [repr(self.message)]
        if self.code is not None:
            fields.append(f"code={self.code!r}")
        if self.method is not None:
            fields.append(f"method={self.method!r}")
        if self.data is not None:
            fields.append(f"data={self.data!r}")
        return f"{type(self).__name__}({', '.join(fields)})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep keyword-only attributes across pickling (multiprocessing, logging handlers).
        return (
            _rebuild,
            (type(self), self.message, self.code, self.data, self.method, self.__dict__),
        )


def _rebuild(
    cls: type[CameraServiceError],
    message: str,
    code: int | None,
    data: Any,
    method: str | None,
    state: dict[str, Any],
) -> CameraServiceError:
    exc = cls.__new__(cls)
    CameraServiceError.__init__(exc, message, code=code, data=data, method=method)
    exc.__dict__.update(state)
    return exc


class ConnectionError(CameraServiceError, builtins.ConnectionError):
    """The connection to the service could not be made or was lost.

    Also an instance of the builtin :class:`ConnectionError` (and so of
    :class:`OSError`), so generic network handlers catch it too.
    """


class ConnectionClosedError(ConnectionError):
    """The connection closed while the call was waiting for its reply.

    Whether the call took effect on the server is unknown.
    """


class CallTimeoutError(CameraServiceError, builtins.TimeoutError):
    """A call got no reply within its timeout. Also a builtin :class:`TimeoutError`.

    The call's pending entry is removed; a reply arriving later is dropped and
    counted as a late reply. Whether the call took effect on the server is unknown.
    """


class ProtocolError(CameraServiceError):
    """The server sent something the wire contract does not allow.

    Raised for a reply whose result cannot be decoded into the expected model
    (``data`` names the offending field) and reported for stray frames.
    """


class ClientClosedError(CameraServiceError):
    """The client is not connected because the caller closed it or never opened it."""


class RpcError(CameraServiceError):
    """The server answered the call with a JSON-RPC error (or an equivalent result)."""


class AuthenticationError(RpcError):
    """Authentication failed, is required, or the token expired (or was revoked)."""


class PermissionDeniedError(RpcError):
    """The authenticated role is too low for the call.

    ``required_role`` and ``have_role`` come from the server's data when it sends them.
    """

    @property
    def required_role(self) -> str | None:
        """The lowest role the call needs (``data.required_role``), if the server said."""
        return _data_str(self.data, "required_role")

    @property
    def have_role(self) -> str | None:
        """The role the connection has (``data.have_role``), if the server said."""
        return _data_str(self.data, "have_role")


class NotFoundError(RpcError):
    """The camera, recording, snapshot or file does not exist."""

    @property
    def resource(self) -> str | None:
        """What kind of thing was not found (``data.resource``: ``camera``, ``file``, ...)."""
        return _data_str(self.data, "resource")


class CameraNotFoundError(NotFoundError):
    """The camera device does not exist (or is not known to the service)."""


class InvalidStateError(RpcError):
    """The operation is not allowed in the resource's current state."""

    @property
    def state(self) -> str | None:
        """The resource's current state (``data.state``, e.g. ``RECORDING``), if the server said."""
        return _data_str(self.data, "state")


class RecordingInProgressError(InvalidStateError):
    """A recording is already in progress on that camera."""


class UnsupportedError(RpcError):
    """The feature or capability is not supported by this service or camera."""


class RateLimitedError(RpcError):
    """Too many calls: the server refused this one.

    Attributes:
        retry_after: seconds to wait before retrying, when the server said
            (``data.retry_after_ms``), else ``None``.
    """

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait before retrying (``data.retry_after_ms`` / 1000), or None."""
        if isinstance(self.data, Mapping):
            value = self.data.get("retry_after_ms")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                return float(value) / 1000.0
        return None


class InvalidParamsError(RpcError):
    """The parameters are invalid: raised by the server (-32602) or by the SDK before sending.

    ``param`` names the offending parameter when known.
    """

    @property
    def param(self) -> str | None:
        """The name of the offending parameter (``data.param``), if known."""
        return _data_str(self.data, "param")


class MethodNotFoundError(RpcError):
    """The service does not know this method (for instance a legacy server)."""


class InvalidRequestError(RpcError):
    """The server could not parse or accept the request envelope (-32700, -32600)."""


class InternalServerError(RpcError):
    """The server failed internally (-32603)."""


class MediaMTXError(RpcError):
    """A media operation failed (MediaMTX, FFmpeg, a stream, a snapshot or a recording)."""


class CameraUnavailableError(MediaMTXError):
    """The camera exists but cannot be used now (legacy -1001)."""


def _data_str(data: Any, key: str) -> str | None:
    if isinstance(data, Mapping):
        value = data.get(key)
        if isinstance(value, str):
            return value
    return None


# Codes with the same meaning in both dialects.
_COMMON_CODES: Final[Mapping[int, type[RpcError]]] = {
    -32700: InvalidRequestError,
    -32600: InvalidRequestError,
    -32601: MethodNotFoundError,
    -32602: InvalidParamsError,
    -32603: InternalServerError,
    -32001: AuthenticationError,
}

#: Error code -> exception class, per dialect.
CODE_TABLES: Final[Mapping[Dialect, Mapping[int, type[RpcError]]]] = {
    "current": {
        **_COMMON_CODES,
        -32002: PermissionDeniedError,
        -32010: NotFoundError,
        -32020: InvalidStateError,
        -32030: UnsupportedError,
        -32040: RateLimitedError,
        -32050: MediaMTXError,
    },
    "legacy": {
        **_COMMON_CODES,
        -32002: RateLimitedError,
        -32003: PermissionDeniedError,
        -1000: CameraNotFoundError,
        -1001: CameraUnavailableError,
        -1002: RecordingInProgressError,
        -1003: MediaMTXError,
        -1004: MediaMTXError,
    },
}


def error_for_code(
    code: int,
    message: str,
    data: Any = None,
    *,
    method: str | None = None,
    dialect: Dialect | None = None,
) -> RpcError:
    """Build the exception for a server error reply.

    ``dialect=None`` (not yet known) reads the codes both dialects agree on and
    otherwise prefers the current dialect's meaning, except for the legacy-only
    ``-1000..-1004`` and ``-32003`` codes, which only the legacy service sends.
    A current-dialect -32010 whose ``data.resource`` is ``"camera"`` raises
    :class:`CameraNotFoundError`, and a -32020 whose ``data.state`` says the camera
    is recording raises :class:`RecordingInProgressError`.
    """
    if dialect is None:
        cls = CODE_TABLES["current"].get(code) or CODE_TABLES["legacy"].get(code, RpcError)
    else:
        cls = CODE_TABLES[dialect].get(code, RpcError)
    if cls is NotFoundError and _data_str(data, "resource") in ("camera", "device"):
        cls = CameraNotFoundError
    elif cls is InvalidStateError and _data_str(data, "state") in ("RECORDING", "recording"):
        cls = RecordingInProgressError
    return cls(message, code=code, data=data, method=method)
