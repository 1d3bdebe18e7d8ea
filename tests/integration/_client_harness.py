"""The client scenario harness: one scenario list, run through both clients and both dialects.

Every scenario in this folder is an ``async def`` test that runs on both anyio
backends (asyncio and trio), against the camera-service emulator in each
dialect it applies to, and through each client:

* ``async``: :class:`~mediamtx_camera_sdk.CameraClient`, awaited directly;
* ``sync``: ``SyncCameraClient``, whose blocking calls the harness runs in
  worker threads (``anyio.to_thread.run_sync``), so the very same scenario code
  drives it.

The wrapper is :class:`ClientHarness`, made by the ``make_client`` fixture
(``conftest.py``). A method that is a coroutine function on ``CameraClient``
is awaited (async client) or run in a worker thread (sync client); everything
else (properties, ``on``, the seed's ``on_*`` hook attributes) is passed
through. ``events()`` and ``iter_recordings()``/``iter_snapshots()`` become
async iterators for both clients. ``map_calls()`` spreads many calls over
concurrent callers: tasks for the async client, threads calling the blocking
client directly for the sync one.

Scenarios import this module by name (``from _client_harness import ...``):
pytest's default "prepend" import mode puts this folder on ``sys.path``.

While ``SyncCameraClient`` does not exist yet (``_sync/client.py`` is absent),
its runs are reported as skipped with that reason (visible in the ``-ra``
summary); once the module exists, every scenario runs for it and an import
error fails the suite instead of skipping.

Waiting: scenarios wait on events with a timeout (:class:`Recorder`, the event
iterators under ``anyio.fail_after``). Only where the SDK offers nothing to wait
on (how many calls are in flight, what the emulator received) does
:func:`eventually` re-check a condition until it holds or times out.

Secrets: every token and API key the emulators hand out is remembered; after
each scenario, no log record of the SDK's side (captured at DEBUG), no exception
that went through the harness and no client ``repr`` may contain one.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import anyio.to_thread
import pytest

from mediamtx_camera_sdk import CameraClient, CameraServiceError

# 40 bytes: PyJWT warns about HS256 keys shorter than 32 bytes (and warnings are errors).
JWT_SECRET = "integration-tests-secret-0123456789abcdef"

#: Loggers of the client side whose records must never carry a credential.
#: (The emulator's own loggers are the server side: it legitimately sees tokens.)
CLIENT_LOGGERS = ("mediamtx_camera_sdk", "websockets.client", "websocket", "httpx", "httpcore")
SERVER_LOGGERS = ("mediamtx_camera_sdk.testing", "websockets.server")

#: Defaults that keep scenarios fast: short timeouts, near-instant reconnects.
FAST_CLIENT_SETTINGS: dict[str, Any] = {
    "timeout": 5.0,
    "retry_delay": 0.01,
    "max_retry_delay": 0.05,
    "open_timeout": 5.0,
}

_SYNC_MODULE = "mediamtx_camera_sdk._sync.client"


def _sync_client_class() -> type[Any] | None:
    """``SyncCameraClient`` once its module exists (import errors then fail loudly)."""
    if importlib.util.find_spec(_SYNC_MODULE) is None:
        return None
    module = importlib.import_module(_SYNC_MODULE)
    cls: type[Any] = module.SyncCameraClient
    return cls


SYNC_CLIENT = _sync_client_class()

CLIENT_KINDS = [
    pytest.param("async", id="async"),
    pytest.param(
        "sync",
        id="sync",
        marks=()
        if SYNC_CLIENT is not None
        else pytest.mark.skip(
            reason="SyncCameraClient not written yet (no mediamtx_camera_sdk/_sync/client.py): "
            "this scenario will run for it as soon as the module exists"
        ),
    ),
]


# ----------------------------------------------------------------------------- waiting


async def eventually(
    predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition"
) -> Any:
    """Re-check ``predicate`` until it returns a truthy value; fail after ``timeout`` s.

    For states nothing signals (calls in flight, frames the emulator received).
    The short pause between checks only yields to the threads doing the work.
    """
    with anyio.move_on_after(timeout):
        while True:
            value = predicate()
            if value:
                return value
            await anyio.sleep(0.002)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


class Recorder:
    """A thread-safe callable that records what it is called with, and can be waited on.

    Usable as a handler or hook of either client (it may be called from the event
    loop, from a worker thread or from the sync client's dispatcher thread).
    Each call records its single argument (or ``None`` without arguments, or the
    tuple of arguments).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.items: list[Any] = []
        self.threads: set[str] = set()

    def __call__(self, *args: Any) -> None:
        item = args[0] if len(args) == 1 else (args or None)
        with self._cond:
            self.items.append(item)
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()

    def snapshot(self) -> list[Any]:
        with self._cond:
            return list(self.items)

    def matching(self, predicate: Callable[[Any], bool]) -> list[Any]:
        return [item for item in self.snapshot() if predicate(item)]

    async def wait_for(
        self,
        predicate: Callable[[Any], bool] = lambda item: True,
        *,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Any]:
        """Wait until ``count`` recorded items satisfy ``predicate``; return them."""

        def found() -> list[Any]:
            return [item for item in self.items if predicate(item)]

        def blocking() -> bool:
            with self._cond:
                return self._cond.wait_for(lambda: len(found()) >= count, timeout)

        ok = await anyio.to_thread.run_sync(blocking, abandon_on_cancel=True)
        if not ok:
            pytest.fail(
                f"timed out after {timeout} s waiting for {count} matching item(s); "
                f"recorded: {self.snapshot()!r}"
            )
        with self._cond:
            return found()


# ------------------------------------------------------------------------- secrets


class SecretRegistry:
    """Every credential handed out during a test, to check that none leaks."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, value: str) -> str:
        self.values.add(value)
        return value

    def check(self, text: str, where: str) -> None:
        for secret in self.values:
            if secret and secret in text:
                pytest.fail(f"a credential leaked into {where}: {text!r}")

    def check_exception(self, exc: BaseException, where: str) -> None:
        seen: set[int] = set()
        current: BaseException | None = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            self.check(str(current), f"{where} (str of {type(current).__name__})")
            self.check(repr(current), f"{where} (repr of {type(current).__name__})")
            current = current.__cause__ or current.__context__


# ------------------------------------------------------------------------- harness


class EventIterator:
    """``client.events(...)`` as an async iterator, whichever the client."""

    def __init__(self, harness: ClientHarness, stream: Any) -> None:
        self._harness = harness
        self.stream = stream
        self._iterator = stream if harness.is_async else iter(stream)

    def __aiter__(self) -> EventIterator:
        return self

    async def __anext__(self) -> Any:
        if self._harness.is_async:
            return await self._iterator.__anext__()
        sentinel = object()
        item = await self._harness._in_thread(next, self._iterator, sentinel)
        if item is sentinel:
            raise StopAsyncIteration
        return item

    async def next_matching(
        self, predicate: Callable[[Any], bool] = lambda event: True, timeout: float = 5.0
    ) -> Any:
        """The next event satisfying ``predicate`` (others are consumed and skipped)."""
        with anyio.fail_after(timeout):
            async for event in self:
                if predicate(event):
                    return event
        pytest.fail("the event iterator ended before a matching event arrived")

    async def take(self, count: int, timeout: float = 5.0) -> list[Any]:
        """The next ``count`` events."""
        events = []
        with anyio.fail_after(timeout):
            async for event in self:
                events.append(event)
                if len(events) == count:
                    return events
        pytest.fail(f"the event iterator ended after {len(events)} of {count} events")

    async def aclose(self) -> None:
        close = getattr(self.stream, "aclose", None)
        if close is not None and inspect.iscoroutinefunction(close):
            await close()
            return
        close = getattr(self.stream, "close", None)
        if close is not None:
            close()


class ClientHarness:
    """One client of either kind behind one async interface (see the module docstring)."""

    def __init__(self, kind: str, raw: Any, secrets: SecretRegistry) -> None:
        self.__dict__.update(
            kind=kind,
            raw=raw,
            is_async=kind == "async",
            _secrets=secrets,
            # Blocking calls of the sync client run here; 200 threads let the
            # drop scenario keep 100 calls in flight at once.
            _limiter=anyio.CapacityLimiter(200),
            _busy=threading.Condition(),
            _busy_count=0,
        )

    # -- blocking calls

    async def _in_thread(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # "started": the thread runs func; "dropped": the caller was cancelled before
        # that, so the thread must not run it. Both under self._busy.
        state = {"started": False, "dropped": False}

        def done() -> None:
            self.__dict__["_busy_count"] -= 1
            self._busy.notify_all()

        def run() -> Any:
            with self._busy:
                if state["dropped"]:
                    return None
                state["started"] = True
            try:
                return func(*args, **kwargs)
            finally:
                with self._busy:
                    done()

        with self._busy:
            self.__dict__["_busy_count"] += 1
        try:
            return await anyio.to_thread.run_sync(
                run, abandon_on_cancel=True, limiter=self._limiter
            )
        finally:
            with self._busy:
                if not state["started"] and not state["dropped"]:
                    state["dropped"] = True
                    done()

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until no blocking call of this harness is still running in a thread.

        A cancelled scope abandons the thread of a sync call (a blocking call
        cannot be interrupted); that call still ends by itself, by its timeout.
        """
        if self.is_async:
            return

        def blocking() -> bool:
            with self._busy:
                return self._busy.wait_for(lambda: self._busy_count == 0, timeout)

        if not await anyio.to_thread.run_sync(blocking, abandon_on_cancel=True):
            pytest.fail(f"blocking calls still running after {timeout} s")

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        secrets = self._secrets

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                if self.is_async:
                    return await method(*args, **kwargs)
                return await self._in_thread(method, *args, **kwargs)
            except CameraServiceError as exc:
                secrets.check_exception(exc, f"the exception of {name}()")
                raise

        return call

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.raw, name)
        if name == "events":
            return lambda *a, **kw: EventIterator(self, attribute(*a, **kw))
        if name in ("iter_recordings", "iter_snapshots"):
            return lambda **kw: self._iterate(attribute(**kw))
        if callable(attribute) and inspect.iscoroutinefunction(getattr(CameraClient, name, None)):
            return self._wrap(name, attribute)
        return attribute

    def __setattr__(self, name: str, value: Any) -> None:
        # The seed's hooks (on_camera_status_update, ...) live on the client.
        setattr(self.raw, name, value)

    async def _iterate(self, iterator: Any) -> AsyncIterator[Any]:
        if self.is_async:
            async for item in iterator:
                yield item
            return
        sentinel = object()
        iterator = iter(iterator)
        while True:
            item = await self._in_thread(next, iterator, sentinel)
            if item is sentinel:
                return
            yield item

    async def map_calls(
        self, method: str, arguments: list[tuple[Any, ...]], callers: int
    ) -> list[Any]:
        """Call ``method`` once per argument tuple, from ``callers`` concurrent callers.

        Caller ``i`` makes calls ``i, i + callers, ...`` one after the other: a task
        each for the async client, a thread each for the sync client (calling the
        blocking method directly, as a threaded application would). Returns one
        outcome per call, in order: its result, or the exception it raised.
        """
        outcomes: list[Any] = [None] * len(arguments)
        blocking = getattr(self.raw, method)

        async def async_caller(first: int) -> None:
            for n in range(first, len(arguments), callers):
                try:
                    outcomes[n] = await blocking(*arguments[n])
                except CameraServiceError as exc:
                    outcomes[n] = exc

        def thread_caller(first: int) -> None:
            for n in range(first, len(arguments), callers):
                try:
                    outcomes[n] = blocking(*arguments[n])
                except CameraServiceError as exc:
                    outcomes[n] = exc

        async with anyio.create_task_group() as tg:
            for first in range(callers):
                if self.is_async:
                    tg.start_soon(async_caller, first)
                else:
                    tg.start_soon(self._in_thread, thread_caller, first)
        for outcome in outcomes:
            if isinstance(outcome, CameraServiceError):
                self._secrets.check_exception(outcome, f"the exception of {method}()")
        return outcomes

    # -- lifecycle

    async def __aenter__(self) -> ClientHarness:
        await self._wrap("connect", self.raw.connect)()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._wrap("disconnect", self.raw.disconnect)()
        await self.settle()

    @property
    def pending_count(self) -> int:
        """Calls the client's protocol core still waits for."""
        return int(self.raw._protocol.pending_count)

    def __repr__(self) -> str:
        return f"<ClientHarness {self.kind} {self.raw!r}>"
