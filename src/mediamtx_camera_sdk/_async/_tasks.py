"""Background tasks owned by the client, not by the caller's cancel scopes.

Why not an anyio task group: a task group entered in ``connect()`` and exited
in ``disconnect()`` pins the client to the caller's cancel-scope stack, so
``with anyio.fail_after(5): await client.connect()`` (a timeout around the
connect alone) or a ``disconnect()`` from another scope corrupts it. The
client's tasks (reader, heartbeat, reconnect, handler workers) belong to the
client instead: each runs in a cancel scope of its own, as a plain asyncio task
or a trio system task (the only line that differs between the backends), and
:meth:`TaskRunner.aclose` cancels every one of them and waits until they have
ended, so nothing outlives ``disconnect()``.

Every task runs under a guard that logs an unexpected exception instead of
letting it escape: an exception escaping a trio system task would end the
whole program.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import anyio

from ._transport import running_on_asyncio

__all__ = ["TaskRunner"]

logger = logging.getLogger("mediamtx_camera_sdk")


class _Entry:
    """One task: its cancel scope, its end, its id.

    Made where no task may be running (an asyncio protocol callback), so the
    cancel scope is entered by the task itself; a cancel that comes first is
    remembered and applied there.
    """

    __slots__ = ("cancelled", "done", "handle", "scope", "task_id")

    def __init__(self, done: Any) -> None:
        self.cancelled = False
        self.scope: anyio.CancelScope | None = None
        self.done = done
        self.task_id: int | None = None
        self.handle: object = None  # asyncio keeps only weak references to its tasks

    def cancel(self) -> None:
        self.cancelled = True
        if self.scope is not None:
            self.scope.cancel()


class _Reply(asyncio.Future[None]):
    """A call's waiter on asyncio: a future that the reader, or the call's timer, sets."""

    __slots__ = ()

    def set(self) -> None:
        if not self.done():
            self.set_result(None)


class TaskRunner:
    """Starts and stops a client's background tasks, and makes its calls' waits.

    Create it inside the event loop; the backend's own primitives are chosen here.
    """

    def __init__(self) -> None:
        #: The asyncio event loop, or None on trio.
        self.loop: asyncio.AbstractEventLoop | None = None
        if running_on_asyncio():
            self.loop = asyncio.get_running_loop()
            self._call_soon: Callable[..., Any] = self.loop.call_soon_threadsafe
            self._new_event: Callable[[], Any] = asyncio.Event
            #: A call's waiter: whoever ends the call calls its ``set()``; see :meth:`wait`.
            self.new_waiter: Callable[[], Any] = partial(_Reply, loop=self.loop)
        else:
            import trio

            self._call_soon = trio.lowlevel.current_trio_token().run_sync_soon
            self._new_event = self.new_waiter = trio.Event
            self._trio_scope = trio.CancelScope
        self._tasks: set[_Entry] = set()
        self._cleanups: set[_Entry] = set()
        self._closed = False

    def __len__(self) -> int:
        return len(self._tasks)

    async def wait(self, waiter: Any, deadline: float) -> None:
        """Wait until ``waiter`` is set or ``deadline`` (``anyio.current_time()``) has come.

        The event library's own timeout: on asyncio a loop timer that sets the
        future (what ``asyncio.wait_for`` does), on trio trio's ``CancelScope``
        (anyio's wraps one, and builds two per call). Ends with the caller.
        """
        if self.loop is None:
            with self._trio_scope(deadline=deadline):
                await waiter.wait()
            return
        timer = self.loop.call_at(deadline, waiter.set)
        try:
            await waiter
        finally:
            timer.cancel()

    def start_soon(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run ``func(*args)`` in the background until it returns or :meth:`aclose`."""
        if not self._closed:
            self._spawn(self._tasks, func, args)

    def start_cleanup(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run a bounded clean-up (closing a socket) that :meth:`aclose` waits for, uncancelled."""
        self._spawn(self._cleanups, func, args)

    def cancel_soon(self) -> None:
        """Cancel every task, from any thread (a finalizer); nothing if the loop is gone.

        A cancelled reader drops its connection; nothing is awaited here.
        """

        def cancel() -> None:
            self._closed = True
            for entry in list(self._tasks):
                entry.cancel()

        with contextlib.suppress(RuntimeError):  # the loop is closed: nothing runs any more
            self._call_soon(cancel)

    def _spawn(
        self, group: set[_Entry], func: Callable[..., Awaitable[Any]], args: tuple[Any, ...]
    ) -> None:
        entry = _Entry(self._new_event())
        group.add(entry)
        name = getattr(func, "__qualname__", repr(func))
        if self.loop is not None:
            entry.handle = self.loop.create_task(self._run(group, entry, func, args), name=name)
        else:
            import trio

            trio.lowlevel.spawn_system_task(self._run, group, entry, func, args, name=name)

    @staticmethod
    async def _run(
        group: set[_Entry],
        entry: _Entry,
        func: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
    ) -> None:
        entry.task_id = anyio.get_current_task().id
        entry.scope = anyio.CancelScope()
        if entry.cancelled:
            entry.scope.cancel()
        try:
            with entry.scope:
                await func(*args)
        except Exception:
            logger.exception("background task %s failed", getattr(func, "__qualname__", func))
        finally:
            group.discard(entry)
            entry.done.set()

    async def aclose(self) -> None:
        """Cancel every task, let the clean-ups finish, wait for all (shielded from the caller).

        Called from one of these tasks (a handler that disconnects), that task
        is neither cancelled nor waited for: it goes on once this returns.
        """
        self._closed = True
        current = anyio.get_current_task().id
        with anyio.CancelScope(shield=True):
            while True:
                tasks = [entry for entry in self._tasks if entry.task_id != current]
                if not tasks and not self._cleanups:
                    return
                for entry in tasks:
                    entry.cancel()
                for entry in [*tasks, *self._cleanups]:
                    await entry.done.wait()
