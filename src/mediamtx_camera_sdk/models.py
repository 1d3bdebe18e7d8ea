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
  service's ISO 8601 strings (or unix numbers); ``None`` when the service did
  not send one (the current service sends ``""`` for "no time yet").
- Both the documented result shapes and the ones the real services send
  (docs/protocol.md, "The current service as it really behaves") decode: a
  model has the fields of both, and the ones a reply did not fill are ``None``
  (or empty).
- Status values stay plain strings so that a value a newer service adds is
  passed through rather than rejected; the documented values are listed in the
  ``*Status`` enums below (they are ``str`` subclasses, so ``==`` works both ways).
- ``raw`` holds the whole wire mapping the model was decoded from, so fields
  this SDK does not know are never lost. It takes no part in equality or repr.
- A wire ``null`` is treated like an absent member.
"""

from __future__ import annotations

import datetime
import enum
import re
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import attrs

__all__ = [
    "TOPICS",
    "AuthResult",
    "CameraCapabilities",
    "CameraInfo",
    "CameraList",
    "CameraMetrics",
    "CameraMetricsSummary",
    "CameraStatus",
    "CleanupResult",
    "DeleteResult",
    "DiscoveryIntervalResult",
    "DiscoveryResult",
    "ExternalStream",
    "ExternalStreamAdded",
    "ExternalStreamList",
    "ExternalStreamRemoved",
    "FfmpegProcess",
    "FileInfo",
    "FilePage",
    "GlobalSubscriptionStats",
    "HasDevicePath",
    "HealthStatus",
    "MediamtxPath",
    "MediamtxStatus",
    "MethodStats",
    "Metrics",
    "RecordingFileInfo",
    "RecordingInfo",
    "RecordingStatus",
    "RetentionPolicy",
    "ServerInfo",
    "ServerStatus",
    "SnapshotFileInfo",
    "SnapshotInfo",
    "SnapshotStatus",
    "StatusWord",
    "StorageInfo",
    "StreamInfo",
    "StreamList",
    "StreamMetrics",
    "StreamMetricsSummary",
    "StreamSource",
    "StreamStartResult",
    "StreamState",
    "StreamStatus",
    "StreamStopResult",
    "StreamUrl",
    "StreamUrls",
    "SubscriptionResult",
    "SubscriptionStats",
    "SystemMetrics",
    "TopicEvent",
    "UnsubscriptionResult",
    "ValidationStatus",
]


class _NoDefault:
    """Type of :data:`_NO_DEFAULT`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_NO_DEFAULT"


#: ``_Wire.missing`` when the field has no wire-side default.
_NO_DEFAULT: Final = _NoDefault()

#: Key under which a field's wire mapping (:class:`_Wire`) is stored in attrs metadata.
_WIRE_KEY: Final = "mediamtx_camera_sdk.wire"


@attrs.frozen(slots=True)
class _Wire:
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
        derive: when no source is present, a function of the whole wire mapping
            that gives the value from other members (``None``: nothing to give),
            for the shapes a real service sends instead of the documented one.
        vocabulary: for a status word, what reads it into its model's vocabulary
            (a :class:`StatusWord`).
    """

    sources: tuple[tuple[str, ...], ...] = ()
    required: bool | None = None
    missing: Any = _NO_DEFAULT
    timestamp: bool = False
    encode: bool = True
    derive: Callable[[Mapping[str, Any]], Any] | None = None
    vocabulary: Callable[[str], str] | None = None


def _wire(
    *sources: str | tuple[str, ...],
    required: bool | None = None,
    missing: Any = _NO_DEFAULT,
    timestamp: bool = False,
    encode: bool = True,
    derive: Callable[[Mapping[str, Any]], Any] | None = None,
    vocabulary: Callable[[str], str] | None = None,
) -> dict[str, _Wire]:
    """Build attrs field metadata describing how a field maps onto the wire.

    Each source is a wire key (``"device"``) or a path (``("streams", "rtsp")``);
    without sources the field's own name is the wire key. See :class:`_Wire`.
    """
    paths = tuple((s,) if isinstance(s, str) else tuple(s) for s in sources)
    return {
        _WIRE_KEY: _Wire(
            sources=paths,
            required=required,
            missing=missing,
            timestamp=timestamp,
            encode=encode,
            derive=derive,
            vocabulary=vocabulary,
        )
    }


def _raw_field() -> Any:
    # The whole wire mapping; excluded from eq/repr so two models that only differ
    # by unknown wire fields compare equal and print readably.
    return attrs.field(factory=dict, eq=False, repr=False, kw_only=True)


class HasDevicePath(typing.Protocol):
    """Anything that names a camera by ``device_path``: a :class:`CameraInfo`, a
    :class:`RecordingInfo`, ... Wherever a call expects a camera, such an object
    is accepted as well as the camera's id."""

    @property
    def device_path(self) -> str:
        """The camera id (``camera0`` or ``/dev/video0``)."""
        ...


class _DeviceAlias:
    """Mixin: ``device`` is an alias of ``device_path`` (the wire name of the camera)."""

    __slots__ = ()
    device_path: str

    @property
    def device(self) -> str:
        """The camera id as the service names it (same as ``device_path``)."""
        return self.device_path


# --------------------------------------------------------------------------- status values


class StatusWord(str):
    """A status value in its model's one vocabulary, with the word the service sent.

    The string is the vocabulary's constant (for a recording that runs,
    ``"STARTED"``, whether the service said ``STARTED`` or ``RECORDING``);
    :attr:`raw` is the word as sent. ``==`` holds for either one, so code that
    compares with a service's own word (``status == "completed"``) keeps working,
    and so does code comparing with the constants (``status ==
    SnapshotStatus.SUCCESS``). As a dict key or in a set it is the constant.
    Words outside the vocabulary are kept as they are (``"PENDING"``).
    """

    def __new__(cls, value: str, raw: str | None = None) -> StatusWord:
        word = super().__new__(cls, value)
        word.__dict__["_raw"] = value if raw is None else raw
        return word

    @property
    def raw(self) -> str:
        """The word the service sent (``"RECORDING"``, ``"completed"``, ...)."""
        raw: str = self.__dict__["_raw"]
        return raw

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return str.__eq__(self, other) or str.__eq__(self.raw, other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, str):
            return not self.__eq__(other)
        return NotImplemented

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return str.__repr__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (StatusWord, (str(self), self.raw))


class _Vocabulary:
    """Reads a model's status words into :class:`StatusWord` values of one enum's constants.

    A word matches a constant whatever its case (``"confirmed"`` is ``CONFIRMED``);
    ``aliases`` maps other words of the same meaning to a constant.
    """

    def __init__(self, constants: type[enum.Enum], aliases: Mapping[str, str]) -> None:
        self.constants = constants
        self.table = {str(m.value).upper(): str(m.value) for m in constants}
        self.table.update({word.upper(): value for word, value in aliases.items()})
        #: The :class:`StatusWord` of each word read so far (a service's vocabulary
        #: is small: at most 64 are kept), for the converter to look up first.
        self.words: dict[str, StatusWord] = {}

    def __call__(self, word: str) -> StatusWord:
        try:
            return self.words[word]
        except KeyError:
            pass
        value = StatusWord(self.table.get(word.upper(), word), word)
        if len(self.words) < 64:  # a service's vocabulary is small; do not grow without end
            self.words[word] = value
        return value


class CameraStatus(str, enum.Enum):
    """Documented ``CameraInfo.status`` values."""

    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    ERROR = "ERROR"


class RecordingStatus(str, enum.Enum):
    """Documented recording status values (results and ``recording_status_update``).

    Decoded recordings use one vocabulary on both services, in results and in
    notifications: a recording that runs is ``STARTED`` (the current service's
    ``start_recording`` says ``RECORDING``, the legacy one and the notifications
    ``STARTED``); the word sent stays in ``status.raw``.
    """

    STARTING = "STARTING"
    STARTED = "STARTED"
    RECORDING = "RECORDING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    ERROR = "ERROR"


class SnapshotStatus(str, enum.Enum):
    """Documented snapshot status values: ``SUCCESS`` (current), ``completed`` (legacy).

    Decoded snapshots use one vocabulary: a snapshot taken is ``SUCCESS`` on both
    services (``status.raw`` is ``"completed"`` on the legacy one).
    """

    SUCCESS = "SUCCESS"
    COMPLETED = "completed"
    FAILED = "FAILED"


class StreamState(str, enum.Enum):
    """Documented ``StreamStatus.status`` (and ``StreamInfo.status``) values."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    ERROR = "ERROR"
    STARTING = "STARTING"
    STOPPING = "STOPPING"


class HealthStatus(str, enum.Enum):
    """Documented ``ServerStatus.status`` values of the current service.

    Decoded statuses use them on both services: the legacy server's
    ``"running"`` is ``HEALTHY``; the current ``get_system_status``'s
    ``"partial"`` (some cameras available) is ``DEGRADED``.
    """

    HEALTHY = "HEALTHY"
    DEGRADED = "DEGRADED"
    UNHEALTHY = "UNHEALTHY"


class ValidationStatus(str, enum.Enum):
    """Documented ``CameraCapabilities.validation_status`` values."""

    NONE = "NONE"
    DISCONNECTED = "DISCONNECTED"
    CONFIRMED = "CONFIRMED"


#: Each status field's vocabulary (the field's ``_wire(vocabulary=...)``).
_CAMERA_WORDS: Final = _Vocabulary(CameraStatus, {})
_RECORDING_WORDS: Final = _Vocabulary(RecordingStatus, {"RECORDING": "STARTED"})
_SNAPSHOT_WORDS: Final = _Vocabulary(SnapshotStatus, {"COMPLETED": "SUCCESS"})
_STREAM_WORDS: Final = _Vocabulary(StreamState, {})
_HEALTH_WORDS: Final = _Vocabulary(HealthStatus, {"RUNNING": "HEALTHY", "PARTIAL": "DEGRADED"})
_VALIDATION_WORDS: Final = _Vocabulary(ValidationStatus, {})


class _UtcDatetime:
    """A timestamp field read as an aware ``datetime`` in UTC (``None`` while it is ``None``)."""

    __slots__ = ("field",)

    def __init__(self, field: str) -> None:
        self.field = field

    @typing.overload
    def __get__(self, obj: None, owner: type[Any]) -> _UtcDatetime: ...

    @typing.overload
    def __get__(self, obj: object, owner: type[Any]) -> datetime.datetime | None: ...

    def __get__(self, obj: object, owner: type[Any]) -> Any:
        if obj is None:
            return self
        seconds = getattr(obj, self.field)
        if seconds is None:
            return None
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


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

    device_path: str = attrs.field(metadata=_wire("device"))
    name: str = attrs.field(metadata=_wire(missing=""))
    capabilities: list[str] = attrs.field(
        metadata=_wire(("capabilities", "formats"), missing=attrs.Factory(list), encode=False)
    )
    status: str = attrs.field(metadata=_wire(vocabulary=_CAMERA_WORDS))
    stream_url: str | None = attrs.field(
        default=None, metadata=_wire(("streams", "rtsp"), encode=False)
    )
    resolution: str | None = None
    fps: int | None = None
    streams: StreamUrls | None = None
    metrics: CameraMetrics | None = None
    formats: list[str] = attrs.field(factory=list, metadata=_wire(("capabilities", "formats")))
    resolutions: list[str] = attrs.field(
        factory=list, metadata=_wire(("capabilities", "resolutions"))
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
    """``get_camera_capabilities``: formats, resolutions and frame rates a camera offers.

    The current service also sends ``capabilities`` (the device's V4L2
    capability words, e.g. ``"Video Capture"``) and ``frame_rates``.
    """

    device_path: str = attrs.field(metadata=_wire("device"))
    formats: list[str] = attrs.field(factory=list)
    resolutions: list[str] = attrs.field(factory=list)
    fps_options: list[int] = attrs.field(factory=list)
    validation_status: str | None = attrs.field(
        default=None, metadata=_wire(vocabulary=_VALIDATION_WORDS)
    )
    capabilities: list[str] = attrs.field(factory=list)
    frame_rates: list[Any] = attrs.field(factory=list)
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
    expires_at: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    session_id: str | None = None
    auth_method: str | None = None
    error: str | None = None
    raw: Mapping[str, Any] = _raw_field()

    expires_at_datetime = _UtcDatetime("expires_at")


# --------------------------------------------------------------------------- recordings


@attrs.define(slots=True)
class RecordingInfo(_DeviceAlias):
    """A recording (``start_recording``, ``stop_recording``, ``recording_status_update``).

    The first six fields are the seed's, in the seed's order. ``recording_id`` is
    the legacy ``session_id`` when the service sent one, else the file name;
    ``start_time`` is epoch seconds (``None`` when unknown, e.g. in a legacy stop
    result); ``end_time`` is the current ``end_time`` or the legacy ``stop_time``.
    """

    device_path: str = attrs.field(metadata=_wire("device"))
    recording_id: str = attrs.field(metadata=_wire("session_id", "filename", encode=False))
    filename: str
    start_time: float | None = attrs.field(metadata=_wire(missing=None, timestamp=True))
    duration: float | None = None
    status: str = attrs.field(
        default="active", metadata=_wire(required=True, vocabulary=_RECORDING_WORDS)
    )
    format: str | None = None
    end_time: float | None = attrs.field(
        default=None, metadata=_wire("end_time", "stop_time", timestamp=True)
    )
    file_size: int | None = None
    raw: Mapping[str, Any] = _raw_field()

    start_time_datetime = _UtcDatetime("start_time")
    end_time_datetime = _UtcDatetime("end_time")


# --------------------------------------------------------------------------- snapshots


#: ``SnapshotInfo``'s fields after ``filename``, in order, for positional arguments.
_SNAPSHOT_POSITIONAL: Final[tuple[str, ...]] = (
    "status",
    "timestamp",
    "file_size",
    "file_path",
    "format",
    "quality",
    "error",
)
#: The same in the 1.0 SDK's order: ``SnapshotInfo(device_path, filename, timestamp, size_bytes)``.
_SNAPSHOT_POSITIONAL_1_0: Final[tuple[str, ...]] = ("timestamp", "file_size")


@attrs.define(slots=True, init=False)
class SnapshotInfo(_DeviceAlias):
    """The result of ``take_snapshot`` in either dialect.

    The current service sends ``status: SUCCESS`` and ``file_path``; the legacy
    one ``status: "completed"``, ``format`` and ``quality``. A legacy failure result
    (``status: FAILED`` with an ``error`` string) is turned into an exception by
    the client, so a returned snapshot normally exists; :attr:`succeeded` says so.

    Built by hand, it takes this SDK's fields in order, ``SnapshotInfo(device_path,
    filename, status, timestamp=None, file_size=None, ...)``, and the 1.0 SDK's
    ``SnapshotInfo(device_path, filename, timestamp, size_bytes=None)`` too: a
    third positional argument that is not a string is the timestamp. ``size_bytes``
    is another name of ``file_size`` (one value). Without a status, a hand-made
    snapshot is one that was taken (``"SUCCESS"``).
    """

    device_path: str = attrs.field(metadata=_wire("device"))
    filename: str
    status: str = attrs.field(
        default="SUCCESS", metadata=_wire(required=True, vocabulary=_SNAPSHOT_WORDS)
    )
    timestamp: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    file_size: int | None = None
    file_path: str | None = None
    format: str | None = None
    quality: int | None = None
    error: str | None = None
    raw: Mapping[str, Any] = _raw_field()

    timestamp_datetime = _UtcDatetime("timestamp")

    def __init__(
        self,
        device_path: str,
        filename: str,
        *args: Any,
        size_bytes: int | None = None,
        **kwargs: Any,
    ) -> None:
        names = _SNAPSHOT_POSITIONAL
        if args and not isinstance(args[0], str):
            names = _SNAPSHOT_POSITIONAL_1_0  # the 1.0 order: a timestamp, then the size
        if len(args) > len(names):
            raise TypeError(
                f"SnapshotInfo() takes at most {len(names) + 2} positional arguments "
                f"({len(args) + 2} given)"
            )
        for name, value in zip(names, args, strict=False):
            if name in kwargs:
                raise TypeError(f"SnapshotInfo() got multiple values for argument {name!r}")
            kwargs[name] = value
        if size_bytes is not None:
            if kwargs.get("file_size", size_bytes) != size_bytes:
                raise TypeError("SnapshotInfo(): size_bytes and file_size are one value")
            kwargs["file_size"] = size_bytes
        self.__attrs_init__(device_path, filename, **kwargs)

    @property
    def size_bytes(self) -> int | None:
        """The file size in bytes: the 1.0 SDK's name of :attr:`file_size`."""
        return self.file_size

    @size_bytes.setter
    def size_bytes(self, value: int | None) -> None:
        self.file_size = value

    @property
    def succeeded(self) -> bool:
        """Whether the service reports the snapshot as taken (``SUCCESS``/``completed``)."""
        return self.status.upper() in ("SUCCESS", "COMPLETED")


# --------------------------------------------------------------------------- files


@attrs.define(slots=True)
class FileInfo:
    """One file of a ``list_recordings``/``list_snapshots`` page.

    The current service also names the camera (``device_path``) and, for
    recordings, the ``duration`` and ``format``.
    """

    filename: str
    file_size: int | None = None
    modified_time: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    download_url: str | None = None
    device_path: str | None = attrs.field(default=None, metadata=_wire("device"))
    duration: float | None = None
    format: str | None = None
    raw: Mapping[str, Any] = _raw_field()

    modified_time_datetime = _UtcDatetime("modified_time")

    @property
    def device(self) -> str | None:
        """The camera the file is from, when the service says (same as ``device_path``)."""
        return self.device_path


@attrs.define(slots=True)
class FilePage:
    """A page of ``list_recordings``/``list_snapshots`` (newest first).

    Iterating a page (and ``len()``) goes over its ``files``. ``total`` counts all
    files, not only this page's.
    """

    files: list[FileInfo]
    total: int | None = None
    limit: int | None = None
    offset: int | None = None
    raw: Mapping[str, Any] = _raw_field()

    def __iter__(self) -> Iterator[FileInfo]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


@attrs.define(slots=True)
class RecordingFileInfo:
    """``get_recording_info``: one recording file."""

    filename: str
    file_size: int | None = None
    duration: float | None = None
    created_time: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    download_url: str | None = None
    raw: Mapping[str, Any] = _raw_field()

    created_time_datetime = _UtcDatetime("created_time")


@attrs.define(slots=True)
class SnapshotFileInfo:
    """``get_snapshot_info``: one snapshot file."""

    filename: str
    file_size: int | None = None
    created_time: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    download_url: str | None = None
    format: str | None = None
    resolution: str | None = None
    device_path: str | None = attrs.field(default=None, metadata=_wire("device"))
    raw: Mapping[str, Any] = _raw_field()

    created_time_datetime = _UtcDatetime("created_time")

    @property
    def device(self) -> str | None:
        """The camera the snapshot is from, when the service says (same as ``device_path``)."""
        return self.device_path


@attrs.define(slots=True)
class DeleteResult:
    """``delete_recording``/``delete_snapshot``."""

    filename: str
    deleted: bool
    message: str | None = None
    raw: Mapping[str, Any] = _raw_field()


# --------------------------------------------------------------------------- streams


@attrs.define(slots=True)
class StreamStartResult(_DeviceAlias):
    """``start_streaming``. ``auto_close_after`` is passed through as sent (number or text).

    The current service also sends the ``ffmpeg_command`` it runs, a ``format``
    and a ``message`` (both often ``""``).
    """

    device_path: str = attrs.field(metadata=_wire("device"))
    status: str
    stream_name: str | None = None
    stream_url: str | None = None
    start_time: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    auto_close_after: float | str | None = None
    ffmpeg_command: str | None = None
    format: str | None = None
    message: str | None = None
    raw: Mapping[str, Any] = _raw_field()

    start_time_datetime = _UtcDatetime("start_time")


@attrs.define(slots=True)
class StreamStopResult(_DeviceAlias):
    """``stop_streaming``."""

    device_path: str = attrs.field(metadata=_wire("device"))
    status: str
    stream_name: str | None = None
    start_time: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    end_time: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    duration: float | None = None
    stream_continues: bool | None = None
    raw: Mapping[str, Any] = _raw_field()

    start_time_datetime = _UtcDatetime("start_time")
    end_time_datetime = _UtcDatetime("end_time")


@attrs.define(slots=True)
class StreamUrl(_DeviceAlias):
    """``get_stream_url``. ``stream_status`` is ``READY``/``NOT_READY``/``ERROR``."""

    device_path: str = attrs.field(metadata=_wire("device"))
    stream_url: str | None = None
    stream_name: str | None = None
    available: bool | None = None
    active_consumers: int | None = None
    stream_status: str | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class FfmpegProcess:
    """``StreamStatus.ffmpeg_process``."""

    running: bool | None = None
    pid: int | None = None
    uptime: float | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class MediamtxPath:
    """``StreamStatus.mediamtx_path``: the MediaMTX path behind a stream."""

    exists: bool | None = None
    ready: bool | None = None
    readers: int | list[Any] | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class StreamMetrics:
    """``StreamStatus.metrics``."""

    bytes_sent: int | None = None
    frames_sent: int | None = None
    bitrate: float | None = None
    fps: float | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class StreamStatus(_DeviceAlias):
    """``get_stream_status``. ``status`` values are listed in :class:`StreamState`.

    The documented shape nests ``ffmpeg_process``, ``mediamtx_path`` and
    ``metrics``; the current service sends a flat one instead: ``stream_url``,
    ``viewers``, ``start_time``, ``last_activity`` and ``bytes_sent`` (and
    ``status: "PENDING"``, a word outside the documented ones).
    """

    device_path: str = attrs.field(metadata=_wire("device"))
    status: str = attrs.field(metadata=_wire(vocabulary=_STREAM_WORDS))
    stream_name: str | None = None
    ready: bool | None = None
    ffmpeg_process: FfmpegProcess | None = None
    mediamtx_path: MediamtxPath | None = None
    metrics: StreamMetrics | None = None
    stream_url: str | None = None
    viewers: int | None = None
    start_time: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    last_activity: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    bytes_sent: int | None = None
    raw: Mapping[str, Any] = _raw_field()

    start_time_datetime = _UtcDatetime("start_time")
    last_activity_datetime = _UtcDatetime("last_activity")


@attrs.define(slots=True)
class StreamSource:
    """Where a MediaMTX path gets its media from (``StreamInfo.source``)."""

    type: str | None = None
    id: str | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class StreamInfo:
    """One item of ``get_streams``.

    ``source`` is a :class:`StreamSource` (the legacy ``{type, id}``), a string when
    a service sends one, or ``None`` (legacy ``null``: no source yet). ``readers``
    is a count or a list of reader descriptions; :attr:`reader_count` reads both.
    The current service sends ``status`` (``"active"``/``"inactive"``),
    ``viewers``, ``start_time`` and ``last_activity`` instead of ``ready`` and
    ``readers``.
    """

    name: str
    source: StreamSource | str | None = None
    ready: bool | None = None
    readers: int | list[Any] | None = None
    bytes_sent: int | None = None
    status: str | None = attrs.field(default=None, metadata=_wire(vocabulary=_STREAM_WORDS))
    viewers: int | None = None
    start_time: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    last_activity: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    raw: Mapping[str, Any] = _raw_field()

    start_time_datetime = _UtcDatetime("start_time")
    last_activity_datetime = _UtcDatetime("last_activity")

    @property
    def reader_count(self) -> int | None:
        """The number of readers (or viewers), whichever form the service used."""
        if isinstance(self.readers, list):
            return len(self.readers)
        return self.viewers if self.readers is None else self.readers

    @property
    def active(self) -> bool:
        """Whether the stream is up: ``ready`` (legacy, documented) or ``status`` ``active``."""
        if self.ready is not None:
            return self.ready
        return self.status is not None and self.status.lower() == "active"


class StreamList(list[StreamInfo]):
    """The streams of ``get_streams``: a list, plus the service's counters.

    The documented result (and the legacy one) is a bare array of streams; the
    current service sends ``{"streams": [...], "total", "active", "inactive",
    "timestamp"}``. Both decode into this list.

    Attributes:
        total: the number of streams (``len(self)`` when not sent).
        active: how many are up (counted from the items when not sent).
        inactive: how many are not (``total - active`` when not sent).
        timestamp: when the service made the list (epoch seconds), if it says.
        raw: the whole wire result (the array itself for the documented shape).
    """

    __slots__ = ("active", "inactive", "raw", "timestamp", "total")

    def __init__(
        self,
        streams: list[StreamInfo] | tuple[StreamInfo, ...] = (),
        total: int | None = None,
        active: int | None = None,
        inactive: int | None = None,
        timestamp: float | None = None,
        raw: Mapping[str, Any] | list[Any] | None = None,
    ) -> None:
        super().__init__(streams)
        self.total: int = len(self) if total is None else total
        self.active: int = sum(1 for s in self if s.active) if active is None else active
        self.inactive: int = self.total - self.active if inactive is None else inactive
        self.timestamp: float | None = timestamp
        self.raw: Mapping[str, Any] | list[Any] = [] if raw is None else raw

    timestamp_datetime = _UtcDatetime("timestamp")

    def __repr__(self) -> str:
        return (
            f"StreamList({list.__repr__(self)}, total={self.total}, active={self.active}, "
            f"inactive={self.inactive})"
        )


# --------------------------------------------------------------------------- server


@attrs.define(slots=True)
class SystemMetrics:
    """``Metrics.system_metrics`` (current dialect)."""

    cpu_usage: float | None = None
    memory_usage: float | None = None
    disk_usage: float | None = None
    goroutines: int | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class CameraMetricsSummary:
    """``Metrics.camera_metrics`` (current dialect); ``cameras`` is passed through."""

    connected_cameras: int | None = None
    cameras: dict[str, Any] = attrs.field(factory=dict)
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class StreamMetricsSummary:
    """``Metrics.stream_metrics`` (current dialect)."""

    active_streams: int | None = None
    total_streams: int | None = None
    total_viewers: int | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class MethodStats:
    """Per-method counters of the legacy ``get_metrics`` (``Metrics.methods``)."""

    count: int | None = None
    avg_ms: float | None = None
    max_ms: float | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class Metrics:
    """``get_metrics`` in either dialect: one tolerant model.

    The two services report different things, so every field is optional: the
    current service fills ``timestamp``, ``system_metrics``, ``camera_metrics``,
    ``recording_metrics`` and ``stream_metrics``; the legacy service fills
    ``uptime``, ``request_count``, ``error_count``, ``active_connections``,
    ``avg_response_times`` (method -> seconds), ``requests_per_second`` and
    ``methods``. One model (rather than one per dialect) keeps the client's
    return type simple; test a field for ``None`` to see what the server sent.
    """

    timestamp: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    system_metrics: SystemMetrics | None = None
    camera_metrics: CameraMetricsSummary | None = None
    recording_metrics: dict[str, Any] = attrs.field(factory=dict)
    stream_metrics: StreamMetricsSummary | None = None
    uptime: float | None = None
    request_count: int | None = None
    error_count: int | None = None
    active_connections: int | None = None
    avg_response_times: dict[str, float] = attrs.field(factory=dict)
    requests_per_second: float | None = None
    methods: dict[str, MethodStats] = attrs.field(factory=dict)
    raw: Mapping[str, Any] = _raw_field()

    timestamp_datetime = _UtcDatetime("timestamp")


@attrs.define(slots=True)
class MediamtxStatus:
    """``ServerStatus.mediamtx`` (legacy dialect)."""

    status: str | None = None
    connected: bool | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class ServerStatus:
    """``get_status``/``get_system_status`` in either dialect.

    The current shape is flat (``status``, ``uptime``, ``version``,
    ``components``); the legacy one nests ``server {status, uptime, version,
    connections}`` and ``mediamtx {status, connected}``. Both land in the same
    fields: ``status``, ``uptime`` and ``version`` are read from the top level or
    from ``server``; ``connections`` and ``mediamtx`` are legacy-only. The
    current service's ``get_system_status`` sends ``status`` (e.g.
    ``"partial"``), ``available_cameras``, ``discovery_active`` and ``message``.
    """

    status: str = attrs.field(
        metadata=_wire("status", ("server", "status"), vocabulary=_HEALTH_WORDS)
    )
    uptime: float | None = attrs.field(default=None, metadata=_wire("uptime", ("server", "uptime")))
    version: str | None = attrs.field(
        default=None, metadata=_wire("version", ("server", "version"))
    )
    components: dict[str, Any] = attrs.field(factory=dict)
    connections: int | None = attrs.field(default=None, metadata=_wire(("server", "connections")))
    mediamtx: MediamtxStatus | None = None
    available_cameras: list[str] = attrs.field(factory=list)
    discovery_active: bool | None = None
    message: str | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class ServerInfo:
    """``get_server_info`` (the legacy server always fails it with -32603)."""

    name: str | None = None
    version: str | None = None
    build_date: str | None = None
    go_version: str | None = None
    architecture: str | None = None
    capabilities: list[str] = attrs.field(factory=list)
    supported_formats: list[str] = attrs.field(factory=list)
    max_cameras: int | None = None
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class StorageInfo:
    """``get_storage_info``: sizes in bytes, ``usage_percentage`` in percent."""

    total_space: int | None = None
    used_space: int | None = None
    available_space: int | None = None
    usage_percentage: float | None = None
    recordings_size: int | None = None
    snapshots_size: int | None = None
    low_space_warning: bool | None = None
    raw: Mapping[str, Any] = _raw_field()


def _leading_number(text: Any) -> float | None:
    """The number a text such as ``"7 days"`` or ``"1.5 GB"`` starts with."""
    if not isinstance(text, str):
        return None
    match = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)", text)
    return float(match.group(1)) if match else None


def _max_age_days(data: Mapping[str, Any]) -> int | None:
    days = _leading_number(data.get("max_age"))
    return None if days is None or not days.is_integer() else int(days)


def _max_size_gb(data: Mapping[str, Any]) -> float | None:
    return _leading_number(data.get("max_size"))


@attrs.define(slots=True)
class RetentionPolicy:
    """``set_retention_policy``: the policy now in force.

    The documented result echoes ``enabled``, ``max_age_days`` and
    ``max_size_gb``. The current service sends ``success``, and the limits as
    text instead, ``max_age`` (``"7 days"``) and ``max_size`` (``"1 GB"``, ``""``
    when unset): ``max_age_days`` and ``max_size_gb`` are then read from those
    texts, and ``enabled`` is ``None`` (not echoed).
    """

    policy_type: str
    enabled: bool | None = None
    max_age_days: int | None = attrs.field(default=None, metadata=_wire(derive=_max_age_days))
    max_size_gb: float | None = attrs.field(default=None, metadata=_wire(derive=_max_size_gb))
    message: str | None = None
    success: bool | None = None
    max_age: str | None = None
    max_size: str | None = None
    raw: Mapping[str, Any] = _raw_field()


def _cleanup_executed(data: Mapping[str, Any]) -> bool | None:
    status = data.get("status")
    return status.upper() == "SUCCESS" if isinstance(status, str) else None


def _files_deleted(data: Mapping[str, Any]) -> int | None:
    counts = [data.get("recordings_removed"), data.get("snapshots_removed")]
    numbers = [n for n in counts if isinstance(n, int) and not isinstance(n, bool)]
    return sum(numbers) if numbers else None


@attrs.define(slots=True)
class CleanupResult:
    """``cleanup_old_files``. ``space_freed`` is in bytes.

    The documented result has ``cleanup_executed`` and ``files_deleted``; the
    current service sends ``status`` (``"SUCCESS"``), ``recordings_removed`` and
    ``snapshots_removed`` instead. Then ``cleanup_executed`` says whether
    ``status`` is ``SUCCESS`` and ``files_deleted`` is the sum of the two counts.
    """

    cleanup_executed: bool | None = attrs.field(
        default=None, metadata=_wire(derive=_cleanup_executed)
    )
    files_deleted: int | None = attrs.field(default=None, metadata=_wire(derive=_files_deleted))
    space_freed: int | None = None
    message: str | None = None
    recordings_removed: int | None = None
    snapshots_removed: int | None = None
    status: str | None = None
    raw: Mapping[str, Any] = _raw_field()


# --------------------------------------------------------------------------- subscriptions


@attrs.define(slots=True)
class SubscriptionResult:
    """``subscribe_events``."""

    subscribed: bool
    topics: list[str] = attrs.field(factory=list)
    filters: dict[str, Any] = attrs.field(factory=dict)
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class UnsubscriptionResult:
    """``unsubscribe_events``."""

    unsubscribed: bool
    topics: list[str] = attrs.field(factory=list)
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class GlobalSubscriptionStats:
    """``SubscriptionStats.global_stats``."""

    total_subscriptions: int | None = None
    active_clients: int | None = None
    topic_counts: dict[str, int] = attrs.field(factory=dict)
    raw: Mapping[str, Any] = _raw_field()


@attrs.define(slots=True)
class SubscriptionStats:
    """``get_subscription_stats``."""

    global_stats: GlobalSubscriptionStats | None = None
    client_topics: list[str] = attrs.field(factory=list)
    client_id: str | None = None
    raw: Mapping[str, Any] = _raw_field()


# --------------------------------------------------------------------------- external streams


@attrs.define(slots=True)
class ExternalStream:
    """An external (non-camera) stream, e.g. a drone's RTSP feed."""

    url: str
    type: str | None = None
    name: str | None = None
    status: str | None = None
    discovered_at: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    last_seen: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    capabilities: dict[str, Any] = attrs.field(factory=dict)
    raw: Mapping[str, Any] = _raw_field()

    discovered_at_datetime = _UtcDatetime("discovered_at")
    last_seen_datetime = _UtcDatetime("last_seen")


@attrs.define(slots=True)
class DiscoveryResult:
    """``discover_external_streams``. ``scan_duration`` is passed through as sent."""

    discovered_streams: list[ExternalStream] = attrs.field(factory=list)
    skydio_streams: list[ExternalStream] = attrs.field(factory=list)
    generic_streams: list[ExternalStream] = attrs.field(factory=list)
    scan_timestamp: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    total_found: int | None = None
    discovery_options: dict[str, Any] = attrs.field(factory=dict)
    scan_duration: float | str | None = None
    errors: list[Any] = attrs.field(factory=list)
    raw: Mapping[str, Any] = _raw_field()

    scan_timestamp_datetime = _UtcDatetime("scan_timestamp")


@attrs.define(slots=True)
class ExternalStreamAdded:
    """``add_external_stream``. ``status`` is ``ADDED`` or ``ERROR``."""

    stream_url: str
    status: str
    stream_name: str | None = None
    stream_type: str | None = None
    timestamp: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    raw: Mapping[str, Any] = _raw_field()

    timestamp_datetime = _UtcDatetime("timestamp")


@attrs.define(slots=True)
class ExternalStreamRemoved:
    """``remove_external_stream``. ``status`` is ``REMOVED`` or ``ERROR``."""

    stream_url: str
    status: str
    timestamp: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    raw: Mapping[str, Any] = _raw_field()

    timestamp_datetime = _UtcDatetime("timestamp")


@attrs.define(slots=True)
class ExternalStreamList:
    """``get_external_streams``."""

    external_streams: list[ExternalStream] = attrs.field(factory=list)
    skydio_streams: list[ExternalStream] = attrs.field(factory=list)
    generic_streams: list[ExternalStream] = attrs.field(factory=list)
    total_count: int | None = None
    timestamp: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    raw: Mapping[str, Any] = _raw_field()

    timestamp_datetime = _UtcDatetime("timestamp")


@attrs.define(slots=True)
class DiscoveryIntervalResult:
    """``set_discovery_interval``. ``status`` is ``UPDATED`` or ``ERROR``."""

    status: str
    scan_interval: int | None = None
    message: str | None = None
    timestamp: float | None = attrs.field(default=None, metadata=_wire(timestamp=True))
    raw: Mapping[str, Any] = _raw_field()

    timestamp_datetime = _UtcDatetime("timestamp")


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
