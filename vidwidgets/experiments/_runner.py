"""Run the cells of an experiment concurrently, resuming and reusing whatever can be.

For each cell, in this order:

1. **on disk**: the manifest has it succeeded and the file exists → loaded, no API call;
2. **pending**: the manifest has a task id that has not finished → polling resumes by that id,
   no new create (a succeeded task whose download was lost is downloaded again by id);
3. **cache**: a reproducible request (a fixed seed, on a model that honours seeds) already
   finished in any experiment of the store → the file is hard-linked (or copied), no API call.
   Takes 2 … n of ``samples=n`` never come from the cache: they were asked for as new
   generations;

4. otherwise **create** → the id is written to the manifest at once, with the run's cost
   estimate (``RunRecord.cost``) → wait → download. A task that fails is refunded: 0 charged.

Once a cell has its video it is measured (``vw.measure``, on a worker thread, unless
``measure=False``): the scalars go into its record's ``metrics``, a failure into
``metrics_error``, and the per-frame series into the cache file beside the video.

Stopping (Ctrl-C, kernel shutdown) detaches: tasks keep generating on the server and the next run
resumes them. Cancelling a cell is different: it cancels the task on the server where the API
supports it, and marks the cell cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from vidwidgets.client import (
    CostEstimate,
    GenerationFailed,
    JobCancelled,
    JobStatus,
    NotFoundError,
    PollTimeout,
    ResultCache,
    VideoAPIError,
    VideoJob,
    VideoRequest,
)
from vidwidgets.experiments._costs import RunCost, Spend
from vidwidgets.experiments._measuring import failure_note, measure_video, scalars
from vidwidgets.experiments._media import make_thumbnail, probe_video
from vidwidgets.experiments._paths import atomic_write_bytes, inside, safe_name
from vidwidgets.experiments._store import Experiment, RunRecord, cell_key, public_server_url
from vidwidgets.experiments._takes import take_numbers
from vidwidgets.metrics import VideoMetrics, cache_path

__all__ = ["Cell", "CellRun", "ExperimentRunner", "as_cells", "run_cells"]

log = logging.getLogger("vidwidgets.experiments")

#: A cell's status: waiting, creating, queued, in_progress, downloading, then a final one.
CellStatus = JobStatus
Source = Literal["disk", "cache", "resumed", "created"]
PENDING_OR_DONE = ("queued", "in_progress", "succeeded")

#: the ``server`` of runs made on the embedded simulator, whose tasks die with their process
EMBEDDED = "embedded-simulator"

#: the error code of a cell cancelled here while its task goes on generating on the server
CANCELLED_LOCALLY = "cancelled_locally"


def _cancel_error(rec: RunRecord) -> dict[str, str]:
    """Why a cancelled cell is cancelled, and whether its paid task may still arrive."""
    if rec.job_id and (rec.api_format or "88api") != "openai":
        return {
            "code": CANCELLED_LOCALLY,
            "message": "cancelled here; the 88API format has no cancel, so the task may still "
            "finish on the server (and be billed): Retry fetches it by id instead of paying again",
        }
    return {"code": "cancelled", "message": "cancelled by the user"}


def _cancelled_locally(rec: RunRecord) -> bool:
    return rec.status == "cancelled" and (rec.error or {}).get("code") == CANCELLED_LOCALLY


#: how long a stop or cancel waits for a create already sent, so its task id is not lost
CREATE_GRACE_SECONDS = 60.0


class VideoClientLike(Protocol):
    """What the runner needs from [`VideoClient`][vidwidgets.client.VideoClient].

    An ``estimate_cost(request)`` method, where the client has one, gives the estimate recorded
    with each run (``RunRecord.cost``); without it the cost is what ``job.cost`` says.
    """

    async def create(self, request: VideoRequest) -> VideoJob: ...

    async def wait(
        self,
        job: VideoJob,
        timeout: float | None = ...,
        on_update: Callable[[VideoJob], Any] | None = ...,
    ) -> VideoJob: ...

    async def download(self, job: VideoJob, path: Any, *, variant: str = ...) -> Path: ...

    async def cancel(self, job: VideoJob) -> VideoJob: ...

    async def retrieve(self, job: VideoJob | str) -> VideoJob: ...


@dataclass(frozen=True)
class Cell:
    """One cell of a comparison.

    A request, a label that tells it apart, and which take of ``samples=n`` it is (None when it
    is not one).

    >>> Cell(VideoRequest(model="viduq1", prompt="a fox", seed=1), label="seed 1").label
    'seed 1'
    >>> Cell(VideoRequest(model="kling-v1", prompt="a fox"), take=2).key.endswith("#take 2")
    True
    """

    request: VideoRequest
    label: str = ""
    take: int | None = None
    #: the prompt template's values that made this cell (``{"animal": "fox"}``); not in the key
    variables: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """The manifest key: the request's fingerprint plus the label and the take."""
        return cell_key(self.request.fingerprint(), self.label, self.take)


CellLike = Cell | VideoRequest | Mapping[str, Any]


def as_cells(items: Iterable[CellLike], *, samples: int = 1) -> list[Cell]:
    """Normalise requests, cells and dicts into cells.

    A dict is ``VideoRequest.to_dict()`` plus an optional ``"label"``. Repeated keys are an
    error, since they would share a record.

    Args:
        items: the cells, requests or dicts.
        samples: independent takes of each item (``samples=3``: takes 1, 2 and 3 of each, in
            that order, each its own record and its own create).

    Returns:
        The cells, in order.

    Raises:
        ValueError: two cells share a key, or ``samples`` is not a whole number >= 1.

    Example:
        >>> cells = as_cells([VideoRequest(model="kling-v1", prompt="a fox")], samples=2)
        >>> tuple(c.take for c in cells)
        (1, 2)
    """
    takes = take_numbers(samples)
    cells: list[Cell] = []
    seen: set[str] = set()
    for item in items:
        for take in takes:
            cell = _as_cell(item)
            if take is not None:
                cell = Cell(cell.request, cell.label, take)
            if cell.key in seen:
                raise ValueError(
                    f"two cells have the same request and label {cell.label!r}: "
                    "give them different labels"
                )
            seen.add(cell.key)
            cells.append(cell)
    return cells


def _as_cell(item: CellLike) -> Cell:
    if isinstance(item, Cell):
        return item
    if isinstance(item, VideoRequest):
        return Cell(item)
    if isinstance(item, Mapping):
        data = dict(item)
        label = str(data.pop("label", "") or "")
        return Cell(VideoRequest.from_dict(data), label)
    raise TypeError(f"a cell must be a Cell, VideoRequest or dict, not {type(item).__name__}")


class CellRun:
    """The live state of one cell while the runner works on it (one object per cell key).

    ``status`` moves through waiting → creating → queued → in_progress → downloading →
    succeeded, or ends failed, cancelled or pending (still on the server; run again to resume).
    ``source`` says where the video came from: ``disk``, ``cache``, ``resumed`` or ``created``.
    The asyncio task behind it belongs to the runner; ``running`` says whether it is alive.

        >>> run = runner.runs[key]                           # doctest: +SKIP
        >>> run.status, run.progress, run.source             # doctest: +SKIP
        ('in_progress', 30, 'created')
        >>> run.cancel()                                     # doctest: +SKIP
    """

    def __init__(self, runner: ExperimentRunner, cell: Cell) -> None:
        self.cell = cell
        self.key = cell.key
        self.label = cell.label
        self.request = cell.request
        self.status: CellStatus = JobStatus.WAITING
        self.source: Source | None = None
        self.progress: int | None = None
        self.job: VideoJob | None = None
        self.error: BaseException | None = None
        self.started: float = time.time()
        self.finished: float | None = None
        #: the video's metrics with their per-frame series, once measured (see ``measure=``)
        self.metrics: VideoMetrics | None = None
        self._runner = runner

    def __repr__(self) -> str:
        return f"CellRun(label={self.label!r}, status={self.status!r}, source={self.source!r})"

    @property
    def record(self) -> RunRecord | None:
        """The manifest record (None until the cell has one)."""
        return self._runner.experiment.get(self.key)

    @property
    def path(self) -> Path | None:
        """The video file, once the cell succeeded."""
        rec = self.record
        return self._runner.experiment.video_path(rec) if rec else None

    @property
    def done(self) -> bool:
        return self.status.is_final

    @property
    def running(self) -> bool:
        """Whether the runner's task for this cell is still alive.

        See [`ExperimentRunner.is_running()`][vidwidgets.experiments.ExperimentRunner.is_running].
        """
        return self._runner.is_running(self.key)

    @property
    def elapsed(self) -> float:
        end = self.finished if self.finished is not None else time.time()
        return max(0.0, end - self.started)

    def cancel(self) -> None:
        """Cancel this cell: locally, and on the server where the API supports it."""
        self._runner.cancel(self.key)

    def retry(self) -> CellRun:
        """Run this cell again as a new generation (after a failure, a cancel or to re-roll)."""
        return self._runner.retry(self.key)

    async def wait(self) -> CellRun:
        """Wait until this cell reaches a final status."""
        await self._runner.wait([self])
        return self

    def __await__(self) -> Any:
        return self.wait().__await__()


class ExperimentRunner:
    """Runs cells of one experiment concurrently, resuming by id and reusing finished videos.

        >>> runner = ExperimentRunner(client, store.experiment("fox"), on_update=print)  # doctest: +SKIP
        >>> runner.submit([VideoRequest(model="viduq1", prompt=p, seed=7) for p in prompts])  # doctest: +SKIP
        >>> records = await runner.wait()                                     # doctest: +SKIP

    The control surface, by cell key: ``submit()``, ``wait()``, ``is_running()``, ``resume()``
    (poll pending cells again by id), ``cancel()``, ``retry()`` and ``stop()``. The cells'
    asyncio tasks belong to the runner; a [`CellRun`][vidwidgets.experiments.CellRun] is the view.

    Parameters:
        client: a [`VideoClient`][vidwidgets.client.VideoClient] (its ``max_concurrency`` bounds the
            requests in flight).
        experiment: where the manifest and the videos live.
        on_update: called with the [`CellRun`][vidwidgets.experiments.CellRun] after every change
            (exceptions are logged).
        concurrency: at most this many cells between create and download at once (None: no bound
            beyond the client's).
        referenced_by: a notebook or experiment name; the submitted cells are marked as used by it
            so pruning keeps them (see
            [`Experiment.reference()`][vidwidgets.experiments.Experiment.reference]).
        use_cache: reuse a finished video of an identical reproducible request (a fixed seed
            on a model that honours seeds; never for a take of ``samples=n``).
        retry_failed: run failed or cancelled cells again (else they are reported as they are).
        timeout: overall seconds to wait for each task (None: the client's default); a task
            that times out stays pending and resumes on the next run.
        recreate_lost: when the server no longer knows a pending id (expired, or an embedded
            simulator that stopped), create the task again instead of failing the cell.
        measure: measure each video once it is on disk (``vw.measure``, on a worker thread, so
            the loop stays free): the scalars go into the record's ``metrics`` and the cell's
            ``CellRun.metrics``; a video that cannot be measured gets a ``metrics_error`` and
            stays usable. ``wait()`` returns once the measuring is done too.
    """

    def __init__(
        self,
        client: VideoClientLike,
        experiment: Experiment,
        *,
        on_update: Callable[[CellRun], Any] | None = None,
        concurrency: int | None = None,
        referenced_by: str | None = None,
        use_cache: bool = True,
        retry_failed: bool = True,
        timeout: float | None = None,
        recreate_lost: bool = True,
        measure: bool = True,
    ) -> None:
        if concurrency is not None and concurrency < 1:
            raise ValueError(f"concurrency={concurrency!r} is not allowed: a whole number >= 1")
        self.client = client
        self.experiment = experiment
        self.on_update = on_update
        self.referenced_by = referenced_by
        self.use_cache = use_cache
        self.retry_failed = retry_failed
        self.timeout = timeout
        self.recreate_lost = recreate_lost
        self.measure = measure
        self.runs: dict[str, CellRun] = {}
        if concurrency is None:  # the client's bound on jobs in flight
            bound = getattr(client, "max_concurrency", None)
            concurrency = bound if isinstance(bound, int) and bound > 0 else None
        self._slots = asyncio.Semaphore(concurrency) if concurrency else None
        self._tasks: dict[str, asyncio.Task[None]] = {}  # key -> the cell's current task
        self._stop_modes: dict[str, Literal["cancel", "stop"]] = {}  # why a task was cancelled
        self._force_new: set[str] = set()  # keys whose next attempt is a new generation
        self._work = _CellWork(self)

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for run in self.runs.values():
            counts[run.status] = counts.get(run.status, 0) + 1
        return f"ExperimentRunner(experiment={self.experiment.name!r}, {counts})"

    # -- control ---------------------------------------------------------------------------

    def submit(self, cells: Iterable[CellLike]) -> list[CellRun]:
        """Start the given cells and return their ``CellRun`` objects, in order.

        A cell already running or finished in this runner is left alone. Needs a running
        event loop.

        Args:
            cells: cells, requests or dicts (see [`as_cells()`][vidwidgets.experiments.as_cells]).

        Returns:
            One [`CellRun`][vidwidgets.experiments.CellRun] per cell, in the order given.

        Example:
            >>> runs = runner.submit([VideoRequest(model="viduq1", prompt="a fox", seed=1)])  # doctest: +SKIP
            >>> runs[0].status                                                  # doctest: +SKIP
            'waiting'
        """
        normalised = as_cells(cells)
        self._ensure_records(normalised)  # the manifest lists cells in the order given
        result = []
        for cell in normalised:
            run = self.runs.get(cell.key)
            if run is None:
                run = CellRun(self, cell)
                self.runs[cell.key] = run
                self._start(run)
            result.append(run)
        if self.referenced_by:
            # every cell this runner shows, not just this batch: adding a cell keeps the others
            self.experiment.reference(self.referenced_by, list(self.runs))
        return result

    async def wait(self, runs: Iterable[CellRun] | None = None) -> list[RunRecord]:
        """Wait for the given runs (default: all) and return their records, in order.

        A cancellation of the caller does not end the wait early: the cells' own tasks finish
        their bookkeeping first (use ``stop()`` or ``cancel()`` to end them).

        Args:
            runs: the runs to wait for (default: every run of this runner).

        Returns:
            The manifest records of those runs, in order.
        """
        chosen = list(runs) if runs is not None else list(self.runs.values())
        for run in chosen:
            await self._settle(run.key)
        records = []
        for run in chosen:
            rec = self.experiment.get(run.key)
            if rec is not None:
                records.append(rec)
        return records

    def is_running(self, key: str) -> bool:
        """Whether this runner has a live task for the cell ``key``.

        A cell can be unfinished without a task: ``pending`` (stopped, or timed out, while its
        task goes on on the server) until ``resume()`` polls it again.

        Args:
            key: the cell's manifest key ([`Cell.key`][vidwidgets.experiments.Cell.key]).

        Returns:
            True while the cell's task (a run, a retry or a cancel) has not ended.

        Example:
            >>> runner.is_running(run.key)                    # doctest: +SKIP
            True
        """
        task = self._tasks.get(key)
        return task is not None and not task.done()

    def resume(self, keys: Iterable[str] | None = None) -> list[CellRun]:
        """Poll pending cells again by their task ids (after ``stop()`` or a timeout).

        Only cells that are ``pending`` and not running are touched: their task is paid for, so
        a new attempt goes disk → pending id → cache → create and never creates it twice.

        Args:
            keys: the cells' keys (default: every cell of this runner).

        Returns:
            The runs that were resumed, in order.

        Example:
            >>> await runner.stop()                           # doctest: +SKIP
            >>> runner.resume()                               # doctest: +SKIP
            [CellRun(label='', status='waiting', source=None)]
        """
        chosen = list(keys) if keys is not None else list(self.runs)
        resumed = []
        for key in chosen:
            run = self.runs[key]
            if self.is_running(key) or run.status != "pending":
                continue
            self._stop_modes.pop(key, None)
            _new_attempt(run, keep_source=True)
            self._start(run)
            resumed.append(run)
        return resumed

    def results(self) -> list[dict[str, Any]]:
        """The records of this runner's cells as flat dicts (see ``Experiment.results()``)."""
        return self.experiment.results([k for k in self.runs if k in self.experiment])

    def to_dataframe(self) -> Any:
        """``results()`` as a pandas DataFrame."""
        return self.experiment.to_dataframe([k for k in self.runs if k in self.experiment])

    def spent(self) -> Spend:
        """The running total of this runner's cells (see ``Experiment.spent()``).

        Returns:
            Estimated and charged USD so far; each estimate counts from its create on.

        Example:
            >>> runner.spent().estimated_usd                  # doctest: +SKIP
            0.8
        """
        return self.experiment.spent([k for k in self.runs if k in self.experiment])

    def cancel(self, key: str | None = None) -> None:
        """Cancel one cell, or every unfinished cell, here and on the server where supported.

        A running cell's task is cancelled; a ``pending`` cell (its task still generating on
        the server) gets a cancel sent to that task. Await the runs to see them ``cancelled``.

        Args:
            key: the cell's key (default: every cell of this runner).

        Example:
            >>> runner.cancel(run.key); await run             # doctest: +SKIP
        """
        targets = [self.runs[key]] if key is not None else list(self.runs.values())
        for run in targets:
            task = self._tasks.get(run.key)
            if task is not None and not task.done():
                self._stop_modes[run.key] = "cancel"
                task.cancel()
            elif run.status == "pending":
                # stopped earlier (an interrupt, stop(), a timeout) while its task still runs on
                # the server: Cancel must reach that task too, not leave it generating
                self._stop_modes[run.key] = "cancel"
                self._tasks[run.key] = asyncio.get_running_loop().create_task(
                    self._cancel_pending(run), name=f"vidwidgets cancel {run.label or run.key[:12]}"
                )

    async def _cancel_pending(self, run: CellRun) -> None:
        rec = self.experiment.get(run.key)
        if run.job is None and rec is not None and rec.job_id:
            run.job = self._work.job_of(run, rec)
        await self._finish_interrupted(run)

    def retry(self, key: str) -> CellRun:
        """Run a cell again as a fresh generation, cancelling it first if it is still running.

        A cell cancelled only here (the 88API format has no cancel route, so its task went on
        generating on the server, paid for) resumes that task by id instead of paying again.

        Args:
            key: the cell's key.

        Returns:
            The cell's [`CellRun`][vidwidgets.experiments.CellRun] (the same object, on its new
            attempt).

        Example:
            >>> await runner.retry(run.key)                   # doctest: +SKIP
        """
        run = self.runs[key]
        old = self._tasks.get(key)
        if old is not None and not old.done():
            self._stop_modes[key] = "cancel"
            old.cancel()
        rec = self.experiment.get(key)
        if rec is not None and rec.job_id and _cancelled_locally(rec):
            self.experiment.update(key, status="queued", error=None, completed_at=None)
            self._force_new.discard(key)
        else:
            self._force_new.add(key)
        _new_attempt(run, keep_source=False)
        self._start(run, after=old)
        return run

    async def stop(self) -> None:
        """Stop waiting, leaving unfinished tasks pending in the manifest.

        They keep generating on the server; ``resume()``, or running the same cells again
        (even after a kernel restart), resumes them by id.
        """
        running = [r for r in self.runs.values() if self.is_running(r.key)]
        for run in running:
            self._stop_modes[run.key] = "stop"
            self._tasks[run.key].cancel()
        for run in running:
            await run.wait()

    # -- the work --------------------------------------------------------------------------

    def _start(self, run: CellRun, after: asyncio.Task[None] | None = None) -> None:
        run.status = JobStatus.WAITING
        self._tasks[run.key] = asyncio.get_running_loop().create_task(
            self._guarded(run, after), name=f"vidwidgets cell {run.label or run.key[:12]}"
        )

    async def _settle(self, key: str) -> None:
        # a retry replaces the task meanwhile: wait for whichever is current
        while self.is_running(key):
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._tasks[key])

    def _ensure_records(self, cells: Sequence[Cell]) -> None:
        """Give every cell a record now, so it can be referenced (and listed) before it runs."""
        changed = False
        for cell in cells:
            if cell.key not in self.experiment:
                self.experiment.put(_new_record(cell), save=False)
                changed = True
        if changed:
            self.experiment.save()

    async def _attempt(self, run: CellRun) -> None:
        force_new = run.key in self._force_new
        self._force_new.discard(run.key)
        await self._work.run(run, force_new=force_new)

    async def _guarded(self, run: CellRun, after: asyncio.Task[None] | None) -> None:
        try:
            if after is not None:
                await asyncio.wait([after])  # the cancelled attempt finishes its bookkeeping first
                self._stop_modes.pop(run.key, None)  # that cancel was for it, not for this one
            if self._slots is None:
                await self._attempt(run)
            else:
                async with self._slots:
                    await self._attempt(run)
            if self.measure and run.status is JobStatus.SUCCEEDED:
                await self._work.measure(run)  # outside the slot: it holds no API request
        except asyncio.CancelledError:
            # the cell's own task ends here; the caller sees the final status instead
            await self._finish_interrupted(run)
        except GenerationFailed as exc:
            self._fail(run, exc, status=JobStatus.FAILED)
        except JobCancelled as exc:
            self._fail(run, exc, status=JobStatus.CANCELLED)
        except Exception as exc:
            rec = self.experiment.get(run.key)
            if rec is not None and rec.job_id and rec.status not in ("failed", "cancelled"):
                # the task exists on the server: keep its id and resume next time
                self._fail(run, exc, status=JobStatus.PENDING, keep_record_status=True)
            else:
                self._fail(run, exc, status=JobStatus.FAILED)
        finally:
            self._work.release(run)

    async def _finish_interrupted(self, run: CellRun) -> None:
        rec = self.experiment.get(run.key)
        if self._stop_modes.get(run.key) == "cancel":
            if rec is not None and rec.is_pending:
                job = run.job or self._work.job_of(run, rec)
                try:  # DELETE where the API has it; the client knows which do
                    await asyncio.wait_for(self.client.cancel(job), 30)
                except (asyncio.TimeoutError, VideoAPIError, OSError) as exc:
                    log.warning("could not cancel task %r on the server: %s", rec.job_id, exc)
            if rec is not None and not rec.is_finished:
                self.experiment.update(
                    run.key,
                    status="cancelled",
                    completed_at=time.time(),
                    error=_cancel_error(rec),
                )
            self._work.set_status(
                run,
                JobStatus.SUCCEEDED if rec is not None and rec.is_finished else JobStatus.CANCELLED,
            )
        else:
            finished = rec is not None and rec.is_finished and self.experiment.video_path(rec)
            self._work.set_status(run, JobStatus.SUCCEEDED if finished else JobStatus.PENDING)

    def _fail(
        self,
        run: CellRun,
        exc: BaseException,
        *,
        status: CellStatus,
        keep_record_status: bool = False,
    ) -> None:
        run.error = exc
        error = _error_dict(exc)
        rec = self.experiment.get(run.key)
        if rec is None:
            rec = self.experiment.put(_new_record(run.cell), save=False)
        fields: dict[str, Any] = {"error": error}
        if isinstance(exc, GenerationFailed) and rec.job_id:
            # the gateway gives a failed task's quota back
            fields["cost"] = (rec.cost or RunCost(basis="no estimate was recorded")).refund()
        if not keep_record_status:
            fields["status"] = status.value
            fields["completed_at"] = time.time()
        self.experiment.update(run.key, **fields)
        if status is JobStatus.FAILED:
            log.warning("cell %r failed: %s", run.label or run.key, exc)
        self._work.set_status(run, status)


class _CellWork:
    """What one attempt at a cell does.

    The four steps of the module docstring, and the status changes it reports. The runner owns
    the tasks; this owns the work inside them.
    """

    def __init__(self, runner: ExperimentRunner) -> None:
        self.runner = runner
        client = runner.client
        self.inflight: dict[str, CellRun] = {}  # fingerprint -> the cell creating it
        if getattr(client, "is_simulator", False):
            self.server: str | None = EMBEDDED  # its port changes every process
        else:
            self.server = public_server_url(getattr(client, "base_url", None))
        self.api_format = str(getattr(client, "api_format", "") or "") or None
        self.price_lock = asyncio.Lock()  # the first estimate reads the prices; the rest reuse them

    def notify(self, run: CellRun) -> None:
        """Call the runner's ``on_update`` (a display bug must not fail the generation)."""
        on_update = self.runner.on_update
        if on_update is None:
            return
        try:
            on_update(run)
        except Exception:
            log.exception("on_update callback failed for cell %r", run.label)

    def set_status(self, run: CellRun, status: CellStatus) -> None:
        """Move ``run`` to ``status`` (stamping when it finished) and notify."""
        run.status = status
        if status.is_final:
            run.finished = time.time()
        self.notify(run)

    def job_of(self, run: CellRun, rec: RunRecord) -> VideoJob:
        """The job of a record's task id, to poll or cancel it without a create."""
        return VideoJob(
            id=rec.job_id or "",
            request=run.request,
            api_format=rec.api_format or self.api_format or "88api",
        )

    async def measure(self, run: CellRun) -> None:
        """Measure ``run``'s video off the loop and record the scalars, or why it failed.

        The cell is already ``succeeded`` and stays so whatever happens here: a video that
        cannot be measured is still a video.
        """
        exp = self.runner.experiment
        path = run.path
        if path is None:
            return
        try:
            metrics = await measure_video(path)
        except Exception as exc:  # any failure is a note on the cell, never a failed cell
            log.warning("could not measure the video of cell %r: %s", run.label, exc)
            run.metrics = None
            fields: dict[str, Any] = {"metrics": None, "metrics_error": failure_note(exc)}
        else:
            run.metrics = metrics
            fields = {"metrics": scalars(metrics), "metrics_error": None}
        rec = exp.get(run.key)
        if rec is not None and (rec.metrics, rec.metrics_error) != tuple(fields.values()):
            exp.update(run.key, **fields)  # saved atomically with the manifest
        self.notify(run)

    def release(self, run: CellRun) -> None:
        """``run``'s attempt ended: identical requests no longer wait for it."""
        self.inflight = {f: r for f, r in self.inflight.items() if r is not run}

    async def run(self, run: CellRun, *, force_new: bool) -> None:
        """One attempt at ``run``: disk, pending id, cache, create (see the module docstring).

        Args:
            run: the cell.
            force_new: a new generation, whatever the manifest and the cache hold (a retry).
        """
        exp = self.runner.experiment
        exp.reload()
        rec = exp.get(run.key)

        if rec is not None and not force_new and await self._reuse(run, rec):
            return
        rec = exp.get(run.key)
        if force_new and rec is not None:
            # a new generation replaces this record; earlier ids stay listed for the record
            old = [*rec.previous_job_ids, *([rec.job_id] if rec.job_id else [])]
            exp.update(
                run.key,
                previous_job_ids=old,
                job_id=None,
                status="queued",
                error=None,
                cached_from=None,
                cost=rec.cost.replaced() if rec.cost else None,  # a re-roll was paid too
            )

        # 3. the cache: only a reproducible request (a seed the model honours); an unseeded or
        # seedless-model request is a new take every time, and a take was asked for as one
        cacheable = (
            self.runner.use_cache
            and not force_new
            and (run.cell.take or 1) == 1
            and ResultCache.reproducible(run.request)
        )
        if cacheable and await self._from_cache(run):
            return

        # 4. create
        await self._create_and_finish(run)

    async def _reuse(self, run: CellRun, rec: RunRecord) -> bool:
        """Steps 1 and 2: the video on disk, or the task resumed by id. True when settled."""
        exp = self.runner.experiment
        # 1. finished on disk
        if rec.is_finished and exp.video_path(rec):
            run.source = "disk"
            run.progress = 100
            self.set_status(run, JobStatus.SUCCEEDED)
            return True
        # 2. a task exists: resume it by id
        has_task = bool(rec.job_id) and rec.status in PENDING_OR_DONE
        other = rec.server is not None and self.server is not None and rec.server != self.server
        if has_task and other and rec.server != EMBEDDED:
            # polling another server for this id would fail, and creating it again here
            # would pay twice: leave it pending and say where it lives
            run.source = "disk"
            run.error = VideoAPIError(
                f"task {rec.job_id} was created on {rec.server}, not on {self.server}",
                code="other_server",
                hint="Connect to that server (base URL and key) to resume it, or retry the "
                "cell to generate it again here.",
            )
            self.set_status(run, JobStatus.PENDING)
            return True
        if has_task and other:
            # made on an embedded simulator that has stopped: nothing to resume, nothing paid
            _forget_task(exp, rec)
        elif has_task:
            run.source = "resumed"
            try:
                await self._resume(run, rec)
                return True
            except NotFoundError:
                if not self.runner.recreate_lost:
                    raise
                log.warning(
                    "task %r of cell %r is unknown to the server; creating it again",
                    rec.job_id,
                    run.label,
                )
                _forget_task(exp, rec)
        elif rec.status in ("failed", "cancelled") and not self.runner.retry_failed:
            run.source = "disk"
            run.error = _ErrorFromRecord(rec)
            self.set_status(
                run, JobStatus.FAILED if rec.status == "failed" else JobStatus.CANCELLED
            )
            return True
        return False

    async def _from_cache(self, run: CellRun) -> bool:
        fingerprint = run.request.fingerprint()
        other = self.inflight.get(fingerprint)
        if other is not None and other is not run:
            await other.wait()  # the same request is being made right now: reuse its result
        exp = self.runner.experiment
        source: tuple[Experiment, RunRecord] | None = None
        for rec in exp.records:
            if (
                rec.key != run.key
                and rec.fingerprint == fingerprint
                and ResultCache.reusable(rec.status, exp.video_path(rec), rec.request)
            ):
                source = (exp, rec)
                break
        if source is None:
            source = exp.store.find_cached(fingerprint, exclude=exp)
        if source is None:
            self.inflight.setdefault(fingerprint, run)
            return False
        _adopt_cached(exp, run.cell, *source)
        run.source = "cache"
        run.progress = 100
        self.set_status(run, JobStatus.SUCCEEDED)
        return True

    async def _estimate(self, request: VideoRequest) -> CostEstimate | None:
        """The client's estimate for ``request`` (None when it cannot make one)."""
        estimate_cost = getattr(self.runner.client, "estimate_cost", None)
        if estimate_cost is None:
            return None
        try:
            async with self.price_lock:
                estimate: CostEstimate = await estimate_cost(request)
        except (VideoAPIError, OSError, asyncio.TimeoutError) as exc:
            # a price is worth knowing, not worth failing the generation for
            return CostEstimate(None, f"{request.model}: no price ({exc})", request.model)
        return estimate

    async def _create_and_finish(self, run: CellRun) -> None:
        self.set_status(run, JobStatus.CREATING)
        estimate = await self._estimate(run.request)
        # A create that was sent must finish even if we are cancelled meanwhile: its id is what
        # a later run resumes, and losing it would pay for a video nobody can fetch.
        create = asyncio.ensure_future(self.runner.client.create(run.request))
        try:
            job = await asyncio.shield(create)
        except asyncio.CancelledError:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(create), CREATE_GRACE_SECONDS)
            if create.done() and not create.cancelled() and create.exception() is None:
                self._record_created(run, create.result(), estimate)
            else:
                create.cancel()
            raise
        self._record_created(run, job, estimate)
        run.source = "created"
        await self._wait_and_download(run, job)

    def _record_created(self, run: CellRun, job: VideoJob, estimate: CostEstimate | None) -> None:
        exp = self.runner.experiment
        rec = exp.get(run.key) or _new_record(run.cell)
        rec.cost = _carry(rec.cost, RunCost.from_job(job.cost, estimate))
        rec.job_id = job.id
        rec.status = job.status.value if not job.status.is_terminal else "queued"
        rec.api_format = job.api_format or self.api_format
        rec.server = self.server
        rec.created_at = time.time()
        rec.started_at = None
        rec.completed_at = None
        rec.error = None
        exp.put(rec)  # saved now, before any waiting
        run.job = job

    async def _resume(self, run: CellRun, rec: RunRecord) -> None:
        job = self.job_of(run, rec)
        job.status = JobStatus(rec.status) if rec.status in JobStatus.REPORTED else JobStatus.QUEUED
        job.created_at = rec.created_at or time.time()
        run.job = job
        await self._wait_and_download(run, job, refresh=rec.status == "succeeded")

    async def _wait_and_download(
        self, run: CellRun, job: VideoJob, *, refresh: bool = False
    ) -> None:
        exp = self.runner.experiment
        self.set_status(
            run, JobStatus.IN_PROGRESS if job.status is JobStatus.IN_PROGRESS else JobStatus.QUEUED
        )

        def on_job(update: VideoJob) -> None:
            run.job = update
            run.progress = update.progress
            status = update.status
            if status is JobStatus.IN_PROGRESS and run.status != "in_progress":
                rec = exp.get(run.key)
                if rec is not None and rec.status != "in_progress":
                    exp.update(
                        run.key, status="in_progress", started_at=rec.started_at or time.time()
                    )
                self.set_status(run, JobStatus.IN_PROGRESS)
            else:
                self.notify(run)

        if refresh:
            job = await self.runner.client.retrieve(job)
        if not job.is_terminal:
            try:
                job = await self.runner.client.wait(
                    job, timeout=self.runner.timeout, on_update=on_job
                )
            except PollTimeout:
                raise  # the record stays pending with its id; see _guarded
        run.job = job
        if job.status is JobStatus.FAILED:
            raise GenerationFailed(str(job.error or "generation failed"), job=job)
        if job.status is JobStatus.CANCELLED:
            raise JobCancelled("the task was cancelled on the server", job=job)
        rec = exp.get(run.key)
        assert rec is not None
        # one clock for every timing: ours (a server's clock may differ, or be simulated)
        completed = time.time()
        exp.update(
            run.key,
            status="succeeded",
            completed_at=completed,
            started_at=rec.started_at,
            generation_seconds=round(completed - (rec.created_at or job.created_at), 3),
        )
        self.set_status(run, JobStatus.DOWNLOADING)
        await _download(self.runner.client, exp, run, job)
        run.progress = 100
        self.set_status(run, JobStatus.SUCCEEDED)


# -- the files and records a cell leaves behind ------------------------------------------------


def _new_attempt(run: CellRun, *, keep_source: bool) -> None:
    """Forget the last attempt's outcome and timings: a new attempt of ``run`` starts now."""
    run.error = None
    run.progress = None
    if not keep_source:
        run.source = None
    run.started = time.time()
    run.finished = None


def _new_record(cell: Cell) -> RunRecord:
    return RunRecord(
        key=cell.key,
        label=cell.label,
        take=cell.take,
        variables=dict(cell.variables),
        fingerprint=cell.request.fingerprint(),
        request=cell.request.to_dict(),
        status="queued",
    )


def _forget_task(exp: Experiment, rec: RunRecord) -> None:
    """The record's task cannot be resumed: list its id as a previous one and queue the cell."""
    exp.update(
        rec.key,
        previous_job_ids=[*rec.previous_job_ids, rec.job_id],
        job_id=None,
        status="queued",
    )


def _adopt_cached(exp: Experiment, cell: Cell, src_exp: Experiment, src: RunRecord) -> None:
    """Make ``cell`` in ``exp`` a copy of the finished record ``src`` (files linked, not paid)."""
    src_video = src_exp.video_path(src)
    assert src_video is not None
    stem = safe_name(f"{src.job_id or src.key}")
    video_rel = _link_into(exp, src_video, f"videos/{stem}.mp4")
    with contextlib.suppress(OSError):  # the series too: a hard link keeps the cache valid
        if cache_path(src_video).is_file():
            _link_into(exp, cache_path(src_video), cache_path(video_rel).as_posix())
    thumb_rel = None
    with contextlib.suppress(ValueError, OSError):
        src_thumb = src_exp.file_path(src.thumbnail)
        if src_thumb is not None and src_thumb.is_file():
            thumb_rel = _link_into(exp, src_thumb, f"thumbs/{stem}.jpg")
    rec = exp.get(cell.key) or _new_record(cell)
    rec.job_id = src.job_id
    rec.status = "succeeded"
    rec.api_format = src.api_format
    rec.server = src.server
    rec.created_at = src.created_at
    rec.started_at = src.started_at
    rec.completed_at = src.completed_at
    rec.generation_seconds = src.generation_seconds
    rec.file = video_rel
    rec.thumbnail = thumb_rel
    rec.bytes = src.bytes
    rec.video = src.video
    rec.metrics = src.metrics
    rec.metrics_error = src.metrics_error
    rec.error = None
    rec.cached_from = f"{src_exp.name}/{src.key}"
    rec.cost = _carry(rec.cost, RunCost.reused(rec.cached_from))
    exp.put(rec)


def _carry(old: RunCost | None, new: RunCost) -> RunCost:
    """``new``, keeping the spend of the earlier attempts that ``old`` carries."""
    if old is None:
        return new
    return replace(
        new,
        earlier_estimate_usd=old.earlier_estimate_usd,
        earlier_charged_usd=old.earlier_charged_usd,
    )


def _link_into(exp: Experiment, src: Path, relative: str) -> str:
    """Hard-link (or copy, atomically) ``src`` to ``relative`` in ``exp``."""
    dst = inside(exp.path, relative)
    if dst.exists() and dst.samefile(src):
        return relative
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(src, tmp)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return relative


async def _download(client: VideoClientLike, exp: Experiment, run: CellRun, job: VideoJob) -> None:
    """Download ``job``'s video into ``exp`` with a thumbnail, and record both on the cell."""
    stem = safe_name(job.id)
    rel = f"videos/{stem}.mp4"
    final = inside(exp.path, rel)
    part = final.with_name(final.name + ".part")
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        await client.download(job, part, variant="video")
        info = await asyncio.to_thread(probe_video, part)
        os.replace(part, final)
    finally:
        part.unlink(missing_ok=True)
    thumb_rel: str | None = f"thumbs/{stem}.jpg"
    try:
        data = await asyncio.to_thread(make_thumbnail, final)
        atomic_write_bytes(inside(exp.path, f"thumbs/{stem}.jpg"), data)
    except (OSError, ValueError):
        log.warning("no thumbnail for cell %r", run.label, exc_info=True)
        thumb_rel = None
    rec = exp.get(run.key)
    assert rec is not None
    old_files = {rec.file, rec.thumbnail} - {rel, thumb_rel, None}
    exp.update(
        run.key,
        file=rel,
        thumbnail=thumb_rel,
        bytes=final.stat().st_size,
        video=info,
        error=None,
        metrics=None,  # a new file: measured afresh
        metrics_error=None,
    )
    # a retry replaced an earlier video: drop its files unless another record uses them
    used = {f for r in exp.records for f in (r.file, r.thumbnail) if f}
    for old in old_files - used:
        with contextlib.suppress(OSError, ValueError):
            path = exp.file_path(old)
            if path is not None:
                path.unlink(missing_ok=True)
                cache_path(path).unlink(missing_ok=True)


class _ErrorFromRecord(VideoAPIError):
    """The stored error of a cell that was not run again."""

    def __init__(self, rec: RunRecord) -> None:
        error = rec.error or {}
        super().__init__(str(error.get("message") or rec.status), code=error.get("code"))


def _error_dict(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, GenerationFailed) and exc.job is not None and exc.job.error is not None:
        return {"code": exc.job.error.code, "message": exc.job.error.message}
    if isinstance(exc, VideoAPIError):
        return {"code": exc.code or type(exc).__name__, "message": str(exc)}
    return {"code": type(exc).__name__, "message": str(exc) or type(exc).__name__}


async def run_cells(
    client: VideoClientLike,
    experiment: Experiment,
    cells: Iterable[CellLike],
    *,
    on_update: Callable[[CellRun], Any] | None = None,
    concurrency: int | None = None,
    samples: int = 1,
    **options: Any,
) -> list[RunRecord]:
    """Run ``cells`` in ``experiment`` and return their records, in order.

    Finished cells load from disk, pending ones resume by id, identical reproducible requests
    (a seed the model honours) come from the cache, and only the rest are created. With
    ``samples=n`` each cell is n independent takes (see
    [`as_cells()`][vidwidgets.experiments.as_cells]). Other options are those of
    [`ExperimentRunner`][vidwidgets.experiments.ExperimentRunner]. Cancelling the awaiting task
    stops waiting and leaves unfinished cells pending.

        >>> async with VideoClient() as client:                                  # doctest: +SKIP
        ...     records = await run_cells(client, store.experiment("fox"), [
        ...         VideoRequest(model="viduq1", prompt="a red fox", seed=1),
        ...         VideoRequest(model="viduq1", prompt="a grey wolf", seed=1)])
        >>> [r.status for r in records]                                          # doctest: +SKIP
        ['succeeded', 'succeeded']
    """
    runner = ExperimentRunner(
        client, experiment, on_update=on_update, concurrency=concurrency, **options
    )
    runs = runner.submit(as_cells(cells, samples=samples))
    try:
        return await runner.wait(runs)
    except asyncio.CancelledError:
        await runner.stop()
        raise
