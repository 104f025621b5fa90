"""The download routes: the gateway's ``/v1/videos/{id}/content`` proxy and the provider CDN."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from aiohttp import web

from vidwidgets.simulator import _responses as R
from vidwidgets.simulator._plugin import artifact_error, plugin_view, result_url
from vidwidgets.simulator._render import VARIANTS
from vidwidgets.simulator._tables import OPENAI_STATUS
from vidwidgets.simulator._tasks import TaskRecord

if TYPE_CHECKING:
    from vidwidgets.simulator._server import Server


class DownloadRoutes:
    """Video bytes: through the gateway (with its checks) and from the CDN (no auth)."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def register(self, app: web.Application) -> None:
        """Add these routes to ``app``."""
        app.router.add_get("/v1/videos/{task_id}/content", self.video_content)
        if not self.server.plugin:  # the plugin dialect serves its CDN from another origin
            self.register_cdn(app)

    def register_cdn(self, app: web.Application) -> None:
        """Add the CDN route alone (the plugin dialect's second origin)."""
        app.router.add_get("/cdn/{platform}/{name}", self.cdn)

    async def video_content(self, request: web.Request) -> web.StreamResponse:
        task = self.server.tasks.get(request.match_info["task_id"])
        now = time.time()
        if self.server.plugin:
            return await self.plugin_content(request, now)
        if self.server.config.dialect != "openai":
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
            return await self.serve(request, task, "video")
        if task is None or task.deleted:
            return self.server.unknown(request)
        variant = request.query.get("variant", "video")
        if variant not in VARIANTS:
            return self.server.error_response(
                400,
                f"Invalid value: '{variant}'. Supported values are: 'video', 'thumbnail' and "
                "'spritesheet'.",
                param="variant",
                code="invalid_value",
            )
        phase = task.phase(now)
        if phase != "succeeded":
            return self.server.error_response(
                400 if phase != "failed" else 404,
                f"Video {task.id} is not ready (status: {OPENAI_STATUS[phase]}).",
                code="video_not_ready",
            )
        if task.is_expired(now):
            return self.server.error_response(
                404, f"Video {task.id} has expired.", code="video_expired"
            )
        return await self.serve(request, task, variant)

    async def cdn(self, request: web.Request) -> web.StreamResponse:
        """The provider's CDN: no auth, Range support, URLs that expire."""
        name = request.match_info["name"]
        task_id, _, ext = name.partition(".")
        task = self.server.tasks.get(task_id)
        variant = {"mp4": "video", "webp": "thumbnail"}.get(ext)
        now = time.time()
        if task is None or variant is None or task.phase(now) != "succeeded":
            return web.Response(status=404, text="Not Found")
        if self.server.plugin:
            signed = self.server.signer.cdn_valid(task.id, dict(request.query), now)
            if signed is None:
                return _cdn_denied("SignatureDoesNotMatch", "The request signature is invalid")
            if not signed:
                return _cdn_denied("AccessDenied", "Request has expired")
        if task.is_expired(now):
            return web.Response(
                status=403,
                text="<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                content_type="application/xml",
            )
        return await self.serve(request, task, variant)

    async def plugin_content(self, request: web.Request, now: float) -> web.StreamResponse:
        """The plugin gateway's ``/content``: 400 until SUCCESS and after cleanup, 410 gone."""
        task = self.server.find(request)
        if task is None:
            return web.json_response(R.proxy_error("Task not found"), status=404)
        view = plugin_view(task, now)
        if not result_url(task, view, "ready", now):
            # after the retention the row says SUCCESS but the gateway has no video any more
            message = f"Task is not completed yet, current status: {view.status}"
            return web.json_response(R.proxy_error(message), status=400)
        if task.is_expired(now):
            return web.json_response(artifact_error("artifact_gone"), status=410)
        return await self.serve(request, task, "video")

    async def serve(self, request: web.Request, task: TaskRecord, variant: str) -> web.Response:
        data = await self.server.render(variant, self.server.video_key(task))
        headers = {"Accept-Ranges": "bytes", "Content-Type": VARIANTS[variant]}
        spec = request.headers.get("Range")
        if spec is None:
            return web.Response(body=data, headers=headers)
        span = parse_range(spec, len(data))
        if span is None:
            headers["Content-Range"] = f"bytes */{len(data)}"
            return web.Response(status=416, headers=headers)
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return web.Response(status=206, body=data[start : end + 1], headers=headers)


def parse_range(spec: str, size: int) -> tuple[int, int] | None:
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


def _cdn_denied(code: str, message: str) -> web.Response:
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return web.Response(status=403, text=body, content_type="application/xml")
