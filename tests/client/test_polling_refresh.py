"""Polling a gateway that refreshes task state on a period: what the client reads, and when.

The new-api gateway copies task state from its providers every 15 s, in either API format;
a plugin gateway then holds a finished task at 99 % until billing settles. Pure schedule and
clock rules first, then the simulator's plugin gateway read in the OpenAI format.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from typing import Any

import pytest

from vidwidgets.client import VideoRequest
from vidwidgets.client._http import Response
from vidwidgets.client._metrics import Metrics
from vidwidgets.client._polling import (
    SETTLE_LAG_SHARE,
    SETTLING_PROGRESS,
    PollConfig,
    PollSchedule,
    RefreshClock,
)
from vidwidgets.client._watcher import Watcher, refresh_period_of
from vidwidgets.simulator import Simulator, Timing

from .conftest import status_reads

PERIOD = 15.0


def refreshing(prior_tick: float = 0.0) -> PollSchedule:
    """A schedule that knows the server refreshes every 15 s, on the tick at ``prior_tick``."""
    return PollSchedule(
        initial=1.0, min_interval=1.0, jitter=0.0, prior=(PERIOD, prior_tick), exact_period=True
    )


def test_the_version_header_tells_the_refresh_period_in_any_format() -> None:
    openai_shape = {"id": "video_1", "object": "video", "status": "unknown", "progress": 0}
    plugin = Response(200, openai_shape, {"X-New-Api-Version": "v0.12.0"}, 0.01)
    official = Response(200, openai_shape, {}, 0.01)
    assert refresh_period_of(plugin) == PERIOD
    assert refresh_period_of(official) is None


def test_a_progress_rate_end_is_read_at_the_first_refresh_that_can_show_it() -> None:
    schedule = refreshing()
    schedule.observe(45.5, ("p", 40), progress=40)
    schedule.observe(60.5, ("p", 55), progress=55)  # 1 %/s: the provider is done at 105.5
    eta = schedule.eta()
    assert eta == pytest.approx(105.5)
    read_at = 60.5 + schedule.next_delay(60.5)
    # not half-way (75 or 90: reads that can only say "running"), the refresh at 105
    # cannot show an end at 105.5 either: the one after it
    assert 120.0 <= read_at < 121.0


def test_the_99_percent_hold_is_read_within_the_lag_budget_not_at_the_next_refresh() -> None:
    schedule = refreshing()
    schedule.observe(45.5, ("p", 40), progress=40)
    schedule.observe(60.5, ("p", 70), progress=70)
    schedule.observe(75.5, ("p", SETTLING_PROGRESS), progress=SETTLING_PROGRESS)
    assert schedule.settling
    # done but for billing, which settles between refreshes: the next refresh (90) could be
    # most of a period late, so reads keep within the lag budget (a tenth of the elapsed time)
    delay = schedule.next_delay(75.5)
    assert delay == pytest.approx(SETTLE_LAG_SHARE * 0.1 * 75.5)
    assert 75.5 + delay < 90.0


def test_a_learned_settlement_time_puts_the_read_just_after_it() -> None:
    schedule = refreshing()
    schedule.observe(60.5, ("p", 70), progress=70)
    schedule.observe(75.5, ("p", SETTLING_PROGRESS), progress=SETTLING_PROGRESS)
    schedule.settle_window = (75.0, 75.2)  # the refresh that showed 99 %
    schedule.hold = (9.0, 10.0)  # other jobs settled 9-10 s after theirs
    read_at = 75.5 + schedule.next_delay(75.5)
    assert 85.2 <= read_at < 85.8  # once, when it must be over: not at 90, not before 84


def test_the_settlement_time_is_learned_from_jobs_pinned_to_one_refresh() -> None:
    watcher = Watcher(Metrics(), poll_config=PollConfig, time_scale=lambda: 1.0)
    watcher.learn_hold(3.0, 14.0)
    watcher.learn_hold(8.0, 20.0)
    assert watcher.hold == (8.0, 14.0)
    watcher.learn_hold(30.0, 40.0)  # contradicts both: the gateway settles differently now
    assert watcher.hold == (30.0, 40.0)


def test_a_task_still_in_its_initial_state_narrows_the_refresh_phase() -> None:
    clock = RefreshClock(PERIOD)
    clock.observe(20.0, 29.0)  # a change: a refresh in (20, 29]
    clock.exclude(49.0, 55.0)  # still as created: none in (49, 55), (19, 25) two periods back
    clock.exclude(72.0, 74.0)  # nor in (27, 29)
    assert clock.lo is not None
    assert clock.hi is not None
    assert (clock.lo % PERIOD, clock.hi - clock.lo) == (25.0 - PERIOD, 2.0)


def test_reads_that_see_no_change_narrow_the_phase_before_any_change_is_seen() -> None:
    clock = RefreshClock(PERIOD)
    assert clock.uncertainty is None
    clock.exclude(0.0, 6.0)  # three fresh jobs, each still as created at its first read
    clock.exclude(16.0, 24.0)  # (1, 9) a period back
    clock.exclude(40.0, 43.0)  # (10, 13)
    # left: [9, 10) and [13, 15): the narrowest window holding both is [9, 15)
    assert clock.uncertainty == pytest.approx(6.0)
    assert clock.hi is not None
    assert clock.hi % PERIOD == pytest.approx(0.0)
    clock.observe(38.0, 40.5)  # a change in (38, 40.5]: (8, 10.5) -> [9, 10)
    assert clock.uncertainty == pytest.approx(1.0)
    assert clock.lo is not None
    assert clock.lo % PERIOD == pytest.approx(9.0)


def test_a_stretch_inside_the_window_or_covering_it_changes_nothing() -> None:
    clock = RefreshClock(PERIOD, lo=20.0, hi=26.0)
    clock.exclude(22.0, 24.0)  # would split it
    clock.exclude(34.0, 42.0)  # (19, 27): contradicts it
    assert (clock.lo, clock.hi) == (20.0, 26.0)


def _ticks_between(a: float, b: float, origin: float, period: float) -> int:
    return math.floor((b - origin) / period) - math.floor((a - origin) / period)


async def test_the_plugin_gateway_is_read_once_per_refresh_until_billing_holds_the_job(
    make_sim: Any, make_client: Any
) -> None:
    # the OpenAI format has no envelope: the version header tells the 15 s loop (0.75 s here)
    sim: Simulator = await make_sim(
        "plugin", speed=20, timing=Timing(submit=1, queue=5, generate=40, jitter=0)
    )
    client = make_client(sim, api_format="openai")
    job = await client.create(VideoRequest(model="sora-2", prompt="a paper boat", seconds="4"))
    await client.wait(job)
    task = sim.tasks[job.id]
    reads = [t for t in status_reads(sim, job.id) if t >= task.created_at]
    assert len(reads) >= 2
    period, settling = task.refresh_period, task.settle_from
    assert period is not None
    assert settling is not None
    running = [t for t in reads if t < settling]
    # while the job runs, a read between the same two refreshes could only repeat the last
    assert all(
        _ticks_between(a, b, task.refresh_origin, period) >= 1
        for a, b in itertools.pairwise(running)
    )
    # once the row shows 99 %, billing settles between refreshes: the end is read within the
    # lag budget (a tenth of the job's time), not a refresh later
    job_time = task.finished_at - task.created_at
    assert 0 <= reads[-1] - task.finished_at <= 0.1 * job_time


async def test_the_settlement_time_learned_from_one_batch_reads_the_next_ends_at_once(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim(
        "plugin", speed=20, timing=Timing(submit=1, queue=5, generate=40, jitter=0.3)
    )
    client = make_client(sim, api_format="openai")
    request = VideoRequest(model="sora-2", prompt="a paper boat", seconds="4")

    async def batch(n: int) -> list[Any]:
        jobs = [await client.create(request) for _ in range(n)]
        await asyncio.gather(*(client.wait(job) for job in jobs))
        return jobs

    def settling_reads(jobs: list[Any]) -> float:
        """Reads per job from the refresh that showed 99 % to the end (the end's included)."""
        counts = []
        for job in jobs:
            task = sim.tasks[job.id]
            reads = status_reads(sim, job.id)
            settle_from = task.settle_from or 0.0
            counts.append(sum(1 for t in reads if t >= settle_from))
            if any(settle_from <= t < task.finished_at for t in reads):
                # seen held at 99 %: its end is read within the lag budget
                assert reads[-1] - task.finished_at <= 0.1 * (task.finished_at - task.created_at)
        return sum(counts) / len(counts)

    first = await batch(6)
    hold = client._watcher.hold
    true_hold = 10.0 / 20  # the simulator's settle_hold, in wall seconds
    assert hold is not None
    assert hold[0] <= true_hold + 0.05
    assert hold[1] >= true_hold - 0.05
    later = await batch(6)
    assert settling_reads(later) <= settling_reads(first)


def test_refreshes_are_skipped_only_while_an_end_there_stays_within_the_lag_budget() -> None:
    def next_read(elapsed: float) -> float:
        # refreshes at 0, 15, 30 ...; this read landed 2.5 s after one, past the earliest end
        schedule = PollSchedule(
            min_interval=1.0, jitter=0.0, prior=(PERIOD, 0.0), exact_period=True, earliest=60.0
        )
        schedule.observe(elapsed, ("running", 30), progress=30)
        return elapsed + schedule.next_delay(elapsed)

    # at 2.5 min an end at the next refresh (180 s), read a refresh later, would be 17.5 s late:
    # over 75 % of a tenth of the job, so that refresh is read
    assert 180.0 <= next_read(167.5) < 181.0
    # from about 4 min a refresh's lag is within the budget: one is skipped (an end at 270 s
    # seen at 287.5 s is 6.5 % late), not only once a tenth of the time is two refreshes
    assert 285.0 <= next_read(257.5) < 286.0
    assert 330.0 <= next_read(302.5) < 331.0
