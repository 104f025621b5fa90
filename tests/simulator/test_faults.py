"""Every fault kind, by schedule and by rate, and the capacity limit; all of them logged."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from vidwidgets.simulator import Fault, Faults, Simulator, Timing

from .conftest import FAST, auth, post_json

CREATE = {"model": "kling-v1", "prompt": "faulty"}


async def create_status(http: aiohttp.ClientSession, sim: Simulator) -> int:
    async with http.post(
        sim.base_url + "/v1/video/generations", json=CREATE, headers=auth(sim)
    ) as r:
        await r.read()
        return r.status


async def finished_video_url(http: aiohttp.ClientSession, sim: Simulator) -> str:
    faults, sim.faults = sim.faults, Faults()  # create without faults, then restore the plan
    _, created = await post_json(http, sim, "/v1/video/generations", CREATE)
    await sim.wait_finished(1)
    sim.faults = faults
    return sim.video_url(created["task_id"])


async def test_schedule_fails_the_first_and_third_create(http: aiohttp.ClientSession) -> None:
    plan = Faults(Fault.http(503, "POST /v1/video/generations", nth=(1, 3)))
    async with Simulator(faults=plan, **FAST) as sim:
        statuses = [await create_status(http, sim) for _ in range(4)]
    assert statuses == [503, 200, 503, 200]
    assert [r.fault for r in sim.requests] == ["http_503", None, "http_503", None]
    assert sim.create_count == 2


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_come_in_the_gateway_error_shape(
    http: aiohttp.ClientSession, status: int
) -> None:
    async with (
        Simulator(faults=Faults(Fault.http(status, nth=(1,))), **FAST) as sim,
        http.get(sim.base_url + "/v1/video/generations/x", headers=auth(sim)) as r,
    ):
        got, body = r.status, await r.json()
    assert got == status
    assert body["error"]["type"] == "new_api_error"


async def test_rate_limited_sends_retry_after(http: aiohttp.ClientSession) -> None:
    plan = Faults(Fault.rate_limited("POST *", nth=(1,), retry_after=2))
    async with (
        Simulator(faults=plan, **FAST) as sim,
        http.post(sim.base_url + "/v1/video/generations", json=CREATE, headers=auth(sim)) as r,
    ):
        status, retry_after = r.status, r.headers["Retry-After"]
    assert (status, retry_after) == (429, "2")
    assert sim.requests[0].fault == "rate_limited"


async def test_saturated_fault_uses_the_gateway_message(http: aiohttp.ClientSession) -> None:
    async with Simulator(faults=Faults(Fault.saturated(nth=(1,))), **FAST) as sim:
        status, body = await post_json(http, sim, "/v1/video/generations", CREATE)
    assert status == 429
    assert body["error"]["message"] == "当前分组上游负载已饱和，请稍后再试"


async def test_rates_are_seeded_and_reproducible(http: aiohttp.ClientSession) -> None:
    patterns = []
    for _ in range(2):
        plan = Faults(Fault.http(502, "POST *", rate=0.5), seed=7)
        async with Simulator(faults=plan, **FAST) as sim:
            patterns.append([await create_status(http, sim) for _ in range(12)])
    assert patterns[0] == patterns[1]
    assert {502, 200} == set(patterns[0])


async def test_times_limits_how_often_a_rule_fires(http: aiohttp.ClientSession) -> None:
    async with Simulator(faults=Faults(Fault.http(500, rate=1.0, times=2)), **FAST) as sim:
        statuses = [await create_status(http, sim) for _ in range(4)]
    assert statuses == [500, 500, 200, 200]


async def test_connection_reset(http: aiohttp.ClientSession) -> None:
    async with Simulator(faults=Faults(Fault.reset("POST *", nth=(1,))), **FAST) as sim:
        with pytest.raises(aiohttp.ClientConnectionError):
            await create_status(http, sim)
        assert await create_status(http, sim) == 200
    assert (sim.requests[0].fault, sim.requests[0].status) == ("reset", None)


async def test_slow_response_arrives_late(http: aiohttp.ClientSession) -> None:
    async with Simulator(faults=Faults(Fault.slow(0.4, "POST *", nth=(1,))), **FAST) as sim:
        assert await create_status(http, sim) == 200
    assert sim.requests[0].elapsed >= 0.4
    assert sim.requests[0].fault == "slow"


async def test_hanging_response_never_arrives_and_stop_releases_it(
    http: aiohttp.ClientSession,
) -> None:
    async with Simulator(faults=Faults(Fault.hang("POST *", nth=(1,))), **FAST) as sim:
        with pytest.raises(asyncio.TimeoutError):
            async with http.post(
                sim.base_url + "/v1/video/generations",
                json=CREATE,
                headers=auth(sim),
                timeout=aiohttp.ClientTimeout(total=0.3),
            ):
                pass
        assert await create_status(http, sim) == 200
    assert sim.requests[0].fault == "hang"


async def test_malformed_json(http: aiohttp.ClientSession) -> None:
    async with (
        Simulator(faults=Faults(Fault.malformed_json("POST *", nth=(1,))), **FAST) as sim,
        http.post(sim.base_url + "/v1/video/generations", json=CREATE, headers=auth(sim)) as r,
    ):
        status, ctype, text = r.status, r.content_type, await r.text()
    assert (status, ctype) == (200, "application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


async def test_truncated_download_promises_more_than_it_sends(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="docs", **FAST) as sim:
        url = await finished_video_url(http, sim)
        sim.faults.add(Fault.truncated("GET /cdn/*", keep=0.5, nth=(1,)))
        async with http.get(url) as resp:
            promised = int(resp.headers["Content-Length"])
            with pytest.raises(aiohttp.ClientPayloadError):
                await resp.read()
        async with http.get(url) as resp:
            whole = await resp.read()
    assert promised == len(whole)
    assert [r.fault for r in sim.requests if r.path.startswith("/cdn/")] == ["truncated", None]


async def test_wrong_content_type(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="docs", **FAST) as sim:
        url = await finished_video_url(http, sim)
        sim.faults.add(Fault.wrong_content_type("GET /cdn/*", nth=(1,)))
        async with http.get(url) as resp:
            ctype, data = resp.headers["Content-Type"], await resp.read()
    assert ctype.startswith("text/html")
    assert data[4:8] == b"ftyp"  # the bytes are still the video


async def test_capacity_limit_answers_saturated_until_tasks_finish(
    http: aiohttp.ClientSession,
) -> None:
    two_seconds = Timing(submit=0, queue=0, generate=400, jitter=0)  # in flight while we ask
    async with Simulator(max_in_flight=2, timing=two_seconds, **FAST) as sim:
        first = [await create_status(http, sim) for _ in range(3)]
        status, body = await post_json(http, sim, "/v1/video/generations", CREATE)
        await sim.wait_finished(2)  # the API reports a task finished after the provider did
        after = await create_status(http, sim)
    assert first == [200, 200, 429]
    assert status == 429
    assert body == {
        "error": {
            "message": "当前分组上游负载已饱和，请稍后再试",
            "type": "new_api_error",
            "code": "upstream_saturated",
        }
    }
    assert after == 200
    assert [r.fault for r in sim.requests].count("capacity") == 2
    assert sim.create_count == 3
