"""``cancel(job)`` stops every ``wait(job)`` at once, whichever event loop it runs on.

Each wait registers a ``Waiter`` (its loop and an event); ``signal`` sets the events, on their
own loops, and ``until_cancelled`` races an awaitable against the event.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from vidwidgets.client._loops import call_soon_on

__all__ = ["CancelBoard", "Cancelled", "Waiter"]

T = TypeVar("T")


class Cancelled(Exception):
    """Internal: ``cancel()`` fired while waiting."""


@dataclass
class Waiter:
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event

    async def until_cancelled(self, aw: Awaitable[T]) -> T:
        """Await ``aw`` unless ``cancel()`` fires first (then ``Cancelled``)."""
        if self.event.is_set():
            if inspect.iscoroutine(aw):
                aw.close()
            raise Cancelled
        task = asyncio.ensure_future(aw)
        stop = asyncio.ensure_future(self.event.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not stop.done():
                stop.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if task.cancelled() or not task.done():
            raise Cancelled
        return task.result()


class CancelBoard:
    """The waiters of every job being waited on, by task id."""

    def __init__(self) -> None:
        self._waiters: dict[str, list[Waiter]] = {}

    @contextlib.contextmanager
    def watching(self, task_id: str) -> Iterator[Waiter]:
        """A waiter for ``task_id`` on the running loop, registered while the block runs."""
        waiter = Waiter(asyncio.get_running_loop(), asyncio.Event())
        self._waiters.setdefault(task_id, []).append(waiter)
        try:
            yield waiter
        finally:
            waiters = self._waiters.get(task_id, [])
            if waiter in waiters:
                waiters.remove(waiter)
            if not waiters:
                self._waiters.pop(task_id, None)

    def signal(self, task_id: str) -> None:
        """Wake every wait on ``task_id``; each event is set on its own loop."""
        for waiter in list(self._waiters.get(task_id, ())):
            if not waiter.loop.is_closed():
                call_soon_on(waiter.loop, waiter.event.set)
