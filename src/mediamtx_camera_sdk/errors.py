"""The SDK's exception tree and the tables that map server error codes onto it.

Every exception the SDK raises on purpose derives from :class:`CameraServiceError`::

    CameraServiceError
    ├── ConnectionError            (also builtins.ConnectionError)
    │   └── ConnectionClosedError      the connection ended while a call was pending
    ├── TimeoutError               an operation timed out (also builtins.TimeoutError)
    │   └── CallTimeoutError           a call got no reply within its timeout
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
        ├── InvalidParamsError         -32602; ``reason`` invalid_params; the service refused them
        │   └── ValidationError        the SDK refused the caller's input before sending
        │                              (also builtins.ValueError)
        ├── MethodNotFoundError        -32601
        ├── InvalidRequestError        -32600, -32700
        ├── InternalServerError        -32603
        ├── MediaMTXError              -32050 (current); -1003, -1004 (legacy);
        │   │                          legacy snapshot results with ``status: FAILED``
        │   └── CameraUnavailableError -1001 (legacy)
        └── (RpcError itself)          any other code

Errors that come from a server reply carry ``code``, ``message``, ``data`` (the
reply's ``error.data``, or ``None``) and ``method`` (the call that failed), and
their ``str()`` adds what the service said about it (``data.details``, and
``data.suggestion`` or ``data.hint``). Errors raised by the SDK itself carry
``code=None`` unless they mirror a server error: the caller's own mistakes
(arguments refused before anything is sent, bad settings) raise
:class:`ValidationError`, an :class:`InvalidParamsError` with code -32602 and a
:class:`ValueError`, so callers can handle both the same way, or tell them
apart (``isinstance(exc, ValidationError)`` is true only for the SDK's own).

Classification reads what the service says, not only the code (see
docs/protocol.md, "Errors"): the current service's ``data.reason`` word
(``camera_not_found``, ``permission_denied``, ...) picks the class whatever
code carries it, and for its catch-all ``METHOD_ERROR`` reason the ``details``
text does (an unknown camera, a parameter refused, already recording). The
code tables are dialect-aware: -32002 means *permission denied* on the current
service and *rate limited* on the legacy one, and the legacy-only codes
(-1000..-1004, -32003) are read on any dialect. Use :func:`error_for_code` to
build the right exception for a reply.
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
    "TimeoutError",
    "UnsupportedError",
    "ValidationError",
    "class_for_reason",
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
        text = self.message or type(self).__name__
        why = self.explanation
        if why:
            text = f"{text}: {why}"
        context = self._context()
        return f"{text} ({context})" if context else text

    @property
    def explanation(self) -> str:
        """What the service said beyond its message: ``details``, then the suggestion.

        Read from ``data`` (the current service sends ``{"reason", "details",
        "suggestion"}``; the documented fields include ``hint`` and ``detail``).
        Empty when there is nothing to add. Part of ``str(error)``.
        """
        data = self.data
        if not isinstance(data, Mapping):
            return ""
        message = self.message.casefold()
        details = _data_str(data, "details") or _data_str(data, "detail")
        if details is None:
            # No details: a free-text reason (the emulator's "token expired") still says why.
            reason = _data_str(data, "reason")
            if reason is not None and " " in reason.strip():
                details = reason
        parts = []
        if details and details.strip().casefold() not in message:
            parts.append(details.strip())
        for key in ("suggestion", "hint"):
            advice = (_data_str(data, key) or "").strip()
            if advice and advice.casefold() not in message:
                parts.append(f"{key}: {advice}")
        return "; ".join(parts)

    def _context(self) -> str:
        """The ``method ..., code ...`` part of ``str()`` ('' when there is neither)."""
        if self.method is not None:
            code = f", code {self.code}" if self.code is not None else ""
            return f"method {self.method!r}{code}"
        if self.code is not None:
            return f"code {self.code}"
        return ""

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


class TimeoutError(CameraServiceError, builtins.TimeoutError):
    """An operation timed out (connecting, a call, a wait). Also the builtin ``TimeoutError``.

    Named like the builtin on purpose (the 1.0 SDK's name): after
    ``from mediamtx_camera_sdk import TimeoutError``, ``except TimeoutError``
    catches every timeout the SDK raises, and so does an ``except`` of the builtin.
    """


class CallTimeoutError(TimeoutError):
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
    """Authentication failed, is required, or the token expired (or was revoked).

    ``str()`` says why, in the service's words (for instance "Invalid or expired
    token", "token expired", "Missing token"); :attr:`reason` has the service's
    own word for it. When the client has no credential configured at all,
    :attr:`hint` (``data["hint"]``, also in ``str()``) says how to give one.
    """

    @property
    def reason(self) -> str | None:
        """Why, as the service put it: ``data.reason`` (current), ``data.error`` (legacy)."""
        return _data_str(self.data, "reason") or _data_str(self.data, "error")

    @property
    def hint(self) -> str | None:
        """How to fix it (``data.hint``): set by the SDK when no credential is configured."""
        return _data_str(self.data, "hint")


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
    """The parameters are invalid.

    Raised as such when the service refused them (-32602, or a reply whose
    ``data.reason`` or details say a parameter was refused); the SDK's own
    checks before sending raise the subclass :class:`ValidationError`.
    ``param`` names the offending parameter when known.
    """

    @property
    def param(self) -> str | None:
        """The name of the offending parameter (``data.param``), if known."""
        return _data_str(self.data, "param")


class ValidationError(InvalidParamsError, ValueError):
    """The SDK refused the caller's own input: an argument or a setting, before sending.

    Nothing was sent. Both an :class:`InvalidParamsError` (code -32602, so code
    that handles the service's refusals handles these too) and a builtin
    :class:`ValueError` (so ordinary Python code catches it). An invalid-params
    error *returned by the service* is an :class:`InvalidParamsError` but never a
    ``ValidationError``. ``str()`` is the message (plus the method when given).
    """

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = -32602,
        data: Any = None,
        method: str | None = None,
    ) -> None:
        super().__init__(message, code=code, data=data, method=method)

    def _context(self) -> str:
        # The code is the SDK's own, not the service's: leave it out of the text.
        return f"method {self.method!r}" if self.method is not None else ""


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


#: The current service's ``data.reason`` words (compared case-insensitively) and
#: the class each means, whatever code the reply carries. ``METHOD_ERROR`` and
#: ``internal_error`` are its catch-alls: for them the ``details`` text decides
#: (see ``DETAIL_PATTERNS``), and otherwise the code does.
REASON_CLASSES: Final[Mapping[str, type[RpcError]]] = {
    "camera_not_found": CameraNotFoundError,
    "device_not_found": CameraNotFoundError,
    "file_not_found": NotFoundError,
    "recording_not_found": NotFoundError,
    "snapshot_not_found": NotFoundError,
    "not_found": NotFoundError,
    "auth_required": AuthenticationError,
    "auth_failed": AuthenticationError,
    "token_expired": AuthenticationError,
    "invalid_token": AuthenticationError,
    "permission_denied": PermissionDeniedError,
    "insufficient_permissions": PermissionDeniedError,
    "method_not_found": MethodNotFoundError,
    "invalid_request": InvalidRequestError,
    "invalid_version": InvalidRequestError,
    "parse_error": InvalidRequestError,
    "invalid_params": InvalidParamsError,
    "validation_failed": InvalidParamsError,
    "feature_disabled": UnsupportedError,
    "unsupported": UnsupportedError,
    "rate_limited": RateLimitedError,
    "rate_limit_exceeded": RateLimitedError,
    "already_recording": RecordingInProgressError,
    "invalid_state": InvalidStateError,
    "not_recording": InvalidStateError,
    "dependency_failed": MediaMTXError,
    "mediamtx_error": MediaMTXError,
}

#: For the catch-all reasons: a phrase of ``details`` (case-insensitive) and the
#: class it means, first match wins. The order matters: "invalid or inaccessible
#: device" (an unknown camera) is checked before the parameter phrases.
DETAIL_PATTERNS: Final[tuple[tuple[str, type[RpcError]], ...]] = (
    ("invalid or inaccessible device", CameraNotFoundError),
    ("camera not found", CameraNotFoundError),
    ("device not found", CameraNotFoundError),
    ("already recording", RecordingInProgressError),
    ("not currently recording", InvalidStateError),
    ("not recording", InvalidStateError),
    ("file not found", NotFoundError),
    ("validation failed", InvalidParamsError),
    ("validation error", InvalidParamsError),
    ("parameter is required", InvalidParamsError),
    ("is required", InvalidParamsError),
    ("must be", InvalidParamsError),
    ("must specify", InvalidParamsError),
    ("at least one", InvalidParamsError),
    ("invalid event topic", InvalidParamsError),
)

_CATCH_ALL_REASONS: Final[frozenset[str]] = frozenset({"method_error", "internal_error"})
_LEGACY_ONLY_CODES: Final[frozenset[int]] = frozenset({-1000, -1001, -1002, -1003, -1004, -32003})


def class_for_reason(data: Any) -> type[RpcError] | None:
    """The class ``error.data`` names through its ``reason`` (and ``details``), or None.

    None when ``data`` has no reason the SDK knows, or only a catch-all reason
    whose details match none of :data:`DETAIL_PATTERNS`.
    """
    reason = _data_str(data, "reason")
    if reason is None:
        return None
    word = reason.strip().casefold()
    cls = REASON_CLASSES.get(word)
    if cls is not None:
        return cls
    if word in _CATCH_ALL_REASONS:
        details = (_data_str(data, "details") or _data_str(data, "detail") or "").casefold()
        for phrase, detail_cls in DETAIL_PATTERNS:
            if phrase in details:
                return detail_cls
    return None


def error_for_code(
    code: int,
    message: str,
    data: Any = None,
    *,
    method: str | None = None,
    dialect: Dialect | None = None,
) -> RpcError:
    """Build the exception for a server error reply.

    What the service says picks the class first: a known ``data.reason``
    (:data:`REASON_CLASSES`; for the catch-all ``METHOD_ERROR`` its ``details``,
    :data:`DETAIL_PATTERNS`), whatever the code. So ``camera_not_found`` raises
    :class:`CameraNotFoundError` both as -32010 and as -32603. Otherwise the
    code decides, read per dialect (:data:`CODE_TABLES`). ``dialect=None`` (not
    yet known) reads the codes both dialects agree on and otherwise prefers the
    current dialect's meaning; the legacy-only ``-1000..-1004`` and ``-32003``
    are read on any dialect, since only the legacy service sends them. A
    -32010 whose ``data.resource`` is ``"camera"`` raises
    :class:`CameraNotFoundError`, and a -32020 whose ``data.state`` says the
    camera is recording raises :class:`RecordingInProgressError`.

    The exception keeps ``code``, ``message``, ``data`` and ``method`` as given.
    """
    if code in _LEGACY_ONLY_CODES:
        by_code: type[RpcError] = CODE_TABLES["legacy"][code]
    elif dialect is None:
        by_code = CODE_TABLES["current"].get(code) or CODE_TABLES["legacy"].get(code, RpcError)
    else:
        by_code = CODE_TABLES[dialect].get(code, RpcError)
    if by_code is NotFoundError and _data_str(data, "resource") in ("camera", "device"):
        by_code = CameraNotFoundError
    elif by_code is InvalidStateError and _data_str(data, "state") in ("RECORDING", "recording"):
        by_code = RecordingInProgressError
    by_reason = class_for_reason(data)
    cls = by_code
    if by_reason is not None and not issubclass(by_code, by_reason):
        # The reason is more telling than the code, unless the code already
        # names a subclass of it (a -1000 with a "not_found" reason stays a camera).
        cls = by_reason
    return cls(message, code=code, data=data, method=method)
