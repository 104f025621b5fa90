"""Retry and polling policies as pure functions: backoff, Retry-After, create safety, cadence."""

from __future__ import annotations

import email.utils
import itertools
import time

import pytest

from vidwidgets.client._polling import PollSchedule
from vidwidgets.client._retry import RetryPolicy, parse_retry_after


def test_backoff_is_capped_exponential_with_jitter() -> None:
    policy = RetryPolicy(initial=0.5, max_backoff=8.0, jitter=0.25)
    for attempt, base in enumerate([0.5, 1.0, 2.0, 4.0, 8.0, 8.0]):
        for _ in range(20):
            assert 0.75 * base <= policy.backoff(attempt) <= base


def test_retry_after_in_seconds_milliseconds_and_http_date() -> None:
    assert parse_retry_after({"Retry-After": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (parse_retry_after({"Retry-After": date}) or 0) <= 31
    assert parse_retry_after({"Retry-After": "soon"}) is None


def test_server_wait_is_capped() -> None:
    assert RetryPolicy(max_retry_after=120).delay(0, 3600) == 120


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_reads_retry_on_transient_statuses(status: int) -> None:
    assert RetryPolicy().should_retry("read", status=status)


@pytest.mark.parametrize(
    ("status", "connect_failed", "transport_error", "retry"),
    [
        (None, True, False, True),  # never connected: nothing was sent
        (429, False, False, True),
        (503, False, False, True),
        (500, False, False, False),  # may have created the task
        (502, False, False, False),
        (None, False, True, False),  # reset or read timeout after sending
        (400, False, False, False),
    ],
)
def test_create_is_retried_only_when_the_server_cannot_have_acted(
    status: int | None, connect_failed: bool, transport_error: bool, retry: bool
) -> None:
    decision = RetryPolicy().should_retry(
        "create", status=status, connect_failed=connect_failed, transport_error=transport_error
    )
    assert decision is retry


def test_x_should_retry_false_wins() -> None:
    assert not RetryPolicy().should_retry("read", status=503, should_retry_header="false")


def test_poll_hint_is_a_floor() -> None:
    schedule = PollSchedule(initial=0.1, min_interval=0.1, jitter=0.0)
    schedule.observe(0.0, "a")
    schedule.set_hint(5.0)
    assert schedule.next_delay(0.0) >= 5.0


def test_polling_backs_off_while_nothing_changes() -> None:
    schedule = PollSchedule(initial=1.0, min_interval=1.0, max_interval=30.0, jitter=0.0)
    now, delays = 0.0, []
    for _ in range(30):
        schedule.observe(now, "same")
        delay = schedule.next_delay(now)
        delays.append(delay)
        now += delay
    assert delays == sorted(delays)
    assert delays[-1] == 30.0


def test_polling_learns_the_servers_refresh_cadence() -> None:
    # a server whose state changes only every 15 s
    schedule = PollSchedule(initial=1.0, min_interval=1.0, jitter=0.0)
    now, reads = 0.0, []
    while now < 300:
        schedule.observe(now, int(now // 15))
        if schedule.cadence is not None:
            reads.append(now)
        now += schedule.next_delay(now)
    gaps = [b - a for a, b in itertools.pairwise(reads)]
    assert schedule.cadence is not None
    assert 10 <= schedule.cadence <= 16
    assert min(gaps) >= 0.8 * 15  # never much faster than the server changes


def test_progress_rate_brings_the_read_close_to_the_expected_finish() -> None:
    schedule = PollSchedule(initial=1.0, min_interval=0.5, max_interval=60, jitter=0.0)
    schedule.observe(10.0, ("p", 12), progress=12)
    schedule.observe(20.0, ("p", 24), progress=24)  # 1.2 %/s: done at t=83.3
    eta = schedule.eta()
    assert eta == pytest.approx(20 + 76 / 1.2)
    assert 40 <= 20 + schedule.next_delay(20.0) <= eta


def test_stage_progress_of_the_gateway_teaches_no_rate() -> None:
    schedule = PollSchedule(jitter=0.0)
    schedule.observe(1.0, ("SUBMITTED", 10), progress=10)
    schedule.observe(16.0, ("QUEUED", 20), progress=20)
    schedule.observe(31.0, ("IN_PROGRESS", 30), progress=30)
    assert schedule.eta() is None


def test_a_server_that_changes_at_every_read_shows_no_cadence() -> None:
    schedule = PollSchedule(jitter=0.0)
    for t, p in [(1.0, 12), (2.0, 24), (3.0, 36), (4.0, 48)]:
        schedule.observe(t, ("p", p), progress=p)
    assert schedule.cadence is None


def test_cadence_learned_on_another_job_paces_a_new_one() -> None:
    schedule = PollSchedule(initial=1.0, min_interval=1.0, jitter=0.0, prior=(15.0, -2.0))
    schedule.observe(3.0, "queued")
    delay = schedule.next_delay(3.0)
    # the next refresh after 3 s is at 13 s (-2 + 15): read just after it, not before
    assert 13.0 <= 3.0 + delay <= 14.0


def test_new_api_envelope_tells_the_refresh_period() -> None:
    from vidwidgets.client._dialects import known_refresh_period

    wrapped = {"code": "success", "data": {"task_id": "t", "status": "QUEUED"}}
    assert known_refresh_period(wrapped) == 15.0
    assert known_refresh_period({"task_id": "t", "status": "queued"}) is None
    assert known_refresh_period({"id": "v", "object": "video"}) is None


def test_known_period_without_a_phase_is_a_floor() -> None:
    schedule = PollSchedule(initial=1.0, min_interval=1.0, jitter=0.0, prior=(15.0, None))
    schedule.observe(3.0, "queued")
    assert schedule.next_delay(3.0) >= 0.9 * 15
