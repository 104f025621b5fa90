"""One HTTP exchange with the API: authorisation, retries, size limits and error mapping.

``Transport`` owns no session; the client hands it the pooled ``aiohttp.ClientSession`` of the
running event loop. Everything that leaves this module is either a parsed JSON body with its
headers (``Response``) or a ``VideoAPIError`` whose text has the key redacted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from vidwidgets.client._dialects import (
    ARTIFACT_HINTS,
    ARTIFACT_PERMANENT,
    PERMANENT_CODES,
    is_gone,
    parse_error_body,
)
from vidwidgets.client._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ModelNotFound,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ServerError,
    VideoAPIError,
    VideoGone,
    redact,
)
from vidwidgets.client._mapping import ApiFormat, PreparedRequest, route
from vidwidgets.client._metrics import Metrics
from vidwidgets.client._retry import Kind, RetryPolicy, parse_retry_after

__all__ = [
    "MAX_JSON_BYTES",
    "MIN_BYTES_PER_WINDOW",
    "Response",
    "StallGuard",
    "Transport",
    "error_from_response",
    "redact_bytes",
]

logger = logging.getLogger("vidwidgets")

#: A status or create body is a few KB; anything near this is a hostile or broken server.
MAX_JSON_BYTES = 4 * 1024 * 1024
#: What a failed create says when the server may have acted on it anyway.
MAYBE_CREATED_HINT = (
    "The task may have been created (and billed) although its answer was lost, so vidwidgets "
    "did not send it again: check your provider's task list before sending it again."
)
#: A body slower than this many bytes per read-timeout window is abandoned (see StallGuard).
MIN_BYTES_PER_WINDOW = 64 * 1024

_REQUEST_ID_HEADERS = ("x-request-id", "x-oneapi-request-id", "x-new-api-request-id", "request-id")

#: HTTP status -> error class (400 ``task_not_exist`` is special-cased to NotFoundError).
STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}
#: Error codes that mean "no such task", whatever the status.
NOT_FOUND_CODES = frozenset({"task_not_exist", "task_not_found", "not_found"})
#: What a gateway's ``task_not_exist`` means: tasks are visible only to the key that made them.
TASK_NOT_VISIBLE = (
    "the gateway has no task with this id for this API key: a task is visible only to the key "
    "that created it"
)
TASK_NOT_VISIBLE_HINT = (
    "Read it with the API key that created it (another key of the same account gets this "
    "answer too); otherwise it expired or belongs to another base URL."
)


def request_id_of(headers: Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value[:200]
    return None


def error_from_response(
    status: int, body: Any, headers: Mapping[str, str], *, secret: str | None = None
) -> VideoAPIError:
    """The error for a non-2xx answer, with the key redacted from whatever the server echoed.

    >>> err = error_from_response(400, {"code": "task_not_exist", "message": "no"}, {})
    >>> type(err).__name__, err.status, err.code
    ('NotFoundError', 400, 'task_not_exist')
    """
    info = parse_error_body(body)
    code = redact(info.code, secret) if info.code else None
    message = redact(info.message or f"HTTP {status}", secret)
    request_id = request_id_of(headers)
    if request_id is not None:
        request_id = redact(request_id, secret)  # a server may echo the Authorization header
    special = _by_code(status, code, message, headers, request_id)
    if special is not None:
        return special
    cls: type[APIStatusError]
    if status == 408:
        return APITimeoutError(message, status=status, code=code, request_id=request_id)
    elif status in STATUS_ERRORS:
        cls = STATUS_ERRORS[status]
    elif status >= 500:
        cls = ServerError
    else:
        cls = APIStatusError
    kwargs: dict[str, Any] = {"status": status, "code": code, "request_id": request_id}
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=parse_retry_after(headers), **kwargs)
    if cls is ServerError:
        if status == 501:
            kwargs["retryable"] = False
            kwargs["hint"] = "This server does not support that operation."
        return ServerError(message, retry_after=parse_retry_after(headers), **kwargs)
    return cls(message, **kwargs)


def _by_code(
    status: int,
    code: str | None,
    message: str,
    headers: Mapping[str, str],
    request_id: str | None,
) -> APIStatusError | None:
    """The error an answer's code (or telling message) decides, whatever its status; else None.

    The plugin gateway reuses statuses: 503 is also ``model_not_found`` (permanent) and 400 is
    also "current status: SUCCESS" (the video is gone), so the code must win over the status.
    """
    kwargs: dict[str, Any] = {"status": status, "code": code, "request_id": request_id}
    lowered = code.lower() if code else ""
    if is_gone(code, message):
        return VideoGone(message, **kwargs)
    if lowered == "model_not_found":  # permanent too: see PERMANENT_CODES
        return ModelNotFound(message, **kwargs)
    if lowered in NOT_FOUND_CODES:
        if lowered == "task_not_exist":
            return NotFoundError(TASK_NOT_VISIBLE, hint=TASK_NOT_VISIBLE_HINT, **kwargs)
        return NotFoundError(message, **kwargs)
    if lowered in ARTIFACT_HINTS:
        return ServerError(
            message,
            retry_after=parse_retry_after(headers),
            retryable=lowered not in ARTIFACT_PERMANENT,
            hint=ARTIFACT_HINTS[lowered],
            **kwargs,
        )
    return None


def redact_bytes(raw: bytes, secret: str | None) -> bytes:
    """``raw`` with every occurrence of ``secret`` replaced by ``***``.

    >>> redact_bytes(b'{"echo": "Bearer sk-1"}', "sk-1")
    b'{"echo": "Bearer ***"}'
    """
    if secret:
        token = secret.encode()
        if token in raw:
            return raw.replace(token, b"***")
    return raw


@dataclass
class Response:
    """A successful answer: the parsed JSON body and the headers."""

    status: int
    body: Any
    headers: Mapping[str, str]
    elapsed: float

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class StallGuard:
    """Gives up on a body that trickles: fewer than ``min_bytes`` in any ``window`` seconds.

    A server sending a byte now and then never trips the socket read timeout (it only bounds
    the gap between two reads), so without this a hostile or broken server could hold a status
    read or a download open forever. Any real connection moves far more than 64 KiB a minute.

        >>> StallGuard(None).feed(1)  # no window: never stalls
    """

    def __init__(self, window: float | None, min_bytes: int = MIN_BYTES_PER_WINDOW) -> None:
        self.window = window
        self.min_bytes = min_bytes
        self._start = time.monotonic()
        self._bytes = 0

    def feed(self, n: int) -> None:
        if not self.window:
            return
        self._bytes += n
        now = time.monotonic()
        if now - self._start < self.window:
            return
        if self._bytes < self.min_bytes:
            raise APITimeoutError(
                f"the server sent only {self._bytes} bytes in {now - self._start:.0f} s; "
                "the transfer stalled and was abandoned",
                code="stalled",
            )
        self._start, self._bytes = now, 0


async def read_limited(
    response: aiohttp.ClientResponse, limit: int, *, stall_window: float | None = None
) -> bytes:
    """The whole body, refusing one too long or too slow.

    Too long is over ``limit`` bytes (declared or actual); too slow is trickling in slower than
    ``MIN_BYTES_PER_WINDOW`` per ``stall_window`` seconds.
    """
    declared = response.content_length
    if declared is not None and declared > limit:
        raise ProtocolError(
            f"the server announced a {declared}-byte answer, over the {limit}-byte limit",
            code="body_too_large",
        )
    chunks: list[bytes] = []
    total = 0
    guard = StallGuard(stall_window)
    async for chunk in response.content.iter_chunked(64 * 1024):
        guard.feed(len(chunk))
        total += len(chunk)
        if total > limit:
            raise ProtocolError(
                f"the server's answer passed the {limit}-byte limit", code="body_too_large"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _decode_json(raw: bytes, status: int) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        if status >= 400:
            return raw[:500].decode("utf-8", "replace")  # an error page: keep a little as text
        raise ProtocolError(
            f"the server sent malformed JSON (HTTP {status}, {len(raw)} bytes)",
            status=status,
            code="malformed_json",
            retryable=True,
        ) from None


#: Operations that start a paid task (they follow the create retry rule too).
_PAID_KINDS = frozenset({"create", "remix"})
#: A complete ``"task_id": "..."`` or ``"id": "..."`` pair in a body that is not valid JSON.
_SALVAGE_ID = re.compile(rb'"(task_id|id)"\s*:\s*"([A-Za-z0-9_.:-]{1,200})"')


def salvage_task_id(raw: bytes) -> str | None:
    """The task id from a create answer that was cut short, when the id itself arrived whole.

    >>> salvage_task_id(b'{"id":"task_abc","task_id":"task_abc","object":"vi')
    'task_abc'
    >>> salvage_task_id(b'{"id":"task_a') is None
    True
    """
    found = {m[1]: m[2] for m in _SALVAGE_ID.finditer(raw)}
    value = found.get(b"task_id") or found.get(b"id")
    return value.decode() if value else None


class Transport:
    """Sends JSON requests to one API base URL with one key, retrying per ``RetryPolicy``.

    ``kind`` names the operation for metrics and decides retry safety: ``"create"`` and
    ``"remix"`` (both start a paid task) follow the create rule, everything else the read rule.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        retry: RetryPolicy,
        metrics: Metrics,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_json_bytes: int = MAX_JSON_BYTES,
        user_agent: str = "vidwidgets",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.retry = retry
        self.metrics = metrics
        self.timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=timeout)
        self.max_json_bytes = max_json_bytes
        self.user_agent = user_agent

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r})"

    @property
    def secret(self) -> str | None:
        return self._api_key

    def auth_headers(self) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def url(self, path: str) -> str:
        return self.base_url + path

    async def operation(
        self,
        session: aiohttp.ClientSession,
        name: str,
        api_format: ApiFormat,
        task_id: str | None = None,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Response:
        """A named operation of the format (``list``, ``delete``, ``remix``, ...), sent.

        A route the format lacks, or a 404/405/501 from a server without it, says so.
        """
        try:
            method, path = route(api_format, name, task_id)
        except KeyError:
            raise VideoAPIError(
                f"{name} is not available in the {api_format} format",
                code="not_supported",
                hint="Use api_format='openai' for list, delete and remix.",
            ) from None
        try:
            return await self.request(
                session, name, method, path, json_body=json_body, params=params
            )
        except APIStatusError as exc:
            if exc.status in (404, 405, 501) and exc.code is None and task_id is None:
                exc.hint = f"This server does not support {name}."
            raise

    async def request(
        self,
        session: aiohttp.ClientSession,
        kind: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        prepared: PreparedRequest | None = None,
        params: Mapping[str, str] | None = None,
        retry_rate_limits: bool = True,
    ) -> Response:
        """Send with retries; return the parsed 2xx answer or raise the mapped error.

        ``retry_rate_limits=False`` hands a 429 straight back (the client's create waits out a
        saturated server itself, on its own jobs' completions and the job's deadline).
        """
        attempt = 0
        while True:
            data, headers = self._body(json_body, prepared)  # a form can be sent only once
            start = time.monotonic()
            try:
                response = await self._send_once(
                    session, method, path, data, headers, params, paid=kind in _PAID_KINDS
                )
            except _Failure as failure:
                self.metrics.record_request(
                    kind, failure.error.status, time.monotonic() - start, retry=attempt > 0
                )
                delay, budget = self._retry_delay(failure, kind, attempt, retry_rate_limits)
                logger.info(
                    "%s %s: %s; retry %d/%d in %.2fs",
                    method,
                    path,
                    type(failure.error).__name__,
                    attempt + 1,
                    budget,
                    delay,
                )
                attempt += 1
                await asyncio.sleep(delay)
                continue
            self.metrics.record_request(
                kind, response.status, time.monotonic() - start, retry=attempt > 0
            )
            return response

    def _retry_delay(
        self, failure: _Failure, kind: str, attempt: int, retry_rate_limits: bool
    ) -> tuple[float, int]:
        """Seconds before the next attempt and the retry budget.

        Raises the error when there is no next attempt to make.
        """
        error = failure.error
        status = error.status
        retry_kind: Kind = "create" if kind in _PAID_KINDS else "read"
        budget = self.retry.budget(status)
        if (status == 429 and not retry_rate_limits) or (error.code or "") in PERMANENT_CODES:
            budget = 0  # a permanent answer: the same request would get the same one
        if attempt >= budget or not self.retry.should_retry(
            retry_kind,
            status=status,
            connect_failed=failure.connect_failed,
            transport_error=failure.transport_error,
            should_retry_header=failure.should_retry,
        ):
            if retry_kind == "create" and failure.may_have_acted:
                # "retrying usually helps" would invite a second, paid task
                error.hint = MAYBE_CREATED_HINT
            self.metrics.record_failure(error)
            raise error from failure.cause
        return self.retry.delay(attempt, failure.retry_after), budget

    def _body(self, json_body: Any, prepared: PreparedRequest | None) -> tuple[Any, dict[str, str]]:
        """The request's data (JSON bytes or a multipart form) and headers."""
        headers = self.auth_headers()
        headers["Accept"] = "application/json"
        data: Any = None
        if prepared is not None:
            if prepared.json is not None:
                json_body = prepared.json
            else:
                form = aiohttp.FormData()
                for name, value in prepared.form:
                    form.add_field(name, value)
                for name, filename, content, content_type in prepared.files:
                    form.add_field(name, content, filename=filename, content_type=content_type)
                data = form
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        return data, headers

    async def _send_once(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        data: Any,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None,
        *,
        paid: bool = False,
    ) -> Response:
        """One attempt: the parsed answer, or a ``_Failure`` for the retry decision."""
        start = time.monotonic()
        status, raw, resp_headers = await self._exchange(
            session, method, path, data=data, headers=headers, params=params
        )
        elapsed = time.monotonic() - start
        if 300 <= status < 400:
            raise _Failure(
                ProtocolError(
                    f"the API answered {method} {path} with a redirect (HTTP {status})",
                    status=status,
                    code="unexpected_redirect",
                    hint="Check base_url: it should be the API's own address.",
                )
            )
        body = self._decode(method, path, status, raw, paid=paid)
        if status >= 400:
            error = error_from_response(status, body, resp_headers, secret=self._api_key)
            raise _Failure(
                error,
                retry_after=parse_retry_after(resp_headers),
                should_retry=resp_headers.get("x-should-retry"),
            )
        if not isinstance(body, (dict, list)):
            raise _Failure(
                ProtocolError(
                    f"expected a JSON object from {method} {path}, got {type(body).__name__}",
                    status=status,
                    code="unexpected_body",
                    retryable=True,
                ),
                transport_error=True,
            )
        return Response(status=status, body=body, headers=resp_headers, elapsed=elapsed)

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        *,
        data: Any,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None,
    ) -> tuple[int, bytes, dict[str, str]]:
        """Status, redacted body bytes and redacted headers; transport errors as ``_Failure``."""
        try:
            async with session.request(
                method,
                self.url(path),
                data=data,
                params=params,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,  # a redirect could carry the key to another host
            ) as response:
                raw = await read_limited(
                    response, self.max_json_bytes, stall_window=self.timeout.sock_read
                )
                # A server that echoes the key (in a body, a failure reason, a request-id header)
                # must not hand it to job.raw, errors, widgets or manifests: cut it out here,
                # where every API answer passes, before anything is parsed.
                raw = redact_bytes(raw, self._api_key)
                resp_headers = {
                    k.lower(): redact(v, self._api_key) for k, v in response.headers.items()
                }
                return response.status, raw, resp_headers
        except (ProtocolError, APITimeoutError) as exc:  # oversized or stalled body
            raise _Failure(exc, transport_error=True) from exc
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # nothing was sent: safe to retry, even a create
            raise _Failure(
                APIConnectionError(self._describe(exc, "could not connect to")),
                connect_failed=True,
                cause=exc,
            ) from exc
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise _Failure(
                APITimeoutError(self._describe(exc, "timed out waiting for")),
                transport_error=True,
                cause=exc,
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _Failure(
                APIConnectionError(self._describe(exc, "lost the connection to")),
                transport_error=True,
                cause=exc,
            ) from exc

    @staticmethod
    def _decode(method: str, path: str, status: int, raw: bytes, *, paid: bool) -> Any:
        try:
            return _decode_json(raw, status)
        except ProtocolError as exc:
            task_id = salvage_task_id(raw) if paid and status < 300 else None
            if task_id is None:
                raise _Failure(exc, transport_error=True) from exc
            # The server accepted a paid task and its answer was cut short after the id: keep
            # the id (the task is real) rather than fail a generation we are billed for.
            logger.warning("%s %s: answer cut short; recovered task id %s", method, path, task_id)
            return {"task_id": task_id}

    def _describe(self, exc: BaseException, what: str) -> str:
        detail = redact(str(exc) or type(exc).__name__, self._api_key)
        return f"{what} {self.base_url}: {detail}"


class _Failure(Exception):
    """One failed attempt, with what the retry decision needs."""

    @property
    def may_have_acted(self) -> bool:
        """Whether the server may have carried the request out although it failed for us.

        It may when the request went out and the answer was lost, broken or a 5xx other than
        503/501.
        """
        if self.connect_failed:
            return False
        if self.transport_error:
            return True
        status = self.error.status
        return status is None or (status >= 500 and status not in (501, 503))

    def __init__(
        self,
        error: VideoAPIError,
        *,
        connect_failed: bool = False,
        transport_error: bool = False,
        retry_after: float | None = None,
        should_retry: str | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.connect_failed = connect_failed
        self.transport_error = transport_error
        self.retry_after = retry_after
        self.should_retry = should_retry
        self.cause = cause
