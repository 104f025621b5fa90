"""Cache (hit, miss, failures never cached, on disk), metrics, and the crash-safe journal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vidwidgets.client import (
    GenerationFailed,
    JobStatus,
    NotFoundError,
    ResultCache,
    VideoClient,
    VideoJob,
)
from vidwidgets.client._journal import Journal
from vidwidgets.simulator import Simulator

from .conftest import request_for


async def test_identical_request_with_a_seed_returns_the_earlier_job_and_file(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi")
    client = make_client(sim)
    first = await client.generate(_vidu(seed=7))
    second = await client.generate(_vidu(seed=7))
    assert second.id == first.id
    assert second.path == first.path
    assert sim.create_count == 1
    assert client.metrics.cache_hits == 1


def _vidu(**fields: Any) -> Any:
    from vidwidgets.client import VideoRequest

    return VideoRequest(model="viduq1", prompt="a fox", **fields)


async def test_request_without_a_seed_is_generated_again(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi")
    client = make_client(sim)
    await client.generate(_vidu())
    await client.generate(_vidu())
    assert sim.create_count == 2


async def test_different_seed_is_a_miss(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi")
    client = make_client(sim)
    await client.generate(_vidu(seed=1))
    await client.generate(_vidu(seed=2))
    assert sim.create_count == 2
    assert client.metrics.cache_misses == 2


async def test_failures_are_never_cached(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi", failure_rate=1.0)
    client = make_client(sim)
    for _ in range(2):
        with pytest.raises(GenerationFailed):
            await client.generate(_vidu(seed=3))
    assert sim.create_count == 2


async def test_cache_on_disk_survives_a_new_client(
    make_sim: Any, make_client: Any, tmp_path: Path
) -> None:
    sim: Simulator = await make_sim("newapi")
    first = await make_client(sim, cache_dir=tmp_path / "cache").generate(_vidu(seed=9))
    again = await make_client(sim, cache_dir=tmp_path / "cache").generate(_vidu(seed=9))
    assert again.id == first.id
    assert sim.create_count == 1
    assert list((tmp_path / "cache").glob("*.json"))


async def test_cached_file_that_was_deleted_is_generated_again(
    make_sim: Any, make_client: Any
) -> None:
    sim: Simulator = await make_sim("newapi")
    client = make_client(sim)
    first = await client.generate(_vidu(seed=4))
    assert first.path is not None
    first.path.unlink()
    await client.generate(_vidu(seed=4))
    assert sim.create_count == 2


async def test_metrics_count_requests_outcomes_and_times(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi", failure_rate=0.0)
    client = make_client(sim)
    await client.generate(request_for("newapi"))
    sim_failing: Simulator = await make_sim("newapi", failure_rate=1.0)
    failing = make_client(sim_failing)
    with pytest.raises(GenerationFailed):
        await failing.generate(request_for("newapi"))
    metrics = client.metrics.as_dict()
    assert metrics["requests"] == len(sim.requests)
    assert metrics["creates"] == 1
    assert metrics["jobs_succeeded"] == 1
    assert metrics["success_rate"] == 1.0
    assert metrics["latency"]["p50"] is not None
    assert metrics["generation_time"]["kling-v1"]["count"] == 1
    failed = failing.metrics.as_dict()
    assert failed["failures"] == {"GenerationFailed": 1}
    assert failed["success_rate"] == 0.0


async def test_task_id_is_journaled_before_waiting_and_resumed_by_a_new_client(
    make_sim: Any, make_client: Any, tmp_path: Path
) -> None:
    sim: Simulator = await make_sim("newapi")
    journal = tmp_path / "journal.jsonl"
    first = make_client(sim, journal=journal)
    job = await first.create(request_for("newapi"))
    assert job.id in journal.read_text()
    # the kernel dies here; a new client finds the task and collects it
    second = make_client(sim, journal=journal)
    pending = second.resume()
    assert [j.id for j in pending] == [job.id]
    assert pending[0].request == job.request
    done = await second.wait(pending[0])
    await second.download(done)
    assert second.resume() == []
    assert sim.create_count == 1


async def test_generate_after_a_crash_adopts_the_started_task_instead_of_creating(
    make_sim: Any, make_client: Any, tmp_path: Path
) -> None:
    sim: Simulator = await make_sim("newapi")
    path = tmp_path / "journal.jsonl"
    request = request_for("newapi")
    job = await make_client(sim, journal=path).create(request)
    # simulate another process's entry: a different session token
    text = path.read_text().replace('"session":"', '"session":"dead-')
    path.write_text(text)
    again = await make_client(sim, journal=path).generate(request)
    assert again.id == job.id
    assert sim.create_count == 1


def test_journal_skips_a_torn_last_line(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.created("t1", base_url="http://x", api_format="88api", request=None)
    with (tmp_path / "j.jsonl").open("a") as fh:
        fh.write('{"event": "created", "id": "t2", "base_u')
    assert [r["id"] for r in journal.pending("http://x")] == ["t1"]


def test_journal_reads_what_another_writer_appended_and_a_line_once_it_is_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.jsonl"
    ours, theirs = Journal(path), Journal(path)  # theirs: another kernel on the same file
    ours.created("t1", base_url="http://x", api_format="88api", request=None)
    assert [r["id"] for r in ours.pending()] == ["t1"]
    theirs.created("t2", base_url="http://x", api_format="88api", request=None)
    theirs.finished("t1", base_url="http://x", status="succeeded", path=None)
    assert [r["id"] for r in ours.pending()] == ["t2"]
    line = json.dumps({"event": "created", "id": "t3", "base_url": "http://x"}) + "\n"
    with path.open("a") as fh:
        fh.write(line[:20])  # a line still being written
        fh.flush()
        assert [r["id"] for r in ours.pending()] == ["t2"]
        fh.write(line[20:])
    assert [r["id"] for r in ours.pending()] == ["t2", "t3"]


def test_asking_the_journal_again_reads_only_what_was_appended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # generate() asks once per job: reading the whole file each time made a batch quadratic
    journal = Journal(tmp_path / "j.jsonl")
    for i in range(200):
        journal.created(f"t{i}", base_url="http://x", api_format="88api", request=None)
    assert len(journal.pending()) == 200
    parsed = []
    real_loads = json.loads
    monkeypatch.setattr(
        "vidwidgets.client._journal.json.loads",
        lambda text: parsed.append(text) or real_loads(text),
    )
    journal.finished("t0", base_url="http://x", status="succeeded", path=None)
    assert len(journal.pending()) == 199
    assert len(journal.pending()) == 199
    assert len(parsed) == 1


def test_a_compacted_journal_keeps_the_pending_tasks_and_later_appends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("vidwidgets.client._journal._COMPACT_LINES", 10)
    path = tmp_path / "j.jsonl"
    journal, other = Journal(path), Journal(path)
    for i in range(8):
        journal.created(f"t{i}", base_url="http://x", api_format="88api", request=None)
        journal.finished(f"t{i}", base_url="http://x", status="succeeded", path=None)
    journal.created("kept", base_url="http://x", api_format="88api", request=None)
    assert [r["id"] for r in other.pending()] == ["kept"]  # 17 lines: compacted
    assert len(path.read_text().splitlines()) == 1
    journal.created("later", base_url="http://x", api_format="88api", request=None)
    assert [r["id"] for r in journal.pending()] == ["kept", "later"]
    assert [r["id"] for r in other.pending()] == ["kept", "later"]


def test_journal_is_off_on_the_embedded_simulator_and_on_for_real_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDWIDGETS_JOURNAL_DIR", str(tmp_path))
    assert VideoClient().journal is None
    real = VideoClient("https://example.invalid", "k")
    assert real.journal is not None
    assert real.journal.path == tmp_path / "journal.jsonl"
    assert VideoClient("https://example.invalid", "k", journal=False).journal is None


async def test_resume_by_id_alone(make_sim: Any, make_client: Any) -> None:
    sim: Simulator = await make_sim("newapi")
    job = await make_client(sim).create(request_for("newapi"))
    other = make_client(sim)
    done = await other.wait(VideoJob(id=job.id))
    assert done.status is JobStatus.SUCCEEDED


async def test_a_task_the_server_no_longer_knows_leaves_the_journal(
    make_sim: Any, make_client: Any, tmp_path: Path
) -> None:
    sim: Simulator = await make_sim("newapi")
    path = tmp_path / "journal.jsonl"
    Journal(path).created("task_gone", base_url=sim.base_url, api_format="88api", request=None)
    client = make_client(sim, journal=path)
    [job] = client.resume()
    with pytest.raises(NotFoundError):
        await client.wait(job)
    assert client.resume() == []


# -- a seedless model is never reproducible -------------------------------------------------


async def test_a_model_that_ignores_seeds_is_generated_again_every_time(
    make_sim: Any, make_client: Any
) -> None:
    from vidwidgets.client import VideoRequest

    sim: Simulator = await make_sim("newapi")
    client = make_client(sim)
    kling = VideoRequest(model="kling-v1", prompt="a fox")
    first = await client.generate(kling)
    second = await client.generate(kling)
    assert second.id != first.id
    assert sim.create_count == 2
    assert client.metrics.cache_hits == 0


def test_only_a_seed_on_a_model_that_honours_it_is_reproducible() -> None:
    assert ResultCache.reproducible({"model": "viduq1", "prompt": "a fox", "seed": 3})
    assert not ResultCache.reproducible({"model": "viduq1", "prompt": "a fox"})
    # an older manifest or cache file may hold a seed a seedless model dropped
    assert not ResultCache.reproducible({"model": "kling-v1", "prompt": "a fox", "seed": 3})
    assert not ResultCache.reproducible({"model": "sora-2", "prompt": "a fox", "seed": 3})
    assert not ResultCache.reproducible(None)


def test_a_finished_seedless_result_is_not_reusable_though_its_file_exists(
    tmp_path: Path,
) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00")
    seeded = {"model": "viduq1", "prompt": "a fox", "seed": 3}
    assert ResultCache.reusable("succeeded", video, seeded)
    assert not ResultCache.reusable("succeeded", video, {**seeded, "model": "kling-v1"})
    assert not ResultCache.reusable("succeeded", video, {"model": "viduq1", "prompt": "a fox"})


def test_a_stored_cache_entry_of_a_seedless_model_is_never_served(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00")
    cache = ResultCache(folder=tmp_path / "cache")
    key = cache.key("http://x", "88api", "abc")
    # as a version that did not know Kling drops seeds would have written it
    record = VideoJob(id="t1", status=JobStatus.SUCCEEDED, path=video).to_dict()
    record["request"] = {"model": "kling-v1", "prompt": "a fox", "seed": 3}
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / f"{key}.json").write_text(json.dumps(record))
    assert cache.get(key) is None


def test_a_seedless_result_is_never_stored(tmp_path: Path) -> None:
    from vidwidgets.client import VideoRequest

    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00")
    cache = ResultCache(folder=tmp_path / "cache")
    job = VideoJob(
        id="t1",
        request=VideoRequest(model="kling-v1", prompt="a fox"),
        status=JobStatus.SUCCEEDED,
        path=video,
    )
    cache.put("k", job)
    assert cache.get("k") is None
    assert not list((tmp_path / "cache").glob("*.json"))
