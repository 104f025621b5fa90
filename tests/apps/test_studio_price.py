"""The Studio's price of the next run, beside Generate, on the plugin gateway's own prices.

The plugin simulator's default table: veo-3.1-generate-preview $0.40 a second, kling-v1
$0.35 a call. No browser: the label is a widget whose value and tooltip the tests read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from vidwidgets.apps import Studio
from vidwidgets.client import VideoClient, VideoRequest
from vidwidgets.simulator import PluginOptions, Simulator

VEO = "veo-3.1-generate-preview"


@pytest.fixture
async def client() -> AsyncIterator[VideoClient]:
    async with (
        Simulator(dialect="plugin", speed=200) as sim,
        VideoClient(base_url=sim.base_url, api_key=sim.api_key, journal=False) as c,
    ):
        yield c


async def label_shows(studio: Studio, text: str, timeout: float = 10.0) -> None:
    """Yield to the loop until the label says ``text`` (the lookup is debounced, in a task)."""
    deadline = time.monotonic() + timeout
    while studio.price_label.value != text:
        assert time.monotonic() < deadline, f"the label says {studio.price_label.value!r}"
        await asyncio.sleep(0.02)


async def test_the_price_of_the_next_run_sits_beside_generate(client: VideoClient) -> None:
    studio = Studio(client, model=VEO, prompt="waves on rocks", duration=8)
    await label_shows(studio, "≈ $3.20")
    assert studio.price is not None
    assert studio.price.usd == pytest.approx(3.2)
    assert "$0.40 per second × 8 s" in studio.price_label.tooltip
    row = next(
        c for c in studio.form.children if studio.form.run_button in getattr(c, "children", ())
    )
    assert studio.price_label in row.children


async def test_the_price_follows_the_duration(client: VideoClient) -> None:
    studio = Studio(client, model=VEO, prompt="waves on rocks", duration=8)
    await label_shows(studio, "≈ $3.20")
    studio.form.duration.value = 4
    await label_shows(studio, "≈ $1.60")


async def test_the_price_follows_the_model(client: VideoClient) -> None:
    studio = Studio(client, model=VEO, prompt="waves on rocks", duration=8)
    await label_shows(studio, "≈ $3.20")
    studio.form.request = VideoRequest(model="kling-v1", prompt="waves on rocks")
    await label_shows(studio, "≈ $0.35")
    assert "kling-v1" in studio.price_label.tooltip


async def test_fields_changed_in_a_burst_are_priced_once(client: VideoClient) -> None:
    studio = Studio(client, model=VEO, prompt="waves on rocks", duration=8)
    await label_shows(studio, "≈ $3.20")
    looked_up: list[Any] = []
    original = client.estimate_cost

    async def counting(request: Any) -> Any:
        looked_up.append(request)
        return await original(request)

    client.estimate_cost = counting  # type: ignore[method-assign]
    for seconds in (4, 6, 8, 4):
        studio.form.duration.value = seconds
    await label_shows(studio, "≈ $1.60")
    await asyncio.sleep(0.5)
    assert len(looked_up) == 1


async def test_a_hidden_price_says_unknown_never_zero() -> None:
    async with (
        Simulator(dialect="plugin", speed=200, plugin=PluginOptions(pricing=False)) as sim,
        VideoClient(base_url=sim.base_url, api_key=sim.api_key, journal=False) as client,
    ):
        studio = Studio(client, model="kling-v1", prompt="a fox")
        await label_shows(studio, "price unknown")
        assert "403" in studio.price_label.tooltip or "hides" in studio.price_label.tooltip


async def test_a_failing_price_lookup_never_breaks_the_form(client: VideoClient) -> None:
    async def broken(_request: Any) -> Any:
        raise ConnectionError("the gateway is down")

    client.estimate_cost = broken  # type: ignore[method-assign]
    studio = Studio(client, model="kling-v1", prompt="a fox")
    await label_shows(studio, "price unknown")
    assert "the gateway is down" in studio.price_label.tooltip
    studio.form.prompt.value = "a grey wolf"
    assert studio.form.valid
    assert not studio.form.run_button.disabled
