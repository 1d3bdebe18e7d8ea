"""Event polling (``poll_interval``): synthetic ``camera_status_update`` events.

Unit tests of the I/O-free diff and loop (:mod:`mediamtx_camera_sdk._polling`,
driven by a scripted fake driver), of the setting, and scenarios through
``CameraClient`` (asyncio and trio) and ``SyncCameraClient`` (its blocking
calls in worker threads) against the emulator playing the current service as
it behaves: it pushes no notifications.

Timing: the only bound asserted is the promise, "a change is reported within
two polling intervals" (``BOUND``); everything else waits up to ``HANG``.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest

from mediamtx_camera_sdk import CameraClient, ClientClosedError, SyncCameraClient, _polling
from mediamtx_camera_sdk._flows import Call, Emit, Sleep
from mediamtx_camera_sdk.config import Settings
from mediamtx_camera_sdk.errors import CallTimeoutError, ConnectionError, InvalidParamsError
from mediamtx_camera_sdk.methods import METHODS
from mediamtx_camera_sdk.models import CameraInfo
from mediamtx_camera_sdk.protocol import Notification
from mediamtx_camera_sdk.testing import CameraServiceEmulator

sys.path.insert(0, str(Path(__file__).resolve().parent / "lifecycle"))
from _lifecycle import sdk_tasks, sdk_threads, wait_until

INTERVAL = 0.5
BOUND = 2 * INTERVAL  # the promise: a change is reported within two intervals
HANG = 10.0
SECRET = "polling-tests-secret-0123456789abcdef0123"

# ----------------------------------------------------------------- the diff


def camera(device: str, status: str = "CONNECTED", **fields: Any) -> CameraInfo:
    raw = {"device": device, "status": status, "name": f"Cam {device}", **fields}
    decoded: CameraInfo = METHODS["get_camera_status"].decode_result(raw)
    return decoded


def listing(*cameras: CameraInfo) -> dict[str, CameraInfo]:
    return {c.device_path: c for c in cameras}


def test_nothing_changed_means_no_events() -> None:
    before = listing(camera("a"), camera("b", resolution="640x480"))
    after = listing(camera("a"), camera("b", resolution="640x480"))
    assert _polling.camera_changes(before, after) == []


def test_appeared_vanished_and_changed_cameras() -> None:
    before = listing(camera("a"), camera("b"), camera("c", fps=30))
    after = listing(camera("c", fps=15), camera("a"), camera("d"))
    events = _polling.camera_changes(before, after)
    assert all(type(e) is Notification and e.synthesized for e in events)
    assert all(e.method == "camera_status_update" for e in events)
    # New and changed first (in the new list's order), then the vanished.
    assert [dict(e.params) for e in events] == [
        {"device": "c", "status": "CONNECTED", "name": "Cam c", "fps": 15},
        {"device": "d", "status": "CONNECTED", "name": "Cam d"},
        {"device": "b", "status": "DISCONNECTED"},
    ]
    assert events[2].data.status == "DISCONNECTED"


@pytest.mark.parametrize(
    "change",
    [
        {"status": "ERROR"},
        {"name": "renamed"},
        {"resolution": "1280x720"},
        {"fps": 5},
        {"streams": {"rtsp": "rtsp://elsewhere/a"}},
        {"capabilities": {"formats": ["MJPEG"]}},
    ],
    ids=lambda change: next(iter(change)),
)
def test_each_visible_field_is_a_change(change: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"status": "CONNECTED", "resolution": "1920x1080", "fps": 30}
    before = listing(camera("a", **fields))
    fields.update(change)
    status = fields.pop("status")
    (event,) = _polling.camera_changes(before, listing(camera("a", status, **fields)))
    assert {k: event.params[k] for k in change} == change


def test_metrics_alone_are_not_a_change() -> None:
    before = listing(camera("a", metrics={"bytes_sent": 1}))
    after = listing(camera("a", metrics={"bytes_sent": 2}))
    assert _polling.camera_changes(before, after) == []


def test_a_camera_listed_as_disconnected_then_gone_is_not_reported_again() -> None:
    before = listing(camera("a", "DISCONNECTED"))
    assert _polling.camera_changes(before, {}) == []


def test_the_poller_takes_a_baseline_then_reports_differences() -> None:
    poller = _polling.CameraPoller()
    assert poller.update([camera("a"), camera("b")]) == []  # the baseline
    (gone,) = poller.update([camera("a")])
    assert dict(gone.params) == {"device": "b", "status": "DISCONNECTED"}
    assert poller.update([camera("a")]) == []
    (back,) = poller.update([camera("a"), camera("b")])
    assert back.params["status"] == "CONNECTED"


# ----------------------------------------------------------------- the flows


def list_result(*devices: str) -> dict[str, Any]:
    return {"cameras": [{"device": d, "status": "CONNECTED"} for d in devices]}


def fetch_once() -> Any:
    return (yield Call("get_camera_list"))


def run_flow(flow: Any, replies: list[Any]) -> list[Any]:
    """Drive ``flow`` like a client, with scripted replies; returns the ops it yielded.

    A reply that is an exception is thrown into the flow (the driver's call or
    sleep failed); Sleep ops take no reply from the script unless it is an
    exception queued for a sleep (``("sleep", exc)``).
    """
    ops: list[Any] = []
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            op = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration:
            return ops
        ops.append(op)
        value, error = None, None
        if isinstance(op, Emit):
            continue
        if not replies:
            raise AssertionError(f"the flow asked for more: {op!r}")
        reply = replies.pop(0)
        if isinstance(op, Sleep):
            if isinstance(reply, tuple) and reply[0] == "sleep":
                error = reply[1]
            else:
                replies.insert(0, reply)
            continue
        if isinstance(reply, BaseException):
            error = reply
        else:
            value = reply


def test_poll_flow_reports_changes_and_survives_failures(caplog: pytest.LogCaptureFixture) -> None:
    poller = _polling.CameraPoller()
    poller.update(METHODS["get_camera_list"].decode_result(list_result("a", "b")))
    flow = _polling.poll_flow(poller, 0.3, fetch_once)
    replies: list[Any] = [
        CallTimeoutError("get_camera_list timed out"),  # a failed poll...
        ConnectionError("connection lost"),  # ...and another
        {"cameras": "not a list"},  # a result that does not decode
        list_result("a"),  # b unplugged
        list_result("a"),  # nothing new
        ClientClosedError("the client was disconnected"),  # disconnect(): the end
    ]
    with caplog.at_level(logging.DEBUG, logger="mediamtx_camera_sdk"):
        ops = run_flow(flow, replies)
    assert replies == []
    kinds = [type(op).__name__ for op in ops]
    assert kinds == ["Sleep", "Call"] * 4 + ["Emit"] + ["Sleep", "Call"] * 2
    assert all(op.seconds == 0.3 for op in ops if isinstance(op, Sleep))
    (emit,) = [op for op in ops if isinstance(op, Emit)]
    assert dict(emit.event.params) == {"device": "b", "status": "DISCONNECTED"}
    assert emit.event.synthesized
    failures = [r for r in caplog.records if "polling get_camera_list failed" in r.message]
    assert len(failures) == 3 and all(r.levelno == logging.DEBUG for r in failures)


def test_poll_flow_ends_when_its_sleep_is_interrupted() -> None:
    flow = _polling.poll_flow(_polling.CameraPoller(), 1.0, fetch_once)
    ops = run_flow(flow, [("sleep", ClientClosedError("the client was disconnected"))])
    assert [type(op) for op in ops] == [Sleep]


def test_poll_flow_without_a_baseline_takes_the_first_list() -> None:
    poller = _polling.CameraPoller()
    flow = _polling.poll_flow(poller, 1.0, fetch_once)
    closed = ClientClosedError("closed")
    ops = run_flow(flow, [list_result("a"), list_result(), closed])
    (emit,) = [op for op in ops if isinstance(op, Emit)]
    assert emit.event.params["device"] == "a"


def test_baseline_flow() -> None:
    poller = _polling.CameraPoller()
    run_flow(_polling.baseline_flow(poller, 5.0), [list_result("a")])
    assert poller.snapshot is not None and list(poller.snapshot) == ["a"]
    # Another failure leaves the baseline to the first poll...
    run_flow(_polling.baseline_flow(poller, 5.0), [CallTimeoutError("slow")])
    assert poller.snapshot is None
    # ...a lost connection fails the connect attempt (which is retried).
    with pytest.raises(ConnectionError):
        run_flow(_polling.baseline_flow(poller, 5.0), [ConnectionError("gone")])


def test_the_polling_module_does_no_io() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_imports_io_free import FORBIDDEN, imports_of

    path = Path(_polling.__file__)
    imported = {name.split(".")[0] for name, _ in imports_of(path, "mediamtx_camera_sdk._polling")}
    assert imported, "the import scan found nothing"
    assert not imported & FORBIDDEN


# ----------------------------------------------------------------- the setting


def test_the_setting_and_its_environment_variable() -> None:
    env = {"MEDIAMTX_POLL_INTERVAL": "1.5"}
    assert Settings.resolve({}, {}).poll_interval is None
    assert Settings.resolve({}, env).poll_interval == 1.5
    assert (
        Settings.resolve({"poll_interval": 3}, env, explicit={"poll_interval"}).poll_interval == 3
    )
    # An explicit None means "no polling", and beats the environment.
    assert (
        Settings.resolve({"poll_interval": None}, env, explicit={"poll_interval"}).poll_interval
        is None
    )
    assert CameraClient(poll_interval=2.0).settings.poll_interval == 2.0
    assert SyncCameraClient(poll_interval=2.0).settings.poll_interval == 2.0


@pytest.mark.parametrize("bad", [0, -1, float("nan"), True, "often"])
def test_a_bad_interval_is_refused(bad: Any) -> None:
    with pytest.raises(InvalidParamsError) as info:
        CameraClient(poll_interval=bad)
    assert info.value.data["param"] == "poll_interval"


def test_a_bad_environment_value_is_refused() -> None:
    with pytest.raises(InvalidParamsError, match="MEDIAMTX_POLL_INTERVAL"):
        Settings.resolve({}, {"MEDIAMTX_POLL_INTERVAL": "often"})


# ----------------------------------------------------------------- scenarios


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("MEDIAMTX_"):
            monkeypatch.delenv(name)


@pytest.fixture(params=["async", "sync"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def emulators() -> Iterator[Callable[..., CameraServiceEmulator]]:
    made: list[CameraServiceEmulator] = []

    def make(**kwargs: Any) -> CameraServiceEmulator:
        emulator = CameraServiceEmulator(jwt_secret=SECRET, **kwargs)
        emulator.start()
        made.append(emulator)
        return emulator

    yield make
    for emulator in made:
        emulator.stop()


@pytest.fixture
def emu(emulators: Callable[..., CameraServiceEmulator]) -> CameraServiceEmulator:
    """The current service as it behaves (the emulator's default): no notifications."""
    emulator = emulators(dialect="current")
    assert emulator.push_notifications is False
    return emulator


class Recorder:
    """A plain-function handler (a worker thread runs it for either client)."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._lock = threading.Lock()

    def __call__(self, item: Any) -> None:
        with self._lock:
            self.items.append(item)

    async def wait_for(self, count: int, timeout: float) -> list[Any]:
        await wait_until(lambda: len(self.items) >= count, f"{count} events handled", timeout)
        with self._lock:
            return list(self.items)


class Client:
    """One scenario, either client: blocking calls run in worker threads."""

    def __init__(self, kind: str, raw: Any) -> None:
        self.kind = kind
        self.raw = raw

    async def run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        method = getattr(self.raw, name)
        if self.kind == "async":
            return await method(*args, **kwargs)
        return await anyio.to_thread.run_sync(functools.partial(method, *args, **kwargs))

    async def next_event(self, stream: Any) -> Any:
        """The stream's next event, or None when none came within its timeout."""
        if self.kind == "async":
            try:
                return await stream.__anext__()
            except StopAsyncIteration:
                return None
        return await anyio.to_thread.run_sync(next, stream, None)

    async def close_stream(self, stream: Any) -> None:
        if self.kind == "async":
            await stream.aclose()
        else:
            stream.close()


@pytest.fixture
def make_client(kind: str) -> Iterator[Callable[..., Client]]:
    made: list[Client] = []

    def make(emulator: CameraServiceEmulator, **settings: Any) -> Client:
        cls = CameraClient if kind == "async" else SyncCameraClient
        options: dict[str, Any] = {
            "url": emulator.url,
            "auth_token": emulator.token("operator"),
            "timeout": 5.0,
            "retry_delay": 0.01,
            "max_retry_delay": 0.05,
            "poll_interval": INTERVAL,
        }
        options.update(settings)
        client = Client(kind, cls(**options))
        made.append(client)
        return client

    yield make
    for client in made:
        if client.kind == "sync":
            client.raw.disconnect()


def list_requests(emulator: CameraServiceEmulator) -> int:
    """How many ``get_camera_list`` calls the emulator received, over every connection."""
    count = 0
    for record in emulator.connections():
        for frame in record.sent:
            if isinstance(frame, str) and json.loads(frame).get("method") == "get_camera_list":
                count += 1
    return count


@pytest.mark.anyio
async def test_unplug_and_plug_are_reported_within_two_intervals(
    emu: CameraServiceEmulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(emu)
    handled = Recorder()
    hooked = Recorder()
    client.raw.on("camera_status_update", handled)
    client.raw.on_camera_status_update = hooked
    await client.run("connect")
    try:
        stream = client.raw.events("camera_status_update", timeout=BOUND)
        await anyio.to_thread.run_sync(emu.unplug_camera, "camera1")
        event = await client.next_event(stream)
        assert event is not None, f"no event within {BOUND} s of the unplug"
        assert event.synthesized is True
        assert dict(event.params) == {"device": "camera1", "status": "DISCONNECTED"}
        assert event.data.status == "DISCONNECTED"
        (handled_event,) = await handled.wait_for(1, BOUND)
        assert handled_event is event
        (info,) = await hooked.wait_for(1, BOUND)
        assert isinstance(info, CameraInfo) and info.device_path == "camera1"

        await anyio.to_thread.run_sync(emu.plug_camera, "camera1")
        event = await client.next_event(stream)
        assert event is not None, f"no event within {BOUND} s of the plug"
        assert event.synthesized is True
        assert event.params["status"] == "CONNECTED"
        assert event.data.name == "USB Camera 1" and event.data.resolution == "1920x1080"
        assert len(await handled.wait_for(2, BOUND)) == 2
        await client.close_stream(stream)
    finally:
        await client.run("disconnect")


@pytest.mark.anyio
async def test_a_changed_camera_is_reported(
    emu: CameraServiceEmulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(emu)
    await client.run("connect")
    try:
        stream = client.raw.events("camera_status_update", device="camera0", timeout=BOUND)
        await anyio.to_thread.run_sync(
            functools.partial(emu.change_camera, "camera0", resolution="1280x720", fps=15)
        )
        event = await client.next_event(stream)
        assert event is not None and event.synthesized
        assert (event.data.resolution, event.data.fps) == ("1280x720", 15)
        assert event.data.status == "CONNECTED"
    finally:
        await client.run("disconnect")


@pytest.mark.anyio
async def test_nothing_changed_means_no_event(
    emu: CameraServiceEmulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(emu)
    handled = Recorder()
    client.raw.on("*", handled)
    await client.run("connect")
    try:
        before = list_requests(emu)
        stream = client.raw.events(timeout=3 * INTERVAL)
        assert await client.next_event(stream) is None
        assert list_requests(emu) >= before + 2  # it did poll meanwhile
        assert handled.items == []
    finally:
        await client.run("disconnect")


@pytest.mark.anyio
async def test_without_polling_the_current_service_shows_nothing(
    emu: CameraServiceEmulator, make_client: Callable[..., Client]
) -> None:
    # What polling is for: the same unplug goes unnoticed without it.
    client = make_client(emu, poll_interval=None)
    await client.run("connect")
    try:
        stream = client.raw.events("camera_status_update", timeout=BOUND)
        await anyio.to_thread.run_sync(emu.unplug_camera, "camera1")
        assert await client.next_event(stream) is None
        assert list_requests(emu) == 0
    finally:
        await client.run("disconnect")


@pytest.mark.anyio
async def test_a_pushing_service_gives_both_and_only_polled_ones_are_marked(
    emulators: Callable[..., CameraServiceEmulator], make_client: Callable[..., Client]
) -> None:
    emulator = emulators(dialect="current", push_notifications=True)
    client = make_client(emulator)
    await client.run("connect")
    try:
        stream = client.raw.events("camera_status_update", timeout=BOUND)
        await anyio.to_thread.run_sync(emulator.unplug_camera, "camera1")
        first = await client.next_event(stream)
        second = await client.next_event(stream)
        assert first is not None and second is not None
        assert [first.synthesized, second.synthesized] == [False, True]  # pushed, then polled
        assert {first.params["device"], second.params["device"]} == {"camera1"}
        assert second.params["status"] == "DISCONNECTED"
    finally:
        await client.run("disconnect")


@pytest.mark.anyio
async def test_polling_works_on_the_legacy_service(
    emulators: Callable[..., CameraServiceEmulator], make_client: Callable[..., Client]
) -> None:
    emulator = emulators(dialect="legacy", push_notifications=False)
    client = make_client(emulator)
    await client.run("connect")
    try:
        stream = client.raw.events("camera_status_update", timeout=BOUND)
        await anyio.to_thread.run_sync(emulator.unplug_camera, "/dev/video1")
        event = await client.next_event(stream)
        assert event is not None and event.synthesized
        assert event.data.device_path == "/dev/video1" and event.data.status == "DISCONNECTED"
    finally:
        await client.run("disconnect")


@pytest.mark.anyio
async def test_disconnect_during_a_poll_ends_promptly_and_leaves_nothing(
    emu: CameraServiceEmulator, make_client: Callable[..., Client]
) -> None:
    tasks_before = sdk_tasks()
    client = make_client(emu, timeout=HANG)
    await client.run("connect")
    await anyio.to_thread.run_sync(emu.delay, "get_camera_list", 3 * HANG)
    polls = list_requests(emu)
    # A poll is then in flight, waiting for its reply.
    await wait_until(lambda: list_requests(emu) > polls, "a poll sent", HANG)
    with anyio.fail_after(HANG):
        await client.run("disconnect")
    assert sdk_threads() == []
    if client.kind == "async":
        assert sdk_tasks() == tasks_before
    assert client.raw.state == "idle"


@pytest.mark.anyio
async def test_a_handler_may_call_and_disconnect_while_polling(
    emu: CameraServiceEmulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(emu)
    seen: list[list[str]] = []
    done = threading.Event()
    if client.kind == "async":

        async def handler(event: Any) -> None:
            cameras = await client.raw.get_camera_list()
            seen.append([c.device_path for c in cameras])
            await client.raw.disconnect()
            done.set()

    else:

        def handler(event: Any) -> None:
            cameras = client.raw.get_camera_list()
            seen.append([c.device_path for c in cameras])
            client.raw.disconnect()
            done.set()

    client.raw.on("camera_status_update", handler)
    await client.run("connect")
    await anyio.to_thread.run_sync(emu.unplug_camera, "camera1")
    await wait_until(done.is_set, "the handler done", HANG)
    assert seen == [["camera0"]]
    assert client.raw.state == "idle"
    await wait_until(lambda: not sdk_threads(), "no SDK thread left", HANG)


@pytest.mark.anyio
async def test_polling_goes_on_across_a_reconnect(
    emu: CameraServiceEmulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(emu)
    await client.run("connect")
    try:
        reconnected = client.raw.events("sdk.reconnected", timeout=HANG)
        await anyio.to_thread.run_sync(emu.drop_connections)
        event = await client.next_event(reconnected)
        assert event is not None, "no reconnect"
        stream = client.raw.events("camera_status_update", timeout=BOUND)
        await anyio.to_thread.run_sync(emu.unplug_camera, "camera0")
        event = await client.next_event(stream)
        assert event is not None, "polling stopped at the reconnect"
        assert event.synthesized and event.params["device"] == "camera0"
        assert client.raw.reconnect_count == 1
    finally:
        await client.run("disconnect")


@pytest.mark.anyio
async def test_an_unplug_during_an_outage_is_reported_once(
    emu: CameraServiceEmulator, make_client: Callable[..., Client]
) -> None:
    client = make_client(emu)
    await client.run("connect")
    try:
        stream = client.raw.events("camera_status_update", timeout=3 * INTERVAL)
        reconnected = client.raw.events("sdk.reconnected", timeout=HANG)
        missed = 0
        await anyio.to_thread.run_sync(functools.partial(emu.drop_connections, clean=False))
        await anyio.to_thread.run_sync(emu.unplug_camera, "camera1")
        assert await client.next_event(reconnected) is not None, "no reconnect"
        updates = []
        while (event := await client.next_event(stream)) is not None:
            if event.method == "sdk.events_missed":  # always delivered
                missed += 1
            else:
                updates.append(event)
        # Reported by the resync after the reconnect or by the next poll, not both.
        assert [(e.synthesized, dict(e.params)) for e in updates] == [
            (True, {"device": "camera1", "status": "DISCONNECTED"})
        ]
        assert missed == 1
    finally:
        await client.run("disconnect")


@pytest.mark.anyio
async def test_a_failing_poll_does_not_break_the_client(
    emu: CameraServiceEmulator, make_client: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mediamtx_camera_sdk")
    client = make_client(emu, timeout=INTERVAL)
    await client.run("connect")
    try:
        await anyio.to_thread.run_sync(emu.delay, "get_camera_list", 3 * INTERVAL)

        def failed_polls() -> int:
            return sum("polling get_camera_list failed" in r.message for r in caplog.records)

        await wait_until(lambda: failed_polls() >= 2, "two failed polls", HANG)
        assert all(
            r.levelno == logging.DEBUG
            for r in caplog.records
            if "polling get_camera_list failed" in r.message
        )
        assert client.raw.state == "ready"
        assert await client.run("ping") == "pong"  # other calls are fine

        await anyio.to_thread.run_sync(emu.delay, "get_camera_list", 0)
        stream = client.raw.events("camera_status_update", timeout=HANG)
        await anyio.to_thread.run_sync(emu.unplug_camera, "camera1")
        event = await client.next_event(stream)
        assert event is not None and event.synthesized
        assert event.params == {"device": "camera1", "status": "DISCONNECTED"}
    finally:
        await client.run("disconnect")
