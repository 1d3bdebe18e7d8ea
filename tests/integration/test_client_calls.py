"""Every call of the method table, through both clients, with its typed result.

Current dialect: all 34 typed calls, in an order that makes each meaningful
(a snapshot exists before it is listed, downloaded, deleted ...). Legacy
dialect: its calls (``get_server_info`` fails as the real legacy server does),
the ``get_cameras`` alias through ``call()``, and every current-only call
raising ``UnsupportedError`` before anything is sent. A coverage check fails
when the method table gains a call this file does not exercise.
"""

from __future__ import annotations

import json

import pytest

from mediamtx_camera_sdk import (
    CameraCapabilities,
    CameraInfo,
    CameraList,
    CameraNotFoundError,
    FileInfo,
    FilePage,
    InternalServerError,
    InvalidParamsError,
    MethodNotFoundError,
    RecordingInfo,
    SnapshotInfo,
    UnsupportedError,
)
from mediamtx_camera_sdk import models as m
from mediamtx_camera_sdk.methods import METHODS, methods_for

pytestmark = pytest.mark.anyio

#: Calls not exercised as typed methods here, and where they are covered instead.
NOT_TYPED = {
    "authenticate": "every connect (test_client_auth.py)",
    "get_cameras": "the legacy alias, through call() below",
}

#: Valid arguments for each current-only call (used to show legacy refuses them unsent).
CURRENT_ONLY_ARGS = {
    "get_camera_capabilities": ("/dev/video0",),
    "list_recordings": (),
    "list_snapshots": (),
    "get_recording_info": ("a.mp4",),
    "get_snapshot_info": ("a.jpg",),
    "delete_recording": ("a.mp4",),
    "delete_snapshot": ("a.jpg",),
    "start_streaming": ("/dev/video0",),
    "stop_streaming": ("/dev/video0",),
    "get_stream_url": ("/dev/video0",),
    "get_stream_status": ("/dev/video0",),
    "get_system_status": (),
    "get_storage_info": (),
    "set_retention_policy": ("age", True),
    "cleanup_old_files": (),
    "subscribe_events": (["camera.connected"],),
    "unsubscribe_events": (),
    "get_subscription_stats": (),
    "discover_external_streams": (),
    "add_external_stream": ("rtsp://10.0.0.9/live", "door"),
    "remove_external_stream": ("rtsp://10.0.0.9/live",),
    "get_external_streams": (),
    "set_discovery_interval": (60,),
}


def test_the_lists_cover_the_method_table():
    current_only = {n for n, s in METHODS.items() if s.dialects == frozenset({"current"})}
    assert current_only == set(CURRENT_ONLY_ARGS)
    assert set(methods_for("legacy")) == {
        "ping",
        "authenticate",
        "get_camera_list",
        "get_cameras",
        "get_camera_status",
        "get_streams",
        "take_snapshot",
        "start_recording",
        "stop_recording",
        "get_metrics",
        "get_status",
        "get_server_info",
    }


def _sent_methods(emu):
    methods = []
    for record in emu.connections():
        for frame in record.sent:
            if isinstance(frame, str) and '"method"' in frame:
                methods.append(json.loads(frame).get("method"))
    return methods


@pytest.mark.parametrize("dialect", ["current"])
async def test_every_current_call_returns_its_model(emu, make_client, tmp_path):
    camera0, camera1 = emu.devices
    called = set()

    def check(name, value, model):
        called.add(name)
        assert isinstance(value, model), f"{name} returned {type(value).__name__}"
        return value

    async with make_client(emu, role="admin") as client:
        assert client.dialect == "current"
        assert check("ping", await client.ping(), str) == "pong"
        cameras = check("get_camera_list", await client.get_camera_list(), CameraList)
        assert [c.device_path for c in cameras] == [camera0, camera1]
        assert all(isinstance(c, CameraInfo) and c.status == "CONNECTED" for c in cameras)
        assert cameras.total == 2 and cameras.connected == 2

        status = check("get_camera_status", await client.get_camera_status(camera0), CameraInfo)
        assert status.device_path == camera0 and status.status == "CONNECTED"
        caps = check(
            "get_camera_capabilities",
            await client.get_camera_capabilities(camera0),
            CameraCapabilities,
        )
        assert caps.device_path == camera0 and caps.formats and caps.fps_options

        snap = check("take_snapshot", await client.take_snapshot(camera0), SnapshotInfo)
        assert snap.device_path == camera0 and snap.status == "SUCCESS" and snap.file_size > 0
        assert (emu.media_dir / "snapshots" / snap.filename).stat().st_size == snap.file_size

        started = check(
            "start_recording", await client.start_recording(camera0, format="mp4"), RecordingInfo
        )
        assert started.device_path == camera0 and started.status == "RECORDING"
        stopped = check("stop_recording", await client.stop_recording(camera0), RecordingInfo)
        assert stopped.filename == started.filename and stopped.status == "STOPPED"
        assert stopped.file_size and stopped.file_size > 0
        known = await client.get_recording_status(camera0)
        assert isinstance(known, RecordingInfo) and known.status == "STOPPED"
        assert known.filename == started.filename

        recordings = check("list_recordings", await client.list_recordings(limit=10), FilePage)
        assert [f.filename for f in recordings.files] == [started.filename]
        assert recordings.total == 1 and isinstance(recordings.files[0], FileInfo)
        snapshots = check("list_snapshots", await client.list_snapshots(), FilePage)
        assert [f.filename for f in snapshots.files] == [snap.filename]
        assert [f.filename async for f in client.iter_recordings(page_size=1)] == [started.filename]
        assert [f.filename async for f in client.iter_snapshots()] == [snap.filename]
        rec_info = check(
            "get_recording_info",
            await client.get_recording_info(started.filename),
            m.RecordingFileInfo,
        )
        assert rec_info.filename == started.filename and rec_info.file_size == stopped.file_size
        snap_info = check(
            "get_snapshot_info", await client.get_snapshot_info(snap.filename), m.SnapshotFileInfo
        )
        assert snap_info.file_size == snap.file_size

        stream = check(
            "start_streaming", await client.start_streaming(camera1), m.StreamStartResult
        )
        assert stream.device_path == camera1 and stream.status == "STARTED"
        url = check("get_stream_url", await client.get_stream_url(camera1), m.StreamUrl)
        assert url.device_path == camera1 and url.stream_url
        stream_status = check(
            "get_stream_status", await client.get_stream_status(camera1), m.StreamStatus
        )
        assert stream_status.device_path == camera1 and stream_status.status == "ACTIVE"
        streams = check("get_streams", await client.get_streams(), list)
        assert {s.name for s in streams} >= {"camera0", "camera1"}
        assert all(isinstance(s, m.StreamInfo) for s in streams)
        stream_stop = check(
            "stop_streaming", await client.stop_streaming(camera1), m.StreamStopResult
        )
        assert stream_stop.device_path == camera1 and stream_stop.status == "STOPPED"

        metrics = check("get_metrics", await client.get_metrics(), m.Metrics)
        assert metrics.camera_metrics is not None
        assert metrics.camera_metrics.connected_cameras == 2
        assert check("get_status", await client.get_status(), m.ServerStatus).status == "HEALTHY"
        assert check(
            "get_system_status", await client.get_system_status(), m.ServerStatus
        ).status in ("HEALTHY", "DEGRADED", "UNHEALTHY")
        info = check("get_server_info", await client.get_server_info(), m.ServerInfo)
        assert info.version and info.capabilities
        storage = check("get_storage_info", await client.get_storage_info(), m.StorageInfo)
        assert storage.total_space and storage.total_space > 0
        policy = check(
            "set_retention_policy",
            await client.set_retention_policy("age", True, max_age_days=7),
            m.RetentionPolicy,
        )
        assert (policy.policy_type, policy.enabled, policy.max_age_days) == ("age", True, 7)
        cleanup = check("cleanup_old_files", await client.cleanup_old_files(), m.CleanupResult)
        assert cleanup.cleanup_executed is True

        sub = check(
            "subscribe_events",
            await client.subscribe_events(["camera.connected"], filters={"device": camera0}),
            m.SubscriptionResult,
        )
        assert sub.subscribed is True and list(sub.topics) == ["camera.connected"]
        stats = check(
            "get_subscription_stats", await client.get_subscription_stats(), m.SubscriptionStats
        )
        assert "camera.connected" in stats.client_topics
        unsub = check(
            "unsubscribe_events", await client.unsubscribe_events(), m.UnsubscriptionResult
        )
        assert unsub.unsubscribed is True

        discovery = check(
            "discover_external_streams",
            await client.discover_external_streams(generic_enabled=True),
            m.DiscoveryResult,
        )
        assert discovery.total_found == len(discovery.discovered_streams)
        added = check(
            "add_external_stream",
            await client.add_external_stream("rtsp://10.0.0.9/live", "door"),
            m.ExternalStreamAdded,
        )
        assert added.stream_name == "door" and added.status == "ADDED"
        external = check(
            "get_external_streams", await client.get_external_streams(), m.ExternalStreamList
        )
        assert "rtsp://10.0.0.9/live" in [s.url for s in external.external_streams]
        removed = check(
            "remove_external_stream",
            await client.remove_external_stream("rtsp://10.0.0.9/live"),
            m.ExternalStreamRemoved,
        )
        assert removed.status == "REMOVED"
        interval = check(
            "set_discovery_interval",
            await client.set_discovery_interval(60),
            m.DiscoveryIntervalResult,
        )
        assert interval.scan_interval == 60 and interval.status == "UPDATED"

        deleted = check(
            "delete_recording", await client.delete_recording(started.filename), m.DeleteResult
        )
        assert deleted.deleted is True
        assert not (emu.media_dir / "recordings" / started.filename).exists()
        deleted = check(
            "delete_snapshot", await client.delete_snapshot(snap.filename), m.DeleteResult
        )
        assert deleted.deleted is True
        assert (await client.list_snapshots()).files == []

        raw = await client.call("get_camera_status", {"device": camera1})
        assert raw["device"] == camera1 and raw["status"] == "CONNECTED"
        with pytest.raises(CameraNotFoundError) as caught:
            await client.get_camera_status("camera99")
        assert caught.value.code == -32010
        with pytest.raises(MethodNotFoundError):
            await client.call("no_such_method")

    expected = set(methods_for("current")) - set(NOT_TYPED)
    assert called == expected, f"not exercised: {sorted(expected - called)}"


@pytest.mark.parametrize("dialect", ["legacy"])
async def test_every_legacy_call_returns_its_model(emu, make_client):
    camera0, camera1 = emu.devices
    called = set()

    def check(name, value, model):
        called.add(name)
        assert isinstance(value, model), f"{name} returned {type(value).__name__}"
        return value

    async with make_client(emu, role="operator") as client:
        assert client.dialect == "legacy"
        assert check("ping", await client.ping(), str) == "pong"
        cameras = check("get_camera_list", await client.get_camera_list(), CameraList)
        assert [c.device_path for c in cameras] == ["/dev/video0", "/dev/video1"]
        alias = await client.call("get_cameras")
        assert [c["device"] for c in alias["cameras"]] == [camera0, camera1]
        called.add("get_cameras")
        status = check("get_camera_status", await client.get_camera_status(camera1), CameraInfo)
        assert status.device_path == camera1 and status.status == "CONNECTED"
        unknown = await client.get_camera_status("/dev/video9")
        assert unknown.status == "DISCONNECTED"  # legacy: no error for an unknown device

        streams = check("get_streams", await client.get_streams(), list)
        assert [s.name for s in streams] == ["camera0", "camera1"]
        snap = check(
            "take_snapshot",
            await client.take_snapshot(camera0, format="png", quality=50),
            SnapshotInfo,
        )
        assert snap.status == "completed" and snap.format == "png" and snap.quality == 50
        assert (emu.media_dir / "snapshots" / snap.filename).stat().st_size == snap.file_size
        started = check(
            "start_recording", await client.start_recording(camera0, duration=60), RecordingInfo
        )
        assert started.status == "STARTED" and started.format == "mp4"
        stopped = check("stop_recording", await client.stop_recording(camera0), RecordingInfo)
        assert stopped.status == "STOPPED" and stopped.filename == started.filename
        assert stopped.file_size and stopped.file_size > 0
        known = await client.get_recording_status(camera0)
        assert known is not None and known.status == "STOPPED"

        metrics = check("get_metrics", await client.get_metrics(), m.Metrics)
        assert metrics.request_count and metrics.request_count > 0
        assert "take_snapshot" in metrics.methods
        server = check("get_status", await client.get_status(), m.ServerStatus)
        assert server.mediamtx is not None and server.mediamtx.connected is True
        # The real legacy server always fails this call (PROTOCOL.md); the SDK says so.
        with pytest.raises(InternalServerError) as caught:
            await client.get_server_info()
        assert caught.value.code == -32603
        called.add("get_server_info")

    expected = set(methods_for("legacy")) - {"authenticate"}
    assert called == expected, f"not exercised: {sorted(expected - called)}"


@pytest.mark.parametrize("dialect", ["legacy"])
async def test_current_only_calls_are_refused_on_legacy_before_sending(emu, make_client):
    async with make_client(emu, role="admin") as client:
        for name, args in CURRENT_ONLY_ARGS.items():
            with pytest.raises(UnsupportedError) as caught:
                await getattr(client, name)(*args)
            assert caught.value.method == name
            assert "legacy" in str(caught.value)
        assert await client.ping() == "pong"  # the connection is fine
    sent = _sent_methods(emu)
    assert not set(sent) & set(CURRENT_ONLY_ARGS), sent


@pytest.mark.parametrize("dialect", ["current"])
async def test_legacy_only_parameters_are_refused_on_current_before_sending(emu, make_client):
    async with make_client(emu) as client:
        with pytest.raises(InvalidParamsError) as caught:
            await client.take_snapshot(emu.devices[0], format="png")
        assert caught.value.param == "format"
        assert await client.ping() == "pong"
    assert "take_snapshot" not in _sent_methods(emu)
