"""An asyncio event loop on a daemon thread, controlled from blocking code.

The emulator and the fault proxy are asyncio servers that tests (and users)
drive from plain threads, from Jupyter, or from a trio program: each owns one
:class:`LoopThread` that runs its loop and carries its control calls over.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")

#: How long stopping waits for the thread to end (pending tasks are cancelled first).
_JOIN_TIMEOUT = 10.0


class LoopThread:
    """One asyncio loop running forever on a named daemon thread.

    Args:
        name: the thread's name (shown in thread dumps).
        owner: what runs on it, for error messages (``"the emulator"``).
    """

    def __init__(self, name: str, owner: str) -> None:
        self._name = name
        self._owner = owner
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the thread was started and not stopped."""
        return self._thread is not None

    def start(self) -> None:
        """Start the loop's thread.

        Raises:
            RuntimeError: already running.
        """
        if self._thread is not None:
            raise RuntimeError(f"{self._owner} is already running")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self._main, args=(loop,), name=self._name, daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread

    def stop(self) -> None:
        """Stop the loop (its tasks are cancelled and awaited) and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=_JOIN_TIMEOUT)
        self._loop = self._thread = None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``coro`` on the loop and wait (at most ``timeout`` seconds) for its result.

        Raises:
            RuntimeError: not running, or called from the loop's own thread
                (it would wait for itself forever).
            TimeoutError: the coroutine took longer than ``timeout``.
        """
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            coro.close()
            raise RuntimeError(f"{self._owner} is not running")
        if threading.current_thread() is thread:
            coro.close()
            raise RuntimeError(f"{self._owner}'s control methods cannot be called from its loop")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    @staticmethod
    def _main(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
