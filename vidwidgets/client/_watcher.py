"""Watching one job until it ends: what ``VideoClient.wait`` does.

``Watcher`` is the client-wide knowledge that makes polling cheap — the server's refresh loop
as learned from every job's reads (``RefreshClock``), and when each job's create was sent and
answered — and ``watch`` runs the per-job loop: read, learn, sleep as ``PollSchedule`` says,
until the job ends, ``cancel()`` fires (``CancelBoard``) or the deadline passes.

All timing is the client's own monotonic clock, from when the create was sent (never the
server's timestamps), so a server with a wrong clock cannot skew polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vidwidgets.client._cancel import CancelBoard, Cancelled, Waiter
from vidwidgets.client._dialects import (
    NEWAPI_REFRESH_SECONDS,
    TaskView,
    is_live_read,
    known_refresh_period,
    parse_task,
)
from vidwidgets.client._exceptions import (
    GenerationFailed,
    JobCancelled,
    NotFoundError,
    PollTimeout,
    VideoAPIError,
)
from vidwidgets.client._http import Response
from vidwidgets.client._metrics import Metrics
from vidwidgets.client._models import get_model_spec
from vidwidgets.client._polling import PollConfig, PollSchedule, RefreshClock
from vidwidgets.client._retry import parse_retry_after
from vidwidgets.client._types import JobStatus, VideoJob, VideoRequest

__all__ = [
    "EARLIEST_MARGIN",
    "EARLIEST_QUANTILE",
    "GAP_MARGIN",
    "HOLD_WINDOW",
    "MAX_POLL_ERRORS",
    "PHASE_PROBES",
    "READ_MARGIN",
    "UpdateCallback",
    "WatchPlan",
    "Watcher",
    "apply_view",
    "call_back",
    "expected_times",
    "refresh_period_of",
]

logger = logging.getLogger("vidwidgets")

#: consecutive failed status reads tolerated while waiting (each already retried inside)
MAX_POLL_ERRORS = 12
#: the low quantile (percent) of a model's learned durations before which reads are skipped
EARLIEST_QUANTILE = 5.0
#: reads start this share of the learned low quantile early: a learned duration is the end
#: *seen* (a lag late), and a low quantile of a few dozen jobs is nearly their fastest
EARLIEST_MARGIN = 0.85
#: every answer of a new-api gateway since the task plugins (late 2026) carries its version: its
#: task state comes from the 15 s refresh loop whichever API format reads it
GATEWAY_VERSION_HEADER = "x-new-api-version"
#: while the refresh phase is vague, this many fresh jobs at a time read early (at 1/(n+1),
#: 2/(n+1)... of a period after their create): the create is not a read, so such a window is
#: under a period wide without two reads in one refresh, and the narrowest that sees the
#: first refresh pins the phase for every job to a (n+1)th of the period
PHASE_PROBES = 4
#: while the refresh phase is unknown, reads of a job on a server with a known period are sent at
#: least (1 + this) periods apart, so each follows a refresh the one before did not see
GAP_MARGIN = 0.05
#: seconds (unscaled: a person watches) an estimate still ahead is held past the next read, at
#: most a 20th of the estimate (a sped-up simulator): the answer and the update it brings take
#: a moment, and a progress display counts down meanwhile
READ_MARGIN = 1.0
#: a job teaches the settlement's length only when its 99 % is pinned to a window at most this
#: share of the refresh period wide (reads a refresh apart)
HOLD_WINDOW = 0.5
#: the phase counts as known once its window is at most this share of the period (reads land
#: up to that late after a refresh)
PHASE_KNOWN = 0.2

UpdateCallback = Callable[[VideoJob], Any]
#: one status read: whether anything a user sees changed, and the answer
ReadStatus = Callable[[VideoJob], Awaitable[tuple[bool, Response]]]
#: the job ended for good here (journal it); the status word when it is not the job's own
OnEnd = Callable[[VideoJob, "str | None"], None]


@dataclass
class WatchPlan:
    """What one ``wait`` needs from the client: how to read, how long, whom to tell."""

    deadline: float  # seconds
    read: ReadStatus
    retry_delay: Callable[[int], float]  # attempt -> seconds, after a failed read
    on_end: OnEnd
    on_update: UpdateCallback | None = None


def apply_view(job: VideoJob, view: TaskView, body: Any) -> bool:
    """Update ``job`` from a status view; True when anything a user sees changed.

    A provisional view (the plugin gateway's live provider read) changes nothing a user sees:
    it may say ``succeeded`` before billing settled, and the job shows the gateway's own row
    (see ``_dialects``: what "done" means). Taking it partly would also make the status flip
    between the live word and the row's older one, and the polling would learn false changes.
    """
    if view.provisional:
        job.raw = body
        job.updated_at = time.time()
        return False
    before = (job.status, job.progress, job.url, job.error)
    if job.status is not JobStatus.CANCELLED:
        job.status = view.status
    if view.progress is not None:
        job.progress = view.progress
    if view.url is not None:
        job.url = view.url
    if view.error is not None:
        job.error = view.error
    job.raw = body
    job.updated_at = time.time()
    if job.status.is_terminal and job.completed_at is None:
        # for display only (it may be the server's clock): durations are not learned from it
        job.completed_at = view.finished_at or time.time()
    return before != (job.status, job.progress, job.url, job.error)


async def call_back(callback: UpdateCallback, job: VideoJob) -> None:
    """Run a user callback; its bugs are logged, never allowed to stop a paid job."""
    try:
        result = callback(job)
        if inspect.isawaitable(result):
            await result
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("on_update callback failed for job %s", job.id)


def poll_hint(headers: Mapping[str, str]) -> float | None:
    """The server's own "read again in" hint (``openai-poll-after-ms`` or ``Retry-After``)."""
    value = headers.get("openai-poll-after-ms")
    if value is not None:
        try:
            ms = float(value)
        except ValueError:
            ms = -1
        if 0 <= ms <= 600_000:
            return ms / 1000.0
    retry_after = parse_retry_after(headers)
    return min(retry_after, 600.0) if retry_after is not None else None


def refresh_period_of(response: Response) -> float | None:
    """How often the server behind ``response`` refreshes task state (seconds), or None.

    Told by new-api's envelope (the 88API format) or, in any format, by the version header
    every late-2026 gateway sends; the official OpenAI API shows neither and is read live.

        >>> refresh_period_of(Response(200, {"id": "v"}, {"X-New-Api-Version": "v0.12"}, 0.0))
        15.0
        >>> refresh_period_of(Response(200, {"id": "v", "object": "video"}, {}, 0.0)) is None
        True
    """
    period = known_refresh_period(response.body)
    if period is None and any(k.lower() == GATEWAY_VERSION_HEADER for k in response.headers):
        period = NEWAPI_REFRESH_SECONDS
    return period


def _requested_length(request: VideoRequest) -> int | None:
    if request.duration is not None:
        return request.duration
    seconds = (request.seconds or "").strip()
    return int(seconds) if seconds.isdigit() else None


def expected_times(
    metrics: Metrics, request: VideoRequest | None, time_scale: float, *, floor: bool = True
) -> tuple[float | None, float | None]:
    """(expected, earliest) seconds from the create for a job of this request.

    ``expected`` is how long it should take, ``earliest`` the time before which it will not have
    finished; None where nothing is known.

    What this client measured wins: the median once the model finished twice, the
    ``EARLIEST_QUANTILE`` (less ``EARLIEST_MARGIN``) once three times. Until then the catalog's priors stand in
    (``ModelSpec.typical_seconds`` / ``min_seconds``, real vendor seconds, times ``time_scale``
    like every interval), so a cold client skips the reads that cannot see an end and can give
    a first ETA. A single measured duration already replaces the typical prior, and the lower
    bound never stays above a job of this model seen finishing sooner; ``floor=False`` drops
    it (a job was over by its first read: the bound may be too high, and a client that never
    reads before it could never learn so).

        >>> m = Metrics()
        >>> expected_times(m, VideoRequest(model="kling-v1", prompt="a fox"), 0.5)
        (90.0, 30.0)
        >>> m.record_job("kling-v1", succeeded=True, seconds=12.0)
        >>> expected_times(m, VideoRequest(model="kling-v1", prompt="a fox"), 0.5)
        (12.0, 12.0)
    """
    model = request.model if request is not None else None
    expected = metrics.typical_generation_time(model)
    earliest = metrics.generation_quantile(model, EARLIEST_QUANTILE)
    if earliest is not None:
        earliest *= EARLIEST_MARGIN
    if request is None or (expected is not None and earliest is not None):
        return expected, earliest
    spec = get_model_spec(request.model)
    # the priors are for the default length: a shorter clip lowers them in proportion (so the
    # lower bound stays one); a longer one keeps them (still a lower bound; the rest is a guess)
    length, default = _requested_length(request), spec.default_duration
    share = min(1.0, length / default) if length and default else 1.0
    if expected is None and spec.typical_seconds is not None:
        seen = metrics.generation_quantile(model, 50, min_count=1)
        expected = seen if seen is not None else spec.typical_seconds * share * time_scale
    if earliest is None and spec.min_seconds is not None and floor:
        fastest = metrics.generation_quantile(model, 0, min_count=1)
        earliest = spec.min_seconds * share * time_scale
        if fastest is not None:
            earliest = min(earliest, fastest)
    return expected, earliest


def _ended(job: VideoJob) -> bool:
    return job.status.is_terminal  # a property narrowed by a loop test would fool mypy


class Watcher:
    """Polling knowledge shared by every job of one client, and the per-job loop.

    Args:
        metrics: learned generation times, and where outcomes are counted.
        poll_config: the polling knobs (called per wait: ``time_scale`` may start late).
        time_scale: multiplies the refresh period the server announces.
    """

    def __init__(
        self,
        metrics: Metrics,
        *,
        poll_config: Callable[[], PollConfig],
        time_scale: Callable[[], float],
    ) -> None:
        self.metrics = metrics
        self.poll_config = poll_config
        self.time_scale = time_scale
        self.cancels = CancelBoard()
        #: the server's refresh loop (when its period is known), learned from every job's reads
        self.refresh: RefreshClock | None = None
        #: task id -> monotonic time its create was sent (the client's clock for durations)
        self.born: dict[str, float] = {}
        #: task id -> monotonic time its create was answered (the task existed by then)
        self.answered: dict[str, float] = {}
        #: planned times of the phase probes in flight, and how many were placed
        self._probes: list[float] = []
        self._serial = 0
        #: models whose prior lower bound a job disproved (it was over by its first read)
        self.refuted: set[str] = set()
        #: how long a plugin gateway's billing settlement takes after the refresh that shows
        #: 99 % (seconds, a window narrowed by every job that settled here)
        self.hold: tuple[float, float] | None = None

    def created(self, task_id: str, sent: float) -> None:
        """A create of ours was sent at ``sent`` (monotonic) and answered just now."""
        self.born[task_id] = sent
        self.answered[task_id] = time.monotonic()

    async def watch(self, job: VideoJob, plan: WatchPlan) -> VideoJob:
        """Poll until ``job`` ends; the job when it succeeded (see ``VideoClient.wait``)."""
        with self.cancels.watching(job.id) as waiter:
            watch = _Watch(self, job, plan, waiter)
            await watch.run()
        return self._finish(job, plan, watch.schedule.polls, watch.job_seconds)

    @property
    def refresh_period(self) -> float | None:
        return self.refresh.period if self.refresh is not None else None

    def learn_refresh(self, response: Response) -> None:
        if self.refresh is None:
            period = refresh_period_of(response)
            if period is not None:
                self.refresh = RefreshClock(period * self.time_scale())

    def probe_time(self, task_id: str) -> float | None:
        """When a fresh job's first read should probe the refresh phase (monotonic), or None.

        Only on a server known to refresh on a period, while its phase is vague, for at most
        ``PHASE_PROBES`` jobs at once.
        """
        clock, created = self.refresh, self.answered.get(task_id)
        if clock is None or created is None or clock.period <= 0:
            return None
        uncertainty = clock.uncertainty
        if uncertainty is not None and uncertainty <= PHASE_KNOWN * clock.period:
            return None
        now = time.monotonic()
        self._probes = [t for t in self._probes if t > now - clock.period]
        if len(self._probes) >= PHASE_PROBES:
            return None
        self._serial += 1
        share = (self._serial % PHASE_PROBES + 1) / (PHASE_PROBES + 1)
        at = created + share * clock.period
        self._probes.append(at)
        return at

    def next_refresh_after(self, sent: float) -> float | None:
        """The first moment (monotonic) a refresh has surely come since a read sent at ``sent``.

        The end of the first phase window wholly after ``sent`` (a read sent inside a window
        may have come just after its refresh: then the next one); with no window yet, a period (and ``GAP_MARGIN``
        for latency) after it. None when the server refreshes on no known period.

            >>> watcher = Watcher(Metrics(), poll_config=PollConfig, time_scale=lambda: 1.0)
            >>> watcher.refresh = RefreshClock(15.0, lo=10.0, hi=11.0)
            >>> watcher.next_refresh_after(9.0), watcher.next_refresh_after(10.5)
            (11.3, 26.3)
        """
        clock = self.refresh
        if clock is None or clock.period <= 0:
            return None
        period, margin = clock.period, GAP_MARGIN * clock.period
        if clock.lo is None or clock.hi is None:
            return sent + period + margin
        k = math.floor((sent - clock.lo) / period) + 1
        # a little past the window's end, like the schedule's own aligned reads
        return clock.hi + k * period + 0.02 * period

    def learn_hold(self, lo: float, hi: float) -> None:
        """A job's settlement took between ``lo`` and ``hi`` seconds after its 99 % refresh.

        Windows from every job are intersected; one that contradicts them means the gateway
        settles differently now, and replaces them.

            >>> watcher = Watcher(Metrics(), poll_config=PollConfig, time_scale=lambda: 1.0)
            >>> watcher.learn_hold(2.0, 14.0); watcher.learn_hold(8.5, 20.0); watcher.hold
            (8.5, 14.0)
        """
        if not hi > lo:
            return
        lo = max(lo, 0.0)
        if self.hold is not None:
            both = (max(lo, self.hold[0]), min(hi, self.hold[1]))
            if both[1] > both[0]:
                lo, hi = both
        self.hold = (lo, hi)

    def pace(self, schedule: PollSchedule, born: float) -> None:
        """Give a job's schedule the server's refresh loop as this client knows it."""
        schedule.hold = self.hold
        clock = self.refresh
        if clock is None:
            return
        tick = clock.tick
        schedule.prior = (clock.period, None if tick is None else tick - born)
        schedule.exact_period = True

    def _finish(
        self, job: VideoJob, plan: WatchPlan, polls: int, seconds: float | None
    ) -> VideoJob:
        logger.info("%s ended %s after %d status reads", job.id, job.status.value, polls)
        if job.status is JobStatus.SUCCEEDED:
            if polls:  # seen to finish here, not an already finished job waited on again
                self.metrics.record_job(job.model, succeeded=True, seconds=seconds)
            return job
        if job.status is JobStatus.CANCELLED:
            self.metrics.record_failure(JobCancelled("cancelled"))
            raise JobCancelled(f"job {job.id} was cancelled", code="cancelled", job=job)
        self.metrics.record_job(job.model, succeeded=False, seconds=None)
        error = GenerationFailed(
            f"job {job.id} failed: {job.error or 'no reason given'}",
            code=job.error.code if job.error else None,
            job=job,
        )
        self.metrics.record_failure(error)
        plan.on_end(job, None)
        raise error


class _Watch:
    """One ``wait``: the loop of reads and sleeps for one job."""

    def __init__(self, watcher: Watcher, job: VideoJob, plan: WatchPlan, waiter: Waiter) -> None:
        self.watcher, self.job, self.plan, self.waiter = watcher, job, plan, waiter
        self.started = time.monotonic()
        born = watcher.born.get(job.id)
        if born is None:  # created elsewhere (resumed, adopted, an id): from its wall stamp
            born = time.monotonic() - max(0.0, time.time() - job.created_at)
        self.born = born
        config = watcher.poll_config()
        model = job.model or ""
        expected, self.earliest = expected_times(
            watcher.metrics, job.request, config.time_scale, floor=model not in watcher.refuted
        )
        self.schedule = config.schedule(expected=expected, earliest=self.earliest)
        watcher.pace(self.schedule, born)
        self.errors = 0
        self.job_seconds: float | None = None  # create sent -> end first seen
        self.seen_running = False
        # a task is created as the gateway's initial state: a change at the first read means a
        # refresh after the create was sent (no change proves nothing: a refresh may copy the
        # same state)
        self.sent_before: float | None = born if job.id in watcher.born else None
        #: (monotonic) where the refresh that first showed this job at 99 % can have been
        self.settle_at: tuple[float, float] | None = None
        self.last_key = self._key()

    def _key(self) -> tuple[JobStatus, int | None, bool]:
        job = self.job
        return (job.status, job.progress, job.url is not None)

    def _remaining(self) -> float:
        return self.plan.deadline - (time.monotonic() - self.started)

    def first_delay(self) -> float | None:
        """How long a job fresh from its create can wait before its first read, or None."""
        job, schedule = self.job, self.schedule
        ours = job.id in self.watcher.answered  # created here: its age is known exactly
        if job.updated_at is None:
            return None
        if not ours and time.time() - job.updated_at >= schedule.initial:
            return None
        # fresh from create: the state is known, the first read can wait
        delay = max(0.0, schedule.initial - (time.time() - job.updated_at))
        if self.earliest is not None:
            delay = schedule.next_delay(time.monotonic() - self.born)
        probe = self.watcher.probe_time(job.id)
        if probe is not None:
            # the refresh phase is still vague: this read (it can never repeat an earlier one)
            # goes early; if it sees the first refresh since the create, the window it gives
            # is under a period wide and pins the phase for every later read
            delay = min(delay, probe - time.monotonic())
        return delay

    def expect(self, now: float | None = None, next_read: float | None = None) -> bool:
        """Put the expected finish (seconds since the create) on the job; True when it changed.

        The schedule's estimate, and when it comes from the job's own progress rate, one
        refresh period more where the server refreshes on one (the end shows at a refresh
        after the provider finished, and a plugin gateway then settles billing). An estimate
        still ahead never lands before ``next_read`` (and ``READ_MARGIN``): the end cannot be
        seen sooner, and a countdown that ran out meanwhile would call an ordinary job late.
        One already passed stays: the job is late.
        """
        schedule = self.schedule
        eta = schedule.eta()
        if eta is not None and schedule.eta_measured:
            eta += self.watcher.refresh_period or 0.0
        if eta is not None and now is not None and next_read is not None and now < eta:
            eta = max(eta, next_read + min(READ_MARGIN, 0.05 * eta))
        expected = None if eta is None else round(eta, 3)
        changed, self.job.expected_seconds = expected != self.job.expected_seconds, expected
        return changed

    async def run(self) -> None:
        first = self.first_delay()
        now = time.monotonic() - self.born
        ahead = None if first is None else now + first
        if self.expect(now, ahead) and self.plan.on_update is not None:
            await call_back(self.plan.on_update, self.job)  # the first ETA, before any read
        if first is not None and not self.job.is_terminal:
            with contextlib.suppress(Cancelled):
                await self.waiter.until_cancelled(asyncio.sleep(first))
        while not self.job.is_terminal:
            self.seen_running = True
            try:
                delay = await self._poll_once()
            except Cancelled:
                break
            if delay is None:
                break
            remaining = self._remaining()
            if remaining <= 0:
                raise PollTimeout(
                    f"job {self.job.id} did not finish within {self.plan.deadline:.3g} s "
                    f"(last status {self.job.status.value})",
                    job=self.job,
                )
            try:
                await self.waiter.until_cancelled(asyncio.sleep(min(delay, remaining)))
            except Cancelled:
                break

    async def _poll_once(self) -> float | None:
        """One status read; the delay before the next, or None when the job ended."""
        job = self.job
        # a hanging read must not outlive the overall deadline
        budget = max(self._remaining(), 0.001)
        sent = time.monotonic()
        try:
            changed, response = await self.waiter.until_cancelled(
                asyncio.wait_for(self.plan.read(job), budget)
            )
        except asyncio.TimeoutError:
            raise PollTimeout(
                f"job {job.id} did not finish within {self.plan.deadline:.3g} s "
                f"(a status read was still pending)",
                job=job,
            ) from None
        except VideoAPIError as exc:
            return self._read_failed(exc)
        self.errors = 0
        return await self._answered(changed, response, sent)

    def _read_failed(self, exc: VideoAPIError) -> float:
        if isinstance(exc, NotFoundError):
            # expired or never on this server: waiting again cannot help
            self.plan.on_end(self.job, "not_found")
            raise exc
        if not exc.retryable:
            raise exc
        self.errors += 1
        if self.errors > MAX_POLL_ERRORS:
            raise exc
        logger.info("status read of %s failed (%s); polling on", self.job.id, exc)
        return self.plan.retry_delay(min(self.errors, 6))

    def _learn_phase(self, moved: bool, sent: float, answered: float) -> None:
        """What this row read tells about when the server refreshes (``RefreshClock``).

        Not called for the plugin gateway's live provider reads: the row was not read, so they
        say nothing about the refresh loop (and the next row read's window starts earlier).
        """
        clock, created = self.watcher.refresh, self.watcher.answered.get(self.job.id)
        if clock is None or self.sent_before is None:
            return
        if moved and not self.job.is_terminal:
            # the server refreshed between the previous read's send and this answer (not an
            # end: a plugin gateway settles billing between its refreshes)
            clock.observe(self.sent_before, answered)
        elif self.sent_before == self.born and created is not None and self._initial():
            # still the state a task is created in: the gateway's first refresh of a task
            # always replaces it (NOT_START), so no refresh came between create and this read
            clock.exclude(created, sent)

    def _refresh_since_last_row(self, until: float) -> tuple[float, float]:
        """Where a refresh after the previous row read was sent, and by ``until``, can have been."""
        before = self.sent_before if self.sent_before is not None else self.born
        clock = self.watcher.refresh
        return (before, until) if clock is None else clock.refresh_within(before, until)

    def _learn_settling(self, was_settling: bool, answered: float) -> None:
        """When this job's billing hold began, and once it ends, how long it took."""
        schedule, job = self.schedule, self.job
        if schedule.settling and not was_settling and self.settle_at is None:
            # the 99 % came with a refresh after the previous row read was sent
            lo, hi = self.settle_at = self._refresh_since_last_row(answered)
            schedule.settle_window = (lo - self.born, hi - self.born)
        elif self.settle_at is not None and job.status is JobStatus.SUCCEEDED:
            lo, hi = self.settle_at
            before = self.sent_before if self.sent_before is not None else self.born
            clock = self.watcher.refresh
            if clock is None or hi - lo <= HOLD_WINDOW * clock.period:
                # only from a 99 % pinned to one refresh: a wider window teaches little
                self.watcher.learn_hold(before - hi, answered - lo)

    def _provider_done(self, answered: float) -> None:
        """A live provider read said the video is done: billing holds it from the next refresh."""
        schedule = self.schedule
        if self.settle_at is not None or schedule.settling:
            return
        if parse_task(self.job.raw).status is not JobStatus.SUCCEEDED:
            return
        # the 99 % row comes with the first refresh after the provider finished (by now)
        period = self.watcher.refresh_period or 0.0
        lo, hi = self._refresh_since_last_row(answered + period)
        schedule.provider_done = True
        schedule.settle_window = (lo - self.born, hi - self.born)

    def _initial(self) -> bool:
        job = self.job
        return job.status is JobStatus.QUEUED and not job.progress

    async def _answered(self, changed: bool, response: Response, sent: float) -> float | None:
        job, schedule, watcher = self.job, self.schedule, self.watcher
        answered = time.monotonic()
        now = answered - self.born
        key = self._key()
        moved, self.last_key = key != self.last_key, key
        was_settling = schedule.settling
        schedule.observe(now, key, progress=job.progress, queued=job.status is JobStatus.QUEUED)
        schedule.set_hint(poll_hint(response.headers))
        watcher.learn_refresh(response)
        if is_live_read(job.raw):
            self._provider_done(answered)
        else:
            self._learn_settling(was_settling, answered)
            self._learn_phase(moved, sent, answered)
            self.sent_before = sent
        watcher.pace(schedule, self.born)
        if _ended(job):
            if (self.expect() or changed) and self.plan.on_update is not None:
                await call_back(self.plan.on_update, job)
            if self.seen_running and job.id in watcher.born:
                # created and seen running here: learn how long this model takes
                self.job_seconds = now
            if schedule.polls == 1 and self.earliest is not None and job.model:
                watcher.refuted.add(job.model)  # over before the first read: was it long over?
            return None
        delay = schedule.next_delay(now)
        safe = watcher.next_refresh_after(sent)
        if safe is not None and self.settle_at is None:
            # never two reads in one refresh, whatever the schedule says (once the row shows
            # 99 %, billing settles between refreshes: a read then is not a repeat; a live read
            # that said the provider is done changes nothing before the next refresh)
            delay = max(delay, safe - answered)
        if (self.expect(now, now + delay) or changed) and self.plan.on_update is not None:
            await call_back(self.plan.on_update, job)
        return delay
