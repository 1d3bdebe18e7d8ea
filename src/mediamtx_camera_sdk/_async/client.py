"""``CameraClient``: the async client, on anyio (asyncio and trio).

A thin adapter: it opens the transport, runs one reader task, waits for each
call's reply, sleeps between reconnect attempts and runs handlers. Every
protocol decision is made by the sans-IO core (:mod:`..protocol`) or the shared
client logic (:mod:`.._base`, :mod:`.._flows`).

Tasks: ``connect()`` (or ``async with``) starts the reader, the heartbeat,
the camera-list poller (``poll_interval``), the reconnect supervisor and one
delivery task per event handler; they belong to the client (see :mod:`._tasks`), not to the caller's
cancel scopes, so ``connect()`` may sit under a timeout of its own and
``disconnect()`` may be called from anywhere. ``disconnect()`` cancels them all
and waits for them: nothing outlives it.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from functools import partial
from types import TracebackType
from typing import Any, Literal, TypeVar

import anyio

from .. import _flows
from .._base import (
    CONNECTING,
    FAILED,
    IDLE,
    READY,
    RECONNECTING,
    ClientBase,
    call_args,
    reader_ended,
    weak_deliver,
)
from .._boundary import is_async_callable, raises_here
from .._download import DownloadPlan, astream_to_file
from .._events import HANDLER_DROP, EventStreamBase, HandlerQueue
from .._flows import Authenticate, Call, Close, Emit, FetchToken, Flow, Open, Reauthenticate, Sleep
from ..errors import (
    CameraServiceError,
    ClientClosedError,
    ConnectionError,
)
from ..methods import MethodSpec
from ..models import FileInfo, HasDevicePath, RecordingInfo
from ..protocol import Notification, PendingCall
from ._api import AsyncApi
from ._tasks import TaskRunner
from ._transport import AsyncTransport

__all__ = ["CameraClient", "EventStream"]

logger = logging.getLogger("mediamtx_camera_sdk")
T = TypeVar("T")

#: How many plain-function handlers of one client may run at once (threads).
HANDLER_THREADS = 4


class EventStream(EventStreamBase):
    """An async iterator over the client's events (``async for event in client.events()``).

    Buffered (``client.settings.event_buffer`` events by default): when the
    consumer falls behind, the oldest events are dropped, counted in
    :attr:`dropped`, and an ``sdk.events_dropped`` event (``params["count"]``)
    says so in order. The iteration ends when the client is disconnected by the
    caller, when :meth:`aclose` is called, or when no event came within the
    stream's ``timeout`` seconds (if it has one). Usable as ``async with``.
    """

    _client: CameraClient
    _wakeup: anyio.Event | None = None  # made by each wait

    def _wake(self, everyone: bool) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Notification:
        while True:
            item = self._buffer.pop()
            if item is not None:
                return item  # type: ignore[no-any-return]
            if self._ended:
                raise StopAsyncIteration
            wakeup = self._wakeup = anyio.Event()
            if self._timeout is None:
                await wakeup.wait()
                continue
            with anyio.move_on_after(self._timeout):
                await wakeup.wait()
                continue
            # A quiet period ends the iteration for good, as an iterator must.
            await self.aclose()
            raise StopAsyncIteration

    async def aclose(self) -> None:
        """Stop receiving events; the iteration ends."""
        self._client._streams.discard(self)
        self._end()

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _HandlerWorker(HandlerQueue):
    """Runs one handler's events in order, off the reader (a slow handler delays only itself).

    A plain-function handler runs in a worker thread, under the client's own
    limiter (never anyio's default one, which the application's ``to_thread``
    calls use), and is abandoned, not waited for, when the client disconnects.
    """

    def __init__(self, maxlen: int, limiter: anyio.CapacityLimiter) -> None:
        super().__init__(maxlen)
        self.wakeup = anyio.Event()
        self.limiter = limiter

    def _wake(self) -> None:
        self.wakeup.set()

    async def run(self) -> None:
        while True:
            item = self.queue.pop()
            if item is None:
                if self.retired:
                    return
                self.wakeup = anyio.Event()
                await self.wakeup.wait()
                continue
            if item is HANDLER_DROP:
                continue
            handler, argument = item
            try:  # a cancellation (a BaseException on both backends) goes through
                if is_async_callable(handler):
                    await handler(*call_args(argument))
                else:
                    result = await anyio.to_thread.run_sync(
                        handler, *call_args(argument), limiter=self.limiter, abandon_on_cancel=True
                    )
                    if inspect.isawaitable(result):
                        await result
            except Exception:
                logger.exception("event handler %r raised", handler)


class CameraClient(AsyncApi, ClientBase[EventStream]):
    """The async client of the MediaMTX Camera Service (asyncio and trio, through anyio).

    The constructor (:meth:`ClientBase.__init__`) takes the seed's parameters;
    every other setting is keyword-only.
    """

    _stream_class = EventStream

    def _setup(self) -> None:
        self._transport: AsyncTransport | None = None
        self._tasks: TaskRunner | None = None
        self._state_changed: anyio.Event | None = None
        self._reauth_lock = anyio.Lock()  # one re-authentication at a time
        self._connecting: anyio.Event | None = None  # set when a connect() ends
        self._connect_error: CameraServiceError | None = None
        self._workers: dict[Any, _HandlerWorker] = {}
        # Threads for plain-function handlers: the client's own (made in connect()).
        self._handler_limiter: Any = None
        self._streams: set[EventStream] = set()
        self._dispatch_lock = contextlib.nullcontext()  # one thread: nothing to lock

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> CameraClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    @raises_here
    async def connect(self) -> None:
        """Connect, authenticate (when credentials are set) and start the background tasks.

        Retries a failed connection up to ``max_retries`` times with backoff.
        Does nothing when already connected; while another task is connecting,
        waits for its outcome; after the client gave up reconnecting, starts
        over. Safe from an event handler.

        Raises:
            AuthenticationError: the credentials were refused (not retried).
            ConnectionError: the service could not be reached.
            CallTimeoutError: the service did not answer ``authenticate`` in time.
        """
        if self._tasks is not None:
            connecting = self._connecting
            if connecting is not None:
                # Another task is connecting: share its outcome.
                await connecting.wait()
                if self._connect_error is not None:
                    raise self._connect_error
                return
            if self._state != FAILED:
                return
            await self._shutdown(None)
        self._closed = False
        self._failure = None
        self._state_changed = anyio.Event()
        if self._handler_limiter is None:
            self._handler_limiter = anyio.CapacityLimiter(HANDLER_THREADS)
        tasks = self._tasks = TaskRunner()
        connecting = self._connecting = anyio.Event()
        self._connect_error = None
        self._set_state(CONNECTING)
        try:
            await self._drive(self._connect_flow(reconnecting=False))
        except BaseException as exc:
            self._connect_error = self._shared_outcome(
                exc, "the connect() being waited for was cancelled"
            )
            await self._shutdown(exc)
            raise
        finally:
            self._connecting = None
            connecting.set()
        self._set_state(READY)
        if self._settings.heartbeat_interval is not None:
            tasks.start_soon(_heartbeat, weakref.ref(self))
        if (poll := self._poll_flow()) is not None:
            tasks.start_soon(_poll, weakref.ref(self), poll)  # ends at disconnect()
        logger.info("connected to %s (dialect %s, role %s)", self.url, self.dialect, self.role)

    async def disconnect(self) -> None:
        """Close the connection and stop every background task. Never reconnects after it.

        Pending calls fail with :class:`ConnectionClosedError`; event iterators end.
        Safe to call more than once.
        """
        connected = self._tasks is not None
        await self._shutdown(None)
        if connected:
            logger.info("disconnected from %s", self.url)

    async def close(self) -> None:
        """Alias of :meth:`disconnect`."""
        await self.disconnect()

    async def _shutdown(self, exc: BaseException | None) -> None:
        self._closed = True
        for stream in list(self._streams):
            stream._end()
        self._streams.clear()
        transport, self._transport = self._transport, None
        self._fail_pending(ClientClosedError("the client was disconnected"))
        self._set_state(IDLE)
        tasks, self._tasks = self._tasks, None
        if transport is not None:
            with anyio.CancelScope(shield=True):
                await transport.aclose()
        # Retired, not just forgotten: a worker whose handler called
        # disconnect() is not cancelled, and ends once its handler returns.
        self._retire_workers()
        if tasks is not None:
            await tasks.aclose()

    def _set_state(self, state: str) -> None:
        self._state = state
        if self._state_changed is not None:
            self._state_changed.set()
            self._state_changed = anyio.Event()

    def _fail_pending(self, cause: BaseException | None) -> None:
        if self._protocol.connected:
            self._wake(self._protocol.connection_lost(cause))

    # ------------------------------------------------------------ the driver

    def _drive(self, flow: Flow, gated: bool = False) -> Awaitable[Any]:
        """Run a shared flow, performing each operation it yields (see ``_flows``)."""
        return _run(flow, partial(self._perform, gated=gated))

    async def _perform(self, op: _flows.Op, gated: bool) -> Any:
        if type(op) is Call:
            self._note_call()
            return await self._roundtrip(op.method, op.params, op.timeout, gated=gated)
        if type(op) is Authenticate:
            return await self._authenticate(op)
        if type(op) is Reauthenticate:
            async with self._reauth_lock:
                if self._reauth_needed():  # nobody did it since this call started
                    await self._drive(_flows.authenticate_flow(self._settings, timeout=op.timeout))
                    self._auth_generation += 1
            return None
        if type(op) is Open:
            return await self._open()
        if type(op) is Close:
            self._abort(ConnectionError(f"connection closed: {op.reason}"))
            return None
        if type(op) is FetchToken:
            return await self._fetch_token()
        if type(op) is Sleep:
            await anyio.sleep(op.seconds)
            return None
        if type(op) is Emit:
            self._dispatch(op.event)
            return None
        raise TypeError(f"unknown flow operation {op!r}")  # pragma: no cover

    async def _open(self) -> None:
        transport = await AsyncTransport.connect(self._endpoint, **self._transport_options())
        if self._closed or self._tasks is None:
            await transport.aclose()
            raise ClientClosedError("the client was disconnected while connecting")
        self._transport = transport
        self._protocol.connection_made()
        self._last_sent = self._last_received = time.monotonic()
        self._tasks.start_soon(_reader, weakref.ref(self), transport)

    async def _authenticate(self, op: Authenticate) -> Any:
        call, seconds = self._start_authenticate(op)
        return await self._await_call(call, anyio.current_time() + seconds)

    async def _fetch_token(self) -> str:
        provider = self._token_provider()
        try:
            token = provider()
            if inspect.isawaitable(token):
                token = await token
        except Exception as exc:  # not a cancellation: a BaseException
            raise self._provider_failed(exc) from exc
        return token

    # ------------------------------------------------------------ calls

    async def call(
        self, method: str, params: Mapping[str, Any] | None = None, timeout: float | None = None
    ) -> Any:
        """Call any service method by name and return its raw (decoded JSON) result.

        For calls the typed methods do not cover (or a newer service's calls).

        Raises:
            RpcError: the server's error (its subclass for the code).
            CallTimeoutError: no reply within ``timeout`` (default: the client's).
            ConnectionError: not connected, or the connection was lost.
            ClientClosedError: the client was disconnected by the caller.
            InvalidParamsError: ``method`` or ``params`` are malformed.
        """
        try:  # raises_here's boundary, written out, as in _invoke
            self._check_call_arguments(method, params)
            return await self._call(method, params, timeout)
        except CameraServiceError as exc:
            raise self._public_error(exc)  # noqa: B904 - exc itself, its chain kept

    async def _invoke(
        self, spec: MethodSpec[T], params: dict[str, Any] | None, timeout: float | None
    ) -> T:
        # raises_here's boundary, written out: a coroutine less per call (also in call()).
        try:
            self._prepare(spec, params)
            return self._decode(spec, await self._call(spec.name, params, timeout))
        except CameraServiceError as exc:
            raise self._public_error(exc)  # noqa: B904 - exc itself, its chain kept

    # The call path returns awaitables rather than awaiting them where it can:
    # each coroutine frame fewer is time and memory saved per call in flight.

    def _call(
        self, method: str, params: Mapping[str, Any] | None, timeout: float | None
    ) -> Awaitable[Any]:
        flow = self._call_flow(method, params, timeout)
        if flow is None:
            return self._roundtrip(method, params, timeout, gated=True)
        return self._drive(flow, gated=True)

    def _roundtrip(
        self,
        method: str,
        params: Mapping[str, Any] | None,
        timeout: float | None,
        *,
        gated: bool,
    ) -> Awaitable[Any]:
        """One request and its reply, all within the call's timeout."""
        seconds = self._timeout(timeout)
        deadline = anyio.current_time() + seconds
        if gated and self._state != READY:
            return self._roundtrip_when_ready(method, params, seconds, deadline)
        call = self._protocol.start_call(method, params, timeout=seconds)
        return self._await_call(call, deadline)

    async def _roundtrip_when_ready(
        self, method: str, params: Mapping[str, Any] | None, seconds: float, deadline: float
    ) -> Any:
        with anyio.CancelScope(deadline=deadline):
            await self._wait_ready(method)
        if self._state != READY:
            raise self._unready_timeout(method, seconds)
        call = self._protocol.start_call(method, params, timeout=seconds)
        return await self._await_call(call, deadline)

    async def _await_call(self, call: PendingCall, deadline: float) -> Any:
        """Send a registered call and wait for its end, at most until ``deadline``."""
        tasks, transport = self._tasks, self._transport
        if tasks is None:  # pragma: no cover - the core refuses calls once disconnected
            self._protocol.cancel(call)
            raise ClientClosedError("the client was disconnected", method=call.method)
        waiter = call.waiter = tasks.new_waiter()
        try:
            if transport is not None:
                try:
                    transport.send(call.text)
                except ConnectionError as exc:
                    self._lost(transport, exc)
                self._last_sent = time.monotonic()
            await tasks.wait(waiter, deadline)
        except BaseException:
            if not call.done:
                self._protocol.cancel(call)
            raise
        if not call.done:
            self._protocol.time_out(call)
        return call.outcome()

    async def _wait_ready(self, method: str) -> None:
        """Wait for the connection (re)established; the caller's scope bounds the wait."""
        while self._state != READY:
            error = self._unready_error(method, self._state, self._failure)
            if error is not None:
                raise error
            changed = self._state_changed
            if changed is None:  # pragma: no cover - set by connect()
                raise ClientClosedError(f"not connected: cannot call {method}", method=method)
            await changed.wait()

    # ------------------------------------------------------------ background tasks

    def _take_frames(self, transport: AsyncTransport, frames: list[str | bytes]) -> None:
        """Feed received messages to the core and act on its events."""
        if transport is not self._transport:
            # A connection given up (heartbeat, abort): its late frames must not
            # reach the core, whose ids now belong to the next connection.
            return
        self._last_received = time.monotonic()
        protocol = self._protocol
        for frame in frames:
            self._deliver(protocol.receive_text(frame))

    def _lost(self, transport: AsyncTransport, exc: ConnectionError) -> None:
        """The connection ``transport`` is over: fail its calls, tell the app, reconnect."""
        if transport is not self._transport:
            return
        self._transport = None
        established = self._state == READY
        self._fail_pending(exc)
        tasks = self._tasks
        if tasks is not None:
            tasks.start_cleanup(transport.aclose)
        if self._closed or tasks is None:
            return
        if not established:
            return  # a connect flow is running: it retries by itself
        self._dispatch(self._loss_event(exc))
        self._set_state(self._state_after_loss(exc))
        if self._state == RECONNECTING:
            tasks.start_soon(self._reconnect)

    async def _reconnect(self) -> None:
        try:
            await self._drive(self._connect_flow(reconnecting=True))
        except CameraServiceError as exc:
            logger.warning("could not reconnect to %s: %s", self.url, exc)
            self._failure = exc
            self._set_state(FAILED)
            self._dispatch(self._gave_up_event(exc))
            self._retire_workers()  # after the final event: nothing is left running
            return
        self._reconnects += 1
        self._set_state(READY)
        self._dispatch(self._reconnected_event())

    async def _heartbeat_ping(self) -> float:
        """One heartbeat ping; returns the seconds to wait before the next (0: as due)."""
        transport = self._transport
        try:
            await self._roundtrip("ping", None, self._settings.heartbeat_timeout, gated=False)
        except CameraServiceError as exc:
            return self._ping_failed(transport, exc)
        return 0.0

    def _connected_at_collection(self) -> bool:
        return self._tasks is not None

    def _release_collected(self) -> None:
        if self._tasks is not None:  # in the client's event loop, soon
            self._tasks.cancel_soon()

    # ------------------------------------------------------------ events

    def _dispatch(self, event: Notification) -> None:
        self._observe_notification(event)
        tasks = self._tasks
        if tasks is not None:
            for key, handler, argument in self._targets(event):
                worker = self._workers.get(key)
                if worker is None:
                    worker = self._workers[key] = _HandlerWorker(
                        self._settings.event_buffer, self._handler_limiter
                    )
                    tasks.start_soon(worker.run)
                worker.push(handler, argument)
        for stream in self._streams:
            stream._push(event)

    # ------------------------------------------------------------ recordings and files

    @raises_here
    async def get_recording_status(
        self, device_path: str, *, timeout: float | None = None
    ) -> RecordingInfo | None:
        """The latest known recording of a camera, or None when this client knows of none.

        No service has a recording-status call: the answer comes from the
        ``start_recording``/``stop_recording`` results seen by this client and
        the recording notifications, which keep it current while connected. For
        a finished recording on the current service the file's size and
        duration are refreshed from ``get_recording_info``.
        """
        flow = self._recording_status_flow(device_path, timeout)
        info: RecordingInfo | None = await self._drive(flow, gated=True)
        return info

    @raises_here
    async def record_for(
        self,
        device_path: str | HasDevicePath,
        seconds: float,
        *,
        format: Literal["fmp4", "mp4", "mkv"] | None = None,
        timeout: float | None = None,
    ) -> RecordingInfo:
        """Record a camera for ``seconds``; returns the finished recording.

        That is ``stop_recording``'s result, with the file's size and duration when
        the service tells them. The recording is stopped whatever ends the wait, a cancellation
        too (that stop is shielded, and bounded by ``timeout``).
        ``format`` and ``timeout`` (per call) are :meth:`start_recording`'s.

        Raises:
            ValidationError: ``seconds`` is not a positive number (nothing is started).
        """
        seconds = self._recording_seconds(seconds)
        await self.start_recording(device_path, format=format, timeout=timeout)
        try:
            await anyio.sleep(seconds)
        except BaseException:
            with anyio.CancelScope(shield=True), anyio.move_on_after(self._timeout(timeout)):
                await self._drive(self._abandoned_recording_flow(device_path, timeout), gated=True)
            raise
        stopped = await self.stop_recording(device_path, timeout=timeout)
        finished: RecordingInfo = await self._drive(self._finished_flow(stopped, timeout))
        return finished

    async def iter_recordings(self, *, page_size: int | None = None) -> AsyncIterator[FileInfo]:
        """Every recording, newest first, fetching pages as needed."""
        async for item in self._iter_files("list_recordings", page_size):
            yield item

    async def iter_snapshots(self, *, page_size: int | None = None) -> AsyncIterator[FileInfo]:
        """Every snapshot, newest first, fetching pages as needed."""
        async for item in self._iter_files("list_snapshots", page_size):
            yield item

    async def _iter_files(self, method: str, page_size: int | None) -> AsyncIterator[FileInfo]:
        limit = self._page_size(page_size)
        list_page = getattr(self, method)
        offset: int | None = 0
        while offset is not None:
            page = await list_page(limit=limit, offset=offset)
            for item in page.files:
                yield item
            offset = self._next_offset(page, offset)

    async def download_recording(
        self,
        filename: str,
        dest: str | os.PathLike[str],
        progress: Callable[[int, int | None], Any] | None = None,
    ) -> str:
        """Download a recording to ``dest`` (a file path or a directory); returns the path.

        Streamed to a temporary file beside the destination and renamed when
        complete, so an interrupted download leaves no partial file. ``progress``
        is called with (bytes so far, total or None).

        Raises:
            NotFoundError: no such file. AuthenticationError: credentials refused.
            ConnectionError: the download failed. InvalidParamsError: a bad name.
        """
        return await self._download("recordings", filename, dest, progress)

    async def download_snapshot(
        self,
        filename: str,
        dest: str | os.PathLike[str],
        progress: Callable[[int, int | None], Any] | None = None,
    ) -> str:
        """Download a snapshot to ``dest`` (a file or a folder); see :meth:`download_recording`."""
        return await self._download("snapshots", filename, dest, progress)

    @raises_here
    async def _download(
        self,
        kind: str,
        filename: str,
        dest: str | os.PathLike[str],
        progress: Callable[[int, int | None], Any] | None,
    ) -> str:
        plan = DownloadPlan.make(self, kind, filename, dest)
        token = await self._drive(_flows.credential_flow(self._settings))
        return await astream_to_file(plan, token, self._settings.timeout, progress)


# The reader and the heartbeat hold the client weakly (only while acting), so a
# client dropped while connected can be collected and released (``__del__``).


async def _reader(ref: weakref.ref[CameraClient], transport: AsyncTransport) -> None:
    """The connection's one reader: every reply and notification comes through here."""
    try:
        await transport.run(weak_deliver(ref, transport))
    except Exception as exc:
        reader_ended(ref, transport, exc)


async def _heartbeat(ref: weakref.ref[CameraClient]) -> None:
    """Ping after ``heartbeat_interval`` seconds without sending or without receiving.

    Not sending: the current service drops connections idle for ~10 s. Not
    receiving: a silent server may be gone (a blackhole); a ping that gets no
    reply within ``heartbeat_timeout`` ends the connection.
    """
    nap = 0.0
    while (client := ref()) is not None:
        due = client._heartbeat_due()
        if due is None:
            return
        changed = client._state_changed
        if max(due, nap) == 0 or changed is None:
            nap = await client._heartbeat_ping()
            continue
        del client
        with anyio.move_on_after(max(due, nap)):  # or less: the state changed
            await changed.wait()
        nap = 0.0


async def _run(flow: Flow, perform: Callable[[_flows.Op], Awaitable[Any]]) -> Any:
    """``_flows.run`` with ``await``: drive ``flow``, ``await perform(op)`` for each operation."""
    value: Any = None
    error: Exception | None = None
    while True:
        try:
            op = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration as stop:
            return stop.value
        try:
            value, error = await perform(op), None
        except Exception as exc:
            value, error = None, exc


async def _poll(ref: weakref.ref[CameraClient], flow: Flow) -> None:
    """The camera-list poller (``poll_interval``): drives its flow, holding the client per step."""

    async def perform(op: _flows.Op) -> Any:
        if type(op) is Sleep:
            await anyio.sleep(op.seconds)
            return None
        client = ref()
        if client is None:
            raise ClientClosedError("the client was collected")  # the flow ends
        return await client._perform(op, True)

    await _run(flow, perform)
