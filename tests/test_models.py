"""The model classes themselves: the seed's constructors, aliases, helpers, equality."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from mediamtx_camera_sdk import models
from mediamtx_camera_sdk.models import (
    CameraInfo,
    CameraList,
    CameraMetrics,
    CameraStatus,
    FileInfo,
    FilePage,
    RecordingInfo,
    SnapshotInfo,
    SnapshotStatus,
    StreamInfo,
)


def test_camera_info_positional_construction_as_in_the_seed() -> None:
    info = CameraInfo("/dev/video0", "USB Camera", ["YUYV", "MJPEG"], "CONNECTED", "rtsp://h/cam0")
    assert info.device_path == "/dev/video0"
    assert info.name == "USB Camera"
    assert info.capabilities == ["YUYV", "MJPEG"]
    assert info.status == "CONNECTED"
    assert info.stream_url == "rtsp://h/cam0"
    # the richer fields default to "unknown"
    assert info.resolution is None
    assert info.fps is None
    assert info.streams is None
    assert info.metrics is None
    assert info.formats == []
    assert info.raw == {}


def test_camera_info_stream_url_is_optional_and_seed_field_order_is_kept() -> None:
    info = CameraInfo("camera0", "Cam", [], "DISCONNECTED")
    assert info.stream_url is None
    names = [f.name for f in attrs.fields(CameraInfo)]
    assert names[:5] == ["device_path", "name", "capabilities", "status", "stream_url"]


def test_recording_info_positional_construction_as_in_the_seed() -> None:
    info = RecordingInfo("/dev/video0", "rec-1", "rec-1.mp4", 1700000000.5)
    assert (info.device_path, info.recording_id, info.filename) == (
        "/dev/video0",
        "rec-1",
        "rec-1.mp4",
    )
    assert info.start_time == 1700000000.5
    assert info.duration is None
    assert info.status == "active"
    full = RecordingInfo("camera1", "r", "r.mp4", 1.0, 12.5, "STOPPED")
    assert full.duration == 12.5
    assert full.status == "STOPPED"
    names = [f.name for f in attrs.fields(RecordingInfo)]
    assert names[:6] == [
        "device_path",
        "recording_id",
        "filename",
        "start_time",
        "duration",
        "status",
    ]


def test_recording_info_start_time_may_be_unknown() -> None:
    assert RecordingInfo("camera0", "x", "x.mp4", None).start_time is None


def test_device_alias() -> None:
    assert CameraInfo("camera3", "", [], "CONNECTED").device == "camera3"
    assert RecordingInfo("/dev/video2", "a", "a.mp4", None).device == "/dev/video2"
    assert SnapshotInfo("camera1", "s.jpg", "SUCCESS").device == "camera1"


def test_models_use_slots() -> None:
    info = CameraInfo("camera0", "", [], "CONNECTED")
    with pytest.raises(AttributeError):
        info.not_a_field = 1  # type: ignore[attr-defined]


def test_raw_takes_no_part_in_equality_or_repr() -> None:
    a = CameraInfo("camera0", "n", [], "CONNECTED", raw={"device": "camera0", "x": 1})
    b = CameraInfo("camera0", "n", [], "CONNECTED", raw={"device": "camera0", "y": 2})
    assert a == b
    assert "raw" not in repr(a)
    assert "'x'" not in repr(a)
    assert a != CameraInfo("camera1", "n", [], "CONNECTED")


def test_camera_list_is_a_list_with_counters() -> None:
    cams = [
        CameraInfo("camera0", "a", [], "CONNECTED"),
        CameraInfo("camera1", "b", [], "DISCONNECTED"),
    ]
    explicit = CameraList(cams, total=5, connected=3)
    assert isinstance(explicit, list)
    assert len(explicit) == 2
    assert explicit[0].device_path == "camera0"
    assert (explicit.total, explicit.connected) == (5, 3)
    derived = CameraList(cams)
    assert (derived.total, derived.connected) == (2, 1)
    assert derived.raw == {}
    assert repr(derived).startswith("CameraList([CameraInfo(")
    assert "total=2, connected=1" in repr(derived)
    assert CameraList() == []


def test_reader_count_reads_a_count_or_a_list() -> None:
    assert CameraMetrics(readers=3).reader_count == 3
    assert CameraMetrics(readers=[{"type": "rtspSession"}, {"type": "webRTC"}]).reader_count == 2
    assert CameraMetrics().reader_count is None
    assert StreamInfo("camera0", readers=[{}]).reader_count == 1
    assert StreamInfo("camera0", readers=0).reader_count == 0


@pytest.mark.parametrize(
    ("status", "ok"),
    [("SUCCESS", True), ("completed", True), ("FAILED", False), ("PENDING", False)],
)
def test_snapshot_succeeded(status: str, ok: bool) -> None:
    assert SnapshotInfo("camera0", "s.jpg", status).succeeded is ok


def test_file_page_iterates_over_its_files() -> None:
    files = [FileInfo("a.mp4"), FileInfo("b.mp4")]
    page = FilePage(files, total=10, limit=2, offset=0)
    assert len(page) == 2
    assert [f.filename for f in page] == ["a.mp4", "b.mp4"]


def test_status_enums_compare_equal_to_the_wire_strings() -> None:
    assert CameraStatus.CONNECTED == "CONNECTED"
    assert SnapshotStatus.COMPLETED == "completed"
    assert CameraInfo("camera0", "", [], "CONNECTED").status == CameraStatus.CONNECTED


def test_topics_are_the_documented_ones() -> None:
    assert len(models.TOPICS) == 23
    assert len(set(models.TOPICS)) == 23
    assert all("." in topic for topic in models.TOPICS)


def test_all_lists_every_public_class() -> None:
    public = {
        name
        for name, value in vars(models).items()
        if not name.startswith("_")
        and isinstance(value, type)
        and value.__module__ == models.__name__
    }
    assert public <= set(models.__all__)
    for name in models.__all__:
        assert getattr(models, name).__doc__


def test_stream_list_is_a_list_with_counters() -> None:
    streams = [StreamInfo("camera0", ready=True), StreamInfo("camera1", status="inactive")]
    derived = models.StreamList(streams)
    assert isinstance(derived, list)
    assert (derived.total, derived.active, derived.inactive) == (2, 1, 1)
    assert derived.timestamp is None
    assert derived.raw == []
    explicit = models.StreamList(streams, total=5, active=3, inactive=2, timestamp=1.5)
    assert (explicit.total, explicit.active, explicit.inactive, explicit.timestamp) == (
        5,
        3,
        2,
        1.5,
    )
    assert "total=2, active=1, inactive=1" in repr(derived)
    assert models.StreamList() == []


def test_stream_info_active_and_viewers() -> None:
    assert StreamInfo("a", status="ACTIVE").active is True
    assert StreamInfo("a", ready=False, status="active").active is False  # ready wins
    assert StreamInfo("a").active is False
    assert StreamInfo("a", viewers=2).reader_count == 2


# --------------------------------------------------------------------------- the 1.0 constructors


def test_camera_info_as_the_1_0_sdk_builds_it_by_keyword_and_position() -> None:
    by_keyword = CameraInfo(
        device_path="/dev/video0",
        name="USB Camera",
        capabilities=["1920x1080", "1280x720"],
        status="CONNECTED",
        stream_url="rtsp://localhost:8554/camera0",
    )
    by_position = CameraInfo(
        "/dev/video0",
        "USB Camera",
        ["1920x1080", "1280x720"],
        "CONNECTED",
        "rtsp://localhost:8554/camera0",
    )
    for info in (by_keyword, by_position):
        assert info.device_path == "/dev/video0"
        assert info.name == "USB Camera"
        assert info.capabilities == ["1920x1080", "1280x720"]
        assert info.status == "CONNECTED"
        assert info.stream_url == "rtsp://localhost:8554/camera0"
        assert (info.resolution, info.fps, info.streams, info.formats) == (None, None, None, [])
    assert by_keyword == by_position
    assert (
        CameraInfo(device_path="c0", name="n", capabilities=[], status="ERROR").stream_url is None
    )


def test_recording_info_as_the_1_0_sdk_builds_it_by_keyword_and_position() -> None:
    by_keyword = RecordingInfo(
        device_path="/dev/video0",
        recording_id="rec-1",
        filename="rec-1.mp4",
        start_time=1700000000.0,
        duration=60.0,
        status="completed",
    )
    by_position = RecordingInfo(
        "/dev/video0", "rec-1", "rec-1.mp4", 1700000000.0, 60.0, "completed"
    )
    for info in (by_keyword, by_position):
        assert (info.device_path, info.recording_id, info.filename) == (
            "/dev/video0",
            "rec-1",
            "rec-1.mp4",
        )
        assert (info.start_time, info.duration, info.status) == (1700000000.0, 60.0, "completed")
        assert (info.format, info.end_time, info.file_size) == (None, None, None)
    defaults = RecordingInfo(
        device_path="camera0", recording_id="r", filename="r.mp4", start_time=1.0
    )
    assert (defaults.duration, defaults.status) == (None, "active")


def test_snapshot_info_as_the_1_0_sdk_builds_it_by_keyword_and_position() -> None:
    by_keyword = SnapshotInfo(
        device_path="/dev/video0", filename="s.jpg", timestamp=1700000000.5, size_bytes=2048
    )
    by_position = SnapshotInfo("/dev/video0", "s.jpg", 1700000000.5, 2048)
    for info in (by_keyword, by_position):
        assert (info.device_path, info.filename, info.timestamp) == (
            "/dev/video0",
            "s.jpg",
            1700000000.5,
        )
        assert info.size_bytes == 2048
        assert info.file_size == 2048  # one value, two names
        assert info.status == "SUCCESS"  # a snapshot built by hand was taken
        assert info.succeeded
        assert (info.file_path, info.format, info.quality, info.error) == (None, None, None, None)
    assert by_keyword == by_position
    without_size = SnapshotInfo("/dev/video0", "s.jpg", 1.0)
    assert (without_size.size_bytes, without_size.file_size) == (None, None)
    without_size.size_bytes = 10
    assert without_size.file_size == 10
    without_size.file_size = 11
    assert without_size.size_bytes == 11


def test_snapshot_info_keeps_this_sdks_own_order_and_names() -> None:
    ours = SnapshotInfo("camera0", "s.jpg", "FAILED", 2.0, 0, "/x/s.jpg", "jpg", 85, "no camera")
    assert (ours.status, ours.timestamp, ours.file_size, ours.file_path) == (
        "FAILED",
        2.0,
        0,
        "/x/s.jpg",
    )
    assert (ours.format, ours.quality, ours.error) == ("jpg", 85, "no camera")
    assert SnapshotInfo("camera0", "s.jpg", status="completed", file_size=3).size_bytes == 3
    assert SnapshotInfo("camera0", "s.jpg", file_size=3, size_bytes=3).file_size == 3
    with pytest.raises(TypeError, match="one value"):
        SnapshotInfo("camera0", "s.jpg", file_size=3, size_bytes=4)
    with pytest.raises(TypeError, match="multiple values"):
        SnapshotInfo("camera0", "s.jpg", 1.0, timestamp=2.0)
    with pytest.raises(TypeError, match="positional"):
        SnapshotInfo("camera0", "s.jpg", 1.0, 2, 3)
    with pytest.raises(TypeError):
        SnapshotInfo("camera0")  # type: ignore[call-arg]


def test_models_built_by_hand_read_back_every_field_as_given() -> None:
    rec = RecordingInfo("camera0", "id", "f.mp4", None, None, "STOPPED", format="mp4", file_size=9)
    assert (rec.status, rec.format, rec.file_size) == ("STOPPED", "mp4", 9)
    cam = CameraInfo("camera0", "n", ["YUYV"], "DISCONNECTED", None, resolution="640x480", fps=15)
    assert (cam.status, cam.resolution, cam.fps, cam.capabilities) == (
        "DISCONNECTED",
        "640x480",
        15,
        ["YUYV"],
    )


# --------------------------------------------------------------------------- one vocabulary


def _decode(model: Any, payload: dict[str, Any]) -> Any:
    from mediamtx_camera_sdk._convert import decode

    return decode(model, payload)


def test_a_recording_is_started_in_calls_and_notifications_of_both_services() -> None:
    from mediamtx_camera_sdk._convert import decode_notification

    current_call = _decode(
        RecordingInfo, {"device": "camera0", "filename": "f", "status": "RECORDING"}
    )
    legacy_call = _decode(
        RecordingInfo,
        {"device": "/dev/video0", "session_id": "s", "filename": "f", "status": "STARTED"},
    )
    event = decode_notification(
        "recording_status_update", {"device": "camera0", "status": "STARTED", "filename": "f"}
    )
    for recording, raw in (
        (current_call, "RECORDING"),
        (legacy_call, "STARTED"),
        (event, "STARTED"),
    ):
        assert isinstance(recording.status, models.StatusWord)
        assert str(recording.status) == "STARTED"
        assert recording.status == models.RecordingStatus.STARTED
        assert recording.status.raw == raw
        # Comparisons with either word keep working.
        assert recording.status == "STARTED"
        assert recording.status == raw
        assert recording.status != "STOPPED"
    assert current_call.status == legacy_call.status == event.status
    assert {current_call.status} == {"STARTED"}  # as a key, the vocabulary's word
    stopped = _decode(RecordingInfo, {"device": "camera0", "filename": "f", "status": "STOPPED"})
    assert stopped.status == models.RecordingStatus.STOPPED
    assert stopped.status.raw == "STOPPED"


def test_a_snapshot_taken_is_success_on_both_services() -> None:
    current = _decode(SnapshotInfo, {"device": "camera0", "filename": "s", "status": "SUCCESS"})
    legacy = _decode(
        SnapshotInfo, {"device": "/dev/video0", "filename": "s", "status": "completed"}
    )
    assert str(current.status) == str(legacy.status) == "SUCCESS"
    assert legacy.status.raw == "completed"
    assert legacy.status == "completed"
    assert legacy.status == SnapshotStatus.COMPLETED
    assert legacy.status == SnapshotStatus.SUCCESS
    assert legacy.succeeded and current.succeeded
    failed = _decode(SnapshotInfo, {"device": "/dev/video0", "filename": "s", "status": "FAILED"})
    assert failed.status == SnapshotStatus.FAILED and not failed.succeeded


@pytest.mark.parametrize(
    ("model", "payload", "field", "word", "raw"),
    [
        (
            CameraInfo,
            {"device": "camera0", "status": "connected"},
            "status",
            "CONNECTED",
            "connected",
        ),
        (
            models.CameraCapabilities,
            {"device": "camera0", "validation_status": "confirmed"},
            "validation_status",
            "CONFIRMED",
            "confirmed",
        ),
        (StreamInfo, {"name": "camera0", "status": "inactive"}, "status", "INACTIVE", "inactive"),
        (
            models.StreamStatus,
            {"device": "camera0", "status": "PENDING"},
            "status",
            "PENDING",  # outside the vocabulary: kept as sent
            "PENDING",
        ),
        (models.ServerStatus, {"server": {"status": "running"}}, "status", "HEALTHY", "running"),
        (models.ServerStatus, {"status": "partial"}, "status", "DEGRADED", "partial"),
        (models.ServerStatus, {"status": "HEALTHY"}, "status", "HEALTHY", "HEALTHY"),
    ],
)
def test_status_words_are_read_into_one_vocabulary(
    model: Any, payload: dict[str, Any], field: str, word: str, raw: str
) -> None:
    value = getattr(_decode(model, payload), field)
    assert isinstance(value, models.StatusWord)
    assert (str(value), value.raw) == (word, raw)
    assert value == word and value == raw


def test_status_words_go_back_to_the_wire_as_sent_and_survive_pickling() -> None:
    import pickle

    from mediamtx_camera_sdk._convert import encode

    legacy = _decode(
        SnapshotInfo, {"device": "/dev/video0", "filename": "s", "status": "completed"}
    )
    assert encode(legacy)["status"] == "completed"
    assert _decode(SnapshotInfo, encode(legacy)) == legacy
    copy = pickle.loads(pickle.dumps(legacy.status))
    assert (str(copy), copy.raw) == ("SUCCESS", "completed")
    assert repr(legacy.status) == "'SUCCESS'"
    with pytest.raises(AttributeError):
        legacy.status.raw = "x"  # type: ignore[misc]
    assert models.StatusWord("X") == "X" and models.StatusWord("X").raw == "X"
    assert (models.StatusWord("X") == 3) is False


def test_a_hand_made_model_keeps_its_status_as_given() -> None:
    rec = RecordingInfo("camera0", "r", "r.mp4", None, None, "RECORDING")
    assert rec.status == "RECORDING" and type(rec.status) is str


# --------------------------------------------------------------------------- datetimes


def test_every_timestamp_field_has_a_datetime_accessor() -> None:
    for name in models.__all__:
        cls = getattr(models, name)
        if not (isinstance(cls, type) and attrs.has(cls)):
            continue
        for field in attrs.fields(cls):
            spec = field.metadata.get(models._WIRE_KEY, models._Wire())
            if spec.timestamp:
                accessor = getattr(cls, f"{field.name}_datetime", None)
                assert isinstance(accessor, models._UtcDatetime), (name, field.name)
                assert accessor.field == field.name


def test_datetime_accessors_read_the_float_fields() -> None:
    import datetime as dt

    rec = RecordingInfo("camera0", "r", "r.mp4", 1736951400.5)
    assert rec.start_time == 1736951400.5  # the seed's float stays
    assert rec.start_time_datetime == dt.datetime(
        2025, 1, 15, 14, 30, 0, 500000, tzinfo=dt.timezone.utc
    )
    assert rec.end_time_datetime is None
    snap = SnapshotInfo("camera0", "s.jpg", 1736951400.0)
    assert snap.timestamp_datetime is not None
    assert snap.timestamp_datetime.tzinfo is dt.timezone.utc
    streams = models.StreamList(timestamp=0.0)
    assert streams.timestamp_datetime == dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    assert models.StreamList().timestamp_datetime is None
