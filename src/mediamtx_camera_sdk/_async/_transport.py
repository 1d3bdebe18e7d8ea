"""The async WebSocket transport: moves text frames, knows nothing of JSON-RPC.

:meth:`AsyncTransport.connect` opens a connection and returns one of three
implementations with the same surface:

* on **asyncio**, :class:`~._asyncio_transport.AsyncioTransport` talks to
  asyncio's own protocol/transport API (``loop.create_connection``): received
  bytes are fed to the WebSocket parser straight from ``data_received`` and
  frames are written without awaiting each one. This is the fast path; the
  anyio stream layer costs extra loop iterations and system calls per read
  and write (issue 7 measured ~1.2x the raw ``websockets`` client's latency).
* on **trio**, plain ``ws://``: :class:`~._trio_transport.TrioTransport`
  (an :class:`AnyioTransport` once open) moves bytes through the socket
  itself, and a task waiting for its call's reply reads the connection
  when no other task does (:meth:`~AsyncTransport.wait_reply`): one pass of
  trio's scheduler per sequential call instead of three;
* ``wss://`` on trio, or when asked with ``implementation="anyio"``,
  :class:`AnyioTransport` drives anyio TCP/TLS streams.

All feed the ``websockets`` sans-IO :class:`~websockets.client.ClientProtocol`
(frames, masking, ping answers, close handshakes, the message size limit)
through the small :class:`_Session` helper below, so the WebSocket behaviour is
the same on every path.

Contract for the client driving a transport:

* one task at a time calls :meth:`~AsyncTransport.receive` (the reader loop);
  it returns every complete message parsed from one network read, in order, as
  ``str`` (text frames) or ``bytes`` (binary frames, which the service never
  sends: the client reports them as protocol violations);
* any number of tasks may call :meth:`~AsyncTransport.send` at once; each frame
  is written whole, in the order the calls were made;
* on trio the client sends a call's frame with :meth:`~AsyncTransport.send_call`
  (a send that must wait gives up at the call's deadline) and waits for the
  reply with :meth:`~AsyncTransport.wait_reply`, which may read the connection
  and hand messages to the client meanwhile; the reader loop's ``receive()``
  then stands by while callers read;
* :meth:`~AsyncTransport.aclose` may be called from any task, also while the
  reader is waiting; the reader's ``receive()`` then raises
  :class:`~mediamtx_camera_sdk.errors.ConnectionClosedError`;
* every failure is an SDK exception: :class:`~mediamtx_camera_sdk.errors.ConnectionError`
  from ``connect()``, :class:`~mediamtx_camera_sdk.errors.ConnectionClosedError`
  from ``send()`` and ``receive()`` once the connection is over (whatever the
  reason: the message says which), with the underlying exception chained.
"""

from __future__ import annotations

import abc
import contextlib
import logging
import math
import ssl
from collections.abc import Callable
from typing import Any, Final, Literal

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
from .._wsframe import MaskKeys, text_frame

__all__ = ["AnyioTransport", "AsyncTransport", "Implementation"]

logger = logging.getLogger("mediamtx_camera_sdk")

#: ``"auto"``: asyncio's native API on asyncio, anyio streams elsewhere;
#: ``"anyio"``: anyio streams everywhere (the reference path, used by tests).
Implementation = Literal["auto", "anyio"]

# Bytes that senders may leave queued for the writer holding the lock before
# they wait for it themselves (backpressure for a stalled connection).
_HAND_OVER_LIMIT: Final = 1024 * 1024

# Bytes asked for per read: enough for a burst of notifications to be parsed
# (and handed up as one batch) from one read, and below the size where the
# allocation of the receive buffer (socket.recv(n) allocates n bytes) turns
# into an mmap that costs more than the system call.
_READ_SIZE: Final = 64 * 1024

_OPEN = State.OPEN
# _Session modes: before the first read, frames parsed here, all to the protocol.
_UNDECIDED: Final = "undecided"
_FAST: Final = "fast"
_SLOW: Final = "slow"
_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CONT = Opcode.CONT

# Transport-level exceptions that mean "this connection is gone". Anything in
# here is caught, chained and turned into ConnectionClosedError.
_STREAM_ERRORS: Final = (
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    anyio.EndOfStream,
    OSError,
    ssl.SSLError,
)

# The websockets logger for the protocol objects. Its DEBUG output would include
# every frame (an ``authenticate`` frame carries the token), so the protocol's
# debug switch is forced off below whatever this logger's level is.
_ws_logger = logging.getLogger("websockets.client")


def _running_on_asyncio() -> bool:
    """Whether the current task runs on asyncio (as opposed to trio)."""
    try:
        import sniffio
    except ImportError:  # pragma: no cover - trio requires sniffio
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True
    try:
        return sniffio.current_async_library() == "asyncio"
    except sniffio.AsyncLibraryNotFoundError:  # pragma: no cover - always inside a loop
        return False


class _Session:
    """One connection's WebSocket state: the sans-IO protocol plus message assembly.

    No I/O: the transports feed it bytes (:meth:`receive_data`,
    :meth:`receive_eof`), write what ``ws.data_to_send()`` returns, and call
    :meth:`take_messages` after every feed. It also turns the protocol's end
    state into the SDK exception.

    The fast path: once the connection is open, :meth:`receive_data` splits the
    bytes into frames itself and decodes the frames that make up nearly all of
    the traffic (a whole, unmasked text message without reserved bits, within
    ``max_size``, outside a fragmented message) directly: the ``websockets``
    parser costs several times more per frame. Every other frame (control
    frames, binary or fragmented messages, anything malformed or too large) is
    handed to the protocol whole, so its parser always stands at a frame
    boundary and decides about it exactly as before; once the connection is
    closing, or if the opening handshake response did not come in one read,
    every byte goes to the protocol.
    """

    __slots__ = (
        "_buf",
        "_eof",
        "_frag_parts",
        "_frag_text",
        "_keys",
        "_mode",
        "_ready",
        "_ws_fragment",
        "endpoint",
        "failure",
        "local_close",
        "max_size",
        "ws",
    )

    def __init__(self, endpoint: Endpoint, max_size: int | None, user_agent: str) -> None:
        self.endpoint = endpoint
        self.max_size = max_size
        uri = WebSocketURI(
            endpoint.secure, endpoint.host, endpoint.port, endpoint.path, endpoint.query
        )
        self.ws = ClientProtocol(uri, max_size=max_size, logger=_ws_logger)
        self.ws.debug = False
        # A fragmented message being assembled (the service never fragments,
        # but RFC 6455 section 5.4 allows any peer to).
        self._frag_parts: list[bytes] | None = None
        self._frag_text = False
        #: Why we failed the connection ourselves (e.g. invalid UTF-8), if we did.
        self.failure: str | None = None
        #: Whether the close was started by this side (``aclose()``).
        self.local_close = False
        # Fast path state (see the class docstring): the mode, the bytes of an
        # incomplete frame, messages decoded but not yet taken, whether the
        # protocol is assembling a fragmented message, whether EOF was fed.
        self._mode = _UNDECIDED
        self._buf: bytes | bytearray = b""
        self._ready: list[str | bytes] = []
        self._ws_fragment = False
        self._eof = False
        self._keys = MaskKeys()  # for encode_text()
        request = self.ws.connect()
        request.headers["User-Agent"] = user_agent
        self.ws.send_request(request)

    def encode_text(self, text: str) -> bytes:
        """One whole text frame of ``text``, masked, ready to write (the connection is open).

        What ``ws.send_text()`` followed by ``ws.data_to_send()`` produce for a
        connection without extensions (this client negotiates none), at a
        third of the cost (:mod:`.._wsframe`). The caller checks that the
        connection is open; whole frames never leave a fragmented message
        half sent.
        """
        return text_frame(text.encode(), self._keys.take())

    def handshake_error(self) -> errors.ConnectionError | None:
        """The SDK exception for a failed opening handshake, or ``None`` if it did not fail."""
        exc = self.ws.handshake_exc
        if exc is None:
            return None
        if isinstance(exc, InvalidStatus):
            response = exc.response
            return handshake_rejected(self.endpoint, response.status_code, response.reason_phrase)
        return handshake_failed(
            self.endpoint, str(exc) if isinstance(exc, InvalidHandshake) else repr(exc)
        )

    def receive_data(self, data: bytes | bytearray) -> None:
        """Feed bytes read from the network (then call :meth:`take_messages`)."""
        ws = self.ws
        mode = self._mode
        if mode is _SLOW:
            ws.receive_data(data)
            return
        if mode is _UNDECIDED:
            # The fast path may start after the handshake response only if the
            # whole response came in this first read: then the protocol has
            # seen no frame byte yet.
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self._mode = _SLOW
                ws.receive_data(data)
                return
            ws.receive_data(data[: end + 4])
            if ws.state is not _OPEN:
                self._mode = _SLOW
                ws.receive_data(data[end + 4 :])
                return
            self._mode = _FAST
            data = data[end + 4 :]
        buf = self._buf + data if self._buf else data
        self._buf = b""
        self._receive_frames(buf)

    def _receive_frames(self, buf: bytes | bytearray) -> None:
        ws = self.ws
        ready = self._ready
        max_size = self.max_size
        end = len(buf)
        pos = 0
        while pos < end:
            if ws.state is not _OPEN:
                # Closing (either side) or failed: the protocol takes it all.
                self._mode = _SLOW
                ws.receive_data(buf[pos:])
                self._ready = self.take_messages()
                return
            avail = end - pos
            if avail < 2:
                break
            first = buf[pos]
            second = buf[pos + 1]
            length = second & 0x7F
            header = 2
            if length == 126:
                header = 4
                if avail < header:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
            elif length == 127:
                header = 10
                if avail < header:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
            if second & 0x80:
                header += 4  # masked (a server must not): the protocol says so
            if max_size is not None and length > max_size:
                # The protocol fails the connection (1009) on the header alone.
                self._mode = _SLOW
                ws.receive_data(buf[pos:])
                self._ready = self.take_messages()
                return
            stop = pos + header + length
            if stop > end:
                break
            error: UnicodeDecodeError | None = None
            if first == 0x81 and not second & 0x80 and not self._ws_fragment:
                # FIN, no reserved bits, text, unmasked: the common case.
                try:
                    ready.append(str(buf[pos + header : stop], "utf-8"))
                except UnicodeDecodeError as exc:
                    error = exc
            else:
                opcode = first & 0x0F
                if opcode in (1, 2):
                    self._ws_fragment = not first & 0x80
                elif opcode == 0 and first & 0x80:
                    self._ws_fragment = False
                ws.receive_data(buf[pos:stop])
                error = self._collect(ready)
            if error is not None:
                # As when the protocol parsed the whole read before messages
                # were decoded: it sees the rest of the read (its answers and
                # errors happen first), whose messages are dropped.
                ws.receive_data(buf[stop:])
                ws.events_received()
                self._fail_utf8(error)
                return
            pos = stop
        if pos < end:
            self._buf = buf[pos:]

    def receive_eof(self) -> None:
        """Feed the end of the stream (idempotent)."""
        if self._eof:
            return
        self._eof = True
        if self._buf:
            # An incomplete frame: the protocol reports it as before.
            self.ws.receive_data(self._buf)
            self._buf = b""
        self.ws.receive_eof()

    def take_messages(self) -> list[str | bytes]:
        """Complete messages from the bytes received so far (call after every feed).

        Control frames need nothing here: the protocol already queued the pong
        or the close echo in ``data_to_send()``.
        """
        out = self._ready
        self._ready = []
        error = self._collect(out)
        if error is not None:
            self._fail_utf8(error)
        return out

    def _collect(self, out: list[str | bytes]) -> UnicodeDecodeError | None:
        """Append the messages of the protocol's events; the UTF-8 error that stops them."""
        for event in self.ws.events_received():
            if not isinstance(event, Frame):
                continue  # the handshake Response
            opcode = event.opcode
            if opcode is _TEXT:
                if event.fin:
                    try:
                        out.append(str(event.data, "utf-8"))
                    except UnicodeDecodeError as exc:
                        return exc
                else:
                    self._frag_parts, self._frag_text = [bytes(event.data)], True
            elif opcode is _BINARY:
                if event.fin:
                    out.append(bytes(event.data))
                else:
                    self._frag_parts, self._frag_text = [bytes(event.data)], False
            elif opcode is _CONT and self._frag_parts is not None:
                self._frag_parts.append(bytes(event.data))
                if event.fin:
                    whole = b"".join(self._frag_parts)
                    self._frag_parts = None
                    if not self._frag_text:
                        out.append(whole)
                        continue
                    try:
                        out.append(whole.decode())
                    except UnicodeDecodeError as exc:
                        return exc
        return None

    def _fail_utf8(self, exc: UnicodeDecodeError) -> None:
        # RFC 6455 section 8.1: invalid UTF-8 in a text message fails the
        # connection with 1007. The protocol stops parsing after fail().
        self.failure = f"the server sent a text frame that is not valid UTF-8 ({exc.reason})"
        if self.ws.state is _OPEN:
            self.ws.fail(CloseCode.INVALID_DATA, "invalid UTF-8")

    def closure_error(self, cause: BaseException | None) -> errors.ConnectionClosedError:
        """The exception that reports why the connection ended."""
        ws = self.ws
        received: Close | None = ws.close_rcvd
        parser_exc = ws.parser_exc
        code = received.code if received is not None else int(CloseCode.ABNORMAL_CLOSURE)
        reason = received.reason if received is not None else ""
        where = self.endpoint.netloc
        if self.failure is not None:
            message = f"{self.failure}; the connection was closed"
            code = int(CloseCode.INVALID_DATA)
        elif isinstance(parser_exc, PayloadTooBig):
            message = (
                f"the server sent a message that is too large ({parser_exc}; "
                f"max_size is {self.max_size} bytes); the connection was closed"
            )
            code = int(CloseCode.MESSAGE_TOO_BIG)
        elif parser_exc is not None and not isinstance(parser_exc, EOFError):
            message = (
                f"the server broke the WebSocket protocol ({parser_exc}); the connection was closed"
            )
            code = int(CloseCode.PROTOCOL_ERROR)
        elif self.local_close:
            message = f"the connection to {where} was closed by the client"
        elif received is not None:
            message = f"the server at {where} closed the connection (code {received.code}"
            message += f", reason {received.reason!r})" if received.reason else ")"
        elif cause is not None and str(cause):
            message = f"the connection to {where} was lost: {cause}"
        else:
            message = f"the connection to {where} was lost (closed without a close frame)"
        exc = errors.ConnectionClosedError(message, data={"code": code, "reason": reason})
        exc.__cause__ = cause if cause is not None else parser_exc
        return exc


def _again(exc: errors.ConnectionClosedError) -> errors.ConnectionClosedError:
    """A fresh copy of a stored closure error, so tracebacks do not pile up across raises."""
    copy = errors.ConnectionClosedError(exc.message, data=exc.data)
    copy.__cause__ = exc.__cause__
    return copy


class AsyncTransport(abc.ABC):
    """A WebSocket connection that sends and receives text frames (async).

    Get one with :meth:`connect`. See the module docstring for the calling contract.
    """

    # -- opening ------------------------------------------------------------

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
        implementation: Implementation = "auto",
    ) -> AsyncTransport:
        """Open a WebSocket connection to ``url`` and return the transport.

        Args:
            url: a ``ws://`` or ``wss://`` URL (see :func:`.._tls.parse_url`) or
                a parsed :class:`~.._tls.Endpoint`.
            ssl_context: TLS settings for ``wss://`` (e.g. a private CA). Default:
                verify the certificate and host name against the system CAs.
            verify_ssl: ``False`` disables certificate verification (logged once).
            max_size: largest message accepted, in bytes (``None``: no limit).
                A larger message fails the connection (close code 1009).
            open_timeout: seconds for TCP connect, TLS and WebSocket handshakes
                together (``None``: no limit).
            close_timeout: seconds :meth:`aclose` (and a close started by the
                server) waits for the other side before dropping the socket.
            user_agent: the ``User-Agent`` header of the handshake.
            implementation: ``"auto"`` picks asyncio's native API on asyncio;
                ``"anyio"`` forces the anyio stream path.

        Raises:
            errors.ConnectionError: the host could not be resolved, refused the
                connection, failed TLS (the message says when the certificate
                verification failed), rejected the WebSocket handshake (with
                the HTTP status), or the whole opening took longer than
                ``open_timeout``.
            ValueError: an invalid URL or TLS settings (see :mod:`.._tls`).
        """
        endpoint = url if isinstance(url, Endpoint) else parse_url(url)
        context = ssl_context_for(endpoint, verify_ssl=verify_ssl, ssl_context=ssl_context)
        if max_size is not None and max_size <= 0:
            raise ValueError(f"max_size must be positive or None, got {max_size}")
        if implementation not in ("auto", "anyio"):
            raise ValueError(f"implementation must be 'auto' or 'anyio', got {implementation!r}")
        if implementation == "auto" and _running_on_asyncio():
            from ._asyncio_transport import AsyncioTransport

            return await AsyncioTransport._open(
                endpoint, context, max_size, open_timeout, close_timeout, user_agent
            )
        if implementation == "auto" and context is None:
            # Plain ws:// on trio: the raw socket, read by the calling tasks.
            from ._trio_transport import TrioTransport

            return await TrioTransport._open(
                endpoint, context, max_size, open_timeout, close_timeout, user_agent
            )
        return await AnyioTransport._open(
            endpoint, context, max_size, open_timeout, close_timeout, user_agent
        )

    # -- the surface both implementations provide ---------------------------

    @property
    @abc.abstractmethod
    def endpoint(self) -> Endpoint:
        """Where this transport is connected."""

    @property
    @abc.abstractmethod
    def closed(self) -> bool:
        """``True`` once the connection is over (closed by either side, or lost)."""

    @property
    @abc.abstractmethod
    def close_code(self) -> int | None:
        """The WebSocket close code once closed (1006: lost without close frame), else ``None``."""

    @property
    @abc.abstractmethod
    def close_reason(self) -> str | None:
        """Why the connection ended, in words, once it has; else ``None``."""

    @abc.abstractmethod
    async def send(self, text: str) -> None:
        """Send ``text`` as one text frame.

        Safe to call from many tasks at once: frames are written whole, in call order.

        Raises:
            errors.ConnectionClosedError: the connection is closed or closing,
                or writing failed.
        """

    @abc.abstractmethod
    async def receive(self) -> list[str | bytes]:
        """Wait for and return the next messages: at least one, in arrival order.

        Every message parsed from one network read comes back in one list. A
        ``str`` is a text frame, ``bytes`` a binary frame. Only one task may
        wait in ``receive()`` at a time. Cancelling it loses no message.

        Raises:
            errors.ConnectionClosedError: the connection is over; the message
                says why (closed by the server with its code and reason, closed
                by the client, lost, a message over ``max_size``, a WebSocket
                protocol violation by the server). Raised again on later calls.
            RuntimeError: another task is already waiting in ``receive()``.
        """

    def deliver_to(self, receiver: Callable[[list[str | bytes]], None]) -> bool:
        """Hand messages to ``receiver`` as they arrive, not through :meth:`receive`.

        ``receiver`` is then called from the transport's own I/O callback, once
        per network read, with the messages parsed from it (any already
        buffered first, from this call); it must not block or raise. After
        this, :meth:`receive` returns no message: it waits for the end of the
        connection and raises as documented. A transport that cannot deliver
        this way returns ``False`` and :meth:`receive` works as before.

        Returns:
            Whether messages now go to ``receiver``.
        """
        return False

    async def send_call(self, text: str, deadline: float) -> None:
        """Send a call's frame, as :meth:`send`; on trio, may give up waiting at ``deadline``.

        A transport that must wait to write (the server is not reading) stops
        waiting at the call's ``deadline`` (on the event loop's clock): the
        frame then stays queued and is written later, and the caller's call
        times out as it must. By default this is :meth:`send`.

        Raises:
            errors.ConnectionClosedError: as :meth:`send`.
        """
        await self.send(text)

    async def wait_reply(
        self, waiter: Any, deliver: Callable[[AsyncTransport, list[str | bytes]], None]
    ) -> None:
        """Wait for a call's reply: until ``waiter`` (the client's trio waiter) is set.

        A transport whose callers read (see :mod:`._trio_transport`) reads the
        connection meanwhile when no other task does, handing every message to
        ``deliver(self, messages)``; by default this only waits.
        """
        await waiter.wait()

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Close the connection: a close handshake bounded by ``close_timeout``, then drop it.

        Idempotent and never raises a connection error; safe while another
        task waits in :meth:`receive` (which then raises ConnectionClosedError).
        Even when cancelled, the socket is closed.
        """


class AnyioTransport(AsyncTransport):
    """The transport over anyio byte streams (runs on trio and asyncio)."""

    def __init__(
        self, stream: anyio.abc.ByteStream, session: _Session, close_timeout: float
    ) -> None:
        self._stream = stream
        self._session = session
        self._ws = session.ws
        self._close_timeout = close_timeout
        self._write_lock = anyio.Lock()
        # Frames waiting to be written (see _flush), and the bytes that senders
        # left there for the writer holding the lock (see send).
        self._pending: list[bytes] = []
        self._handed_over = 0
        self._inbox: list[str | bytes] = []
        self._eof = False
        self._cause: BaseException | None = None
        self._error: errors.ConnectionClosedError | None = None
        self._reading = False
        self._closing = False
        self._finished = anyio.Event()

    @classmethod
    async def _open(
        cls,
        endpoint: Endpoint,
        context: ssl.SSLContext | None,
        max_size: int | None,
        open_timeout: float | None,
        close_timeout: float,
        user_agent: str,
    ) -> AnyioTransport:
        stream: anyio.abc.ByteStream | None = None
        try:
            with anyio.fail_after(open_timeout):
                try:
                    if context is None:
                        stream = await anyio.connect_tcp(endpoint.host, endpoint.port)
                    else:
                        # tls_standard_compatible=False: a server that drops the
                        # TCP connection without a TLS close_notify is a normal
                        # end of stream, as for browsers and the websockets client.
                        stream = await anyio.connect_tcp(
                            endpoint.host,
                            endpoint.port,
                            ssl_context=context,
                            tls_hostname=endpoint.host,
                            tls_standard_compatible=False,
                        )
                except _STREAM_ERRORS as exc:
                    raise connect_error(exc, endpoint, open_timeout=open_timeout) from exc
                session = _Session(endpoint, max_size, user_agent)
                transport = cls(stream, session, close_timeout)
                await transport._handshake()
                return transport
        except TimeoutError as exc:
            if stream is not None:
                await anyio.aclose_forcefully(stream)
            raise connect_error(exc, endpoint, open_timeout=open_timeout) from exc
        except BaseException:
            if stream is not None:
                await anyio.aclose_forcefully(stream)
            raise

    async def _handshake(self) -> None:
        ws = self._ws
        endpoint = self._session.endpoint
        try:
            await self._stream.send(b"".join(ws.data_to_send()))
            while ws.state is State.CONNECTING and ws.handshake_exc is None:
                try:
                    data = await self._stream.receive(_READ_SIZE)
                except anyio.EndOfStream:  # noqa: PERF203 - once per handshake
                    self._session.receive_eof()
                else:
                    self._session.receive_data(data)
        except _STREAM_ERRORS as exc:
            detail = str(exc) or type(exc).__name__
            raise handshake_failed(endpoint, f"the connection was lost ({detail})") from exc
        error = self._session.handshake_error()
        if error is not None:
            raise error from ws.handshake_exc
        # Frames that arrived in the same read as the handshake response, and
        # the protocol's answers to them (a pong, a close echo).
        self._inbox.extend(self._session.take_messages())
        await self._flush_quietly()

    # -- properties ---------------------------------------------------------

    @property
    def endpoint(self) -> Endpoint:
        return self._session.endpoint

    @property
    def closed(self) -> bool:
        return self._error is not None or self._ws.state is State.CLOSED

    @property
    def close_code(self) -> int | None:
        error = self._error
        return None if error is None else int(error.data["code"])

    @property
    def close_reason(self) -> str | None:
        error = self._error
        return None if error is None else error.message

    # -- writing ------------------------------------------------------------

    async def send(self, text: str) -> None:
        if self._closing or self._ws.state is not _OPEN:
            raise self._closed_error()
        try:
            self._ws.send_text(text.encode())
        except InvalidState as exc:  # pragma: no cover - state checked just above
            raise self._closed_error() from exc
        frames = self._ws.data_to_send()
        self._pending.extend(frames)
        if self._write_lock.locked():
            # A writer holds the lock: it writes everything queued before it
            # releases, this frame too. Waiting for the lock only to find the
            # queue empty costs a parked task per concurrent sender (memory,
            # task switches); below the limit the sender returns at once. A
            # failed write fails every pending call through the client anyway.
            self._handed_over += sum(map(len, frames))
            if self._handed_over <= _HAND_OVER_LIMIT:
                return
        await self._flush()

    async def send_call(self, text: str, deadline: float) -> None:
        """As :meth:`send`, but waits to write no later than ``deadline`` (the loop's clock).

        A sender waiting for the write lock stops at the deadline (its frame
        stays queued, the lock holder writes it). A write cut short at the
        deadline may have torn a frame: the connection is then dropped (see
        :meth:`_flush`), so a server that stops reading costs a reconnect,
        never a call that hangs.

        Raises:
            errors.ConnectionClosedError: as :meth:`send`.
        """
        if deadline == math.inf:
            await self.send(text)
            return
        with anyio.CancelScope(deadline=deadline):
            await self.send(text)

    async def _flush(self) -> None:
        """Write every queued frame; return once this caller's frames are written.

        Whoever holds the lock writes everything queued so far in one ``send``
        and loops until the queue is empty, so concurrent senders coalesce and
        frames queued by the reader (pongs) while a write is blocked go out
        with the next one. A sender whose frame an earlier holder wrote finds
        the queue empty and returns.
        """
        lock = self._write_lock
        try:
            # Uncontended: take the lock without the scheduling checkpoint of
            # acquire() (the write below is a checkpoint anyway).
            lock.acquire_nowait()
        except anyio.WouldBlock:
            await lock.acquire()
        try:
            pending = self._pending
            while pending:
                # A b"" (the protocol's "half-close now" marker, after the
                # server's EOF) adds nothing: the socket is closed right after.
                payload = pending[0] if len(pending) == 1 else b"".join(pending)
                pending.clear()
                self._handed_over = 0
                if not payload:
                    continue
                try:
                    await self._stream.send(payload)
                except _STREAM_ERRORS as exc:
                    if self._cause is None:
                        self._cause = exc
                    raise self._closed_error(exc) from exc
                except anyio.get_cancelled_exc_class():
                    # Cut short mid-write (a call's deadline, or the caller's
                    # own cancel scope): part of a frame may be on the wire,
                    # so nothing can follow it on this connection. Drop it:
                    # the reader reports the loss and the client reconnects.
                    if self._cause is None:
                        self._cause = TimeoutError("a write to the server was cut short")
                    with anyio.CancelScope(shield=True):
                        await self._close_stream()
                    raise
        finally:
            lock.release()

    async def _flush_quietly(self) -> None:
        """Write the protocol's own frames (pongs, close); failures surface in receive()."""
        self._pending.extend(self._ws.data_to_send())
        with contextlib.suppress(errors.ConnectionClosedError):
            await self._flush()

    async def _flush_from_reader(self) -> None:
        """Like :meth:`_flush_quietly`, but never waits for a writer.

        If a sender holds the lock, it may be blocked because the server is
        not reading, possibly because the server is blocked writing to us: if
        the reader waited for the lock, nobody would read and all would wait
        forever. The lock holder writes what is queued here when it can.
        """
        self._pending.extend(self._ws.data_to_send())
        if self._pending and not self._write_lock.locked():
            with contextlib.suppress(errors.ConnectionClosedError):
                await self._flush()

    def _closed_error(self, cause: BaseException | None = None) -> errors.ConnectionClosedError:
        if self._error is not None:
            return _again(self._error)
        where = self._session.endpoint.netloc
        if cause is not None and not self._closing:
            exc = errors.ConnectionClosedError(
                f"the connection to {where} was lost: {cause or type(cause).__name__}",
                data={"code": int(CloseCode.ABNORMAL_CLOSURE), "reason": ""},
            )
        else:
            exc = errors.ConnectionClosedError(
                f"the connection to {where} is closing", data={"code": None, "reason": ""}
            )
        exc.__cause__ = cause
        return exc

    # -- reading ------------------------------------------------------------

    async def receive(self) -> list[str | bytes]:
        if self._inbox:
            return self._take_inbox()
        if self._error is not None:
            raise _again(self._error)
        if self._reading:
            raise RuntimeError("another task is already waiting in receive()")
        self._reading = True
        try:
            while True:
                if self._eof or self._ws.state is not _OPEN:
                    await self._finish()
                    if self._inbox:
                        return self._take_inbox()
                    raise self._closed_error()
                await self._pump()
                if self._inbox:
                    return self._take_inbox()
        finally:
            self._reading = False

    def _take_inbox(self) -> list[str | bytes]:
        messages = self._inbox
        self._inbox = []
        return messages

    async def _pump(self) -> None:
        """One network read: feed it, keep the messages, write the protocol's answers."""
        try:
            data = await self._stream.receive(_READ_SIZE)
        except _STREAM_ERRORS as exc:
            if not isinstance(exc, anyio.EndOfStream) and self._cause is None:
                self._cause = exc
            self._eof = True
            self._session.receive_eof()
        else:
            self._session.receive_data(data)
        # Messages are stored before the flush awaits, so a cancelled
        # receive() leaves them for the next call.
        self._inbox.extend(self._session.take_messages())
        await self._flush_from_reader()

    async def _finish(self) -> None:
        """End of connection: wait (bounded) for the server's EOF, close, record why."""
        try:
            await self._flush_from_reader()  # a close echo not yet written
            if not self._eof:
                with anyio.move_on_after(self._close_timeout):
                    while not self._eof:
                        await self._pump()
        finally:
            self._session.receive_eof()
            if self._error is None:
                self._error = self._session.closure_error(self._cause)
            await self._close_stream()
            self._finished.set()

    # -- closing ------------------------------------------------------------

    async def _close_stream(self) -> None:
        await anyio.aclose_forcefully(self._stream)

    def _closing_started(self) -> None:
        """Hook: :meth:`aclose` has begun (the close frame is about to be sent)."""

    async def aclose(self) -> None:
        if self._closing:
            with anyio.move_on_after(self._close_timeout):
                await self._finished.wait()
            return
        self._closing = True
        self._session.local_close = True
        self._closing_started()
        try:
            with anyio.move_on_after(self._close_timeout):
                if self._ws.state is _OPEN:
                    self._ws.send_close(CloseCode.NORMAL_CLOSURE)
                    await self._flush_quietly()
                if self._reading:
                    # The reader sees the server's answer and finishes the connection.
                    await self._finished.wait()
                elif self._error is None:
                    await self._finish()
        finally:
            if self._error is None:
                self._error = self._session.closure_error(self._cause)
            await self._close_stream()
            self._finished.set()
