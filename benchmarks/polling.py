"""Benchmark 1 — polling: how late a client sees a job end, and how many status reads it spends.

64 jobs whose true durations follow one fixed, realistic distribution (:data:`TIMING`: 1 s
submit, a log-normal queue around 20 s and generation around 90 s, so most jobs take 1–4
minutes) run against the simulator with its ``speed`` knob; every client interval is divided by
the same factor (vidwidgets' ``VideoClient(time_scale=1/speed)``, the guide's schedule, the SDK's poll
interval follows the simulator's scaled ``openai-poll-after-ms``). Each client gets its own
simulator with the same seed, so each sees the same set of durations.

- **detection lag**: when the client saw the end minus when the API first reported it
  (``TaskRecord.finished_at``; in the newapi dialect that is the gateway refresh after the
  provider finished, so the gateway's own delay is not counted against the client), as a share
  of the job's duration (``finished_at - created_at``); p50 and p95 over the jobs.
- **status requests per job**: ``GET`` status reads in the simulator's request log.
- **refresh discipline** (newapi): the share of repeat reads of a job that came before the
  gateway refreshed again (so they could only repeat the previous answer); the goal is none.
  The shortest gap between two reads, in refresh periods, is in the details.

Four cases: the official OpenAI API (``openai``), new-api (``newapi``, the 88API format) and
the late-2026 plugin gateway in both its formats (``plugin``: 88API, ``plugin-openai``: OpenAI).
vidwidgets starts **cold** (a fresh client: only the catalog's priors for the model, nothing
measured); a **second batch on the same client** (``…, learned``) shows what it learned. The
88API schedule keeps no state, so its one batch is the baseline of both.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import aiohttp

from benchmarks import baselines
from benchmarks._report import BenchResult, Figure
from benchmarks._sim import Detection, LagStats, detections, refresh_discipline
from benchmarks._simproc import RemoteSimulator

NAME = "polling"
SEED = 7
GOAL_P95_SHARE = 0.10
GOAL_REQUEST_RATIO = 0.45


#: model seconds; jitter is the sigma of a log-normal factor on queue and generation time
TIMING: dict[str, Any] = {
    "submit": 1.0,
    "queue": 20.0,
    "generate": 90.0,
    "jitter": 0.35,
    "per_second": False,
}


#: the request each API format sends (the OpenAI format is Sora's)
REQUESTS: dict[str, dict[str, Any]] = {
    "openai": {"model": "sora-2", "prompt": "a paper boat on a pond", "seconds": "4"},
    "88api": {"model": "kling-v1", "prompt": "a paper boat on a pond", "duration": 5},
}
Dialect = Literal["openai", "newapi", "plugin"]


@dataclass(frozen=True)
class Case:
    """One server dialect read in one API format; ``name`` prefixes its figures."""

    name: str
    dialect: Dialect
    api_format: Literal["openai", "88api"]

    @property
    def request(self) -> dict[str, Any]:
        return REQUESTS[self.api_format]

    @property
    def route(self) -> baselines.Route:
        return baselines.ROUTE_OPENAI if self.api_format == "openai" else baselines.ROUTE_88API


CASES: tuple[Case, ...] = (
    Case("openai", "openai", "openai"),
    Case("newapi", "newapi", "88api"),
    Case("plugin", "plugin", "88api"),
    Case("plugin-openai", "plugin", "openai"),
)


def _simulator(dialect: Dialect, speed: float) -> RemoteSimulator:
    # in a process of its own, like a real gateway: sharing the client's interpreter would
    # charge the server's work (and its renders) to the client's timing
    return RemoteSimulator(
        dialect=dialect, speed=speed, timing=TIMING, seed=SEED, video_scale=0.05, fps=1
    )


def _truth(sim: RemoteSimulator) -> Any:
    """The simulator's task records and request log, now."""
    with tempfile.TemporaryDirectory() as tmp:
        return sim.snapshot(Path(tmp) / "sim.json")


def _wall_deadline(speed: float) -> float:
    # the slowest job is about 4x the median (~110 model s); generous, but bounded
    return 900.0 / speed + 30.0


async def run_vidwidgets(
    case: Case, speed: float, n: int, rounds: int = 2
) -> list[tuple[list[Detection], dict[str, float]]]:
    """``rounds`` batches of ``n`` jobs on one fresh client: (detections, refresh) per batch."""
    from vidwidgets.client import VideoClient, VideoRequest

    req = VideoRequest(**case.request)
    out: list[tuple[list[Detection], dict[str, float]]] = []
    with _simulator(case.dialect, speed) as sim:
        async with VideoClient(
            base_url=sim.base_url,
            api_key=sim.api_key,
            api_format=case.api_format,
            max_concurrency=n,
            time_scale=1.0 / speed,
            cache=False,
            journal=False,
        ) as client:
            await _rounds(client, sim, req, n, rounds, speed, out)
    return out


async def _rounds(
    client: Any,
    sim: RemoteSimulator,
    req: Any,
    n: int,
    rounds: int,
    speed: float,
    out: list[tuple[list[Detection], dict[str, float]]],
) -> None:
    """``rounds`` batches of ``n`` concurrent jobs; each batch's (detections, refresh) to ``out``."""
    for _ in range(rounds):
        seen: dict[str, float] = {}

        async def one(seen: dict[str, float] = seen) -> None:
            job = await client.create(req)
            done = await client.wait(job)
            seen[done.id] = time.time()

        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), _wall_deadline(speed))
        truth = _truth(sim)
        tasks = {task_id: truth.tasks[task_id] for task_id in seen}
        out.append(
            (detections(tasks, seen, truth.requests), refresh_discipline(tasks, truth.requests))
        )


async def run_guide(case: Case, speed: float, n: int) -> tuple[list[Detection], dict[str, float]]:
    seen: dict[str, float] = {}
    with _simulator(case.dialect, speed) as sim:
        deadline = time.monotonic() + _wall_deadline(speed)
        conn = aiohttp.TCPConnector(limit=0)
        headers = baselines.auth_headers(sim.api_key)
        async with aiohttp.ClientSession(headers=headers, connector=conn) as session:

            async def one() -> None:
                task_id, _, at = await baselines.guide_run_one(
                    session, sim.base_url, case.route, case.request, speed, deadline
                )
                seen[task_id] = at

            await asyncio.gather(*(one() for _ in range(n)))
        truth = _truth(sim)
        return detections(truth.tasks, seen, truth.requests), refresh_discipline(
            truth.tasks, truth.requests
        )


async def run_sdk(speed: float, n: int) -> list[Detection]:
    with _simulator("openai", speed) as sim:
        # the simulator sends openai-poll-after-ms already divided by its speed: the SDK follows it
        results = await asyncio.wait_for(
            baselines.openai_create_and_poll(
                sim.base_url, sim.api_key, [REQUESTS["openai"]] * n, poll_interval_ms=None
            ),
            _wall_deadline(speed),
        )
        seen = {task_id: at for task_id, _, at in results}
        truth = _truth(sim)
        return detections(truth.tasks, seen, truth.requests)


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def figures_for(
    dialect: str,
    ours: LagStats,
    guide: LagStats,
    sdk: LagStats | None,
    ours_refresh: dict[str, float],
    guide_refresh: dict[str, float],
) -> list[Figure]:
    figs: list[Figure] = []
    b = "88API schedule"
    p50_ok = ours.lag_p50 < guide.lag_p50
    figs.append(
        Figure(
            NAME,
            f"{dialect}: detection lag p50 / job time",
            ours.lag_p50,
            "%",
            b,
            guide.lag_p50,
            "< 88API schedule",
            p50_ok,
            note="" if p50_ok else f"p50 lag {_pct(ours.lag_p50)} vs {_pct(guide.lag_p50)}",
        )
    )
    p95_ok = ours.lag_p95 < guide.lag_p95 and ours.lag_p95 <= GOAL_P95_SHARE
    figs.append(
        Figure(
            NAME,
            f"{dialect}: detection lag p95 / job time",
            ours.lag_p95,
            "%",
            b,
            guide.lag_p95,
            f"≤ {GOAL_P95_SHARE:.0%} and < 88API",
            p95_ok,
            note=""
            if p95_ok
            else f"p95 lag is {_pct(ours.lag_p95)} of the job time (88API schedule {_pct(guide.lag_p95)})",
            details={"lag_max_share": ours.lag_max, "baseline_lag_max_share": guide.lag_max},
        )
    )
    req_ok = ours.polls_per_job <= GOAL_REQUEST_RATIO * guide.polls_per_job
    figs.append(
        Figure(
            NAME,
            f"{dialect}: status requests per job",
            ours.polls_per_job,
            "",
            b,
            guide.polls_per_job,
            f"≤ {GOAL_REQUEST_RATIO:.2f}× 88API",
            req_ok,
            note=""
            if req_ok
            else f"{ours.polls_per_job:.1f} reads per job, {ours.polls_per_job / guide.polls_per_job:.2f}× the 88API schedule's",
        )
    )
    if sdk is not None:
        figs.append(
            Figure(
                NAME,
                f"{dialect}: detection lag p95 / job time",
                ours.lag_p95,
                "%",
                "openai SDK create_and_poll",
                sdk.lag_p95,
                "(no goal)",
                None,
            )
        )
        figs.append(
            Figure(
                NAME,
                f"{dialect}: status requests per job",
                ours.polls_per_job,
                "",
                "openai SDK create_and_poll",
                sdk.polls_per_job,
                "(no goal)",
                None,
            )
        )
    if dialect in ("newapi", "plugin", "plugin-openai"):
        # A read is warranted when the gateway has refreshed since the previous read of that
        # job; one that comes before the next refresh can only repeat the last answer. The
        # plugin gateway's billing hold ends between refreshes: its reads are counted apart.
        plugin = dialect != "newapi"
        redundant = ours_refresh["redundant_share"]
        ok = redundant == 0
        until = ", until the 99 % hold" if plugin else ""
        figs.append(
            Figure(
                NAME,
                f"{dialect}: repeat reads with no gateway refresh since the last read{until}",
                redundant,
                "%",
                b,
                guide_refresh["redundant_share"],
                "0 % (never faster than the refresh)",
                ok,
                note=""
                if ok
                else f"{redundant:.0%} of repeat reads came before the gateway's next refresh "
                f"(shortest gap {ours_refresh['min_gap_periods']:.2f} refresh periods)",
                details={"ours": ours_refresh, "baseline": guide_refresh},
            )
        )
    if dialect in ("plugin", "plugin-openai"):
        figs.append(
            Figure(
                NAME,
                f"{dialect}: reads per job in the 99 % billing hold (the end's included)",
                ours_refresh["hold_reads"],
                "",
                b,
                guide_refresh["hold_reads"],
                "(no goal: the lag budget sets them)",
                None,
            )
        )
    return figs


def learned_figures(name: str, learned: LagStats, guide: LagStats) -> list[Figure]:
    """The second batch on the same client: its polling knows the model's durations now."""
    b = "88API schedule"
    label = f"{name}, learned (2nd batch)"
    p95_ok = learned.lag_p95 < guide.lag_p95 and learned.lag_p95 <= GOAL_P95_SHARE
    ratio = learned.polls_per_job / guide.polls_per_job
    req_ok = ratio <= GOAL_REQUEST_RATIO
    return [
        Figure(
            NAME,
            f"{label}: detection lag p95 / job time",
            learned.lag_p95,
            "%",
            b,
            guide.lag_p95,
            f"≤ {GOAL_P95_SHARE:.0%} and < 88API",
            p95_ok,
            note="" if p95_ok else f"p95 lag is {_pct(learned.lag_p95)} of the job time",
        ),
        Figure(
            NAME,
            f"{label}: status requests per job",
            learned.polls_per_job,
            "",
            b,
            guide.polls_per_job,
            f"≤ {GOAL_REQUEST_RATIO:.2f}× 88API",
            req_ok,
            note="" if req_ok else f"{learned.polls_per_job:.1f} reads per job, {ratio:.2f}×",
        ),
    ]


def run(quick: bool = False) -> BenchResult:
    n = 8 if quick else 64
    speed = 200.0 if quick else 30.0
    figures: list[Figure] = []
    details: dict[str, Any] = {}
    for case in CASES:
        (ours, ours_refresh), (second, _) = asyncio.run(run_vidwidgets(case, speed, n))
        guide, guide_refresh = asyncio.run(run_guide(case, speed, n))
        sdk = asyncio.run(run_sdk(speed, n)) if case.name == "openai" else None
        s_ours, s_guide, s_second = LagStats.of(ours), LagStats.of(guide), LagStats.of(second)
        s_sdk = LagStats.of(sdk) if sdk is not None else None
        figures += figures_for(case.name, s_ours, s_guide, s_sdk, ours_refresh, guide_refresh)
        figures += learned_figures(case.name, s_second, s_guide)
        details[case.name] = {
            "dialect": case.dialect,
            "api_format": case.api_format,
            "model": case.request["model"],
            "vidwidgets": s_ours.__dict__,
            "vidwidgets_learned": s_second.__dict__,
            "88api_schedule": s_guide.__dict__,
            "openai_sdk": s_sdk.__dict__ if s_sdk else None,
        }
    return BenchResult(
        NAME,
        figures,
        settings={
            "jobs": n,
            "speed": speed,
            "timing_model_seconds": dict(TIMING),
            "refresh_period_model_seconds": 15.0,
            "client": "cold (a fresh client: the catalog's priors only), then a second batch",
            "stats": details,
        },
    )
