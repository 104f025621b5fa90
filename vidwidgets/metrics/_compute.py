"""The formulas: one pass over the decoded frames, keeping only what the next frame needs.

Imported on the first ``measure`` call (it loads OpenCV and NumPy). OpenCV does the pixel work
because its Farnebäck flow, Laplacian, histograms and absolute differences are vectorised C++
that a hand-written NumPy version would match only slowly (an optical flow in NumPy is out of the
question). SSIM, which OpenCV's main package lacks, is written here on OpenCV's box filter, in
scikit-image's formulation (the tests compare the two).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
from cv2.typing import MatLike

from vidwidgets.metrics._types import PerFrame

__all__ = ["Cue", "FrameAccumulator", "Scalars", "count_cuts", "ssim"]

#: OpenCV's array type: a NumPy array (uint8 frames, float flow)
Image = MatLike

#: Farnebäck's parameters, OpenCV's documented example values: pyramid scale 0.5, 3 levels,
#: 15 px window, 3 iterations, 5 px polynomial neighbourhood, sigma 1.2.
FLOW_PARAMS: Final = (0.5, 3, 15, 3, 5, 1.2, 0)
#: Optical flow runs on frames halved once (cv2.pyrDown) when their short side is at least
#: this: a quarter of the cost, and motion is a share of the diagonal, so the scale cancels.
FLOW_HALVE_FROM: Final = 128
#: A pixel has changed when its grey level moves by more than this (of 255): above codec noise.
CHANGED_LEVEL: Final = 8
#: A frame step is frozen when fewer than this share of its pixels changed.
FROZEN_SHARE: Final = 0.001
#: Crushed or blown: a grey level at most 2 or at least 253 (of 255).
CLIP_LOW: Final = 2
CLIP_HIGH: Final = 253
#: Colour histogram for cuts: 8 bins per RGB channel, compared by Bhattacharyya distance (0–1).
HIST_BINS: Final = 8
#: A hard cut is a step that jumps on either of two cues — the colours (Bhattacharyya distance
#: of the histograms, at least CUT_COLOURS) or the picture (mean absolute RGB difference, at
#: least CUT_PICTURE of full scale) — to at least CUT_RATIO times the median of that cue over
#: the CUT_WINDOW steps on each side (the clip's own baseline), and that is not the way into or
#: out of a one-frame flash (whose neighbours match each other on that cue).
CUT_COLOURS: Final = 0.3
CUT_PICTURE: Final = 0.08
CUT_RATIO: Final = 3.0
CUT_WINDOW: Final = 8
#: SSIM's usual 7 × 7 window; smaller frames fall back to 1 − mean absolute difference.
SSIM_WINDOW: Final = 7


@dataclass(frozen=True)
class Scalars:
    """The per-video numbers the accumulator ends with (before ``VideoMetrics`` is built)."""

    values: dict[str, float]
    cuts: int
    per_frame: PerFrame


class FrameAccumulator:
    """Feed it every RGB frame in order with ``add``; ``finish`` computes the metrics.

    Only the first frame, the last two and one small histogram per frame are kept, so memory
    does not grow with the clip's length beyond a few kilobytes a frame.
    """

    def __init__(self) -> None:
        self.frames = 0
        self._first: Image | None = None
        self._prev_grey: Image | None = None
        self._prev_rgb: Image | None = None
        self._prev_flow: Image | None = None
        self._before_prev_rgb: Image | None = None
        self._hists: list[MatLike] = []
        self._skips: list[float] = []  # picture difference of frame t to frame t - 2
        self._motion: list[float] = []
        self._difference: list[float] = []
        self._frozen: list[bool] = []
        self._sharpness: list[float] = []
        self._brightness: list[float] = []
        self._clipping: list[float] = []

    def add(self, rgb: Image) -> None:
        """Measure one frame, and the step from the previous one.

        Args:
            rgb: an ``(height, width, 3)`` uint8 RGB frame, the same size as the others.
        """
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        flow_frame = cv2.pyrDown(grey) if min(grey.shape) >= FLOW_HALVE_FROM else grey
        self._sharpness.append(float(cv2.Laplacian(grey, cv2.CV_64F).var()))
        self._brightness.append(float(grey.mean()) / 255.0)
        clipped = np.count_nonzero((grey <= CLIP_LOW) | (grey >= CLIP_HIGH))
        self._clipping.append(float(clipped) / grey.size)
        hist = cv2.calcHist([rgb], [0, 1, 2], None, [HIST_BINS] * 3, [0, 256] * 3)
        self._hists.append(hist)
        if self.frames:
            self._step(rgb, grey, flow_frame)
        else:
            self._first = grey
        if self._before_prev_rgb is not None:
            self._skips.append(float(cv2.absdiff(rgb, self._before_prev_rgb).mean()) / 255.0)
        self._before_prev_rgb = self._prev_rgb
        self._prev_rgb, self._prev_grey, self._prev_flow = rgb, grey, flow_frame
        self.frames += 1

    def _step(self, rgb: Image, grey: Image, flow_frame: Image) -> None:
        assert self._prev_rgb is not None
        assert self._prev_grey is not None
        assert self._prev_flow is not None
        # VBench's temporal flickering: the mean absolute difference of all channels
        self._difference.append(float(cv2.absdiff(rgb, self._prev_rgb).mean()) / 255.0)
        changed = np.count_nonzero(cv2.absdiff(grey, self._prev_grey) > CHANGED_LEVEL)
        self._frozen.append(bool(changed / grey.size < FROZEN_SHARE))
        flow = cv2.calcOpticalFlowFarneback(
            self._prev_flow,
            flow_frame,
            None,  # type: ignore[call-overload]  # None: OpenCV allocates the flow field
            *FLOW_PARAMS,
        )
        magnitude = cv2.magnitude(flow[..., 0], flow[..., 1])
        height, width = flow_frame.shape
        self._motion.append(float(magnitude.mean()) / math.hypot(width, height))

    def finish(self) -> Scalars:
        """The scalar metrics and their series; needs at least two frames.

        Returns:
            The metrics (``values``), the number of cuts and the per-frame series.
        """
        assert self._first is not None
        assert self._prev_grey is not None
        assert self.frames >= 2
        values = {
            "motion": statistics.fmean(self._motion),
            "flicker": 1.0 - statistics.fmean(self._difference),
            "sharpness": statistics.fmean(self._sharpness),
            "frozen": statistics.fmean(float(f) for f in self._frozen),
            "loop_seam": loop_seam(self._first, self._prev_grey),
            "brightness": statistics.fmean(self._brightness),
            "clipping": statistics.fmean(self._clipping),
        }
        per_frame = PerFrame(
            motion=tuple(self._motion),
            difference=tuple(self._difference),
            sharpness=tuple(self._sharpness),
            brightness=tuple(self._brightness),
            clipping=tuple(self._clipping),
        )
        colours = Cue(
            steps=[_distance(a, b) for a, b in itertools.pairwise(self._hists)],
            skips=[_distance(a, b) for a, b in zip(self._hists, self._hists[2:], strict=False)],
            minimum=CUT_COLOURS,
        )
        picture = Cue(steps=self._difference, skips=self._skips, minimum=CUT_PICTURE)
        return Scalars(values, count_cuts([colours, picture]), per_frame)


def loop_seam(first: Image, last: Image) -> float:
    """How closely the last grey frame matches the first: SSIM clipped to 0–1.

    Args:
        first: the first frame, grey.
        last: the last frame, grey, the same size.

    Returns:
        1.0 when they are identical, near 0 when they share no structure.
    """
    if min(first.shape) < SSIM_WINDOW:
        return 1.0 - float(cv2.absdiff(first, last).mean()) / 255.0
    return min(1.0, max(0.0, ssim(first, last)))


def ssim(a: Image, b: Image, data_range: float = 255.0) -> float:
    """The mean structural similarity of two grey images (Wang, Bovik, Sheikh, Simoncelli 2004).

    The formulation of scikit-image's ``structural_similarity`` with its defaults — a 7 × 7
    uniform window, K1 = 0.01, K2 = 0.03, sample covariances, the mean over the windows that
    lie inside the image — so the two agree (a test checks it); OpenCV's box filter makes it
    one pass per moment, and vidwidgets does not need SciPy for one comparison a video.

    Args:
        a: a grey image.
        b: another, the same size (at least 7 × 7).
        data_range: the span of the grey levels (255 for uint8).

    Returns:
        The mean SSIM, -1 to 1 (1: identical).
    """
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    window = (SSIM_WINDOW, SSIM_WINDOW)
    mean_x, mean_y = cv2.blur(x, window), cv2.blur(y, window)
    sample = SSIM_WINDOW**2 / (SSIM_WINDOW**2 - 1)  # unbiased (co)variances, as scikit-image
    var_x = sample * (cv2.blur(x * x, window) - mean_x * mean_x)
    var_y = sample * (cv2.blur(y * y, window) - mean_y * mean_y)
    cov = sample * (cv2.blur(x * y, window) - mean_x * mean_y)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    index = ((2 * mean_x * mean_y + c1) * (2 * cov + c2)) / (
        (mean_x**2 + mean_y**2 + c1) * (var_x + var_y + c2)
    )
    pad = SSIM_WINDOW // 2  # only windows wholly inside the image count
    return float(index[pad:-pad, pad:-pad].mean())


@dataclass(frozen=True)
class Cue:
    """One way two frames can differ, measured on every step and every skip of one frame.

    Attributes:
        steps: the cue between frames ``i`` and ``i + 1``, for each ``i``.
        skips: the cue between frames ``i`` and ``i + 2``, for each ``i``.
        minimum: the least value a cut must reach on this cue.
    """

    steps: Sequence[float]
    skips: Sequence[float]
    minimum: float

    def cut_steps(self) -> set[int]:
        """The steps that jump well above their neighbours and are not part of a flash."""
        cuts = set()
        for i, step in enumerate(self.steps):
            window = [
                *self.steps[max(0, i - CUT_WINDOW) : i],
                *self.steps[i + 1 : i + 1 + CUT_WINDOW],
            ]
            baseline = statistics.median(window) if window else 0.0
            if step < self.minimum or step < CUT_RATIO * baseline:
                continue
            # a flash frame: the frames around it match (into it, i + 1, or out of it, i)
            into_flash = i < len(self.skips) and self.skips[i] < self.minimum
            out_of_flash = i >= 1 and self.skips[i - 1] < self.minimum
            if not (into_flash or out_of_flash):
                cuts.add(i)
        return cuts


def count_cuts(cues: Sequence[Cue]) -> int:
    """The number of hard cuts: steps that are a cut on any of the cues.

    A cue's step is a cut when it is at least the cue's ``minimum``, at least ``CUT_RATIO`` times
    the median of the ``CUT_WINDOW`` steps on each side (the clip's own baseline: a strobe or a
    fast pan that changes every frame raises it, so it is not a cut), and the frames on either
    side of a single frame are not alike (a one-frame flash is not a cut).

    Args:
        cues: the colour cue (histogram distance) and the picture cue (pixel difference).

    Returns:
        How many steps are cuts.
    """
    return len(set().union(*(cue.cut_steps() for cue in cues)))


def _distance(a: MatLike, b: MatLike) -> float:
    return float(cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA))
