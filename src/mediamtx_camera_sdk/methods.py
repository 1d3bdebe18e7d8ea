"""The one table of service methods: the single source of truth for both clients.

Every call of the wire contract (docs/protocol.md) is one :class:`MethodSpec`
constant below (``GET_CAMERA_LIST``, ``TAKE_SNAPSHOT``, ...), collected in
:data:`METHODS`. A spec says what the call is named, which Python parameters it
takes and how each maps to and is validated for the wire, what it returns (the
model the result decodes into), the lowest role allowed, which dialects have it
and whether it is read-only (safe to repeat).

The clients' typed methods are generated from this table by ``tools/gen_api.py``
(into ``_async/_api.py`` and ``_sync/_api.py``); each one validates its
arguments with :meth:`MethodSpec.build_params` (raising
:class:`~.errors.InvalidParamsError` before anything is sent) and decodes the
result with :meth:`MethodSpec.decode_result`.

Validation is dialect-neutral: a camera id may be a logical id (``camera0``,
current service) or a device path (``/dev/video0``, legacy service); wherever a
call expects a camera, a model naming one (a ``CameraInfo``, or anything with a
``device_path``) is accepted too, and its ``device_path`` is sent.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, Generic, Literal, TypeVar

import attrs

from . import _convert
from .errors import DIALECTS, Dialect, InvalidParamsError, ValidationError
from .models import (
    AuthResult,
    CameraCapabilities,
    CameraInfo,
    CameraList,
    CleanupResult,
    DeleteResult,
    DiscoveryIntervalResult,
    DiscoveryResult,
    ExternalStreamAdded,
    ExternalStreamList,
    ExternalStreamRemoved,
    FilePage,
    Metrics,
    RecordingFileInfo,
    RecordingInfo,
    RetentionPolicy,
    ServerInfo,
    ServerStatus,
    SnapshotFileInfo,
    SnapshotInfo,
    StorageInfo,
    StreamList,
    StreamStartResult,
    StreamStatus,
    StreamStopResult,
    StreamUrl,
    SubscriptionResult,
    SubscriptionStats,
    UnsubscriptionResult,
)

__all__ = [
    "CAMERA_ID_PATTERN",
    "METHODS",
    "ROLES",
    "MethodSpec",
    "Param",
    "Role",
    "camera_id",
    "methods_for",
    "role_allows",
]

T = TypeVar("T")

#: The service's roles. Roles are hierarchical: each allows what the ones before it allow.
Role = Literal["viewer", "operator", "admin"]

#: The roles, lowest first: ``viewer < operator < admin``.
ROLES: Final[tuple[Role, ...]] = ("viewer", "operator", "admin")


def role_allows(have: str | None, required: str | None) -> bool:
    """Whether the role ``have`` may make a call whose lowest role is ``required``.

    ``required=None`` (no authentication needed) allows everyone; otherwise an
    unknown or missing role (``None``, ``"guest"``) allows nothing.
    """
    if required is None:
        return True
    if have not in ROLES or required not in ROLES:
        return False
    return ROLES.index(have) >= ROLES.index(required)


# --------------------------------------------------------------------------- parameter rules

#: Camera ids of both dialects: ``camera0`` (current) or ``/dev/video0`` (legacy).
CAMERA_ID_PATTERN: Final = re.compile(r"camera[0-9]+|/dev/video[0-9]+")


def _is_camera_id(value: Any) -> bool:
    return isinstance(value, str) and CAMERA_ID_PATTERN.fullmatch(value) is not None


def camera_id(camera: Any) -> Any:
    """The camera id a call sends for ``camera``: a camera id as it is, or the
    ``device_path`` of a model that has one (a :class:`~.models.CameraInfo`, a
    :class:`~.models.RecordingInfo`, ...). Anything else is returned unchanged
    (for the parameter check to refuse it)."""
    if isinstance(camera, str):
        return camera
    device_path = getattr(camera, "device_path", None)
    return device_path if isinstance(device_path, str) else camera


def _is_camera(value: Any) -> bool:
    return _is_camera_id(camera_id(value))


def _is_filename(value: Any) -> bool:
    # The file endpoints refuse these (docs/protocol.md, "Transport"): never let a call
    # name a file outside the media folder.
    return (
        isinstance(value, str)
        and value != ""
        and "/" not in value
        and "\\" not in value
        and ".." not in value
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_range(low: int, high: int | None = None) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return _is_int(value) and value >= low and (high is None or value <= high)

    return check


def _non_negative_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_non_empty_str(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _one_of(*values: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return isinstance(value, str) and value in values

    return check


def _is_topic_list(value: Any) -> bool:
    # A bare string is a sequence of strings too: refuse it rather than send ["c", "a", ...].
    return (
        isinstance(value, (list, tuple))
        and len(value) > 0
        and all(isinstance(topic, str) and topic != "" for topic in value)
    )


def _is_filters(value: Any) -> bool:
    return isinstance(value, Mapping) and all(isinstance(key, str) for key in value)


def _same(value: Any) -> Any:
    return value


@attrs.frozen(slots=True)
class Param:
    """One Python parameter of a call and its wire counterpart.

    Attributes:
        name: the Python parameter name (``device_path``).
        wire: the wire parameter name (``device``).
        annotation: its Python type as source text, without ``| None`` (the
            generator adds that to optional parameters).
        rule: the validation rule in words; it is the ``rule`` of the
            :class:`~.errors.InvalidParamsError` raised when ``check`` fails.
        check: returns whether a (non-``None``) value is valid.
        doc: what the parameter means (used in the generated docstrings).
        required: whether the call needs it; optional parameters default to
            ``None``, which means "not sent".
        keyword_only: whether the generated signature puts it after ``*``.
        dialects: the dialects whose service accepts it.
        send: ``False`` for parameters accepted for compatibility but never sent.
        warning: a :class:`UserWarning` text emitted when the parameter is given.
        secret: the value must not appear in error messages (credentials).
        to_wire: turns the validated value into its wire form (e.g. tuple -> list).
    """

    name: str
    wire: str
    annotation: str
    rule: str
    check: Callable[[Any], bool]
    doc: str
    required: bool = True
    keyword_only: bool = False
    dialects: frozenset[Dialect] = frozenset(DIALECTS)
    send: bool = True
    warning: str | None = None
    secret: bool = False
    to_wire: Callable[[Any], Any] = _same


def _camera(
    doc: str = (
        "the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a "
        "model naming it such as a ``CameraInfo``."
    ),
) -> Param:
    return Param(
        name="device_path",
        wire="device",
        annotation="str | HasDevicePath",
        rule=(
            "a camera id matching camera[0-9]+ or /dev/video[0-9]+ "
            "(or an object whose device_path is one, such as a CameraInfo)"
        ),
        check=_is_camera,
        doc=doc,
        to_wire=camera_id,
    )


def _filename(doc: str, *, required: bool = True) -> Param:
    return Param(
        name="filename",
        wire="filename",
        annotation="str",
        rule="a non-empty file name without '/', '\\' or '..'",
        check=_is_filename,
        doc=doc,
        required=required,
    )


def _page_params(what: str) -> tuple[Param, ...]:
    return (
        Param(
            name="limit",
            wire="limit",
            annotation="int",
            rule="an integer from 1 to 1000",
            check=_int_range(1, 1000),
            doc=f"how many {what} per page (the service's default: 50).",
            required=False,
            keyword_only=True,
        ),
        Param(
            name="offset",
            wire="offset",
            annotation="int",
            rule="an integer >= 0",
            check=_int_range(0),
            doc=f"how many {what} to skip, newest first (default 0).",
            required=False,
            keyword_only=True,
        ),
    )


def _flag(name: str, doc: str) -> Param:
    return Param(
        name=name,
        wire=name,
        annotation="bool",
        rule="a boolean",
        check=_is_bool,
        doc=doc,
        required=False,
        keyword_only=True,
    )


def _text(name: str, doc: str, *, required: bool = True, keyword_only: bool = False) -> Param:
    return Param(
        name=name,
        wire=name,
        annotation="str",
        rule="a non-empty string",
        check=_is_non_empty_str,
        doc=doc,
        required=required,
        keyword_only=keyword_only,
    )


def _topics(*, required: bool) -> Param:
    return Param(
        name="topics",
        wire="topics",
        annotation="Sequence[str]",
        rule="a non-empty list of non-empty strings",
        check=_is_topic_list,
        doc=(
            "topic names such as ``camera.connected`` (see ``models.TOPICS``)."
            if required
            else "the topics to drop; ``None`` drops them all."
        ),
        required=required,
        to_wire=list,
    )


# --------------------------------------------------------------------------- the spec


@attrs.frozen(slots=True)
class MethodSpec(Generic[T]):
    """One call of the wire contract; ``T`` is what its result decodes into.

    Attributes:
        name: the JSON-RPC method name.
        result: the type the result decodes into (a model class, ``str``,
            ``list[StreamInfo]``, ...).
        summary: one line saying what the call does.
        params: the parameters, in signature order.
        role: the lowest role allowed on the current service (``None``: no
            authentication needed).
        legacy_role: the same on the legacy service, which only guards the
            camera operations.
        dialects: the dialects whose service has the call.
        read_only: the call changes nothing on the server, so repeating it (for
            instance after a reconnect) is safe.
        alias_of: for an alternative name of another call (legacy
            ``get_cameras``), that call's name.
        generate: whether the clients get a generated typed method for it (off for
            ``authenticate``, which the clients run themselves, and for aliases).
        raises: extra ``(exception, when)`` pairs for the generated docstring.
    """

    name: str
    result: Any
    summary: str
    params: tuple[Param, ...] = ()
    role: Role | None = "viewer"
    legacy_role: Role | None = None
    dialects: frozenset[Dialect] = frozenset({"current"})
    read_only: bool = False
    alias_of: str | None = None
    generate: bool = True
    raises: tuple[tuple[str, str], ...] = ()

    @property
    def const_name(self) -> str:
        """The name of this spec's constant in this module (``GET_CAMERA_LIST``)."""
        return self.name.upper()

    def supports(self, dialect: Dialect) -> bool:
        """Whether the service of ``dialect`` has this call."""
        return dialect in self.dialects

    def role_for(self, dialect: Dialect | None) -> Role | None:
        """The lowest role allowed on the service of ``dialect`` (current when unknown)."""
        return self.legacy_role if dialect == "legacy" else self.role

    def param(self, name: str) -> Param:
        """The parameter with the Python name ``name``.

        Raises:
            KeyError: the call has no such parameter.
        """
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def build_params(
        self, dialect: Dialect | None = None, /, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Validate the Python arguments and return the wire ``params`` object.

        Arguments that are ``None`` are not sent. Returns ``None`` when nothing is
        to be sent, so that the request omits ``params`` altogether (the current
        service rejects unexpected members, even an empty ``params`` on some
        calls). With ``dialect`` given, a parameter that service does not accept
        is refused too.

        Warns:
            UserWarning: for a parameter accepted for compatibility only (e.g. the
                ``filename`` of ``start_recording``, which no service accepts).

        Raises:
            InvalidParamsError: a required parameter is missing, a value breaks
                its rule (wrong type included), or ``dialect``'s service does not
                accept it; ``data`` is ``{"param": NAME, "rule": RULE}``, ``code``
                is -32602.
            TypeError: an argument name the call does not have (a programming
                error, as for any Python function).
        """
        unknown = kwargs.keys() - {param.name for param in self.params}
        if unknown:
            raise TypeError(
                f"{self.name}() got unexpected parameters: {', '.join(sorted(unknown))}"
            )
        wire: dict[str, Any] = {}
        for param in self.params:
            value = kwargs.get(param.name)
            if value is None:
                if param.required:
                    raise self._invalid(param, "is required", "required")
                continue
            if not param.check(value):
                shown = "" if param.secret else f" {value!r}"
                raise self._invalid(param, f"is invalid{shown}: expected {param.rule}", param.rule)
            if dialect is not None and dialect not in param.dialects:
                raise self._unsupported_param(param, dialect)
            if param.warning is not None:
                # stacklevel 3: build_params <- generated method <- the caller's code.
                warnings.warn(param.warning, UserWarning, stacklevel=3)
            if param.send:
                wire[param.wire] = param.to_wire(value)
        return wire or None

    def check_dialect(self, dialect: Dialect, wire: Mapping[str, Any] | None) -> None:
        """Refuse wire ``params`` (from :meth:`build_params`) that ``dialect``'s service lacks.

        For callers that built the params before the dialect was known.

        Raises:
            InvalidParamsError: as :meth:`build_params` with that dialect would.
        """
        if not wire:
            return
        for param in self.params:
            if param.wire in wire and dialect not in param.dialects:
                raise self._unsupported_param(param, dialect)

    def _unsupported_param(self, param: Param, dialect: Dialect) -> InvalidParamsError:
        only = " and ".join(sorted(param.dialects))
        rule = f"accepted by the {only} service only"
        return self._invalid(param, f"is not supported by the {dialect} service", rule)

    def _invalid(self, param: Param, what: str, rule: str) -> InvalidParamsError:
        return ValidationError(
            f"{self.name}: parameter {param.name!r} {what}",
            code=-32602,
            data={"param": param.name, "rule": rule},
            method=self.name,
        )

    def decode_result(self, value: Any) -> T:
        """Decode the call's wire result into ``T``.

        Raises:
            ProtocolError: the result does not fit (``data`` names the field).
        """
        return _convert.decode(self.result, value, method=self.name)  # type: ignore[no-any-return]


_BOTH: Final = frozenset(DIALECTS)
_CURRENT: Final[frozenset[Dialect]] = frozenset({"current"})

_NOT_FOUND = ("CameraNotFoundError", "the camera does not exist.")
_FILE_NOT_FOUND = ("NotFoundError", "no such file.")
_MEDIA = ("MediaMTXError", "MediaMTX or FFmpeg failed.")

# --------------------------------------------------------------------------- the table

PING: Final = MethodSpec[str](
    name="ping",
    result=str,
    summary='Check that the service answers (and keep the connection alive); returns ``"pong"``.',
    role=None,
    dialects=_BOTH,
    read_only=True,
)

AUTHENTICATE: Final = MethodSpec[AuthResult](
    name="authenticate",
    result=AuthResult,
    summary="Authenticate the connection with a JWT or an API key.",
    params=(
        Param(
            name="auth_token",
            wire="auth_token",
            annotation="str",
            rule="a non-empty string",
            check=_is_non_empty_str,
            doc="the JWT or API key.",
            secret=True,
        ),
        Param(
            name="auth_type",
            wire="auth_type",
            annotation='Literal["jwt", "api_key", "auto"]',
            rule="one of jwt, api_key, auto",
            check=_one_of("jwt", "api_key", "auto"),
            doc="what the token is (the current service ignores it).",
            required=False,
            keyword_only=True,
        ),
    ),
    role=None,
    dialects=_BOTH,
    generate=False,
    raises=(("AuthenticationError", "the credentials were refused."),),
)

GET_CAMERA_LIST: Final = MethodSpec[CameraList](
    name="get_camera_list",
    result=CameraList,
    summary="List the cameras the service knows, with the total and connected counts.",
    dialects=_BOTH,
    read_only=True,
)

GET_CAMERAS: Final = MethodSpec[CameraList](
    name="get_cameras",
    result=CameraList,
    summary="Legacy alias of ``get_camera_list``.",
    dialects=frozenset({"legacy"}),
    read_only=True,
    alias_of="get_camera_list",
    generate=False,
)

GET_CAMERA_STATUS: Final = MethodSpec[CameraInfo](
    name="get_camera_status",
    result=CameraInfo,
    summary="Get one camera's status, streams, metrics and capabilities.",
    params=(_camera(),),
    dialects=_BOTH,
    read_only=True,
    raises=(_NOT_FOUND,),
)

GET_CAMERA_CAPABILITIES: Final = MethodSpec[CameraCapabilities](
    name="get_camera_capabilities",
    result=CameraCapabilities,
    summary="Get the formats, resolutions and frame rates a camera supports.",
    params=(_camera(),),
    read_only=True,
    raises=(_NOT_FOUND,),
)

TAKE_SNAPSHOT: Final = MethodSpec[SnapshotInfo](
    name="take_snapshot",
    result=SnapshotInfo,
    summary="Take a still picture with a camera; the file lands in the snapshots folder.",
    params=(
        _camera(),
        _filename("the file name to use; ``None`` lets the service choose.", required=False),
        Param(
            name="format",
            wire="format",
            annotation='Literal["jpg", "png"]',
            rule="one of jpg, png",
            check=_one_of("jpg", "png"),
            doc="the image format (legacy service only).",
            required=False,
            keyword_only=True,
            dialects=frozenset({"legacy"}),
        ),
        Param(
            name="quality",
            wire="quality",
            annotation="int",
            rule="an integer from 1 to 100",
            check=_int_range(1, 100),
            doc="the JPEG quality, 1..100 (legacy service only).",
            required=False,
            keyword_only=True,
            dialects=frozenset({"legacy"}),
        ),
    ),
    role="operator",
    legacy_role="operator",
    dialects=_BOTH,
    raises=(
        _NOT_FOUND,
        ("MediaMTXError", "the snapshot failed (including a legacy FAILED result)."),
    ),
)

START_RECORDING: Final = MethodSpec[RecordingInfo](
    name="start_recording",
    result=RecordingInfo,
    summary="Start recording a camera (until ``stop_recording`` or for ``duration`` seconds).",
    params=(
        _camera(),
        Param(
            name="filename",
            wire="filename",
            annotation="str",
            rule="a string",
            check=lambda value: isinstance(value, str),
            doc=(
                "accepted for compatibility with older SDKs but not sent: the service "
                "chooses the file name (read it from the result). Passing one warns."
            ),
            required=False,
            send=False,
            warning=(
                "start_recording(filename=...) is ignored: the service chooses the "
                "file name (it is in the returned RecordingInfo.filename)"
            ),
        ),
        Param(
            name="duration",
            wire="duration",
            annotation="int",
            rule="an integer number of seconds from 1 to 86400",
            check=_int_range(1, 86400),
            doc="stop by itself after this many seconds (1..86400); ``None``: open-ended.",
            required=False,
            keyword_only=True,
        ),
        Param(
            name="format",
            wire="format",
            annotation='Literal["fmp4", "mp4", "mkv"]',
            rule="one of fmp4, mp4, mkv",
            check=_one_of("fmp4", "mp4", "mkv"),
            doc="the container (service default fmp4; the legacy service always records mp4).",
            required=False,
            keyword_only=True,
        ),
    ),
    role="operator",
    legacy_role="operator",
    dialects=_BOTH,
    raises=(
        _NOT_FOUND,
        ("RecordingInProgressError", "the camera is already recording."),
        _MEDIA,
    ),
)

STOP_RECORDING: Final = MethodSpec[RecordingInfo](
    name="stop_recording",
    result=RecordingInfo,
    summary="Stop a camera's recording; the result describes the finished file.",
    params=(_camera(),),
    role="operator",
    legacy_role="operator",
    dialects=_BOTH,
    raises=(
        _NOT_FOUND,
        ("InvalidStateError", "the camera is not recording."),
        _MEDIA,
    ),
)

LIST_RECORDINGS: Final = MethodSpec[FilePage](
    name="list_recordings",
    result=FilePage,
    summary="List recording files, newest first, one page at a time.",
    params=_page_params("recordings"),
    read_only=True,
)

LIST_SNAPSHOTS: Final = MethodSpec[FilePage](
    name="list_snapshots",
    result=FilePage,
    summary="List snapshot files, newest first, one page at a time.",
    params=_page_params("snapshots"),
    read_only=True,
)

GET_RECORDING_INFO: Final = MethodSpec[RecordingFileInfo](
    name="get_recording_info",
    result=RecordingFileInfo,
    summary="Get one recording file's size, duration, creation time and download URL.",
    params=(_filename("the recording's file name."),),
    read_only=True,
    raises=(_FILE_NOT_FOUND,),
)

GET_SNAPSHOT_INFO: Final = MethodSpec[SnapshotFileInfo](
    name="get_snapshot_info",
    result=SnapshotFileInfo,
    summary="Get one snapshot file's size, creation time and download URL.",
    params=(_filename("the snapshot's file name."),),
    read_only=True,
    raises=(_FILE_NOT_FOUND,),
)

DELETE_RECORDING: Final = MethodSpec[DeleteResult](
    name="delete_recording",
    result=DeleteResult,
    summary="Delete a recording file.",
    params=(_filename("the recording's file name."),),
    role="admin",
    raises=(_FILE_NOT_FOUND,),
)

DELETE_SNAPSHOT: Final = MethodSpec[DeleteResult](
    name="delete_snapshot",
    result=DeleteResult,
    summary="Delete a snapshot file.",
    params=(_filename("the snapshot's file name."),),
    role="admin",
    raises=(_FILE_NOT_FOUND,),
)

START_STREAMING: Final = MethodSpec[StreamStartResult](
    name="start_streaming",
    result=StreamStartResult,
    summary="Start a camera's live stream; the result carries its URL.",
    params=(_camera(),),
    role="operator",
    raises=(_NOT_FOUND, _MEDIA),
)

STOP_STREAMING: Final = MethodSpec[StreamStopResult](
    name="stop_streaming",
    result=StreamStopResult,
    summary="Stop a camera's live stream.",
    params=(_camera(),),
    role="operator",
    raises=(_NOT_FOUND, _MEDIA),
)

GET_STREAM_URL: Final = MethodSpec[StreamUrl](
    name="get_stream_url",
    result=StreamUrl,
    summary="Get a camera's stream URL and whether the stream is ready.",
    params=(_camera(),),
    read_only=True,
    raises=(_NOT_FOUND,),
)

GET_STREAM_STATUS: Final = MethodSpec[StreamStatus](
    name="get_stream_status",
    result=StreamStatus,
    summary="Get a camera's stream status: FFmpeg process, MediaMTX path and metrics.",
    params=(_camera(),),
    read_only=True,
    raises=(_NOT_FOUND,),
)

GET_STREAMS: Final = MethodSpec[StreamList](
    name="get_streams",
    result=StreamList,
    summary="List the MediaMTX streams (paths) with their readiness and readers, and counts.",
    dialects=_BOTH,
    read_only=True,
)

GET_METRICS: Final = MethodSpec[Metrics](
    name="get_metrics",
    result=Metrics,
    summary="Get the service's performance metrics (the two dialects report different ones).",
    role="admin",
    dialects=_BOTH,
    read_only=True,
)

GET_STATUS: Final = MethodSpec[ServerStatus](
    name="get_status",
    result=ServerStatus,
    summary="Get the service's health and its components' status.",
    role="admin",
    dialects=_BOTH,
    read_only=True,
)

GET_SYSTEM_STATUS: Final = MethodSpec[ServerStatus](
    name="get_system_status",
    result=ServerStatus,
    summary="Get the service's health (like ``get_status``, for viewers).",
    read_only=True,
)

GET_SERVER_INFO: Final = MethodSpec[ServerInfo](
    name="get_server_info",
    result=ServerInfo,
    summary="Get the service's name, version, build and capabilities.",
    dialects=_BOTH,
    read_only=True,
    raises=(("InternalServerError", "always on the legacy service (a server bug)."),),
)

GET_STORAGE_INFO: Final = MethodSpec[StorageInfo](
    name="get_storage_info",
    result=StorageInfo,
    summary="Get disk usage: total, used and free space, media sizes, low-space warning.",
    role="admin",
    read_only=True,
)

SET_RETENTION_POLICY: Final = MethodSpec[RetentionPolicy](
    name="set_retention_policy",
    result=RetentionPolicy,
    summary="Set how old or how much media the service keeps before cleaning up.",
    params=(
        Param(
            name="policy_type",
            wire="policy_type",
            annotation='Literal["age", "size", "manual"]',
            rule="one of age, size, manual",
            check=_one_of("age", "size", "manual"),
            doc="clean up by age, by total size, or only on request.",
        ),
        Param(
            name="enabled",
            wire="enabled",
            annotation="bool",
            rule="a boolean",
            check=_is_bool,
            doc="whether the policy is active.",
        ),
        Param(
            name="max_age_days",
            wire="max_age_days",
            annotation="int",
            rule="an integer >= 0",
            check=_int_range(0),
            doc="for ``age``: the age in days beyond which files go.",
            required=False,
            keyword_only=True,
        ),
        Param(
            name="max_size_gb",
            wire="max_size_gb",
            annotation="float",
            rule="a number >= 0",
            check=_non_negative_number,
            doc="for ``size``: the total size in GB beyond which the oldest files go.",
            required=False,
            keyword_only=True,
        ),
    ),
    role="admin",
)

CLEANUP_OLD_FILES: Final = MethodSpec[CleanupResult](
    name="cleanup_old_files",
    result=CleanupResult,
    summary="Apply the retention policy now and delete the files it selects.",
    role="admin",
)

SUBSCRIBE_EVENTS: Final = MethodSpec[SubscriptionResult](
    name="subscribe_events",
    result=SubscriptionResult,
    summary="Subscribe this connection to event topics (they arrive as notifications).",
    params=(
        _topics(required=True),
        Param(
            name="filters",
            wire="filters",
            annotation="Mapping[str, Any]",
            rule="an object with string keys",
            check=_is_filters,
            doc='only events matching these fields, e.g. ``{"device": "camera0"}``.',
            required=False,
            # Positional too: ``subscribe_events(topics, filters=None)`` is the
            # documented signature (issue 4).
            keyword_only=False,
            to_wire=dict,
        ),
    ),
)

UNSUBSCRIBE_EVENTS: Final = MethodSpec[UnsubscriptionResult](
    name="unsubscribe_events",
    result=UnsubscriptionResult,
    summary="Unsubscribe this connection from some or all event topics.",
    params=(_topics(required=False),),
)

GET_SUBSCRIPTION_STATS: Final = MethodSpec[SubscriptionStats](
    name="get_subscription_stats",
    result=SubscriptionStats,
    summary="Get subscription counters and this connection's topics.",
    read_only=True,
)

DISCOVER_EXTERNAL_STREAMS: Final = MethodSpec[DiscoveryResult](
    name="discover_external_streams",
    result=DiscoveryResult,
    summary="Scan the network for external streams (e.g. Skydio drones, generic RTSP).",
    params=(
        _flag("skydio_enabled", "look for Skydio streams."),
        _flag("generic_enabled", "look for generic RTSP streams."),
        _flag("force_rescan", "scan again even if a recent scan exists."),
        _flag("include_offline", "also report streams that are offline."),
    ),
    role="operator",
)

ADD_EXTERNAL_STREAM: Final = MethodSpec[ExternalStreamAdded](
    name="add_external_stream",
    result=ExternalStreamAdded,
    summary="Register an external stream by URL.",
    params=(
        _text("stream_url", "the stream's URL (e.g. ``rtsp://...``)."),
        _text("stream_name", "a name for it."),
        _text(
            "stream_type",
            "its kind (service default ``generic_rtsp``).",
            required=False,
            keyword_only=True,
        ),
    ),
    role="operator",
)

REMOVE_EXTERNAL_STREAM: Final = MethodSpec[ExternalStreamRemoved](
    name="remove_external_stream",
    result=ExternalStreamRemoved,
    summary="Unregister an external stream.",
    params=(_text("stream_url", "the stream's URL."),),
    role="operator",
    raises=(("NotFoundError", "no such external stream."),),
)

GET_EXTERNAL_STREAMS: Final = MethodSpec[ExternalStreamList](
    name="get_external_streams",
    result=ExternalStreamList,
    summary="List the external streams the service knows.",
    read_only=True,
)

SET_DISCOVERY_INTERVAL: Final = MethodSpec[DiscoveryIntervalResult](
    name="set_discovery_interval",
    result=DiscoveryIntervalResult,
    summary="Set how often the service scans for external streams.",
    params=(
        Param(
            name="scan_interval",
            wire="scan_interval",
            annotation="int",
            rule="an integer number of seconds >= 0",
            check=_int_range(0),
            doc="seconds between scans (0 turns periodic scans off).",
        ),
    ),
    role="admin",
)

#: Every call of the contract, by wire name, in the order of docs/protocol.md (plus the
#: legacy alias ``get_cameras``).
METHODS: Final[Mapping[str, MethodSpec[Any]]] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            PING,
            AUTHENTICATE,
            GET_CAMERA_LIST,
            GET_CAMERAS,
            GET_CAMERA_STATUS,
            GET_CAMERA_CAPABILITIES,
            TAKE_SNAPSHOT,
            START_RECORDING,
            STOP_RECORDING,
            LIST_RECORDINGS,
            LIST_SNAPSHOTS,
            GET_RECORDING_INFO,
            GET_SNAPSHOT_INFO,
            DELETE_RECORDING,
            DELETE_SNAPSHOT,
            START_STREAMING,
            STOP_STREAMING,
            GET_STREAM_URL,
            GET_STREAM_STATUS,
            GET_STREAMS,
            GET_METRICS,
            GET_STATUS,
            GET_SYSTEM_STATUS,
            GET_SERVER_INFO,
            GET_STORAGE_INFO,
            SET_RETENTION_POLICY,
            CLEANUP_OLD_FILES,
            SUBSCRIBE_EVENTS,
            UNSUBSCRIBE_EVENTS,
            GET_SUBSCRIPTION_STATS,
            DISCOVER_EXTERNAL_STREAMS,
            ADD_EXTERNAL_STREAM,
            REMOVE_EXTERNAL_STREAM,
            GET_EXTERNAL_STREAMS,
            SET_DISCOVERY_INTERVAL,
        )
    }
)


def methods_for(dialect: Dialect) -> tuple[str, ...]:
    """The names of the calls the service of ``dialect`` has (aliases included)."""
    return tuple(name for name, spec in METHODS.items() if dialect in spec.dialects)
