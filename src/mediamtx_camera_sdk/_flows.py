"""Connection flows shared by both clients, written once as I/O-free generators.

How it works: a flow is a generator that *yields operations* (open the socket,
make a call, sleep, fetch a token, emit an event) and receives each one's
result (or has the operation's exception thrown into it). The async client
drives a flow with ``await``; the sync client drives the same flow by
blocking. So reconnection, re-authentication, re-subscription, the resync
after a reconnect and the backoff schedule are decided here, once, and each
client only performs the operations. The blocking driver is :func:`run`; the
async client's is the same loop with ``await``; the tests drive flows with a
scripted fake driver, no sockets.

Operations (the driver's side of the contract):

- :class:`Open`: connect the transport and start reading; ``connection_made()``
  is called on the protocol. Raises the SDK's ConnectionError on failure.
- :class:`Close`: abort the transport (after a failed authentication).
- :class:`Call`: send a call through the protocol and return its raw result.
- :class:`Authenticate`: send ``authenticate`` through the protocol's
  ``start_authenticate``; returns the raw result or raises AuthenticationError.
- :class:`Reauthenticate`: :func:`authenticate_flow`, once for concurrent askers.
- :class:`FetchToken`: call the token provider (sync or async) and return the token.
- :class:`Sleep`: wait that many seconds.
- :class:`Emit`: deliver a notification object to the handlers and iterators.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Generator, Mapping
from typing import Any, Final

import attrs

from .config import Settings
from .errors import (
    AuthenticationError,
    CallTimeoutError,
    CameraServiceError,
    ConnectionError,
    InternalServerError,
    MediaMTXError,
    ProtocolError,
    RateLimitedError,
    RpcError,
)

__all__ = [
    "Authenticate",
    "Backoff",
    "Call",
    "Close",
    "Emit",
    "FetchToken",
    "Flow",
    "Open",
    "Reauthenticate",
    "Sleep",
]

logger = logging.getLogger("mediamtx_camera_sdk")


@attrs.frozen
class Open:
    """Connect the transport (TCP, TLS, WebSocket handshake) and start the reader."""

    attempt: int = 1


@attrs.frozen
class Close:
    """Abort the current transport without reconnecting (the flow decides what follows)."""

    reason: str = ""


@attrs.frozen
class Call:
    """Make one JSON-RPC call and return its raw (undecoded) result."""

    method: str
    params: Mapping[str, Any] | None = None
    timeout: float | None = None


@attrs.frozen
class Authenticate:
    """Send ``authenticate`` with this credential (never shown in reprs)."""

    token: str = attrs.field(repr=False)
    auth_type: str = "jwt"
    timeout: float | None = None


@attrs.frozen
class Reauthenticate:
    """Run :func:`authenticate_flow` once for every call that found the token expired.

    Single-flight: the driver runs it under a lock and skips it when another
    call re-authenticated since this one asked.
    """

    timeout: float | None = None


@attrs.frozen
class FetchToken:
    """Ask the application's token provider for a fresh token."""


@attrs.frozen
class Sleep:
    """Wait before the next attempt."""

    seconds: float


@attrs.frozen
class Emit:
    """Deliver an event (a notification object) to handlers and iterators."""

    event: Any


Op = Open | Close | Call | Authenticate | Reauthenticate | FetchToken | Sleep | Emit
#: A flow: yields operations, receives their results, returns its own result.
Flow = Generator[Op, Any, Any]


def run(flow: Flow, perform: Callable[[Op], Any]) -> Any:
    """Drive ``flow`` to its end by blocking: ``perform(op)`` gives each operation's result.

    An operation's exception (not a ``BaseException`` such as an interrupt) is
    thrown into the flow. The async client's driver is this loop with ``await``.
    """
    value: Any = None
    error: Exception | None = None
    while True:
        try:
            op = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration as stop:
            return stop.value
        try:
            value, error = perform(op), None
        except Exception as exc:
            value, error = None, exc


#: Names of the events the SDK itself emits (besides the server's notifications).
EVENT_CONNECTION_LOST: Final = "sdk.connection_lost"
EVENT_RECONNECTED: Final = "sdk.reconnected"
EVENT_MISSED: Final = "sdk.events_missed"
EVENT_DROPPED: Final = "sdk.events_dropped"
SDK_EVENTS: Final = frozenset(
    {EVENT_CONNECTION_LOST, EVENT_RECONNECTED, EVENT_MISSED, EVENT_DROPPED}
)


class Backoff:
    """Exponential backoff with full jitter: attempt *n* waits ``U(0, min(cap, base * 2**(n-1)))``.

    Full jitter spreads many clients that lost the same server across the whole
    window, so they do not come back in lockstep.
    """

    def __init__(
        self, base: float, cap: float, *, rng: Callable[[float, float], float] | None = None
    ) -> None:
        self.base = base
        self.cap = cap
        self._uniform = rng or random.uniform

    def ceiling(self, attempt: int) -> float:
        """The largest delay attempt ``attempt`` (1-based) may wait."""
        exponent = min(max(attempt - 1, 0), 32)
        return float(min(self.cap, self.base * (2**exponent)))

    def delay(self, attempt: int) -> float:
        """A random delay for attempt ``attempt`` (1-based), in ``[0, ceiling]``."""
        high = self.ceiling(attempt)
        return self._uniform(0.0, high) if high > 0 else 0.0


def retries_left(settings: Settings, failures: int) -> bool:
    """Whether another attempt is allowed after ``failures`` failed ones.

    ``max_retries`` counts attempts after the first (``None``: forever).
    """
    if settings.max_retries is None:
        return True
    return failures <= settings.max_retries


def credential_flow(settings: Settings) -> Flow:
    """The credential to present now (None: the client has none).

    The token provider, when set, is asked for a fresh token every time (on
    every connect and reconnect, when a token expired, for every download).
    """
    if settings.token_provider is None:
        return settings.credential
    token = yield FetchToken()
    if not isinstance(token, str) or not token.strip():
        raise AuthenticationError("the token provider returned no token", method="authenticate")
    return token


def authenticate_flow(settings: Settings, *, timeout: float | None = None) -> Flow:
    """Authenticate the fresh connection, if the client has credentials.

    Returns the raw authenticate result, or None when the client has no credentials.
    """
    token = yield from credential_flow(settings)
    if token is None:
        return None
    return (yield Authenticate(token, settings.auth_type, timeout or settings.timeout))


def connect_flow(
    settings: Settings,
    backoff: Backoff,
    *,
    reconnecting: bool,
    restore: Callable[[], Flow],
    clock: Callable[[], float] | None = None,
) -> Flow:
    """Open and authenticate a connection, retrying with backoff.

    First connect: a refused credential is final (raised at once: trying again
    will not help). Reconnect: a refused credential is tried once more when a
    token provider can give a fresh token, then final; it never loops.
    Connection failures, timeouts and transient errors of the service (an
    internal error, a rate limit, whose ``retry_after`` is honoured) count as
    failed attempts, retried with backoff until ``max_retries`` failed
    attempts (``None``: forever); then the last error is raised, with the
    number of attempts (and, given a ``clock``, the time they took) in its
    message. ``restore`` runs once the connection
    is authenticated (re-subscribe, resync) and its result is returned. A
    failed attempt always closes its connection first.
    """
    failures = 0
    refusals = 0
    refused: AuthenticationError | None = None
    started = clock() if clock is not None else None
    while True:
        delay: float | None = None
        try:
            yield Open(attempt=failures + 1)
            yield from authenticate_flow(settings)
            # Restoring is part of the attempt: a connection lost (or a call
            # timing out) while re-subscribing is a failed attempt, retried.
            return (yield from restore())
        except AuthenticationError as exc:
            yield Close("authentication failed")
            refusals += 1
            refused = exc
            if not reconnecting or settings.token_provider is None or refusals > 1:
                raise
            failures += 1
            logger.warning("re-authentication refused (%s); asking for a fresh token", exc.message)
        except (ConnectionError, CallTimeoutError, ProtocolError, *_TRANSIENT) as exc:
            yield Close(exc.message)
            failures += 1
            if not retries_left(settings, failures):
                took = None if clock is None or started is None else clock() - started
                if refused is not None:  # refused on an earlier attempt: the real reason
                    raise _after_attempts(refused, failures, took) from exc
                if failures > 1:
                    raise _after_attempts(exc, failures, took) from exc
                raise
            if isinstance(exc, RateLimitedError):
                delay = exc.retry_after
            logger.info("connection attempt %d failed: %s", failures, exc.message)
        yield Sleep(delay if delay is not None else backoff.delay(failures))


#: Service errors worth another attempt: the service is busy or failed inside.
_TRANSIENT: Final = (InternalServerError, MediaMTXError, RateLimitedError)


def _after_attempts(
    exc: CameraServiceError, attempts: int, took: float | None
) -> CameraServiceError:
    """``exc`` again, its message saying how many attempts failed (and in how long)."""
    spent = f" in {took:.1f} s" if took is not None else ""
    return type(exc)(
        f"{exc.message} (gave up after {attempts} attempts{spent})",
        code=exc.code,
        data=exc.data,
        method=exc.method,
    )


def call_with_reauth_flow(
    settings: Settings, method: str, params: Mapping[str, Any] | None, timeout: float | None
) -> Flow:
    """Make a call; on an expired token with a token provider, re-authenticate once and retry.

    Only an :class:`AuthenticationError` triggers the retry, and only once, so a
    revoked credential surfaces to the caller instead of looping.
    """
    try:
        return (yield Call(method, params, timeout))
    except AuthenticationError as exc:
        if settings.token_provider is None or method == "authenticate":
            raise
        if isinstance(exc.__cause__, AuthenticationError):
            raise  # not this call's refusal: reconnecting already gave up on the credential
        logger.info("token rejected during %s; fetching a fresh token", method)
        yield Reauthenticate(timeout)
        return (yield Call(method, params, timeout))


def call_flow(
    settings: Settings,
    backoff: Backoff,
    method: str,
    params: Mapping[str, Any] | None,
    timeout: float | None,
    *,
    retry_rate_limited: bool,
) -> Flow:
    """Make a call with the client's retry policies; return its raw result.

    - An expired token is handled by :func:`call_with_reauth_flow`.
    - With ``retry_rate_limited`` (only for read-only calls, which are safe to
      repeat, and only when the caller opted in with ``rate_limit_retries``), a
      :class:`RateLimitedError` is retried up to ``settings.rate_limit_retries``
      times, each after the delay the service asked for (``retry_after``), or
      after a backoff delay when it gave none. A delay longer than
      ``max_retry_delay`` is not waited for: the error is raised at once. Each
      attempt has the call's full timeout.
    """
    retries = 0
    while True:
        try:
            return (yield from call_with_reauth_flow(settings, method, params, timeout))
        except RateLimitedError as exc:  # noqa: PERF203 - one pass per retry
            if not retry_rate_limited or retries >= settings.rate_limit_retries:
                raise
            delay = exc.retry_after
            if delay is None:
                delay = backoff.delay(retries + 1)
            elif delay > settings.max_retry_delay:
                raise
            retries += 1
            logger.info(
                "%s was rate limited; retry %d of %d in %.3g s",
                method,
                retries,
                settings.rate_limit_retries,
                delay,
            )
            yield Sleep(delay)


def resubscribe_flow(subscriptions: list[dict[str, Any]], timeout: float) -> Flow:
    """Send every remembered subscription again (subscriptions belong to a connection).

    A subscription the service now refuses (a lower role, a topic it dropped)
    is logged and skipped: it must not keep the client from reconnecting. A
    lost connection or a timeout fails the attempt (the caller retries).
    """
    for params in subscriptions:
        yield from _resubscribe_one(params, timeout)


def _resubscribe_one(params: dict[str, Any], timeout: float) -> Flow:
    try:
        yield Call("subscribe_events", params, timeout)
    except (RpcError, ProtocolError) as exc:
        logger.warning("could not restore the subscription %s: %s", params, exc.message)


def safe_resync_call(method: str, timeout: float) -> Flow:
    """Make a read-only call whose failure must not fail the reconnect (returns None then)."""
    try:
        return (yield Call(method, None, timeout))
    except (CameraServiceError, ProtocolError) as exc:
        if isinstance(exc, ConnectionError):
            raise
        logger.info("resync call %s failed after reconnect: %s", method, exc.message)
        return None
