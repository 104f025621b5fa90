"""Every way a video generation can go wrong, in one tree.

    VideoAPIError                      base class: status, code, message, request_id, retryable, hint
    ├── ValidationError                bad input caught before any request is sent (also a ValueError)
    ├── APIStatusError                 the server answered with an error status
    │   ├── BadRequestError            400 (invalid_request, invalid_size, invalid_seconds, ...)
    │   ├── AuthenticationError        401
    │   ├── PermissionDeniedError      403
    │   ├── NotFoundError              404, and the gateway's 400 ``task_not_exist`` (also: the
    │   │                              task belongs to another key — tasks are per key)
    │   ├── VideoGone                  the gateway no longer holds the finished video (cleaned up
    │   │                              after its retention, or 410 ``artifact_gone``)
    │   ├── ConflictError              409
    │   ├── RateLimitError             429 (retry_after in seconds when the server said)
    │   └── ServerError                5xx (``retry_after`` when the server said; a download's
    │       │                          503 ``artifact_upstream_busy`` is waited out)
    │       └── ModelNotFound          503 ``model_not_found``: the key may not use that model
    │                                  (permanent); ``.model``, ``.available`` (``GET /v1/models``)
    ├── APIConnectionError             no usable answer: refused, reset, DNS, TLS
    │   └── APITimeoutError            the server did not answer in time
    ├── ProtocolError                  an answer we cannot trust: malformed JSON, wrong content type,
    │                                  truncated or oversized body, unsafe URL
    ├── BudgetExceeded                 a create would pass ``max_spend_usd`` (or its price is
    │                                  unknown while a cap is set); nothing was sent
    ├── GenerationFailed               the task ended ``failed``; ``.job`` has the server's reason
    ├── PollTimeout                    the overall deadline passed; the task may still finish —
    │                                  ``.job.id`` resumes it later
    └── JobCancelled                   cancelled by the user (locally, and remotely where supported)

Messages say what to do next. None of them ever contains the API key: the client redacts it from
anything a server echoes back (see ``redact``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vidwidgets.client._types import VideoJob

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceeded",
    "ConflictError",
    "GenerationFailed",
    "JobCancelled",
    "ModelNotFound",
    "NotFoundError",
    "PermissionDeniedError",
    "PollTimeout",
    "ProtocolError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
    "VideoAPIError",
    "VideoGone",
]


class VideoAPIError(Exception):
    """Base class of every vidwidgets error.

    Attributes:
        message: what happened, in words.
        status: the HTTP status, when a server answered.
        code: the server's (or our) machine-readable code, e.g. ``"task_not_exist"``.
        request_id: the server's request id header, when it sent one.
        retryable: whether sending the same request again may succeed.
        hint: what to do next.
        job: the job this error belongs to, when there is one.
    """

    retryable: bool = False
    default_hint: str = ""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retryable: bool | None = None,
        hint: str | None = None,
        job: VideoJob | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        if retryable is not None:
            self.retryable = retryable
        self.hint = hint if hint is not None else self.default_hint
        self.job = job
        self.body = body

    def __reduce__(self) -> tuple[Any, ...]:
        # BaseException pickles as cls(*args), which the subclasses' own signatures refuse:
        # rebuild without __init__ from args and the attributes (pickle, copy, multiprocessing).
        return (_rebuild, (type(self), self.args, self.__dict__))

    def __str__(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(self.code)
        head = f"[{' '.join(parts)}] " if parts else ""
        text = f"{head}{self.message}"
        if self.hint:
            text += f" — {self.hint}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"code={self.code!r}, retryable={self.retryable!r})"
        )


class ValidationError(VideoAPIError, ValueError):
    """A request field has a value the API would reject; nothing was sent.

    ``field`` names the field, ``value`` is what was given and ``allowed`` describes what is
    accepted, so the message reads like "duration=7 is not allowed for kling-v1: choose 5 or 10".
    """

    def __init__(
        self,
        field: str,
        value: Any,
        allowed: str,
        *,
        model: str | None = None,
        hint: str | None = None,
    ) -> None:
        shown = _short_repr(value)
        where = f" for {model}" if model else ""
        message = f"{field}={shown} is not allowed{where}: {allowed}"
        super().__init__(message, code="invalid_field", hint=hint)
        self.field = field
        self.value = value
        self.allowed = allowed
        self.model = model


class APIStatusError(VideoAPIError):
    """The server answered with an error status."""

    default_hint = "Check the request and the server's message."


class BadRequestError(APIStatusError):
    default_hint = "The server rejected the request; fix the field it names and try again."


class AuthenticationError(APIStatusError):
    default_hint = (
        "Check the API key: set VIDWIDGETS_API_KEY or pass api_key=, "
        "and make sure it belongs to this base URL."
    )


class PermissionDeniedError(APIStatusError):
    default_hint = "Your key may not use this model or group; check its permissions and balance."


class NotFoundError(APIStatusError):
    default_hint = (
        "The task id is unknown to this server: it may have expired, or belong to another "
        "base URL or key."
    )


class VideoGone(APIStatusError):
    """The gateway no longer holds this finished video.

    After its retention the gateway cleans the result up (the task still says ``SUCCESS`` but
    has no URL, and ``/content`` answers 400 "... current status: SUCCESS"), or the provider's
    copy expired (410 ``artifact_gone``). Waiting or retrying cannot bring it back: it is raised
    at once, never as a poll timeout or a bad request.
    """

    retryable = False
    MESSAGE = "the gateway no longer holds this video; download sooner, or generate again"
    default_hint = (
        "Finished videos are kept only for a while (hours to days): download them as soon as "
        "they finish (client.generate does), or run the request again."
    )

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(VideoGone.MESSAGE, **kwargs)
        self.server_message = message


class ConflictError(APIStatusError):
    retryable = True
    default_hint = "The server reported a conflict; retrying usually helps."


class RateLimitError(APIStatusError):
    """429: too many requests, or the upstream provider is saturated.

    ``retry_after`` is the delay the server asked for, in seconds, when it said.
    """

    retryable = True
    default_hint = (
        "Too many requests or upstream saturated; wait and retry, or lower max_concurrency."
    )

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: the server (or the provider behind it) failed.

    ``retry_after`` is the delay the server asked for, in seconds, when it said (a busy
    provider's 503 ``artifact_upstream_busy`` does).
    """

    retryable = True
    default_hint = "The server failed; retrying later usually helps."

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ModelNotFound(ServerError):
    """503 ``model_not_found``: this key (its group) has no channel for the model.

    Permanent: retrying cannot help, so the create is sent exactly once. The client asks
    ``GET /v1/models`` once, best-effort, and names what the key can use in ``available``
    (None when the gateway could not say).

    A ``ServerError`` because the gateway answers 503 (code that catches 5xx keeps working),
    but with ``retryable`` False. Not a ``NotFoundError``: that one means "this *task* id is
    unknown", and code that treats it as "the task is gone" must not mistake a model for one.

    Example:
        >>> err = ModelNotFound("no channel", status=503, code="model_not_found")
        >>> err.with_model("veo-9", ["kling-v1", "viduq1"]).message
        'the key may not use the model veo-9; it can use: kling-v1, viduq1'
    """

    retryable = False
    default_hint = (
        "Pick one of the models the key can use (client.models() lists them), or ask the "
        "gateway's operator to enable this model for the key's group."
    )

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.model: str | None = None
        self.available: tuple[str, ...] | None = None
        self.server_message = message

    def with_model(self, model: str, available: Sequence[str] | None) -> ModelNotFound:
        """Name the model and what the key can use in the message; returns ``self``."""
        self.model = model
        self.available = None if available is None else tuple(available)
        message = f"the key may not use the model {model}"
        if self.available:
            message += f"; it can use: {', '.join(self.available)}"
        elif self.available is not None:
            message += "; the gateway lists no models for this key"
        self.message = message
        self.args = (message,)
        return self


class APIConnectionError(VideoAPIError):
    retryable = True
    default_hint = "Could not reach the server; check base_url and the network, then retry."


class APITimeoutError(APIConnectionError):
    default_hint = "The server did not answer in time; retry, or raise the client's timeout."


class ProtocolError(VideoAPIError):
    default_hint = (
        "The server's answer could not be trusted (malformed, truncated or unexpected); "
        "retrying may help — if it persists, report it with the request id."
    )


class BudgetExceeded(VideoAPIError):
    """A create would pass the client's ``max_spend_usd``, or its price is unknown.

    Nothing was sent.

    Attributes:
        cap: the cap in USD.
        spent: the estimated spend of what this client created so far (failed jobs refunded).
        requested: this request's estimate in USD (None: the price is unknown).
        model: the request's model.

    Example:
        >>> err = BudgetExceeded("over", cap=1.0, spent=0.8, requested=0.4, model="kling-v1")
        >>> err.code, err.requested
        ('budget_exceeded', 0.4)
    """

    default_hint = "Raise max_spend_usd, or choose a shorter or cheaper request."

    def __init__(
        self,
        message: str,
        *,
        cap: float,
        spent: float,
        requested: float | None,
        model: str,
        hint: str | None = None,
    ) -> None:
        code = "budget_exceeded" if requested is not None else "price_unknown"
        super().__init__(message, code=code, hint=hint)
        self.cap = cap
        self.spent = spent
        self.requested = requested
        self.model = model


class GenerationFailed(VideoAPIError):
    """The task ended in ``failed``: the provider could not make the video."""

    default_hint = (
        "The provider rejected or failed the generation; rephrase the prompt (content filters "
        "are a common cause) or try another model, then run it again."
    )


class PollTimeout(VideoAPIError):
    """The overall deadline passed before the task finished.

    The task may still finish on the server: ``error.job.id`` lets you resume it later with
    ``client.wait(job)`` — nothing paid for is lost.
    """

    retryable = True
    default_hint = "The task may still finish: call client.wait(job) again later to resume it."


class JobCancelled(VideoAPIError):
    default_hint = "The job was cancelled; run it again to start a new generation."


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 15] + f"...<{len(text)} chars>"
    return text


def redact(text: str, secret: str | None) -> str:
    """Return ``text`` with every occurrence of ``secret`` replaced by ``***``."""
    if secret and secret in text:
        return text.replace(secret, "***")
    return text


def _rebuild(cls: type[VideoAPIError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """An unpickled error: ``cls`` made without its ``__init__``, then given its attributes."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error
