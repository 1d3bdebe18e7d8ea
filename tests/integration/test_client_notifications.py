"""Notifications through the seed's hooks, ``on(name, handler)`` and ``events()``.

Cameras are plugged and unplugged and recordings started and stopped on the
emulator; in the current dialect, topic subscriptions (with filters) bring the
topic notifications. Handlers that fail or block must not stall anything else.
"""

from __future__ import annotations

import logging
import threading

import pytest
from _client_harness import Recorder

from mediamtx_camera_sdk import CameraInfo, RecordingInfo

pytestmark = pytest.mark.anyio


async def test_seed_hooks_get_typed_models(emu, make_client):
    cameras, recordings = Recorder(), Recorder()
    client = make_client(emu)
    client.on_camera_status_update = cameras
    client.on_recording_status_update = recordings
    camera0, camera1 = emu.devices
    async with client:
        emu.unplug_camera(camera1)
        (gone,) = await cameras.wait_for()
        assert isinstance(gone, CameraInfo)
        assert (gone.device_path, gone.status) == (camera1, "DISCONNECTED")
        emu.plug_camera(camera1)
        back = (await cameras.wait_for(count=2))[1]
        assert (back.device_path, back.status) == (camera1, "CONNECTED")

        started = await client.start_recording(camera0)
        await client.stop_recording(camera0)
        first, second = await recordings.wait_for(count=2)
    assert all(isinstance(r, RecordingInfo) for r in (first, second))
    assert [(r.device_path, r.status) for r in (first, second)] == [
        (camera0, "STARTED"),
        (camera0, "STOPPED"),
    ]
    # Legacy notifications name the file by its path on disk (PROTOCOL.md).
    assert first.filename.endswith(started.filename)
    assert second.duration is not None


async def test_on_handlers_get_event_objects(emu, make_client):
    everything, statuses, decorated = Recorder(), Recorder(), Recorder()
    client = make_client(emu)
    client.on("*", everything)
    client.on("camera_status_update", statuses)

    @client.on("recording_status_update")
    def on_recording(event):
        decorated(event)

    assert on_recording.__name__ == "on_recording"  # the decorator returns the function
    camera0, camera1 = emu.devices
    async with client:
        emu.unplug_camera(camera1)
        (event,) = await statuses.wait_for()
        assert event.method == "camera_status_update"
        assert event.params["device"] == camera1 and event.params["status"] == "DISCONNECTED"
        assert isinstance(event.data, CameraInfo) and event.data.device_path == camera1

        await client.start_recording(camera0)
        (event,) = await decorated.wait_for()
        assert event.method == "recording_status_update"
        assert isinstance(event.data, RecordingInfo) and event.data.status == "STARTED"

        assert client.off("camera_status_update", statuses) == 1
        await client.stop_recording(camera0)
        emu.plug_camera(camera1)
        await everything.wait_for(
            lambda e: e.method == "camera_status_update" and e.params["status"] == "CONNECTED"
        )
        # Removed: the plug reached the catch-all handler but not this one.
        assert len(statuses.snapshot()) == 1
    methods = [e.method for e in everything.snapshot()]
    assert methods.count("camera_status_update") == 2
    assert methods.count("recording_status_update") == 2


async def test_events_iterator_with_name_and_device_filters(emu, make_client):
    camera0, camera1 = emu.devices
    client = make_client(emu)
    async with client:
        every = client.events()
        cameras_only = client.events("camera_status_update")
        camera1_only = client.events(device=camera1)

        await client.start_recording(camera0)
        await client.stop_recording(camera0)
        emu.unplug_camera(camera0)
        emu.unplug_camera(camera1)

        first = await camera1_only.next_matching()
        assert first.method == "camera_status_update" and first.params["device"] == camera1
        assert isinstance(first.data, CameraInfo) and first.data.status == "DISCONNECTED"

        seen = await cameras_only.take(2)
        assert [e.params["device"] for e in seen] == [camera0, camera1]
        assert all(e.method == "camera_status_update" for e in seen)

        seen = await every.take(4)
        assert [(e.method, e.params["device"]) for e in seen] == [
            ("recording_status_update", camera0),
            ("recording_status_update", camera0),
            ("camera_status_update", camera0),
            ("camera_status_update", camera1),
        ]
        assert [e.data.status for e in seen[:2]] == ["STARTED", "STOPPED"]
        assert all(isinstance(e.data, RecordingInfo) for e in seen[:2])
    # A deliberate disconnect ends every iteration.
    assert [e async for e in every] == []


@pytest.mark.parametrize("dialect", ["current"])
async def test_topic_subscriptions_with_filters(emu, make_client):
    camera0, camera1 = emu.devices
    client = make_client(emu)
    async with client:
        topics = client.events("camera.*", "recording.*")
        matched = Recorder()
        client.on("camera.disconnected", matched)
        result = await client.subscribe_events(
            ["camera.connected", "camera.disconnected"], filters={"device": camera1}
        )
        assert set(result.topics) == {"camera.connected", "camera.disconnected"}
        await client.subscribe_events(["recording.start", "recording.stop"])

        emu.unplug_camera(camera0)  # filtered out by the server
        emu.unplug_camera(camera1)
        emu.plug_camera(camera1)
        emu.plug_camera(camera0)  # filtered out by the server
        await client.start_recording(camera0)
        await client.stop_recording(camera0)

        seen = await topics.take(4)
        assert [(e.method, e.params.get("device")) for e in seen] == [
            ("camera.disconnected", camera1),
            ("camera.connected", camera1),
            ("recording.start", camera0),
            ("recording.stop", camera0),
        ]
        assert seen[3].params["reason"] == "manual"
        (handled,) = await matched.wait_for()
        assert handled.params["device"] == camera1

        await client.unsubscribe_events(["recording.start", "recording.stop"])
        await client.start_recording(camera0)
        emu.unplug_camera(camera1)
        event = await topics.next_matching()
        # The recording.start topic is no longer sent: the next topic is the camera's.
        assert (event.method, event.params["device"]) == ("camera.disconnected", camera1)


@pytest.mark.parametrize("dialect", ["legacy"])
async def test_legacy_notifications_reach_unauthenticated_clients(emu, make_client):
    async with make_client(emu, role=None) as client:
        assert not client.authenticated
        events = client.events("camera_status_update")
        emu.unplug_camera(emu.devices[0])
        event = await events.next_matching()
        assert event.data.device_path == emu.devices[0]


async def test_failing_and_blocking_handlers_stall_nothing(emu, make_client, caplog):
    release = threading.Event()
    blocked = Recorder()
    failures = Recorder()
    healthy = Recorder()

    def blocking_handler(event):
        blocked(event)
        release.wait(10)  # held until the scenario has shown that nothing waits for it

    def failing_handler(event):
        failures(event)
        raise RuntimeError("handler bug")

    client = make_client(emu)
    client.on("camera_status_update", blocking_handler)
    client.on("camera_status_update", failing_handler)
    client.on("camera_status_update", healthy)
    client.on_camera_status_update = lambda info: 1 / 0  # a failing seed hook as well
    camera0, camera1 = emu.devices
    try:
        async with client:
            events = client.events("camera_status_update")
            emu.unplug_camera(camera0)
            await blocked.wait_for()
            emu.unplug_camera(camera1)
            # The blocked handler holds its own queue only: replies, the iterator,
            # the other handlers (one of which keeps failing) all go on.
            assert len(await client.get_camera_list()) == 2
            await healthy.wait_for(count=2)
            await failures.wait_for(count=2)
            assert [e.params["device"] for e in await events.take(2)] == [camera0, camera1]
            assert len(blocked.snapshot()) == 1
            release.set()
            await blocked.wait_for(count=2)
    finally:
        release.set()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and "handler" in r.message]
    assert errors, "a failing handler is logged"
