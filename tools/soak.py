"""Soak test: 8 clients call continuously while the network and the service fail at random.

Usage::

    python tools/soak.py                      # 10 minutes
    python tools/soak.py --duration 60        # the CI version
    python tools/soak.py --seed 7 --json soak.json

Two emulated services (the current and the legacy dialect), each behind a
:class:`~mediamtx_camera_sdk.testing.FaultProxy`. Eight workers, four per
service: ``CameraClient`` on asyncio, ``CameraClient`` on trio and two
``SyncCameraClient``, each in its own thread, call the service without pause
(reads, snapshots, raw calls, unknown cameras) and check every reply is the
one they asked for. Meanwhile faults are injected at random, one after the
other: TCP resets and FINs, blackholes, latency, throttling, refused
connections, dropped connections (clean and aborted), service restarts, slow
methods, error replies (internal, rate limited, media), malformed and oversized
frames, expired tokens, notification bursts, cameras coming and going.

At the end the faults stop, every client must get an answer again by itself,
then the clients disconnect and the runner checks what was left behind.

It prints: calls made, succeeded, failed by exception type, reconnects, the
longest a call waited, the faults injected, and leaks: pending calls, tasks,
threads, file descriptors, memory growth, ResourceWarnings. It fails (exit 1)
on any unexpected exception type or wrong reply, any call that hangs (waits
longer than its worst case allows), a client that does not recover, or a leak.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sys
import threading
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
if str(SRC) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(SRC))

import anyio  # noqa: E402

from mediamtx_camera_sdk import (  # noqa: E402
    AuthenticationError,
    CallTimeoutError,
    CameraClient,
    CameraNotFoundError,
    CameraServiceError,
    ConnectionError,
    InternalServerError,
    InvalidRequestError,
    InvalidStateError,
    MediaMTXError,
    RateLimitedError,
    SyncCameraClient,
)
from mediamtx_camera_sdk.testing import CameraServiceEmulator, FaultProxy  # noqa: E402

#: What the injected faults may legitimately cause a call to raise. Anything
#: else (another exception, or a reply to someone else's call) is a failure.
EXPECTED = (
    ConnectionError,  # and ConnectionClosedError: drops, resets, refused reconnects
    CallTimeoutError,  # blackholes, latency, slow methods
    RateLimitedError,  # injected rate limiting (after the opt-in retries)
    AuthenticationError,  # a token expired between two attempts
    InternalServerError,  # injected -32603 (and the legacy get_server_info)
    MediaMTXError,  # injected media failures
    CameraNotFoundError,  # the workers also ask about cameras that do not exist
    InvalidStateError,  # a snapshot of a camera that was just unplugged
    # An error reply with "id": null (an injected parse error) while exactly one
    # call is pending fails that call: the core's documented tolerance, since a
    # real service sends it when it could not parse that call's request.
    InvalidRequestError,
)

#: Client settings: short timeouts and intervals so that faults are noticed
#: and recovered from many times per minute.
CALL_TIMEOUT = 2.0
CLIENT_SETTINGS: dict[str, Any] = {
    "timeout": CALL_TIMEOUT,
    "heartbeat_interval": 1.0,
    "heartbeat_timeout": 1.5,
    "max_retries": None,
    "retry_delay": 0.05,
    "max_retry_delay": 1.0,
    "open_timeout": 2.0,
    "rate_limit_retries": 2,
    "max_message_size": 1024 * 1024,
    "event_buffer": 50,
}
#: The longest a call may legitimately take: a call waits for the connection
#: within its timeout, may be repeated once after a token refresh (a second
#: authenticate and a second call), and twice after a rate limit (each after
#: at most max_retry_delay). Anything longer is a hang.
WORST_CASE = 6 * CALL_TIMEOUT + 2 * CLIENT_SETTINGS["max_retry_delay"]
HANG_AFTER = WORST_CASE + 5.0
#: How long a client may take to answer again once the faults stopped.
RECOVERY = 30.0
#: RSS growth (after the warm-up) above which memory counts as leaking.
MEMORY_LIMIT_MIB = 48.0

RATE_LIMITED = {"current": -32040, "legacy": -32002}
MEDIA_FAILED = {"current": -32050, "legacy": -1003}


# ----------------------------------------------------------------------------- records


@dataclass
class WorkerStats:
    """What one worker saw."""

    name: str
    kind: str
    dialect: str
    calls: int = 0
    succeeded: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    longest: float = 0.0
    longest_call: str = ""
    reconnects: int = 0
    events: int = 0
    recovered: bool = False
    pending_left: int = -1
    tasks_left: int = 0
    current: tuple[float, str] | None = None  # (start, call) while a call runs
    done: bool = False
    crash: str = ""


class Soak:
    """One soak run: services, proxies, workers, the fault injector and the checks."""

    def __init__(self, duration: float, seed: int, workers: int) -> None:
        self.duration = duration
        self.seed = seed
        self.rng = random.Random(seed)
        self.worker_count = workers
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.stats: list[WorkerStats] = []
        self.faults: Counter[str] = Counter()
        self.hangs: list[str] = []
        self.warnings: Counter[str] = Counter()
        self.services: dict[str, tuple[CameraServiceEmulator, FaultProxy]] = {}
        self.delayed: dict[str, set[str]] = {"current": set(), "legacy": set()}

    # ------------------------------------------------------------------ the run

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        self._watch_warnings()
        for dialect in ("current", "legacy"):
            emu = CameraServiceEmulator(
                dialect=dialect,
                cameras=2,
                jwt_secret="soak-secret-0123456789abcdef0123456789",
                keep_frames=False,
                time_scale=0.05,
            )
            emu.start()
            proxy = FaultProxy(emu.host, emu.port)
            proxy.start()
            self.services[dialect] = (emu, proxy)
        gc.collect()
        baseline = self._resources()
        threads: list[threading.Thread] = []
        kinds = ["asyncio", "trio", "sync", "sync"]
        for n in range(self.worker_count):
            dialect = ("current", "legacy")[n % 2]
            kind = kinds[(n // 2) % len(kinds)]
            stats = WorkerStats(f"{kind}-{dialect}-{n}", kind, dialect)
            self.stats.append(stats)
            target = self._sync_worker if kind == "sync" else self._async_worker
            thread = threading.Thread(
                target=self._guard, args=(target, stats), name=f"soak-{stats.name}"
            )
            threads.append(thread)
            thread.start()

        warm_up = started + min(30.0, 0.2 * self.duration)
        memory_start: float | None = None
        blocks_start = 0
        end = started + self.duration
        next_fault = time.monotonic() + self.rng.uniform(0.5, 2.0)
        next_prune = time.monotonic() + 20.0
        while time.monotonic() < end:
            self._check_hangs()
            if memory_start is None and time.monotonic() >= warm_up:
                gc.collect()
                memory_start = _rss_mib()
                blocks_start = sys.getallocatedblocks()
            if time.monotonic() >= next_fault:
                self._inject_fault(end)
                next_fault = time.monotonic() + self.rng.uniform(0.3, 2.5)
            if time.monotonic() >= next_prune:
                self._prune_files()
                next_prune = time.monotonic() + 20.0
            time.sleep(0.1)

        # Quiet: no more faults; every client must answer again by itself.
        for dialect, (emu, proxy) in self.services.items():
            proxy.resume()
            for method in self.delayed[dialect]:
                emu.delay(method, 0)
        self.stop.set()
        deadline = time.monotonic() + RECOVERY + HANG_AFTER + 10
        for thread in threads:
            while thread.is_alive() and time.monotonic() < deadline:
                self._check_hangs()
                thread.join(0.5)
        stuck = [t.name for t in threads if t.is_alive()]

        left = self._settled_resources(baseline)
        gc.collect()
        memory_end = _rss_mib()
        blocks_end = sys.getallocatedblocks()
        for emu, proxy in self.services.values():
            proxy.stop()
            emu.stop()
        memory = {
            "after_warm_up": round(memory_start or memory_end, 1),
            "end": round(memory_end, 1),
            "growth": round(memory_end - (memory_start or memory_end), 1),
            "python_blocks_after_warm_up": blocks_start,
            "python_blocks_end": blocks_end,
        }
        return self._report(baseline, left, memory, stuck, started)

    def _guard(self, target: Callable[[WorkerStats], None], stats: WorkerStats) -> None:
        try:
            target(stats)
        except BaseException:
            stats.crash = traceback.format_exc()
        finally:
            stats.done = True

    # ------------------------------------------------------------------ workers

    def _client_arguments(self, dialect: str, stats: WorkerStats) -> dict[str, Any]:
        emu, proxy = self.services[dialect]

        def provider() -> str:
            return emu.token("operator")

        return {"url": proxy.url, "token_provider": provider, **CLIENT_SETTINGS}

    def _operations(
        self, dialect: str, rng: random.Random
    ) -> tuple[str, str | None, Callable[..., Any], Callable[[Any], bool]]:
        """A random call: (label, the camera it is about, a function of the client making
        it, the check of its result)."""
        # Two cameras exist; the third does not (a not-found error, about it).
        cameras = [f"camera{n}" if dialect == "current" else f"/dev/video{n}" for n in range(3)]
        device = rng.choice(cameras)
        roll = rng.random()
        if roll < 0.35:
            return (
                f"get_camera_status({device})",
                device,
                lambda c: c.get_camera_status(device),
                lambda r: r.device_path == device,
            )
        if roll < 0.5:
            return (
                f"call(get_camera_status, {device})",
                device,
                lambda c: c.call("get_camera_status", {"device": device}),
                lambda r: isinstance(r, dict) and r.get("device") == device,
            )
        if roll < 0.7:
            return (
                "get_camera_list",
                None,
                lambda c: c.get_camera_list(),
                lambda r: r.total is None or r.total >= 0,
            )
        if roll < 0.88:
            return ("ping", None, lambda c: c.ping(), lambda r: r == "pong")
        if roll < 0.9:
            real = cameras[rng.randrange(2)]
            return (
                f"take_snapshot({real})",
                real,
                lambda c: c.take_snapshot(real),
                lambda r: r.device_path == real,
            )
        if dialect == "current":
            return (
                "list_snapshots",
                None,
                lambda c: c.list_snapshots(limit=5),
                lambda r: len(r.files) <= 5,
            )
        return ("get_streams", None, lambda c: c.get_streams(), lambda r: isinstance(r, list))

    def _outcome(
        self,
        stats: WorkerStats,
        label: str,
        device: str | None,
        started: float,
        error: BaseException | None,
        result_ok: bool,
    ) -> None:
        elapsed = time.monotonic() - started
        with self.lock:
            stats.calls += 1
            stats.current = None
            if elapsed > stats.longest:
                stats.longest, stats.longest_call = elapsed, label
            if error is None:
                if result_ok:
                    stats.succeeded += 1
                else:
                    stats.unexpected.append(f"{label}: a reply that is not this call's")
                return
            stats.failed[type(error).__name__] += 1
            if not isinstance(error, EXPECTED):
                stats.unexpected.append(f"{label}: {type(error).__name__}: {error}")
            elif isinstance(error, CameraNotFoundError):
                # Misrouting check: the error must be about the camera asked for.
                data = error.data if isinstance(error.data, dict) else {}
                if data.get("id") not in (None, device):
                    stats.unexpected.append(f"{label}: not-found error about {data.get('id')}")

    def _sync_worker(self, stats: WorkerStats) -> None:
        rng = random.Random(self.rng.random())
        client = SyncCameraClient(**self._client_arguments(stats.dialect, stats))
        client.on("*", lambda event: self._count_event(stats))
        client.connect()
        try:
            while not self.stop.is_set():
                label, device, make, check = self._operations(stats.dialect, rng)
                started = time.monotonic()
                stats.current = (started, label)
                try:
                    result = make(client)
                except Exception as exc:
                    self._outcome(stats, label, device, started, exc, False)
                else:
                    self._outcome(stats, label, device, started, None, bool(check(result)))
            stats.recovered = self._sync_recover(client)
            stats.pending_left = _pending(client)
            stats.reconnects = client.reconnect_count
        finally:
            client.disconnect()

    def _sync_recover(self, client: SyncCameraClient) -> bool:
        deadline = time.monotonic() + RECOVERY
        while time.monotonic() < deadline:
            try:
                if client.ping(timeout=CALL_TIMEOUT) == "pong":
                    break
            except CameraServiceError:
                time.sleep(0.1)
        else:
            return False
        # A heartbeat ping may be in flight: wait for it to end.
        while _pending(client) and time.monotonic() < deadline:
            time.sleep(0.01)
        return True

    def _async_worker(self, stats: WorkerStats) -> None:
        backend = stats.kind
        anyio.run(self._async_main, stats, backend=backend)

    async def _async_main(self, stats: WorkerStats) -> None:
        rng = random.Random(self.rng.random())
        tasks_before = _task_count()
        client = CameraClient(**self._client_arguments(stats.dialect, stats))
        client.on("*", lambda event: self._count_event(stats))
        async with client:
            # A consumer that falls behind now and then (its drops are counted).
            stream = client.events(buffer=20)

            async def consume() -> None:
                async for _ in stream:
                    if rng.random() < 0.01:
                        await anyio.sleep(0.2)

            async with anyio.create_task_group() as tg:
                tg.start_soon(consume)
                while not self.stop.is_set():
                    label, device, make, check = self._operations(stats.dialect, rng)
                    started = time.monotonic()
                    stats.current = (started, label)
                    try:
                        result = await make(client)
                    except Exception as exc:
                        self._outcome(stats, label, device, started, exc, False)
                    else:
                        self._outcome(stats, label, device, started, None, bool(check(result)))
                stats.recovered = await self._async_recover(client)
                stats.pending_left = _pending(client)
                stats.reconnects = client.reconnect_count
                await stream.aclose()
        stats.tasks_left = _task_count() - tasks_before

    async def _async_recover(self, client: CameraClient) -> bool:
        with anyio.move_on_after(RECOVERY):
            while True:
                try:
                    if await client.ping(timeout=CALL_TIMEOUT) == "pong":
                        break
                except CameraServiceError:
                    await anyio.sleep(0.1)
            # A heartbeat ping may be in flight: wait for it to end (nothing signals it).
            while _pending(client):  # noqa: ASYNC110
                await anyio.sleep(0.01)
            return True
        return False

    def _count_event(self, stats: WorkerStats) -> None:
        with self.lock:
            stats.events += 1

    # ------------------------------------------------------------------ faults

    def _inject_fault(self, end: float) -> None:
        rng = self.rng
        dialect = rng.choice(("current", "legacy"))
        emu, proxy = self.services[dialect]
        # How long a lasting fault may last, without running past the end.
        span = max(0.0, min(rng.uniform(0.5, 3.0), end - time.monotonic() - 0.5))
        fault = rng.choices(
            [
                "tcp_reset",
                "tcp_close",
                "blackhole",
                "latency",
                "throttle",
                "refuse",
                "drop_clean",
                "drop_abort",
                "restart",
                "slow_method",
                "error_replies",
                "rate_limited",
                "malformed_frames",
                "oversized_frame",
                "expire_tokens",
                "notification_burst",
                "camera_flap",
            ],
            weights=[6, 4, 4, 4, 3, 3, 4, 4, 2, 4, 4, 4, 4, 2, 3, 3, 3],
        )[0]
        self.faults[fault] += 1
        methods = ["get_camera_status", "get_camera_list", "take_snapshot", "ping"]
        if fault == "tcp_reset":
            proxy.reset_connections()
        elif fault == "tcp_close":
            proxy.close_connections()
        elif fault == "blackhole":
            proxy.blackhole()
            self._hold(span)
            proxy.resume()
        elif fault == "latency":
            proxy.set_latency(rng.uniform(0.05, 0.8))
            self._hold(span)
            proxy.resume()
        elif fault == "throttle":
            proxy.set_bandwidth(rng.uniform(2_000, 50_000))
            self._hold(span)
            proxy.resume()
        elif fault == "refuse":
            proxy.refuse_connections(reset=rng.random() < 0.5)
            proxy.reset_connections()
            self._hold(span)
            proxy.resume()
        elif fault in ("drop_clean", "drop_abort"):
            emu.drop_connections(clean=fault == "drop_clean")
        elif fault == "restart":
            emu.restart()
        elif fault == "slow_method":
            method = rng.choice(methods)
            emu.delay(method, rng.uniform(0.5, 3.0))
            self.delayed[dialect].add(method)
            self._hold(span)
            emu.delay(method, 0)
        elif fault == "error_replies":
            code = rng.choice([-32603, MEDIA_FAILED[dialect]])
            emu.fail_next(rng.choice(methods[:3]), code, count=rng.randint(1, 5))
        elif fault == "rate_limited":
            retry = {"retry_after_ms": rng.choice([10, 100, 500, 5_000])}
            emu.fail_next(
                rng.choice(methods[:3]), RATE_LIMITED[dialect], data=retry, count=rng.randint(1, 4)
            )
        elif fault == "malformed_frames":
            for frame in rng.sample(MALFORMED, 4):
                emu.broadcast_raw(frame)
        elif fault == "oversized_frame":
            pad = "x" * (CLIENT_SETTINGS["max_message_size"] + 1024)
            emu.broadcast_raw(json.dumps({"jsonrpc": "2.0", "method": "x", "params": {"p": pad}}))
        elif fault == "expire_tokens":
            emu.expire_tokens()
        elif fault == "notification_burst":
            device = emu.devices[0]
            for n in range(rng.randint(50, 300)):
                emu.notify(
                    "camera_status_update", {"device": device, "status": "CONNECTED", "n": n}
                )
        elif fault == "camera_flap":
            device = emu.devices[1]
            emu.unplug_camera(device)
            self._hold(min(span, 0.5))
            emu.plug_camera(device)

    def _prune_files(self) -> None:
        """Remove the oldest snapshots by hand, so the folder does not grow for ever.

        (The emulator notices files removed from its media folder; a listing in
        progress may see a file vanish, as on a real service.)
        """
        for emu, _ in self.services.values():
            folder = emu.media_dir
            if folder is None:
                continue
            files = sorted((folder / "snapshots").glob("*"), key=lambda p: p.name)
            for path in files[:-200]:
                path.unlink(missing_ok=True)

    def _hold(self, seconds: float) -> None:
        """Keep a fault on for ``seconds`` (watching for hangs meanwhile)."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self._check_hangs()
            time.sleep(min(0.1, max(0.0, until - time.monotonic())))

    def _check_hangs(self) -> None:
        now = time.monotonic()
        with self.lock:
            for stats in self.stats:
                current = stats.current
                if current is not None and now - current[0] > HANG_AFTER:
                    note = f"{stats.name}: {current[1]} waiting for {now - current[0]:.1f} s"
                    if not any(h.startswith(f"{stats.name}: {current[1]}") for h in self.hangs):
                        self.hangs.append(note)

    # ------------------------------------------------------------------ leaks

    def _watch_warnings(self) -> None:
        # ResourceWarning (an unclosed socket or file) is ignored by default: a leak here.
        warnings.simplefilter("always", ResourceWarning)
        original = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            with self.lock:
                self.warnings[f"{category.__name__}: {str(message)[:80]}"] += 1
            original(message, category, *args, **kwargs)

        warnings.showwarning = show

    def _resources(self) -> dict[str, Any]:
        return {
            "fds": _fd_count(),
            "threads": sorted(t.name for t in threading.enumerate()),
        }

    def _settled_resources(self, baseline: dict[str, Any]) -> dict[str, Any]:
        """Resources once the servers closed their side too (a few seconds at most)."""
        deadline = time.monotonic() + 10.0
        while True:
            gc.collect()
            now = self._resources()
            extra = _extra_threads(baseline["threads"], now["threads"])
            if (now["fds"] <= baseline["fds"] and not extra) or time.monotonic() > deadline:
                return now
            time.sleep(0.1)

    # ------------------------------------------------------------------ report

    def _report(
        self,
        baseline: dict[str, Any],
        left: dict[str, Any],
        memory: dict[str, Any],
        stuck: list[str],
        started: float,
    ) -> dict[str, Any]:
        failed: Counter[str] = Counter()
        for stats in self.stats:
            failed.update(stats.failed)
        calls = sum(s.calls for s in self.stats)
        succeeded = sum(s.succeeded for s in self.stats)
        unexpected = [u for s in self.stats for u in s.unexpected]
        crashes = [f"{s.name}: {s.crash}" for s in self.stats if s.crash]
        not_recovered = [s.name for s in self.stats if not s.recovered and not s.crash]
        longest = max(self.stats, key=lambda s: s.longest)
        extra_threads = _extra_threads(baseline["threads"], left["threads"])
        sdk_threads = [name for name in left["threads"] if name.startswith("mediamtx-sdk")]
        resource_warnings = {k: v for k, v in self.warnings.items() if "ResourceWarning" in k}
        leaks = {
            "pending_calls": sum(max(0, s.pending_left) for s in self.stats),
            "tasks": sum(s.tasks_left for s in self.stats),
            "threads": extra_threads,
            "sdk_threads": sdk_threads,
            "fds": {"baseline": baseline["fds"], "end": left["fds"]},
            "memory_mib": memory,
            "resource_warnings": resource_warnings,
        }
        problems: list[str] = []
        if unexpected:
            problems.append(f"{len(unexpected)} unexpected outcomes")
        if self.hangs or stuck:
            problems.append(f"{len(self.hangs)} hangs, {len(stuck)} stuck workers")
        if crashes:
            problems.append(f"{len(crashes)} workers crashed")
        if not_recovered:
            problems.append(f"not recovered: {', '.join(not_recovered)}")
        if leaks["pending_calls"] or leaks["tasks"] or extra_threads or sdk_threads:
            problems.append("pending calls, tasks or threads left behind")
        if left["fds"] > baseline["fds"]:
            problems.append(f"{left['fds'] - baseline['fds']} file descriptors left open")
        if memory["growth"] > MEMORY_LIMIT_MIB:
            problems.append(f"memory grew by {memory['growth']:.1f} MiB")
        if resource_warnings:
            problems.append("ResourceWarnings (unclosed sockets or files)")
        return {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "duration_s": round(time.monotonic() - started, 1),
            "requested_duration_s": self.duration,
            "seed": self.seed,
            "workers": [f"{s.name}" for s in self.stats],
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "calls": calls,
            "succeeded": succeeded,
            "failed": sum(failed.values()),
            "failed_by_type": dict(failed.most_common()),
            "unexpected": unexpected[:50],
            "hangs": self.hangs + [f"{name} did not finish" for name in stuck],
            "crashes": crashes,
            "not_recovered": not_recovered,
            "reconnects": sum(s.reconnects for s in self.stats),
            "reconnects_by_worker": {s.name: s.reconnects for s in self.stats},
            "events_received": sum(s.events for s in self.stats),
            "longest_wait_s": round(longest.longest, 2),
            "longest_wait_call": f"{longest.name}: {longest.longest_call}",
            "hang_threshold_s": HANG_AFTER,
            "calls_by_worker": {s.name: s.calls for s in self.stats},
            "faults": dict(self.faults.most_common()),
            "leaks": leaks,
            "warnings": dict(self.warnings),
            "problems": problems,
            "passed": not problems,
        }


MALFORMED = [
    "garbage that is not JSON {",
    '{"jsonrpc":"2.0","id":987654321,"result":"for nobody"}',
    '{"jsonrpc":"2.0","id":null,"result":"for nobody"}',
    '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}',
    "[" * 5000 + "]" * 5000,
    "42",
    "[]",
    '{"jsonrpc":"1.0","method":"camera_status_update","params":{}}',
    '{"jsonrpc":"2.0","method":"camera_status_update","params":[1,2]}',
    '{"jsonrpc":"2.0","method":"unknown.topic","params":{"x":1}}',
]


def _pending(client: Any) -> int:
    return int(client._protocol.pending_count)


def _task_count() -> int:
    """Tasks alive in the running event loop (asyncio or trio)."""
    try:
        return len(asyncio.all_tasks())
    except RuntimeError:
        pass
    import trio

    count = 0
    stack = [trio.lowlevel.current_root_task()]
    while stack:
        task = stack.pop()
        count += 1
        for nursery in task.child_nurseries:
            stack.extend(nursery.child_tasks)
    return count


def _fd_count() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux: count by probing
        import resource

        limit = min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 4096)
        count = 0
        for fd in range(limit):
            try:
                os.fstat(fd)
            except OSError:
                continue
            count += 1
        return count


def _rss_mib() -> float:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _extra_threads(baseline: list[str], now: list[str]) -> list[str]:
    """Threads alive now that were not at the start, except idle pool workers.

    anyio and trio keep idle worker threads in a cache for a while (they end by
    themselves); the SDK's own threads are all named ``mediamtx-sdk-*``.
    """
    left = Counter(now)
    left.subtract(Counter(baseline))
    pools = ("AnyIO worker thread", "Trio thread", "asyncio_", "ThreadPoolExecutor")
    return sorted(
        name for name, n in left.items() if n > 0 and not name.startswith(pools) for _ in range(n)
    )


def print_report(report: dict[str, Any]) -> None:
    """The human-readable summary."""
    out = print
    out(
        f"soak {report['date']}: {report['duration_s']} s, seed {report['seed']}, "
        f"{len(report['workers'])} workers, python {report['python']}, "
        f"{report['cpus']} CPUs, load average {report['load_average']}"
    )
    calls = report["calls"] or 1
    out(f"calls made        {report['calls']}")
    out(f"succeeded         {report['succeeded']} ({100 * report['succeeded'] / calls:.1f} %)")
    out(f"failed            {report['failed']}")
    for name, count in report["failed_by_type"].items():
        out(f"  {name:<24}{count}")
    out(f"unexpected        {len(report['unexpected'])}")
    for item in report["unexpected"][:10]:
        out(f"  {item}")
    out(f"hangs             {len(report['hangs'])}")
    for item in report["hangs"]:
        out(f"  {item}")
    out(f"reconnects        {report['reconnects']}")
    out(
        f"longest call wait {report['longest_wait_s']} s ({report['longest_wait_call']}; "
        f"hang threshold {report['hang_threshold_s']} s)"
    )
    out(f"events received   {report['events_received']}")
    out("faults injected   " + ", ".join(f"{k} {v}" for k, v in report["faults"].items()))
    leaks = report["leaks"]
    memory = leaks["memory_mib"]
    out("leaks")
    out(f"  pending calls   {leaks['pending_calls']}")
    out(f"  tasks           {leaks['tasks']}")
    out(f"  threads         {len(leaks['threads'])} {leaks['threads'] or ''}".rstrip())
    out(f"  sdk threads     {len(leaks['sdk_threads'])}")
    out(
        f"  file descriptors {leaks['fds']['end'] - leaks['fds']['baseline']:+d} "
        f"(baseline {leaks['fds']['baseline']}, end {leaks['fds']['end']})"
    )
    out(
        f"  memory growth   {memory['growth']:+.1f} MiB "
        f"(RSS {memory['after_warm_up']} MiB after warm-up, {memory['end']} MiB at the end; "
        f"Python blocks {memory['python_blocks_after_warm_up']} -> "
        f"{memory['python_blocks_end']})"
    )
    out(f"  ResourceWarnings {sum(leaks['resource_warnings'].values())}")
    for crash in report["crashes"]:
        out(crash)
    verdict = "PASS" if report["passed"] else "FAIL: " + "; ".join(report["problems"])
    out(f"result            {verdict}")


def main(argv: list[str] | None = None) -> int:
    """Run the soak; exit status 0 when it passed, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--workers", type=int, default=8, help="client workers (default 8)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    report = Soak(args.duration, seed, args.workers).run()
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
