"""JobStatus: the one status vocabulary of jobs, progress widgets and grid cells."""

from __future__ import annotations

import pytest

from vidwidgets.client import JobStatus
from vidwidgets.client._dialects import STATUS_WORDS

FIVE = ("queued", "in_progress", "succeeded", "failed", "cancelled")


def test_the_five_states_a_server_reports_keep_their_values_and_their_str() -> None:
    assert {s.value for s in JobStatus.REPORTED} == set(FIVE)
    assert [s.value for s in list(JobStatus)[:5]] == list(FIVE)  # still first, in this order
    assert [str(JobStatus(v)) for v in FIVE] == list(FIVE)
    assert f"{JobStatus.IN_PROGRESS}" == "in_progress"


def test_every_server_word_normalises_to_one_of_the_five() -> None:
    assert set(STATUS_WORDS.values()) <= JobStatus.REPORTED


def test_terminal_keeps_its_job_meaning_the_server_will_not_change_it_again() -> None:
    assert {s for s in JobStatus if s.is_terminal} == {
        JobStatus.SUCCEEDED,
        JobStatus.FAILED,
        JobStatus.CANCELLED,
    }


def test_pending_is_final_here_without_being_terminal_on_the_server() -> None:
    assert JobStatus.PENDING.is_final
    assert not JobStatus.PENDING.is_terminal
    assert {s for s in JobStatus if s.is_terminal} | {JobStatus.PENDING} == JobStatus.FINAL


def test_the_steps_of_progress_widgets_and_cells_are_running() -> None:
    running = {"waiting", "submitting", "creating", "queued", "in_progress", "downloading"}
    assert {s.value for s in JobStatus.RUNNING} == running
    assert all(JobStatus(v).is_running for v in running)


def test_not_started_is_neither_running_nor_final() -> None:
    for status in (JobStatus.IDLE, JobStatus.NEW):
        assert not status.is_running
        assert not status.is_final
    assert not JobStatus.RUNNING & JobStatus.FINAL


def test_a_plain_string_is_found_in_the_sets() -> None:
    # statuses read from a manifest or sent by the browser are plain strings
    assert "downloading" in JobStatus.RUNNING
    assert "pending" in JobStatus.FINAL


def test_parse_gives_the_default_for_a_word_it_does_not_know() -> None:
    assert JobStatus.parse("pending") is JobStatus.PENDING
    assert JobStatus.parse("exploded", JobStatus.FAILED) is JobStatus.FAILED
    with pytest.raises(ValueError, match="exploded"):
        JobStatus.parse("exploded")


def test_the_vocabulary_for_the_front_end_is_the_two_sets_as_json_lists() -> None:
    vocabulary = JobStatus.vocabulary()
    assert set(vocabulary) == {"running", "final"}
    assert set(vocabulary["running"]) == {s.value for s in JobStatus.RUNNING}
    assert set(vocabulary["final"]) == {s.value for s in JobStatus.FINAL}
    assert all(type(v) is str for values in vocabulary.values() for v in values)
