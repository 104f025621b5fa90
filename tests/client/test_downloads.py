"""Downloads: streamed to a temp file then renamed, checked, size-limited, key kept at home."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from vidwidgets.client import JobStatus, ProtocolError, VideoAPIError, VideoClient, VideoJob
from vidwidgets.simulator import Fault, Faults, Simulator

from .conftest import request_for

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42"


class FileServer:
    """A real loopback server for what the simulator cannot do: huge, slow or redirected files.

    ``/v1/videos/{id}/content`` redirects to ``http://localhost:<port>/files/video.mp4`` (another
    host than the API's 127.0.0.1); ``/files/video.mp4`` streams ``size`` bytes in 1 MiB chunks.
    """

    def __init__(self, size: int, *, delay: float = 0.0) -> None:
        self.size = size
        self.delay = delay
        self.auth_seen: dict[str, bool] = {}
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def content(self, request: web.Request) -> web.StreamResponse:
        self.auth_seen["content"] = "Authorization" in request.headers
        raise web.HTTPFound(f"http://localhost:{self.port}/files/video.mp4")

    async def file(self, request: web.Request) -> web.StreamResponse:
        self.auth_seen["file"] = "Authorization" in request.headers
        response = web.StreamResponse(
            headers={"Content-Type": "video/mp4", "Content-Length": str(self.size)}
        )
        await response.prepare(request)
        chunk = b"\0" * (1 << 20)
        sent = 0
        while sent < self.size:
            piece = chunk[: min(len(chunk), self.size - sent)]
            await response.write(piece)
            sent += len(piece)
            if self.delay:
                await asyncio.sleep(self.delay)
        await response.write_eof()
        return response

    async def __aenter__(self) -> FileServer:
        app = web.Application()
        app.router.add_get("/v1/videos/{id:.*}/content", self.content)
        app.router.add_get("/files/video.mp4", self.file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        # "localhost" may resolve to ::1 first: listen there too when it exists
        with contextlib.suppress(OSError):
            await web.TCPSite(self._runner, "::1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
async def file_client(tmp_path: Path) -> AsyncIterator[VideoClient]:
    async with VideoClient(
        "http://127.0.0.1:1", "sk-test-KEY", journal=False, output_dir=tmp_path / "out"
    ) as client:
        yield client


@pytest.fixture
async def make_file_client(tmp_path: Path) -> AsyncIterator[Callable[[FileServer], VideoClient]]:
    """``make_file_client(server)`` -> a client with a key for that file server (closed after)."""
    clients: list[VideoClient] = []

    def factory(server: FileServer) -> VideoClient:
        client = VideoClient(
            server.base_url, "sk-test-KEY", journal=False, output_dir=tmp_path / "out"
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


def _done(task_id: str = "task_1", url: str | None = None) -> VideoJob:
    return VideoJob(id=task_id, status=JobStatus.SUCCEEDED, url=url)


async def test_cdn_url_is_fetched_without_the_key(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi", cdn_host="localhost")
    job = await make_client(sim).generate(request_for("newapi"))
    cdn = [r for r in sim.requests if r.path.startswith("/cdn/")]
    assert len(cdn) == 1
    assert not cdn[0].had_authorization
    assert cdn[0].host.startswith("localhost")
    assert job.path is not None
    assert job.path.stat().st_size > 0


async def test_content_endpoint_is_the_fallback_when_the_direct_url_fails(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim(
        "newapi", cdn_host="localhost", faults=Faults(Fault.http(403, "GET /cdn/*", rate=1.0))
    )
    job = await make_client(sim).generate(request_for("newapi"))
    content = [r for r in sim.requests if r.path.endswith("/content")]
    assert content
    assert content[0].status == 200
    assert content[0].had_authorization
    assert job.path is not None
    assert job.path.read_bytes()[4:8] == b"ftyp"


async def test_truncated_download_leaves_no_partial_file(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim(
        "newapi",
        faults=Faults(
            Fault.truncated("GET /cdn/*", rate=1.0),
            Fault.truncated("GET /v1/videos/*/content", rate=1.0),
        ),
    )
    client = make_client(sim, max_retries=1)
    job = await client.create(request_for("newapi"))
    await client.wait(job)
    with pytest.raises(VideoAPIError):
        await client.download(job)
    assert list(client.output_dir.glob("*")) == []


async def test_truncated_cdn_download_recovers_through_content(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim(
        "newapi", faults=Faults(Fault.truncated("GET /cdn/*", nth=(1,)))
    )
    client = make_client(sim)
    job = await client.generate(request_for("newapi"))
    assert job.path is not None
    assert job.path.exists()
    assert [p.name for p in client.output_dir.iterdir()] == [job.path.name]


async def test_non_video_content_type_is_rejected(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim(
        "newapi", faults=Faults(Fault.wrong_content_type("GET *", rate=1.0))
    )
    client = make_client(sim, max_retries=0)
    job = await client.create(request_for("newapi"))
    sim.faults = Faults()
    await client.wait(job)
    sim.faults = Faults(
        Fault.wrong_content_type("GET /cdn/*", rate=1.0),
        Fault.wrong_content_type("GET /v1/videos/*", rate=1.0),
    )
    with pytest.raises(ProtocolError, match="content type") as info:
        await client.download(job)
    assert "text/html" in str(info.value)
    assert list(client.output_dir.glob("*")) == []


async def test_thumbnail_variant(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("openai")
    client = make_client(sim)
    job = await client.generate(request_for("openai"))
    thumb = await client.download(job, variant="thumbnail")
    assert thumb.name.endswith(".thumbnail.webp")
    assert thumb.read_bytes()[:4] == b"RIFF"
    assert job.path is not None
    assert job.path != thumb


async def test_redirect_to_another_host_drops_the_key(make_file_client: Any) -> None:
    async with FileServer(1000) as server:
        file_client = make_file_client(server)
        path = await file_client.download(_done())
    assert server.auth_seen == {"content": True, "file": False}
    assert path.stat().st_size == 1000


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<script>"]
)
async def test_non_http_url_is_never_fetched(url: str, make_file_client: Any) -> None:
    async with FileServer(10) as server:
        file_client = make_file_client(server)
        path = await file_client.download(_done(url=url))
    assert path.stat().st_size == 10  # came from /content, not from the hostile URL


@pytest.mark.parametrize(
    "task_id", ["../../x", "/etc/passwd", "a/b", "x\0y", "..", "z" * 5000, "C:\\evil"]
)
def test_file_names_from_task_ids_stay_in_the_output_folder(task_id: str, tmp_path: Path) -> None:
    client = VideoClient("http://127.0.0.1:1", "k", journal=False, output_dir=tmp_path)
    path = client.default_path(VideoJob(id=task_id))
    assert path.parent == tmp_path
    assert path.resolve().parent == tmp_path.resolve()
    assert "\0" not in str(path)
    assert len(path.name) < 120


async def test_hostile_task_id_downloads_inside_the_output_folder(make_file_client: Any) -> None:
    async with FileServer(100) as server:
        file_client = make_file_client(server)
        path = await file_client.download(_done(task_id="../../escape"))
    assert path.parent == file_client.output_dir
    assert path.exists()


async def test_download_over_the_size_limit_stops(make_file_client: Any) -> None:
    async with FileServer(3 << 20) as server:
        file_client = make_file_client(server)
        file_client.max_download_bytes = 1 << 20
        with pytest.raises(ProtocolError, match="limit"):
            await file_client.download(_done())
    assert list(file_client.output_dir.glob("*")) == []


async def test_download_appears_only_when_complete(make_file_client: Any) -> None:
    async with FileServer(8 << 20, delay=0.1) as server:
        file_client = make_file_client(server)
        downloading = asyncio.ensure_future(file_client.download(_done()))
        during: list[str] = []
        while not downloading.done() and not during:  # catch it mid-flight
            await asyncio.sleep(0.01)
            if file_client.output_dir.is_dir():
                during = sorted(p.name for p in file_client.output_dir.iterdir())
        path = await downloading
    assert len(during) == 1
    assert during[0].endswith(".part")
    assert during[0].startswith(".")
    assert [p.name for p in file_client.output_dir.iterdir()] == [path.name]


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``python -m http.server`` in another process, so tracemalloc sees only the client."""
    folder = tmp_path / "static"
    folder.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (...)"
        port = int(line.split(" port ")[1].split()[0])
        yield f"http://127.0.0.1:{port}", folder
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _peak_during_download(client: VideoClient, url: str) -> int:
    tracemalloc.start()
    try:
        path = await client.download(_done(task_id=url.rsplit("/", 1)[1], url=url))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert path.stat().st_size == int(url.rsplit("-", 1)[1].split(".")[0])
    return peak


async def test_peak_memory_does_not_grow_with_file_size(
    file_client: VideoClient, static_server: tuple[str, Path]
) -> None:
    base, folder = static_server
    for name, size in ((f"small-{4 << 20}.mp4", 4 << 20), (f"large-{64 << 20}.mp4", 64 << 20)):
        with (folder / name).open("wb") as fh:
            fh.truncate(size)  # sparse: cheap to make, real bytes on the wire
    small = await _peak_during_download(file_client, f"{base}/small-{4 << 20}.mp4")
    large = await _peak_during_download(file_client, f"{base}/large-{64 << 20}.mp4")
    print(f"download peak traced memory: {small} B (4 MiB file), {large} B (64 MiB file)")
    assert large < small + (1 << 20), (small, large)
    assert large < 4 << 20
