"""The runner measures every video once it is on disk, off the loop, and records the scalars."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from tests.experiments._helpers import add_finished, write_mp4
from vidwidgets.client import VideoRequest
from vidwidgets.experiments import Experiment, ExperimentRunner, RunRecord, run_cells
from vidwidgets.experiments._measuring import measure_video
from vidwidgets.metrics import METRIC_NAMES, cache_path


def req(prompt: str, seed: int | None = 1) -> VideoRequest:
    return VideoRequest(model="viduq1", prompt=prompt, seed=seed)


async def test_a_downloaded_video_is_measured_into_its_record(client, exp: Experiment) -> None:
    (rec,) = await run_cells(client, exp, [req("a red fox")])
    assert rec.metrics is not None
    assert list(rec.metrics) == list(METRIC_NAMES)
    assert rec.metrics_error is None
    assert 0.0 <= rec.metrics["flicker"] <= 1.0


async def test_the_series_live_beside_the_video_never_in_the_manifest(
    client, exp: Experiment
) -> None:
    (rec,) = await run_cells(client, exp, [req("a red fox")])
    video = exp.video_path(rec)
    assert video is not None
    assert "per_frame" in json.loads(cache_path(video).read_text())["metrics"]
    manifest = (exp.path / "manifest.json").read_text()
    assert "per_frame" not in manifest
    assert '"flicker"' in manifest


async def test_the_cell_run_holds_the_per_frame_series(client, exp: Experiment) -> None:
    runner = ExperimentRunner(client, exp)
    (run,) = runner.submit([req("a red fox")])
    await runner.wait()
    assert run.status == "succeeded"
    assert run.metrics is not None
    assert len(run.metrics.per_frame.brightness) == run.metrics.frames


async def test_a_video_that_cannot_be_measured_is_noted_and_stays_usable(
    client, exp: Experiment
) -> None:
    rec = add_finished(exp, req("a red fox"))
    video = exp.video_path(rec)
    assert video is not None
    video.write_bytes(b"not a video at all")
    (after,) = await run_cells(client, exp, [req("a red fox")])
    assert after.status == "succeeded"
    assert after.metrics is None
    assert after.metrics_error is not None
    assert after.metrics_error["code"] == "UnreadableVideo"
    assert after.metrics_error["message"].startswith("not measured: ")
    assert exp.results()[0]["metrics_error"] == after.metrics_error["message"]


async def test_a_video_on_disk_from_an_older_run_is_measured_when_loaded(
    client, sim, exp: Experiment
) -> None:
    add_finished(exp, req("a red fox"))
    (rec,) = await run_cells(client, exp, [req("a red fox")])
    assert sim.create_count == 0
    assert rec.metrics is not None


async def test_measure_false_measures_nothing(client, exp: Experiment) -> None:
    (rec,) = await run_cells(client, exp, [req("a red fox")], measure=False)
    video = exp.video_path(rec)
    assert video is not None
    assert rec.metrics is None
    assert not cache_path(video).exists()


async def test_a_cache_hit_brings_the_source_metrics_along(client, exp: Experiment) -> None:
    first = exp.store.experiment("first")
    (src,) = await run_cells(client, first, [req("a red fox", seed=7)])
    (hit,) = await run_cells(client, exp, [req("a red fox", seed=7)])
    assert hit.cached_from is not None
    assert hit.metrics == src.metrics


def test_an_old_manifest_without_metrics_loads(exp: Experiment) -> None:
    rec = add_finished(exp, req("a red fox"))
    doc = json.loads((exp.path / "manifest.json").read_text())
    for stored in doc["runs"]:
        stored.pop("metrics", None)
        stored.pop("metrics_error", None)
    (exp.path / "manifest.json").write_text(json.dumps(doc))
    reopened = Experiment(exp.path)
    loaded = reopened.get(rec.key)
    assert isinstance(loaded, RunRecord)
    assert loaded.metrics is None
    row = reopened.results()[0]
    assert all(row[name] is None for name in METRIC_NAMES)


def test_results_have_a_column_per_metric(exp: Experiment) -> None:
    metrics = dict.fromkeys(METRIC_NAMES, 0.5) | {"cuts": 2}
    add_finished(exp, req("a red fox"), metrics=metrics)
    row = exp.results()[0]
    assert {name: row[name] for name in METRIC_NAMES} == metrics
    assert row["metrics_error"] is None


def test_to_dataframe_has_the_metric_columns(exp: Experiment) -> None:
    add_finished(exp, req("a red fox"), metrics=dict.fromkeys(METRIC_NAMES, 0.25))
    frame = exp.to_dataframe()
    assert set(METRIC_NAMES) <= set(frame.columns)


async def test_the_loop_keeps_ticking_while_a_video_is_measured(tmp_path: Path) -> None:
    video = write_mp4(tmp_path / "big.mp4", width=640, height=360, fps=24, frames=96)
    gaps: list[float] = []

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await measure_video(video)
    took = time.perf_counter() - started
    ticker.cancel()
    assert took > 0.1  # long enough for the ticks to mean something
    assert len(gaps) >= 10
    assert max(gaps) < 0.25  # never blocked for long: the work ran on a worker thread


async def test_pruning_a_run_removes_its_metrics_file_too(client, exp: Experiment) -> None:
    (rec,) = await run_cells(client, exp, [req("a red fox")])
    video = exp.video_path(rec)
    assert video is not None
    assert cache_path(video).is_file()
    exp.store.prune(keep=0)
    assert not video.exists()
    assert not cache_path(video).exists()


def test_the_html_report_shows_each_cells_metrics_formatted(
    exp: Experiment, tmp_path: Path
) -> None:
    from vidwidgets.export import export_html

    metrics = dict.fromkeys(METRIC_NAMES, 0.5) | {"flicker": 0.98765, "cuts": 3}
    add_finished(exp, req("a red fox"), metrics=metrics)
    text = export_html(exp, tmp_path / "r.html", videos="link").read_text()
    assert "<th>loop_seam</th>" in text
    assert '<span class="vw-metric" data-metric="flicker">flicker 0.988</span>' in text
    assert "<td>50%</td>" in text  # frozen, as a share


def test_the_html_report_escapes_a_measuring_note(exp: Experiment, tmp_path: Path) -> None:
    from vidwidgets.export import export_html

    note = {"code": "UnreadableVideo", "message": "not measured: <img src=x onerror=alert(1)>"}
    add_finished(exp, req("a red fox"), metrics_error=note)
    text = export_html(exp, tmp_path / "r.html", videos="link").read_text()
    assert "<img src=x" not in text
    assert "not measured: &lt;img src=x onerror=alert(1)&gt;" in text
