"""Client details both clients share: settings validation, event stream endings, drops."""

from __future__ import annotations

import ssl
import threading
from typing import Any

import anyio
import pytest

from mediamtx_camera_sdk import CameraClient, InvalidParamsError, SyncCameraClient

CLIENTS = [CameraClient, SyncCameraClient]


@pytest.mark.parametrize("cls", CLIENTS)
def test_tls_settings_are_checked_at_construction(cls: Any) -> None:
    context = ssl.create_default_context()
    with pytest.raises(InvalidParamsError, match="ws://"):
        cls(url="ws://127.0.0.1:1/ws", ssl_context=context)
    with pytest.raises(InvalidParamsError, match="not both"):
        cls(url="wss://127.0.0.1:1/ws", ssl_context=context, verify_ssl=False)


@pytest.mark.anyio
async def test_async_events_end_after_a_quiet_timeout(camera_service: Any) -> None:
    async with CameraClient(url=camera_service.url, auth_token=camera_service.token()) as client:
        seen = []
        with anyio.fail_after(10):
            async for event in client.events("camera_status_update", timeout=0.2):
                seen.append(event)
        assert seen == []
        with pytest.raises(InvalidParamsError):
            client.events(timeout=0)


@pytest.mark.anyio
async def test_async_streams_end_on_disconnect_before_connect() -> None:
    client = CameraClient(url="ws://127.0.0.1:9/ws")
    stream = client.events()
    await client.disconnect()
    with anyio.fail_after(5):
        assert [e async for e in stream] == []


@pytest.mark.anyio
async def test_async_handler_keeps_going_after_its_queue_overflowed(camera_service: Any) -> None:
    release = anyio.Event()
    got: list[str] = []
    all_seen = anyio.Event()

    async def slow(event: Any) -> None:
        await release.wait()
        got.append(event.params["status"])
        if len(got) == 2:
            all_seen.set()

    client = CameraClient(url=camera_service.url, auth_token=camera_service.token(), event_buffer=1)
    client.on("camera_status_update", slow)
    arrived = anyio.Event()
    count = 0

    async def counter(event: Any) -> None:
        nonlocal count
        count += 1
        if count == 6:
            arrived.set()

    client.on("camera_status_update", counter)
    async with client:
        # The first event occupies the handler; later ones overflow its queue of 1.
        for _ in range(3):
            await anyio.to_thread.run_sync(camera_service.unplug_camera, "camera1")
            await anyio.to_thread.run_sync(camera_service.plug_camera, "camera1")
        with anyio.fail_after(10):
            await arrived.wait()
            release.set()
            await all_seen.wait()
    # The newest event survived the overflow and was delivered.
    assert got[-1] == "CONNECTED"


@pytest.mark.anyio
async def test_connect_under_its_own_timeout_and_disconnect_from_another_task(
    camera_service: Any,
) -> None:
    """The client's tasks are its own: no tie to the caller's cancel scopes."""
    client = CameraClient(url=camera_service.url, auth_token=camera_service.token())
    with anyio.fail_after(10):
        await client.connect()
    assert client.connected

    async def elsewhere() -> None:
        assert await client.ping() == "pong"
        await client.disconnect()

    async with anyio.create_task_group() as tg:
        tg.start_soon(elsewhere)
    assert not client.connected
    assert len(client._tasks or ()) == 0


@pytest.mark.anyio
@pytest.mark.parametrize("cls", CLIENTS)
async def test_downloads_get_ordinary_permissions_and_refuse_missing_folders(
    cls: Any, camera_service: Any, tmp_path: Any
) -> None:
    import os

    client = cls(url=camera_service.url, auth_token=camera_service.token())

    async def run(method: str, *args: Any) -> Any:
        if cls is CameraClient:
            return await getattr(client, method)(*args)
        # The blocking client runs in a worker thread, as it must inside a loop.
        return await anyio.to_thread.run_sync(getattr(client, method), *args)

    if cls is CameraClient:
        await client.connect()
    else:
        await anyio.to_thread.run_sync(client.connect)
    try:
        snap = await run("take_snapshot", camera_service.devices[0])
        if cls is CameraClient:
            path = await client.download_snapshot(snap.filename, tmp_path)
        else:
            path = await anyio.to_thread.run_sync(client.download_snapshot, snap.filename, tmp_path)
        umask = os.umask(0)
        os.umask(umask)
        assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
        with pytest.raises(InvalidParamsError, match="does not exist"):
            await run("download_snapshot", snap.filename, f"{tmp_path}/missing/")
        assert not (tmp_path / "missing").exists()
    finally:
        if cls is CameraClient:
            await client.disconnect()
        else:
            await anyio.to_thread.run_sync(client.disconnect)


@pytest.mark.anyio
@pytest.mark.parametrize("cls", CLIENTS)
async def test_connect_starts_over_after_the_client_gave_up(
    cls: Any, camera_service_factory: Any
) -> None:
    service = camera_service_factory()
    client = cls(url=service.url, auth_token=service.token(), max_retries=0, retry_delay=0.01)
    gave_up = threading.Event()  # sync handlers run in worker threads: a thread-safe flag
    client.on("sdk.connection_lost", lambda event: event.params.get("final") and gave_up.set())

    async def call(name: str, *args: Any) -> Any:
        if cls is CameraClient:
            return await getattr(client, name)(*args)
        return await anyio.to_thread.run_sync(getattr(client, name), *args)

    await call("connect")
    try:
        await anyio.to_thread.run_sync(service.stop)
        assert await anyio.to_thread.run_sync(gave_up.wait, 10)
        await anyio.to_thread.run_sync(service.start)
        with anyio.fail_after(20):
            await call("connect")
        assert await call("ping") == "pong"
    finally:
        await call("disconnect")


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_handlers_run_under_a_bare_event_loop(camera_service: Any, backend: str) -> None:
    """Outside the test runner (``asyncio.run`` in a fresh thread, nothing set up
    for anyio beforehand) the first notification still starts its handler."""
    seen: list[tuple[str, str]] = []
    failures: list[BaseException] = []

    async def main() -> None:
        client = CameraClient(url=camera_service.url, auth_token=camera_service.token())
        done = anyio.Event()

        async def on_camera(info: Any) -> None:
            seen.append((info.device_path, info.status))
            done.set()

        client.on_camera_status_update = on_camera
        async with client:
            camera_service.unplug_camera(camera_service.devices[1])
            with anyio.fail_after(10):
                await done.wait()

    def run() -> None:
        try:
            if backend == "asyncio":
                import asyncio

                asyncio.run(main())
            else:
                import trio

                trio.run(main)
        except BaseException as exc:  # reported to the test thread below
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    assert failures == []
    assert seen == [(camera_service.devices[1], "DISCONNECTED")]
