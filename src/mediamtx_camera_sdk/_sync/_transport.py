"""The blocking WebSocket transport on ``websocket-client``'s public API.

websocket-client does the WebSocket work: the opening handshake (on a socket
opened here, so connect errors are classified as in the async transport),
framing and masking (``send``), reading frames, answering pings and echoing a
close (``recv_data_frame``). This module adds what the SDK needs around it:

* **one writer thread**: :meth:`SyncTransport.send` queues the text and
  returns, so a caller is never inside a socket write (a ``KeyboardInterrupt``
  never leaves half a frame on the wire; a server that stops reading blocks
  the writer, never a caller, whose call times out on its own wait);
* :meth:`SyncTransport.run`, the **one reader** (the client's reader thread),
  reading through :class:`_BufferedSocket` and handing ``deliver`` all the
  messages of one read at once; it ends raising ``ConnectionClosedError``;
* the checks websocket-client leaves to its user: UTF-8 (1007), ``max_size`` (1009);
* :meth:`SyncTransport.close` from any thread: a close frame, up to ``close_timeout``
  for the answer, a socket shutdown (waking reader and writer), the writer joined.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from typing import Final

import websocket

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

__all__ = ["SyncTransport"]

_ABNF = websocket.ABNF
_NORMAL_CLOSURE: Final = 1000
_PROTOCOL_ERROR: Final = 1002
_ABNORMAL_CLOSURE: Final = 1006
_INVALID_DATA: Final = 1007
_MESSAGE_TOO_BIG: Final = 1009
_STOP: Final = object()  # the writer's end-of-queue marker


class _BufferedSocket:
    """The socket websocket-client reads from: one large ``recv`` serves its small ones (2-3 a
    frame), so a burst is read without a system call (and GIL release) per frame. ``drained``
    runs before every read that may block; everything else is the socket's."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._data = b""
        self._start = 0
        self.drained: Callable[[], None] = lambda: None
        self.send, self.gettimeout, self.settimeout = sock.send, sock.gettimeout, sock.settimeout

    def recv(self, size: int) -> bytes:
        start = self._start
        if start >= len(self._data):
            self.drained()
            self._data, start = self._sock.recv(65536), 0
        self._start = start + size
        return self._data[start : start + size]

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)


class SyncTransport:
    """A WebSocket connection that moves text messages (blocking); see the module docstring."""

    def __init__(
        self,
        ws: websocket.WebSocket,
        endpoint: Endpoint,
        max_size: int | None,
        close_timeout: float,
    ) -> None:
        self._ws = ws
        self._sock: _BufferedSocket = ws.sock  # type: ignore[assignment]
        self._endpoint = endpoint
        self._max_size = max_size
        self._close_timeout = close_timeout
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closing = False
        self._failure: tuple[int, str] | None = None  # (code, why) when we failed it
        self._cause: BaseException | None = None
        self._received: tuple[int, str] | None = None  # the server's close frame
        self._ended = threading.Event()  # the reader saw the end
        self._reader: threading.Thread | None = None
        self._writer = threading.Thread(
            target=self._write_loop, name="mediamtx-sdk-writer", daemon=True
        )
        self._writer.start()

    @classmethod
    def connect(
        cls,
        url: str | Endpoint,
        *,
        ssl_context: ssl.SSLContext | None = None,
        verify_ssl: bool = True,
        max_size: int | None = DEFAULT_MAX_SIZE,
        open_timeout: float | None = DEFAULT_OPEN_TIMEOUT,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        user_agent: str = USER_AGENT,
    ) -> SyncTransport:
        """Open a WebSocket connection to ``url`` (TCP, TLS and handshake within ``open_timeout``).

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
        deadline = None if open_timeout is None else time.monotonic() + open_timeout

        def remaining() -> float | None:
            if deadline is None:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("open_timeout expired")
            return left

        try:
            sock = socket.create_connection((endpoint.host, endpoint.port), timeout=open_timeout)
        except OSError as exc:
            raise connect_error(exc, endpoint, open_timeout=open_timeout) from exc
        ws = websocket.WebSocket(skip_utf8_validation=True, enable_multithread=True)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if context is not None:
                sock.settimeout(remaining())
                sock = context.wrap_socket(sock, server_hostname=endpoint.host)
            sock.settimeout(remaining())
            ws.connect(  # type: ignore[no-untyped-call]
                endpoint.url,
                socket=_BufferedSocket(sock),
                timeout=remaining(),
                header=[f"User-Agent: {user_agent}"],
                suppress_origin=True,
                redirect_limit=0,
            )
            ws.settimeout(None)
        except websocket.WebSocketBadStatusException as exc:
            sock.close()
            raise handshake_rejected(endpoint, exc.status_code, exc.status_message or "") from exc
        except (websocket.WebSocketTimeoutException, TimeoutError) as exc:
            sock.close()
            raise connect_error(
                TimeoutError(str(exc)), endpoint, open_timeout=open_timeout
            ) from exc
        except websocket.WebSocketException as exc:
            sock.close()
            status = ws.getstatus()
            if status is not None and status != 101:
                # A redirect (not followed: the SDK connects where it was told).
                raise handshake_rejected(endpoint, status) from exc
            raise handshake_failed(endpoint, str(exc) or type(exc).__name__) from exc
        except ssl.SSLError as exc:
            sock.close()
            raise connect_error(exc, endpoint, open_timeout=open_timeout) from exc
        except OSError as exc:
            sock.close()
            if context is not None and not isinstance(sock, ssl.SSLSocket):
                raise connect_error(exc, endpoint, open_timeout=open_timeout) from exc
            detail = f"the connection was lost ({exc or type(exc).__name__})"
            raise handshake_failed(endpoint, detail) from exc
        return cls(ws, endpoint, max_size, close_timeout)

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    @property
    def closed(self) -> bool:
        """Whether the connection is closing or over (nothing more can be sent)."""
        return self._closing or self._ended.is_set()

    # -- writing ------------------------------------------------------------

    def send(self, text: str) -> None:
        """Queue one text frame for the writer thread; returns at once.

        Raises:
            errors.ConnectionClosedError: the connection is closing or over.
        """
        if self.closed:
            raise self._closed_error()
        self._queue.put(text)

    def _write_loop(self) -> None:
        ws = self._ws
        get = self._queue.get
        try:
            while True:
                item = get()
                if item is _STOP:
                    return
                if isinstance(item, tuple):  # a close frame: (code, reason)
                    ws.send_close(*item)
                    return
                ws.send(item)  # type: ignore[arg-type]
        except (websocket.WebSocketException, OSError) as exc:
            if self._cause is None:
                self._cause = exc
            self._abort()  # the reader wakes up and reports the loss

    # -- reading ------------------------------------------------------------

    def run(self, deliver: Callable[[list[str | bytes]], None]) -> None:
        """Read until the connection ends, handing each message to ``deliver``.

        Raises:
            errors.ConnectionClosedError: always, once the connection is over.
        """
        self._reader = threading.current_thread()
        batch: list[str | bytes] = []

        def hand_over() -> None:  # all that was read, before a read that may block
            messages = batch.copy()
            batch.clear()
            try:
                if messages:
                    deliver(messages)
            except Exception as exc:  # a bug above: drop the connection, say why
                self._cause, self._sock.drained = exc, lambda: None  # nothing more delivered
                self._abort()

        self._sock.drained = hand_over
        try:
            while (message := self._receive()) is not None:
                batch.append(message)
            self._sock.drained()
        finally:
            self._ended.set()
            self._abort()
            self._queue.put(_STOP)
        raise self._closed_error()

    def _receive(self) -> str | bytes | None:
        """The next message, or None once the connection is over (the reason is kept)."""
        ws = self._ws
        try:
            opcode, frame = ws.recv_data_frame(False)
        except websocket.WebSocketProtocolException as exc:
            self._fail(_PROTOCOL_ERROR, f"the server broke the WebSocket protocol ({exc})")
            return None
        except websocket.WebSocketPayloadException as exc:
            self._fail(_INVALID_DATA, f"the server sent an invalid payload ({exc})")
            return None
        except (websocket.WebSocketException, OSError, ValueError, struct.error) as exc:
            if self._cause is None and not self._closing:
                self._cause = exc
            return None
        if frame.mask_value:
            # RFC 6455 section 5.1: a client must fail the connection on a masked frame.
            self._fail(_PROTOCOL_ERROR, "the server broke the WebSocket protocol (a masked frame)")
            return None
        data: bytes = frame.data
        if opcode == _ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
            try:
                self._received = (code, data[2:].decode())
            except UnicodeDecodeError:
                self._fail(_INVALID_DATA, "the server sent a close reason that is not UTF-8")
            return None
        if self._max_size is not None and len(data) > self._max_size:
            why = (
                f"the server sent a message that is too large ({len(data)} bytes; "
                f"max_size is {self._max_size} bytes)"
            )
            self._fail(_MESSAGE_TOO_BIG, why)
            return None
        if opcode == _ABNF.OPCODE_BINARY:
            return data
        try:
            return data.decode()
        except UnicodeDecodeError as exc:
            why = f"the server sent a text message that is not UTF-8 ({exc.reason})"
            self._fail(_INVALID_DATA, why)
            return None

    def _fail(self, code: int, why: str) -> None:
        """Fail the connection (RFC 6455 section 7.1.7): a close frame with ``code``, then drop."""
        self._failure = (code, why)
        if not self._closing:
            self._closing = True
            self._queue.put((code, b""))
            self._writer.join(self._close_timeout)

    # -- closing ------------------------------------------------------------

    def _abort(self) -> None:
        # A socket shutdown wakes a blocked read or write. Not ws.abort(): it does
        # nothing once send_close() has marked the connection closed, and a
        # server that never answers the close frame (a blackhole) would then
        # leave the reader blocked for good.
        sock = self._ws.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close: a close frame, up to ``close_timeout`` for the reader to see the answer, drop.

        Idempotent; safe from any thread, also while the reader is blocked.
        """
        if not self._closing:
            self._closing = True
            self._queue.put((_NORMAL_CLOSURE, b""))
        current = threading.current_thread()
        if current is not self._writer and current is not self._reader:
            if self._reader is not None:
                self._ended.wait(self._close_timeout)
            else:
                self._writer.join(self._close_timeout)
        self._abort()
        with contextlib.suppress(Exception):
            self._ws.shutdown()  # type: ignore[no-untyped-call]
        if threading.current_thread() is not self._writer:
            self._writer.join(self._close_timeout)

    def _closed_error(self) -> errors.ConnectionClosedError:
        where = self._endpoint.netloc
        code, reason = _ABNORMAL_CLOSURE, ""
        if self._failure is not None:
            code = self._failure[0]
            message = f"{self._failure[1]}; the connection was closed"
        elif self._closing:
            message = f"the connection to {where} was closed by the client"
        elif self._received is not None:
            code, reason = self._received
            message = f"the server at {where} closed the connection (code {code}"
            message += f", reason {reason!r})" if reason else ")"
        elif self._cause is not None:
            detail = str(self._cause) or type(self._cause).__name__
            message = f"the connection to {where} was lost: {detail}"
        else:
            message = f"the connection to {where} was lost (closed without a close frame)"
        exc = errors.ConnectionClosedError(message, data={"code": code, "reason": reason})
        exc.__cause__ = self._cause
        return exc
