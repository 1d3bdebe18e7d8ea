"""``CameraClient`` with calling tasks that read the connection (the trio fast path).

On trio a plain ``ws://`` connection uses :mod:`._trio_transport`: a task
waiting for its reply reads the socket itself when no other task does and hands
everything it reads to the client. These tests drive a scripted JSON-RPC server
through the situations that path must get right: replies out of order,
notifications read by a caller, a reading caller cancelled mid-message, the
reader task taking over when callers leave, the server closing while a caller
reads, and a server that stops reading. Every test also runs on asyncio (whose
transport delivers from ``data_received``): the behaviour is the same.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode

from mediamtx_camera_sdk import CallTimeoutError, CameraClient, ClientClosedError, ConnectionError
from mediamtx_camera_sdk._async._trio_transport import TrioTransport

pytestmark = pytest.mark.anyio

#: Methods the server answers at once (result: the params echoed back).
AUTO = "auto"


class ScriptServer:
    """A JSON-RPC server driven by the test, on its own loop in a thread.

    Requests whose method is :data:`AUTO` are answered at once; every other
    request is queued for the test (:meth:`requests`), which answers, notifies,
    writes raw bytes, stops reading or closes as the scenario needs.
    """

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._reading: asyncio.Event | None = None
        self._ws: ServerConnection | None = None
        self._requests: queue.Queue[dict[str, Any]] = queue.Queue()
        self.port = 0
        self._thread = threading.Thread(target=self._run, name="script-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("script server did not start")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._reading = asyncio.Event()
        self._reading.set()
        # max_queue=1: when the handler stops reading, TCP pushes back soon.
        async with serve(
            self._handler, "127.0.0.1", 0, compression=None, max_size=None, max_queue=1
        ) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    async def _handler(self, ws: ServerConnection) -> None:
        self._ws = ws
        assert self._reading is not None
        try:
            while True:
                await self._reading.wait()
                request = json.loads(await ws.recv())
                if request.get("method") == AUTO:
                    reply = {"jsonrpc": "2.0", "id": request["id"], "result": request["params"]}
                    await ws.send(json.dumps(reply))
                else:
                    self._requests.put(request)
        except ConnectionClosed:
            pass

    def _do(self, func: Any) -> Any:
        """Run ``func()`` (a coroutine function) on the server's loop and wait for it."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(func(), self._loop).result(10)

    # -- what a test asks of the server (blocking: call through to_thread) --

    def requests(self, n: int) -> list[dict[str, Any]]:
        """The next ``n`` requests not answered automatically."""
        return [self._requests.get(timeout=10) for _ in range(n)]

    def write(self, *messages: dict[str, Any], raw: bytes = b"") -> None:
        """Write these messages as text frames, then ``raw`` bytes, in one write."""
        data = b"".join(
            Frame(Opcode.TEXT, json.dumps(m).encode()).serialize(mask=False) for m in messages
        )

        async def go() -> None:
            assert self._ws is not None
            self._ws.transport.write(data + raw)

        self._do(go)

    def close(self, code: int = 1001) -> None:
        async def go() -> None:
            assert self._ws is not None
            await self._ws.close(code, "going away")

        self._do(go)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""

        async def go() -> None:
            assert self._ws is not None
            self._ws.transport.abort()

        self._do(go)

    def ping_then_reply(self, request: dict[str, Any], result: Any) -> None:
        """Send a WebSocket ping; answer ``request`` only once the pong came back."""

        async def go() -> None:
            assert self._ws is not None
            pong = await self._ws.ping()
            await asyncio.wait_for(pong, 5)
            await self._ws.send(json.dumps(reply(request, result)))

        self._do(go)

    def stop_reading(self) -> None:
        async def go() -> None:
            assert self._reading is not None
            self._reading.clear()

        self._do(go)

    def resume_reading(self) -> None:
        async def go() -> None:
            assert self._reading is not None
            self._reading.set()

        self._do(go)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def reply(request: dict[str, Any], result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request["id"], "result": result}


def status(device: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "method": "camera_status_update",
        "params": {"device": device, "status": "CONNECTED"},
    }


@pytest.fixture
def server() -> Iterator[ScriptServer]:
    srv = ScriptServer()
    yield srv
    srv.stop()


def make_client(server: ScriptServer, **kwargs: Any) -> CameraClient:
    settings: dict[str, Any] = {
        "url": server.url,
        "dialect": "current",
        "heartbeat_interval": None,
        "reconnect": False,
    }
    settings.update(kwargs)
    return CameraClient(**settings)


async def server_requests(server: ScriptServer, n: int) -> list[dict[str, Any]]:
    return await anyio.to_thread.run_sync(server.requests, n)


async def test_the_fast_path_is_used_on_trio(server: ScriptServer, anyio_backend: str) -> None:
    async with make_client(server) as client:
        assert isinstance(client._transport, TrioTransport) == (anyio_backend == "trio")
        with anyio.fail_after(10):
            assert await client.call(AUTO, {"n": 1}) == {"n": 1}


async def test_concurrent_callers_get_their_own_replies_out_of_order(
    server: ScriptServer,
) -> None:
    results: dict[int, Any] = {}

    async def caller(i: int) -> None:
        results[i] = await client.call("slow", {"i": i})

    with anyio.fail_after(10):
        async with make_client(server) as client, anyio.create_task_group() as tg:
            for i in range(5):
                tg.start_soon(caller, i)
            requests = await server_requests(server, 5)
            by_i = {r["params"]["i"]: r for r in requests}
            # Reversed, split over two writes: the first caller to read
            # completes others' calls before its own.
            await anyio.to_thread.run_sync(
                lambda: server.write(*(reply(by_i[i], f"r{i}") for i in (4, 3, 2)))
            )
            await anyio.to_thread.run_sync(
                lambda: server.write(*(reply(by_i[i], f"r{i}") for i in (1, 0)))
            )
    assert results == {i: f"r{i}" for i in range(5)}


async def test_many_callers_with_replies_in_shuffled_batches(server: ScriptServer) -> None:
    n = 300
    results: dict[int, Any] = {}

    async def caller(i: int) -> None:
        results[i] = await client.call("slow", {"i": i})

    with anyio.fail_after(30):
        async with make_client(server) as client, anyio.create_task_group() as tg:
            for i in range(n):
                tg.start_soon(caller, i)
            requests = await server_requests(server, n)
            # A fixed shuffle (every 7th, wrapping), in batches of 37.
            order = [requests[(k * 7) % n] for k in range(n)]
            for start in range(0, n, 37):
                batch = order[start : start + 37]
                await anyio.to_thread.run_sync(
                    lambda b=batch: server.write(*(reply(r, r["params"]["i"]) for r in b))
                )
    assert results == {i: i for i in range(n)}


async def test_a_notification_read_by_a_caller_reaches_handlers_and_events(
    server: ScriptServer,
) -> None:
    handled: list[str] = []
    handled_event = anyio.Event()

    async def handler(event: Any) -> None:
        handled.append(event.params["device"])
        handled_event.set()

    with anyio.fail_after(10):
        async with make_client(server) as client:
            client.on("camera_status_update", handler)
            events = client.events("camera_status_update")
            async with anyio.create_task_group() as tg:
                result: list[Any] = []

                async def caller() -> None:
                    result.append(await client.call("slow", {}))

                tg.start_soon(caller)
                (request,) = await server_requests(server, 1)
                # The notification and the reply in one read: whoever reads the
                # reply reads the notification too.
                await anyio.to_thread.run_sync(
                    lambda: server.write(status("camera7"), reply(request, "done"))
                )
            assert result == ["done"]
            event = await events.__anext__()
            assert event.params["device"] == "camera7"
            await handled_event.wait()
            assert handled == ["camera7"]


async def test_notifications_while_no_call_is_in_flight_are_delivered(
    server: ScriptServer,
) -> None:
    with anyio.fail_after(10):
        async with make_client(server) as client:
            events = client.events("camera_status_update")
            # Calls come and go (each caller reads its own reply) ...
            for i in range(20):
                assert await client.call(AUTO, {"i": i}) == {"i": i}
            # ... then, with no call in flight, the reader task reads.
            for i in range(3):
                await anyio.to_thread.run_sync(lambda i=i: server.write(status(f"cam{i}")))
                event = await events.__anext__()
                assert event.params["device"] == f"cam{i}"


async def test_cancelled_reading_caller_loses_nothing(
    server: ScriptServer, anyio_backend: str
) -> None:
    with anyio.fail_after(10):
        async with make_client(server) as client:
            events = client.events("camera_status_update")
            outcome: dict[str, Any] = {}
            first_scope = anyio.CancelScope()

            async def first() -> None:
                with first_scope:
                    await client.call("slow", {"who": "first"})
                outcome["first_cancelled"] = first_scope.cancelled_caught

            async def second() -> None:
                outcome["second"] = await client.call("slow", {"who": "second"})

            async with anyio.create_task_group() as tg:
                tg.start_soon(first)
                first_request = (await server_requests(server, 1))[0]
                tg.start_soon(second)
                second_request = (await server_requests(server, 1))[0]
                assert first_request["params"] == {"who": "first"}
                # A notification and the first half of the second call's reply:
                # read by whoever holds the reader role (the first caller).
                frame = Frame(Opcode.TEXT, json.dumps(reply(second_request, "ok")).encode())
                data = frame.serialize(mask=False)
                await anyio.to_thread.run_sync(lambda: server.write(status("camA"), raw=data[:10]))
                event = await events.__anext__()
                assert event.params["device"] == "camA"
                await anyio.wait_all_tasks_blocked()
                transport = client._transport
                if anyio_backend == "trio":
                    # The partial frame was read and is buffered in the session.
                    assert isinstance(transport, TrioTransport)
                    assert transport._session._buf == data[:10]
                first_scope.cancel()
                # The rest of the frame: the second caller (or the reader task)
                # takes over and completes the reply from both halves.
                await anyio.to_thread.run_sync(lambda: server.write(raw=data[10:]))
            assert outcome == {"first_cancelled": True, "second": "ok"}
            # The connection is still in order.
            assert await client.call(AUTO, {"x": 1}) == {"x": 1}


async def test_the_reader_task_takes_over_from_a_cancelled_lone_caller(
    server: ScriptServer,
) -> None:
    with anyio.fail_after(10):
        async with make_client(server) as client:
            events = client.events("camera_status_update")
            with anyio.CancelScope() as scope:

                async def cancel_when_sent() -> None:
                    await server_requests(server, 1)
                    await anyio.wait_all_tasks_blocked()
                    scope.cancel()

                async with anyio.create_task_group() as tg:
                    tg.start_soon(cancel_when_sent)
                    await client.call("slow", {})  # the only caller: it reads
            assert scope.cancelled_caught
            # Nobody calls any more: the reader task reads the notification.
            await anyio.to_thread.run_sync(lambda: server.write(status("camZ")))
            assert (await events.__anext__()).params["device"] == "camZ"


async def test_a_parked_caller_cancelled_leaves_the_reading_caller_alone(
    server: ScriptServer,
) -> None:
    with anyio.fail_after(10):
        async with make_client(server) as client:
            outcome: dict[str, Any] = {}
            parked_scope = anyio.CancelScope()

            async def reading() -> None:
                outcome["reading"] = await client.call("slow", {"who": "reading"})

            async def parked() -> None:
                with parked_scope:
                    await client.call("slow", {"who": "parked"})
                outcome["parked_cancelled"] = parked_scope.cancelled_caught

            async with anyio.create_task_group() as tg:
                tg.start_soon(reading)
                (first,) = await server_requests(server, 1)
                tg.start_soon(parked)
                await server_requests(server, 1)
                await anyio.wait_all_tasks_blocked()
                parked_scope.cancel()
                await anyio.wait_all_tasks_blocked()
                await anyio.to_thread.run_sync(lambda: server.write(reply(first, "mine")))
            assert outcome == {"reading": "mine", "parked_cancelled": True}
            assert await client.call(AUTO, {"x": 2}) == {"x": 2}


async def test_a_server_ping_is_answered_by_the_reading_caller(server: ScriptServer) -> None:
    with anyio.fail_after(10):
        async with make_client(server) as client:
            result: list[Any] = []

            async def caller() -> None:
                result.append(await client.call("slow", {}))

            async with anyio.create_task_group() as tg:
                tg.start_soon(caller)
                (request,) = await server_requests(server, 1)
                # The reply comes only after our pong reached the server.
                await anyio.to_thread.run_sync(lambda: server.ping_then_reply(request, "ponged"))
            assert result == ["ponged"]


async def test_disconnect_from_another_task_while_a_caller_reads(server: ScriptServer) -> None:
    with anyio.fail_after(10):
        client = make_client(server)
        await client.connect()
        failures: list[BaseException] = []

        async def caller() -> None:
            try:
                await client.call("slow", {})
            except ConnectionError as exc:
                failures.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(caller)
            await server_requests(server, 1)
            await client.disconnect()
        assert len(failures) == 1
        assert "disconnected" in str(failures[0])
        with pytest.raises(ClientClosedError):
            await client.call(AUTO, {})
        assert not client.connected


async def test_a_reading_caller_times_out_and_others_go_on(server: ScriptServer) -> None:
    with anyio.fail_after(10):
        async with make_client(server) as client:
            # Nobody else reads: the waiting caller holds the reader role.
            with pytest.raises(CallTimeoutError):
                await client.call("never", {}, timeout=0.2)
            (request,) = await server_requests(server, 1)
            assert request["method"] == "never"
            assert await client.call(AUTO, {"after": True}) == {"after": True}


@pytest.mark.parametrize(
    ("end", "reason"),
    [("close", "1001"), ("abort", "lost")],
    ids=["server-closes", "connection-dropped"],
)
async def test_connection_ending_while_a_caller_reads(
    server: ScriptServer, end: str, reason: str
) -> None:
    with anyio.fail_after(10):
        async with make_client(server) as client:
            events = client.events("sdk.connection_lost")
            failures: list[BaseException] = []

            async def caller() -> None:
                try:
                    await client.call("slow", {})
                except ConnectionError as exc:
                    failures.append(exc)

            async with anyio.create_task_group() as tg:
                tg.start_soon(caller)
                await server_requests(server, 1)
                await anyio.to_thread.run_sync(getattr(server, end))
            assert len(failures) == 1
            assert reason in str(failures[0])
            assert (await events.__anext__()).method == "sdk.connection_lost"
            if end == "close":
                assert not client.connected


async def test_calls_time_out_when_the_server_stops_reading(server: ScriptServer) -> None:
    big = "z" * (256 * 1024)
    with anyio.fail_after(30):
        async with make_client(server) as client:
            assert await client.call(AUTO, {"warm": 1}) == {"warm": 1}
            await anyio.to_thread.run_sync(server.stop_reading)
            timed_out = 0

            async def caller(i: int) -> None:
                nonlocal timed_out
                try:
                    await client.call(AUTO, {"i": i, "pad": big}, timeout=1.0)
                except CallTimeoutError:
                    timed_out += 1

            # 16 MiB: more than the socket buffers hold, so senders must wait.
            async with anyio.create_task_group() as tg:
                for i in range(64):
                    tg.start_soon(caller, i)
            assert timed_out > 0
            # Once the server reads again, the frames queued meanwhile go out
            # whole (a torn frame would fail the connection) and calls work.
            await anyio.to_thread.run_sync(server.resume_reading)
            assert await client.call(AUTO, {"end": 1}, timeout=20) == {"end": 1}
