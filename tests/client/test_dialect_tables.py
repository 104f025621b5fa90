"""Reading every body shape in the reference: ids, statuses, progress, URLs and errors."""

from __future__ import annotations

from typing import Any

import pytest

from vidwidgets.client import JobStatus
from vidwidgets.client._dialects import (
    find_task_id,
    normalise_status,
    parse_error_body,
    parse_progress,
    parse_task,
)

CDN = "https://cdn.example.com/v.mp4"


@pytest.mark.parametrize(
    ("word", "status"),
    [
        *[
            (w, JobStatus.SUCCEEDED)
            for w in ("succeeded", "SUCCESS", "completed", "done", "succeed")
        ],
        *[(w, JobStatus.FAILED) for w in ("failed", "FAILURE", "error", "EXPIRED")],
        *[(w, JobStatus.CANCELLED) for w in ("cancelled", "canceled")],
        *[
            (w, JobStatus.QUEUED)
            for w in ("queued", "SUBMITTED", "NOT_START", "pending", "in_queue", "unknown", "")
        ],
        *[
            (w, JobStatus.IN_PROGRESS)
            for w in ("processing", "IN_PROGRESS", "running", "generating")
        ],
    ],
)
def test_status_words_normalise_case_insensitively(word: str, status: JobStatus) -> None:
    assert normalise_status(word) is status


@pytest.mark.parametrize("word", ["BRAND_NEW_STATE", "paused", None, 3])
def test_unknown_status_words_keep_polling(word: Any) -> None:
    assert normalise_status(word) is JobStatus.QUEUED


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (30, 30),
        ("30%", 30),
        ("100%", 100),
        (" 7 % ", 7),
        (55.5, 55),
        ("n/a", None),
        (None, None),
        (250, 100),
    ],
)
def test_progress_is_read_from_integers_and_percent_strings(
    value: Any, expected: int | None
) -> None:
    assert parse_progress(value) == expected


@pytest.mark.parametrize(
    ("body", "task_id"),
    [
        ({"task_id": "t1", "id": "other"}, "t1"),
        ({"id": "video_1", "object": "video"}, "video_1"),
        ({"code": 0, "message": "SUCCEED", "data": {"task_id": "kling-raw"}}, "kling-raw"),
        ({"code": "success", "data": {"task_id": "t2", "id": "t2"}}, "t2"),
        ({"nothing": True}, None),
    ],
)
def test_task_id_comes_from_task_id_then_id_then_data(
    body: dict[str, Any], task_id: str | None
) -> None:
    assert find_task_id(body) == task_id


def test_documented_flat_body() -> None:
    view = parse_task(
        {
            "task_id": "t",
            "status": "succeeded",
            "url": CDN,
            "format": "mp4",
            "metadata": {"seed": 1},
        }
    )
    assert (view.status, view.url, view.progress) == (JobStatus.SUCCEEDED, CDN, 100)


def test_newapi_wrapped_body_with_uppercase_status_and_percent_progress() -> None:
    body = {
        "code": "success",
        "message": "",
        "data": {"task_id": "t", "status": "IN_PROGRESS", "progress": "30%", "fail_reason": ""},
    }
    view = parse_task(body)
    assert (view.id, view.status, view.progress, view.url) == ("t", JobStatus.IN_PROGRESS, 30, None)


def test_newapi_success_url_from_result_url() -> None:
    body = {"code": "success", "data": {"task_id": "t", "status": "SUCCESS", "result_url": CDN}}
    assert parse_task(body).url == CDN


def test_old_builds_put_the_success_url_in_fail_reason() -> None:
    body = {"code": "success", "data": {"task_id": "t", "status": "SUCCESS", "fail_reason": CDN}}
    view = parse_task(body)
    assert view.url == CDN
    assert view.error is None


@pytest.mark.parametrize(
    "raw",
    [
        {"data": {"task_result": {"videos": [{"url": CDN}]}}},  # Kling
        {"data": {"video_url": CDN}},  # Jimeng
        {"creations": [{"url": CDN}]},  # Vidu
    ],
    ids=["kling", "jimeng", "vidu"],
)
def test_url_found_in_provider_raw_paths(raw: dict[str, Any]) -> None:
    body = {"code": "success", "data": {"task_id": "t", "status": "SUCCESS", "data": raw}}
    assert parse_task(body).url == CDN


def test_openai_video_object_unknown_is_pending_and_metadata_url_is_read() -> None:
    assert (
        parse_task({"id": "v", "object": "video", "status": "unknown"}).status is JobStatus.QUEUED
    )
    view = parse_task({"id": "v", "status": "completed", "progress": 100, "metadata": {"url": CDN}})
    assert (view.status, view.url) == (JobStatus.SUCCEEDED, CDN)


def test_newer_task_row_shape_of_issue_7194() -> None:
    view = parse_task(
        {
            "task_id": "t",
            "status": "SUCCESS",
            "progress": "100%",
            "fail_reason": "",
            "finished_at": 1700000000,
        }
    )
    assert (view.status, view.progress, view.finished_at) == (
        JobStatus.SUCCEEDED,
        100,
        1700000000.0,
    )


def test_failure_reason_is_kept() -> None:
    body = {
        "code": "success",
        "data": {"task_id": "t", "status": "FAILURE", "fail_reason": "content policy"},
    }
    view = parse_task(body)
    assert view.status is JobStatus.FAILED
    assert view.error is not None
    assert "content policy" in view.error.message


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>", "file:///etc/passwd", "ftp://x/y"]
)
def test_non_http_urls_are_never_returned(url: str) -> None:
    assert parse_task({"task_id": "t", "status": "succeeded", "url": url}).url is None


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"code": "task_not_exist", "message": "task_not_exist", "data": None},
            "task_not_exist",
            "task_not_exist",
        ),
        (
            {"error": {"message": "bad key", "type": "new_api_error", "code": "invalid"}},
            "invalid",
            "bad key",
        ),
        (
            {
                "error": {
                    "message": "m",
                    "type": "invalid_request_error",
                    "param": "x",
                    "code": None,
                }
            },
            "invalid_request_error",
            "m",
        ),
    ],
)
def test_error_bodies_of_every_shape(body: dict[str, Any], code: str, message: str) -> None:
    info = parse_error_body(body)
    assert (info.code, info.message) == (code, message)
