"""The 1.0 SDK's public surface, fact by fact: what a program written for it relies on.

Each test names the fact it checks. The async flows run the way the 1.0 SDK's
users ran them (``asyncio.run``); the command line runs in a subprocess, as a
user's shell would run it.
"""

from __future__ import annotations

import asyncio
import builtins
import inspect
import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import mediamtx_camera_sdk as sdk
from mediamtx_camera_sdk import SyncCameraClient

ROOT = Path(__file__).resolve().parent.parent

EXCEPTION_NAMES = (
    "CameraServiceError",
    "AuthenticationError",
    "ConnectionError",
    "CameraNotFoundError",
    "MediaMTXError",
    "TimeoutError",
    "ValidationError",
)
PACKAGE_NAMES = (
    "CameraClient",
    *EXCEPTION_NAMES,
    "CameraInfo",
    "RecordingInfo",
    "SnapshotInfo",
    "__version__",
    "__author__",
    "__email__",
)
CONSTRUCTOR = (
    ("host", "localhost"),
    ("port", 8080),
    ("use_ssl", False),
    ("auth_type", "jwt"),
    ("auth_token", None),
    ("api_key", None),
    ("max_retries", 3),
    ("retry_delay", 1.0),
)
CLIENTS = [sdk.CameraClient, SyncCameraClient]


@pytest.fixture(autouse=True)
def no_mediamtx_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The defaults are the documented ones only when no MEDIAMTX_* variable is set."""
    for name in list(os.environ):
        if name.startswith("MEDIAMTX_"):
            monkeypatch.delenv(name)


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ----------------------------------------------------------------- modules a user imports


def test_the_package_exports_every_name_of_the_original() -> None:
    for name in PACKAGE_NAMES:
        assert hasattr(sdk, name), name
        assert name in sdk.__all__, name
    assert isinstance(sdk.__version__, str) and sdk.__version__
    assert isinstance(sdk.__author__, str) and sdk.__author__
    assert isinstance(sdk.__email__, str) and "@" in sdk.__email__


def test_the_exceptions_module() -> None:
    from mediamtx_camera_sdk import exceptions
    from mediamtx_camera_sdk.exceptions import (  # the import line of a 1.0 program
        AuthenticationError,
        CameraNotFoundError,
        CameraServiceError,
        ConnectionError,
        MediaMTXError,
        TimeoutError,
        ValidationError,
    )

    imported = (
        CameraServiceError,
        AuthenticationError,
        ConnectionError,
        CameraNotFoundError,
        MediaMTXError,
        TimeoutError,
        ValidationError,
    )
    for name, cls in zip(EXCEPTION_NAMES, imported, strict=True):
        # The same classes as the package's: an except written either way catches both.
        assert cls is getattr(sdk, name), name
        assert name in exceptions.__all__


def test_the_models_module() -> None:
    from mediamtx_camera_sdk.models import CameraInfo, RecordingInfo, SnapshotInfo

    assert (CameraInfo, RecordingInfo, SnapshotInfo) == (
        sdk.CameraInfo,
        sdk.RecordingInfo,
        sdk.SnapshotInfo,
    )


def test_the_client_module() -> None:
    from mediamtx_camera_sdk.client import CameraClient

    assert CameraClient is sdk.CameraClient


def test_the_cli_module_has_an_async_main_and_a_blocking_cli_main() -> None:
    from mediamtx_camera_sdk import cli
    from mediamtx_camera_sdk.cli import cli_main, main

    assert inspect.iscoroutinefunction(main)
    assert callable(cli_main) and not inspect.iscoroutinefunction(cli_main)
    assert cli.main is main


def test_every_exception_derives_from_camera_service_error() -> None:
    for name in EXCEPTION_NAMES:
        assert issubclass(getattr(sdk, name), sdk.CameraServiceError), name


@pytest.mark.parametrize("name", EXCEPTION_NAMES)
def test_each_exception_is_built_from_one_message_and_prints_it(name: str) -> None:
    exc = getattr(sdk, name)("Camera not responding")
    assert str(exc) == "Camera not responding"
    with pytest.raises(getattr(sdk, name), match=r"^Camera not responding$"):
        raise exc


def test_timeout_and_connection_errors_shadow_the_builtins_by_name() -> None:
    from mediamtx_camera_sdk import ConnectionError, TimeoutError

    assert ConnectionError is not builtins.ConnectionError
    assert TimeoutError is not builtins.TimeoutError
    assert issubclass(ConnectionError, builtins.ConnectionError)
    assert issubclass(TimeoutError, builtins.TimeoutError)
    # The SDK's call timeouts are the package's TimeoutError.
    assert issubclass(sdk.CallTimeoutError, TimeoutError)
    with pytest.raises(TimeoutError, match="no reply"):
        raise sdk.CallTimeoutError("no reply to ping within 1 s", method="ping")


def test_validation_error_means_input_was_refused() -> None:
    from mediamtx_camera_sdk import ValidationError

    assert issubclass(ValidationError, ValueError)
    assert issubclass(ValidationError, sdk.InvalidParamsError)


def test_an_sdk_timeout_is_caught_by_except_timeout_error(camera_service: Any) -> None:
    from mediamtx_camera_sdk import TimeoutError

    camera_service.delay("get_camera_list", 5.0)
    host, port = host_port(camera_service.url)

    async def program() -> str:
        client = sdk.CameraClient(host=host, port=port, auth_token=camera_service.token("viewer"))
        await client.connect()
        try:
            await client.get_camera_list(timeout=0.3)
        except TimeoutError as exc:
            return type(exc).__name__
        finally:
            await client.disconnect()
        return "no timeout"

    assert asyncio.run(program()) == "CallTimeoutError"


def test_client_side_refusals_are_validation_errors() -> None:
    """An argument refused before anything is sent is the package's ValidationError."""
    from mediamtx_camera_sdk import ValidationError

    with pytest.raises(ValidationError):
        sdk.CameraClient(port="not a port")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SyncCameraClient(timeout=-1)


def test_python_dash_m_cli_runs_the_command_line() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "MediaMTX Camera Service CLI" in result.stdout


# ----------------------------------------------------------------- CameraClient attributes


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_constructor_parameters_in_order_with_their_defaults(client_class: type) -> None:
    parameters = list(inspect.signature(client_class).parameters.values())
    assert [p.name for p in parameters[: len(CONSTRUCTOR)]] == [n for n, _ in CONSTRUCTOR]
    for parameter, (name, default) in zip(parameters, CONSTRUCTOR, strict=False):
        assert parameter.default == default, name


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_attributes_read_the_defaults(client_class: type) -> None:
    client = client_class()
    for name, default in CONSTRUCTOR:
        assert getattr(client, name) == default, name
    assert client.connected is False
    assert client.authenticated is False
    assert client.websocket is None
    assert isinstance(client.client_id, str) and client.client_id
    assert isinstance(client.logger, logging.Logger)


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_attributes_read_the_values_given_by_keyword_and_by_position(client_class: type) -> None:
    values = ("cams.example", 8002, True, "api_key", "a.jwt.token", "key-123", 5, 0.5)
    for client in (
        client_class(*values),
        client_class(**{name: value for (name, _), value in zip(CONSTRUCTOR, values, strict=True)}),
    ):
        for (name, _), value in zip(CONSTRUCTOR, values, strict=True):
            assert getattr(client, name) == value, name


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_attributes_read_the_environment_where_no_argument_was_given(
    client_class: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMTX_HOST", "env-host")
    monkeypatch.setenv("MEDIAMTX_PORT", "8123")
    client = client_class(max_retries=1)
    assert (client.host, client.port, client.max_retries) == ("env-host", 8123, 1)
    assert client_class(host="given").host == "given"


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_client_ids_are_unique(client_class: type) -> None:
    ids = {client_class().client_id for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_writing_the_state_attributes_is_harmless(client_class: type) -> None:
    client = client_class()
    client.connected = False
    client.authenticated = False
    client.websocket = None
    assert (client.connected, client.authenticated, client.websocket) == (False, False, None)


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
def test_event_hooks_are_assignable(client_class: type) -> None:
    client = client_class()
    for hook in ("on_camera_status_update", "on_recording_status_update", "on_connection_lost"):
        assert hasattr(client, hook), hook

        def handler(*_: Any) -> None:
            return None

        setattr(client, hook, handler)
        assert getattr(client, hook) is handler


def test_disconnect_is_safe_when_not_connected() -> None:
    async def program() -> tuple[bool, bool, object]:
        client = sdk.CameraClient()
        await client.disconnect()
        return client.connected, client.authenticated, client.websocket

    assert asyncio.run(program()) == (False, False, None)
    sync = SyncCameraClient()
    sync.disconnect()
    assert (sync.connected, sync.authenticated, sync.websocket) == (False, False, None)


def test_connected_authenticated_and_websocket_tell_the_truth(camera_service: Any) -> None:
    host, port = host_port(camera_service.url)

    async def program() -> list[tuple[bool, bool, bool]]:
        client = sdk.CameraClient(host=host, port=port, auth_token=camera_service.token())
        seen = [(client.connected, client.authenticated, client.websocket is not None)]
        await client.connect()
        seen.append((client.connected, client.authenticated, client.websocket is not None))
        await client.get_camera_list()
        await client.disconnect()
        seen.append((client.connected, client.authenticated, client.websocket is not None))
        # Resetting the state the 1.0 way, then connecting again, works.
        client.connected = False
        client.authenticated = False
        client.websocket = None
        await client.connect()
        seen.append((client.connected, client.authenticated, client.websocket is not None))
        await client.disconnect()
        return seen

    assert asyncio.run(program()) == [
        (False, False, False),
        (True, True, True),
        (False, False, False),
        (True, True, True),
    ]


def test_the_sync_client_tells_the_truth_too(camera_service: Any) -> None:
    host, port = host_port(camera_service.url)
    client = SyncCameraClient(host=host, port=port, auth_token=camera_service.token())
    client.connect()
    try:
        assert (client.connected, client.authenticated) == (True, True)
        assert client.websocket is not None
    finally:
        client.disconnect()
    assert (client.connected, client.authenticated, client.websocket) == (False, False, None)


@pytest.mark.parametrize(
    ("auth_type", "credential"), [("jwt", "auth_token"), ("api_key", "api_key")]
)
def test_a_failed_authentication_leaves_nothing_open(
    camera_service: Any, auth_type: str, credential: str
) -> None:
    host, port = host_port(camera_service.url)

    async def program() -> tuple[str, bool, bool, object]:
        client = sdk.CameraClient(
            host=host, port=port, auth_type=auth_type, max_retries=0, **{credential: "invalid"}
        )
        try:
            await client.connect()
        except sdk.AuthenticationError as exc:
            return str(exc), client.connected, client.authenticated, client.websocket
        finally:
            await client.disconnect()
        return "connected", True, True, None

    message, connected, authenticated, websocket = asyncio.run(program())
    assert "authenticat" in message.lower()
    assert (connected, authenticated, websocket) == (False, False, None)


def test_a_connection_failure_raises_the_sdks_connection_error() -> None:
    port = closed_port()

    async def program() -> str:
        client = sdk.CameraClient(host="127.0.0.1", port=port, max_retries=0, retry_delay=0.01)
        try:
            await client.connect()
        except sdk.ConnectionError as exc:
            return type(exc).__module__
        return "connected"

    assert asyncio.run(program()).startswith("mediamtx_camera_sdk")


# ----------------------------------------------------------------- data classes


def test_camera_info_by_keyword_and_by_position() -> None:
    from mediamtx_camera_sdk.models import CameraInfo

    fields = {
        "device_path": "/dev/video0",
        "name": "USB Camera",
        "capabilities": ["1920x1080", "1280x720"],
        "status": "CONNECTED",
        "stream_url": "rtsp://localhost:8554/camera0",
    }
    for camera in (CameraInfo(**fields), CameraInfo(*fields.values())):
        for name, value in fields.items():
            assert getattr(camera, name) == value, name
    short = CameraInfo("/dev/video1", "Cam", [], "DISCONNECTED")
    assert short.stream_url is None


def test_recording_info_by_keyword_and_by_position() -> None:
    from mediamtx_camera_sdk.models import RecordingInfo

    fields = {
        "device_path": "/dev/video0",
        "recording_id": "rec-1",
        "filename": "camera0_2025.mp4",
        "start_time": 1700000000.5,
        "duration": 30.0,
        "status": "completed",
    }
    for recording in (RecordingInfo(**fields), RecordingInfo(*fields.values())):
        for name, value in fields.items():
            assert getattr(recording, name) == value, name
    short = RecordingInfo("/dev/video0", "rec-2", "b.mp4", 1700000000.0)
    assert (short.duration, short.status) == (None, "active")
    assert isinstance(short.start_time, float)


def test_snapshot_info_by_keyword_and_by_position() -> None:
    from mediamtx_camera_sdk.models import SnapshotInfo

    fields = {
        "device_path": "/dev/video0",
        "filename": "snap.jpg",
        "timestamp": 1700000000.25,
        "size_bytes": 12345,
    }
    for snapshot in (SnapshotInfo(**fields), SnapshotInfo(*fields.values())):
        for name, value in fields.items():
            assert getattr(snapshot, name) == value, name
        # size_bytes and file_size are one value.
        assert snapshot.file_size == 12345
    short = SnapshotInfo("/dev/video0", "s.jpg", 1700000000.0)
    assert short.size_bytes is None
    assert isinstance(short.timestamp, float)


# ----------------------------------------------------------------- the original command line


def run_cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mediamtx_camera_sdk.cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean,
    )


@pytest.fixture
def service(camera_service: Any) -> tuple[Any, list[str]]:
    host, port = host_port(camera_service.url)
    return camera_service, ["--host", host, "--port", str(port)]


def test_console_script_is_declared() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    scripts = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    assert 'mediamtx-camera-cli = "mediamtx_camera_sdk.cli:cli_main"' in scripts


def test_help_shows_the_description_and_examples() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "MediaMTX Camera Service CLI" in result.stdout
    assert "Examples:" in result.stdout
    for option in ("--host", "--port", "--ssl", "--auth-type", "--token", "--key", "--timeout"):
        assert option in result.stdout, option
    assert "--format" in result.stdout and "{table,json}" in result.stdout


@pytest.mark.parametrize("argv", [(), ("launch",)], ids=["no command", "unknown command"])
def test_a_bad_command_prints_usage_and_an_error_line(argv: tuple[str, ...]) -> None:
    result = run_cli(*argv)
    assert result.returncode == 1
    assert "usage:" in result.stderr
    assert "error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_jwt_without_a_token_is_refused_before_connecting() -> None:
    # Nothing listens on that port: a connection attempt would say so instead.
    result = run_cli("--port", str(closed_port()), "--auth-type", "jwt", "list")
    assert result.returncode == 1
    assert "token is required" in result.stderr
    assert "refused" not in result.stderr


def test_list_status_and_ping(service: tuple[Any, list[str]]) -> None:
    emulator, where = service
    token = ["--token", emulator.token("operator")]
    result = run_cli(*where, *token, "list")
    assert result.returncode == 0, result.stderr
    assert "camera0" in result.stdout
    result = run_cli(*where, *token, "status", "camera0")
    assert result.returncode == 0, result.stderr
    assert "CONNECTED" in result.stdout
    result = run_cli(*where, "ping")
    assert result.returncode == 0, result.stderr
    assert "pong" in result.stdout


def test_format_json_prints_json(service: tuple[Any, list[str]]) -> None:
    emulator, where = service
    result = run_cli(*where, "--token", emulator.token("viewer"), "--format", "json", "list")
    assert result.returncode == 0, result.stderr
    cameras = json.loads(result.stdout)["cameras"]
    assert [c["device"] for c in cameras] == ["camera0", "camera1"]


def test_snapshot_record_and_stop(service: tuple[Any, list[str]]) -> None:
    emulator, where = service
    token = ["--token", emulator.token("operator")]
    result = run_cli(*where, *token, "snapshot", "camera0")
    assert result.returncode == 0, result.stderr
    assert "snapshot" in result.stdout
    result = run_cli(*where, *token, "record", "camera0")
    assert result.returncode == 0, result.stderr
    assert "recording" in result.stdout
    result = run_cli(*where, *token, "stop", "camera0")
    assert result.returncode == 0, result.stderr
    assert "stopped" in result.stdout


def test_api_key(service: tuple[Any, list[str]]) -> None:
    emulator, where = service
    result = run_cli(*where, "--auth-type", "api_key", "--key", emulator.api_key("viewer"), "list")
    assert result.returncode == 0, result.stderr
    assert "camera0" in result.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("status", "camera9"), "camera9"),
        (("status",), "DEVICE"),
        (("--token", "not-a-token", "list"), "uthenticat"),
    ],
)
def test_any_failure_exits_1_with_our_error_message(
    service: tuple[Any, list[str]], argv: tuple[str, ...], message: str
) -> None:
    emulator, where = service
    if "--token" not in argv:
        argv = ("--token", emulator.token("operator"), *argv)
    result = run_cli(*where, *argv)
    assert result.returncode == 1
    assert message.lower() in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_timeout_bounds_each_call(service: tuple[Any, list[str]]) -> None:
    emulator, where = service
    emulator.delay("get_camera_list", 30.0)
    result = run_cli(*where, "--token", emulator.token("viewer"), "--timeout", "0.5", "list")
    assert result.returncode == 1
    assert "0.5" in result.stderr or "timed out" in result.stderr.lower()


def test_connection_failure_exits_1() -> None:
    result = run_cli("--host", "127.0.0.1", "--port", str(closed_port()), "ping")
    assert result.returncode == 1
    assert "error:" in result.stderr


def test_cli_main_returns_the_exit_code_and_main_is_awaitable(
    service: tuple[Any, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    from mediamtx_camera_sdk.cli import cli_main, main

    _, where = service
    assert cli_main([*where, "ping"]) == 0
    assert "pong" in capsys.readouterr().out
    assert asyncio.run(main([*where, "ping"])) == 0
    assert "pong" in capsys.readouterr().out
