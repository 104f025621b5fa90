"""Each dialect end to end over raw HTTP: create, follow to the end, download, decode."""

from __future__ import annotations

import aiohttp
import pytest

from vidwidgets.simulator import Simulator, Timing

from .conftest import FAST, auth, get_json, poll, post_json, probe

NEWAPI_STATUSES = {"NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS", "SUCCESS", "FAILURE"}
NEWAPI_PROGRESS = {"0%", "10%", "20%", "30%", "100%"}


async def download(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> bytes:
    async with http.get(url, headers=headers) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "video/mp4"
        data = await resp.read()
        assert int(resp.headers["Content-Length"]) == len(data)
        return data


async def test_docs_dialect_task_runs_to_a_decodable_video(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="docs", **FAST) as sim:
        body = {"model": "kling-v1", "prompt": "a red fox", "size": "1280x720", "duration": 5}
        status, created = await post_json(http, sim, "/v1/video/generations", body)
        assert status == 200
        assert set(created) == {"task_id", "status"}
        assert created["status"] == "queued"
        path = f"/v1/video/generations/{created['task_id']}"
        seen = await poll(http, sim, path, lambda b: b["status"] in ("succeeded", "failed"))
        final = seen[-1]
        assert final["status"] == "succeeded"
        assert final["error"] is None
        assert final["format"] == "mp4"
        assert {s["status"] for s in seen} <= {"queued", "processing", "in_progress", "succeeded"}
        meta = final["metadata"]
        assert (meta["width"], meta["height"], meta["duration"]) == (128, 72, 5)
        video = probe(await download(http, final["url"], {}))
    assert (video.width, video.height) == (128, 72)
    assert video.duration == pytest.approx(5.0)
    assert (video.codec, video.pix_fmt) == ("h264", "yuv420p")


async def test_newapi_dialect_task_runs_to_a_decodable_video(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="newapi", **FAST) as sim:
        body = {"model": "viduq1", "prompt": "a paper boat", "size": "720p"}
        status, created = await post_json(http, sim, "/v1/video/generations", body)
        assert status == 200
        assert created["task_id"] == created["id"]
        assert created["task_id"].startswith("task_")
        assert len(created["task_id"]) == 37
        assert (created["object"], created["status"], created["progress"]) == ("video", "queued", 0)
        path = f"/v1/video/generations/{created['task_id']}"
        seen = await poll(http, sim, path, lambda b: b["data"]["status"] in ("SUCCESS", "FAILURE"))
        assert all(b["code"] == "success" and b["message"] == "" for b in seen)
        assert {b["data"]["status"] for b in seen} <= NEWAPI_STATUSES
        assert {b["data"]["progress"] for b in seen} <= NEWAPI_PROGRESS
        data = seen[-1]["data"]
        assert (data["status"], data["progress"]) == ("SUCCESS", "100%")
        assert data["data"]["creations"][0]["url"] == data["result_url"]
        video = probe(await download(http, data["result_url"], {}))
        proxied = probe(
            await download(
                http,
                f"{sim.base_url}{path.replace('video/generations', 'videos')}/content",
                auth(sim),
            )
        )
    assert (video.width, video.height) == (128, 72)
    assert video.duration == pytest.approx(5.0)
    assert proxied == video


async def test_openai_dialect_task_runs_to_a_decodable_video(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="openai", **FAST) as sim:
        body = {"model": "sora-2", "prompt": "a lighthouse", "seconds": "8", "size": "1280x720"}
        async with http.post(sim.base_url + "/v1/videos", json=body, headers=auth(sim)) as resp:
            assert resp.status == 200
            assert int(resp.headers["openai-poll-after-ms"]) > 0
            created = await resp.json()
        assert created["id"].startswith("video_")
        assert (created["object"], created["status"], created["progress"]) == ("video", "queued", 0)
        seen = await poll(
            http,
            sim,
            f"/v1/videos/{created['id']}",
            lambda b: b["status"] in ("completed", "failed"),
        )
        assert {b["status"] for b in seen} <= {"queued", "in_progress", "completed"}
        progress = [b["progress"] for b in seen]
        assert all(isinstance(p, int) for p in progress)
        assert progress == sorted(progress)
        assert progress[-1] == 100
        final = seen[-1]
        assert (final["seconds"], final["size"]) == ("8", "1280x720")
        assert final["completed_at"] >= final["created_at"]
        url = f"{sim.base_url}/v1/videos/{created['id']}/content"
        video = probe(await download(http, url, auth(sim)))
    assert (video.width, video.height) == (128, 72)
    assert video.duration == pytest.approx(8.0)


@pytest.mark.parametrize(
    ("model", "extra", "raw_url"),
    [
        ("kling-v1-6", {}, lambda d: d["data"]["task_result"]["videos"][0]["url"]),
        ("jimeng_vgfm_t2v_l20", {}, lambda d: d["data"]["video_url"]),
        ("vidu2.0", {"size": "1080p"}, lambda d: d["creations"][0]["url"]),
    ],
    ids=["kling", "jimeng", "vidu"],
)
async def test_newapi_raw_provider_json_carries_the_url_at_the_provider_path(
    http: aiohttp.ClientSession, model: str, extra: dict[str, str], raw_url: object
) -> None:
    async with Simulator(dialect="newapi", **FAST) as sim:
        _, created = await post_json(
            http, sim, "/v1/video/generations", {"model": model, "prompt": "a kite", **extra}
        )
        path = f"/v1/video/generations/{created['task_id']}"
        seen = await poll(http, sim, path, lambda b: b["data"]["status"] == "SUCCESS")
    data = seen[-1]["data"]
    assert callable(raw_url)
    assert raw_url(data["data"]) == data["result_url"]
    assert data["platform"] in model


async def test_newapi_jimeng_never_reports_in_progress(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="newapi", **FAST) as sim:
        _, created = await post_json(
            http, sim, "/v1/video/generations", {"model": "jimeng_vgfm_t2v_l20", "prompt": "rain"}
        )
        path = f"/v1/video/generations/{created['task_id']}"
        seen = await poll(
            http, sim, path, lambda b: b["data"]["status"] == "SUCCESS", interval=0.02
        )
    assert "IN_PROGRESS" not in {b["data"]["status"] for b in seen}
    assert {b["data"]["data"]["data"]["status"] for b in seen} <= {"in_queue", "done"}


async def test_newapi_reports_not_start_and_unknown_until_the_first_refresh(
    http: aiohttp.ClientSession,
) -> None:
    # refresh every 1000 model seconds = 10 wall seconds: the reads precede the first refresh
    async with Simulator(
        dialect="newapi", speed=100, refresh_period=1000, video_scale=0.1, fps=8
    ) as sim:
        _, created = await post_json(
            http, sim, "/v1/videos", {"model": "kling-v1", "prompt": "a snail"}
        )
        task_id = created["task_id"]
        _, generation = await get_json(http, sim, f"/v1/video/generations/{task_id}")
        _, video = await get_json(http, sim, f"/v1/videos/{task_id}")
        async with http.get(f"{sim.base_url}/v1/videos/{task_id}/content", headers=auth(sim)) as r:
            content_status, content = r.status, await r.json()
    assert (generation["data"]["status"], generation["data"]["progress"]) == ("NOT_START", "0%")
    assert video["status"] == "unknown"
    assert content_status == 400
    assert content == {
        "error": {
            "message": "Task is not completed yet, current status: NOT_START",
            "type": "invalid_request_error",
        }
    }


async def test_newapi_state_changes_only_on_refresh_ticks(http: aiohttp.ClientSession) -> None:
    async with Simulator(
        dialect="newapi", speed=100, refresh_period=50, video_scale=0.1, fps=8
    ) as sim:
        _, created = await post_json(
            http, sim, "/v1/video/generations", {"model": "kling-v1", "prompt": "a comet"}
        )
        task = sim.tasks[created["task_id"]]
        period = 0.5
        await sim.wait_finished(1, timeout=20)
    ticks = (task.finished_at - task.refresh_origin) / period
    assert ticks == pytest.approx(round(ticks), abs=1e-6)
    assert task.finished_at >= task.provider_done_at
    # between two ticks the gateway's copy does not move, although the provider does
    tick = task.refresh_origin + period * (round(ticks) - 1)
    assert task.gateway_view(tick + 0.01) == task.gateway_view(tick + period - 0.01)


async def test_newapi_unknown_task_is_400_task_not_exist(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="newapi", **FAST) as sim:
        status, body = await get_json(http, sim, "/v1/video/generations/task_nope")
        video_status, video = await get_json(http, sim, "/v1/videos/task_nope")
        async with http.get(f"{sim.base_url}/v1/videos/task_nope/content", headers=auth(sim)) as r:
            content_status = r.status
    assert (status, body) == (
        400,
        {"code": "task_not_exist", "message": "task_not_exist", "data": None},
    )
    assert video_status == 400
    assert video["code"] == "task_not_exist"
    assert content_status == 404


async def test_newapi_videos_endpoint_maps_to_openai_words_with_url_in_metadata(
    http: aiohttp.ClientSession,
) -> None:
    async with Simulator(dialect="newapi", **FAST) as sim:
        _, created = await post_json(
            http, sim, "/v1/videos", {"model": "kling-v1", "prompt": "a heron"}
        )
        seen = await poll(
            http, sim, f"/v1/videos/{created['task_id']}", lambda b: b["status"] == "completed"
        )
    assert {b["status"] for b in seen} <= {"unknown", "queued", "in_progress", "completed"}
    assert all(isinstance(b["progress"], int) for b in seen)
    assert seen[-1]["metadata"]["url"].endswith(".mp4")


async def test_newapi_sora_passes_real_percentages_through(http: aiohttp.ClientSession) -> None:
    async with Simulator(
        dialect="newapi", speed=100, refresh_period=1, video_scale=0.1, fps=8
    ) as sim:
        _, created = await post_json(
            http, sim, "/v1/videos", {"model": "sora-2", "prompt": "a dune", "seconds": "4"}
        )
        assert created["object"] == "video"
        assert created["id"].startswith("task_")
        path = f"/v1/video/generations/{created['id']}"
        seen = await poll(
            http, sim, path, lambda b: b["data"]["status"] == "SUCCESS", interval=0.03
        )
    percentages = {b["data"]["progress"] for b in seen if b["data"]["status"] == "IN_PROGRESS"}
    assert percentages - NEWAPI_PROGRESS  # some real percentages, not only the coarse steps


async def test_gateway_dialects_have_no_list_or_delete_route(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="newapi", **FAST) as sim:
        status, body = await get_json(http, sim, "/v1/videos")
        async with http.delete(f"{sim.base_url}/v1/videos/x", headers=auth(sim)) as resp:
            delete_status = resp.status
    assert status == 404
    assert "Invalid URL" in body["error"]["message"]
    assert delete_status == 404


async def test_openai_dialect_has_no_88api_route(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="openai", **FAST) as sim:
        status, body = await post_json(
            http, sim, "/v1/video/generations", {"model": "sora-2", "prompt": "x"}
        )
    assert status == 404
    assert set(body["error"]) == {"message", "type", "param", "code"}


async def test_openai_list_paginates_with_limit_order_and_after(
    http: aiohttp.ClientSession,
) -> None:
    async with Simulator(dialect="openai", **FAST) as sim:
        ids = []
        for i in range(3):
            _, created = await post_json(http, sim, "/v1/videos", {"prompt": f"clip {i}"})
            ids.append(created["id"])
        _, first = await get_json(http, sim, "/v1/videos?limit=2&order=asc")
        _, rest = await get_json(
            http, sim, f"/v1/videos?limit=2&order=asc&after={first['last_id']}"
        )
        _, newest = await get_json(http, sim, "/v1/videos?limit=1")
    assert first["object"] == "list"
    assert [v["id"] for v in first["data"]] == ids[:2]
    assert (first["first_id"], first["last_id"], first["has_more"]) == (ids[0], ids[1], True)
    assert [v["id"] for v in rest["data"]] == ids[2:]
    assert rest["has_more"] is False
    assert newest["data"][0]["id"] == ids[-1]


async def test_openai_delete_removes_the_video(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="openai", **FAST) as sim:
        _, created = await post_json(http, sim, "/v1/videos", {"prompt": "a gone clip"})
        async with http.delete(f"{sim.base_url}/v1/videos/{created['id']}", headers=auth(sim)) as r:
            deleted = await r.json()
        status, _ = await get_json(http, sim, f"/v1/videos/{created['id']}")
    assert deleted == {"id": created["id"], "deleted": True, "object": "video.deleted"}
    assert status == 404


async def test_openai_remix_needs_a_completed_source(http: aiohttp.ClientSession) -> None:
    slow = Timing(submit=0, queue=0, generate=400, jitter=0)  # 2 s: room for the early remix
    async with Simulator(dialect="openai", timing=slow, **FAST) as sim:
        _, source = await post_json(http, sim, "/v1/videos", {"prompt": "a forest"})
        early, _ = await post_json(
            http, sim, f"/v1/videos/{source['id']}/remix", {"prompt": "snow"}
        )
        await sim.wait_finished(1)
        status, remix = await post_json(
            http, sim, f"/v1/videos/{source['id']}/remix", {"prompt": "in snow"}
        )
    assert early == 400
    assert status == 200
    assert remix["remixed_from_video_id"] == source["id"]
    assert (remix["prompt"], remix["size"], remix["seconds"]) == ("in snow", source["size"], "4")


async def test_openai_thumbnail_variant_is_an_image(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="openai", **FAST) as sim:
        _, created = await post_json(http, sim, "/v1/videos", {"prompt": "a moon"})
        await sim.wait_finished(1)
        base = f"{sim.base_url}/v1/videos/{created['id']}/content"
        async with http.get(base + "?variant=thumbnail", headers=auth(sim)) as resp:
            thumb_type, thumb = resp.headers["Content-Type"], await resp.read()
        async with http.get(base + "?variant=spritesheet", headers=auth(sim)) as resp:
            sheet_type = resp.headers["Content-Type"]
        async with http.get(base + "?variant=gif", headers=auth(sim)) as resp:
            bad = resp.status
    assert thumb_type == "image/webp"
    assert thumb[:4] == b"RIFF"
    assert thumb[8:12] == b"WEBP"
    assert sheet_type == "image/jpeg"
    assert bad == 400


async def test_openai_content_is_400_until_completed(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="openai", speed=2, video_scale=0.1, fps=8) as sim:
        _, created = await post_json(http, sim, "/v1/videos", {"prompt": "slow"})
        status, body = await get_json(http, sim, f"/v1/videos/{created['id']}/content")
    assert status == 400
    assert body["error"]["code"] == "video_not_ready"


async def test_legacy_gateway_build_puts_the_url_in_fail_reason(
    http: aiohttp.ClientSession,
) -> None:
    async with Simulator(dialect="newapi", gateway_build="legacy", **FAST) as sim:
        _, created = await post_json(
            http, sim, "/v1/video/generations", {"model": "kling-v1", "prompt": "old"}
        )
        path = f"/v1/video/generations/{created['task_id']}"
        seen = await poll(http, sim, path, lambda b: b["data"]["status"] == "SUCCESS")
    data = seen[-1]["data"]
    assert "result_url" not in data
    assert data["fail_reason"] == sim.video_url(created["task_id"])


async def test_row_gateway_build_returns_the_task_row_from_videos(
    http: aiohttp.ClientSession,
) -> None:
    async with Simulator(dialect="newapi", gateway_build="row", **FAST) as sim:
        _, created = await post_json(http, sim, "/v1/videos", {"model": "viduq1", "prompt": "new"})
        seen = await poll(
            http, sim, f"/v1/videos/{created['task_id']}", lambda b: b["status"] == "SUCCESS"
        )
    assert set(seen[-1]) == {
        "task_id",
        "status",
        "progress",
        "fail_reason",
        "created_at",
        "finished_at",
        "platform",
    }
    assert seen[-1]["progress"] == "100%"
    assert seen[-1]["finished_at"] > 0


async def test_vendor_gateway_build_passes_provider_status_strings_through(
    http: aiohttp.ClientSession,
) -> None:
    async with Simulator(dialect="newapi", gateway_build="vendor", expire_after=0.5, **FAST) as sim:
        _, created = await post_json(
            http, sim, "/v1/video/generations", {"model": "jimeng_vgfm_t2v_l20", "prompt": "v"}
        )
        path = f"/v1/video/generations/{created['task_id']}"
        seen = await poll(http, sim, path, lambda b: b["data"]["status"] == "done")
        expired = await poll(http, sim, path, lambda b: b["data"]["status"] == "EXPIRED")
    assert {b["data"]["status"] for b in seen} <= {"NOT_START", "in_queue", "done"}
    assert expired[-1]["data"]["progress"] == "100%"
