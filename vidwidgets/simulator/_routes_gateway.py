"""The 88API-format routes: ``/v1/video/generations`` (create and status)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from vidwidgets.simulator import _responses as R
from vidwidgets.simulator._plugin import finished, live_status, plugin_view, row_status
from vidwidgets.simulator._tasks import TaskRecord

if TYPE_CHECKING:
    from vidwidgets.simulator._server import Server


class GenerationRoutes:
    """Create and read tasks in the 88API format (docs and newapi dialects)."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def register(self, app: web.Application) -> None:
        """Add these routes to ``app``."""
        app.router.add_post("/v1/video/generations", self.create_generation)
        app.router.add_get("/v1/video/generations/{task_id}", self.get_generation)

    async def create_generation(self, request: web.Request) -> web.StreamResponse:
        if self.server.config.dialect == "openai":
            raise web.HTTPNotFound()
        return await self.server.create(request, generations=True)

    async def get_generation(self, request: web.Request) -> web.StreamResponse:
        if self.server.config.dialect == "openai":
            raise web.HTTPNotFound()
        task = self.server.find(request)
        if task is None:
            return self.server.unknown(request)
        now = time.time()
        if self.server.plugin:
            return web.json_response(self.plugin_status(task, now))
        if self.server.config.dialect == "docs":
            width, height = self.server.output_size(task)
            body = R.docs_status(
                task, now, self.server.cdn_url(task), width, height, self.server.config.fps
            )
            return web.json_response(body)
        view = task.gateway_view(now)
        return web.json_response(
            R.newapi_status(
                task,
                view,
                self.server.cdn_url(task),
                self.server.cdn_url(task, "webp"),
                build=self.server.config.gateway_build,
                expired=task.is_expired(now),
            )
        )

    def plugin_status(self, task: TaskRecord, now: float) -> dict[str, Any]:
        """The row, or (while it runs and the live provider read works) the short shape."""
        view = plugin_view(task, now)
        url = self.server.cdn_url(task)
        live = self.server.reads.random() < self.server.config.plugin.live_read_rate
        if live and not finished(view):
            return live_status(task, url, now)
        return row_status(task, view, url, now)
