"""The blocking WebSocket transport (websocket-client) against real local servers.

The surface: ``send(text)`` queues the frame for the connection's writer
thread and returns, ``run(deliver)`` is the one reader (a blocking call, run
here in a thread of the test's own) and always ends by raising
``ConnectionClosedError``, ``close()`` works from any thread.
"""

from __future__ import annotations

import logging
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import trustme
from websockets.server import ServerProtocol

from _ws_server import (
    FORBIDDEN_FRAMES,
    REJECT_PATH,
    RawServer,
    SilentServer,
    WsServer,
    raw_server,
    script_close_no_eof,
    script_linger,
    script_masked_frame,
    script_never_read,
    script_read_until_close,
    unused_port,
)
from mediamtx_camera_sdk import errors
from mediamtx_camera_sdk._sync._transport import SyncTransport
from mediamtx_camera_sdk._tls import _reset_warning_state

WAIT = 10.0  # the bound on anything a test waits for: catches hangs, measures nothing


@pytest.fixture(scope="module")
def server() -> Iterator[WsServer]:
    srv = WsServer()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


@pytest.fixture(scope="module")
def tls_server(ca: trustme.CA) -> Iterator[WsServer]:
    srv = WsServer(server_context(ca, "127.0.0.1", "localhost"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def wrong_name_server(ca: trustme.CA) -> Iterator[WsServer]:
    srv = WsServer(server_context(ca, "wrong.example"))
    yield srv
    srv.stop()


@pytest.fixture
def client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture(params=["plain", "tls"])
def fresh(
    request: pytest.FixtureRequest, ca: trustme.CA, client_context: ssl.SSLContext
) -> Iterator[tuple[WsServer, ssl.SSLContext | None]]:
    """A server of the test's own (its close codes are this test's), plain or TLS."""
    tls = request.param == "tls"
    srv = WsServer(server_context(ca, "127.0.0.1") if tls else None)
    yield srv, client_context if tls else None
    srv.release()
    srv.stop()


class Reader:
    """Runs ``transport.run()`` in a thread: collects what it delivers and how it ended."""

    def __init__(self, transport: SyncTransport) -> None:
        self.transport = transport
        self.messages: queue.Queue[str | bytes] = queue.Queue()
        self.error: BaseException | None = None
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._run, name="test-reader", daemon=True)
        self.thread.start()

    def _deliver(self, messages: list[str | bytes]) -> None:
        for message in messages:
            self.messages.put(message)

    def _run(self) -> None:
        try:
            self.transport.run(self._deliver)
        except BaseException as exc:
            self.error = exc
        else:
            self.error = AssertionError("run() returned instead of raising")
        finally:
            self.ended.set()

    def get(self, n: int = 1) -> list[str | bytes]:
        """The next ``n`` messages delivered (waits for them)."""
        return [self.messages.get(timeout=WAIT) for _ in range(n)]

    def end(self, timeout: float = WAIT) -> errors.ConnectionClosedError:
        """How ``run()`` ended: it must be ``ConnectionClosedError``."""
        assert self.ended.wait(timeout), "run() is still blocked"
        self.thread.join(WAIT)
        assert isinstance(self.error, errors.ConnectionClosedError), repr(self.error)
        return self.error


@contextmanager
def opened(url: str, **kwargs: object) -> Iterator[tuple[SyncTransport, Reader]]:
    """A connected transport with its reader running; closed (and the reader ended) after."""
    transport = SyncTransport.connect(url, open_timeout=WAIT, **kwargs)  # type: ignore[arg-type]
    reader = Reader(transport)
    try:
        yield transport, reader
    finally:
        transport.close()
        reader.thread.join(WAIT)
        assert not reader.thread.is_alive(), "run() did not end after close()"


# -- basics -------------------------------------------------------------------


def test_echo_round_trip(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        assert transport.endpoint.port == server.port
        assert not transport.closed
        assert transport.send('{"jsonrpc": "2.0", "method": "ping", "id": 1}') is None
        assert reader.get() == ['{"jsonrpc": "2.0", "method": "ping", "id": 1}']
        transport.send("héllo ✓")
        assert reader.get() == ["héllo ✓"]
    assert transport.closed
    assert "closed by the client" in str(reader.end())


def test_many_threads_sending_at_once(server: WsServer) -> None:
    threads, per_thread = 16, 25
    with opened(server.url) as (transport, reader):

        def sender(task: int) -> None:
            for i in range(per_thread):
                transport.send(f"{task}:{i}:" + "p" * (task * 37 % 300))

        workers = [threading.Thread(target=sender, args=(task,)) for task in range(threads)]
        for worker in workers:
            worker.start()
        messages = reader.get(threads * per_thread)
        for worker in workers:
            worker.join(WAIT)
    seen: dict[int, list[int]] = {}
    for message in messages:
        assert isinstance(message, str)
        task_s, i_s, padding = message.split(":")
        assert padding == "p" * (int(task_s) * 37 % 300)
        seen.setdefault(int(task_s), []).append(int(i_s))
    assert seen == {task: list(range(per_thread)) for task in range(threads)}


def test_frames_from_one_write_are_all_delivered_in_order(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        transport.send("!batch 50")
        assert reader.get(50) == [f"b{i}" for i in range(50)]


def test_binary_frames_are_delivered_as_bytes(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        transport.send("!binary raw-bytes")
        assert reader.get() == [b"raw-bytes"]
        transport.send("after")
        assert reader.get() == ["after"]


def test_fragmented_messages_are_assembled(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        transport.send("!fragmented")
        assert reader.get() == ["part1-part2-part3"]
        transport.send("!fragbinary")
        assert reader.get() == [b"\x00\x01\x02"]


def test_server_pings_are_answered(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        transport.send("!ping abc")
        assert reader.get() == ["pong-received"]
        transport.send("!pingnowait")
        assert reader.get(2) == ["ping-sent", "pong-received"]


def test_a_flood_arrives_complete(server: WsServer) -> None:
    count, size = 3000, 1000
    with opened(server.url) as (transport, reader):
        transport.send(f"!flood {count} {size}")
        messages = reader.get(count)
    assert [m.split(":")[0] for m in messages if isinstance(m, str)] == [
        str(i) for i in range(count)
    ]
    assert all(len(m) == len(f"{i}:") + size for i, m in enumerate(messages))


@pytest.mark.parametrize(
    "size", [0, 1, 3, 4, 5, 125, 126, 127, 65535, 65536, 200_001], ids=lambda n: f"{n}B"
)
def test_frames_of_every_header_size_round_trip(server: WsServer, size: int) -> None:
    # Masked by the client, echoed unmasked by the server, at each length boundary.
    text = ("é✓x" * (size // 3 + 1))[:size]
    with opened(server.url) as (transport, reader):
        transport.send(text)
        assert reader.get() == [text]


def _split_frame_script(
    frame: bytes, cut: int
) -> Callable[[socket.socket, ServerProtocol, RawServer], None]:
    """Send ``frame[:cut]``, then, once the test says so, the rest and a short frame."""

    def script(conn: socket.socket, protocol: ServerProtocol, server: RawServer) -> None:
        conn.sendall(frame[:cut])
        server.seen.put("first part sent")
        server.released.wait(WAIT)
        conn.sendall(frame[cut:] + b"\x81\x04next")
        server.read_frames(conn, protocol)  # the client's close frame (or EOF)

    return script


def _text_frame(payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return b"\x81\x7e" + size.to_bytes(2, "big") + payload
    return b"\x81\x7f" + size.to_bytes(8, "big") + payload


@pytest.mark.parametrize(
    ("size", "cut"),
    [(10, 1), (10, 5), (300, 3), (300, 150), (100_000, 5), (100_000, 50_000)],
    ids=["small-header", "small-payload", "medium-header", "medium", "large-header", "large"],
)
def test_a_message_split_across_writes_is_delivered_whole(size: int, cut: int) -> None:
    payload = ("ü" * (size // 2)).encode()
    script = _split_frame_script(_text_frame(payload), cut)
    with raw_server(script) as raw, opened(raw.url, close_timeout=0.2) as (_, reader):
        assert raw.seen.get(timeout=WAIT) == "first part sent"
        raw.released.set()
        assert reader.get(2) == [payload.decode(), "next"]


def test_messages_that_came_with_the_handshake_are_delivered() -> None:
    early = b"\x81\x05early" + b"\x82\x03bin"  # a text and a binary frame
    with raw_server(script_read_until_close, early) as raw:
        with opened(raw.url) as (transport, reader):
            assert reader.get(2) == ["early", b"bin"]
            transport.send("then")
            assert reader.get() == ["then"]
        assert raw.seen.get(timeout=WAIT) == 1000


def test_a_deliver_that_raises_drops_the_connection(server: WsServer) -> None:
    # A bug above the transport: run() still ends with ConnectionClosedError
    # (the bug as its cause), and the connection is over, not half alive.
    bug = ValueError("bug in deliver")

    def deliver(messages: list[str | bytes]) -> None:
        raise bug

    transport = SyncTransport.connect(server.url, open_timeout=WAIT)
    transport.send("boom")
    try:
        with pytest.raises(errors.ConnectionClosedError) as info:
            transport.run(deliver)
        assert info.value.__cause__ is bug
        assert transport.closed
        with pytest.raises(errors.ConnectionClosedError):
            transport.send("after")
    finally:
        transport.close()


# -- closing ------------------------------------------------------------------


def test_server_close_code_and_reason_are_reported(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        transport.send("!close 4000 maintenance")
        error = reader.end()
        assert "closed the connection" in str(error)
        assert "4000" in str(error) and "maintenance" in str(error)
        assert error.data == {"code": 4000, "reason": "maintenance"}
        assert transport.closed
        with pytest.raises(errors.ConnectionClosedError):
            transport.send("late")
    transport.close()  # idempotent


def test_messages_before_a_close_are_delivered_first(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        transport.send("!thenclose")
        assert reader.get(2) == ["last-1", "last-2"]
        assert reader.end().data == {"code": 4001, "reason": "bye"}


def test_abrupt_server_disconnect_is_reported_as_lost(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        transport.send("!abort")
        error = reader.end()
        assert "lost" in str(error)
        assert error.data == {"code": 1006, "reason": ""}
        with pytest.raises(errors.ConnectionClosedError):
            transport.send("into the void")


def test_close_from_another_thread_while_the_reader_is_blocked(
    fresh: tuple[WsServer, ssl.SSLContext | None],
) -> None:
    server, context = fresh
    before = set(threading.enumerate())
    transport = SyncTransport.connect(server.url, ssl_context=context)
    reader = Reader(transport)
    transport.send("ready?")
    assert reader.get() == ["ready?"]  # the reader is in run(), blocked on the socket
    closer = threading.Thread(target=transport.close)
    closer.start()
    closer.join(WAIT)
    assert not closer.is_alive()
    assert "closed by the client" in str(reader.end())
    assert transport.closed
    transport.close()  # idempotent
    transport.close()
    assert server.close_codes.get(timeout=WAIT) == 1000  # a proper close handshake
    assert set(threading.enumerate()) == before  # nothing left running


def test_close_without_a_reader_does_the_close_handshake(
    fresh: tuple[WsServer, ssl.SSLContext | None],
) -> None:
    server, context = fresh
    before = set(threading.enumerate())
    transport = SyncTransport.connect(server.url, ssl_context=context)
    transport.close()
    transport.close()  # idempotent
    assert transport.closed
    assert server.close_codes.get(timeout=WAIT) == 1000
    with pytest.raises(errors.ConnectionClosedError, match="closed by the client"):
        transport.send("x")
    assert set(threading.enumerate()) == before


def test_close_is_bounded_when_the_server_never_answers() -> None:
    with (
        raw_server(script_linger) as raw,
        opened(raw.url, close_timeout=0.2) as (transport, reader),
    ):
        closer = threading.Thread(target=transport.close)
        closer.start()
        closer.join(0.2 + 5)
        assert not closer.is_alive(), "close() waited for an answer that never comes"
        assert "closed by the client" in str(reader.end())
        assert raw.seen.get(timeout=WAIT) == "close"  # the close frame was sent


def test_server_close_without_tcp_close_is_echoed_and_ends_run() -> None:
    with raw_server(script_close_no_eof) as raw, opened(raw.url, close_timeout=0.2) as (_, reader):
        assert reader.end(0.2 + 5).data == {"code": 4002, "reason": "bye"}
        assert raw.seen.get(timeout=WAIT) == "echo"


# -- limits and violations ----------------------------------------------------


def test_a_message_over_max_size_fails_the_connection_with_1009(server: WsServer) -> None:
    with opened(server.url, max_size=1000) as (transport, reader):
        transport.send("!big 1000")  # at the limit: fine
        assert reader.get() == ["x" * 1000]
        transport.send("!big 5000")
        error = reader.end()
        assert "too large" in str(error)
        assert error.data["code"] == 1009


def test_fragments_adding_up_over_max_size_fail_the_connection(server: WsServer) -> None:
    with opened(server.url, max_size=1000) as (transport, reader):
        transport.send("!fragbig 300")
        assert reader.get() == ["a" * 300 + "b" * 300 + "c" * 300]
        transport.send("!fragbig 400")
        error = reader.end()
        assert "too large" in str(error)
        assert error.data["code"] == 1009


def test_invalid_utf8_text_fails_the_connection_with_1007(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        transport.send("!badutf8")
        error = reader.end()
        assert "UTF-8" in str(error)
        assert error.data["code"] == 1007


def test_invalid_utf8_in_a_fragmented_message_fails_the_connection(server: WsServer) -> None:
    with opened(server.url) as (transport, reader):
        transport.send("!fragbadutf8")
        error = reader.end()
        assert "UTF-8" in str(error)
        assert error.data["code"] == 1007


def test_a_masked_server_frame_is_a_protocol_error() -> None:
    with raw_server(script_masked_frame) as raw, opened(raw.url, close_timeout=0.2) as (_, reader):
        error = reader.end(0.2 + 5)
        assert "broke the WebSocket protocol" in str(error)
        assert error.data["code"] == 1002


@pytest.mark.parametrize("frame", list(FORBIDDEN_FRAMES))
def test_a_forbidden_frame_ends_the_connection_with_the_same_close_code_as_async(
    frame: str, fresh: tuple[WsServer, ssl.SSLContext | None]
) -> None:
    server, context = fresh
    raw, code = FORBIDDEN_FRAMES[frame]
    with opened(server.url, ssl_context=context) as (transport, reader):
        transport.send("before")
        assert reader.get() == ["before"]
        transport.send(f"!raw {raw}")
        error = reader.end()
        assert error.data["code"] == code, error
        assert transport.closed
        with pytest.raises(errors.ConnectionClosedError):
            transport.send("after")
        assert reader.messages.empty()  # nothing of the bad frame was delivered
    # The first close frame the server got from us carries that code, except
    # for a close frame with a bad reason: websocket-client's recv_data_frame
    # answers every close frame with its own 1000 before the SDK sees it.
    on_wire = 1000 if frame == "close-reason-not-utf8" else code
    assert server.close_codes.get(timeout=WAIT) == on_wire


# -- a server that stops reading ------------------------------------------------


@pytest.mark.parametrize("kind", ["plain", "tls"])
def test_send_never_blocks_and_close_is_bounded_when_the_server_stops_reading(
    kind: str, server: WsServer, tls_server: WsServer, client_context: ssl.SSLContext
) -> None:
    srv, context = (tls_server, client_context) if kind == "tls" else (server, None)
    close_timeout = 0.5
    chunk = "z" * (256 * 1024)
    try:
        with opened(srv.url, ssl_context=context, close_timeout=close_timeout) as (t, reader):
            t.send("!stall")
            assert reader.get() == ["stalled"]
            # 32 MiB: far more than the socket buffers and the server's queue hold.
            sender = threading.Thread(target=lambda: [t.send(chunk) for _ in range(128)])
            sender.start()
            sender.join(WAIT)
            assert not sender.is_alive(), "send() blocked"
            closer = threading.Thread(target=t.close)
            closer.start()
            closer.join(close_timeout + 5)
            assert not closer.is_alive(), "close() is not bounded by close_timeout"
            reader.end(5)
            assert t.closed
            with pytest.raises(errors.ConnectionClosedError):
                t.send("after")
    finally:
        srv.release()


def test_close_is_bounded_when_the_server_never_reads() -> None:
    with raw_server(script_never_read) as raw, opened(raw.url, close_timeout=0.5) as (t, reader):
        for _ in range(64):  # 16 MiB
            t.send("y" * (256 * 1024))
        closer = threading.Thread(target=t.close)
        closer.start()
        closer.join(0.5 + 5)
        assert not closer.is_alive(), "close() is not bounded by close_timeout"
        reader.end(5)


# -- send after close -------------------------------------------------------------


def test_send_after_close_raises_connection_closed(
    fresh: tuple[WsServer, ssl.SSLContext | None],
) -> None:
    server, context = fresh
    with opened(server.url, ssl_context=context) as (transport, reader):
        transport.send("x")
        assert reader.get() == ["x"]
        transport.close()
        with pytest.raises(errors.ConnectionClosedError, match="closed by the client"):
            transport.send("y")
        reader.end()
    with pytest.raises(errors.ConnectionClosedError):
        transport.send("z")


# -- connect failures -----------------------------------------------------------


def test_connection_refused() -> None:
    with pytest.raises(errors.ConnectionError, match="refused") as info:
        SyncTransport.connect(f"ws://127.0.0.1:{unused_port()}/ws")
    assert isinstance(info.value.__cause__, OSError)
    assert not isinstance(info.value, errors.ConnectionClosedError)


def test_unknown_host() -> None:
    with pytest.raises(errors.ConnectionError, match="cannot resolve"):
        SyncTransport.connect("ws://no-such-host.invalid:8080/ws")


def test_open_timeout() -> None:
    silent = SilentServer()
    try:
        started = time.monotonic()
        with pytest.raises(errors.ConnectionError, match="timed out"):
            SyncTransport.connect(f"ws://127.0.0.1:{silent.port}/ws", open_timeout=0.2)
        assert time.monotonic() - started < WAIT  # it returned at all
    finally:
        silent.close()


def test_server_closing_during_the_handshake() -> None:
    with raw_server(None) as raw, pytest.raises(errors.ConnectionError, match="handshake"):
        SyncTransport.connect(raw.url)


def test_handshake_rejected_with_http_status(server: WsServer) -> None:
    url = f"ws://127.0.0.1:{server.port}{REJECT_PATH}"
    with pytest.raises(errors.ConnectionError, match="HTTP 403") as info:
        SyncTransport.connect(url)
    assert info.value.data == {"reason": "handshake", "status": 403}


@pytest.mark.parametrize(
    "call",
    [
        lambda url: SyncTransport.connect(url, max_size=0),
        lambda url: SyncTransport.connect(url.replace("ws://", "http://")),
    ],
    ids=["max_size", "scheme"],
)
def test_bad_arguments(server: WsServer, call: Callable[[str], object]) -> None:
    with pytest.raises(ValueError, match=r"max_size|scheme"):
        call(server.url)


# -- TLS ------------------------------------------------------------------------


def test_tls_self_signed_is_refused_by_default(tls_server: WsServer) -> None:
    with pytest.raises(errors.ConnectionError) as info:
        SyncTransport.connect(tls_server.url)
    assert "certificate verification failed" in str(info.value)
    assert info.value.data == {"reason": "certificate_verify_failed"}


def test_tls_with_the_right_ca_is_accepted(
    tls_server: WsServer, client_context: ssl.SSLContext
) -> None:
    with opened(tls_server.url, ssl_context=client_context) as (transport, reader):
        transport.send("secure")
        assert reader.get() == ["secure"]
        transport.send("!batch 20")
        assert reader.get(20) == [f"b{i}" for i in range(20)]
        transport.send("!fragmented")
        assert reader.get() == ["part1-part2-part3"]
        transport.send("!ping tls")
        assert reader.get() == ["pong-received"]


def test_tls_server_close_is_reported(tls_server: WsServer, client_context: ssl.SSLContext) -> None:
    with opened(tls_server.url, ssl_context=client_context) as (transport, reader):
        transport.send("!close 1001 going away")
        assert reader.end().data == {"code": 1001, "reason": "going away"}


def test_tls_abrupt_disconnect_is_reported_as_lost(
    tls_server: WsServer, client_context: ssl.SSLContext
) -> None:
    with opened(tls_server.url, ssl_context=client_context) as (transport, reader):
        transport.send("!abort")
        error = reader.end()
        assert "lost" in str(error)
        assert error.data["code"] == 1006


def test_tls_wrong_hostname_is_refused(
    wrong_name_server: WsServer, client_context: ssl.SSLContext
) -> None:
    with pytest.raises(errors.ConnectionError) as info:
        SyncTransport.connect(wrong_name_server.url, ssl_context=client_context)
    assert "certificate verification failed" in str(info.value)


def test_tls_verify_off_is_accepted_with_a_warning(
    tls_server: WsServer, caplog: pytest.LogCaptureFixture
) -> None:
    _reset_warning_state()
    caplog.set_level(logging.WARNING, logger="mediamtx_camera_sdk")
    with opened(tls_server.url, verify_ssl=False) as (transport, reader):
        transport.send("unverified")
        assert reader.get() == ["unverified"]
    SyncTransport.connect(tls_server.url, verify_ssl=False).close()
    warnings = [r for r in caplog.records if "verification is disabled" in r.getMessage()]
    assert len(warnings) == 1


def test_ssl_context_with_ws_url_is_refused(
    server: WsServer, client_context: ssl.SSLContext
) -> None:
    with pytest.raises(ValueError, match="ws://"):
        SyncTransport.connect(server.url, ssl_context=client_context)
