"""Starting, stopping and restarting the emulator, and its test-side control surface."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import anyio
import pytest
from websockets.exceptions import ConnectionClosed

from mediamtx_camera_sdk.testing import CameraServiceEmulator, ConnectionRecord

from .helpers import WAIT, RawClient, async_client, make_emulator

Clients = Callable[..., RawClient]


def closed_frame(client: RawClient) -> Any:
    """Read until the connection ends; returns the close frame received (None: none)."""

    def read_all() -> None:
        while True:
            client.ws.recv(timeout=WAIT)

    with pytest.raises(ConnectionClosed) as closed:
        read_all()
    return closed.value.rcvd


def test_start_stop_and_addresses() -> None:
    emulator = make_emulator()
    with pytest.raises(RuntimeError, match="not been started"):
        _ = emulator.url
    assert emulator.running is False
    emulator.start()
    try:
        assert emulator.running is not False
        assert emulator.port > 0
        assert emulator.url == f"ws://127.0.0.1:{emulator.port}/ws"
        assert emulator.http_url == f"http://127.0.0.1:{emulator.port}"
        with pytest.raises(RuntimeError, match="already running"):
            emulator.start()
        client = RawClient(emulator.url)
        assert client.result("ping") == "pong"
    finally:
        emulator.stop()
    assert closed_frame(client).code == 1001  # stop closes connections cleanly
    emulator.stop()  # idempotent
    assert emulator.running is False
    with pytest.raises(RuntimeError, match="not running"):
        emulator.restart()


def test_stop_then_start_reuses_the_port_and_media_dir_rules(tmp_path: Path) -> None:
    emulator = make_emulator()
    with emulator:
        port = emulator.port
        owned = emulator.media_dir
        assert owned is not None
        assert (owned / "recordings").is_dir()
    assert not owned.exists()  # a temporary media dir is removed on stop
    assert emulator.media_dir is None
    with emulator:
        assert emulator.port == port
        assert RawClient(emulator.url).result("ping") == "pong"
    mine = tmp_path / "media"
    with make_emulator(media_dir=mine) as emulator:
        client = RawClient(emulator.url)
        client.result("authenticate", {"auth_token": emulator.token()})
        name = client.result("take_snapshot", {"device": "camera0"})["filename"]
        client.close()
    assert (mine / "snapshots" / name).is_file()  # a given media dir is kept


def test_restart_keeps_port_state_and_credentials(
    emu: CameraServiceEmulator, clients: Clients
) -> None:
    token = emu.token("operator")
    client = clients(emu)
    client.result("authenticate", {"auth_token": token})
    client.result("subscribe_events", {"topics": ["camera.connected"]})
    client.result("start_recording", {"device": "camera0"})
    name = client.result("take_snapshot", {"device": "camera0"})["filename"]
    port = emu.port
    emu.restart()
    assert client.notification("recording_status_update", lambda p: p["status"] == "STOPPED")
    assert closed_frame(client).code == 1001
    assert emu.port == port
    again = clients(emu)
    assert again.error("take_snapshot", {"device": "camera0"})["code"] == -32001
    again.result("authenticate", {"auth_token": token})
    assert again.result("get_snapshot_info", {"filename": name})["filename"] == name
    assert again.result("get_subscription_stats")["client_topics"] == []
    assert again.result("get_camera_list")["total"] == 2


@pytest.mark.parametrize("clean", [True, False])
def test_drop_connections(emu: CameraServiceEmulator, clients: Clients, clean: bool) -> None:
    first, second = clients(emu), clients(emu)
    emu.wait_for_connections(2)
    emu.drop_connections(clean=clean)
    for client in (first, second):
        frame = closed_frame(client)
        if clean:
            assert frame.code == 1001
        else:
            assert frame is None  # no close frame: the TCP connection was just cut
    emu.wait_for_connections(0)
    assert clients(emu).result("ping") == "pong"


def test_broadcast_raw_and_connection_records(emu: CameraServiceEmulator, clients: Clients) -> None:
    viewer = clients(emu, "viewer")
    anonymous = clients(emu)
    emu.broadcast_raw("this is not json")
    emu.broadcast_raw('{"jsonrpc":"2.0","id":999,"result":"for nobody"}')
    emu.broadcast_raw(b"\x00\xffbinary")
    for client in (viewer, anonymous):
        assert client.ws.recv(timeout=WAIT) == "this is not json"
        assert json.loads(client.ws.recv(timeout=WAIT))["id"] == 999
        assert client.ws.recv(timeout=WAIT) == b"\x00\xffbinary"
    emu.notify("custom_event", {"x": 1})
    assert viewer.notification("custom_event") == {"x": 1}
    viewer.result("subscribe_events", {"topics": ["system.health"]})
    emu.publish_event("system.health", {"status": "ok"})
    assert viewer.notification("system.health") == {"status": "ok"}
    anonymous.drain_to_ping()
    records = {record.id: record for record in emu.connections()}
    assert len(records) == 2
    first, second = sorted(records.values(), key=lambda r: r.id)
    assert isinstance(first, ConnectionRecord)
    assert (first.role, second.role) == ("viewer", None)
    assert first.subscriptions == ["system.health"]
    assert first.path == "/ws"
    at = first.received.index("this is not json")
    assert first.received[at : at + 3] == [
        "this is not json",
        '{"jsonrpc":"2.0","id":999,"result":"for nobody"}',
        b"\x00\xffbinary",
    ]
    assert first.received_json()[0]["result"]["role"] == "viewer"
    assert [n["method"] for n in first.notifications()] == ["custom_event", "system.health"]
    assert first.notifications("system.health") == [
        {"jsonrpc": "2.0", "method": "system.health", "params": {"status": "ok"}}
    ]
    assert json.loads(first.sent[0])["method"] == "authenticate"
    assert all(record.open for record in records.values())
    anonymous.close()
    emu.wait_for_connections(1)
    closed = {record.id: record for record in emu.connections()}[second.id]
    assert (closed.open, closed.close_code) == (False, 1000)


def test_wait_for_connections_times_out(emu: CameraServiceEmulator) -> None:
    with pytest.raises(TimeoutError):
        emu.wait_for_connections(3, timeout=0.05)


def test_controls_check_their_arguments(emu: CameraServiceEmulator) -> None:
    with pytest.raises(ValueError, match="device"):
        emu.plug_camera("/dev/video0")
    with pytest.raises(ValueError, match="unknown camera"):
        emu.unplug_camera("camera7")
    with pytest.raises(ValueError, match="status"):
        emu.change_camera("camera0", status="ON_FIRE")
    with pytest.raises(ValueError, match="role"):
        emu.token("root")
    with pytest.raises(ValueError, match="role"):
        emu.api_key("root")
    with pytest.raises(ValueError, match="count"):
        emu.fail_next("ping", -32603, count=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dialect": "future"},
        {"cameras": -1},
        {"idle_timeout": 0},
        {"rate_limit": 0},
        {"rate_limit": (5, 0)},
        {"time_scale": 0},
    ],
)
def test_constructor_checks(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CameraServiceEmulator(**kwargs)


def test_controls_before_start_and_short_secrets() -> None:
    emulator = CameraServiceEmulator(cameras=0, jwt_secret="secret", idle_timeout=None)
    assert emulator.devices == []
    assert emulator.plug_camera() == "camera0"
    token = emulator.token("admin")  # a short secret must not warn (warnings are errors here)
    with emulator:
        client = RawClient(emulator.url)
        try:
            client.result("authenticate", {"auth_token": token})
            assert client.result("get_camera_list")["total"] == 1
        finally:
            client.close()


# ---------------------------------------------------------------- async use


@pytest.mark.anyio
async def test_async_with_on_both_backends(anyio_backend: str) -> None:
    async with make_emulator() as emulator, async_client(anyio_backend, emulator.url) as ws:
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        with anyio.fail_after(WAIT):
            reply = json.loads(await ws.recv())
        assert reply == {"jsonrpc": "2.0", "id": 1, "result": "pong"}
        port = emulator.port
        await emulator.arestart()
        assert emulator.port == port
        with anyio.fail_after(WAIT), pytest.raises(ConnectionClosed):
            await ws.recv()
    assert not emulator.running
    await emulator.astart()
    await emulator.astop()


# ---------------------------------------------------------- plugin and CLI


def test_pytest_fixtures(
    camera_service: CameraServiceEmulator,
    legacy_camera_service: CameraServiceEmulator,
    camera_service_factory: Callable[..., CameraServiceEmulator],
) -> None:
    assert camera_service.running
    assert camera_service.devices == ["camera0", "camera1"]
    assert legacy_camera_service.devices == ["/dev/video0", "/dev/video1"]
    four = camera_service_factory(cameras=4, idle_timeout=None)
    assert len(four.devices) == 4
    client = RawClient(legacy_camera_service.url)
    try:
        reply = client.result("authenticate", {"token": legacy_camera_service.token("admin")})
        assert reply["auth_method"] == "jwt"
    finally:
        client.close()


def test_plugin_import_is_light() -> None:
    code = (
        "import sys, mediamtx_camera_sdk.testing.pytest_plugin, mediamtx_camera_sdk.testing;"
        "print('jwt' in sys.modules, 'mediamtx_camera_sdk.testing._emulator' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def _lines(stream: Any, queue: Queue[str]) -> None:
    for line in stream:
        queue.put(line)


def test_command_line_runs_and_stops_on_ctrl_c() -> None:
    import signal

    proc = subprocess.Popen(
        [
            sys.executable,
            "-X",
            "faulthandler",
            "-m",
            "mediamtx_camera_sdk.testing",
            "--port",
            "0",
            "--cameras",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: Queue[str] = Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        seen: dict[str, str] = {}
        line = ""
        while not line.startswith("Press Ctrl-C"):
            try:
                line = lines.get(timeout=30)
            except Empty:
                pytest.fail("the emulator did not print its banner")
            key, _, value = line.partition(":")
            seen[key.strip()] = value.strip()
        url = seen["WebSocket"]
        assert url.startswith("ws://127.0.0.1:")
        assert seen["cameras"] == "camera0, camera1, camera2"
        client = RawClient(url)
        try:
            reply = client.result("authenticate", {"auth_token": seen["operator token"]})
            assert reply["role"] == "operator"
            client.result("authenticate", {"auth_token": seen["admin token"]})
            client.result("authenticate", {"auth_token": seen["viewer token"]})
            assert client.result("authenticate", {"auth_token": seen["operator API key"]})
        finally:
            client.close()
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Stuck: SIGABRT makes faulthandler (-X faulthandler) print every
            # thread's stack, so the failure says where it hangs.
            proc.send_signal(signal.SIGABRT)
            _, stderr = proc.communicate(timeout=10)
            pytest.fail(f"the emulator did not stop on Ctrl-C; its threads:\n{stderr}")
        assert code == 0
        assert "emulator stopped" in lines.get(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()


def test_command_line_refuses_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from mediamtx_camera_sdk.testing._cli import add_arguments, run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["--tls-key", "key.pem", "--port", "0"])) == 2
    assert "--tls-cert" in capsys.readouterr().err
    assert run(parser.parse_args(["--cameras", "-2", "--port", "0"])) == 2
    assert run(parser.parse_args(["--tls-cert", "/nonexistent.pem", "--port", "0"])) == 2


def test_missing_pyjwt_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jwt", None)  # makes "import jwt" fail
    with pytest.raises(ImportError, match=r"mediamtx-camera-sdk\[emulator\]"):
        CameraServiceEmulator()
