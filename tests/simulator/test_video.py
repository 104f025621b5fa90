"""The rendered videos: real, playable-shaped H.264, deterministic, and telling prompts apart."""

from __future__ import annotations

import io

import aiohttp
import av
import numpy as np
import pytest
from PIL import Image

from vidwidgets.simulator._render import VideoKey, render_mp4, render_still

from .conftest import FAST, auth, post_json, probe

KEY = VideoKey(
    "kling-v1", "a blue whale over a desert", seed=3, width=96, height=64, seconds=2, fps=8
)


def frames(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_same_inputs_give_the_same_bytes() -> None:
    assert render_mp4(KEY) == render_mp4(KEY)


def test_video_is_h264_yuv420p_with_the_moov_atom_first() -> None:
    data = render_mp4(KEY)
    info = probe(data)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 96, 64)
    assert info.frames == 16
    assert info.duration == pytest.approx(2.0)
    assert data[4:8] == b"ftyp"
    assert 0 < data.find(b"moov") < data.find(b"mdat")


@pytest.mark.parametrize(
    "other",
    [
        VideoKey(KEY.model, "a red fox in the snow", KEY.seed, 96, 64, 2, 8),
        VideoKey(KEY.model, KEY.prompt, 4, 96, 64, 2, 8),
        VideoKey("vidu2.0", KEY.prompt, KEY.seed, 96, 64, 2, 8),
    ],
    ids=["prompt", "seed", "model"],
)
def test_different_inputs_give_visibly_different_colours_and_motion(other: VideoKey) -> None:
    a, b = frames(render_mp4(KEY)), frames(render_mp4(other))
    colour_a = np.mean([f.mean(axis=(0, 1)) for f in a], axis=0)
    colour_b = np.mean([f.mean(axis=(0, 1)) for f in b], axis=0)
    assert np.abs(colour_a - colour_b).max() > 8  # mean colour differs by more than noise
    motion_a = np.abs(a[-1].astype(int) - a[0].astype(int)).mean()
    motion_b = np.abs(b[-1].astype(int) - b[0].astype(int)).mean()
    assert motion_a > 1
    assert motion_b > 1
    assert abs(motion_a - motion_b) > 0.1 or np.abs(colour_a - colour_b).max() > 8


def test_prompt_is_written_into_the_frame() -> None:
    key = VideoKey("kling-v1", "HELLO", seed=1, width=320, height=180, seconds=1, fps=4)
    blank = VideoKey("kling-v1", " ", seed=1, width=320, height=180, seconds=1, fps=4)
    text = np.asarray(Image.open(io.BytesIO(render_still(key, "png"))).convert("L"), dtype=int)
    none = np.asarray(Image.open(io.BytesIO(render_still(blank, "png"))).convert("L"), dtype=int)
    band = slice(180 - 180 // 16 * 2, 180)  # the caption band at the bottom
    assert (text[band] > 200).sum() > 30  # white glyph pixels
    assert (text[band] > 200).sum() > (none[band] > 200).sum() + 30


async def test_two_simulators_with_the_same_seed_serve_identical_videos(
    http: aiohttp.ClientSession,
) -> None:
    from vidwidgets.simulator import Simulator

    videos = []
    for _ in range(2):
        async with Simulator(dialect="openai", seed=5, **FAST) as sim:
            _, created = await post_json(http, sim, "/v1/videos", {"prompt": "a waterfall"})
            await sim.wait_finished(1)
            url = f"{sim.base_url}/v1/videos/{created['id']}/content"
            async with http.get(url, headers=auth(sim)) as resp:
                videos.append(await resp.read())
    assert videos[0] == videos[1]


async def test_video_scale_and_fps_follow_the_knobs(http: aiohttp.ClientSession) -> None:
    from vidwidgets.simulator import Simulator

    async with Simulator(dialect="openai", speed=200, video_scale=0.05, fps=4) as sim:
        _, created = await post_json(
            http, sim, "/v1/videos", {"prompt": "x", "size": "1280x720", "seconds": "4"}
        )
        await sim.wait_finished(1)
        url = f"{sim.base_url}/v1/videos/{created['id']}/content"
        async with http.get(url, headers=auth(sim)) as resp:
            info = probe(await resp.read())
    assert (info.width, info.height, info.frames) == (64, 36, 16)


async def test_without_prerender_the_video_is_rendered_on_first_download(
    http: aiohttp.ClientSession,
) -> None:
    from vidwidgets.simulator import Simulator

    async with Simulator(dialect="openai", prerender=False, seed=11, **FAST) as sim:
        _, created = await post_json(http, sim, "/v1/videos", {"prompt": "rendered late"})
        await sim.wait_finished(1)
        url = f"{sim.base_url}/v1/videos/{created['id']}/content"
        async with http.get(url, headers=auth(sim)) as resp:
            info = probe(await resp.read())
    assert (info.width, info.height, info.frames) == (72, 128, 32)
