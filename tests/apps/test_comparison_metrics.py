"""Metrics in the grid: badges in each cell's front state, sort_by, highlight and curves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps.test_comparison import (  # the same simulator and client
    API_KEY,
    FAST,
    grid,
    make_client,
)
from vidwidgets.apps import Comparison
from vidwidgets.apps._metrics_view import CURVES, MAX_POINTS, downsample, ranking
from vidwidgets.client import ValidationError, VideoClient
from vidwidgets.metrics import METRIC_NAMES
from vidwidgets.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(dialect="newapi", api_key=API_KEY, **FAST) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[VideoClient]:
    async with make_client(sim) as c:
        yield c


@pytest.fixture
async def done(client: VideoClient, tmp_path: Path) -> Comparison:
    cmp = grid(client, tmp_path, prompts=["a red fox", "a grey wolf"], seeds=[1])
    await cmp
    return cmp


async def test_each_finished_cell_sends_its_metrics_as_rounded_badges(done: Comparison) -> None:
    for state in done.cells_state:
        assert set(state["metrics"]) == set(METRIC_NAMES)
        assert all(v == float(f"{v:.4g}") for v in state["metrics"].values())
        assert state["metrics_note"] == ""


async def test_results_and_the_dataframe_have_a_column_per_metric(done: Comparison) -> None:
    for row in done.results:
        assert all(row[name] is not None for name in METRIC_NAMES)
    assert set(METRIC_NAMES) <= set(done.to_dataframe().columns)


async def test_sort_by_orders_the_cells_by_the_metric(done: Comparison) -> None:
    done.sort_by("brightness", descending=True)
    view = done.metric_view
    values = {s["key"]: s["metrics"]["brightness"] for s in done.cells_state}
    assert view["sort"] == "brightness"
    assert [values[k] for k in view["order"]] == sorted(values.values(), reverse=True)
    done.sort_by(None)
    assert done.metric_view["order"] == []


async def test_highlight_names_the_best_and_the_worst_cell(done: Comparison) -> None:
    done.highlight("sharpness")
    view = done.metric_view
    values = {s["key"]: s["metrics"]["sharpness"] for s in done.cells_state}
    assert values[view["best"]] == max(values.values())
    assert values[view["worst"]] == min(values.values())


async def test_picking_a_curve_sends_a_downsampled_series_per_cell(done: Comparison) -> None:
    done.show_curves("motion")
    view = done.metric_view
    assert set(view["curves"]) == set(done.cell_keys)
    for points in view["curves"].values():
        assert 0 < len(points) <= MAX_POINTS
        assert all(len(p) == 2 for p in points)
    every = [p for points in view["curves"].values() for p in points]
    assert view["worst_at"] == max(every, key=lambda p: p[1])[0]


async def test_the_series_never_enter_the_cell_state(done: Comparison) -> None:
    done.show_curves("motion")
    assert all("per_frame" not in s and "curve" not in s for s in done.cells_state)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.sort_by("speed"), "sort_by"),
        (lambda c: c.highlight("wobble"), "highlight"),
        (lambda c: c.show_curves("loop_seam"), "show_curves"),
    ],
)
async def test_a_bad_metric_name_names_the_allowed_ones(
    done: Comparison, call: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        call(done)
    assert caught.value.field == field
    assert "flicker" in str(caught.value)


async def test_measure_false_sends_no_badges(client: VideoClient, tmp_path: Path) -> None:
    cmp = grid(client, tmp_path, prompts=["a red fox"], seeds=[1], measure=False)
    await cmp
    assert cmp.cells_state[0]["status"] == "succeeded"
    assert cmp.cells_state[0]["metrics"] == {}
    assert cmp.results[0]["motion"] is None


def test_ranking_puts_unmeasured_cells_last_and_best_first() -> None:
    assert ranking({"a": 0.4, "b": None, "c": 0.1}, "clipping") == ["c", "a", "b"]
    assert ranking({"a": 0.2, "b": 0.5, "c": 0.9}, "brightness") == ["b", "a", "c"]


def test_downsampling_keeps_a_spike() -> None:
    series = [0.0] * 1000
    series[537] = 1.0
    points = downsample(series, 24.0, CURVES["flicker"])
    assert len(points) == MAX_POINTS
    assert max(v for _, v in points) == 1.0
    assert [t for t, v in points if v == 1.0] == [round(538 / 24.0, 4)]


async def test_a_cell_holds_its_videos_metrics_with_the_series(done: Comparison) -> None:
    cell = done.cells[0]
    assert cell.metrics is not None
    assert cell.metrics.frames == len(cell.metrics.per_frame.brightness)
    assert cell.record is not None
    assert cell.record.metrics == {name: getattr(cell.metrics, name) for name in METRIC_NAMES}
