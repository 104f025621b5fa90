"""What ``measure`` returns: ``VideoMetrics`` (the scalars) and ``PerFrame`` (their series)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Final

__all__ = ["METRICS_VERSION", "METRIC_NAMES", "PerFrame", "VideoMetrics"]

METRICS_VERSION: Final = 1
"""Bumped whenever a formula, a threshold or the decoding changes: a cache file written by
another version is measured again rather than trusted."""

METRIC_NAMES: Final = (
    "motion",
    "flicker",
    "sharpness",
    "frozen",
    "cuts",
    "loop_seam",
    "brightness",
    "clipping",
)
"""The scalar metrics, in the order a table or a row of badges shows them."""

#: What the video is, beside what it looks like.
_FACTS: Final = ("frames", "fps", "duration", "width", "height", "decoded_width", "decoded_height")


@dataclass(frozen=True)
class PerFrame:
    """The per-frame series behind the scalars, for curves under a timeline.

    Series of one value per frame have ``frames`` values. Series that compare two frames have
    ``frames - 1``: value ``i`` is the step from frame ``i`` to frame ``i + 1``.

    Attributes:
        motion: mean optical-flow magnitude of each step, as a share of the frame diagonal.
        difference: mean absolute RGB difference of each step, 0–1 (flicker is one minus its mean).
        sharpness: variance of the Laplacian of each frame (grey levels 0–255, squared).
        brightness: mean luma of each frame, 0–1.
        clipping: share of each frame's pixels at most 2/255 or at least 253/255.
    """

    motion: tuple[float, ...]
    difference: tuple[float, ...]
    sharpness: tuple[float, ...]
    brightness: tuple[float, ...]
    clipping: tuple[float, ...]

    def as_dict(self) -> dict[str, list[float]]:
        """The series as plain lists, keyed by name (JSON-ready)."""
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

    def __repr__(self) -> str:
        # hundreds of floats help no one in a notebook: say what is there
        sizes = ", ".join(f"{f.name}=<{len(getattr(self, f.name))} values>" for f in fields(self))
        return f"PerFrame({sizes})"


@dataclass(frozen=True)
class VideoMetrics:
    """Quality metrics of one video, computed locally from its decoded frames.

    Every formula, its source and what a good value looks like: the Metrics guide
    (``docs/metrics.md``).

    Attributes:
        motion: mean optical-flow magnitude per frame step as a share of the frame diagonal
            (Farnebäck); 0 for a still shot, about 0.01 for a brisk pan.
        flicker: VBench's temporal-flickering score, ``(255 − mean |frameₜ₊₁ − frameₜ|) / 255``;
            0–1, higher is steadier.
        sharpness: mean variance of the Laplacian of the grey frames; higher is sharper. It
            depends on the decode size, so compare clips measured at the same ``size``.
        frozen: share of frame steps where the picture (nearly) does not change, 0–1.
        cuts: number of hard cuts.
        loop_seam: structural similarity (SSIM) of the last frame to the first, 0–1;
            1 is a seamless loop.
        brightness: mean luma, 0 (black) to 1 (white).
        clipping: share of pixels crushed (≤ 2/255) or blown (≥ 253/255), 0–1.
        frames: number of frames measured (all of them unless ``max_frames`` stopped earlier).
        fps: the video's frame rate.
        duration: the video's duration in seconds.
        width: the video's width in pixels.
        height: the video's height in pixels.
        decoded_width: width the frames were decoded at for measuring.
        decoded_height: height the frames were decoded at for measuring.
        per_frame: the series behind the scalars.

    Example:
        >>> m = vw.measure("fox.mp4")                                   # doctest: +SKIP
        >>> m.flicker, m.cuts                                           # doctest: +SKIP
        (0.97, 0)
        >>> m.as_dict()["motion"]                                       # doctest: +SKIP
        0.0042
    """

    motion: float
    flicker: float
    sharpness: float
    frozen: float
    cuts: int
    loop_seam: float
    brightness: float
    clipping: float
    frames: int
    fps: float
    duration: float
    width: int
    height: int
    decoded_width: int
    decoded_height: int
    per_frame: PerFrame

    def __repr__(self) -> str:
        scalars = ", ".join(f"{name}={_short(getattr(self, name))}" for name in METRIC_NAMES)
        size = f"{self.width}x{self.height}, {self.frames} frames at {self.fps:g} fps"
        return f"VideoMetrics({scalars}; {size})"

    def as_dict(self, *, per_frame: bool = False) -> dict[str, Any]:
        """The scalar metrics and the video's facts as a plain dict (one row of a table).

        Args:
            per_frame: also include the series, under ``"per_frame"``, as lists.

        Returns:
            ``{"motion": ..., ..., "clipping": ..., "frames": ..., ..., "decoded_height": ...}``,
            the metrics in ``METRIC_NAMES`` order first; JSON-ready.
        """
        out: dict[str, Any] = {name: getattr(self, name) for name in (*METRIC_NAMES, *_FACTS)}
        if per_frame:
            out["per_frame"] = self.per_frame.as_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VideoMetrics:
        """Rebuild metrics from ``as_dict(per_frame=True)`` (as the cache file holds them).

        Args:
            data: the dict, e.g. read back from JSON.

        Returns:
            The metrics, with the series as tuples again.

        Raises:
            KeyError: a field is missing.
            TypeError: a value has the wrong type.
        """
        series = data["per_frame"]
        per = PerFrame(
            **{f.name: tuple(float(v) for v in series[f.name]) for f in fields(PerFrame)}
        )
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "per_frame":
                continue
            value = data[f.name]
            kind = int if f.type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{f.name} must be a number, not {value!r}")
            values[f.name] = kind(value)
        return cls(per_frame=per, **values)


def _short(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.4g}"
