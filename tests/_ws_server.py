"""Small WebSocket servers for the transport tests.

Each server runs the ``websockets`` asyncio server on its own event loop in a
background thread, so async tests on trio and blocking tests can use it alike.
It binds 127.0.0.1 on port 0.

The command server echoes every message, except text messages starting with
``!`` which are commands (see :func:`_command_handler`); ``!raw HEX`` writes
bytes straight to the socket, past the server's own protocol, so that a test
can send frames the protocol forbids, plain or over TLS.
"""

from __future__ import annotations

import asyncio
import faulthandler
import queue
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any, TypeVar

from websockets.asyncio.server import Request, Response, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.server import ServerProtocol

T = TypeVar("T")

#: Path that the server refuses with HTTP 403.
REJECT_PATH = "/reject"

#: Frames the protocol forbids (hex, for ``!raw``), each with the close code a
#: client answers it with, the same on every transport (websockets' codes):
#: 1002 (protocol error) for the framing, 1007 (invalid data) for text or a
#: close reason that is not UTF-8.
FORBIDDEN_FRAMES: dict[str, tuple[str, int]] = {
    "ping-of-126-bytes": ("897e007e" + "61" * 126, 1002),  # control frames: 125 at most
    "reserved-opcode": ("8300", 1002),
    "rsv1-set": ("c1026869", 1002),  # no extension was negotiated
    "text-not-utf8": ("8102fffe", 1007),
    "close-reason-not-utf8": ("880403e8fffe", 1007),
}


class WsServer:
    """A command/echo WebSocket server on a private loop in a daemon thread."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stalled: asyncio.Event | None = None
        self._connections: set[ServerConnection] = set()
        #: Close codes of finished connections, as the server saw them.
        self.close_codes: queue.Queue[int | None] = queue.Queue()
        self.port = 0
        self._thread = threading.Thread(target=self._run, name="test-ws-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test server did not start")

    @property
    def url(self) -> str:
        scheme = "wss" if self._ssl is not None else "ws"
        return f"{scheme}://127.0.0.1:{self.port}/ws"

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._stalled = asyncio.Event()
        async with serve(
            self._handler,
            "127.0.0.1",
            0,
            ssl=self._ssl,
            compression=None,
            max_size=None,
            process_request=_process_request,
        ) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    async def _handler(self, ws: ServerConnection) -> None:
        self._connections.add(ws)
        try:
            await _command_handler(ws, self)
        finally:
            self._connections.discard(ws)
            await ws.wait_closed()
            self.close_codes.put(ws.close_code)

    def release(self) -> None:
        """Let a connection stalled by ``!stall`` read again."""
        assert self._loop is not None and self._stalled is not None
        self._loop.call_soon_threadsafe(self._stalled.set)

    def call(self, fn: Callable[[], Coroutine[Any, Any, T]], timeout: float = 10) -> T:
        """Run ``fn()`` on the server's loop and return its result (from any thread)."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(fn(), self._loop).result(timeout)

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            loop.call_soon_threadsafe(stop.set)
        self._thread.join(10)


def _process_request(connection: ServerConnection, request: Request) -> Response | None:
    if request.path == REJECT_PATH:
        return connection.respond(HTTPStatus.FORBIDDEN, "go away\n")
    return None


async def _command_handler(ws: ServerConnection, server: WsServer) -> None:
    """Echo, plus ``!`` commands that make the server misbehave on purpose."""
    try:
        async for message in ws:
            if isinstance(message, bytes) or not message.startswith("!"):
                await ws.send(message)
                continue
            command, _, arg = message[1:].partition(" ")
            if command == "stall":
                # Stop reading until the test calls release(): the client's
                # writes back up through the socket buffers.
                assert server._stalled is not None
                server._stalled.clear()
                await ws.send("stalled")
                await server._stalled.wait()
                continue
            await _COMMANDS[command](ws, arg)
    except ConnectionClosed:
        pass


async def _batch(ws: ServerConnection, arg: str) -> None:
    # Queue every frame in the protocol, then write them in one go: the client
    # receives them in one (or very few) network reads.
    for i in range(int(arg)):
        ws.protocol.send_text(f"b{i}".encode())
    ws.send_data()


async def _flood(ws: ServerConnection, arg: str) -> None:
    count, size = (int(x) for x in arg.split())
    for i in range(count):
        ws.protocol.send_text(f"{i}:".encode() + b"f" * size)
        ws.send_data()
        if i % 64 == 0:
            await ws.drain()


async def _binary(ws: ServerConnection, arg: str) -> None:
    await ws.send(arg.encode())


async def _ping(ws: ServerConnection, arg: str) -> None:
    pong = await ws.ping(arg.encode() or b"hello")
    await pong
    await ws.send("pong-received")


async def _close(ws: ServerConnection, arg: str) -> None:
    code, _, reason = arg.partition(" ")
    await ws.close(int(code), reason)


async def _abort(ws: ServerConnection, arg: str) -> None:
    ws.transport.abort()


async def _big(ws: ServerConnection, arg: str) -> None:
    await ws.send("x" * int(arg))


async def _fragmented(ws: ServerConnection, arg: str) -> None:
    await ws.send(["part1-", "part2-", "part3"])


async def _bad_utf8(ws: ServerConnection, arg: str) -> None:
    ws.protocol.send_text(b"ok\xff\xfe")
    ws.send_data()


async def _frag_binary(ws: ServerConnection, arg: str) -> None:
    await ws.send([b"\x00\x01", b"\x02"])


async def _frag_bad_utf8(ws: ServerConnection, arg: str) -> None:
    ws.protocol.send_text(b"ok", fin=False)
    ws.protocol.send_continuation(b"\xff", fin=True)
    ws.send_data()


async def _frag_big(ws: ServerConnection, arg: str) -> None:
    # Three fragments of ``arg`` bytes each: only the whole message is too large.
    size = int(arg)
    await ws.send(["a" * size, "b" * size, "c" * size])


async def _ping_no_wait(ws: ServerConnection, arg: str) -> None:
    # The ping, then a message right away, then (once the pong came) another.
    pong = await ws.ping(b"nowait")
    await ws.send("ping-sent")
    await pong
    await ws.send("pong-received")


async def _raw(ws: ServerConnection, arg: str) -> None:
    # Bytes as they are: the server's protocol knows nothing of them.
    ws.transport.write(bytes.fromhex(arg))


async def _then_close(ws: ServerConnection, arg: str) -> None:
    # Messages followed by a close in the same write.
    ws.protocol.send_text(b"last-1")
    ws.protocol.send_text(b"last-2")
    ws.protocol.send_close(4001, "bye")
    ws.send_data()


_COMMANDS: dict[str, Callable[[ServerConnection, str], Awaitable[None]]] = {
    "batch": _batch,
    "flood": _flood,
    "binary": _binary,
    "ping": _ping,
    "close": _close,
    "abort": _abort,
    "big": _big,
    "fragmented": _fragmented,
    "badutf8": _bad_utf8,
    "thenclose": _then_close,
    "raw": _raw,
    "fragbinary": _frag_binary,
    "fragbig": _frag_big,
    "pingnowait": _ping_no_wait,
    "fragbadutf8": _frag_bad_utf8,
}


class RawServer:
    """A hand-driven WebSocket server (``websockets`` sans-IO) for misbehaviour.

    After the opening handshake it runs ``script(conn, protocol, server)`` on a
    blocking socket in a daemon thread. Scripts report what they saw in
    :attr:`seen` and wait on :attr:`released` before closing, so the peer
    stays open as long as the test needs.
    """

    def __init__(
        self,
        script: Callable[[socket.socket, ServerProtocol, RawServer], None] | None,
        early: bytes = b"",
    ) -> None:
        """``script=None``: close each connection as soon as it is accepted.

        ``early``: bytes written in the same ``sendall`` as the handshake
        response (frames that reach the client with the handshake).
        """
        self._script = script
        self._early = early
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/ws"
        self.seen: queue.Queue[object] = queue.Queue()
        self.released = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-raw-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self._sock.accept()
        except OSError:
            return  # closed before a client came
        with conn:
            if self._script is None:
                return
            protocol = ServerProtocol()
            request = None
            while request is None:
                data = conn.recv(65536)
                if not data:
                    return
                protocol.receive_data(data)
                for event in protocol.events_received():
                    request = event
            protocol.send_response(protocol.accept(request))  # type: ignore[arg-type]
            conn.sendall(b"".join(protocol.data_to_send()) + self._early)
            self._script(conn, protocol, self)

    def read_frames(self, conn: socket.socket, protocol: ServerProtocol) -> list[Frame]:
        """Block until at least one frame from the client arrives (``[]`` on EOF)."""
        while True:
            data = conn.recv(65536)
            if not data:
                return []
            protocol.receive_data(data)
            frames = [e for e in protocol.events_received() if isinstance(e, Frame)]
            if frames:
                return frames

    def close(self) -> None:
        self.released.set()
        self._sock.close()
        self._thread.join(10)


@contextmanager
def hang_guard(seconds: float = 120) -> Iterator[None]:
    """End the test process (with every thread's traceback) if the block hangs.

    For code that would block an event loop's thread (a plain ``send()`` that
    must never wait): an event library's timeout cannot interrupt it, and a
    hung test run would otherwise stall CI until its own limit.
    """
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


@contextmanager
def raw_server(
    script: Callable[[socket.socket, ServerProtocol, RawServer], None] | None,
    early: bytes = b"",
) -> Iterator[RawServer]:
    """A :class:`RawServer` running ``script``, closed on the way out."""
    raw = RawServer(script, early)
    try:
        yield raw
    finally:
        raw.close()


def script_linger(conn: socket.socket, protocol: ServerProtocol, server: RawServer) -> None:
    """Never answer the client's close frame, never close the TCP connection."""
    while True:
        frames = server.read_frames(conn, protocol)
        if not frames:
            return
        for frame in frames:
            if frame.opcode is Opcode.CLOSE:
                server.seen.put("close")
                server.released.wait(10)
                return


def script_close_no_eof(conn: socket.socket, protocol: ServerProtocol, server: RawServer) -> None:
    """Send a close frame, read the echo, but keep the TCP connection open."""
    protocol.send_close(4002, "bye")
    for chunk in protocol.data_to_send():
        conn.sendall(chunk)
    while True:
        frames = server.read_frames(conn, protocol)
        if not frames:
            return
        if any(frame.opcode is Opcode.CLOSE for frame in frames):
            server.seen.put("echo")
            server.released.wait(10)
            return


def script_never_read(conn: socket.socket, protocol: ServerProtocol, server: RawServer) -> None:
    """Never read again after the handshake: the client's writes back up."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    server.released.wait(60)


def script_read_until_close(
    conn: socket.socket, protocol: ServerProtocol, server: RawServer
) -> None:
    """Echo text frames; on the client's close frame, put its code in ``seen`` and hang up."""
    while True:
        frames = server.read_frames(conn, protocol)
        if not frames:
            server.seen.put("eof")
            return
        for frame in frames:
            if frame.opcode is Opcode.CLOSE:
                server.seen.put(int.from_bytes(frame.data[:2], "big") if frame.data else 1005)
                return
            if frame.opcode is Opcode.TEXT:
                protocol.send_text(frame.data)
        conn.sendall(b"".join(protocol.data_to_send()))


def script_masked_frame(conn: socket.socket, protocol: ServerProtocol, server: RawServer) -> None:
    """Send a masked text frame: servers must not mask (RFC 6455 section 5.1)."""
    payload = b"hi"
    mask = b"\x01\x02\x03\x04"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    conn.sendall(b"\x81" + bytes([0x80 | len(payload)]) + mask + masked)
    server.released.wait(10)


class SilentServer:
    """A TCP listener that never answers: connections hang in the handshake."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port: int = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()


def unused_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
