"""The process-wide embedded simulator used when no API key is configured.

``VideoClient()`` with no key (argument or ``VIDWIDGETS_API_KEY``) and no base URL talks to
this: a thread-backed ``vidwidgets.simulator.Simulator`` started on first use and shared by
every client in the process, so anyone can try vidwidgets with no account and no network.
The client does not know it: ``vidwidgets/__init__.py`` registers ``embedded_target`` as the
client's default target (``vidwidgets._defaults``), and the client starts it on first use.

Knobs (environment, read when it starts):

- ``VIDWIDGETS_SIM_SPEED`` (default 8): how much faster than real life; a typical job then
  takes about 5–15 s.
- ``VIDWIDGETS_SIM_DIALECT`` (default ``plugin``, the late-2026 gateway with task plugins and
  every current vendor; ``newapi`` (the gateway before plugins), ``docs`` or ``openai`` also
  work — ``openai`` serves only ``/v1/videos`` and Sora models).
- ``VIDWIDGETS_SIM_FAILURE_RATE`` (default 0): share of jobs that fail, to see failures.
- ``VIDWIDGETS_SIM_VIDEO_SCALE`` (default 0.5): video width/height factor (small and quick).

    >>> sim = get_embedded_simulator()          # doctest: +SKIP
    >>> sim.base_url                            # doctest: +SKIP
    'http://127.0.0.1:38211'
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vidwidgets.client import DefaultTarget, Endpoint
    from vidwidgets.simulator import Simulator

__all__ = [
    "embedded_settings",
    "embedded_target",
    "get_embedded_simulator",
    "stop_embedded_simulator",
]

logger = logging.getLogger("vidwidgets")

_lock = threading.Lock()
_simulator: Simulator | None = None

DEFAULT_SPEED = 8.0
#: the late-2026 gateway: what a deployed gateway answers today
DEFAULT_DIALECT = "plugin"
DIALECTS = ("plugin", "newapi", "docs", "openai")
DEFAULT_VIDEO_SCALE = 0.5


def _env_float(name: str, default: float, *, low: float, high: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        logger.warning("%s=%r is not a number; using %s", name, raw, default)
        return default
    if not low <= value <= high:
        logger.warning("%s=%r is outside %s..%s; using %s", name, raw, low, high, default)
        return default
    return value


def embedded_settings() -> dict[str, object]:
    """The simulator options the environment asks for.

    Example:
        >>> embedded_settings()["dialect"]  # doctest: +SKIP
        'plugin'
    """
    raw = os.environ.get("VIDWIDGETS_SIM_DIALECT", DEFAULT_DIALECT)
    dialect = raw.strip().lower() or DEFAULT_DIALECT
    if dialect not in DIALECTS:
        logger.warning("VIDWIDGETS_SIM_DIALECT=%r is unknown; using %r", dialect, DEFAULT_DIALECT)
        dialect = DEFAULT_DIALECT
    return {
        "dialect": dialect,
        "speed": _env_float("VIDWIDGETS_SIM_SPEED", DEFAULT_SPEED, low=0.01, high=100_000),
        "failure_rate": _env_float("VIDWIDGETS_SIM_FAILURE_RATE", 0.0, low=0.0, high=1.0),
        "video_scale": _env_float(
            "VIDWIDGETS_SIM_VIDEO_SCALE", DEFAULT_VIDEO_SCALE, low=0.05, high=4.0
        ),
    }


def get_embedded_simulator() -> Simulator:
    """The running embedded simulator, started on the first call (thread-safe)."""
    global _simulator
    with _lock:
        if _simulator is None:
            from vidwidgets.simulator import Simulator  # heavy (PyAV): import on first use

            settings = embedded_settings()
            sim = Simulator(
                dialect=settings["dialect"],  # type: ignore[arg-type]
                speed=float(settings["speed"]),  # type: ignore[arg-type]
                failure_rate=float(settings["failure_rate"]),  # type: ignore[arg-type]
                video_scale=float(settings["video_scale"]),  # type: ignore[arg-type]
            )
            sim.start()
            logger.info("embedded simulator started: %r", sim)
            _simulator = sim
            atexit.register(stop_embedded_simulator)
        return _simulator


def stop_embedded_simulator() -> None:
    """Stop the embedded simulator (the next ``get_embedded_simulator`` starts a fresh one)."""
    global _simulator
    with _lock:
        sim, _simulator = _simulator, None
    if sim is not None:
        sim.stop()


def embedded_target() -> DefaultTarget:
    """The client's default target: this simulator, started when a client first needs it."""
    from vidwidgets.client import DefaultTarget  # the caller is a client: already imported

    dialect = embedded_settings()["dialect"]
    return DefaultTarget(
        label="embedded simulator",
        api_format="openai" if dialect == "openai" else "88api",
        start=_start_endpoint,
    )


def _start_endpoint() -> Endpoint:
    from vidwidgets.client import Endpoint

    sim = get_embedded_simulator()
    return Endpoint(sim.base_url, sim.api_key, time_scale=1.0 / sim.speed)
