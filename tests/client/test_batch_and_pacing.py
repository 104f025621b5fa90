"""Batches against a saturated gateway, per-job errors in ``as_completed``, and reads paced by
the gateway's refresh loop and by the durations this client has learned (issue 7)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from vidwidgets.client import NotFoundError, PollTimeout, VideoAPIError, VideoJob
from vidwidgets.client._polling import PollSchedule, RefreshClock
from vidwidgets.simulator import Fault, Faults, Simulator, Timing

from .conftest import request_for, status_reads

#: newapi at speed 200: the gateway refreshes every 75 ms; a job takes ~8 refreshes
SPEED = 200.0
TIMING = Timing(submit=1, queue=20, generate=90, jitter=0.2, per_second=False)


async def test_saturated_gateway_finishes_every_job_without_spinning_on_429(
    make_sim: Any, make_client: Any
) -> None:
    # 8 server slots, a client allowed 16: creates over the limit meet 429 "upstream saturated"
    sim: Simulator = await make_sim(
        "newapi",
        speed=SPEED,
        max_in_flight=8,
        failure_rate=0.0,
        timing=Timing(submit=1, queue=5, generate=40, jitter=0.2, per_second=False),
    )
    client = make_client(sim, max_concurrency=16)
    n = 40
    requests = [request_for("newapi", prompt=f"fox {i}") for i in range(n)]
    results = [item async for item in client.as_completed(requests, return_exceptions=True)]
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert sim.create_count == n  # every job created once
    rejected = sum(1 for r in sim.requests if r.status == 429)
    # the first burst (16 - 8) plus about one probe per 2 × 8 accepted creates: bounded, not
    # one 429 per retry per waiting job
    assert rejected <= 8 + n // 8 + 4, rejected


async def test_a_saturated_create_waits_for_a_slot_within_its_deadline(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi", speed=SPEED, max_in_flight=1, failure_rate=0.0)
    client = make_client(sim, max_concurrency=4)
    first = await client.create(request_for("newapi", prompt="one"))
    # the slot frees only when `first` ends (~0.5 s here), long after 8 quick retries would
    # have given up; the second create is sent again once the client sees `first` end
    waiting = asyncio.ensure_future(client.create(request_for("newapi", prompt="two")))
    await client.wait(first)
    second = await asyncio.wait_for(waiting, 10)
    assert isinstance(second, VideoJob)
    assert sim.create_count == 2
    # and a create whose deadline passes first says so
    with pytest.raises(VideoAPIError) as info:
        await client.create(request_for("newapi", prompt="three"), timeout=0.05)
    assert info.value.status == 429


async def test_learned_duration_is_the_clients_own_clock(make_sim: Any, make_client: Any) -> None:
    # new-api's finish_time is whole Unix seconds on the server's clock: at 200x a job takes
    # well under a second, so a duration taken from it is meaningless
    sim: Simulator = await make_sim("newapi", speed=SPEED, failure_rate=0.0, timing=TIMING)
    client = make_client(sim)
    jobs = await asyncio.gather(*(client.create(request_for("newapi")) for _ in range(3)))
    await asyncio.gather(*(client.wait(job) for job in jobs))
    learned = client.metrics.generation_time["kling-v1"]
    assert learned["count"] == 3
    truth = sorted(sim.tasks[j.id].finished_at - sim.tasks[j.id].created_at for j in jobs)
    period = 15 / SPEED
    # create sent -> end first seen: the true time plus at most about one refresh of lag
    assert truth[0] - 0.02 <= learned["p50"] <= truth[-1] + period + 0.05


async def test_as_completed_can_yield_per_job_errors_and_go_on(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi", failure_rate=0.0)
    client = make_client(sim)
    good = await client.create(request_for("newapi"))
    items: list[VideoJob | str] = [good, "task_doesnotexist"]
    with pytest.raises(NotFoundError):  # the default: one error stops the batch
        _ = [j async for j in client.as_completed(items)]
    good2 = await client.create(request_for("newapi"))
    got = [
        j async for j in client.as_completed([good2, "task_doesnotexist"], return_exceptions=True)
    ]
    assert len(got) == 2
    assert any(isinstance(j, NotFoundError) for j in got)
    assert any(isinstance(j, VideoJob) and j.id == good2.id for j in got)


async def test_as_completed_yields_a_poll_timeout_with_its_job(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi", faults=Faults(Fault.hang("GET *", rate=1.0)))
    client = make_client(sim)
    job = await client.create(request_for("newapi"))
    got = [j async for j in client.as_completed([job], timeout=0.3, return_exceptions=True)]
    assert len(got) == 1
    assert isinstance(got[0], PollTimeout)
    assert got[0].job is job


async def test_reads_land_just_after_refreshes_and_skip_early_ones_once_durations_are_known(
    make_sim: Any, make_client: Any
) -> None:
    # slower than the rest of this file: a refresh period of 0.3 s, so a few ms of scheduling
    # delay on a loaded machine cannot push a read across a refresh boundary
    speed = 50.0
    sim: Simulator = await make_sim("newapi", speed=speed, failure_rate=0.0, timing=TIMING)
    client = make_client(sim)
    period = 15 / speed
    warm = await asyncio.gather(*(client.create(request_for("newapi")) for _ in range(4)))
    await asyncio.gather(*(client.wait(job) for job in warm))
    cold_reads = sum(len(status_reads(sim, j.id)) for j in warm) / len(warm)
    later = await asyncio.gather(*(client.create(request_for("newapi")) for _ in range(4)))
    await asyncio.gather(*(client.wait(job) for job in later))
    for job in later:
        task = sim.tasks[job.id]
        reads = status_reads(sim, job.id)
        # no two reads within one refresh: each could only repeat the other
        ticks = [int((t - task.refresh_origin) // period) for t in reads]
        assert len(set(ticks)) == len(ticks), ticks
        # the end is read at the refresh that showed it or the next one
        assert reads[-1] - task.finished_at <= 2.0 * period
    warm_reads = sum(len(status_reads(sim, j.id)) for j in later) / len(later)
    assert warm_reads < cold_reads, (warm_reads, cold_reads)


def test_refresh_clock_folds_windows_from_many_reads() -> None:
    clock = RefreshClock(15.0)
    true_phase = 4.0
    # windows of different widths, all containing a refresh at 4 + 15k
    for after, at in [(0.0, 10.0), (17.0, 25.0), (33.0, 34.5), (48.9, 52.0), (62.0, 64.2)]:
        clock.observe(after, at)
    assert clock.tick is not None
    assert clock.uncertainty is not None
    assert clock.uncertainty <= 1.0
    assert (clock.tick - true_phase) % 15.0 <= 1.0


def test_a_prior_of_learned_durations_skips_refreshes_early_then_reads_each_one() -> None:
    # refresh every 15 s at 0, 15, 30 ...; this model's jobs never ended before 90 s here
    schedule = PollSchedule(
        initial=3.0,
        min_interval=1.5,
        jitter=0.0,
        prior=(15.0, 0.0),
        exact_period=True,
        earliest=90.0,
    )
    now, reads = 0.0, []
    while now < 135:
        schedule.observe(now, "running")
        now += schedule.next_delay(now)
        reads.append(now)
    # straight to the refresh before the earliest learned end (a learned duration is whole
    # refreshes counted from another job's phase: one refresh of margin)
    assert reads[0] == pytest.approx(75.0, abs=1.0)
    assert [round(b - a) for a, b in itertools.pairwise(reads)][:2] == [15, 15]


def test_a_known_refresh_period_is_not_replaced_by_a_guess_from_sparse_reads() -> None:
    schedule = PollSchedule(jitter=0.0, prior=(15.0, 0.0), exact_period=True)
    # two changes seen 60 s apart (reads were sparse): the period stays 15 s
    for t, key in [(1.0, "a"), (16.0, "b"), (40.0, "b"), (76.0, "c")]:
        schedule.observe(t, key)
    assert schedule.cadence == 15.0


def test_a_job_that_has_not_started_is_read_less_often_than_a_running_one() -> None:
    queued, running = PollSchedule(jitter=0.0), PollSchedule(jitter=0.0)
    for t in (1.0, 10.0):
        queued.observe(t, "q", progress=0, queued=True)
        running.observe(t, "r", progress=0)
    assert queued.next_delay(10.0) > running.next_delay(10.0)


def test_past_the_earliest_learned_end_reads_keep_the_lag_within_budget() -> None:
    # no refresh loop (openai): first read straight at the earliest learned end, then at most
    # lag_fraction of the elapsed time apart until the job's own progress rate is known
    schedule = PollSchedule(jitter=0.0, min_interval=0.5, expected=108.0, earliest=78.0)
    assert schedule.next_delay(0.0) == pytest.approx(78.0)
    schedule.observe(78.0, ("in_progress", 55), progress=55)
    assert schedule.next_delay(78.0) <= 0.1 * 78.0 + 1e-9


def test_refresh_clock_names_the_middle_of_its_window_for_a_first_read() -> None:
    clock = RefreshClock(15.0)
    assert clock.next_middle(0.0) is None
    clock.observe(20.0, 26.0)  # a refresh in (20, 26]: middle 23, then 38, 53 ...
    assert clock.next_middle(24.0) == pytest.approx(38.0)
    assert clock.next_middle(10.0) == pytest.approx(23.0)
