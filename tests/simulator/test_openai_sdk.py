"""The official openai SDK, unmodified, against the openai dialect."""

from __future__ import annotations

import io

import pytest
from openai import AsyncOpenAI, BadRequestError, NotFoundError

from vidwidgets.simulator import Simulator

from .conftest import FAST, probe

# The SDK marks its video methods deprecated (the Sora API shuts down in 2026); they still work.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def client(sim: Simulator) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=sim.base_url + "/v1", api_key=sim.api_key, max_retries=0)


async def test_sdk_create_retrieve_and_download_content() -> None:
    async with Simulator(dialect="openai", **FAST) as sim, client(sim) as oa:
        video = await oa.videos.create(prompt="a red kite", model="sora-2", seconds="4")
        assert (video.status, video.progress, video.model) == ("queued", 0, "sora-2")
        await sim.wait_finished(1)
        done = await oa.videos.retrieve(video.id)
        content = await oa.videos.download_content(video.id)
        thumb = await oa.videos.download_content(video.id, variant="thumbnail")
    assert done.status == "completed"
    assert done.progress == 100
    clip = probe(content.content)
    assert (clip.width, clip.height) == (72, 128)  # 720x1280 at video_scale 0.1
    assert clip.duration == pytest.approx(4.0)
    assert thumb.response.headers["content-type"] == "image/webp"
    # the SDK sent multipart/form-data, as it always does for create
    record = next(r for r in sim.requests if r.method == "POST")
    assert sim.tasks[video.id].body["seconds"] == "4"
    assert record.task_id == video.id


async def test_sdk_create_and_poll_returns_the_completed_video() -> None:
    async with Simulator(dialect="openai", **FAST) as sim, client(sim) as oa:
        video = await oa.videos.create_and_poll(prompt="a tide pool", size="1280x720")
    assert video.status == "completed"
    assert video.size == "1280x720"


async def test_sdk_list_paginates_across_pages() -> None:
    async with Simulator(dialect="openai", **FAST) as sim, client(sim) as oa:
        created = [(await oa.videos.create(prompt=f"clip {i}")).id for i in range(3)]
        listed = [v.id async for v in oa.videos.list(limit=2, order="asc")]
    assert listed == created
    assert sum(1 for r in sim.requests if r.method == "GET" and r.path == "/v1/videos") == 2


async def test_sdk_delete_then_retrieve_is_not_found() -> None:
    async with Simulator(dialect="openai", **FAST) as sim, client(sim) as oa:
        video = await oa.videos.create(prompt="ephemeral")
        deleted = await oa.videos.delete(video.id)
        with pytest.raises(NotFoundError):
            await oa.videos.retrieve(video.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (video.id, True, "video.deleted")


async def test_sdk_remix_creates_a_new_video_from_a_completed_one() -> None:
    async with Simulator(dialect="openai", **FAST) as sim, client(sim) as oa:
        source = await oa.videos.create_and_poll(prompt="a city at dusk")
        remix = await oa.videos.remix(source.id, prompt="a city at dawn")
        final = await oa.videos.poll(remix.id)
    assert remix.remixed_from_video_id == source.id
    assert final.status == "completed"
    assert final.prompt == "a city at dawn"
    assert sim.create_count == 2


async def test_sdk_input_reference_file_makes_image_to_video() -> None:
    async with Simulator(dialect="openai", **FAST) as sim, client(sim) as oa:
        image = ("ref.png", io.BytesIO(b"\x89PNG fake image bytes"), "image/png")
        video = await oa.videos.create(prompt="animate this", input_reference=image)
    task = sim.tasks[video.id]
    assert task.spec.has_image
    assert task.body["input_reference"]["filename"] == "ref.png"


async def test_sdk_poll_returns_early_on_unknown_through_the_gateway() -> None:
    # new-api issue #5045: a fresh task reads "unknown" until the gateway's first refresh, and
    # the SDK's poll returns on any status other than queued/in_progress; the download then fails.
    async with (
        Simulator(dialect="newapi", speed=100, refresh_period=1000, **{"video_scale": 0.1}) as sim,
        client(sim) as oa,
    ):
        video = await oa.videos.create_and_poll(prompt="too early", model="sora-2")
        with pytest.raises(BadRequestError) as error:
            await oa.videos.download_content(video.id)
    assert video.status == "unknown"  # type: ignore[comparison-overlap]
    assert "current status: NOT_START" in str(error.value)


async def test_sdk_reads_the_plugin_gateway_and_sees_unknown_before_the_first_refresh() -> None:
    # the trap of new-api #5045: the SDK's poll stops at "unknown", so a client must not
    # treat it as final; the bytes still come from /content once the task is completed
    async with Simulator(dialect="plugin", refresh_period=200, **FAST) as sim, client(sim) as oa:
        video = await oa.videos.create(prompt="a kite", model="veo-3.0-fast-generate-001")
        first = await oa.videos.retrieve(video.id)
        await sim.wait_finished(1)
        done = await oa.videos.retrieve(video.id)
        content = await oa.videos.download_content(video.id)
    assert (video.status, first.status) == ("unknown", "unknown")
    assert done.status == "completed"
    assert probe(content.content).duration == pytest.approx(8.0)  # Veo's default length
