"""I/O-free event plumbing shared by both clients: filters, handlers, buffers, caches.

Nothing here waits or locks: the async client wraps an :class:`EventBuffer` with an
anyio event, the sync client with a ``threading.Condition``. Handler *invocation*
(tasks or threads) is the clients' job; deciding *which* handlers get *what* is here.
:class:`EventStreamBase` and :class:`HandlerQueue` hold what both clients' event
iterators and handler workers share; each client adds only its wake-up (through
``_guard`` and ``_wake``) and the waiting itself.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Final

from ._flows import EVENT_DROPPED
from .errors import ValidationError
from .protocol import Notification

__all__ = [
    "HANDLER_DROP",
    "CameraCache",
    "EventBuffer",
    "EventFilter",
    "EventStreamBase",
    "HandlerQueue",
    "HandlerRegistry",
    "RecordingTracker",
    "handler_queue",
]

logger = logging.getLogger("mediamtx_camera_sdk")

#: Events a consumer must always learn about, whatever its filter: without
#: them it cannot know that its picture of the cameras may be stale.
ALWAYS_DELIVERED: Final = frozenset({"sdk.events_missed", "sdk.events_dropped"})


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name or name.strip() != name:
        raise ValidationError(
            f"event names are non-empty strings, got {name!r}",
            code=-32602,
            data={"param": "name", "rule": "non-empty string"},
        )
    return name


class EventFilter:
    """Which events a consumer wants.

    ``names``: exact notification names (``camera_status_update``,
    ``recording.start``, ``sdk.reconnected``) or a prefix pattern ending in ``*``
    (``camera.*``, ``*`` for everything). No names means everything. ``device``:
    only events whose params name that device (``device`` field). SDK warnings
    about missed or dropped events are always delivered.
    """

    __slots__ = ("_all", "_device", "_exact", "_prefixes")

    def __init__(self, names: Iterable[str] = (), device: str | None = None) -> None:
        exact: set[str] = set()
        prefixes: list[str] = []
        for raw in names:
            name = _check_name(raw)
            if name.endswith("*"):
                prefixes.append(name[:-1])
            else:
                exact.add(name)
        self._exact = frozenset(exact)
        self._prefixes = tuple(prefixes)
        self._all = (not exact and not prefixes) or "" in self._prefixes
        self._device = device

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        """True when an event with this name and params passes the filter."""
        if method in ALWAYS_DELIVERED:
            return True
        if not (
            self._all or method in self._exact or any(method.startswith(p) for p in self._prefixes)
        ):
            return False
        return self._device is None or params.get("device") == self._device


class EventBuffer:
    """A bounded FIFO for one event iterator.

    Policy when the consumer falls behind: the *oldest* event is dropped (the
    newest state is the most useful), the drop is counted in :attr:`dropped`,
    and a single ``sdk.events_dropped`` marker (made by ``marker(count)``) is
    queued so the consumer is told, in order, how many events it lost.
    """

    __slots__ = ("_items", "_make_marker", "_pending_drops", "dropped", "maxlen")

    def __init__(self, maxlen: int, marker: Callable[[int], Any]) -> None:
        self.maxlen = max(1, maxlen)
        self._items: deque[Any] = deque()
        self._make_marker = marker
        self._pending_drops = 0
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items) + (1 if self._pending_drops else 0)

    def push(self, event: Any) -> None:
        """Queue ``event``, dropping the oldest one if the buffer is full."""
        if len(self._items) >= self.maxlen:
            self._items.popleft()
            self.dropped += 1
            if not self._pending_drops:
                logger.warning(
                    "event consumer fell behind (buffer of %d); dropping oldest events",
                    self.maxlen,
                )
            self._pending_drops += 1
        self._items.append(event)

    def pop(self) -> Any | None:
        """The next event (a drop marker first if events were dropped), or None if empty."""
        if self._pending_drops:
            count, self._pending_drops = self._pending_drops, 0
            return self._make_marker(count)
        if self._items:
            return self._items.popleft()
        return None


#: What a handler's queue yields where it dropped events (the drop is logged by
#: the buffer; a handler worker skips it).
HANDLER_DROP: Final = object()


def handler_queue(maxlen: int) -> EventBuffer:
    """The bounded queue of one handler: (handler, argument) items, oldest dropped first."""
    return EventBuffer(maxlen, lambda count: HANDLER_DROP)


def _dropped_marker(count: int) -> Notification:
    """The ``sdk.events_dropped`` event an iterator gets where it lost ``count`` events."""
    return Notification(EVENT_DROPPED, {"count": count})


class EventStreamBase:
    """What both clients' event iterators share: the filter, the buffer, the end.

    Each flavour adds its wake-up: ``_guard`` (held around the buffer: nothing
    in the async client, whose tasks share one thread; the condition its
    consumers wait on in the sync client), :meth:`_wake`, and the iteration.
    """

    _guard: AbstractContextManager[Any] = contextlib.nullcontext()

    def __init__(self, client: Any, flt: EventFilter, maxlen: int, timeout: float | None) -> None:
        self._client = client
        self._filter = flt
        self._timeout = timeout
        self._buffer = EventBuffer(maxlen, _dropped_marker)
        self._ended = False
        self._start()

    @property
    def dropped(self) -> int:
        """How many events were dropped because this consumer fell behind."""
        return self._buffer.dropped

    def _start(self) -> None:
        """Make the flavour's wake-up (called by the constructor)."""

    def _wake(self, everyone: bool) -> None:
        """Wake a waiting consumer (``everyone``: all of them); ``_guard`` is held."""
        raise NotImplementedError

    def _push(self, *events: Notification) -> None:
        """Buffer those of ``events`` that pass the filter; wake consumers once for all of them."""
        matched = [e for e in events if self._filter.matches(e.method, e.params)]
        if matched:
            with self._guard:
                for event in matched:
                    self._buffer.push(event)
                self._wake(len(matched) > 1)

    def _end(self) -> None:
        with self._guard:
            self._ended = True
            self._wake(True)


class HandlerQueue:
    """What both clients' handler workers share: one handler's queue, and retiring.

    Each worker (a task or a thread) adds its wake-up, as :class:`EventStreamBase`
    does, and runs the queued (handler, argument) items in order.
    """

    _guard: AbstractContextManager[Any] = contextlib.nullcontext()

    def __init__(self, maxlen: int) -> None:
        self.queue = handler_queue(maxlen)
        self.retired = False  # off(): end once the queued events are done
        self._start()

    def _start(self) -> None:
        """Make the worker's wake-up (called by the constructor)."""

    def _wake(self) -> None:
        """Wake the worker; ``_guard`` is held."""
        raise NotImplementedError

    def push(self, handler: Callable[..., Any], argument: Any) -> None:
        with self._guard:
            self.queue.push((handler, argument))
            self._wake()

    def retire(self) -> None:
        """End the worker once the queued events are done."""
        with self._guard:
            self.retired = True
            self._wake()


class HandlerRegistry:
    """Handlers registered with ``on(name, handler)``; ``"*"`` and ``"prefix.*"`` allowed."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[tuple[EventFilter, str, Callable[..., Any]]] = []

    def add(self, name: str, handler: Callable[..., Any]) -> None:
        """Register ``handler`` for events named ``name``."""
        if not callable(handler):
            raise ValidationError(
                f"handler must be callable, got {type(handler).__name__}",
                code=-32602,
                data={"param": "handler", "rule": "callable"},
            )
        self._entries.append((EventFilter([name]), name, handler))

    def remove(self, name: str, handler: Callable[..., Any] | None = None) -> int:
        """Unregister ``handler`` (or every handler) for ``name``; returns how many were removed."""
        before = len(self._entries)
        self._entries = [
            e for e in self._entries if not (e[1] == name and (handler is None or e[2] == handler))
        ]
        return before - len(self._entries)

    def callables(self) -> list[Callable[..., Any]]:
        """Every registered handler (once per registration)."""
        return [entry[2] for entry in self._entries]

    def handlers_for(self, method: str, params: Mapping[str, Any]) -> list[Callable[..., Any]]:
        """Handlers to call for this event, in registration order.

        Handlers registered for a pattern do not get the always-delivered SDK
        warnings unless they asked for them by name (or ``"*"``).
        """
        found = []
        for flt, name, handler in self._entries:
            if method in ALWAYS_DELIVERED and name not in (method, "*", "sdk.*"):
                continue
            if flt.matches(method, params):
                found.append(handler)
        return found

    def __len__(self) -> int:
        return len(self._entries)


class CameraCache:
    """The client's last known status of every camera, to resync after a reconnect.

    Fed by every camera list and camera status the client sees (results and
    notifications). After a reconnect, :meth:`changes` compares the fresh list
    with what was known and says which cameras changed while disconnected.
    """

    __slots__ = ("_complete", "_status")

    def __init__(self) -> None:
        self._status: dict[str, str] = {}
        # Whether the cache holds a complete camera list (a get_camera_list
        # result), or only the cameras notifications and status calls named.
        self._complete = False

    def __len__(self) -> int:
        return len(self._status)

    def status(self, device: str) -> str | None:
        """The last known status of ``device``."""
        return self._status.get(device)

    def update(self, device: str, status: str) -> None:
        """Record the status of one camera."""
        self._status[device] = status

    def replace(self, cameras: dict[str, str]) -> None:
        """Record a complete list: device -> status (the cache keeps the dict given)."""
        self._status = cameras
        self._complete = True

    def changes(self, cameras: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
        """Compare a fresh complete list with the cache, then adopt it.

        Returns ``(changed, vanished)``. With a complete list known before:
        devices that are new or whose status differs, and devices that are no
        longer listed. With only some cameras known (from notifications or
        status calls): those of them whose status differs, since nothing can be
        said of the others. Knowing nothing: nothing is reported.
        """
        fresh = dict(cameras)
        # dict() copies in one step: the sync client's reader thread may add a
        # camera (a notification) while the reconnect thread resyncs.
        known = dict(self._status)
        if self._complete:
            changed = [d for d, s in fresh.items() if known.get(d) != s]
            vanished = [d for d in known if d not in fresh]
        else:
            changed = [d for d, s in fresh.items() if d in known and known[d] != s]
            vanished = []
        self._status = fresh
        self._complete = True
        return changed, vanished


class RecordingTracker:
    """What the client knows of recordings in progress, per camera.

    No service has a "recording status" call: the SDK answers
    ``get_recording_status(device)`` from the results of ``start_recording`` /
    ``stop_recording`` made through this client and from recording
    notifications. Freshness: as fresh as the last such result or notification
    this client saw (notifications keep it current while connected; after a
    reconnect the SDK cannot know what happened meanwhile).
    """

    __slots__ = ("_by_device",)

    def __init__(self) -> None:
        self._by_device: dict[str, Any] = {}

    def record(self, device: str, info: Any) -> None:
        """Remember the latest recording info (a ``RecordingInfo``) for ``device``."""
        self._by_device[device] = info

    def get(self, device: str) -> Any | None:
        """The latest recording info known for ``device``, or None."""
        return self._by_device.get(device)

    def devices(self) -> list[str]:
        """Devices with a known recording state."""
        return list(self._by_device)
