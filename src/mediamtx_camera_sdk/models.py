"""Typed models of the service's results and notifications (both dialects).

Every model is an attrs class with ``slots=True``. Instances are built from wire
JSON by the one converter in :mod:`mediamtx_camera_sdk._convert` (use
:func:`mediamtx_camera_sdk._convert.decode`); they can also be built by hand,
for instance in tests.

Conventions shared by all models:

- Field names follow the wire names, except that a camera is ``device_path``
  (the seed's name) on the Python side and ``device`` on the wire. It holds
  whatever the service calls the camera: ``camera0`` (current dialect) or
  ``/dev/video0`` (legacy dialect).
- Timestamps are floats, seconds since the Unix epoch (UTC), parsed from the
  service's ISO 8601 strings; ``None`` when the service did not send one.
- Status values stay plain strings so that a value a newer service adds is
  passed through rather than rejected; the documented values are listed in the
  ``*Status`` enums below (they are ``str`` subclasses, so ``==`` works both ways).
- ``raw`` holds the whole wire mapping the model was decoded from, so fields
  this SDK does not know are never lost. It takes no part in equality or repr.
- A wire ``null`` is treated like an absent member.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final

import attrs

__all__ = [
    "TOPICS",
    "AuthResult",
    "CameraCapabilities",
    "CameraInfo",
    "CameraList",
    "CameraMetrics",
    "CameraStatus",
    "RecordingInfo",
    "RecordingStatus",
    "StreamUrls",
    "TopicEvent",
    "wire",
]


class _NoDefault:
    """Type of :data:`NO_DEFAULT`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_DEFAULT"


#: ``Wire.missing`` when the field has no wire-side default.
NO_DEFAULT: Final = _NoDefault()

#: Key under which a field's wire mapping (:class:`Wire`) is stored in attrs metadata.
WIRE_METADATA_KEY: Final = "mediamtx_camera_sdk.wire"


@attrs.frozen(slots=True)
class Wire:
    """How one model field maps onto the wire (read by the converter).

    Attributes:
        sources: wire paths to read the value from, tried in order; the first one
            present and not null wins. A path is a tuple of keys into nested
            objects, e.g. ``("streams", "rtsp")``.
        required: whether decoding fails when no source is present. ``None`` means
            "required exactly when the attrs field has no default".
        missing: the value used when the field is absent on the wire although the
            Python constructor requires it (makes the field optional on the wire).
            An :class:`attrs.Factory` is called.
        timestamp: the wire value is an ISO 8601 string (or epoch seconds) and the
            field holds epoch seconds as a float.
        encode: whether :func:`~mediamtx_camera_sdk._convert.encode` writes the field
            (off for fields derived from other ones).
    """

    sources: tuple[tuple[str, ...], ...] = ()
    required: bool | None = None
    missing: Any = NO_DEFAULT
    timestamp: bool = False
    encode: bool = True


def wire(
    *sources: str | tuple[str, ...],
    required: bool | None = None,
    missing: Any = NO_DEFAULT,
    timestamp: bool = False,
    encode: bool = True,
) -> dict[str, Wire]:
    """Build attrs field metadata describing how a field maps onto the wire.

    Each source is a wire key (``"device"``) or a path (``("streams", "rtsp")``);
    without sources the field's own name is the wire key. See :class:`Wire`.
    """
    paths = tuple((s,) if isinstance(s, str) else tuple(s) for s in sources)
    return {
        WIRE_METADATA_KEY: Wire(
            sources=paths, required=required, missing=missing, timestamp=timestamp, encode=encode
        )
    }


def _raw_field() -> Any:
    # The whole wire mapping; excluded from eq/repr so two models that only differ
    # by unknown wire fields compare equal and print readably.
    return attrs.field(factory=dict, eq=False, repr=False, kw_only=True)


class _DeviceAlias:
    """Mixin: ``device`` is an alias of ``device_path`` (the wire name of the camera)."""

    __slots__ = ()
    device_path: str

    @property
    def device(self) -> str:
        """The camera id as the service names it (same as ``device_path``)."""
        return self.device_path


# --------------------------------------------------------------------------- status values


class CameraStatus(str, enum.Enum):
    """Documented ``CameraInfo.status`` values."""

    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    ERROR = "ERROR"


class RecordingStatus(str, enum.Enum):
    """Documented recording status values (results and ``recording_status_update``)."""

    STARTING = "STARTING"
    STARTED = "STARTED"
    RECORDING = "RECORDING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    ERROR = "ERROR"


#: Subscription topics documented by the current service (``subscribe_events``).
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


# --------------------------------------------------------------------------- cameras


@attrs.define(slots=True)
class StreamUrls:
    """A camera's stream URLs (``streams``). The legacy service sends ``{}`` when not ready."""

    rtsp: str | None = None
    hls: str | None = None
    webrtc: str | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class CameraMetrics:
    """Per-camera stream metrics of ``get_camera_status``.

    ``readers`` is a count on the current service and may be a list of reader
    descriptions on the legacy one; :attr:`reader_count` reads both.
    """

    bytes_sent: int | None = None
    readers: int | list[Any] | None = None
    uptime: float | None = None
    raw: Mapping[str, Any] = _raw_field()

    @property
    def reader_count(self) -> int | None:
        """The number of readers, whichever form the service used."""
        if isinstance(self.readers, list):
            return len(self.readers)
        return self.readers


@attrs.define(slots=True)
class CameraInfo(_DeviceAlias):
    """A camera (``get_camera_list`` items, ``get_camera_status``, ``camera_status_update``).

    The first five fields are the seed's, in the seed's order, and keep their
    meaning: ``capabilities`` is the list of formats the camera supports (the wire
    ``capabilities.formats``; empty when the service did not send it),
    ``stream_url`` the RTSP URL (``streams.rtsp``). ``name`` is ``""`` when the
    service omitted it.
    """

    device_path: str = attrs.field(metadata=wire("device"))
    name: str = attrs.field(metadata=wire(missing=""))
    capabilities: list[str] = attrs.field(
        metadata=wire(("capabilities", "formats"), missing=attrs.Factory(list), encode=False)
    )
    status: str
    stream_url: str | None = attrs.field(
        default=None, metadata=wire(("streams", "rtsp"), encode=False)
    )
    resolution: str | None = None
    fps: int | None = None
    streams: StreamUrls | None = None
    metrics: CameraMetrics | None = None
    formats: list[str] = attrs.field(factory=list, metadata=wire(("capabilities", "formats")))
    resolutions: list[str] = attrs.field(
        factory=list, metadata=wire(("capabilities", "resolutions"))
    )
    raw: Mapping[str, Any] = _raw_field()


class CameraList(list[CameraInfo]):
    """The cameras of ``get_camera_list``: a list, plus the service's counters.

    Attributes:
        total: the number of cameras the service knows (``len(self)`` when not sent).
        connected: how many are connected (counted from the items when not sent).
        raw: the whole wire result.
    """

    __slots__ = ("connected", "raw", "total")

    def __init__(
        self,
        cameras: list[CameraInfo] | tuple[CameraInfo, ...] = (),
        total: int | None = None,
        connected: int | None = None,
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(cameras)
        self.total: int = len(self) if total is None else total
        self.connected: int = (
            sum(1 for c in self if c.status == CameraStatus.CONNECTED)
            if connected is None
            else connected
        )
        self.raw: Mapping[str, Any] = {} if raw is None else raw

    def __repr__(self) -> str:
        return f"CameraList({list.__repr__(self)}, total={self.total}, connected={self.connected})"


@attrs.define(slots=True)
class CameraCapabilities(_DeviceAlias):
    """``get_camera_capabilities``: formats, resolutions and frame rates a camera offers."""

    device_path: str = attrs.field(metadata=wire("device"))
    formats: list[str] = attrs.field(factory=list)
    resolutions: list[str] = attrs.field(factory=list)
    fps_options: list[int] = attrs.field(factory=list)
    validation_status: str | None = None
    raw: Mapping[str, Any] = _raw_field()


# --------------------------------------------------------------------------- auth


@attrs.define(slots=True)
class AuthResult:
    """The result of ``authenticate`` in either dialect.

    The current service sends ``permissions``, ``expires_at`` and ``session_id``;
    the legacy one sends ``auth_method`` and, on failure, ``authenticated: false``
    with an ``error`` reason.
    """

    authenticated: bool
    role: str | None = None
    permissions: list[str] = attrs.field(factory=list)
    expires_at: float | None = attrs.field(default=None, metadata=wire(timestamp=True))
    session_id: str | None = None
    auth_method: str | None = None
    error: str | None = None
    raw: Mapping[str, Any] = _raw_field()


# --------------------------------------------------------------------------- recordings


@attrs.define(slots=True)
class RecordingInfo(_DeviceAlias):
    """A recording (``start_recording``, ``stop_recording``, ``recording_status_update``).

    The first six fields are the seed's, in the seed's order. ``recording_id`` is
    the legacy ``session_id`` when the service sent one, else the file name;
    ``start_time`` is epoch seconds (``None`` when unknown, e.g. in a legacy stop
    result); ``end_time`` is the current ``end_time`` or the legacy ``stop_time``.
    """

    device_path: str = attrs.field(metadata=wire("device"))
    recording_id: str = attrs.field(metadata=wire("session_id", "filename", encode=False))
    filename: str
    start_time: float | None = attrs.field(metadata=wire(missing=None, timestamp=True))
    duration: float | None = None
    status: str = attrs.field(default="active", metadata=wire(required=True))
    format: str | None = None
    end_time: float | None = attrs.field(
        default=None, metadata=wire("end_time", "stop_time", timestamp=True)
    )
    file_size: int | None = None
    raw: Mapping[str, Any] = _raw_field()


# --------------------------------------------------------------------------- notifications


@attrs.define(slots=True)
class TopicEvent:
    """A subscription-topic notification (``camera.connected``, ``recording.start``, ...).

    Attributes:
        topic: the notification's method, which is the topic name.
        device: the ``device`` member of the params when there is one (a string).
        params: the notification's params, as sent.
    """

    topic: str
    device: str | None = None
    params: Mapping[str, Any] = attrs.field(factory=dict)
