"""Reading the simulator's ground truth: its task records and its request log.

The simulator records, for every task, when it was created and when the API first reported it
finished (``finished_at``; in the newapi dialect that is the gateway refresh after the provider
finished). Its request log has the method, path, time and status of every request. Both use
``time.time()``, the clock the benchmarks stamp their own observations with.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from benchmarks._report import percentile

#: status routes of both formats: the id is the last path segment
_STATUS_PATH = re.compile(r"^/v1/(?:video/generations|videos)/([^/?]+)$")


def _get(entry: Any, key: str) -> Any:
    return entry[key] if isinstance(entry, Mapping) else getattr(entry, key)


def status_requests(requests: Iterable[Any]) -> dict[str, list[float]]:
    """Task id -> times of the status requests (``GET`` on a task's status route)."""
    out: dict[str, list[float]] = defaultdict(list)
    for entry in requests:
        if str(_get(entry, "method")).upper() != "GET":
            continue
        path = str(_get(entry, "path")).split("?", 1)[0]
        m = _STATUS_PATH.match(path)
        if m:
            out[m.group(1)].append(wall_time(entry))
    for times in out.values():
        times.sort()
    return out


def wall_time(entry: Any) -> float:
    """``time.time()`` of a logged request (``wall``; ``time`` is the monotonic clock)."""
    try:
        return float(_get(entry, "wall"))
    except (KeyError, AttributeError):
        return float(_get(entry, "time"))


def count_status(requests: Iterable[Any], code: int) -> int:
    return sum(1 for e in requests if int(_get(e, "status")) == code)


@dataclass
class Detection:
    """How one client saw the end of one task."""

    task_id: str
    duration: float  # server: finished_at - created_at (wall seconds)
    lag: float  # client saw the end - server finished_at
    polls: int

    @property
    def lag_share(self) -> float:
        return self.lag / self.duration if self.duration > 0 else float("nan")


def detections(
    tasks: Mapping[str, Any], seen: Mapping[str, float], requests: Iterable[Any]
) -> list[Detection]:
    """Join the client's observations (task id -> time it saw the end) with the truth."""
    polls = status_requests(requests)
    out = []
    for task_id, seen_at in seen.items():
        rec = tasks[task_id]
        duration = float(rec.finished_at) - float(rec.created_at)
        out.append(
            Detection(
                task_id, duration, seen_at - float(rec.finished_at), len(polls.get(task_id, []))
            )
        )
    return out


@dataclass
class LagStats:
    lag_p50: float
    lag_p95: float
    lag_max: float
    polls_per_job: float
    duration_p50: float
    n: int

    @classmethod
    def of(cls, ds: list[Detection]) -> LagStats:
        shares = [d.lag_share for d in ds]
        return cls(
            lag_p50=percentile(shares, 50),
            lag_p95=percentile(shares, 95),
            lag_max=max(shares) if shares else float("nan"),
            polls_per_job=sum(d.polls for d in ds) / len(ds) if ds else float("nan"),
            duration_p50=percentile([d.duration for d in ds], 50),
            n=len(ds),
        )


def refresh_discipline(tasks: Mapping[str, Any], requests: Iterable[Any]) -> dict[str, float]:
    """How a client's polls sit against the gateway's refresh ticks (newapi dialect).

    ``min_gap`` is the shortest interval between two status requests for the same task, in
    refresh periods; ``redundant`` is the share of those requests that came when the gateway had
    not refreshed since the previous request for that task (so the answer could not be new).
    A plugin gateway's billing hold is judged apart: from the refresh that shows 99 %
    (``settle_from``) the task ends at ``finished_at``, between refreshes, so a read in the hold
    is warranted by the lag budget, not by a refresh. Pairs of reads whose later one falls in
    the hold are left out of ``redundant``; ``hold_reads`` is the reads per job in the hold,
    the one that sees the end included.
    """
    polls = status_requests(requests)
    gaps: list[float] = []
    redundant = total = 0
    held: list[int] = []
    for task_id, times in polls.items():
        rec = tasks.get(task_id)
        period = getattr(rec, "refresh_period", None) if rec is not None else None
        if rec is None or not period:
            continue
        origin = float(rec.refresh_origin)
        hold = getattr(rec, "settle_from", None)
        if hold is not None:
            end = float(rec.finished_at)
            in_hold = sum(1 for t in times if float(hold) <= t < end)
            held.append(in_hold + (1 if times and times[-1] >= end else 0))
        for a, b in itertools.pairwise(times):
            if hold is not None and b >= float(hold):
                continue  # in the billing hold: see hold_reads
            gaps.append((b - a) / period)
            total += 1
            # a refresh tick in (a, b]?  ticks sit at origin + k * period
            k_a = (a - origin) // period
            k_b = (b - origin) // period
            if k_b == k_a:
                redundant += 1
    return {
        "min_gap_periods": min(gaps) if gaps else float("nan"),
        "p5_gap_periods": percentile(gaps, 5),
        "redundant_share": redundant / total if total else float("nan"),
        "repeat_polls": float(total),
        "hold_reads": sum(held) / len(held) if held else float("nan"),
    }
