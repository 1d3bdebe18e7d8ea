"""The proof of issue 15: a stateful test of the whole lifecycle, one machine per client.

A hypothesis ``RuleBasedStateMachine`` drives one client (``CameraClient`` on
asyncio, ``CameraClient`` on trio, ``SyncCameraClient``) against the emulator
through a :class:`FaultProxy`, with random sequences of: connect, disconnect,
calls with random timeouts, a call cancelled in flight, a handler that calls
``connect()`` or ``disconnect()``, the connection dropped (RST, FIN, the server
closing it), the network stalling (a blackhole: nothing read or forwarded),
the server stalling a method, the server restarting, the token expiring, the
credential revoked and restored, and healing.

Invariants:

* no hang: every operation runs under a hard bound enforced from outside the
  client's event loop (a portal future or a thread join with a timeout), and
  returns or raises a :class:`CameraServiceError`;
* no call gets another call's result: each call's result names what was asked
  (``ping`` answers ``"pong"``, ``get_camera_status(d)`` answers camera ``d``);
* ``connected`` agrees with calls: after healing, a connected client's ping
  succeeds; a call made after ``disconnect()`` never succeeds;
* after ``disconnect()`` no SDK thread (``mediamtx-sdk-*``), no SDK task and no
  socket of the client is left.

Async clients run each step through ``anyio.from_thread.start_blocking_portal``
(one portal per example, on the machine's backend). The normal suite runs a few
short examples; ``MEDIAMTX_SOAK=1`` (for ``nox -s soak``) runs many long ones.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.from_thread
from _lifecycle import open_sockets_to, sdk_tasks, sdk_threads
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mediamtx_camera_sdk import CameraClient, CameraList, CameraServiceError, SyncCameraClient
from mediamtx_camera_sdk.testing import CameraServiceEmulator, FaultProxy

SOAK = os.environ.get("MEDIAMTX_SOAK", "") not in ("", "0")
MACHINE_SETTINGS = settings(
    max_examples=200 if SOAK else 5,
    stateful_step_count=50 if SOAK else 10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not SOAK,
)
SECRET = "state-machine-secret-0123456789abcdefghij"
TRIGGER = "lifecycle.machine"

#: Client settings: quick timeouts, a heartbeat, a few reconnect attempts.
CLIENT_SETTINGS: dict[str, Any] = {
    "timeout": 1.0,
    "open_timeout": 0.5,
    "retry_delay": 0.01,
    "max_retry_delay": 0.05,
    "max_retries": 2,
    "heartbeat_interval": 0.3,
    "heartbeat_timeout": 0.5,
}
#: Hard bounds (seconds). A connect may try 3 times: 3 x (open + authenticate + resubscribe).
CONNECT_BOUND = 15.0
CALL_BOUND = 10.0
DISCONNECT_BOUND = 10.0
SETTLE_BOUND = 10.0


class Hang(AssertionError):
    """An operation did not end within its hard bound."""


class LifecycleMachine(RuleBasedStateMachine):
    """The shared machine; subclasses choose the client kind (``KIND``)."""

    KIND = "asyncio"  # "asyncio", "trio" or "sync"

    def __init__(self) -> None:
        super().__init__()
        self.emu = CameraServiceEmulator(
            dialect="current", behaviour="documented", jwt_secret=SECRET, idle_timeout=None
        )
        self.emu.start()
        self.proxy = FaultProxy(self.emu.host, self.emu.port)
        self.proxy.start()
        self.devices = self.emu.devices
        self.revoked = False
        self.faults: set[str] = set()
        self.open = False  # the model: connect() succeeded and no disconnect() since
        self.log: list[str] = []
        self._portal_cm: Any = None
        self.portal: Any = None
        if self.KIND != "sync":
            self._portal_cm = anyio.from_thread.start_blocking_portal(self.KIND)
            self.portal = self._portal_cm.__enter__()
        cls = SyncCameraClient if self.KIND == "sync" else CameraClient
        self.client = cls(url=self.proxy.url, token_provider=self._token, **CLIENT_SETTINGS)

    # ------------------------------------------------------------ plumbing

    def _token(self) -> str:
        if self.revoked:
            return "revoked-credential"
        return self.emu.token("operator")

    @property
    def is_async(self) -> bool:
        return self.KIND != "sync"

    def run(self, what: str, func: Callable[..., Any], bound: float, *args: Any) -> Any:
        """Run ``func(*args)`` (a coroutine function for async clients) within ``bound`` s.

        Returns ``("ok", value)`` or ``("error", exc)`` for an SDK error; any
        other exception fails the test, and so does a hang.
        """
        self.log.append(what)
        started = time.monotonic()
        if self.is_async:
            future = self.portal.start_task_soon(func, *args)
            # Wait first, then read the outcome: on Python 3.11+ the future's own
            # timeout error is the builtin TimeoutError, which the step itself may
            # raise (a bug to report as such, not as a hang).
            concurrent.futures.wait([future], timeout=bound)
            if not future.done():
                future.cancel()
                raise Hang(f"{what} hung (> {bound} s); steps: {self.log}")
            try:
                value = future.result()
            except CameraServiceError as exc:
                return "error", exc
            except BaseException as exc:
                raise AssertionError(
                    f"{what} raised a non-SDK exception after "
                    f"{time.monotonic() - started:.2f} s; steps: {self.log}"
                ) from exc
            return "ok", value
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["value"] = func(*args)
            except CameraServiceError as exc:
                box["error"] = exc
            except BaseException as exc:
                box["crash"] = exc

        thread = threading.Thread(target=target, name="machine-step", daemon=True)
        thread.start()
        thread.join(bound)
        if thread.is_alive():
            raise Hang(f"{what} hung (> {bound} s); steps: {self.log}")
        if "crash" in box:
            raise AssertionError(
                f"{what} raised a non-SDK exception after {time.monotonic() - started:.2f} s"
            ) from box["crash"]
        if "error" in box:
            return "error", box["error"]
        return "ok", box.get("value")

    def in_loop(self, func: Callable[[], Any]) -> Any:
        """Call a plain function inside the client's event loop (for task counting)."""
        if not self.is_async:
            return func()

        async def call() -> Any:
            return func()

        return self.portal.call(call)

    def wait(self, predicate: Callable[[], bool], bound: float) -> bool:
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return bool(predicate())

    # ------------------------------------------------------------ lifecycle

    @initialize()
    def start(self) -> None:
        self.do_connect()

    @rule()
    def do_connect(self) -> None:
        outcome, _ = self.run("connect", self.client.connect, CONNECT_BOUND)
        if outcome == "ok":
            # (connected may already be False again: a drop the client has just noticed.)
            self.open = True

    @rule()
    def do_disconnect(self) -> None:
        outcome, value = self.run("disconnect", self.client.disconnect, DISCONNECT_BOUND)
        assert outcome == "ok", f"disconnect() raised {value!r}"
        self.open = False
        self.check_nothing_left()

    def check_nothing_left(self) -> None:
        assert not self.client.connected
        assert self.wait(lambda: not sdk_threads(), 5.0), f"threads left: {sdk_threads()}"
        if self.is_async:
            assert self.wait(lambda: not self.in_loop(sdk_tasks), 5.0), (
                f"tasks left after disconnect(): {self.in_loop(sdk_tasks)}"
            )
        port = self.proxy.port
        assert self.wait(lambda: open_sockets_to(port) == 0, 5.0), (
            f"{open_sockets_to(port)} socket(s) of the client still open after disconnect()"
        )

    # ------------------------------------------------------------ calls

    @rule(
        which=st.sampled_from(["ping", "status0", "status1", "list"]), timeout=st.floats(0.05, 1.0)
    )
    def call(self, which: str, timeout: float) -> None:
        client = self.client
        if which == "ping":
            func: Callable[..., Any] = lambda: client.ping(timeout=timeout)  # noqa: E731
        elif which == "list":
            func = lambda: client.get_camera_list(timeout=timeout)  # noqa: E731
        else:
            device = self.devices[int(which[-1])]
            func = lambda: client.get_camera_status(device, timeout=timeout)  # noqa: E731
        outcome, value = self.run(f"call {which} timeout={timeout:.2f}", func, CALL_BOUND)
        if outcome == "error":
            return
        assert self.open, f"{which} succeeded on a client that was disconnected"
        self.check_result(which, value)

    def check_result(self, which: str, value: Any) -> None:
        if which == "ping":
            assert value == "pong", f"ping got {value!r}"
        elif which == "list":
            assert isinstance(value, CameraList), f"get_camera_list got {value!r}"
        else:
            device = self.devices[int(which[-1])]
            assert getattr(value, "device_path", None) == device, (
                f"get_camera_status({device!r}) got {value!r}"
            )

    @rule(delay=st.floats(0.0, 0.2))
    def cancel_a_call(self, delay: float) -> None:
        if not self.is_async:
            # A blocking call cannot be cancelled; the nearest thing: it gives up at once.
            self.run(
                "call with a tiny timeout", lambda: self.client.ping(timeout=0.001), CALL_BOUND
            )
            return
        client = self.client

        async def cancelled_call() -> None:
            with anyio.move_on_after(delay):
                await client.get_camera_status(self.devices[0], timeout=5.0)

        self.run(f"cancel a call after {delay:.2f} s", cancelled_call, CALL_BOUND)

    # ------------------------------------------------------------ handlers

    @precondition(lambda self: self.open and not self.faults)
    @rule(action=st.sampled_from(["connect", "disconnect"]))
    def handler_reenters(self, action: str) -> None:
        if not self.client.connected:
            return
        done = threading.Event()
        method = getattr(self.client, action)
        if self.is_async:

            async def handler(event: Any) -> None:
                try:
                    await method()
                except CameraServiceError:
                    pass
                finally:
                    done.set()
        else:

            def handler(event: Any) -> None:
                try:
                    method()
                except CameraServiceError:
                    pass
                finally:
                    done.set()

        # The async client's handlers are registered from inside its event loop.
        self.in_loop(lambda: self.client.on(TRIGGER, handler))
        try:
            self.log.append(f"handler calls {action}")
            reconnects = self.client.reconnect_count
            self.emu.notify(TRIGGER, {"action": action})
            bound = CONNECT_BOUND if action == "connect" else DISCONNECT_BOUND
            if not done.wait(bound):
                if not self.client.connected or self.client.reconnect_count != reconnects:
                    # The notification was lost with the connection: sent just
                    # after a drop the client had not noticed yet, on no connection.
                    return
                raise Hang(f"a handler calling {action}() did not finish; steps: {self.log}")
        finally:
            self.in_loop(lambda: self.client.off(TRIGGER, handler))
        if action == "disconnect":
            self.open = False
            self.check_nothing_left()

    # ------------------------------------------------------------ faults

    @rule(how=st.sampled_from(["rst", "fin", "server"]))
    def drop(self, how: str) -> None:
        self.log.append(f"drop {how}")
        if how == "rst":
            self.proxy.reset_connections()
        elif how == "fin":
            self.proxy.close_connections()
        else:
            self.emu.drop_connections(clean=True)

    @rule()
    def network_stalls(self) -> None:
        self.log.append("blackhole")
        self.proxy.blackhole()
        self.faults.add("blackhole")

    @rule(seconds=st.floats(0.2, 3.0))
    def server_stalls_a_method(self, seconds: float) -> None:
        self.log.append(f"server stalls get_camera_status {seconds:.1f} s")
        self.emu.delay("get_camera_status", seconds)
        self.faults.add("delay")

    @rule()
    def server_restarts(self) -> None:
        self.log.append("restart")
        self.emu.restart()

    @rule()
    def token_expires(self) -> None:
        self.log.append("expire tokens")
        self.emu.expire_tokens()

    @rule()
    def credential_revoked(self) -> None:
        self.log.append("revoke")
        self.revoked = True
        self.faults.add("revoked")
        self.emu.expire_tokens()

    @rule()
    def heal(self) -> None:
        """End every fault; a client that is meant to be open must then work again."""
        self.log.append("heal")
        self.proxy.resume()
        self.emu.delay("get_camera_status", 0)
        self.revoked = False
        self.faults.clear()
        if not self.open:
            return
        # The client reconnects by itself, or gave up (then connect() starts over).
        if not self.wait(lambda: self.client.connected, SETTLE_BOUND):
            outcome, value = self.run("connect after healing", self.client.connect, CONNECT_BOUND)
            assert outcome == "ok", f"connect() after healing failed: {value!r}"
        outcome, value = self.run("ping after healing", lambda: self.client.ping(timeout=3.0), 10)
        if outcome == "error":
            # A stale connection may fail once (the heartbeat notices it); then it must work.
            outcome, value = self.run(
                "ping after healing, again", lambda: self.client.ping(timeout=3.0), 10
            )
        assert outcome == "ok", f"connected={self.client.connected} but ping failed: {value!r}"
        assert value == "pong"

    # ------------------------------------------------------------ invariants

    @invariant()
    def disconnected_stays_disconnected(self) -> None:
        # After disconnect() (or before a first connect) nothing reconnects by itself.
        if not self.open:
            assert not self.client.connected, f"connected after disconnect(); steps: {self.log}"

    def teardown(self) -> None:
        try:
            self.proxy.resume()
            outcome, value = self.run("final disconnect", self.client.disconnect, DISCONNECT_BOUND)
            assert outcome == "ok", value
            self.check_nothing_left()
        finally:
            if self._portal_cm is not None:
                self._portal_cm.__exit__(None, None, None)
            self.proxy.stop()
            self.emu.stop()


class AsyncioMachine(LifecycleMachine):
    KIND = "asyncio"


class TrioMachine(LifecycleMachine):
    KIND = "trio"


class SyncMachine(LifecycleMachine):
    KIND = "sync"


TestAsyncioLifecycle = AsyncioMachine.TestCase
TestAsyncioLifecycle.settings = MACHINE_SETTINGS
TestTrioLifecycle = TrioMachine.TestCase
TestTrioLifecycle.settings = MACHINE_SETTINGS
TestSyncLifecycle = SyncMachine.TestCase
TestSyncLifecycle.settings = MACHINE_SETTINGS
