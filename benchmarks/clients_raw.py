"""The raw clients: each WebSocket library used directly, as a careful user would.

They build each request with ``json.dumps``, parse each reply and
notification with ``json.loads`` and check it, so they do the work an
application must do at the least; they have no typed models, no call
registry, no reconnection and no event delivery: they are the reference the
SDK is measured against.

- ``ws_asyncio``: ``websockets.asyncio.client`` (``await send()``/``await recv()``).
- ``ws_sync``: ``websockets.sync.client``.
- ``websocket_client``: ``websocket-client`` with ``skip_utf8_validation=True``
  (its fast configuration).
- ``picows``: callbacks from the protocol object (the practical limit of a
  Python WebSocket client on asyncio); optional (``pip install picows``).

In-flight workloads are pipelined over one connection: a window of calls is
sent, and each reply is answered by the next request.
"""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any, cast

import _common
from _common import FLOOD_METHOD, TOKEN, hold_result, median, request, warmup

Result = dict[str, Any]
AsyncSend = Callable[[str], Awaitable[None]]
AsyncRecv = Callable[[], Awaitable[Any]]
SyncSend = Callable[[str], None]
SyncRecv = Callable[[], Any]

_AUTH_PARAMS = {"auth_token": TOKEN, "auth_type": "jwt"}


def _check_reply(message: Any, call_id: int) -> Any:
    if message.get("id") != call_id or "result" not in message:
        raise RuntimeError(f"unexpected reply to call {call_id}: {message!r:.200}")
    return message["result"]


# --------------------------------------------------------------------------- async


async def _a_sequential(send: AsyncSend, recv: AsyncRecv, method: str, n: int, first: int) -> None:
    loads = json.loads
    for call_id in range(first, first + n):
        await send(request(call_id, method))
        result = _check_reply(loads(await recv()), call_id)
        if method == "get_camera_list" and len(result["cameras"]) != 10:
            raise RuntimeError("wrong camera list")


async def a_calls(send: AsyncSend, recv: AsyncRecv, method: str, n: int, sizes: Result) -> Result:
    """Sequential calls; µs per call."""
    warm = warmup(n, sizes)
    await _a_sequential(send, recv, method, warm, 1)
    cpu = time.process_time()
    start = time.perf_counter()
    await _a_sequential(send, recv, method, n, warm + 1)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {"us_per_call": elapsed / n * 1e6, "cpu_us_per_call": cpu / n * 1e6}


async def a_window(send: AsyncSend, recv: AsyncRecv, total: int, window: int) -> Result:
    """``total`` pings with ``window`` in flight; calls/s and client CPU per call."""
    loads = json.loads
    cpu = time.process_time()
    start = time.perf_counter()
    next_id = 1
    for _ in range(min(window, total)):
        await send(request(next_id, "ping"))
        next_id += 1
    received = 0
    while received < total:
        message = loads(await recv())
        if message.get("result") != "pong":
            raise RuntimeError(f"unexpected reply {message!r:.200}")
        received += 1
        if next_id <= total:
            await send(request(next_id, "ping"))
            next_id += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {"calls_per_s": total / elapsed, "cpu_us_per_call": cpu / total * 1e6}


async def a_flood(send: AsyncSend, recv: AsyncRecv, n: int) -> Result:
    """``n`` notifications pushed by one ``flood`` call; notifications/s."""
    loads = json.loads
    cpu = time.process_time()
    start = time.perf_counter()
    await send(request(1, "flood", {"count": n}))
    got = 0
    while got < n:
        message = loads(await recv())
        if message.get("method") == FLOOD_METHOD:
            message["params"]["progress"]
            got += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    _check_reply(loads(await recv()), 1)
    return {"per_s": n / elapsed, "cpu_us_per_notification": cpu / n * 1e6}


async def a_hold(send: AsyncSend, recv: AsyncRecv, n: int) -> Result:
    """``n`` calls in flight at once (the server holds them), then released."""
    loads = json.loads
    start = time.perf_counter()
    rss = _common.rss_bytes()
    tracemalloc.start()
    for call_id in range(1, n + 1):
        await send(request(call_id, "hold"))
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    rss_after = _common.rss_bytes()
    await send(request(n + 1, "release"))
    seen: set[Any] = set()
    while len(seen) < n + 1:
        message = loads(await recv())
        if "result" not in message:
            raise RuntimeError(f"unexpected reply {message!r:.200}")
        seen.add(message["id"])
    return hold_result(n, len(seen) - 1, start, traced, 0, rss, rss_after)


async def _ws_asyncio(url: str, sizes: Result, workloads: list[str]) -> dict[str, Result]:
    from websockets.asyncio.client import connect

    async def connect_once() -> float:
        start = time.perf_counter()
        ws = await connect(url)
        await ws.send(request(1, "authenticate", _AUTH_PARAMS))
        _check_reply(json.loads(await ws.recv()), 1)
        elapsed = time.perf_counter() - start
        await ws.close()
        return elapsed

    results: dict[str, Result] = {}
    for workload in workloads:
        try:
            if workload == "connect":
                await connect_once()  # warm-up
                times = [await connect_once() for _ in range(sizes["connect"])]
                results[workload] = {"ms": median(times) * 1e3}
                continue
            async with connect(url) as ws:
                results[workload] = await _a_workload(workload, ws.send, ws.recv, sizes)
        except Exception as exc:
            results[workload] = {"error": f"{type(exc).__name__}: {exc}"}
    return results


async def _a_workload(workload: str, send: AsyncSend, recv: AsyncRecv, sizes: Result) -> Result:
    if workload == "ping":
        return await a_calls(send, recv, "ping", sizes["ping"], sizes)
    if workload == "camera_list":
        return await a_calls(send, recv, "get_camera_list", sizes["camera_list"], sizes)
    if workload == "inflight100":
        return await a_window(send, recv, sizes["inflight100"], sizes["inflight_window"])
    if workload == "notifications":
        return await a_flood(send, recv, sizes["notifications"])
    if workload == "inflight10k":
        return await a_hold(send, recv, sizes["inflight10k"])
    raise ValueError(f"unknown workload {workload}")


# ---------------------------------------------------------------------------- sync


def _s_sequential(send: SyncSend, recv: SyncRecv, method: str, n: int, first: int) -> None:
    loads = json.loads
    for call_id in range(first, first + n):
        send(request(call_id, method))
        result = _check_reply(loads(recv()), call_id)
        if method == "get_camera_list" and len(result["cameras"]) != 10:
            raise RuntimeError("wrong camera list")


def s_calls(send: SyncSend, recv: SyncRecv, method: str, n: int, sizes: Result) -> Result:
    """Sequential calls; µs per call."""
    warm = warmup(n, sizes)
    _s_sequential(send, recv, method, warm, 1)
    cpu = time.process_time()
    start = time.perf_counter()
    _s_sequential(send, recv, method, n, warm + 1)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {"us_per_call": elapsed / n * 1e6, "cpu_us_per_call": cpu / n * 1e6}


def s_window(send: SyncSend, recv: SyncRecv, total: int, window: int) -> Result:
    """``total`` pings with ``window`` in flight, pipelined from one thread."""
    loads = json.loads
    cpu = time.process_time()
    start = time.perf_counter()
    next_id = 1
    for _ in range(min(window, total)):
        send(request(next_id, "ping"))
        next_id += 1
    received = 0
    while received < total:
        message = loads(recv())
        if message.get("result") != "pong":
            raise RuntimeError(f"unexpected reply {message!r:.200}")
        received += 1
        if next_id <= total:
            send(request(next_id, "ping"))
            next_id += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {"calls_per_s": total / elapsed, "cpu_us_per_call": cpu / total * 1e6}


def s_flood(send: SyncSend, recv: SyncRecv, n: int) -> Result:
    """``n`` notifications pushed by one ``flood`` call."""
    loads = json.loads
    cpu = time.process_time()
    start = time.perf_counter()
    send(request(1, "flood", {"count": n}))
    got = 0
    while got < n:
        message = loads(recv())
        if message.get("method") == FLOOD_METHOD:
            message["params"]["progress"]
            got += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    _check_reply(loads(recv()), 1)
    return {"per_s": n / elapsed, "cpu_us_per_notification": cpu / n * 1e6}


def s_hold(send: SyncSend, recv: SyncRecv, n: int) -> Result:
    """``n`` calls in flight at once, then released."""
    loads = json.loads
    start = time.perf_counter()
    rss = _common.rss_bytes()
    tracemalloc.start()
    for call_id in range(1, n + 1):
        send(request(call_id, "hold"))
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    rss_after = _common.rss_bytes()
    send(request(n + 1, "release"))
    seen: set[Any] = set()
    while len(seen) < n + 1:
        message = loads(recv())
        if "result" not in message:
            raise RuntimeError(f"unexpected reply {message!r:.200}")
        seen.add(message["id"])
    return hold_result(n, len(seen) - 1, start, traced, 0, rss, rss_after)


def _s_workload(workload: str, send: SyncSend, recv: SyncRecv, sizes: Result) -> Result:
    if workload == "ping":
        return s_calls(send, recv, "ping", sizes["ping"], sizes)
    if workload == "camera_list":
        return s_calls(send, recv, "get_camera_list", sizes["camera_list"], sizes)
    if workload == "inflight100":
        return s_window(send, recv, sizes["inflight100"], sizes["inflight_window"])
    if workload == "notifications":
        return s_flood(send, recv, sizes["notifications"])
    if workload == "inflight10k":
        return s_hold(send, recv, sizes["inflight10k"])
    raise ValueError(f"unknown workload {workload}")


def _sync_runner(
    open_connection: Callable[[], Any],
) -> Callable[[str, Result, list[str]], dict[str, Result]]:
    """A runner for a blocking library whose connections have send(), recv(), close()."""

    def run(url: str, sizes: Result, workloads: list[str]) -> dict[str, Result]:
        def connect_once() -> float:
            start = time.perf_counter()
            ws = open_connection()
            ws.send(request(1, "authenticate", _AUTH_PARAMS))
            _check_reply(json.loads(ws.recv()), 1)
            elapsed = time.perf_counter() - start
            ws.close()
            return elapsed

        results: dict[str, Result] = {}
        for workload in workloads:
            try:
                if workload == "connect":
                    connect_once()
                    times = [connect_once() for _ in range(sizes["connect"])]
                    results[workload] = {"ms": median(times) * 1e3}
                    continue
                ws = open_connection()
                try:
                    results[workload] = _s_workload(workload, ws.send, ws.recv, sizes)
                finally:
                    ws.close()
            except Exception as exc:
                results[workload] = {"error": f"{type(exc).__name__}: {exc}"}
        return results

    return run


# -------------------------------------------------------------------------- picows


def _picows_runner() -> Callable[[str, Result, list[str]], dict[str, Result]]:
    from picows import WSListener, WSMsgType, ws_connect

    TEXT = WSMsgType.TEXT

    class Listener(WSListener):
        """Hands every text payload to the current workload's callback."""

        def __init__(self) -> None:
            self.on_text: Callable[[str], None] = lambda text: None
            self.disconnected: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            if frame.msg_type == TEXT:
                self.on_text(frame.get_payload_as_utf8_text())

        def on_ws_disconnected(self, transport: Any) -> None:
            if not self.disconnected.done():
                self.disconnected.set_result(None)

    async def roundtrip(transport: Any, listener: Listener, text: str) -> str:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        listener.on_text = future.set_result
        transport.send(TEXT, text.encode())
        return await future

    async def sequential(
        transport: Any, listener: Listener, method: str, n: int, first: int
    ) -> None:
        loads = json.loads
        for call_id in range(first, first + n):
            result = _check_reply(
                loads(await roundtrip(transport, listener, request(call_id, method))), call_id
            )
            if method == "get_camera_list" and len(result["cameras"]) != 10:
                raise RuntimeError("wrong camera list")

    async def calls(
        transport: Any, listener: Listener, method: str, n: int, sizes: Result
    ) -> Result:
        warm = warmup(n, sizes)
        await sequential(transport, listener, method, warm, 1)
        cpu = time.process_time()
        start = time.perf_counter()
        await sequential(transport, listener, method, n, warm + 1)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        return {"us_per_call": elapsed / n * 1e6, "cpu_us_per_call": cpu / n * 1e6}

    async def window(transport: Any, listener: Listener, total: int, size: int) -> Result:
        loads = json.loads
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state = {"next": 1, "received": 0}

        def on_text(text: str) -> None:
            if loads(text).get("result") != "pong":
                done.set_exception(RuntimeError(f"unexpected reply {text:.200}"))
                return
            state["received"] += 1
            if state["next"] <= total:
                transport.send(TEXT, request(state["next"], "ping").encode())
                state["next"] += 1
            elif state["received"] == total:
                done.set_result(None)

        listener.on_text = on_text
        cpu = time.process_time()
        start = time.perf_counter()
        for _ in range(min(size, total)):
            transport.send(TEXT, request(state["next"], "ping").encode())
            state["next"] += 1
        await done
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        return {"calls_per_s": total / elapsed, "cpu_us_per_call": cpu / total * 1e6}

    async def flood(transport: Any, listener: Listener, n: int) -> Result:
        loads = json.loads
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        reply: asyncio.Future[str] = loop.create_future()
        got = [0]

        def on_text(text: str) -> None:
            message = loads(text)
            if message.get("method") == FLOOD_METHOD:
                message["params"]["progress"]
                got[0] += 1
                if got[0] == n:
                    done.set_result(None)
            elif not reply.done():
                reply.set_result(text)

        listener.on_text = on_text
        cpu = time.process_time()
        start = time.perf_counter()
        transport.send(TEXT, request(1, "flood", {"count": n}).encode())
        await done
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        _check_reply(loads(await reply), 1)
        return {"per_s": n / elapsed, "cpu_us_per_notification": cpu / n * 1e6}

    async def hold(transport: Any, listener: Listener, n: int) -> Result:
        loads = json.loads
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        seen: set[Any] = set()

        def on_text(text: str) -> None:
            message = loads(text)
            seen.add(message.get("id"))
            if len(seen) == n + 1:
                done.set_result(None)

        listener.on_text = on_text
        start = time.perf_counter()
        rss = _common.rss_bytes()
        tracemalloc.start()
        for call_id in range(1, n + 1):
            transport.send(TEXT, request(call_id, "hold").encode())
        traced = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        rss_after = _common.rss_bytes()
        transport.send(TEXT, request(n + 1, "release").encode())
        await done
        return hold_result(n, len(seen) - 1, start, traced, 0, rss, rss_after)

    async def close(transport: Any, listener: Listener) -> None:
        transport.send_close()
        transport.disconnect()
        await listener.disconnected

    work: dict[str, Callable[[Any, Listener, Result], Awaitable[Result]]] = {
        "ping": lambda t, li, sizes: calls(t, li, "ping", sizes["ping"], sizes),
        "camera_list": lambda t, li, sizes: calls(
            t, li, "get_camera_list", sizes["camera_list"], sizes
        ),
        "inflight100": lambda t, li, sizes: window(
            t, li, sizes["inflight100"], sizes["inflight_window"]
        ),
        "notifications": lambda t, li, sizes: flood(t, li, sizes["notifications"]),
        "inflight10k": lambda t, li, sizes: hold(t, li, sizes["inflight10k"]),
    }

    async def main(url: str, sizes: Result, workloads: list[str]) -> dict[str, Result]:
        async def connect_once() -> float:
            start = time.perf_counter()
            transport, opened = await ws_connect(Listener, url)
            listener = cast(Listener, opened)
            text = await roundtrip(transport, listener, request(1, "authenticate", _AUTH_PARAMS))
            _check_reply(json.loads(text), 1)
            elapsed = time.perf_counter() - start
            await close(transport, listener)
            return elapsed

        results: dict[str, Result] = {}
        for workload in workloads:
            try:
                if workload == "connect":
                    await connect_once()
                    times = [await connect_once() for _ in range(sizes["connect"])]
                    results[workload] = {"ms": median(times) * 1e3}
                    continue
                transport, opened = await ws_connect(Listener, url)
                listener = cast(Listener, opened)
                try:
                    results[workload] = await work[workload](transport, listener, sizes)
                finally:
                    await close(transport, listener)
            except Exception as exc:
                results[workload] = {"error": f"{type(exc).__name__}: {exc}"}
        return results

    return lambda url, sizes, workloads: asyncio.run(main(url, sizes, workloads))


# -------------------------------------------------------------------------- entry


def make_runner(name: str) -> Callable[[str, Result, list[str]], dict[str, Result]]:
    """The runner of raw client ``name`` (raises ImportError if its library is missing)."""
    if name == "ws_asyncio":
        import websockets.asyncio.client  # noqa: F401 - fail early when missing

        return lambda url, sizes, workloads: asyncio.run(_ws_asyncio(url, sizes, workloads))
    if name == "ws_sync":
        from websockets.sync.client import connect as ws_connect_sync

        return lambda url, sizes, workloads: _sync_runner(lambda: ws_connect_sync(url))(
            url, sizes, workloads
        )
    if name == "websocket_client":
        import websocket

        def open_wsc(url: str) -> Any:
            return websocket.create_connection(url, skip_utf8_validation=True)

        return lambda url, sizes, workloads: _sync_runner(lambda: open_wsc(url))(
            url, sizes, workloads
        )
    if name == "picows":
        return _picows_runner()
    raise ValueError(f"unknown raw client {name}")
