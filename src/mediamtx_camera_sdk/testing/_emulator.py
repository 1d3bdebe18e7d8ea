"""``CameraServiceEmulator``: a real WebSocket JSON-RPC server with simulated cameras.

The server always runs on a background thread with its own asyncio event loop,
whoever starts it (sync code, an asyncio test or a trio test). Control methods
called from the test's thread are carried over to that loop and wait for it, so
the simulated world is only ever touched from one thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import unquote

import anyio.to_thread
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from . import _constants as C
from ._auth import AuthFailure, Authority, Session
from ._dialects import Controls, CurrentDialect, Dialect, LegacyDialect, Metrics, error_reply
from ._loop_thread import LoopThread
from ._observed import ObservedCurrentDialect
from ._world import Fault, World, is_safe_name

__all__ = ["CameraServiceEmulator", "ConnectionRecord"]

logger = logging.getLogger("mediamtx_camera_sdk.testing")
T = TypeVar("T")

#: How many closed connections' records are kept (the oldest are forgotten).
MAX_CLOSED_RECORDS = 1000
_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "mp4": "video/mp4",
    "mkv": "video/x-matroska",
}
# error.data the current dialect sends with an injected fault, when the test gave none.
_DEFAULT_DATA: dict[int, dict[str, Any]] = {
    C.INVALID_REQUEST: {"hint": "injected by the emulator"},
    C.METHOD_NOT_FOUND: {"hint": "injected by the emulator"},
    C.INVALID_PARAMS: {"param": "", "rule": "injected", "hint": "injected by the emulator"},
    C.INTERNAL_ERROR: {"request_id": "injected"},
    C.AUTH_FAILED: {"reason": "injected by the emulator"},
    C.PERMISSION_DENIED: {"required_role": "admin", "have_role": "viewer"},
    C.NOT_FOUND: {"resource": "camera", "id": "injected"},
    C.INVALID_STATE: {"state": "RECORDING", "allowed_states": ["IDLE"]},
    C.UNSUPPORTED: {"feature": "injected"},
    C.RATE_LIMITED: {"retry_after_ms": 1000},
    C.DEPENDENCY_FAILED: {"dependency": "mediamtx", "detail": "injected by the emulator"},
}


@dataclass
class ConnectionRecord:
    """What one WebSocket connection exchanged with the emulator (a copy, for assertions).

    Attributes:
        id: the connection's number (1, 2, ... in order of arrival).
        path: the request path of the WebSocket handshake.
        received: the frames the *client* received (sent by the server), in order:
            ``str`` for text frames, ``bytes`` for binary ones.
        sent: the frames the client sent to the server, in order.
        open: False once the connection has ended.
        close_code: the WebSocket close code once closed (None: no close frame).
        role: the role the connection is authenticated with, if any.
        subscriptions: current-dialect topics the connection subscribed to.
    """

    id: int
    path: str
    received: list[str | bytes] = field(default_factory=list)
    sent: list[str | bytes] = field(default_factory=list)
    open: bool = True
    close_code: int | None = None
    role: str | None = None
    subscriptions: list[str] = field(default_factory=list)

    def received_json(self) -> list[Any]:
        """The text frames the client received, parsed (frames that are not JSON are skipped)."""
        parsed: list[Any] = []
        for frame in self.received:
            if isinstance(frame, str):
                with contextlib.suppress(ValueError):
                    parsed.append(json.loads(frame))
        return parsed

    def notifications(self, method: str | None = None) -> list[dict[str, Any]]:
        """The notifications the client received (those named ``method`` when given)."""
        return [
            message
            for message in self.received_json()
            if isinstance(message, dict)
            and "method" in message
            and "id" not in message
            and (method is None or message["method"] == method)
        ]


class _Connection:
    """Server-side state of one live connection."""

    def __init__(self, conn_id: int, ws: ServerConnection, keep_frames: bool) -> None:
        self.ws = ws
        self.session = Session(conn_id)
        self.record = ConnectionRecord(conn_id, ws.request.path if ws.request else "")
        self.keep_frames = keep_frames
        self.queue: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.tasks: set[asyncio.Task[None]] = set()
        self.done = asyncio.Event()

    def push(self, frame: str | bytes) -> None:
        """Queue a frame for the client (the writer task sends them in order)."""
        self.queue.put_nowait(frame)


class _Notifier:
    """Routes the world's notifications to the connections, as the dialect does.

    Nothing goes out while the emulator's ``push_notifications`` is off (the
    real current service pushes nothing), except what a test sends on purpose
    with ``publish_event`` (``forced``).
    """

    def __init__(self, emulator: CameraServiceEmulator) -> None:
        self.emulator = emulator

    def notification(self, method: str, params: dict[str, Any]) -> None:
        if not self.emulator.push_notifications:
            return
        frame = _dump({"jsonrpc": "2.0", "method": method, "params": params})
        legacy = self.emulator.dialect == "legacy"
        for conn in self.emulator._live():
            # Legacy: every connection, authenticated or not. Current: authenticated ones.
            if legacy or conn.session.role is not None:
                conn.push(frame)

    def topic(self, topic: str, params: dict[str, Any], forced: bool = False) -> None:
        if self.emulator.dialect == "legacy":
            return
        if not (forced or self.emulator.push_notifications):
            return
        frame: str | None = None
        for conn in self.emulator._live():
            filters = conn.session.subscriptions.get(topic)
            if filters is None or not _matches(filters, params):
                continue
            frame = frame or _dump({"jsonrpc": "2.0", "method": topic, "params": params})
            conn.push(frame)


def _matches(filters: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    # A filter constrains the notifications that carry its field; a list means "any of".
    for key, wanted in filters.items():
        if key not in params:
            continue
        value = params[key]
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def _dump(message: Any) -> str:
    return json.dumps(message, separators=(",", ":"))


def _normalize_rate(rate_limit: int | tuple[int, float] | None) -> tuple[int, float] | None:
    if rate_limit is None:
        return None
    if isinstance(rate_limit, tuple):
        calls, window = rate_limit
    else:
        calls, window = rate_limit, 60.0
    if isinstance(calls, bool) or not isinstance(calls, int) or calls < 1 or window <= 0:
        raise ValueError("rate_limit must be calls per minute (int >= 1) or (calls, seconds)")
    return calls, float(window)


class CameraServiceEmulator:
    """A MediaMTX Camera Service you can run in a test: real WebSocket, simulated cameras.

    Use it as ``with CameraServiceEmulator() as emu:``, ``async with`` (asyncio or
    trio: starting and stopping run in a worker thread, the caller's loop is not
    blocked), or ``start()`` / ``stop()``. The server itself always runs on its own
    thread and event loop.

    Args:
        dialect: ``"current"`` (34 calls, ``cameraN`` ids, -32xxx codes with
            ``data``) or ``"legacy"`` (11 calls, ``/dev/videoN`` ids, the legacy
            envelope oddities and codes).
        cameras: how many cameras are connected at start.
        jwt_secret: HS256 secret for JWTs (a random one when None).
        api_keys: API key -> role (more are made by :meth:`api_key`).
        idle_timeout: seconds without a data frame from a client before the
            server ends the connection (see ``idle_close``); None disables it.
            WebSocket pings do not count.
        rate_limit: calls per minute per connection (int), or ``(calls,
            seconds)``; None (the default) disables it.
        ssl_context: a server-side :class:`ssl.SSLContext` to serve ``wss://``
            and ``https://``.
        host: the address to listen on.
        port: the port to listen on; 0 picks a free port (kept across
            :meth:`restart` and ``stop()``/``start()``).
        media_dir: folder for recordings and snapshots; by default a temporary
            folder, deleted by :meth:`stop`.
        time_scale: factor applied to recording durations (0.1 makes a
            ``duration=1`` recording stop after 0.1 s); results still report
            the requested duration.
        close_timeout: seconds to wait for a client's close frame when closing.
        keep_frames: record every frame in :meth:`connections` (turn off for a
            long-running server).
        behaviour: ``"observed"`` (the default) plays the real service as it
            answers: for the current dialect ``metadata``, errors as
            ``{reason, details, suggestion}``, its error codes and result
            shapes; for both, unplugged cameras left out of
            ``get_camera_list``. ``"documented"`` plays the documentation
            (for legacy it only lists unplugged cameras and adds ``duration``
            to recording updates).
        push_notifications: send the notifications the service's
            documentation promises (camera and recording updates, topics
            after ``subscribe_events``). None (the default) means: not for the
            observed current service (it never sends any), yes for the
            documented one and for legacy.
        idle_close: how an idle connection ends: ``"drop"`` (TCP closed
            without a close frame, the client sees 1006: the real current
            service) or ``"close"`` (close frame 1001 "idle timeout"). None:
            ``"drop"`` for the observed current service, else ``"close"``.
        quirks: defects of the real current service to copy (observed
            behaviour only), from :attr:`QUIRKS`; none by default.
        external_discovery: observed current service only: enable external
            stream discovery (off by default, as in the real service's default
            configuration: those calls answer -32030). The documented service
            always has it.

    Raises:
        ValueError: for a bad dialect, behaviour, camera count, rate limit,
            idle close, quirk or API key role.
        ImportError: when PyJWT (the ``emulator`` extra) is missing.
    """

    #: Every quirk ``quirks=`` accepts (docs/emulator.md says what each does).
    QUIRKS: tuple[str, ...] = C.QUIRKS

    def __init__(
        self,
        dialect: str = "current",
        cameras: int = 2,
        jwt_secret: str | None = None,
        api_keys: Mapping[str, str] | None = None,
        idle_timeout: float | None = 10.0,
        rate_limit: int | tuple[int, float] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        media_dir: str | Path | None = None,
        time_scale: float = 1.0,
        close_timeout: float = 1.0,
        keep_frames: bool = True,
        behaviour: str = "observed",
        push_notifications: bool | None = None,
        idle_close: str | None = None,
        quirks: Iterable[str] = (),
        external_discovery: bool = False,
    ) -> None:
        if dialect not in ("current", "legacy"):
            raise ValueError(f"dialect must be 'current' or 'legacy', not {dialect!r}")
        if behaviour not in ("observed", "documented"):
            raise ValueError(f"behaviour must be 'observed' or 'documented', not {behaviour!r}")
        if idle_close not in (None, "drop", "close"):
            raise ValueError(f"idle_close must be 'drop', 'close' or None, not {idle_close!r}")
        quirk_set = frozenset(quirks)
        unknown = sorted(quirk_set - set(C.QUIRKS))
        if unknown:
            raise ValueError(f"unknown quirks {unknown}; known: {', '.join(C.QUIRKS)}")
        observed = dialect == "current" and behaviour == "observed"
        if quirk_set and not observed:
            raise ValueError("quirks are defects of the observed current service only")
        if isinstance(cameras, bool) or not isinstance(cameras, int) or cameras < 0:
            raise ValueError("cameras must be an integer >= 0")
        if idle_timeout is not None and idle_timeout <= 0:
            raise ValueError("idle_timeout must be > 0 or None")
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self.dialect: C.Dialect = "legacy" if dialect == "legacy" else "current"
        self.behaviour: C.Behaviour = "documented" if behaviour == "documented" else "observed"
        #: Whether the world's notifications are sent (settable while running).
        self.push_notifications: bool = (
            push_notifications if push_notifications is not None else not observed
        )
        self.idle_close: str = idle_close or ("drop" if observed else "close")
        self.quirks: frozenset[str] = quirk_set
        self.idle_timeout = idle_timeout
        self.ssl_context = ssl_context
        self._host = host
        self._port = port
        self._media_dir_arg = Path(media_dir) if media_dir is not None else None
        self._owned_media_dir: Path | None = None
        self._close_timeout = close_timeout
        self._keep_frames = keep_frames
        self._authority = Authority(jwt_secret, api_keys)
        self._controls = Controls(_normalize_rate(rate_limit))
        self._metrics = Metrics()
        self._notifier = _Notifier(self)
        self._world = World(
            self.dialect,
            cameras,
            self._media_dir_arg or Path(tempfile.gettempdir()),
            host,
            self._notifier,
            time_scale=time_scale,
        )

        def sessions() -> Iterable[Session]:
            return [c.session for c in self._live()]

        # The real services leave unplugged cameras out of the list; the real
        # legacy one also sends no duration with recording updates.
        self._world.list_unplugged = self.behaviour == "documented"
        self._world.notify_duration = self.dialect == "current" or self.behaviour == "documented"
        self._world.replug_stays_disconnected = "replug_stays_disconnected" in quirk_set
        parts = (self._world, self._authority, self._controls, self._metrics, sessions)
        self._dialect: Dialect
        if observed:
            self._dialect = ObservedCurrentDialect(
                *parts,
                quirks=quirk_set,
                external_discovery=bool(external_discovery),
            )
        elif self.dialect == "legacy":
            self._dialect = LegacyDialect(*parts)
        else:
            self._dialect = CurrentDialect(*parts)
        self._lock = threading.RLock()
        self._changed = threading.Condition()
        self._loop_thread = LoopThread("camera-service-emulator", "the emulator")
        self._server: Server | None = None
        self._conns: dict[int, _Connection] = {}
        self._records: dict[int, ConnectionRecord] = {}
        self._next_conn = 0

    # ------------------------------------------------------------- addresses

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The TCP port (the chosen one once started; 0 before a first start with port 0)."""
        return self._port

    def _authority_part(self) -> str:
        if self._port == 0:
            raise RuntimeError("the emulator has not been started yet: no port chosen")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{host}:{self._port}"

    @property
    def url(self) -> str:
        """The WebSocket URL, ``ws://HOST:PORT/ws`` (``wss://`` with TLS).

        Raises:
            RuntimeError: before the first start (the port is not known yet).
        """
        scheme = "wss" if self.ssl_context else "ws"
        return f"{scheme}://{self._authority_part()}/ws"

    @property
    def http_url(self) -> str:
        """The HTTP base URL for file downloads, ``http://HOST:PORT`` (``https`` with TLS).

        Raises:
            RuntimeError: before the first start.
        """
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self._authority_part()}"

    @property
    def devices(self) -> list[str]:
        """The ids of every camera the service knows (connected or not), in order."""
        return self._on_loop(
            lambda: [self._world.device_id(c) for c in self._world.cameras.values()]
        )

    @property
    def media_dir(self) -> Path | None:
        """The folder holding ``recordings/`` and ``snapshots/`` (None while stopped)."""
        return self._world.media_dir if self.running else None

    @property
    def jwt_secret(self) -> str:
        """The HS256 secret tokens are signed with (to make your own tokens)."""
        return self._authority.secret

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._loop_thread.running

    # --------------------------------------------------------- credentials

    def token(self, role: str = "operator", expires_in: float = 3600.0) -> str:
        """Return a JWT for ``role`` signed with the emulator's secret.

        Raises:
            ValueError: for a role other than viewer, operator or admin.
        """
        return self._on_loop(lambda: self._authority.token(role, expires_in))

    def api_key(self, role: str = "operator") -> str:
        """Return an API key that authenticates as ``role``.

        Raises:
            ValueError: for a role other than viewer, operator or admin.
        """
        return self._on_loop(lambda: self._authority.api_key(role))

    def expire_tokens(self) -> None:
        """Expire every authenticated session and every JWT issued or seen so far.

        The next protected call of each connection fails with the dialect's auth
        error; re-authenticating needs a new token (from :meth:`token`) or an
        API key.
        """
        self._on_loop(self._authority.expire_all)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start serving (on a new background thread); returns once listening.

        Raises:
            RuntimeError: if already running.
            OSError: if the address cannot be bound.
        """
        with self._lock:
            self._loop_thread.start()
            try:
                self._run(self._open())
            except BaseException:
                self._end_thread()
                raise

    def stop(self) -> None:
        """Stop serving: close every connection, end the thread, remove a temporary media dir.

        Recordings in progress are stopped first. Does nothing when not running.
        """
        with self._lock:
            if not self._loop_thread.running:
                return
            try:
                self._run(self._close())
            finally:
                self._end_thread()
                if self._owned_media_dir is not None:
                    shutil.rmtree(self._owned_media_dir, ignore_errors=True)
                    self._owned_media_dir = None

    def restart(self) -> None:
        """Stop and start again on the same port, keeping cameras, files and credentials.

        Every connection is closed (with a close frame) and recordings stop;
        clients must reconnect, authenticate and subscribe again.

        Raises:
            RuntimeError: if not running.
        """
        with self._lock:
            self._require_running()
            self._run(self._close())
            self._run(self._open())

    def __enter__(self) -> CameraServiceEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def astart(self) -> None:
        """:meth:`start` from async code (asyncio or trio) without blocking the loop."""
        await anyio.to_thread.run_sync(self.start)

    async def astop(self) -> None:
        """:meth:`stop` from async code without blocking the loop."""
        await anyio.to_thread.run_sync(self.stop)

    async def arestart(self) -> None:
        """:meth:`restart` from async code without blocking the loop."""
        await anyio.to_thread.run_sync(self.restart)

    async def __aenter__(self) -> CameraServiceEmulator:
        await self.astart()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.astop()

    # ------------------------------------------------------- test controls

    def plug_camera(self, device: str | None = None) -> str:
        """Connect a camera (a new one when ``device`` is None) and notify; returns its id.

        Raises:
            ValueError: if ``device`` is not an id of this dialect.
        """
        return self._on_loop(lambda: self._world.plug(device))

    def unplug_camera(self, device: str) -> None:
        """Disconnect a camera (its recording ends with ERROR, its stream stops) and notify.

        Raises:
            ValueError: for an unknown camera.
        """
        self._on_loop(lambda: self._world.unplug(device))

    def change_camera(
        self,
        device: str,
        *,
        status: str | None = None,
        name: str | None = None,
        resolution: str | None = None,
        fps: int | None = None,
    ) -> None:
        """Change a camera's status (CONNECTED, DISCONNECTED, ERROR) or details, and notify.

        Raises:
            ValueError: for an unknown camera or status.
        """
        self._on_loop(
            lambda: self._world.change(
                device, status=status, name=name, resolution=resolution, fps=fps
            )
        )

    def set_mediamtx_available(self, available: bool) -> None:
        """Simulate MediaMTX going down (camera operations fail) or coming back."""

        def apply() -> None:
            self._world.mediamtx_up = available
            if not available:
                self._world.notifier.topic("mediamtx.error", {"error": "MediaMTX is unavailable"})

        self._on_loop(apply)

    def fail_next(
        self,
        method: str,
        code: int,
        message: str | None = None,
        data: Any = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with error ``code``.

        The fault applies after the authentication and role checks. Without
        ``message``/``data`` the dialect's usual message is used and, in the
        current dialect, plausible ``data`` for the code (legacy errors carry
        no ``data`` unless given).
        """
        if count < 1:
            raise ValueError("count must be >= 1")
        text = message if message is not None else self._dialect.default_message(code)
        if data is None and isinstance(self._dialect, ObservedCurrentDialect):
            data = self._dialect.default_data(code)
        elif data is None and self.dialect == "current":
            data = _DEFAULT_DATA.get(code)
        fault = Fault(code, text, data)
        self._on_loop(lambda: self._controls.add_fault(method, fault, count))

    def delay(self, method: str, seconds: float) -> None:
        """Delay every later call of ``method`` by ``seconds`` (0 removes the delay)."""

        def apply() -> None:
            if seconds > 0:
                self._controls.delays[method] = seconds
            else:
                self._controls.delays.pop(method, None)

        self._on_loop(apply)

    def drop_connections(self, clean: bool = True) -> None:
        """Drop every connection: with a close frame (1001) when ``clean``, else abort TCP."""
        self._require_running()

        async def drop() -> None:
            conns = list(self._conns.values())
            if clean:
                await asyncio.gather(
                    *(conn.ws.close(1001, "connection dropped") for conn in conns),
                    return_exceptions=True,
                )
            else:
                for conn in conns:
                    conn.ws.transport.abort()
            await self._wait_handlers(conns)

        self._run(drop())

    def broadcast_raw(self, frame: str | bytes) -> None:
        """Send ``frame`` as is to every connection (a str as text, bytes as binary)."""
        self._require_running()

        def send() -> None:
            for conn in self._live():
                conn.push(frame)

        self._on_loop(send)

    def notify(self, method: str, params: Mapping[str, Any]) -> None:
        """Send a notification ``method`` to every connection (ignoring auth and topics)."""
        frame = _dump({"jsonrpc": "2.0", "method": method, "params": dict(params)})
        self.broadcast_raw(frame)

    def publish_event(self, topic: str, params: Mapping[str, Any]) -> None:
        """Send a topic notification to the subscribers of ``topic`` (current dialect).

        It is sent even when ``push_notifications`` is off: the test asked for it.
        """
        notifier = self._notifier
        self._on_loop(lambda: notifier.topic(topic, dict(params), forced=True))

    def connections(self) -> list[ConnectionRecord]:
        """Copies of the records of every connection so far (open ones first by id)."""
        with self._changed:
            records = []
            for record in self._records.values():
                copy = ConnectionRecord(
                    record.id,
                    record.path,
                    list(record.received),
                    list(record.sent),
                    record.open,
                    record.close_code,
                    record.role,
                    list(record.subscriptions),
                )
                records.append(copy)
        return records

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> None:
        """Block until exactly ``count`` connections are open.

        Raises:
            TimeoutError: if that does not happen within ``timeout`` seconds.
        """
        with self._changed:
            ok = self._changed.wait_for(lambda: self._open_count() == count, timeout)
        if not ok:
            raise TimeoutError(f"expected {count} open connections, have {self._open_count()}")

    # ---------------------------------------------------------- internals

    def _open_count(self) -> int:
        return sum(1 for record in self._records.values() if record.open)

    def _live(self) -> list[_Connection]:
        return list(self._conns.values())

    def _require_running(self) -> None:
        if not self._loop_thread.running:
            raise RuntimeError("the emulator is not running")

    def _end_thread(self) -> None:
        self._loop_thread.stop()
        self._server = None

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return self._loop_thread.run(coro, timeout)

    def _on_loop(self, fn: Callable[[], T]) -> T:
        # Not running: nothing else touches the world, so run it right here.
        if not self._loop_thread.running:
            with self._lock:
                return fn()

        async def call() -> T:
            return fn()

        return self._run(call())

    async def _open(self) -> None:
        if self._media_dir_arg is not None:
            media = self._media_dir_arg
        else:
            if self._owned_media_dir is None:
                self._owned_media_dir = Path(tempfile.mkdtemp(prefix="camera-emulator-"))
            media = self._owned_media_dir
        self._world.media_dir = media
        self._world.ensure_folders()
        self._server = await serve(
            self._serve,
            self._host,
            self._port,
            process_request=self._process_request,
            ssl=self.ssl_context,
            ping_interval=None,
            close_timeout=self._close_timeout,
            compression=None,
            server_header="MediaMTX-Camera-Service-Emulator",
        )
        self._port = int(self._server.sockets[0].getsockname()[1])
        self._world.notifier.topic("system.startup", {"version": C.SERVICE_VERSION})

    async def _close(self) -> None:
        self._world.stop_all()
        self._world.notifier.topic("system.shutdown", {"reason": "server stopping"})
        conns = self._live()
        # Let the writers flush what is queued (the stop notifications) before closing.
        if conns:
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(conn.queue.join() for conn in conns)), self._close_timeout
                )
        server = self._server
        self._server = None
        if server is not None:
            server.close(close_connections=True)
            try:
                await asyncio.wait_for(server.wait_closed(), self._close_timeout + 1.0)
            except (TimeoutError, asyncio.TimeoutError):
                for conn in self._live():
                    conn.ws.transport.abort()
                with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                    await asyncio.wait_for(server.wait_closed(), 2.0)
        await self._wait_handlers(conns)

    async def _wait_handlers(self, conns: list[_Connection]) -> None:
        # Each connection's handler sets ``done`` when it has returned.
        if conns:
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(conn.done.wait() for conn in conns)), 5.0)

    # ----------------------------------------------------------------- HTTP

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path.startswith("/files/"):
            if "no_file_downloads" in self.quirks:
                return connection.respond(404, "404 page not found\n")
            return self._serve_file(connection, request.headers, path)
        # The legacy server takes a WebSocket on any path; the current one on /ws only.
        # Anything else that is not a WebSocket upgrade is not found.
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        if path != "/ws" and (self.dialect == "current" or not upgrade):
            return connection.respond(404, "Not Found\n")
        return None

    def _serve_file(self, connection: ServerConnection, headers: Headers, path: str) -> Response:
        credential = None
        kind_hint = "auto"
        authorization = headers.get("Authorization", "")
        if authorization.lower().startswith("bearer "):
            credential = authorization[7:].strip()
        elif headers.get("X-API-Key"):
            credential = headers["X-API-Key"]
            kind_hint = "api_key"
        reason = "no credentials"
        if credential:
            try:
                self._authority.check(credential, kind_hint)
                reason = ""
            except AuthFailure as failure:
                reason = failure.reason
        if reason:
            response = connection.respond(401, f"Unauthorized: {reason}\n")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        kind, _, raw_name = path[len("/files/") :].partition("/")
        if kind not in ("recordings", "snapshots"):
            return connection.respond(404, "Not Found\n")
        # Decode until stable so that doubly encoded "%252e%252e" is seen as "..".
        name = raw_name
        for _ in range(5):
            decoded = unquote(name)
            if decoded == name:
                break
            name = decoded
        if not name or not is_safe_name(name):
            return connection.respond(400, "Bad Request: invalid file name\n")
        record = self._world.lookup(kind, name)
        folder = self._world.folder(kind).resolve()
        if record is None:
            return connection.respond(404, "Not Found\n")
        target = record.path.resolve()
        if target.parent != folder:
            return connection.respond(404, "Not Found\n")
        try:
            body = target.read_bytes()
        except OSError:
            return connection.respond(404, "Not Found\n")
        ext = name.rsplit(".", 1)[-1].lower()
        response_headers = Headers(
            [
                ("Content-Type", _CONTENT_TYPES.get(ext, "application/octet-stream")),
                ("Content-Length", str(len(body))),
                ("Content-Disposition", f'attachment; filename="{name}"'),
                ("Connection", "close"),
            ]
        )
        return Response(200, "OK", response_headers, body)

    # ------------------------------------------------------------ WebSocket

    async def _serve(self, ws: ServerConnection) -> None:
        with self._changed:
            self._next_conn += 1
            conn = _Connection(self._next_conn, ws, self._keep_frames)
            self._conns[conn.record.id] = conn
            self._records[conn.record.id] = conn.record
            self._forget_old_records()
            self._changed.notify_all()
        loop = asyncio.get_running_loop()
        writer = loop.create_task(self._writer(conn))
        reader = loop.create_task(self._reader(conn))
        closed = loop.create_task(ws.wait_closed())
        try:
            # A legacy connection busy with a slow call is not reading; end it
            # as soon as the WebSocket closes rather than when the call is done.
            await asyncio.wait({reader, closed}, return_when=asyncio.FIRST_COMPLETED)
            if reader.done() and not reader.cancelled() and reader.exception() is not None:
                logger.error(
                    "emulator connection %d failed", conn.record.id, exc_info=reader.exception()
                )
        finally:
            for task in [reader, closed, writer, *conn.tasks]:
                task.cancel()
            await asyncio.gather(reader, closed, writer, *conn.tasks, return_exceptions=True)
            with self._changed:
                self._conns.pop(conn.record.id, None)
                conn.record.open = False
                # The code of the close frame that began the closing handshake:
                # the server's own when it closed first (an idle timeout, say),
                # whatever code the client echoed.
                proto = ws.protocol
                if proto.close_rcvd_then_sent is False and proto.close_sent is not None:
                    conn.record.close_code = proto.close_sent.code
                else:
                    conn.record.close_code = ws.close_code
                self._changed.notify_all()
            conn.done.set()

    def _forget_old_records(self) -> None:
        closed = [rid for rid, record in self._records.items() if not record.open]
        for rid in closed[: max(0, len(closed) - MAX_CLOSED_RECORDS)]:
            del self._records[rid]

    async def _reader(self, conn: _Connection) -> None:
        ws = conn.ws
        concurrent = self.dialect == "current"
        while True:
            try:
                if self.idle_timeout is None:
                    frame = await ws.recv()
                else:
                    frame = await asyncio.wait_for(ws.recv(), self.idle_timeout)
            except (TimeoutError, asyncio.TimeoutError):
                if self.idle_close == "drop":
                    # The real current service just closes the socket: no close frame.
                    ws.transport.abort()
                else:
                    await ws.close(1001, "idle timeout")
                return
            except ConnectionClosed:
                return
            if conn.keep_frames:
                with self._changed:
                    conn.record.sent.append(frame)
            if concurrent:
                task = asyncio.get_running_loop().create_task(self._answer(conn, frame))
                conn.tasks.add(task)
                task.add_done_callback(conn.tasks.discard)
            else:
                # The legacy service handles one request at a time per connection.
                await self._answer(conn, frame)

    async def _answer(self, conn: _Connection, frame: str | bytes) -> None:
        try:
            if isinstance(frame, str):
                reply = await self._dialect.handle_text(conn.session, frame)
            else:
                reply = await self._dialect.handle_binary(conn.session, frame)
        except Exception:  # pragma: no cover - a bug in the emulator; answer and go on
            logger.exception("emulator failed to answer a frame")
            reply = error_reply(None, C.INTERNAL_ERROR, "Internal error")
        with self._changed:
            conn.record.role = conn.session.role
            conn.record.subscriptions = sorted(conn.session.subscriptions)
        if reply is not None:
            conn.push(_dump(reply))

    async def _writer(self, conn: _Connection) -> None:
        while True:
            frame = await conn.queue.get()
            try:
                if frame is None:
                    return
                await conn.ws.send(frame)
                if conn.keep_frames:
                    with self._changed:
                        conn.record.received.append(frame)
            except ConnectionClosed:
                return
            finally:
                conn.queue.task_done()
