"""The Comparison grid's price gate on the plugin gateway's own prices, over loopback.

The late-2026 simulator (``dialect="plugin"``) serves ``/api/pricing`` with its default table:
kling-v1 $0.35 a call, viduq1 $0.20 a call, veo-3.1-fast-generate-preview $0.15 a second.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.widgets._comm import from_browser_custom
from vidwidgets.apps import Comparison
from vidwidgets.client import BudgetExceeded, ValidationError, VideoClient
from vidwidgets.simulator import PluginOptions, Simulator

API_KEY = "sk-sim-BUDGET-distinctive-4417"
FAST: dict[str, Any] = {"speed": 200.0, "video_scale": 0.1, "fps": 8, "refresh_period": 1.0}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(dialect="plugin", api_key=API_KEY, **FAST) as simulator:
        yield simulator


def make_client(sim: Simulator, **kwargs: Any) -> VideoClient:
    return VideoClient(
        base_url=sim.base_url,
        api_key=sim.api_key,
        journal=False,
        cache=False,
        time_scale=0.02,
        **kwargs,
    )


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[VideoClient]:
    async with make_client(sim) as c:
        yield c


async def until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # the gate prices in a background task: nothing to await
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def grid(client: VideoClient, tmp_path: Path, **kwargs: Any) -> Comparison:
    kwargs.setdefault("prompts", ["a red fox in snow", "a grey wolf in snow"])
    kwargs.setdefault("models", "kling-v1")
    kwargs.setdefault("samples", 2)
    return Comparison(client=client, store=tmp_path / "runs", **kwargs)


async def test_the_header_shows_the_grids_total_from_the_gateways_prices(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path)
    await cmp
    assert cmp.price["text"] == "4 videos ≈ $1.40"
    assert "kling-v1: $0.35 per call" in cmp.price["basis"]


async def test_a_grid_over_its_budget_sends_nothing_and_its_await_raises(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, models=["kling-v1", "veo-3.1-fast-generate-preview"], budget_usd=5)
    with pytest.raises(BudgetExceeded, match=r"over budget_usd=\$5\.00") as caught:
        await cmp
    assert sim.create_count == 0
    assert caught.value.code == "budget_exceeded"
    assert cmp.price["state"] == "refused"
    # the header names the costly model first, and every cell that was not sent
    assert cmp.price["reason"].index("veo-3.1-fast") < cmp.price["reason"].index("kling-v1")
    assert set(cmp.price["flagged"]) == set(cmp.cell_keys)
    assert {c.status for c in cmp.cells} == {"new"}


async def test_a_grid_within_its_budget_starts_at_once(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    # $1.40 is over confirm_over_usd: the budget is the consent
    cmp = grid(client, tmp_path, budget_usd=1.40, confirm_over_usd=1.0)
    await cmp
    assert sim.create_count == 4
    assert all(c.status == "succeeded" for c in cmp.cells)


async def test_a_grid_over_the_threshold_waits_for_run(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, confirm_over_usd=1.0)
    with pytest.raises(BudgetExceeded, match="confirm_over_usd"):
        await cmp
    assert sim.create_count == 0
    assert cmp.price["state"] == "confirm"
    assert cmp.price["button"] == "Run 4 videos for $1.40"
    await cmp.run()
    assert sim.create_count == 4
    assert cmp.price["state"] == "ok"


async def test_the_header_button_starts_a_waiting_grid(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, confirm_over_usd=1.0)
    await until(lambda: cmp.price.get("state") == "confirm")
    assert sim.create_count == 0
    from_browser_custom(cmp, {"type": "confirm"})
    await cmp
    assert sim.create_count == 4


async def test_confirm_true_starts_whatever_the_estimate(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    await grid(client, tmp_path, confirm_over_usd=0, confirm=True)
    assert sim.create_count == 4


async def test_adding_cells_checks_the_budget_again_and_sends_nothing_past_it(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, budget_usd=2.0)
    await cmp
    assert sim.create_count == 4
    new = cmp.add_samples(2)  # 4 more at $0.35: $2.80 in all
    with pytest.raises(BudgetExceeded, match=r"\$1\.40 already estimated"):
        await cmp
    assert sim.create_count == 4
    assert set(cmp.price["flagged"]) == {c.key for c in new}
    assert all(c.status == "new" for c in new)


async def test_an_added_cell_within_the_budget_runs(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, budget_usd=2.10)
    await cmp
    cmp.add_prompt("a white hare in snow")  # 2 takes: $2.10 in all
    await cmp
    assert sim.create_count == 6
    assert cmp.price["text"] == "6 videos ≈ $2.10"


async def test_stored_cells_cost_nothing_and_are_not_gated(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    await grid(client, tmp_path, confirm=True, experiment="foxes")
    again = grid(client, tmp_path, confirm_over_usd=0, experiment="foxes")
    await again
    assert sim.create_count == 4
    assert {c.source for c in again.cells} == {"disk"}


async def test_unknown_prices_wait_for_a_confirmation_without_a_budget(tmp_path: Path) -> None:
    async with (
        Simulator(
            dialect="plugin", api_key=API_KEY, plugin=PluginOptions(pricing=False), **FAST
        ) as sim,
        make_client(sim) as client,
    ):
        cmp = grid(client, tmp_path, samples=1)
        with pytest.raises(BudgetExceeded, match="kling-v1 is unknown"):
            await cmp
        assert sim.create_count == 0
        assert cmp.price["text"] == "2 videos · price unknown"
        assert cmp.price["button"] == "Run 2 videos (price unknown)"
        await cmp.run()
        assert sim.create_count == 2


async def test_unknown_prices_under_a_budget_are_refused_with_how_to_give_one(
    tmp_path: Path,
) -> None:
    async with (
        Simulator(
            dialect="plugin", api_key=API_KEY, plugin=PluginOptions(pricing=False), **FAST
        ) as sim,
        make_client(sim) as client,
    ):
        cmp = grid(client, tmp_path, samples=1, budget_usd=100)
        with pytest.raises(BudgetExceeded) as caught:
            await cmp.run()  # run() is no way around a budget
        assert sim.create_count == 0
        assert caught.value.code == "price_unknown"
        assert "kling-v1" in str(caught.value)
        assert "VideoClient(prices=" in (caught.value.hint or "")
        assert "VIDWIDGETS_PRICES" in (caught.value.hint or "")


async def test_a_price_table_prices_what_the_gateway_hides(tmp_path: Path) -> None:
    async with (
        Simulator(
            dialect="plugin", api_key=API_KEY, plugin=PluginOptions(pricing=False), **FAST
        ) as sim,
        make_client(sim, prices={"kling-v1": {"usd": 0.5, "per": "call"}}) as client,
    ):
        await grid(client, tmp_path, samples=1, budget_usd=1.0)
        assert sim.create_count == 2


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, "5"])
@pytest.mark.parametrize("argument", ["budget_usd", "confirm_over_usd"])
def test_a_bad_budget_or_threshold_is_refused_at_construction(
    argument: str, bad: object, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match=f"{argument}=") as caught:
        Comparison(prompts=["a fox"], store=tmp_path, client=object(), **{argument: bad})
    assert caught.value.field == argument
