"""What each run cost, in the manifest, in ``results()`` and as a running total (issue 12).

The plugin simulator is the gateway that publishes prices (``/api/pricing``) and says which
ratios it applied (``X-New-Api-Other-Ratios``): sora-2 is $0.10 per second (4 s: $0.40),
viduq1 $0.20 per call.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.experiments.conftest import API_KEY, FAST, make_client
from vidwidgets.client import VideoClient, VideoRequest
from vidwidgets.experiments import (
    CellRun,
    Experiment,
    ExperimentRunner,
    ExperimentStore,
    RunCost,
    Spend,
    run_cells,
)
from vidwidgets.simulator import PluginOptions, Simulator

SORA = VideoRequest(model="sora-2", prompt="a red fox in snow")
VIDU = VideoRequest(model="viduq1", prompt="a grey wolf", seed=1)


@pytest.fixture(autouse=True)
def _no_price_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIDWIDGETS_PRICES", raising=False)


@asynccontextmanager
async def gateway(**plugin: Any) -> AsyncIterator[VideoClient]:
    """A client on a plugin simulator with these ``PluginOptions``."""
    options = PluginOptions(**plugin)
    async with (
        Simulator(dialect="plugin", api_key=API_KEY, plugin=options, **FAST) as sim,  # type: ignore[arg-type]
        make_client(sim) as client,
    ):
        yield client


@pytest.fixture
async def priced() -> AsyncIterator[VideoClient]:
    async with gateway() as client:
        yield client


async def test_a_created_run_records_its_estimate_basis_charge_and_ratios(
    priced: VideoClient, exp: Experiment
) -> None:
    [rec] = await run_cells(priced, exp, [SORA])
    assert rec.cost == RunCost(
        estimate_usd=pytest.approx(0.40),
        basis="sora-2: $0.10 per second × 4 s × group default 1 = $0.40",
        charged_usd=pytest.approx(0.40),
        ratios={"seconds": 4.0},
    )


async def test_the_estimate_is_in_the_manifest_before_any_waiting(
    priced: VideoClient, exp: Experiment
) -> None:
    on_disk: list[Any] = []

    def on_update(run: CellRun) -> None:
        if run.status == "queued" and run.job is not None and not on_disk:
            manifest = json.loads(exp.manifest_path.read_text())
            on_disk.append(manifest["runs"][0]["cost"])

    await run_cells(priced, exp, [SORA], on_update=on_update)
    assert on_disk[0]["estimate_usd"] == pytest.approx(0.40)
    assert on_disk[0]["basis"].startswith("sora-2: $0.10 per second")


async def test_a_refunded_failure_records_zero_charged(exp: Experiment) -> None:
    async with gateway(review_failure_rate=1.0, settle_hold=0.0) as client:
        [rec] = await run_cells(client, exp, [SORA])
    assert rec.status == "failed"
    assert rec.cost is not None
    assert (rec.cost.estimate_usd, rec.cost.charged_usd) == (pytest.approx(0.40), 0.0)
    assert rec.cost.refunded
    assert exp.spent() == Spend(estimated_usd=0.0, charged_usd=0.0, runs=1)


async def test_the_running_total_moves_while_the_grid_runs(
    priced: VideoClient, exp: Experiment
) -> None:
    seen: list[Spend] = []
    runner = ExperimentRunner(priced, exp, on_update=lambda run: seen.append(exp.spent()))
    runner.submit([SORA, VIDU])
    await runner.wait()
    # while waiting, each estimate counted from its create on
    assert any(s.runs == 1 and s.estimated_usd > 0 for s in seen)
    total = runner.spent()
    assert (total.estimated_usd, total.runs, total.unknown) == (pytest.approx(0.60), 2, 0)
    # viduq1 is priced per call: its empty ratio header means price × group ratio, so both count
    assert total.charged_usd == pytest.approx(0.60)
    assert exp.spent() == total


async def test_a_run_loaded_from_disk_or_the_cache_adds_nothing(
    priced: VideoClient, store: ExperimentStore, exp: Experiment
) -> None:
    await run_cells(priced, exp, [VIDU])
    await run_cells(priced, exp, [VIDU])  # from disk
    assert exp.spent().estimated_usd == pytest.approx(0.20)
    other = store.experiment("wolf")
    [rec] = await run_cells(priced, other, [VIDU])  # from the cache of "fox"
    assert rec.cost is not None
    assert (rec.cost.estimate_usd, rec.cost.charged_usd) == (0.0, 0.0)
    assert rec.cost.basis.startswith("reused fox/")
    assert other.spent() == Spend(0.0, 0.0, runs=1)


async def test_a_retried_cell_keeps_what_the_earlier_attempt_cost(
    priced: VideoClient, exp: Experiment
) -> None:
    runner = ExperimentRunner(priced, exp)
    [run] = runner.submit([SORA])
    await runner.wait()
    await runner.retry(run.key)
    assert exp.spent().estimated_usd == pytest.approx(0.80)  # a re-roll is paid again
    assert exp.spent().charged_usd == pytest.approx(0.80)
    assert exp.spent().runs == 1


async def test_a_hidden_price_is_unknown_never_zero(exp: Experiment) -> None:
    async with gateway(pricing=False) as client:
        [rec] = await run_cells(client, exp, [SORA])
    assert rec.cost is not None
    assert rec.cost.estimate_usd is None
    assert "/api/pricing" in rec.cost.basis
    assert exp.spent().unknown == 1
    assert "1 unknown" in exp.spent().describe()


async def test_results_and_the_dataframe_have_the_cost_columns(
    priced: VideoClient, exp: Experiment
) -> None:
    runner = ExperimentRunner(priced, exp)
    runner.submit([SORA])
    await runner.wait()
    [row] = runner.results()
    assert row["cost_estimate_usd"] == pytest.approx(0.40)
    assert row["cost_charged_usd"] == pytest.approx(0.40)
    assert row["cost_basis"].startswith("sora-2: $0.10 per second × 4 s")
    frame = runner.to_dataframe()
    assert {"cost_estimate_usd", "cost_charged_usd", "cost_basis"} <= set(frame.columns)


# -- manifests written before costs were recorded ---------------------------------------------


def write_manifest(exp: Experiment, runs: list[dict[str, Any]]) -> None:
    exp.path.mkdir(parents=True)
    manifest = {"format": "vidwidgets.experiment/1", "name": exp.name, "runs": runs}
    exp.manifest_path.write_text(json.dumps(manifest))


def old_run(**fields: Any) -> dict[str, Any]:
    return {
        "key": "ab",
        "fingerprint": "ab",
        "request": {"model": "viduq1", "prompt": "a fox"},
        "job_id": "task_old",
        "status": "succeeded",
        **fields,
    }


def test_an_old_manifest_without_costs_loads_with_the_cost_unknown(exp: Experiment) -> None:
    write_manifest(exp, [old_run()])
    loaded = Experiment(exp.path)
    [rec] = loaded.records
    assert rec.cost is None
    [row] = loaded.results()
    assert (row["cost_estimate_usd"], row["cost_charged_usd"], row["cost_basis"]) == (None,) * 3
    assert loaded.spent() == Spend(0.0, 0.0, runs=1, unknown=1, uncharged=1)


@pytest.mark.parametrize(
    "cost",
    ["$3", 7, [1], {"estimate_usd": "NaN", "charged_usd": -1, "ratios": "x"}],
    ids=["text", "number", "list", "bad-fields"],
)
def test_a_damaged_cost_entry_loads_as_unknown(exp: Experiment, cost: object) -> None:
    write_manifest(exp, [old_run(cost=cost)])
    [rec] = Experiment(exp.path).records
    assert rec.cost is None or (rec.cost.estimate_usd, rec.cost.charged_usd) == (None, None)


def test_a_cost_survives_a_save_and_a_reload(exp: Experiment) -> None:
    write_manifest(exp, [old_run()])
    cost = RunCost(0.4, "sora-2: …", 0.4, {"seconds": 4.0}, earlier_estimate_usd=0.4)
    exp.reload()
    exp.update("ab", cost=cost)
    assert Experiment(exp.path).records[0].cost == cost


@pytest.mark.parametrize(
    ("spend", "text"),
    [
        (Spend(0.6, 0.4, runs=2, uncharged=1), "$0.60 estimated, $0.40 charged + 1 not reported"),
        (Spend(0.2, 0.0, runs=1, uncharged=1), "$0.20 estimated, charge not reported (1 run)"),
        (Spend(), "$0.00 estimated, $0.00 charged (0 runs)"),
    ],
)
def test_a_total_describes_what_is_not_known(spend: Spend, text: str) -> None:
    assert text in spend.describe()
