"""The trio fast path of the async transport: plain ``ws://`` on the raw socket.

Same surface and behaviour as :class:`._transport.AnyioTransport` (it is one:
connecting, the opening handshake, the close handshake and the error reports
are inherited), but once the connection is open every byte moves through the
connected socket itself instead of the anyio and trio stream layers:

* :meth:`TrioTransport.send` writes the frame with ``socket.send`` right away,
  without a scheduling checkpoint; only when the kernel's buffer is full does
  the remainder wait (``trio.lowlevel.wait_writable``), under the write lock,
  so concurrent senders never interleave partial frames (the ordering and
  coalescing rules of :meth:`AnyioTransport._flush` hold unchanged);
* a sender that must wait stops waiting at its call's deadline
  (:meth:`TrioTransport.send_call`), so a server that stops reading cannot
  hang a call past its timeout: the unwritten rest stays queued, first in
  line, and a background task writes it when the socket takes it. The
  protocol's own answers (pongs, a close echo), written by whoever reads,
  never wait: the server may be blocked writing to us;
* reads are ``socket.recv`` with ``trio.lowlevel.wait_readable`` only when the
  socket has nothing to give.

**Caller reads.** A task waiting for the reply to its call
(:meth:`TrioTransport.wait_reply`) reads the socket itself when no other task
is reading, hands every message it reads to the client (``deliver``, which
completes other calls and dispatches notifications) and returns as soon as its
own call is complete: a sequential call costs one pass of trio's scheduler (the
socket becoming readable), not three (the sender's checkpoint, the reader task
waking, the caller being rescheduled). Exactly one task waits on the socket at
a time (trio refuses two): *the reader role* is held by the background reader
task (in :meth:`~TrioTransport.receive`), by one calling task, or by nobody.

* A caller that finds the role free takes it; held by the reader task, it
  takes it over (the reader's wait is interrupted, see below); held by another
  caller, it parks, and the holder hands the role to the longest-parked caller
  still waiting when its own call completes (or it is cancelled).
* The reader task stands by (parked, not waiting on the socket) while
  callers read. A caller that releases the role with no other caller parked
  wakes it; in a loop of sequential calls the next call has taken the role
  again by the time the reader task runs (the caller does not yield between
  its reply and its next send), so the reader task parks again without
  touching the socket, and the caller never waits for it. Once no call is in
  flight the reader task reads, so notifications keep arriving at once.
* A caller's wait is interrupted when its call ends while it waits on the
  socket (a timeout from the deadline watcher, connection loss from another
  task): :func:`trio.lowlevel.notify_closing` wakes the socket's waiters at
  once, without the cost of a cancel scope per wait (several microseconds);
  the waiters see ``ClosedResourceError`` and, the socket not being closed,
  look at their state again. The same interrupts the reader task's wait when
  a caller takes the role over.
* Bytes are read and handed to the client without an ``await`` in between, so
  a reader cancelled at its only checkpoint (the wait) loses nothing.

``wss://`` on trio keeps :class:`AnyioTransport` (TLS needs the stream layer).
"""

from __future__ import annotations

import collections
import logging
import math
import socket
from collections.abc import Callable
from typing import Any, Final

import anyio
import anyio.abc
import trio
import trio.lowlevel as _ll

from .. import errors
from ._transport import (
    _HAND_OVER_LIMIT,
    _OPEN,
    _READ_SIZE,
    AnyioTransport,
    AsyncTransport,
    _Session,
)

__all__ = ["TrioTransport", "TrioWaiter"]

logger = logging.getLogger("mediamtx_camera_sdk")

# Holders of the reader role other than a caller's waiter.
_READER: Final = "reader"
_FINISHER: Final = "finisher"

# Stale entries (callers no longer parked) tolerated in the park queue before
# it is compacted.
_COMPACT_AT: Final = 1024

Deliver = Callable[[AsyncTransport, list[str | bytes]], None]


class TrioWaiter:
    """One call's wake-up on trio, built on trio's low-level parking API.

    :meth:`set` marks the call complete and wakes its task, wherever it waits:
    parked (rescheduled) or reading the socket for everyone (interrupted). No
    ``trio.Event`` and parking lot per call, which matters with thousands of
    calls in flight. Cancellation works as for any trio checkpoint.
    """

    __slots__ = ("_reading", "_task", "done", "queued")

    def __init__(self) -> None:
        #: The call is complete (or failed, expired): its task returns.
        self.done = False
        #: Parked in a transport's queue, waiting for the reader role.
        self.queued = False
        self._task: Any = None
        # The transport whose socket this task waits on, while it does.
        self._reading: TrioTransport | None = None

    def set(self) -> None:
        """Mark the call complete and wake its task (idempotent, never blocks)."""
        if self.done:
            return
        self.done = True
        task = self._task
        if task is not None:
            self._task = None
            _ll.reschedule(task)
        elif self._reading is not None:
            self._reading._interrupt()

    def _wake(self) -> None:
        """Reschedule the parked task (it was handed the reader role)."""
        task = self._task
        if task is not None:
            self._task = None
            _ll.reschedule(task)

    async def wait(self) -> None:
        """Wait until :meth:`set` (the call without a transport to read)."""
        while not self.done:
            await self._park()

    async def _park(self) -> None:
        self._task = _ll.current_task()
        await _ll.wait_task_rescheduled(self._abort)

    def _abort(self, raise_cancel: Any) -> Any:
        self._task = None
        return _ll.Abort.SUCCEEDED


class TrioTransport(AnyioTransport):
    """Plain ``ws://`` on trio: the raw socket, and calling tasks that read (module docstring)."""

    def __init__(
        self, stream: anyio.abc.ByteStream, session: _Session, close_timeout: float
    ) -> None:
        super().__init__(stream, session, close_timeout)
        sock: socket.socket = stream.extra(anyio.abc.SocketAttribute.raw_socket)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._sock_closed = False
        # Who waits on the socket: None, _READER, _FINISHER or a caller's waiter.
        self._role: object = None
        # Callers parked until the role is handed to them (oldest first; entries
        # of callers that left stay until popped or compacted).
        self._queue: collections.deque[TrioWaiter] = collections.deque()
        self._compact_at = _COMPACT_AT
        # The reader task (or a closer) parked while a caller holds the role.
        self._standby_tasks: list[Any] = []
        self._draining = False

    # -- writing ------------------------------------------------------------

    async def send(self, text: str) -> None:
        await self.send_call(text, math.inf)

    async def send_call(self, text: str, deadline: float) -> None:
        ws = self._ws
        if self._closing or ws.state is not _OPEN:
            raise self._closed_error()
        frame = self._session.encode_text(text)
        # Anything the protocol queued (a pong not yet written) goes first.
        frames = ws.data_to_send()
        if frames:
            frames.append(frame)
        if not self._pending and not self._write_lock.locked():
            # Nobody writing, nothing queued: straight to the kernel.
            payload = b"".join(frames) if frames else frame
            try:
                sent = self._sock.send(payload)
            except BlockingIOError:
                sent = 0
            except OSError as exc:
                raise self._write_failed(exc) from exc
            if sent == len(payload):
                return
            self._pending.append(payload[sent:])
            await self._flush(deadline)
            return
        if frames:
            self._pending.extend(frames)
        else:
            self._pending.append(frame)
        if self._write_lock.locked():
            # As in AnyioTransport.send: the lock holder writes this frame too.
            self._handed_over += len(frame)
            if self._handed_over <= _HAND_OVER_LIMIT:
                return
        await self._flush(deadline)

    async def _flush(self, deadline: float = math.inf) -> None:
        """Write every queued frame (see :meth:`AnyioTransport._flush`), waiting until ``deadline``.

        At the deadline a sender stops waiting: the rest of the queue (the
        unwritten part of a frame first) stays queued and a background task
        writes it when the socket takes it, so frames stay whole and in order.
        """
        lock = self._write_lock
        try:
            lock.acquire_nowait()
        except anyio.WouldBlock:
            with trio.move_on_at(deadline) as scope:
                await lock.acquire()
            if scope.cancelled_caught:
                return  # gave up at the deadline: the holder writes our frame
        try:
            pending = self._pending
            sock = self._sock
            while pending:
                payload = pending[0] if len(pending) == 1 else b"".join(pending)
                pending.clear()
                self._handed_over = 0
                view = memoryview(payload)
                while view:
                    try:
                        sent = sock.send(view)
                    except BlockingIOError:
                        sent = 0
                    except OSError as exc:
                        raise self._write_failed(exc) from exc
                    view = view[sent:]
                    if view and not await self._wait_writable(deadline):
                        pending.insert(0, bytes(view))
                        self._drain_later()
                        return
        finally:
            lock.release()

    async def _flush_from_reader(self) -> None:
        self._answer()

    def _answer(self) -> None:
        """Write the protocol's own frames (pongs, a close echo) without ever waiting.

        Whoever reads must not wait to write: the server may be blocked writing
        to us. What the socket does not take now a background task writes (and
        if a sender holds the lock, it writes them with its next write).
        """
        pending = self._pending
        pending.extend(self._ws.data_to_send())
        lock = self._write_lock
        if not pending or lock.locked():
            return
        if self._sock_closed:
            pending.clear()
            return
        lock.acquire_nowait()
        try:
            payload = pending[0] if len(pending) == 1 else b"".join(pending)
            pending.clear()
            self._handed_over = 0
            try:
                sent = self._sock.send(payload) if payload else 0
            except BlockingIOError:
                sent = 0
            except OSError as exc:
                if self._cause is None:
                    self._cause = exc
                return  # the reader reports the lost connection
            if sent < len(payload):
                pending.insert(0, payload[sent:])
                self._drain_later()
        finally:
            lock.release()

    def _write_failed(self, exc: BaseException) -> errors.ConnectionClosedError:
        if self._cause is None:
            self._cause = exc
        return self._closed_error(exc)

    async def _wait_writable(self, deadline: float) -> bool:
        """Wait until the socket takes more bytes; ``False`` at ``deadline``.

        Raises:
            errors.ConnectionClosedError: the socket was closed meanwhile.
        """
        if self._sock_closed:
            raise self._write_failed(anyio.ClosedResourceError())
        try:
            if deadline == math.inf:
                await _ll.wait_writable(self._sock)
                return True
            with trio.move_on_at(deadline):
                await _ll.wait_writable(self._sock)
                return True
            return False
        except trio.ClosedResourceError as exc:
            if self._sock_closed:
                raise self._write_failed(exc) from exc
            return True  # interrupted (see _interrupt): the writer tries again

    def _drain_later(self) -> None:
        """Write what is queued from a background task (a sender stopped waiting)."""
        if not self._draining:
            self._draining = True
            _ll.spawn_system_task(self._drain, name="mediamtx_camera_sdk: write backlog")

    async def _drain(self) -> None:
        # A system task: nothing may escape it (it would end the whole run).
        try:
            await self._flush()
        except errors.ConnectionClosedError:
            pass  # the connection is over: whoever reads reports it
        except Exception:  # pragma: no cover - a bug; logged, not fatal to the program
            logger.exception("writing the queued frames failed")
        finally:
            self._draining = False

    # -- reading ------------------------------------------------------------

    def _interrupt(self) -> None:
        """Wake the task waiting on the socket now (it finds the socket still open)."""
        if not self._sock_closed:
            _ll.notify_closing(self._sock)

    async def _wait_readable(self) -> None:
        """Wait until the socket is readable, closed, or the wait is interrupted."""
        if self._sock_closed:
            return
        try:  # noqa: SIM105 - the hot path: suppress() would add a context manager per wait
            await _ll.wait_readable(self._sock)
        except trio.ClosedResourceError:
            pass  # closed (then recv says so) or interrupted: the caller looks again

    def _read_ready(self) -> bool:
        """One non-blocking read fed to the session; ``False`` if there was nothing to read."""
        if self._sock_closed:
            self._eof = True
            self._session.receive_eof()
            return True
        try:
            data = self._sock.recv(_READ_SIZE)
        except BlockingIOError:
            return False
        except OSError as exc:
            if self._cause is None:
                self._cause = exc
            self._eof = True
            self._session.receive_eof()
            return True
        if data:
            self._session.receive_data(data)
        else:
            self._eof = True
            self._session.receive_eof()
        return True

    def _readable(self) -> bool:
        """Whether a caller may read: the connection is open and nobody is closing it."""
        return not self._eof and not self._closing and self._ws.state is _OPEN

    async def _pump(self) -> None:
        # The close path (_finish): read until something came.
        while not self._read_ready():
            await self._wait_readable()
        self._inbox.extend(self._session.take_messages())
        await self._flush_from_reader()

    async def _finish(self) -> None:
        # Callers stop reading once the connection is closing; wait for the one
        # that may still be (the caller of aclose() bounds this wait).
        while self._role is not None and self._role is not _FINISHER:
            await self._standby()
        self._role = _FINISHER
        try:
            await super()._finish()
        finally:
            if self._role is _FINISHER:
                self._role = None

    def _closing_started(self) -> None:
        # The reader task finishes the connection (it reads the server's answer).
        self._nudge()

    async def _close_stream(self) -> None:
        # Flagged first: the waiters woken by the close must not take it for
        # an interrupt.
        self._sock_closed = True
        await super()._close_stream()

    async def receive(self) -> list[str | bytes]:
        if self._inbox:
            return self._take_inbox()
        if self._error is not None:
            raise self._closed_error()
        if self._reading:
            raise RuntimeError("another task is already waiting in receive()")
        self._reading = True
        try:
            while True:
                if not self._readable():
                    await self._finish()
                    if self._inbox:
                        return self._take_inbox()
                    raise self._closed_error()
                if self._role is None:
                    await self._read_as_reader()
                    if self._inbox:
                        return self._take_inbox()
                    continue
                await self._standby()
        finally:
            self._reading = False

    async def _read_as_reader(self) -> None:
        self._role = _READER
        try:
            await self._wait_readable()
            if self._role is not _READER:
                return  # a caller took the role over
            got = self._read_ready()
        finally:
            if self._role is _READER:
                self._role = None
        if self._queue:
            self._hand_over()
        if got:
            self._inbox.extend(self._session.take_messages())
            self._answer()

    async def _standby(self) -> None:
        """Park the reader task (or a closer) until :meth:`_nudge`."""
        task = _ll.current_task()
        tasks = self._standby_tasks
        tasks.append(task)

        def abort(raise_cancel: Any) -> Any:
            if task in tasks:
                tasks.remove(task)
            return _ll.Abort.SUCCEEDED

        await _ll.wait_task_rescheduled(abort)

    def _nudge(self) -> None:
        """Wake the reader task (or a closer) out of standby now."""
        tasks = self._standby_tasks
        while tasks:
            _ll.reschedule(tasks.pop())

    async def wait_reply(self, waiter: TrioWaiter, deliver: Deliver) -> None:
        """Wait until ``waiter`` is set, reading the socket for everyone meanwhile.

        Every message read goes to ``deliver(self, messages)`` at once (in
        order, messages the reader task read but did not return first), which
        must not block or raise. See the module docstring for the reader role.
        """
        fresh = True  # the first wait follows this caller's send: wait, then read
        current_task = _ll.current_task
        wait_task_rescheduled = _ll.wait_task_rescheduled
        try:
            while not waiter.done:
                role = self._role
                if role is not waiter:
                    if (role is None or role is _READER) and self._readable():
                        self._role = waiter
                        if role is _READER:
                            self._interrupt()
                    else:
                        self._park_caller(waiter)
                        # Parked right here (not through waiter._park()): a
                        # coroutine frame less per call in flight.
                        waiter._task = current_task()
                        try:
                            await wait_task_rescheduled(waiter._abort)
                        finally:
                            waiter.queued = False
                        fresh = False
                        continue
                if fresh or not self._read_ready():
                    fresh = False
                    waiter._reading = self
                    try:
                        await self._wait_readable()
                    finally:
                        waiter._reading = None
                    if waiter.done or not self._read_ready():
                        continue
                messages = self._session.take_messages()
                if self._inbox:
                    messages = self._take_inbox() + messages
                if messages:
                    deliver(self, messages)
                fresh = True  # one read drains the socket: wait before the next
                if not self._readable():
                    self._release()
                    continue
                # The protocol's own answers (a pong): written at once unless a
                # sender holds the lock (it writes them with its next write).
                self._answer()
        except BaseException:
            if self._role is waiter:
                self._release()
            raise
        if self._role is waiter:
            self._release()

    def _park_caller(self, waiter: TrioWaiter) -> None:
        queue = self._queue
        if len(queue) >= self._compact_at:
            live = [w for w in queue if w.queued]
            queue.clear()
            queue.extend(live)
            self._compact_at = max(_COMPACT_AT, 2 * len(live))
        waiter.queued = True
        queue.append(waiter)

    def _release(self) -> None:
        """The caller holding the role leaves: hand it on, or back to the reader task."""
        self._role = None
        if self._queue and self._readable():
            self._hand_over()
        if self._role is None and self._standby_tasks:
            self._nudge()

    def _hand_over(self) -> None:
        """Give the free role to the longest-parked caller still waiting, if any."""
        queue = self._queue
        while queue:
            waiter = queue.popleft()
            if waiter.queued and not waiter.done and waiter._task is not None:
                waiter.queued = False
                self._role = waiter
                waiter._wake()
                return
