"""The async WebSocket transport: moves text messages, knows nothing of JSON-RPC.

All WebSocket work (handshake, framing, masking, fragments, ping/pong, the
close handshake, the size limit) is done by the ``websockets`` sans-I/O
:class:`~websockets.client.ClientProtocol`; this module only moves its bytes.
:meth:`AsyncTransport.connect` returns, on asyncio, an
:class:`~._asyncio_transport.AsyncioTransport` (asyncio's own protocol API, a
loop iteration less per reply) and elsewhere (trio) an :class:`AnyioTransport`
over anyio byte streams. Both have the same surface:

* ``send(text)`` is a plain function: it hands the frame to the connection's
  one writer and returns (``ConnectionClosedError`` once the connection is
  closing). It never waits, so a cancelled caller never leaves half a frame;
* ``await run(deliver)`` is the connection's one reader: it calls
  ``deliver(messages)`` (``str`` for text, ``bytes`` for binary) for every
  network read that completed messages (``deliver`` must not block; if it
  raises, the connection is dropped), and raises
  :class:`~mediamtx_camera_sdk.errors.ConnectionClosedError` when the
  connection ends, whoever ended it, with the reason;
* ``await aclose()`` runs the close handshake (bounded by ``close_timeout``)
  and drops the socket; idempotent, safe from any task.

Failures are SDK exceptions: :class:`~mediamtx_camera_sdk.errors.ConnectionError`
from ``connect()``, ``ConnectionClosedError`` afterwards.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Awaitable, Callable
from typing import ClassVar, Final

import anyio
import anyio.abc
from websockets.protocol import State

from .._tls import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_MAX_SIZE,
    DEFAULT_OPEN_TIMEOUT,
    USER_AGENT,
    Endpoint,
    connect_error,
    handshake_failed,
    parse_url,
    ssl_context_for,
)
from .._wsession import Session

__all__ = ["AnyioTransport", "AsyncTransport", "Deliver"]

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


def running_on_asyncio() -> bool:
    """Whether the current task runs on asyncio (as opposed to trio)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class AsyncTransport:
    """A WebSocket connection that moves text messages; see the module docstring.

    What both transports share: the session, what one network read does
    (:meth:`_received`) and the close; a subclass moves the bytes.
    """

    def __init__(self, session: Session, close_timeout: float) -> None:
        self.session = session
        self._close_timeout = close_timeout
        self._cause: BaseException | None = None  # the error that ended the connection
        self._deliver: Deliver | None = None  # set by run(); messages wait for it
        self._early: list[str | bytes] = []

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

    @property
    def endpoint(self) -> Endpoint:
        return self.session.endpoint

    @property
    def closed(self) -> bool:
        """Whether the connection is closing or over (nothing more can be sent)."""
        return not self.session.open

    def send(self, text: str) -> None:
        self.session.queue_text(text)
        self._write_soon()

    def _received(self, data: bytes) -> None:
        """One network read: the protocol's answers go out, its messages to ``deliver``."""
        session = self.session
        messages = session.feed(data)
        if session.answers_due:  # a pong, a close echo
            self._write_soon()
        if messages:
            if self._deliver is None:
                self._early += messages  # before run(), in the handshake's read
            else:
                self._hand_on(messages)

    def _hand_on(self, messages: list[str | bytes]) -> None:
        try:
            self._deliver(messages)  # type: ignore[misc]
        except Exception as exc:  # a bug above: the connection ends here, with it as the cause
            self._cause = exc
            self.session.feed_eof()
            self._abort()

    async def run(self, deliver: Deliver) -> None:
        self._deliver = deliver
        try:
            if self._early:
                early, self._early = self._early, []
                self._hand_on(early)
            await self._read()
        finally:
            self._deliver = None
            self._abort()  # a cancelled reader: nobody reads this connection any more
        raise self.session.closed_error(self._cause)

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            if not self.session.local_close:
                self.session.close()
                self._write_soon()
            with anyio.move_on_after(self._close_timeout):
                await self._ended()
            self._abort()

    # What each transport provides: _open() (the connection, up to the
    # handshake's end); _write_soon() (write what the session has queued, soon,
    # in order, whole); _read() (read until the connection ends); _ended() (wait
    # for that end); _abort() (drop the socket, at once, from anywhere).
    _open: ClassVar[Callable[..., Awaitable[AsyncTransport]]]
    _write_soon: Callable[[], None]
    _read: Callable[[], Awaitable[None]]
    _ended: Callable[[], Awaitable[None]]
    _abort: Callable[[], None]


class AnyioTransport(AsyncTransport):
    """The transport over anyio byte streams: one reader loop and one writer task."""

    def __init__(
        self, stream: anyio.abc.ByteStream, session: Session, close_timeout: float
    ) -> None:
        super().__init__(session, close_timeout)
        self._stream = stream
        self._wakeup = anyio.Event()
        self._scope = anyio.CancelScope()  # the reader's and writer's; _abort() cancels it
        self._reading = False
        self._finished = anyio.Event()

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
        self = cls(stream, session, close_timeout)
        try:
            await stream.send(session.outgoing()[0])
            while session.ws.state is State.CONNECTING and await self._read_once():
                pass
        except BaseException as exc:
            await anyio.aclose_forcefully(stream)
            if isinstance(exc, STREAM_ERRORS):
                detail = str(exc) or type(exc).__name__
                raise handshake_failed(endpoint, f"the connection was lost ({detail})") from exc
            raise
        error = session.handshake_error()
        if error is not None:
            await anyio.aclose_forcefully(stream)
            raise error from session.ws.handshake_exc
        return self

    def _write_soon(self) -> None:
        self._wakeup.set()

    async def _read_once(self) -> bool:
        """One read fed to the session; False once the stream has ended."""
        try:
            data = await self._stream.receive(_READ_SIZE)
        except STREAM_ERRORS as exc:
            if not isinstance(exc, anyio.EndOfStream) and self._cause is None:
                self._cause = exc
            self.session.feed_eof()
            return False
        self._received(data)
        return True

    async def _read(self) -> None:
        self._reading = True
        try:
            with self._scope:
                async with anyio.create_task_group() as group:
                    group.start_soon(self._write_loop)
                    ws = self.session.ws
                    while not self.session.finished and await self._read_once():
                        pass
                    # Closing: the server ends TCP next (RFC 6455 section 7.1.1).
                    with anyio.move_on_after(self._close_timeout):
                        while ws.state is not State.CLOSED and await self._read_once():
                            pass
                    group.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.aclose_forcefully(self._stream)
            self._finished.set()

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

    async def _ended(self) -> None:
        if self._reading:  # the reader sees the end
            await self._finished.wait()
            return
        try:  # nobody reads: the close frame is written here
            if data := self.session.outgoing()[0]:
                with contextlib.suppress(*STREAM_ERRORS):
                    await self._stream.send(data)
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.aclose_forcefully(self._stream)

    def _abort(self) -> None:
        self._scope.cancel()
