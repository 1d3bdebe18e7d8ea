"""The exception tree and the dialect-aware code tables."""

from __future__ import annotations

import builtins
import pickle

import pytest

import mediamtx_camera_sdk as sdk
from mediamtx_camera_sdk import errors as E


def test_seed_names_import_and_catch_as_the_seed_shows() -> None:
    for name in (
        "CameraServiceError",
        "AuthenticationError",
        "ConnectionError",
        "CameraNotFoundError",
        "MediaMTXError",
    ):
        cls = getattr(sdk, name)
        assert issubclass(cls, sdk.CameraServiceError)
    assert issubclass(sdk.CameraNotFoundError, sdk.NotFoundError)


def test_connection_and_timeout_errors_are_builtins_too() -> None:
    assert issubclass(E.ConnectionError, builtins.ConnectionError)
    assert issubclass(E.ConnectionClosedError, builtins.ConnectionError)
    assert issubclass(E.CallTimeoutError, builtins.TimeoutError)
    with pytest.raises(OSError):
        raise E.ConnectionError("down")


@pytest.mark.parametrize(
    ("dialect", "code", "cls"),
    [
        ("current", -32001, E.AuthenticationError),
        ("current", -32002, E.PermissionDeniedError),
        ("current", -32010, E.NotFoundError),
        ("current", -32020, E.InvalidStateError),
        ("current", -32030, E.UnsupportedError),
        ("current", -32040, E.RateLimitedError),
        ("current", -32050, E.MediaMTXError),
        ("current", -32600, E.InvalidRequestError),
        ("current", -32700, E.InvalidRequestError),
        ("current", -32601, E.MethodNotFoundError),
        ("current", -32602, E.InvalidParamsError),
        ("current", -32603, E.InternalServerError),
        ("current", -1, E.RpcError),
        ("legacy", -32001, E.AuthenticationError),
        ("legacy", -32002, E.RateLimitedError),
        ("legacy", -32003, E.PermissionDeniedError),
        ("legacy", -1000, E.CameraNotFoundError),
        ("legacy", -1001, E.CameraUnavailableError),
        ("legacy", -1002, E.RecordingInProgressError),
        ("legacy", -1003, E.MediaMTXError),
        ("legacy", -1004, E.MediaMTXError),
        ("legacy", -32602, E.InvalidParamsError),
        ("legacy", 12345, E.RpcError),
        (None, -32002, E.PermissionDeniedError),
        (None, -1000, E.CameraNotFoundError),
        (None, -32003, E.PermissionDeniedError),
    ],
)
def test_code_tables(dialect: E.Dialect | None, code: int, cls: type[E.RpcError]) -> None:
    exc = E.error_for_code(code, "msg", {"x": 1}, method="m", dialect=dialect)
    assert type(exc) is cls
    assert (exc.code, exc.message, exc.data, exc.method) == (code, "msg", {"x": 1}, "m")


def test_current_details_refine_the_class() -> None:
    cam = E.error_for_code(-32010, "nf", {"resource": "camera", "id": "camera9"}, dialect="current")
    assert type(cam) is E.CameraNotFoundError
    assert cam.resource == "camera"
    rec = E.error_for_code(-32010, "nf", {"resource": "recording"}, dialect="current")
    assert type(rec) is E.NotFoundError
    busy = E.error_for_code(-32020, "busy", {"state": "RECORDING"}, dialect="current")
    assert type(busy) is E.RecordingInProgressError
    assert busy.state == "RECORDING"
    other = E.error_for_code(-32020, "x", {"state": "IDLE"}, dialect="current")
    assert type(other) is E.InvalidStateError


def test_rate_limit_retry_after() -> None:
    assert E.RateLimitedError("x", data={"retry_after_ms": 1500}).retry_after == 1.5
    assert E.RateLimitedError("x", data={"retry_after_ms": -1}).retry_after is None
    assert E.RateLimitedError("x", data={"retry_after_ms": True}).retry_after is None
    assert E.RateLimitedError("x").retry_after is None


def test_data_accessors() -> None:
    p = E.PermissionDeniedError("no", data={"required_role": "admin", "have_role": "viewer"})
    assert (p.required_role, p.have_role) == ("admin", "viewer")
    assert E.InvalidParamsError("bad", data={"param": "device"}).param == "device"
    assert E.InvalidParamsError("bad", data=["not a mapping"]).param is None
    assert E.NotFoundError("x", data={"resource": 3}).resource is None


def test_str_and_repr() -> None:
    e = E.error_for_code(
        -32002, "Permission denied", None, method="delete_recording", dialect="current"
    )
    assert str(e) == "Permission denied (method 'delete_recording', code -32002)"
    assert (
        repr(e)
        == "PermissionDeniedError('Permission denied', code=-32002, method='delete_recording')"
    )
    assert str(E.CameraServiceError("plain")) == "plain"
    assert str(E.CameraServiceError("c", code=5)) == "c (code 5)"
    assert str(E.CallTimeoutError("t", method="ping")) == "t (method 'ping')"
    assert str(E.ConnectionError()) == "ConnectionError"
    assert "data={'a': 1}" in repr(E.RpcError("x", data={"a": 1}))


def test_pickle_round_trip_keeps_fields() -> None:
    e = E.RateLimitedError("slow down", code=-32040, data={"retry_after_ms": 10}, method="ping")
    e.extra = "kept"  # type: ignore[attr-defined]
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is E.RateLimitedError
    assert (back.message, back.code, back.data, back.method) == (
        "slow down",
        -32040,
        {"retry_after_ms": 10},
        "ping",
    )
    assert back.extra == "kept"
    c = pickle.loads(pickle.dumps(E.ConnectionClosedError("gone")))
    assert isinstance(c, builtins.ConnectionError)
    assert c.message == "gone"


def test_docstring_draws_every_class() -> None:
    doc = E.__doc__ or ""
    for name in E.__all__:
        obj = getattr(E, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert name in doc, name


# ---------------------------------------------------------------- what the service says

# error.data of replies recorded from the current service, with the code that
# carried each and the class the SDK must raise.
_RECORDED_CURRENT = [
    (
        -32010,
        "Not found",
        "camera_not_found",
        "Camera not found or disconnected",
        "Check camera identifier",
        E.CameraNotFoundError,
    ),
    (
        -32603,
        "Internal server error",
        "METHOD_ERROR",
        "get_camera_status: invalid or inaccessible device: camera9",
        "Contact support if issue persists",
        E.CameraNotFoundError,
    ),
    (
        -32603,
        "Internal server error",
        "internal_error",
        "camera 'camera9' capabilities error: invalid or inaccessible device: camera9",
        "Retry or contact support if persistent",
        E.CameraNotFoundError,
    ),
    (
        -32603,
        "Internal server error",
        "METHOD_ERROR",
        "get_camera_status: validation failed: [device parameter is required]",
        "Contact support if issue persists",
        E.InvalidParamsError,
    ),
    (
        -32603,
        "Internal server error",
        "METHOD_ERROR",
        "set_discovery_interval: scan_interval must be >= 0",
        "Contact support if issue persists",
        E.InvalidParamsError,
    ),
    (
        -32603,
        "Internal server error",
        "METHOD_ERROR",
        "subscribe_events: failed to subscribe to events: invalid event topic: no.such.topic",
        "Contact support if issue persists",
        E.InvalidParamsError,
    ),
    (
        -32603,
        "Internal server error",
        "METHOD_ERROR",
        "start_recording: path camera0 is already recording",
        "Contact support if issue persists",
        E.RecordingInProgressError,
    ),
    (
        -32603,
        "Internal server error",
        "METHOD_ERROR",
        "stop_recording: path camera0 is not currently recording",
        "Contact support if issue persists",
        E.InvalidStateError,
    ),
    (
        -32010,
        "Not found",
        "file_not_found",
        "File not found or inaccessible",
        "Verify filename",
        E.NotFoundError,
    ),
    (
        -32602,
        "Invalid parameters",
        "invalid_params",
        "validation failed",
        "Provide valid filename parameter",
        E.InvalidParamsError,
    ),
    (
        -32001,
        "Authentication failed or token expired",
        "auth_required",
        "Authentication required",
        "Authenticate first",
        E.AuthenticationError,
    ),
    (
        -32001,
        "Authentication failed or token expired",
        "auth_failed",
        "Invalid or expired token",
        "Provide valid token",
        E.AuthenticationError,
    ),
    (
        -32002,
        "Permission denied",
        "permission_denied",
        "insufficient permissions for method take_snapshot",
        "Use an account with permission",
        E.PermissionDeniedError,
    ),
    (
        -32601,
        "Method not found",
        "method_not_found",
        "no_such_method",
        "Verify method name",
        E.MethodNotFoundError,
    ),
    (
        -32600,
        "Invalid Request",
        "invalid_request",
        "Invalid JSON-RPC request",
        "Ensure valid JSON-RPC 2.0 structure",
        E.InvalidRequestError,
    ),
    (
        -32600,
        "Invalid Request",
        "invalid_version",
        "Invalid JSON-RPC version",
        "Set jsonrpc to '2.0'",
        E.InvalidRequestError,
    ),
    (
        -32030,
        "Unsupported",
        "feature_disabled",
        "External stream discovery is disabled in configuration",
        "Enable external discovery in configuration",
        E.UnsupportedError,
    ),
    (
        -32603,
        "Internal server error",
        "METHOD_ERROR",
        "take_snapshot: validation failed",
        "Contact support if issue persists",
        E.InvalidParamsError,
    ),
    (
        -32603,
        "Internal server error",
        "METHOD_ERROR",
        "something else broke",
        "Contact support if issue persists",
        E.InternalServerError,
    ),
]


@pytest.mark.parametrize("dialect", [None, "current"])
@pytest.mark.parametrize(
    ("code", "message", "reason", "details", "suggestion", "cls"), _RECORDED_CURRENT
)
def test_the_reason_picks_the_class_whatever_the_code(
    dialect: E.Dialect | None,
    code: int,
    message: str,
    reason: str,
    details: str,
    suggestion: str,
    cls: type[E.RpcError],
) -> None:
    data = {"reason": reason, "details": details, "suggestion": suggestion}
    exc = E.error_for_code(code, message, data, method="m", dialect=dialect)
    assert type(exc) is cls
    # The structured fields stay as the service sent them.
    assert (exc.code, exc.message, exc.data, exc.method) == (code, message, data, "m")
    # The text says why, in the service's words.
    text = str(exc)
    assert text.startswith(message)
    assert details in text
    assert f"suggestion: {suggestion}" in text
    assert text.endswith(f"(method 'm', code {code})")
    assert not isinstance(exc, E.ValidationError)


def test_camera_not_found_on_both_codes_reads_as_the_user_expects() -> None:
    data = {
        "reason": "camera_not_found",
        "details": "Camera not found or disconnected",
        "suggestion": "Check camera identifier",
    }
    for code in (-32010, -32603):
        exc = E.error_for_code(code, "Not found", data, method="take_snapshot", dialect="current")
        assert isinstance(exc, E.CameraNotFoundError)
        assert isinstance(exc, E.NotFoundError)
    exc = E.error_for_code(-32010, "Not found", data, method="take_snapshot", dialect="current")
    assert str(exc) == (
        "Not found: Camera not found or disconnected; suggestion: Check camera identifier "
        "(method 'take_snapshot', code -32010)"
    )


def test_legacy_codes_are_read_on_any_dialect_and_beat_a_vaguer_reason() -> None:
    for dialect in (None, "current", "legacy"):
        assert type(E.error_for_code(-1000, "x", dialect=dialect)) is E.CameraNotFoundError
        assert type(E.error_for_code(-32003, "x", dialect=dialect)) is E.PermissionDeniedError
        assert type(E.error_for_code(-1003, "x", dialect=dialect)) is E.MediaMTXError
    # A reason naming a base class of what the code says keeps the code's class.
    exc = E.error_for_code(-1000, "x", {"reason": "not_found"}, dialect="legacy")
    assert type(exc) is E.CameraNotFoundError


def test_class_for_reason() -> None:
    assert E.class_for_reason({"reason": "CAMERA_NOT_FOUND"}) is E.CameraNotFoundError
    assert E.class_for_reason({"reason": "METHOD_ERROR", "details": "no clue"}) is None
    assert E.class_for_reason({"reason": 3}) is None
    assert E.class_for_reason(None) is None
    assert E.class_for_reason(["reason"]) is None


def test_hint_and_detail_fields_are_shown_too() -> None:
    exc = E.error_for_code(-32601, "Method not found", {"hint": "try get_camera_list"})
    assert str(exc) == "Method not found: hint: try get_camera_list (code -32601)"
    exc = E.error_for_code(
        -32050, "Dependency failed", {"dependency": "ffmpeg", "detail": "exit 1"}
    )
    assert "Dependency failed: exit 1" in str(exc)
    # Details the message already holds are not repeated.
    exc = E.RpcError(
        "Camera not found or disconnected", data={"details": "camera not found or disconnected"}
    )
    assert str(exc) == "Camera not found or disconnected"


@pytest.mark.parametrize(
    ("message", "data", "why"),
    [
        # current service
        (
            "Authentication failed or token expired",
            {"reason": "auth_failed", "details": "Invalid or expired token"},
            "Invalid or expired token",
        ),
        (
            "Authentication failed or token expired",
            {"reason": "auth_required", "details": "auth_token parameter is required"},
            "auth_token parameter is required",
        ),
        # a free-text reason without details (as the emulator sends)
        ("Authentication failed", {"reason": "token expired"}, "token expired"),
        (
            "Authentication failed",
            {"reason": "wrong credential kind: an API key sent as a JWT"},
            "wrong credential kind",
        ),
        # legacy: the refusal result is the data, its error the message
        (
            "Invalid authentication token",
            {"authenticated": False, "error": "Invalid authentication token"},
            "Invalid authentication token",
        ),
    ],
)
def test_authentication_errors_say_why(message: str, data: dict[str, object], why: str) -> None:
    exc = E.error_for_code(-32001, message, data, method="authenticate")
    assert type(exc) is E.AuthenticationError
    assert why in str(exc)
    assert exc.reason is not None


def test_authentication_reason_accessor() -> None:
    assert E.AuthenticationError("x", data={"reason": "auth_failed"}).reason == "auth_failed"
    assert E.AuthenticationError("x", data={"error": "Missing token"}).reason == "Missing token"
    assert E.AuthenticationError("x").reason is None


# ---------------------------------------------------------------- ValidationError, TimeoutError


def test_validation_error_is_invalid_params_and_value_error() -> None:
    exc = E.ValidationError("duration must be 1..86400", data={"param": "duration"})
    assert isinstance(exc, E.InvalidParamsError)
    assert isinstance(exc, E.RpcError)
    assert isinstance(exc, E.CameraServiceError)
    assert isinstance(exc, ValueError)
    assert exc.code == -32602
    assert exc.param == "duration"
    # Its text is its message: the code is the SDK's own, not the service's.
    assert str(exc) == "duration must be 1..86400"
    assert str(E.ValidationError("bad", method="take_snapshot")) == "bad (method 'take_snapshot')"
    with pytest.raises(ValueError, match="duration"):
        raise exc
    # The service's refusal is an InvalidParamsError, never a ValidationError.
    server = E.error_for_code(-32602, "Invalid params", None, method="take_snapshot")
    assert isinstance(server, E.InvalidParamsError)
    assert not isinstance(server, E.ValidationError)
    assert not isinstance(server, ValueError)
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is E.ValidationError
    assert (back.message, back.code, back.data) == (exc.message, -32602, {"param": "duration"})


def test_timeout_error_of_the_package() -> None:
    assert issubclass(E.CallTimeoutError, E.TimeoutError)
    assert issubclass(E.CallTimeoutError, builtins.TimeoutError)
    assert issubclass(E.TimeoutError, builtins.TimeoutError)
    assert issubclass(E.TimeoutError, E.CameraServiceError)
    assert E.TimeoutError is not builtins.TimeoutError
    with pytest.raises(E.TimeoutError):
        raise E.CallTimeoutError("no reply to ping within 1 s", method="ping")
    with pytest.raises(builtins.TimeoutError):
        raise E.TimeoutError("slow")


@pytest.mark.parametrize(
    "name",
    [
        name
        for name in E.__all__
        if isinstance(getattr(E, name), type) and issubclass(getattr(E, name), Exception)
    ],
)
def test_every_exception_is_built_from_one_message_and_prints_it(name: str) -> None:
    cls = getattr(E, name)
    exc = cls("something went wrong")
    assert str(exc) == "something went wrong"
    assert exc.message == "something went wrong"
    assert exc.args == ("something went wrong",)
