"""The CLI measures every video after download and prints the metrics; ``measure PATH``."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli
from tests.experiments._helpers import add_finished, write_mp4
from vidwidgets.client import VideoRequest
from vidwidgets.experiments import ExperimentStore
from vidwidgets.metrics import METRIC_NAMES

ONE = ["compare", "--model", "viduq1", "--prompt", "a red fox", "--prompt", "a grey wolf"]


def records(cli: Cli) -> list[dict]:
    [path] = cli.runs_dir.glob("*/manifest.json")
    return json.loads(path.read_text())["runs"]


def test_compare_prints_a_metrics_table_and_stores_the_scalars(cli: Cli) -> None:
    result = cli.run(*ONE, "--experiment", "foxes")
    assert result.returncode == 0, result.stderr
    assert "metrics:" in result.stdout
    assert all(name in result.stdout for name in METRIC_NAMES)
    assert all(set(METRIC_NAMES) == set(r["metrics"]) for r in records(cli))


def test_compare_no_measure_measures_nothing(cli: Cli) -> None:
    result = cli.run(*ONE, "--experiment", "foxes", "--no-measure")
    assert result.returncode == 0, result.stderr
    assert "metrics:" not in result.stdout
    assert all(r["metrics"] is None for r in records(cli))


def test_runs_list_shows_the_metric_columns(cli: Cli) -> None:
    exp = ExperimentStore(cli.runs_dir).experiment("kept")
    add_finished(
        exp,
        VideoRequest(model="viduq1", prompt="a fox"),
        metrics=dict.fromkeys(METRIC_NAMES, 0.5) | {"cuts": 3},
    )
    listing = cli.run("runs", "list", "kept")
    assert listing.returncode == 0, listing.stderr
    header = listing.stdout.splitlines()[0]
    assert "flicker" in header
    assert "loop_seam" in header
    assert "50%" in listing.stdout  # frozen as a share


def test_measure_prints_one_videos_metrics(cli: Cli) -> None:
    video = write_mp4(cli.home / "clip.mp4")
    result = cli.run("measure", str(video))
    assert result.returncode == 0, result.stderr
    assert all(name in result.stdout for name in METRIC_NAMES)
    assert "64x48, 12 frames at 12 fps" in result.stdout


def test_measure_json_prints_the_dict(cli: Cli) -> None:
    video = write_mp4(cli.home / "clip.mp4")
    result = cli.run("measure", str(video), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["frames"] == 12


def test_measure_of_a_missing_file_exits_1_naming_it(cli: Cli) -> None:
    result = cli.run("measure", "nowhere.mp4")
    assert result.returncode == 1
    assert "nowhere.mp4" in result.stderr
