"""The benchmarks run and report every figure (behaviour, not timings).

``python -m benchmarks --quick`` runs the cheap benchmarks (polling, batch, download, import,
metrics) at tiny scales in a fresh interpreter, exactly as ``make bench`` would run them at full
scale. These tests check that each produces all its figures, with a baseline measured in the
same run, a goal and a verdict, that the table is printed and the JSON written. The numbers
themselves are not judged here: at these scales they mean nothing.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHEAP = ("polling", "batch", "download", "import", "metrics")
FIGURE_KEYS = {
    "bench",
    "name",
    "value",
    "unit",
    "baseline",
    "baseline_value",
    "goal",
    "holds",
    "ratio",
    "note",
    "details",
}
#: (benchmark, words every one of its figure names must include, in some figure)
EXPECTED = {
    "polling": [
        "openai: detection lag p50",
        "openai: detection lag p95",
        "openai: status requests per job",
        "newapi: detection lag p50",
        "newapi: detection lag p95",
        "newapi: status requests per job",
        "newapi: repeat reads with no gateway refresh",
        "plugin: detection lag p95",
        "plugin: status requests per job",
        "plugin-openai: detection lag p95",
        "plugin-openai: status requests per job",
        "newapi, learned (2nd batch): status requests per job",
        "plugin, learned (2nd batch): detection lag p95",
    ],
    "batch": [
        "at 8 in flight: ideal / wall",
        "at 8 in flight: failed jobs",
        "at 64 in flight: ideal / wall",
        "at 64 in flight: client CPU",
        "max_concurrency=16 against 8 slots: failed jobs",
    ],
    "download": ["throughput", "peak RSS growth"],
    "import": ["import vidwidgets"],
    "metrics": ["CPU time on one core / its duration", "/ measuring it at full size"],
}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench-results")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", *CHEAP, "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads((out / "latest.json").read_text())
    return doc, proc.stdout


def _results(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in doc["results"]}


def test_every_cheap_benchmark_ran_without_error(quick_run: tuple[dict[str, Any], str]) -> None:
    results = _results(quick_run[0])
    assert set(results) == set(CHEAP)
    assert all(r["error"] == "" for r in results.values())
    assert quick_run[0]["quick"] is True


@pytest.mark.parametrize("bench", CHEAP)
def test_each_benchmark_produces_all_its_figures(
    quick_run: tuple[dict[str, Any], str], bench: str
) -> None:
    figures = _results(quick_run[0])[bench]["figures"]
    names = [f["name"] for f in figures]
    for expected in EXPECTED[bench]:
        assert any(expected in n for n in names), f"{bench}: no figure named like {expected!r}"


@pytest.mark.parametrize("bench", CHEAP)
def test_every_figure_has_a_value_a_baseline_a_goal_and_a_verdict(
    quick_run: tuple[dict[str, Any], str], bench: str
) -> None:
    for fig in _results(quick_run[0])[bench]["figures"]:
        assert set(fig) == FIGURE_KEYS
        assert isinstance(fig["value"], (int, float)), fig
        assert math.isfinite(fig["value"]), fig
        assert fig["goal"]
        assert fig["holds"] in (True, False, None)
        if fig["holds"] is False:
            assert fig["note"], f"a missed goal must say why: {fig['name']}"
        if fig["baseline"] and fig["baseline_value"] is not None:
            assert math.isfinite(fig["baseline_value"])


def test_the_polling_baselines_are_measured_not_assumed(
    quick_run: tuple[dict[str, Any], str],
) -> None:
    stats = _results(quick_run[0])["polling"]["settings"]["stats"]
    for dialect in ("openai", "newapi", "plugin", "plugin-openai"):
        for client in ("vidwidgets", "vidwidgets_learned", "88api_schedule"):
            assert stats[dialect][client]["n"] == 8
            assert stats[dialect][client]["polls_per_job"] >= 1
    assert stats["openai"]["openai_sdk"]["polls_per_job"] >= 1
    assert stats["newapi"]["openai_sdk"] is None


def test_the_table_and_json_are_written(quick_run: tuple[dict[str, Any], str]) -> None:
    doc, stdout = quick_run
    for column in ("figure", "vidwidgets", "baseline", "ratio", "goal", "holds?"):
        assert column in stdout
    assert "JSON written to" in stdout
    assert doc["table"].startswith("| figure |")
