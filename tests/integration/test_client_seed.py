"""Every example of the seed README, as written, against the emulator (both dialects).

The only changes to the examples: the emulator's host, port and a real token
or API key; ``print`` becomes a recorded line (checked); the seed's "keep the
connection alive" loop becomes a wait for the notifications the emulator is
made to send. The examples use the async client; the same steps run through
the sync client via the harness (its hooks are the same functions).
"""

from __future__ import annotations

import pytest
from _client_harness import Recorder

from mediamtx_camera_sdk import (
    AuthenticationError,
    CameraList,
    ConnectionError,
    RecordingInfo,
    SnapshotInfo,
)

pytestmark = pytest.mark.anyio


async def test_seed_basic_usage(emu, make_client, client_kind):
    printed = []
    # Create client with JWT authentication
    client = make_client(
        None,
        host="127.0.0.1",
        port=emu.port,
        auth_type="jwt",
        auth_token=emu.token("operator"),
    )

    try:
        # Connect to service
        await client.connect()

        # List available cameras
        cameras = await client.get_camera_list()
        printed.append(f"Found {len(cameras)} cameras")

        # Take a snapshot
        if cameras:
            snapshot_info = await client.take_snapshot(cameras[0].device_path)
            printed.append(f"Snapshot saved: {snapshot_info.filename}")

    finally:
        await client.disconnect()

    assert isinstance(cameras, CameraList)
    assert printed[0] == "Found 2 cameras"
    assert [c.device_path for c in cameras] == emu.devices
    assert isinstance(snapshot_info, SnapshotInfo)
    assert snapshot_info.device_path == emu.devices[0]
    assert printed[1] == f"Snapshot saved: {snapshot_info.filename}"
    assert client.connected is False


async def test_seed_api_key_authentication(emu, make_client):
    # Create client with API key authentication
    client = make_client(
        None,
        host="127.0.0.1",
        port=emu.port,
        auth_type="api_key",
        api_key=emu.api_key("operator"),
    )

    await client.connect()
    # ... use the client
    assert client.authenticated is True
    assert client.role == "operator"
    assert await client.ping() == "pong"
    await client.disconnect()
    assert client.connected is False


async def test_seed_real_time_notifications(emu, make_client):
    printed = Recorder()

    async def on_camera_status_update(camera_info):
        printed(f"Camera {camera_info.device_path} status: {camera_info.status}")

    async def on_recording_status_update(recording_info):
        printed(f"Recording {recording_info.recording_id}: {recording_info.status}")

    client = make_client(
        None,
        host="127.0.0.1",
        port=emu.port,
        auth_type="jwt",
        auth_token=emu.token("operator"),
    )

    # Set up event handlers (the seed's coroutine functions; for the blocking
    # client, plain functions doing the same).
    if client.is_async:
        client.on_camera_status_update = on_camera_status_update
        client.on_recording_status_update = on_recording_status_update
    else:
        client.on_camera_status_update = lambda info: printed(
            f"Camera {info.device_path} status: {info.status}"
        )
        client.on_recording_status_update = lambda info: printed(
            f"Recording {info.recording_id}: {info.status}"
        )

    await client.connect()

    # Keep connection alive to receive notifications (here: until they came)
    try:
        camera0, camera1 = emu.devices
        emu.unplug_camera(camera1)
        await printed.wait_for(lambda line: line == f"Camera {camera1} status: DISCONNECTED")
        recording = await client.start_recording(camera0)
        await printed.wait_for(lambda line: line.startswith("Recording ") and "STARTED" in line)
        await client.stop_recording(camera0)
        await printed.wait_for(lambda line: line.startswith("Recording ") and "STOPPED" in line)
    finally:
        await client.disconnect()

    assert isinstance(recording, RecordingInfo)
    lines = printed.snapshot()
    assert lines[0] == f"Camera {camera1} status: DISCONNECTED"
    assert [line.rsplit(": ", 1)[1] for line in lines[1:]] == ["STARTED", "STOPPED"]


async def test_seed_error_handling(emu, make_client):
    client = make_client(
        None,
        host="127.0.0.1",
        port=emu.port,
        auth_type="jwt",
        auth_token="invalid_token",
    )

    outcome = None
    try:
        await client.connect()
    except AuthenticationError as e:
        outcome = f"Authentication failed: {e}"
    except ConnectionError as e:
        outcome = f"Connection failed: {e}"
    except Exception as e:
        outcome = f"Unexpected error: {e}"

    assert outcome is not None and outcome.startswith("Authentication failed: ")
    assert "invalid_token" not in outcome
    assert client.connected is False


async def test_seed_environment_variables(emu, make_client, monkeypatch):
    token = emu.token("viewer")
    monkeypatch.setenv("MEDIAMTX_HOST", "127.0.0.1")
    monkeypatch.setenv("MEDIAMTX_PORT", str(emu.port))
    monkeypatch.setenv("MEDIAMTX_USE_SSL", "false")
    monkeypatch.setenv("MEDIAMTX_AUTH_TYPE", "jwt")
    monkeypatch.setenv("MEDIAMTX_AUTH_TOKEN", token)
    monkeypatch.setenv("MEDIAMTX_API_KEY", "unused-api-key-from-env")

    # The harness passes only the fast test settings (timeouts, retry delays).
    client = make_client(None)
    async with client:
        assert client.url == f"ws://127.0.0.1:{emu.port}/ws"
        assert client.role == "viewer"
        assert await client.ping() == "pong"


async def test_explicit_arguments_beat_the_environment(emu, make_client, monkeypatch):
    monkeypatch.setenv("MEDIAMTX_HOST", "host.invalid")
    monkeypatch.setenv("MEDIAMTX_PORT", "1")
    monkeypatch.setenv("MEDIAMTX_AUTH_TOKEN", "not-a-valid-token-from-env")
    client = make_client(emu, role="admin")  # explicit host, port and token
    async with client:
        assert client.role == "admin"


async def test_from_env_uses_the_environment_and_overrides(emu, client_class, monkeypatch):
    monkeypatch.setenv("MEDIAMTX_HOST", "127.0.0.1")
    monkeypatch.setenv("MEDIAMTX_PORT", "1")
    client = client_class.from_env(port=emu.port)
    assert client.url == f"ws://127.0.0.1:{emu.port}/ws"
    assert client.settings.port == emu.port
