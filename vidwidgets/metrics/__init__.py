"""Video quality metrics, computed locally from the decoded frames, with no model weights.

``measure`` decodes a video with PyAV at a reduced size and returns ``VideoMetrics``: how much
it moves, how much it flickers (VBench's score), how sharp it is, how much of it is frozen, how
many hard cuts it has, how well it loops, how bright it is and how much of it is clipped, plus
the per-frame series behind each number.

    >>> from vidwidgets.metrics import measure
    >>> m = measure("fox.mp4", cache=True)                   # doctest: +SKIP
    >>> m.as_dict()                                          # doctest: +SKIP

Importing this package is cheap: OpenCV and PyAV load on the first ``measure``.
"""

from vidwidgets._exports import publish
from vidwidgets.metrics._cache import cache_path
from vidwidgets.metrics._exceptions import (
    MetricsError,
    TooFewFrames,
    UnreadableVideo,
    VideoNotFound,
)
from vidwidgets.metrics._measure import DEFAULT_SIZE, measure
from vidwidgets.metrics._types import METRIC_NAMES, METRICS_VERSION, PerFrame, VideoMetrics

__all__ = [
    "DEFAULT_SIZE",
    "METRICS_VERSION",
    "METRIC_NAMES",
    "MetricsError",
    "PerFrame",
    "TooFewFrames",
    "UnreadableVideo",
    "VideoMetrics",
    "VideoNotFound",
    "cache_path",
    "measure",
]

# reprs, tracebacks and pickle name the top-level exports vidwidgets.X
publish(__name__, globals())
