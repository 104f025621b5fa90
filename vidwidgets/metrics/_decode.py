"""Decode a video's frames with PyAV, scaled down to the size the metrics are computed at.

Scaling happens in FFmpeg's swscale while the frame is converted to RGB, so a 720p clip costs
little more to measure than a 180p one, and the metrics do not depend on the source resolution
more than they must. Every PyAV failure becomes a ``MetricsError`` that names the file.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidwidgets.metrics._exceptions import UnreadableVideo, VideoNotFound

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["MIN_SIZE", "VideoInfo", "decoded_size", "open_video"]

#: The smallest short side worth measuring at: below it optical flow has nothing to work with.
MIN_SIZE = 32


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about the video, and the size its frames are decoded at."""

    width: int
    height: int
    fps: float
    duration: float | None
    decoded_width: int
    decoded_height: int


def decoded_size(width: int, height: int, size: int | None) -> tuple[int, int]:
    """The frame size to decode at: short side ``size`` (never larger than the video), same shape.

    Args:
        width: the video's width.
        height: the video's height.
        size: the short side wanted, or None for the full size.

    Returns:
        ``(width, height)`` to decode at, each at least 1.
    """
    short = min(width, height)
    if size is None or size >= short:
        return width, height
    scale = size / short
    return max(1, round(width * scale)), max(1, round(height * scale))


def _check_file(path: Path) -> None:
    if not path.exists():
        raise VideoNotFound(f"no video at {path}: the file does not exist", path)
    if not path.is_file():
        raise UnreadableVideo(f"{path} is not a video file (it is a directory)", path)


def open_video(
    path: Path, size: int | None
) -> tuple[VideoInfo, Generator[NDArray[np.uint8], None, None]]:
    """Open ``path`` and return what it is and an iterator over its RGB frames at ``size``.

    Args:
        path: the video file.
        size: the short side to decode at (None: full size).

    Returns:
        The video's facts, and an iterator of ``(decoded_height, decoded_width, 3)`` uint8 arrays
        that closes the file when it ends (or is closed).

    Raises:
        VideoNotFound: no file at ``path``.
        UnreadableVideo: the file holds no decodable video stream.
    """
    import av

    _check_file(path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise UnreadableVideo(f"{path.name} is not a video FFmpeg can read: {exc}", path) from exc
    if not container.streams.video:
        container.close()
        raise UnreadableVideo(f"{path.name} has no video stream (only audio or data)", path)
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if not width or not height:
        container.close()
        raise UnreadableVideo(f"{path.name}: its video stream has no frame size", path)
    dw, dh = decoded_size(width, height, size)
    info = VideoInfo(width, height, _fps(stream), _duration(container, stream), dw, dh)
    return info, _frames(container, stream, path, dw, dh)


def _fps(stream: Any) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 0.0


def _duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / 1_000_000)
    return None


def _frames(
    container: Any, stream: Any, path: Path, width: int, height: int
) -> Generator[NDArray[np.uint8], None, None]:
    import av

    index = 0
    try:
        for frame in container.decode(stream):
            yield frame.to_ndarray(format="rgb24", width=width, height=height)
            index += 1
    except av.error.FFmpegError as exc:
        raise UnreadableVideo(
            f"{path.name}: frame {index} does not decode (a truncated or damaged file?): {exc}",
            path,
        ) from exc
    finally:
        container.close()
