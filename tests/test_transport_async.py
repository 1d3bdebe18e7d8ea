"""The async WebSocket transport against real local servers.

Every test runs four ways: the asyncio fast path, the anyio path on asyncio
(forced), the trio fast path (raw socket) and the anyio path on trio (forced).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterator

import anyio
import pytest
import trustme
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, Side, State
from websockets.utils import accept_key

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
from mediamtx_camera_sdk._async._asyncio_transport import AsyncioTransport, _WsProtocol
from mediamtx_camera_sdk._async._transport import AnyioTransport, AsyncTransport, _Session
from mediamtx_camera_sdk._async._trio_transport import TrioTransport
from mediamtx_camera_sdk._tls import _reset_warning_state, parse_url

pytestmark = pytest.mark.anyio

PATHS = [("asyncio", "auto"), ("asyncio", "anyio"), ("trio", "auto"), ("trio", "anyio")]


@pytest.fixture(params=PATHS, ids=["asyncio-fast", "asyncio-anyio", "trio-fast", "trio-anyio"])
def path(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def anyio_backend(path: tuple[str, str]) -> str:
    return path[0]


@pytest.fixture
def implementation(path: tuple[str, str]) -> str:
    return path[1]


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


async def connect(url: str, implementation: str, **kwargs: object) -> AsyncTransport:
    return await AsyncTransport.connect(url, implementation=implementation, **kwargs)  # type: ignore[arg-type]


async def receive_n(transport: AsyncTransport, n: int) -> tuple[list[str | bytes], int]:
    """Receive until ``n`` messages came; also return how many receive() calls it took."""
    messages: list[str | bytes] = []
    calls = 0
    while len(messages) < n:
        messages.extend(await transport.receive())
        calls += 1
    return messages, calls


# -- basics -------------------------------------------------------------------


async def test_the_implementation_follows_the_backend(
    server: WsServer, anyio_backend: str, implementation: str
) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        try:
            expected: type[AsyncTransport] = AnyioTransport
            if implementation == "auto":
                expected = AsyncioTransport if anyio_backend == "asyncio" else TrioTransport
            assert type(transport) is expected
        finally:
            await transport.aclose()


async def test_echo_round_trip(server: WsServer, implementation: str) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        assert transport.endpoint.port == server.port
        assert not transport.closed
        assert transport.close_code is None
        assert transport.close_reason is None
        await transport.send('{"jsonrpc": "2.0", "method": "ping", "id": 1}')
        assert await transport.receive() == ['{"jsonrpc": "2.0", "method": "ping", "id": 1}']
        await transport.send("héllo ✓")  # non-ASCII survives the round trip
        assert await transport.receive() == ["héllo ✓"]
        await transport.aclose()
        assert transport.closed


async def test_many_concurrent_senders_frames_stay_whole_and_ordered(
    server: WsServer, implementation: str
) -> None:
    tasks, per_task = 40, 25
    with anyio.fail_after(20):
        transport = await connect(server.url, implementation)
        try:

            async def sender(task: int) -> None:
                for i in range(per_task):
                    # Varying sizes so a torn frame would garble a neighbour.
                    await transport.send(f"{task}:{i}:" + "p" * (task * 37 % 300))

            async with anyio.create_task_group() as tg:
                for task in range(tasks):
                    tg.start_soon(sender, task)
                messages, _ = await receive_n(transport, tasks * per_task)
        finally:
            await transport.aclose()
    seen: dict[int, list[int]] = {}
    for message in messages:
        assert isinstance(message, str)
        task_s, i_s, padding = message.split(":")
        assert padding == "p" * (int(task_s) * 37 % 300)
        seen.setdefault(int(task_s), []).append(int(i_s))
    assert seen == {task: list(range(per_task)) for task in range(tasks)}


async def test_frames_from_one_read_come_back_together(
    server: WsServer, implementation: str
) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        try:
            await transport.send("!batch 50")
            messages, calls = await receive_n(transport, 50)
        finally:
            await transport.aclose()
    assert messages == [f"b{i}" for i in range(50)]
    # The server wrote all 50 frames at once: they cannot need 50 receive() calls.
    assert calls < 50


async def test_binary_frames_are_handed_up_as_bytes(server: WsServer, implementation: str) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        try:
            await transport.send("!binary raw-bytes")
            assert await transport.receive() == [b"raw-bytes"]
            await transport.send("after")  # the connection is still usable
            assert await transport.receive() == ["after"]
        finally:
            await transport.aclose()


async def test_fragmented_messages_are_reassembled(server: WsServer, implementation: str) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        try:
            await transport.send("!fragmented")
            assert await transport.receive() == ["part1-part2-part3"]
            await transport.send("!fragbinary")
            assert await transport.receive() == [b"\x00\x01\x02"]
        finally:
            await transport.aclose()


async def test_server_ping_is_answered(server: WsServer, implementation: str) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        try:
            await transport.send("!ping abc")
            # The server only says this after it got our pong.
            assert await transport.receive() == ["pong-received"]
        finally:
            await transport.aclose()


async def test_a_flood_larger_than_the_read_buffer_arrives_complete(
    server: WsServer, implementation: str
) -> None:
    count, size = 3000, 1000  # ~3 MB: beyond the fast path's pause-reading mark
    with anyio.fail_after(30):
        transport = await connect(server.url, implementation)
        try:
            await transport.send(f"!flood {count} {size}")
            messages, _ = await receive_n(transport, count)
        finally:
            await transport.aclose()
    assert [m.split(":")[0] for m in messages if isinstance(m, str)] == [
        str(i) for i in range(count)
    ]
    assert all(len(m) == len(f"{i}:") + size for i, m in enumerate(messages))


async def test_send_waits_while_the_server_stops_reading(
    server: WsServer, implementation: str
) -> None:
    chunk = "z" * 262144
    count = 64  # 16 MiB: more than the socket buffers and the server's queue hold
    with anyio.fail_after(60):
        transport = await connect(server.url, implementation)
        try:
            await transport.send("!stall")
            assert await transport.receive() == ["stalled"]
            sent = anyio.Event()

            async def sender() -> None:
                for i in range(count):
                    await transport.send(f"{i:03d}{chunk}")
                sent.set()

            async with anyio.create_task_group() as tg:
                tg.start_soon(sender)
                await anyio.wait_all_tasks_blocked()
                # Flow control: the sender waits instead of buffering 16 MiB.
                assert not sent.is_set()
                server.release()
                messages, _ = await receive_n(transport, count)
                await sent.wait()
        finally:
            await transport.aclose()
    assert [m[:3] for m in messages] == [f"{i:03d}" for i in range(count)]
    assert all(m[3:] == chunk for m in messages)


@pytest.mark.parametrize(
    "path", [("asyncio", "anyio"), ("trio", "anyio")], ids=["asyncio-anyio", "trio-anyio"]
)
async def test_reader_does_not_wait_for_a_blocked_writer(server: WsServer) -> None:
    # Simulate a sender stuck in a write (holding the write lock): the reader
    # must go on reading, and the pong it owes goes out with the next write.
    with anyio.fail_after(5):
        transport = await connect(server.url, "anyio")
        assert isinstance(transport, AnyioTransport)
        try:
            await transport.send("!pingnowait")
            async with transport._write_lock:
                assert await transport.receive() == ["ping-sent"]
            await transport.send("next")
            messages, _ = await receive_n(transport, 2)
            assert sorted(messages) == ["next", "pong-received"]  # type: ignore[type-var]
        finally:
            await transport.aclose()


async def test_cancelled_receive_loses_nothing(server: WsServer, implementation: str) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        try:
            with anyio.move_on_after(0.05) as scope:
                await transport.receive()  # nothing to receive: cancelled
            assert scope.cancelled_caught
            await transport.send("still-here")
            assert await transport.receive() == ["still-here"]
        finally:
            await transport.aclose()


async def test_second_concurrent_receive_is_refused(server: WsServer, implementation: str) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        try:
            async with anyio.create_task_group() as tg:
                started = anyio.Event()

                async def first() -> None:
                    started.set()
                    assert await transport.receive() == ["x"]

                tg.start_soon(first)
                await started.wait()
                await anyio.lowlevel.checkpoint()
                with pytest.raises(RuntimeError, match="already waiting"):
                    await transport.receive()
                await transport.send("x")
        finally:
            await transport.aclose()


# -- closing ------------------------------------------------------------------


async def test_clean_server_close_raises_connection_closed(
    server: WsServer, implementation: str
) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        await transport.send("!close 4000 maintenance")
        with pytest.raises(errors.ConnectionClosedError) as info:
            await transport.receive()
        assert "closed the connection" in str(info.value)
        assert "4000" in str(info.value) and "maintenance" in str(info.value)
        assert info.value.data == {"code": 4000, "reason": "maintenance"}
        assert transport.closed and transport.close_code == 4000
        # Raised again, and send() refuses too.
        with pytest.raises(errors.ConnectionClosedError):
            await transport.receive()
        with pytest.raises(errors.ConnectionClosedError):
            await transport.send("late")
        await transport.aclose()  # idempotent, no error


async def test_messages_before_a_close_are_delivered_first(
    server: WsServer, implementation: str
) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        try:
            await transport.send("!thenclose")
            messages, _ = await receive_n(transport, 2)
            assert messages == ["last-1", "last-2"]
            with pytest.raises(errors.ConnectionClosedError) as info:
                await transport.receive()
            assert info.value.data["code"] == 4001
        finally:
            await transport.aclose()


async def test_abrupt_server_disconnect_raises_connection_closed(
    server: WsServer, implementation: str
) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        await transport.send("!abort")
        with pytest.raises(errors.ConnectionClosedError) as info:
            await transport.receive()
        assert "lost" in str(info.value)
        assert transport.close_code == 1006
        await transport.aclose()


async def test_aclose_while_a_reader_waits(server: WsServer, implementation: str) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        outcome: list[BaseException] = []

        async def reader(task_status: anyio.abc.TaskStatus[None]) -> None:
            task_status.started()
            try:
                await transport.receive()
            except errors.ConnectionClosedError as exc:
                outcome.append(exc)

        async with anyio.create_task_group() as tg:
            await tg.start(reader)
            await anyio.lowlevel.checkpoint()
            await transport.aclose()
        assert len(outcome) == 1
        assert "closed by the client" in str(outcome[0])
        assert transport.closed
    # The server saw a proper close handshake.
    assert server.close_codes.get(timeout=5) == 1000


async def test_aclose_without_a_reader_does_the_close_handshake(
    server: WsServer, implementation: str
) -> None:
    while not server.close_codes.empty():
        server.close_codes.get()
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        await transport.aclose()
        await transport.aclose()
    assert server.close_codes.get(timeout=5) == 1000
    with pytest.raises(errors.ConnectionClosedError, match="closed by the client"):
        await transport.send("x")


# -- limits and violations ----------------------------------------------------


async def test_message_over_max_size_fails_the_connection(
    server: WsServer, implementation: str
) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation, max_size=1000)
        await transport.send("!big 999")  # at the limit: fine
        assert await transport.receive() == ["x" * 999]
        await transport.send("!big 5000")
        with pytest.raises(errors.ConnectionClosedError) as info:
            await transport.receive()
        assert "too large" in str(info.value)
        assert info.value.data["code"] == 1009
        await transport.aclose()


async def test_fragments_adding_up_over_max_size_fail_the_connection(
    server: WsServer, implementation: str
) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation, max_size=1000)
        await transport.send("!fragbig 300")  # 900 bytes in all: fine
        assert await transport.receive() == ["a" * 300 + "b" * 300 + "c" * 300]
        await transport.send("!fragbig 400")  # each fragment fits, the message does not
        with pytest.raises(errors.ConnectionClosedError, match="too large"):
            await transport.receive()
        await transport.aclose()


async def test_invalid_utf8_text_fails_the_connection(
    server: WsServer, implementation: str
) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        await transport.send("!badutf8")
        with pytest.raises(errors.ConnectionClosedError, match="UTF-8") as info:
            await transport.receive()
        assert info.value.data["code"] == 1007
        await transport.aclose()


async def test_invalid_utf8_in_a_fragmented_message_fails_the_connection(
    server: WsServer, implementation: str
) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        await transport.send("!fragbadutf8")
        with pytest.raises(errors.ConnectionClosedError, match="UTF-8"):
            await transport.receive()
        await transport.aclose()


async def test_masked_server_frame_is_a_protocol_violation(implementation: str) -> None:
    raw = RawServer(script_masked_frame)
    try:
        with anyio.fail_after(5):
            transport = await connect(raw.url, implementation, close_timeout=0.2)
            with pytest.raises(errors.ConnectionClosedError, match="broke the WebSocket protocol"):
                await transport.receive()
            assert transport.close_code == 1002
            await transport.aclose()
    finally:
        raw.close()


async def test_aclose_is_bounded_when_the_server_never_answers(implementation: str) -> None:
    raw = RawServer(script_linger)
    try:
        with anyio.fail_after(5):
            transport = await connect(raw.url, implementation, close_timeout=0.2)
            await transport.aclose()  # returns after close_timeout, socket dropped
            assert transport.closed
            assert raw.seen.get(timeout=5) == "close"  # the close frame was sent
            with pytest.raises(errors.ConnectionClosedError, match="closed by the client"):
                await transport.receive()
    finally:
        raw.close()


async def test_server_close_without_tcp_close_ends_after_close_timeout(
    implementation: str,
) -> None:
    raw = RawServer(script_close_no_eof)
    try:
        with anyio.fail_after(5):
            transport = await connect(raw.url, implementation, close_timeout=0.2)
            with pytest.raises(errors.ConnectionClosedError, match="4002"):
                await transport.receive()
            assert raw.seen.get(timeout=5) == "echo"  # we answered the close
            await transport.aclose()
    finally:
        raw.close()


# -- connect failures -----------------------------------------------------------


async def test_connection_refused(implementation: str) -> None:
    with anyio.fail_after(5), pytest.raises(errors.ConnectionError, match="refused") as info:
        await connect(f"ws://127.0.0.1:{unused_port()}/ws", implementation)
    assert isinstance(info.value.__cause__, OSError)


async def test_unknown_host(implementation: str) -> None:
    with anyio.fail_after(10), pytest.raises(errors.ConnectionError, match="cannot resolve"):
        await connect("ws://no-such-host.invalid:8080/ws", implementation)


async def test_open_timeout(implementation: str) -> None:
    silent = SilentServer()
    try:
        with anyio.fail_after(5), pytest.raises(errors.ConnectionError, match="timed out"):
            await connect(f"ws://127.0.0.1:{silent.port}/ws", implementation, open_timeout=0.2)
    finally:
        silent.close()


async def test_server_closing_during_the_handshake(implementation: str) -> None:
    raw = RawServer(None)
    try:
        with anyio.fail_after(5), pytest.raises(errors.ConnectionError, match="handshake"):
            await connect(raw.url, implementation)
    finally:
        raw.close()


async def test_send_after_the_server_vanished_raises(server: WsServer, implementation: str) -> None:
    with anyio.fail_after(5):
        transport = await connect(server.url, implementation)
        await transport.send("!abort")
        with pytest.raises(errors.ConnectionClosedError):  # noqa: PT012 - loop until it fails
            for _ in range(10_000):
                await transport.send("into the void")
                await anyio.lowlevel.checkpoint()
        await transport.aclose()


async def test_handshake_rejected_with_http_status(server: WsServer, implementation: str) -> None:
    url = f"ws://127.0.0.1:{server.port}{REJECT_PATH}"
    with anyio.fail_after(5), pytest.raises(errors.ConnectionError, match="HTTP 403") as info:
        await connect(url, implementation)
    assert info.value.data == {"reason": "handshake", "status": 403}


async def test_connect_errors_are_sdk_errors_not_oserror_subclasses_leaking(
    implementation: str,
) -> None:
    with anyio.fail_after(5), pytest.raises(errors.CameraServiceError):
        await connect(f"ws://127.0.0.1:{unused_port()}/ws", implementation)


# -- TLS ------------------------------------------------------------------------


async def test_tls_self_signed_is_refused_by_default(
    tls_server: WsServer, implementation: str
) -> None:
    with anyio.fail_after(5), pytest.raises(errors.ConnectionError) as info:
        await connect(tls_server.url, implementation)
    assert "certificate verification failed" in str(info.value)
    assert info.value.data == {"reason": "certificate_verify_failed"}


async def test_tls_with_the_right_ca_is_accepted(
    tls_server: WsServer, implementation: str, client_context: ssl.SSLContext
) -> None:
    with anyio.fail_after(5):
        transport = await connect(tls_server.url, implementation, ssl_context=client_context)
        try:
            await transport.send("secure")
            assert await transport.receive() == ["secure"]
            await transport.send("!batch 20")
            messages, _ = await receive_n(transport, 20)
            assert messages == [f"b{i}" for i in range(20)]
        finally:
            await transport.aclose()


async def test_tls_server_close_is_reported(
    tls_server: WsServer, implementation: str, client_context: ssl.SSLContext
) -> None:
    with anyio.fail_after(5):
        transport = await connect(tls_server.url, implementation, ssl_context=client_context)
        await transport.send("!close 1001 going away")
        with pytest.raises(errors.ConnectionClosedError, match="1001"):
            await transport.receive()
        await transport.aclose()


async def test_tls_wrong_hostname_is_refused(
    wrong_name_server: WsServer, implementation: str, client_context: ssl.SSLContext
) -> None:
    with anyio.fail_after(5), pytest.raises(errors.ConnectionError) as info:
        await connect(wrong_name_server.url, implementation, ssl_context=client_context)
    assert "certificate verification failed" in str(info.value)


async def test_tls_verify_off_is_accepted_with_a_warning(
    tls_server: WsServer, implementation: str, caplog: pytest.LogCaptureFixture
) -> None:
    _reset_warning_state()
    caplog.set_level(logging.WARNING, logger="mediamtx_camera_sdk")
    with anyio.fail_after(5):
        transport = await connect(tls_server.url, implementation, verify_ssl=False)
        try:
            await transport.send("unverified")
            assert await transport.receive() == ["unverified"]
        finally:
            await transport.aclose()
        second = await connect(tls_server.url, implementation, verify_ssl=False)
        await second.aclose()
    warnings = [r for r in caplog.records if "verification is disabled" in r.getMessage()]
    assert len(warnings) == 1  # once, not per connection


async def test_ssl_context_with_ws_url_is_refused(
    server: WsServer, implementation: str, client_context: ssl.SSLContext
) -> None:
    with pytest.raises(ValueError, match="ws://"):
        await connect(server.url, implementation, ssl_context=client_context)


async def test_bad_arguments(server: WsServer) -> None:
    with pytest.raises(ValueError, match="max_size"):
        await AsyncTransport.connect(server.url, max_size=0)
    with pytest.raises(ValueError, match="implementation"):
        await AsyncTransport.connect(server.url, implementation="magic")  # type: ignore[arg-type]


# -- the asyncio fast path's flow control, driven by hand ------------------------

ASYNCIO_ONLY = pytest.mark.parametrize("path", [("asyncio", "auto")], ids=["asyncio-fast"])


class FakeTransport(asyncio.Transport):
    """Records what the protocol asks of asyncio."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.reading = True
        self.closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True


def _open_by_hand() -> tuple[AsyncioTransport, _WsProtocol, FakeTransport]:
    session = _Session(parse_url("ws://127.0.0.1:9/ws"), 1 << 24, "test")
    protocol = _WsProtocol(session, asyncio.get_running_loop(), close_timeout=1.0)
    fake = FakeTransport()
    protocol.connection_made(fake)
    protocol.write_pending()
    accept = accept_key(session.ws.key)
    protocol.data_received(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept.encode() + b"\r\n\r\n"
    )
    assert protocol.handshake.done()
    return AsyncioTransport(protocol, close_timeout=1.0), protocol, fake


def _server_frame(text: str) -> bytes:
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


@ASYNCIO_ONLY
async def test_fast_path_pauses_reading_when_messages_pile_up() -> None:
    transport, protocol, fake = _open_by_hand()
    frame = _server_frame("n" * 4000)
    for _ in range(400):  # ~1.6 MB unread
        protocol.data_received(frame)
    assert not fake.reading
    messages = await transport.receive()
    assert len(messages) == 400
    assert fake.reading


@ASYNCIO_ONLY
async def test_fast_path_send_waits_for_resume_writing() -> None:
    transport, protocol, fake = _open_by_hand()
    protocol.pause_writing()
    done = anyio.Event()

    async def sender() -> None:
        await transport.send("queued")
        done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(sender)
        await anyio.wait_all_tasks_blocked()
        assert not done.is_set()
        assert any(b"queued" in _unmask(chunk) for chunk in fake.written)  # written, then waiting
        protocol.resume_writing()
    assert done.is_set()


@ASYNCIO_ONLY
async def test_fast_path_connection_lost_fails_a_waiting_sender() -> None:
    transport, protocol, _fake = _open_by_hand()
    protocol.pause_writing()
    failures: list[BaseException] = []

    async def sender() -> None:
        try:
            await transport.send("queued")
        except errors.ConnectionClosedError as exc:
            failures.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(sender)
        await anyio.wait_all_tasks_blocked()
        protocol.connection_lost(ConnectionResetError("reset by peer"))
    assert len(failures) == 1
    assert "lost" in str(failures[0])
    assert isinstance(failures[0].__cause__, ConnectionResetError)


def _unmask(chunk: bytes) -> bytes:
    length = chunk[1] & 0x7F
    mask, payload = chunk[2:6], chunk[6 : 6 + length]
    return bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


# -- frames built by the session itself ------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_encode_text_matches_what_a_server_parses(size: int) -> None:
    session = _Session(parse_url("ws://127.0.0.1:9/ws"), 1 << 24, "test")
    text = "a" * size  # ASCII: exactly at the length encodings' limits
    # The websockets parser on the server side (which requires masked frames).
    server = Protocol(Side.SERVER, state=State.OPEN, max_size=None)
    frames = [session.encode_text(text), session.encode_text("héllo ✓")]
    assert frames[0][1] & 0x80  # masked, as a client must
    server.receive_data(b"".join(frames))
    events = server.events_received()
    assert [(e.opcode, e.fin, e.data.decode()) for e in events] == [
        (Opcode.TEXT, True, text),
        (Opcode.TEXT, True, "héllo ✓"),
    ]


def test_encode_text_draws_a_fresh_mask_for_every_frame() -> None:
    session = _Session(parse_url("ws://127.0.0.1:9/ws"), 1 << 24, "test")
    # Past the 4 KiB pool, so it is refilled along the way.
    masks = {session.encode_text("x")[2:6] for _ in range(3000)}
    assert len(masks) > 2900  # 32-bit random keys: collisions are rare


def _script_never_read(conn: object, protocol: object, server: RawServer) -> None:
    """Accept the connection, then never read from it (the client's writes back up)."""
    server.released.wait(30)


async def test_a_send_that_cannot_be_written_gives_up_at_its_deadline(implementation: str) -> None:
    # The server stops reading: once the socket buffers are full, a send must
    # wait, but only until its call's deadline, or the call would hang. The
    # fast paths keep the frames queued (they go out whole later); the anyio
    # path drops the connection when a write was cut short mid-frame.
    raw = RawServer(_script_never_read)
    try:
        with anyio.fail_after(60):
            transport = await connect(raw.url, implementation)
            big = "z" * (256 * 1024)
            sent = 0
            closed = False
            try:
                for _ in range(64):  # 16 MiB: more than the socket buffers hold
                    await transport.send_call(big, anyio.current_time() + 0.05)
                    sent += 1
            except errors.ConnectionClosedError:
                closed = True
            finally:
                raw.released.set()
                await transport.aclose()
        if implementation == "anyio":
            assert closed and sent < 64  # a write was cut short: the connection went
        else:
            assert not closed and sent == 64  # every frame queued, none torn
    finally:
        raw.close()
