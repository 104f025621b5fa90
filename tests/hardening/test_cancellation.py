"""Cancellation: cancelling a job or a whole comparison, or interrupting the kernel, leaves no
running task, no connection in use, a clear state, and a DELETE where the API has one.

Two different user intents, two documented outcomes:

- **cancel** (``client.cancel(job)``, a cell's or the grid's Cancel): the job is ``cancelled``
  locally at once and, in the OpenAI format, ``DELETE /v1/videos/{id}`` is sent (the 88API
  format has no cancel route);
- **interrupt** (Ctrl-C, the kernel's interrupt) while awaiting a comparison: the same as its
  Cancel — every unfinished cell ``cancelled``, DELETE in the OpenAI format; in the 88API format
  (no cancel route) the paid task keeps its id and Retry fetches it instead of paying again;
- **interrupt** during ``generate_sync`` and **stop** (``cmp.stop()``, cancelling the awaiting
  task of ``client.wait``): polling stops at once and nothing keeps running, and the task stays
  ``pending`` in the client's journal or the manifest, so the next run resumes it by id.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.conftest import SimFactory, other_tasks
from vidwidgets.client import JobCancelled, JobStatus, VideoClient, VideoRequest
from vidwidgets.simulator import Fault, Faults, Simulator, Timing

#: every job takes ~30 s at speed 100: long enough to cancel it mid-way
SLOW = Timing(submit=0.2, queue=0, generate=3000, jitter=0)
SORA = VideoRequest(model="sora-2", prompt="a red fox in snow")
KLING = VideoRequest(model="kling-v1", prompt="a red fox in snow")


def established_to(port: int) -> int:
    """TCP connections on this machine whose remote end is ``port`` (client sides), in use or
    idle in a pool: read from /proc/net/tcp{,6}, so nothing in the code under test is trusted."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote, state = fields[2], fields[3]
            if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


def port_of(sim: Simulator) -> int:
    return int(sim.base_url.rsplit(":", 1)[1])


def requests_for(sim: Simulator, task_id: str, since: float = 0.0) -> list[str]:
    return [
        f"{r.method} {r.path}" for r in sim.requests if r.task_id == task_id and r.wall >= since
    ]


async def quiet_for(sim: Simulator, seconds: float) -> list[str]:
    """Requests the simulator receives during the next ``seconds`` (should be none)."""
    start = len(sim.requests)
    await asyncio.sleep(seconds)
    return [f"{r.method} {r.path}" for r in sim.requests[start:]]


async def test_cancelling_a_job_ends_its_wait_at_once_and_deletes_it_on_the_server(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("openai", speed=100, timing=SLOW)
    client = make_client(sim)
    job = await client.create(SORA)
    waiting = asyncio.ensure_future(client.wait(job))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await client.cancel(job)
    with pytest.raises(JobCancelled) as info:
        await asyncio.wait_for(waiting, 2)
    assert time.monotonic() - started < 1.0
    assert job.status is JobStatus.CANCELLED
    assert job.error is not None
    assert job.error.code == "cancelled"
    assert "cancelled" in str(info.value)
    assert f"DELETE /v1/videos/{job.id}" in requests_for(sim, job.id)
    assert sim.tasks[job.id].deleted
    assert await quiet_for(sim, 0.5) == []
    assert await other_tasks() == set()
    await client.aclose()
    assert established_to(port_of(sim)) == 0


async def test_cancelling_a_job_in_the_88api_format_stops_locally_without_a_delete(
    make_sim: SimFactory, make_client: Callable[..., VideoClient]
) -> None:
    sim = await make_sim("newapi", speed=100, timing=SLOW)
    client = make_client(sim)
    job = await client.create(KLING)
    waiting = asyncio.ensure_future(client.wait(job))
    await asyncio.sleep(0.3)
    await client.cancel(job)
    with pytest.raises(JobCancelled):
        await asyncio.wait_for(waiting, 2)
    assert job.status is JobStatus.CANCELLED
    assert not [r for r in sim.requests if r.method == "DELETE"]  # no such route in 88API
    assert await quiet_for(sim, 0.5) == []
    assert await other_tasks() == set()
    await client.aclose()
    assert established_to(port_of(sim)) == 0


async def test_cancelling_the_awaiting_task_stops_polling_and_leaves_the_job_resumable(
    make_sim: SimFactory, make_client: Callable[..., VideoClient], tmp_path: Path
) -> None:
    sim = await make_sim("newapi", speed=100, timing=SLOW)
    client = make_client(sim, journal=tmp_path / "journal.jsonl")
    generating = asyncio.ensure_future(client.generate(KLING))
    await asyncio.sleep(0.5)
    generating.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(generating, 2)
    assert await quiet_for(sim, 0.5) == []
    assert await other_tasks() == set()
    pending = client.resume()  # the paid task is kept: the next run can resume it by id
    assert [job.id for job in pending] == list(sim.tasks)
    await client.aclose()
    assert established_to(port_of(sim)) == 0


async def test_cancelling_during_a_download_leaves_no_partial_file(
    make_sim: SimFactory,
    make_client: Callable[..., VideoClient],
    tmp_path: Path,
    leftover_files: Callable[[Path], list[Path]],
) -> None:
    sim = await make_sim("newapi", faults=Faults(Fault.truncated("/cdn/*", keep=0.3, rate=1.0)))
    # the CDN sends a third of the file, then stalls the connection: cancel in the middle of it
    sim.faults.add(Fault.slow(5.0, "*/content", rate=1.0))
    client = make_client(sim, output_dir=tmp_path / "out")
    generating = asyncio.ensure_future(client.generate(KLING))
    await sim.wait_finished(1, timeout=20)
    deadline = time.monotonic() + 20
    while not any(r.path.endswith("/content") for r in sim.requests):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    generating.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(generating, 2)
    assert leftover_files(tmp_path / "out") == []
    assert list((tmp_path / "out").glob("*")) == []
    assert await other_tasks() == set()
    await client.aclose()


async def test_cancelling_a_whole_comparison_cancels_every_cell_and_deletes_every_task(
    make_sim: SimFactory, make_client: Callable[..., VideoClient], tmp_path: Path
) -> None:
    from vidwidgets import Comparison

    sim = await make_sim("openai", speed=100, timing=SLOW)
    client = make_client(sim)
    cmp = Comparison(
        prompts=["a fox", "a wolf"],
        models=["sora-2", "sora-2-pro"],
        client=client,
        store=tmp_path / "runs",
        experiment="cancel-all",
        confirm=True,  # the openai simulator publishes no prices: consent to whatever it costs
    )
    await _until(lambda: sim.create_count == 4, 20)
    cmp.cancel()
    await asyncio.wait_for(cmp.wait(), 10)
    assert [c.status for c in cmp.cells] == ["cancelled"] * 4
    deleted = {r.task_id for r in sim.requests if r.method == "DELETE"}
    assert deleted == set(sim.tasks)
    assert all(task.deleted for task in sim.tasks.values())
    records = {r.job_id: r.status for r in cmp.experiment.records}
    assert records == dict.fromkeys(sim.tasks, "cancelled")
    assert await quiet_for(sim, 0.5) == []
    assert await other_tasks() == set()
    await client.aclose()
    assert established_to(port_of(sim)) == 0


async def test_cancelling_a_cell_while_its_create_is_in_flight_keeps_and_deletes_the_task(
    make_sim: SimFactory, make_client: Callable[..., VideoClient], tmp_path: Path
) -> None:
    """The create was sent and will be billed: its id must not be lost, and it is cancelled."""
    from vidwidgets.experiments import ExperimentRunner, ExperimentStore

    sim = await make_sim(
        "openai", speed=100, timing=SLOW, faults=Faults(Fault.slow(1.0, "POST /v1/videos", rate=1))
    )
    client = make_client(sim)
    runner = ExperimentRunner(client, ExperimentStore(tmp_path / "runs").experiment("x"))
    [run] = runner.submit([SORA])
    await asyncio.sleep(0.3)  # the POST is on its way
    run.cancel()
    await asyncio.wait_for(run.wait(), 10)
    assert run.status == "cancelled"
    assert sim.create_count == 1
    [task_id] = sim.tasks
    assert run.record is not None
    assert run.record.job_id == task_id
    assert sim.tasks[task_id].deleted
    assert await other_tasks() == set()
    await client.aclose()


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met"
        await asyncio.sleep(0.05)


# -- a real kernel, interrupted ----------------------------------------------------------------

KERNEL_TASKS = (
    "import asyncio\n"
    "def mine():\n"
    "    from vidwidgets._runtime import background_loop\n"
    "    loops = [asyncio.get_running_loop(), background_loop()]\n"
    "    found = []\n"
    "    for loop in loops:\n"
    "        for t in asyncio.all_tasks(loop):\n"
    "            code = getattr(t.get_coro(), 'cr_code', None)\n"
    "            where = code.co_filename if code else ''\n"
    "            if not t.done() and ('vidwidgets' in where or 'aiohttp' in where):\n"
    "                found.append(t.get_coro().__qualname__)\n"
    "    return found\n"
)


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from jupyter_client.manager import start_new_kernel

    sim = Simulator(dialect="openai", speed=100, video_scale=0.1, fps=8, timing=SLOW).start()
    monkeypatch.setenv("VIDWIDGETS_API_KEY", sim.api_key)
    monkeypatch.setenv("VIDWIDGETS_BASE_URL", sim.base_url)
    monkeypatch.setenv("VIDWIDGETS_API_FORMAT", "openai")
    monkeypatch.setenv("VIDWIDGETS_JOURNAL_DIR", str(tmp_path / "journal"))
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        run(kc, KERNEL_TASKS)
        yield sim, km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        sim.stop()


def run(kc: Any, code: str, timeout: float = 60) -> str:
    """Execute ``code``; return its stdout (raises on an error)."""
    out: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])

    reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(out)


def interrupt_while(kc: Any, km: Any, code: str, ready: Callable[[], bool]) -> dict[str, Any]:
    """Start ``code``, interrupt the kernel once ``ready()``, return the execute reply."""
    msg_id = kc.execute(code)
    deadline = time.monotonic() + 30
    while not ready():
        assert time.monotonic() < deadline, "the work did not start"
        time.sleep(0.05)
    time.sleep(0.3)
    km.interrupt_kernel()
    while True:
        reply: dict[str, Any] = kc.get_shell_msg(timeout=20)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def quiet(sim: Simulator, seconds: float) -> list[str]:
    start = len(sim.requests)
    time.sleep(seconds)
    return [f"{r.method} {r.path}" for r in sim.requests[start:]]


@pytest.mark.slow
@pytest.mark.notebook
def test_interrupting_the_kernel_during_generate_sync_stops_everything_and_keeps_the_job(
    kernel: Any,
) -> None:
    sim, km, kc = kernel
    run(kc, "import vidwidgets as vw\nclient = vw.VideoClient()")
    reply = interrupt_while(
        kc,
        km,
        "job = client.generate_sync(vw.VideoRequest(model='sora-2', prompt='a fox'))",
        lambda: sim.create_count == 1,
    )
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert quiet(sim, 1.0) == []  # polling stopped at once
    assert run(kc, "print(mine())").strip() == "[]"
    assert established_to(port_of(sim)) == 0  # the sync call's session is closed
    [task_id] = sim.tasks
    assert task_id in run(kc, "print([j.id for j in client.resume()])")  # resumable


@pytest.mark.slow
@pytest.mark.notebook
def test_interrupting_the_kernel_while_awaiting_a_comparison_stops_it_cleanly(
    kernel: Any, tmp_path: Path
) -> None:
    sim, km, kc = kernel
    run(
        kc,
        "import vidwidgets as vw\n"
        "cmp = vw.Comparison(prompts=['a fox', 'a wolf'], models=['sora-2'],"
        f" store={str(tmp_path / 'runs')!r}, experiment='interrupt', confirm=True)",
    )
    reply = interrupt_while(kc, km, "await cmp.wait()", lambda: sim.create_count == 2)
    assert reply["content"]["status"] == "error"
    # the interrupt cancels the grid: every cell cancelled, each task deleted on the server
    run(kc, "await cmp.wait()")
    assert run(kc, "print([c.status for c in cmp.cells])").strip() == "['cancelled', 'cancelled']"
    assert {r.task_id for r in sim.requests if r.method == "DELETE"} == set(sim.tasks)
    assert quiet(sim, 1.0) == []
    assert run(kc, "print(mine())").strip() == "[]"
    run(kc, "await cmp.client.aclose()")
    assert established_to(port_of(sim)) == 0


async def test_cancelling_cells_stopped_earlier_still_cancels_their_server_tasks(
    make_sim: SimFactory, make_client: Callable[..., VideoClient], tmp_path: Path
) -> None:
    """After a stop (or an interrupt) the cells are pending; Cancel must still reach the tasks."""
    from vidwidgets.experiments import ExperimentRunner, ExperimentStore

    sim = await make_sim("openai", speed=100, timing=SLOW)
    client = make_client(sim)
    runner = ExperimentRunner(client, ExperimentStore(tmp_path / "runs").experiment("x"))
    runs = runner.submit([SORA, SORA.replace(prompt="a wolf")])
    await _until(lambda: sim.create_count == 2, 20)
    await runner.stop()
    assert [r.status for r in runs] == ["pending", "pending"]
    runner.cancel()
    await asyncio.wait_for(runner.wait(), 10)
    assert [r.status for r in runs] == ["cancelled", "cancelled"]
    assert all(task.deleted for task in sim.tasks.values())
    assert [r.status for r in runner.experiment.records] == ["cancelled", "cancelled"]
    assert await other_tasks() == set()
    await client.aclose()
