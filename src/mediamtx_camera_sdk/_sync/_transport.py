"""The blocking WebSocket transport on ``websocket-client``: moves text frames only.

What ``websocket-client`` does here: the opening handshake
(:meth:`websocket.WebSocket.connect` on a socket we opened), frame encoding
(:class:`websocket.ABNF`) and frame decoding (a :class:`websocket.frame_buffer`
subclass). What this module adds:

* the socket: TCP with ``TCP_NODELAY``, TLS through the SDK's context
  (:mod:`.._tls`), so errors are classified the same way as in the async
  transport (refused, DNS, certificate verification, timeout, HTTP status);
* a buffered frame reader: one ``recv()`` of up to 256 KiB may hold many
  frames, and :meth:`SyncTransport.receive` returns every message that is
  complete in the buffer at once (websocket-client's own reader asks the
  socket for 2 bytes, then the length, then the payload, and copies its
  buffer on every step);
* the message size limit, which websocket-client lacks: a frame's length is
  checked against ``max_size`` (minus what a fragmented message already holds)
  as soon as its header is read, *before* the payload is read, and the
  connection is failed with close code 1009;
* ping answers (RFC 6455 section 5.5.2) and the close handshake, with a write
  lock shared by every writer so frames never interleave;
* :meth:`SyncTransport.close` callable from any thread: it sends a close frame,
  gives the reader ``close_timeout`` seconds to see the server's answer, then
  shuts the socket down, which wakes a blocked :meth:`~SyncTransport.receive`.

The transport starts no thread. One thread at a time calls
:meth:`~SyncTransport.receive`, with an optional timeout: the client's caller
waiting for its reply, or its reader thread. A read waits in the kernel
(``SO_RCVTIMEO`` on plain sockets, so a read with a deadline costs no extra
system call; ``poll`` first on TLS sockets); a read that times out or is
interrupted keeps every byte received for the next one.

Frames sent are built by :mod:`.._wsframe` (header, a masking key from a
pool filled by ``os.urandom``, the payload masked by the websockets C
extension) and written with one ``send``, bounded by the call's deadline
(see :meth:`SyncTransport.send`); whole unmasked text frames received are
parsed here too; every other frame goes through websocket-client's decoder.

Writes block while the kernel's send buffer is full (the socket is in blocking
mode, as in the raw client; the read timeout does not apply to writes). A
:meth:`~SyncTransport.close` from another thread unblocks them.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import struct
import sys
import threading
import time
from typing import Final, cast

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
from .._wsframe import MaskKeys, text_frame

__all__ = ["SyncTransport"]

# Bytes read per system call, into one preallocated buffer: socket.recv(n)
# would allocate n bytes per call, and above ~128 KiB that allocation (an
# mmap) costs several times the system call itself.
_READ_SIZE: Final = 256 * 1024

_OP_CONT: Final = websocket.ABNF.OPCODE_CONT
_OP_TEXT: Final = websocket.ABNF.OPCODE_TEXT
_OP_BINARY: Final = websocket.ABNF.OPCODE_BINARY
_OP_CLOSE: Final = websocket.ABNF.OPCODE_CLOSE
_OP_PING: Final = websocket.ABNF.OPCODE_PING
_OP_PONG: Final = websocket.ABNF.OPCODE_PONG

# The longest a read blocks in the kernel before it checks its deadline again
# (SO_RCVTIMEO, set once per connection): a read without a deadline (the
# client's reader thread) wakes this often when nothing arrives.
_READ_SLICE: Final = 1.0

# The longest a write blocks in the kernel before it checks its deadline
# (SO_SNDTIMEO): a server that stops reading cannot hold a call past its timeout.
_WRITE_SLICE: Final = 0.1
# The largest TLS record's payload (RFC 8446 section 5.1).
_TLS_RECORD: Final = 16384

_NORMAL_CLOSURE: Final = 1000
_PROTOCOL_ERROR: Final = 1002
_ABNORMAL_CLOSURE: Final = 1006
_INVALID_DATA: Final = 1007
_MESSAGE_TOO_BIG: Final = 1009


class _PeerEOF(Exception):
    """The server closed the TCP connection."""


def _bound_writes(sock: socket.socket) -> None:
    """Let a blocked write return every ``_WRITE_SLICE`` so that its deadline can be checked.

    Plain sockets on POSIX only: TLS writes wait for room with poll instead
    (see :meth:`SyncTransport._write`); Windows takes a DWORD of milliseconds
    and is left blocking.
    """
    if isinstance(sock, ssl.SSLSocket) or sys.platform == "win32":
        return
    whole = int(_WRITE_SLICE)
    micro = int((_WRITE_SLICE - whole) * 1e6)
    with contextlib.suppress(OSError):  # a platform without it: writes block as before
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", whole, micro))


class _WriteStalled(Exception):
    """A write's deadline passed with the frame not (fully) written."""


class _ReadTimeout(Exception):
    """The read's deadline passed with no (more) bytes; the reader's state is kept."""


class _TooBig(Exception):
    """A frame header announced more bytes than the message may still hold."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"a frame of {length} bytes exceeds the remaining limit of {limit} bytes")
        self.length = length
        self.limit = limit


class _FrameReader(websocket.frame_buffer):
    """websocket-client's frame decoder over a growable buffer, with a size limit and deadlines.

    ``limit`` is set by the transport before each frame: the bytes the current
    message may still take (``None``: no limit). ``deadline`` (on the
    ``time.monotonic`` clock, ``None``: none) bounds every read from the
    socket: past it a read raises :class:`_ReadTimeout` and every byte read so
    far stays buffered, as does a frame half decoded (``header``, ``length``),
    so the next read resumes where this one stopped.

    Whole unmasked text frames are taken straight from the buffer
    (:meth:`take_text`); websocket-client's decoder handles every other frame.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock.recv, True)
        self._sock = sock
        self._chunk = memoryview(bytearray(_READ_SIZE))
        self._buf = bytearray()
        self._pos = 0
        self.limit: int | None = None
        self.deadline: float | None = None
        # Plain sockets on POSIX time reads out in the kernel (SO_RCVTIMEO: no
        # extra system call per read); TLS sockets retry a timed-out read
        # inside the ssl module, and Windows reports it differently, so those
        # wait with poll/select before reading.
        self._kernel_timeout = not isinstance(sock, ssl.SSLSocket) and sys.platform != "win32"
        self._rcvtimeo = 0.0  # the SO_RCVTIMEO set on the socket (0: none)
        if self._kernel_timeout:
            try:
                self._set_rcvtimeo(_READ_SLICE)
            except OSError:  # pragma: no cover - a platform without it: poll instead
                self._kernel_timeout = False

    def _set_rcvtimeo(self, seconds: float) -> None:
        if seconds == self._rcvtimeo:
            return
        whole = int(seconds)
        micro = max(int((seconds - whole) * 1e6), 1 if not whole else 0)
        self._sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", whole, micro)
        )
        self._rcvtimeo = seconds

    def _read_some(self) -> int:
        """Read what the socket has into ``_chunk`` (blocking until the deadline); the count.

        Raises:
            _ReadTimeout: the deadline passed first.
            _PeerEOF: the server closed the TCP connection.
            OSError, ssl.SSLError, ValueError: the socket failed or was closed.
        """
        chunk = self._chunk
        sock = self._sock
        while True:
            deadline = self.deadline
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _ReadTimeout
                if self._kernel_timeout:
                    current = self._rcvtimeo
                    # Shorter than what is left, and not so short that the
                    # read wakes up for nothing again and again.
                    if current > left or (current < _READ_SLICE and current < left / 2):
                        self._set_rcvtimeo(_slice_for(left))
                elif not _readable(sock, left):
                    raise _ReadTimeout
            elif self._kernel_timeout and self._rcvtimeo != _READ_SLICE:
                self._set_rcvtimeo(_READ_SLICE)
            try:
                count = sock.recv_into(chunk)
            except BlockingIOError:
                continue  # SO_RCVTIMEO passed: check the deadline
            if not count:
                raise _PeerEOF("the server closed the connection")
            return count

    def fill(self) -> None:
        """Read once from the socket, appending to the buffer (see :meth:`_read_some`)."""
        buf = self._buf
        if self._pos:
            del buf[: self._pos]
            self._pos = 0
        count = self._read_some()
        buf += self._chunk[:count]

    def recv_strict(self, bufsize: int) -> bytes:
        buf = self._buf
        start = self._pos
        end = start + bufsize
        if end <= len(buf):
            self._pos = end
            return bytes(buf[start:end])
        # Not enough buffered: drop what was consumed (once per network read,
        # not per frame), then read until the request is satisfied.
        if start:
            del buf[:start]
            self._pos = 0
        chunk = self._chunk
        while len(buf) < bufsize:
            count = self._read_some()
            buf += chunk[:count]
        self._pos = bufsize
        return bytes(buf[:bufsize])

    def recv_mask(self) -> None:
        # RFC 6455 section 5.1: a client must fail the connection on a masked
        # frame from the server (websocket-client would quietly unmask it).
        if self.has_mask():
            raise websocket.WebSocketProtocolException("the server sent a masked frame")
        super().recv_mask()

    def recv_length(self) -> None:
        super().recv_length()
        limit = self.limit
        length = self.length
        if limit is not None and length is not None and length > limit:
            raise _TooBig(length, limit)

    def take_text(self, limit: int | None) -> bytearray | None:
        """The payload of a whole final unmasked text frame at the buffer's head, consumed.

        ``None`` (nothing consumed) for anything else: an incomplete frame,
        another opcode, a fragment, reserved bits, a mask, a payload over
        64 KiB or over ``limit``; the decoder deals with those.
        """
        buf = self._buf
        pos = self._pos
        size = len(buf)
        if size - pos < 2 or buf[pos] != 0x81:
            return None
        length = buf[pos + 1]
        if length < 126:
            start = pos + 2
        elif length == 126 and size - pos >= 4:
            length = (buf[pos + 2] << 8) | buf[pos + 3]
            start = pos + 4
        else:
            return None
        end = start + length
        if end > size or (limit is not None and length > limit):
            return None
        self._pos = end
        return buf[start:end]

    def drained(self) -> bool:
        """Whether every buffered byte has been consumed."""
        return self._pos == len(self._buf)

    def _head(self) -> tuple[int, int, int] | None:
        """The buffered frame's second byte, header size (without a mask) and payload length.

        ``None`` while the header itself is incomplete.
        """
        buf = self._buf
        pos = self._pos
        available = len(buf) - pos
        if available < 2:
            return None
        second = buf[pos + 1]
        length = second & 0x7F
        if length == 126:
            if available < 4:
                return None
            (length,) = struct.unpack_from("!H", buf, pos + 2)
            return second, 4, length
        if length == 127:
            if available < 10:
                return None
            (length,) = struct.unpack_from("!Q", buf, pos + 2)
            return second, 10, length
        return second, 2, length

    def needs_bytes(self, limit: int | None) -> bool:
        """Whether the frame at the buffer's head is incomplete and should be read whole first.

        False for a complete frame and for one the decoder must see while it
        is still arriving (a mask, a payload over 64 KiB or over ``limit``: it
        fails those before reading the payload).
        """
        buf = self._buf
        pos = self._pos
        if len(buf) - pos >= 2 and (buf[pos + 1] & 0x80 or buf[pos + 1] == 127):
            return False
        head = self._head()
        if head is None:
            return True
        _, header, length = head
        if limit is not None and length > limit:
            return False
        return len(buf) - pos < header + length

    def has_frame(self) -> bool:
        """Whether a whole frame is already buffered (so reading it needs no system call)."""
        head = self._head()
        if head is None:
            return False
        second, header, length = head
        if second & 0x80:
            header += 4
        return len(self._buf) - self._pos >= header + length


def _slice_for(left: float) -> float:
    """The SO_RCVTIMEO for a read with ``left`` seconds to go: at most ``left``.

    Rounded down to 10 ms, so that calls made with the same timeout share one
    setting instead of setting the socket option before every read.
    """
    if left >= _READ_SLICE:
        return _READ_SLICE
    if left > 0.01:
        return int(left * 100) / 100
    return left


def _readable(sock: socket.socket, timeout: float) -> bool:
    """Whether ``sock`` has bytes to read (TLS: buffered or on the wire) within ``timeout``."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(max(timeout * 1000.0, 1.0)))
    return bool(select.select([sock], [], [], timeout)[0])  # pragma: no cover - Windows


def _writable(sock: socket.socket, timeout: float) -> bool:
    """Whether the kernel takes more bytes for ``sock`` within ``timeout`` seconds."""
    if timeout <= 0:
        timeout = 0.0
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLOUT)
        return bool(poller.poll(timeout * 1000.0))
    return bool(select.select([], [sock], [], timeout)[1])  # pragma: no cover - Windows


class SyncTransport:
    """A blocking WebSocket connection that sends and receives text frames.

    Get one with :meth:`connect`. One thread calls :meth:`receive` in a loop;
    any thread may call :meth:`send` and :meth:`close`.
    """

    def __init__(
        self,
        sock: socket.socket,
        endpoint: Endpoint,
        max_size: int | None,
        close_timeout: float,
    ) -> None:
        self._sock = sock
        self._endpoint = endpoint
        self._max_size = max_size
        self._close_timeout = close_timeout
        self._reader = _FrameReader(sock)
        self._write_lock = threading.Lock()
        # Pongs and close frames waiting for the write lock (see _queue_control).
        self._control_lock = threading.Lock()
        self._control_queue: list[bytes] = []
        self._state_lock = threading.Lock()
        # Notified when the connection ends and when a read ends while closing.
        self._state_changed = threading.Condition(self._state_lock)
        # Set when the connection is over (error recorded, socket shut down).
        self._ended = threading.Event()
        self._error: errors.ConnectionClosedError | None = None
        self._reading = False
        self._draining = False  # close() reads the server's answer itself
        self._keys = MaskKeys()
        self._closing = False
        self._close_sent = False
        self._torn_down = False
        self._frag_parts: list[bytes] | None = None
        self._frag_text = False
        self._frag_size = 0

    # -- opening ------------------------------------------------------------

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
        """Open a WebSocket connection to ``url`` and return the transport.

        Arguments as for :meth:`.._async._transport.AsyncTransport.connect`.

        Raises:
            errors.ConnectionError: the host could not be resolved, refused the
                connection, failed TLS (the message says when the certificate
                verification failed), rejected the WebSocket handshake (with
                the HTTP status), or the opening took longer than ``open_timeout``.
            ValueError: an invalid URL or TLS settings (see :mod:`.._tls`).
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
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if context is not None:
                sock.settimeout(remaining())
                sock = context.wrap_socket(sock, server_hostname=endpoint.host)
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            raise connect_error(exc, endpoint, open_timeout=open_timeout) from exc
        ws = websocket.WebSocket(skip_utf8_validation=True, enable_multithread=False)
        try:
            sock.settimeout(remaining())
            ws.connect(  # type: ignore[no-untyped-call]
                endpoint.url,
                socket=sock,
                timeout=remaining(),
                header=[f"User-Agent: {user_agent}"],
                suppress_origin=True,
                redirect_limit=0,
            )
            sock.settimeout(None)
            _bound_writes(sock)
        except websocket.WebSocketBadStatusException as exc:
            sock.close()
            raise handshake_rejected(endpoint, exc.status_code, exc.status_message or "") from exc
        except (websocket.WebSocketTimeoutException, TimeoutError) as exc:
            sock.close()
            timeout_exc = TimeoutError(str(exc))
            raise connect_error(timeout_exc, endpoint, open_timeout=open_timeout) from exc
        except websocket.WebSocketException as exc:
            sock.close()
            status = ws.getstatus()
            if status is not None and status != 101:
                # A redirect (not followed: the SDK connects where it was told).
                raise handshake_rejected(endpoint, status) from exc
            raise handshake_failed(endpoint, str(exc) or type(exc).__name__) from exc
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            detail = f"the connection was lost ({exc or type(exc).__name__})"
            raise handshake_failed(endpoint, detail) from exc
        return cls(sock, endpoint, max_size, close_timeout)

    # -- properties ---------------------------------------------------------

    @property
    def endpoint(self) -> Endpoint:
        """Where this transport is connected."""
        return self._endpoint

    @property
    def closed(self) -> bool:
        """``True`` once the connection is over (closed by either side, or lost)."""
        return self._error is not None

    @property
    def close_code(self) -> int | None:
        """The WebSocket close code once closed (1006: lost without close frame), else ``None``."""
        error = self._error
        return None if error is None else int(error.data["code"])

    @property
    def close_reason(self) -> str | None:
        """Why the connection ended, in words, once it has; else ``None``."""
        error = self._error
        return None if error is None else error.message

    # -- writing ------------------------------------------------------------

    def send(self, text: str, deadline: float | None = None) -> None:
        """Send ``text`` as one text frame. Thread-safe: frames are written whole.

        ``deadline`` (``time.monotonic()`` seconds) bounds the wait when the
        server stops reading and the kernel's buffer is full: a frame still
        waiting for the writer ahead of it at the deadline is not sent (its
        call times out); a write still blocked at the deadline drops the
        connection, since a frame cut short leaves it unusable (the reader
        reports the loss and the client reconnects).

        Raises:
            errors.ConnectionClosedError: the connection is closed or closing,
                writing failed, or a write stalled past ``deadline``.
        """
        if self._closing or self._error is not None:
            raise self._closed_error()
        payload = text.encode()
        frame = text_frame(payload, self._keys.take())
        lock = self._write_lock
        if deadline is None:
            lock.acquire()
        elif not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return  # a writer ahead is stalled: this frame is not sent at all
        try:
            self._write(frame, deadline)
            if self._control_queue:
                self._write_control_frames()
        except _WriteStalled as exc:
            self._drop_stalled()
            raise self._closed_error(exc) from None
        except (OSError, ssl.SSLError, ValueError) as exc:
            # ValueError: the socket was closed by another thread (fd -1).
            raise self._closed_error(exc) from exc
        finally:
            lock.release()
        if self._control_queue:
            self._flush_control_frames()

    def _write(self, data: bytes, deadline: float | None) -> None:
        """Write all of ``data`` (with the write lock held), giving up at ``deadline``.

        Each ``send`` blocks at most ``_WRITE_SLICE`` in the kernel
        (``SO_SNDTIMEO``, set once per connection on POSIX), then the deadline
        is checked; a send the kernel takes at once costs one system call.

        Raises:
            _WriteStalled: ``deadline`` passed before ``data`` was written.
            OSError, ssl.SSLError, ValueError: the socket failed or was closed.
        """
        sock = self._sock
        view = memoryview(data)
        tls = isinstance(sock, ssl.SSLSocket)
        while view:
            if tls and deadline is not None and not _writable(sock, deadline - time.monotonic()):
                # A TLS write cannot be bounded in the kernel (the ssl module
                # retries it): wait for room first. A record larger than the
                # room the kernel reports can still block until the server
                # reads or the connection drops.
                raise _WriteStalled("the server stopped reading: a write stalled")
            try:
                # TLS: one record per write, so each waits for room first.
                sent = sock.send(view[:_TLS_RECORD] if tls else view)
            except BlockingIOError:
                sent = 0  # the slice passed with the buffer still full
            view = view[sent:]
            if view and deadline is not None and time.monotonic() >= deadline:
                raise _WriteStalled("the server stopped reading: a write stalled")

    def _drop_stalled(self) -> None:
        """A frame was cut short: end the connection so that its reader reports it."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def _queue_control(self, opcode: int, payload: bytes) -> None:
        """Queue a pong or close frame and write it unless a writer holds the lock.

        The reader must never wait for the write lock: a sender holding it may
        be blocked because the server is not reading, perhaps because the
        server is blocked writing to us. Whoever holds the lock writes the
        queued frames after its own, and every lock holder checks the queue
        again after releasing, so a queued frame is never stranded.
        """
        frame = websocket.ABNF.create_frame(payload, opcode).format()
        with self._control_lock:
            self._control_queue.append(frame)
        self._flush_control_frames()

    def _flush_control_frames(self) -> None:
        while self._control_queue:
            if not self._write_lock.acquire(blocking=False):
                return  # the holder checks the queue after it releases
            try:
                self._write_control_frames()
            except (OSError, ssl.SSLError, ValueError):
                return  # the connection is gone: receive() reports it
            finally:
                self._write_lock.release()

    def _write_control_frames(self) -> None:
        """Write the queued control frames (call with the write lock held)."""
        while True:
            with self._control_lock:
                if not self._control_queue:
                    return
                frames, self._control_queue = self._control_queue, []
            for frame in frames:
                self._write(frame, None)

    def _closed_error(self, cause: BaseException | None = None) -> errors.ConnectionClosedError:
        error = self._error
        if error is not None:
            copy = errors.ConnectionClosedError(error.message, data=error.data)
            copy.__cause__ = error.__cause__
            return copy
        where = self._endpoint.netloc
        if self._closing:
            exc = errors.ConnectionClosedError(
                f"the connection to {where} is closing", data={"code": None, "reason": ""}
            )
        else:
            exc = errors.ConnectionClosedError(
                f"the connection to {where} was lost: {cause or 'write failed'}",
                data={"code": _ABNORMAL_CLOSURE, "reason": ""},
            )
        exc.__cause__ = cause
        return exc

    # -- reading ------------------------------------------------------------

    def receive(self, timeout: float | None = None) -> list[str | bytes]:
        """Block until messages arrive; return every complete one buffered (at least one).

        ``str`` is a text frame, ``bytes`` a binary frame. Server pings are
        answered here. Only one thread may be in ``receive()`` at a time.

        With a ``timeout`` (seconds), returns an empty list when no message
        was complete in time; the bytes of a message still arriving stay
        buffered for the next call, as they do when the read is interrupted by
        an exception (``KeyboardInterrupt``) while it waits for the network.

        Raises:
            errors.ConnectionClosedError: the connection is over; the message
                says why (closed by the server with its code and reason, closed
                by the client, lost, a message over ``max_size``, a WebSocket
                protocol violation). Raised again on later calls.
            RuntimeError: another thread is already in ``receive()``.
        """
        with self._state_lock:
            if self._draining:
                # close() reads the server's answer to its close frame.
                while self._error is None and self._draining:
                    self._state_changed.wait()
            # Set by the call that saw the end (after returning the messages
            # that came before it).
            if self._error is not None:
                raise self._closed_error()
            if self._reading:
                raise RuntimeError("another thread is already in receive()")
            self._reading = True
        try:
            self._reader.deadline = None if timeout is None else time.monotonic() + timeout
            return self._receive()
        finally:
            with self._state_lock:
                self._reading = False
                if self._closing:
                    self._state_changed.notify_all()

    def _receive(self) -> list[str | bytes]:
        out: list[str | bytes] = []
        reader = self._reader
        max_size = self._max_size
        while True:
            limit = None if max_size is None else max_size - self._frag_size
            if reader.header is None and self._frag_parts is None:
                # The fast path: whole text frames straight from the buffer.
                payload = reader.take_text(limit)
                if payload is not None:
                    try:
                        out.append(payload.decode())
                    except UnicodeDecodeError as exc:
                        return self._bad_utf8(out, exc)
                    if reader.drained():
                        return out  # the usual case: the read held whole messages
                    continue
                if reader.needs_bytes(limit):
                    if out:
                        return out
                    try:
                        reader.fill()
                    except _ReadTimeout:
                        return out
                    except (_PeerEOF, OSError, ssl.SSLError, ValueError) as exc:
                        # ValueError: close() closed the socket under us.
                        return self._end(out, _ABNORMAL_CLOSURE, None, exc)
                    continue
            elif out and not reader.has_frame():
                return out
            reader.limit = limit
            try:
                frame = reader.recv_frame()
            except _ReadTimeout:
                return out
            except _TooBig as exc:
                so_far = f" (after {self._frag_size} bytes of fragments)" if self._frag_size else ""
                return self._end(
                    out,
                    _MESSAGE_TOO_BIG,
                    f"the server sent a message that is too large: a frame of {exc.length} "
                    f"bytes{so_far} exceeds max_size ({max_size} bytes); the connection was closed",
                    exc,
                    fail=True,
                )
            except websocket.WebSocketProtocolException as exc:
                return self._end(
                    out,
                    _PROTOCOL_ERROR,
                    f"the server broke the WebSocket protocol ({exc}); the connection was closed",
                    exc,
                    fail=True,
                )
            except (_PeerEOF, OSError, ssl.SSLError, ValueError) as exc:
                # ValueError: close() closed the socket under us.
                return self._end(out, _ABNORMAL_CLOSURE, None, exc)

            opcode = frame.opcode
            # Always bytes: with skip_utf8_validation the decoder never decodes.
            data = cast(bytes, frame.data)
            if opcode in (_OP_TEXT, _OP_BINARY):
                if self._frag_parts is not None:
                    return self._protocol_error(
                        out, "a new message started inside a fragmented one"
                    )
                if frame.fin:
                    if opcode == _OP_BINARY:
                        out.append(data)
                    else:
                        try:
                            out.append(data.decode())
                        except UnicodeDecodeError as exc:
                            return self._bad_utf8(out, exc)
                else:
                    self._frag_parts = [data]
                    self._frag_text = opcode == _OP_TEXT
                    self._frag_size = len(data)
            elif opcode == _OP_CONT:
                if self._frag_parts is None:
                    return self._protocol_error(out, "a continuation frame without a message")
                self._frag_parts.append(data)
                self._frag_size += len(data)
                if frame.fin:
                    whole = b"".join(self._frag_parts)
                    self._frag_parts = None
                    self._frag_size = 0
                    if not self._frag_text:
                        out.append(whole)
                    else:
                        try:
                            out.append(whole.decode())
                        except UnicodeDecodeError as exc:
                            return self._bad_utf8(out, exc)
            elif opcode == _OP_PING:
                # RFC 6455 section 5.5.2: answer with the same payload.
                self._queue_control(_OP_PONG, data)
            elif opcode == _OP_CLOSE:
                return self._peer_closed(out, data)
            # PONG: unsolicited or not, nothing to do (section 5.5.3).

            if out and not reader.has_frame():
                return out

    def _protocol_error(self, out: list[str | bytes], detail: str) -> list[str | bytes]:
        return self._end(
            out,
            _PROTOCOL_ERROR,
            f"the server broke the WebSocket protocol ({detail}); the connection was closed",
            None,
            fail=True,
        )

    def _bad_utf8(self, out: list[str | bytes], exc: UnicodeDecodeError) -> list[str | bytes]:
        # RFC 6455 section 8.1: invalid UTF-8 in a text message fails the connection.
        return self._end(
            out,
            _INVALID_DATA,
            f"the server sent a text frame that is not valid UTF-8 ({exc.reason}); "
            "the connection was closed",
            exc,
            fail=True,
        )

    def _peer_closed(self, out: list[str | bytes], payload: bytes) -> list[str | bytes]:
        code = 1005  # "no status received" (RFC 6455 section 7.1.5)
        reason = ""
        if len(payload) >= 2:
            (code,) = struct.unpack("!H", payload[:2])
            reason = payload[2:].decode("utf-8", "replace")
        where = self._endpoint.netloc
        if self._closing:
            message = f"the connection to {where} was closed by the client"
        else:
            # Echo the close (section 5.5.1) unless close() already sent one.
            self._send_close_once(code if code != 1005 else None)
            message = f"the server at {where} closed the connection (code {code}"
            message += f", reason {reason!r})" if reason else ")"
        return self._end(out, code, message, None, reason=reason)

    def _send_close_once(self, code: int | None) -> None:
        with self._state_lock:
            if self._close_sent:
                return
            self._close_sent = True
        payload = b"" if code is None else struct.pack("!H", code)
        self._queue_control(_OP_CLOSE, payload)

    def _end(
        self,
        out: list[str | bytes],
        code: int,
        message: str | None,
        cause: BaseException | None,
        *,
        reason: str = "",
        fail: bool = False,
    ) -> list[str | bytes]:
        """Record why the connection ended, tear it down, and raise (or return ``out`` first)."""
        if fail:
            self._send_close_once(code)
        where = self._endpoint.netloc
        if message is None:
            if self._closing:
                message = f"the connection to {where} was closed by the client"
                code = _NORMAL_CLOSURE if self._close_sent else _ABNORMAL_CLOSURE
            elif cause is not None and not isinstance(cause, _PeerEOF) and str(cause):
                message = f"the connection to {where} was lost: {cause}"
            else:
                message = f"the connection to {where} was lost (closed without a close frame)"
        error = errors.ConnectionClosedError(message, data={"code": code, "reason": reason})
        error.__cause__ = cause
        with self._state_lock:
            if self._error is None:
                self._error = error
            self._state_changed.notify_all()
        self._teardown()
        if out:
            return out
        raise self._closed_error()

    def _teardown(self) -> None:
        """Shut the socket down (waking a blocked reader or writer) and close it, once."""
        with self._state_lock:
            if self._torn_down:
                return
            self._torn_down = True
        with contextlib.suppress(OSError):  # already disconnected
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._ended.set()

    # -- closing ------------------------------------------------------------

    def close(self) -> None:
        """Close the connection from any thread; idempotent; never raises a connection error.

        Sends a close frame if the connection is still open (right away, or
        after a write in progress; it never waits for the write lock), then
        waits up to ``close_timeout`` seconds for the server's answer: a thread
        in :meth:`receive` reads it, else this call reads it itself (messages
        arriving meanwhile are dropped). Then the socket is shut down, which
        makes a blocked ``receive()`` (and a blocked ``send()``) raise
        :class:`~mediamtx_camera_sdk.errors.ConnectionClosedError`.
        """
        with self._state_lock:
            first = not self._closing
            self._closing = True
            ended = self._error is not None
        if first and not ended:
            self._send_close_once(_NORMAL_CLOSURE)
            self._await_close_answer(time.monotonic() + self._close_timeout)
        with self._state_lock:
            if self._error is None:
                self._error = errors.ConnectionClosedError(
                    f"the connection to {self._endpoint.netloc} was closed by the client",
                    data={"code": _NORMAL_CLOSURE, "reason": ""},
                )
            self._state_changed.notify_all()
        self._teardown()

    def _await_close_answer(self, deadline: float) -> None:
        """Wait until ``deadline`` for the close answer; read it when nobody else reads."""
        with self._state_lock:
            while self._reading and self._error is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._state_changed.wait(left)
            if self._error is not None:
                return
            self._reading = self._draining = True
        try:
            self._reader.deadline = deadline
            while time.monotonic() < deadline:
                self._receive()  # what still arrives answers calls given up on
        except errors.ConnectionClosedError:
            pass  # the answer came (or the connection failed): closed either way
        finally:
            with self._state_lock:
                self._reading = self._draining = False
                self._state_changed.notify_all()
