"""The Comparison grid's logic on plain data: no widget, no client, no event loop.

Which axes vary and where each cell sits, what each caption says (only what differs), the
status counts of the overall bar and its ETA. [`Comparison`][vidwidgets.apps.Comparison] feeds it
the cells' values and live timings and shows what comes back.

    >>> layout = layout_axes({"prompt": ["a fox", "a wolf"], "model": ["m"], "seed": [1, 2]})
    >>> layout.rows, layout.columns, layout.row_labels, layout.column_labels
    (2, 2, ['a fox', 'a wolf'], ['seed=1', 'seed=2'])
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vidwidgets.experiments import captions, word_diff

__all__ = [
    "AXES",
    "MAX_AUTO_COLUMNS",
    "CellClock",
    "GridLayout",
    "OverallClock",
    "axis_label",
    "caption_parts",
    "captions",
    "cell_eta",
    "layout_axes",
    "layout_groups",
    "layout_list",
    "overall_eta",
    "stack_takes",
    "status_counts",
    "take_spread",
    "with_extra_rows",
]

#: The grid's axes, in the order they become rows, then columns (``take``: the takes of
#: ``samples=n``, columns like the seeds).
AXES = ("prompt", "model", "seed", "take")
#: A single varying axis wraps after this many columns.
MAX_AUTO_COLUMNS = 4


@dataclass(frozen=True)
class GridLayout:
    """Where the cells sit: one ``(values, row, column)`` per cell, in grid order.

    ``values`` holds each axis's value for that cell (empty for a list of requests, whose
    cells are placed by index).
    """

    places: list[tuple[dict[str, Any], int, int]]
    columns: int
    row_labels: list[str] = field(default_factory=list)
    column_labels: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """How many rows the places fill (at least one)."""
        return max(1, max((r for _, r, _ in self.places), default=0) + 1)


def axis_label(axis: str, value: Any) -> str:
    """How a value of ``axis`` reads in a row or column header.

    >>> axis_label("model", "kling-v1"), axis_label("seed", 3), axis_label("take", 2)
    ('kling-v1', 'seed=3', 'take 2')
    """
    if axis == "take":
        return f"take {value}"
    return str(value) if axis in ("prompt", "model") else f"{axis}={value}"


def layout_axes(
    axes: Mapping[str, Sequence[Any]],
    columns: int | None = None,
    order: Sequence[str] = AXES,
) -> GridLayout:
    """Lay out every combination of the axes' values.

    With two varying axes or more, the first (in ``AXES`` order) makes the rows and the
    others the columns; a single varying axis is one row, wrapped after
    ``MAX_AUTO_COLUMNS``. Forcing ``columns`` wraps the cells in grid order and drops the
    headers (they would no longer line up).

    Args:
        axes: the values of each axis of ``AXES``; an axis with one value is fixed, and
            one left out (``take``, say) is absent from the places.
        columns: force this many columns.
        order: the axes in the order they become rows, then columns (a prompt template's
            variables first, then ``model``, ``seed``, ``take``).

    Returns:
        The places (each with its axis values), the columns and the headers.

    Example:
        >>> layout_axes({"prompt": ["a fox"], "model": ["m"], "seed": [1, 2, 3, 4, 5]}).columns
        4
    """
    present = [a for a in order if a in axes]  # an axis left out is not there (e.g. no takes)
    varying = [a for a in present if len(axes[a]) > 1]
    row_axis, col_axes = (varying[0], varying[1:]) if len(varying) >= 2 else (None, varying)
    row_values = list(axes[row_axis]) if row_axis else [None]
    col_combos = list(itertools.product(*(axes[a] for a in col_axes)))
    fixed = {a: axes[a][0] for a in present if a not in varying}
    if columns is not None:
        wrap = columns
    else:
        wrap = len(col_combos) if row_axis else min(len(col_combos), MAX_AUTO_COLUMNS)
    places = []
    for r, row_value in enumerate(row_values):
        for c, combo in enumerate(col_combos):
            values = dict(fixed)
            if row_axis:
                values[row_axis] = row_value
            values.update(zip(col_axes, combo, strict=True))
            index = r * len(col_combos) + c
            places.append((values, index // wrap, index % wrap))
    if columns is not None:
        return GridLayout(places, max(1, wrap))
    row_labels = [axis_label(row_axis, v) for v in row_values] if row_axis else []
    column_labels = []
    if len(col_combos) > 1 and (row_axis or len(col_combos) <= wrap):
        column_labels = [
            " · ".join(axis_label(a, v) for a, v in zip(col_axes, combo, strict=True))
            for combo in col_combos
        ]
    return GridLayout(places, max(1, wrap), row_labels, column_labels)


def layout_list(count: int, columns: int | None = None) -> GridLayout:
    """Lay out ``count`` cells in order.

    One row up to ``MAX_AUTO_COLUMNS`` cells, else a square-ish grid.

    Args:
        count: how many cells.
        columns: force this many columns.

    Returns:
        The places (with empty values), the columns and no headers.

    Example:
        >>> layout = layout_list(6)
        >>> layout.rows, layout.columns
        (2, 3)
    """
    wrap = columns or (count if count <= MAX_AUTO_COLUMNS else math.ceil(math.sqrt(count)))
    wrap = max(1, wrap)
    return GridLayout([({}, i // wrap, i % wrap) for i in range(count)], wrap)


def layout_groups(groups: Sequence[Hashable], columns: int | None = None) -> GridLayout:
    """Lay out cells where the cells of one group (the takes of a request) share a spot.

    Example:
        >>> [(r, c) for _, r, c in layout_groups(["a", "a", "b", "b"]).places]
        [(0, 0), (0, 0), (0, 1), (0, 1)]
    """
    spots = list(dict.fromkeys(groups))
    base = layout_list(len(spots), columns)
    where = {g: (r, c) for g, (_, r, c) in zip(spots, base.places, strict=True)}
    return GridLayout([({}, *where[g]) for g in groups], base.columns)


def with_extra_rows(layout: GridLayout, count: int, label: str = "promoted") -> GridLayout:
    """``layout`` with ``count`` more cells, one row each at the bottom, in the first column.

    With row headers, each new row is headed ``label``.

    Example:
        >>> layout = with_extra_rows(layout_list(2), 1)
        >>> layout.rows, layout.places[-1][1:]
        (2, (1, 0))
    """
    if count == 0:
        return layout
    first = layout.rows
    places = [*layout.places, *(({}, first + i, 0) for i in range(count))]
    heads = [*layout.row_labels, *[label] * count] if layout.row_labels else []
    return GridLayout(places, layout.columns, heads, layout.column_labels)


def caption_parts(texts: Sequence[str], prompts: Sequence[str]) -> list[list[tuple[str, bool]]]:
    """Each caption as ``(text, differs)`` runs: the words that set its prompt apart are marked.

    Only a caption that shows its whole prompt (free-text prompts) has marks; the browser
    draws a marked run as ``<mark>``, from plain text.

    Example:
        >>> caption_parts(["a red fox", "a grey fox · seed=2"], ["a red fox", "a grey fox"])
        [[('a ', False), ('red', True), (' fox', False)], [('a ', False), ('grey', True), (' fox · seed=2', False)]]
    """
    unique = list(dict.fromkeys(prompts))
    diffs = dict(zip(unique, word_diff(unique), strict=True))
    parts: list[list[tuple[str, bool]]] = []
    for text, prompt in zip(texts, prompts, strict=True):
        at = text.find(prompt) if len(unique) > 1 and prompt else -1
        if at < 0:
            parts.append([(text, False)] if text else [])
            continue
        runs = [(text[:at], False), *diffs[prompt], (text[at + len(prompt) :], False)]
        merged: list[tuple[str, bool]] = []
        for run, mark in runs:
            if not run:
                continue
            if merged and merged[-1][1] == mark:
                merged[-1] = (merged[-1][0] + run, mark)
            else:
                merged.append((run, mark))
        parts.append(merged)
    return parts


def stack_takes(layout: GridLayout, takes: Sequence[int | None]) -> GridLayout:
    """The same grid with every place holding a stack of ``takes`` (one cell per take, one spot).

    ``layout`` was laid out without the take axis; each of its places becomes one place per
    take, at the same row and column, with ``take`` in its values.

    Example:
        >>> stacked = stack_takes(layout_axes({"prompt": ["a", "b"], "model": ["m"]}), [1, 2])
        >>> [(v["prompt"], v["take"], r, c) for v, r, c in stacked.places]
        [('a', 1, 0, 0), ('a', 2, 0, 0), ('b', 1, 0, 1), ('b', 2, 0, 1)]
    """
    places = [({**values, "take": t}, r, c) for values, r, c in layout.places for t in takes]
    return GridLayout(places, layout.columns, layout.row_labels, layout.column_labels)


def take_spread(metrics: Sequence[Mapping[str, Any] | None]) -> dict[str, dict[str, float]]:
    """The spread of each numeric metric across the takes of one stack.

    Args:
        metrics: each take's metrics (None or {} for a take that has none).

    Returns:
        Per metric that at least two takes have: ``min``, ``max``, ``mean`` and ``range``.

    Example:
        >>> take_spread([{"sharpness": 0.5}, {"sharpness": 0.7}, None])["sharpness"]["range"]
        0.2
    """
    seen: dict[str, list[float]] = {}
    for found in metrics:
        for name, value in (found or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                seen.setdefault(name, []).append(float(value))
    return {
        name: {
            "min": min(values),
            "max": max(values),
            "mean": round(sum(values) / len(values), 6),
            "range": round(max(values) - min(values), 6),
        }
        for name, values in sorted(seen.items())
        if len(values) >= 2
    }


def cell_eta(progress: int | None, elapsed: float | None) -> tuple[float | None, float | None]:
    """A running cell's progress as a fraction, and the seconds left at its pace so far.

    Args:
        progress: the server's percentage (None when it reports none).
        elapsed: seconds the cell has run (None or 0: nothing to go on).

    Returns:
        ``(fraction, eta)``, either None when unknown.

    Example:
        >>> cell_eta(25, 10.0)
        (0.25, 30.0)
    """
    if progress is None:
        return None, None
    fraction = max(0.0, min(1.0, progress / 100))
    eta = round(elapsed * (1 - fraction) / fraction, 1) if 0 < fraction < 1 and elapsed else None
    return fraction, eta


def status_counts(statuses: Sequence[str], running: Collection[str]) -> dict[str, int]:
    """The overall bar's counts.

    Args:
        statuses: every cell's status.
        running: the statuses that count as running.

    Returns:
        ``total``, ``done`` (succeeded), ``failed``, ``cancelled``, ``pending``, ``running``
        and ``new``.

    Example:
        >>> status_counts(["succeeded", "queued", "new"], running={"queued"})["running"]
        1
    """
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return {
        "total": len(statuses),
        "done": counts.get("succeeded", 0),
        "failed": counts.get("failed", 0),
        "cancelled": counts.get("cancelled", 0),
        "pending": counts.get("pending", 0),
        "running": sum(n for s, n in counts.items() if s in running),
        "new": counts.get("new", 0),
    }


@dataclass(frozen=True)
class CellClock:
    """What the overall ETA needs of one cell that has run (its live ``CellRun``)."""

    status: str
    source: str | None
    progress: int | None
    elapsed: float
    done: bool


def overall_eta(cells: Sequence[CellClock], concurrency: int) -> float | None:
    """Seconds until the grid is done.

    From the cells' own progress where the server reports it, else from how long the cells
    created in this run took; cells still waiting for a slot go in rounds of ``concurrency``.

    Args:
        cells: the cells that have run (or are running).
        concurrency: how many cells generate at once.

    Returns:
        The seconds left, or None when nothing runs or there is nothing to go on.

    Example:
        >>> overall_eta([CellClock("in_progress", "created", 50, 10.0, False)], concurrency=4)
        10.0
    """
    if all(c.done for c in cells):
        return None
    took = [c.elapsed for c in cells if c.status == "succeeded" and c.source == "created"]
    typical = sum(took) / len(took) if took else None
    lefts: list[float] = []
    waiting = 0
    for cell in cells:
        if cell.done:
            continue
        if cell.status == "waiting":
            waiting += 1
        elif cell.progress and 0 < cell.progress < 100:
            lefts.append(cell.elapsed * (100 - cell.progress) / cell.progress)
        elif typical is not None:
            lefts.append(max(0.0, typical - cell.elapsed))
    if not lefts and typical is None:
        return None
    longest = max(lefts, default=0.0)
    if waiting and typical is not None:
        longest += math.ceil(waiting / max(1, concurrency)) * typical
    elif waiting:
        return None
    return round(longest, 1)


class OverallClock:
    """The grid's overall elapsed time.

    It restarts when new work starts after the grid was done, and stops when nothing runs any
    more.

        >>> clock = OverallClock()
        >>> clock.restart(); clock.observe(running=0); clock.finished_at is not None
        True
    """

    def __init__(self) -> None:
        self.started_at: float | None = None
        self.finished_at: float | None = None

    def restart(self) -> None:
        """New work starts: the clock runs (from now, unless it is running already)."""
        if self.started_at is None or self.finished_at is not None:
            self.started_at = time.time()
        self.finished_at = None

    def observe(self, running: int) -> None:
        """Stop the clock once nothing runs."""
        if self.started_at is not None and running == 0 and self.finished_at is None:
            self.finished_at = time.time()

    def elapsed(self, worked: bool) -> float | None:
        """Seconds from the start to the end (or now).

        None before any start, or when the grid did no work worth timing (it only loaded from
        disk or the cache).
        """
        if self.started_at is None or not worked:
            return None
        end = self.finished_at if self.finished_at is not None else time.time()
        return round(max(0.0, end - self.started_at), 2)
