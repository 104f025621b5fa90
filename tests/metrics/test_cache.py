"""``measure(..., cache=True)``: the metrics beside the video, reused only while they match it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.metrics.conftest import FPS, pan, write_video
from vidwidgets.metrics import METRICS_VERSION, VideoMetrics, cache_path, measure


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return write_video(tmp_path / "clip.mp4", pan(2, frames=FPS // 2))


def _tamper(video: Path, **changes: float) -> None:
    """Change values in the cache file and nothing else, so a reuse shows."""
    path = cache_path(video)
    doc = json.loads(path.read_text())
    doc["metrics"].update(changes)
    path.write_text(json.dumps(doc))


def test_the_cache_file_sits_beside_the_video(video: Path) -> None:
    assert cache_path(video) == video.with_name("clip.mp4.metrics.json")


def test_measuring_with_cache_writes_the_metrics_beside_the_video(video: Path) -> None:
    metrics = measure(video, cache=True)
    doc = json.loads(cache_path(video).read_text())
    assert doc["stamp"]["version"] == METRICS_VERSION
    assert VideoMetrics.from_dict(doc["metrics"]) == metrics


def test_measuring_without_cache_writes_nothing(video: Path) -> None:
    measure(video)
    assert not cache_path(video).exists()


def test_a_matching_cache_is_reused(video: Path) -> None:
    measure(video, cache=True)
    _tamper(video, motion=0.5)
    assert measure(video, cache=True).motion == 0.5


def test_a_changed_video_is_measured_again(video: Path) -> None:
    measure(video, cache=True)
    _tamper(video, motion=0.5)
    stat = video.stat()
    os.utime(video, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert measure(video, cache=True).motion != 0.5


def test_another_decode_size_is_measured_again(video: Path) -> None:
    measure(video, cache=True)
    _tamper(video, motion=0.5)
    assert measure(video, size=64, cache=True).motion != 0.5


def test_a_cache_from_another_metrics_version_is_measured_again(video: Path) -> None:
    measure(video, cache=True)
    path = cache_path(video)
    doc = json.loads(path.read_text())
    doc["stamp"]["version"] = METRICS_VERSION - 1
    doc["metrics"]["motion"] = 0.5
    path.write_text(json.dumps(doc))
    assert measure(video, cache=True).motion != 0.5
    assert json.loads(path.read_text())["stamp"]["version"] == METRICS_VERSION


def test_a_half_written_cache_is_measured_again_and_replaced(video: Path) -> None:
    expected = measure(video)
    cache_path(video).write_text('{"stamp": {"version": ')
    assert measure(video, cache=True) == expected
    assert VideoMetrics.from_dict(json.loads(cache_path(video).read_text())["metrics"]) == expected


def test_no_temporary_file_is_left_beside_the_video(video: Path) -> None:
    measure(video, cache=True)
    assert sorted(p.name for p in video.parent.iterdir()) == ["clip.mp4", "clip.mp4.metrics.json"]


def test_a_cache_that_cannot_be_written_only_warns(video: Path) -> None:
    cache_path(video).mkdir()  # a folder in the way: the rename fails, as in a read-only folder
    with pytest.warns(RuntimeWarning, match="metrics of clip.mp4 not cached"):
        metrics = measure(video, cache=True)
    assert metrics.frames == FPS // 2
    assert sorted(p.name for p in video.parent.iterdir()) == ["clip.mp4", "clip.mp4.metrics.json"]


def test_the_scalars_are_a_plain_json_ready_dict(video: Path) -> None:
    row = measure(video).as_dict()
    assert list(row)[:8] == [
        "motion",
        "flicker",
        "sharpness",
        "frozen",
        "cuts",
        "loop_seam",
        "brightness",
        "clipping",
    ]
    assert "per_frame" not in row
    assert json.loads(json.dumps(row)) == row


def test_the_metrics_survive_a_json_round_trip(video: Path) -> None:
    metrics = measure(video)
    again = VideoMetrics.from_dict(json.loads(json.dumps(metrics.as_dict(per_frame=True))))
    assert again == metrics
    assert isinstance(again.cuts, int)
