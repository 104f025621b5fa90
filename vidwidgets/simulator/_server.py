"""One simulated gateway: its state, its shared helpers, and the routes it serves.

``Server`` holds the tasks, the request log and the renderer; the routes live in one module
per API family (``_routes_gateway``: the 88API format, ``_routes_openai``: the OpenAI format,
``_routes_downloads``: ``/content`` and the CDN) and the middleware in ``_middleware``. Handlers
read the protocol tables and the task records; the dialect only selects which shape is rendered.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import threading
import time
from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from vidwidgets.simulator import _responses as R
from vidwidgets.simulator._faults import Faults
from vidwidgets.simulator._middleware import Gate, RequestRecord, current_request, request_key
from vidwidgets.simulator._plugin import NEW_API_VERSION, Signer, plugin_created, plugin_view
from vidwidgets.simulator._plugin_validation import validate_plugin
from vidwidgets.simulator._pricing import (
    DEFAULT_GROUP_RATIO,
    DEFAULT_PRICES,
    QUOTA_PER_UNIT,
    Price,
    charge,
    default_price,
    other_ratios,
)
from vidwidgets.simulator._render import VideoKey, even_size, render_variant
from vidwidgets.simulator._routes_admin import AdminRoutes
from vidwidgets.simulator._routes_downloads import DownloadRoutes
from vidwidgets.simulator._routes_gateway import GenerationRoutes
from vidwidgets.simulator._routes_openai import VideoRoutes
from vidwidgets.simulator._routes_plugin import PluginRoutes
from vidwidgets.simulator._tables import (
    MODELS,
    OPENAI_POLL_AFTER_MS,
    SATURATED_MESSAGE,
    Dialect,
    GatewayBuild,
)
from vidwidgets.simulator._tasks import (
    Settlement,
    TaskRecord,
    TimingOverrides,
    new_task_id,
    plan_task,
)
from vidwidgets.simulator._validation import JobSpec, Rejection, validate
from vidwidgets.simulator._vendors import vendor_model

__all__ = ["Config", "PluginOptions", "RequestRecord", "Server"]


@dataclass
class PluginOptions:
    """Knobs of the late-2026 plugin gateway (``Simulator(dialect="plugin", plugin=...)``).

    Times are wall-clock seconds unless marked *model* seconds (divided by ``speed``).

    Attributes:
        keys: more API keys the simulator accepts (in every dialect), each mapped to the
            models it may use (None: every model); the main ``api_key`` may use every model.
            A key asking for a model outside its list gets 503 ``model_not_found``.
        live_read_rate: share of ``GET /v1/video/generations/{id}`` reads of a running task
            whose "live provider read" works and answers the short documented shape (the
            others, and every read once finished, answer the task row). Seeded.
        settle_hold: *model* seconds a task the provider finished stays ``IN_PROGRESS`` at
            ``"99%"`` while billing settles.
        review_failure_rate: share of settled tasks that billing review turns into
            ``FAILURE`` (code ``billing_review_failed``) instead of ``SUCCESS``.
        result_retention: seconds after ``SUCCESS`` the gateway keeps the result; then the
            row stays SUCCESS without ``result_url`` and ``/content`` answers 400.
        cdn_url_ttl: seconds a signed provider CDN URL stays valid after the provider
            finished (None: never expires); an expired one answers 403 at the CDN.
        artifact_access_ttl: *model* seconds an ``access`` link of the task API stays valid.
        artifact_max_bad_tries: bad artifact links within 60 s before 429 (Retry-After 60).
        task_api: serve the generic task API (``/v1/tasks/...``).
        pricing: serve ``/api/pricing`` (False: 403, as when the operator disabled it).
        prices: model name -> [`Price`][vidwidgets.simulator.Price] (USD) overriding the defaults of
            ``_pricing``.
        group_ratio: the groups' price multipliers (every key is in ``"default"``).
        granted_quota: each key's quota in ``/api/usage/token`` (quota units, 500000 = 1 USD).

    Example:
        >>> PluginOptions(keys={"sk-veo-only": ["veo-3.1-generate-preview"]}).keys
        {'sk-veo-only': frozenset({'veo-3.1-generate-preview'})}
    """

    keys: Mapping[str, Collection[str] | None] = field(default_factory=dict)
    live_read_rate: float = 0.5
    settle_hold: float = 10.0
    review_failure_rate: float = 0.0
    result_retention: float | None = None
    cdn_url_ttl: float | None = 86400.0
    artifact_access_ttl: float = 900.0
    artifact_max_bad_tries: int = 5
    task_api: bool = True
    pricing: bool = True
    prices: Mapping[str, Price] | None = None
    group_ratio: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_GROUP_RATIO))
    granted_quota: int = 100 * QUOTA_PER_UNIT

    def __post_init__(self) -> None:
        self.keys = {k: None if v is None else frozenset(v) for k, v in self.keys.items()}
        if not 0 <= self.live_read_rate <= 1 or not 0 <= self.review_failure_rate <= 1:
            raise ValueError("live_read_rate and review_failure_rate must be between 0 and 1")


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
    plugin: PluginOptions = field(default_factory=PluginOptions)

    @property
    def keys(self) -> Mapping[str, frozenset[str] | None]:
        """Every accepted key and the models it may use (None: all)."""
        extra = {k: None if v is None else frozenset(v) for k, v in self.plugin.keys.items()}
        return {self.api_key: None, **extra}


class Server:
    """State and shared helpers of one simulated gateway."""

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
        self.closing = asyncio.Event()
        self._cancel_renders = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidsim-render")
        self._renders: dict[tuple[str, VideoKey], asyncio.Future[bytes]] = {}
        self.downloads = DownloadRoutes(self)
        self.signer = Signer(secrets.token_bytes(16))
        self.reads = random.Random(f"{config.seed}:reads")  # live provider read or the row

    @property
    def plugin(self) -> bool:
        """Whether this server imitates the late-2026 plugin gateway."""
        return self.config.dialect == "plugin"

    # -- application -------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(
            middlewares=[Gate(self).middleware()], client_max_size=self.config.max_body_bytes
        )
        GenerationRoutes(self).register(app)
        VideoRoutes(self).register(app)
        self.downloads.register(app)
        if self.plugin:
            PluginRoutes(self).register(app)
            AdminRoutes(self).register(app)
            app.on_response_prepare.append(_plugin_headers)
        return app

    def cdn_app(self) -> web.Application:
        """The provider CDN alone, served on an origin of its own (plugin dialect)."""
        app = web.Application(middlewares=[Gate(self).middleware()])
        self.downloads.register_cdn(app)
        return app

    async def close(self) -> None:
        """Release hanging requests and stop rendering (called before the runner cleans up)."""
        self.closing.set()
        self._cancel_renders.set()  # a render in progress stops at its next frame
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- errors ------------------------------------------------------------------------------

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

    # -- create ------------------------------------------------------------------------------

    async def read_body(self, request: web.Request) -> dict[str, Any]:
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

    def in_flight(self, now: float) -> int:
        return sum(1 for t in self.tasks.values() if not t.deleted and now < t.provider_done_at)

    def saturated(self, request: web.Request) -> web.Response | None:
        limit = self.config.max_in_flight
        if limit is None or self.in_flight(time.time()) < limit:
            return None
        current_request().fault = "capacity"
        return self.error_response(
            429, SATURATED_MESSAGE, code="upstream_saturated", middleware=True
        )

    def reject(self, exc: Rejection) -> web.Response:
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

    def new_task(
        self, request: web.Request, spec: JobSpec, body: dict[str, Any], remixed_from: str | None
    ) -> TaskRecord:
        cfg = self.config
        prefix = "video_" if cfg.dialect == "openai" else "task_"
        period = cfg.refresh_period / cfg.speed if cfg.dialect in ("newapi", "plugin") else 0.0
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
            settlement=self._settlement() if self.plugin else None,
        )
        task.owner = request_key(request)
        self.tasks[task.id] = task
        current_request().task_id = task.id
        if cfg.prerender and task.outcome == "succeeded":  # ready when the download is due
            self._render_soon("video", self.video_key(task))
        return task

    def _settlement(self) -> Settlement:
        knobs = self.config.plugin
        return Settlement(
            hold=knobs.settle_hold / self.config.speed,
            review_failure_rate=knobs.review_failure_rate,
            retention=knobs.result_retention,
        )

    def validate(self, request: web.Request, body: dict[str, Any]) -> JobSpec:
        """The job a create body asks for, read by the dialect's rules (raises Rejection)."""
        dialect = self.config.dialect
        if dialect == "plugin":
            allowed = self.config.keys.get(request_key(request))
            default = "" if request.path.startswith("/v1/video/") else "sora-2"
            return validate_plugin(body, allowed=allowed, default_model=default)
        model = body.get("model") or "sora-2"
        if dialect == "openai" and (model not in MODELS or MODELS[model].platform != "sora"):
            raise Rejection(
                400,
                "invalid_value",
                f"Invalid value: '{model}'. Supported values are: 'sora-2' and 'sora-2-pro'.",
                "model",
            )
        return validate(body, default_model="sora-2" if dialect == "openai" else None)

    async def create(self, request: web.Request, *, generations: bool) -> web.Response:
        saturated = self.saturated(request)
        if saturated is not None:
            return saturated
        try:
            body = await self.read_body(request)
            spec = self.validate(request, body)
        except Rejection as exc:
            return self.reject(exc)
        task = self.new_task(request, spec, body, None)
        return self.created(task, generations=generations)

    def created(self, task: TaskRecord, *, generations: bool) -> web.Response:
        dialect = self.config.dialect
        if dialect == "openai":
            return self.openai_json(R.openai_video(task, time.time()))
        if dialect == "plugin":
            return self.plugin_created(task)
        if dialect == "docs" and generations:
            return web.json_response(R.docs_created(task))
        if task.spec.platform == "sora":
            return web.json_response(R.openai_video(task, task.created_at))
        return web.json_response(R.gateway_created(task))

    @property
    def prices(self) -> dict[str, Price]:
        """The price table: the defaults, overridden by ``PluginOptions.prices``."""
        return {**DEFAULT_PRICES, **(self.config.plugin.prices or {})}

    def plugin_created(self, task: TaskRecord, plugin: str | None = None) -> web.Response:
        """The plugin gateway's create answer, charging the task and naming the ratios."""
        rule = vendor_model(task.model)
        price = self.prices.get(task.model) or (default_price(rule) if rule else Price(0.0))
        ratios = other_ratios(task)
        group = self.config.plugin.group_ratio.get("default", 1.0)
        task.extra["quota"] = charge(price, group, ratios)
        headers = {"X-New-Api-Other-Ratios": json.dumps(ratios, separators=(",", ":"))}
        return web.json_response(plugin_created(task, plugin), headers=headers)

    # -- lookups -------------------------------------------------------------------------------

    def find(self, request: web.Request) -> TaskRecord | None:
        """The task the path names, if it exists (plugin: and the caller's key created it)."""
        task = self.tasks.get(request.match_info["task_id"])
        if task is None or task.deleted:
            return None
        if self.plugin and task.owner != request_key(request):
            return None  # another key's task looks like an unknown id
        return task

    def unknown(self, request: web.Request) -> web.Response:
        task_id = request.match_info["task_id"]
        if self.config.dialect == "openai":
            message = f"Video with id '{task_id}' not found."
            return web.json_response(R.openai_error(404, message, None, "not_found"), status=404)
        if self.config.dialect == "docs":
            return web.json_response(
                R.openai_error(400, "task_not_exist", "task_id", "task_not_exist"), status=400
            )
        return web.json_response(R.task_error("task_not_exist", "task_not_exist"), status=400)

    def completed(self, task: TaskRecord) -> bool:
        now = time.time()
        if self.config.dialect == "newapi":
            return task.gateway_view(now).status == "SUCCESS"
        if self.plugin:
            return plugin_view(task, now).status == "SUCCESS"
        return task.phase(now) == "succeeded"

    def openai_json(self, body: dict[str, Any]) -> web.Response:
        if self.plugin:
            return web.json_response(body)  # the plugin gateway sends no poll hint
        poll_ms = max(50, round(OPENAI_POLL_AFTER_MS / self.config.speed))
        return web.json_response(body, headers={"openai-poll-after-ms": str(poll_ms)})

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
        url = f"{self.cdn_base}/cdn/{task.spec.platform}/{task.id}.{ext}"
        if not self.plugin:
            return url
        ttl = self.config.plugin.cdn_url_ttl
        # signed when the provider finished; far in the future when URLs do not expire
        expires = task.provider_done_at + (ttl if ttl is not None else 10 * 365 * 86400)
        return f"{url}?{self.signer.cdn_query(task.id, expires)}"


async def _plugin_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every plugin-gateway response: the version header, no caching, no poll hint."""
    response.headers["X-New-Api-Version"] = NEW_API_VERSION
    response.headers["Cache-Control"] = "private, no-store"
    response.headers.popall("openai-poll-after-ms", None)


def _ignore_result(future: asyncio.Future[bytes]) -> None:
    if not future.cancelled():
        future.exception()  # mark retrieved: a failed prefetch is reported on the real request
