"""What the plugin gateway charges: a price table, group ratios, the ratios applied per task.

Price of one call = ``model_price × group_ratio × (other ratios)`` in USD; the gateway counts
in quota units, ``QUOTA_PER_UNIT`` (500000) per USD. Other ratios by vendor: Kling, Vidu,
Hailuo, Jimeng and Seedance none (flat per call, any length; Seedance has a video-input ratio
only, and the simulator takes no video input); Sora and Veo × seconds; Wan × seconds × a
resolution ratio.

Default prices (plausible, not any deployment's; override with ``PluginOptions.prices``):

=============================  =========  ==============
model                          USD        per
=============================  =========  ==============
veo-3.1-generate-preview       0.40       second
veo-3.1-fast-generate-preview  0.15       second
veo-3.0-generate-001           0.40       second
veo-3.0-fast-generate-001      0.15       second
sora-2                         0.10       second
sora-2-pro                     0.30       second
wan2.7 / wan2.5 models         0.10       second (× resolution ratio 480P 0.5, 720P 1, 1080P 1.5)
wan2.2 / wanx2.1 models        0.05       second (same resolution ratios)
kling-v1, kling-v1-6           0.35       call (other kling names too)
kling-v2-master                1.40       call
vidu models                    0.20       call
MiniMax-Hailuo-2.3 / -02       0.28       call (-2.3-Fast 0.19; the 01 series 0.43)
doubao-seedance-* pro / 2.x    0.25       call (lite 0.15)
jimeng models                  0.20       call
=============================  =========  ==============
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from vidwidgets.simulator._tasks import TaskRecord
from vidwidgets.simulator._vendors import VENDOR_MODELS, VendorModel

QUOTA_PER_UNIT: Final = 500_000

#: Wan's resolution ratio (text-to-video sizes by their short side)
WAN_RESOLUTION_RATIO: Final[dict[str, float]] = {"480P": 0.5, "720P": 1.0, "1080P": 1.5}


@dataclass(frozen=True)
class Price:
    """One model's price: ``per_second`` models multiply by the length (``quota_type`` 0)."""

    usd: float
    per_second: bool = False


def default_price(rule: VendorModel) -> Price:
    name, vendor = rule.name, rule.vendor
    if vendor == "veo":
        return Price(0.15 if "fast" in name else 0.40, per_second=True)
    if vendor == "sora":
        return Price(0.30 if name.endswith("pro") else 0.10, per_second=True)
    if vendor == "wan":
        return Price(0.10 if name.startswith(("wan2.7", "wan2.5")) else 0.05, per_second=True)
    if vendor == "kling":
        return Price(1.40 if name == "kling-v2-master" else 0.35)
    if vendor == "hailuo":
        if name.endswith("-01") or "-01-" in name:
            return Price(0.43)
        return Price(0.19 if name.endswith("Fast") else 0.28)
    if vendor == "seedance":
        return Price(0.15 if "lite" in name else 0.25)
    return Price(0.20)  # vidu, jimeng


DEFAULT_PRICES: Final[dict[str, Price]] = {
    name: default_price(rule) for name, rule in VENDOR_MODELS.items()
}
DEFAULT_GROUP_RATIO: Final[dict[str, float]] = {"default": 1.0, "vip": 0.8}
USABLE_GROUPS: Final[dict[str, str]] = {"default": "默认分组", "vip": "VIP 分组"}


def other_ratios(task: TaskRecord) -> dict[str, float]:
    """The ratios applied to a task beyond the group's (``X-New-Api-Other-Ratios``)."""
    vendor = task.spec.platform
    if vendor in ("sora", "veo"):
        return {"seconds": float(task.spec.seconds)}
    if vendor == "wan":
        short = min(task.spec.width, task.spec.height)
        resolution = "1080P" if short >= 1080 else "720P" if short >= 720 else "480P"
        return {
            "seconds": float(task.spec.seconds),
            "resolution": WAN_RESOLUTION_RATIO[resolution],
        }
    return {}


def charge(price: Price, group_ratio: float, ratios: dict[str, float]) -> int:
    """Quota units charged for one task."""
    usd = price.usd * group_ratio
    for value in ratios.values():
        usd *= value
    return round(usd * QUOTA_PER_UNIT)
