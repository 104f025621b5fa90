"""What each run cost, as the manifest keeps it, and the running total of an experiment.

A run's [`RunCost`][vidwidgets.experiments.RunCost] is written with its task id, before any
waiting: the client's estimate (``usd`` and the ``basis`` a person can check) and, where the
gateway said so at the create (its ``X-New-Api-Other-Ratios`` header), the amount it applied. A
failed task is refunded by the gateway, so it records 0 charged. A cell taken from the cache or
loaded from disk was not paid again: it costs 0. A retry moves the earlier attempt's spend into
``earlier_*`` so re-rolling a paid video never makes the total shrink.

[`Spend`][vidwidgets.experiments.Spend] adds the runs up; an unknown price is counted, never
read as $0.

    >>> RunCost(estimate_usd=0.2, basis="viduq1: $0.20 per call", charged_usd=0.2).describe()
    '$0.20 estimated, $0.20 charged'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["RunCost", "Spend", "format_usd", "spend_of"]


def format_usd(usd: float | None, *, unknown: str = "unknown") -> str:
    """``$3.20``; ``unknown`` for None (an unknown price is never shown as $0).

    >>> format_usd(3.2), format_usd(0.004), format_usd(None)
    ('$3.20', '$0.004', 'unknown')
    """
    if usd is None:
        return unknown
    if 0 < abs(usd) < 0.01:
        return f"${usd:.3f}"
    return f"${usd:,.2f}"


def _usd(value: Any) -> float | None:
    """A manifest's number of USD, or None (a hostile or damaged manifest never crashes)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


@dataclass(frozen=True)
class RunCost:
    """One run's cost as its manifest record keeps it (``RunRecord.cost``).

    Attributes:
        estimate_usd: the client's estimate before the create (None: the price is unknown).
        basis: how the estimate was worked out, e.g. ``"viduq1: $0.20 per call × group
            default 1 = $0.20"``.
        charged_usd: what the gateway said it applied (None: it did not say); 0 once refunded.
        ratios: the ratios the gateway applied (its ``X-New-Api-Other-Ratios`` header).
        refunded: the task failed, and the gateway gives a failed task's quota back.
        earlier_estimate_usd: the estimates of earlier attempts this run replaced (a retry),
            refunded ones left out.
        earlier_charged_usd: what the gateway applied to those earlier attempts, where known.

    Example:
        >>> RunCost(estimate_usd=3.2, basis="...").refund().charged_usd
        0.0
    """

    estimate_usd: float | None = None
    basis: str = ""
    charged_usd: float | None = None
    ratios: Mapping[str, float] = field(default_factory=dict)
    refunded: bool = False
    earlier_estimate_usd: float = 0.0
    earlier_charged_usd: float = 0.0

    @classmethod
    def from_job(cls, job_cost: Any, estimate: Any = None) -> RunCost:
        """The cost of a job just created.

        Args:
            job_cost: the job's ``JobCost`` (``job.cost``; None when the client set none).
            estimate: the ``CostEstimate`` asked for before the create, used when ``job_cost``
                is None or its own estimate is unknown.

        Returns:
            The estimate, basis, charged amount and ratios, as far as they are known.
        """
        chosen = getattr(job_cost, "estimate", None)
        if estimate is not None and (chosen is None or getattr(chosen, "usd", None) is None):
            chosen = estimate
        ratios = getattr(job_cost, "ratios", None) or {}
        return cls(
            estimate_usd=_usd(getattr(chosen, "usd", None)),
            basis=str(getattr(chosen, "basis", "") or "no estimate was made"),
            charged_usd=_usd(getattr(job_cost, "charged_usd", None)),
            ratios={str(k): float(v) for k, v in ratios.items()},
        )

    @classmethod
    def reused(cls, source: str) -> RunCost:
        """A run whose video came from an earlier run (``source``): nothing paid again."""
        return cls(0.0, f"reused {source}: nothing was sent", 0.0)

    @classmethod
    def from_dict(cls, data: Any) -> RunCost | None:
        """A manifest's ``cost`` entry, tolerant of missing or damaged values (None: no cost)."""
        if not isinstance(data, Mapping):
            return None
        ratios = data.get("ratios")
        return cls(
            estimate_usd=_usd(data.get("estimate_usd")),
            basis=str(data.get("basis") or ""),
            charged_usd=_usd(data.get("charged_usd")),
            ratios={
                str(k): float(v)
                for k, v in (ratios.items() if isinstance(ratios, Mapping) else ())
                if _usd(v) is not None
            },
            refunded=data.get("refunded") is True,
            earlier_estimate_usd=_usd(data.get("earlier_estimate_usd")) or 0.0,
            earlier_charged_usd=_usd(data.get("earlier_charged_usd")) or 0.0,
        )

    def refund(self) -> RunCost:
        """This cost once the task failed: 0 charged (the gateway refunds failed tasks)."""
        return replace(self, charged_usd=0.0, refunded=True)

    def replaced(self) -> RunCost:
        """What a new attempt of this run starts from: this attempt's spend moved to earlier."""
        paid = not self.refunded
        return RunCost(
            estimate_usd=None,
            basis="",
            earlier_estimate_usd=self.earlier_estimate_usd
            + ((self.estimate_usd or 0.0) if paid else 0.0),
            earlier_charged_usd=self.earlier_charged_usd + (self.charged_usd or 0.0),
        )

    def describe(self) -> str:
        """One line for people: ``"$3.20 estimated, $3.20 charged"`` (or what is unknown).

        >>> RunCost(None, "no price for my-model").describe()
        'price unknown'
        """
        if self.refunded:
            return f"{format_usd(self.estimate_usd)} estimated, refunded ($0.00 charged)"
        if self.estimate_usd is None and self.charged_usd is None:
            return "price unknown"
        text = f"{format_usd(self.estimate_usd)} estimated"
        if self.charged_usd is not None:
            text += f", {format_usd(self.charged_usd)} charged"
        return text


@dataclass(frozen=True)
class Spend:
    """The running total of an experiment's (or a runner's) runs.

    Attributes:
        estimated_usd: the estimates of the runs sent (refunded failures left out, earlier
            attempts of retried cells counted).
        charged_usd: what the gateway said it applied, summed where it said so.
        runs: runs sent to the gateway (or reused at no cost) that count here.
        unknown: runs whose price is unknown (not in ``estimated_usd``).
        uncharged: runs the gateway did not tell a charge for (not in ``charged_usd``).

    Example:
        >>> Spend(3.2, 3.2, runs=1).describe()
        '$3.20 estimated, $3.20 charged (1 run)'
    """

    estimated_usd: float = 0.0
    charged_usd: float = 0.0
    runs: int = 0
    unknown: int = 0
    uncharged: int = 0

    def describe(self) -> str:
        """One line for people, naming what is unknown.

        >>> Spend(0.4, 0.0, runs=3, unknown=1, uncharged=3).describe()
        '$0.40 estimated + 1 unknown, charge not reported (3 runs)'
        """
        text = format_usd(self.estimated_usd) + " estimated"
        if self.unknown:
            text += f" + {self.unknown} unknown"
        if self.uncharged < self.runs or not self.runs:
            text += f", {format_usd(self.charged_usd)} charged"
            if self.uncharged:
                text += f" + {self.uncharged} not reported"
        else:
            text += ", charge not reported"
        return f"{text} ({self.runs} run{'' if self.runs == 1 else 's'})"


def spend_of(records: Iterable[Any]) -> Spend:
    """Add up the costs of runs (``RunRecord``-like: ``cost``, ``job_id``, ``cached_from``).

    A run counts once it was sent (it has a task id) or reused; one with a task id and no cost
    (a manifest written before costs were recorded) counts as unknown. The earlier attempts of a
    retried cell count even while its new attempt has not been sent.

    Args:
        records: the runs.

    Returns:
        The [`Spend`][vidwidgets.experiments.Spend].
    """
    estimated = charged = 0.0
    runs = unknown = uncharged = 0
    for rec in records:
        cost: RunCost | None = rec.cost
        if cost is not None:
            estimated += cost.earlier_estimate_usd
            charged += cost.earlier_charged_usd
        if not (rec.job_id or rec.cached_from):
            continue  # not sent (yet): nothing to pay for this attempt
        runs += 1
        if cost is None:
            unknown += 1
            uncharged += 1
            continue
        if cost.refunded:
            continue  # given back: 0 charged, and its estimate does not count
        if cost.estimate_usd is None:
            unknown += 1
        else:
            estimated += cost.estimate_usd
        if cost.charged_usd is None:
            uncharged += 1
        else:
            charged += cost.charged_usd
    return Spend(round(estimated, 6), round(charged, 6), runs, unknown, uncharged)
