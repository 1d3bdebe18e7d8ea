"""A raw WebSocket JSON-RPC client for the emulator's own tests (not the SDK)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from websockets.sync.client import ClientConnection, connect

from mediamtx_camera_sdk.testing import CameraServiceEmulator

#: Seconds any single wait in these tests may take before the test fails.
WAIT = 5.0


class RawClient:
    """A minimal JSON-RPC client over a synchronous ``websockets`` connection."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self._stack = contextlib.ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(
            connect(url, open_timeout=WAIT, **kwargs)
        )
        self.next_id = 0
        self.notifications: list[dict[str, Any]] = []
        self.other: list[Any] = []  # replies to ids we did not wait for, null-id errors

    def send(self, message: Any) -> None:
        """Send a JSON value (or a str/bytes frame as is)."""
        if isinstance(message, (str, bytes)):
            self.ws.send(message)
        else:
            self.ws.send(json.dumps(message))

    def recv(self, timeout: float = WAIT) -> Any:
        """The next frame, parsed."""
        return json.loads(self.ws.recv(timeout=timeout))

    def request(self, method: str, params: Any = None, *, rid: Any = None) -> Any:
        """Send a request; returns its id."""
        if rid is None:
            self.next_id += 1
            rid = self.next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return rid

    def reply(self, rid: Any, timeout: float = WAIT) -> dict[str, Any]:
        """Read frames until the reply to ``rid`` (notifications are kept aside)."""
        while True:
            message = self.recv(timeout)
            if isinstance(message, dict) and "id" not in message and "method" in message:
                self.notifications.append(message)
            elif isinstance(message, dict) and message.get("id") == rid:
                return message
            else:
                self.other.append(message)

    def call(self, method: str, params: Any = None) -> dict[str, Any]:
        """Send a request and return the whole reply."""
        return self.reply(self.request(method, params))

    def result(self, method: str, params: Any = None) -> Any:
        """Send a request and return its result (fails the test on an error)."""
        reply = self.call(method, params)
        assert "error" not in reply, reply
        assert reply["jsonrpc"] == "2.0"
        return reply["result"]

    def error(self, method: str, params: Any = None) -> dict[str, Any]:
        """Send a request and return its error object (fails the test on a result)."""
        reply = self.call(method, params)
        assert "error" in reply, reply
        assert "result" not in reply
        return dict(reply["error"])

    def notification(
        self, method: str, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """Wait for a notification ``method`` (whose params satisfy ``where``); returns params."""
        while True:
            for index, message in enumerate(self.notifications):
                if message["method"] == method and (where is None or where(message["params"])):
                    del self.notifications[index]
                    return dict(message["params"])
            message = self.recv()
            if isinstance(message, dict) and "id" not in message and "method" in message:
                self.notifications.append(message)
            else:
                self.other.append(message)

    def drain_to_ping(self) -> None:
        """Round-trip a ping: every frame queued for us before it is then in ``notifications``."""
        assert self.call("ping")["result"] == "pong"

    def close(self) -> None:
        """Close the connection."""
        self._stack.close()


def make_emulator(**kwargs: Any) -> CameraServiceEmulator:
    """An emulator with test-friendly defaults (no idle timeout, fast recordings).

    These tests check the documented current service unless they ask for
    ``behaviour="observed"`` (``test_emulator_observed.py`` does).
    """
    kwargs.setdefault("idle_timeout", None)
    kwargs.setdefault("time_scale", 0.05)
    if kwargs.get("dialect", "current") == "current":
        kwargs.setdefault("behaviour", "documented")
    return CameraServiceEmulator(**kwargs)


class _ThreadedWebSocket:
    """The sync client behind an async face, for trio where ``websockets.trio`` is missing."""

    def __init__(self, ws: ClientConnection) -> None:
        import anyio

        self.ws = ws
        self.limiter = anyio.CapacityLimiter(2)  # one reader and one writer at a time

    async def send(self, message: str | bytes) -> None:
        import anyio.to_thread

        await anyio.to_thread.run_sync(self.ws.send, message, limiter=self.limiter)

    async def recv(self) -> str | bytes:
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.ws.recv, WAIT, limiter=self.limiter)


@contextlib.asynccontextmanager
async def async_client(backend: str, url: str) -> AsyncIterator[Any]:
    """A raw async ``websockets`` client for the running anyio backend.

    asyncio: ``websockets.asyncio``; trio: ``websockets.trio`` (websockets >= 15),
    else the sync client driven from worker threads.
    """
    if backend == "asyncio":
        from websockets.asyncio.client import connect as connect_asyncio

        async with connect_asyncio(url, open_timeout=WAIT) as ws:
            yield ws
        return
    try:
        from websockets.trio.client import connect as connect_trio
    except ImportError:
        import anyio.to_thread

        sync_ws = await anyio.to_thread.run_sync(lambda: connect(url, open_timeout=WAIT))
        try:
            with sync_ws:
                yield _ThreadedWebSocket(sync_ws)
        finally:
            await anyio.to_thread.run_sync(sync_ws.close)
        return
    async with connect_trio(url, open_timeout=WAIT) as ws:
        yield ws
