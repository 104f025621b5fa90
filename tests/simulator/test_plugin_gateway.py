"""The late-2026 plugin gateway (``dialect="plugin"``), over raw HTTP on loopback."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from vidwidgets.simulator import Fault, Faults, PluginOptions, Simulator, Timing

from .conftest import FAST, auth, get_json, poll, post_json, probe

KLING = {"model": "kling-v1", "prompt": "a red fox", "duration": 5}
#: a fixed, quick lifecycle so a test can wait for a phase
QUICK = Timing(submit=1, queue=2, generate=4, jitter=0)


def plugin_sim(**knobs: Any) -> Simulator:
    options = {k: knobs.pop(k) for k in list(knobs) if k in PluginOptions.__dataclass_fields__}
    return Simulator(
        dialect="plugin", plugin=PluginOptions(**options), **{**FAST, "timing": QUICK, **knobs}
    )


async def create(http: aiohttp.ClientSession, sim: Simulator, body: dict[str, Any]) -> str:
    status, created = await post_json(http, sim, "/v1/video/generations", body)
    assert status == 200, created
    return str(created["task_id"])


def row_done(body: dict[str, Any]) -> bool:
    return body["data"].get("status") in ("SUCCESS", "FAILURE")


async def test_status_reads_alternate_between_the_short_shape_and_the_task_row(
    http: aiohttp.ClientSession,
) -> None:
    slow = Timing(submit=1, queue=10, generate=100, jitter=0)
    async with plugin_sim(live_read_rate=0.5, settle_hold=0, timing=slow) as sim:
        task_id = await create(http, sim, KLING)
        seen = await poll(http, sim, f"/v1/video/generations/{task_id}", row_done)
    running = seen[:-1]
    short = [b["data"] for b in running if "platform" not in b["data"]]
    rows = [b["data"] for b in running if "platform" in b["data"]]
    assert short
    assert rows
    assert all(set(d) == {"task_id", "status", "url", "format", "metadata", "error"} for d in short)
    assert {d["status"] for d in short} <= {"queued", "processing", "succeeded"}
    assert all(d["metadata"] is None and d["error"] is None for d in short)
    assert "platform" in seen[-1]["data"]  # always the row once finished


async def test_the_task_row_has_no_provider_json_and_no_owner_details(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim(live_read_rate=0, settle_hold=0) as sim:
        task_id = await create(http, sim, KLING)
        final = (await poll(http, sim, f"/v1/video/generations/{task_id}", row_done))[-1]
    data = final["data"]
    assert data["data"] is None
    assert (data["platform"], data["quota"], data["user_id"], data["channel_id"]) == (
        "kling",
        0,
        0,
        0,
    )
    assert data["group"] == ""
    assert (data["status"], data["progress"]) == ("SUCCESS", "100%")


async def test_a_finished_task_is_held_at_99_percent_until_billing_settles(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim(live_read_rate=0, settle_hold=40) as sim:
        task_id = await create(http, sim, KLING)
        seen = await poll(http, sim, f"/v1/video/generations/{task_id}", row_done)
    settling = [b["data"] for b in seen if b["data"]["progress"] == "99%"]
    assert settling
    assert all(d["status"] == "IN_PROGRESS" for d in settling)
    assert all(d["result_url"] == "" and d["finish_time"] == 0 for d in settling)
    assert seen[-1]["data"]["status"] == "SUCCESS"
    assert seen[-1]["data"]["result_url"]


async def test_billing_review_can_fail_a_task_the_provider_finished(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim(live_read_rate=0, settle_hold=10, review_failure_rate=1.0) as sim:
        task_id = await create(http, sim, KLING)
        seen = await poll(http, sim, f"/v1/video/generations/{task_id}", row_done)
        final = seen[-1]["data"]
        assert any(b["data"]["progress"] == "99%" for b in seen)
        assert (final["status"], final["result_url"]) == ("FAILURE", "")
        assert final["fail_reason"]
        assert sim.tasks[task_id].review_failed


async def test_after_the_retention_the_row_stays_success_but_the_video_is_gone(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim(live_read_rate=0, settle_hold=0, result_retention=0.2) as sim:
        task_id = await create(http, sim, KLING)
        await poll(http, sim, f"/v1/video/generations/{task_id}", row_done)
        await asyncio.sleep(0.3)
        _, body = await get_json(http, sim, f"/v1/video/generations/{task_id}")
        async with http.get(f"{sim.base_url}/v1/videos/{task_id}/content", headers=auth(sim)) as r:
            status, error = r.status, await r.json()
    assert (body["data"]["status"], body["data"]["result_url"]) == ("SUCCESS", "")
    assert status == 400
    assert error["error"]["message"] == "Task is not completed yet, current status: SUCCESS"


async def test_openai_format_says_unknown_first_then_holds_99_and_carries_no_url(
    http: aiohttp.ClientSession,
) -> None:
    # a 1 s refresh period: the first read surely comes before the first refresh
    async with plugin_sim(settle_hold=40, refresh_period=200) as sim:
        status, created = await post_json(http, sim, "/v1/videos", KLING)
        assert (status, created["status"]) == (200, "unknown")
        path = f"/v1/videos/{created['id']}"
        seen = await poll(http, sim, path, lambda b: b["status"] in ("completed", "failed"))
    assert seen[0]["status"] == "unknown"
    assert all(isinstance(b["progress"], int) for b in seen)
    assert any(b["status"] == "in_progress" and b["progress"] == 99 for b in seen)
    assert seen[-1]["status"] == "completed"
    assert "metadata" not in seen[-1]


async def test_every_response_carries_the_version_and_no_store_and_no_poll_hint(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim() as sim:
        async with http.post(sim.base_url + "/v1/videos", json=KLING, headers=auth(sim)) as r:
            created = await r.json()
            headers = [r.headers]
        for path in (f"/v1/videos/{created['id']}", "/v1/models", "/v1/videos/task_nope"):
            async with http.get(sim.base_url + path, headers=auth(sim)) as r:
                headers.append(r.headers)
        async with http.get(sim.base_url + "/v1/models") as r:  # 401 too
            headers.append(r.headers)
    for h in headers:
        assert h["X-New-Api-Version"]
        assert h["Cache-Control"] == "private, no-store"
        assert "openai-poll-after-ms" not in h


async def test_content_supports_range_and_head(http: aiohttp.ClientSession) -> None:
    async with plugin_sim(settle_hold=0) as sim:
        task_id = await create(http, sim, KLING)
        await sim.wait_finished(1)
        url = f"{sim.base_url}/v1/videos/{task_id}/content"
        async with http.get(url, headers=auth(sim)) as r:
            whole = await r.read()
        async with http.get(url, headers={**auth(sim), "Range": "bytes=10-19"}) as r:
            assert r.status == 206
            assert r.headers["Content-Range"] == f"bytes 10-19/{len(whole)}"
            assert await r.read() == whole[10:20]
        async with http.head(url, headers=auth(sim)) as r:
            assert r.status == 200
            assert int(r.headers["Content-Length"]) == len(whole)
    assert probe(whole).duration == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("artifact_gone", 410),
        ("artifact_upstream_busy", 503),
        ("artifact_upstream_auth_failed", 502),
        ("artifact_upstream_timeout", 504),
    ],
)
async def test_content_errors_come_as_artifact_codes(
    http: aiohttp.ClientSession, code: str, status: int
) -> None:
    async with plugin_sim(settle_hold=0, faults=Faults(Fault.artifact(code, nth=(1,)))) as sim:
        task_id = await create(http, sim, KLING)
        await sim.wait_finished(1)
        url = f"{sim.base_url}/v1/videos/{task_id}/content"
        async with http.get(url, headers=auth(sim)) as r:
            assert r.status == status
            error = (await r.json())["error"]
            assert (error["type"], error["code"]) == (code, code)
            assert error["message"]
            retry_after = r.headers.get("Retry-After")
        async with http.get(url, headers=auth(sim)) as r:
            assert r.status == 200  # the fault fired once
    assert (retry_after is not None) == (code == "artifact_upstream_busy")


async def test_an_expired_provider_copy_is_artifact_gone(http: aiohttp.ClientSession) -> None:
    async with plugin_sim(settle_hold=0, expire_after=0.1) as sim:
        task_id = await create(http, sim, KLING)
        await sim.wait_finished(1)
        await asyncio.sleep(0.15)
        url = f"{sim.base_url}/v1/videos/{task_id}/content"
        async with http.get(url, headers=auth(sim)) as r:
            assert r.status == 410
            assert (await r.json())["error"]["code"] == "artifact_gone"


async def test_the_cdn_is_another_origin_and_never_sees_the_key(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim(settle_hold=0, live_read_rate=0) as sim:
        task_id = await create(http, sim, KLING)
        final = (await poll(http, sim, f"/v1/video/generations/{task_id}", row_done))[-1]
        url = final["data"]["result_url"]
        async with http.get(url) as r:
            assert r.status == 200
            assert r.headers["Content-Type"] == "video/mp4"
        api, cdn = urlsplit(sim.base_url), urlsplit(url)
        cdn_requests = [q for q in sim.requests if q.path.startswith("/cdn/")]
    assert (api.hostname, api.port) != (cdn.hostname, cdn.port)
    assert url.startswith(sim.cdn_base_url)
    assert cdn_requests
    assert all("Authorization" not in q.headers for q in cdn_requests)


async def test_an_expired_signed_cdn_url_answers_403(http: aiohttp.ClientSession) -> None:
    async with plugin_sim(settle_hold=0, live_read_rate=0, cdn_url_ttl=0.2) as sim:
        task_id = await create(http, sim, KLING)
        final = (await poll(http, sim, f"/v1/video/generations/{task_id}", row_done))[-1]
        url = final["data"]["result_url"]
        await asyncio.sleep(1.1)  # the signature's expiry has a one-second resolution
        async with http.get(url) as r:
            assert r.status == 403
        async with http.get(url.replace("Signature=", "Signature=0")) as r:
            assert r.status == 403
        async with http.get(f"{sim.base_url}/v1/videos/{task_id}/content", headers=auth(sim)) as r:
            assert r.status == 200  # the gateway's own copy still serves


async def test_a_task_is_visible_only_to_the_key_that_created_it(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim(keys={"sk-other": None}) as sim:
        task_id = await create(http, sim, KLING)
        other = {"Authorization": "Bearer sk-other"}
        for path in (f"/v1/video/generations/{task_id}", f"/v1/videos/{task_id}"):
            async with http.get(sim.base_url + path, headers=other) as r:
                assert r.status == 400
                assert (await r.json())["code"] == "task_not_exist"
        status, _ = await get_json(http, sim, f"/v1/videos/{task_id}")
    assert status == 200


async def test_models_lists_what_each_key_may_use(http: aiohttp.ClientSession) -> None:
    veo = "veo-3.1-generate-preview"
    async with plugin_sim(keys={"sk-veo": [veo]}) as sim:
        _, everything = await get_json(http, sim, "/v1/models")
        async with http.get(
            sim.base_url + "/v1/models", headers={"Authorization": "Bearer sk-veo"}
        ) as r:
            limited = await r.json()
    ids = {m["id"] for m in everything["data"]}
    assert {"kling-v1", "MiniMax-Hailuo-2.3", veo, "wan2.7-t2v", "sora-2"} <= ids
    assert [m["id"] for m in limited["data"]] == [veo]
    assert limited["data"][0]["object"] == "model"
    assert limited["data"][0]["supported_endpoint_types"]


async def test_a_model_the_key_cannot_use_is_503_model_not_found(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim(keys={"sk-veo": ["veo-3.1-generate-preview"]}) as sim:
        headers = {"Authorization": "Bearer sk-veo"}
        async with http.post(
            sim.base_url + "/v1/video/generations", json=KLING, headers=headers
        ) as r:
            denied = (r.status, await r.json())
        unknown = await post_json(http, sim, "/v1/video/generations", {**KLING, "model": "nope-1"})
    assert denied == (
        503,
        {
            "error": {
                "message": "当前分组 default 下对于模型 kling-v1 无可用渠道",
                "type": "new_api_error",
                "code": "model_not_found",
            }
        },
    )
    assert unknown[0] == 503
    assert unknown[1]["error"]["code"] == "model_not_found"


async def test_the_task_api_creates_reads_and_hands_out_expiring_access_links(
    http: aiohttp.ClientSession,
) -> None:
    async with plugin_sim(settle_hold=0, artifact_access_ttl=200) as sim:
        status, created = await post_json(http, sim, "/v1/tasks/kling", KLING)
        assert (status, created["plugin"]) == (200, "kling")
        task_id = created["task_id"]
        await poll(http, sim, f"/v1/tasks/{task_id}", row_done)
        status, listing = await get_json(http, sim, f"/v1/tasks/{task_id}/artifacts")
        assert status == 200
        (artifact,) = listing["artifacts"]
        assert (artifact["key"], artifact["mime_type"]) == ("video", "video/mp4")
        link = artifact["content_url"]
        assert "access=" in link
        async with http.get(link) as r:  # no key needed
            assert r.status == 200
            probe(await r.read())
        await asyncio.sleep(1.05)  # 200 model seconds at speed 200
        async with http.get(link) as r:
            assert r.status == 404
            assert (await r.json())["error"]["code"] == "artifact_not_found"


async def test_the_task_api_rejects_a_model_of_another_plugin(http: aiohttp.ClientSession) -> None:
    async with plugin_sim() as sim:
        status, body = await post_json(http, sim, "/v1/tasks/veo", KLING)
        missing, _ = await post_json(http, sim, "/v1/tasks/nosuch", KLING)
    assert (status, body["code"]) == (400, "invalid_request")
    assert missing == 404


async def test_too_many_bad_access_links_are_rate_limited(http: aiohttp.ClientSession) -> None:
    async with plugin_sim(settle_hold=0, artifact_max_bad_tries=3) as sim:
        task_id = await create(http, sim, KLING)
        bad = f"{sim.base_url}/v1/tasks/{task_id}/artifacts/video/content?access=1.forged"
        statuses = []
        for _ in range(4):
            async with http.get(bad) as r:
                statuses.append(r.status)
                retry_after = r.headers.get("Retry-After")
    assert statuses == [404, 404, 404, 429]
    assert retry_after == "60"


async def test_the_plugin_dialect_is_not_the_default() -> None:
    assert Simulator().dialect != "plugin"
