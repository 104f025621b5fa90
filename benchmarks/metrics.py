"""Benchmark 8 — measuring a video: ``vw.measure`` on a 5 s 720p clip, on one core.

The clip is rendered by the simulator's renderer (1280 × 720, 24 fps, H.264: the videos the
embedded gateway returns). Every timing runs in a fresh interpreter pinned to one CPU
(``os.sched_setaffinity``), so OpenCV's and FFmpeg's threads cannot borrow the second core, and
after one untimed warm-up measure (the first call imports OpenCV). The figures
are the CPU time of that process: pinned to one core, that is the time the work takes on one
idle core, while wall time on this shared machine also counts other processes' turns (it is
kept in the details).

- **measure / clip duration**: the median time of ``measure(path)`` at the default decode size
  (short side 180 px) divided by the clip's duration. Goal ≤ 0.5 (issue 13): a grid can measure
  each video in the background faster than it can be watched.
- **measure / full-size measure**: the same time against ``measure(path, size=None)``, the same
  metrics on the full frames. That costs about a minute per clip on one core (optical flow on
  1280 × 720), so it is timed on the first second (24 frames) and scaled to the clip's frames.
  No goal: it says what the reduced decode size buys. The details also give the time to merely
  decode every frame to RGB at full size, computing nothing.

``--quick`` renders a 1 s 320 × 180 clip instead (its full size is the decode size) and times
each side once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._report import BenchResult, Figure
from vidwidgets.simulator._render import VideoKey, render_mp4

NAME = "metrics"
GOAL_RATIO = 0.5
FULL_FRAMES = 24

#: In a fresh interpreter: one warm-up, then ``runs`` timed measures and full-size decodes,
#: interleaved, and one full-size measure of the first FULL_FRAMES frames; prints JSON
#: {"measure": [s...], "decode": [s...], "full": s, "frames": n, "metrics": {...}}.
CHILD = """
import json, sys, time
import av
from vidwidgets.metrics import measure

path, runs, full_frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def decode_full():
    with av.open(path) as container:
        for frame in container.decode(video=0):
            frame.to_ndarray(format="rgb24")

def timed(fn):
    # CPU time of this process (pinned to one core) is what an idle core would take; wall time
    # on a shared machine also counts the other processes' turns
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0

metrics = measure(path)  # warm-up: imports OpenCV
out = {"measure": [], "measure_wall": [], "decode": [], "decode_wall": []}
for _ in range(runs):
    for name, fn in (("measure", lambda: measure(path)), ("decode", decode_full)):
        cpu, wall = timed(fn)
        out[name].append(cpu)
        out[name + "_wall"].append(wall)
out["full"], out["full_wall"] = timed(lambda: measure(path, size=None, max_frames=full_frames))
print(json.dumps({**out, "frames": metrics.frames, "metrics": metrics.as_dict()}))
"""


def _one_cpu() -> int:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    return cpus[-1]


def _timings(path: Path, runs: int) -> dict[str, object]:
    cpu = _one_cpu()

    def pin() -> None:  # in the child, before it imports anything
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {cpu})

    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(runs), str(FULL_FRAMES)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        preexec_fn=pin,
    )
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["cpu"] = cpu
    return result


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def run(quick: bool = False) -> BenchResult:
    width, height, seconds = (320, 180, 1) if quick else (1280, 720, 5)
    runs = 1 if quick else 3
    key = VideoKey("viduq1", "a red fox running through fresh snow", 7, width, height, seconds, 24)
    with tempfile.TemporaryDirectory(prefix="vw-bench-metrics-") as tmp:
        path = Path(tmp) / "clip.mp4"
        path.write_bytes(render_mp4(key))
        timings = _timings(path, runs)
    measure_s = _median(timings["measure"])  # type: ignore[arg-type]
    decode_s = _median(timings["decode"])  # type: ignore[arg-type]
    frames = int(timings["frames"])  # type: ignore[call-overload]
    full_s = float(timings["full"]) * frames / min(frames, FULL_FRAMES)  # type: ignore[arg-type]
    clip = f"{seconds} s {width}×{height} clip"
    ratio = measure_s / seconds
    holds = ratio <= GOAL_RATIO
    note = ""
    if not holds:
        note = (
            f"measuring the {clip} took {measure_s:.2f} s on one core ({ratio:.2f}× its duration); "
            f"decoding it at full size alone took {decode_s:.2f} s"
        )
    details = {
        "runs": runs,
        "measure_s": timings["measure"],
        "full_size_decode_only_s": timings["decode"],
        "full_size_measure_s_first_frames": timings["full"],
        "full_size_frames_timed": min(frames, FULL_FRAMES),
        "wall_s": {k: timings[f"{k}_wall"] for k in ("measure", "decode", "full")},
    }
    figures = [
        Figure(
            bench=NAME,
            name=f"measure a {clip}, CPU time on one core / its duration",
            value=measure_s,
            unit="s",
            baseline="clip duration",
            baseline_value=float(seconds),
            goal=f"≤ {GOAL_RATIO}×",
            holds=holds,
            note=note,
            details=details,
        ),
        Figure(
            bench=NAME,
            name=f"measure a {clip}, CPU time on one core / measuring it at full size",
            value=measure_s,
            unit="s",
            baseline=f"size=None, scaled from {min(frames, FULL_FRAMES)} frames",
            baseline_value=full_s,
            goal="— (what the 180 px decode buys)",
            holds=None,
            details=details,
        ),
    ]
    settings = {
        "clip": {"width": width, "height": height, "seconds": seconds, "fps": 24},
        "decode_size": 180,
        "pinned_cpu": timings["cpu"],
        "metrics": timings["metrics"],
    }
    return BenchResult(NAME, figures, settings=settings)
