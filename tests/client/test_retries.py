"""Retries: status reads ride out transient faults; a create is never sent twice unless safe."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

from vidwidgets.client import JobStatus, VideoAPIError, VideoClient
from vidwidgets.simulator import Fault, Faults, Simulator

from .conftest import request_for

CREATE = "POST /v1/video/generations"
READ = "GET /v1/video/generations/*"


def _posts(sim: Simulator) -> int:
    return sum(1 for r in sim.requests if r.method == "POST")


@pytest.mark.parametrize(
    "fault",
    [
        Fault.http(500, CREATE, nth=(1,)),
        Fault.http(502, CREATE, nth=(1,)),
        Fault.reset(CREATE, nth=(1,)),
        Fault.truncated(CREATE, nth=(1,), keep=8),
    ],
    ids=["500", "502", "reset", "truncated"],
)
async def test_create_is_not_resent_when_the_server_may_have_acted(
    fault: Fault, make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi", faults=Faults(fault))
    client = make_client(sim)
    with pytest.raises(VideoAPIError):
        await client.create(request_for("newapi"))
    assert _posts(sim) == 1
    assert sim.create_count <= 1


async def test_a_create_answer_cut_short_after_the_id_keeps_the_paid_task(
    make_sim: Any, make_client: Any
) -> None:
    # The simulator's malformed answer is the first half of the real one: the id is in it.
    sim: Simulator = await make_sim("newapi", faults=Faults(Fault.malformed_json(CREATE, nth=(1,))))
    client = make_client(sim)
    job = await client.create(request_for("newapi"))
    assert job.id in sim.tasks
    assert _posts(sim) == 1
    assert (await client.wait(job)).status is JobStatus.SUCCEEDED


def test_salvage_takes_only_a_whole_id() -> None:
    from vidwidgets.client._http import salvage_task_id

    assert salvage_task_id(b'{"code":"success","data":{"task_id":"task_9","status":"NO') == "task_9"
    assert salvage_task_id(b'{"id":"task_ab') is None
    assert salvage_task_id(b'{"id":"../../etc/passwd","object"') is None
    assert salvage_task_id(b"<html>502 Bad Gateway</html>") is None


@pytest.mark.parametrize(
    "fault",
    [
        Fault.http(503, CREATE, nth=(1, 2)),
        Fault.rate_limited(CREATE, nth=(1, 2), retry_after=0.01),
        Fault.saturated(CREATE, nth=(1,)),
    ],
    ids=["503", "429", "saturated"],
)
async def test_create_is_retried_when_the_server_cannot_have_acted(
    fault: Fault, make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi", faults=Faults(fault))
    job = await make_client(sim).create(request_for("newapi"))
    assert job.id in sim.tasks
    assert sim.create_count == 1
    assert _posts(sim) == len(fault.nth) + 1


async def test_create_is_retried_after_a_refused_connection(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sim = Simulator(dialect="newapi", speed=200, port=port, video_scale=0.25)
    async with VideoClient(
        f"http://127.0.0.1:{port}", sim.api_key, journal=False, output_dir=tmp_path, max_retries=6
    ) as client:
        creating = asyncio.ensure_future(client.create(request_for("newapi")))
        await asyncio.sleep(0.3)  # the first attempts find nobody listening
        async with sim:
            job = await creating
            assert sim.create_count == 1
            assert job.id in sim.tasks


async def test_status_reads_are_retried_honouring_retry_after(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim(
        "newapi", faults=Faults(Fault.rate_limited(READ, nth=(1,), retry_after=0.4))
    )
    client = make_client(sim)
    job = await client.create(request_for("newapi"))
    await client.retrieve(job)
    reads = [r for r in sim.requests if r.method == "GET"]
    assert [r.status for r in reads] == [429, 200]
    assert reads[1].time - reads[0].time >= 0.4  # the server's wait, not our (scaled) backoff
    assert client.metrics.retries == 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault.http(500, READ, nth=(1, 2)),
        Fault.http(502, READ, nth=(1,)),
        Fault.reset(READ, nth=(1,)),
        Fault.malformed_json(READ, nth=(1,)),
    ],
    ids=["500", "502", "reset", "malformed"],
)
async def test_status_reads_survive_transient_faults(
    fault: Fault, make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi", faults=Faults(fault))
    client = make_client(sim)
    job = await client.generate(request_for("newapi"))
    assert job.status is JobStatus.SUCCEEDED
    assert sim.create_count == 1


async def test_fault_soak_loses_nothing_and_never_double_creates(
    make_sim: Any, make_client: Any, tmp_path: Path
) -> None:
    faults = Faults(
        Fault.http(500, "*", rate=0.08),
        Fault.rate_limited("*", rate=0.08, retry_after=0.01),
        Fault.reset("*", rate=0.05),
        Fault.malformed_json("GET /v1/*", rate=0.05),
        Fault.truncated("GET /cdn/*", rate=0.1),
        seed=7,
    )
    sim: Simulator = await make_sim("newapi", faults=faults, failure_rate=0.1, cdn_host="localhost")
    client = make_client(sim, max_concurrency=8)
    requests = [request_for("newapi", prompt=f"fox number {i}") for i in range(16)]
    ended: list[tuple[str, str]] = []
    errors: list[VideoAPIError] = []

    async def one(request: Any) -> None:
        try:
            job = await client.generate(request)
            ended.append((job.id, job.status.value))
        except VideoAPIError as exc:  # a clear, typed reason
            errors.append(exc)

    await asyncio.wait_for(asyncio.gather(*(one(r) for r in requests)), 60)
    assert len(ended) + len(errors) == len(requests)
    posts = [r for r in sim.requests if r.method == "POST"]
    created = [r for r in posts if r.status == 200]
    assert sim.create_count == len({r.task_id for r in created if r.task_id}) <= len(requests)
    for _, status in ended:
        assert status == "succeeded"
    leftovers = (
        [p for p in (tmp_path / "videos").glob("*") if p.suffix != ".mp4"]
        if (tmp_path / "videos").exists()
        else []
    )
    assert leftovers == []
    print(
        f"soak: jobs={len(requests)} faults={sum(1 for r in sim.requests if r.fault)} "
        f"succeeded={len(ended)} failed={len(errors)} creates={sim.create_count}"
    )
