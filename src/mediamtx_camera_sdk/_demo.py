"""``mediamtx-camera demo``: a guided tour of the SDK, by default against the embedded emulator.

With no connection flags it starts the emulator on a free loopback port and
walks through a real session. With ``--url``/``--host``/``--port`` (and
credentials from the environment or ``--token-file``) it tours a real service
instead, read-only unless ``--allow-writes``.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from ._async.client import CameraClient
from .errors import CameraServiceError, MethodNotFoundError, UnsupportedError

if TYPE_CHECKING:
    from ._command import Output

__all__ = ["add_arguments", "run_demo"]

_TOPICS = ["camera.*"]
#: How often the tour polls the camera list on the current service (it pushes nothing).
POLL_INTERVAL = 0.25
_SUBSCRIBE_TOPICS = [
    "camera.connected",
    "camera.disconnected",
    "camera.status_change",
    "recording.start",
    "recording.stop",
    "snapshot.taken",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's own options (connection options are added by the CLI)."""
    parser.add_argument("--record-seconds", type=int, default=3, help="length of the recording")
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="against a real service: also take a snapshot and record (default: read-only)",
    )
    parser.add_argument(
        "--dialect-emulated",
        choices=("current", "legacy"),
        default="current",
        help="which service generation the embedded emulator plays",
    )
    parser.add_argument(
        "--keep-files",
        metavar="FOLDER",
        help="download into FOLDER and keep the files (default: a temporary folder, "
        "removed at the end)",
    )
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print the summary as JSON"
    )


class Tour:
    """Counts and prints the steps of the tour."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.started = time.monotonic()
        self.steps = 0
        self.events = 0
        self.event_names: dict[str, int] = {}
        self.files: list[str] = []
        # A progress bar is drawn on stderr only when it is a terminal; events
        # printed meanwhile clear its line first.
        self.show_progress = not out.as_json and sys.stderr.isatty()
        self.progress_drawn = False

    def progress(self, text: str) -> None:
        if self.show_progress:
            print(f"\r\033[K    {text}", end="", file=sys.stderr, flush=True)
            self.progress_drawn = True

    def end_progress(self) -> None:
        if self.progress_drawn:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
            self.progress_drawn = False

    def step(self, title: str) -> None:
        self.steps += 1
        self.out.line(f"\n[{self.steps}] {title}")

    def info(self, text: str) -> None:
        self.end_progress()
        self.out.line(f"    {text}")

    def event(self, method: str, params: Any, synthesized: bool = False) -> None:
        self.events += 1
        self.event_names[method] = self.event_names.get(method, 0) + 1
        self.end_progress()
        device = params.get("device") if isinstance(params, dict) else None
        status = params.get("status") if isinstance(params, dict) else None
        detail = " ".join(str(x) for x in (device, status, synthesized and "(polled)") if x)
        self.out.line(f"    <- event {method} {detail}".rstrip())

    def elapsed(self) -> float:
        return time.monotonic() - self.started


def _targets_real_service(args: argparse.Namespace) -> bool:
    return bool(args.url or args.host or args.port)


async def run_demo(args: argparse.Namespace, out: Output) -> int:
    """Run the tour; returns the exit code (errors propagate to the CLI's handler)."""
    if _targets_real_service(args):
        from ._command import client_from_args

        client = client_from_args(args)
        return await _tour(client, args, out, emulator=None, writes=args.allow_writes)
    try:
        from .testing import CameraServiceEmulator
    except ImportError as exc:  # pragma: no cover - the testing package ships with the SDK
        print(f"error: the emulator is not available: {exc}", file=sys.stderr)
        return 2
    secret = secrets.token_urlsafe(32)
    try:
        # The emulator plays the services as they behave: the current one
        # pushes no notifications (the tour polls it), the legacy one does.
        emulator = CameraServiceEmulator(
            dialect=args.dialect_emulated, cameras=2, jwt_secret=secret
        )
    except ImportError as exc:
        print(
            f"error: {exc} (install the 'emulator' extra: pip install "
            "'mediamtx-camera-sdk[emulator]')",
            file=sys.stderr,
        )
        return 2
    await anyio.to_thread.run_sync(emulator.start)
    try:
        out.line(
            f"Started the camera-service emulator at {emulator.url} "
            f"({args.dialect_emulated} dialect, 2 simulated cameras)"
        )
        client = CameraClient(
            url=emulator.url,
            auth_token=emulator.token("operator"),
            max_retries=0,
            poll_interval=POLL_INTERVAL if args.dialect_emulated == "current" else None,
        )
        return await _tour(client, args, out, emulator=emulator, writes=True)
    finally:
        await anyio.to_thread.run_sync(emulator.stop)


async def _tour(
    client: CameraClient, args: argparse.Namespace, out: Output, *, emulator: Any, writes: bool
) -> int:
    from ._command import cameras_table, files_table, progress_bar, size

    tour = Tour(out)
    keep = getattr(args, "keep_files", None)
    with contextlib.ExitStack() as stack:
        if keep:
            folder = anyio.Path(keep)
            await folder.mkdir(parents=True, exist_ok=True)
            downloads = str(await folder.resolve())
        else:
            downloads = stack.enter_context(tempfile.TemporaryDirectory(prefix="mediamtx-demo-"))
        tour.step("Connect and authenticate")
        await client.connect()
        try:
            if emulator is None:
                from ._command import polling_client

                client = await polling_client(client, args, POLL_INTERVAL)
            tour.info(
                f"connected to {client.url}: dialect {client.dialect}, role {client.role or 'none'}"
            )

            async with anyio.create_task_group() as tg:
                stream = client.events()

                async def print_events() -> None:
                    async for event in stream:
                        if not event.method.startswith("sdk."):
                            tour.event(event.method, dict(event.params), event.synthesized)

                tg.start_soon(print_events)

                tour.step("Subscribe to events")
                if client.dialect == "current":
                    result = await client.subscribe_events(_SUBSCRIBE_TOPICS)
                    tour.info(f"subscribed to {', '.join(result.topics or _SUBSCRIBE_TOPICS)}")
                else:
                    tour.info("the legacy service sends every notification without subscribing")
                if client.settings.poll_interval is not None:
                    tour.info(
                        f"the current service pushes no notifications: the client polls the "
                        f"camera list every {client.settings.poll_interval:g} s (poll_interval) "
                        "and reports what changed; recording events cannot be seen this way"
                    )

                tour.step("List cameras")
                cameras = await client.get_camera_list()
                for row in cameras_table(cameras).splitlines():
                    tour.info(row)
                if not cameras:
                    tour.info("no cameras: nothing more to show")
                    tg.cancel_scope.cancel()
                    return 0
                device = cameras[0].device_path

                tour.step(f"Status and capabilities of {device}")
                status = await client.get_camera_status(device)
                tour.info(
                    f"{status.device_path}: {status.status}, {status.resolution} "
                    f"@ {status.fps} fps, stream {status.stream_url}"
                )
                try:
                    caps = await client.get_camera_capabilities(device)
                    tour.info(
                        f"formats {', '.join(caps.formats) or '-'}; "
                        f"resolutions {', '.join(caps.resolutions) or '-'}"
                    )
                except (UnsupportedError, MethodNotFoundError):
                    tour.info("capabilities: not available on this service generation")

                if writes:
                    tour.step(f"Take a snapshot with {device} and download it")
                    snap = await client.take_snapshot(device)
                    tour.info(f"snapshot {snap.filename} ({size(snap.file_size)})")
                    path = await _download(client.download_snapshot, snap.filename, downloads, tour)

                    seconds = max(1, args.record_seconds)
                    tour.step(f"Record {seconds} s with {device}")
                    rec = await client.start_recording(device)
                    tour.info(f"recording {rec.filename}")
                    started = time.monotonic()
                    unplugged = replugged = False
                    other = cameras[1].device_path if len(cameras) > 1 else None
                    while (elapsed := time.monotonic() - started) < seconds:
                        if (
                            emulator is not None
                            and other
                            and not unplugged
                            and elapsed > seconds / 3
                        ):
                            unplugged = True
                            tour.info(f"(unplugging {other} to show the notifications)")
                            await anyio.to_thread.run_sync(emulator.unplug_camera, other)
                        elif (
                            emulator is not None
                            and other
                            and unplugged
                            and not replugged
                            and elapsed > 2 * seconds / 3
                        ):
                            replugged = True
                            tour.info(f"(plugging {other} back in)")
                            await anyio.to_thread.run_sync(emulator.plug_camera, other)
                        tour.progress(f"{progress_bar(elapsed, seconds)} {elapsed:4.1f} s")
                        await anyio.sleep(0.1)
                    tour.end_progress()
                    stopped = await client.stop_recording(device)
                    tour.info(f"stopped {stopped.filename}: {size(stopped.file_size)}")
                    known = await client.get_recording_status(device)
                    if known is not None:
                        tour.info(f"get_recording_status({device!r}) -> {known.status}")

                tour.step("List recordings and snapshots")
                try:
                    recordings = await client.list_recordings(limit=5)
                    for row in files_table(recordings).splitlines():
                        tour.info(row)
                    if writes and recordings.files:
                        tour.step("Download the newest recording")
                        path = await _download(
                            client.download_recording, recordings.files[0].filename, downloads, tour
                        )
                        tour.info(f"saved {Path(path).name}")
                except (UnsupportedError, MethodNotFoundError):
                    tour.info("file listing: not available on this service generation")

                # Let the last notifications arrive before the summary.
                with anyio.move_on_after(0.5):
                    await anyio.sleep(0.5)
                await stream.aclose()
        finally:
            await client.disconnect()

    summary = {
        "steps": tour.steps,
        "events": tour.events,
        "events_by_name": tour.event_names,
        "files_downloaded": len(tour.files),
        # Where the downloads are: kept in --keep-files, else removed with the
        # temporary folder (then the paths say where they were).
        "files": tour.files,
        "files_kept": bool(keep),
        "download_folder": downloads,
        "seconds": round(tour.elapsed(), 2),
        "url": client.url,
        "dialect": client.dialect,
    }
    if out.as_json:
        out.result(summary)
    else:
        out.line(
            f"\nDone in {summary['seconds']} s: {tour.steps} steps, {tour.events} "
            f"notifications, {len(tour.files)} files downloaded. All good."
        )
        if tour.files and keep:
            out.line(f"The downloaded files are in {downloads}")
        elif tour.files:
            out.line(
                f"The downloaded files were in {downloads}, removed now "
                "(--keep-files FOLDER keeps them)."
            )
    return 0


async def _download(download: Any, filename: str, folder: str, tour: Tour) -> str:
    def progress(done: int, total: int | None) -> None:
        return None

    try:
        path: str = await download(filename, folder, progress)
    except CameraServiceError as exc:
        tour.info(f"download not available: {exc}")
        return ""
    tour.files.append(path)
    stat = await anyio.Path(path).stat()
    tour.info(f"downloaded {path} ({stat.st_size} bytes)")
    return path
