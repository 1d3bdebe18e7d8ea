"""The sans-IO JSON-RPC 2.0 core: text in, text out, events out.

How it works
------------

:class:`RpcProtocol` holds everything about one client's conversation with the
service except the socket and the clock. An adapter (the async or the sync
transport) drives it:

1. After the WebSocket handshake it calls :meth:`RpcProtocol.connection_made`.
   Ids restart at 1 and the connection is not authenticated.
2. To make a call it calls :meth:`RpcProtocol.start_call` (or
   :meth:`RpcProtocol.start_authenticate`), sends ``call.text`` as one text
   frame, and waits on ``call.waiter`` (a free slot for its own future/event).
3. It hands every received frame to :meth:`RpcProtocol.receive_text` and acts
   on the returned events: :class:`CallCompleted` (wake the call's waiter; the
   call's ``result`` or ``error`` is set), :class:`Notification` (deliver it to
   the application) and :class:`ProtocolViolation` (log it; it is counted in
   :attr:`RpcProtocol.stats`).
4. It waits for a call with its event library's own timeout, then calls
   :meth:`RpcProtocol.time_out` when the timeout passed without a reply, or
   :meth:`RpcProtocol.cancel` when the caller was cancelled.
5. When the connection ends it calls :meth:`RpcProtocol.connection_lost`, which
   fails every pending call at once; new calls are refused until the next
   :meth:`RpcProtocol.connection_made`.

The core never raises because of what the peer sent: anything the contract
does not allow becomes a :class:`ProtocolViolation` event, or fails the one
call it concerns with :class:`~mediamtx_camera_sdk.errors.ProtocolError`, and
the core goes on. It raises only for local misuse (bad arguments, calling while
not connected). It is not thread-safe: an adapter serialises access (the sync
adapter under its lock, the async one from a single task at a time).

The core imports nothing that does I/O or reads a clock (a test checks the
imports). Frames are parsed and requests encoded with the stdlib :mod:`json`
module; an adapter may inject its own ``loads``/``dumps`` pair.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Final, Literal, TypeAlias

from .errors import (
    AuthenticationError,
    CallTimeoutError,
    CameraServiceError,
    ConnectionClosedError,
    ConnectionError,
    Dialect,
    MediaMTXError,
    ProtocolError,
    ValidationError,
    error_for_code,
)

__all__ = [
    "AUTH_TYPES",
    "PRE_AUTH_METHODS",
    "VIOLATION_KINDS",
    "AuthType",
    "CallCompleted",
    "DialectSetting",
    "Event",
    "Notification",
    "PendingCall",
    "ProtocolStats",
    "ProtocolViolation",
    "RpcProtocol",
]

#: The ``dialect`` setting: a fixed dialect, or ``"auto"`` to detect it.
DialectSetting: TypeAlias = Literal["auto", "current", "legacy"]
#: The credential kinds ``authenticate`` accepts (the current service ignores the kind).
AuthType: TypeAlias = Literal["jwt", "api_key", "auto"]
AUTH_TYPES: Final[frozenset[str]] = frozenset({"jwt", "api_key", "auto"})

#: Methods the service answers before ``authenticate`` succeeded (PROTOCOL.md,
#: "Authentication and roles"). An adapter that has credentials sends nothing
#: else while :attr:`RpcProtocol.needs_authentication` is true.
PRE_AUTH_METHODS: Final[frozenset[str]] = frozenset({"ping", "authenticate"})

#: Every ``ProtocolViolation.kind`` the core reports (also the keys of
#: ``ProtocolStats.violations``):
#:
#: - ``binary_frame``: a binary frame (the contract uses text frames only).
#: - ``invalid_json``: not JSON, or nested too deeply to parse.
#: - ``batch``: a JSON array (the service never sends batches).
#: - ``not_object``: a JSON scalar.
#: - ``bad_version``: ``jsonrpc`` is missing or not ``"2.0"``.
#: - ``null_id``: a reply with ``"id": null`` or without an id that could not
#:   be attributed to a call (see :meth:`RpcProtocol.receive_text`).
#: - ``unknown_id``: a reply whose id was never used on this connection.
#: - ``duplicate_reply``: a second reply to a call that already completed.
#: - ``result_and_error``: a reply with both ``result`` and ``error``.
#: - ``missing_result``: a reply with neither (the call completes with ``None``).
#: - ``bad_error``: an ``error`` member that is not ``{code: int, message: str, ...}``.
#: - ``bad_result``: a result the core must interpret (``authenticate``) has the wrong shape.
#: - ``bad_notification``: a notification whose method is not a string or whose
#:   params are not an object.
#: - ``unexpected_request``: a request from the server (a ``method`` with an id);
#:   the contract has none.
VIOLATION_KINDS: Final[tuple[str, ...]] = (
    "binary_frame",
    "invalid_json",
    "batch",
    "not_object",
    "bad_version",
    "null_id",
    "unknown_id",
    "duplicate_reply",
    "result_and_error",
    "missing_result",
    "bad_error",
    "bad_result",
    "bad_notification",
    "unexpected_request",
)

_logger = logging.getLogger(__name__)

# Module-level coder objects: json.dumps/json.loads build a new encoder/decoder
# whenever they get non-default options, so keep one of each. allow_nan=False
# because NaN and Infinity are not JSON and the service would reject the frame.
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_DECODER: Final = json.JSONDecoder()

#: The default ``loads`` of :class:`RpcProtocol`.
_DEFAULT_LOADS: Final[Callable[[str], Any]] = _DECODER.decode

_AUTH_EXPIRED_CODE: Final = -32001
_UNSET: Final[Any] = object()
_EXCERPT: Final = 120
#: How much of a frame the DEBUG log shows.
_FRAME_LOG_LIMIT: Final = 2000
#: What replaces the client's own credentials where a server quoted them.
_REDACTED: Final = "<redacted>"
#: Credentials shorter than this are not scrubbed: replacing a short string
#: (an API key such as "admin") would garble unrelated text.
_MIN_SCRUBBED: Final = 16
#: How many of the latest credentials are remembered for scrubbing.
_CREDENTIAL_MEMORY: Final = 4


class PendingCall:
    """One call sent (or about to be sent) and, once ``done``, its outcome.

    Attributes:
        id: the JSON-RPC id (an int, unique on its connection).
        method: the service method.
        params: the params mapping as passed to ``start_call`` (not copied), or None.
        text: the JSON text to send as one text frame.
        timeout: the timeout length in seconds, used in the timeout message, or None.
        waiter: a free slot for the adapter (its future or event); the core never
            touches it.
        done: the call has ended (reply, error, timeout, cancellation or connection loss).
        result: the reply's result (raw JSON) when the call succeeded.
        error: the SDK exception the call failed with, or None.
        cancelled: the adapter gave up on the call (:meth:`RpcProtocol.cancel`).

    The text and params of an ``authenticate`` call hold the credential, so
    ``repr()`` shows neither.
    """

    __slots__ = (
        "cancelled",
        "done",
        "error",
        "id",
        "method",
        "params",
        "result",
        "text",
        "timeout",
        "waiter",
    )

    def __init__(
        self,
        id: int,
        method: str,
        params: Mapping[str, Any] | None,
        text: str,
        timeout: float | None = None,
    ) -> None:
        self.id = id
        self.method = method
        self.params = params
        self.text = text
        self.timeout = timeout
        self.waiter: Any = None
        self.done = False
        self.result: Any = None
        self.error: CameraServiceError | None = None
        self.cancelled = False

    def outcome(self) -> Any:
        """Return the call's result, or raise the SDK error it failed with.

        Raises:
            CameraServiceError: the error the call ended with (an ``RpcError``
                subclass for an error reply, ``CallTimeoutError``,
                ``ConnectionClosedError`` or ``ProtocolError``).
            RuntimeError: the call has not ended yet or was cancelled (an
                adapter bug: nobody waits for a cancelled call).
        """
        error = self.error
        if error is not None:
            raise error
        if not self.done:
            raise RuntimeError(f"call {self.id} ({self.method}) has not ended yet")
        if self.cancelled:
            raise RuntimeError(f"call {self.id} ({self.method}) was cancelled")
        return self.result

    def __repr__(self) -> str:
        if not self.done:
            state = "pending"
        elif self.cancelled:
            state = "cancelled"
        elif self.error is not None:
            state = f"failed: {type(self.error).__name__}"
        else:
            state = "succeeded"
        return f"<PendingCall id={self.id} method={self.method!r} {state}>"


class CallCompleted:
    """Event: ``call`` ended because of what the server sent; its result or error is set."""

    __slots__ = ("call",)

    def __init__(self, call: PendingCall) -> None:
        self.call = call

    def __repr__(self) -> str:
        return f"CallCompleted({self.call!r})"


class Notification:
    """Event: a notification from the server (any method, known or not).

    Attributes:
        method: the notification's method, e.g. ``"camera_status_update"`` or a
            subscription topic such as ``"recording.start"``.
        params: the raw params object (an empty mapping when the server sent none).
        synthesized: True when the SDK made this event itself from what a call
            showed (the camera list, polled with ``poll_interval`` or re-read
            after a reconnect) instead of receiving it from the service; False
            for every notification the service pushed. ``params`` has the same
            shape either way.
    """

    __slots__ = ("_data", "_decode_error", "method", "params", "synthesized")

    def __init__(
        self, method: str, params: Mapping[str, Any], *, synthesized: bool = False
    ) -> None:
        self.method = method
        self.params = params
        self.synthesized = synthesized
        self._data: Any = _UNSET
        self._decode_error: ProtocolError | None = None

    @property
    def data(self) -> Any:
        """The typed model for the params, decoded on first access, or None.

        ``CameraInfo`` for ``camera_status_update``, ``RecordingInfo`` for
        ``recording_status_update``, a topic-event model for the subscription
        topics, ``None`` for unknown methods and for params that do not decode
        (then :attr:`decode_error` says why and :attr:`params` keeps the raw data).
        """
        data = self._data
        if data is _UNSET:
            try:
                data = _decode_notification(self.method, self.params)
            except ProtocolError as exc:
                data = None
                self._decode_error = exc
            self._data = data
        return data

    @property
    def decode_error(self) -> ProtocolError | None:
        """Why :attr:`data` is None although the method is known, after ``data`` was read."""
        return self._decode_error

    def __repr__(self) -> str:
        marker = ", synthesized=True" if self.synthesized else ""
        return f"Notification({self.method!r}, {self.params!r}{marker})"


class ProtocolViolation:
    """Event: the server sent something the wire contract does not allow.

    Attributes:
        kind: one of :data:`VIOLATION_KINDS`.
        detail: a human-readable description (with a short excerpt of the frame).
        call: the call the violation failed or completed, if it concerned one.
    """

    __slots__ = ("call", "detail", "kind")

    def __init__(self, kind: str, detail: str, call: PendingCall | None = None) -> None:
        self.kind = kind
        self.detail = detail
        self.call = call

    def __repr__(self) -> str:
        return f"ProtocolViolation({self.kind!r}, {self.detail!r})"


#: What :meth:`RpcProtocol.receive_text` returns a list of.
Event: TypeAlias = CallCompleted | Notification | ProtocolViolation


class ProtocolStats:
    """Counters of one :class:`RpcProtocol`, across connections.

    Attributes:
        calls_started: calls given an id by ``start_call``/``start_authenticate``.
        replies: replies that completed a call (with a result or an error).
        notifications: notifications delivered as :class:`Notification` events.
        late_replies: replies to calls that had timed out or were cancelled.
        timeouts: calls failed by :meth:`RpcProtocol.expire`.
        cancelled: calls removed by :meth:`RpcProtocol.cancel`.
        connection_losses: calls failed by :meth:`RpcProtocol.connection_lost`.
        null_id_errors: ``id: null`` error replies attributed to the only pending call.
        violations: protocol violations by kind (see :data:`VIOLATION_KINDS`).
    """

    __slots__ = (
        "calls_started",
        "cancelled",
        "connection_losses",
        "late_replies",
        "notifications",
        "null_id_errors",
        "replies",
        "timeouts",
        "violations",
    )

    def __init__(self) -> None:
        self.calls_started = 0
        self.replies = 0
        self.notifications = 0
        self.late_replies = 0
        self.timeouts = 0
        self.cancelled = 0
        self.connection_losses = 0
        self.null_id_errors = 0
        self.violations: dict[str, int] = {}

    @property
    def total_violations(self) -> int:
        """The number of protocol violations of every kind."""
        return sum(self.violations.values())

    def as_dict(self) -> dict[str, Any]:
        """A plain snapshot of the counters (for logging or metrics)."""
        return {
            "calls_started": self.calls_started,
            "replies": self.replies,
            "notifications": self.notifications,
            "late_replies": self.late_replies,
            "timeouts": self.timeouts,
            "cancelled": self.cancelled,
            "connection_losses": self.connection_losses,
            "null_id_errors": self.null_id_errors,
            "violations": dict(self.violations),
        }

    def __repr__(self) -> str:
        return f"ProtocolStats({self.as_dict()!r})"


# A result hook interprets the result of one method: it may update the
# protocol's state and returns the error to fail the call with (None: success).
_ResultHook: TypeAlias = Callable[["RpcProtocol", PendingCall, Any], "CameraServiceError | None"]


class RpcProtocol:
    """The JSON-RPC state machine of one client, reused across reconnections.

    Args:
        dialect: ``"current"`` or ``"legacy"`` to fix the dialect, or ``"auto"``
            to detect it from the ``authenticate`` reply (a legacy server answers
            with ``auth_method``, a current one with ``session_id`` or error
            -32001) and, while still unknown, from the camera ids of a
            ``get_camera_list`` result (``/dev/video*`` vs ``camera*``).
        loads: parses one text frame; must raise ``ValueError`` (or
            ``RecursionError``) on bad input. Default: the stdlib decoder.
        dumps: serialises a request object to a ``str``; must raise
            ``TypeError`` or ``ValueError`` for values it cannot encode.
            Default: compact stdlib encoding, NaN refused.
        late_reply_memory: how many given-up call ids (timed out, cancelled) to
            remember per connection, so that their late replies are counted as
            late rather than as duplicates.

    Raises:
        ValueError: ``dialect`` or ``late_reply_memory`` is out of range.
    """

    def __init__(
        self,
        dialect: DialectSetting = "auto",
        *,
        loads: Callable[[str], Any] | None = None,
        dumps: Callable[[Any], str] | None = None,
        late_reply_memory: int = 1024,
    ) -> None:
        if dialect not in ("auto", "current", "legacy"):
            raise ValueError(f"dialect must be 'auto', 'current' or 'legacy', not {dialect!r}")
        if late_reply_memory < 0:
            raise ValueError("late_reply_memory must be >= 0")
        self._dialect_setting: DialectSetting = dialect
        self._dialect: Dialect | None = None if dialect == "auto" else dialect
        self._loads: Callable[[str], Any] = loads if loads is not None else _DEFAULT_LOADS
        self._dumps: Callable[[Any], str] = dumps if dumps is not None else _ENCODER.encode
        self._late_memory = late_reply_memory

        self._connected = False
        self._ever_connected = False
        self._lost_cause: BaseException | None = None
        self._next_id = 1
        self._pending: dict[int, PendingCall] = {}
        # Ids of calls given up on this connection (insertion-ordered, bounded).
        self._given_up: dict[int, None] = {}
        self._subscriptions: dict[str, dict[str, Any] | None] = {}
        # The latest credentials sent with authenticate (see _scrub).
        self._credentials: list[str] = []

        #: Counters (replies, notifications, violations by kind, late replies, ...).
        self.stats = ProtocolStats()
        self._reset_auth()

    # ------------------------------------------------------------------ state

    @property
    def dialect(self) -> Dialect | None:
        """The dialect in use: fixed by the setting, detected, or None while unknown."""
        return self._dialect

    @property
    def dialect_setting(self) -> DialectSetting:
        """The ``dialect`` argument the protocol was made with."""
        return self._dialect_setting

    @property
    def connected(self) -> bool:
        """True between :meth:`connection_made` and :meth:`connection_lost`."""
        return self._connected

    @property
    def needs_authentication(self) -> bool:
        """Connected but not (or no longer) authenticated.

        True after every :meth:`connection_made` and after a call failed with
        -32001 (the token expired or was revoked). An adapter that has
        credentials sends ``authenticate`` first and nothing but
        :data:`PRE_AUTH_METHODS` until it succeeds.
        """
        return self._connected and not self.authenticated

    @property
    def ready(self) -> bool:
        """Connected and authenticated: any call may be sent."""
        return self._connected and self.authenticated

    @property
    def pending_count(self) -> int:
        """The number of calls waiting for their reply."""
        return len(self._pending)

    def pending_calls(self) -> list[PendingCall]:
        """A snapshot of the calls waiting for their reply, oldest first."""
        return list(self._pending.values())

    @property
    def subscriptions(self) -> dict[str, dict[str, Any] | None]:
        """The subscribed topics, each with the filters it was subscribed with (a copy).

        Updated by successful ``subscribe_events``/``unsubscribe_events`` calls;
        kept across reconnections (see :meth:`resubscribe_params`).
        """
        return {
            topic: None if filters is None else dict(filters)
            for topic, filters in self._subscriptions.items()
        }

    def resubscribe_params(self) -> list[dict[str, Any]]:
        """The ``subscribe_events`` params to send again after a reconnect.

        One entry per distinct filter set, topics in subscription order; an empty
        list when nothing is subscribed.
        """
        groups: list[tuple[dict[str, Any] | None, list[str]]] = []
        for topic, filters in self._subscriptions.items():
            for group_filters, topics in groups:
                if group_filters == filters:
                    topics.append(topic)
                    break
            else:
                groups.append((filters, [topic]))
        out: list[dict[str, Any]] = []
        for filters, topics in groups:
            params: dict[str, Any] = {"topics": topics}
            if filters is not None:
                params["filters"] = dict(filters)
            out.append(params)
        return out

    def _reset_auth(self) -> None:
        #: The current connection has authenticated (and no -32001 since).
        self.authenticated = False
        #: The role granted by the last successful ``authenticate`` (``viewer``, ...).
        self.role: str | None = None
        #: The permissions list of a current-dialect ``authenticate`` result.
        self.permissions: tuple[str, ...] = ()
        #: The session's expiry as an aware datetime, when the server sent a
        #: parseable one (a timestamp without offset is taken as UTC).
        self.expires_at: datetime | None = None
        #: The ``expires_at`` value exactly as the server sent it.
        self.expires_at_raw: str | None = None
        #: ``auth_method`` of a legacy ``authenticate`` result (``jwt``, ``api_key``).
        self.auth_method: str | None = None
        #: ``session_id`` of a current ``authenticate`` result.
        self.session_id: str | None = None

    def _note_dialect(self, dialect: Dialect) -> None:
        # A fixed setting is the caller's word; only "auto" learns.
        if self._dialect_setting == "auto":
            self._dialect = dialect

    # ------------------------------------------------------------- lifecycle

    def connection_made(self) -> None:
        """Start a fresh connection: ids restart at 1, authentication is required again.

        Subscriptions and the detected dialect are kept.

        Raises:
            RuntimeError: already connected (call :meth:`connection_lost` first).
        """
        if self._connected:
            raise RuntimeError("connection_made() called while connected")
        self._connected = True
        self._ever_connected = True
        self._lost_cause = None
        self._next_id = 1
        self._reset_auth()

    def connection_lost(self, exc: BaseException | None = None) -> list[PendingCall]:
        """The connection ended: fail every pending call and refuse new ones.

        Each pending call fails with :class:`~mediamtx_camera_sdk.errors.ConnectionClosedError`
        whose ``__cause__`` is ``exc`` (the transport's reason, if any). Calling it
        again while disconnected does nothing.

        Returns:
            The calls just failed, oldest first (the adapter wakes their waiters).
        """
        if not self._connected:
            return []
        self._connected = False
        self.authenticated = False
        self._lost_cause = exc
        calls = list(self._pending.values())
        self._pending.clear()
        self._given_up.clear()
        reason = f": {exc}" if exc is not None and str(exc) else ""
        for call in calls:
            error = ConnectionClosedError(
                f"the connection closed before {call.method} got its reply{reason}",
                method=call.method,
            )
            error.__cause__ = exc
            call.error = error
            call.done = True
        self.stats.connection_losses += len(calls)
        return calls

    # ---------------------------------------------------------------- sending

    def start_call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> PendingCall:
        """Register a call and build its request text (``call.text``, to be sent now).

        ``params`` is sent as the request's ``params`` object; ``None`` or an empty
        mapping sends no ``params`` member (the current service rejects unknown
        parameters, and JSON-RPC 2.0 section 4 lets ``params`` be omitted).

        Args:
            method: the service method.
            params: the parameters, or None.
            timeout: the timeout length in seconds, only used in the timeout message.

        Raises:
            ConnectionError: not connected (never connected, or the connection
                was lost: then chained to the loss's cause). The adapter raises
                ``ClientClosedError`` itself when the caller closed the client.
            InvalidParamsError: ``method`` is not a non-empty string, ``params``
                is not a mapping or not JSON-serialisable (a lone surrogate in a
                string, say). Nothing is registered.
        """
        if not self._connected:
            raise self._not_connected(method) from self._lost_cause
        if type(method) is not str or not method:
            raise ValidationError(f"method must be a non-empty string, not {method!r}")
        sent: dict[str, Any] | None = None
        if params is not None:
            if not isinstance(params, Mapping):
                raise ValidationError(
                    f"params must be a mapping, not {type(params).__name__}", method=method
                )
            if params:
                sent = params if type(params) is dict else dict(params)
        call_id = self._next_id
        message = _request(method, sent, call_id)
        try:
            text = self._dumps(message)
            if not text.isascii():
                text.encode()  # a lone surrogate cannot be sent (UnicodeEncodeError)
        except (TypeError, ValueError, RecursionError) as exc:
            raise ValidationError(
                f"params of {method} cannot be encoded as JSON: {exc}", method=method
            ) from exc
        self._next_id = call_id + 1
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug("-> %s", _loggable(message, text))
        call = PendingCall(call_id, method, params, text, timeout)
        self._pending[call_id] = call
        self.stats.calls_started += 1
        return call

    def start_authenticate(
        self,
        token: str,
        auth_type: AuthType = "auto",
        *,
        timeout: float | None = None,
    ) -> PendingCall:
        """Build the ``authenticate`` call: ``{"auth_token": TOKEN, "auth_type": KIND}``.

        Both dialects accept this shape (the current service ignores
        ``auth_type``). When the reply arrives the protocol updates
        :attr:`authenticated`, :attr:`role`, :attr:`expires_at`,
        :attr:`auth_method`, :attr:`session_id` and, with ``dialect="auto"``,
        :attr:`dialect`. A refusal fails the call with
        :class:`~mediamtx_camera_sdk.errors.AuthenticationError` in both dialects
        (current: error -32001; legacy: a result with ``authenticated: false``).

        Raises:
            InvalidParamsError: ``token`` is empty or not a string, or ``auth_type``
                is not one of ``"jwt"``, ``"api_key"``, ``"auto"``.
            ConnectionError: not connected (see :meth:`start_call`).
        """
        if type(token) is not str or not token:
            # Never echo the token itself into an exception message.
            raise ValidationError(
                "the authentication token must be a non-empty string",
                method="authenticate",
                data={"param": "auth_token"},
            )
        if auth_type not in AUTH_TYPES:
            raise ValidationError(
                f"auth_type must be 'jwt', 'api_key' or 'auto', not {auth_type!r}",
                method="authenticate",
                data={"param": "auth_type"},
            )
        if len(token) >= _MIN_SCRUBBED and token not in self._credentials:
            self._credentials.append(token)
            del self._credentials[:-_CREDENTIAL_MEMORY]
        return self.start_call(
            "authenticate",
            {"auth_token": token, "auth_type": auth_type},
            timeout=timeout,
        )

    def notify(self, method: str, params: Mapping[str, Any] | None = None) -> str:
        """Build the text of a client notification (a request without id: no reply).

        Raises:
            ConnectionError: not connected.
            InvalidParamsError: as for :meth:`start_call`.
        """
        if not self._connected:
            raise self._not_connected(method) from self._lost_cause
        if type(method) is not str or not method:
            raise ValidationError(f"method must be a non-empty string, not {method!r}")
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None and not isinstance(params, Mapping):
            raise ValidationError(
                f"params must be a mapping, not {type(params).__name__}", method=method
            )
        if params:
            message["params"] = params if type(params) is dict else dict(params)
        try:
            text = self._dumps(message)
            if not text.isascii():
                text.encode()  # a lone surrogate cannot be sent (UnicodeEncodeError)
            return text
        except (TypeError, ValueError, RecursionError) as exc:
            raise ValidationError(
                f"params of {method} cannot be encoded as JSON: {exc}", method=method
            ) from exc

    def _not_connected(self, method: object) -> ConnectionError:
        if self._ever_connected:
            text = f"cannot send {method}: the connection was lost and not re-established"
        else:
            text = f"cannot send {method}: not connected"
        return ConnectionError(text, method=method if isinstance(method, str) else None)

    # ------------------------------------------------------------ giving up

    def time_out(self, call: PendingCall) -> bool:
        """The adapter's wait for ``call`` ran out: fail it with ``CallTimeoutError``.

        A reply arriving later is counted in ``stats.late_replies``.

        Returns:
            True if the call was pending, False if it had already ended.
        """
        if call.done or self._pending.get(call.id) is not call:
            return False
        del self._pending[call.id]
        if call.timeout is not None:
            text = f"{call.method} got no reply within {call.timeout:g} s"
        else:
            text = f"{call.method} got no reply in time"
        call.error = CallTimeoutError(text, method=call.method)
        call.done = True
        self._remember_given_up(call.id)
        self.stats.timeouts += 1
        return True

    def cancel(self, call: PendingCall) -> bool:
        """Forget a pending call without a reply (the caller gave up waiting).

        The call is marked ``done`` and ``cancelled``; a reply arriving later is
        counted in ``stats.late_replies``.

        Returns:
            True if the call was pending on this connection, False if it had
            already ended (then nothing changes).
        """
        if call.done or self._pending.get(call.id) is not call:
            return False
        del self._pending[call.id]
        call.done = True
        call.cancelled = True
        self._remember_given_up(call.id)
        self.stats.cancelled += 1
        return True

    def _remember_given_up(self, call_id: int) -> None:
        given_up = self._given_up
        if self._late_memory == 0:
            return
        given_up[call_id] = None
        if len(given_up) > self._late_memory:
            del given_up[next(iter(given_up))]

    # -------------------------------------------------------------- receiving

    def receive_text(self, text: str | bytes) -> list[Event]:
        """Handle one received frame and return what happened, in order.

        Never raises because of the frame's content. A reply completes exactly
        the pending call with its id (a :class:`CallCompleted` event); an error
        reply is mapped to the SDK exception of the dialect in use. Anything
        that breaks the contract is reported as a :class:`ProtocolViolation`
        (and counted in ``stats.violations``); when it concerns a pending call
        (a malformed reply with the call's id) the call fails with
        ``ProtocolError`` as well, so that nobody waits for a reply that will
        not come.

        Two tolerances:

        - An *error* reply with ``"id": null`` (or no id) while exactly one call
          is pending fails that call. Both service generations answer a request
          they could not parse or accept (-32700, -32600, legacy -32603) with a
          null id; with a single call in flight it can only be that call's, and
          failing it now beats a timeout. With zero or several calls pending
          it is a ``null_id`` violation. (Caveat: an error answering a client
          notification, which the SDK does not normally send, would be taken
          for that call's.)
        - A reply with an id but neither ``result`` nor ``error`` completes the
          call with result ``None`` *and* is reported as a ``missing_result``
          violation: PROTOCOL.md asks to tolerate "a reply whose result is
          missing when it would be null", the issue asks to report it; both hold.

        Replies to calls that timed out or were cancelled produce no event and
        are counted in ``stats.late_replies``. Binary frames are violations.
        """
        if _logger.isEnabledFor(logging.DEBUG):
            shown = self._excerpt(text, _FRAME_LOG_LIMIT) if type(text) is str else text
            _logger.debug("<- %s", shown)
        if type(text) is not str:
            if isinstance(text, (bytes, bytearray, memoryview)):
                what = f"binary frame of {len(text)} bytes"
            else:
                what = f"a {type(text).__name__} instead of a text frame"
            return [self._violation("binary_frame", what)]
        try:
            message = self._loads(text)
        except (ValueError, RecursionError) as exc:
            return [self._violation("invalid_json", f"{exc}: {self._excerpt(text)}")]
        if type(message) is not dict:
            if type(message) is list:
                return [self._violation("batch", f"a JSON array: {self._excerpt(text)}")]
            return [self._violation("not_object", f"not a JSON object: {self._excerpt(text)}")]
        if "method" in message and "result" not in message and "error" not in message:
            return self._receive_notification(message, text)
        return self._receive_reply(message, text)

    def _receive_notification(self, message: dict[str, Any], text: str) -> list[Event]:
        method = message["method"]
        if message.get("id") is not None:
            # JSON-RPC 2.0 lets a server send requests; this contract has none
            # and the client has no way to answer them.
            return [
                self._violation(
                    "unexpected_request", f"request from the server: {self._excerpt(text)}"
                )
            ]
        if message.get("jsonrpc") != "2.0":
            return [self._violation("bad_version", f"notification: {self._excerpt(text)}")]
        if type(method) is not str or not method:
            return [
                self._violation(
                    "bad_notification", f"method is not a string: {self._excerpt(text)}"
                )
            ]
        params = message.get("params", _UNSET)
        if params is _UNSET or params is None:
            params = {}
        elif type(params) is not dict:
            # The contract says params are an object; delivering an empty
            # mapping instead would hide the server's data, so report it.
            return [
                self._violation(
                    "bad_notification", f"{method} params not an object: {self._excerpt(text)}"
                )
            ]
        self.stats.notifications += 1
        return [Notification(method, params)]

    def _receive_reply(self, message: dict[str, Any], text: str) -> list[Event]:
        reply_id = message.get("id")
        # type() rather than isinstance(): True == 1 and 1.0 == 1 would find call 1.
        call = self._pending.pop(reply_id, None) if type(reply_id) is int else None
        if call is None:
            return self._receive_unmatched(message, reply_id, text)
        if message.get("jsonrpc") != "2.0":
            return self._fail_malformed(
                call, "bad_version", f"jsonrpc is {message.get('jsonrpc')!r}"
            )
        if "error" in message:
            if "result" in message:
                return self._fail_malformed(call, "result_and_error", "both result and error")
            return self._complete_error(call, message["error"])
        if "result" in message:
            return self._complete_result(call, message["result"])
        events: list[Event] = [
            self._violation(
                "missing_result", f"reply to {call.method} (id {call.id}) has no result", call
            )
        ]
        events.extend(self._complete_result(call, None))
        return events

    def _receive_unmatched(self, message: dict[str, Any], reply_id: Any, text: str) -> list[Event]:
        if reply_id is None:
            if (
                len(self._pending) == 1
                and "error" in message
                and "result" not in message
                and message.get("jsonrpc") == "2.0"
            ):
                call = self._pending.pop(next(iter(self._pending)))
                self.stats.null_id_errors += 1
                return self._complete_error(call, message["error"])
            return [self._violation("null_id", f"reply without an id: {self._excerpt(text)}")]
        if type(reply_id) is int:
            if reply_id in self._given_up:
                # Popped so that a second reply for the same id is a duplicate.
                del self._given_up[reply_id]
                self.stats.late_replies += 1
                return []
            if 0 < reply_id < self._next_id:
                return [self._violation("duplicate_reply", f"second reply for id {reply_id}")]
        return [
            self._violation(
                "unknown_id", f"reply for unknown id {reply_id!r}: {self._excerpt(text)}"
            )
        ]

    def _complete_result(self, call: PendingCall, result: Any) -> list[Event]:
        hook = _RESULT_HOOKS.get(call.method)
        error = hook(self, call, result) if hook is not None else None
        call.done = True
        self.stats.replies += 1
        if error is None:
            call.result = result
            return [CallCompleted(call)]
        call.error = error
        if isinstance(error, ProtocolError):
            return [self._violation("bad_result", error.message, call), CallCompleted(call)]
        return [CallCompleted(call)]

    def _complete_error(self, call: PendingCall, error_obj: Any) -> list[Event]:
        error_obj = self._scrub(error_obj)  # before any of it goes into an exception
        if type(error_obj) is not dict or type(error_obj.get("code")) is not int:
            return self._fail_malformed(
                call, "bad_error", f"error member is {error_obj!r:.{_EXCERPT}}"
            )
        code: int = error_obj["code"]
        message = error_obj.get("message")
        events: list[Event] = []
        if type(message) is not str:
            # The code alone says what went wrong; map it, but report the envelope.
            events.append(self._violation("bad_error", f"error {code} has no message string", call))
            message = f"server error {code}"
        if call.method == "authenticate":
            self.authenticated = False
            if code == _AUTH_EXPIRED_CODE:
                # Only the current service answers a refused authenticate with
                # an error; the legacy one always sends a result.
                self._note_dialect("current")
        elif code == _AUTH_EXPIRED_CODE:
            # Token expired or revoked: the adapter must authenticate again.
            self.authenticated = False
        call.error = error_for_code(
            code, message, error_obj.get("data"), method=call.method, dialect=self._dialect
        )
        call.done = True
        self.stats.replies += 1
        events.append(CallCompleted(call))
        return events

    def _fail_malformed(self, call: PendingCall, kind: str, what: str) -> list[Event]:
        detail = self._scrub(f"reply to {call.method} (id {call.id}): {what}")
        call.error = ProtocolError(detail, method=call.method, data={"kind": kind})
        call.done = True
        self.stats.replies += 1
        return [self._violation(kind, detail, call), CallCompleted(call)]

    def _violation(
        self, kind: str, detail: str, call: PendingCall | None = None
    ) -> ProtocolViolation:
        violations = self.stats.violations
        violations[kind] = violations.get(kind, 0) + 1
        detail = self._scrub(detail)
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug("protocol violation (%s): %s", kind, detail)
        return ProtocolViolation(kind, detail, call)

    def _scrub(self, value: Any) -> Any:
        """``value`` (text, or decoded JSON) with the client's own credentials replaced.

        A server may quote what it was sent: in an error message or its data,
        or in a frame the client cannot parse. Whatever the core logs or puts
        into an exception goes through here first, so the credential sent with
        ``authenticate`` never reaches a log or an exception that way. Only on
        those paths: frames that are simply delivered are not searched.
        """
        if not self._credentials:
            return value
        if type(value) is str:
            for secret in self._credentials:
                if secret in value:
                    value = value.replace(secret, _REDACTED)
            return value
        if type(value) is dict:
            return {self._scrub(k): self._scrub(v) for k, v in value.items()}
        if type(value) is list:
            return [self._scrub(v) for v in value]
        return value

    def _excerpt(self, text: str, limit: int = _EXCERPT) -> str:
        """A frame's beginning for a message, scrubbed before it is cut (see _scrub)."""
        return _excerpt(self._scrub(text), limit)

    # ---------------------------------------------------------- result hooks

    def _on_authenticate(self, call: PendingCall, result: Any) -> CameraServiceError | None:
        self.authenticated = False
        if type(result) is not dict or type(result.get("authenticated")) is not bool:
            return ProtocolError(
                "authenticate returned neither a success nor a refusal",
                method=call.method,
                data={"kind": "bad_result"},
            )
        if not result["authenticated"]:
            # Only the legacy service refuses with a result (the current one
            # answers -32001), so this is a dialect signal too.
            self._note_dialect("legacy")
            result = self._scrub(result)
            reason = result.get("error")
            return AuthenticationError(
                reason if type(reason) is str and reason else "authentication failed",
                code=_AUTH_EXPIRED_CODE,
                data=result,
                method=call.method,
            )
        if "session_id" in result:
            self._note_dialect("current")
        elif "auth_method" in result:
            self._note_dialect("legacy")
        self.authenticated = True
        self.role = _str_or_none(result.get("role"))
        permissions = result.get("permissions")
        self.permissions = (
            tuple(p for p in permissions if type(p) is str) if type(permissions) is list else ()
        )
        self.expires_at_raw = _str_or_none(result.get("expires_at"))
        self.expires_at = (
            _parse_timestamp(self.expires_at_raw) if self.expires_at_raw is not None else None
        )
        self.auth_method = _str_or_none(result.get("auth_method"))
        self.session_id = _str_or_none(result.get("session_id"))
        return None

    def _on_take_snapshot(self, call: PendingCall, result: Any) -> CameraServiceError | None:
        # The legacy service reports a failed snapshot as a result; the current
        # one may too (status SUCCESS/FAILED). Either way no file exists, so the
        # call fails like the current dialect's -32050 (MediaMTXError).
        if type(result) is dict:
            status = result.get("status")
            if type(status) is str and status.upper() == "FAILED":
                reason = result.get("error")
                return MediaMTXError(
                    reason if type(reason) is str and reason else "the snapshot failed",
                    data=result,
                    method=call.method,
                )
        return None

    def _on_camera_list(self, call: PendingCall, result: Any) -> CameraServiceError | None:
        # Second dialect signal, for clients that never authenticate.
        if self._dialect is None and type(result) is dict:
            cameras = result.get("cameras")
            if type(cameras) is list:
                for camera in cameras:
                    device = camera.get("device") if type(camera) is dict else None
                    if type(device) is str:
                        if device.startswith("/dev/video"):
                            self._note_dialect("legacy")
                            break
                        if _LOGICAL_CAMERA_ID.fullmatch(device):
                            self._note_dialect("current")
                            break
        return None

    def _on_subscribe(self, call: PendingCall, result: Any) -> CameraServiceError | None:
        params = call.params or {}
        topics = params.get("topics")
        filters = params.get("filters")
        kept = dict(filters) if isinstance(filters, Mapping) and filters else None
        if isinstance(topics, (list, tuple)):
            for topic in topics:
                if type(topic) is str:
                    # Re-insert so that the latest filters and order win.
                    self._subscriptions.pop(topic, None)
                    self._subscriptions[topic] = kept
        return None

    def _on_unsubscribe(self, call: PendingCall, result: Any) -> CameraServiceError | None:
        # "topics? (none = all)": a missing, null or empty list removes everything.
        topics = (call.params or {}).get("topics")
        if not topics or not isinstance(topics, (list, tuple)):
            self._subscriptions.clear()
        else:
            for topic in topics:
                if type(topic) is str:
                    self._subscriptions.pop(topic, None)
        return None


# Methods whose result the core interprets (a table, not an if-chain: one dict
# lookup per reply, and most methods have no hook).
_RESULT_HOOKS: Final[dict[str, _ResultHook]] = {
    "authenticate": RpcProtocol._on_authenticate,
    "take_snapshot": RpcProtocol._on_take_snapshot,
    "get_camera_list": RpcProtocol._on_camera_list,
    "get_cameras": RpcProtocol._on_camera_list,
    "subscribe_events": RpcProtocol._on_subscribe,
    "unsubscribe_events": RpcProtocol._on_unsubscribe,
}

_LOGICAL_CAMERA_ID: Final = re.compile(r"camera[0-9]+")
_FRACTION: Final = re.compile(r"\.([0-9]+)")


def _str_or_none(value: Any) -> str | None:
    return value if type(value) is str else None


def _parse_timestamp(value: str) -> datetime | None:
    """Parse an ISO 8601 / RFC 3339 timestamp into an aware datetime, or None.

    Copes with what ``datetime.fromisoformat`` on Python 3.10 refuses: a ``Z``
    suffix and fractions that are not 3 or 6 digits (Go sends nanoseconds).
    """
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _excerpt(text: str, limit: int = _EXCERPT) -> str:
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit]) + f"... ({len(text)} chars)"


#: Parameter names whose values are credentials: never logged.
_SECRET_PARAMS: Final = frozenset({"auth_token", "token", "api_key", "password"})


def _request(method: str, params: dict[str, Any] | None, call_id: int) -> dict[str, Any]:
    """A request object, members in the order they are written."""
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    message["id"] = call_id
    return message


def _loggable(message: Mapping[str, Any], text: str) -> str:
    """The request text for the DEBUG log, with credential values replaced."""
    params = message.get("params")
    if isinstance(params, Mapping) and not _SECRET_PARAMS.isdisjoint(params):
        redacted = {k: ("<redacted>" if k in _SECRET_PARAMS else v) for k, v in params.items()}
        return _excerpt(_ENCODER.encode({**message, "params": redacted}), _FRAME_LOG_LIMIT)
    return _excerpt(text, _FRAME_LOG_LIMIT)


def _decode_notification(method: str, params: Mapping[str, Any]) -> Any:
    # Imported on first use: the converter pulls in cattrs and the models,
    # which the core itself does not need (and a cheap core import matters
    # for the CLI's start-up).
    from ._convert import decode_notification

    # strict: a malformed payload raises ProtocolError, which Notification.data
    # keeps as decode_error instead of a silent None.
    return decode_notification(method, params, strict=True)
