"""Measuring a cell's video after its download, off the event loop.

The runner calls ``measure_video`` once a cell has its file: the metrics are computed on a small
pool of worker threads (PyAV and OpenCV release the GIL for most of the work), so the kernel's
loop keeps serving widgets meanwhile. The per-frame series stay in the cache file beside the
video (``<video>.metrics.json``); the manifest gets only the scalars, or a note saying why the
video could not be measured.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from vidwidgets.metrics import METRIC_NAMES, MetricsError, VideoMetrics, measure

__all__ = ["METRIC_NAMES", "failure_note", "format_metric", "measure_video", "scalars"]

#: at most this many videos are measured at once: each decode already uses a core
MEASURE_WORKERS = max(1, min(2, os.cpu_count() or 1))

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(MEASURE_WORKERS, thread_name_prefix="vidwidgets-measure")
        return _pool


async def measure_video(path: Path) -> VideoMetrics:
    """``vw.measure(path, cache=True)`` on a worker thread: the loop is never blocked.

    Args:
        path: the downloaded video.

    Returns:
        Its metrics (from the cache file beside it when that is still valid).

    Raises:
        MetricsError: the video could not be measured.
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(measure, path, cache=True))


def scalars(metrics: VideoMetrics) -> dict[str, Any]:
    """The scalar metrics as the manifest stores them (``METRIC_NAMES`` order, JSON-ready)."""
    return {name: getattr(metrics, name) for name in METRIC_NAMES}


def failure_note(exc: BaseException) -> dict[str, str]:
    """Why a video could not be measured, as the manifest stores it (the video stays usable)."""
    code = type(exc).__name__ if isinstance(exc, MetricsError) else "measure_failed"
    text = str(exc) or type(exc).__name__
    return {"code": code, "message": f"not measured: {text}"}


#: how each metric reads in a badge, a table or the CLI (shares as percentages)
_FORMATS = {
    "motion": "{:.4f}",
    "flicker": "{:.3f}",
    "sharpness": "{:.0f}",
    "frozen": "{:.0%}",
    "cuts": "{:d}",
    "loop_seam": "{:.2f}",
    "brightness": "{:.2f}",
    "clipping": "{:.1%}",
}


def format_metric(name: str, value: Any) -> str:
    """A metric's value as a short text: ``""`` when it is missing.

    Args:
        name: one of ``METRIC_NAMES``.
        value: its value (a number or None).

    Returns:
        The text, e.g. ``"0.982"`` for flicker or ``"12%"`` for frozen.

    Example:
        >>> format_metric("frozen", 0.125), format_metric("cuts", 2), format_metric("motion", None)
        ('12%', '2', '')
    """
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    if name == "cuts":
        return str(int(value))
    return _FORMATS.get(name, "{:.4g}").format(float(value))
