"""The Comparison grid against the simulator on real loopback sockets, with no browser.

Every widget records what it would send to the front end (the recording comm of
``tests/widgets``), and the tests play the browser's part with custom messages: asking for a
cell's bytes, pressing Cancel / Retry, giving stars and writing notes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from ipywidgets.embed import dependency_state, embed_data

from tests.widgets._comm import customs, from_browser_custom
from vidwidgets.apps import Comparison
from vidwidgets.apps._cell_state import CellFrontState
from vidwidgets.client import JobStatus, ValidationError, VideoClient
from vidwidgets.simulator import Simulator, Timing

API_KEY = "sk-sim-COMPARISON-distinctive-7731"
FAST: dict[str, Any] = {"speed": 200.0, "video_scale": 0.1, "fps": 8, "refresh_period": 1.0}
#: jobs that take a few seconds, so there is time to cancel them
SLOW: dict[str, Any] = {**FAST, "speed": 40.0, "timing": Timing(queue=10, generate=60, jitter=0)}
JS = Path(__file__).resolve().parents[2] / "vidwidgets" / "apps" / "_comparison.js"


#: the models these grids use; the newapi and openai simulators publish no prices, and a grid of
#: unknown price would wait for a confirmation (tests/apps/test_comparison_budget.py)
PRICES = {
    "viduq1": {"usd": 0.20, "per": "call"},
    "kling-v1": {"usd": 0.35, "per": "call"},
    "sora-2": {"usd": 0.10, "per": "second"},
}


def make_client(sim: Simulator, **kwargs: Any) -> VideoClient:
    # client journal and cache off: the experiment store alone must resume and reuse
    kwargs.setdefault("prices", PRICES)
    return VideoClient(
        base_url=sim.base_url,
        api_key=sim.api_key,
        journal=False,
        cache=False,
        time_scale=0.02,
        **kwargs,
    )


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(dialect="newapi", api_key=API_KEY, **FAST) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[VideoClient]:
    async with make_client(sim) as c:
        yield c


def grid(client: VideoClient, tmp_path: Path, **kwargs: Any) -> Comparison:
    kwargs.setdefault("prompts", ["a red fox in snow", "a grey wolf in snow"])
    kwargs.setdefault("seeds", [1, 2, 3])
    kwargs.setdefault("model", "viduq1")
    return Comparison(client=client, store=tmp_path / "runs", **kwargs)


async def until(predicate: Any, timeout: float = 20.0) -> None:
    """Yield to the loop until ``predicate()`` holds (the grid works in background tasks)."""
    deadline = time.monotonic() + timeout
    # polling another component's state: it has no event to wait on
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def posts(sim: Simulator) -> int:
    return sum(1 for r in sim.requests if r.method == "POST")


# -- the grid ------------------------------------------------------------------------------


async def test_prompts_by_seeds_make_rows_by_columns_captioned_with_what_differs(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, autorun=False)
    assert cmp.shape == (2, 3)
    assert cmp.row_labels == ["a red fox in snow", "a grey wolf in snow"]
    assert cmp.column_labels == ["seed=1", "seed=2", "seed=3"]
    assert [(c.row, c.column) for c in cmp.cells] == [(r, c) for r in range(2) for c in range(3)]
    assert cmp[1, 2].caption == "a grey wolf in snow · seed=3"
    # the model is the same everywhere: no caption mentions it
    assert all("viduq1" not in c.caption for c in cmp.cells)
    assert [s["status"] for s in cmp.cells_state] == ["new"] * 6


async def test_the_front_end_receives_the_running_and_final_sets_of_job_status(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, autorun=False)
    sent_state = json.loads(json.dumps(cmp.get_state()))  # what the comm carries
    assert set(sent_state["vocabulary"]["running"]) == set(JobStatus.RUNNING)
    assert set(sent_state["vocabulary"]["final"]) == set(JobStatus.FINAL)


async def test_each_cell_sends_exactly_the_keys_of_cell_front_state(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path)
    await cmp
    keys = set(CellFrontState.__required_keys__)
    assert all(set(state) == keys for state in cmp.cells_state)
    assert {JobStatus(s["status"]) for s in cmp.cells_state} == {JobStatus.SUCCEEDED}


async def test_a_list_of_requests_is_captioned_by_the_one_field_that_differs(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = Comparison(
        requests=[
            {"model": "kling-v1", "prompt": "a fox", "duration": 5},
            {"model": "viduq1", "prompt": "a fox", "duration": 5},
        ],
        client=client,
        store=tmp_path,
        autorun=False,
    )
    assert cmp.shape == (1, 2)
    assert [c.caption for c in cmp.cells] == ["model=kling-v1", "model=viduq1"]


async def test_the_experiment_name_is_stable_for_the_same_cells(
    client: VideoClient, tmp_path: Path
) -> None:
    first = grid(client, tmp_path, autorun=False)
    again = grid(client, tmp_path, autorun=False)
    other = grid(client, tmp_path, autorun=False, seeds=[7])
    assert first.experiment.name == again.experiment.name
    assert other.experiment.name != first.experiment.name
    assert grid(client, tmp_path, autorun=False, experiment="foxes").experiment.path.name == "foxes"


# -- running -------------------------------------------------------------------------------


async def test_all_cells_run_concurrently_within_the_clients_bound_and_the_kernel_stays_free(
    sim: Simulator, tmp_path: Path
) -> None:
    async with make_client(sim, max_concurrency=2) as bounded:
        cmp = grid(bounded, tmp_path)
        peak = ticks = 0
        etas: list[float] = []
        while not all(c.status == "succeeded" for c in cmp.cells):
            active = sum(c.status in JobStatus.RUNNING - {"waiting"} for c in cmp.cells)
            peak = max(peak, active)
            if cmp.summary.get("eta"):
                etas.append(cmp.summary["eta"])
            ticks += 1  # this coroutine keeps running: the grid works in background tasks
            await asyncio.sleep(0.005)
        await cmp
    assert peak == 2
    assert ticks > 10
    assert etas, "the overall bar never showed an ETA"
    assert sim.create_count == 6
    assert cmp.summary["done"] == 6
    assert cmp.summary["running"] == 0
    assert cmp.summary["elapsed"] > 0
    assert {s["source"] != "" for s in cmp.cells_state} == {True}


async def test_progress_reaches_the_front_end_coalesced(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path)
    await cmp
    state_messages = [m for m, _ in cmp.comm.messages if m.get("method") == "update"]
    # six cells each move through several states and progress values; far fewer messages go out
    assert 1 < len(state_messages) < 40
    assert cmp.summary == {**cmp.summary, "total": 6, "done": 6, "failed": 0, "eta": None}


async def test_each_cells_video_bytes_come_over_custom_messages_on_request(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, seeds=[1])
    await cmp
    cell = cmp.cells[0]
    assert cell.path is not None
    state = cmp.cells_state[0]
    from_browser_custom(
        cmp, {"type": "get", "key": cell.key, "source": state["source"], "rid": "r1"}
    )
    chunks = [b[0] for c, b in customs(cmp) if c.get("rid") == "r1" and c["type"] == "chunk"]
    assert b"".join(chunks) == cell.path.read_bytes()
    # a view that asks for an outdated file gets an error, not stale bytes
    from_browser_custom(cmp, {"type": "get", "key": cell.key, "source": "old", "rid": "r2"})
    assert [c["type"] for c, _ in customs(cmp) if c.get("rid") == "r2"] == ["error"]


async def test_a_failure_shows_the_servers_message_in_the_cell(tmp_path: Path) -> None:
    async with (
        Simulator(dialect="newapi", api_key=API_KEY, failure_rate=1.0, **FAST) as failing,
        make_client(failing) as client,
    ):
        cmp = grid(client, tmp_path, prompts=["a red fox"], seeds=[1])
        await cmp
    [state] = cmp.cells_state
    rec = cmp.cells[0].record
    assert state["status"] == "failed"
    assert rec is not None
    assert rec.error is not None
    assert state["message"]
    assert rec.error["message"] in state["message"]
    assert cmp.summary["failed"] == 1


async def test_adding_a_seed_runs_only_the_new_cells(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path)
    await cmp
    assert sim.create_count == 6
    new = cmp.add_seed(4)
    await cmp
    assert len(new) == 2
    assert sim.create_count == 8
    assert cmp.shape == (2, 4)
    assert cmp.column_labels[-1] == "seed=4"
    assert all(c.status == "succeeded" for c in cmp.cells)


async def test_adding_a_prompt_adds_a_row(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, seeds=[1, 2])
    await cmp
    cmp.add(prompt="a white hare in snow")
    await cmp
    assert cmp.shape == (3, 2)
    assert sim.create_count == 6


# -- cancel and retry ----------------------------------------------------------------------


async def test_cancel_and_retry_one_cell_from_its_buttons(tmp_path: Path) -> None:
    async with (
        Simulator(dialect="newapi", api_key=API_KEY, **SLOW) as sim,
        make_client(sim) as client,
    ):
        cmp = grid(client, tmp_path, seeds=[1])
        first, second = cmp.cells
        await until(lambda: first.run is not None and first.run.job is not None)
        assert first.run is not None
        assert first.run.job is not None
        task_id = first.run.job.id
        from_browser_custom(cmp, {"type": "cancel", "key": first.key})
        await cmp
        assert first.status == "cancelled"
        assert second.status == "succeeded"
        assert cmp.cells_state[0]["status"] == "cancelled"
        assert cmp.summary["cancelled"] == 1

        # the 88API format cannot cancel on the server: Retry fetches that paid task by id
        from_browser_custom(cmp, {"type": "retry", "key": first.key})
        await until(lambda: first.status != "cancelled")
        await cmp
        assert first.status == "succeeded"
        assert first.record is not None
        assert first.record.job_id == task_id
        assert sim.create_count == 2  # nothing paid twice
        assert cmp.cells_state[0]["source"]

        # Retry on a finished cell is one new generation
        from_browser_custom(cmp, {"type": "retry", "key": first.key})
        await until(lambda: first.status != "succeeded")
        await cmp
        assert first.status == "succeeded"
        assert sim.create_count == 3


async def test_cancelling_the_whole_grid_leaves_no_running_task_and_sends_delete(
    tmp_path: Path,
) -> None:
    # the OpenAI format has DELETE /v1/videos/{id}; the 88API format has no cancel route
    async with (
        Simulator(dialect="openai", api_key=API_KEY, **SLOW) as sim,
        make_client(sim, api_format="openai") as client,
    ):
        cmp = grid(client, tmp_path, model="sora-2", seeds=None, prompts=["a fox", "a wolf"])
        await until(lambda: all(c.run is not None and c.run.job is not None for c in cmp.cells))
        ids = {c.run.job.id for c in cmp.cells if c.run and c.run.job}
        from_browser_custom(cmp, {"type": "cancel_all"})
        await asyncio.wait_for(cmp.wait(), 30)
        leftovers = [t for t in asyncio.all_tasks() if t.get_name().startswith("vidwidgets cell")]
        deletes = {r.task_id for r in sim.requests if r.method == "DELETE"}
    assert not [t for t in leftovers if not t.done()]
    assert [c.status for c in cmp.cells] == ["cancelled", "cancelled"]
    assert cmp.summary["running"] == 0
    assert cmp.summary["cancelled"] == 2
    assert deletes == ids
    for cell in cmp.cells:
        assert cell.record is not None
        assert cell.record.status == "cancelled"


# -- persistence ---------------------------------------------------------------------------


async def test_recreating_the_comparison_loads_from_disk_and_resumes_pending_ids(
    tmp_path: Path,
) -> None:
    async with Simulator(dialect="newapi", api_key=API_KEY, **SLOW) as sim:
        async with make_client(sim) as first_kernel:
            cmp = grid(first_kernel, tmp_path, seeds=[1, 2])
            await until(lambda: all(c.run is not None and c.run.job is not None for c in cmp.cells))
            await cmp.stop()  # the kernel dies while the tasks still generate
        assert [c.status for c in cmp.cells] == ["pending"] * 4
        assert sim.create_count == 4

        async with make_client(sim) as second_kernel:
            again = grid(second_kernel, tmp_path, seeds=[1, 2])
            await again
        assert sim.create_count == 4  # resumed by id, nothing created twice
        assert {c.source for c in again.cells} == {"resumed"}
        assert all(c.status == "succeeded" for c in again.cells)

        before = len(sim.requests)
        async with make_client(sim) as third_kernel:
            third = grid(third_kernel, tmp_path, seeds=[1, 2])
            await third
        assert len(sim.requests) == before  # no API call at all
        assert {c.source for c in third.cells} == {"disk"}
        assert [s["status"] for s in third.cells_state] == ["succeeded"] * 4


async def test_a_failed_cell_is_not_paid_for_again_when_the_notebook_reruns(
    tmp_path: Path,
) -> None:
    async with Simulator(dialect="newapi", api_key=API_KEY, failure_rate=1.0, **FAST) as sim:
        async with make_client(sim) as client:
            await grid(client, tmp_path, prompts=["a fox"], seeds=[1])
            rerun = grid(client, tmp_path, prompts=["a fox"], seeds=[1])
            await rerun
        assert sim.create_count == 1
        assert rerun.cells[0].status == "failed"
        assert rerun.cells_state[0]["message"]


# -- pick and annotate ---------------------------------------------------------------------


async def test_stars_and_notes_from_the_browser_reach_results_and_the_manifest(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, seeds=[1])
    await cmp
    fox, wolf = cmp.cells
    from_browser_custom(cmp, {"type": "rate", "key": fox.key, "stars": 4})
    from_browser_custom(cmp, {"type": "note", "key": wolf.key, "text": "best fur"})
    await asyncio.sleep(0)
    cmp.cells[1].rating = 2

    results = cmp.results
    assert [(r["caption"], r["rating"], r["note"]) for r in results] == [
        ("a red fox in snow", 4, ""),
        ("a grey wolf in snow", 2, "best fur"),
    ]
    assert {"prompt", "seed", "status", "generation_seconds", "file", "row", "column"} <= set(
        results[0]
    )
    manifest = json.loads((cmp.experiment.path / "manifest.json").read_text())
    stored = {r["key"]: (r["rating"], r["note"]) for r in manifest["runs"]}
    assert stored == {fox.key: (4, ""), wolf.key: (2, "best fur")}
    assert [s["rating"] for s in cmp.cells_state] == [4, 2]
    frame = cmp.to_dataframe()
    assert list(frame["rating"]) == [4, 2]
    assert str(frame["completed_at"].dtype).startswith("datetime64")


async def test_an_invalid_rating_is_refused_with_a_message(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, seeds=[1], autorun=False)
    from_browser_custom(cmp, {"type": "rate", "key": cmp.cells[0].key, "stars": 9})
    assert cmp.cells[0].rating == 0
    assert "rating" in cmp.message


# -- safety --------------------------------------------------------------------------------


def test_the_front_end_never_parses_text_as_html() -> None:
    source = JS.read_text()
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("//"))
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", code)
    assert "textContent" in code


async def test_html_in_prompts_and_notes_is_escaped_in_the_export(
    client: VideoClient, tmp_path: Path
) -> None:
    evil = "<img src=x onerror=alert(1)>"
    cmp = grid(client, tmp_path, prompts=[f"a fox {evil}", "a wolf"], seeds=[1])
    await cmp
    cmp.cells[0].note = "<script>alert(2)</script>"
    # the front end gets plain text (shown with textContent), not pre-escaped entities
    assert cmp.cells_state[0]["caption"] == f"a fox {evil}"
    html = cmp.export_html(tmp_path / "report.html").read_text()
    assert evil not in html
    assert "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


async def test_saved_widget_state_holds_no_key_and_no_video_bytes(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path)
    await cmp
    for state in cmp.cells_state:  # every view asked for its video
        from_browser_custom(
            cmp, {"type": "get", "key": state["key"], "source": state["source"], "rid": "x"}
        )
    text = json.dumps(embed_data(views=[cmp], state=dependency_state([cmp]))["manager_state"])
    assert cmp.cells_state[0]["source"] in text  # the state was really collected
    assert API_KEY not in text
    assert "ftyp" not in text
    assert "data:video" not in text
    path = cmp.cells[0].path
    assert path is not None
    assert base64.b64encode(path.read_bytes()[:48]).decode()[:40] not in text
    # the front end's code (about 40 kB) plus a few hundred bytes per cell
    assert len(text) < 80_000


# -- playback and A/B from Python ----------------------------------------------------------


async def test_playback_commands_are_single_messages_the_browser_applies(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, autorun=False)
    cmp.play()
    cmp.seek(1.25)
    cmp.step(-1)
    cmp.pause()
    assert [c for c, _ in customs(cmp)] == [
        {"type": "play"},
        {"type": "seek", "t": 1.25},
        {"type": "step", "n": -1},
        {"type": "pause"},
    ]


async def test_ab_mode_picks_two_cells(client: VideoClient, tmp_path: Path) -> None:
    cmp = grid(client, tmp_path, autorun=False)
    cmp.ab(0, (1, 2))
    assert cmp.ab_enabled
    assert cmp.ab_keys == [cmp.cells[0].key, cmp[1, 2].key]


async def test_a_cell_can_be_rated_before_it_ever_ran(client: VideoClient, tmp_path: Path) -> None:
    cmp = grid(client, tmp_path, seeds=[1], autorun=False)
    cmp.annotate(1, "try this one first")
    assert cmp.cells[1].note == "try this one first"
    assert cmp.cells_state[1]["note"] == "try this one first"
    assert cmp.cells[1].status == "new"


async def test_interrupting_the_wait_cancels_every_cell_and_retry_fetches_the_paid_task(
    tmp_path: Path,
) -> None:
    async with (
        Simulator(dialect="newapi", api_key=API_KEY, **SLOW) as sim,
        make_client(sim) as client,
    ):
        cmp = grid(client, tmp_path, seeds=[1])
        await until(lambda: all(c.run is not None and c.run.job is not None for c in cmp.cells))
        waiting = asyncio.ensure_future(cmp.wait())
        await asyncio.sleep(0.05)
        waiting.cancel()  # what a kernel interrupt does to `await cmp`
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await until(lambda: all(c.status == "cancelled" for c in cmp.cells))
        await asyncio.sleep(0)  # final updates are coalesced into one message on the next loop turn
        cells_running = [
            t for t in asyncio.all_tasks() if t.get_name().startswith("vidwidgets cell")
        ]
        assert not [t for t in cells_running if not t.done()]
        assert cmp.summary["cancelled"] == 2
        # the 88API format has no cancel: the cell says the paid task may still arrive
        assert "Retry fetches it by id" in cmp.cells_state[0]["message"]

        # Retry (the button, then from Python) polls the same ids: nothing is paid twice
        from_browser_custom(cmp, {"type": "retry", "key": cmp.cells[0].key})
        cmp.cells[1].retry()
        await until(lambda: all(c.status == "succeeded" for c in cmp.cells), timeout=30)
        assert sim.create_count == 2


async def test_the_export_buttons_write_the_report_and_the_grid_video(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, seeds=[1], experiment="export me", export_dir=tmp_path)
    await cmp
    from_browser_custom(cmp, {"type": "export", "what": "html"})
    await until(lambda: cmp.message.startswith(("saved", "export failed")))
    stem = cmp.experiment.path.name  # "export me", made safe for a file name
    assert cmp.message == f"saved {tmp_path / stem}.html"
    from_browser_custom(cmp, {"type": "export", "what": "video"})
    await until(lambda: cmp.message.startswith(("saved", "export failed")) and "mp4" in cmp.message)
    video = tmp_path / f"{stem}-grid.mp4"
    assert cmp.message == f"saved {video}"
    assert video.stat().st_size > 1000


# -- seeds, honestly, and takes -----------------------------------------------------------


async def test_a_seed_axis_on_a_model_that_ignores_seeds_is_refused_before_anything_is_sent(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError) as caught:
        grid(client, tmp_path, model="kling-v1", seeds=[1, 2, 3])
    assert caught.value.model == "kling-v1"
    assert "samples=n" in (caught.value.hint or "")
    assert sim.requests == []
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


async def test_a_seed_axis_over_a_mix_of_models_names_the_ones_that_ignore_seeds(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError) as caught:
        grid(client, tmp_path, model=None, models=["kling-v1", "viduq1"], seeds=[1, 2])
    assert caught.value.model == "kling-v1"
    assert "viduq1" not in str(caught.value)
    assert sim.requests == []


async def test_one_grid_wide_seed_goes_only_to_the_models_that_honour_it(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(
        client, tmp_path, prompts="a red fox", model=None, models=["kling-v1", "viduq1"], seeds=7
    )
    kling, vidu = cmp.cells
    assert kling.request.seed is None
    assert vidu.request.seed == 7
    # a caption never claims a seed that was not sent
    assert kling.caption == "model=kling-v1"
    assert vidu.caption == "model=viduq1 · seed=7"
    await cmp
    assert [c.status for c in cmp.cells] == ["succeeded"] * 2
    assert "seed" not in cmp.experiment.get(kling.key).request


async def test_adding_a_seedless_model_to_a_seed_axis_is_refused_and_the_grid_unchanged(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, autorun=False)
    before = cmp.cell_keys
    with pytest.raises(ValidationError, match="kling-v1"):
        cmp.add_model("kling-v1", run=False)
    assert cmp.cell_keys == before
    cmp.add_seed(4, run=False)  # the grid still takes what it can honour
    assert len(cmp) == 8


async def test_samples_make_take_columns_each_its_own_create(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, model="kling-v1", seeds=None, samples=3)
    assert cmp.shape == (2, 3)
    assert cmp.column_labels == ["take 1", "take 2", "take 3"]
    assert cmp[1, 2].caption == "a grey wolf in snow · take 3"
    assert len(set(cmp.cell_keys)) == 6
    await cmp
    assert sim.create_count == 6
    assert len({c.record.job_id for c in cmp.cells}) == 6
    assert all(c.request.seed is None for c in cmp.cells)


async def test_running_the_same_takes_again_creates_nothing(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    await grid(client, tmp_path, prompts="a red fox", model="kling-v1", seeds=None, samples=2)
    again = grid(client, tmp_path, prompts="a red fox", model="kling-v1", seeds=None, samples=2)
    await again
    assert sim.create_count == 2
    assert {c.source for c in again.cells} == {"disk"}


async def test_add_samples_keeps_the_cell_that_ran_as_take_1_and_runs_only_new_takes(
    client: VideoClient, sim: Simulator, tmp_path: Path
) -> None:
    cmp = grid(client, tmp_path, prompts="a red fox", model="kling-v1", seeds=None)
    await cmp
    first = cmp.cells[0].key
    new = cmp.add_samples(2)
    await cmp
    assert sim.create_count == 3
    assert cmp.cell_keys[0] == first
    assert [c.caption for c in cmp.cells] == ["take 1", "take 2", "take 3"]
    assert [c.caption for c in new] == ["take 2", "take 3"]
    assert [r.take for r in cmp.experiment.records] == [1, 2, 3]  # the exports caption them


async def test_samples_of_a_list_of_requests_make_takes_of_each(
    client: VideoClient, tmp_path: Path
) -> None:
    cmp = Comparison(
        requests=[{"model": "kling-v1", "prompt": "a fox"}, {"model": "viduq1", "prompt": "a fox"}],
        samples=2,
        client=client,
        store=tmp_path / "runs",
        autorun=False,
    )
    assert [c.caption for c in cmp.cells] == [
        "model=kling-v1 · take 1",
        "model=kling-v1 · take 2",
        "model=viduq1 · take 1",
        "model=viduq1 · take 2",
    ]
