"""Filmstrips: a few evenly spaced frames of a video, small, tiled side by side in one JPEG.

A big grid shows these before it decodes any video (see the Comparison's ``filmstrips``): one
strip of 8 frames, 96 px high, is a few KB, where a video is hundreds. The strip is cached beside
its video (``clip.mp4`` → ``clip.mp4.strip.jpg``), written atomically (never a partial file), and
made again only when the video's size or mtime changed (both are kept in the JPEG's comment).

No widget toolkit here, and PyAV and Pillow are imported only when a strip is made, so
``import vidwidgets`` stays fast.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidwidgets.experiments._paths import atomic_write_bytes

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["DEFAULT_STRIP_FRAMES", "DEFAULT_STRIP_HEIGHT", "Filmstrip", "filmstrip", "strip_path"]

DEFAULT_STRIP_FRAMES = 8
DEFAULT_STRIP_HEIGHT = 96
_SUFFIX = ".strip.jpg"
_STAMP = "vidwidgets-filmstrip/1"


@dataclasses.dataclass(frozen=True)
class Filmstrip:
    """A strip made (or reused) for one video.

    Attributes:
        path: the JPEG beside the video (``<video>.strip.jpg``).
        frames: how many frames it holds, left to right (fewer than asked for a short video).
        frame_width: the width of one frame in pixels (the strip is ``frames × frame_width``).
        height: its height in pixels.
        reused: True when the cached file still matched the video and nothing was decoded.
    """

    path: Path
    frames: int
    frame_width: int
    height: int
    reused: bool = False


def strip_path(video: Path) -> Path:
    """Where the strip of ``video`` is cached: ``clip.mp4`` → ``clip.mp4.strip.jpg``."""
    return video.with_name(video.name + _SUFFIX)


def filmstrip(
    video: str | Path,
    *,
    frames: int = DEFAULT_STRIP_FRAMES,
    height: int = DEFAULT_STRIP_HEIGHT,
) -> Filmstrip:
    """Make the filmstrip of ``video`` (or reuse the cached one), beside the video.

    Blocking (it decodes the video): a grid calls it from a worker thread, never on the loop.

    Args:
        video: an MP4 (or any file PyAV decodes).
        frames: how many evenly spaced frames (1..64).
        height: the height of each frame in pixels (16..720); the width keeps the aspect ratio.

    Returns:
        The strip: its path, frame count and size, and whether the cache was reused.

    Raises:
        ValueError: ``frames`` or ``height`` is out of range, or the video cannot be decoded
            (nothing is written then).
        OSError: the video cannot be read or the strip cannot be written.

    Example:
        >>> strip = filmstrip("runs/fox/cell.mp4")                       # doctest: +SKIP
        >>> strip.path.name, strip.frames                                # doctest: +SKIP
        ('cell.mp4.strip.jpg', 8)
    """
    if not 1 <= frames <= 64:
        raise ValueError(f"frames must be 1..64, got {frames!r}")
    if not 16 <= height <= 720:
        raise ValueError(f"height must be 16..720 pixels, got {height!r}")
    video = Path(video)
    info = video.stat()
    stamp = f"{_STAMP} size={info.st_size} mtime_ns={info.st_mtime_ns} frames={frames} h={height}"
    target = strip_path(video)
    cached = _cached(target, stamp)
    if cached is not None:
        return cached
    images = _decode_frames(video, frames, height)
    width = images[0].width
    from PIL import Image

    sheet = Image.new("RGB", (width * len(images), height))
    for i, image in enumerate(images):
        sheet.paste(image, (i * width, 0))
    out = io.BytesIO()
    sheet.save(out, format="JPEG", quality=72, optimize=True, comment=f"{stamp} n={len(images)}")
    atomic_write_bytes(target, out.getvalue())
    return Filmstrip(target, len(images), width, height)


def _cached(target: Path, stamp: str) -> Filmstrip | None:
    """The strip at ``target`` when its comment names this very video and size, else None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(target) as image:
            comment = image.info.get("comment", b"")
            if isinstance(comment, bytes):
                comment = comment.decode("utf-8", "replace")
            made, _, count = comment.rpartition(" n=")
            # the count made may be fewer than asked (a short video): the comment says it
            if made != stamp or not count.isdigit() or int(count) < 1:
                return None
            n = int(count)
            return Filmstrip(target, n, image.width // n, image.height, reused=True)
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def _decode_frames(video: Path, count: int, height: int) -> list[Image.Image]:
    """``count`` evenly spaced frames of ``video``, each ``height`` px high (fewer if short)."""
    import av

    try:
        with av.open(str(video)) as container:
            if not container.streams.video:
                raise ValueError(f"{video.name} has no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            total = _frame_count(stream, container)
            picks = _picks(total, count)
            ctx = stream.codec_context
            width = max(2, round(ctx.width * height / max(1, ctx.height) / 2) * 2)
            images: list[Image.Image] = []
            for index, frame in enumerate(container.decode(stream)):
                if index in picks:
                    small = frame.reformat(width=width, height=height)
                    images.append(small.to_image())  # type: ignore[no-untyped-call]
                    if len(images) == len(picks):
                        break
    except av.error.FFmpegError as exc:
        raise ValueError(f"{video.name} is not a decodable video: {exc}") from exc
    if not images:
        raise ValueError(f"{video.name} has no frames")
    return images


def _frame_count(stream: Any, container: Any) -> int:
    """The stream's frame count, from its header or duration × rate (0: unknown)."""
    if stream.frames:
        return int(stream.frames)
    rate = float(stream.average_rate or stream.guessed_rate or 0)
    if stream.duration is not None and stream.time_base is not None:
        return int(float(stream.duration * stream.time_base) * rate)
    if container.duration is not None:
        return int(container.duration / 1_000_000 * rate)
    return 0


def _picks(total: int, count: int) -> set[int]:
    """Which frame indices to keep: the middle of ``count`` equal spans (the first ones if unknown)."""
    if total <= 0:
        return set(range(count))
    if total <= count:
        return set(range(total))
    return {int((i + 0.5) * total / count) for i in range(count)}
