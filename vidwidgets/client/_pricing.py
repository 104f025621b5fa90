"""Prices: read from the gateway or given by the user, and the estimate of one request.

Where a price comes from, first match wins:

1. the user's table, ``VideoClient(prices={...})``, then the JSON file named by
   ``$VIDWIDGETS_PRICES`` — ``{"model": {"usd": 0.40, "per": "second"}}`` (``per`` is
   ``"call"`` or ``"second"``; omitted, the vendor's rule decides). A user price is what you
   pay: no group ratio or resolution ratio is applied to it;
2. the gateway's ``GET /api/pricing`` (``model_price`` in USD when ``quota_type`` is 1),
   times the group's ratio and the vendor's other ratios; ``GET /api/status`` gives the quota
   unit and the display currency. Both are cached per client for ``PRICE_TTL`` seconds.

A model with no price is **unknown** (``CostEstimate.usd is None``), never $0; so is one the
gateway bills by an expression (``billing_mode: "tiered_expr"``) or by token ratio.

The vendors' other ratios (new-api's task plugins), one table:

    >>> RULES["veo"], RULES["kling"], DEFAULT_SECONDS["sora"]
    ('second', 'call', 4)
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import aiohttp

from vidwidgets.client._costs import CostEstimate, JobCost, SpendLedger, check_cap
from vidwidgets.client._exceptions import APIStatusError, ProtocolError, ValidationError
from vidwidgets.client._http import Response, Transport
from vidwidgets.client._types import VideoJob, VideoRequest

__all__ = [
    "PRICE_TTL",
    "GatewayPrices",
    "ModelPrice",
    "PriceBook",
    "Spending",
    "TokenUsage",
    "applied_usd",
    "estimate",
    "fetch_usage",
    "job_cost",
    "load_user_prices",
    "parse_pricing",
    "parse_ratios",
    "parse_status",
]

PRICE_TTL: Final[float] = 600.0
QUOTA_PER_UNIT: Final[float] = 500_000.0
PRICES_ENV: Final[str] = "VIDWIDGETS_PRICES"

Per = Literal["call", "second"]
#: how a vendor's price scales: flat per call, × seconds, or × seconds × a resolution ratio
Rule = Literal["call", "second", "second_resolution"]
RULES: Final[dict[str, Rule]] = {
    "kling": "call",
    "vidu": "call",
    "hailuo": "call",
    "jimeng": "call",
    "seedance": "call",  # a video-input ratio only; requests here carry no input video
    "sora": "second",
    "veo": "second",
    "wan": "second_resolution",
    "generic": "call",  # an unknown vendor: assumed, and the basis says so
}
DEFAULT_SECONDS: Final[dict[str, int]] = {"sora": 4, "veo": 8, "wan": 5}
#: Wan's resolution ratio by the short side: assumed (new-api's plugin does not publish it)
WAN_RESOLUTION_RATIO: Final[dict[str, float]] = {"480P": 0.5, "720P": 1.0, "1080P": 1.5}
DEFAULT_GROUP: Final[str] = "default"


@dataclass(frozen=True)
class ModelPrice:
    """One model's price in USD (None: unknown, with ``note`` saying why)."""

    usd: float | None
    per: Per | None = None
    source: str = "gateway"
    note: str = ""


@dataclass(frozen=True)
class GatewayPrices:
    """What ``/api/status`` and ``/api/pricing`` said (``note``: why there are no prices)."""

    models: Mapping[str, ModelPrice] = field(default_factory=dict)
    group_ratio: Mapping[str, float] = field(default_factory=dict)
    quota_per_unit: float = QUOTA_PER_UNIT
    display_currency: str | None = None
    display_rate: float | None = None
    note: str = ""
    fetched_at: float = field(default_factory=time.monotonic)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def parse_status(body: Any) -> tuple[float, str | None, float | None]:
    """``(quota_per_unit, display currency, USD → display rate)`` of an ``/api/status`` body.

    >>> parse_status({"data": {"quota_per_unit": 500000, "quota_display_type": "CNY",
    ...                        "usd_exchange_rate": 7.3}})
    (500000.0, 'CNY', 7.3)
    """
    data = body.get("data") if isinstance(body, Mapping) else None
    data = data if isinstance(data, Mapping) else {}
    unit = _number(data.get("quota_per_unit"))
    unit = unit if unit and unit > 0 else QUOTA_PER_UNIT
    kind = data.get("quota_display_type")
    if kind == "CNY":
        return unit, "CNY", _number(data.get("usd_exchange_rate"))
    if kind == "TOKENS":
        return unit, "TOKENS", unit
    if kind == "CUSTOM":
        symbol = data.get("custom_currency_symbol")
        rate = _number(data.get("custom_currency_exchange_rate"))
        return unit, symbol if isinstance(symbol, str) and symbol else "CUSTOM", rate
    return unit, "USD" if kind == "USD" else None, 1.0 if kind == "USD" else None


def _gateway_price(item: Mapping[str, Any]) -> ModelPrice:
    if item.get("billing_mode") == "tiered_expr":
        return ModelPrice(None, note="the gateway bills it by an expression (tiered_expr)")
    price = _number(item.get("model_price"))
    if item.get("quota_type") != 1 or price is None or price < 0:
        return ModelPrice(None, note="the gateway prices it by token ratio, not per call")
    return ModelPrice(price)


def parse_pricing(body: Any) -> tuple[dict[str, ModelPrice], dict[str, float]]:
    """The per-model prices and group ratios of an ``/api/pricing`` body.

    Raises:
        ProtocolError: the body has no ``data`` list.
    """
    items = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise ProtocolError("GET /api/pricing did not answer a price list", code="bad_pricing")
    models = {
        item["model_name"]: _gateway_price(item)
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("model_name"), str)
    }
    ratios = body.get("group_ratio")
    groups = {
        str(name): number
        for name, value in (ratios.items() if isinstance(ratios, Mapping) else ())
        if (number := _number(value)) is not None and number >= 0
    }
    return models, groups


def _user_price(model: str, entry: Any) -> ModelPrice:
    allowed = "{'usd': <number >= 0>, 'per': 'call' or 'second'}"
    if not isinstance(entry, Mapping):
        raise ValidationError(f"prices[{model!r}]", entry, allowed)
    usd, per = _number(entry.get("usd")), entry.get("per")
    if usd is None or usd < 0 or per not in (None, "call", "second"):
        raise ValidationError(f"prices[{model!r}]", dict(entry), allowed)
    return ModelPrice(usd, per, source="user")


def load_user_prices(prices: Mapping[str, Any] | None) -> dict[str, ModelPrice]:
    """The user's table: the ``$VIDWIDGETS_PRICES`` file, overridden by ``prices``.

    Raises:
        ValidationError: an entry is not ``{"usd": number, "per": "call"|"second"}``, or the
            file cannot be read as a JSON object.
    """
    table: dict[str, Any] = {}
    path = os.environ.get(PRICES_ENV)
    if path:
        try:
            loaded = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValidationError(PRICES_ENV, path, f"a readable JSON file ({exc})") from None
        if not isinstance(loaded, Mapping):
            raise ValidationError(PRICES_ENV, path, "a JSON object of model -> price")
        table.update(loaded)
    if prices is not None:
        if not isinstance(prices, Mapping):
            raise ValidationError("prices", prices, "a dict of model -> {'usd', 'per'}")
        table.update(prices)
    return {str(model): _user_price(str(model), entry) for model, entry in table.items()}


def _is_object(header: str) -> bool:
    """Whether a header is a JSON object (a malformed one tells nothing)."""
    try:
        return isinstance(json.loads(header), Mapping)
    except ValueError:
        return False


def parse_ratios(header: str | None) -> dict[str, float]:
    """The ratios of an ``X-New-Api-Other-Ratios`` header (``{}`` when absent or malformed).

    >>> parse_ratios('{"seconds":8}')
    {'seconds': 8.0}
    """
    try:
        data = json.loads(header) if header else {}
    except ValueError:
        return {}
    if not isinstance(data, Mapping):
        return {}
    return {str(k): n for k, v in data.items() if (n := _number(v)) is not None}


def applied_usd(
    model: str, gateway: GatewayPrices | None, ratios: Mapping[str, float] | None
) -> float | None:
    """The gateway's price × the default group's ratio × the ratios it applied (None: unknown).

    ``ratios`` is None when the create's answer had no ``X-New-Api-Other-Ratios`` header (the
    gateway said nothing); an empty header (``{}``) says no extra ratio applied, as for a model
    priced per call, so the charge is the price × the group ratio.
    """
    price = gateway.models.get(model) if gateway is not None else None
    if price is None or price.usd is None or gateway is None or ratios is None:
        return None
    usd = price.usd * gateway.group_ratio.get(DEFAULT_GROUP, 1.0)
    for value in ratios.values():
        usd *= value
    return usd


def _wan_resolution(request: VideoRequest) -> str:
    """480P/720P/1080P from ``resolution``, else the short side of ``size`` (or the default)."""
    spec = request.spec
    text = (request.resolution or spec.default_resolution or "").upper()
    if text in WAN_RESOLUTION_RATIO:
        return text
    size = (request.size or spec.default_size or "").replace("*", "x").lower()
    sides = [int(part) for part in size.split("x") if part.isdigit()]
    short = min(sides) if len(sides) == 2 else 720
    return "1080P" if short >= 1080 else "720P" if short >= 720 else "480P"


def _factors(
    request: VideoRequest, per: Per | None, user: bool
) -> tuple[list[str], float, int | None]:
    """The basis words after the price, the multiplier, and the seconds multiplied by."""
    family = request.spec.family
    rule = RULES.get(family, "call")
    if per == "call" or (per is None and rule == "call"):
        words = [" per call"]
        if family == "generic" and per is None:
            words.append(" (per call assumed: vidwidgets does not know this vendor's rule)")
        elif family == "seedance":
            words.append(" (no video input: ratio 1)")
        return words, 1.0, None
    seconds = request.effective_duration or DEFAULT_SECONDS.get(family) or 5
    words, factor = [" per second", f" × {seconds} s"], float(seconds)
    if rule == "second_resolution" and not user:
        resolution = _wan_resolution(request)
        ratio = WAN_RESOLUTION_RATIO[resolution]
        words.append(f" × resolution {resolution} {ratio:g} (assumed)")
        factor *= ratio
    return words, factor, seconds


def estimate(
    request: VideoRequest,
    user: Mapping[str, ModelPrice],
    gateway: GatewayPrices | None,
) -> CostEstimate:
    """What ``request`` is expected to cost, with its basis sentence.

    Example:
        >>> table = {"kling-v1": ModelPrice(0.35, "call", source="user")}
        >>> estimate(VideoRequest(model="kling-v1", prompt="fox"), table, None).basis
        'kling-v1: $0.35 per call (your price table) = $0.35'
    """
    model = request.model
    price = user.get(model) or (gateway.models.get(model) if gateway is not None else None)
    if price is None or price.usd is None:
        why = price.note if price is not None else _no_price_reason(gateway)
        return CostEstimate(None, f"{model}: price unknown ({why})", model)
    is_user = price.source == "user"
    words, factor, seconds = _factors(request, price.per, is_user)
    group, ratio = (None, 1.0) if is_user else _group(gateway)
    usd = price.usd * factor * ratio
    tail = " (your price table)" if is_user else f" × group {group} {ratio:g}"
    basis = f"{model}: ${price.usd:.2f}{''.join(words)}{tail} = ${usd:.2f}"
    currency, amount = _display(usd, gateway)
    if currency not in (None, "USD") and amount is not None:
        basis += f" (≈ {amount:.2f} {currency} as the gateway shows it)"
    return CostEstimate(usd, basis, model, seconds, group, ratio, price.source, currency, amount)


def _no_price_reason(gateway: GatewayPrices | None) -> str:
    if gateway is None:
        return "the gateway's prices were not read"
    if gateway.note:
        return gateway.note
    return "the gateway lists no price for it; give one with prices= or $VIDWIDGETS_PRICES"


def _group(gateway: GatewayPrices | None) -> tuple[str, float]:
    ratios = gateway.group_ratio if gateway is not None else {}
    return DEFAULT_GROUP, ratios.get(DEFAULT_GROUP, 1.0)


def _display(usd: float, gateway: GatewayPrices | None) -> tuple[str | None, float | None]:
    if gateway is None or gateway.display_currency is None or gateway.display_rate is None:
        return None, None
    return gateway.display_currency, usd * gateway.display_rate


class PriceBook:
    """One client's prices: the user's table and the gateway's, cached for ``ttl`` seconds.

    Args:
        user: the user's table (``load_user_prices``).
        ttl: seconds before the gateway's prices are read again (default ``PRICE_TTL``).
    """

    def __init__(self, user: Mapping[str, ModelPrice], ttl: float | None = None) -> None:
        self.user = dict(user)
        self.ttl = PRICE_TTL if ttl is None else ttl
        self.gateway: GatewayPrices | None = None

    def fresh(self) -> bool:
        """True when the gateway's prices were read less than ``ttl`` seconds ago."""
        return self.gateway is not None and time.monotonic() - self.gateway.fetched_at < self.ttl

    async def load(self, transport: Transport, session: aiohttp.ClientSession) -> GatewayPrices:
        """The gateway's prices, read again when stale.

        A gateway that refuses (403) or lacks a route gives an empty table with the reason; a
        lost connection raises.
        """
        if self.gateway is not None and self.fresh():
            return self.gateway
        try:
            status = await transport.request(session, "pricing", "GET", "/api/status")
            unit, currency, rate = parse_status(status.body)
        except (APIStatusError, ProtocolError):
            unit, currency, rate = QUOTA_PER_UNIT, None, None
        try:
            answer = await transport.request(session, "pricing", "GET", "/api/pricing")
            models, groups = parse_pricing(answer.body)
            note = ""
        except (APIStatusError, ProtocolError) as exc:
            models, groups = {}, {}
            note = f"the gateway shows no prices (GET /api/pricing: {exc.status or exc.code})"
        self.gateway = GatewayPrices(models, groups, unit, currency, rate, note)
        return self.gateway

    def estimate(self, request: VideoRequest) -> CostEstimate:
        """The estimate from what is known now (the gateway's table only if already read)."""
        return estimate(request, self.user, self.gateway)


@dataclass(frozen=True)
class TokenUsage:
    """The key's quota as the gateway counts it (``GET /api/usage/token``), in USD.

    Diff two readings to see what a batch really cost (a failed task is refunded; a charge can
    still change while a task shows 99 %).

    Attributes:
        granted_usd: the key's quota; used_usd: spent so far; available_usd: what is left.
        unlimited: the key has no quota limit (then ``available_usd`` means nothing).
        quota_per_unit: quota units per USD (``/api/status``; 500000 by default).

    Example:
        >>> TokenUsage(10.0, 2.5, 7.5).used_usd
        2.5
    """

    granted_usd: float
    used_usd: float
    available_usd: float
    unlimited: bool = False
    quota_per_unit: float = QUOTA_PER_UNIT


async def fetch_usage(
    transport: Transport, session: aiohttp.ClientSession, quota_per_unit: float
) -> TokenUsage:
    """``GET /api/usage/token`` with the key, in USD.

    Raises:
        ProtocolError: the answer has no usage numbers.
    """
    answer = await transport.request(session, "usage", "GET", "/api/usage/token")
    data = answer.body.get("data") if isinstance(answer.body, Mapping) else None
    numbers = [
        _number(data.get(name)) if isinstance(data, Mapping) else None
        for name in ("total_granted", "total_used", "total_available")
    ]
    if not isinstance(data, Mapping) or any(n is None for n in numbers):
        raise ProtocolError("GET /api/usage/token did not answer usage", code="bad_usage")
    granted, used, available = (float(n or 0) / quota_per_unit for n in numbers)
    return TokenUsage(granted, used, available, bool(data.get("unlimited_quota")), quota_per_unit)


def job_cost(
    estimate: CostEstimate, ratios_header: str | None, gateway: GatewayPrices | None
) -> JobCost:
    """A created job's ``JobCost``: the estimate and the ratios the gateway said it applied."""
    ratios = parse_ratios(ratios_header)
    told = ratios if ratios_header is not None and _is_object(ratios_header) else None
    return JobCost(estimate, ratios, applied_usd(estimate.model, gateway, told))


#: a create's answer -> the job it made, now with ``job.cost`` set
Priced = Callable[[VideoJob, Response], VideoJob]


class Spending:
    """One client's prices and spend: the estimate before a create, the cap, ``job.cost``.

    Args:
        cap: ``max_spend_usd`` (checked: ``ValidationError`` when not a finite number >= 0).
        prices: the user's price table (over ``$VIDWIDGETS_PRICES``).
    """

    def __init__(self, cap: Any, prices: Mapping[str, Any] | None) -> None:
        self.ledger = SpendLedger(check_cap(cap))
        self.book = PriceBook(load_user_prices(prices))

    async def estimate(
        self,
        request: VideoRequest,
        transport: Transport,
        session: aiohttp.ClientSession,
        *,
        needed: bool = True,
    ) -> CostEstimate:
        """The estimate for ``request``.

        The gateway's prices are read (when stale) only if ``needed`` and the user's table
        lacks the model, so a client without a cap sends nothing extra.
        """
        if needed and request.model not in self.book.user:
            await self.book.load(transport, session)
        return self.book.estimate(request)

    @asynccontextmanager
    async def admitted(
        self,
        request: VideoRequest | None,
        transport: Transport,
        session: aiohttp.ClientSession,
        *,
        label: str = "",
    ) -> AsyncIterator[Priced]:
        """Hold this request's estimate against the cap while its create is sent.

        Yields the function that puts ``job.cost`` on the created job; the estimate counts
        from then on, and is given back if the body raises.

        Raises:
            BudgetExceeded: before anything is sent, when the cap would be passed or the
                price is unknown while a cap is set.
        """
        if request is not None:
            needed = self.ledger.cap is not None
            estimate = await self.estimate(request, transport, session, needed=needed)
        else:
            estimate = CostEstimate(None, f"{label}: its request is unknown", label)
        seat = self.ledger.reserve(estimate)
        created: list[VideoJob] = []

        def priced(job: VideoJob, response: Response) -> VideoJob:
            ratios = response.header("x-new-api-other-ratios")  # the transport lowercases
            job.cost = job_cost(estimate, ratios, self.book.gateway)
            created.append(job)
            return job

        try:
            yield priced
        except BaseException:
            self.ledger.release(seat)
            raise
        if created:
            self.ledger.commit(seat, created[-1])
        else:
            self.ledger.release(seat)

    async def usage(self, transport: Transport, session: aiohttp.ClientSession) -> TokenUsage:
        """The key's quota in USD (``/api/usage/token``, scaled by ``/api/status``)."""
        prices = await self.book.load(transport, session)
        return await fetch_usage(transport, session, prices.quota_per_unit)
