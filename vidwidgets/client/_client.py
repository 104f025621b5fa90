"""``VideoClient``: create, watch, download and manage video generations.

The verbs follow openai-python (``create``, ``retrieve``, ``list``, ``delete``, ``remix``,
``download``) plus ``wait`` and ``generate`` (create + wait + download). The class is a façade:
each idea behind a verb lives in its own private module —

- ``_target``: where requests go (a server, or the registered default when there is no key);
- ``_sessions``: one pooled session per event loop; ``_http``: one exchange with retries;
- ``_admission``: the in-flight limit a saturated server (429) imposes on creates;
- ``_watcher`` and ``_cancel``: the polling loop of ``wait`` and stopping it from any loop;
- ``_download``: files; ``_persistence``: the journal, ``resume`` and the result cache;
- ``_dialects`` (reading bodies), ``_mapping`` (writing requests), ``_retry``, ``_polling``
  (timing) and ``_metrics``;
- ``_pricing`` (prices and estimates) and ``_costs`` (the spend cap, ``job.cost``).
"""

from __future__ import annotations

import builtins
import logging
import math
import os
import time
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

from vidwidgets.client._admission import IDLE_PROBE_SECONDS, send_admitted
from vidwidgets.client._available import AvailableModel, fetch_models
from vidwidgets.client._batch import as_completed
from vidwidgets.client._cache import ResultCache
from vidwidgets.client._costs import CostEstimate
from vidwidgets.client._download import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    EXTENSIONS,
    fetch_first,
    safe_filename,
)
from vidwidgets.client._exceptions import (
    ModelNotFound,
    NotFoundError,
    ValidationError,
    VideoAPIError,
)
from vidwidgets.client._http import MAX_JSON_BYTES, Response, Transport
from vidwidgets.client._inline import inline_images
from vidwidgets.client._jobs import JobBook, JobLike
from vidwidgets.client._journal import Journal
from vidwidgets.client._mapping import (
    API_FORMATS,
    MAX_BODY_BYTES,
    ApiFormat,
    prepare_create,
    route,
)
from vidwidgets.client._metrics import Metrics, MetricsSnapshot
from vidwidgets.client._persistence import JournalSetting, Persistence
from vidwidgets.client._polling import PollConfig
from vidwidgets.client._pricing import Spending, TokenUsage
from vidwidgets.client._retry import RetryPolicy
from vidwidgets.client._sessions import LoopState, Sessions
from vidwidgets.client._target import DEFAULT_BASE_URL, Endpoint, Target, is_loopback
from vidwidgets.client._types import JobError, JobStatus, VideoJob, VideoRequest
from vidwidgets.client._watcher import UpdateCallback, Watcher, WatchPlan, call_back

__all__ = ["DEFAULT_BASE_URL", "VideoClient"]

logger = logging.getLogger("vidwidgets")

T = TypeVar("T")


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
            base URL the client runs on the registered default target: the embedded simulator
            (``is_simulator``).
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
        time_scale: multiplies every client-side interval (polling, backoff, default deadline,
            the catalog's generation-time priors); default ``VIDWIDGETS_TIME_SCALE``, else 1, or
            1/speed on the embedded simulator. Set it to 1/speed for a sped-up simulator that
            runs as a server of its own.
        poll: polling knobs (``PollConfig``).
        max_download_bytes: the largest video file accepted (against endless bodies).
        max_json_bytes: the largest JSON answer accepted (against hostile servers).
        max_body_bytes: the largest request body sent (oversized uploads are refused).
        max_spend_usd: a hard cap on the estimated USD of everything this client creates: a
            create that would pass it, or whose price is unknown, raises ``BudgetExceeded``
            and sends nothing (failed jobs give their estimate back). None: no cap.
        prices: your price table, ``{"kling-v1": {"usd": 0.35, "per": "call"}}`` (``per``:
            ``"call"`` or ``"second"``), over ``$VIDWIDGETS_PRICES`` (a JSON file of the same
            shape) and the gateway's ``/api/pricing``. See ``estimate_cost``.
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
        journal: JournalSetting = None,
        time_scale: float | None = None,
        poll: PollConfig | None = None,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        max_json_bytes: int = MAX_JSON_BYTES,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_spend_usd: float | None = None,
        prices: Mapping[str, Any] | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValidationError("max_concurrency", max_concurrency, "a whole number >= 1")
        self._spending = Spending(max_spend_usd, prices)
        self._target = Target(base_url, api_key)
        self.api_format: ApiFormat = _api_format(api_format, self._target)
        self.max_concurrency = max_concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self._time_scale = time_scale if time_scale is not None else _env_time_scale()
        self._poll = poll
        self.output_dir = Path(
            output_dir or os.environ.get("VIDWIDGETS_OUTPUT_DIR") or "vidwidgets-videos"
        )
        self.max_download_bytes = max_download_bytes
        self.max_json_bytes = max_json_bytes
        self.max_body_bytes = max_body_bytes
        self._metrics = Metrics()
        self._http: Transport | None = None
        self._sessions = Sessions(max_concurrency)
        self._book = JobBook(
            lambda: self.api_format,
            on_created=lambda job: self._persistence.created(job),
            on_ended=self._ended,
        )
        self._persistence = Persistence(
            self._book.jobs,
            lambda: self._transport().base_url,
            journal=journal,
            journal_default=not self.is_simulator,
            cache=ResultCache(ttl=cache_ttl, folder=cache_dir) if cache else None,
            metrics=self._metrics,
        )
        self._watcher = Watcher(
            self._metrics, poll_config=self._poll_config, time_scale=lambda: self.time_scale
        )

    # -- identity ----------------------------------------------------------------------------

    def __repr__(self) -> str:  # never the key
        return f"VideoClient(base_url={self._target.describe()!r}, api_format={self.api_format!r})"

    __str__ = __repr__

    @property
    def is_simulator(self) -> bool:
        """True when running on the embedded simulator (no key configured)."""
        return self._target.is_default

    @property
    def base_url(self) -> str:
        """The API's address (starts the embedded simulator if that is the target)."""
        return self._transport().base_url

    @property
    def time_scale(self) -> float:
        if self._time_scale is not None:
            return self._time_scale
        return self._target.endpoint().time_scale  # 1, or 1/speed on the embedded simulator

    @property
    def metrics(self) -> MetricsSnapshot:
        """Counters so far (``.as_dict()`` for JSON)."""
        return self._metrics.snapshot()

    @property
    def journal(self) -> Journal | None:
        """The task journal, or None when it is off."""
        return self._persistence.journal

    def _transport(self) -> Transport:
        if self._http is None:
            self._http = _open_transport(self, self._target.endpoint(), self._metrics)
        return self._http

    def _ended(self, task_id: str) -> None:
        self._sessions.release(task_id)
        self._spending.ledger.ended(task_id)  # a failed job is refunded: its estimate comes back

    def _poll_config(self) -> PollConfig:
        return self._poll if self._poll is not None else PollConfig(time_scale=self.time_scale)

    # -- sessions ----------------------------------------------------------------------------

    def _state(self) -> LoopState:
        # Proxy settings from the environment apply to real servers only: a corporate
        # HTTP_PROXY must not swallow loopback traffic to a local simulator.
        return self._sessions.state(trust_env=not is_loopback(self.base_url))

    async def __aenter__(self) -> VideoClient:
        self._sessions.closed = False
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
        await self._sessions.aclose()

    def close(self) -> None:
        """Close the pooled connections without blocking (for scripts and notebook cells).

        Each session is closed on its own event loop; nothing here waits on another loop, so
        calling it from a cell cannot deadlock the kernel.
        """
        self._sessions.close()

    # -- create / read -----------------------------------------------------------------------

    async def create(
        self, request: VideoRequest | Mapping[str, Any], *, timeout: float | None = None
    ) -> VideoJob:
        """Submit a generation; returns the job (``queued``) once its id is journaled.

        A create is retried only when the server cannot have acted on it (connection refused,
        429, 503), so a flaky network never bills twice. A 429 ("upstream saturated") is waited
        out for up to ``timeout`` seconds (default ``default_deadline``): the client lowers its
        own limit of jobs in flight to what the server holds and sends the create again when
        one of its jobs ends (see ``_admission``), rather than counting retries.
        """
        # Veo reads only inline images: a path or URL becomes a data URL here, fetched without
        # the API's credentials (the image host is not the API)
        request = await inline_images(_as_request(request))
        prepared = prepare_create(request, self.api_format, max_body_bytes=self.max_body_bytes)
        transport, state = self._transport(), self._state()
        budget = self._deadline_for(request) if timeout is None else timeout
        logger.debug("create %s", prepared.describe())

        def send() -> Awaitable[Response]:
            return transport.request(
                state.session,
                "create",
                prepared.method,
                prepared.path,
                prepared=prepared,
                retry_rate_limits=False,
            )

        # the cap is checked (BudgetExceeded: nothing sent) and the estimate held meanwhile
        async with self._spending.admitted(request, transport, state.session) as priced:
            try:
                job, sent = await send_admitted(
                    state.admission,
                    send,
                    lambda r: priced(self._created(r, request), r),
                    retry=transport.retry,
                    deadline=time.monotonic() + budget,
                    idle_probe=IDLE_PROBE_SECONDS * self.time_scale,
                )
            except ModelNotFound as exc:
                raise exc.with_model(request.model, await self._usable_model_ids()) from None
        self._watcher.created(job.id, sent)
        return job

    def _created(self, response: Response, request: VideoRequest) -> VideoJob:
        # a plugin gateway's version header tells its refresh loop before the first read
        self._watcher.learn_refresh(response)
        return self._book.register_created(response, request, self.api_format)

    # -- prices and spend --------------------------------------------------------------------

    async def estimate_cost(self, request: VideoRequest | Mapping[str, Any]) -> CostEstimate:
        """What ``request`` would cost, before sending it; ``usd`` is None when unknown.

        Prices come from ``prices=`` / ``$VIDWIDGETS_PRICES`` first, else the gateway's
        ``/api/pricing`` (cached for 10 minutes); ``basis`` shows the computation:

            >>> (await client.estimate_cost(vw.VideoRequest(model="veo-3.1-generate-preview",
            ...                                              prompt="fox"))).basis  # doctest: +SKIP
            'veo-3.1-generate-preview: $0.40 per second × 8 s × group default 1 = $3.20'
        """
        return await self._spending.estimate(
            _as_request(request), self._transport(), self._state().session
        )

    def estimate_cost_sync(self, request: VideoRequest | Mapping[str, Any]) -> CostEstimate:
        """Blocking ``estimate_cost`` for scripts and notebook cells."""
        from vidwidgets._runtime import run

        return run(self._sync_scope(self.estimate_cost(request)))

    @property
    def spent_usd(self) -> float:
        """The estimated USD of what this client created, failed jobs refunded (see ``max_spend_usd``)."""
        return self._spending.ledger.spent()

    async def usage(self) -> TokenUsage:
        """The key's quota in USD as the gateway counts it (``GET /api/usage/token``).

        That is what was really charged: diff two readings around a batch.
        """
        return await self._spending.usage(self._transport(), self._state().session)

    async def _usable_model_ids(self) -> builtins.list[str] | None:
        """What the key can use, for a ``model_not_found`` message; None when unknown."""
        try:
            return [model.id for model in await self.models()]
        except VideoAPIError as exc:  # best-effort: the create's error matters, not this one
            logger.info("could not list the key's models: %s", exc)
            return None

    async def _read(self, job: VideoJob) -> tuple[bool, Response]:
        fmt: ApiFormat = job.api_format if job.api_format in API_FORMATS else self.api_format
        method, path = route(fmt, "retrieve", job.id)
        try:
            response = await self._transport().request(
                self._state().session, "retrieve", method, path
            )
        except VideoAPIError as exc:
            exc.job = job
            if isinstance(exc, NotFoundError) and not exc.message.startswith("task "):
                exc.message = f"task {job.id}: {exc.message}"  # which task is not visible
                exc.args = (exc.message,)
            raise
        return self._book.apply(job, response.body), response

    async def models(self) -> builtins.list[AvailableModel]:
        """The models this key may use on this gateway (``GET /v1/models``).

        Raises ``VideoAPIError`` with code ``not_supported`` on a gateway without that route:
        then choose from the catalog (``vidwidgets.MODELS``).

            >>> [m.id for m in await client.models()]                   # doctest: +SKIP
            ['kling-v1', 'viduq1', 'veo-3.1-generate-preview']
        """
        return await fetch_models(self._transport(), self._state().session)

    def models_sync(self) -> builtins.list[AvailableModel]:
        """Blocking ``models`` for scripts and notebook cells."""
        from vidwidgets._runtime import run

        return run(self._sync_scope(self.models()))

    async def retrieve(self, job: JobLike) -> VideoJob:
        """Read the task's status once; updates and returns the job."""
        job = self._book.coerce(job)
        await self._read(job)
        return job

    # -- waiting -----------------------------------------------------------------------------

    def default_deadline(self, job: VideoJob) -> float:
        """max(600 s, 30 × the requested duration), times ``time_scale``."""
        return self._deadline_for(job.request)

    def _deadline_for(self, request: VideoRequest | None) -> float:
        duration = request.effective_duration if request else None
        return max(600.0, 30.0 * (duration or 0)) * self.time_scale

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
        job = self._book.coerce(job)
        self._book.jobs.setdefault(job.id, job)
        plan = WatchPlan(
            deadline=self.default_deadline(job) if timeout is None else timeout,
            read=self._read,
            retry_delay=lambda attempt: self._transport().retry.delay(attempt, None),
            on_end=self._persistence.finished,
            on_update=on_update,
        )
        return await self._watcher.watch(job, plan)

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

    def as_completed(
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
        return as_completed(
            items,
            generate=lambda request: self.generate(request, timeout=timeout),
            wait=lambda job: self.wait(job, timeout=timeout),
            return_exceptions=return_exceptions,
        )

    # -- cancel, list, delete, remix ---------------------------------------------------------

    async def cancel(self, job: JobLike) -> VideoJob:
        """Stop waiting on ``job`` at once and mark it cancelled.

        On the OpenAI format this also sends ``DELETE /v1/videos/{id}`` (the 88API format has no
        cancel route). A finished job is returned unchanged.
        """
        job = self._book.coerce(job)
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return job
        job.status = JobStatus.CANCELLED
        job.error = JobError(code="cancelled", message="cancelled by the user")
        job.completed_at = job.completed_at or time.time()
        self._watcher.cancels.signal(job.id)
        if job.api_format == "openai":
            try:
                await self._request("delete", "openai", job.id)
            except VideoAPIError as exc:
                logger.info("DELETE of cancelled job %s failed: %s", job.id, exc)
        self._persistence.finished(job)
        return job

    async def _request(
        self,
        name: str,
        api_format: ApiFormat,
        task_id: str | None = None,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Response:
        session = self._state().session
        return await self._transport().operation(
            session, name, api_format, task_id, json_body=json_body, params=params
        )

    async def list(
        self, *, limit: int = 20, order: str = "desc", after: str | None = None
    ) -> builtins.list[VideoJob]:
        """The server's recent videos (OpenAI format: ``GET /v1/videos``)."""
        params = {"limit": str(limit), "order": order}
        if after:
            params["after"] = after
        response = await self._request("list", "openai", params=params)
        return self._book.from_list(response.body)

    async def delete(self, job: JobLike) -> bool:
        """Delete a video on the server (OpenAI format); True when the server confirms."""
        job = self._book.coerce(job)
        response = await self._request("delete", "openai", job.id)
        self._book.jobs.pop(job.id, None)
        body = response.body
        return bool(body.get("deleted", True)) if isinstance(body, dict) else True

    async def remix(self, job: JobLike, prompt: str) -> VideoJob:
        """Start a new video from a finished one with a new prompt (``/v1/videos/{id}/remix``)."""
        job = self._book.coerce(job)
        request = job.request.replace(prompt=prompt) if job.request else None
        if request is None and (not isinstance(prompt, str) or not prompt.strip()):
            raise ValidationError("prompt", prompt, "a non-empty text describing the change")
        transport, session = self._transport(), self._state().session
        async with self._spending.admitted(request, transport, session, label=job.id) as priced:
            response = await self._request("remix", "openai", job.id, json_body={"prompt": prompt})
            return priced(self._book.register_created(response, request, "openai"), response)

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
        job = self._book.coerce(job)
        if variant not in EXTENSIONS:
            raise ValidationError("variant", variant, "'video', 'thumbnail' or 'spritesheet'")
        await self._succeeded(job)
        target = self.default_path(job, variant) if path is None else Path(path)
        if path is not None and target.is_dir():
            target = target / self.default_path(job, variant).name
        transport, state = self._transport(), self._state()
        try:
            async with state.downloads:
                result = await fetch_first(
                    state.session,
                    self._sources(job, variant),
                    target,
                    transport=transport,
                    metrics=self._metrics,
                    variant=variant,
                    max_bytes=self.max_download_bytes,
                    read_timeout=self.timeout,
                )
        except VideoAPIError as exc:
            exc.job = job
            raise
        if variant == "video":
            job.path = result.path
            self._persistence.finished(job)
        return result.path

    async def _succeeded(self, job: VideoJob) -> None:
        """Raise unless ``job`` has succeeded (reading its status once when it has not yet)."""
        if job.status is not JobStatus.SUCCEEDED:
            await self.retrieve(job)
        if job.status is not JobStatus.SUCCEEDED:
            raise VideoAPIError(
                f"job {job.id} has no video yet (status {job.status.value})",
                code="not_ready",
                hint="Await client.wait(job) first.",
                job=job,
            )

    def _sources(self, job: VideoJob, variant: str) -> builtins.list[str]:
        """The direct URL (videos only), then the ``/content`` endpoint."""
        _, content_path = route("openai", "content", job.id)
        content_url = self._transport().url(content_path)
        if variant != "video":
            content_url += f"?variant={variant}"
        direct = [job.url] if variant == "video" and job.url else []
        return [*direct, content_url]

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
        key = self._persistence.cache_key(request, self.api_format) if use_cache else None
        if key is not None:
            hit = self._persistence.cached(key, request, None if path is None else Path(path))
            if hit is not None:
                if on_update is not None:
                    await call_back(on_update, hit)
                return hit
        async with self._state().jobs:
            job = self._persistence.adopt(request, self.api_format)
            if job is None:
                job = await self.create(request, timeout=timeout)
            if on_update is not None:
                await call_back(on_update, job)
            await self.wait(job, timeout=timeout, on_update=on_update)
        await self.download(job, path)
        if on_update is not None:
            await call_back(on_update, job)
        self._persistence.remember(key, job)
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
        return await self._sessions.sync_scope(self._state(), coro)

    # -- crash safety ------------------------------------------------------------------------

    def resume(self) -> builtins.list[VideoJob]:
        """Jobs the journal shows as started on this server but never finished.

        For example the jobs of a kernel that died; wait on them to collect their videos.

            >>> for job in client.resume():                             # doctest: +SKIP
            ...     await client.wait(job)
        """
        return self._persistence.resume(self.api_format)


def _as_request(request: VideoRequest | Mapping[str, Any]) -> VideoRequest:
    if isinstance(request, VideoRequest):
        return request
    if isinstance(request, Mapping):
        return VideoRequest.from_dict(request)
    raise ValidationError("request", request, "a VideoRequest (or a dict of its fields)")


def _api_format(explicit: str | None, target: Target) -> ApiFormat:
    """The API format: the argument, else ``VIDWIDGETS_API_FORMAT``, else the target's own."""
    default = target.default
    fmt = explicit or os.environ.get("VIDWIDGETS_API_FORMAT") or None
    fmt = fmt or (default.api_format if default is not None else "88api")
    if fmt not in API_FORMATS:
        raise ValidationError("api_format", fmt, "'88api' or 'openai'")
    return fmt


def _open_transport(client: VideoClient, endpoint: Endpoint, metrics: Metrics) -> Transport:
    """The HTTP layer for ``endpoint``, with the client's retry, timeout and size settings."""
    return Transport(
        endpoint.base_url,
        endpoint.api_key,
        retry=RetryPolicy(
            max_retries=client.max_retries,
            # waiting out a 429 is the point, but max_retries=0 means none at all
            rate_limit_retries=max(client.max_retries, 8) if client.max_retries else 0,
            time_scale=client.time_scale,
        ),
        metrics=metrics,
        timeout=client.timeout,
        max_json_bytes=client.max_json_bytes,
    )


def _env_time_scale() -> float | None:
    """``VIDWIDGETS_TIME_SCALE`` (a number > 0), or None when unset."""
    text = os.environ.get("VIDWIDGETS_TIME_SCALE", "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value > 0 and math.isfinite(value)):
        raise ValidationError(
            "VIDWIDGETS_TIME_SCALE", text, "a number > 0 (1/speed for a sped-up simulator)"
        )
    return value
