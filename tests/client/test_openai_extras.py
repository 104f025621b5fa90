"""OpenAI-format extras (list, delete, remix) and the key staying out of logs and reprs."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from vidwidgets.client import JobStatus, NotFoundError, VideoAPIError, VideoClient
from vidwidgets.simulator import Simulator

from .conftest import request_for


async def test_list_returns_the_servers_videos(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("openai")
    client = make_client(sim)
    jobs = [await client.create(request_for("openai", prompt=f"fox {i}")) for i in range(3)]
    listed = await client.list(limit=10)
    assert {j.id for j in listed} == {j.id for j in jobs}
    assert all(j.api_format == "openai" for j in listed)


async def test_delete_removes_the_video(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("openai")
    client = make_client(sim)
    job = await client.generate(request_for("openai"))
    assert await client.delete(job) is True
    assert sim.tasks[job.id].deleted
    with pytest.raises(NotFoundError):
        await client.retrieve(job.id)


async def test_remix_starts_a_new_job_from_a_finished_one(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("openai")
    client = make_client(sim)
    job = await client.generate(request_for("openai"))
    remix = await client.remix(job, "the same fox, at night")
    assert remix.id != job.id
    assert sim.tasks[remix.id].remixed_from == job.id
    assert remix.request is not None
    assert remix.request.prompt == "the same fox, at night"
    done = await client.wait(remix)
    assert done.status is JobStatus.SUCCEEDED


async def test_openai_extras_on_a_gateway_without_them_say_so(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi")
    client = make_client(sim)
    with pytest.raises(VideoAPIError) as info:
        await client.list()
    assert info.value.status in (404, 405)


async def test_key_never_appears_in_logs_reprs_or_errors(
    make_sim: Any, caplog: pytest.LogCaptureFixture, tmp_path: Any
) -> None:
    secret = "sk-ZZZ-distinctive-key-987654321"
    sim: Simulator = await make_sim("newapi", api_key=secret, failure_rate=1.0)
    caplog.set_level(logging.DEBUG)
    async with VideoClient(
        sim.base_url, secret, journal=tmp_path / "j.jsonl", output_dir=tmp_path
    ) as client:
        with pytest.raises(VideoAPIError) as info:
            await client.generate(request_for("newapi"))
        assert secret not in str(info.value)
        assert secret not in repr(info.value)
        assert info.value.job is not None
        assert secret not in repr(info.value.job)
        assert secret not in repr(client)
        assert secret not in str(client.metrics.as_dict())
    assert secret not in caplog.text
    assert secret not in (tmp_path / "j.jsonl").read_text()
