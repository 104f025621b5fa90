"""JobProgress: one generation job as a widget, shaped like Solara's task object.

Python always sees the latest state (``status``, ``progress``, ``job``); the browser gets it at
most a few times a second, coalesced, because a hundred polling jobs would otherwise flood the
comm. The elapsed clock and the ETA tick in the browser between updates.
"""

from __future__ import annotations

import asyncio
import pathlib
import time
from collections.abc import Callable, Generator
from typing import Any

import anywidget
import traitlets

from vidwidgets.client import (
    GenerationFailed,
    JobCancelled,
    JobStatus,
    VideoAPIError,
    VideoJob,
    call_soon_on,
    redact,
)

__all__ = ["JobProgress"]

_HERE = pathlib.Path(__file__).parent

#: States shown in the browser: the five a server reports plus "idle" (nothing yet) and
#: "submitting" (the create request is in flight, so there is no job id yet).
STATES = (JobStatus.IDLE, JobStatus.SUBMITTING, *(s for s in JobStatus if s in JobStatus.REPORTED))


class JobProgress(anywidget.AnyWidget):
    """Status, progress bar, elapsed time / ETA and a Cancel button for one job.

    Feed it job snapshots with ``update(job)`` (it fits ``client.wait(job, on_update=...)``),
    or hand it the task doing the work with ``attach(task)``; ``cancel()`` cancels that task.
    Like Solara's task object it exposes ``status``, ``progress``, ``pending``, ``finished``,
    ``error``, ``cancel()`` and is awaitable.

        >>> progress = JobProgress(title="a red fox")                     # doctest: +SKIP
        >>> task = asyncio.ensure_future(                                 # doctest: +SKIP
        ...     client.generate(request, on_update=progress.update))
        >>> progress.attach(task); progress                               # doctest: +SKIP
        >>> job = await progress                                          # doctest: +SKIP

    The bar is determinate when the server reports a percentage and an indeterminate stripe
    (with the elapsed time) when it does not — no invented numbers.
    """

    _esm = _HERE / "_progress.js"
    _css = _HERE / "_progress.css"

    state = traitlets.Enum([s.value for s in STATES], default_value="idle").tag(sync=True)
    #: which states count as running and final, so the front end never spells them out
    vocabulary = traitlets.Dict(JobStatus.vocabulary()).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    #: Fraction done (0..1) as the server reported it, or None when it does not say.
    value = traitlets.Float(None, allow_none=True).tag(sync=True)
    #: Seconds since the job started, as of this update (the browser counts on from here).
    elapsed = traitlets.Float(None, allow_none=True).tag(sync=True)
    #: Estimated seconds left as of this update, or None.
    eta = traitlets.Float(None, allow_none=True).tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)
    cancellable = traitlets.Bool(True).tag(sync=True)
    job_id = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        job: VideoJob | None = None,
        *,
        title: str = "",
        min_interval: float = 0.25,
        **kwargs: Any,
    ) -> None:
        super().__init__(title=title, **kwargs)
        self.min_interval = min_interval
        self._job: VideoJob | None = None
        self._status: JobStatus | None = None
        self._phase = JobStatus.IDLE
        self._progress: int | None = None
        self._error: BaseException | None = None
        self._task: asyncio.Future[Any] | None = None
        self._started: float | None = None
        self._finished: float | None = None
        self._last_flush = float("-inf")
        self._timer: asyncio.TimerHandle | None = None
        self._cancel_callbacks: list[Callable[[JobProgress], Any]] = []
        self._secret: str | None = None  # redacted from messages; never synced
        self.flushes = 0  # how many times state went to the front end (for tests and benchmarks)
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self.on_msg(self._on_custom_msg)
        if job is not None:
            self.update(job)

    # -- Solara-like surface ------------------------------------------------------------------

    @property
    def job(self) -> VideoJob | None:
        """The latest job snapshot (never throttled)."""
        return self._job

    @property
    def status(self) -> JobStatus | None:
        """The job's status, or None before the server created it."""
        return self._status

    @property
    def progress(self) -> int | None:
        """The server's percentage, or None when it does not report one."""
        return self._progress

    @property
    def error(self) -> BaseException | None:
        return self._error

    @property
    def task(self) -> asyncio.Future[Any] | None:
        return self._task

    @property
    def pending(self) -> bool:
        return self._phase.is_running

    @property
    def finished(self) -> bool:
        return self._phase is JobStatus.SUCCEEDED

    @property
    def cancelled(self) -> bool:
        return self._phase is JobStatus.CANCELLED

    @property
    def elapsed_seconds(self) -> float | None:
        if self._started is None:
            return None
        end = self._finished if self._finished is not None else time.monotonic()
        return max(0.0, end - self._started)

    def __await__(self) -> Generator[Any, None, Any]:
        if self._task is None:
            raise RuntimeError("no task attached: call attach(task) first")
        return self._task.__await__()

    def on_cancel(self, callback: Callable[[JobProgress], Any]) -> None:
        """Call ``callback(progress)`` when the user presses Cancel (besides cancelling the task)."""
        self._cancel_callbacks.append(callback)

    def cancel(self) -> bool:
        """Cancel the attached task; returns False when there was nothing left to cancel."""
        if not self.pending:
            return False
        for callback in list(self._cancel_callbacks):
            callback(self)
        if self._task is not None and not self._task.done():
            self._task.cancel()
            return True
        if self._task is None:
            self.mark_cancelled()
        return True

    # -- feeding it ---------------------------------------------------------------------------

    def attach(self, task: asyncio.Future[Any]) -> JobProgress:
        """Watch ``task``: its result, exception or cancellation ends this job's display."""
        self._task = task
        if self._phase is JobStatus.IDLE:
            self.start()
        task.add_done_callback(self._on_task_done)
        return self

    def start(self) -> None:
        """Show "submitting" and start the clock (before the server gave the job an id)."""
        self._phase = JobStatus.SUBMITTING
        self._started = time.monotonic()
        self._finished = None
        self._error = None
        self._schedule(immediate=True)

    def update(self, job: VideoJob) -> None:
        """Take a job snapshot; the front end gets it throttled, terminal states at once.

        Safe to call from any thread: off the event loop it hops onto it.
        """
        call_soon_on(self._loop, self._update, job)

    def _update(self, job: VideoJob) -> None:
        self._job = job
        self._status = job.status
        self._progress = job.progress
        if self._started is None:
            self._started = time.monotonic() - job.elapsed
        if self._phase not in (JobStatus.FAILED, JobStatus.CANCELLED) or job.is_terminal:
            self._phase = job.status
        if job.is_terminal and self._finished is None:
            self._finished = time.monotonic()
        if job.status is JobStatus.FAILED and self._error is None:
            self._error = GenerationFailed(
                job.error.message if job.error else "the generation failed", job=job
            )
        self._schedule(immediate=job.is_terminal)

    def fail(self, error: BaseException, *, secret: str | None = None) -> None:
        """Show a failure: the server's message and what to do next (``secret`` is redacted)."""
        call_soon_on(self._loop, self._fail, error, secret)

    def _fail(self, error: BaseException, secret: str | None) -> None:
        if isinstance(error, (asyncio.CancelledError, JobCancelled)):
            self.mark_cancelled()
            return
        self._error = error
        self._phase = JobStatus.FAILED
        if self._finished is None:
            self._finished = time.monotonic()
        self._schedule(immediate=True, secret=secret)

    def mark_cancelled(self) -> None:
        self._phase = JobStatus.CANCELLED
        if self._status is not None and not self._status.is_terminal:
            self._status = JobStatus.CANCELLED
        if self._finished is None:
            self._finished = time.monotonic()
        self._schedule(immediate=True)

    def set_note(self, text: str) -> None:
        """A short line under the bar, e.g. "downloading the video…" (sent at once)."""
        call_soon_on(self._loop, setattr, self, "note", text)

    # -- throttling ---------------------------------------------------------------------------

    def _schedule(self, *, immediate: bool, secret: str | None = None) -> None:
        if secret is not None:
            self._secret = secret
        now = time.monotonic()
        wait = self._last_flush + self.min_interval - now
        if immediate or wait <= 0 or self._loop is None:
            self.flush()
            return
        if self._timer is None:
            # Coalesce: whatever arrives before the timer fires goes out in one message.
            self._timer = self._loop.call_later(wait, self.flush)

    def flush(self) -> None:
        """Send the current state to the front end now (one message)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._last_flush = time.monotonic()
        self.flushes += 1
        message, hint = self._describe_error()
        elapsed = self.elapsed_seconds
        fraction = None if self._progress is None else max(0.0, min(1.0, self._progress / 100))
        eta = self._eta(elapsed, fraction)
        with self.hold_sync():
            self.state = self._phase.value
            self.value = fraction if self._phase is not JobStatus.SUCCEEDED else 1.0
            self.elapsed = None if elapsed is None else round(elapsed, 2)
            self.eta = None if eta is None else round(eta, 1)
            self.message = message
            self.hint = hint
            self.job_id = self._job.id if self._job is not None else ""

    def _eta(self, elapsed: float | None, fraction: float | None) -> float | None:
        """Seconds left, or None.

        The client's expectation when the job carries one (a stage value like new-api's 30 %
        says nothing about time), else the reported fraction's pace. The expectation counts
        from the job's create, and so does what is subtracted from it (the job's own age, not
        this display's, which may have started earlier: before a price check and the create).
        """
        if not self.pending or not elapsed:
            return None
        job = self._job
        expected = job.expected_seconds if job is not None else None
        if job is not None and expected is not None:
            return max(0.0, expected - job.elapsed)
        if fraction and 0 < fraction < 1:
            return elapsed * (1 - fraction) / fraction
        return None

    def _describe_error(self) -> tuple[str, str]:
        error = self._error
        if self._phase is not JobStatus.FAILED or error is None:
            return "", ""
        if isinstance(error, GenerationFailed):
            job = error.job or self._job
            detail = job.error if job is not None else None
            message = str(detail) if detail is not None else error.message
        elif isinstance(error, VideoAPIError):
            message = str(error).split(" — ")[0]  # the hint goes on its own line
        else:
            message = f"{type(error).__name__}: {error}"
        hint = error.hint if isinstance(error, VideoAPIError) else ""
        secret = self._secret
        return redact(message, secret), redact(hint, secret)

    # -- events -------------------------------------------------------------------------------

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "cancel":
            self.cancel()

    def _on_task_done(self, task: asyncio.Future[Any]) -> None:
        if task.cancelled():
            if self.pending:
                self.mark_cancelled()
            return
        exc = task.exception()
        if exc is not None:
            if self._phase is not JobStatus.FAILED:
                self.fail(exc)
            return
        result = task.result()
        if isinstance(result, VideoJob) and (self._job is not result or self.pending):
            self.update(result)

    def __repr__(self) -> str:
        progress = "" if self._progress is None else f", progress={self._progress}"
        job = f", job={self._job.id!r}" if self._job is not None else ""
        return f"JobProgress(status={self._phase.value!r}{progress}{job})"
