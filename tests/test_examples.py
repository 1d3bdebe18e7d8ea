"""Every script in examples/ runs against the emulator, as a user would run it."""

from __future__ import annotations

import ast
import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
import time
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
        "MEDIAMTX_EXAMPLE_SECONDS": "20",
    }
    with start_example("reconnect_and_watch.py", env) as proc:
        lines = LineReader(proc)
        lines.wait_for("watching...")
        camera_service.drop_connections(clean=False)
        lines.wait_for("connection lost; reconnecting...")
        lines.wait_for("reconnected")
        lines.wait_for("events may have been missed")
        camera_service.unplug_camera("camera1")
        lines.wait_for("camera.disconnected")
        proc.terminate()


class LineReader:
    """Reads a process's stdout on a thread, so a test can wait for a line with a timeout."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        stdout = proc.stdout
        self.thread = threading.Thread(
            target=lambda: [self.lines.put(line) for line in stdout], daemon=True
        )
        self.thread.start()

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """The first line (already printed or to come) containing ``text``."""
        for line in self.seen:
            if text in line:
                return line
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} not printed; got {self.seen}"
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line


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


def test_errors(camera_service: Any) -> None:
    out = run_example(
        "errors.py",
        {"MEDIAMTX_URL": camera_service.url, "MEDIAMTX_AUTH_TOKEN": camera_service.token("viewer")},
    )
    # -32010 on the documented service, -32603 on the real one: both are "not found".
    assert re.search(r"not found: code -32\d+, method get_camera_status", out), out
    assert "rejected before sending: device_path" in out
    out = run_example(
        "errors.py", {"MEDIAMTX_URL": camera_service.url, "MEDIAMTX_AUTH_TOKEN": "bad-token"}
    )
    assert out.startswith("Authentication failed:")
    out = run_example("errors.py", {"MEDIAMTX_URL": "ws://127.0.0.1:9/ws"})
    assert out.startswith("Connection failed:")


def test_pytest_plugin_example() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(EXAMPLES / "test_with_emulator.py"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=EXAMPLES,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_tls_private_ca(camera_service_factory: Any, tmp_path: Path) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    service = camera_service_factory(ssl_context=server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    out = run_example(
        "tls_private_ca.py",
        {
            "MEDIAMTX_URL": service.url,
            "MEDIAMTX_AUTH_TOKEN": service.token("viewer"),
            "CAMERA_CA_FILE": str(ca_file),
        },
    )
    assert out == f"{service.url}: pong over TLS\n"
    assert service.url.startswith("wss://")


def test_migrating_from_1_0(service: Any) -> None:
    """A program written for the 1.0 SDK runs unchanged, then its two new lines work."""
    out = run_example(
        "migrating_from_1_0.py",
        {
            "MEDIAMTX_HOST": service.host,
            "MEDIAMTX_PORT": str(service.port),
            "MEDIAMTX_AUTH_TOKEN": service.token("operator"),
        },
    )
    assert f"for {service.host}:{service.port}" in out
    assert "connected=True authenticated=True" in out
    assert "Found 2 cameras" in out
    assert "Snapshot saved: " in out
    assert "Recording " in out and " stopped" in out
    assert "Downloaded to " in out
    assert "connected=False websocket=None" in out
    for failure in ("Authentication failed", "Connection failed", "Timed out", "service error:"):
        assert failure not in out, out


def _swallows(handler: ast.ExceptHandler) -> bool:
    """Whether an ``except`` may catch cancellation (or every error) and not raise again."""
    caught = handler.type
    names: list[str] = []
    if caught is None:
        names = ["BaseException"]
    else:
        for node in caught.elts if isinstance(caught, ast.Tuple) else [caught]:
            names.append(node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", ""))
    broad = {"BaseException", "Exception", "CancelledError", "Cancelled", "KeyboardInterrupt"}
    if not broad & set(names):
        return False
    reraises = any(isinstance(node, ast.Raise) for node in ast.walk(ast.Module(handler.body, [])))
    # Ending the program on Ctrl-C at the top level (outside any function) is fine.
    return not reraises and names != ["KeyboardInterrupt"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_examples_never_swallow_cancellation(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.ExceptHandler):
                    assert not _swallows(node) and not (
                        node.type is not None and "KeyboardInterrupt" in ast.dump(node.type)
                    ), f"{path.name}:{node.lineno} may swallow cancellation"
    for node in tree.body:
        for handler in getattr(node, "handlers", []):
            assert not _swallows(handler), f"{path.name}:{handler.lineno} swallows errors"


def test_the_cancellation_check_notices_a_swallowing_handler() -> None:
    code = (
        "async def f():\n    try:\n        pass\n    except asyncio.CancelledError:\n        pass\n"
    )
    function = ast.parse(code).body[0]
    assert isinstance(function, ast.AsyncFunctionDef)
    handler = function.body[0].handlers[0]  # type: ignore[attr-defined]
    assert _swallows(handler)
    ok = ast.parse("try:\n    pass\nexcept Exception:\n    raise\n").body[0]
    assert not _swallows(ok.handlers[0])  # type: ignore[attr-defined]
