"""The current service as observed (the emulator's default), its switches and its quirks.

The reply shapes are checked against the real service's transcript in
``test_emulator_transcripts.py``; here: what a transcript cannot show (no
notification ever pushed, the idle close, the switches) and what the emulator
does instead of the real service's defects unless asked to copy them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

import mediamtx_camera_sdk.testing as testing_package
from mediamtx_camera_sdk.testing import CameraServiceEmulator

from .helpers import WAIT, RawClient
from .test_emulator_http import get

Clients = Callable[..., RawClient]


@pytest.fixture
def observed_factory() -> Iterator[Callable[..., CameraServiceEmulator]]:
    """Observed-behaviour emulators (the constructor's defaults), stopped after the test."""
    made: list[CameraServiceEmulator] = []

    def make(**settings: Any) -> CameraServiceEmulator:
        settings.setdefault("idle_timeout", None)
        settings.setdefault("time_scale", 0.05)
        emulator = CameraServiceEmulator(**settings)
        emulator.start()
        made.append(emulator)
        return emulator

    yield make
    for emulator in made:
        emulator.stop()


@pytest.fixture
def observed(observed_factory: Callable[..., CameraServiceEmulator]) -> CameraServiceEmulator:
    return observed_factory()


def test_defaults() -> None:
    emulator = CameraServiceEmulator()
    assert (emulator.behaviour, emulator.push_notifications) == ("observed", False)
    assert (emulator.idle_timeout, emulator.idle_close, emulator.quirks) == (10.0, "drop", set())
    documented = CameraServiceEmulator(behaviour="documented")
    assert (documented.push_notifications, documented.idle_close) == (True, "close")
    legacy = CameraServiceEmulator(dialect="legacy")
    assert (legacy.push_notifications, legacy.idle_close) == (True, "close")


@pytest.mark.parametrize(
    "settings",
    [
        {"behaviour": "as-seen"},
        {"idle_close": "slam"},
        {"quirks": ["no_such_quirk"]},
        {"quirks": ["no_file_downloads"], "behaviour": "documented"},
        {"quirks": ["no_file_downloads"], "dialect": "legacy"},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CameraServiceEmulator(**settings)


def test_every_reply_carries_metadata(observed: CameraServiceEmulator, clients: Clients) -> None:
    client = clients(observed)
    reply = client.call("ping")
    assert reply["result"] == "pong"
    meta = reply["metadata"]
    assert set(meta) == {"processing_time_ms", "request_id", "server_timestamp"}
    assert meta["request_id"] == reply["id"]
    assert isinstance(meta["processing_time_ms"], int)
    error = client.call("get_camera_list")
    assert error["error"]["data"]["reason"] == "auth_required"
    assert "metadata" in error
    client.send("{not json")
    bad = client.recv()
    assert "id" not in bad and "metadata" not in bad
    assert bad["error"]["code"] == -32600


def test_no_notifications_unless_switched_on(
    observed: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(observed, "operator")
    assert client.result("subscribe_events", {"topics": ["camera.disconnected"]})["subscribed"]
    observed.unplug_camera("camera1")
    observed.plug_camera("camera1")
    client.result("start_recording", {"device": "camera0", "duration": 1})
    client.result("stop_recording", {"device": "camera0"})
    client.drain_to_ping()
    assert client.notifications == []
    # A topic notification a test sends on purpose still reaches its subscribers.
    observed.publish_event("camera.disconnected", {"device": "camera1"})
    assert client.notification("camera.disconnected") == {"device": "camera1"}
    observed.push_notifications = True
    observed.unplug_camera("camera1")
    assert client.notification("camera_status_update")["status"] == "DISCONNECTED"
    assert client.notification("camera.disconnected")["device"] == "camera1"


def test_push_notifications_setting(
    observed_factory: Callable[..., CameraServiceEmulator], clients: Clients
) -> None:
    emulator = observed_factory(push_notifications=True)
    client = clients(emulator, "viewer")
    emulator.change_camera("camera0", status="ERROR")
    update = client.notification("camera_status_update")
    assert (update["device"], update["status"]) == ("camera0", "ERROR")


@pytest.mark.parametrize("idle_close", ["drop", "close"])
def test_idle_connections_end(
    observed_factory: Callable[..., CameraServiceEmulator], idle_close: str
) -> None:
    emulator = observed_factory(idle_timeout=0.3, idle_close=idle_close)
    # WebSocket pings are no activity for the service either.
    client = RawClient(emulator.url, ping_interval=0.05)
    try:
        assert client.result("ping") == "pong"
        with pytest.raises(ConnectionClosed) as closed:
            client.ws.recv(timeout=WAIT)
        if idle_close == "drop":
            assert closed.value.rcvd is None  # no close frame: the client sees 1006
        else:
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    finally:
        client.close()
    emulator.wait_for_connections(0)
    (record,) = emulator.connections()
    assert record.close_code == (1006 if idle_close == "drop" else 1001)


def test_unplugged_cameras_leave_the_list(
    observed: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(observed, "viewer")
    observed.unplug_camera("camera1")
    listed = client.result("get_camera_list")
    assert [c["device"] for c in listed["cameras"]] == ["camera0"]
    assert (listed["total"], listed["connected"]) == (1, 1)
    assert client.result("get_camera_status", {"device": "camera1"})["status"] == "DISCONNECTED"
    observed.plug_camera("camera1")  # without the quirk it comes back
    assert client.result("get_camera_list")["connected"] == 2


def test_errors_as_the_real_service_gives_them(
    observed: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(observed, "operator")
    unknown = client.error("get_camera_status", {"device": "camera9"})
    assert (unknown["code"], unknown["data"]["reason"]) == (-32603, "METHOD_ERROR")
    assert "camera9" in unknown["data"]["details"]
    snapshot = client.error("take_snapshot", {"device": "camera9"})
    assert (snapshot["code"], snapshot["data"]["reason"]) == (-32010, "camera_not_found")
    bad = client.error("start_recording", {"device": "camera0", "duration": -5})
    assert (bad["code"], bad["data"]["reason"]) == (-32603, "METHOD_ERROR")
    assert "duration" in bad["data"]["details"]
    client.result("start_recording", {"device": "camera0"})
    twice = client.error("start_recording", {"device": "camera0"})
    assert "already recording" in twice["data"]["details"]
    observed.fail_next("get_streams", -32050)
    injected = client.error("get_streams")
    assert set(injected["data"]) == {"reason", "details", "suggestion"}
    given = {"reason": "custom", "details": "d", "suggestion": "s"}
    observed.fail_next("get_streams", -32603, data=given)
    assert client.error("get_streams")["data"] == given
    discovery = client.error("discover_external_streams")
    assert (discovery["code"], discovery["data"]["reason"]) == (-32030, "feature_disabled")


def test_external_discovery_can_be_enabled(
    observed_factory: Callable[..., CameraServiceEmulator], clients: Clients
) -> None:
    client = clients(observed_factory(external_discovery=True), "operator")
    found = client.result("discover_external_streams", {"include_offline": True})
    assert found["total_found"] == 4


def test_roles_and_subscriptions(observed: CameraServiceEmulator, clients: Clients) -> None:
    operator = clients(observed, "operator")
    shot = operator.result("take_snapshot", {"device": "camera0"})["filename"]
    # An operator may delete files on the real service.
    assert operator.result("delete_snapshot", {"filename": shot})["deleted"] is True
    operator.result("subscribe_events", {"topics": ["camera.connected"]})
    operator.result("subscribe_events", {"topics": ["recording.start"]})
    stats = operator.result("get_subscription_stats")
    assert stats["client_topics"] == ["recording.start"]  # replaced, not added


def test_defects_are_not_copied_by_default(
    observed: CameraServiceEmulator, clients: Clients
) -> None:
    client = clients(observed, "admin")
    named = client.result("take_snapshot", {"device": "camera0", "filename": "mine.jpg"})
    assert named["filename"] == "mine.jpg"
    first = client.result("take_snapshot", {"device": "camera1"})["filename"]
    second = client.result("take_snapshot", {"device": "camera1"})["filename"]
    assert first != second
    started = client.result("start_recording", {"device": "camera0"})
    client.result("stop_recording", {"device": "camera0"})
    listed = client.result("list_recordings")["files"][0]["filename"]
    assert listed == started["filename"]
    info = client.result("get_recording_info", {"filename": listed})
    assert info["filename"] == listed
    status, _, body = get(
        observed, f"/files/recordings/{listed}", {"Authorization": f"Bearer {observed.token()}"}
    )
    assert status == 200 and body
    assert client.result("delete_recording", {"filename": listed})["deleted"] is True


def test_quirks_copy_the_defects(
    observed_factory: Callable[..., CameraServiceEmulator], clients: Clients
) -> None:
    emulator = observed_factory(quirks=CameraServiceEmulator.QUIRKS)
    assert emulator.quirks == set(CameraServiceEmulator.QUIRKS)
    client = clients(emulator, "admin")
    named = client.result("take_snapshot", {"device": "camera0", "filename": "mine.jpg"})
    assert named["filename"] != "mine.jpg"
    accepted = client.result("start_recording", {"device": "camera0", "format": "avi"})
    assert accepted["format"] == "avi"
    client.result("stop_recording", {"device": "camera0"})
    listed = client.result("list_recordings")["files"][0]["filename"]
    assert client.error("get_recording_info", {"filename": listed})["code"] == -32602
    assert client.error("delete_recording", {"filename": listed})["code"] == -32010
    emulator.unplug_camera("camera1")
    emulator.plug_camera("camera1")
    assert client.result("get_camera_status", {"device": "camera1"})["status"] == "DISCONNECTED"
    status, _, _ = get(
        emulator, f"/files/snapshots/{named['filename']}", {"X-API-Key": emulator.api_key()}
    )
    assert status == 404


def test_the_emulator_imports_nothing_of_the_sdk() -> None:
    """It must stay an independent reading of the wire contract (docs/protocol.md)."""
    folder = Path(testing_package.__file__).parent
    for source in sorted(folder.glob("*.py")):
        tree = ast.parse(source.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                # Relative imports stay inside the testing package (level 1).
                assert node.level in (0, 1), f"{source.name} imports from {module!r}"
                assert node.level == 1 or not module.startswith("mediamtx_camera_sdk"), (
                    f"{source.name} imports {module}"
                )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("mediamtx_camera_sdk"), (
                        f"{source.name} imports {alias.name}"
                    )
