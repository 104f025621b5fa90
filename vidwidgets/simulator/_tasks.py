"""Tasks and their lifecycle, computed from timestamps rather than driven by timers.

A task's provider-side life is fixed at creation: submitted → queued → generating → succeeded
or failed, at wall-clock times drawn from a seeded distribution and divided by ``speed``. Any
question ("what is its state at time t?") is answered from those times, so nothing needs to tick
and results do not depend on how busy the event loop is.

The gateway (newapi dialect) does not see the provider live: it refreshes its copy of every task
on a fixed period. [`TaskRecord.gateway_view()`][vidwidgets.simulator.TaskRecord.gateway_view]
answers what that copy says at time t.
"""

from __future__ import annotations

import math
import random
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from vidwidgets.simulator._tables import (
    FAIL_MARKER,
    FAIL_REASONS,
    GATEWAY_INITIAL_PROGRESS,
    GATEWAY_INITIAL_STATUS,
    MODELS,
    PROVIDER_STATES,
    REVIEW_FAILURE,
    Phase,
    Platform,
    Timing,
)
from vidwidgets.simulator._validation import JobSpec
from vidwidgets.simulator._vendors import VENDOR_TIMING

TimingOverrides = Timing | Mapping[str, Timing] | None

_ID_ALPHABET = string.ascii_letters + string.digits


def new_task_id(prefix: str, rng: random.Random) -> str:
    """``task_`` + 32 characters, like the gateway (``video_`` + 32 hex for the official API)."""
    if prefix == "video_":
        return prefix + "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return prefix + "".join(rng.choice(_ID_ALPHABET) for _ in range(32))


def resolve_timing(model: str, overrides: TimingOverrides, platform: Platform) -> Timing:
    """Timing for a model: an override by model name, by platform, ``"*"``, then the default."""
    if isinstance(overrides, Timing):
        return overrides
    if overrides:
        for key in (model, platform, "*"):
            if key in overrides:
                return overrides[key]
    rule = MODELS.get(model)
    return rule.timing if rule is not None else VENDOR_TIMING[platform]


@dataclass(frozen=True)
class GatewayView:
    """The gateway's stored copy of a task at some moment (what newapi responses show)."""

    status: str  # NOT_START, SUBMITTED, QUEUED, IN_PROGRESS, SUCCESS, FAILURE
    progress: str  # "0%", "10%", ... "100%"
    phase: Phase | None  # the provider phase it last saw (None before the first refresh)
    refreshed_at: float | None  # wall time of the refresh it comes from


@dataclass
class TaskRecord:
    """One task, as the simulator's truth. ``sim.tasks[id]`` holds these.

    All times are wall-clock seconds (``time.time()``). ``finished_at`` is when the API first
    reports the task as finished (for the newapi dialect the next gateway refresh after the
    provider finished, ``provider_done_at``).
    """

    id: str
    seq: int
    model: str
    spec: JobSpec
    body: dict[str, Any]
    path: str
    seed: int
    created_at: float
    submitted_at: float
    started_at: float
    provider_done_at: float
    finished_at: float
    outcome: Literal["succeeded", "failed"]
    fail_code: str = ""
    fail_message: str = ""
    #: failure point as a fraction of generation (progress stops there)
    fail_progress: float = 1.0
    remixed_from: str | None = None
    deleted: bool = False
    expires_at: float | None = None
    refresh_origin: float = 0.0
    refresh_period: float | None = None  # wall seconds; None: the API sees the provider live
    extra: dict[str, Any] = field(default_factory=dict)
    #: plugin dialect: the API key that created the task (only it can see the task)
    owner: str = ""
    #: plugin dialect: when the gateway first saw the provider finished (billing starts)
    settle_from: float | None = None
    #: plugin dialect: billing review turns the finished task into FAILURE at ``finished_at``
    review_failed: bool = False
    #: plugin dialect: when the gateway's retention removes ``result_url`` (None: never)
    cleaned_at: float | None = None

    # -- provider truth ----------------------------------------------------------------------

    def phase(self, at: float | None = None) -> Phase:
        """The provider's phase at wall time ``at`` (default: now)."""
        t = time.time() if at is None else at
        if t >= self.provider_done_at:
            return self.outcome
        if t >= self.started_at:
            return "generating"
        if t >= self.submitted_at:
            return "queued"
        return "submitted"

    def progress(self, at: float | None = None) -> float:
        """Fraction 0..1 of the generation done at wall time ``at`` (provider truth)."""
        t = time.time() if at is None else at
        if t >= self.provider_done_at:
            return 1.0 if self.outcome == "succeeded" else self.fail_progress
        if t <= self.started_at:
            return 0.0
        span = (self.provider_done_at - self.started_at) / self.fail_progress
        return min(0.99, (t - self.started_at) / span) if span > 0 else 0.99

    @property
    def status(self) -> Phase:
        """The provider's phase now: submitted, queued, generating, succeeded or failed."""
        return self.phase()

    def is_finished(self, at: float | None = None) -> bool:
        """Whether the API reports the task finished at wall time ``at`` (default: now)."""
        return (time.time() if at is None else at) >= self.finished_at

    def is_expired(self, at: float | None = None) -> bool:
        t = time.time() if at is None else at
        return self.expires_at is not None and t >= self.expires_at

    # -- the gateway's copy ------------------------------------------------------------------

    def last_refresh(self, at: float) -> float | None:
        """Wall time of the last gateway refresh at or before ``at`` that saw this task."""
        if self.refresh_period is None:
            return at
        ticks = math.floor((at - self.refresh_origin) / self.refresh_period)
        tick = self.refresh_origin + ticks * self.refresh_period
        return tick if tick >= self.created_at else None

    def gateway_view(self, at: float | None = None) -> GatewayView:
        """What the gateway's database says about this task at wall time ``at``."""
        t = time.time() if at is None else at
        tick = self.last_refresh(t)
        if tick is None:
            return GatewayView(GATEWAY_INITIAL_STATUS, GATEWAY_INITIAL_PROGRESS, None, None)
        phase = self.phase(tick)
        state = PROVIDER_STATES[self.spec.platform][phase]
        progress = state.progress or f"{round(self.progress(tick) * 100)}%"
        return GatewayView(state.gateway, progress, phase, tick)

    def first_seen(self, phases: tuple[Phase, ...]) -> float | None:
        """Wall time the API first reported one of ``phases`` (None if not yet reached)."""
        starts: dict[Phase, float] = {
            "submitted": self.created_at,
            "queued": self.submitted_at,
            "generating": self.started_at,
            self.outcome: self.provider_done_at,
        }
        times = [starts[p] for p in phases if p in starts]
        if not times:
            return None
        at = min(times)
        if self.refresh_period is not None:
            ticks = math.ceil((at - self.refresh_origin) / self.refresh_period)
            at = self.refresh_origin + ticks * self.refresh_period
        return at if at <= time.time() else None


@dataclass(frozen=True)
class Settlement:
    """The plugin gateway's billing and retention, in wall seconds.

    ``hold``: how long a task the provider finished stays ``IN_PROGRESS`` at ``"99%"``;
    ``review_failure_rate``: share of those that billing review turns into ``FAILURE``;
    ``retention``: how long after ``SUCCESS`` the gateway keeps ``result_url`` (None: forever).
    """

    hold: float = 0.0
    review_failure_rate: float = 0.0
    retention: float | None = None

    def apply(self, task: TaskRecord, rng: random.Random) -> None:
        """Move a planned task's finish behind the billing hold."""
        if task.outcome != "succeeded":
            return
        task.settle_from = task.finished_at
        task.finished_at += self.hold
        if task.expires_at is not None:
            task.expires_at += self.hold
        task.review_failed = (
            self.review_failure_rate > 0 and rng.random() < self.review_failure_rate
        )
        if task.review_failed:
            task.fail_code, task.fail_message = REVIEW_FAILURE
            task.expires_at = None
        elif self.retention is not None:
            task.cleaned_at = task.finished_at + self.retention


def plan_task(
    *,
    seq: int,
    task_id: str,
    spec: JobSpec,
    body: dict[str, Any],
    path: str,
    sim_seed: int,
    speed: float,
    failure_rate: float,
    timing: TimingOverrides,
    refresh_origin: float,
    refresh_period: float | None,
    expire_after: float | None,
    remixed_from: str | None = None,
    now: float | None = None,
    settlement: Settlement | None = None,
) -> TaskRecord:
    """Draw a task's whole life from the simulator's seed and the task's sequence number."""
    created = time.time() if now is None else now
    rng = random.Random(f"{sim_seed}:{seq}:{spec.model}")
    t = resolve_timing(spec.model, timing, spec.platform)

    def jitter() -> float:
        return math.exp(rng.gauss(0.0, t.jitter)) if t.jitter > 0 else 1.0

    generate = t.generate * (spec.seconds if t.per_second else 1) * jitter()
    submitted = created + t.submit / speed
    started = submitted + t.queue * jitter() / speed
    generation = generate / speed
    fails = FAIL_MARKER in spec.prompt or rng.random() < failure_rate
    outcome: Literal["succeeded", "failed"] = "failed" if fails else "succeeded"
    fail_progress = rng.uniform(0.3, 0.9) if fails else 1.0
    done = started + generation * fail_progress
    code, message = rng.choice(FAIL_REASONS[spec.platform]) if fails else ("", "")
    seed = spec.seed if spec.seed is not None else rng.randrange(2**31)
    finished = done
    if refresh_period is not None:
        ticks = math.ceil((done - refresh_origin) / refresh_period)
        finished = refresh_origin + ticks * refresh_period
    task = TaskRecord(
        id=task_id,
        seq=seq,
        model=spec.model,
        spec=spec,
        body=body,
        path=path,
        seed=seed,
        created_at=created,
        submitted_at=submitted,
        started_at=started,
        provider_done_at=done,
        finished_at=finished,
        outcome=outcome,
        fail_code=code,
        fail_message=message,
        fail_progress=fail_progress,
        remixed_from=remixed_from,
        expires_at=None if expire_after is None or fails else finished + expire_after,
        refresh_origin=refresh_origin,
        refresh_period=refresh_period,
    )
    if settlement is not None:
        settlement.apply(task, rng)
    return task
