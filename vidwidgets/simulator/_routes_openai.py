"""The OpenAI-format routes: ``/v1/videos`` create, list, retrieve, delete and remix."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

from aiohttp import web

from vidwidgets.simulator import _responses as R
from vidwidgets.simulator._plugin import plugin_video, plugin_view
from vidwidgets.simulator._validation import Rejection

if TYPE_CHECKING:
    from vidwidgets.simulator._server import Server


class VideoRoutes:
    """The Video API as the official API and the gateway answer it."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def register(self, app: web.Application) -> None:
        """Add these routes to ``app``."""
        app.router.add_post("/v1/videos", self.create_video)
        app.router.add_get("/v1/videos", self.list_videos)
        app.router.add_get("/v1/videos/{task_id}", self.get_video)
        app.router.add_delete("/v1/videos/{task_id}", self.delete_video)
        app.router.add_post("/v1/videos/{task_id}/remix", self.remix_video)

    async def create_video(self, request: web.Request) -> web.StreamResponse:
        return await self.server.create(request, generations=False)

    async def remix_video(self, request: web.Request) -> web.StreamResponse:
        saturated = self.server.saturated(request)
        if saturated is not None:
            return saturated
        source = self.server.find(request)
        if source is None:
            return self.server.unknown(request)
        try:
            body = await self.server.read_body(request)
            prompt = body.get("prompt")
            if not isinstance(prompt, str) or not prompt.strip():
                raise Rejection(400, "invalid_request", "prompt is required", "prompt")
            if source.spec.platform != "sora":
                raise Rejection(400, "invalid_request", "remix is only supported for sora models")
            if not self.server.completed(source):
                raise Rejection(
                    400,
                    "invalid_request",
                    f"Video {source.id} is not completed; only completed videos can be remixed",
                    "video_id",
                )
        except Rejection as exc:
            return self.server.reject(exc)
        spec = dataclasses.replace(source.spec, prompt=prompt)
        task = self.server.new_task(request, spec, {"prompt": prompt}, source.id)
        return self.server.created(task, generations=False)

    async def get_video(self, request: web.Request) -> web.StreamResponse:
        task = self.server.find(request)
        if task is None:
            return self.server.unknown(request)
        now = time.time()
        if self.server.config.dialect == "openai":
            return self.server.openai_json(R.openai_video(task, now))
        if self.server.plugin:
            return web.json_response(plugin_video(task, plugin_view(task, now)))
        view = task.gateway_view(now)
        if self.server.config.gateway_build == "row":
            return web.json_response(R.task_row(task, view))
        return web.json_response(R.gateway_video(task, view, self.server.cdn_url(task)))

    async def list_videos(self, request: web.Request) -> web.StreamResponse:
        if self.server.config.dialect != "openai":
            raise web.HTTPNotFound()  # the gateway has no list route
        query = request.query
        try:
            limit = int(query.get("limit", "20"))
        except ValueError:
            return self.server.error_response(400, "limit must be an integer", param="limit")
        order = query.get("order", "desc")
        if order not in ("asc", "desc") or not 1 <= limit <= 100:
            return self.server.error_response(
                400, "Invalid value for 'order' or 'limit'", param="order", code="invalid_value"
            )
        items = sorted(
            (t for t in self.server.tasks.values() if not t.deleted),
            key=lambda t: (t.created_at, t.seq),
            reverse=order == "desc",
        )
        after = query.get("after")
        if after:
            ids = [t.id for t in items]
            if after not in ids:
                return self.server.error_response(
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
        if self.server.config.dialect != "openai":
            raise web.HTTPNotFound()
        task = self.server.find(request)
        if task is None:
            return self.server.unknown(request)
        task.deleted = True
        return web.json_response({"id": task.id, "deleted": True, "object": "video.deleted"})
