"""The documented current dialect, call by call (docs/protocol.md; raw WebSocket clients)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from mediamtx_camera_sdk.testing import CameraServiceEmulator
from mediamtx_camera_sdk.testing._constants import CURRENT_METHOD_ROLES, TOPICS

from .helpers import WAIT, RawClient

Clients = Callable[..., RawClient]
RANK = {"viewer": 1, "operator": 2, "admin": 3}


def iso(value: Any) -> datetime:
    """Parse an ISO 8601 timestamp (fails the test when it is not one)."""
    assert isinstance(value, str), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def fields(obj: Any, *names: str) -> None:
    assert isinstance(obj, dict), obj
    missing = [name for name in names if name not in obj]
    assert not missing, f"missing {missing} in {obj}"


# Valid params for every call, so that the role checks are the only thing tested.
VALID_PARAMS: dict[str, dict[str, Any] | None] = {
    "ping": None,
    "authenticate": None,
    "get_camera_list": None,
    "get_camera_status": {"device": "camera0"},
    "get_camera_capabilities": {"device": "camera0"},
    "take_snapshot": {"device": "camera0"},
    "start_recording": {"device": "camera1", "duration": 60},
    "stop_recording": {"device": "camera1"},
    "list_recordings": {"limit": 5},
    "list_snapshots": {"limit": 5, "offset": 0},
    "get_recording_info": {"filename": "none.mp4"},
    "get_snapshot_info": {"filename": "none.jpg"},
    "delete_recording": {"filename": "none.mp4"},
    "delete_snapshot": {"filename": "none.jpg"},
    "start_streaming": {"device": "camera0"},
    "stop_streaming": {"device": "camera0"},
    "get_stream_url": {"device": "camera0"},
    "get_stream_status": {"device": "camera0"},
    "get_streams": None,
    "get_metrics": None,
    "get_status": None,
    "get_system_status": None,
    "get_server_info": None,
    "get_storage_info": None,
    "set_retention_policy": {"policy_type": "manual", "enabled": False},
    "cleanup_old_files": None,
    "subscribe_events": {"topics": ["camera.connected"]},
    "unsubscribe_events": None,
    "get_subscription_stats": None,
    "discover_external_streams": None,
    "add_external_stream": {"stream_url": "rtsp://192.0.2.99/x", "stream_name": "x"},
    "remove_external_stream": {"stream_url": "rtsp://192.0.2.98/x"},
    "get_external_streams": None,
    "set_discovery_interval": {"scan_interval": 30},
}


def test_the_table_covers_all_34_calls() -> None:
    assert len(CURRENT_METHOD_ROLES) == 34
    assert set(VALID_PARAMS) == set(CURRENT_METHOD_ROLES)


# ------------------------------------------------------------------ auth, roles


def test_ping_and_authenticate_need_no_auth(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu)
    assert client.result("ping") == "pong"
    result = client.result("authenticate", {"auth_token": emu.token("operator")})
    fields(result, "authenticated", "role", "permissions", "expires_at", "session_id")
    assert result["authenticated"] is True
    assert result["role"] == "operator"
    assert isinstance(result["permissions"], list)
    assert iso(result["expires_at"]).timestamp() > time.time()
    assert isinstance(result["session_id"], str)
    assert result["session_id"]
    assert "auth_method" not in result


def test_authenticate_accepts_api_keys_and_ignores_auth_type(
    emu: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(emu)
    result = client.result(
        "authenticate", {"auth_token": emu.api_key("admin"), "auth_type": "api_key"}
    )
    assert result["role"] == "admin"
    assert client.result("get_storage_info")["total_space"] > 0


SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def test_configured_api_keys_and_secret() -> None:
    import jwt

    with CameraServiceEmulator(
        jwt_secret=SECRET, api_keys={"k-view": "viewer"}, idle_timeout=None
    ) as emulator:
        assert emulator.api_key("viewer") == "k-view"
        client = RawClient(emulator.url)
        try:
            assert client.result("authenticate", {"auth_token": "k-view"})["role"] == "viewer"
            own = jwt.encode(
                {"user_id": "u", "role": "admin", "iat": int(time.time()), "exp": 2**31},
                SECRET,
                algorithm="HS256",
            )
            assert client.result("authenticate", {"auth_token": own})["role"] == "admin"
            other = jwt.encode({"role": "admin", "exp": 2**31}, SECRET + "x", algorithm="HS256")
            assert client.error("authenticate", {"auth_token": other})["code"] == -32001
        finally:
            client.close()
    with pytest.raises(ValueError, match="role"):
        CameraServiceEmulator(api_keys={"k": "root"})


@pytest.mark.parametrize(
    ("credential", "reason"),
    [("garbage", "invalid token"), ("expired", "token expired"), ("", None)],
)
def test_authenticate_failures(
    emu: CameraServiceEmulator, clients: Clients, credential: str, reason: str | None
) -> None:
    client = clients(emu)
    if credential == "expired":
        credential = emu.token("admin", expires_in=-60)
    error = client.error("authenticate", {"auth_token": credential})
    if reason is None:  # an empty token is a bad parameter
        assert error["code"] == -32602
        assert error["data"]["param"] == "auth_token"
    else:
        assert error["code"] == -32001
        assert error["data"]["reason"] == reason
    assert client.error("get_camera_list")["code"] == -32001


@pytest.mark.parametrize("method", sorted(set(CURRENT_METHOD_ROLES) - {"ping", "authenticate"}))
def test_every_protected_call_needs_authentication(
    emu: CameraServiceEmulator, clients: Clients, method: str
) -> None:
    client = clients(emu)
    error = client.error(method, VALID_PARAMS[method])
    assert error["code"] == -32001
    assert error["data"]["reason"] == "authentication required"


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
@pytest.mark.parametrize("method", sorted(set(CURRENT_METHOD_ROLES) - {"ping", "authenticate"}))
def test_permission_matrix(
    emu: CameraServiceEmulator, clients: Clients, method: str, role: str
) -> None:
    client = clients(emu, role)
    if method == "stop_recording":
        emu_client = clients(emu, "operator")
        emu_client.result("start_recording", {"device": "camera1"})
    reply = client.call(method, VALID_PARAMS[method])
    needed = CURRENT_METHOD_ROLES[method]
    assert needed is not None
    if RANK[role] < RANK[needed]:
        assert reply["error"]["code"] == -32002, reply
        assert reply["error"]["data"] == {"required_role": needed, "have_role": role}
    else:
        error = reply.get("error") or {}
        assert error.get("code") not in (-32001, -32002), reply


def test_expired_session_fails_then_reauthenticates(
    emu: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(emu)
    old = emu.token("viewer")
    client.result("authenticate", {"auth_token": old})
    client.result("get_camera_list")
    emu.expire_tokens()
    error = client.error("get_camera_list")
    assert error["code"] == -32001
    assert error["data"]["reason"] == "token expired"
    assert client.error("authenticate", {"auth_token": old})["data"]["reason"] == "token expired"
    client.result("authenticate", {"auth_token": emu.token("viewer")})
    assert client.result("get_camera_list")["total"] == 2


# --------------------------------------------------------------------- cameras


def test_camera_list_and_status(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "viewer")
    result = client.result("get_camera_list")
    fields(result, "cameras", "total", "connected")
    assert (result["total"], result["connected"]) == (2, 2)
    assert [c["device"] for c in result["cameras"]] == ["camera0", "camera1"] == emu.devices
    for camera in result["cameras"]:
        fields(camera, "device", "status", "name", "resolution", "fps", "streams")
        assert camera["status"] == "CONNECTED"
        assert isinstance(camera["fps"], int)
        assert "x" in camera["resolution"]
        fields(camera["streams"], "rtsp", "hls")
    status = client.result("get_camera_status", {"device": "camera0"})
    fields(status, "device", "status", "metrics", "capabilities")
    fields(status["metrics"], "bytes_sent", "readers", "uptime")
    fields(status["capabilities"], "formats", "resolutions")

    emu.unplug_camera("camera1")
    result = client.result("get_camera_list")
    assert (result["total"], result["connected"]) == (2, 1)
    gone = result["cameras"][1]
    assert gone["status"] == "DISCONNECTED"
    assert "streams" not in gone  # only device and status are promised
    assert client.result("get_camera_status", {"device": "camera1"})["status"] == "DISCONNECTED"
    assert emu.plug_camera() == "camera2"
    assert client.result("get_camera_list")["total"] == 3


@pytest.mark.parametrize("method", ["get_camera_status", "get_camera_capabilities"])
def test_camera_param_errors(emu: CameraServiceEmulator, clients: Clients, method: str) -> None:
    client = clients(emu, "viewer")
    error = client.error(method, {"device": "camera9"})
    assert error["code"] == -32010
    assert error["data"] == {"resource": "camera", "id": "camera9"}
    error = client.error(method, {"device": "/dev/video0"})
    assert (error["code"], error["data"]["param"], error["data"]["rule"]) == (
        -32602,
        "device",
        "format",
    )
    error = client.error(method, {})
    assert (error["data"]["param"], error["data"]["rule"]) == ("device", "required")
    assert "hint" in error["data"]
    error = client.error(method, {"device": 0})
    assert error["data"]["rule"] == "type"
    error = client.error(method, {"device": "camera0", "extra": 1})
    assert (error["data"]["param"], error["data"]["rule"]) == ("extra", "unknown")


def test_unknown_params_refused_even_without_params(
    emu: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(emu, "viewer")
    assert client.error("get_camera_list", {"limit": 1})["code"] == -32602
    assert client.result("get_camera_list", {})["total"] == 2


def test_capabilities(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "viewer")
    result = client.result("get_camera_capabilities", {"device": "camera0"})
    fields(result, "device", "formats", "resolutions", "fps_options", "validation_status")
    assert result["validation_status"] == "CONFIRMED"
    assert all(isinstance(fps, int) for fps in result["fps_options"])
    emu.unplug_camera("camera0")
    result = client.result("get_camera_capabilities", {"device": "camera0"})
    assert result["validation_status"] == "DISCONNECTED"
    emu.change_camera("camera1", status="ERROR")
    result = client.result("get_camera_capabilities", {"device": "camera1"})
    assert result["validation_status"] == "NONE"


# ------------------------------------------------------------------- snapshots


def test_snapshot_writes_a_real_jpeg(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "operator")
    result = client.result("take_snapshot", {"device": "camera0"})
    fields(result, "device", "filename", "status", "timestamp", "file_size", "file_path")
    assert result["status"] == "SUCCESS"
    iso(result["timestamp"])
    assert emu.media_dir is not None
    data = (emu.media_dir / "snapshots" / result["filename"]).read_bytes()
    assert data[:2] == b"\xff\xd8"  # SOI
    assert data[-2:] == b"\xff\xd9"  # EOI
    assert b"JFIF" in data[:20]
    assert len(data) == result["file_size"] > 100
    named = client.result("take_snapshot", {"device": "camera1", "filename": "mine"})
    assert named["filename"] == "mine.jpg"


def test_snapshot_errors(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "operator")
    for bad in ("../x.jpg", "a/b.jpg", "a\\b.jpg", ".hidden"):
        error = client.error("take_snapshot", {"device": "camera0", "filename": bad})
        assert (error["code"], error["data"]["param"]) == (-32602, "filename"), bad
    emu.unplug_camera("camera1")
    error = client.error("take_snapshot", {"device": "camera1"})
    assert error["code"] == -32020
    assert error["data"] == {"state": "DISCONNECTED", "allowed_states": ["CONNECTED"]}
    emu.set_mediamtx_available(False)
    error = client.error("take_snapshot", {"device": "camera0"})
    assert error["code"] == -32050
    assert error["data"]["dependency"] == "mediamtx"
    assert "detail" in error["data"]
    emu.set_mediamtx_available(True)
    assert client.result("take_snapshot", {"device": "camera0"})["status"] == "SUCCESS"


# ------------------------------------------------------------------ recordings


def test_recording_start_stop(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "operator")
    started = client.result("start_recording", {"device": "camera0", "format": "mkv"})
    fields(started, "device", "filename", "status", "start_time", "format")
    assert started["status"] in ("RECORDING", "STARTING")
    assert started["format"] == "mkv"
    assert started["filename"].endswith(".mkv")
    iso(started["start_time"])
    error = client.error("start_recording", {"device": "camera0"})
    assert error["code"] == -32020
    assert error["data"]["state"] == "RECORDING"
    assert "allowed_states" in error["data"]
    stopped = client.result("stop_recording", {"device": "camera0"})
    fields(
        stopped,
        "device",
        "filename",
        "status",
        "start_time",
        "end_time",
        "duration",
        "file_size",
        "format",
    )
    assert stopped["status"] == "STOPPED"
    assert stopped["filename"] == started["filename"]
    assert iso(stopped["end_time"]) >= iso(stopped["start_time"])
    assert emu.media_dir is not None
    path = emu.media_dir / "recordings" / stopped["filename"]
    assert path.stat().st_size == stopped["file_size"] > 0
    error = client.error("stop_recording", {"device": "camera0"})
    assert error["code"] == -32020
    assert error["data"]["state"] != "RECORDING"


@pytest.mark.parametrize(
    ("params", "param", "rule"),
    [
        ({"duration": 0}, "duration", "range"),
        ({"duration": 86401}, "duration", "range"),
        ({"duration": "10"}, "duration", "type"),
        ({"duration": True}, "duration", "type"),
        ({"duration": 1.5}, "duration", "type"),
        ({"format": "avi"}, "format", "enum"),
        ({"duration_seconds": 5}, "duration_seconds", "unknown"),
    ],
)
def test_recording_param_errors(
    emu: CameraServiceEmulator, clients: Clients, params: dict[str, Any], param: str, rule: str
) -> None:
    client = clients(emu, "operator")
    error = client.error("start_recording", {"device": "camera0", **params})
    assert error["code"] == -32602
    assert (error["data"]["param"], error["data"]["rule"]) == (param, rule)


def test_recording_grows_then_stops_by_itself(clients: Clients) -> None:
    # A slow time scale: the file must be seen growing before the duration ends.
    with CameraServiceEmulator(
        idle_timeout=None, time_scale=0.5, behaviour="documented"
    ) as emulator:
        client = clients(emulator, "operator")
        started = client.result("start_recording", {"device": "camera0", "duration": 2})
        sizes = []
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            info = client.result("get_recording_info", {"filename": started["filename"]})
            sizes.append(info["file_size"])
            if len(set(sizes)) >= 3:
                break
        assert sorted(sizes) == sizes
        assert len(set(sizes)) >= 3, sizes
        note = client.notification("recording_status_update", lambda p: p["status"] == "STOPPED")
        assert note["filename"] == started["filename"]
        assert note["duration"] == 2
        assert note["device"] == "camera0"
        error = client.error("stop_recording", {"device": "camera0"})
        assert error["code"] == -32020


def test_list_pagination_newest_first(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "operator")
    empty = client.result("list_snapshots")
    assert empty == {"files": [], "total": 0, "limit": 50, "offset": 0}
    names = [
        client.result("take_snapshot", {"device": "camera0", "filename": f"s{i}"})["filename"]
        for i in range(5)
    ]
    page = client.result("list_snapshots", {"limit": 2})
    fields(page, "files", "total", "limit", "offset")
    assert page["total"] == 5
    assert [f["filename"] for f in page["files"]] == names[::-1][:2]
    for entry in page["files"]:
        fields(entry, "filename", "file_size", "modified_time", "download_url")
        assert entry["download_url"].endswith("/files/snapshots/" + entry["filename"])
        iso(entry["modified_time"])
    page = client.result("list_snapshots", {"limit": 2, "offset": 4})
    assert [f["filename"] for f in page["files"]] == [names[0]]
    page = client.result("list_snapshots", {"offset": 10})
    assert page["files"] == []
    assert page["total"] == 5
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "5"}):
        assert client.error("list_snapshots", bad)["code"] == -32602
    page = client.result("list_recordings", {"limit": 1000})
    assert page["total"] == 0


def test_file_info_and_delete(emu: CameraServiceEmulator, clients: Clients) -> None:
    operator = clients(emu, "operator")
    admin = clients(emu, "admin")
    snap = operator.result("take_snapshot", {"device": "camera0"})["filename"]
    info = operator.result("get_snapshot_info", {"filename": snap})
    fields(info, "filename", "file_size", "created_time", "download_url")
    rec = operator.result("start_recording", {"device": "camera0"})["filename"]
    info = operator.result("get_recording_info", {"filename": rec})
    fields(info, "filename", "file_size", "duration", "created_time", "download_url")
    error = admin.error("delete_recording", {"filename": rec})
    assert (error["code"], error["data"]["state"]) == (-32020, "RECORDING")
    operator.result("stop_recording", {"device": "camera0"})
    for kind, name in (("recording", rec), ("snapshot", snap)):
        deleted = admin.result(f"delete_{kind}", {"filename": name})
        fields(deleted, "filename", "deleted", "message")
        assert deleted["deleted"] is True
        error = admin.error(f"get_{kind}_info", {"filename": name})
        assert error["code"] == -32010
        assert error["data"] == {"resource": kind, "id": name}
        assert admin.error(f"delete_{kind}", {"filename": name})["code"] == -32010
    assert emu.media_dir is not None
    assert not (emu.media_dir / "snapshots" / snap).exists()
    assert admin.error("get_snapshot_info", {"filename": "../etc"})["code"] == -32010


# -------------------------------------------------------------------- streams


def test_streaming(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "operator")
    url = client.result("get_stream_url", {"device": "camera0"})
    fields(
        url, "device", "stream_name", "stream_url", "available", "active_consumers", "stream_status"
    )
    assert url["stream_status"] in ("READY", "NOT_READY", "ERROR")
    status = client.result("get_stream_status", {"device": "camera0"})
    assert status["status"] == "INACTIVE"
    started = client.result("start_streaming", {"device": "camera0"})
    fields(
        started, "device", "stream_name", "stream_url", "status", "start_time", "auto_close_after"
    )
    assert started["status"] == "STARTED"
    assert started["stream_name"] == "camera0"
    status = client.result("get_stream_status", {"device": "camera0"})
    fields(
        status,
        "device",
        "stream_name",
        "status",
        "ready",
        "ffmpeg_process",
        "mediamtx_path",
        "metrics",
    )
    assert status["status"] == "ACTIVE"
    fields(status["ffmpeg_process"], "running", "pid", "uptime")
    fields(status["mediamtx_path"], "exists", "ready", "readers")
    fields(status["metrics"], "bytes_sent", "frames_sent", "bitrate", "fps")
    streams = client.result("get_streams")
    assert isinstance(streams, list)
    assert len(streams) == 2
    for stream in streams:
        fields(stream, "name", "source", "ready", "readers", "bytes_sent")
    assert streams[0]["ready"] is True
    stopped = client.result("stop_streaming", {"device": "camera0"})
    fields(
        stopped,
        "device",
        "stream_name",
        "status",
        "start_time",
        "end_time",
        "duration",
        "stream_continues",
    )
    assert stopped["status"] == "STOPPED"
    error = client.error("stop_streaming", {"device": "camera0"})
    assert error["code"] == -32020
    emu.unplug_camera("camera1")
    assert client.error("start_streaming", {"device": "camera1"})["code"] == -32020
    assert client.result("get_stream_url", {"device": "camera1"})["stream_status"] == "NOT_READY"


# ------------------------------------------------------------- server, storage


def test_server_calls(emu: CameraServiceEmulator, clients: Clients) -> None:
    admin = clients(emu, "admin")
    metrics = admin.result("get_metrics")
    fields(
        metrics,
        "timestamp",
        "system_metrics",
        "camera_metrics",
        "recording_metrics",
        "stream_metrics",
    )
    fields(metrics["system_metrics"], "cpu_usage", "memory_usage", "disk_usage", "goroutines")
    fields(metrics["camera_metrics"], "connected_cameras", "cameras")
    fields(metrics["stream_metrics"], "active_streams", "total_streams", "total_viewers")
    for method in ("get_status", "get_system_status"):
        status = admin.result(method)
        fields(status, "status", "uptime", "version", "components")
        assert status["status"] == "HEALTHY"
        fields(status["components"], "websocket_server", "camera_monitor", "mediamtx")
    emu.set_mediamtx_available(False)
    assert admin.result("get_status")["status"] in ("DEGRADED", "UNHEALTHY")
    info = admin.result("get_server_info")
    fields(
        info,
        "name",
        "version",
        "build_date",
        "go_version",
        "architecture",
        "capabilities",
        "supported_formats",
        "max_cameras",
    )
    assert isinstance(info["capabilities"], list)


def test_storage_info_is_real(emu: CameraServiceEmulator, clients: Clients) -> None:
    admin = clients(emu, "admin")
    admin.result("take_snapshot", {"device": "camera0"})
    admin.result("take_snapshot", {"device": "camera1"})
    storage = admin.result("get_storage_info")
    fields(
        storage,
        "total_space",
        "used_space",
        "available_space",
        "usage_percentage",
        "recordings_size",
        "snapshots_size",
        "low_space_warning",
    )
    assert emu.media_dir is not None
    on_disk = sum(p.stat().st_size for p in (emu.media_dir / "snapshots").iterdir())
    assert storage["snapshots_size"] == on_disk > 0
    assert storage["recordings_size"] == 0
    assert isinstance(storage["low_space_warning"], bool)


def test_retention_and_cleanup(emu: CameraServiceEmulator, clients: Clients) -> None:
    admin = clients(emu, "admin")
    old = admin.result("take_snapshot", {"device": "camera0", "filename": "old"})["filename"]
    new = admin.result("take_snapshot", {"device": "camera0", "filename": "new"})["filename"]
    assert emu.media_dir is not None
    week_ago = time.time() - 7 * 86400
    os.utime(emu.media_dir / "snapshots" / old, (week_ago, week_ago))
    manual = admin.result("cleanup_old_files")
    fields(manual, "cleanup_executed", "files_deleted", "space_freed", "message")
    assert (manual["cleanup_executed"], manual["files_deleted"]) == (False, 0)
    policy = admin.result(
        "set_retention_policy", {"policy_type": "age", "enabled": True, "max_age_days": 1}
    )
    fields(policy, "policy_type", "enabled", "max_age_days", "max_size_gb", "message")
    assert (policy["policy_type"], policy["max_age_days"]) == ("age", 1)
    cleaned = admin.result("cleanup_old_files")
    assert (cleaned["cleanup_executed"], cleaned["files_deleted"]) == (True, 1)
    assert cleaned["space_freed"] > 0
    names = [f["filename"] for f in admin.result("list_snapshots")["files"]]
    assert names == [new]
    admin.result(
        "set_retention_policy", {"policy_type": "size", "enabled": True, "max_size_gb": 1e-9}
    )
    assert admin.result("cleanup_old_files")["files_deleted"] == 1
    assert admin.result("list_snapshots")["total"] == 0
    bad: dict[str, Any]
    for bad in (
        {"policy_type": "forever", "enabled": True},
        {"policy_type": "age", "enabled": True},
        {"policy_type": "age", "enabled": "yes", "max_age_days": 1},
        {"policy_type": "size", "enabled": True, "max_size_gb": -1},
    ):
        assert admin.error("set_retention_policy", bad)["code"] == -32602, bad


# ---------------------------------------------------------------- subscriptions


def test_subscriptions_and_stats(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "viewer")
    other = clients(emu, "viewer")
    result = client.result(
        "subscribe_events",
        {"topics": ["camera.connected", "recording.start"], "filters": {"device": "camera0"}},
    )
    assert result == {
        "subscribed": True,
        "topics": ["camera.connected", "recording.start"],
        "filters": {"device": "camera0"},
    }
    other.result("subscribe_events", {"topics": ["camera.connected"]})
    stats = client.result("get_subscription_stats")
    fields(stats, "global_stats", "client_topics", "client_id")
    fields(stats["global_stats"], "total_subscriptions", "active_clients", "topic_counts")
    assert stats["global_stats"]["total_subscriptions"] == 3
    assert stats["global_stats"]["active_clients"] == 2
    assert stats["global_stats"]["topic_counts"]["camera.connected"] == 2
    assert stats["client_topics"] == ["camera.connected", "recording.start"]
    gone = client.result("unsubscribe_events", {"topics": ["recording.start"]})
    assert gone == {"unsubscribed": True, "topics": ["recording.start"]}
    assert client.result("unsubscribe_events") == {
        "unsubscribed": True,
        "topics": ["camera.connected"],
    }
    assert client.result("get_subscription_stats")["client_topics"] == []
    for bad in ({"topics": ["camera.exploded"]}, {"topics": []}, {"topics": "camera.connected"}):
        assert client.error("subscribe_events", bad)["code"] == -32602
    assert client.error("subscribe_events", {"topics": ["x"], "filters": 3})["code"] == -32602
    assert client.error("unsubscribe_events", {"topics": ["nope"]})["code"] == -32602
    assert len(TOPICS) == 23


def test_topic_notifications_honour_topics_and_filters(
    emu: CameraServiceEmulator, clients: Clients
) -> None:
    only0 = clients(emu, "operator")
    everything = clients(emu, "operator")
    nothing = clients(emu, "operator")
    only0.result(
        "subscribe_events",
        {"topics": ["camera.disconnected", "snapshot.taken"], "filters": {"device": "camera0"}},
    )
    everything.result("subscribe_events", {"topics": ["camera.disconnected", "snapshot.taken"]})
    emu.unplug_camera("camera1")
    everything.result("take_snapshot", {"device": "camera0"})
    emu.unplug_camera("camera0")
    # The camera0 event comes after the camera1 one: once it is here, a misrouted
    # camera1 event would have arrived before it.
    assert only0.notification("camera.disconnected")["device"] == "camera0"
    assert only0.notification("snapshot.taken")["device"] == "camera0"
    only0.drain_to_ping()
    assert only0.notifications == [
        m for m in only0.notifications if m["method"] == "camera_status_update"
    ]
    devices = [
        everything.notification("camera.disconnected")["device"],
        everything.notification("camera.disconnected")["device"],
    ]
    assert devices == ["camera1", "camera0"]
    nothing.drain_to_ping()
    assert {m["method"] for m in nothing.notifications} == {"camera_status_update"}


def test_base_notifications_go_to_authenticated_connections(
    emu: CameraServiceEmulator, clients: Clients
) -> None:
    authed = clients(emu, "operator")
    anonymous = clients(emu)
    emu.unplug_camera("camera1")
    params = authed.notification("camera_status_update")
    assert params["device"] == "camera1"
    assert params["status"] == "DISCONNECTED"
    emu.plug_camera("camera1")
    params = authed.notification("camera_status_update")
    assert params["status"] == "CONNECTED"
    fields(params, "device", "status", "name", "resolution", "fps", "streams")
    emu.change_camera("camera0", name="Front door")
    assert authed.notification("camera_status_update")["name"] == "Front door"
    anonymous.drain_to_ping()
    assert anonymous.notifications == []


def test_recording_notifications(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "operator")
    client.result("subscribe_events", {"topics": ["recording.start", "recording.stop"]})
    started = client.result("start_recording", {"device": "camera0"})
    note = client.notification("recording_status_update")
    fields(note, "device", "status", "filename", "duration")
    assert (note["status"], note["filename"]) == ("STARTED", started["filename"])
    assert client.notification("recording.start")["filename"] == started["filename"]
    client.result("stop_recording", {"device": "camera0"})
    assert client.notification("recording_status_update")["status"] == "STOPPED"
    assert client.notification("recording.stop")["reason"] == "manual"
    client.result("start_recording", {"device": "camera1", "duration": 1})
    assert client.notification("recording_status_update")["status"] == "STARTED"
    assert client.notification("recording_status_update")["status"] == "STOPPED"
    assert client.notification("recording.stop")["reason"] == "duration"
    client.result("start_recording", {"device": "camera0"})
    client.notification("recording_status_update")
    emu.unplug_camera("camera0")
    assert client.notification("recording_status_update")["status"] == "ERROR"


# ------------------------------------------------------------ external streams


def test_external_streams(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "admin")
    found = client.result("discover_external_streams", {"include_offline": True})
    fields(
        found,
        "discovered_streams",
        "skydio_streams",
        "generic_streams",
        "scan_timestamp",
        "total_found",
        "discovery_options",
        "scan_duration",
        "errors",
    )
    assert found["total_found"] == len(found["discovered_streams"]) == 4
    for stream in found["discovered_streams"]:
        fields(
            stream, "url", "type", "name", "status", "discovered_at", "last_seen", "capabilities"
        )
    only_skydio = client.result("discover_external_streams", {"generic_enabled": False})
    assert only_skydio["generic_streams"] == []
    assert only_skydio["total_found"] == len(only_skydio["skydio_streams"]) == 2
    added = client.result(
        "add_external_stream", {"stream_url": "rtsp://192.0.2.50/live", "stream_name": "gate"}
    )
    fields(added, "stream_url", "stream_name", "stream_type", "status", "timestamp")
    assert (added["status"], added["stream_type"]) == ("ADDED", "generic_rtsp")
    error = client.error(
        "add_external_stream", {"stream_url": "rtsp://192.0.2.50/live", "stream_name": "gate"}
    )
    assert error["code"] == -32020
    error = client.error("add_external_stream", {"stream_url": "http://x", "stream_name": "x"})
    assert error["data"]["param"] == "stream_url"
    listed = client.result("get_external_streams")
    fields(
        listed, "external_streams", "skydio_streams", "generic_streams", "total_count", "timestamp"
    )
    assert listed["total_count"] == 5
    removed = client.result("remove_external_stream", {"stream_url": "rtsp://192.0.2.50/live"})
    assert removed["status"] == "REMOVED"
    fields(removed, "stream_url", "status", "timestamp")
    error = client.error("remove_external_stream", {"stream_url": "rtsp://192.0.2.50/live"})
    assert (error["code"], error["data"]["resource"]) == (-32010, "external_stream")
    interval = client.result("set_discovery_interval", {"scan_interval": 120})
    fields(interval, "scan_interval", "status", "message", "timestamp")
    assert (interval["scan_interval"], interval["status"]) == (120, "UPDATED")
    assert client.error("set_discovery_interval", {"scan_interval": -5})["code"] == -32602
    assert client.error("set_discovery_interval", {})["code"] == -32602


# --------------------------------------------------------- knobs, limits, idle


@pytest.mark.parametrize(
    ("code", "data_field"),
    [
        (-32603, "request_id"),
        (-32030, "feature"),
        (-32050, "dependency"),
        (-32010, "resource"),
        (-32040, "retry_after_ms"),
    ],
)
def test_fail_next(
    emu: CameraServiceEmulator, clients: Clients, code: int, data_field: str
) -> None:
    client = clients(emu, "viewer")
    emu.fail_next("get_camera_list", code, count=2)
    for _ in range(2):
        error = client.error("get_camera_list")
        assert error["code"] == code
        assert data_field in error["data"]
    assert client.result("get_camera_list")["total"] == 2
    emu.fail_next("ping", -32050, "custom", {"dependency": "ffmpeg", "detail": "x"})
    assert client.error("ping") == {
        "code": -32050,
        "message": "custom",
        "data": {"dependency": "ffmpeg", "detail": "x"},
    }


def test_delay_lets_later_calls_overtake(emu: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(emu, "viewer")
    emu.delay("get_camera_list", 0.3)
    slow = client.request("get_camera_list")
    fast = client.request("ping")
    first = client.recv()
    assert first["id"] == fast
    assert client.recv()["id"] == slow
    emu.delay("get_camera_list", 0)
    assert client.result("get_camera_list")["total"] == 2


def test_rate_limit_per_connection(clients: Clients) -> None:
    with CameraServiceEmulator(
        idle_timeout=None, rate_limit=(3, 60.0), behaviour="documented"
    ) as emulator:
        client = clients(emulator)
        for _ in range(3):
            client.result("ping")
        error = client.error("ping")
        assert error["code"] == -32040
        assert 0 < error["data"]["retry_after_ms"] <= 60000
        assert clients(emulator).result("ping") == "pong"


def test_idle_connections_are_closed(clients: Clients) -> None:
    from websockets.exceptions import ConnectionClosed

    with CameraServiceEmulator(idle_timeout=0.3, behaviour="documented") as emulator:
        # WebSocket-level pings do not count as activity.
        client = RawClient(emulator.url, ping_interval=0.05)
        try:
            assert client.result("ping") == "pong"
            with pytest.raises(ConnectionClosed) as closed:
                client.ws.recv(timeout=WAIT)
            assert closed.value.rcvd is not None
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1001, "idle timeout")
        finally:
            client.close()
        emulator.wait_for_connections(0)
        assert clients(emulator).result("ping") == "pong"
