"""The Comparison's A/B review state: modes, gain, onion opacity, B's offset and the sound.

The browser draws them (tests/browser/test_comparison.py); here, what Python accepts and syncs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import traitlets

from vidwidgets.apps import Comparison

REVIEW_TRAITS = ("ab_mode", "ab_gain", "ab_opacity", "ab_offset_frames", "ab_audio")


@pytest.fixture
def cmp(tmp_path: Path) -> Comparison:
    return Comparison(prompts=["a fox"], model="viduq1", store=tmp_path / "runs", autorun=False)


def test_review_starts_as_a_silent_wipe_with_no_offset(cmp: Comparison) -> None:
    state = {name: getattr(cmp, name) for name in REVIEW_TRAITS}
    assert state == {
        "ab_mode": "wipe",
        "ab_gain": 4.0,
        "ab_opacity": 0.5,
        "ab_offset_frames": 0,
        "ab_audio": "none",
    }


def test_the_review_traits_reach_the_front_end(cmp: Comparison) -> None:
    cmp.ab_mode = "difference"
    cmp.ab_offset_frames = -3
    state = cmp.get_state()
    assert {name: state[name] for name in ("ab_mode", "ab_offset_frames")} == {
        "ab_mode": "difference",
        "ab_offset_frames": -3,
    }


@pytest.mark.parametrize("mode", ["wipe", "side", "difference", "onion"])
def test_each_of_the_four_modes_is_accepted(cmp: Comparison, mode: str) -> None:
    cmp.ab_mode = mode
    assert cmp.ab_mode == mode


def test_an_unknown_mode_is_refused_with_the_allowed_ones(cmp: Comparison) -> None:
    with pytest.raises(
        traitlets.TraitError, match=r"ab_mode.*'wipe', 'side', 'difference', 'onion'"
    ):
        cmp.ab_mode = "diff"


def test_sound_comes_from_a_b_or_none_only(cmp: Comparison) -> None:
    with pytest.raises(traitlets.TraitError, match=r"ab_audio.*'none', 'a', 'b'.*'left'"):
        cmp.ab_audio = "left"


@pytest.mark.parametrize("opacity", [-0.1, 1.5])
def test_the_onion_opacity_stays_between_0_and_1(cmp: Comparison, opacity: float) -> None:
    with pytest.raises(traitlets.TraitError, match="ab_opacity"):
        cmp.ab_opacity = opacity


def test_the_difference_gain_is_at_least_1(cmp: Comparison) -> None:
    with pytest.raises(traitlets.TraitError, match="ab_gain"):
        cmp.ab_gain = 0.5
