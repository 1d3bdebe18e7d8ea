"""Connection lifecycle: restart, drops, give-up, heartbeat, calls outside a connection.

A server restart (with a camera unplugged while it was down) must bring the
client back authenticated (with a fresh token from its provider), subscribed
again, and resynced: a ``camera_status_update`` for the camera that changed,
an ``sdk.events_missed`` event, then ``on_reconnected``. A drop during 100
calls in flight fails them all at once with the SDK's ConnectionError.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
import pytest
from _client_harness import Recorder, eventually

from mediamtx_camera_sdk import (
    CameraInfo,
    ClientClosedError,
    ConnectionClosedError,
    ConnectionError,
)

pytestmark = pytest.mark.anyio


async def test_restart_reconnects_reauthenticates_resubscribes_and_resyncs(emu, make_client):
    tokens = []

    def provider():
        tokens.append(emu.token("operator"))
        return tokens[-1]

    lost, reconnected, cameras = Recorder(), Recorder(), Recorder()
    # max_retries=None: keep trying however long the restart takes.
    client = make_client(emu, role=None, token_provider=provider, max_retries=None)
    client.on_connection_lost = lost
    client.on_reconnected = reconnected
    client.on_camera_status_update = cameras
    camera1 = emu.devices[1]
    async with client:
        events = client.events()
        if emu.dialect == "current":
            await client.subscribe_events(["camera.connected"])
        assert len(await client.get_camera_list()) == 2  # what the client knows

        await emu.astop()
        await lost.wait_for()
        # While the service is down, a camera goes away: no notification can say so.
        await anyio.to_thread.run_sync(emu.unplug_camera, camera1)
        await emu.astart()
        await reconnected.wait_for()

        assert client.connected and client.authenticated and client.role == "operator"
        assert len(tokens) == 2, "the token provider was asked again for the reconnect"
        assert client.reconnect_count == 1
        (changed,) = await cameras.wait_for()
        assert isinstance(changed, CameraInfo)
        assert (changed.device_path, changed.status) == (camera1, "DISCONNECTED")

        sequence = []
        async for event in events:
            sequence.append(event.method)
            if event.method == "sdk.reconnected":
                break
        assert sequence[0] == "sdk.connection_lost"
        assert sequence[-3:] == ["camera_status_update", "sdk.events_missed", "sdk.reconnected"]

        if emu.dialect == "current":
            newest = max(emu.connections(), key=lambda r: r.id)
            assert newest.open and newest.subscriptions == ["camera.connected"]
            emu.plug_camera(camera1)
            topic = await events.next_matching(lambda e: e.method == "camera.connected")
            assert topic.params["device"] == camera1
        assert len(await client.get_camera_list()) == 2


async def test_calls_made_while_reconnecting_wait_for_the_connection(emu, make_client):
    lost = Recorder()
    client = make_client(emu, max_retries=None)
    client.on_connection_lost = lost
    async with client:
        await emu.astop()
        await lost.wait_for()
        results = []

        async def call():
            results.append(await client.get_camera_list(timeout=10))

        async with anyio.create_task_group() as tg:
            tg.start_soon(call)
            await emu.astart()
        assert len(results) == 1 and len(results[0]) == 2


async def test_calls_fail_at_once_while_reconnecting_when_told_not_to_wait(emu, make_client):
    lost = Recorder()
    client = make_client(emu, wait_for_reconnect=False, max_retries=None)
    client.on_connection_lost = lost
    async with client:
        await emu.astop()
        await lost.wait_for()
        with pytest.raises(ConnectionError, match="reconnecting"):
            await client.get_camera_list(timeout=10)
        await emu.astart()


#: How long the emulator holds a call that must stay in flight. The current
#: service cancels the calls of a dropped connection; the legacy one finishes
#: the call it is in even after a drop, which holds the emulator that long.
HOLD = {"current": 30.0, "legacy": 1.0}


def server_received(emu, method):
    return any(
        isinstance(frame, str) and f'"method":"{method}"' in frame.replace(" ", "")
        for record in emu.connections()
        for frame in record.sent
    )


@pytest.mark.parametrize(
    ("dialect", "clean"),
    [("current", True), ("current", False), ("legacy", True)],
    ids=["current-close_frame", "current-tcp_abort", "legacy-close_frame"],
)
async def test_drop_during_100_in_flight_calls(emu, make_client, clean):
    reconnected = Recorder()
    client = make_client(emu, timeout=30.0)
    client.on_reconnected = reconnected
    outcomes = []

    async def call(method, *args):
        try:
            await getattr(client, method)(*args)
        except Exception as exc:
            outcomes.append(exc)
        else:
            outcomes.append(None)

    async with client:
        with anyio.fail_after(10):  # far below the calls' own 30 s timeout: none may hang
            async with anyio.create_task_group() as tg:
                if emu.dialect == "legacy":
                    # One call at a time: a slow call holds every call behind it.
                    emu.delay("get_metrics", HOLD["legacy"])
                    tg.start_soon(call, "get_metrics")
                    await eventually(lambda: server_received(emu, "get_metrics"))
                else:
                    emu.delay("get_camera_status", HOLD["current"])
                in_flight = client.pending_count + 100
                for n in range(100):
                    tg.start_soon(call, "get_camera_status", emu.devices[n % 2])
                await eventually(
                    lambda: client.pending_count == in_flight, what=f"{in_flight} calls in flight"
                )
                await anyio.to_thread.run_sync(lambda: emu.drop_connections(clean=clean))
        assert len(outcomes) == in_flight
        assert all(isinstance(exc, ConnectionError) for exc in outcomes), outcomes
        assert all(isinstance(exc, ConnectionClosedError) for exc in outcomes)

        emu.delay("get_camera_status", 0)
        await reconnected.wait_for()
        info = await client.get_camera_status(emu.devices[0])
        assert info.device_path == emu.devices[0]
        # (Checked only now: right after the drop, the reconnect's own calls are pending.)
        assert client.pending_count == 0


async def test_reconnect_gives_up_after_max_retries(emu, make_client):
    lost = Recorder()
    client = make_client(emu, max_retries=2)
    client.on_connection_lost = lost
    async with client:
        events = client.events("sdk.connection_lost")
        await emu.astop()
        first = await events.next_matching()
        final = await events.next_matching()
        assert not first.params.get("final") and final.params["final"] is True
        with pytest.raises(ConnectionError, match="could not be restored"):
            await client.get_camera_list()
        # The seed's hook fires once per outage (at the drop); giving up is the
        # final event and the state, not a second call of the hook.
        await lost.wait_for(count=1)
        assert lost.snapshot() == [None]
        assert client.state == "failed"


async def test_calls_before_connect_and_after_disconnect(emu, make_client):
    client = make_client(emu)
    with pytest.raises(ClientClosedError, match="connect") as caught:
        await client.get_camera_list()
    assert caught.value.method == "get_camera_list"
    with pytest.raises(ClientClosedError, match="connect"):
        await client.call("ping")
    assert not client.connected and emu.connections() == []

    async with client:
        assert await client.ping() == "pong"
    assert not client.connected
    with pytest.raises(ClientClosedError, match="closed") as caught:
        await client.get_camera_list()
    assert caught.value.method == "get_camera_list"
    with pytest.raises(ClientClosedError):
        await client.call("ping")
    await client.disconnect()  # a second disconnect is harmless
    assert len(emu.connections()) == 1, "a deliberate disconnect never reconnects"


async def test_disconnect_fails_calls_in_flight(emu, make_client):
    client = make_client(emu)
    outcome = []

    async def call():
        try:
            await client.get_camera_status(emu.devices[0], timeout=20)
        except Exception as exc:
            outcome.append(exc)

    emu.delay("get_camera_status", HOLD[emu.dialect])
    with anyio.fail_after(10):
        # The task group encloses connect() and disconnect(): the client's own
        # tasks must be opened and closed at the same level (structured concurrency).
        async with anyio.create_task_group() as tg:
            await client.connect()
            tg.start_soon(call)
            await eventually(lambda: client.pending_count == 1, what="the call in flight")
            await client.disconnect()
    assert len(outcome) == 1
    # As disconnect() documents: ConnectionClosedError, saying why.
    assert isinstance(outcome[0], ConnectionClosedError), outcome
    assert "disconnected" in str(outcome[0])
    assert client.pending_count == 0


async def test_heartbeat_keeps_an_idle_connection_open(emulator_factory, dialect, make_client):
    emu = emulator_factory(dialect=dialect, idle_timeout=0.5)
    kept_lost = Recorder()
    idle_lost = Recorder()
    # "kept" connects first, so without its heartbeat it would be dropped first.
    kept = make_client(emu, heartbeat_interval=0.1)
    kept.on_connection_lost = kept_lost
    idle = make_client(emu, heartbeat_interval=None, reconnect=False)
    idle.on_connection_lost = idle_lost
    async with kept:
        async with idle:
            # The control: a silent client is dropped by the service's idle timeout.
            await idle_lost.wait_for()
            assert not idle.connected
        # The emulator closes its record of the dropped connection just after the close.
        await anyio.to_thread.run_sync(emu.wait_for_connections, 1)
        records = sorted(emu.connections(), key=lambda r: r.id)
        assert records[0].open and not records[1].open
        assert records[1].close_code == 1001
        assert kept_lost.snapshot() == [] and kept.reconnect_count == 0
        pings = [f for f in records[0].sent if isinstance(f, str) and '"ping"' in f]
        assert len(pings) >= 2
        assert await kept.ping() == "pong"


async def test_unanswered_heartbeat_counts_as_a_dropped_connection(emu, make_client):
    lost, reconnected = Recorder(), Recorder()
    # The timeout leaves room for a loaded machine once pings are answered
    # again, and stays well under HOLD (the unanswered ping).
    client = make_client(emu, heartbeat_interval=0.1, heartbeat_timeout=0.5)
    client.on_connection_lost = lost
    client.on_reconnected = reconnected
    async with client:
        events = client.events("sdk.connection_lost")
        emu.delay("ping", HOLD[emu.dialect])
        event = await events.next_matching()
        assert "heartbeat" in event.params["reason"]
        emu.delay("ping", 0)
        await reconnected.wait_for()
        assert len(await client.get_camera_list()) == 2
