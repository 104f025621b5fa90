"""Hostile servers: whatever a gateway or CDN sends, no file lands outside the output folder, no
foreign script reaches a page, no body grows without bound and the key never leaves its host.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.hardening._hostile import (
    HostileServer,
    endless,
    files_outside,
    gateway,
    serve_mp4,
    tiny_mp4,
)
from tests.hardening.conftest import CANARY_KEY, SimFactory
from vidwidgets.client import (
    APITimeoutError,
    ProtocolError,
    VideoAPIError,
    VideoClient,
    VideoJob,
    VideoRequest,
)
from vidwidgets.experiments import ExperimentStore, run_cells
from vidwidgets.simulator import Fault, Faults

REQUEST = VideoRequest(model="kling-v1", prompt="a red fox in snow")  # Kling refuses seeds
HOSTILE_IDS = [
    "../../x",
    "/etc/passwd",
    "a/b",
    "..",
    ".",
    "..\\..\\windows\\win.ini",
    "~/.ssh/authorized_keys",
    "x" * 5000,
    "a\x00b",
    "line\nbreak",
    "%2e%2e%2fx",
    "ok?variant=thumbnail#frag",
]
BAD_SCHEMES = [
    "javascript:alert(document.domain)",
    "  JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "ftp://example.invalid/video.mp4",
    "vbscript:msgbox(1)",
    "//evil.invalid/video.mp4",
    "blob:http://127.0.0.1/abc",
]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Any]]:
    servers: list[HostileServer] = []

    async def start(host: str = "127.0.0.1") -> HostileServer:
        server = await HostileServer(host=host).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


def client_for(server: HostileServer, tmp_path: Path, **kwargs: Any) -> VideoClient:
    kwargs.setdefault("output_dir", tmp_path / "out")
    kwargs.setdefault("journal", False)
    kwargs.setdefault("cache", False)
    kwargs.setdefault("time_scale", 0.01)
    kwargs.setdefault("max_retries", 1)
    kwargs.setdefault("timeout", 5.0)
    return VideoClient(server.base_url, CANARY_KEY, "88api", **kwargs)


# -- task ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize("task_id", HOSTILE_IDS, ids=lambda s: repr(s)[:24])
async def test_a_hostile_task_id_never_writes_outside_the_output_folder(
    serve: Callable[..., Any], tmp_path: Path, task_id: str
) -> None:
    server = await serve()
    gateway(server, task_id=task_id)
    out = tmp_path / "out"
    async with client_for(server, tmp_path) as client:
        outcome: VideoJob | BaseException
        try:
            outcome = await asyncio.wait_for(client.generate(REQUEST), 20)
        except ProtocolError as exc:
            outcome = exc
    if isinstance(outcome, VideoJob):
        assert outcome.path is not None
        assert outcome.path.resolve().parent == out.resolve()
        assert outcome.path.read_bytes() == tiny_mp4()
    else:  # refused, with a reason
        assert getattr(outcome, "code", None) == "bad_task_id", outcome
    assert files_outside(tmp_path, [out]) == []
    # the id never walked the URL path either: every status read stayed on the status route
    for seen in server.seen:
        assert seen.path.startswith(("/v1/video/generations", "/v1/videos/", "/files/")), seen


@pytest.mark.parametrize("task_id", HOSTILE_IDS[:4], ids=repr)
async def test_a_hostile_task_id_stays_inside_the_experiment_folder(
    serve: Callable[..., Any], tmp_path: Path, task_id: str
) -> None:
    server = await serve()
    gateway(server, task_id=task_id)
    store = ExperimentStore(tmp_path / "runs")
    exp = store.experiment("hostile")
    async with client_for(server, tmp_path) as client:
        records = await asyncio.wait_for(run_cells(client, exp, [REQUEST]), 20)
    record = records[0]
    if record.status == "succeeded":
        video = exp.video_path(record)
        assert video is not None
        assert video.resolve().is_relative_to(exp.path.resolve())
    else:  # an id that cannot even be put in a URL: refused, with the reason on the record
        assert (record.error or {}).get("code") == "bad_task_id", record
    assert files_outside(tmp_path, [exp.path]) == []


# -- URLs that must never be fetched or shown -----------------------------------------------


@pytest.mark.parametrize("url", BAD_SCHEMES, ids=lambda s: s.strip()[:16])
async def test_a_non_http_video_url_is_neither_kept_nor_fetched(
    serve: Callable[..., Any], tmp_path: Path, url: str
) -> None:
    server = await serve()
    gateway(server, video_url=url)
    async with client_for(server, tmp_path) as client:
        job = await asyncio.wait_for(client.generate(REQUEST), 20)
    assert job.url is None  # never offered to a player, a page or an export
    assert job.path is not None
    assert job.path.read_bytes() == tiny_mp4()
    assert server.requests_to("/v1/videos/")  # the fallback was used


def _url_shapes(task_id: str, url: str) -> dict[str, Any]:
    """The places a gateway dialect may put the video URL (see the API reference)."""
    done = {"task_id": task_id, "status": "SUCCESS", "progress": "100%"}
    return {
        "result_url": {"code": "success", "data": {**done, "result_url": url}},
        "fail_reason": {"code": "success", "data": {**done, "fail_reason": url}},
        "metadata.url": {"id": task_id, "status": "completed", "metadata": {"url": url}},
        "kling raw": {
            "code": "success",
            "data": {**done, "data": {"data": {"task_result": {"videos": [{"url": url}]}}}},
        },
        "vidu raw": {"code": "success", "data": {**done, "data": {"creations": [{"url": url}]}}},
    }


@pytest.mark.parametrize("shape", list(_url_shapes("t", "u")))
async def test_a_javascript_url_in_any_dialect_position_is_never_kept(
    serve: Callable[..., Any], tmp_path: Path, shape: str
) -> None:
    server = await serve()
    body = _url_shapes("task_hostile", "javascript:alert(document.domain)")[shape]
    gateway(server, status_body=lambda: body)
    async with client_for(server, tmp_path) as client:
        job = await asyncio.wait_for(client.generate(REQUEST), 20)
    assert job.url is None
    assert job.path is not None
    assert job.path.read_bytes() == tiny_mp4()  # fetched from /content instead
    # control: an http URL in the same position is found, so the position really is read
    good = server.base_url + "/files/video.mp4"
    body = _url_shapes("task_hostile", good)[shape]
    async with client_for(server, tmp_path) as client:
        job = await asyncio.wait_for(client.generate(REQUEST), 20)
    assert job.url == good


@pytest.mark.parametrize("url", BAD_SCHEMES, ids=lambda s: s.strip()[:16])
def test_a_non_http_url_never_reaches_a_player_src(url: str) -> None:
    from vidwidgets import VideoPlayer

    with pytest.raises(ValueError, match="http"):
        VideoPlayer.from_url(url)
    player = VideoPlayer()
    with pytest.raises(ValueError, match="http"):
        player.src_url = url
    with pytest.raises(ValueError, match="http"):  # nor can the browser side set it
        player.set_state({"src_url": url})
    assert player.src_url == ""


# -- bodies without end ------------------------------------------------------------------------


async def test_an_oversized_status_body_stops_at_the_json_limit(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    server = await serve()
    gateway(server)
    big = {"task_id": "task_hostile", "status": "queued", "junk": "x" * (5 * 1024 * 1024)}
    server.json("GET /v1/video/generations/*", big)
    async with client_for(server, tmp_path) as client:
        job = await client.create(REQUEST)
        with pytest.raises(ProtocolError) as info:
            await asyncio.wait_for(client.retrieve(job), 20)
    assert info.value.code == "body_too_large"
    assert "limit" in str(info.value)


async def test_an_endless_json_stream_stops_at_the_json_limit(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    server = await serve()
    gateway(server)
    sent: list[int] = []

    async def flood(request: web.Request) -> web.StreamResponse:
        return await endless(
            request, content_type="application/json", chunk=b'{"a":' * 20000, sent_log=sent
        )

    server.route("GET /v1/video/generations/*", flood)
    async with client_for(server, tmp_path, max_json_bytes=512 * 1024) as client:
        job = await client.create(REQUEST)
        with pytest.raises(ProtocolError) as info:
            await asyncio.wait_for(client.retrieve(job), 20)
    assert info.value.code == "body_too_large"
    await _until(lambda: len(sent) >= 1)
    assert max(sent) < 64 * 1024 * 1024  # the client hung up; the server stopped sending


async def test_an_endless_download_stops_at_the_byte_limit_and_leaves_no_file(
    serve: Callable[..., Any],
    tmp_path: Path,
    leftover_files: Callable[[Path], list[Path]],
) -> None:
    server = await serve()
    gateway(server)
    sent: list[int] = []

    async def flood(request: web.Request) -> web.StreamResponse:
        return await endless(request, content_type="video/mp4", chunk=b"\0" * 65536, sent_log=sent)

    server.route("GET /files/video.mp4", flood)
    server.route("GET /v1/videos/*", flood)
    limit = 2 * 1024 * 1024
    async with client_for(server, tmp_path, max_download_bytes=limit) as client:
        with pytest.raises(ProtocolError) as info:
            await asyncio.wait_for(client.generate(REQUEST), 30)
    assert info.value.code == "download_too_large"
    assert str(limit) in str(info.value)
    assert leftover_files(tmp_path / "out") == []
    assert list((tmp_path / "out").glob("*.mp4")) == []
    await _until(lambda: len(sent) >= 2)
    assert max(sent) < limit + 64 * 1024 * 1024


async def test_a_declared_oversized_download_is_refused_before_reading(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    server = await serve()
    gateway(server)

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = 50 * 1024**3
        await response.prepare(request)
        await response.write(b"\0" * 1024)
        return response

    server.route("GET /files/video.mp4", huge)
    server.route("GET /v1/videos/*", huge)
    async with client_for(server, tmp_path, max_download_bytes=10**6) as client:
        with pytest.raises(ProtocolError) as info:
            await asyncio.wait_for(client.generate(REQUEST), 20)
    assert info.value.code == "download_too_large"


async def test_a_trickling_download_is_abandoned_rather_than_hanging(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    """A server that sends a byte now and then never trips a read timeout; it must still end."""
    server = await serve()
    gateway(server)

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        await response.prepare(request)
        with_limit = 0
        while with_limit < 600:  # bounded: at most ~2 minutes
            await response.write(b"\0")
            await asyncio.sleep(0.2)
            with_limit += 1
        return response

    server.route("GET /files/video.mp4", trickle)
    server.route("GET /v1/videos/*", trickle)
    async with client_for(server, tmp_path, timeout=1.0) as client:
        with pytest.raises(VideoAPIError) as info:
            await asyncio.wait_for(client.generate(REQUEST), 30)
    assert isinstance(info.value, (APITimeoutError, ProtocolError)), info.value


# -- where the key goes ------------------------------------------------------------------------


async def test_a_video_url_redirecting_to_another_host_never_carries_the_key(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    api = await serve("127.0.0.1")
    other = await serve("127.0.0.2")
    other.route("GET /files/video.mp4", serve_mp4)

    async def bounce(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(other.base_url + "/files/video.mp4")

    gateway(api)
    api.route("GET /files/video.mp4", bounce)  # on the API's own host: the key is sent here
    async with client_for(api, tmp_path) as client:
        job = await asyncio.wait_for(client.generate(REQUEST), 20)
    assert job.path is not None
    assert job.path.read_bytes() == tiny_mp4()
    assert other.seen, "the redirect was not followed"
    assert all(seen.authorization is None for seen in other.seen)


async def test_the_content_endpoint_redirecting_to_a_cdn_never_carries_the_key(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    api = await serve("127.0.0.1")
    cdn = await serve("127.0.0.2")
    cdn.route("GET /v.mp4", serve_mp4)

    async def bounce(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPTemporaryRedirect(cdn.base_url + "/v.mp4")

    gateway(api, video_url="")  # no direct URL: /content is the only source
    api.route("GET /v1/videos/*", bounce)
    async with client_for(api, tmp_path) as client:
        job = await asyncio.wait_for(client.generate(REQUEST), 20)
    assert job.path is not None
    assert [s.authorization for s in api.requests_to("/v1/videos/")] == [f"Bearer {CANARY_KEY}"]
    assert cdn.seen
    assert all(seen.authorization is None for seen in cdn.seen)


async def test_an_api_answer_redirecting_elsewhere_is_not_followed(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    api = await serve("127.0.0.1")
    other = await serve("127.0.0.2")
    gateway(api)

    async def bounce(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(other.base_url + "/v1/video/generations/task_hostile")

    api.route("GET /v1/video/generations/*", bounce)
    async with client_for(api, tmp_path) as client:
        job = await client.create(REQUEST)
        with pytest.raises(ProtocolError) as info:
            await asyncio.wait_for(client.retrieve(job), 20)
    assert info.value.code == "unexpected_redirect"
    assert other.seen == []


async def test_a_redirect_loop_ends_with_a_clear_error(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    api = await serve("127.0.0.1")
    gateway(api)

    async def loop(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(str(request.url))

    api.route("GET /files/video.mp4", loop)
    api.route("GET /v1/videos/*", loop)
    async with client_for(api, tmp_path) as client:
        with pytest.raises(ProtocolError) as info:
            await asyncio.wait_for(client.generate(REQUEST), 20)
    assert info.value.code == "redirects"


async def test_the_simulator_cdn_on_another_host_gets_no_key(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("newapi", cdn_host="localhost")
    async with make_client(sim) as client:
        job = await asyncio.wait_for(client.generate(REQUEST), 30)
    assert job.path is not None
    cdn = [r for r in sim.requests if r.path.startswith("/cdn/")]
    assert cdn
    assert not any(r.had_authorization for r in cdn)
    assert all(r.had_authorization for r in sim.requests if r.path.startswith("/v1/"))


# -- content types -----------------------------------------------------------------------------


async def test_a_non_video_content_type_is_rejected_with_a_clear_error(
    serve: Callable[..., Any],
    tmp_path: Path,
    leftover_files: Callable[[Path], list[Path]],
) -> None:
    server = await serve()
    gateway(server)

    async def login_page(_request: web.Request) -> web.StreamResponse:
        return web.Response(
            text="<html><body>Please log in</body></html>", content_type="text/html"
        )

    server.route("GET /files/video.mp4", login_page)
    server.route("GET /v1/videos/*", login_page)
    async with client_for(server, tmp_path) as client:
        with pytest.raises(ProtocolError) as info:
            await asyncio.wait_for(client.generate(REQUEST), 20)
    assert info.value.code == "bad_content_type"
    assert "text/html" in str(info.value)
    assert leftover_files(tmp_path / "out") == []
    assert list((tmp_path / "out").glob("*")) == []


async def test_a_wrong_content_type_on_the_cdn_falls_back_to_the_content_endpoint(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("newapi", faults=Faults(Fault.wrong_content_type("/cdn/*", rate=1.0)))
    async with make_client(sim) as client:
        job = await asyncio.wait_for(client.generate(REQUEST), 30)
    assert job.path is not None
    assert job.path.stat().st_size > 0
    assert any(r.path.endswith("/content") for r in sim.requests)


# -- HTML in what a server sends ---------------------------------------------------------------

XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


async def test_html_in_a_server_error_message_is_kept_as_text_and_never_markup(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    """The error text is data: the widgets show it with textContent (checked in test_escaping)."""
    server = await serve()
    server.json(
        "POST /v1/video/generations",
        {"error": {"message": XSS, "type": "new_api_error", "code": XSS}},
        status=400,
    )
    async with client_for(server, tmp_path) as client:
        with pytest.raises(VideoAPIError) as info:
            await client.create(REQUEST)
    assert XSS in info.value.message  # intact, for logs; escaping happens where it is shown


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
