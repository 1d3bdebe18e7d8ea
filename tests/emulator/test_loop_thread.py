"""The background loop the emulator and the fault proxy run on."""

from __future__ import annotations

import asyncio
import threading

import pytest

from mediamtx_camera_sdk.testing._loop_thread import LoopThread


def test_runs_coroutines_on_its_own_named_thread_and_stops() -> None:
    runner = LoopThread("test-loop", "the test server")
    assert not runner.running
    runner.start()
    try:
        assert runner.running

        async def where() -> str:
            await asyncio.sleep(0)
            return threading.current_thread().name

        assert runner.run(where()) == "test-loop"
        with pytest.raises(RuntimeError, match="the test server is already running"):
            runner.start()
    finally:
        runner.stop()
    assert not runner.running
    assert "test-loop" not in {t.name for t in threading.enumerate()}


def test_refuses_to_run_when_stopped_or_from_its_own_loop() -> None:
    runner = LoopThread("test-loop-2", "the test server")

    async def nothing() -> None:
        return None

    with pytest.raises(RuntimeError, match="the test server is not running"):
        runner.run(nothing())
    runner.start()
    try:

        async def reenter() -> None:
            runner.run(nothing())  # would wait for itself forever

        with pytest.raises(RuntimeError, match="cannot be called from its loop"):
            runner.run(reenter())
    finally:
        runner.stop()


def test_stopping_cancels_tasks_left_on_the_loop() -> None:
    runner = LoopThread("test-loop-3", "the test server")
    runner.start()
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    tasks: list[asyncio.Task[None]] = []  # a reference, so the task cannot be collected

    async def spawn() -> None:
        tasks.append(asyncio.get_running_loop().create_task(forever()))
        await asyncio.sleep(0)

    runner.run(spawn())
    runner.stop()
    assert cancelled.is_set()
