"""What both clients share, free of I/O: settings, state, method dispatch, event routing.

``CameraClient`` (async) and ``SyncCameraClient`` (blocking) both derive from
:class:`ClientBase`. Everything that does not wait, lock or touch a socket lives
here, so the two clients cannot drift: preparing and decoding a call, what a
result teaches the client (camera statuses, recordings in progress), which
handlers an event goes to, what the reader's frames lead to, what a dropped
connection or a failed heartbeat ping leads to, the flow that restores a
connection after a reconnect, and the recording-status answer.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import logging
import math
import ssl
import time
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Final, Generic, TypedDict, TypeVar

import attrs

from . import _flows, _polling
from ._boundary import blocks_running_loop, caller_stacklevel, is_async_callable, not_sync
from ._events import CameraCache, EventFilter, EventStreamBase, HandlerRegistry, RecordingTracker
from ._flows import Authenticate, Backoff, Call, Emit, Flow
from ._tls import Endpoint, resolve_endpoint, ssl_context_for
from .config import (
    DEFAULT_AUTH_TYPE,
    DEFAULT_DIALECT,
    DEFAULT_HEARTBEAT,
    DEFAULT_HOST,
    DEFAULT_MAX_RETRIES,
    DEFAULT_PORT,
    DEFAULT_RETRY_DELAY,
    DEFAULT_TIMEOUT,
    Settings,
    TokenProvider,
)
from .errors import (
    AuthenticationError,
    CallTimeoutError,
    CameraServiceError,
    ClientClosedError,
    ConnectionError,
    NotFoundError,
    ProtocolError,
    UnsupportedError,
    ValidationError,
)
from .methods import METHODS, MethodSpec
from .models import CameraInfo, CameraList, FilePage, RecordingInfo
from .protocol import CallCompleted, Notification, PendingCall, RpcProtocol

__all__ = ["ClientBase"]

logger = logging.getLogger("mediamtx_camera_sdk")
T = TypeVar("T")
_Client = TypeVar("_Client", bound="ClientBase[Any]")
_Stream = TypeVar("_Stream", bound=EventStreamBase)

#: How to give a credential: added to an authentication error when none is configured.
CREDENTIAL_HINT: Final = (
    "no credential is configured: pass auth_token= or set MEDIAMTX_AUTH_TOKEN (a JWT), "
    "or api_key= or MEDIAMTX_API_KEY (an API key)"
)

#: Results that update the client's picture of the cameras and recordings.
_CAMERA_LIST_METHODS = frozenset({"get_camera_list", "get_cameras"})
_RECORDING_METHODS = frozenset({"start_recording", "stop_recording"})
_FINISHED = frozenset({"STOPPED", "COMPLETED", "FAILED", "ERROR"})

# Connection states, the same in both clients (one attribute, read by the
# properties and by calls waiting for the connection).
IDLE: Final = "idle"  # never connected, or disconnected by the caller
CONNECTING: Final = "connecting"
READY: Final = "ready"
RECONNECTING: Final = "reconnecting"
FAILED: Final = "failed"  # reconnecting gave up


class TransportOptions(TypedDict):
    """The settings both transports' ``connect()`` take, by keyword."""

    ssl_context: ssl.SSLContext | None
    verify_ssl: bool
    max_size: int
    open_timeout: float


def _records_explicit_arguments(init: Callable[..., None]) -> Callable[..., None]:
    """Note which constructor arguments the application passed (they beat the environment)."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        self._explicit_arguments = frozenset(bound.arguments) - {"self"}
        init(self, *args, **kwargs)

    return wrapper


#: (client id, authentication generation) when the current task or thread
#: last started a call: a re-authentication it asks for is needed only if no
#: other call re-authenticated since.
_CALL_GENERATION: contextvars.ContextVar[tuple[int, int]] = contextvars.ContextVar(
    "mediamtx_call_generation", default=(0, -1)
)


def weak_deliver(ref: Callable[[], Any], transport: Any) -> Callable[[list[str | bytes]], None]:
    """What a connection's reader hands frames to: the client, while it exists (held weakly)."""

    def deliver(frames: list[str | bytes]) -> None:
        client = ref()
        if client is not None:
            client._take_frames(transport, frames)

    return deliver


def reader_ended(ref: Callable[[], Any], transport: Any, exc: Exception) -> None:
    """A connection's reader stopped with ``exc``: tell the client (if it still exists)."""
    if isinstance(exc, ConnectionError):
        error = exc
    else:  # a bug: fail loudly in the log, recover the connection
        logger.error("reader failed", exc_info=exc)
        error = ConnectionError(f"reader failed: {exc!r}")
    client = ref()
    try:
        if client is not None:
            client._lost(transport, error)
    finally:
        # The error's traceback holds the reader's frames: keep the client out
        # of that cycle, or it would live on until the next collection.
        del client, error, exc


def make_event(
    method: str, params: Mapping[str, Any], *, synthesized: bool = False
) -> Notification:
    """An event object of the same type the server's notifications arrive as."""
    return Notification(method, params, synthesized=synthesized)


class _Hook:
    """A seed hook attribute (``on_camera_status_update`` ...): its handler is checked when set."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, client: Any, owner: type | None = None) -> Any:
        return self if client is None else client.__dict__.get(self.name)

    def __set__(self, client: ClientBase[Any], handler: Callable[..., Any] | None) -> None:
        if handler is not None:
            client._check_handler(handler, self.name)
        client.__dict__[self.name] = handler


def _misuse_guard(method: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a method that exists only to name a misuse (the surface parity skips it)."""
    method._misuse_guard = True  # type: ignore[attr-defined]
    return method


class ClientBase(Generic[_Stream]):
    """State and decisions shared by :class:`CameraClient` and :class:`SyncCameraClient`.

    ``_Stream`` is the client's event iterator (:meth:`events`).

    Attributes:
        on_camera_status_update: the seed's hook: called with a ``CameraInfo``
            for every ``camera_status_update`` (sync or async callable).
        on_recording_status_update: the seed's hook: called with a
            ``RecordingInfo`` for every ``recording_status_update``.
        on_connection_lost: the seed's hook: called (no arguments) when an
            established connection drops.
        on_reconnected: called (no arguments) after a reconnect, once the
            connection is authenticated and the subscriptions are restored.
    """

    on_camera_status_update = _Hook()
    on_recording_status_update = _Hook()
    on_connection_lost = _Hook()
    on_reconnected = _Hook()
    #: True in the blocking client: async handlers refused, a running loop warned about.
    _blocking: ClassVar[bool] = False
    _explicit_arguments: frozenset[str]
    _workers: dict[Any, Any]
    _state: str
    _failure: CameraServiceError | None
    _last_sent: float
    _last_received: float
    _stream_class: Callable[[Any, EventFilter, int, float | None], _Stream]
    _streams: set[_Stream]
    #: Held while events are dispatched (a lock in the sync client).
    _dispatch_lock: contextlib.AbstractContextManager[Any]

    @_records_explicit_arguments
    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        use_ssl: bool = False,
        auth_type: str = DEFAULT_AUTH_TYPE,
        auth_token: str | None = None,
        api_key: str | None = None,
        max_retries: int | None = DEFAULT_MAX_RETRIES,
        retry_delay: float = DEFAULT_RETRY_DELAY,
        *,
        url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        dialect: str = DEFAULT_DIALECT,
        ssl_context: ssl.SSLContext | None = None,
        verify_ssl: bool = True,
        heartbeat_interval: float | None = DEFAULT_HEARTBEAT,
        token_provider: TokenProvider | None = None,
        reconnect: bool = True,
        heartbeat_timeout: float = 5.0,
        max_message_size: int = 16 * 1024 * 1024,
        open_timeout: float = 10.0,
        wait_for_reconnect: bool = True,
        event_buffer: int = 1000,
        max_retry_delay: float = 30.0,
        rate_limit_retries: int = 0,
        poll_interval: float | None = None,
    ) -> None:
        """Configure the client; nothing is connected until :meth:`connect`.

        Settings not passed come from the ``MEDIAMTX_*`` environment variables,
        then the defaults (see :mod:`mediamtx_camera_sdk.config`); a setting
        passed here always wins over the environment.

        Args:
            host: the service's host name or address.
            port: the service's port.
            use_ssl: connect with TLS (``wss://``); the URL is ``ws[s]://host:port/ws``.
            auth_type: ``"jwt"``, ``"api_key"`` or ``"auto"``.
            auth_token: a JWT.
            api_key: an API key.
            max_retries: reconnection attempts after a drop, and retries of the
                first connect (``None``: forever).
            retry_delay: the base of the exponential backoff (seconds; full jitter).
            url: a full ``ws://`` or ``wss://`` URL (beats host, port and use_ssl).
            timeout: the default per-call timeout in seconds.
            dialect: ``"auto"`` (detect), ``"current"`` or ``"legacy"``.
            ssl_context: TLS settings for ``wss://`` (a private CA, client certs).
            verify_ssl: ``False`` to skip certificate checks (explicit, logged).
            heartbeat_interval: send a ``ping`` after this many idle seconds
                (``None``: no heartbeat).
            token_provider: a callable returning a fresh token, used on every
                (re)connect and once when a token expires (async callables only
                with ``CameraClient``).
            reconnect: reconnect automatically after a drop.
            heartbeat_timeout: seconds a heartbeat ping may take before the
                connection is considered dead.
            max_message_size: the largest message accepted from the server (bytes).
            open_timeout: seconds for TCP, TLS and WebSocket handshakes.
            wait_for_reconnect: calls made while reconnecting wait (up to their
                timeout) instead of failing at once.
            event_buffer: events buffered per iterator or handler before the oldest
                are dropped.
            max_retry_delay: the cap of the backoff (seconds).
            rate_limit_retries: how many times a read-only call refused with
                :class:`RateLimitedError` is retried, after the delay the service
                asks for (``retry_after``; a backoff delay when it gives none). 0
                (the default): never. Calls that change something are never retried.
            poll_interval: while connected, read the camera list every this many
                seconds and report what changed as ``camera_status_update``
                events marked ``synthesized`` (for a service that pushes no
                notifications, such as the current generation). None (the
                default): no polling. An explicit None beats
                ``MEDIAMTX_POLL_INTERVAL``.

        Raises:
            InvalidParamsError: an invalid setting.
        """
        arguments = dict(locals())
        del arguments["self"]
        self._settings = Settings.resolve(arguments, explicit=self._explicit_arguments)
        s = self._settings
        if self._blocking and is_async_callable(s.token_provider):
            raise not_sync("token_provider", "token_provider")
        self._warned_loop = False  # the blocking client warns once about a running loop
        try:
            self._endpoint: Endpoint = resolve_endpoint(
                url=s.url, host=s.host, port=s.port, use_ssl=s.use_ssl
            )
        except ValueError as exc:
            raise ValidationError(
                str(exc), code=-32602, data={"param": "url", "rule": "ws:// or wss:// URL"}
            ) from None
        try:
            # Validated now (and the TLS warnings logged) rather than at connect().
            ssl_context_for(self._endpoint, verify_ssl=s.verify_ssl, ssl_context=s.ssl_context)
        except (ValueError, TypeError) as exc:
            raise ValidationError(
                str(exc), code=-32602, data={"param": "ssl_context", "rule": "TLS settings"}
            ) from None
        self._protocol = RpcProtocol(s.dialect)
        self._backoff = Backoff(s.retry_delay, s.max_retry_delay)
        self._handlers = HandlerRegistry()
        self._cameras = CameraCache()
        self._recordings = RecordingTracker()
        self._poller = _polling.CameraPoller()  # its snapshot outlives reconnects
        self._closed = False  # set by disconnect()/close(): no reconnects after it
        self._reconnects = 0
        self.on_camera_status_update = None
        self.on_recording_status_update = None
        self.on_connection_lost = None
        self.on_reconnected = None
        #: A name unique to this client (the 1.0 SDK's ``client_id``).
        self.client_id = f"mediamtx-sdk-{uuid.uuid4().hex[:12]}"
        #: The SDK's logger (the 1.0 SDK's ``logger`` attribute).
        self.logger = logger
        self._transport: Any = None
        self._state = IDLE
        self._failure = None  # why reconnecting gave up (state "failed")
        self._last_sent = self._last_received = 0.0  # time.monotonic(), for the heartbeat
        self._auth_generation = 0  # re-authentications done
        self._setup()

    def _setup(self) -> None:
        """The client's own I/O state (locks, events): each client defines it."""
        raise NotImplementedError

    @classmethod
    def from_env(cls: type[_Client], **overrides: Any) -> _Client:
        """A client configured from the ``MEDIAMTX_*`` variables; ``overrides`` win."""
        return cls(**overrides)

    # ------------------------------------------------------------ properties

    @property
    def settings(self) -> Settings:
        """The resolved settings (arguments, then ``MEDIAMTX_*``, then defaults)."""
        return self._settings

    @property
    def url(self) -> str:
        """The WebSocket URL the client connects to."""
        return self._endpoint.url

    @property
    def http_url(self) -> str:
        """The base ``http(s)://host:port`` URL of the service's file downloads."""
        scheme = "https" if self._endpoint.secure else "http"
        return f"{scheme}://{self._endpoint.netloc}"

    @property
    def connected(self) -> bool:
        """True while a connection is open (authenticated or not).

        Assigning it (as programs written for the 1.0 SDK do before calling
        ``connect()`` again) changes nothing: the client always tells the truth.
        """
        return self._protocol.connected

    @connected.setter
    def connected(self, value: object) -> None:
        pass

    @property
    def authenticated(self) -> bool:
        """True while the connection is authenticated (assigning it changes nothing)."""
        return self._protocol.ready

    @authenticated.setter
    def authenticated(self, value: object) -> None:
        pass

    @property
    def websocket(self) -> object | None:
        """The open connection's transport object, or None whenever not connected.

        For programs written for the 1.0 SDK, which tested it against None;
        assigning it changes nothing.
        """
        return self._transport if self._protocol.connected else None

    @websocket.setter
    def websocket(self, value: object) -> None:
        pass

    # The 1.0 SDK's settings attributes: the effective values (the argument,
    # else the environment's, else the default).

    @property
    def host(self) -> str:
        """The service's host (from ``url`` when one was given)."""
        return self._endpoint.host

    @property
    def port(self) -> int:
        """The service's port (from ``url`` when one was given)."""
        return self._endpoint.port

    @property
    def use_ssl(self) -> bool:
        """Whether the connection uses TLS (``wss://``)."""
        return self._endpoint.secure

    @property
    def auth_type(self) -> str:
        """``"jwt"``, ``"api_key"`` or ``"auto"``."""
        return self._settings.auth_type

    @property
    def auth_token(self) -> str | None:
        """The JWT the client authenticates with, if any."""
        return self._settings.auth_token

    @property
    def api_key(self) -> str | None:
        """The API key the client authenticates with, if any."""
        return self._settings.api_key

    @property
    def max_retries(self) -> int | None:
        """Reconnection attempts after a drop (None: forever)."""
        return self._settings.max_retries

    @property
    def retry_delay(self) -> float:
        """The base of the reconnection backoff, in seconds."""
        return self._settings.retry_delay

    @property
    def role(self) -> str | None:
        """The role the service granted (``viewer``, ``operator``, ``admin``), if known."""
        return self._protocol.role

    @property
    def dialect(self) -> str | None:
        """``"current"`` or ``"legacy"``: the service generation, once known."""
        return self._protocol.dialect

    @property
    def state(self) -> str:
        """The connection's state: ``"idle"`` (not connected, or disconnected),
        ``"connecting"``, ``"ready"``, ``"reconnecting"`` or ``"failed"``
        (reconnecting gave up: see the final ``sdk.connection_lost`` event;
        ``connect()`` starts over)."""
        return self._state

    @property
    def reconnect_count(self) -> int:
        """How many times the client reconnected after a drop."""
        return self._reconnects

    @property
    def stats(self) -> dict[str, Any]:
        """Protocol counters: calls, replies, notifications, violations by kind, late replies."""
        return self._protocol.stats.as_dict()

    def __repr__(self) -> str:
        state = "connected" if self._protocol.connected else "disconnected"
        return f"<{type(self).__name__} {self.url} {state} dialect={self.dialect} role={self.role}>"

    # ------------------------------------------------------- misuse, named

    @_misuse_guard
    def __enter__(self) -> Any:
        """Refused: ``CameraClient`` is async (``async with``); ``SyncCameraClient`` blocks."""
        raise TypeError(
            f"{type(self).__name__} is async: use 'async with {type(self).__name__}(...)' "
            "inside a coroutine, or SyncCameraClient for a plain 'with'"
        )

    @_misuse_guard
    def __exit__(self, *exc_info: object) -> None:
        """Never reached: :meth:`__enter__` refuses."""

    @_misuse_guard
    async def __aenter__(self) -> Any:
        """Refused: ``SyncCameraClient`` blocks (plain ``with``); ``CameraClient`` is async."""
        raise TypeError(
            f"{type(self).__name__} is blocking: use 'with {type(self).__name__}(...)', "
            "or CameraClient for 'async with'"
        )

    @_misuse_guard
    async def __aexit__(self, *exc_info: object) -> None:
        """Never reached: :meth:`__aenter__` refuses."""

    def _public_error(self, exc: CameraServiceError) -> CameraServiceError:
        """``exc`` as a public method raises it (see :func:`._boundary.raises_here`).

        Without the SDK's own frames; when the service wants a credential and none
        is configured, with a hint saying how to give one (``data["hint"]``, in
        ``str()`` too).
        """
        if (
            isinstance(exc, AuthenticationError)
            and not self._settings.has_credentials
            and (exc.data is None or isinstance(exc.data, Mapping))
            and not exc.hint
        ):
            exc.data = {**(exc.data or {}), "hint": CREDENTIAL_HINT}
        return exc.with_traceback(None)

    def _check_thread(self) -> None:
        """In the blocking client: warn (once) when a call would stall a running event loop."""
        if self._blocking and not self._warned_loop and blocks_running_loop():
            self._warned_loop = True
            warnings.warn(
                f"{type(self).__name__} blocks the event loop running in this thread while it "
                "waits (called from a coroutine or a loop callback): use CameraClient and "
                "await it there, or call this client from a worker thread",
                RuntimeWarning,
                stacklevel=caller_stacklevel(),
            )

    # ------------------------------------------------------- event handlers

    def on(self, name: str, handler: Callable[..., Any] | None = None) -> Any:
        """Register ``handler`` for events named ``name`` (or use as a decorator).

        ``name`` is a notification method (``camera_status_update``), a topic
        (``recording.start``), an SDK event (``sdk.reconnected``,
        ``sdk.connection_lost``, ``sdk.events_missed``, ``sdk.events_dropped``), a
        prefix pattern (``camera.*``) or ``"*"``. The handler gets the event
        object (``method``, ``params``, ``data``); it may be sync or async. A
        handler that raises is logged and keeps receiving events; a slow one
        delays only itself.

        Raises:
            InvalidParamsError: ``name`` is not a non-empty string or ``handler``
                is not callable.
        """
        EventFilter([name])  # validates the name
        if handler is None:

            def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
                self._check_handler(func, f"on({name!r})")
                self._handlers.add(name, func)
                return func

            return decorator
        self._check_handler(handler, f"on({name!r})")
        self._handlers.add(name, handler)
        return handler

    def _check_handler(self, handler: object, where: str) -> None:
        """Refuse, in the blocking client, a handler it could never await."""
        if self._blocking and is_async_callable(handler):
            raise TypeError(
                f"{where}: {handler!r} is async, and SyncCameraClient runs handlers in "
                "threads, where nothing can await them: register a plain (def) function, "
                "or use CameraClient, which awaits async handlers"
            )

    def off(self, name: str, handler: Callable[..., Any] | None = None) -> int:
        """Unregister ``handler`` (every handler when None) for ``name``; returns how many.

        A handler no longer registered for any event gets the events already
        queued for it, then its worker ends.
        """
        removed = self._handlers.remove(name, handler)
        live = self._handlers.callables()
        self._retire_workers(lambda key: not isinstance(key, str) and key not in live)
        return removed

    def __del__(self) -> None:
        # Collected while connected (a notebook cell run twice, a forgotten
        # disconnect()): say so, as asyncio transports and httpx clients do, and
        # release the connection, the tasks and the threads. The background
        # tasks and threads hold the client weakly, so this can happen.
        try:
            if not self._connected_at_collection():
                return
        except AttributeError:  # the constructor failed half-way
            return
        try:
            warnings.warn(
                f"{type(self).__name__} for {self.url} was collected while connected: "
                "call disconnect() (or use the client as a context manager)",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )
        finally:
            self._release_collected()

    def _connected_at_collection(self) -> bool:
        return False  # each client says

    def _release_collected(self) -> None:
        """Release what a client collected while connected holds; must not block."""

    def _note_call(self) -> None:
        """A call starts (in this task or thread): remember the authentication generation."""
        _CALL_GENERATION.set((id(self), self._auth_generation))

    def _reauth_needed(self) -> bool:
        """Whether the token this task's last call was refused with is still the current one."""
        client, generation = _CALL_GENERATION.get()
        return client != id(self) or generation == self._auth_generation

    def _retire_workers(self, which: Callable[[Any], bool] = lambda key: True) -> None:
        """End the handler workers ``which`` selects, once their queued events are done."""
        for key in [k for k in self._workers if which(k)]:
            self._workers.pop(key).retire()

    def _targets(self, event: Notification) -> list[tuple[Any, Callable[..., Any], Any]]:
        """(key, callable, argument) for every handler that must get ``event``.

        The key identifies the handler's delivery queue, so events reach each
        handler in order while a slow handler delays only itself.
        """
        method = event.method
        targets: list[tuple[Any, Callable[..., Any], Any]] = []
        hook_spec = _SEED_HOOKS.get(method)
        if method == _flows.EVENT_CONNECTION_LOST and event.params.get("final"):
            # The seed hook fires once per outage, at the drop; giving up is
            # its own signal (the final event, and state "failed").
            hook_spec = None
        if hook_spec is not None:
            attribute, model = hook_spec
            hook = getattr(self, attribute)
            if hook is not None:
                if model is None:
                    targets.append((attribute, hook, _NO_ARGUMENT))
                elif isinstance(event.data, model):
                    targets.append((attribute, hook, event.data))
        if len(self._handlers):
            targets.extend((h, h, event) for h in self._handlers.handlers_for(method, event.params))
        return targets

    def events(
        self,
        *names: str,
        device: str | None = None,
        buffer: int | None = None,
        timeout: float | None = None,
    ) -> _Stream:
        """Iterate over events: ``async for event in client.events("camera_status_update")``
        (``for`` with the sync client).

        ``names`` filter by notification name, topic, SDK event or ``prefix.*``
        pattern (none: everything); ``device`` keeps only events about that
        camera. ``sdk.events_missed`` (after a reconnect) and
        ``sdk.events_dropped`` (this consumer fell behind) always come through.
        Each event has ``method``, ``params`` (raw) and ``data`` (typed, or None).
        The loop ends when the client is disconnected, or when no event came
        within ``timeout`` seconds (if given).

        Raises:
            InvalidParamsError: a name is not a non-empty string, or ``timeout``
                is not a positive number.
        """
        seconds = None if timeout is None else self._timeout(timeout)
        stream = self._stream_class(
            self, EventFilter(names, device), buffer or self._settings.event_buffer, seconds
        )
        with self._dispatch_lock:
            if self._closed:
                stream._end()
            else:
                self._streams.add(stream)
        return stream

    def _dispatch(self, event: Notification) -> None:
        """Give ``event`` to the caches, the handlers and the iterators: each client does."""
        raise NotImplementedError

    # ------------------------------------------------------- the connection's end

    def _lost(self, transport: Any, exc: ConnectionError) -> None:
        """The connection ``transport`` is over: each client fails its calls and reconnects."""
        raise NotImplementedError

    def _abort(self, exc: ConnectionError) -> None:
        """End the current connection (if any) with ``exc``, as if it had dropped."""
        transport = self._transport
        if transport is not None:
            self._lost(transport, exc)

    def _state_after_loss(self, exc: ConnectionError) -> str:
        """The state once an established connection dropped with ``exc``.

        Reconnecting; or, with ``reconnect`` off, failed (``exc`` kept as the
        failure that calls report).
        """
        if self._settings.reconnect:
            return RECONNECTING
        self._failure = exc
        return FAILED

    def _loss_event(self, exc: ConnectionError) -> Notification:
        """Log the drop of an established connection; the ``sdk.connection_lost`` event."""
        logger.warning("connection to %s lost: %s", self.url, exc.message)
        return make_event(_flows.EVENT_CONNECTION_LOST, {"reason": exc.message})

    def _reconnected_event(self) -> Notification:
        """Log a reconnect (``_reconnects`` counted); the ``sdk.reconnected`` event."""
        logger.info("reconnected to %s", self.url)
        return make_event(_flows.EVENT_RECONNECTED, {"reconnects": self._reconnects})

    # ------------------------------------------------------- what the reader found

    def _deliver(self, events: Iterable[Any]) -> None:
        """Act on what the core reported for received frames (the sync client: no lock held).

        A completed call wakes its caller; a notification is dispatched; anything
        else is a protocol violation, logged.
        """
        for event in events:
            if type(event) is CallCompleted:
                waiter = event.call.waiter
                if waiter is not None:
                    waiter.set()
            elif type(event) is Notification:
                self._dispatch(event)
            else:
                logger.warning("protocol violation from %s: %r", self.url, event)

    @staticmethod
    def _wake(calls: Iterable[PendingCall]) -> None:
        """Wake the callers of ``calls``, which just ended (failed with the connection)."""
        for call in calls:
            waiter = call.waiter
            if waiter is not None:
                waiter.set()

    # ------------------------------------------------------- what we learn

    def _observe_notification(self, event: Notification) -> None:
        """Update the camera and recording caches from a server notification."""
        if event.method == "camera_status_update":
            data = event.data
            if isinstance(data, CameraInfo):
                self._cameras.update(data.device_path, data.status)
        elif event.method == "recording_status_update":
            data = event.data
            if isinstance(data, RecordingInfo):
                self._recordings.record(data.device_path, data)

    def _observe_result(self, method: str, result: Any) -> None:
        """Update the caches from a decoded result."""
        if method in _CAMERA_LIST_METHODS and isinstance(result, CameraList):
            self._cameras.replace({c.device_path: c.status for c in result})
        elif method == "get_camera_status" and isinstance(result, CameraInfo):
            self._cameras.update(result.device_path, result.status)
        elif method in _RECORDING_METHODS and isinstance(result, RecordingInfo):
            self._recordings.record(result.device_path, result)

    def _recording_status(self, device: str) -> RecordingInfo | None:
        if not isinstance(device, str) or not device:
            raise ValidationError(
                "get_recording_status: device_path must be a non-empty string",
                code=-32602,
                data={"param": "device_path", "rule": "camera id"},
                method="get_recording_status",
            )
        info = self._recordings.get(device)
        return info if isinstance(info, RecordingInfo) else None

    # ------------------------------------------------------------ calls

    def _transport_options(self) -> TransportOptions:
        """How to open a connection (``Transport.connect(endpoint, **options)``)."""
        s = self._settings
        return TransportOptions(
            ssl_context=s.ssl_context,
            verify_ssl=s.verify_ssl,
            max_size=s.max_message_size,
            open_timeout=s.open_timeout,
        )

    def _start_authenticate(self, op: Authenticate) -> tuple[PendingCall, float]:
        """Register ``op``'s ``authenticate`` call with the core: the call and its timeout."""
        seconds = self._timeout(op.timeout)
        call = self._protocol.start_authenticate(
            op.token,
            op.auth_type,  # type: ignore[arg-type]
            timeout=seconds,
        )
        return call, seconds

    def _token_provider(self) -> TokenProvider:
        """The token provider, which the flows ask only when one is set."""
        provider = self._settings.token_provider
        if provider is None:  # pragma: no cover - the flows only ask when one is set
            raise AuthenticationError("no token provider", method="authenticate")
        return provider

    @staticmethod
    def _provider_failed(exc: BaseException) -> AuthenticationError:
        """The error for a token provider that raised (its message may hold a secret: not shown)."""
        return AuthenticationError(
            f"the token provider failed: {type(exc).__name__}", method="authenticate"
        )

    def _check_open(self, method: str) -> None:
        if self._closed:
            raise ClientClosedError(f"the client is closed; cannot call {method}", method=method)

    def _prepare(self, spec: MethodSpec[Any], params: dict[str, Any] | None) -> None:
        """Check a typed call against the service's dialect before anything is sent.

        The generated method already validated the arguments (``build_params``);
        what only the dialect can tell is checked here.

        Raises:
            UnsupportedError: the dialect is known and its service lacks the call.
            InvalidParamsError: a parameter that dialect's service does not accept.
        """
        if self._closed:
            self._check_open(spec.name)
        dialect = self._protocol.dialect
        if dialect is None:
            return
        if dialect not in spec.dialects:
            raise UnsupportedError(
                f"{spec.name} is not available on the {dialect} service",
                data={"feature": spec.name, "dialect": dialect},
                method=spec.name,
            )
        spec.check_dialect(dialect, params)

    def _timeout(self, timeout: float | None) -> float:
        """A call's timeout in seconds: ``timeout``, or the client's default when None.

        Raises:
            InvalidParamsError: ``timeout`` is not a positive number.
        """
        if timeout is None:
            return self._settings.timeout
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValidationError(
                f"timeout must be a positive number of seconds, not {timeout!r}",
                code=-32602,
                data={"param": "timeout", "rule": "> 0"},
            )
        return float(timeout)

    def _unready_error(
        self, method: str, state: str, failure: BaseException | None
    ) -> CameraServiceError | None:
        """Why a call made while the connection is not ready must fail now (None: it may wait).

        A call waits for a connection being (re)established, up to its timeout,
        unless ``wait_for_reconnect`` is off; it fails at once when the client
        was never connected or was closed, or when reconnecting gave up.
        """
        if self._closed or state == IDLE:
            return ClientClosedError(
                f"the client is closed; cannot call {method}"
                if self._closed
                else f"not connected: call connect() before {method}",
                method=method,
            )
        if state == FAILED:
            error: CameraServiceError
            if isinstance(failure, AuthenticationError):
                # The credentials are the problem, not the network: say so with
                # the exception callers handle credentials with.
                error = AuthenticationError(
                    f"the connection was lost and authenticating again was refused: "
                    f"{failure.message}",
                    code=failure.code,
                    data=failure.data,
                    method=method,
                )
            else:
                error = ConnectionError(
                    f"the connection was lost and could not be restored: {failure}", method=method
                )
            error.__cause__ = failure
            return error
        if not self._settings.wait_for_reconnect:
            return ConnectionError(
                f"not connected (reconnecting); {method} not sent", method=method
            )
        return None

    def _heartbeat_wait(self, now: float, last_sent: float, last_received: float) -> float:
        """Seconds until the heartbeat's next ``ping`` is due (<= 0: send it now).

        Due after ``heartbeat_interval`` seconds without sending or without
        receiving. Not on the legacy service while calls are pending: it answers
        one call at a time, in order, so the ping would wait behind them and a
        slow call (a recording start can take 10 s) would pass for a dead
        connection. Their replies, or their own timeouts, tell instead.
        """
        interval = self._settings.heartbeat_interval or 0.0
        wait = min(last_sent, last_received) + interval - now
        if wait <= 0 and self._protocol.dialect == "legacy" and self._protocol.pending_count:
            return interval
        return wait

    def _heartbeat_due(self) -> float | None:
        """Seconds until the heartbeat acts (0: ping now, inf: on a state change, None: end)."""
        if self._state == FAILED:
            return None
        if self._state != READY:
            return math.inf
        wait = self._heartbeat_wait(time.monotonic(), self._last_sent, self._last_received)
        return max(wait, 0.0)

    def _ping_failed(self, transport: Any, exc: CameraServiceError) -> float:
        """A heartbeat ping on ``transport`` failed: the seconds to wait before the next.

        No reply in time ends the connection (0: the next ping when due, once
        reconnected); any other failure waits an interval.
        """
        if isinstance(exc, CallTimeoutError):
            if transport is not None:
                self._lost(transport, ConnectionError("heartbeat: no reply to ping in time"))
            return 0.0
        logger.debug("heartbeat ping failed: %s", exc)
        return self._settings.heartbeat_interval or 0.0

    @staticmethod
    def _shared_outcome(exc: BaseException, interrupted: str) -> CameraServiceError:
        """What a ``connect()`` that ended with ``exc`` tells those waiting for it.

        Its error, or :class:`ClientClosedError` (``interrupted``) when it was
        cancelled or interrupted.
        """
        return exc if isinstance(exc, CameraServiceError) else ClientClosedError(interrupted)

    @staticmethod
    def _gave_up_event(exc: CameraServiceError) -> Notification:
        """The final ``sdk.connection_lost`` event, once reconnecting gave up because of ``exc``.

        ``params``: ``reason`` (text), ``final`` (True) and ``error``, the name of
        the exception class (``"AuthenticationError"`` when the credentials were
        refused, ``"ConnectionError"`` when the service stayed unreachable).
        """
        return make_event(
            _flows.EVENT_CONNECTION_LOST,
            {"reason": str(exc), "final": True, "error": type(exc).__name__},
        )

    @staticmethod
    def _unready_timeout(method: str, seconds: float) -> CallTimeoutError:
        """The error of a call whose timeout passed while it waited for the connection."""
        return CallTimeoutError(
            f"{method} timed out after {seconds:g} s waiting for the connection", method=method
        )

    def _decode(self, spec: MethodSpec[T], raw: Any) -> T:
        result = spec.decode_result(raw)
        self._observe_result(spec.name, result)
        return result

    @staticmethod
    def _check_call_arguments(method: object, params: object) -> None:
        if not isinstance(method, str) or not method:
            raise ValidationError(
                f"method must be a non-empty string, not {method!r}",
                code=-32602,
                data={"param": "method", "rule": "non-empty string"},
            )
        if params is not None and not isinstance(params, Mapping):
            raise ValidationError(
                f"params must be a mapping or None, not {type(params).__name__}",
                code=-32602,
                data={"param": "params", "rule": "mapping"},
                method=method,
            )

    # ------------------------------------------------------------ flows

    def _call_flow(
        self, method: str, params: Mapping[str, Any] | None, timeout: float | None
    ) -> Flow | None:
        """The flow a call needs (re-authentication, rate-limit retries), or None.

        None is the fast path: a single round trip, nothing to retry (no token
        provider, and no rate-limit retries for this call).
        """
        s = self._settings
        spec = METHODS.get(method)
        retry = s.rate_limit_retries > 0 and spec is not None and spec.read_only
        if s.token_provider is None and not retry:
            return None
        return _flows.call_flow(s, self._backoff, method, params, timeout, retry_rate_limited=retry)

    def _connect_flow(self, *, reconnecting: bool) -> Flow:
        return _flows.connect_flow(
            self._settings,
            self._backoff,
            reconnecting=reconnecting,
            restore=lambda: self._restore_flow(reconnecting),
            clock=time.monotonic,
        )

    def _restore_flow(self, reconnecting: bool) -> Flow:
        """After (re)connecting: re-subscribe; after a reconnect, resync and say so."""
        timeout = self._settings.timeout
        yield from _flows.resubscribe_flow(self._protocol.resubscribe_params(), timeout)
        if not reconnecting:
            if self._settings.poll_interval is not None:
                # Before connect() returns: every change after it is reported.
                yield from _polling.baseline_flow(self._poller, timeout)
            return None
        raw = yield from _flows.safe_resync_call("get_camera_list", timeout)
        if raw is not None:
            try:
                cameras = METHODS["get_camera_list"].decode_result(raw)
            except ProtocolError as exc:
                logger.warning("camera list after reconnect did not decode: %s", exc.message)
            else:
                changed, vanished = self._cameras.changes(
                    (c.device_path, c.status) for c in cameras
                )
                if self._poller.snapshot is not None:
                    # Polling: its diff (which sees more than the status) reports
                    # the outage's changes, once; its next poll compares with this list.
                    for event in self._poller.update(cameras):
                        yield Emit(event)
                else:
                    by_device = {c.device_path: c for c in cameras}
                    for device in changed:
                        yield Emit(_synthesized(dict(by_device[device].raw)))
                    for device in vanished:
                        yield Emit(_synthesized({"device": device, "status": "DISCONNECTED"}))
        yield Emit(
            make_event(
                _flows.EVENT_MISSED,
                {"reason": "reconnected", "resynced": raw is not None},
            )
        )
        return None

    def _poll_flow(self) -> Flow | None:
        """The polling loop of ``poll_interval`` (None when not polling): see :mod:`.._polling`."""
        interval = self._settings.poll_interval
        if interval is None:
            return None

        ref = weakref.ref(self)  # the poller must not keep a dropped client alive

        def fetch() -> Flow:
            client = ref()
            if client is None:
                raise ClientClosedError("the client was collected")
            flow = client._call_flow(_polling.METHOD, None, None)
            del client
            if flow is None:
                return (yield Call(_polling.METHOD, None, None))
            return (yield from flow)

        return _polling.poll_flow(self._poller, interval, fetch)

    @staticmethod
    def _next_offset(page: FilePage, offset: int) -> int | None:
        """The next page's offset, or None when the listing is complete."""
        got = len(page.files)
        following = offset + got
        if got == 0 or (page.total is not None and following >= page.total):
            return None
        return following

    def _recording_status_flow(self, device: str, timeout: float | None) -> Flow:
        """Answer ``get_recording_status``: see the clients' docstring for freshness."""
        return (yield from self._finished_flow(self._recording_status(device), timeout))

    @staticmethod
    def _recording_seconds(seconds: object) -> float:
        """``record_for``'s ``seconds``, checked before anything is started."""
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or not math.isfinite(seconds)
            or seconds <= 0
        ):
            raise ValidationError(
                f"record_for: seconds must be a positive number, not {seconds!r}",
                data={"param": "seconds", "rule": "> 0"},
                method="record_for",
            )
        return float(seconds)

    def _abandoned_recording_flow(self, device: Any, timeout: float | None) -> Flow:
        """Stop the recording of a ``record_for`` whose wait was interrupted.

        A failure is logged, not raised: the interruption is what the caller gets.
        """
        spec = METHODS["stop_recording"]
        try:
            raw = yield Call(spec.name, spec.build_params(device_path=device), timeout)
            self._observe_result(spec.name, spec.decode_result(raw))
        except CameraServiceError as exc:
            logger.warning("record_for: the recording of %s may still run: %s", device, exc)
        return None

    def _finished_flow(self, info: RecordingInfo | None, timeout: float | None) -> Flow:
        """``info`` with the file's size and duration, when the service has them.

        Only a finished recording on the current service, which describes its file
        (``get_recording_info``); otherwise, or when that fails, ``info`` as it is.
        """
        if info is None or self.dialect != "current" or not info.filename:
            return info
        if str(info.status).upper() not in _FINISHED:
            return info
        try:
            raw = yield Call("get_recording_info", {"filename": info.filename}, timeout)
            details = METHODS["get_recording_info"].decode_result(raw)
        except (NotFoundError, ProtocolError):
            return info
        return attrs.evolve(
            info,
            file_size=details.file_size if details.file_size is not None else info.file_size,
            duration=details.duration if details.duration is not None else info.duration,
        )

    @staticmethod
    def _page_size(limit: int | None) -> int:
        if limit is None:
            return 100
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValidationError(
                f"page_size must be an integer 1..1000, not {limit!r}",
                code=-32602,
                data={"param": "page_size", "rule": "1..1000"},
            )
        return limit


#: Notification name -> (seed hook attribute, model its argument must be; None: no argument).
_SEED_HOOKS: dict[str, tuple[str, type[Any] | None]] = {
    "camera_status_update": ("on_camera_status_update", CameraInfo),
    "recording_status_update": ("on_recording_status_update", RecordingInfo),
    _flows.EVENT_CONNECTION_LOST: ("on_connection_lost", None),
    _flows.EVENT_RECONNECTED: ("on_reconnected", None),
}


def _synthesized(params: dict[str, Any]) -> Notification:
    """A ``camera_status_update`` the SDK made from a camera list (after a reconnect)."""
    return make_event("camera_status_update", params, synthesized=True)


class _NoArgument:
    """Marker: call the hook without an argument (the seed's ``on_connection_lost()``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no argument>"


_NO_ARGUMENT = _NoArgument()


def call_args(argument: Any) -> tuple[Any, ...]:
    """The positional arguments for a handler call."""
    return () if argument is _NO_ARGUMENT else (argument,)
