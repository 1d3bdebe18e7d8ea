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
