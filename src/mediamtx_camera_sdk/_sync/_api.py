# GENERATED FILE, DO NOT EDIT.
# Written by tools/gen_api.py from the method table in src/mediamtx_camera_sdk/methods.py.
# Change the table (or the generator) and run `python tools/gen_api.py`.
"""The typed service calls of the sync client, generated from ``methods.METHODS``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

from .. import methods
from ..methods import MethodSpec
from ..models import (
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
    HasDevicePath,
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

__all__ = ["SyncApi"]

T = TypeVar("T")


class SyncApi:
    """Every call of the method table as a typed sync method.

    A client inherits from this class and implements :meth:`_invoke`, which sends
    one call and blocks until its decoded result. Each method validates its arguments
    (``spec.build_params``) before anything is sent.
    """

    __slots__ = ()

    def _invoke(
        self, spec: MethodSpec[T], params: dict[str, Any] | None, timeout: float | None
    ) -> T:
        """Send the call ``spec`` with the wire ``params`` and return its decoded result.

        ``params`` is ``None`` when the request must omit ``params``. ``timeout`` is
        seconds, or ``None`` for the client's default. Implemented by the client.

        Raises:
            NotImplementedError: always, here.
        """
        raise NotImplementedError

    def ping(self, *, timeout: float | None = None) -> str:
        """Check that the service answers (and keep the connection alive); returns ``"pong"``.

        Lowest role: none (no authentication needed). Dialects: current and legacy. Read-only: safe
        to repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            str: the decoded result.

        Raises:
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.PING, None, timeout)

    def get_camera_list(self, *, timeout: float | None = None) -> CameraList:
        """List the cameras the service knows, with the total and connected counts.

        Lowest role: viewer (legacy service: none). Dialects: current and legacy. Read-only: safe to
        repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            CameraList: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.GET_CAMERA_LIST, None, timeout)

    def get_camera_status(
        self, device_path: str | HasDevicePath, *, timeout: float | None = None
    ) -> CameraInfo:
        """Get one camera's status, streams, metrics and capabilities.

        Lowest role: viewer (legacy service: none). Dialects: current and legacy. Read-only: safe to
        repeat.

        Args:
            device_path: the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a
                model naming it such as a ``CameraInfo``. Rule: a camera id matching camera[0-9]+ or
                /dev/video[0-9]+ (or an object whose device_path is one, such as a CameraInfo).
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            CameraInfo: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            CameraNotFoundError: the camera does not exist.
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.GET_CAMERA_STATUS.build_params(device_path=device_path)
        return self._invoke(methods.GET_CAMERA_STATUS, params, timeout)

    def get_camera_capabilities(
        self, device_path: str | HasDevicePath, *, timeout: float | None = None
    ) -> CameraCapabilities:
        """Get the formats, resolutions and frame rates a camera supports.

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            device_path: the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a
                model naming it such as a ``CameraInfo``. Rule: a camera id matching camera[0-9]+ or
                /dev/video[0-9]+ (or an object whose device_path is one, such as a CameraInfo).
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            CameraCapabilities: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            CameraNotFoundError: the camera does not exist.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.GET_CAMERA_CAPABILITIES.build_params(device_path=device_path)
        return self._invoke(methods.GET_CAMERA_CAPABILITIES, params, timeout)

    def take_snapshot(
        self,
        device_path: str | HasDevicePath,
        filename: str | None = None,
        *,
        format: Literal["jpg", "png"] | None = None,
        quality: int | None = None,
        timeout: float | None = None,
    ) -> SnapshotInfo:
        """Take a still picture with a camera; the file lands in the snapshots folder.

        Lowest role: operator. Dialects: current and legacy.

        Args:
            device_path: the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a
                model naming it such as a ``CameraInfo``. Rule: a camera id matching camera[0-9]+ or
                /dev/video[0-9]+ (or an object whose device_path is one, such as a CameraInfo).
            filename: the file name to use; ``None`` lets the service choose. Rule: a non-empty file
                name without '/', '\\' or '..'.
            format: the image format (legacy service only). Rule: one of jpg, png.
            quality: the JPEG quality, 1..100 (legacy service only). Rule: an integer from 1 to 100.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            SnapshotInfo: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below operator.
            CameraNotFoundError: the camera does not exist.
            MediaMTXError: the snapshot failed (including a legacy FAILED result).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.TAKE_SNAPSHOT.build_params(
            device_path=device_path, filename=filename, format=format, quality=quality
        )
        return self._invoke(methods.TAKE_SNAPSHOT, params, timeout)

    def start_recording(
        self,
        device_path: str | HasDevicePath,
        filename: str | None = None,
        *,
        duration: int | None = None,
        format: Literal["fmp4", "mp4", "mkv"] | None = None,
        timeout: float | None = None,
    ) -> RecordingInfo:
        """Start recording a camera (until ``stop_recording`` or for ``duration`` seconds).

        Lowest role: operator. Dialects: current and legacy.

        Args:
            device_path: the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a
                model naming it such as a ``CameraInfo``. Rule: a camera id matching camera[0-9]+ or
                /dev/video[0-9]+ (or an object whose device_path is one, such as a CameraInfo).
            filename: accepted for compatibility with older SDKs but not sent: the service chooses
                the file name (read it from the result). Passing one warns.
            duration: stop by itself after this many seconds (1..86400); ``None``: open-ended. Rule:
                an integer number of seconds from 1 to 86400.
            format: the container (service default fmp4; the legacy service always records mp4).
                Rule: one of fmp4, mp4, mkv.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            RecordingInfo: the decoded result.

        Warns:
            UserWarning: start_recording(filename=...) is ignored: the service chooses the file name
                (it is in the returned RecordingInfo.filename).

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below operator.
            CameraNotFoundError: the camera does not exist.
            RecordingInProgressError: the camera is already recording.
            MediaMTXError: MediaMTX or FFmpeg failed.
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.START_RECORDING.build_params(
            device_path=device_path, filename=filename, duration=duration, format=format
        )
        return self._invoke(methods.START_RECORDING, params, timeout)

    def stop_recording(
        self, device_path: str | HasDevicePath, *, timeout: float | None = None
    ) -> RecordingInfo:
        """Stop a camera's recording; the result describes the finished file.

        Lowest role: operator. Dialects: current and legacy.

        Args:
            device_path: the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a
                model naming it such as a ``CameraInfo``. Rule: a camera id matching camera[0-9]+ or
                /dev/video[0-9]+ (or an object whose device_path is one, such as a CameraInfo).
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            RecordingInfo: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below operator.
            CameraNotFoundError: the camera does not exist.
            InvalidStateError: the camera is not recording.
            MediaMTXError: MediaMTX or FFmpeg failed.
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.STOP_RECORDING.build_params(device_path=device_path)
        return self._invoke(methods.STOP_RECORDING, params, timeout)

    def list_recordings(
        self, *, limit: int | None = None, offset: int | None = None, timeout: float | None = None
    ) -> FilePage:
        """List recording files, newest first, one page at a time.

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            limit: how many recordings per page (the service's default: 50). Rule: an integer from 1
                to 1000.
            offset: how many recordings to skip, newest first (default 0). Rule: an integer >= 0.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            FilePage: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.LIST_RECORDINGS.build_params(limit=limit, offset=offset)
        return self._invoke(methods.LIST_RECORDINGS, params, timeout)

    def list_snapshots(
        self, *, limit: int | None = None, offset: int | None = None, timeout: float | None = None
    ) -> FilePage:
        """List snapshot files, newest first, one page at a time.

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            limit: how many snapshots per page (the service's default: 50). Rule: an integer from 1
                to 1000.
            offset: how many snapshots to skip, newest first (default 0). Rule: an integer >= 0.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            FilePage: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.LIST_SNAPSHOTS.build_params(limit=limit, offset=offset)
        return self._invoke(methods.LIST_SNAPSHOTS, params, timeout)

    def get_recording_info(
        self, filename: str, *, timeout: float | None = None
    ) -> RecordingFileInfo:
        """Get one recording file's size, duration, creation time and download URL.

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            filename: the recording's file name. Rule: a non-empty file name without '/', '\\' or
                '..'.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            RecordingFileInfo: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            NotFoundError: no such file.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.GET_RECORDING_INFO.build_params(filename=filename)
        return self._invoke(methods.GET_RECORDING_INFO, params, timeout)

    def get_snapshot_info(self, filename: str, *, timeout: float | None = None) -> SnapshotFileInfo:
        """Get one snapshot file's size, creation time and download URL.

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            filename: the snapshot's file name. Rule: a non-empty file name without '/', '\\' or
                '..'.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            SnapshotFileInfo: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            NotFoundError: no such file.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.GET_SNAPSHOT_INFO.build_params(filename=filename)
        return self._invoke(methods.GET_SNAPSHOT_INFO, params, timeout)

    def delete_recording(self, filename: str, *, timeout: float | None = None) -> DeleteResult:
        """Delete a recording file.

        Lowest role: admin. Dialects: current.

        Args:
            filename: the recording's file name. Rule: a non-empty file name without '/', '\\' or
                '..'.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            DeleteResult: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below admin.
            NotFoundError: no such file.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.DELETE_RECORDING.build_params(filename=filename)
        return self._invoke(methods.DELETE_RECORDING, params, timeout)

    def delete_snapshot(self, filename: str, *, timeout: float | None = None) -> DeleteResult:
        """Delete a snapshot file.

        Lowest role: admin. Dialects: current.

        Args:
            filename: the snapshot's file name. Rule: a non-empty file name without '/', '\\' or
                '..'.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            DeleteResult: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below admin.
            NotFoundError: no such file.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.DELETE_SNAPSHOT.build_params(filename=filename)
        return self._invoke(methods.DELETE_SNAPSHOT, params, timeout)

    def start_streaming(
        self, device_path: str | HasDevicePath, *, timeout: float | None = None
    ) -> StreamStartResult:
        """Start a camera's live stream; the result carries its URL.

        Lowest role: operator. Dialects: current.

        Args:
            device_path: the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a
                model naming it such as a ``CameraInfo``. Rule: a camera id matching camera[0-9]+ or
                /dev/video[0-9]+ (or an object whose device_path is one, such as a CameraInfo).
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            StreamStartResult: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below operator.
            CameraNotFoundError: the camera does not exist.
            MediaMTXError: MediaMTX or FFmpeg failed.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.START_STREAMING.build_params(device_path=device_path)
        return self._invoke(methods.START_STREAMING, params, timeout)

    def stop_streaming(
        self, device_path: str | HasDevicePath, *, timeout: float | None = None
    ) -> StreamStopResult:
        """Stop a camera's live stream.

        Lowest role: operator. Dialects: current.

        Args:
            device_path: the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a
                model naming it such as a ``CameraInfo``. Rule: a camera id matching camera[0-9]+ or
                /dev/video[0-9]+ (or an object whose device_path is one, such as a CameraInfo).
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            StreamStopResult: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below operator.
            CameraNotFoundError: the camera does not exist.
            MediaMTXError: MediaMTX or FFmpeg failed.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.STOP_STREAMING.build_params(device_path=device_path)
        return self._invoke(methods.STOP_STREAMING, params, timeout)

    def get_stream_url(
        self, device_path: str | HasDevicePath, *, timeout: float | None = None
    ) -> StreamUrl:
        """Get a camera's stream URL and whether the stream is ready.

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            device_path: the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a
                model naming it such as a ``CameraInfo``. Rule: a camera id matching camera[0-9]+ or
                /dev/video[0-9]+ (or an object whose device_path is one, such as a CameraInfo).
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            StreamUrl: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            CameraNotFoundError: the camera does not exist.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.GET_STREAM_URL.build_params(device_path=device_path)
        return self._invoke(methods.GET_STREAM_URL, params, timeout)

    def get_stream_status(
        self, device_path: str | HasDevicePath, *, timeout: float | None = None
    ) -> StreamStatus:
        """Get a camera's stream status: FFmpeg process, MediaMTX path and metrics.

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            device_path: the camera: its id, ``camera0`` (current) or ``/dev/video0`` (legacy), or a
                model naming it such as a ``CameraInfo``. Rule: a camera id matching camera[0-9]+ or
                /dev/video[0-9]+ (or an object whose device_path is one, such as a CameraInfo).
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            StreamStatus: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            CameraNotFoundError: the camera does not exist.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.GET_STREAM_STATUS.build_params(device_path=device_path)
        return self._invoke(methods.GET_STREAM_STATUS, params, timeout)

    def get_streams(self, *, timeout: float | None = None) -> StreamList:
        """List the MediaMTX streams (paths) with their readiness and readers, and counts.

        Lowest role: viewer (legacy service: none). Dialects: current and legacy. Read-only: safe to
        repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            StreamList: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.GET_STREAMS, None, timeout)

    def get_metrics(self, *, timeout: float | None = None) -> Metrics:
        """Get the service's performance metrics (the two dialects report different ones).

        Lowest role: admin (legacy service: none). Dialects: current and legacy. Read-only: safe to
        repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            Metrics: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below admin.
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.GET_METRICS, None, timeout)

    def get_status(self, *, timeout: float | None = None) -> ServerStatus:
        """Get the service's health and its components' status.

        Lowest role: admin (legacy service: none). Dialects: current and legacy. Read-only: safe to
        repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            ServerStatus: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below admin.
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.GET_STATUS, None, timeout)

    def get_system_status(self, *, timeout: float | None = None) -> ServerStatus:
        """Get the service's health (like ``get_status``, for viewers).

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            ServerStatus: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.GET_SYSTEM_STATUS, None, timeout)

    def get_server_info(self, *, timeout: float | None = None) -> ServerInfo:
        """Get the service's name, version, build and capabilities.

        Lowest role: viewer (legacy service: none). Dialects: current and legacy. Read-only: safe to
        repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            ServerInfo: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            InternalServerError: always on the legacy service (a server bug).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.GET_SERVER_INFO, None, timeout)

    def get_storage_info(self, *, timeout: float | None = None) -> StorageInfo:
        """Get disk usage: total, used and free space, media sizes, low-space warning.

        Lowest role: admin. Dialects: current. Read-only: safe to repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            StorageInfo: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below admin.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.GET_STORAGE_INFO, None, timeout)

    def set_retention_policy(
        self,
        policy_type: Literal["age", "size", "manual"],
        enabled: bool,
        *,
        max_age_days: int | None = None,
        max_size_gb: float | None = None,
        timeout: float | None = None,
    ) -> RetentionPolicy:
        """Set how old or how much media the service keeps before cleaning up.

        Lowest role: admin. Dialects: current.

        Args:
            policy_type: clean up by age, by total size, or only on request. Rule: one of age, size,
                manual.
            enabled: whether the policy is active. Rule: a boolean.
            max_age_days: for ``age``: the age in days beyond which files go. Rule: an integer >= 0.
            max_size_gb: for ``size``: the total size in GB beyond which the oldest files go. Rule:
                a number >= 0.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            RetentionPolicy: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below admin.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.SET_RETENTION_POLICY.build_params(
            policy_type=policy_type,
            enabled=enabled,
            max_age_days=max_age_days,
            max_size_gb=max_size_gb,
        )
        return self._invoke(methods.SET_RETENTION_POLICY, params, timeout)

    def cleanup_old_files(self, *, timeout: float | None = None) -> CleanupResult:
        """Apply the retention policy now and delete the files it selects.

        Lowest role: admin. Dialects: current.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            CleanupResult: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below admin.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.CLEANUP_OLD_FILES, None, timeout)

    def subscribe_events(
        self,
        topics: Sequence[str],
        filters: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> SubscriptionResult:
        """Subscribe this connection to event topics (they arrive as notifications).

        Lowest role: viewer. Dialects: current.

        Args:
            topics: topic names such as ``camera.connected`` (see ``models.TOPICS``). Rule: a
                non-empty list of non-empty strings.
            filters: only events matching these fields, e.g. ``{"device": "camera0"}``. Rule: an
                object with string keys.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            SubscriptionResult: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.SUBSCRIBE_EVENTS.build_params(topics=topics, filters=filters)
        return self._invoke(methods.SUBSCRIBE_EVENTS, params, timeout)

    def unsubscribe_events(
        self, topics: Sequence[str] | None = None, *, timeout: float | None = None
    ) -> UnsubscriptionResult:
        """Unsubscribe this connection from some or all event topics.

        Lowest role: viewer. Dialects: current.

        Args:
            topics: the topics to drop; ``None`` drops them all. Rule: a non-empty list of non-empty
                strings.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            UnsubscriptionResult: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.UNSUBSCRIBE_EVENTS.build_params(topics=topics)
        return self._invoke(methods.UNSUBSCRIBE_EVENTS, params, timeout)

    def get_subscription_stats(self, *, timeout: float | None = None) -> SubscriptionStats:
        """Get subscription counters and this connection's topics.

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            SubscriptionStats: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.GET_SUBSCRIPTION_STATS, None, timeout)

    def discover_external_streams(
        self,
        *,
        skydio_enabled: bool | None = None,
        generic_enabled: bool | None = None,
        force_rescan: bool | None = None,
        include_offline: bool | None = None,
        timeout: float | None = None,
    ) -> DiscoveryResult:
        """Scan the network for external streams (e.g. Skydio drones, generic RTSP).

        Lowest role: operator. Dialects: current.

        Args:
            skydio_enabled: look for Skydio streams. Rule: a boolean.
            generic_enabled: look for generic RTSP streams. Rule: a boolean.
            force_rescan: scan again even if a recent scan exists. Rule: a boolean.
            include_offline: also report streams that are offline. Rule: a boolean.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            DiscoveryResult: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below operator.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.DISCOVER_EXTERNAL_STREAMS.build_params(
            skydio_enabled=skydio_enabled,
            generic_enabled=generic_enabled,
            force_rescan=force_rescan,
            include_offline=include_offline,
        )
        return self._invoke(methods.DISCOVER_EXTERNAL_STREAMS, params, timeout)

    def add_external_stream(
        self,
        stream_url: str,
        stream_name: str,
        *,
        stream_type: str | None = None,
        timeout: float | None = None,
    ) -> ExternalStreamAdded:
        """Register an external stream by URL.

        Lowest role: operator. Dialects: current.

        Args:
            stream_url: the stream's URL (e.g. ``rtsp://...``). Rule: a non-empty string.
            stream_name: a name for it. Rule: a non-empty string.
            stream_type: its kind (service default ``generic_rtsp``). Rule: a non-empty string.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            ExternalStreamAdded: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below operator.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.ADD_EXTERNAL_STREAM.build_params(
            stream_url=stream_url, stream_name=stream_name, stream_type=stream_type
        )
        return self._invoke(methods.ADD_EXTERNAL_STREAM, params, timeout)

    def remove_external_stream(
        self, stream_url: str, *, timeout: float | None = None
    ) -> ExternalStreamRemoved:
        """Unregister an external stream.

        Lowest role: operator. Dialects: current.

        Args:
            stream_url: the stream's URL. Rule: a non-empty string.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            ExternalStreamRemoved: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below operator.
            NotFoundError: no such external stream.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.REMOVE_EXTERNAL_STREAM.build_params(stream_url=stream_url)
        return self._invoke(methods.REMOVE_EXTERNAL_STREAM, params, timeout)

    def get_external_streams(self, *, timeout: float | None = None) -> ExternalStreamList:
        """List the external streams the service knows.

        Lowest role: viewer. Dialects: current. Read-only: safe to repeat.

        Args:
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            ExternalStreamList: the decoded result.

        Raises:
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below viewer.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        return self._invoke(methods.GET_EXTERNAL_STREAMS, None, timeout)

    def set_discovery_interval(
        self, scan_interval: int, *, timeout: float | None = None
    ) -> DiscoveryIntervalResult:
        """Set how often the service scans for external streams.

        Lowest role: admin. Dialects: current.

        Args:
            scan_interval: seconds between scans (0 turns periodic scans off). Rule: an integer
                number of seconds >= 0.
            timeout: seconds to wait for the reply; ``None`` uses the client's default.

        Returns:
            DiscoveryIntervalResult: the decoded result.

        Raises:
            InvalidParamsError: an argument breaks its rule (nothing is sent).
            AuthenticationError: not authenticated, or the token expired.
            PermissionDeniedError: the role is below admin.
            MethodNotFoundError: the service does not have the call (legacy).
            CallTimeoutError: no reply within ``timeout``.
            ConnectionError: the connection failed or was lost.
            ProtocolError: the result does not fit the model.
        """
        params = methods.SET_DISCOVERY_INTERVAL.build_params(scan_interval=scan_interval)
        return self._invoke(methods.SET_DISCOVERY_INTERVAL, params, timeout)
