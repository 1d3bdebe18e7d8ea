"""Facts of the wire contract (docs/protocol.md), written down independently of the SDK.

The emulator must not import the SDK's protocol core, models or method table,
so that a misreading on one side is caught by the other. Only these numbers and
names are shared facts, and they are spelled out here again on purpose.
"""

from __future__ import annotations

from typing import Final, Literal

Dialect = Literal["current", "legacy"]
Behaviour = Literal["observed", "documented"]

#: Defects of the real current service the emulator can copy on request (each
#: makes a feature unusable, so none is on by default; docs/emulator.md).
QUIRKS: Final[tuple[str, ...]] = (
    "recording_info_fails",
    "snapshot_filename_ignored",
    "recording_params_unchecked",
    "replug_stays_disconnected",
    "no_file_downloads",
)
Role = Literal["viewer", "operator", "admin"]

ROLES: Final[tuple[Role, ...]] = ("viewer", "operator", "admin")
ROLE_RANK: Final[dict[str, int]] = {"viewer": 1, "operator": 2, "admin": 3}
PERMISSIONS: Final[dict[str, list[str]]] = {
    "viewer": ["view"],
    "operator": ["view", "control"],
    "admin": ["view", "control", "admin"],
}

# JSON-RPC 2.0 standard codes (spec section 5.1).
PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603

# Current-dialect service codes.
AUTH_FAILED: Final = -32001
PERMISSION_DENIED: Final = -32002
NOT_FOUND: Final = -32010
INVALID_STATE: Final = -32020
UNSUPPORTED: Final = -32030
RATE_LIMITED: Final = -32040
DEPENDENCY_FAILED: Final = -32050

# Legacy-dialect service codes.
LEGACY_CAMERA_NOT_FOUND: Final = -1000
LEGACY_CAMERA_UNAVAILABLE: Final = -1001
LEGACY_RECORDING_IN_PROGRESS: Final = -1002
LEGACY_MEDIAMTX_FAILED: Final = -1003
LEGACY_STREAM_FAILED: Final = -1004
LEGACY_AUTH_REQUIRED: Final = -32001
LEGACY_RATE_LIMITED: Final = -32002
LEGACY_INSUFFICIENT_PERMISSIONS: Final = -32003

#: Lowest role of every current-dialect call; ``None`` = no authentication needed.
CURRENT_METHOD_ROLES: Final[dict[str, Role | None]] = {
    "ping": None,
    "authenticate": None,
    "get_camera_list": "viewer",
    "get_camera_status": "viewer",
    "get_camera_capabilities": "viewer",
    "take_snapshot": "operator",
    "start_recording": "operator",
    "stop_recording": "operator",
    "list_recordings": "viewer",
    "list_snapshots": "viewer",
    "get_recording_info": "viewer",
    "get_snapshot_info": "viewer",
    "delete_recording": "admin",
    "delete_snapshot": "admin",
    "start_streaming": "operator",
    "stop_streaming": "operator",
    "get_stream_url": "viewer",
    "get_stream_status": "viewer",
    "get_streams": "viewer",
    "get_metrics": "admin",
    "get_status": "admin",
    "get_system_status": "viewer",
    "get_server_info": "viewer",
    "get_storage_info": "admin",
    "set_retention_policy": "admin",
    "cleanup_old_files": "admin",
    "subscribe_events": "viewer",
    "unsubscribe_events": "viewer",
    "get_subscription_stats": "viewer",
    "discover_external_streams": "operator",
    "add_external_stream": "operator",
    "remove_external_stream": "operator",
    "get_external_streams": "viewer",
    "set_discovery_interval": "admin",
}

#: Legacy calls and the role each needs (only the three camera operations are protected).
LEGACY_METHOD_ROLES: Final[dict[str, Role | None]] = {
    "ping": None,
    "authenticate": None,
    "get_camera_list": None,
    "get_cameras": None,
    "get_camera_status": None,
    "get_streams": None,
    "take_snapshot": "operator",
    "start_recording": "operator",
    "stop_recording": "operator",
    "get_metrics": None,
    "get_status": None,
    "get_server_info": None,
}

#: Topics accepted by ``subscribe_events`` (current dialect).
TOPICS: Final[tuple[str, ...]] = (
    "camera.connected",
    "camera.disconnected",
    "camera.status_change",
    "camera.capability_detected",
    "camera.capability_error",
    "recording.start",
    "recording.stop",
    "recording.progress",
    "recording.error",
    "snapshot.taken",
    "snapshot.error",
    "system.health",
    "system.error",
    "system.startup",
    "system.shutdown",
    "mediamtx.stream",
    "mediamtx.path",
    "mediamtx.error",
    "mediamtx.recording_started",
    "mediamtx.recording_stopped",
    "mediamtx.recording_failed",
    "mediamtx.stream_started",
    "mediamtx.stream_stopped",
)

RECORDING_FORMATS: Final[tuple[str, ...]] = ("fmp4", "mp4", "mkv")
#: The port ``mediamtx-camera emulator`` listens on: the SDK's default port
#: (docs/configuration.md), so a client given only a token finds it.
CLI_PORT: Final = 8080
SERVICE_NAME: Final = "MediaMTX Camera Service"
SERVICE_VERSION: Final = "2.4.0-emulator"
LEGACY_SERVICE_VERSION: Final = "1.0.0-emulator"
