"""The benchmark server: a minimal, fast JSON-RPC service over WebSocket.

Run as ``python benchmarks/server.py [--cpu N]``: it listens on 127.0.0.1 (a
free port), prints ``PORT <n>`` and serves until stdin closes or it is killed.

It is built on the ``websockets`` sans-IO :class:`~websockets.server.ServerProtocol`
(opening handshake, frame parsing, unmasking, ping and close handling) driven
from an asyncio ``Protocol``. Replies are written straight from
``data_received``: every request parsed from one read is answered in one
``transport.write``, never awaiting a send, so the server costs each client
the same small, constant time and the client is what is measured. Outgoing
data frames are built here (a server's frames are not masked; results that do
not change are serialized once).

Methods:

- ``ping`` -> ``"pong"``; ``authenticate`` -> a current-dialect success;
- ``get_camera_list`` -> 10 cameras (about 2 KB);
- ``flood`` ``{"count": N}`` -> N ``recording.progress`` notifications, then
  the reply ``{"sent": N}`` (written in chunks, pausing when the client does
  not keep up);
- ``hold`` -> no reply until a ``release`` call; ``release`` -> replies to
  every held call, then ``{"released": n}`` (so that a client can have many
  calls in flight at once and measure itself meanwhile);
- anything else -> error -32601.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import struct
import sys
import threading
from typing import Any

import _common
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

_TEXT = Opcode.TEXT
_CHUNK = 1_000  # notifications per write while flooding


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final text frame (RFC 6455 section 5.2)."""
    length = len(payload)
    if length < 126:
        return bytes((0x81, length)) + payload
    if length < 65_536:
        return b"\x81\x7e" + struct.pack("!H", length) + payload
    return b"\x81\x7f" + struct.pack("!Q", length) + payload


def _result_parts(result: Any) -> tuple[bytes, bytes]:
    """The bytes around the id of a reply carrying ``result`` (serialized once)."""
    return b'{"jsonrpc":"2.0","id":', b',"result":' + json.dumps(
        result, separators=(",", ":")
    ).encode() + b"}"


_RESULTS = {
    "ping": _result_parts("pong"),
    "authenticate": _result_parts(_common.AUTH_RESULT),
    "get_camera_list": _result_parts(_common.CAMERA_LIST),
    "hold": _result_parts("held"),
}
_NOTIFICATION = text_frame(
    json.dumps(
        {"jsonrpc": "2.0", "method": _common.FLOOD_METHOD, "params": _common.FLOOD_PARAMS},
        separators=(",", ":"),
    ).encode()
)


def _id_bytes(call_id: Any) -> bytes:
    """A request id as JSON (integers, as the SDK and raw clients send, on the fast path)."""
    return str(call_id).encode() if type(call_id) is int else json.dumps(call_id).encode()


def _reply(call_id: Any, result: Any) -> bytes:
    return text_frame(
        json.dumps(
            {"jsonrpc": "2.0", "id": call_id, "result": result}, separators=(",", ":")
        ).encode()
    )


def _error(call_id: Any, code: int, message: str) -> bytes:
    body = {"jsonrpc": "2.0", "id": call_id, "error": {"code": code, "message": message}}
    return text_frame(json.dumps(body, separators=(",", ":")).encode())


class Connection(asyncio.Protocol):
    """One client connection."""

    def __init__(self) -> None:
        self.ws = ServerProtocol(max_size=None)
        self.transport: asyncio.Transport | None = None
        self.held: list[Any] = []
        self.paused = False
        self.resumed: asyncio.Future[None] | None = None
        self.flooding: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        ws = self.ws
        ws.receive_data(data)
        out: list[bytes] = []
        for event in ws.events_received():
            if isinstance(event, Request):
                ws.send_response(ws.accept(event))
            elif isinstance(event, Frame) and event.opcode is _TEXT:
                self.handle(bytes(event.data), out)
        transport = self.transport
        if transport is None:
            return
        for chunk in ws.data_to_send():
            if chunk:
                transport.write(chunk)
            else:
                transport.close()
                return
        if out:
            transport.write(b"".join(out))

    def handle(self, data: bytes, out: list[bytes]) -> None:
        """Answer one request (appending the frames to write to ``out``)."""
        try:
            message = json.loads(data)
            method = message["method"]
            call_id = message.get("id")
        except (ValueError, KeyError, TypeError):
            out.append(_error(None, -32700, "parse error"))
            return
        parts = _RESULTS.get(method)
        if method == "hold":
            self.held.append(call_id)
        elif parts is not None:
            head, tail = parts
            out.append(text_frame(head + _id_bytes(call_id) + tail))
        elif method == "flood":
            count = int((message.get("params") or {}).get("count", 0))
            task = asyncio.get_running_loop().create_task(self.flood(call_id, count))
            self.flooding.add(task)
            task.add_done_callback(self.flooding.discard)
        elif method == "release":
            head, tail = _RESULTS["hold"]
            out.extend(text_frame(head + _id_bytes(i) + tail) for i in self.held)
            out.append(_reply(call_id, {"released": len(self.held)}))
            self.held = []
        else:
            out.append(_error(call_id, -32601, f"method not found: {method}"))

    async def flood(self, call_id: Any, count: int) -> None:
        """Push ``count`` notifications, then the reply, pausing while the client lags."""
        transport = self.transport
        if transport is None:
            return
        chunk = _NOTIFICATION * _CHUNK
        left = count
        while left > 0:
            if transport.is_closing():
                return
            if self.paused:
                self.resumed = asyncio.get_running_loop().create_future()
                await self.resumed
                continue
            n = min(left, _CHUNK)
            transport.write(chunk if n == _CHUNK else _NOTIFICATION * n)
            left -= n
            await asyncio.sleep(0)  # let requests from other clients in
        transport.write(_reply(call_id, {"sent": count}))

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.resumed is not None and not self.resumed.done():
            self.resumed.set_result(None)

    def eof_received(self) -> bool | None:
        self.ws.receive_eof()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.resumed is not None and not self.resumed.done():
            self.resumed.set_result(None)


async def serve(cpu: int | None) -> None:
    """Listen, print the port, serve until stdin closes."""
    _common.pin_to(cpu)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Connection, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    # The parent keeps our stdin open; when it goes (even killed), so do we.
    closed: asyncio.Future[None] = loop.create_future()

    def watch_stdin() -> None:
        while sys.stdin.buffer.read(65_536):
            pass
        loop.call_soon_threadsafe(finish)

    def finish() -> None:
        if not closed.done():
            closed.set_result(None)

    threading.Thread(target=watch_stdin, daemon=True).start()
    async with server:
        await closed


def main() -> None:
    """Command line: ``server.py [--cpu N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    args = parser.parse_args()
    asyncio.run(serve(args.cpu))


if __name__ == "__main__":
    main()
