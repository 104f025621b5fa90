"""JobProgress: a Solara-like task object whose front end gets throttled, coalesced updates."""

from __future__ import annotations

import asyncio
import json
import time

from vidwidgets.client import GenerationFailed, JobError, JobStatus, RateLimitError, VideoJob
from vidwidgets.widgets import JobProgress

from ._comm import from_browser_custom, sent


def job(status: JobStatus = JobStatus.IN_PROGRESS, progress: int | None = None) -> VideoJob:
    return VideoJob(id="task-1", status=status, progress=progress, created_at=time.time() - 3)


def state_updates(widget: JobProgress) -> list[dict]:
    return [d["state"] for d, _ in sent(widget, "update")]


async def test_determinate_progress_and_eta_when_the_server_reports_a_percentage() -> None:
    progress = JobProgress(min_interval=0)
    progress.update(job(progress=25))
    assert progress.state == "in_progress"
    assert progress.value == 0.25
    assert progress.elapsed is not None
    assert progress.elapsed >= 2.9
    # 3 s for a quarter: about 9 s left
    assert progress.eta is not None
    assert 8 < progress.eta < 10
    assert progress.status is JobStatus.IN_PROGRESS
    assert progress.progress == 25


async def test_the_eta_is_the_clients_expectation_when_the_job_carries_one() -> None:
    # a stage value (new-api's 30 %) says nothing about time; the client's expected 15 s does
    progress = JobProgress(min_interval=0)
    snapshot = job(progress=30)
    snapshot.expected_seconds = 15.0
    progress.update(snapshot)
    assert progress.eta is not None
    assert 11 < progress.eta < 12.1


async def test_no_percentage_means_no_invented_bar() -> None:
    progress = JobProgress(min_interval=0)
    progress.update(job(progress=None))
    assert progress.value is None
    assert progress.eta is None
    assert progress.elapsed is not None  # the honest part: how long it has been running


async def test_updates_are_throttled_and_coalesced() -> None:
    progress = JobProgress(min_interval=0.25)
    before = progress.flushes
    for pct in range(100):
        progress.update(job(progress=pct))
    # Python always knows the latest; the front end got one message so far
    assert progress.progress == 99
    assert progress.flushes - before == 1
    await asyncio.sleep(0.4)
    # ...and the coalesced rest in one more, carrying the newest value
    assert progress.flushes - before == 2
    assert progress.value == 0.99
    assert len(state_updates(progress)) <= 4


async def test_a_hundred_jobs_stay_within_four_messages_a_second_each() -> None:
    widgets = [JobProgress(min_interval=0.25) for _ in range(100)]
    start = time.monotonic()
    while time.monotonic() - start < 1.0:
        for w in widgets:
            w.update(job(progress=int((time.monotonic() - start) * 90)))
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    counts = [len(state_updates(w)) for w in widgets]
    assert max(counts) <= 6  # 1 s at <= 4/s, plus the first and the trailing flush


async def test_terminal_states_are_sent_at_once() -> None:
    progress = JobProgress(min_interval=10)
    progress.update(job(progress=10))
    progress.update(job(JobStatus.SUCCEEDED, progress=100))
    assert progress.state == "succeeded"
    assert progress.value == 1.0
    assert progress.finished
    assert not progress.pending


async def test_failure_shows_the_server_message_and_the_hint() -> None:
    progress = JobProgress()
    failed = job(JobStatus.FAILED)
    failed.error = JobError(code="content_filter", message="the prompt was rejected by the filter")
    progress.fail(GenerationFailed("failed", job=failed))
    assert progress.state == "failed"
    assert "the prompt was rejected by the filter" in progress.message
    assert "rephrase the prompt" in progress.hint
    assert isinstance(progress.error, GenerationFailed)


async def test_failure_message_redacts_the_secret() -> None:
    progress = JobProgress()
    progress.fail(RateLimitError("slow down, sk-secret-123"), secret="sk-secret-123")
    assert "sk-secret-123" not in progress.message
    assert progress.hint  # what to do next


async def test_cancel_cancels_the_attached_task() -> None:
    progress = JobProgress()
    task = asyncio.ensure_future(asyncio.sleep(30))
    progress.attach(task)
    assert progress.state == "submitting"
    assert progress.pending
    assert progress.cancel()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert task.cancelled()
    assert progress.state == "cancelled"
    assert progress.cancelled
    assert not progress.cancel()  # nothing left to cancel


async def test_the_cancel_button_in_the_browser_cancels_too() -> None:
    progress = JobProgress()
    task = asyncio.ensure_future(asyncio.sleep(30))
    progress.attach(task)
    from_browser_custom(progress, {"type": "cancel"})
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert task.cancelled()
    assert progress.state == "cancelled"


async def test_it_is_awaitable_and_a_finished_task_marks_it_done() -> None:
    progress = JobProgress()

    async def work() -> VideoJob:
        progress.update(job(progress=50))
        await asyncio.sleep(0.01)
        return job(JobStatus.SUCCEEDED, progress=100)

    progress.attach(asyncio.ensure_future(work()))
    result = await progress
    assert result.succeeded
    await asyncio.sleep(0)
    assert progress.state == "succeeded"


async def test_a_task_that_raises_shows_the_failure() -> None:
    progress = JobProgress()

    async def work() -> None:
        raise RateLimitError("upstream saturated", status=429)

    progress.attach(asyncio.ensure_future(work()))
    await asyncio.sleep(0.01)
    assert progress.state == "failed"
    assert "upstream saturated" in progress.message
    assert "retry" in progress.hint


async def test_updates_from_another_thread_hop_onto_the_loop() -> None:
    progress = JobProgress(min_interval=0)
    await asyncio.to_thread(progress.update, job(progress=40))
    await asyncio.sleep(0.01)
    assert progress.value == 0.4


def test_repr_is_short() -> None:
    progress = JobProgress(job(progress=5))
    assert repr(progress) == "JobProgress(status='in_progress', progress=5, job='task-1')"


async def test_the_front_end_receives_the_running_and_final_sets_of_job_status() -> None:
    progress = JobProgress()
    sent_state = json.loads(json.dumps(progress.get_state()))  # what the comm carries
    assert set(sent_state["vocabulary"]["running"]) == set(JobStatus.RUNNING)
    assert set(sent_state["vocabulary"]["final"]) == set(JobStatus.FINAL)


async def test_every_state_the_widget_shows_is_a_job_status() -> None:
    progress = JobProgress(min_interval=0)
    states = [progress.state]
    progress.start()
    states.append(progress.state)
    for status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS, JobStatus.SUCCEEDED):
        progress.update(job(status))
        states.append(progress.state)
    assert [JobStatus(s) for s in states] == [
        JobStatus.IDLE,
        JobStatus.SUBMITTING,
        JobStatus.QUEUED,
        JobStatus.IN_PROGRESS,
        JobStatus.SUCCEEDED,
    ]
    assert all(type(s) is str for s in states)  # plain strings in widget state
