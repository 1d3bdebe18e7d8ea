"""The two dialects of the service: envelope handling, dispatch and every call.

Each dialect is a class with a table from method name to handler (no
``if method == ...`` chains). A handler gets the connection's
:class:`~._auth.Session` and the call's :class:`~._params.Params` and returns
the result, or raises :class:`~._world.Fault` for an error reply.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, ClassVar
from urllib.parse import quote

from . import _constants as C
from ._auth import AuthFailure, Authority, Session
from ._params import Params
from ._world import (
    CAMERA_FORMATS,
    CAMERA_FPS,
    CAMERA_RESOLUTIONS,
    Camera,
    ExternalStream,
    Fault,
    FileRecord,
    World,
    is_safe_name,
)

logger = logging.getLogger("mediamtx_camera_sdk.testing")

Handler = Callable[[Session, Params], Any]
Reply = dict[str, Any]

_CURRENT_MESSAGES: dict[int, str] = {
    C.PARSE_ERROR: "Parse error",
    C.INVALID_REQUEST: "Invalid Request",
    C.METHOD_NOT_FOUND: "Method not found",
    C.INVALID_PARAMS: "Invalid params",
    C.INTERNAL_ERROR: "Internal error",
    C.AUTH_FAILED: "Authentication failed",
    C.PERMISSION_DENIED: "Permission denied",
    C.NOT_FOUND: "Not found",
    C.INVALID_STATE: "Invalid state",
    C.UNSUPPORTED: "Unsupported",
    C.RATE_LIMITED: "Rate limit exceeded",
    C.DEPENDENCY_FAILED: "Dependency failed",
}
_LEGACY_MESSAGES: dict[int, str] = {
    C.PARSE_ERROR: "Parse error",
    C.INVALID_REQUEST: "Invalid Request",
    C.METHOD_NOT_FOUND: "Method not found",
    C.INVALID_PARAMS: "Invalid params",
    C.INTERNAL_ERROR: "Internal error",
    C.LEGACY_CAMERA_NOT_FOUND: "Camera not found",
    C.LEGACY_CAMERA_UNAVAILABLE: "Camera not available",
    C.LEGACY_RECORDING_IN_PROGRESS: "Recording already in progress",
    C.LEGACY_MEDIAMTX_FAILED: "MediaMTX operation failed",
    C.LEGACY_STREAM_FAILED: "Stream operation failed",
    C.LEGACY_AUTH_REQUIRED: "Authentication required",
    C.LEGACY_RATE_LIMITED: "Rate limit exceeded",
    C.LEGACY_INSUFFICIENT_PERMISSIONS: "Insufficient permissions",
}


def error_reply(rid: Any, code: int, message: str, data: Any = None) -> Reply:
    """A JSON-RPC error reply object (``data`` left out when None)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": rid, "error": error}


def result_reply(rid: Any, result: Any) -> Reply:
    """A JSON-RPC result reply object."""
    return {"jsonrpc": "2.0", "id": rid, "result": result}


class Controls:
    """Test-side knobs shared by every connection: injected faults, delays, rate limit."""

    def __init__(self, rate_limit: tuple[int, float] | None) -> None:
        self.faults: dict[str, deque[Fault]] = {}
        self.delays: dict[str, float] = {}
        self.rate_limit = rate_limit

    def add_fault(self, method: str, fault: Fault, count: int) -> None:
        """Make the next ``count`` calls of ``method`` fail with ``fault``."""
        self.faults.setdefault(method, deque()).extend([fault] * count)

    def take_fault(self, method: str) -> Fault | None:
        """The fault waiting for ``method``, consumed, or None."""
        queue = self.faults.get(method)
        if not queue:
            return None
        return queue.popleft()

    def rate_exceeded(self, session: Session, now: float) -> float | None:
        """Count one call; seconds until the window resets when over the limit."""
        if self.rate_limit is None:
            return None
        calls, window = self.rate_limit
        if now - session.window_start >= window:
            session.window_start = now
            session.window_count = 0
        session.window_count += 1
        if session.window_count > calls:
            return max(0.0, session.window_start + window - now)
        return None


class Metrics:
    """Request counters, as the legacy ``get_metrics`` reports them."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.request_count = 0
        self.error_count = 0
        self.per_method: dict[str, list[float]] = {}  # [count, total_s, max_s]

    def record(self, method: str, seconds: float, failed: bool) -> None:
        """Count one call."""
        self.request_count += 1
        self.error_count += int(failed)
        entry = self.per_method.setdefault(method, [0.0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += seconds
        entry[2] = max(entry[2], seconds)


class Dialect:
    """What both dialects share: the world, credentials, knobs and the handler table."""

    name: ClassVar[str]
    roles: ClassVar[dict[str, C.Role | None]]
    messages: ClassVar[dict[int, str]]

    def __init__(
        self,
        world: World,
        authority: Authority,
        controls: Controls,
        metrics: Metrics,
        sessions: Callable[[], Iterable[Session]],
    ) -> None:
        self.world = world
        self.authority = authority
        self.controls = controls
        self.metrics = metrics
        self.sessions = sessions
        self.table: dict[str, Handler] = self.build_table()

    def build_table(self) -> dict[str, Handler]:
        """Method name -> handler."""
        raise NotImplementedError

    def default_message(self, code: int) -> str:
        """The message the dialect writes for ``code``."""
        return self.messages.get(code, "Server error")

    async def handle_text(self, session: Session, text: str) -> Reply | None:
        """Answer one text frame; None when no reply is due."""
        raise NotImplementedError

    async def handle_binary(self, session: Session, data: bytes) -> Reply | None:
        """Answer one binary frame; None when no reply is due."""
        raise NotImplementedError

    async def _delay(self, method: str) -> None:
        seconds = self.controls.delays.get(method, 0.0)
        if seconds > 0:
            await asyncio.sleep(seconds)

    def download_url(self, record: FileRecord) -> str:
        """The download path of a file, relative to the server's HTTP root."""
        return f"/files/{record.kind}/{quote(record.filename)}"


# ====================================================================== current


class CurrentDialect(Dialect):
    """The latest service generation as its documentation describes it (docs/protocol.md)."""

    name = "current"
    roles = C.CURRENT_METHOD_ROLES
    messages = _CURRENT_MESSAGES

    #: The parameters each call accepts; anything else is refused with -32602.
    accepted: ClassVar[dict[str, tuple[str, ...]]] = {
        "authenticate": ("auth_token", "auth_type"),
        "get_camera_status": ("device",),
        "get_camera_capabilities": ("device",),
        "take_snapshot": ("device", "filename"),
        "start_recording": ("device", "duration", "format"),
        "stop_recording": ("device",),
        "list_recordings": ("limit", "offset"),
        "list_snapshots": ("limit", "offset"),
        "get_recording_info": ("filename",),
        "get_snapshot_info": ("filename",),
        "delete_recording": ("filename",),
        "delete_snapshot": ("filename",),
        "start_streaming": ("device",),
        "stop_streaming": ("device",),
        "get_stream_url": ("device",),
        "get_stream_status": ("device",),
        "set_retention_policy": ("policy_type", "enabled", "max_age_days", "max_size_gb"),
        "subscribe_events": ("topics", "filters"),
        "unsubscribe_events": ("topics",),
        "discover_external_streams": (
            "skydio_enabled",
            "generic_enabled",
            "force_rescan",
            "include_offline",
        ),
        "add_external_stream": ("stream_url", "stream_name", "stream_type"),
        "remove_external_stream": ("stream_url",),
        "set_discovery_interval": ("scan_interval",),
    }

    def build_table(self) -> dict[str, Handler]:
        """Method name -> handler, one per call of the contract."""
        table: dict[str, Handler] = {}
        for method in self.roles:
            table[method] = getattr(self, "m_" + method)
        return table

    # ------------------------------------------------------------ envelope

    async def handle_binary(self, session: Session, data: bytes) -> Reply | None:
        """Binary frames are not JSON-RPC: answered as an invalid request."""
        return error_reply(
            None,
            C.INVALID_REQUEST,
            "Invalid Request",
            {"hint": "send each request as one UTF-8 text frame"},
        )

    async def handle_text(self, session: Session, text: str) -> Reply | None:
        """Parse and check the envelope (JSON-RPC 2.0 sections 4 and 5), then dispatch."""
        try:
            message = json.loads(text)
        except ValueError:
            return error_reply(None, C.PARSE_ERROR, "Parse error")
        if isinstance(message, list):
            return error_reply(
                None,
                C.INVALID_REQUEST,
                "Invalid Request",
                {"hint": "batch requests are not supported"},
            )
        if not isinstance(message, dict):
            return error_reply(
                None,
                C.INVALID_REQUEST,
                "Invalid Request",
                {"hint": "a request must be a JSON object"},
            )
        has_id = "id" in message
        rid = message.get("id")
        if rid is not None and (isinstance(rid, bool) or not isinstance(rid, (str, int, float))):
            return error_reply(
                None,
                C.INVALID_REQUEST,
                "Invalid Request",
                {"hint": "id must be a string or a number"},
            )
        if message.get("jsonrpc") != "2.0":
            return error_reply(
                rid, C.INVALID_REQUEST, "Invalid Request", {"hint": 'jsonrpc must be "2.0"'}
            )
        method = message.get("method")
        if not isinstance(method, str):
            return error_reply(
                rid, C.INVALID_REQUEST, "Invalid Request", {"hint": "method must be a string"}
            )
        reply = await self.dispatch(session, method, message.get("params"), rid)
        # JSON-RPC 2.0 section 4.1: a notification (no id) is never answered.
        return reply if has_id else None

    async def dispatch(self, session: Session, method: str, params: Any, rid: Any) -> Reply:
        """Run one call and build its reply."""
        started = time.monotonic()
        try:
            result = await self.call(session, method, params)
        except Fault as fault:
            self.metrics.record(method, time.monotonic() - started, True)
            return error_reply(rid, fault.code, fault.message, fault.data)
        self.metrics.record(method, time.monotonic() - started, False)
        return result_reply(rid, result)

    async def call(self, session: Session, method: str, params: Any) -> Any:
        """Checks in the service's order: rate, method, auth, role, params; then the handler."""
        retry = self.controls.rate_exceeded(session, time.monotonic())
        if retry is not None:
            raise Fault(
                C.RATE_LIMITED, "Rate limit exceeded", {"retry_after_ms": int(retry * 1000)}
            )
        await self._delay(method)
        handler = self.table.get(method)
        if handler is None:
            raise Fault(
                C.METHOD_NOT_FOUND, "Method not found", {"hint": f"unknown method '{method}'"}
            )
        role = self.roles[method]
        if role is not None:
            self.require(session, role)
        fault = self.controls.take_fault(method)
        if fault is not None:
            raise fault
        if params is not None and not isinstance(params, dict):
            raise Fault(
                C.INVALID_PARAMS,
                "Invalid params",
                {"param": "params", "rule": "type", "hint": "params must be an object"},
            )
        reader = Params(params, strict=True)
        allowed = self.accepted.get(method, ())
        for name in reader.raw:
            if name not in allowed:
                raise reader.fail(name, "unknown", f"unknown parameter '{name}'")
        try:
            return handler(session, reader)
        except Fault:
            raise
        except Exception:
            request_id = str(uuid.uuid4())
            logger.exception("emulator bug in %s (request %s)", method, request_id)
            raise Fault(C.INTERNAL_ERROR, "Internal error", {"request_id": request_id}) from None

    def require(self, session: Session, role: str) -> None:
        """Fail with -32001 or -32002 unless ``session`` holds ``role`` or higher."""
        problem = self.authority.problem(session)
        if problem is not None:
            if session.role is not None:
                session.clear()
            raise Fault(C.AUTH_FAILED, "Authentication failed", {"reason": problem})
        have = session.role or ""
        if C.ROLE_RANK[have] < C.ROLE_RANK[role]:
            raise Fault(
                C.PERMISSION_DENIED,
                "Permission denied",
                {"required_role": role, "have_role": have},
            )

    # ------------------------------------------------------------- helpers

    def camera(self, params: Params) -> Camera:
        """The camera named by the ``device`` parameter (-32602 / -32010 otherwise)."""
        device = params.req_string("device")
        if self.world.parse_device(device) is None:
            raise params.fail("device", "format", "device must look like camera0, camera1, ...")
        camera = self.world.find(device)
        if camera is None:
            raise Fault(C.NOT_FOUND, "Camera not found", {"resource": "camera", "id": device})
        return camera

    def connected(self, camera: Camera) -> None:
        """-32020 unless the camera is connected."""
        if not camera.connected:
            raise Fault(
                C.INVALID_STATE,
                "Camera is not connected",
                {"state": camera.status, "allowed_states": ["CONNECTED"]},
            )

    def mediamtx(self) -> None:
        """-32050 while MediaMTX is down."""
        if not self.world.mediamtx_up:
            raise Fault(
                C.DEPENDENCY_FAILED,
                "MediaMTX is unavailable",
                {"dependency": "mediamtx", "detail": "connection refused"},
            )

    def page(self, kind: str, params: Params) -> dict[str, Any]:
        limit = params.integer("limit", low=1, high=1000, default=50) or 50
        offset = params.integer("offset", low=0, default=0) or 0
        records = self.world.scan(kind)
        files = [
            {
                "filename": record.filename,
                "file_size": record.size(),
                "modified_time": self.world.stamp(record.modified()),
                "download_url": self.download_url(record),
            }
            for record in records[offset : offset + limit]
        ]
        return {"files": files, "total": len(records), "limit": limit, "offset": offset}

    def file(self, kind: str, params: Params) -> FileRecord:
        filename = params.req_string("filename")
        record = self.world.lookup(kind, filename)
        if record is None:
            raise Fault(
                C.NOT_FOUND,
                f"{kind[:-1].capitalize()} not found",
                {"resource": kind[:-1], "id": filename},
            )
        return record

    def status_json(self) -> dict[str, Any]:
        up = self.world.mediamtx_up
        return {
            "status": "HEALTHY" if up else "DEGRADED",
            "uptime": self.world.uptime(),
            "version": C.SERVICE_VERSION,
            "components": {
                "websocket_server": "running",
                "camera_monitor": "running",
                "mediamtx": "running" if up else "unavailable",
            },
        }

    # --------------------------------------------------------------- calls

    def m_ping(self, session: Session, params: Params) -> Any:
        return "pong"

    def m_authenticate(self, session: Session, params: Params) -> Any:
        token = params.req_string("auth_token")
        params.string("auth_type", required=False)  # accepted and ignored
        try:
            grant = self.authority.check(token, "auto")
        except AuthFailure as failure:
            raise Fault(
                C.AUTH_FAILED, "Authentication failed", {"reason": failure.reason}
            ) from None
        session.grant(grant, self.authority.generation)
        expires = grant.expires_at if grant.expires_at is not None else time.time() + 86400.0
        return {
            "authenticated": True,
            "role": grant.role,
            "permissions": list(C.PERMISSIONS[grant.role]),
            "expires_at": self.world.stamp(datetime.fromtimestamp(expires, timezone.utc)),
            "session_id": session.session_id,
        }

    def m_get_camera_list(self, session: Session, params: Params) -> Any:
        listed = self.world.listed_cameras()
        cameras = [self.world.camera_json(c) for c in listed]
        connected = sum(1 for c in listed if c.connected)
        return {"cameras": cameras, "total": len(cameras), "connected": connected}

    def m_get_camera_status(self, session: Session, params: Params) -> Any:
        camera = self.camera(params)
        data = self.world.camera_json(camera)
        if camera.connected:
            metrics = self.world.stream_metrics(camera)
            data["metrics"] = {
                "bytes_sent": metrics["bytes_sent"],
                "readers": 1 if camera.streaming_since else 0,
                "uptime": round(self.world.clock() - camera.connected_mono, 3),
            }
            data["capabilities"] = {
                "formats": list(CAMERA_FORMATS),
                "resolutions": list(CAMERA_RESOLUTIONS),
            }
        return data

    def m_get_camera_capabilities(self, session: Session, params: Params) -> Any:
        camera = self.camera(params)
        confirmed = camera.connected
        validation = {"CONNECTED": "CONFIRMED", "DISCONNECTED": "DISCONNECTED"}
        return {
            "device": self.world.device_id(camera),
            "formats": list(CAMERA_FORMATS) if confirmed else [],
            "resolutions": list(CAMERA_RESOLUTIONS) if confirmed else [],
            "fps_options": list(CAMERA_FPS) if confirmed else [],
            "validation_status": validation.get(camera.status, "NONE"),
        }

    def m_take_snapshot(self, session: Session, params: Params) -> Any:
        camera = self.camera(params)
        filename = params.string("filename", required=False)
        if filename is not None and not is_safe_name(filename):
            raise params.fail("filename", "format", "filename must be a plain file name")
        self.connected(camera)
        self.mediamtx()
        record = self.world.snapshot(camera, filename)
        return {
            "device": self.world.device_id(camera),
            "filename": record.filename,
            "status": "SUCCESS",
            "timestamp": self.world.stamp(record.created),
            "file_size": record.size(),
            "file_path": str(record.path),
        }

    def m_start_recording(self, session: Session, params: Params) -> Any:
        camera = self.camera(params)
        duration = params.integer("duration", low=1, high=86400)
        fmt = params.enum("format", C.RECORDING_FORMATS, default="fmp4") or "fmp4"
        self.connected(camera)
        if camera.recording is not None:
            raise Fault(
                C.INVALID_STATE,
                "Camera is already recording",
                {"state": "RECORDING", "allowed_states": ["IDLE"]},
            )
        self.mediamtx()
        recording = self.world.start_recording(
            camera, None if duration is None else float(duration), fmt
        )
        return {
            "device": self.world.device_id(camera),
            "filename": recording.filename,
            "status": "RECORDING",
            "start_time": self.world.stamp(recording.start_time),
            "format": fmt,
        }

    def m_stop_recording(self, session: Session, params: Params) -> Any:
        camera = self.camera(params)
        if camera.recording is None:
            raise Fault(
                C.INVALID_STATE,
                "Camera is not recording",
                {"state": "IDLE", "allowed_states": ["RECORDING"]},
            )
        recording, record, duration, end = self.world.stop_recording(camera)
        return {
            "device": self.world.device_id(camera),
            "filename": recording.filename,
            "status": "STOPPED",
            "start_time": self.world.stamp(recording.start_time),
            "end_time": self.world.stamp(end),
            "duration": duration,
            "file_size": record.size(),
            "format": recording.fmt,
        }

    def m_list_recordings(self, session: Session, params: Params) -> Any:
        return self.page("recordings", params)

    def m_list_snapshots(self, session: Session, params: Params) -> Any:
        return self.page("snapshots", params)

    def m_get_recording_info(self, session: Session, params: Params) -> Any:
        record = self.file("recordings", params)
        active = self.world.active_recording_named(record.filename)
        duration = self.world.elapsed(active) if active is not None else record.duration
        return {
            "filename": record.filename,
            "file_size": record.size(),
            "duration": duration,
            "created_time": self.world.stamp(record.created),
            "download_url": self.download_url(record),
        }

    def m_get_snapshot_info(self, session: Session, params: Params) -> Any:
        record = self.file("snapshots", params)
        return {
            "filename": record.filename,
            "file_size": record.size(),
            "created_time": self.world.stamp(record.created),
            "download_url": self.download_url(record),
        }

    def m_delete_recording(self, session: Session, params: Params) -> Any:
        record = self.file("recordings", params)
        if self.world.active_recording_named(record.filename) is not None:
            raise Fault(
                C.INVALID_STATE,
                "Recording is in progress",
                {"state": "RECORDING", "allowed_states": ["STOPPED"]},
            )
        self.world.delete(record)
        return {"filename": record.filename, "deleted": True, "message": "recording deleted"}

    def m_delete_snapshot(self, session: Session, params: Params) -> Any:
        record = self.file("snapshots", params)
        self.world.delete(record)
        return {"filename": record.filename, "deleted": True, "message": "snapshot deleted"}

    def m_start_streaming(self, session: Session, params: Params) -> Any:
        camera = self.camera(params)
        self.connected(camera)
        self.mediamtx()
        started = self.world.start_streaming(camera)
        return {
            "device": self.world.device_id(camera),
            "stream_name": camera.stream_name,
            "stream_url": self.world.stream_urls(camera)["rtsp"],
            "status": "STARTED",
            "start_time": self.world.stamp(started),
            "auto_close_after": "300s",
        }

    def m_stop_streaming(self, session: Session, params: Params) -> Any:
        camera = self.camera(params)
        if camera.streaming_since is None:
            raise Fault(
                C.INVALID_STATE,
                "Camera is not streaming",
                {"state": "INACTIVE", "allowed_states": ["ACTIVE"]},
            )
        started, ended, duration = self.world.stop_streaming(camera)
        return {
            "device": self.world.device_id(camera),
            "stream_name": camera.stream_name,
            "status": "STOPPED",
            "start_time": self.world.stamp(started),
            "end_time": self.world.stamp(ended),
            "duration": duration,
            "stream_continues": False,
        }

    def m_get_stream_url(self, session: Session, params: Params) -> Any:
        camera = self.camera(params)
        if camera.status == "ERROR":
            stream_status = "ERROR"
        else:
            stream_status = "READY" if camera.connected and self.world.mediamtx_up else "NOT_READY"
        return {
            "device": self.world.device_id(camera),
            "stream_name": camera.stream_name,
            "stream_url": self.world.stream_urls(camera)["rtsp"],
            "available": camera.connected,
            "active_consumers": 1 if camera.streaming_since else 0,
            "stream_status": stream_status,
        }

    def m_get_stream_status(self, session: Session, params: Params) -> Any:
        camera = self.camera(params)
        active = camera.streaming_since is not None
        status = {"ERROR": "ERROR"}.get(camera.status, "ACTIVE" if active else "INACTIVE")
        uptime = round(self.world.clock() - camera.streaming_mono, 3) if active else 0.0
        return {
            "device": self.world.device_id(camera),
            "stream_name": camera.stream_name,
            "status": status,
            "ready": active,
            "ffmpeg_process": {
                "running": active,
                "pid": 4000 + camera.index if active else 0,
                "uptime": uptime,
            },
            "mediamtx_path": {"exists": camera.connected, "ready": active, "readers": int(active)},
            "metrics": self.world.stream_metrics(camera),
        }

    def m_get_streams(self, session: Session, params: Params) -> Any:
        streams = []
        for camera in self.world.cameras.values():
            active = camera.streaming_since is not None
            streams.append(
                {
                    "name": camera.stream_name,
                    "source": {"type": "ffmpeg", "id": f"ffmpeg-{camera.index}"}
                    if active
                    else None,
                    "ready": active,
                    "readers": int(active),
                    "bytes_sent": self.world.stream_metrics(camera)["bytes_sent"],
                }
            )
        return streams

    def m_get_metrics(self, session: Session, params: Params) -> Any:
        world = self.world
        cameras = world.cameras.values()
        storage = world.storage()
        return {
            "timestamp": world.stamp(),
            "system_metrics": {
                "cpu_usage": 3.5,
                "memory_usage": 12.25,
                "disk_usage": storage["usage_percentage"],
                "goroutines": 24 + len(list(self.sessions())),
            },
            "camera_metrics": {
                "connected_cameras": sum(1 for c in cameras if c.connected),
                "cameras": {
                    world.device_id(c): {
                        "status": c.status,
                        "recording": c.recording is not None,
                        "streaming": c.streaming_since is not None,
                    }
                    for c in cameras
                },
            },
            "recording_metrics": {
                "active_recordings": sum(1 for c in cameras if c.recording is not None),
                "total_recordings": len(world.scan("recordings")),
            },
            "stream_metrics": {
                "active_streams": sum(1 for c in cameras if c.streaming_since is not None),
                "total_streams": len(world.cameras),
                "total_viewers": sum(1 for c in cameras if c.streaming_since is not None),
            },
        }

    def m_get_status(self, session: Session, params: Params) -> Any:
        return self.status_json()

    def m_get_system_status(self, session: Session, params: Params) -> Any:
        return self.status_json()

    def m_get_server_info(self, session: Session, params: Params) -> Any:
        return {
            "name": C.SERVICE_NAME,
            "version": C.SERVICE_VERSION,
            "build_date": "2025-01-01T00:00:00Z",
            "go_version": "go1.22.5",
            "architecture": "amd64",
            "capabilities": ["snapshots", "recordings", "streaming", "events", "external_streams"],
            "supported_formats": ["fmp4", "mp4", "mkv", "jpg"],
            "max_cameras": 16,
        }

    def m_get_storage_info(self, session: Session, params: Params) -> Any:
        return self.world.storage()

    def m_set_retention_policy(self, session: Session, params: Params) -> Any:
        policy_type = params.enum("policy_type", ("age", "size", "manual"), required=True)
        enabled = params.boolean("enabled", required=True)
        max_age = params.number("max_age_days")
        max_size = params.number("max_size_gb")
        if enabled and policy_type == "age" and max_age is None:
            raise params.fail("max_age_days", "required", "an age policy needs max_age_days")
        if enabled and policy_type == "size" and max_size is None:
            raise params.fail("max_size_gb", "required", "a size policy needs max_size_gb")
        policy = self.world.retention
        policy.policy_type = policy_type or "manual"
        policy.enabled = enabled
        policy.max_age_days = max_age
        policy.max_size_gb = max_size
        return {
            "policy_type": policy.policy_type,
            "enabled": enabled,
            "max_age_days": max_age,
            "max_size_gb": max_size,
            "message": "retention policy updated",
        }

    def m_cleanup_old_files(self, session: Session, params: Params) -> Any:
        executed, deleted, freed, message = self.world.cleanup()
        return {
            "cleanup_executed": executed,
            "files_deleted": deleted,
            "space_freed": freed,
            "message": message,
        }

    def m_subscribe_events(self, session: Session, params: Params) -> Any:
        topics = params.string_list("topics", required=True) or []
        if not topics:
            raise params.fail("topics", "required", "give at least one topic")
        for topic in topics:
            if topic not in C.TOPICS:
                raise params.fail("topics", "enum", f"unknown topic '{topic}'")
        filters = params.mapping("filters") or {}
        for topic in topics:
            session.subscriptions[topic] = dict(filters)
        return {"subscribed": True, "topics": topics, "filters": filters}

    def m_unsubscribe_events(self, session: Session, params: Params) -> Any:
        topics = params.string_list("topics")
        if topics is None:
            removed = sorted(session.subscriptions)
            session.subscriptions.clear()
        else:
            for topic in topics:
                if topic not in C.TOPICS:
                    raise params.fail("topics", "enum", f"unknown topic '{topic}'")
            removed = [
                topic for topic in topics if session.subscriptions.pop(topic, None) is not None
            ]
        return {"unsubscribed": True, "topics": removed}

    def m_get_subscription_stats(self, session: Session, params: Params) -> Any:
        counts: dict[str, int] = {}
        total = 0
        clients = 0
        for other in self.sessions():
            if other.subscriptions:
                clients += 1
            for topic in other.subscriptions:
                counts[topic] = counts.get(topic, 0) + 1
                total += 1
        return {
            "global_stats": {
                "total_subscriptions": total,
                "active_clients": clients,
                "topic_counts": counts,
            },
            "client_topics": sorted(session.subscriptions),
            "client_id": f"client_{session.conn_id}",
        }

    def m_discover_external_streams(self, session: Session, params: Params) -> Any:
        options = {
            "skydio_enabled": params.boolean("skydio_enabled", default=True),
            "generic_enabled": params.boolean("generic_enabled", default=True),
            "force_rescan": params.boolean("force_rescan", default=False),
            "include_offline": params.boolean("include_offline", default=False),
        }
        found = self.world.discover(
            options["skydio_enabled"], options["generic_enabled"], options["include_offline"]
        )
        streams = [self.world.external_json(stream) for stream in found]
        return {
            "discovered_streams": streams,
            "skydio_streams": [s for s in streams if s["type"] == "skydio_stanag4609"],
            "generic_streams": [s for s in streams if s["type"] == "generic_rtsp"],
            "scan_timestamp": self.world.stamp(),
            "total_found": len(streams),
            "discovery_options": options,
            "scan_duration": 0.05,
            "errors": [],
        }

    def m_add_external_stream(self, session: Session, params: Params) -> Any:
        url = params.req_string("stream_url")
        name = params.req_string("stream_name")
        kind = params.enum(
            "stream_type", ("generic_rtsp", "skydio_stanag4609"), default="generic_rtsp"
        )
        if not url.startswith(("rtsp://", "rtsps://")):
            raise params.fail("stream_url", "format", "stream_url must be an rtsp:// URL")
        if url in self.world.external:
            raise Fault(
                C.INVALID_STATE,
                "Stream already exists",
                {"state": "EXISTS", "allowed_states": ["ABSENT"]},
            )
        now = self.world.now()
        self.world.external[url] = ExternalStream(
            url, kind or "generic_rtsp", name, "active", now, now
        )
        return {
            "stream_url": url,
            "stream_name": name,
            "stream_type": kind,
            "status": "ADDED",
            "timestamp": self.world.stamp(now),
        }

    def m_remove_external_stream(self, session: Session, params: Params) -> Any:
        url = params.req_string("stream_url")
        if self.world.external.pop(url, None) is None:
            raise Fault(C.NOT_FOUND, "Stream not found", {"resource": "external_stream", "id": url})
        return {"stream_url": url, "status": "REMOVED", "timestamp": self.world.stamp()}

    def m_get_external_streams(self, session: Session, params: Params) -> Any:
        streams = [self.world.external_json(s) for s in self.world.external.values()]
        return {
            "external_streams": streams,
            "skydio_streams": [s for s in streams if s["type"] == "skydio_stanag4609"],
            "generic_streams": [s for s in streams if s["type"] == "generic_rtsp"],
            "total_count": len(streams),
            "timestamp": self.world.stamp(),
        }

    def m_set_discovery_interval(self, session: Session, params: Params) -> Any:
        interval = params.integer("scan_interval", required=True, low=0, high=86400)
        self.world.discovery_interval = interval or 0
        return {
            "scan_interval": interval,
            "status": "UPDATED",
            "message": f"discovery interval set to {interval} s",
            "timestamp": self.world.stamp(),
        }


# ======================================================================= legacy


class LegacyDialect(Dialect):
    """The earlier service generation, as the real legacy server answers (docs/protocol.md)."""

    name = "legacy"
    roles = C.LEGACY_METHOD_ROLES
    messages = _LEGACY_MESSAGES

    def build_table(self) -> dict[str, Handler]:
        """Method name -> handler (``get_cameras`` is an alias of ``get_camera_list``)."""
        table: dict[str, Handler] = {}
        for method in self.roles:
            table[method] = getattr(self, "m_" + method)
        return table

    async def handle_binary(self, session: Session, data: bytes) -> Reply | None:
        """The legacy server ignores binary frames."""
        return None

    async def handle_text(self, session: Session, text: str) -> Reply | None:
        """The legacy envelope rules, oddities included (docs/protocol.md, legacy envelope)."""
        try:
            message = json.loads(text)
        except ValueError:
            return error_reply(None, C.PARSE_ERROR, "Parse error")
        if not isinstance(message, dict):
            # A batch, an empty array or a bare scalar crashes the legacy handler.
            return error_reply(None, C.INTERNAL_ERROR, "Internal error")
        rid = message.get("id")
        if message.get("jsonrpc") != "2.0":
            return error_reply(rid, C.INVALID_REQUEST, "Invalid Request")
        method = message.get("method")
        if not isinstance(method, str):
            return error_reply(rid, C.INVALID_REQUEST, "Invalid Request - missing method")
        params = message.get("params")
        started = time.monotonic()
        try:
            result = await self.call(session, method, params)
        except Fault as fault:
            self.metrics.record(method, time.monotonic() - started, True)
            if rid is None and fault.code not in (C.METHOD_NOT_FOUND, C.LEGACY_AUTH_REQUIRED):
                return None
            return error_reply(rid, fault.code, fault.message, fault.data)
        self.metrics.record(method, time.monotonic() - started, False)
        if rid is None:
            failed_auth = (
                method == "authenticate"
                and isinstance(result, dict)
                and result.get("authenticated") is False
            )
            return result_reply(None, result) if failed_auth else None
        return result_reply(rid, result)

    async def call(self, session: Session, method: str, params: Any) -> Any:
        """Method, rate limit (``authenticate`` is exempt), auth (three calls only), handler."""
        handler = self.table.get(method)
        if handler is None:
            raise Fault(C.METHOD_NOT_FOUND, "Method not found")
        if method != "authenticate" and self.controls.rate_exceeded(session, time.monotonic()):
            raise Fault(C.LEGACY_RATE_LIMITED, "Rate limit exceeded")
        await self._delay(method)
        # Positional (or any other non-object) params read as none at all: ping
        # still answers, calls that need a parameter fail with -32602.
        reader = Params(params if isinstance(params, dict) else None, strict=False)
        if self.roles[method] is not None:
            self.require(session, reader)
        fault = self.controls.take_fault(method)
        if fault is not None:
            raise fault
        try:
            return handler(session, reader)
        except Fault:
            raise
        except Exception:
            logger.exception("emulator bug in legacy %s", method)
            raise Fault(C.INTERNAL_ERROR, "Internal error") from None

    def require(self, session: Session, params: Params) -> None:
        """Operator role, from the session or an inline ``auth_token`` param.

        An inline token authenticates the connection when it is not yet
        authenticated (and is then not looked at again), as on the real server.
        """
        inline = params.raw.get("auth_token")
        params.seen.add("auth_token")
        if isinstance(inline, str) and inline and session.role is None:
            try:
                grant = self.authority.check(inline, "auto")
            except AuthFailure:
                raise Fault(
                    C.LEGACY_AUTH_REQUIRED, "Authentication failed: Invalid authentication token"
                ) from None
            session.grant(grant, self.authority.generation)
            role = grant.role
        else:
            problem = self.authority.problem(session)
            if problem is not None:
                if session.role is not None:
                    session.clear()
                    raise Fault(C.LEGACY_AUTH_REQUIRED, "Authentication failed: token expired")
                raise Fault(
                    C.LEGACY_AUTH_REQUIRED,
                    "Authentication required - call authenticate or provide auth_token",
                )
            role = session.role or ""
        if C.ROLE_RANK[role] < C.ROLE_RANK["operator"]:
            raise Fault(
                C.LEGACY_INSUFFICIENT_PERMISSIONS,
                "Insufficient permissions - operator role required",
            )

    def mediamtx_failed(self) -> Fault:
        """The one generic error of every recording failure."""
        return Fault(C.LEGACY_MEDIAMTX_FAILED, "MediaMTX operation failed")

    # --------------------------------------------------------------- calls

    def m_ping(self, session: Session, params: Params) -> Any:
        return "pong"

    def m_authenticate(self, session: Session, params: Params) -> Any:
        token = next(
            (
                value
                for value in (params.raw.get("token"), params.raw.get("auth_token"))
                if isinstance(value, str) and value
            ),
            None,
        )
        params.seen.update(("token", "auth_token"))
        kind = params.raw.get("auth_type", "auto")
        if kind not in ("jwt", "api_key", "auto"):
            return {"authenticated": False, "error": f"Unsupported auth_type: {kind}"}
        if not token:
            return {"authenticated": False, "error": "Missing token"}
        try:
            grant = self.authority.check(token, str(kind))
        except AuthFailure:
            # The legacy service says the same whatever was wrong with the token.
            return {"authenticated": False, "error": "Invalid authentication token"}
        session.grant(grant, self.authority.generation)
        return {"authenticated": True, "role": grant.role, "auth_method": grant.method}

    def m_get_camera_list(self, session: Session, params: Params) -> Any:
        listed = self.world.listed_cameras()
        cameras = [self.world.camera_json(c) for c in listed]
        connected = sum(1 for c in listed if c.connected)
        return {"cameras": cameras, "total": len(cameras), "connected": connected}

    def m_get_cameras(self, session: Session, params: Params) -> Any:
        return self.m_get_camera_list(session, params)

    def m_get_camera_status(self, session: Session, params: Params) -> Any:
        device = params.req_string("device")
        camera = self.world.find(device)
        if camera is None:
            data = self.world.unknown_camera_json(device)
            data["metrics"] = {"bytes_sent": 0, "readers": 0, "uptime": 0}
            data["capabilities"] = {"formats": [], "resolutions": []}
            return data
        data = self.world.camera_json(camera)
        active = camera.streaming_since is not None
        data["metrics"] = {
            "bytes_sent": self.world.stream_metrics(camera)["bytes_sent"],
            # The legacy server passes MediaMTX's reader list through as is, and
            # says 0 when MediaMTX has no ready path for the camera.
            "readers": ([{"type": "rtspSession", "id": f"reader-{camera.index}"}] if active else [])
            if camera.connected and self.world.mediamtx_up
            else 0,
            "uptime": int(self.world.clock() - camera.connected_mono) if camera.connected else 0,
        }
        data["capabilities"] = {
            "formats": list(CAMERA_FORMATS) if camera.connected else [],
            "resolutions": list(CAMERA_RESOLUTIONS) if camera.connected else [],
        }
        return data

    def m_get_streams(self, session: Session, params: Params) -> Any:
        streams: list[dict[str, Any]] = []
        if not self.world.mediamtx_up:
            return streams  # the paths come from MediaMTX: none while it is down
        for camera in self.world.listed_cameras():
            ready = camera.connected
            streams.append(
                {
                    "name": camera.stream_name,
                    "source": {"type": "rtspSession", "id": self._source_id(camera)}
                    if ready
                    else None,
                    "ready": ready,
                    "readers": 0,
                    "bytes_sent": self.world.stream_metrics(camera)["bytes_sent"],
                }
            )
        return streams

    def _source_id(self, camera: Camera) -> str:
        # MediaMTX names a publishing session by a UUID; stable per camera here.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"emulator/{camera.stream_name}"))

    def m_take_snapshot(self, session: Session, params: Params) -> Any:
        device = params.req_string("device")
        filename = params.string("filename", required=False)
        raw_format = params.raw.get("format")
        fmt = "png" if raw_format == "png" else "jpg"  # anything else silently becomes jpg
        params.seen.add("format")
        quality = params.integer("quality", low=1, high=100, default=85)
        if filename is not None and not is_safe_name(filename):
            raise params.fail("filename", "format", "filename must be a plain file name")
        camera = self.world.find(device)
        timestamp = self.world.stamp()
        if camera is None or not camera.connected or not self.world.mediamtx_up:
            error = "Camera not found" if camera is None else "Camera not available"
            if camera is not None and camera.connected:
                error = "MediaMTX operation failed"
            index = self.world.parse_device(device)
            stem = f"camera{index if index is not None else 0}_snapshot"
            return {
                "device": device,
                "filename": filename or f"{stem}_{self.world.now():%Y-%m-%d_%H-%M-%S}.{fmt}",
                "status": "FAILED",
                "timestamp": timestamp,
                "file_size": 0,
                "format": fmt,
                "quality": quality,
                "error": error,
            }
        record = self.world.snapshot(camera, filename, fmt, quality or 85)
        return {
            "device": device,
            "filename": record.filename,
            "status": "completed",
            "timestamp": self.world.stamp(record.created),
            "file_size": record.size(),
            "format": fmt,
            "quality": quality,
        }

    def _duration(self, params: Params) -> int | None:
        for name, factor, high in (
            ("duration", 1, None),
            ("duration_seconds", 1, 3600),
            ("duration_minutes", 60, None),
            ("duration_hours", 3600, None),
        ):
            value = params.integer(name, low=1, high=high)
            if value is not None:
                return value * factor
        return None

    def m_start_recording(self, session: Session, params: Params) -> Any:
        device = params.req_string("device")
        duration = self._duration(params)
        params.string("format", required=False)  # any format is recorded as mp4
        camera = self.world.find(device)
        if (
            camera is None
            or not camera.connected
            or camera.recording is not None
            or not self.world.mediamtx_up
        ):
            raise self.mediamtx_failed()
        recording = self.world.start_recording(
            camera, None if duration is None else float(duration), "mp4"
        )
        return {
            "device": device,
            "session_id": recording.session_id,
            "filename": recording.filename,
            "status": "STARTED",
            "start_time": self.world.stamp(recording.start_time),
            "duration": duration,
            "format": "mp4",
        }

    def m_stop_recording(self, session: Session, params: Params) -> Any:
        device = params.req_string("device")
        camera = self.world.find(device)
        if camera is None or camera.recording is None:
            raise self.mediamtx_failed()
        recording, record, duration, end = self.world.stop_recording(camera)
        return {
            "device": device,
            "session_id": None,
            "filename": recording.filename,
            "status": "STOPPED",
            "stop_time": self.world.stamp(end),
            "duration": round(duration),  # whole seconds on the legacy service
            "file_size": record.size(),
        }

    def m_get_metrics(self, session: Session, params: Params) -> Any:
        metrics = self.metrics
        uptime = max(time.monotonic() - metrics.started, 1e-6)
        methods = {
            name: {
                "count": int(count),
                "avg_ms": round(1000 * total / count, 3) if count else 0.0,
                "max_ms": round(1000 * peak, 3),
            }
            for name, (count, total, peak) in metrics.per_method.items()
        }
        return {
            "uptime": round(uptime, 3),
            "request_count": metrics.request_count,
            "error_count": metrics.error_count,
            "active_connections": len(list(self.sessions())),
            "avg_response_times": {
                name: round(total / count, 6) if count else 0.0
                for name, (count, total, _peak) in metrics.per_method.items()
            },
            "requests_per_second": round(metrics.request_count / uptime, 3),
            "methods": methods,
        }

    def m_get_status(self, session: Session, params: Params) -> Any:
        up = self.world.mediamtx_up
        return {
            "server": {
                "status": "running",
                "uptime": self.world.uptime(),
                "version": C.LEGACY_SERVICE_VERSION,
                "connections": len(list(self.sessions())),
            },
            "mediamtx": {"status": "healthy" if up else "error", "connected": up},
        }

    def m_get_server_info(self, session: Session, params: Params) -> Any:
        # The real legacy server fails here (a bug clients must cope with).
        raise Fault(C.INTERNAL_ERROR, "Internal error")
