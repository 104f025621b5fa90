"""Crash-resume: kill the CLI (SIGKILL) or the kernel in the middle of a comparison, run it
again: pending tasks resume by id, finished ones load from disk, and the simulator saw exactly
one create per cell.

The simulator runs in this process (a thread) so its request log survives the crash of the
process under test; the CLI and the kernel reach it over loopback with a real key, as they would
a real gateway. ``viduq1`` finishes in under a second and ``kling-v1`` takes about ten, so the
kill lands with some cells done and the others still generating.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.hardening.conftest import report
from vidwidgets.experiments import Experiment, ExperimentStore, RunRecord
from vidwidgets.simulator import Simulator, Timing

pytestmark = pytest.mark.slow

FAST_MODEL, SLOW_MODEL = "viduq1", "vidu2.0"  # both honour the seed the grid sends
PROMPTS = ("a red fox in snow", "a paper boat in the rain")
CELLS = len(PROMPTS) * 2  # x two models, one seed
#: the simulator runs 100x fast; the client's priors (a Vidu job takes 15 s at least) shrink
#: 20x, so it reads the fast cells while the slow ones (1000 model s) are still running, and its
#: default deadline (600 s) still covers them
TIME_SCALE = "0.05"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(
        dialect="newapi",
        speed=100,
        video_scale=0.1,
        fps=8,
        refresh_period=10,
        timing={
            FAST_MODEL: Timing(submit=0.2, queue=0, generate=40, jitter=0),  # ~0.5 s
            SLOW_MODEL: Timing(submit=0.2, queue=0, generate=1000, jitter=0),  # ~10 s
        },
    ).start()
    yield simulator
    simulator.stop()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def records(runs: Path, name: str) -> list[RunRecord]:
    exp = ExperimentStore(runs).find(name)
    if exp is None:
        return []
    exp.reload()
    return exp.records


def half_done(runs: Path, name: str) -> bool:
    """Every cell has a task id, the fast ones are on disk, the slow ones still pending."""
    recs = records(runs, name)
    if len(recs) != CELLS or not all(r.job_id for r in recs):
        return False
    fast = [r for r in recs if r.request["model"] == FAST_MODEL]
    slow = [r for r in recs if r.request["model"] == SLOW_MODEL]
    return all(r.is_finished for r in fast) and all(r.is_pending for r in slow)


def requests_after(sim: Simulator, since: float) -> list[tuple[str, str, str | None]]:
    return [(r.method, r.path, r.task_id) for r in sim.requests if r.wall >= since]


def check_resumed(sim: Simulator, exp: Experiment, before: dict[str, str], restart: float) -> None:
    exp.reload()
    after = {r.key: r.job_id for r in exp.records}
    assert after == before  # every cell kept the task it had: nothing created again
    assert all(r.is_finished and exp.video_path(r) for r in exp.records)
    assert sim.create_count == CELLS  # exactly one create per cell, crash included
    creates = [r for r in sim.requests if r.method == "POST"]
    assert len(creates) == CELLS
    second_run = requests_after(sim, restart)
    assert not [m for m, _, _ in second_run if m == "POST"]
    fast_ids = {r.job_id for r in exp.records if r.request["model"] == FAST_MODEL}
    slow_ids = {r.job_id for r in exp.records if r.request["model"] == SLOW_MODEL}
    touched = {task for _, _, task in second_run if task}
    assert not touched & fast_ids  # finished cells came from disk: no request at all
    assert slow_ids <= touched  # pending cells were polled by their ids


def test_killing_the_cli_mid_comparison_resumes_by_id_without_a_second_create(
    sim: Simulator, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    env = {
        **os.environ,
        "VIDWIDGETS_API_KEY": sim.api_key,
        "VIDWIDGETS_BASE_URL": sim.base_url,
        "VIDWIDGETS_RUNS_DIR": str(runs),
        "VIDWIDGETS_JOURNAL_DIR": str(tmp_path / "journal"),
        "VIDWIDGETS_TIME_SCALE": TIME_SCALE,
    }
    argv = [sys.executable, "-m", "vidwidgets.cli", "compare", "--experiment", "crash"]
    for prompt in PROMPTS:
        argv += ["--prompt", prompt]
    argv += ["--model", FAST_MODEL, "--model", SLOW_MODEL, "--seed", "7"]
    argv += ["--out", str(tmp_path / "report.html")]

    first = subprocess.Popen(
        argv, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_until(lambda: half_done(runs, "crash"), 60, "fast cells done, slow cells pending")
    finally:
        first.send_signal(signal.SIGKILL)  # no cleanup, no signal handler: a hard crash
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    exp = ExperimentStore(runs).find("crash")
    assert exp is not None
    before = {r.key: r.job_id for r in exp.records}
    assert sim.create_count == CELLS

    restart = time.time()
    second = subprocess.run(
        argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0, second.stderr
    check_resumed(sim, exp, before, restart)
    assert (tmp_path / "report.html").is_file()
    report(
        "crash_resume_cli",
        f"cells={CELLS} creates={sim.create_count} after SIGKILL + rerun",
        cells=CELLS,
        creates=sim.create_count,
    )


KERNEL_CODE = """
import vidwidgets as vw
cmp = vw.Comparison(prompts={prompts!r}, models={models!r}, seeds=[7],
                    store={runs!r}, experiment="kernel-crash", confirm=True)
"""


@pytest.mark.notebook
def test_killing_the_kernel_mid_comparison_resumes_by_id_without_a_second_create(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("VIDWIDGETS_API_KEY", sim.api_key)
    monkeypatch.setenv("VIDWIDGETS_BASE_URL", sim.base_url)
    monkeypatch.setenv("VIDWIDGETS_TIME_SCALE", TIME_SCALE)
    monkeypatch.setenv("VIDWIDGETS_JOURNAL_DIR", str(tmp_path / "journal"))
    runs = tmp_path / "runs"
    code = KERNEL_CODE.format(
        prompts=list(PROMPTS), models=[FAST_MODEL, SLOW_MODEL], runs=str(runs)
    )

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        reply = kc.execute_interactive(code, timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
        # the kernel is idle now; the comparison runs on its loop in the background
        wait_until(lambda: half_done(runs, "kernel-crash"), 60, "fast done, slow pending")
    finally:
        kc.stop_channels()
        km.signal_kernel(signal.SIGKILL)  # the kernel dies mid-comparison, no cleanup
        wait_until(lambda: not km.is_alive(), 10, "the kernel to die")
        km.shutdown_kernel(now=True)  # only releases ports and files now
    exp = ExperimentStore(runs).find("kernel-crash")
    assert exp is not None
    before = {r.key: r.job_id for r in exp.records}
    assert sim.create_count == CELLS

    restart = time.time()
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        reply = kc.execute_interactive(
            code + "await cmp.wait()\nprint(sorted(c.source for c in cmp.cells))", timeout=120
        )
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    check_resumed(sim, exp, before, restart)
    report(
        "crash_resume_kernel",
        f"cells={CELLS} creates={sim.create_count} after kernel kill + rerun",
        cells=CELLS,
        creates=sim.create_count,
    )
