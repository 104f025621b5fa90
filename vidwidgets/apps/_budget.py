"""The Comparison grid's price gate: what its new cells would cost, and whether they may start.

``decide()`` is pure logic on plain data (no widget, no client, no loop): the prices of the cells
that would create, what this grid already committed, the budget, the confirmation threshold and
the consent given so far go in; a [`Verdict`][vidwidgets.apps._budget.Verdict] comes out, with the
header's text, the reason it waits or is refused, the button's label and the cells it names.
``PriceGate`` asks the client for the prices and remembers what was admitted.

    >>> cells = [CellPrice(f"k{i}", "veo-3.1-generate-preview", 3.2, "...") for i in range(16)]
    >>> verdict = decide(cells, budget=None, threshold=5.0)
    >>> verdict.action, verdict.text, verdict.button
    ('confirm', '16 videos ≈ $51.20', 'Run 16 videos for $51.20')
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from vidwidgets.client import BudgetExceeded, ValidationError, VideoRequest

__all__ = [
    "DEFAULT_CONFIRM_OVER_USD",
    "CellPrice",
    "PriceGate",
    "Verdict",
    "check_usd",
    "decide",
    "grid_text",
]

#: a grid above this estimate (or of unknown price) waits for a click when there is no budget
DEFAULT_CONFIRM_OVER_USD = 5.0
#: float sums of cents: reaching the budget exactly is allowed
_SLACK = 1e-9
_HOW_TO_PRICE = (
    "Give its price: VideoClient(prices={{{model!r}: {{'usd': 0.35, 'per': 'call'}}}}) or a JSON "
    "file named by $VIDWIDGETS_PRICES (per is 'call' or 'second')."
)


def check_usd(name: str, value: Any, *, optional: bool) -> float | None:
    """``value`` as a float of USD; ``ValidationError`` naming ``name`` when it is not one.

    Args:
        name: the argument, as the message names it (``"budget_usd"``).
        value: what was given.
        optional: None is allowed (and returned).

    Returns:
        The amount, or None.

    Raises:
        ValidationError: a negative, NaN, infinite or non-numeric amount.

    Example:
        >>> check_usd("budget_usd", 20, optional=True)
        20.0
    """
    allowed = "a finite number of USD >= 0" + (", or None" if optional else "")
    if value is None and optional:
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value < 0:
        raise ValidationError(name, value, allowed)
    return float(value)


@dataclass(frozen=True)
class CellPrice:
    """The estimate of one cell that would create (``usd`` None: unknown)."""

    key: str
    model: str
    usd: float | None
    basis: str


@dataclass(frozen=True)
class Verdict:
    """Whether the cells priced may start, and what the header says about it.

    Attributes:
        action: ``"start"``, ``"confirm"`` (wait for a click or ``run()``) or ``"refuse"`` (over
            the budget, or a price unknown under a budget).
        count: the grid's videos that are paid for here (admitted before, plus these).
        total: their estimate in USD (None when a price is unknown).
        text: the header's line, e.g. ``"16 videos ≈ $51.20"``.
        reason: why it waits or is refused (``""`` when it starts).
        button: the confirm button's label (``""`` unless ``action`` is ``"confirm"``).
        flagged: the keys of the cells the reason is about (the costly or unknown ones).
        basis: one line per model, to check the total (the header's tooltip).
        budget: the budget in force (None: none).
        committed: USD admitted before these cells.
    """

    action: Literal["start", "confirm", "refuse"]
    count: int = 0
    total: float | None = 0.0
    text: str = ""
    reason: str = ""
    button: str = ""
    flagged: tuple[str, ...] = ()
    basis: str = ""
    budget: float | None = None
    committed: float = 0.0
    prices: tuple[CellPrice, ...] = field(default=(), repr=False)

    def front(self) -> dict[str, Any]:
        """The small dict the header is drawn from."""
        state = {"start": "ok", "confirm": "confirm", "refuse": "refused"}[self.action]
        return {
            "text": self.text,
            "basis": self.basis,
            "state": state if self.count else "",
            "reason": self.reason,
            "button": self.button,
            "flagged": list(self.flagged),
        }

    def error(self) -> BudgetExceeded:
        """The exception ``await cmp`` raises for a grid that did not start."""
        unknown = [p for p in self.prices if p.usd is None]
        first = (unknown or list(self.prices) or [CellPrice("", "", None, "")])[0]
        new = sum(p.usd or 0.0 for p in self.prices)
        hint = (
            _HOW_TO_PRICE.format(model=first.model)
            if unknown
            else (
                "Raise budget_usd, or remove the costly cells."
                if self.action == "refuse"
                else "Click the Run button in the grid's header, or `await cmp.run()`."
            )
        )
        return BudgetExceeded(
            f"{self.reason} (nothing was sent)",
            cap=self.budget if self.budget is not None else math.inf,
            spent=self.committed,
            requested=None if unknown else new,
            model=first.model,
            hint=hint,
        )


def _money(usd: float) -> str:
    return f"${usd:,.2f}"


def _videos(count: int) -> str:
    return f"{count} video{'s' if count != 1 else ''}"


def grid_text(count: int, total: float | None) -> str:
    """The header's line: ``"16 videos ≈ $51.20"``, or ``"3 videos · price unknown"``.

    Example:
        >>> grid_text(1, 0.35), grid_text(2, None)
        ('1 video ≈ $0.35', '2 videos · price unknown')
    """
    if total is None:
        return f"{_videos(count)} · price unknown"
    return f"{_videos(count)} ≈ {_money(total)}"


def _by_model(prices: Sequence[CellPrice]) -> list[tuple[str, int, float | None]]:
    """(model, cells, subtotal) per model, the costliest first (unknown ones first of all)."""
    groups: dict[str, list[CellPrice]] = {}
    for price in prices:
        groups.setdefault(price.model, []).append(price)
    rows: list[tuple[str, int, float | None]] = []
    for model, items in groups.items():
        known = all(p.usd is not None for p in items)
        rows.append((model, len(items), sum(p.usd or 0.0 for p in items) if known else None))
    return sorted(rows, key=lambda r: -math.inf if r[2] is None else -r[2])


def _breakdown(prices: Sequence[CellPrice]) -> str:
    parts = []
    for model, count, subtotal in _by_model(prices):
        parts.append(
            f"{model}: {_videos(count)}, price unknown"
            if subtotal is None
            else f"{model}: {_videos(count)} = {_money(subtotal)}"
        )
    return "; ".join(parts)


def _basis(prices: Sequence[CellPrice]) -> str:
    seen: dict[str, str] = {}
    for price in prices:
        seen.setdefault(price.model, price.basis)
    return "\n".join(f"{count} × {seen[model]}" for model, count, _ in _by_model(prices))


def decide(
    prices: Sequence[CellPrice],
    *,
    budget: float | None,
    threshold: float,
    committed: float = 0.0,
    committed_count: int = 0,
    committed_unknown: bool = False,
    consent: float = 0.0,
    confirmed: bool = False,
) -> Verdict:
    """Whether the cells of ``prices`` may be sent.

    Args:
        prices: the estimates of the cells that would create (stored ones cost nothing new).
        budget: ``budget_usd``: above it, or with a price unknown, nothing is sent (None: none).
        threshold: ``confirm_over_usd``: without a budget, a grid above it (or of unknown price)
            waits for a click.
        committed: USD this grid already admitted (its earlier cells count).
        committed_count: how many cells that was.
        committed_unknown: some of them had no price (the grid's total is unknown).
        consent: USD the user agreed to before (``math.inf``: ``confirm=True``).
        confirmed: the user asked for these very cells (a click, ``run()``): without a budget
            they start, whatever they cost.

    Returns:
        The verdict, with what the header shows.

    Example:
        >>> decide([CellPrice("a", "kling-v1", 0.35, "...")], budget=0.30, threshold=5).reason
        'over budget_usd=$0.30: 1 video ≈ $0.35 (kling-v1: 1 video = $0.35)'
    """
    unknown = tuple(p.key for p in prices if p.usd is None)
    new = sum(p.usd or 0.0 for p in prices)
    count = committed_count + len(prices)
    total = None if unknown or committed_unknown else committed + new
    common: dict[str, Any] = {
        "count": count,
        "total": total,
        "text": grid_text(count, total) if count else "",
        "basis": _basis(prices),
        "budget": budget,
        "committed": committed,
        "prices": tuple(prices),
    }
    if not prices:
        return Verdict("start", **common)
    so_far = f" ({_money(committed)} already estimated)" if committed else ""
    if budget is not None:
        if unknown:
            models = ", ".join(m for m, _, sub in _by_model(prices) if sub is None)
            reason = f"budget_usd={_money(budget)} is set and the price of {models} is unknown"
            return Verdict("refuse", reason=reason, flagged=unknown, **common)
        if committed + new > budget + _SLACK:
            reason = (
                f"over budget_usd={_money(budget)}: {grid_text(len(prices), new)}{so_far} "
                f"({_breakdown(prices)})"
            )
            return Verdict("refuse", reason=reason, flagged=tuple(p.key for p in prices), **common)
        return Verdict("start", **common)
    allowed = max(threshold, consent)
    if confirmed or consent == math.inf or (not unknown and committed + new <= allowed + _SLACK):
        return Verdict("start", **common)
    more = "more " if committed_count else ""
    if unknown:
        models = ", ".join(m for m, _, sub in _by_model(prices) if sub is None)
        reason = f"the price of {models} is unknown: nothing is sent until you confirm"
        button = f"Run {len(prices)} {more}video{'s' if len(prices) != 1 else ''} (price unknown)"
        return Verdict("confirm", reason=reason, button=button, flagged=unknown, **common)
    reason = (
        f"{grid_text(len(prices), new)}{so_far} is over confirm_over_usd={_money(threshold)}: "
        "nothing is sent until you confirm"
    )
    button = f"Run {len(prices)} {more}video{'s' if len(prices) != 1 else ''} for {_money(new)}"
    return Verdict("confirm", reason=reason, button=button, **common)


class PriceGate:
    """What one grid admitted, and the gate its new cells pass (``lock``: one at a time).

    Args:
        client: has ``async estimate_cost(request)`` (a client without it prices nothing:
            every price is unknown).
        budget: ``budget_usd`` (checked).
        threshold: ``confirm_over_usd`` (checked).
        confirm: ``confirm=True``: consent to any amount when there is no budget.
    """

    def __init__(self, client: Any, budget: Any, threshold: Any, *, confirm: bool) -> None:
        self.client = client
        self.budget = check_usd("budget_usd", budget, optional=True)
        self.threshold = check_usd("confirm_over_usd", threshold, optional=False) or 0.0
        self.consent = math.inf if confirm else 0.0
        self.committed = 0.0
        self.committed_count = 0
        self.committed_unknown = False
        self.verdict = Verdict("start")
        #: held around pricing and sending, so two admissions never count the same cells
        self.lock = asyncio.Lock()

    async def price(self, key: str, request: VideoRequest) -> CellPrice:
        """One cell's estimate; a failing lookup is an unknown price, never an error."""
        estimate = getattr(self.client, "estimate_cost", None)
        if estimate is None:
            return CellPrice(
                key, request.model, None, f"{request.model}: this client has no prices"
            )
        try:
            found = await estimate(request)
        except Exception as exc:  # a price we cannot read is unknown, the grid still shows
            return CellPrice(
                key, request.model, None, f"{request.model}: price lookup failed: {exc}"
            )
        return CellPrice(key, request.model, found.usd, found.basis)

    async def admit(
        self, cells: Sequence[tuple[str, VideoRequest]], *, confirmed: bool = False
    ) -> Verdict:
        """Price ``cells`` (key, request) and decide; what starts counts as committed.

        Hold ``lock`` from before choosing the cells until they are sent.

        Args:
            cells: the cells that would create.
            confirmed: the user asked for these (a click or ``run()``): consent to their total.

        Returns:
            The verdict (also in ``verdict``).
        """
        prices = await asyncio.gather(*(self.price(k, r) for k, r in cells))
        verdict = decide(
            prices,
            budget=self.budget,
            threshold=self.threshold,
            committed=self.committed,
            committed_count=self.committed_count,
            committed_unknown=self.committed_unknown,
            consent=self.consent,
            confirmed=confirmed,
        )
        if verdict.action == "start":
            self.committed += sum(p.usd or 0.0 for p in prices)
            if confirmed:  # what the user agreed to: later cells within it need no new click
                self.consent = max(self.consent, self.committed)
            self.committed_count += len(prices)
            self.committed_unknown |= any(p.usd is None for p in prices)
        self.verdict = verdict
        return verdict
