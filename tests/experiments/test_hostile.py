"""Hostile task ids reach the runner: files still land inside the experiment folder.

The simulator only mints well-formed ids, so a minimal client stands in for a hostile server
here; it implements the same five coroutines the runner calls and writes a real MP4.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.experiments._helpers import write_mp4
from vidwidgets.client import JobStatus, VideoJob, VideoRequest
from vidwidgets.experiments import ExperimentStore, run_cells
from vidwidgets.export import export_html

HOSTILE_IDS = [
    "../../x",
    "/etc/passwd",
    "a/b",
    "nul\x00byte",
    "y" * 10_000,
    "<script>alert(1)</script>",
]


class HostileClient:
    def __init__(self, task_id: str, sample: Path) -> None:
        self.task_id = task_id
        self.sample = sample

    async def create(self, request: VideoRequest) -> VideoJob:
        return VideoJob(id=self.task_id, request=request)

    async def wait(
        self, job: VideoJob, timeout: float | None = None, on_update: Any = None
    ) -> VideoJob:
        job.status = JobStatus.SUCCEEDED
        return job

    async def retrieve(self, job: VideoJob | str) -> VideoJob:
        assert isinstance(job, VideoJob)
        return job

    async def download(self, job: VideoJob, path: Any, *, variant: str = "video") -> Path:
        shutil.copyfile(self.sample, path)
        return Path(path)

    async def cancel(self, job: VideoJob) -> VideoJob:
        return job


def files(root: Path) -> set[Path]:
    return {p.resolve() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("task_id", HOSTILE_IDS, ids=lambda t: repr(t[:20]))
async def test_hostile_task_ids_never_write_outside_the_experiment(
    tmp_path: Path, task_id: str
) -> None:
    sample = write_mp4(tmp_path / "sample.mp4")
    root = tmp_path / "store"
    exp = ExperimentStore(root).experiment("x")
    before = files(tmp_path)

    [rec] = await run_cells(
        HostileClient(task_id, sample), exp, [VideoRequest(model="viduq1", prompt="a", seed=1)]
    )

    assert rec.status == "succeeded"
    assert rec.job_id == task_id  # the id itself is kept verbatim in the manifest
    new = files(tmp_path) - before
    assert new
    assert all(exp.path.resolve() in p.parents for p in new), new
    assert all(len(p.name) < 120 for p in new)
    text = export_html(exp, tmp_path / "r.html", videos="link").read_text()
    assert "<script>alert" not in text
