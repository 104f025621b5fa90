"""The plugin gateway's prices and spend: /api/status, /api/pricing, /api/usage/token."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from vidwidgets.simulator import PluginOptions, Price, Simulator, Timing

from .conftest import FAST, auth, get_json

QUICK = Timing(submit=1, queue=1, generate=2, jitter=0)


def plugin_sim(**options: Any) -> Simulator:
    plugin = PluginOptions(settle_hold=0, **options)
    return Simulator(dialect="plugin", timing=QUICK, plugin=plugin, **FAST)


async def submit(
    http: aiohttp.ClientSession, sim: Simulator, body: dict[str, Any]
) -> tuple[str, dict[str, float]]:
    url = sim.base_url + "/v1/video/generations"
    async with http.post(url, json={"prompt": "p", **body}, headers=auth(sim)) as r:
        assert r.status == 200
        created = await r.json()
        return created["task_id"], json.loads(r.headers["X-New-Api-Other-Ratios"])


async def test_status_is_public_and_names_the_quota_unit(http: aiohttp.ClientSession) -> None:
    async with plugin_sim() as sim, http.get(sim.base_url + "/api/status") as r:
        body = await r.json()
    assert r.status == 200
    assert body["data"]["quota_per_unit"] == 500000
    assert body["data"]["quota_display_type"] in ("USD", "CNY", "TOKENS", "CUSTOM")
    assert body["data"]["usd_exchange_rate"] > 0


async def test_pricing_lists_per_call_prices_and_group_ratios(
    http: aiohttp.ClientSession,
) -> None:
    prices = {"veo-3.1-generate-preview": Price(0.5, per_second=True)}
    async with plugin_sim(prices=prices) as sim, http.get(sim.base_url + "/api/pricing") as r:
        body = await r.json()
    by_name = {m["model_name"]: m for m in body["data"]}
    assert by_name["veo-3.1-generate-preview"]["model_price"] == 0.5
    assert by_name["kling-v1"]["model_price"] == pytest.approx(0.35)
    assert by_name["kling-v1"]["quota_type"] == 1
    assert body["group_ratio"]["default"] == 1.0
    assert "default" in body["usable_group"]


async def test_pricing_answers_403_when_the_operator_disabled_it(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim(pricing=False) as sim, http.get(sim.base_url + "/api/pricing") as r:
        assert r.status == 403


async def test_submit_names_the_ratios_it_applied(http: aiohttp.ClientSession) -> None:
    async with plugin_sim() as sim:
        _, veo = await submit(http, sim, {"model": "veo-3.1-generate-preview", "duration": 6})
        _, wan = await submit(http, sim, {"model": "wan2.7-t2v", "size": "1280*720"})
        _, kling = await submit(http, sim, {"model": "kling-v1"})
    assert veo == {"seconds": 6}
    assert wan == {"seconds": 5, "resolution": 1.0}
    assert kling == {}


async def test_usage_moves_with_what_was_created_and_refunds_failures(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim() as sim:
        _, before = await get_json(http, sim, "/api/usage/token")
        await submit(http, sim, {"model": "veo-3.1-generate-preview", "duration": 4})
        await submit(http, sim, {"model": "kling-v1", "prompt": "[sim:fail] a fox"})
        _, charged = await get_json(http, sim, "/api/usage/token")
        await sim.wait_finished(2)
        _, after = await get_json(http, sim, "/api/usage/token")
    assert before["data"]["total_used"] == 0
    veo = round(0.40 * 4 * 500000)
    kling = round(0.35 * 500000)
    assert charged["data"]["total_used"] == veo + kling
    assert after["data"]["total_used"] == veo  # the failed kling task was refunded
    data = after["data"]
    assert data["total_available"] == data["total_granted"] - data["total_used"]


async def test_usage_needs_a_key(http: aiohttp.ClientSession) -> None:
    async with plugin_sim() as sim, http.get(sim.base_url + "/api/usage/token") as r:
        assert r.status == 401
