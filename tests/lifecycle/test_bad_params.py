"""Params that cannot be encoded are refused before anything is sent (issue 15, point 3).

A lone surrogate (``"snap\\udce9.jpg"``) has no UTF-8 encoding: the call must
raise :class:`InvalidParamsError` on the caller's side, send nothing, and leave
the client usable (the sync client used to go deaf).
"""

from __future__ import annotations

import anyio
import pytest
from _lifecycle import HANG, frame_count

from mediamtx_camera_sdk import InvalidParamsError

pytestmark = pytest.mark.anyio

LONE_SURROGATE = "snap\udce9.jpg"


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c, emu: c.call("ping", {"x": "\udce9"}), id="call-ping"),
        pytest.param(
            lambda c, emu: c.take_snapshot(emu.devices[0], filename=LONE_SURROGATE),
            id="take_snapshot",
        ),
        pytest.param(lambda c, emu: c.get_camera_status("camera\ud800"), id="get_camera_status"),
    ],
)
async def test_unencodable_params_are_refused_before_sending(emu, make_client, call):
    client = make_client(emu)
    with anyio.fail_after(HANG):
        await client.connect()
        assert await client.ping() == "pong"
        before = frame_count(emu)
        for _ in range(3):  # again and again: nothing accumulates, nothing breaks
            with pytest.raises(InvalidParamsError):
                await call(client, emu)
        assert frame_count(emu) == before, "a frame went out for an unencodable call"
        assert client.connected
        assert await client.ping() == "pong"
        status = await client.get_camera_status(emu.devices[1])
        assert status.device_path == emu.devices[1]
        await client.disconnect()
