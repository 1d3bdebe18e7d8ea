"""The legacy dialect, field for field as the real legacy server answers (docs/protocol.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from mediamtx_camera_sdk.testing import CameraServiceEmulator
from mediamtx_camera_sdk.testing._constants import CURRENT_METHOD_ROLES, LEGACY_METHOD_ROLES

from .helpers import RawClient, make_emulator

Clients = Callable[..., RawClient]


def keys(obj: Any) -> set[str]:
    assert isinstance(obj, dict), obj
    return set(obj)


def no_data(error: dict[str, Any]) -> dict[str, Any]:
    assert "data" not in error, error  # legacy errors never carry data
    return error


# ------------------------------------------------------------------- auth


def test_authenticate_jwt_api_key_and_alias(
    legacy: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(legacy)
    result = client.result("authenticate", {"token": legacy.token("operator"), "auth_type": "jwt"})
    assert result == {"authenticated": True, "role": "operator", "auth_method": "jwt"}
    result = client.result(
        "authenticate", {"token": legacy.api_key("admin"), "auth_type": "api_key"}
    )
    assert result == {"authenticated": True, "role": "admin", "auth_method": "api_key"}
    result = client.result("authenticate", {"auth_token": legacy.token("viewer")})
    assert result == {"authenticated": True, "role": "viewer", "auth_method": "jwt"}
    # The one request shape both dialects accept.
    result = client.result(
        "authenticate", {"auth_token": legacy.api_key("viewer"), "auth_type": "auto"}
    )
    assert result["auth_method"] == "api_key"


@pytest.mark.parametrize(
    "params",
    [
        {"token": "garbage", "auth_type": "jwt"},
        {"token": "expired", "auth_type": "jwt"},
        {"token": "jwt-as-key", "auth_type": "api_key"},
        {"token": "x", "auth_type": "kerberos"},
        {},
    ],
)
def test_authentication_failures_are_results(
    legacy: CameraServiceEmulator, clients: Clients, params: dict[str, Any]
) -> None:
    client = clients(legacy)
    if params.get("token") == "expired":
        params["token"] = legacy.token("operator", expires_in=-60)
    if params.get("token") == "jwt-as-key":
        params["token"] = legacy.token("operator")
    result = client.result("authenticate", params)
    assert keys(result) == {"authenticated", "error"}
    assert result["authenticated"] is False
    assert isinstance(result["error"], str)


def test_only_camera_operations_are_protected(
    legacy: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(legacy)
    for method in ("get_camera_list", "get_cameras", "get_streams", "get_metrics", "get_status"):
        assert "result" in client.call(method), method
    assert "result" in client.call("get_camera_status", {"device": "/dev/video0"})
    for method in ("take_snapshot", "start_recording", "stop_recording"):
        error = no_data(client.error(method, {"device": "/dev/video0"}))
        assert error["code"] == -32001
    viewer = clients(legacy, "viewer")
    for method in ("take_snapshot", "start_recording", "stop_recording"):
        assert no_data(viewer.error(method, {"device": "/dev/video0"}))["code"] == -32003
    # An inline token works without a session, and then authenticates the
    # connection: later inline tokens are not looked at.
    bad = {"device": "/dev/video0", "auth_token": "garbage"}
    assert no_data(client.error("take_snapshot", bad))["code"] == -32001
    inline = {"device": "/dev/video0", "auth_token": legacy.token("operator")}
    assert client.result("take_snapshot", inline)["status"] == "completed"
    assert client.result("take_snapshot", {"device": "/dev/video0"})["status"] == "completed"
    fresh = clients(legacy)
    viewer_inline = {"device": "/dev/video0", "auth_token": legacy.api_key("viewer")}
    assert no_data(fresh.error("take_snapshot", viewer_inline))["code"] == -32003
    inline["auth_token"] = legacy.token("operator")
    assert no_data(fresh.error("take_snapshot", inline))["code"] == -32003


def test_expired_session(legacy: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(legacy, "operator")
    assert client.result("take_snapshot", {"device": "/dev/video0"})["status"] == "completed"
    legacy.expire_tokens()
    assert no_data(client.error("take_snapshot", {"device": "/dev/video0"}))["code"] == -32001
    assert client.result("get_camera_list")["total"] == 2


def test_current_only_calls_are_unknown(legacy: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(legacy, "operator")
    for method in sorted(set(CURRENT_METHOD_ROLES) - set(LEGACY_METHOD_ROLES)):
        assert no_data(client.error(method))["code"] == -32601, method
    assert len(LEGACY_METHOD_ROLES) == 12  # 11 calls plus the get_cameras alias


# ---------------------------------------------------------------- cameras


def test_camera_list(legacy: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(legacy)
    legacy.unplug_camera("/dev/video1")
    result = client.result("get_camera_list")
    assert keys(result) == {"cameras", "total", "connected"}
    # The real legacy service leaves an unplugged camera out of the list.
    assert (result["total"], result["connected"]) == (1, 1)
    assert client.result("get_cameras") == result
    (up,) = result["cameras"]
    assert keys(up) == {"device", "status", "name", "resolution", "fps", "streams"}
    assert (up["device"], up["status"]) == ("/dev/video0", "CONNECTED")
    assert keys(up["streams"]) == {"rtsp", "hls", "webrtc"}
    assert up["streams"]["rtsp"].endswith("/camera0")
    down = client.result("get_camera_status", {"device": "/dev/video1"})
    assert (down["status"], down["streams"], down["resolution"], down["fps"]) == (
        "DISCONNECTED",
        {},
        "",
        0,
    )
    assert legacy.devices == ["/dev/video0", "/dev/video1"]


def test_camera_status(legacy: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(legacy)
    status = client.result("get_camera_status", {"device": "/dev/video0"})
    assert keys(status) >= {"device", "status", "metrics", "capabilities"}
    assert keys(status["metrics"]) == {"bytes_sent", "readers", "uptime"}
    assert isinstance(status["metrics"]["readers"], list)
    assert keys(status["capabilities"]) == {"formats", "resolutions"}
    unknown = client.result("get_camera_status", {"device": "/dev/video7"})
    assert (unknown["device"], unknown["status"]) == ("/dev/video7", "DISCONNECTED")
    assert client.result("get_camera_status", {"device": "camera0"})["status"] == "DISCONNECTED"
    error = no_data(client.error("get_camera_status", {}))
    assert (error["code"], error["message"]) == (-32602, "Invalid params")
    # Unknown parameters are ignored, not refused.
    assert "result" in client.call("get_camera_list", {"limit": 3})


# --------------------------------------------------------------- snapshots


def test_snapshot_result_and_png(legacy: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(legacy, "operator")
    result = client.result("take_snapshot", {"device": "/dev/video0"})
    assert keys(result) == {
        "device",
        "filename",
        "status",
        "timestamp",
        "file_size",
        "format",
        "quality",
    }
    assert (result["status"], result["format"], result["device"]) == (
        "completed",
        "jpg",
        "/dev/video0",
    )
    datetime.fromisoformat(result["timestamp"])
    png = client.result("take_snapshot", {"device": "/dev/video0", "format": "png", "quality": 50})
    assert (png["format"], png["quality"]) == ("png", 50)
    assert legacy.media_dir is not None
    data = (legacy.media_dir / "snapshots" / png["filename"]).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) == png["file_size"]


@pytest.mark.parametrize("device", ["/dev/video9", "/dev/video1", "/dev/video0"])
def test_snapshot_failures_are_results(
    legacy: CameraServiceEmulator, clients: Clients, device: str
) -> None:
    client = clients(legacy, "operator")
    legacy.unplug_camera("/dev/video1")
    if device == "/dev/video0":
        legacy.set_mediamtx_available(False)
    result = client.result("take_snapshot", {"device": device})
    assert result["status"] == "FAILED"
    assert result["file_size"] == 0
    assert isinstance(result["error"], str)
    assert keys(result) >= {"device", "filename", "timestamp", "format", "quality"}


@pytest.mark.parametrize("params", [{"quality": 0}, {"quality": 101}, {"filename": "../x"}])
def test_snapshot_param_errors(
    legacy: CameraServiceEmulator, clients: Clients, params: dict[str, Any]
) -> None:
    client = clients(legacy, "operator")
    error = no_data(client.error("take_snapshot", {"device": "/dev/video0", **params}))
    assert error["code"] == -32602


# -------------------------------------------------------------- recordings


def test_recording_start_stop(legacy: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(legacy, "operator")
    started = client.result("start_recording", {"device": "/dev/video0", "format": "mkv"})
    assert keys(started) == {
        "device",
        "session_id",
        "filename",
        "status",
        "start_time",
        "duration",
        "format",
    }
    assert (started["status"], started["format"], started["duration"]) == ("STARTED", "mp4", None)
    assert isinstance(started["session_id"], str)
    stopped = client.result("stop_recording", {"device": "/dev/video0"})
    assert keys(stopped) == {
        "device",
        "session_id",
        "filename",
        "status",
        "stop_time",
        "duration",
        "file_size",
    }
    assert (stopped["status"], stopped["session_id"]) == ("STOPPED", None)
    assert stopped["filename"] == started["filename"]
    assert stopped["file_size"] > 0


@pytest.mark.parametrize(
    ("params", "seconds"),
    [
        ({"duration": 30}, 30),
        ({"duration_seconds": 45}, 45),
        ({"duration_minutes": 2}, 120),
        ({"duration_hours": 1}, 3600),
    ],
)
def test_recording_durations(
    legacy: CameraServiceEmulator, clients: Clients, params: dict[str, Any], seconds: int
) -> None:
    client = clients(legacy, "operator")
    started = client.result("start_recording", {"device": "/dev/video0", **params})
    assert started["duration"] == seconds


def test_recording_failures_are_generic_1003(
    legacy: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(legacy, "operator")
    client.result("start_recording", {"device": "/dev/video0"})
    messages = set()
    cases = [
        ("start_recording", "/dev/video0"),  # already recording
        ("start_recording", "/dev/video9"),  # unknown camera
        ("stop_recording", "/dev/video1"),  # not recording
    ]
    for method, device in cases:
        error = no_data(client.error(method, {"device": device}))
        assert error["code"] == -1003
        messages.add(error["message"])
    legacy.set_mediamtx_available(False)
    assert no_data(client.error("start_recording", {"device": "/dev/video1"}))["code"] == -1003
    assert len(messages) == 1
    assert (
        no_data(client.error("start_recording", {"device": "/dev/video1", "duration": 0}))["code"]
        == -32602
    )


def test_recording_notifications_name_another_file(
    legacy: CameraServiceEmulator, clients: Clients
) -> None:
    operator = clients(legacy, "operator")
    anonymous = clients(legacy)
    started = operator.result("start_recording", {"device": "/dev/video0", "duration": 1})
    for client in (operator, anonymous):
        note = client.notification("recording_status_update")
        assert keys(note) == {"device", "status", "filename"}  # no duration on legacy
        assert (note["device"], note["status"]) == ("/dev/video0", "STARTED")
        assert note["filename"] != started["filename"]
        assert note["filename"].endswith(started["filename"])
        assert client.notification("recording_status_update")["status"] == "STOPPED"


# ------------------------------------------------------------ server calls


def test_server_calls(legacy: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(legacy)
    client.result("ping")
    metrics = client.result("get_metrics")
    assert keys(metrics) == {
        "uptime",
        "request_count",
        "error_count",
        "active_connections",
        "avg_response_times",
        "requests_per_second",
        "methods",
    }
    assert metrics["request_count"] >= 1
    assert keys(metrics["methods"]["ping"]) == {"count", "avg_ms", "max_ms"}
    assert "ping" in metrics["avg_response_times"]
    status = client.result("get_status")
    assert keys(status) == {"server", "mediamtx"}
    assert keys(status["server"]) == {"status", "uptime", "version", "connections"}
    assert keys(status["mediamtx"]) == {"status", "connected"}
    streams = client.result("get_streams")
    assert len(streams) == 2
    for stream in streams:
        assert keys(stream) == {"name", "source", "ready", "readers", "bytes_sent"}
        assert stream["source"] is None or keys(stream["source"]) == {"type", "id"}
    error = no_data(client.error("get_server_info"))
    assert error["code"] == -32603


def test_fail_next_and_rate_limit(clients: Clients) -> None:
    with make_emulator(dialect="legacy", rate_limit=(5, 60.0)) as emulator:
        client = clients(emulator)
        emulator.fail_next("get_status", -1004)
        error = client.error("get_status")
        assert error == {"code": -1004, "message": "Stream operation failed"}
        assert "result" in client.call("get_status")
        for _ in range(3):
            client.result("ping")
        assert no_data(client.error("ping"))["code"] == -32002


def test_rate_limit_spares_authenticate_and_unknown_methods(clients: Clients) -> None:
    with make_emulator(dialect="legacy", rate_limit=(2, 60.0)) as emulator:
        client = clients(emulator)
        client.result("ping")
        client.result("ping")
        assert no_data(client.error("ping"))["code"] == -32002
        params = {"token": emulator.token("operator")}
        assert client.result("authenticate", params)["authenticated"] is True
        assert no_data(client.error("nope"))["code"] == -32601


def test_what_the_real_legacy_server_says(legacy: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(legacy)
    # Positional params read as none: ping answers, authenticate lacks its token.
    assert client.call("ping", [])["result"] == "pong"
    assert client.result("authenticate", ["x"]) == {
        "authenticated": False,
        "error": "Missing token",
    }
    assert client.result("authenticate", {"token": "garbage"})["error"] == (
        "Invalid authentication token"
    )
    refused = client.error("take_snapshot", {"device": "/dev/video0"})
    assert refused["message"] == "Authentication required - call authenticate or provide auth_token"
    operator = clients(legacy, "operator")
    # An unknown format silently becomes jpg; a timestamp is whole seconds with Z.
    shot = operator.result("take_snapshot", {"device": "/dev/video0", "format": "bmp"})
    assert (shot["format"], shot["filename"][-4:]) == ("jpg", ".jpg")
    assert shot["filename"].startswith("camera0_snapshot_")
    assert shot["timestamp"].endswith("Z") and "." not in shot["timestamp"]
    over = {"device": "/dev/video0", "duration_seconds": 5000}
    assert no_data(operator.error("start_recording", over))["code"] == -32602
    unknown = client.result("get_camera_status", {"device": "/dev/video9"})
    assert (unknown["name"], unknown["metrics"]["readers"]) == ("Camera 9", 0)
    status = client.result("get_status")
    assert status["mediamtx"] == {"status": "healthy", "connected": True}
    legacy.set_mediamtx_available(False)
    assert client.result("get_streams") == []
    assert client.result("get_status")["mediamtx"] == {"status": "error", "connected": False}
    assert client.result("get_camera_list")["cameras"][0]["streams"] == {}


def test_documented_legacy_lists_unplugged_cameras(clients: Clients) -> None:
    with make_emulator(dialect="legacy", behaviour="documented") as emulator:
        client = clients(emulator, "operator")
        emulator.unplug_camera("/dev/video1")
        assert client.result("get_camera_list")["total"] == 2
        client.result("start_recording", {"device": "/dev/video0", "duration": 1})
        assert "duration" in client.notification("recording_status_update")


def test_any_websocket_path(legacy: CameraServiceEmulator) -> None:
    base = legacy.url.rsplit("/", 1)[0]
    for path in ("/", "/some/other/path"):
        client = RawClient(base + path)
        try:
            assert client.result("ping") == "pong"
        finally:
            client.close()


# --------------------------------------------------------------- envelope


@pytest.mark.parametrize(
    ("frame", "reply"),
    [
        (
            "{not json",
            {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}},
        ),
        ('[{"jsonrpc":"2.0","id":1,"method":"ping"}]', {"id": None, "code": -32603}),
        ("[]", {"id": None, "code": -32603}),
        ("42", {"id": None, "code": -32603}),
        ('"ping"', {"id": None, "code": -32603}),
        ('{"id":7,"method":"ping"}', {"id": 7, "code": -32600}),
        ('{"jsonrpc":"1.0","id":"a","method":"ping"}', {"id": "a", "code": -32600}),
        ('{"jsonrpc":"2.0","id":8,"method":5}', {"id": 8, "code": -32600}),
        (
            '{"jsonrpc":"2.0","id":9,"method":"get_camera_status","params":[1]}',
            {"id": 9, "code": -32602},
        ),
        ('{"jsonrpc":"2.0","method":"nope"}', {"id": None, "code": -32601}),
        ('{"jsonrpc":"2.0","id":null,"method":"nope"}', {"id": None, "code": -32601}),
        (
            '{"jsonrpc":"2.0","method":"take_snapshot","params":{"device":"/dev/video0"}}',
            {"id": None, "code": -32001},
        ),
    ],
)
def test_envelope_errors(
    legacy: CameraServiceEmulator, clients: Clients, frame: str, reply: dict[str, Any]
) -> None:
    client = clients(legacy)
    client.send(frame)
    got = client.recv()
    if "error" in reply:
        assert got == reply
    else:
        assert got["id"] == reply["id"]
        assert no_data(got["error"])["code"] == reply["code"]
    assert client.result("ping") == "pong"


@pytest.mark.parametrize("rid", [[1, 2], {"a": 1}, True, 1.5, "x", 0, -3])
def test_ids_of_any_type_are_echoed(
    legacy: CameraServiceEmulator, clients: Clients, rid: Any
) -> None:
    client = clients(legacy)
    client.send({"jsonrpc": "2.0", "id": rid, "method": "ping"})
    assert client.recv() == {"jsonrpc": "2.0", "id": rid, "result": "pong"}


def test_requests_without_id_get_no_reply_except_failed_auth(
    legacy: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(legacy)
    client.send({"jsonrpc": "2.0", "method": "ping"})
    client.send({"jsonrpc": "2.0", "id": None, "method": "get_camera_list"})
    client.send(b"\x00\x01binary frames are ignored")
    client.send({"jsonrpc": "2.0", "method": "authenticate", "params": {"token": legacy.token()}})
    client.send({"jsonrpc": "2.0", "method": "authenticate", "params": {"token": "bad"}})
    got = client.recv()
    assert got["id"] is None
    assert got["result"]["authenticated"] is False
    client.send({"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert client.recv() == {"jsonrpc": "2.0", "id": 1, "result": "pong"}


def test_one_request_at_a_time(legacy: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(legacy)
    legacy.delay("get_status", 0.3)
    client.send({"jsonrpc": "2.0", "id": 1, "method": "get_status"})
    client.send({"jsonrpc": "2.0", "id": 2, "method": "ping"})
    assert [client.recv()["id"], client.recv()["id"]] == [1, 2]


def test_camera_notifications_reach_every_connection(
    legacy: CameraServiceEmulator, clients: Clients
) -> None:
    anonymous = clients(legacy)
    authed = clients(legacy, "operator")
    legacy.unplug_camera("/dev/video0")
    for client in (anonymous, authed):
        params = client.notification("camera_status_update")
        assert (params["device"], params["status"]) == ("/dev/video0", "DISCONNECTED")
        assert params["streams"] == {}
    # No topics in the legacy dialect.
    assert (
        no_data(authed.error("subscribe_events", {"topics": ["camera.connected"]}))["code"]
        == -32601
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (-1000, "Camera not found"),
        (-1001, "Camera not available"),
        (-1002, "Recording already in progress"),
        (-1003, "MediaMTX operation failed"),
        (-1004, "Stream operation failed"),
        (-32001, "Authentication required"),
        (-32002, "Rate limit exceeded"),
        (-32003, "Insufficient permissions"),
        (-32602, "Invalid params"),
        (-32603, "Internal error"),
    ],
)
def test_every_legacy_code_can_be_injected(
    legacy: CameraServiceEmulator, clients: Clients, code: int, message: str
) -> None:
    client = clients(legacy, "operator")
    legacy.fail_next("take_snapshot", code)
    assert client.error("take_snapshot", {"device": "/dev/video0"}) == {
        "code": code,
        "message": message,
    }
    assert client.result("take_snapshot", {"device": "/dev/video0"})["status"] == "completed"
