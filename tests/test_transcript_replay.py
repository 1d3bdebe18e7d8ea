"""Every result the real services sent decodes into its typed model, field for field.

The replies are the recorded fixtures in ``tests/fixtures/transcripts/`` (every
request a probe made to a real service of each generation, and the reply; see
the README there). Each result goes through the method table's decoder, as the
clients decode it (``methods.METHODS[name].decode_result``), and then:

- every model field whose wire member is in the reply holds that member's value
  (timestamps as epoch seconds, nested objects as their models, recursively);
- the replies whose shape differs from the documented one (docs/protocol.md,
  "The current service as it really behaves") land in the fields made for them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from mediamtx_camera_sdk import methods, models
from mediamtx_camera_sdk._convert import parse_timestamp

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
DIALECTS = ("current", "legacy")


def _records(dialect: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(
        (FIXTURES / f"{dialect}.json").read_text(encoding="utf-8")
    )
    return records


def _results(dialect: str) -> list[tuple[str, str, Any]]:
    """(test id, method, wire result) of every reply that is a result of a known call."""
    out = []
    for index, record in enumerate(_records(dialect)):
        reply = record["reply"]
        if not isinstance(reply, dict) or "result" not in reply:
            continue
        assert record["method"] in methods.METHODS, record
        out.append((f"{dialect}-{index}-{record['method']}", record["method"], reply["result"]))
    return out


RESULTS = [(dialect, *item) for dialect in DIALECTS for item in _results(dialect)]


def decode(method: str, result: Any) -> Any:
    return methods.METHODS[method].decode_result(result)


# --------------------------------------------------------------------------- field for field


def _wire_value(data: Mapping[str, Any], spec: Any, name: str) -> tuple[bool, Any]:
    for path in spec.sources or ((name,),):
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            return True, value
    return False, None


def assert_matches(value: Any, wire: Any, *, timestamp: bool = False) -> None:
    """``value`` (decoded) holds what ``wire`` says, recursively."""
    if timestamp:
        assert value == (None if wire == "" else parse_timestamp(wire))
    elif isinstance(value, (models.CameraList, models.StreamList)):
        items = (
            wire
            if isinstance(wire, list)
            else wire["cameras" if isinstance(value, models.CameraList) else "streams"]
        )
        assert len(value) == len(items)
        for item, raw in zip(value, items, strict=True):
            assert_matches(item, raw)
        assert value.raw is wire
    elif attrs.has(type(value)):
        assert isinstance(wire, Mapping)
        for field in attrs.fields(type(value)):
            if field.name == "raw":
                assert value.raw is wire
                continue
            spec = field.metadata.get(models._WIRE_KEY, models._Wire())
            present, raw = _wire_value(wire, spec, field.name)
            if present:
                assert_matches(getattr(value, field.name), raw, timestamp=spec.timestamp)
    elif isinstance(value, list):
        assert isinstance(wire, list) and len(value) == len(wire)
        for item, raw in zip(value, wire, strict=True):
            assert_matches(item, raw)
    elif isinstance(value, dict) and isinstance(wire, Mapping):
        assert value.keys() == wire.keys()
        for key in value:
            assert_matches(value[key], wire[key])
    else:
        assert value == wire
        assert isinstance(value, bool) == isinstance(wire, bool)


@pytest.mark.parametrize(
    ("dialect", "case", "method", "result"), RESULTS, ids=[r[1] for r in RESULTS]
)
def test_every_recorded_result_decodes_field_for_field(
    dialect: str, case: str, method: str, result: Any
) -> None:
    decoded = decode(method, result)
    spec = methods.METHODS[method]
    if isinstance(spec.result, type):
        assert isinstance(decoded, spec.result)
    assert_matches(decoded, result)


def test_every_dialect_has_its_results_replayed() -> None:
    # The fixtures hold what the probes sent: a run that decodes nothing proves nothing.
    current = {method for _, method, _ in _results("current")}
    legacy = {method for _, method, _ in _results("legacy")}
    assert len(current) >= 28  # every call of the current service but the failing ones
    assert {"get_camera_list", "take_snapshot", "start_recording", "stop_recording"} <= legacy
    assert {"get_cameras", "get_metrics", "get_status", "get_streams"} <= legacy


# --------------------------------------------------------------------------- the observed shapes


def _first(dialect: str, method: str, comment: str = "") -> Any:
    for record in _records(dialect):
        reply = record["reply"] or {}
        if record["method"] == method and "result" in reply and comment in record["comment"]:
            return reply["result"]
    raise AssertionError(f"no recorded result of {method} {comment!r}")


def test_current_get_streams_object_with_counters() -> None:
    streams = decode("get_streams", _first("current", "get_streams", "while recording"))
    assert isinstance(streams, models.StreamList)
    assert isinstance(streams, list)
    (stream,) = streams
    assert (stream.name, stream.status, stream.source) == ("camera0", "active", "rtspSession")
    assert (stream.viewers, stream.reader_count, stream.bytes_sent) == (1, 1, 0)
    assert stream.active is True
    assert stream.start_time == pytest.approx(parse_timestamp("2026-12-01T21:25:08.808018Z"))
    assert (streams.total, streams.active, streams.inactive) == (1, 1, 0)
    assert streams.timestamp == parse_timestamp("2026-12-01T21:25:10Z")
    idle = decode("get_streams", _first("current", "get_streams", "after start_streaming"))
    assert idle[0].start_time is None  # "" on the wire: no time yet
    assert idle[0].active is False
    assert (idle.total, idle.active, idle.inactive) == (1, 0, 1)
    empty = decode("get_streams", _first("current", "get_streams"))
    assert empty == [] and empty.total == 0


def test_legacy_get_streams_array() -> None:
    streams = decode("get_streams", _first("legacy", "get_streams"))
    assert isinstance(streams, models.StreamList)
    assert streams.total == len(streams)
    assert streams.timestamp is None
    assert all(isinstance(s.ready, bool) for s in streams)
    assert streams.active == sum(1 for s in streams if s.ready)


def test_current_set_retention_policy_observed_shape() -> None:
    age = decode("set_retention_policy", _first("current", "set_retention_policy"))
    assert isinstance(age, models.RetentionPolicy)
    assert (age.policy_type, age.success, age.max_age, age.max_size) == ("age", True, "7 days", "")
    assert age.max_age_days == 7
    assert age.max_size_gb is None
    assert age.enabled is None  # not echoed by the current service
    assert age.message == "Retention policy configuration updated successfully"
    size = [
        decode("set_retention_policy", r["reply"]["result"])
        for r in _records("current")
        if r["method"] == "set_retention_policy" and "result" in r["reply"]
    ][1]
    assert (size.policy_type, size.max_size, size.max_size_gb, size.max_age_days) == (
        "size",
        "1 GB",
        1.0,
        None,
    )


def test_current_cleanup_old_files_observed_shape() -> None:
    cleanup = decode("cleanup_old_files", _first("current", "cleanup_old_files"))
    assert isinstance(cleanup, models.CleanupResult)
    assert (cleanup.recordings_removed, cleanup.snapshots_removed, cleanup.space_freed) == (0, 0, 0)
    assert cleanup.status == "SUCCESS"
    assert cleanup.cleanup_executed is True  # read from status
    assert cleanup.files_deleted == 0  # recordings_removed + snapshots_removed
    assert cleanup.message is not None and cleanup.message.startswith("Cleaned up 0 files")


def test_current_status_words_outside_the_documented_ones_pass_through() -> None:
    system = decode("get_system_status", _first("current", "get_system_status"))
    assert system.status == "partial"
    assert system.available_cameras == ["camera0", "camera1"]
    assert system.discovery_active is False
    assert system.message == "Some cameras available, discovery in progress"
    caps = decode("get_camera_capabilities", _first("current", "get_camera_capabilities"))
    assert caps.validation_status == "confirmed"
    assert "Video Capture" in caps.capabilities
    assert caps.frame_rates == []
    pending = decode("get_stream_status", _first("current", "get_stream_status", "after"))
    assert pending.status == "PENDING"
    assert (pending.viewers, pending.bytes_sent) == (0, 0)
    assert pending.stream_url == "rtsp://127.0.0.1:8564/camera1"
    assert pending.start_time == parse_timestamp("2026-12-01T21:25:07Z")


def test_current_numbers_and_unix_timestamps() -> None:
    stopped = decode("stop_recording", _first("current", "stop_recording"))
    assert stopped.duration == pytest.approx(3.611470582)
    assert stopped.end_time == parse_timestamp("2026-12-01T21:25:12Z")
    external = decode("get_external_streams", _first("current", "get_external_streams"))
    assert external.timestamp == 1796160286.0  # a unix integer on the wire


def test_current_files_and_streaming_extras() -> None:
    page = decode("list_recordings", _first("current", "list_recordings", "while recording"))
    (item,) = page
    assert (item.device_path, item.device, item.duration, item.format) == (
        "camera0",
        "camera0",
        0.0,
        "mp4",
    )
    info = decode("get_snapshot_info", _first("current", "get_snapshot_info"))
    assert (info.device_path, info.format, info.resolution) == ("camera0", "jpg", "1920x1080")
    started = decode("start_streaming", _first("current", "start_streaming"))
    assert started.ffmpeg_command is not None and started.ffmpeg_command.startswith("ffmpeg ")
    assert (started.format, started.message) == ("", "")


def test_every_model_keeps_the_raw_mapping() -> None:
    for _dialect, _case, method, result in RESULTS:
        decoded = decode(method, result)
        if hasattr(decoded, "raw"):
            assert decoded.raw is result
