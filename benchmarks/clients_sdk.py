"""The SDK's clients, used through their public API as an application would.

- ``async_asyncio``: :class:`CameraClient` under ``anyio.run(backend="asyncio")``;
- ``async_trio``: the same code under ``anyio.run(backend="trio")``;
- ``sync``: :class:`SyncCameraClient` (blocking, threads).

Every client is made with the defaults (heartbeat on, 10 s call timeout) plus
the URL and a token, so each connection authenticates. Calls go through the
typed methods (``ping()``, ``get_camera_list()`` returning ``CameraList`` of
``CameraInfo`` models) or ``call()`` for the benchmark-only methods (``flood``,
``hold``, ``release``); notifications go through ``client.events()``, the
SDK's event delivery (filter, bounded buffer, iterator), with a buffer large
enough to hold the whole flood (the default of 1,000 would drop events when
the consumer runs behind a burst, by design).

In-flight workloads use the SDK as an application must: concurrent tasks (one
per call in flight) on the async client, threads on the blocking one.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import _common
from _common import FLOOD_METHOD, TOKEN, hold_result, median, warmup

Result = dict[str, Any]
Runner = Callable[[str, Result, list[str]], dict[str, Result]]

# Time allowed for the calls of a hold workload to be all in flight.
_SPAWN_TIMEOUT = 120.0


def _settings(workload: str) -> Result:
    """Settings beyond the defaults for one workload's client.

    The hold workload starts thousands of calls at once (threads, for the
    blocking client) and the server leaves them unanswered on purpose; on a
    loaded machine the heartbeat's ping can then miss its 5 s timeout and end
    the connection. That is the heartbeat doing its job, but not what this
    workload measures: no heartbeat there.
    """
    return {"heartbeat_interval": None} if workload == "inflight10k" else {}


# --------------------------------------------------------------------------- async


async def timed_calls(run: Callable[[int], Awaitable[None]], n: int, sizes: Result) -> Result:
    """``run(k)`` makes ``k`` sequential calls: a warm-up, then ``n`` timed; µs per call."""
    await run(warmup(n, sizes))
    cpu = time.process_time()
    start = time.perf_counter()
    await run(n)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {"us_per_call": elapsed / n * 1e6, "cpu_us_per_call": cpu / n * 1e6}


async def ping_window(ping: Callable[[], Awaitable[Any]], total: int, size: int) -> Result:
    """``total`` calls of ``ping()`` from ``size`` tasks (calls in flight); calls/s."""
    import anyio

    left = [total]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            if await ping() != "pong":
                raise RuntimeError("wrong ping result")

    cpu = time.process_time()
    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(min(size, total)):
            tg.start_soon(worker)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {"calls_per_s": total / elapsed, "cpu_us_per_call": cpu / total * 1e6}


def async_workloads(
    sequential: Callable[[Any, str, int], Awaitable[None]],
    flood: Callable[[Any, int], Awaitable[Result]],
    hold: Callable[[Any, int], Awaitable[Result]],
) -> dict[str, Callable[[Any, Result], Awaitable[Result]]]:
    """The workloads of an async client ``c`` (anything with ``c.ping()``) but connect.

    ``sequential(c, method, k)`` makes ``k`` calls of ``method`` one after the
    other; ``flood(c, n)`` and ``hold(c, n)`` run those workloads.
    """
    return {
        "ping": lambda c, sizes: timed_calls(
            lambda k: sequential(c, "ping", k), sizes["ping"], sizes
        ),
        "camera_list": lambda c, sizes: timed_calls(
            lambda k: sequential(c, "get_camera_list", k), sizes["camera_list"], sizes
        ),
        "inflight100": lambda c, sizes: ping_window(
            c.ping, sizes["inflight100"], sizes["inflight_window"]
        ),
        "notifications": lambda c, sizes: flood(c, sizes["notifications"]),
        "inflight10k": lambda c, sizes: hold(c, sizes["inflight10k"]),
    }


async def idle_tasks(n: int) -> int:
    """Bytes alive while ``n`` tasks wait on an event (the application's own cost)."""
    import anyio

    gate = anyio.Event()
    started = [0]

    async def idle() -> None:
        started[0] += 1
        await gate.wait()

    tracemalloc.start()
    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(idle)
        while started[0] < n:  # noqa: ASYNC110 - a plain counter, polled
            await anyio.sleep(0.005)
        traced = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        gate.set()
    return traced


def _async_runner(backend: str) -> Runner:
    import anyio

    from mediamtx_camera_sdk import CameraClient

    def client(url: str, **settings: Any) -> CameraClient:
        return CameraClient(url=url, auth_token=TOKEN, **settings)

    async def sequential(c: CameraClient, method: str, n: int) -> None:
        if method == "ping":
            ping = c.ping
            for _ in range(n):
                if await ping() != "pong":
                    raise RuntimeError("wrong ping result")
        else:
            get_camera_list = c.get_camera_list
            for _ in range(n):
                cameras = await get_camera_list()
                if len(cameras) != 10 or cameras[9].device_path != "camera9":
                    raise RuntimeError("wrong camera list")

    async def flood(c: CameraClient, n: int) -> Result:
        got = 0
        cpu = time.process_time()
        start = time.perf_counter()
        async with c.events(FLOOD_METHOD, buffer=n) as stream, anyio.create_task_group() as tg:
            reply: list[Any] = []

            async def request() -> None:
                reply.append(await c.call("flood", {"count": n}))

            tg.start_soon(request)
            async for event in stream:
                event.params["progress"]
                got += 1
                if got == n:
                    break
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu
        if stream.dropped or reply != [{"sent": n}]:
            raise RuntimeError(f"dropped {stream.dropped} events; reply {reply!r}")
        return {"per_s": n / elapsed, "cpu_us_per_notification": cpu / n * 1e6}

    async def hold(c: CameraClient, n: int) -> Result:
        results: list[Any] = []
        idle = await idle_tasks(n)
        base = c.stats["calls_started"]

        async def one() -> None:
            results.append(await c.call("hold", timeout=_SPAWN_TIMEOUT))

        start = time.perf_counter()
        rss = _common.rss_bytes()
        tracemalloc.start()
        async with anyio.create_task_group() as tg:
            for _ in range(n):
                tg.start_soon(one)
            with anyio.fail_after(_SPAWN_TIMEOUT):
                # Polling a public counter: no event says "n calls are in flight".
                while c.stats["calls_started"] - base < n:  # noqa: ASYNC110
                    await anyio.sleep(0.005)
            traced = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            rss_after = _common.rss_bytes()
            released = await c.call("release", timeout=_SPAWN_TIMEOUT)
        if released != {"released": n} or results.count("held") != n:
            raise RuntimeError(f"release answered {released!r}; {len(results)} results")
        return hold_result(n, len(results), start, traced, idle, rss, rss_after)

    async def connect_once(url: str) -> float:
        c = client(url)
        start = time.perf_counter()
        await c.connect()
        elapsed = time.perf_counter() - start
        if not c.authenticated:
            raise RuntimeError("not authenticated")
        await c.disconnect()
        return elapsed

    work = async_workloads(sequential, flood, hold)

    async def main(url: str, sizes: Result, workloads: list[str]) -> dict[str, Result]:
        results: dict[str, Result] = {}
        for workload in workloads:
            try:
                if workload == "connect":
                    await connect_once(url)
                    times = [await connect_once(url) for _ in range(sizes["connect"])]
                    results[workload] = {"ms": median(times) * 1e3}
                    continue
                async with client(url, **_settings(workload)) as c:
                    results[workload] = await work[workload](c, sizes)
            except Exception as exc:
                results[workload] = {"error": f"{type(exc).__name__}: {exc}"}
        return results

    def run(url: str, sizes: Result, workloads: list[str]) -> dict[str, Result]:
        out: dict[str, Result] = anyio.run(main, url, sizes, workloads, backend=backend)
        return out

    return run


# ---------------------------------------------------------------------------- sync


def _sync_runner() -> Runner:
    from mediamtx_camera_sdk import SyncCameraClient

    def client(url: str, **settings: Any) -> SyncCameraClient:
        return SyncCameraClient(url=url, auth_token=TOKEN, **settings)

    def sequential(c: SyncCameraClient, method: str, n: int) -> None:
        if method == "ping":
            ping = c.ping
            for _ in range(n):
                if ping() != "pong":
                    raise RuntimeError("wrong ping result")
        else:
            get_camera_list = c.get_camera_list
            for _ in range(n):
                cameras = get_camera_list()
                if len(cameras) != 10 or cameras[9].device_path != "camera9":
                    raise RuntimeError("wrong camera list")

    def calls(c: SyncCameraClient, method: str, n: int, sizes: Result) -> Result:
        sequential(c, method, warmup(n, sizes))
        cpu = time.process_time()
        start = time.perf_counter()
        sequential(c, method, n)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        return {"us_per_call": elapsed / n * 1e6, "cpu_us_per_call": cpu / n * 1e6}

    def run_threads(targets: list[Callable[[], None]]) -> list[BaseException]:
        errors: list[BaseException] = []

        def guarded(target: Callable[[], None]) -> None:
            try:
                target()
            except BaseException as exc:  # collected and reported by the caller
                errors.append(exc)

        threads = [threading.Thread(target=guarded, args=(t,), daemon=True) for t in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return errors

    def window(c: SyncCameraClient, total: int, size: int) -> Result:
        lock = threading.Lock()
        left = [total]
        ping = c.ping

        def worker() -> None:
            while True:
                with lock:
                    if left[0] <= 0:
                        return
                    left[0] -= 1
                if ping() != "pong":
                    raise RuntimeError("wrong ping result")

        cpu = time.process_time()
        start = time.perf_counter()
        errors = run_threads([worker] * min(size, total))
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        if errors:
            raise errors[0]
        return {"calls_per_s": total / elapsed, "cpu_us_per_call": cpu / total * 1e6}

    def flood(c: SyncCameraClient, n: int) -> Result:
        reply: list[Any] = []
        got = 0
        cpu = time.process_time()
        start = time.perf_counter()
        with c.events(FLOOD_METHOD, buffer=n, timeout=60.0) as stream:
            requester = threading.Thread(
                target=lambda: reply.append(c.call("flood", {"count": n})), daemon=True
            )
            requester.start()
            for event in stream:
                event.params["progress"]
                got += 1
                if got == n:
                    break
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu
            requester.join(60.0)
        if got != n or stream.dropped or reply != [{"sent": n}]:
            raise RuntimeError(f"got {got}, dropped {stream.dropped}; reply {reply!r}")
        return {"per_s": n / elapsed, "cpu_us_per_notification": cpu / n * 1e6}

    def idle_threads(n: int) -> int:
        """Bytes alive while ``n`` threads wait on an event (the application's own cost)."""
        gate = threading.Event()
        lock = threading.Lock()
        started = [0]

        def idle() -> None:
            with lock:
                started[0] += 1
            gate.wait()

        tracemalloc.start()
        threads = [threading.Thread(target=idle, daemon=True) for _ in range(n)]
        for thread in threads:
            thread.start()
        while started[0] < n:
            time.sleep(0.005)
        traced = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        gate.set()
        for thread in threads:
            thread.join()
        return traced

    def hold(c: SyncCameraClient, n: int) -> Result:
        results: list[Any] = []
        errors: list[BaseException] = []
        idle = idle_threads(n)
        base = c.stats["calls_started"]

        def one() -> None:
            try:
                results.append(c.call("hold", timeout=_SPAWN_TIMEOUT))
            except BaseException as exc:  # reported below
                errors.append(exc)

        start = time.perf_counter()
        rss = _common.rss_bytes()
        tracemalloc.start()
        threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + _SPAWN_TIMEOUT
        while c.stats["calls_started"] - base < n and not errors:
            if time.monotonic() > deadline:
                raise TimeoutError("the calls did not all start in time")
            time.sleep(0.005)
        traced = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        rss_after = _common.rss_bytes()
        released = c.call("release", timeout=_SPAWN_TIMEOUT) if not errors else None
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        if released != {"released": n} or results.count("held") != n:
            raise RuntimeError(f"release answered {released!r}; {len(results)} results")
        return hold_result(n, len(results), start, traced, idle, rss, rss_after)

    def connect_once(url: str) -> float:
        c = client(url)
        start = time.perf_counter()
        c.connect()
        elapsed = time.perf_counter() - start
        if not c.authenticated:
            raise RuntimeError("not authenticated")
        c.disconnect()
        return elapsed

    work: dict[str, Callable[[SyncCameraClient, Result], Result]] = {
        "ping": lambda c, sizes: calls(c, "ping", sizes["ping"], sizes),
        "camera_list": lambda c, sizes: calls(c, "get_camera_list", sizes["camera_list"], sizes),
        "inflight100": lambda c, sizes: window(c, sizes["inflight100"], sizes["inflight_window"]),
        "notifications": lambda c, sizes: flood(c, sizes["notifications"]),
        "inflight10k": lambda c, sizes: hold(c, sizes["inflight10k"]),
    }

    def run(url: str, sizes: Result, workloads: list[str]) -> dict[str, Result]:
        results: dict[str, Result] = {}
        for workload in workloads:
            try:
                if workload == "connect":
                    connect_once(url)
                    times = [connect_once(url) for _ in range(sizes["connect"])]
                    results[workload] = {"ms": median(times) * 1e3}
                    continue
                with client(url, **_settings(workload)) as c:
                    results[workload] = work[workload](c, sizes)
            except Exception as exc:
                results[workload] = {"error": f"{type(exc).__name__}: {exc}"}
        return results

    return run


def make_runner(name: str) -> Runner:
    """The runner of SDK client ``name`` (raises ImportError if the SDK lacks it)."""
    if name == "async_asyncio":
        return _async_runner("asyncio")
    if name == "async_trio":
        import trio  # noqa: F401 - fail early when missing

        return _async_runner("trio")
    if name == "sync":
        return _sync_runner()
    raise ValueError(f"unknown SDK client {name}")
