"""How many jobs a client may have in flight on a server that answers 429 when it is full.

AIMD, as TCP: no limit until the server says "saturated"; then the limit drops to the jobs this
client has in flight (they hold the server's slots) and a create waits for one of them to end
instead of hammering the server. Each ``2 × limit`` creates accepted in a row raise it by one,
to find capacity that others freed; the 429 that probe may meet lowers it again.

``send_admitted`` is the create side of it: it sends a create under the limit and waits out a
saturated server until the job's deadline, rather than counting retries.

    >>> admission = Admission()
    >>> admission.accepted("t1"); admission.rejected(saturated=True); admission.limit
    1
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from vidwidgets.client._exceptions import RateLimitError
from vidwidgets.client._http import Response
from vidwidgets.client._retry import RetryPolicy
from vidwidgets.client._types import VideoJob

__all__ = ["IDLE_PROBE_SECONDS", "Admission", "send_admitted"]

logger = logging.getLogger("vidwidgets")

#: a create held back by the adaptive limit probes the server anyway when none of this
#: client's jobs has ended for this long (seconds, times ``time_scale``): they may be unwatched
IDLE_PROBE_SECONDS = 60.0


class Admission:
    """The in-flight limit of one event loop's creates (see the module docstring)."""

    def __init__(self) -> None:
        self.in_flight: set[str] = set()
        self.pending = 0  # creates sent, not answered yet
        self.limit: int | None = None
        self._accepted = 0
        self._released = 0
        self._cond = asyncio.Condition()

    def _full(self) -> bool:
        return self.limit is not None and len(self.in_flight) + self.pending >= self.limit

    async def acquire(self, deadline: float, idle_probe: float) -> None:
        """Wait for room under the limit (or until ``deadline``, monotonic), then reserve it."""
        async with self._cond:
            while self._full():
                released = self._released
                timeout = min(idle_probe, deadline - time.monotonic())
                if timeout <= 0:
                    break
                try:
                    await asyncio.wait_for(self._cond.wait(), timeout)
                except asyncio.TimeoutError:
                    if self._released == released:
                        break  # none of ours ended for a while: probe the server anyway
            self.pending += 1

    def accepted(self, task_id: str) -> None:
        self.pending = max(0, self.pending - 1)
        self.in_flight.add(task_id)
        if self.limit is not None:
            self._accepted += 1
            if self._accepted >= 2 * self.limit:
                self.limit += 1
                self._accepted = 0

    def rejected(self, saturated: bool) -> None:
        self.pending = max(0, self.pending - 1)
        if saturated:
            self.limit = max(1, len(self.in_flight) + self.pending)
            self._accepted = 0
        self._wake()

    def release(self, task_id: str) -> None:
        if task_id in self.in_flight:
            self.in_flight.discard(task_id)
            self._released += 1
            self._wake()

    def forget(self, task_id: str) -> None:
        """Drop a job that ended, from another loop (whose condition cannot be woken here)."""
        self.in_flight.discard(task_id)

    def _wake(self) -> None:
        async def notify() -> None:
            async with self._cond:
                self._cond.notify_all()

        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(notify())


async def send_admitted(
    admission: Admission,
    send: Callable[[], Awaitable[Response]],
    register: Callable[[Response], VideoJob],
    *,
    retry: RetryPolicy,
    deadline: float,
    idle_probe: float,
) -> tuple[VideoJob, float]:
    """Send a create under the limit until it is accepted; the job and when it was sent.

    A 429 lowers the limit and is waited out (its ``Retry-After``, or a backoff when none of our
    jobs holds the server) until ``deadline`` (monotonic); then it is raised.
    """
    attempt = 0
    while True:
        await admission.acquire(deadline, idle_probe)
        sent = time.monotonic()
        try:
            response = await send()
        except RateLimitError as exc:
            admission.rejected(saturated=True)
            wait = exc.retry_after
            if wait is None and not admission.in_flight:
                # nothing of ours holds the server: its slots free on others' schedule
                wait = retry.backoff(min(attempt, 8))
            wait = min(wait or 0.0, retry.max_retry_after)
            if time.monotonic() + wait >= deadline:
                raise
            logger.info("create: server saturated (429); waiting for a slot")
            attempt += 1
            if wait > 0:
                await asyncio.sleep(wait)
            continue
        except BaseException:
            admission.rejected(saturated=False)
            raise
        try:
            job = register(response)
        except BaseException:
            admission.rejected(saturated=False)
            raise
        admission.accepted(job.id)
        return job, sent
