"""The Comparison grid's logic on plain data: layout, headers, captions, counts and ETA.

No widget, no client, no simulator: what the grid shows follows from these functions alone.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from vidwidgets.apps._grid import (
    MAX_AUTO_COLUMNS,
    CellClock,
    GridLayout,
    OverallClock,
    axis_label,
    captions,
    cell_eta,
    layout_axes,
    layout_list,
    overall_eta,
    status_counts,
)

RUNNING = {"waiting", "creating", "queued", "in_progress", "downloading"}


def axes(
    prompts: Sequence[str] = ("a fox",),
    models: Sequence[str] = ("m",),
    seeds: Sequence[int] = (1,),
) -> dict[str, list[Any]]:
    return {"prompt": list(prompts), "model": list(models), "seed": list(seeds)}


def positions(layout: GridLayout) -> list[tuple[int, int]]:
    return [(r, c) for _, r, c in layout.places]


# -- layout ----------------------------------------------------------------------------------


def test_prompts_are_rows_and_seeds_columns_when_both_vary() -> None:
    layout = layout_axes(axes(prompts=["a fox", "a wolf"], seeds=[1, 2, 3]))
    assert (layout.rows, layout.columns) == (2, 3)
    assert layout.row_labels == ["a fox", "a wolf"]
    assert layout.column_labels == ["seed=1", "seed=2", "seed=3"]
    assert [v["prompt"] for v, _, _ in layout.places] == ["a fox"] * 3 + ["a wolf"] * 3
    assert [v["seed"] for v, _, _ in layout.places] == [1, 2, 3, 1, 2, 3]


def test_every_place_carries_the_fixed_axes_too() -> None:
    layout = layout_axes(axes(models=["kling-v1"], seeds=[1, 2]))
    assert [v for v, _, _ in layout.places] == [
        {"prompt": "a fox", "model": "kling-v1", "seed": 1},
        {"prompt": "a fox", "model": "kling-v1", "seed": 2},
    ]


def test_the_first_varying_axis_makes_rows_and_the_others_combine_into_columns() -> None:
    layout = layout_axes(axes(prompts=["a", "b"], models=["m1", "m2"], seeds=[1, 2]))
    assert (layout.rows, layout.columns) == (2, 4)
    assert layout.column_labels == ["m1 · seed=1", "m1 · seed=2", "m2 · seed=1", "m2 · seed=2"]


def test_models_make_rows_when_prompts_do_not_vary() -> None:
    layout = layout_axes(axes(models=["m1", "m2"], seeds=[1, 2]))
    assert layout.row_labels == ["m1", "m2"]
    assert layout.column_labels == ["seed=1", "seed=2"]


def test_a_single_varying_axis_is_one_row_with_column_headers() -> None:
    layout = layout_axes(axes(seeds=[1, 2, 3]))
    assert positions(layout) == [(0, 0), (0, 1), (0, 2)]
    assert layout.row_labels == []
    assert layout.column_labels == ["seed=1", "seed=2", "seed=3"]


def test_a_single_varying_axis_wraps_after_the_auto_column_limit_without_headers() -> None:
    seeds = list(range(MAX_AUTO_COLUMNS + 2))
    layout = layout_axes(axes(seeds=seeds))
    assert layout.columns == MAX_AUTO_COLUMNS
    assert layout.rows == 2
    assert positions(layout)[MAX_AUTO_COLUMNS] == (1, 0)
    assert layout.column_labels == []  # a wrapped row would not line up with its headers


def test_nothing_varying_is_one_cell_without_headers() -> None:
    layout = layout_axes(axes())
    assert positions(layout) == [(0, 0)]
    assert (layout.rows, layout.columns, layout.row_labels, layout.column_labels) == (1, 1, [], [])


def test_forced_columns_wrap_in_grid_order_and_drop_the_headers() -> None:
    layout = layout_axes(axes(prompts=["a", "b"], seeds=[1, 2, 3]), columns=2)
    assert positions(layout) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    assert (layout.rows, layout.columns) == (3, 2)
    assert layout.row_labels == []
    assert layout.column_labels == []


def test_a_short_list_of_requests_is_one_row() -> None:
    layout = layout_list(MAX_AUTO_COLUMNS)
    assert (layout.rows, layout.columns) == (1, MAX_AUTO_COLUMNS)


def test_a_long_list_of_requests_is_a_square_ish_grid() -> None:
    layout = layout_list(5)
    assert (layout.rows, layout.columns) == (2, 3)
    assert positions(layout) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    assert layout.row_labels == []
    assert layout.column_labels == []


def test_a_list_of_requests_takes_forced_columns() -> None:
    assert positions(layout_list(3, columns=1)) == [(0, 0), (1, 0), (2, 0)]


def test_prompts_and_models_read_as_themselves_other_axes_as_name_equals_value() -> None:
    assert axis_label("prompt", "a fox") == "a fox"
    assert axis_label("model", "viduq1") == "viduq1"
    assert axis_label("seed", 7) == "seed=7"


# -- captions --------------------------------------------------------------------------------


def test_captions_show_only_what_differs() -> None:
    requests = [
        {"model": "m", "prompt": "a fox", "seed": 1},
        {"model": "m", "prompt": "a fox", "seed": 2},
    ]
    assert captions(requests, ["", ""]) == ["seed=1", "seed=2"]


def test_a_label_is_the_caption_whatever_differs() -> None:
    requests = [{"prompt": "a fox", "seed": 1}, {"prompt": "a fox", "seed": 2}]
    assert captions(requests, ["best", ""]) == ["best", "seed=2"]


def test_a_lone_cell_is_captioned_with_its_prompt() -> None:
    assert captions([{"model": "m", "prompt": "a fox", "seed": 1}], [""]) == ["a fox"]


# -- one cell's progress ---------------------------------------------------------------------


def test_a_cells_eta_follows_its_pace_so_far() -> None:
    assert cell_eta(25, 10.0) == (0.25, 30.0)


def test_a_cell_without_a_percentage_has_no_fraction_and_no_eta() -> None:
    assert cell_eta(None, 10.0) == (None, None)


def test_a_cell_at_zero_or_done_or_without_time_has_a_fraction_but_no_eta() -> None:
    assert cell_eta(0, 10.0) == (0.0, None)
    assert cell_eta(100, 10.0) == (1.0, None)
    assert cell_eta(50, 0.0) == (0.5, None)
    assert cell_eta(50, None) == (0.5, None)


def test_a_cells_fraction_is_clamped_to_zero_and_one() -> None:
    assert cell_eta(150, 10.0) == (1.0, None)
    assert cell_eta(-5, 10.0) == (0.0, None)


# -- the overall bar -------------------------------------------------------------------------


def test_status_counts_name_every_bucket_of_the_overall_bar() -> None:
    statuses = ["succeeded", "succeeded", "failed", "cancelled", "pending", "queued", "new"]
    assert status_counts(statuses, RUNNING) == {
        "total": 7,
        "done": 2,
        "failed": 1,
        "cancelled": 1,
        "pending": 1,
        "running": 1,
        "new": 1,
    }


def test_every_running_status_counts_as_running() -> None:
    counts = status_counts(sorted(RUNNING), RUNNING)
    assert counts["running"] == len(RUNNING)
    assert counts["done"] == 0


def running(progress: int | None, elapsed: float, status: str = "in_progress") -> CellClock:
    return CellClock(status, "created", progress, elapsed, done=False)


def finished(elapsed: float, source: str = "created") -> CellClock:
    return CellClock("succeeded", source, 100, elapsed, done=True)


def test_there_is_no_eta_when_nothing_runs() -> None:
    assert overall_eta([], concurrency=4) is None
    assert overall_eta([finished(10.0)], concurrency=4) is None


def test_the_eta_is_the_slowest_running_cells_time_left_from_its_progress() -> None:
    cells = [running(50, 10.0), running(25, 10.0)]
    assert overall_eta(cells, concurrency=4) == 30.0


def test_without_a_percentage_the_eta_comes_from_how_long_created_cells_took() -> None:
    cells = [finished(20.0), running(None, 5.0)]
    assert overall_eta(cells, concurrency=4) == 15.0


def test_cells_loaded_from_disk_or_the_cache_say_nothing_about_the_time_a_cell_takes() -> None:
    cells = [finished(0.1, source="disk"), finished(0.1, source="cache"), running(None, 5.0)]
    assert overall_eta(cells, concurrency=4) is None


def test_cells_waiting_for_a_slot_add_rounds_of_the_typical_time() -> None:
    waiting = [running(None, 0.0, status="waiting") for _ in range(3)]
    cells = [finished(10.0), running(50, 5.0), *waiting]
    # 5 s for the running cell, then two rounds of 10 s for three cells two at a time
    assert overall_eta(cells, concurrency=2) == 25.0


def test_waiting_cells_with_no_finished_cell_to_go_on_give_no_eta() -> None:
    cells = [running(50, 5.0), running(None, 0.0, status="waiting")]
    assert overall_eta(cells, concurrency=4) is None


def test_the_overall_clock_shows_nothing_before_it_starts() -> None:
    assert OverallClock().elapsed(worked=True) is None


def test_the_overall_clock_shows_nothing_for_a_grid_that_only_loaded() -> None:
    clock = OverallClock()
    clock.restart()
    assert clock.elapsed(worked=False) is None


def test_the_overall_clock_stops_once_nothing_runs() -> None:
    clock = OverallClock()
    clock.restart()
    clock.observe(running=1)
    assert clock.finished_at is None
    clock.observe(running=0)
    stopped = clock.elapsed(worked=True)
    assert stopped is not None
    time.sleep(0.02)
    assert clock.elapsed(worked=True) == stopped


def test_new_work_after_the_grid_was_done_restarts_the_clock() -> None:
    clock = OverallClock()
    clock.restart()
    first = clock.started_at
    clock.observe(running=0)
    time.sleep(0.01)
    clock.restart()
    assert clock.finished_at is None
    assert first is not None
    assert clock.started_at is not None
    assert clock.started_at > first


def test_new_work_while_the_grid_runs_keeps_the_clock_going() -> None:
    clock = OverallClock()
    clock.restart()
    first = clock.started_at
    clock.restart()
    assert clock.started_at == first


def test_takes_are_columns_after_the_seeds_and_read_take_n() -> None:
    layout = layout_axes({**axes(prompts=["a fox", "a wolf"], seeds=[None]), "take": [1, 2, 3]})
    assert (layout.rows, layout.columns) == (2, 3)
    assert layout.column_labels == ["take 1", "take 2", "take 3"]
    assert layout.places[5][0]["take"] == 3


def test_a_caption_names_the_take_and_no_seed_the_request_was_not_sent() -> None:
    requests = [
        {"model": "kling-v1", "prompt": "a fox"},
        {"model": "viduq1", "prompt": "a fox", "seed": 7},
    ]
    assert captions(requests, ["", ""], [2, 2]) == [
        "model=kling-v1 · take 2",
        "model=viduq1 · seed=7 · take 2",
    ]
