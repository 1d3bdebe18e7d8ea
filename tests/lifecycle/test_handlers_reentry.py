"""Event handlers and the lifecycle (issue 15, points 2, 7, 8 and 11).

2. ``disconnect()`` and ``connect()`` work from inside any handler (async or
   plain) on every client: the handler resumes and finishes, the test (the
   program) ends; "on the final ``sdk.connection_lost``, start over with
   ``connect()``" works.
7. Plain handlers of the async client do not use anyio's default thread
   limiter, and ``disconnect()`` under ``move_on_after(2)`` returns in about
   2 s even while a handler blocks for 10 s.
8. 100 ``on()``/``off()`` pairs leave no thread and no task behind.
11. ``on_connection_lost`` fires once per outage; giving up is its own signal
    (the final ``sdk.connection_lost``).

A plain handler of the async client reaches the async API the anyio way,
``anyio.from_thread.run(...)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import pytest
from _client_harness import Recorder
from _lifecycle import HANG, Stopwatch, sdk_tasks, sdk_threads, wait_until

pytestmark = pytest.mark.anyio

#: A notification nobody else sends: the trigger of the handlers under test.
TRIGGER = "lifecycle.trigger"

#: (client kind, handler style): every handler style each client supports.
STYLES = [
    pytest.param("async", "async", id="async-client-async-handler"),
    pytest.param("async", "plain", id="async-client-plain-handler"),
    pytest.param("sync", "plain", id="sync-client-plain-handler"),
]


def lifecycle_call(client: Any, style: str, name: str) -> Callable[[], Any]:
    """What a handler of ``style`` runs to call ``client.<name>()`` (connect or disconnect).

    Returns a coroutine function for async handlers and a plain function for
    plain ones (the async client's method then runs through ``from_thread``).
    """
    method = getattr(client.raw, name)
    if style == "async":
        return method
    if client.is_async:
        return lambda: anyio.from_thread.run(method)
    return method


def make_handler(style: str, body: Callable[[Any], Any], log: list[str], done: threading.Event):
    """A handler of ``style`` that logs its start, runs ``body`` and logs its end."""
    if style == "async":

        async def async_handler(event: Any) -> None:
            log.append("started")
            try:
                await body(event)
                log.append("finished")
            except BaseException as exc:
                log.append(f"raised {type(exc).__name__}: {exc}")
                raise
            finally:
                done.set()

        return async_handler

    def plain_handler(event: Any) -> None:
        log.append("started")
        try:
            body(event)
            log.append("finished")
        except BaseException as exc:
            log.append(f"raised {type(exc).__name__}: {exc}")
            raise
        finally:
            done.set()

    return plain_handler


async def wait_event(event: threading.Event, what: str, timeout: float = HANG) -> None:
    await wait_until(event.is_set, what, timeout)


# ----------------------------------------------------------------- 2.


@pytest.mark.parametrize(("client_kind", "style"), STYLES)
async def test_disconnect_from_a_handler(emulator_factory, make_client, style):
    emu = emulator_factory(dialect="current")
    client = make_client(emu)
    log: list[str] = []
    done = threading.Event()
    disconnect = lifecycle_call(client, style, "disconnect")

    if style == "async":

        async def body(event: Any) -> None:
            await disconnect()
    else:

        def body(event: Any) -> None:
            disconnect()

    client.on(TRIGGER, make_handler(style, body, log, done))
    with anyio.fail_after(HANG):
        await client.connect()
        emu.notify(TRIGGER, {"n": 1})
        await wait_event(done, "the handler to end")
    assert log == ["started", "finished"]
    assert not client.connected
    with anyio.fail_after(HANG):
        await client.disconnect()  # the program's own clean-up still returns
    await wait_until(lambda: not sdk_threads(), f"threads left: {sdk_threads()}")


@pytest.mark.parametrize(("client_kind", "style"), STYLES)
async def test_connect_from_a_handler_while_connected(emulator_factory, make_client, style):
    emu = emulator_factory(dialect="current")
    client = make_client(emu)
    log: list[str] = []
    done = threading.Event()
    connect = lifecycle_call(client, style, "connect")

    if style == "async":

        async def body(event: Any) -> None:
            await connect()
    else:

        def body(event: Any) -> None:
            connect()

    client.on(TRIGGER, make_handler(style, body, log, done))
    with anyio.fail_after(HANG):
        await client.connect()
        emu.notify(TRIGGER, {"n": 1})
        await wait_event(done, "the handler to end")
        assert log == ["started", "finished"]
        assert await client.ping() == "pong"
        await client.disconnect()


@pytest.mark.parametrize(("client_kind", "style"), STYLES)
async def test_start_over_on_the_final_connection_lost(
    emulator_factory, proxy_for, make_client, style
):
    emu = emulator_factory(dialect="current")
    proxy = proxy_for(emu)
    client = make_client(emu, url=proxy.url, max_retries=1, open_timeout=1.0)
    log: list[str] = []
    done = threading.Event()
    connect = lifecycle_call(client, style, "connect")

    if style == "async":

        async def body(event: Any) -> None:
            if event.params.get("final"):
                await anyio.to_thread.run_sync(proxy.resume)
                await connect()
    else:

        def body(event: Any) -> None:
            if event.params.get("final"):
                proxy.resume()
                connect()

    handler = make_handler(style, body, log, done)

    # Only the final event runs the body; the first (the drop) just passes.
    if style == "async":

        async def on_lost(event: Any) -> None:
            if event.params.get("final"):
                await handler(event)
    else:

        def on_lost(event: Any) -> None:
            if event.params.get("final"):
                handler(event)

    client.on("sdk.connection_lost", on_lost)
    with anyio.fail_after(HANG):
        await client.connect()
        proxy.refuse_connections()
        proxy.reset_connections()
        await wait_event(done, "the final sdk.connection_lost handler to end")
    assert log == ["started", "finished"]
    with anyio.fail_after(HANG):
        assert await client.ping() == "pong"
        assert client.connected
        await client.disconnect()


# ----------------------------------------------------------------- 7.


@pytest.mark.parametrize("client_kind", ["async"])
async def test_plain_handlers_do_not_use_the_default_thread_limiter(emulator_factory, make_client):
    emu = emulator_factory(dialect="current")
    client = make_client(emu)
    entered, release = threading.Event(), threading.Event()

    def blocking_handler(event: Any) -> None:
        entered.set()
        release.wait(HANG)

    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = 1  # the application's own to_thread budget: one thread
    client.on(TRIGGER, blocking_handler)
    try:
        with anyio.fail_after(HANG):
            await client.connect()
            emu.notify(TRIGGER, {"n": 1})
            await wait_event(entered, "the handler to start")
        assert limiter.borrowed_tokens == 0, "a handler holds a token of anyio's default limiter"
        with anyio.fail_after(2):
            assert await anyio.to_thread.run_sync(lambda: 42) == 42
    finally:
        release.set()
        with anyio.fail_after(HANG):
            await client.disconnect()


@pytest.mark.parametrize("client_kind", ["async"])
async def test_disconnect_honours_the_callers_timeout_while_a_handler_blocks(
    emulator_factory, make_client
):
    emu = emulator_factory(dialect="current")
    client = make_client(emu)
    entered, release = threading.Event(), threading.Event()

    def blocking_handler(event: Any) -> None:
        entered.set()
        release.wait(10)

    client.on(TRIGGER, blocking_handler)
    try:
        with anyio.fail_after(HANG):
            await client.connect()
            emu.notify(TRIGGER, {"n": 1})
            await wait_event(entered, "the handler to start")
        with Stopwatch() as watch, anyio.move_on_after(2):
            await client.disconnect()
        assert watch.elapsed < 3.0, f"disconnect() under move_on_after(2) took {watch.elapsed} s"
    finally:
        release.set()
    with anyio.fail_after(HANG):
        await client.disconnect()
    assert not client.connected


# ----------------------------------------------------------------- 8.


@pytest.mark.parametrize(("client_kind", "style"), STYLES)
async def test_on_off_pairs_leave_nothing_running(emulator_factory, make_client, style):
    emu = emulator_factory(dialect="current")
    client = make_client(emu)
    with anyio.fail_after(HANG):
        await client.connect()
    threads_before = len(sdk_threads())
    tasks_before = len(sdk_tasks())
    with anyio.fail_after(60):
        for n in range(100):
            called = threading.Event()
            if style == "async":

                async def handler(event: Any, called: threading.Event = called) -> None:
                    called.set()
            else:

                def handler(event: Any, called: threading.Event = called) -> None:
                    called.set()

            client.on(TRIGGER, handler)
            emu.notify(TRIGGER, {"n": n})
            await wait_event(called, f"handler {n} to run")
            assert client.off(TRIGGER, handler) == 1

    def settled() -> bool:
        return len(sdk_threads()) <= threads_before and len(sdk_tasks()) <= tasks_before

    await wait_until(
        settled,
        f"after 100 on()/off() pairs: threads {sdk_threads()} (had {threads_before}), "
        f"tasks {sdk_tasks()} (had {tasks_before})",
        timeout=5,
    )
    with anyio.fail_after(HANG):
        assert await client.ping() == "pong"
        await client.disconnect()


# ----------------------------------------------------------------- 11.


def is_final(event: Any) -> bool:
    return bool(event.params.get("final"))


async def test_connection_lost_fires_once_when_giving_up(emulator_factory, proxy_for, make_client):
    emu = emulator_factory(dialect="current")
    proxy = proxy_for(emu)
    client = make_client(emu, url=proxy.url, max_retries=1, open_timeout=1.0)
    hook, events = Recorder(), Recorder()
    client.on_connection_lost = hook
    client.on("sdk.connection_lost", events)
    with anyio.fail_after(HANG):
        await client.connect()
        proxy.refuse_connections()
        proxy.reset_connections()
    await events.wait_for(is_final, timeout=HANG)
    await hook.wait_for(timeout=HANG)
    # Nothing signals "no further call": give a second one time to show up.
    await anyio.sleep(0.3)
    assert len(hook.snapshot()) == 1, f"on_connection_lost called {len(hook.snapshot())} times"
    finals = events.matching(is_final)
    assert len(finals) == 1
    assert finals[0].params.get("reason")
    assert len(events.matching(lambda e: not is_final(e))) == 1
    with anyio.fail_after(HANG):
        await client.disconnect()


async def test_connection_lost_fires_once_per_outage(emulator_factory, proxy_for, make_client):
    emu = emulator_factory(dialect="current")
    proxy = proxy_for(emu)
    client = make_client(emu, url=proxy.url, max_retries=None, open_timeout=1.0)
    hook, reconnected = Recorder(), Recorder()
    client.on_connection_lost = hook
    client.on("sdk.reconnected", reconnected)
    with anyio.fail_after(HANG):
        await client.connect()
    for outage in (1, 2):
        proxy.reset_connections()
        await reconnected.wait_for(count=outage, timeout=HANG)
        await hook.wait_for(count=outage, timeout=HANG)
    await anyio.sleep(0.3)  # room for a wrong extra call to show up
    assert len(hook.snapshot()) == 2
    with anyio.fail_after(HANG):
        assert await client.ping() == "pong"
        await client.disconnect()
