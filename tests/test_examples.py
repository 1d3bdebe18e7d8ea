"""Every script in examples/ runs against the emulator, as a user would run it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str, env: dict[str, str], timeout: float = 60) -> str:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")}
    full_env.update(env)
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@contextlib.contextmanager
def start_example(name: str, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """Start an example in the background; it is killed and reaped whatever happens."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")}
    full_env.update(env)
    with subprocess.Popen(
        [sys.executable, str(EXAMPLES / name)],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


@pytest.fixture(params=["current", "legacy"])
def service(request: pytest.FixtureRequest, camera_service_factory: Any) -> Any:
    return camera_service_factory(dialect=request.param)


def test_basic_usage(service: Any) -> None:
    out = run_example(
        "basic_usage.py",
        {"MEDIAMTX_URL": service.url, "MEDIAMTX_AUTH_TOKEN": service.token("operator")},
    )
    assert "Found 2 cameras" in out
    assert "Snapshot saved: camera0_" in out


def test_basic_usage_with_host_and_port(camera_service: Any) -> None:
    out = run_example(
        "basic_usage.py",
        {
            "MEDIAMTX_HOST": "127.0.0.1",
            "MEDIAMTX_PORT": str(camera_service.port),
            "MEDIAMTX_AUTH_TOKEN": camera_service.token("operator"),
        },
    )
    assert "Found 2 cameras" in out


def test_api_key(service: Any) -> None:
    out = run_example(
        "api_key.py", {"MEDIAMTX_URL": service.url, "MEDIAMTX_API_KEY": service.api_key("viewer")}
    )
    assert f"Authenticated as viewer on the {service.dialect} service" in out
    assert out.count("CONNECTED") == 2


def test_notifications(service: Any) -> None:
    env = {
        "MEDIAMTX_URL": service.url,
        "MEDIAMTX_AUTH_TOKEN": service.token("operator"),
        "MEDIAMTX_EXAMPLE_SECONDS": "2",
    }
    with start_example("notifications.py", env) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "Listening for notifications...\n"
        device = service.devices[1]
        service.unplug_camera(device)
        service.plug_camera(device)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"Camera {device} status: DISCONNECTED" in out
    assert f"Camera {device} status: CONNECTED" in out


def test_trio_client(service: Any) -> None:
    out = run_example(
        "trio_client.py",
        {"MEDIAMTX_URL": service.url, "MEDIAMTX_AUTH_TOKEN": service.token("viewer")},
    )
    assert f"2 cameras on the {service.dialect} service" in out
    assert out.count(": CONNECTED") == 2


def test_sync_client(service: Any) -> None:
    out = run_example(
        "sync_client.py",
        {"MEDIAMTX_URL": service.url, "MEDIAMTX_AUTH_TOKEN": service.token("operator")},
    )
    assert out.startswith("pong")
    assert "snapshot camera0_" in out


def test_reconnect_and_watch(camera_service: Any) -> None:
    env = {
        "MEDIAMTX_URL": camera_service.url,
        "MEDIAMTX_AUTH_TOKEN": camera_service.token("viewer"),
        "MEDIAMTX_EXAMPLE_SECONDS": "6",
    }
    with start_example("reconnect_and_watch.py", env) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "watching...\n"
        camera_service.drop_connections(clean=False)
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert lines == ["connection lost; reconnecting...\n", "reconnected\n"]
        camera_service.unplug_camera("camera1")
        out, err = proc.communicate(timeout=30)
        out = "".join(lines) + out
    assert proc.returncode == 0, err
    assert "connection lost; reconnecting..." in out
    assert "reconnected" in out
    assert "events may have been missed" in out


def test_fleet(camera_service_factory: Any) -> None:
    current = camera_service_factory(dialect="current", jwt_secret="fleet-secret-" + "x" * 32)
    legacy = camera_service_factory(dialect="legacy", jwt_secret="fleet-secret-" + "x" * 32)
    dead = "ws://127.0.0.1:9/ws"
    out = run_example(
        "fleet.py",
        {
            "MEDIAMTX_FLEET": f"{current.url} {legacy.url} {dead}",
            "MEDIAMTX_AUTH_TOKEN": current.token("viewer"),
        },
    )
    assert f"{current.url}: 2/2 cameras connected" in out
    assert f"{legacy.url}: 2/2 cameras connected" in out
    assert f"{dead}: unreachable" in out
