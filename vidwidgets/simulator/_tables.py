"""Protocol knowledge of the simulated server, as data.

Everything the simulator knows about the gateway and its providers lives here: the model table,
each provider's status vocabulary and how the gateway maps it, the documented vocabulary, the
OpenAI mapping, timing defaults and failure reasons. Handlers look things up; they do not branch
on model names. These tables are deliberately independent of ``vidwidgets.client``: a bug shared
between the client and the simulator would otherwise pass every test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

#: a provider (vendor); the plugin gateway's plugin keys use the same names
Platform = Literal["kling", "jimeng", "vidu", "sora", "hailuo", "veo", "seedance", "wan"]
#: The provider's true phase of a task; every dialect renders it in its own vocabulary.
Phase = Literal["submitted", "queued", "generating", "succeeded", "failed"]
Dialect = Literal["docs", "newapi", "openai", "plugin"]

DIALECTS: Final[tuple[Dialect, ...]] = ("docs", "newapi", "openai", "plugin")

#: which new-api build the gateway dialects imitate:
#: "current": ``result_url``; OpenAI-format ``/v1/videos/{id}`` with ``metadata.url``
#: "legacy": no ``result_url``, the success URL in ``fail_reason``
#: "row": ``/v1/videos/{id}`` returns the task row (new-api #7194)
#: "vendor": the provider's own status strings pass through (``succeed``, ``in_queue``,
#: ``done``, ``EXPIRED`` once the video expired), as some deployments do
GatewayBuild = Literal["current", "legacy", "row", "vendor"]
GATEWAY_BUILDS: Final[tuple[GatewayBuild, ...]] = ("current", "legacy", "row", "vendor")
VENDOR_EXPIRED: Final = "EXPIRED"


@dataclass(frozen=True)
class Timing:
    """How long a job takes, in *model* seconds (divided by the simulator's ``speed``).

    ``generate`` is the generation time; with ``per_second=True`` it is per second of requested
    video. ``jitter`` is the sigma of a log-normal factor applied to queue and generation time
    (0 gives fixed durations, handy for benchmarks with a known distribution).

        >>> Timing(queue=0, generate=30, jitter=0)      # every job: 30 model seconds
        Timing(submit=1.0, queue=0, generate=30, jitter=0, per_second=False)
    """

    submit: float = 1.0
    queue: float = 10.0
    generate: float = 60.0
    jitter: float = 0.3
    per_second: bool = False


@dataclass(frozen=True)
class ModelRule:
    """One model the gateway routes, with the provider's rules for it."""

    name: str
    platform: Platform
    #: "t2v": text only, "i2v": an image is required, "any": an image is optional
    input: Literal["t2v", "i2v", "any"]
    default_seconds: int
    #: allowed durations in seconds (after the provider's own coercion)
    seconds: tuple[int, ...]
    timing: Timing
    #: sizes for the OpenAI-format models; empty for the others
    sizes: tuple[str, ...] = ()
    default_size: str = ""


_KLING_T = Timing(submit=2.0, queue=20.0, generate=24.0, per_second=True)
_JIMENG_T = Timing(submit=1.0, queue=15.0, generate=12.0, per_second=True)
_VIDU_T = Timing(submit=1.0, queue=8.0, generate=9.0, per_second=True)
_SORA_T = Timing(submit=0.5, queue=10.0, generate=15.0, per_second=True)
_SORA_PRO_T = Timing(submit=0.5, queue=20.0, generate=35.0, per_second=True)

_SORA2_SIZES = ("720x1280", "1280x720")
_SORA2_PRO_SIZES = ("720x1280", "1280x720", "1024x1792", "1792x1024")

MODELS: Final[dict[str, ModelRule]] = {
    rule.name: rule
    for rule in (
        ModelRule("kling-v1", "kling", "any", 5, (5, 10), _KLING_T),
        ModelRule("kling-v1-6", "kling", "any", 5, (5, 10), _KLING_T),
        ModelRule("kling-v2-master", "kling", "any", 5, (5, 10), _KLING_T),
        ModelRule("jimeng_vgfm_t2v_l20", "jimeng", "t2v", 5, (5, 10), _JIMENG_T),
        ModelRule("jimeng_vgfm_i2v_l20", "jimeng", "i2v", 5, (5, 10), _JIMENG_T),
        ModelRule("viduq1", "vidu", "any", 5, (5,), _VIDU_T),
        ModelRule("viduq2", "vidu", "any", 5, (4, 5, 8), _VIDU_T),
        ModelRule("vidu2.0", "vidu", "any", 4, (4, 8), _VIDU_T),
        ModelRule("vidu1.5", "vidu", "any", 4, (4, 8), _VIDU_T),
        ModelRule("sora-2", "sora", "any", 4, (4, 8, 12), _SORA_T, _SORA2_SIZES, "720x1280"),
        ModelRule(
            "sora-2-pro", "sora", "any", 4, (4, 8, 12), _SORA_PRO_T, _SORA2_PRO_SIZES, "720x1280"
        ),
    )
}

# --- output geometry --------------------------------------------------------------------------

#: Kling: ``size`` only selects the aspect ratio; anything unknown is 1:1.
KLING_SIZE_TO_ASPECT: Final[dict[str, str]] = {
    "1280x720": "16:9",
    "1920x1080": "16:9",
    "720x1280": "9:16",
    "1080x1920": "9:16",
    "1024x1024": "1:1",
}
KLING_ASPECTS: Final[tuple[str, ...]] = ("16:9", "9:16", "1:1")
KLING_MODES: Final[tuple[str, ...]] = ("std", "pro")
JIMENG_ASPECTS: Final[tuple[str, ...]] = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9")
VIDU_RESOLUTIONS: Final[tuple[str, ...]] = ("720p", "1080p")
VIDU_MOVEMENT: Final[tuple[str, ...]] = ("auto", "small", "medium", "large")
VIDU_ASPECTS: Final[tuple[str, ...]] = ("16:9", "9:16", "1:1")

#: (aspect ratio, short side in pixels) -> output frame size
_ASPECT_WH: Final[dict[str, tuple[int, int]]] = {
    "16:9": (16, 9),
    "9:16": (9, 16),
    "1:1": (1, 1),
    "4:3": (4, 3),
    "3:4": (3, 4),
    "21:9": (21, 9),
}


def frame_size(aspect: str, short_side: int) -> tuple[int, int]:
    """Width and height (both even) of a frame with this aspect ratio and short side."""
    w, h = _ASPECT_WH[aspect]
    if w >= h:
        width, height = round(short_side * w / h), short_side
    else:
        width, height = short_side, round(short_side * h / w)
    return width - width % 2, height - height % 2


# --- status vocabularies ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderState:
    """How one provider reports a phase, and what the gateway stores for it."""

    raw: str  # the provider's own status string, found in the raw JSON (data.data)
    gateway: str  # new-api's UPPERCASE task status
    progress: str  # new-api's progress string ("" means: pass the provider's percentage)


#: provider phase -> (raw status, gateway status, progress) per platform (new-api adaptors)
PROVIDER_STATES: Final[dict[Platform, dict[Phase, ProviderState]]] = {
    "kling": {
        "submitted": ProviderState("submitted", "SUBMITTED", "10%"),
        "queued": ProviderState("submitted", "SUBMITTED", "10%"),
        "generating": ProviderState("processing", "IN_PROGRESS", "30%"),
        "succeeded": ProviderState("succeed", "SUCCESS", "100%"),
        "failed": ProviderState("failed", "FAILURE", "100%"),
    },
    "jimeng": {
        # Jimeng only says in_queue until done; the gateway never sees IN_PROGRESS.
        "submitted": ProviderState("in_queue", "QUEUED", "20%"),
        "queued": ProviderState("in_queue", "QUEUED", "20%"),
        "generating": ProviderState("in_queue", "QUEUED", "20%"),
        "succeeded": ProviderState("done", "SUCCESS", "100%"),
        "failed": ProviderState("failed", "FAILURE", "100%"),
    },
    "vidu": {
        "submitted": ProviderState("created", "SUBMITTED", "10%"),
        "queued": ProviderState("queueing", "QUEUED", "20%"),
        "generating": ProviderState("processing", "IN_PROGRESS", "30%"),
        "succeeded": ProviderState("success", "SUCCESS", "100%"),
        "failed": ProviderState("failed", "FAILURE", "100%"),
    },
    "sora": {
        # Sora is the one provider whose real percentage the gateway passes through.
        "submitted": ProviderState("queued", "QUEUED", ""),
        "queued": ProviderState("queued", "QUEUED", ""),
        "generating": ProviderState("in_progress", "IN_PROGRESS", ""),
        "succeeded": ProviderState("completed", "SUCCESS", "100%"),
        "failed": ProviderState("failed", "FAILURE", "100%"),
    },
}

#: new-api's status before the first refresh of a freshly created task
GATEWAY_INITIAL_STATUS: Final = "NOT_START"
GATEWAY_INITIAL_PROGRESS: Final = "0%"

#: new-api's OpenAI-format view of its own statuses; anything else is "unknown"
GATEWAY_TO_OPENAI: Final[dict[str, str]] = {
    "SUBMITTED": "queued",
    "QUEUED": "queued",
    "IN_PROGRESS": "in_progress",
    "SUCCESS": "completed",
    "FAILURE": "failed",
}

#: The documented (88API docs) vocabulary. "processing" covers the first half of generation.
DOCS_STATUS: Final[dict[Phase, str]] = {
    "submitted": "queued",
    "queued": "queued",
    "generating": "in_progress",
    "succeeded": "succeeded",
    "failed": "failed",
}
DOCS_EARLY_GENERATING: Final = "processing"

#: The official OpenAI Video statuses
OPENAI_STATUS: Final[dict[Phase, str]] = {
    "submitted": "queued",
    "queued": "queued",
    "generating": "in_progress",
    "succeeded": "completed",
    "failed": "failed",
}

#: new-api's action names
ACTION_TEXT: Final = "textGenerate"
ACTION_IMAGE: Final = "generate"

# --- failures ---------------------------------------------------------------------------------

#: provider-like failure reasons, picked by the seeded generator
FAIL_REASONS: Final[dict[Platform, tuple[tuple[str, str], ...]]] = {
    "kling": (
        ("1301", "Failure to pass the risk control system"),
        ("5000", "Internal error, please try again later"),
    ),
    "jimeng": (
        ("50412", "Post Text Risk Not Pass"),
        ("50500", "Internal Error"),
    ),
    "vidu": (
        ("CreationPolicyViolation", "the prompt violates the creation policy"),
        ("ModelUnavailable", "model is temporarily unavailable"),
    ),
    "sora": (
        ("moderation_blocked", "Your request was blocked by our moderation system."),
        ("video_generation_failed", "Video generation failed. Please try again."),
    ),
    "hailuo": (
        ("1026", "input new_sensitive, please modify the prompt"),
        ("1013", "internal error, please retry"),
    ),
    "veo": (
        ("RAI_FILTERED", "The prompt was blocked by responsible AI filters."),
        ("INTERNAL", "Internal error encountered."),
    ),
    "seedance": (
        ("OutputVideoSensitiveContentDetected", "The output video may contain sensitive content."),
        ("InternalServiceError", "The service encountered an unexpected internal error."),
    ),
    "wan": (
        ("DataInspectionFailed", "Input data may contain inappropriate content."),
        ("InternalError", "An internal error has occured, please try again later."),
    ),
}

#: the plugin gateway's billing review failing a task the provider finished
REVIEW_FAILURE: Final = ("billing_review_failed", "task failed billing review; quota refunded")

#: a prompt containing this marker always fails (a deterministic hook for tests)
FAIL_MARKER: Final = "[sim:fail]"

# --- errors -----------------------------------------------------------------------------------

#: the message new-api's distributor answers with when no channel has capacity left
SATURATED_MESSAGE: Final = "当前分组上游负载已饱和，请稍后再试"
INVALID_TOKEN_MESSAGE: Final = "无效的令牌"
MISSING_TOKEN_MESSAGE: Final = "未提供令牌"

#: reason phrase used in injected HTTP errors, in the gateway's words
STATUS_MESSAGES: Final[dict[int, str]] = {
    429: "当前分组上游负载已饱和，请稍后再试",
    500: "internal server error",
    502: "bad gateway: upstream connection failed",
    503: "service temporarily unavailable",
    504: "gateway timeout",
}

#: official OpenAI error type per status
OPENAI_ERROR_TYPES: Final[dict[int, str]] = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    429: "requests",
    500: "server_error",
    502: "server_error",
    503: "server_error",
    504: "server_error",
}

#: how long the official API suggests waiting between polls
OPENAI_POLL_AFTER_MS: Final = 1000
