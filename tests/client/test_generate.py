"""End to end over loopback: every dialect, every model family as the server receives it."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import av
import pytest

from vidwidgets.client import JobStatus, ValidationError, VideoRequest
from vidwidgets.simulator import Simulator

from .conftest import DIALECTS, request_for

PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _decodes(path: Path) -> bool:
    with av.open(str(path)) as container:
        return any(True for _ in container.decode(video=0))


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_generate_returns_a_playable_file_in_every_dialect(
    dialect: str, make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim(dialect)
    client = make_client(sim)
    job = await client.generate(request_for(dialect))
    assert job.status is JobStatus.SUCCEEDED
    assert job.path is not None
    assert job.path.parent == client.output_dir
    assert _decodes(job.path)
    assert sim.create_count == 1


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_create_returns_a_queued_job_with_the_servers_id(
    dialect: str, make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim(dialect)
    job = await make_client(sim).create(request_for(dialect))
    assert job.id in sim.tasks
    assert job.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS)


async def _received(
    make_sim: Any, make_client: Any, request: VideoRequest, dialect: str = "newapi", **kw: Any
) -> dict[str, Any]:
    sim: Simulator = await make_sim(dialect)
    job = await make_client(sim, **kw).create(request)
    return sim.tasks[job.id].body


async def test_kling_duration_goes_in_metadata_as_a_string(make_sim: Any, make_client: Any) -> None:
    body = await _received(
        make_sim,
        make_client,
        VideoRequest(
            model="kling-v1",
            prompt="fox",
            duration=10,
            size="1080x1920",
            negative_prompt="blur",
            cfg_scale=0.7,
        ),
    )
    assert body["metadata"]["duration"] == "10"
    assert body["metadata"]["aspect_ratio"] == "9:16"
    assert body["metadata"]["negative_prompt"] == "blur"
    assert body["metadata"]["cfg_scale"] == 0.7
    assert "seed" not in body
    assert "seed" not in body["metadata"]


async def test_jimeng_gets_req_key_aspect_ratio_and_seed_in_metadata(
    make_sim: Any, make_client: Any
) -> None:
    body = await _received(
        make_sim,
        make_client,
        VideoRequest(
            model="jimeng_vgfm_t2v_l20", prompt="fox", duration=10, aspect_ratio="21:9", seed=42
        ),
    )
    assert body["metadata"] == {
        "req_key": "jimeng_vgfm_t2v_l20",
        "aspect_ratio": "21:9",
        "seed": 42,
    }
    assert body["duration"] == 10


async def test_vidu_size_carries_the_resolution(make_sim: Any, make_client: Any) -> None:
    body = await _received(
        make_sim,
        make_client,
        VideoRequest(
            model="vidu2.0",
            prompt="fox",
            duration=8,
            size="1280x720",
            movement_amplitude="large",
            seed=1,
        ),
    )
    assert body["size"] == "720p"
    assert body["metadata"]["resolution"] == "720p"
    assert body["metadata"]["movement_amplitude"] == "large"
    assert body["metadata"]["seed"] == 1


async def test_sora_seconds_is_a_string_on_the_openai_route(
    make_sim: Any, make_client: Any
) -> None:
    body = await _received(
        make_sim,
        make_client,
        VideoRequest(model="sora-2-pro", prompt="fox", duration=12, size="1792x1024"),
        dialect="openai",
    )
    assert body["seconds"] == "12"
    assert body["size"] == "1792x1024"


async def test_sora_local_image_is_sent_as_multipart(
    make_sim: Any, make_client: Any, tmp_path: Path
) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(PNG_1x1)
    sim: Simulator = await make_sim("openai")
    job = await make_client(sim).create(VideoRequest(model="sora-2", prompt="fox", image=image))
    task = sim.tasks[job.id]
    assert task.spec.model == "sora-2"
    assert "input_reference" in task.body


async def test_local_image_goes_as_a_data_uri_in_the_88api_format(
    make_sim: Any, make_client: Any, tmp_path: Path
) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(PNG_1x1)
    body = await _received(
        make_sim, make_client, VideoRequest(model="kling-v1", prompt="fox", image=image)
    )
    assert body["image"].startswith("data:image/png;base64,")


async def test_user_metadata_overrides_the_mapping(make_sim: Any, make_client: Any) -> None:
    body = await _received(
        make_sim,
        make_client,
        VideoRequest(
            model="viduq1", prompt="fox", metadata={"bgm": True, "callback_url": "https://x/cb"}
        ),
    )
    assert body["metadata"]["bgm"] is True
    assert body["metadata"]["callback_url"] == "https://x/cb"


async def test_invalid_request_sends_nothing(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi")
    client = make_client(sim)
    with pytest.raises(ValidationError):
        await client.create({"model": "kling-v1", "prompt": "fox", "duration": 7})
    with pytest.raises(ValidationError):
        await client.generate({"model": "sora-2", "prompt": "fox", "seconds": 8})
    assert sim.requests == []


async def test_body_over_the_gateway_limit_is_refused_before_sending(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi")
    client = make_client(sim, max_body_bytes=10_000)
    image = "data:image/png;base64," + "A" * 20_000
    with pytest.raises(ValidationError) as info:
        await client.create(VideoRequest(model="kling-v1", prompt="fox", image=image))
    assert info.value.field == "image"
    assert "KiB" in str(info.value)
    assert sim.requests == []


async def test_image_url_is_passed_as_is(make_sim: Any, make_client: Any) -> None:
    body = await _received(
        make_sim,
        make_client,
        VideoRequest(
            model="jimeng_vgfm_i2v_l20", prompt="fox", image="https://images.example/fox.png"
        ),
    )
    assert body["image"] == "https://images.example/fox.png"
    assert body["metadata"]["req_key"] == "jimeng_vgfm_i2v_l20"
