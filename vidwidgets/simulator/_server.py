"""The aiohttp application: routes, auth, the request log and fault injection.

One :class:`Server` per simulator instance. Handlers read the protocol tables and the task
records; the dialect only selects which response shape is rendered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import re
import secrets
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web
from multidict import MultiDictProxy

from vidwidgets.simulator import _responses as R
from vidwidgets.simulator._faults import BEFORE_KINDS, Fault, Faults
from vidwidgets.simulator._render import VARIANTS, VideoKey, even_size, render_variant
from vidwidgets.simulator._tables import (
    INVALID_TOKEN_MESSAGE,
    MISSING_TOKEN_MESSAGE,
    MODELS,
    OPENAI_POLL_AFTER_MS,
    OPENAI_STATUS,
    SATURATED_MESSAGE,
    STATUS_MESSAGES,
    Dialect,
    GatewayBuild,
)
from vidwidgets.simulator._tasks import TaskRecord, TimingOverrides, new_task_id, plan_task
from vidwidgets.simulator._validation import JobSpec, Rejection, validate

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RequestRecord:
    """One request as the server saw it (``sim.requests``)."""

    method: str
    path: str
    query: dict[str, str]
    host: str
    #: ``time.monotonic()`` and ``time.time()`` when the request arrived
    time: float
    wall: float
    had_authorization: bool
    status: int | None = None  # None: no response (reset, hang)
    task_id: str | None = None
    fault: str | None = None  # label of the injected fault, e.g. "http_503", "reset", "capacity"
    elapsed: float = 0.0


@dataclass
class Config:
    """Everything a server instance is configured with (see ``Simulator``)."""

    dialect: Dialect
    api_key: str
    seed: int
    speed: float
    failure_rate: float
    refresh_period: float
    expire_after: float | None
    video_scale: float
    fps: int
    max_in_flight: int | None
    timing: TimingOverrides
    max_body_bytes: int
    gateway_build: GatewayBuild = "current"
    prerender: bool = True
    faults: Faults = field(default_factory=Faults)


#: faults that never send a status line (their requests are logged with status None)
_SILENT: Final = frozenset({"reset", "hang"})


#: the record of the request being handled (middleware and handler share one task)
_current: ContextVar[RequestRecord] = ContextVar("vidsim_request")

_TASK_PATH: Final = re.compile(r"^/v1/(?:videos|video/generations)/([^/]+)")
_CDN_PATH: Final = re.compile(r"^/cdn/[^/]+/([^/.]+)\.")


class Server:
    """State and handlers of one simulated gateway."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.tasks: dict[str, TaskRecord] = {}
        self.requests: list[RequestRecord] = []
        self.create_count = 0
        self.api_base = ""  # set once the port is known
        self.cdn_base = ""
        self.origin = time.time()  # the gateway's refresh loop starts with the server
        # Ids are unique per instance, not seeded: two simulators in one process must never
        # hand out the same id (clients cache by id). Everything else is seeded.
        self._ids = random.Random(secrets.randbits(64))
        self._closing = asyncio.Event()
        self._cancel_renders = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidsim-render")
        self._renders: dict[tuple[str, VideoKey], asyncio.Future[bytes]] = {}

    # -- application -------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._observe], client_max_size=self.config.max_body_bytes
        )
        app.router.add_post("/v1/video/generations", self.create_generation)
        app.router.add_get("/v1/video/generations/{task_id}", self.get_generation)
        app.router.add_post("/v1/videos", self.create_video)
        app.router.add_get("/v1/videos", self.list_videos)
        app.router.add_get("/v1/videos/{task_id}", self.get_video)
        app.router.add_delete("/v1/videos/{task_id}", self.delete_video)
        app.router.add_get("/v1/videos/{task_id}/content", self.video_content)
        app.router.add_post("/v1/videos/{task_id}/remix", self.remix_video)
        app.router.add_get("/cdn/{platform}/{name}", self.cdn)
        return app

    async def close(self) -> None:
        """Release hanging requests and stop rendering (called before the runner cleans up)."""
        self._closing.set()
        self._cancel_renders.set()  # a render in progress stops at its next frame
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- middleware: log, auth, faults -------------------------------------------------------

    @web.middleware
    async def _observe(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.monotonic()
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            host=request.host,
            time=started,
            wall=time.time(),
            had_authorization="Authorization" in request.headers,
        )
        match = _TASK_PATH.match(request.path) or _CDN_PATH.match(request.path)
        if match:
            record.task_id = match.group(1)
        self.requests.append(record)
        _current.set(record)
        try:
            response = await self._dispatch(request, handler, record)
        except web.HTTPException as exc:  # e.g. 413 from aiohttp's body size cap
            record.status = exc.status
            raise
        finally:
            record.elapsed = time.monotonic() - started
        if record.status is None and record.fault not in _SILENT:
            record.status = response.status
        return response

    async def _dispatch(
        self, request: web.Request, handler: Handler, record: RequestRecord
    ) -> web.StreamResponse:
        if request.path.startswith("/v1/"):
            denied = self._check_auth(request)
            if denied is not None:
                return denied
        fault = self.config.faults.pick(request.method, request.path)
        if fault is not None:
            record.fault = fault.label
            if fault.kind in BEFORE_KINDS:
                early = await self._inject_before(request, fault)
                if early is not None:
                    return early
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            response = self._not_found(request)
        except web.HTTPMethodNotAllowed:
            response = self._not_found(request, status=405)
        if fault is not None and fault.kind not in BEFORE_KINDS:
            return await self._inject_after(request, fault, response)
        return response

    def _check_auth(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() == "bearer" and key.strip() == self.config.api_key:
            return None
        missing = not key.strip()
        if self.config.dialect == "openai":
            message = (
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                if missing
                else f"Incorrect API key provided: {_mask(key)}."
            )
            body = R.openai_error(401, message, None, None if missing else "invalid_api_key")
        else:
            message = MISSING_TOKEN_MESSAGE if missing else INVALID_TOKEN_MESSAGE
            body = R.gateway_error(f"{message} (request id: {_request_id()})")
        return web.json_response(body, status=401)

    def _not_found(self, request: web.Request, status: int = 404) -> web.Response:
        message = f"Invalid URL ({request.method} {request.path})"
        if self.config.dialect == "openai":
            return web.json_response(R.openai_error(status, message), status=status)
        if request.path.startswith("/cdn/"):
            return web.Response(status=status, text="Not Found")
        return web.json_response(
            {
                "error": {
                    "message": message,
                    "type": "invalid_request_error",
                    "param": "",
                    "code": "",
                }
            },
            status=status,
        )

    def error_response(
        self,
        status: int,
        message: str,
        *,
        code: str = "",
        param: str | None = None,
        retry_after: float | None = None,
        middleware: bool = False,
    ) -> web.Response:
        """An error in the shape this dialect uses (``middleware``: gateway middleware errors)."""
        if self.config.dialect == "openai":
            body = R.openai_error(status, message, param, code or None)
        elif middleware:
            body = R.gateway_error(message, code)
        elif self.config.dialect == "docs":
            body = R.openai_error(status, message, param, code or None)
        else:
            body = R.task_error(code or "fail_to_fetch_task", message)
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return web.json_response(body, status=status, headers=headers)

    async def _inject_before(self, request: web.Request, fault: Fault) -> web.StreamResponse | None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "reset":
            return _drop(request, reset=True)
        if fault.kind == "hang":
            await self._closing.wait()
            return _drop(request, reset=True)
        if fault.kind == "saturated":
            return self.error_response(
                429,
                SATURATED_MESSAGE,
                code="upstream_saturated",
                retry_after=fault.retry_after,
                middleware=True,
            )
        status = fault.status
        message = STATUS_MESSAGES.get(status, f"injected error {status}")
        if fault.kind == "rate_limited":
            message = "Rate limit reached, please retry later"
        code = "rate_limit_exceeded" if status == 429 else f"upstream_error_{status}"
        return self.error_response(
            status, message, code=code, retry_after=fault.retry_after, middleware=True
        )

    async def _inject_after(
        self, request: web.Request, fault: Fault, response: web.StreamResponse
    ) -> web.StreamResponse:
        if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
            return response
        body = response.body
        if fault.kind == "wrong_content_type":
            response.headers["Content-Type"] = fault.content_type
            return response
        if fault.kind == "malformed_json":
            return web.Response(
                status=response.status,
                body=body[: max(1, len(body) // 2)],
                content_type="application/json",
            )
        # truncated: promise the whole body, send part of it, close the connection
        keep = int(len(body) * fault.keep) if fault.keep < 1 else int(fault.keep)
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: min(keep, len(body) - 1)])
        _drop(request, reset=False)
        return stream

    # -- create ------------------------------------------------------------------------------

    async def _read_body(self, request: web.Request) -> dict[str, Any]:
        ctype = request.content_type
        if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form: MultiDictProxy[Any] = await request.post()
            body: dict[str, Any] = {}
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    body[name] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(data),
                    }
                else:
                    body[name] = value
            return body
        raw = await request.read()
        try:
            parsed = json.loads(raw or b"{}")
        except ValueError as exc:
            raise Rejection(400, "invalid_request", f"invalid request body: {exc}") from exc
        if not isinstance(parsed, dict):
            raise Rejection(400, "invalid_request", "request body must be a JSON object")
        return parsed

    def _in_flight(self, now: float) -> int:
        return sum(1 for t in self.tasks.values() if not t.deleted and now < t.provider_done_at)

    def _saturated(self, request: web.Request) -> web.Response | None:
        limit = self.config.max_in_flight
        if limit is None or self._in_flight(time.time()) < limit:
            return None
        _current.get().fault = "capacity"
        return self.error_response(
            429, SATURATED_MESSAGE, code="upstream_saturated", middleware=True
        )

    def _reject(self, exc: Rejection) -> web.Response:
        if self.config.dialect == "openai":
            code = {
                "invalid_request": "invalid_value",
                "missing_model": "missing_required_parameter",
            }
            return self.error_response(
                exc.status, exc.message, code=code.get(exc.code, exc.code), param=exc.param
            )
        return self.error_response(
            exc.status, exc.message, code=exc.code, param=exc.param, middleware=exc.status == 503
        )

    def _new_task(
        self, request: web.Request, spec: JobSpec, body: dict[str, Any], remixed_from: str | None
    ) -> TaskRecord:
        cfg = self.config
        prefix = "video_" if cfg.dialect == "openai" else "task_"
        period = cfg.refresh_period / cfg.speed if cfg.dialect == "newapi" else 0.0
        self.create_count += 1
        task = plan_task(
            seq=self.create_count,
            task_id=new_task_id(prefix, self._ids),
            spec=spec,
            body=body,
            path=request.path,
            sim_seed=cfg.seed,
            speed=cfg.speed,
            failure_rate=cfg.failure_rate,
            timing=cfg.timing,
            refresh_origin=self.origin,
            refresh_period=period if period > 0 else None,
            expire_after=cfg.expire_after,
            remixed_from=remixed_from,
        )
        self.tasks[task.id] = task
        _current.get().task_id = task.id
        if cfg.prerender and task.outcome == "succeeded":  # ready when the download is due
            self._render_soon("video", self.video_key(task))
        return task

    async def _create(self, request: web.Request, *, generations: bool) -> web.Response:
        saturated = self._saturated(request)
        if saturated is not None:
            return saturated
        dialect = self.config.dialect
        try:
            body = await self._read_body(request)
            model = body.get("model") or "sora-2"
            if dialect == "openai" and (model not in MODELS or MODELS[model].platform != "sora"):
                raise Rejection(
                    400,
                    "invalid_value",
                    f"Invalid value: '{model}'. Supported values are: 'sora-2' and 'sora-2-pro'.",
                    "model",
                )
            spec = validate(body, default_model="sora-2" if dialect == "openai" else None)
        except Rejection as exc:
            return self._reject(exc)
        task = self._new_task(request, spec, body, None)
        return self._created(task, generations=generations)

    def _created(self, task: TaskRecord, *, generations: bool) -> web.Response:
        dialect = self.config.dialect
        if dialect == "openai":
            return self._openai_json(R.openai_video(task, time.time()))
        if dialect == "docs" and generations:
            return web.json_response(R.docs_created(task))
        if task.spec.platform == "sora":
            return web.json_response(R.openai_video(task, task.created_at))
        return web.json_response(R.gateway_created(task))

    async def create_generation(self, request: web.Request) -> web.StreamResponse:
        if self.config.dialect == "openai":
            raise web.HTTPNotFound()
        return await self._create(request, generations=True)

    async def create_video(self, request: web.Request) -> web.StreamResponse:
        return await self._create(request, generations=False)

    async def remix_video(self, request: web.Request) -> web.StreamResponse:
        saturated = self._saturated(request)
        if saturated is not None:
            return saturated
        source = self._find(request)
        if source is None:
            return self._unknown(request)
        try:
            body = await self._read_body(request)
            prompt = body.get("prompt")
            if not isinstance(prompt, str) or not prompt.strip():
                raise Rejection(400, "invalid_request", "prompt is required", "prompt")
            if source.spec.platform != "sora":
                raise Rejection(400, "invalid_request", "remix is only supported for sora models")
            if not self._completed(source):
                raise Rejection(
                    400,
                    "invalid_request",
                    f"Video {source.id} is not completed; only completed videos can be remixed",
                    "video_id",
                )
        except Rejection as exc:
            return self._reject(exc)
        spec = dataclasses.replace(source.spec, prompt=prompt)
        task = self._new_task(request, spec, {"prompt": prompt}, source.id)
        return self._created(task, generations=False)

    # -- status ------------------------------------------------------------------------------

    def _find(self, request: web.Request) -> TaskRecord | None:
        task = self.tasks.get(request.match_info["task_id"])
        return None if task is None or task.deleted else task

    def _unknown(self, request: web.Request) -> web.Response:
        task_id = request.match_info["task_id"]
        if self.config.dialect == "openai":
            message = f"Video with id '{task_id}' not found."
            return web.json_response(R.openai_error(404, message, None, "not_found"), status=404)
        if self.config.dialect == "docs":
            return web.json_response(
                R.openai_error(400, "task_not_exist", "task_id", "task_not_exist"), status=400
            )
        return web.json_response(R.task_error("task_not_exist", "task_not_exist"), status=400)

    def _completed(self, task: TaskRecord) -> bool:
        now = time.time()
        if self.config.dialect == "newapi":
            return task.gateway_view(now).status == "SUCCESS"
        return task.phase(now) == "succeeded"

    def _openai_json(self, body: dict[str, Any]) -> web.Response:
        poll_ms = max(50, round(OPENAI_POLL_AFTER_MS / self.config.speed))
        return web.json_response(body, headers={"openai-poll-after-ms": str(poll_ms)})

    async def get_generation(self, request: web.Request) -> web.StreamResponse:
        if self.config.dialect == "openai":
            raise web.HTTPNotFound()
        task = self._find(request)
        if task is None:
            return self._unknown(request)
        now = time.time()
        if self.config.dialect == "docs":
            width, height = self.output_size(task)
            body = R.docs_status(task, now, self.cdn_url(task), width, height, self.config.fps)
            return web.json_response(body)
        view = task.gateway_view(now)
        return web.json_response(
            R.newapi_status(
                task,
                view,
                self.cdn_url(task),
                self.cdn_url(task, "webp"),
                build=self.config.gateway_build,
                expired=task.is_expired(now),
            )
        )

    async def get_video(self, request: web.Request) -> web.StreamResponse:
        task = self._find(request)
        if task is None:
            return self._unknown(request)
        now = time.time()
        if self.config.dialect == "openai":
            return self._openai_json(R.openai_video(task, now))
        view = task.gateway_view(now)
        if self.config.gateway_build == "row":
            return web.json_response(R.task_row(task, view))
        return web.json_response(R.gateway_video(task, view, self.cdn_url(task)))

    async def list_videos(self, request: web.Request) -> web.StreamResponse:
        if self.config.dialect != "openai":
            raise web.HTTPNotFound()  # the gateway has no list route
        query = request.query
        try:
            limit = int(query.get("limit", "20"))
        except ValueError:
            return self.error_response(400, "limit must be an integer", param="limit")
        order = query.get("order", "desc")
        if order not in ("asc", "desc") or not 1 <= limit <= 100:
            return self.error_response(
                400, "Invalid value for 'order' or 'limit'", param="order", code="invalid_value"
            )
        items = sorted(
            (t for t in self.tasks.values() if not t.deleted),
            key=lambda t: (t.created_at, t.seq),
            reverse=order == "desc",
        )
        after = query.get("after")
        if after:
            ids = [t.id for t in items]
            if after not in ids:
                return self.error_response(
                    400, f"No video found with id '{after}'", param="after", code="invalid_value"
                )
            items = items[ids.index(after) + 1 :]
        page = items[:limit]
        now = time.time()
        return web.json_response(
            {
                "object": "list",
                "data": [R.openai_video(t, now) for t in page],
                "first_id": page[0].id if page else None,
                "last_id": page[-1].id if page else None,
                "has_more": len(items) > limit,
            }
        )

    async def delete_video(self, request: web.Request) -> web.StreamResponse:
        if self.config.dialect != "openai":
            raise web.HTTPNotFound()
        task = self._find(request)
        if task is None:
            return self._unknown(request)
        task.deleted = True
        return web.json_response({"id": task.id, "deleted": True, "object": "video.deleted"})

    # -- downloads ---------------------------------------------------------------------------

    async def video_content(self, request: web.Request) -> web.StreamResponse:
        task = self.tasks.get(request.match_info["task_id"])
        now = time.time()
        if self.config.dialect != "openai":
            # new-api's proxy: 404 unknown, 400 until its own copy says SUCCESS; the variant
            # is not forwarded, the video is always what comes back.
            if task is None:
                return web.json_response(R.proxy_error("Task not found"), status=404)
            view = task.gateway_view(now)
            if view.status != "SUCCESS":
                message = f"Task is not completed yet, current status: {view.status}"
                return web.json_response(R.proxy_error(message), status=400)
            if task.is_expired(now):
                return web.json_response(
                    R.proxy_error("Failed to fetch video content", "server_error"), status=502
                )
            return await self._serve(request, task, "video")
        if task is None or task.deleted:
            return self._unknown(request)
        variant = request.query.get("variant", "video")
        if variant not in VARIANTS:
            return self.error_response(
                400,
                f"Invalid value: '{variant}'. Supported values are: 'video', 'thumbnail' and "
                "'spritesheet'.",
                param="variant",
                code="invalid_value",
            )
        phase = task.phase(now)
        if phase != "succeeded":
            return self.error_response(
                400 if phase != "failed" else 404,
                f"Video {task.id} is not ready (status: {OPENAI_STATUS[phase]}).",
                code="video_not_ready",
            )
        if task.is_expired(now):
            return self.error_response(404, f"Video {task.id} has expired.", code="video_expired")
        return await self._serve(request, task, variant)

    async def cdn(self, request: web.Request) -> web.StreamResponse:
        """The provider's CDN: no auth, Range support, URLs that expire."""
        name = request.match_info["name"]
        task_id, _, ext = name.partition(".")
        task = self.tasks.get(task_id)
        variant = {"mp4": "video", "webp": "thumbnail"}.get(ext)
        now = time.time()
        if task is None or variant is None or task.phase(now) != "succeeded":
            return web.Response(status=404, text="Not Found")
        if task.is_expired(now):
            return web.Response(
                status=403,
                text="<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                content_type="application/xml",
            )
        return await self._serve(request, task, variant)

    async def _serve(self, request: web.Request, task: TaskRecord, variant: str) -> web.Response:
        data = await self.render(variant, self.video_key(task))
        headers = {"Accept-Ranges": "bytes", "Content-Type": VARIANTS[variant]}
        spec = request.headers.get("Range")
        if spec is None:
            return web.Response(body=data, headers=headers)
        span = _parse_range(spec, len(data))
        if span is None:
            headers["Content-Range"] = f"bytes */{len(data)}"
            return web.Response(status=416, headers=headers)
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return web.Response(status=206, body=data[start : end + 1], headers=headers)

    # -- rendering ---------------------------------------------------------------------------

    def output_size(self, task: TaskRecord) -> tuple[int, int]:
        scale = self.config.video_scale
        return even_size(task.spec.width * scale, task.spec.height * scale)

    def video_key(self, task: TaskRecord) -> VideoKey:
        width, height = self.output_size(task)
        return VideoKey(
            model=task.model,
            prompt=task.spec.prompt,
            seed=task.seed,
            width=width,
            height=height,
            seconds=max(1, task.spec.seconds),
            fps=self.config.fps,
        )

    def _render_soon(self, variant: str, key: VideoKey) -> asyncio.Future[bytes]:
        future = self._renders.get((variant, key))
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(
                self._executor, render_variant, variant, key, self._cancel_renders
            )
            future.add_done_callback(_ignore_result)
            self._renders[(variant, key)] = future
        return future

    async def render(self, variant: str, key: VideoKey) -> bytes:
        """The bytes of one variant, rendered in the worker thread (never on the loop)."""
        return await asyncio.shield(self._render_soon(variant, key))

    def cdn_url(self, task: TaskRecord, ext: str = "mp4") -> str:
        return f"{self.cdn_base}/cdn/{task.spec.platform}/{task.id}.{ext}"


def _ignore_result(future: asyncio.Future[bytes]) -> None:
    if not future.cancelled():
        future.exception()  # mark retrieved: a failed prefetch is reported on the real request


def _parse_range(spec: str, size: int) -> tuple[int, int] | None:
    """A single ``bytes=`` range -> inclusive (start, end), or None if unsatisfiable."""
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", spec)
    if not match or size == 0 or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:  # suffix: the last N bytes
        count = int(last)
        if count == 0:
            return None
        return max(0, size - count), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end


def _drop(request: web.Request, *, reset: bool) -> web.Response:
    """Close the connection: with an RST (``reset``) or after flushing what was written.

    Returns a response for aiohttp to fail writing; it treats that as a client disconnect and
    stays quiet (an exception from the handler would be logged as a server error).
    """
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if reset and sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            transport.close()
    return web.Response(status=500)


def _mask(key: str) -> str:
    return key[:3] + "*" * max(0, len(key) - 7) + key[-4:] if len(key) > 8 else "***"


def _request_id() -> str:
    return time.strftime("%Y%m%d%H%M%S") + f"{random.randrange(10**8):08d}"
