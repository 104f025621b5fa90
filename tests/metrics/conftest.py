"""Synthetic videos whose metrics are known by construction, written with PyAV.

Each is tiny (192 × 128, 1–2 s at 24 fps) and encoded at high quality, so what a test asserts
is the construction, not the codec. The videos are written once per module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

Frame = NDArray[np.uint8]
WIDTH, HEIGHT, FPS = 192, 128, 24
#: The diagonal of the source frame: a pan of v px/frame has motion v / DIAGONAL.
DIAGONAL = float(np.hypot(WIDTH, HEIGHT))


def write_video(path: Path, frames: Sequence[Frame], fps: int = FPS) -> Path:
    """Encode RGB frames as H.264 (yuv420p, CRF 12) in MP4."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "12"}
        stream.codec_context.time_base = Fraction(1, fps)
        for index, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def texture(width: int, height: int, seed: int = 0, blur: float = 2.0) -> Frame:
    """A smooth random RGB texture: something for optical flow and SSIM to hold on to."""
    rng = np.random.default_rng(seed)
    noise = rng.random((height, width, 3)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), blur)
    smooth = (smooth - smooth.min()) / (smooth.max() - smooth.min())
    return (smooth * 255).astype(np.uint8)


def pan(speed: int, frames: int = FPS, seed: int = 0, blur: float = 2.0) -> list[Frame]:
    """The frame window sliding right over a wide texture at ``speed`` px per frame."""
    wide = texture(WIDTH + speed * frames, HEIGHT, seed, blur)
    return [wide[:, i * speed : i * speed + WIDTH] for i in range(frames)]


@pytest.fixture(scope="module")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="module")
def make_video(video_dir: Path) -> Callable[[str, Sequence[Frame]], Path]:
    """``make_video(name, frames)``: the frames as ``<name>.mp4`` in the module's folder."""

    def make(name: str, frames: Sequence[Frame]) -> Path:
        return write_video(video_dir / f"{name}.mp4", frames)

    return make


@pytest.fixture(scope="module")
def still(make_video: Callable[[str, Sequence[Frame]], Path]) -> Path:
    return make_video("still", [texture(WIDTH, HEIGHT)] * FPS)
