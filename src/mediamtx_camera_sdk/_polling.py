"""Event polling, free of I/O: camera-list snapshots in, synthetic notifications out.

The current generation of the service never pushes a notification. With
``poll_interval`` set, each client runs :func:`poll_flow` while connected: it
asks for ``get_camera_list`` every interval and turns the difference between
two lists into ``camera_status_update`` notifications, marked
``synthesized=True``, which the client delivers exactly like pushed ones
(handlers, the ``on_camera_status_update`` hook, ``events()`` iterators).

What a list can show, and so what is reported (the params are the camera's
entry as listed, the shape of a pushed ``camera_status_update``):

- a camera that appears (plugged in): its entry;
- a camera that is no longer listed (unplugged; the current service leaves
  those out): ``{"device": ..., "status": "DISCONNECTED"}``, unless it was
  already listed as disconnected;
- a camera whose status, name, resolution, frame rate, stream URLs or
  formats changed: its new entry.

Recordings are not shown by any camera list (nor by ``get_camera_status``),
so no ``recording_status_update`` is made up here.

The first list is read while connecting (before ``connect()`` returns), so
every change after it is reported. The snapshot outlives reconnects: the list
read after a reconnect is compared with the last one before the drop, so a
camera unplugged during the outage is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Final

from ._flows import Call, Emit, Flow, Sleep
from .errors import ClientClosedError, ConnectionError
from .methods import METHODS
from .models import CameraInfo, CameraStatus
from .protocol import Notification

__all__ = ["CameraPoller", "baseline_flow", "camera_changes", "poll_flow"]

logger = logging.getLogger("mediamtx_camera_sdk")

METHOD: Final = "get_camera_list"
EVENT: Final = "camera_status_update"


def _visible(camera: CameraInfo) -> tuple[Any, ...]:
    """What of a camera a change is reported for (not its metrics, which move all the time)."""
    return (
        str(camera.status),
        camera.name,
        camera.resolution,
        camera.fps,
        camera.streams,
        camera.stream_url,
        tuple(camera.formats),
        tuple(camera.resolutions),
    )


def _event(params: dict[str, Any]) -> Notification:
    return Notification(EVENT, params, synthesized=True)


def camera_changes(
    before: dict[str, CameraInfo], after: dict[str, CameraInfo]
) -> list[Notification]:
    """The ``camera_status_update`` events that turn list ``before`` into list ``after``.

    Both map a device to its camera. New and changed cameras come first, in
    ``after``'s order, then the cameras no longer listed, in ``before``'s.
    """
    events = [
        _event(dict(camera.raw) or {"device": device, "status": str(camera.status)})
        for device, camera in after.items()
        if device not in before or _visible(before[device]) != _visible(camera)
    ]
    events.extend(
        _event({"device": device, "status": CameraStatus.DISCONNECTED.value})
        for device, camera in before.items()
        if device not in after and str(camera.status) != CameraStatus.DISCONNECTED.value
    )
    return events


class CameraPoller:
    """The last camera list seen by polling, and the events each new list brings.

    Attributes:
        snapshot: device -> camera of the last list, or None before the first.
    """

    __slots__ = ("snapshot",)

    def __init__(self) -> None:
        self.snapshot: dict[str, CameraInfo] | None = None

    def update(self, cameras: Iterable[CameraInfo]) -> list[Notification]:
        """Adopt a fresh list; the events since the previous one (none for the first)."""
        fresh = {camera.device_path: camera for camera in cameras}
        before, self.snapshot = self.snapshot, fresh
        return [] if before is None else camera_changes(before, fresh)


def baseline_flow(poller: CameraPoller, timeout: float) -> Flow:
    """While connecting: read the first list, so that every change after ``connect()`` counts.

    A lost connection fails the connect attempt (which is retried); any other
    failure is logged at DEBUG and leaves the baseline to the first poll.
    """
    poller.snapshot = None
    try:
        poller.update(METHODS[METHOD].decode_result((yield Call(METHOD, None, timeout))))
    except ConnectionError:
        raise
    except Exception as exc:
        logger.debug("the first %s for polling failed: %s", METHOD, exc)
    return None


def poll_flow(poller: CameraPoller, interval: float, fetch: Callable[[], Flow]) -> Flow:
    """Poll the camera list every ``interval`` seconds until the client is closed.

    ``fetch()`` is the flow of one ``get_camera_list`` call (with the client's
    re-authentication and rate-limit policies). The list is compared with the
    poller's snapshot (taken while connecting by :func:`baseline_flow`; without
    one, the first list is the baseline and brings no events). A failed poll (a
    timeout, a dropped connection, a refusal, a result that does not decode)
    is logged at DEBUG and tried again an interval later: the flow never
    raises. It ends when the client is disconnected (the driver's call or sleep
    raises ClientClosedError, or the driver cancels it).
    """
    decode = METHODS[METHOD].decode_result
    try:
        while True:
            yield Sleep(interval)
            try:
                cameras = decode((yield from fetch()))
            except ClientClosedError:
                raise
            except Exception as exc:
                logger.debug("polling %s failed (next try in %g s): %s", METHOD, interval, exc)
            else:
                for event in poller.update(cameras):
                    yield Emit(event)
    except ClientClosedError:
        return None
