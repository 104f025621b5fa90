"""vidwidgets: Jupyter widgets for AI video generation.

Run text-to-video and image-to-video prompt experiments from notebook cells, watch them
progress and compare the videos side by side. With no API key everything runs against an
embedded simulator that returns real, playable MP4s.

    >>> import vidwidgets as vw
    >>> vw.Studio()                                   # doctest: +SKIP

The public names are imported lazily, so ``import vidwidgets`` stays cheap: aiohttp, PyAV and
the widget front ends load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from vidwidgets import _defaults
from vidwidgets._exports import EXPORTS as _EXPORTS

__version__ = "0.1.0"

__all__ = ["__version__", *_EXPORTS]


def _embedded_target() -> Any:
    from vidwidgets._embedded import embedded_target  # the simulator itself loads on first use

    return embedded_target()


# With no key and no base URL a VideoClient runs on the embedded simulator. The client layer
# must not import the simulator, so the decision lives here, above it, as a registered default
# (this runs before any submodule such as vidwidgets.client is imported).
_defaults.set_default_target(_embedded_target)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vidwidgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from vidwidgets._runtime import run
    from vidwidgets.apps import Arena, Comparison, Studio
    from vidwidgets.client import (
        MODELS,
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        AvailableModel,
        BadRequestError,
        BudgetExceeded,
        CostEstimate,
        GenerationFailed,
        JobCancelled,
        JobError,
        JobStatus,
        ModelNotFound,
        ModelSpec,
        NotFoundError,
        PermissionDeniedError,
        PollTimeout,
        ProtocolError,
        RateLimitError,
        ServerError,
        ValidationError,
        VideoAPIError,
        VideoClient,
        VideoGone,
        VideoJob,
        VideoRequest,
        get_model_spec,
    )
    from vidwidgets.experiments import Experiment, ExperimentRunner, ExperimentStore, run_cells
    from vidwidgets.export import export_grid_video, export_html
    from vidwidgets.metrics import MetricsError, VideoMetrics, measure
    from vidwidgets.simulator import Fault, Faults, Simulator, Timing
    from vidwidgets.widgets import JobProgress, ParameterForm, VideoPlayer
