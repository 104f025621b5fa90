"""The async client: one API over the 88API and OpenAI formats and every gateway dialect.

This layer imports aiohttp but never ipywidgets; the widgets compose it.
"""

from vidwidgets._exports import publish
from vidwidgets.client._available import AvailableModel
from vidwidgets.client._cache import ResultCache
from vidwidgets.client._client import DEFAULT_BASE_URL, VideoClient
from vidwidgets.client._costs import CostEstimate, JobCost
from vidwidgets.client._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetExceeded,
    ConflictError,
    GenerationFailed,
    JobCancelled,
    ModelNotFound,
    NotFoundError,
    PermissionDeniedError,
    PollTimeout,
    ProtocolError,
    RateLimitError,
    ServerError,
    ValidationError,
    VideoAPIError,
    VideoGone,
    redact,
)
from vidwidgets.client._journal import Journal
from vidwidgets.client._loops import call_soon_on, running_on, submit_on
from vidwidgets.client._metrics import MetricsSnapshot
from vidwidgets.client._models import (
    CAMERA_AXES,
    CAMERA_CONTROL_TYPES,
    FAMILY_LABELS,
    MAX_SEED,
    MODELS,
    MOVEMENT_AMPLITUDES,
    ModelSpec,
    get_model_spec,
)
from vidwidgets.client._polling import PollConfig
from vidwidgets.client._pricing import TokenUsage
from vidwidgets.client._retry import RetryPolicy
from vidwidgets.client._target import DefaultTarget, Endpoint
from vidwidgets.client._types import JobError, JobStatus, VideoJob, VideoRequest
from vidwidgets.client._validation import SAMPLES_HINT

__all__ = [
    "CAMERA_AXES",
    "CAMERA_CONTROL_TYPES",
    "DEFAULT_BASE_URL",
    "FAMILY_LABELS",
    "MAX_SEED",
    "MODELS",
    "MOVEMENT_AMPLITUDES",
    "SAMPLES_HINT",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AvailableModel",
    "BadRequestError",
    "BudgetExceeded",
    "ConflictError",
    "CostEstimate",
    "DefaultTarget",
    "Endpoint",
    "GenerationFailed",
    "JobCancelled",
    "JobCost",
    "JobError",
    "JobStatus",
    "Journal",
    "MetricsSnapshot",
    "ModelNotFound",
    "ModelSpec",
    "NotFoundError",
    "PermissionDeniedError",
    "PollConfig",
    "PollTimeout",
    "ProtocolError",
    "RateLimitError",
    "ResultCache",
    "RetryPolicy",
    "ServerError",
    "TokenUsage",
    "ValidationError",
    "VideoAPIError",
    "VideoClient",
    "VideoGone",
    "VideoJob",
    "VideoRequest",
    "call_soon_on",
    "get_model_spec",
    "redact",
    "running_on",
    "submit_on",
]

# reprs, tracebacks and pickle name the top-level exports vidwidgets.X
publish(__name__, globals())
