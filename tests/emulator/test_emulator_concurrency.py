"""Fifty connections at once, each making calls while notifications are broadcast."""

from __future__ import annotations

import functools
import json
from contextlib import AsyncExitStack
from typing import Any

import anyio
import pytest

from .helpers import async_client, make_emulator

CONNECTIONS = 50
CALLS = 10
CHANGES = 15


@pytest.mark.anyio
async def test_fifty_connections_nothing_lost_or_misrouted(anyio_backend: str) -> None:
    async with make_emulator(cameras=4) as emulator, AsyncExitStack() as stack:
        token = await anyio.to_thread.run_sync(emulator.token, "viewer")
        sockets = []
        for index in range(CONNECTIONS):
            ws = await stack.enter_async_context(async_client(anyio_backend, emulator.url))
            auth = {"auth_token": token}
            await ws.send(
                json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "id": f"auth-{index}",
                        "method": "authenticate",
                        "params": auth,
                    }
                )
            )
            with anyio.fail_after(10):
                reply = json.loads(await ws.recv())
            assert reply["id"] == f"auth-{index}"
            assert reply["result"]["authenticated"] is True
            sockets.append(ws)

        outcome: dict[int, tuple[dict[str, Any], list[str]]] = {}

        async def converse(index: int, ws: Any) -> None:
            expected: dict[str, str] = {}
            for call in range(CALLS):
                rid = f"{index}-{call}"
                device = f"camera{(index + call) % 4}"
                expected[rid] = device
                request = {
                    "jsonrpc": "2.0",
                    "id": rid,
                    "method": "get_camera_status",
                    "params": {"device": device},
                }
                await ws.send(json.dumps(request))
            replies: dict[str, Any] = {}
            names: list[str] = []
            with anyio.fail_after(30):
                while len(replies) < CALLS or len(names) < CHANGES:
                    message = json.loads(await ws.recv())
                    if "id" in message:
                        assert message["id"] not in replies, "a reply came twice"
                        replies[message["id"]] = message
                    else:
                        assert message["method"] == "camera_status_update"
                        names.append(message["params"]["name"])
            for rid, device in expected.items():
                assert replies[rid]["result"]["device"] == device, "misrouted reply"
            assert set(replies) == set(expected)
            outcome[index] = (replies, names)

        async def change_cameras() -> None:
            for change in range(CHANGES):
                await anyio.to_thread.run_sync(
                    functools.partial(emulator.change_camera, "camera3", name=f"name-{change}")
                )

        async with anyio.create_task_group() as group:
            for index, ws in enumerate(sockets):
                group.start_soon(converse, index, ws)
            group.start_soon(change_cameras)

        assert len(outcome) == CONNECTIONS
        wanted = [f"name-{n}" for n in range(CHANGES)]
        for _replies, names in outcome.values():
            assert names == wanted  # every notification, once, in order
        records = await anyio.to_thread.run_sync(emulator.connections)
        assert len(records) == CONNECTIONS
        for record in records:
            assert len(record.sent) == CALLS + 1
            assert len(record.notifications("camera_status_update")) == CHANGES
