"""The asyncio fast path of the async transport.

Same surface and behaviour as :class:`._transport.AnyioTransport`, but built on
asyncio's protocol/transport API instead of anyio streams:

* bytes from the socket (read into one preallocated buffer) go straight from
  :meth:`_WsProtocol.data_received` into the WebSocket parser; complete
  messages are appended to an inbox and the one waiting
  :meth:`AsyncioTransport.receive` is woken once per read, not once per message
  or, after :meth:`AsyncioTransport.deliver_to`, handed to the receiver right
  there (no task switch between a reply and the core);
* :meth:`AsyncioTransport.send` serializes the frame and hands it to
  ``transport.write`` synchronously: no lock is needed (nothing awaits between
  building and writing a frame, so frames never interleave) and nothing is
  awaited unless asyncio asked us to stop writing (``pause_writing``), in which
  case senders wait for ``resume_writing``;
* when more than about 1 MiB of received messages waits unread, reading from the
  socket pauses until ``receive()`` takes them (so a flood cannot exhaust memory).

:meth:`._transport.AsyncTransport.connect` picks this class automatically when
the running loop is asyncio.
"""

from __future__ import annotations

import asyncio
import math
import ssl
from collections.abc import Callable
from typing import Final, cast

import anyio
from websockets.frames import CloseCode
from websockets.protocol import State

from .. import errors
from .._tls import Endpoint, connect_error, handshake_failed
from ._transport import AsyncTransport, _again, _Session

__all__ = ["AsyncioTransport"]

_OPEN = State.OPEN
_CONNECTING = State.CONNECTING

# Size of the buffer asyncio reads into.
_READ_SIZE: Final = 256 * 1024

# Unread received bytes above which the socket stops being read.
_PAUSE_READING_ABOVE: Final = 1024 * 1024


class _WsProtocol(asyncio.BufferedProtocol):
    """asyncio protocol object: feeds the WebSocket session, wakes the reader.

    A *buffered* protocol: asyncio reads into our preallocated buffer
    (``recv_into``) instead of allocating a fresh 256 KiB ``bytes`` for every
    read, which costs more than the system call itself.
    """

    def __init__(
        self, session: _Session, loop: asyncio.AbstractEventLoop, close_timeout: float
    ) -> None:
        self.session = session
        self.ws = session.ws
        self.loop = loop
        self.close_timeout = close_timeout
        self.transport: asyncio.Transport | None = None
        self.handshake: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.inbox: list[str | bytes] = []
        # Set by AsyncioTransport.deliver_to(): messages go to it straight
        # from data_received, and the inbox stays empty.
        self.receiver: Callable[[list[str | bytes]], None] | None = None
        self.unread = 0
        self.reading_paused = False
        self.waiter: asyncio.Future[None] | None = None
        self.writing_paused = False
        self.drain_waiters: list[asyncio.Future[None]] = []
        self.close_timer: asyncio.TimerHandle | None = None
        self.cause: BaseException | None = None
        self.error: errors.ConnectionClosedError | None = None
        self._read_buffer = bytearray(_READ_SIZE)
        self._read_view = memoryview(self._read_buffer)

    # -- asyncio callbacks --------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Always a stream transport: create_connection() made it.
        self.transport = cast(asyncio.Transport, transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._read_view

    def buffer_updated(self, nbytes: int) -> None:
        # The slice copies: the parser keeps the bytes, the buffer is reused.
        self.data_received(self._read_buffer[:nbytes])

    def data_received(self, data: bytes | bytearray) -> None:
        ws = self.ws
        self.session.receive_data(data)
        self.write_pending()
        messages = self.session.take_messages()
        if messages:
            # take_messages() may have failed the connection (invalid UTF-8):
            # its close frame is written here too.
            self.write_pending()
            if self.receiver is None:
                self.inbox.extend(messages)
                self.unread += len(data)
                if self.unread > _PAUSE_READING_ABOVE and not self.reading_paused:
                    self.reading_paused = True
                    self._transport().pause_reading()
        elif self.session.failure is not None:
            self.write_pending()
        if not self.handshake.done():
            error = self.session.handshake_error()
            if error is not None:
                error.__cause__ = ws.handshake_exc
                self.handshake.set_exception(error)
                self.handshake.exception()  # retrieved even if connect() gave up
                self._transport().close()
                return
            if ws.state is not _CONNECTING:
                # Open (or already closing: frames may follow the response).
                self.handshake.set_result(None)
        if ws.close_expected():
            self.arm_close_timer()
        waiter = self.waiter
        if waiter is not None and not waiter.done() and (self.inbox or ws.state is not _OPEN):
            waiter.set_result(None)
        if messages and self.receiver is not None:
            self.receiver(messages)

    def eof_received(self) -> bool | None:
        self.session.receive_eof()
        self.write_pending()
        # Returning None lets asyncio close the transport: the WebSocket close
        # handshake, not TCP half-close, ends a connection.
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        ws = self.ws
        self.session.receive_eof()  # idempotent; makes the protocol state CLOSED
        ws.data_to_send()  # nothing can be written any more
        if self.cause is None:
            self.cause = exc
        if self.close_timer is not None:
            self.close_timer.cancel()
            self.close_timer = None
        if self.error is None:
            self.error = self.session.closure_error(self.cause)
        if not self.handshake.done():
            detail = "the server closed the connection"
            if exc is not None:
                detail = f"the connection was lost ({exc or type(exc).__name__})"
            error = handshake_failed(self.session.endpoint, detail)
            error.__cause__ = exc
            self.handshake.set_exception(error)
            # connect() may already have given up (timeout): do not warn about
            # an exception nobody retrieves.
            self.handshake.exception()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        self.writing_paused = False
        for drain in self.drain_waiters:
            if not drain.done():
                drain.set_result(None)
        if not self.lost.done():
            self.lost.set_result(None)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        for drain in self.drain_waiters:
            if not drain.done():
                drain.set_result(None)

    # -- helpers ------------------------------------------------------------

    def _transport(self) -> asyncio.Transport:
        transport = self.transport
        if transport is None:  # pragma: no cover - callbacks come after connection_made
            raise RuntimeError("the asyncio transport is not connected yet")
        return transport

    def write_pending(self) -> None:
        """Write whatever the WebSocket protocol has queued (frames, pongs, close)."""
        chunks = self.ws.data_to_send()
        if not chunks:
            return
        transport = self._transport()
        for chunk in chunks:
            if chunk:
                transport.write(chunk)
            else:
                # The protocol's end-of-stream marker. A client only sends it
                # after the server's EOF, so closing (which works for TLS too,
                # unlike write_eof) loses nothing.
                transport.close()

    def arm_close_timer(self) -> None:
        """Drop the socket if the server does not finish closing within close_timeout."""
        if self.close_timer is None and not self.lost.done():
            self.close_timer = self.loop.call_later(self.close_timeout, self._abort)

    def _abort(self) -> None:
        self.close_timer = None
        if self.transport is not None:
            self.transport.abort()

    async def drain(self, deadline: float = math.inf) -> None:
        """Wait until asyncio accepts writes again, the connection is lost or ``deadline`` passes.

        ``deadline`` is on the loop's clock; the frames written are in
        asyncio's buffer either way, and go out when the server reads again.
        """
        loop = self.loop
        while self.writing_paused and not self.lost.done() and loop.time() < deadline:
            waiter = loop.create_future()
            self.drain_waiters.append(waiter)
            timer = None if deadline == math.inf else loop.call_at(deadline, _wake, waiter)
            try:
                await waiter
            finally:
                self.drain_waiters.remove(waiter)
                if timer is not None:
                    timer.cancel()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class AsyncioTransport(AsyncTransport):
    """The transport on asyncio's native protocol/transport API (asyncio only)."""

    def __init__(self, protocol: _WsProtocol, close_timeout: float) -> None:
        self._protocol = protocol
        self._session = protocol.session
        self._ws = protocol.ws
        self._close_timeout = close_timeout
        self._closing = False

    @classmethod
    async def _open(
        cls,
        endpoint: Endpoint,
        context: ssl.SSLContext | None,
        max_size: int | None,
        open_timeout: float | None,
        close_timeout: float,
        user_agent: str,
    ) -> AsyncioTransport:
        loop = asyncio.get_running_loop()
        session = _Session(endpoint, max_size, user_agent)
        protocol = _WsProtocol(session, loop, close_timeout)
        try:
            with anyio.fail_after(open_timeout):
                try:
                    await loop.create_connection(
                        lambda: protocol,
                        endpoint.host,
                        endpoint.port,
                        ssl=context,
                        server_hostname=endpoint.host if context is not None else None,
                    )
                except (OSError, ssl.SSLError) as exc:
                    raise connect_error(exc, endpoint, open_timeout=open_timeout) from exc
                protocol.write_pending()  # the handshake request
                # shield: a timeout must not cancel the future itself (its
                # exception is retrieved in connection_lost).
                await asyncio.shield(protocol.handshake)
        except TimeoutError as exc:
            cls._drop(protocol)
            raise connect_error(exc, endpoint, open_timeout=open_timeout) from exc
        except BaseException:
            cls._drop(protocol)
            raise
        return cls(protocol, close_timeout)

    @staticmethod
    def _drop(protocol: _WsProtocol) -> None:
        if protocol.transport is not None:
            protocol.transport.abort()

    # -- properties ---------------------------------------------------------

    @property
    def endpoint(self) -> Endpoint:
        return self._session.endpoint

    @property
    def closed(self) -> bool:
        return self._protocol.error is not None

    @property
    def close_code(self) -> int | None:
        error = self._protocol.error
        return None if error is None else int(error.data["code"])

    @property
    def close_reason(self) -> str | None:
        error = self._protocol.error
        return None if error is None else error.message

    # -- I/O ----------------------------------------------------------------

    async def send(self, text: str) -> None:
        await self.send_call(text, math.inf)

    async def send_call(self, text: str, deadline: float) -> None:
        protocol = self._protocol
        ws = self._ws
        transport = protocol._transport()
        if self._closing or ws.state is not _OPEN or transport.is_closing():
            raise self._closed_error()
        # The frame goes straight to the socket, not through the protocol's
        # output buffer: whatever the protocol queued (a pong, a close) was
        # written by the data_received that queued it, so nothing overtakes.
        transport.write(self._session.encode_text(text))
        if protocol.writing_paused:
            # The server is not reading: wait for room, but never past the
            # call's deadline (the call must time out, not hang).
            await protocol.drain(deadline)
            if protocol.error is not None:
                raise _again(protocol.error)

    def _closed_error(self) -> errors.ConnectionClosedError:
        error = self._protocol.error
        if error is not None:
            return _again(error)
        return errors.ConnectionClosedError(
            f"the connection to {self._session.endpoint.netloc} is closing",
            data={"code": None, "reason": ""},
        )

    async def receive(self) -> list[str | bytes]:
        protocol = self._protocol
        while True:
            inbox = protocol.inbox
            if inbox:
                protocol.inbox = []
                protocol.unread = 0
                if protocol.reading_paused:
                    protocol.reading_paused = False
                    protocol._transport().resume_reading()
                return inbox
            if protocol.error is not None:
                raise _again(protocol.error)
            if protocol.waiter is not None:
                raise RuntimeError("another task is already waiting in receive()")
            waiter = protocol.loop.create_future()
            protocol.waiter = waiter
            try:
                await waiter
            finally:
                protocol.waiter = None

    def deliver_to(self, receiver: Callable[[list[str | bytes]], None]) -> bool:
        protocol = self._protocol
        protocol.receiver = receiver
        inbox = protocol.inbox
        if inbox:
            protocol.inbox = []
            protocol.unread = 0
            if protocol.reading_paused:
                protocol.reading_paused = False
                protocol._transport().resume_reading()
            receiver(inbox)
        return True

    async def aclose(self) -> None:
        protocol = self._protocol
        if not self._closing:
            self._closing = True
            self._session.local_close = True
            transport = protocol._transport()
            if self._ws.state is _OPEN and not transport.is_closing():
                self._ws.send_close(CloseCode.NORMAL_CLOSURE)
                protocol.write_pending()
                protocol.arm_close_timer()
        try:
            if not protocol.lost.done():
                with anyio.move_on_after(self._close_timeout):
                    await asyncio.shield(protocol.lost)
        finally:
            if not protocol.lost.done():
                self._drop(protocol)
                if protocol.error is None:
                    protocol.error = self._session.closure_error(protocol.cause)
