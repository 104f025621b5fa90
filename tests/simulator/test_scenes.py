"""The prompt steers the video: still scenes barely move, fast ones do, strobes flicker, cuts cut.

Measured here with plain numpy on decoded frames (mean absolute difference between consecutive
frames, mean brightness), so these tests do not depend on vidwidgets' own metrics.
"""

from __future__ import annotations

import functools
import io

import av
import numpy as np
import pytest

from vidwidgets.simulator._cues import FAST_MOTION, STILL_MOTION, SceneCues, read_cues
from vidwidgets.simulator._render import VideoKey, render_mp4

SEEDS = (1, 2, 3)


@functools.cache
def frames(prompt: str, seed: int = 1, seconds: int = 2) -> np.ndarray:
    """Decoded RGB frames of a tiny clip, as uint8 (frames, rows, columns, 3)."""
    key = VideoKey("kling-v1", prompt, seed, width=96, height=64, seconds=seconds, fps=8)
    with av.open(io.BytesIO(render_mp4(key))) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return np.stack(decoded)


def frame_differences(video: np.ndarray) -> np.ndarray:
    """Mean absolute difference between each frame and the next (0-255)."""
    return np.abs(np.diff(video.astype(np.float32), axis=0)).mean(axis=(1, 2, 3))


def brightness_swings(video: np.ndarray) -> np.ndarray:
    """How much the mean brightness changes from each frame to the next."""
    return np.abs(np.diff(video.astype(np.float32).mean(axis=(1, 2, 3))))


@pytest.mark.parametrize("prompt", ["a still lake", "strobe lights", "two scenes"])
def test_same_prompt_and_seed_give_identical_frames(prompt: str) -> None:
    key = VideoKey("kling-v1", prompt, 7, width=96, height=64, seconds=2, fps=8)
    with av.open(io.BytesIO(render_mp4(key))) as container:
        again = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert np.array_equal(np.stack(again), frames(prompt, 7))


@pytest.mark.parametrize("prompt", ["a still lake", "strobe lights", "two scenes", "a kite"])
def test_a_different_seed_gives_different_frames(prompt: str) -> None:
    a, b = frames(prompt, 1).astype(np.float32), frames(prompt, 2).astype(np.float32)
    assert np.abs(a - b).mean() > 5


@pytest.mark.parametrize("seed", SEEDS)
def test_a_still_lake_moves_far_less_than_a_fox_running_fast(seed: int) -> None:
    still = frame_differences(frames("a still lake", seed)).mean()
    fast = frame_differences(frames("a fox running fast", seed)).mean()
    assert still < 2.5
    assert fast > 5 * still


@pytest.mark.parametrize("seed", SEEDS)
def test_a_prompt_without_cues_moves_between_still_and_fast(seed: int) -> None:
    plain = frame_differences(frames("a kite over a field", seed)).mean()
    assert frame_differences(frames("a still kite over a field", seed)).mean() < plain
    assert plain < frame_differences(frames("a fast kite over a field", seed)).mean()


@pytest.mark.parametrize("seed", SEEDS)
def test_strobe_lights_swing_in_brightness_between_frames(seed: int) -> None:
    strobe = brightness_swings(frames("strobe lights", seed))
    steady = brightness_swings(frames("stage lights", seed))
    assert strobe.mean() > 15  # dark frames at 30 % of the brightness
    assert strobe.mean() > 5 * steady.mean()


def test_the_prompt_stays_legible_in_a_strobes_dark_frames() -> None:
    video = frames("strobe lights", 1)
    band = video[:, -10:, :, :].max(axis=(1, 2, 3))  # the caption band's brightest pixel
    assert band.min() > 180  # white text in every frame, dark or not


@pytest.mark.parametrize("seed", SEEDS)
def test_two_scenes_cut_once(seed: int) -> None:
    diffs = frame_differences(frames("two scenes", seed))
    ranked = np.sort(diffs)
    assert ranked[-1] > 2 * ranked[-2]  # one frame change stands out from all others
    assert 2 <= int(diffs.argmax()) + 1 <= 14  # in the middle of the 16 frames, not at the ends


def test_each_then_adds_a_cut() -> None:
    diffs = frame_differences(frames("a lake, then a city, then a forest", 1, seconds=4))
    median = float(np.median(diffs))
    assert int((diffs > median + 8).sum()) == 2


@pytest.mark.parametrize(
    ("prompt", "cues"),
    [
        ("a red fox in the snow", SceneCues()),
        ("A calm lake at dawn", SceneCues(motion=STILL_MOTION)),
        ("a car RACING through the night", SceneCues(motion=FAST_MOTION)),
        ("the fox is still running", SceneCues(motion=FAST_MOTION)),
        ("lightning over the sea", SceneCues(flicker=True)),
        ("a flickering candle", SceneCues(flicker=True)),
        ("two scenes: a beach and a city", SceneCues(cuts=1)),
        ("3 shots of a bridge", SceneCues(cuts=2)),
        ("two scenes: a lake, then a city", SceneCues(motion=STILL_MOTION, cuts=1)),
        ("a montage of cities", SceneCues(cuts=3)),
        ("it cuts to black", SceneCues(cuts=1)),
        ("a dog, then a cat, then a bird, then " * 3, SceneCues(cuts=5)),
        ("a thenar muscle, a scuttle, a lakeside café", SceneCues()),
        ("平静的湖面", SceneCues(motion=STILL_MOTION)),
        ("一只狐狸在雪地里奔跑，然后闪电", SceneCues(motion=FAST_MOTION, flicker=True, cuts=1)),
        ("一个穿着宇航服的宇航员在月球上行走", SceneCues()),
    ],
)
def test_cue_words_in_the_prompt(prompt: str, cues: SceneCues) -> None:
    assert read_cues(prompt) == cues
