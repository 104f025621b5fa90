"""A tiny hostile gateway: a real aiohttp server on loopback that answers what a test tells it.

The simulator behaves well on purpose; this one sends what a broken or malicious gateway or CDN
could: path-walking task ids, ``javascript:`` URLs, HTML everywhere, oversized or endless bodies,
redirects to other hosts, error pages served as videos. It records every request it receives
(with its headers), so a test can see where the key went.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Seen:
    method: str
    path: str
    host: str
    authorization: str | None


@dataclass
class HostileServer:
    """One listening app. ``routes`` maps ``"METHOD /path"`` to a handler; unknown → 404."""

    host: str = "127.0.0.1"
    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None

    def route(self, spec: str, handler: Handler) -> None:
        self.routes[spec] = handler

    def json(self, spec: str, body: Any, status: int = 200) -> None:
        async def answer(_request: web.Request) -> web.StreamResponse:
            data = body() if callable(body) else body
            return web.json_response(data, status=status)

        self.route(spec, answer)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(
            Seen(
                request.method,
                request.raw_path,
                request.host,
                request.headers.get("Authorization"),
            )
        )
        for spec, handler in self.routes.items():
            method, _, pattern = spec.partition(" ")
            if method != request.method:
                continue
            if pattern.endswith("*"):
                if request.path.startswith(pattern[:-1]):
                    return await handler(request)
            elif request.path == pattern:
                return await handler(request)
        return web.json_response({"error": {"message": "no such route"}}, status=404)

    async def start(self) -> HostileServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        port = next(a[1] for a in runner.addresses if isinstance(a, tuple))
        self.base_url = f"http://{self.host}:{port}"
        self._runner = runner
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def requests_to(self, prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(prefix)]


_MP4: bytes | None = None


def tiny_mp4() -> bytes:
    """A real 8-frame H.264 MP4 (64x48), made once."""
    global _MP4
    if _MP4 is None:
        import io

        buffer = io.BytesIO()
        with av.open(buffer, "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=Fraction(8))
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            for i in range(8):
                frame = np.full((48, 64, 3), 30 * i, dtype=np.uint8)
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        _MP4 = buffer.getvalue()
    return _MP4


async def serve_mp4(_request: web.Request) -> web.StreamResponse:
    return web.Response(body=tiny_mp4(), content_type="video/mp4")


def gateway(
    server: HostileServer,
    *,
    task_id: str = "task_hostile",
    status_body: Callable[[], Any] | None = None,
    video_url: str | None = None,
) -> None:
    """Routes of an 88API-format gateway: create, status (succeeded), content, a video file."""

    def status() -> Any:
        if status_body is not None:
            return status_body()
        url = video_url if video_url is not None else server.base_url + "/files/video.mp4"
        return {"task_id": task_id, "status": "succeeded", "progress": 100, "url": url}

    server.json("POST /v1/video/generations", {"task_id": task_id, "status": "queued"})
    server.json("GET /v1/video/generations/*", status)
    server.route("GET /v1/videos/*", serve_mp4)  # the /content fallback
    server.route("GET /files/video.mp4", serve_mp4)


def files_outside(root: Path, allowed: list[Path]) -> list[Path]:
    """Files under ``root`` that are not under one of ``allowed``."""
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not any(path.is_relative_to(a) for a in allowed):
            found.append(path)
    return found


async def endless(
    request: web.Request, *, content_type: str, chunk: bytes, sent_log: list[int]
) -> web.StreamResponse:
    """A chunked body that never ends (until the client goes away); logs the bytes sent."""
    response = web.StreamResponse(headers={"Content-Type": content_type})
    await response.prepare(request)
    sent = 0
    try:
        while sent < 1024**3:  # bounded even if the client never stops reading: 1 GiB
            await response.write(chunk)
            sent += len(chunk)
            await asyncio.sleep(0)
    except (ConnectionError, asyncio.CancelledError):
        pass
    sent_log.append(sent)
    return response
