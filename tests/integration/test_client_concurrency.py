"""Many calls on one connection; timeouts and cancellation leave nothing behind.

The async client runs 1,000 calls at once (one task each); the sync client
16 threads x 200 calls (issue 5). Each call asks about a different camera id
so that every reply can be checked against its own request.
"""

from __future__ import annotations

import contextlib

import anyio
import pytest
from _client_harness import eventually

from mediamtx_camera_sdk import CallTimeoutError, CameraInfo, CameraNotFoundError

pytestmark = pytest.mark.anyio


def camera_id(dialect, n):
    return f"camera{n}" if dialect == "current" else f"/dev/video{n}"


async def test_many_concurrent_calls_on_one_connection_are_matched(emu, make_client):
    client = make_client(emu, timeout=30.0)
    # The async client: 1,000 calls at once; the sync one: 16 threads x 200 calls.
    total, callers = (1000, 1000) if client.is_async else (3200, 16)
    devices = [camera_id(emu.dialect, n) for n in range(total)]
    async with client:
        with anyio.fail_after(60):
            outcomes = await client.map_calls(
                "get_camera_status", [(device,) for device in devices], callers
            )
        assert client.pending_count == 0
        assert client.stats["calls_started"] >= total
        assert len(emu.connections()) == 1  # all on one connection

    assert len(outcomes) == total
    for n, outcome in enumerate(outcomes):
        # Two cameras exist; the current service errors for the others, legacy does not.
        if n < 2 or emu.dialect == "legacy":
            assert isinstance(outcome, CameraInfo), outcome
            assert outcome.device_path == devices[n], f"call {n} got another call's reply"
        else:
            assert isinstance(outcome, CameraNotFoundError), outcome
            assert outcome.data["id"] == devices[n], f"call {n} got another call's reply"


async def test_timeout_leaves_no_pending_entry(emu, make_client):
    async with make_client(emu) as client:
        emu.delay("get_camera_status", 0.3)
        with pytest.raises(CallTimeoutError) as caught:
            await client.get_camera_status(emu.devices[0], timeout=0.05)
        assert isinstance(caught.value, TimeoutError)  # also the builtin
        assert caught.value.method == "get_camera_status"
        assert client.pending_count == 0
        emu.delay("get_camera_status", 0)
        # The late reply is dropped (counted), and the connection still works.
        info = await client.get_camera_status(emu.devices[1])
        assert info.device_path == emu.devices[1]
        assert client.connected and client.pending_count == 0
        assert client.stats["timeouts"] == 1


async def test_default_timeout_applies(emu, make_client):
    async with make_client(emu, timeout=0.05) as client:
        emu.delay("get_camera_list", 0.3)
        with pytest.raises(CallTimeoutError):
            await client.get_camera_list()
        assert client.pending_count == 0
        emu.delay("get_camera_list", 0)
        assert len(await client.get_camera_list(timeout=5)) == 2


async def test_cancelled_call_leaves_nothing_behind(emu, make_client):
    async with make_client(emu) as client:
        emu.delay("get_camera_status", 0.3)
        with anyio.move_on_after(0.05) as scope:
            # The sync client cannot interrupt a blocking call: its thread is
            # abandoned and the call ends by its own (short) timeout.
            await client.get_camera_status(emu.devices[0], timeout=0.2)
        assert scope.cancelled_caught
        await client.settle()
        await eventually(lambda: client.pending_count == 0, what="no pending call")
        emu.delay("get_camera_status", 0)
        info = await client.get_camera_status(emu.devices[1])
        assert info.device_path == emu.devices[1]
        assert client.connected and client.pending_count == 0


# Current dialect only: the legacy service answers one call at a time, so 50
# delayed calls would keep the connection busy for 50 delays.
@pytest.mark.parametrize("dialect", ["current"])
async def test_many_cancelled_and_timed_out_calls_leave_nothing_behind(emu, make_client):
    async with make_client(emu) as client:
        emu.delay("get_camera_status", 0.3)

        async def call(device: str) -> None:
            # Cancelled at 0.1 s or timed out at 0.2 s: on a loaded machine the
            # cancellation may be delivered after the timeout. Either way ends it.
            with contextlib.suppress(CallTimeoutError):
                await client.get_camera_status(device, timeout=0.2)

        with anyio.move_on_after(0.1):
            async with anyio.create_task_group() as tg:
                for n in range(50):
                    tg.start_soon(call, emu.devices[n % 2])
        await client.settle()
        await eventually(lambda: client.pending_count == 0, what="no pending call")
        emu.delay("get_camera_status", 0)
        assert (await client.get_camera_status(emu.devices[0])).device_path == emu.devices[0]
