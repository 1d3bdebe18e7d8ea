"""The simulated service: cameras, files on disk, recordings, streams, external streams.

Everything here runs on the emulator's own event loop thread; nothing in this
module is thread-safe on purpose (the emulator marshals control calls onto the
loop). It knows the dialect only for naming (``camera0`` vs ``/dev/video0``),
timestamps and the shape of a camera object; the dialect modules shape results.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from ._constants import Dialect
from ._media import RECORDING_CHUNK, make_jpeg, make_png, recording_header

_CURRENT_DEVICE = re.compile(r"camera([0-9]+)")
_LEGACY_DEVICE = re.compile(r"/dev/video([0-9]+)")
#: A file name the service accepts: no separators, no leading dot, no "..".
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}")
#: Seconds between two appends to a recording file.
RECORDING_TICK = 0.1

CAMERA_FORMATS = ["YUYV", "MJPEG", "H264"]
CAMERA_RESOLUTIONS = ["1920x1080", "1280x720", "640x480"]
CAMERA_FPS = [15, 30, 60]


class Notifier(Protocol):
    """What the world calls to tell the connections about a change."""

    def notification(self, method: str, params: dict[str, Any]) -> None:
        """Send a base notification (camera_status_update, recording_status_update)."""

    def topic(self, topic: str, params: dict[str, Any]) -> None:
        """Send a topic notification to the subscribers of ``topic`` (current dialect)."""


class Fault(Exception):
    """A call fails with this JSON-RPC error (code, message, data)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(code, message, data)
        self.code = code
        self.message = message
        self.data = data


def is_safe_name(name: str) -> bool:
    """True when ``name`` is a plain file name that cannot leave its folder."""
    return bool(SAFE_NAME.fullmatch(name)) and ".." not in name


@dataclass
class Camera:
    """One simulated camera."""

    index: int
    status: str = "CONNECTED"
    name: str = ""
    resolution: str = "1920x1080"
    fps: int = 30
    streaming_since: datetime | None = None
    streaming_mono: float = 0.0
    connected_mono: float = 0.0
    recording: ActiveRecording | None = None

    @property
    def stream_name(self) -> str:
        """The MediaMTX path of this camera (``camera0``), in both dialects."""
        return f"camera{self.index}"

    @property
    def connected(self) -> bool:
        """True while the camera is plugged in and working."""
        return self.status == "CONNECTED"


@dataclass
class ActiveRecording:
    """A recording in progress."""

    camera: Camera
    filename: str
    path: Path
    fmt: str
    start_time: datetime
    start_mono: float
    duration: float | None
    session_id: str
    task: asyncio.Task[None] | None = None
    stopping: bool = False


@dataclass
class FileRecord:
    """A recording or snapshot the emulator knows about (its bytes live on disk)."""

    kind: str  # "recordings" or "snapshots"
    filename: str
    path: Path
    created: datetime
    seq: int
    device: str | None = None
    duration: float | None = None
    fmt: str | None = None

    def size(self) -> int:
        """The real size of the file, 0 when it is gone."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def modified(self) -> datetime:
        """The file's real modification time (UTC)."""
        try:
            return datetime.fromtimestamp(self.path.stat().st_mtime, timezone.utc)
        except OSError:
            return self.created


@dataclass
class ExternalStream:
    """An external (non-camera) RTSP stream known to the service."""

    url: str
    type: str
    name: str
    status: str
    discovered_at: datetime
    last_seen: datetime
    capabilities: dict[str, Any] = field(default_factory=dict)


@dataclass
class RetentionPolicy:
    """The retention policy last set with ``set_retention_policy``."""

    policy_type: str = "manual"
    enabled: bool = False
    max_age_days: float | None = None
    max_size_gb: float | None = None


# Simulated discovery results; TEST-NET addresses: nothing ever connects to them.
_DISCOVERABLE: list[tuple[str, str, str, str]] = [
    ("rtsp://192.0.2.10:5554/subject", "skydio_stanag4609", "Skydio X2 EO", "active"),
    ("rtsp://192.0.2.10:5554/infrared", "skydio_stanag4609", "Skydio X2 IR", "active"),
    ("rtsp://192.0.2.20:554/stream1", "generic_rtsp", "Generic RTSP 1", "active"),
    ("rtsp://192.0.2.21:554/stream1", "generic_rtsp", "Generic RTSP 2", "offline"),
]


class World:
    """The whole simulated service state, shared by every connection."""

    def __init__(
        self,
        dialect: Dialect,
        cameras: int,
        media_dir: Path,
        host: str,
        notifier: Notifier,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dialect: Dialect = dialect
        self.media_dir = media_dir
        self.host = host
        self.notifier = notifier
        self.time_scale = time_scale
        self.clock = clock
        self.started_mono = clock()
        self.cameras: dict[int, Camera] = {}
        self.files: dict[str, dict[str, FileRecord]] = {"recordings": {}, "snapshots": {}}
        self.seq = 0
        self.mediamtx_up = True
        self.retention = RetentionPolicy()
        self.discovery_interval = 0
        self.external: dict[str, ExternalStream] = {}
        #: The real services leave unplugged cameras out of ``get_camera_list``.
        self.list_unplugged = False
        #: Whether ``recording_status_update`` carries ``duration`` (the real
        #: legacy service leaves it out; its documentation has it).
        self.notify_duration = True
        #: Quirk: a camera unplugged and plugged back stays DISCONNECTED.
        self.replug_stays_disconnected = False
        for index in range(cameras):
            self.cameras[index] = self._new_camera(index)

    # ----------------------------------------------------------------- naming

    def device_id(self, camera: Camera) -> str:
        """The id the dialect uses for ``camera``."""
        if self.dialect == "legacy":
            return f"/dev/video{camera.index}"
        return f"camera{camera.index}"

    def parse_device(self, device: str) -> int | None:
        """The camera index named by ``device`` in this dialect, or None if malformed."""
        pattern = _LEGACY_DEVICE if self.dialect == "legacy" else _CURRENT_DEVICE
        match = pattern.fullmatch(device)
        return int(match.group(1)) if match else None

    def find(self, device: str) -> Camera | None:
        """The camera named ``device``, or None when unknown or malformed."""
        index = self.parse_device(device)
        return None if index is None else self.cameras.get(index)

    def now(self) -> datetime:
        """Wall-clock time (UTC)."""
        return datetime.now(timezone.utc)

    def stamp(self, moment: datetime | None = None) -> str:
        """An ISO 8601 timestamp as the dialect writes it.

        The current service writes RFC 3339 with ``Z``; the legacy one writes
        whole seconds with ``Z``.
        """
        moment = moment or self.now()
        if self.dialect == "legacy":
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return moment.isoformat().replace("+00:00", "Z")

    def uptime(self) -> float:
        """Seconds since the service started."""
        return round(self.clock() - self.started_mono, 3)

    def folder(self, kind: str) -> Path:
        """The folder holding ``kind`` ("recordings" or "snapshots")."""
        return self.media_dir / kind

    def ensure_folders(self) -> None:
        """Create the media folders (after a start with a fresh media dir)."""
        for kind in ("recordings", "snapshots"):
            self.folder(kind).mkdir(parents=True, exist_ok=True)

    # ---------------------------------------------------------------- cameras

    def _new_camera(self, index: int) -> Camera:
        name = f"Camera {index}" if self.dialect == "legacy" else f"USB Camera {index}"
        return Camera(index=index, name=name, connected_mono=self.clock())

    def listed_cameras(self) -> list[Camera]:
        """The cameras ``get_camera_list`` shows (unplugged ones only when told so)."""
        return [
            camera
            for camera in self.cameras.values()
            if self.list_unplugged or camera.status != "DISCONNECTED"
        ]

    def stream_urls(self, camera: Camera) -> dict[str, str]:
        """The stream URLs MediaMTX serves for ``camera``."""
        path = camera.stream_name
        return {
            "rtsp": f"rtsp://{self.host}:8554/{path}",
            "hls": f"http://{self.host}:8888/{path}",
            "webrtc": f"http://{self.host}:8889/{path}",
        }

    def camera_json(self, camera: Camera) -> dict[str, Any]:
        """The Camera object of the dialect.

        Current: a disconnected camera carries only ``device``, ``status`` and
        ``name`` (the contract promises only the first two). Legacy: every field
        always, ``streams`` is ``{}`` when the stream is not ready.
        """
        data: dict[str, Any] = {"device": self.device_id(camera), "status": camera.status}
        if self.dialect == "legacy":
            # The legacy service blanks the format of a camera that went away.
            data.update(
                name=camera.name,
                resolution=camera.resolution if camera.connected else "",
                fps=camera.fps if camera.connected else 0,
                streams=self.stream_urls(camera) if camera.connected and self.mediamtx_up else {},
            )
            return data
        data["name"] = camera.name
        if camera.connected:
            data.update(
                resolution=camera.resolution, fps=camera.fps, streams=self.stream_urls(camera)
            )
        return data

    def unknown_camera_json(self, device: str) -> dict[str, Any]:
        """Legacy: what ``get_camera_status`` answers for a device nobody knows."""
        index = self.parse_device(device)
        return {
            "device": device,
            "status": "DISCONNECTED",
            "name": f"Camera {index if index is not None else device}",
            "resolution": "1920x1080",
            "fps": 30,
            "streams": {},
        }

    def _announce_camera(self, camera: Camera, topic: str, extra: dict[str, Any]) -> None:
        payload = self.camera_json(camera)
        self.notifier.notification("camera_status_update", payload)
        self.notifier.topic(topic, {**payload, **extra})

    def plug(self, device: str | None) -> str:
        """Connect a camera (a new one when ``device`` is None); returns its id."""
        if device is None:
            index = max(self.cameras, default=-1) + 1
        else:
            parsed = self.parse_device(device)
            if parsed is None:
                raise ValueError(f"not a {self.dialect} device id: {device!r}")
            index = parsed
        camera = self.cameras.get(index)
        if camera is None:
            camera = self.cameras[index] = self._new_camera(index)
        elif camera.connected or self.replug_stays_disconnected:
            return self.device_id(camera)
        camera.status = "CONNECTED"
        camera.connected_mono = self.clock()
        self._announce_camera(camera, "camera.connected", {})
        self.notifier.topic(
            "camera.capability_detected",
            {
                "device": self.device_id(camera),
                "formats": CAMERA_FORMATS,
                "resolutions": CAMERA_RESOLUTIONS,
                "fps_options": CAMERA_FPS,
            },
        )
        return self.device_id(camera)

    def camera_or_value_error(self, device: str) -> Camera:
        """The camera ``device`` for a control call (ValueError when unknown)."""
        camera = self.find(device)
        if camera is None:
            raise ValueError(f"unknown camera: {device!r}")
        return camera

    def unplug(self, device: str) -> None:
        """Disconnect a camera: its recording ends with an error, its stream stops."""
        camera = self.camera_or_value_error(device)
        if not camera.connected and camera.status == "DISCONNECTED":
            return
        self._end_activity(camera, "camera disconnected")
        camera.status = "DISCONNECTED"
        self._announce_camera(camera, "camera.disconnected", {})

    def change(
        self,
        device: str,
        *,
        status: str | None = None,
        name: str | None = None,
        resolution: str | None = None,
        fps: int | None = None,
    ) -> None:
        """Change a camera's fields and tell the connections."""
        camera = self.camera_or_value_error(device)
        old = camera.status
        if status is not None:
            if status not in ("CONNECTED", "DISCONNECTED", "ERROR"):
                raise ValueError(f"bad camera status: {status!r}")
            if status != "CONNECTED":
                self._end_activity(camera, f"camera status {status}")
            camera.status = status
        camera.name = name if name is not None else camera.name
        camera.resolution = resolution if resolution is not None else camera.resolution
        camera.fps = fps if fps is not None else camera.fps
        self._announce_camera(camera, "camera.status_change", {"old_status": old})
        if status == "ERROR":
            self.notifier.topic(
                "camera.capability_error",
                {"device": self.device_id(camera), "error": "camera reported an error"},
            )

    def _end_activity(self, camera: Camera, reason: str) -> None:
        if camera.recording is not None:
            self.stop_recording(camera, reason="error", error=reason)
        if camera.streaming_since is not None:
            self.stop_streaming(camera)

    # ------------------------------------------------------------------ files

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def unique_name(self, kind: str, stem: str, ext: str) -> str:
        """A file name not used yet in ``kind``: ``stem.ext``, else ``stem_N.ext``."""
        folder = self.folder(kind)
        name = f"{stem}.{ext}"
        counter = 1
        while name in self.files[kind] or (folder / name).exists():
            counter += 1
            name = f"{stem}_{counter}.{ext}"
        return name

    def scan(self, kind: str) -> list[FileRecord]:
        """The files of ``kind``, newest first, as they really are in the folder.

        Records whose file vanished are dropped; files put there by hand are
        picked up, dated by their modification time.
        """
        folder = self.folder(kind)
        records = self.files[kind]
        try:
            present = {entry.name for entry in os.scandir(folder) if entry.is_file()}
        except OSError:
            present = set()
        for name in list(records):
            if name not in present:
                del records[name]
        for name in present - set(records):
            path = folder / name
            with contextlib.suppress(OSError):
                created = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
                records[name] = FileRecord(kind, name, path, created, seq=0)
        return sorted(records.values(), key=lambda r: (r.created, r.seq), reverse=True)

    def file_name_for(self, kind: str, stem: str, ext: str, unique: bool) -> str:
        """``stem.ext``, made unique unless ``unique`` is False (the file is overwritten)."""
        return self.unique_name(kind, stem, ext) if unique else f"{stem}.{ext}"

    def lookup(self, kind: str, filename: str) -> FileRecord | None:
        """The file ``filename`` of ``kind``, or None."""
        if not is_safe_name(filename):
            return None
        self.scan(kind)
        return self.files[kind].get(filename)

    def delete(self, record: FileRecord) -> None:
        """Delete a file from disk and from the records."""
        with contextlib.suppress(FileNotFoundError):
            record.path.unlink()
        self.files[record.kind].pop(record.filename, None)

    def active_recording_named(self, filename: str) -> ActiveRecording | None:
        """The recording in progress writing ``filename``, if any."""
        for camera in self.cameras.values():
            if camera.recording is not None and camera.recording.filename == filename:
                return camera.recording
        return None

    def snapshot(
        self, camera: Camera, filename: str | None, fmt: str = "jpg", quality: int = 85
    ) -> FileRecord:
        """Write a real image file for ``camera`` and announce it."""
        now = self.now()
        ext = "png" if fmt == "png" else "jpg"
        if filename is None:
            kind = "_snapshot" if self.dialect == "legacy" else ""
            stem = f"{camera.stream_name}{kind}_{now:%Y-%m-%d_%H-%M-%S}"
            filename = self.unique_name("snapshots", stem, ext)
        elif "." not in filename:
            filename = f"{filename}.{ext}"
        path = self.folder("snapshots") / filename
        comment = f"{self.device_id(camera)} {self.stamp(now)} q{quality}"
        width, height = (int(v) for v in camera.resolution.split("x"))
        # Keep files small: an eighth of the camera's resolution, at most 64 px wide.
        width, height = min(64, max(8, width // 8)), min(64, max(8, height // 8))
        data = (make_png if ext == "png" else make_jpeg)(width, height, comment)
        path.write_bytes(data)
        record = FileRecord(
            "snapshots", filename, path, now, self._next_seq(), self.device_id(camera), None, ext
        )
        self.files["snapshots"][filename] = record
        self.notifier.topic(
            "snapshot.taken",
            {
                "device": self.device_id(camera),
                "filename": filename,
                "file_size": len(data),
                "timestamp": self.stamp(now),
            },
        )
        return record

    # ------------------------------------------------------------- recordings

    def start_recording(self, camera: Camera, duration: float | None, fmt: str) -> ActiveRecording:
        """Start writing a growing file; it stops by itself after ``duration`` seconds."""
        now = self.now()
        ext = "mkv" if fmt == "mkv" else "mp4"
        stem = f"{camera.stream_name}_{now:%Y-%m-%d_%H-%M-%S}"
        filename = self.unique_name("recordings", stem, ext)
        path = self.folder("recordings") / filename
        path.write_bytes(recording_header(fmt))
        recording = ActiveRecording(
            camera=camera,
            filename=filename,
            path=path,
            fmt=fmt,
            start_time=now,
            start_mono=self.clock(),
            duration=duration,
            session_id=str(uuid.uuid4()),
        )
        camera.recording = recording
        self.files["recordings"][filename] = FileRecord(
            "recordings", filename, path, now, self._next_seq(), self.device_id(camera), None, fmt
        )
        recording.task = asyncio.get_running_loop().create_task(self._record(recording))
        device = self.device_id(camera)
        self.notifier.notification(
            "recording_status_update",
            self._recording_update(device, "STARTED", recording, duration),
        )
        self.notifier.topic(
            "recording.start",
            {"device": device, "filename": filename, "format": fmt, "start_time": self.stamp(now)},
        )
        self.notifier.topic("mediamtx.recording_started", {"path": camera.stream_name})
        return recording

    def _recording_update(
        self, device: str, status: str, recording: ActiveRecording, duration: float | None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "device": device,
            "status": status,
            "filename": self.notified_filename(recording),
        }
        if self.notify_duration:
            params["duration"] = duration
        return params

    def notified_filename(self, recording: ActiveRecording) -> str:
        """The file name a ``recording_status_update`` carries.

        The legacy service names the file by its full path on disk, not the
        bare name ``start_recording`` returned (docs/protocol.md: it "may name
        a different filename"); the current one uses the same name.
        """
        if self.dialect == "legacy":
            return str(recording.path)
        return recording.filename

    async def _record(self, recording: ActiveRecording) -> None:
        # Grow the file until stopped; stop by itself once the duration is over.
        limit = None if recording.duration is None else recording.duration * self.time_scale
        loop = asyncio.get_running_loop()
        started = loop.time()
        chunk = b"\x00" * RECORDING_CHUNK
        while True:
            elapsed = loop.time() - started
            if limit is not None and elapsed >= limit:
                break
            with contextlib.suppress(OSError), recording.path.open("ab") as handle:
                handle.write(chunk)
            wait = RECORDING_TICK if limit is None else min(RECORDING_TICK, limit - elapsed)
            await asyncio.sleep(max(wait, 0.0))
        recording.task = None
        if recording.camera.recording is recording:
            self.stop_recording(recording.camera, reason="duration")

    def elapsed(self, recording: ActiveRecording) -> float:
        """Seconds recorded so far (in the recording's own time scale)."""
        scale = self.time_scale or 1.0
        return round((self.clock() - recording.start_mono) / scale, 3)

    def stop_recording(
        self, camera: Camera, reason: str = "manual", error: str | None = None
    ) -> tuple[ActiveRecording, FileRecord, float, datetime]:
        """Stop ``camera``'s recording; returns it, its file, its duration and end time."""
        recording = camera.recording
        if recording is None:
            raise RuntimeError("not recording")
        camera.recording = None
        if recording.task is not None and recording.task is not asyncio.current_task():
            recording.task.cancel()
        recording.task = None
        end = self.now()
        duration = self.elapsed(recording)
        if recording.duration is not None and reason == "duration":
            duration = float(recording.duration)
        record = self.files["recordings"].get(recording.filename) or FileRecord(
            "recordings",
            recording.filename,
            recording.path,
            recording.start_time,
            self._next_seq(),
            self.device_id(camera),
            None,
            recording.fmt,
        )
        record.duration = duration
        self.files["recordings"][recording.filename] = record
        device = self.device_id(camera)
        status = "ERROR" if error else "STOPPED"
        self.notifier.notification(
            "recording_status_update",
            self._recording_update(device, status, recording, duration),
        )
        if error:
            self.notifier.topic(
                "recording.error",
                {"device": device, "filename": recording.filename, "error": error},
            )
            self.notifier.topic(
                "mediamtx.recording_failed", {"path": camera.stream_name, "error": error}
            )
        self.notifier.topic(
            "recording.stop",
            {
                "device": device,
                "filename": recording.filename,
                "duration": duration,
                "file_size": record.size(),
                "reason": reason,
            },
        )
        self.notifier.topic("mediamtx.recording_stopped", {"path": camera.stream_name})
        return recording, record, duration, end

    def stop_all(self) -> None:
        """Stop every recording and stream (the service is stopping)."""
        for camera in self.cameras.values():
            if camera.recording is not None:
                self.stop_recording(camera, reason="shutdown")
            if camera.streaming_since is not None:
                self.stop_streaming(camera)

    # ---------------------------------------------------------------- streams

    def start_streaming(self, camera: Camera) -> datetime:
        """Start (or keep) the camera's stream; returns when it started."""
        if camera.streaming_since is None:
            camera.streaming_since = self.now()
            camera.streaming_mono = self.clock()
            self.notifier.topic(
                "mediamtx.stream_started",
                {"device": self.device_id(camera), "path": camera.stream_name},
            )
        return camera.streaming_since

    def stop_streaming(self, camera: Camera) -> tuple[datetime, datetime, float]:
        """Stop the camera's stream; returns start, end and duration."""
        started = camera.streaming_since or self.now()
        duration = round(self.clock() - camera.streaming_mono, 3)
        camera.streaming_since = None
        self.notifier.topic(
            "mediamtx.stream_stopped",
            {"device": self.device_id(camera), "path": camera.stream_name},
        )
        return started, self.now(), duration

    def stream_metrics(self, camera: Camera) -> dict[str, Any]:
        """Simulated byte and frame counters of a camera's stream."""
        if camera.streaming_since is None:
            return {"bytes_sent": 0, "frames_sent": 0, "bitrate": 0, "fps": 0}
        seconds = max(0.0, self.clock() - camera.streaming_mono)
        return {
            "bytes_sent": int(seconds * 250_000),
            "frames_sent": int(seconds * camera.fps),
            "bitrate": 2_000_000,
            "fps": camera.fps,
        }

    # ---------------------------------------------------------------- storage

    def folder_size(self, kind: str) -> int:
        """Total bytes of the files of ``kind``."""
        return sum(record.size() for record in self.scan(kind))

    def storage(self) -> dict[str, Any]:
        """Disk figures of the media folder (real numbers)."""
        usage = shutil.disk_usage(self.media_dir)
        percentage = round(100.0 * usage.used / usage.total, 2) if usage.total else 0.0
        return {
            "total_space": usage.total,
            "used_space": usage.used,
            "available_space": usage.free,
            "usage_percentage": percentage,
            "recordings_size": self.folder_size("recordings"),
            "snapshots_size": self.folder_size("snapshots"),
            "low_space_warning": percentage >= 90.0,
        }

    def cleanup(self) -> tuple[bool, int, int, str]:
        """Apply the retention policy; returns (executed, files deleted, bytes freed, message)."""
        policy = self.retention
        if not policy.enabled or policy.policy_type == "manual":
            return False, 0, 0, "retention policy is disabled or manual: nothing deleted"
        doomed = self.cleanup_records()
        freed = sum(size for _record, size in doomed)
        return True, len(doomed), freed, f"deleted {len(doomed)} files"

    def cleanup_records(self) -> list[tuple[FileRecord, int]]:
        """Delete what the retention policy condemns; returns each file with its size."""
        policy = self.retention
        if not policy.enabled or policy.policy_type == "manual":
            return []
        candidates = [
            record
            for kind in ("recordings", "snapshots")
            for record in self.scan(kind)
            if self.active_recording_named(record.filename) is None or kind == "snapshots"
        ]
        doomed: list[FileRecord] = []
        if policy.policy_type == "age" and policy.max_age_days is not None:
            cutoff = self.now() - timedelta(days=policy.max_age_days)
            doomed = [record for record in candidates if record.modified() < cutoff]
        elif policy.policy_type == "size" and policy.max_size_gb is not None:
            budget = policy.max_size_gb * 1024**3
            total = sum(record.size() for record in candidates)
            for record in sorted(candidates, key=lambda r: r.modified()):
                if total <= budget:
                    break
                doomed.append(record)
                total -= record.size()
        deleted = []
        for record in doomed:
            deleted.append((record, record.size()))
            self.delete(record)
        return deleted

    # ------------------------------------------------------- external streams

    def discover(self, skydio: bool, generic: bool, include_offline: bool) -> list[ExternalStream]:
        """Run a simulated discovery scan; found streams are remembered."""
        now = self.now()
        found: list[ExternalStream] = []
        for url, kind, name, status in _DISCOVERABLE:
            if kind == "skydio_stanag4609" and not skydio:
                continue
            if kind == "generic_rtsp" and not generic:
                continue
            if status == "offline" and not include_offline:
                continue
            known = self.external.get(url)
            if known is None:
                known = ExternalStream(url, kind, name, status, now, now, {"codec": "h264"})
                self.external[url] = known
            known.last_seen = now
            found.append(known)
        return found

    def external_json(self, stream: ExternalStream) -> dict[str, Any]:
        """An external stream object of the contract."""
        return {
            "url": stream.url,
            "type": stream.type,
            "name": stream.name,
            "status": stream.status,
            "discovered_at": self.stamp(stream.discovered_at),
            "last_seen": self.stamp(stream.last_seen),
            "capabilities": dict(stream.capabilities),
        }
