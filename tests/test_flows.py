"""The shared connection flows, driven by a scripted fake driver (no sockets)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mediamtx_camera_sdk import _flows as F
from mediamtx_camera_sdk.config import Settings
from mediamtx_camera_sdk.errors import (
    AuthenticationError,
    CallTimeoutError,
    ConnectionError,
    InternalServerError,
    MediaMTXError,
    PermissionDeniedError,
    RateLimitedError,
)


def drive(flow: F.Flow, perform: Callable[[F.Op], Any]) -> tuple[Any, list[F.Op]]:
    """Run a flow to the end with the blocking driver, recording every operation it asked for."""
    log: list[F.Op] = []

    def recorded(op: F.Op) -> Any:
        log.append(op)
        return perform(op)

    return F.run(flow, recorded), log


def test_the_driver_throws_an_operations_exception_into_the_flow() -> None:
    seen: list[object] = []

    def flow() -> F.Flow:
        try:
            yield F.Sleep(1.0)
        except ConnectionError as exc:
            seen.append(exc)
        return (yield F.Sleep(2.0))

    def perform(op: F.Op) -> Any:
        assert isinstance(op, F.Sleep)
        if op.seconds == 1.0:
            raise ConnectionError("gone")
        return "second"

    assert F.run(flow(), perform) == "second"
    assert [str(e) for e in seen] == ["gone"]


def test_the_driver_lets_an_interrupt_through_without_throwing_it_into_the_flow() -> None:
    closed: list[bool] = []

    def flow() -> F.Flow:
        try:
            yield F.Sleep(1.0)
        except KeyboardInterrupt:  # pragma: no cover - the driver must not throw it in
            closed.append(False)
            raise
        finally:
            closed.append(True)

    def interrupted(op: F.Op) -> Any:
        raise KeyboardInterrupt

    running = flow()
    with pytest.raises(KeyboardInterrupt):
        F.run(running, interrupted)
    assert closed == []  # still suspended at its yield: the interrupt went past it
    running.close()
    assert closed == [True]


def no_restore() -> F.Flow:
    return "restored"
    yield  # pragma: no cover - makes this a generator


def settings(**kwargs: Any) -> Settings:
    return Settings.resolve(kwargs, environ={})


def fixed_backoff() -> F.Backoff:
    return F.Backoff(1.0, 30.0, rng=lambda lo, hi: hi)


def test_backoff_full_jitter_is_capped_and_grows() -> None:
    b = fixed_backoff()
    assert [b.ceiling(n) for n in (1, 2, 3, 4, 6, 100)] == [1.0, 2.0, 4.0, 8.0, 30.0, 30.0]
    seen: list[tuple[float, float]] = []
    jitter = F.Backoff(0.5, 10.0, rng=lambda lo, hi: seen.append((lo, hi)) or hi / 2)
    assert jitter.delay(3) == 1.0
    assert seen == [(0.0, 2.0)]
    assert F.Backoff(0.0, 10.0).delay(5) == 0.0


def test_first_connect_authenticates_with_the_static_token() -> None:
    s = settings(auth_token="tok")

    def perform(op: F.Op) -> Any:
        if isinstance(op, F.Authenticate):
            assert op.token == "tok"
            assert op.auth_type == "jwt"
            return {"authenticated": True}
        return None

    result, log = drive(
        F.connect_flow(s, fixed_backoff(), reconnecting=False, restore=no_restore), perform
    )
    assert result == "restored"
    assert [type(op) for op in log] == [F.Open, F.Authenticate]


def test_no_credentials_means_no_authenticate() -> None:
    _, log = drive(
        F.connect_flow(settings(), fixed_backoff(), reconnecting=False, restore=no_restore),
        lambda op: None,
    )
    assert [type(op) for op in log] == [F.Open]


def test_token_provider_is_asked_on_every_connect() -> None:
    calls = []
    s = settings(token_provider=lambda: "unused")

    def perform(op: F.Op) -> Any:
        if isinstance(op, F.FetchToken):
            calls.append(op)
            return f"fresh-{len(calls)}"
        if isinstance(op, F.Authenticate):
            assert op.token == f"fresh-{len(calls)}"
        return None

    for _ in range(2):
        drive(F.connect_flow(s, fixed_backoff(), reconnecting=True, restore=no_restore), perform)
    assert len(calls) == 2


def test_empty_token_from_provider_is_an_authentication_error() -> None:
    s = settings(token_provider=lambda: "")
    with pytest.raises(AuthenticationError, match="no token"):
        drive(
            F.connect_flow(s, fixed_backoff(), reconnecting=False, restore=no_restore),
            lambda op: "" if isinstance(op, F.FetchToken) else None,
        )


def test_connect_retries_with_backoff_then_gives_up() -> None:
    s = settings(max_retries=2)

    def perform(op: F.Op) -> Any:
        if isinstance(op, F.Open):
            raise ConnectionError("refused")
        return None

    with pytest.raises(ConnectionError, match="refused"):
        drive(F.connect_flow(s, fixed_backoff(), reconnecting=False, restore=no_restore), perform)
    # Every attempt ran and the sleeps grew; capture with a second run.
    log: list[F.Op] = []

    def recording(op: F.Op) -> Any:
        log.append(op)
        return perform(op)

    with pytest.raises(ConnectionError):
        drive(F.connect_flow(s, fixed_backoff(), reconnecting=False, restore=no_restore), recording)
    assert [op.attempt for op in log if isinstance(op, F.Open)] == [1, 2, 3]
    assert [op.seconds for op in log if isinstance(op, F.Sleep)] == [1.0, 2.0]


def test_connect_succeeds_after_failures() -> None:
    opens = []

    def perform(op: F.Op) -> Any:
        if isinstance(op, F.Open):
            opens.append(op)
            if len(opens) < 3:
                raise ConnectionError("down")
        return None

    result, _ = drive(
        F.connect_flow(
            settings(max_retries=None), fixed_backoff(), reconnecting=True, restore=no_restore
        ),
        perform,
    )
    assert result == "restored"
    assert len(opens) == 3


def test_auth_failure_on_first_connect_is_final() -> None:
    log = []

    def perform(op: F.Op) -> Any:
        log.append(type(op))
        if isinstance(op, F.Authenticate):
            raise AuthenticationError("bad token", code=-32001)
        return None

    with pytest.raises(AuthenticationError):
        drive(
            F.connect_flow(
                settings(auth_token="t"), fixed_backoff(), reconnecting=False, restore=no_restore
            ),
            perform,
        )
    assert log == [F.Open, F.Authenticate, F.Close]


def test_refused_credential_on_reconnect_without_provider_is_final() -> None:
    """A static credential refused after a reconnect will be refused again: stop at once."""
    log: list[F.Op] = []

    def perform(op: F.Op) -> Any:
        log.append(op)
        if isinstance(op, F.Authenticate):
            raise AuthenticationError("revoked", code=-32001)
        return None

    with pytest.raises(AuthenticationError, match="revoked"):
        drive(
            F.connect_flow(
                settings(auth_token="t", max_retries=None),
                fixed_backoff(),
                reconnecting=True,
                restore=no_restore,
            ),
            perform,
        )
    assert [type(op) for op in log] == [F.Open, F.Authenticate, F.Close]


def test_refused_credential_on_reconnect_asks_the_provider_once_more_then_stops() -> None:
    log: list[F.Op] = []

    def perform(op: F.Op) -> Any:
        log.append(op)
        if isinstance(op, F.Authenticate):
            raise AuthenticationError("revoked", code=-32001)
        return "fresh" if isinstance(op, F.FetchToken) else None

    with pytest.raises(AuthenticationError, match="revoked"):
        drive(
            F.connect_flow(
                settings(token_provider=lambda: "x", max_retries=None),
                fixed_backoff(),
                reconnecting=True,
                restore=no_restore,
            ),
            perform,
        )
    assert sum(isinstance(op, F.FetchToken) for op in log) == 2
    assert sum(isinstance(op, F.Close) for op in log) == 2
    assert [op.seconds for op in log if isinstance(op, F.Sleep)] == [1.0]


@pytest.mark.parametrize(
    "error",
    [
        InternalServerError("busy", code=-32603),
        MediaMTXError("media server down", code=-32050),
        RateLimitedError("slow down", code=-32040, data={"retry_after_ms": 250}),
        CallTimeoutError("authenticate got no reply within 1 s"),
    ],
)
def test_transient_errors_while_reauthenticating_are_retried_with_backoff(error) -> None:
    attempts = []

    def perform(op: F.Op) -> Any:
        if isinstance(op, F.Authenticate):
            attempts.append(op)
            if len(attempts) < 4:
                raise error
            return {"authenticated": True}
        return "restored" if isinstance(op, F.Call) else None

    def restore() -> F.Flow:
        return (yield F.Call("get_camera_list"))

    result, log = drive(
        F.connect_flow(
            settings(auth_token="t", max_retries=None),
            fixed_backoff(),
            reconnecting=True,
            restore=restore,
        ),
        perform,
    )
    assert result == "restored"
    assert sum(isinstance(op, F.Close) for op in log) == 3
    sleeps = [op.seconds for op in log if isinstance(op, F.Sleep)]
    expected = [0.25] * 3 if isinstance(error, RateLimitedError) else [1.0, 2.0, 4.0]
    assert sleeps == expected


def test_giving_up_says_how_many_attempts_failed() -> None:
    def perform(op: F.Op) -> Any:
        if isinstance(op, F.Open):
            raise ConnectionError("refused")
        return None

    with pytest.raises(ConnectionError, match=r"refused \(gave up after 3 attempts\)"):
        drive(
            F.connect_flow(
                settings(auth_token="t", max_retries=2),
                fixed_backoff(),
                reconnecting=False,
                restore=no_restore,
            ),
            perform,
        )


def test_call_retried_once_after_token_expiry_with_provider() -> None:
    tokens = iter(["t2"])
    log: list[F.Op] = []
    calls = []

    def perform(op: F.Op) -> Any:
        log.append(op)
        if isinstance(op, F.Call):
            calls.append(op)
            if len(calls) == 1:
                raise AuthenticationError("expired", code=-32001)
            return ["ok"]
        if isinstance(op, F.FetchToken):
            return next(tokens)
        if isinstance(op, F.Reauthenticate):  # the driver runs the authenticate flow
            drive(F.authenticate_flow(s, timeout=op.timeout), perform)
        return None

    s = settings(token_provider=lambda: "x")
    result, _ = drive(F.call_with_reauth_flow(s, "get_camera_list", None, 5.0), perform)
    assert result == ["ok"]
    assert [type(op) for op in log] == [
        F.Call,
        F.Reauthenticate,
        F.FetchToken,
        F.Authenticate,
        F.Call,
    ]


def test_call_not_retried_without_provider_or_twice() -> None:
    def always_expired(op: F.Op) -> Any:
        if isinstance(op, F.Call):
            raise AuthenticationError("expired", code=-32001)
        return "t" if isinstance(op, F.FetchToken) else None

    with pytest.raises(AuthenticationError):
        drive(F.call_with_reauth_flow(settings(auth_token="t"), "ping", None, 1.0), always_expired)
    _, log = None, []
    with pytest.raises(AuthenticationError):
        drive(
            F.call_with_reauth_flow(settings(token_provider=lambda: "t"), "ping", None, 1.0),
            lambda op: (log.append(op), always_expired(op))[1],
        )
    assert sum(isinstance(op, F.Call) for op in log) == 2


def test_other_errors_are_not_retried() -> None:
    def perform(op: F.Op) -> Any:
        raise PermissionDeniedError("role", code=-32002)

    with pytest.raises(PermissionDeniedError):
        drive(
            F.call_with_reauth_flow(settings(token_provider=lambda: "t"), "x", None, 1.0), perform
        )


def test_resubscribe_flow_sends_each_subscription() -> None:
    subs = [
        {"topics": ["camera.connected"]},
        {"topics": ["recording.start"], "filters": {"device": "camera0"}},
    ]
    _, log = drive(F.resubscribe_flow(subs, 3.0), lambda op: {"subscribed": True})
    assert [(op.method, op.params, op.timeout) for op in log if isinstance(op, F.Call)] == [
        ("subscribe_events", subs[0], 3.0),
        ("subscribe_events", subs[1], 3.0),
    ]


def test_safe_resync_call_swallows_server_errors_but_not_connection_loss() -> None:
    def server_error(op: F.Op) -> Any:
        raise InternalServerError("boom", code=-32603)

    result, _ = drive(F.safe_resync_call("get_camera_list", 1.0), server_error)
    assert result is None

    def lost(op: F.Op) -> Any:
        raise ConnectionError("gone")

    with pytest.raises(ConnectionError):
        drive(F.safe_resync_call("get_camera_list", 1.0), lost)


def test_authenticate_op_repr_hides_the_token() -> None:
    assert "SECRET" not in repr(F.Authenticate("SECRET", "jwt", 1.0))


def test_timeout_while_authenticating_closes_and_retries() -> None:
    log: list[F.Op] = []
    auths = []

    def perform(op: F.Op) -> Any:
        log.append(op)
        if isinstance(op, F.Authenticate):
            auths.append(op)
            if len(auths) == 1:
                raise CallTimeoutError("authenticate timed out")
        return None

    result, _ = drive(
        F.connect_flow(
            settings(auth_token="t"), fixed_backoff(), reconnecting=True, restore=no_restore
        ),
        perform,
    )
    assert result == "restored"
    assert [type(op) for op in log] == [
        F.Open,
        F.Authenticate,
        F.Close,
        F.Sleep,
        F.Open,
        F.Authenticate,
    ]


def test_connection_lost_while_restoring_is_a_failed_attempt() -> None:
    restores = []

    def restore() -> F.Flow:
        restores.append(1)
        yield F.Call("subscribe_events", {"topics": ["camera.connected"]}, 1.0)
        return "restored"

    def perform(op: F.Op) -> Any:
        if isinstance(op, F.Call) and len(restores) == 1:
            raise ConnectionError("lost while restoring")
        return None

    result, log = drive(
        F.connect_flow(settings(), fixed_backoff(), reconnecting=True, restore=restore), perform
    )
    assert result == "restored"
    assert len(restores) == 2
    assert sum(isinstance(op, F.Close) for op in log) == 1


def test_a_refused_subscription_does_not_fail_the_reconnect() -> None:
    subs = [{"topics": ["a.b"]}, {"topics": ["c.d"]}]
    sent = []

    def perform(op: F.Op) -> Any:
        sent.append(op)
        if len(sent) == 1:
            raise PermissionDeniedError("no", code=-32002)
        return {"subscribed": True}

    drive(F.resubscribe_flow(subs, 1.0), perform)
    assert len(sent) == 2
