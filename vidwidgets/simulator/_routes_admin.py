"""The plugin gateway's site routes: ``/api/status``, ``/api/pricing``, ``/api/usage/token``.

``/api/status`` and ``/api/pricing`` are public (``/api/pricing`` answers 403 when
``PluginOptions.pricing`` is off); ``/api/usage/token`` needs the sk- key and reports the key's
spend in quota units: every task created is charged at submit, a failed one is refunded once
the gateway reports it failed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from vidwidgets.simulator import _responses as R
from vidwidgets.simulator._middleware import request_key
from vidwidgets.simulator._plugin import NEW_API_VERSION, plugin_view
from vidwidgets.simulator._pricing import QUOTA_PER_UNIT, USABLE_GROUPS
from vidwidgets.simulator._tables import INVALID_TOKEN_MESSAGE
from vidwidgets.simulator._vendors import VENDOR_MODELS

if TYPE_CHECKING:
    from vidwidgets.simulator._server import Server


class AdminRoutes:
    """Status, prices and usage, as the gateway's web UI reads them."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def register(self, app: web.Application) -> None:
        """Add these routes to ``app``."""
        app.router.add_get("/api/status", self.status)
        app.router.add_get("/api/pricing", self.pricing)
        app.router.add_get("/api/usage/token", self.usage)

    async def status(self, request: web.Request) -> web.StreamResponse:
        data = {
            "system_name": "88API (simulated)",
            "version": NEW_API_VERSION,
            "quota_per_unit": QUOTA_PER_UNIT,
            "quota_display_type": "USD",
            "display_in_currency": True,
            "usd_exchange_rate": 7.3,
            "custom_currency_symbol": "¤",
            "custom_currency_exchange_rate": 1.0,
        }
        return web.json_response({"success": True, "message": "", "data": data})

    async def pricing(self, request: web.Request) -> web.StreamResponse:
        knobs = self.server.config.plugin
        if not knobs.pricing:
            return web.json_response(
                {"success": False, "message": "定价页面已被管理员关闭"}, status=403
            )
        data: list[dict[str, Any]] = []
        for name, price in self.server.prices.items():
            rule = VENDOR_MODELS.get(name)
            data.append(
                {
                    "model_name": name,
                    "vendor": rule.vendor if rule else "",
                    "quota_type": 1,  # a price per call; per-second models add a seconds ratio
                    "model_price": price.usd,
                    "model_ratio": 0,
                    "enable_groups": list(knobs.group_ratio),
                    "supported_endpoint_types": ["openai-video"],
                }
            )
        return web.json_response(
            {
                "success": True,
                "data": data,
                "group_ratio": dict(knobs.group_ratio),
                "usable_group": {g: USABLE_GROUPS.get(g, g) for g in knobs.group_ratio},
            }
        )

    async def usage(self, request: web.Request) -> web.StreamResponse:
        key = request_key(request)
        if key not in self.server.config.keys:
            return web.json_response(R.gateway_error(INVALID_TOKEN_MESSAGE), status=401)
        now = time.time()
        used = 0
        for task in tuple(self.server.tasks.values()):
            if task.owner != key:
                continue
            refunded = plugin_view(task, now).status == "FAILURE"
            used += 0 if refunded else int(task.extra.get("quota", 0))
        granted = self.server.config.plugin.granted_quota
        data = {
            "object": "token_usage",
            "name": "simulated key",
            "total_granted": granted,
            "total_used": used,
            "total_available": granted - used,
            "unlimited_quota": False,
            "model_limits": {},
            "model_limits_enabled": False,
            "expires_at": 0,
        }
        return web.json_response({"code": True, "message": "ok", "data": data})
