"""The wire mapping: each vendor's fields where its gateway plugin reads them, and images inlined
for the vendors that take only data URLs (fetched from a real server on loopback)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from vidwidgets.client import ValidationError, VideoRequest
from vidwidgets.client._inline import inline_images
from vidwidgets.client._mapping import prepare_create

from .conftest import PNG

PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
A = "https://images.example/first.png"
B = "https://images.example/last.png"
VEO = "veo-3.1-generate-preview"


def body(request: VideoRequest, api_format: str = "88api") -> dict[str, Any]:
    prepared = prepare_create(request, api_format)  # type: ignore[arg-type]
    assert prepared.json is not None
    return prepared.json


# -- Veo ------------------------------------------------------------------------------------


def test_veo_negative_prompt_seed_and_audio_go_in_metadata_in_camel_case() -> None:
    sent = body(VideoRequest(VEO, "fox", duration=6, negative_prompt="blur", seed=3, audio=True))
    assert sent["duration"] == 6
    assert sent["metadata"] == {"negativePrompt": "blur", "seed": 3, "generateAudio": True}
    assert "negative_prompt" not in sent


def test_veo_size_becomes_resolution_and_aspect_ratio() -> None:
    sent = body(VideoRequest(VEO, "fox", size="1080x1920"))
    assert sent["metadata"] == {"resolution": "1080p", "aspectRatio": "9:16"}
    assert "size" not in sent


def test_veo_local_image_is_sent_inline(tmp_path: Path) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(PNG)
    assert body(VideoRequest(VEO, "fox", image=image))["image"] == PNG_URL


def test_veo_image_url_is_not_sent_as_a_url() -> None:
    with pytest.raises(ValidationError) as info:
        prepare_create(VideoRequest(VEO, "fox", image=A), "88api")
    assert info.value.field == "image"
    assert "inline_images" in (info.value.hint or "")


# -- Hailuo ---------------------------------------------------------------------------------


def test_hailuo_images_go_as_first_and_last_frame_in_metadata() -> None:
    sent = body(VideoRequest("MiniMax-Hailuo-02", "fox", image=A, end_image=B))
    assert sent["metadata"]["first_frame_image"] == A
    assert sent["metadata"]["last_frame_image"] == B
    assert "image" not in sent


def test_hailuo_resolution_is_written_in_its_own_spelling() -> None:
    sent = body(VideoRequest("MiniMax-Hailuo-2.3", "fox", duration=10, resolution="768p"))
    assert (sent["duration"], sent["resolution"], sent["metadata"]["resolution"]) == (
        10,
        "768P",
        "768P",
    )


def test_hailuo_subject_model_sends_its_image_as_the_subject_reference() -> None:
    sent = body(VideoRequest("S2V-01", "fox", image=A))
    assert sent["metadata"]["subject_reference"] == [{"type": "character", "image": [A]}]
    assert "first_frame_image" not in sent["metadata"]


# -- Seedance -------------------------------------------------------------------------------


def test_seedance_length_goes_as_seconds_an_integer_string_never_duration() -> None:
    sent = body(VideoRequest("doubao-seedance-1-0-pro-250528", "fox", duration=5))
    assert sent["seconds"] == "5"
    assert "duration" not in sent


def test_seedance_resolution_ratio_and_audio_go_in_metadata() -> None:
    sent = body(
        VideoRequest(
            "doubao-seedance-2-0-260128",
            "fox",
            resolution="1080p",
            aspect_ratio="21:9",
            audio=True,
            seed=9,
            image=A,
        )
    )
    assert sent["metadata"] == {
        "resolution": "1080p",
        "ratio": "21:9",
        "seed": 9,
        "generate_audio": True,
    }
    assert sent["images"] == [A]


# -- Wan ------------------------------------------------------------------------------------


def test_wan_text_to_video_size_is_written_w_star_h() -> None:
    assert body(VideoRequest("wan2.7-t2v", "fox", size="1920x1080"))["size"] == "1920*1080"


def test_wan_text_to_video_seed_keeps_the_size_in_metadata_parameters() -> None:
    sent = body(VideoRequest("wan2.5-t2v-preview", "fox", size="1280*720", seed=7))
    assert sent["metadata"]["parameters"] == {"seed": 7, "size": "1280*720"}


def test_wan_image_negative_prompt_and_soundtrack_go_in_metadata_input() -> None:
    track = "https://audio.example/t.mp3"
    sent = body(
        VideoRequest("wan2.5-i2v-preview", "fox", image=A, negative_prompt="blur", audio=track)
    )
    assert sent["metadata"]["input"] == {
        "img_url": A,
        "negative_prompt": "blur",
        "audio_url": track,
        "prompt": "fox",  # the object may replace the plugin's own: the prompt stays in it
    }
    assert "image" not in sent


def test_wan_seed_and_resolution_go_in_metadata_parameters() -> None:
    sent = body(
        VideoRequest("wan2.2-i2v-plus", "fox", image=A, resolution="720p", seed=4, duration=5)
    )
    # the object may replace the plugin's own: the length stays in it
    assert sent["metadata"]["parameters"] == {"resolution": "720P", "seed": 4, "duration": 5}


# -- Kling, Vidu, Jimeng, Sora --------------------------------------------------------------


def test_kling_end_frame_and_sound_go_in_metadata() -> None:
    sent = body(VideoRequest("kling-v1-6", "fox", image=A, end_image=B, audio=True))
    assert sent["image"] == A
    assert sent["metadata"]["image_tail"] == B
    assert sent["metadata"]["sound"] == "on"


def test_kling_v2_master_is_sent_in_pro_mode_when_none_was_asked() -> None:
    assert body(VideoRequest("kling-v2-master", "fox"))["mode"] == "pro"
    assert "mode" not in body(VideoRequest("kling-v1", "fox"))


def test_kling_duration_is_a_string_in_metadata() -> None:
    sent = body(VideoRequest("kling-v1", "fox", duration=10, negative_prompt="blur"))
    assert sent["metadata"]["duration"] == "10"
    assert sent["metadata"]["negative_prompt"] == "blur"


def test_vidu_two_images_make_a_start_end_video() -> None:
    sent = body(VideoRequest("viduq2", "fox", image=A, end_image=B, audio=True, seed=1))
    assert sent["images"] == [A, B]
    assert sent["metadata"]["bgm"] is True
    assert sent["metadata"]["seed"] == 1


def test_vidu_eight_seconds_without_a_resolution_is_sent_at_720p() -> None:
    sent = body(VideoRequest("vidu2.0", "fox", duration=8))
    assert (sent["size"], sent["metadata"]["resolution"]) == ("720p", "720p")


def test_jimeng_is_mapped_as_before() -> None:
    sent = body(VideoRequest("jimeng_vgfm_i2v_l20", "fox", image=A, seed=2, aspect_ratio="4:3"))
    assert sent["image"] == A
    assert sent["metadata"] == {"req_key": "jimeng_vgfm_i2v_l20", "aspect_ratio": "4:3", "seed": 2}


def test_sora_seconds_stay_a_string_and_the_image_an_input_reference() -> None:
    sent = body(VideoRequest("sora-2", "fox", duration=8, image=A), "openai")
    assert sent["seconds"] == "8"
    assert sent["input_reference"] == {"image_url": A}


def test_an_unknown_model_gets_the_new_fields_in_metadata() -> None:
    sent = body(VideoRequest("acme-video-9", "fox", image=A, end_image=B, audio=True))
    assert sent["image"] == A
    assert sent["metadata"] == {"end_image": B, "audio": True}


def test_user_metadata_still_has_the_last_word() -> None:
    sent = body(VideoRequest(VEO, "fox", seed=1, metadata={"seed": 2, "personGeneration": "x"}))
    assert sent["metadata"] == {"seed": 2, "personGeneration": "x"}


# -- inlining images (a real HTTP server on loopback) ---------------------------------------


async def test_an_image_url_is_fetched_and_inlined_for_veo(
    image_server: tuple[str, list[dict[str, str]]],
) -> None:
    base, _ = image_server
    inlined = await inline_images(VideoRequest(VEO, "fox", image=f"{base}/png"))
    assert inlined.image == PNG_URL
    assert body(inlined)["image"] == PNG_URL


async def test_the_fetch_carries_no_credentials(
    image_server: tuple[str, list[dict[str, str]]],
) -> None:
    base, seen = image_server
    await inline_images(VideoRequest(VEO, "fox", image=f"{base}/png"))
    assert len(seen) == 1
    assert "Authorization" not in seen[0]


async def test_a_local_file_is_read_and_inlined(tmp_path: Path) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(PNG)
    assert (await inline_images(VideoRequest(VEO, "fox", image=image))).image == PNG_URL


@pytest.mark.parametrize("name", ["big", "big-chunked"])
async def test_an_image_over_the_limit_is_refused(
    image_server: tuple[str, list[dict[str, str]]], name: str
) -> None:
    base, _ = image_server
    with pytest.raises(ValidationError) as info:
        await inline_images(VideoRequest(VEO, "fox", image=f"{base}/{name}"), max_bytes=4000)
    assert info.value.field == "image"
    assert "MiB" in str(info.value)


async def test_a_local_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(PNG + b"\0" * 5000)
    with pytest.raises(ValidationError, match="MiB"):
        await inline_images(VideoRequest(VEO, "fox", image=image), max_bytes=4000)


@pytest.mark.parametrize(("name", "says"), [("html", "PNG, JPEG"), ("missing", "404")])
async def test_a_url_that_gives_no_image_is_refused_naming_it(
    image_server: tuple[str, list[dict[str, str]]], name: str, says: str
) -> None:
    base, _ = image_server
    with pytest.raises(ValidationError) as info:
        await inline_images(VideoRequest(VEO, "fox", image=f"{base}/{name}"))
    assert info.value.field == "image"
    assert says in str(info.value)


async def test_an_unreachable_url_is_refused_with_a_hint() -> None:
    with pytest.raises(ValidationError) as info:
        await inline_images(VideoRequest(VEO, "fox", image="http://127.0.0.1:9/x.png"))
    assert "local file" in (info.value.hint or "")


async def test_models_that_read_urls_are_left_alone() -> None:
    request = VideoRequest("kling-v1", "fox", image=A, end_image=B)
    assert await inline_images(request) is request
