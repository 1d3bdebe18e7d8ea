"""The peer SDK: ``jsonrpc-websocket``, a generic JSON-RPC client on aiohttp.

The library a user would pick instead of this SDK: ``Server(url)``,
``await server.ws_connect()``, then ``await server.method(**params)`` returning
the plain ``result`` (dicts and lists, no models); notifications from the
server go to a handler registered as ``server.recording.progress = handler``
(called with the params as keyword arguments). It is used as its README
recommends: one aiohttp ``ClientSession`` for the process, handed to every
``Server``. Like the SDK clients it runs one task per call in flight (the
library has no pipelining of its own), here on asyncio (``asyncio.run``; the
task groups are anyio's, which run on any asyncio loop, as in
:mod:`clients_sdk`).

Optional: ``pip install jsonrpc-websocket`` (the ``bench`` extra installs it).
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import _common
from _common import TOKEN, hold_result, median

Result = dict[str, Any]
Runner = Callable[[str, Result, list[str]], dict[str, Result]]

# Time allowed for a call of the hold workload (they wait for ``release``).
_HOLD_TIMEOUT = 120.0


def make_runner(name: str) -> Runner:
    """The runner of ``jsonrpc_websocket`` (raises ImportError if the library is missing)."""
    if name != "jsonrpc_websocket":
        raise ValueError(f"unknown peer client {name}")
    import aiohttp
    import anyio
    import anyio.lowlevel
    from clients_sdk import async_workloads, idle_tasks
    from jsonrpc_websocket import Server

    # A connected Server and its read loop (the task ``ws_connect`` returns).
    # (Not an attribute of the Server: setting one registers a handler.)
    Connection = tuple[Server, "asyncio.Task[None]"]

    async def open_server(session: aiohttp.ClientSession, url: str, **settings: Any) -> Connection:
        server = Server(url, session, **settings)
        reader = await server.ws_connect()
        reply = await server.authenticate(auth_token=TOKEN, auth_type="jwt")
        if reply["authenticated"] is not True:
            raise RuntimeError("not authenticated")
        return server, reader

    async def close_server(connection: Connection) -> None:
        server, reader = connection
        await server.close()
        await reader

    async def sequential(server: Server, method: str, n: int) -> None:
        if method == "ping":
            for _ in range(n):
                if await server.ping() != "pong":
                    raise RuntimeError("wrong ping result")
        else:
            for _ in range(n):
                cameras = (await server.get_camera_list())["cameras"]
                if len(cameras) != 10 or cameras[9]["device"] != "camera9":
                    raise RuntimeError("wrong camera list")

    async def flood(server: Server, n: int) -> Result:
        all_seen = asyncio.get_running_loop().create_future()
        got = [0]

        def on_progress(**params: Any) -> None:
            params["progress"]
            got[0] += 1
            if got[0] == n:
                all_seen.set_result(None)

        server.recording.progress = on_progress  # the library's way to register a handler
        cpu = time.process_time()
        start = time.perf_counter()
        reply = asyncio.ensure_future(server.flood(count=n))
        await all_seen
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        if await reply != {"sent": n}:
            raise RuntimeError(f"flood answered {reply.result()!r}")
        return {"per_s": n / elapsed, "cpu_us_per_notification": cpu / n * 1e6}

    async def hold(server: Server, n: int) -> Result:
        results: list[Any] = []
        idle = await idle_tasks(n)

        async def one() -> None:
            results.append(await server.hold())

        start = time.perf_counter()
        rss = _common.rss_bytes()
        tracemalloc.start()
        async with anyio.create_task_group() as tg:
            for _ in range(n):
                tg.start_soon(one)
            # The library counts no calls in flight. Each task writes its
            # request in its first step (aiohttp writes the frame before it
            # may wait for the buffer to drain), and new tasks take their
            # first step in the order they were started: a few passes of the
            # loop, and every request is written before ``release``.
            for _ in range(3):
                await anyio.lowlevel.checkpoint()
            traced = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            rss_after = _common.rss_bytes()
            released = await server.release()
        if released != {"released": n} or results.count("held") != n:
            raise RuntimeError(f"release answered {released!r}; {len(results)} results")
        return hold_result(n, len(results), start, traced, idle, rss, rss_after)

    work = async_workloads(sequential, flood, hold)

    async def main(url: str, sizes: Result, workloads: list[str]) -> dict[str, Result]:
        async def connect_once(session: aiohttp.ClientSession) -> float:
            start = time.perf_counter()
            connection = await open_server(session, url)
            elapsed = time.perf_counter() - start
            await close_server(connection)
            return elapsed

        results: dict[str, Result] = {}
        async with aiohttp.ClientSession() as session:
            for workload in workloads:
                try:
                    if workload == "connect":
                        await connect_once(session)
                        times = [await connect_once(session) for _ in range(sizes["connect"])]
                        results[workload] = {"ms": median(times) * 1e3}
                        continue
                    timeout = _HOLD_TIMEOUT if workload == "inflight10k" else 10.0
                    connection = await open_server(session, url, timeout=timeout)
                    try:
                        results[workload] = await work[workload](connection[0], sizes)
                    finally:
                        await close_server(connection)
                except Exception as exc:
                    results[workload] = {"error": f"{type(exc).__name__}: {exc}"}
        return results

    return lambda url, sizes, workloads: asyncio.run(main(url, sizes, workloads))
