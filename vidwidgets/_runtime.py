"""Running vidwidgets coroutines from synchronous code — also inside a running notebook.

A notebook cell already runs inside the kernel's event loop, so ``asyncio.run`` refuses to
start and blocking that loop would freeze the kernel's own I/O. ``run`` instead hands the
coroutine to one process-wide background event loop on a daemon thread and blocks the caller
until it finishes. Ctrl-C (a kernel interrupt) cancels the coroutine there, so no task keeps
polling after the user gave up.

    >>> import asyncio
    >>> async def add(a, b):
    ...     await asyncio.sleep(0)
    ...     return a + b
    >>> run(add(1, 2))
    3
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from vidwidgets._exports import publish

__all__ = ["background_loop", "run"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def background_loop() -> asyncio.AbstractEventLoop:
    """The shared background event loop, started on first use."""
    global _loop, _thread
    with _lock:
        if _loop is None or _loop.is_closed() or _thread is None or not _thread.is_alive():
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def serve() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            thread = threading.Thread(target=serve, name="vidwidgets-runtime", daemon=True)
            thread.start()
            ready.wait()
            _loop, _thread = loop, thread
        return _loop


def run(coro: Coroutine[Any, Any, T], *, timeout: float | None = None) -> T:
    """Run ``coro`` to completion from synchronous code and return its result.

    Works in a plain script and inside Jupyter (where a loop is already running). Called from
    the background loop's own thread it would deadlock, so that raises ``RuntimeError``.
    """
    loop = background_loop()
    if threading.current_thread() is _thread:
        coro.close()
        raise RuntimeError("vidwidgets.run() cannot be called from inside a vidwidgets coroutine")
    # the runtime sits below the client (vidwidgets.client.submit_on is this same call)
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result(timeout)
    except (KeyboardInterrupt, concurrent.futures.TimeoutError):
        future.cancel()  # stop the work on the loop too: no orphaned polling
        raise


# reprs, tracebacks and pickle name the top-level exports vidwidgets.X
publish(__name__, globals())
