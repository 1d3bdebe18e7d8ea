"""The transport on asyncio's own protocol API (``loop.create_connection``).

asyncio calls :meth:`AsyncioTransport.data_received` with every network read; that
callback is the connection's one reader: it feeds the bytes to the
``websockets`` protocol and hands the completed messages to the client at
once, so a reply reaches its waiting caller without a trip through a reader
task. Writes go to asyncio's transport, once per loop iteration for every frame
sent in it; the transport takes every frame whole and buffers what the
socket cannot take yet: a caller is never inside a write
when it is cancelled, and a server that stops reading makes the buffer grow
(the calls time out; the heartbeat ends the connection), never a caller wait.
"""

from __future__ import annotations

import asyncio
import ssl

import anyio
from websockets.protocol import State

from .._tls import connect_error, handshake_failed
from .._wsession import Session
from ._transport import AsyncTransport

__all__ = ["AsyncioTransport"]


class AsyncioTransport(AsyncTransport, asyncio.Protocol):
    """See the module docstring; asyncio calls its protocol methods (``data_received`` ...)."""

    def __init__(self, session: Session, close_timeout: float) -> None:
        super().__init__(session, close_timeout)
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        # anyio events, not loop futures under asyncio.shield: a cancel scope
        # (open_timeout, close_timeout) must be able to end these waits.
        self._opened = anyio.Event()
        self._done = anyio.Event()
        self._flush_scheduled = False
        self._ending = False

    @classmethod
    async def _open(
        cls, session: Session, context: ssl.SSLContext | None, close_timeout: float
    ) -> AsyncioTransport:
        self = cls(session, close_timeout)
        endpoint = session.endpoint
        try:
            transport, _ = await self._loop.create_connection(
                lambda: self,
                endpoint.host,
                endpoint.port,
                ssl=context,
                server_hostname=endpoint.host if context is not None else None,
            )
        except (OSError, ssl.SSLError) as exc:
            raise connect_error(exc, endpoint) from exc
        try:
            self._flush()  # the handshake request
            await self._opened.wait()
        except BaseException:
            transport.abort()
            raise
        error = session.handshake_error()
        if error is not None:
            transport.abort()
            raise error from session.ws.handshake_exc
        if self._done.is_set():
            raise handshake_failed(endpoint, "the connection was lost") from self._cause
        return self

    # -- asyncio's callbacks --------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._received(data)
        session = self.session
        if session.ws.state is not State.CONNECTING:
            self._opened.set()
        if session.finished and not self._ending:
            # Closing: the server ends TCP next; a server that does not is
            # dropped after close_timeout (RFC 6455 section 7.1.1).
            self._ending = True
            self._loop.call_later(self._close_timeout, self._abort)

    def eof_received(self) -> bool:
        self.session.feed_eof()
        self._flush()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and self._cause is None:
            self._cause = exc
        self.session.feed_eof()
        self._opened.set()
        self._done.set()

    # -- what AsyncTransport asks of it ---------------------------------------

    def _write_soon(self) -> None:
        # Frames sent in one loop iteration go out in one write (a system call
        # per frame would cost more than everything else a call does).
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        data, _ = self.session.outgoing()
        transport = self._transport
        if data and transport is not None and not transport.is_closing():
            transport.write(data)

    async def _read(self) -> None:
        await self._done.wait()

    async def _ended(self) -> None:
        await self._done.wait()

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()
