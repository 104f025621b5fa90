"""Calling onto an event loop from any thread: call_soon_on, submit_on, running_on."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Iterator

import pytest

from vidwidgets.client import call_soon_on, running_on, submit_on


@pytest.fixture
def loop_thread() -> Iterator[tuple[asyncio.AbstractEventLoop, threading.Thread]]:
    """A loop running forever on its own thread, as the background runtime's does."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    loop.call_soon(started.set)
    thread = threading.Thread(target=loop.run_forever, name="test-loop", daemon=True)
    thread.start()
    started.wait(5)
    yield loop, thread
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_from_the_loop_thread_the_function_runs_at_once() -> None:
    async def main() -> list[str]:
        calls: list[str] = []
        future = call_soon_on(asyncio.get_running_loop(), calls.append, "now")
        assert calls == ["now"]  # before any other callback of the loop ran
        assert future.done()
        return calls

    assert asyncio.run(main()) == ["now"]


def test_from_the_loop_thread_an_exception_reaches_the_caller() -> None:
    def boom() -> None:
        raise ValueError("boom")

    async def main() -> None:
        with pytest.raises(ValueError, match="boom"):
            call_soon_on(asyncio.get_running_loop(), boom)

    asyncio.run(main())


def test_from_another_thread_the_function_runs_on_the_loops_thread(
    loop_thread: tuple[asyncio.AbstractEventLoop, threading.Thread],
) -> None:
    loop, thread = loop_thread
    future = call_soon_on(loop, lambda x: (threading.current_thread(), x * 2), 21)
    ran_on, value = future.result(5)
    assert ran_on is thread
    assert value == 42


def test_from_another_thread_an_exception_is_in_the_future_and_in_the_loops_handler(
    loop_thread: tuple[asyncio.AbstractEventLoop, threading.Thread],
) -> None:
    loop, _ = loop_thread
    seen: list[BaseException] = []
    loop.set_exception_handler(lambda _loop, context: seen.append(context["exception"]))

    def boom() -> None:
        raise ValueError("boom")

    future = call_soon_on(loop, boom)
    with pytest.raises(ValueError, match="boom"):
        future.result(5)
    submit_on(loop, asyncio.sleep(0)).result(5)  # the handler ran by the next loop turn
    assert [str(e) for e in seen] == ["boom"]


def test_a_cancelled_future_never_runs_the_function(
    loop_thread: tuple[asyncio.AbstractEventLoop, threading.Thread],
) -> None:
    loop, _ = loop_thread
    gate = threading.Event()
    calls: list[int] = []
    loop.call_soon_threadsafe(gate.wait, 5)  # hold the loop so the call below stays queued
    future = call_soon_on(loop, calls.append, 1)
    assert future.cancel()
    gate.set()
    submit_on(loop, asyncio.sleep(0)).result(5)
    assert calls == []


def test_when_the_loop_is_not_running_the_function_runs_in_the_caller() -> None:
    loop = asyncio.new_event_loop()
    try:
        future = call_soon_on(loop, threading.current_thread)
        assert future.result(0) is threading.current_thread()
    finally:
        loop.close()


def test_with_no_loop_at_all_the_function_runs_in_the_caller() -> None:
    assert call_soon_on(None, sum, [1, 2, 3]).result(0) == 6


def test_submit_on_runs_a_coroutine_on_the_loop_from_another_thread(
    loop_thread: tuple[asyncio.AbstractEventLoop, threading.Thread],
) -> None:
    loop, thread = loop_thread

    async def where() -> bool:
        await asyncio.sleep(0)
        return threading.current_thread() is thread and running_on(loop)

    assert submit_on(loop, where()).result(5) is True


def test_cancelling_a_submitted_future_cancels_the_task(
    loop_thread: tuple[asyncio.AbstractEventLoop, threading.Thread],
) -> None:
    loop, _ = loop_thread
    started = threading.Event()
    cancelled = threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    future = submit_on(loop, forever())
    assert started.wait(5)
    future.cancel()
    assert cancelled.wait(5)
    with pytest.raises(concurrent.futures.CancelledError):
        future.result(0)


def test_running_on_is_true_only_inside_that_loop(
    loop_thread: tuple[asyncio.AbstractEventLoop, threading.Thread],
) -> None:
    loop, _ = loop_thread
    assert not running_on(loop)  # this thread runs no loop
    assert call_soon_on(loop, running_on, loop).result(5)

    async def elsewhere() -> bool:
        return running_on(loop)

    assert asyncio.run(elsewhere()) is False  # another loop, in this thread
