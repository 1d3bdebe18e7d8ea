"""The clients' public boundary: what a caller sees of a failure, and misuse named.

Shared by both clients, so each has only to use it:

- :func:`raises_here` makes a public method raise the SDK's errors from itself:
  a traceback shows the caller's line, the method and the exception, not the
  client's internal frames (the flows, the driver, the wait for the reply).
  The cause chain (``__cause__``) is kept: a ConnectionError caused by an
  OSError still says so.
- :func:`is_async_callable` and :func:`blocks_running_loop` tell what the
  blocking client refuses (async handlers and token providers) and warns about
  (blocking a running event loop from inside a coroutine or a loop callback).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, Final, TypeVar, cast

from .errors import CameraServiceError, InvalidParamsError, ValidationError

__all__ = [
    "blocks_running_loop",
    "caller_stacklevel",
    "discard_awaitable",
    "is_async_callable",
    "not_sync",
    "raises_here",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Code flags of a frame that runs a coroutine or an async generator.
_ASYNC_FRAME: Final = (
    inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE | inspect.CO_ASYNC_GENERATOR
)
_PACKAGE: Final = __name__.rpartition(".")[0] + "."
#: Packages whose coroutines run a notebook's cells (the cell's code itself is synchronous).
_NOTEBOOK_RUNNERS: Final = frozenset({"IPython", "ipykernel"})


def raises_here(func: F) -> F:
    """Raise the SDK errors of the public method ``func`` (of a client) from ``func`` itself.

    The exception goes through the client's ``_public_error`` (which may add a
    hint) and loses the frames below the method; ``__cause__`` stays. A blocking
    method first lets the client check its thread (``_check_thread``).
    """
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def boundary(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return await func(self, *args, **kwargs)
            except CameraServiceError as exc:
                raise self._public_error(exc)  # noqa: B904 - exc itself, its chain kept

        return cast(F, boundary)

    @functools.wraps(func)
    def sync_boundary(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._check_thread()  # the blocking client warns about stalling a running loop
        try:
            return func(self, *args, **kwargs)
        except CameraServiceError as exc:
            raise self._public_error(exc)  # noqa: B904 - exc itself, its chain kept

    return cast(F, sync_boundary)


def is_async_callable(func: object) -> bool:
    """True for a coroutine function, a ``functools.partial`` of one, or an object
    whose ``__call__`` is one (what only the async client can run)."""
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - callable objects with async __call__
    )


def discard_awaitable(value: object) -> None:
    """Close a coroutine nobody will await (else Python warns that it never ran)."""
    close = getattr(value, "close", None)
    if inspect.iscoroutine(value) and callable(close):
        close()


def not_sync(what: str, param: str) -> InvalidParamsError:
    """The error for an async callable given to the blocking client."""
    return ValidationError(
        f"{what} is async (or returned an awaitable): SyncCameraClient needs a plain (sync) "
        "callable; use CameraClient for async callables",
        data={"param": param, "rule": "a sync callable"},
    )


def blocks_running_loop() -> bool:
    """True when a blocking call made now would stall an event loop of this thread.

    That is: an asyncio loop (or trio) runs in the calling thread and the call
    comes from inside one of its coroutines or callbacks. A notebook cell is not
    such a call: Jupyter runs its loop on the same thread, but a cell's code is
    synchronous (the loop is busy with it whatever it does), so the blocking
    client is the right one there and nothing is said.
    """
    if not (_in_asyncio() or _in_trio()):
        return False
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_flags & _ASYNC_FRAME:
            # The nearest coroutine decides: a notebook's cell runner, or an
            # IPython cell with a top-level await (compiled as a "<module>"), is
            # not; any other coroutine is the caller's async code.
            module = str(frame.f_globals.get("__name__", "")).split(".")[0]
            return not (module in _NOTEBOOK_RUNNERS or code.co_name == "<module>")
        frame = frame.f_back
    return True  # no coroutine on the stack: a loop callback


def _in_asyncio() -> bool:
    asyncio = sys.modules.get("asyncio")  # (never imported here: then no loop runs)
    try:
        return asyncio is not None and asyncio.get_running_loop() is not None
    except (RuntimeError, AttributeError):  # no loop; or asyncio is being imported
        return False


def _in_trio() -> bool:
    lowlevel = sys.modules.get("trio.lowlevel")
    try:
        return lowlevel is not None and lowlevel.current_task() is not None
    except (RuntimeError, AttributeError):  # not in trio; or trio is being imported
        return False


def caller_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the application's line.

    Counted from the function calling ``warnings.warn``: every frame of the SDK
    above it is skipped.
    """
    level = 2  # the warning's caller, then its caller
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(_PACKAGE):
        level += 1
        frame = frame.f_back
    return level
