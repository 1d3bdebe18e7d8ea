"""``SyncCameraClient``: the blocking client, on ``websocket-client`` and threads.

A thin adapter, like the async client: it opens the transport, runs one reader
thread per connection, blocks each caller on its own waiter until its reply or
timeout, sleeps between reconnect attempts and runs handlers. Every protocol
decision is made by the sans-IO core (:mod:`..protocol`) or the shared client
logic (:mod:`.._base`, :mod:`.._flows`), driven here by blocking.

Threads (daemons named ``mediamtx-sdk-*``; ``disconnect()`` stops and joins
them): each connection's *reader* (``SyncTransport.run``; every reply and
notification comes through it) and *writer*; a *heartbeat* (a ``ping`` after
``heartbeat_interval`` idle seconds); a *poller* (``poll_interval``); a
*reconnect supervisor* while a dropped connection is restored; one *handler
worker* per event handler, so a slow handler delays only its own events.

A caller only queues its frame and waits (``_Waiter``): a ``KeyboardInterrupt``
can only interrupt the wait; the call is forgotten, the connection stays usable.

Locking: the core is not thread-safe, so every access to it (and to the
connection state) happens under ``_lock``; ``_dispatch_lock`` guards the
caches, handler workers and event iterators. Neither is held while user code
runs or while blocking on the network. Nothing here uses asyncio, so the
client works where an event loop already runs (Jupyter, IPython, async code).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Final, Literal, TypeVar

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
from .._boundary import discard_awaitable, not_sync, raises_here
from .._download import DownloadPlan, stream_to_file
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
from ._api import SyncApi
from ._transport import SyncTransport

__all__ = ["SyncCameraClient", "SyncEventStream"]

logger = logging.getLogger("mediamtx_camera_sdk")
T = TypeVar("T")


class _Waiter:
    """One waiting caller's wake-up: a lock it blocks on (cheaper than an Event), released once."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        with contextlib.suppress(RuntimeError):  # a second wake-up coalesces with the first
            self._lock.release()

    def wait(self, timeout: float) -> bool:
        return self._lock.acquire(timeout=max(timeout, 0.0))


class SyncEventStream(EventStreamBase):
    """An iterator over the client's events (``for event in client.events()``).

    Buffered (``client.settings.event_buffer`` events by default): when the
    consumer falls behind, the oldest events are dropped, counted in
    :attr:`dropped`, and an ``sdk.events_dropped`` event (``params["count"]``)
    says so in order. The iteration ends when the client is disconnected by the
    caller, when :meth:`close` is called, or when no event came within the
    stream's ``timeout`` (if one was given). Usable as ``with``; thread-safe.
    """

    _client: SyncCameraClient

    def _start(self) -> None:
        self._guard = self._cond = threading.Condition(threading.Lock())

    def _wake(self, everyone: bool) -> None:
        (self._cond.notify_all if everyone else self._cond.notify)()

    def __iter__(self) -> SyncEventStream:
        return self

    def __next__(self) -> Notification:
        deadline = None  # taken when the buffer is first found empty
        with self._cond:
            while (item := self._buffer.pop()) is None:
                if self._ended:
                    raise StopIteration
                if self._timeout is None:
                    self._cond.wait()
                    continue
                deadline = deadline or time.monotonic() + self._timeout
                if (left := deadline - time.monotonic()) <= 0:
                    break
                self._cond.wait(left)
            else:
                return item  # type: ignore[no-any-return]
        # A quiet period ends the iteration for good, as an iterator must.
        self.close()
        raise StopIteration

    def close(self) -> None:
        """Stop receiving events; the iteration ends (after the events already buffered)."""
        self._client._forget_stream(self)
        self._end()

    def __enter__(self) -> SyncEventStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _HandlerWorker(HandlerQueue):
    """Runs one handler's events in order on its own thread (a slow handler delays only itself)."""

    def _start(self) -> None:
        self._guard = self._cond = threading.Condition(threading.Lock())
        self._stopped = False

    def _wake(self) -> None:
        self._cond.notify()

    def stop(self) -> None:
        """End the thread after the handler call in progress; queued events are dropped."""
        with self._cond:
            self._stopped = True
            self._wake()

    def run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and not self.retired and not len(self.queue):
                    self._cond.wait()
                if self._stopped or (self.retired and not len(self.queue)):
                    return
                item = self.queue.pop()
            if item is None or item is HANDLER_DROP:
                continue
            handler, argument = item
            try:
                result = handler(*call_args(argument))
            except Exception:
                logger.exception("event handler %r raised", handler)
                continue
            if inspect.isawaitable(result):
                discard_awaitable(result)
                logger.error(
                    "event handler %r returned an awaitable, which SyncCameraClient cannot "
                    "run: register a plain function (or use CameraClient)",
                    handler,
                )


class SyncCameraClient(SyncApi, ClientBase[SyncEventStream]):
    """The blocking client of the MediaMTX Camera Service, for scripts and notebooks.

    The same constructor, methods (blocking), events, errors, settings,
    reconnection, heartbeat, token provider, downloads and pagination as
    :class:`~mediamtx_camera_sdk.CameraClient`. Thread-safe: any number of
    threads may call one client at once. It never runs an event loop, so it
    also works where one is already running (Jupyter, IPython, async code).

    The constructor (:meth:`ClientBase.__init__`) takes the seed's parameters;
    every other setting is keyword-only; ``token_provider`` must be a plain
    (sync) callable here.
    """

    _blocking = True

    _stream_class = SyncEventStream

    def _setup(self) -> None:
        # The core and connection state; the condition wakes calls awaiting it and the heartbeat.
        self._lock = threading.Lock()
        self._state_changed = threading.Condition(self._lock)
        self._transport: SyncTransport | None = None
        self._running = False  # between connect() and disconnect()
        self._stop = threading.Event()  # set by disconnect(): background threads end
        self._threads: set[threading.Thread] = set()
        self._connect_lock = threading.Lock()  # one connect() at a time
        self._reauth_lock = threading.Lock()  # one re-authentication at a time
        self._connect_attempts = 0  # connects finished, to share an outcome
        self._connect_error: CameraServiceError | None = None
        # Caches, handler workers and event iterators.
        self._dispatch_lock = threading.Lock()
        self._workers: dict[Any, _HandlerWorker] = {}
        self._streams: set[SyncEventStream] = set()

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> SyncCameraClient:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.disconnect()

    @raises_here
    def connect(self) -> None:
        """Connect, authenticate (when credentials are set) and start the background threads.

        Retries a failed connection up to ``max_retries`` times with backoff.
        Does nothing when already connected; while another thread is
        connecting, waits for its outcome; after the client gave up
        reconnecting, starts over. Safe from an event handler.

        Raises:
            AuthenticationError: the credentials were refused (not retried).
            ConnectionError: the service could not be reached.
            CallTimeoutError: the service did not answer ``authenticate`` in time.
            ClientClosedError: ``disconnect()`` was called meanwhile.
        """
        if self._state == FAILED:
            self.disconnect()
        attempt = self._connect_attempts
        with self._connect_lock:
            if self._connect_attempts != attempt:
                # Another thread connected meanwhile: share its outcome.
                if self._connect_error is not None:
                    raise self._connect_error
                return
            with self._lock:
                if self._running:
                    return
                self._running = True
                self._closed = False
                self._failure = None
                self._stop = threading.Event()
                self._set_state(CONNECTING)
            self._connect_error = None
            try:
                self._drive(self._connect_flow(reconnecting=False))
            except BaseException as exc:
                self._connect_error = self._shared_outcome(
                    exc, "the connect() waited for was interrupted"
                )
                self._shutdown()
                raise
            finally:
                self._connect_attempts += 1  # whoever waited for the lock shares this outcome
            with self._lock:
                if self._closed:
                    raise ClientClosedError("the client was disconnected while connecting")
                self._set_state(READY)
                if self._settings.heartbeat_interval is not None:
                    self._spawn("heartbeat", _heartbeat, weakref.ref(self), self._stop)
                if (poll := self._poll_flow()) is not None:
                    self._spawn("poll", _poll, weakref.ref(self), poll, self._stop)
        logger.info("connected to %s (dialect %s, role %s)", self.url, self.dialect, self.role)

    def disconnect(self) -> None:
        """Close the connection and stop every background thread. Never reconnects after it.

        Pending calls fail with :class:`ConnectionClosedError`; event iterators end.
        Safe to call more than once, and from any thread (also from a handler).
        """
        was_running = self._running
        self._shutdown()
        if was_running:
            logger.info("disconnected from %s", self.url)

    def close(self) -> None:
        """Alias of :meth:`disconnect`."""
        self.disconnect()

    def _shutdown(self, *, join: bool = True) -> None:
        with self._lock:
            self._closed = True
            self._running = False
            transport, self._transport = self._transport, None
            calls: list[PendingCall] = []
            if self._protocol.connected:
                calls = self._protocol.connection_lost(
                    ClientClosedError("the client was disconnected")
                )
            self._set_state(IDLE)
            self._stop.set()
            threads, self._threads = self._threads, set()
        self._wake(calls)
        with self._dispatch_lock:
            streams, self._streams = self._streams, set()
            workers, self._workers = list(self._workers.values()), {}
        for stream in streams:
            stream._end()
        if transport is not None:
            transport.close()  # wakes the reader
        for worker in workers:
            worker.stop()
        if not join:
            return
        # Threads end promptly once stopped, but in user code or in opening a connection.
        s = self._settings
        deadline = time.monotonic() + max(s.open_timeout, s.timeout)
        current = threading.current_thread()
        for thread in threads:
            if thread is not current:
                thread.join(max(deadline - time.monotonic(), 0.0))
                if thread.is_alive():
                    logger.warning("thread %s did not end in time", thread.name)

    def _set_state(self, state: str) -> None:
        """Change the connection state (``_lock`` held) and wake whoever waits for it."""
        self._state = state
        self._state_changed.notify_all()

    def _spawn(self, role: str, target: Callable[..., Any], *args: Any) -> bool:
        """Start a daemon thread (``_lock`` held); False once the client is closed."""
        if not self._running:
            return False
        self._threads = {t for t in self._threads if t.is_alive()}
        thread = threading.Thread(
            target=target, args=args, name=f"mediamtx-sdk-{role}", daemon=True
        )
        thread.start()
        self._threads.add(thread)
        return True

    # ------------------------------------------------------------ the driver

    def _drive(self, flow: Flow, gated: bool = False) -> Any:
        """Run a shared flow, performing each operation it yields (see ``_flows``)."""
        return _flows.run(flow, lambda op: _OPERATIONS[type(op)](self, op, gated))

    def _op_open(self, op: Open, gated: bool) -> None:
        transport = SyncTransport.connect(self._endpoint, **self._transport_options())
        with self._lock:
            opened = self._running and not self._closed
            if opened:
                self._transport = transport
                self._protocol.connection_made()
                self._last_sent = self._last_received = time.monotonic()
                self._spawn("reader", _reader, weakref.ref(self), transport)
        if not opened:
            transport.close()
            raise ClientClosedError("the client was disconnected while connecting")

    def _op_close(self, op: Close, gated: bool) -> None:
        self._abort(ConnectionError(f"connection closed: {op.reason}"))

    def _op_call(self, op: Call, gated: bool) -> Any:
        self._note_call()
        return self._roundtrip(op.method, op.params, op.timeout, gated=gated)

    def _op_authenticate(self, op: Authenticate, gated: bool) -> Any:
        with self._lock:
            call, seconds = self._start_authenticate(op)
            call.waiter = _Waiter()
            transport = self._transport
        return self._await_call(call, transport, time.monotonic() + seconds)

    def _op_reauthenticate(self, op: Reauthenticate, gated: bool) -> None:
        with self._reauth_lock:
            if self._reauth_needed():  # nobody did it since this call started
                self._drive(_flows.authenticate_flow(self._settings, timeout=op.timeout))
                self._auth_generation += 1

    def _op_fetch_token(self, op: FetchToken, gated: bool) -> str:
        return self._fetch_token()

    def _op_sleep(self, op: Sleep, gated: bool) -> None:
        if self._stop.wait(op.seconds):
            raise ClientClosedError("the client was disconnected")

    def _op_emit(self, op: Emit, gated: bool) -> None:
        self._dispatch(op.event)

    def _fetch_token(self) -> str:
        provider = self._token_provider()
        try:
            token = provider()
        except Exception as exc:
            raise self._provider_failed(exc) from exc
        if inspect.isawaitable(token):
            discard_awaitable(token)
            raise not_sync("the token provider", "token_provider")
        return token

    # ------------------------------------------------------------ calls

    @raises_here
    def call(
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
        self._check_call_arguments(method, params)
        return self._call(method, params, timeout)

    @raises_here
    def _invoke(
        self, spec: MethodSpec[T], params: dict[str, Any] | None, timeout: float | None
    ) -> T:
        self._prepare(spec, params)
        raw = self._call(spec.name, params, timeout)
        with self._dispatch_lock:  # decoding updates the caches
            return self._decode(spec, raw)

    def _call(self, method: str, params: Mapping[str, Any] | None, timeout: float | None) -> Any:
        flow = self._call_flow(method, params, timeout)
        if flow is None:
            return self._roundtrip(method, params, timeout, gated=True)
        return self._drive(flow, gated=True)

    def _roundtrip(
        self, method: str, params: Mapping[str, Any] | None, timeout: float | None, *, gated: bool
    ) -> Any:
        seconds = self._timeout(timeout)
        deadline = time.monotonic() + seconds
        with self._lock:
            if gated:
                while self._state != READY:
                    error = self._unready_error(method, self._state, self._failure)
                    if error is not None:
                        raise error
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise self._unready_timeout(method, seconds)
                    self._state_changed.wait(left)
            call = self._protocol.start_call(method, params, timeout=seconds)
            call.waiter = _Waiter()
            transport = self._transport
        return self._await_call(call, transport, deadline)

    def _await_call(
        self, call: PendingCall, transport: SyncTransport | None, deadline: float
    ) -> Any:
        """Hand ``call``'s frame to the writer and wait for its end, at most until ``deadline``."""
        try:
            if transport is not None:
                try:
                    transport.send(call.text)
                except ConnectionError as exc:
                    self._lost(transport, exc)
                self._last_sent = time.monotonic()
            call.waiter.wait(deadline - time.monotonic())
        except BaseException:  # e.g. KeyboardInterrupt: forget the call, keep the connection
            with self._lock:
                self._protocol.cancel(call)
            raise
        if not call.done:
            with self._lock:
                self._protocol.time_out(call)
        return call.outcome()

    # ------------------------------------------------------------ background threads

    def _take_frames(self, transport: SyncTransport, frames: list[str | bytes]) -> None:
        events = []
        with self._lock:
            if transport is not self._transport:
                return  # a connection given up: its ids belong to nobody now
            for frame in frames:
                events.extend(self._protocol.receive_text(frame))
        self._last_received = time.monotonic()
        # The notifications first, as one batch (each iterator woken once), then the replies.
        if notes := [e for e in events if type(e) is Notification]:
            self._dispatch(*notes)
        self._deliver([e for e in events if type(e) is not Notification])

    def _lost(self, transport: SyncTransport, exc: ConnectionError) -> None:
        """The connection ``transport`` is over: fail its calls, tell the app, reconnect."""
        with self._lock:
            if transport is not self._transport:
                return
            self._transport = None
            established = self._state == READY and self._running
            calls = self._protocol.connection_lost(exc) if self._protocol.connected else []
            if established:
                self._set_state(self._state_after_loss(exc))
            reconnect = established and self._state == RECONNECTING
        self._wake(calls)
        if not established:
            transport.close()
            return  # closed by the caller, or a connect flow runs: it retries by itself
        self._dispatch(self._loss_event(exc))
        if reconnect:
            with self._lock:
                self._spawn("reconnect", self._reconnect)
        # Last: the close may wait close_timeout for a gone server; nobody else need wait.
        transport.close()

    def _reconnect(self) -> None:
        try:
            self._drive(self._connect_flow(reconnecting=True))
        except CameraServiceError as exc:
            if self._closed:
                return  # disconnect() interrupted the reconnect
            logger.warning("could not reconnect to %s: %s", self.url, exc)
            # A connection the failed attempt opened (a re-subscription refused) is dropped.
            self._abort(ConnectionError(f"reconnecting failed: {exc}"))
            with self._lock:
                self._failure = exc
                self._set_state(FAILED)
            self._dispatch(self._gave_up_event(exc))
            with self._dispatch_lock:
                self._retire_workers()  # after the final event: nothing is left running
            return
        with self._lock:
            if self._closed:
                return
            self._reconnects += 1
            self._set_state(READY)
        self._dispatch(self._reconnected_event())

    def _heartbeat_ping(self) -> float:
        """One heartbeat ping; returns the seconds to wait before the next (0: as due)."""
        transport = self._transport
        try:
            self._roundtrip("ping", None, self._settings.heartbeat_timeout, gated=False)
        except CameraServiceError as exc:
            return self._ping_failed(transport, exc)
        return 0.0

    def _connected_at_collection(self) -> bool:
        return self._running

    def _release_collected(self) -> None:
        # Own thread: the collection may run anywhere, even where this client's lock is held.
        threading.Thread(
            target=self._shutdown, kwargs={"join": False}, name="mediamtx-sdk-release", daemon=True
        ).start()

    # ------------------------------------------------------------ events

    def _dispatch(self, *events: Notification) -> None:
        with self._dispatch_lock:
            for event in events:
                self._observe_notification(event)
                for key, handler, argument in self._targets(event) if self._running else ():
                    worker = self._workers.get(key)
                    if worker is None:
                        worker = _HandlerWorker(self._settings.event_buffer)
                        with self._lock:
                            if not self._spawn("handler", worker.run):
                                break
                        self._workers[key] = worker
                    worker.push(handler, argument)
            for stream in self._streams:
                stream._push(*events)

    def _forget_stream(self, stream: SyncEventStream) -> None:
        with self._dispatch_lock:
            self._streams.discard(stream)

    # ------------------------------------------------------------ recordings and files

    @raises_here
    def get_recording_status(
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
        info: RecordingInfo | None = self._drive(flow, gated=True)
        return info

    @raises_here
    def record_for(
        self,
        device_path: str | HasDevicePath,
        seconds: float,
        *,
        format: Literal["fmp4", "mp4", "mkv"] | None = None,
        timeout: float | None = None,
    ) -> RecordingInfo:
        """Record a camera for ``seconds``; returns the finished recording.

        That is ``stop_recording``'s result, with the file's size and duration when
        the service tells them. The recording is stopped whatever ends the wait, a
        ``KeyboardInterrupt`` too.
        ``format`` and ``timeout`` (per call) are :meth:`start_recording`'s.

        Raises:
            ValidationError: ``seconds`` is not a positive number (nothing is started).
        """
        seconds = self._recording_seconds(seconds)
        self.start_recording(device_path, format=format, timeout=timeout)
        try:
            self._op_sleep(Sleep(seconds), False)
        except BaseException:
            self._drive(self._abandoned_recording_flow(device_path, timeout), gated=True)
            raise
        stopped = self.stop_recording(device_path, timeout=timeout)
        finished: RecordingInfo = self._drive(self._finished_flow(stopped, timeout), gated=True)
        return finished

    def iter_recordings(self, *, page_size: int | None = None) -> Iterator[FileInfo]:
        """Every recording, newest first, fetching pages as needed."""
        yield from self._iter_files("list_recordings", page_size)

    def iter_snapshots(self, *, page_size: int | None = None) -> Iterator[FileInfo]:
        """Every snapshot, newest first, fetching pages as needed."""
        yield from self._iter_files("list_snapshots", page_size)

    def _iter_files(self, method: str, page_size: int | None) -> Iterator[FileInfo]:
        limit = self._page_size(page_size)
        list_page = getattr(self, method)
        offset: int | None = 0
        while offset is not None:
            page = list_page(limit=limit, offset=offset)
            yield from page.files
            offset = self._next_offset(page, offset)

    def download_recording(
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
        return self._download("recordings", filename, dest, progress)

    def download_snapshot(
        self,
        filename: str,
        dest: str | os.PathLike[str],
        progress: Callable[[int, int | None], Any] | None = None,
    ) -> str:
        """Download a snapshot to ``dest`` (a file or a folder); see :meth:`download_recording`."""
        return self._download("snapshots", filename, dest, progress)

    @raises_here
    def _download(
        self,
        kind: str,
        filename: str,
        dest: str | os.PathLike[str],
        progress: Callable[[int, int | None], Any] | None,
    ) -> str:
        plan = DownloadPlan.make(self, kind, filename, dest)
        token = self._drive(_flows.credential_flow(self._settings))
        return stream_to_file(plan, token, self._settings.timeout, progress)


# The reader and heartbeat hold the client weakly, so a dropped client is collected (__del__).


def _reader(ref: weakref.ref[SyncCameraClient], transport: SyncTransport) -> None:
    """The connection's one reader (a thread): every reply and notification comes through here."""

    try:
        transport.run(weak_deliver(ref, transport))
    except Exception as exc:
        reader_ended(ref, transport, exc)


def _heartbeat(ref: weakref.ref[SyncCameraClient], stop: threading.Event) -> None:
    """Ping after ``heartbeat_interval`` seconds without sending or without receiving (a thread).

    The service drops connections idle for ~10 s; a silent server may be gone
    (a blackhole): a ping with no reply within ``heartbeat_timeout`` ends it.
    """
    nap = 0.0
    while (client := ref()) is not None:
        changed = client._state_changed
        with changed:  # the client's lock: no state change is missed
            due = None if stop.is_set() else client._heartbeat_due()
            if due is not None and max(due, nap) > 0:
                del client
                wait = max(due, nap)
                changed.wait(None if wait == math.inf else wait)
                nap = 0.0
                continue
        if due is None:
            return
        nap = client._heartbeat_ping()


def _poll(ref: weakref.ref[SyncCameraClient], flow: Flow, stop: threading.Event) -> None:
    """The camera-list poller (``poll_interval``): drives its flow, holding the client per step."""

    def perform(op: _flows.Op) -> Any:
        if type(op) is Sleep:
            if stop.wait(op.seconds):
                raise ClientClosedError("the client was disconnected")
            return None
        client = ref()
        if client is None:
            raise ClientClosedError("the client was collected")  # the flow ends
        return _OPERATIONS[type(op)](client, op, True)

    _flows.run(flow, perform)


#: Flow operation -> how this client performs it (see ``_flows``).
_OPERATIONS: Final[dict[type[Any], Callable[[SyncCameraClient, Any, bool], Any]]] = {
    Open: SyncCameraClient._op_open,
    Close: SyncCameraClient._op_close,
    Call: SyncCameraClient._op_call,
    Authenticate: SyncCameraClient._op_authenticate,
    Reauthenticate: SyncCameraClient._op_reauthenticate,
    FetchToken: SyncCameraClient._op_fetch_token,
    Sleep: SyncCameraClient._op_sleep,
    Emit: SyncCameraClient._op_emit,
}
