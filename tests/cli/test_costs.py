"""The CLI's prices: ``--dry-run`` sends nothing, ``--budget`` refuses before sending, and every
run says what it cost (issue 12). The plugin simulator publishes the prices: sora-2 is $0.10
per second (4 s: $0.40), viduq1 $0.20 per call.
"""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Cli
from vidwidgets.cli import main

GRID = ["compare", "--model", "sora-2", "--model", "viduq1", "--prompt", "a red fox"]
GRID += ["--prompt", "a grey wolf"]
SORA = "sora-2: $0.10 per second × 4 s × group default 1 = $0.40"
VIDU = "viduq1: $0.20 per call × group default 1 = $0.20"


@pytest.fixture(autouse=True)
def _no_price_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIDWIDGETS_PRICES", raising=False)


def creates(cli: Cli) -> int:
    assert cli.sim is not None
    return cli.sim.create_count


def test_a_dry_run_prints_each_cells_price_and_the_total_and_sends_nothing(
    priced_cli: Cli,
) -> None:
    result = priced_cli.run(*GRID, "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["cell", "model", "seconds", "estimate", "basis"]
    rows = [line for line in lines if " $0." in line]
    assert len(rows) == 4
    assert sum(SORA in row and " 4 " in row for row in rows) == 2
    assert sum(VIDU in row and "per call" in row for row in rows) == 2
    assert "total: $1.20 for 4 of 4 cells to send" in result.stdout
    assert "dry run: nothing was sent" in result.stdout
    assert creates(priced_cli) == 0
    assert not priced_cli.runs_dir.exists()  # not even an empty experiment


def test_a_dry_run_counts_finished_or_cached_cells_as_nothing_to_send(priced_cli: Cli) -> None:
    grid = ["compare", "--model", "viduq1", "--prompt", "a red fox", "--seed", "1"]
    assert priced_cli.run(*grid, "--experiment", "fox").returncode == 0
    more = [*grid, "--prompt", "a grey wolf", "--dry-run"]
    result = priced_cli.run(*more, "--experiment", "fox")
    assert "on disk: nothing to send" in result.stdout
    assert "total: $0.20 for 1 of 2 cells to send" in result.stdout
    elsewhere = priced_cli.run(*more)  # another experiment: the same seeded request is cached
    assert "in the cache: nothing to send" in elsewhere.stdout
    assert creates(priced_cli) == 1


def test_a_grid_over_the_budget_sends_nothing_and_names_the_total_and_the_budget(
    priced_cli: Cli,
) -> None:
    result = priced_cli.run(*GRID, "--budget", "1")
    assert result.returncode == 3
    assert "the estimated total $1.20 is over --budget $1.00: nothing was sent" in result.stderr
    assert SORA in result.stdout  # the price table says where the money goes
    assert creates(priced_cli) == 0


def test_a_grid_within_the_budget_runs_and_says_what_it_cost(priced_cli: Cli) -> None:
    result = priced_cli.run(*GRID, "--budget", "$1.20")  # reaching it exactly is allowed
    assert result.returncode == 0, result.stderr
    assert "total: $1.20 for 4 of 4 cells to send, within --budget $1.20" in result.stdout
    assert "cost: $1.20 estimated, $1.20 charged (4 runs)" in result.stdout
    assert creates(priced_cli) == 4


def test_an_unknown_price_under_a_budget_sends_nothing_and_names_the_models(
    hidden_prices_cli: Cli,
) -> None:
    result = hidden_prices_cli.run(*GRID, "--budget", "100")
    assert result.returncode == 3
    assert "the price of sora-2, viduq1 is unknown" in result.stderr
    assert "$VIDWIDGETS_PRICES" in result.stderr
    assert creates(hidden_prices_cli) == 0


def test_a_price_table_from_vidwidgets_prices_lets_the_budget_run(
    hidden_prices_cli: Cli, tmp_path
) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"viduq1": {"usd": 0.25, "per": "call"}}))
    result = hidden_prices_cli.run(
        "compare", "--model", "viduq1", "--prompt", "a fox", "--budget", "0.25",
        VIDWIDGETS_PRICES=str(prices),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "cost: $0.25 estimated" in result.stdout
    assert creates(hidden_prices_cli) == 1


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("-1", "'-1' is not allowed: a finite number of USD >= 0"),
        ("nan", "'nan' is not allowed: a finite number of USD >= 0"),
        ("inf", "'inf' is not allowed: a finite number of USD >= 0"),
        ("five", "'five' is not a number of USD: use e.g. 5 or 12.50"),
    ],
)
def test_a_bad_budget_is_refused_naming_the_value(
    budget: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # argparse refuses it before any client exists: in-process, as nothing could be sent
    assert main([*GRID, "--budget", budget]) == 2
    assert f"argument --budget: {message}" in capsys.readouterr().err


def test_generate_prints_what_the_run_cost(priced_cli: Cli) -> None:
    result = priced_cli.run("generate", "--model", "sora-2", "--prompt", "a red fox")
    assert result.returncode == 0, result.stderr
    assert "cost: $0.40 estimated, $0.40 charged (1 run)" in result.stdout
    assert f"basis: {SORA}" in result.stdout
    again = priced_cli.run("generate", "--model", "sora-2", "--prompt", "a red fox")
    assert "cost: $0.00, nothing was sent; 1 already made (on disk or cached)" in again.stdout


def test_runs_list_shows_each_experiments_cost_total(priced_cli: Cli) -> None:
    priced_cli.run("generate", "--model", "sora-2", "--prompt", "a red fox")
    result = priced_cli.run("runs", "list")
    header, row = result.stdout.splitlines()[:2]
    assert header.split()[5:7] == ["estimated", "charged"]
    assert row.split()[5:7] == ["$0.40", "$0.40"]
    detail = priced_cli.run("runs", "list", "generate")
    assert "$0.40 estimated, $0.40 charged" in detail.stdout
