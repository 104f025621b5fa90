"""Small PyAV helpers: probe a downloaded video and cut a thumbnail from it (no API call)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

__all__ = ["make_thumbnail", "probe_video"]


def probe_video(path: Path) -> dict[str, Any]:
    """Width, height, frame rate and duration of a video file, read by PyAV.

    Raises ``ValueError`` when the file holds no decodable video stream.
    """
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ValueError(f"{path.name} has no video stream")
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 24)
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            frames = stream.frames or (round(duration * fps) if duration else None)
            return {
                "width": stream.codec_context.width,
                "height": stream.codec_context.height,
                "fps": round(fps, 3),
                "duration": round(duration, 3) if duration is not None else None,
                "frames": frames,
                "codec": stream.codec_context.name,
            }
    except av.error.FFmpegError as exc:
        raise ValueError(f"{path.name} is not a decodable video: {exc}") from exc


def make_thumbnail(video: Path, *, max_width: int = 320) -> bytes:
    """A JPEG of the video's first frame, at most ``max_width`` pixels wide."""
    import av
    from PIL import Image

    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            image = Image.fromarray(frame.to_ndarray(format="rgb24"))
            break
        else:
            raise ValueError(f"{video.name} has no frames")
    if image.width > max_width:
        image = image.resize((max_width, max(2, round(image.height * max_width / image.width))))
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()
