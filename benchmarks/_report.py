"""Figures, the table they print as, and the JSON they are saved as.

Every figure is a ratio against a baseline measured in the same run: absolute times on a shared
two-core machine are noise, ratios much less so. A figure whose goal is missed says so in plain
words (``note``), with what limits it.
"""

from __future__ import annotations

import json
import math
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One measured figure next to its baseline and its goal.

    ``ratio`` is ``value / baseline_value`` unless the benchmark defines it otherwise (then
    ``ratio_label`` says how). ``holds`` is None when the issue sets no goal for the figure.
    """

    bench: str
    name: str
    value: float | None
    unit: str
    baseline: str
    baseline_value: float | None
    goal: str
    holds: bool | None
    ratio: float | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.ratio is None and self.value is not None and self.baseline_value:
            self.ratio = self.value / self.baseline_value


@dataclass
class BenchResult:
    """What one benchmark produced: its figures, its settings and how long it took."""

    name: str
    figures: list[Figure]
    settings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""


# --- statistics -------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation, as numpy's default does."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    if lo == hi:
        return ordered[lo]
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: Iterable[float]) -> float:
    vals = list(values)
    return statistics.median(vals) if vals else math.nan


# --- formatting -------------------------------------------------------------------------------


def fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "%":
        return f"{value * 100:.1f} %"
    if unit == "x":
        return f"{value:.2f}×"
    mag = abs(value)
    text = f"{value:.3g}" if mag < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def holds_text(holds: bool | None) -> str:
    return {True: "yes", False: "NO", None: "—"}[holds]


COLUMNS = ("figure", "vidwidgets", "baseline", "ratio", "goal", "holds?")


def rows(results: Sequence[BenchResult]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for res in results:
        if res.error:
            out.append((f"{res.name}: failed to run", "—", "—", "—", res.error[:60], "NO"))
        for f in res.figures:
            baseline = f"{fmt(f.baseline_value, f.unit)} ({f.baseline})" if f.baseline else "—"
            out.append(
                (
                    f"{f.bench}: {f.name}",
                    fmt(f.value, f.unit),
                    baseline,
                    fmt(f.ratio, "x"),
                    f.goal,
                    holds_text(f.holds),
                )
            )
    return out


def text_table(results: Sequence[BenchResult]) -> str:
    """A plain fixed-width table for the terminal."""
    body = rows(results)
    widths = [max(len(c[i]) for c in [COLUMNS, *body]) for i in range(len(COLUMNS))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(out)


def markdown_table(results: Sequence[BenchResult]) -> str:
    """The same table as Markdown (``benchmarks._page`` puts it into docs/performance.md)."""
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows(results)]
    return "\n".join(out)


def notes(results: Sequence[BenchResult]) -> list[str]:
    """One line per figure that carries a note (a missed goal, a caveat)."""
    out = []
    for res in results:
        if res.error:
            out.append(f"{res.name}: goal missed because the benchmark failed: {res.error}")
        for f in res.figures:
            if f.note:
                prefix = "goal missed because " if f.holds is False else ""
                out.append(f"{f.bench}: {f.name}: {prefix}{f.note}")
    return out


# --- saving -----------------------------------------------------------------------------------


def _git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        return ""


def git_revision() -> str:
    """The checkout's HEAD (short), with ``+dirty`` when tracked files differ from it."""
    rev = _git_revision()
    try:
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        dirty = ""
    return f"{rev}+dirty" if rev and dirty else rev


def save(results: Sequence[BenchResult], out_dir: Path, quick: bool, git: str = "") -> Path:
    """Write the run as JSON to ``out_dir/bench-<time>.json`` and ``out_dir/latest.json``.

    ``git`` is the revision the run started from (others may commit while it runs).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    doc = {
        "when": stamp,
        "quick": quick,
        "git": git or git_revision(),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": _cpu_count(),
        },
        "results": [asdict(r) for r in results],
        "table": markdown_table(results),
    }
    text = json.dumps(_finite(doc), indent=1, default=str, allow_nan=False)
    path = out_dir / f"bench-{stamp}{'-quick' if quick else ''}.json"
    path.write_text(text)
    (out_dir / "latest.json").write_text(text)
    return path


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def _finite(obj: Any) -> Any:
    """NaN and infinities become null, so the file is strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def timed(fn: Callable[[], BenchResult]) -> BenchResult:
    t0 = time.perf_counter()
    res = fn()
    res.seconds = time.perf_counter() - t0
    return res
