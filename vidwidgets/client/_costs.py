"""What a job is estimated to cost, what the gateway says it charged, and the spend cap.

``CostEstimate`` is computed before a create (``_pricing``); ``JobCost`` rides on the job
(``job.cost``) with the ratios the gateway applied; ``SpendLedger`` holds the estimates of
everything one client created and refuses a create that would pass ``max_spend_usd``. A
failed job is refunded by the gateway, so the ledger gives its estimate back.

    >>> ledger = SpendLedger(1.0)
    >>> seat = ledger.reserve(CostEstimate(usd=0.4, basis="kling-v1: $0.40 per call",
    ...                                     model="kling-v1"))
    >>> round(ledger.spent(), 2)
    0.4
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from vidwidgets.client._exceptions import BudgetExceeded, ValidationError

if TYPE_CHECKING:
    from vidwidgets.client._types import VideoJob

__all__ = ["CostEstimate", "JobCost", "SpendLedger", "check_cap"]

#: float sums of cents: reaching the cap exactly is allowed
_SLACK = 1e-9


@dataclass(frozen=True)
class CostEstimate:
    """What one request is expected to cost, and how that was worked out.

    Attributes:
        usd: the estimate in USD, or None when the price is **unknown** (never read as $0).
        basis: the computation in words a person can check, e.g.
            ``"veo-3.1-generate-preview: $0.40 per second × 8 s × group default 1.0 = $3.20"``.
        model: the request's model.
        seconds: the length the estimate multiplies by (None for a flat price per call).
        group: the gateway group whose ratio applies (None for a user price).
        ratio: that group's multiplier (1.0 for a user price).
        source: where the price came from: ``"gateway"``, ``"user"`` or ``"none"``.
        display_currency: the gateway's display currency (``"USD"``, ``"CNY"``, ``"TOKENS"``
            or a custom symbol); None when it did not say.
        display_amount: the estimate in that currency (None when unknown).

    Example:
        >>> CostEstimate(usd=None, basis="no price for my-model", model="my-model").known
        False
    """

    usd: float | None
    basis: str
    model: str
    seconds: int | None = None
    group: str | None = None
    ratio: float = 1.0
    source: str = "none"
    display_currency: str | None = None
    display_amount: float | None = None

    @property
    def known(self) -> bool:
        """True when there is a price (``usd`` is a number)."""
        return self.usd is not None

    def __str__(self) -> str:
        return self.basis


@dataclass(frozen=True)
class JobCost:
    """One job's cost: the estimate, and what the gateway reported applying.

    Attributes:
        estimate: the ``CostEstimate`` made before the create.
        ratios: the ratios the gateway applied (its ``X-New-Api-Other-Ratios`` header;
            empty when it sent none).
        applied_usd: the gateway's price × group ratio × those ratios, when the gateway's price
            and header are both known; None otherwise.
        refunded: True once the job failed (the gateway gives a failed task's quota back).

    Example:
        >>> est = CostEstimate(usd=3.2, basis="...", model="veo-3.1-generate-preview")
        >>> JobCost(est, {"seconds": 8.0}, 3.2, refunded=True).charged_usd
        0.0
    """

    estimate: CostEstimate
    ratios: Mapping[str, float] = field(default_factory=dict)
    applied_usd: float | None = None
    refunded: bool = False

    @property
    def estimate_usd(self) -> float | None:
        """The estimate in USD (None: unknown)."""
        return self.estimate.usd

    @property
    def charged_usd(self) -> float | None:
        """What the gateway charged as far as it told: 0 when refunded, else ``applied_usd``."""
        return 0.0 if self.refunded else self.applied_usd


def check_cap(value: Any) -> float | None:
    """``max_spend_usd`` as a float, or None for no cap.

    Raises:
        ValidationError: a negative, NaN, infinite or non-numeric cap.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError("max_spend_usd", value, "a finite number of USD >= 0, or None")
    if value < 0:
        raise ValidationError("max_spend_usd", value, "a finite number of USD >= 0, or None")
    return float(value)


@dataclass(eq=False)
class _Seat:
    """An estimate held for a create in flight (so two creates cannot both slip under)."""

    usd: float


class SpendLedger:
    """The estimated spend of one client's creates, against an optional cap (thread-safe).

    Args:
        cap: ``max_spend_usd`` (None: no cap; every create is allowed and still recorded).
    """

    def __init__(self, cap: float | None) -> None:
        self.cap = cap
        self._lock = threading.Lock()
        self._jobs: dict[str, VideoJob] = {}
        self._seats: list[_Seat] = []

    def spent(self) -> float:
        """Estimated USD of the jobs created (failed ones given back) and creates in flight."""
        with self._lock:
            return self._spent()

    def _spent(self) -> float:
        total = sum(seat.usd for seat in self._seats)
        for job in self._jobs.values():
            cost = job.cost
            if cost is not None and not cost.refunded and job.status.value != "failed":
                total += cost.estimate_usd or 0.0
        return total

    def reserve(self, estimate: CostEstimate) -> _Seat:
        """Hold ``estimate`` for a create about to be sent.

        Raises:
            BudgetExceeded: a cap is set and the estimate is unknown or would pass it.
        """
        with self._lock:
            if self.cap is not None:
                self._refuse_over_cap(estimate, self._spent())
            seat = _Seat(estimate.usd or 0.0)
            self._seats.append(seat)
            return seat

    def _refuse_over_cap(self, estimate: CostEstimate, spent: float) -> None:
        cap = self.cap if self.cap is not None else math.inf
        if estimate.usd is None:
            raise BudgetExceeded(
                f"max_spend_usd=${cap:.2f} is set and the price of {estimate.model} is unknown "
                f"({estimate.basis}); nothing was sent",
                cap=cap,
                spent=spent,
                requested=None,
                model=estimate.model,
                hint=f"Give its price: VideoClient(prices={{{estimate.model!r}: "
                "{'usd': 0.35, 'per': 'call'}}) or a JSON file named by $VIDWIDGETS_PRICES "
                "(per is 'call' or 'second').",
            )
        if spent + estimate.usd > cap + _SLACK:
            raise BudgetExceeded(
                f"this create would pass max_spend_usd=${cap:.2f}: ${spent:.2f} estimated so "
                f"far + ${estimate.usd:.2f} for this request ({estimate.basis}); nothing was sent",
                cap=cap,
                spent=spent,
                requested=estimate.usd,
                model=estimate.model,
                hint="Raise max_spend_usd, choose a shorter or cheaper request, or wait for "
                "failed jobs (refunded) to end.",
            )

    def release(self, seat: _Seat) -> None:
        """Give back a seat whose create was not accepted."""
        with self._lock:
            if seat in self._seats:
                self._seats.remove(seat)

    def commit(self, seat: _Seat, job: VideoJob) -> None:
        """The create was accepted: ``job`` (with ``job.cost`` set) holds the estimate now."""
        with self._lock:
            if seat in self._seats:
                self._seats.remove(seat)
            self._jobs[job.id] = job

    def ended(self, task_id: str) -> None:
        """A job ended: a failed one is marked refunded (its estimate is given back)."""
        with self._lock:
            job = self._jobs.get(task_id)
        if job is not None and job.cost is not None and job.status.value == "failed":
            job.cost = replace(job.cost, refunded=True)
