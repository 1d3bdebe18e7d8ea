"""Helpers of the lifecycle suite: leak counters, a silent server, frame counters.

Leaks are counted from the outside, without the SDK's internals:

* threads: every thread of the sync client (and any the async client starts)
  is named ``mediamtx-sdk-*`` (``threading.enumerate()``);
* tasks: the async client's background tasks are the tasks of the running
  event loop (asyncio) or of the trio run (every task, system tasks included)
  whose coroutine is SDK code (``mediamtx_camera_sdk``, not its ``testing``
  package, which runs on threads of its own anyway).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
import sniffio

import mediamtx_camera_sdk

_SDK_DIR = str(Path(mediamtx_camera_sdk.__file__).resolve().parent)
_TESTING_DIR = str(Path(_SDK_DIR) / "testing")

#: A generous bound for anything that must not hang (the behaviour is far faster).
HANG = 10.0


# ----------------------------------------------------------------- leak counting


def sdk_threads() -> list[str]:
    """Names of the live threads the SDK started."""
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("mediamtx-sdk"))


def _is_sdk_code(coro: Any) -> bool:
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is None:
        return False
    filename = str(Path(code.co_filename).resolve())
    return filename.startswith(_SDK_DIR) and not filename.startswith(_TESTING_DIR)


def _coro_name(coro: Any) -> str:
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    return getattr(code, "co_qualname", repr(coro))


def sdk_tasks() -> list[str]:
    """Names of the tasks of the current event loop (or trio run) running SDK code.

    Call it from inside the loop (an ``async def`` test, a portal call).
    """
    if sniffio.current_async_library() == "asyncio":
        import asyncio

        current = asyncio.current_task()
        return sorted(
            _coro_name(task.get_coro())
            for task in asyncio.all_tasks()
            if task is not current and not task.done() and _is_sdk_code(task.get_coro())
        )
    import trio

    found: list[str] = []
    stack = [trio.lowlevel.current_root_task()]
    current_trio = trio.lowlevel.current_task()
    while stack:
        task = stack.pop()
        if task is None:
            continue
        if task is not current_trio and _is_sdk_code(task.coro):
            found.append(_coro_name(task.coro))
        for nursery in task.child_nurseries:
            stack.extend(nursery.child_tasks)
    return sorted(found)


async def wait_until(
    predicate: Callable[[], Any], what: str, timeout: float = HANG, *, poll: float = 0.005
) -> Any:
    """Re-check ``predicate`` until it holds (states nothing signals); fail after ``timeout``."""
    with anyio.move_on_after(timeout):
        while True:
            value = predicate()
            if value:
                return value
            await anyio.sleep(poll)
    pytest.fail(f"{what}: still not true after {timeout} s")


async def assert_nothing_left(
    kind: str, emu: Any = None, *, baseline_tasks: list[str] | None = None, timeout: float = 5.0
) -> None:
    """No SDK thread, no SDK task (async client) and no open emulator connection is left."""
    await wait_until(lambda: not sdk_threads(), f"SDK threads left: {sdk_threads()}", timeout)
    if kind == "async":
        base = baseline_tasks or []

        def tasks_gone() -> bool:
            return len(sdk_tasks()) <= len(base)

        await wait_until(tasks_gone, f"SDK tasks left: {sdk_tasks()}", timeout)
    if emu is not None:
        await wait_until(
            lambda: not any(r.open for r in emu.connections()),
            "the server still sees an open connection",
            timeout,
        )


# ----------------------------------------------------------------- frames


def sent_requests(emu: Any, method: str | None = None) -> list[dict[str, Any]]:
    """Every request the clients sent the emulator (of ``method``), over all connections."""
    requests: list[dict[str, Any]] = []
    for record in sorted(emu.connections(), key=lambda r: r.id):
        for frame in record.sent:
            if not isinstance(frame, str):
                continue
            try:
                message = json.loads(frame)
            except ValueError:
                continue
            if isinstance(message, dict) and (method is None or message.get("method") == method):
                requests.append(message)
    return requests


def frame_count(emu: Any) -> int:
    """How many frames the clients sent the emulator so far (all connections)."""
    return sum(len(record.sent) for record in emu.connections())


# ----------------------------------------------------------------- a silent server


class SilentServer:
    """A TCP listener on 127.0.0.1 that accepts connections and never sends anything.

    A WebSocket (or TLS) handshake against it never completes: the client's
    ``open_timeout`` is all that ends an attempt. ``accepted`` counts the
    connections (one per connection attempt of a client).
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._lock = threading.Condition()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self.accepted = 0

    def url(self, scheme: str = "ws") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/ws"

    def start(self) -> None:
        self._thread.start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._held.append(conn)
                self.accepted += 1
                self._lock.notify_all()

    def wait_for_accepted(self, count: int, timeout: float = HANG) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self.accepted >= count, timeout)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(5)
        self._listener.close()
        with self._lock:
            for conn in self._held:
                conn.close()
            self._held.clear()


# ----------------------------------------------------------------- timing


class Stopwatch:
    """``with Stopwatch() as watch: ...``; ``watch.elapsed`` in seconds."""

    def __enter__(self) -> Stopwatch:
        self.start = time.monotonic()
        self.elapsed = 0.0
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.elapsed = time.monotonic() - self.start


def state_name(client: Any) -> str:
    """The client's documented connection state as a lower-case string (``"failed"``, ...)."""
    state = client.state
    value = getattr(state, "value", state)
    return str(value).lower()


# ----------------------------------------------------------------- sockets

#: /proc/net/tcp states of a socket still open on our side: ESTABLISHED, SYN_SENT, CLOSE_WAIT.
_OPEN_STATES = frozenset({"01", "02", "08"})


def open_sockets_to(port: int) -> int:
    """How many TCP sockets on this machine connect *to* ``port`` and are still open here.

    Read from ``/proc/net/tcp{,6}`` (Linux): the client's sockets to a proxy or
    server listening on ``port`` (the listener's own sockets have it as their
    local port and are not counted). A socket the client closed is in
    FIN_WAIT/TIME_WAIT and is not counted either.
    """
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as lines:
                next(lines, None)
                for line in lines:
                    fields = line.split()
                    if len(fields) < 4:
                        continue
                    remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                    if remote_port == port and fields[3] in _OPEN_STATES:
                        count += 1
        except OSError:
            continue
    return count
