"""The async WebSocket transport against real local servers.

Every test runs three ways: asyncio's protocol API (``AsyncioTransport``), the
anyio stream path on asyncio (``use_anyio=True``) and the anyio stream path on
trio. The transport's surface: ``send(text)`` only queues (a plain function),
``await run(deliver)`` is the one reader and always ends by raising
``ConnectionClosedError``, ``await aclose()`` closes from any task.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import anyio
import anyio.abc
import pytest
import trustme

from _ws_server import (
    FORBIDDEN_FRAMES,
    REJECT_PATH,
    SilentServer,
    WsServer,
    hang_guard,
    raw_server,
    script_close_no_eof,
    script_linger,
    script_masked_frame,
    script_never_read,
    script_read_until_close,
    unused_port,
)
from mediamtx_camera_sdk import errors
from mediamtx_camera_sdk._async._asyncio_transport import AsyncioTransport
from mediamtx_camera_sdk._async._transport import AnyioTransport, AsyncTransport
from mediamtx_camera_sdk._tls import _reset_warning_state

pytestmark = pytest.mark.anyio

WAIT = 10.0  # the bound on anything a test waits for: catches hangs, measures nothing
PATHS = ["asyncio", "asyncio-anyio", "trio-anyio"]


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def anyio_backend(path: str) -> str:
    return path.split("-")[0]


@pytest.fixture
def use_anyio(path: str) -> bool:
    return path != "asyncio"


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
    """Runs ``transport.run()`` in a task: collects what it delivers and how it ended."""

    def __init__(self, transport: AsyncTransport) -> None:
        self.transport = transport
        self.batches: list[list[str | bytes]] = []
        self.messages: list[str | bytes] = []
        self._taken = 0
        self._arrived = anyio.Event()
        self.error: BaseException | None = None
        self.ended = anyio.Event()

    def deliver(self, messages: list[str | bytes]) -> None:
        self.batches.append(list(messages))
        self.messages.extend(messages)
        self._arrived.set()

    async def run(self) -> None:
        try:
            await self.transport.run(self.deliver)
        except errors.ConnectionClosedError as exc:
            self.error = exc
        except BaseException as exc:
            self.error = exc
            raise
        else:
            self.error = AssertionError("run() returned instead of raising")
        finally:
            self.ended.set()
            self._arrived.set()

    async def get(self, n: int = 1) -> list[str | bytes]:
        """The next ``n`` messages delivered (waits for them)."""
        while len(self.messages) < self._taken + n:
            assert not self.ended.is_set(), f"the reader ended: {self.error!r}"
            arrived = self._arrived = anyio.Event()
            await arrived.wait()
        got = self.messages[self._taken : self._taken + n]
        self._taken += n
        return got

    async def end(self) -> errors.ConnectionClosedError:
        """How ``run()`` ended: it must be ``ConnectionClosedError``."""
        await self.ended.wait()
        assert isinstance(self.error, errors.ConnectionClosedError), repr(self.error)
        return self.error


@asynccontextmanager
async def opened(
    url: str, use_anyio: bool, **kwargs: object
) -> AsyncIterator[tuple[AsyncTransport, Reader]]:
    """A connected transport with its reader running; closed (and the reader ended) after."""
    transport = await AsyncTransport.connect(url, use_anyio=use_anyio, **kwargs)  # type: ignore[arg-type]
    reader = Reader(transport)
    async with anyio.create_task_group() as tg:
        tg.start_soon(reader.run)
        try:
            yield transport, reader
        finally:
            await transport.aclose()
            await reader.ended.wait()


# -- basics -------------------------------------------------------------------


async def test_the_transport_follows_the_backend(
    server: WsServer, path: str, use_anyio: bool
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, _):
            expected = AsyncioTransport if path == "asyncio" else AnyioTransport
            assert type(transport) is expected


async def test_echo_round_trip(server: WsServer, use_anyio: bool) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            assert transport.endpoint.port == server.port
            assert not transport.closed
            assert transport.send('{"jsonrpc": "2.0", "method": "ping", "id": 1}') is None
            assert await reader.get() == ['{"jsonrpc": "2.0", "method": "ping", "id": 1}']
            transport.send("héllo ✓")  # non-ASCII survives the round trip
            assert await reader.get() == ["héllo ✓"]
        assert transport.closed
        assert "closed by the client" in str(await reader.end())


async def test_many_concurrent_senders_frames_stay_whole_and_ordered(
    server: WsServer, use_anyio: bool
) -> None:
    tasks, per_task = 40, 25
    with anyio.fail_after(30):
        async with opened(server.url, use_anyio) as (transport, reader):

            async def sender(task: int) -> None:
                for i in range(per_task):
                    # Varying sizes so that a torn frame would garble a neighbour.
                    transport.send(f"{task}:{i}:" + "p" * (task * 37 % 300))
                    await anyio.lowlevel.checkpoint()

            async with anyio.create_task_group() as tg:
                for task in range(tasks):
                    tg.start_soon(sender, task)
            messages = await reader.get(tasks * per_task)
    seen: dict[int, list[int]] = {}
    for message in messages:
        assert isinstance(message, str)
        task_s, i_s, padding = message.split(":")
        assert padding == "p" * (int(task_s) * 37 % 300)
        seen.setdefault(int(task_s), []).append(int(i_s))
    assert seen == {task: list(range(per_task)) for task in range(tasks)}


async def test_frames_from_one_read_are_delivered_together(
    server: WsServer, use_anyio: bool
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send("!batch 50")
            assert await reader.get(50) == [f"b{i}" for i in range(50)]
    # The server wrote all 50 frames at once: they cannot need 50 deliveries.
    assert len(reader.batches) < 50


async def test_binary_frames_are_delivered_as_bytes(server: WsServer, use_anyio: bool) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send("!binary raw-bytes")
            assert await reader.get() == [b"raw-bytes"]
            transport.send("after")  # the connection is still usable
            assert await reader.get() == ["after"]


async def test_fragmented_messages_are_assembled(server: WsServer, use_anyio: bool) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send("!fragmented")
            assert await reader.get() == ["part1-part2-part3"]
            transport.send("!fragbinary")
            assert await reader.get() == [b"\x00\x01\x02"]


async def test_server_pings_are_answered(server: WsServer, use_anyio: bool) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send("!ping abc")
            # The server says this only once it got our pong.
            assert await reader.get() == ["pong-received"]
            transport.send("!pingnowait")
            assert await reader.get(2) == ["ping-sent", "pong-received"]


async def test_a_flood_larger_than_the_read_buffer_arrives_complete(
    server: WsServer, use_anyio: bool
) -> None:
    count, size = 3000, 1000  # ~3 MB
    with anyio.fail_after(60):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send(f"!flood {count} {size}")
            messages = await reader.get(count)
    assert [m.split(":")[0] for m in messages if isinstance(m, str)] == [
        str(i) for i in range(count)
    ]
    assert all(len(m) == len(f"{i}:") + size for i, m in enumerate(messages))


async def test_messages_that_came_with_the_handshake_are_delivered(use_anyio: bool) -> None:
    early = b"\x81\x05early" + b"\x82\x03bin"  # a text and a binary frame
    with raw_server(script_read_until_close, early) as raw:
        with anyio.fail_after(WAIT):
            async with opened(raw.url, use_anyio) as (transport, reader):
                assert await reader.get(2) == ["early", b"bin"]
                transport.send("then")
                assert await reader.get() == ["then"]
        assert raw.seen.get(timeout=WAIT) == 1000


async def test_a_deliver_that_raises_drops_the_connection(
    server: WsServer, path: str, use_anyio: bool
) -> None:
    # A bug above the transport: run() still ends with ConnectionClosedError
    # (the bug as its cause), and the connection is over, not half alive.
    bug = ValueError("bug in deliver")

    def deliver(messages: list[str | bytes]) -> None:
        raise bug

    reported: list[object] = []
    if path == "asyncio":
        # asyncio's path also reports the bug loudly, through the loop's handler.
        loop = asyncio.get_running_loop()
        handler = loop.get_exception_handler()
        loop.set_exception_handler(lambda _, context: reported.append(context.get("exception")))
    try:
        with anyio.fail_after(WAIT):
            transport = await AsyncTransport.connect(server.url, use_anyio=use_anyio)
            transport.send("boom")
            try:
                with pytest.raises(errors.ConnectionClosedError) as info:
                    await transport.run(deliver)
                assert info.value.__cause__ is bug
                assert transport.closed
                with pytest.raises(errors.ConnectionClosedError):
                    transport.send("after")
            finally:
                await transport.aclose()
    finally:
        if path == "asyncio":
            loop.set_exception_handler(handler)
    assert reported in ([], [bug])


# -- closing ------------------------------------------------------------------


async def test_server_close_code_and_reason_are_reported(server: WsServer, use_anyio: bool) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send("!close 4000 maintenance")
            error = await reader.end()
            assert "closed the connection" in str(error)
            assert "4000" in str(error) and "maintenance" in str(error)
            assert error.data == {"code": 4000, "reason": "maintenance"}
            assert transport.closed
            with pytest.raises(errors.ConnectionClosedError):
                transport.send("late")
        await transport.aclose()  # idempotent, no error


async def test_messages_before_a_close_are_delivered_first(
    server: WsServer, use_anyio: bool
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send("!thenclose")
            assert await reader.get(2) == ["last-1", "last-2"]
            assert (await reader.end()).data == {"code": 4001, "reason": "bye"}


async def test_abrupt_server_disconnect_is_reported_as_lost(
    server: WsServer, use_anyio: bool
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send("!abort")
            error = await reader.end()
            assert "lost" in str(error)
            assert error.data == {"code": 1006, "reason": ""}
            with pytest.raises(errors.ConnectionClosedError):
                transport.send("into the void")


async def test_aclose_from_another_task_while_the_reader_waits(
    fresh: tuple[WsServer, ssl.SSLContext | None], use_anyio: bool
) -> None:
    server, context = fresh
    with anyio.fail_after(WAIT):
        transport = await AsyncTransport.connect(
            server.url, use_anyio=use_anyio, ssl_context=context
        )
        reader = Reader(transport)
        async with anyio.create_task_group() as tg:
            tg.start_soon(reader.run)
            transport.send("ready?")
            assert await reader.get() == ["ready?"]  # the reader is in run()

            async def closer() -> None:
                await transport.aclose()

            tg.start_soon(closer)
            error = await reader.end()
        assert "closed by the client" in str(error)
        assert transport.closed
        await transport.aclose()  # idempotent
        await transport.aclose()
    # The server saw a proper close handshake.
    assert server.close_codes.get(timeout=WAIT) == 1000


async def test_aclose_without_a_reader_does_the_close_handshake(
    fresh: tuple[WsServer, ssl.SSLContext | None], use_anyio: bool
) -> None:
    server, context = fresh
    with anyio.fail_after(WAIT):
        transport = await AsyncTransport.connect(
            server.url, use_anyio=use_anyio, ssl_context=context
        )
        await transport.aclose()
        await transport.aclose()
        assert transport.closed
        with pytest.raises(errors.ConnectionClosedError, match="closed by the client"):
            transport.send("x")
    assert server.close_codes.get(timeout=WAIT) == 1000


async def test_aclose_is_bounded_when_the_server_never_answers(use_anyio: bool) -> None:
    with raw_server(script_linger) as raw:
        with anyio.fail_after(WAIT):
            async with opened(raw.url, use_anyio, close_timeout=0.2) as (transport, reader):
                pass  # aclose(): the close frame, close_timeout, then the socket dropped
            assert transport.closed
            assert "closed by the client" in str(await reader.end())
        assert raw.seen.get(timeout=WAIT) == "close"  # the close frame was sent


async def test_server_close_without_tcp_close_ends_after_close_timeout(use_anyio: bool) -> None:
    with raw_server(script_close_no_eof) as raw:
        with anyio.fail_after(WAIT):
            async with opened(raw.url, use_anyio, close_timeout=0.2) as (_, reader):
                # The server keeps TCP open: run() ends close_timeout after the echo.
                with anyio.fail_after(0.2 + 5):
                    error = await reader.end()
                assert error.data == {"code": 4002, "reason": "bye"}
            assert raw.seen.get(timeout=WAIT) == "echo"  # we answered the close


# -- limits and violations ----------------------------------------------------


async def test_a_message_over_max_size_fails_the_connection_with_1009(
    server: WsServer, use_anyio: bool
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio, max_size=1000) as (transport, reader):
            transport.send("!big 1000")  # at the limit: fine
            assert await reader.get() == ["x" * 1000]
            transport.send("!big 5000")
            error = await reader.end()
            assert "too large" in str(error)
            assert error.data["code"] == 1009


async def test_fragments_adding_up_over_max_size_fail_the_connection(
    server: WsServer, use_anyio: bool
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio, max_size=1000) as (transport, reader):
            transport.send("!fragbig 300")  # 900 bytes in all: fine
            assert await reader.get() == ["a" * 300 + "b" * 300 + "c" * 300]
            transport.send("!fragbig 400")  # each fragment fits, the message does not
            error = await reader.end()
            assert "too large" in str(error)
            assert error.data["code"] == 1009


async def test_invalid_utf8_text_fails_the_connection_with_1007(
    server: WsServer, use_anyio: bool
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send("!badutf8")
            error = await reader.end()
            assert "UTF-8" in str(error)
            assert error.data["code"] == 1007


async def test_invalid_utf8_in_a_fragmented_message_fails_the_connection(
    server: WsServer, use_anyio: bool
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio) as (transport, reader):
            transport.send("!fragbadutf8")
            error = await reader.end()
            assert "UTF-8" in str(error)
            assert error.data["code"] == 1007


async def test_a_masked_server_frame_is_a_protocol_error(use_anyio: bool) -> None:
    with raw_server(script_masked_frame) as raw:
        with anyio.fail_after(WAIT):
            async with opened(raw.url, use_anyio, close_timeout=0.2) as (_, reader):
                # The server keeps TCP open (for 10 s): run() ends after close_timeout.
                with anyio.fail_after(0.2 + 5):
                    error = await reader.end()
                assert "broke the WebSocket protocol" in str(error)
                assert error.data["code"] == 1002


@pytest.mark.parametrize("frame", list(FORBIDDEN_FRAMES))
async def test_a_forbidden_frame_ends_the_connection_with_the_librarys_close_code(
    frame: str, fresh: tuple[WsServer, ssl.SSLContext | None], use_anyio: bool
) -> None:
    server, context = fresh
    raw, code = FORBIDDEN_FRAMES[frame]
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio, ssl_context=context) as (transport, reader):
            transport.send("before")
            assert await reader.get() == ["before"]
            transport.send(f"!raw {raw}")
            error = await reader.end()
            assert error.data["code"] == code, error
            assert transport.closed
            with pytest.raises(errors.ConnectionClosedError):
                transport.send("after")
        assert reader.batches == [["before"]]  # nothing of the bad frame was delivered
    # The close frame the server got from us carries the same code.
    assert server.close_codes.get(timeout=WAIT) == code


# -- a server that stops reading ------------------------------------------------


@pytest.mark.parametrize("kind", ["plain", "tls"])
async def test_send_never_blocks_and_aclose_is_bounded_when_the_server_stops_reading(
    kind: str,
    server: WsServer,
    tls_server: WsServer,
    client_context: ssl.SSLContext,
    use_anyio: bool,
) -> None:
    srv, context = (tls_server, client_context) if kind == "tls" else (server, None)
    close_timeout = 0.5
    chunk = "z" * (256 * 1024)
    options = {"ssl_context": context, "close_timeout": close_timeout}
    try:
        with hang_guard():
            async with opened(srv.url, use_anyio, **options) as (transport, reader):
                with anyio.fail_after(WAIT):
                    transport.send("!stall")
                    assert await reader.get() == ["stalled"]
                # 32 MiB: far more than the socket buffers and the server's queue hold.
                with anyio.fail_after(WAIT):
                    for i in range(128):
                        transport.send(f"{i:03d}{chunk}")
                        if i % 16 == 0:
                            await anyio.lowlevel.checkpoint()  # let the writer write
                with anyio.fail_after(close_timeout + 5):
                    await transport.aclose()
                with anyio.fail_after(5):
                    error = await reader.end()
                assert transport.closed
                assert isinstance(error, errors.ConnectionClosedError)
                with pytest.raises(errors.ConnectionClosedError):
                    transport.send("after")
    finally:
        srv.release()


async def test_aclose_is_bounded_when_the_server_never_reads(use_anyio: bool) -> None:
    with hang_guard(), raw_server(script_never_read) as raw:
        async with opened(raw.url, use_anyio, close_timeout=0.5) as (transport, reader):
            with anyio.fail_after(WAIT):
                for _ in range(64):  # 16 MiB
                    transport.send("y" * (256 * 1024))
                    await anyio.lowlevel.checkpoint()
            with anyio.fail_after(0.5 + 5):
                await transport.aclose()
                await reader.end()


# -- send after close -------------------------------------------------------------


async def test_send_after_aclose_raises_connection_closed(
    fresh: tuple[WsServer, ssl.SSLContext | None], use_anyio: bool
) -> None:
    server, context = fresh
    with anyio.fail_after(WAIT):
        async with opened(server.url, use_anyio, ssl_context=context) as (transport, reader):
            transport.send("x")
            assert await reader.get() == ["x"]
            await transport.aclose()
            with pytest.raises(errors.ConnectionClosedError, match="closed by the client") as info:
                transport.send("y")
            assert info.value.data["code"] in (1000, 1006)
            await reader.end()
        with pytest.raises(errors.ConnectionClosedError):
            transport.send("z")


# -- connect failures -----------------------------------------------------------


async def test_connection_refused(use_anyio: bool) -> None:
    with anyio.fail_after(WAIT), pytest.raises(errors.ConnectionError, match="refused") as info:
        await AsyncTransport.connect(f"ws://127.0.0.1:{unused_port()}/ws", use_anyio=use_anyio)
    assert isinstance(info.value.__cause__, OSError)
    assert not isinstance(info.value, errors.ConnectionClosedError)


async def test_unknown_host(use_anyio: bool) -> None:
    with anyio.fail_after(WAIT), pytest.raises(errors.ConnectionError, match="cannot resolve"):
        await AsyncTransport.connect("ws://no-such-host.invalid:8080/ws", use_anyio=use_anyio)


async def test_open_timeout(use_anyio: bool) -> None:
    silent = SilentServer()
    try:
        with anyio.fail_after(WAIT), pytest.raises(errors.ConnectionError, match="timed out"):
            await AsyncTransport.connect(
                f"ws://127.0.0.1:{silent.port}/ws", use_anyio=use_anyio, open_timeout=0.2
            )
    finally:
        silent.close()


async def test_server_closing_during_the_handshake(use_anyio: bool) -> None:
    with (
        raw_server(None) as raw,
        anyio.fail_after(WAIT),
        pytest.raises(errors.ConnectionError, match="handshake"),
    ):
        await AsyncTransport.connect(raw.url, use_anyio=use_anyio)


async def test_handshake_rejected_with_http_status(server: WsServer, use_anyio: bool) -> None:
    url = f"ws://127.0.0.1:{server.port}{REJECT_PATH}"
    with anyio.fail_after(WAIT), pytest.raises(errors.ConnectionError, match="HTTP 403") as info:
        await AsyncTransport.connect(url, use_anyio=use_anyio)
    assert info.value.data == {"reason": "handshake", "status": 403}


async def test_bad_arguments(server: WsServer, use_anyio: bool) -> None:
    with pytest.raises(ValueError, match="max_size"):
        await AsyncTransport.connect(server.url, max_size=0, use_anyio=use_anyio)
    with pytest.raises(ValueError, match="scheme"):
        await AsyncTransport.connect(server.url.replace("ws://", "http://"), use_anyio=use_anyio)


# -- TLS ------------------------------------------------------------------------


async def test_tls_self_signed_is_refused_by_default(tls_server: WsServer, use_anyio: bool) -> None:
    with anyio.fail_after(WAIT), pytest.raises(errors.ConnectionError) as info:
        await AsyncTransport.connect(tls_server.url, use_anyio=use_anyio)
    assert "certificate verification failed" in str(info.value)
    assert info.value.data == {"reason": "certificate_verify_failed"}


async def test_tls_with_the_right_ca_is_accepted(
    tls_server: WsServer, use_anyio: bool, client_context: ssl.SSLContext
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(tls_server.url, use_anyio, ssl_context=client_context) as (t, reader):
            t.send("secure")
            assert await reader.get() == ["secure"]
            t.send("!batch 20")
            assert await reader.get(20) == [f"b{i}" for i in range(20)]
            t.send("!fragmented")
            assert await reader.get() == ["part1-part2-part3"]
            t.send("!ping tls")
            assert await reader.get() == ["pong-received"]


async def test_tls_server_close_is_reported(
    tls_server: WsServer, use_anyio: bool, client_context: ssl.SSLContext
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(tls_server.url, use_anyio, ssl_context=client_context) as (t, reader):
            t.send("!close 1001 going away")
            assert (await reader.end()).data == {"code": 1001, "reason": "going away"}


async def test_tls_abrupt_disconnect_is_reported_as_lost(
    tls_server: WsServer, use_anyio: bool, client_context: ssl.SSLContext
) -> None:
    with anyio.fail_after(WAIT):
        async with opened(tls_server.url, use_anyio, ssl_context=client_context) as (t, reader):
            t.send("!abort")
            error = await reader.end()
            assert "lost" in str(error)
            assert error.data["code"] == 1006


async def test_tls_wrong_hostname_is_refused(
    wrong_name_server: WsServer, use_anyio: bool, client_context: ssl.SSLContext
) -> None:
    with anyio.fail_after(WAIT), pytest.raises(errors.ConnectionError) as info:
        await AsyncTransport.connect(
            wrong_name_server.url, use_anyio=use_anyio, ssl_context=client_context
        )
    assert "certificate verification failed" in str(info.value)


async def test_tls_verify_off_is_accepted_with_a_warning(
    tls_server: WsServer, use_anyio: bool, caplog: pytest.LogCaptureFixture
) -> None:
    _reset_warning_state()
    caplog.set_level(logging.WARNING, logger="mediamtx_camera_sdk")
    with anyio.fail_after(WAIT):
        async with opened(tls_server.url, use_anyio, verify_ssl=False) as (transport, reader):
            transport.send("unverified")
            assert await reader.get() == ["unverified"]
        second = await AsyncTransport.connect(tls_server.url, use_anyio=use_anyio, verify_ssl=False)
        await second.aclose()
    warnings = [r for r in caplog.records if "verification is disabled" in r.getMessage()]
    assert len(warnings) == 1  # once, not per connection


async def test_ssl_context_with_ws_url_is_refused(
    server: WsServer, use_anyio: bool, client_context: ssl.SSLContext
) -> None:
    with pytest.raises(ValueError, match="ws://"):
        await AsyncTransport.connect(server.url, use_anyio=use_anyio, ssl_context=client_context)
