"""Polling a gateway that refreshes task state on a period: what the client reads, and when.

The new-api gateway copies task state from its providers every 15 s, in either API format;
a plugin gateway then holds a finished task at 99 % until billing settles. Pure schedule and
clock rules first, then the simulator's plugin gateway read in the OpenAI format.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from vidwidgets.client import VideoRequest
from vidwidgets.client._http import Response
from vidwidgets.client._polling import SETTLING_PROGRESS, PollSchedule, RefreshClock
from vidwidgets.client._watcher import refresh_period_of
from vidwidgets.simulator import Simulator, Timing

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


def test_the_99_percent_hold_is_read_at_the_next_refresh() -> None:
    schedule = refreshing()
    schedule.observe(45.5, ("p", 40), progress=40)
    schedule.observe(60.5, ("p", 70), progress=70)
    schedule.observe(75.5, ("p", SETTLING_PROGRESS), progress=SETTLING_PROGRESS)
    assert schedule.settling
    # done but for billing: any refresh may bring the end, so the next one is read
    assert 90.0 <= 75.5 + schedule.next_delay(75.5) < 91.0


def test_a_task_still_in_its_initial_state_narrows_the_refresh_phase() -> None:
    clock = RefreshClock(PERIOD)
    clock.observe(20.0, 29.0)  # a change: a refresh in (20, 29]
    clock.exclude(49.0, 55.0)  # still as created: none in (49, 55), (19, 25) two periods back
    clock.exclude(72.0, 74.0)  # nor in (27, 29)
    assert (clock.lo, clock.hi) == (25.0, 27.0)


def test_a_stretch_inside_the_window_or_covering_it_changes_nothing() -> None:
    clock = RefreshClock(PERIOD, lo=20.0, hi=26.0)
    clock.exclude(22.0, 24.0)  # would split it
    clock.exclude(34.0, 42.0)  # (19, 27): contradicts it
    assert (clock.lo, clock.hi) == (20.0, 26.0)


def _ticks_between(a: float, b: float, origin: float, period: float) -> int:
    return math.floor((b - origin) / period) - math.floor((a - origin) / period)


async def test_the_plugin_gateway_in_the_openai_format_is_read_once_per_refresh_at_most(
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
    reads = [r.wall for r in sim.requests if r.method == "GET" and r.task_id == job.id]
    reads = [t for t in reads if t >= task.created_at]
    assert len(reads) >= 2
    period = task.refresh_period
    assert period is not None
    assert all(
        _ticks_between(a, b, task.refresh_origin, period) >= 1 for a, b in itertools.pairwise(reads)
    )
    assert min(b - a for a, b in itertools.pairwise(reads)) >= 0.8 * period
