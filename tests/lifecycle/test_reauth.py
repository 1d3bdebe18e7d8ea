"""Re-authentication after a reconnect and on token expiry (issue 15, points 4, 5 and 6).

4. Transient errors while re-authenticating after a reconnect (-32603,
   -32040 with ``retry_after``, -32050, a timeout) are retried with backoff,
   also with ``max_retries=None``; when the client gives up, nothing is left.
5. A credential refused on reconnect (the service restarted with a new
   secret) ends reconnecting, loudly: the token provider (if any) was asked
   again, waiting calls fail with :class:`AuthenticationError`, the final
   ``sdk.connection_lost`` says ``final`` and why, and ``client.state`` is
   ``"failed"``.
6. A token expiring with 50 calls in flight: one token-provider call, one
   ``authenticate`` frame, every call resumes with its own result.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import pytest
from _client_harness import Recorder
from _lifecycle import HANG, assert_nothing_left, sent_requests, state_name, wait_until

from mediamtx_camera_sdk import AuthenticationError, CameraInfo, CameraServiceError

pytestmark = pytest.mark.anyio

OTHER_SECRET = "a-different-secret-after-the-restart-0123456789"


def is_final(event: Any) -> bool:
    return bool(event.params.get("final"))


class CountingProvider:
    """A token provider that counts its calls (thread-safe) and returns ``issue()``."""

    def __init__(self, issue: Any) -> None:
        self._issue = issue
        self._lock = threading.Lock()
        self.calls = 0

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
        return str(self._issue())


# ----------------------------------------------------------------- 4.

TRANSIENT = [
    pytest.param(-32603, None, id="internal-error"),
    pytest.param(-32040, {"retry_after_ms": 150}, id="rate-limited-retry-after"),
    pytest.param(-32050, None, id="dependency-failed"),
]


@pytest.mark.parametrize("max_retries", [None, 5], ids=["forever", "five"])
@pytest.mark.parametrize(("code", "data"), TRANSIENT)
async def test_transient_reauth_errors_are_retried(
    emulator_factory, make_client, code, data, max_retries
):
    emu = emulator_factory(dialect="current")
    client = make_client(emu, max_retries=max_retries, timeout=2.0)
    reconnected = Recorder()
    client.on("sdk.reconnected", reconnected)
    with anyio.fail_after(HANG):
        await client.connect()
    emu.fail_next("authenticate", code, data=data, count=2)
    started = time.monotonic()
    emu.drop_connections(clean=False)
    await reconnected.wait_for(timeout=HANG)
    took = time.monotonic() - started
    # The first connect, two refused attempts, the one that worked.
    assert len(sent_requests(emu, "authenticate")) == 4
    if data is not None:
        # Two waits of the retry_after the service asked for (0.15 s each).
        assert took >= 0.28, f"reconnected after {took:.3f} s: retry_after not honoured"
    with anyio.fail_after(HANG):
        assert await client.ping() == "pong"
        assert len(await client.get_camera_list()) == 2
        await client.disconnect()


@pytest.mark.parametrize("max_retries", [None, 5], ids=["forever", "five"])
async def test_reauth_timeout_is_retried(emulator_factory, make_client, max_retries):
    emu = emulator_factory(dialect="current")
    client = make_client(emu, max_retries=max_retries, timeout=0.3)
    reconnected = Recorder()
    client.on("sdk.reconnected", reconnected)
    with anyio.fail_after(HANG):
        await client.connect()
    emu.delay("authenticate", 30)
    emu.drop_connections(clean=False)
    # The reconnect's authenticate goes unanswered (it times out); then the
    # service answers again and a later attempt succeeds.
    await wait_until(lambda: len(sent_requests(emu, "authenticate")) >= 2, "a re-authenticate")
    emu.delay("authenticate", 0)
    await reconnected.wait_for(timeout=HANG)
    with anyio.fail_after(HANG):
        assert await client.ping() == "pong"
        await client.disconnect()


async def test_giving_up_leaves_nothing_open(emulator_factory, make_client, client_kind):
    emu = emulator_factory(dialect="current")
    client = make_client(emu, max_retries=1, timeout=1.0)
    lost = Recorder()
    client.on("sdk.connection_lost", lost)
    with anyio.fail_after(HANG):
        await client.connect()
    emu.fail_next("authenticate", -32603, count=50)
    emu.drop_connections(clean=False)
    await lost.wait_for(is_final, timeout=HANG)
    # Given up: no socket (the server sees every connection closed), no task, no thread.
    await assert_nothing_left(client_kind, emu)
    with anyio.fail_after(HANG):
        await client.disconnect()


# ----------------------------------------------------------------- 5.


@pytest.mark.parametrize("with_provider", [False, True], ids=["static-token", "token-provider"])
async def test_refused_credential_on_reconnect_ends_loudly(
    emulator_factory, make_client, client_kind, with_provider
):
    emu = emulator_factory(dialect="current")
    port = emu.port
    token = emu.token("operator")  # signed with the secret of the first service
    provider = CountingProvider(lambda: token)
    if with_provider:
        client = make_client(emu, role=None, auth_type="jwt", token_provider=provider)
    else:
        client = make_client(emu, role=None, auth_type="jwt", auth_token=token)
    final, hook = Recorder(), Recorder()
    client.on("sdk.connection_lost", final)
    client.on_connection_lost = hook
    waiting: dict[str, BaseException | Any] = {}

    async def waiting_call() -> None:
        try:
            waiting["result"] = await client.get_camera_list(timeout=HANG)
        except CameraServiceError as exc:
            waiting["error"] = exc

    with anyio.fail_after(HANG):
        await client.connect()
    asked_before = provider.calls
    # The service restarts with a new secret: the old token is refused for good.
    emu.stop()
    restarted = emulator_factory(dialect="current", port=port, jwt_secret=OTHER_SECRET)
    # The call below is made while the client reconnects: it waits for the outcome.
    await wait_until(lambda: not client.authenticated, "the client notices the restart")
    with anyio.fail_after(HANG):
        async with anyio.create_task_group() as tg:
            tg.start_soon(waiting_call)
            await final.wait_for(is_final, timeout=HANG)
    event = final.matching(is_final)[0]
    assert event.params["final"] is True
    assert event.params.get("reason")
    assert isinstance(waiting.get("error"), AuthenticationError), waiting
    assert state_name(client) == "failed"
    if with_provider:
        # Asked again after the service refused the token it gave.
        assert provider.calls - asked_before >= 2, provider.calls
    attempts = len(restarted.connections())
    assert attempts >= 1
    with anyio.fail_after(HANG), pytest.raises(AuthenticationError):
        await client.get_camera_list(timeout=1.0)
    await assert_nothing_left(client_kind, restarted)
    assert len(restarted.connections()) == attempts, "the client went on reconnecting"
    assert len(hook.snapshot()) <= 1
    with anyio.fail_after(HANG):
        await client.disconnect()


# ----------------------------------------------------------------- 6.


async def test_token_expiry_with_50_calls_in_flight_reauthenticates_once(
    emulator_factory, make_client
):
    emu = emulator_factory(dialect="current")
    provider = CountingProvider(lambda: emu.token("operator"))
    client = make_client(emu, role=None, auth_type="jwt", token_provider=provider, timeout=HANG)
    with anyio.fail_after(HANG):
        await client.connect()
    assert provider.calls == 1
    devices = emu.devices
    arguments = [(devices[n % 2],) for n in range(50)]
    emu.delay("get_camera_status", 0.5)
    outcomes: list[Any] = []

    async def run_calls() -> None:
        outcomes.extend(await client.map_calls("get_camera_status", arguments, callers=50))

    with anyio.fail_after(HANG):
        async with anyio.create_task_group() as tg:
            tg.start_soon(run_calls)
            await wait_until(
                lambda: len(sent_requests(emu, "get_camera_status")) >= 50, "50 calls in flight"
            )
            emu.expire_tokens()  # every one of them is refused when its delay ends
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert not errors, errors[:3]
    for (device,), info in zip(arguments, outcomes, strict=True):
        assert isinstance(info, CameraInfo) and info.device_path == device
    assert provider.calls == 2, f"the token provider was called {provider.calls - 1} times"
    assert len(emu.connections()) == 1
    assert len(sent_requests(emu, "authenticate")) == 2, "more than one re-authenticate"
    with anyio.fail_after(HANG):
        await client.disconnect()
