"""The metrics package is public, and importing it (or vidwidgets) loads no heavy library."""

from __future__ import annotations

import subprocess
import sys

import vidwidgets
import vidwidgets.metrics


def test_measure_and_video_metrics_are_published_from_the_top_level() -> None:
    assert vidwidgets.measure is vidwidgets.metrics.measure
    assert vidwidgets.VideoMetrics is vidwidgets.metrics.VideoMetrics
    assert repr(vidwidgets.VideoMetrics) == "<class 'vidwidgets.VideoMetrics'>"


def test_importing_the_metrics_package_loads_no_opencv_numpy_or_pyav() -> None:
    code = (
        "import sys, vidwidgets, vidwidgets.metrics; "
        "print(','.join(m for m in ('cv2', 'skimage', 'numpy', 'av') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
