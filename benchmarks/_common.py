"""What the benchmark server, the client runners and ``run.py`` agree on.

Workload names, the sizes of a quick and a full run, the fixed payloads the
server sends, and a few small helpers (CPU pinning, resident memory). No
third-party imports: every process imports this module.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Final

#: The workloads, in the order a client process runs them. ``inflight10k``
#: comes early, while the process's heap is still small, so that its memory
#: figure is not hidden by memory freed from earlier workloads.
WORKLOADS: Final = (
    "connect",
    "inflight10k",
    "ping",
    "camera_list",
    "inflight100",
    "notifications",
)

#: The sequential workloads: a second or two per client, run in extra rounds.
SEQUENTIAL_WORKLOADS: Final = ("ping", "camera_list")

#: Sizes: ``connect`` connections, ``ping``/``camera_list`` sequential calls,
#: ``inflight100`` calls in total with 100 in flight, ``notifications``
#: notifications pushed by one ``flood`` call, ``inflight10k`` calls in flight at
#: once. ``warmup`` is a fraction of each timed count run first, untimed.
FULL_SIZES: Final[dict[str, Any]] = {
    "connect": 40,
    "inflight10k": 10_000,
    "ping": 5_000,
    "camera_list": 2_000,
    "inflight100": 30_000,
    "inflight_window": 100,
    "notifications": 100_000,
    "core_calls": 50_000,
    "warmup": 0.1,
}
QUICK_SIZES: Final[dict[str, Any]] = {
    "connect": 3,
    "inflight10k": 1_000,
    "ping": 300,
    "camera_list": 200,
    "inflight100": 2_000,
    "inflight_window": 100,
    "notifications": 5_000,
    "core_calls": 5_000,
    "warmup": 0.1,
}

#: The token every client authenticates with (the benchmark server accepts any).
TOKEN: Final = "benchmark-token"

#: The method name of the flood notifications: a subscription topic, so that
#: the SDK's event delivery (filter, buffer, iterator) is what is measured and
#: not the typed decoding of ``camera_status_update`` into its cache.
FLOOD_METHOD: Final = "recording.progress"
FLOOD_PARAMS: Final[dict[str, Any]] = {
    "device": "camera0",
    "filename": "camera0_2025-01-01_12-00-00.mp4",
    "progress": 42,
}

#: The ``authenticate`` result of the current dialect.
AUTH_RESULT: Final[dict[str, Any]] = {
    "authenticated": True,
    "role": "admin",
    "permissions": ["view", "control", "admin"],
    "expires_at": "2099-01-01T00:00:00Z",
    "session_id": "bench-session",
}


def camera(index: int) -> dict[str, Any]:
    """One connected camera as the current service describes it."""
    path = f"camera{index}"
    return {
        "device": path,
        "status": "CONNECTED",
        "name": f"USB Camera {index}",
        "resolution": "1920x1080",
        "fps": 30,
        "streams": {
            "rtsp": f"rtsp://127.0.0.1:8554/{path}",
            "hls": f"http://127.0.0.1:8888/{path}",
            "webrtc": f"http://127.0.0.1:8889/{path}",
        },
    }


#: The ``get_camera_list`` result: 10 cameras, about 2 KB of JSON.
CAMERA_LIST: Final[dict[str, Any]] = {
    "cameras": [camera(i) for i in range(10)],
    "total": 10,
    "connected": 10,
}


def request(call_id: int, method: str, params: dict[str, Any] | None = None) -> str:
    """A JSON-RPC request as a raw client writes it by hand."""
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": call_id}
    if params:
        message["params"] = params
    return json.dumps(message, separators=(",", ":"))


def pin_to(cpu: int | None) -> None:
    """Pin this process to one CPU (Linux ``sched_setaffinity``); None: leave it unpinned."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def rss_bytes() -> int | None:
    """This process's resident memory now (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def warmup(n: int, sizes: dict[str, Any]) -> int:
    """How many untimed calls come before ``n`` timed ones."""
    return max(1, int(n * sizes["warmup"]))


def median(values: list[float]) -> float:
    """The median of a non-empty list."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def hold_result(
    n: int,
    completed: int,
    start: float,
    traced: int,
    idle: int,
    rss: int | None,
    rss_after: int | None,
) -> dict[str, Any]:
    """The figures of a hold workload (``inflight10k``).

    ``bytes_per_call``: every Python allocation alive while the calls are in
    flight, including the task (or thread) the application holds each call in;
    ``task_bytes_per_call``: what the same number of idle tasks (threads)
    waiting on an event cost alone (``idle``; 0 for a client that pipelines
    its calls from one task); ``client_bytes_per_call``: the difference, what
    the client library itself holds per call in flight.
    """
    if completed != n:
        raise RuntimeError(f"only {completed} of {n} calls completed")
    return {
        "calls": n,
        "completed": completed,
        "seconds": time.perf_counter() - start,
        "bytes_per_call": traced / n,
        "task_bytes_per_call": idle / n,
        "client_bytes_per_call": (traced - idle) / n,
        "rss_bytes_per_call": None if rss is None or rss_after is None else (rss_after - rss) / n,
    }


def emit(result: dict[str, Any]) -> None:
    """Write a runner's result as the last line of stdout (run.py parses it)."""
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()
