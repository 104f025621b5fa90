"""A local simulator of the video APIs vidwidgets talks to, with real MP4s.

A real aiohttp server on loopback that behaves like the 88API gateway (new-api) in each of the
response dialects it is known to emit, and like the official OpenAI video API. Nobody needs an
API key or a network to try vidwidgets, run its tests or its benchmarks.

    >>> from vidwidgets.simulator import Simulator, Faults, Fault
    >>> async with Simulator(dialect="newapi", speed=100) as sim:          # doctest: +SKIP
    ...     ...  # point a client at sim.base_url with sim.api_key

It is an independent implementation of the *server* side: it imports nothing from
``vidwidgets.client``, so a protocol bug cannot hide in both.
"""

from __future__ import annotations

from vidwidgets.simulator._faults import Fault, FaultKind, Faults
from vidwidgets.simulator._middleware import RequestRecord
from vidwidgets.simulator._pricing import Price
from vidwidgets.simulator._server import PluginOptions
from vidwidgets.simulator._simulator import Simulator
from vidwidgets.simulator._tables import MODELS, Dialect, GatewayBuild, Timing
from vidwidgets.simulator._tasks import GatewayView, TaskRecord

__all__ = [
    "MODELS",
    "Dialect",
    "Fault",
    "FaultKind",
    "Faults",
    "GatewayBuild",
    "GatewayView",
    "PluginOptions",
    "Price",
    "RequestRecord",
    "Simulator",
    "TaskRecord",
    "Timing",
]

# Reprs, tracebacks and pickle name them vidwidgets.X, like every top-level export. Set here, not
# through vidwidgets._exports.publish: the simulator imports nothing else of vidwidgets.
for _public in (Fault, Faults, Simulator, Timing):
    _public.__module__ = "vidwidgets"
del _public
