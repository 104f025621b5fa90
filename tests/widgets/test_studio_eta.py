"""The Studio's first run on the embedded simulator gives a sensible ETA.

The embedded simulator is the plugin gateway with the vendors' own timing; a fresh client knows
only the catalog's priors for the model. Its first estimate must be of the job's real length,
and the countdown must not run out ("taking longer than estimated") while the job is on time.
Run here at a higher speed than the embedded default (the same timing, scaled).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vidwidgets.apps import Studio
from vidwidgets.client import JobStatus, VideoClient
from vidwidgets.simulator import Simulator

SPEED = 40.0


@pytest.fixture
async def embedded_like(tmp_path: Path) -> AsyncIterator[tuple[Simulator, VideoClient]]:
    # the embedded simulator's dialect and timing (only the speed and video size differ)
    async with (
        Simulator(dialect="plugin", speed=SPEED, video_scale=0.1, fps=2) as sim,
        VideoClient(
            base_url=sim.base_url,
            api_key=sim.api_key,
            output_dir=tmp_path / "videos",
            time_scale=1 / SPEED,
            journal=False,
        ) as client,
    ):
        yield sim, client


async def test_a_first_kling_run_gets_an_eta_of_its_real_length_that_never_runs_out_early(
    embedded_like: tuple[Simulator, VideoClient],
) -> None:
    sim, client = embedded_like
    studio = Studio(client, model="kling-v1", prompt="a red fox running through snow")
    task = studio.generate()
    progress = studio.progress
    assert progress is not None
    shown: list[tuple[float, float | None, str]] = []  # (elapsed, eta, state) at each flush
    started = time.monotonic()
    loop = asyncio.get_running_loop()

    def flushed(_change: object) -> None:
        # "elapsed" is set in the middle of a flush: read the rest once the flush is over
        at = time.monotonic() - started
        loop.call_soon(lambda: shown.append((at, progress.eta, progress.state)))

    progress.observe(flushed, "elapsed")
    job = await asyncio.wait_for(task, 60)
    record = sim.tasks[job.id]
    length = record.finished_at - record.created_at
    running_states = {s.value for s in JobStatus.RUNNING}
    running = [(at, eta) for at, eta, state in shown if state in running_states]
    estimates = [(at, eta) for at, eta in running if eta is not None]
    assert estimates, "the first run shows an estimate"
    first_end = estimates[0][0] + estimates[0][1]
    assert 0.5 * length <= first_end <= 2.0 * length
    # each estimate still ahead outlasts the wait for the next update (the widget sends at
    # most every min_interval): the countdown never reaches zero while the job is on time
    for (at, eta), (next_at, _) in itertools.pairwise(estimates):
        if eta > 0:
            assert at + eta >= next_at - progress.min_interval
