"""Timing, failures, expiry and the observability hooks tests and benchmarks rely on."""

from __future__ import annotations

import time

import aiohttp
import pytest

from vidwidgets.simulator import Simulator, Timing

from .conftest import FAST, auth, get_json, poll, post_json

KLING = {"model": "kling-v1", "prompt": "a lantern"}


async def test_fixed_timing_finishes_when_it_says(http: aiohttp.ClientSession) -> None:
    timing = Timing(submit=0, queue=10, generate=50, jitter=0)
    async with Simulator(dialect="docs", speed=100, timing=timing, video_scale=0.1, fps=8) as sim:
        _, created = await post_json(http, sim, "/v1/video/generations", KLING)
        task = sim.tasks[created["task_id"]]
        done = await sim.wait_finished(1)
    assert task.finished_at - task.created_at == pytest.approx(0.6)
    assert sim.finish_time(task.id) == task.finished_at
    assert done == [task]
    assert time.time() >= task.finished_at


async def test_timing_overrides_by_model_and_platform(http: aiohttp.ClientSession) -> None:
    timing = {
        "kling-v1": Timing(submit=0, queue=0, generate=20, jitter=0),
        "vidu": Timing(submit=0, queue=0, generate=40, jitter=0),
        "*": Timing(submit=0, queue=0, generate=60, jitter=0),
    }
    async with Simulator(dialect="docs", speed=100, timing=timing, **{"video_scale": 0.1}) as sim:
        spans = {}
        for model in ("kling-v1", "viduq1", "jimeng_vgfm_t2v_l20"):
            _, created = await post_json(
                http, sim, "/v1/video/generations", {"model": model, "prompt": "x"}
            )
            task = sim.tasks[created["task_id"]]
            spans[model] = round(task.finished_at - task.created_at, 3)
    assert spans == {"kling-v1": 0.2, "viduq1": 0.4, "jimeng_vgfm_t2v_l20": 0.6}


async def test_default_timings_are_seeded_but_ids_are_unique(http: aiohttp.ClientSession) -> None:
    spans, ids = [], []
    for _ in range(2):
        async with Simulator(dialect="docs", seed=9, **FAST) as sim:
            _, created = await post_json(http, sim, "/v1/video/generations", KLING)
            task = sim.tasks[created["task_id"]]
            spans.append((round(task.started_at - task.created_at, 6), task.seed))
            ids.append(task.id)
    assert spans[0] == spans[1]
    assert ids[0] != ids[1]  # clients may cache by id across simulators


async def test_speed_scales_the_lifecycle(http: aiohttp.ClientSession) -> None:
    timing = Timing(submit=1, queue=10, generate=100, jitter=0)
    spans = []
    for speed in (100, 200):
        async with Simulator(dialect="docs", speed=speed, timing=timing) as sim:
            _, created = await post_json(http, sim, "/v1/video/generations", KLING)
            task = sim.tasks[created["task_id"]]
            spans.append(task.finished_at - task.created_at)
    assert spans[0] == pytest.approx(2 * spans[1])


async def test_failure_rate_fails_jobs_with_a_provider_reason(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="newapi", failure_rate=1.0, **FAST) as sim:
        _, created = await post_json(http, sim, "/v1/video/generations", KLING)
        path = f"/v1/video/generations/{created['task_id']}"
        seen = await poll(http, sim, path, lambda b: b["data"]["status"] == "FAILURE")
        _status, video = await get_json(http, sim, f"/v1/videos/{created['task_id']}")
    data = seen[-1]["data"]
    assert data["fail_reason"]
    assert data["result_url"] == ""
    assert data["data"]["data"]["task_status"] == "failed"
    assert data["data"]["data"]["task_status_msg"] == data["fail_reason"]
    assert video["status"] == "failed"
    assert video["error"]["message"] == data["fail_reason"]


async def test_openai_failure_carries_an_error_object(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="openai", **FAST) as sim:
        _, created = await post_json(http, sim, "/v1/videos", {"prompt": "boom [sim:fail]"})
        seen = await poll(
            http, sim, f"/v1/videos/{created['id']}", lambda b: b["status"] == "failed"
        )
    final = seen[-1]
    assert final["error"]["code"]
    assert final["error"]["message"]
    assert final["progress"] < 100


async def test_docs_failure_has_an_error_and_no_url(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="docs", failure_rate=1.0, **FAST) as sim:
        _, created = await post_json(http, sim, "/v1/video/generations", KLING)
        seen = await poll(
            http,
            sim,
            f"/v1/video/generations/{created['task_id']}",
            lambda b: b["status"] == "failed",
        )
    assert seen[-1]["error"]["message"]
    assert "url" not in seen[-1]


async def test_failure_rate_is_a_share(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="docs", failure_rate=0.5, seed=1, **FAST) as sim:
        for _ in range(40):
            await post_json(http, sim, "/v1/video/generations", KLING)
        outcomes = [t.outcome for t in sim.tasks.values()]
    assert 10 <= outcomes.count("failed") <= 30


async def test_finished_videos_expire(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="openai", expire_after=0.3, **FAST) as sim:
        _, created = await post_json(http, sim, "/v1/videos", {"prompt": "short-lived"})
        await sim.wait_finished(1)
        url = f"{sim.base_url}/v1/videos/{created['id']}/content"
        async with http.get(url, headers=auth(sim)) as resp:
            fresh = resp.status
        task = sim.tasks[created["id"]]
        _, video = await get_json(http, sim, f"/v1/videos/{created['id']}")
        while time.time() < (task.expires_at or 0):
            await _sleep()
        async with http.get(url, headers=auth(sim)) as resp:
            expired = resp.status
    assert fresh == 200
    assert expired == 404
    assert video["expires_at"] == int(task.expires_at or 0)


async def test_expired_cdn_urls_are_forbidden(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="newapi", expire_after=0.3, **FAST) as sim:
        _, created = await post_json(http, sim, "/v1/video/generations", KLING)
        await sim.wait_finished(1)
        task = sim.tasks[created["task_id"]]
        while time.time() < (task.expires_at or 0):
            await _sleep()
        async with http.get(sim.video_url(task.id)) as resp:
            assert resp.status == 403


async def test_duplicate_submissions_are_counted(http: aiohttp.ClientSession) -> None:
    async with Simulator(**FAST) as sim:
        await post_json(http, sim, "/v1/video/generations", KLING)
        await post_json(http, sim, "/v1/video/generations", KLING)
    assert sim.create_count == 2
    assert len({t.body["prompt"] for t in sim.tasks.values()}) == 1


async def test_request_log_records_each_request(http: aiohttp.ClientSession) -> None:
    async with Simulator(**FAST) as sim:
        before = time.time()
        _, created = await post_json(http, sim, "/v1/video/generations", KLING)
        await get_json(http, sim, f"/v1/video/generations/{created['task_id']}?x=1")
    post, get = sim.requests
    assert (post.method, post.path, post.status, post.task_id) == (
        "POST",
        "/v1/video/generations",
        200,
        created["task_id"],
    )
    assert (get.method, get.query, get.task_id) == ("GET", {"x": "1"}, created["task_id"])
    assert before <= post.wall <= get.wall
    assert post.time <= get.time
    assert post.had_authorization


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.05)
