"""Reading what servers send: every gateway dialect, as data tables in one place.

The same task can come back in at least four shapes (see the project's reference notes):

- the documented flat body ``{task_id, status: "succeeded", url, metadata, error}``;
- new-api's real wrapped body ``{"code": "success", "data": {task_id, status: "SUCCESS",
  progress: "100%", result_url, fail_reason, data: {raw provider JSON}}}``;
- the OpenAI video object ``{id, object: "video", status: "completed", progress: 40,
  metadata: {url}}`` (``unknown`` while the gateway has not refreshed the task yet);
- the newer gateway task row (new-api #7194) ``{task_id, status: "SUCCESS", progress: "100%",
  fail_reason, finished_at}``;
- the late-2026 plugin gateway, which alternates, for one running task, between its task row
  (``data: null``, ``platform`` = the plugin key) and a *live read* of the provider in the short
  shape inside its envelope ``{"code": "success", "data": {task_id, status: "processing",
  url, format, metadata: null, error: null}}`` (see ``is_live_read``).

**What "done" means.** A job is done when the gateway's own record of it is settled: the task
row (or the OpenAI object made from it) says ``SUCCESS``/``completed`` or ``FAILURE``/``failed``.
A live read is the *provider's* word, not the gateway's: it may say ``succeeded`` while the row
still holds the task ``IN_PROGRESS`` at ``"99%"`` for billing, and the billing review can still
turn it into ``FAILURE``. So a live read is parsed (``TaskView.provisional``) but never ends a
job, and 99 % is just progress.

``parse_task`` turns any of them into a ``TaskView``; nothing else in the client looks at raw
bodies. To support a new vocabulary or a new place for the URL, edit a table below.

    >>> view = parse_task({"code": "success", "data": {"task_id": "t1", "status": "IN_PROGRESS",
    ...                    "progress": "30%"}})
    >>> view.id, view.status.value, view.progress
    ('t1', 'in_progress', 30)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from vidwidgets.client._types import JobError, JobStatus

__all__ = [
    "ARTIFACT_HINTS",
    "COARSE_PROGRESS",
    "GONE_CODES",
    "ID_PATHS",
    "PERMANENT_CODES",
    "STATUS_WORDS",
    "URL_PATHS",
    "TaskView",
    "find_task_id",
    "is_gone",
    "is_http_url",
    "is_live_read",
    "known_refresh_period",
    "normalise_status",
    "parse_error_body",
    "parse_progress",
    "parse_task",
]

#: Every status word seen in the wild, lower-cased, and what it means. Words not in the table
#: keep the client polling (as ``queued``): a new vendor word must never end a paid job early.
STATUS_WORDS: Final[Mapping[str, JobStatus]] = {
    # finished well
    "succeeded": JobStatus.SUCCEEDED,
    "success": JobStatus.SUCCEEDED,
    "completed": JobStatus.SUCCEEDED,
    "complete": JobStatus.SUCCEEDED,
    "done": JobStatus.SUCCEEDED,
    "succeed": JobStatus.SUCCEEDED,
    # finished badly
    "failed": JobStatus.FAILED,
    "failure": JobStatus.FAILED,
    "fail": JobStatus.FAILED,
    "error": JobStatus.FAILED,
    "expired": JobStatus.FAILED,
    # stopped by someone
    "cancelled": JobStatus.CANCELLED,
    "canceled": JobStatus.CANCELLED,
    # waiting; "unknown" is what the gateway's OpenAI route says before its first refresh
    # (new-api #5045), and NOT_START is its initial state: both are still pending.
    "queued": JobStatus.QUEUED,
    "submitted": JobStatus.QUEUED,
    "not_start": JobStatus.QUEUED,
    "pending": JobStatus.QUEUED,
    "in_queue": JobStatus.QUEUED,
    "queueing": JobStatus.QUEUED,
    "created": JobStatus.QUEUED,
    "unknown": JobStatus.QUEUED,
    "": JobStatus.QUEUED,
    # working
    "processing": JobStatus.IN_PROGRESS,
    "in_progress": JobStatus.IN_PROGRESS,
    "running": JobStatus.IN_PROGRESS,
    "generating": JobStatus.IN_PROGRESS,
}

#: Where the task id may be, in order of preference (current builds send both task_id and id;
#: very old Kling builds wrap it in ``data``).
ID_PATHS: Final[tuple[tuple[str, ...], ...]] = (
    ("task_id",),
    ("id",),
    ("data", "task_id"),
    ("data", "id"),
)

#: Where the video URL may be, relative to the (unwrapped) task, in the documented order.
#: ``fail_reason`` is special-cased: older builds put the success URL there.
URL_PATHS: Final[tuple[tuple[str | int, ...], ...]] = (
    ("url",),
    ("result_url",),
    ("metadata", "url"),
    ("fail_reason",),
    # provider raw JSON kept by new-api in the task's ``data``
    ("data", "data", "task_result", "videos", 0, "url"),  # Kling
    ("data", "data", "video_url"),  # Jimeng
    ("data", "creations", 0, "url"),  # Vidu
    ("video_url",),
)

#: Where a failure reason may be, in order.
ERROR_PATHS: Final[tuple[tuple[str | int, ...], ...]] = (
    ("error",),
    ("fail_reason",),
    ("data", "data", "task_status_msg"),  # Kling
    ("data", "err_code"),  # Vidu
    ("data", "message"),  # Jimeng
)

#: Completion timestamps, in order (OpenAI, new-api task, task row).
FINISHED_PATHS: Final[tuple[tuple[str, ...], ...]] = (
    ("completed_at",),
    ("finish_time",),
    ("finished_at",),
)

#: new-api reports stage progress ("10%", "20%", "30%") for every provider but Sora: these values
#: say which stage a task is in, not how far along it is, so no rate can be learned from them.
COARSE_PROGRESS: Final[frozenset[int]] = frozenset({0, 10, 20, 30})

#: new-api copies task state from the providers in a background loop every 15 s; a server that
#: answers in its envelope changes state no more often than that.
NEWAPI_REFRESH_SECONDS: Final[float] = 15.0

#: Keys only the short live-read shape has, and keys only the task row has (plugin gateway).
LIVE_READ_KEYS: Final[frozenset[str]] = frozenset({"format"})
ROW_KEYS: Final[frozenset[str]] = frozenset({"platform", "progress", "result_url", "fail_reason"})

#: Error codes after which sending the same request again cannot help (the gateway answers
#: ``model_not_found`` with a 503, which would otherwise count as "safe to retry").
PERMANENT_CODES: Final[frozenset[str]] = frozenset({"model_not_found"})
#: Error codes meaning "the gateway no longer has this finished video".
GONE_CODES: Final[frozenset[str]] = frozenset({"artifact_gone"})
#: ``/content`` on a task whose result was cleaned up: "Task is not completed yet, current
#: status: SUCCESS" — a contradiction that means the video is gone, not a bad request.
GONE_MESSAGE: Final[re.Pattern[str]] = re.compile(r"current status:\s*SUCCESS\b", re.IGNORECASE)
#: What to do after each download error of the plugin gateway's ``/content`` (code -> hint);
#: the video itself is safe on the provider in every case but ``artifact_gone``.
ARTIFACT_HINTS: Final[Mapping[str, str]] = {
    "artifact_upstream_busy": (
        "The provider is busy; the video is safe there. vidwidgets waited as long as the "
        "gateway asked: call client.download(job) again in a minute."
    ),
    "artifact_upstream_auth_failed": (
        "The gateway could not sign in to the provider (its operator must fix the channel's "
        "credentials); the video is safe there: call client.download(job) again later."
    ),
    "artifact_upstream_timeout": (
        "The provider did not answer the gateway in time; the video is safe there: call "
        "client.download(job) again to fetch it."
    ),
}
#: Artifact errors not worth retrying at once (an operator has to act first).
ARTIFACT_PERMANENT: Final[frozenset[str]] = frozenset({"artifact_upstream_auth_failed"})

_PROGRESS_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")
_MAX_TEXT = 2000  # server-provided reasons are truncated: a hostile server may send megabytes


@dataclass(frozen=True)
class TaskView:
    """What one status body says, normalised.

    ``raw_status`` is the server's own word, kept for logs and debugging.
    """

    id: str | None
    status: JobStatus
    raw_status: str
    progress: int | None
    url: str | None
    error: JobError | None
    finished_at: float | None
    #: a live provider read (the plugin gateway's short shape): not the gateway's settled word
    provisional: bool = False

    @property
    def state_key(self) -> tuple[Any, ...]:
        """What counts as "the server's state changed" for the polling cadence."""
        return (self.raw_status.lower(), self.progress, self.url is not None)


def _get(body: Any, path: Sequence[str | int]) -> Any:
    node = body
    for key in path:
        if isinstance(key, int):
            if not isinstance(node, list) or len(node) <= key:
                return None
            node = node[key]
        else:
            if not isinstance(node, Mapping):
                return None
            node = node.get(key)
        if node is None:
            return None
    return node


def unwrap(body: Any) -> Any:
    """The task inside a ``{"code": ..., "data": {...}}`` envelope, or the body itself."""
    if isinstance(body, Mapping) and "code" in body and isinstance(body.get("data"), Mapping):
        data = body["data"]
        # A flat docs body may carry a ``data`` field of its own; only unwrap an envelope.
        if "status" not in body and "task_id" not in body:
            return data
    return body


def is_live_read(body: Any) -> bool:
    """True for the plugin gateway's live provider read.

    That is the short documented shape inside the gateway's ``{"code", "data"}`` envelope (the
    flat docs-era body is not one).

    >>> is_live_read({"code": "success", "data": {"task_id": "t", "status": "succeeded",
    ...               "url": "https://cdn/x.mp4", "format": "mp4", "metadata": None}})
    True
    >>> is_live_read({"task_id": "t", "status": "succeeded", "format": "mp4"})
    False
    """
    if not isinstance(body, Mapping) or "code" not in body:
        return False
    data = body.get("data")
    if not isinstance(data, Mapping) or not isinstance(data.get("status"), str):
        return False
    return bool(LIVE_READ_KEYS & data.keys()) and not ROW_KEYS & data.keys()


def is_gone(code: str | None, message: str | None) -> bool:
    """True when an error says the gateway no longer holds a finished video.

    >>> is_gone(None, "Task is not completed yet, current status: SUCCESS")
    True
    >>> is_gone(None, "Task is not completed yet, current status: IN_PROGRESS")
    False
    """
    if code and code.lower() in GONE_CODES:
        return True
    return bool(message and GONE_MESSAGE.search(message))


def is_http_url(value: Any) -> bool:
    """True for an absolute http(s) URL; the only kind the client ever fetches or shows."""
    if not isinstance(value, str) or len(value) > 8192:
        return False
    lowered = value.strip().lower()
    return lowered.startswith(("http://", "https://")) and len(lowered) > len("https://")


def _as_id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, str)):
        text = str(value).strip()
        return text or None
    return None


def find_task_id(body: Any) -> str | None:
    """The task id in a create or status body: ``task_id``, else ``id``, else ``data.task_id``.

    >>> find_task_id({"code": 0, "data": {"task_id": "k-1"}})
    'k-1'
    """
    for candidate in (body, unwrap(body)):
        for path in ID_PATHS:
            found = _as_id(_get(candidate, path))
            if found is not None:
                return found
    return None


def normalise_status(word: Any) -> JobStatus:
    """Map any server's status word to a ``JobStatus``; unknown words mean "keep polling".

    >>> normalise_status("SUCCESS"), normalise_status("NOT_START"), normalise_status("weird")
    (<JobStatus.SUCCEEDED: 'succeeded'>, <JobStatus.QUEUED: 'queued'>, <JobStatus.QUEUED: 'queued'>)
    """
    if not isinstance(word, str):
        return JobStatus.QUEUED
    key = word.strip().lower().replace("-", "_").replace(" ", "_")
    return STATUS_WORDS.get(key, JobStatus.QUEUED)


def parse_progress(value: Any) -> int | None:
    """0–100 from an integer, a float or a string like ``"30%"``; None when absent or garbled.

    >>> parse_progress("30%"), parse_progress(42), parse_progress("n/a")
    (30, 42, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    number: float
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        match = _PROGRESS_RE.match(value)
        if not match:
            return None
        number = float(match[1])
    else:
        return None
    if number != number:  # NaN
        return None
    return max(0, min(100, int(number)))


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif value is None:
        text = ""
    else:
        text = str(value)
    return text[:_MAX_TEXT]


def _find_error(task: Any) -> JobError | None:
    for path in ERROR_PATHS:
        value = _get(task, path)
        if value in (None, "", {}, 0):
            continue
        if isinstance(value, Mapping):
            message = _as_text(value.get("message") or value.get("msg") or "")
            code = _as_text(value.get("code") or value.get("type") or "")
            if message or code:
                return JobError(code=code, message=message or code)
            continue
        text = _as_text(value)
        if path[-1] == "fail_reason" and is_http_url(text):
            continue  # an old build's success URL, not a reason
        return JobError(code=str(path[-1]) if path[-1] == "err_code" else "", message=text)
    return None


def _find_url(task: Any, status: JobStatus) -> str | None:
    for path in URL_PATHS:
        value = _get(task, path)
        if not isinstance(value, str) or not value:
            continue
        if path == ("fail_reason",) and status is not JobStatus.SUCCEEDED:
            continue
        if is_http_url(value):
            return value.strip()
    return None


def _as_timestamp(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    # some builds send milliseconds
    return float(value) / 1000.0 if value > 1e11 else float(value)


def parse_task(body: Any) -> TaskView:
    """Normalise one create or status body (any dialect) into a ``TaskView``.

    A non-http(s) URL (``javascript:``, ``file:``, ``data:``) is never returned.

    >>> parse_task({"id": "v1", "object": "video", "status": "unknown", "progress": 0}).status
    <JobStatus.QUEUED: 'queued'>
    """
    task = unwrap(body)
    raw_status = _get(task, ("status",))
    if not isinstance(raw_status, str):
        # Kling's raw body: {"code":0,"data":{"task_id":..,"task_status":"succeed"}}
        raw_status = _get(task, ("task_status",))
    raw_word = raw_status if isinstance(raw_status, str) else ""
    status = normalise_status(raw_word)
    progress = parse_progress(_get(task, ("progress",)))
    if status is JobStatus.SUCCEEDED:
        progress = 100
    url = _find_url(task, status)
    error = _find_error(task) if status is JobStatus.FAILED else None
    if status is JobStatus.FAILED and error is None:
        error = JobError(code=raw_word.lower(), message=f"the server reported {raw_word!r}")
    finished = None
    for path in FINISHED_PATHS:
        finished = _as_timestamp(_get(task, path))
        if finished is not None:
            break
    return TaskView(
        id=find_task_id(body),
        status=status,
        raw_status=raw_word[:100],
        progress=progress,
        url=url,
        error=error,
        finished_at=finished,
        provisional=is_live_read(body),
    )


def known_refresh_period(body: Any) -> float | None:
    """How often the server refreshes task state, when its answer's shape tells; else None.

    The shapes that tell are new-api's: its status envelope ``{"code": "success", "data":
    {task_id, platform, ...}}`` and its create answer for Kling, Jimeng and Vidu, an
    OpenAI-style object that also carries ``task_id`` (the official API's has none). Knowing
    the loop from the create lets the very first reads of a batch learn its phase.

        >>> known_refresh_period({"id": "task_1", "task_id": "task_1", "object": "video"})
        15.0
        >>> known_refresh_period({"id": "video_1", "object": "video"}) is None
        True
    """
    if not isinstance(body, Mapping):
        return None
    if (
        body.get("code") == "success"
        and isinstance(body.get("data"), Mapping)
        and "task_id" in body["data"]
    ):
        return NEWAPI_REFRESH_SECONDS
    if body.get("object") == "video" and isinstance(body.get("task_id"), str):
        return NEWAPI_REFRESH_SECONDS
    return None


@dataclass(frozen=True)
class ErrorInfo:
    """The code and message of an error body, whatever its shape."""

    code: str | None
    message: str | None


def parse_error_body(body: Any) -> ErrorInfo:
    """Read an error body, in any of the three shapes the servers send.

    ``{"code", "message"}`` (task errors), ``{"error": {"message", "code", "type"}}``
    (middleware and OpenAI errors) or ``{"error": "text"}``.

    >>> parse_error_body({"code": "task_not_exist", "message": "task_not_exist", "data": None})
    ErrorInfo(code='task_not_exist', message='task_not_exist')
    """
    if not isinstance(body, Mapping):
        return ErrorInfo(None, _as_text(body) or None if isinstance(body, str) else None)
    error = body.get("error")
    if isinstance(error, Mapping):
        code = error.get("code") or error.get("type")
        message = error.get("message")
        return ErrorInfo(_as_text(code) or None, _as_text(message) or None)
    if isinstance(error, str) and error:
        return ErrorInfo(_as_text(body.get("code")) or None, _as_text(error))
    code = body.get("code")
    message = body.get("message") or body.get("msg") or body.get("detail")
    return ErrorInfo(
        _as_text(code) if code not in (None, "", 0) else None, _as_text(message) or None
    )
