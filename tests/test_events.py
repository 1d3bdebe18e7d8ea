"""I/O-free event plumbing: filters, handler registry, buffers, caches."""

from __future__ import annotations

import logging

import pytest

from mediamtx_camera_sdk._events import (
    CameraCache,
    EventBuffer,
    EventFilter,
    HandlerRegistry,
    RecordingTracker,
)
from mediamtx_camera_sdk.errors import InvalidParamsError


def test_filter_exact_prefix_all_and_device() -> None:
    assert EventFilter().matches("anything", {})
    assert EventFilter(["*"]).matches("camera.connected", {})
    f = EventFilter(["camera_status_update", "recording.*"])
    assert f.matches("camera_status_update", {})
    assert f.matches("recording.start", {})
    assert not f.matches("recording_status_update", {})
    assert not f.matches("snapshot.taken", {})
    d = EventFilter(["camera.*"], device="camera1")
    assert d.matches("camera.connected", {"device": "camera1"})
    assert not d.matches("camera.connected", {"device": "camera0"})
    assert not d.matches("camera.connected", {})


def test_missed_and_dropped_warnings_pass_every_filter() -> None:
    f = EventFilter(["camera_status_update"], device="camera0")
    assert f.matches("sdk.events_missed", {})
    assert f.matches("sdk.events_dropped", {"count": 3})
    assert not f.matches("sdk.reconnected", {})


@pytest.mark.parametrize("bad", ["", " x", 3, None])
def test_filter_rejects_bad_names(bad: object) -> None:
    with pytest.raises(InvalidParamsError):
        EventFilter([bad])  # type: ignore[list-item]


def test_buffer_drops_oldest_counts_and_reports_in_order(caplog: pytest.LogCaptureFixture) -> None:
    buf = EventBuffer(3, marker=lambda n: ("dropped", n))
    with caplog.at_level(logging.WARNING, logger="mediamtx_camera_sdk"):
        for i in range(5):
            buf.push(i)
    assert buf.dropped == 2
    assert len(buf) == 4
    assert [buf.pop() for _ in range(5)] == [("dropped", 2), 2, 3, 4, None]
    assert sum("fell behind" in r.message for r in caplog.records) == 1
    buf.push(9)
    assert buf.pop() == 9


def test_registry_matches_and_removes() -> None:
    reg = HandlerRegistry()

    def a(e: object) -> None: ...
    def b(e: object) -> None: ...
    def c(e: object) -> None: ...

    reg.add("camera_status_update", a)
    reg.add("camera.*", b)
    reg.add("*", c)
    assert reg.handlers_for("camera_status_update", {}) == [a, c]
    assert reg.handlers_for("camera.connected", {}) == [b, c]
    assert reg.handlers_for("sdk.events_missed", {}) == [c]
    assert reg.remove("camera.*", b) == 1
    assert reg.handlers_for("camera.connected", {}) == [c]
    assert reg.remove("*") == 1
    assert len(reg) == 1
    with pytest.raises(InvalidParamsError):
        reg.add("x", "not callable")  # type: ignore[arg-type]


def test_camera_cache_changes() -> None:
    cache = CameraCache()
    cache.replace({"camera0": "CONNECTED", "camera1": "CONNECTED"})
    cache.update("camera1", "DISCONNECTED")
    assert cache.status("camera1") == "DISCONNECTED"
    changed, vanished = cache.changes([("camera1", "CONNECTED"), ("camera2", "CONNECTED")])
    assert changed == ["camera1", "camera2"]
    assert vanished == ["camera0"]
    assert len(cache) == 2
    assert cache.changes([("camera1", "CONNECTED"), ("camera2", "CONNECTED")]) == ([], [])


def test_camera_cache_with_nothing_known_adopts_silently() -> None:
    cache = CameraCache()
    assert cache.changes([("camera0", "CONNECTED")]) == ([], [])
    assert cache.status("camera0") == "CONNECTED"
    assert cache.changes([("camera0", "DISCONNECTED")]) == (["camera0"], [])


def test_camera_cache_with_partial_knowledge_reports_only_known_cameras() -> None:
    cache = CameraCache()
    cache.update("camera1", "DISCONNECTED")  # from a notification: not a complete list
    changed, vanished = cache.changes([("camera0", "CONNECTED"), ("camera1", "CONNECTED")])
    assert (changed, vanished) == (["camera1"], [])
    # Now complete: a new camera is a change, a missing one vanished.
    assert cache.changes([("camera1", "CONNECTED"), ("camera2", "CONNECTED")]) == (
        ["camera2"],
        ["camera0"],
    )


def test_recording_tracker() -> None:
    t = RecordingTracker()
    assert t.get("camera0") is None
    t.record("camera0", "info")
    assert t.get("camera0") == "info"
    assert t.devices() == ["camera0"]
