"""The Comparison grid's ``results`` and ``to_dataframe()`` carry what each cell cost (issue 12).

On the plugin simulator, which publishes its prices: viduq1 is $0.20 per call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vidwidgets.apps import Comparison
from vidwidgets.client import VideoClient
from vidwidgets.simulator import Simulator

FAST = {"speed": 200.0, "video_scale": 0.1, "fps": 8, "refresh_period": 1.0}
VIDU = "viduq1: $0.20 per call × group default 1 = $0.20"


@pytest.fixture(autouse=True)
def no_user_prices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIDWIDGETS_PRICES", raising=False)


@pytest.fixture
async def client() -> AsyncIterator[VideoClient]:
    async with (
        Simulator(dialect="plugin", api_key="sk-sim-COSTS-4471", **FAST) as sim,  # type: ignore[arg-type]
        VideoClient(
            base_url=sim.base_url, api_key=sim.api_key, journal=False, cache=False, time_scale=0.02
        ) as c,
    ):
        yield c


async def test_results_and_the_dataframe_carry_each_cells_cost(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = Comparison(
        client=client,
        store=tmp_path / "runs",
        model="viduq1",
        prompts=["a fox", "a wolf"],
        seeds=[1],
    )
    await cmp
    rows = cmp.results
    assert [r["cost_estimate_usd"] for r in rows] == [pytest.approx(0.20)] * 2
    assert [r["cost_basis"] for r in rows] == [VIDU] * 2
    assert all("cost_charged_usd" in r for r in rows)
    frame = cmp.to_dataframe()
    assert list(frame["cost_basis"]) == [VIDU] * 2
    assert cmp.experiment.spent().estimated_usd == pytest.approx(0.40)
