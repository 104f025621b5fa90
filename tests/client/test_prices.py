"""Prices before a create, the hard spend cap, and what a job really cost (issue 12).

The plugin simulator serves ``/api/status``, ``/api/pricing``, ``/api/usage/token`` and the
``X-New-Api-Other-Ratios`` header; a hand-made aiohttp server on loopback stands in for the
gateways it cannot be (a custom currency, ``tiered_expr`` billing).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

import vidwidgets as vw
import vidwidgets.client._pricing as pricing
from vidwidgets.client import (
    BudgetExceeded,
    CostEstimate,
    JobStatus,
    ValidationError,
    VideoAPIError,
    VideoClient,
    VideoRequest,
)
from vidwidgets.simulator import PluginOptions, Price, Simulator

from .conftest import SimFactory

VEO = "veo-3.1-generate-preview"


@pytest.fixture(autouse=True)
def _no_price_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIDWIDGETS_PRICES", raising=False)


@pytest.fixture
async def plugin(make_sim: SimFactory) -> Simulator:
    sim: Simulator = await make_sim("plugin")
    return sim


def fox(model: str, **fields: Any) -> VideoRequest:
    return VideoRequest(model=model, prompt="a red fox in snow", **fields)


# -- estimates from the gateway's prices ----------------------------------------------------


async def test_veo_is_priced_per_second_at_its_default_length(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    estimate = await make_client(plugin).estimate_cost(fox(VEO))
    assert estimate.usd == pytest.approx(3.20)
    assert estimate.seconds == 8
    assert estimate.basis == f"{VEO}: $0.40 per second × 8 s × group default 1 = $3.20"


async def test_sora_defaults_to_four_seconds(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    estimate = await make_client(plugin).estimate_cost(fox("sora-2"))
    assert (estimate.seconds, estimate.usd) == (4, pytest.approx(0.40))


@pytest.mark.parametrize("duration", [5, 10])
async def test_kling_is_flat_per_call_at_any_length(
    plugin: Simulator, make_client: Callable[..., VideoClient], duration: int
) -> None:
    estimate = await make_client(plugin).estimate_cost(fox("kling-v1", duration=duration))
    assert estimate.usd == pytest.approx(0.35)
    assert estimate.seconds is None
    assert "per call" in estimate.basis


@pytest.mark.parametrize("model", ["viduq1", "MiniMax-Hailuo-02", "jimeng_vgfm_t2v_l20"])
async def test_vidu_hailuo_and_jimeng_are_flat_per_call(
    plugin: Simulator, make_client: Callable[..., VideoClient], model: str
) -> None:
    estimate = await make_client(plugin).estimate_cost(fox(model))
    assert estimate.seconds is None
    assert estimate.usd is not None


async def test_seedance_has_only_a_video_input_ratio(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    estimate = await make_client(plugin).estimate_cost(fox("doubao-seedance-1-0-pro-250528"))
    assert estimate.usd == pytest.approx(0.25)
    assert "no video input: ratio 1" in estimate.basis


async def test_wan_multiplies_seconds_by_an_assumed_resolution_ratio(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    request = fox("wan2.7-t2v", duration=5, size="1920*1080")
    estimate = await make_client(plugin).estimate_cost(request)
    assert estimate.usd == pytest.approx(0.10 * 5 * 1.5)
    assert "resolution 1080P 1.5 (assumed)" in estimate.basis


async def test_the_group_ratio_multiplies_the_gateway_price(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("plugin", plugin=PluginOptions(group_ratio={"default": 0.5}))
    estimate = await make_client(sim).estimate_cost(fox("kling-v1"))
    assert (estimate.group, estimate.ratio, estimate.usd) == ("default", 0.5, 0.175)


async def test_prices_are_read_once_and_cached(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin)
    await client.estimate_cost(fox("kling-v1"))
    await client.estimate_cost(fox(VEO))
    assert sum(1 for r in plugin.requests if r.path == "/api/pricing") == 1


async def test_stale_prices_are_read_again(
    plugin: Simulator, make_client: Callable[..., VideoClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pricing, "PRICE_TTL", 0.0)  # ten minutes cannot pass in a test
    client = make_client(plugin)
    await client.estimate_cost(fox("kling-v1"))
    await client.estimate_cost(fox("kling-v1"))
    assert sum(1 for r in plugin.requests if r.path == "/api/pricing") == 2


async def test_a_model_without_a_price_is_unknown_never_zero(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    estimate = await make_client(plugin).estimate_cost(fox("my-own-model"))
    assert estimate.usd is None
    assert not estimate.known
    assert "price unknown" in estimate.basis


async def test_a_gateway_that_hides_its_prices_gives_unknown(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("plugin", plugin=PluginOptions(pricing=False))
    estimate = await make_client(sim).estimate_cost(fox("kling-v1"))
    assert estimate.usd is None
    assert "403" in estimate.basis


# -- the user's price table ---------------------------------------------------------------


async def test_a_user_price_overrides_the_gateway(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin, prices={"kling-v1": {"usd": 0.5, "per": "call"}})
    estimate = await client.estimate_cost(fox("kling-v1"))
    assert (estimate.usd, estimate.source) == (0.5, "user")
    assert not any(r.path.startswith("/api/") for r in plugin.requests)


async def test_a_user_price_per_second_multiplies_the_length(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("plugin", plugin=PluginOptions(pricing=False))
    client = make_client(sim, prices={VEO: {"usd": 0.25, "per": "second"}})
    estimate = await client.estimate_cost(fox(VEO, duration=4))
    assert estimate.usd == pytest.approx(1.0)


async def test_the_price_file_named_by_the_environment_is_read(
    plugin: Simulator,
    make_client: Callable[..., VideoClient],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = tmp_path / "prices.json"
    file.write_text(json.dumps({"kling-v1": {"usd": 0.3, "per": "call"}}), encoding="utf-8")
    monkeypatch.setenv("VIDWIDGETS_PRICES", str(file))
    estimate = await make_client(plugin).estimate_cost(fox("kling-v1"))
    assert (estimate.usd, estimate.source) == (0.3, "user")


def test_the_prices_argument_overrides_the_price_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "prices.json"
    file.write_text(json.dumps({"kling-v1": {"usd": 0.3, "per": "call"}}), encoding="utf-8")
    monkeypatch.setenv("VIDWIDGETS_PRICES", str(file))
    client = VideoClient(prices={"kling-v1": {"usd": 0.9, "per": "call"}})
    assert client.estimate_cost_sync(fox("kling-v1")).usd == 0.9


@pytest.mark.parametrize(
    "entry", [0.35, {"usd": -1, "per": "call"}, {"usd": 1, "per": "minute"}, {"per": "call"}]
)
def test_a_malformed_user_price_is_refused(entry: Any) -> None:
    with pytest.raises(ValidationError, match="kling-v1"):
        VideoClient(prices={"kling-v1": entry})


def test_an_unreadable_price_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDWIDGETS_PRICES", str(tmp_path / "missing.json"))
    with pytest.raises(ValidationError, match="VIDWIDGETS_PRICES"):
        VideoClient()


# -- gateways the simulator cannot be -------------------------------------------------------


def _gateway(status: dict[str, Any], pricing: list[dict[str, Any]]) -> web.Application:
    async def status_route(request: web.Request) -> web.Response:
        return web.json_response({"success": True, "data": status})

    async def pricing_route(request: web.Request) -> web.Response:
        return web.json_response(
            {"success": True, "data": pricing, "group_ratio": {"default": 1.0}}
        )

    app = web.Application()
    app.router.add_get("/api/status", status_route)
    app.router.add_get("/api/pricing", pricing_route)
    return app


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[web.Application], Any]]:
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def _kling(**fields: Any) -> dict[str, Any]:
    return {"model_name": "kling-v1", "quota_type": 1, "model_price": 0.35, **fields}


async def test_a_custom_currency_is_shown_beside_the_usd(
    serve: Callable[[web.Application], Any], tmp_path: Path
) -> None:
    status = {
        "quota_per_unit": 500000,
        "quota_display_type": "CUSTOM",
        "custom_currency_symbol": "◎",
        "custom_currency_exchange_rate": 10.0,
    }
    base = await serve(_gateway(status, [_kling()]))
    async with VideoClient(base, "sk-test", journal=False, output_dir=tmp_path) as client:
        estimate = await client.estimate_cost(fox("kling-v1"))
    assert (estimate.display_currency, estimate.display_amount) == ("◎", pytest.approx(3.5))
    assert "3.50 ◎" in estimate.basis


async def test_cny_display_uses_the_usd_exchange_rate(
    serve: Callable[[web.Application], Any], tmp_path: Path
) -> None:
    status = {"quota_per_unit": 500000, "quota_display_type": "CNY", "usd_exchange_rate": 7.0}
    base = await serve(_gateway(status, [_kling()]))
    async with VideoClient(base, "sk-test", journal=False, output_dir=tmp_path) as client:
        estimate = await client.estimate_cost(fox("kling-v1"))
    assert (estimate.usd, estimate.display_currency) == (0.35, "CNY")
    assert estimate.display_amount == pytest.approx(2.45)


async def test_tiered_expr_billing_is_unknown(
    serve: Callable[[web.Application], Any], tmp_path: Path
) -> None:
    pricing = [_kling(billing_mode="tiered_expr", billing_expr="seconds * 0.1")]
    base = await serve(_gateway({"quota_display_type": "USD"}, pricing))
    async with VideoClient(base, "sk-test", journal=False, output_dir=tmp_path) as client:
        estimate = await client.estimate_cost(fox("kling-v1"))
    assert estimate.usd is None
    assert "tiered_expr" in estimate.basis


async def test_a_token_ratio_price_is_unknown(
    serve: Callable[[web.Application], Any], tmp_path: Path
) -> None:
    pricing = [_kling(quota_type=0, model_price=0, model_ratio=15)]
    base = await serve(_gateway({"quota_display_type": "USD"}, pricing))
    async with VideoClient(base, "sk-test", journal=False, output_dir=tmp_path) as client:
        assert (await client.estimate_cost(fox("kling-v1"))).usd is None


# -- the hard cap -----------------------------------------------------------------------------


async def test_a_create_within_the_cap_is_sent_and_counted(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin, max_spend_usd=1.0)
    job = await client.create(fox("kling-v1"))
    assert plugin.create_count == 1
    assert client.spent_usd == pytest.approx(0.35)
    assert job.cost is not None
    assert job.cost.estimate_usd == pytest.approx(0.35)


async def test_a_create_that_would_pass_the_cap_sends_nothing(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin, max_spend_usd=0.5)
    await client.create(fox("kling-v1"))
    with pytest.raises(BudgetExceeded) as caught:
        await client.create(fox("kling-v1"))
    assert plugin.create_count == 1
    error = caught.value
    assert (error.cap, error.spent, error.requested) == (0.5, pytest.approx(0.35), 0.35)
    assert "max_spend_usd=$0.50" in str(error)
    assert "$0.35 estimated so far" in str(error)
    assert "Raise max_spend_usd" in str(error)


async def test_reaching_the_cap_exactly_is_allowed(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin, max_spend_usd=0.70)
    await client.create(fox("kling-v1"))
    await client.create(fox("kling-v1"))
    assert plugin.create_count == 2


async def test_an_unknown_price_is_refused_when_a_cap_is_set(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin, max_spend_usd=100.0)
    with pytest.raises(BudgetExceeded) as caught:
        await client.create(fox("my-own-model"))
    assert plugin.create_count == 0
    assert caught.value.code == "price_unknown"
    assert "my-own-model" in str(caught.value)
    assert "prices=" in str(caught.value)


async def test_concurrent_creates_cannot_both_slip_under_the_cap(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    import asyncio

    client = make_client(plugin, max_spend_usd=0.5)
    results = await asyncio.gather(
        client.create(fox("kling-v1")), client.create(fox("kling-v1")), return_exceptions=True
    )
    assert sum(isinstance(r, BudgetExceeded) for r in results) == 1
    assert plugin.create_count == 1


async def test_a_failed_job_gives_its_estimate_back(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("plugin", failure_rate=1.0)
    client = make_client(sim, max_spend_usd=0.5)
    job = await client.create(fox("kling-v1"))
    with pytest.raises(VideoAPIError):
        await client.wait(job)
    assert job.status is JobStatus.FAILED
    assert client.spent_usd == 0.0
    assert job.cost is not None
    assert job.cost.charged_usd == 0.0
    await client.create(fox("kling-v1"))  # the refund made room
    assert sim.create_count == 2


@pytest.mark.parametrize("cap", [-1, math.nan, math.inf, "10", True])
def test_a_bad_cap_is_refused_at_construction(cap: Any) -> None:
    with pytest.raises(ValidationError, match="max_spend_usd"):
        VideoClient(max_spend_usd=cap)


async def test_a_client_without_a_cap_sends_no_price_requests(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    job = await make_client(plugin).create(fox("kling-v1"))
    assert not any(r.path.startswith("/api/") for r in plugin.requests)
    assert job.cost is not None
    assert job.cost.estimate_usd is None


async def test_the_key_never_appears_in_a_cost_error_or_repr(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin, max_spend_usd=0.0)
    with pytest.raises(BudgetExceeded) as caught:
        await client.create(fox("kling-v1"))
    estimate = await client.estimate_cost(fox("kling-v1"))
    key = plugin.api_key
    for text in (str(caught.value), repr(caught.value), repr(estimate), repr(client)):
        assert key not in text


# -- what it really cost --------------------------------------------------------------------


async def test_the_applied_ratios_of_the_create_ride_on_the_job(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin, max_spend_usd=10.0)
    job = await client.create(fox(VEO, duration=4))
    assert job.cost is not None
    assert job.cost.ratios == {"seconds": 4.0}
    assert job.cost.charged_usd == pytest.approx(1.60)
    assert job.cost.estimate_usd == pytest.approx(1.60)


async def test_usage_reports_the_gateway_charge_in_usd(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin)
    before = await client.usage()
    await client.generate(fox("kling-v1"))
    after = await client.usage()
    assert after.used_usd - before.used_usd == pytest.approx(0.35)
    assert after.granted_usd == before.granted_usd


async def test_a_refunded_job_costs_nothing_in_usage(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("plugin", failure_rate=1.0)
    client = make_client(sim)
    job = await client.create(fox("kling-v1"))
    with pytest.raises(VideoAPIError):
        await client.wait(job)
    assert (await client.usage()).used_usd == 0.0


async def test_a_user_priced_model_has_no_gateway_charge(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("plugin", plugin=PluginOptions(prices={"kling-v1": Price(0.2)}))
    client = make_client(sim, prices={"kling-v1": {"usd": 0.3, "per": "call"}})
    job = await client.create(fox("kling-v1"))
    assert job.cost is not None
    assert (job.cost.estimate_usd, job.cost.charged_usd) == (0.3, None)


async def test_a_model_priced_per_call_is_charged_its_price_with_no_ratio_applied(
    plugin: Simulator, make_client: Callable[..., VideoClient]
) -> None:
    client = make_client(plugin, max_spend_usd=10.0)  # the cap reads the gateway's prices
    job = await client.create(fox("kling-v1"))
    assert job.cost is not None
    assert job.cost.ratios == {}  # the gateway's header is there, and empty
    assert job.cost.charged_usd == pytest.approx(0.35)


async def test_a_create_answer_without_the_ratio_header_reports_no_charge() -> None:
    estimate = CostEstimate(usd=0.35, basis="kling-v1: $0.35 per call", model="kling-v1")
    assert pricing.job_cost(estimate, None, None).charged_usd is None
    assert pricing.job_cost(estimate, "not json", None).charged_usd is None


def test_cost_names_are_exported_from_the_top_level() -> None:
    assert vw.BudgetExceeded is BudgetExceeded
    assert vw.CostEstimate is CostEstimate
    assert issubclass(BudgetExceeded, VideoAPIError)
