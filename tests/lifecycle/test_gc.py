"""A client dropped without ``disconnect()`` (issue 15, point 9).

Like asyncio transports and httpx clients: collecting a connected client emits
a ``ResourceWarning``, and its resources are released (the service sees the
connection close, the SDK's threads and tasks end). The client's background
threads and tasks hold it weakly, so a dropped client can be collected at all.
"""

from __future__ import annotations

import gc
import warnings
import weakref
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread
import pytest
from _client_harness import FAST_CLIENT_SETTINGS
from _lifecycle import HANG, assert_nothing_left, sdk_tasks, wait_until

from mediamtx_camera_sdk import CameraClient, SyncCameraClient

pytestmark = pytest.mark.anyio


async def _open_client(client_class: Any, emu: Any, client_kind: str, **extra: Any) -> Any:
    client = client_class(
        host="127.0.0.1",
        port=emu.port,
        auth_type="jwt",
        auth_token=emu.token(),
        **{**FAST_CLIENT_SETTINGS, **extra},
    )
    with anyio.fail_after(HANG):
        if client_kind == "async":
            await client.connect()
        else:
            await anyio.to_thread.run_sync(client.connect)
    return client


async def drop_and_collect(holder: list[Any]) -> tuple[weakref.ref[Any], list[str]]:
    """Forget the only reference to the client, collect until it warned or is gone (bounded).

    Returns a weak reference to the client and the ResourceWarnings seen. A
    background thread or task may hold the client for a moment (a heartbeat
    ping); it lets go once that step is done. (A recorded warning holds the
    client as its ``source``; the caller drops the record before checking.)
    """
    ref = weakref.ref(holder[0])
    url = holder[0].url
    seen: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        holder.clear()  # often the collection itself: nothing else holds the client

        def ours() -> list[str]:
            # Only this client's: another test's forgotten client may go now too.
            return [
                str(w.message)
                for w in caught
                if issubclass(w.category, ResourceWarning) and url in str(w.message)
            ]

        with anyio.move_on_after(HANG):
            while ref() is not None and not ours():
                gc.collect()
                await anyio.sleep(0.01)
        seen = ours()
        caught.clear()
    gc.collect()
    return ref, seen


def collected(ref: weakref.ref[Any]) -> bool:
    gc.collect()  # a released client may sit in a reference cycle
    return ref() is None


async def assert_warned_and_released(
    holder: list[Any], client_kind: str, emu: Any, baseline: list[str]
) -> None:
    """Drop the held client: one warning, then collected, then nothing of it left."""
    ref, seen = await drop_and_collect(holder)
    assert len(seen) == 1, seen
    assert "collected while connected: call disconnect()" in seen[0]
    await wait_until(lambda: collected(ref), "the dropped client is collected", poll=0.1)
    await assert_nothing_left(client_kind, emu, baseline_tasks=baseline)


async def test_open_client_collected_warns_and_releases(
    emulator_factory: Any, client_class: Any, client_kind: str
) -> None:
    emu = emulator_factory(dialect="current")
    baseline = sdk_tasks()
    # A short heartbeat: its thread or task is busy now and then, and must let go.
    client = await _open_client(client_class, emu, client_kind, heartbeat_interval=0.05)
    assert client.connected
    await wait_until(lambda: any(r.open for r in emu.connections()), "the connection is open")
    holder = [client]
    del client
    await assert_warned_and_released(holder, client_kind, emu, baseline)


async def test_collected_polling_client_warns_and_releases(
    emulator_factory: Any, client_class: Any, client_kind: str
) -> None:
    """The camera-list poller (``poll_interval``) lets go of a dropped client too."""
    emu = emulator_factory(dialect="current")
    baseline = sdk_tasks()
    client = await _open_client(client_class, emu, client_kind, poll_interval=0.02)
    await anyio.sleep(0.1)  # a few polls
    holder = [client]
    del client
    await assert_warned_and_released(holder, client_kind, emu, baseline)


async def test_collected_client_with_handlers_ends_their_workers(
    emulator_factory: Any, client_class: Any, client_kind: str
) -> None:
    emu = emulator_factory(dialect="current", push_notifications=True)
    baseline = sdk_tasks()
    client = await _open_client(client_class, emu, client_kind)
    seen: list[Any] = []
    client.on("camera_status_update", seen.append)  # a plain handler: a worker thread
    emu.unplug_camera(emu.devices[0])
    await wait_until(lambda: seen, "the handler got the event")
    holder = [client]
    del client
    await assert_warned_and_released(holder, client_kind, emu, baseline)


async def test_disconnected_client_collected_does_not_warn(
    emulator_factory: Any, client_class: Any, client_kind: str
) -> None:
    emu = emulator_factory(dialect="current")
    client = await _open_client(client_class, emu, client_kind)
    with anyio.fail_after(HANG):
        if client_kind == "async":
            await client.disconnect()
        else:
            await anyio.to_thread.run_sync(client.disconnect)
    holder = [client]
    del client
    ref, seen = await drop_and_collect(holder)
    assert ref() is None
    assert seen == []


@pytest.mark.parametrize("cls", [CameraClient, SyncCameraClient])
def test_never_connected_or_half_built_client_collects_quietly(cls: Any) -> None:
    unraisable: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.unraisablehook", unraisable.append)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            client = cls(url="ws://127.0.0.1:9/ws")
            ref = weakref.ref(client)
            del client
            with pytest.raises(ValueError):
                cls(url="ws://127.0.0.1:9/ws", timeout=-1)  # fails in the constructor
            gc.collect()
    assert ref() is None
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert unraisable == []


def test_async_client_dropped_after_its_event_loop_ended(emulator_factory: Any) -> None:
    """Collected once its loop is gone: a warning, no error, nothing left to run."""
    emu = emulator_factory(dialect="current")
    holder: list[Any] = []

    async def main() -> None:
        client = CameraClient(url=emu.url, auth_token=emu.token(), heartbeat_interval=None)
        await client.connect()
        holder.append(client)

    anyio.run(main)
    unraisable: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.unraisablehook", unraisable.append)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            holder.clear()
            gc.collect()
    assert [w.category for w in caught] == [ResourceWarning], caught
    assert unraisable == []
