"""Bearer auth on the API, none on the CDN, and a record of who sent the key where."""

from __future__ import annotations

import aiohttp
import pytest
from yarl import URL

from vidwidgets.simulator import Simulator

from .conftest import FAST, poll, post_json


@pytest.mark.parametrize("dialect", ["docs", "newapi"])
@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, "未提供令牌"), ({"Authorization": "Bearer sk-wrong"}, "无效的令牌")],
    ids=["missing", "wrong"],
)
async def test_gateway_answers_401_in_its_error_shape(
    http: aiohttp.ClientSession, dialect: str, headers: dict[str, str], message: str
) -> None:
    url = "/v1/video/generations/task_x"
    async with (
        Simulator(dialect=dialect, **FAST) as sim,  # type: ignore[arg-type]
        http.get(sim.base_url + url, headers=headers) as r,
    ):
        status, body = r.status, await r.json()
    assert status == 401
    assert set(body["error"]) == {"message", "type", "code"}
    assert body["error"]["type"] == "new_api_error"
    assert body["error"]["message"].startswith(message)


async def test_openai_answers_401_in_its_error_shape(http: aiohttp.ClientSession) -> None:
    async with (
        Simulator(dialect="openai", **FAST) as sim,
        http.get(sim.base_url + "/v1/videos", headers={"Authorization": "Bearer nope"}) as r,
    ):
        status, body = r.status, await r.json()
    assert status == 401
    assert body["error"]["code"] == "invalid_api_key"
    assert set(body["error"]) == {"message", "type", "param", "code"}


async def test_generated_key_looks_like_a_key_and_a_given_key_is_used() -> None:
    async with Simulator(**FAST) as generated, Simulator(api_key="sk-mine", **FAST) as given:
        assert generated.api_key.startswith("sk-sim-")
        assert given.api_key == "sk-mine"
        assert "sk-" not in repr(generated)


async def test_cdn_needs_no_key_and_the_log_says_who_sent_one(
    http: aiohttp.ClientSession,
) -> None:
    async with Simulator(dialect="newapi", **FAST) as sim:
        _, created = await post_json(
            http, sim, "/v1/video/generations", {"model": "kling-v1", "prompt": "x"}
        )
        path = f"/v1/video/generations/{created['task_id']}"
        seen = await poll(http, sim, path, lambda b: b["data"]["status"] == "SUCCESS")
        async with http.get(seen[-1]["data"]["result_url"]) as resp:
            assert resp.status == 200
    cdn = [r for r in sim.requests if r.path.startswith("/cdn/")]
    api = [r for r in sim.requests if r.path.startswith("/v1/")]
    assert [r.had_authorization for r in cdn] == [False]
    assert all(r.had_authorization for r in api)
    assert cdn[0].task_id == created["task_id"]


async def test_cdn_host_puts_videos_on_another_host(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="docs", cdn_host="localhost", **FAST) as sim:
        _, created = await post_json(
            http, sim, "/v1/video/generations", {"model": "viduq1", "prompt": "x"}
        )
        path = f"/v1/video/generations/{created['task_id']}"
        seen = await poll(http, sim, path, lambda b: b["status"] == "succeeded")
        url = URL(seen[-1]["url"])
        async with http.get(url) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "video/mp4"
    assert URL(sim.base_url).host == "127.0.0.1"
    assert url.host == "localhost"
    assert url.port == URL(sim.base_url).port
    assert sim.cdn_base_url == f"http://localhost:{url.port}"
    assert sim.requests[-1].host.startswith("localhost")


async def test_range_requests_on_the_cdn(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="docs", **FAST) as sim:
        _, created = await post_json(
            http, sim, "/v1/video/generations", {"model": "viduq1", "prompt": "x"}
        )
        await sim.wait_finished(1)
        url = sim.video_url(created["task_id"])
        async with http.get(url) as resp:
            whole = await resp.read()
            assert resp.headers["Accept-Ranges"] == "bytes"
        async with http.get(url, headers={"Range": "bytes=0-99"}) as resp:
            head = (resp.status, resp.headers["Content-Range"], await resp.read())
        async with http.get(url, headers={"Range": "bytes=-10"}) as resp:
            tail = (resp.status, int(resp.headers["Content-Length"]), await resp.read())
        async with http.get(url, headers={"Range": f"bytes={len(whole)}-"}) as resp:
            beyond = (resp.status, resp.headers["Content-Range"])
        async with http.head(url) as resp:
            head_length = int(resp.headers["Content-Length"])
    assert head == (206, f"bytes 0-99/{len(whole)}", whole[:100])
    assert tail == (206, 10, whole[-10:])
    assert beyond == (416, f"bytes */{len(whole)}")
    assert head_length == len(whole)
