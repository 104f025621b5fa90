"""What the client did: requests, outcomes, latencies and generation times.

``Metrics`` is the live recorder (one per client); ``client.metrics`` returns a frozen
``MetricsSnapshot`` that is cheap to show in a widget or dump as JSON.

    >>> m = Metrics()
    >>> m.record_request("GET", 200, 0.05)
    >>> m.record_job("kling-v1", succeeded=True, seconds=42.0)
    >>> m.snapshot().as_dict()["success_rate"]
    1.0
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Metrics", "MetricsSnapshot"]

_WINDOW = 10_000  # latencies and generation times kept (the most recent)


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100.0 * (len(ordered) - 1))))
    return ordered[index]


@dataclass(frozen=True)
class MetricsSnapshot:
    """Counters and distributions at one moment.

    ``requests`` counts HTTP requests sent (retries included); ``jobs_succeeded`` /
    ``jobs_failed`` count jobs that reached an end; ``failures`` counts errors by type
    (``"GenerationFailed"``, ``"RateLimitError"``...); ``latency`` has p50/p90/p99 of request
    latency in seconds; ``generation_time`` has per-model mean/p50/p90 seconds from create to
    success.
    """

    requests: int = 0
    requests_by_kind: dict[str, int] = field(default_factory=dict)
    responses_by_status: dict[int, int] = field(default_factory=dict)
    retries: int = 0
    creates: int = 0
    jobs_succeeded: int = 0
    jobs_failed: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    latency: dict[str, float | None] = field(default_factory=dict)
    generation_time: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    bytes_downloaded: int = 0

    @property
    def success_rate(self) -> float | None:
        """Succeeded jobs over finished jobs, or None before any finished."""
        done = self.jobs_succeeded + self.jobs_failed
        return self.jobs_succeeded / done if done else None

    def as_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-safe values."""
        return {
            "requests": self.requests,
            "requests_by_kind": dict(self.requests_by_kind),
            "responses_by_status": {str(k): v for k, v in self.responses_by_status.items()},
            "retries": self.retries,
            "creates": self.creates,
            "jobs_succeeded": self.jobs_succeeded,
            "jobs_failed": self.jobs_failed,
            "success_rate": self.success_rate,
            "cache_hits": self.cache_hits,
            "cache_misses": self.cache_misses,
            "failures": dict(self.failures),
            "latency": dict(self.latency),
            "generation_time": {k: dict(v) for k, v in self.generation_time.items()},
            "bytes_downloaded": self.bytes_downloaded,
        }


class Metrics:
    """Thread-safe recorder; the sync helpers run the client on another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._failures: Counter[str] = Counter()
        self._latencies: deque[float] = deque(maxlen=_WINDOW)
        self._generation: defaultdict[str, deque[float]] = defaultdict(lambda: deque(maxlen=500))
        self.retries = 0
        self.creates = 0
        self.jobs_succeeded = 0
        self.jobs_failed = 0
        self.cache_hits = 0
        self.cache_misses = 0
        self.bytes_downloaded = 0

    def record_request(
        self, kind: str, status: int | None, seconds: float, *, retry: bool = False
    ) -> None:
        with self._lock:
            self._requests[kind] += 1
            if status is not None:
                self._statuses[status] += 1
            self._latencies.append(seconds)
            if retry:
                self.retries += 1
            if kind == "create":
                self.creates += 1

    def record_failure(self, error: BaseException) -> None:
        with self._lock:
            self._failures[type(error).__name__] += 1

    def record_job(self, model: str | None, *, succeeded: bool, seconds: float | None) -> None:
        with self._lock:
            if succeeded:
                self.jobs_succeeded += 1
                if seconds is not None:
                    self._generation[model or "?"].append(seconds)
            else:
                self.jobs_failed += 1

    def record_cache(self, hit: bool) -> None:
        with self._lock:
            if hit:
                self.cache_hits += 1
            else:
                self.cache_misses += 1

    def record_download(self, nbytes: int) -> None:
        with self._lock:
            self.bytes_downloaded += nbytes

    def typical_generation_time(self, model: str | None) -> float | None:
        """The median seconds this model took here, once it finished at least twice."""
        with self._lock:
            times = list(self._generation.get(model or "?", ()))
        if len(times) < 2:
            return None
        return _percentile(times, 50)

    def generation_quantile(
        self, model: str | None, q: float, *, min_count: int = 3
    ) -> float | None:
        """The ``q`` quantile (0..100) of the seconds this model took here.

        Known once the model finished at least ``min_count`` times (on the client's own clock:
        create sent → end first seen).
        """
        with self._lock:
            times = list(self._generation.get(model or "?", ()))
        if len(times) < min_count:
            return None
        return _percentile(times, q)

    def snapshot(self) -> MetricsSnapshot:
        with self._lock:
            latencies = list(self._latencies)
            generation = {
                model: {
                    "count": len(times),
                    "mean": sum(times) / len(times) if times else None,
                    "p50": _percentile(list(times), 50),
                    "p90": _percentile(list(times), 90),
                }
                for model, times in self._generation.items()
            }
            return MetricsSnapshot(
                requests=sum(self._requests.values()),
                requests_by_kind=dict(self._requests),
                responses_by_status=dict(self._statuses),
                retries=self.retries,
                creates=self.creates,
                jobs_succeeded=self.jobs_succeeded,
                jobs_failed=self.jobs_failed,
                cache_hits=self.cache_hits,
                cache_misses=self.cache_misses,
                failures=dict(self._failures),
                latency={
                    "p50": _percentile(latencies, 50),
                    "p90": _percentile(latencies, 90),
                    "p99": _percentile(latencies, 99),
                },
                generation_time=generation,
                bytes_downloaded=self.bytes_downloaded,
            )
