"""Connecting is bounded (issue 15, points 1, 10 and 13), on every client, plain and TLS.

1. ``connect()`` against a service that never answers ``authenticate`` raises
   :class:`CallTimeoutError` within the timeout; so do the re-subscriptions a
   ``connect()`` makes and a call made while connecting.
10. A second ``connect()`` while the first is connecting waits for the same
    outcome: both return once the client is ready, or both raise.
13. Against a silent server (TCP accepted, no handshake answer) the error says
    what happened: its attempt count and its seconds are the true ones.

Every bound asserted here is generous (``HANG``); what is checked is that the
operation ended by itself, with the right error, long before it.
"""

from __future__ import annotations

import re
import ssl

import anyio
import pytest
import trustme
from _lifecycle import HANG, Stopwatch, sent_requests, wait_until

from mediamtx_camera_sdk import (
    AuthenticationError,
    CallTimeoutError,
    CameraServiceError,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(params=["plain", "tls"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def served(emulator_factory, dialect, transport, ca):
    """(emulator, client settings reaching it) over ws:// or wss:// (a trusted test CA)."""
    if transport == "plain":
        return emulator_factory(dialect=dialect), {}
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    emu = emulator_factory(dialect=dialect, ssl_context=server_context)
    client_context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(client_context)
    return emu, {"use_ssl": True, "ssl_context": client_context}


# ----------------------------------------------------------------- 1.


async def test_unanswered_authenticate_times_out(served, make_client):
    emu, tls = served
    emu.delay("authenticate", 60)  # the reply never comes within the test
    client = make_client(emu, timeout=0.5, max_retries=0, **tls)
    with Stopwatch() as watch, anyio.fail_after(HANG), pytest.raises(CallTimeoutError):
        await client.connect()
    assert watch.elapsed < 0.5 + 3.0
    assert not client.connected
    await wait_until(
        lambda: not any(r.open for r in emu.connections()), "the half-open connection is closed"
    )


async def test_unanswered_authenticate_with_retries_still_ends(served, make_client):
    # Retrying a timed-out authenticate is allowed, but the whole connect ends.
    emu, tls = served
    emu.delay("authenticate", 60)
    client = make_client(emu, timeout=0.3, max_retries=2, **tls)
    with anyio.fail_after(HANG), pytest.raises(CallTimeoutError):
        await client.connect()
    assert not client.connected


async def test_unanswered_resubscription_on_connect_times_out(emulator_factory, make_client):
    emu = emulator_factory(dialect="current")
    client = make_client(emu, timeout=0.5, max_retries=0)
    with anyio.fail_after(HANG):
        await client.connect()
        await client.subscribe_events(["camera.connected"])
        await client.disconnect()
    emu.delay("subscribe_events", 60)
    # connect() subscribes again to what the client was subscribed to.
    with anyio.fail_after(HANG), pytest.raises(CallTimeoutError):
        await client.connect()
    assert not client.connected


async def test_a_call_made_while_connecting_times_out(served, make_client, client_kind):
    emu, tls = served
    emu.delay("authenticate", 60)
    client = make_client(emu, timeout=2.0, max_retries=0, **tls)
    outcome: dict[str, BaseException] = {}

    async def connect() -> None:
        try:
            await client.connect()
        except CameraServiceError as exc:
            outcome["connect"] = exc

    with anyio.fail_after(HANG):
        async with anyio.create_task_group() as tg:
            tg.start_soon(connect)
            await wait_until(lambda: sent_requests(emu, "authenticate"), "authenticate sent")
            with Stopwatch() as watch, pytest.raises(CallTimeoutError):
                await client.get_camera_list(timeout=0.3)
            assert watch.elapsed < 0.3 + 1.5
    assert isinstance(outcome.get("connect"), CallTimeoutError)


# ----------------------------------------------------------------- 10.


async def test_second_connect_waits_for_the_first_to_succeed(served, make_client):
    emu, tls = served
    emu.delay("authenticate", 0.5)
    client = make_client(emu, **tls)
    ready_at_return: list[bool] = []

    async def connect() -> None:
        await client.connect()
        ready_at_return.append(client.authenticated)

    with anyio.fail_after(HANG):
        async with anyio.create_task_group() as tg:
            tg.start_soon(connect)
            await wait_until(lambda: sent_requests(emu, "authenticate"), "authenticate sent")
            tg.start_soon(connect)
    assert ready_at_return == [True, True]
    with anyio.fail_after(HANG):
        assert await client.ping() == "pong"
        await client.disconnect()
    # One connection, one authenticate: the second connect() did not start its own.
    assert len(emu.connections()) == 1
    assert len(sent_requests(emu, "authenticate")) == 1


async def test_second_connect_gets_the_failure_of_the_first(served, make_client):
    emu, tls = served
    emu.delay("authenticate", 0.5)
    client = make_client(emu, role=None, auth_type="jwt", auth_token="not-a-valid-token", **tls)
    errors: list[BaseException] = []

    async def connect() -> None:
        try:
            await client.connect()
        except CameraServiceError as exc:
            errors.append(exc)

    with anyio.fail_after(HANG):
        async with anyio.create_task_group() as tg:
            tg.start_soon(connect)
            await wait_until(lambda: sent_requests(emu, "authenticate"), "authenticate sent")
            tg.start_soon(connect)
    assert len(errors) == 2
    assert all(isinstance(exc, AuthenticationError) for exc in errors), errors
    assert not client.connected
    assert len(sent_requests(emu, "authenticate")) == 1


# ----------------------------------------------------------------- 13.

_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)\b")
_ATTEMPTS = re.compile(r"(\d+)\s+(?:connection\s+)?attempts?\b|attempts?\s*[:=]?\s*(\d+)")


def _claims(message: str) -> tuple[list[float], list[int]]:
    seconds = [float(m) for m in _SECONDS.findall(message)]
    attempts = [int(a or b) for a, b in _ATTEMPTS.findall(message)]
    return seconds, attempts


@pytest.mark.parametrize("scheme", ["ws", "wss"])
async def test_silent_server_error_tells_the_truth(silent_server, make_client, scheme):
    client = make_client(
        url=silent_server.url(scheme),
        role=None,
        open_timeout=0.3,
        timeout=0.5,
        max_retries=2,
        retry_delay=0.01,
        max_retry_delay=0.02,
    )
    with Stopwatch() as watch, anyio.fail_after(HANG), pytest.raises(CameraServiceError) as caught:
        await client.connect()
    elapsed = watch.elapsed
    attempts = silent_server.accepted
    message = str(caught.value)
    seconds, stated_attempts = _claims(message)
    assert seconds, f"the error gives no duration: {message!r}"
    # The duration the error states is the time connect() took (not one attempt's).
    stated = max(seconds)
    assert 0.8 * elapsed - 0.05 <= stated <= elapsed + 0.5, (
        f"connect() took {elapsed:.2f} s over {attempts} attempt(s); the error says {message!r}"
    )
    # An attempt count, when the error states one, is the real count.
    for count in stated_attempts:
        assert count == attempts, (
            f"{attempts} connection attempt(s) were made; the error says {message!r}"
        )
    if attempts > 1:
        assert stated_attempts or stated >= 0.8 * elapsed, message
    assert not client.connected
