"""A cold client polls by the catalog's priors until it has measured the model itself.

Each catalog model carries ``min_seconds`` (a lower bound of one generation) and
``typical_seconds``, in real vendor seconds; the client scales them by its ``time_scale`` like
every interval, skips the reads before the lower bound and gives the typical value as the first
ETA. What it measures replaces them.
"""

from __future__ import annotations

from typing import Any

from vidwidgets.client import VideoClient, VideoRequest, get_model_spec
from vidwidgets.client._metrics import Metrics
from vidwidgets.client._polling import PollConfig
from vidwidgets.client._watcher import EARLIEST_MARGIN, EARLIEST_QUANTILE, expected_times
from vidwidgets.simulator import Simulator, Timing

from .conftest import status_reads

SPEED = 100.0
SORA = get_model_spec("sora-2")


def sora(**fields: Any) -> VideoRequest:
    return VideoRequest(model="sora-2", prompt="a paper boat on a pond", **fields)


async def openai_sim(make_sim: Any, generate: float) -> Simulator:
    sim: Simulator = await make_sim(
        "openai",
        speed=SPEED,
        timing=Timing(submit=0.5, queue=1.0, generate=generate, jitter=0.0),
    )
    return sim


async def test_a_cold_clients_first_read_waits_for_the_priors_lower_bound(
    make_sim: Any, make_client: Any
) -> None:
    assert SORA.min_seconds is not None
    sim = await openai_sim(make_sim, generate=60.0)
    client: VideoClient = make_client(sim)
    job = await client.create(sora())
    await client.wait(job)
    first = status_reads(sim, job.id)[0]
    # from the create's arrival: the client counts from its send, a few ms before
    assert first - sim.tasks[job.id].created_at >= SORA.min_seconds / SPEED - 0.02


async def test_the_first_eta_is_the_priors_typical_value(make_sim: Any, make_client: Any) -> None:
    assert SORA.typical_seconds is not None
    sim = await openai_sim(make_sim, generate=60.0)
    client: VideoClient = make_client(sim)
    expected: list[float | None] = []
    job = await client.create(sora())
    await client.wait(job, on_update=lambda j: expected.append(j.expected_seconds))
    assert expected[0] == SORA.typical_seconds / SPEED


async def test_what_the_client_measured_takes_over_from_the_priors(
    make_sim: Any, make_client: Any
) -> None:
    # these jobs take ~14 model seconds, well under the prior's 30: once one finished, the
    # next is read before the prior's lower bound and its ETA is what was measured
    sim = await openai_sim(make_sim, generate=12.0)
    client: VideoClient = make_client(sim)
    first = await client.generate(sora(), path=None)
    measured = client.metrics.generation_time["sora-2"]["p50"]
    assert measured is not None
    assert first.expected_seconds is not None
    expected: list[float | None] = []
    second = await client.create(sora())
    await client.wait(second, on_update=lambda j: expected.append(j.expected_seconds))
    reads = status_reads(sim, second.id)
    assert reads[0] - sim.tasks[second.id].created_at < (SORA.min_seconds or 0) / SPEED
    assert expected[0] == round(measured, 3)


def test_a_model_without_a_prior_polls_as_before() -> None:
    metrics = Metrics()
    request = VideoRequest(model="my-new-model", prompt="a fox")
    assert expected_times(metrics, request, 0.01) == (None, None)
    schedule = PollConfig(jitter=0.0).schedule(expected=None, earliest=None)
    schedule.observe(0.0, ("queued", 0, False))
    assert schedule.next_delay(0.0) == PollConfig().initial
    for seconds in (40.0, 50.0, 60.0):
        metrics.record_job("my-new-model", succeeded=True, seconds=seconds)
    learned_floor = metrics.generation_quantile("my-new-model", EARLIEST_QUANTILE)
    assert learned_floor is not None
    assert expected_times(metrics, request, 0.01) == (
        metrics.typical_generation_time("my-new-model"),
        learned_floor * EARLIEST_MARGIN,
    )


def test_priors_are_scaled_like_every_interval() -> None:
    expected, earliest = expected_times(Metrics(), sora(), 0.25)
    assert expected == (SORA.typical_seconds or 0) * 0.25
    assert earliest == (SORA.min_seconds or 0) * 0.25


def test_a_shorter_clip_than_the_default_lowers_the_priors_in_proportion() -> None:
    kling = get_model_spec("kling-v1")
    assert kling.default_duration == 5
    full = expected_times(Metrics(), VideoRequest(model="kling-v1", prompt="a", duration=5), 1)
    long = expected_times(Metrics(), VideoRequest(model="kling-v1", prompt="a", duration=10), 1)
    assert full == long == (kling.typical_seconds, kling.min_seconds)
    seedance = get_model_spec("doubao-seedance-1-5-pro-251215")
    short = VideoRequest(model=seedance.name, prompt="a", seconds="2")
    assert expected_times(Metrics(), short, 1)[1] == (seedance.min_seconds or 0) * 2 / 5


def test_a_job_seen_finishing_sooner_lowers_the_lower_bound() -> None:
    metrics = Metrics()
    metrics.record_job("sora-2", succeeded=True, seconds=12.0)
    assert expected_times(metrics, sora(), 1.0) == (12.0, 12.0)
