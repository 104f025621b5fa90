"""Every vendor of the plugin gateway: its own fields, lengths, sizes, and what it drops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from vidwidgets.simulator import PluginOptions, Simulator, TaskRecord, Timing

from .conftest import FAST, auth, post_json, probe

PNG_DATA_URL = "data:image/png;base64,iVBORw0KGgo="


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    timing = Timing(submit=1, queue=1, generate=2, jitter=0)
    options = PluginOptions(settle_hold=0)
    async with Simulator(dialect="plugin", timing=timing, plugin=options, **FAST) as running:
        yield running


async def create(http: aiohttp.ClientSession, sim: Simulator, body: dict[str, Any]) -> TaskRecord:
    status, created = await post_json(http, sim, "/v1/video/generations", {"prompt": "p", **body})
    assert status == 200, created
    return sim.tasks[created["task_id"]]


async def rejected(
    http: aiohttp.ClientSession, sim: Simulator, body: dict[str, Any]
) -> dict[str, Any]:
    status, error = await post_json(http, sim, "/v1/video/generations", {"prompt": "p", **body})
    assert status == 400, error
    assert error["data"] is None
    return error


async def video_of(http: aiohttp.ClientSession, sim: Simulator, task: TaskRecord) -> Any:
    await sim.wait_finished(len(sim.tasks))
    url = f"{sim.base_url}/v1/videos/{task.id}/content"
    async with http.get(url, headers=auth(sim)) as r:
        assert r.status == 200
        return probe(await r.read())


# --- Kling --------------------------------------------------------------------------------------


async def test_kling_sends_the_duration_as_a_string_and_maps_size_to_an_aspect_ratio(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(http, sim, {"model": "kling-v1", "duration": 10, "size": "720x1280"})
    assert task.spec.upstream["duration"] == "10"
    assert task.spec.upstream["aspect_ratio"] == "9:16"
    assert (task.spec.width, task.spec.height, task.spec.seconds) == (720, 1280, 10)


async def test_kling_ignores_seed_and_records_it_as_dropped(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    body = {"model": "kling-v1-6", "seed": 7, "metadata": {"seed": 7, "negative_prompt": "blur"}}
    task = await create(http, sim, body)
    assert {"seed", "metadata.seed"} <= set(task.spec.dropped)
    assert task.spec.upstream["negative_prompt"] == "blur"
    assert task.spec.seed is None


async def test_kling_v2_master_is_pro_only(http: aiohttp.ClientSession, sim: Simulator) -> None:
    error = await rejected(http, sim, {"model": "kling-v2-master", "mode": "std"})
    assert "pro" in error["message"]
    task = await create(http, sim, {"model": "kling-v2-master"})
    assert task.spec.upstream["mode"] == "pro"


async def test_kling_rejects_a_length_it_does_not_make(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    error = await rejected(http, sim, {"model": "kling-v1", "duration": 7})
    assert error["code"] == "invalid_seconds"
    assert "5, 10" in error["message"]


async def test_kling_passes_other_model_names_through(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(http, sim, {"model": "kling-v2-5-turbo", "metadata": {"sound": True}})
    assert (task.spec.platform, task.spec.upstream["sound"]) == ("kling", "on")


# --- Vidu ---------------------------------------------------------------------------------------


async def test_vidu_reads_a_resolution_and_counts_images_for_its_action(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(
        http, sim, {"model": "viduq2", "size": "540p", "duration": 3, "images": ["a", "b"]}
    )
    assert task.spec.upstream["action"] == "start-end2video"
    assert (task.spec.height, task.spec.seconds) == (540, 3)


async def test_vidu_rejects_a_wxh_size_and_names_the_resolutions(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    error = await rejected(http, sim, {"model": "viduq2", "size": "1280x720"})
    assert "360p, 540p, 720p, 1080p" in error["message"]


async def test_vidu2_makes_8_seconds_only_at_720p(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    await rejected(http, sim, {"model": "vidu2.0", "duration": 8, "size": "1080p"})
    task = await create(http, sim, {"model": "vidu2.0", "duration": 8, "size": "720p"})
    assert task.spec.seconds == 8


async def test_viduq1_makes_5_seconds_only(http: aiohttp.ClientSession, sim: Simulator) -> None:
    await rejected(http, sim, {"model": "viduq1", "duration": 4})


# --- Hailuo -------------------------------------------------------------------------------------


async def test_hailuo_drops_a_top_level_image_and_makes_a_text_to_video(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(http, sim, {"model": "MiniMax-Hailuo-2.3", "image": "https://x/y.png"})
    assert "image" in task.spec.dropped
    assert not task.spec.has_image
    assert "first_frame_image" not in task.spec.upstream


async def test_hailuo_takes_images_from_metadata_only(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    meta = {"first_frame_image": "https://x/a.png", "last_frame_image": "https://x/b.png"}
    task = await create(http, sim, {"model": "MiniMax-Hailuo-02", "metadata": meta})
    assert task.spec.has_image
    assert task.spec.upstream["first_frame_image"] == "https://x/a.png"


async def test_hailuo_spells_resolutions_with_a_capital_p(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    error = await rejected(http, sim, {"model": "MiniMax-Hailuo-2.3", "size": "1080p"})
    assert "768P, 1080P" in error["message"]
    task = await create(http, sim, {"model": "MiniMax-Hailuo-2.3", "size": "1080P"})
    assert (task.spec.width, task.spec.height) == (1920, 1080)


async def test_hailuo_makes_10_seconds_only_at_768p(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    await rejected(http, sim, {"model": "MiniMax-Hailuo-2.3", "duration": 10, "size": "1080P"})
    task = await create(http, sim, {"model": "MiniMax-Hailuo-2.3", "duration": 10})
    assert (task.spec.width, task.spec.height, task.spec.seconds) == (1366, 768, 10)


async def test_hailuo_renders_its_own_768p_frame(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(http, sim, {"model": "MiniMax-Hailuo-02", "duration": 6})
    video = await video_of(http, sim, task)
    assert (video.width, video.height) == (136, 76)  # 1366x768 at video_scale 0.1
    assert video.duration == pytest.approx(6.0)


async def test_hailuo_01_series_is_6_seconds_at_720p(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    await rejected(http, sim, {"model": "T2V-01", "duration": 10})
    task = await create(http, sim, {"model": "T2V-01"})
    assert (task.spec.height, task.spec.seconds) == (720, 6)


async def test_hailuo_image_models_need_a_first_frame(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    error = await rejected(http, sim, {"model": "MiniMax-Hailuo-2.3-Fast", "image": "https://x"})
    assert "first_frame_image" in error["message"]


# --- Veo ----------------------------------------------------------------------------------------


async def test_veo_renders_1080p_16_9_for_8_seconds_by_default_length(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(http, sim, {"model": "veo-3.1-generate-preview", "size": "1920x1080"})
    video = await video_of(http, sim, task)
    assert (video.width, video.height) == (192, 108)  # video_scale 0.1
    assert video.duration == pytest.approx(8.0)


async def test_veo_silently_ignores_an_http_image_and_records_it(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(http, sim, {"model": "veo-3.0-generate-001", "image": "https://x/a.png"})
    assert "image" in task.spec.dropped
    assert not task.spec.has_image
    inline = await create(http, sim, {"model": "veo-3.0-generate-001", "image": PNG_DATA_URL})
    assert inline.spec.has_image
    assert inline.spec.upstream["image"] == {"bytesBase64Encoded": "iVBORw0KGgo="}


async def test_veo_reads_camel_case_metadata(http: aiohttp.ClientSession, sim: Simulator) -> None:
    meta = {"negativePrompt": "rain", "generateAudio": True, "seed": 5, "negative_prompt": "x"}
    task = await create(http, sim, {"model": "veo-3.1-fast-generate-preview", "metadata": meta})
    assert task.spec.upstream["negativePrompt"] == "rain"
    assert task.spec.upstream["generateAudio"] is True
    assert task.spec.seed == 5
    assert "metadata.negative_prompt" in task.spec.dropped


async def test_veo_rejects_lengths_and_sizes_it_does_not_make(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    await rejected(http, sim, {"model": "veo-3.1-generate-preview", "duration": 5})
    error = await rejected(http, sim, {"model": "veo-3.0-generate-001", "size": "1024x1024"})
    assert error["code"] == "invalid_request"
    await rejected(http, sim, {"model": "veo-3.0-generate-001", "metadata": {"resolution": "4k"}})


# --- Seedance -----------------------------------------------------------------------------------


async def test_seedance_reads_seconds_not_duration(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    model = "doubao-seedance-1-0-pro-250528"
    task = await create(http, sim, {"model": model, "duration": 10})
    assert "duration" in task.spec.dropped
    assert task.spec.seconds == 5  # the default: duration was not read
    task = await create(http, sim, {"model": model, "seconds": "10"})
    assert task.spec.upstream["duration"] == 10


async def test_seedance_takes_resolution_and_ratio_from_metadata(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    meta = {"resolution": "480p", "ratio": "9:16", "generate_audio": True}
    task = await create(
        http, sim, {"model": "doubao-seedance-2-0-260128", "size": "1920x1080", "metadata": meta}
    )
    assert "size" in task.spec.dropped
    assert (task.spec.width, task.spec.height) == (480, 852)
    assert task.spec.upstream["generate_audio"] is True


async def test_seedance_puts_images_into_content_items(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    body = {"model": "doubao-seedance-1-0-lite-i2v", "images": ["https://x/a.png"]}
    task = await create(http, sim, body)
    kinds = [item["type"] for item in task.spec.upstream["content"]]
    assert kinds == ["text", "image_url"]
    await rejected(http, sim, {"model": "doubao-seedance-1-0-lite-i2v"})


# --- Wan ----------------------------------------------------------------------------------------


async def test_wan_text_to_video_spells_sizes_with_a_star(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    error = await rejected(http, sim, {"model": "wan2.7-t2v", "size": "1280x720"})
    assert "1280*720" in error["message"]
    task = await create(http, sim, {"model": "wan2.7-t2v", "size": "1280*720", "duration": 10})
    assert (task.spec.width, task.spec.height, task.spec.seconds) == (1280, 720, 10)
    assert task.spec.upstream["parameters"]["size"] == "1280*720"


async def test_wan_renders_the_w_star_h_size_it_was_asked_for(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(http, sim, {"model": "wan2.5-t2v-preview", "size": "480*832"})
    video = await video_of(http, sim, task)
    assert (video.width, video.height) == (48, 84)  # 480x832 at video_scale 0.1
    assert video.duration == pytest.approx(5.0)


async def test_wan_image_to_video_sends_the_first_image_as_img_url(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    meta = {"input": {"negative_prompt": "fog", "audio_url": "https://x/a.mp3"}}
    body = {"model": "wan2.5-i2v-preview", "images": ["https://x/1.png", "https://x/2.png"]}
    task = await create(http, sim, {**body, "size": "720P", "metadata": meta})
    wan_input = task.spec.upstream["input"]
    assert wan_input["img_url"] == "https://x/1.png"
    assert wan_input["negative_prompt"] == "fog"
    assert wan_input["audio_url"] == "https://x/a.mp3"
    assert task.spec.height == 720


async def test_wan_reads_the_seed_from_parameters_only(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(
        http, sim, {"model": "wan2.7-t2v", "metadata": {"seed": 1, "parameters": {"seed": 9}}}
    )
    assert task.spec.seed == 9
    assert "metadata.seed" in task.spec.dropped


async def test_wan_image_models_need_an_image(http: aiohttp.ClientSession, sim: Simulator) -> None:
    await rejected(http, sim, {"model": "wan2.2-i2v-flash"})


# --- Sora and Jimeng ----------------------------------------------------------------------------


async def test_sora_reads_seconds_as_a_string_and_its_sizes(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    await rejected(http, sim, {"model": "sora-2", "seconds": 8})
    await rejected(http, sim, {"model": "sora-2", "seconds": "8", "size": "1792x1024"})
    task = await create(http, sim, {"model": "sora-2-pro", "seconds": "8", "size": "1792x1024"})
    assert (task.spec.width, task.spec.seconds) == (1792, 8)


async def test_jimeng_sends_http_images_as_urls_and_others_as_base64(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    body = {"model": "jimeng_v30", "duration": 10, "images": ["https://x/a.png", "aGVsbG8="]}
    task = await create(http, sim, body)
    assert task.spec.upstream["image_urls"] == ["https://x/a.png"]
    assert task.spec.upstream["binary_data_base64"] == ["aGVsbG8="]
    assert task.spec.seconds == 10
    await rejected(http, sim, {"model": "jimeng_vgfm_t2v_l20", "duration": 10})


# --- shared rules -------------------------------------------------------------------------------


async def test_fields_the_gateway_does_not_parse_are_recorded_as_dropped(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    task = await create(http, sim, {"model": "viduq2", "width": 640, "fps": 30, "n": 2})
    assert {"width", "fps", "n"} <= set(task.spec.dropped)


async def test_errors_name_the_field_and_the_allowed_values(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    error = await rejected(
        http, sim, {"model": "viduq2", "metadata": {"movement_amplitude": "huge"}}
    )
    assert error["code"] == "invalid_request"
    assert "movement_amplitude" in error["message"]
    assert "auto, small, medium, large" in error["message"]
