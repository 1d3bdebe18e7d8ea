"""The SDK's command lines: ``mediamtx-camera`` and the 1.0 SDK's ``mediamtx-camera-cli``.

Two entry points live here (docs/cli.md, "Two entry points", says why):

- :func:`main` and :func:`cli_main` are the 1.0 SDK's: ``main()`` is a
  coroutine function (``asyncio.run(main())`` or ``await main()``) and
  ``cli_main()`` the blocking entry that runs it and returns the exit code.
  They speak the 1.0 command line (``mediamtx-camera-cli [options] COMMAND
  [DEVICE]``, exit code 0 or 1) as a thin layer over ``mediamtx-camera``: the
  same client, the same output and the same error messages. The console
  script ``mediamtx-camera-cli`` and ``python -m mediamtx_camera_sdk.cli``
  run it.
- :func:`mediamtx_camera` is the SDK's own ``mediamtx-camera`` command
  (blocking, returns its documented exit code); the console script
  ``mediamtx-camera`` and ``python -m mediamtx_camera_sdk`` run it. Its
  building blocks (:data:`EXIT_CODES`, :func:`exit_code_for`,
  :func:`build_parser`, the table helpers) are importable from here as before.

``mediamtx-camera`` exit codes:

====  ==========================================================
code  meaning
====  ==========================================================
0     success
1     other service error
2     bad command line or invalid argument
3     connection failed or lost
4     authentication failed (missing, wrong or expired credentials)
5     permission denied (role too low)
6     not found (camera, recording, snapshot, file)
7     timed out
8     invalid state or unsupported (e.g. already recording)
9     rate limited
10    protocol error (the server sent something unexpected)
130   interrupted (Ctrl-C)
====  ==========================================================

``mediamtx-camera-cli`` exits 0 on success and 1 on any failure, as the 1.0
SDK's did.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import anyio

from ._command import (
    COMMANDS,
    EXIT_CODES,
    EXIT_INTERRUPTED,
    Output,
    build_parser,
    cameras_table,
    client_from_args,
    cmd_call,
    cmd_cameras,
    cmd_download,
    cmd_ping,
    cmd_record,
    cmd_recordings,
    cmd_snapshot,
    cmd_snapshots,
    cmd_status,
    cmd_stop,
    cmd_watch,
    connect_within,
    error_object,
    exit_code_for,
    files_table,
    human,
    jsonable,
    progress_bar,
    read_secret,
    report_error,
    run_command,
    run_until_interrupted,
    size,
    status_table,
    table,
    when,
)
from ._command import main as mediamtx_camera
from .errors import CameraServiceError

__all__ = [
    "COMMANDS",
    "EXIT_CODES",
    "EXIT_INTERRUPTED",
    "ORIGINAL_COMMANDS",
    "Output",
    "build_original_parser",
    "build_parser",
    "cameras_table",
    "cli_main",
    "client_from_args",
    "cmd_call",
    "cmd_cameras",
    "cmd_download",
    "cmd_ping",
    "cmd_record",
    "cmd_recordings",
    "cmd_snapshot",
    "cmd_snapshots",
    "cmd_status",
    "cmd_stop",
    "cmd_watch",
    "connect_within",
    "error_object",
    "exit_code_for",
    "files_table",
    "human",
    "jsonable",
    "main",
    "mediamtx_camera",
    "progress_bar",
    "read_secret",
    "report_error",
    "run_command",
    "run_until_interrupted",
    "size",
    "status_table",
    "table",
    "translate",
    "when",
]

#: The 1.0 command line's commands and the ``mediamtx-camera`` arguments each
#: one runs (``DEVICE`` stands for the device argument).
ORIGINAL_COMMANDS: dict[str, tuple[str, ...]] = {
    "list": ("cameras",),
    "status": ("status", "DEVICE"),
    "snapshot": ("snapshot", "DEVICE"),
    "record": ("record", "DEVICE", "--no-wait"),
    "stop": ("stop", "DEVICE"),
    "ping": ("ping",),
}

_EXAMPLES = """\
Examples:
  mediamtx-camera-cli --token "$MEDIAMTX_AUTH_TOKEN" list
  mediamtx-camera-cli --host cams.local --port 8002 --token TOKEN status camera0
  mediamtx-camera-cli --auth-type api_key --key KEY snapshot camera0
  mediamtx-camera-cli --format json --timeout 5 record camera0
  mediamtx-camera-cli stop camera0
  mediamtx-camera-cli ping

Every command runs the matching `mediamtx-camera` command (same client, same
output, same error messages); the exit code is 0 on success and 1 on any
failure. Settings not given fall back to the MEDIAMTX_* environment variables.
"""


class _OriginalParser(argparse.ArgumentParser):
    """The 1.0 parser: a usage error prints usage and an ``error:`` line, and exits 1."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def build_original_parser() -> argparse.ArgumentParser:
    """The ``mediamtx-camera-cli`` argument parser (the 1.0 SDK's options and commands)."""
    parser = _OriginalParser(
        prog="mediamtx-camera-cli",
        description="MediaMTX Camera Service CLI",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--host", help="service host (default: MEDIAMTX_HOST, else localhost)")
    add("--port", type=int, help="service port (default: MEDIAMTX_PORT, else 8080)")
    add("--ssl", action="store_true", help="use wss:// (TLS)")
    add("--auth-type", choices=("jwt", "api_key"), help="credential kind (default jwt)")
    add("--token", help="JWT (default: MEDIAMTX_AUTH_TOKEN)")
    add("--key", help="API key (default: MEDIAMTX_API_KEY)")
    add(
        "--timeout",
        type=float,
        help="seconds: bounds connecting and each call (default: MEDIAMTX_TIMEOUT, else 10)",
    )
    add("--format", choices=("table", "json"), default="table", help="output format")
    add("command", choices=tuple(ORIGINAL_COMMANDS), metavar="COMMAND", help=_commands_help())
    add("device", nargs="?", metavar="DEVICE", help="camera id (camera0) or device path")
    return parser


def _commands_help() -> str:
    return "one of: list, status DEVICE, snapshot DEVICE, record DEVICE, stop DEVICE, ping"


def translate(original: argparse.Namespace) -> list[str]:
    """The ``mediamtx-camera`` arguments that run a parsed 1.0 command line.

    Credentials are not among them (they are handed to the client directly,
    never through a command line of ours).
    """
    argv: list[str] = []
    if original.host:
        argv += ["--host", original.host]
    if original.port is not None:
        argv += ["--port", str(original.port)]
    if original.ssl:
        argv.append("--ssl")
    auth_type = original.auth_type or ("api_key" if original.key and not original.token else None)
    if auth_type:
        argv += ["--auth-type", auth_type]
    if original.timeout is not None:
        argv += ["--timeout", repr(original.timeout)]
    if original.format == "json":
        argv.append("--json")
    for word in ORIGINAL_COMMANDS[original.command]:
        argv.append(original.device if word == "DEVICE" else word)
    return argv


def _missing_credential(original: argparse.Namespace) -> str | None:
    """Why the 1.0 command line must stop before connecting, or None."""
    env = os.environ
    if original.auth_type == "jwt" and not (
        original.token or env.get("MEDIAMTX_AUTH_TOKEN") or env.get("MEDIAMTX_AUTH_TOKEN_FILE")
    ):
        return "a token is required with --auth-type jwt: give --token (or MEDIAMTX_AUTH_TOKEN)"
    if original.auth_type == "api_key" and not (
        original.key or env.get("MEDIAMTX_API_KEY") or env.get("MEDIAMTX_API_KEY_FILE")
    ):
        return "an API key is required with --auth-type api_key: give --key (or MEDIAMTX_API_KEY)"
    return None


async def main(argv: Sequence[str] | None = None) -> int:
    """The 1.0 SDK's async entry: run ``mediamtx-camera-cli`` with ``argv`` (default: sys.argv).

    A coroutine function: ``asyncio.run(main())``, ``trio.run(main)`` or
    ``await main()`` inside a running program. Prints the result (a table, or
    JSON with ``--format json``) and returns the exit code: 0 on success, 1 on
    any failure (the error is printed on stderr, or as a JSON object on stdout
    with ``--format json``). A usage error (``--help`` too) raises
    :class:`SystemExit` as argparse does, with code 1 (0 for ``--help``).
    """
    original = build_original_parser().parse_args(argv)
    if original.command in ("status", "snapshot", "record", "stop") and not original.device:
        build_original_parser().error(f"the {original.command} command needs a DEVICE")
    missing = _missing_credential(original)
    if missing is not None:
        print(f"error: {missing}", file=sys.stderr)
        return 1
    args = build_parser().parse_args(translate(original))
    # Handed to the client as they are (see _command.client_from_args).
    args.auth_token = original.token
    args.api_key = original.key
    out = Output(original.format == "json")
    try:
        code = await run_command(args, out)
    except (CameraServiceError, OSError) as exc:
        report_error(exc, out.as_json)
        return 1
    return 0 if code == 0 else 1


def cli_main(argv: Sequence[str] | None = None) -> int:
    """The 1.0 SDK's blocking entry (console script ``mediamtx-camera-cli``): the exit code.

    Runs :func:`main` in a new event loop; Ctrl-C ends it with exit code 1.
    """
    try:
        return anyio.run(main, argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover - ``python -m mediamtx_camera_sdk.cli``
    sys.exit(cli_main())
