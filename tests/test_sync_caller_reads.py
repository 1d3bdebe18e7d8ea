"""SyncCameraClient's caller-reads design: the threads waiting for replies read the socket.

A caller waiting for its reply reads the connection itself while no other
thread does (the read role); the reader thread stands by while calls are made
and reads when none are. These tests drive a scripted JSON-RPC server that
answers only when told to, so the order of replies, notifications, closes and
silences is chosen by the test, and record which thread read each frame.

``STANDBY`` is raised to a minute where a test needs the callers to be the
only readers after a first call (the reader thread then stands by for the
whole test), and left as it is where the reader thread must read. Nothing
here sleeps to wait for something, and nothing asserts on timing.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.server import ServerConnection, serve

from mediamtx_camera_sdk import (
    CallTimeoutError,
    ConnectionError,
    Notification,
    SyncCameraClient,
)
from mediamtx_camera_sdk._sync import _transport
from mediamtx_camera_sdk._sync import client as client_module
from mediamtx_camera_sdk._sync._transport import SyncTransport

WAIT = 10.0  # seconds: an upper bound for things that happen in milliseconds
READER = "mediamtx-sdk-reader"


class Request:
    """One request the server received, answerable from the test."""

    def __init__(self, conn: ServerConnection, message: dict[str, Any]) -> None:
        self.conn = conn
        self.id = message["id"]
        self.method: str = message["method"]
        self.params: Any = message.get("params")

    def reply(self, result: Any) -> None:
        self.conn.send(json.dumps({"jsonrpc": "2.0", "id": self.id, "result": result}))


class ScriptedServer:
    """A JSON-RPC WebSocket server that answers ``ping`` (and an empty camera list).

    Every other request is held.

    Held requests arrive in :attr:`requests` (in order); the test answers them
    with :meth:`Request.reply`, pushes notifications with :meth:`notify` and
    ends connections with :meth:`close_all`. :attr:`connections` counts the
    connections accepted.
    """

    def __init__(self) -> None:
        self.requests: queue.Queue[Request] = queue.Queue()
        self.connections: queue.Queue[ServerConnection] = queue.Queue()
        self._live: list[ServerConnection] = []
        self._lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None, ping_interval=None)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/ws"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, conn: ServerConnection) -> None:
        with self._lock:
            self._live.append(conn)
        self.connections.put(conn)
        try:
            for text in conn:
                message = json.loads(text)
                if message["method"] == "ping":
                    Request(conn, message).reply("pong")
                elif message["method"] == "get_camera_list":  # the resync after a reconnect
                    Request(conn, message).reply({"cameras": [], "total": 0, "connected": 0})
                else:
                    self.requests.put(Request(conn, message))
        except Exception:  # the client went away: nothing to serve
            pass
        finally:
            with self._lock:
                self._live.remove(conn)

    def next_request(self) -> Request:
        return self.requests.get(timeout=WAIT)

    def notify(self, method: str, params: dict[str, Any]) -> None:
        text = json.dumps({"jsonrpc": "2.0", "method": method, "params": params})
        with self._lock:
            live = list(self._live)
        for conn in live:
            conn.send(text)

    def close_all(self, code: int = 1001) -> None:
        with self._lock:
            live = list(self._live)
        for conn in live:
            conn.close(code, "going away")

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(WAIT)


class ReadLog:
    """Records, per thread, what ``SyncTransport.receive`` returned or raised."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.frames: queue.Queue[tuple[str, str | bytes]] = queue.Queue()
        self.errors: queue.Queue[tuple[str, BaseException]] = queue.Queue()
        #: One item each time the reader thread enters receive() (holding the read role).
        self.reader_entered: queue.Queue[None] = queue.Queue()
        original = SyncTransport.receive
        log = self

        def receive(self: SyncTransport, timeout: float | None = None) -> list[str | bytes]:
            name = threading.current_thread().name
            if name == READER:
                log.reader_entered.put(None)
            try:
                frames = original(self, timeout)
            except BaseException as exc:
                log.errors.put((name, exc))
                raise
            for frame in frames:
                log.frames.put((name, frame))
            return frames

        monkeypatch.setattr(SyncTransport, "receive", receive)

    def drain(self) -> list[tuple[str, str | bytes]]:
        """Every (thread name, frame) logged since the last drain."""
        out = []
        while not self.frames.empty():
            out.append(self.frames.get())
        return out

    def readers_of(self, needle: str) -> list[str]:
        """The threads that received a frame containing ``needle`` (drains the log)."""
        return [n for n, f in self.drain() if isinstance(f, str) and needle in f]


@pytest.fixture(autouse=True)
def _no_sdk_thread_left() -> Iterator[None]:
    yield
    left = [t.name for t in threading.enumerate() if t.name.startswith("mediamtx-sdk-")]
    assert left == []


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    yield srv
    srv.stop()


@pytest.fixture
def long_standby(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the first call the reader thread stands by for the whole test."""
    monkeypatch.setattr(client_module, "STANDBY", 60.0)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> ReadLog:
    return ReadLog(monkeypatch)


def make_client(server: ScriptedServer, **kwargs: Any) -> SyncCameraClient:
    kwargs.setdefault("timeout", WAIT)
    kwargs.setdefault("heartbeat_interval", None)
    return SyncCameraClient(url=server.url, dialect="current", **kwargs)


class Caller:
    """Runs ``client.call(method, params, timeout)`` in a named thread; keeps the outcome."""

    def __init__(
        self,
        client: SyncCameraClient,
        method: str,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        name: str = "test-caller",
    ) -> None:
        self.outcome: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()

        def run() -> None:
            try:
                self.outcome = client.call(method, params, timeout=timeout)
            except BaseException as exc:  # reported to the test
                self.error = exc
            finally:
                self.done.set()

        self.thread = threading.Thread(target=run, name=name, daemon=True)
        self.thread.start()

    def result(self) -> Any:
        assert self.done.wait(WAIT), "the call did not end"
        self.thread.join(WAIT)
        if self.error is not None:
            raise self.error
        return self.outcome


# ------------------------------------------------------------------ concurrent callers


@pytest.mark.usefixtures("long_standby")
def test_concurrent_callers_each_get_their_own_reply_out_of_order(
    server: ScriptedServer, reads: ReadLog
) -> None:
    with make_client(server) as client:
        assert client.ping() == "pong"  # from here on only callers read
        callers = [Caller(client, "work", {"n": n}, name=f"test-caller-{n}") for n in range(6)]
        requests = [server.next_request() for _ in callers]
        for request in reversed(requests):  # the last asked is answered first
            request.reply({"n": request.params["n"], "answer": request.params["n"] * 10})
        for n, caller in enumerate(callers):
            assert caller.result() == {"n": n, "answer": n * 10}
        readers = reads.readers_of('"answer"')
        assert len(readers) == len(callers)
        assert set(readers) <= {f"test-caller-{n}" for n in range(6)}
        assert client._protocol.pending_count == 0
        assert client.ping() == "pong"


def test_many_threads_many_calls(server: ScriptedServer) -> None:
    """Threads calling back to back hand the read role around; every call completes."""
    threads, per_thread = 8, 50
    with make_client(server) as client:
        failures: queue.Queue[BaseException] = queue.Queue()

        def worker() -> None:
            try:
                for _ in range(per_thread):
                    if client.ping() != "pong":
                        raise AssertionError("wrong ping result")
            except BaseException as exc:  # reported to the test
                failures.put(exc)

        workers = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(WAIT * 3)
        assert not any(thread.is_alive() for thread in workers)
        assert failures.empty(), failures.get()
        assert client.stats["calls_started"] >= threads * per_thread
        assert client._protocol.pending_count == 0


# ------------------------------------------------------------------ notifications


@pytest.mark.usefixtures("long_standby")
def test_a_notification_read_by_a_caller_reaches_handlers_and_events(
    server: ScriptedServer, reads: ReadLog
) -> None:
    handled: queue.Queue[Notification] = queue.Queue()
    client = make_client(server)
    client.on("test.tick", handled.put)
    with client, client.events("test.tick", timeout=WAIT) as stream:
        assert client.ping() == "pong"
        caller = Caller(client, "slow", name="test-caller")
        request = server.next_request()
        server.notify("test.tick", {"seq": 1})
        request.reply("slow-done")
        assert caller.result() == "slow-done"
        event = next(stream)
        assert (event.method, event.params) == ("test.tick", {"seq": 1})
        assert handled.get(timeout=WAIT).params == {"seq": 1}
        assert reads.readers_of("test.tick") == ["test-caller"]


def test_the_reader_thread_delivers_notifications_when_no_calls_are_made(
    server: ScriptedServer, reads: ReadLog
) -> None:
    with make_client(server) as client, client.events("test.tick", timeout=WAIT) as stream:
        assert client.ping() == "pong"
        server.notify("test.tick", {"seq": 1})
        assert next(stream).params == {"seq": 1}
        server.notify("test.tick", {"seq": 2})
        assert next(stream).params == {"seq": 2}
        assert reads.readers_of("test.tick") == [READER, READER]


@pytest.mark.usefixtures("long_standby")
def test_the_reader_thread_offers_the_role_to_a_waiting_caller(
    server: ScriptedServer, reads: ReadLog
) -> None:
    """A caller queued behind the reader thread reads its own reply after the reader's read."""
    with make_client(server) as client, client.events("test.tick", timeout=WAIT) as stream:
        # No call yet: the reader thread reads, and goes back to the socket.
        server.notify("test.tick", {"seq": 0})
        assert next(stream).params == {"seq": 0}
        reads.reader_entered.get(timeout=WAIT)
        reads.reader_entered.get(timeout=WAIT)  # in receive() again: it holds the role
        caller = Caller(client, "slow", name="test-caller")  # so this caller waits
        request = server.next_request()
        server.notify("test.tick", {"seq": 1})  # the reader reads it, offers the role
        assert next(stream).params == {"seq": 1}  # and stands by (a call started)
        request.reply("slow-done")
        assert caller.result() == "slow-done"
        log = reads.drain()
        assert [n for n, f in log if isinstance(f, str) and "test.tick" in f] == [READER, READER]
        assert [n for n, f in log if isinstance(f, str) and "slow-done" in f] == ["test-caller"]
        assert client.ping() == "pong"


# ------------------------------------------------------------------ timeouts


@pytest.mark.usefixtures("long_standby")
def test_a_caller_timing_out_while_reading_hands_the_role_to_a_waiting_caller(
    server: ScriptedServer, reads: ReadLog
) -> None:
    with make_client(server) as client, client.events("test.tick", timeout=WAIT) as stream:
        assert client.ping() == "pong"
        gone = Caller(client, "never", timeout=0.3, name="test-caller-timeout")
        server.next_request()  # never answered
        waiting = Caller(client, "later", name="test-caller-waiting")
        later = server.next_request()
        with pytest.raises(CallTimeoutError):
            gone.result()
        server.notify("test.tick", {"seq": 1})
        later.reply("later-done")
        assert waiting.result() == "later-done"
        assert next(stream).params == {"seq": 1}
        assert reads.readers_of("later-done") == ["test-caller-waiting"]
        assert client._protocol.pending_count == 0


def test_after_a_caller_timed_out_the_reader_thread_takes_over(
    server: ScriptedServer, reads: ReadLog
) -> None:
    with make_client(server) as client, client.events("test.tick", timeout=WAIT) as stream:
        assert client.ping() == "pong"
        with pytest.raises(CallTimeoutError):
            client.call("never", timeout=0.2)
        server.next_request()
        server.notify("test.tick", {"seq": 1})
        assert next(stream).params == {"seq": 1}
        assert reads.readers_of("test.tick") == [READER]
        assert client.ping() == "pong"


@pytest.mark.parametrize("standby", [60.0, 0.0], ids=["caller-reads", "reader-reads"])
def test_a_server_that_never_answers_times_out(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, standby: float
) -> None:
    """No call hangs, whether the caller or the reader thread holds the socket."""
    monkeypatch.setattr(client_module, "STANDBY", standby)
    with make_client(server) as client:
        assert client.ping() == "pong"
        for _ in range(2):
            with pytest.raises(CallTimeoutError):
                client.call("never", timeout=0.2)
            server.next_request()
        assert client.stats["timeouts"] == 2
        assert client._protocol.pending_count == 0
        assert client.ping() == "pong"


# ------------------------------------------------------------------ interruptions


@pytest.mark.usefixtures("long_standby")
def test_a_caller_interrupted_while_reading_releases_the_role_and_loses_nothing(
    server: ScriptedServer, reads: ReadLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KeyboardInterrupt (as in Jupyter) arrives while the caller waits for the network."""
    original = _transport._FrameReader._read_some
    me = threading.get_ident()
    interrupt = threading.Event()
    queued = threading.Event()

    def read_some(self: Any) -> int:
        if threading.get_ident() == me and interrupt.is_set():
            interrupt.clear()
            assert queued.wait(WAIT)
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(_transport._FrameReader, "_read_some", read_some)
    with make_client(server) as client, client.events("test.tick", timeout=WAIT) as stream:
        assert client.ping() == "pong"
        interrupt.set()
        other: list[Caller] = []
        other_requests: queue.Queue[Request] = queue.Queue()

        def start_another_caller() -> None:
            server.next_request()  # the interrupted caller's request: it holds the role
            other.append(Caller(client, "other", name="test-caller-other"))
            other_requests.put(server.next_request())  # sent, so queued for the role
            queued.set()

        starter = threading.Thread(target=start_another_caller)
        starter.start()
        with pytest.raises(KeyboardInterrupt):
            client.call("slow")
        starter.join(WAIT)
        assert client.stats["cancelled"] == 1
        server.notify("test.tick", {"seq": 1})
        other_requests.get(timeout=WAIT).reply("other-done")
        assert other[0].result() == "other-done"
        assert next(stream).params == {"seq": 1}
        assert reads.readers_of("other-done") == ["test-caller-other"]
        assert client.ping() == "pong"
        assert client._protocol.pending_count == 0


@pytest.mark.usefixtures("long_standby")
def test_a_caller_interrupted_while_waiting_passes_the_role_on(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller interrupted while it waits for a reply another thread reads."""
    original = client_module._Waiter.wait
    me = threading.get_ident()

    def wait(self: Any, timeout: float) -> bool:
        if threading.get_ident() == me:
            raise KeyboardInterrupt
        return original(self, timeout)

    with make_client(server) as client:
        assert client.ping() == "pong"
        reader = Caller(client, "first", name="test-caller-first")
        first = server.next_request()
        monkeypatch.setattr(client_module._Waiter, "wait", wait)
        with pytest.raises(KeyboardInterrupt):
            client.call("second")  # the role is held: this caller waits
        monkeypatch.setattr(client_module._Waiter, "wait", original)
        server.next_request()  # the second call's request, never answered
        first.reply("first-done")
        assert reader.result() == "first-done"
        assert client.stats["cancelled"] == 1
        assert client.ping() == "pong"


# ------------------------------------------------------------------ connection loss


@pytest.mark.usefixtures("long_standby")
def test_the_server_closing_while_a_caller_reads(server: ScriptedServer, reads: ReadLog) -> None:
    lost, back = threading.Event(), threading.Event()
    client = make_client(server, retry_delay=0.01, max_retry_delay=0.05)
    client.on_connection_lost = lost.set
    client.on_reconnected = back.set
    with client:
        assert client.ping() == "pong"
        server.connections.get(timeout=WAIT)
        caller = Caller(client, "slow", name="test-caller")
        server.next_request()
        server.close_all()
        with pytest.raises(ConnectionError):
            caller.result()
        assert lost.wait(WAIT)
        assert back.wait(WAIT)
        server.connections.get(timeout=WAIT)  # the reconnection
        assert client.ping() == "pong"
        name, error = reads.errors.get(timeout=WAIT)
        assert name == "test-caller"
        assert isinstance(error, ConnectionError)


@pytest.mark.usefixtures("long_standby")
def test_disconnect_from_another_thread_while_a_caller_reads(server: ScriptedServer) -> None:
    client = make_client(server)
    client.connect()
    try:
        assert client.ping() == "pong"
        caller = Caller(client, "slow", name="test-caller")
        server.next_request()
        closer = threading.Thread(target=client.disconnect)
        closer.start()
        with pytest.raises(ConnectionError):
            caller.result()
        closer.join(WAIT)
        assert not closer.is_alive()
    finally:
        client.disconnect()
