"""Filmstrips: evenly spaced frames of a simulator video, tiled in one small JPEG, cached beside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from vidwidgets.experiments import filmstrip, strip_path
from vidwidgets.simulator._render import VideoKey, render_mp4

# 3 s at 8 fps: 24 frames, 160 × 96 (tiny: each test renders in well under a second)
KEY = VideoKey("kling-v1", "a red fox in snow", seed=3, width=160, height=96, seconds=3, fps=8)


@pytest.fixture(scope="module")
def mp4_bytes() -> bytes:
    return render_mp4(KEY)


@pytest.fixture
def video(tmp_path: Path, mp4_bytes: bytes) -> Path:
    path = tmp_path / "cell.mp4"
    path.write_bytes(mp4_bytes)
    return path


def test_a_strip_holds_the_frames_asked_for_side_by_side(video: Path) -> None:
    strip = filmstrip(video, frames=6, height=48)
    with Image.open(strip.path) as image:
        assert image.format == "JPEG"
        assert image.size == (6 * strip.frame_width, 48)
    assert strip.frames == 6
    assert strip.frame_width == 80  # 160 × 96 scaled to 48 px high keeps the aspect ratio


def test_the_default_strip_is_eight_frames_96_px_high_and_a_few_kb(video: Path) -> None:
    strip = filmstrip(video)
    assert (strip.frames, strip.height) == (8, 96)
    assert strip.path.stat().st_size < 20_000


def test_the_frames_are_evenly_spaced_not_the_same_frame(video: Path) -> None:
    strip = filmstrip(video, frames=4, height=48)
    with Image.open(strip.path) as image:
        tiles = [image.crop((i * 80, 0, (i + 1) * 80, 48)).tobytes() for i in range(4)]
    assert len(set(tiles)) == 4


def test_the_strip_is_cached_beside_the_video(video: Path) -> None:
    strip = filmstrip(video)
    assert strip.path == strip_path(video) == video.with_name("cell.mp4.strip.jpg")
    assert not strip.reused


def test_an_unchanged_video_reuses_its_strip_without_decoding(video: Path) -> None:
    first = filmstrip(video)
    made = first.path.stat().st_mtime_ns
    again = filmstrip(video)
    assert again.reused
    assert again.path.stat().st_mtime_ns == made
    assert (again.frames, again.frame_width, again.height) == (
        first.frames,
        first.frame_width,
        first.height,
    )


def test_a_changed_video_gets_a_new_strip(video: Path, mp4_bytes: bytes) -> None:
    filmstrip(video)
    other = render_mp4(VideoKey("kling-v1", "a grey wolf", 4, 160, 96, 3, 8))
    video.write_bytes(other)
    os.utime(video, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    assert not filmstrip(video).reused


def test_other_settings_make_a_new_strip(video: Path) -> None:
    filmstrip(video, frames=8)
    strip = filmstrip(video, frames=4)
    assert not strip.reused
    assert strip.frames == 4


def test_a_short_video_gives_the_frames_it_has(tmp_path: Path) -> None:
    path = tmp_path / "short.mp4"
    path.write_bytes(render_mp4(VideoKey("kling-v1", "a blink", 1, 64, 32, 1, 4)))
    strip = filmstrip(path, frames=8, height=32)
    assert 1 <= strip.frames <= 4
    assert filmstrip(path, frames=8, height=32).frames == strip.frames  # and reuses it


def test_a_corrupt_video_is_a_clear_error_and_leaves_no_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(ValueError, match=r"broken\.mp4 is not a decodable video"):
        filmstrip(bad)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.mp4"]  # no strip, no temp


def test_a_corrupt_cached_strip_is_made_again(video: Path) -> None:
    strip_path(video).write_bytes(b"half a jpeg")
    strip = filmstrip(video)
    assert not strip.reused
    with Image.open(strip.path) as image:
        assert image.size == (8 * strip.frame_width, 96)


@pytest.mark.parametrize(("frames", "height"), [(0, 96), (65, 96), (8, 8), (8, 2000)])
def test_sizes_out_of_range_are_refused_by_name(video: Path, frames: int, height: int) -> None:
    with pytest.raises(ValueError, match=r"frames must be|height must be"):
        filmstrip(video, frames=frames, height=height)
    assert not strip_path(video).exists()
