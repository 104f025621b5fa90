"""When to send a request again, and how long to wait first.

Two kinds of request, two rules:

- **reads** (status, list, download, delete) are idempotent: retried on 408, 409, 429, 5xx,
  connection errors and unreadable answers;
- **creates** cost money: one is sent again only when the server *cannot* have acted on it —
  the connection was never made, or the server said 429 or 503 (the gateway refunds and nothing
  was queued). A read timeout, a reset after the body went out, a 500 or a 502 may hide a task that
  was created: retrying could bill twice, so the error goes to the caller instead.

Waits are capped exponential backoff with jitter (as openai-python), unless the server said how
long (``retry-after-ms``, ``Retry-After`` in seconds or as an HTTP date).

    >>> policy = RetryPolicy(initial=0.5, max_backoff=8.0, jitter=0.0)
    >>> [policy.backoff(n) for n in range(5)]
    [0.5, 1.0, 2.0, 4.0, 8.0]
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["RETRYABLE_READ_STATUSES", "SAFE_CREATE_STATUSES", "RetryPolicy", "parse_retry_after"]

Kind = Literal["read", "create"]

#: Statuses after which an idempotent request is sent again.
RETRYABLE_READ_STATUSES: frozenset[int] = frozenset({408, 409, 429, 500, 502, 503, 504})
#: Statuses after which the server cannot have created the task.
SAFE_CREATE_STATUSES: frozenset[int] = frozenset({429, 503})


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``Retry-After``.

    >>> parse_retry_after({"retry-after-ms": "1500"}), parse_retry_after({"Retry-After": "3"})
    (1.5, 3.0)
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after-ms")
    if value is not None:
        try:
            ms = float(value)
        except ValueError:
            ms = -1.0
        if 0 <= ms < 1e9:
            return ms / 1000.0
    value = lowered.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds < 0:  # NaN, or a date in the past
        return 0.0
    return seconds


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently requests are retried.

    ``max_retries`` bounds retries of any request; a 429 (rate limit, upstream saturated) gets
    ``rate_limit_retries`` because waiting it out is the point. ``max_retry_after`` caps how
    long a server may make us wait per attempt. ``time_scale`` multiplies our own backoff (not
    the server's Retry-After), so a benchmark can run at a simulator's speed.

        >>> RetryPolicy().should_retry("create", status=500)
        False
    """

    max_retries: int = 3
    rate_limit_retries: int = 8
    initial: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 120.0
    time_scale: float = 1.0

    def backoff(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (0-based), with jitter."""
        base = min(self.initial * 2.0**attempt, self.max_backoff)
        return base * (1.0 - self.jitter * random.random()) * self.time_scale

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The server's wait when it named one (capped), else our backoff."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return self.backoff(attempt)

    def budget(self, status: int | None) -> int:
        return self.rate_limit_retries if status == 429 else self.max_retries

    def should_retry(
        self,
        kind: Kind,
        *,
        status: int | None = None,
        connect_failed: bool = False,
        transport_error: bool = False,
        should_retry_header: str | None = None,
    ) -> bool:
        """Whether this failure may be retried for this kind of request.

        ``connect_failed``: no connection was made, so nothing was sent. ``transport_error``: the
        exchange broke after the request may have been sent (reset, read timeout, bad body).
        """
        header = (should_retry_header or "").strip().lower()
        if header == "false":
            return False
        if kind == "create":
            if connect_failed:
                return True
            return status in SAFE_CREATE_STATUSES
        if header == "true":
            return True
        if connect_failed or transport_error:
            return True
        return status in RETRYABLE_READ_STATUSES
