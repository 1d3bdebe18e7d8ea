"""The current service as it really answers (docs/protocol.md, the observed behaviour).

:class:`ObservedCurrentDialect` is the emulator's default for the current
dialect. It differs from the documented service (:class:`~._dialects.CurrentDialect`)
where the real service does:

- every reply to a call carries a ``metadata`` member;
- ``error.data`` is always ``{"reason", "details", "suggestion"}``;
- bad parameters are mostly -32603 with ``reason: "METHOD_ERROR"``, an unknown
  camera is -32010 for camera operations but -32603 for ``get_camera_status``;
- several results have their own shapes (``get_streams``,
  ``set_retention_policy``, ``cleanup_old_files``, ``get_system_status``, ...);
- malformed JSON and batches get -32600 with no ``id`` member;
- an operator may delete files, ``subscribe_events`` replaces the topic list,
  external stream discovery is off unless configured.

The defects that make a feature unusable are only copied when asked for (the
``quirks`` of the emulator). Whether notifications are pushed and how idle
connections end are decided by the emulator, not here.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, ClassVar

from . import _constants as C
from ._auth import AuthFailure, Authority, Session
from ._dialects import Controls, CurrentDialect, Handler, Metrics, Reply
from ._params import Params
from ._world import (
    CAMERA_FORMATS,
    CAMERA_RESOLUTIONS,
    Camera,
    Fault,
    FileRecord,
    World,
    is_safe_name,
)

__all__ = ["OBSERVED_DATA", "ObservedCurrentDialect"]

logger = logging.getLogger("mediamtx_camera_sdk.testing")

_MESSAGES: dict[int, str] = {
    C.PARSE_ERROR: "Parse error",
    C.INVALID_REQUEST: "Invalid Request",
    C.METHOD_NOT_FOUND: "Method not found",
    C.INVALID_PARAMS: "Invalid parameters",
    C.INTERNAL_ERROR: "Internal server error",
    C.AUTH_FAILED: "Authentication failed or token expired",
    C.PERMISSION_DENIED: "Permission denied",
    C.NOT_FOUND: "Not found",
    C.INVALID_STATE: "Invalid state",
    C.UNSUPPORTED: "Unsupported",
    C.RATE_LIMITED: "Rate limit exceeded",
    C.DEPENDENCY_FAILED: "Dependency failed",
}

#: ``error.data`` for each code when nothing more precise is known (injected
#: faults, errors of calls the real service was not seen failing).
OBSERVED_DATA: dict[int, dict[str, str]] = {
    C.INVALID_REQUEST: {
        "reason": "invalid_request",
        "details": "Invalid JSON-RPC request",
        "suggestion": "Ensure valid JSON-RPC 2.0 structure",
    },
    C.METHOD_NOT_FOUND: {
        "reason": "method_not_found",
        "details": "unknown method",
        "suggestion": "Verify method name",
    },
    C.INVALID_PARAMS: {
        "reason": "invalid_params",
        "details": "validation failed",
        "suggestion": "Check the method's parameters",
    },
    C.INTERNAL_ERROR: {
        "reason": "internal_error",
        "details": "internal error",
        "suggestion": "Retry or contact support if persistent",
    },
    C.AUTH_FAILED: {
        "reason": "auth_failed",
        "details": "Invalid or expired token",
        "suggestion": "Provide valid token",
    },
    C.PERMISSION_DENIED: {
        "reason": "permission_denied",
        "details": "insufficient permissions",
        "suggestion": "Use an account with permission",
    },
    C.NOT_FOUND: {
        "reason": "camera_not_found",
        "details": "Camera not found or disconnected",
        "suggestion": "Check camera identifier",
    },
    C.INVALID_STATE: {
        "reason": "invalid_state",
        "details": "invalid state",
        "suggestion": "Check the resource's state",
    },
    C.UNSUPPORTED: {
        "reason": "feature_disabled",
        "details": "feature not supported",
        "suggestion": "Enable the feature in configuration",
    },
    C.RATE_LIMITED: {
        "reason": "rate_limited",
        "details": "Rate limit exceeded",
        "suggestion": "Retry later",
    },
    C.DEPENDENCY_FAILED: {
        "reason": "dependency_failed",
        "details": "MediaMTX is unavailable",
        "suggestion": "Check the media server",
    },
}

_SUPPORT = "Contact support if issue persists"
_FILE_NOT_FOUND = ("file_not_found", "File not found or inaccessible", "Verify filename")
_DISCOVERY_OFF = (
    "feature_disabled",
    "External stream discovery is disabled in configuration",
    "Enable external discovery in configuration",
)
# The V4L2 capability words the real service passes through.
_V4L2_CAPS = ["0x84a00001", "Video Capture", "Metadata Capture", "Streaming", "Extended Pix Format"]
_V4L2_DEVICE_CAPS = ["0x04200001", "Video Capture", "Streaming", "Extended Pix Format"]
_OBSERVED_KEYS = frozenset(("reason", "details", "suggestion"))


def fault(code: int, reason: str, details: str, suggestion: str) -> Fault:
    """A Fault with the real service's message for ``code`` and its kind of ``data``."""
    message = _MESSAGES.get(code, "Server error")
    return Fault(code, message, {"reason": reason, "details": details, "suggestion": suggestion})


def method_error(method: str, details: str) -> Fault:
    """The -32603 ``METHOD_ERROR`` the real service answers for most bad parameters."""
    return fault(C.INTERNAL_ERROR, "METHOD_ERROR", f"{method}: {details}", _SUPPORT)


def camera_not_found() -> Fault:
    """-32010 ``camera_not_found``: an unknown or disconnected camera."""
    data = OBSERVED_DATA[C.NOT_FOUND]
    return fault(C.NOT_FOUND, data["reason"], data["details"], data["suggestion"])


def translate(failure: Fault) -> Fault:
    """``failure`` with its ``data`` in the real service's form (kept when it already is)."""
    data = failure.data
    if isinstance(data, dict) and set(data) >= _OBSERVED_KEYS:
        return failure
    base = OBSERVED_DATA.get(failure.code, OBSERVED_DATA[C.INTERNAL_ERROR])
    details = failure.message or base["details"]
    return fault(failure.code, base["reason"], details, base["suggestion"])


def _seconds(moment: datetime | None = None) -> str:
    # The real service writes whole seconds: 2026-12-01T21:25:06Z.
    return (moment or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _amount(value: float | None, unit: str) -> str:
    return "" if value is None else f"{value:g} {unit}"


class ObservedCurrentDialect(CurrentDialect):
    """The current service as it really behaves (the emulator's default)."""

    roles: ClassVar[dict[str, C.Role | None]] = {
        **C.CURRENT_METHOD_ROLES,
        # Observed: an operator may delete recordings and snapshots.
        "delete_recording": "operator",
        "delete_snapshot": "operator",
    }
    messages = _MESSAGES

    def __init__(
        self,
        world: World,
        authority: Authority,
        controls: Controls,
        metrics: Metrics,
        sessions: Callable[[], Iterable[Session]],
        *,
        quirks: Iterable[str] = (),
        external_discovery: bool = False,
    ) -> None:
        super().__init__(world, authority, controls, metrics, sessions)
        self.quirks = frozenset(quirks)
        self.external_discovery = external_discovery

    def default_data(self, code: int) -> dict[str, str] | None:
        """The ``error.data`` of an injected fault with code ``code``."""
        data = OBSERVED_DATA.get(code)
        return dict(data) if data is not None else None

    # ------------------------------------------------------------ envelope

    def _bad_envelope(self) -> Reply:
        # Malformed JSON and batches: -32600 and no id member at all.
        return {
            "jsonrpc": "2.0",
            "error": {
                "code": C.INVALID_REQUEST,
                "message": "Invalid Request",
                "data": dict(OBSERVED_DATA[C.INVALID_REQUEST]),
            },
        }

    async def handle_binary(self, session: Session, data: bytes) -> Reply | None:
        """A binary frame is not a request the service can read."""
        return self._bad_envelope()

    async def handle_text(self, session: Session, text: str) -> Reply | None:
        """The envelope as the real service checks it; ``metadata`` on every call's reply."""
        try:
            message = json.loads(text)
        except ValueError:
            return self._bad_envelope()
        if not isinstance(message, dict):
            return self._bad_envelope()
        has_id = "id" in message
        rid = message.get("id")
        if rid is not None and (isinstance(rid, bool) or not isinstance(rid, (str, int, float))):
            return self._bad_envelope()
        if message.get("jsonrpc") != "2.0":
            error = fault(
                C.INVALID_REQUEST,
                "invalid_version",
                "Invalid JSON-RPC version",
                "Set jsonrpc to '2.0'",
            )
            return {"jsonrpc": "2.0", "id": rid, "error": self._error_object(error)}
        method = message.get("method")
        if not isinstance(method, str):
            error = translate(Fault(C.INVALID_REQUEST, "Invalid JSON-RPC request"))
            return {"jsonrpc": "2.0", "id": rid, "error": self._error_object(error)}
        started = time.monotonic()
        reply = await self.dispatch(session, method, message.get("params"), rid)
        if not has_id:
            return None  # JSON-RPC 2.0 section 4.1: notifications get no reply
        reply["metadata"] = {
            "processing_time_ms": int((time.monotonic() - started) * 1000),
            "request_id": rid,
            "server_timestamp": _seconds(),
        }
        return reply

    @staticmethod
    def _error_object(error: Fault) -> dict[str, Any]:
        return {"code": error.code, "message": error.message, "data": error.data}

    async def call(self, session: Session, method: str, params: Any) -> Any:
        """Method, auth, role, injected fault, then the handler (errors in the real form)."""
        retry = self.controls.rate_exceeded(session, time.monotonic())
        if retry is not None:
            raise translate(Fault(C.RATE_LIMITED, "Rate limit exceeded"))
        await self._delay(method)
        handler: Handler | None = self.table.get(method)
        if handler is None:
            data = OBSERVED_DATA[C.METHOD_NOT_FOUND]
            raise fault(C.METHOD_NOT_FOUND, data["reason"], method, data["suggestion"])
        role = self.roles[method]
        if role is not None:
            self.require_role(session, method, role)
        injected = self.controls.take_fault(method)
        if injected is not None:
            raise injected
        raw = params if isinstance(params, dict) else None
        if params is not None and raw is None:
            raise method_error(method, "validation failed: params must be an object")

        def bad_param(_param: str, _rule: str, hint: str) -> Fault:
            return method_error(method, f"validation failed: [{hint}]")

        reader = Params(raw, strict=True, on_fail=bad_param)
        if method == "get_camera_list" and reader.raw:
            # The one call seen refusing parameters it does not know.
            name = next(iter(reader.raw))
            raise fault(
                C.INVALID_PARAMS,
                "invalid_params",
                f"unknown parameter '{name}'",
                "get_camera_list takes no parameters",
            )
        try:
            return handler(session, reader)
        except Fault as failure:
            raise translate(failure) from None
        except Exception:
            logger.exception("emulator bug in %s", method)
            raise translate(Fault(C.INTERNAL_ERROR, "internal error")) from None

    def require_role(self, session: Session, method: str, role: str) -> None:
        """-32001 unless authenticated (and not expired), -32002 below ``role``."""
        problem = self.authority.problem(session)
        if problem is not None:
            if session.role is not None:
                session.clear()
                raise translate(Fault(C.AUTH_FAILED, "Invalid or expired token"))
            raise fault(
                C.AUTH_FAILED, "auth_required", "Authentication required", "Authenticate first"
            )
        if C.ROLE_RANK[session.role or ""] < C.ROLE_RANK[role]:
            raise fault(
                C.PERMISSION_DENIED,
                "permission_denied",
                f"insufficient permissions for method {method}",
                "Use an account with permission",
            )

    # ------------------------------------------------------------- helpers

    def quirk(self, name: str) -> bool:
        """True when the defect ``name`` is being copied."""
        return name in self.quirks

    def device(self, params: Params, method: str) -> Camera:
        """The camera of the ``device`` parameter, failing as the real service does."""
        value = params.raw.get("device")
        params.seen.add("device")
        if value is None:
            detail = "validation failed"
            if method == "get_camera_status":
                detail = "validation failed: [device parameter is required]"
            raise method_error(method, detail)
        if not isinstance(value, str):
            raise method_error(
                method,
                "validation failed: [validation error for field 'device': "
                f"device parameter must be a string (value: {value})]",
            )
        if "/" in value or "\\" in value:
            raise method_error(
                method,
                "validation failed: [validation error for field 'device': "
                f"device parameter contains invalid path characters (value: {value})]",
            )
        if self.world.parse_device(value) is None:
            raise method_error(
                method,
                "validation failed: [validation error for field 'camera_id': "
                f"invalid format (value: {value})]",
            )
        camera = self.world.find(value)
        if method == "get_camera_status":
            if camera is None:
                raise method_error(method, f"invalid or inaccessible device: {value}")
            return camera
        if method == "get_camera_capabilities":
            if camera is None:
                raise fault(
                    C.INTERNAL_ERROR,
                    "internal_error",
                    f"camera '{value}' capabilities error: invalid or inaccessible device: {value}",
                    "Retry or contact support if persistent",
                )
            return camera
        if camera is None or not camera.connected:
            raise camera_not_found()
        return camera

    def filename(self, params: Params, method: str, missing: Fault | None = None) -> str:
        """The ``filename`` parameter (a non-empty string)."""
        value = params.raw.get("filename")
        params.seen.add("filename")
        if not isinstance(value, str) or not value:
            raise missing or method_error(method, "filename must be a non-empty string")
        return value

    def camera_object(self, camera: Camera) -> dict[str, Any]:
        """A camera as ``get_camera_list`` shows it: every field, whatever its status."""
        return {
            "device": self.world.device_id(camera),
            "status": camera.status,
            "name": camera.name,
            "resolution": camera.resolution,
            "fps": camera.fps,
            "streams": self.stream_urls(camera),
        }

    def stream_urls(self, camera: Camera) -> dict[str, str]:
        urls = self.world.stream_urls(camera)
        return {"hls": urls["hls"], "rtsp": urls["rtsp"], "webrtc": urls["webrtc"] + "/webrtc"}

    def v4l2(self, camera: Camera) -> dict[str, Any]:
        return {
            "bus_info": f"usb-0000:00:14.0-{camera.index + 1}",
            "capabilities": list(_V4L2_CAPS),
            "card_name": camera.name,
            "device_caps": list(_V4L2_DEVICE_CAPS),
            "driver_name": "uvcvideo",
            "version": "6.1.0",
        }

    def recording_name(self, record: FileRecord) -> str:
        """The name ``list_recordings`` shows for a recording file."""
        if self.quirk("recording_info_fails"):
            # The real service lists a name no other call accepts.
            stem = record.device or record.filename.rsplit("_", 2)[0]
            return f"{stem}_{_seconds(record.created)}"
        return record.filename

    def feature_off(self) -> Fault:
        return fault(C.UNSUPPORTED, *_DISCOVERY_OFF)

    # --------------------------------------------------------------- calls

    def m_authenticate(self, session: Session, params: Params) -> Any:
        token = params.raw.get("auth_token")
        if not isinstance(token, str) or not token:
            raise fault(
                C.AUTH_FAILED,
                "auth_required",
                "auth_token parameter is required",
                "Provide valid auth_token",
            )
        refused = translate(Fault(C.AUTH_FAILED, "Invalid or expired token"))
        try:
            grant = self.authority.check(token, "auto")
        except AuthFailure:
            # A failure leaves an earlier successful authentication in place.
            raise refused from None
        if grant.method == "jwt" and not grant.user_id:
            raise refused
        session.grant(grant, self.authority.generation)
        session.session_id = f"client_{session.conn_id}"  # one id per connection
        expires = grant.expires_at if grant.expires_at is not None else time.time() + 86400.0
        return {
            "authenticated": True,
            "expires_at": _seconds(datetime.fromtimestamp(expires, timezone.utc)),
            "permissions": list(C.PERMISSIONS[grant.role]),
            "role": grant.role,
            "session_id": session.session_id,
        }

    def m_get_camera_list(self, session: Session, params: Params) -> Any:
        listed = self.world.listed_cameras()
        cameras = [self.camera_object(c) for c in listed]
        connected = sum(1 for c in listed if c.connected)
        return {"cameras": cameras, "total": len(cameras), "connected": connected}

    def m_get_camera_status(self, session: Session, params: Params) -> Any:
        camera = self.device(params, "get_camera_status")
        data = self.camera_object(camera)
        data["streams"] = {}
        data["capabilities"] = self.v4l2(camera)
        return data

    def m_get_camera_capabilities(self, session: Session, params: Params) -> Any:
        camera = self.device(params, "get_camera_capabilities")
        return {
            "device": self.world.device_id(camera),
            "formats": list(CAMERA_FORMATS),
            "resolutions": list(CAMERA_RESOLUTIONS),
            "fps_options": [],
            "frame_rates": [],
            "capabilities": list(_V4L2_CAPS),
            "validation_status": "confirmed" if camera.connected else "disconnected",
        }

    def m_take_snapshot(self, session: Session, params: Params) -> Any:
        camera = self.device(params, "take_snapshot")
        wanted = params.raw.get("filename")
        params.seen.add("filename")
        stem = f"{camera.stream_name}_{int(time.time())}"
        if self.quirk("snapshot_filename_ignored"):
            # The real service ignores the name and overwrites a snapshot taken
            # in the same second.
            filename = self.world.file_name_for("snapshots", stem, "jpg", unique=False)
        elif wanted is None:
            filename = self.world.file_name_for("snapshots", stem, "jpg", unique=True)
        elif isinstance(wanted, str) and is_safe_name(wanted):
            filename = wanted if "." in wanted else f"{wanted}.jpg"
        else:
            raise method_error("take_snapshot", "validation failed: invalid filename")
        self.mediamtx()
        record = self.world.snapshot(camera, filename)
        return {
            "device": self.world.device_id(camera),
            "filename": record.filename,
            "status": "SUCCESS",
            "timestamp": _seconds(record.created),
            "file_size": record.size(),
            "file_path": str(record.path),
        }

    def m_start_recording(self, session: Session, params: Params) -> Any:
        camera = self.device(params, "start_recording")
        duration: float | None
        raw_duration = params.raw.get("duration")
        raw_format = params.raw.get("format")
        if self.quirk("recording_params_unchecked"):
            # Anything goes: a duration that is not a positive number records
            # until stopped, an unknown format is echoed and recorded as fmp4.
            duration = None
            if isinstance(raw_duration, (int, float)) and not isinstance(raw_duration, bool):
                duration = float(raw_duration) if raw_duration > 0 else None
            shown = raw_format if isinstance(raw_format, str) else "mp4"
            fmt = shown if shown in C.RECORDING_FORMATS else "fmp4"
        else:
            seconds = params.integer("duration", low=1, high=86400)
            duration = None if seconds is None else float(seconds)
            fmt = params.enum("format", C.RECORDING_FORMATS, default="fmp4") or "fmp4"
            shown = fmt
        if camera.recording is not None:
            raise method_error("start_recording", f"path {camera.stream_name} is already recording")
        self.mediamtx()
        recording = self.world.start_recording(camera, duration, fmt)
        return {
            "device": self.world.device_id(camera),
            "filename": recording.filename,
            "status": "RECORDING",
            "start_time": _seconds(recording.start_time),
            "format": shown,
        }

    def m_stop_recording(self, session: Session, params: Params) -> Any:
        camera = self.find_any(params, "stop_recording")
        if camera.recording is None:
            raise method_error(
                "stop_recording", f"path {camera.stream_name} is not currently recording"
            )
        recording, record, duration, end = self.world.stop_recording(camera)
        return {
            "device": self.world.device_id(camera),
            "filename": recording.filename,
            "status": "STOPPED",
            "start_time": _seconds(recording.start_time),
            "end_time": _seconds(end),
            "duration": float(duration),
            "file_size": record.size(),
            "format": recording.fmt,
        }

    def find_any(self, params: Params, method: str) -> Camera:
        """The named camera, connected or not (-32010 when unknown)."""
        value = params.raw.get("device")
        params.seen.add("device")
        camera = self.world.find(value) if isinstance(value, str) else None
        if camera is None:
            if not isinstance(value, str):
                raise method_error(method, "validation failed")
            raise camera_not_found()
        return camera

    def page_args(self, params: Params) -> tuple[int, int]:
        # Observed: a limit or offset it cannot use falls back to the default.
        params.seen.update(("limit", "offset"))

        def whole(name: str, low: int, high: int, default: int) -> int:
            value = params.raw.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                return default
            return value

        return whole("limit", 1, 1000, 50), whole("offset", 0, 2**31, 0)

    def m_list_recordings(self, session: Session, params: Params) -> Any:
        limit, offset = self.page_args(params)
        records = self.world.scan("recordings")
        files = []
        for record in records[offset : offset + limit]:
            name = self.recording_name(record)
            files.append(
                {
                    "device": record.device or "",
                    "filename": name,
                    "file_size": record.size(),
                    "duration": int(record.duration or 0),
                    "modified_time": _seconds(record.modified()),
                    "format": "mp4",
                    "download_url": f"/files/recordings/{name}",
                }
            )
        return {"files": files, "total": len(records), "limit": limit, "offset": offset}

    def m_list_snapshots(self, session: Session, params: Params) -> Any:
        limit, offset = self.page_args(params)
        records = self.world.scan("snapshots")
        files = [
            {
                "download_url": self.download_url(record),
                "file_size": record.size(),
                "filename": record.filename,
                "modified_time": _seconds(record.modified()),
            }
            for record in records[offset : offset + limit]
        ]
        return {"files": files, "limit": limit, "offset": offset, "total": len(records)}

    def m_get_recording_info(self, session: Session, params: Params) -> Any:
        bad = fault(
            C.INVALID_PARAMS,
            "invalid_params",
            "validation failed",
            "Provide valid filename parameter",
        )
        filename = self.filename(params, "get_recording_info", bad)
        if not is_safe_name(filename):
            raise bad
        record = (
            None
            if self.quirk("recording_info_fails")
            else self.world.lookup("recordings", filename)
        )
        if record is None:
            raise fault(C.NOT_FOUND, *_FILE_NOT_FOUND)
        active = self.world.active_recording_named(record.filename)
        duration = self.world.elapsed(active) if active is not None else record.duration
        return {
            "filename": record.filename,
            "file_size": record.size(),
            "duration": float(duration or 0.0),
            "created_time": _seconds(record.created),
            "download_url": self.download_url(record),
        }

    def m_get_snapshot_info(self, session: Session, params: Params) -> Any:
        missing = method_error("get_snapshot_info", "validation failed: validation failed")
        filename = self.filename(params, "get_snapshot_info", missing)
        record = self.world.lookup("snapshots", filename)
        if record is None:
            raise camera_not_found()  # sic: the real service says camera_not_found here
        camera = self.world.find(record.device or "")
        return {
            "filename": record.filename,
            "file_size": record.size(),
            "created_time": _seconds(record.created),
            "format": record.fmt or record.filename.rsplit(".", 1)[-1],
            "resolution": camera.resolution if camera is not None else "",
            "device": record.device or "",
        }

    def m_delete_recording(self, session: Session, params: Params) -> Any:
        filename = self.filename(params, "delete_recording")
        if self.quirk("recording_info_fails"):
            raise camera_not_found()
        record = self.world.lookup("recordings", filename)
        if record is None:
            raise fault(C.NOT_FOUND, *_FILE_NOT_FOUND)
        if self.world.active_recording_named(record.filename) is not None:
            raise method_error("delete_recording", "recording is in progress")
        self.world.delete(record)
        return {
            "deleted": True,
            "filename": record.filename,
            "message": "Recording file deleted successfully",
        }

    def m_delete_snapshot(self, session: Session, params: Params) -> Any:
        filename = self.filename(params, "delete_snapshot")
        record = self.world.lookup("snapshots", filename)
        if record is None:
            raise fault(C.NOT_FOUND, *_FILE_NOT_FOUND)
        self.world.delete(record)
        return {
            "deleted": True,
            "filename": record.filename,
            "message": "Snapshot file deleted successfully",
        }

    def m_start_streaming(self, session: Session, params: Params) -> Any:
        camera = self.device(params, "start_streaming")
        self.mediamtx()
        started = self.world.start_streaming(camera)
        device = self.world.device_id(camera)
        url = self.world.stream_urls(camera)["rtsp"]
        return {
            "device": device,
            "stream_name": f"camera_{device}_viewing",
            "stream_url": url,
            "status": "STARTED",
            "start_time": _seconds(started),
            "auto_close_after": "300s",
            "ffmpeg_command": f"ffmpeg -f v4l2 -i /dev/{device} -c:v libx264 -f rtsp {url}",
            "format": "",
            "message": "",
        }

    def m_stop_streaming(self, session: Session, params: Params) -> Any:
        camera = self.find_any(params, "stop_streaming")
        if camera.streaming_since is None:
            raise camera_not_found()
        started, ended, duration = self.world.stop_streaming(camera)
        device = self.world.device_id(camera)
        return {
            "device": device,
            "duration": int(duration),
            "end_time": _seconds(ended),
            "start_time": _seconds(started),
            "status": "STOPPED",
            "stream_continues": False,
            "stream_name": f"{device}_viewing",
        }

    def m_get_stream_url(self, session: Session, params: Params) -> Any:
        camera = self.find_any(params, "get_stream_url")
        device = self.world.device_id(camera)
        streaming = camera.streaming_since is not None
        return {
            "device": device,
            "stream_name": f"camera_{device}_viewing",
            "stream_url": self.world.stream_urls(camera)["rtsp"],
            # As seen: "available" until a viewing stream is started, then not.
            "available": camera.connected and not streaming,
            "active_consumers": 0,
            "stream_status": "INACTIVE" if streaming else "NOT_READY",
        }

    def m_get_stream_status(self, session: Session, params: Params) -> Any:
        camera = self.find_any(params, "get_stream_status")
        since = camera.streaming_since
        if since is None and camera.recording is None:
            raise camera_not_found()
        device = self.world.device_id(camera)
        return {
            "device": device,
            "stream_name": f"{device}_video_stream",
            "stream_url": self.world.stream_urls(camera)["rtsp"],
            "status": "PENDING",
            "ready": False,
            "viewers": 0,
            "start_time": _seconds(since) if since else "",
            "last_activity": _seconds(since) if since else "",
            "bytes_sent": 0,
        }

    def m_get_streams(self, session: Session, params: Params) -> Any:
        streams = []
        for camera in self.world.cameras.values():
            recording = camera.recording
            if recording is None and camera.streaming_since is None:
                continue
            since = recording.start_time.isoformat().replace("+00:00", "Z") if recording else ""
            streams.append(
                {
                    "name": camera.stream_name,
                    "status": "active" if recording else "inactive",
                    "source": "rtspSession" if recording else "",
                    "viewers": 1 if recording else 0,
                    "start_time": since,
                    "last_activity": since,
                    "bytes_sent": 0,
                }
            )
        active = sum(1 for s in streams if s["status"] == "active")
        return {
            "streams": streams,
            "total": len(streams),
            "active": active,
            "inactive": len(streams) - active,
            "timestamp": _seconds(),
        }

    def m_get_metrics(self, session: Session, params: Params) -> Any:
        world = self.world
        cameras = list(world.cameras.values())
        storage = world.storage()
        seen = _seconds()
        per_device = {}
        for camera in cameras:
            path = f"/dev/video{camera.index}"
            width, height = (int(v) for v in camera.resolution.split("x"))
            per_device[path] = {
                "Path": path,
                "Name": camera.name,
                "Capabilities": {
                    "DriverName": "uvcvideo",
                    "CardName": camera.name,
                    "BusInfo": f"usb-0000:00:14.0-{camera.index + 1}",
                    "Version": "6.1.0",
                    "Capabilities": list(_V4L2_CAPS),
                    "DeviceCaps": list(_V4L2_DEVICE_CAPS),
                },
                "Formats": [
                    {
                        "PixelFormat": "MJPG",
                        "Width": width,
                        "Height": height,
                        "FrameRates": [f"{camera.fps:.3f}"],
                    }
                ],
                "Status": camera.status,
                "LastSeen": seen,
                "DeviceNum": camera.index,
            }
        streaming = sum(1 for c in cameras if c.streaming_since is not None)
        return {
            "timestamp": seen,
            "system_metrics": {
                "cpu_usage": 3.5,
                "disk_usage": float(storage["usage_percentage"]),
                "goroutines": 16 + len(list(self.sessions())),
                "memory_usage": 12.25,
            },
            "camera_metrics": {
                "cameras": per_device,
                "connected_cameras": sum(1 for c in cameras if c.connected),
            },
            "recording_metrics": {},
            "stream_metrics": {
                "active_streams": streaming,
                "total_streams": len(cameras),
                "total_viewers": streaming,
            },
        }

    def m_get_status(self, session: Session, params: Params) -> Any:
        up = self.world.mediamtx_up
        return {
            "components": {
                "camera_monitor": "RUNNING",
                "mediamtx": "RUNNING" if up else "STOPPED",
                "websocket_server": "RUNNING",
            },
            "status": "HEALTHY" if up else "DEGRADED",
            "uptime": float(self.world.uptime()),
            "version": "1.0.0",
        }

    def m_get_system_status(self, session: Session, params: Params) -> Any:
        available = [self.world.device_id(c) for c in self.world.cameras.values() if c.connected]
        return {
            "available_cameras": available,
            "discovery_active": False,
            "message": "Some cameras available, discovery in progress"
            if available
            else "No cameras available",
            "status": "partial" if available else "starting",
        }

    def m_set_retention_policy(self, session: Session, params: Params) -> Any:
        invalid = method_error("set_retention_policy", "validation failed: validation failed")
        policy_type = params.raw.get("policy_type")
        enabled = params.raw.get("enabled")
        max_age = params.raw.get("max_age_days")
        max_size = params.raw.get("max_size_gb")
        numbers = [v for v in (max_age, max_size) if v is not None]
        bad_number = any(
            isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0 for v in numbers
        )
        if (
            policy_type not in ("age", "size", "manual")
            or not isinstance(enabled, bool)
            or bad_number
        ):
            raise invalid
        policy = self.world.retention
        policy.policy_type = str(policy_type)
        policy.enabled = enabled
        policy.max_age_days = None if max_age is None else float(max_age)
        policy.max_size_gb = None if max_size is None else float(max_size)
        return {
            "success": True,
            "policy_type": policy.policy_type,
            "max_age": _amount(max_age, "days"),
            "max_size": _amount(max_size, "GB"),
            "message": "Retention policy configuration updated successfully",
        }

    def m_cleanup_old_files(self, session: Session, params: Params) -> Any:
        deleted = self.world.cleanup_records()
        recordings = sum(1 for record, _size in deleted if record.kind == "recordings")
        snapshots = len(deleted) - recordings
        freed = sum(size for _record, size in deleted)
        return {
            "recordings_removed": recordings,
            "snapshots_removed": snapshots,
            "space_freed": freed,
            "status": "SUCCESS",
            "message": f"Cleaned up {len(deleted)} files ({recordings} recordings, "
            f"{snapshots} snapshots), freed {freed} bytes",
        }

    def m_subscribe_events(self, session: Session, params: Params) -> Any:
        topics = params.raw.get("topics")
        filters = params.raw.get("filters")
        params.seen.update(("topics", "filters"))
        if not isinstance(topics, list):
            raise method_error("subscribe_events", "topics parameter is required")
        if not topics:
            raise method_error("subscribe_events", "at least one topic must be specified")
        for topic in topics:
            if topic not in C.TOPICS:
                raise method_error(
                    "subscribe_events",
                    f"failed to subscribe to events: invalid event topic: {topic}",
                )
        if filters is not None and not isinstance(filters, dict):
            raise method_error("subscribe_events", "filters must be an object")
        # Observed: a subscription replaces the connection's topic list.
        session.subscriptions = {str(topic): dict(filters or {}) for topic in topics}
        return {"filters": filters, "subscribed": True, "topics": list(topics)}

    def m_unsubscribe_events(self, session: Session, params: Params) -> Any:
        topics = params.raw.get("topics")
        params.seen.add("topics")
        if topics is None:
            session.subscriptions.clear()
            return {"topics": None, "unsubscribed": True}
        if not isinstance(topics, list):
            raise method_error("unsubscribe_events", "topics must be a list")
        for topic in topics:
            session.subscriptions.pop(str(topic), None)
        return {"topics": list(topics), "unsubscribed": True}

    def m_discover_external_streams(self, session: Session, params: Params) -> Any:
        if not self.external_discovery:
            raise self.feature_off()
        return super().m_discover_external_streams(session, params)

    def m_add_external_stream(self, session: Session, params: Params) -> Any:
        if not self.external_discovery:
            raise self.feature_off()
        return super().m_add_external_stream(session, params)

    def m_remove_external_stream(self, session: Session, params: Params) -> Any:
        url = params.raw.get("stream_url")
        if not isinstance(url, str) or not url:
            raise method_error("remove_external_stream", "stream_url parameter is required")
        if not self.external_discovery:
            raise self.feature_off()
        return super().m_remove_external_stream(session, params)

    def m_get_external_streams(self, session: Session, params: Params) -> Any:
        result = super().m_get_external_streams(session, params)
        result["timestamp"] = int(time.time())  # a unix time here, unlike elsewhere
        return result

    def m_set_discovery_interval(self, session: Session, params: Params) -> Any:
        interval = params.raw.get("scan_interval")
        if isinstance(interval, bool) or not isinstance(interval, (int, float)):
            raise method_error(
                "set_discovery_interval",
                "scan_interval parameter is required and must be a number",
            )
        if interval < 0:
            raise method_error("set_discovery_interval", "scan_interval must be >= 0")
        if not self.external_discovery:
            raise self.feature_off()
        return super().m_set_discovery_interval(session, params)
