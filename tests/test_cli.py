"""The ``mediamtx-camera`` command line against the emulator."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from mediamtx_camera_sdk import cli


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, camera_service: Any) -> Any:
    for name in list(os.environ):
        if name.startswith("MEDIAMTX_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MEDIAMTX_URL", camera_service.url)
    monkeypatch.setenv("MEDIAMTX_AUTH_TOKEN", camera_service.token("operator"))
    return camera_service


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.mediamtx_camera(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ping_and_cameras(env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ping")
    assert code == 0
    assert out.startswith("pong from ws://127.0.0.1:")
    assert "dialect current, role operator" in out
    code, out, _ = run(capsys, "cameras")
    assert code == 0
    assert "camera0  CONNECTED" in out
    assert "2 camera(s), 2 connected" in out


def test_json_output(env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "cameras")
    assert code == 0
    data = json.loads(out)
    assert [c["device"] for c in data["cameras"]] == ["camera0", "camera1"]
    assert data["connected"] == 2
    code, out, _ = run(capsys, "status", "camera0", "--json")
    assert json.loads(out)["device"] == "camera0"
    code, out, _ = run(capsys, "ping", "--json")
    assert json.loads(out)["reply"] == "pong"


def test_snapshot_download_and_listing(
    env: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "snapshot", "camera0", "-o", str(tmp_path))
    assert code == 0
    (saved,) = tmp_path.iterdir()
    assert saved.read_bytes()[:2] == b"\xff\xd8"  # a JPEG
    assert f"downloaded to {saved}" in out
    code, out, _ = run(capsys, "--json", "snapshots")
    assert json.loads(out)["files"][0]["filename"] == saved.name
    code, out, _ = run(capsys, "snapshots", "--all")
    assert saved.name in out
    other = tmp_path / "copy.jpg"
    code, out, _ = run(capsys, "download", "snapshot", saved.name, "-o", str(other))
    assert code == 0
    assert other.read_bytes() == saved.read_bytes()


def test_record_with_duration_then_list(env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "record", "camera0", "--duration", "1")
    assert code == 0
    assert "recording camera0_" in out
    assert "stopped camera0_" in out
    code, out, _ = run(capsys, "--json", "recordings")
    files = json.loads(out)["files"]
    assert len(files) == 1
    assert files[0]["file_size"] > 0


def test_call_any_method(env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "call", "get_camera_status", '{"device": "camera1"}')
    assert code == 0
    assert json.loads(out)["device"] == "camera1"


@pytest.mark.parametrize(
    ("argv", "expected", "message"),
    [
        (("status", "camera9"), 6, "camera9"),
        (("stop", "camera0"), 8, "recording"),
        (("call", "get_storage_info"), 5, "Permission denied"),
        (("call", "no_such_method"), 8, "Method not found"),
        (("call", "ping", "[1]"), 2, "JSON object"),
        (("call", "ping", "{nope"), 2, "not valid JSON"),
        (("status", "not a camera"), 2, "device_path"),
        (("--url", "ws://127.0.0.1:9/ws", "ping"), 3, "refused"),
    ],
)
def test_errors_print_one_line_and_exit_with_their_code(
    env: Any, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], expected: int, message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == expected
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_bad_token_is_an_auth_error(
    env: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMTX_AUTH_TOKEN", "not-a-valid-token")
    code, _, err = run(capsys, "cameras")
    assert code == 4
    assert "not-a-valid-token" not in err


def test_token_from_file_and_never_printed(
    env: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token = env.token("viewer")
    monkeypatch.delenv("MEDIAMTX_AUTH_TOKEN")
    (tmp_path / "tok").write_text(token + "\n")
    code, out, err = run(capsys, "-vv", "ping", "--token-file", str(tmp_path / "tok"))
    assert code == 0
    assert "role viewer" in out
    assert token not in out + err
    code, _, err = run(capsys, "ping", "--token-file", str(tmp_path / "missing"))
    assert code == 2
    assert "cannot read" in err


def test_api_key_file(
    env: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MEDIAMTX_AUTH_TOKEN")
    (tmp_path / "key").write_text(env.api_key("admin"))
    code, out, _ = run(capsys, "--api-key-file", str(tmp_path / "key"), "call", "get_storage_info")
    assert code == 0
    assert "total_space" in out


def test_watch_prints_notifications(env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    def unplug_when_connected() -> None:
        env.wait_for_connections(1, timeout=10)
        # Subscribing happens right after connecting; unplug/plug until seen.
        for _ in range(50):
            env.unplug_camera("camera1")
            env.plug_camera("camera1")
            if done.wait(0.1):
                return

    done = threading.Event()
    helper = threading.Thread(target=unplug_when_connected)
    helper.start()
    try:
        code, out, _ = run(capsys, "--json", "watch", "--count", "2", "camera_status_update")
    finally:
        done.set()
        helper.join()
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["method"] for e in events] == ["camera_status_update"] * 2
    assert {e["params"]["device"] for e in events} == {"camera1"}


@pytest.fixture
def quiet_env(monkeypatch: pytest.MonkeyPatch, camera_service_factory: Any) -> Any:
    """The current service as it behaves: it pushes no notifications."""
    emulator = camera_service_factory(dialect="current", push_notifications=False)
    for name in list(os.environ):
        if name.startswith("MEDIAMTX_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MEDIAMTX_URL", emulator.url)
    monkeypatch.setenv("MEDIAMTX_AUTH_TOKEN", emulator.token("operator"))
    return emulator


def _unplug_until(emulator: Any, done: threading.Event, pause: float) -> None:
    """Unplug and replug camera1, ``pause`` s apart, until ``done`` (the watch saw enough)."""
    emulator.wait_for_connections(1, timeout=10)
    for _ in range(50):
        emulator.unplug_camera("camera1")
        if done.wait(pause):
            return
        emulator.plug_camera("camera1")
        if done.wait(pause):
            return


@pytest.mark.parametrize("poll", [None, "0.2"], ids=["default", "poll-0.2"])
def test_watch_polls_a_service_that_pushes_nothing(
    quiet_env: Any, capsys: pytest.CaptureFixture[str], poll: str | None
) -> None:
    # By default `watch` polls the current service (every 2 s); --poll sets the interval.
    done = threading.Event()
    helper = threading.Thread(target=_unplug_until, args=(quiet_env, done, 2.5))
    helper.start()
    flags = ["--poll", poll] if poll else []
    try:
        code, out, _ = run(
            capsys, "--json", "watch", "--count", "2", *flags, "camera_status_update"
        )
    finally:
        done.set()
        helper.join()
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["params"]["device"] for e in events] == ["camera1"] * 2
    # Which comes first depends on when the watch read its first list.
    assert {e["params"]["status"] for e in events} == {"DISCONNECTED", "CONNECTED"}
    assert all(e["synthesized"] is True for e in events)


def test_watch_poll_flag_sets_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    from mediamtx_camera_sdk._command import build_parser, client_from_args

    for name in list(os.environ):
        if name.startswith("MEDIAMTX_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MEDIAMTX_POLL_INTERVAL", "7")

    def interval(*argv: str) -> float | None:
        args = build_parser().parse_args(argv)
        return client_from_args(args).settings.poll_interval

    assert interval("watch") == 7.0  # the environment, when no flag is given
    assert interval("watch", "--poll", "0.5") == 0.5
    assert interval("watch", "--poll", "0") is None  # never, over the environment
    monkeypatch.delenv("MEDIAMTX_POLL_INTERVAL")
    assert interval("watch") is None  # decided once connected (the current service: 2 s)
    with pytest.raises(ValueError, match="--poll must be a number of seconds >= 0"):
        interval("watch", "--poll", "-1")


def test_legacy_service(
    capsys: pytest.CaptureFixture[str], legacy_camera_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMTX_AUTH_TOKEN", legacy_camera_service.token("operator"))
    code, out, _ = run(capsys, "--url", legacy_camera_service.url, "cameras")
    assert code == 0
    assert "/dev/video0  CONNECTED" in out
    code, _, err = run(capsys, "--url", legacy_camera_service.url, "recordings")
    assert code == 8
    assert "not available on the legacy service" in err


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.mediamtx_camera(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for code in ("3 connection", "4 authentication", "6 not found", "7 timeout", "130"):
        assert code in out
    assert all(str(code) in (cli.__doc__ or "") for _, code in cli.EXIT_CODES)


def test_demo_runs_end_to_end() -> None:
    """The main job: the README's first command, after install."""
    result = subprocess.run(
        [sys.executable, "-m", "mediamtx_camera_sdk", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "Connect and authenticate",
        "List cameras",
        "Take a snapshot",
        "Record 3 s",
        # The embedded current service pushes nothing, as the real one: the
        # tour polls, so the camera events are synthesized and recording ones
        # cannot be seen (the recording's state comes from the calls' results).
        "the client polls the camera list every 0.25 s",
        "event camera_status_update camera1 DISCONNECTED (polled)",
        "event camera_status_update camera1 CONNECTED (polled)",
        "get_recording_status('camera0') -> STOPPED",
        "Download the newest recording",
        "All good.",
        # Where the downloads went, and that they are gone.
        "The downloaded files were in ",
        "removed now (--keep-files FOLDER keeps them)",
    ):
        assert expected in out
    assert "Traceback" not in result.stderr


def test_demo_json_summary_on_legacy() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mediamtx_camera_sdk",
            "demo",
            "--json",
            "--dialect-emulated",
            "legacy",
            "--record-seconds",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")},
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["dialect"] == "legacy"
    assert summary["files_downloaded"] == 1
    assert summary["events_by_name"]["recording_status_update"] >= 2


def test_demo_against_a_real_service_is_read_only(
    env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "demo", "--url", env.url)
    assert code == 0
    assert "Take a snapshot" not in out
    assert "List cameras" in out
    assert "0 files downloaded" in out


def test_emulator_command_runs_until_interrupted() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "mediamtx_camera_sdk", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            lines = [proc.stdout.readline() for _ in range(3)]
            url = next(line.split()[-1] for line in lines if "ws://" in line)
            assert url.startswith("ws://127.0.0.1:")
            rest = []
            for line in proc.stdout:
                rest.append(line)
                if "Ctrl-C" in line:
                    break
            token = next(line.split()[-1] for line in rest if "operator token" in line)
            code = cli.mediamtx_camera(["--url", url, "ping"]) if token else 1
            assert code == 0
            # Tokens printed by the emulator work for the SDK.
            os.environ["MEDIAMTX_AUTH_TOKEN"] = token
            try:
                assert cli.mediamtx_camera(["--url", url, "cameras"]) == 0
            finally:
                del os.environ["MEDIAMTX_AUTH_TOKEN"]
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


# ----------------------------------------------------------------- issue 18, by subprocess


def command(
    *argv: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``mediamtx-camera ARGV`` as a shell runs it (no MEDIAMTX_* but those in ``env``)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMTX_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mediamtx_camera_sdk", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=clean,
    )


@pytest.fixture
def service_env(camera_service: Any) -> dict[str, str]:
    return {
        "MEDIAMTX_URL": camera_service.url,
        "MEDIAMTX_AUTH_TOKEN": camera_service.token("operator"),
    }


def test_status_prints_a_table_unless_json(service_env: dict[str, str]) -> None:
    result = command("status", "camera0", env=service_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["FIELD", "VALUE"]
    assert lines[1].split() == ["device", "camera0"]
    assert lines[2].split() == ["status", "CONNECTED"]
    assert "{" not in result.stdout
    result = command("status", "camera0", "--json", env=service_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["device"] == "camera0"


@pytest.mark.parametrize(
    ("argv", "exit_code", "error_type"),
    [
        (("status", "camera9"), 6, "CameraNotFoundError"),
        (("call", "get_storage_info"), 5, "PermissionDeniedError"),
        (("call", "ping", "[1]"), 2, "ValidationError"),
    ],
)
def test_json_failures_print_an_error_object(
    service_env: dict[str, str], argv: tuple[str, ...], exit_code: int, error_type: str
) -> None:
    result = command("--json", *argv, env=service_env)
    assert result.returncode == exit_code
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert report["exit_code"] == exit_code
    error = report["error"]
    assert set(error) >= {"type", "code", "message", "data"}
    assert error["type"] == error_type
    assert isinstance(error["message"], str) and error["message"]
    if error_type == "ValidationError":
        assert error["code"] == -32602
    else:
        assert isinstance(error["code"], int)
        assert isinstance(error["data"], dict) or error["data"] is None


def test_json_connection_failure_is_an_error_object_too() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = command("--json", "--url", f"ws://127.0.0.1:{port}/ws", "ping")
    assert result.returncode == 3
    error = json.loads(result.stdout)["error"]
    assert error["type"] in ("ConnectionError", "ConnectionClosedError")
    assert error["code"] is None


def test_timeout_bounds_connecting() -> None:
    """A server that accepts TCP but never answers the handshake: --timeout ends it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # connections complete in the backlog; nothing answers them
        port = listener.getsockname()[1]
        result = command("--url", f"ws://127.0.0.1:{port}/ws", "--timeout", "1", "cameras")
    assert result.returncode == 7, result.stderr
    assert "within 1 s" in result.stderr
    assert "Traceback" not in result.stderr


def test_timeout_bounds_each_call(camera_service: Any, service_env: dict[str, str]) -> None:
    camera_service.delay("get_camera_list", 30.0)
    result = command("--timeout", "0.5", "cameras", env=service_env)
    assert result.returncode == 7, result.stderr
    assert "Traceback" not in result.stderr


def test_timeout_must_be_positive(service_env: dict[str, str]) -> None:
    result = command("--timeout", "0", "ping", env=service_env)
    assert result.returncode == 2
    assert "--timeout must be a positive number" in result.stderr


def test_ping_without_credentials_says_not_authenticated(camera_service: Any) -> None:
    result = command("ping", env={"MEDIAMTX_URL": camera_service.url})
    assert result.returncode == 0, result.stderr
    assert "not authenticated" in result.stdout
    assert "role none" not in result.stdout
    result = command("--json", "ping", env={"MEDIAMTX_URL": camera_service.url})
    report = json.loads(result.stdout)
    assert report["authenticated"] is False
    assert report["role"] is None


def test_record_no_wait_then_stop(service_env: dict[str, str]) -> None:
    result = command("record", "camera0", "--no-wait", env=service_env)
    assert result.returncode == 0, result.stderr
    assert "mediamtx-camera stop camera0" in result.stdout
    result = command("stop", "camera0", env=service_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("stopped camera0_")


def test_demo_keeps_its_files_where_it_says(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    result = command("demo", "--record-seconds", "1", "--keep-files", str(folder), timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"The downloaded files are in {folder}" in result.stdout
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 2  # the snapshot and the newest recording
    for name in kept:
        assert name in result.stdout
    result = command("demo", "--json", "--record-seconds", "1", timeout=120)
    summary = json.loads(result.stdout)
    assert summary["files_kept"] is False
    assert len(summary["files"]) == summary["files_downloaded"] == 2
    assert not Path(summary["download_folder"]).exists()
