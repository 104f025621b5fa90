"""Takes (``samples=n``) and the seed rules of a grid, against the simulator on real sockets."""

from __future__ import annotations

import time

import pytest

from tests.experiments._helpers import write_mp4
from tests.experiments.conftest import make_client
from vidwidgets.client import ValidationError, VideoRequest
from vidwidgets.experiments import (
    Experiment,
    ExperimentStore,
    RunRecord,
    as_cells,
    check_seed_axis,
    run_cells,
    seed_for,
)
from vidwidgets.simulator import Simulator


def kling(prompt: str = "a red fox") -> VideoRequest:
    return VideoRequest(model="kling-v1", prompt=prompt)


def vidu(prompt: str = "a red fox", seed: int | None = 1) -> VideoRequest:
    return VideoRequest(model="viduq1", prompt=prompt, seed=seed)


# -- the seed rules -----------------------------------------------------------------------


def test_a_seed_axis_on_a_model_that_ignores_seeds_is_refused_suggesting_samples() -> None:
    with pytest.raises(ValidationError) as caught:
        check_seed_axis(["kling-v1"], [1, 2, 3])
    assert caught.value.model == "kling-v1"
    assert "samples=n" in (caught.value.hint or "")


def test_a_seed_axis_over_a_mix_of_models_names_only_those_that_ignore_seeds() -> None:
    with pytest.raises(ValidationError) as caught:
        check_seed_axis(["kling-v1", "viduq1", "sora-2"], [1, 2])
    assert caught.value.model == "kling-v1, sora-2"
    assert "viduq1" not in str(caught.value)


def test_one_seed_over_a_mix_of_models_is_allowed_and_sent_only_where_it_is_honoured() -> None:
    check_seed_axis(["kling-v1", "viduq1"], [7])
    assert seed_for("viduq1", 7) == 7
    assert seed_for("kling-v1", 7) is None


def test_one_seed_on_models_that_all_ignore_it_is_refused() -> None:
    with pytest.raises(ValidationError, match="kling-v1"):
        check_seed_axis(["kling-v1"], [7])


def test_no_seed_is_always_allowed() -> None:
    check_seed_axis(["kling-v1", "sora-2"], [None])


# -- takes ----------------------------------------------------------------------------------


def test_samples_makes_one_cell_per_take_with_keys_that_differ() -> None:
    cells = as_cells([kling()], samples=3)
    assert [c.take for c in cells] == [1, 2, 3]
    assert len({c.key for c in cells}) == 3
    # take 1 is the cell itself: asking for more takes later keeps its video
    assert cells[0].key == as_cells([kling()])[0].key


def test_samples_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="samples=0"):
        as_cells([kling()], samples=0)


async def test_each_take_is_its_own_create_and_record(
    client, sim: Simulator, exp: Experiment
) -> None:
    records = await run_cells(client, exp, [kling()], samples=3)
    assert sim.create_count == 3
    assert [r.take for r in records] == [1, 2, 3]
    assert len({r.job_id for r in records}) == 3
    assert [r.status for r in records] == ["succeeded"] * 3


async def test_running_the_takes_again_loads_each_from_disk(
    sim: Simulator, exp: Experiment
) -> None:
    async with make_client(sim) as first:
        await run_cells(first, exp, [kling()], samples=2)
    async with make_client(sim) as second:
        records = await run_cells(second, Experiment(exp.path), [kling()], samples=2)
    assert sim.create_count == 2
    assert [r.status for r in records] == ["succeeded"] * 2


async def test_takes_of_a_seeded_request_send_the_seed_and_are_never_cache_hits(
    client, sim: Simulator, store: ExperimentStore
) -> None:
    await run_cells(client, store.experiment("first"), [vidu(seed=5)])
    records = await run_cells(client, store.experiment("second"), [vidu(seed=5)], samples=3)
    # take 1 is the seeded request itself (reproducible: from the cache); takes 2, 3 are new
    assert sim.create_count == 3
    assert [r.cached_from is not None for r in records] == [True, False, False]
    assert all(r.request["seed"] == 5 for r in records)


# -- the cache never calls a seedless result reproducible ---------------------------------


async def test_a_seedless_model_is_a_new_create_in_every_experiment(
    client, sim: Simulator, store: ExperimentStore
) -> None:
    await run_cells(client, store.experiment("a"), [kling()])
    [again] = await run_cells(client, store.experiment("b"), [kling()])
    assert sim.create_count == 2
    assert again.cached_from is None


def _old_record(exp: Experiment, request: dict, fingerprint: str) -> RunRecord:
    """A finished record as a version that did not know which models drop seeds wrote it."""
    rel = f"videos/{fingerprint}.mp4"
    write_mp4(exp.path / rel)
    rec = RunRecord(
        key=fingerprint,
        fingerprint=fingerprint,
        request=request,
        job_id=f"task_{fingerprint}",
        status="succeeded",
        completed_at=time.time(),
        file=rel,
    )
    exp.put(rec)
    return rec


def test_the_store_never_finds_a_seedless_model_result_though_it_had_a_seed(
    store: ExperimentStore,
) -> None:
    old = store.experiment("old")
    _old_record(old, {"model": "kling-v1", "prompt": "a fox", "seed": 3}, "fpkling")
    _old_record(old, {"model": "viduq1", "prompt": "a fox", "seed": 3}, "fpvidu")
    assert store.find_cached("fpkling") is None
    found = store.find_cached("fpvidu")
    assert found is not None
    assert found[1].key == "fpvidu"
