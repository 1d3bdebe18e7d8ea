"""Background tasks owned by the client, not by the caller's cancel scopes.

Why not an anyio task group: a task group entered in ``connect()`` and exited
in ``disconnect()`` pins the client to the caller's cancel-scope stack, so
``with anyio.fail_after(5): await client.connect()`` (a timeout around the
connect alone) or a ``disconnect()`` from another scope corrupts it. The
client's tasks (reader, heartbeat, reconnect, handler
workers) belong to the client instead: on asyncio they are plain tasks, on
trio system tasks, and :meth:`TaskRunner.aclose` cancels every one of them
and waits until they have ended, so nothing outlives ``disconnect()``.

Every task runs under a guard that logs an unexpected exception instead of
letting it escape: an exception escaping a trio system task would end the
whole program.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from ._transport import running_on_asyncio

__all__ = ["TaskRunner"]

logger = logging.getLogger("mediamtx_camera_sdk")


class _TrioEntry:
    __slots__ = ("done", "scope", "task")

    def __init__(self) -> None:
        import trio

        # Created now, entered when the task starts: cancelling it earlier
        # cancels the task as soon as it begins.
        self.scope = trio.CancelScope()
        self.done = trio.Event()
        self.task: object = None


class TaskRunner:
    """Starts and stops a client's background tasks on asyncio or trio.

    Create it inside the event loop (``connect()`` does).
    """

    def __init__(self) -> None:
        self._asyncio = running_on_asyncio()
        # For cancel_soon(): the loop (asyncio) or the run's token (trio).
        self._loop: Any
        if self._asyncio:
            import asyncio

            self._loop = asyncio.get_running_loop()
        else:
            import trio

            self._loop = trio.lowlevel.current_trio_token()
        self._tasks: set[Any] = set()
        self._cleanups: set[Any] = set()
        self._closed = False

    def __len__(self) -> int:
        return len(self._tasks)

    def start_soon(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run ``func(*args)`` in the background until it returns or :meth:`aclose`."""
        if not self._closed:
            self._spawn(self._tasks, func, args)

    def cancel_soon(self) -> None:
        """Cancel every task, from any thread (a finalizer); nothing if the loop is gone.

        A cancelled reader drops its connection; nothing is awaited here.
        """

        def cancel() -> None:
            self._closed = True
            for task in list(self._tasks):
                if self._asyncio:
                    task.cancel()
                else:
                    task.scope.cancel()

        schedule = self._loop.call_soon_threadsafe if self._asyncio else self._loop.run_sync_soon
        with contextlib.suppress(RuntimeError):  # the loop is closed: nothing runs any more
            schedule(cancel)

    def start_cleanup(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run a bounded clean-up (closing a socket) that :meth:`aclose` waits for, uncancelled."""
        self._spawn(self._cleanups, func, args)

    def _spawn(
        self, group: set[Any], func: Callable[..., Awaitable[Any]], args: tuple[Any, ...]
    ) -> None:
        name = getattr(func, "__qualname__", repr(func))
        if self._asyncio:
            import asyncio

            task = asyncio.get_running_loop().create_task(self._guard(func, args), name=name)
            group.add(task)
            task.add_done_callback(group.discard)
        else:
            import trio

            entry = _TrioEntry()
            group.add(entry)
            trio.lowlevel.spawn_system_task(self._run_trio, group, entry, func, args, name=name)

    async def _run_trio(
        self,
        group: set[Any],
        entry: _TrioEntry,
        func: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
    ) -> None:
        import trio

        entry.task = trio.lowlevel.current_task()
        try:
            with entry.scope:
                await self._guard(func, args)
        finally:
            group.discard(entry)
            entry.done.set()

    @staticmethod
    async def _guard(func: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> None:
        try:
            await func(*args)
        except anyio.get_cancelled_exc_class():
            raise
        except Exception:
            logger.exception("background task %s failed", getattr(func, "__qualname__", func))

    async def aclose(self) -> None:
        """Cancel every task, let the clean-ups finish, wait for all (shielded from the caller).

        Called from one of these tasks (a handler that disconnects), that task
        is neither cancelled nor waited for: it goes on once this returns.
        """
        self._closed = True
        with anyio.CancelScope(shield=True):
            while True:
                tasks = [t for t in self._tasks if not self._is_current(t)]
                if not tasks and not self._cleanups:
                    return
                await self._end(tasks, self._tasks, cancel=True)
                await self._end(list(self._cleanups), self._cleanups, cancel=False)

    def _is_current(self, entry: Any) -> bool:
        if self._asyncio:
            import asyncio

            return entry is asyncio.current_task()
        import trio

        return bool(entry.task is trio.lowlevel.current_task())

    async def _end(self, tasks: list[Any], group: set[Any], *, cancel: bool) -> None:
        if self._asyncio:
            import asyncio

            if cancel:
                for task in tasks:
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            group.difference_update(tasks)
        else:
            if cancel:
                for entry in tasks:
                    entry.scope.cancel()
            for entry in tasks:
                await entry.done.wait()
