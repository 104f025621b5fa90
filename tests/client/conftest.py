"""Fixtures for the client suite: simulators on loopback and clients pointed at them.

Every simulator runs fast (``speed`` 200: a job takes well under a second) with small videos,
and every client scales its own intervals by the same factor, as the benchmarks do.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from vidwidgets.client import VideoClient, VideoRequest
from vidwidgets.simulator import Simulator

SPEED = 400.0
#: a model each dialect serves (the openai dialect is the official API: Sora only)
MODEL = {"newapi": "kling-v1", "docs": "kling-v1", "openai": "sora-2", "plugin": "kling-v1"}
FORMAT = {"newapi": "88api", "docs": "88api", "openai": "openai", "plugin": "88api"}
DIALECTS = ("newapi", "docs", "openai")

SimFactory = Callable[..., Any]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Client tests never pick up a developer's real key or folders."""
    for name in (
        "VIDWIDGETS_API_KEY",
        "VIDWIDGETS_BASE_URL",
        "VIDWIDGETS_API_FORMAT",
        "VIDWIDGETS_OUTPUT_DIR",
        "VIDWIDGETS_JOURNAL_DIR",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def make_sim() -> AsyncIterator[SimFactory]:
    """``await make_sim("newapi", failure_rate=...)`` -> a running Simulator (stopped after)."""
    sims: list[Simulator] = []

    async def factory(dialect: str = "newapi", **kwargs: Any) -> Simulator:
        kwargs.setdefault("speed", SPEED)
        kwargs.setdefault("video_scale", 0.25)
        kwargs.setdefault("fps", 6)  # rendering is the slow part of the simulator
        sim = Simulator(dialect=dialect, **kwargs)  # type: ignore[arg-type]
        await sim.astart()
        sims.append(sim)
        return sim

    yield factory
    for sim in sims:
        await sim.astop()


@pytest.fixture
async def make_client(tmp_path: Path) -> AsyncIterator[Callable[..., VideoClient]]:
    """``make_client(sim, **options)`` -> a VideoClient for that simulator (closed after)."""
    clients: list[VideoClient] = []

    def factory(sim: Simulator, api_format: str | None = None, **kwargs: Any) -> VideoClient:
        kwargs.setdefault("journal", False)
        kwargs.setdefault("output_dir", tmp_path / "videos")
        kwargs.setdefault("time_scale", 1.0 / sim.speed)
        client = VideoClient(sim.base_url, sim.api_key, api_format or FORMAT[sim.dialect], **kwargs)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


def status_reads(sim: Simulator, task_id: str) -> list[float]:
    """Wall times of a task's status reads in the simulator's request log (not its downloads)."""
    return sorted(
        r.wall
        for r in sim.requests
        if r.method == "GET" and r.task_id == task_id and "/content" not in r.path
    )


def request_for(dialect: str, **fields: Any) -> VideoRequest:
    """A small valid request for a model the dialect serves."""
    fields.setdefault("prompt", "a red fox in snow")
    return VideoRequest(model=MODEL[dialect], **fields)


@pytest.fixture
def output_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "videos"
    return folder


#: a valid 1x1 PNG, for image-to-video requests
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
async def image_server() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """(base URL, headers of every request seen): /png, /big, /big-chunked, /html, /missing."""
    seen: list[dict[str, str]] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        seen.append(dict(request.headers))
        name = request.match_info["name"]
        if name == "png":
            return web.Response(body=PNG, content_type="image/png")
        if name == "big":
            return web.Response(body=PNG + b"\0" * 5000, content_type="image/png")
        if name == "big-chunked":
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            await response.prepare(request)
            for _ in range(10):
                await response.write(PNG + b"\0" * 1000)
            return response
        if name == "html":
            return web.Response(text="<html>not an image</html>", content_type="text/html")
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/{name}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()
