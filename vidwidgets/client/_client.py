"""``VideoClient``: create, watch, download and manage video generations.

The verbs follow openai-python (``create``, ``retrieve``, ``list``, ``delete``, ``remix``,
``download``) plus ``wait`` and ``generate`` (create + wait + download). Everything protocol-
specific lives in the private modules: ``_dialects`` (reading bodies), ``_mapping`` (writing
requests), ``_retry`` and ``_polling`` (timing), ``_http`` (one exchange), ``_download``
(files), ``_journal`` (crash safety), ``_cache`` and ``_metrics``.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import inspect
import ipaddress
import logging
import os
import shutil
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

import aiohttp

from vidwidgets.client._cache import ResultCache
from vidwidgets.client._dialects import (
    TaskView,
    find_task_id,
    known_refresh_period,
    parse_task,
)
from vidwidgets.client._download import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    EXTENSIONS,
    safe_filename,
    stream_to_file,
)
from vidwidgets.client._exceptions import (
    APIStatusError,
    GenerationFailed,
    JobCancelled,
    NotFoundError,
    PollTimeout,
    ProtocolError,
    RateLimitError,
    ValidationError,
    VideoAPIError,
)
from vidwidgets.client._http import MAX_JSON_BYTES, Response, Transport
from vidwidgets.client._journal import SESSION, Journal, default_journal_path
from vidwidgets.client._mapping import (
    API_FORMATS,
    MAX_BODY_BYTES,
    ApiFormat,
    prepare_create,
    route,
)
from vidwidgets.client._metrics import Metrics, MetricsSnapshot
from vidwidgets.client._polling import PollConfig, PollSchedule, RefreshClock
from vidwidgets.client._retry import RetryPolicy, parse_retry_after
from vidwidgets.client._types import JobError, JobStatus, VideoJob, VideoRequest

__all__ = ["DEFAULT_BASE_URL", "VideoClient"]

logger = logging.getLogger("vidwidgets")

DEFAULT_BASE_URL = "https://88api.ai"
T = TypeVar("T")
UpdateCallback = Callable[[VideoJob], Any]
JobLike = VideoJob | str

#: what a failed download says: the video is finished on the server, nothing is lost
DOWNLOAD_AGAIN_HINT = (
    "The video is finished on the server and nothing is lost: call client.download(job) again "
    "to fetch it (after a restart, client.resume() or re-running the comparison finds it)."
)
#: consecutive failed status reads tolerated while waiting (each already retried inside)
MAX_POLL_ERRORS = 12
#: the low quantile (percent) of a model's learned durations before which reads are skipped
EARLIEST_QUANTILE = 5.0
#: a create held back by the adaptive limit probes the server anyway when none of this
#: client's jobs has ended for this long (seconds, times ``time_scale``): they may be unwatched
IDLE_PROBE_SECONDS = 60.0


class _Admission:
    """How many jobs this client may have in flight on a server that answers 429 when full.

    AIMD, as TCP: no limit until the server says "saturated"; then the limit drops to the jobs
    this client has in flight (they hold the server's slots) and a create waits for one of them
    to end instead of hammering the server. Each ``2 × limit`` creates accepted in a row raise it
    by one, to find capacity that others freed; the 429 that probe may meet lowers it again.
    """

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

    def _wake(self) -> None:
        async def notify() -> None:
            async with self._cond:
                self._cond.notify_all()

        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(notify())


@dataclass
class _LoopState:
    """The pooled session and limits of one event loop (sessions cannot cross loops)."""

    loop: asyncio.AbstractEventLoop
    session: aiohttp.ClientSession
    jobs: asyncio.Semaphore
    downloads: asyncio.Semaphore
    admission: _Admission
    sync_users: int = 0


@dataclass
class _Waiter:
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event


class VideoClient:
    """An async client for the 88API gateway (new-api) and the OpenAI video API.

        >>> import vidwidgets as vw
        >>> async def main():                                          # doctest: +SKIP
        ...     async with vw.VideoClient() as client:     # no key: the embedded simulator
        ...         job = await client.generate(vw.VideoRequest(model="kling-v1",
        ...                                                     prompt="a red fox", duration=5))
        ...         print(job.status, job.path)
        >>> vw.VideoClient().generate_sync(vw.VideoRequest(model="viduq1", prompt="fox"))  # doctest: +SKIP

    Args:
        base_url: the API's address (default ``$VIDWIDGETS_BASE_URL`` or https://88api.ai).
        api_key: the bearer key (default ``$VIDWIDGETS_API_KEY``). With neither a key nor a
            base URL the client runs on the embedded simulator (``is_simulator``).
        api_format: ``"88api"`` (``/v1/video/generations``) or ``"openai"`` (``/v1/videos``);
            default ``$VIDWIDGETS_API_FORMAT`` or ``"88api"`` (``"openai"`` when the embedded
            simulator speaks only that).
        max_concurrency: jobs in flight at once in ``generate`` (and downloads at once).
        timeout: seconds to wait for any one response.
        max_retries: retries of one request (a 429 gets more; a create only when safe).
        output_dir: where ``generate`` saves videos (default ``$VIDWIDGETS_OUTPUT_DIR`` or
            ``./vidwidgets-videos``).
        cache: reuse the job and file of an identical request with a seed (``cache_ttl``
            seconds in memory; also on disk in ``cache_dir`` when given).
        journal: record task ids before waiting so a lost kernel can ``resume()``: ``True``,
            ``False``, a file path, or None (on for real servers, off for the embedded one).
        time_scale: multiplies every client-side interval (polling, backoff, default deadline);
            default 1, or 1/speed on the embedded simulator.
        poll: polling knobs (``PollConfig``).
        max_download_bytes: the largest video file accepted (against endless bodies).
        max_json_bytes: the largest JSON answer accepted (against hostile servers).
        max_body_bytes: the largest request body sent (oversized uploads are refused).
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        api_format: str | None = None,
        max_concurrency: int = 4,
        *,
        timeout: float = 60.0,
        max_retries: int = 3,
        output_dir: str | os.PathLike[str] | None = None,
        cache: bool = True,
        cache_ttl: float = 3600.0,
        cache_dir: str | os.PathLike[str] | None = None,
        journal: bool | str | os.PathLike[str] | None = None,
        time_scale: float | None = None,
        poll: PollConfig | None = None,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        max_json_bytes: int = MAX_JSON_BYTES,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        if max_concurrency < 1:
            raise ValidationError("max_concurrency", max_concurrency, "a whole number >= 1")
        env_key = os.environ.get("VIDWIDGETS_API_KEY") or None
        env_url = os.environ.get("VIDWIDGETS_BASE_URL") or None
        self._api_key = api_key if api_key is not None else env_key
        self._embedded = self._api_key is None and base_url is None and env_url is None
        self._base_url = None if self._embedded else (base_url or env_url or DEFAULT_BASE_URL)
        if self._base_url is not None:
            self._base_url = _check_base_url(self._base_url)
        fmt = api_format or os.environ.get("VIDWIDGETS_API_FORMAT") or None
        if fmt is None and self._embedded:
            from vidwidgets._embedded import embedded_settings

            fmt = "openai" if embedded_settings()["dialect"] == "openai" else "88api"
        fmt = fmt or "88api"
        if fmt not in API_FORMATS:
            raise ValidationError("api_format", fmt, "'88api' or 'openai'")
        self.api_format: ApiFormat = fmt
        self.max_concurrency = max_concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self._time_scale = time_scale
        self._poll = poll
        self.output_dir = Path(
            output_dir or os.environ.get("VIDWIDGETS_OUTPUT_DIR") or "vidwidgets-videos"
        )
        self.max_download_bytes = max_download_bytes
        self.max_json_bytes = max_json_bytes
        self.max_body_bytes = max_body_bytes
        self._cache = ResultCache(ttl=cache_ttl, folder=cache_dir) if cache else None
        self._journal_setting = journal
        self._journal: Journal | None = None
        self._journal_ready = False
        self._metrics = Metrics()
        self._transport: Transport | None = None
        self._states: dict[asyncio.AbstractEventLoop, _LoopState] = {}
        self._waiters: dict[str, list[_Waiter]] = {}
        self._jobs: dict[str, VideoJob] = {}
        self._adopted: set[str] = set()
        #: the server's refresh loop (when its period is known), learned from every job's reads
        self._refresh: RefreshClock | None = None
        #: task id -> monotonic time its create was sent (the client's clock for durations)
        self._born: dict[str, float] = {}
        #: task id -> monotonic time its create was answered (the task existed by then)
        self._answered: dict[str, float] = {}
        self._closed = False

    # -- identity ----------------------------------------------------------------------------

    def __repr__(self) -> str:  # never the key
        where = "embedded simulator" if self._embedded else self._base_url
        return f"VideoClient(base_url={where!r}, api_format={self.api_format!r})"

    __str__ = __repr__

    @property
    def is_simulator(self) -> bool:
        """True when running on the embedded simulator (no key configured)."""
        return self._embedded

    @property
    def base_url(self) -> str:
        """The API's address (starts the embedded simulator if that is the target)."""
        return self._target().base_url

    @property
    def time_scale(self) -> float:
        if self._time_scale is not None:
            return self._time_scale
        if self._embedded:
            from vidwidgets._embedded import get_embedded_simulator

            return 1.0 / get_embedded_simulator().speed
        return 1.0

    @property
    def metrics(self) -> MetricsSnapshot:
        """Counters so far (``.as_dict()`` for JSON)."""
        return self._metrics.snapshot()

    @property
    def journal(self) -> Journal | None:
        """The task journal, or None when it is off."""
        if not self._journal_ready:
            setting = self._journal_setting
            if setting is None:
                setting = not self._embedded
            if setting is True:
                self._journal = Journal(default_journal_path())
            elif setting is not False:
                self._journal = Journal(Path(os.fspath(setting)))
            self._journal_ready = True
        return self._journal

    def _target(self) -> Transport:
        if self._transport is None:
            key = self._api_key
            url = self._base_url
            if self._embedded:
                from vidwidgets._embedded import get_embedded_simulator

                sim = get_embedded_simulator()
                url, key = sim.base_url, sim.api_key
            assert url is not None
            self._transport = Transport(
                url,
                key,
                retry=RetryPolicy(
                    max_retries=self.max_retries,
                    # waiting out a 429 is the point, but max_retries=0 means none at all
                    rate_limit_retries=max(self.max_retries, 8) if self.max_retries else 0,
                    time_scale=self.time_scale,
                ),
                metrics=self._metrics,
                timeout=self.timeout,
                max_json_bytes=self.max_json_bytes,
            )
        return self._transport

    def _poll_config(self) -> PollConfig:
        if self._poll is not None:
            return self._poll
        return PollConfig(time_scale=self.time_scale)

    # -- sessions ----------------------------------------------------------------------------

    def _state(self) -> _LoopState:
        if self._closed:
            raise VideoAPIError("the client is closed", hint="Create a new VideoClient.")
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None or state.session.closed:
            connector = aiohttp.TCPConnector(limit=self.max_concurrency * 2 + 8)
            # Proxy settings from the environment apply to real servers only: a corporate
            # HTTP_PROXY must not swallow loopback traffic to a local simulator.
            trust_env = not _is_loopback(self._target().base_url)
            session = aiohttp.ClientSession(connector=connector, trust_env=trust_env)
            state = _LoopState(
                loop=loop,
                session=session,
                jobs=asyncio.Semaphore(self.max_concurrency),
                downloads=asyncio.Semaphore(self.max_concurrency),
                admission=_Admission(),
            )
            self._states[loop] = state
        return state

    async def __aenter__(self) -> VideoClient:
        self._closed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections (of every event loop this client used)."""
        current = asyncio.get_running_loop()
        states, self._states = self._states, {}
        for loop, state in states.items():
            if loop is current:
                await state.session.close()
            elif loop.is_running() and not loop.is_closed():
                future = asyncio.run_coroutine_threadsafe(state.session.close(), loop)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.wrap_future(future), 5)

    def close(self) -> None:
        """Close the pooled connections without blocking (for scripts and notebook cells).

        Each session is closed on its own event loop; nothing here waits on another loop, so
        calling it from a cell cannot deadlock the kernel.
        """
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        states, self._states = self._states, {}
        for loop, state in states.items():
            if loop is current:
                loop.create_task(state.session.close())
            elif loop.is_running() and not loop.is_closed():
                asyncio.run_coroutine_threadsafe(state.session.close(), loop)

    # -- create / read -----------------------------------------------------------------------

    async def create(
        self, request: VideoRequest | Mapping[str, Any], *, timeout: float | None = None
    ) -> VideoJob:
        """Submit a generation; returns the job (``queued``) once its id is journaled.

        A create is retried only when the server cannot have acted on it (connection refused,
        429, 503), so a flaky network never bills twice. A 429 ("upstream saturated") is waited
        out for up to ``timeout`` seconds (default ``default_deadline``): the client lowers its
        own limit of jobs in flight to what the server holds and sends the create again when
        one of its jobs ends (see ``_Admission``), rather than counting retries.
        """
        request = _as_request(request)
        prepared = prepare_create(request, self.api_format, max_body_bytes=self.max_body_bytes)
        transport = self._target()
        state = self._state()
        admission = state.admission
        budget = self._deadline_for(request) if timeout is None else timeout
        deadline = time.monotonic() + budget
        idle_probe = IDLE_PROBE_SECONDS * self.time_scale
        logger.debug("create %s", prepared.describe())
        attempt = 0
        while True:
            await admission.acquire(deadline, idle_probe)
            sent = time.monotonic()
            try:
                response = await transport.request(
                    state.session,
                    "create",
                    prepared.method,
                    prepared.path,
                    prepared=prepared,
                    retry_rate_limits=False,
                )
            except RateLimitError as exc:
                admission.rejected(saturated=True)
                wait = exc.retry_after
                if wait is None and not admission.in_flight:
                    # nothing of ours holds the server: its slots free on others' schedule
                    wait = transport.retry.backoff(min(attempt, 8))
                wait = min(wait or 0.0, transport.retry.max_retry_after)
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
                job = self._register_created(response, request, self.api_format)
            except BaseException:
                admission.rejected(saturated=False)
                raise
            admission.accepted(job.id)
            self._born[job.id] = sent
            self._answered[job.id] = time.monotonic()
            return job

    def _register_created(
        self, response: Response, request: VideoRequest | None, api_format: ApiFormat
    ) -> VideoJob:
        task_id = find_task_id(response.body)
        if task_id is None:
            raise ProtocolError(
                "the server accepted the request but sent no task id",
                status=response.status,
                code="missing_task_id",
                hint="The task may exist on the server; check your provider dashboard before "
                "retrying, so it is not paid for twice.",
            )
        view = parse_task(response.body)
        job = VideoJob(id=task_id, request=request, api_format=api_format)
        self._apply(job, view, response.body)
        if job.status.is_terminal and job.status is not JobStatus.SUCCEEDED:
            job.status = JobStatus.QUEUED  # a create body's status word is not a verdict yet
        journal = self.journal
        if journal is not None:
            journal.created(
                task_id,
                base_url=self._target().base_url,
                api_format=api_format,
                request=request.to_dict() if request else None,
                fingerprint=_fingerprint(request),
            )
        self._jobs[task_id] = job
        logger.info("created %s (%s)", task_id, request.model if request else "?")
        return job

    def _coerce(self, job: JobLike) -> VideoJob:
        given: Any = job  # callers outside the type checker pass anything
        if isinstance(given, VideoJob):
            return given
        if not isinstance(given, str):
            raise ValidationError("job", given, "a VideoJob or a task id string")
        known = self._jobs.get(given)
        return known if known is not None else VideoJob(id=given, api_format=self.api_format)

    def _apply(self, job: VideoJob, view: TaskView, body: Any) -> bool:
        """Update ``job`` from a status view; True when anything a user sees changed."""
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
        if job.status.is_terminal:
            if job.completed_at is None:
                # for display only (it may be the server's clock): durations are not learned
                # from it
                job.completed_at = view.finished_at or time.time()
            self._release(job.id)
        return before != (job.status, job.progress, job.url, job.error)

    async def _read(self, job: VideoJob) -> tuple[bool, Response]:
        transport = self._target()
        state = self._state()
        fmt: ApiFormat = job.api_format if job.api_format in API_FORMATS else self.api_format
        method, path = route(fmt, "retrieve", job.id)
        try:
            response = await transport.request(state.session, "retrieve", method, path)
        except VideoAPIError as exc:
            exc.job = job
            raise
        view = parse_task(response.body)
        changed = self._apply(job, view, response.body)
        return changed, response

    async def retrieve(self, job: JobLike) -> VideoJob:
        """Read the task's status once; updates and returns the job."""
        job = self._coerce(job)
        await self._read(job)
        return job

    # -- waiting -----------------------------------------------------------------------------

    def default_deadline(self, job: VideoJob) -> float:
        """max(600 s, 30 × the requested duration), times ``time_scale``."""
        return self._deadline_for(job.request)

    def _deadline_for(self, request: VideoRequest | None) -> float:
        duration = request.effective_duration if request else None
        return max(600.0, 30.0 * (duration or 0)) * self.time_scale

    def _release(self, task_id: str) -> None:
        """A job of ours ended (or was cancelled): its server slot is free again."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for state in builtins.list(self._states.values()):
            if state.loop is running:
                state.admission.release(task_id)
            else:  # another loop's condition cannot be woken from here; its probe will see it
                state.admission.in_flight.discard(task_id)

    async def wait(
        self,
        job: JobLike,
        timeout: float | None = None,
        on_update: UpdateCallback | None = None,
    ) -> VideoJob:
        """Poll until the job ends; returns it when it succeeded.

        Raises ``GenerationFailed`` (``.job`` has the reason), ``JobCancelled`` when
        ``cancel(job)`` was called, ``PollTimeout`` after ``timeout`` seconds (default
        ``default_deadline``; the task may still finish — wait again later). ``on_update(job)``
        (sync or async) is called whenever the status, progress or URL changes. Cancelling the
        awaiting task stops polling at once.
        """
        job = self._coerce(job)
        self._jobs.setdefault(job.id, job)
        deadline_s = self.default_deadline(job) if timeout is None else timeout
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop, asyncio.Event())
        self._waiters.setdefault(job.id, []).append(waiter)
        # All timing here is the client's own monotonic clock, from when the create was sent
        # (never the server's timestamps): ``born`` is that instant.
        born = self._born.get(job.id)
        if born is None:  # created elsewhere (resumed, adopted, an id): from its wall stamp
            born = time.monotonic() - max(0.0, time.time() - job.created_at)
        expected = self._metrics.typical_generation_time(job.model)
        earliest = self._metrics.generation_quantile(job.model, EARLIEST_QUANTILE)
        schedule = self._poll_config().schedule(expected=expected, earliest=earliest)
        self._pace(schedule, born)
        errors = 0
        job_seconds: builtins.list[float | None] = [None]  # create sent -> end first seen
        first_delay: float | None = None
        seen_running = False
        if job.updated_at is not None and time.time() - job.updated_at < schedule.initial:
            # fresh from create: the state is known, the first read can wait
            first_delay = schedule.initial - (time.time() - job.updated_at)
            if earliest is not None:
                first_delay = schedule.next_delay(time.monotonic() - born)
            probe = self._probe_time(job.id)
            if probe is not None:
                # the refresh phase is still vague: the first read (it can never repeat an
                # earlier one) goes mid-way through its window; if it sees the first refresh
                # since the create, that window is halved for every later read
                first_delay = min(first_delay, probe - time.monotonic())
        # a task is created as the gateway's initial state: a change at the first read means a
        # refresh after the create was sent (no change proves nothing: a refresh may copy the
        # same state)
        sent_before: float | None = born if job.id in self._born else None
        last_key = (job.status, job.progress, job.url is not None)
        try:
            if first_delay is not None and not job.is_terminal:
                with contextlib.suppress(_Cancelled):
                    await self._until_cancelled(asyncio.sleep(first_delay), waiter)
            while not job.is_terminal:
                seen_running = True
                # a hanging read must not outlive the overall deadline
                budget = max(deadline_s - (time.monotonic() - started), 0.001)
                sent = time.monotonic()
                try:
                    changed, response = await self._until_cancelled(
                        asyncio.wait_for(self._read(job), budget), waiter
                    )
                except _Cancelled:
                    break
                except asyncio.TimeoutError:
                    raise PollTimeout(
                        f"job {job.id} did not finish within {deadline_s:.3g} s "
                        f"(a status read was still pending)",
                        job=job,
                    ) from None
                except VideoAPIError as exc:
                    if isinstance(exc, NotFoundError):
                        # expired or never on this server: waiting again cannot help
                        self._journal_finished(job, status="not_found")
                        raise
                    if not exc.retryable:
                        raise
                    errors += 1
                    if errors > MAX_POLL_ERRORS:
                        raise
                    logger.info("status read of %s failed (%s); polling on", job.id, exc)
                    delay = self._target().retry.delay(min(errors, 6), None)
                else:
                    errors = 0
                    answered = time.monotonic()
                    now = answered - born
                    key = (job.status, job.progress, job.url is not None)
                    moved, last_key = key != last_key, key
                    schedule.observe(
                        now, key, progress=job.progress, queued=job.status is JobStatus.QUEUED
                    )
                    schedule.set_hint(_poll_hint(response.headers))
                    if self._refresh is None:
                        period = known_refresh_period(response.body)
                        if period is not None:
                            self._refresh = RefreshClock(period * self.time_scale)
                    if moved and sent_before is not None and self._refresh is not None:
                        # the server refreshed between the previous read's send and this answer
                        self._refresh.observe(sent_before, answered)
                    sent_before = sent
                    self._pace(schedule, born)
                    if changed and on_update is not None:
                        await _call(on_update, job)
                    if _ended(job):  # a property narrowed by the loop test would fool mypy
                        if seen_running and job.id in self._born:
                            # created and seen running here: learn how long this model takes
                            job_seconds[0] = now
                        break
                    delay = schedule.next_delay(now)
                remaining = deadline_s - (time.monotonic() - started)
                if remaining <= 0:
                    raise PollTimeout(
                        f"job {job.id} did not finish within {deadline_s:.3g} s "
                        f"(last status {job.status.value})",
                        job=job,
                    )
                try:
                    await self._until_cancelled(asyncio.sleep(min(delay, remaining)), waiter)
                except _Cancelled:
                    break
        finally:
            waiters = self._waiters.get(job.id, [])
            if waiter in waiters:
                waiters.remove(waiter)
            if not waiters:
                self._waiters.pop(job.id, None)
        return self._finish_wait(job, schedule.polls, job_seconds[0])

    def _probe_time(self, task_id: str) -> float | None:
        """When a fresh job's first read would sharpen the refresh phase, or None."""
        clock, created = self._refresh, self._answered.get(task_id)
        if clock is None or created is None or (clock.uncertainty or 0.0) <= 0.1 * clock.period:
            return None
        return clock.next_middle(created)

    def _pace(self, schedule: PollSchedule, born: float) -> None:
        """Give a job's schedule the server's refresh loop as this client knows it."""
        clock = self._refresh
        if clock is None:
            return
        tick = clock.tick
        schedule.prior = (clock.period, None if tick is None else tick - born)
        schedule.exact_period = True

    def _finish_wait(self, job: VideoJob, polls: int, seconds: float | None) -> VideoJob:
        logger.info("%s ended %s after %d status reads", job.id, job.status.value, polls)
        if job.status is JobStatus.SUCCEEDED:
            if polls:  # seen to finish here, not an already finished job waited on again
                self._metrics.record_job(job.model, succeeded=True, seconds=seconds)
            return job
        if job.status is JobStatus.CANCELLED:
            self._metrics.record_failure(JobCancelled("cancelled"))
            raise JobCancelled(f"job {job.id} was cancelled", code="cancelled", job=job)
        self._metrics.record_job(job.model, succeeded=False, seconds=None)
        error = GenerationFailed(
            f"job {job.id} failed: {job.error or 'no reason given'}",
            code=job.error.code if job.error else None,
            job=job,
        )
        self._metrics.record_failure(error)
        self._journal_finished(job)
        raise error

    async def _until_cancelled(self, aw: Awaitable[T], waiter: _Waiter) -> T:
        """Await ``aw`` unless ``cancel()`` fires first (then ``_Cancelled``)."""
        if waiter.event.is_set():
            if inspect.iscoroutine(aw):
                aw.close()
            raise _Cancelled
        task = asyncio.ensure_future(aw)
        stop = asyncio.ensure_future(waiter.event.wait())
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
            raise _Cancelled
        return task.result()

    @overload
    def as_completed(
        self,
        items: Iterable[VideoJob | str | VideoRequest],
        *,
        timeout: float | None = None,
        return_exceptions: Literal[False] = False,
    ) -> AsyncIterator[VideoJob]: ...

    @overload
    def as_completed(
        self,
        items: Iterable[VideoJob | str | VideoRequest],
        *,
        timeout: float | None = None,
        return_exceptions: Literal[True],
    ) -> AsyncIterator[VideoJob | VideoAPIError]: ...

    async def as_completed(
        self,
        items: Iterable[VideoJob | str | VideoRequest],
        *,
        timeout: float | None = None,
        return_exceptions: bool = False,
    ) -> AsyncIterator[VideoJob | VideoAPIError]:
        """Yield jobs as they end (failed and cancelled ones too; ``job.status`` says which).

        Jobs and ids are waited on; ``VideoRequest``s are generated (created, waited on and
        downloaded, at most ``max_concurrency`` at once).

        Other errors (a ``PollTimeout``, a create given up on, a connection lost) stop the
        whole batch by default: the error propagates and the remaining waits are cancelled.
        With ``return_exceptions=True`` such an error is yielded in the job's place instead
        (``error.job`` is the job when it was created) and the other jobs go on:

            >>> async for item in client.as_completed(requests, return_exceptions=True):  # doctest: +SKIP
            ...     if isinstance(item, vw.VideoAPIError):
            ...         print("failed:", item, item.job)
            ...     else:
            ...         print(item.id, item.status)
        """

        async def one(item: VideoJob | str | VideoRequest) -> VideoJob | VideoAPIError:
            try:
                if isinstance(item, VideoRequest):
                    return await self.generate(item, timeout=timeout)
                return await self.wait(item, timeout=timeout)
            except (GenerationFailed, JobCancelled) as exc:
                if exc.job is None:
                    raise
                return exc.job
            except VideoAPIError as exc:
                if return_exceptions:
                    return exc
                raise

        tasks = [asyncio.ensure_future(one(item)) for item in items]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- cancel, list, delete, remix ---------------------------------------------------------

    async def cancel(self, job: JobLike) -> VideoJob:
        """Stop waiting on ``job`` at once and mark it cancelled; on the OpenAI format also send
        ``DELETE /v1/videos/{id}`` (the 88API format has no cancel route). A finished job is
        returned unchanged."""
        job = self._coerce(job)
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return job
        job.status = JobStatus.CANCELLED
        job.error = JobError(code="cancelled", message="cancelled by the user")
        job.completed_at = job.completed_at or time.time()
        self._signal_cancel(job.id)
        if job.api_format == "openai":
            try:
                await self._request("delete", "openai", job.id)
            except VideoAPIError as exc:
                logger.info("DELETE of cancelled job %s failed: %s", job.id, exc)
        self._journal_finished(job)
        return job

    def _signal_cancel(self, task_id: str) -> None:
        for waiter in list(self._waiters.get(task_id, ())):
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if waiter.loop is running:
                waiter.event.set()
            elif not waiter.loop.is_closed():
                waiter.loop.call_soon_threadsafe(waiter.event.set)

    async def _request(
        self,
        name: str,
        api_format: ApiFormat,
        task_id: str | None = None,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Response:
        try:
            method, path = route(api_format, name, task_id)
        except KeyError:
            raise VideoAPIError(
                f"{name} is not available in the {api_format} format",
                code="not_supported",
                hint="Use api_format='openai' for list, delete and remix.",
            ) from None
        try:
            return await self._target().request(
                self._state().session, name, method, path, json_body=json_body, params=params
            )
        except APIStatusError as exc:
            if exc.status in (404, 405, 501) and exc.code is None and task_id is None:
                exc.hint = f"This server does not support {name}."
            raise

    async def list(
        self, *, limit: int = 20, order: str = "desc", after: str | None = None
    ) -> builtins.list[VideoJob]:
        """The server's recent videos (OpenAI format: ``GET /v1/videos``)."""
        params = {"limit": str(limit), "order": order}
        if after:
            params["after"] = after
        response = await self._request("list", "openai", params=params)
        items = response.body.get("data") if isinstance(response.body, dict) else None
        jobs = []
        for item in items if isinstance(items, list) else []:
            task_id = find_task_id(item)
            if task_id is None:
                continue
            job = self._jobs.get(task_id) or VideoJob(id=task_id, api_format="openai")
            self._apply(job, parse_task(item), item)
            jobs.append(job)
        return jobs

    async def delete(self, job: JobLike) -> bool:
        """Delete a video on the server (OpenAI format); True when the server confirms."""
        job = self._coerce(job)
        response = await self._request("delete", "openai", job.id)
        self._jobs.pop(job.id, None)
        body = response.body
        return bool(body.get("deleted", True)) if isinstance(body, dict) else True

    async def remix(self, job: JobLike, prompt: str) -> VideoJob:
        """Start a new video from a finished one with a new prompt (``/v1/videos/{id}/remix``)."""
        job = self._coerce(job)
        request = job.request.replace(prompt=prompt) if job.request else None
        if request is None and (not isinstance(prompt, str) or not prompt.strip()):
            raise ValidationError("prompt", prompt, "a non-empty text describing the change")
        response = await self._request("remix", "openai", job.id, json_body={"prompt": prompt})
        return self._register_created(response, request, "openai")

    # -- download ----------------------------------------------------------------------------

    def default_path(self, job: VideoJob, variant: str = "video") -> Path:
        """``output_dir / <safe name from the task id>.mp4`` (never outside ``output_dir``)."""
        suffix = EXTENSIONS.get(variant, ".bin")
        name = safe_filename(job.id, suffix if variant == "video" else f".{variant}{suffix}")
        return self.output_dir / name

    async def download(
        self,
        job: JobLike,
        path: str | os.PathLike[str] | None = None,
        *,
        variant: str = "video",
    ) -> Path:
        """Save the video (or ``variant="thumbnail"``) to ``path`` and return the path.

        The direct URL is fetched first, without the key when it is on another host; the
        ``/content`` endpoint is the fallback. The file appears only when complete.
        """
        job = self._coerce(job)
        if variant not in EXTENSIONS:
            raise ValidationError("variant", variant, "'video', 'thumbnail' or 'spritesheet'")
        if job.status is not JobStatus.SUCCEEDED:
            await self.retrieve(job)
        if job.status is not JobStatus.SUCCEEDED:
            raise VideoAPIError(
                f"job {job.id} has no video yet (status {job.status.value})",
                code="not_ready",
                hint="Await client.wait(job) first.",
                job=job,
            )
        if path is None:
            target = self.default_path(job, variant)
        else:
            target = Path(path)
            if target.is_dir():
                target = target / self.default_path(job, variant).name
        transport = self._target()
        state = self._state()
        sources: list[str] = []
        if variant == "video" and job.url:
            sources.append(job.url)
        _, content_path = route("openai", "content", job.id)
        content_url = transport.url(content_path)
        if variant != "video":
            content_url += f"?variant={variant}"
        sources.append(content_url)
        retry = transport.retry
        last: VideoAPIError | None = None
        async with state.downloads:
            # The video is paid for by now: wait out a 429 as patiently as any request does
            # (its own budget, the server's Retry-After), not just max_retries quick tries.
            attempt = 0
            while True:
                retryable = False
                for url in sources:
                    started = time.monotonic()
                    try:
                        result = await stream_to_file(
                            state.session,
                            url,
                            target,
                            api_origin=transport.base_url,
                            auth_headers=transport.auth_headers(),
                            variant=variant,
                            max_bytes=self.max_download_bytes,
                            timeout=aiohttp.ClientTimeout(
                                total=None, connect=10, sock_read=self.timeout
                            ),
                            secret=transport.secret,
                        )
                    except VideoAPIError as exc:
                        self._metrics.record_request("download", exc.status, 0.0)
                        logger.info("download of %s from a source failed: %s", job.id, exc)
                        last = exc
                        retryable = retryable or exc.retryable
                        continue
                    self._metrics.record_request(
                        "download", 200, time.monotonic() - started, retry=attempt > 0
                    )
                    self._metrics.record_download(result.bytes)
                    if variant == "video":
                        job.path = result.path
                        self._journal_finished(job)
                    return result.path
                if not retryable or last is None or attempt >= retry.budget(last.status):
                    break
                await asyncio.sleep(retry.delay(attempt, getattr(last, "retry_after", None)))
                attempt += 1
        assert last is not None
        last.job = job
        if last.retryable:
            # a transient failure: "check base_url" is the wrong advice, the video is made
            last.hint = DOWNLOAD_AGAIN_HINT
        self._metrics.record_failure(last)
        raise last

    # -- generate ----------------------------------------------------------------------------

    async def generate(
        self,
        request: VideoRequest | Mapping[str, Any],
        path: str | os.PathLike[str] | None = None,
        on_update: UpdateCallback | None = None,
        *,
        timeout: float | None = None,
        use_cache: bool = True,
    ) -> VideoJob:
        """Create, wait and download: the finished job with ``job.path`` set.

        An identical request with a ``seed`` returns the earlier job and file from the cache.
        After a crash, a task this request already started (found in the journal) is resumed
        instead of created again. At most ``max_concurrency`` generations run at once.
        """
        request = _as_request(request)
        key = None
        if self._cache is not None and use_cache and ResultCache.cacheable(request):
            key = ResultCache.key(self._target().base_url, self.api_format, request.fingerprint())
            hit = self._cache.get(key)
            self._metrics.record_cache(hit is not None)
            if hit is not None:
                logger.info("cache hit for %s: job %s", request.model, hit.id)
                hit.request = request
                if path is not None:
                    _copy_cached(hit, Path(path))
                if on_update is not None:
                    await _call(on_update, hit)
                return hit
        state = self._state()
        async with state.jobs:
            job = self._adopt(request)
            if job is None:
                job = await self.create(request, timeout=timeout)
            if on_update is not None:
                await _call(on_update, job)
            await self.wait(job, timeout=timeout, on_update=on_update)
        await self.download(job, path)
        if on_update is not None:
            await _call(on_update, job)
        if key is not None and self._cache is not None:
            self._cache.put(key, job)
        return job

    def generate_sync(
        self,
        request: VideoRequest | Mapping[str, Any],
        path: str | os.PathLike[str] | None = None,
        on_update: UpdateCallback | None = None,
        *,
        timeout: float | None = None,
    ) -> VideoJob:
        """Blocking ``generate`` for scripts and notebook cells (works inside a running loop).

        >>> job = VideoClient().generate_sync(VideoRequest(model="kling-v1", prompt="fox"))  # doctest: +SKIP
        """
        from vidwidgets._runtime import run

        return run(self._sync_scope(self.generate(request, path, on_update, timeout=timeout)))

    async def _sync_scope(self, coro: Awaitable[T]) -> T:
        """Close the background loop's session when the last sync call on it ends."""
        state = self._state()
        state.sync_users += 1
        try:
            return await coro
        finally:
            state.sync_users -= 1
            if state.sync_users == 0 and self._states.get(state.loop) is state:
                del self._states[state.loop]
                await state.session.close()

    # -- crash safety ------------------------------------------------------------------------

    def resume(self) -> builtins.list[VideoJob]:
        """Jobs the journal shows as started on this server but never finished (for example by
        a kernel that died); wait on them to collect their videos.

            >>> for job in client.resume():                             # doctest: +SKIP
            ...     await client.wait(job)
        """
        journal = self.journal
        if journal is None:
            return []
        jobs = []
        for record in journal.pending(self._target().base_url):
            task_id = record["id"]
            if task_id in self._jobs:
                jobs.append(self._jobs[task_id])
                continue
            try:
                request = (
                    VideoRequest.from_dict(record["request"]) if record.get("request") else None
                )
            except (VideoAPIError, TypeError, ValueError):
                request = None  # e.g. the local image file is gone: resume by id alone
            fmt = record.get("api_format")
            job = VideoJob(
                id=task_id,
                request=request,
                api_format=fmt if fmt in API_FORMATS else self.api_format,
                created_at=float(record.get("at") or time.time()),
            )
            self._jobs[task_id] = job
            jobs.append(job)
        return jobs

    def _adopt(self, request: VideoRequest) -> VideoJob | None:
        """A job another (dead) session started for this very request, if the journal has one."""
        journal = self.journal
        if journal is None:
            return None
        fingerprint = _fingerprint(request)
        if fingerprint is None:
            return None
        for record in journal.pending(self._target().base_url):
            task_id = record["id"]
            if (
                record.get("fingerprint") == fingerprint
                and record.get("session") != SESSION
                and record.get("api_format") == self.api_format
                and task_id not in self._adopted
                and task_id not in self._jobs
            ):
                self._adopted.add(task_id)
                job = VideoJob(
                    id=task_id,
                    request=request,
                    api_format=self.api_format,
                    created_at=float(record.get("at") or time.time()),
                )
                self._jobs[task_id] = job
                logger.info("resuming %s from the journal instead of creating again", task_id)
                return job
        return None

    def _journal_finished(self, job: VideoJob, *, status: str | None = None) -> None:
        journal = self.journal
        if journal is not None:
            journal.finished(
                job.id,
                base_url=self._target().base_url,
                status=status or job.status.value,
                path=os.fspath(job.path) if job.path else None,
            )


class _Cancelled(Exception):
    """Internal: ``cancel()`` fired while waiting."""


def _as_request(request: VideoRequest | Mapping[str, Any]) -> VideoRequest:
    if isinstance(request, VideoRequest):
        return request
    if isinstance(request, Mapping):
        return VideoRequest.from_dict(request)
    raise ValidationError("request", request, "a VideoRequest (or a dict of its fields)")


def _ended(job: VideoJob) -> bool:
    return job.status.is_terminal


def _copy_cached(job: VideoJob, path: Path) -> None:
    """Put a cached video at the path the caller asked for (small local file work)."""
    if job.path is None or path.resolve() == job.path.resolve():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(job.path, path)
    job.path = path


def _fingerprint(request: VideoRequest | None) -> str | None:
    if request is None:
        return None
    try:
        return request.fingerprint()
    except OSError:
        return None


def _poll_hint(headers: Mapping[str, str]) -> float | None:
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


async def _call(callback: UpdateCallback, job: VideoJob) -> None:
    """Run a user callback; its bugs are logged, never allowed to stop a paid job."""
    try:
        result = callback(job)
        if inspect.isawaitable(result):
            await result
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("on_update callback failed for job %s", job.id)


def _is_loopback(url: str) -> bool:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(url: str) -> str:
    text = url.strip().rstrip("/")
    if not text.lower().startswith(("http://", "https://")):
        raise ValidationError("base_url", url, "an http(s) URL such as 'https://88api.ai'")
    if text.endswith("/v1"):
        text = text[: -len("/v1")]  # routes carry /v1 themselves
    return text
