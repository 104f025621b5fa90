"""Per-model validation, answered in each dialect's error shape."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from vidwidgets.simulator import Simulator

from .conftest import FAST, auth, post_json


@pytest.fixture
async def newapi() -> Any:
    async with Simulator(dialect="newapi", **FAST) as sim:
        yield sim


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"model": "kling-v1"}, 400, "invalid_request"),
        ({"model": "kling-v1", "prompt": "   "}, 400, "invalid_request"),
        ({"prompt": "no model"}, 400, "missing_model"),
        ({"model": "kling-v1", "prompt": "x", "duration": 5000}, 400, "invalid_seconds"),
        ({"model": "kling-v1", "prompt": "x", "duration": -1}, 400, "invalid_seconds"),
        ({"model": "kling-v1", "prompt": "x", "metadata": {"duration": 5}}, 500, None),
        ({"model": "kling-v1", "prompt": "x", "mode": "turbo"}, 400, "invalid_request"),
        (
            {"model": "kling-v1", "prompt": "x", "metadata": {"cfg_scale": 2}},
            400,
            "invalid_request",
        ),
        ({"model": "viduq1", "prompt": "x", "size": "1280x720"}, 400, "invalid_request"),
        ({"model": "vidu2.0", "prompt": "x", "duration": 5}, 400, "invalid_request"),
        ({"model": "jimeng_vgfm_i2v_l20", "prompt": "x"}, 400, "invalid_request"),
        (
            {"model": "jimeng_vgfm_t2v_l20", "prompt": "x", "metadata": {"req_key": "nope"}},
            400,
            "invalid_request",
        ),
        ({"model": "sora-2", "prompt": "x", "seconds": "5"}, 400, "invalid_seconds"),
        ({"model": "sora-2", "prompt": "x", "seconds": 4}, 400, "invalid_seconds"),
        ({"model": "sora-2", "prompt": "x", "size": "1792x1024"}, 400, "invalid_size"),
        ({"model": "sora-2-pro", "prompt": "x", "size": "1920x1080"}, 400, "invalid_size"),
    ],
    ids=[
        "prompt-missing",
        "prompt-blank",
        "model-missing",
        "duration-too-long",
        "duration-negative",
        "kling-metadata-duration-number-is-500",
        "kling-mode",
        "kling-cfg-scale",
        "vidu-size-must-be-a-resolution",
        "vidu-duration-per-model",
        "jimeng-i2v-needs-an-image",
        "jimeng-req-key",
        "sora-seconds-value",
        "sora-seconds-must-be-a-string",
        "sora-2-size",
        "sora-2-pro-size",
    ],
)
async def test_newapi_rejects_invalid_requests_in_the_task_error_shape(
    http: aiohttp.ClientSession,
    newapi: Simulator,
    body: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    got_status, got = await post_json(http, newapi, "/v1/video/generations", body)
    assert got_status == status
    assert set(got) == {"code", "message", "data"}
    assert got["data"] is None
    assert got["message"]
    if code is not None:
        assert got["code"] == code
    assert newapi.create_count == 0


@pytest.mark.parametrize(
    "body",
    [
        {"model": "kling-v1", "prompt": "x", "metadata": {"duration": "10", "mode": "pro"}},
        {"model": "kling-v1", "prompt": "x", "size": "720x1280", "metadata": {"cfg_scale": 0.9}},
        {"model": "viduq2", "prompt": "x", "size": "720p", "duration": 8},
        {"model": "jimeng_vgfm_i2v_l20", "prompt": "x", "image": "https://example.com/a.png"},
        {"model": "sora-2-pro", "prompt": "x", "seconds": "12", "size": "1792x1024"},
        {"model": "kling-v1", "prompt": "x", "metadata": '{"duration": "5"}'},
    ],
    ids=[
        "kling-pro-10s",
        "kling-portrait",
        "vidu-720p-8s",
        "jimeng-i2v",
        "sora-pro",
        "meta-string",
    ],
)
async def test_newapi_accepts_valid_requests(
    http: aiohttp.ClientSession, newapi: Simulator, body: dict[str, Any]
) -> None:
    status, got = await post_json(http, newapi, "/v1/video/generations", body)
    assert status == 200, got


async def test_unknown_model_is_a_distributor_error(
    http: aiohttp.ClientSession, newapi: Simulator
) -> None:
    status, got = await post_json(
        http, newapi, "/v1/video/generations", {"model": "x", "prompt": "y"}
    )
    assert status == 503
    assert got["error"]["type"] == "new_api_error"


async def test_request_geometry_follows_the_provider_rules(
    http: aiohttp.ClientSession, newapi: Simulator
) -> None:
    bodies = {
        "kling-std": {"model": "kling-v1", "prompt": "x", "size": "720x1280"},
        "kling-pro": {"model": "kling-v1", "prompt": "x", "metadata": {"mode": "pro"}},
        "kling-odd": {"model": "kling-v1", "prompt": "x", "size": "640x480"},
        "jimeng-10s": {"model": "jimeng_vgfm_t2v_l20", "prompt": "x", "duration": 10},
        "jimeng-7s": {"model": "jimeng_vgfm_t2v_l20", "prompt": "x", "duration": 7},
        "vidu-720p": {"model": "viduq1", "prompt": "x", "size": "720p"},
    }
    specs = {}
    for name, body in bodies.items():
        _, created = await post_json(http, newapi, "/v1/video/generations", body)
        specs[name] = newapi.tasks[created["task_id"]].spec
    assert (specs["kling-std"].width, specs["kling-std"].height) == (720, 1280)
    assert (specs["kling-pro"].width, specs["kling-pro"].height) == (1920, 1080)
    assert specs["kling-odd"].width == specs["kling-odd"].height  # anything else is 1:1
    assert (specs["jimeng-10s"].seconds, specs["jimeng-7s"].seconds) == (10, 5)
    assert (specs["vidu-720p"].width, specs["vidu-720p"].height) == (1280, 720)


async def test_unknown_top_level_fields_are_ignored_but_metadata_is_honoured(
    http: aiohttp.ClientSession, newapi: Simulator
) -> None:
    top = {"model": "jimeng_vgfm_t2v_l20", "prompt": "x", "seed": 42, "width": 99}
    meta = {"model": "jimeng_vgfm_t2v_l20", "prompt": "x", "metadata": {"seed": 42}}
    _, a = await post_json(http, newapi, "/v1/video/generations", top)
    _, b = await post_json(http, newapi, "/v1/video/generations", meta)
    assert newapi.tasks[a["task_id"]].seed == 0  # the gateway sends seed 0 when none is given
    assert newapi.tasks[b["task_id"]].seed == 42


async def test_kling_ignores_the_seed(http: aiohttp.ClientSession, newapi: Simulator) -> None:
    body = {"model": "kling-v1", "prompt": "x", "metadata": {"seed": 42}}
    _, a = await post_json(http, newapi, "/v1/video/generations", body)
    _, b = await post_json(http, newapi, "/v1/video/generations", body)
    assert newapi.tasks[a["task_id"]].seed != newapi.tasks[b["task_id"]].seed


async def test_openai_dialect_rejects_in_the_openai_error_shape(
    http: aiohttp.ClientSession,
) -> None:
    async with Simulator(dialect="openai", **FAST) as sim:
        size_status, size = await post_json(
            http, sim, "/v1/videos", {"prompt": "x", "size": "1792x1024"}
        )
        model_status, model = await post_json(
            http,
            sim,
            "/v1/videos",
            {"prompt": "x", "model": "kling-v1", "metadata": {"duration": 5}},
        )
        form = aiohttp.FormData({"prompt": "x", "seconds": "5"})
        async with http.post(sim.base_url + "/v1/videos", data=form, headers=auth(sim)) as r:
            form_status, form_body = r.status, await r.json()
    assert size_status == 400
    assert size["error"]["param"] == "size"
    assert size["error"]["type"] == "invalid_request_error"
    assert set(size["error"]) == {"message", "type", "param", "code"}
    assert model_status == 400
    assert model["error"]["param"] == "model"
    assert form_status == 400
    assert form_body["error"]["param"] == "seconds"


async def test_docs_dialect_rejects_in_the_documented_error_shape(
    http: aiohttp.ClientSession,
) -> None:
    async with Simulator(dialect="docs", **FAST) as sim:
        status, body = await post_json(http, sim, "/v1/video/generations", {"model": "kling-v1"})
    assert status == 400
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["code"] == "invalid_request"


async def test_bodies_over_the_cap_are_refused(http: aiohttp.ClientSession) -> None:
    async with Simulator(dialect="newapi", max_body_bytes=1024, **FAST) as sim:
        body = {"model": "kling-v1", "prompt": "x", "image": "A" * 4096}
        async with http.post(
            sim.base_url + "/v1/video/generations", json=body, headers=auth(sim)
        ) as r:
            status = r.status
    assert status == 413


@pytest.mark.parametrize(
    "body",
    [
        {"model": "kling-v1", "prompt": "x", "metadata": {"duration": "nan"}},
        {"model": "viduq1", "prompt": "x", "duration": "inf"},
        {"model": "jimeng_vgfm_t2v_l20", "prompt": "x", "metadata": {"seed": "nan"}},
        {"model": "kling-v1", "prompt": "x", "duration": True},
    ],
    ids=["kling-nan", "vidu-inf", "jimeng-seed-nan", "bool-duration"],
)
async def test_non_numbers_are_400_not_a_crash(
    http: aiohttp.ClientSession, newapi: Simulator, body: dict[str, Any]
) -> None:
    status, got = await post_json(http, newapi, "/v1/video/generations", body)
    assert status == 400
    assert got["code"] == "invalid_request"
