"""One pooled ``aiohttp`` session (and its limits) per event loop a client is used from.

An ``aiohttp.ClientSession`` belongs to the loop it was made on, and a notebook uses a client
from the kernel's loop and from the background loop of ``generate_sync`` alike. So each loop
gets its own ``LoopState``: the session, the semaphores of ``generate`` and of downloads, and
the ``Admission`` limit of its creates. Closing closes each session on its own loop.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp

from vidwidgets.client._admission import Admission
from vidwidgets.client._exceptions import VideoAPIError
from vidwidgets.client._loops import submit_on

__all__ = ["LoopState", "Sessions"]

T = TypeVar("T")


@dataclass
class LoopState:
    """The pooled session and limits of one event loop (sessions cannot cross loops)."""

    loop: asyncio.AbstractEventLoop
    session: aiohttp.ClientSession
    jobs: asyncio.Semaphore
    downloads: asyncio.Semaphore
    admission: Admission
    sync_users: int = 0


class Sessions:
    """The ``LoopState`` of every loop one client has used.

    Args:
        max_concurrency: generations (and downloads) at once, per loop.
    """

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency
        self.closed = False
        self._states: dict[asyncio.AbstractEventLoop, LoopState] = {}

    def state(self, *, trust_env: bool) -> LoopState:
        """The running loop's state, made on first use.

        ``trust_env`` says whether proxy settings from the environment apply.
        """
        if self.closed:
            raise VideoAPIError("the client is closed", hint="Create a new VideoClient.")
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None or state.session.closed:
            connector = aiohttp.TCPConnector(limit=self.max_concurrency * 2 + 8)
            session = aiohttp.ClientSession(connector=connector, trust_env=trust_env)
            state = LoopState(
                loop=loop,
                session=session,
                jobs=asyncio.Semaphore(self.max_concurrency),
                downloads=asyncio.Semaphore(self.max_concurrency),
                admission=Admission(),
            )
            self._states[loop] = state
        return state

    def release(self, task_id: str) -> None:
        """A job ended (or was cancelled): its server slot is free again, on every loop."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for state in builtins.list(self._states.values()):
            if state.loop is running:
                state.admission.release(task_id)
            else:  # another loop's condition cannot be woken from here; its probe will see it
                state.admission.forget(task_id)

    async def sync_scope(self, state: LoopState, coro: Awaitable[T]) -> T:
        """Await ``coro``; close the loop's session when the last sync call on it ends."""
        state.sync_users += 1
        try:
            return await coro
        finally:
            state.sync_users -= 1
            if state.sync_users == 0 and self._states.get(state.loop) is state:
                del self._states[state.loop]
                await state.session.close()

    async def aclose(self) -> None:
        """Close every loop's session (waiting a little for the other loops')."""
        current = asyncio.get_running_loop()
        states, self._states = self._states, {}
        for loop, state in states.items():
            if loop is current:
                await state.session.close()
            elif loop.is_running() and not loop.is_closed():
                future = submit_on(loop, state.session.close())
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.wrap_future(future), 5)

    def close(self) -> None:
        """Close every loop's session without blocking; each on its own loop."""
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        states, self._states = self._states, {}
        for loop, state in states.items():
            if loop is current:
                loop.create_task(state.session.close())
            elif loop.is_running() and not loop.is_closed():
                submit_on(loop, state.session.close())
