"""Fetching a finished video to disk without trusting the server.

- Only http(s) URLs are fetched. The API key goes only to the API's own origin (scheme, host,
  port): a CDN URL is fetched without it, and redirects are followed by hand so a hop to another
  host never carries it.
- The body is streamed in chunks into a temporary file next to the target and renamed into place
  only when complete, so memory stays flat for any size and no half file ever has the final name.
- The content type must be a video (or image for the thumbnail), the byte count must match
  ``Content-Length``, ``max_bytes`` stops an endless body, and a body that trickles in slower
  than 64 KiB per read-timeout window is abandoned (``StallGuard``) instead of hanging.
- File names derived from task ids are sanitised: ``../../x``, ``/etc/passwd`` or a NUL can never
  leave the output folder.

    >>> safe_filename("../../etc/passwd")[:14]
    'etc_passwd-375'
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import aiohttp
from yarl import URL

from vidwidgets.client._dialects import is_http_url
from vidwidgets.client._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ProtocolError,
    VideoAPIError,
    VideoGone,
    redact,
)
from vidwidgets.client._http import StallGuard, Transport, error_from_response, read_limited
from vidwidgets.client._metrics import Metrics

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "DOWNLOAD_AGAIN_HINT",
    "DownloadResult",
    "fetch_first",
    "safe_filename",
    "same_origin",
    "stream_to_file",
]

logger = logging.getLogger("vidwidgets")

DEFAULT_MAX_DOWNLOAD_BYTES: Final[int] = 4 * 1024**3
CHUNK_BYTES: Final[int] = 256 * 1024
MAX_REDIRECTS: Final[int] = 5

#: Accepted content types per variant. CDNs often say octet-stream for videos.
CONTENT_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "video": ("video/", "application/octet-stream", "binary/octet-stream"),
    "thumbnail": ("image/", "application/octet-stream"),
    "spritesheet": ("image/", "application/octet-stream"),
}
#: what a failed download says: the video is finished on the server, nothing is lost
DOWNLOAD_AGAIN_HINT: Final[str] = (
    "The video is finished on the server and nothing is lost: call client.download(job) again "
    "to fetch it (after a restart, client.resume() or re-running the comparison finds it)."
)
EXTENSIONS: Final[dict[str, str]] = {"video": ".mp4", "thumbnail": ".webp", "spritesheet": ".jpg"}

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(task_id: str, suffix: str = "", *, max_chars: int = 80) -> str:
    """A file name built from a server's task id that cannot escape its folder.

    Unsafe characters become ``_``; when anything was changed (or the id is long) a short hash
    of the original id is appended so two different ids never share a file.

    >>> safe_filename("task_abc123", ".mp4")
    'task_abc123.mp4'
    >>> "/" in safe_filename("a/b") or safe_filename("..").startswith(".")
    False
    """
    cleaned = _UNSAFE.sub("_", task_id).strip("._-")[:max_chars]
    if cleaned != task_id or not cleaned:
        digest = hashlib.sha256(task_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cleaned = f"{cleaned}-{digest}" if cleaned else f"video-{digest}"
    return cleaned + suffix


def same_origin(a: str | URL, b: str | URL) -> bool:
    """True when two URLs share scheme, host and port (where the key may go)."""
    ua, ub = URL(str(a)), URL(str(b))
    return (ua.scheme.lower(), (ua.host or "").lower(), ua.port) == (
        ub.scheme.lower(),
        (ub.host or "").lower(),
        ub.port,
    )


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    bytes: int
    content_type: str
    url: str


def _check_type(content_type: str, variant: str, url: str) -> None:
    allowed = CONTENT_TYPES.get(variant, CONTENT_TYPES["video"])
    lowered = content_type.lower().split(";")[0].strip()
    if not lowered.startswith(allowed):
        raise ProtocolError(
            f"the {variant} at {_show(url)} has content type {lowered or 'none'!r}, "
            f"not {' or '.join(allowed)}",
            code="bad_content_type",
            hint="The URL did not return a video (an expired link or an error page?).",
        )


def _show(url: str) -> str:
    """A URL for messages: no query string (signed CDN URLs carry tokens there)."""
    try:
        parsed = URL(url)
        return str(parsed.with_query(None).with_fragment(None))[:200]
    except (ValueError, TypeError):
        return url[:80]


async def stream_to_file(
    session: aiohttp.ClientSession,
    url: str,
    target: Path,
    *,
    api_origin: str,
    auth_headers: Mapping[str, str],
    variant: str = "video",
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
    timeout: aiohttp.ClientTimeout | None = None,
    secret: str | None = None,
) -> DownloadResult:
    """Stream ``url`` into ``target`` (temp file, then rename); return what was written.

    ``auth_headers`` are sent only while the URL's origin equals ``api_origin``.
    """
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        if not is_http_url(current):
            raise ProtocolError(
                f"refusing to fetch a non-http(s) URL {current[:40]!r}",
                code="unsafe_url",
                hint="The server sent a link vidwidgets will not open.",
            )
        headers = {"Accept": "video/*, image/*, application/octet-stream"}
        if same_origin(current, api_origin):
            headers.update(auth_headers)
        else:
            headers.update({k: v for k, v in auth_headers.items() if k.lower() != "authorization"})
        try:
            async with session.get(
                current, headers=headers, allow_redirects=False, timeout=timeout
            ) as response:
                if response.status in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location", "")
                    current = str(URL(current).join(URL(location)))
                    continue
                if response.status >= 400:
                    try:
                        raw = await read_limited(response, 64 * 1024)
                        body: object = raw.decode("utf-8", "replace")
                        with contextlib.suppress(ValueError):
                            body = json.loads(raw)
                    except ProtocolError:
                        body = None
                    raise error_from_response(
                        response.status,
                        body,
                        {k.lower(): v for k, v in response.headers.items()},
                        secret=secret,
                    )
                _check_type(response.headers.get("Content-Type", ""), variant, current)
                window = timeout.sock_read if timeout is not None else None
                return await _write(response, target, current, max_bytes, StallGuard(window))
        except VideoAPIError:
            raise
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise APITimeoutError(f"download from {_show(current)} timed out") from exc
        except (aiohttp.ClientError, OSError) as exc:
            detail = redact(str(exc) or type(exc).__name__, secret)
            raise APIConnectionError(f"download from {_show(current)} failed: {detail}") from exc
    raise ProtocolError(f"more than {MAX_REDIRECTS} redirects from {_show(url)}", code="redirects")


async def fetch_first(
    session: aiohttp.ClientSession,
    sources: Sequence[str],
    target: Path,
    *,
    transport: Transport,
    metrics: Metrics,
    variant: str = "video",
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
    read_timeout: float = 60.0,
) -> DownloadResult:
    """Save the first of ``sources`` that works to ``target``, retrying transient failures.

    The video is paid for by now: a 429, a busy provider (503 with ``Retry-After``) or a dropped
    connection is waited out as patiently as any request (the transport's retry budget, the
    server's ``Retry-After`` capped by ``max_retry_after``), not just tried once. A source that
    failed for good (an expired CDN URL: 403/404) is not tried again; ``VideoGone`` is raised at
    once, since no source can have the video then. The last error is raised, with
    ``DOWNLOAD_AGAIN_HINT`` when it was transient (unless it carries an advice of its own).
    """
    retry = transport.retry
    timeout = aiohttp.ClientTimeout(total=None, connect=10, sock_read=read_timeout)
    last: VideoAPIError | None = None
    remaining = list(sources)
    attempt = 0
    while True:
        for url in list(remaining):
            started = time.monotonic()
            try:
                result = await stream_to_file(
                    session,
                    url,
                    target,
                    api_origin=transport.base_url,
                    auth_headers=transport.auth_headers(),
                    variant=variant,
                    max_bytes=max_bytes,
                    timeout=timeout,
                    secret=transport.secret,
                )
            except VideoGone as exc:
                metrics.record_request("download", exc.status, 0.0)
                metrics.record_failure(exc)
                raise
            except VideoAPIError as exc:
                metrics.record_request("download", exc.status, 0.0)
                logger.info("download from %s failed: %s", _show(url), exc)
                last = exc
                if not exc.retryable:
                    remaining.remove(url)  # e.g. an expired signed URL: it stays expired
                continue
            metrics.record_request("download", 200, time.monotonic() - started, retry=attempt > 0)
            metrics.record_download(result.bytes)
            return result
        if not remaining or last is None or attempt >= retry.budget(last.status):
            break
        await asyncio.sleep(retry.delay(attempt, getattr(last, "retry_after", None)))
        attempt += 1
    assert last is not None
    if last.retryable and last.hint == type(last).default_hint:
        # a transient failure: "check base_url" is the wrong advice, the video is made
        last.hint = DOWNLOAD_AGAIN_HINT
    metrics.record_failure(last)
    raise last


def _make_temp(target: Path) -> tuple[int, Path]:
    """A temporary file in the target's folder, so the final rename is atomic."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:60]}.", suffix=".part")
    return fd, Path(name)


async def _write(
    response: aiohttp.ClientResponse, target: Path, url: str, max_bytes: int, guard: StallGuard
) -> DownloadResult:
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise ProtocolError(
            f"the file at {_show(url)} is {declared} bytes, over the {max_bytes}-byte limit",
            code="download_too_large",
            hint="Raise max_download_bytes if this is expected.",
        )
    fd, temp = _make_temp(target)
    written = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                guard.feed(len(chunk))  # a trickle never trips the read timeout
                written += len(chunk)
                if written > max_bytes:
                    raise ProtocolError(
                        f"the download from {_show(url)} passed the {max_bytes}-byte limit",
                        code="download_too_large",
                        hint="Raise max_download_bytes if this is expected.",
                    )
                fh.write(chunk)
        if declared is not None and written != declared:
            raise ProtocolError(
                f"the download from {_show(url)} was cut off: {written} of {declared} bytes",
                code="truncated",
                retryable=True,
            )
        if written == 0:
            raise ProtocolError(f"the download from {_show(url)} was empty", code="empty")
        os.replace(temp, target)
    except BaseException:
        # cancelled, cut off or refused: never leave a partial file behind
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    content_type = response.headers.get("Content-Type", "")
    logger.debug("downloaded %d bytes from %s to %s", written, _show(url), target)
    return DownloadResult(path=target, bytes=written, content_type=content_type, url=url)
