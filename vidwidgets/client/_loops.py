"""Calling onto an event loop from any thread.

Widget callbacks arrive on the kernel's shell thread or on a comm thread, the background runtime
loop lives on its own thread, and asyncio objects may only be touched from their loop's thread.
These three helpers are the one place that knows how to cross over:

- [`running_on()`][vidwidgets.client.running_on] — is the caller running on that loop right now?
- [`call_soon_on()`][vidwidgets.client.call_soon_on] — run a plain function on the loop: at once
  when already there, else scheduled thread-safely; the returned future carries its result.
- [`submit_on()`][vidwidgets.client.submit_on] — run a coroutine on the loop from any thread.

    >>> import asyncio
    >>> loop = asyncio.new_event_loop()
    >>> call_soon_on(loop, max, 2, 3).result()   # the loop is not running: called right here
    3
    >>> loop.close()
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, TypeVarTuple, Unpack

__all__ = ["call_soon_on", "running_on", "submit_on"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


def running_on(loop: asyncio.AbstractEventLoop | None) -> bool:
    """True when the caller runs inside ``loop`` (in one of its callbacks or tasks).

    >>> async def here():
    ...     return running_on(asyncio.get_running_loop())
    >>> asyncio.run(here()), running_on(None)
    (True, False)
    """
    try:
        return loop is not None and asyncio.get_running_loop() is loop
    except RuntimeError:  # no loop runs in this thread
        return False


def call_soon_on(
    loop: asyncio.AbstractEventLoop | None,
    fn: Callable[[Unpack[Ts]], T],
    *args: Unpack[Ts],
) -> concurrent.futures.Future[T]:
    """Run ``fn(*args)`` on ``loop``'s thread and return a future of its result.

    Called on the loop itself, ``fn`` runs at once and an exception propagates to the caller,
    as a direct call would. When ``loop`` is None or not running (or closed), nothing else can be touching
    its objects, so ``fn`` runs at once in the caller too. From any other thread it is scheduled
    with ``call_soon_threadsafe``; the future then carries the result or the exception, and the
    exception also reaches the loop's exception handler, so nobody has to wait for it to be seen.

    Args:
        loop: The loop that owns what ``fn`` touches.
        fn: A plain (non-async) callable.
        *args: Positional arguments for ``fn``.

    Returns:
        A ``concurrent.futures.Future``, already done unless the call was scheduled. Wait on it
        only from another thread: waiting on the loop's own thread would deadlock.

    Example:
        >>> import threading
        >>> loop = asyncio.new_event_loop()
        >>> thread = threading.Thread(target=loop.run_forever); thread.start()
        >>> call_soon_on(loop, lambda: threading.current_thread() is thread).result(5)
        True
        >>> _ = loop.call_soon_threadsafe(loop.stop); thread.join(); loop.close()
    """
    future: concurrent.futures.Future[T] = concurrent.futures.Future()
    if loop is None or not loop.is_running() or running_on(loop):
        future.set_result(fn(*args))
        return future

    def call() -> None:
        if not future.set_running_or_notify_cancel():
            return  # the caller gave up before the loop got to it
        try:
            future.set_result(fn(*args))
        except BaseException as exc:
            future.set_exception(exc)
            raise  # to the loop's exception handler too: never lost when nobody waits

    loop.call_soon_threadsafe(call)
    return future


def submit_on(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]
) -> concurrent.futures.Future[T]:
    """Run ``coro`` as a task on ``loop`` from any thread; the future carries its result.

    Cancelling the returned future cancels the task. Blocking on it from the loop's own thread
    would deadlock; there, ``await`` the coroutine instead.

    Args:
        loop: A running loop (or one about to run: the task starts when it does).
        coro: The coroutine to run.

    Returns:
        A ``concurrent.futures.Future`` of the coroutine's result.

    Example:
        >>> import threading
        >>> loop = asyncio.new_event_loop()
        >>> thread = threading.Thread(target=loop.run_forever); thread.start()
        >>> async def answer():
        ...     return 42
        >>> submit_on(loop, answer()).result(5)
        42
        >>> _ = loop.call_soon_threadsafe(loop.stop); thread.join(); loop.close()
    """
    return asyncio.run_coroutine_threadsafe(coro, loop)
