"""Each metric on synthetic videos whose answer is known by construction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.metrics.conftest import DIAGONAL, FPS, HEIGHT, WIDTH, Frame, pan, texture
from vidwidgets.metrics import VideoMetrics, measure

MakeVideo = Callable[[str, Sequence[Frame]], Path]


@pytest.fixture(scope="module")
def still_metrics(still: Path) -> VideoMetrics:
    return measure(still)


@pytest.fixture(scope="module")
def pans(make_video: MakeVideo) -> dict[int, Path]:
    return {speed: make_video(f"pan-{speed}", pan(speed)) for speed in (2, 4)}


# --- a still video ----------------------------------------------------------------------------


def test_a_still_video_does_not_move(still_metrics: VideoMetrics) -> None:
    assert still_metrics.motion < 1e-4


def test_a_still_video_is_all_frozen(still_metrics: VideoMetrics) -> None:
    assert still_metrics.frozen == 1.0


def test_a_still_video_does_not_flicker(still_metrics: VideoMetrics) -> None:
    assert still_metrics.flicker > 0.999


def test_a_still_video_has_no_cut(still_metrics: VideoMetrics) -> None:
    assert still_metrics.cuts == 0


def test_a_still_video_loops_seamlessly(still_metrics: VideoMetrics) -> None:
    assert still_metrics.loop_seam > 0.99


def test_the_video_facts_are_reported(still_metrics: VideoMetrics) -> None:
    m = still_metrics
    assert (m.frames, m.fps, m.width, m.height) == (FPS, FPS, WIDTH, HEIGHT)
    assert m.duration == pytest.approx(1.0, abs=0.05)


def test_each_series_has_one_value_per_frame_or_per_step(still_metrics: VideoMetrics) -> None:
    per = still_metrics.per_frame
    assert len(per.sharpness) == len(per.brightness) == len(per.clipping) == FPS
    assert len(per.motion) == len(per.difference) == FPS - 1
    assert isinstance(per.motion, tuple)


# --- motion -----------------------------------------------------------------------------------


def test_motion_is_the_pan_speed_as_a_share_of_the_diagonal(pans: dict[int, Path]) -> None:
    assert measure(pans[4]).motion == pytest.approx(4 / DIAGONAL, rel=0.15)


def test_motion_is_proportional_to_speed(pans: dict[int, Path]) -> None:
    ratio = measure(pans[4]).motion / measure(pans[2]).motion
    assert ratio == pytest.approx(2.0, rel=0.1)


def test_motion_does_not_depend_on_the_decode_size(pans: dict[int, Path]) -> None:
    full, small = measure(pans[4], size=None), measure(pans[4], size=64)
    assert (small.decoded_width, small.decoded_height) == (96, 64)
    assert small.motion == pytest.approx(full.motion, rel=0.1)


def test_a_slow_pan_is_neither_a_cut_nor_frozen(pans: dict[int, Path]) -> None:
    m = measure(pans[2])
    assert (m.cuts, m.frozen) == (0, 0.0)


# --- flicker and cuts -------------------------------------------------------------------------


def test_alternating_bright_and_dark_frames_flicker(make_video: MakeVideo) -> None:
    base = texture(WIDTH, HEIGHT).astype(np.float32)
    dark, bright = (base * 0.3).astype(np.uint8), (base * 0.3 + 160).astype(np.uint8)
    m = measure(make_video("strobe", [dark, bright] * (FPS // 2)))
    assert m.flicker < 0.5
    # VBench's formula on its own series: 1 - the mean step difference
    assert m.flicker == pytest.approx(1 - float(np.mean(m.per_frame.difference)))


def test_a_flicker_is_not_a_cut(make_video: MakeVideo) -> None:
    base = texture(WIDTH, HEIGHT).astype(np.float32)
    dark, bright = (base * 0.3).astype(np.uint8), (base * 0.3 + 160).astype(np.uint8)
    assert measure(make_video("strobe-cuts", [dark, bright] * (FPS // 2))).cuts == 0


def test_two_spliced_scenes_are_one_cut(make_video: MakeVideo) -> None:
    first = pan(2, frames=FPS, seed=1)
    second = [255 - f[..., ::-1] // 2 for f in pan(2, frames=FPS, seed=2)]
    assert measure(make_video("two-scenes", first + second)).cuts == 1


def test_a_cut_between_two_scenes_of_the_same_colours_is_found(make_video: MakeVideo) -> None:
    # two textures drawn from the same distribution: the same histogram, other pictures
    first, second = pan(2, frames=FPS, seed=4, blur=6), pan(2, frames=FPS, seed=5, blur=6)
    assert measure(make_video("same-colours", first + second)).cuts == 1


def test_a_fast_pan_is_not_a_cut(make_video: MakeVideo) -> None:
    assert measure(make_video("fast-pan", pan(12, frames=FPS, seed=6))).cuts == 0


def test_three_scenes_are_two_cuts(make_video: MakeVideo) -> None:
    scenes = [pan(2, frames=FPS // 2, seed=seed, blur=6) for seed in (7, 8, 9)]
    assert measure(make_video("three-scenes", scenes[0] + scenes[1] + scenes[2])).cuts == 2


def test_a_one_frame_flash_is_not_a_cut(make_video: MakeVideo) -> None:
    frames = pan(1, frames=2 * FPS, seed=3)
    frames[FPS] = np.full_like(frames[FPS], 250)
    assert measure(make_video("flash", frames)).cuts == 0


# --- sharpness, brightness, clipping ----------------------------------------------------------


def test_a_sharp_pattern_is_sharper_than_its_blurred_copy(make_video: MakeVideo) -> None:
    sharp = np.kron(np.indices((16, 24)).sum(axis=0) % 2, np.ones((8, 8))).astype(np.uint8) * 255
    sharp_rgb = np.repeat(sharp[..., None], 3, axis=2)
    blurred = cv2.GaussianBlur(sharp_rgb, (0, 0), 3)
    m_sharp = measure(make_video("sharp", [sharp_rgb] * 4))
    m_blurred = measure(make_video("blurred", [blurred] * 4))
    assert m_sharp.sharpness > 5 * m_blurred.sharpness


@pytest.mark.parametrize(("level", "brightness"), [(0, 0.0), (255, 1.0)])
def test_an_all_black_or_all_white_video_is_all_clipped(
    make_video: MakeVideo, level: int, brightness: float
) -> None:
    m = measure(make_video(f"flat-{level}", [np.full((HEIGHT, WIDTH, 3), level, np.uint8)] * 4))
    assert m.clipping > 0.99
    assert m.brightness == pytest.approx(brightness, abs=0.01)


def test_a_mid_grey_video_is_not_clipped(make_video: MakeVideo) -> None:
    m = measure(make_video("grey", [np.full((HEIGHT, WIDTH, 3), 128, np.uint8)] * 4))
    assert m.clipping == 0.0
    assert m.brightness == pytest.approx(0.5, abs=0.01)


# --- loops ------------------------------------------------------------------------------------


def test_a_video_that_returns_to_its_first_frame_loops(make_video: MakeVideo) -> None:
    there = pan(4, frames=FPS // 2)
    assert measure(make_video("ping-pong", there + there[-2::-1])).loop_seam > 0.95


def test_a_video_that_ends_elsewhere_does_not_loop(make_video: MakeVideo) -> None:
    assert measure(make_video("one-way", pan(8, frames=FPS))).loop_seam < 0.5


# --- options ----------------------------------------------------------------------------------


def test_max_frames_measures_only_the_first_frames(pans: dict[int, Path]) -> None:
    m = measure(pans[2], max_frames=5)
    assert m.frames == 5
    assert len(m.per_frame.motion) == 4


def test_frames_are_decoded_at_the_short_side_asked_for(pans: dict[int, Path]) -> None:
    m = measure(pans[2], size=32)
    assert (m.decoded_width, m.decoded_height) == (48, 32)


def test_a_video_smaller_than_the_decode_size_is_not_enlarged(still: Path) -> None:
    m = measure(still, size=1000)
    assert (m.decoded_width, m.decoded_height) == (WIDTH, HEIGHT)


def test_a_small_object_moving_over_a_still_background_is_not_frozen(
    make_video: MakeVideo,
) -> None:
    background = texture(WIDTH, HEIGHT, blur=6.0)
    frames = []
    for i in range(FPS):
        frame = background.copy()
        frame[60:68, 20 + 4 * i : 28 + 4 * i] = 255  # 8 × 8 px, 0.26 % of the frame
        frames.append(frame)
    m = measure(make_video("small-object", frames))
    assert m.frozen == 0.0
    assert m.motion > 0


def test_the_repr_shows_the_scalars_not_the_series(still_metrics: VideoMetrics) -> None:
    text = repr(still_metrics)
    assert text.startswith("VideoMetrics(motion=")
    assert "cuts=0" in text
    assert f"{FPS} frames at {FPS} fps" in text
    assert len(text) < 300
    assert repr(still_metrics.per_frame).startswith(f"PerFrame(motion=<{FPS - 1} values>")
