"""The public names of ``vidwidgets`` and the package that defines each: one table, two uses.

``vidwidgets/__init__.py`` imports each name lazily from its package; each package calls
``publish`` when it is imported, so its exported classes and functions report
``__module__ == "vidwidgets"`` (as httpx does). A repr or a traceback then shows
``vidwidgets.ValidationError``, the name a user imports, and pickle finds the class there
(through the lazy ``vidwidgets.__getattr__``) rather than in a private module that may move.

This module imports nothing of vidwidgets, so every layer may use it.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

__all__ = ["EXPORTS", "publish"]

#: public name -> the package (or module) that defines it and calls ``publish``
EXPORTS: dict[str, str] = {
    # client
    "VideoClient": "vidwidgets.client",
    "VideoRequest": "vidwidgets.client",
    "VideoJob": "vidwidgets.client",
    "JobStatus": "vidwidgets.client",
    "JobError": "vidwidgets.client",
    "ModelSpec": "vidwidgets.client",
    "MODELS": "vidwidgets.client",
    "get_model_spec": "vidwidgets.client",
    "VideoAPIError": "vidwidgets.client",
    "ValidationError": "vidwidgets.client",
    "APIStatusError": "vidwidgets.client",
    "BadRequestError": "vidwidgets.client",
    "AuthenticationError": "vidwidgets.client",
    "PermissionDeniedError": "vidwidgets.client",
    "NotFoundError": "vidwidgets.client",
    "RateLimitError": "vidwidgets.client",
    "ServerError": "vidwidgets.client",
    "APIConnectionError": "vidwidgets.client",
    "APITimeoutError": "vidwidgets.client",
    "ProtocolError": "vidwidgets.client",
    "GenerationFailed": "vidwidgets.client",
    "PollTimeout": "vidwidgets.client",
    "JobCancelled": "vidwidgets.client",
    "VideoGone": "vidwidgets.client",
    "ModelNotFound": "vidwidgets.client",
    "AvailableModel": "vidwidgets.client",
    "BudgetExceeded": "vidwidgets.client",
    "CostEstimate": "vidwidgets.client",
    "run": "vidwidgets._runtime",
    # experiments and export
    "ExperimentStore": "vidwidgets.experiments",
    "Experiment": "vidwidgets.experiments",
    "ExperimentRunner": "vidwidgets.experiments",
    "run_cells": "vidwidgets.experiments",
    "export_html": "vidwidgets.export",
    "export_grid_video": "vidwidgets.export",
    # metrics (OpenCV loads on the first measure, not here)
    "measure": "vidwidgets.metrics",
    "VideoMetrics": "vidwidgets.metrics",
    "MetricsError": "vidwidgets.metrics",
    # simulator
    "Simulator": "vidwidgets.simulator",
    "Fault": "vidwidgets.simulator",
    "Faults": "vidwidgets.simulator",
    "Timing": "vidwidgets.simulator",
    # widgets
    "ParameterForm": "vidwidgets.widgets",
    "JobProgress": "vidwidgets.widgets",
    "VideoPlayer": "vidwidgets.widgets",
    # apps
    "Studio": "vidwidgets.apps",
    "Comparison": "vidwidgets.apps",
    "Arena": "vidwidgets.apps",
}


def publish(package: str, namespace: Mapping[str, Any]) -> None:
    """Give the names ``package`` defines for the top level the module name ``vidwidgets``.

    Args:
        package: the defining package's ``__name__``, as written in ``EXPORTS``.
        namespace: that package's ``globals()``, holding the objects.

    Example:
        >>> publish(__name__, globals())  # at the end of a package's __init__  # doctest: +SKIP
    """
    for name, home in EXPORTS.items():
        value = namespace[name] if home == package else None
        # constants such as MODELS have no __module__ of their own to set
        if isinstance(value, (type, types.FunctionType)):
            value.__module__ = "vidwidgets"
