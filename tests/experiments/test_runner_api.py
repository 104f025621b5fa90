"""The runner's public control API, driven directly against the simulator on loopback:
``is_running``, ``resume``, ``cancel``, ``retry`` and ``stop`` — what the Comparison grid uses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.experiments.conftest import API_KEY, FAST, make_client
from vidwidgets.client import VideoClient, VideoRequest
from vidwidgets.experiments import CellRun, Experiment, ExperimentRunner, ExperimentStore
from vidwidgets.simulator import Simulator, Timing

#: slow enough that a cell is still generating when the test acts on it
SLOW = {**FAST, "speed": 40.0, "timing": Timing(queue=10, generate=60, jitter=0)}


def req(prompt: str, seed: int | None = 1) -> VideoRequest:
    return VideoRequest(model="viduq1", prompt=prompt, seed=seed)


@pytest.fixture
async def slow_sim() -> AsyncIterator[Simulator]:
    async with Simulator(dialect="newapi", api_key=API_KEY, **SLOW) as simulator:  # type: ignore[arg-type]
        yield simulator


@pytest.fixture
async def slow_client(slow_sim: Simulator) -> AsyncIterator[VideoClient]:
    async with make_client(slow_sim) as c:
        yield c


@pytest.fixture
def fox(tmp_path: Path) -> Experiment:
    return ExperimentStore(tmp_path).experiment("fox")


async def created(run: CellRun) -> None:
    """Until the cell's task exists on the server."""
    for _ in range(1000):
        if run.job is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{run!r} was never created")


async def test_a_submitted_cell_is_running_until_it_finishes(
    client: VideoClient, exp: Experiment
) -> None:
    runner = ExperimentRunner(client, exp)
    [run] = runner.submit([req("a red fox")])
    assert runner.is_running(run.key)
    assert run.running
    await runner.wait()
    assert not runner.is_running(run.key)
    assert not run.running
    assert run.status == "succeeded"


async def test_a_key_the_runner_never_saw_is_not_running(
    client: VideoClient, exp: Experiment
) -> None:
    runner = ExperimentRunner(client, exp)
    assert not runner.is_running("no-such-key")


async def test_stop_leaves_cells_pending_and_not_running(
    slow_client: VideoClient, fox: Experiment
) -> None:
    runner = ExperimentRunner(slow_client, fox)
    runs = runner.submit([req("a red fox"), req("a grey wolf")])
    for run in runs:
        await created(run)
    await runner.stop()
    assert [r.status for r in runs] == ["pending", "pending"]
    assert not any(runner.is_running(r.key) for r in runs)


async def test_resume_polls_pending_cells_by_id_without_a_new_create(
    slow_sim: Simulator, slow_client: VideoClient, fox: Experiment
) -> None:
    runner = ExperimentRunner(slow_client, fox)
    [run] = runner.submit([req("a red fox")])
    await created(run)
    assert run.job is not None
    task_id = run.job.id
    await runner.stop()

    resumed = runner.resume([run.key])
    assert resumed == [run]
    assert runner.is_running(run.key)
    [rec] = await runner.wait()
    assert run.status == "succeeded"
    assert run.source == "resumed"
    assert rec.job_id == task_id
    assert slow_sim.create_count == 1


async def test_resume_clears_the_last_attempts_error_and_clock(
    slow_client: VideoClient, fox: Experiment
) -> None:
    runner = ExperimentRunner(slow_client, fox)
    [run] = runner.submit([req("a red fox")])
    await created(run)
    await runner.stop()
    run.error = RuntimeError("from the stopped attempt")
    stopped_at = run.finished
    assert stopped_at is not None

    runner.resume()
    assert run.error is None
    assert run.finished is None
    assert run.started >= stopped_at
    await runner.wait()


async def test_resume_leaves_running_and_finished_cells_alone(
    slow_client: VideoClient, fox: Experiment
) -> None:
    runner = ExperimentRunner(slow_client, fox)
    [run] = runner.submit([req("a red fox")])
    assert runner.resume() == []  # still running: nothing to resume
    await runner.wait()
    assert run.status == "succeeded"
    assert runner.resume([run.key]) == []  # finished: nothing to resume
    assert not runner.is_running(run.key)


async def test_cancel_of_a_pending_cell_reaches_its_task_and_marks_it_cancelled(
    slow_client: VideoClient, fox: Experiment
) -> None:
    runner = ExperimentRunner(slow_client, fox)
    [run] = runner.submit([req("a red fox")])
    await created(run)
    await runner.stop()
    assert run.status == "pending"

    runner.cancel(run.key)
    assert runner.is_running(run.key)  # the cancel itself is a task: it talks to the server
    [rec] = await runner.wait()
    assert run.status == "cancelled"
    assert rec.status == "cancelled"
    assert not runner.is_running(run.key)


async def test_cancel_without_a_key_cancels_every_unfinished_cell(
    slow_client: VideoClient, fox: Experiment
) -> None:
    runner = ExperimentRunner(slow_client, fox)
    runs = runner.submit([req("a red fox"), req("a grey wolf")])
    for run in runs:
        await created(run)
    runner.cancel()
    records = await runner.wait()
    assert [r.status for r in records] == ["cancelled", "cancelled"]
    assert not any(runner.is_running(r.key) for r in runs)


async def test_retry_returns_the_same_run_on_a_new_attempt(
    client: VideoClient, sim: Simulator, exp: Experiment
) -> None:
    runner = ExperimentRunner(client, exp)
    [run] = runner.submit([req("a red fox")])
    await runner.wait()
    again = runner.retry(run.key)
    assert again is run
    assert runner.is_running(run.key)
    assert run.source is None  # the new attempt has not found its video yet
    await again
    assert run.status == "succeeded"
    assert run.source == "created"
    assert sim.create_count == 2


async def test_retry_of_a_locally_cancelled_cell_fetches_the_paid_task_by_id(
    slow_sim: Simulator, slow_client: VideoClient, fox: Experiment
) -> None:
    runner = ExperimentRunner(slow_client, fox)
    [run] = runner.submit([req("a red fox")])
    await created(run)
    assert run.job is not None
    task_id = run.job.id
    runner.cancel(run.key)
    await runner.wait()
    assert run.status == "cancelled"

    runner.retry(run.key)
    [rec] = await runner.wait()
    assert run.status == "succeeded"
    assert rec.job_id == task_id
    assert slow_sim.create_count == 1
