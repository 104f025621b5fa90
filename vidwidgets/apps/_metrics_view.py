"""What the Comparison grid shows of each video's metrics, and the traits that choose it.

The badges on each cell (rounded scalars), the order of ``sort_by``, the best and worst cells
of ``highlight``, and the curves under the seek bar: one downsampled per-frame series per cell
with the time of its worst frame. ``Comparison`` feeds it the cells' records and their
``VideoMetrics``; the front end draws what comes back and computes nothing. Everything but
``MetricsViewMixin`` (the grid's ``sort_by``/``highlight``/``show_curves`` and their traits) is
plain data: no widget, no loop.

    >>> ranking({"a": 0.9, "b": 0.7, "c": None}, "flicker")
    ['a', 'b', 'c']
    >>> ranking({"a": 0.1, "b": 0.3}, "frozen", descending=True)
    ['b', 'a']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import traitlets

from vidwidgets.client import ValidationError
from vidwidgets.metrics import METRIC_NAMES, VideoMetrics

if TYPE_CHECKING:
    from vidwidgets.apps._cell_state import CellFrontState
    from vidwidgets.apps._comparison import ComparisonCell

__all__ = [
    "CURVES",
    "MAX_POINTS",
    "TITLES",
    "MetricsView",
    "MetricsViewMixin",
    "badges",
    "check_metric",
    "downsample",
    "ranking",
]

#: at most this many points per cell's curve reach the browser
MAX_POINTS: Final = 200

#: the badge tooltips: what each number means and which way is better
TITLES: Final = {
    "motion": "motion: mean optical flow per frame, share of the diagonal (0 = still)",
    "flicker": "flicker: VBench temporal-flickering score, 0–1, higher is steadier",
    "sharpness": "sharpness: variance of the Laplacian, higher is sharper",
    "frozen": "frozen: share of frame steps that barely change, lower is better",
    "cuts": "cuts: number of hard cuts",
    "loop_seam": "loop seam: SSIM of the last frame to the first, 1 = seamless loop",
    "brightness": "brightness: mean luma, 0 black to 1 white",
    "clipping": "clipping: share of crushed or blown pixels, lower is better",
}


@dataclass(frozen=True)
class Curve:
    """Which per-frame series draws a metric's curve, and which end of it is the worst frame.

    ``step``: the series compares frame i with frame i + 1 (its point sits at frame i + 1).
    """

    series: str
    worst: str  # "max" or "min"
    step: bool


#: metric -> its curve. ``loop_seam`` has none: it compares two frames only.
CURVES: Final = {
    "motion": Curve("motion", "max", step=True),
    "flicker": Curve("difference", "max", step=True),
    "frozen": Curve("difference", "min", step=True),
    "cuts": Curve("difference", "max", step=True),
    "sharpness": Curve("sharpness", "min", step=False),
    "brightness": Curve("brightness", "min", step=False),
    "clipping": Curve("clipping", "max", step=False),
}

#: how good a value is (higher is better), for highlight's best and worst
_GOODNESS: Final[dict[str, Callable[[float], float]]] = {
    "motion": lambda v: v,
    "flicker": lambda v: v,
    "sharpness": lambda v: v,
    "frozen": lambda v: -v,
    "cuts": lambda v: -v,
    "loop_seam": lambda v: v,
    "brightness": lambda v: -abs(v - 0.5),  # mid-grey is best; very dark or bright is worst
    "clipping": lambda v: -v,
}


def check_metric(field: str, name: str | None, allowed: Iterable[str] = METRIC_NAMES) -> str:
    """``name`` if it is a metric in ``allowed`` ("" and None mean none), else ValidationError.

    >>> check_metric("sort_by", "flicker"), check_metric("sort_by", None)
    ('flicker', '')
    """
    choices = tuple(allowed)
    if name is None or name == "":
        return ""
    if not isinstance(name, str) or name not in choices:
        raise ValidationError(field, name, "choose one of " + ", ".join(choices) + ", or None")
    return name


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def badges(metrics: Mapping[str, Any] | None) -> dict[str, float]:
    """The scalars a cell's badges show, rounded to 4 significant digits (small JSON).

    >>> badges({"motion": 0.0061234, "cuts": 2, "other": 1})
    {'motion': 0.006123, 'cuts': 2.0}
    """
    out: dict[str, float] = {}
    for name in METRIC_NAMES:
        value = _number((metrics or {}).get(name))
        if value is not None:
            out[name] = float(f"{value:.4g}")
    return out


def ranking(
    values: Mapping[str, float | None], metric: str, *, descending: bool | None = None
) -> list[str]:
    """Keys ordered by ``metric``: best first by default, cells without a value last.

    Args:
        values: each cell's value of the metric (None: not measured).
        metric: the metric (it says which way is better).
        descending: True sorts by the raw value, highest first; False lowest first; None
            (the default) best first.

    Returns:
        The keys, in order; ties keep the grid's order.
    """
    known = [(k, v) for k, v in values.items() if v is not None]
    missing = [k for k, v in values.items() if v is None]
    if descending is None:
        good = _GOODNESS[metric]
        known.sort(key=lambda kv: -good(kv[1]))
    else:
        known.sort(key=lambda kv: kv[1], reverse=descending)
    return [k for k, _ in known] + missing


def downsample(
    series: Sequence[float], fps: float, curve: Curve, max_points: int = MAX_POINTS
) -> list[list[float]]:
    """``[[t, value], ...]`` of at most ``max_points`` points, keeping each bucket's worst.

    A spike of flicker or a blurred frame must survive the downsampling, so each bucket of
    frames keeps its worst value (and that frame's time), not its mean.

    >>> downsample([0.0, 1.0, 0.0, 0.0], 1.0, CURVES["motion"], max_points=2)
    [[2.0, 1.0], [3.0, 0.0]]
    """
    if not series or fps <= 0:
        return []
    offset = 1 if curve.step else 0
    pick = max if curve.worst == "max" else min
    size = max(1, math.ceil(len(series) / max_points))
    points = []
    for start in range(0, len(series), size):
        bucket = range(start, min(start + size, len(series)))
        i = pick(bucket, key=lambda j: series[j])
        points.append([round((i + offset) / fps, 4), float(f"{series[i]:.4g}")])
    return points


class MetricsView:
    """The ``metric_view`` state of a grid, with each cell's curve computed once."""

    def __init__(self) -> None:
        self._curves: dict[tuple[str, int, str], list[list[float]]] = {}

    def curve(self, key: str, metrics: VideoMetrics, metric: str) -> list[list[float]]:
        """The downsampled curve of ``metric`` for one cell's measured video (cached)."""
        cache_key = (key, id(metrics), metric)
        if cache_key not in self._curves:
            spec = CURVES[metric]
            series = getattr(metrics.per_frame, spec.series)
            self._curves = {
                k: v for k, v in self._curves.items() if k[0] != key or k[1] == id(metrics)
            }
            self._curves[cache_key] = downsample(series, metrics.fps, spec)
        return self._curves[cache_key]

    def state(
        self,
        cells: Sequence[tuple[str, Mapping[str, float], VideoMetrics | None]],
        *,
        sort: str,
        descending: bool,
        highlight: str,
        curve: str,
    ) -> dict[str, Any]:
        """What the front end draws: the order, the best and worst cells, the curves.

        Args:
            cells: ``(key, badges, metrics)`` of each cell in grid order (metrics: None when
                this kernel has not measured the video).
            sort: the metric the grid is sorted by ("" none).
            descending: highest value first.
            highlight: the metric whose best and worst cells are outlined ("" none).
            curve: the metric drawn under the seek bar ("" none).

        Returns:
            A small JSON-ready dict (``order``, ``best``, ``worst``, ``curves``, ``worst_at``, ...).
        """
        state: dict[str, Any] = {"names": list(METRIC_NAMES), "curve_names": list(CURVES)}
        state.update(titles=TITLES, sort=sort, descending=descending, order=[])
        state.update(highlight=highlight, best="", worst="", curve=curve)
        if sort:
            state["order"] = ranking(
                {k: b.get(sort) for k, b, _ in cells}, sort, descending=descending
            )
        if highlight:
            ranked = [k for k in ranking({k: b.get(highlight) for k, b, _ in cells}, highlight)]
            measured = [k for k, b, _ in cells if b.get(highlight) is not None]
            if len(measured) >= 2:
                state["best"], state["worst"] = ranked[0], ranked[len(measured) - 1]
        state["curves"], state["worst_at"] = self._curve_state(cells, curve)
        return state

    def _curve_state(
        self, cells: Sequence[tuple[str, Mapping[str, float], VideoMetrics | None]], metric: str
    ) -> tuple[dict[str, list[list[float]]], float | None]:
        if not metric:
            return {}, None
        spec = CURVES[metric]
        pick = max if spec.worst == "max" else min
        curves = {k: self.curve(k, m, metric) for k, _, m in cells if m is not None}
        every = [p for points in curves.values() for p in points]
        worst = pick(every, key=lambda p: p[1])[0] if every else None
        return curves, worst


class MetricsViewMixin(traitlets.HasTraits):
    """The Comparison's metrics view: what the grid is sorted by, outlines and draws as curves.

    Its traits are synced with the front end (the header's selectors set them too); the grid
    calls ``_paint_metrics`` with each render, and a change of choice paints again at once.
    """

    if TYPE_CHECKING:
        _cells: list[ComparisonCell]
        _metrics_view: MetricsView

    #: the metric the cells are sorted by, and whether highest first ("" keeps the grid order)
    sort_metric = traitlets.Unicode("").tag(sync=True)
    sort_descending = traitlets.Bool(True).tag(sync=True)
    #: the metric whose best and worst cells are outlined ("" none)
    highlight_metric = traitlets.Unicode("").tag(sync=True)
    #: the metric drawn as one curve per cell under the seek bar ("" none)
    curve_metric = traitlets.Unicode("").tag(sync=True)
    #: what the front end draws of the metrics (see ``_metrics_view.MetricsView.state``)
    metric_view = traitlets.Dict().tag(sync=True)

    def sort_by(self, metric: str | None, *, descending: bool = True) -> None:
        """Show the cells ordered by a metric (``None``: the grid's own order again).

        Cells not measured yet come last. The header's "sort" selector does the same.

            >>> cmp.sort_by("motion", descending=True)        # doctest: +SKIP

        Raises:
            ValidationError: ``metric`` is not one of ``vidwidgets.metrics.METRIC_NAMES``.
        """
        self.sort_metric = check_metric("sort_by", metric)
        self.sort_descending = bool(descending)

    def highlight(self, metric: str | None) -> None:
        """Outline the best and the worst cell by a metric (``None``: no outline).

        "Best" follows each metric's good direction (steadier, sharper, fewer cuts; mid-grey
        brightness), as the Metrics guide says.

        Raises:
            ValidationError: ``metric`` is not one of ``vidwidgets.metrics.METRIC_NAMES``.
        """
        self.highlight_metric = check_metric("highlight", metric)

    def show_curves(self, metric: str | None) -> None:
        """Draw one curve per cell of a metric's per-frame series under the seek bar.

        Raises:
            ValidationError: ``metric`` has no per-frame series (``loop_seam``) or is unknown.
        """
        self.curve_metric = check_metric("show_curves", metric, CURVES)

    @traitlets.validate("sort_metric", "highlight_metric")
    def _valid_metric(self, proposal: Any) -> str:
        return check_metric(proposal["trait"].name, proposal["value"])

    @traitlets.validate("curve_metric")
    def _valid_curve(self, proposal: Any) -> str:
        return check_metric("curve_metric", proposal["value"], CURVES)

    @traitlets.observe("sort_metric", "sort_descending", "highlight_metric", "curve_metric")
    def _metric_choice(self, _change: Any) -> None:
        self._paint_metrics([c.front_state() for c in self._cells])

    def _paint_metrics(self, states: Sequence[CellFrontState]) -> None:
        cells = [(c.key, s["metrics"], c.metrics) for c, s in zip(self._cells, states, strict=True)]
        self.metric_view = self._metrics_view.state(
            cells,
            sort=self.sort_metric,
            descending=self.sort_descending,
            highlight=self.highlight_metric,
            curve=self.curve_metric,
        )
