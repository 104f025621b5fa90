"""Benchmark 5 — import time: ``python -c "import vidwidgets"`` against ``import ipywidgets``.

Each command runs in a fresh interpreter (the same venv Python), interleaved so that a burst of
load on the shared machine hits both sides alike; the figure is the ratio of the medians. The
interpreter's own start-up is in both numbers, as it is for a user who runs the command.
"""

from __future__ import annotations

import subprocess
import sys
import time

from benchmarks import baselines
from benchmarks._report import BenchResult, Figure, median

NAME = "import"
GOAL_RATIO = 1.3


def _run_once(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        timeout=60,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def _heavy_modules() -> list[str]:
    """Heavy libraries that ``import vidwidgets`` pulls in (there should be none)."""
    code = (
        "import sys, vidwidgets; "
        "heavy = ['aiohttp', 'av', 'numpy', 'PIL', 'ipywidgets', 'anywidget', 'traitlets']; "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    return [m for m in out.split(",") if m]


def run(quick: bool = False) -> BenchResult:
    runs = 3 if quick else 9
    ours: list[float] = []
    theirs: list[float] = []
    # warm the page cache and .pyc files once for each, not counted
    _run_once("import vidwidgets")
    _run_once(baselines.IMPORT_BASELINE)
    for _ in range(runs):
        ours.append(_run_once("import vidwidgets"))
        theirs.append(_run_once(baselines.IMPORT_BASELINE))
    ours_ms, theirs_ms = median(ours) * 1000, median(theirs) * 1000
    ratio = ours_ms / theirs_ms
    heavy = _heavy_modules()
    holds = ratio <= GOAL_RATIO
    note = ""
    if not holds:
        note = f"import vidwidgets takes {ratio:.2f}× import ipywidgets" + (
            f"; it imports {', '.join(heavy)} eagerly" if heavy else ""
        )
    fig = Figure(
        bench=NAME,
        name="python -c 'import vidwidgets', median",
        value=ours_ms,
        unit="ms",
        baseline="import ipywidgets",
        baseline_value=theirs_ms,
        goal=f"≤ {GOAL_RATIO}×",
        holds=holds,
        note=note,
        details={
            "runs": runs,
            "vidwidgets_ms": [t * 1000 for t in ours],
            "ipywidgets_ms": [t * 1000 for t in theirs],
            "heavy_modules_imported": heavy,
        },
    )
    return BenchResult(NAME, [fig], settings={"runs_each": runs, "interleaved": True})
