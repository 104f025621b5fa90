"""Waiting: poll hints, the gateway's refresh cadence, deadlines, cancellation, many jobs."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest

from vidwidgets.client import JobCancelled, JobStatus, PollTimeout, VideoJob, VideoRequest
from vidwidgets.simulator import Simulator, Timing

from .conftest import request_for


def _reads(sim: Simulator, job: VideoJob) -> list[float]:
    return [
        r.time
        for r in sim.requests
        if r.method == "GET" and r.task_id == job.id and "/content" not in r.path
    ]


async def test_poll_hint_is_honoured(make_sim: Any, make_client: Any) -> None:
    # openai dialect at speed 20 sends openai-poll-after-ms: 50; our own schedule is scaled
    # down to almost nothing, so only the hint keeps reads apart
    sim: Simulator = await make_sim(
        "openai", speed=20, timing=Timing(submit=0.2, queue=1, generate=6, jitter=0)
    )
    client = make_client(sim, time_scale=0.0001)
    job = await client.create(request_for("openai"))
    await client.wait(job, timeout=30)
    reads = _reads(sim, job)
    gaps = [b - a for a, b in itertools.pairwise(reads)]
    assert len(reads) >= 3
    assert min(gaps) >= 0.045


async def test_newapi_is_not_polled_faster_than_its_refresh_period(
    make_sim: Any, make_client: Any
) -> None:
    # refresh every 15 model s = 0.75 s wall at speed 20; the job takes ~3 s
    sim: Simulator = await make_sim(
        "newapi", speed=20, timing=Timing(submit=1, queue=5, generate=50, jitter=0)
    )
    client = make_client(sim)
    job = await client.create(request_for("newapi"))
    created = time.monotonic()
    await client.wait(job)
    detected = time.time()
    period = 15 / 20
    reads = _reads(sim, job)
    late = [t for t in reads if t - created > 3 * period]
    gaps = [b - a for a, b in itertools.pairwise(late)]
    assert gaps
    assert min(gaps) >= 0.8 * period
    task = sim.tasks[job.id]
    job_time = task.finished_at - task.created_at
    assert detected - task.finished_at <= 0.35 * job_time  # and still close to the finish


async def test_deadline_raises_poll_timeout_carrying_a_resumable_job(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim(
        "newapi", speed=20, timing=Timing(submit=1, queue=2, generate=30, jitter=0)
    )
    client = make_client(sim)
    job = await client.create(request_for("newapi"))
    with pytest.raises(PollTimeout) as info:
        await client.wait(job, timeout=0.1)
    assert info.value.job is job
    assert not job.is_terminal
    assert "wait" in info.value.hint
    resumed = await client.wait(VideoJob(id=job.id))  # by id alone, as after a lost kernel
    assert resumed.status is JobStatus.SUCCEEDED


def test_default_deadline_is_max_600_or_30_times_the_duration() -> None:
    from vidwidgets.client import VideoClient

    client = VideoClient("http://127.0.0.1:9", "k", journal=False, time_scale=1.0)
    kling = VideoJob(id="a", request=VideoRequest(model="kling-v1", prompt="x", duration=10))
    long = VideoJob(id="b", request=VideoRequest(model="some-new-model", prompt="x", duration=60))
    assert client.default_deadline(kling) == 600
    assert client.default_deadline(long) == 1800


@pytest.mark.parametrize(("dialect", "sends_delete"), [("openai", True), ("newapi", False)])
async def test_cancel_stops_polling_at_once_and_deletes_where_supported(
    dialect: str, sends_delete: bool, make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim(dialect, speed=5)
    client = make_client(sim, time_scale=1 / 200)
    job = await client.create(request_for(dialect))
    waiting = asyncio.ensure_future(client.wait(job))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await client.cancel(job)
    with pytest.raises(JobCancelled) as info:
        await waiting
    assert time.monotonic() - started < 0.5
    assert info.value.job is job
    assert job.status is JobStatus.CANCELLED
    reads_at_cancel = len(_reads(sim, job))
    await asyncio.sleep(0.2)
    assert len(_reads(sim, job)) == reads_at_cancel
    deletes = [r for r in sim.requests if r.method == "DELETE"]
    assert bool(deletes) is sends_delete


async def test_cancelling_the_awaiting_task_stops_polling(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi", speed=5)
    client = make_client(sim, time_scale=1 / 200)
    job = await client.create(request_for("newapi"))
    waiting = asyncio.ensure_future(client.wait(job))
    await asyncio.sleep(0.2)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    count = len(_reads(sim, job))
    await asyncio.sleep(0.3)
    assert len(_reads(sim, job)) == count


async def test_on_update_sees_each_change_sync_or_async(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("openai")
    client = make_client(sim)
    seen: list[tuple[str, int | None]] = []
    async_seen: list[str] = []

    async def async_callback(job: VideoJob) -> None:
        async_seen.append(job.status.value)

    job = await client.create(request_for("openai"))
    await client.wait(job, on_update=lambda j: seen.append((j.status.value, j.progress)))
    assert seen[-1] == ("succeeded", 100)
    assert len(set(seen)) == len(seen)  # called on changes only
    job2 = await client.create(request_for("openai"))
    await client.wait(job2, on_update=async_callback)
    assert async_seen[-1] == "succeeded"


async def test_as_completed_yields_jobs_as_they_finish(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim(
        "newapi",
        failure_rate=0.0,
        timing={
            "kling-v1": Timing(submit=1, queue=1, generate=10, jitter=0),
            "viduq1": Timing(submit=1, queue=1, generate=150, jitter=0),
        },
    )
    client = make_client(sim)
    slow = await client.create(VideoRequest(model="viduq1", prompt="slow"))
    fast = await client.create(VideoRequest(model="kling-v1", prompt="fast"))
    order = [job.id async for job in client.as_completed([slow, fast])]
    assert order == [fast.id, slow.id]


async def test_as_completed_yields_failed_jobs_too(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi", failure_rate=1.0)
    client = make_client(sim)
    jobs = [await client.create(request_for("newapi")) for _ in range(2)]
    statuses = [job.status async for job in client.as_completed(jobs)]
    assert statuses == [JobStatus.FAILED, JobStatus.FAILED]


async def test_at_most_max_concurrency_jobs_in_flight(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi", max_in_flight=2)
    client = make_client(sim, max_concurrency=2)
    results = [
        job
        async for job in client.as_completed(
            [request_for("newapi", prompt=f"fox {i}") for i in range(5)]
        )
    ]
    assert all(job.status is JobStatus.SUCCEEDED for job in results)
    assert sim.create_count == 5
    assert not [r for r in sim.requests if r.status == 429]  # never over the server's limit


async def test_a_hanging_status_read_ends_at_the_deadline(make_sim: Any, make_client: Any) -> None:
    from vidwidgets.simulator import Fault, Faults

    sim: Simulator = await make_sim("newapi", faults=Faults(Fault.hang("GET *", rate=1.0)))
    client = make_client(sim)
    job = await client.create(request_for("newapi"))
    started = time.monotonic()
    with pytest.raises(PollTimeout) as info:
        await client.wait(job, timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert info.value.job is job
