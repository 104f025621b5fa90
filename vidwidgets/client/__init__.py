"""The async client: one API over the 88API and OpenAI formats and every gateway dialect.

This layer imports aiohttp but never ipywidgets; the widgets compose it.
"""

from vidwidgets.client._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GenerationFailed,
    JobCancelled,
    NotFoundError,
    PermissionDeniedError,
    PollTimeout,
    ProtocolError,
    RateLimitError,
    ServerError,
    ValidationError,
    VideoAPIError,
)
from vidwidgets.client._models import MODELS, ModelSpec, get_model_spec
from vidwidgets.client._types import JobError, JobStatus, VideoJob, VideoRequest

__all__ = [
    "MODELS",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "GenerationFailed",
    "JobCancelled",
    "JobError",
    "JobStatus",
    "ModelSpec",
    "NotFoundError",
    "PermissionDeniedError",
    "PollTimeout",
    "ProtocolError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
    "VideoAPIError",
    "VideoJob",
    "VideoRequest",
    "get_model_spec",
]
