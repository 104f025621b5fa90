"""Tuning a prompt in the Comparison: templates, effects, word diffs, stacked takes, promote.

Against the simulator on real loopback sockets, with the recording comm of ``tests/widgets``
standing in for the browser (the tests send the browser's custom messages themselves).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps.test_comparison import API_KEY, FAST, make_client
from tests.widgets._comm import from_browser_custom
from vidwidgets.apps import Arena, Comparison
from vidwidgets.apps._grid import take_spread
from vidwidgets.apps._templates import effect_rows
from vidwidgets.client import ValidationError, VideoClient
from vidwidgets.experiments import ExperimentStore, word_diff
from vidwidgets.simulator import Simulator

TEMPLATE = "a {animal} running through {place}"
VALUES: dict[str, Any] = {"animal": ["fox", "wolf"], "place": ["snow", "a forest"]}
JS = Path(__file__).resolve().parents[2] / "vidwidgets" / "apps" / "_comparison.js"


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(dialect="newapi", api_key=API_KEY, **FAST) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[VideoClient]:
    async with make_client(sim) as c:
        yield c


def tgrid(client: VideoClient, tmp_path: Path, **kwargs: Any) -> Comparison:
    kwargs.setdefault("template", TEMPLATE)
    kwargs.setdefault("values", VALUES)
    kwargs.setdefault("model", "kling-v1")
    kwargs.setdefault("autorun", False)
    return Comparison(client=client, store=tmp_path / "runs", **kwargs)


# -- templates ----------------------------------------------------------------------------------


async def test_a_template_makes_the_first_variable_rows_and_the_second_columns(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path)
    assert cmp.shape == (2, 2)
    assert cmp.row_labels == ["animal=fox", "animal=wolf"]
    assert cmp.column_labels == ["place=snow", "place=a forest"]
    assert cmp[1, 1].request.prompt == "a wolf running through a forest"
    assert cmp[0, 1].caption == "animal=fox · place=a forest"


async def test_captions_name_only_the_variables_that_differ(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path, values={"animal": ["fox", "wolf"], "place": "snow"})
    assert [c.caption for c in cmp.cells] == ["animal=fox", "animal=wolf"]


async def test_the_html_report_captions_template_cells_by_their_variables(
    client: VideoClient, tmp_path: Path
) -> None:
    from vidwidgets.experiments import record_captions

    cmp = tgrid(client, tmp_path, values={"animal": ["fox", "wolf"], "place": "snow"})
    cmp.run()
    await cmp
    assert sorted(record_captions(cmp.experiment.records).values()) == ["animal=fox", "animal=wolf"]
    page = cmp.export_html(tmp_path / "report.html").read_text("utf-8")
    assert ">animal=fox<" in page
    assert ">animal=wolf<" in page


async def test_a_third_variable_joins_the_columns_and_models_come_after_the_variables(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(
        client,
        tmp_path,
        template="a {animal} in {place} at {time}",
        values={"animal": ["fox", "wolf"], "place": ["snow"], "time": ["dawn", "dusk"]},
        model=None,
        models=["kling-v1", "hailuo-02"],
    )
    assert cmp.shape == (2, 4)
    assert cmp.column_labels[1] == "time=dawn · hailuo-02"
    assert cmp[0, 1].caption == "animal=fox · time=dawn · model=hailuo-02"


async def test_seeds_and_takes_of_a_template_grid_are_columns_after_the_variables(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(
        client,
        tmp_path,
        values={"animal": ["fox", "wolf"], "place": "snow"},
        model="viduq1",
        seeds=[1, 2],
        samples=2,
    )
    assert cmp.shape == (2, 4)
    assert cmp.column_labels[:2] == ["seed=1 · take 1", "seed=1 · take 2"]
    assert cmp[1, 3].caption == "animal=wolf · seed=2 · take 2"


async def test_a_list_of_requests_stacks_the_takes_of_each_request(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = Comparison(
        requests=[
            {"model": "kling-v1", "prompt": "a fox"},
            {"model": "hailuo-02", "prompt": "a fox"},
        ],
        samples=2,
        stack_takes=True,
        client=client,
        store=tmp_path / "runs",
        autorun=False,
    )
    assert cmp.shape == (1, 2)
    assert [[c.request.model for c in stack] for stack in cmp.stacks] == [
        ["kling-v1", "kling-v1"],
        ["hailuo-02", "hailuo-02"],
    ]


async def test_doubled_braces_are_literal_braces(client: VideoClient, tmp_path: Path) -> None:
    cmp = tgrid(client, tmp_path, template="a {animal} {{glowing}}", values={"animal": ["fox"]})
    assert cmp.cells[0].request.prompt == "a fox {glowing}"


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"values": {"animal": ["fox"]}}, "{place} has no values"),
        ({"values": {**VALUES, "time": ["dawn"]}}, "values['time'] names no variable"),
        ({"values": {**VALUES, "place": []}}, "values['place']=[] is empty"),
        ({"values": {**VALUES, "place": ["snow", "snow"]}}, "gives 'snow' twice"),
        ({"prompts": ["a fox"]}, "not both"),
        ({"template": "a {animal", "values": {"animal": ["fox"]}}, "literal brace"),
        ({"template": "a {model}", "values": {"model": ["x"]}}, "{model} is not allowed"),
        ({"template": "a {0} fox", "values": {}}, "a plain name"),
        ({"template": None}, "give template="),
    ],
)
async def test_bad_template_input_is_refused_naming_the_variable(
    client: VideoClient, tmp_path: Path, kwargs: dict[str, Any], names: str
) -> None:
    with pytest.raises(ValueError, match=names.replace("[", r"\[").replace("{", r"\{")):
        tgrid(client, tmp_path, **kwargs)


async def test_each_record_keeps_its_variables_as_results_columns(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path, values={"animal": ["fox", "wolf"], "place": "snow"})
    await cmp.run()
    frame = cmp.to_dataframe()
    assert list(frame["animal"]) == ["fox", "wolf"]
    assert list(frame["place"]) == ["snow", "snow"]
    again = ExperimentStore(tmp_path / "runs").experiment(cmp.experiment.name)
    assert [r.variables for r in again.records] == [
        {"animal": "fox", "place": "snow"},
        {"animal": "wolf", "place": "snow"},
    ]
    await cmp.aclose()


async def test_a_template_grid_adds_models_but_not_prompts(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path)
    with pytest.raises(ValueError, match="prompt template"):
        cmp.add(prompt="a hare")
    assert len(cmp.add(model="hailuo-02", run=False)) == 4


# -- effects and word diffs ---------------------------------------------------------------------


async def test_effects_average_score_and_stars_per_value(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path)
    await cmp.run()
    cmp[0, 0].rating = 5
    cmp[1, 0].rating = 1
    exp = cmp.experiment
    for _ in range(3):
        exp.add_vote(cmp[0, 0].key, cmp[1, 1].key, "a")
    frame = cmp.effects().set_index(["variable", "value"])
    assert list(frame.columns)[:5] == ["cells", "score", "voted", "rating", "rated"]
    # then the mean of each metric, measured after each download
    assert {"motion", "flicker", "sharpness"} <= set(frame.columns)
    assert frame.loc[("animal", "fox"), "motion"] is not None
    assert frame.loc[("animal", "fox"), "rating"] == 5.0
    assert frame.loc[("animal", "wolf"), "rating"] == 1.0
    assert frame.loc[("animal", "fox"), "score"] > 0 > frame.loc[("animal", "wolf"), "score"]
    assert frame.loc[("place", "snow"), "cells"] == 2
    assert frame.loc[("place", "snow"), "voted"] == 1
    await cmp.aclose()


def test_effects_take_the_mean_of_each_metric_the_records_have() -> None:
    rows = effect_rows(
        [
            {"factors": {"animal": "fox"}, "rating": 0, "score": None, "metrics": {"motion": 1}},
            {"factors": {"animal": "fox"}, "rating": 0, "score": None, "metrics": {"motion": 3}},
            {"factors": {"animal": "wolf"}, "rating": 0, "score": None, "metrics": None},
        ]
    )
    assert [(r["value"], r["motion"]) for r in rows] == [("fox", 2.0), ("wolf", None)]


def test_the_word_diff_marks_what_is_not_shared_by_every_prompt() -> None:
    diff = word_diff(["a red fox in snow", "a grey fox in snow", "a red wolf in snow"])
    marked = [[text for text, mark in runs if mark] for runs in diff]
    assert marked == [["red fox"], ["grey fox"], ["red wolf"]]
    assert "".join(t for t, _ in diff[0]) == "a red fox in snow"


async def test_free_text_captions_reach_the_browser_with_the_differing_words_marked(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = Comparison(
        prompts=["a red fox <b>in</b> snow", "a grey fox <b>in</b> snow"],
        model="kling-v1",
        client=client,
        store=tmp_path / "runs",
        autorun=False,
    )
    parts = [s["caption_parts"] for s in cmp.cells_state]
    assert parts[1] == [["a ", False], ["grey", True], [" fox <b>in</b> snow", False]]
    js = JS.read_text("utf-8")
    assert 'make(marked ? "mark" : "span"' in js  # each run is plain text in <mark> or <span>


# -- takes as a stack ---------------------------------------------------------------------------


async def test_stacked_takes_share_one_spot_and_know_their_place_in_the_stack(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(
        client,
        tmp_path,
        values={"animal": ["fox", "wolf"], "place": "snow"},
        samples=3,
        stack_takes=True,
    )
    assert cmp.shape == (1, 2)
    assert len(cmp.cells) == 6
    assert [len(s) for s in cmp.stacks] == [3, 3]
    assert [c.caption for c in cmp.stacks[1]] == [f"animal=wolf · take {t}" for t in (1, 2, 3)]
    states = cmp.cells_state
    assert [(s["stack_index"], s["stack_size"]) for s in states[:3]] == [(0, 3), (1, 3), (2, 3)]
    assert {(s["row"], s["column"]) for s in states[3:]} == {(0, 1)}


def test_the_spread_of_a_stack_covers_the_metrics_two_takes_have() -> None:
    spread = take_spread([{"motion": 0.2, "seconds": 5}, {"motion": 0.6}, None])
    assert spread == {"motion": {"min": 0.2, "max": 0.6, "mean": 0.4, "range": 0.4}}


async def test_the_arena_votes_on_each_take_of_a_stack_as_its_own_video(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(
        client, tmp_path, values={"animal": "fox", "place": "snow"}, samples=2, stack_takes=True
    )
    await cmp.run()
    arena = Arena(cmp)
    first, second = cmp.stacks[0]
    assert sorted(arena.video_keys) == sorted([first.key, second.key])
    arena.vote(first.key, second.key, "a")
    ranking = arena.ranking()
    assert list(ranking["caption"]) == ["take 1", "take 2"]
    assert ranking.iloc[0]["key"] == first.key
    await cmp.aclose()


# -- promote ------------------------------------------------------------------------------------


async def test_promote_runs_the_cell_again_with_the_changes_as_a_new_row(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path)
    await cmp.run()
    created = sim.create_count
    new = cmp.promote((0, 1), duration=10, mode="pro")
    await cmp
    assert sim.create_count == created + 1
    [cell] = new
    assert (cell.row, cell.column) == (2, 0)
    assert cmp.shape == (3, 2)
    assert cmp.row_labels[-1] == "promoted"
    assert cell.caption == "promoted from animal=fox · place=a forest + duration=10 + mode=pro"
    assert (cell.request.duration, cell.request.mode) == (10, "pro")
    assert cell.request.prompt == cmp[0, 1].request.prompt
    assert cell.finished
    assert cell.record is not None
    assert cell.record.variables == {"animal": "fox", "place": "a forest"}
    await cmp.aclose()


async def test_promoting_again_with_the_same_changes_returns_the_same_row(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path)
    first = cmp.promote(cmp.cells[0], duration=10, run=False)
    assert cmp.promote(0, duration=10, run=False) == first
    assert cmp.shape == (3, 2)


async def test_a_change_the_model_cannot_take_is_refused_naming_the_field_and_nothing_is_sent(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path, duration=5)
    with pytest.raises(
        ValidationError, match="mode='turbo' is not allowed for kling-v1: 'std' or 'pro'"
    ):
        cmp.promote(0, mode="turbo")
    with pytest.raises(ValidationError, match=r"duration=5 is not allowed for veo-3\.1.*4, 6 or 8"):
        cmp.promote(0, model="veo-3.1-generate-preview")
    with pytest.raises(ValidationError, match="colour"):
        cmp.promote(0, colour="red")
    assert len(cmp.cells) == 4
    assert sim.create_count == 0


async def test_promoting_to_another_model_drops_a_seed_it_would_ignore(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path, model="viduq1", seed=7)
    [cell] = cmp.promote(0, model="kling-v1", run=False)
    assert cell.request.model == "kling-v1"
    assert cell.request.seed is None


async def test_the_promote_button_promotes_the_cell_unchanged(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = tgrid(client, tmp_path, values={"animal": ["fox", "wolf"], "place": "snow"})
    await cmp.run()
    from_browser_custom(cmp, {"type": "promote", "key": cmp.cells[1].key})
    await cmp
    assert cmp.cells[-1].caption == "promoted from animal=wolf"
    assert cmp.cells[-1].finished
    assert (
        json.dumps(cmp.cells_state[-1]["caption_parts"]) == '[["promoted from animal=wolf", false]]'
    )
    await cmp.aclose()
