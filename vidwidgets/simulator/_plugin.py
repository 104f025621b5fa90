"""The late-2026 gateway with task plugins (``dialect="plugin"``): its views and shapes.

Pure functions of a task and a moment, like ``_responses``:

- ``plugin_view()``: the task row's status, with the billing hold (``IN_PROGRESS`` at
  ``"99%"`` after the provider finished) and the billing review;
- ``row_status()`` / ``live_status()``: the two shapes ``GET /v1/video/generations/{id}``
  alternates between while a task runs;
- ``plugin_video()``: ``GET /v1/videos/{id}`` (``"unknown"`` first, int progress, no URL);
- ``Signer``: signed, expiring CDN URLs and artifact ``access`` links.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any, Final

from vidwidgets.simulator._tables import GATEWAY_TO_OPENAI, Phase
from vidwidgets.simulator._tasks import GatewayView, TaskRecord

JSON = dict[str, Any]

#: the gateway's version header value
NEW_API_VERSION: Final = "v0.12.0-plugins"

#: the task row's status and progress per provider phase (generating: the real percentage)
_ROW: Final[dict[Phase, tuple[str, str]]] = {
    "submitted": ("SUBMITTED", "10%"),
    "queued": ("QUEUED", "20%"),
    "generating": ("IN_PROGRESS", ""),
    "failed": ("FAILURE", "100%"),
}
#: the short (documented) shape's status per provider phase
_LIVE: Final[dict[Phase, str]] = {
    "submitted": "queued",
    "queued": "queued",
    "generating": "processing",
    "succeeded": "succeeded",
    "failed": "failed",
}
SETTLING_PROGRESS: Final = "99%"

#: artifact error code -> HTTP status of ``/content``
ARTIFACT_ERRORS: Final[dict[str, int]] = {
    "artifact_gone": 410,
    "artifact_upstream_busy": 503,
    "artifact_upstream_auth_failed": 502,
    "artifact_upstream_timeout": 504,
    "artifact_not_found": 404,
    "artifact_access_rate_limited": 429,
}
_ARTIFACT_MESSAGES: Final[dict[str, str]] = {
    "artifact_gone": "the provider no longer has this artifact",
    "artifact_upstream_busy": "the provider is busy, retry later",
    "artifact_upstream_auth_failed": "the gateway could not authenticate to the provider",
    "artifact_upstream_timeout": "the provider did not answer in time",
    "artifact_not_found": "artifact link not found or expired; request /artifacts again",
    "artifact_access_rate_limited": "too many invalid artifact links, retry later",
}


def artifact_error(code: str) -> JSON:
    """The body of an artifact error: ``{"error":{"message","type":code,"code":code}}``."""
    return {"error": {"message": _ARTIFACT_MESSAGES[code], "type": code, "code": code}}


def plugin_view(task: TaskRecord, at: float) -> GatewayView:
    """What the plugin gateway's task row says at wall time ``at``."""
    tick = task.last_refresh(at)
    if tick is None:
        return GatewayView("NOT_START", "0%", None, None)
    phase = task.phase(tick)
    if phase == "succeeded":
        if at < task.finished_at:
            return GatewayView("IN_PROGRESS", SETTLING_PROGRESS, phase, tick)
        status = "FAILURE" if task.review_failed else "SUCCESS"
        return GatewayView(status, "100%", phase, tick)
    status, progress = _ROW[phase]
    if not progress:
        progress = f"{min(98, max(30, round(task.progress(tick) * 100)))}%"
    return GatewayView(status, progress, phase, tick)


def finished(view: GatewayView) -> bool:
    return view.status in ("SUCCESS", "FAILURE")


def result_url(task: TaskRecord, view: GatewayView, url: str, at: float) -> str:
    """The row's ``result_url``: set once SUCCESS, gone after the retention."""
    cleaned = task.cleaned_at is not None and at >= task.cleaned_at
    return url if view.status == "SUCCESS" and not cleaned else ""


def task_row(task: TaskRecord, view: GatewayView, url: str, at: float) -> JSON:
    """The task row (``data`` of the envelope): ``data: null``, no owner or billing details."""
    done = finished(view)
    failed = view.status == "FAILURE"
    started = task.started_at if view.phase not in (None, "submitted", "queued") else 0
    return {
        "id": task.seq,
        "created_at": int(task.created_at),
        "updated_at": int(view.refreshed_at or task.created_at),
        "task_id": task.id,
        "platform": task.spec.platform,  # the plugin key
        "user_id": 0,
        "group": "",
        "channel_id": 0,
        "quota": 0,
        "action": task.spec.action,
        "status": view.status,
        "fail_reason": task.fail_message if failed else "",
        "result_url": result_url(task, view, url, at),
        "submit_time": int(task.created_at),
        "start_time": int(started),
        "finish_time": int(task.finished_at) if done else 0,
        "progress": view.progress,
        "data": None,
    }


def row_status(task: TaskRecord, view: GatewayView, url: str, at: float) -> JSON:
    """``GET /v1/video/generations/{id}`` answered from the database."""
    return {"code": "success", "message": "", "data": task_row(task, view, url, at)}


def live_status(task: TaskRecord, url: str, at: float) -> JSON:
    """``GET /v1/video/generations/{id}`` answered from a live provider read (short shape).

    The provider's own state: it may already say ``succeeded`` (with the provider's URL)
    while the row still holds the task at 99 % for billing.
    """
    status = _LIVE[task.phase(at)]
    return {
        "code": "success",
        "message": "",
        "data": {
            "task_id": task.id,
            "status": status,
            "url": url if status == "succeeded" else "",
            "format": "mp4",
            "metadata": None,
            "error": None,
        },
    }


def plugin_video(task: TaskRecord, view: GatewayView) -> JSON:
    """``GET /v1/videos/{id}`` for a plugin task: no ``metadata.url``, int progress."""
    status = GATEWAY_TO_OPENAI.get(view.status, "unknown")
    body: JSON = {
        "id": task.id,
        "task_id": task.id,
        "object": "video",
        "model": task.model,
        "status": status,
        "progress": int(view.progress.rstrip("%") or 0),
        "created_at": int(task.created_at),
        "seconds": str(task.spec.seconds),
        "size": task.spec.size,
    }
    if finished(view):
        body["completed_at"] = int(task.finished_at)
    if status == "failed":
        body["error"] = {"code": task.fail_code, "message": task.fail_message}
    return body


def plugin_created(task: TaskRecord, plugin: str | None = None) -> JSON:
    """The create answer: ``unknown`` (the task has not been seen by the refresh loop yet)."""
    body: JSON = {
        "id": task.id,
        "task_id": task.id,
        "object": "video",
        "model": task.model,
        "status": "unknown",
        "progress": 0,
        "created_at": int(task.created_at),
    }
    if plugin is not None:
        body["plugin"] = plugin
    return body


class Signer:
    """HMAC signatures for the CDN's URLs and the task API's ``access`` links."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def sign(self, message: str) -> str:
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()[:32]

    def cdn_query(self, task_id: str, expires: float) -> str:
        """``Expires=<unix s>&Signature=<hmac>`` for one task's CDN object."""
        stamp = int(expires)
        return f"Expires={stamp}&Signature={self.sign(f'cdn:{task_id}:{stamp}')}"

    def cdn_valid(self, task_id: str, query: dict[str, str], at: float) -> bool | None:
        """True: valid; False: signed but expired; None: not signed by us."""
        stamp = query.get("Expires", "")
        if not stamp.isdigit() or not hmac.compare_digest(
            query.get("Signature", ""), self.sign(f"cdn:{task_id}:{stamp}")
        ):
            return None
        return at < int(stamp)

    def access(self, task_id: str, expires: float) -> str:
        """``<expiry in unix milliseconds>.<hmac>`` (milliseconds: sped-up tests need them)."""
        stamp = int(expires * 1000)
        return f"{stamp}.{self.sign(f'artifact:{task_id}:{stamp}')}"

    def access_valid(self, task_id: str, access: str, at: float | None = None) -> bool:
        stamp, _, signature = access.partition(".")
        if not stamp.isdigit():
            return False
        good = hmac.compare_digest(signature, self.sign(f"artifact:{task_id}:{stamp}"))
        return good and (time.time() if at is None else at) * 1000 < int(stamp)
