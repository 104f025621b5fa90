"""The async client: one API over the 88API and OpenAI formats and every gateway dialect.

This layer imports aiohttp but never ipywidgets; the widgets compose it.
"""

from vidwidgets.client._available import AvailableModel
from vidwidgets.client._cache import ResultCache
from vidwidgets.client._client import DEFAULT_BASE_URL, VideoClient
from vidwidgets.client._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
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
)
from vidwidgets.client._journal import Journal
from vidwidgets.client._metrics import MetricsSnapshot
from vidwidgets.client._models import MODELS, ModelSpec, get_model_spec
from vidwidgets.client._polling import PollConfig
from vidwidgets.client._retry import RetryPolicy
from vidwidgets.client._target import DefaultTarget, Endpoint
from vidwidgets.client._types import JobError, JobStatus, VideoJob, VideoRequest

__all__ = [
    "DEFAULT_BASE_URL",
    "MODELS",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AvailableModel",
    "BadRequestError",
    "ConflictError",
    "DefaultTarget",
    "Endpoint",
    "GenerationFailed",
    "JobCancelled",
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
    "ValidationError",
    "VideoAPIError",
    "VideoClient",
    "VideoGone",
    "VideoJob",
    "VideoRequest",
    "get_model_spec",
]
