"""The blocking WebSocket transport (websocket-client) against real local servers."""

from __future__ import annotations

import logging
import queue
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import trustme
from websockets.frames import Opcode
from websockets.server import ServerProtocol

from _ws_server import (
    REJECT_PATH,
    RawServer,
    SilentServer,
    WsServer,
    script_close_no_eof,
    script_linger,
    script_masked_frame,
    unused_port,
)
from mediamtx_camera_sdk import errors
from mediamtx_camera_sdk._sync import _transport
from mediamtx_camera_sdk._sync._transport import SyncTransport
from mediamtx_camera_sdk._tls import _reset_warning_state

WAIT = 10.0  # upper bound for anything a test waits for


@pytest.fixture(scope="module")
def server() -> Iterator[WsServer]:
    srv = WsServer()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


@pytest.fixture(scope="module")
def tls_server(ca: trustme.CA) -> Iterator[WsServer]:
    srv = WsServer(_server_context(ca, "127.0.0.1", "localhost"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def wrong_name_server(ca: trustme.CA) -> Iterator[WsServer]:
    srv = WsServer(_server_context(ca, "wrong.example"))
    yield srv
    srv.stop()


@pytest.fixture
def client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def transport(server: WsServer) -> Iterator[SyncTransport]:
    t = SyncTransport.connect(server.url, open_timeout=WAIT)
    yield t
    t.close()


def receive_n(transport: SyncTransport, n: int) -> tuple[list[str | bytes], int]:
    """Receive until ``n`` messages came; also return how many receive() calls it took."""
    messages: list[str | bytes] = []
    calls = 0
    while len(messages) < n:
        messages.extend(transport.receive())
        calls += 1
    return messages, calls


class Reader:
    """Calls ``transport.receive()`` in a thread until it raises; records everything."""

    def __init__(
        self, transport: SyncTransport, finished: queue.Queue[Reader] | None = None
    ) -> None:
        self.transport = transport
        self.finished = finished
        self.messages: queue.Queue[str | bytes] = queue.Queue()
        self.error: BaseException | None = None
        self.entered = threading.Event()
        self.thread = threading.Thread(target=self._run, name="test-reader")
        self.thread.start()

    def _run(self) -> None:
        self.entered.set()
        try:
            while True:
                for message in self.transport.receive():
                    self.messages.put(message)
        except BaseException as exc:
            self.error = exc
        if self.finished is not None:
            self.finished.put(self)

    def join(self) -> None:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the reader thread is still blocked"


@pytest.fixture
def fresh_server() -> Iterator[WsServer]:
    """A server of its own, for tests reading close codes (the shared server's
    connections from earlier tests may still be reporting theirs)."""
    srv = WsServer()
    yield srv
    srv.stop()


# -- basics -------------------------------------------------------------------


def test_echo_round_trip(server: WsServer) -> None:
    transport = SyncTransport.connect(server.url)
    assert transport.endpoint.port == server.port
    assert not transport.closed
    assert transport.close_code is None and transport.close_reason is None
    transport.send('{"jsonrpc": "2.0", "method": "ping", "id": 1}')
    assert transport.receive() == ['{"jsonrpc": "2.0", "method": "ping", "id": 1}']
    transport.send("héllo ✓")
    assert transport.receive() == ["héllo ✓"]
    transport.close()
    assert transport.closed


def test_many_threads_sending_at_once(transport: SyncTransport) -> None:
    threads, per_thread = 16, 25

    def sender(task: int) -> None:
        for i in range(per_thread):
            transport.send(f"{task}:{i}:" + "p" * (task * 37 % 300))

    workers = [threading.Thread(target=sender, args=(task,)) for task in range(threads)]
    for worker in workers:
        worker.start()
    messages, _ = receive_n(transport, threads * per_thread)
    for worker in workers:
        worker.join(WAIT)
    seen: dict[int, list[int]] = {}
    for message in messages:
        assert isinstance(message, str)
        task_s, i_s, padding = message.split(":")
        assert padding == "p" * (int(task_s) * 37 % 300)
        seen.setdefault(int(task_s), []).append(int(i_s))
    assert seen == {task: list(range(per_thread)) for task in range(threads)}


def _script_batch(conn: socket.socket, protocol: ServerProtocol, server: RawServer) -> None:
    """Write 50 small text frames with one send."""
    conn.sendall(b"".join(_text_frame(f"b{i}".encode()) for i in range(50)))
    server.released.wait(WAIT)


def test_frames_from_one_read_come_back_together() -> None:
    # One write of the server: one read of the client, every message at once
    # (the shared server writes frame by frame, so how many reads its batch
    # takes depends on timing).
    raw = RawServer(_script_batch)
    try:
        transport = SyncTransport.connect(raw.url, close_timeout=0.1)  # no close answer
        assert transport.receive() == [f"b{i}" for i in range(50)]
        transport.close()
    finally:
        raw.close()


def test_binary_frames_are_handed_up_as_bytes(transport: SyncTransport) -> None:
    transport.send("!binary raw-bytes")
    assert transport.receive() == [b"raw-bytes"]
    transport.send("after")
    assert transport.receive() == ["after"]


def test_fragmented_messages_are_reassembled(transport: SyncTransport) -> None:
    transport.send("!fragmented")
    assert transport.receive() == ["part1-part2-part3"]
    transport.send("!fragbinary")
    assert transport.receive() == [b"\x00\x01\x02"]


def test_server_ping_is_answered(transport: SyncTransport) -> None:
    transport.send("!ping abc")
    assert transport.receive() == ["pong-received"]


def test_reader_does_not_wait_for_a_blocked_writer(transport: SyncTransport) -> None:
    # Simulate a sender stuck in a write (holding the write lock): the reader
    # goes on reading, and the pong it owes goes out with the next write.
    transport.send("!pingnowait")
    with transport._write_lock:
        assert transport.receive() == ["ping-sent"]
    transport.send("next")
    messages, _ = receive_n(transport, 2)
    assert sorted(messages) == ["next", "pong-received"]  # type: ignore[type-var]


def test_a_flood_arrives_complete(transport: SyncTransport) -> None:
    count, size = 3000, 1000
    transport.send(f"!flood {count} {size}")
    messages, _ = receive_n(transport, count)
    assert [m.split(":")[0] for m in messages if isinstance(m, str)] == [
        str(i) for i in range(count)
    ]
    assert all(len(m) == len(f"{i}:") + size for i, m in enumerate(messages))


def test_large_sends_complete_after_the_server_stalled(
    server: WsServer, transport: SyncTransport
) -> None:
    chunk = "z" * 262144
    count = 64
    transport.send("!stall")
    assert transport.receive() == ["stalled"]
    reader = Reader(transport)
    sender = threading.Thread(
        target=lambda: [transport.send(f"{i:03d}{chunk}") for i in range(count)]
    )
    sender.start()
    server.release()
    messages = [reader.messages.get(timeout=WAIT) for _ in range(count)]
    sender.join(WAIT)
    assert [m[:3] for m in messages] == [f"{i:03d}" for i in range(count)]
    assert all(m[3:] == chunk for m in messages)
    transport.close()
    reader.join()


def test_second_concurrent_receive_is_refused(transport: SyncTransport) -> None:
    # Two threads read with nothing to receive: one waits inside receive(),
    # so the other's call overlaps it and is refused; that one ends first.
    finished: queue.Queue[Reader] = queue.Queue()
    readers = [Reader(transport, finished) for _ in range(2)]
    first = finished.get(timeout=WAIT)
    assert isinstance(first.error, RuntimeError)
    assert "already in receive" in str(first.error)
    transport.close()
    second = finished.get(timeout=WAIT)
    assert isinstance(second.error, errors.ConnectionClosedError)
    for reader in readers:
        reader.join()


# -- closing ------------------------------------------------------------------


def test_clean_server_close_raises_connection_closed(transport: SyncTransport) -> None:
    transport.send("!close 4000 maintenance")
    with pytest.raises(errors.ConnectionClosedError) as info:
        transport.receive()
    assert "closed the connection" in str(info.value)
    assert "4000" in str(info.value) and "maintenance" in str(info.value)
    assert info.value.data == {"code": 4000, "reason": "maintenance"}
    assert transport.closed and transport.close_code == 4000
    with pytest.raises(errors.ConnectionClosedError):
        transport.receive()
    with pytest.raises(errors.ConnectionClosedError):
        transport.send("late")
    transport.close()


def test_messages_before_a_close_are_delivered_first(transport: SyncTransport) -> None:
    transport.send("!thenclose")
    messages, _ = receive_n(transport, 2)
    assert messages == ["last-1", "last-2"]
    with pytest.raises(errors.ConnectionClosedError) as info:
        transport.receive()
    assert info.value.data["code"] == 4001


def test_abrupt_server_disconnect_raises_connection_closed(transport: SyncTransport) -> None:
    transport.send("!abort")
    with pytest.raises(errors.ConnectionClosedError, match="lost"):
        transport.receive()
    assert transport.close_code == 1006


def test_close_from_another_thread_unblocks_receive(fresh_server: WsServer) -> None:
    server = fresh_server
    before = set(threading.enumerate())
    transport = SyncTransport.connect(server.url)
    reader = Reader(transport)
    reader.entered.wait(WAIT)
    transport.close()
    reader.join()
    assert isinstance(reader.error, errors.ConnectionClosedError)
    assert "closed by the client" in str(reader.error)
    assert transport.closed
    assert server.close_codes.get(timeout=WAIT) == 1000  # a proper close handshake
    assert set(threading.enumerate()) == before  # nothing left running


def test_close_without_a_reader(fresh_server: WsServer) -> None:
    server = fresh_server
    before = set(threading.enumerate())
    transport = SyncTransport.connect(server.url)
    transport.close()
    transport.close()  # idempotent
    assert server.close_codes.get(timeout=WAIT) == 1000
    with pytest.raises(errors.ConnectionClosedError, match="closed by the client"):
        transport.send("x")
    with pytest.raises(errors.ConnectionClosedError, match="closed by the client"):
        transport.receive()
    assert set(threading.enumerate()) == before


def test_close_is_bounded_when_the_server_never_answers() -> None:
    raw = RawServer(script_linger)
    try:
        transport = SyncTransport.connect(raw.url, close_timeout=0.2)
        reader = Reader(transport)
        reader.entered.wait(WAIT)
        transport.close()  # waits close_timeout for the reader, then shuts down
        reader.join()
        assert isinstance(reader.error, errors.ConnectionClosedError)
        assert raw.seen.get(timeout=WAIT) == "close"
    finally:
        raw.close()


def test_server_close_is_echoed() -> None:
    raw = RawServer(script_close_no_eof)
    try:
        transport = SyncTransport.connect(raw.url, close_timeout=0.2)
        with pytest.raises(errors.ConnectionClosedError, match="4002"):
            transport.receive()
        assert raw.seen.get(timeout=WAIT) == "echo"
        transport.close()
    finally:
        raw.close()


# -- limits and violations ----------------------------------------------------


def test_message_over_max_size_fails_before_reading_it(server: WsServer) -> None:
    transport = SyncTransport.connect(server.url, max_size=1000)
    transport.send("!big 999")
    assert transport.receive() == ["x" * 999]
    transport.send("!big 5000")
    with pytest.raises(errors.ConnectionClosedError) as info:
        transport.receive()
    assert "too large" in str(info.value)
    assert info.value.data["code"] == 1009
    transport.close()


def test_fragments_adding_up_over_max_size_fail_the_connection(server: WsServer) -> None:
    transport = SyncTransport.connect(server.url, max_size=1000)
    transport.send("!fragbig 300")
    assert transport.receive() == ["a" * 300 + "b" * 300 + "c" * 300]
    transport.send("!fragbig 400")
    with pytest.raises(errors.ConnectionClosedError, match="too large"):
        transport.receive()
    transport.close()


def test_invalid_utf8_text_fails_the_connection(transport: SyncTransport) -> None:
    transport.send("!badutf8")
    with pytest.raises(errors.ConnectionClosedError, match="UTF-8") as info:
        transport.receive()
    assert info.value.data["code"] == 1007


def test_invalid_utf8_in_a_fragmented_message(transport: SyncTransport) -> None:
    transport.send("!fragbadutf8")
    with pytest.raises(errors.ConnectionClosedError, match="UTF-8"):
        transport.receive()


def test_masked_server_frame_is_a_protocol_violation() -> None:
    raw = RawServer(script_masked_frame)
    try:
        transport = SyncTransport.connect(raw.url, close_timeout=0.2)
        with pytest.raises(errors.ConnectionClosedError, match="broke the WebSocket protocol"):
            transport.receive()
        assert transport.close_code == 1002
        transport.close()
    finally:
        raw.close()


# -- connect failures -----------------------------------------------------------


def test_connection_refused() -> None:
    with pytest.raises(errors.ConnectionError, match="refused") as info:
        SyncTransport.connect(f"ws://127.0.0.1:{unused_port()}/ws")
    assert isinstance(info.value.__cause__, OSError)


def test_unknown_host() -> None:
    with pytest.raises(errors.ConnectionError, match="cannot resolve"):
        SyncTransport.connect("ws://no-such-host.invalid:8080/ws")


def test_open_timeout() -> None:
    silent = SilentServer()
    try:
        with pytest.raises(errors.ConnectionError, match="timed out"):
            SyncTransport.connect(f"ws://127.0.0.1:{silent.port}/ws", open_timeout=0.2)
    finally:
        silent.close()


def test_server_closing_during_the_handshake() -> None:
    raw = RawServer(None)
    try:
        with pytest.raises(errors.ConnectionError, match="handshake"):
            SyncTransport.connect(raw.url)
    finally:
        raw.close()


def test_send_after_the_server_vanished_raises(transport: SyncTransport) -> None:
    transport.send("!abort")
    with pytest.raises(errors.ConnectionClosedError):  # noqa: PT012 - loop until it fails
        for _ in range(10_000):
            transport.send("into the void")


def test_handshake_rejected_with_http_status(server: WsServer) -> None:
    url = f"ws://127.0.0.1:{server.port}{REJECT_PATH}"
    with pytest.raises(errors.ConnectionError, match="HTTP 403") as info:
        SyncTransport.connect(url)
    assert info.value.data == {"reason": "handshake", "status": 403}


# -- TLS ------------------------------------------------------------------------


def test_tls_self_signed_is_refused_by_default(tls_server: WsServer) -> None:
    with pytest.raises(errors.ConnectionError) as info:
        SyncTransport.connect(tls_server.url)
    assert "certificate verification failed" in str(info.value)
    assert info.value.data == {"reason": "certificate_verify_failed"}


def test_tls_with_the_right_ca_is_accepted(
    tls_server: WsServer, client_context: ssl.SSLContext
) -> None:
    transport = SyncTransport.connect(tls_server.url, ssl_context=client_context)
    try:
        transport.send("secure")
        assert transport.receive() == ["secure"]
        transport.send("!batch 20")
        messages, _ = receive_n(transport, 20)
        assert messages == [f"b{i}" for i in range(20)]
    finally:
        transport.close()


def test_tls_read_timeout(tls_server: WsServer, client_context: ssl.SSLContext) -> None:
    transport = SyncTransport.connect(tls_server.url, ssl_context=client_context)
    try:
        assert transport.receive(timeout=0.05) == []
        transport.send("secure")
        assert receive_n(transport, 1)[0] == ["secure"]
        transport.send("!batch 5")
        messages: list[str | bytes] = []
        while len(messages) < 5:
            messages.extend(transport.receive(timeout=WAIT))
        assert messages == [f"b{i}" for i in range(5)]
    finally:
        transport.close()


def test_tls_close_from_another_thread(
    tls_server: WsServer, client_context: ssl.SSLContext
) -> None:
    transport = SyncTransport.connect(tls_server.url, ssl_context=client_context)
    reader = Reader(transport)
    reader.entered.wait(WAIT)
    transport.close()
    reader.join()
    assert isinstance(reader.error, errors.ConnectionClosedError)


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
    transport = SyncTransport.connect(tls_server.url, verify_ssl=False)
    try:
        transport.send("unverified")
        assert transport.receive() == ["unverified"]
    finally:
        transport.close()
    SyncTransport.connect(tls_server.url, verify_ssl=False).close()
    warnings = [r for r in caplog.records if "verification is disabled" in r.getMessage()]
    assert len(warnings) == 1


def test_ssl_context_with_ws_url_is_refused(
    server: WsServer, client_context: ssl.SSLContext
) -> None:
    with pytest.raises(ValueError, match="ws://"):
        SyncTransport.connect(server.url, ssl_context=client_context)


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


# -- framing, read timeouts, interrupted reads ------------------------------------


@pytest.mark.parametrize(
    "size", [0, 1, 3, 4, 5, 125, 126, 127, 65535, 65536, 200_001], ids=lambda n: f"{n}B"
)
def test_frames_of_every_header_size_round_trip(transport: SyncTransport, size: int) -> None:
    # Masked by the client (header, key, payload XOR key), echoed unmasked by
    # the server: both framings must agree at each length boundary.
    text = ("é✓x" * (size // 3 + 1))[:size]
    transport.send(text)
    assert transport.receive() == [text]


def _partial_frame_script(
    frame: bytes, cut: int, go: threading.Event
) -> Callable[[socket.socket, ServerProtocol, RawServer], None]:
    """Send ``frame[:cut]``, wait for ``go``, send the rest and a short text frame."""

    def script(conn: socket.socket, protocol: ServerProtocol, server: RawServer) -> None:
        conn.sendall(frame[:cut])
        go.wait(WAIT)
        conn.sendall(frame[cut:] + b"\x81\x04next")
        server.released.wait(WAIT)

    return script


def _text_frame(payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return b"\x81\x7e" + struct.pack("!H", size) + payload
    return b"\x81\x7f" + struct.pack("!Q", size) + payload


@pytest.mark.parametrize(
    ("size", "cut"),
    [(10, 1), (10, 5), (300, 3), (300, 150), (100_000, 5), (100_000, 50_000)],
    ids=["small-header", "small-payload", "medium-header", "medium", "large-header", "large"],
)
@pytest.mark.parametrize("kernel", [True, False], ids=["SO_RCVTIMEO", "poll"])
def test_a_read_timeout_keeps_a_message_still_arriving(size: int, cut: int, kernel: bool) -> None:
    payload = ("ü" * (size // 2)).encode()
    go = threading.Event()
    raw = RawServer(_partial_frame_script(_text_frame(payload), cut, go))
    try:
        transport = SyncTransport.connect(raw.url, close_timeout=0.1)  # no close answer
        # poll: how TLS sockets and Windows wait for a read with a deadline.
        transport._reader._kernel_timeout = kernel
        assert transport.receive(timeout=0.05) == []
        assert transport.receive(timeout=0.0) == []
        go.set()
        messages, _ = receive_n(transport, 2)
        assert messages == [payload.decode(), "next"]
        transport.close()
    finally:
        raw.close()


def test_an_interrupted_read_keeps_its_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """KeyboardInterrupt while waiting for the network: no byte of a message is lost."""
    payload = b"x" * 1000
    go = threading.Event()
    raw = RawServer(_partial_frame_script(_text_frame(payload), 500, go))
    original = _transport._FrameReader._read_some
    interrupted = threading.Event()

    def read_some(self: Any) -> int:
        if not interrupted.is_set() and self._buf:
            interrupted.set()  # half the message is buffered: interrupt the next wait
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(_transport._FrameReader, "_read_some", read_some)
    try:
        transport = SyncTransport.connect(raw.url, close_timeout=0.1)  # no close answer
        with pytest.raises(KeyboardInterrupt):
            transport.receive()
        assert interrupted.is_set()
        go.set()
        messages, _ = receive_n(transport, 2)
        assert messages == [payload.decode(), "next"]
        transport.close()
    finally:
        raw.close()


def _script_close_answer(conn: socket.socket, protocol: ServerProtocol, server: RawServer) -> None:
    """Answer the client's close frame with code 4005 (not an echo of 1000)."""
    while True:
        frames = server.read_frames(conn, protocol)
        if not frames:
            return
        if any(frame.opcode is Opcode.CLOSE for frame in frames):
            conn.sendall(b"\x88\x02" + struct.pack("!H", 4005))
            server.released.wait(WAIT)
            return


def test_close_without_a_reader_reads_the_servers_answer() -> None:
    raw = RawServer(_script_close_answer)
    try:
        transport = SyncTransport.connect(raw.url, close_timeout=WAIT)
        transport.close()
        assert transport.close_code == 4005  # the server's answer was read
        with pytest.raises(errors.ConnectionClosedError, match="closed by the client"):
            transport.receive()
    finally:
        raw.close()


def test_receive_waits_while_close_reads_the_answer() -> None:
    """A receive() overlapping close()'s own read of the answer waits for it, then raises."""
    raw = RawServer(script_linger)
    try:
        transport = SyncTransport.connect(raw.url, close_timeout=0.2)
        closer = threading.Thread(target=transport.close)
        closer.start()
        with pytest.raises(errors.ConnectionClosedError):
            receive_n(transport, 1)  # nothing comes: it ends with the close
        closer.join(WAIT)
        assert not closer.is_alive()
    finally:
        raw.close()


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_a_write_the_server_never_reads_gives_up_at_its_deadline(
    tls: bool,
    fresh_server: WsServer,
    tls_server: WsServer,
    client_context: ssl.SSLContext,
) -> None:
    # The server stops reading: once the socket buffers are full, a send
    # must give up at its deadline (the connection is dropped: a frame cut
    # short leaves it unusable) rather than block until the server reads.
    server = tls_server if tls else fresh_server
    transport = SyncTransport.connect(
        server.url, ssl_context=client_context if tls else None, open_timeout=WAIT
    )
    try:
        transport.send("!stall")
        assert transport.receive() == ["stalled"]
        chunk = "z" * 262144

        def fill() -> None:
            for _ in range(256):  # 64 MiB: far more than the buffers between us hold
                transport.send(chunk, time.monotonic() + 0.2)

        with pytest.raises(errors.ConnectionClosedError, match="stopped reading"):
            fill()
        with pytest.raises(errors.ConnectionClosedError):
            transport.receive()  # the reader learns that the connection is over
    finally:
        server.release()
        transport.close()
