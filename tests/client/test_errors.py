"""Every failure maps to one class of the error tree, with a next step and never the key."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from vidwidgets.client import (
    AuthenticationError,
    BadRequestError,
    GenerationFailed,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    VideoAPIError,
    VideoClient,
    VideoJob,
)
from vidwidgets.simulator import Fault, Faults, Simulator

from .conftest import DIALECTS, FORMAT, request_for


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_wrong_key_is_an_authentication_error_without_the_key(
    dialect: str, make_sim: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sim: Simulator = await make_sim(dialect)
    secret = "sk-DISTINCTIVE-secret-0123456789"
    caplog.set_level(logging.DEBUG, logger="vidwidgets")
    async with VideoClient(
        sim.base_url, secret, FORMAT[dialect], journal=False, output_dir=tmp_path
    ) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.create(request_for(dialect))
        assert secret not in repr(client)
        assert secret not in str(client)
    error = info.value
    assert error.status == 401
    assert "VIDWIDGETS_API_KEY" in str(error)
    assert secret not in str(error)
    assert secret not in repr(error)
    assert secret not in caplog.text


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_unknown_task_id_is_not_found(dialect: str, make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim(dialect)
    with pytest.raises(NotFoundError) as info:
        await make_client(sim).retrieve("task_doesnotexist")
    # the gateway says 400 task_not_exist, the official API 404
    assert info.value.status in (400, 404)
    assert "expired" in info.value.hint


async def test_server_validation_error_is_a_bad_request(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi")
    client = make_client(sim)
    # metadata is passed through as the user wrote it; the server rejects this seed
    with pytest.raises(BadRequestError) as info:
        await client.create({"model": "viduq1", "prompt": "fox", "metadata": {"seed": "abc"}})
    assert info.value.status == 400
    assert "seed" in info.value.message
    assert sim.create_count == 0


async def test_model_without_a_channel_is_a_server_error(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi")
    with pytest.raises(ServerError) as info:
        await make_client(sim).create({"model": "no-such-model", "prompt": "fox"})
    assert (info.value.status, info.value.code) == (503, "model_not_found")
    assert sim.create_count == 0


async def test_429_is_a_rate_limit_error_with_retry_after(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim(
        "newapi",
        faults=Faults(
            Fault.rate_limited("GET /v1/video/generations/*", rate=1.0, retry_after=0.01)
        ),
    )
    client = make_client(sim, max_retries=0)
    job = await client.create(request_for("newapi"))
    with pytest.raises(RateLimitError) as info:
        await client.retrieve(job)
    assert len([r for r in sim.requests if r.method == "GET"]) == 1  # max_retries=0: no retry
    assert info.value.status == 429
    assert info.value.retry_after == pytest.approx(0.01)
    assert info.value.retryable
    assert "max_concurrency" in info.value.hint


async def test_500_is_a_server_error(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi", faults=Faults(Fault.http(500, "GET *", rate=1.0)))
    client = make_client(sim, max_retries=0)
    job = await client.create(request_for("newapi"))
    with pytest.raises(ServerError) as info:
        await client.retrieve(job)
    assert info.value.status == 500
    assert info.value.job is job


async def test_malformed_json_is_a_protocol_error(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim(
        "newapi", faults=Faults(Fault.malformed_json("GET *", rate=1.0))
    )
    client = make_client(sim, max_retries=0)
    job = await client.create(request_for("newapi"))
    with pytest.raises(ProtocolError, match="malformed JSON"):
        await client.retrieve(job)


async def test_failed_generation_raises_with_the_job_and_its_reason(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi", failure_rate=1.0)
    client = make_client(sim)
    with pytest.raises(GenerationFailed) as info:
        await client.generate(request_for("newapi"))
    job = info.value.job
    assert isinstance(job, VideoJob)
    assert job.error is not None
    assert job.error.message
    assert job.path is None
    assert "prompt" in info.value.hint


async def test_connection_refused_is_a_connection_error(tmp_path: Any) -> None:
    async with VideoClient(
        "http://127.0.0.1:9",
        "k",
        journal=False,
        output_dir=tmp_path,
        max_retries=1,
        time_scale=0.01,
    ) as client:
        with pytest.raises(VideoAPIError) as info:
            await client.retrieve("task_x")
    assert type(info.value).__name__ == "APIConnectionError"
    assert "base_url" in info.value.hint


async def test_oversized_json_body_stops_at_the_limit(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi")
    client = make_client(sim, max_json_bytes=64, max_retries=0)
    with pytest.raises(ProtocolError, match="limit"):
        await client.create(request_for("newapi"))


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, "AuthenticationError"),
        (403, "PermissionDeniedError"),
        (404, "NotFoundError"),
        (408, "APITimeoutError"),
        (409, "ConflictError"),
        (422, "BadRequestError"),
        (429, "RateLimitError"),
        (500, "ServerError"),
        (502, "ServerError"),
        (503, "ServerError"),
        (504, "ServerError"),
    ],
)
@pytest.mark.parametrize("dialect", ["newapi", "openai"])
async def test_each_status_maps_to_its_error_class(
    status: int, error_class: str, dialect: str, make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim(dialect)
    client = make_client(sim, max_retries=0)
    job = await client.create(request_for(dialect))
    sim.faults = Faults(Fault.http(status, "GET *", rate=1.0))
    with pytest.raises(VideoAPIError) as info:
        await client.retrieve(job)
    assert type(info.value).__name__ == error_class
    assert info.value.status == status
    assert info.value.hint


async def test_a_key_echoed_by_the_server_is_redacted(tmp_path: Any) -> None:
    from aiohttp import web

    secret = "sk-ECHOED-0123456789abcdef"

    async def echo(request: web.Request) -> web.Response:
        sent = request.headers.get("Authorization", "")
        return web.json_response(
            {"error": {"message": f"bad token {sent}", "code": f"invalid {sent}"}}, status=401
        )

    app = web.Application()
    app.router.add_get("/v1/video/generations/{id}", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with VideoClient(
            f"http://127.0.0.1:{port}", secret, journal=False, output_dir=tmp_path
        ) as client:
            with pytest.raises(AuthenticationError) as info:
                await client.retrieve("task_1")
    finally:
        await runner.cleanup()
    assert secret not in str(info.value)
    assert secret not in repr(info.value)
    assert "***" in info.value.message
