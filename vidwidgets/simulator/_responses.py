"""Response bodies, one function per shape. Pure functions of a task and a moment in time."""

from __future__ import annotations

import hashlib
from typing import Any

from vidwidgets.simulator._tables import (
    DOCS_EARLY_GENERATING,
    DOCS_STATUS,
    GATEWAY_TO_OPENAI,
    OPENAI_ERROR_TYPES,
    OPENAI_STATUS,
    PROVIDER_STATES,
    VENDOR_EXPIRED,
    Phase,
)
from vidwidgets.simulator._tasks import GatewayView, TaskRecord

JSON = dict[str, Any]

# --- errors -----------------------------------------------------------------------------------


def gateway_error(message: str, code: str = "") -> JSON:
    """new-api middleware errors (auth, distributor): ``{"error":{message,type,code}}``."""
    return {"error": {"message": message, "type": "new_api_error", "code": code}}


def task_error(code: str, message: str) -> JSON:
    """new-api task relay errors: ``{"code","message","data":null}``."""
    return {"code": code, "message": message, "data": None}


def proxy_error(message: str, kind: str = "invalid_request_error") -> JSON:
    """new-api's /content proxy errors: ``{"error":{message,type}}``."""
    return {"error": {"message": message, "type": kind}}


def openai_error(
    status: int, message: str, param: str | None = None, code: str | None = None
) -> JSON:
    """The official API's errors: ``{"error":{message,type,param,code}}``."""
    kind = OPENAI_ERROR_TYPES.get(
        status, "server_error" if status >= 500 else "invalid_request_error"
    )
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


# --- helpers ----------------------------------------------------------------------------------


def provider_id(task: TaskRecord) -> str:
    """The provider's own id for a task (stable, derived from the gateway's id)."""
    digest = hashlib.sha1(task.id.encode()).hexdigest()
    if task.spec.platform == "kling":
        return str(int(digest[:15], 16))
    if task.spec.platform == "sora":
        return "video_" + digest[:32]
    return digest[:24]


def _ms(t: float) -> int:
    return int(t * 1000)


def _percent(view_progress: str) -> int:
    try:
        return int(float(view_progress.rstrip("%")))
    except ValueError:
        return 0


# --- create responses -------------------------------------------------------------------------


def gateway_created(task: TaskRecord) -> JSON:
    """What the gateway answers to a create for Kling, Jimeng and Vidu."""
    return {
        "id": task.id,
        "task_id": task.id,
        "object": "video",
        "model": task.model,
        "status": "queued",
        "progress": 0,
        "created_at": int(task.created_at),
    }


def docs_created(task: TaskRecord) -> JSON:
    """The documented create response."""
    return {"task_id": task.id, "status": "queued"}


# --- docs dialect -----------------------------------------------------------------------------


def docs_status(
    task: TaskRecord, at: float, url: str | None, width: int, height: int, fps: int
) -> JSON:
    """The flat shape from the 88API docs; the status is the provider's, live."""
    phase = task.phase(at)
    status = DOCS_STATUS[phase]
    if phase == "generating" and task.progress(at) < 0.5:
        status = DOCS_EARLY_GENERATING
    error = {"code": task.fail_code, "message": task.fail_message} if phase == "failed" else None
    body: JSON = {
        "task_id": task.id,
        "status": status,
        "format": "mp4",
        "metadata": {
            "duration": task.spec.seconds,
            "fps": fps,
            "width": width,
            "height": height,
            "seed": task.seed,
        },
        "error": error,
    }
    if phase == "succeeded" and url:
        body["url"] = url
    return body


# --- newapi dialect ---------------------------------------------------------------------------


def provider_raw(task: TaskRecord, phase: Phase, at: float, url: str, cover: str) -> JSON:
    """The provider's own JSON as the gateway stored it (``data.data``)."""
    platform = task.spec.platform
    raw = PROVIDER_STATES[platform][phase].raw
    pid = provider_id(task)
    done = phase == "succeeded"
    failed = phase == "failed"
    if platform == "kling":
        return {
            "code": 0,
            "message": "SUCCEED",
            "request_id": "req-" + pid,
            "data": {
                "task_id": pid,
                "task_status": raw,
                "task_status_msg": task.fail_message if failed else "",
                "created_at": _ms(task.created_at),
                "updated_at": _ms(at),
                "task_result": (
                    {"videos": [{"id": pid + "-0", "url": url, "duration": str(task.spec.seconds)}]}
                    if done
                    else {}
                ),
            },
        }
    if platform == "jimeng":
        return {
            "code": int(task.fail_code) if failed else 10000,
            "message": task.fail_message if failed else "Success",
            "request_id": pid,
            "status": int(task.fail_code) if failed else 10000,
            "data": {"status": raw, "video_url": url if done else ""},
        }
    if platform == "vidu":
        return {
            "id": pid,
            "state": raw,
            "model": task.model,
            "err_code": task.fail_code if failed else "",
            "creations": [{"id": pid + "-0", "url": url, "cover_url": cover}] if done else [],
        }
    return openai_video(task, at, upstream=True)


def newapi_status(
    task: TaskRecord,
    view: GatewayView,
    url: str,
    cover: str,
    *,
    build: str = "current",
    expired: bool = False,
) -> JSON:
    """``GET /v1/video/generations/{id}`` as new-api really answers it.

    ``build="legacy"``: older builds had no ``result_url`` and put the success URL in
    ``fail_reason``. ``build="vendor"``: the provider's status string instead of the gateway's.
    """
    phase = view.phase or "submitted"
    at = view.refreshed_at or task.created_at
    success = view.status == "SUCCESS"
    generating_seen = task.first_seen(("generating", "succeeded", "failed"))
    data: JSON = {
        "id": task.seq,
        "created_at": int(task.created_at),
        "updated_at": int(at),
        "task_id": task.id,
        "platform": task.spec.platform,
        "user_id": 1,
        "group": "default",
        "channel_id": 1,
        "quota": 0,
        "action": task.spec.action,
        "status": view.status,
        "fail_reason": task.fail_message if view.status == "FAILURE" else "",
        "result_url": url if success else "",
        "submit_time": int(task.created_at),
        "start_time": int(generating_seen) if generating_seen else 0,
        "finish_time": int(task.finished_at) if view.status in ("SUCCESS", "FAILURE") else 0,
        "progress": view.progress,
        "data": provider_raw(task, phase, at, url, cover),
    }
    if build == "legacy":
        del data["result_url"]
        if success:
            data["fail_reason"] = url
    if build == "vendor" and view.phase is not None:
        raw = PROVIDER_STATES[task.spec.platform][view.phase].raw
        data["status"] = VENDOR_EXPIRED if success and expired else raw
    return {"code": "success", "message": "", "data": data}


def task_row(task: TaskRecord, view: GatewayView) -> JSON:
    """``GET /v1/videos/{id}`` on newer gateway builds (new-api #7194): the raw task row."""
    finished = view.status in ("SUCCESS", "FAILURE")
    return {
        "task_id": task.id,
        "status": view.status,
        "progress": view.progress,
        "fail_reason": task.fail_message if view.status == "FAILURE" else "",
        "created_at": int(task.created_at),
        "finished_at": int(task.finished_at) if finished else 0,
        "platform": task.spec.platform,
    }


def gateway_video(task: TaskRecord, view: GatewayView, url: str) -> JSON:
    """``GET /v1/videos/{id}`` through the gateway: its own status mapped to OpenAI words."""
    status = GATEWAY_TO_OPENAI.get(view.status, "unknown")
    body: JSON = {
        "id": task.id,
        "object": "video",
        "model": task.model,
        "status": status,
        "progress": _percent(view.progress),
        "created_at": int(task.created_at),
        "seconds": str(task.spec.seconds),
        "size": task.spec.size,
    }
    if status in ("completed", "failed"):
        body["completed_at"] = int(task.finished_at)
    if status == "completed" and task.expires_at is not None:
        body["expires_at"] = int(task.expires_at)
    if status == "failed":
        body["error"] = {"code": task.fail_code, "message": task.fail_message}
    if status == "completed" and task.spec.platform != "sora":
        body["metadata"] = {"url": url}
    return body


# --- openai dialect ---------------------------------------------------------------------------


def openai_video(task: TaskRecord, at: float, *, upstream: bool = False) -> JSON:
    """The official Video object, live."""
    phase = task.phase(at)
    status = OPENAI_STATUS[phase]
    finished = phase in ("succeeded", "failed")
    progress = round(task.progress(at) * 100)
    return {
        "id": provider_id(task) if upstream else task.id,
        "object": "video",
        "created_at": int(task.created_at),
        "status": status,
        "model": task.model,
        "progress": 100 if phase == "succeeded" else progress,
        "prompt": task.spec.prompt,
        "seconds": str(task.spec.seconds),
        "size": task.spec.size,
        "remixed_from_video_id": task.remixed_from,
        "completed_at": int(task.provider_done_at) if finished else None,
        "expires_at": int(task.expires_at) if finished and task.expires_at is not None else None,
        "error": (
            {"code": task.fail_code, "message": task.fail_message} if phase == "failed" else None
        ),
    }
