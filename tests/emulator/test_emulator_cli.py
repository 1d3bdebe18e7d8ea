"""``mediamtx-camera emulator`` (and ``python -m mediamtx_camera_sdk.testing``), by subprocess.

Every run here listens on port 0 (a free port); the default port, 8080, is
checked on the parser and in ``--help``, never by binding it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import jwt
import pytest

from mediamtx_camera_sdk.config import DEFAULT_PORT
from mediamtx_camera_sdk.testing._cli import SECRET_ENV, add_arguments

from .helpers import RawClient

#: Seconds a subprocess may take to print its banner or to stop.
PATIENCE = 30


class Running:
    """A started emulator process and what its banner said."""

    def __init__(self, proc: subprocess.Popen[str], lines: list[str]) -> None:
        self.proc = proc
        self.lines = lines
        self.text = "".join(lines)
        self.exports: dict[str, str] = {}
        self.fields: dict[str, str] = {}
        for line in lines:
            words = line.strip()
            if words.startswith("export "):
                name, _, value = words[len("export ") :].partition("=")
                self.exports[name] = shlex.split(value)[0]
            else:
                key, _, value = words.partition(":")
                self.fields[key.strip()] = value.strip()

    def client(self) -> RawClient:
        return RawClient(self.exports["MEDIAMTX_URL"])


def _pump(stream: Any, queue: Queue[str]) -> None:
    for line in stream:
        queue.put(line)


@pytest.fixture
def start() -> Iterator[Any]:
    """``start(*args, env=None)``: run the emulator with ``--port 0``; stopped after the test."""
    procs: list[subprocess.Popen[str]] = []

    def launch(*args: str, env: dict[str, str] | None = None) -> Running:
        command = [sys.executable, "-m", "mediamtx_camera_sdk.testing", "--port", "0", *args]
        # Only what the test gives: no secret inherited from the developer's shell.
        inherited = {k: v for k, v in os.environ.items() if k != SECRET_ENV}
        full_env = {**inherited, **(env or {})}
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env
        )
        procs.append(proc)
        queue: Queue[str] = Queue()
        threading.Thread(target=_pump, args=(proc.stdout, queue), daemon=True).start()
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Press Ctrl-C"):
            try:
                lines.append(queue.get(timeout=PATIENCE))
            except Empty:
                proc.kill()
                _, err = proc.communicate()
                pytest.fail(f"no banner; printed {lines}, stderr {err}")
        return Running(proc, lines)

    yield launch
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=PATIENCE)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def stop(running: Running) -> None:
    running.proc.send_signal(signal.SIGTERM)
    assert running.proc.wait(timeout=PATIENCE) == 0


def test_the_default_port_is_the_sdks() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).port == 8080 == DEFAULT_PORT
    shown = subprocess.run(
        [sys.executable, "-m", "mediamtx_camera_sdk.testing", "--help"],
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=True,
    ).stdout
    assert "default 8080" in shown


def test_prints_export_lines_that_work(start: Any) -> None:
    running = start()
    url = running.exports["MEDIAMTX_URL"]
    assert url == running.fields["WebSocket"]
    assert url.startswith("ws://127.0.0.1:")
    token = running.exports["MEDIAMTX_AUTH_TOKEN"]
    assert token == running.fields["operator token"]
    client = running.client()
    try:
        assert client.result("authenticate", {"auth_token": token})["role"] == "operator"
    finally:
        client.close()
    assert "current dialect, observed, pushes no notifications" in running.lines[0]
    stop(running)


def test_state_dir_keeps_tokens_keys_and_media_across_restarts(start: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = start("--state-dir", str(state))
    token = first.exports["MEDIAMTX_AUTH_TOKEN"]
    key = first.fields["operator API key"]
    client = first.client()
    try:
        client.result("authenticate", {"auth_token": token})
        shot = client.result("take_snapshot", {"device": "camera0"})["filename"]
    finally:
        client.close()
    stop(first)
    secret_file = state / "jwt-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert secret_file.read_text().strip() not in first.text  # the secret is never printed
    assert (state / "media" / "snapshots" / shot).is_file()

    second = start("--state-dir", str(state))
    assert second.fields["operator API key"] == key
    client = second.client()
    try:
        # The token printed by the first run still works, and so does the key.
        assert client.result("authenticate", {"auth_token": token})["role"] == "operator"
        names = [f["filename"] for f in client.result("list_snapshots")["files"]]
        assert shot in names
        assert client.result("authenticate", {"auth_token": key})["role"] == "operator"
    finally:
        client.close()
    stop(second)


def test_secret_from_a_file(start: Any, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("a-secret-kept-in-a-file-0123456789abcdef\n")
    running = start("--secret-file", str(secret_file))
    token = running.exports["MEDIAMTX_AUTH_TOKEN"]
    claims = jwt.decode(token, "a-secret-kept-in-a-file-0123456789abcdef", algorithms=["HS256"])
    assert claims["role"] == "operator"
    assert "a-secret-kept-in-a-file" not in running.text
    assert running.fields["JWT secret"] == str(secret_file)
    stop(running)
    missing = tmp_path / "new" / "secret"
    running = start("--secret-file", str(missing))
    assert missing.read_text().strip()  # created with a random secret
    stop(running)


def test_secret_from_the_environment(start: Any) -> None:
    secret = "a-secret-from-the-environment-0123456789"
    running = start(env={SECRET_ENV: secret})
    claims = jwt.decode(running.exports["MEDIAMTX_AUTH_TOKEN"], secret, algorithms=["HS256"])
    assert claims["role"] == "operator"
    assert running.fields["JWT secret"] == f"${SECRET_ENV}"
    assert secret not in running.text
    stop(running)


def test_behaviour_and_push_options(start: Any) -> None:
    running = start("--behaviour", "documented")
    assert "documented, pushes notifications" in running.lines[0]
    client = running.client()
    try:
        reply = client.call("ping")
        assert "metadata" not in reply
    finally:
        client.close()
    stop(running)
    running = start("--push-notifications", "--quirk", "no_file_downloads")
    assert "observed, pushes notifications" in running.lines[0]
    stop(running)


def test_an_empty_secret_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "secret"
    empty.write_text("\n")
    result = subprocess.run(
        [sys.executable, "-m", "mediamtx_camera_sdk.testing", "--port=0", f"--secret-file={empty}"],
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )
    assert result.returncode == 2
    assert "is empty" in result.stderr
