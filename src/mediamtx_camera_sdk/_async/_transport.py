"""The async WebSocket transport: moves text messages, knows nothing of JSON-RPC.

All WebSocket work (handshake, framing, masking, fragments, ping/pong, the
close handshake, the size limit) is done by the ``websockets`` sans-I/O
:class:`~websockets.client.ClientProtocol`; this module only moves its bytes.
:meth:`AsyncTransport.connect` returns, on asyncio, an
:class:`~._asyncio_transport.AsyncioTransport` (asyncio's own protocol API, a
loop iteration less per reply) and elsewhere (trio) an :class:`AnyioTransport`
over anyio byte streams. Both have the same surface:

* ``send(text)`` is a plain function: it hands the frame to the connection's
  one writer and returns. It never waits, so a caller that is cancelled can
  never leave half a frame on the wire;
* ``await run(deliver)`` is the connection's one reader: it calls
  ``deliver(messages)`` (``str`` for text, ``bytes`` for binary) for every
  network read that completed messages, and raises
  :class:`~mediamtx_camera_sdk.errors.ConnectionClosedError` when the
  connection ends, whoever ended it, with the reason;
* ``await aclose()`` runs the close handshake (bounded by ``close_timeout``)
  and drops the socket; idempotent, safe from any task.

Failures are SDK exceptions: :class:`~mediamtx_camera_sdk.errors.ConnectionError`
from ``connect()``, ``ConnectionClosedError`` afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Callable
from typing import Final

import anyio
import anyio.abc
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake, InvalidState, InvalidStatus, PayloadTooBig
from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.protocol import State
from websockets.uri import WebSocketURI

from .. import errors
from .._tls import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_MAX_SIZE,
    DEFAULT_OPEN_TIMEOUT,
    USER_AGENT,
    Endpoint,
    connect_error,
    handshake_failed,
    handshake_rejected,
    parse_url,
    ssl_context_for,
)

__all__ = ["AnyioTransport", "AsyncTransport", "Deliver", "Session"]

#: What the reader hands every batch of messages to.
Deliver = Callable[[list[str | bytes]], None]

_READ_SIZE: Final = 64 * 1024

#: Stream failures that mean "this connection is gone".
STREAM_ERRORS: Final = (
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    anyio.EndOfStream,
    OSError,
    ssl.SSLError,
)

# The protocol's own debug log would show every frame, the token's too: off.
_ws_logger = logging.getLogger("websockets.client")


def running_on_asyncio() -> bool:
    """Whether the current task runs on asyncio (as opposed to trio)."""
    import sniffio

    return sniffio.current_async_library() == "asyncio"


class Session:
    """One connection's ``ClientProtocol`` plus the SDK's view of it (no I/O).

    The transports feed it bytes (:meth:`feed`, :meth:`feed_eof`) and write
    what :meth:`outgoing` returns; it assembles messages and explains endings.
    """

    def __init__(self, endpoint: Endpoint, max_size: int | None, user_agent: str) -> None:
        self.endpoint = endpoint
        self.max_size = max_size
        uri = WebSocketURI(
            endpoint.secure, endpoint.host, endpoint.port, endpoint.path, endpoint.query
        )
        self.ws = ClientProtocol(uri, max_size=max_size, logger=_ws_logger)
        self.ws.debug = False
        self.local_close = False
        self.failure: str | None = None  # why we failed the connection, if we did
        self._parts: list[bytes] | None = None  # a fragmented message being assembled
        self._text = False
        request = self.ws.connect()
        request.headers["User-Agent"] = user_agent
        self.ws.send_request(request)

    @property
    def open(self) -> bool:
        return self.ws.state is State.OPEN and not self.local_close

    def queue_text(self, text: str) -> None:
        """Queue one text frame (written by the next :meth:`outgoing`).

        Raises:
            errors.ConnectionClosedError: the connection is closing or closed.
        """
        if not self.open:
            raise self.closed_error()
        try:
            self.ws.send_text(text.encode())
        except InvalidState as exc:  # pragma: no cover - checked just above
            raise self.closed_error() from exc

    def outgoing(self) -> tuple[bytes, bool]:
        """The bytes to write now, and whether to half-close the stream after them."""
        chunks = self.ws.data_to_send()
        return b"".join(chunks), b"" in chunks

    def close(self) -> None:
        """Start the close handshake (1000) from this side."""
        self.local_close = True
        if self.ws.state is State.OPEN:
            self.ws.send_close(CloseCode.NORMAL_CLOSURE)

    def feed(self, data: bytes) -> list[str | bytes]:
        """Bytes read from the network -> the messages they complete."""
        self.ws.receive_data(data)
        return self._messages()

    def feed_eof(self) -> None:
        if self.ws.state is not State.CLOSED:
            self.ws.receive_eof()

    @property
    def finished(self) -> bool:
        """Nothing more can be read: closed, or the close handshake is done."""
        return self.ws.state is State.CLOSED or self.ws.close_expected()

    def handshake_error(self) -> errors.ConnectionError | None:
        exc = self.ws.handshake_exc
        if exc is None:
            return None
        if isinstance(exc, InvalidStatus):
            response = exc.response
            return handshake_rejected(self.endpoint, response.status_code, response.reason_phrase)
        detail = str(exc) if isinstance(exc, InvalidHandshake) else repr(exc)
        return handshake_failed(self.endpoint, detail)

    def _messages(self) -> list[str | bytes]:
        out: list[str | bytes] = []
        for event in self.ws.events_received():
            if not isinstance(event, Frame):
                continue  # the handshake response
            if event.opcode in (Opcode.TEXT, Opcode.BINARY):
                self._parts, self._text = [bytes(event.data)], event.opcode is Opcode.TEXT
            elif event.opcode is Opcode.CONT and self._parts is not None:
                self._parts.append(bytes(event.data))
            else:
                continue  # control frames: the protocol already answered them
            if not event.fin:
                continue
            whole, self._parts = b"".join(self._parts), None
            if not self._text:
                out.append(whole)
                continue
            try:
                out.append(whole.decode())
            except UnicodeDecodeError as exc:
                # RFC 6455 section 8.1: invalid UTF-8 fails the connection (1007).
                self.failure = f"the server sent a text message that is not UTF-8 ({exc.reason})"
                self.ws.fail(CloseCode.INVALID_DATA, "invalid UTF-8")
                break
        return out

    def closed_error(self, cause: BaseException | None = None) -> errors.ConnectionClosedError:
        """The exception that says why the connection ended (or is ending)."""
        ws = self.ws
        received: Close | None = ws.close_rcvd
        parser_exc = ws.parser_exc
        code = received.code if received is not None else int(CloseCode.ABNORMAL_CLOSURE)
        reason = received.reason if received is not None else ""
        where = self.endpoint.netloc
        if self.failure is not None:
            message, code = f"{self.failure}; the connection was closed", CloseCode.INVALID_DATA
        elif isinstance(parser_exc, PayloadTooBig):
            message = (
                f"the server sent a message that is too large ({parser_exc}; "
                f"max_size is {self.max_size} bytes); the connection was closed"
            )
            code = CloseCode.MESSAGE_TOO_BIG
        elif parser_exc is not None and not isinstance(parser_exc, EOFError):
            message = (
                f"the server broke the WebSocket protocol ({parser_exc}); the connection was closed"
            )
            code = ws.close_sent.code if ws.close_sent is not None else CloseCode.PROTOCOL_ERROR
        elif self.local_close:
            message = f"the connection to {where} was closed by the client"
        elif received is not None:
            message = f"the server at {where} closed the connection (code {received.code}"
            message += f", reason {received.reason!r})" if received.reason else ")"
        elif cause is not None:
            message = f"the connection to {where} was lost: {cause or type(cause).__name__}"
        else:
            message = f"the connection to {where} was lost (closed without a close frame)"
        exc = errors.ConnectionClosedError(message, data={"code": int(code), "reason": reason})
        exc.__cause__ = cause if cause is not None else parser_exc
        return exc


class AsyncTransport:
    """A WebSocket connection that moves text messages; see the module docstring."""

    session: Session

    @classmethod
    async def connect(
        cls,
        url: str | Endpoint,
        *,
        ssl_context: ssl.SSLContext | None = None,
        verify_ssl: bool = True,
        max_size: int | None = DEFAULT_MAX_SIZE,
        open_timeout: float | None = DEFAULT_OPEN_TIMEOUT,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        user_agent: str = USER_AGENT,
        use_anyio: bool = False,
    ) -> AsyncTransport:
        """Open a WebSocket connection to ``url`` (TCP, TLS and handshake within ``open_timeout``).

        ``use_anyio`` takes the anyio stream path on asyncio too (tests).

        Raises:
            errors.ConnectionError: unreachable, refused, TLS failed (the message
                says when the certificate check failed), the handshake was
                rejected (with the HTTP status), or ``open_timeout`` passed.
            ValueError: an invalid URL, TLS settings or ``max_size``.
        """
        endpoint = url if isinstance(url, Endpoint) else parse_url(url)
        context = ssl_context_for(endpoint, verify_ssl=verify_ssl, ssl_context=ssl_context)
        if max_size is not None and max_size <= 0:
            raise ValueError(f"max_size must be positive or None, got {max_size}")
        session = Session(endpoint, max_size, user_agent)
        kind: type[AsyncTransport] = AnyioTransport
        if not use_anyio and running_on_asyncio():
            from ._asyncio_transport import AsyncioTransport

            kind = AsyncioTransport
        try:
            with anyio.fail_after(open_timeout):
                return await kind._open(session, context, close_timeout)
        except TimeoutError as exc:
            raise connect_error(exc, endpoint, open_timeout=open_timeout) from exc

    @classmethod
    async def _open(
        cls, session: Session, context: ssl.SSLContext | None, close_timeout: float
    ) -> AsyncTransport:
        raise NotImplementedError

    @property
    def endpoint(self) -> Endpoint:
        return self.session.endpoint

    @property
    def closed(self) -> bool:
        """Whether the connection is closing or over (nothing more can be sent)."""
        return not self.session.open

    def send(self, text: str) -> None:
        """Hand one text frame to the writer; returns at once.

        Raises:
            errors.ConnectionClosedError: the connection is closing or over.
        """
        raise NotImplementedError

    async def run(self, deliver: Deliver) -> None:
        """Read the connection until it ends, handing messages to ``deliver``.

        ``deliver`` must not block; if it raises, the connection is dropped.

        Raises:
            errors.ConnectionClosedError: always, once the connection is over.
        """
        raise NotImplementedError

    async def aclose(self) -> None:
        """Close: the close handshake within ``close_timeout``, then drop the socket."""
        raise NotImplementedError


class AnyioTransport(AsyncTransport):
    """The transport over anyio byte streams: one reader loop and one writer task."""

    def __init__(
        self, stream: anyio.abc.ByteStream, session: Session, close_timeout: float
    ) -> None:
        self.session = session
        self._stream = stream
        self._close_timeout = close_timeout
        self._wakeup = anyio.Event()
        self._cause: BaseException | None = None
        self._finished = anyio.Event()
        self._running = False
        self._early: list[str | bytes] = []

    @classmethod
    async def _open(
        cls, session: Session, context: ssl.SSLContext | None, close_timeout: float
    ) -> AnyioTransport:
        endpoint = session.endpoint
        try:
            # tls_standard_compatible=False: a server that drops TCP without a
            # TLS close_notify has ended the stream, as browsers see it.
            stream: anyio.abc.ByteStream
            if context is None:
                stream = await anyio.connect_tcp(endpoint.host, endpoint.port)
            else:
                stream = await anyio.connect_tcp(
                    endpoint.host,
                    endpoint.port,
                    ssl_context=context,
                    tls_hostname=endpoint.host,
                    tls_standard_compatible=False,
                )
        except STREAM_ERRORS as exc:
            raise connect_error(exc, endpoint) from exc
        try:
            data, _ = session.outgoing()
            await stream.send(data)
            early: list[str | bytes] = []
            while session.ws.state is State.CONNECTING:
                try:
                    early += session.feed(await stream.receive(_READ_SIZE))
                except anyio.EndOfStream:  # noqa: PERF203 - once, at the end
                    session.feed_eof()
        except STREAM_ERRORS as exc:
            await anyio.aclose_forcefully(stream)
            detail = str(exc) or type(exc).__name__
            raise handshake_failed(endpoint, f"the connection was lost ({detail})") from exc
        except BaseException:
            await anyio.aclose_forcefully(stream)
            raise
        error = session.handshake_error()
        if error is not None:
            await anyio.aclose_forcefully(stream)
            raise error from session.ws.handshake_exc
        transport = cls(stream, session, close_timeout)
        transport._early = early
        transport._wakeup.set()  # answers to frames that came with the handshake
        return transport

    def send(self, text: str) -> None:
        self.session.queue_text(text)
        self._wakeup.set()

    async def run(self, deliver: Deliver) -> None:
        self._running = True
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._write_loop)
                if self._early:
                    deliver(self._early)
                    self._early = []
                await self._read_loop(deliver)
                group.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.aclose_forcefully(self._stream)
            self._finished.set()
        raise self.session.closed_error(self._cause)

    async def _read_loop(self, deliver: Deliver) -> None:
        session = self.session
        while not session.finished:
            try:
                data = await self._stream.receive(_READ_SIZE)
            except STREAM_ERRORS as exc:
                if not isinstance(exc, anyio.EndOfStream) and self._cause is None:
                    self._cause = exc
                session.feed_eof()
                return
            messages = session.feed(data)
            self._wakeup.set()  # the protocol may have an answer to write (pong, close)
            if messages:
                try:
                    deliver(messages)
                except Exception as exc:  # a bug above: drop the connection, say why
                    self._cause = exc
                    session.close()
                    return
        # Closing: the server ends the TCP stream next (RFC 6455 section 7.1.1).
        with anyio.move_on_after(self._close_timeout):
            while True:
                try:
                    await self._stream.receive(_READ_SIZE)
                except STREAM_ERRORS:  # noqa: PERF203 - once, at the end
                    return

    async def _write_loop(self) -> None:
        """The one writer: whatever the protocol has queued, in order, whole."""
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup = anyio.Event()
                data, _ = self.session.outgoing()
                if data:
                    await self._stream.send(data)
        except STREAM_ERRORS as exc:
            if self._cause is None:
                self._cause = exc
            # The reader is woken by the closed stream and reports the loss.
            await anyio.aclose_forcefully(self._stream)

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            if not self.session.local_close:
                self.session.close()
                self._wakeup.set()
            with anyio.move_on_after(self._close_timeout):
                if self._running:
                    await self._finished.wait()
                else:
                    with contextlib.suppress(*STREAM_ERRORS):
                        await self._stream.send(self.session.outgoing()[0])
            await anyio.aclose_forcefully(self._stream)
            self._finished.set()
