"""Bad input from the user: a clear SDK exception before anything is sent; the connection lives.

Through both clients, on both backends, against both dialects: wrong types,
malformed or unknown cameras, bad file names, out-of-range values, bad
timeouts, malformed raw calls, calls before ``connect()`` and after
``disconnect()``. For each, the emulator must not have received a single frame
for it, and the same connection must still answer afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest

from mediamtx_camera_sdk import (
    CameraNotFoundError,
    ClientClosedError,
    InvalidParamsError,
    MediaMTXError,
)

pytestmark = pytest.mark.anyio


def frames_sent(emu: Any) -> int:
    return sum(len(record.sent) for record in emu.connections())


#: (what, method, args, kwargs): each must raise InvalidParamsError unsent.
REFUSED: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    ("device is an int", "get_camera_status", (0,), {}),
    ("device is None", "take_snapshot", (None,), {}),
    ("device is a list", "get_camera_status", (["camera0"],), {}),
    ("empty device", "get_camera_status", ("",), {}),
    ("malformed device", "get_camera_status", ("cam0",), {}),
    ("device with spaces", "take_snapshot", (" camera0",), {}),
    ("device path traversal", "take_snapshot", ("/dev/../etc/passwd",), {}),
    ("filename with a slash", "take_snapshot", ("camera0",), {"filename": "a/b.jpg"}),
    ("filename with ..", "take_snapshot", ("camera0",), {"filename": "../x.jpg"}),
    ("filename with a backslash", "take_snapshot", ("camera0",), {"filename": "..\\x.jpg"}),
    ("zero duration", "start_recording", ("camera0",), {"duration": 0}),
    ("negative duration", "start_recording", ("camera0",), {"duration": -5}),
    ("duration over a day", "start_recording", ("camera0",), {"duration": 86401}),
    ("fractional duration", "start_recording", ("camera0",), {"duration": 1.5}),
    ("duration as text", "start_recording", ("camera0",), {"duration": "10"}),
    ("duration as bool", "start_recording", ("camera0",), {"duration": True}),
    ("unknown format", "start_recording", ("camera0",), {"format": "avi"}),
    ("quality out of range", "take_snapshot", ("camera0",), {"quality": 101}),
    ("timeout zero", "get_camera_status", ("camera0",), {"timeout": 0}),
    ("negative timeout", "get_camera_status", ("camera0",), {"timeout": -1}),
    ("timeout as text", "get_camera_status", ("camera0",), {"timeout": "5"}),
]

#: Calls only the current service has, with bad arguments.
REFUSED_CURRENT: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    ("limit zero", "list_recordings", (), {"limit": 0}),
    ("limit over 1000", "list_snapshots", (), {"limit": 1001}),
    ("limit as text", "list_recordings", (), {"limit": "10"}),
    ("negative offset", "list_recordings", (), {"offset": -1}),
    ("info of ../x", "get_recording_info", ("../etc/passwd",), {}),
    ("delete a/b", "delete_snapshot", ("a/b.jpg",), {}),
    ("empty topics", "subscribe_events", ([],), {}),
    ("topics as a string", "subscribe_events", ("camera.connected",), {}),
    ("unknown retention policy", "set_retention_policy", ("forever", True), {}),
]


def camera_id(emu: Any, n: int) -> str:
    return f"camera{n}" if emu.dialect == "current" else f"/dev/video{n}"


async def test_bad_arguments_are_refused_before_sending(emu, make_client):
    cases = REFUSED + (REFUSED_CURRENT if emu.dialect == "current" else [])
    async with make_client(emu, role="admin") as client:
        assert await client.ping() == "pong"
        before = frames_sent(emu)
        for what, method, args, kwargs in cases:
            if args and args[0] == "camera0":
                args = (camera_id(emu, 0), *args[1:])
            with pytest.raises(InvalidParamsError) as caught:
                await getattr(client, method)(*args, **kwargs)
            error = caught.value
            assert error.code == -32602, what
            assert error.param, f"{what}: the error names the parameter"
            assert frames_sent(emu) == before, f"{what}: something was sent"
        # Raw calls: a bad method name or params.
        for method, params in (("", None), (None, None), (42, None), ("ping", [1, 2])):
            with pytest.raises(InvalidParamsError):
                await client.call(method, params)
        with pytest.raises(InvalidParamsError):
            await client.call("ping", {"x": object()})  # not JSON
        assert frames_sent(emu) == before
        # The same connection still works, and nothing was left pending.
        assert await client.ping() == "pong"
        assert client.pending_count == 0 and client.reconnect_count == 0


async def test_bad_file_names_are_refused_before_any_download(emu, make_client, tmp_path):
    async with make_client(emu) as client:
        for name in ("../secret.txt", "a/b.jpg", "..\\x.jpg", "..", "", "x\x00.jpg"):
            for download in (client.download_snapshot, client.download_recording):
                with pytest.raises(InvalidParamsError):
                    await download(name, tmp_path)
        assert list(tmp_path.iterdir()) == []
        assert await client.ping() == "pong"


async def test_unknown_cameras_get_a_clear_error_and_the_connection_lives(emu, make_client):
    unknown = camera_id(emu, 99)
    async with make_client(emu) as client:
        # The id is well formed, so only the service can tell it does not exist.
        if emu.dialect == "current":
            with pytest.raises(CameraNotFoundError) as caught:
                await client.get_camera_status(unknown)
            assert caught.value.method == "get_camera_status"
        else:
            # The legacy service answers a status for any device (documented quirk) ...
            info = await client.get_camera_status(unknown)
            assert info.status == "DISCONNECTED"
        # An operation on it fails: current -32010; legacy a FAILED result,
        # which the SDK turns into MediaMTXError with the service's reason.
        expected = CameraNotFoundError if emu.dialect == "current" else MediaMTXError
        with pytest.raises(expected, match=r"(?i)not found") as caught:
            await client.take_snapshot(unknown)
        assert caught.value.method == "take_snapshot"
        assert (await client.get_camera_status(camera_id(emu, 0))).device_path == camera_id(emu, 0)
        assert client.reconnect_count == 0


async def test_calls_before_connect_and_after_disconnect_send_nothing(emu, make_client):
    client = make_client(emu)
    with pytest.raises(ClientClosedError, match="connect"):
        await client.get_camera_status(camera_id(emu, 0))
    with pytest.raises(ClientClosedError):
        await client.ping()
    assert emu.connections() == []  # not even a connection was opened
    async with client:
        assert await client.ping() == "pong"
    sent = frames_sent(emu)
    with pytest.raises(ClientClosedError, match="closed"):
        await client.get_camera_list()
    with pytest.raises(ClientClosedError):
        await client.call("ping")
    assert frames_sent(emu) == sent and len(emu.connections()) == 1
