"""Comparison: a grid of generations that differ in one thing, played in sync and kept on disk.

The whole grid is **one** anywidget (``_comparison.js``): synchronized playback must drive every
``<video>`` from a single front-end context with no kernel round trip per frame, and JupyterLab,
Notebook 7 and VS Code render separate widgets in separate DOM trees. The same widget shows each
cell's progress (the look of [`JobProgress`][vidwidgets.widgets.JobProgress]), then its video; the
bytes reach the browser over custom messages (as [`VideoPlayer`][vidwidgets.widgets.VideoPlayer]
does) and never enter widget state, so a saved notebook stays small.

The work is the experiment runner's (``vidwidgets.experiments``): every cell is a record in an
experiment folder, so re-running the notebook, or running it after a kernel restart, loads the
finished cells from disk, resumes pending tasks by id and creates only what is missing. All of it
runs as asyncio tasks on the kernel's loop: the kernel stays free while cells generate.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import pathlib
import secrets
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from vidwidgets._sync_engine import with_sync_engine
from vidwidgets.apps._budget import DEFAULT_CONFIRM_OVER_USD, PriceGate, Verdict
from vidwidgets.apps._cell_state import CellFrontState
from vidwidgets.apps._grid import (
    AXES,
    CellClock,
    GridLayout,
    OverallClock,
    caption_parts,
    captions,
    cell_eta,
    layout_axes,
    layout_groups,
    layout_list,
    overall_eta,
    stack_takes,
    status_counts,
    take_spread,
    with_extra_rows,
)
from vidwidgets.apps._grid_export import GridExportMixin
from vidwidgets.apps._metrics_view import MetricsView, MetricsViewMixin, badges
from vidwidgets.apps._review import ReviewMixin
from vidwidgets.apps._strips import FilmstripsMixin, strips_on
from vidwidgets.apps._templates import (
    PromptTemplate,
    template_axes,
    template_from_arguments,
)
from vidwidgets.apps._tuning import TuningMixin
from vidwidgets.client import (
    BudgetExceeded,
    JobStatus,
    VideoAPIError,
    VideoRequest,
    call_soon_on,
    running_on,
)
from vidwidgets.experiments import (
    Cell,
    CellRun,
    Experiment,
    ExperimentRunner,
    ExperimentStore,
    RunRecord,
    check_seed_axis,
    safe_name,
    seed_for,
    take_numbers,
)
from vidwidgets.widgets import send_file

if TYPE_CHECKING:
    import pandas as pd

    from vidwidgets.metrics import VideoMetrics
    from vidwidgets.widgets import VideoPlayer

__all__ = ["Comparison", "ComparisonCell"]

_HERE = pathlib.Path(__file__).parent

DEFAULT_MODEL = "kling-v1"


class ComparisonCell:
    """One cell of a ``Comparison``: its request, where it sits, and how it is going.

    Shaped like Solara's task object: ``status``, ``progress``, ``pending``, ``finished``,
    ``error``, ``cancel()``, ``retry()``, and awaitable. ``rating`` (0–5 stars) and ``note`` are
    written to the experiment's manifest as soon as they are set.

        >>> cell = comparison.cells[0]                     # doctest: +SKIP
        >>> cell.caption, cell.status                      # doctest: +SKIP
        ('seed=1', 'in_progress')
        >>> cell.rating = 4; cell.note = "best motion"     # doctest: +SKIP
        >>> cell.retry()                                   # doctest: +SKIP
    """

    def __init__(self, control: _GridControl, cell: Cell, row: int, column: int) -> None:
        self._control = control
        self.cell = cell
        self.key = cell.key
        self.request = cell.request
        self.row = row
        self.column = column
        self.caption = ""
        self.run: CellRun | None = None
        #: changes whenever the video file changes, so browsers ask for the new bytes
        self.source_id = ""
        self._source_file: pathlib.Path | None = None

    def __repr__(self) -> str:
        return f"ComparisonCell({self.caption!r}, status={self.status!r})"

    # -- state --------------------------------------------------------------------------------

    @property
    def record(self) -> RunRecord | None:
        """The manifest record of this cell."""
        return self._control.experiment.get(self.key)

    @property
    def status(self) -> str:
        """The cell's status: a [`JobStatus`][vidwidgets.client.JobStatus] value, as a plain string.

        waiting, creating, queued, in_progress, downloading, succeeded, failed, cancelled, or
        pending (the task is still on the server: run again to resume it). Before the cell runs,
        whatever the manifest says (``"new"`` when it has nothing).
        """
        return str(self._job_status)

    @property
    def _job_status(self) -> JobStatus:
        if self.run is not None:
            return self.run.status
        rec = self.record
        if rec is None or (rec.job_id is None and rec.status == "queued"):
            return JobStatus.NEW  # no record, or one that only holds a rating or a note
        if rec.is_finished and self._control.experiment.video_path(rec):
            return JobStatus.SUCCEEDED
        # a word this version does not know shows as failed, so Retry is offered
        return (
            JobStatus.PENDING if rec.is_pending else JobStatus.parse(rec.status, JobStatus.FAILED)
        )

    @property
    def creates(self) -> bool:
        """Whether running this cell now would create (and pay for) a generation.

        A video on disk or a task to resume by id costs nothing new; a failed or cancelled cell
        creates again only when the grid retries failed cells.
        """
        status = self._job_status
        if status in (JobStatus.FAILED, JobStatus.CANCELLED):
            return self._control.runner.retry_failed
        return status is JobStatus.NEW

    @property
    def progress(self) -> int | None:
        """The server's percentage, or None when it does not report one."""
        return self.run.progress if self.run is not None else None

    @property
    def error(self) -> BaseException | None:
        return self.run.error if self.run is not None else None

    @property
    def pending(self) -> bool:
        return self._job_status.is_running

    @property
    def finished(self) -> bool:
        return self._job_status is JobStatus.SUCCEEDED

    @property
    def source(self) -> str | None:
        """Where the video came from: ``disk``, ``cache``, ``resumed`` or ``created``."""
        return self.run.source if self.run is not None else None

    @property
    def path(self) -> pathlib.Path | None:
        """The video file, once the cell succeeded."""
        rec = self.record
        return self._control.experiment.video_path(rec) if rec is not None else None

    @property
    def metrics(self) -> VideoMetrics | None:
        """The video's metrics with their per-frame series, once measured (else None).

        The scalars are also in ``record.metrics`` and in ``Comparison.results``.
        """
        return self.run.metrics if self.run is not None else None

    @property
    def served_file(self) -> pathlib.Path | None:
        """The video file the browsers were last offered (under ``source_id``)."""
        return self._source_file

    @property
    def rating(self) -> int:
        rec = self.record
        return int(rec.rating) if rec is not None else 0

    @rating.setter
    def rating(self, stars: int) -> None:
        self._ensure_record()
        self._control.experiment.rate(self.key, stars)
        self._control.flush()  # a user's edit: shown at once, not coalesced

    @property
    def note(self) -> str:
        rec = self.record
        return rec.note if rec is not None else ""

    @note.setter
    def note(self, text: str) -> None:
        self._ensure_record()
        self._control.experiment.annotate(self.key, text)
        self._control.flush()

    def _ensure_record(self) -> None:
        # a cell can be rated before it ever ran (autorun=False): it needs a record to hold that
        exp = self._control.experiment
        if self.key not in exp:
            exp.put(
                RunRecord(
                    key=self.key,
                    fingerprint=self.request.fingerprint(),
                    request=self.request.to_dict(),
                    label=self.cell.label,
                    take=self.cell.take,
                    variables=dict(self.cell.variables),
                )
            )

    def become(self, cell: Cell) -> None:
        """Stand for ``cell``, the same request under the same key as another take.

        The cell of a grid that had no takes is take 1 once
        [`Comparison.add_samples()`][vidwidgets.apps.Comparison.add_samples] adds some.
        """
        self.cell = cell
        if self.key in self._control.experiment:
            self._control.experiment.update(self.key, take=cell.take)

    # -- actions ------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Cancel this cell: locally, and on the server where the API supports it (DELETE)."""
        self._control.on_loop(self._control.cancel, self.key)

    def retry(self) -> None:
        """Run this cell again as a new generation (after a failure, a cancel, or to re-roll).

        A *pending* cell (stopped while its task was still on the server) resumes by id instead.
        """
        self._control.on_loop(self._control.retry, self)

    def player(self, **kwargs: Any) -> VideoPlayer:
        """A ``VideoPlayer`` of this cell's video, to look at it alone."""
        from vidwidgets.widgets import VideoPlayer

        path = self.path
        if path is None:
            raise FileNotFoundError(f"cell {self.caption!r} has no video yet ({self.status})")
        return VideoPlayer.from_file(path, **kwargs)

    async def wait(self) -> ComparisonCell:
        """Wait until this cell reaches a final status."""
        if self.run is not None:
            await asyncio.shield(self.run.wait())  # see Comparison.wait
        return self

    def __await__(self) -> Generator[Any, None, ComparisonCell]:
        return self.wait().__await__()

    # -- what the browser gets ----------------------------------------------------------------

    def front_state(self) -> CellFrontState:
        """The small dict the browser draws this cell from (no video bytes).

        For the video, see ``source_id``: a new video file gets a new ``source_id``.
        """
        run = self.run
        status = self._job_status
        rec = self.record
        path = self.path if status == "succeeded" else None
        if path != self._source_file:
            # a new file (first success, or a retry replaced it): views fetch the new bytes
            self._source_file = path
            self.source_id = secrets.token_hex(6) if path is not None else ""
        video = (rec.video if rec is not None else None) or {}
        eta = fraction = None
        # a cell loaded from disk took no time now; its generation time is in the results
        elapsed = round(run.elapsed, 2) if run is not None and run.source != "disk" else None
        if run is not None and status.is_running:
            fraction, eta = cell_eta(run.progress, elapsed)
        message, hint = _describe(self.error, rec, status)
        return {
            "key": self.key,
            "row": self.row,
            "column": self.column,
            "caption": self.caption,
            "prompt": self.request.prompt,
            "model": self.request.model,
            "status": status.value,
            "origin": (run.source if run is not None else None) or "",
            "fraction": fraction,
            "elapsed": elapsed,
            "eta": eta,
            "message": message,
            "hint": hint,
            "job_id": (rec.job_id if rec is not None else None) or "",
            "source": self.source_id,
            "fps": float(video.get("fps") or 0.0),
            "duration": float(video.get("duration") or 0.0),
            "rating": self.rating,
            "note": self.note,
            "metrics": badges(rec.metrics if rec is not None else None),
            "metrics_note": str(
                ((rec.metrics_error if rec is not None else None) or {}).get("message") or ""
            ),
            "caption_parts": [[self.caption, False]],
            "stack_index": 0,
            "stack_size": 1,
            "spread": {},
        }

    def clock(self) -> CellClock | None:
        """What the overall ETA needs of this cell (None before it ever ran)."""
        run = self.run
        if run is None:
            return None
        return CellClock(run.status, run.source, run.progress, run.elapsed, run.done)


def _describe(error: BaseException | None, rec: RunRecord | None, status: str) -> tuple[str, str]:
    """(message, hint) shown under a failed or pending cell; plain text (the browser escapes)."""
    if status not in ("failed", "cancelled", "pending"):
        return "", ""
    if error is not None:
        if isinstance(error, VideoAPIError):
            return str(error).split(" — ")[0], error.hint or ""
        return f"{type(error).__name__}: {error}", ""
    stored = (rec.error if rec is not None else None) or {}
    message = str(stored.get("message") or "")
    if status == "pending" and not message:
        message = "still generating on the server: run again to resume"
    return message, ""


class _GridControl:
    """Between a [`Comparison`][vidwidgets.apps.Comparison] and its runner.

    It holds the loop everything runs on, the overall clock, the coalescing of state messages,
    and the actions of the grid and of its cells.

    It is what a [`ComparisonCell`][vidwidgets.apps.ComparisonCell] talks to (never the widget's
    private parts). ``render`` sends the grid's state to the browser; ``flush()`` calls it now,
    ``changed()`` soon (at most once per ``min_interval``).
    """

    def __init__(
        self,
        runner: ExperimentRunner,
        loop: asyncio.AbstractEventLoop,
        render: Callable[[], None],
        gate: PriceGate,
        *,
        min_interval: float,
        threaded: bool,
    ) -> None:
        self.runner = runner
        self.gate = gate
        #: shows a verdict in the header (the Comparison sets it)
        self.show_price: Callable[[Verdict], None] = lambda _verdict: None
        #: the last verdict that kept cells from starting (see ``held_back``)
        self.held: Verdict | None = None
        self.admissions: set[asyncio.Task[None]] = set()
        self.loop = loop
        self.render = render
        self.min_interval = min_interval
        #: the loop runs on a thread of its own: callers on other threads wait for their call
        self.threaded = threaded
        self.clock = OverallClock()
        self._timer: asyncio.Handle | None = None
        self._last_flush = float("-inf")

    @property
    def experiment(self) -> Experiment:
        return self.runner.experiment

    # -- the loop -----------------------------------------------------------------------------

    def on_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn`` on the grid's loop (widget callbacks may arrive on another thread)."""
        done = call_soon_on(self.loop, fn, *args)
        if not done.done() and self.threaded:
            done.result(30)  # the loop has its own thread: wait, so errors surface here

    def changed(self, *, immediate: bool = False) -> None:
        """Something changed: send it, coalesced (a grid of polling cells would flood the comm)."""
        if not running_on(self.loop):
            self.flush()
            return
        wait = self._last_flush + self.min_interval - time.monotonic()
        if immediate or wait <= 0:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if immediate:
                # still coalesced: a batch of final updates in one loop turn is one message
                self._timer = self.loop.call_soon(self.flush)
            else:
                self.flush()
            return
        if self._timer is None:
            self._timer = self.loop.call_later(wait, self.flush)

    def flush(self) -> None:
        """Send the grid's state now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._last_flush = time.monotonic()
        self.render()

    def on_run_update(self, run: CellRun) -> None:
        """The runner's ``on_update``: a final status is shown at once, the rest coalesced."""
        self.changed(immediate=run.status.is_final)

    # -- actions (on the loop) ----------------------------------------------------------------

    def start(self, cells: Sequence[ComparisonCell], confirmed: bool = False) -> None:
        """Start the cells that never ran: stored ones now, the paid ones past the price gate.

        Args:
            cells: the cells to start.
            confirmed: the user asked for them (a click, ``run()``, Retry).
        """
        fresh = [c for c in cells if c.run is None]
        self.submit([c for c in fresh if not c.creates])  # stored: nothing new to pay
        paid = [c for c in fresh if c.creates]
        if not paid and not confirmed:
            return
        task = self.loop.create_task(self._admit(paid, confirmed))
        self.admissions.add(task)
        task.add_done_callback(self.admissions.discard)

    async def _admit(self, paid: Sequence[ComparisonCell], confirmed: bool) -> None:
        async with self.gate.lock:
            # cells another admission started meanwhile are neither priced nor sent twice
            paid = [c for c in paid if c.run is None]
            if paid:
                self.show_price(Verdict("start", text="pricing…"))
            verdict = await self.gate.admit([(c.key, c.request) for c in paid], confirmed=confirmed)
            if verdict.action != "start":
                self.held = verdict
            self.show_price(verdict)
            if verdict.action == "start":
                self.submit(paid)
            else:
                self.changed(immediate=True)

    def held_back(self, cells: Sequence[ComparisonCell]) -> BudgetExceeded | None:
        """Why some of ``cells`` were not sent, if the last refusal still keeps any."""
        verdict = self.held
        if verdict is None:
            return None
        keys = {p.key for p in verdict.prices}
        return verdict.error() if any(c.run is None and c.key in keys for c in cells) else None

    async def settled(self) -> None:
        """Wait for the price gate's admissions in flight."""
        while self.admissions:
            await asyncio.gather(*list(self.admissions))

    def submit(self, cells: Sequence[ComparisonCell]) -> None:
        """Start the cells that never ran, at once."""
        fresh = [c for c in cells if c.run is None]
        if not fresh:
            return
        self.clock.restart()  # the overall clock restarts for new work
        runs = self.runner.submit([c.cell for c in fresh])
        for cell, run in zip(fresh, runs, strict=True):
            cell.run = run
        self.changed(immediate=True)

    def resume(self, cells: Sequence[ComparisonCell]) -> None:
        """Poll pending cells again by their task ids (after a stop or a timeout)."""
        self.runner.resume([c.key for c in cells if c.run is not None])
        if cells:
            self.clock.restart()
            self.changed(immediate=True)

    def retry(self, cell: ComparisonCell) -> None:
        """Retry one cell.

        Run it if it never ran, resume it by id if its task is still on the server (it is paid
        for), else generate it again.
        """
        if cell.run is None:
            self.start([cell], confirmed=True)
            return
        if cell.run.status == "pending":
            self.resume([cell])  # the task is paid for: fetch it by id, do not re-create
            return
        self.clock.restart()
        self.runner.retry(cell.key)
        self.changed(immediate=True)

    def cancel(self, key: str | None = None) -> None:
        """Cancel one cell by key, or every unfinished cell."""
        self.runner.cancel(key)

    def export(self, job: Callable[[], pathlib.Path], say: Callable[[str], None]) -> None:
        """Run an export off the loop and ``say`` how it went.

        Off the loop, since PyAV and base64 would stall the kernel.
        """

        async def export() -> None:
            try:
                path = await asyncio.to_thread(job)
            except Exception as exc:
                say(f"export failed: {type(exc).__name__}: {exc}")
            else:
                say(f"saved {path}")

        self.loop.create_task(export())


class _GridSpec:
    """What the grid is made of, and where each cell sits.

    Either axes with a base request, or a list of requests; ``vidwidgets.apps._grid`` lays
    the cells out.
    """

    def __init__(
        self,
        axes: dict[str, list[Any]] | None,
        base: dict[str, Any],
        explicit: list[Cell],
        columns: int | None,
        template: PromptTemplate | None = None,
        stack: bool = False,
    ) -> None:
        if axes is not None:
            check_seed_axis(axes["model"], axes["seed"])
        self.axes = axes
        self.base = base
        self.explicit = explicit
        self.columns = columns
        self.layout = GridLayout([], 1)
        self.template = template
        #: the takes of one request share a spot in the grid (a stack the browser flips through)
        self.stack = stack
        #: cells run again with changes (``Comparison.promote``), a row each at the bottom
        self.promoted: list[Cell] = []

    @classmethod
    def from_arguments(
        cls,
        prompts: Any,
        models: Any,
        seeds: Any,
        requests: Iterable[VideoRequest | Mapping[str, Any] | Cell] | None,
        base: VideoRequest | Mapping[str, Any] | None,
        overrides: Mapping[str, Any],
        columns: int | None,
        samples: int = 1,
        template: tuple[str | None, Mapping[str, Any] | None] = (None, None),
        stack: bool = False,
    ) -> _GridSpec:
        """The spec of ``Comparison(...)``'s arguments, checked.

        ``template`` is ``(template, values)``. Raises ``ValueError`` when they are wrong, and a
        ``ValidationError`` for a seed axis on a model that ignores seeds.
        """
        if columns is not None and columns < 1:
            raise ValueError(f"columns={columns!r} is not allowed: a whole number >= 1")
        takes = take_numbers(samples)
        tpl = template_from_arguments(*template, prompts=prompts, requests=requests)
        if requests is None:
            data = _base_dict(base, overrides)
            axes = _axes(prompts if tpl is None else tpl.text, models, seeds, data)
            if tpl is not None:
                axes = template_axes(tpl, axes)[0]  # the variables replace the prompt axis
            return cls({**axes, "take": takes}, data, [], columns, tpl, stack)
        if prompts is not None or models is not None or seeds is not None:
            raise ValueError("give either requests=[...] or prompts/models/seeds, not both")
        if base is not None or overrides:
            raise ValueError("base and field overrides apply to prompts/models/seeds only")
        explicit = _as_cells(requests, samples)
        if not explicit:
            raise ValueError("requests=[] is empty: give at least one request")
        return cls(None, {}, explicit, columns, stack=stack)

    def place(self) -> list[tuple[Cell, int, int]]:
        """The cells and where they sit (and ``layout``, their headers)."""
        if self.axes is None:
            layout = _list_layout(self.explicit, self.columns, self.stack)
            cells = list(self.explicit)
        else:
            layout = self._axes_layout()
            cells = [_make_cell(self.base, values, self.template) for values, _, _ in layout.places]
        layout = with_extra_rows(layout, len(self.promoted))
        cells += self.promoted
        seen: set[str] = set()
        for cell in cells:
            if cell.key in seen:
                raise ValueError(
                    f"two cells have the same request ({cell.request.prompt!r}): an axis repeats a value"
                )
            seen.add(cell.key)
        self.layout = layout
        return [(cell, r, c) for cell, (_, r, c) in zip(cells, layout.places, strict=True)]

    def _axes_layout(self) -> GridLayout:
        """Lay the axes out: a template's variables first; takes stacked or as columns."""
        assert self.axes is not None
        order = AXES if self.template is None else template_axes(self.template, {})[1]
        if not self.stack:
            return layout_axes(self.axes, self.columns, order)
        spots = {a: v for a, v in self.axes.items() if a != "take"}
        return stack_takes(layout_axes(spots, self.columns, order), self.axes["take"])

    def promote(self, cell: Cell) -> None:
        """Add ``cell`` (a promoted request) as a new row at the bottom."""
        if any(c.key == cell.key for c in self.promoted):
            return  # promoted with these changes already: that row stays the one
        self.promoted = [*self.promoted, cell]

    def extend(
        self,
        values: Mapping[str, Any],
        requests: Iterable[VideoRequest | Mapping[str, Any] | Cell] | None,
    ) -> None:
        """Add values along the axes (``{"seed": [4, 5]}``), or requests to a list of them."""
        given = {axis: v for axis, v in values.items() if v is not None}
        if self.axes is None:
            if given:
                raise ValueError("this comparison was built from requests: add(requests=[...])")
            if requests is None:
                raise ValueError("nothing to add: give requests=[...]")
            self.explicit = [*self.explicit, *_as_cells(requests)]
            return
        if requests is not None:
            raise ValueError("this comparison has axes: add(prompt=..., model=... or seed=...)")
        if self.template is not None and "prompt" in given:
            raise ValueError(
                "this comparison is a prompt template: add(model=... or seed=...), or make a "
                "new Comparison with more values"
            )
        axes = {axis: list(values) for axis, values in self.axes.items()}
        for axis, items in given.items():
            for value in [items] if isinstance(items, (str, int)) else list(items):
                if value not in axes[axis]:
                    axes[axis].append(value)
        check_seed_axis(axes["model"], axes["seed"])  # before anything changes
        self.axes = axes

    def add_takes(self, count: int) -> None:
        """``count`` more takes of every cell.

        The cells so far become take 1 of a grid that had none: their videos are kept.
        """
        if count < 1:
            raise ValueError(f"count={count!r} is not allowed: a whole number >= 1")
        if self.axes is None:
            raise ValueError("this comparison was built from requests: add(requests=[...])")
        have = [t for t in self.axes["take"] if t is not None] or [1]
        self.axes["take"] = list(range(1, len(have) + count + 1))


class Comparison(
    MetricsViewMixin,
    TuningMixin,
    GridExportMixin,
    ReviewMixin,
    FilmstripsMixin,
    anywidget.AnyWidget,
):
    """A grid of videos that differ in the prompt, the model, the seed or the take.

    They are generated concurrently, stored on disk, played in sync, rated and exported.

        >>> import vidwidgets as vw
        >>> cmp = vw.Comparison(prompts=["a red fox in snow", "a grey wolf in snow"],
        ...                     seeds=[1, 2, 3], model="viduq1", duration=5)  # doctest: +SKIP
        >>> cmp                                    # a 2 × 3 grid; cells start at once  # doctest: +SKIP
        >>> await cmp                              # every cell finished            # doctest: +SKIP
        >>> cmp.add_seed(4)                        # runs only the two new cells    # doctest: +SKIP
        >>> cmp.cells[0].rating = 5                                                 # doctest: +SKIP
        >>> cmp.to_dataframe()                                                      # doctest: +SKIP
        >>> cmp.export_html("foxes.html")                                           # doctest: +SKIP

    Or any list of requests (dicts or [`VideoRequest`][vidwidgets.client.VideoRequest])::

        vw.Comparison(requests=[{"model": "kling-v1", "prompt": "a fox"},
                                {"model": "viduq1", "prompt": "a fox"}])

    Kling, Hailuo and Sora ignore seeds: a seed axis on them is refused (``ValidationError``,
    nothing sent); ask for independent takes instead, each its own cell and its own paid create,
    captioned ``take 1`` … ``take n``::

        vw.Comparison(prompts=["a red fox in snow"], model="kling-v1", samples=3)

    One grid-wide seed over a mix of models (``models=["kling-v1", "viduq1"], seeds=7``) goes
    to the models that honour it only; the others' cells are sent no seed and their captions
    name none.

    Rows and columns follow the axes that vary (prompts are rows; models, seeds and takes
    columns); each cell is captioned only with what differs from the others. Keyword arguments
    that are ``VideoRequest`` fields (``duration=5``, ``aspect_ratio="16:9"``...) override
    ``base``.

    Parameters:
        experiment: the experiment folder's name (default: derived from the cells), so running
            the same cell again — or after a kernel restart — shows the stored videos, resumes
            pending tasks by id and creates nothing twice.
        store: the folder holding experiments (default ``$VIDWIDGETS_RUNS_DIR`` or
            ``./vidwidgets-runs``), or an
            [`ExperimentStore`][vidwidgets.experiments.ExperimentStore].
        client: a [`VideoClient`][vidwidgets.client.VideoClient] (default: one from the environment,
            or the embedded simulator when no key is set). Its ``max_concurrency`` bounds how
            many cells generate at once.
        autorun: start the cells now (default). Otherwise call ``run()``.
        columns: force the number of columns (default: from the axes).
        samples: independent takes of every request (default 1). Without a seed each take is a
            new video; with one (on a model that honours seeds) each take sends that same seed,
            a repeat that shows whether the model really reproduces it. Never from the cache.
        retry_failed: run failed and cancelled cells again when the comparison runs (default
            False: they show what happened and keep their Retry button — re-running the notebook
            never pays for them silently).
        template: a prompt with ``{variables}`` (instead of ``prompts``): one axis per
            variable, the first the rows, the others (then models, seeds, takes) the columns.
        values: each template variable's values (``{"animal": ["fox", "wolf"]}``).
        stack_takes: show the takes of ``samples=n`` as one stack per request (flip through
            them) instead of a column each (default False).
        budget_usd: the most the grid may cost (estimated, USD): an estimate above it, or a
            price unknown, sends nothing and ``await cmp`` raises ``BudgetExceeded``; within it
            the grid starts at once. Added cells are checked against it too.
        confirm_over_usd: without a budget, a grid estimated above this (default $5) or of
            unknown price waits for a click on "Run N videos for $X" (or ``run()``).
        confirm: start whatever the estimate, without waiting for a click (no budget only).
        measure: measure each video once it is on disk (default True; see the Metrics guide):
            badges on each cell, a column per metric in ``results``, and ``sort_by()``,
            ``highlight()`` and the curves under the seek bar.
        filmstrips: show each finished cell's filmstrip (frames made in the kernel) and fetch
            its video only when it is played (a click or Enter on the strip, or Play all, which
            loads the videos a few at a time): True, False, or None / ``"auto"`` (default) for
            grids of more than 16 cells, so a 6 × 6 grid does not decode 36 videos at once.

    Only cells that would create are priced: stored videos and pending tasks cost nothing new.
    The header shows the total ("16 videos ≈ $51.20"), the basis of each model in its tooltip.
    """

    # the shared synchronized-playback engine, then this widget's module (no build step)
    _esm = with_sync_engine(
        (_HERE / "_metrics_view.js").read_text("utf-8")
        + (_HERE / "_comparison.js").read_text("utf-8")
    )
    _css = _HERE / "_comparison.css"

    title = traitlets.Unicode("").tag(sync=True)
    experiment_name = traitlets.Unicode("").tag(sync=True)
    simulator = traitlets.Bool(False).tag(sync=True)
    rows = traitlets.Int(1).tag(sync=True)
    columns = traitlets.Int(1).tag(sync=True)
    row_labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    column_labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    #: one small dict per cell (no video bytes: those go over custom messages on request)
    cells_state = traitlets.List(traitlets.Dict()).tag(sync=True)  # of CellFrontState
    #: which statuses count as running and final, so the front end never spells them out
    vocabulary = traitlets.Dict(JobStatus.vocabulary()).tag(sync=True)
    #: done / failed / running / ... counts, elapsed seconds and ETA, for the overall bar
    summary = traitlets.Dict().tag(sync=True)
    loop = traitlets.Bool(True).tag(sync=True)
    playback_rate = traitlets.Float(1.0).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    #: the header's price line, and why the grid waits or was refused (see ``_budget.Verdict``)
    price = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        prompts: Sequence[str] | str | None = None,
        models: Sequence[str] | str | None = None,
        seeds: Sequence[int | None] | int | None = None,
        *,
        requests: Iterable[VideoRequest | Mapping[str, Any] | Cell] | None = None,
        base: VideoRequest | Mapping[str, Any] | None = None,
        experiment: str | None = None,
        store: ExperimentStore | str | os.PathLike[str] | None = None,
        client: Any = None,
        autorun: bool = True,
        columns: int | None = None,
        title: str | None = None,
        retry_failed: bool = False,
        concurrency: int | None = None,
        export_dir: str | os.PathLike[str] | None = None,
        min_interval: float = 0.25,
        samples: int = 1,
        template: str | None = None,
        values: Mapping[str, Any] | None = None,
        stack_takes: bool = False,
        budget_usd: float | None = None,
        confirm_over_usd: float = DEFAULT_CONFIRM_OVER_USD,
        confirm: bool = False,
        measure: bool = True,
        filmstrips: bool | str | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__()
        self._spec = _GridSpec.from_arguments(
            prompts,
            models,
            seeds,
            requests,
            base,
            overrides,
            columns,
            samples,
            template=(template, values),
            stack=stack_takes,
        )
        gate = PriceGate(client, budget_usd, confirm_over_usd, confirm=confirm)  # checks them
        strips_on(filmstrips, 0)  # checks it before anything starts
        loop, threaded = _grid_loop()
        self._owns_client = client is None
        self._client: Any = client if client is not None else _default_client()
        gate.client = self._client
        self.simulator = bool(getattr(self._client, "is_simulator", False))

        self._cells: list[ComparisonCell] = []
        placed = self._spec.place()
        name = experiment or _default_name([cell for cell, _, _ in placed])
        self.store = store if isinstance(store, ExperimentStore) else ExperimentStore(store)
        self.experiment: Experiment = self.store.experiment(name)
        self.experiment_name = name
        self.title = title if title is not None else name
        self._export_dir = pathlib.Path(export_dir) if export_dir is not None else None
        runner = ExperimentRunner(
            self._client,
            self.experiment,
            concurrency=concurrency,
            referenced_by=_referrer(name),
            retry_failed=retry_failed,
            measure=measure,
        )
        self._metrics_view = MetricsView()
        self._control = _GridControl(
            runner, loop, self._render, gate, min_interval=min_interval, threaded=threaded
        )
        self._control.show_price = lambda verdict: setattr(self, "price", verdict.front())
        runner.on_update = self._control.on_run_update
        self._open_strips(filmstrips, len(placed), loop, self._control.changed)
        self._layout_cells(placed)
        self.flushes = 0  # state messages sent (tests and benchmarks look at it)
        self.on_msg(self._on_custom_msg)
        self.on_msg(self._on_promote_msg)
        self._flush()
        if autorun:
            self._start(confirmed=False)

    # -- the grid -----------------------------------------------------------------------------

    @property
    def cells(self) -> list[ComparisonCell]:
        """The cells in grid order (row by row)."""
        return list(self._cells)

    @property
    def cell_keys(self) -> list[str]:
        """The manifest keys of the cells, in grid order (``keys`` is ipywidgets' own)."""
        return [c.key for c in self._cells]

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the grid."""
        return (self.rows, self.columns)

    @property
    def client(self) -> Any:
        return self._client

    def __getitem__(self, index: int | tuple[int, int]) -> ComparisonCell:
        """A cell by position in grid order, or by ``(row, column)``."""
        if isinstance(index, tuple):
            row, column = index
            for cell in self._cells:
                if (cell.row, cell.column) == (row, column):
                    return cell
            raise IndexError(f"no cell at row {row}, column {column}")
        return self._cells[index]

    def __len__(self) -> int:
        return len(self._cells)

    def __bool__(self) -> bool:
        return True  # a widget is never "empty", whatever __len__ says

    def _layout_cells(self, placed: Sequence[tuple[Cell, int, int]] | None = None) -> None:
        """Build (or rebuild, after ``add``) the cells, their positions, labels and captions."""
        placed = self._spec.place() if placed is None else placed
        previous = {c.key: c for c in self._cells}
        cells: list[ComparisonCell] = []
        for cell, r, c in placed:
            existing = previous.get(cell.key)
            if existing is not None:
                existing.row, existing.column = r, c
                if existing.cell.take != cell.take:
                    existing.become(cell)  # the grid's first cell is now take 1 of several
                cells.append(existing)
            else:
                cells.append(ComparisonCell(self._control, cell, r, c))
        texts = captions(
            [c.request.to_dict() for c in cells],
            [c.cell.label for c in cells],
            [c.cell.take for c in cells],
            [c.cell.variables for c in cells],
        )
        for cc, text in zip(cells, texts, strict=True):
            cc.caption = text
        self._cells = cells
        layout = self._spec.layout
        self.columns = layout.columns
        self.rows = layout.rows
        self.row_labels = layout.row_labels
        self.column_labels = layout.column_labels
        self._count_strips(len(cells))

    # -- running ------------------------------------------------------------------------------

    def run(self) -> Comparison:
        """Start every cell that is not running or finished yet, and resume pending ones by id.

        This is the consent the confirm button gives: a grid waiting for it starts (a budget
        still holds). Returns the comparison, which is awaitable (``await cmp.run()`` waits for
        all cells). Never blocks the kernel.
        """
        self._start(confirmed=True)
        return self

    def _start(self, *, confirmed: bool) -> None:
        control = self._control

        def start() -> None:
            control.start(list(self._cells), confirmed)
            control.resume([c for c in self._cells if c.run is not None and c.status == "pending"])

        control.on_loop(start)

    async def wait(self) -> list[ComparisonCell]:
        """Wait until every cell reached a final status; returns the cells.

        Interrupting the wait (Ctrl-C, the kernel's stop button) cancels the grid as
        ``cancel()`` does: no task is left running here, every unfinished cell is
        ``cancelled``, and a DELETE goes to the server where the API has one (the OpenAI format).
        On the 88API format, which has no cancel, a task already created goes on generating (and
        is billed): its cell says so, and Retry fetches that task by id instead of paying again.
        ``stop()`` is the way to stop waiting but leave the cells pending.

        Raises:
            BudgetExceeded: cells were not sent: over ``budget_usd``, a price unknown, or
                waiting for a confirmation (the message says which).
        """
        try:
            while True:
                await self._control.settled()
                runs = [c.run for c in self._cells if c.run is not None]
                for run in runs:
                    # shielded: CellRun.wait() swallows a cancellation of its caller, and an
                    # interrupted `await cmp` must end (the cell's task is stopped below)
                    await asyncio.shield(run.wait())
                if all(c.run is None or c.run.done for c in self._cells):
                    self._flush()
                    refused = self._control.held_back(self._cells)
                    if refused is not None:
                        raise refused
                    return self.cells
                await asyncio.sleep(0)  # a retry or an add started more work meanwhile
        except (asyncio.CancelledError, KeyboardInterrupt):
            self._control.cancel()
            self._control.loop.create_task(self._settle())
            raise

    async def _settle(self) -> None:
        # after an interrupt: let the cancelled cells finish their bookkeeping (DELETEs, manifest)
        await self._control.runner.wait()
        self._flush()

    def __await__(self) -> Generator[Any, None, list[ComparisonCell]]:
        return self.wait().__await__()

    def add(
        self,
        *,
        prompt: str | Sequence[str] | None = None,
        model: str | Sequence[str] | None = None,
        seed: int | Sequence[int] | None = None,
        requests: Iterable[VideoRequest | Mapping[str, Any] | Cell] | None = None,
        run: bool = True,
    ) -> list[ComparisonCell]:
        """Add values along the axes and run only the new cells; returns the new cells.

        For a ``requests=`` comparison, the values are more requests.

            >>> cmp.add(prompt="a white hare in snow")      # a new row   # doctest: +SKIP
            >>> cmp.add(seed=[4, 5])                         # two new columns  # doctest: +SKIP
        """
        return self._grow(
            lambda: self._spec.extend({"prompt": prompt, "model": model, "seed": seed}, requests),
            run=run,
        )

    def add_prompt(self, prompt: str, *, run: bool = True) -> list[ComparisonCell]:
        """Add a prompt (a row) and run only its cells."""
        return self.add(prompt=prompt, run=run)

    def add_seed(self, seed: int, *, run: bool = True) -> list[ComparisonCell]:
        """Add a seed (a column) and run only its cells."""
        return self.add(seed=seed, run=run)

    def add_model(self, model: str, *, run: bool = True) -> list[ComparisonCell]:
        """Add a model and run only its cells."""
        return self.add(model=model, run=run)

    def add_samples(self, count: int = 1, *, run: bool = True) -> list[ComparisonCell]:
        """Add ``count`` more independent takes of every request (columns) and run only them.

        On a grid without takes, the cells so far become take 1 and keep their videos.

            >>> cmp.add_samples(2)                           # takes 2 and 3  # doctest: +SKIP
        """
        return self._grow(lambda: self._spec.add_takes(count), run=run)

    def _grow(self, change: Callable[[], None], *, run: bool) -> list[ComparisonCell]:
        """Apply ``change`` to the spec, lay the grid out again and run only the new cells.

        ``change`` raises before changing anything when it is refused.
        """
        before = set(self.cell_keys)
        change()
        self._layout_cells()
        new = [c for c in self._cells if c.key not in before]
        if run and new:
            self._control.on_loop(self._control.start, new)
        self._control.changed(immediate=True)
        return new

    def cancel(self) -> None:
        """Cancel every unfinished cell (DELETE on the server where the API has it).

        Await the comparison afterwards to be sure no task is left running.
        """
        self._control.on_loop(self._control.cancel)

    async def stop(self) -> None:
        """Stop waiting but leave unfinished tasks generating on the server.

        They are pending in the experiment, and the next run of the same comparison resumes
        them by id.
        """
        await self._control.runner.stop()
        self._flush()

    async def aclose(self) -> None:
        """Stop (as ``stop()``) and close the client's connections if this grid made the client.

        The grid still shows what it has; ``run()`` would need a new client.
        """
        await self.stop()
        if self._owns_client:
            await self._client.aclose()

    # -- results ------------------------------------------------------------------------------

    @property
    def results(self) -> list[dict[str, Any]]:
        """One dict per cell, in grid order.

        Each holds the parameters, status, timings, file, rating, note, plus the cell's caption,
        row and column.
        """
        self.experiment.reload()
        known = [c for c in self._cells if c.key in self.experiment]
        rows = self.experiment.results([c.key for c in known])
        for cell, row in zip(known, rows, strict=True):
            row.update(caption=cell.caption, row=cell.row, column=cell.column)
        return rows

    def to_dataframe(self) -> pd.DataFrame:
        """``results`` as a pandas DataFrame (``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dependency
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from exc
        frame = pd.DataFrame(self.results)
        for column in ("created_at", "started_at", "completed_at"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
        return frame

    def rate(self, index: int | tuple[int, int], stars: int) -> None:
        """Give the cell at ``index`` 0–5 stars (also: ``cmp.cells[i].rating = n``)."""
        self[index].rating = stars

    def annotate(self, index: int | tuple[int, int], note: str) -> None:
        """Attach a note to the cell at ``index`` (also: ``cmp.cells[i].note = "..."``)."""
        self[index].note = note

    # -- the loop and the front end -----------------------------------------------------------

    @property
    def min_interval(self) -> float:
        """The least seconds between two state messages while cells poll (final ones go at once)."""
        return self._control.min_interval

    @min_interval.setter
    def min_interval(self, seconds: float) -> None:
        self._control.min_interval = seconds

    def _flush(self) -> None:
        """Send the grid's state now."""
        self._control.flush()

    def _render(self) -> None:
        self.flushes += 1
        states = [c.front_state() for c in self._cells]
        _mark_stacks_and_diffs(self._cells, states)
        bound = max(1, int(getattr(self._client, "max_concurrency", 4) or 4))
        summary = _summary(self._cells, states, self._control.clock, bound)
        with self.hold_sync():
            self.cells_state = [dict(s) for s in states]
            self.summary = summary
            self._paint_strips(self._cells)
            self._paint_metrics(states)

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        key = str(content.get("key", ""))
        cell = next((c for c in self._cells if c.key == key), None)
        if kind in ("get", "strip"):  # a cell's video, or its filmstrip
            self._send_media(kind, cell, content)
        elif kind in ("cancel_all", "confirm"):  # the header's Cancel all, Run N videos
            (self.cancel if kind == "cancel_all" else self.run)()
        elif kind == "export":
            self._control.on_loop(self._start_export, str(content.get("what", "")))
        elif cell is None:
            return
        elif kind == "cancel":
            cell.cancel()
        elif kind == "retry":
            cell.retry()
        elif kind == "rate":
            stars = content.get("stars", 0)
            self._control.on_loop(self._user_edit, lambda: setattr(cell, "rating", stars))
        elif kind == "note":
            text = str(content.get("text", ""))
            self._control.on_loop(self._user_edit, lambda: setattr(cell, "note", text))

    def _send_media(self, kind: str, cell: ComparisonCell | None, content: Any) -> None:
        if kind == "strip":
            self._strip_maker.send(self, content)
        else:
            _send_video(self, cell, content)

    def _user_edit(self, apply: Callable[[], None]) -> None:
        try:
            apply()
        except (ValueError, TypeError) as exc:
            self.message = f"not saved: {exc}"

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for cell in self._cells:
            counts[cell.status] = counts.get(cell.status, 0) + 1
        summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        return (
            f"Comparison(experiment={self.experiment.name!r}, "
            f"grid={self.rows}x{self.columns}, {summary})"
        )


# -- helpers -------------------------------------------------------------------------------


def _summary(
    cells: Sequence[ComparisonCell],
    states: Sequence[Mapping[str, Any]],
    clock: OverallClock,
    concurrency: int,
) -> dict[str, Any]:
    """The overall bar: the status counts, the elapsed time and the ETA."""
    summary: dict[str, Any] = status_counts([s["status"] for s in states], JobStatus.RUNNING)
    clock.observe(summary["running"])
    # a grid that only loaded from disk (or the cache) took no time worth showing
    worked = any(c.run is not None and c.run.source not in ("disk", "cache") for c in cells)
    clocks = [cc for cc in (c.clock() for c in cells) if cc is not None]
    summary["elapsed"] = clock.elapsed(worked)
    summary["eta"] = overall_eta(clocks, concurrency) if summary["running"] else None
    return summary


def _mark_stacks_and_diffs(
    cells: Sequence[ComparisonCell], states: Sequence[CellFrontState]
) -> None:
    """Fill in what a cell's state needs of the others: its stack, the spread, the word diff."""
    parts = caption_parts([c.caption for c in cells], [c.request.prompt for c in cells])
    stacks: dict[tuple[int, int], list[int]] = {}
    for i, (cell, state) in enumerate(zip(cells, states, strict=True)):
        stacks.setdefault((cell.row, cell.column), []).append(i)
        if not cell.cell.variables and not cell.cell.label:
            state["caption_parts"] = [[text, mark] for text, mark in parts[i]]
    for members in stacks.values():
        records = [cells[i].record for i in members]
        spread = take_spread([getattr(r, "metrics", None) for r in records])
        for position, i in enumerate(members):
            states[i]["stack_index"], states[i]["stack_size"] = position, len(members)
            states[i]["spread"] = spread


def _send_video(
    widget: Comparison, cell: ComparisonCell | None, content: Mapping[str, Any]
) -> None:
    """Answer a browser's request for a cell's video bytes (or say why there are none)."""
    rid = str(content.get("rid", ""))
    if cell is None or not cell.source_id or content.get("source") != cell.source_id:
        widget.send({"type": "error", "rid": rid, "message": "the video changed"})
        return
    path = cell.served_file
    if path is None:
        widget.send({"type": "error", "rid": rid, "message": "no video yet"})
        return
    try:
        send_file(widget, path, rid, "video/mp4", key=cell.key)
    except OSError as exc:
        widget.send({"type": "error", "rid": rid, "message": f"could not read the video: {exc}"})


def _grid_loop() -> tuple[asyncio.AbstractEventLoop, bool]:
    """The loop the grid runs on, and whether it runs on a thread of its own."""
    try:
        # In a notebook cell this is the kernel's loop: cells run while the kernel idles.
        loop = asyncio.get_running_loop()
    except RuntimeError:
        from vidwidgets._runtime import background_loop

        return background_loop(), True
    # a loop already running off the main thread (vidwidgets.run's own) has its own thread too
    return loop, threading.current_thread() is not threading.main_thread()


def _default_client() -> Any:
    from vidwidgets.client import VideoClient

    return VideoClient()


def _as_cells(
    items: Iterable[VideoRequest | Mapping[str, Any] | Cell], samples: int = 1
) -> list[Cell]:
    from vidwidgets.experiments import as_cells

    return as_cells(items, samples=samples)


def _base_dict(
    base: VideoRequest | Mapping[str, Any] | None, overrides: Mapping[str, Any]
) -> dict[str, Any]:
    if isinstance(base, VideoRequest):
        data = base.to_dict()
    elif base is None:
        data = {}
    elif isinstance(base, Mapping):
        data = dict(base)
    else:
        raise TypeError(f"base must be a VideoRequest or a dict, not {type(base).__name__}")
    data.update(overrides)
    return data


def _values(name: str, given: Any, fallback: Any) -> list[Any]:
    if given is None:
        return [fallback]
    items = [given] if isinstance(given, (str, int)) else list(given)
    if not items:
        raise ValueError(f"{name}s=[] is empty: give at least one value, or leave it out")
    unique: list[Any] = []
    for item in items:
        if item in unique:
            raise ValueError(f"{name} {item!r} is given twice")
        unique.append(item)
    return unique


def _axes(prompts: Any, models: Any, seeds: Any, base: Mapping[str, Any]) -> dict[str, list[Any]]:
    if prompts is None and not base.get("prompt"):
        raise ValueError("a Comparison needs prompts=[...] (or a prompt in base)")
    return {
        "prompt": _values("prompt", prompts, base.get("prompt")),
        "model": _values("model", models, base.get("model") or DEFAULT_MODEL),
        "seed": _values("seed", seeds, base.get("seed")),
    }


def _make_cell(
    base: Mapping[str, Any], values: Mapping[str, Any], template: PromptTemplate | None = None
) -> Cell:
    """The cell at ``values`` of the axes (a template's variables make its prompt).

    A grid-wide seed is sent only to models that honour seeds (the others would drop it, and
    their captions must not claim it).
    """
    data = {**base, **values}
    take = data.pop("take", None)
    variables = {n: data.pop(n) for n in template.variables} if template is not None else {}
    if template is not None:
        data["prompt"] = template.render(variables)
    data["seed"] = seed_for(data["model"], data.get("seed"))
    if data["seed"] is None:
        data.pop("seed")
    return Cell(VideoRequest.from_dict(data), take=take, variables=variables)


def _list_layout(cells: Sequence[Cell], columns: int | None, stack: bool) -> GridLayout:
    """A list of requests laid out in order; stacked, the takes of a request share a spot."""
    if not stack:
        return layout_list(len(cells), columns)
    return layout_groups([(c.request.fingerprint(), c.label) for c in cells], columns)


def _axis_label(axis: str, value: Any) -> str:
    return str(value) if axis in ("prompt", "model") else f"{axis}={value}"


def _default_name(cells: Sequence[Cell]) -> str:
    """A stable name for these cells: re-running the same notebook cell finds the same folder."""
    keys = sorted(c.key for c in cells)
    digest = hashlib.sha256(json.dumps(keys).encode()).hexdigest()[:10]
    words = "-".join(cells[0].request.prompt.split()[:4]) if cells else "comparison"
    return f"{safe_name(words)[:40]}-{digest}"


def _referrer(name: str) -> str:
    """Who uses the cells (pruning keeps them): the notebook when Jupyter tells the kernel."""
    notebook = os.environ.get("JPY_SESSION_NAME")
    return f"{notebook}#{name}" if notebook else f"comparison:{name}"
