"""The price gate's logic on plain data (``vidwidgets.apps._budget``): no widget, no client."""

from __future__ import annotations

import math

import pytest

from vidwidgets.apps._budget import CellPrice, check_usd, decide, grid_text
from vidwidgets.client import BudgetExceeded, ValidationError

VEO = "veo-3.1-generate-preview"


def cells(model: str, usd: float | None, count: int, start: int = 0) -> list[CellPrice]:
    return [
        CellPrice(f"{model}-{i}", model, usd, f"{model}: basis")
        for i in range(start, start + count)
    ]


def test_the_header_says_how_many_videos_and_their_total() -> None:
    assert grid_text(16, 51.2) == "16 videos ≈ $51.20"
    assert grid_text(1, 0.35) == "1 video ≈ $0.35"


def test_an_unknown_total_is_never_shown_as_zero() -> None:
    verdict = decide(cells("my-model", None, 3), budget=None, threshold=5.0)
    assert verdict.total is None
    assert verdict.text == "3 videos · price unknown"
    assert "$0" not in verdict.text


def test_a_grid_under_the_threshold_starts_at_once() -> None:
    verdict = decide(cells("kling-v1", 0.35, 6), budget=None, threshold=5.0)
    assert verdict.action == "start"
    assert verdict.text == "6 videos ≈ $2.10"


def test_a_grid_over_the_threshold_waits_with_a_run_button_naming_its_price() -> None:
    verdict = decide(cells(VEO, 3.2, 16), budget=None, threshold=5.0)
    assert verdict.action == "confirm"
    assert verdict.button == "Run 16 videos for $51.20"
    assert "confirm_over_usd=$5.00" in verdict.reason


def test_an_unknown_price_without_a_budget_waits_and_names_the_model() -> None:
    verdict = decide(
        [*cells("kling-v1", 0.35, 2), *cells("my-model", None, 1)], budget=None, threshold=5.0
    )
    assert verdict.action == "confirm"
    assert "my-model" in verdict.reason
    assert verdict.flagged == ("my-model-0",)
    assert verdict.button == "Run 3 videos (price unknown)"


def test_consent_to_an_amount_starts_a_grid_within_it() -> None:
    verdict = decide(cells(VEO, 3.2, 16), budget=None, threshold=5.0, consent=51.2)
    assert verdict.action == "start"


def test_a_budget_is_consent_up_to_its_amount() -> None:
    assert decide(cells(VEO, 3.2, 16), budget=60.0, threshold=5.0).action == "start"
    # reaching it exactly is allowed
    assert decide(cells("kling-v1", 0.35, 2), budget=0.70, threshold=0.0).action == "start"


def test_over_the_budget_is_refused_naming_the_costly_models_and_every_cell() -> None:
    prices = [*cells(VEO, 3.2, 4), *cells("kling-v1", 0.35, 4)]
    verdict = decide(prices, budget=10.0, threshold=5.0)
    assert verdict.action == "refuse"
    assert verdict.reason == (
        "over budget_usd=$10.00: 8 videos ≈ $14.20 "
        f"({VEO}: 4 videos = $12.80; kling-v1: 4 videos = $1.40)"
    )
    assert set(verdict.flagged) == {p.key for p in prices}


def test_what_the_grid_already_committed_counts_against_the_budget() -> None:
    verdict = decide(
        cells(VEO, 3.2, 2), budget=10.0, threshold=5.0, committed=6.4, committed_count=2
    )
    assert verdict.action == "refuse"
    assert "($6.40 already estimated)" in verdict.reason
    assert verdict.text == "4 videos ≈ $12.80"


def test_added_cells_past_the_consent_wait_for_a_new_confirmation() -> None:
    verdict = decide(
        cells(VEO, 3.2, 2),
        budget=None,
        threshold=5.0,
        committed=51.2,
        committed_count=16,
        consent=51.2,
    )
    assert verdict.action == "confirm"
    assert verdict.button == "Run 2 more videos for $6.40"


def test_an_unknown_price_under_a_budget_is_refused_with_how_to_give_one() -> None:
    verdict = decide(cells("my-model", None, 2), budget=20.0, threshold=5.0)
    assert verdict.action == "refuse"
    error = verdict.error()
    assert isinstance(error, BudgetExceeded)
    assert error.code == "price_unknown"
    assert "my-model" in str(error)
    assert "VideoClient(prices=" in (error.hint or "")
    assert "VIDWIDGETS_PRICES" in (error.hint or "")


def test_the_refusal_is_a_budget_exceeded_that_says_nothing_was_sent() -> None:
    error = decide(cells(VEO, 3.2, 16), budget=20.0, threshold=5.0).error()
    assert error.code == "budget_exceeded"
    assert error.cap == 20.0
    assert error.requested == pytest.approx(51.2)
    assert "nothing was sent" in str(error)


def test_nothing_to_create_starts_whatever_the_budget() -> None:
    assert decide([], budget=0.0, threshold=0.0).action == "start"


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, "5", True, None])
def test_a_bad_amount_is_refused_naming_the_argument(bad: object) -> None:
    with pytest.raises(ValidationError, match=r"confirm_over_usd=.* is not allowed") as caught:
        check_usd("confirm_over_usd", bad, optional=False)
    assert caught.value.field == "confirm_over_usd"


def test_no_budget_is_allowed() -> None:
    assert check_usd("budget_usd", None, optional=True) is None
