"""The client on the late-2026 plugin gateway (``Simulator(dialect="plugin")``), over loopback.

Each test is one behaviour from the reference notes ("Late 2026"): both status shapes, the
billing hold at 99 %, cleaned-up and gone results, busy and failing downloads, expired CDN URLs,
``model_not_found``, ``GET /v1/models`` and per-key task visibility.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vidwidgets.client import (
    AvailableModel,
    GenerationFailed,
    JobStatus,
    ModelNotFound,
    NotFoundError,
    ServerError,
    VideoAPIError,
    VideoClient,
    VideoGone,
    VideoJob,
    VideoRequest,
)
from vidwidgets.client._dialects import parse_task
from vidwidgets.simulator import Fault, Faults, PluginOptions, Simulator

from .conftest import SimFactory

ClientFactory = Callable[..., VideoClient]
OTHER_KEY = "sk-other-key-of-the-same-user"
VEO_ONLY = "sk-veo-only"
GONE_SENTENCE = "the gateway no longer holds this video; download sooner, or generate again"


def kling(**fields: Any) -> VideoRequest:
    fields.setdefault("prompt", "a red fox in snow")
    return VideoRequest(model="kling-v1", duration=5, **fields)


async def plugin_sim(make_sim: SimFactory, *, faults: Faults | None = None, **knobs: Any) -> Any:
    options = PluginOptions(keys={OTHER_KEY: None, VEO_ONLY: ["veo-3.1-generate-preview"]}, **knobs)
    extra: dict[str, Any] = {} if faults is None else {"faults": faults}
    return await make_sim("plugin", plugin=options, **extra)


def requests_to(sim: Simulator, method: str, fragment: str) -> list[Any]:
    return [r for r in sim.requests if r.method == method and fragment in r.path]


def no_partial_files(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


# -- status reads: both shapes, and what "done" means ------------------------------------------


def test_a_live_read_is_parsed_as_provisional_and_the_task_row_is_not() -> None:
    live = {
        "code": "success",
        "message": "",
        "data": {
            "task_id": "t1",
            "status": "succeeded",
            "url": "https://cdn.example/t1.mp4",
            "format": "mp4",
            "metadata": None,
            "error": None,
        },
    }
    row = {
        "code": "success",
        "message": "",
        "data": {
            "task_id": "t1",
            "status": "IN_PROGRESS",
            "progress": "99%",
            "platform": "kling",
            "result_url": "",
            "data": None,
        },
    }
    assert parse_task(live).provisional
    assert not parse_task(row).provisional
    assert parse_task(row).status is JobStatus.IN_PROGRESS
    assert parse_task(row).progress == 99


async def test_live_reads_saying_succeeded_do_not_end_the_job_before_billing_settles(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    # every read of a running task is a live provider read; the hold is ~0.5 s of wall time
    sim = await plugin_sim(make_sim, live_read_rate=1.0, settle_hold=200)
    client = make_client(sim)
    job = await client.create(kling())
    await client.wait(job)
    record = sim.tasks[job.id]
    assert job.status is JobStatus.SUCCEEDED
    assert time.time() >= record.finished_at  # only after the gateway settled
    held = [
        r
        for r in requests_to(sim, "GET", f"/v1/video/generations/{job.id}")
        if record.provider_done_at <= r.wall < record.finished_at
    ]
    assert held, "the test must have read the live 'succeeded' during the hold"


async def test_a_task_held_at_99_percent_keeps_waiting(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim, live_read_rate=0.0, settle_hold=200)
    client = make_client(sim)
    seen: list[tuple[JobStatus, int | None]] = []
    job = await client.create(kling())
    await client.wait(job, on_update=lambda j: seen.append((j.status, j.progress)))
    assert (JobStatus.IN_PROGRESS, 99) in seen
    assert job.status is JobStatus.SUCCEEDED
    assert time.time() >= sim.tasks[job.id].finished_at


async def test_the_billing_review_failing_a_task_at_99_is_a_generation_failure(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim, live_read_rate=1.0, settle_hold=100, review_failure_rate=1.0)
    client = make_client(sim)
    job = await client.create(kling())
    with pytest.raises(GenerationFailed):
        await client.wait(job)
    assert job.status is JobStatus.FAILED


async def test_the_openai_format_reads_unknown_int_progress_and_fetches_bytes_from_content(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim)
    client = make_client(sim, "openai")
    progress: list[int | None] = []
    job = await client.create(kling())
    assert job.status is JobStatus.QUEUED  # the create said "unknown"
    await client.wait(job, on_update=lambda j: progress.append(j.progress))
    assert job.url is None  # no metadata.url on the plugin gateway
    assert all(p is None or isinstance(p, int) for p in progress)
    path = await client.download(job)
    assert path.stat().st_size > 0
    content = requests_to(sim, "GET", f"/v1/videos/{job.id}/content")
    assert [r.status for r in content] == [200]


async def test_the_88api_format_reads_the_alternating_shapes_to_the_end(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim, live_read_rate=0.5)
    client = make_client(sim)
    job = await client.generate(kling())
    assert job.status is JobStatus.SUCCEEDED
    assert job.path is not None
    assert job.path.stat().st_size > 0
    assert job.url is not None
    assert job.url.startswith(sim.cdn_base_url)


# -- a cleaned-up or gone result ---------------------------------------------------------------


async def test_a_cleaned_up_result_raises_video_gone_at_once(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim, result_retention=0.05)
    client = make_client(sim)
    job = await client.create(kling())
    await client.wait(job)
    await asyncio.sleep(0.1)
    fresh = make_client(sim)  # knows only the id: the row says SUCCESS without result_url
    with pytest.raises(VideoGone) as caught:
        await fresh.download(job.id)
    assert GONE_SENTENCE in str(caught.value)
    assert not caught.value.retryable
    assert caught.value.job is not None
    assert caught.value.job.status is JobStatus.SUCCEEDED
    content = requests_to(sim, "GET", f"/v1/videos/{job.id}/content")
    assert [r.status for r in content] == [400]  # asked once: waiting cannot bring it back


async def test_artifact_gone_raises_video_gone_at_once(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim, faults=Faults(Fault.artifact("artifact_gone", nth=(1,))))
    client = make_client(sim, "openai")
    job = await client.create(kling())
    await client.wait(job)
    with pytest.raises(VideoGone) as caught:
        await client.download(job)
    assert GONE_SENTENCE in str(caught.value)
    assert len(requests_to(sim, "GET", f"/v1/videos/{job.id}/content")) == 1
    assert no_partial_files(client.output_dir)


# -- busy and failing downloads ----------------------------------------------------------------


async def test_a_busy_content_endpoint_is_waited_out(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    busy = Fault.artifact("artifact_upstream_busy", nth=(1, 2), retry_after=0.2)
    sim = await plugin_sim(make_sim, faults=Faults(busy))
    client = make_client(sim, "openai")
    job = await client.create(kling())
    await client.wait(job)
    started = time.monotonic()
    path = await client.download(job)
    assert time.monotonic() - started >= 0.4  # the gateway's Retry-After, twice
    assert path.stat().st_size > 0
    statuses = [r.status for r in requests_to(sim, "GET", f"/v1/videos/{job.id}/content")]
    assert statuses == [503, 503, 200]


async def test_a_content_endpoint_busy_for_ever_is_given_up_on_with_its_retry_budget(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    busy = Fault.artifact("artifact_upstream_busy", rate=1.0, retry_after=0.05)
    sim = await plugin_sim(make_sim, faults=Faults(busy))
    client = make_client(sim, "openai", max_retries=2)
    job = await client.create(kling())
    await client.wait(job)
    with pytest.raises(ServerError) as caught:
        await client.download(job)
    assert caught.value.code == "artifact_upstream_busy"
    assert "safe" in str(caught.value)
    assert "client.download(job)" in str(caught.value)
    assert len(requests_to(sim, "GET", f"/v1/videos/{job.id}/content")) == 3
    assert no_partial_files(client.output_dir)


@pytest.mark.parametrize("code", ["artifact_upstream_auth_failed", "artifact_upstream_timeout"])
async def test_upstream_artifact_errors_say_the_video_is_safe_and_how_to_fetch_it(
    make_sim: SimFactory, make_client: ClientFactory, code: str
) -> None:
    sim = await plugin_sim(make_sim, faults=Faults(Fault.artifact(code, rate=1.0)))
    client = make_client(sim, "openai", max_retries=1)
    job = await client.create(kling())
    await client.wait(job)
    with pytest.raises(ServerError) as caught:
        await client.download(job)
    text = str(caught.value)
    assert caught.value.code == code
    assert "video is safe" in text
    assert "client.download(job) again" in text
    assert no_partial_files(client.output_dir)


# -- expired CDN URLs --------------------------------------------------------------------------


async def test_an_expired_cdn_url_falls_back_to_content_and_the_key_never_goes_to_the_cdn(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim, cdn_url_ttl=0.0)
    client = make_client(sim)
    job = await client.generate(kling())
    assert job.path is not None
    assert job.path.stat().st_size > 0
    cdn = [r for r in sim.requests if r.path.startswith("/cdn/")]
    assert cdn
    assert all(r.status == 403 for r in cdn)
    for record in cdn:
        assert not record.had_authorization
        assert sim.api_key not in " ".join(f"{k}: {v}" for k, v in record.headers.items())
    content = requests_to(sim, "GET", f"/v1/videos/{job.id}/content")
    assert [r.status for r in content] == [200]
    assert content[0].had_authorization  # same host as the API: the key may go there


# -- models ------------------------------------------------------------------------------------


async def test_model_not_found_is_sent_once_and_names_what_the_key_can_use(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim)
    client = VideoClient(sim.base_url, VEO_ONLY, "88api", journal=False, time_scale=1 / sim.speed)
    try:
        with pytest.raises(ModelNotFound) as caught:
            await client.create(kling())
    finally:
        await client.aclose()
    error = caught.value
    assert error.model == "kling-v1"
    assert error.available == ("veo-3.1-generate-preview",)
    assert "kling-v1" in str(error)
    assert "veo-3.1-generate-preview" in str(error)
    assert not error.retryable
    assert len(requests_to(sim, "POST", "/v1/video/generations")) == 1
    assert len(requests_to(sim, "GET", "/v1/models")) == 1
    assert sim.create_count == 0


async def test_models_lists_what_the_key_can_use_as_typed_records(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim)
    everything = await make_client(sim).models()
    assert all(isinstance(m, AvailableModel) for m in everything)
    kling_v1 = next(m for m in everything if m.id == "kling-v1")
    assert kling_v1.owned_by
    assert kling_v1.endpoint_types
    client = VideoClient(sim.base_url, VEO_ONLY, journal=False)
    try:
        assert [m.id for m in await client.models()] == ["veo-3.1-generate-preview"]
    finally:
        await client.aclose()


def test_models_sync_lists_the_models_from_a_notebook_cell(tmp_path: Path) -> None:
    sim = Simulator(dialect="plugin", speed=400)
    sim.start()
    try:
        client = VideoClient(sim.base_url, sim.api_key, journal=False, output_dir=tmp_path)
        ids = [m.id for m in client.models_sync()]
        client.close()
    finally:
        sim.stop()
    assert "kling-v1" in ids


async def test_models_on_a_gateway_without_the_route_is_a_clear_error(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await make_sim("newapi")
    with pytest.raises(VideoAPIError) as caught:
        await make_client(sim).models()
    assert caught.value.code == "not_supported"
    assert "catalog" in str(caught.value)


# -- keys --------------------------------------------------------------------------------------


async def test_a_task_read_with_another_key_says_it_is_not_visible_to_this_key(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await plugin_sim(make_sim)
    job = await make_client(sim).create(kling())
    other = VideoClient(sim.base_url, OTHER_KEY, "88api", journal=False)
    try:
        with pytest.raises(NotFoundError) as caught:
            await other.retrieve(VideoJob(id=job.id))
    finally:
        await other.aclose()
    text = str(caught.value)
    assert caught.value.code == "task_not_exist"
    assert job.id in text
    assert "visible only to the key that created it" in text
