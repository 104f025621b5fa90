"""The plugin gateway's own routes: ``/v1/models`` per key and the generic task API.

- ``GET /v1/models``: the models the caller's key may use.
- ``POST /v1/tasks/{plugin}``: create through a named plugin (the model must be the plugin's).
- ``GET /v1/tasks/{id}``: the task row.
- ``GET /v1/tasks/{id}/artifacts``: the finished task's artifacts with ``access`` links that
  need no key, expire (``artifact_access_ttl``, 900 model seconds) and then answer 404
  ``artifact_not_found``; too many bad links within a minute answer 429 with ``Retry-After: 60``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

from aiohttp import web

from vidwidgets.simulator import _responses as R
from vidwidgets.simulator._middleware import request_key
from vidwidgets.simulator._plugin import (
    ARTIFACT_ERRORS,
    artifact_error,
    plugin_view,
    result_url,
    row_status,
)
from vidwidgets.simulator._plugin_validation import validate_plugin
from vidwidgets.simulator._validation import Rejection
from vidwidgets.simulator._vendors import VENDOR_MODELS, VENDOR_TIMING

if TYPE_CHECKING:
    from vidwidgets.simulator._server import Server

#: the window in which bad artifact links are counted, and the Retry-After once blocked
_BAD_TRY_WINDOW: Final = 60.0


class PluginRoutes:
    """Routes only the plugin gateway has."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.bad_tries: list[float] = []

    def register(self, app: web.Application) -> None:
        """Add these routes to ``app``."""
        app.router.add_get("/v1/models", self.models)
        if not self.server.config.plugin.task_api:
            return  # off by default on real gateways; on in the simulator unless disabled
        app.router.add_post("/v1/tasks/{task_id}", self.create_task)
        app.router.add_get("/v1/tasks/{task_id}", self.get_task)
        app.router.add_get("/v1/tasks/{task_id}/artifacts", self.artifacts)
        app.router.add_get("/v1/tasks/{task_id}/artifacts/{key}/content", self.artifact_content)

    async def models(self, request: web.Request) -> web.StreamResponse:
        allowed = self.server.config.keys.get(request_key(request))
        names = [n for n in VENDOR_MODELS if allowed is None or n in allowed]
        data = [
            {
                "id": name,
                "object": "model",
                "created": 0,
                "owned_by": VENDOR_MODELS[name].vendor,
                "supported_endpoint_types": ["openai-video"],
            }
            for name in names
        ]
        return web.json_response({"object": "list", "success": True, "data": data})

    async def create_task(self, request: web.Request) -> web.StreamResponse:
        plugin = request.match_info["task_id"]
        if plugin not in VENDOR_TIMING:
            return web.json_response(
                R.task_error("plugin_not_found", f"task plugin {plugin!r} not found"), status=404
            )
        saturated = self.server.saturated(request)
        if saturated is not None:
            return saturated
        try:
            body = await self.server.read_body(request)
            allowed = self.server.config.keys.get(request_key(request))
            spec = validate_plugin(body, allowed=allowed)
            if spec.platform != plugin:
                raise Rejection(
                    400, "invalid_request", f"model {spec.model} is not served by plugin {plugin}"
                )
        except Rejection as exc:
            return self.server.reject(exc)
        task = self.server.new_task(request, spec, body, None)
        return self.server.plugin_created(task, plugin)

    async def get_task(self, request: web.Request) -> web.StreamResponse:
        task = self.server.find(request)
        if task is None:
            return self.server.unknown(request)
        now = time.time()
        view = plugin_view(task, now)
        return web.json_response(row_status(task, view, self.server.cdn_url(task), now))

    async def artifacts(self, request: web.Request) -> web.StreamResponse:
        task = self.server.find(request)
        if task is None:
            return self.server.unknown(request)
        now = time.time()
        view = plugin_view(task, now)
        if not result_url(task, view, "ready", now):
            message = f"Task is not completed yet, current status: {view.status}"
            return web.json_response(R.task_error("task_not_completed", message), status=400)
        ttl = self.server.config.plugin.artifact_access_ttl / self.server.config.speed
        access = self.server.signer.access(task.id, now + ttl)
        url = f"{self.server.api_base}/v1/tasks/{task.id}/artifacts/video/content?access={access}"
        artifact = {"key": "video", "type": "video", "mime_type": "video/mp4", "content_url": url}
        return web.json_response({"task_id": task.id, "artifacts": [artifact]})

    async def artifact_content(self, request: web.Request) -> web.StreamResponse:
        """An ``access`` link: no key needed; expired or forged links count as bad tries."""
        now = time.time()
        self.bad_tries = [t for t in self.bad_tries if now - t < _BAD_TRY_WINDOW]
        if len(self.bad_tries) >= self.server.config.plugin.artifact_max_bad_tries:
            code = "artifact_access_rate_limited"
            return web.json_response(
                artifact_error(code),
                status=ARTIFACT_ERRORS[code],
                headers={"Retry-After": f"{_BAD_TRY_WINDOW:g}"},
            )
        task = self.server.tasks.get(request.match_info["task_id"])
        access = request.query.get("access", "")
        valid = task is not None and request.match_info["key"] == "video"
        if task is None or not valid or not self.server.signer.access_valid(task.id, access, now):
            self.bad_tries.append(now)
            return web.json_response(artifact_error("artifact_not_found"), status=404)
        if task.is_expired(now):
            return web.json_response(artifact_error("artifact_gone"), status=410)
        return await self.server.downloads.serve(request, task, "video")
