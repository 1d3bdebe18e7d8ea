"""``mediamtx-camera``: the command line of the SDK (console script ``mediamtx-camera``).

This private module holds the command; :mod:`mediamtx_camera_sdk.cli` re-exports
its names and adds the 1.0 SDK's ``mediamtx-camera-cli`` on top of it (see
docs/cli.md, "Two entry points").

Connection settings come from the flags, then the ``MEDIAMTX_*`` environment
variables (see :mod:`mediamtx_camera_sdk.config`). Credentials never have to be
typed on the command line: use ``MEDIAMTX_AUTH_TOKEN`` / ``MEDIAMTX_API_KEY``, or
``--token-file`` / ``--api-key-file`` (or the ``*_FILE`` variables).

Every command prints a human-readable result, or JSON with ``--json``. Errors
print one line on stderr (with ``--json``: a JSON object ``{"error": {"type",
"code", "message", "data", "method"}, "exit_code"}`` on stdout instead) and exit
with the code of their class (:data:`EXIT_CODES`; the table is in
:mod:`mediamtx_camera_sdk.cli` and docs/cli.md).
"""

from __future__ import annotations

import argparse
import builtins
import json
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import anyio

from . import __version__
from ._async.client import CameraClient
from ._convert import encode
from .errors import (
    AuthenticationError,
    CameraServiceError,
    ClientClosedError,
    ConnectionError,
    InvalidParamsError,
    InvalidRequestError,
    InvalidStateError,
    MethodNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitedError,
    TimeoutError,
    UnsupportedError,
    ValidationError,
)
from .models import TOPICS, CameraList, FileInfo, FilePage

__all__ = ["EXIT_CODES", "EXIT_INTERRUPTED", "build_parser", "exit_code_for", "main"]

#: Exit code per error class (most specific first). See the module docstring.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (AuthenticationError, 4),
    (PermissionDeniedError, 5),
    (NotFoundError, 6),
    (TimeoutError, 7),
    (InvalidParamsError, 2),
    (InvalidStateError, 8),
    (UnsupportedError, 8),
    (MethodNotFoundError, 8),
    (InvalidRequestError, 8),
    (RateLimitedError, 9),
    (ProtocolError, 10),
    (ConnectionError, 3),
    (ClientClosedError, 3),
    (CameraServiceError, 1),
)

EXIT_INTERRUPTED = 130
#: ``watch`` on a service that pushes no notifications (the current
#: generation) polls the camera list this often, unless ``--poll`` says otherwise.
WATCH_POLL_INTERVAL = 2.0


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an exception."""
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return 1


# ----------------------------------------------------------------- output


class Output:
    """Prints results as text or JSON; progress and events go to stderr when text."""

    def __init__(self, as_json: bool, stream: TextIO | None = None) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout

    def result(self, value: Any, text: Callable[[Any], str] | None = None) -> None:
        if self.as_json:
            print(json.dumps(jsonable(value), indent=2, sort_keys=True), file=self.stream)
        else:
            print(text(value) if text is not None else human(value), file=self.stream)

    def line(self, message: str) -> None:
        if not self.as_json:
            print(message, file=self.stream, flush=True)


def jsonable(value: Any) -> Any:
    """Wire-shaped JSON for results and models (models via the SDK's converter)."""
    if isinstance(value, CameraList):
        return {
            "cameras": [encode(c) for c in value],
            "total": value.total,
            "connected": value.connected,
        }
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if hasattr(value, "__attrs_attrs__"):
        return encode(value)
    return value


def human(value: Any) -> str:
    """A readable rendering of any result (JSON-ish for what has no table)."""
    if isinstance(value, str):
        return value
    return json.dumps(jsonable(value), indent=2, sort_keys=True, default=str)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def size(n: int | None) -> str:
    """Bytes in human units."""
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def when(ts: float | None) -> str:
    """An epoch timestamp as local ISO time."""
    if ts is None:
        return "?"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def progress_bar(done: float, total: float, width: int = 30) -> str:
    """``[#####-----]  50%``"""
    fraction = 0.0 if total <= 0 else min(1.0, max(0.0, done / total))
    filled = round(fraction * width)
    return f"[{'#' * filled}{'-' * (width - filled)}] {fraction * 100:3.0f}%"


def cameras_table(cameras: CameraList) -> str:
    rows = [(c.device_path, c.status, c.name, c.resolution, c.fps, c.stream_url) for c in cameras]
    body = table(("DEVICE", "STATUS", "NAME", "RESOLUTION", "FPS", "STREAM"), rows)
    return f"{body}\n{len(cameras)} camera(s), {cameras.connected} connected"


def status_table(camera: Any) -> str:
    """One camera's status as a FIELD / VALUE table (what ``status`` prints without --json)."""
    rows: list[tuple[str, Any]] = [
        ("device", getattr(camera, "device_path", None)),
        ("status", getattr(camera, "status", None)),
        ("name", getattr(camera, "name", None)),
        ("resolution", getattr(camera, "resolution", None)),
        ("fps", getattr(camera, "fps", None)),
        ("stream", getattr(camera, "stream_url", None)),
    ]
    streams = getattr(camera, "streams", None)
    for kind in ("rtsp", "hls", "webrtc"):
        url = getattr(streams, kind, None)
        if url and url != getattr(camera, "stream_url", None):
            rows.append((f"stream ({kind})", url))
    metrics = getattr(camera, "metrics", None)
    if metrics is not None:
        rows += [
            ("bytes sent", getattr(metrics, "bytes_sent", None)),
            ("readers", getattr(metrics, "readers", None)),
            ("uptime", getattr(metrics, "uptime", None)),
        ]
    for label, name in (("formats", "formats"), ("resolutions", "resolutions")):
        values = getattr(camera, name, None)
        if values:
            rows.append((label, ", ".join(str(v) for v in values)))
    shown = [(field, "-" if value is None or value == "" else value) for field, value in rows]
    return table(("FIELD", "VALUE"), shown)


def files_table(page: FilePage | list[FileInfo], total: int | None = None) -> str:
    files = list(page)
    rows = [(f.filename, size(f.file_size), when(f.modified_time)) for f in files]
    body = table(("FILENAME", "SIZE", "MODIFIED"), rows)
    count = total if total is not None else getattr(page, "total", None)
    return f"{body}\n{len(files)} file(s)" + (f" of {count}" if count is not None else "")


# ----------------------------------------------------------------- client from flags


def client_from_args(args: argparse.Namespace, **overrides: Any) -> CameraClient:
    """Build the client: ``overrides``, then the flags, then the ``MEDIAMTX_*`` environment."""
    kwargs: dict[str, Any] = {}
    # auth_token / api_key: credentials given directly (the 1.0 command line's
    # --token / --key); our own flags only read them from files.
    for name in ("url", "host", "port", "use_ssl", "auth_type", "auth_token", "api_key"):
        value = getattr(args, name, None)
        if value:
            kwargs[name] = value
    if args.token_file:
        kwargs["auth_token"] = read_secret(args.token_file, "--token-file")
    if args.api_key_file:
        kwargs["api_key"] = read_secret(args.api_key_file, "--api-key-file")
        kwargs.setdefault("auth_type", "api_key")
    if args.timeout is not None:
        if not args.timeout > 0:  # also refuses NaN
            raise ValidationError(
                f"--timeout must be a positive number of seconds, not {args.timeout:g}",
                data={"param": "--timeout", "rule": "> 0"},
            )
        kwargs["timeout"] = args.timeout
    if args.dialect:
        kwargs["dialect"] = args.dialect
    poll = getattr(args, "poll", None)
    if poll is not None:
        if not poll >= 0:  # also refuses NaN
            raise ValidationError(
                f"--poll must be a number of seconds >= 0, not {poll:g}",
                data={"param": "--poll", "rule": ">= 0"},
            )
        kwargs["poll_interval"] = poll or None  # 0: never (beats MEDIAMTX_POLL_INTERVAL)
    if args.insecure:
        kwargs["verify_ssl"] = False
    if args.ca_file:
        import ssl

        kwargs["ssl_context"] = ssl.create_default_context(cafile=args.ca_file)
    # One-shot commands fail fast; `watch` keeps going through drops.
    kwargs["max_retries"] = None if args.command == "watch" else 0
    kwargs.update(overrides)
    return CameraClient(**kwargs)


async def polling_client(
    client: CameraClient, args: argparse.Namespace, interval: float
) -> CameraClient:
    """The connected ``client``, or a connected one that polls, on a service that pushes nothing.

    The current generation never pushes a notification, and which generation
    answers is known only once connected: then this client is closed and one
    polling the camera list every ``interval`` seconds takes its place. A
    client that already polls (``MEDIAMTX_POLL_INTERVAL``) is kept.
    """
    if client.dialect != "current" or client.settings.poll_interval is not None:
        return client
    await client.disconnect()
    replacement = client_from_args(args, poll_interval=interval, dialect="current")
    await connect_within(replacement, args.timeout)
    return replacement


def read_secret(path: str, flag: str) -> str:
    """Read a token or key from a file (``-`` reads standard input)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(
            f"{flag}: cannot read {path!r}: {exc.strerror or exc}",
            data={"param": flag, "rule": "a readable file"},
        ) from None
    secret = text.strip()
    if not secret:
        raise ValidationError(f"{flag}: {path!r} is empty", data={"param": flag})
    return secret


async def run_until_interrupted(work: Callable[[anyio.CancelScope], Awaitable[Any]]) -> bool:
    """Run ``work(scope)``; Ctrl-C or SIGTERM cancels ``scope``. Returns True if interrupted."""
    interrupted = False
    async with anyio.create_task_group() as tg:
        scope = anyio.CancelScope()

        async def watch_signals() -> None:
            nonlocal interrupted
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    interrupted = True
                    scope.cancel()
                    return

        tg.start_soon(watch_signals)
        with scope:
            await work(scope)
        tg.cancel_scope.cancel()
    return interrupted


# ----------------------------------------------------------------- commands


async def cmd_ping(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    started = time.perf_counter()
    reply = await client.ping()
    elapsed = (time.perf_counter() - started) * 1000
    # No role means the connection did not authenticate (no credential given):
    # ping is the one call that works that way, so say so rather than "role none".
    authenticated = client.role is not None
    if out.as_json:
        out.result(
            {
                "reply": reply,
                "ms": round(elapsed, 3),
                "dialect": client.dialect,
                "role": client.role,
                "authenticated": authenticated,
            }
        )
    else:
        who = f"role {client.role}" if authenticated else "not authenticated"
        out.line(
            f"{reply} from {client.url} in {elapsed:.1f} ms "
            f"(dialect {client.dialect or '?'}, {who})"
        )
    return 0


async def cmd_cameras(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    out.result(await client.get_camera_list(), cameras_table)
    return 0


async def cmd_status(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    out.result(await client.get_camera_status(args.device), status_table)
    return 0


async def cmd_snapshot(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    snap = await client.take_snapshot(args.device, args.filename)
    result: dict[str, Any] = {"snapshot": jsonable(snap)}
    if args.output:
        result["downloaded_to"] = await client.download_snapshot(snap.filename, args.output)
    if out.as_json:
        out.result(result)
    else:
        out.line(f"snapshot {snap.filename} ({size(snap.file_size)}) from {snap.device_path}")
        if "downloaded_to" in result:
            out.line(f"downloaded to {result['downloaded_to']}")
    return 0


async def cmd_record(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    rec = await client.start_recording(args.device, duration=args.duration, format=args.format)
    if getattr(args, "no_wait", False):
        out.result(
            rec,
            lambda r: (
                f"recording {r.filename} on {r.device_path}"
                + (f" for {args.duration} s" if args.duration else "")
                + f" (stop it with: mediamtx-camera stop {r.device_path})"
            ),
        )
        return 0
    out.line(
        f"recording {rec.filename} on {rec.device_path}"
        + (f" for {args.duration} s" if args.duration else " (Ctrl-C to stop)")
    )
    started = time.monotonic()

    async def wait(scope: anyio.CancelScope) -> None:
        while True:
            elapsed = time.monotonic() - started
            if args.duration is not None and elapsed >= args.duration:
                return
            if not out.as_json and sys.stderr.isatty():
                bar = progress_bar(elapsed, args.duration) if args.duration else f"{elapsed:6.1f} s"
                print(f"\r  {bar} {elapsed:5.1f} s", end="", file=sys.stderr, flush=True)
            await anyio.sleep(0.2)

    interrupted = await run_until_interrupted(wait)
    if not out.as_json and sys.stderr.isatty():
        print(file=sys.stderr)
    with anyio.CancelScope(shield=True):
        try:
            stopped = await client.stop_recording(args.device)
        except InvalidStateError:
            # The service already stopped it (the --duration elapsed there first).
            known = await client.get_recording_status(args.device)
            if known is None:
                raise
            stopped = known
    if out.as_json:
        out.result(
            {"started": jsonable(rec), "stopped": jsonable(stopped), "interrupted": interrupted}
        )
    else:
        out.line(
            f"stopped {stopped.filename}: {stopped.duration or '?'} s, "
            f"{size(stopped.file_size)}" + (" (interrupted)" if interrupted else "")
        )
    return 0


async def cmd_stop(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    stopped = await client.stop_recording(args.device)
    out.result(stopped, lambda s: f"stopped {s.filename} ({size(s.file_size)})")
    return 0


async def _cmd_files(client: CameraClient, args: argparse.Namespace, out: Output, kind: str) -> int:
    if args.all:
        iterator = client.iter_recordings() if kind == "recordings" else client.iter_snapshots()
        files = [f async for f in iterator]
        if out.as_json:
            out.result({"files": files, "total": len(files)})
        else:
            out.line(files_table(files, len(files)))
        return 0
    lister = client.list_recordings if kind == "recordings" else client.list_snapshots
    page = await lister(limit=args.limit, offset=args.offset)
    out.result(page, files_table)
    return 0


async def cmd_recordings(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    return await _cmd_files(client, args, out, "recordings")


async def cmd_snapshots(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    return await _cmd_files(client, args, out, "snapshots")


async def cmd_download(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    dest = args.output or "."
    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        now = time.monotonic()
        if out.as_json or not sys.stderr.isatty() or now - last[0] < 0.1:
            return
        last[0] = now
        shown = progress_bar(done, total) if total else size(done)
        print(f"\r  {shown}", end="", file=sys.stderr, flush=True)

    if args.kind == "recording":
        path = await client.download_recording(args.filename, dest, progress)
    else:
        path = await client.download_snapshot(args.filename, dest, progress)
    if not out.as_json and sys.stderr.isatty():
        print(file=sys.stderr)
    out.result(
        {"path": path, "bytes": (await anyio.Path(path).stat()).st_size},
        lambda r: f"saved {r['path']} ({size(r['bytes'])})",
    )
    return 0


async def cmd_watch(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    if client.dialect == "current":
        await client.subscribe_events(
            args.topics or sorted(TOPICS),
            filters={"device": args.device} if args.device else None,
        )
    count = 0

    async def watch(scope: anyio.CancelScope) -> None:
        nonlocal count
        async with client.events(*args.names, device=args.device) as events:
            async for event in events:
                count += 1
                if out.as_json:
                    line: dict[str, Any] = {
                        "method": event.method,
                        "params": jsonable(event.params),
                    }
                    if event.synthesized:
                        line["synthesized"] = True
                    print(json.dumps(line), flush=True)
                else:
                    print(
                        f"{time.strftime('%H:%M:%S')} {event.method} "
                        f"{json.dumps(jsonable(event.params), sort_keys=True)}"
                        f"{' (polled)' if event.synthesized else ''}",
                        flush=True,
                    )
                if args.count and count >= args.count:
                    return

    await run_until_interrupted(watch)
    return 0


async def cmd_call(client: CameraClient, args: argparse.Namespace, out: Output) -> int:
    params = None
    if args.params:
        try:
            params = json.loads(args.params)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"params are not valid JSON: {exc}", data={"param": "params"}
            ) from None
        if not isinstance(params, dict):
            raise ValidationError("params must be a JSON object", data={"param": "params"})
    result = await client.call(args.method, params)
    out.result(result, human)
    return 0


COMMANDS: dict[str, Callable[[CameraClient, argparse.Namespace, Output], Awaitable[int]]] = {
    "ping": cmd_ping,
    "cameras": cmd_cameras,
    "status": cmd_status,
    "snapshot": cmd_snapshot,
    "record": cmd_record,
    "stop": cmd_stop,
    "recordings": cmd_recordings,
    "snapshots": cmd_snapshots,
    "download": cmd_download,
    "watch": cmd_watch,
    "call": cmd_call,
}


async def connect_within(client: CameraClient, timeout: float | None) -> None:
    """``client.connect()``, the whole of it (handshakes and authenticating) within ``timeout``.

    Raises:
        TimeoutError: not connected within ``timeout`` seconds (nothing is left open).
    """
    if timeout is None:
        await client.connect()
        return
    try:
        with anyio.fail_after(timeout):
            await client.connect()
    except builtins.TimeoutError as exc:
        if isinstance(exc, CameraServiceError):
            raise
        raise TimeoutError(
            f"could not connect to {client.url} within {timeout:g} s (--timeout)"
        ) from None


async def run_command(args: argparse.Namespace, out: Output) -> int:
    client = client_from_args(args)
    try:
        await connect_within(client, args.timeout)
        if args.command == "watch" and args.poll is None:
            client = await polling_client(client, args, WATCH_POLL_INTERVAL)
        return await COMMANDS[args.command](client, args, out)
    finally:
        with anyio.CancelScope(shield=True):
            await client.disconnect()


# ----------------------------------------------------------------- parser


def _connection_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """Connection flags, accepted before and after the command name.

    On the sub-commands their default is SUPPRESS so that a flag given before
    the command is not overwritten by the sub-command's default.
    """
    none: Any = None if top else argparse.SUPPRESS
    false: Any = False if top else argparse.SUPPRESS
    group = parser.add_argument_group("connection (flags beat MEDIAMTX_* variables)")
    add = group.add_argument
    add("--url", default=none, help="full ws:// or wss:// URL (MEDIAMTX_URL)")
    add("--host", default=none, help="service host (MEDIAMTX_HOST, default localhost)")
    add("--port", type=int, default=none, help="service port (MEDIAMTX_PORT, default 8080)")
    add("--ssl", dest="use_ssl", action="store_true", default=false, help="use wss:// (TLS)")
    add(
        "--auth-type",
        choices=("jwt", "api_key", "auto"),
        default=none,
        help="credential kind (MEDIAMTX_AUTH_TYPE)",
    )
    add("--token-file", default=none, help="file holding the JWT (or MEDIAMTX_AUTH_TOKEN)")
    add("--api-key-file", default=none, help="file holding the API key (or MEDIAMTX_API_KEY)")
    add("--dialect", choices=("auto", "current", "legacy"), default=none)
    add(
        "--timeout",
        type=float,
        default=none,
        help="seconds: bounds connecting (with authenticating) and each call",
    )
    add("--ca-file", default=none, help="PEM CA bundle to verify the server with")
    add(
        "--insecure",
        action="store_true",
        default=false,
        help="do not verify TLS certificates (unsafe)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``mediamtx-camera`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="mediamtx-camera",
        description="Control cameras of a MediaMTX Camera Service from the shell.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes:\n"
        "  0 ok, 1 service error, 2 usage or invalid argument,\n"
        "  3 connection, 4 authentication, 5 permission denied, 6 not found,\n"
        "  7 timeout, 8 invalid state or unsupported, 9 rate limited,\n"
        "  10 protocol error, 130 interrupted\n\n"
        "Credentials: MEDIAMTX_AUTH_TOKEN / MEDIAMTX_API_KEY or --token-file / --api-key-file.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--json", action="store_true", help="machine-readable JSON output")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log to stderr (-v info, -vv debug)"
    )
    _connection_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _connection_options(p)
        p.add_argument(
            "--json",
            action="store_true",
            default=argparse.SUPPRESS,
            help="machine-readable JSON output",
        )
        return p

    command("ping", "check the service answers")
    command("cameras", "list cameras")
    command("status", "one camera's status").add_argument("device")
    p = command("snapshot", "take a snapshot (and download it with -o)")
    p.add_argument("device")
    p.add_argument("--filename", help="name for the snapshot file")
    p.add_argument("-o", "--output", help="download it to this file or folder")
    p = command("record", "record; stops after --duration or on Ctrl-C")
    p.add_argument("device")
    p.add_argument("--duration", type=int, help="seconds (1..86400)")
    p.add_argument("--format", choices=("fmp4", "mp4", "mkv"))
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="start the recording and return at once (stop it later with `stop`)",
    )
    command("stop", "stop a recording").add_argument("device")
    for name in ("recordings", "snapshots"):
        p = command(name, f"list {name} (newest first)")
        p.add_argument("--limit", type=int, default=50)
        p.add_argument("--offset", type=int, default=0)
        p.add_argument("--all", action="store_true", help="every page")
    p = command("download", "download a recording or snapshot")
    p.add_argument("kind", choices=("recording", "snapshot"))
    p.add_argument("filename")
    p.add_argument("-o", "--output", help="file or folder (default: current folder)")
    p = command("watch", "print notifications until Ctrl-C")
    p.add_argument("names", nargs="*", help="event names or patterns (default: all)")
    p.add_argument("--topics", nargs="+", help="subscribe to these topics (current service)")
    p.add_argument("--device", help="only events about this camera")
    p.add_argument("--count", type=int, help="stop after this many events")
    p.add_argument(
        "--poll",
        type=float,
        metavar="SECONDS",
        help="poll the camera list this often and print what changed (0: never; default: "
        f"every {WATCH_POLL_INTERVAL:g} s on the current service, which pushes no "
        "notifications, never on the legacy one)",
    )
    p = command("call", "call any method: call METHOD '{\"param\": 1}'")
    p.add_argument("method")
    p.add_argument("params", nargs="?", help="params as a JSON object")

    from .testing._cli import add_arguments

    emulator = sub.add_parser("emulator", help="run the camera-service emulator")
    add_arguments(emulator)
    demo = sub.add_parser("demo", help="a guided tour against the embedded emulator")
    from ._demo import add_arguments as add_demo_arguments

    add_demo_arguments(demo)
    _connection_options(demo)
    return parser


def _configure_logging(verbosity: int) -> None:
    if verbosity <= 0:
        return
    import logging

    logging.basicConfig(
        level=logging.DEBUG if verbosity > 1 else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``mediamtx-camera``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    if args.command == "emulator":
        from .testing._cli import run

        return run(args)
    out = Output(getattr(args, "json", False))
    try:
        if args.command == "demo":
            from ._demo import run_demo

            return anyio.run(run_demo, args, out)
        return anyio.run(run_command, args, out)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CameraServiceError as exc:
        return report_error(exc, out.as_json)
    except OSError as exc:  # e.g. a download destination that cannot be written
        return report_error(exc, out.as_json)


def error_object(exc: BaseException) -> dict[str, Any]:
    """The JSON error object ``--json`` prints for a failure: type, code, message, data, method.

    ``message`` is the whole text of the error (what the one-line error says,
    with the service's details); ``code``, ``data`` and ``method`` are the
    exception's own (``None`` when it has none).
    """
    if isinstance(exc, CameraServiceError):
        return {
            "type": type(exc).__name__,
            "code": exc.code,
            "message": str(exc),
            "data": jsonable(exc.data),
            "method": exc.method,
        }
    message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return {
        "type": type(exc).__name__,
        "code": None,
        "message": message,
        "data": None,
        "method": None,
    }


def report_error(exc: BaseException, as_json: bool) -> int:
    """Print a failure (one line on stderr, or the JSON error object on stdout); its exit code."""
    code = exit_code_for(exc)
    error = error_object(exc)
    if as_json:
        print(json.dumps({"error": error, "exit_code": code}, indent=2, default=str), flush=True)
    else:
        print(f"error: {error['message']}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
