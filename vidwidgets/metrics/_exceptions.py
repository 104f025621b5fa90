"""Every way measuring a video can fail, in one tree.

    MetricsError            base class: ``.path`` is the video asked for
    ├── VideoNotFound       no file there (also a FileNotFoundError)
    ├── UnreadableVideo     a file, but no decodable video stream in it, or a frame that does
    │                       not decode (a truncated download) (also a ValueError)
    └── TooFewFrames        0 or 1 decodable frames: the metrics compare frames, so none is
                            defined (also a ValueError); ``.frames`` says how many there were

No error leaks a raw PyAV or OpenCV traceback: the decoder's own words are kept in the message
and as ``__cause__``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["MetricsError", "TooFewFrames", "UnreadableVideo", "VideoNotFound"]


class MetricsError(Exception):
    """A video could not be measured; ``path`` is the file asked for."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path

    def __reduce__(self) -> tuple[type[MetricsError], tuple[str, Path]]:
        return type(self), (str(self), self.path)


class VideoNotFound(MetricsError, FileNotFoundError):
    """There is no file at the path given to ``measure``."""


class UnreadableVideo(MetricsError, ValueError):
    """The file holds no decodable video stream, or one of its frames does not decode."""


class TooFewFrames(MetricsError, ValueError):
    """The video has fewer than two frames, so no metric comparing frames is defined.

    ``frames`` is the number of frames that decoded (0 or 1).
    """

    def __init__(self, message: str, path: Path, frames: int) -> None:
        super().__init__(message, path)
        self.frames = frames

    def __reduce__(self) -> tuple[type[TooFewFrames], tuple[str, Path, int]]:  # type: ignore[override]
        return type(self), (str(self), self.path, self.frames)
