"""The runner against the simulator on real sockets: create, persist, resume, cache, cancel."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.experiments.conftest import API_KEY, FAST, make_client
from vidwidgets.client import VideoClient, VideoRequest
from vidwidgets.experiments import (
    Cell,
    CellRun,
    Experiment,
    ExperimentRunner,
    ExperimentStore,
    RunRecord,
    run_cells,
)
from vidwidgets.simulator import Simulator, Timing


def req(prompt: str, seed: int | None = 1) -> VideoRequest:
    return VideoRequest(model="viduq1", prompt=prompt, seed=seed)


PROMPTS = ("a red fox", "a grey wolf", "a white hare")


def creates(sim: Simulator) -> int:
    return sim.create_count


async def test_all_cells_succeed_with_files_and_timings(client, exp: Experiment) -> None:
    records = await run_cells(client, exp, [req(p) for p in PROMPTS])
    assert [r.status for r in records] == ["succeeded"] * 3
    for rec in records:
        video = exp.video_path(rec)
        assert video is not None
        assert video.stat().st_size == rec.bytes
        assert rec.video is not None
        assert rec.video["codec"] == "h264"
        assert rec.generation_seconds is not None
        assert rec.generation_seconds >= 0
        assert rec.thumbnail is not None
        assert (exp.path / rec.thumbnail).is_file()
    assert not list(exp.path.rglob("*.part"))


async def test_the_job_id_is_in_the_manifest_before_any_waiting(
    client, sim: Simulator, exp: Experiment
) -> None:
    seen: dict[str, bool] = {}

    def on_update(run: CellRun) -> None:
        # the first "queued" event of a created cell comes before the client starts polling
        if run.status == "queued" and run.job is not None and run.job.id not in seen:
            manifest = json.loads((exp.path / "manifest.json").read_text())
            ids = {r["job_id"] for r in manifest["runs"]}
            polled = any(r.method == "GET" and r.task_id == run.job.id for r in sim.requests)
            seen[run.job.id] = run.job.id in ids and not polled

    await run_cells(client, exp, [req(p) for p in PROMPTS], on_update=on_update)
    assert len(seen) == 3
    assert all(seen.values()), seen


async def test_finished_cells_load_from_disk_with_no_request(
    sim: Simulator, exp: Experiment
) -> None:
    async with make_client(sim) as first:
        await run_cells(first, exp, [req(p) for p in PROMPTS])
    before = len(sim.requests)
    async with make_client(sim) as second:  # a new kernel: new client, manifest read from disk
        records = await run_cells(second, Experiment(exp.path), [req(p) for p in PROMPTS])
    assert [r.status for r in records] == ["succeeded"] * 3
    assert len(sim.requests) == before


async def test_resume_after_restart_polls_pending_ids_and_creates_nothing(tmp_path: Path) -> None:
    slow = {**FAST, "speed": 40.0, "timing": Timing(queue=10, generate=60, jitter=0)}
    async with Simulator(dialect="newapi", api_key=API_KEY, **slow) as sim:  # type: ignore[arg-type]
        exp = ExperimentStore(tmp_path).experiment("fox")
        all_created = asyncio.Event()
        async with make_client(sim) as first:
            runner = ExperimentRunner(
                first,
                exp,
                on_update=lambda r: (
                    all_created.set()
                    if sum(x.job is not None for x in runner.runs.values()) == 3
                    else None
                ),
            )
            runner.submit([req(p) for p in PROMPTS])
            await asyncio.wait_for(all_created.wait(), 10)
            await runner.stop()  # the kernel dies: nothing downloaded yet
        pending = Experiment(exp.path).records
        assert [r.status for r in pending] == ["queued"] * 3
        ids = {r.job_id for r in pending}
        assert creates(sim) == 3

        async with make_client(sim) as second:
            runner2 = ExperimentRunner(second, Experiment(exp.path))
            runs = runner2.submit([req(p) for p in PROMPTS])
            records = await runner2.wait()
        assert creates(sim) == 3  # not one new create
        assert [r.status for r in records] == ["succeeded"] * 3
        assert {r.job_id for r in records} == ids
        assert {run.source for run in runs} == {"resumed"}
        creates_in_log = [r for r in sim.requests if r.method == "POST"]
        assert len(creates_in_log) == 3


async def test_a_seeded_request_done_in_another_experiment_is_a_cache_hit(
    client, sim: Simulator, store: ExperimentStore
) -> None:
    first = store.experiment("first")
    [original] = await run_cells(client, first, [req("a red fox")])
    before = len(sim.requests)
    second = store.experiment("second")
    runner = ExperimentRunner(client, second)
    [run] = runner.submit([Cell(req("a red fox"), label="again")])
    [hit] = await runner.wait()
    assert len(sim.requests) == before  # no API call at all
    assert run.source == "cache"
    assert hit.cached_from == f"first/{original.key}"
    assert hit.job_id == original.job_id
    a, b = first.video_path(original), second.video_path(hit)
    assert a is not None
    assert b is not None
    assert a.stat().st_ino == b.stat().st_ino  # hard-linked, not copied


async def test_an_unseeded_request_is_never_a_cache_hit(
    client, sim: Simulator, store: ExperimentStore
) -> None:
    await run_cells(client, store.experiment("a"), [req("a red fox", seed=None)])
    await run_cells(client, store.experiment("b"), [req("a red fox", seed=None)])
    assert creates(sim) == 2


async def test_identical_seeded_cells_in_one_run_create_once(
    client, sim: Simulator, exp: Experiment
) -> None:
    records = await run_cells(
        client, exp, [Cell(req("a red fox"), "left"), Cell(req("a red fox"), "right")]
    )
    assert creates(sim) == 1
    assert [r.status for r in records] == ["succeeded", "succeeded"]
    assert records[1].cached_from is not None or records[0].cached_from is not None


async def test_adding_a_cell_to_a_finished_experiment_runs_only_the_new_cell(
    client, sim: Simulator, exp: Experiment
) -> None:
    await run_cells(client, exp, [req(p) for p in PROMPTS[:2]])
    assert creates(sim) == 2
    records = await run_cells(client, exp, [req(p) for p in PROMPTS])
    assert creates(sim) == 3
    assert [r.status for r in records] == ["succeeded"] * 3


async def test_cancel_one_cell_leaves_the_others_running(tmp_path: Path) -> None:
    slow = {**FAST, "speed": 40.0, "timing": Timing(queue=10, generate=60, jitter=0)}
    async with Simulator(dialect="newapi", api_key=API_KEY, **slow) as sim:  # type: ignore[arg-type]
        exp = ExperimentStore(tmp_path).experiment("fox")
        async with make_client(sim) as client:
            runner = ExperimentRunner(client, exp)
            runs = runner.submit([req(p) for p in PROMPTS])
            for _ in range(1000):
                if runs[0].job is not None:
                    break
                await asyncio.sleep(0.01)
            runs[0].cancel()
            records = await runner.wait()
    assert runs[0].status == "cancelled"
    assert [r.status for r in records] == ["cancelled", "succeeded", "succeeded"]
    assert records[0].file is None
    # the 88API format has no cancel route: the record says the paid task may still arrive
    assert records[0].error is not None
    assert records[0].error["code"] == "cancelled_locally"
    assert "Retry fetches it by id" in records[0].error["message"]
    assert records[0].job_id is not None


async def test_retry_makes_a_new_generation_and_replaces_the_file(
    client, sim: Simulator, exp: Experiment
) -> None:
    runner = ExperimentRunner(client, exp)
    [run] = runner.submit([req("a red fox")])
    [first] = await runner.wait()
    old_id, old_file = first.job_id, exp.video_path(first)
    assert old_file is not None
    run.retry()
    [again] = await runner.wait()
    assert creates(sim) == 2
    assert again.job_id != old_id
    assert again.previous_job_ids == [old_id]
    assert exp.video_path(again) is not None
    assert not old_file.exists()


async def test_a_failed_generation_is_recorded_with_the_servers_reason(tmp_path: Path) -> None:
    async with Simulator(dialect="newapi", api_key=API_KEY, failure_rate=1.0, **FAST) as sim:  # type: ignore[arg-type]
        exp = ExperimentStore(tmp_path).experiment("fox")
        async with make_client(sim) as client:
            runner = ExperimentRunner(client, exp)
            [run] = runner.submit([req("a red fox")])
            [rec] = await runner.wait()
    assert run.status == "failed"
    assert rec.status == "failed"
    assert rec.job_id is not None
    assert rec.error is not None
    assert rec.error["message"]
    assert rec.file is None


async def test_a_pending_id_unknown_to_the_server_is_created_again(
    client, sim: Simulator, exp: Experiment
) -> None:
    request = req("a red fox")
    cell = Cell(request)
    exp.put(
        RunRecord(
            key=cell.key,
            fingerprint=request.fingerprint(),
            request=request.to_dict(),
            job_id="task_gone",
            status="queued",
        )
    )
    [rec] = await run_cells(client, exp, [cell])
    assert rec.status == "succeeded"
    assert rec.previous_job_ids == ["task_gone"]
    assert creates(sim) == 1


async def test_manifest_holds_no_key(client, exp: Experiment) -> None:
    await run_cells(client, exp, [req("a red fox")])
    assert API_KEY not in (exp.path / "manifest.json").read_text()


async def test_referenced_by_marks_the_cells_for_pruning(
    client, store: ExperimentStore, exp: Experiment
) -> None:
    await run_cells(client, exp, [req(p) for p in PROMPTS], referenced_by="analysis.ipynb")
    assert all(r.referenced_by == ["analysis.ipynb"] for r in Experiment(exp.path).records)
    assert store.prune(older_than=0).removed == []


async def test_results_as_records_and_dataframe(client, exp: Experiment) -> None:
    await run_cells(client, exp, [req(p) for p in PROMPTS])
    exp.rate(exp.records[0].key, 5)
    frame = exp.to_dataframe()
    assert list(frame["prompt"]) == list(PROMPTS)
    assert list(frame["status"]) == ["succeeded"] * 3
    assert frame["rating"].tolist() == [5, 0, 0]


async def test_the_runner_reports_only_its_own_cells(client, exp: Experiment) -> None:
    await run_cells(client, exp, [req("an old cell")])
    runner = ExperimentRunner(client, exp)
    runner.submit([req(p) for p in PROMPTS[:2]])
    await runner.wait()
    assert [r["prompt"] for r in runner.results()] == list(PROMPTS[:2])
    assert len(runner.to_dataframe()) == 2


@pytest.mark.parametrize("bad", [[req("x"), req("x")], ["not a cell"]])
def test_invalid_cell_lists_are_refused(bad: list[object]) -> None:
    from vidwidgets.experiments import as_cells

    with pytest.raises((ValueError, TypeError)):
        as_cells(bad)  # type: ignore[arg-type]


async def test_a_pending_task_of_another_server_is_left_pending_not_created_again(
    client, sim: Simulator, exp: Experiment
) -> None:
    request = req("a red fox")
    cell = Cell(request)
    exp.put(
        RunRecord(
            key=cell.key,
            fingerprint=request.fingerprint(),
            request=request.to_dict(),
            job_id="task_paid_elsewhere",
            status="in_progress",
            server="https://api.example.com",
        )
    )
    runner = ExperimentRunner(client, exp)
    [run] = runner.submit([cell])
    [rec] = await runner.wait()
    assert run.status == "pending"
    assert "api.example.com" in str(run.error)
    assert rec.job_id == "task_paid_elsewhere"
    assert sim.requests == []


async def test_a_pending_task_of_a_stopped_embedded_simulator_is_generated_again(
    client, sim: Simulator, exp: Experiment
) -> None:
    request = req("a red fox")
    cell = Cell(request)
    exp.put(
        RunRecord(
            key=cell.key,
            fingerprint=request.fingerprint(),
            request=request.to_dict(),
            job_id="task_died_with_its_process",
            status="queued",
            server="embedded-simulator",
        )
    )
    [rec] = await run_cells(client, exp, [cell])
    assert rec.status == "succeeded"
    assert rec.previous_job_ids == ["task_died_with_its_process"]
    assert creates(sim) == 1


async def test_cancelling_on_the_openai_format_sends_a_delete(tmp_path: Path) -> None:
    slow = {**FAST, "speed": 40.0, "timing": Timing(queue=10, generate=60, jitter=0)}
    async with Simulator(dialect="openai", api_key=API_KEY, **slow) as sim:  # type: ignore[arg-type]
        exp = ExperimentStore(tmp_path).experiment("sora")
        async with VideoClient(
            base_url=sim.base_url, api_key=API_KEY, api_format="openai", journal=False, cache=False
        ) as client:
            runner = ExperimentRunner(client, exp)
            [run] = runner.submit([VideoRequest(model="sora-2", prompt="a fox", seconds="4")])
            for _ in range(1000):
                if run.job is not None:
                    break
                await asyncio.sleep(0.01)
            run.cancel()
            [rec] = await runner.wait()
        deletes = [r for r in sim.requests if r.method == "DELETE"]
    assert rec.status == "cancelled"
    assert [r.task_id for r in deletes] == [rec.job_id]


async def test_cells_in_flight_never_exceed_the_clients_bound(
    sim: Simulator, exp: Experiment
) -> None:
    busy = {"creating", "queued", "in_progress", "downloading"}
    active: set[str] = set()
    peak = 0

    def on_update(run: CellRun) -> None:
        nonlocal peak
        (active.add if run.status in busy else active.discard)(run.key)
        peak = max(peak, len(active))

    async with VideoClient(
        base_url=sim.base_url,
        api_key=API_KEY,
        max_concurrency=2,
        journal=False,
        cache=False,
        time_scale=0.02,
    ) as client:
        records = await run_cells(
            client, exp, [req(f"prompt {i}") for i in range(5)], on_update=on_update
        )
    assert [r.status for r in records] == ["succeeded"] * 5
    assert peak == 2


async def test_a_lost_download_is_fetched_again_by_id_without_a_create(
    client, sim: Simulator, exp: Experiment
) -> None:
    [rec] = await run_cells(client, exp, [req("a red fox")])
    video = exp.video_path(rec)
    assert video is not None
    video.unlink()
    [again] = await run_cells(client, Experiment(exp.path), [req("a red fox")])
    assert again.status == "succeeded"
    assert again.job_id == rec.job_id
    assert exp.video_path(again) is not None
    assert creates(sim) == 1


async def test_a_task_that_times_out_stays_pending_and_resumes_later(tmp_path: Path) -> None:
    slow = {**FAST, "speed": 40.0, "timing": Timing(queue=10, generate=60, jitter=0)}
    async with Simulator(dialect="newapi", api_key=API_KEY, **slow) as sim:  # type: ignore[arg-type]
        exp = ExperimentStore(tmp_path).experiment("fox")
        async with make_client(sim) as client:
            runner = ExperimentRunner(client, exp, timeout=0.05)
            [run] = runner.submit([req("a red fox")])
            [rec] = await runner.wait()
            assert run.status == "pending"
            assert rec.job_id is not None
            assert rec.status in ("queued", "in_progress")
            [done] = await run_cells(client, Experiment(exp.path), [req("a red fox")])
        assert done.status == "succeeded"
        assert done.job_id == rec.job_id
        assert creates(sim) == 1


async def test_retry_while_running_cancels_the_old_task_and_starts_a_new_one(
    tmp_path: Path,
) -> None:
    slow = {**FAST, "speed": 40.0, "timing": Timing(queue=10, generate=60, jitter=0)}
    async with Simulator(dialect="newapi", api_key=API_KEY, **slow) as sim:  # type: ignore[arg-type]
        exp = ExperimentStore(tmp_path).experiment("fox")
        async with make_client(sim) as client:
            runner = ExperimentRunner(client, exp)
            [run] = runner.submit([req("a red fox")])
            for _ in range(1000):
                if run.job is not None:
                    break
                await asyncio.sleep(0.01)
            assert run.job is not None
            first_id = run.job.id
            run.retry()
            [rec] = await runner.wait()
    assert run.status == "succeeded"
    assert sim.create_count == 2
    assert rec.job_id != first_id
    assert rec.previous_job_ids == [first_id]
