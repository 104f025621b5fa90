"""Benchmark 4 — kernel responsiveness while 200 jobs poll in the background.

A real IPython kernel (jupyter_client, the venv's ipykernel) runs ``1+1`` many times; each
sample is the round trip from ``execute_request`` to ``execute_reply``. First on the idle kernel
(the baseline), then while 200 vidwidgets jobs poll from background asyncio tasks in that same
kernel (started with top-level ``await`` and ``asyncio.ensure_future``, as a notebook would).
Two set-ups:

- **gateway elsewhere**: the simulator in its own process, so the kernel carries only the
  client's load, as with the real 88API gateway;
- **embedded simulator**: the thread-backed simulator inside the kernel (the no-key demo), so the
  kernel also serves every request.

Jobs follow benchmark 1's duration distribution at ``speed`` 4 (clients scaled the same way), so
every job is still running when the measurement ends; the benchmark checks that. Goal: p95 at
most 50 ms above the idle kernel's.
"""

from __future__ import annotations

import queue
import subprocess
import time
from typing import Any

from benchmarks._report import BenchResult, Figure, percentile
from benchmarks._simproc import RemoteSimulator

NAME = "kernel"
GOAL_ADDED_MS = 50.0
JOBS = 200
SPEED = 4.0
TIMING = {"submit": 1.0, "queue": 20.0, "generate": 90.0, "jitter": 0.35, "per_second": False}

START_JOBS = """
import asyncio, time
import tempfile
from vidwidgets.client import VideoClient, VideoRequest
{sim_setup}
_bench_dir = tempfile.mkdtemp(prefix="vw-bench-kernel-")
_bench_client = VideoClient(base_url=_bench_base, api_key=_bench_key, api_format="88api",
                            max_concurrency={jobs}, time_scale={scale}, cache=False,
                            journal=_bench_dir + "/journal.jsonl", output_dir=_bench_dir)
await _bench_client.__aenter__()
_bench_req = VideoRequest(model="viduq1", prompt="a paper boat on a pond", duration=5, seed=1)
_bench_created = []
async def _bench_one():
    job = await _bench_client.create(_bench_req)
    _bench_created.append(time.time())
    await _bench_client.wait(job)
_bench_tasks = [asyncio.ensure_future(_bench_one()) for _ in range({jobs})]
for _ in range(600):  # all creates sent (bounded: 30 s)
    if len(_bench_created) >= {jobs} or all(t.done() for t in _bench_tasks):
        break
    await asyncio.sleep(0.05)
"""

REMOTE_SETUP = "_bench_base, _bench_key = {base!r}, {key!r}"
EMBEDDED_SETUP = """
from vidwidgets.simulator import Simulator, Timing
_bench_sim = Simulator(dialect="newapi", speed={speed}, seed=5, video_scale=0.05, fps=1,
                       timing=Timing(**{timing!r})).start()
_bench_base, _bench_key = _bench_sim.base_url, _bench_sim.api_key
"""

STOP_JOBS = """
for _t in _bench_tasks:
    _t.cancel()
await asyncio.gather(*_bench_tasks, return_exceptions=True)
await _bench_client.__aexit__(None, None, None)
if "_bench_sim" in globals():
    _bench_sim.stop()
import shutil
shutil.rmtree(_bench_dir, ignore_errors=True)
"""


class Kernel:
    """A real kernel with a blocking client; ``run(code)`` waits for the reply."""

    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        # the kernel's start-up warnings (TCP without encryption on loopback) are not ours to print
        self.km, self.kc = start_new_kernel(
            kernel_name="python3", startup_timeout=120, stderr=subprocess.DEVNULL
        )

    def run(self, code: str, timeout: float = 120.0) -> tuple[float, dict[str, Any]]:
        """Execute ``code``; (seconds from request to reply, the reply's content)."""
        t0 = time.perf_counter()
        msg_id = self.kc.execute(code, store_history=False)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no reply to {code[:40]!r} in {timeout}s")
            msg = self.kc.get_shell_msg(timeout=remaining)
            if msg["parent_header"].get("msg_id") == msg_id:
                elapsed = time.perf_counter() - t0
                break
        self._drain()
        content: dict[str, Any] = msg["content"]
        if content.get("status") != "ok":
            raise RuntimeError(f"kernel error: {content.get('ename')}: {content.get('evalue')}")
        return elapsed, content

    def value(self, expr: str) -> str:
        """The repr of ``expr`` evaluated in the kernel."""
        msg_id = self.kc.execute("", user_expressions={"v": expr}, store_history=False)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = self.kc.get_shell_msg(timeout=60)
            if msg["parent_header"].get("msg_id") == msg_id:
                data = msg["content"]["user_expressions"]["v"]
                if data.get("status") != "ok":
                    raise RuntimeError(f"{expr}: {data}")
                return str(data["data"]["text/plain"])
        raise TimeoutError(expr)

    def _drain(self) -> None:
        for _ in range(10_000):
            try:
                self.kc.get_iopub_msg(timeout=0)
            except queue.Empty:
                return

    def samples(self, n: int, gap: float = 0.02) -> list[float]:
        """n round trips of ``1+1`` in milliseconds, ``gap`` seconds apart."""
        out = []
        for _ in range(n):
            out.append(self.run("1+1")[0] * 1000)
            time.sleep(gap)  # let background work run between samples, as a user's pauses do
        return out

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _measure(kernel: Kernel, setup: str, n: int) -> dict[str, Any]:
    code = START_JOBS.format(sim_setup=setup, jobs=JOBS, scale=1.0 / SPEED)
    kernel.run(code)
    t0 = time.time()
    busy = kernel.samples(n)
    window = time.time() - t0
    pending = int(kernel.value("sum(1 for t in _bench_tasks if not t.done())"))
    created = int(kernel.value("len(_bench_created)"))
    kernel.run(STOP_JOBS)
    return {
        "busy_ms": busy,
        "window_s": window,
        "jobs_pending_at_end": pending,
        "jobs_created": created,
    }


def _figure(label: str, idle: list[float], busy: list[float], extra: dict[str, Any]) -> Figure:
    p95_idle, p95_busy = percentile(idle, 95), percentile(busy, 95)
    added = p95_busy - p95_idle
    all_running = extra["jobs_pending_at_end"] == JOBS
    ok = added <= GOAL_ADDED_MS and all_running
    note = ""
    if added > GOAL_ADDED_MS:
        note = f"with {JOBS} jobs polling, p95 of 1+1 is {p95_busy:.0f} ms against {p95_idle:.0f} ms idle"
    elif not all_running:
        note = f"only {extra['jobs_pending_at_end']} of {JOBS} jobs were still polling at the end"
    return Figure(
        NAME,
        f"p95 of 1+1 with {JOBS} jobs polling ({label})",
        p95_busy,
        "ms",
        "idle kernel",
        p95_idle,
        f"≤ idle + {GOAL_ADDED_MS:.0f} ms",
        ok,
        note=note,
        details={
            "added_ms": added,
            "p50_busy_ms": percentile(busy, 50),
            "p50_idle_ms": percentile(idle, 50),
            **extra,
        },
    )


def run(quick: bool = False) -> BenchResult:
    n = 20 if quick else 200
    kernel = Kernel()
    try:
        kernel.run("import vidwidgets, asyncio")
        kernel.samples(5)  # warm-up
        idle = kernel.samples(n)
        with RemoteSimulator(
            dialect="newapi", speed=SPEED, seed=5, video_scale=0.05, fps=1, timing=TIMING
        ) as sim:
            remote = _measure(kernel, REMOTE_SETUP.format(base=sim.base_url, key=sim.api_key), n)
        embedded = _measure(kernel, EMBEDDED_SETUP.format(speed=SPEED, timing=TIMING), n)
        idle_after = kernel.samples(n)
    finally:
        kernel.close()
    figs = [
        _figure("gateway in its own process", idle, remote.pop("busy_ms"), remote),
        _figure("embedded simulator in the kernel", idle, embedded.pop("busy_ms"), embedded),
    ]
    figs[0].details["idle_after_p95_ms"] = percentile(idle_after, 95)
    return BenchResult(NAME, figs, settings={"jobs": JOBS, "speed": SPEED, "samples": n})
