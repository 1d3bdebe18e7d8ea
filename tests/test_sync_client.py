"""SyncCameraClient against the emulator, in both dialects.

The seed's usage written the blocking way, every call, the auth modes and
their failures, roles, notifications (hooks, ``on()`` handlers, the iterator),
many threads on one client, timeouts, reconnection with re-authentication,
re-subscription and resync, drops during calls, token expiry, the heartbeat,
TLS, downloads, threads left behind, and use from inside a running event loop.

Nothing here sleeps to wait for something: tests wait on events with a
timeout. A ``ping`` after an emulator notification is a barrier: the emulator
sends frames in order, and the client dispatches a notification before it
wakes the caller of a later reply.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import signal
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mediamtx_camera_sdk import (
    AuthenticationError,
    CallTimeoutError,
    CameraInfo,
    ClientClosedError,
    ConnectionError,
    InternalServerError,
    InvalidParamsError,
    MethodNotFoundError,
    NotFoundError,
    Notification,
    PermissionDeniedError,
    RecordingInfo,
    SyncCameraClient,
    UnsupportedError,
)
from mediamtx_camera_sdk._sync._transport import SyncTransport
from mediamtx_camera_sdk.config import ENV_VARS
from mediamtx_camera_sdk.methods import METHODS
from mediamtx_camera_sdk.testing import CameraServiceEmulator

SECRET = "sync-client-tests-secret-0123456789abcdef"
WAIT = 10.0  # seconds: an upper bound for things that happen in milliseconds


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_sdk_thread_left() -> Iterator[None]:
    """Every test must close its clients: no SDK thread may outlive a test."""
    yield
    left = [t.name for t in threading.enumerate() if t.name.startswith("mediamtx-sdk-")]
    assert left == []


@pytest.fixture(params=["current", "legacy"])
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def emu(dialect: str) -> Iterator[CameraServiceEmulator]:
    # The documented service: these scenarios rely on pushed notifications.
    with CameraServiceEmulator(
        dialect=dialect, jwt_secret=SECRET, behaviour="documented"
    ) as emulator:
        yield emulator


def make_client(
    emu: CameraServiceEmulator, role: str = "operator", **kwargs: Any
) -> SyncCameraClient:
    kwargs.setdefault("timeout", 5.0)
    if "token_provider" not in kwargs and "api_key" not in kwargs:
        kwargs.setdefault("auth_token", emu.token(role))
    return SyncCameraClient(url=emu.url, **kwargs)


def sdk_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("mediamtx-sdk-")}


# ------------------------------------------------------------------ the seed, blocking


def test_seed_quick_start(emu: CameraServiceEmulator) -> None:
    """The seed's "Basic Usage", blocking: host/port/auth_type/auth_token, then disconnect."""
    client = SyncCameraClient(
        host=emu.host, port=emu.port, auth_type="jwt", auth_token=emu.token("operator")
    )
    try:
        client.connect()
        cameras = client.get_camera_list()
        assert len(cameras) == 2
        snapshot_info = client.take_snapshot(cameras[0].device_path)
        assert snapshot_info.filename
        assert snapshot_info.device_path == cameras[0].device_path
    finally:
        client.disconnect()
    assert not client.connected


def test_seed_api_key(emu: CameraServiceEmulator) -> None:
    client = SyncCameraClient(
        host=emu.host, port=emu.port, auth_type="api_key", api_key=emu.api_key("operator")
    )
    client.connect()
    try:
        assert client.authenticated
        assert client.role == "operator"
        assert client.ping() == "pong"
    finally:
        client.disconnect()


def test_seed_notification_hooks(emu: CameraServiceEmulator) -> None:
    cameras: queue.Queue[Any] = queue.Queue()
    recordings: queue.Queue[Any] = queue.Queue()
    client = make_client(emu)
    client.on_camera_status_update = cameras.put
    client.on_recording_status_update = recordings.put
    with client:
        first, second = (c.device_path for c in client.get_camera_list())
        emu.change_camera(second, status="ERROR")
        info = cameras.get(timeout=WAIT)
        assert isinstance(info, CameraInfo)
        assert (info.device_path, info.status) == (second, "ERROR")
        client.start_recording(first)
        recording = recordings.get(timeout=WAIT)
        assert isinstance(recording, RecordingInfo)
        assert recording.device_path == first
        client.stop_recording(first)


def test_seed_error_handling(emu: CameraServiceEmulator) -> None:
    client = SyncCameraClient(host=emu.host, port=emu.port, auth_type="jwt", auth_token="invalid")
    with pytest.raises(AuthenticationError):
        client.connect()
    assert not client.connected


def test_properties_and_repr(emu: CameraServiceEmulator, dialect: str) -> None:
    token = emu.token("viewer")
    client = SyncCameraClient(url=emu.url, auth_token=token)
    assert (client.connected, client.authenticated, client.role) == (False, False, None)
    with client:
        assert client.connected and client.authenticated
        assert client.role == "viewer"
        assert client.dialect == dialect
        assert token not in repr(client)
        assert client.url == emu.url
    assert not client.connected


def test_from_env(monkeypatch: pytest.MonkeyPatch, emu: CameraServiceEmulator) -> None:
    monkeypatch.setenv("MEDIAMTX_URL", emu.url)
    monkeypatch.setenv("MEDIAMTX_AUTH_TOKEN", emu.token("admin"))
    with SyncCameraClient.from_env(timeout=3.0) as client:
        assert client.role == "admin"
        assert client.settings.timeout == 3.0


# ------------------------------------------------------------------ every call


def _every_call(client: SyncCameraClient, device: str, dialect: str) -> dict[str, Any]:
    """Call every typed method once; returns what each call gave (result or exception)."""
    out: dict[str, Any] = {}

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            out[name] = call()
        except Exception as exc:
            out[name] = exc

    c = client
    run("ping", c.ping)
    run("get_camera_list", c.get_camera_list)
    run("get_camera_status", lambda: c.get_camera_status(device))
    run("get_camera_capabilities", lambda: c.get_camera_capabilities(device))
    run("take_snapshot", lambda: c.take_snapshot(device))
    run("start_recording", lambda: c.start_recording(device))
    run("stop_recording", lambda: c.stop_recording(device))
    run("list_recordings", c.list_recordings)
    run("list_snapshots", lambda: c.list_snapshots(limit=10, offset=0))
    recording = snapshot = "missing.bin"
    if dialect == "current":
        recording = out["list_recordings"].files[0].filename
        snapshot = out["list_snapshots"].files[0].filename
    run("get_recording_info", lambda: c.get_recording_info(recording))
    run("get_snapshot_info", lambda: c.get_snapshot_info(snapshot))
    run("delete_recording", lambda: c.delete_recording(recording))
    run("delete_snapshot", lambda: c.delete_snapshot(snapshot))
    run("start_streaming", lambda: c.start_streaming(device))
    run("get_stream_url", lambda: c.get_stream_url(device))
    run("get_stream_status", lambda: c.get_stream_status(device))
    run("stop_streaming", lambda: c.stop_streaming(device))
    run("get_streams", c.get_streams)
    run("get_metrics", c.get_metrics)
    run("get_status", c.get_status)
    run("get_system_status", c.get_system_status)
    run("get_server_info", c.get_server_info)
    run("get_storage_info", c.get_storage_info)
    run("set_retention_policy", lambda: c.set_retention_policy("age", True, max_age_days=7))
    run("cleanup_old_files", c.cleanup_old_files)
    run("subscribe_events", lambda: c.subscribe_events(["camera.connected"]))
    run("get_subscription_stats", c.get_subscription_stats)
    run("unsubscribe_events", c.unsubscribe_events)
    run("discover_external_streams", c.discover_external_streams)
    run("add_external_stream", lambda: c.add_external_stream("rtsp://192.0.2.7/s", "ext"))
    run("get_external_streams", c.get_external_streams)
    run("remove_external_stream", lambda: c.remove_external_stream("rtsp://192.0.2.7/s"))
    run("set_discovery_interval", lambda: c.set_discovery_interval(60))
    return out


def test_every_call(emu: CameraServiceEmulator, dialect: str) -> None:
    """Each typed method works where the dialect has the call, and is refused unsent elsewhere."""
    with make_client(emu, role="admin") as client:
        device = client.get_camera_list()[0].device_path
        sent_before = len(emu.connections()[0].sent)
        results = _every_call(client, device, dialect)
        sent = len(emu.connections()[0].sent) - sent_before
    generated = {name for name, spec in METHODS.items() if spec.generate}
    assert set(results) == generated  # a new call in the table must be added above
    expected_sent = 0
    for name, result in results.items():
        spec = METHODS[name]
        if dialect not in spec.dialects:
            assert isinstance(result, UnsupportedError), name
            continue
        expected_sent += 1
        if dialect == "legacy" and name == "get_server_info":
            # The real legacy server always fails this call (PROTOCOL.md).
            assert isinstance(result, InternalServerError)
            continue
        assert not isinstance(result, Exception), f"{name}: {result!r}"
        assert result is not None, name
    assert results["ping"] == "pong"
    assert results["get_camera_status"].device_path == device
    assert results["stop_recording"].device_path == device
    # Refused calls never reached the server.
    assert sent == expected_sent


def test_call_by_name(emu: CameraServiceEmulator, dialect: str) -> None:
    with make_client(emu) as client:
        raw = client.call("get_camera_list")
        assert isinstance(raw, dict)
        assert len(raw["cameras"]) == 2
        assert client.call("ping", None, 2.0) == "pong"
        with pytest.raises(MethodNotFoundError):
            client.call("no_such_method")
        with pytest.raises(InvalidParamsError):
            client.call("", None)
        with pytest.raises(InvalidParamsError):
            client.call("ping", ["not", "a", "mapping"])  # type: ignore[arg-type]
        with pytest.raises(InvalidParamsError):
            client.call("ping", timeout=0)


def test_invalid_arguments_are_refused_before_sending(emu: CameraServiceEmulator) -> None:
    with make_client(emu) as client:
        sent_before = len(emu.connections()[0].sent)
        with pytest.raises(InvalidParamsError):
            client.get_camera_status("")
        with pytest.raises(InvalidParamsError):
            client.start_recording(client.get_camera_list()[0].device_path, duration=-1)
        assert len(emu.connections()[0].sent) == sent_before + 1  # only the camera list


def test_pagination_and_recording_status(emu: CameraServiceEmulator, dialect: str) -> None:
    with make_client(emu) as client:
        device = client.get_camera_list()[0].device_path
        assert client.get_recording_status(device) is None
        client.start_recording(device)
        status = client.get_recording_status(device)
        assert status is not None and status.device_path == device
        stopped = client.stop_recording(device)
        status = client.get_recording_status(device)
        assert status is not None and status.filename == stopped.filename
        if dialect == "legacy":
            with pytest.raises(UnsupportedError):
                list(client.iter_snapshots())
            return
        taken = {client.take_snapshot(device).filename for _ in range(3)}
        listed = [f.filename for f in client.iter_snapshots(page_size=1)]
        assert sorted(listed) == sorted(taken)
        assert [f.filename for f in client.iter_recordings(page_size=2)] == [stopped.filename]
        with pytest.raises(InvalidParamsError):
            list(client.iter_recordings(page_size=0))


# ------------------------------------------------------------------ auth modes and roles


def test_auth_modes(emu: CameraServiceEmulator) -> None:
    with make_client(emu, role="admin") as client:
        assert client.role == "admin"
    with SyncCameraClient(url=emu.url, auth_type="api_key", api_key=emu.api_key("viewer")) as c:
        assert c.role == "viewer"
    with SyncCameraClient(url=emu.url, auth_type="auto", auth_token=emu.api_key("admin")) as c:
        assert c.role == "admin"
    calls: list[str] = []

    def provider() -> str:
        calls.append("called")
        return emu.token("operator")

    with SyncCameraClient(url=emu.url, token_provider=provider) as client:
        assert client.role == "operator"
        assert calls == ["called"]


def test_auth_failures(emu: CameraServiceEmulator, dialect: str) -> None:
    with pytest.raises(AuthenticationError):
        SyncCameraClient(url=emu.url, auth_token="not-a-jwt").connect()
    expired = emu.token("operator", expires_in=-10)
    with pytest.raises(AuthenticationError):
        SyncCameraClient(url=emu.url, auth_token=expired).connect()
    with pytest.raises(AuthenticationError):
        SyncCameraClient(url=emu.url, auth_type="api_key", api_key="unknown").connect()

    def broken() -> str:
        raise RuntimeError("vault unreachable")

    with pytest.raises(AuthenticationError, match="token provider failed"):
        SyncCameraClient(url=emu.url, token_provider=broken).connect()
    # No credentials: connected, not authenticated; protected calls say why.
    with SyncCameraClient(url=emu.url) as client:
        assert client.connected and not client.authenticated
        assert client.ping() == "pong"
        with pytest.raises(AuthenticationError):
            client.take_snapshot(client.get_camera_list()[0].device_path)


def test_async_token_providers_are_refused(emu: CameraServiceEmulator) -> None:
    async def provider() -> str:
        return "token"

    with pytest.raises(InvalidParamsError, match="async"):
        SyncCameraClient(url=emu.url, token_provider=provider)

    def returns_coroutine() -> Any:
        return provider()

    client = SyncCameraClient(url=emu.url, token_provider=returns_coroutine)
    with pytest.raises(InvalidParamsError, match="awaitable"):
        client.connect()


def test_role_errors(emu: CameraServiceEmulator, dialect: str) -> None:
    with make_client(emu, role="viewer") as client:
        device = client.get_camera_list()[0].device_path
        with pytest.raises(PermissionDeniedError):
            client.take_snapshot(device)
        with pytest.raises(PermissionDeniedError):
            client.start_recording(device)
    if dialect == "current":
        with make_client(emu, role="operator") as client:
            with pytest.raises(PermissionDeniedError):
                client.get_metrics()
            with pytest.raises(PermissionDeniedError):
                client.delete_recording("x.mp4")


def test_calls_before_connect_and_after_disconnect(emu: CameraServiceEmulator) -> None:
    client = make_client(emu)
    with pytest.raises(ClientClosedError, match="connect"):
        client.ping()
    client.connect()
    client.connect()  # already connected: nothing happens
    assert len(emu.connections()) == 1
    client.disconnect()
    client.disconnect()
    with pytest.raises(ClientClosedError):
        client.ping()
    client.connect()  # a closed client may connect again
    assert client.ping() == "pong"
    client.close()


# ------------------------------------------------------------------ notifications


def test_handlers_get_notifications(emu: CameraServiceEmulator) -> None:
    got: queue.Queue[Notification] = queue.Queue()
    client = make_client(emu)

    @client.on("camera_status_update")
    def handler(event: Notification) -> None:
        got.put(event)

    everything: queue.Queue[Notification] = queue.Queue()
    client.on("*", everything.put)
    with client:
        device = client.get_camera_list()[0].device_path
        emu.change_camera(device, status="ERROR")
        event = got.get(timeout=WAIT)
        assert event.method == "camera_status_update"
        assert event.params["status"] == "ERROR"
        assert isinstance(event.data, CameraInfo) and event.data.device_path == device
        assert everything.get(timeout=WAIT).method == "camera_status_update"
        assert client.off("camera_status_update", handler) == 1
        emu.change_camera(device, status="CONNECTED")
        assert everything.get(timeout=WAIT).params["status"] == "CONNECTED"
        client.ping()  # barrier: the notification was dispatched
    assert got.empty()


def test_topic_notifications(camera_service: CameraServiceEmulator) -> None:
    emu = camera_service
    got: queue.Queue[Notification] = queue.Queue()
    with SyncCameraClient(url=emu.url, auth_token=emu.token("viewer")) as client:
        client.on("camera.*", got.put)
        result = client.subscribe_events(["camera.status_change"])
        assert result.subscribed
        emu.publish_event("camera.status_change", {"device": "camera1", "status": "ERROR"})
        event = got.get(timeout=WAIT)
        assert event.method == "camera.status_change"
        assert event.params["device"] == "camera1"


def test_failing_and_slow_handlers_do_not_stall_anything(
    emu: CameraServiceEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    gate = threading.Event()
    slow_started = threading.Event()
    fast: queue.Queue[str] = queue.Queue()
    failures = 0

    def slow(event: Notification) -> None:
        slow_started.set()
        gate.wait(WAIT)

    def failing(event: Notification) -> None:
        nonlocal failures
        failures += 1
        fast.put(f"failing {event.params['status']}")
        raise RuntimeError("handler bug")

    client = make_client(emu)
    client.on("camera_status_update", slow)
    client.on("camera_status_update", failing)
    client.on("camera_status_update", lambda e: fast.put(e.params["status"]))
    try:
        with client, caplog.at_level(logging.ERROR, logger="mediamtx_camera_sdk"):
            device = client.get_camera_list()[0].device_path
            emu.change_camera(device, status="ERROR")
            assert slow_started.wait(WAIT)
            emu.change_camera(device, status="CONNECTED")
            # The slow handler is still busy with the first event: the others
            # got both, and calls are answered.
            seen = {fast.get(timeout=WAIT) for _ in range(4)}
            assert seen == {"ERROR", "CONNECTED", "failing ERROR", "failing CONNECTED"}
            assert client.ping() == "pong"
            assert failures == 2
            gate.set()
    finally:
        gate.set()
    assert any("handler bug" in (r.exc_text or "") for r in caplog.records)


def test_a_handler_that_falls_behind_gets_the_newest_events(emu: CameraServiceEmulator) -> None:
    """A handler's buffer keeps the newest events, delivered without waiting for another one."""
    gate, busy = threading.Event(), threading.Event()
    got: queue.Queue[int] = queue.Queue()

    def handler(event: Notification) -> None:
        busy.set()
        gate.wait(WAIT)
        got.put(event.params["n"])

    client = make_client(emu, event_buffer=2)
    client.on("test.event", handler)
    with client:
        emu.notify("test.event", {"n": 0})
        assert busy.wait(WAIT)
        for n in range(1, 6):
            emu.notify("test.event", {"n": n})
        client.ping()  # barrier: all five are queued (three of them dropped)
        gate.set()
        assert [got.get(timeout=WAIT) for _ in range(3)] == [0, 4, 5]


def test_async_handlers_are_refused_loudly(
    emu: CameraServiceEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    done = threading.Event()

    async def handler(event: Notification) -> None:  # pragma: no cover - never runs
        raise AssertionError("must not run")

    client = make_client(emu)
    # An async function is refused when registered (tests/test_new_user.py) ...
    with pytest.raises(TypeError, match="CameraClient"):
        client.on("camera_status_update", handler)
    # ... and a plain one that returns an awaitable is refused, in the log, when it does.
    client.on("camera_status_update", lambda e: handler(e))
    client.on("camera_status_update", lambda e: done.set())
    with client, caplog.at_level(logging.ERROR, logger="mediamtx_camera_sdk"):
        emu.change_camera(client.get_camera_list()[0].device_path, status="ERROR")
        assert done.wait(WAIT)
        client.disconnect()  # joins the workers: the refusal has been logged
    assert any("awaitable" in r.getMessage() for r in caplog.records)


def test_event_iterator(emu: CameraServiceEmulator) -> None:
    with make_client(emu) as client:
        first, second = (c.device_path for c in client.get_camera_list())
        with client.events("camera_status_update", timeout=WAIT) as stream:
            emu.change_camera(first, status="ERROR")
            event = next(stream)
            assert event.method == "camera_status_update"
            assert isinstance(event.data, CameraInfo) and event.data.status == "ERROR"
        with client.events(device=second, timeout=WAIT) as stream:
            emu.change_camera(first, status="CONNECTED")
            emu.change_camera(second, status="ERROR")
            event = next(stream)
            assert event.params["device"] == second
        # No event within the timeout ends the loop, for good.
        quiet = client.events("no.such.event", timeout=0.05)
        assert list(quiet) == []
        assert list(quiet) == []
        with pytest.raises(InvalidParamsError):
            client.events(timeout=-1)
        with pytest.raises(InvalidParamsError):
            client.events("")


def test_event_iterator_ends_when_the_client_closes(emu: CameraServiceEmulator) -> None:
    client = make_client(emu)
    client.connect()
    stream = client.events()
    collected: list[Notification] = []
    consumer = threading.Thread(target=lambda: collected.extend(stream))
    consumer.start()
    emu.change_camera(client.get_camera_list()[0].device_path, status="ERROR")
    client.ping()  # barrier: the event is in the stream
    client.close()
    consumer.join(WAIT)
    assert not consumer.is_alive()
    assert [e.method for e in collected] == ["camera_status_update"]
    assert list(client.events()) == []  # made after close: ends at once


def test_event_iterator_overflow_is_reported(emu: CameraServiceEmulator) -> None:
    with make_client(emu) as client:
        stream = client.events("test.event", buffer=2, timeout=WAIT)
        for n in range(5):
            emu.notify("test.event", {"n": n})
        client.ping()  # barrier
        events = [next(stream), next(stream), next(stream)]
        stream.close()
    assert events[0].method == "sdk.events_dropped"
    assert events[0].params["count"] == 3
    assert [e.params["n"] for e in events[1:]] == [3, 4]
    assert stream.dropped == 3


# ------------------------------------------------------------------ many threads


def test_many_threads_on_one_client(dialect: str) -> None:
    """16 threads x 200 calls on one connection: every caller gets its own reply."""
    threads, calls = 16, 200
    with (
        CameraServiceEmulator(dialect=dialect, jwt_secret=SECRET, cameras=threads) as emu,
        make_client(emu) as client,
    ):
        devices = [c.device_path for c in client.get_camera_list()]
        assert len(devices) == threads
        errors: list[BaseException] = []
        wrong: list[tuple[str, str]] = []
        start = threading.Barrier(threads)

        def work(device: str) -> None:
            try:
                start.wait(WAIT)
                for _ in range(calls):
                    got = client.get_camera_status(device).device_path
                    if got != device:
                        wrong.append((device, got))
            except BaseException as exc:  # reported below
                errors.append(exc)

        workers = [threading.Thread(target=work, args=(d,)) for d in devices]
        began = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        elapsed = time.perf_counter() - began
        assert not any(w.is_alive() for w in workers)
        assert errors == []
        assert wrong == []
        assert client.stats["replies"] >= threads * calls
        assert client._protocol.pending_count == 0
        print(f"{threads * calls} calls from {threads} threads: {threads * calls / elapsed:.0f}/s")


# ------------------------------------------------------------------ timeouts


def test_timeouts_leave_nothing_pending(emu: CameraServiceEmulator) -> None:
    with make_client(emu) as client:
        emu.delay("get_camera_list", 0.5)
        with pytest.raises(CallTimeoutError, match="get_camera_list"):
            client.get_camera_list(timeout=0.05)
        assert client._protocol.pending_count == 0
        # Many threads timing out together: each gets its own timeout error.
        outcomes: queue.Queue[BaseException | None] = queue.Queue()

        def slow_call() -> None:
            try:
                client.get_camera_list(timeout=0.1)
                outcomes.put(None)
            except BaseException as exc:
                outcomes.put(exc)

        workers = [threading.Thread(target=slow_call) for _ in range(8)]
        for worker in workers:
            worker.start()
        results = [outcomes.get(timeout=WAIT) for _ in workers]
        for worker in workers:
            worker.join(WAIT)
        assert all(isinstance(r, CallTimeoutError) for r in results)
        assert client._protocol.pending_count == 0
        emu.delay("get_camera_list", 0)
        # The connection is still good.
        assert client.ping(timeout=WAIT) == "pong"
        assert len(client.get_camera_list(timeout=WAIT)) == 2
        assert client.stats["timeouts"] == 9


def test_interrupted_wait_leaves_nothing_pending(
    emu: CameraServiceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller interrupted (Ctrl-C) while it waits for its reply cancels only its call."""
    with make_client(emu) as client:
        emu.delay("get_camera_list", 0.5)
        # A real SIGINT, delivered while the main thread waits for the reply.
        timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                client.get_camera_list()
        finally:
            timer.join()
        assert client._protocol.pending_count == 0
        assert client.stats["cancelled"] == 1
        emu.delay("get_camera_list", 0)
        assert client.ping() == "pong"
        assert client.reconnect_count == 0


# ------------------------------------------------------------------ reconnection


def test_reconnect_restores_auth_subscriptions_and_state(
    emu: CameraServiceEmulator, dialect: str
) -> None:
    lost, back = threading.Event(), threading.Event()
    client = make_client(emu, retry_delay=0.05, max_retry_delay=0.2, max_retries=None)
    client.on_connection_lost = lost.set
    client.on_reconnected = back.set
    with client:
        if dialect == "current":
            client.subscribe_events(["camera.status_change"])
        device = client.get_camera_list()[0].device_path
        with client.events("camera_status_update", "sdk.*", timeout=WAIT) as stream:
            emu.stop()
            assert lost.wait(WAIT)
            # While the client is away, a camera goes down: it must learn of it.
            emu.change_camera(device, status="DISCONNECTED")
            emu.start()
            assert back.wait(WAIT)
            events = [next(stream) for _ in range(4)]
        assert [e.method for e in events] == [
            "sdk.connection_lost",
            "camera_status_update",
            "sdk.events_missed",
            "sdk.reconnected",
        ]
        assert events[1].params["device"] == device
        assert events[1].params["status"] == "DISCONNECTED"
        assert events[2].params["resynced"] is True
        assert client.reconnect_count == 1
        assert client.authenticated and client.role == "operator"
        assert client.get_camera_status(device).status == "DISCONNECTED"
        (record,) = [r for r in emu.connections() if r.open]
        assert record.role == "operator"
        if dialect == "current":
            assert record.subscriptions == ["camera.status_change"]


def test_reconnect_after_restart(emu: CameraServiceEmulator) -> None:
    back = threading.Event()
    client = make_client(emu, retry_delay=0.05, max_retry_delay=0.2)
    client.on("sdk.reconnected", lambda e: back.set())
    with client:
        emu.restart()
        assert back.wait(WAIT)
        assert client.ping() == "pong"
        assert len(client.get_camera_list()) == 2


def test_calls_wait_for_the_reconnect(emu: CameraServiceEmulator) -> None:
    lost = threading.Event()
    client = make_client(emu, retry_delay=0.05, max_retry_delay=0.2, max_retries=None)
    client.on_connection_lost = lost.set
    result: queue.Queue[Any] = queue.Queue()
    with client:
        emu.stop()
        assert lost.wait(WAIT)
        caller = threading.Thread(target=lambda: result.put(client.ping(timeout=WAIT)))
        caller.start()
        emu.start()
        assert result.get(timeout=WAIT) == "pong"
        caller.join(WAIT)


def test_calls_fail_at_once_without_wait_for_reconnect(emu: CameraServiceEmulator) -> None:
    lost = threading.Event()
    client = make_client(
        emu, retry_delay=0.05, max_retry_delay=0.2, max_retries=None, wait_for_reconnect=False
    )
    client.on_connection_lost = lost.set
    with client:
        emu.stop()
        assert lost.wait(WAIT)
        with pytest.raises(ConnectionError, match="reconnecting"):
            client.ping(timeout=WAIT)
        emu.start()


def test_no_reconnect_when_disabled(emu: CameraServiceEmulator) -> None:
    lost = threading.Event()
    client = make_client(emu, reconnect=False)
    client.on_connection_lost = lost.set
    with client:
        emu.drop_connections()
        assert lost.wait(WAIT)
        with pytest.raises(ConnectionError, match="could not be restored"):
            client.ping()
    assert len(emu.connections()) == 1


def test_reconnect_gives_up_after_max_retries(emu: CameraServiceEmulator) -> None:
    final: queue.Queue[Notification] = queue.Queue()
    client = make_client(emu, retry_delay=0.01, max_retry_delay=0.02, max_retries=2)
    client.on("sdk.connection_lost", lambda e: final.put(e) if e.params.get("final") else None)
    with client:
        emu.stop()
        event = final.get(timeout=WAIT)
        assert "final" in event.params
        with pytest.raises(ConnectionError):
            client.ping()
        emu.start()


def test_disconnect_stops_a_reconnect_in_progress(emu: CameraServiceEmulator) -> None:
    lost = threading.Event()
    client = make_client(emu, retry_delay=0.05, max_retry_delay=0.1, max_retries=None)
    client.on_connection_lost = lost.set
    client.connect()
    emu.stop()
    assert lost.wait(WAIT)
    client.disconnect()  # the autouse fixture checks that the supervisor ended
    emu.start()
    assert not client.connected


def test_drop_fails_in_flight_calls_fast(
    emu: CameraServiceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drop fails every call in flight at once with ConnectionError; none hangs."""
    count = 100
    sent = threading.Semaphore(0)
    original_send = SyncTransport.send

    def counting_send(self: SyncTransport, text: str) -> None:
        original_send(self, text)
        if '"get_camera_list"' in text:
            sent.release()

    monkeypatch.setattr(SyncTransport, "send", counting_send)
    lost = threading.Event()
    client = make_client(emu, reconnect=False, timeout=60.0)
    client.on_connection_lost = lost.set
    outcomes: queue.Queue[BaseException | None] = queue.Queue()

    def call() -> None:
        try:
            client.get_camera_list()
            outcomes.put(None)
        except BaseException as exc:
            outcomes.put(exc)

    with client:
        # The legacy service answers one call at a time: a call being delayed
        # holds up every call behind it, and the emulator's own shutdown.
        emu.delay("get_camera_list", 60.0 if emu.dialect == "current" else 2.0)
        callers = [threading.Thread(target=call) for _ in range(count)]
        for caller in callers:
            caller.start()
        for _ in range(count):
            assert sent.acquire(timeout=WAIT)  # every call is on the wire
        # The emulator's drop returns once its handlers are done, which the
        # delayed calls hold up: drop from a thread, then lift the delay.
        dropper = threading.Thread(target=emu.drop_connections, kwargs={"clean": False})
        dropper.start()
        results = [outcomes.get(timeout=WAIT) for _ in range(count)]
        emu.delay("get_camera_list", 0)
        dropper.join(WAIT)
        for caller in callers:
            caller.join(WAIT)
        assert all(isinstance(r, ConnectionError) for r in results), results[:3]
        assert client._protocol.pending_count == 0
        assert client.stats["connection_losses"] == count


# ------------------------------------------------------------------ token expiry


def test_token_expiry_refreshes_once_and_retries(emu: CameraServiceEmulator) -> None:
    issued: list[str] = []

    def provider() -> str:
        issued.append(emu.token("operator"))
        return issued[-1]

    with SyncCameraClient(url=emu.url, token_provider=provider, timeout=5.0) as client:
        device = client.get_camera_list()[0].device_path
        assert len(issued) == 1
        emu.expire_tokens()
        snapshot = client.take_snapshot(device)  # fails, re-authenticates, retried once
        assert snapshot.device_path == device
        assert len(issued) == 2
        assert client.authenticated


def test_token_expiry_without_provider_raises(emu: CameraServiceEmulator) -> None:
    with make_client(emu) as client:
        device = client.get_camera_list()[0].device_path
        emu.expire_tokens()
        with pytest.raises(AuthenticationError):
            client.take_snapshot(device)


def test_a_stale_provider_is_asked_once_per_failure(emu: CameraServiceEmulator) -> None:
    """A provider whose tokens are refused does not cause a loop: the call fails."""
    stale = emu.token("operator")
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return stale

    with SyncCameraClient(url=emu.url, token_provider=provider) as client:
        device = client.get_camera_list()[0].device_path
        emu.expire_tokens()  # also revokes ``stale`` for good
        with pytest.raises(AuthenticationError):
            client.take_snapshot(device)
        assert len(calls) == 2


# ------------------------------------------------------------------ heartbeat


def test_heartbeat_keeps_an_idle_connection_alive(dialect: str) -> None:
    with CameraServiceEmulator(dialect=dialect, jwt_secret=SECRET, idle_timeout=0.3) as emu:
        lost = threading.Event()
        client = make_client(emu, heartbeat_interval=0.05)
        client.on_connection_lost = lost.set
        with client:
            # Idle for several times the server's idle timeout.
            assert not lost.wait(1.2)
            assert client.reconnect_count == 0
            assert [r.open for r in emu.connections()] == [True]
            assert client.ping() == "pong"


def test_without_heartbeat_an_idle_connection_is_dropped() -> None:
    """The control for the test above: the server really drops idle clients."""
    with CameraServiceEmulator(jwt_secret=SECRET, idle_timeout=0.2) as emu:
        lost = threading.Event()
        client = make_client(emu, heartbeat_interval=None, reconnect=False)
        client.on_connection_lost = lost.set
        with client:
            assert lost.wait(WAIT)


def test_an_unanswered_heartbeat_drops_the_connection(
    camera_service: CameraServiceEmulator,
) -> None:
    emu = camera_service
    lost = threading.Event()
    client = make_client(emu, heartbeat_interval=0.05, heartbeat_timeout=0.1, reconnect=False)
    client.on_connection_lost = lost.set
    with client:
        emu.delay("ping", 5.0)
        assert lost.wait(WAIT)
        with pytest.raises(ConnectionError):
            client.get_camera_list()
        emu.delay("ping", 0)


# ------------------------------------------------------------------ TLS


@pytest.fixture
def tls_emulator() -> Iterator[tuple[CameraServiceEmulator, Any]]:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    with CameraServiceEmulator(jwt_secret=SECRET, ssl_context=server_context) as emu:
        yield emu, ca


def test_tls_refused_by_default_accepted_with_the_ca(
    tls_emulator: tuple[CameraServiceEmulator, Any], tmp_path: Path
) -> None:
    emu, ca = tls_emulator
    assert emu.url.startswith("wss://")
    with pytest.raises(ConnectionError, match=r"(?i)certificate"):
        make_client(emu, max_retries=0).connect()
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with make_client(emu, ssl_context=context) as client:
        assert client.ping() == "pong"
        snapshot = client.take_snapshot(client.get_camera_list()[0].device_path)
        path = client.download_snapshot(snapshot.filename, tmp_path)
        assert Path(path).read_bytes()[:2] == b"\xff\xd8"
    with make_client(emu, verify_ssl=False) as client:  # the explicit opt-out
        assert client.ping() == "pong"


# ------------------------------------------------------------------ downloads


def test_downloads(emu: CameraServiceEmulator, tmp_path: Path) -> None:
    progress: list[tuple[int, int | None]] = []
    with make_client(emu) as client:
        device = client.get_camera_list()[0].device_path
        snapshot = client.take_snapshot(device)
        path = client.download_snapshot(snapshot.filename, tmp_path)
        assert path == str(tmp_path / snapshot.filename)
        media = emu.media_dir
        assert media is not None
        assert Path(path).read_bytes() == (media / "snapshots" / snapshot.filename).read_bytes()
        client.start_recording(device)
        recording = client.stop_recording(device)
        target = tmp_path / "clip.mp4"
        got = client.download_recording(
            recording.filename, target, progress=lambda done, total: progress.append((done, total))
        )
        expected = (media / "recordings" / recording.filename).read_bytes()
        assert Path(got).read_bytes() == expected
        assert progress[-1] == (len(expected), len(expected))
        with pytest.raises(NotFoundError):
            client.download_snapshot("nothing-here.jpg", tmp_path)
        with pytest.raises(InvalidParamsError):
            client.download_snapshot("../etc/passwd", tmp_path)
        with pytest.raises(InvalidParamsError):
            client.download_snapshot(snapshot.filename, tmp_path / "no" / "such" / "dir.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([snapshot.filename, "clip.mp4"])


def test_download_credentials(emu: CameraServiceEmulator, tmp_path: Path) -> None:
    with make_client(emu) as client:
        name = client.take_snapshot(client.get_camera_list()[0].device_path).filename
    key_client = SyncCameraClient(url=emu.url, auth_type="api_key", api_key=emu.api_key("viewer"))
    assert Path(key_client.download_snapshot(name, tmp_path / "a.jpg")).exists()
    provided = SyncCameraClient(url=emu.url, token_provider=lambda: emu.token("viewer"))
    assert Path(provided.download_snapshot(name, tmp_path / "b.jpg")).exists()
    with pytest.raises(AuthenticationError):
        SyncCameraClient(url=emu.url, auth_token="wrong").download_snapshot(name, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "b.jpg"]


def test_a_failing_progress_callback_leaves_no_file(
    emu: CameraServiceEmulator, tmp_path: Path
) -> None:
    def explode(done: int, total: int | None) -> None:
        raise RuntimeError("disk quota")

    with make_client(emu) as client:
        name = client.take_snapshot(client.get_camera_list()[0].device_path).filename
        with pytest.raises(RuntimeError, match="disk quota"):
            client.download_snapshot(name, tmp_path, progress=explode)
    assert list(tmp_path.iterdir()) == []


class _TruncatingServer:
    """An HTTP server that announces more bytes than it sends, then hangs up."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n"
            conn.sendall(head + b"x" * 5000)

    def close(self) -> None:
        self.sock.close()
        self.thread.join(WAIT)


def test_an_interrupted_download_leaves_no_file(tmp_path: Path) -> None:
    server = _TruncatingServer()
    try:
        client = SyncCameraClient(url=f"ws://127.0.0.1:{server.port}/ws", auth_token="t")
        with pytest.raises(ConnectionError):
            client.download_recording("clip.mp4", tmp_path)
    finally:
        server.close()
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ threads and event loops


def test_close_stops_every_thread(emu: CameraServiceEmulator) -> None:
    before = set(threading.enumerate())
    back = threading.Event()
    handled = threading.Event()
    client = make_client(emu, heartbeat_interval=0.05, retry_delay=0.05, max_retry_delay=0.1)
    client.on("camera_status_update", lambda e: handled.set())
    client.on_reconnected = back.set
    client.connect()
    stream = client.events(timeout=WAIT)
    emu.change_camera(client.get_camera_list()[0].device_path, status="ERROR")
    assert handled.wait(WAIT)
    emu.restart()  # a reconnect: a second reader, a supervisor
    assert back.wait(WAIT)
    names = {t.name for t in sdk_threads()}
    assert {"mediamtx-sdk-reader", "mediamtx-sdk-heartbeat", "mediamtx-sdk-handler"} <= names
    client.close()
    assert list(stream)  # ended, with what was buffered
    assert set(threading.enumerate()) == before


def test_disconnect_from_a_handler(emu: CameraServiceEmulator) -> None:
    done = threading.Event()
    client = make_client(emu)

    def handler(event: Notification) -> None:
        client.disconnect()
        done.set()

    client.on("camera_status_update", handler)
    client.connect()
    emu.change_camera(client.get_camera_list()[0].device_path, status="ERROR")
    assert done.wait(WAIT)
    client.disconnect()  # joins the handler's thread, now finished
    assert not client.connected


def test_works_inside_a_running_asyncio_loop(emu: CameraServiceEmulator) -> None:
    async def main() -> tuple[str, int]:
        asyncio.get_running_loop()  # a loop is running, and this coroutine blocks it
        with make_client(emu) as client:
            cameras = client.get_camera_list()
            return client.ping(), len(cameras)

    # It works, and says once that it blocks the loop (a notebook cell does not warn).
    with pytest.warns(RuntimeWarning, match="blocks the event loop"):
        assert asyncio.run(main()) == ("pong", 2)


@pytest.mark.anyio
async def test_works_inside_an_async_test(camera_service: CameraServiceEmulator) -> None:
    emu = camera_service
    client = make_client(emu)
    with pytest.warns(RuntimeWarning, match="blocks the event loop"):  # once per client
        client.connect()
    with client:
        assert client.ping() == "pong"
        with client.events("camera_status_update", timeout=WAIT) as stream:
            emu.change_camera("camera1", status="ERROR")
            assert next(stream).params["device"] == "camera1"
