"""Decoding wire results and notifications of both dialects (the samples of docs/protocol.md)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediamtx_camera_sdk import _convert, methods, models
from mediamtx_camera_sdk._convert import decode, decode_notification, encode
from mediamtx_camera_sdk.errors import ProtocolError

T0 = "2025-01-15T14:30:00Z"
T0_EPOCH = dt.datetime(2025, 1, 15, 14, 30, tzinfo=dt.timezone.utc).timestamp()
T1 = "2025-01-15T14:35:00.250Z"
T1_EPOCH = T0_EPOCH + 300.25

CURRENT_CAMERA = {
    "device": "camera0",
    "status": "CONNECTED",
    "name": "USB 2.0 Camera: USB 2.0 Camera",
    "resolution": "1920x1080",
    "fps": 30,
    "streams": {
        "rtsp": "rtsp://localhost:8554/camera0",
        "hls": "http://localhost:8888/camera0",
    },
}
LEGACY_CAMERA = {
    "device": "/dev/video0",
    "status": "CONNECTED",
    "name": "Camera 0",
    "resolution": "1920x1080",
    "fps": 30,
    "streams": {
        "rtsp": "rtsp://localhost:8554/camera0",
        "webrtc": "http://localhost:8889/camera0/webrtc",
        "hls": "http://localhost:8888/camera0",
    },
}


def spec_decode(method: str, value: Any) -> Any:
    return methods.METHODS[method].decode_result(value)


# --------------------------------------------------------------------------- current dialect


def test_current_authenticate() -> None:
    result = spec_decode(
        "authenticate",
        {
            "authenticated": True,
            "role": "operator",
            "permissions": ["view", "control"],
            "expires_at": T0,
            "session_id": "5f2b",
        },
    )
    assert isinstance(result, models.AuthResult)
    assert result.authenticated is True
    assert result.role == "operator"
    assert result.permissions == ["view", "control"]
    assert result.expires_at == T0_EPOCH
    assert result.session_id == "5f2b"
    assert result.auth_method is None


def test_current_get_camera_list() -> None:
    second = {"device": "camera1", "status": "DISCONNECTED"}
    result = spec_decode(
        "get_camera_list", {"cameras": [CURRENT_CAMERA, second], "total": 2, "connected": 1}
    )
    assert isinstance(result, models.CameraList)
    assert len(result) == 2
    assert (result.total, result.connected) == (2, 1)
    cam = result[0]
    assert cam.device_path == "camera0"
    assert cam.device == "camera0"
    assert cam.name == "USB 2.0 Camera: USB 2.0 Camera"
    assert cam.status == "CONNECTED"
    assert cam.resolution == "1920x1080"
    assert cam.fps == 30
    assert cam.stream_url == "rtsp://localhost:8554/camera0"
    assert cam.streams == models.StreamUrls(
        rtsp="rtsp://localhost:8554/camera0", hls="http://localhost:8888/camera0"
    )
    assert cam.capabilities == []
    # only device and status are always present
    minimal = result[1]
    assert minimal.device_path == "camera1"
    assert minimal.name == ""
    assert minimal.stream_url is None
    assert minimal.streams is None


def test_camera_list_counters_default_from_the_items() -> None:
    result = decode(models.CameraList, {"cameras": [CURRENT_CAMERA]})
    assert (result.total, result.connected) == (1, 1)
    empty = decode(models.CameraList, {"cameras": [], "total": 0, "connected": 0})
    assert len(empty) == 0


def test_current_get_camera_status_with_metrics_and_capabilities() -> None:
    payload = {
        **CURRENT_CAMERA,
        "metrics": {"bytes_sent": 12345, "readers": 2, "uptime": 3600},
        "capabilities": {"formats": ["YUYV", "MJPEG"], "resolutions": ["1920x1080", "640x480"]},
    }
    cam = spec_decode("get_camera_status", payload)
    assert isinstance(cam, models.CameraInfo)
    assert cam.capabilities == ["YUYV", "MJPEG"]  # the seed's list of str: the formats
    assert cam.formats == ["YUYV", "MJPEG"]
    assert cam.resolutions == ["1920x1080", "640x480"]
    assert cam.metrics == models.CameraMetrics(bytes_sent=12345, readers=2, uptime=3600.0)
    assert cam.metrics is not None
    assert cam.metrics.reader_count == 2


def test_current_get_camera_capabilities() -> None:
    caps = spec_decode(
        "get_camera_capabilities",
        {
            "device": "camera0",
            "formats": ["YUYV"],
            "resolutions": ["640x480"],
            "fps_options": [15, 30],
            "validation_status": "CONFIRMED",
        },
    )
    assert caps == models.CameraCapabilities(
        "camera0", ["YUYV"], ["640x480"], [15, 30], models.ValidationStatus.CONFIRMED
    )


def test_current_take_snapshot() -> None:
    snap = spec_decode(
        "take_snapshot",
        {
            "device": "camera0",
            "filename": "snapshot_camera0_20250115.jpg",
            "status": "SUCCESS",
            "timestamp": T0,
            "file_size": 204800,
            "file_path": "/opt/camera-service/snapshots/snapshot_camera0_20250115.jpg",
        },
    )
    assert isinstance(snap, models.SnapshotInfo)
    assert snap.succeeded
    assert snap.timestamp == T0_EPOCH
    assert snap.file_size == 204800
    assert snap.file_path == "/opt/camera-service/snapshots/snapshot_camera0_20250115.jpg"
    assert snap.format is None


def test_current_start_and_stop_recording() -> None:
    started = spec_decode(
        "start_recording",
        {
            "device": "camera0",
            "filename": "camera0_2025-01-15_14-30-00.fmp4",
            "status": "RECORDING",
            "start_time": T0,
            "format": "fmp4",
        },
    )
    assert isinstance(started, models.RecordingInfo)
    assert started.device_path == "camera0"
    assert started.recording_id == "camera0_2025-01-15_14-30-00.fmp4"  # no session id: the file
    assert started.filename == "camera0_2025-01-15_14-30-00.fmp4"
    assert started.start_time == T0_EPOCH
    assert started.duration is None
    assert started.status == "RECORDING"
    assert started.format == "fmp4"
    assert started.end_time is None
    stopped = spec_decode(
        "stop_recording",
        {
            "device": "camera0",
            "filename": "camera0_2025-01-15_14-30-00.fmp4",
            "status": "STOPPED",
            "start_time": T0,
            "end_time": T1,
            "duration": 300.25,
            "file_size": 1048576,
            "format": "fmp4",
        },
    )
    assert stopped.end_time == T1_EPOCH
    assert stopped.duration == 300.25
    assert stopped.file_size == 1048576
    assert stopped.status == models.RecordingStatus.STOPPED


@pytest.mark.parametrize("method", ["list_recordings", "list_snapshots"])
def test_current_file_pages(method: str) -> None:
    page = spec_decode(
        method,
        {
            "files": [
                {
                    "filename": "a.mp4",
                    "file_size": 10,
                    "modified_time": T0,
                    "download_url": "/files/recordings/a.mp4",
                },
                {"filename": "b.mp4"},
            ],
            "total": 12,
            "limit": 2,
            "offset": 4,
        },
    )
    assert isinstance(page, models.FilePage)
    assert (page.total, page.limit, page.offset) == (12, 2, 4)
    assert page.files[0] == models.FileInfo("a.mp4", 10, T0_EPOCH, "/files/recordings/a.mp4")
    assert page.files[1].file_size is None
    empty = spec_decode(method, {"files": [], "total": 0, "limit": 50, "offset": 0})
    assert list(empty) == []
    assert empty.total == 0


def test_current_file_info_and_delete() -> None:
    rec = spec_decode(
        "get_recording_info",
        {
            "filename": "a.mp4",
            "file_size": 10,
            "duration": 60,
            "created_time": T0,
            "download_url": "/files/recordings/a.mp4",
        },
    )
    assert rec == models.RecordingFileInfo("a.mp4", 10, 60.0, T0_EPOCH, "/files/recordings/a.mp4")
    snap = spec_decode(
        "get_snapshot_info",
        {"filename": "s.jpg", "file_size": 5, "created_time": T0, "download_url": "/u"},
    )
    assert snap == models.SnapshotFileInfo("s.jpg", 5, T0_EPOCH, "/u")
    for method in ("delete_recording", "delete_snapshot"):
        deleted = spec_decode(
            method, {"filename": "a.mp4", "deleted": True, "message": "File deleted"}
        )
        assert deleted == models.DeleteResult("a.mp4", True, "File deleted")


def test_current_streaming_calls() -> None:
    started = spec_decode(
        "start_streaming",
        {
            "device": "camera0",
            "stream_name": "camera_video0_viewing",
            "stream_url": "rtsp://localhost:8554/camera_video0_viewing",
            "status": "STARTED",
            "start_time": T0,
            "auto_close_after": "300s",
        },
    )
    assert isinstance(started, models.StreamStartResult)
    assert started.stream_url == "rtsp://localhost:8554/camera_video0_viewing"
    assert started.auto_close_after == "300s"
    assert started.start_time == T0_EPOCH
    numeric = decode(
        models.StreamStartResult,
        {"device": "camera0", "status": "STARTED", "auto_close_after": 300},
    )
    assert numeric.auto_close_after == 300.0
    stopped = spec_decode(
        "stop_streaming",
        {
            "device": "camera0",
            "stream_name": "camera_video0_viewing",
            "status": "STOPPED",
            "start_time": T0,
            "end_time": T1,
            "duration": 300.25,
            "stream_continues": False,
        },
    )
    assert stopped.end_time == T1_EPOCH
    assert stopped.stream_continues is False
    url = spec_decode(
        "get_stream_url",
        {
            "device": "camera0",
            "stream_name": "camera0",
            "stream_url": "rtsp://localhost:8554/camera0",
            "available": True,
            "active_consumers": 2,
            "stream_status": "READY",
        },
    )
    assert url == models.StreamUrl(
        "camera0", "rtsp://localhost:8554/camera0", "camera0", True, 2, "READY"
    )


def test_current_get_stream_status() -> None:
    status = spec_decode(
        "get_stream_status",
        {
            "device": "camera0",
            "stream_name": "camera0",
            "status": "ACTIVE",
            "ready": True,
            "ffmpeg_process": {"running": True, "pid": 4242, "uptime": 12.5},
            "mediamtx_path": {"exists": True, "ready": True, "readers": 1},
            "metrics": {"bytes_sent": 100, "frames_sent": 30, "bitrate": 2_000_000, "fps": 30},
        },
    )
    assert isinstance(status, models.StreamStatus)
    assert status.status == models.StreamState.ACTIVE
    assert status.ffmpeg_process == models.FfmpegProcess(True, 4242, 12.5)
    assert status.mediamtx_path == models.MediamtxPath(True, True, 1)
    assert status.metrics == models.StreamMetrics(100, 30, 2_000_000.0, 30.0)


def test_current_get_streams() -> None:
    streams = spec_decode(
        "get_streams",
        [
            {
                "name": "camera0",
                "source": {"type": "rpiCameraSource", "id": ""},
                "ready": True,
                "readers": 1,
                "bytes_sent": 1024,
            },
            {"name": "camera1", "source": "ffmpeg", "ready": False, "readers": 0},
        ],
    )
    assert [s.name for s in streams] == ["camera0", "camera1"]
    assert streams[0].source == models.StreamSource("rpiCameraSource", "")
    assert streams[1].source == "ffmpeg"
    assert spec_decode("get_streams", []) == []


def test_current_get_streams_observed_object_and_round_trip() -> None:
    payload = {
        "streams": [
            {
                "name": "camera0",
                "status": "active",
                "source": "rtspSession",
                "viewers": 1,
                "start_time": T0,
                "last_activity": "",
                "bytes_sent": 5,
            }
        ],
        "total": 1,
        "active": 1,
        "inactive": 0,
        "timestamp": T1,
    }
    streams = spec_decode("get_streams", payload)
    assert isinstance(streams, models.StreamList)
    assert streams[0].start_time == T0_EPOCH
    assert streams[0].last_activity is None
    assert (streams.total, streams.active, streams.inactive, streams.timestamp) == (
        1,
        1,
        0,
        T1_EPOCH,
    )
    again = decode(models.StreamList, encode(streams))
    assert again == streams
    assert (again.total, again.timestamp) == (1, T1_EPOCH)
    assert encode(spec_decode("get_streams", [{"name": "a"}])) == [{"name": "a"}]


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"total": 1}, "streams", "is missing"),
        ({"streams": {}}, "streams", "expected an array"),
        ({"streams": [{"name": 1}]}, "streams[0].name", "expected a string"),
        ({"streams": [], "active": "1"}, "active", "expected an integer"),
        ({"streams": [], "timestamp": "now"}, "timestamp", "expected an ISO 8601 timestamp"),
        ("streams", "", "expected an array or a StreamList object"),
    ],
)
def test_malformed_stream_lists(payload: Any, field: str, reason: str) -> None:
    with pytest.raises(ProtocolError) as info:
        spec_decode("get_streams", payload)
    assert info.value.data["field"] == field
    assert reason in info.value.data["reason"]


def test_current_get_metrics() -> None:
    metrics = spec_decode(
        "get_metrics",
        {
            "timestamp": T0,
            "system_metrics": {
                "cpu_usage": 12.5,
                "memory_usage": 40,
                "disk_usage": 71.2,
                "goroutines": 42,
            },
            "camera_metrics": {"connected_cameras": 2, "cameras": {"camera0": {"fps": 30}}},
            "recording_metrics": {"active": 1},
            "stream_metrics": {"active_streams": 1, "total_streams": 2, "total_viewers": 3},
        },
    )
    assert isinstance(metrics, models.Metrics)
    assert metrics.timestamp == T0_EPOCH
    assert metrics.system_metrics == models.SystemMetrics(12.5, 40.0, 71.2, 42)
    assert metrics.camera_metrics is not None
    assert metrics.camera_metrics.cameras == {"camera0": {"fps": 30}}
    assert metrics.recording_metrics == {"active": 1}
    assert metrics.stream_metrics == models.StreamMetricsSummary(1, 2, 3)
    assert metrics.request_count is None  # a legacy-only field


@pytest.mark.parametrize("method", ["get_status", "get_system_status"])
def test_current_get_status(method: str) -> None:
    status = spec_decode(
        method,
        {
            "status": "HEALTHY",
            "uptime": 3600.5,
            "version": "1.0.0",
            "components": {
                "websocket_server": "running",
                "camera_monitor": "running",
                "mediamtx": "running",
            },
        },
    )
    assert isinstance(status, models.ServerStatus)
    assert status.status == models.HealthStatus.HEALTHY
    assert status.uptime == 3600.5
    assert status.version == "1.0.0"
    assert status.components["mediamtx"] == "running"
    assert status.connections is None
    assert status.mediamtx is None


def test_current_get_server_info_and_storage() -> None:
    info = spec_decode(
        "get_server_info",
        {
            "name": "MediaMTX Camera Service",
            "version": "1.0.0",
            "build_date": "2025-01-15",
            "go_version": "go1.22",
            "architecture": "arm64",
            "capabilities": ["snapshots", "recordings"],
            "supported_formats": ["fmp4", "mp4", "mkv"],
            "max_cameras": 16,
        },
    )
    assert info.max_cameras == 16
    assert info.supported_formats == ["fmp4", "mp4", "mkv"]
    storage = spec_decode(
        "get_storage_info",
        {
            "total_space": 1000,
            "used_space": 400,
            "available_space": 600,
            "usage_percentage": 40,
            "recordings_size": 300,
            "snapshots_size": 100,
            "low_space_warning": False,
        },
    )
    assert storage == models.StorageInfo(1000, 400, 600, 40.0, 300, 100, False)


def test_current_retention_and_cleanup() -> None:
    policy = spec_decode(
        "set_retention_policy",
        {
            "policy_type": "age",
            "enabled": True,
            "max_age_days": 7,
            "max_size_gb": None,
            "message": "ok",
        },
    )
    assert policy == models.RetentionPolicy("age", True, 7, None, "ok")
    cleanup = spec_decode(
        "cleanup_old_files",
        {"cleanup_executed": True, "files_deleted": 3, "space_freed": 4096, "message": "done"},
    )
    assert cleanup == models.CleanupResult(True, 3, 4096, "done")


def test_current_subscriptions() -> None:
    sub = spec_decode(
        "subscribe_events",
        {"subscribed": True, "topics": ["camera.connected"], "filters": {"device": "camera0"}},
    )
    assert sub == models.SubscriptionResult(True, ["camera.connected"], {"device": "camera0"})
    unsub = spec_decode("unsubscribe_events", {"unsubscribed": True, "topics": []})
    assert unsub == models.UnsubscriptionResult(True, [])
    stats = spec_decode(
        "get_subscription_stats",
        {
            "global_stats": {
                "total_subscriptions": 4,
                "active_clients": 2,
                "topic_counts": {"camera.connected": 2},
            },
            "client_topics": ["camera.connected"],
            "client_id": "client-7",
        },
    )
    assert stats.global_stats == models.GlobalSubscriptionStats(4, 2, {"camera.connected": 2})
    assert stats.client_topics == ["camera.connected"]
    assert stats.client_id == "client-7"


EXTERNAL = {
    "url": "rtsp://192.168.42.10:5554/subject",
    "type": "skydio_stanag4609",
    "name": "Skydio X2",
    "status": "DISCOVERED",
    "discovered_at": T0,
    "last_seen": T1,
    "capabilities": {"protocol": "rtsp"},
}


def test_current_external_streams() -> None:
    found = spec_decode(
        "discover_external_streams",
        {
            "discovered_streams": [EXTERNAL],
            "skydio_streams": [EXTERNAL],
            "generic_streams": [],
            "scan_timestamp": T0,
            "total_found": 1,
            "discovery_options": {"skydio_enabled": True},
            "scan_duration": 1.5,
            "errors": [],
        },
    )
    assert isinstance(found, models.DiscoveryResult)
    stream = found.discovered_streams[0]
    assert stream.url == "rtsp://192.168.42.10:5554/subject"
    assert (stream.discovered_at, stream.last_seen) == (T0_EPOCH, T1_EPOCH)
    assert stream.capabilities == {"protocol": "rtsp"}
    assert found.scan_duration == 1.5
    assert found.total_found == 1
    added = spec_decode(
        "add_external_stream",
        {
            "stream_url": "rtsp://x/y",
            "stream_name": "y",
            "stream_type": "generic_rtsp",
            "status": "ADDED",
            "timestamp": T0,
        },
    )
    assert added == models.ExternalStreamAdded("rtsp://x/y", "ADDED", "y", "generic_rtsp", T0_EPOCH)
    removed = spec_decode(
        "remove_external_stream", {"stream_url": "rtsp://x/y", "status": "REMOVED", "timestamp": T0}
    )
    assert removed == models.ExternalStreamRemoved("rtsp://x/y", "REMOVED", T0_EPOCH)
    listed = spec_decode(
        "get_external_streams",
        {
            "external_streams": [EXTERNAL],
            "skydio_streams": [EXTERNAL],
            "generic_streams": [],
            "total_count": 1,
            "timestamp": T0,
        },
    )
    assert listed.total_count == 1
    assert listed.external_streams[0].name == "Skydio X2"
    interval = spec_decode(
        "set_discovery_interval",
        {"scan_interval": 60, "status": "UPDATED", "message": "ok", "timestamp": T0},
    )
    assert interval == models.DiscoveryIntervalResult("UPDATED", 60, "ok", T0_EPOCH)


def test_ping() -> None:
    assert spec_decode("ping", "pong") == "pong"


# --------------------------------------------------------------------------- legacy dialect


def test_legacy_authenticate_success_and_failure() -> None:
    ok = spec_decode("authenticate", {"authenticated": True, "role": "admin", "auth_method": "jwt"})
    assert ok.authenticated is True
    assert ok.auth_method == "jwt"
    assert ok.session_id is None
    failed = spec_decode("authenticate", {"authenticated": False, "error": "Invalid token"})
    assert failed.authenticated is False
    assert failed.error == "Invalid token"
    assert failed.role is None


@pytest.mark.parametrize("method", ["get_camera_list", "get_cameras"])
def test_legacy_get_camera_list_with_device_paths_and_empty_streams(method: str) -> None:
    not_ready = {**LEGACY_CAMERA, "device": "/dev/video1", "status": "DISCONNECTED", "streams": {}}
    result = spec_decode(
        method, {"cameras": [LEGACY_CAMERA, not_ready], "total": 2, "connected": 1}
    )
    assert [c.device_path for c in result] == ["/dev/video0", "/dev/video1"]
    assert result[0].streams is not None
    assert result[0].streams.webrtc == "http://localhost:8889/camera0/webrtc"
    assert result[0].stream_url == "rtsp://localhost:8554/camera0"
    assert result[1].streams == models.StreamUrls()
    assert result[1].stream_url is None


def test_legacy_get_camera_status_with_readers_as_a_list() -> None:
    payload = {
        **LEGACY_CAMERA,
        "metrics": {
            "bytes_sent": 500,
            "readers": [{"type": "rtspSession", "id": "r1"}],
            "uptime": 9,
        },
        "capabilities": {"formats": ["YUYV"], "resolutions": ["1920x1080"]},
    }
    cam = spec_decode("get_camera_status", payload)
    assert cam.device_path == "/dev/video0"
    assert cam.metrics is not None
    assert cam.metrics.readers == [{"type": "rtspSession", "id": "r1"}]
    assert cam.metrics.reader_count == 1
    assert cam.capabilities == ["YUYV"]


def test_legacy_get_camera_status_for_an_unknown_device_is_a_disconnected_camera() -> None:
    cam = spec_decode(
        "get_camera_status",
        {"device": "/dev/video9", "status": "DISCONNECTED", "name": "Camera 9", "streams": {}},
    )
    assert cam.status == models.CameraStatus.DISCONNECTED


def test_legacy_take_snapshot_completed_and_failed() -> None:
    done = spec_decode(
        "take_snapshot",
        {
            "device": "/dev/video0",
            "filename": "snapshot.jpg",
            "status": "completed",
            "timestamp": "2025-01-15T14:30:00",  # naive: read as UTC
            "file_size": 1024,
            "format": "jpg",
            "quality": 85,
        },
    )
    assert done.succeeded
    assert done.status == models.SnapshotStatus.COMPLETED
    assert (done.format, done.quality) == ("jpg", 85)
    assert done.timestamp == T0_EPOCH
    assert done.file_path is None
    failed = spec_decode(
        "take_snapshot",
        {
            "device": "/dev/video0",
            "filename": "snapshot.jpg",
            "status": "FAILED",
            "timestamp": 1736951400.0,
            "file_size": 0,
            "format": "jpg",
            "quality": 85,
            "error": "Camera not available",
        },
    )
    assert not failed.succeeded
    assert failed.error == "Camera not available"
    assert failed.timestamp == T0_EPOCH


def test_legacy_start_recording_with_session_id_and_null_duration() -> None:
    rec = spec_decode(
        "start_recording",
        {
            "device": "/dev/video0",
            "session_id": "550e8400-e29b-41d4-a716-446655440000",
            "filename": "camera0_2025-01-15_14-30-00.mp4",
            "status": "STARTED",
            "start_time": T0,
            "duration": None,
            "format": "mp4",
        },
    )
    assert rec.recording_id == "550e8400-e29b-41d4-a716-446655440000"
    assert rec.filename == "camera0_2025-01-15_14-30-00.mp4"
    assert rec.duration is None
    assert rec.format == "mp4"
    assert rec.start_time == T0_EPOCH


def test_legacy_stop_recording_with_stop_time_and_null_session() -> None:
    rec = spec_decode(
        "stop_recording",
        {
            "device": "/dev/video0",
            "session_id": None,
            "filename": "camera0_2025-01-15_14-30-00.mp4",
            "status": "STOPPED",
            "stop_time": T1,
            "duration": 300,
            "file_size": 2048,
        },
    )
    assert rec.recording_id == "camera0_2025-01-15_14-30-00.mp4"  # session_id null: the file
    assert rec.start_time is None
    assert rec.end_time == T1_EPOCH
    assert rec.duration == 300.0
    assert rec.format is None
    assert rec.file_size == 2048


def test_legacy_get_metrics() -> None:
    metrics = spec_decode(
        "get_metrics",
        {
            "uptime": 120.5,
            "request_count": 42,
            "error_count": 1,
            "active_connections": 2,
            "avg_response_times": {"ping": 0.001, "get_camera_list": 0.02},
            "requests_per_second": 0.35,
            "methods": {"ping": {"count": 40, "avg_ms": 1.0, "max_ms": 3}},
        },
    )
    assert metrics.request_count == 42
    assert metrics.avg_response_times == {"ping": 0.001, "get_camera_list": 0.02}
    assert metrics.methods["ping"] == models.MethodStats(40, 1.0, 3.0)
    assert metrics.system_metrics is None  # a current-only field
    assert metrics.timestamp is None


def test_legacy_get_status_nested_shape() -> None:
    status = spec_decode(
        "get_status",
        {
            "server": {"status": "running", "uptime": 12.0, "version": "1.0.0", "connections": 3},
            "mediamtx": {"status": "running", "connected": True},
        },
    )
    assert status.status == "running"
    assert status.uptime == 12.0
    assert status.version == "1.0.0"
    assert status.connections == 3
    assert status.mediamtx == models.MediamtxStatus("running", True)
    assert status.components == {}


def test_legacy_get_streams_with_null_source() -> None:
    streams = spec_decode(
        "get_streams",
        [
            {
                "name": "camera0",
                "source": {"type": "rpiCameraSource", "id": ""},
                "ready": True,
                "readers": [{"type": "rtspSession", "id": "x"}],
                "bytes_sent": 99,
            },
            {"name": "camera1", "source": None, "ready": False, "readers": [], "bytes_sent": 0},
        ],
    )
    assert streams[0].reader_count == 1
    assert streams[1].source is None
    assert streams[1].reader_count == 0


# --------------------------------------------------------------------------- notifications


def test_camera_status_update_both_dialects() -> None:
    current = decode_notification("camera_status_update", CURRENT_CAMERA)
    assert isinstance(current, models.CameraInfo)
    assert current.device_path == "camera0"
    legacy = decode_notification(
        "camera_status_update", {"device": "/dev/video0", "status": "DISCONNECTED", "streams": {}}
    )
    assert isinstance(legacy, models.CameraInfo)
    assert legacy.device_path == "/dev/video0"
    assert legacy.status == "DISCONNECTED"


@pytest.mark.parametrize("device", ["camera0", "/dev/video0"])
def test_recording_status_update(device: str) -> None:
    rec = decode_notification(
        "recording_status_update",
        {"device": device, "status": "STARTED", "filename": "r.mp4", "duration": None},
    )
    assert isinstance(rec, models.RecordingInfo)
    assert rec.device_path == device
    assert rec.recording_id == "r.mp4"
    assert rec.start_time is None
    assert rec.status == "STARTED"


@pytest.mark.parametrize("topic", models.TOPICS)
def test_topic_notifications(topic: str) -> None:
    params = {"device": "camera0", "anything": [1, 2]}
    event = decode_notification(topic, params)
    assert event == models.TopicEvent(topic, "camera0", params)


def test_topic_without_device_and_unknown_topics() -> None:
    event = decode_notification("system.health", {"status": "HEALTHY", "device": 7})
    assert isinstance(event, models.TopicEvent)
    assert event.device is None  # not a string: not a device
    future = decode_notification("camera.something_new", {})
    assert isinstance(future, models.TopicEvent)
    assert future.topic == "camera.something_new"


def test_unknown_notification_is_none() -> None:
    assert decode_notification("something_else", {"a": 1}) is None


def test_malformed_notification_is_none_unless_strict() -> None:
    bad = {"device": 1, "status": "CONNECTED"}
    assert decode_notification("camera_status_update", bad) is None
    with pytest.raises(ProtocolError) as info:
        decode_notification("camera_status_update", bad, strict=True)
    assert info.value.data["field"] == "device"
    assert info.value.method == "camera_status_update"
    not_an_object: Any = ["x"]
    assert decode_notification("camera.connected", not_an_object) is None
    with pytest.raises(ProtocolError):
        decode_notification("camera.connected", not_an_object, strict=True)


# --------------------------------------------------------------------------- unknown fields


def test_unknown_fields_are_ignored_and_kept_in_raw() -> None:
    streams = {"rtsp": "rtsp://localhost:8554/camera0", "srt": "srt://x"}
    payload = {**CURRENT_CAMERA, "temperature": 41.5, "streams": streams}
    cam = decode(models.CameraInfo, payload)
    assert cam.raw["temperature"] == 41.5
    assert cam.streams is not None
    assert cam.streams.raw["srt"] == "srt://x"
    result = decode(models.CameraList, {"cameras": [payload], "metadata": {"server": "x"}})
    assert result.raw["metadata"] == {"server": "x"}
    assert result[0].raw is payload


def test_every_shape_of_an_object_decodes_alike() -> None:
    # The converter keeps a function per shape of object (its members, in
    # order) for a few shapes: members left out, reordered or unknown, and the
    # shapes past those few, must all decode to the same fields.
    optional = ["name", "resolution", "fps", "streams"]
    shapes: list[dict[str, Any]] = []
    for left_out in [None, *optional]:
        for extra in [{}, {"temperature": 41.5}]:
            camera = {k: v for k, v in CURRENT_CAMERA.items() if k != left_out}
            shapes.append({**camera, **extra})
            shapes.append(dict(reversed(list({**camera, **extra}.items()))))
    assert len(shapes) > 16
    for _ in range(2):  # the second time, from the functions kept
        for payload in shapes:
            cam = decode(models.CameraInfo, payload)
            streams = payload.get("streams")
            assert cam == models.CameraInfo(
                payload["device"],
                payload.get("name", ""),
                [],
                payload["status"],
                stream_url=streams["rtsp"] if streams else None,
                resolution=payload.get("resolution"),
                fps=payload.get("fps"),
                streams=models.StreamUrls(streams["rtsp"], streams["hls"]) if streams else None,
            )
            assert cam.raw is payload
    with pytest.raises(ProtocolError) as info:
        decode(models.CameraInfo, {**CURRENT_CAMERA, "fps": "30"})
    assert info.value.data["field"] == "fps"


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("model", "payload", "field", "reason"),
    [
        (models.CameraInfo, {"status": "CONNECTED"}, "device", "is missing"),
        (models.CameraInfo, {"device": None, "status": "CONNECTED"}, "device", "is null"),
        (models.CameraInfo, {"device": 0, "status": "CONNECTED"}, "device", "expected a string"),
        (models.CameraInfo, {"device": "camera0"}, "status", "is missing"),
        (
            models.CameraInfo,
            {"device": "camera0", "status": "X", "fps": "30"},
            "fps",
            "expected an integer",
        ),
        (
            models.CameraInfo,
            {"device": "camera0", "status": "X", "fps": 29.97},
            "fps",
            "expected an integer",
        ),
        (
            models.CameraInfo,
            {"device": "camera0", "status": "X", "fps": True},
            "fps",
            "expected an integer",
        ),
        (
            models.CameraInfo,
            {"device": "camera0", "status": "X", "streams": {"rtsp": 5}},
            "streams.rtsp",
            "expected a string",
        ),
        (
            models.CameraInfo,
            {"device": "camera0", "status": "X", "streams": "rtsp://x"},
            "streams",
            "expected a StreamUrls object",
        ),
        (
            models.CameraInfo,
            {"device": "camera0", "status": "X", "capabilities": {"formats": ["a", 1]}},
            "capabilities.formats[1]",
            "expected a string",
        ),
        (
            models.CameraInfo,
            {"device": "camera0", "status": "X", "capabilities": {"formats": "YUYV"}},
            "capabilities.formats",
            "expected an array",
        ),
        (
            models.CameraInfo,
            {"device": "camera0", "status": "X", "metrics": {"readers": "many"}},
            "metrics.readers",
            "expected integer or array",
        ),
        (models.CameraList, {"total": 0}, "cameras", "is missing"),
        (models.CameraList, {"cameras": None}, "cameras", "is null"),
        (models.CameraList, {"cameras": {}}, "cameras", "expected an array"),
        (
            models.CameraList,
            {"cameras": [{"device": "camera0", "status": "X"}, {"device": "camera1"}]},
            "cameras[1].status",
            "is missing",
        ),
        (models.CameraList, {"cameras": [], "total": "2"}, "total", "expected an integer"),
        (models.CameraList, {"cameras": [], "connected": 1.5}, "connected", "expected an integer"),
        (models.CameraList, [], "", "expected a CameraList object"),
        (
            models.RecordingInfo,
            {"device": "camera0", "status": "STOPPED"},
            "session_id",
            "is missing",
        ),
        (
            models.RecordingInfo,
            {"device": "camera0", "filename": "f", "status": "X", "start_time": "yesterday"},
            "start_time",
            "expected an ISO 8601 timestamp",
        ),
        (
            models.RecordingInfo,
            {"device": "camera0", "filename": "f", "status": "X", "start_time": True},
            "start_time",
            "expected a timestamp",
        ),
        (
            models.RecordingInfo,
            {"device": "camera0", "filename": "f", "status": "X", "duration": "10"},
            "duration",
            "expected a number",
        ),
        (models.RecordingInfo, {"device": "camera0", "filename": "f"}, "status", "is missing"),
        (models.AuthResult, {"authenticated": "yes"}, "authenticated", "expected a boolean"),
        (models.ServerStatus, {"server": {"uptime": 1}}, "status", "is missing"),
        (models.ServerStatus, {"server": []}, "status", "is missing"),
        (
            models.Metrics,
            {"methods": {"ping": {"count": "x"}}},
            "methods.ping.count",
            "expected an integer",
        ),
        (models.Metrics, {"recording_metrics": []}, "recording_metrics", "expected an object"),
        (models.FilePage, {"files": [{"file_size": 1}]}, "files[0].filename", "is missing"),
        (
            models.StreamInfo,
            {"name": "x", "source": 3},
            "source",
            "expected StreamSource or string",
        ),
        (models.SnapshotInfo, "SUCCESS", "", "expected a SnapshotInfo object"),
        (list[models.StreamInfo], {"name": "x"}, "", "expected an array"),
        (list[models.StreamInfo], [{"name": "a"}, {}], "[1].name", "is missing"),
        (str, 5, "", "expected a string"),
    ],
)
def test_missing_or_mistyped_fields_raise_protocol_error_naming_the_field(
    model: Any, payload: Any, field: str, reason: str
) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(model, payload, method="some_call")
    error = info.value
    assert error.data["field"] == field
    assert reason in error.data["reason"]
    assert error.method == "some_call"
    assert (repr(field) if field else "value") in str(error)


def test_method_spec_errors_name_the_method() -> None:
    with pytest.raises(ProtocolError) as info:
        spec_decode("get_camera_list", {"cameras": [{"device": "camera0"}]})
    assert info.value.method == "get_camera_list"
    assert info.value.data == {
        "field": "cameras[0].status",
        "reason": "is missing",
        "model": "CameraList",
    }


def test_missing_result_for_a_model_is_a_protocol_error() -> None:
    # docs/protocol.md: a reply may omit "result" when it would be null.
    with pytest.raises(ProtocolError):
        spec_decode("get_camera_status", None)


def test_numbers_that_are_whole_floats_are_integers() -> None:
    cam = decode(models.CameraInfo, {"device": "camera0", "status": "X", "fps": 30.0})
    assert cam.fps == 30
    assert isinstance(cam.fps, int)


def test_decode_simple_types_and_containers() -> None:
    assert decode(int, 3) == 3
    assert decode(dict[str, Any], {"a": 1}) == {"a": 1}
    assert decode(list[Any], [1, "x"]) == [1, "x"]
    assert decode(dict[str, int], {"a": 1}) == {"a": 1}
    with pytest.raises(TypeError):
        decode(set[int], [1])


def test_the_converter_is_the_registry() -> None:
    assert _convert.converter.structure(CURRENT_CAMERA, models.CameraInfo) == decode(
        models.CameraInfo, CURRENT_CAMERA
    )
    listed = _convert.converter.structure({"cameras": []}, models.CameraList)
    assert isinstance(listed, models.CameraList)


# --------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-15T14:30:00Z", T0_EPOCH),
        ("2025-01-15T14:30:00z", T0_EPOCH),
        ("2025-01-15T14:30:00", T0_EPOCH),
        ("2025-01-15 14:30:00", T0_EPOCH),
        ("2025-01-15T14:30Z", T0_EPOCH),
        ("2025-01-15T16:30:00+02:00", T0_EPOCH),
        ("2025-01-15T10:00:00-0430", T0_EPOCH),
        ("2025-01-15T14:30:00.5Z", T0_EPOCH + 0.5),
        ("2025-01-15T14:30:00,25Z", T0_EPOCH + 0.25),
        ("2025-01-15T14:30:00.123456789Z", T0_EPOCH + 0.123456789),
        ("2025-01-15", T0_EPOCH - (14 * 3600 + 30 * 60)),
    ],
)
def test_parse_timestamp(text: str, expected: float) -> None:
    assert _convert.parse_timestamp(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("text", ["", "yesterday", "2025-13-01T00:00:00Z", "2025-01-15T14:30:00Q"])
def test_parse_timestamp_rejects_non_timestamps(text: str) -> None:
    with pytest.raises(ValueError):
        _convert.parse_timestamp(text)


def test_parse_timestamp_numbers_and_booleans() -> None:
    assert _convert.parse_timestamp(1700000000) == 1700000000.0
    with pytest.raises(TypeError):
        _convert.parse_timestamp(True)


def test_format_timestamp_round_trips() -> None:
    assert _convert.format_timestamp(T0_EPOCH) == "2025-01-15T14:30:00Z"
    assert _convert.parse_timestamp(_convert.format_timestamp(T1_EPOCH)) == T1_EPOCH


# --------------------------------------------------------------------------- encoding


def test_encode_a_hand_made_model_gives_current_wire_names() -> None:
    rec = models.RecordingInfo("camera0", "r.mp4", "r.mp4", T0_EPOCH, status="RECORDING")
    assert encode(rec) == {
        "device": "camera0",
        "filename": "r.mp4",
        "start_time": "2025-01-15T14:30:00Z",
        "status": "RECORDING",
    }
    cam = models.CameraInfo(
        "camera0",
        "Cam",
        ["YUYV"],
        "CONNECTED",
        "rtsp://x",
        streams=models.StreamUrls(rtsp="rtsp://x"),
        formats=["YUYV"],
        resolutions=["640x480"],
    )
    assert encode(cam) == {
        "device": "camera0",
        "name": "Cam",
        "status": "CONNECTED",
        "streams": {"rtsp": "rtsp://x"},
        "capabilities": {"formats": ["YUYV"], "resolutions": ["640x480"]},
    }


def test_encode_keeps_unknown_fields_and_round_trips() -> None:
    payload = {
        "cameras": [{**LEGACY_CAMERA, "vendor": "acme"}, {"device": "/dev/video1", "status": "X"}],
        "total": 2,
        "connected": 1,
        "metadata": {"a": 1},
    }
    original = copy.deepcopy(payload)
    decoded = decode(models.CameraList, payload)
    wire = encode(decoded)
    assert wire["metadata"] == {"a": 1}
    assert wire["cameras"][0]["vendor"] == "acme"
    again = decode(models.CameraList, wire)
    assert again == decoded
    assert (again.total, again.connected) == (2, 1)
    assert payload == original  # encoding does not touch the decoded raw mappings
    assert encode(decoded[0]) is not decoded[0].raw


def test_encode_of_legacy_status_keeps_its_shape() -> None:
    status = spec_decode(
        "get_status",
        {"server": {"status": "running", "uptime": 1.0}, "mediamtx": {"status": "ok"}},
    )
    wire = encode(status)
    assert wire["server"]["status"] == "running"
    assert decode(models.ServerStatus, wire) == status


def test_encode_lists_and_plain_values() -> None:
    assert encode([models.StreamInfo("a", ready=True)]) == [{"name": "a", "ready": True}]
    assert encode("pong") == "pong"


# --------------------------------------------------------------------------- the machinery


@attrs.define(slots=True)
class _Deep:
    """A test-only model: a three-level path, a computed field and a kw-only default."""

    name: str
    deep: int | None = attrs.field(default=None, metadata=models._wire(("a", "b", "c")))
    computed: int = attrs.field(init=False, default=7)
    label: str = attrs.field(default="none", kw_only=True)
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, kw_only=True)


def test_paths_deeper_than_two_and_other_field_kinds() -> None:
    found = decode(_Deep, {"name": "x", "a": {"b": {"c": 3}}, "label": "L"})
    assert (found.deep, found.computed, found.label) == (3, 7, "L")
    assert decode(_Deep, {"name": "x", "a": {"b": 5}}).deep is None  # "b" is not an object
    assert decode(_Deep, {"name": "x", "a": {"b": None}}).deep is None
    assert decode(_Deep, {"name": "x"}).label == "none"
    with pytest.raises(ProtocolError) as info:
        decode(_Deep, {"name": "x", "a": {"b": {"c": "3"}}})
    assert info.value.data["field"] == "a.b.c"


def test_any_mapping_not_only_dict_is_accepted() -> None:
    legacy = MappingProxyType({"server": MappingProxyType({"status": "running"})})
    assert decode(models.ServerStatus, legacy).status == "running"
    camera = MappingProxyType({"device": "camera0", "status": "X", "streams": {"rtsp": "r"}})
    assert decode(models.CameraInfo, camera).stream_url == "r"


def test_optional_and_union_types_at_the_top_level() -> None:
    assert decode(int | None, None) is None
    assert decode(int | None, 4) == 4
    assert decode(bool, True) is True
    assert decode(dict[str, Any] | str, "x") == "x"
    with pytest.raises(ProtocolError) as info:
        decode(dict[str, Any] | list[int], 5)
    assert info.value.data["reason"] == "expected object or array, got number"
    with pytest.raises(ProtocolError) as other:
        decode(str, object())
    assert other.value.data["reason"] == "expected a string, got object"
    with pytest.raises(ProtocolError) as boolean:
        decode(models.StreamUrls, {"rtsp": False})
    assert boolean.value.data["reason"] == "expected a string, got boolean"


def test_the_no_default_marker_has_a_readable_repr() -> None:
    assert repr(models._NO_DEFAULT) == "_NO_DEFAULT"


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (
            models.Metrics,
            {
                "uptime": 1.5,
                "request_count": 3,
                "methods": {"ping": {"count": 3, "avg_ms": 1.0, "max_ms": 2.0, "p99": 2}},
                "avg_response_times": {"ping": 0.001},
            },
        ),
        (
            list[models.StreamInfo],
            [{"name": "camera0", "source": {"type": "x", "id": "1"}, "readers": [{"id": "r"}]}],
        ),
        (
            models.DiscoveryResult,
            {"discovered_streams": [EXTERNAL], "scan_timestamp": T0, "scan_duration": "1s"},
        ),
        (
            models.SnapshotInfo,
            {"device": "/dev/video0", "filename": "s.jpg", "status": "completed"},
        ),
        (
            models.AuthResult,
            {"authenticated": True, "role": "admin", "expires_at": T1, "permissions": ["all"]},
        ),
    ],
)
def test_decode_encode_decode_round_trips(model: Any, payload: Any) -> None:
    decoded = decode(model, payload)
    wire = encode(decoded)
    assert decode(model, wire) == decoded


def test_encoded_values_do_not_share_containers_with_raw() -> None:
    decoded = decode(models.CameraInfo, {**LEGACY_CAMERA, "tags": ["a"], "extra": {"k": [1]}})
    wire = encode(decoded)
    wire["tags"].append("b")
    wire["extra"]["k"].append(2)
    assert decoded.raw["tags"] == ["a"]
    assert decoded.raw["extra"] == {"k": [1]}


@attrs.frozen
class _FrozenWithFactory:
    """A test-only model the decoder must build by calling it (frozen, custom factory)."""

    name: str
    tags: list[str] = attrs.field(factory=lambda: ["untagged"])


def test_frozen_models_and_custom_factories_decode() -> None:
    made = decode(_FrozenWithFactory, {"name": "x"})
    assert made == _FrozenWithFactory("x") and made.tags == ["untagged"]
    with pytest.raises(ProtocolError) as info:
        decode(_FrozenWithFactory, {"name": 3})
    assert info.value.data["field"] == "name"


def test_camera_list_items_and_a_camera_list_that_is_not_an_array() -> None:
    listed = decode(models.CameraList, {"cameras": [CURRENT_CAMERA]})
    assert listed[0].device_path == CURRENT_CAMERA["device"]
    with pytest.raises(ProtocolError) as info:
        decode(models.CameraList, {"cameras": {"device": "camera0"}})
    assert info.value.data["field"] == "cameras"


# --------------------------------------------------------------------------- any input


MODELS = sorted(
    (
        value
        for name, value in vars(models).items()
        if isinstance(value, type)
        and (attrs.has(value) or value is models.CameraList)
        and not name.startswith("_")
        and value.__module__ == models.__name__
        and value is not models.TopicEvent  # built by decode_notification, not decoded
    ),
    key=lambda cls: cls.__name__,
)

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from([T0, "camera0", "/dev/video0", "SUCCESS", "completed"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)


def _wire_keys(cls: Any) -> list[str]:
    """The top-level wire members a model reads (so that random objects hit them)."""
    if cls is models.CameraList:
        return ["cameras", "total", "connected"]
    keys = []
    for field in attrs.fields(cls):
        spec = field.metadata.get(models._WIRE_KEY, models._Wire())
        keys += [path[0] for path in spec.sources] or [field.name]
    return keys


@st.composite
def _wire_objects(draw: st.DrawFn, cls: Any) -> Any:
    keys = _wire_keys(cls)
    chosen = draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys)))
    return {key: draw(JSON) for key in chosen}


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_json_decodes_or_raises_protocol_error(cls: Any, data: st.DataObject) -> None:
    value = data.draw(JSON | _wire_objects(cls) | st.lists(_wire_objects(cls), max_size=2))
    for target in (cls, list[cls]):
        error = None
        try:
            decoded = decode(target, value)
        except ProtocolError as exc:
            error = exc
        if error is None:
            assert isinstance(decoded, list) if target is not cls else isinstance(decoded, cls)
        else:
            assert set(error.data) == {"field", "reason", "model"}
            assert error.data["reason"]


@pytest.mark.parametrize("cls", [models.CameraInfo, models.RecordingInfo, models.ServerStatus])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_camera_list_of_random_items_names_the_failing_item(
    cls: Any, data: st.DataObject
) -> None:
    items = data.draw(st.lists(_wire_objects(cls), min_size=1, max_size=4))
    try:
        decode(list[cls], items)
    except ProtocolError as exc:
        index = int(exc.data["field"][1 : exc.data["field"].index("]")])
        with pytest.raises(ProtocolError):
            decode(cls, items[index])
        for item in items[:index]:
            decode(cls, item)
