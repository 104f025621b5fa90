"""How long to wait before the next status read.

A naive client polls every few seconds and pays for it in requests (and in the gateway's rate
limit) while learning nothing: the new-api gateway refreshes task state from its providers only
every 15 s. ``PollSchedule`` decides each wait from what it has seen, in this order:

1. **The server's hint** (``openai-poll-after-ms``, ``Retry-After``) is a floor: never sooner.
2. **The observed change cadence**: the shortest gap seen between two changes of the server's
   state (status, progress, URL). Once two changes have been seen, polls are never much more
   frequent than that; a server that refreshes every 15 s is read about every 15 s, just after
   its refresh. A cadence learned on one job is the ``prior`` of the next ones on the same
   server (the gateway refreshes all tasks in one loop), so a job that sees only one change
   still polls at the server's pace.
3. **The expected finish**: from the progress rate when progress is real (not new-api's stage
   values 10/20/30 %) or from how long this model took before (``expected`` seconds), the next
   read goes half-way to the expected finish, so reads get closer together as the end nears.
4. Otherwise **backoff**: starts quick (``initial``), then each wait is a fraction
   (``elapsed_fraction``) of the time spent so far, so the detection lag stays a bounded share of
   the job's duration while the number of reads grows only logarithmically.

Every interval is multiplied by ``time_scale`` (benchmarks run the simulator faster and scale
the client the same way). The schedule is pure: it is fed observations and asked for delays,
which is what makes it testable without a server.

    >>> s = PollSchedule(initial=1.0, jitter=0.0)
    >>> s.observe(0.0, ("queued", 0, False))
    >>> s.next_delay(0.0)
    1.0
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from typing import Any

from vidwidgets.client._dialects import COARSE_PROGRESS

__all__ = [
    "SETTLE_LAG_SHARE",
    "SETTLING_PROGRESS",
    "SKIP_LAG_SHARE",
    "PollConfig",
    "PollSchedule",
    "RefreshClock",
]

#: the progress a plugin gateway holds a task the provider finished at until billing settles
SETTLING_PROGRESS = 99
#: share of the lag budget spent skipping refreshes past the earliest plausible end (the rest
#: covers a read landing a little after its refresh)
SKIP_LAG_SHARE = 0.75
#: share of the lag budget between reads while billing settles and its time is unknown
SETTLE_LAG_SHARE = 0.85


@dataclass(frozen=True)
class PollConfig:
    """Tuning knobs for ``PollSchedule`` (seconds, before ``time_scale``).

    >>> PollConfig(time_scale=0.1).scaled(30.0)
    3.0
    """

    initial: float = 3.0
    min_interval: float = 1.5
    max_interval: float = 30.0
    elapsed_fraction: float = 0.3
    tail_fraction: float = 0.08
    cadence_margin: float = 0.9
    jitter: float = 0.1
    time_scale: float = 1.0
    #: once a finish is plausible, reads are at most this share of the elapsed time apart
    lag_fraction: float = 0.1

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale

    def schedule(
        self, *, expected: float | None = None, earliest: float | None = None
    ) -> PollSchedule:
        return PollSchedule(
            initial=self.scaled(self.initial),
            min_interval=self.scaled(self.min_interval),
            max_interval=self.scaled(self.max_interval),
            elapsed_fraction=self.elapsed_fraction,
            tail_fraction=self.tail_fraction,
            cadence_margin=self.cadence_margin,
            jitter=self.jitter,
            expected=expected,
            earliest=earliest,
            lag_fraction=self.lag_fraction,
        )


@dataclass
class PollSchedule:
    """The polling state of one job; times are seconds since the job was created."""

    initial: float = 1.0
    min_interval: float = 0.5
    max_interval: float = 30.0
    elapsed_fraction: float = 0.25
    tail_fraction: float = 0.08
    cadence_margin: float = 0.9
    jitter: float = 0.1
    slack: float = 0.03
    expected: float | None = None
    #: before this many seconds a finish is unlikely (a low quantile of the model's learned
    #: durations): reads wait for it, then come at most ``lag_fraction`` of the elapsed time apart
    earliest: float | None = None
    lag_fraction: float = 0.1
    hint: float | None = None
    polls: int = 0
    _still: int = 0  # reads after the first change that saw no change
    _last_key: Any = None
    _last_poll: float | None = None
    _changes: list[tuple[float, float]] = field(default_factory=list)  # (after, at)
    #: (cadence, time of a change or None) learned from other jobs or known for the server
    prior: tuple[float, float | None] | None = None
    #: the prior's cadence is the server's known refresh period (not a guess from sparse reads)
    exact_period: bool = False
    _progress: list[tuple[float, int]] = field(default_factory=list)
    _queued: bool = False
    #: when (seconds since creation) the refresh that first showed this job at 99 % came
    settle_window: tuple[float, float] | None = None
    #: how long billing settlement took on this server (seconds), learned from other jobs
    hold: tuple[float, float] | None = None
    #: a live provider read said the video is done (the gateway's row may not show it yet)
    provider_done: bool = False

    def observe(
        self, at: float, state_key: Any, *, progress: int | None = None, queued: bool = False
    ) -> None:
        """Record one status read made at time ``at`` (``queued``: the job has not started)."""
        self.polls += 1
        self._queued = queued
        if self._changes and state_key == self._last_key:
            self._still += 1
        if self._last_key is not None and state_key != self._last_key:
            # the change happened somewhere in (previous read, this read]
            self._changes.append((self._last_poll if self._last_poll is not None else 0.0, at))
        if (
            (self._last_key is None or state_key != self._last_key)
            and progress is not None
            and progress not in COARSE_PROGRESS
            and 0 < progress < 100
        ):
            self._progress.append((at, progress))
        self._last_key = state_key
        self._last_poll = at

    @property
    def last_change(self) -> float | None:
        """When the last observed change became visible (seconds since creation)."""
        return self._changes[-1][1] if self._changes else None

    @property
    def own_cadence(self) -> float | None:
        """The cadence learned from this job alone (None until it saw two changes)."""
        return self.cadence if len(self._changes) >= 2 and self._still else None

    def set_hint(self, seconds: float | None) -> None:
        """The server's latest "poll again after" hint (None clears it)."""
        self.hint = seconds if seconds is None else max(0.0, seconds)

    @property
    def cadence(self) -> float | None:
        """The shortest observed gap between two state changes, once there are two.

        Each change is only known to lie between two reads; the gap is measured between the
        middles of those windows, so one late and one early read do not fake a short cadence.
        """
        if self.exact_period and self.prior is not None:
            return self.prior[0]
        if len(self._changes) < 2 or not self._still:
            # a server whose state changed at every read has shown no cadence of its own
            return self.prior[0] if self.prior is not None else None
        middles = [(after + at) / 2.0 for after, at in self._changes]
        gaps = [b - a for a, b in itertools.pairwise(middles) if b - a > 0]
        return min(gaps) if gaps else None

    def eta(self) -> float | None:
        """When the job is expected to finish (seconds since creation), or None."""
        return self._eta()[0]

    @property
    def settling(self) -> bool:
        """The job reported 99 %, or its provider is done: a plugin gateway's billing hold."""
        if self.provider_done:
            return True
        return bool(self._progress) and self._progress[-1][1] >= SETTLING_PROGRESS

    @property
    def eta_measured(self) -> bool:
        """Whether ``eta()`` comes from the job's own progress rate (not a prior or history)."""
        return self._eta()[1]

    def _eta(self) -> tuple[float | None, bool]:
        """(expected finish, whether it comes from the job's own progress rate)."""
        if len(self._progress) >= 2:
            (t0, p0), (t1, p1) = self._progress[0], self._progress[-1]
            if t1 > t0 and p1 > p0:
                rate = (p1 - p0) / (t1 - t0)
                return t1 + (100 - p1) / rate, True
        if self.expected is not None and self.expected > 0:
            return self.expected, False
        return None, False

    def next_delay(self, now: float) -> float:
        """Seconds to wait before the next read, at ``now`` seconds since creation.

        In order: the backoff on the elapsed time, closing in on the expected end, skipping
        what the model's learned durations rule out, aligning with the server's refresh, and
        the server's own hint.
        """
        elapsed = max(now, 0.0)
        if self.settling:
            # done but for billing, which settles between the gateway's refreshes
            delay = self._settling_delay(elapsed)
            return max(delay, self.hint) if self.hint is not None else delay
        eta, measured = self._eta()
        delay = self._backoff(elapsed)
        if eta is not None:
            delay = self._toward_end(delay, elapsed, eta, measured)
        early = self.earliest is not None and elapsed < self.earliest
        if self.earliest is not None and not measured:
            delay = self._after_earliest(delay, elapsed, self.earliest)
        cadence = self.cadence
        if cadence is not None:
            delay = self._aligned(
                max(delay, cadence * self.cadence_margin),
                elapsed,
                cadence,
                guess_only=not measured,
                early=early,
                measured=measured,
            )
        if self.hint is not None:
            delay = max(delay, self.hint)
        # jitter would make aligned reads land early, and the wait for the earliest finish too
        if self.jitter and cadence is None and not (early and not measured):
            delay *= 1.0 + self.jitter * (random.random() - 0.5)
        return max(delay, 0.0)

    def _settling_delay(self, elapsed: float) -> float:
        """The wait while a plugin gateway holds the job at 99 % for billing.

        Settlement is not tied to the refresh loop: with no knowledge, reads come
        ``SETTLE_LAG_SHARE`` of the lag budget apart. Once other jobs showed how long it takes
        (``hold``) after the refresh that showed 99 % (``settle_window``), the read goes to
        when it must be over, never sooner than it can be.
        """
        budget = max(self.min_interval, SETTLE_LAG_SHARE * self.lag_fraction * elapsed)
        window, hold = self.settle_window, self.hold
        if window is None or hold is None:
            return budget
        first, last = window[0] + hold[0], window[1] + hold[1]
        last += self.slack * max(hold[1], self.min_interval)
        if elapsed >= last:
            return budget  # longer than any before: back to the lag budget
        if last - max(first, elapsed) <= budget:
            return last - elapsed  # one read, when it must be over
        return max(first - elapsed, budget)  # a wide window: from its start, within the budget

    def _backoff(self, elapsed: float) -> float:
        if self.polls <= 1 and not self._changes:
            delay = self.initial
        elif self._queued and not self.exact_period:
            # not started: the end is at least a whole generation away, back off twice as fast
            delay = 2.0 * self.elapsed_fraction * elapsed
        else:
            delay = self.elapsed_fraction * elapsed
        return min(max(delay, self.min_interval), self.max_interval)

    def _toward_end(self, delay: float, elapsed: float, eta: float, measured: bool) -> float:
        remaining = eta - elapsed
        tail = self.tail_fraction * max(elapsed, eta)
        if remaining <= tail / 2 and measured and self.cadence is not None:
            # the job's own rate says it is at its end: on a refreshing server any refresh
            # may show it now (a tenth of the job is less than a refresh here), read the next
            delay = self.min_interval
        elif remaining <= tail / 2:
            delay = tail  # at or past the expected end: read every tail_fraction of the job
        elif measured and remaining <= elapsed:
            # the job's own rate is known and the end is near: land just after it
            delay = remaining + 0.02 * eta
        else:
            delay = max(remaining * 0.6, tail)  # far, or only a guess: close in
        return max(delay, self.min_interval)

    def _after_earliest(self, delay: float, elapsed: float, earliest: float) -> float:
        if elapsed < (earliest - self.min_interval):
            # this model's jobs have not finished this soon: nothing to learn before then
            return earliest - elapsed
        # past it, a finish is plausible at any moment: keep the lag within its budget until
        # the job's own progress rate tells when it ends
        return min(delay, max(self.lag_fraction * elapsed, self.min_interval))

    def _aligned(
        self,
        delay: float,
        elapsed: float,
        cadence: float,
        *,
        guess_only: bool,
        early: bool,
        measured: bool = False,
    ) -> float:
        """``delay`` moved to just after one of the server's refresh instants."""
        # The last change was visible by ``last`` so later ones become visible at
        # last + n * cadence; read just after one of those instants.
        last = self._changes[-1][1] if self._changes else None
        if self.prior is not None and self.prior[1] is not None:
            last = self.prior[1]  # the client's estimate from every job: tighter than ours
        if last is None:
            return delay
        earliest = self.earliest if guess_only else None
        if earliest is not None and early:
            # skip the refreshes before the earliest plausible finish (less one: learned
            # durations are whole refreshes from another job's phase)
            target = earliest - cadence
        elif earliest is not None:
            # a finish is plausible at every refresh now: an end at the next refresh read
            # at the target is that much late, and reads land as far after their refresh as
            # this one did; skip refreshes once the lag budget (a share of the job's time
            # then) allows both
            upcoming = elapsed + cadence
            offset = (elapsed - last) % cadence
            target = upcoming + SKIP_LAG_SHARE * self.lag_fraction * upcoming - offset
        elif measured:
            # the job's own progress rate tells the end: the first refresh that can show it
            target = elapsed + delay
        else:
            # in step with the server, a read costs one refresh and misses nothing between:
            # read more often than the plain backoff would (half its spacing)
            target = elapsed + max(delay / 2.0, cadence)
        # the refresh instant at or before the target (rounding down keeps the lag at most the
        # backoff), but always one after now
        if (early and earliest is not None) or measured:
            # the first refresh at or after it: one before could only show "running"
            n = max(-(-(target - last) // cadence), -(-(elapsed - last) // cadence), 1)
        else:
            n = max(-(-(elapsed - last) // cadence), (target - last) // cadence, 1)
        delay = last + n * cadence + self.slack * cadence - elapsed
        while delay <= 0:  # never a read in the refresh this one already saw
            delay += cadence
        return delay


#: arcs of the circle narrower than this share of the period are dropped as rounding dust
_DUST = 1e-9


class RefreshClock:
    """When a server that refreshes task state on a fixed ``period`` (new-api's loop) refreshes.

    Learned from every job's reads, in the client's own monotonic seconds.

    The refresh *phase* (where on the period's circle the ticks fall) is kept as the set of
    phases not yet ruled out, a union of arcs: all of the circle at first. A change a job sees
    says a refresh happened in (the send time of the read before, the answer time of this
    read]: the set is cut down to that window, folded onto the period (``observe``). A task
    still in the state it was created in says no refresh happened between its create and the
    read (``exclude``): that window is cut out. Both narrow the phase, from any job, in any
    order, so even reads that see nothing teach something. ``lo``/``hi`` is the narrowest window
    that holds every phase left, placed at the latest answer seen; ``tick`` its end, so a read
    sent just after ``tick + n * period`` sees refresh n.

        >>> clock = RefreshClock(15.0)
        >>> clock.observe(20.0, 23.0)    # a refresh in (20, 23]
        >>> clock.observe(34.0, 36.5)    # one in (34, 36.5]; 15 s after (20, 23] is (35, 38]
        >>> clock.lo, clock.hi
        (35.0, 36.5)
        >>> fresh = RefreshClock(15.0)
        >>> fresh.exclude(0.0, 9.0)      # nothing in (0, 9): the refresh is in [9, 15)
        >>> fresh.lo, fresh.hi
        (-6.0, 0.0)
    """

    def __init__(self, period: float, lo: float | None = None, hi: float | None = None) -> None:
        self.period = period
        #: the phases still possible: disjoint, sorted arcs (a, b) with 0 <= a < b <= period
        self._arcs: list[tuple[float, float]] = [(0.0, period)] if period > 0 else []
        #: the latest answer time seen: ``lo``/``hi`` are placed at or before it
        self._anchor = 0.0
        self._misfits = 0
        if lo is not None and hi is not None and period > 0 and 0 < hi - lo < period:
            self._arcs = self._pieces(lo, hi)
            self._anchor = hi
        #: ``lo``/``hi``: placed after every change, read by every status read's planning
        self._window: tuple[float, float] | None = None
        self._place()

    def __repr__(self) -> str:
        return f"RefreshClock(period={self.period!r}, lo={self.lo!r}, hi={self.hi!r})"

    # -- the circle ------------------------------------------------------------------------

    def _pieces(self, a: float, b: float) -> list[tuple[float, float]]:
        """The window (a, b), under a period wide, as arcs of the circle (two if it wraps)."""
        period = self.period
        start = a % period
        end = start + (b - a)
        if end <= period:
            return [(start, end)]
        return [(0.0, end - period), (start, period)]

    @staticmethod
    def _intersect(
        arcs: list[tuple[float, float]], cut: list[tuple[float, float]]
    ) -> list[tuple[float, float]]:
        out = [(max(a, c), min(b, d)) for a, b in arcs for c, d in cut if min(b, d) - max(a, c) > 0]
        return sorted(out)

    @staticmethod
    def _subtract(
        arcs: list[tuple[float, float]], cut: list[tuple[float, float]]
    ) -> list[tuple[float, float]]:
        out = arcs
        for c, d in cut:
            rest: list[tuple[float, float]] = []
            for a, b in out:
                if d <= a or c >= b:
                    rest.append((a, b))
                    continue
                if a < c:
                    rest.append((a, c))
                if d < b:
                    rest.append((d, b))
            out = rest
        return out

    def _set(self, arcs: list[tuple[float, float]]) -> None:
        dust = _DUST * self.period
        self._arcs = [(a, b) for a, b in arcs if b - a > dust]
        self._place()

    def _place(self) -> None:
        """Put the narrowest window holding every phase left at the latest answer seen."""
        hull = self._hull()
        if hull is None:
            self._window = None
            return
        start, width = hull
        # the latest placement whose end is at or before the anchor
        k = math.floor((self._anchor - (start + width)) / self.period + 1e-9)
        lo = start + k * self.period
        self._window = (lo, lo + width)

    def _hull(self) -> tuple[float, float] | None:
        """(start phase, width) of the narrowest arc holding every phase left, or None."""
        arcs, period = self._arcs, self.period
        if not arcs:
            return None
        covered = sum(b - a for a, b in arcs)
        if covered >= period * (1 - _DUST):
            return None  # nothing ruled out yet
        # the hull is the circle minus its widest gap (the gap after the last arc wraps)
        best_gap, start = -1.0, arcs[0][0]
        for i, (_, b) in enumerate(arcs):
            nxt = arcs[i + 1][0] if i + 1 < len(arcs) else arcs[0][0] + period
            if nxt - b > best_gap:
                best_gap, start = nxt - b, nxt % period
        return start, period - best_gap

    # -- learning ----------------------------------------------------------------------------

    def observe(self, after: float, at: float) -> None:
        """A change became visible between ``after`` (request sent) and ``at`` (answer read)."""
        period = self.period
        if period <= 0 or not at > after or at - after >= period:
            return  # a window a whole period wide holds a refresh anyway: nothing learned
        self._anchor = max(self._anchor, at)
        window = self._pieces(after, at)
        kept = self._intersect(self._arcs, window)
        if kept:
            self._set(kept)
            self._misfits = 0
            return
        # inconsistent: one odd window is ignored, several mean the server's loop moved
        self._misfits += 1
        if self._misfits >= 3:
            self._set(window)
            self._misfits = 0
        else:
            self._place()  # the same phases, placed at the new latest answer

    def exclude(self, after: float, before: float) -> None:
        """No refresh happened between ``after`` and ``before`` (a task still in its initial state).

        A cut that would leave no phase at all contradicts what was seen and is ignored.

            >>> clock = RefreshClock(15.0, lo=20.0, hi=26.0)
            >>> clock.exclude(34.0, 38.0)    # 15 s on, (34, 38) is (19, 23): the refresh is later
            >>> clock.lo, clock.hi
            (23.0, 26.0)
        """
        period = self.period
        if period <= 0 or not 0 < before - after < period:
            return
        rest = self._subtract(self._arcs, self._pieces(after, before))
        if rest:
            self._anchor = max(self._anchor, before)
            self._set(rest)

    # -- reading -----------------------------------------------------------------------------

    @property
    def lo(self) -> float | None:
        return None if self._window is None else self._window[0]

    @property
    def hi(self) -> float | None:
        return None if self._window is None else self._window[1]

    def refresh_within(self, after: float, at: float) -> tuple[float, float]:
        """Where in (``after``, ``at``] the refresh a read saw can have been.

        The parts of the phase window that fall in it (their span), or all of it when the
        phase is not known.

            >>> RefreshClock(15.0, lo=10.0, hi=11.0).refresh_within(20.0, 33.0)
            (25.0, 26.0)
        """
        window = self._window
        if window is None or not at > after:
            return after, at
        lo, hi, period = window[0], window[1], self.period
        first = math.floor((after - hi) / period)
        pieces = [
            (max(lo + k * period, after), min(hi + k * period, at))
            for k in range(first, math.ceil((at - lo) / period) + 1)
        ]
        pieces = [(a, b) for a, b in pieces if b > a]
        if not pieces:
            return after, at  # the read contradicts the clock: trust the read
        return pieces[0][0], pieces[-1][1]

    def next_middle(self, after: float) -> float | None:
        """The first instant after ``after`` half-way through the window a refresh lies in."""
        window = self._window
        if window is None:
            return None
        middle = (window[0] + window[1]) / 2.0
        return middle + math.ceil((after - middle) / self.period) * self.period

    @property
    def tick(self) -> float | None:
        """A refresh instant (its latest possible time), or None before anything was learned."""
        return self.hi

    @property
    def uncertainty(self) -> float | None:
        """How wide the window of possible refresh instants is (None: all of the period)."""
        window = self._window
        return None if window is None else window[1] - window[0]
