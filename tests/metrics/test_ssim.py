"""The loop seam's SSIM agrees with scikit-image's reference implementation."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import structural_similarity

from tests.metrics.conftest import texture
from vidwidgets.metrics._compute import ssim


def _grey(seed: int, blur: float = 2.0) -> np.ndarray:
    return np.asarray(texture(96, 64, seed, blur)[..., 1])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(_grey(0), _grey(0), id="identical"),
        pytest.param(_grey(0), np.roll(_grey(0), 3, axis=1), id="shifted"),
        pytest.param(_grey(0), _grey(1), id="unrelated"),
        pytest.param(_grey(2, blur=6), 255 - _grey(2, blur=6), id="inverted"),
    ],
)
def test_ssim_matches_scikit_image(a: np.ndarray, b: np.ndarray) -> None:
    reference = structural_similarity(a, b, data_range=255, win_size=7)
    assert ssim(a, b) == pytest.approx(reference, abs=1e-6)
