"""The metrics cache: ``<video>.metrics.json`` beside the video, trusted only while it matches.

The file records the metrics version, the measuring parameters and the video's size and
modification time. Any difference — a new formula, another decode size, a re-downloaded video —
and the video is measured again. The file is written to a temporary name in the same folder and
renamed over the old one, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from vidwidgets.metrics._types import METRICS_VERSION, VideoMetrics

__all__ = ["cache_path", "read_cache", "stamp", "write_cache"]

SUFFIX = ".metrics.json"


def cache_path(video: str | os.PathLike[str]) -> Path:
    """Where the metrics of ``video`` are cached: ``clip.mp4`` → ``clip.mp4.metrics.json``.

    Args:
        video: the video file.

    Returns:
        The cache file's path, beside the video.
    """
    video = Path(video)
    return video.with_name(video.name + SUFFIX)


def stamp(video: Path, params: dict[str, Any]) -> dict[str, Any]:
    """What a cache file must match: the version, ``params``, the video's size and mtime.

    Taken before measuring, so a video replaced while it is measured is not trusted.
    """
    stat = video.stat()
    return {
        "version": METRICS_VERSION,
        "video_size": stat.st_size,
        "video_mtime_ns": stat.st_mtime_ns,
        "params": params,
    }


def read_cache(video: Path, params: dict[str, Any]) -> VideoMetrics | None:
    """The cached metrics of ``video`` if the cache file matches it and ``params``, else None.

    A missing, unreadable, stale or malformed cache file is not an error: it is measured again.
    """
    try:
        doc = json.loads(cache_path(video).read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("stamp") != stamp(video, params):
            return None
        return VideoMetrics.from_dict(doc["metrics"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_cache(video: Path, video_stamp: dict[str, Any], metrics: VideoMetrics) -> Path:
    """Write the cache file atomically (a temporary file renamed over it).

    Args:
        video: the video measured.
        video_stamp: its ``stamp`` from before it was measured.
        metrics: what was measured.

    Returns:
        The cache file.

    Raises:
        OSError: the folder is not writable (the temporary file is removed).
    """
    import tempfile  # only when writing: it costs an import of random and shutil

    target = cache_path(video)
    doc = {"stamp": video_stamp, "metrics": metrics.as_dict(per_frame=True)}
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, allow_nan=False)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
