"""``measure``: decode a video at a reduced size and compute its metrics, cached if asked."""

from __future__ import annotations

import os
import warnings
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Final

from vidwidgets.metrics._cache import read_cache, stamp, write_cache
from vidwidgets.metrics._decode import MIN_SIZE, VideoInfo, open_video
from vidwidgets.metrics._exceptions import TooFewFrames
from vidwidgets.metrics._types import VideoMetrics

if TYPE_CHECKING:
    from vidwidgets.metrics._compute import FrameAccumulator

__all__ = ["DEFAULT_SIZE", "measure"]

DEFAULT_SIZE: Final = 180
"""The short side, in pixels, frames are decoded at by default: 720p is measured at 320 × 180."""


def measure(
    path: str | os.PathLike[str],
    *,
    size: int | None = DEFAULT_SIZE,
    max_frames: int | None = None,
    cache: bool = False,
) -> VideoMetrics:
    """Measure a video's quality from its decoded frames, locally, with no model weights.

    The frames are decoded by PyAV, scaled so their short side is ``size`` pixels (never
    enlarged), and measured with OpenCV. Each metric, its formula and its source are in the
    Metrics guide.

    Args:
        path: the video file (anything FFmpeg decodes: MP4, WebM, MOV, ...).
        size: the short side, in pixels, to decode the frames at (at least 32); None measures
            at full size, which is much slower and changes only ``sharpness`` much.
        max_frames: measure only the first this many frames (at least 2); None: all of them.
        cache: reuse ``<video>.metrics.json`` beside the video when it was written by this
            version for the same video (same size and modification time) and the same
            ``size`` and ``max_frames``; otherwise measure and write it (atomically). A folder
            that cannot be written only warns.

    Returns:
        The metrics, their per-frame series and the video's facts.

    Raises:
        VideoNotFound: there is no file at ``path``.
        UnreadableVideo: the file is not a video FFmpeg can decode, or it breaks off.
        TooFewFrames: the video has 0 or 1 frames, so no metric comparing frames is defined.
        ValueError: ``size`` or ``max_frames`` is out of range.

    Example:
        >>> import vidwidgets as vw
        >>> m = vw.measure("fox.mp4", cache=True)                       # doctest: +SKIP
        >>> m.motion, m.flicker, m.cuts, m.loop_seam                    # doctest: +SKIP
        (0.0061, 0.982, 0, 0.41)
    """
    video = Path(path)
    _check_arguments(size, max_frames)
    params = {"size": size, "max_frames": max_frames}
    if not (cache and video.is_file()):
        return _measure(video, size, max_frames)
    cached = read_cache(video, params)
    if cached is not None:
        return cached
    before = stamp(video, params)
    metrics = _measure(video, size, max_frames)
    try:
        write_cache(video, before, metrics)
    except (OSError, ValueError) as exc:
        warnings.warn(f"metrics of {video.name} not cached: {exc}", RuntimeWarning, stacklevel=2)
    return metrics


def _check_arguments(size: int | None, max_frames: int | None) -> None:
    for name, value, low in (("size", size, MIN_SIZE), ("max_frames", max_frames, 2)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
        if value < low:
            raise ValueError(f"{name}={value} is too small: use at least {low}, or None")


def _measure(video: Path, size: int | None, max_frames: int | None) -> VideoMetrics:
    info, frames = open_video(video, size)
    from vidwidgets.metrics._compute import FrameAccumulator  # loads OpenCV on first use

    acc = FrameAccumulator()
    try:
        for rgb in islice(frames, max_frames):
            acc.add(rgb)
    finally:
        frames.close()  # closes the container even when max_frames stopped early
    if acc.frames < 2:
        raise TooFewFrames(_too_few(video, acc.frames), video, acc.frames)
    return _build(info, acc.frames, acc)


def _too_few(video: Path, frames: int) -> str:
    if frames == 0:
        return f"{video.name} has no decodable frames: there is nothing to measure"
    return (
        f"{video.name} has only 1 frame: motion, flicker, frozen, cuts and loop_seam compare "
        "frames and are not defined for a single one (brightness, clipping and sharpness "
        "would be, but a still image is not a video to measure)"
    )


def _build(info: VideoInfo, frames: int, acc: FrameAccumulator) -> VideoMetrics:
    scalars = acc.finish()
    values = scalars.values
    duration = info.duration
    if duration is None:
        duration = frames / info.fps if info.fps else 0.0
    return VideoMetrics(
        motion=values["motion"],
        flicker=values["flicker"],
        sharpness=values["sharpness"],
        frozen=values["frozen"],
        cuts=scalars.cuts,
        loop_seam=values["loop_seam"],
        brightness=values["brightness"],
        clipping=values["clipping"],
        frames=frames,
        fps=info.fps,
        duration=duration,
        width=info.width,
        height=info.height,
        decoded_width=info.decoded_width,
        decoded_height=info.decoded_height,
        per_frame=scalars.per_frame,
    )
